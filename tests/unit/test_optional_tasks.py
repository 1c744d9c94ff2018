"""Optional tasks in the templates: their top-level stubs print a note instead of raising, so Run
All goes on, and the core-task notebook (every required task done, no optional one) is what
the rubric's targets are set for."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.instructor.templates import core_tasks, strip_solutions

REPO = Path(__file__).resolve().parents[2]
OPTIONAL = {"explicit_feedback.ipynb": "Task 5: the item autoencoder", "implicit_sequence.ipynb": "Task 4: item neighbours"}


def test_top_level_optional_stub_prints_a_note_and_indented_ones_raise() -> None:
    source = (
        "def f():\n    ### BEGIN OPTIONAL SOLUTION (Task 5: extra)\n    return 1\n    ### END SOLUTION\n\n"
        "### BEGIN OPTIONAL SOLUTION (Task 5: extra)\nx = f()\n### END SOLUTION"
    )
    stripped, regions = strip_solutions(source, "nb, cell 1")
    assert regions == 2
    assert '    raise NotImplementedError("Task 5: extra: not done yet")' in stripped
    assert stripped.endswith('# YOUR CODE HERE (optional)\nprint("Task 5: extra (optional): not done, skipped")')
    exec(compile(stripped, "template", "exec"), {})  # the stub runs without raising


def test_only_optional_regions_are_stubbed_for_the_core_tasks() -> None:
    source = "### BEGIN SOLUTION (Task 1: core)\na = 1\n### END SOLUTION\n### BEGIN OPTIONAL SOLUTION (Task 2: extra)\nb = 2\n### END SOLUTION"
    stripped, regions = strip_solutions(source, "nb, cell 1", optional_only=True)
    assert regions == 1
    assert stripped == 'a = 1\n# YOUR CODE HERE (optional)\nprint("Task 2: extra (optional): not done, skipped")'


@pytest.mark.parametrize("name", sorted(OPTIONAL))
def test_the_homework_marks_its_optional_task_and_the_core_notebook_skips_only_it(name: str) -> None:
    solution = nbformat.read(REPO / "solutions" / name, as_version=4)
    core = core_tasks(solution, name)
    sources = "\n".join(cell.source for cell in core.cells if cell.cell_type == "code")
    assert f'print("{OPTIONAL[name]} (optional): not done, skipped")' in sources
    assert "BEGIN" not in sources and "NotImplementedError(\"Task" in sources  # only the optional class stubs raise
    template = nbformat.read(REPO / "assignment" / name, as_version=4)
    top_level_raises = [
        line for cell in template.cells if cell.cell_type == "code" for line in cell.source.splitlines()
        if line.startswith("raise NotImplementedError") and OPTIONAL[name] in line
    ]
    assert top_level_raises == [], "an optional task's top-level stub must not stop Run All"
