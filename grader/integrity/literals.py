"""Finding large literal data in a notebook's code: the way a lookup table of public labels
would travel inside a submission.

The kernel can read every cell it ran (IPython keeps their sources), so data may hide anywhere
in the code: in string or bytes literals (one long one, or many short ones), in numbers (many,
or one huge integer), in comments, in names, or spread thinly over many cells. Each cell is
checked for each carrier, and the whole notebook's code for how much information it holds
(its compressed size): honest homework code is a few kilobytes compressed, the bounds here are
far above that, and MovieLens 100K compressed is far beyond them.
"""

from __future__ import annotations

import ast
import io
import lzma
import tokenize
from dataclasses import dataclass

import nbformat


@dataclass(frozen=True)
class EmbeddedDataLimits:
    """What a notebook's code may hold before it is flagged (configurable in ``assignment.toml``)."""

    literal_chars: int = 10_000
    """Per cell: characters of string and bytes literals together, digits of numbers together, and comments."""
    numbers: int = 2_000
    """Per cell: numeric literals (an embedded array)."""
    cell_chars: int = 50_000
    """Per cell: characters of the cell."""
    name_chars: int = 200
    """The longest name (variable, attribute, argument) in a cell."""
    compressed_bytes: int = 16_000
    """The whole notebook's code, compressed (the homework's solutions are about 4,000)."""


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


def _names(node: ast.AST) -> list[str]:
    """The identifiers a node introduces or uses."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.alias):
        return [node.name, node.asname or ""]
    if isinstance(node, ast.keyword):
        return [node.arg or ""]
    return []


def _cell_findings(source: str, limits: EmbeddedDataLimits) -> list[str]:
    findings = []
    if len(source) > limits.cell_chars:
        findings.append(f"is {len(source):,} characters long")
    try:
        code = _python(source)
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # Python cannot compile it either: it cannot run
        if len(source) > limits.literal_chars and not findings:
            findings.append(f"holds {len(source):,} characters that are not valid Python")
        return findings
    text, numbers, digits, longest = 0, 0, 0, 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (str, bytes)):
                text += len(node.value)
            elif isinstance(node.value, (int, float, complex)) and not isinstance(node.value, bool):
                numbers += 1
                digits += int(node.value.bit_length() * 0.30103) + 1 if isinstance(node.value, int) else len(repr(node.value))
        longest = max([longest, *map(len, _names(node))])
    if text > limits.literal_chars:
        findings.append(f"holds {text:,} characters of string literals")
    if numbers > limits.numbers:
        findings.append(f"holds {numbers:,} numeric literals")
    elif digits > limits.literal_chars:
        findings.append(f"holds numbers of {digits:,} digits")
    if longest > limits.name_chars:
        findings.append(f"holds a name of {longest:,} characters")
    comments = _comment_chars(code)
    if comments > limits.literal_chars:
        findings.append(f"holds {comments:,} characters of comments")
    return findings


def embedded_data(notebook: nbformat.NotebookNode, limits: EmbeddedDataLimits = EmbeddedDataLimits()) -> list[str]:
    """One flag per code cell that holds large literal data, naming the cell as Jupyter counts it,
    and one when the code as a whole holds more information than homework code does."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    flags = []
    for number, cell in enumerate(code_cells, start=1):
        findings = _cell_findings(cell.source, limits)
        if findings:
            flags.append(
                f"Code cell {number} of {len(code_cells)} {' and '.join(findings)}: a notebook carrying large "
                f"embedded data is reviewed by a person before its metric points count."
            )
    code = "\n".join(cell.source for cell in code_cells).encode("utf-8", "replace")
    compressed = len(lzma.compress(code, preset=6)) if len(code) > limits.compressed_bytes else 0
    if compressed > limits.compressed_bytes:
        flags.append(
            f"The notebook's code holds {compressed:,} bytes of information once compressed (homework code holds a "
            f"few thousand): a notebook carrying large embedded data is reviewed by a person before its metric points count."
        )
    return flags
