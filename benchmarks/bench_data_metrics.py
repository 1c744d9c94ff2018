"""Time MovieLens loading and MRR beside naive implementations, measured in the same run.

Usage: GRADER_DATA_DIR=../shared/data/ml-100k python benchmarks/bench_data_metrics.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from grader import metrics
from grader.data import Interactions, load_movielens
from grader.data.movielens import locate_movielens


def median_seconds(function: Callable[[], object], repeats: int = 5) -> float:
    """Median wall time of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_load(folder: Path) -> Interactions:
    """Line-by-line parsing in pure Python, as a first attempt would do it."""
    rows = [tuple(int(x) for x in line.split("\t")) for line in (folder / "u.data").read_text().splitlines()]
    users, items, ratings, times = (np.array(column) for column in zip(*rows))
    return Interactions(users, items, ratings, times, users.max() + 1, items.max() + 1)


def naive_mrr(scores: np.ndarray, targets: np.ndarray) -> float:
    """One scipy ranking per row (average ties), as Spotlight's evaluation loops."""
    return float(np.mean([1.0 / rankdata(-row[1:])[t - 1] for row, t in zip(scores, targets)]))


def main() -> None:
    folder = locate_movielens()
    rows = []
    ours = median_seconds(lambda: load_movielens(folder))
    naive = median_seconds(lambda: naive_load(folder))
    rows.append(("load ML-100K (parse + sha256)", ours, naive))

    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=(2400, 1683)), 2)  # rounded: realistic ties
    targets = rng.integers(1, 1683, size=2400)
    assert abs(metrics.mrr(scores, targets) - naive_mrr(scores, targets)) < 1e-12
    ours = median_seconds(lambda: metrics.mrr(scores, targets))
    naive = median_seconds(lambda: naive_mrr(scores, targets), repeats=3)
    rows.append(("MRR, 2,400 x 1,683 scores", ours, naive))

    print(f"{'task':34} {'ours (s)':>10} {'naive (s)':>10} {'speed-up':>9}")
    for task, ours, naive in rows:
        print(f"{task:34} {ours:10.4f} {naive:10.4f} {naive / ours:8.1f}x")


if __name__ == "__main__":
    main()
