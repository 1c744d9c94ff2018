"""Gradebooks into Canvas and Moodle: each roster student gets the sum of their parts, missing
students and unmatched submissions are reported, flagged or similar ones held on request."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from grader.checks.result import CheckResult
from grader.cli import main
from grader.execution.record import ExecutionRecord
from grader.reports.formats import render_gradebook
from grader.reports.model import PartReport, SubmissionReport

ROSTER = "identifier,github_username,github_id,name\ns001,alice-gh,1,Alice Liddell\ns002,bob,2,Bob\ns003,carol,3,=Carol\ns004,dan,4,Dan\n"


def _report(path: str, part: str, score: float, flags: list[str] | None = None) -> SubmissionReport:
    result = PartReport(part, [CheckResult("points", score, 20, "", "passed")], None, {}, None, 0.0, "rmse", ExecutionRecord(), flags=flags or [])
    return SubmissionReport(submission=f"/srv/class/{path}", parts=[result], path_in_batch=path)


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    reports = [
        _report("hw2-alice-gh/explicit_feedback.ipynb", "explicit", 18),
        _report("hw2-alice-gh/implicit_sequence.ipynb", "sequence", 15.5),
        _report("hw2-bob/explicit_feedback.ipynb", "explicit", 20, flags=["carries labels"]),
        _report("hw2-carol/explicit_feedback.ipynb", "explicit", 12),
        _report("hw2-carol/explicit_feedback_v2.ipynb", "explicit", 16),  # graded twice: the best counts
        _report("hw2-zoe/explicit_feedback.ipynb", "explicit", 9),
    ]
    reports[3].similar_to = [{"path": "x", "part": "explicit", "disagreement": 0.0, "evidence": "same"}]
    gradebook, roster = tmp_path / "grades.csv", tmp_path / "roster.csv"
    gradebook.write_text(render_gradebook(reports))
    roster.write_text(ROSTER)
    return gradebook, roster


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_canvas_gets_one_row_per_student_with_the_sum_of_their_parts(tmp_path: Path) -> None:
    gradebook, roster = _folder(tmp_path)
    result = CliRunner().invoke(main, ["export", "canvas", str(gradebook), "--roster", str(roster), "--assignment", "Homework 2 (1234)"])
    assert result.exit_code == 0, result.output
    rows = _rows((tmp_path / "canvas-grades.csv").read_text())
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 2 (1234)"]
    assert {row["SIS User ID"]: row["Homework 2 (1234)"] for row in rows} == {"s001": "33.5", "s002": "20", "s003": "16", "s004": ""}
    assert rows[2]["Student"] == "'=Carol"  # a roster cell never runs as a formula
    assert "1 in the roster without a submission: s004" in result.output
    assert "1 submission(s) that match no student of the roster (not exported): hw2-zoe/explicit_feedback.ipynb" in result.output


def test_held_submissions_leave_the_grade_empty_in_moodle(tmp_path: Path) -> None:
    gradebook, roster = _folder(tmp_path)
    output = tmp_path / "moodle.csv"
    result = CliRunner().invoke(main, ["export", "moodle", str(gradebook), "--roster", str(roster), "--assignment", "HW2", "--hold-flagged", "--output", str(output)])
    assert result.exit_code == 0, result.output
    grades = {row["ID number"]: row["HW2"] for row in _rows(output.read_text())}
    assert grades == {"s001": "33.5", "s002": "", "s003": "", "s004": ""}
    assert "2 held for review (flagged or similar; grade left empty): s002, s003" in result.output


def test_a_roster_without_identifiers_is_refused_with_what_to_fix(tmp_path: Path) -> None:
    gradebook, _ = _folder(tmp_path)
    roster = tmp_path / "names.csv"
    roster.write_text("name,email\nAlice,a@example.org\n")
    result = CliRunner().invoke(main, ["export", "canvas", str(gradebook), "--roster", str(roster), "--assignment", "HW2"])
    assert result.exit_code == 2 and "a roster needs an 'identifier' column" in result.output
