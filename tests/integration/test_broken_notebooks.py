"""Honest mistakes: each is reported in plain words with the cell where it happened, graded as far
as it can be, and never stops the other submissions of the batch."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from grader.batch import grade_batch
from grader.grading import GradingSession
from grader.reports.formats import render_gradebook

from sample_notebooks import broken_notebooks, malformed_files, write

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory, fast_options):
    """Every broken notebook and malformed file, graded in one parallel batch."""
    folder = tmp_path_factory.mktemp("broken")
    paths = {name: write(folder, name, nb) for name, nb in broken_notebooks().items()}
    paths.update(malformed_files(folder / "malformed"))
    options = replace(fast_options, jobs=2)
    with GradingSession(options) as session:
        reports = grade_batch(list(paths.values()), options, session, progress=False)
    return {name: report for name, report in zip(paths, reports)}


def _tests(report) -> dict:
    return {test.name: test for test in report.parts[0].tests}


def _valid(report):
    return _tests(report)["The graded function returns valid predictions"]


def test_error_midway_later_cells_still_run(graded) -> None:
    report = graded["error_midway"]
    record = report.parts[0].execution
    assert record.cells_run == 3 and [p.describe() for p in record.errors] == ["cell 2: ValueError: oops in the middle"]
    assert report.score == report.max_score  # the model defined after the error is graded normally


def test_infinite_loop_is_interrupted_and_grading_goes_on(graded) -> None:
    report = graded["infinite_loop"]
    record = report.parts[0].execution
    assert record.problems[0].kind == "timeout" and record.problems[0].cell == 1
    assert record.kernel_died is None and _valid(report).score == _valid(report).max_score


def test_kernel_exit_is_explained(graded) -> None:
    report = graded["kernel_exit"]
    assert "exited with code 3" in report.parts[0].execution.kernel_died
    assert _tests(report)["The notebook ran to the end"].score == 0
    assert "could not be called" in _valid(report).output and report.score == 0


def test_huge_output_stops_the_kernel_without_growing_the_report(graded) -> None:
    report = graded["huge_output"]
    assert "printed more than 32 MB" in report.parts[0].execution.kernel_died or "at once" in report.parts[0].execution.kernel_died
    assert len(json.dumps(report.to_json())) < 100_000


def test_chatty_output_is_truncated_but_graded(graded) -> None:
    report = graded["chatty"]
    assert report.parts[0].execution.output_truncated
    assert report.score == report.max_score


@pytest.mark.parametrize(
    "name, words",
    [
        ("nan_predictions", "NaN"),
        ("infinite_predictions", "infinite"),
        ("wrong_shape", "shape"),
        ("strings", "returned values of type <U1"),
        ("missing_function", "does not define predict_ratings"),
        ("misnamed_function", "does not define predict_ratings"),
        ("raising_function", "raised KeyError"),
        ("slow_function", "did not finish within 6 s"),
    ],
)
def test_invalid_predictions_score_zero_and_say_why(graded, name: str, words: str) -> None:
    report = graded[name]
    assert words in _valid(report).output
    assert _valid(report).score == 0
    assert report.score == _tests(report)["The notebook ran to the end"].score


def test_constant_predictions_are_valid_but_earn_no_model_points(graded) -> None:
    tests = _tests(graded["constant"])
    assert tests["The graded function returns valid predictions"].score == 2
    assert tests["The metric beats the baseline"].score == 0 and tests["The metric reaches the target"].score == 0


@pytest.mark.parametrize("name", ["other_kernel", "list_output"])
def test_harmless_differences_are_graded_normally(graded, name: str) -> None:
    assert _valid(graded[name]).score == _valid(graded[name]).max_score


def test_other_kernel_name_is_noted(graded) -> None:
    assert any("conda-env-recsys-py" in note for note in graded["other_kernel"].notes)


@pytest.mark.parametrize(
    "name, words",
    [
        ("binary", "binary file"),
        ("empty", "empty"),
        ("not_a_notebook", "not a Jupyter notebook"),
        ("invalid_schema", "does not follow the notebook format"),
        ("python_script", "Python script"),
        ("directory", "is a folder"),
        ("missing", "does not exist"),
    ],
)
def test_malformed_files_get_a_row_with_the_reason(graded, name: str, words: str) -> None:
    report = graded[name]
    assert words in report.error and report.parts == [] and report.score == 0


def test_the_gradebook_has_every_submission(graded) -> None:
    gradebook = render_gradebook(list(graded.values()))
    assert len(gradebook.strip().splitlines()) == 1 + len(graded)


def test_same_notebook_twice_same_grade(fast_options, tmp_path: Path) -> None:
    path = write(tmp_path, "honest", broken_notebooks()["other_kernel"])
    with GradingSession(fast_options) as session:
        first, second = session.grade(path), session.grade(path)
    assert first.score == second.score and first.metrics() == second.metrics()
