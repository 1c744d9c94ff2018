"""Grading each submission in a supervised process of its own, so that nothing a notebook does to
the process that talks to its kernel (a flood of messages that exhausts its memory, a crash)
reaches the batch, another submission, or the machine.

The supervisor (the ``grade`` process) starts one grading process per submission from a prepared
:class:`~grader.grading.GradingSession`, by the fork server of :mod:`grader.forkserver` (never a
fork of itself, which may run threads). The grading process gets a memory bound of its own (a
cgroup as root, else an rlimit), its own mounts (as root), a uid leased by the supervisor for its
kernels, and a cgroup folder for them. It sends its report back as JSON on a pipe. Whatever
happens to it, the supervisor writes that submission's report (with the reason when there is
none), then removes everything the job made: its cgroups and their processes, its uid's
processes and keyrings, its folders. A supervisor that is killed takes its grading processes
with it, and the next supervisor on the machine removes what their jobs left.

Supervisors may run in several threads of one process (a cluster worker's grading slots, see
:mod:`grader.cluster.tasks`), each starting its own grading processes.
"""

from __future__ import annotations

import ctypes
import itertools
import json
import os
import pickle
import resource
import select
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.bounds import BOUNDS
from grader.forkserver import ForkedProcess, start_process, start_server
from grader.grading import GradingSession
from grader.reports.model import SubmissionReport
from grader.sandbox.cgroups import CGROUP_ROOT, GROUP_NAME, KernelCgroup, remove_tree
from grader.sandbox.mounts import can_mount, enter_private_mount_namespace
from grader.sandbox.policy import policy
from grader.sandbox.uids import UidLease, clear_uid
from grader.tempfolders import make_temp_folder, process_alive, remove_folders_of_dead_processes

PR_SET_DUMPABLE = 4
# Supervisors' folders are recsys-grader-run-<pid>-<random> (grader.tempfolders); their jobs'
# cgroups are recsys-grader/job-<pid>-<number>.
_JOB_NUMBERS = itertools.count(1)
"""Numbers the jobs of this process, so that supervisors in several threads (a cluster worker's
grading slots) never share a job's folder or cgroup."""


@dataclass
class GradingJob:
    """One submission being graded in its own process."""

    path: Path
    folder: Path
    cgroup_parent: str
    lease: UidLease | None
    process: ForkedProcess | None = None
    pid: int = 0
    reader: int = -1
    started: float = 0.0
    received: bytearray = field(default_factory=bytearray)
    grader_group: KernelCgroup | None = None
    out_of_time: bool = False
    crashed: bool = False  # ended without a report, not at its time limit

    @property
    def uid(self) -> int | None:
        """The uid leased for this job's kernels, if any."""
        return None if self.lease is None else self.lease.uid

    def placement(self) -> JobPlacement:
        """What the grading process needs of this job."""
        return JobPlacement(self.path, self.folder, self.cgroup_parent, self.uid, self.grader_group)


@dataclass(frozen=True)
class JobPlacement:
    """The part of a :class:`GradingJob` its grading process is sent: the notebook, the job's
    folder, where its cgroups go, the uid leased for its kernels and its own cgroup."""

    path: Path
    folder: Path
    cgroup_parent: str
    uid: int | None
    grader_group: KernelCgroup | None


class Supervisor:
    """Starts grading processes and turns whatever they end with into reports.

    Parameters
    ----------
    session:
        A session whose shared data is prepared (:meth:`GradingSession.prepare`): it is sent to
        every grading process as it is now, pickled once.
    root:
        Folder for the jobs' folders (a fresh temporary one by default).
    """

    def __init__(self, session: GradingSession, root: Path | None = None):
        self.session = session
        start_server()
        self._session = pickle.dumps(session, protocol=pickle.HIGHEST_PROTOCOL)
        sweep_dead_supervisors()
        self.root = Path(root) if root is not None else make_temp_folder("run")
        os.chmod(self.root, 0o711)  # kernels under dropped uids traverse it to their own folders
        self.running: dict[int, GradingJob] = {}

    # --- starting ---------------------------------------------------------------------------

    def start(self, path: Path) -> GradingJob:
        """Start a grading process for ``path``."""
        name = f"job-{os.getpid()}-{next(_JOB_NUMBERS)}"
        folder = self.root / name
        folder.mkdir(mode=0o711)
        lease = UidLease() if policy(self.session.sandbox_level, os.geteuid() == 0).dedicated_uid else None
        job = GradingJob(Path(path), folder, f"{GROUP_NAME}/{name}", lease)
        job.grader_group = KernelCgroup.create("grader", self.session.options.grader_memory, None, None, job.cgroup_parent) if os.geteuid() == 0 else None
        reader, writer = os.pipe()
        try:
            job.process = start_process(_grade_in_child, (self._session, job.placement()), pass_fds=(writer,))
        except BaseException:
            os.close(reader)
            self._clean(job)
            raise
        finally:
            os.close(writer)
        job.pid, job.reader, job.started = job.process.pid, reader, time.monotonic()
        os.set_blocking(reader, False)
        self.running[reader] = job
        return job

    # --- waiting ----------------------------------------------------------------------------

    def wait(self, timeout: float = 1.0) -> list[tuple[GradingJob, SubmissionReport]]:
        """Reports of the jobs that ended within ``timeout`` seconds (possibly none)."""
        finished = []
        if self.running:
            ready, _, _ = select.select(list(self.running), [], [], timeout)
            for reader in ready:
                job = self.running[reader]
                if self._read(job):
                    finished.append((job, self._finish(job)))
        deadline = self.session.options.timeout + self.session.options.predict_timeout + BOUNDS.grading_slack_seconds
        for job in [job for job in self.running.values() if time.monotonic() - job.started > deadline and not job.out_of_time]:
            job.out_of_time = True
            os.kill(job.pid, signal.SIGKILL)
        return finished

    def _read(self, job: GradingJob) -> bool:
        """Take what the job sent; True once it closed its end (it has ended)."""
        while True:
            try:
                chunk = os.read(job.reader, 1 << 20)
            except BlockingIOError:
                return False
            if not chunk:
                return True
            if len(job.received) < BOUNDS.report_bytes:
                job.received += chunk

    def _finish(self, job: GradingJob) -> SubmissionReport:
        del self.running[job.reader]
        os.close(job.reader)
        code = job.process.wait()
        report, error = None, None
        try:
            message = json.loads(job.received.decode("utf-8"))
            error = message.get("internal_error")
            report = None if error else SubmissionReport.from_record(message["report"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        if report is None:
            job.crashed = not job.out_of_time and error is None
            report = SubmissionReport(
                submission=str(job.path), error=error or self._death(job, code),
                sandbox=self.session.sandbox_level, device=self.session.device,
                seconds=time.monotonic() - job.started,
            )
        self._clean(job)
        return report

    def _death(self, job: GradingJob, code: int) -> str:
        """Plain words for a grading process that ended without a report (``code``: its exit
        code, or minus the signal that ended it)."""
        memory = self.session.options.grader_memory / 2**30
        if job.out_of_time:
            limit = self.session.options.timeout + self.session.options.predict_timeout + BOUNDS.grading_slack_seconds
            return f"Grading stopped: this notebook's grading did not finish within {limit:.0f} s, so it was stopped."
        if job.grader_group is not None and job.grader_group.memory_exhausted():
            return (
                f"Grading stopped: the grader's process for this notebook used up its {memory:.1f} GiB, because the "
                f"notebook sent it more data than it accepts (huge outputs, displays or messages). Print and display "
                f"summaries, not whole objects."
            )
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            if -code in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV):
                return (
                    f"Grading stopped: the grader's process for this notebook was killed ({name}), most likely because "
                    f"the notebook sent more data than its {memory:.1f} GiB hold. Print and display summaries, not whole objects."
                )
            return f"Grading stopped: the grader's process for this notebook was stopped by {name}."
        return f"Internal grader error, not caused by the notebook: its grading process exited with code {code} without a report."

    def _clean(self, job: GradingJob) -> None:
        """Remove everything the job made, whatever state its process left it in."""
        remove_tree(job.cgroup_parent)
        if job.lease is not None:
            clear_uid(job.lease.uid)
            job.lease.release()
        shutil.rmtree(job.folder, ignore_errors=True)

    # --- stopping ---------------------------------------------------------------------------

    def stop_all(self) -> None:
        """Kill every running grading process (and so its kernels) and clean up after it."""
        for job in list(self.running.values()):
            try:
                os.kill(job.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for job in list(self.running.values()):
            del self.running[job.reader]
            os.close(job.reader)
            job.process.wait()
            self._clean(job)

    def close(self) -> None:
        """Stop what runs and remove the jobs' root folder."""
        self.stop_all()
        shutil.rmtree(self.root, ignore_errors=True)


def sweep_dead_supervisors() -> None:
    """Remove what the jobs of supervisors that were killed left behind: their folders, and their
    cgroups with any process still in them (a cluster worker killed with its grading slots, a
    ``grade`` killed with SIGKILL). A supervisor's things carry its pid; a live one keeps its own."""
    remove_folders_of_dead_processes()
    hierarchies = [CGROUP_ROOT, *(path for path in CGROUP_ROOT.iterdir() if path.is_dir())] if CGROUP_ROOT.is_dir() else []
    jobs = {group.name for hierarchy in hierarchies for group in (hierarchy / GROUP_NAME).glob("job-*") if group.is_dir()}
    for name in jobs:
        if not process_alive(name.split("-")[1]):
            remove_tree(f"{GROUP_NAME}/{name}")


def _grade_in_child(session: bytes, job: JobPlacement, writer: int) -> None:
    """The grading process: bound itself, grade, send the report, and exit without cleanup (the
    staged data and the job's folders belong to the supervisor)."""
    code, message = 0, None
    try:
        if job.grader_group is not None:
            job.grader_group.add(os.getpid())
        os.setpgid(0, 0)  # a Ctrl-C in the terminal reaches the supervisor, which stops the jobs
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # kernels of this user cannot open its pipe
        if can_mount():
            enter_private_mount_namespace()
        graded: GradingSession = pickle.loads(session)
        if job.grader_group is None:
            memory = graded.options.grader_memory
            resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
        tempfile.tempdir = str(job.folder)
        graded.placement = {"uid": job.uid, "cgroup_parent": job.cgroup_parent} if job.uid is not None else {}
        message = {"report": graded.grade(job.path).to_record()}
    except Exception as error:  # the supervisor writes the row with this reason
        message = {"internal_error": f"Internal grader error, not caused by the notebook: {type(error).__name__}: {error}"}
    try:
        view = memoryview(json.dumps(message, allow_nan=False).encode("utf-8"))
        while view:
            view = view[os.write(writer, view) :]
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def grade_supervised(
    session: GradingSession, path: Path, cancelled: Callable[[], bool] | None = None
) -> tuple[SubmissionReport, bool] | None:
    """Grade one notebook in a supervised process.

    Safe to call from several threads at once with one prepared session (each call starts a
    grading process of its own).

    Parameters
    ----------
    session:
        A prepared session (:meth:`GradingSession.prepare`).
    path:
        The notebook.
    cancelled:
        Asked about once a second; when it returns True the grading process and its kernel are
        stopped and None is returned.

    Returns
    -------
    tuple or None
        The report, and whether the grading process ended without one, not at its time limit (a
        crash, worth grading once more); None when cancelled.
    """
    supervisor = Supervisor(session)
    try:
        supervisor.start(path)
        while cancelled is None or not cancelled():
            for job, report in supervisor.wait():
                return report, job.crashed
        return None
    finally:
        supervisor.close()
