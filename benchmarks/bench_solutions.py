"""The reference solutions on MovieLens 100K: hidden-split metric and training time per seed,
beside the baselines (measured in the same run) and the course's Spotlight anchors (quoted, with
their source).

Each solution notebook is executed with nbclient as a student would run it at home (partition
seed set through GRADER_SPLIT_SEED); a cell appended by this script scores its graded function
on the hidden split with grader.metrics and reports the training time the notebook measured.
Each is run a second time with its optional tasks left undone (``core_tasks``): what the
rubric's targets are set for.
Part 2 is scored twice with the same trained model: on the grader's test rows (at most three
windows per hidden user, each target alone in its second) and on the evaluation used before
them (every non-overlapping window of the hidden users), so that the change is visible.

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
from grader.instructor.templates import core_tasks
from grader.parts import get_part

REPO = Path(__file__).resolve().parents[1]
SCORE_CELL = """
import json as _json, os as _os
from grader.data import HiddenSequences as _Rows, assignment_split as _split, load_dataset as _load, user_based_train_test_split as _users
from grader.parts import get_part as _part
_hidden, _rules = _split(_load(), {part!r}).hidden, _part({part!r})
_predict = globals()[_rules.function]
_metrics = _rules.score(_rules.answers(_predict, _hidden), _hidden)
if {part!r} == "sequence":
    _windows = _users(_load(), 0.2, int(_os.environ["GRADER_SPLIT_SEED"]))[1].to_sequence(10, min_sequence_length=2)
    _old = _Rows(*_windows.inputs_and_targets(), _hidden.num_items)
    _metrics["previous mrr"] = _rules.score(_rules.answers(_predict, _old), _old)["mrr"]
    _metrics["rows"], _metrics["previous rows"] = len(_hidden), len(_old)
print("BENCHMARK" + _json.dumps({{"metrics": _metrics, "train_seconds": sum(train_seconds.values())}}))
"""
ANCHORS = {  # quoted, not measured here: (label, value, source)
    "explicit": [
        ("Spotlight, course settings (3 epochs)", 0.9924, "course material, ../shared/data/README.md"),
        ("Spotlight, tuned", 0.920, "performance targets, DESIGN.md"),
    ],
    "sequence": [
        ("Spotlight, course settings (pooling, 3 epochs), all windows", 0.0416, "course material, ../shared/data/README.md"),
        ("Spotlight, tuned", 0.0625, "performance targets, DESIGN.md"),
    ],
}
NOTEBOOKS = {"explicit": "explicit_feedback.ipynb", "sequence": "implicit_sequence.ipynb"}


def run_solution(part: str, seed: int, core: bool = False) -> dict:
    notebook = nbformat.read(REPO / "solutions" / NOTEBOOKS[part], as_version=4)
    if core:
        notebook = core_tasks(notebook, NOTEBOOKS[part])
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
        baselines = [get_part(part).baseline_metrics(*(lambda s: (s.public, s.hidden))(assignment_split(data, part, seed))) for seed in seeds]
        print(f"\n{part}: {metric.upper()} on the hidden split, mean of seeds {seeds}")
        print(f"  {'model':50} {metric.upper():>8} {'train s':>9} {'notebook s':>11}")
        values = [run["metrics"][metric] for run in runs]
        print(f"  {'reference solution (per seed: ' + ', '.join(f'{v:.4f}' for v in values) + ')':50} "
              f"{statistics.mean(values):8.4f} {statistics.mean(r['train_seconds'] for r in runs):9.1f} "
              f"{statistics.mean(r['notebook_seconds'] for r in runs):11.1f}")
        if part == "sequence":
            for extra in ("hr@10", "ndcg@10"):
                print(f"  {'  same model, ' + extra.upper():50} {statistics.mean(r['metrics'][extra] for r in runs):8.4f}")
            previous = [run["metrics"]["previous mrr"] for run in runs]
            rows = [run["metrics"]["rows"] for run in runs]
            print(f"  {'  same model, MRR on the previous evaluation':50} {statistics.mean(previous):8.4f}   (per seed: {', '.join(f'{v:.4f}' for v in previous)})")
            print(f"  rows per seed: {rows} now, {[run['metrics']['previous rows'] for run in runs]} before")
        core = [run_solution(part, seed, core=True)["metrics"][metric] for seed in seeds]
        print(f"  {'required tasks only (' + ', '.join(f'{v:.4f}' for v in core) + ')':50} {statistics.mean(core):8.4f}")
        for name in baselines[0]:
            value = statistics.mean(b[name][metric] for b in baselines)
            print(f"  {name.replace('_', ' ') + ' baseline':50} {value:8.4f}")
        for name, value, source in ANCHORS[part]:
            print(f"  {name:50} {value:8.4f}   (quoted: {source})")


if __name__ == "__main__":
    main()
