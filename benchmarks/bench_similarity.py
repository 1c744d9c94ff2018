"""Similar submissions in a MOOC-sized batch: the time to compare every two sketches of a class of
2,000 (2 million pairs per part), and what is found, side by side for smaller classes.

Each synthetic class mimics what the grader keeps: Part 1 sketches are 2,048 hidden ratings,
honest students a shared signal plus their own model's departures (an RMSE of about 0.1 star
between two of them, as between the solution's seeds), Part 2 sketches 512 top-10 lists, each
model's own ten of twenty items good models rank high; a few students hand in a classmate's notebook (the
same answers), a few hand in a provided baseline (the same answers as each other, left out).
Found pairs are compared with the planted copies.

Usage: python benchmarks/bench_similarity.py [--sizes 250,1000,2000] [--copies 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from grader.checks.result import CheckResult
from grader.execution.record import ExecutionRecord
from grader.reports.model import PartReport, SubmissionReport
from grader.similarity import similar_pairs


def _report(name: str, part: str, answers: list, baseline: str | None) -> SubmissionReport:
    tests = [CheckResult("ran", 1, 1, "", "passed")]
    record = PartReport(part, tests, None, {}, None, 0.0, "rmse", ExecutionRecord(), sketch={"answers": answers, "baseline": baseline})
    return SubmissionReport(submission=f"{name}.ipynb", parts=[record])


def synthetic_class(part: str, size: int, copies: int, rng: np.random.Generator) -> tuple[list[SubmissionReport], set[tuple[int, int]]]:
    """``size`` sketches of ``part``: honest ones, ``copies`` copied pairs and two baseline hand-ins."""
    if part == "explicit":
        shared = rng.uniform(2.5, 4.5, 2048)
        honest = [np.round(shared + rng.normal(0, 0.08, 2048), 4).tolist() for _ in range(size)]
    else:
        candidates = np.argsort(-rng.gumbel(size=(512, 1683)), axis=1)[:, :20]  # what good models rank high
        honest = [rng.permuted(candidates, axis=1)[:, :10].tolist() for _ in range(size)]  # each model's own ten of them
    planted = set()
    for k in range(copies):  # student 2k+1 hands in student 2k's notebook
        honest[2 * k + 1] = honest[2 * k]
        planted.add((2 * k, 2 * k + 1))
    reports = [_report(f"student{i}", part, answers, None) for i, answers in enumerate(honest)]
    for i in (size - 2, size - 1):  # two students hand in the provided baseline
        reports[i] = _report(f"student{i}", part, honest[0], "user_item_biases" if part == "explicit" else "item_transitions")
    return reports, planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000,2000")
    parser.add_argument("--copies", type=int, default=10)
    arguments = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'part':9} {'class':>6} {'pairs':>10} {'seconds':>8} {'found':>6} {'planted':>8} {'others':>7}")
    for part in ("explicit", "sequence"):
        for size in map(int, arguments.sizes.split(",")):
            reports, planted = synthetic_class(part, size, arguments.copies, rng)
            started = time.perf_counter()
            found = similar_pairs(reports)
            seconds = time.perf_counter() - started
            pairs = {(pair.first, pair.second) for pair in found}
            print(f"{part:9} {size:6,} {size * (size - 1) // 2:10,} {seconds:8.2f} {len(pairs & planted):6} {len(planted):8} {len(pairs - planted):7}")


if __name__ == "__main__":
    main()
