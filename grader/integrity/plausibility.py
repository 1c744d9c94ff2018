"""Metrics beyond what any honest model reaches: better than the calibrated reference by far
more than its spread across seeds. Such a result is flagged for a person to review."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # grader.config itself reads this package's limits
    from grader.config import PartRubric
    from grader.references import Reference


def flag_threshold(rubric: PartRubric, reference: Reference | None) -> float | None:
    """The metric value beyond which a result is flagged, or None when nothing sets one."""
    if rubric.flag_at is not None:
        return rubric.flag_at
    if reference is None:
        return None
    distance = max(rubric.flag_sigmas * reference.std, rubric.flag_margin * reference.mean)
    return reference.mean - distance if rubric.lower_is_better else reference.mean + distance


def implausible_result(rubric: PartRubric, value: float | None, reference: Reference | None) -> str | None:
    """A flag saying why ``value`` is beyond honest models, or None when it is plausible."""
    threshold = flag_threshold(rubric, reference)
    if value is None or threshold is None or not rubric.better(value, threshold):
        return None
    name = rubric.metric.upper()
    where = f"the reference solution reaches {reference.mean:.4f}" if reference is not None else "no honest model is expected there"
    side = "below" if rubric.lower_is_better else "above"
    return (
        f"{name} {value:.4f} is {side} {threshold:.4f}, beyond what honest models reach here ({where}): "
        f"results like this are reviewed by a person before their metric points count."
    )
