"""Hostile notebooks against the full sandbox: every attack ends as a message in its own report,
nothing outside the kernel changes, no process survives, and an honest notebook graded next in
the same batch gets its normal grade."""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import replace
from pathlib import Path

import pytest

import grader
from grader.batch import grade_batch
from grader.grading import GradingSession
from grader.reports.formats import render_gradebook
from grader.sandbox import strongest_level

from sample_notebooks import HONEST_EXPLICIT, hostile_notebooks, notebook, write

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(strongest_level() != "full", reason="hostile notebooks are only run under full isolation (root, bubblewrap, cgroups)"),
]
SECRET = "s3cr3t-9f1c"


def _package_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(grader.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _processes_named(word: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if word in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def attack(tmp_path_factory, fast_options):
    """Grade every hostile notebook, then an honest one, in one batch; keep what is needed to judge."""
    folder = tmp_path_factory.mktemp("hostile")
    canary = folder / "canary.txt"
    canary.write_text("untouched")
    pwned = folder / "pwned"
    server = socket.create_server(("127.0.0.1", 0))
    secret_before = os.environ.get("GRADER_TEST_SECRET")
    os.environ["GRADER_TEST_SECRET"] = SECRET  # a CI secret the kernel must not see
    fingerprint = _package_fingerprint()
    notebooks = hostile_notebooks(canary, server.getsockname()[1], SECRET, pwned)
    paths = [write(folder, name, nb) for name, nb in notebooks.items()]
    paths.append(write(folder, "zz_honest", notebook(HONEST_EXPLICIT)))
    options = replace(fast_options, jobs=2, limits=replace(fast_options.limits, memory_bytes=2**30, processes=128))
    try:
        with GradingSession(options) as session:
            reports = grade_batch(paths, options, session, progress=False)
    finally:
        server.close()
        if secret_before is None:
            os.environ.pop("GRADER_TEST_SECRET", None)
    by_name = {path.stem: report for path, report in zip(paths, reports)}
    return {"reports": by_name, "canary": canary, "pwned": pwned, "fingerprint": fingerprint, "gradebook": render_gradebook(reports)}


def _valid(report):
    return next(t for t in report.parts[0].tests if t.name == "The graded function returns valid predictions")


def test_nothing_outside_the_kernel_changed(attack) -> None:
    assert attack["canary"].read_text() == "untouched"
    assert _package_fingerprint() == attack["fingerprint"]
    assert not attack["pwned"].exists(), "a pickle from the kernel was executed by the grader"
    assert not Path("/tmp/pwned").exists()


def test_no_process_of_any_submission_remains(attack) -> None:
    assert _processes_named("97.25") == []  # the detached daemon's sleep
    notes = {name: part.notes for name, report in attack["reports"].items() for part in report.parts if part.notes}
    assert not notes, notes


def test_every_submission_has_its_row_and_the_honest_one_its_normal_grade(attack) -> None:
    rows = attack["gradebook"].strip().splitlines()
    assert len(rows) == 1 + len(attack["reports"])
    honest = attack["reports"]["zz_honest"]
    assert honest.score == honest.max_score == 20


@pytest.mark.parametrize(
    "name", ["search_filesystem", "loopback", "environment_secret", "link_canary", "tamper_package", "kill_parent", "detached_daemon"]
)
def test_attacks_reach_nothing(attack, name: str) -> None:
    """These notebooks make predict_ratings raise 'LEAKED: ...' if the attack reached anything."""
    valid = _valid(attack["reports"][name])
    assert "LEAKED" not in valid.output
    assert valid.score == valid.max_score


def test_memory_bomb_is_stopped_at_the_memory_bound(attack) -> None:
    died = attack["reports"]["memory_bomb"].parts[0].execution.kernel_died
    assert "used more than 1.0 GiB of memory" in died


def test_fork_bomb_is_refused_by_the_process_bound(attack) -> None:
    report = attack["reports"]["fork_bomb"]
    assert report.parts[0].execution.kernel_died is None  # contained, and the kernel lived on


def test_interrupt_ignoring_loop_is_killed(attack) -> None:
    died = attack["reports"]["ignores_interrupt"].parts[0].execution.kernel_died
    assert "still running 3 s after being interrupted" in died


def test_output_flood_is_stopped_with_a_message(attack) -> None:
    report = attack["reports"]["output_flood"]
    died = report.parts[0].execution.kernel_died
    assert "output" in died or "memory" in died
    assert report.parts[0].execution.output_bytes < 200 * 2**20


def test_pickle_payload_is_refused(attack) -> None:
    valid = _valid(attack["reports"]["pickle_payload"])
    assert valid.score == 0 and ("wrong size" in valid.output or "type object" in valid.output)
