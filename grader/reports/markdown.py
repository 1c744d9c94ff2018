"""The Markdown summary of a run, for a CI page (``$GITHUB_STEP_SUMMARY``, a merge-request
comment) or any Markdown viewer: one table row per report (a part of a notebook) with its score,
its metric beside the baselines, the reference and the target, its flags and its failing cells,
then the checks below full marks.

Text a submission controls (cell errors, messages quoting them, file names) is cleaned and
escaped: it shows as text and cannot add links, images, HTML or table cells of its own.
"""

from __future__ import annotations

import re

from grader.execution.untrusted import clean_text
from grader.reports.model import SHORT_TITLES, PartReport, SubmissionReport
from grader.reports.passmark import PassMark

CELL_CHARS = 160


def _text(value: object, limit: int = CELL_CHARS) -> str:
    """``value`` on one line, bounded, as a code span: nothing in it is a link, a mention, a
    reference or markup (a table's ``|`` escaped, as GitHub's tables need even in code)."""
    flat = " ".join(clean_text(value, limit).split())
    if not flat:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    return f"{fence} {flat.replace('|', chr(92) + '|')} {fence}"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _metric_cells(part: PartReport) -> list[str]:
    """The metric, the baselines, the reference and the target of ``part``."""
    name = part.metric
    shown = f"{name.upper()} {_number((part.metrics or {}).get(name))}"
    baselines = ", ".join(f"{_text(baseline.replace('_', ' '))} {_number(values.get(name))}" for baseline, values in part.baselines.items())
    reference = f"{part.reference['mean']:.4f} ± {part.reference['std']:.4f}" if part.reference else "–"
    return [shown, baselines or "–", reference, _number(part.target)]


def _flags(report: SubmissionReport) -> str:
    if not report.flags:
        return ""
    label = "**flagged for review**" if report.flagged else "reviewed, accepted"
    return f"{label}: " + "; ".join(_text(flag) for flag in report.flags)


def _failing_cells(report: SubmissionReport) -> str:
    if report.error:
        return f"not graded: {_text(report.error)}"
    problems = [problem for part in report.parts for problem in part.execution.errors]
    return "<br>".join(_text(f"cell {problem.cell}: {problem.message}") for problem in problems)


def _row(report: SubmissionReport, pass_mark: PassMark | None) -> list[str]:
    part = report.parts[0] if report.parts else None
    score = f"{report.score:g} / {report.max_score:g}" if part else "not graded"
    cells = [_text(report.submission), ", ".join(SHORT_TITLES[p.part] for p in report.parts) or "–", score]
    if pass_mark is not None:
        cells.append("yes" if pass_mark.passes(report) else "**no**")
    cells += _metric_cells(part) if part else ["–"] * 4
    return cells + [_flags(report), _failing_cells(report)]


def _overview(reports: list[SubmissionReport], pass_mark: PassMark | None) -> list[str]:
    graded = [report for report in reports if not report.error]
    words = f"{len(reports)} report{'s' if len(reports) != 1 else ''} (one per notebook and part)"
    if len(graded) < len(reports):
        words += f", {len(reports) - len(graded)} not graded"
    if pass_mark is not None:
        passing = sum(pass_mark.passes(report) for report in reports)
        words += f"; {passing} of {len(reports)} reach the pass mark of {pass_mark}"
    flagged = sum(report.flagged for report in reports)
    if flagged:
        words += f"; {flagged} flagged for review (metric points withheld)"
    levels = sorted({report.sandbox for report in reports})
    devices = sorted({report.device for report in reports})
    lines = [f"{words}. Sandbox: {', '.join(levels)}; device: {', '.join(devices)}."]
    for warning in dict.fromkeys(report.warning for report in reports if report.warning):
        lines += ["", f"> **{_text(warning, 400)}**"]
    return lines


def _points_lost(reports: list[SubmissionReport]) -> list[str]:
    """One bullet per check below full marks, under a collapsed heading."""
    bullets = []
    for report in reports:
        for name, test in report.named_tests():
            if test.score < test.max_score:
                where = ", ".join([_text(report.submission), *(SHORT_TITLES[p.part] for p in report.parts)])
                message = test.output.strip().splitlines()[0] if test.output.strip() else test.status
                bullets.append(f"- **{where}**, {_text(name)} ({test.score:g} / {test.max_score:g}): {_text(message, 500)}")
    if not bullets:
        return []
    return ["", "<details><summary>Checks below full marks</summary>", "", *bullets, "", "</details>"]


def render_markdown(reports: list[SubmissionReport], pass_mark: PassMark | None = None) -> str:
    """The summary of ``reports`` (one per notebook and part) as GitHub-flavoured Markdown.

    Parameters
    ----------
    reports:
        The graded reports, one per part (:meth:`SubmissionReport.by_part`).
    pass_mark:
        When given (``--fail-under``), a column says whether each report reaches it.
    """
    header = ["notebook", "part", "score"]
    if pass_mark is not None:
        header.append(f"≥ {pass_mark}")
    header += ["metric", "baselines", "reference", "target", "flags", "failing cells"]
    lines = ["## Grades", "", *_overview(reports, pass_mark), ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("| " + " | ".join("---:" if name == "score" else "---" for name in header) + " |")
    lines += ["| " + " | ".join(_row(report, pass_mark)) + " |" for report in reports]
    lines += _points_lost(reports)
    return "\n".join(lines) + "\n"
