"""Grading a class: one report per notebook whatever happens to any other, each recorded in the
journal as it finishes.

One loop (:func:`grade_batch`) hands the notebooks to a backend that grades them: on this
machine, up to ``--jobs`` at once, each in its own supervised process (:class:`LocalGrading`),
or on the workers of a Dask cluster (:class:`grader.cluster.client.ClusterGrading`). Journal,
resume, input order, progress and the retry of a crashed grading process are the loop's, the
same for both.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from grader.execution.untrusted import printable_path
from grader.grading import GradingOptions, GradingSession
from grader.reports.journal import Journal
from grader.reports.model import SubmissionReport
from grader.supervision import Supervisor


class GradingInterrupted(Exception):
    """The batch was stopped; ``reports`` holds what had finished, in input order.

    ``reason`` is None for Ctrl-C or SIGTERM, else why the backend could not go on (the message
    of its :class:`BackendError`).
    """

    def __init__(self, reports: list[SubmissionReport], reason: str | None = None):
        super().__init__(reason or f"grading stopped after {len(reports)} submission(s)")
        self.reports = reports
        self.reason = reason


class BackendError(RuntimeError):
    """A backend cannot go on grading (a cluster worker that cannot be set up, a lost scheduler);
    the message says what happened and what to do."""


@dataclass(frozen=True)
class Finished:
    """A submission whose grading has ended."""

    index: int
    report: SubmissionReport
    crashed: bool = False
    """It ended without a report, not at its time limit: worth grading once more, alone."""


class GradingBackend(Protocol):
    """Where the notebooks of a batch are graded."""

    def capacity(self) -> int:
        """How many submissions it should be grading at once now."""

    def running(self) -> int:
        """How many submissions it is grading."""

    def start(self, index: int, path: Path) -> None:
        """Begin grading submission ``index`` of the batch, the notebook at ``path``."""

    def wait(self) -> list[Finished]:
        """The submissions that ended within about a second (possibly none); raises
        :class:`BackendError` when it cannot go on."""

    def close(self) -> None:
        """Stop whatever it is grading (safe to call more than once)."""


class LocalGrading:
    """Up to ``jobs`` supervised grading processes on this machine, from a prepared ``session``."""

    def __init__(self, session: GradingSession, jobs: int):
        session.prepare()
        self.jobs = max(1, jobs)
        self.supervisor = Supervisor(session)
        self._indices: dict[int, int] = {}  # grading process id -> submission index

    def capacity(self) -> int:
        return self.jobs

    def running(self) -> int:
        return len(self.supervisor.running)

    def start(self, index: int, path: Path) -> None:
        self._indices[self.supervisor.start(path).pid] = index

    def wait(self) -> list[Finished]:
        return [Finished(self._indices.pop(job.pid), report, job.crashed) for job, report in self.supervisor.wait()]

    def close(self) -> None:
        self.supervisor.close()


def batch_paths(paths: list[Path]) -> dict[Path, str]:
    """Each notebook file of ``paths`` and its path relative to the folder it was found in (its
    name when it was given directly), which names its feedback page. Links found in a folder are
    listed, not followed, so that they get a row saying they cannot be graded: a submission that
    links to the solutions or to a classmate's notebook is never graded as that file."""
    found: dict[Path, str] = {}
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            notebooks = []
            for folder, subfolders, files in os.walk(path):  # links to folders are listed, not entered
                subfolders[:] = [name for name in subfolders if name != ".ipynb_checkpoints"]
                notebooks += [Path(folder) / name for name in subfolders if name.endswith(".ipynb") or (Path(folder) / name).is_symlink()]
                notebooks += [Path(folder) / name for name in files if name.endswith(".ipynb")]
            for notebook in sorted(notebooks):
                found[notebook] = printable_path(notebook.relative_to(path).as_posix())
        else:
            found[path] = printable_path(path.name)
    return found


def grade_batch(
    paths: list[Path],
    options: GradingOptions,
    session: GradingSession | GradingBackend,
    progress: bool = True,
    journal: Journal | None = None,
    resume: bool = False,
    names: dict[Path, str] | None = None,
) -> list[SubmissionReport]:
    """Grade ``paths``; reports come back in input order.

    ``session`` grades on this machine with ``options.jobs`` grading processes at once; any other
    :class:`GradingBackend` (a cluster's) grades where it does. A grading process that dies
    without a report (not at its time limit) is graded once more, alone, before its row says
    why. With ``journal``, every finished report is recorded as it finishes, and ``resume`` skips
    the submissions the journal already holds. ``names`` (from :func:`batch_paths`) gives each
    report its path within the batch.

    Raises
    ------
    GradingInterrupted
        On Ctrl-C or SIGTERM (delivered as KeyboardInterrupt), or when the backend cannot go on,
        after everything it was grading has been stopped.
    """
    relative = [(names or {}).get(path, Path(path).name) for path in paths]
    finished = journal.start(resume) if journal is not None else {}
    reports = {index: finished[key] for index, key in enumerate(map(printable_path, paths)) if key in finished}
    queue = deque(index for index in range(len(paths)) if index not in reports)
    retry: list[int] = []
    retried: set[int] = set()
    backend = LocalGrading(session, options.jobs) if isinstance(session, GradingSession) else session
    bar = tqdm(total=len(paths), initial=len(reports), desc="Grading", unit="notebook", disable=not progress)
    try:
        while queue or retry or backend.running():
            while queue and backend.running() < backend.capacity():
                index = queue.popleft()
                backend.start(index, paths[index])
            if retry and not queue and not backend.running():  # alone, in case a neighbour was the cause
                index = retry.pop(0)
                backend.start(index, paths[index])
            for done in backend.wait():
                if done.crashed and done.index not in retried:
                    retried.add(done.index)
                    retry.append(done.index)
                    continue
                done.report.path_in_batch = relative[done.index]
                reports[done.index] = done.report
                if journal is not None:
                    journal.append(done.report)
                bar.update()
    except (KeyboardInterrupt, BackendError) as stop:
        backend.close()
        reason = str(stop) if isinstance(stop, BackendError) else None
        raise GradingInterrupted([reports[i] for i in sorted(reports)], reason) from None
    finally:
        backend.close()
        bar.close()
    return [reports[i] for i in range(len(paths))]
