"""Reading submissions: every malformed file is a clear error; parts come from metadata, the
--part option, or the functions the code defines."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.bounds import BOUNDS
from grader.submission import SubmissionError, detect_parts, read_notebook, read_submission


def _write(path: Path, notebook) -> Path:
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p / "missing.ipynb", "does not exist"),
        (lambda p: p, "is a folder"),
        (lambda p: (p / "empty.ipynb", (p / "empty.ipynb").write_text(""))[0], "empty"),
        (lambda p: (p / "bin.ipynb", (p / "bin.ipynb").write_bytes(bytes(range(256)) * 4))[0], "binary"),
        (lambda p: (p / "x.ipynb", (p / "x.ipynb").write_text("{not json"))[0], "not valid JSON"),
        (lambda p: (p / "s.ipynb", (p / "s.ipynb").write_text("import numpy\ndef f():\n    pass\n"))[0], "Python script"),
        (lambda p: (p / "j.ipynb", (p / "j.ipynb").write_text('{"hello": 1}'))[0], "JSON but not a Jupyter notebook"),
        (lambda p: (p / "l.ipynb", (p / "l.ipynb").write_text("[1, 2, 3]"))[0], "JSON but not a Jupyter notebook"),
        (
            lambda p: (p / "bad.ipynb", (p / "bad.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]})))[0],
            "does not follow the notebook format",
        ),
    ],
)
def test_malformed_files_are_reported_in_plain_words(tmp_path: Path, make, words: str) -> None:
    with pytest.raises(SubmissionError, match=words):
        read_notebook(make(tmp_path))


def test_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.ipynb"
    with open(path, "wb") as handle:
        handle.truncate(BOUNDS.notebook_file_bytes + 1)  # sparse: costs no disk
    with pytest.raises(SubmissionError, match="Clear the outputs"):
        read_notebook(path)


def test_notebook_for_another_language_is_refused(tmp_path: Path) -> None:
    notebook = new_notebook(cells=[new_code_cell("x <- 1")], metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}})
    with pytest.raises(SubmissionError, match="R notebook"):
        read_notebook(_write(tmp_path / "r.ipynb", notebook))


def test_other_python_kernel_name_is_noted_not_refused(tmp_path: Path) -> None:
    notebook = new_notebook(cells=[new_code_cell("1")], metadata={"kernelspec": {"name": "conda-env-rec", "language": "python", "display_name": "x"}})
    _, notes = read_notebook(_write(tmp_path / "k.ipynb", notebook))
    assert any("conda-env-rec" in note for note in notes)


def test_old_nbformat_is_converted_with_a_note(tmp_path: Path) -> None:
    v3 = {
        "nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
        "worksheets": [{"cells": [{"cell_type": "code", "input": "def predict_ratings(u, i):\n    return u * 0.0", "language": "python", "outputs": [], "metadata": {}}], "metadata": {}}],
    }
    path = tmp_path / "v3.ipynb"
    path.write_text(json.dumps(v3))
    submission = read_submission(path)
    assert submission.parts == ["explicit"]
    assert any("nbformat 3" in note for note in submission.notes)


def _code(*sources: str):
    return new_notebook(cells=[new_code_cell(s) for s in sources])


def test_the_instructors_part_wins_over_metadata_and_the_mismatch_is_reported() -> None:
    notebook = _code("def predict_next(s):\n    pass")
    notebook.metadata["grader"] = {"part": "explicit"}
    parts, notes = detect_parts(notebook, "sequence")
    assert parts == ["sequence"] and "names part 'explicit'" in notes[0] and "--part" in notes[0]
    assert detect_parts(notebook, None) == (["explicit"], [])


def test_parts_come_from_the_option_without_metadata() -> None:
    assert detect_parts(_code("x = 1"), "sequence") == (["sequence"], [])


@pytest.mark.parametrize("metadata", ["explicit", ["explicit"], {"part": "Part 1"}, {"part": None}, 3])
def test_malformed_grader_metadata_is_noted_and_ignored(metadata) -> None:
    notebook = _code("def predict_ratings(u, i):\n    return u * 0.0")
    notebook.metadata["grader"] = metadata
    parts, notes = detect_parts(notebook, None)
    assert parts == ["explicit"] and "names no part" in notes[0]


def test_malformed_kernelspec_metadata_is_the_submissions_error(tmp_path: Path) -> None:
    notebook = _code("def predict_ratings(u, i):\n    return u * 0.0")
    notebook.metadata["kernelspec"] = "python3"
    with pytest.raises(SubmissionError, match="does not follow the notebook format"):
        read_submission(_write(tmp_path / "k.ipynb", notebook))


@pytest.mark.parametrize(
    "sources, parts",
    [
        (("def predict_ratings(users, items):\n    return users * 0.0",), ["explicit"]),
        (("predict_next = lambda s: s",), ["sequence"]),
        (("def predict_ratings(u, i): pass", "def predict_next(s): pass"), ["explicit", "sequence"]),
        (("def helper():\n    def predict_ratings(u, i): pass",), []),  # nested: not top level
    ],
)
def test_parts_come_from_top_level_definitions(sources, parts) -> None:
    assert detect_parts(_code(*sources), None) == (parts, [])


def test_no_part_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match="defines neither predict_ratings"):
        read_submission(_write(tmp_path / "n.ipynb", _code("print('hello')")))
