"""Similar submissions in a MOOC-sized batch: the time to compare every two sketches of a class of
2,000 (2 million pairs per part), and what is found, side by side for smaller classes.

Each synthetic class mimics what the grader keeps: Part 1 sketches are 2,048 hidden ratings,
honest students a shared signal plus their own model's departures (an RMSE of about 0.1 star
between two of them, as between the solution's seeds), Part 2 sketches 512 top-10 lists, each
model's own ten of twenty items good models rank high; a few students hand in a classmate's notebook (the
same answers), a few hand in a provided baseline (the same answers as each other, left out).
Found pairs are compared with the planted copies.

With ``--honest``, the thresholds' calibration instead: the solutions and their core tasks
trained under other seeds (independent honest work on the same template), graded on MovieLens
under a secret split seed, and how far apart every two of their sketches are.

Usage: python benchmarks/bench_similarity.py [--sizes 250,1000,2000] [--copies 10]
       GRADER_DATA_DIR=../shared/data/ml-100k python benchmarks/bench_similarity.py --honest
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

from grader.batch import grade_batch
from grader.checks.result import CheckResult
from grader.execution.record import ExecutionRecord
from grader.grading import GradingOptions, GradingSession
from grader.instructor.templates import core_tasks
from grader.parts import get_part
from grader.reports.model import PartReport, SubmissionReport
from grader.similarity import THRESHOLDS, similar_pairs

REPO = Path(__file__).resolve().parents[1]
SECRET = 271828182845904523536028747135266249775


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


def honest_variants() -> None:
    """Sketch disagreement between independent honest notebooks, per part, against the threshold."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for part, stem in (("explicit", "explicit_feedback"), ("sequence", "implicit_sequence")):
            solution = nbformat.read(REPO / "solutions" / f"{stem}.ipynb", as_version=4)
            for kind, seed in (("solution", 0), ("solution", 1), ("solution", 2), ("core", 0), ("core", 1)):
                notebook = nbformat.from_dict(json.loads(json.dumps(solution if kind == "solution" else core_tasks(solution, part))))
                for cell in notebook.cells:
                    cell.source = cell.source.replace("SEED = 0\n", f"SEED = {seed}\n")
                paths.append(Path(folder) / f"{part}_{kind}_seed{seed}.ipynb")
                nbformat.write(notebook, paths[-1])
        options = GradingOptions(dataset="movielens", data_dir=Path(os.environ["GRADER_DATA_DIR"]), jobs=2, split_seed=SECRET)
        with GradingSession(options) as session:
            reports = grade_batch(paths, options, session)
    for part in ("explicit", "sequence"):
        graded = [(path.stem, report.parts[0]) for path, report in zip(paths, reports) if report.parts and report.parts[0].part == part]
        sketches = np.asarray([result.sketch["answers"] for _, result in graded], dtype=float)
        matrix = get_part(part).disagreement(sketches, sketches)
        print(f"{part}: reported below {THRESHOLDS[part]}; baseline-like: {[result.sketch['baseline'] for _, result in graded]}")
        for (i, first), (j, second) in itertools.combinations(enumerate(name for name, _ in graded), 2):
            print(f"  {first:28} {second:28} {matrix[i, j]:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000,2000")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--honest", action="store_true", help="calibrate on honest notebooks graded on MovieLens instead")
    arguments = parser.parse_args()
    if arguments.honest:
        return honest_variants()
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
