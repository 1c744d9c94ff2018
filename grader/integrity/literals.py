"""Finding literal data in a notebook: the way a lookup table of public labels would travel
inside a submission.

The kernel can read every cell it ran (IPython keeps their sources), so data may hide anywhere
in the code: in string or bytes literals (one long one, or many short ones), in numbers (many,
or one huge integer), in comments and docstrings, in names, or spread thinly over many cells.
Three kinds of bound catch it:

- per cell, how much of each carrier a cell holds (far above homework code);
- encoded data wherever text stands, markdown and metadata included: long runs of base64-,
  base85- or hex-like characters, bytes that are not text, long runs of numbers;
- the information of the literals alone (strings, comments, numbers and names, compressed
  together): homework code carries English and code, a kilobyte or two of it, and a table of
  labels carries far more for the same length.
"""

from __future__ import annotations

import ast
import io
import json
import lzma
import math
import re
import tokenize
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nbformat


@dataclass(frozen=True)
class EmbeddedDataLimits:
    """What a notebook may hold before it is flagged (configurable in ``assignment.toml``)."""

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
    literal_bytes: int = 5_000
    """The whole notebook's literals (strings, comments, numbers, names) compressed together
    (the solutions' about 2,100)."""
    encoded_run: int = 100
    """The longest run, in any text, of characters without spaces that reads as encoded data
    (base64, base85: at least 4.5 bits per character; hex digits: at least 3)."""
    number_run: int = 200
    """The most numbers in one list, tuple or set literal, or in one string, comment or markdown cell."""


ENCODED_ENTROPY = 4.5
"""Bits per character above which a long run without spaces reads as encoded data (English
words and code stay below about 4.2; base64 is near 6)."""
HEX_ENTROPY = 3.0
"""Bits per character above which a long run of hex digits reads as encoded data (random hex is
near 4; a repeated pattern such as a separator line is far below)."""
_RUN = re.compile(r"[!-~]+")
_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]+")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?\d+(?:\.\d+)?(?![A-Za-z0-9_])")
"""A number standing on its own in text (not digits inside a word or an encoded run)."""


def _python(source: str) -> str:
    """The cell as plain Python (IPython magics and shell escapes transformed away)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _comments(code: str) -> list[str]:
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.COMMENT:
                found.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return found


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


def entropy_bits(text: str | bytes) -> float:
    """Shannon entropy of the characters (or bytes) of ``text``, in bits per symbol."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(count / len(text) * math.log2(count / len(text)) for count in counts.values())


def encoded_runs(text: str, limits: EmbeddedDataLimits) -> list[str]:
    """What in ``text`` reads as encoded data: the longest encoded-looking run, and a run of numbers."""
    findings = []
    longest = 0
    for match in _RUN.finditer(text):
        run = match.group()
        if len(run) >= limits.encoded_run and len(run) > longest and (entropy_bits(run) >= ENCODED_ENTROPY or (_HEX.fullmatch(run) and entropy_bits(run) >= HEX_ENTROPY)):
            longest = len(run)
    if longest:
        findings.append(f"holds {longest:,} characters of encoded-looking data in one run")
    numbers = len(_NUMBER.findall(text))
    if numbers >= limits.number_run:
        findings.append(f"holds a run of {numbers:,} numbers in text")
    return findings


def _binary(value: bytes, limits: EmbeddedDataLimits) -> bool:
    """Bytes that are not text: long, and as varied as compressed data."""
    return len(value) >= limits.encoded_run and entropy_bits(value) >= ENCODED_ENTROPY and not value.isascii()


@dataclass
class _CellScan:
    findings: list[str]
    literals: list[str]
    names: set[str]


def _scan_code(source: str, limits: EmbeddedDataLimits) -> _CellScan:
    scan = _CellScan([], [], set())
    if len(source) > limits.cell_chars:
        scan.findings.append(f"is {len(source):,} characters long")
    try:
        code = _python(source)
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # Python cannot compile it either: it cannot run
        if len(source) > limits.literal_chars and not scan.findings:
            scan.findings.append(f"holds {len(source):,} characters that are not valid Python")
        scan.literals.append(source)
        return scan
    text, numbers, digits, longest, longest_list, binary = 0, 0, 0, 0, 0, False
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str):
                text += len(value)
                scan.literals.append(value)
            elif isinstance(value, bytes):
                text += len(value)
                binary = binary or _binary(value, limits)
                scan.literals.append(value.decode("latin-1"))
            elif isinstance(value, (int, float, complex)) and not isinstance(value, bool):
                numbers += 1
                digits += int(value.bit_length() * 0.30103) + 1 if isinstance(value, int) else len(repr(value))
                scan.literals.append(repr(value) if not isinstance(value, int) or value.bit_length() < 4096 else f"{value:x}")
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            longest_list = max(longest_list, sum(isinstance(element, (ast.Constant, ast.UnaryOp)) for element in node.elts))
        names = _names(node)
        scan.names.update(names)
        longest = max([longest, *map(len, names)])
    comments = _comments(code)
    scan.literals += comments
    if text > limits.literal_chars:
        scan.findings.append(f"holds {text:,} characters of string literals")
    if numbers > limits.numbers:
        scan.findings.append(f"holds {numbers:,} numeric literals")
    elif digits > limits.literal_chars:
        scan.findings.append(f"holds numbers of {digits:,} digits")
    if longest_list >= limits.number_run and numbers <= limits.numbers:
        scan.findings.append(f"holds a list of {longest_list:,} literal values")
    if longest > limits.name_chars:
        scan.findings.append(f"holds a name of {longest:,} characters")
    if sum(map(len, comments)) > limits.literal_chars:
        scan.findings.append(f"holds {sum(map(len, comments)):,} characters of comments")
    if binary:
        scan.findings.append("holds bytes that are not text")
    for piece in scan.literals:
        for finding in encoded_runs(piece, limits):
            if finding not in scan.findings:
                scan.findings.append(finding)
    return scan


def literal_information(literals: list[str], names: set[str]) -> int:
    """Bytes of information in ``literals`` and ``names``: their compressed size (raw deflate),
    which a table of labels fills far faster than English and code of the same length."""
    text = "\n".join([*literals, *sorted(names)]).encode("utf-8", "replace")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return len(compressor.compress(text) + compressor.flush())


def _cell_text(cell: nbformat.NotebookNode) -> str:
    """What a cell carries besides its code: markdown or raw text, attachments, metadata."""
    parts = [] if cell.cell_type == "code" else [cell.source]
    parts += [json.dumps(cell.get("metadata", {}))]
    for name, bundle in (cell.get("attachments") or {}).items():
        for mime, data in bundle.items():
            if not mime.startswith("image/"):
                parts.append(f"{name} {data}")
    return "\n".join(parts)


def embedded_data(notebook: nbformat.NotebookNode, limits: EmbeddedDataLimits = EmbeddedDataLimits()) -> list[str]:
    """One flag per cell that holds literal data, naming it (code cells as Jupyter counts them),
    and one for each bound the notebook as a whole exceeds."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    flags, literals, names = [], [], set()
    review = "a notebook carrying large embedded data is reviewed by a person before its metric points count."
    code_number = 0
    for index, cell in enumerate(notebook.cells, start=1):
        findings = []
        if cell.cell_type == "code":
            code_number += 1
            scan = _scan_code(cell.source, limits)
            findings, literals, names = scan.findings, literals + scan.literals, names | scan.names
            where = f"Code cell {code_number} of {len(code_cells)}"
        else:
            where = f"Cell {index} of {len(notebook.cells)} ({cell.cell_type})"
        for finding in encoded_runs(_cell_text(cell), limits):
            if finding not in findings:
                findings.append(finding)
        if findings:
            flags.append(f"{where} {' and '.join(findings)}: {review}")
    for finding in encoded_runs(json.dumps(notebook.get("metadata", {})), limits):
        flags.append(f"The notebook's metadata {finding}: {review}")
    information = literal_information(literals, names)
    if information > limits.literal_bytes:
        flags.append(
            f"The notebook's literals (strings, comments, numbers and names) hold {information:,} bytes of information "
            f"once compressed (the solutions' hold about 2,100): {review}"
        )
    code = "\n".join(cell.source for cell in code_cells).encode("utf-8", "replace")
    compressed = len(lzma.compress(code, preset=6)) if len(code) > limits.compressed_bytes else 0
    if compressed > limits.compressed_bytes:
        flags.append(
            f"The notebook's code holds {compressed:,} bytes of information once compressed (homework code holds a "
            f"few thousand): {review}"
        )
    return flags
