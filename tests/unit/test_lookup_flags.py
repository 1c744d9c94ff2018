"""The lookup flags on arrays: carried labels stand out, honest models' answers do not."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from grader.integrity.lookup import (
    P_VALUE,
    SURPRISE_GAIN,
    ExcessTest,
    closer_departures,
    exact_labels,
    first_places,
    lookup_rankings,
    lookup_ratings,
    surprise_gain,
)


@pytest.fixture(scope="module")
def ratings() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truth, a baseline that knows the truth's structure, and an honest model a little better."""
    rng = np.random.default_rng(7)
    signal = rng.normal(3.5, 0.6, 20_000)
    truth = np.clip(np.round(signal + rng.normal(0, 0.9, len(signal))), 1, 5)
    baseline = signal + rng.normal(0, 0.25, len(signal))
    honest = signal + rng.normal(0, 0.15, len(signal))
    return truth, baseline, honest


def test_the_p_value_is_the_binomial_tail() -> None:
    test = ExcessTest(hits=30, trials=40, share=0.6, minimum=20)
    assert test.p_value == pytest.approx(binomtest(30, 40, 0.6, alternative="greater").pvalue)
    assert ExcessTest(0, 0, 0.6, 20).p_value == 1.0
    assert not ExcessTest(19, 19, 0.6, 20).excessive  # below the minimum, whatever the share


def test_honest_answers_rounded_or_not_are_not_flagged(ratings) -> None:
    truth, baseline, honest = ratings
    for answers in (honest, np.clip(np.round(honest), 1, 5), baseline, np.clip(np.round(baseline), 1, 5), np.full(len(truth), truth.mean())):
        assert lookup_ratings(answers, baseline, truth) == []


@pytest.mark.parametrize("carried", [40, 100, 400])  # 27 all right is the least that 0.6 ** n < 1e-6 lets through
def test_carried_labels_answered_exactly_are_flagged(ratings, carried: int) -> None:
    truth, baseline, _ = ratings
    worst = np.argsort(-np.abs(truth - baseline))[:carried]
    answers = baseline.copy()
    answers[worst] = truth[worst]
    flags = lookup_ratings(answers, baseline, truth)
    assert flags and flags[0].startswith(f"{carried:,} of the ") and "answers that are whole stars equal the hidden rating" in flags[0]
    assert exact_labels(answers, truth).p_value < P_VALUE


@pytest.mark.parametrize("carried, blur", [(100, 0.5), (200, 0.25), (600, 0.1)])
def test_carried_labels_blurred_towards_the_baseline_are_flagged(ratings, carried: int, blur: float) -> None:
    truth, baseline, _ = ratings
    worst = np.argsort(-np.abs(truth - baseline))[:carried]
    answers = baseline.copy()
    answers[worst] += blur * (truth[worst] - baseline[worst])
    assert not exact_labels(answers, truth).excessive  # few whole stars: only the departures give it away
    flags = lookup_ratings(answers, baseline, truth)
    assert len(flags) == 1 and "stars from the provided UserItemBiases baseline's are closer to the hidden rating" in flags[0]


def test_departures_count_only_answers_far_enough_from_the_baseline() -> None:
    truth, baseline = np.array([5.0, 1.0, 3.0, 3.0]), np.array([3.0, 3.0, 3.0, 3.0])
    answers = np.array([4.0, 4.0, 3.1, 3.0])
    test = closer_departures(answers, baseline, truth, 0.5)
    assert (test.hits, test.trials) == (1, 2)
    assert closer_departures(answers, baseline, truth, 0.2).trials == 2


def test_targets_ranked_first_beyond_honest_shares_are_flagged() -> None:
    rng = np.random.default_rng(3)
    honest = rng.integers(1, 1600, 500).astype(float)
    honest[:80] = rng.integers(1, 11, 80)  # 80 in the top ten, about a tenth of them first
    assert lookup_rankings(honest) == []
    carried = honest.copy()
    carried[80:180] = 1.0  # 100 carried targets put first
    assert first_places(carried).hits >= 100
    flags = lookup_rankings(carried)
    assert len(flags) == 1 and "targets ranked in the top ten are ranked first" in flags[0]
    assert lookup_rankings(np.ones(9)) == []  # too few to say anything


def test_corrections_hidden_among_random_departures_still_show_on_the_surprises(ratings) -> None:
    """Decoys (random departures of the same sizes) dilute the share of departures that are
    closer, but cannot hide the gain on the ratings the baseline gets most wrong."""
    truth, baseline, honest = ratings
    rng = np.random.default_rng(5)
    worst = np.argsort(-np.abs(truth - baseline))[:600]
    answers = baseline.copy()
    answers[worst] += 0.6 * (truth[worst] - baseline[worst])
    others = rng.choice(np.setdiff1d(np.arange(len(truth)), worst), size=len(worst), replace=False)
    answers[others] += rng.choice([-1.0, 1.0], len(worst)) * np.abs(answers[worst] - baseline[worst])
    flags = lookup_ratings(answers, baseline, truth)
    assert len(flags) == 1 and "two stars or more from the provided UserItemBiases baseline" in flags[0], flags
    count, gain, _ = surprise_gain(honest, baseline, truth)
    assert count > 100 and gain < SURPRISE_GAIN
