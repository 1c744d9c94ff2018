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

from grader.bounds import BOUNDS
from grader.contract import CONTRACT_FUNCTIONS
from grader.data.assignment import PARTS
from grader.execution.untrusted import clean_text, printable_path

DEFINITIONS = {part: re.compile(rf"^(def\s+{name}\s*\(|{name}\s*=)", re.MULTILINE) for part, name in CONTRACT_FUNCTIONS.items()}
"""How a notebook defines each part's graded function (how its parts are detected)."""


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
    shown = printable_path(path)
    if path.is_symlink():
        raise SubmissionError(
            f"{shown} is a symbolic link, not a notebook file; links are not followed when grading. Submit the "
            f".ipynb file itself (in Jupyter: File > Download)."
        )
    if not path.exists():
        raise SubmissionError(f"{shown} does not exist. Check the file name.")
    if path.is_dir():
        raise SubmissionError(f"{shown} is a folder, not a notebook. Submit the .ipynb file itself.")
    size = path.stat().st_size
    if size == 0:
        raise SubmissionError(f"{shown} is empty (0 bytes). Save the notebook in Jupyter and submit it again.")
    if size > BOUNDS.notebook_file_bytes:
        raise SubmissionError(
            f"{shown} is {size / 2**20:.0f} MB, more than the {BOUNDS.notebook_file_bytes // 2**20} MB limit. Clear the "
            f"outputs (Kernel > Restart Kernel and Clear All Outputs), save, and submit again."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{shown} is a binary file, not a notebook. Submit the .ipynb file saved by Jupyter.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        hint = " It looks like a Python script: submit the .ipynb notebook instead." if re.search(r"^(import|from|def) ", text, re.MULTILINE) else ""
        raise SubmissionError(
            f"{shown} is not a notebook: it is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}).{hint}"
        ) from None
    except (RecursionError, MemoryError):
        raise SubmissionError(f"{shown} is not a notebook Jupyter saves: its JSON is nested too deeply to read.") from None
    if not isinstance(document, dict) or "nbformat" not in document or not ("cells" in document or "worksheets" in document):
        raise SubmissionError(f"{shown} is JSON but not a Jupyter notebook (it has no 'nbformat' and 'cells'). Submit the .ipynb file.")
    notes = []
    version = document.get("nbformat")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several types for unreadable documents
        raise SubmissionError(
            f"{shown} does not follow the notebook format (nbformat {version}): {clean_text(error, 500)}. Open it in Jupyter, "
            f"save it, and submit again."
        ) from None
    if version != 4:
        notes.append(f"The notebook was converted from nbformat {version} to 4 before grading.")
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise SubmissionError(
            f"{shown} does not follow the notebook format: {clean_text(error.message, 500)}. Open it in Jupyter, save it, and submit again."
        ) from None
    except (RecursionError, MemoryError):
        raise SubmissionError(f"{shown} does not follow the notebook format: its metadata is nested too deeply to check.") from None
    kernelspec, language_info = _mapping(notebook.metadata.get("kernelspec")), _mapping(notebook.metadata.get("language_info"))
    language = kernelspec.get("language") or language_info.get("name") or "python"
    if str(language).lower() != "python":
        raise SubmissionError(f"{shown} is a {clean_text(language, 40)} notebook; this homework must be written in Python.")
    kernel = kernelspec.get("name")
    if kernel and kernel not in ("python3", "python"):
        notes.append(f"The notebook names the kernel '{clean_text(kernel, 80)}'; it was run with the grader's Python kernel.")
    return notebook, notes


def _mapping(value: object) -> dict:
    """``value`` if it is a mapping, else an empty one: metadata is the submission's, not trusted."""
    return value if isinstance(value, dict) else {}


def declared_part(notebook: nbformat.NotebookNode) -> tuple[str | None, str | None]:
    """The part the notebook's ``grader.part`` metadata names, and a note when that metadata is malformed."""
    metadata = notebook.metadata.get("grader")
    if metadata is None:
        return None, None
    declared = metadata.get("part") if isinstance(metadata, dict) else None
    if declared in PARTS:
        return declared, None
    shown = clean_text(repr(metadata), 80)
    return None, (
        f"The notebook's metadata 'grader' is {shown}, which names no part (expected "
        f'{{"part": "explicit"}} or {{"part": "sequence"}}); it was ignored.'
    )


def defined_parts(notebook: nbformat.NotebookNode) -> list[str]:
    """The parts whose contract function the notebook's code defines at the top level."""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    return [part for part in PARTS if DEFINITIONS[part].search(code)]


def detect_parts(notebook: nbformat.NotebookNode, requested: str | None) -> tuple[list[str], list[str]]:
    """The parts to grade and notes about the choice.

    The instructor's ``requested`` part wins; else the notebook's metadata; else the contract
    functions its code defines.
    """
    declared, note = declared_part(notebook)
    notes = [note] if note else []
    if requested:
        if declared and declared != requested:
            notes.append(f"The notebook's metadata names part '{declared}', but it was graded for '{requested}' as the instructor asked (--part).")
        return [requested], notes
    if declared:
        return [declared], notes
    return defined_parts(notebook), notes


def read_submission(path: str | Path, requested_part: str | None = None) -> Submission:
    """Read ``path`` and decide its parts; raise SubmissionError when it cannot be graded."""
    path = Path(path)
    notebook, notes = read_notebook(path)
    parts, part_notes = detect_parts(notebook, requested_part)
    if not parts:
        raise SubmissionError(
            f"{printable_path(path)} defines neither predict_ratings (Part 1) nor predict_next (Part 2), and its metadata "
            f"names no part. Define the function of your part at the top level of a cell, or grade it with --part."
        )
    return Submission(path, notebook, parts, notes + part_notes)
