"""Per-student HTML feedback: the checks in words and a chart of the metric beside the
baselines, the target and the reference."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from grader.reports.files import write_atomically
from grader.reports.model import SubmissionReport
from grader.reports.pages import render_page

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
OVERVIEW_PAGE = "index.html"
"""The class overview beside the pages (:mod:`grader.reports.overview`): no student's page takes its name."""
PAGE_STEM_CHARS = 150
"""Page names stay well below file systems' 255-byte limit, with room for a ``-2`` and a temporary prefix."""


def render_feedback(report: SubmissionReport) -> str:
    """The feedback page of one submission."""
    return render_page("feedback.html", title=f"Feedback: {report.path_in_batch}", width="52rem", report=report)


def feedback_pages(reports: list[SubmissionReport]) -> list[str]:
    """The file name of each report's feedback page, from its path in the batch, unique in the batch.

    ``alice/submission.ipynb`` becomes ``alice__submission.html``; a name met again gets ``-2``,
    ``-3``, ... (a notebook graded for both parts has a page per part).
    """
    names, used = [], {OVERVIEW_PAGE}
    for report in reports:
        parts = [part for part in PurePosixPath(report.path_in_batch.replace("\\", "/")).parts if part not in ("/", ".", "..")]
        if parts:
            parts[-1] = PurePosixPath(parts[-1]).stem
        stem = "__".join(UNSAFE.sub("_", part) for part in parts)[:PAGE_STEM_CHARS] or "submission"
        name, count = f"{stem}.html", 1
        while name in used:
            count += 1
            name = f"{stem}-{count}.html"
        used.add(name)
        names.append(name)
    return names


def write_feedback(reports: list[SubmissionReport], folder: str | Path) -> list[Path]:
    """One HTML page per report in ``folder``, named by :func:`feedback_pages`."""
    folder = Path(folder)
    return [write_atomically(folder / name, render_feedback(report)) for report, name in zip(reports, feedback_pages(reports))]
