"""The class at a glance, for the instructor: ``index.html`` beside the students' feedback pages.

Counts (graded, failed to run, flagged for review, similar pairs), per part a histogram of the
scores and the metric of every submission beside the baselines, the target and the reference,
and a table of every submission linking to its page, sortable by any column in the browser (a
few lines of script, no server). Everything from the notebooks is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

from grader.parts import get_part
from grader.reports.chart import COLOURS, inline_svg, pyplot
from grader.reports.feedback import OVERVIEW_PAGE, STYLE, feedback_pages
from grader.reports.files import write_atomically
from grader.reports.model import SubmissionReport

SORTING = """
document.querySelectorAll("th").forEach((header, column) => header.addEventListener("click", () => {
  const body = header.closest("table").tBodies[0], rows = Array.from(body.rows);
  const ascending = header.dataset.order !== "ascending";
  header.dataset.order = ascending ? "ascending" : "descending";
  const key = row => { const text = row.cells[column].dataset.sort ?? row.cells[column].textContent;
                       const number = parseFloat(text); return isNaN(number) ? text.toLowerCase() : number; };
  rows.sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (ascending ? 1 : -1));
  rows.forEach(row => body.appendChild(row));
}));
"""


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
    escape = html.escape
    similar = sum(len(report.similar_to) for report in reports) // 2
    failed = sum(1 for report in reports if report.error or any(part.execution.kernel_died or part.execution.start_error for part in report.parts))
    counts = [
        ("submissions", len(reports)), ("graded", sum(1 for report in reports if report.parts)),
        ("failed to run", failed), ("flagged for review", sum(1 for report in reports if report.flagged)),
        ("similar pairs", similar),
    ]
    body = ["<h1>Class overview</h1>", "<p>For the instructor: this page names every student; hand out the students' own pages only.</p>"]
    body.append("<table class='counts'><tr>" + "".join(f"<th>{escape(name)}</th>" for name, _ in counts) + "</tr><tr>"
                + "".join(f"<td>{value}</td>" for _, value in counts) + "</tr></table>")
    for name in dict.fromkeys(part.part for report in reports for part in report.parts):
        body.append(f"<h2>{escape(get_part(name).title)}</h2>" + _part_chart(name, reports))
    body.append("<h2>Every submission</h2><p>Click a column's title to sort by it.</p><table class='submissions'><thead><tr>")
    body.append("".join(f"<th>{title}</th>" for title in ("submission", "part", "score", "metric", "flags", "similar to", "sandbox", "seconds")))
    body.append("</tr></thead><tbody>")
    for report, page in zip(reports, pages):
        part = report.parts[0] if report.parts else None
        metric = part.metrics.get(part.metric) if part and part.metrics else None
        flags = "; ".join(report.flags) if report.flagged else ""
        similar_to = ", ".join(other["path"] for other in report.similar_to)
        cells = [
            f"<td><a href='{escape(page, quote=True)}'>{escape(report.path_in_batch)}</a></td>",
            f"<td>{escape(get_part(part.part).short_title) if part else ''}</td>",
            f"<td data-sort='{report.score:g}'>{report.score:g} / {report.max_score:g}</td>" if not report.error else "<td data-sort='-1' class='failed'>not graded</td>",
            f"<td data-sort='{'' if metric is None else f'{metric:.6f}'}'>{'' if metric is None else f'{part.metric.upper()} {metric:.4f}'}</td>",
            f"<td class='flagged'>{escape(flags)}</td>",
            f"<td>{escape(similar_to)}</td>",
            f"<td>{escape(report.sandbox)}</td>",
            f"<td>{report.seconds:.1f}</td>",
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    body.append("</tbody></table>")
    style = STYLE.replace("max-width: 52rem", "max-width: 72rem") + "th { cursor: pointer; } .counts td { font-size: 1.4rem; }"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Class overview</title><style>{style}</style></head>"
        f"<body>{''.join(body)}<script>{SORTING}</script></body></html>\n"
    )


def write_overview(reports: list[SubmissionReport], folder: str | Path) -> Path:
    """``index.html`` in the feedback ``folder``, linking to the pages :func:`feedback_pages` names."""
    return write_atomically(Path(folder) / OVERVIEW_PAGE, render_overview(reports, feedback_pages(reports)))
