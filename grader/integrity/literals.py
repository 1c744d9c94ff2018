"""Finding large literal data in a notebook's code: the way a lookup table of public labels
would travel inside a submission.

The kernel can read every cell it ran (IPython keeps their sources), so data may hide in string
or byte literals, numeric literals, comments, or simply in very long cells. Honest homework
cells are a few kilobytes; the bounds here are far above that.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass

import nbformat


@dataclass(frozen=True)
class EmbeddedDataLimits:
    """What a code cell may hold before it is flagged (configurable in ``assignment.toml``)."""

    literal_chars: int = 10_000
    """Longest string or bytes literal, and total characters of comments, per cell."""
    numbers: int = 2_000
    """Numeric literals per cell (an embedded array)."""
    cell_chars: int = 50_000
    """Characters of one code cell."""


def _python(source: str) -> str:
    """The cell as plain Python (IPython magics and shell escapes transformed away)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _comment_chars(code: str) -> int:
    total = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                total += len(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return total


def _cell_findings(source: str, limits: EmbeddedDataLimits) -> list[str]:
    findings = []
    if len(source) > limits.cell_chars:
        findings.append(f"is {len(source):,} characters long")
    try:
        code = _python(source)
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        if len(source) > limits.literal_chars and not findings:
            findings.append(f"holds {len(source):,} characters that are not valid Python")
        return findings
    longest, numbers = 0, 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (str, bytes)):
                longest = max(longest, len(node.value))
            elif isinstance(node.value, (int, float, complex)) and not isinstance(node.value, bool):
                numbers += 1
    if longest > limits.literal_chars:
        findings.append(f"holds a string literal of {longest:,} characters")
    if numbers > limits.numbers:
        findings.append(f"holds {numbers:,} numeric literals")
    comments = _comment_chars(code)
    if comments > limits.literal_chars:
        findings.append(f"holds {comments:,} characters of comments")
    return findings


def embedded_data(notebook: nbformat.NotebookNode, limits: EmbeddedDataLimits = EmbeddedDataLimits()) -> list[str]:
    """One flag per code cell that holds large literal data, naming the cell as Jupyter counts it."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    flags = []
    for number, cell in enumerate(code_cells, start=1):
        findings = _cell_findings(cell.source, limits)
        if findings:
            flags.append(
                f"Code cell {number} of {len(code_cells)} {' and '.join(findings)}: a notebook carrying large "
                f"embedded data is reviewed by a person before its metric points count."
            )
    return flags
