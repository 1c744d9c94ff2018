"""Fingerprints of the code a student wrote, to find notebooks copied from a classmate's
(:mod:`grader.similarity`), whatever was renamed, re-indented, commented or re-celled.

Token-level winnowing as MOSS does it (Schleimer, Wilkerson and Aiken, *Winnowing: local
algorithms for document fingerprinting*, SIGMOD 2003). The code cells are tokenized
(:mod:`tokenize`) and normalised: every name the notebook binds (variables, attributes it
assigns, parameters, functions, classes, imports) becomes one placeholder, so renaming cannot
matter; names it never binds (builtins, the attributes and keyword arguments of torch's and
numpy's APIs) stay, as keywords and operators do, for they say what the code does; every number
and every string becomes another placeholder (another seed, epoch count or message changes
nothing), and comments, blank lines and indentation go. Each run of ``K`` tokens is hashed, and
of every window of ``W`` consecutive hashes the minimum is kept: two notebooks that share a run
of ``W + K - 1`` tokens share a fingerprint. Only the set of values is kept (no positions), so
robust winnowing's rule for ties cannot change it. The template's runs (the handout's scaffold,
which everybody has) are left out, so what remains is what the student wrote.
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
import zlib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import nbformat
import numpy as np

K = 16
"""Tokens per hashed run: about a line of code (shorter runs are common to independent code)."""
W = 8
"""Hashes per window: a shared run of W + K - 1 = 23 tokens always gives a shared fingerprint."""
CODE_CHARS = 2**20
"""Code fingerprinted per notebook at most (a homework has about 30,000 characters): a notebook
of 50 MiB of code costs the grading process no more."""
TEMPLATE_FILE = "template_runs.json"
"""The handout's run hashes, in ``grader.datafiles`` (written by ``grader templates``)."""
_DROPPED = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING}
_FSTRING = tuple(getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name))
_MIXER = np.uint64(0x9E3779B97F4A7C15)


def python_cells(sources: Iterable[str]) -> list[tuple[str, ast.Module]]:
    """The code cells that are Python, parsed, without IPython's line magics and shell escapes
    (``%...``, ``!...``); a cell that is not Python (a ``%%bash`` cell, a syntax error) is left out."""
    cells = []
    for source in sources:
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))) + "\n"
        try:
            cells.append((code, ast.parse(code)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: a null byte; the others: absurd nesting
            continue
    return cells


def bound_names(trees: Iterable[ast.Module]) -> set[str]:
    """Every name the code binds: the names a student chose, which a copy can rename."""
    names = set()
    for node in (node for tree in trees for node in ast.walk(tree)):
        if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id if isinstance(node, ast.Name) else node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names - {None}


def normalised_tokens(code: str, bound: set[str]) -> list[str]:
    """The tokens of one cell of Python after normalisation (names in ``bound`` become ``V``)."""
    kept, depth = [], 0
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type in _FSTRING:  # Python 3.12 splits f-strings: one string token, as before
            depth += {_FSTRING[0]: 1, _FSTRING[-1]: -1}.get(token.type, 0)
            if token.type == _FSTRING[0] and depth == 1:
                kept.append("S")
        elif depth or token.type in _DROPPED:
            continue
        elif token.type == tokenize.NAME:
            kept.append("V" if token.string in bound else token.string)
        elif token.type in (tokenize.NUMBER, tokenize.STRING):
            kept.append("N" if token.type == tokenize.NUMBER else "S")
        else:
            kept.append(token.string)  # operators, and NEWLINE: where a statement ends
    return kept


@cache
def _token_hash(token: str) -> int:
    return zlib.crc32(token.encode())


def run_hashes(tokens: list[str]) -> np.ndarray:
    """The hash of every run of ``K`` consecutive tokens (32-bit values)."""
    if len(tokens) < K:
        return np.zeros(0, dtype=np.uint64)
    codes = np.fromiter((_token_hash(token) for token in tokens), dtype=np.uint64, count=len(tokens))
    runs = np.zeros(len(tokens) - K + 1, dtype=np.uint64)
    for offset in range(K):  # a polynomial hash of each run, modulo 2**64
        runs = runs * np.uint64(1_000_003) + codes[offset : offset + len(runs)]
    return (runs * _MIXER) >> np.uint64(32)  # the well-mixed high bits


def winnow(runs: np.ndarray) -> set[int]:
    """The minimum of every window of ``W`` consecutive run hashes."""
    if not len(runs):
        return set()
    return set(np.lib.stride_tricks.sliding_window_view(runs, min(W, len(runs))).min(axis=1).tolist())


def _stream(sources: Iterable[str]) -> list[str]:
    """The normalised tokens of code cells as one stream (so splitting a cell changes nothing and
    re-ordering cells only the runs across their boundaries)."""
    cells = python_cells(sources)
    bound = bound_names(tree for _, tree in cells)
    return [token for code, _ in cells for token in normalised_tokens(code, bound)]


def code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    """The sources of a notebook's code cells, in order, up to ``CODE_CHARS`` in all."""
    sources, left = [], CODE_CHARS
    for cell in notebook.cells:
        if cell.cell_type == "code" and isinstance(cell.source, str) and left > 0:
            sources.append(cell.source[:left])
            left -= len(cell.source)
    return sources


@cache
def template_runs() -> frozenset[int]:
    """The hash of every run of every part's template (a notebook may hold both parts). All runs,
    not only the template's own fingerprints: beside a filled-in stub another run of the
    scaffold can be a window's minimum."""
    recorded = json.loads(resources.files("grader.datafiles").joinpath(TEMPLATE_FILE).read_text())
    return frozenset(value for values in recorded.values() for value in values)


def code_fingerprints(notebook: nbformat.NotebookNode) -> list[int]:
    """The fingerprints of what the student wrote: the notebook's, less the templates' runs (sorted)."""
    return sorted(winnow(run_hashes(_stream(code_cells(notebook)))) - template_runs())


def write_template_runs(templates: Iterable[Path], target: Path) -> None:
    """Record the run hashes of the template notebooks, by part, in ``target``: ``data/`` is the
    package's data once installed, where an installed grader finds it (``grader templates``)."""
    notebooks = sorted((nbformat.read(path, as_version=4) for path in templates), key=lambda notebook: notebook.metadata["grader"]["part"])
    recorded = {notebook.metadata["grader"]["part"]: np.unique(run_hashes(_stream(code_cells(notebook)))).tolist() for notebook in notebooks}
    target.write_text(json.dumps(recorded) + "\n")
    template_runs.cache_clear()
