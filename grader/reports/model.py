"""The results of grading: per part and per submission, and their JSON form (a contract)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from grader.checks.result import CheckResult
from grader.execution.record import CellProblem, ExecutionRecord
from grader.execution.untrusted import clean_text, printable_path
from grader.parts import REGISTRY, get_part

METRIC_KEYS = tuple(key for part in REGISTRY.values() for key in part.metrics)
"""Every part's metrics, as the gradebook's columns (a contract): rmse, mrr, hr@10, ndcg@10."""
SHORT_TITLES = {name: part.short_title for name, part in REGISTRY.items()}


@dataclass
class PartReport:
    """One part of one submission."""

    part: str
    tests: list[CheckResult]
    metrics: dict[str, float] | None
    baselines: dict[str, dict[str, float]]
    reference: dict[str, float] | None
    target: float
    metric: str
    execution: ExecutionRecord
    prediction_error: str | None = None
    peak_memory: int | None = None
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # why a person should review the result
    flags_accepted: bool = False  # graded normally after review (--accept-flagged)
    reference_metrics: dict[str, float] = field(default_factory=dict)  # the reference's mean of every metric calibrated
    sketch: dict | None = None  # a sample of the answers, to compare submissions (grader.similarity); never shown
    fingerprints: list[int] = field(default_factory=list)  # of the code the student wrote, to compare submissions (grader.fingerprints); never shown

    def reference_value(self, metric: str) -> float | None:
        """The calibrated reference's mean of ``metric``, or None when unknown."""
        if metric in self.reference_metrics:
            return self.reference_metrics[metric]
        return self.reference["mean"] if self.reference and metric == self.metric else None

    @classmethod
    def from_record(cls, record: dict) -> PartReport:
        """The inverse of ``dataclasses.asdict`` (as :meth:`SubmissionReport.to_record` writes it)."""
        values = {f.name: record[f.name] for f in fields(cls) if f.name in record}
        values["tests"] = [CheckResult(**test) for test in record["tests"]]
        execution = dict(record["execution"])
        execution["problems"] = [CellProblem(**problem) for problem in execution.get("problems", [])]
        values["execution"] = ExecutionRecord(**execution)
        return cls(**values)

    @property
    def title(self) -> str:
        """``Part 1, explicit feedback`` or ``Part 2, implicit sequences``."""
        return get_part(self.part).title

    @property
    def score(self) -> float:
        """Points earned in this part."""
        return round(sum(test.score for test in self.tests), 2)

    @property
    def max_score(self) -> float:
        """Points available in this part."""
        return round(sum(test.max_score for test in self.tests), 2)


@dataclass
class SubmissionReport:
    """Everything known about one graded file."""

    submission: str
    parts: list[PartReport] = field(default_factory=list)
    error: str | None = None  # the file could not be graded at all
    notes: list[str] = field(default_factory=list)
    sandbox: str = "none"
    device: str = "cpu"
    seconds: float = 0.0
    warning: str | None = None
    path_in_batch: str = ""  # the submission's path relative to the batch root (its file name by default)
    similar_to: list[dict] = field(default_factory=list)  # submissions of the batch that answer alike or share code (grader.similarity)

    def __post_init__(self) -> None:
        self.submission = printable_path(self.submission)  # file names are the submission's: no escapes, valid UTF-8
        self.path_in_batch = printable_path(self.path_in_batch or Path(self.submission).name)
        if self.error is not None:  # it can quote the file's name or what reading it raised
            self.error = clean_text(self.error, 4000)

    def to_record(self) -> dict:
        """Everything in the report as plain JSON data (for journals and worker processes)."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict) -> SubmissionReport:
        """The report :meth:`to_record` wrote."""
        values = {f.name: record[f.name] for f in fields(cls) if f.name in record}
        values["parts"] = [PartReport.from_record(part) for part in record.get("parts", [])]
        return cls(**values)

    @property
    def score(self) -> float:
        """Points earned over all graded parts."""
        return round(sum(part.score for part in self.parts), 2)

    @property
    def max_score(self) -> float:
        """Points available over all graded parts."""
        return round(sum(part.max_score for part in self.parts), 2)

    @property
    def part_names(self) -> str:
        """``explicit``, ``sequence`` or ``explicit+sequence``; empty when ungraded."""
        return "+".join(part.part for part in self.parts)

    @property
    def flags(self) -> list[str]:
        """Why a person should review this submission's results (each reason once)."""
        return list(dict.fromkeys(flag for part in self.parts for flag in part.flags))

    @property
    def flagged(self) -> bool:
        """Whether metric points are withheld until a person has reviewed the flags."""
        return any(part.flags and not part.flags_accepted for part in self.parts)

    def by_part(self) -> list[SubmissionReport]:
        """One report per graded part, so that no report is scored out of more than one part."""
        if len(self.parts) <= 1:
            return [self]
        return [replace(self, parts=[part], notes=list(self.notes)) for part in self.parts]

    def named_tests(self) -> list[tuple[str, CheckResult]]:
        """Each check with its display name, prefixed by its part when several parts were graded."""
        prefix = len(self.parts) > 1
        return [
            (f"{SHORT_TITLES[part.part]}: {test.name}" if prefix else test.name, test)
            for part in self.parts
            for test in part.tests
        ]

    def metrics(self) -> dict[str, float | None]:
        """``rmse``, ``mrr``, ``hr@10``, ``ndcg@10``: a number or None."""
        merged: dict[str, float | None] = {key: None for key in METRIC_KEYS}
        for part in self.parts:
            for key, value in (part.metrics or {}).items():
                merged[key] = float(value)
        return merged

    def to_json(self) -> dict:
        """The contract object: ``score``, ``max_score``, ``tests``, ``metrics``, plus context."""
        return {
            "submission": self.submission,
            "path_in_batch": self.path_in_batch,
            "score": self.score,
            "max_score": self.max_score,
            "tests": [
                {"name": name, "score": test.score, "max_score": test.max_score, "output": test.output, "status": test.status}
                for name, test in self.named_tests()
            ],
            "metrics": self.metrics(),
            "flagged": self.flagged,
            "flags": self.flags,
            "similar_to": self.similar_to,
            "parts": [part.part for part in self.parts],
            "error": self.error,
            "notes": self.notes + [note for part in self.parts for note in part.notes],
            "sandbox": self.sandbox,
            "device": self.device,
            "seconds": round(self.seconds, 2),
            "execution": {
                part.part: {
                    "summary": part.execution.summary(),
                    "cells_run": part.execution.cells_run,
                    "code_cells": part.execution.code_cells,
                    "seconds": round(part.execution.seconds, 2),
                    "problems": [asdict(problem) for problem in part.execution.problems],
                }
                for part in self.parts
            },
        }


def describe_similar(other: dict) -> str:
    """One entry of a report's ``similar_to`` in words: the other submission's path and both figures."""
    code, disagreement = other.get("code_similarity"), other.get("disagreement")
    figures = f"code {'-' if code is None else f'{code:.2f}'}, disagreement {'-' if disagreement is None else f'{disagreement:.4f}'}"
    return f"{other['path']} ({figures})"
