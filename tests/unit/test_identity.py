"""The grade's identity: every option classified, every input that decides a grade in it, no secret."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path

import pytest

from grader.grading import GradingOptions
from grader.identity import GRADE_OPTIONS, RUN_OPTIONS, grade_identity, unclassified_options
from grader.reports.journal import Journal, JournalError
from grader.sandbox import Limits

SYNTHETIC = GradingOptions(dataset="synthetic")
SECRET = 271828182845904523536028747135266249775


def test_every_grading_option_is_classified_once() -> None:
    assert unclassified_options() == set()
    assert not set(GRADE_OPTIONS) & set(RUN_OPTIONS)
    assert set(GRADE_OPTIONS) | set(RUN_OPTIONS) == {field.name for field in fields(GradingOptions)}


def test_the_split_seed_is_in_the_identity_as_a_digest_only() -> None:
    secret, other = grade_identity(replace(SYNTHETIC, split_seed=SECRET)), grade_identity(replace(SYNTHETIC, split_seed=SECRET + 1))
    assert secret["split_seed"] != other["split_seed"]
    assert str(SECRET) not in json.dumps(secret)
    # No --split-seed is the configuration's seed, the same identity as naming it.
    assert grade_identity(SYNTHETIC)["split_seed"] == grade_identity(replace(SYNTHETIC, split_seed=20261))["split_seed"]


@pytest.mark.parametrize(
    "change",
    [
        {"part": "explicit"}, {"dataset": "movielens"}, {"device": "cuda"}, {"timeout": 60.0}, {"cell_timeout": 5.0},
        {"predict_timeout": 9.0}, {"grace": 1.0}, {"sandbox": "none"}, {"limits": Limits(memory_bytes=2**30)}, {"accept_flagged": True},
    ],
)
def test_each_option_that_changes_a_score_changes_the_identity(change: dict, movielens_or_synthetic) -> None:
    base = movielens_or_synthetic
    assert grade_identity(replace(base, **change)) != grade_identity(base)


@pytest.fixture
def movielens_or_synthetic(request) -> GradingOptions:
    """Synthetic options, except where the change under test is the dataset (which needs MovieLens)."""
    if "dataset" in request.node.callspec.params["change"]:
        request.getfixturevalue("movielens_dir")
    return SYNTHETIC


def test_run_options_leave_the_identity_alone() -> None:
    assert grade_identity(replace(SYNTHETIC, jobs=4, show_cells=True, grader_memory=1)) == grade_identity(SYNTHETIC)


def test_files_count_by_their_content_not_their_path(tmp_path: Path) -> None:
    packaged = (Path(__file__).resolve().parents[2] / "grader" / "assignment.toml").read_text()
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text(packaged)
    second.write_text(packaged)
    assert grade_identity(replace(SYNTHETIC, config=first)) == grade_identity(replace(SYNTHETIC, config=second))
    assert grade_identity(replace(SYNTHETIC, config=first)) == grade_identity(SYNTHETIC)  # the packaged one, copied
    second.write_text(packaged.replace("margin = 0.01", "margin = 0.02"))
    assert grade_identity(replace(SYNTHETIC, config=second)) != grade_identity(SYNTHETIC)
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "test_extra.py").write_text("def test_one(): pass\n")
    before = grade_identity(replace(SYNTHETIC, checks=[checks]))
    (checks / "test_extra.py").write_text("def test_one(): assert True\n")
    assert grade_identity(replace(SYNTHETIC, checks=[checks])) != before


def test_the_dataset_counts_by_its_checksum(movielens_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ml-100k"
    copy.mkdir()
    ratings = (movielens_dir / "u.data").read_bytes()
    (copy / "u.data").write_bytes(ratings)
    options = GradingOptions(dataset="movielens", data_dir=movielens_dir)
    assert grade_identity(replace(options, data_dir=copy)) == grade_identity(options)  # another folder, the same files
    (copy / "u.data").write_bytes(ratings.replace(b"\t5\t", b"\t4\t", 1))
    assert grade_identity(replace(options, data_dir=copy)) != grade_identity(options)


def test_a_journal_begun_under_one_split_seed_is_not_resumed_under_another(tmp_path: Path) -> None:
    path = tmp_path / "gradebook.csv.journal"
    Journal(path, grade_identity(replace(SYNTHETIC, split_seed=SECRET))).start(resume=False)
    assert Journal(path, grade_identity(replace(SYNTHETIC, split_seed=SECRET))).read() == {}
    with pytest.raises(JournalError, match="other grading options"):
        Journal(path, grade_identity(replace(SYNTHETIC, split_seed=SECRET + 1))).read()
    assert str(SECRET) not in path.read_text()
