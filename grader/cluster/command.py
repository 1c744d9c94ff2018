"""``grader scheduler`` and ``grader worker``: a Dask cluster's processes, with the settings
that grading needs, started on the machines an instructor has.

Both run Dask's own command (``dask scheduler``, ``dask worker``), to which any further option
is passed (``--tls-ca-file``, ``--tls-cert``, ``--tls-key``, ``--name``, ``--local-directory``,
...). The scheduler retries a notebook whose worker was lost at most twice; a worker offers one
grading slot per notebook it grades at once (``--resources grading-slot=N``, ``--nthreads N``)
and declares the memory its kernels and grading processes need.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import click

from grader.cluster import GRADING_SLOT, INSTALL_HINT, QUIET_DASK, SCHEDULER_CONFIG
from grader.data.movielens import DATA_DIR_ENV, DatasetError, locate_movielens
from grader.grading import GradingOptions
from grader.sandbox import GUARANTEES, Limits, strongest_level

PASS_THROUGH = {"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]}


def _require_dask(command: str) -> None:
    if importlib.util.find_spec("distributed") is None:
        raise click.ClickException(f"grader {command} needs Dask's distributed package: {INSTALL_HINT}.")


def _run_dask(command: str, arguments: list[str], config: dict) -> None:
    """Replace this process with ``dask COMMAND ARGUMENTS``, with Dask settings ``config`` where
    the environment does not set them already."""
    environment = dict(os.environ)
    for key, value in config.items():
        environment.setdefault("DASK_" + key.upper().replace(".", "__").replace("-", "_"), str(value))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", f"distributed.cli.dask_{command}", *arguments], environment)


@click.command(name="scheduler", context_settings=PASS_THROUGH)
@click.argument("dask_options", nargs=-1, type=click.UNPROCESSED)
def scheduler(dask_options: tuple[str, ...]) -> None:
    """Start a Dask scheduler for `grade --scheduler` (the options of `dask scheduler` apply).

    A notebook whose worker is lost is graded again elsewhere at most twice, then its row says
    why. Workers and `grade` connect to the address it prints (port 8786 by default).
    """
    _require_dask("scheduler")
    _run_dask("scheduler", list(dask_options), SCHEDULER_CONFIG)


@click.command(name="worker", context_settings=PASS_THROUGH)
@click.argument("address", envvar="GRADER_SCHEDULER")
@click.option("--slots", type=click.IntRange(min=1), help="Notebooks graded at once (default: one per core, as many as the memory holds).")
@click.option("--memory", type=click.FloatRange(min=0.1), default=Limits.memory_bytes / 2**30, show_default=True, help="GiB per kernel (what `grade --memory` gives them).")
@click.option("--grader-memory", type=click.FloatRange(min=0.25), default=GradingOptions.grader_memory / 2**30, show_default=True, help="GiB per grading process (what `grade --grader-memory` gives them).")
@click.argument("dask_options", nargs=-1, type=click.UNPROCESSED)
def worker(address: str, slots: int | None, memory: float, grader_memory: float, dask_options: tuple[str, ...]) -> None:
    """Start a Dask worker that grades notebooks for `grade --scheduler ADDRESS`.

    Run it as root on a machine with bubblewrap (full isolation), the grader installed as on the
    grading machine, and MovieLens 100K in $GRADER_DATA_DIR or the cache (`grader fetch-data`).
    Further options go to `dask worker` (for example --tls-ca-file, --tls-cert, --tls-key).
    """
    _require_dask("worker")
    from dask.system import CPU_COUNT
    from distributed.system import MEMORY_LIMIT

    per_slot = (memory + grader_memory) * 2**30
    slots = slots or max(1, min(CPU_COUNT, int(MEMORY_LIMIT // per_slot)))
    level = strongest_level()
    click.echo(f"Sandbox level here: {level}: {GUARANTEES[level]}", err=True)
    if level != "full":
        click.secho(
            "WARNING: below full isolation; `grader sandbox` says what is missing. `grade --sandbox strict` refuses this worker.",
            fg="yellow", err=True,
        )
    try:
        click.echo(f"MovieLens 100K: {locate_movielens(download=False)}", err=True)
    except DatasetError as error:
        named = os.environ.get(DATA_DIR_ENV)
        click.echo(f"MovieLens 100K: {error}" if named else "MovieLens 100K is not in the cache here yet: the first notebook graded here downloads it (`grader fetch-data` does it now).", err=True)
    click.echo(f"{slots} grading slot(s), {memory:g} GiB per kernel and {grader_memory:g} GiB per grading process each.", err=True)
    arguments = [
        address, "--nthreads", str(slots), "--nworkers", "1", "--resources", f"{GRADING_SLOT}={slots}",
        "--memory-limit", str(int(slots * per_slot)), *dask_options,
    ]
    _run_dask("worker", arguments, QUIET_DASK)
