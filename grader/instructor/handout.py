"""The student release (``grader handout OUT``): the notebook templates, a short README, the
grader as a wheel and a practice workflow, as a folder (ready to be a GitHub Classroom template
repository) and as a zip. No solutions and no instructor configuration: the templates are
checked for solution regions, and the wheel carries only the package with its public defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import nbformat

from grader.config import load_config
from grader.data.assignment import PART_TITLES, PARTS
from grader.grading import GradingOptions
from grader.instructor.ci import WorkflowSettings, render_workflow
from grader.instructor.release import fill_kit, folder_files, torch_pin, zip_archive
from grader.instructor.templates import BEGIN, END
from grader.instructor.wheel import WheelError, build_wheel
from grader.reports.files import write_atomically
from grader.reports.passmark import PassMarkType
from grader.sandbox import Limits

WORKFLOW = ".github/workflows/grade.yml"
IGNORED = ".ipynb_checkpoints/\n.venv/\n__pycache__/\ngrades.md\n"


class HandoutError(ValueError):
    """The hand-out cannot be made; the message names the file and what to do."""


def _templates(assignment: Path) -> dict[str, str]:
    """The templates' parts by file name, after checking that none holds a solution region."""
    notebooks = sorted(assignment.glob("*.ipynb"))
    if not notebooks:
        raise HandoutError(f"No notebook templates (*.ipynb) in {assignment}: run `grader templates` first.")
    parts = {}
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        for index, cell in enumerate(notebook.cells, start=1):
            if any(BEGIN.match(line) or END.match(line) for line in cell.source.splitlines()):
                raise HandoutError(f"{path}, cell {index}, holds a solution region: regenerate the templates with `grader templates`.")
        part = notebook.metadata.get("grader", {}).get("part")
        if part not in PARTS:
            raise HandoutError(f"{path} names no part in its metadata (grader.part): regenerate the templates with `grader templates`.")
        parts[path.name] = part
    return parts


def _readme(parts: dict[str, str], wheel: str, fail_under: str) -> str:
    config, limits = load_config(None), Limits()
    notebooks = [{"name": name, "title": PART_TITLES[part], "metric": config.parts[part].metric.upper()} for name, part in parts.items()]
    return fill_kit("student_README.md", {
        "notebooks": notebooks,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "torch": torch_pin(),
        "wheel": wheel,
        "fail_under": fail_under,
        "timeout_minutes": f"{GradingOptions.timeout / 60:g}",
        "limits": f"{limits.memory_bytes / 2**30:g} GiB of memory, {limits.processes} processes and threads, "
        f"{limits.disk_bytes / 2**30:g} GiB of disk",
    })


def write_handout(output: Path, assignment: Path = Path("assignment"), fail_under: str = "75%") -> tuple[Path, Path]:
    """Write the hand-out folder ``output`` and ``output.zip``; return both paths.

    Raises
    ------
    HandoutError
        When ``output`` is not empty, or a template holds a solution region or names no part.
    WheelError
        When the grader is not installed (the wheel takes its metadata from the installation).
    """
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise HandoutError(f"{output} is not empty: remove it or name a new folder.")
    parts = _templates(Path(assignment))
    name, content = build_wheel()
    wheel = f"dist/{name}"
    files = {notebook: (Path(assignment) / notebook).read_bytes() for notebook in parts}
    files[wheel] = content
    files["README.md"] = _readme(parts, wheel, fail_under).encode()
    files[".gitignore"] = IGNORED.encode()
    settings = WorkflowSettings(package=wheel, notebooks=tuple(parts), fail_under=fail_under)
    files[WORKFLOW] = render_workflow("github", "practice", settings).encode()
    for relative, data in files.items():
        write_atomically(output / relative, data)
    archive = output.with_name(output.name + ".zip")
    write_atomically(archive, zip_archive(folder_files(output, prefix=f"{output.name}/")))
    return output, archive


@click.command(name="handout")
@click.argument("output", type=click.Path(file_okay=False, path_type=Path))
@click.option("--assignment", type=click.Path(exists=True, file_okay=False, path_type=Path), default="assignment", show_default=True, help="The notebook templates.")
@click.option("--fail-under", type=PassMarkType(), default="75%", show_default=True, help="Pass mark of the practice workflow: points (15) or a percentage (75%).")
def handout(output: Path, assignment: Path, fail_under: str) -> None:
    """Write the student release: templates, README, the grader's wheel and a practice workflow (a folder and a zip)."""
    try:
        folder, archive = write_handout(output, assignment, fail_under.option)
    except (HandoutError, WheelError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {folder}/ and {archive}")
