"""Templates are generated from the solutions: markers become stubs, outputs go, the part is named,
and the committed templates are exactly what the generator makes."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from grader.instructor.templates import TemplateError, generate_templates, strip_solutions

REPO = Path(__file__).resolve().parents[2]


def test_region_becomes_an_indented_stub_naming_the_task() -> None:
    source = "def f():\n    x = 1\n    ### BEGIN SOLUTION (Task 3: the model)\n    return 2\n    ### END SOLUTION\nprint(1)"
    stripped, regions = strip_solutions(source, "nb, cell 1")
    assert regions == 1
    assert stripped == 'def f():\n    x = 1\n    # YOUR CODE HERE\n    raise NotImplementedError("Task 3: the model: not done yet")\nprint(1)'


def test_unnamed_region_gets_a_generic_name() -> None:
    stripped, _ = strip_solutions("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "c")
    assert "this task: not done yet" in stripped


@pytest.mark.parametrize(
    "source, words",
    [
        ("### BEGIN SOLUTION\nx = 1", "without an END"),
        ("x = 1\n### END SOLUTION", "without a BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_malformed_markers_name_the_cell_and_line(source: str, words: str) -> None:
    with pytest.raises(TemplateError, match=words) as raised:
        strip_solutions(source, "explicit_feedback.ipynb, cell 4")
    assert "cell 4" in str(raised.value)


@pytest.mark.skipif(not (REPO / "solutions").is_dir(), reason="needs the repository's solutions/ folder")
def test_committed_templates_are_exactly_what_the_generator_makes(tmp_path: Path) -> None:
    generated = generate_templates(REPO / "solutions", tmp_path)
    assert [p.name for p in generated] == sorted(p.name for p in (REPO / "assignment").glob("*.ipynb"))
    for path in generated:
        committed = REPO / "assignment" / path.name
        assert path.read_text() == committed.read_text(), f"assignment/{path.name} is stale: run `grader templates`"


@pytest.mark.skipif(not (REPO / "assignment").is_dir(), reason="needs the repository's assignment/ folder")
@pytest.mark.parametrize("name, part", [("explicit_feedback.ipynb", "explicit"), ("implicit_sequence.ipynb", "sequence")])
def test_templates_are_clean_and_name_their_part(name: str, part: str) -> None:
    template = nbformat.read(REPO / "assignment" / name, as_version=4)
    assert template.metadata["grader"]["part"] == part
    code = [cell for cell in template.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert not any("BEGIN SOLUTION" in cell.source or "END SOLUTION" in cell.source for cell in template.cells)
    assert sum("YOUR CODE HERE" in cell.source for cell in code) >= 5


def test_solutions_without_regions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "solutions").mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")], metadata={"grader": {"part": "explicit"}}), tmp_path / "solutions" / "a.ipynb")
    with pytest.raises(TemplateError, match="no ### BEGIN SOLUTION"):
        generate_templates(tmp_path / "solutions", tmp_path / "assignment")
