"""Code fingerprints see through a disguised copy (renamed, re-indented, commented, re-celled,
another seed and epoch count) and not through independent work; the template counts for
nothing; cells that are not Python are skipped; the inverted index finds what comparing every
pair would."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell

from grader.checks.result import CheckResult
from grader.execution.record import ExecutionRecord
from grader.fingerprints import TEMPLATE_FILE, code_fingerprints, write_template_runs
from grader.instructor.templates import core_tasks
from grader.reports.model import PartReport, SubmissionReport
from grader.similarity import CODE_THRESHOLD, COMMON_FLOOR, COMMON_SHARE, MIN_FINGERPRINTS, code_index, code_similarity, mark_similar, similar_pairs

from honest_code import REPO, TEMPLATES, fill_template, honest_notebooks

RENAMES = {"mf": "factoriser", "loader": "batches", "adagrad": "optimiser_a", "best_valid": "lowest", "patience": "strikes",
           "ncf": "deep_model", "emb_u": "U", "emb_i": "I", "b_u": "user_offsets", "b_i": "item_offsets", "total": "acc", "both": "blend"}


def similarity(first: nbformat.NotebookNode, second: nbformat.NotebookNode) -> float | None:
    """Code similarity of two notebooks, as a batch of two sees it."""
    return code_similarity(code_index([code_fingerprints(first), code_fingerprints(second)]), 0, 1)


def disguised(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` renamed, re-indented to two spaces, commented, another seed and epoch count,
    its last code cell split in two and two of its cells swapped."""
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in copy.cells:
        if cell.cell_type != "code":
            continue
        source = re.sub(r"\b(" + "|".join(RENAMES) + r")\b", lambda name: RENAMES[name[0]], cell.source)
        source = re.sub(r"(?m)^((?:    )+)", lambda indent: "  " * (len(indent[0]) // 4), source)
        source = re.sub(r"(?m)^(\s*)(for |while |return )", r"\1# my own step\n\n\1\2", source)
        cell.source = source.replace("SEED = 0", "SEED = 1234").replace("epochs=6", "epochs=5")
    code = [index for index, cell in enumerate(copy.cells) if cell.cell_type == "code"]
    last = copy.cells[code[-1]]
    head, tail = last.source.split("\n\n\n", 1)
    last.source = head
    copy.cells.insert(code[-1] + 1, new_code_cell(tail))
    copy.cells[code[2]], copy.cells[code[3]] = copy.cells[code[3]], copy.cells[code[2]]
    return copy


def test_a_disguised_copy_shares_its_code() -> None:
    original = honest_notebooks("explicit")["chen"]
    copy = disguised(original)
    assert code_fingerprints(copy) != code_fingerprints(original)  # the disguise changed the text
    assert similarity(original, copy) >= 0.9


def test_another_seed_or_epoch_count_changes_no_fingerprint() -> None:
    original = honest_notebooks("sequence")["alex"]
    retrained = nbformat.from_dict(json.loads(json.dumps(original).replace("SEED = 0", "SEED = 7").replace("epochs=6", "epochs=5")))
    assert code_fingerprints(retrained) == code_fingerprints(original) and len(code_fingerprints(original)) >= MIN_FINGERPRINTS


@pytest.mark.parametrize("part, stem", [("explicit", "explicit_feedback"), ("sequence", "implicit_sequence")])
def test_independent_honest_notebooks_share_little_code(part: str, stem: str) -> None:
    notebooks = {**honest_notebooks(part), "solution": nbformat.read(REPO / "solutions" / f"{stem}.ipynb", as_version=4)}
    figures = {(a, b): similarity(notebooks[a], notebooks[b]) for a, b in itertools.combinations(notebooks, 2)}
    assert max(figures.values()) < 0.25 < CODE_THRESHOLD, figures
    solution = notebooks["solution"]
    assert similarity(solution, core_tasks(solution, part)) > 0.95  # the same code, less its optional tasks


def test_the_template_and_a_provided_baseline_are_no_code_of_ones_own() -> None:
    for template in TEMPLATES.values():
        assert code_fingerprints(nbformat.read(template, as_version=4)) == []
    baseline = [None] * 13 + ["return UserItemBiases().fit(dataset).predict_ratings(user_ids, item_ids)"]
    assert 0 < len(code_fingerprints(fill_template("explicit", baseline))) < MIN_FINGERPRINTS


def test_the_recorded_template_runs_are_the_templates(tmp_path: Path) -> None:
    write_template_runs(TEMPLATES.values(), tmp_path / TEMPLATE_FILE)
    assert (tmp_path / TEMPLATE_FILE).read_text() == (REPO / "data" / TEMPLATE_FILE).read_text(), f"data/{TEMPLATE_FILE} is stale: run `grader templates`"


def test_cells_that_are_not_python_are_skipped() -> None:
    notebook = honest_notebooks("explicit")["bea"]
    strange = ["%%bash\necho $HOME", "!pip install torch\n%time x = 1", "def broken(:\n    pass", "x = 'unterminated", "if x:\n  y\n z",
               "a = 1\x00", "(" * 5000 + ")" * 5000, "x = $y"]
    polluted = nbformat.from_dict(json.loads(json.dumps(notebook)))
    polluted.cells[1:1] = [new_code_cell(source) for source in strange]
    assert code_fingerprints(polluted) == code_fingerprints(notebook)


def _report(name: str, fingerprints: list[int], answers: list | None = None) -> SubmissionReport:
    sketch = None if answers is None else {"answers": answers, "baseline": None}
    result = PartReport("explicit", [CheckResult("ran", 1, 1, "", "passed")], None, {}, None, 0.0, "rmse", ExecutionRecord(), sketch=sketch, fingerprints=fingerprints)
    return SubmissionReport(submission=f"{name}.ipynb", parts=[result])


def test_the_index_finds_what_comparing_every_pair_finds() -> None:
    rng = np.random.default_rng(5)
    common = rng.integers(0, 2**32, 30)  # idiom most of the class writes
    own = [set(rng.integers(0, 2**32, int(rng.integers(5, 120))).tolist()) | set(rng.choice(common, 20).tolist()) for _ in range(120)]
    for copier, source in zip(range(60, 90), rng.integers(0, 60, 30)):  # copies, some of them partial
        kept = sorted(own[source])[: int(len(own[source]) * rng.uniform(0.3, 1))]
        own[copier] = set(kept) | set(rng.integers(0, 2**32, int(rng.integers(0, 40))).tolist())
    class_ = [sorted(values) for values in own]
    holders = {value: sum(value in values for values in own) for value in set().union(*own)}
    rare = [{value for value in values if holders[value] <= max(COMMON_FLOOR, COMMON_SHARE * len(own))} for values in own]
    expected = {
        (a, b) for a, b in itertools.combinations(range(len(own)), 2)
        if min(len(rare[a]), len(rare[b])) >= MIN_FINGERPRINTS and len(rare[a] & rare[b]) / min(len(rare[a]), len(rare[b])) >= CODE_THRESHOLD
    }
    found = similar_pairs([_report(f"s{i}", values) for i, values in enumerate(class_)])
    assert {(pair.first, pair.second) for pair in found} == expected and len(expected) >= 10
    for pair in found:
        a, b = rare[pair.first], rare[pair.second]
        assert pair.code == pytest.approx(len(a & b) / min(len(a), len(b))) and pair.disagreement is None


def test_a_pair_found_by_code_carries_both_figures_and_small_code_is_never_paired() -> None:
    code = list(range(1000, 1100))
    reports = [_report("alice", code, [3.0, 4.0]), _report("bob", code + [7], [3.5, 4.5]), _report("carol", code[:60], None),
               _report("dan", [1, 2, 3], [1.0, 1.0]), _report("erin", [1, 2, 3], [2.0, 2.0])]
    pairs = mark_similar(reports)
    assert [(pair.first, pair.second) for pair in pairs] == [(0, 1), (0, 2), (1, 2)]
    (to_bob, _) = reports[0].similar_to
    assert (to_bob["path"], to_bob["code_similarity"], to_bob["disagreement"]) == ("bob.ipynb", 1.0, 0.5)
    assert "100% of the code" in to_bob["evidence"] and "RMSE of 0.5000" in to_bob["evidence"]
    assert reports[2].similar_to[0]["disagreement"] is None and "no answers to compare" in reports[2].similar_to[0]["evidence"]
    assert reports[3].similar_to == reports[4].similar_to == []  # three fingerprints each: too little code to tell
