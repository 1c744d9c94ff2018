"""Grading processes come from a fork server with no threads, never from a fork of the supervisor
(which may run threads: a cluster worker's grading slots); that they die with it, and that no
other process can reach the server, is shown in test_containment.py (killing a grader leaves
folders that its leftovers checks must not meet from another worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.forkserver import ForkServer
from grader.grading import GradingSession
from grader.supervision import Supervisor

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _status(pid: int, field: str) -> str:
    """A field of /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return line.split(":", 1)[1].strip()
    raise KeyError(field)


def test_a_supervisor_in_a_thread_grades_from_a_single_threaded_fork_server(tmp_path: Path, fast_options, monkeypatch) -> None:
    write(tmp_path, "honest", notebook(HONEST_EXPLICIT))
    session = GradingSession(fast_options)
    session.prepare()
    supervisor = Supervisor(session)
    monkeypatch.chdir(tmp_path)  # after the server started: the grading process works where the supervisor does now
    started, seen = [], {}

    def start() -> None:  # a supervisor in a thread, as a cluster worker's grading slot is
        job = supervisor.start(Path("honest.ipynb"))
        parent = int(_status(job.pid, "PPid"))
        seen.update(parent=parent, threads=int(_status(parent, "Threads")))
        started.append(job)

    busy = threading.Event()
    other = threading.Thread(target=busy.wait, daemon=True)  # another thread runs while the job starts
    other.start()
    slot = threading.Thread(target=start)
    slot.start()
    slot.join()
    try:
        assert started, "the grading process did not start"
        assert seen["parent"] != os.getpid() and seen["threads"] == 1, seen
        reports = []
        deadline = time.monotonic() + 120
        while not reports and time.monotonic() < deadline:
            reports = supervisor.wait()
        [(job, report)] = reports
        assert report.submission == "honest.ipynb" and not report.error and report.score == report.max_score, report
    finally:
        busy.set()
        supervisor.close()
        session.close()


def test_grading_leaves_nothing_for_the_fork_servers_resource_tracker(tmp_path: Path) -> None:
    honest = write(tmp_path, "honest", notebook(HONEST_EXPLICIT))
    graded = subprocess.run([str(BIN / "grade"), str(honest), "--dataset", "synthetic"], capture_output=True, text=True, timeout=120)
    assert graded.returncode == 0 and "Total: 20 / 20" in graded.stdout, graded.stdout + graded.stderr
    assert "resource_tracker" not in graded.stderr and "Traceback" not in graded.stderr, graded.stderr


def test_a_server_that_ends_before_it_answers_fails_that_start_not_the_supervisor() -> None:
    server = ForkServer()
    server.ensure_running()
    os.kill(server._server.pid, signal.SIGSTOP)  # it takes no request now
    outcome: list[BaseException | None] = []

    def start() -> None:
        try:
            server.start(os._exit, (0,))
            outcome.append(None)
        except OSError as error:
            outcome.append(error)

    slot = threading.Thread(target=start, daemon=True)
    slot.start()
    time.sleep(0.5)
    os.kill(server._server.pid, signal.SIGKILL)
    slot.join(timeout=20)
    assert not slot.is_alive(), "start() waits forever for a server that has ended"
    assert isinstance(outcome[0], OSError) and "could not start" in str(outcome[0]), outcome
    process = server.start(os._exit, (3,))  # a new server takes over
    assert process.wait() == 3
