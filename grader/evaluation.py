"""Scoring predictions on a held-out set: the same code for the grader, the baselines and the
notebooks' self-check, so every figure a student sees is computed the one way.

The graded function is found and called by :mod:`grader.contract`, as the grader finds and
calls it in the kernel: by its name among the notebook's top-level names, one batch per call, a
returned torch tensor converted with ``.detach().cpu().numpy()``, the answer refused with the
grader's own words when it has the wrong type or shape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader import metrics
from grader.baselines import BASELINES
from grader.contract import answer_batch
from grader.data.assignment import HiddenRatings, HiddenSequences
from grader.data.interactions import Interactions

RatingPredictor = Callable[[np.ndarray, np.ndarray], np.ndarray]
NextItemPredictor = Callable[[np.ndarray], np.ndarray]

RATINGS_BATCH = 8192
SEQUENCES_BATCH = 256
"""How many pairs or sequences a contract function receives per call."""


def shifted_ids_hint(part: str, num_users: int, num_items: int) -> str:
    """What ids shifted by one look like: advice for a metric no better than the weak baseline."""
    if part == "explicit":
        return (
            f"If training went well, check the ids: users are 1..{num_users - 1} and items 1..{num_items - 1}, and "
            f"predict_ratings receives them so; an id shifted by one between training and prediction gives results like this."
        )
    return (
        f"If training went well, check the ids: items are 1..{num_items - 1} and column k of the scores is item k "
        f"(column 0 is padding); scores shifted by one column give results like this."
    )


def score_ratings(predictions: object, hidden: HiddenRatings) -> dict[str, float]:
    """``{"rmse": ...}`` of predicted ratings; raises InvalidPredictionsError on bad output."""
    return {"rmse": metrics.rmse(predictions, hidden.ratings)}


def score_next_items(scores: object, hidden: HiddenSequences) -> dict[str, float]:
    """``{"mrr", "hr@10", "ndcg@10"}`` of next-item scores; raises InvalidPredictionsError on bad output."""
    matrix = metrics.validate_scores(scores, len(hidden), hidden.num_items)
    return metrics.ranking_metrics(matrix, hidden.targets, k=10).as_dict()


def predict_ratings_in_batches(predict: RatingPredictor, hidden: HiddenRatings, batch: int = RATINGS_BATCH) -> np.ndarray:
    """Call ``predict`` on the hidden pairs a batch at a time, as the grader does (see :func:`answer_batch`)."""
    pairs = np.stack([hidden.user_ids, hidden.item_ids], axis=1).astype(np.int64)
    parts = [answer_batch(predict, "explicit", pairs[start : start + batch]) for start in range(0, len(pairs), batch)]
    return np.concatenate(parts) if parts else np.zeros(0)


def predict_next_in_batches(predict: NextItemPredictor, hidden: HiddenSequences, batch: int = SEQUENCES_BATCH) -> np.ndarray:
    """Call ``predict`` on the hidden input sequences a batch at a time, as the grader does (see :func:`answer_batch`)."""
    inputs = np.asarray(hidden.inputs, dtype=np.int64)
    parts = [answer_batch(predict, "sequence", inputs[start : start + batch], hidden.num_items) for start in range(0, len(inputs), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, hidden.num_items))


def score_answers(part: str, answers: object, hidden: HiddenRatings | HiddenSequences) -> dict[str, float]:
    """The metrics of ``part`` for answers to its hidden requests; raises InvalidPredictionsError on bad output."""
    return score_ratings(answers, hidden) if part == "explicit" else score_next_items(answers, hidden)


def baseline_predictions(part: str, name: str, public: Interactions, hidden: HiddenRatings | HiddenSequences) -> np.ndarray:
    """The answers of baseline ``name`` of ``part``, fitted on ``public``, to the ``hidden`` requests."""
    model = BASELINES[part][name]().fit(public)
    if part == "explicit":
        return predict_ratings_in_batches(model.predict_ratings, hidden)
    return predict_next_in_batches(model.predict_next, hidden)


def baseline_metrics(part: str, public: Interactions, hidden: HiddenRatings | HiddenSequences) -> dict[str, dict[str, float]]:
    """Every baseline of a part, fitted on ``public`` and scored on ``hidden``, by name (weakest first)."""
    return {name: score_answers(part, baseline_predictions(part, name, public, hidden), hidden) for name in BASELINES[part]}
