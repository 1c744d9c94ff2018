"""The secret id space of a grading run: what a graded kernel sees instead of MovieLens's ids.

MovieLens is public, so a notebook could carry the ratings inside itself and look every hidden
pair up. Under grading the kernel therefore works in a different space, derived from the
partition seed (a secret seed gives a secret space; the same seed always gives the same one, so
a regrade is identical):

- user and item ids are permuted (id 0, the padding, stays 0; the id ranges stay the same);
- time is reduced to what each part uses: none for Part 1, each user's order for Part 2 (whose
  ratings also become 1, with a secret 10% of them withheld): see :meth:`Anonymisation.public`;
- the public rows are ordered by user in the permuted space, not in the file's order;
- the hidden inputs are sent in a secret order, and the answers are put back by the grader.

A lookup table built from the public files is useless inside the grader: an attacker would have
to de-anonymise the data first (see docs/security.md for what that takes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.data.interactions import Interactions

_STREAM = 0x5EC1D5
"""Separates this module's random streams from the partition's, which uses the bare seed."""
SEQUENCE_WITHHELD = 0.1
"""The share of Part 2's public ratings that a graded kernel does not see (chosen at random by the seed)."""


def time_order(user_ids: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
    """Each rating's place in its user's history: dense ranks of time, 0 for the first second."""
    order = np.lexsort((timestamps, user_ids))
    users, times = user_ids[order], timestamps[order]
    new_user = np.r_[True, users[1:] != users[:-1]]
    new_second = new_user | np.r_[True, times[1:] != times[:-1]]
    steps = np.cumsum(new_second) - 1
    ranks_sorted = steps - np.maximum.accumulate(np.where(new_user, steps, 0))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = ranks_sorted
    return ranks


def _places(sorted_users: np.ndarray) -> np.ndarray:
    """Each row's place among its user's rows (0, 1, 2, ...), for rows sorted by user."""
    rows = np.arange(len(sorted_users))
    first = np.r_[True, sorted_users[1:] != sorted_users[:-1]]
    return rows - np.maximum.accumulate(np.where(first, rows, 0))


@dataclass(frozen=True, eq=False)
class Anonymisation:
    """The permutations of one grading run.

    Attributes
    ----------
    users, items:
        ``users[raw_id]`` is the id the kernel sees (0 maps to 0).
    seed:
        The partition seed everything here is derived from.
    """

    users: np.ndarray
    items: np.ndarray
    seed: int

    @classmethod
    def from_seed(cls, seed: int, num_users: int, num_items: int) -> Anonymisation:
        """The id space of partition seed ``seed`` for id ranges of these sizes (padding included)."""
        rng = np.random.default_rng([_STREAM, int(seed)])
        users = np.r_[0, 1 + rng.permutation(num_users - 1)].astype(np.int64)
        items = np.r_[0, 1 + rng.permutation(num_items - 1)].astype(np.int64)
        return cls(users, items, int(seed))

    def _random(self, purpose: str) -> np.random.Generator:
        """A secret random stream of this run, one per ``purpose`` (its first 8 bytes tell them apart)."""
        tag = int.from_bytes(purpose.encode()[:8].ljust(8, b"\0"), "little")
        return np.random.default_rng([_STREAM, int(self.seed), tag])

    def row_order(self, rows: int, purpose: str) -> np.ndarray:
        """A secret permutation of ``rows`` rows, one per ``purpose`` (e.g. ``"explicit"``)."""
        return self._random(purpose).permutation(rows)

    def withhold(self, interactions: Interactions) -> Interactions:
        """Part 2's public interactions without a secret :data:`SEQUENCE_WITHHELD` of them, so that
        no public user's history length, nor the place of an item in it, matches the public files."""
        return interactions.subset(self._random("withheld").random(len(interactions)) >= SEQUENCE_WITHHELD)

    def public_ratings(self, interactions: Interactions) -> Interactions:
        """Part 1's ``interactions`` as a kernel sees them: permuted ids, rows by user, each user's
        ratings in a secret order and every timestamp 0 (Part 1 uses no time), so that no history
        is a fingerprint of a MovieLens user."""
        order = np.lexsort((self.row_order(len(interactions), "shuffle"), self.users[interactions.user_ids]))
        return self._renamed(interactions, order, interactions.ratings[order], np.zeros(len(order), dtype=np.int64))

    def public_sequences(self, interactions: Interactions) -> Interactions:
        """Part 2's ``interactions`` as a kernel sees them: permuted ids, rows by user, and only
        the order of time (Part 2 is implicit feedback): ratings all 1, times each user's order of
        rating (0, 1, 2, ...), ratings given in the same second in a secret order."""
        users = self.users[interactions.user_ids]
        ranks = time_order(interactions.user_ids, interactions.timestamps)
        order = np.lexsort((self.row_order(len(users), "ties"), ranks, users))
        return self._renamed(interactions, order, np.ones_like(interactions.ratings), _places(users[order]))

    def _renamed(self, interactions: Interactions, order: np.ndarray, ratings: np.ndarray, times: np.ndarray) -> Interactions:
        return Interactions(
            self.users[interactions.user_ids][order],
            self.items[interactions.item_ids][order],
            ratings,
            times,
            interactions.num_users,
            interactions.num_items,
        )

    def in_movielens_ids(self, interactions: Interactions) -> Interactions:
        """Interactions of the kernel's space with MovieLens's ids again, everything else as the
        kernel has it (so that the baselines learn exactly what a kernel is given)."""
        return Interactions(
            np.argsort(self.users)[interactions.user_ids],
            np.argsort(self.items)[interactions.item_ids],
            interactions.ratings,
            interactions.timestamps,
            interactions.num_users,
            interactions.num_items,
        )

    def rating_requests(self, user_ids: np.ndarray, item_ids: np.ndarray, purpose: str = "explicit") -> tuple[np.ndarray, np.ndarray]:
        """Hidden (user, item) pairs in the kernel's space and secret order: ``(inputs (n, 2), order)``."""
        order = self.row_order(len(user_ids), purpose)
        pairs = np.stack([self.users[user_ids[order]], self.items[item_ids[order]]], axis=1)
        return pairs, order

    def sequence_requests(self, inputs: np.ndarray, purpose: str = "sequence") -> tuple[np.ndarray, np.ndarray]:
        """Hidden input sequences in the kernel's space and secret order: ``(inputs (n, L), order)``."""
        order = self.row_order(len(inputs), purpose)
        return self.items[inputs[order]], order

    def restore_ratings(self, answers: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Ratings answered in request order, back in the hidden split's order."""
        restored = np.empty_like(answers)
        restored[order] = answers
        return restored

    def restore_scores(self, answers: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Next-item scores answered in request order and kernel item ids, back in the hidden
        split's order with one column per MovieLens item id."""
        restored = np.empty_like(answers)
        restored[order] = answers
        return restored[:, self.items]
