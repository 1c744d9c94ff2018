"""The assignment partition: what students may see (public) and what only the grader sees (hidden).

Part 1 (``"explicit"``) hides a seeded share of the ratings. Part 2 (``"sequence"``) hides a
seeded share of the users; windows of their histories whose last item has an unambiguous place
in time, at positions the seed chooses, become the test rows: the last item is the target, the
nine before it the input. ``load_public`` gives the public set at home; under the grader it reads the copy
staged into the kernel's working folder (``GRADER_PUBLIC_DATA``), in the grading run's secret id
space (see :mod:`grader.data.anonymisation`), because the kernel cannot see the full dataset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.config import load_config
from grader.data.interactions import Interactions
from grader.data.movielens import DATA_DIR_ENV, DatasetError, load_movielens
from grader.data.private import read_private_ratings
from grader.data.synthetic import synthetic_interactions

PARTS = ("explicit", "sequence")
PART_TITLES = {"explicit": "Part 1, explicit feedback", "sequence": "Part 2, implicit sequences"}
DATASETS = ("movielens", "synthetic")
PRIVATE = "private"
"""An instructor's own ratings in ``u.data`` format (:mod:`grader.data.private`), graded like MovieLens."""
GRADING_DATASETS = (*DATASETS, PRIVATE)
DATASET_ENV = "GRADER_DATASET"
PUBLIC_DATA_ENV = "GRADER_PUBLIC_DATA"
SPLIT_SEED_ENV = "GRADER_SPLIT_SEED"
TEST_FRACTION = 0.2
SEQUENCE_LENGTH = 10
WINDOWS_PER_USER = 3
"""Test windows per hidden user: few enough that linking a user's rows gains next to nothing."""
_WINDOWS_STREAM = 0x57494E44
"""Separates the random stream that places Part 2's test windows from the partition's."""


class PartNotStagedError(RuntimeError):
    """Raised in a graded kernel that asks for the data of the part not being graded."""


@dataclass(frozen=True)
class HiddenRatings:
    """Part 1 hidden split: the (user, item) pairs to predict and their true ratings."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    ratings: np.ndarray

    def __len__(self) -> int:
        return len(self.ratings)


@dataclass(frozen=True)
class HiddenSequences:
    """Part 2 hidden split: nine-item inputs (left-padded with 0), the item that came next, and
    the user of each row (never sent to a kernel)."""

    inputs: np.ndarray
    targets: np.ndarray
    num_items: int
    user_ids: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.targets)


@dataclass(frozen=True)
class AssignmentSplit:
    """One part's partition of a dataset."""

    part: str
    public: Interactions
    hidden: HiddenRatings | HiddenSequences


def check_part(part: str) -> str:
    """Return ``part`` if it names a part of the homework, else raise a ValueError saying which do."""
    if part not in PARTS:
        raise ValueError(f"Unknown part {part!r}: use 'explicit' (Part 1) or 'sequence' (Part 2).")
    return part


def load_dataset(name: str | None = None, data_dir: str | Path | None = None) -> Interactions:
    """The full dataset: ``"movielens"`` (default, or ``$GRADER_DATASET``), ``"synthetic"``, or
    ``"private"``: the ratings file in ``data_dir`` (or ``$GRADER_DATA_DIR``), checked but not against MovieLens."""
    name = name or os.environ.get(DATASET_ENV) or "movielens"
    if name == "movielens":
        return load_movielens(data_dir)
    if name == "synthetic":
        return synthetic_interactions()
    if name == PRIVATE:
        folder = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
        if not folder:
            raise DatasetError("--dataset private needs --data-dir (or GRADER_DATA_DIR): the folder holding your u.data.")
        return read_private_ratings(folder)
    raise ValueError(f"Unknown dataset {name!r}: use one of {', '.join(GRADING_DATASETS)}.")


def assignment_split(interactions: Interactions, part: str, seed: int | None = None) -> AssignmentSplit:
    """Partition ``interactions`` into the public and hidden sets of ``part``.

    Parameters
    ----------
    interactions:
        The full dataset.
    part:
        ``"explicit"`` or ``"sequence"``.
    seed:
        The partition seed; by default ``$GRADER_SPLIT_SEED``, else the packaged configuration's.
    """
    from grader.parts import get_part  # the parts build on this module's data types

    check_part(part)
    if seed is None:
        seed = int(os.environ[SPLIT_SEED_ENV]) if os.environ.get(SPLIT_SEED_ENV) else load_config().seed
    return get_part(part).split(interactions, seed)


def next_item_test_set(interactions: Interactions, windows_per_user: int = WINDOWS_PER_USER, seed: int | None = None) -> HiddenSequences:
    """Cut histories into Part 2 test rows: up to nine inputs and the item that came next.

    A target must have a place in time of its own: rated strictly after the item before it and
    strictly before the item after it. (About half of MovieLens ratings share their second with a
    neighbour; their order within that second is the file's, which no model can learn.) Each
    user gives at most ``windows_per_user`` non-overlapping windows of ten items, each with at
    least one input item, so that no row's target is another row's input.

    Parameters
    ----------
    seed:
        None takes each user's most recent windows. A seed takes windows whose targets stand at
        positions of the history chosen at random by it: what the grader does with its partition
        seed, so that the graded rows cannot be worked out at home from the public files.
    """
    order = np.lexsort((interactions.timestamps, interactions.user_ids))
    users, items, times = interactions.user_ids[order], interactions.item_ids[order], interactions.timestamps[order]
    same_user_before = np.r_[False, users[1:] == users[:-1]]
    after_previous = same_user_before & np.r_[False, times[1:] > times[:-1]]
    same_user_after = np.r_[users[1:] == users[:-1], False]
    before_next = ~same_user_after | np.r_[times[1:] > times[:-1], False]
    clean = np.flatnonzero(after_previous & before_next)
    starts = np.r_[0, np.flatnonzero(~same_user_before[1:]) + 1] if len(users) else np.zeros(0, np.int64)
    user_start = np.repeat(starts, np.diff(np.r_[starts, len(users)]))
    rng = None if seed is None else np.random.default_rng([_WINDOWS_STREAM, int(seed)])
    chosen: list[int] = []
    for candidates in np.split(clean, np.flatnonzero(np.diff(users[clean])) + 1) if len(clean) else []:
        candidates = candidates[::-1] if rng is None else rng.permutation(candidates)  # most recent first, or at random
        taken: list[int] = []
        for position in candidates.tolist():
            if len(taken) == windows_per_user:
                break
            if all(abs(position - other) >= SEQUENCE_LENGTH for other in taken):
                taken.append(position)
        chosen += taken
    ends = np.sort(np.asarray(chosen, dtype=np.int64))
    windows = np.zeros((len(ends), SEQUENCE_LENGTH), dtype=np.int64)
    for column in range(SEQUENCE_LENGTH):
        position = ends - (SEQUENCE_LENGTH - 1) + column
        valid = position >= user_start[ends]
        windows[valid, column] = items[position[valid]]
    return HiddenSequences(windows[:, :-1].copy(), windows[:, -1].copy(), interactions.num_items, users[ends].copy())


def stage_public(public: Interactions, part: str, folder: str | Path) -> Path:
    """Write ``public`` where a graded kernel's ``load_public`` will read it; return the file."""
    path = Path(folder) / f"public_{check_part(part)}.npz"
    np.savez(
        path,
        part=np.array(part),
        user_ids=public.user_ids,
        item_ids=public.item_ids,
        ratings=public.ratings,
        timestamps=public.timestamps,
        num_users=np.array(public.num_users),
        num_items=np.array(public.num_items),
    )
    return path


def _read_staged(path: str, part: str) -> Interactions:
    with np.load(path, allow_pickle=False) as staged:
        staged_part = str(staged["part"])
        if staged_part != part:
            raise PartNotStagedError(
                f"This grading run is for {PART_TITLES[staged_part]}, so the {part!r} data is not "
                f"available here. Cells that need it fail in this run; the other part is graded "
                f"in a run of its own."
            )
        return Interactions(
            staged["user_ids"],
            staged["item_ids"],
            staged["ratings"],
            staged["timestamps"],
            int(staged["num_users"]),
            int(staged["num_items"]),
        )


def load_public(part: str, data_dir: str | Path | None = None) -> Interactions:
    """The public data of a part of the homework: what you train and validate on.

    Parameters
    ----------
    part:
        ``"explicit"`` (Part 1: 80% of the ratings) or ``"sequence"`` (Part 2: every rating
        of 80% of the users; call ``.to_sequence()`` for windows). When grading, ids are
        renamed and rows come by user; Part 1's timestamps are then 0 (it needs no time), Part 2's
        each user's order, its ratings all 1 (it is implicit feedback) and a random 10% left out.
    data_dir:
        Folder holding MovieLens 100K's ``u.data``; by default ``$GRADER_DATA_DIR``, else the
        cache, else a one-time download.

    Returns
    -------
    Interactions
    """
    check_part(part)
    staged = os.environ.get(PUBLIC_DATA_ENV)
    if staged:
        return _read_staged(staged, part)
    return assignment_split(load_dataset(data_dir=data_dir), part).public
