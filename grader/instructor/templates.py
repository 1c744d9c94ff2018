"""Generate the student templates (``assignment/``) from the solution notebooks (``solutions/``).

In a solution, code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines is the answer;
the BEGIN line may name the task in parentheses: ``### BEGIN SOLUTION (Task 2: the model)``. In
the template each region becomes a ``# YOUR CODE HERE`` stub that raises NotImplementedError
naming the task, outputs are cleared, and the metadata names the part, so the solutions stay
the single source of truth.

An optional task's regions start with ``### BEGIN OPTIONAL SOLUTION``. Inside a function their
stub raises like any other; at the top level of a cell it prints a note instead, so that Run
All goes on past an optional task left undone (the code after it must not need it).
:func:`core_tasks` gives what a student who did every required task and no optional one hands
in: the solution with only its optional regions stubbed.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN (?P<optional>OPTIONAL )?SOLUTION(?:\s*\((?P<task>[^)]*)\))?\s*$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
PART_BY_FILE = {"explicit_feedback.ipynb": "explicit", "implicit_sequence.ipynb": "sequence"}


class TemplateError(ValueError):
    """A solution notebook's markers are malformed; the message names the notebook and the cell."""


def _stub(indent: str, task: str, optional: bool) -> list[str]:
    """The lines that replace one solution region."""
    if optional and not indent:
        return ["# YOUR CODE HERE (optional)", f'print("{task} (optional): not done, skipped")']
    return [f"{indent}# YOUR CODE HERE", f'{indent}raise NotImplementedError("{task}: not done yet")']


def strip_solutions(source: str, where: str, optional_only: bool = False) -> tuple[str, int]:
    """Replace each solution region of a cell's source by a stub; return the source and the region count.

    With ``optional_only`` only the regions of optional tasks are replaced (the others keep
    their code, without the marker lines).
    """
    lines, regions, inside = [], 0, None
    for number, line in enumerate(source.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if inside is not None:
                raise TemplateError(f"{where}, line {number}: BEGIN SOLUTION inside another solution region.")
            inside = begin
            continue
        if end:
            if inside is None:
                raise TemplateError(f"{where}, line {number}: END SOLUTION without a BEGIN SOLUTION.")
            optional = bool(inside["optional"])
            if optional or not optional_only:
                lines += _stub(inside["indent"], (inside["task"] or "this task").strip(), optional)
                regions += 1
            inside = None
            continue
        if inside is None or (optional_only and not inside["optional"]):
            lines.append(line)
    if inside is not None:
        raise TemplateError(f"{where}: BEGIN SOLUTION without an END SOLUTION.")
    return "\n".join(lines), regions


def make_template(solution: nbformat.NotebookNode, name: str, part: str) -> nbformat.NotebookNode:
    """The student version of a solution notebook."""
    template = nbformat.from_dict(solution)
    total = 0
    for index, cell in enumerate(template.cells):
        if cell.cell_type != "code":
            continue
        cell.source, regions = strip_solutions(cell.source, f"{name}, cell {index + 1}")
        total += regions
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    if total == 0:
        raise TemplateError(f"{name} has no ### BEGIN SOLUTION region: nothing for students to do.")
    template.metadata.setdefault("grader", {})["part"] = part
    return template


def core_tasks(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A solution with only its optional tasks stubbed: every required task done, no optional one.

    What a student who skips the optional tasks hands in; the rubric's targets are set so that
    it earns full marks.
    """
    notebook = nbformat.from_dict(solution)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            cell.source, _ = strip_solutions(cell.source, f"{name}, cell {index + 1}", optional_only=True)
    return notebook


def generate_templates(solutions: str | Path = "solutions", assignment: str | Path = "assignment") -> list[Path]:
    """Write one template per solution notebook; return the written paths.

    The part of each notebook comes from its ``grader.part`` metadata, else from its file name.
    """
    solutions, assignment = Path(solutions), Path(assignment)
    notebooks = sorted(solutions.glob("*.ipynb"))
    if not notebooks:
        raise TemplateError(f"No solution notebooks (*.ipynb) in {solutions}.")
    assignment.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        solution = nbformat.read(path, as_version=4)
        part = solution.metadata.get("grader", {}).get("part") or PART_BY_FILE.get(path.name)
        if part is None:
            raise TemplateError(f"{path}: set metadata grader.part to 'explicit' or 'sequence'.")
        target = assignment / path.name
        nbformat.write(make_template(solution, path.name, part), target)
        written.append(target)
    return written
