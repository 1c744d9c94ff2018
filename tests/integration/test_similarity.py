"""Copies between students are reported for a person to review, never penalised: a notebook
handed in again under another name, or with its variables renamed, re-indented and commented,
answers the hidden split exactly as the original does; one retrained under another seed for one
epoch fewer answers otherwise but shares its code. Independent work and two students who both
hand in a provided baseline are not reported; ``--resume`` finds the same pairs in the journal."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sample_notebooks import FACTORISATION, HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
GRADE = str(Path(sys.executable).parent / "grade")
FAST = ["--dataset", "synthetic", "--timeout", "60", "--cell-timeout", "20", "--predict-timeout", "20", "--jobs", "2", "--quiet"]
BIASES = """
import numpy as np
from grader.data import load_public

train = load_public("explicit")
mu = train.ratings.mean()
b_user, b_item = np.zeros(train.num_users), np.zeros(train.num_items)
for sweep in range(5):  # alternating least squares on the biases alone, shrunk towards zero
    left = train.ratings - mu - b_user[train.user_ids]
    b_item = np.bincount(train.item_ids, left, train.num_items) / (np.bincount(train.item_ids, minlength=train.num_items) + 10)
    left = train.ratings - mu - b_item[train.item_ids]
    b_user = np.bincount(train.user_ids, left, train.num_users) / (np.bincount(train.user_ids, minlength=train.num_users) + 25)
    print(f"sweep {sweep}: training RMSE", np.sqrt(np.mean((mu + b_user[train.user_ids] + b_item[train.item_ids] - train.ratings) ** 2)))

def predict_ratings(user_ids, item_ids):
    return np.clip(mu + b_user[user_ids] + b_item[item_ids], 1, 5)
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
    write(submissions, "alice", notebook(FACTORISATION.format(seed=0, epochs=40)))
    disguised = DISGUISED.format(seed=0, epochs=40).split("\n# my own")
    write(submissions, "bob", notebook(disguised[0], "# my own" + disguised[1]))
    write(submissions, "carol", notebook(FACTORISATION.format(seed=3, epochs=39)))
    write(submissions, "dan", notebook(HONEST_EXPLICIT))
    write(submissions, "erin", notebook(HONEST_EXPLICIT))
    write(submissions, "frank", notebook(BIASES))
    out = folder / "out"
    command = [GRADE, str(submissions), *FAST, "--format", "json", "--output", str(out / "report.json"), "--gradebook", str(out / "grades.csv"), "--feedback", str(out / "feedback")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    graded = {
        "json": {Path(r["submission"]).stem: r for r in json.loads((out / "report.json").read_text())},
        "rows": {Path(row["file"]).stem: row for row in csv.DictReader((out / "grades.csv").open())},
        "pairs": list(csv.DictReader((out / "similarity.csv").open())),
        "pages": {page.stem: page.read_text() for page in (out / "feedback").glob("*.html")},
    }
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=120)  # every report is in the journal
    assert resumed.returncode == 0, resumed.stderr
    graded["resumed"] = list(csv.DictReader((out / "similarity.csv").open()))
    return graded


def _pair(graded: dict, first: str, second: str) -> dict:
    return next(pair for pair in graded["pairs"] if (pair["first"], pair["second"]) == (f"{first}.ipynb", f"{second}.ipynb"))


def test_a_disguised_copy_is_reported_on_both_rows_with_the_evidence(graded) -> None:
    pair = _pair(graded, "alice", "bob")
    assert pair["part"] == "explicit" and float(pair["disagreement"]) < 1e-6 and float(pair["code_similarity"]) > 0.95
    assert "RMSE" in pair["evidence"] and "of the code" in pair["evidence"]
    assert graded["rows"]["alice"]["similar_to"].startswith(f"bob.ipynb (code {float(pair['code_similarity']):.2f}, disagreement 0.0000)")
    other = next(other for other in graded["json"]["alice"]["similar_to"] if other["path"] == "bob.ipynb")
    assert other["evidence"] == pair["evidence"] and other["code_similarity"] == pytest.approx(float(pair["code_similarity"]), abs=1e-4)


def test_a_copy_retrained_under_another_seed_is_reported_by_its_code(graded) -> None:
    for original in ("alice", "bob"):
        pair = _pair(graded, original, "carol")
        assert float(pair["code_similarity"]) > 0.95 and float(pair["disagreement"]) > 0.02  # it answers like independent work
    assert {other["path"] for other in graded["json"]["carol"]["similar_to"]} == {"alice.ipynb", "bob.ipynb"}
    assert len(graded["pairs"]) == 3


def test_resume_reports_the_same_pairs_from_the_journal(graded) -> None:
    assert graded["resumed"] == graded["pairs"]


def test_reported_copies_keep_their_grades(graded) -> None:
    alice, bob = graded["json"]["alice"], graded["json"]["bob"]
    assert alice["score"] == bob["score"] and not alice["flagged"] and not bob["flagged"]


def test_independent_work_and_shared_baselines_are_not_reported(graded) -> None:
    for name in ("dan", "erin", "frank"):
        assert graded["rows"][name]["similar_to"] == "" and graded["json"][name]["similar_to"] == []


def test_a_students_own_page_does_not_name_the_other_student(graded) -> None:
    pages = graded["pages"]
    alice = next(text for stem, text in pages.items() if stem.startswith("alice"))
    assert "bob" not in alice and "carol" not in alice
