"""The synthetic generator: MovieLens conventions, determinism, and structure a model can learn."""

from __future__ import annotations

import numpy as np
import pytest

from grader import metrics
from grader.baselines import GlobalMean, Popularity, UserItemBiases
from grader.data import Interactions, random_train_test_split, synthetic_interactions, user_based_train_test_split


def test_movielens_conventions(synthetic: Interactions) -> None:
    assert synthetic.user_ids.min() == 1 and synthetic.user_ids.max() == synthetic.num_users - 1
    assert synthetic.item_ids.min() >= 1 and synthetic.item_ids.max() < synthetic.num_items
    assert set(np.unique(synthetic.ratings)) <= {1, 2, 3, 4, 5}
    pairs = set(zip(synthetic.user_ids.tolist(), synthetic.item_ids.tolist()))
    assert len(pairs) == len(synthetic)  # each user rates an item at most once, as in MovieLens


def test_sizes_are_configurable() -> None:
    data = synthetic_interactions(num_users=30, num_items=50, interactions_per_user=(5, 10), seed=3)
    assert (data.num_users, data.num_items) == (31, 51)
    counts = np.bincount(data.user_ids)[1:]
    assert counts.min() >= 5 and counts.max() <= 10


def test_same_seed_same_data() -> None:
    a, b = synthetic_interactions(seed=4), synthetic_interactions(seed=4)
    for name in ("user_ids", "item_ids", "ratings", "timestamps"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.item_ids, synthetic_interactions(seed=5).item_ids)


def test_impossible_history_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="interactions_per_user"):
        synthetic_interactions(num_items=10, interactions_per_user=(5, 20))


def test_ratings_carry_user_and_item_signal(synthetic: Interactions) -> None:
    train, test = random_train_test_split(synthetic, 0.2, seed=0)
    mean = metrics.rmse(GlobalMean().fit(train).predict_ratings(test.user_ids, test.item_ids), test.ratings)
    biases = metrics.rmse(UserItemBiases().fit(train).predict_ratings(test.user_ids, test.item_ids), test.ratings)
    assert biases < mean - 0.05


def test_sequences_follow_a_learnable_chain(synthetic: Interactions) -> None:
    """A first-order transition count model beats popularity by a wide margin."""
    train, test = user_based_train_test_split(synthetic, 0.2, seed=0)
    transitions = np.zeros((synthetic.num_items, synthetic.num_items))
    rows = train.to_sequence(2, step_size=1, min_sequence_length=2).sequences
    np.add.at(transitions, (rows[:, 0], rows[:, 1]), 1.0)
    inputs, targets = test.to_sequence(10, min_sequence_length=2).inputs_and_targets()
    popularity = Popularity().fit(train).predict_next(inputs)
    chain = transitions[inputs[:, -1]] + 1e-3 * popularity
    assert metrics.mrr(chain, targets) > 3 * metrics.mrr(popularity, targets)
