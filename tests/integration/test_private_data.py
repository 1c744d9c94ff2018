"""Grading on private ratings: the instructor's own file in u.data format, checked by `grader
check-data`, graded with `--dataset private`, and out of reach of any table of public labels."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader.data import synthetic_interactions
from grader.grading import GradingSession

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
GRADER = str(Path(sys.executable).parent / "grader")

# A table of every public label of the synthetic dataset, the way MovieLens's would be carried.
PUBLIC_LABELS = """
import numpy as np
from grader.data import synthetic_interactions
from grader.data.anonymisation import Anonymisation
full = synthetic_interactions()
space = Anonymisation.from_seed(20261, full.num_users, full.num_items)  # even the id space is known here
table = {(int(space.users[u]), int(space.items[i])): float(r) for u, i, r in zip(full.user_ids, full.item_ids, full.ratings)}

def predict_ratings(user_ids, item_ids):
    return np.array([table.get((int(u), int(i)), 3.5) for u, i in zip(user_ids, item_ids)])
"""


def _write_ratings(folder: Path, table: np.ndarray) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / "u.data", table, fmt="%d", delimiter="\t")
    return folder


@pytest.fixture(scope="module")
def private(tmp_path_factory) -> Path:
    """Ratings of the same shape as the public ones that no public file holds (another generator seed)."""
    private = synthetic_interactions(seed=99)
    table = np.stack([private.user_ids, private.item_ids, private.ratings, private.timestamps], axis=1)
    return _write_ratings(tmp_path_factory.mktemp("private") / "course", table)


def _check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([GRADER, "check-data", str(folder)], capture_output=True, text=True, timeout=120)


def test_a_good_file_is_summarised(private: Path) -> None:
    result = _check(private)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ratings by" in result.stdout and "usable for grading (--dataset private)" in result.stdout


@pytest.mark.parametrize(
    "rows, words",
    [
        ([[1, 1, 6, 0], [1, 2, 3, 0]], "ratings are 1 to 5 stars; this file has 3 to 6"),
        ([[1, 1, 4, 0], [1, 1, 3, 5]], "1 (user, item) pairs are rated more than once"),
        ([[0, 1, 4, 0], [1, 2, 3, 5]], "ids start at 1"),
        ([[1, 1, 4], [1, 2, 3]], "needs 4 columns"),
    ],
)
def test_a_bad_file_is_refused_saying_what_to_fix(tmp_path: Path, rows, words: str) -> None:
    result = _check(_write_ratings(tmp_path / "bad", np.array(rows)))
    assert result.returncode == 1 and words in result.stdout, result.stdout
    assert "not usable for grading" in result.stdout


def test_the_public_movielens_file_is_not_private(movielens_dir: Path) -> None:
    result = _check(movielens_dir)
    assert result.returncode == 1 and "this is the public MovieLens 100K u.data" in result.stdout


def test_private_ratings_are_graded_and_public_labels_answer_nothing(private: Path, fast_options, tmp_path: Path) -> None:
    options = replace(fast_options, dataset="private", data_dir=private, predict_timeout=30)
    with GradingSession(options) as session:
        honest = session.grade(write(tmp_path, "honest", notebook(HONEST_EXPLICIT)))
        lookup = session.grade(write(tmp_path, "lookup", notebook(PUBLIC_LABELS)))
    assert honest.parts[0].metrics["rmse"] < honest.parts[0].baselines["global_mean"]["rmse"] and not honest.flags
    assert lookup.parts[0].metrics["rmse"] > honest.parts[0].metrics["rmse"]  # the public labels are not the graded ones
    assert lookup.score <= honest.score
