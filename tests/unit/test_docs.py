"""The README and docs/ hold together: every relative link and anchor resolves, the security
model's table names real modules and tests, and the README stays short, with the install and
test commands that CI runs."""

from __future__ import annotations

import ast
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
INSTALL = "```bash\npip install torch==2.13.0 && pip install .      # any torch 2.x works; the CPU wheel is enough\ngrade submission.ipynb\n```\n"
TESTS = "## Run the tests\n\n```bash\npytest\n```\n"


def _tokens(path: Path) -> list:
    return MarkdownIt("commonmark").enable("table").parse(path.read_text())


def _inline(tokens: list):
    """Every token inside the paragraphs, headings and table cells."""
    for token in tokens:
        yield token
        yield from token.children or ()


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped (hyphens, underscores and
    spaces kept), spaces made hyphens."""
    kept = "".join(c for c in heading.lower() if c in " -_" or unicodedata.category(c)[0] in "LMN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a page's headings, a repeated one numbered as GitHub numbers it."""
    tokens, found, seen = _tokens(path), set(), Counter()
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "heading_open":
            base = slug("".join(child.content for child in inline.children if child.type in ("text", "code_inline")))
            found.add(f"{base}-{seen[base]}" if seen[base] else base)
            seen[base] += 1
    return found


def links(path: Path) -> list[str]:
    """The targets of a page's Markdown links (code spans and code blocks hold none)."""
    return [token.attrs["href"] for token in _inline(_tokens(path)) if token.type == "link_open"]


def broken_links(path: Path) -> list[str]:
    problems = []
    for href in links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", href):  # https:, mailto:: not this repository's
            continue
        target, _, anchor = href.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists():
            problems.append(f"{href}: no file {file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            problems.append(f"{href}: no heading #{anchor} in {file.name}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading, with punctuation!\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[fine](other.md#a-code-heading-with-punctuation) [here](#page) [web](https://example.com)\n"
        "[gone](missing.md) [no anchor](other.md#nowhere) [none here](#nowhere)\n\n`[in code](missing.md)`\n"
    )
    assert [problem.split(":")[0] for problem in broken_links(page)] == ["missing.md", "other.md#nowhere", "#nowhere"]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {(README.parent / href.partition("#")[0]).resolve() for href in links(README)}
    assert [page.name for page in PAGES[1:] if page.resolve() not in linked] == []


def _security_rows() -> list[list[str]]:
    """The raw Markdown cells of the table under "Threats and controls" in docs/security.md."""
    text = (DOCS / "security.md").read_text()
    section = text.split("\n## Threats and controls\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header, rows = lines[0], lines[2:]
    assert [cell.strip() for cell in header.strip("|").split("|")] == ["threat", "control", "module", "test"]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_the_security_table_names_real_modules_and_tests() -> None:
    rows = _security_rows()
    assert len(rows) >= 20
    problems = []
    for threat, _, modules, tests in rows:
        named = re.findall(r"`([^`]+)`", modules + " " + tests)
        if not re.findall(r"`grader/[^`]+`", modules) or not re.findall(r"`tests/[^`]+`", tests):
            problems.append(f"{threat}: needs a grader/ module and a tests/ file")
        for name in named:
            if not name.startswith(("grader/", "tests/")):
                continue
            file, _, function = name.partition("::")
            if not (REPO / file).is_file():
                problems.append(f"{threat}: no file {file}")
            elif function and function not in _functions(REPO / file):
                problems.append(f"{threat}: no function {function} in {file}")
    assert problems == []


def test_the_readme_is_short_with_the_commands_ci_runs() -> None:
    text = README.read_text()
    assert len(text.encode()) < 8000, "the README is a page: move the details into docs/"
    assert "## Install and grade\n\n" + INSTALL in text
    assert TESTS in text
    command = TESTS.split("```bash\n", 1)[1].split("\n```", 1)[0]
    assert command in (REPO / ".ci" / "run").read_text().splitlines(), ".ci/run must run the README's test command"
