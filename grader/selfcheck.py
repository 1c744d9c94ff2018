"""The public self-check students run in their notebook: the grader in miniature, on their own
validation split.

Like the grader, it finds the graded function (``predict_ratings`` or ``predict_next``) among
the notebook's top-level names, calls it in the grader's batches, converts and checks its
answers by the grader's rules and with the grader's messages, and scores them with the
grader's metrics beside the baselines, the target and the reference. An error here is an error
the grader would report.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from grader.config import load_config
from grader.data.assignment import HiddenRatings, next_item_test_set
from grader.data.interactions import Interactions
from grader.contract import CONTRACT_FUNCTIONS, graded_function
from grader.evaluation import (
    baseline_metrics,
    predict_next_in_batches,
    predict_ratings_in_batches,
    score_next_items,
    score_ratings,
    shifted_ids_hint,
)
from grader.metrics import InvalidPredictionsError
from grader.references import load_references, reference_for


def _notebook_namespace() -> Mapping[str, object]:
    """The top-level names of the notebook (or module) that called the self-check."""
    frame = inspect.currentframe()
    try:
        return frame.f_back.f_back.f_globals
    finally:
        del frame


def _scored(part: str, score, values, hidden) -> dict[str, float]:
    try:
        return score(values, hidden)
    except InvalidPredictionsError as invalid:
        raise InvalidPredictionsError(f"{CONTRACT_FUNCTIONS[part]} returned invalid predictions: {invalid}") from None


def _report(part: str, metrics: dict[str, float], baselines: dict[str, dict[str, float]], data: Interactions) -> dict[str, float]:
    rubric = load_config().parts[part]
    name = rubric.metric
    reference = reference_for(load_references(), "movielens", part, name)
    target = rubric.target if reference is None else rubric.resolve_target(reference.mean)
    credit = rubric.credit_baseline(target, baselines) if target is not None else None
    lines = [f"Self-check on your validation split ({part}), scored as the grader scores the hidden split:"]
    lines += [f"  your {key.upper():<8} {value:.4f}" for key, value in metrics.items()]
    for baseline, values in baselines.items():
        beaten = rubric.better(metrics[name], values[name])
        verdict = "beaten" if beaten else "NOT beaten"
        role = " (points for beating it)" if baseline == rubric.baseline else ""
        role += " (partial credit starts here)" if baseline == credit else ""
        lines.append(f"  {baseline.replace('_', ' ')} baseline {values[name]:.4f}: {verdict}{role}")
        if baseline == rubric.baseline and not beaten:
            lines.append("  " + shifted_ids_hint(part, data.num_users, data.num_items))
    if target is not None:
        reached = "not reached yet" if rubric.better(target, metrics[name]) else "reached"
        lines.append(f"  full marks on the hidden split from {target:.4f} ({reached} here)")
    if reference is not None:
        lines.append(f"  the reference solution reaches {reference.mean:.4f} on the hidden split")
    lines.append("  (validation figures are a guide: the grade uses data your notebook never sees)")
    print("\n".join(lines))
    return metrics


def check_ratings(train: Interactions, valid: Interactions) -> dict[str, float]:
    """Score the notebook's ``predict_ratings`` on ``valid`` (RMSE) beside the baselines fitted on ``train``.

    Raises
    ------
    InvalidPredictionsError
        With the grader's message when ``predict_ratings`` is missing or returns something the
        grader refuses; what it raises itself goes through unchanged.
    """
    predict = graded_function("explicit", _notebook_namespace())
    hidden = HiddenRatings(valid.user_ids, valid.item_ids, valid.ratings)
    metrics = _scored("explicit", score_ratings, predict_ratings_in_batches(predict, hidden), hidden)
    return _report("explicit", metrics, baseline_metrics("explicit", train, hidden), train)


def check_next_items(train: Interactions, valid: Interactions) -> dict[str, float]:
    """Score the notebook's ``predict_next`` on the windows of the ``valid`` users (MRR, HR@10, NDCG@10).

    ``valid`` holds whole users, as from ``user_based_train_test_split``; their histories are cut
    into test rows the way the hidden users' are, at positions a fixed seed chooses.

    Raises
    ------
    InvalidPredictionsError
        With the grader's message when ``predict_next`` is missing or returns something the
        grader refuses; what it raises itself goes through unchanged.
    """
    predict = graded_function("sequence", _notebook_namespace())
    hidden = next_item_test_set(valid, seed=0)
    metrics = _scored("sequence", score_next_items, predict_next_in_batches(predict, hidden), hidden)
    return _report("sequence", metrics, baseline_metrics("sequence", train, hidden), train)
