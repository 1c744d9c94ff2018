"""The rubric rewards learning, on MovieLens 100K: the provided user+item biases in four lines and
a ten-line table of which movie follows which earn little of the model points, while the
template's required tasks solved honestly (the solution without its optional blend) earn full
marks. Graded under a secret seed, as official grading is (the solutions are graded under the
default one in test_homework_movielens.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.batch import grade_batch
from grader.grading import GradingOptions, GradingSession
from grader.instructor.templates import core_tasks

pytestmark = [pytest.mark.movielens, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
TARGET = "The metric reaches the target"
SECRET_SEED = 271828182845904523536028747135266249775

FOUR_LINE_BIASES = """
from grader.baselines import UserItemBiases
from grader.data import load_public
model = UserItemBiases().fit(load_public("explicit"))
predict_ratings = lambda user_ids, item_ids: model.predict_ratings(user_ids, item_ids)
"""

COUNT_TABLE = """
import numpy as np
from grader.data import load_public
data = load_public("sequence")
order = np.lexsort((data.timestamps, data.user_ids))
users, items = data.user_ids[order], data.item_ids[order]
follows = np.zeros((data.num_items, data.num_items))
same_user = users[1:] == users[:-1]
np.add.at(follows, (items[:-1][same_user], items[1:][same_user]), 1.0)
def predict_next(sequences):
    return follows[sequences[:, -1]]
"""


def _one_cell(source: str, part: str) -> nbformat.NotebookNode:
    return new_notebook(cells=[new_code_cell(source.strip())], metadata={"grader": {"part": part}})


@pytest.fixture(scope="module")
def graded(movielens_dir: Path, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("rubric")
    notebooks = {  # the longest first, so that two kernels share the work evenly
        "sequence core tasks": core_tasks(nbformat.read(REPO / "solutions" / "implicit_sequence.ipynb", as_version=4), "sequence"),
        "explicit core tasks": core_tasks(nbformat.read(REPO / "solutions" / "explicit_feedback.ipynb", as_version=4), "explicit"),
        "biases": _one_cell(FOUR_LINE_BIASES, "explicit"),
        "count table": _one_cell(COUNT_TABLE, "sequence"),
    }
    paths = []
    for name, notebook in notebooks.items():
        paths.append(folder / f"{name.replace(' ', '_')}.ipynb")
        nbformat.write(notebook, paths[-1])
    options = GradingOptions(dataset="movielens", data_dir=movielens_dir, jobs=2, split_seed=SECRET_SEED)
    with GradingSession(options) as session:
        return dict(zip(notebooks, grade_batch(paths, options, session, progress=False)))


def _tests(report) -> dict:
    return {test.name: test for test in report.parts[0].tests}


@pytest.mark.parametrize("name", ["biases", "count table"])
def test_simple_counts_land_well_below_full_marks(graded, name: str) -> None:
    report = graded[name]
    tests = _tests(report)
    assert tests["The graded function returns valid predictions"].score == 2, tests
    assert tests["The metric beats the baseline"].score == 2, "they do beat the weak baseline"
    assert tests[TARGET].score <= 0.25 * tests[TARGET].max_score, tests[TARGET].output
    assert report.score <= 0.45 * report.max_score


def test_the_strong_baseline_is_the_zero_of_partial_credit(graded) -> None:
    output = _tests(graded["biases"])[TARGET].output
    assert "user item biases baseline" in output and "Credit starts above the user item biases baseline" in output


@pytest.mark.parametrize("name", ["explicit core tasks", "sequence core tasks"])
def test_the_required_tasks_solved_honestly_earn_full_marks(graded, name: str) -> None:
    report = graded[name]
    assert report.score == report.max_score == 20, [t.output for t in report.parts[0].tests]
    assert not report.flags, report.flags
    assert not report.parts[0].execution.errors, report.parts[0].execution.summary()
