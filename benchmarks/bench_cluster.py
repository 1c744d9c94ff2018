"""Grading a class on a Dask cluster beside grading it locally, measured in one run.

A class of single-threaded notebooks (each a few seconds of one core, then a constant
predictor) is graded, as fresh `grade` processes, with --jobs 1, --jobs 2, and with --scheduler
on LocalClusters on loopback of 1 and 2 worker processes (one grading slot each). The cluster's
first batch includes each worker building its grading session; a second batch on the same
cluster shows the warm cost. Reported: wall times, throughput, speed-ups, and the per-notebook
scheduling overhead of the cluster path against --jobs 2 (target: within 10%), plus the
scheduler's round trip per task, from which larger clusters are extrapolated (see docs/cluster.md).

Usage: python benchmarks/bench_cluster.py [--class-size 8] [--seconds 3]
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

import dask
import nbformat
from distributed import Client, LocalCluster
from nbformat.v4 import new_code_cell, new_notebook

from grader.cluster import GRADING_SLOT, SCHEDULER_CONFIG

GRADE = str(Path(sys.executable).parent / "grade")


def workload(seconds: float) -> nbformat.NotebookNode:
    """A notebook of ``seconds`` of single-threaded compute, then a constant predictor."""
    return new_notebook(
        cells=[
            new_code_cell(f"import numpy as np, time\nstart = time.process_time()\nwhile time.process_time() - start < {seconds}:\n    sum(range(10_000))"),
            new_code_cell("def predict_ratings(user_ids, item_ids):\n    return np.full(len(user_ids), 3.5)"),
        ],
        metadata={"grader": {"part": "explicit"}, "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )


def timed_grade(folder: Path, *how: str) -> float:
    start = time.perf_counter()
    subprocess.run([GRADE, str(folder), "--dataset", "synthetic", "--quiet", "--format", "json", *how], check=True, capture_output=True)
    return time.perf_counter() - start


def round_trip(client: Client, size: int, count: int = 50) -> float:
    """Median seconds from submitting a task carrying ``size`` bytes to having its result, one at a time."""
    payload = b"x" * size
    times = []
    for _ in range(count):
        start = time.perf_counter()
        client.submit(len, payload, pure=False, resources={GRADING_SLOT: 1}).result()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    klass = folder / "class"
    klass.mkdir()
    for index in range(args.class_size):
        nbformat.write(workload(args.seconds), klass / f"student{index:02d}.ipynb")
    size = (klass / "student00.ipynb").stat().st_size
    print(f"class of {args.class_size} notebooks of {args.seconds:g} s single-threaded compute each:")
    seconds: dict[str, float] = {}
    for jobs in (1, 2):
        seconds[f"--jobs {jobs}"] = timed_grade(klass, "--jobs", str(jobs))
    with dask.config.set(SCHEDULER_CONFIG):
        for workers in (1, 2):
            started = time.perf_counter()
            with LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, resources={GRADING_SLOT: 1}, host="127.0.0.1", dashboard_address=None,
            ) as cluster, Client(cluster) as client:
                startup = time.perf_counter() - started
                seconds[f"{workers} worker(s), first batch"] = timed_grade(klass, "--scheduler", cluster.scheduler_address)
                seconds[f"{workers} worker(s), second batch"] = timed_grade(klass, "--scheduler", cluster.scheduler_address)
                if workers == 2:
                    trip = round_trip(client, size)
            print(f"  ({workers}-worker LocalCluster started in {startup:.1f} s, not counted below)")
    base = seconds["--jobs 1"]
    for name, value in seconds.items():
        print(f"  {name:<26} {value:6.1f} s, {60 * args.class_size / value:5.1f} notebooks/min, speed-up {base / value:4.2f}x")
    local, remote, warm = seconds["--jobs 2"], seconds["2 worker(s), first batch"], seconds["2 worker(s), second batch"]
    per_notebook = 2 / args.class_size  # each of the two slots grades half the class
    print("\ncluster path against --jobs 2 (both two notebooks at a time):")
    print(f"  first batch  {remote / local - 1:+6.1%} wall time, {(remote - local) * per_notebook:+5.2f} s per notebook   (target within +10%)")
    print(f"  second batch {warm / local - 1:+6.1%} wall time, {(warm - local) * per_notebook:+5.2f} s per notebook")
    print(f"  scheduler round trip of a task carrying a notebook ({size / 1024:.1f} KiB): {1000 * trip:.1f} ms")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
