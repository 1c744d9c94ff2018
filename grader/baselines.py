"""Baselines a model must beat, fitted on public data and scored like a submission.

Each part has a weak baseline (the global mean, popularity) that any learning model beats, and
a strong simple one (user and item biases, first-order item transitions) that only a model of
the interactions between users and items, or of whole sequences, beats by much. Each offers the
same function as the student contract (``predict_ratings`` or ``predict_next``), so checks
evaluate baselines and submissions the same way.
"""

from __future__ import annotations

import numpy as np

from grader.data.interactions import Interactions


class GlobalMean:
    """Predicts the mean public rating for every pair."""

    def fit(self, interactions: Interactions) -> GlobalMean:
        """Learn the mean rating."""
        self.mean_ = float(np.mean(interactions.ratings, dtype=np.float64))
        return self

    def predict_ratings(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """The mean rating, once per pair."""
        return np.full(len(user_ids), self.mean_, dtype=np.float64)


def _shrunk_mean(sums: np.ndarray, counts: np.ndarray, pseudo_count: float) -> np.ndarray:
    """``sums / (counts + pseudo_count)``, and 0 where nothing was counted."""
    denominator = counts + pseudo_count
    return np.divide(sums, denominator, out=np.zeros_like(sums), where=denominator > 0)


class UserItemBiases:
    """Global mean plus regularised user and item offsets (Koren's baseline predictor).

    Fitted by alternating closed-form ridge updates: each item's offset is the shrunk mean of
    its residuals, then each user's, repeated until stable.

    Parameters
    ----------
    item_regularization, user_regularization:
        Pseudo-counts that shrink the offsets of rarely rated items and users towards zero.
    iterations:
        Alternating passes.
    """

    def __init__(self, item_regularization: float = 10.0, user_regularization: float = 15.0, iterations: int = 10):
        self.item_regularization = item_regularization
        self.user_regularization = user_regularization
        self.iterations = iterations

    def fit(self, interactions: Interactions) -> UserItemBiases:
        """Learn the mean and the offsets."""
        users, items = interactions.user_ids, interactions.item_ids
        ratings = interactions.ratings.astype(np.float64)
        self.mean_ = float(ratings.mean())
        self.user_bias_ = np.zeros(interactions.num_users)
        self.item_bias_ = np.zeros(interactions.num_items)
        user_counts = np.bincount(users, minlength=interactions.num_users)
        item_counts = np.bincount(items, minlength=interactions.num_items)
        for _ in range(self.iterations):
            residual = ratings - self.mean_ - self.user_bias_[users]
            sums = np.bincount(items, residual, minlength=interactions.num_items)
            self.item_bias_ = _shrunk_mean(sums, item_counts, self.item_regularization)
            residual = ratings - self.mean_ - self.item_bias_[items]
            sums = np.bincount(users, residual, minlength=interactions.num_users)
            self.user_bias_ = _shrunk_mean(sums, user_counts, self.user_regularization)
        return self

    def predict_ratings(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """Mean plus offsets; users and items without public ratings have offset zero."""
        return self.mean_ + self.user_bias_[user_ids] + self.item_bias_[item_ids]


class Popularity:
    """Scores every item by how often it occurs in the public data, whatever the sequence."""

    def fit(self, interactions: Interactions) -> Popularity:
        """Count each item's interactions."""
        counts = np.bincount(interactions.item_ids, minlength=interactions.num_items).astype(np.float64)
        counts[0] = 0.0  # padding
        self.counts_ = counts
        return self

    def predict_next(self, sequences: np.ndarray) -> np.ndarray:
        """The same popularity row for every sequence, shape (n, num_items)."""
        return np.broadcast_to(self.counts_, (len(sequences), len(self.counts_))).copy()


class ItemTransitions:
    """Scores each item by how often it directly followed the sequence's last item in the public
    histories (first-order transition counts), popularity breaking ties; items already in the
    sequence are ruled out, since nobody rates a movie twice.
    """

    def fit(self, interactions: Interactions) -> ItemTransitions:
        """Count, for every pair of items, how often the second came right after the first."""
        order = np.lexsort((interactions.timestamps, interactions.user_ids))
        users, items = interactions.user_ids[order], interactions.item_ids[order]
        same_user = users[1:] == users[:-1]
        n = interactions.num_items
        pairs = items[:-1][same_user] * n + items[1:][same_user]
        self.transitions_ = np.bincount(pairs, minlength=n * n).reshape(n, n).astype(np.float64)
        counts = Popularity().fit(interactions).counts_
        self.tie_breaker_ = counts / (counts.max() + 1.0)  # below 1: orders items only among equal counts
        return self

    def predict_next(self, sequences: np.ndarray) -> np.ndarray:
        """Transition counts from each row's most recent item, shape (n, num_items)."""
        sequences = np.asarray(sequences, dtype=np.int64)
        scores = self.transitions_[sequences[:, -1]] + self.tie_breaker_
        np.put_along_axis(scores, sequences, -1.0, axis=1)  # already seen (and padding): ruled out
        return scores

