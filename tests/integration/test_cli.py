"""The `grade` command end to end, as instructors and CI run it: exit codes, formats, batches."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
import pytest

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
GRADE = str(Path(sys.executable).parent / "grade")
FAST = ["--dataset", "synthetic", "--timeout", "60", "--quiet"]
SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "gradescope_results.schema.json").read_text())


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([GRADE, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def honest(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("cli"), "honest", notebook(HONEST_EXPLICIT))


def test_help_documents_exit_codes_and_instructor_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for words in ("Exit codes", "3  a single submission", "grader calibrate", "--sandbox", "--device"):
        assert words in result.stdout


def test_single_notebook_json_contract(honest: Path) -> None:
    result = run(str(honest), "--format", "json", *FAST)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["score"] == document["max_score"] == 20
    assert set(document["metrics"]) == {"rmse", "mrr", "hr@10", "ndcg@10"} and document["metrics"]["mrr"] is None
    assert all({"name", "score", "max_score", "output"} <= set(test) for test in document["tests"])


def test_text_report_to_a_file(honest: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = run(str(honest), "--output", str(out), *FAST)
    assert result.returncode == 0 and result.stdout == ""
    text = out.read_text()
    assert "Part 1, explicit feedback: 20 / 20" in text and "Sandbox:" in text


def test_unreadable_single_notebook_exits_3(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ipynb"
    empty.write_text("")
    result = run(str(empty), *FAST)
    assert result.returncode == 3 and "NOT GRADED" in result.stdout and "empty" in result.stdout


@pytest.mark.parametrize("args", [["--format", "pdf"], ["--jobs", "0"], []])
def test_bad_usage_exits_2(honest: Path, args: list[str]) -> None:
    result = run(*([str(honest)] if args else []), *args)
    assert result.returncode == 2


def test_missing_dataset_folder_is_bad_usage(honest: Path, tmp_path: Path) -> None:
    result = run(str(honest), "--data-dir", str(tmp_path / "nowhere"), "--quiet")
    assert result.returncode == 2 and "does not exist" in result.stderr


@pytest.mark.parametrize("content", [None, "{not json"])
def test_unreadable_references_file_is_bad_usage(honest: Path, tmp_path: Path, content: str | None) -> None:
    references = tmp_path / "references.json"
    if content is not None:
        references.write_text(content)
    result = run(str(honest), "--references", str(references), *FAST)
    assert result.returncode == 2 and f"Cannot read the references file {references}" in result.stderr


def test_batch_folder_with_a_malformed_file(honest: Path, tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.ipynb").write_text(honest.read_text())
    (folder / "bob.ipynb").write_text("{broken")
    gradebook, feedback, junit = tmp_path / "grades.csv", tmp_path / "feedback", tmp_path / "junit.xml"
    result = run(str(folder), "--format", "gradescope", "--gradebook", str(gradebook), "--feedback", str(feedback), "--jobs", "2", *FAST)
    assert result.returncode == 0, result.stderr
    documents = json.loads(result.stdout)
    for document in documents:
        jsonschema.validate(document, SCHEMA)
    rows = list(csv.DictReader(gradebook.open()))
    assert [(Path(r["file"]).name, r["score"]) for r in rows] == [("alice.ipynb", "20.0"), ("bob.ipynb", "0")]
    assert "not valid JSON" in rows[1]["error"]
    assert sorted(p.name for p in feedback.iterdir()) == ["alice.html", "bob.html", "index.html"]  # the pages and the class overview
    result = run(str(folder), "--format", "junit", "--output", str(junit), *FAST)
    assert len(ElementTree.parse(junit).getroot().findall("testsuite")) == 2


def test_hostile_file_names_and_links_get_rows_and_break_no_output(honest: Path, tmp_path: Path) -> None:
    folder = tmp_path / "class"
    (folder / "bob").mkdir(parents=True)
    (folder / "bob" / "submission.ipynb").symlink_to(honest)  # a link to a notebook that earns full marks
    (folder / "carol").symlink_to(honest.parent)
    (folder / ("z" * 245 + ".ipynb")).write_text("{broken")
    (folder / (b"bad\xff\x1b[2J\x1b]0;title\x07.ipynb".decode("utf-8", "surrogateescape"))).write_text("{broken")
    (folder / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    gradebook, feedback, out = tmp_path / "grades.csv", tmp_path / "feedback", tmp_path / "out.json"
    result = run(str(folder), "--format", "json", "--output", str(out), "--gradebook", str(gradebook), "--feedback", str(feedback), *FAST)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(gradebook.open(encoding="utf-8")))
    assert len(rows) == 5 and all(row["score"] == "0" for row in rows), rows
    assert sum("symbolic link" in row["error"] for row in rows) == 2
    assert not any("Internal grader error" in row["error"] or "\x1b" in row["file"] for row in rows)
    assert len(json.loads(out.read_text())) == 5 and len(list(feedback.iterdir())) == 5 + 1  # and the class overview


def test_instructor_template_command(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "grader"), "templates", "--solutions", str(repo / "solutions"), "--assignment", str(tmp_path), "--template-runs", str(tmp_path / "runs.json")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["explicit_feedback.ipynb", "implicit_sequence.ipynb", "runs.json"]
    assert (tmp_path / "runs.json").read_text() == (repo / "data" / "template_runs.json").read_text()


def test_instructor_sandbox_command_shows_level_and_limits() -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "grader"), "sandbox"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "strongest sandbox level here:" in result.stdout
    assert "memory 6.0 GiB" in result.stdout and "512 processes" in result.stdout
