"""Grading on a Dask cluster: the same gradebook as a local batch, row for row, and nothing lost
when a worker dies, when the client is stopped, or when a worker is lost again and again."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.cluster import ALLOWED_FAILURES, GRADING_SLOT, SCHEDULER_CONFIG
from grader.sandbox import strongest_level
from grader.supervision import sweep_dead_supervisors

from sample_notebooks import CONSTANT_PREDICTOR, FACTORISATION, HONEST_EXPLICIT, broken_notebooks, notebook, write
from terminal import start_interruptible

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
SEED = "271828182845904523536028747135266249775"
FAST = ["--dataset", "synthetic", "--timeout", "60", "--cell-timeout", "6", "--predict-timeout", "6", "--memory", "1", "--grader-memory", "1", "--processes", "128"]
FULL = strongest_level() == "full"

SEED_HUNTER = f"""
import os
LEAKS = [name for name, value in os.environ.items() if {SEED!r} in value]
for pid in filter(str.isdigit, os.listdir("/proc")):
    for name in ("cmdline", "environ"):
        try:
            if {SEED!r}.encode() in open(f"/proc/{{pid}}/{{name}}", "rb").read():
                LEAKS.append(f"the split seed is in the {{name}} of process {{pid}}")
        except OSError:
            pass
"""
MESSAGE_FLOOD = """
ip = get_ipython()
buffer = bytearray(32 * 2**20)  # 64 zero-copy views of it make a 2 GiB message: the grading process's memory runs out
ip.kernel.session.send(ip.kernel.iopub_socket, "display_data", {"data": {}, "metadata": {}}, parent=ip.kernel.get_parent(), buffers=[memoryview(buffer)] * 64)
"""
PREDICT_NEXT = """
import numpy as np
from grader.data import load_public
counts = np.bincount(load_public("sequence").item_ids, minlength=load_public("sequence").num_items).astype(float)

def predict_next(sequences):
    return np.tile(counts, (len(sequences), 1))
"""
EXTRA_CHECK = '''
import pytest


@pytest.mark.points(1)
def test_enough_cells(execution):
    """The notebook has at least two code cells"""
    assert execution.code_cells >= 2, f"{execution.code_cells} code cell(s)"
'''


def grade(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "grade"), *args], capture_output=True, text=True, timeout=timeout)


def rows(gradebook: Path) -> list[dict]:
    """The gradebook's rows without the time each took."""
    return [{key: value for key, value in row.items() if key != "seconds"} for row in csv.DictReader(gradebook.open())]


def timeless(document):
    """A JSON report without the times it took."""
    if isinstance(document, dict):
        return {key: timeless(value) for key, value in document.items() if key != "seconds"}
    if isinstance(document, list):
        return [timeless(value) for value in document]
    return re.sub(r"ran in [0-9.]+ s", "ran in _ s", document) if isinstance(document, str) else document


def worker_pids(client) -> dict[str, int]:
    return client.run(os.getpid)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes of one grading slot each, on loopback; a lost notebook is retried at most twice."""
    with dask.config.set(SCHEDULER_CONFIG):
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, resources={GRADING_SLOT: 1}, host="127.0.0.1", dashboard_address=":0",
        ) as local, distributed.Client(local) as client:
            yield client


@pytest.fixture(scope="module")
def the_class(tmp_path_factory) -> tuple[Path, list[str]]:
    """Honest, broken and (under full isolation) hostile notebooks, malformed files, a notebook of
    both parts, a copy retrained under another seed, and a path that does not exist; the
    arguments that grade them."""
    folder = tmp_path_factory.mktemp("cluster")
    submissions = folder / "class"
    (submissions / "alice").mkdir(parents=True)
    write(submissions / "alice", "submission", notebook(HONEST_EXPLICIT))
    broken = broken_notebooks()
    for name in ("error_midway", "kernel_exit", "nan_predictions", "missing_function"):
        write(submissions, name, broken[name])
    write(submissions, "embedded_data", notebook(f"blob = {'7' * 12_000!r}", HONEST_EXPLICIT))
    write(submissions, "both_parts", notebook(HONEST_EXPLICIT, PREDICT_NEXT, part=None))
    write(submissions, "original", notebook(FACTORISATION.format(seed=0, epochs=10)))
    write(submissions, "retrained_copy", notebook(FACTORISATION.format(seed=1, epochs=9)))
    (submissions / "empty.ipynb").write_bytes(b"")
    (submissions / "binary.ipynb").write_bytes(bytes(range(256)) * 8)
    (submissions / "a_folder.ipynb").mkdir()
    if FULL:
        write(submissions, "seed_hunter", notebook(SEED_HUNTER, CONSTANT_PREDICTOR))
        write(submissions, "message_flood", notebook(MESSAGE_FLOOD, HONEST_EXPLICIT))
    (folder / "extra_check.py").write_text(EXTRA_CHECK)
    arguments = [
        str(submissions), str(folder / "missing.ipynb"), *FAST, "--split-seed", SEED, "--checks", str(folder / "extra_check.py"), "--quiet",
    ]
    return folder, arguments


def _graded(folder: Path, arguments: list[str], name: str, *how: str) -> dict:
    out = folder / name
    result = grade(*arguments, *how, "--format", "json", "--output", str(out / "report.json"), "--gradebook", str(out / "grades.csv"), "--feedback", str(out / "feedback"))
    assert result.returncode == 0, result.stderr
    return {
        "stderr": result.stderr, "rows": rows(out / "grades.csv"), "json": timeless(json.loads((out / "report.json").read_text())),
        "feedback": sorted(page.name for page in (out / "feedback").iterdir()),
        "journal": len((out / "grades.csv.journal.jsonl").read_text().splitlines()),
    }


@pytest.fixture(scope="module")
def both(the_class, cluster) -> dict:
    folder, arguments = the_class
    return {
        "local": _graded(folder, arguments, "local", "--jobs", "2"),
        "cluster": _graded(folder, arguments, "cluster", "--scheduler", cluster.scheduler.address),
        # read now: a later test may kill a worker (its nanny starts another)
        "workers": {pid: {name: Path(f"/proc/{pid}/{name}").read_bytes() for name in ("cmdline", "environ")} for pid in worker_pids(cluster).values()},
    }


def test_the_cluster_writes_the_local_batchs_gradebook(both) -> None:
    local, remote = both["local"], both["cluster"]
    assert remote["rows"] == local["rows"]
    assert remote["json"] == local["json"]
    assert remote["feedback"] == local["feedback"] and remote["journal"] == local["journal"]
    by_file = {Path(row["file"]).name: row for row in remote["rows"]}
    assert (by_file["submission.ipynb"]["score"], by_file["submission.ipynb"]["max_score"]) == ("20.0", "21.0")  # one cell: not the extra check
    assert by_file["submission.ipynb"]["sandbox"] == strongest_level()
    assert "does not exist" in by_file["missing.ipynb"]["error"] and "is a folder" in by_file["a_folder.ipynb"]["error"]
    assert by_file["embedded_data.ipynb"]["flagged"] and [row["part"] for row in remote["rows"] if row["file"].endswith("both_parts.ipynb")] == ["explicit", "sequence"]
    assert by_file["original.ipynb"]["similar_to"].startswith("retrained_copy.ipynb (code 1.00, disagreement ")  # its code, from a worker
    assert [row["file"] for row in remote["rows"] if row["similar_to"]] == [row["file"] for row in remote["rows"] if "original" in row["file"] or "copy" in row["file"]]


@pytest.mark.skipif(not FULL, reason="hostile notebooks are only run under full isolation (root, bubblewrap, cgroups)")
def test_hostile_notebooks_on_workers_reach_nothing_and_crash_nothing(both) -> None:
    documents = {Path(document["submission"]).stem: document for document in both["cluster"]["json"]}
    valid = next(test for test in documents["seed_hunter"]["tests"] if test["name"] == "The graded function returns valid predictions")
    assert "LEAKED" not in valid["output"] and valid["score"] == valid["max_score"], valid["output"]
    assert "used up its 1.0 GiB" in documents["message_flood"]["error"]  # graded twice, as locally, then its row says why


def test_the_split_seed_reaches_workers_only_inside_the_tasks(both) -> None:
    for files in both["workers"].values():
        for name in ("cmdline", "environ"):
            assert SEED.encode() not in files[name]


def test_where_the_cluster_grades_is_shown(both, cluster) -> None:
    assert f"Grading on the Dask cluster at {cluster.scheduler.address}: 2 grading slot(s) now; dashboard http" in both["cluster"]["stderr"]


def _class_of_sleepers(folder: Path, count: int, seconds: float) -> Path:
    submissions = folder / "sleepers"
    submissions.mkdir()
    for index in range(count):
        write(submissions, f"student{index}", notebook(f"import time\ntime.sleep({seconds})", HONEST_EXPLICIT))
    return submissions


def _busy(client, count: int) -> dict[str, list]:
    """The workers and the tasks they are grading, once ``count`` tasks run (within 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        processing = {worker: keys for worker, keys in client.processing().items() if keys}
        if sum(map(len, processing.values())) >= count:
            return processing
        time.sleep(0.1)
    pytest.fail(f"the cluster never graded {count} notebook(s) at once")


def test_a_worker_killed_midway_loses_no_row(tmp_path: Path, cluster) -> None:
    submissions = _class_of_sleepers(tmp_path, 4, 3)
    gradebook = tmp_path / "grades.csv"
    command = [str(BIN / "grade"), str(submissions), *FAST, "--quiet", "--gradebook", str(gradebook), "--scheduler", cluster.scheduler.address]
    batch = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    victim = next(iter(_busy(cluster, 2)))
    time.sleep(1)  # its kernel is in the notebook's first cell
    os.kill(worker_pids(cluster)[victim], signal.SIGKILL)
    _, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 0, stderr
    graded = rows(gradebook)
    assert [Path(row["file"]).stem for row in graded] == [f"student{index}" for index in range(4)]
    assert all(row["score"] == "20.0" and not row["error"] for row in graded), graded
    cluster.wait_for_workers(2, timeout=60)  # its nanny started it again
    sweep_dead_supervisors()  # what the killed worker left, as the next grader on the machine removes it


def test_ctrl_c_cancels_the_notebooks_on_the_workers(tmp_path: Path, cluster) -> None:
    submissions = _class_of_sleepers(tmp_path, 3, 60)
    gradebook = tmp_path / "grades.csv"
    command = [str(BIN / "grade"), str(submissions), *FAST, "--quiet", "--gradebook", str(gradebook), "--scheduler", cluster.scheduler.address]
    batch = start_interruptible(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _busy(cluster, 2)
    time.sleep(1)
    batch.send_signal(signal.SIGINT)
    _, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130 and "Grading stopped: 0 of 3 notebook(s) had finished" in stderr, stderr
    assert "Traceback" not in stderr and gradebook.read_text().strip() == "file,path_in_batch,feedback,part,score,max_score,rmse,mrr,hr@10,ndcg@10,flagged,similar_to,error,sandbox,seconds"
    deadline = time.monotonic() + 20
    while any(cluster.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(cluster.processing().values()), "the workers still grade the cancelled notebooks"


def _start(command: list[str], **environment: str) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env={**os.environ, **environment})


@pytest.fixture(scope="module")
def grader_cluster(tmp_path_factory):
    """A cluster the grader starts: `grader scheduler` and one `grader worker` of one slot, which
    finds no MovieLens (its GRADER_DATA_DIR names a missing folder)."""
    scheduler_file = tmp_path_factory.mktemp("scheduler") / "scheduler.json"
    processes = [_start([str(BIN / "grader"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)])]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = [str(BIN / "grader"), "worker", address, "--slots", "1", "--memory", "1", "--grader-memory", "1", "--no-dashboard"]
        processes.append(_start(worker, GRADER_DATA_DIR="/nonexistent/ml-100k"))
        with distributed.Client(address) as client:
            client.wait_for_workers(1, timeout=60)
            yield client
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def test_grader_worker_offers_its_slots_and_their_memory(grader_cluster) -> None:
    info = next(iter(grader_cluster.scheduler_info()["workers"].values()))
    assert info["resources"] == {GRADING_SLOT: 1} and info["nthreads"] == 1 and info["memory_limit"] == 2 * 2**30


def test_a_worker_that_cannot_grade_stops_the_batch_and_says_why(tmp_path: Path, grader_cluster) -> None:
    path = write(tmp_path, "honest", notebook(HONEST_EXPLICIT))
    gradebook = tmp_path / "grades.csv"
    result = grade(str(path), "--dataset", "movielens", "--quiet", "--gradebook", str(gradebook), "--scheduler", grader_cluster.scheduler.address)
    assert result.returncode == 2, result.stderr
    assert "cannot grade: MovieLens folder /nonexistent/ml-100k ($GRADER_DATA_DIR) does not exist" in result.stderr
    assert "grade again with --resume" in result.stderr and len(rows(gradebook)) == 0


def test_a_notebook_whose_worker_is_lost_three_times_gets_a_row_saying_so(tmp_path: Path, grader_cluster) -> None:
    """Lost twice, graded again twice; lost a third time, its row says so, and the next notebook
    is graded normally."""
    (tmp_path / "class").mkdir()
    write(tmp_path / "class", "a_doomed", notebook("import time\ntime.sleep(30)", HONEST_EXPLICIT))
    write(tmp_path / "class", "b_honest", notebook(HONEST_EXPLICIT))
    client, kills = grader_cluster, []

    def kill_the_doomed_notebooks_worker() -> None:
        while len(kills) <= ALLOWED_FAILURES:
            worker, keys = next(iter(_busy(client, 1).items()))
            if str(keys[0]).startswith("grade-0-") and worker not in kills:
                time.sleep(1)
                os.kill(worker_pids(client)[worker], signal.SIGKILL)
                kills.append(worker)

    killer = threading.Thread(target=kill_the_doomed_notebooks_worker, daemon=True)
    killer.start()
    result = grade(str(tmp_path / "class"), *FAST, "--quiet", "--format", "json", "--scheduler", client.scheduler.address)
    killer.join(timeout=10)
    assert result.returncode == 0, result.stderr
    doomed, honest = json.loads(result.stdout)
    assert len(kills) == ALLOWED_FAILURES + 1
    assert doomed["error"].startswith(f"Grading stopped: the cluster lost the worker grading this notebook {ALLOWED_FAILURES + 1} times")
    assert honest["score"] == honest["max_score"] == 20


@pytest.mark.parametrize("address", ["nowhere", "tcp://127.0.0.1:1"])
def test_an_unreachable_scheduler_is_bad_usage(tmp_path: Path, address: str, monkeypatch) -> None:
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "1s")
    path = write(tmp_path, "honest", notebook(HONEST_EXPLICIT))
    result = grade(str(path), *FAST, "--quiet", "--scheduler", address, timeout=60)
    assert result.returncode == 2 and f"Error: Cannot reach the Dask scheduler at {address}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
