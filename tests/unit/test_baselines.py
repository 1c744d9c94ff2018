"""The baselines on hand-made data."""

from __future__ import annotations

import numpy as np
import pytest

from grader.baselines import GlobalMean, Popularity, UserItemBiases
from grader.data import Interactions


@pytest.fixture
def tiny() -> Interactions:
    return Interactions(
        user_ids=np.array([1, 1, 2, 2, 3]),
        item_ids=np.array([1, 2, 1, 3, 1]),
        ratings=np.array([5, 3, 4, 2, 5]),
        timestamps=np.arange(5),
        num_users=4,
        num_items=5,
    )


def test_global_mean(tiny: Interactions) -> None:
    predicted = GlobalMean().fit(tiny).predict_ratings(np.array([1, 3]), np.array([3, 4]))
    np.testing.assert_allclose(predicted, [3.8, 3.8])


def test_biases_without_regularisation_fit_the_data_closely(tiny: Interactions) -> None:
    model = UserItemBiases(item_regularization=0.0, user_regularization=0.0, iterations=200).fit(tiny)
    predicted = model.predict_ratings(tiny.user_ids, tiny.item_ids)
    assert np.sqrt(np.mean((predicted - tiny.ratings) ** 2)) < 0.5


def test_biases_shrink_towards_the_mean_with_heavy_regularisation(tiny: Interactions) -> None:
    model = UserItemBiases(item_regularization=1e6, user_regularization=1e6).fit(tiny)
    np.testing.assert_allclose(model.predict_ratings(tiny.user_ids, tiny.item_ids), 3.8, atol=1e-4)


def test_item_with_better_ratings_gets_a_higher_offset(tiny: Interactions) -> None:
    model = UserItemBiases().fit(tiny)
    assert model.item_bias_[1] > model.item_bias_[3]
    assert model.item_bias_[4] == 0.0  # never rated


def test_popularity_scores_every_sequence_alike(tiny: Interactions) -> None:
    scores = Popularity().fit(tiny).predict_next(np.zeros((3, 9), dtype=np.int64))
    assert scores.shape == (3, 5)
    np.testing.assert_array_equal(scores[0], [0, 3, 1, 1, 0])
    np.testing.assert_array_equal(scores[2], scores[0])
