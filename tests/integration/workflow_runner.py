"""Running a generated CI job's shell steps locally, in order, the way GitHub Actions or GitLab CI
would: in a checkout, with the service's environment variables, the secrets as environment
variables, and ``if: always()`` steps run after a failure.

The steps that install software go to recording stand-ins (``sudo`` keeps only the variables it
is told to preserve, as sudo's env_reset does, then runs the command, stand-ins first; ``apt-get``
and ``pip`` only record their arguments), so a job runs offline, on the tools of the environment
running the tests, without changing it. ``uses:`` steps are not run; the artifacts they would upload are
returned for the test to check.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SUDO_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SECRET = re.compile(r"\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ALWAYS = re.compile(r"^(\$\{\{\s*)?always\(\)(\s*\}\})?$")

RECORD = """#!{python}
import json, os, sys
with open({calls!r}, "a") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), *sys.argv[1:]]) + "\\n")
"""
SUDO = """
arguments, kept = sys.argv[1:], set()
while arguments and arguments[0].startswith("-"):
    option = arguments.pop(0)
    if option.startswith("--preserve-env="):
        kept.update(option.split("=", 1)[1].split(","))
env = {{"PATH": {path!r}, "HOME": {home!r}, "LANG": "C.UTF-8"}}
env.update({{name: value for name, value in os.environ.items() if name in kept}})
os.execvpe(arguments[0], arguments, env)
"""


@dataclass
class JobRun:
    """What happened: each step's name, exit code and output; the recorded tool calls; the artifacts."""

    steps: list[tuple[str, int, str]] = field(default_factory=list)
    calls: list[list[str]] = field(default_factory=list)
    artifacts: list[dict] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return all(code == 0 for _, code, _ in self.steps)

    def output(self, name: str) -> str:
        return next(text for step, _, text in self.steps if step == name)


def stand_ins(folder: Path) -> Path:
    """A folder of recording ``sudo``, ``apt-get`` and ``pip`` to put first on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    calls = folder / "calls.jsonl"
    (folder / "root-home").mkdir(exist_ok=True)
    for name in ("sudo", "apt-get", "pip"):
        script = RECORD.format(python=sys.executable, calls=str(calls))
        if name == "sudo":
            script += SUDO.format(path=f"{folder}:{SUDO_PATH}", home=str(folder / "root-home"))
        (folder / name).write_text(script)
        (folder / name).chmod(0o755)
    return folder


def _calls(tools: Path) -> list[list[str]]:
    log = tools / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _environment(tools: Path, home: Path, extra: dict[str, str]) -> dict[str, str]:
    """What a runner's shell sees: the stand-ins, then the Python environment's commands (as setup-python gives)."""
    home.mkdir(parents=True, exist_ok=True)
    path = f"{tools}:{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "CI": "true", **extra}


def _substitute(text: str, secrets: dict[str, str]) -> str:
    text = SECRET.sub(lambda match: secrets.get(match.group(1), ""), text)
    if "${{" in text:
        raise NotImplementedError(f"an expression this runner does not evaluate: {text!r}")
    return text


def run_github_job(workflow: dict, checkout: Path, secrets: dict[str, str], tools: Path) -> JobRun:
    """Run the only job of a GitHub Actions workflow in ``checkout``."""
    (job,) = workflow["jobs"].values()
    files = {name: checkout.parent / f"{checkout.name}.{name.lower()}" for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_ENV")}
    for path in files.values():
        path.write_text("")
    base = _environment(tools, checkout.parent / "home", {
        "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(checkout), **{name: str(path) for name, path in files.items()},
        **{name: _substitute(str(value), secrets) for name, value in {**workflow.get("env", {}), **job.get("env", {})}.items()},
    })
    run = JobRun()
    for index, step in enumerate(job["steps"]):
        condition = step.get("if")
        if condition is not None and not ALWAYS.match(str(condition).strip()):
            raise NotImplementedError(f"a step condition this runner does not evaluate: {condition!r}")
        if not run.succeeded and condition is None:
            continue
        name = step.get("name") or step.get("uses") or f"step {index + 1}"
        if "uses" in step:
            if step["uses"].startswith("actions/upload-artifact@"):
                run.artifacts.append(step["with"])
            continue
        env = {**base, **{key: _substitute(str(value), secrets) for key, value in step.get("env", {}).items()}}
        script = _substitute(step["run"], secrets)
        finished = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=checkout, env=env, capture_output=True, text=True, timeout=600,
        )
        run.steps.append((name, finished.returncode, finished.stdout + finished.stderr))
    run.calls = _calls(tools)
    return run


def run_gitlab_job(config: dict, name: str, checkout: Path, variables: dict[str, str], tools: Path) -> JobRun:
    """Run job ``name`` of a GitLab CI configuration in ``checkout``: before_script and script, then after_script."""
    job = config[name]
    env = _environment(tools, checkout.parent / "home", {
        "GITLAB_CI": "true", "CI_PROJECT_DIR": str(checkout), **{k: str(v) for k, v in job.get("variables", {}).items()}, **variables,
    })
    run = JobRun()
    for section, lines in (("script", [*job.get("before_script", []), *job["script"]]), ("after_script", job.get("after_script", []))):
        if not lines:
            continue
        finished = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "\n".join(lines)],
            cwd=checkout, env=env, capture_output=True, text=True, timeout=600,
        )
        run.steps.append((section, finished.returncode, finished.stdout + finished.stderr))
    run.calls = _calls(tools)
    run.artifacts.append(job.get("artifacts", {}))
    return run

