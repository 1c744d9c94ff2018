"""The homework on MovieLens 100K, end to end through the grader: both solutions earn full marks
and clear the baselines by a margin, the untouched templates are graded (exit 0) with nothing on
the model checks (a notebook holding both parts is graded for each part in
tests/integration/test_homework_synthetic.py, where it costs seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading import GradingOptions, GradingSession

pytestmark = [pytest.mark.movielens, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graded(movielens_dir: Path) -> dict:
    paths = {
        "explicit solution": REPO / "solutions" / "explicit_feedback.ipynb",
        "sequence solution": REPO / "solutions" / "implicit_sequence.ipynb",
        "explicit template": REPO / "assignment" / "explicit_feedback.ipynb",
        "sequence template": REPO / "assignment" / "implicit_sequence.ipynb",
    }
    with GradingSession(GradingOptions(dataset="movielens", data_dir=movielens_dir)) as session:
        return {name: session.grade(path) for name, path in paths.items()}


@pytest.mark.parametrize("name", ["explicit solution", "sequence solution"])
def test_solutions_earn_full_marks(graded, name: str) -> None:
    report = graded[name]
    assert report.score == report.max_score == 20, [t.output for _, t in report.named_tests()]
    assert not report.flags, report.flags


def test_explicit_solution_clears_the_baselines_by_a_margin(graded) -> None:
    part = graded["explicit solution"].parts[0]
    rmse = part.metrics["rmse"]
    assert rmse < part.baselines["global_mean"]["rmse"] - 0.15
    assert rmse < part.baselines["user_item_biases"]["rmse"] - 0.03


def test_sequence_solution_clears_popularity_by_a_margin(graded) -> None:
    part = graded["sequence solution"].parts[0]
    assert part.metrics["mrr"] > 2.5 * part.baselines["popularity"]["mrr"]
    assert part.metrics["hr@10"] > 2 * part.baselines["popularity"]["hr@10"]


@pytest.mark.parametrize("name", ["explicit template", "sequence template"])
def test_templates_earn_nothing_on_the_model_checks(graded, name: str) -> None:
    report = graded[name]
    assert report.error is None
    model_points = [t.score for n, t in report.named_tests() if n != "The notebook ran to the end"]
    assert model_points and sum(model_points) == 0
    assert not report.flags, report.flags
