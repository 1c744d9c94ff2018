"""The grade's identity: everything that decides a grade, as plain data that names no secret.

Two runs with the same identity give the same grades to the same notebooks, so a journal is
resumed only under the identity it was begun with, and a cluster worker grades only when its
own identity (its dataset, the files it recreated) is the client's. Every option of
:class:`~grader.grading.GradingOptions` is classified here, so that a new option must say
whether it changes a score.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, fields
from importlib import resources
from pathlib import Path

from grader.grading import GradingOptions

GRADE_OPTIONS = (
    "part", "split_seed", "dataset", "data_dir", "device", "timeout", "cell_timeout", "predict_timeout", "grace",
    "sandbox", "limits", "config", "references", "checks", "accept_flagged",
)
"""Options that can change a score. Files count by their content, the dataset by its checksum,
the split seed by a digest."""
RUN_OPTIONS = ("show_cells", "jobs", "grader_memory")
"""Options that change how a run goes (progress bars, parallelism, the grader's own memory), not what it gives."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_digest(path: Path) -> str:
    """The content of a file, or of every file under a folder, with their relative names."""
    path = Path(path)
    if path.is_file():
        return _digest(path.read_bytes())
    digest = hashlib.sha256()
    for file in sorted(child for child in path.rglob("*") if child.is_file() and "__pycache__" not in child.parts):
        digest.update(f"{file.relative_to(path).as_posix()}\0".encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def dataset_checksum(dataset: str, data_dir: str | Path | None) -> str:
    """The sha256 of the ratings a run grades on (the synthetic dataset is its generator)."""
    from grader.data.assignment import PRIVATE
    from grader.data.movielens import DATA_DIR_ENV, RATINGS_FILE, file_sha256, locate_movielens
    from grader.data.private import ratings_path

    if dataset == "synthetic":
        return "synthetic (seeded generator)"
    if dataset == PRIVATE:
        return file_sha256(ratings_path(data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV, ".")))
    return file_sha256(locate_movielens(data_dir) / RATINGS_FILE)


def _packaged(package: str, name: str) -> bytes:
    return resources.files(package).joinpath(name).read_bytes()


def grade_identity(options: GradingOptions) -> dict:
    """What decides the grades of a run under ``options``, as JSON data with no secret in it.

    Raises
    ------
    OSError
        When a file named by ``--config``, ``--references`` or ``--checks`` cannot be read.
    grader.data.movielens.DatasetError
        When MovieLens cannot be found.
    """
    from grader.config import load_config

    seed = options.split_seed if options.split_seed is not None else load_config(options.config).seed
    identity = {name: getattr(options, name) for name in GRADE_OPTIONS}
    identity.update(
        split_seed=_digest(f"grader split seed {seed}".encode()),
        data_dir=dataset_checksum(options.dataset, options.data_dir),
        limits=asdict(options.limits),
        config=_tree_digest(options.config) if options.config else _digest(_packaged("grader", "assignment.toml")),
        references=_tree_digest(options.references) if options.references else _digest(_packaged("grader.datafiles", "references.json")),
        checks=[_tree_digest(path) for path in options.checks],
    )
    return identity


def unclassified_options() -> set[str]:
    """Options of :class:`GradingOptions` in neither ``GRADE_OPTIONS`` nor ``RUN_OPTIONS`` (a test keeps this empty)."""
    return {field.name for field in fields(GradingOptions)} - set(GRADE_OPTIONS) - set(RUN_OPTIONS)
