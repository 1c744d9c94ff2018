"""The hidden checks and their pytest plugin, on fabricated results (no kernel involved)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.checks.context import CheckContext
from grader.checks.plugin import run_checks
from grader.config import load_config
from grader.data import Interactions
from grader.data.assignment import HiddenRatings
from grader.execution.record import ExecutionRecord
from grader.references import Reference

BASELINES = {"global_mean": {"rmse": 1.12}, "user_item_biases": {"rmse": 0.95}}


def _context(rmse: float | None, error: str | None = None, record: ExecutionRecord | None = None, reference=None) -> CheckContext:
    empty = np.zeros(0, dtype=np.int64)
    return CheckContext(
        part="explicit",
        rubric=load_config().parts["explicit"],
        target=0.94,
        execution=record or ExecutionRecord(code_cells=3, cells_run=3),
        predictions=None if rmse is None else np.zeros(2),
        prediction_error=error,
        metrics=None if rmse is None else {"rmse": rmse},
        baselines=BASELINES,
        reference=reference,
        hidden=HiddenRatings(empty, empty, np.zeros(0)),
        public=Interactions(empty, empty, empty, empty, 1, 1),
    )


def _by_name(results):
    return {result.name: result for result in results}


def test_a_strong_model_earns_every_point() -> None:
    results = _by_name(run_checks(_context(0.90, reference=Reference(0.895, 0.002, (0.893, 0.895, 0.897)))))
    assert sum(r.score for r in results.values()) == sum(r.max_score for r in results.values()) == 20
    assert "the reference reaches 0.8950" in results["The metric reaches the target"].output


def test_partial_credit_is_linear_from_the_strong_baseline_to_target() -> None:
    results = _by_name(run_checks(_context(0.945)))  # halfway from the biases' 0.95 to 0.94
    target = results["The metric reaches the target"]
    assert target.status == "partial" and target.score == pytest.approx(7.5)
    assert "RMSE 0.9450: beats the user item biases baseline 0.9500; full marks from 0.9400" in target.output
    assert "50%" in target.output


def test_baseline_level_earns_nothing_for_the_model() -> None:
    results = _by_name(run_checks(_context(1.12)))
    assert results["The metric beats the baseline"].score == 0
    assert results["The metric reaches the target"].score == 0
    assert "does not beat" in results["The metric reaches the target"].output


def test_invalid_predictions_lose_the_model_points_with_the_reason() -> None:
    results = _by_name(run_checks(_context(None, error="predict_ratings raised ValueError: boom\nTraceback ...")))
    assert results["The notebook ran to the end"].score == 1
    valid = results["The graded function returns valid predictions"]
    assert valid.score == 0 and "ValueError: boom" in valid.output
    assert results["The metric reaches the target"].output == "No RMSE: predict_ratings raised ValueError: boom"


def test_dead_kernel_fails_the_ran_check() -> None:
    record = ExecutionRecord(code_cells=3, cells_run=1, kernel_died="The kernel crashed (SIGSEGV).")
    results = _by_name(run_checks(_context(None, error="x", record=record)))
    assert results["The notebook ran to the end"].output == "The kernel crashed (SIGSEGV)."


def test_instructor_checks_are_added_with_their_points(tmp_path: Path) -> None:
    (tmp_path / "test_extra.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.points(3)\n"
        "def test_close_to_biases(metrics, baselines):\n"
        "    '''Within 0.05 of the bias baseline'''\n"
        "    assert metrics['rmse'] < baselines['user_item_biases']['rmse'] + 0.05, 'too far'\n\n"
        "@pytest.mark.points(2)\n@pytest.mark.part('sequence')\n"
        "def test_only_for_part_two():\n    assert False\n\n"
        "@pytest.mark.points(1)\n"
        "def test_broken_check(metrics):\n    return metrics['nope']\n"
    )
    results = _by_name(run_checks(_context(0.97), [tmp_path]))
    assert results["Within 0.05 of the bias baseline"].score == 3
    assert "Only for part two" not in results  # restricted to Part 2
    broken = results["Broken check"]
    assert broken.status == "error" and broken.score == 0 and "tell your instructor" in broken.output


def test_checks_do_not_read_the_host_project_configuration() -> None:
    """Running inside this repository (whose pytest config has --strict-markers) must not break them."""
    assert len(run_checks(_context(0.90))) == 4
