"""An install carries every part of the grader: each package under grader/ is listed in
pyproject.toml (setuptools installs only the listed ones, so a new subpackage left out would be
missing from `pip install .` while a checkout or an editable install still finds it), and the
libraries' private methods the grader overrides are still there."""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

import pytest

from grader.execution.channels import BoundedChannel
from grader.execution.client import GradingClient
from grader.execution.kernel import GradingKernelManager

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


@pytest.mark.parametrize(("subclass", "name"), [
    (GradingClient, "_update_display_id"),
    (BoundedChannel, "_recv"),
    (GradingKernelManager, "_async_kill_kernel"),
])
def test_the_private_methods_the_grader_overrides_still_exist(subclass: type, name: str) -> None:
    """Three security bounds override private methods of nbclient and jupyter_client (whose
    versions pyproject.toml bounds): each must still be there, with the same parameters, in the
    installed version, or the bound would silently stop applying."""
    base = next((klass for klass in subclass.__mro__[1:] if name in vars(klass)), None)
    assert base is not None, f"{subclass.__name__}.{name} overrides nothing: the installed library dropped it"
    assert base.__module__.split(".")[0] in ("nbclient", "jupyter_client"), f"{name} is no longer nbclient's or jupyter_client's"
    assert list(inspect.signature(getattr(base, name)).parameters) == list(inspect.signature(getattr(subclass, name)).parameters)
