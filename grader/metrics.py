"""The homework's metrics: RMSE for ratings, and MRR, HR@k, NDCG@k for next-item scores.

Definitions (fixed by the assignment):

- RMSE over all pairs; predictions are not clipped.
- Rankings are over items 1..num_items-1 (id 0 is padding) by descending score. A target tied
  with other items takes the average of the ranks they share, so constant scores earn the
  chance-level rank (num_items / 2) and not rank 1. Items already in the input are not removed.
- MRR averages 1 / rank; HR@k counts ranks <= k; NDCG@k averages 1 / log2(rank + 1) for ranks <= k.

Every function validates its input and raises :class:`InvalidPredictionsError` with a message
meant for the student.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RANKING_BATCH_ROWS = 512
"""Rows of scores compared at once; bounds the temporary memory of ranking."""


class InvalidPredictionsError(ValueError):
    """Predictions that cannot be scored: wrong shape or type, NaN or infinite values."""


def as_numpy(values: object) -> object:
    """A torch tensor (on any device, with or without grad) as the numpy array the contract
    converts it to, ``tensor.detach().cpu().numpy()``; anything else unchanged.

    Raises InvalidPredictionsError, with the fix, for a tensor numpy cannot hold (bfloat16).
    """
    if not (hasattr(values, "detach") and callable(getattr(values, "cpu", None))):
        return values
    try:
        return values.detach().cpu().numpy()
    except (TypeError, RuntimeError) as error:
        raise InvalidPredictionsError(
            f"A torch tensor of dtype {getattr(values, 'dtype', '?')} cannot become a numpy array ({error}). "
            f"Return tensor.detach().float().cpu().numpy()."
        ) from error


def _as_numeric(values: object, what: str) -> np.ndarray:
    values = as_numpy(values)
    try:
        array = np.asarray(values)
    except Exception as error:  # arbitrary objects may fail to convert in arbitrary ways
        raise InvalidPredictionsError(f"{what} could not be read as a numeric array ({error}).") from error
    if array.dtype.kind not in "iuf":
        raise InvalidPredictionsError(
            f"{what} must hold numbers (floats), but has dtype {array.dtype}. Return a numpy float "
            f"array, e.g. tensor.detach().cpu().numpy()."
        )
    return array.astype(np.float64, copy=False)


def _check_finite(array: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(array)
    if not bad.any():
        return
    first = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), array.shape))
    kinds = {"NaN": np.isnan(array), "infinite (+inf)": np.isposinf(array), "infinite (-inf)": np.isneginf(array)}
    counts = {kind: int(mask.sum()) for kind, mask in kinds.items() if mask.any()}
    found = ", ".join(f"{count:,} {kind}" for kind, count in counts.items())
    if list(counts) == ["infinite (-inf)"]:
        advice = (
            "Every value must be finite: to rule an item out, give it a very negative finite score "
            "such as -1e9 (np.put_along_axis(scores, sequences, -1e9, axis=1)), not -inf."
        )
    else:
        advice = (
            "Check the model for exploding or undefined outputs (NaN often means a division by "
            "zero or a learning rate that is too high)."
        )
    raise InvalidPredictionsError(f"{what} include {found} value(s) (the first at index {first}). {advice}")


def validate_ratings(predictions: object, n: int) -> np.ndarray:
    """Return ``predictions`` as a float64 vector of length ``n``, or raise InvalidPredictionsError."""
    array = _as_numeric(predictions, "The predicted ratings")
    if array.shape == (n, 1):
        array = array.reshape(n)  # a (n, 1) column is a harmless and common shape
    if array.shape != (n,):
        raise InvalidPredictionsError(
            f"Expected {n:,} predicted ratings (one per user-item pair, shape ({n},)), got shape "
            f"{array.shape}."
        )
    _check_finite(array, "The predicted ratings")
    return array


def validate_scores(scores: object, n: int, num_items: int | None = None) -> np.ndarray:
    """Return ``scores`` as a float64 (n, num_items) matrix, or raise InvalidPredictionsError.

    With ``num_items`` None any width of at least 2 (padding and one item) is accepted.
    """
    array = _as_numeric(scores, "The next-item scores")
    if num_items is None and array.ndim == 2 and array.shape[1] >= 2:
        num_items = array.shape[1]
    if array.shape != (n, num_items):
        raise InvalidPredictionsError(
            f"Expected next-item scores of shape ({n}, {num_items or 'num_items'}) (one row per sequence, one "
            f"column per item id, column 0 being padding), got shape {array.shape}."
        )
    _check_finite(array, "The next-item scores")
    return array


def rmse(predictions: object, ratings: np.ndarray) -> float:
    """Root mean squared error of predicted against true ratings."""
    truth = np.asarray(ratings, dtype=np.float64)
    predicted = validate_ratings(predictions, len(truth))
    with np.errstate(over="ignore"):
        value = float(np.sqrt(np.mean((predicted - truth) ** 2)))
    if not np.isfinite(value):
        raise InvalidPredictionsError(
            f"The predicted ratings are so large (up to {np.abs(predicted).max():.3g}) that their error "
            f"cannot be computed. Ratings are 1 to 5 stars: clip the predictions, e.g. np.clip(p, 1, 5)."
        )
    return value


def target_ranks(scores: object, targets: np.ndarray, batch_rows: int = RANKING_BATCH_ROWS) -> np.ndarray:
    """Average-tie rank (1 = best) of each target among items 1..num_items-1.

    Parameters
    ----------
    scores:
        (n, num_items) scores; column 0 (padding) is ignored.
    targets:
        (n,) item ids in 1..num_items-1.

    Returns
    -------
    np.ndarray
        float64 (n,); a rank is fractional when the target ties with other items.
    """
    targets = np.asarray(targets, dtype=np.int64)
    n = len(targets)
    matrix = validate_scores(scores, n)
    num_items = matrix.shape[1]
    if n and (targets.min() < 1 or targets.max() >= num_items):
        raise ValueError(f"targets must be item ids in 1..{num_items - 1}")
    ranks = np.empty(n, dtype=np.float64)
    for start in range(0, n, batch_rows):
        block = matrix[start : start + batch_rows, 1:]
        rows = np.arange(len(block))
        target_score = block[rows, targets[start : start + batch_rows] - 1][:, None]
        higher = np.count_nonzero(block > target_score, axis=1)
        tied = np.count_nonzero(block == target_score, axis=1)  # includes the target itself
        ranks[start : start + len(block)] = higher + (tied + 1) / 2.0
    return ranks


@dataclass(frozen=True)
class RankingMetrics:
    """MRR, HR@k and NDCG@k of one ranking."""

    mrr: float
    hit_rate: float
    ndcg: float
    k: int

    def as_dict(self) -> dict[str, float]:
        """The metrics under their report names: ``mrr``, ``hr@k``, ``ndcg@k``."""
        return {"mrr": self.mrr, f"hr@{self.k}": self.hit_rate, f"ndcg@{self.k}": self.ndcg}


def metrics_from_ranks(ranks: np.ndarray, k: int = 10) -> RankingMetrics:
    """MRR, HR@k and NDCG@k from target ranks (as given by :func:`target_ranks`)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    if len(ranks) == 0:
        raise ValueError("no targets to rank")
    within = ranks <= k
    return RankingMetrics(
        mrr=float(np.mean(1.0 / ranks)),
        hit_rate=float(np.mean(within)),
        ndcg=float(np.mean(np.where(within, 1.0 / np.log2(ranks + 1.0), 0.0))),
        k=k,
    )


def ranking_metrics(scores: object, targets: np.ndarray, k: int = 10) -> RankingMetrics:
    """MRR, HR@k and NDCG@k of next-item ``scores`` against the true next ``targets``."""
    return metrics_from_ranks(target_ranks(scores, targets), k)


def mrr(scores: object, targets: np.ndarray) -> float:
    """Mean reciprocal rank of the targets (average rank for ties)."""
    return ranking_metrics(scores, targets).mrr


def hit_rate_at_k(scores: object, targets: np.ndarray, k: int = 10) -> float:
    """Share of targets ranked within the top ``k``."""
    return ranking_metrics(scores, targets, k).hit_rate


def ndcg_at_k(scores: object, targets: np.ndarray, k: int = 10) -> float:
    """Normalised discounted cumulative gain at ``k`` with one relevant item per row."""
    return ranking_metrics(scores, targets, k).ndcg
