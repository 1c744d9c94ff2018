"""The default rubric, one check per rubric line: the notebook ran, the graded function returns
valid output, the metric beats the (weak) baseline, and partial credit from the strong baseline
up to the target.

Each failure names its likely cause: the cell that was running out of time, the first failing
cell when the graded function or its model was never built, shifted ids when a model does no
better than the baseline.
"""

from __future__ import annotations

import pytest

from grader.checks.context import CheckContext
from grader.contract import CONTRACT_FUNCTIONS, missing_function_message
from grader.parts import get_part


def _name(metric: str) -> str:
    return metric.upper()


def _label(baseline: str) -> str:
    return baseline.replace("_", " ")


def _why_no_predictions(grading: CheckContext) -> str:
    """The prediction error, with the earlier failure that most likely caused it."""
    error, record = grading.prediction_error or "", grading.execution
    name = CONTRACT_FUNCTIONS[grading.part]
    missing = error == missing_function_message(name)
    if missing and record.notebook_timed_out:
        return f"{name} was never defined: {record.ran_out_of_time()}"
    if error.startswith(f"{name} did not finish within"):
        return f"{error} Predict without gradients (torch.no_grad()) and in large batches; instructors can allow more with `grade --predict-timeout SECONDS`."
    head, _, rest = error.partition("\n")
    # a cell that failed with this very error (the self-check) is a consequence, not the cause
    first = next((problem for problem in record.errors if head not in problem.message), None)
    if first is not None and (missing or error.startswith(f"{name} raised NameError")):
        cause = f"The first cell that failed, {record.cell_name(first)} ({first.message.splitlines()[0]}), is the likely cause: fix it first."
        return f"{head} {cause}" + (f"\n{rest}" if rest else "")
    return error


@pytest.mark.points(rubric="ran")
def test_notebook_ran(grading: CheckContext) -> None:
    """The notebook ran to the end"""
    record = grading.execution
    assert record.start_error is None, f"The notebook could not be started: {record.start_error}"
    assert record.code_cells > 0, "The notebook has no code cells."
    assert record.kernel_died is None, record.kernel_died
    assert not record.notebook_timed_out, record.ran_out_of_time()
    stopped = [problem for problem in record.problems if problem.kind in ("timeout", "killed")]
    assert not stopped, "The notebook did not run to the end on its own: " + "; ".join(record.describe(p) for p in stopped)


@pytest.mark.points(rubric="valid")
def test_function_returns_valid_predictions(grading: CheckContext) -> None:
    """The graded function returns valid predictions"""
    assert grading.prediction_error is None, _why_no_predictions(grading)


@pytest.mark.points(rubric="beats_baseline")
def test_metric_beats_the_baseline(grading: CheckContext) -> None:
    """The metric beats the baseline"""
    metric, baseline = grading.rubric.metric, grading.baseline
    assert grading.metric is not None, f"No {_name(metric)}: {grading.prediction_summary}"
    margin = grading.rubric.margin
    bar = baseline - margin if grading.rubric.lower_is_better else baseline + margin
    assert grading.better(grading.metric, bar) or grading.metric == bar, (
        f"{_name(metric)} {grading.metric:.4f} does not beat the {_label(grading.rubric.baseline)} baseline ({baseline:.4f}) by "
        f"{margin}: the model has not learned more than the baseline knows. {get_part(grading.part).shifted_ids_hint(grading.public.num_users, grading.public.num_items)}"
    )


@pytest.mark.points(rubric="target")
def test_metric_reaches_the_target(grading: CheckContext, partial_credit) -> None:
    """The metric reaches the target"""
    metric, target = grading.rubric.metric, grading.target
    assert grading.metric is not None, f"No {_name(metric)}: {grading.prediction_summary}"
    name = grading.credit_baseline
    baseline = grading.baselines[name][metric]
    value = grading.metric
    if not grading.better(value, target) and value != target:
        # linear from the baseline (0) to the target (1); nothing at or below the baseline
        fraction = (value - baseline) / (target - baseline) if grading.better(target, baseline) else 0.0
    else:
        fraction = 1.0
    fraction = min(1.0, max(0.0, fraction))
    comparison = "beats" if grading.better(value, baseline) else "does not beat"
    message = f"{_name(metric)} {value:.4f}: {comparison} the {_label(name)} baseline {baseline:.4f}; full marks from {target:.4f}"
    if grading.reference is not None:
        message += f"; the reference reaches {grading.reference.mean:.4f}"
    message += "."
    if 0.0 < fraction < 1.0:
        message += f" Partial credit: {fraction:.0%} of the way from the baseline to the target."
    elif fraction == 0.0:
        message += f" Credit starts above the {_label(name)} baseline: the model must learn more than it knows."
    assert fraction > 0.0, message
    partial_credit.award(fraction, message)
