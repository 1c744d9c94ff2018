"""One check's outcome, as reports hold it (without pytest: reading a journal needs no test runner)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CheckResult:
    """One check's outcome, as reported."""

    name: str
    score: float
    max_score: float
    output: str
    status: str  # "passed" | "partial" | "failed" | "error" | "flagged"
