"""What every part of the homework provides to the grader."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from grader.contract import CONTRACT_FUNCTIONS, answer_batch
from grader.data.assignment import PART_TITLES, AssignmentSplit, HiddenRatings, HiddenSequences
from grader.data.interactions import Interactions

if TYPE_CHECKING:
    from grader.data.anonymisation import Anonymisation

Hidden = HiddenRatings | HiddenSequences


class Part(ABC):
    """One task of the homework, as the grader handles it."""

    name: ClassVar[str]
    short_title: ClassVar[str]
    batch: ClassVar[int]
    """How many inputs the graded function receives per call."""
    metrics: ClassVar[tuple[str, ...]]
    """The metric keys of a scored answer, the rubric's first."""
    baselines: ClassVar[dict[str, type]]
    """Baseline models by name, weakest first; each has a method named like the graded function."""
    sketch_rows: ClassVar[int]
    """Hidden rows kept of each submission's answers to compare submissions (:mod:`grader.similarity`)."""

    @property
    def title(self) -> str:
        return PART_TITLES[self.name]

    @property
    def function(self) -> str:
        """The graded function's name."""
        return CONTRACT_FUNCTIONS[self.name]

    @abstractmethod
    def split(self, interactions: Interactions, seed: int) -> AssignmentSplit:
        """The public and hidden sets of this part under partition ``seed``."""

    @abstractmethod
    def kernel_public(self, anonymisation: Anonymisation, public: Interactions) -> Interactions:
        """The public data a graded kernel is given, in the run's secret id space."""

    @abstractmethod
    def requests(self, anonymisation: Anonymisation, hidden: Hidden) -> tuple[np.ndarray, np.ndarray, int]:
        """The hidden inputs as a kernel is asked for them (secret ids, secret order): the
        inputs, that order, and the width of an answer row (0: one value per input)."""

    @abstractmethod
    def restore(self, anonymisation: Anonymisation, answers: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Answers to :meth:`requests`, back in the hidden split's order and ids."""

    @abstractmethod
    def inputs(self, hidden: Hidden) -> tuple[np.ndarray, int]:
        """The hidden inputs in the split's order and ids, and the width of an answer row."""

    @abstractmethod
    def score(self, answers: object, hidden: Hidden) -> dict[str, float]:
        """The metrics of answers to the hidden inputs; InvalidPredictionsError on bad output."""

    @abstractmethod
    def disagreement_words(self, disagreement: float) -> str:
        """A :meth:`disagreement` in words, beside what independent honest models show."""

    @abstractmethod
    def shifted_ids_hint(self, num_users: int, num_items: int) -> str:
        """What ids shifted by one look like: advice for a metric no better than the weak baseline."""

    @abstractmethod
    def lookup_flags(self, answers: np.ndarray, strong_answers: np.ndarray, hidden: Hidden) -> list[str]:
        """Flags for answers that read as looked up, not learnt (none for honest models)."""

    @abstractmethod
    def sketch(self, answers: np.ndarray, rows: np.ndarray) -> list:
        """What :mod:`grader.similarity` keeps of answers (the hidden ``rows`` only, as JSON data)."""

    @abstractmethod
    def disagreement(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """How far apart each sketch of ``first`` is from each of ``second`` (0: the same answers)."""

    def answers(self, predict: Callable, hidden: Hidden) -> np.ndarray:
        """Call ``predict`` in-process on the hidden inputs a batch at a time, as the grader does."""
        rows, width = self.inputs(hidden)
        parts = [answer_batch(predict, self.name, rows[start : start + self.batch], width) for start in range(0, len(rows), self.batch)]
        return np.concatenate(parts) if parts else np.zeros((0, width) if width else 0)

    def baseline_answers(self, name: str, public: Interactions, hidden: Hidden) -> np.ndarray:
        """The answers of baseline ``name``, fitted on ``public``, to the hidden inputs."""
        model = self.baselines[name]().fit(public)
        return self.answers(getattr(model, self.function), hidden)

    def baseline_metrics(self, public: Interactions, hidden: Hidden) -> dict[str, dict[str, float]]:
        """Every baseline fitted on ``public`` and scored on ``hidden``, by name (weakest first)."""
        return {name: self.score(self.baseline_answers(name, public, hidden), hidden) for name in self.baselines}
