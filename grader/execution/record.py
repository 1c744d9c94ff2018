"""What happened when a notebook ran: the facts the checks and reports are built from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TRACEBACK_LINES = 12
TRACEBACK_CHARS = 2000


def trim_traceback(lines: list[str]) -> str:
    """The last lines of a traceback, without terminal colour codes, bounded in size."""
    text = "\n".join(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line) for line in lines)
    kept = text.splitlines()[-TRACEBACK_LINES:]
    trimmed = "\n".join(kept)
    return trimmed[-TRACEBACK_CHARS:]


@dataclass
class CellProblem:
    """A cell that raised, timed out, or was still running when the kernel stopped."""

    cell: int  # 1-based position among all the notebook's cells
    kind: str  # "error" | "timeout" | "other part" | "killed"
    message: str
    traceback: str = ""

    def describe(self) -> str:
        """One line for a report."""
        return f"cell {self.cell}: {self.message}"


@dataclass
class ExecutionRecord:
    """The outcome of executing one notebook for one part."""

    code_cells: int = 0
    cells_run: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    notebook_timed_out: bool = False
    kernel_died: str | None = None  # plain words when the kernel stopped for good
    output_bytes: int = 0
    output_truncated: bool = False
    seconds: float = 0.0
    start_error: str | None = None  # the kernel could not be started at all

    @property
    def errors(self) -> list[CellProblem]:
        """Cells that raised (not counting cells that need the other part's data)."""
        return [p for p in self.problems if p.kind in ("error", "timeout", "killed")]

    def summary(self) -> str:
        """A short paragraph for the report."""
        if self.start_error:
            return f"The kernel could not be started: {self.start_error}"
        lines = [f"{self.cells_run} of {self.code_cells} code cells ran in {self.seconds:.1f} s."]
        lines += [problem.describe() for problem in self.problems]
        if self.notebook_timed_out:
            lines.append("The notebook ran out of time; the remaining cells were not run.")
        if self.kernel_died:
            lines.append(self.kernel_died)
        if self.output_truncated:
            lines.append(f"The notebook printed {self.output_bytes / 1e6:.1f} MB; only the beginning was kept.")
        return "\n".join(lines)
