"""Part 2's test rows: what a student could gain from the other rows, and what the rows cost in
precision, for the grader's scheme beside the one it replaced, measured side by side.

Two honest models (popularity and first-order item transitions, both ruling out the input items)
are scored per seed on each scheme, then again as an attacker who knows which rows share a user
(the best the request order could ever reveal) and rules out the items of that user's other
rows. The gain is that attack's MRR minus the honest one; the standard error is over the rows.

- previous: every non-overlapping window of 10 of each hidden user, targets included whatever
  their second;
- most recent: at most three windows per hidden user, the most recent, each target alone in its
  second (``grader.data.next_item_test_set`` without a seed);
- grader: the same, at positions of the history the partition seed chooses (what the grader
  does, so that the rows cannot be computed at home).

Usage: GRADER_DATA_DIR=../shared/data/ml-100k python benchmarks/bench_window_scheme.py [--seeds 20261,1,2]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from grader import metrics
from grader.baselines import Popularity
from grader.data import HiddenSequences, load_dataset, next_item_test_set, user_based_train_test_split


def transitions(public) -> np.ndarray:
    """Counts of which item followed which in the public histories."""
    pairs = public.to_sequence(2, step_size=1, min_sequence_length=2).sequences
    counts = np.zeros((public.num_items, public.num_items))
    np.add.at(counts, (pairs[:, 0], pairs[:, 1]), 1.0)
    return counts


def scores(model: str, public, rows: HiddenSequences, popularity: np.ndarray, follows: np.ndarray) -> np.ndarray:
    """An honest model's scores, the input items ruled out."""
    result = np.tile(popularity, (len(rows), 1)) if model == "popularity" else follows[rows.inputs[:, -1]] + 1e-3 * popularity / popularity.max()
    np.put_along_axis(result, rows.inputs, -1e9, axis=1)
    return result


def with_linked_rows(result: np.ndarray, rows: HiddenSequences) -> np.ndarray:
    """The same scores, also ruling out the items of the same user's other rows."""
    linked = result.copy()
    for user in np.unique(rows.user_ids):
        mine = np.flatnonzero(rows.user_ids == user)
        for row in mine:
            others = [other for other in mine if other != row]
            items = np.concatenate([rows.inputs[others].ravel(), rows.targets[others]])
            linked[row, items[items > 0]] = -1e9
    return linked


def previous_rows(hidden) -> HiddenSequences:
    windows = hidden.to_sequence(10, min_sequence_length=2)
    inputs, targets = windows.inputs_and_targets()
    return HiddenSequences(inputs, targets, hidden.num_items, windows.user_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="20261,1,2")
    args = parser.parse_args()
    data = load_dataset()
    table: dict[tuple[str, str], list[tuple[float, float, float, int]]] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        public, hidden = user_based_train_test_split(data, 0.2, seed)
        popularity = Popularity().fit(public).counts_
        follows = transitions(public)
        for scheme, rows in (("previous", previous_rows(hidden)), ("most recent", next_item_test_set(hidden)), ("grader", next_item_test_set(hidden, seed=seed))):
            for model in ("popularity", "transitions"):
                honest = scores(model, public, rows, popularity, follows)
                ranks = metrics.target_ranks(honest, rows.targets)
                attack = metrics.mrr(with_linked_rows(honest, rows), rows.targets)
                error = float(np.std(1.0 / ranks, ddof=1) / np.sqrt(len(ranks)))
                table.setdefault((scheme, model), []).append((float(np.mean(1.0 / ranks)), attack, error, len(rows)))
    print(f"MRR on MovieLens 100K, mean over seeds {args.seeds}")
    print(f"  {'scheme':12} {'model':12} {'rows':>6} {'honest':>8} {'seed sd':>8} {'std err':>8} {'linked':>8} {'gain':>8}")
    for (scheme, model), runs in table.items():
        honest = [run[0] for run in runs]
        gain = statistics.mean(run[1] - run[0] for run in runs)
        print(
            f"  {scheme:12} {model:12} {statistics.mean(run[3] for run in runs):6.0f} {statistics.mean(honest):8.4f} "
            f"{statistics.stdev(honest) if len(honest) > 1 else 0.0:8.4f} {statistics.mean(run[2] for run in runs):8.4f} "
            f"{statistics.mean(run[1] for run in runs):8.4f} {gain:+8.4f}"
        )


if __name__ == "__main__":
    main()
