"""Gradescope's autograder: the bundle an instructor uploads (``grader gradescope-bundle``) and
what it runs for each submission (``grader gradescope-run``).

The bundle is Gradescope's zip format: ``setup.sh`` (run once, as root, to build the image),
``run_autograder`` (run per submission), the grader as a wheel, the assignment configuration,
the calibrated references, the split seed and, optionally, MovieLens 100K. Each submission's
notebooks (``/autograder/submission/**/*.ipynb``) are graded by the ``grade`` command into one
``/autograder/results/results.json``; the seed reaches it through the environment only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import click

from grader.batch import batch_paths
from grader.bounds import BOUNDS
from grader.config import ConfigError, load_config, new_split_seed, weak_secret_seed
from grader.data.assignment import DATASETS, PARTS
from grader.data.movielens import DatasetError, file_sha256, locate_movielens, movielens_facts
from grader.instructor.release import fill_kit, torch_pin, zip_archive
from grader.instructor.wheel import WheelError, build_wheel
from grader.references import REFERENCES_FILE, load_references
from grader.reports.files import write_atomically
from grader.reports.formats import strict_json
from grader.reports.model import SHORT_TITLES

ROOT_ENV = "AUTOGRADER_ROOT"
CONFIG_FILE, SEED_FILE, DATA_FOLDER = "assignment.toml", "split-seed", "ml-100k"
NO_NOTEBOOK = "No notebook (.ipynb) was found in your submission: upload the notebook you worked in."
MANY_NOTEBOOKS = (
    "Your submission holds several notebooks ({names}); only one is graded. Submit again with the one "
    "notebook that defines your graded function."
)


def _grade_options(dataset: str, part: str | None, timeout: float) -> list[str]:
    options = ["--dataset", dataset, "--timeout", f"{timeout:g}"]
    return options + (["--part", part] if part else [])


def _movielens_files(data_dir: Path) -> dict[str, bytes]:
    """MovieLens 100K's files in ``data_dir``, each checked against its published checksum."""
    folder = locate_movielens(data_dir, download=False)
    files = {}
    for name, expected in movielens_facts()["files_sha256"].items():
        if not (folder / name).is_file() or file_sha256(folder / name) != expected:
            raise DatasetError(f"{folder / name} is missing or not the published MovieLens 100K file: replace it with a fresh copy.")
        files[name] = (folder / name).read_bytes()
    return files


def build_bundle(
    output: Path,
    *,
    config: Path | None = None,
    references: Path | None = None,
    split_seed: int | None = None,
    dataset: str = "movielens",
    part: str | None = None,
    timeout: float = 900,
    data_dir: Path | None = None,
) -> Path:
    """Write the autograder zip to ``output``.

    Parameters
    ----------
    config, references:
        The assignment configuration and the calibrated references (default: the packaged ones).
    split_seed:
        The hidden split's seed; a secret one is generated when None.
    dataset, part, timeout:
        What ``grade`` is told for every submission (``part`` None: the notebooks' own parts).
    data_dir:
        A MovieLens 100K folder to ship in the bundle; None downloads it while the image builds.

    Raises
    ------
    ConfigError, DatasetError, WheelError
        When the configuration, the references or the data cannot be read, or the grader is not
        installed; the message says what to do.
    """
    load_config(config)
    load_references(references)
    wheel, content = build_wheel()
    files = {
        f"dist/{wheel}": content,
        CONFIG_FILE: Path(config).read_bytes() if config else resources.files("grader").joinpath(CONFIG_FILE).read_bytes(),
        REFERENCES_FILE: Path(references).read_bytes() if references else resources.files("grader.datafiles").joinpath(REFERENCES_FILE).read_bytes(),
        SEED_FILE: f"{new_split_seed() if split_seed is None else split_seed}\n".encode(),
    }
    if data_dir is not None:
        files.update({f"{DATA_FOLDER}/{name}": data for name, data in _movielens_files(Path(data_dir)).items()})
    data = "bundled" if data_dir is not None else "download" if dataset == "movielens" else "none"
    files["setup.sh"] = fill_kit("setup.sh", {"torch": torch_pin(), "wheel": f"dist/{wheel}", "data": data, "data_folder": DATA_FOLDER}).encode()
    files["run_autograder"] = fill_kit("run_autograder", {"options": _grade_options(dataset, part, timeout)}).encode()
    return write_atomically(output, zip_archive(files, executables=frozenset({"setup.sh", "run_autograder"})))


def _label(document: dict) -> str:
    """``alice.ipynb, Part 1``: which notebook and part a Gradescope document is about."""
    extra = document.get("extra_data", {})
    part = SHORT_TITLES.get(extra.get("part", ""))
    return ", ".join(filter(None, [Path(extra.get("submission", "")).name, part]))


def merge_results(documents: list[dict]) -> dict:
    """One results.json from the Gradescope documents of a submission's reports (one per notebook and part)."""
    if len(documents) == 1:
        return documents[0]
    tests = [{**test, "name": f"{_label(document)}: {test['name']}"} for document in documents for test in document["tests"]]
    return {
        "score": round(sum(document["score"] for document in documents), 2),
        "execution_time": round(sum(document.get("execution_time", 0) for document in documents), 2),
        "output": "\n\n".join(f"{_label(document)}:\n{document['output']}".rstrip() for document in documents),
        "tests": tests,
        "extra_data": {"reports": [document.get("extra_data", {}) for document in documents]},
    }


def grade_submission(root: Path, grade_options: list[str]) -> dict:
    """Grade ``root/submission``'s notebooks with the bundle in ``root/source``; the results.json document.

    ``grade`` runs as a separate process, its messages going to this one's output (the
    autograder's log, for the instructor); the seed goes to it in ``GRADER_SPLIT_SEED``.
    """
    source, submission = root / "source", root / "submission"
    notebooks = batch_paths([submission])
    if not notebooks:
        return {"score": 0.0, "output": NO_NOTEBOOK, "tests": []}
    if len(notebooks) > 1:  # each would be scored on its own: copies must not add up
        return {"score": 0.0, "output": MANY_NOTEBOOKS.format(names=", ".join(sorted(notebooks.values()))), "tests": []}
    env = {**os.environ, "GRADER_SPLIT_SEED": (source / SEED_FILE).read_text().strip(), "GRADER_CACHE_DIR": str(root / "cache")}
    if (source / DATA_FOLDER).is_dir():
        env["GRADER_DATA_DIR"] = str(source / DATA_FOLDER)
    with tempfile.TemporaryDirectory(prefix="gradescope-") as scratch:
        graded = Path(scratch) / "graded.json"
        command = [
            sys.executable, "-m", "grader", "grade", str(submission), "--format", "gradescope", "--output", str(graded),
            "--config", str(source / CONFIG_FILE), "--references", str(source / REFERENCES_FILE), "--quiet", *grade_options,
        ]
        finished = subprocess.run(command, env=env)
        if graded.is_file():
            return merge_results(json.loads(graded.read_text()))
    return {
        "score": 0.0,
        "output": f"The autograder could not grade this submission (the grader stopped with exit code {finished.returncode}). "
        f"Your instructor can see why in the autograder's log.",
        "tests": [],
    }


@click.command(name="gradescope-bundle")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Assignment configuration (default: the packaged one).")
@click.option("--references", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Calibrated references (default: the packaged ones).")
@click.option("--split-seed", type=int, envvar="GRADER_SPLIT_SEED", help="The hidden split's seed (default: a new secret one); prefer $GRADER_SPLIT_SEED.")
@click.option("--part", type=click.Choice(PARTS), help="Grade every notebook for this part (default: each notebook's own parts).")
@click.option("--dataset", type=click.Choice(DATASETS), default="movielens", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=1), default=BOUNDS.notebook_seconds, show_default=True, help="Seconds for one notebook's execution.")
@click.option("--include-data", is_flag=True, help="Ship MovieLens 100K in the bundle (keep the bundle private: its licence forbids redistribution).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="GRADER_DATA_DIR", help="With --include-data: the folder holding u.data (default: $GRADER_DATA_DIR, else the cache).")
def gradescope_bundle(output, config, references, split_seed, part, dataset, timeout, include_data, data_dir) -> None:
    """Write Gradescope's autograder zip (setup.sh, run_autograder, the grader, configuration, references, seed)."""
    try:
        data = locate_movielens(data_dir) if include_data else None
        build_bundle(output, config=config, references=references, split_seed=split_seed, dataset=dataset, part=part, timeout=timeout, data_dir=data)
    except (ConfigError, DatasetError, WheelError) as error:
        raise click.ClickException(str(error)) from None
    minutes = int((timeout + 300) // 60) + 5
    click.echo(f"wrote {output}")
    click.echo(f"Upload it as the assignment's autograder (zip file upload) on an Ubuntu base image; allow it at least {minutes} minutes per submission.")
    if split_seed is None:
        click.echo(f"The split seed is new and secret; to grade elsewhere on the same split: GRADER_SPLIT_SEED=$(unzip -p {output} {SEED_FILE}) grade ...")
    elif weak_secret_seed(split_seed):
        click.secho(f"WARNING: {weak_secret_seed(split_seed)}", fg="yellow", err=True)


@click.command(name="gradescope-run")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), envvar=ROOT_ENV, default="/autograder", show_default=True, help="Gradescope's folder (source/, submission/, results/).")
@click.option("--part", type=click.Choice(PARTS))
@click.option("--dataset", type=click.Choice(DATASETS), default="movielens", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=1), default=BOUNDS.notebook_seconds, show_default=True)
def gradescope_run(root: Path, part, dataset, timeout) -> None:
    """Grade one Gradescope submission into ROOT/results/results.json (what run_autograder runs)."""
    document = grade_submission(root, _grade_options(dataset, part, timeout))
    write_atomically(root / "results" / "results.json", strict_json(document))
