"""Reading a submitted file as a notebook, and telling which part(s) it is for.

Every way a file can fail to be a gradable notebook ends in a :class:`SubmissionError` whose
message says what is wrong and what to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.data.assignment import PARTS

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
DEFINITIONS = {
    "explicit": re.compile(r"^(def\s+predict_ratings\s*\(|predict_ratings\s*=)", re.MULTILINE),
    "sequence": re.compile(r"^(def\s+predict_next\s*\(|predict_next\s*=)", re.MULTILINE),
}


class SubmissionError(ValueError):
    """The file cannot be graded as a notebook; the message is for the student."""


@dataclass
class Submission:
    """A readable notebook and the parts it will be graded for."""

    path: Path
    notebook: nbformat.NotebookNode
    parts: list[str]
    notes: list[str] = field(default_factory=list)


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """Parse and validate a notebook file; return it (as nbformat 4) and notes about conversions."""
    if not path.exists():
        raise SubmissionError(f"{path} does not exist. Check the file name.")
    if path.is_dir():
        raise SubmissionError(f"{path} is a folder, not a notebook. Submit the .ipynb file itself.")
    size = path.stat().st_size
    if size == 0:
        raise SubmissionError(f"{path} is empty (0 bytes). Save the notebook in Jupyter and submit it again.")
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"{path} is {size / 2**20:.0f} MB, more than the {MAX_NOTEBOOK_BYTES // 2**20} MB limit. Clear the "
            f"outputs (Kernel > Restart Kernel and Clear All Outputs), save, and submit again."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path} is a binary file, not a notebook. Submit the .ipynb file saved by Jupyter.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        hint = " It looks like a Python script: submit the .ipynb notebook instead." if re.search(r"^(import|from|def) ", text, re.MULTILINE) else ""
        raise SubmissionError(
            f"{path} is not a notebook: it is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).{hint}"
        ) from None
    if not isinstance(document, dict) or "nbformat" not in document or not ("cells" in document or "worksheets" in document):
        raise SubmissionError(f"{path} is JSON but not a Jupyter notebook (it has no 'nbformat' and 'cells'). Submit the .ipynb file.")
    notes = []
    version = document.get("nbformat")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several types for unreadable documents
        raise SubmissionError(
            f"{path} does not follow the notebook format (nbformat {version}): {error}. Open it in Jupyter, "
            f"save it, and submit again."
        ) from None
    if version != 4:
        notes.append(f"The notebook was converted from nbformat {version} to 4 before grading.")
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise SubmissionError(
            f"{path} does not follow the notebook format: {error.message}. Open it in Jupyter, save it, and submit again."
        ) from None
    language = (notebook.metadata.get("kernelspec", {}).get("language") or notebook.metadata.get("language_info", {}).get("name") or "python")
    if str(language).lower() != "python":
        raise SubmissionError(f"{path} is a {language} notebook; this homework must be written in Python.")
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    if kernel and kernel not in ("python3", "python"):
        notes.append(f"The notebook names the kernel '{kernel}'; it was run with the grader's Python kernel.")
    return notebook, notes


def detect_parts(notebook: nbformat.NotebookNode, requested: str | None) -> list[str]:
    """The parts to grade: from the notebook's metadata, else ``requested``, else its definitions."""
    declared = notebook.metadata.get("grader", {}).get("part")
    if declared in PARTS:
        return [declared]
    if requested:
        return [requested]
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    return [part for part in PARTS if DEFINITIONS[part].search(code)]


def read_submission(path: str | Path, requested_part: str | None = None) -> Submission:
    """Read ``path`` and decide its parts; raise SubmissionError when it cannot be graded."""
    path = Path(path)
    notebook, notes = read_notebook(path)
    parts = detect_parts(notebook, requested_part)
    if requested_part and parts != [requested_part]:
        notes.append(f"The notebook's metadata names part '{parts[0]}'; --part {requested_part} was not used.")
    if not parts:
        raise SubmissionError(
            f"{path} defines neither predict_ratings (Part 1) nor predict_next (Part 2), and its metadata "
            f"names no part. Define the function of your part at the top level of a cell, or grade it with --part."
        )
    return Submission(path, notebook, parts, notes)
