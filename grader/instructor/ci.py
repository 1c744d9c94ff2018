"""CI workflows that grade, for GitHub Actions and GitLab CI (``grader ci github|gitlab``).

Two kinds:

- ``class``: the instructor's private repository of submissions. Installs the grader and
  bubblewrap, caches MovieLens, grades every notebook under the submissions folder with
  ``--sandbox strict`` on the split seed of a CI secret (through the environment, never a command
  line), uploads the gradebook, the JUnit report, the feedback pages and the journal, and shows
  the Markdown summary.
- ``practice``: a GitHub Classroom template repository. Grades the student's notebooks on every
  push with the public seed and fails below a pass mark, the summary on the run's page.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from grader.data.assignment import DATASETS
from grader.instructor.release import SAFE_PATTERN, fill_kit, literal_path, torch_pin
from grader.reports.files import write_atomically
from grader.reports.passmark import PassMarkType

KINDS = ("class", "practice")
DEFAULT_PATHS = {
    ("github", "class"): ".github/workflows/grade-class.yml",
    ("github", "practice"): ".github/workflows/grade.yml",
    ("gitlab", "class"): ".gitlab-ci.yml",
    ("gitlab", "practice"): ".gitlab-ci.yml",
}


@dataclass(frozen=True)
class WorkflowSettings:
    """What a generated workflow grades and how.

    Parameters
    ----------
    package:
        The pip requirement that installs the grader (``.`` for the repository itself, a wheel
        path, a git URL, ...).
    submissions:
        ``class``: the folder of submissions, searched recursively.
    notebooks:
        ``practice``: the notebooks (or shell patterns) to grade.
    jobs:
        ``class``: notebooks graded in parallel.
    fail_under:
        ``practice``: the pass mark (points or a percentage).
    dataset:
        ``movielens``, or ``synthetic`` for a quick demonstration.
    """

    package: str = "."
    submissions: str = "submissions"
    notebooks: tuple[str, ...] = ("*.ipynb",)
    jobs: int = 2
    fail_under: str = "75%"
    dataset: str = "movielens"

    def grade_options(self, kind: str) -> list[str]:
        """The ``grade`` options the workflow passes (besides its outputs), word by word."""
        options = ["--sandbox", "strict", "--jobs", str(self.jobs)] if kind == "class" else ["--fail-under", self.fail_under]
        if self.dataset != "movielens":
            options += ["--dataset", self.dataset]
        return [*options, "--quiet"]


def render_workflow(provider: str, kind: str, settings: WorkflowSettings) -> str:
    """The workflow file for ``provider`` (``github`` or ``gitlab``) and ``kind`` (``class`` or ``practice``)."""
    values = {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "torch": torch_pin(),
        "package": settings.package,
        "options": settings.grade_options(kind),
    }
    if kind == "class":
        values["submissions"] = settings.submissions.rstrip("/")
    else:
        values["notebooks"] = list(settings.notebooks)
        values["fail_under"] = settings.fail_under
    return fill_kit(f"{provider}_{kind}.yml", values)


SAFE_FOLDER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]*")


def _checked(pattern: re.Pattern, what: str):
    """A click callback that refuses values the workflow could not hold literally, with the
    reason (they are quoted for YAML and the shell too, but a folder or pattern to grade is
    clearer when it needs no quoting)."""

    def check(context, parameter, value):
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if not literal_path(pattern, item):
                raise click.BadParameter(
                    f"{item!r}: {what} may hold letters, digits and . _ - / only{' (and the patterns * ? [ ])' if pattern is SAFE_PATTERN else ''}, "
                    f"relative to the repository, without '..', since it is written into the workflow's YAML and shell lines."
                )
        return value

    return check


def _ci_options(command):
    """The options ``grader ci github`` and ``grader ci gitlab`` share."""
    options = [
        click.option("--kind", type=click.Choice(KINDS), default="class", show_default=True,
                     help="class: the instructor's repository of submissions; practice: the students' template repository."),
        click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
                     help="Where to write the workflow (default: .github/workflows/grade-class.yml or grade.yml; .gitlab-ci.yml)."),
        click.option("--package", default=".", show_default=True, help="pip requirement that installs the grader in the job."),
        click.option("--submissions", default="submissions", show_default=True, callback=_checked(SAFE_FOLDER, "the folder"),
                     help="class: folder of submissions (searched recursively)."),
        click.option("--notebook", "notebooks", multiple=True, callback=_checked(SAFE_PATTERN, "a notebook pattern"), help="practice: a notebook (or shell pattern) to grade; repeatable (default: *.ipynb)."),
        click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="class: notebooks graded in parallel."),
        click.option("--fail-under", type=PassMarkType(), default="75%", show_default=True, help="practice: the pass mark, points (15) or a percentage (75%)."),
        click.option("--dataset", type=click.Choice(DATASETS), default="movielens", show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _write(provider: str, kind, output, package, submissions, notebooks, jobs, fail_under, dataset) -> None:
    settings = WorkflowSettings(package, submissions, tuple(notebooks) or ("*.ipynb",), jobs, fail_under.option, dataset)
    path = output or Path(DEFAULT_PATHS[(provider, kind)])
    write_atomically(path, render_workflow(provider, kind, settings))
    click.echo(f"wrote {path}")
    if kind == "class":
        where = "a repository secret" if provider == "github" else "a masked CI/CD variable"
        click.echo(f"Add {where} GRADER_SPLIT_SEED (an integer nobody else knows) before the first run.")


@click.group(name="ci")
def ci() -> None:
    """Write a CI workflow that grades (GitHub Actions or GitLab CI)."""


@ci.command()
@_ci_options
def github(**options) -> None:
    """Write a GitHub Actions workflow: class grading or student practice."""
    _write("github", **options)


@ci.command()
@_ci_options
def gitlab(**options) -> None:
    """Write a GitLab CI configuration: class grading or student practice."""
    _write("gitlab", **options)
