"""Sequence construction on hand-made histories: ordering, padding, window boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from grader.data import Interactions


def _history(user_items: dict[int, list[int]], timestamps: dict[int, list[int]] | None = None) -> Interactions:
    users, items, times = [], [], []
    for user, history in user_items.items():
        users += [user] * len(history)
        items += history
        times += (timestamps or {}).get(user, list(range(100, 100 + len(history))))
    # Shuffle the rows: order must come from the timestamps, not from the file.
    order = np.random.default_rng(0).permutation(len(users))
    return Interactions(
        np.array(users)[order], np.array(items)[order], np.ones(len(users))[order],
        np.array(times)[order], num_users=10, num_items=30,
    )


def test_windows_are_cut_from_the_end_and_left_padded() -> None:
    data = _history({1: [1, 2, 3, 4, 5, 6, 7]})
    sequences = data.to_sequence(max_sequence_length=3)
    np.testing.assert_array_equal(sequences.sequences, [[5, 6, 7], [2, 3, 4], [0, 0, 1]])
    np.testing.assert_array_equal(sequences.user_ids, [1, 1, 1])
    assert sequences.num_items == 30 and len(sequences) == 3


def test_history_of_exact_multiple_has_no_padded_window() -> None:
    sequences = _history({2: [1, 2, 3, 4, 5, 6]}).to_sequence(max_sequence_length=3)
    np.testing.assert_array_equal(sequences.sequences, [[4, 5, 6], [1, 2, 3]])


def test_order_follows_timestamps_not_rows() -> None:
    data = _history({1: [9, 8, 7]}, timestamps={1: [300, 100, 200]})
    np.testing.assert_array_equal(data.to_sequence(3).sequences, [[8, 7, 9]])


def test_same_second_keeps_data_order() -> None:
    data = Interactions(
        np.array([1, 1, 1]), np.array([5, 3, 4]), np.ones(3), np.array([10, 10, 5]), 2, 6
    )
    np.testing.assert_array_equal(data.to_sequence(3).sequences, [[4, 5, 3]])


def test_several_users_and_step_size_one_gives_every_prefix() -> None:
    data = _history({1: [1, 2, 3], 4: [7, 8]})
    sequences = data.to_sequence(max_sequence_length=2, step_size=1)
    np.testing.assert_array_equal(sequences.sequences, [[2, 3], [1, 2], [0, 1], [7, 8], [0, 7]])
    np.testing.assert_array_equal(sequences.user_ids, [1, 1, 1, 4, 4])


def test_min_sequence_length_drops_short_windows() -> None:
    data = _history({1: [1, 2, 3, 4, 5]})
    sequences = data.to_sequence(max_sequence_length=4, min_sequence_length=2)
    np.testing.assert_array_equal(sequences.sequences, [[2, 3, 4, 5]])  # [0, 0, 0, 1] dropped


def test_inputs_and_targets_split_off_the_last_column() -> None:
    inputs, targets = _history({1: [1, 2, 3]}).to_sequence(3).inputs_and_targets()
    np.testing.assert_array_equal(inputs, [[1, 2]])
    np.testing.assert_array_equal(targets, [3])


def test_empty_interactions_give_no_sequences() -> None:
    empty = Interactions(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), 1, 1)
    assert empty.to_sequence(5).sequences.shape == (0, 5)


def test_every_interaction_lands_in_exactly_one_non_overlapping_window(synthetic: Interactions) -> None:
    sequences = synthetic.to_sequence(10)
    assert np.count_nonzero(sequences.sequences) == len(synthetic)
    for user in np.unique(synthetic.user_ids)[:20]:
        rows = sequences.sequences[sequences.user_ids == user]
        assert sorted(rows[rows > 0]) == sorted(synthetic.item_ids[synthetic.user_ids == user])


def test_arrays_have_the_contract_dtypes(synthetic: Interactions) -> None:
    assert synthetic.user_ids.dtype == np.int64 and synthetic.item_ids.dtype == np.int64
    assert synthetic.timestamps.dtype == np.int64 and synthetic.ratings.dtype == np.float32
    assert synthetic.to_sequence().sequences.dtype == np.int64


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        Interactions(np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2), 1, 1)


@pytest.mark.parametrize("bad", [dict(max_sequence_length=0), dict(step_size=0)])
def test_non_positive_window_sizes_are_refused(synthetic: Interactions, bad: dict) -> None:
    with pytest.raises(ValueError, match="positive"):
        synthetic.to_sequence(**bad)
