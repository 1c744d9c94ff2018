"""Copies between students are reported for a person to review, never penalised: a notebook
handed in again under another name, or with its variables renamed, re-indented and commented,
answers the hidden split exactly as the original does; independent work and two students who
both hand in a provided baseline are not reported."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
GRADE = str(Path(sys.executable).parent / "grade")
FAST = ["--dataset", "synthetic", "--timeout", "60", "--cell-timeout", "20", "--predict-timeout", "20", "--jobs", "2", "--quiet"]

FACTORISATION = """
import numpy as np
from grader.data import load_public

SEED, EPOCHS = {seed}, 40
data = load_public("explicit")
rng = np.random.default_rng(SEED)
users, items, ratings = data.user_ids, data.item_ids, data.ratings.astype(float)
mean = ratings.mean()
P = rng.normal(0, 0.1, (data.num_users, 8))
Q = rng.normal(0, 0.1, (data.num_items, 8))
for epoch in range(EPOCHS):
    error = mean + (P[users] * Q[items]).sum(1) - ratings
    grad_p, grad_q = np.zeros_like(P), np.zeros_like(Q)
    np.add.at(grad_p, users, error[:, None] * Q[items])
    np.add.at(grad_q, items, error[:, None] * P[users])
    P -= 0.1 * (grad_p / np.bincount(users, minlength=len(P)).clip(1)[:, None] + 0.02 * P)
    Q -= 0.1 * (grad_q / np.bincount(items, minlength=len(Q)).clip(1)[:, None] + 0.02 * Q)

def predict_ratings(user_ids, item_ids):
    return np.clip(mean + (P[user_ids] * Q[item_ids]).sum(1), 1, 5)
"""
DISGUISED = (  # renamed, re-indented, commented, split into two cells at "# my own"
    FACTORISATION.replace("for epoch in range(EPOCHS):", "# my own training loop\nfor step in range(EPOCHS):  # full batch")
    .replace("P", "user_factors").replace("Q", "item_factors").replace("error", "residual").replace("\n    ", "\n        ")
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("similarity")
    submissions = folder / "class"
    submissions.mkdir()
    write(submissions, "alice", notebook(FACTORISATION.format(seed=0)))
    disguised = DISGUISED.format(seed=0).split("\n# my own")
    write(submissions, "bob", notebook(disguised[0], "# my own" + disguised[1]))
    write(submissions, "carol", notebook(FACTORISATION.format(seed=3)))
    write(submissions, "dan", notebook(HONEST_EXPLICIT))
    write(submissions, "erin", notebook(HONEST_EXPLICIT))
    out = folder / "out"
    result = subprocess.run(
        [GRADE, str(submissions), *FAST, "--format", "json", "--output", str(out / "report.json"), "--gradebook", str(out / "grades.csv"), "--feedback", str(out / "feedback")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return {
        "json": {Path(r["submission"]).stem: r for r in json.loads((out / "report.json").read_text())},
        "rows": {Path(row["file"]).stem: row for row in csv.DictReader((out / "grades.csv").open())},
        "pairs": list(csv.DictReader((out / "similarity.csv").open())),
        "pages": {page.stem: page.read_text() for page in (out / "feedback").glob("*.html")},
    }


def test_a_disguised_copy_is_reported_on_both_rows_with_the_evidence(graded) -> None:
    assert graded["rows"]["alice"]["similar_to"] == "bob.ipynb" and graded["rows"]["bob"]["similar_to"] == "alice.ipynb"
    (pair,) = graded["pairs"]
    assert (pair["part"], pair["first"], pair["second"]) == ("explicit", "alice.ipynb", "bob.ipynb")
    assert float(pair["disagreement"]) < 1e-6 and "RMSE" in pair["evidence"]
    (other,) = graded["json"]["alice"]["similar_to"]
    assert other["path"] == "bob.ipynb" and other["evidence"] == pair["evidence"]


def test_reported_copies_keep_their_grades(graded) -> None:
    alice, bob = graded["json"]["alice"], graded["json"]["bob"]
    assert alice["score"] == bob["score"] and not alice["flagged"] and not bob["flagged"]


def test_independent_work_and_shared_baselines_are_not_reported(graded) -> None:
    for name in ("carol", "dan", "erin"):
        assert graded["rows"][name]["similar_to"] == "" and graded["json"][name]["similar_to"] == []


def test_a_students_own_page_does_not_name_the_other_student(graded) -> None:
    pages = graded["pages"]
    alice = next(text for stem, text in pages.items() if stem.startswith("alice"))
    assert "bob" not in alice
