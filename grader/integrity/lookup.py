"""Results that only a lookup produces: hidden labels answered from a table the notebook carried.

A carried label leaves a mark that learning does not. For Part 1: answers that are whole stars
equal to the hidden rating (honest models that round are right about 40% of the time); answers
that leave the provided strong baseline and land closer to the truth far more often than honest
models' departures do; and gains concentrated on the ratings that surprise the baseline most
(two stars or more away), which are noise to a model and where carried labels pay most. For
Part 2, a target ranked first far more often than among the targets ranked in the top ten
(honest models put about one in five of those first).

Each statistic is a one-sided test against a bound above every honest model measured (see
``benchmarks/bench_integrity_flags.py``), at a p-value far below one in a class of thousands, so
that honest work is not flagged by chance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import bdtrc, ndtri  # not scipy.stats, which adds 0.3 s to every grading command

P_VALUE = 1e-6
"""A statistic is flagged when chance would produce it less often than this."""


@dataclass(frozen=True)
class ExcessTest:
    """``hits`` of ``trials`` against the most an honest model shows (``share``)."""

    hits: int
    trials: int
    share: float
    minimum: int

    @property
    def p_value(self) -> float:
        """Chance that an honest model at ``share`` shows ``hits`` or more of ``trials``."""
        return float(bdtrc(self.hits - 1, self.trials, self.share)) if self.trials else 1.0

    @property
    def excessive(self) -> bool:
        return self.hits >= self.minimum and self.p_value < P_VALUE


EXACT_TOLERANCE = 1e-4
"""An answer within this of a whole star counts as a whole-star answer."""
EXACT_SHARE = 0.6
"""Of whole-star answers, the most that equal the hidden rating for honest models (rounded biases
and matrix factorisation reach 0.40 to 0.45)."""
MOVES = (0.2, 0.5, 1.0, 1.5)
"""How far from the strong baseline an answer must stand to count as a departure from it."""
CLOSER_SHARE = {0.2: 0.75, 0.5: 0.75, 1.0: 0.85, 1.5: 0.85}
"""Of such departures, the most that land closer to the truth for honest models (0.52 to 0.67 at
0.5 or less, at most 0.81 at 1.0)."""
FIRST_SHARE = 0.35
"""Of targets in the top ten, the most ranked first by honest models (0.20 at most measured)."""
MINIMUM = 20
"""Fewer events than this are never flagged, whatever their share."""
MINIMUM_FIRST = 10


def exact_labels(predictions: np.ndarray, truth: np.ndarray) -> ExcessTest:
    """Whole-star answers, and how many of them are the hidden rating."""
    predictions, truth = np.asarray(predictions, np.float64), np.asarray(truth, np.float64)
    whole = np.abs(predictions - np.round(predictions)) <= EXACT_TOLERANCE
    hits = int((np.round(predictions[whole]) == truth[whole]).sum())
    return ExcessTest(hits, int(whole.sum()), EXACT_SHARE, MINIMUM)


def closer_departures(predictions: np.ndarray, baseline: np.ndarray, truth: np.ndarray, move: float) -> ExcessTest:
    """Answers at least ``move`` from the strong baseline's, and how many of them are closer to the truth."""
    predictions, baseline, truth = (np.asarray(a, np.float64) for a in (predictions, baseline, truth))
    departed = np.abs(predictions - baseline) >= move
    closer = np.abs(predictions - truth) < np.abs(baseline - truth)
    return ExcessTest(int((closer & departed).sum()), int(departed.sum()), CLOSER_SHARE[move], MINIMUM)


SURPRISE = 2.0
"""Stars between the strong baseline's answer and the hidden rating that make the rating a surprise."""
SURPRISE_GAIN = 0.35
"""The most that honest answers gain on average over the baseline on surprises, in stars closer to
the rating: the solutions 0.22 to 0.24, the core tasks 0.17 to 0.20, the global mean 0.18 to 0.20."""


def surprise_gain(predictions: np.ndarray, baseline: np.ndarray, truth: np.ndarray) -> tuple[int, float, float]:
    """On the ratings that surprise the baseline: how many, and the mean and standard error of
    how much closer to them the answers are than the baseline's."""
    predictions, baseline, truth = (np.asarray(a, np.float64) for a in (predictions, baseline, truth))
    surprises = np.abs(truth - baseline) >= SURPRISE
    gains = (np.abs(baseline - truth) - np.abs(predictions - truth))[surprises]
    if len(gains) < 2:
        return len(gains), 0.0, 0.0
    return len(gains), float(gains.mean()), float(gains.std(ddof=1) / np.sqrt(len(gains)))


def first_places(ranks: np.ndarray) -> ExcessTest:
    """Targets in the top ten (ranks from 1), and how many of them are ranked first."""
    ranks = np.asarray(ranks)
    return ExcessTest(int((ranks == 1).sum()), int((ranks <= 10).sum()), FIRST_SHARE, MINIMUM_FIRST)


_REVIEW = "a person reviews such results before their metric points count."


def lookup_ratings(predictions: np.ndarray, baseline: np.ndarray, truth: np.ndarray) -> list[str]:
    """Flags for Part 1 answers that read as carried labels (none for honest models)."""
    flags = []
    exact = exact_labels(predictions, truth)
    if exact.excessive:
        flags.append(
            f"{exact.hits:,} of the {exact.trials:,} answers that are whole stars equal the hidden rating "
            f"({exact.hits / exact.trials:.0%}; honest models that round reach about 45%), as answers looked up "
            f"in a table of ratings would: {_REVIEW}"
        )
    count, gain, error = surprise_gain(predictions, baseline, truth)
    if count >= MINIMUM and gain + ndtri(P_VALUE) * error > SURPRISE_GAIN:
        flags.append(
            f"On the {count:,} hidden ratings two stars or more from the provided UserItemBiases baseline's answer, "
            f"the answers are {gain:.2f} stars closer on average (honest models gain at most about 0.25, since such "
            f"ratings are mostly noise), as corrections looked up in a table of ratings would be: {_REVIEW}"
        )
    for move in MOVES:
        closer = closer_departures(predictions, baseline, truth, move)
        if closer.excessive:
            flags.append(
                f"{closer.hits:,} of the {closer.trials:,} answers at least {move:g} stars from the provided "
                f"UserItemBiases baseline's are closer to the hidden rating ({closer.hits / closer.trials:.0%}; "
                f"honest models' departures at most {CLOSER_SHARE[move]:.0%}), as corrections looked up in a "
                f"table of ratings would be: {_REVIEW}"
            )
            break
    return flags


def lookup_rankings(ranks: np.ndarray) -> list[str]:
    """Flags for Part 2 rankings that read as carried targets (none for honest models)."""
    first = first_places(ranks)
    if not first.excessive:
        return []
    return [
        f"{first.hits:,} of the {first.trials:,} targets ranked in the top ten are ranked first "
        f"({first.hits / first.trials:.0%}; honest models put at most about 20% of them first), as targets "
        f"looked up in a table of windows would be: {_REVIEW}"
    ]
