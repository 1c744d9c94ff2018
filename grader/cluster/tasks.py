"""What a cluster's worker does with each notebook: the task that ``grade --scheduler`` submits.

A worker process keeps one prepared :class:`~grader.grading.GradingSession` per set of options
(building one loads the dataset, computes the hidden splits and baselines and stages the public
data), shared by its grading slots, and grades each notebook as a local batch does: in a
supervised process of its own (:func:`grader.supervision.grade_supervised`), started by the
fork server of :mod:`grader.forkserver` (never forked from the task's thread), with the sandbox
this machine supports. What comes back to the client is JSON made by the grader, never
anything the kernel produced.
"""

from __future__ import annotations

import atexit
import json
import logging
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from distributed import get_worker
from distributed.worker import thread_state

from grader.cluster import GRADING_SLOT
from grader.cluster.payload import grader_fingerprint, options_fingerprint, recreate_notebook, recreate_options
from grader.forkserver import start_server
from grader.grading import GradingSession
from grader.identity import grade_identity
from grader.reports.model import SubmissionReport
from grader.supervision import grade_supervised
from grader.tempfolders import make_temp_folder

SESSIONS_KEPT = 4
"""Prepared sessions a worker process keeps for sets of options it is no longer grading with."""
log = logging.getLogger("grader.cluster")


class WorkerSetupError(RuntimeError):
    """This worker cannot grade with the options it was sent; the message says why."""


def grade_notebook(notebook: dict, path: str, options: dict) -> str:
    """Grade one notebook on this worker.

    Parameters
    ----------
    notebook:
        The notebook as :func:`~grader.cluster.payload.notebook_payload` sent it.
    path:
        The notebook's path as the client names it; the report carries it, so that gradebooks
        are the same as a local run's.
    options:
        The grading options as :func:`~grader.cluster.payload.options_payload` sent them.

    Returns
    -------
    str
        JSON: ``{"report": <SubmissionReport.to_record()>, "crashed": bool, "worker": address}``;
        ``{"setup_error": message}`` when this worker cannot grade with these options at all (no
        dataset, no full isolation under ``--sandbox strict``, another build of the grader);
        ``{"cancelled": true}`` when the client cancelled the task while it ran.
    """
    worker = get_worker()
    try:
        session = SESSIONS.acquire(options, _slots(worker))
    except Exception as error:  # the same for every notebook sent here: the client stops the batch
        return json.dumps({"setup_error": f"The worker {worker.address} cannot grade: {str(error) or type(error).__name__}"})
    try:
        folder = make_temp_folder("notebook")
        try:
            local = recreate_notebook(notebook, folder, path)
            graded = grade_supervised(session, local, _cancellation(worker))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        SESSIONS.release(session)
    if graded is None:
        return json.dumps({"cancelled": True})
    report, crashed = graded
    record = _named_as_the_client(report, local, path).to_record()
    return json.dumps({"report": record, "crashed": crashed, "worker": worker.address}, allow_nan=False)


def _slots(worker) -> int:
    """How many notebooks this worker grades at once: its grading slots, else its threads."""
    return max(1, int(worker.state.total_resources.get(GRADING_SLOT, worker.state.nthreads)))


def _cancellation(worker) -> Callable[[], bool]:
    """Whether the task running in this thread has been cancelled by the client (or forgotten)."""
    key = thread_state.key

    def cancelled() -> bool:
        task = worker.state.tasks.get(key)
        return task is None or task.state == "cancelled"

    return cancelled


def _named_as_the_client(report: SubmissionReport, local: Path, path: str) -> SubmissionReport:
    """``report`` of this worker's copy of the notebook, naming it by the client's ``path``."""
    error = report.error.replace(str(local), path) if report.error else report.error
    return replace(report, submission=path, error=error)


@dataclass
class _CachedSession:
    session: GradingSession
    folder: Path  # the options' recreated files
    users: int = 0

    def close(self) -> None:
        self.session.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class SessionCache:
    """The prepared sessions of this worker process, one per set of options, shared by its slots.

    Sessions not in use beyond the :data:`SESSIONS_KEPT` most recently used are closed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _CachedSession] = OrderedDict()
        atexit.register(self.close)  # a worker that shuts down leaves no staged data behind

    def close(self) -> None:
        """Close every session (their staged data and recreated files go with them)."""
        with self._lock:
            while self._entries:
                self._entries.popitem()[1].close()

    def acquire(self, options: dict, slots: int) -> GradingSession:
        """The prepared session for ``options`` (built on first use); :meth:`release` it after.

        Raises
        ------
        Exception
            Whatever stops a session from being built here (the dataset, the sandbox, the
            configuration, another build of the grader), with a message saying what.
        """
        key = options_fingerprint(options)
        with self._lock:
            if key not in self._entries:
                self._entries[key] = _prepared(options, slots)
            entry = self._entries[key]
            self._entries.move_to_end(key)
            entry.users += 1
            self._close_unused()
            return entry.session

    def release(self, session: GradingSession) -> None:
        """Hand back a session :meth:`acquire` gave."""
        with self._lock:
            for entry in self._entries.values():
                if entry.session is session:
                    entry.users -= 1
            self._close_unused()

    def _close_unused(self) -> None:
        unused = [key for key, entry in self._entries.items() if entry.users == 0]
        for key in unused[: max(0, len(self._entries) - SESSIONS_KEPT)]:
            self._entries.pop(key).close()


def _prepared(options: dict, slots: int) -> _CachedSession:
    """A session for ``options`` with its shared data ready, its files under a folder of its own."""
    if options["grader"] != grader_fingerprint():
        raise WorkerSetupError(
            "it runs another build of the grader than the machine that sent the notebooks (their code or packaged "
            "data differ). Install the same version here and there (for example the same wheel)."
        )
    folder = make_temp_folder("options")
    session = None
    try:
        recreated = recreate_options(options, folder, slots)
        start_server()  # grading processes' fork server: it imports the grader while the session is prepared
        session = GradingSession(recreated)
        session.prepare()
        mine = grade_identity(recreated)
        differing = sorted(name for name in options["identity"] if options["identity"][name] != mine.get(name))
        if differing:
            raise WorkerSetupError(
                f"it would not grade as the machine that sent the notebooks does: {', '.join(differing)} differ "
                f"(for the dataset: give this worker the same MovieLens files, GRADER_DATA_DIR)."
            )
    except BaseException:
        if session is not None:
            session.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if session.sandbox_warning:
        log.warning(session.sandbox_warning)
    return _CachedSession(session, folder)


SESSIONS = SessionCache()
"""This worker process's sessions."""
