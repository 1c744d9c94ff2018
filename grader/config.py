"""The assignment configuration (``grader/assignment.toml``): partition seed and rubric."""

from __future__ import annotations

import difflib
import secrets
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from grader.integrity.literals import EmbeddedDataLimits

METRIC_DIRECTIONS = {"rmse": "lower", "mrr": "higher"}
BASELINES = {"explicit": ("global_mean", "user_item_biases"), "sequence": ("popularity", "item_transitions")}
POINT_KEYS = ("ran", "valid", "beats_baseline", "target")


SECRET_SEED_MIN = 2**64
"""A secret seed below this could be found by trying every seed inside the kernel."""


class ConfigError(ValueError):
    """The configuration file is malformed; the message names the file and the key."""


def new_split_seed() -> int:
    """A secret partition seed of 128 random bits: beyond any search."""
    return secrets.randbits(128) | SECRET_SEED_MIN


def weak_secret_seed(seed: int) -> str | None:
    """Why ``seed``, when it is not the packaged public one, is too short to stay secret (else None)."""
    if seed == load_config().seed or seed >= SECRET_SEED_MIN:
        return None
    return (
        f"The split seed {seed} is not the public one, but it is short: a notebook can find it by trying every seed "
        f"up to it, and with it the hidden split and the secret ids. A secret seed needs at least 20 digits: "
        f"make one with `grader new-seed` and pass it in GRADER_SPLIT_SEED."
    )


@dataclass(frozen=True)
class PartRubric:
    """How one part is scored."""

    metric: str
    baseline: str
    margin: float
    points: dict[str, float]
    strong_baseline: str | None = None
    target: float | None = None
    target_relative_to_reference: float | None = None
    synthetic_target: float | None = None
    flag_sigmas: float = 3.0
    flag_margin: float = 0.02
    flag_at: float | None = None

    @property
    def lower_is_better(self) -> bool:
        """True for RMSE, False for MRR."""
        return METRIC_DIRECTIONS[self.metric] == "lower"

    def better(self, value: float, than: float) -> bool:
        """Whether ``value`` is strictly better than ``than`` for this part's metric."""
        return value < than if self.lower_is_better else value > than

    def credit_baseline(self, target: float, baselines: dict[str, dict[str, float]]) -> str:
        """The baseline at which partial credit starts (0 points) towards ``target``.

        The strong baseline (the weak one when none is set), unless it already reaches the
        target, as on the small synthetic dataset, which such simple models generate: then the
        weak one. ``baselines`` holds each baseline's metrics by name.
        """
        strong = self.strong_baseline or self.baseline
        return strong if self.better(target, baselines[strong][self.metric]) else self.baseline

    @property
    def max_score(self) -> float:
        """Sum of the points of the part."""
        return float(sum(self.points.values()))

    def resolve_target(self, reference_mean: float | None, dataset: str = "movielens") -> float:
        """The absolute target on ``dataset``, computing it from the reference when it is relative."""
        if dataset == "synthetic" and self.synthetic_target is not None:
            return self.synthetic_target
        if self.target is not None:
            return self.target
        if reference_mean is None:
            raise ConfigError(
                "The rubric sets the target relative to the reference, but no calibrated reference "
                "is available: run `grader calibrate` or give an absolute `target`."
            )
        return reference_mean * self.target_relative_to_reference


@dataclass(frozen=True)
class AssignmentConfig:
    """The partition seed, the rubric of each part, and the bounds on embedded data."""

    seed: int
    parts: dict[str, PartRubric]
    embedded_data: EmbeddedDataLimits = EmbeddedDataLimits()


PART_KEYS = (
    "metric", "baseline", "strong_baseline", "margin", "points", "target", "target_relative_to_reference",
    "synthetic_target", "flag_sigmas", "flag_margin", "flag_at",
)
TABLES = {"partition": ("seed",), "explicit": PART_KEYS, "sequence": PART_KEYS, "embedded_data": tuple(field.name for field in fields(EmbeddedDataLimits))}
"""Every table of ``assignment.toml`` and the keys it may hold."""


def _refuse_unknown_keys(table: dict, known: tuple[str, ...], where: str) -> None:
    """A misspelt key would silently fall back to a default and change grades: name it and its nearest known key."""
    for key in table:
        if key not in known:
            nearest = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
            hint = f"did you mean `{nearest[0]}`?" if nearest else f"known keys: {', '.join(known)}."
            raise ConfigError(f"{where} has an unknown key `{key}`: {hint}")


def _part(table: dict, part: str, source: str) -> PartRubric:
    where = f"{source} [{part}]"
    _refuse_unknown_keys(table, PART_KEYS, where)
    if isinstance(table.get("points"), dict):
        _refuse_unknown_keys(table["points"], POINT_KEYS, f"{where} points")
    try:
        metric, baseline = table["metric"], table["baseline"]
        points = {key: float(table["points"][key]) for key in POINT_KEYS}
    except (KeyError, TypeError) as error:
        raise ConfigError(f"{where} lacks {error}; see the packaged assignment.toml for the keys.") from error
    if metric not in METRIC_DIRECTIONS:
        raise ConfigError(f"{where} metric must be one of {sorted(METRIC_DIRECTIONS)}, not {metric!r}.")
    for key in ("baseline", "strong_baseline"):
        if key in table and table[key] not in BASELINES[part]:
            raise ConfigError(f"{where} {key} must be one of {list(BASELINES[part])}, not {table[key]!r}.")
    if any(value < 0 for value in points.values()):
        raise ConfigError(f"{where} points must not be negative.")
    for key in ("flag_sigmas", "flag_margin", "flag_at", "margin", "target", "target_relative_to_reference", "synthetic_target"):
        if key in table and not isinstance(table[key], (int, float)):
            raise ConfigError(f"{where} {key} must be a number, not {table[key]!r}.")
    absolute, relative = table.get("target"), table.get("target_relative_to_reference")
    if (absolute is None) == (relative is None):
        raise ConfigError(f"{where} needs exactly one of `target` and `target_relative_to_reference`.")
    return PartRubric(
        metric=metric,
        baseline=baseline,
        margin=float(table.get("margin", 0.0)),
        points=points,
        strong_baseline=table.get("strong_baseline"),
        target=None if absolute is None else float(absolute),
        target_relative_to_reference=None if relative is None else float(relative),
        synthetic_target=None if table.get("synthetic_target") is None else float(table["synthetic_target"]),
        flag_sigmas=float(table.get("flag_sigmas", PartRubric.flag_sigmas)),
        flag_margin=float(table.get("flag_margin", PartRubric.flag_margin)),
        flag_at=None if table.get("flag_at") is None else float(table["flag_at"]),
    )


def _embedded_data(table: dict, source: str) -> EmbeddedDataLimits:
    _refuse_unknown_keys(table, TABLES["embedded_data"], f"{source} [embedded_data]")
    if not all(isinstance(value, int) and value > 0 for value in table.values()):
        raise ConfigError(f"{source} [embedded_data] values must be positive integers.")
    return EmbeddedDataLimits(**table)


def load_config(path: str | Path | None = None) -> AssignmentConfig:
    """Read an assignment configuration; ``None`` reads the one shipped with the package."""
    if path is None:
        source = "assignment.toml (packaged)"
        text = resources.files("grader").joinpath("assignment.toml").read_text()
    else:
        source = str(path)
        try:
            text = Path(path).read_text()
        except OSError as error:
            raise ConfigError(f"Cannot read the configuration {path}: {error.strerror or error}.") from error
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source} is not valid TOML: {error}.") from error
    _refuse_unknown_keys(table, tuple(TABLES), source)
    for name in TABLES:
        if not isinstance(table.get(name, {}), dict):
            raise ConfigError(f"{source} `{name}` must be a table ([{name}]).")
    _refuse_unknown_keys(table.get("partition", {}), TABLES["partition"], f"{source} [partition]")
    try:
        seed = int(table["partition"]["seed"])
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{source} needs an integer [partition] seed.") from error
    parts = {part: _part(table.get(part, {}), part, source) for part in ("explicit", "sequence")}
    return AssignmentConfig(seed=seed, parts=parts, embedded_data=_embedded_data(table.get("embedded_data", {}), source))
