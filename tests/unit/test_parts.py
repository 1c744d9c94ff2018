"""The registry of parts: each part answers for its titles, graded function, split, requests,
scoring and baselines, consistently with the contract and the rubric's schema."""

from __future__ import annotations

import numpy as np
import pytest

from grader.config import BASELINES as CONFIGURED_BASELINES
from grader.contract import CONTRACT_FUNCTIONS
from grader.data.anonymisation import Anonymisation
from grader.data.assignment import PART_TITLES, PARTS, assignment_split
from grader.parts import REGISTRY, get_part
from grader.reports.model import METRIC_KEYS


def test_every_part_of_the_homework_has_one_entry() -> None:
    assert tuple(REGISTRY) == PARTS
    for name, part in REGISTRY.items():
        assert part.name == name and part.title == PART_TITLES[name] and part.function == CONTRACT_FUNCTIONS[name]
        assert tuple(part.baselines) == CONFIGURED_BASELINES[name]
    assert METRIC_KEYS == ("rmse", "mrr", "hr@10", "ndcg@10")  # the gradebook's columns (a contract)
    with pytest.raises(ValueError, match="Unknown part 'ratings'"):
        get_part("ratings")


@pytest.mark.parametrize("name", PARTS)
def test_a_part_scores_its_baselines_on_its_metrics_and_restores_what_it_asked(name: str, synthetic) -> None:
    part = get_part(name)
    split = part.split(synthetic, 5)
    assert split.part == name and len(split.hidden) > 0
    scores = part.baseline_metrics(split.public, split.hidden)
    assert list(scores) == list(part.baselines) and all(tuple(metrics) == part.metrics for metrics in scores.values())
    anonymisation = Anonymisation.from_seed(5, synthetic.num_users, synthetic.num_items)
    answers = part.baseline_answers(list(part.baselines)[-1], split.public, split.hidden)
    inputs, order, width = part.requests(anonymisation, split.hidden)
    assert len(inputs) == len(split.hidden) and width == (0 if name == "explicit" else synthetic.num_items)
    asked = answers[order] if name == "explicit" else answers[order][:, np.argsort(anonymisation.items)]
    np.testing.assert_array_equal(part.restore(anonymisation, asked, order), answers)
    assert assignment_split(synthetic, name, 5).hidden.__class__ is split.hidden.__class__


@pytest.mark.parametrize("name, words", [("explicit", "users are 1..9 and items 1..19"), ("sequence", "column k of the scores is item k")])
def test_each_part_says_what_shifted_ids_look_like(name: str, words: str) -> None:
    assert words in get_part(name).shifted_ids_hint(10, 20)
