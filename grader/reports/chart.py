"""The feedback page's chart: a part's metric beside the baselines, the reference and the target.

One row per model with a dot at its value and the value written beside it, so that close
figures (0.8957 and 0.8966) stay apart. The axis spans the values that decide the grade (yours,
the target, the reference, the strongest baseline); a baseline far outside them sits at the edge
with an arrow and its value. The region of full marks is shaded and labelled at the top, so no
legend covers a row.
"""

from __future__ import annotations

import io

from grader.reports.model import PartReport

COLOURS = {"you": "#0969da", "reference": "#1a7f37", "baseline": "#6e7781", "target": "#cf222e"}
ROW_INCHES = 0.42
WIDEST_SPAN = 2.0
"""A baseline widening the axis more than this many times its span is drawn off the scale."""


def _axis_range(focus: list[float], others: list[float]) -> tuple[float, float]:
    low, high = min(focus), max(focus)
    span = high - low
    for value in others:
        wider = max(high, value) - min(low, value)
        if span == 0 or wider <= WIDEST_SPAN * span:
            low, high, span = min(low, value), max(high, value), wider
    pad = max(0.12 * span, 0.01 * abs(high), 1e-4)
    return low - pad, high + pad


def _rows(part: PartReport) -> list[tuple[str, float, str]]:
    name = part.metric
    rows = []
    if part.metrics and part.metrics.get(name) is not None:
        rows.append(("you", float(part.metrics[name]), COLOURS["you"]))
    reference = part.reference_value(name)
    if reference is not None:
        rows.append(("reference", reference, COLOURS["reference"]))
    for baseline, values in reversed(list(part.baselines.items())):  # strongest first
        rows.append((f"{baseline.replace('_', ' ')} baseline", float(values[name]), COLOURS["baseline"]))
    return rows


def pyplot():
    """matplotlib's pyplot on the Agg backend (no display), imported when a page first needs a chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def inline_svg(figure) -> str:
    """``figure`` laid out, as an ``<svg>`` element to put in a page, and closed."""
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    pyplot().close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def metric_chart(part: PartReport) -> str:
    """An inline SVG of the part's metric for the student, the reference, each baseline and the target."""
    plt = pyplot()
    lower = part.metric == "rmse"
    rows = _rows(part)
    baselines = [value for label, value, _ in rows if label.endswith("baseline")]
    strongest = min(baselines) if lower else max(baselines)
    focus = [value for label, value, _ in rows if not label.endswith("baseline")] + [part.target, strongest]
    low, high = _axis_range(focus, [value for value in baselines if value != strongest])
    figure, axis = plt.subplots(figsize=(6.8, 0.9 + ROW_INCHES * len(rows)))
    axis.set_xlim(low, high)
    axis.set_ylim(len(rows) - 0.4, -0.9)
    better_side = (low, part.target) if lower else (part.target, high)
    axis.axvspan(*better_side, color=COLOURS["reference"], alpha=0.08, linewidth=0)
    axis.axvline(part.target, color=COLOURS["target"], linestyle="--", linewidth=1.2)
    axis.text(part.target, -0.75, f"  full marks {'≤' if lower else '≥'} {part.target:.4f}  ", color=COLOURS["target"],
              fontsize=8, va="center", ha="right" if lower else "left")
    for row, (label, value, colour) in enumerate(rows):
        axis.axhline(row, color="#eaeef2", linewidth=0.8, zorder=0)
        shown = min(max(value, low), high)
        outside = shown != value
        marker = ("<" if value < low else ">") if outside else "o"
        axis.plot([shown], [row], marker=marker, markersize=9 if label == "you" else 7, color=colour, zorder=3, clip_on=False)
        right_half = (shown - low) > 0.6 * (high - low)
        text = f"{value:.4f}" + (" (off the scale)" if outside else "")
        axis.annotate(text, (shown, row), xytext=(-9 if right_half else 9, 0), textcoords="offset points",
                      ha="right" if right_half else "left", va="center", fontsize=9, color=colour, zorder=4,
                      fontweight="bold" if label == "you" else "normal",
                      bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    axis.set_yticks(range(len(rows)), [label for label, _, _ in rows])
    axis.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        axis.spines[side].set_visible(False)
    axis.set_xlabel(f"{part.metric.upper()} on the hidden split ({'lower' if lower else 'higher'} is better)")
    return inline_svg(figure)
