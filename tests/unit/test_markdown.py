"""The Markdown summary (rendered as GitHub renders it) and the pass mark of --fail-under."""

from __future__ import annotations

import re

import pytest
from markdown_tables import render, table_rows

from grader.checks.result import CheckResult
from grader.execution.record import CellProblem, ExecutionRecord
from grader.reports.markdown import render_markdown
from grader.reports.model import PartReport, SubmissionReport
from grader.reports.passmark import PassMark

HOSTILE = (
    "NameError: x | <script>alert(1)</script> [click](http://evil.example) ![img](http://evil.example/i.png) **bold** "
    "see https://evil.example/regrade (cc @instructor, #1) www.evil.example\nsecond line"
)


def _part(part: str, metric: str, value: float, problems: list[CellProblem] = (), flags: list[str] = ()) -> PartReport:
    tests = [
        CheckResult("The notebook ran to the end", 1, 1, "", "passed"),
        CheckResult("The metric reaches the target", 7.5, 15, f"{metric.upper()} {value}: halfway to the target", "partial"),
    ]
    baselines = {"global_mean": {"rmse": 1.1211}, "user_item_biases": {"rmse": 0.9439}} if metric == "rmse" else {"popularity": {"mrr": 0.0248}}
    record = ExecutionRecord(code_cells=4, cells_run=4, seconds=3.2, problems=list(problems))
    return PartReport(part, tests, {metric: value}, baselines, {"mean": 0.8966, "std": 0.0016}, 0.94 if metric == "rmse" else 0.045, metric, record, flags=list(flags))


@pytest.fixture
def reports() -> list[SubmissionReport]:
    both = SubmissionReport(
        "class/alice.ipynb", sandbox="full",
        parts=[_part("explicit", "rmse", 0.97, [CellProblem(3, "error", HOSTILE)]), _part("sequence", "mrr", 0.03, flags=["MRR 0.9 is beyond any honest model"])],
    )
    return [*both.by_part(), SubmissionReport("class/bob.ipynb", error="bob.ipynb is empty (0 bytes).", sandbox="full")]


def test_one_row_per_report_with_the_metric_beside_baselines_reference_and_target(reports) -> None:
    rows = table_rows(render_markdown(reports))
    assert len(rows) == 3 and all(len(row) == 9 for row in rows)
    notebook, part, score, metric, baselines, reference, target, flags, cells = rows[0]
    assert (notebook, part, score, metric) == ("class/alice.ipynb", "Part 1", "8.5 / 16", "RMSE 0.9700")
    assert baselines == "global mean 1.1211, user item biases 0.9439" and reference == "0.8966 ± 0.0016" and target == "0.9400"
    assert cells.startswith("cell 3: NameError: x |") and flags == ""
    assert rows[1][1] == "Part 2" and rows[1][7].startswith("flagged for review: MRR 0.9")
    assert rows[2][2] == "not graded" and rows[2][-1] == "not graded: bob.ipynb is empty (0 bytes)."


def test_what_a_submission_wrote_stays_text(reports) -> None:
    html = render(render_markdown(reports))
    assert "<script" not in html and "<a " not in html and "<img" not in html and "<strong>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "[click](http://evil.example)" in html
    # GitHub turns bare addresses, @mentions and #references into links, except inside code
    outside_code = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert not any(word in outside_code for word in ("evil.example", "@instructor", "#1"))


def test_pass_mark_column_and_overview(reports) -> None:
    markdown = render_markdown(reports, PassMark.parse("40%"))
    rows = table_rows(markdown)
    assert [row[3] for row in rows] == ["yes", "yes", "no"]
    assert "2 of 3 reach the pass mark of 40%" in markdown and "1 flagged for review" in markdown
    assert "Checks below full marks" in markdown and "halfway to the target" in markdown


@pytest.mark.parametrize(("text", "expected", "shown"), [("15", PassMark(15.0), "15 points"), (" 75% ", PassMark(75.0, True), "75%"), ("0", PassMark(0.0), "0 points")])
def test_pass_marks_parse(text: str, expected: PassMark, shown: str) -> None:
    assert PassMark.parse(text) == expected and str(expected) == shown


@pytest.mark.parametrize("text", ["abc", "-1", "101%", "nan", "%"])
def test_bad_pass_marks_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match="points|percentage"):
        PassMark.parse(text)


def test_who_passes(reports) -> None:
    part_one, part_two, unreadable = reports
    assert PassMark(8.5).passes(part_one) and not PassMark(8.51).passes(part_one)
    assert PassMark(53.125, True).passes(part_one) and not PassMark(54, True).passes(part_one)
    assert not PassMark(0).passes(unreadable)
