"""The metrics against independent definitions (scipy, scikit-learn) and on the edge cases the
assignment defines: ties, constant scores, invalid predictions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata
from sklearn.metrics import label_ranking_average_precision_score, mean_squared_error, ndcg_score

from grader import metrics
from grader.metrics import InvalidPredictionsError


def _random_case(rng: np.random.Generator, n: int = 200, num_items: int = 50, ties: bool = False):
    scores = rng.normal(size=(n, num_items))
    if ties:
        scores = np.round(scores, 0)  # few distinct values: many ties
    targets = rng.integers(1, num_items, size=n)
    return scores, targets


@pytest.mark.parametrize("seed", range(5))
def test_rmse_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=500).astype(float)
    predicted = truth + rng.normal(size=500)
    expected = np.sqrt(mean_squared_error(truth, predicted))
    assert metrics.rmse(predicted, truth) == pytest.approx(expected, rel=1e-12)


def test_rmse_does_not_clip_predictions() -> None:
    assert metrics.rmse(np.array([7.0, -1.0]), np.array([5.0, 1.0])) == pytest.approx(2.0)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_ranks_match_scipy_average_ranks(seed: int, ties: bool) -> None:
    scores, targets = _random_case(np.random.default_rng(seed), ties=ties)
    expected = np.array([rankdata(-row[1:], method="average")[t - 1] for row, t in zip(scores, targets)])
    np.testing.assert_allclose(metrics.target_ranks(scores, targets), expected)
    np.testing.assert_allclose(metrics.mrr(scores, targets), np.mean(1 / expected))


@pytest.mark.parametrize("seed", range(3))
def test_mrr_matches_sklearn_lrap_for_one_target_without_ties(seed: int) -> None:
    scores, targets = _random_case(np.random.default_rng(seed))
    truth = np.zeros_like(scores[:, 1:], dtype=int)
    truth[np.arange(len(targets)), targets - 1] = 1
    expected = label_ranking_average_precision_score(truth, scores[:, 1:])
    assert metrics.mrr(scores, targets) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_ndcg_and_hit_rate_match_independent_definitions(seed: int) -> None:
    scores, targets = _random_case(np.random.default_rng(seed), num_items=30)
    truth = np.zeros_like(scores[:, 1:])
    truth[np.arange(len(targets)), targets - 1] = 1
    result = metrics.ranking_metrics(scores, targets, k=10)
    assert result.ndcg == pytest.approx(ndcg_score(truth, scores[:, 1:], k=10), rel=1e-12)
    ranks = np.array([rankdata(-row[1:])[t - 1] for row, t in zip(scores, targets)])
    assert result.hit_rate == pytest.approx(np.mean(ranks <= 10))
    assert result.as_dict() == {"mrr": result.mrr, "hr@10": result.hit_rate, "ndcg@10": result.ndcg}


def test_constant_scores_earn_chance_level_not_rank_one() -> None:
    num_items = 1683
    scores = np.zeros((4, num_items))
    ranks = metrics.target_ranks(scores, np.array([1, 2, 500, 1682]))
    np.testing.assert_allclose(ranks, num_items / 2)  # average of ranks 1..1682
    assert metrics.mrr(scores, np.array([1, 2, 3, 4])) == pytest.approx(2 / num_items)
    assert metrics.hit_rate_at_k(scores, np.array([1, 2, 3, 4])) == 0.0


def test_padding_column_is_ignored() -> None:
    scores = np.array([[100.0, 1.0, 2.0, 3.0]])
    assert metrics.target_ranks(scores, np.array([3]))[0] == 1.0


def test_items_in_the_input_are_not_excluded() -> None:
    """The ranking is over the whole catalogue: no item is removed whatever the sequence."""
    scores = np.array([[0.0, 5.0, 4.0, 3.0]])
    assert metrics.target_ranks(scores, np.array([2]))[0] == 2.0


def test_two_way_tie_takes_the_average_rank() -> None:
    scores = np.array([[0.0, 1.0, 1.0, 0.5]])
    assert metrics.target_ranks(scores, np.array([1]))[0] == 1.5
    assert metrics.ndcg_at_k(scores, np.array([1]), k=1) == 0.0  # rank 1.5 is outside the top 1


def test_batching_gives_the_same_ranks() -> None:
    scores, targets = _random_case(np.random.default_rng(7), n=1000, ties=True)
    np.testing.assert_array_equal(
        metrics.target_ranks(scores, targets, batch_rows=7), metrics.target_ranks(scores, targets)
    )


def test_integer_scores_are_accepted() -> None:
    assert metrics.mrr(np.array([[0, 3, 2, 1]]), np.array([1])) == 1.0


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.array([1.0, np.nan, 3.0]), "NaN"),
        (np.array([1.0, np.inf, 3.0]), "infinite"),
        (np.array([1.0, 2.0]), "shape"),
        (np.array([[1.0, 2.0, 3.0]]), "shape"),
        (np.array(["1", "2", "3"]), "dtype"),
        (np.array([object(), 1, 2], dtype=object), "dtype"),
        (np.array([True, False, True]), "dtype"),
    ],
)
def test_invalid_ratings_raise_one_typed_error(bad: np.ndarray, words: str) -> None:
    with pytest.raises(InvalidPredictionsError, match=words):
        metrics.rmse(bad, np.array([1.0, 2.0, 3.0]))


def test_a_column_of_ratings_is_accepted() -> None:
    assert metrics.rmse(np.array([[1.0], [2.0]]), np.array([1.0, 2.0])) == 0.0


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.full((2, 5), np.nan), "NaN"),
        (np.full((2, 5), -np.inf), "infinite"),
        (np.zeros((3, 5)), "shape"),
        (np.zeros(5), "shape"),
        (np.zeros((2, 5), dtype=complex), "dtype"),
    ],
)
def test_invalid_scores_raise_one_typed_error(bad: np.ndarray, words: str) -> None:
    with pytest.raises(InvalidPredictionsError, match=words):
        metrics.mrr(bad, np.array([1, 2]))


def test_validate_scores_checks_the_catalogue_width() -> None:
    with pytest.raises(InvalidPredictionsError, match=r"\(2, 6\)"):
        metrics.validate_scores(np.zeros((2, 5)), 2, 6)


def test_error_is_a_value_error_for_callers_that_catch_broadly() -> None:
    assert issubclass(InvalidPredictionsError, ValueError)
