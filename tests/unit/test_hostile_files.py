"""What a student controls before any kernel starts (the file's name, links, JSON nesting, code the
parser chokes on, thousands of failing cells) is the submission's problem: it never becomes an
internal error, a broken report, or another file graded in its place."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.batch import batch_paths
from grader.bounds import BOUNDS
from grader.cluster.payload import notebook_payload, recreate_notebook
from grader.execution.record import CellProblem, ExecutionRecord
from grader.execution.untrusted import printable_path
from grader.integrity.literals import embedded_data
from grader.reports.feedback import feedback_pages, write_feedback
from grader.reports.formats import render_gradebook, render_json
from grader.reports.model import SubmissionReport
from grader.reports.text import render_text
from grader.submission import SubmissionError, read_notebook


def _notebook(path: Path, *sources: str, **metadata) -> Path:
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    notebook.metadata.update(metadata)
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deeply_nested_json_is_the_submissions_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.ipynb"
    document = json.loads(nbformat.writes(new_notebook(cells=[new_code_cell("x = 1")])))
    text = json.dumps(document)
    path.write_text(text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(SubmissionError, match="nested too deeply"):
        read_notebook(path)


@pytest.mark.parametrize(
    "source",
    ["x = " + "+".join(["1"] * 5000), "-" * 10000 + "1", "y = a" + ".b" * 20000, "z = f" + "()" * 20000],
)
def test_code_the_parser_cannot_take_is_scanned_without_failing(source: str) -> None:
    findings = embedded_data(new_notebook(cells=[new_code_cell(source)]))
    assert len(findings) == 1 and "not valid Python" in findings[0]  # as any long text Python cannot compile


def test_a_linked_notebook_is_refused_not_followed(tmp_path: Path) -> None:
    solution = _notebook(tmp_path / "solution.ipynb", "def predict_ratings(u, i): ...")
    (tmp_path / "class" / "bob").mkdir(parents=True)
    (tmp_path / "class" / "bob" / "submission.ipynb").symlink_to(solution)
    with pytest.raises(SubmissionError, match="symbolic link"):
        read_notebook(tmp_path / "class" / "bob" / "submission.ipynb")


def test_a_batch_lists_links_to_files_and_folders_so_that_each_gets_a_row(tmp_path: Path) -> None:
    elsewhere = tmp_path / "solutions"
    elsewhere.mkdir()
    _notebook(elsewhere / "explicit.ipynb", "x = 1")
    batch = tmp_path / "class"
    (batch / "alice").mkdir(parents=True)
    _notebook(batch / "alice" / "submission.ipynb", "x = 1")
    (batch / "bob").symlink_to(elsewhere)
    (batch / "carol.ipynb").symlink_to(elsewhere / "explicit.ipynb")
    found = batch_paths([batch])
    assert sorted(found.values()) == ["alice/submission.ipynb", "bob", "carol.ipynb"]
    for path, name in found.items():
        if name != "alice/submission.ipynb":
            with pytest.raises(SubmissionError, match="symbolic link"):
                read_notebook(path)


def test_a_link_sent_to_a_cluster_worker_is_refused_there_too(tmp_path: Path) -> None:
    target = _notebook(tmp_path / "target.ipynb", "x = 1")
    (tmp_path / "link.ipynb").symlink_to(target)
    worker = tmp_path / "worker"
    worker.mkdir()
    recreated = recreate_notebook(json.loads(json.dumps(notebook_payload(tmp_path / "link.ipynb"))), worker, "link.ipynb")
    with pytest.raises(SubmissionError, match="symbolic link"):
        read_notebook(recreated)


def test_names_that_are_not_utf8_or_hold_escapes_reach_every_report_printable(tmp_path: Path) -> None:
    raw = os.fsdecode(b"bad\xff\xfe\x1b]0;pwned\x07\x1b[2J name") + "\u202e.ipynb"
    path = tmp_path / raw
    path.write_text("{not json")
    try:
        read_notebook(path)
    except SubmissionError as error:
        report = SubmissionReport(submission=str(path), error=str(error), path_in_batch=batch_paths([tmp_path])[path])
    shown = [report.submission, report.path_in_batch, report.error]
    for text in shown:
        text.encode("utf-8")  # no lone surrogates left
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert report.path_in_batch == "bad\ufffd\ufffd name.ipynb"
    json.loads(render_json([report], single=True))
    rows = list(csv.DictReader(io.StringIO(render_gradebook([report]))))
    assert len(rows) == 1 and "\x1b" not in render_text(report)
    write_feedback([report], tmp_path / "feedback")


def test_printable_path_keeps_ordinary_names() -> None:
    assert printable_path(Path("alice/Übung 1.ipynb")) == "alice/Übung 1.ipynb"
    assert printable_path("a\nb\tc.ipynb") == "a b c.ipynb"


def test_a_file_name_near_the_file_system_limit_still_gets_its_page(tmp_path: Path) -> None:
    long = SubmissionReport(submission="z" * 245 + ".ipynb")
    names = feedback_pages([long, long])
    assert all(len(name.encode()) <= 160 for name in names) and len(set(names)) == 2
    assert len(write_feedback([long, long], tmp_path)) == 2


def test_thousands_of_failing_cells_keep_the_report_small() -> None:
    record = ExecutionRecord(code_cells=2702, code_cell_positions=list(range(1, 2703)))
    for cell in range(2, 2702):
        record.add(CellProblem(cell, "error", "Exception: " + "😀" * 400, "Traceback\n" + "😀" * 1500))
    record.add(CellProblem(2702, "timeout", "ran past its time limit and was interrupted"))
    assert sum(problem.kind == "error" for problem in record.problems) == BOUNDS.listed_errors
    assert record.problems[-1].kind == "timeout"  # what the "ran" point depends on is always kept
    assert f"{2700 - BOUNDS.listed_errors} more cell(s) raised errors" in record.summary()
