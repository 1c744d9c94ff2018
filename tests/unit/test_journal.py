"""The journal keeps every finished report and resumes only with the same options."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks.result import CheckResult
from grader.execution.record import CellProblem, ExecutionRecord
from grader.reports.journal import Journal, JournalError, journal_path
from grader.reports.model import PartReport, SubmissionReport


def _report(name: str) -> SubmissionReport:
    record = ExecutionRecord(code_cells=3, cells_run=3, problems=[CellProblem(2, "error", "ValueError: x", "trace")])
    part = PartReport(
        part="explicit", tests=[CheckResult("The notebook ran to the end", 1.0, 1.0, "", "passed")], metrics={"rmse": 0.9},
        baselines={"global_mean": {"rmse": 1.1}}, reference={"mean": 0.89, "std": 0.01}, target=0.94, metric="rmse",
        execution=record, flags=["a flag"],
    )
    return SubmissionReport(submission=name, parts=[part], sandbox="full", seconds=3.5)


def test_the_journal_sits_next_to_the_gradebook_else_the_report() -> None:
    assert journal_path(Path("out/grades.csv"), Path("r.txt")) == Path("out/grades.csv.journal.jsonl")
    assert journal_path(None, Path("r.json")) == Path("r.json.journal.jsonl")
    assert journal_path(None, None) is None


def test_reports_survive_a_round_trip_and_a_cut_last_line(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl", {"part": None})
    assert journal.start(resume=True) == {}
    journal.append(_report("a.ipynb"))
    journal.append(_report("b.ipynb"))
    with open(journal.path, "a") as handle:
        handle.write('{"report": {"submiss')  # killed while writing
    finished = Journal(journal.path, {"part": None}).read()
    assert sorted(finished) == ["a.ipynb", "b.ipynb"]
    assert finished["a.ipynb"] == _report("a.ipynb")
    assert oct(journal.path.stat().st_mode & 0o777) == "0o600"


def test_other_options_are_refused_and_a_fresh_run_starts_over(tmp_path: Path) -> None:
    Journal(tmp_path / "j.jsonl", {"part": None}).start(resume=False)
    Journal(tmp_path / "j.jsonl", {"part": None}).append(_report("a.ipynb"))
    with pytest.raises(JournalError, match="other grading options"):
        Journal(tmp_path / "j.jsonl", {"part": "sequence"}).start(resume=True)
    assert Journal(tmp_path / "j.jsonl", {"part": None}).start(resume=False) == {}
    assert Journal(tmp_path / "j.jsonl", {"part": None}).read() == {}
