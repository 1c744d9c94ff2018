"""Grading overhead and sandbox cost, measured side by side in one run.

- overhead: wall time of `grade` on a trivial notebook minus a bare nbclient execution of the
  same notebook (both as fresh processes, medians of several runs); target at most 1.5 s.
- sandbox: per-submission time of grading the trivial notebook inside the strongest sandbox
  minus without a sandbox (in one grading session, medians); target at most 0.5 s.
- supervision: per-submission time of grading in a supervised process of its own (what `grade`
  does) minus grading in the session's own process (medians).
- batch: throughput of a class of single-threaded notebooks with --jobs 1 and --jobs 2.

Usage: python benchmarks/bench_grading_overhead.py [--runs 7] [--class-size 8]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.grading import GradingOptions, GradingSession
from grader.sandbox import strongest_level
from grader.supervision import grade_supervised

TRIVIAL = new_notebook(
    cells=[
        new_code_cell("import numpy as np\nx = np.arange(10)"),
        new_code_cell("def predict_ratings(user_ids, item_ids):\n    return np.full(len(user_ids), 3.5)"),
    ],
    metadata={"grader": {"part": "explicit"}, "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)
WORKLOAD = new_notebook(
    cells=[
        new_code_cell("import numpy as np, time\nstart = time.process_time()\nwhile time.process_time() - start < 3:  # single-threaded work\n    sum(range(10_000))"),
        new_code_cell("def predict_ratings(user_ids, item_ids):\n    return np.full(len(user_ids), 3.5)"),
    ],
    metadata=TRIVIAL.metadata,
)
BARE = (
    "import nbformat, nbclient, sys\n"
    "nb = nbformat.read(sys.argv[1], as_version=4)\n"
    "nbclient.NotebookClient(nb, kernel_name='python3', allow_errors=True).execute()\n"
)


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--class-size", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    trivial = folder / "trivial.ipynb"
    nbformat.write(TRIVIAL, trivial)
    grade = str(Path(sys.executable).parent / "grade")

    bare, graded = [], []
    for _ in range(args.runs):  # interleaved, so that drift affects both alike
        bare.append(timed([sys.executable, "-c", BARE, str(trivial)]))
        graded.append(timed([grade, str(trivial), "--dataset", "synthetic", "--quiet"]))
    print(f"trivial notebook, median of {args.runs} runs (fresh processes):")
    print(f"  bare nbclient execution  {statistics.median(bare):6.2f} s")
    print(f"  grade (sandbox {strongest_level()})   {statistics.median(graded):6.2f} s")
    print(f"  grading overhead         {statistics.median(graded) - statistics.median(bare):6.2f} s   (target <= 1.5 s)")

    options = GradingOptions(dataset="synthetic")
    timings: dict[str, list[float]] = {"none": [], strongest_level(): []}
    sessions = {level: GradingSession(options, sandbox_level=level) for level in timings}
    for _ in range(args.runs):
        for level, session in sessions.items():
            start = time.perf_counter()
            session.grade(trivial)
            timings[level].append(time.perf_counter() - start)
    supervised = []
    session = sessions[strongest_level()]
    session.prepare()
    for _ in range(args.runs):
        start = time.perf_counter()
        grade_supervised(session, trivial)
        supervised.append(time.perf_counter() - start)
    for session in sessions.values():
        session.close()
    without, with_sandbox = (statistics.median(timings[level]) for level in timings)
    print(f"\nper submission in one session, median of {args.runs}:")
    print(f"  no sandbox               {without:6.2f} s")
    print(f"  sandbox {strongest_level():<16} {with_sandbox:6.2f} s")
    print(f"  sandbox overhead         {with_sandbox - without:6.2f} s   (target <= 0.5 s)")
    print(f"  supervised process       {statistics.median(supervised):6.2f} s")
    print(f"  supervision overhead     {statistics.median(supervised) - with_sandbox:6.2f} s")

    klass = folder / "class"
    klass.mkdir()
    for index in range(args.class_size):
        nbformat.write(WORKLOAD, klass / f"student{index:02d}.ipynb")
    print(f"\nclass of {args.class_size} notebooks of 3 s single-threaded compute each:")
    base = None
    for jobs in (1, 2):
        seconds = timed([grade, str(klass), "--dataset", "synthetic", "--quiet", "--jobs", str(jobs), "--format", "json"])
        base = base or seconds
        print(f"  --jobs {jobs}: {seconds:6.1f} s, {60 * args.class_size / seconds:5.1f} notebooks/min, speed-up {base / seconds:4.2f}x")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
