"""Scoring predictions on a held-out set: the same code for the grader, the baselines and the
notebooks' self-check, so every figure a student sees is computed the one way.

The graded function is found and called here the way the grader finds and calls it in the
kernel (:mod:`grader.execution.protocol`): by its name among the notebook's top-level names, one
batch per call, a returned torch tensor converted with ``.detach().cpu().numpy()``, the answer
refused with the grader's own words when it has the wrong type or shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from grader import metrics
from grader.baselines import BASELINES
from grader.data.assignment import HiddenRatings, HiddenSequences
from grader.data.interactions import Interactions
from grader.metrics import InvalidPredictionsError

RatingPredictor = Callable[[np.ndarray, np.ndarray], np.ndarray]
NextItemPredictor = Callable[[np.ndarray], np.ndarray]

RATINGS_BATCH = 8192
SEQUENCES_BATCH = 256
"""How many pairs or sequences a contract function receives per call."""
CONTRACT_FUNCTIONS = {"explicit": "predict_ratings", "sequence": "predict_next"}


def missing_function_message(name: str) -> str:
    """What the grader says when the notebook has no top-level function ``name``."""
    return (
        f"The notebook does not define {name} at the top level after it ran. Define "
        f"`def {name}(...)` in a cell that runs without error, spelled exactly so."
    )


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


def graded_function(part: str, namespace: Mapping[str, object]) -> Callable:
    """The part's contract function among a notebook's top-level names, as the grader finds it.

    Raises InvalidPredictionsError, with the grader's message, when it is missing or is not a
    function (a method of a class, or a misspelt name, is not found).
    """
    name = CONTRACT_FUNCTIONS[part]
    function = namespace.get(name)
    if function is None:
        raise InvalidPredictionsError(missing_function_message(name))
    if not callable(function):
        raise InvalidPredictionsError(f"{name} is a {type(function).__name__}, not a function.")
    return function


def _expected(part: str, rows: int, num_items: int) -> tuple[tuple[int, ...], str]:
    if part == "explicit":
        return (rows,), f"it must return one rating per pair, shape ({rows},)"
    return (rows, num_items), (
        f"it must return shape ({rows}, {num_items}): one row per sequence, one score per item id (column 0 is padding)"
    )


def answer_batch(predict: Callable, part: str, rows: np.ndarray, num_items: int = 0) -> np.ndarray:
    """Call ``predict`` on one batch of inputs as the grader does; return its answer as float64.

    Parameters
    ----------
    rows:
        int64 (n, 2) user and item ids (Part 1) or (n, 9) input sequences (Part 2).
    num_items:
        Width of a Part 2 score row.

    Raises
    ------
    InvalidPredictionsError
        With the grader's message when ``predict`` answers with the wrong type or shape (values
        are checked for NaN and infinity over the whole set, by the metrics). What ``predict``
        raises itself goes through unchanged, with its own traceback.
    """
    name = CONTRACT_FUNCTIONS[part]
    what = "pairs" if part == "explicit" else "sequences"
    answer = predict(rows[:, 0].copy(), rows[:, 1].copy()) if part == "explicit" else predict(rows.copy())
    answer = metrics.as_numpy(answer)
    try:
        array = np.asarray(answer)
    except Exception as error:  # arbitrary objects may fail to convert in arbitrary ways
        raise InvalidPredictionsError(f"{name} returned a {type(answer).__name__} that is not an array of numbers ({error}).") from error
    if array.dtype.kind not in "iuf":
        raise InvalidPredictionsError(f"{name} returned values of type {array.dtype} (from a {type(answer).__name__}); return a numpy array of floats.")
    shape, words = _expected(part, len(rows), num_items)
    if array.ndim > 3:
        raise InvalidPredictionsError(f"{name} returned an array of {array.ndim:,} dimensions; {words}.")
    if part == "explicit" and array.shape == (len(rows), 1):
        array = array.reshape(len(rows))  # a column of ratings is a harmless and common shape
    if array.shape != shape:
        raise InvalidPredictionsError(f"{name} returned shape {array.shape} for a batch of {len(rows):,} {what}; {words}.")
    return array.astype(np.float64)


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
