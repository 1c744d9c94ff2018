"""Finding and reading MovieLens folders: every bad input is a clear error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.data import DatasetError, load_movielens
from grader.data.movielens import locate_movielens


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"does not exist.*u\.data"):
        load_movielens(tmp_path / "nowhere")


def test_folder_without_ratings(tmp_path: Path) -> None:
    (tmp_path / "u.item").write_text("1|Toy Story|\n")
    with pytest.raises(DatasetError, match=rf"{tmp_path}.*has no u\.data"):
        load_movielens(tmp_path)


def test_environment_variable_is_named_in_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match=r"\$GRADER_DATA_DIR"):
        load_movielens()


def test_non_numeric_ratings(tmp_path: Path) -> None:
    (tmp_path / "u.data").write_text("196\t242\t3\t881250949\n186\tabc\t3\t891717742\n")
    with pytest.raises(DatasetError, match=r"u\.data is damaged.*4 tab-separated integers"):
        load_movielens(tmp_path)


def test_truncated_line(tmp_path: Path) -> None:
    (tmp_path / "u.data").write_text("196\t242\t3\t881250949\n186\t302\n")
    with pytest.raises(DatasetError, match=r"u\.data is damaged"):
        load_movielens(tmp_path)


def test_wrong_number_of_columns(tmp_path: Path) -> None:
    (tmp_path / "u.data").write_text("196\t242\t3\n186\t302\t3\n")
    with pytest.raises(DatasetError, match="3 columns"):
        load_movielens(tmp_path)


def test_well_formed_but_not_movielens_is_refused(tmp_path: Path) -> None:
    (tmp_path / "u.data").write_text("196\t242\t3\t881250949\n")
    with pytest.raises(DatasetError, match=r"1 ratings, expected 100,000.*truncated or modified"):
        load_movielens(tmp_path)


def test_unreadable_ratings_file(tmp_path: Path) -> None:
    (tmp_path / "u.data").mkdir()  # a directory where the file should be
    with pytest.raises(DatasetError):
        load_movielens(tmp_path)


def test_empty_cache_without_download_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADER_DATA_DIR", raising=False)
    with pytest.raises(DatasetError, match="GRADER_DATA_DIR"):
        locate_movielens(cache_dir=tmp_path, download=False)


def test_parent_folder_of_ml_100k_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "ml-100k").mkdir()
    (tmp_path / "ml-100k" / "u.data").write_text("")
    assert locate_movielens(tmp_path) == tmp_path / "ml-100k"
