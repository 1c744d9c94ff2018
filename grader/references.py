"""Calibrated reference metrics: what the solution notebooks reach, by dataset, part and metric.

Written by ``grader calibrate`` into ``data/references.json`` (shipped as package data) and read
by the checks, the reports and the notebooks' self-check.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from grader.config import ConfigError

REFERENCES_FILE = "references.json"


@dataclass(frozen=True)
class Reference:
    """Mean and spread over calibration seeds of one metric of the reference solution."""

    mean: float
    std: float
    values: tuple[float, ...]

    def tolerance(self, floor: float = 0.002) -> float:
        """Allowed distance from the mean: three standard deviations over the seeds, at least ``floor``."""
        return max(3.0 * self.std, floor)


def load_references(path: str | Path | None = None) -> dict:
    """The whole references document (``{}`` when none has been calibrated)."""
    if path is not None:
        try:
            return json.loads(Path(path).read_text())
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"Cannot read the references file {path}: {getattr(error, 'strerror', None) or error}. "
                f"Name a file written by `grader calibrate`, or leave out --references."
            ) from error
    resource = resources.files("grader.datafiles").joinpath(REFERENCES_FILE)
    return json.loads(resource.read_text()) if resource.is_file() else {}


def reference_for(document: dict, dataset: str, part: str, metric: str) -> Reference | None:
    """The reference of ``metric`` for ``part`` on ``dataset``, or None if not calibrated."""
    entry = document.get("datasets", {}).get(dataset, {}).get("parts", {}).get(part, {}).get("metrics", {}).get(metric)
    if not entry or entry.get("mean") is None or not math.isfinite(entry["mean"]):
        return None
    return Reference(float(entry["mean"]), float(entry.get("std", 0.0)), tuple(entry.get("values", ())))
