"""The class overview's content: counts, one chart per part, a sortable row per submission linking
to its page, and nothing from a notebook unescaped."""

from __future__ import annotations

from grader.checks.result import CheckResult
from grader.execution.record import ExecutionRecord
from grader.reports.feedback import feedback_pages
from grader.reports.model import PartReport, SubmissionReport
from grader.reports.overview import render_overview


def _report(path: str, score: float, rmse: float | None, flags=()) -> SubmissionReport:
    part = PartReport("explicit", [CheckResult("points", score, 20, "", "passed")], None if rmse is None else {"rmse": rmse},
                      {"global_mean": {"rmse": 1.12}, "user_item_biases": {"rmse": 0.94}}, {"mean": 0.897, "std": 0.002}, 0.93, "rmse",
                      ExecutionRecord(code_cells=3, cells_run=3), flags=list(flags))
    return SubmissionReport(f"/class/{path}", parts=[part], path_in_batch=path, sandbox="full")


def test_the_overview_counts_charts_and_lists_every_submission() -> None:
    reports = [_report("alice.ipynb", 20, 0.90), _report("<script>bob</script>.ipynb", 4, 1.01, flags=["carries labels"]),
               SubmissionReport("/class/empty.ipynb", error="The file is empty.", path_in_batch="empty.ipynb")]
    reports[0].similar_to = reports[1].similar_to = [{"path": "x", "part": "explicit", "disagreement": 0.0, "evidence": "e"}]
    text = render_overview(reports, feedback_pages(reports))
    assert "<td>3</td><td>2</td><td>1</td><td>1</td><td>1</td>" in text  # submissions, graded, failed, flagged, similar pairs
    assert text.count("<svg") == 1 and "Part 1, explicit feedback" in text
    assert "<script>bob" not in text and "&lt;script&gt;bob&lt;/script&gt;.ipynb" in text
    assert "href='alice.html'" in text and "data-sort='0.900000'" in text and "not graded" in text


def test_no_students_page_takes_the_overviews_name() -> None:
    assert feedback_pages([_report("index.ipynb", 20, 0.9)]) == ["index-2.html"]
