"""The rubric from strong baselines: points for beating the weak baseline, partial credit from the
strong one (0) to the target (full), and the checks' messages that point at a cause."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.baselines import ItemTransitions
from grader.checks.context import CheckContext
from grader.checks.plugin import run_checks
from grader.config import BASELINES as CONFIGURED_BASELINES
from grader.config import ConfigError, load_config
from grader.contract import missing_function_message
from grader.data import Interactions
from grader.data.assignment import HiddenRatings
from grader.execution.record import CellProblem, ExecutionRecord
from grader.parts import REGISTRY

RATINGS = {"global_mean": {"rmse": 1.12}, "user_item_biases": {"rmse": 0.944}}
TARGET = "The metric reaches the target"
VALID = "The graded function returns valid predictions"


def _context(rmse: float | None, target: float = 0.93, baselines=RATINGS, error: str | None = None, record=None) -> CheckContext:
    empty = np.zeros(0, dtype=np.int64)
    return CheckContext(
        part="explicit", rubric=load_config().parts["explicit"], target=target,
        execution=record or ExecutionRecord(code_cells=3, cells_run=3, code_cell_positions=[1, 2, 3]),
        predictions=None if rmse is None else np.zeros(2), prediction_error=error,
        metrics=None if rmse is None else {"rmse": rmse}, baselines=baselines, reference=None,
        hidden=HiddenRatings(empty, empty, np.zeros(0)), public=Interactions(empty, empty, empty, empty, 944, 1683),
    )


def _results(context: CheckContext) -> dict:
    return {result.name: result for result in run_checks(context)}


def test_the_packaged_rubric_starts_credit_at_the_strong_baselines() -> None:
    config = load_config()
    assert (config.parts["explicit"].baseline, config.parts["explicit"].strong_baseline) == ("global_mean", "user_item_biases")
    assert (config.parts["sequence"].baseline, config.parts["sequence"].strong_baseline) == ("popularity", "item_transitions")
    assert {name: tuple(part.baselines) for name, part in REGISTRY.items()} == CONFIGURED_BASELINES


def test_the_bias_baseline_gets_the_beats_points_and_no_model_points() -> None:
    results = _results(_context(0.944))
    assert results["The metric beats the baseline"].score == 2
    assert results[TARGET].score == 0
    assert "does not beat the user item biases baseline 0.9440" in results[TARGET].output
    assert "Credit starts above the user item biases baseline" in results[TARGET].output


def test_partial_credit_is_linear_from_the_strong_baseline_to_the_target() -> None:
    target = _results(_context(0.937))[TARGET]  # halfway from 0.944 to 0.93
    assert target.status == "partial" and target.score == pytest.approx(7.5)
    assert "RMSE 0.9370: beats the user item biases baseline 0.9440; full marks from 0.9300" in target.output


def test_where_the_strong_baseline_reaches_the_target_credit_starts_at_the_weak_one() -> None:
    synthetic = {"global_mean": {"rmse": 1.01}, "user_item_biases": {"rmse": 0.87}}
    target = _results(_context(0.955, target=0.90, baselines=synthetic))[TARGET]
    assert target.score == pytest.approx(15 * (1.01 - 0.955) / (1.01 - 0.90), abs=0.01)
    assert "the global mean baseline 1.0100" in target.output


def test_a_metric_worse_than_the_weak_baseline_suggests_shifted_ids() -> None:
    message = _results(_context(1.357))["The metric beats the baseline"].output
    assert "check the ids: users are 1..943 and items 1..1682" in message


def test_a_function_never_reached_blames_the_timeout_not_its_spelling() -> None:
    record = ExecutionRecord(code_cells=3, cells_run=2, notebook_timed_out=True, seconds=900, code_cell_positions=[1, 2, 3],
                             problems=[CellProblem(2, "timeout", "ran past its time limit and was interrupted")])
    results = _results(_context(None, error=missing_function_message("predict_ratings"), record=record))
    assert results[VALID].output.startswith("predict_ratings was never defined: The notebook ran out of time (900 s) in code cell 2 of 3")
    assert "spelled exactly so" not in results[VALID].output
    assert results["The notebook ran to the end"].output == record.ran_out_of_time()


def test_a_missing_function_names_the_first_failing_cell() -> None:
    record = ExecutionRecord(code_cells=3, cells_run=3, code_cell_positions=[1, 2, 3], problems=[CellProblem(3, "error", "SyntaxError: invalid syntax")])
    output = _results(_context(None, error=missing_function_message("predict_ratings"), record=record))[VALID].output
    assert output.endswith("The first cell that failed, code cell 3 of 3 (SyntaxError: invalid syntax), is the likely cause: fix it first.")


@pytest.mark.parametrize(
    "text, words",
    [
        ("strong_baseline='popularity'", "strong_baseline must be one of"),
        ("strong_baseline='item_transitions'", "strong_baseline must be one of"),
    ],
)
def test_a_bad_strong_baseline_names_the_file_and_key(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "[partition]\nseed = 1\n"
        f"[explicit]\nmetric='rmse'\nbaseline='global_mean'\n{text}\ntarget=0.93\npoints={{ran=1,valid=1,beats_baseline=1,target=7}}\n"
    )
    with pytest.raises(ConfigError, match=words) as raised:
        load_config(path)
    assert f"{path} [explicit] strong_baseline" in str(raised.value)


def test_item_transitions_follow_the_last_item_and_rule_out_the_input() -> None:
    history = Interactions(
        user_ids=np.array([1, 1, 1, 2, 2, 2]), item_ids=np.array([1, 2, 3, 1, 2, 4]), ratings=np.ones(6),
        timestamps=np.array([10, 20, 30, 10, 20, 30]), num_users=3, num_items=6,
    )
    scores = ItemTransitions().fit(history).predict_next(np.array([[0, 1, 2], [0, 0, 5]]))
    assert scores.shape == (2, 6) and np.isfinite(scores).all()
    assert scores[0, 3] > scores[0, 5] and scores[0, 4] > scores[0, 5]  # 3 and 4 followed 2; 5 never did
    assert scores[0, 1] < 0 and scores[0, 2] < 0 and scores[0, 0] < 0  # the input and padding are ruled out
    assert scores[1].argmax() in (1, 2)  # nothing followed 5: popularity decides
