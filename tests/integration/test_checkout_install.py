"""Running from the repository works with a regular (non-editable) install: the checkout's
``grader/`` shadows the installed package there, and still finds the packaged data in ``data/``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CHECK = (
    "import grader, grader.datafiles, grader.references\n"
    "from grader.data import load_public\n"
    "from grader.data.movielens import movielens_facts\n"
    "from grader.sandbox.bubblewrap import python_paths\n"
    "assert grader.references.load_references()['datasets'], 'no references'\n"
    "assert movielens_facts()['num_ratings'] == 100000\n"
    "from grader.fingerprints import template_runs\n"
    "assert len(template_runs()) > 1000, 'no template runs'\n"
    "from grader.instructor.release import fill_kit\n"
    "assert 'gradescope-run' in fill_kit('run_autograder', {'options': []}), 'no kit files'\n"
    "assert any((grader.datafiles.__path__[0] + '/').startswith(p + '/') for p in python_paths()), 'data not bound'\n"
    "print(grader.__file__, grader.datafiles.__file__)\n"
)


@pytest.fixture(scope="module")
def installed_python(tmp_path_factory) -> Path:
    """The interpreter of a fresh environment with the project installed from a copy of its
    sources, offline and non-editable; the test environment's packages are visible to it, not
    the way the project is installed there."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in ("grader", "data"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    outer = subprocess.run([sys.executable, "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True)
    (next(venv.glob("lib/python3*/site-packages")) / "test-environment.pth").write_text(outer.stdout)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation", str(source)],
        capture_output=True, text=True, timeout=300, cwd=root,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def test_the_install_is_regular_and_complete(installed_python: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(installed_python), "-c", CHECK], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    package, datafiles = result.stdout.split()
    assert "site-packages" in package and "site-packages" in datafiles and "__editable__" not in package


def test_the_checkout_finds_its_data_from_the_repository_root(installed_python: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
    result = subprocess.run([str(installed_python), "-c", CHECK], capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert result.returncode == 0, result.stderr
    package, datafiles = result.stdout.split()
    assert package == str(REPO / "grader" / "__init__.py") and datafiles == str(REPO / "data" / "__init__.py")
    imported = subprocess.run([str(installed_python), "-c", "import grader.references"], capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert imported.returncode == 0 and imported.stderr == "", imported.stderr


def test_pytest_collects_from_the_repository_root(installed_python: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}
    result = subprocess.run(
        [str(installed_python), "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=300, cwd=REPO, env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "error" not in result.stdout.lower().splitlines()[-1]
