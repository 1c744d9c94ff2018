"""Each isolation level actually runs a kernel, with the minimal environment, and the full level
hides the host: other uid, no dataset, no network, read-only interpreter."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from grader.grading import GradingSession
from grader.sandbox import strongest_level

from sample_notebooks import HONEST_EXPLICIT, notebook, write

pytestmark = pytest.mark.slow
LEVEL_ORDER = ["full", "namespaces", "rlimits", "none"]
AVAILABLE = LEVEL_ORDER[LEVEL_ORDER.index(strongest_level()):]

PROBE = """
import os, socket, sys
facts = {
    "uid": os.getuid(),
    "environment": sorted(os.environ),
    "cwd": os.getcwd(),
    "sees_data_dir": os.path.exists(os.environ.get("PROBE_DATA_DIR", "/nonexistent")) if "PROBE_DATA_DIR" in os.environ else None,
    "can_write_interpreter": os.access(sys.prefix, os.W_OK),
    "tmp_writable": os.access(__import__("tempfile").gettempdir(), os.W_OK),
}
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    facts["network"] = True
except OSError:
    facts["network"] = False
"""


@pytest.mark.parametrize("level", AVAILABLE)
def test_every_available_level_grades_an_honest_notebook(fast_options, tmp_path: Path, level: str) -> None:
    path = write(tmp_path, "honest", notebook(HONEST_EXPLICIT))
    with GradingSession(replace(fast_options, sandbox=level), sandbox_level=level) as session:
        report = session.grade(path)
    assert report.sandbox == level and report.score == report.max_score


@pytest.mark.parametrize("level", AVAILABLE)
def test_kernel_environment_is_a_short_allowlist(fast_options, tmp_path: Path, level: str, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    probe = notebook(PROBE, "import numpy as np\ndef predict_ratings(u, i):\n"
                     "    assert not any('TOKEN' in name for name in os.environ), sorted(os.environ)\n    return np.full(len(u), 3.5)")
    with GradingSession(fast_options, sandbox_level=level) as session:
        report = session.grade(write(tmp_path, "probe", probe))
    valid = next(t for t in report.parts[0].tests if "valid" in t.name)
    assert valid.score == valid.max_score, valid.output


@pytest.mark.skipif(strongest_level() != "full", reason="needs full isolation (root, bubblewrap, cgroups)")
def test_full_level_hides_the_host(fast_options, tmp_path: Path) -> None:
    data_dir = os.environ.get("GRADER_DATA_DIR", str(tmp_path))
    checks = (
        PROBE.replace('os.environ.get("PROBE_DATA_DIR", "/nonexistent")', repr(data_dir)).replace('if "PROBE_DATA_DIR" in os.environ else None', "")
        + "\nimport numpy as np\ndef predict_ratings(u, i):\n"
        "    assert facts['uid'] != 0 and not facts['sees_data_dir'] and not facts['network'], facts\n"
        "    assert not facts['can_write_interpreter'] and facts['cwd'] == '/submission', facts\n"
        "    assert facts['tmp_writable'], facts\n"
        "    return np.full(len(u), 3.5)"
    )
    with GradingSession(fast_options, sandbox_level="full") as session:
        report = session.grade(write(tmp_path, "probe", notebook(checks)))
    valid = next(t for t in report.parts[0].tests if "valid" in t.name)
    assert valid.score == valid.max_score, valid.output
