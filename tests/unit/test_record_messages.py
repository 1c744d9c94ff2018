"""The execution record's words: cells named as Jupyter shows them, advice for the mistakes a
notebook makes when it runs somewhere else, the first failure named as the likely cause, and
tracebacks that keep the student's own frames."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.execution.record import CellProblem, ExecutionRecord, trim_traceback

# cells: 1 markdown, 2 code, 3 markdown, 4 code, 5 empty code, 6 code
NOTEBOOK = new_notebook(cells=[
    new_markdown_cell("# title"), new_code_cell("a = 1"), new_markdown_cell("text"),
    new_code_cell("b = 2"), new_code_cell("  "), new_code_cell("c = 3"),
])


def _record(*problems: CellProblem, **fields) -> ExecutionRecord:
    record = ExecutionRecord.for_notebook(NOTEBOOK)
    record.problems = list(problems)
    for key, value in fields.items():
        setattr(record, key, value)
    return record


def test_cells_are_numbered_among_the_code_cells_that_hold_code() -> None:
    record = _record(CellProblem(4, "error", "ValueError: x"))
    assert record.code_cells == 3 and record.code_cell_positions == [2, 4, 6]
    assert record.cell_name(record.problems[0]) == "code cell 2 of 3"
    assert "code cell 2 of 3: ValueError: x" in record.summary()


def test_a_record_without_the_notebook_layout_names_cells_by_position() -> None:
    assert ExecutionRecord(code_cells=3).cell_name(CellProblem(4, "error", "x")) == "cell 4"


def test_missing_package_says_what_grading_has() -> None:
    line = _record().describe(CellProblem(2, "error", "ModuleNotFoundError: No module named 'pandas'"))
    assert "not available when grading" in line and "`grader env`" in line


def test_movielens_file_points_at_load_public() -> None:
    for message in ("FileNotFoundError: ml-100k/u.data not found.", "FileNotFoundError: [Errno 2] No such file or directory: 'u.item'"):
        line = _record().describe(CellProblem(2, "error", message))
        assert "load_public" in line, line


def test_an_undefined_name_after_a_failure_blames_the_first_failure() -> None:
    record = _record(CellProblem(2, "error", "RuntimeError: training diverged"), CellProblem(6, "error", "NameError: name 'model' is not defined"))
    assert record.describe(record.problems[1]).endswith("(probably because code cell 1 of 3 failed first: fix that one first)")
    assert record.first_failure() is record.problems[0]


def test_timeouts_name_the_running_cell_and_the_instructor_option() -> None:
    record = _record(CellProblem(4, "timeout", "ran past its time limit and was interrupted"), notebook_timed_out=True, cells_run=2, seconds=900)
    text = record.ran_out_of_time()
    assert "ran out of time (900 s) in code cell 2 of 3; 1 code cell(s) after it did not run" in text
    assert "larger batches" in text and "smaller batches" not in text and "`grade --timeout SECONDS`" in text
    assert "`grade --cell-timeout SECONDS`" in record.describe(record.problems[0])
    assert text in record.summary()


def test_traceback_keeps_the_students_frames_and_counts_the_library_ones() -> None:
    entries = [
        "-" * 75,
        "IndexError                                Traceback (most recent call last)",
        "Cell In[7], line 3\n      1 x = 1\n----> 3 y = model(batch)\n",
        "Cell In[5], line 9, in Model.forward(self, users)\n----> 9     return self.embedding(users)\n",
        *[f"File /site-packages/torch/nn/modules/module.py:{n}, in _call_impl(self)\n" + "    line\n" * 20 for n in range(6)],
        "File /site-packages/torch/nn/functional.py:2551, in embedding(input, weight)\n-> 2551 return torch.embedding(weight, input)\n",
        "IndexError: index out of range in self",
    ]
    text = trim_traceback(["\x1b[31m" + entry + "\x1b[39m" for entry in entries])
    assert text.startswith("IndexError                                Traceback")
    assert "Cell In[7], line 3" in text and "Cell In[5], line 9, in Model.forward" in text
    assert "... 6 frame(s) inside libraries ..." in text and "functional.py:2551" in text
    assert text.endswith("IndexError: index out of range in self") and "\x1b" not in text
    assert len(text) <= 2000


def test_a_notebook_read_from_disk_gives_the_same_layout(tmp_path) -> None:
    path = tmp_path / "n.ipynb"
    nbformat.write(NOTEBOOK, path)
    assert ExecutionRecord.for_notebook(nbformat.read(path, as_version=4)).code_cell_positions == [2, 4, 6]
