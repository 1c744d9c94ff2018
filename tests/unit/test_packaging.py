"""An install carries every part of the grader: each package under grader/ is listed in
pyproject.toml (setuptools installs only the listed ones, so a new subpackage left out would be
missing from `pip install .` while a checkout or an editable install still finds it)."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_package_of_the_grader_is_installed() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(REPO).parts) for path in (REPO / "grader").rglob("__init__.py")}
    assert found - listed == set(), "add them to [tool.setuptools] packages in pyproject.toml"
    assert listed - found == {"grader.datafiles"}  # data/, mapped to grader.datafiles


def test_test_files_have_unique_names() -> None:
    """tests/ has no packages: pytest imports each test file by its base name, so two files of one
    name in different folders cannot both be collected."""
    names = [path.name for path in (REPO / "tests").rglob("test_*.py")]
    assert sorted({name for name in names if names.count(name) > 1}) == []
