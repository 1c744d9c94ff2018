"""Per-student HTML feedback: the checks in words and a chart of the metric beside the
baselines, the target and the reference."""

from __future__ import annotations

import html
import io
from pathlib import Path

from grader.reports.files import write_atomically
from grader.reports.model import PartReport, SubmissionReport

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
td, th { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }
.passed { color: #1a7f37; } .partial { color: #9a6700; } .failed, .error, .flagged { color: #cf222e; }
pre { background: #f6f8fa; padding: .6rem; white-space: pre-wrap; }
"""


def metric_chart(part: PartReport) -> str:
    """An inline SVG bar chart of the part's metric: the student, the baselines, the reference, the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = part.metric
    bars = [("you", (part.metrics or {}).get(name), "#0969da")]
    bars += [(baseline.replace("_", " "), values[name], "#8c959f") for baseline, values in part.baselines.items()]
    if part.reference:
        bars.append(("reference", part.reference["mean"], "#1a7f37"))
    shown = [(label, value, colour) for label, value, colour in bars if value is not None]
    figure, axis = plt.subplots(figsize=(6, 0.5 + 0.45 * len(shown)))
    axis.barh([label for label, _, _ in shown], [value for _, value, _ in shown], color=[c for _, _, c in shown])
    axis.axvline(part.target, color="#cf222e", linestyle="--", label=f"full marks ({part.target:.3f})")
    axis.invert_yaxis()
    axis.set_xlabel(f"{name.upper()} on the hidden split ({'lower' if name == 'rmse' else 'higher'} is better)")
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def render_feedback(report: SubmissionReport) -> str:
    """The feedback page of one submission."""
    escape = html.escape
    parts = [f"<h1>Feedback: {escape(Path(report.submission).name)}</h1>"]
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
                f"<td><pre>{escape(test.output)}</pre></td></tr>"
            )
        parts.append("</table>")
        if part.metrics:
            parts.append(metric_chart(part))
        parts.append(f"<h3>How the notebook ran</h3><pre>{escape(part.execution.summary())}</pre>")
        for problem in part.execution.problems:
            if problem.traceback:
                parts.append(f"<details><summary>Traceback of cell {problem.cell}</summary><pre>{escape(problem.traceback)}</pre></details>")
    body = "\n".join(parts)
    return f"<!doctype html><html><head><meta charset='utf-8'><title>Feedback</title><style>{STYLE}</style></head><body>{body}</body></html>\n"


def write_feedback(reports: list[SubmissionReport], folder: str | Path) -> list[Path]:
    """One HTML page per submission, named after the notebook (made unique within the batch)."""
    folder = Path(folder)
    written, used = [], set()
    for report in reports:
        stem = Path(report.submission).stem or "submission"
        name, count = f"{stem}.html", 1
        while name in used:
            count += 1
            name = f"{stem}-{count}.html"
        used.add(name)
        written.append(write_atomically(folder / name, render_feedback(report)))
    return written
