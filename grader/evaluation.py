"""Scoring predictions on a held-out set: the same code for the grader, the baselines and the
notebooks' self-check, so every figure a student sees is computed the one way."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader import metrics
from grader.baselines import GlobalMean, Popularity, UserItemBiases
from grader.data.assignment import HiddenRatings, HiddenSequences
from grader.data.interactions import Interactions

RatingPredictor = Callable[[np.ndarray, np.ndarray], np.ndarray]
NextItemPredictor = Callable[[np.ndarray], np.ndarray]

RATINGS_BATCH = 8192
SEQUENCES_BATCH = 256
"""How many pairs or sequences a contract function receives per call."""


def score_ratings(predictions: object, hidden: HiddenRatings) -> dict[str, float]:
    """``{"rmse": ...}`` of predicted ratings; raises InvalidPredictionsError on bad output."""
    return {"rmse": metrics.rmse(predictions, hidden.ratings)}


def score_next_items(scores: object, hidden: HiddenSequences) -> dict[str, float]:
    """``{"mrr", "hr@10", "ndcg@10"}`` of next-item scores; raises InvalidPredictionsError on bad output."""
    matrix = metrics.validate_scores(scores, len(hidden), hidden.num_items)
    return metrics.ranking_metrics(matrix, hidden.targets, k=10).as_dict()


def predict_ratings_in_batches(predict: RatingPredictor, hidden: HiddenRatings, batch: int = RATINGS_BATCH) -> np.ndarray:
    """Call ``predict`` on the hidden pairs a batch at a time, validating each answer."""
    parts = []
    for start in range(0, len(hidden), batch):
        users = hidden.user_ids[start : start + batch].copy()
        items = hidden.item_ids[start : start + batch].copy()
        parts.append(metrics.validate_ratings(predict(users, items), len(users)))
    return np.concatenate(parts) if parts else np.zeros(0)


def predict_next_in_batches(predict: NextItemPredictor, hidden: HiddenSequences, batch: int = SEQUENCES_BATCH) -> np.ndarray:
    """Call ``predict`` on the hidden input sequences a batch at a time, validating each answer."""
    parts = []
    for start in range(0, len(hidden), batch):
        inputs = hidden.inputs[start : start + batch].copy()
        parts.append(metrics.validate_scores(predict(inputs), len(inputs), hidden.num_items))
    return np.concatenate(parts) if parts else np.zeros((0, hidden.num_items))


def baseline_metrics(part: str, public: Interactions, hidden: HiddenRatings | HiddenSequences) -> dict[str, dict[str, float]]:
    """Every baseline of a part, fitted on ``public`` and scored on ``hidden``, by name."""
    if part == "explicit":
        return {
            "global_mean": score_ratings(predict_ratings_in_batches(GlobalMean().fit(public).predict_ratings, hidden), hidden),
            "user_item_biases": score_ratings(predict_ratings_in_batches(UserItemBiases().fit(public).predict_ratings, hidden), hidden),
        }
    return {"popularity": score_next_items(predict_next_in_batches(Popularity().fit(public).predict_next, hidden), hidden)}
