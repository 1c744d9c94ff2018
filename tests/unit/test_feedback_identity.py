"""Feedback identity: pages are named from the submission's path in the batch, titled with it,
and the gradebook says which page is whose; the text report shows every calibrated reference."""

from __future__ import annotations

import csv
import io
import json

from grader.checks.result import CheckResult
from grader.execution.record import ExecutionRecord
from grader.reports.feedback import feedback_pages, render_feedback
from grader.reports.formats import render_gradebook, render_json
from grader.reports.model import PartReport, SubmissionReport
from grader.reports.text import render_text


def _report(submission: str, path_in_batch: str = "") -> SubmissionReport:
    part = PartReport(
        "sequence", [CheckResult("The notebook ran to the end", 1, 1, "", "passed")], {"mrr": 0.07, "hr@10": 0.15, "ndcg@10": 0.08},
        {"popularity": {"mrr": 0.02, "hr@10": 0.04, "ndcg@10": 0.02}}, {"mean": 0.076, "std": 0.004}, 0.062, "mrr",
        ExecutionRecord(code_cells=2, cells_run=2), reference_metrics={"mrr": 0.076, "hr@10": 0.17, "ndcg@10": 0.09},
    )
    return SubmissionReport(submission, parts=[part], path_in_batch=path_in_batch)


def test_pages_of_same_named_notebooks_in_different_folders_are_told_apart() -> None:
    reports = [_report("class/alice/submission.ipynb", "alice/submission.ipynb"), _report("class/bob/submission.ipynb", "bob/submission.ipynb")]
    assert feedback_pages(reports) == ["alice__submission.html", "bob__submission.html"]
    page = render_feedback(reports[1])
    assert "<title>Feedback: bob/submission.ipynb</title>" in page and "<h1>Feedback: bob/submission.ipynb</h1>" in page


def test_the_path_defaults_to_the_file_name_and_odd_characters_are_made_safe() -> None:
    assert _report("/somewhere/carol.ipynb").path_in_batch == "carol.ipynb"
    assert feedback_pages([_report("x", "../d é/<x>.ipynb"), _report("y", "d_/_x_.ipynb")]) == ["d____x_.html", "d____x_-2.html"]


def test_the_gradebook_links_each_row_to_its_page() -> None:
    reports = [_report("class/alice/submission.ipynb", "alice/submission.ipynb"), _report("class/alice.ipynb", "alice.ipynb")]
    rows = list(csv.DictReader(io.StringIO(render_gradebook(reports))))
    assert [row["feedback"] for row in rows] == ["alice__submission.html", "alice.html"]
    assert json.loads(render_json(reports, single=False))[0]["path_in_batch"] == "alice/submission.ipynb"


def test_passing_checks_show_no_empty_box() -> None:
    assert "<pre></pre>" not in render_feedback(_report("a.ipynb"))


def test_reference_figures_of_every_metric_are_shown() -> None:
    table = [line for line in render_text(_report("a.ipynb")).splitlines() if line.strip().startswith(("HR@10", "NDCG@10"))]
    assert [line.split()[-2] for line in table] == ["0.1700", "0.0900"]
