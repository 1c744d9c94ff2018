"""The Gradescope bundle, run as Gradescope runs it: unzipped into /autograder/source (here a
temporary root named by AUTOGRADER_ROOT), setup.sh's Python steps run offline, then
run_autograder grades the submission into results.json, valid against Gradescope's schema.

Like Gradescope's container, the test's allows no namespaces (a bubblewrap that cannot start),
so the grade is made at the sandbox level docs/ci-and-gradescope.md promises there: rlimits."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from grader.data import assignment_split, synthetic_interactions
from grader.data.movielens import DatasetError
from grader.instructor.gradescope import NO_NOTEBOOK, build_bundle, grade_submission, merge_results

from sample_notebooks import CONSTANT_PREDICTOR, notebook, write

pytestmark = pytest.mark.slow
GRADER = str(Path(sys.executable).parent / "grader")
SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "gradescope_results.schema.json").read_text())
# A constant far from every mean rating: under any secret seed it earns `ran` and `valid` only (a
# constant near the mean can beat the training mean on the hidden set by chance, and earn a sliver).
CONSTANT_RATING = 1.0
CONSTANT = f"import numpy as np\n\ndef predict_ratings(user_ids, item_ids):\n    return np.full(len(user_ids), {CONSTANT_RATING})"
NO_NAMESPACES = "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"
RECORD_ONLY = "#!/bin/sh\nexit 0\n"


def _unzip(bundle: Path, folder: Path) -> None:
    """Unzip as unzip(1) does, keeping each file's mode."""
    with zipfile.ZipFile(bundle) as archive:
        for entry in archive.infolist():
            path = Path(archive.extract(entry, folder))
            path.chmod((entry.external_attr >> 16) & 0o777 or 0o644)


def _python_environment(venv: Path) -> None:
    """A bare virtual environment that also sees the test environment's packages (torch and the
    grader's dependencies, so that pip installs offline), but not how the grader is installed there."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    outer = subprocess.run([sys.executable, "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True)
    (next(venv.glob("lib/python3*/site-packages")) / "test-environment.pth").write_text(outer.stdout)


@pytest.fixture
def autograder_root():
    """Gradescope's /autograder: a folder the kernels' unprivileged uids can traverse, as theirs is
    (pytest's own temporary folders are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_bundle_runs_as_gradescope_runs_it(tmp_path: Path, autograder_root: Path) -> None:
    bundle = tmp_path / "autograder.zip"
    made = subprocess.run([GRADER, "gradescope-bundle", str(bundle), "--dataset", "synthetic", "--timeout", "60"], capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    names = zipfile.ZipFile(bundle).namelist()
    assert {"setup.sh", "run_autograder", "assignment.toml", "references.json", "split-seed"} <= set(names)
    assert any(name.startswith("dist/recsys_grader-") and name.endswith(".whl") for name in names)

    root = autograder_root
    _unzip(bundle, root / "source")
    seed = (root / "source" / "split-seed").read_text().strip()
    for script in ("setup.sh", "run_autograder"):
        assert seed not in (root / "source" / script).read_text()
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    _python_environment(root / "venv")
    tools = tmp_path / "tools"
    tools.mkdir()
    for name, script in (("apt-get", RECORD_ONLY), ("bwrap", NO_NAMESPACES)):
        (tools / name).write_text(script)
        (tools / name).chmod(0o755)
    env = {"PATH": f"{tools}:/usr/bin:/bin", "HOME": str(tmp_path / "home"), "AUTOGRADER_ROOT": str(root), "PIP_NO_INDEX": "1", "LANG": "C.UTF-8"}

    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert (root / "venv" / "bin" / "grade").is_file() and (root / "source").stat().st_mode & 0o077 == 0

    (root / "submission").mkdir()
    write(root / "submission", "my_notebook", notebook(CONSTANT))
    graded = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 3 and len(results["tests"]) == 4
    assert results["extra_data"]["sandbox"] == "rlimits" and "rlimits" in graded.stderr
    hidden = assignment_split(synthetic_interactions(), "explicit", int(seed)).hidden
    assert results["extra_data"]["metrics"]["rmse"] == pytest.approx(float(np.sqrt(np.mean((hidden.ratings - CONSTANT_RATING) ** 2))))


@pytest.mark.movielens
def test_the_bundle_can_carry_movielens(movielens_dir: Path, tmp_path: Path) -> None:
    bundle = build_bundle(tmp_path / "autograder.zip", split_seed=7, data_dir=movielens_dir)
    with zipfile.ZipFile(bundle) as archive:
        assert {"ml-100k/u.data", "ml-100k/u.item", "ml-100k/u.user"} <= set(archive.namelist())
        assert archive.read("split-seed") == b"7\n" and b"MovieLens 100K is in the bundle" in archive.read("setup.sh")
    (tmp_path / "damaged").mkdir()
    for name in ("u.data", "u.item", "u.user"):
        (tmp_path / "damaged" / name).write_text("1\t1\t5\t0\n")
    with pytest.raises(DatasetError, match=r"u\.data is missing or not the published MovieLens 100K file"):
        build_bundle(tmp_path / "other.zip", data_dir=tmp_path / "damaged")


def test_a_submission_without_a_notebook_gets_a_result(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "model.py").write_text("print('not a notebook')\n")
    document = grade_submission(tmp_path, [])
    jsonschema.validate(document, SCHEMA)
    assert document["score"] == 0 and document["output"] == NO_NOTEBOOK


def test_copies_of_a_notebook_never_add_up(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    for name in ("copy1.ipynb", "copy2.ipynb"):
        write(tmp_path / "submission", name.removesuffix(".ipynb"), notebook(CONSTANT_PREDICTOR.replace("if LEAKS", "if False")))
    document = grade_submission(tmp_path, [])
    jsonschema.validate(document, SCHEMA)
    assert document["score"] == 0 and "only one is graded" in document["output"] and "copy1.ipynb, copy2.ipynb" in document["output"]


def test_the_parts_of_one_notebook_merge_into_one_result() -> None:
    def document(name: str, part: str, score: float) -> dict:
        test = {"name": "The notebook ran to the end", "score": score, "max_score": 1, "status": "passed", "output": "", "visibility": "visible"}
        return {"score": score, "execution_time": 2.0, "output": "ran", "tests": [test], "extra_data": {"submission": f"/autograder/submission/{name}", "part": part}}

    merged = merge_results([document("a.ipynb", "explicit", 1), document("a.ipynb", "sequence", 0.5)])
    jsonschema.validate(merged, SCHEMA)
    assert merged["score"] == 1.5 and merged["execution_time"] == 4
    assert [test["name"] for test in merged["tests"]] == ["a.ipynb, Part 1: The notebook ran to the end", "a.ipynb, Part 2: The notebook ran to the end"]
