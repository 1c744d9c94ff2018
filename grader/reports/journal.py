"""The journal of a batch: each finished submission's report, appended (and flushed to disk) the
moment it finishes, so that a batch killed after an hour has lost nothing it finished, and
``--resume`` regrades only what is missing.

A journal is JSON lines: a header naming the grading options that decide a grade, then one line
per finished submission. A truncated last line (the grader was killed while writing) is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from grader.reports.model import SubmissionReport

SUFFIX = ".journal.jsonl"


class JournalError(ValueError):
    """The journal cannot be resumed from; the message says why and what to do."""


def journal_path(gradebook: Path | None, output: Path | None) -> Path | None:
    """Where a batch's journal lives: next to the gradebook, else next to the report file."""
    anchor = gradebook or output
    return None if anchor is None else anchor.with_name(anchor.name + SUFFIX)


class Journal:
    """An append-only record of finished reports for one set of grading options.

    Parameters
    ----------
    path:
        The journal file.
    settings:
        What decides a grade (part, dataset, limits, rubric files, ...), as plain JSON data; a
        journal written with other settings is not resumed from. The split seed is never
        written here.
    """

    def __init__(self, path: Path, settings: dict):
        self.path = Path(path)
        self.settings = settings

    def read(self) -> dict[str, SubmissionReport]:
        """The finished reports by submission path ({} when there is no journal yet)."""
        if not self.path.exists():
            return {}
        lines = self.path.read_text(encoding="utf-8").splitlines()
        reports: dict[str, SubmissionReport] = {}
        for number, line in enumerate(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                if number == len(lines) - 1:
                    break  # cut short by a kill: that submission is graded again
                raise JournalError(f"{self.path} line {number + 1} is damaged; delete the journal to grade everything again.") from None
            if number == 0:
                if entry.get("settings") != self.settings:
                    raise JournalError(
                        f"{self.path} was written with other grading options; --resume needs the same options "
                        f"(or delete the journal to grade everything again)."
                    )
                continue
            report = SubmissionReport.from_record(entry["report"])
            reports[report.submission] = report
        return reports

    def start(self, resume: bool) -> dict[str, SubmissionReport]:
        """Begin a run: keep and return what a resumed journal holds, else start it afresh."""
        finished = self.read() if resume else {}
        if not finished:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._write("w", {"settings": self.settings})
        return finished

    def append(self, report: SubmissionReport) -> None:
        """Record one finished report, durably."""
        self._write("a", {"report": report.to_record()})

    def _write(self, mode: str, entry: dict) -> None:
        line = json.dumps(entry, allow_nan=False) + "\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC), 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())
