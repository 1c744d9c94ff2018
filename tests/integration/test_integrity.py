"""A score that can be trusted: notebooks that try to win points without a model, built here as an
adversarial student would write them, end where an honest model of the same kind ends, or are
flagged for review with their metric points withheld.

The synthetic dataset plays MovieLens's part: its generator is public, exactly as MovieLens is,
so a notebook can rebuild every label inside the kernel.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader.data import synthetic_interactions
from grader.grading import GradingSession

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
SECRET_SEED = 271828182845904523536028747135266249775
METRIC_CHECKS = ("The metric beats the baseline", "The metric reaches the target")

LOOKUP = """
import numpy as np
from grader.data import load_public, synthetic_interactions
full = synthetic_interactions()  # every label, with the public ids
table = {(int(u), int(i)): float(r) for u, i, r in zip(full.user_ids, full.item_ids, full.ratings)}
mean = float(load_public("explicit").ratings.mean())

def predict_ratings(user_ids, item_ids):
    return np.array([table.get((int(u), int(i)), mean) for u, i in zip(user_ids, item_ids)])
"""

DEANONYMISED_LOOKUP = LOOKUP.replace(
    "table = {(int(u), int(i))",
    "from grader.data.anonymisation import Anonymisation\n"
    "space = Anonymisation.from_seed(20261, full.num_users, full.num_items)  # the public seed is public\n"
    "table = {(int(space.users[u]), int(space.items[i]))",
)

CROSS_PART = """
import os
import numpy as np
from grader.data import load_public
LEAKS = []
try:
    other = load_public("sequence")  # the other part's public set would answer this part
    LEAKS.append(f"read {len(other)} ratings of the other part")
except Exception as error:
    print("refused:", type(error).__name__)
LEAKS += [name for name in os.listdir(".") if "sequence" in name]
mean = float(load_public("explicit").ratings.mean())

def predict_ratings(user_ids, item_ids):
    if LEAKS:
        raise RuntimeError("LEAKED: " + "; ".join(LEAKS))
    return np.full(len(user_ids), mean)
"""

# Part 2: a popularity model, honest (rules out its own inputs) or using the rows next to it in
# its batch as if they were the same user's other windows, the way they used to arrive.
POPULARITY = """
import numpy as np
from grader.data import load_public
public = load_public("sequence")
popularity = np.bincount(public.item_ids, minlength=public.num_items).astype(float)
USE_NEIGHBOURS = {neighbours}

def predict_next(sequences):
    scores = np.tile(popularity, (len(sequences), 1))
    np.put_along_axis(scores, sequences, -1e9, axis=1)
    if USE_NEIGHBOURS:
        for k in range(len(sequences)):
            for j in (k - 1, k + 1):
                if 0 <= j < len(sequences):
                    scores[k, sequences[j][sequences[j] > 0]] = -1e9
    return scores
"""

# Part 2: first-order co-occurrence, honest or also reading the next row as "future context".
COOCCURRENCE = """
import numpy as np
from grader.data import load_public
public = load_public("sequence")
windows = public.to_sequence(2, step_size=1, min_sequence_length=2).sequences
follows = np.zeros((public.num_items, public.num_items))
np.add.at(follows, (windows[:, 0], windows[:, 1]), 1.0)
follows += follows.T
popularity = np.bincount(public.item_ids, minlength=public.num_items) / len(public)
USE_NEXT_ROW = {future}

def predict_next(sequences):
    scores = follows[sequences[:, -1]] + follows[sequences[:, -2]] * 0.5 + popularity
    if USE_NEXT_ROW:
        future = np.roll(sequences, -1, axis=0)
        scores = scores + follows[future[:, 0]] + follows[future[:, 1]]
    np.put_along_axis(scores, sequences, -1e9, axis=1)
    return scores
"""

# Part 2: item transitions, honest or re-ranked with the hidden targets found by recognising each
# public user's history (its ratings and seconds, or its length) in the public data, which maps
# the public ids onto the kernel's.
FINGERPRINTS = """
import numpy as np
from grader.baselines import ItemTransitions
from grader.data import load_public, next_item_test_set, synthetic_interactions
from grader.data.anonymisation import time_order
public = load_public("sequence")
model = ItemTransitions().fit(public)
USE_FINGERPRINTS = {fingerprints}

def histories(users, items, ratings, ranks):
    order = np.lexsort((np.arange(len(users)), ranks, users))
    users, items, ratings, ranks = users[order], items[order], ratings[order], ranks[order]
    starts = np.r_[0, np.flatnonzero(users[1:] != users[:-1]) + 1, len(users)]
    found = {{}}
    for a, b in zip(starts[:-1], starts[1:]):
        for key in ((b - a, ratings[a:b].tobytes(), ranks[a:b].tobytes()), b - a):  # exact history, or its length
            found.setdefault(key, []).append(items[a:b])
    return {{key: lists[0] for key, lists in found.items() if len(lists) == 1}}

boost = {{}}
if USE_FINGERPRINTS:
    full = synthetic_interactions()  # what the public MovieLens files are to the real homework
    home = histories(full.user_ids, full.item_ids, full.ratings.astype(np.float32), time_order(full.user_ids, full.timestamps))
    seen = histories(public.user_ids, public.item_ids, public.ratings.astype(np.float32), public.timestamps)
    mapping = {{}}
    for key, items in seen.items():
        if key in home and len(home[key]) == len(items):
            mapping.update(zip(home[key].tolist(), items.tolist()))
    rows = next_item_test_set(full)  # every user's test windows, the hidden users' among them
    for inputs, target in zip(rows.inputs, rows.targets):
        a, b, t = (mapping.get(int(x)) for x in (inputs[-1], inputs[-2], target))
        if None not in (a, b, t):
            boost[(a, b)] = t
print(len(boost), "targets found")

def predict_next(sequences):
    scores = model.predict_next(sequences).astype(np.float64)
    for row, window in enumerate(sequences):
        target = boost.get((int(window[-1]), int(window[-2])))
        if target is not None:
            scores[row, target] = scores[row].max() + 1.0
    return scores
"""

FRAME_SNOOP = """
import sys
import numpy as np
from grader.data import load_public
public = load_public("sequence")
popularity = np.bincount(public.item_ids, minlength=public.num_items).astype(float)
SEEN = []

def predict_next(sequences):
    frame, found = sys._getframe(1), []
    while frame is not None:
        for value in list(frame.f_locals.values()) + [frame.f_code.co_consts]:
            if isinstance(value, np.ndarray) and value.ndim == 2 and len(value) > len(sequences):
                found.append(f"an array of {len(value)} rows")
            if isinstance(value, str) and len(value) > 200 * len(sequences) + 1000:
                found.append(f"a string of {len(value)} characters")
        frame = frame.f_back
    history = get_ipython().history_manager.input_hist_raw + list(In)
    found += [f"history entry of {len(entry)} characters" for entry in history if len(entry) > 200 * len(sequences) + 1000]
    if found:
        raise RuntimeError("LEAKED: " + "; ".join(found))
    return np.tile(popularity, (len(sequences), 1))
"""


def _embedded_lookup() -> str:
    """LOOKUP, but with the labels carried inside the notebook as a compressed literal."""
    full = synthetic_interactions()
    table = np.stack([full.user_ids, full.item_ids, full.ratings.astype(np.int64)]).astype(np.int16)
    blob = base64.b64encode(zlib.compress(table.tobytes(), 9)).decode()
    return (
        "import base64, zlib\nimport numpy as np\n"
        f"BLOB = {blob!r}\n"
        "u, i, r = np.frombuffer(zlib.decompress(base64.b64decode(BLOB)), dtype=np.int16).reshape(3, -1)\n"
        "table = {(int(a), int(b)): float(c) for a, b, c in zip(u, i, r)}\n"
        "def predict_ratings(user_ids, item_ids):\n"
        "    return np.array([table.get((int(a), int(b)), 3.5) for a, b in zip(user_ids, item_ids)])\n"
    )


def _tests(report) -> dict:
    return {test.name: test for test in report.parts[0].tests}


def _metric_points(report) -> float:
    return sum(test.score for name, test in _tests(report).items() if name in METRIC_CHECKS)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("integrity")


@pytest.fixture(scope="module")
def public_seed(fast_options):
    with GradingSession(replace(fast_options, predict_timeout=30)) as session:
        yield session


@pytest.fixture(scope="module")
def secret_seed(fast_options):
    with GradingSession(replace(fast_options, predict_timeout=30, split_seed=SECRET_SEED)) as session:
        yield session


@pytest.fixture(scope="module")
def honest_explicit(folder, secret_seed):
    return secret_seed.grade(write(folder, "honest_explicit", notebook(HONEST_EXPLICIT)))


def test_a_lookup_table_of_the_public_labels_is_useless_in_the_grader(folder, secret_seed, public_seed, honest_explicit) -> None:
    path = write(folder, "lookup", notebook(LOOKUP))
    for session in (secret_seed, public_seed):
        report = session.grade(path)
        assert report.parts[0].metrics["rmse"] > honest_explicit.parts[0].metrics["rmse"] + 0.1
        assert _metric_points(report) == 0, [t.output for t in report.parts[0].tests]


def test_undoing_the_public_seeds_permutation_is_flagged_and_withheld(folder, public_seed, fast_options) -> None:
    path = write(folder, "deanonymised", notebook(DEANONYMISED_LOOKUP))
    report = public_seed.grade(path)
    part = report.parts[0]
    assert part.metrics["rmse"] < 0.05  # the labels were found: only the flag stands in the way
    assert report.flagged and "beyond what honest models reach" in report.flags[0]
    assert _metric_points(report) == 0
    target = _tests(report)["The metric reaches the target"]
    assert target.status == "flagged" and "--accept-flagged" in target.output and "would give 15 / 15" in target.output
    with GradingSession(replace(fast_options, predict_timeout=30, accept_flagged=True)) as reviewed:
        accepted = reviewed.grade(path)
    assert accepted.score == accepted.max_score and not accepted.flagged and accepted.flags


def test_the_same_trick_under_a_secret_seed_finds_nothing(folder, secret_seed, honest_explicit) -> None:
    report = secret_seed.grade(write(folder, "deanonymised_secret", notebook(DEANONYMISED_LOOKUP)))
    assert report.parts[0].metrics["rmse"] > honest_explicit.parts[0].metrics["rmse"] + 0.1
    assert _metric_points(report) == 0


def test_labels_embedded_in_the_notebook_are_flagged_with_the_cell(folder, public_seed) -> None:
    report = public_seed.grade(write(folder, "embedded", notebook("print('hello')", _embedded_lookup())))
    assert report.flagged
    assert report.flags[0].startswith("Code cell 2 of 2 holds ") and "characters of string literals" in report.flags[0]
    assert all(_tests(report)[name].score == 0 for name in METRIC_CHECKS)


def test_the_other_parts_public_set_is_out_of_reach(folder, secret_seed) -> None:
    report = secret_seed.grade(write(folder, "cross_part", notebook(CROSS_PART)))
    valid = _tests(report)["The graded function returns valid predictions"]
    assert valid.score == valid.max_score, valid.output  # no LEAKED: nothing of Part 2 was there
    assert _metric_points(report) == 0


def _mrr(session, folder: Path, name: str, source: str) -> float:
    report = session.grade(write(folder, name, notebook(source, part="sequence")))
    assert report.parts[0].metrics is not None, report.parts[0].prediction_error
    return report.parts[0].metrics["mrr"]


@pytest.mark.parametrize(
    "model, honest, attack",
    [
        ("popularity", POPULARITY.format(neighbours=False), POPULARITY.format(neighbours=True)),
        ("co-occurrence", COOCCURRENCE.format(future=False), COOCCURRENCE.format(future=True)),
    ],
)
def test_the_other_rows_of_a_request_reveal_nothing(folder, secret_seed, model: str, honest: str, attack: str) -> None:
    honest_mrr = _mrr(secret_seed, folder, f"{model}_honest", honest)
    attack_mrr = _mrr(secret_seed, folder, f"{model}_attack", attack)
    # about 120 synthetic rows: 0.005 covers their noise; rows grouped by user, as before, gained 0.009
    assert attack_mrr <= honest_mrr + 0.005, (model, honest_mrr, attack_mrr)


def test_recognising_public_users_by_their_histories_finds_no_hidden_target(folder, secret_seed) -> None:
    honest = secret_seed.grade(write(folder, "fingerprints_honest", notebook(FINGERPRINTS.format(fingerprints=False), part="sequence")))
    honest_mrr = honest.parts[0].metrics["mrr"]
    # the strong baseline learns what the kernel is given (withheld rows, ties in the secret order)
    assert honest_mrr == pytest.approx(honest.parts[0].baselines["item_transitions"]["mrr"], abs=1e-9)
    attack_mrr = _mrr(secret_seed, folder, "fingerprints_attack", FINGERPRINTS.format(fingerprints=True))
    # with the histories' ratings, seconds and lengths as in the public files, this gained 0.39 (0.50 -> 0.89)
    assert attack_mrr <= honest_mrr + 0.005, (honest_mrr, attack_mrr)


def test_the_graded_function_cannot_reach_rows_it_was_not_asked_about(folder, secret_seed) -> None:
    report = secret_seed.grade(write(folder, "frame_snoop", notebook(FRAME_SNOOP, part="sequence")))
    valid = _tests(report)["The graded function returns valid predictions"]
    assert valid.score == valid.max_score, valid.output


def test_a_notebook_with_both_functions_gets_one_score_per_part(folder, secret_seed) -> None:
    both = notebook(HONEST_EXPLICIT, POPULARITY.format(neighbours=False), part=None)
    report = secret_seed.grade(write(folder, "both", both))
    assert [part.part for part in report.parts] == ["explicit", "sequence"]
    records = report.by_part()
    assert [record.max_score for record in records] == [20, 20]
    assert [record.parts[0].part for record in records] == ["explicit", "sequence"]


def test_the_instructors_part_wins_over_the_metadata(folder, fast_options) -> None:
    path = write(folder, "says_explicit", notebook(POPULARITY.format(neighbours=False), part="explicit"))
    with GradingSession(replace(fast_options, part="sequence")) as session:
        report = session.grade(path)
    assert [part.part for part in report.parts] == ["sequence"]
    assert any("names part 'explicit'" in note for note in report.notes)
    assert report.score > 3


def test_a_last_cell_stopped_at_its_time_limit_does_not_earn_the_ran_point(folder, secret_seed) -> None:
    report = secret_seed.grade(write(folder, "timed_out_last", notebook(HONEST_EXPLICIT, "import time\ntime.sleep(60)")))
    tests = _tests(report)
    assert tests["The notebook ran to the end"].score == 0
    assert "did not run to the end on its own" in tests["The notebook ran to the end"].output
    assert tests["The graded function returns valid predictions"].score == 2


def test_no_report_of_a_two_part_notebook_is_out_of_more_than_one_part(folder) -> None:
    both = write(folder, "both_cli", notebook(HONEST_EXPLICIT, POPULARITY.format(neighbours=False), part=None))
    grade = str(Path(sys.executable).parent / "grade")
    for output_format in ("json", "gradescope"):
        result = subprocess.run(
            [grade, str(both), "--dataset", "synthetic", "--timeout", "60", "--quiet", "--format", output_format],
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        documents = json.loads(result.stdout)
        assert len(documents) == 2
        assert all(sum(test["max_score"] for test in document["tests"]) == 20 for document in documents)
