"""Bounds have one home: the options, the command line and the Limits table of docs/limits.md
agree with grader/bounds.py and the kernel's Limits."""

from __future__ import annotations

from pathlib import Path

from grader.bounds import BOUNDS, limits_table
from grader.cli import grade
from grader.grading import GradingOptions
from grader.instructor.gradescope import gradescope_bundle, gradescope_run
from grader.sandbox import Limits

LIMITS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "limits.md"


def test_the_limits_table_is_generated_from_the_bounds() -> None:
    assert limits_table(Limits()) in LIMITS_PAGE.read_text(), "regenerate the Limits table of docs/limits.md: see grader/bounds.py"


def test_the_command_line_defaults_are_the_bounds() -> None:
    defaults = {parameter.name: parameter.default for parameter in grade.params}
    options, limits = GradingOptions(), Limits()
    assert defaults["timeout"] == options.timeout == BOUNDS.notebook_seconds
    assert defaults["predict_timeout"] == options.predict_timeout == BOUNDS.predict_seconds
    assert options.grace == BOUNDS.interrupt_grace_seconds
    assert defaults["grader_memory"] * 2**30 == options.grader_memory == BOUNDS.grader_memory_bytes
    assert defaults["memory"] * 2**30 == limits.memory_bytes and defaults["processes"] == limits.processes
    assert defaults["disk"] * 2**30 == limits.disk_bytes and defaults["file_size"] * 2**30 == limits.file_bytes
    assert defaults["open_files"] == limits.open_files
    for command in (gradescope_bundle, gradescope_run):
        assert {p.name: p.default for p in command.params}["timeout"] == BOUNDS.notebook_seconds
