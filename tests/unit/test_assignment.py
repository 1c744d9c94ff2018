"""The assignment partition and the seam through which a graded kernel gets its public data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.data import Interactions, PartNotStagedError, assignment_split, load_public, next_item_test_set
from grader.data.assignment import stage_public


def _pairs(user_ids: np.ndarray, item_ids: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(user_ids.tolist(), item_ids.tolist()))


def test_explicit_partition_hides_a_fifth_of_the_ratings(synthetic: Interactions) -> None:
    split = assignment_split(synthetic, "explicit", seed=1)
    assert len(split.hidden) == round(0.2 * len(synthetic))
    assert len(split.public) + len(split.hidden) == len(synthetic)
    assert not _pairs(split.public.user_ids, split.public.item_ids) & _pairs(split.hidden.user_ids, split.hidden.item_ids)


def test_sequence_partition_hides_whole_users(synthetic: Interactions) -> None:
    split = assignment_split(synthetic, "sequence", seed=1)
    hidden_users = set(np.unique(synthetic.user_ids).tolist()) - set(split.public.user_ids.tolist())
    assert len(hidden_users) == round(0.2 * (synthetic.num_users - 1))
    hidden = split.hidden
    assert hidden.inputs.shape == (len(hidden), 9) and hidden.num_items == synthetic.num_items
    assert (hidden.targets > 0).all() and (hidden.inputs[:, -1] > 0).all()  # at least one input item
    assert set(hidden.user_ids.tolist()) <= hidden_users


def _history(user: int, items: list[int], times: list[int]) -> Interactions:
    n = len(items)
    return Interactions(np.full(n, user), np.array(items), np.full(n, 4.0), np.array(times), user + 1, max(items) + 1)


def test_targets_have_a_place_in_time_of_their_own() -> None:
    # Items 5 and 6 share a second, so neither is a target; 7 is the latest item alone in its second.
    history = _history(1, [1, 2, 3, 4, 5, 6, 7, 8], [10, 20, 30, 40, 50, 50, 60, 60])
    rows = next_item_test_set(history)
    assert rows.targets.tolist() == [4]
    assert rows.inputs.tolist() == [[0, 0, 0, 0, 0, 0, 1, 2, 3]]


def test_at_most_three_non_overlapping_windows_per_user_the_most_recent_first() -> None:
    items = list(range(1, 46))
    rows = next_item_test_set(_history(2, items, [10 * i for i in items]))
    assert rows.targets.tolist() == [25, 35, 45]  # the three most recent, ten apart
    spans = [set(row[row > 0].tolist()) | {target} for row, target in zip(rows.inputs, rows.targets)]
    assert all(not a & b for k, a in enumerate(spans) for b in spans[k + 1 :])
    assert next_item_test_set(_history(2, items, [10 * i for i in items]), windows_per_user=1).targets.tolist() == [45]


def test_a_seed_places_the_windows_at_random_positions_keeping_them_apart() -> None:
    items = list(range(1, 201))
    history = _history(3, items, [10 * i for i in items])
    placements = {tuple(next_item_test_set(history, seed=seed).targets.tolist()) for seed in range(20)}
    assert len(placements) == 20  # every seed its own positions, unlike the most recent windows
    for seed in range(20):
        rows = next_item_test_set(history, seed=seed)
        again = next_item_test_set(history, seed=seed)
        np.testing.assert_array_equal(rows.targets, again.targets)
        assert len(rows) == 3 and np.diff(np.sort(rows.targets)).min() >= 10  # no target is another row's input
        for row, target in zip(rows.inputs, rows.targets):
            seen = row[row > 0].tolist()
            assert seen == list(range(max(1, target - 9), target))  # the nine items before, in time order
    # Same-second neighbours are never targets, wherever the seed points.
    tied = _history(4, list(range(1, 61)), [10 * ((i + 1) // 2) for i in range(1, 61)])
    assert all(len(next_item_test_set(tied, seed=seed)) == 0 for seed in range(5))


def test_partition_is_determined_by_the_seed(synthetic: Interactions) -> None:
    first, again, other = (assignment_split(synthetic, "explicit", seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(first.hidden.ratings, again.hidden.ratings)
    np.testing.assert_array_equal(first.hidden.item_ids, again.hidden.item_ids)
    assert not np.array_equal(first.hidden.item_ids, other.hidden.item_ids)


def test_unknown_part_is_refused(synthetic: Interactions) -> None:
    with pytest.raises(ValueError, match="'explicit'.*'sequence'"):
        assignment_split(synthetic, "implicit")


@pytest.mark.parametrize("part", ["explicit", "sequence"])
def test_load_public_at_home_never_returns_a_hidden_row(part: str, synthetic: Interactions, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_DATASET", "synthetic")
    public = load_public(part)
    split = assignment_split(synthetic, part)
    np.testing.assert_array_equal(public.item_ids, split.public.item_ids)
    if part == "explicit":
        assert not _pairs(public.user_ids, public.item_ids) & _pairs(split.hidden.user_ids, split.hidden.item_ids)


def test_staged_public_data_is_what_a_graded_kernel_loads(synthetic: Interactions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    public = assignment_split(synthetic, "explicit").public
    staged = stage_public(public, "explicit", tmp_path)
    monkeypatch.setenv("GRADER_PUBLIC_DATA", str(staged))
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path / "not-here"))  # never consulted
    loaded = load_public("explicit")
    for name in ("user_ids", "item_ids", "ratings", "timestamps"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(public, name))
    assert (loaded.num_users, loaded.num_items) == (public.num_users, public.num_items)
    with pytest.raises(PartNotStagedError, match="Part 1.*'sequence' data is not available"):
        load_public("sequence")
