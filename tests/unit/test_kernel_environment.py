"""`grader env` lists what a graded notebook can import, with versions, as requirements lines."""

from __future__ import annotations

from importlib import metadata

from click.testing import CliRunner

from grader.cli import main


def test_grader_env_lists_the_kernels_packages_with_versions() -> None:
    result = CliRunner().invoke(main, ["env"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("# Graded notebooks run on ") and "Python 3." in lines[0]
    requirements = dict(line.split("==", 1) for line in lines if not line.startswith("#"))
    for package in ("numpy", "torch", "scipy", "matplotlib", "tqdm"):
        assert requirements[package] == metadata.version(package)
