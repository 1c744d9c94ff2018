"""The secret id space a graded kernel works in: ids permuted, time reduced to order, rows in a
secret order, answers put back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from grader.data import Interactions, assignment_split, next_item_test_set
from grader.data.anonymisation import SEQUENCE_WITHHELD, Anonymisation, time_order
from grader.parts import get_part


@pytest.fixture(scope="module")
def anonymisation(synthetic: Interactions) -> Anonymisation:
    return Anonymisation.from_seed(918273, synthetic.num_users, synthetic.num_items)


def test_ids_are_permuted_within_their_ranges_keeping_padding(anonymisation: Anonymisation, synthetic: Interactions) -> None:
    for mapping, size in ((anonymisation.users, synthetic.num_users), (anonymisation.items, synthetic.num_items)):
        assert mapping[0] == 0 and sorted(mapping.tolist()) == list(range(size))
        assert (mapping[1:] != np.arange(1, size)).mean() > 0.9


def test_the_same_seed_gives_the_same_space_and_another_seed_another(synthetic: Interactions) -> None:
    first, again, other = (Anonymisation.from_seed(seed, synthetic.num_users, synthetic.num_items) for seed in (5, 5, 6))
    np.testing.assert_array_equal(first.items, again.items)
    np.testing.assert_array_equal(first.row_order(50, "x"), again.row_order(50, "x"))
    assert not np.array_equal(first.items, other.items)
    assert not np.array_equal(first.row_order(50, "x"), first.row_order(50, "y"))


def test_time_becomes_each_users_order_with_shared_seconds_kept() -> None:
    users = np.array([2, 1, 2, 1, 2, 1])
    times = np.array([500, 9000, 500, 300, 700, 300])
    assert time_order(users, times).tolist() == [0, 1, 0, 0, 1, 0]


def test_public_data_keeps_everything_the_homework_uses(anonymisation: Anonymisation, synthetic: Interactions) -> None:
    public = assignment_split(synthetic, "sequence", seed=3).public
    seen = anonymisation.public_sequences(public)
    assert len(seen) == len(public) and (seen.num_users, seen.num_items) == (public.num_users, public.num_items)
    assert seen.timestamps.max() < 100  # no absolute time left
    inverse = np.argsort(anonymisation.items)
    # Windows for training are the same as at home, up to the renaming of items.
    home = public.to_sequence(10, step_size=1).sequences
    graded = seen.to_sequence(10, step_size=1).sequences
    assert sorted(map(tuple, inverse[graded].tolist())) == sorted(map(tuple, home.tolist()))
    # The hidden-split cut of validation users is the same too.
    np.testing.assert_array_equal(np.sort(inverse[next_item_test_set(seen).targets]), np.sort(next_item_test_set(public).targets))
    # Rows follow (user, time), not the file's order.
    assert (np.diff(seen.user_ids) >= 0).all()


def test_ratings_are_asked_in_secret_order_and_put_back(anonymisation: Anonymisation, synthetic: Interactions) -> None:
    hidden = assignment_split(synthetic, "explicit", seed=3).hidden
    pairs, order = anonymisation.rating_requests(hidden.user_ids, hidden.item_ids)
    assert not np.array_equal(order, np.arange(len(order)))
    np.testing.assert_array_equal(np.argsort(anonymisation.users)[pairs[:, 0]], hidden.user_ids[order])
    answers = hidden.ratings[order] + 0.5  # what a kernel would answer, row by row
    np.testing.assert_array_equal(anonymisation.restore_ratings(answers, order), hidden.ratings + 0.5)


def test_scores_are_put_back_in_movielens_item_columns(anonymisation: Anonymisation, synthetic: Interactions) -> None:
    hidden = assignment_split(synthetic, "sequence", seed=3).hidden
    inputs, order = anonymisation.sequence_requests(hidden.inputs)
    truth = np.random.default_rng(0).normal(size=(len(hidden), synthetic.num_items))
    kernel_answers = np.empty_like(truth)
    kernel_answers[:, anonymisation.items] = truth[order]  # kernel column of item i is items[i]
    np.testing.assert_array_equal(anonymisation.restore_scores(kernel_answers, order), truth)
    np.testing.assert_array_equal(np.argsort(anonymisation.items)[inputs], hidden.inputs[order])


def test_part_2_histories_are_no_fingerprint_of_the_public_users(anonymisation: Anonymisation, synthetic: Interactions) -> None:
    public = assignment_split(synthetic, "sequence", seed=3).public
    kept = anonymisation.withhold(public)
    assert abs(1 - len(kept) / len(public) - SEQUENCE_WITHHELD) < 0.02
    assert anonymisation.withhold(public).user_ids.tolist() == kept.user_ids.tolist()  # a regrade is identical
    lengths = np.bincount(public.user_ids, minlength=public.num_users), np.bincount(kept.user_ids, minlength=public.num_users)
    assert (lengths[0] != lengths[1]).mean() > 0.5  # no history keeps its length as a rule
    seen = anonymisation.public_sequences(kept)
    assert (seen.ratings == 1).all()  # implicit feedback: no ratings to recognise a history by
    users, places = seen.user_ids, seen.timestamps
    first = np.r_[True, users[1:] != users[:-1]]
    assert (places[first] == 0).all() and (np.diff(places)[~first[1:]] == 1).all()  # order only, ties in a secret order
    assert len(get_part("explicit").kernel_public(anonymisation, public)) == len(public)  # Part 1 keeps every rating


def test_part_1_keeps_every_rating_and_no_time(anonymisation: Anonymisation, synthetic: Interactions) -> None:
    public = assignment_split(synthetic, "explicit", seed=3).public
    seen = anonymisation.public_ratings(public)
    assert (seen.timestamps == 0).all() and (np.diff(seen.user_ids) >= 0).all()
    np.testing.assert_array_equal(np.sort(seen.ratings), np.sort(public.ratings))


def test_the_kernels_data_in_movielens_ids_is_the_public_data(anonymisation: Anonymisation, synthetic: Interactions) -> None:
    public = assignment_split(synthetic, "explicit", seed=3).public
    back = anonymisation.in_movielens_ids(anonymisation.public_ratings(public))
    triples = lambda data: sorted(zip(data.user_ids.tolist(), data.item_ids.tolist(), data.ratings.tolist()))  # noqa: E731
    assert triples(back) == triples(public)
