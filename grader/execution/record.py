"""What happened when a notebook ran: the facts the checks and reports are built from, and the
words that point a student at the cause.

Cells are named as a student finds them in Jupyter: ``code cell 7 of 10`` counts the code cells
that hold code, which is also the ``In [7]`` a fresh Run All shows beside the cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.bounds import BOUNDS

if TYPE_CHECKING:
    import nbformat

TRACEBACK_CHARS = 2000
FRAME_LINES = 8
TRACEBACK_LINES = 12
STUDENT_FRAME = re.compile(r"^\s*(Cell In\s*\[|Input In\s*\[|<ipython-input-)")
MOVIELENS_FILE = re.compile(r"ml-100k|movielens|\bu\d?\.(data|item|user|genre|info|occupation|base|test)\b|\bu[a-b]\.(base|test)\b", re.IGNORECASE)
TIME_ADVICE = "Train for fewer epochs or a smaller model, or use larger batches (each batch costs time of its own)."


def _frame(entry: str) -> str:
    """One frame of a traceback, at most :data:`FRAME_LINES` lines."""
    lines = entry.rstrip("\n").splitlines()
    return "\n".join(lines if len(lines) <= FRAME_LINES else [*lines[: FRAME_LINES - 1], "    ..."])


def trim_traceback(entries: list[str]) -> str:
    """An IPython traceback (one entry per frame), colour codes removed, bounded in size.

    The frames in the notebook's own cells are kept, and so is the last frame (where the error
    was raised); library frames between them are counted, not shown. A traceback in another
    form keeps its last lines.
    """
    entries = [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", entry) for entry in entries]
    frames = entries[2:-1] if len(entries) >= 3 and "Traceback" in entries[1] else None
    if frames is None:
        return "\n".join("\n".join(entries).splitlines()[-TRACEBACK_LINES:])[-TRACEBACK_CHARS:]
    kept, hidden = [entries[1].strip()], 0
    for index, entry in enumerate(frames):
        if STUDENT_FRAME.match(entry) or index == len(frames) - 1:
            if hidden:
                kept.append(f"... {hidden} frame(s) inside libraries ...")
                hidden = 0
            kept.append(_frame(entry))
        else:
            hidden += 1
    error = entries[-1].strip()
    text = "\n".join(kept)
    room = TRACEBACK_CHARS - len(error) - 1
    if len(text) > room:
        text = text[: max(0, room - 4)] + "\n..."
    return f"{text}\n{error}"


@dataclass
class CellProblem:
    """A cell that raised, timed out, or was still running when the kernel stopped."""

    cell: int  # 1-based position among all the notebook's cells
    kind: str  # "error" | "timeout" | "other part" | "killed"
    message: str
    traceback: str = ""

    @property
    def advice(self) -> str:
        """What to do about it, where the message alone does not say (empty otherwise)."""
        if self.kind == "timeout":
            return f"{TIME_ADVICE} Instructors can give each cell more time with `grade --cell-timeout SECONDS`."
        if self.kind != "error":
            return ""
        if self.message.startswith(("ModuleNotFoundError", "ImportError")):
            return (
                "The grading kernel has only the packages `grader env` lists, in its versions: a package "
                "installed only on your machine is not available when grading."
            )
        if self.message.startswith(("FileNotFoundError", "OSError")) and MOVIELENS_FILE.search(self.message):
            return (
                "When grading there are no MovieLens files to read: load the data with "
                "`from grader.data import load_public; dataset = load_public(\"explicit\")` (or \"sequence\"), "
                "which gives the same data at home and when grading."
            )
        if self.message.startswith("FileNotFoundError"):
            return "When grading the notebook runs in a folder of its own: files from your machine are not there."
        return ""

    def describe(self, where: str | None = None) -> str:
        """One line for a report; ``where`` names the cell (by default by its position)."""
        line = f"{where or f'cell {self.cell}'}: {self.message}"
        return f"{line} {self.advice}" if self.advice else line


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
    code_cell_positions: list[int] = field(default_factory=list)  # 1-based positions of the code cells that hold code
    errors_not_listed: int = 0  # cells that raised after the first BOUNDS.listed_errors, only counted

    @classmethod
    def for_notebook(cls, notebook: nbformat.NotebookNode) -> ExecutionRecord:
        """An empty record of ``notebook``, knowing which of its cells are code cells that hold code."""
        positions = [index + 1 for index, cell in enumerate(notebook.cells) if cell.cell_type == "code" and cell.source.strip()]
        return cls(code_cells=len(positions), code_cell_positions=positions)

    def add(self, problem: CellProblem) -> None:
        """Record ``problem``; errors beyond the first ``BOUNDS.listed_errors`` are only counted, so that a
        notebook of thousands of failing cells cannot swell its report (a timeout or kill is always kept)."""
        if problem.kind == "error" and sum(p.kind == "error" for p in self.problems) >= BOUNDS.listed_errors:
            self.errors_not_listed += 1
        else:
            self.problems.append(problem)

    @property
    def errors(self) -> list[CellProblem]:
        """Cells that raised (not counting cells that need the other part's data)."""
        return [p for p in self.problems if p.kind in ("error", "timeout", "killed")]

    def cell_name(self, problem: CellProblem) -> str:
        """``code cell 7 of 10``, as Jupyter shows the cell (``cell 9`` when the notebook's layout is unknown)."""
        return self.position_name(problem.cell)

    def position_name(self, position: int) -> str:
        """The name of the cell at 1-based ``position`` among all cells, as :meth:`cell_name` gives it."""
        if position in self.code_cell_positions:
            return f"code cell {self.code_cell_positions.index(position) + 1} of {self.code_cells}"
        return f"cell {position}"

    def first_failure(self) -> CellProblem | None:
        """The first cell that raised, timed out or was stopped: the likely cause of what failed after it."""
        return self.errors[0] if self.errors else None

    def describe(self, problem: CellProblem) -> str:
        """One line for a report, saying when an undefined name probably comes from an earlier failure."""
        line = problem.describe(self.cell_name(problem))
        first = self.first_failure()
        if problem.message.startswith("NameError") and first is not None and first.cell < problem.cell:
            line += f" (probably because {self.cell_name(first)} failed first: fix that one first)"
        return line

    def ran_out_of_time(self) -> str:
        """Why the notebook did not finish in time: which cell was running and what to do."""
        stopped = [p for p in self.problems if p.kind in ("timeout", "killed")]
        where = f"in {self.cell_name(stopped[-1])}" if stopped else f"after {self.cells_run} of {self.code_cells} code cells"
        left = self.code_cells - self.cells_run
        if stopped and stopped[-1].cell in self.code_cell_positions:
            left = self.code_cells - self.code_cell_positions.index(stopped[-1].cell) - 1
        return (
            f"The notebook ran out of time ({self.seconds:.0f} s) {where}; {left} code cell(s) after it did not run. "
            f"{TIME_ADVICE} Instructors can allow more time with `grade --timeout SECONDS`."
        )

    def summary(self) -> str:
        """A short paragraph for the report."""
        if self.start_error:
            return f"The kernel could not be started: {self.start_error}"
        lines = [f"{self.cells_run} of {self.code_cells} code cells ran in {self.seconds:.1f} s."]
        lines += [self.describe(problem) for problem in self.problems]
        if self.errors_not_listed:
            lines.append(f"{self.errors_not_listed} more cell(s) raised errors (not listed).")
        if self.notebook_timed_out:
            lines.append(self.ran_out_of_time())
        if self.kernel_died:
            lines.append(self.kernel_died)
        if self.output_truncated:
            lines.append(f"The notebook printed {self.output_bytes / 1e6:.1f} MB; only the beginning was kept.")
        return "\n".join(lines)
