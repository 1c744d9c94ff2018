"""A pass mark for CI (``grade --fail-under``): points or a percentage, and which reports fall below it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import click

from grader.reports.model import SubmissionReport

_SLACK = 1e-9  # scores are sums of rounded points: 15.0 must pass a pass mark of 15


@dataclass(frozen=True)
class PassMark:
    """The score every report must reach: ``value`` points, or ``value`` percent of its maximum."""

    value: float
    percent: bool = False

    @classmethod
    def parse(cls, text: str) -> PassMark:
        """``"15"`` (points) or ``"75%"`` (of each report's maximum).

        Raises
        ------
        ValueError
            When ``text`` is neither, with what to write instead.
        """
        stripped = text.strip()
        percent = stripped.endswith("%")
        try:
            value = float(stripped.removesuffix("%"))
        except ValueError:
            raise ValueError(f"{text!r} is not a score: write points (15) or a percentage (75%).") from None
        if not math.isfinite(value) or value < 0 or (percent and value > 100):
            raise ValueError(f"{text!r} is out of range: points from 0, or a percentage from 0% to 100%.")
        return cls(value, percent)

    def passes(self, report: SubmissionReport) -> bool:
        """Whether ``report`` reaches the pass mark; a file that could not be graded never does."""
        if report.error or not report.parts:
            return False
        if self.percent:
            return report.max_score > 0 and 100 * report.score / report.max_score >= self.value - _SLACK
        return report.score >= self.value - _SLACK

    @property
    def option(self) -> str:
        """The pass mark as ``--fail-under`` takes it: ``75%`` or ``15``."""
        return f"{self.value:g}%" if self.percent else f"{self.value:g}"

    def __str__(self) -> str:
        return self.option if self.percent else f"{self.value:g} points"


class PassMarkType(click.ParamType):
    """The click type of ``--fail-under`` options: points (15) or a percentage (75%)."""

    name = "score"

    def convert(self, value, param, ctx) -> PassMark:
        if isinstance(value, PassMark):
            return value
        try:
            return PassMark.parse(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)
