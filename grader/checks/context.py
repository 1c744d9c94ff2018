"""Everything a check may look at for one part of one submission."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.config import PartRubric
from grader.data.assignment import HiddenRatings, HiddenSequences
from grader.data.interactions import Interactions
from grader.execution.record import ExecutionRecord
from grader.references import Reference


@dataclass
class CheckContext:
    """One part's results, as the grader computed them (nothing here comes from the kernel
    except the prediction values themselves).

    Attributes
    ----------
    part:
        ``"explicit"`` or ``"sequence"``.
    rubric:
        Points, metric, baseline and target of the part.
    target:
        The absolute target of the metric (after resolving a reference-relative target).
    execution:
        What happened when the notebook ran.
    predictions:
        The validated predictions, or None.
    prediction_error:
        Why there are no valid predictions (None when there are).
    metrics:
        The metrics of the predictions on the hidden split (None without valid predictions).
    baselines:
        Metrics of every baseline of the part on the hidden split, by baseline name.
    reference:
        Calibrated reference of the part's metric (None when not calibrated for this dataset).
    hidden, public:
        The hidden split (labels included: checks run in the grader) and the public data.
    flags:
        Why a person should review this result before its metric points count (empty when
        nothing is suspicious).
    accept_flagged:
        A person has reviewed the flags: metric checks are scored normally.
    """

    part: str
    rubric: PartRubric
    target: float
    execution: ExecutionRecord
    predictions: np.ndarray | None
    prediction_error: str | None
    metrics: dict[str, float] | None
    baselines: dict[str, dict[str, float]]
    reference: Reference | None
    hidden: HiddenRatings | HiddenSequences
    public: Interactions
    flags: list[str] = field(default_factory=list)
    accept_flagged: bool = False

    @property
    def metric(self) -> float | None:
        """The part's graded metric (RMSE or MRR), or None."""
        return None if self.metrics is None else self.metrics[self.rubric.metric]

    @property
    def prediction_summary(self) -> str:
        """The first line of the prediction error (for checks that depend on valid predictions)."""
        return (self.prediction_error or "").splitlines()[0] if self.prediction_error else ""

    @property
    def baseline(self) -> float:
        """The weak baseline's value of the metric (the bar of the "beats the baseline" points)."""
        return self.baselines[self.rubric.baseline][self.rubric.metric]

    @property
    def credit_baseline(self) -> str:
        """The baseline at which partial credit starts (see :meth:`PartRubric.credit_baseline`)."""
        return self.rubric.credit_baseline(self.target, self.baselines)

    def better(self, value: float, than: float) -> bool:
        """Whether ``value`` is strictly better than ``than`` for this metric."""
        return self.rubric.better(value, than)

    @property
    def withholds_metric_points(self) -> bool:
        """Whether metric checks score nothing until a person has reviewed the flags."""
        return bool(self.flags) and not self.accept_flagged
