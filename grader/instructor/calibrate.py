"""Calibrating the reference metrics: the solution notebooks, graded through the same pipeline as
students' notebooks over several partition seeds; their mean and spread become the reference."""

from __future__ import annotations

import datetime
import json
import os
import platform
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import numpy as np
from tqdm import tqdm

from grader import __version__
from grader.grading import GradingOptions, GradingSession
from grader.identity import dataset_checksum
from grader.reports.files import write_atomically


def calibrate(solutions: Path, seeds: list[int], options: GradingOptions, output: Path) -> dict:
    """Grade every solution notebook once per seed and write the references document to ``output``.

    Raises RuntimeError when a solution does not earn full marks: a reference must be sound.
    """
    notebooks = sorted(Path(solutions).glob("*.ipynb"))
    runs: dict[str, dict[str, list[float]]] = {}
    seconds: dict[str, list[float]] = {}
    sources: dict[str, str] = {}
    level = device = None
    with tqdm(total=len(seeds) * len(notebooks), desc="Calibrating", unit="run") as bar:
        for seed in seeds:
            # What is measured here sets the plausibility bound: the old bound must not withhold it.
            with GradingSession(replace(options, split_seed=seed, accept_flagged=True)) as session:
                level, device = session.sandbox_level, session.device
                for path in notebooks:
                    report = session.grade(path)
                    if report.error or report.score < report.max_score:
                        failed = [t.output for _, t in report.named_tests() if t.score < t.max_score]
                        raise RuntimeError(f"{path.name} (seed {seed}) did not earn full marks: {report.error or failed}")
                    for part in report.parts:
                        sources[part.part] = path.name
                        for name, value in (part.metrics or {}).items():
                            runs.setdefault(part.part, {}).setdefault(name, []).append(value)
                        seconds.setdefault(part.part, []).append(part.execution.seconds)
                    bar.update()
    document = json.loads(output.read_text()) if output.exists() else {}
    document.setdefault("datasets", {})[options.dataset] = {
        "fingerprint": dataset_checksum(options.dataset, options.data_dir),
        "seeds": seeds,
        "parts": {
            part: {
                "notebook": sources[part],
                "metrics": {
                    name: {"mean": float(np.mean(values)), "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0, "values": values}
                    for name, values in metrics.items()
                },
                "notebook_seconds": {"mean": float(np.mean(seconds[part])), "values": seconds[part]},
            }
            for part, metrics in runs.items()
        },
        "environment": {
            "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "grader": __version__,
            "torch": metadata.version("torch"),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "device": device,
            "sandbox": level,
        },
    }
    write_atomically(output, json.dumps(document, indent=2) + "\n")
    return document

