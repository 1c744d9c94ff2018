"""Which pairs of a batch are reported as answering alike, from their sketches alone."""

from __future__ import annotations

import numpy as np

from grader.checks.result import CheckResult
from grader.execution.record import ExecutionRecord
from grader.parts import get_part
from grader.reports.formats import render_gradebook, render_similarity
from grader.reports.model import PartReport, SubmissionReport
from grader.similarity import BLOCK, THRESHOLDS, like_baseline, mark_similar, similar_pairs, sketch_rows


def _report(name: str, part: str, answers, baseline: str | None = None) -> SubmissionReport:
    result = PartReport(part, [CheckResult("ran", 1, 1, "", "passed")], None, {}, None, 0.0, "rmse", ExecutionRecord(),
                        sketch={"answers": np.asarray(answers).tolist(), "baseline": baseline})
    return SubmissionReport(submission=f"{name}.ipynb", parts=[result])


def test_identical_answers_are_a_pair_and_honest_spread_is_not() -> None:
    rng = np.random.default_rng(1)
    shared = rng.uniform(1, 5, 300)
    honest = [shared + rng.normal(0, 0.08, 300) for _ in range(4)]
    reports = [_report(f"s{i}", "explicit", answers) for i, answers in enumerate(honest)]
    reports.append(_report("copy_of_s2", "explicit", honest[2] + 1e-5))
    (pair,) = similar_pairs(reports)
    assert (pair.first, pair.second, pair.part) == (2, 4, "explicit") and pair.disagreement < 1e-4


def test_baseline_answers_and_other_parts_are_never_paired() -> None:
    answers = np.full(50, 3.5)
    reports = [_report("a", "explicit", answers, "global_mean"), _report("b", "explicit", answers, "global_mean")]
    lists = [[[1, 2, 3]] * 20] * 2
    reports += [_report("c", "sequence", lists[0]), _report("d", "explicit", np.full(50, 2.0))]
    assert similar_pairs(reports) == []


def test_top_ten_sets_are_compared_as_sets_row_by_row() -> None:
    sequence = get_part("sequence")
    first = np.array([[[1, 2, 3], [4, 5, 6]]])
    same_sets = np.array([[[3, 2, 1], [6, 5, 4]]])
    one_row_changed = np.array([[[3, 2, 1], [6, 5, 7]]])
    assert sequence.disagreement(first, np.concatenate([same_sets, one_row_changed])).tolist() == [[0.0, 0.5]]


def test_classes_larger_than_a_block_are_compared_whole() -> None:
    rng = np.random.default_rng(2)
    reports = [_report(f"s{i}", "explicit", rng.uniform(1, 5, 64)) for i in range(BLOCK + 40)]
    reports[-1] = _report("late_copy", "explicit", reports[3].parts[0].sketch["answers"])
    assert [(pair.first, pair.second) for pair in similar_pairs(reports)] == [(3, BLOCK + 39)]


def test_both_rows_name_each_other_and_the_csv_lists_the_pair_once() -> None:
    answers = np.linspace(1, 5, 40)
    reports = [_report("=alice", "explicit", answers), _report("bob", "explicit", answers), _report("carol", "explicit", answers[::-1])]
    pairs = mark_similar(reports)
    assert [other["path"] for other in reports[0].similar_to] == ["bob.ipynb"] and reports[2].similar_to == []
    assert "'=alice.ipynb,bob.ipynb" in render_similarity(reports, pairs).splitlines()[1]
    assert ',"bob.ipynb (code -, disagreement 0.0000)",' in render_gradebook(reports).splitlines()[1]


def test_the_sketched_rows_are_fixed_by_the_seed_and_a_baseline_is_recognised() -> None:
    assert sketch_rows("explicit", 10_000, 7).tolist() == sketch_rows("explicit", 10_000, 7).tolist() != sketch_rows("explicit", 10_000, 8).tolist()
    assert len(sketch_rows("sequence", 100, 7)) == 100 and len(sketch_rows("explicit", 10_000, 7)) == get_part("explicit").sketch_rows
    baselines = {"global_mean": [3.5] * 10, "user_item_biases": list(np.linspace(2, 4, 10))}
    assert like_baseline("explicit", list(np.linspace(2, 4, 10) + THRESHOLDS["explicit"] / 4), baselines) == "user_item_biases"
    assert like_baseline("explicit", [1.0] * 10, baselines) is None
