"""The class at a glance, for the instructor: ``index.html`` beside the students' feedback pages.

Counts (graded, failed to run, flagged for review, similar pairs), per part a histogram of the
scores and the metric of every submission beside the baselines, the target and the reference,
and a table of every submission linking to its page, sortable by any column in the browser (a
few lines of script, no server). Everything from the notebooks is escaped.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from grader.parts import get_part
from grader.reports.chart import COLOURS, inline_svg, pyplot
from grader.reports.feedback import OVERVIEW_PAGE, feedback_pages
from grader.reports.files import write_atomically
from grader.reports.model import SubmissionReport
from grader.reports.pages import render_page


def _part_chart(name: str, reports: list[SubmissionReport]) -> str:
    """An inline SVG: the scores' histogram, and every metric beside baselines, target and reference."""
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()

    results = [part for report in reports for part in report.parts if part.part == name]
    scores = [part.score for part in results]
    metric = results[0].metric
    values = [part.metrics[metric] for part in results if part.metrics and part.metrics.get(metric) is not None]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.hist(scores, bins=20, range=(0, max(part.max_score for part in results) or 1), color=COLOURS["you"])
    left.set(xlabel="score", ylabel="submissions", title=f"{get_part(name).short_title}: scores")
    if values:
        right.hist(values, bins=min(30, max(5, len(values))), color=COLOURS["you"], alpha=0.7, label="submissions")
    first = results[0]
    lines = [(baseline.replace("_", " "), float(figures[metric]), COLOURS["baseline"], ":") for baseline, figures in first.baselines.items()]
    lines.append(("target", first.target, COLOURS["target"], "--"))
    if first.reference_value(metric) is not None:
        lines.append(("reference", first.reference_value(metric), COLOURS["reference"], "-"))
    for label, value, colour, style in lines:
        right.axvline(value, color=colour, linestyle=style, linewidth=1.3, label=f"{label} {value:.4f}")
    right.set(xlabel=f"{metric.upper()} on the hidden split ({'lower' if metric == 'rmse' else 'higher'} is better)", title=f"{get_part(name).short_title}: {metric.upper()}")
    right.legend(fontsize=7, loc="best")
    for axis in (left, right):
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of submissions
    return inline_svg(figure)


def render_overview(reports: list[SubmissionReport], pages: list[str]) -> str:
    """The class overview of ``reports`` (one part each, as ``by_part`` gives), linking to ``pages``."""
    failed = sum(1 for report in reports if report.error or any(part.execution.kernel_died or part.execution.start_error for part in report.parts))
    counts = [
        ("submissions", len(reports)), ("graded", sum(1 for report in reports if report.parts)),
        ("failed to run", failed), ("flagged for review", sum(1 for report in reports if report.flagged)),
        ("similar pairs", sum(len(report.similar_to) for report in reports) // 2),
    ]
    names = dict.fromkeys(part.part for report in reports for part in report.parts)
    charts = [(get_part(name).title, Markup(_part_chart(name, reports))) for name in names]
    return render_page("overview.html", title="Class overview", width="72rem", counts=counts, charts=charts, rows=[_row(report, page) for report, page in zip(reports, pages)])


def _row(report: SubmissionReport, page: str) -> dict:
    """What the table shows of one submission."""
    part = report.parts[0] if report.parts else None
    metric = part.metrics.get(part.metric) if part and part.metrics else None
    return {
        "report": report, "page": page, "part_title": get_part(part.part).short_title if part else "",
        "metric_sort": "" if metric is None else f"{metric:.6f}", "metric_text": "" if metric is None else f"{part.metric.upper()} {metric:.4f}",
        "flags": "; ".join(report.flags) if report.flagged else "",
    }


def write_overview(reports: list[SubmissionReport], folder: str | Path) -> Path:
    """``index.html`` in the feedback ``folder``, linking to the pages :func:`feedback_pages` names."""
    return write_atomically(Path(folder) / OVERVIEW_PAGE, render_overview(reports, feedback_pages(reports)))
