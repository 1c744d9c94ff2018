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
from grader.contract import graded_function
from grader.data.assignment import HiddenRatings, HiddenSequences, next_item_test_set
from grader.data.interactions import Interactions
from grader.metrics import InvalidPredictionsError
from grader.parts import get_part
from grader.references import load_references, reference_for


def _notebook_namespace() -> Mapping[str, object]:
    """The top-level names of the notebook (or module) that called the self-check."""
    frame = inspect.currentframe()
    try:
        return frame.f_back.f_back.f_globals
    finally:
        del frame


def _check(part: str, train: Interactions, hidden: HiddenRatings | HiddenSequences, namespace: Mapping[str, object]) -> dict[str, float]:
    rules = get_part(part)
    answers = rules.answers(graded_function(part, namespace), hidden)
    try:
        metrics = rules.score(answers, hidden)
    except InvalidPredictionsError as invalid:
        raise InvalidPredictionsError(f"{rules.function} returned invalid predictions: {invalid}") from None
    return _report(part, metrics, rules.baseline_metrics(train, hidden), train)


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
            lines.append("  " + get_part(part).shifted_ids_hint(data.num_users, data.num_items))
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
    return _check("explicit", train, HiddenRatings(valid.user_ids, valid.item_ids, valid.ratings), _notebook_namespace())


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
    return _check("sequence", train, next_item_test_set(valid, seed=0), _notebook_namespace())
