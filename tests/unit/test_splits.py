"""Split sizes, disjointness and determinism for a seed."""

from __future__ import annotations

import numpy as np
import pytest

from grader.data import Interactions, random_train_test_split, user_based_train_test_split


def _rows(data: Interactions) -> set[tuple[int, int]]:
    return set(zip(data.user_ids.tolist(), data.item_ids.tolist()))


def test_random_split_sizes_and_disjointness(synthetic: Interactions) -> None:
    train, test = random_train_test_split(synthetic, 0.2, seed=1)
    assert len(test) == round(0.2 * len(synthetic)) and len(train) + len(test) == len(synthetic)
    assert not _rows(train) & _rows(test)
    assert _rows(train) | _rows(test) == _rows(synthetic)
    assert (train.num_users, train.num_items) == (synthetic.num_users, synthetic.num_items)


def test_user_split_keeps_users_apart(synthetic: Interactions) -> None:
    train, test = user_based_train_test_split(synthetic, 0.25, seed=1)
    users = np.unique(synthetic.user_ids)
    assert len(np.unique(test.user_ids)) == round(0.25 * len(users))
    assert not set(train.user_ids.tolist()) & set(test.user_ids.tolist())
    assert len(train) + len(test) == len(synthetic)


@pytest.mark.parametrize("split", [random_train_test_split, user_based_train_test_split])
def test_same_seed_same_split_other_seed_other_split(synthetic: Interactions, split) -> None:
    first, second, other = (split(synthetic, 0.2, seed=s)[1] for s in (3, 3, 4))
    np.testing.assert_array_equal(first.item_ids, second.item_ids)
    np.testing.assert_array_equal(first.user_ids, second.user_ids)
    assert _rows(first) != _rows(other)


def test_a_generator_can_be_passed(synthetic: Interactions) -> None:
    a = random_train_test_split(synthetic, seed=np.random.default_rng(5))[1]
    b = random_train_test_split(synthetic, seed=5)[1]
    np.testing.assert_array_equal(a.item_ids, b.item_ids)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_fraction_must_be_a_proper_share(synthetic: Interactions, fraction: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        random_train_test_split(synthetic, fraction)
