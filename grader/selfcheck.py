"""The public self-check students run in their notebook: their graded function, scored on their
own validation split exactly as the grader scores it on the hidden split."""

from __future__ import annotations

from grader.config import load_config
from grader.data.assignment import HiddenRatings, next_item_test_set
from grader.data.interactions import Interactions
from grader.evaluation import (
    NextItemPredictor,
    RatingPredictor,
    baseline_metrics,
    predict_next_in_batches,
    predict_ratings_in_batches,
    score_next_items,
    score_ratings,
)
from grader.references import load_references, reference_for


def _report(part: str, metrics: dict[str, float], baselines: dict[str, dict[str, float]]) -> dict[str, float]:
    rubric = load_config().parts[part]
    name = rubric.metric
    reference = reference_for(load_references(), "movielens", part, name)
    lines = [f"Self-check on your validation split ({part}):"]
    lines += [f"  your {key.upper():<8} {value:.4f}" for key, value in metrics.items()]
    for baseline, values in baselines.items():
        verdict = "beaten" if rubric.better(metrics[name], values[name]) else "NOT beaten"
        lines.append(f"  {baseline.replace('_', ' ')} baseline {values[name]:.4f} ({verdict})")
    if rubric.target is not None:
        reached = "not reached yet" if rubric.better(rubric.target, metrics[name]) else "reached"
        lines.append(f"  full marks on the hidden split from {rubric.target:.4f} ({reached} here)")
    if reference is not None:
        lines.append(f"  the reference solution reaches {reference.mean:.4f} on the hidden split")
    lines.append("  (validation figures are a guide: the grade uses data your notebook never sees)")
    print("\n".join(lines))
    return metrics


def check_ratings(predict_ratings: RatingPredictor, train: Interactions, valid: Interactions) -> dict[str, float]:
    """Score ``predict_ratings`` on ``valid`` (RMSE) beside the baselines fitted on ``train``.

    The function is called in batches and its output validated as the grader does, so an
    error here is an error the grader would report.
    """
    hidden = HiddenRatings(valid.user_ids, valid.item_ids, valid.ratings)
    metrics = score_ratings(predict_ratings_in_batches(predict_ratings, hidden), hidden)
    return _report("explicit", metrics, baseline_metrics("explicit", train, hidden))


def check_next_items(predict_next: NextItemPredictor, train: Interactions, valid: Interactions) -> dict[str, float]:
    """Score ``predict_next`` on the windows of the ``valid`` users (MRR, HR@10, NDCG@10).

    ``valid`` holds whole users, as from ``user_based_train_test_split``; their histories are cut
    into windows the way the hidden split is.
    """
    hidden = next_item_test_set(valid)
    metrics = score_next_items(predict_next_in_batches(predict_next, hidden), hidden)
    return _report("sequence", metrics, baseline_metrics("sequence", train, hidden))
