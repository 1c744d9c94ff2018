"""Run All never stops at an optional task: each template with its required tasks done (the
solution with only its optional tasks stubbed) runs with nbclient, errors not allowed, through
the graded function and its self-check, on the synthetic dataset."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grader.instructor.templates import core_tasks

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
GRADED = {"explicit_feedback.ipynb": "def predict_ratings(", "implicit_sequence.ipynb": "def predict_next("}
OPTIONAL_NOTE = {"explicit_feedback.ipynb": "Task 5: the item autoencoder (optional): not done, skipped",
                 "implicit_sequence.ipynb": "Task 4: item neighbours (optional): not done, skipped"}


def _printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs)


@pytest.mark.parametrize("name", sorted(GRADED))
def test_required_tasks_done_run_all_reaches_the_self_check(name: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRADER_DATASET", "synthetic")
    notebook = core_tasks(nbformat.read(REPO / "solutions" / name, as_version=4), name)
    graded = next(index for index, cell in enumerate(notebook.cells) if GRADED[name] in cell.source)
    notebook.cells = notebook.cells[: graded + 1]
    NotebookClient(notebook, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = _printed(notebook)
    assert OPTIONAL_NOTE[name] in printed
    assert "Self-check on your validation split" in printed
