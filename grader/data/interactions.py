"""The interaction data objects: (user, item, rating, timestamp) rows and their sequences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PADDING_ITEM = 0
"""Item id 0 never names a movie: it pads sequences on the left."""


@dataclass(frozen=True, eq=False)
class SequenceInteractions:
    """Time-ordered item sequences, one row per window of a user's history.

    Attributes
    ----------
    sequences:
        int64 array (n, L); each row is left-padded with 0 and its last column is the most
        recent item of the window.
    user_ids:
        int64 array (n,), the user each row belongs to.
    num_items:
        Size of the item id space, padding id 0 included.
    """

    sequences: np.ndarray
    user_ids: np.ndarray
    num_items: int

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def max_sequence_length(self) -> int:
        """Width L of every row."""
        return self.sequences.shape[1]

    def inputs_and_targets(self) -> tuple[np.ndarray, np.ndarray]:
        """Split each row into the items seen so far (all but the last) and the next item."""
        return self.sequences[:, :-1], self.sequences[:, -1]


@dataclass(frozen=True, eq=False)
class Interactions:
    """Ratings of items by users, as parallel numpy arrays.

    Ids follow MovieLens: users start at 1 and items start at 1, so ``num_users`` and
    ``num_items`` are one more than the largest id and id 0 is free for padding.

    Attributes
    ----------
    user_ids, item_ids:
        int64 arrays (n,).
    ratings:
        float32 array (n,) of 1-5 stars.
    timestamps:
        int64 array (n,) of unix seconds.
    num_users, num_items:
        Sizes of the id spaces (largest id + 1).
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    ratings: np.ndarray
    timestamps: np.ndarray
    num_users: int
    num_items: int

    def __post_init__(self) -> None:
        n = len(self.user_ids)
        for name in ("item_ids", "ratings", "timestamps"):
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"Interactions arrays differ in length: user_ids has {n}, "
                    f"{name} has {len(getattr(self, name))}"
                )
        object.__setattr__(self, "user_ids", np.asarray(self.user_ids, dtype=np.int64))
        object.__setattr__(self, "item_ids", np.asarray(self.item_ids, dtype=np.int64))
        object.__setattr__(self, "ratings", np.asarray(self.ratings, dtype=np.float32))
        object.__setattr__(self, "timestamps", np.asarray(self.timestamps, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.user_ids)

    def __repr__(self) -> str:
        return (
            f"<Interactions: {len(self):,} ratings, {self.num_users:,} user ids, "
            f"{self.num_items:,} item ids>"
        )

    def subset(self, rows: np.ndarray) -> Interactions:
        """The interactions at ``rows`` (indices or a boolean mask), with the same id spaces."""
        return Interactions(
            self.user_ids[rows],
            self.item_ids[rows],
            self.ratings[rows],
            self.timestamps[rows],
            self.num_users,
            self.num_items,
        )

    def to_sequence(
        self,
        max_sequence_length: int = 10,
        min_sequence_length: int | None = None,
        step_size: int | None = None,
    ) -> SequenceInteractions:
        """Turn each user's time-ordered history into fixed-length windows.

        Windows are cut from the end of each history backwards, ``step_size`` items apart
        (``max_sequence_length`` by default, so windows do not overlap; 1 gives every
        prefix). The earliest window of a user may be short and is left-padded with 0.
        Ratings given in the same second keep the order they have in the data.

        Parameters
        ----------
        max_sequence_length:
            Width of each row.
        min_sequence_length:
            Drop windows holding fewer real items than this.
        step_size:
            Distance between the ends of consecutive windows of one user.

        Returns
        -------
        SequenceInteractions
        """
        length = int(max_sequence_length)
        step = length if step_size is None else int(step_size)
        if length < 1 or step < 1:
            raise ValueError("max_sequence_length and step_size must be positive")

        order = np.lexsort((self.timestamps, self.user_ids))  # stable: ties keep data order
        users = self.user_ids[order]
        items = self.item_ids[order]
        boundaries = np.flatnonzero(np.diff(users)) + 1
        starts = np.concatenate(([0], boundaries)).astype(np.int64)
        counts = np.diff(np.concatenate((starts, [len(users)]))).astype(np.int64)
        if len(users) == 0:
            starts = counts = np.zeros(0, dtype=np.int64)

        windows_per_user = -(-counts // step)  # ceil division
        window_user = np.repeat(np.arange(len(starts)), windows_per_user)
        first_window = np.repeat(np.cumsum(windows_per_user) - windows_per_user, windows_per_user)
        k = np.arange(len(window_user)) - first_window
        ends = counts[window_user] - k * step  # exclusive end, relative to the user's start

        sequences = np.zeros((len(window_user), length), dtype=np.int64)
        for column in range(length):
            position = ends - length + column
            valid = position >= 0
            sequences[valid, column] = items[starts[window_user[valid]] + position[valid]]

        window_users = users[starts[window_user]] if len(window_user) else np.zeros(0, np.int64)
        if min_sequence_length is not None:
            keep = np.minimum(ends, length) >= min_sequence_length
            sequences, window_users = sequences[keep], window_users[keep]
        return SequenceInteractions(sequences, window_users.astype(np.int64), self.num_items)
