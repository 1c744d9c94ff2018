"""Shared fixtures: the small synthetic dataset for fast tests, MovieLens 100K for real-data tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.data import Interactions, synthetic_interactions

REPO = Path(__file__).resolve().parents[1]


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
