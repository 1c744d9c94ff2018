"""Command line: ``grade`` for notebooks, ``grader`` for the instructor's other tasks."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from grader.batch import expand_paths, grade_batch
from grader.config import ConfigError
from grader.data.assignment import DATASETS, PARTS
from grader.data.movielens import DatasetError
from grader.grading import GradingOptions, GradingSession
from grader.reports.files import write_atomically
from grader.reports.formats import render_gradebook, render_gradescope, render_json, render_junit
from grader.reports.text import render_text
from grader.sandbox import GUARANTEES, MODES, Limits, SandboxUnavailable, strongest_level

EXIT_GRADED, EXIT_INTERNAL, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3

EXIT_CODES = """\b
Exit codes:
  0  every submission was graded (whatever its score)
  1  internal error of the grader
  2  bad usage (unknown option, unreadable configuration or dataset, sandbox unavailable)
  3  a single submission could not be graded as a notebook (the report says why)
\b
Instructor commands: `grader templates`, `grader calibrate`, `grader sandbox`, `grader fetch-data`."""


def _render(reports, output_format: str, single: bool) -> str:
    if output_format == "json":
        return render_json(reports, single)
    if output_format == "gradescope":
        return render_gradescope(reports, single)
    if output_format == "junit":
        return render_junit(reports)
    return "\n".join(render_text(report) for report in reports)


@click.command(name="grade", epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--part", type=click.Choice(PARTS), help="Part to grade (wins over the notebook's metadata; a mismatch is reported).")
@click.option("--split-seed", type=int, envvar="GRADER_SPLIT_SEED", help="Partition seed (default: the configuration's); a secret one keeps the hidden split unknowable.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "gradescope", "junit"]), default="text", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report here instead of stdout.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="GRADER_DATA_DIR", help="Folder holding MovieLens 100K's u.data (default: $GRADER_DATA_DIR, else the cache).")
@click.option("--dataset", type=click.Choice(DATASETS), default="movielens", show_default=True, help="synthetic: the small offline dataset (for trying the grader).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True, help="Where the kernel may compute; cpu hides GPUs from it.")
@click.option("--timeout", type=click.FloatRange(min=1), default=900, show_default=True, help="Seconds for one notebook's whole execution.")
@click.option("--cell-timeout", type=click.FloatRange(min=1), help="Seconds for any one cell (default: --timeout).")
@click.option("--predict-timeout", type=click.FloatRange(min=1), default=300, show_default=True, help="Seconds for the graded function over the whole hidden split.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Notebooks graded in parallel.")
@click.option("--gradebook", type=click.Path(path_type=Path), help="Write a CSV gradebook (one row per submission).")
@click.option("--feedback", type=click.Path(path_type=Path), help="Write one HTML feedback page per submission into this folder.")
@click.option("--sandbox", type=click.Choice(MODES), default="auto", show_default=True, help="auto: strongest isolation available (warns below full); strict: refuse without full isolation; none: no isolation (debugging).")
@click.option("--memory", type=click.FloatRange(min=0.1), default=Limits.memory_bytes / 2**30, show_default=True, help="GiB of memory per kernel.")
@click.option("--processes", type=click.IntRange(min=8), default=Limits.processes, show_default=True, help="Processes and threads per kernel.")
@click.option("--disk", type=click.FloatRange(min=0.01), default=Limits.disk_bytes / 2**30, show_default=True, help="GiB for the kernel's working folder (and its /tmp).")
@click.option("--file-size", type=click.FloatRange(min=0.001), default=Limits.file_bytes / 2**30, show_default=True, help="GiB: largest file the kernel may write.")
@click.option("--open-files", type=click.IntRange(min=64), default=Limits.open_files, show_default=True, help="Open files per kernel process.")
@click.option("--cpu-seconds", type=click.IntRange(min=1), help="CPU seconds per kernel process (default: timeout x cores).")
@click.option("--config", type=click.Path(path_type=Path), help="Assignment configuration (partition seed, rubric); default: the packaged one.")
@click.option("--references", type=click.Path(path_type=Path), help="Calibrated references file; default: the packaged one.")
@click.option("--checks", "check_paths", multiple=True, type=click.Path(exists=True, path_type=Path), help="Extra pytest check files or folders (repeatable).")
@click.option("--accept-flagged", is_flag=True, help="Grade submissions flagged for review normally (after a person has looked at them).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def grade(paths, part, split_seed, output_format, output, data_dir, dataset, device, timeout, cell_timeout, predict_timeout, jobs,
          gradebook, feedback, sandbox, memory, processes, disk, file_size, open_files, cpu_seconds, config, references,
          check_paths, accept_flagged, quiet) -> None:
    """Grade notebooks: NOTEBOOK files, or folders of them (a batch).

    Each notebook runs in a fresh sandboxed kernel; its graded function is called on data it
    never saw, and the hidden checks score the results.
    """
    limits = Limits(
        memory_bytes=int(memory * 2**30), processes=processes, disk_bytes=int(disk * 2**30),
        file_bytes=int(file_size * 2**30), open_files=open_files, cpu_seconds=cpu_seconds,
    )
    options = GradingOptions(
        part=part, split_seed=split_seed, dataset=dataset, data_dir=data_dir, device=device, timeout=timeout, cell_timeout=cell_timeout,
        predict_timeout=predict_timeout, sandbox=sandbox, limits=limits, config=config, references=references,
        checks=list(check_paths), jobs=jobs, accept_flagged=accept_flagged,
    )
    notebooks = expand_paths(list(paths))
    if not notebooks:
        raise click.UsageError(f"No notebooks (*.ipynb) found in {', '.join(map(str, paths))}.")
    single = len(notebooks) == 1 and not paths[0].is_dir()
    options.show_cells = single and not quiet
    try:
        session = GradingSession(options)
    except (SandboxUnavailable, ConfigError, DatasetError, ValueError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    try:
        if session.sandbox_warning:
            click.secho(session.sandbox_warning, fg="yellow", err=True)
        with session:
            graded = grade_batch(notebooks, options, session, progress=not quiet and not single)
        reports = [record for report in graded for record in report.by_part()]  # one score per part
        single = single and len(reports) == 1
        for report in reports:
            report.warning = session.sandbox_warning
        text = _render(reports, output_format, single)
        if output:
            write_atomically(output, text)
        else:
            click.echo(text, nl=False)
        if gradebook:
            write_atomically(gradebook, render_gradebook(reports))
        if feedback:
            from grader.reports.feedback import write_feedback

            write_feedback(reports, feedback)
    except Exception:
        click.echo("Internal error of the grader (not caused by the notebooks):\n" + traceback.format_exc(), err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_UNREADABLE if single and reports[0].error else EXIT_GRADED)


@click.group(epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Instructor tools of the recommender-systems homework grader."""


main.add_command(grade)


@main.command()
@click.option("--solutions", type=click.Path(exists=True, file_okay=False, path_type=Path), default="solutions", show_default=True)
@click.option("--assignment", type=click.Path(file_okay=False, path_type=Path), default="assignment", show_default=True)
def templates(solutions: Path, assignment: Path) -> None:
    """Regenerate the student templates from the solution notebooks."""
    from grader.instructor.templates import TemplateError, generate_templates

    try:
        for path in generate_templates(solutions, assignment):
            click.echo(f"wrote {path}")
    except TemplateError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.option("--solutions", type=click.Path(exists=True, file_okay=False, path_type=Path), default="solutions", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), default="data/references.json", show_default=True)
@click.option("--seeds", default="20261,1,2", show_default=True, help="Comma-separated partition seeds.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="GRADER_DATA_DIR")
@click.option("--dataset", type=click.Choice(DATASETS), default="movielens", show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--sandbox", type=click.Choice(MODES), default="auto", show_default=True)
def calibrate(solutions: Path, output: Path, seeds: str, data_dir, dataset: str, device: str, sandbox: str) -> None:
    """Grade the solution notebooks over several partition seeds and record the reference metrics."""
    from grader.instructor.calibrate import calibrate as run_calibration

    seed_list = [int(seed) for seed in seeds.split(",") if seed.strip()]
    options = GradingOptions(dataset=dataset, data_dir=data_dir, device=device, sandbox=sandbox)
    document = run_calibration(solutions, seed_list, options, output)
    for name, entry in document["datasets"][dataset]["parts"].items():
        summary = ", ".join(f"{k} {v['mean']:.4f} ± {v['std']:.4f}" for k, v in entry["metrics"].items())
        click.echo(f"{name}: {summary}")
    click.echo(f"wrote {output}")


@main.command(name="sandbox")
def sandbox_info() -> None:
    """Show the strongest isolation this host supports."""
    level = strongest_level()
    click.echo(f"strongest sandbox level here: {level}: {GUARANTEES[level]}")
    click.echo(f"default limits per kernel: {Limits().describe()} (see `grade --help` to change them)")


@main.command(name="fetch-data")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Default: $GRADER_CACHE_DIR or ~/.cache/recsys-grader.")
def fetch_data(cache_dir) -> None:
    """Download and verify MovieLens 100K into the cache."""
    from grader.data.movielens import locate_movielens

    try:
        click.echo(f"MovieLens 100K is in {locate_movielens(cache_dir=cache_dir)}")
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
