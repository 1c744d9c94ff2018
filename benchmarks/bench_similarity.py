"""Similar submissions in a MOOC-sized batch: the time and memory to compare every two sketches of
a class of 2,000 (2 million pairs per part), and every two code fingerprint sets, and what is
found, side by side for smaller classes; and the time to fingerprint 2,000 notebooks.

Each synthetic class mimics what the grader keeps: Part 1 sketches are 2,048 hidden ratings,
honest students a shared signal plus their own model's departures (an RMSE of about 0.1 star
between two of them, as between the solution's seeds), Part 2 sketches 512 top-10 lists, each
model's own ten of twenty items good models rank high; a few students hand in a classmate's notebook (the
same answers), a few hand in a provided baseline (the same answers as each other, left out).
Code fingerprint sets are 130 to 330 values (what a homework keeps beyond the template), a
third of them idiom drawn from a shared pool (a few values held by most of the class, many by a
few students), the rest the student's own; a few copy a classmate's notebook and change a tenth
of it, a few hand in a provided baseline (eight fingerprints, the same for all of them). Found
pairs are compared with the planted copies. Fingerprinting is timed on filled-in templates (the
solutions and the honest notebooks of ``tests/honest_code.py``, over and over).

With ``--honest``, the thresholds' calibration instead: the solutions and their core tasks
trained under other seeds (independent honest work on the same template), graded on MovieLens
under a secret split seed, and how far apart every two of their sketches are.

With ``--honest-code``, the code threshold's calibration: the code similarity of every two of
the solution, its core tasks and four honest notebooks written differently, per part (no kernel).

Usage: python benchmarks/bench_similarity.py [--sizes 250,1000,2000] [--copies 10]
       python benchmarks/bench_similarity.py --honest-code
       GRADER_DATA_DIR=../shared/data/ml-100k python benchmarks/bench_similarity.py --honest
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import nbformat
import numpy as np

from grader.batch import grade_batch
from grader.checks.result import CheckResult
from grader.execution.record import ExecutionRecord
from grader.fingerprints import code_fingerprints
from grader.grading import GradingOptions, GradingSession
from grader.instructor.templates import core_tasks
from grader.parts import get_part
from grader.reports.model import PartReport, SubmissionReport
from grader.similarity import CODE_THRESHOLD, THRESHOLDS, code_index, code_similarity, similar_pairs

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from honest_code import honest_notebooks  # noqa: E402  (the calibration notebooks live beside the tests)

SECRET = 271828182845904523536028747135266249775


def _report(name: str, part: str, answers: list | None, baseline: str | None, fingerprints: list[int] | None = None) -> SubmissionReport:
    tests = [CheckResult("ran", 1, 1, "", "passed")]
    sketch = None if answers is None else {"answers": answers, "baseline": baseline}
    record = PartReport(part, tests, None, {}, None, 0.0, "rmse", ExecutionRecord(), sketch=sketch, fingerprints=fingerprints or [])
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


def code_class(size: int, copies: int, rng: np.random.Generator) -> tuple[list[SubmissionReport], set[tuple[int, int]]]:
    """``size`` submissions with code fingerprints only: honest ones, ``copies`` copied pairs and
    ten hand-ins of a provided baseline."""
    pool = rng.integers(0, 2**32, 5000)  # idiom: value k is written by a share of the class falling as 1 / k
    popularity = 1.0 / np.arange(1, len(pool) + 1)
    sets = []
    for _ in range(size):
        count = int(rng.integers(130, 330))
        idiom = rng.choice(pool, count // 3, replace=False, p=popularity / popularity.sum())
        sets.append(sorted(set(idiom.tolist()) | set(rng.integers(0, 2**32, count - count // 3).tolist())))
    planted = set()
    for k in range(copies):  # student 2k+1 hands in student 2k's notebook with a tenth of it changed
        kept = rng.permutation(sets[2 * k])[: int(0.9 * len(sets[2 * k]))]
        sets[2 * k + 1] = sorted(set(kept.tolist()) | set(rng.integers(0, 2**32, len(sets[2 * k]) - len(kept)).tolist()))
        planted.add((2 * k, 2 * k + 1))
    baseline = rng.integers(0, 2**32, 8).tolist()
    for i in range(size - 10, size):
        sets[i] = baseline
    return [_report(f"student{i}", "explicit", None, None, values) for i, values in enumerate(sets)], planted


def _measured(compare, reports: list[SubmissionReport]) -> tuple[list, float, float]:
    """What ``compare`` finds in ``reports``, its seconds and its peak of traced memory (MiB, a second run)."""
    started = time.perf_counter()
    found = compare(reports)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    compare(reports)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return found, seconds, peak


def fingerprinting_time(count: int) -> None:
    """Seconds to fingerprint ``count`` filled-in notebooks, and the fingerprints each keeps."""
    notebooks = [nbformat.read(REPO / "solutions" / f"{stem}.ipynb", as_version=4) for stem in ("explicit_feedback", "implicit_sequence")]
    notebooks += [notebook for part in ("explicit", "sequence") for notebook in honest_notebooks(part).values()]
    started = time.perf_counter()
    sizes = [len(code_fingerprints(notebooks[i % len(notebooks)])) for i in range(count)]
    seconds = time.perf_counter() - started
    print(f"fingerprinting {count:,} notebooks: {seconds:.2f} s ({1000 * seconds / count:.1f} ms each), {min(sizes)} to {max(sizes)} fingerprints each")


def honest_code() -> None:
    """Code similarity of every two independent honest notebooks per part, against the threshold."""
    for part, stem in (("explicit", "explicit_feedback"), ("sequence", "implicit_sequence")):
        solution = nbformat.read(REPO / "solutions" / f"{stem}.ipynb", as_version=4)
        notebooks = {"solution": solution, "core tasks": core_tasks(solution, part), **honest_notebooks(part)}
        fingerprints = {name: code_fingerprints(notebook) for name, notebook in notebooks.items()}
        index = code_index(list(fingerprints.values()))
        print(f"{part}: reported from {CODE_THRESHOLD}; fingerprints {', '.join(f'{name} {len(values)}' for name, values in fingerprints.items())}")
        for (i, first), (j, second) in itertools.combinations(enumerate(notebooks), 2):
            same = " (the same code)" if {first, second} == {"solution", "core tasks"} else ""
            print(f"  {first:12} {second:12} {code_similarity(index, i, j):.3f}{same}")


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
    parser.add_argument("--honest-code", action="store_true", help="the code similarity of honest notebooks instead (no kernel)")
    arguments = parser.parse_args()
    if arguments.honest:
        return honest_variants()
    if arguments.honest_code:
        return honest_code()
    rng = np.random.default_rng(0)
    sizes = list(map(int, arguments.sizes.split(",")))
    print(f"{'compared':9} {'class':>6} {'pairs':>10} {'seconds':>8} {'peak MiB':>9} {'found':>6} {'planted':>8} {'others':>7}")
    classes = [(part, size, synthetic_class(part, size, arguments.copies, rng)) for part in ("explicit", "sequence") for size in sizes]
    classes += [("code", size, code_class(size, arguments.copies, rng)) for size in sizes]
    for name, size, (reports, planted) in classes:
        found, seconds, peak = _measured(similar_pairs, reports)
        pairs = {(pair.first, pair.second) for pair in found}
        print(f"{name:9} {size:6,} {size * (size - 1) // 2:10,} {seconds:8.2f} {peak:9.1f} {len(pairs & planted):6} {len(planted):8} {len(pairs - planted):7}")
    fingerprinting_time(max(sizes))


if __name__ == "__main__":
    main()
