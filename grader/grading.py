"""Grading one submission, top to bottom: read -> stage public data -> execute in a sandbox ->
collect predictions -> metrics -> hidden checks -> report.

A :class:`GradingSession` loads the dataset, splits and baselines once and grades any number of
notebooks with them.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from grader.bounds import BOUNDS
from grader.checks.context import CheckContext
from grader.checks.plugin import run_checks
from grader.checks.result import CheckResult
from grader.config import AssignmentConfig, ConfigError, load_config, weak_secret_seed
from grader.data import Interactions
from grader.data.anonymisation import Anonymisation
from grader.data.assignment import PARTS, PUBLIC_DATA_ENV, AssignmentSplit, assignment_split, load_dataset, stage_public
from grader.execution.record import ExecutionRecord
from grader.execution.run import ExecutionLimits, PredictionRequest, execute_notebook
from grader.fingerprints import code_fingerprints
from grader.integrity.literals import embedded_data
from grader.integrity.plausibility import implausible_result
from grader.metrics import InvalidPredictionsError
from grader.parts import get_part
from grader.references import load_references, reference_for
from grader.reports.model import PartReport, SubmissionReport
from grader.sandbox import KernelSandbox, Limits, choose_level
from grader.sandbox.limits import usable_cores
from grader.similarity import like_baseline, sketch_rows
from grader.submission import SubmissionError, read_submission
from grader.tempfolders import make_temp_folder


@dataclass
class GradingOptions:
    """How to grade; the CLI's options."""

    part: str | None = None
    split_seed: int | None = None
    dataset: str = "movielens"
    data_dir: Path | None = None
    device: str = "auto"
    timeout: float = BOUNDS.notebook_seconds
    cell_timeout: float | None = None
    predict_timeout: float = BOUNDS.predict_seconds
    grace: float = BOUNDS.interrupt_grace_seconds
    show_cells: bool = False  # a progress bar over each notebook's cells (single-notebook runs)
    sandbox: str = "auto"
    limits: Limits = field(default_factory=Limits)
    config: Path | None = None
    references: Path | None = None
    checks: list[Path] = field(default_factory=list)
    jobs: int = 1
    accept_flagged: bool = False  # a person has reviewed the flagged submissions
    grader_memory: int = BOUNDS.grader_memory_bytes  # for each submission's grading process (not its kernel)


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when an NVIDIA GPU is present, else ``cpu``."""
    if device != "auto":
        return device
    return "cuda" if Path("/dev/nvidiactl").exists() or Path("/dev/nvidia0").exists() else "cpu"


class GradingSession:
    """Dataset, hidden splits, baselines and sandbox choice, shared by every graded notebook.

    Construct it in the process that grades (it is cheap: MovieLens loads in well under a second).
    """

    def __init__(self, options: GradingOptions, sandbox_level: str | None = None):
        self.options = options
        self.config: AssignmentConfig = load_config(options.config)
        if options.split_seed is not None:
            self.config = replace(self.config, seed=options.split_seed)
        self.references = load_references(options.references)
        self.device = resolve_device(options.device)
        if sandbox_level is None:
            sandbox_level, self.sandbox_warning = choose_level(options.sandbox)
        else:
            self.sandbox_warning = None
        weak = weak_secret_seed(self.config.seed)
        if weak and options.sandbox == "strict":
            raise ConfigError(f"--sandbox strict refuses this seed. {weak}")
        if weak:
            self.sandbox_warning = "\n".join(filter(None, [self.sandbox_warning, f"WARNING: {weak}"]))
        self.sandbox_level = sandbox_level
        cores = usable_cores()
        self.threads = max(1, cores // max(1, options.jobs))
        self.limits = options.limits if options.limits.cpus is not None else replace(options.limits, cpus=cores / max(1, options.jobs))
        self.placement: dict = {}  # where a supervisor wants kernels: a leased uid, a cgroup folder
        self._dataset = load_dataset(options.dataset, options.data_dir)
        self.anonymisation = Anonymisation.from_seed(self.config.seed, self._dataset.num_users, self._dataset.num_items)
        self._staging = make_temp_folder("public")
        self._splits: dict[str, AssignmentSplit] = {}
        self._baselines: dict[str, dict] = {}
        self._strong_answers: dict[str, np.ndarray] = {}
        self._baseline_sketches: dict[str, dict[str, list]] = {}
        self._staged: dict[str, Path] = {}
        self._requests: dict[str, tuple[PredictionRequest, np.ndarray]] = {}

    def close(self) -> None:
        """Remove the staged public data."""
        shutil.rmtree(self._staging, ignore_errors=True)

    def __enter__(self) -> GradingSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- per part, computed once --------------------------------------------------------------

    def prepare(self) -> None:
        """Compute everything shared by the submissions now (before grading processes start: each is
        sent the session as it is then)."""
        for part in PARTS:
            self.baselines(part)
            self.staged_public(part)
            self.request(part)
            self.target(part)

    def split(self, part: str) -> AssignmentSplit:
        """The public/hidden partition of ``part`` under the configured seed."""
        if part not in self._splits:
            self._splits[part] = assignment_split(self._dataset, part, self.config.seed)
        return self._splits[part]

    def baselines(self, part: str) -> dict[str, dict[str, float]]:
        """Baseline metrics of ``part`` on the hidden split; the strong baseline's answers are kept
        for :meth:`lookup_flags` (both before grading processes are forked)."""
        if part not in self._baselines:
            given = self.anonymisation.in_movielens_ids(self.kernel_public(part))  # ties in the kernel's order too
            hidden = self.split(part).hidden
            rules = get_part(part)
            answers = {name: rules.baseline_answers(name, given, hidden) for name in rules.baselines}
            self._baselines[part] = {name: rules.score(values, hidden) for name, values in answers.items()}
            rubric = self.config.parts[part]
            self._strong_answers[part] = answers[rubric.strong_baseline or rubric.baseline]
            self._baseline_sketches[part] = {name: self.sketch(part, values)["answers"] for name, values in answers.items()}
        return self._baselines[part]

    def sketch(self, part: str, answers: np.ndarray) -> dict:
        """What :mod:`grader.similarity` keeps of answers to ``part``'s hidden requests: a fixed
        sample of rows, and the provided baseline they are the answers of, if any."""
        rows = sketch_rows(part, len(self.split(part).hidden), self.config.seed)
        kept = get_part(part).sketch(answers, rows)
        return {"answers": kept, "baseline": like_baseline(part, kept, self._baseline_sketches.get(part, {}))}

    def strong_answers(self, part: str) -> np.ndarray:
        """The strong baseline's answers to the hidden requests of ``part``: what carried labels depart from."""
        self.baselines(part)
        return self._strong_answers[part]

    def lookup_flags(self, part: str, answers: np.ndarray) -> list[str]:
        """Flags for answers to the hidden requests of ``part`` that read as looked up, not learnt."""
        return get_part(part).lookup_flags(answers, self.strong_answers(part), self.split(part).hidden)

    def kernel_public(self, part: str) -> Interactions:
        """The public data a kernel grading ``part`` is given, in the run's secret id space."""
        return get_part(part).kernel_public(self.anonymisation, self.split(part).public)

    def staged_public(self, part: str) -> Path:
        """The public data file a kernel grading ``part`` reads."""
        if part not in self._staged:
            self._staged[part] = stage_public(self.kernel_public(part), part, self._staging)
        return self._staged[part]

    def request(self, part: str) -> tuple[PredictionRequest, np.ndarray]:
        """What the kernel is asked to predict for ``part`` (secret ids, secret row order), and that order."""
        if part not in self._requests:
            rules = get_part(part)
            inputs, order, width = rules.requests(self.anonymisation, self.split(part).hidden)
            self._requests[part] = (PredictionRequest(part, inputs, width, rules.batch, self.options.predict_timeout), order)
        return self._requests[part]

    def restore(self, part: str, values: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Answers to :meth:`request` back in the hidden split's order and MovieLens's ids."""
        return get_part(part).restore(self.anonymisation, values, order)

    def target(self, part: str) -> tuple[float, object]:
        """The absolute target of ``part`` and the calibrated reference (or None)."""
        rubric = self.config.parts[part]
        reference = reference_for(self.references, self.options.dataset, part, rubric.metric)
        target = rubric.resolve_target(reference.mean if reference else None, self.options.dataset)
        if rubric.target is None and reference is not None:  # relative target: allow the seed spread
            target = target + reference.tolerance() if rubric.lower_is_better else target - reference.tolerance()
        return target, reference

    # --- grading ------------------------------------------------------------------------------

    def grade(self, path: str | Path) -> SubmissionReport:
        """Grade one notebook for each of its parts; never raises for a bad submission."""
        started = time.monotonic()
        report = SubmissionReport(submission=str(path), sandbox=self.sandbox_level, device=self.device)
        try:
            submission = read_submission(path, self.options.part)
        except SubmissionError as error:
            report.error = str(error)
            report.seconds = time.monotonic() - started
            return report
        report.notes += submission.notes
        flags = embedded_data(submission.notebook, self.config.embedded_data)
        fingerprints = code_fingerprints(submission.notebook)
        for part in submission.parts:
            report.parts.append(self._grade_part(submission.notebook, part, flags, fingerprints))
        report.seconds = time.monotonic() - started
        return report

    def _grade_part(self, notebook, part: str, flags: list[str], fingerprints: list[int]) -> PartReport:
        split = self.split(part)
        hidden = split.hidden
        staged = self.staged_public(part)
        request, order = self.request(part)
        cell_timeout = self.options.cell_timeout or self.options.timeout
        budget = self.options.timeout + self.options.predict_timeout
        with KernelSandbox(self.sandbox_level, self.limits, [staged], budget, self.device, self.threads, **self.placement) as sandbox:
            env = sandbox.environment({PUBLIC_DATA_ENV: sandbox.kernel_path(staged)})
            record, result = execute_notebook(notebook.copy(), sandbox, env, ExecutionLimits(self.options.timeout, cell_timeout, self.options.grace), request, self.options.show_cells)
            peak = sandbox.peak_memory()
            survivors = sandbox.close()
        rules = get_part(part)
        predictions, error, metrics = None, None, None
        if result is None:
            error = f"{rules.function} could not be called: " + _why_no_kernel(record)
        elif result.error:
            error = result.error
        else:
            values = self.restore(part, result.values, order)
            try:
                metrics = rules.score(values, hidden)
                predictions = values
            except InvalidPredictionsError as invalid:
                error = f"{rules.function} returned invalid predictions: {invalid}"
        target, reference = self.target(part)
        rubric = self.config.parts[part]
        implausible = implausible_result(rubric, None if metrics is None else metrics[rubric.metric], reference)
        part_flags = flags + ([implausible] if implausible else []) + ([] if predictions is None else self.lookup_flags(part, predictions))
        context = CheckContext(
            part=part, rubric=rubric, target=target, execution=record,
            predictions=predictions, prediction_error=error, metrics=metrics,
            baselines=self.baselines(part), reference=reference, hidden=hidden, public=split.public,
            flags=part_flags, accept_flagged=self.options.accept_flagged,
        )
        tests = run_checks(context, self.options.checks)
        notes = []
        if survivors:
            notes.append(f"{len(survivors)} process(es) of the submission outlived its kernel and were killed.")
        return PartReport(
            part=part, tests=tests, metrics=metrics, baselines=self.baselines(part),
            reference=None if reference is None else {"mean": reference.mean, "std": reference.std},
            target=target, metric=self.config.parts[part].metric, execution=record,
            prediction_error=error, peak_memory=peak, notes=notes, flags=part_flags,
            sketch=None if predictions is None else self.sketch(part, predictions), fingerprints=fingerprints,
            flags_accepted=bool(part_flags) and self.options.accept_flagged, reference_metrics=self.reference_metrics(part),
        )

    def reference_metrics(self, part: str) -> dict[str, float]:
        """The calibrated reference's mean of every metric of ``part`` (for reports)."""
        found = {name: reference_for(self.references, self.options.dataset, part, name) for name in get_part(part).metrics}
        return {name: reference.mean for name, reference in found.items() if reference is not None}


def _why_no_kernel(record: ExecutionRecord) -> str:
    if record.start_error:
        return f"the kernel did not start ({record.start_error})."
    return record.kernel_died or "the kernel stopped."


__all__ = ["CheckResult", "GradingOptions", "GradingSession", "resolve_device"]
