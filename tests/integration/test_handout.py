"""The student hand-out: templates, README, the grader's wheel and the practice workflow, as a
folder and a zip; no solutions and no instructor configuration anywhere in it."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.config import load_config
from grader.instructor.handout import HandoutError, write_handout

REPO = Path(__file__).resolve().parents[2]
GRADER = str(Path(sys.executable).parent / "grader")
TEMPLATES = ["explicit_feedback.ipynb", "implicit_sequence.ipynb"]


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("release") / "handout"
    result = subprocess.run([GRADER, "handout", str(folder), "--assignment", str(REPO / "assignment")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return folder


def _every_file(handout: Path) -> dict[str, bytes]:
    """The zip's files, and the files inside the wheels it holds, by name."""
    files = {}
    with zipfile.ZipFile(handout.with_name("handout.zip")) as archive:
        for name in archive.namelist():
            files[name] = archive.read(name)
            if name.endswith(".whl"):
                with zipfile.ZipFile(io.BytesIO(files[name])) as wheel:
                    files.update({f"{name}!{inner}": wheel.read(inner) for inner in wheel.namelist()})
    return files


def test_folder_and_zip_hold_the_release(handout: Path) -> None:
    files = _every_file(handout)
    on_disk = sorted(path.relative_to(handout.parent).as_posix() for path in handout.rglob("*") if path.is_file())
    assert sorted(name for name in files if "!" not in name) == on_disk
    assert {f"handout/{name}" for name in TEMPLATES} | {"handout/README.md", "handout/.github/workflows/grade.yml"} <= set(files)
    assert any(name.startswith("handout/dist/recsys_grader-") for name in files)


def test_no_solutions_and_no_instructor_configuration(handout: Path) -> None:
    files = _every_file(handout)
    for name, content in files.items():
        if "!" in name and name.endswith(".py"):
            continue  # the grader's own code (templates.py names the markers it strips)
        assert b"### BEGIN SOLUTION" not in content and b"### END SOLUTION" not in content, name
    assert not any("!" in name and name.endswith(".ipynb") for name in files)
    assert not any("solutions/" in name or name.endswith(("split-seed", "references.json.bak")) for name in files)
    shipped = tomllib.loads(next(content for name, content in files.items() if name.endswith("!grader/assignment.toml")).decode())
    assert shipped["partition"]["seed"] == load_config().seed  # the public default, nothing else


def test_readme_tells_students_what_to_do(handout: Path) -> None:
    readme = (handout / "README.md").read_text()
    for words in ("## Install", "jupyter lab", "Self-check", "grade explicit_feedback.ipynb", "## What the grading kernel has", "No internet", *TEMPLATES):
        assert words in readme
    wheel = next((handout / "dist").glob("*.whl")).relative_to(handout).as_posix()
    assert f"pip install {wheel}" in readme
    workflow = yaml.safe_load((handout / ".github/workflows/grade.yml").read_text())
    assert any(wheel in step.get("run", "") for step in workflow["jobs"]["grade"]["steps"])


def test_a_template_holding_a_solution_is_refused(tmp_path: Path) -> None:
    assignment = tmp_path / "assignment"
    assignment.mkdir()
    text = (REPO / "solutions" / "explicit_feedback.ipynb").read_text()
    (assignment / "explicit_feedback.ipynb").write_text(text)
    with pytest.raises(HandoutError, match=r"explicit_feedback\.ipynb, cell \d+, holds a solution region.*grader templates"):
        write_handout(tmp_path / "out", assignment)
    assert not (tmp_path / "out").exists()
