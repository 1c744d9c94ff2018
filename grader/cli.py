"""Command line: ``grade`` for notebooks, ``grader`` for the instructor's other tasks."""

from __future__ import annotations

import os
import signal
import sys
import traceback
import warnings
from pathlib import Path

import click
from tqdm import tqdm

from grader.batch import GradingInterrupted, batch_paths, grade_batch
from grader.bounds import BOUNDS
from grader.cluster import ClusterUnavailable, connect_cluster
from grader.cluster.command import scheduler as cluster_scheduler
from grader.cluster.command import worker as cluster_worker
from grader.config import ConfigError, new_split_seed
from grader.data.assignment import GRADING_DATASETS, PARTS
from grader.data.movielens import DatasetError
from grader.fingerprints import TEMPLATE_FILE, write_template_runs
from grader.forkserver import start_server
from grader.grading import GradingOptions, GradingSession
from grader.identity import grade_identity
from grader.instructor.ci import ci
from grader.instructor.gradescope import gradescope_bundle, gradescope_run
from grader.instructor.handout import handout
from grader.reports.files import write_atomically
from grader.reports.formats import render_gradebook, render_gradescope, render_json, render_junit, render_similarity
from grader.reports.journal import Journal, JournalError, journal_path
from grader.reports.lms import SYSTEMS, RosterError, export_grades
from grader.reports.markdown import render_markdown
from grader.reports.passmark import PassMark, PassMarkType
from grader.reports.text import render_text
from grader.sandbox import GUARANTEES, MODES, Limits, SandboxUnavailable, strongest_level
from grader.sandbox.levels import landlock_note
from grader.sandbox.policy import explain as explain_policies
from grader.similarity import mark_similar

EXIT_GRADED, EXIT_INTERNAL, EXIT_USAGE, EXIT_UNREADABLE, EXIT_BELOW_PASS_MARK, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130

EXIT_CODES = """\b
Exit codes:
  0  every submission was graded (whatever its score)
  1  internal error of the grader
  2  bad usage (unknown option, unreadable configuration or dataset, sandbox unavailable, a cluster that cannot grade)
  3  a single submission could not be graded as a notebook (the report says why)
  4  --fail-under: a report scored below the pass mark (a file that could not be graded counts as 0)
  130  stopped by Ctrl-C or SIGTERM (what had finished is written, and kept in the journal)
\b
Instructor commands: `grader templates`, `grader calibrate`, `grader sandbox`, `grader env`, `grader new-seed`, `grader fetch-data`, `grader check-data`,
`grader ci github|gitlab`, `grader gradescope-bundle`, `grader handout`, `grader scheduler`, `grader worker`."""


def _hide_library_warnings(in_workers: bool = False) -> None:
    """Keep third-party libraries' warnings (nbformat's missing cell ids, deprecations) from users.

    The grader's own messages are printed, never raised as warnings; ``python -W`` or
    ``PYTHONWARNINGS`` still show everything. ``in_workers`` carries the choice to a batch's
    worker processes through the environment (kernels get an environment of their own).
    """
    if sys.warnoptions:
        return
    warnings.simplefilter("ignore")
    if in_workers:
        os.environ["PYTHONWARNINGS"] = "ignore"


def _render(reports, output_format: str, single: bool, pass_mark: PassMark | None = None) -> str:
    if output_format == "markdown":
        return render_markdown(reports, pass_mark)
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
@click.option("--format", "output_format", type=click.Choice(["text", "json", "gradescope", "junit", "markdown"]), default="text", show_default=True, help="markdown: a table for a CI page (score, metric beside baselines, reference and target, flags, failing cells).")
@click.option("--output", type=click.Path(path_type=Path), help="Write the report here instead of stdout.")
@click.option("--summary", type=click.Path(path_type=Path), help="Also write the Markdown table (as --format markdown) to this file, e.g. for $GITHUB_STEP_SUMMARY.")
@click.option("--fail-under", type=PassMarkType(), help="Exit 4 when a report (one per notebook and part) scores below SCORE: points (15) or a percentage (75%).")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="GRADER_DATA_DIR", help="Folder holding MovieLens 100K's u.data (default: $GRADER_DATA_DIR, else the cache).")
@click.option("--dataset", type=click.Choice(GRADING_DATASETS), default="movielens", show_default=True, help="synthetic: the small offline dataset (for trying the grader); private: your own ratings in u.data format in --data-dir (see grader check-data).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True, help="Where the kernel may compute; cpu hides GPUs from it.")
@click.option("--timeout", type=click.FloatRange(min=1), default=BOUNDS.notebook_seconds, show_default=True, help="Seconds for one notebook's whole execution.")
@click.option("--cell-timeout", type=click.FloatRange(min=1), help="Seconds for any one cell (default: --timeout).")
@click.option("--predict-timeout", type=click.FloatRange(min=1), default=BOUNDS.predict_seconds, show_default=True, help="Seconds for the graded function over the whole hidden split.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Notebooks graded in parallel.")
@click.option("--scheduler", envvar="GRADER_SCHEDULER", metavar="ADDRESS", help="Grade on the workers of the Dask cluster at ADDRESS (tcp://HOST:8786, tls://...; see `grader worker`) instead of this machine.")
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
@click.option("--cpus", type=click.FloatRange(min=0.1), help="CPU cores' worth of time per kernel (default: cores / --jobs).")
@click.option("--grader-memory", type=click.FloatRange(min=0.25), default=BOUNDS.grader_memory_bytes / 2**30, show_default=True, help="GiB for each notebook's grading process (not its kernel).")
@click.option("--accept-flagged", is_flag=True, help="Grade submissions flagged for review normally (after a person has looked at them).")
@click.option("--resume", is_flag=True, help="Skip the notebooks the journal (next to --gradebook or --output) already holds.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def grade(paths, part, split_seed, output_format, output, data_dir, dataset, device, timeout, cell_timeout, predict_timeout, jobs,
          gradebook, feedback, sandbox, memory, processes, disk, file_size, open_files, cpu_seconds, config, references,
          check_paths, cpus, grader_memory, accept_flagged, resume, quiet, summary, fail_under, scheduler) -> None:
    """Grade notebooks: NOTEBOOK files, or folders of them (a batch).

    Each notebook runs in a fresh sandboxed kernel; its graded function is called on data it
    never saw, and the hidden checks score the results.
    """
    _hide_library_warnings(in_workers=True)
    _hide_split_seed_from_the_command_line()
    if not scheduler:
        start_server()  # grading processes' fork server (if `grade` has not started it): it imports the grader while the session is prepared
    limits = Limits(
        memory_bytes=int(memory * 2**30), processes=processes, disk_bytes=int(disk * 2**30),
        file_bytes=int(file_size * 2**30), open_files=open_files, cpu_seconds=cpu_seconds, cpus=cpus,
    )
    options = GradingOptions(
        part=part, split_seed=split_seed, dataset=dataset, data_dir=data_dir, device=device, timeout=timeout, cell_timeout=cell_timeout,
        predict_timeout=predict_timeout, sandbox=sandbox, limits=limits, config=config, references=references,
        checks=list(check_paths), jobs=jobs, accept_flagged=accept_flagged, grader_memory=int(grader_memory * 2**30),
    )
    names = batch_paths(list(paths))
    notebooks = list(names)
    if not notebooks:
        raise click.UsageError(f"No notebooks (*.ipynb) found in {', '.join(map(str, paths))}.")
    single = len(notebooks) == 1 and not paths[0].is_dir()
    options.show_cells = single and not quiet
    path = journal_path(gradebook, output)
    if resume and path is None:
        raise click.UsageError("--resume needs --gradebook or --output: the journal is kept next to them.")
    if scheduler and click.get_current_context().get_parameter_source("jobs") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--jobs grades on this machine; with --scheduler the workers' grading slots decide (grader worker --slots).")
    try:
        session = connect_cluster(scheduler, options, _tell) if scheduler else GradingSession(options)
        session.prepare()
        journal = Journal(path, grade_identity(options)) if path is not None else None
    except (SandboxUnavailable, ConfigError, DatasetError, ValueError, ClusterUnavailable) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    interrupted, stopped_by = False, None
    try:
        if session.sandbox_warning:
            click.secho(session.sandbox_warning, fg="yellow", err=True)
        with session:
            try:
                graded = grade_batch(notebooks, options, session, progress=not quiet and not single, journal=journal, resume=resume, names=names)
            except GradingInterrupted as stop:
                graded, interrupted, stopped_by = stop.reports, True, stop.reason
                if stop.reason:
                    click.echo(f"Error: {stop.reason}", err=True)
                click.echo(f"Grading stopped: {len(graded)} of {len(notebooks)} notebook(s) had finished; their results are written.", err=True)
        reports = [record for report in graded for record in report.by_part()]  # one score per part
        pairs = mark_similar(reports)
        single = single and len(reports) == 1 and not interrupted
        _write_outputs(reports, session.sandbox_warning, output_format, output, gradebook, feedback, single, fail_under, summary, pairs)
    except JournalError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception:
        click.echo("Internal error of the grader (not caused by the notebooks):\n" + traceback.format_exc(), err=True)
        sys.exit(EXIT_INTERNAL)
    if interrupted:
        sys.exit(EXIT_USAGE if stopped_by else EXIT_INTERRUPTED)
    if single and reports[0].error:
        sys.exit(EXIT_UNREADABLE)
    below = [report for report in reports if not fail_under.passes(report)] if fail_under else []
    if below:
        shown = ", ".join(f"{report.submission} ({report.score:g} / {report.max_score:g})" for report in below[:10])
        more = f" and {len(below) - 10} more" if len(below) > 10 else ""
        click.echo(f"{len(below)} of {len(reports)} report(s) scored below the pass mark of {fail_under}: {shown}{more}.", err=True)
        sys.exit(EXIT_BELOW_PASS_MARK)
    sys.exit(EXIT_GRADED)


def _write_outputs(reports, warning, output_format, output, gradebook, feedback, single, pass_mark=None, summary=None, pairs=()) -> None:
    """The report (stdout or --output), the gradebook (and ``similarity.csv`` beside it), the
    feedback pages and the Markdown summary of ``reports``."""
    for report in reports:
        report.warning = warning
    text = _render(reports, output_format, single, pass_mark)
    if output:
        write_atomically(output, text)
    else:
        click.echo(text, nl=False)
    if gradebook:
        write_atomically(gradebook, render_gradebook(reports))
        write_atomically(gradebook.with_name("similarity.csv"), render_similarity(reports, pairs))
    if feedback:
        from grader.reports.feedback import write_feedback
        from grader.reports.overview import write_overview

        write_feedback(reports, feedback)
        write_overview(reports, feedback)
    if summary:
        write_atomically(summary, render_markdown(reports, pass_mark))


def _tell(message: str) -> None:
    """Show a line to the person grading, above the progress bar (warnings in yellow)."""
    tqdm.write(click.style(message, fg="yellow") if message.startswith("WARNING") else message, file=sys.stderr)


def _stop_on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt


def _hide_split_seed_from_the_command_line() -> None:
    """Re-run the command with --split-seed moved into the environment.

    Every process's command line is world-readable (/proc/PID/cmdline); the environment of the
    grader is not readable by the kernels' uids, and the kernels get none of it.
    """
    context = click.get_current_context()
    if context.get_parameter_source("split_seed") != click.core.ParameterSource.COMMANDLINE:
        return
    argv, kept, skip = sys.argv, [], False
    for argument in argv[1:]:
        if skip:
            skip = False
        elif argument == "--split-seed":
            skip = True
        elif not argument.startswith("--split-seed="):
            kept.append(argument)
    os.environ["GRADER_SPLIT_SEED"] = str(context.params["split_seed"])
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, argv[0], *kept])


@click.group(epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Instructor tools of the recommender-systems homework grader."""
    _hide_library_warnings()


main.add_command(grade)
main.add_command(ci)
main.add_command(gradescope_bundle)
main.add_command(gradescope_run)
main.add_command(handout)
main.add_command(cluster_scheduler)
main.add_command(cluster_worker)


@main.command()
@click.option("--solutions", type=click.Path(exists=True, file_okay=False, path_type=Path), default="solutions", show_default=True)
@click.option("--assignment", type=click.Path(file_okay=False, path_type=Path), default="assignment", show_default=True)
@click.option("--template-runs", type=click.Path(dir_okay=False, path_type=Path), default=f"data/{TEMPLATE_FILE}", show_default=True,
              help="Where the templates' code run hashes go (left out of every submission's fingerprints, see Similar submissions).")
def templates(solutions: Path, assignment: Path, template_runs: Path) -> None:
    """Regenerate the student templates from the solution notebooks, and their code fingerprints."""
    from grader.instructor.templates import TemplateError, generate_templates

    try:
        written = generate_templates(solutions, assignment)
    except TemplateError as error:
        raise click.ClickException(str(error)) from None
    write_template_runs(written, template_runs)
    for path in [*written, template_runs]:
        click.echo(f"wrote {path}")


@main.command()
@click.option("--solutions", type=click.Path(exists=True, file_okay=False, path_type=Path), default="solutions", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), default="data/references.json", show_default=True)
@click.option("--seeds", default="20261,1,2", show_default=True, help="Comma-separated partition seeds.")
@click.option("--data-dir", type=click.Path(path_type=Path), envvar="GRADER_DATA_DIR")
@click.option("--dataset", type=click.Choice(GRADING_DATASETS), default="movielens", show_default=True)
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


@main.command(name="new-seed")
def new_seed() -> None:
    """Print a new secret partition seed (128 random bits) for GRADER_SPLIT_SEED."""
    click.echo(new_split_seed())


@main.command(name="sandbox")
@click.option("--explain", is_flag=True, help="Also show what every level does to a kernel, as this user runs the grader.")
def sandbox_info(explain: bool) -> None:
    """Show the strongest isolation this host supports."""
    level = strongest_level()
    click.echo(f"strongest sandbox level here: {level}: {GUARANTEES[level]}")
    click.echo(f"default limits per kernel: {Limits().describe()} (see `grade --help` to change them)")
    click.echo(landlock_note())
    if explain:
        click.echo("\n" + explain_policies(os.geteuid() == 0))


@main.command(name="export")
@click.argument("system", type=click.Choice(SYSTEMS))
@click.argument("gradebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with an identifier column (the student id the LMS knows), optionally github_username, name, path; GitHub Classroom's roster works as it is.")
@click.option("--assignment", required=True, help="The assignment's column in the LMS (Canvas: its name in the gradebook; Moodle: map it to the grade item).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the import file (default: SYSTEM-grades.csv beside the gradebook).")
@click.option("--hold-flagged", is_flag=True, help="Leave the grade of a flagged or similar submission empty, for a person to review first.")
def export(system: str, gradebook: Path, roster: Path, assignment: str, output: Path | None, hold_flagged: bool) -> None:
    """Turn a gradebook (grade --gradebook) into the grade import file of Canvas or Moodle."""
    try:
        result = export_grades(system, gradebook, roster, assignment, hold_flagged)
    except RosterError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    path = output or gradebook.with_name(f"{system}-grades.csv")
    write_atomically(path, result.text)
    click.echo(f"wrote {path}")
    click.echo(result.summary(), err=True)


@main.command(name="env")
def kernel_environment() -> None:
    """List the packages, with their versions, that graded notebooks can import."""
    from grader.execution.environment import kernel_packages, kernel_python

    click.echo(f"# Graded notebooks run on {kernel_python()} and can import exactly these packages;")
    click.echo("# a package installed only on a student's machine is missing when grading.")
    for name, version in kernel_packages():
        click.echo(f"{name}=={version}")


@main.command(name="fetch-data")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Default: $GRADER_CACHE_DIR or ~/.cache/recsys-grader.")
def fetch_data(cache_dir) -> None:
    """Download and verify MovieLens 100K into the cache."""
    from grader.data.movielens import locate_movielens

    try:
        click.echo(f"MovieLens 100K is in {locate_movielens(cache_dir=cache_dir)}")
    except DatasetError as error:
        raise click.ClickException(str(error)) from None


@main.command(name="check-data")
@click.argument("folder", type=click.Path(path_type=Path))
def check_data(folder: Path) -> None:
    """Check a folder of private ratings (u.data format) for `grade --dataset private --data-dir FOLDER`.

    Exits 1 when the file cannot be graded on, saying what to fix.
    """
    from grader.data.private import check_private_ratings

    check, _ = check_private_ratings(folder)
    click.echo(check.summary())
    if check.problems:
        sys.exit(1)
