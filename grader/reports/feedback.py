"""Per-student HTML feedback: the checks in words and a chart of the metric beside the
baselines, the target and the reference."""

from __future__ import annotations

import html
import re
from pathlib import Path, PurePosixPath

from grader.reports.chart import metric_chart
from grader.reports.files import write_atomically
from grader.reports.model import SubmissionReport

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
td, th { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }
.passed { color: #1a7f37; } .partial { color: #9a6700; } .failed, .error, .flagged { color: #cf222e; }
pre { background: #f6f8fa; padding: .6rem; white-space: pre-wrap; margin: 0; }
svg { max-width: 100%; height: auto; }
"""
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
OVERVIEW_PAGE = "index.html"
"""The class overview beside the pages (:mod:`grader.reports.overview`): no student's page takes its name."""
PAGE_STEM_CHARS = 150
"""Page names stay well below file systems' 255-byte limit, with room for a ``-2`` and a temporary prefix."""


def render_feedback(report: SubmissionReport) -> str:
    """The feedback page of one submission."""
    escape = html.escape
    title = f"Feedback: {report.path_in_batch}"
    parts = [f"<h1>{escape(title)}</h1>"]
    if report.error:
        parts.append(f"<p class='failed'><b>Not graded:</b> {escape(report.error)}</p>")
    else:
        parts.append(f"<p><b>Score: {report.score:g} / {report.max_score:g}</b></p>")
    for note in report.notes:
        parts.append(f"<p>{escape(note)}</p>")
    for flag in report.flags:
        label = "Flagged for review" if report.flagged else "Flag reviewed and accepted"
        parts.append(f"<p class='flagged'><b>{label}:</b> {escape(flag)}</p>")
    for part in report.parts:
        parts.append(f"<h2>{escape(part.title)}: {part.score:g} / {part.max_score:g}</h2><table>")
        parts.append("<tr><th>check</th><th>points</th><th>details</th></tr>")
        for test in part.tests:
            parts.append(
                f"<tr><td class='{test.status}'>{escape(test.name)}</td><td>{test.score:g} / {test.max_score:g}</td>"
                f"<td>{f'<pre>{escape(test.output)}</pre>' if test.output else ''}</td></tr>"
            )
        parts.append("</table>")
        if part.metrics:
            parts.append(metric_chart(part))
        parts.append(f"<h3>How the notebook ran</h3><pre>{escape(part.execution.summary())}</pre>")
        for problem in part.execution.problems:
            if problem.traceback:
                where = part.execution.cell_name(problem)
                parts.append(f"<details><summary>Traceback of {escape(where)}</summary><pre>{escape(problem.traceback)}</pre></details>")
    body = "\n".join(parts)
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>\n"


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
