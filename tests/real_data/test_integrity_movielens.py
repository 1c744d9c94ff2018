"""Carried labels against a secret seed, on MovieLens 100K: notebooks built here from the public
files as an adversarial student would build them at home, graded end to end.

Each attacker is given more than the real attack can have: the secret id mapping itself, as if
its matching of the public histograms and co-occurrences had been perfect. What it carries is
what fits in a notebook: a few hundred to a few thousand labels, chosen where the provided
baseline is most wrong (Part 1), or test windows computed at home with their targets (Part 2).
Each ends flagged with its metric points withheld, or no better than the provided baselines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.baselines import UserItemBiases
from grader.data import load_dataset, next_item_test_set
from grader.grading import GradingOptions, GradingSession

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = [pytest.mark.movielens, pytest.mark.slow]
SECRET_SEED = 161803398874989484820458683436563811772
METRIC_CHECKS = ("The metric beats the baseline", "The metric reaches the target")
BASELINES_ALONE = 5  # ran, valid output and beating the weak baseline: what the provided strong baseline earns

CARRIED_RATINGS = """
import numpy as np
from grader.baselines import UserItemBiases
from grader.data import load_public
model = UserItemBiases().fit(load_public("explicit"))
CARRIED = {{}}
for line in TABLE.split(";"):
    user, item, rating = map(int, line.split(","))
    CARRIED[user, item] = rating
BLUR, DECOYS = {blur}, {decoys}
rng = np.random.default_rng(0)

def predict_ratings(user_ids, item_ids):
    answers = model.predict_ratings(user_ids, item_ids)
    moves = []
    for row, pair in enumerate(zip(user_ids.tolist(), item_ids.tolist())):
        if pair in CARRIED:
            moves.append(BLUR * (CARRIED[pair] - answers[row]))
            answers[row] += moves[-1]
    if DECOYS and moves:  # as many random departures of the same sizes, to hide the corrections among them
        rows = rng.choice(len(answers), size=len(moves), replace=False)
        answers[rows] += rng.choice([-1.0, 1.0], len(moves)) * np.abs(moves)
    return answers
"""

CARRIED_WINDOWS = """
import numpy as np
from grader.baselines import ItemTransitions
from grader.data import load_public
model = ItemTransitions().fit(load_public("sequence"))
CARRIED = {}
for line in TABLE.split(";"):
    before, last, target = map(int, line.split(","))
    CARRIED[before, last] = target

def predict_next(sequences):
    scores = model.predict_next(sequences).astype(np.float64)
    for row, window in enumerate(sequences.tolist()):
        target = CARRIED.get((window[-2], window[-1]))
        if target is not None:
            scores[row, target] = scores[row].max() + 1.0
    return scores
"""


@pytest.fixture(scope="module")
def session(movielens_dir: Path):
    options = GradingOptions(dataset="movielens", data_dir=movielens_dir, split_seed=SECRET_SEED, predict_timeout=60)
    with GradingSession(options) as graded:
        yield graded


@pytest.fixture(scope="module")
def everything(movielens_dir: Path):
    """What a student has at home: every public rating."""
    return load_dataset("movielens", movielens_dir)


def _table(rows) -> str:
    """The payload as a notebook carries it: one short string of numbers per cell line."""
    return ";".join(",".join(str(int(value)) for value in row) for row in rows)


def _cells(table: str) -> list[str]:
    pieces = [table[start : start + 4_000] for start in range(0, len(table), 4_000)]
    return ["TABLE = ''"] + [f"TABLE += {piece!r}" for piece in pieces]


def _metric_points(report) -> float:
    return sum(test.score for test in report.parts[0].tests if test.name in METRIC_CHECKS)


def _contained(report) -> None:
    """Flagged with the metric points withheld, or no better than the provided baselines."""
    assert report.flagged and _metric_points(report) == 0 or report.score <= BASELINES_ALONE, (report.score, report.parts[0].metrics, report.flags)


@pytest.mark.parametrize("payload, blur, decoys", [(400, 1.0, False), (1500, 1.0, False), (1500, 0.5, False), (3000, 0.25, False), (1500, 0.6, True)])
def test_carried_ratings_are_flagged_exact_or_blurred(session, everything, tmp_path, payload: int, blur: float, decoys: bool) -> None:
    biases = UserItemBiases().fit(everything)
    error = np.abs(everything.ratings - biases.predict_ratings(everything.user_ids, everything.item_ids))
    worst = np.argsort(-error, kind="stable")[:payload]
    users, items = session.anonymisation.users, session.anonymisation.items  # the perfect matching
    rows = zip(users[everything.user_ids[worst]], items[everything.item_ids[worst]], everything.ratings[worst])
    source = notebook(*_cells(_table(rows)), CARRIED_RATINGS.format(blur=blur, decoys=decoys))
    report = session.grade(write(tmp_path, f"ratings_{payload}_{blur}_{decoys}", source))
    assert report.parts[0].metrics["rmse"] < report.parts[0].baselines["user_item_biases"]["rmse"]  # the labels were used
    assert report.flagged and _metric_points(report) == 0, (report.parts[0].metrics, report.flags)
    assert any("hidden rating" in flag for flag in report.flags)  # the answers give it away, whatever the notebook's size


@pytest.mark.parametrize("payload", [300, 3000])
def test_windows_computed_at_home_miss_the_graded_ones(session, everything, tmp_path, payload: int) -> None:
    home = next_item_test_set(everything)  # every user's most recent windows, as the grader once chose them
    items = session.anonymisation.items
    rows = [(items[inputs[-2]], items[inputs[-1]], items[target]) for inputs, target in zip(home.inputs[:payload], home.targets[:payload]) if inputs[-2] > 0]
    report = session.grade(write(tmp_path, f"windows_{payload}", notebook(*_cells(_table(rows)), CARRIED_WINDOWS, part="sequence")))
    assert report.parts[0].metrics is not None, report.parts[0].prediction_error
    _contained(report)


def test_honest_baselines_are_not_flagged_under_the_secret_seed(session, tmp_path) -> None:
    report = session.grade(write(tmp_path, "biases", notebook(HONEST_EXPLICIT)))
    assert not report.flags and report.score == pytest.approx(BASELINES_ALONE, abs=0.5)  # clipping gains a sliver
