"""`grade` as a CI step: exit code 4 below the --fail-under pass mark, the Markdown table of
--format markdown and --summary, and no third-party warnings in what users see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from markdown_tables import table_rows

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
GRADE = str(Path(sys.executable).parent / "grade")
FAST = ["--dataset", "synthetic", "--timeout", "60", "--quiet"]
CONSTANT = "import numpy as np\n\ndef predict_ratings(user_ids, item_ids):\n    return np.full(len(user_ids), 3.5)"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([GRADE, *args, *FAST], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """An honest notebook (20 / 20) and a constant one (3 / 20), the latter without cell ids."""
    folder = tmp_path_factory.mktemp("fail_under")
    write(folder, "honest", notebook(HONEST_EXPLICIT))
    constant = json.loads(nbformat.writes(notebook(CONSTANT)))
    for cell in constant["cells"]:
        del cell["id"]  # as some editors save notebooks: nbformat warns about it
    (folder / "constant.ipynb").write_text(json.dumps(constant))
    return folder


def test_a_passing_notebook_exits_0(folder: Path) -> None:
    result = run(str(folder / "honest.ipynb"), "--fail-under", "15")
    assert result.returncode == 0, result.stderr


def test_below_the_pass_mark_exits_4_and_says_who(folder: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = run(str(folder), "--fail-under", "75%", "--format", "json", "--summary", str(summary), "--jobs", "2")
    assert result.returncode == 4, result.stderr
    assert "MissingIDField" not in result.stderr  # nor from the batch's worker processes
    assert "1 of 2 report(s) scored below the pass mark of 75%" in result.stderr and "constant.ipynb (3 / 20)" in result.stderr
    assert [document["score"] for document in json.loads(result.stdout)] == [3, 20]
    rows = table_rows(summary.read_text())
    assert [(Path(row[0]).name, row[2], row[3]) for row in rows] == [("constant.ipynb", "3 / 20", "no"), ("honest.ipynb", "20 / 20", "yes")]


def test_markdown_format_and_no_library_warnings(folder: Path) -> None:
    result = run(str(folder / "constant.ipynb"), "--format", "markdown")
    assert result.returncode == 0
    assert "Warning" not in result.stderr and "MissingIDField" not in result.stderr, result.stderr
    ((name, part, score, metric, baselines, reference, target, flags, cells),) = table_rows(result.stdout)
    assert (Path(name).name, part, score) == ("constant.ipynb", "Part 1", "3 / 20")
    assert metric.startswith("RMSE ") and baselines.startswith("global mean ") and target == "0.9000"


@pytest.mark.parametrize("value", ["abc", "120%"])
def test_a_bad_pass_mark_is_bad_usage(folder: Path, value: str) -> None:
    result = run(str(folder / "honest.ipynb"), "--fail-under", value)
    assert result.returncode == 2 and "--fail-under" in result.stderr and "percentage" in result.stderr
