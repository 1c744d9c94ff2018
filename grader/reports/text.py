"""The terminal report: per check the points and message, then the metrics beside the baselines,
the reference and the target."""

from __future__ import annotations

from grader.execution.untrusted import clean_text
from grader.reports.model import PartReport, SubmissionReport
from grader.sandbox import GUARANTEES


def _points(value: float) -> str:
    return f"{value:g}"


def _metric_table(part: PartReport) -> list[str]:
    names = [part.metric] + [key for key in (part.metrics or {}) if key != part.metric]
    columns = ["you", *[b.replace("_", " ") for b in part.baselines], "reference", "target"]
    lines = ["  " + f"{'metric (hidden split)':<22}" + "".join(f"{c:>18}" for c in columns)]
    for name in names:
        row = [(part.metrics or {}).get(name)]
        row += [values.get(name) for values in part.baselines.values()]
        row.append(part.reference_value(name))
        row.append(part.target if name == part.metric else None)
        cells = "".join(f"{value:>18.4f}" if value is not None else f"{'-':>18}" for value in row)
        lines.append("  " + f"{name.upper():<22}" + cells)
    return lines


def render_text(report: SubmissionReport) -> str:
    """The whole report as terminal text."""
    lines = [f"Grading {clean_text(report.submission, 500)}"]
    lines.append(f"Sandbox: {report.sandbox} ({GUARANTEES.get(report.sandbox, '')}); device: {report.device}; {report.seconds:.1f} s")
    if report.warning:
        lines.append(report.warning)
    if report.error:
        lines += ["", f"NOT GRADED: {report.error}", "", "Total: 0 / 0"]
        return "\n".join(lines) + "\n"
    for note in report.notes:
        lines.append(f"Note: {note}")
    for flag in report.flags:
        lines.append(f"{'FLAGGED FOR REVIEW' if report.flagged else 'Flag (reviewed, accepted)'}: {flag}")
    for other in report.similar_to:
        lines.append(f"SIMILAR TO {other['path']} (for a person to review, not penalised): {other['evidence']}")
    for part in report.parts:
        lines += ["", f"{part.title}: {_points(part.score)} / {_points(part.max_score)}"]
        for test in part.tests:
            mark = {"passed": "ok", "partial": "part", "failed": "FAIL", "error": "ERROR", "flagged": "FLAG"}[test.status]
            lines.append(f"  [{_points(test.score):>5} / {_points(test.max_score):<3}] {mark:<5} {test.name}")
            for message_line in test.output.splitlines():
                lines.append(f"                       {message_line}")
        lines.append("")
        lines += _metric_table(part)
        lines.append("")
        summary = part.execution.summary().splitlines()
        lines += [f"  Execution: {summary[0]}", *[f"             {line}" for line in summary[1:]]]
        if part.peak_memory:
            lines.append(f"  Peak memory: {part.peak_memory / 2**20:.0f} MiB")
        lines += [f"  Note: {note}" for note in part.notes]
    lines += ["", f"Total: {_points(report.score)} / {_points(report.max_score)}"]
    return "\n".join(lines) + "\n"
