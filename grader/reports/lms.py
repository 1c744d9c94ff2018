"""Grades into a learning management system: a gradebook CSV of the grader turned into the file
Canvas or Moodle imports, one row per student of a roster.

A roster is a CSV with an ``identifier`` column (the student id the LMS knows) and optionally
``github_username`` (GitHub Classroom's roster shape: identifier, github_username, github_id,
name), ``name`` and ``path`` (the submission's path in the batch, when nothing else tells it).
A submission belongs to the student whose path, identifier or GitHub user name is a component of
its path in the batch (GitHub Classroom names repositories ``assignment-username``). A student's
grade is the sum over the parts they handed in (the best row where a part was graded twice).
Students of the roster without a submission are listed as missing, submissions that match no
student (or several) are reported, never dropped silently; with ``hold`` a flagged or similar
submission leaves the student's grade empty so that no unchecked grade reaches them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

SYSTEMS = ("canvas", "moodle")


class RosterError(ValueError):
    """The roster or the gradebook cannot be read; the message says which and what to fix."""


@dataclass(frozen=True)
class Student:
    identifier: str
    name: str = ""
    github_username: str = ""
    path: str = ""

    def keys(self) -> set[str]:
        """Path components that name this student."""
        return {key.lower() for key in (self.identifier, self.github_username) if key}


@dataclass
class Export:
    """What an export wrote, and what a person must look at."""

    text: str
    graded: int = 0
    missing: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.graded} student(s) graded."]
        for words, names in (
            ("held for review (flagged or similar; grade left empty)", self.held),
            ("in the roster without a submission", self.missing),
            ("submission(s) that match no student of the roster (not exported)", self.unmatched),
            ("submission(s) that match several students (not exported)", self.ambiguous),
        ):
            if names:
                lines.append(f"{len(names)} {words}: {', '.join(names[:20])}{' ...' if len(names) > 20 else ''}")
        return "\n".join(lines)


def read_roster(path: Path) -> list[Student]:
    """The students of a roster CSV (see the module's docstring)."""
    rows = _rows(path, "roster")
    if not rows or "identifier" not in rows[0]:
        raise RosterError(f"{path}: a roster needs an 'identifier' column (GitHub Classroom's roster has one); found {sorted(rows[0]) if rows else 'no rows'}.")
    students = [Student(row["identifier"].strip(), (row.get("name") or "").strip(), (row.get("github_username") or "").strip(), (row.get("path") or "").strip()) for row in rows]
    students = [student for student in students if student.identifier]
    seen: set[str] = set()
    for student in students:
        if student.identifier in seen:
            raise RosterError(f"{path}: the identifier {student.identifier!r} stands twice; each student once.")
        seen.add(student.identifier)
    return students


def _rows(path: Path, what: str) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RosterError(f"Cannot read the {what} {path}: {error}") from error


def _owners(submission: str, students: list[Student]) -> list[Student]:
    components = [part.lower() for part in PurePosixPath(submission.replace("\\", "/")).with_suffix("").parts]

    def names(student: Student) -> bool:  # a component is the key, or ends with "-key" (assignment-username)
        return any(part == key or part.endswith("-" + key) for key in student.keys() for part in components)

    explicit = [student for student in students if student.path and student.path == submission]
    return explicit or [student for student in students if names(student)]


def export_grades(system: str, gradebook: Path, roster: Path, assignment: str, hold: bool = False) -> Export:
    """The LMS import file of ``gradebook`` for the students of ``roster``, with what to review."""
    if system not in SYSTEMS:
        raise ValueError(f"Unknown system {system!r}: use {' or '.join(SYSTEMS)}.")
    students = read_roster(roster)
    rows = _rows(gradebook, "gradebook")
    if rows and not {"file", "part", "score"} <= set(rows[0]):
        raise RosterError(f"{gradebook} is not a gradebook of the grader (written by grade --gradebook): it lacks file, part and score columns.")
    export = Export("")
    best: dict[str, dict[str, float]] = {}
    held: set[str] = set()
    for row in rows:
        submission = row.get("path_in_batch") or row["file"]
        owners = _owners(submission, students)
        if not owners:
            export.unmatched.append(submission)
            continue
        if len(owners) > 1:
            export.ambiguous.append(f"{submission} ({', '.join(student.identifier for student in owners)})")
            continue
        identifier = owners[0].identifier
        parts = best.setdefault(identifier, {})
        score = float(row["score"] or 0)
        parts[row["part"]] = max(score, parts.get(row["part"], score))
        if hold and (row.get("flagged") or row.get("similar_to")):
            held.add(identifier)
    grades: dict[str, str] = {}
    for student in students:
        if student.identifier not in best:
            export.missing.append(student.identifier)
        elif student.identifier in held:
            export.held.append(student.identifier)
        else:
            grades[student.identifier] = f"{sum(best[student.identifier].values()):g}"
    export.graded = len(grades)
    export.text = (_canvas if system == "canvas" else _moodle)(students, grades, assignment)
    return export


def _canvas(students: list[Student], grades: dict[str, str], assignment: str) -> str:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the
    assignment's column (an empty cell leaves the grade as it is)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
    for student in students:
        writer.writerow([_text(student.name), "", _text(student.identifier), "", "", grades.get(student.identifier, "")])
    return buffer.getvalue()


def _moodle(students: list[Student], grades: dict[str, str], assignment: str) -> str:
    """Moodle's grade import from CSV: an ID number column to map to the users' ID numbers, the
    full name, and the grade item's column (an empty cell is not imported)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["ID number", "Full name", assignment])
    for student in students:
        writer.writerow([_text(student.identifier), _text(student.name), grades.get(student.identifier, "")])
    return buffer.getvalue()


def _text(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (roster cells are typed by people)."""
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value
