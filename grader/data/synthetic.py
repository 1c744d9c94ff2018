"""A seeded, MovieLens-shaped synthetic dataset with structure a model can learn.

Ratings come from latent factors plus biases (so matrix factorisation beats the global mean),
and each user's viewing order follows a Markov chain over items with a few strong successors
per item (so a sequence model beats popularity). Small and fast: the default for tests and
offline demos.
"""

from __future__ import annotations

import numpy as np

from grader.data.interactions import Interactions


def synthetic_interactions(
    num_users: int = 200,
    num_items: int = 300,
    interactions_per_user: tuple[int, int] = (20, 60),
    latent_dim: int = 8,
    follow_probability: float = 0.7,
    seed: int = 0,
) -> Interactions:
    """Generate synthetic ratings with MovieLens conventions (ids from 1, 0 reserved for padding).

    Parameters
    ----------
    num_users, num_items:
        How many users and items; ids run 1..num_users and 1..num_items.
    interactions_per_user:
        Inclusive range of history lengths, drawn uniformly per user.
    latent_dim:
        Dimension of the hidden user and item factors behind the ratings.
    follow_probability:
        Chance that the next item is one of the current item's successors.
    seed:
        Everything is determined by this seed.

    Returns
    -------
    Interactions
    """
    low, high = interactions_per_user
    if not 1 <= low <= high <= num_items:
        raise ValueError("interactions_per_user must satisfy 1 <= low <= high <= num_items")
    rng = np.random.default_rng(seed)
    users = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_users + 1, latent_dim))
    items = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_items + 1, latent_dim))
    user_bias = rng.normal(0.0, 0.4, num_users + 1)
    item_bias = rng.normal(0.0, 0.5, num_items + 1)
    popularity = 1.0 / np.arange(1, num_items + 1) ** 0.8
    popularity = np.concatenate(([0.0], rng.permutation(popularity)))
    successors = rng.integers(1, num_items + 1, size=(num_items + 1, 3))

    rows: list[tuple[np.ndarray, ...]] = []
    for user in range(1, num_users + 1):
        length = int(rng.integers(low, high + 1))
        preference = popularity * np.exp(1.5 * (items @ users[user]))
        seen = np.zeros(num_items + 1, dtype=bool)
        seen[0] = True
        history = np.empty(length, dtype=np.int64)
        current = 0
        for step in range(length):
            options = successors[current][~seen[successors[current]]] if current else ()
            if len(options) and rng.random() < follow_probability:
                current = int(options[rng.integers(len(options))])
            else:
                weights = np.where(seen, 0.0, preference)
                current = int(rng.choice(num_items + 1, p=weights / weights.sum()))
            seen[current] = True
            history[step] = current
        affinity = items[history] @ users[user]
        noise = rng.normal(0.0, 0.5, length)
        ratings = np.clip(np.rint(3.5 + user_bias[user] + item_bias[history] + 2.0 * affinity + noise), 1, 5)
        start = rng.integers(875_000_000, 890_000_000)
        timestamps = start + np.cumsum(rng.integers(1, 3_600, length))
        rows.append((np.full(length, user), history, ratings, timestamps))

    user_ids, item_ids, ratings, timestamps = (np.concatenate(column) for column in zip(*rows))
    shuffle = rng.permutation(len(user_ids))  # file order carries no time information, as in u.data
    return Interactions(
        user_ids[shuffle],
        item_ids[shuffle],
        ratings[shuffle],
        timestamps[shuffle],
        num_users=num_users + 1,
        num_items=num_items + 1,
    )
