"""Shared fixtures: the small synthetic dataset for fast tests, MovieLens 100K for real-data tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.data import Interactions, synthetic_interactions
from grader.sandbox.limits import usable_cores

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker grades with its share of the cores: kernels of two workers
    that each start a thread per core slow each other several-fold (torch spins on busy cores)."""
    workers = getattr(config, "workerinput", {}).get("workercount")
    if workers and "PYTHON_CPU_COUNT" not in os.environ:
        os.environ["PYTHON_CPU_COUNT"] = str(max(1, usable_cores() // int(workers)))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Notebooks trained on MovieLens first: the longest files start while other workers take the
    rest, so that no worker is left with a long file at the end (the order within a file is kept)."""
    items.sort(key=lambda item: "real_data" not in item.nodeid)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes to (or silently downloads into) the user's real dataset cache."""
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("GRADER_PUBLIC_DATA", raising=False)


@pytest.fixture(scope="session")
def synthetic() -> Interactions:
    """The default synthetic dataset (small, seeded)."""
    return synthetic_interactions()


@pytest.fixture(scope="session")
def movielens_dir() -> Path:
    """The MovieLens 100K folder named by GRADER_DATA_DIR; the test is skipped without it."""
    named = os.environ.get("GRADER_DATA_DIR")
    if not named:
        pytest.skip("GRADER_DATA_DIR is not set: real-data tests need MovieLens 100K (CI sets it to ../shared/data/ml-100k)")
    folder = Path(named)
    if not (folder / "u.data").is_file():
        pytest.skip(f"GRADER_DATA_DIR={named} holds no u.data: real-data tests need MovieLens 100K")
    return folder
