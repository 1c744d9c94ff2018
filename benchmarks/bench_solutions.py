"""The reference solutions on MovieLens 100K: hidden-split metric and training time per seed,
beside the baselines (measured in the same run) and the course's Spotlight anchors (quoted).

Each solution notebook is executed with nbclient as a student would run it at home (partition
seed set through GRADER_SPLIT_SEED); a cell appended by this script scores its graded function
on the hidden split with grader.metrics and reports the training time the notebook measured.

Usage: GRADER_DATA_DIR=../shared/data/ml-100k python benchmarks/bench_solutions.py [--seeds 20261,1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from grader.data import assignment_split, load_dataset
from grader.evaluation import baseline_metrics

REPO = Path(__file__).resolve().parents[1]
SCORE_CELL = """
import json as _json
from grader.data import assignment_split as _split, load_dataset as _load
from grader.evaluation import predict_next_in_batches, predict_ratings_in_batches, score_next_items, score_ratings
_hidden = _split(_load(), {part!r}).hidden
if {part!r} == "explicit":
    _metrics = score_ratings(predict_ratings_in_batches(predict_ratings, _hidden), _hidden)
else:
    _metrics = score_next_items(predict_next_in_batches(predict_next, _hidden), _hidden)
print("BENCHMARK" + _json.dumps({{"metrics": _metrics, "train_seconds": sum(train_seconds.values())}}))
"""
ANCHORS = {
    "explicit": [("Spotlight, course settings (3 epochs)", 0.992), ("Spotlight, tuned", 0.920), ("biased MF by hand", 0.915)],
    "sequence": [("Spotlight, course settings (pooling, 3 epochs)", 0.043), ("Spotlight, tuned (LSTM)", 0.0625)],
}
NOTEBOOKS = {"explicit": "explicit_feedback.ipynb", "sequence": "implicit_sequence.ipynb"}


def run_solution(part: str, seed: int) -> dict:
    notebook = nbformat.read(REPO / "solutions" / NOTEBOOKS[part], as_version=4)
    notebook.cells.append(new_code_cell(SCORE_CELL.format(part=part)))
    os.environ["GRADER_SPLIT_SEED"] = str(seed)
    start = time.perf_counter()
    NotebookClient(notebook, kernel_name="python3", timeout=900).execute()
    wall = time.perf_counter() - start
    for output in notebook.cells[-1].outputs:
        if output.get("name") == "stdout" and "BENCHMARK" in output.text:
            result = json.loads(output.text.split("BENCHMARK", 1)[1])
            return {**result, "notebook_seconds": wall}
    raise RuntimeError(f"{NOTEBOOKS[part]} did not report its metrics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="20261,1,2")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    data = load_dataset()
    for part, metric in (("explicit", "rmse"), ("sequence", "mrr")):
        runs = [run_solution(part, seed) for seed in seeds]
        baselines = [baseline_metrics(part, *(lambda s: (s.public, s.hidden))(assignment_split(data, part, seed))) for seed in seeds]
        print(f"\n{part}: {metric.upper()} on the hidden split, mean of seeds {seeds}")
        print(f"  {'model':50} {metric.upper():>8} {'train s':>9} {'notebook s':>11}")
        values = [run["metrics"][metric] for run in runs]
        print(f"  {'reference solution (per seed: ' + ', '.join(f'{v:.4f}' for v in values) + ')':50} "
              f"{statistics.mean(values):8.4f} {statistics.mean(r['train_seconds'] for r in runs):9.1f} "
              f"{statistics.mean(r['notebook_seconds'] for r in runs):11.1f}")
        if part == "sequence":
            for extra in ("hr@10", "ndcg@10"):
                print(f"  {'  same model, ' + extra.upper():50} {statistics.mean(r['metrics'][extra] for r in runs):8.4f}")
        for name in baselines[0]:
            value = statistics.mean(b[name][metric] for b in baselines)
            print(f"  {name.replace('_', ' ') + ' baseline':50} {value:8.4f}")
        for name, value in ANCHORS[part]:
            print(f"  {name + ' (anchor, quoted)':50} {value:8.4f}")


if __name__ == "__main__":
    main()
