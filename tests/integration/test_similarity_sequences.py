"""Part 2's class: copies of a next-item notebook (renamed and re-celled; retrained with another
smoothing) are reported, four independent models written differently are not."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from sample_notebooks import notebook, write

GRADE = str(Path(sys.executable).parent / "grade")
FAST = ["--dataset", "synthetic", "--timeout", "60", "--cell-timeout", "20", "--predict-timeout", "20", "--jobs", "2", "--quiet"]

BIGRAM = """
import numpy as np
from grader.data import load_public

windows = load_public("sequence").to_sequence().sequences
num_items = int(windows.max()) + 1
transitions = np.zeros((num_items, num_items))
for window in windows:
    previous, following = window[:-1], window[1:]
    keep = (previous > 0) & (following > 0)
    np.add.at(transitions, (previous[keep], following[keep]), 1.0)
popularity = np.bincount(windows[:, -1], minlength=num_items).astype(float)
transitions += SMOOTHING * popularity / popularity.sum()

def predict_next(sequences):
    last = np.asarray(sequences)[:, -1]
    scores = transitions[last].copy()
    scores[:, 0] = -1e9
    return scores
"""
COOCCURRENCE = """
import numpy as np
from grader.data import load_public

data = load_public("sequence")
rows = data.to_sequence().sequences
size = max(int(rows.max()) + 1, data.num_items)
together = np.zeros((size, size))
for row in rows:
    items = np.unique(row[row > 0])
    together[np.ix_(items, items)] += 1.0 / len(items)
np.fill_diagonal(together, 0.0)

def predict_next(sequences):
    history = np.asarray(sequences)
    weights = np.linspace(0.2, 1.0, history.shape[1])
    answer = np.zeros((len(history), size))
    for column, weight in zip(history.T, weights):
        answer += weight * together[column]
    answer[:, 0] = -1e9
    return answer
"""
UNSEEN_POPULAR = """
import numpy as np
from grader.data import load_public

interactions = load_public("sequence")
count = np.bincount(interactions.item_ids, minlength=interactions.num_items).astype(float)
count = np.log1p(count)

def predict_next(sequences):
    batch = np.asarray(sequences)
    out = np.repeat(count[None, :], len(batch), axis=0)
    np.put_along_axis(out, batch, -1.0, axis=1)  # what the user has just seen comes last
    out[:, 0] = -5.0
    return out
"""
SPECTRAL = """
import numpy as np
from grader.data import load_public

seq = load_public("sequence").to_sequence().sequences
n = int(seq.max()) + 1
follow = np.zeros((n, n))
for a, b in zip(seq[:, -2], seq[:, -1]):
    if a and b:
        follow[a, b] += 1
u, s, vt = np.linalg.svd(follow + follow.T, full_matrices=False)
embedding = u[:, :6] * np.sqrt(s[:6])

def predict_next(sequences):
    recent = embedding[np.asarray(sequences)[:, -3:]].mean(axis=1)
    result = recent @ embedding.T
    result[:, 0] = -1e9
    return result
"""


def test_copies_of_a_next_item_notebook_are_reported_and_independent_models_are_not(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    submissions.mkdir()
    write(submissions, "amy", notebook("SMOOTHING = 0.5\n" + BIGRAM, part="sequence"))
    renamed = BIGRAM.replace("transitions", "counts_next").replace("window", "w").replace("popularity", "pop").replace("    ", "  ")
    first, second = renamed.split("def predict_next")
    write(submissions, "ben", notebook("SMOOTHING = 0.5  # as amy's\n" + first, "# mine\ndef predict_next" + second, part="sequence"))
    write(submissions, "cleo", notebook("SMOOTHING = 3.0\n" + BIGRAM, part="sequence"))
    for name, code in (("dev", COOCCURRENCE), ("eve", UNSEEN_POPULAR), ("fay", SPECTRAL)):
        write(submissions, name, notebook(code, part="sequence"))
    out = tmp_path / "out"
    command = [GRADE, str(submissions), *FAST, "--output", str(out / "report.txt"), "--gradebook", str(out / "grades.csv")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = {Path(row["file"]).stem: row for row in csv.DictReader((out / "grades.csv").open())}
    assert all(row["error"] == "" and float(row["mrr"]) > 0 for row in rows.values()), rows
    pairs = {(Path(pair["first"]).stem, Path(pair["second"]).stem): pair for pair in csv.DictReader((out / "similarity.csv").open())}
    assert set(pairs) == {("amy", "ben"), ("amy", "cleo"), ("ben", "cleo")}, pairs
    assert all(float(pairs[pair]["code_similarity"]) > 0.9 for pair in pairs), pairs
