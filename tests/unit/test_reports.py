"""Report formats: the JSON contract, Gradescope (validated against its schema), JUnit XML, the CSV
gradebook, text and HTML feedback; and atomic writes."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
import pytest

from grader.checks.result import CheckResult
from grader.execution.record import CellProblem, ExecutionRecord
from grader.reports.feedback import render_feedback, write_feedback
from grader.reports.files import write_atomically
from grader.reports.formats import GRADEBOOK_COLUMNS, gradescope_results, render_gradebook, render_json, render_junit
from grader.reports.model import PartReport, SubmissionReport
from grader.reports.overview import render_overview
from grader.reports.text import render_text

SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "gradescope_results.schema.json").read_text())


def _part(part: str, metric: str, value: float) -> PartReport:
    tests = [
        CheckResult("The notebook ran to the end", 1, 1, "", "passed"),
        CheckResult("The metric reaches the target", 7.5, 15, f"{metric.upper()} {value}: partial", "partial"),
    ]
    metrics = {"rmse": value} if metric == "rmse" else {"mrr": value, "hr@10": 0.1, "ndcg@10": 0.05}
    baselines = {"global_mean": {"rmse": 1.12}} if metric == "rmse" else {"popularity": {"mrr": 0.025, "hr@10": 0.04, "ndcg@10": 0.02}}
    record = ExecutionRecord(code_cells=4, cells_run=4, seconds=3.2, problems=[CellProblem(2, "error", "NameError: x", "File <cell>, line 3\nNameError: x")])
    return PartReport(part, tests, metrics, baselines, {"mean": 0.9, "std": 0.01}, 0.94 if metric == "rmse" else 0.045, metric, record)


@pytest.fixture
def combined() -> SubmissionReport:
    return SubmissionReport("alice.ipynb", parts=[_part("explicit", "rmse", 1.03), _part("sequence", "mrr", 0.035)], sandbox="full", seconds=12.5)


@pytest.fixture
def unreadable() -> SubmissionReport:
    return SubmissionReport("bob.ipynb", error="bob.ipynb is empty (0 bytes).")


def test_json_contract(combined: SubmissionReport) -> None:
    document = json.loads(render_json([combined], single=True))
    assert {"score", "max_score", "tests", "metrics"} <= set(document)
    assert document["score"] == 17 and document["max_score"] == 32
    assert set(document["metrics"]) == {"rmse", "mrr", "hr@10", "ndcg@10"}
    assert document["metrics"]["rmse"] == 1.03 and document["metrics"]["mrr"] == 0.035
    for test in document["tests"]:
        assert {"name", "score", "max_score", "output"} <= set(test)
    assert document["tests"][0]["name"] == "Part 1: The notebook ran to the end"


def test_json_batch_is_a_list_with_submission_fields(combined, unreadable) -> None:
    documents = json.loads(render_json([combined, unreadable], single=False))
    assert [d["submission"] for d in documents] == ["alice.ipynb", "bob.ipynb"]
    assert documents[1]["metrics"] == {"rmse": None, "mrr": None, "hr@10": None, "ndcg@10": None}
    assert documents[1]["score"] == 0 and documents[1]["error"]


@pytest.mark.parametrize("which", ["combined", "unreadable"])
def test_gradescope_output_is_valid_against_the_spec(which: str, request) -> None:
    document = gradescope_results(request.getfixturevalue(which))
    jsonschema.validate(document, SCHEMA)
    assert all(test["status"] in ("passed", "failed") for test in document["tests"])


def test_schema_rejects_what_gradescope_rejects(combined) -> None:
    document = gradescope_results(combined)
    document["tests"][0]["status"] = "partial"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_junit_xml(combined, unreadable) -> None:
    root = ElementTree.fromstring(render_junit([combined, unreadable]))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["alice.ipynb", "bob.ipynb"]
    assert suites[0].get("failures") == "2" and suites[1].get("errors") == "1"
    failure = suites[0].find("testcase/failure")
    assert failure.get("message") == "7.5 / 15" and "partial" in failure.text


def test_gradebook_has_one_row_per_submission(combined, unreadable) -> None:
    rows = list(csv.DictReader(io.StringIO(render_gradebook([combined, unreadable]))))
    assert list(rows[0]) == GRADEBOOK_COLUMNS
    assert rows[0]["part"] == "explicit+sequence" and rows[0]["score"] == "17.0" and rows[0]["rmse"] == "1.030000"
    assert rows[1]["error"].startswith("bob.ipynb is empty") and rows[1]["mrr"] == ""


def test_text_report(combined, unreadable) -> None:
    text = render_text(combined)
    assert "Part 1, explicit feedback: 8.5 / 16" in text and "Total: 17 / 32" in text
    assert "cell 2: NameError: x" in text and "Sandbox: full" in text
    assert "NOT GRADED: bob.ipynb is empty" in render_text(unreadable)


def test_feedback_page_has_a_chart_and_escapes_student_text(combined, tmp_path: Path) -> None:
    combined.parts[0].tests[1].output = "<script>alert(1)</script>"
    page = render_feedback(combined)
    assert "<svg" in page and "<script>alert" not in page
    paths = write_feedback([combined, combined], tmp_path)
    assert [p.name for p in paths] == ["alice.html", "alice-2.html"]


def test_every_text_from_the_notebook_is_escaped_on_both_pages(combined) -> None:
    """Autoescape: the page templates mark nothing from a report safe but the grader's charts."""
    attack = "<script>alert(1)</script>"
    combined.path_in_batch = f"{attack}.ipynb"
    combined.notes, combined.parts[0].flags = [attack], [attack]
    combined.parts[0].tests[0].name, combined.parts[0].tests[1].output = attack, attack
    combined.similar_to = [{"path": attack, "part": "explicit", "disagreement": 0.0, "code_similarity": 1.0, "evidence": attack}]
    pages = [render_feedback(combined), render_overview([combined], ["alice.html"])]
    assert all("<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page for page in pages)
    assert pages[1].count("<script>") == 1  # the overview's own sorting script


def test_cell_tracebacks_reach_the_json_and_the_feedback(combined) -> None:
    problems = json.loads(render_json([combined], single=True))["execution"]["explicit"]["problems"]
    assert problems == [{"cell": 2, "kind": "error", "message": "NameError: x", "traceback": "File <cell>, line 3\nNameError: x"}]
    page = render_feedback(combined)
    assert "Traceback of cell 2" in page and "File &lt;cell&gt;, line 3" in page


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path: Path, monkeypatch) -> None:
    target = write_atomically(tmp_path / "gradebook.csv", "old\n")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]
