"""Grading a class: many notebooks in parallel worker processes, one report per notebook whatever
happens to any other."""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from grader.grading import GradingOptions, GradingSession
from grader.reports.model import SubmissionReport

_session: GradingSession | None = None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Notebook files from files and folders (folders are searched recursively, checkpoints skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)
    return found


def _start_worker(options: GradingOptions, level: str) -> None:
    global _session
    _session = GradingSession(options, sandbox_level=level)
    # Worker processes end without running atexit hooks; a multiprocessing finalizer does run.
    multiprocessing.util.Finalize(_session, _session.close, exitpriority=10)


def _grade_in_worker(path: str) -> SubmissionReport:
    assert _session is not None
    return _session.grade(path)


def _internal_error(path: Path, error: BaseException, session: GradingSession) -> SubmissionReport:
    return SubmissionReport(
        submission=str(path), error=f"Internal grader error, not caused by the notebook: {type(error).__name__}: {error}",
        sandbox=session.sandbox_level, device=session.device,
    )


def grade_batch(paths: list[Path], options: GradingOptions, session: GradingSession, progress: bool = True) -> list[SubmissionReport]:
    """Grade ``paths`` with ``options.jobs`` kernels at once; reports come back in input order."""
    reports: dict[int, SubmissionReport] = {}
    bar = tqdm(total=len(paths), desc="Grading", unit="notebook", disable=not progress)
    if options.jobs <= 1 or len(paths) <= 1:
        for index, path in enumerate(paths):
            try:
                reports[index] = session.grade(path)
            except Exception as error:  # one broken submission must not stop the class
                reports[index] = _internal_error(path, error, session)
            bar.update()
        bar.close()
        return [reports[i] for i in range(len(paths))]
    pending = list(range(len(paths)))
    while pending:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(options.jobs, mp_context=context, initializer=_start_worker, initargs=(options, session.sandbox_level)) as pool:
            futures = {pool.submit(_grade_in_worker, str(paths[i])): i for i in pending}
            broken = []
            for future in as_completed(futures):
                index = futures[future]
                try:
                    reports[index] = future.result()
                    bar.update()
                except BrokenProcessPool:
                    broken.append(index)
                except Exception as error:
                    reports[index] = _internal_error(paths[index], error, session)
                    bar.update()
        if broken and len(broken) == len(pending):  # nothing progressed: give up on these
            for index in broken:
                reports[index] = _internal_error(paths[index], RuntimeError("a grading worker died"), session)
                bar.update()
            broken = []
        pending = sorted(broken)
    bar.close()
    return [reports[i] for i in range(len(paths))]
