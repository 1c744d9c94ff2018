"""The homework notebooks through the grader on the synthetic dataset, under a secret partition
seed (so a secret id space: the homework must not depend on raw ids): the solutions earn full
marks, the untouched templates run end to end and earn nothing on the model checks, and a
notebook holding both solutions is graded for each part (MovieLens's figures are in
tests/real_data/test_homework_movielens.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.grading import GradingSession

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = ["explicit_feedback.ipynb", "implicit_sequence.ipynb"]


@pytest.fixture(scope="module")
def session(fast_options):
    from dataclasses import replace

    with GradingSession(replace(fast_options, cell_timeout=None, predict_timeout=60, split_seed=918273)) as graded:
        yield graded


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_solution_earns_full_marks(session, name: str) -> None:
    report = session.grade(REPO / "solutions" / name)
    part = report.parts[0]
    assert report.score == report.max_score, [t.output for t in part.tests]
    assert not part.execution.errors, part.execution.summary()
    baseline = part.baselines["global_mean" if part.metric == "rmse" else "popularity"][part.metric]
    value = part.metrics[part.metric]
    assert (value < baseline - 0.1) if part.metric == "rmse" else (value > 2 * baseline)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_untouched_template_runs_and_earns_nothing_on_the_model(session, name: str) -> None:
    path = REPO / "assignment" / name
    report = session.grade(path)
    part = report.parts[0]
    tests = {test.name: test for test in part.tests}
    assert tests["The notebook ran to the end"].score == tests["The notebook ran to the end"].max_score
    assert sum(t.score for n, t in tests.items() if n != "The notebook ran to the end") == 0
    # Only the cells holding stubs fail, each with NotImplementedError naming its task.
    template = nbformat.read(path, as_version=4)
    stub_cells = {i + 1 for i, cell in enumerate(template.cells) if "YOUR CODE HERE" in cell.source}
    assert part.execution.cells_run == part.execution.code_cells
    for problem in part.execution.problems:
        assert problem.cell in stub_cells, problem.describe()
        assert problem.message.startswith("NotImplementedError: Task ")
    assert {p.cell for p in part.execution.problems} <= stub_cells


def test_notebook_with_both_parts_is_graded_for_each(session, tmp_path: Path) -> None:
    explicit, sequence = (nbformat.read(REPO / "solutions" / name, as_version=4) for name in NOTEBOOKS)
    combined = nbformat.v4.new_notebook(cells=explicit.cells + sequence.cells, metadata={"kernelspec": explicit.metadata.kernelspec})
    nbformat.write(combined, tmp_path / "both_parts.ipynb")
    report = session.grade(tmp_path / "both_parts.ipynb")
    assert [part.part for part in report.parts] == ["explicit", "sequence"]
    assert [(record.score, record.max_score) for record in report.by_part()] == [(20, 20), (20, 20)]
    other_part = [p for part in report.parts for p in part.execution.problems if p.kind == "other part"]
    assert other_part, "cells needing the other part's data are recognised, not blamed"
