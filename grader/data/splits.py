"""Seeded train/test splits of interactions, for validation sets and for the hidden partition."""

from __future__ import annotations

import numpy as np

from grader.data.interactions import Interactions

Seed = int | np.random.Generator | None


def _generator(seed: Seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_fraction(test_fraction: float) -> None:
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, not {test_fraction}")


def random_train_test_split(
    interactions: Interactions, test_fraction: float = 0.2, seed: Seed = None
) -> tuple[Interactions, Interactions]:
    """Hold out a random ``test_fraction`` of the ratings (rounded to a whole number).

    Parameters
    ----------
    interactions:
        The ratings to split.
    test_fraction:
        Share of ratings that go to the test set.
    seed:
        An int or a ``numpy.random.Generator``; the same seed gives the same split.

    Returns
    -------
    (train, test): Interactions
        Disjoint, together all of ``interactions``; both keep the full id spaces.
    """
    _check_fraction(test_fraction)
    n = len(interactions)
    n_test = int(round(n * test_fraction))
    in_test = np.zeros(n, dtype=bool)
    in_test[_generator(seed).permutation(n)[:n_test]] = True
    return interactions.subset(~in_test), interactions.subset(in_test)


def user_based_train_test_split(
    interactions: Interactions, test_fraction: float = 0.2, seed: Seed = None
) -> tuple[Interactions, Interactions]:
    """Hold out all ratings of a random ``test_fraction`` of the users (rounded to whole users).

    Use it for next-item prediction, where a model must handle users it never trained on.

    Returns
    -------
    (train, test): Interactions
        No user appears in both.
    """
    _check_fraction(test_fraction)
    users = np.unique(interactions.user_ids)
    n_test = int(round(len(users) * test_fraction))
    test_users = _generator(seed).permutation(users)[:n_test]
    in_test = np.isin(interactions.user_ids, test_users)
    return interactions.subset(~in_test), interactions.subset(in_test)
