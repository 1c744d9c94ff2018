"""The default rubric, one check per rubric line: the notebook ran, the graded function returns
valid output, the metric beats the baseline, and partial credit up to the target."""

from __future__ import annotations

import pytest

from grader.checks.context import CheckContext


def _name(metric: str) -> str:
    return metric.upper()


@pytest.mark.points(rubric="ran")
def test_notebook_ran(grading: CheckContext) -> None:
    """The notebook ran to the end"""
    record = grading.execution
    assert record.start_error is None, f"The notebook could not be started: {record.start_error}"
    assert record.code_cells > 0, "The notebook has no code cells."
    assert record.kernel_died is None, record.kernel_died
    assert not record.notebook_timed_out, (
        f"The notebook ran out of time after {record.cells_run} of {record.code_cells} cells. "
        f"Train for fewer epochs or on smaller batches."
    )
    stopped = [problem for problem in record.problems if problem.kind in ("timeout", "killed")]
    assert not stopped, "The notebook did not run to the end on its own: " + "; ".join(p.describe() for p in stopped) + "."


@pytest.mark.points(rubric="valid")
def test_function_returns_valid_predictions(grading: CheckContext) -> None:
    """The graded function returns valid predictions"""
    assert grading.prediction_error is None, grading.prediction_error


@pytest.mark.points(rubric="beats_baseline")
def test_metric_beats_the_baseline(grading: CheckContext) -> None:
    """The metric beats the baseline"""
    metric, baseline = grading.rubric.metric, grading.baseline
    name = grading.rubric.baseline.replace("_", " ")
    assert grading.metric is not None, f"No {_name(metric)}: {grading.prediction_summary}"
    margin = grading.rubric.margin
    bar = baseline - margin if grading.rubric.lower_is_better else baseline + margin
    assert grading.better(grading.metric, bar) or grading.metric == bar, (
        f"{_name(metric)} {grading.metric:.4f} does not beat the {name} baseline ({baseline:.4f}) by "
        f"{margin}: the model has not learned more than the baseline knows."
    )


@pytest.mark.points(rubric="target")
def test_metric_reaches_the_target(grading: CheckContext, partial_credit) -> None:
    """The metric reaches the target"""
    metric, target, baseline = grading.rubric.metric, grading.target, grading.baseline
    assert grading.metric is not None, f"No {_name(metric)}: {grading.prediction_summary}"
    value = grading.metric
    if not grading.better(value, target) and value != target:
        # linear from the baseline (0) to the target (1); nothing at or below the baseline
        fraction = (value - baseline) / (target - baseline) if grading.better(target, baseline) else 0.0
    else:
        fraction = 1.0
    fraction = min(1.0, max(0.0, fraction))
    name = grading.rubric.baseline.replace("_", " ")
    comparison = "beats" if grading.better(value, baseline) else "does not beat"
    message = f"{_name(metric)} {value:.4f}: {comparison} the {name} baseline {baseline:.4f}; full marks from {target:.4f}"
    if grading.reference is not None:
        message += f"; the reference reaches {grading.reference.mean:.4f}"
    message += "."
    if 0.0 < fraction < 1.0:
        message += f" Partial credit: {fraction:.0%} of the way from the baseline to the target."
    assert fraction > 0.0, message
    partial_credit.award(fraction, message)
