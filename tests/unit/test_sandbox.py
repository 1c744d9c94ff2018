"""Choosing the isolation level (never a silent downgrade), the limits, and telling a dead process
from a survivor at teardown."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader.sandbox import levels
from grader.sandbox.limits import Limits, usable_cores
from grader.sandbox.uids import _is_zombie, remove_files_of_uid


@pytest.mark.parametrize("available", ["namespaces", "rlimits", "none"])
def test_auto_warns_loudly_below_full(monkeypatch, available: str) -> None:
    monkeypatch.setattr(levels, "strongest_level", lambda: available)
    level, warning = levels.choose_level("auto")
    assert level == available and warning.startswith("WARNING") and "strict" in warning


def test_strict_refuses_without_full_isolation(monkeypatch) -> None:
    monkeypatch.setattr(levels, "strongest_level", lambda: "rlimits")
    with pytest.raises(levels.SandboxUnavailable, match="bubblewrap"):
        levels.choose_level("strict")


def test_full_needs_no_warning(monkeypatch) -> None:
    monkeypatch.setattr(levels, "strongest_level", lambda: "full")
    assert levels.choose_level("auto") == ("full", None)
    assert levels.choose_level("strict") == ("full", None)


def test_none_is_always_possible_and_warns() -> None:
    level, warning = levels.choose_level("none")
    assert level == "none" and "WITHOUT isolation" in warning


def test_every_level_has_documented_guarantees() -> None:
    assert set(levels.GUARANTEES) == set(levels.LEVELS)


def test_cpu_limit_follows_the_timeout() -> None:
    assert Limits(cpu_seconds=5).cpu_limit(100) == 5
    assert Limits().cpu_limit(100) >= 100


@pytest.mark.parametrize("named, expected", [("3", 3), ("1", 1), ("0", None), ("many", None), ("", None)])
def test_python_cpu_count_names_this_processs_share_of_cores(monkeypatch, named: str, expected: int | None) -> None:
    """A positive PYTHON_CPU_COUNT wins, as in Python 3.13; anything else leaves the CPU set."""
    monkeypatch.setenv("PYTHON_CPU_COUNT", named)
    assert usable_cores() == (expected or len(os.sched_getaffinity(0)))


def test_an_unreaped_child_is_a_zombie_not_a_survivor() -> None:
    child = os.fork()
    if child == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + 5
        while not _is_zombie(Path(f"/proc/{child}")) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _is_zombie(Path(f"/proc/{child}"))
        assert not _is_zombie(Path(f"/proc/{os.getpid()}"))
    finally:
        os.waitpid(child, 0)


@pytest.mark.skipif(os.geteuid() != 0, reason="files of another uid can only be made as root")
def test_what_a_uid_owns_in_shared_folders_is_removed_and_nothing_else(tmp_path: Path) -> None:
    uid, other = 61990, 61991
    shared = tmp_path / "tmp"
    (shared / "sticky" / "deeper").mkdir(parents=True)
    (shared / "private").mkdir(mode=0o700)
    for folder in (shared, shared / "sticky", shared / "sticky" / "deeper"):
        folder.chmod(0o1777)
    owned = {shared / "note", shared / "sticky" / "deeper" / "note", shared / "private" / "unreachable"}
    (shared / "owned-folder" / "inner").mkdir(parents=True)
    (shared / "owned-folder" / "inner" / "data").write_text("x")
    for path in owned:
        path.write_text("for the next kernel")
    (shared / "kept").write_text("someone else's")
    (shared / "link").symlink_to(shared / "kept")
    for path in [*owned, shared / "owned-folder", shared / "owned-folder" / "inner", shared / "owned-folder" / "inner" / "data", shared / "link"]:
        os.lchown(path, uid, uid)
    os.chown(shared / "kept", other, other)
    removed = remove_files_of_uid(uid, (str(shared),))
    assert sorted(removed) == sorted(str(p) for p in [shared / "note", shared / "sticky" / "deeper" / "note", shared / "owned-folder", shared / "link"])
    assert (shared / "kept").read_text() == "someone else's"
    assert (shared / "private" / "unreachable").exists(), "a folder the uid cannot enter is not searched"


def test_a_reaped_kernels_pid_is_never_signalled(tmp_path: Path) -> None:
    """Its pid may by then lead another process group (another submission's kernel)."""
    import subprocess

    from grader.sandbox.jail import KernelSandbox

    bystander = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        sandbox = KernelSandbox("none", Limits(), [], 60, "cpu", 1)
        sandbox.process = type("Reaped", (), {"pid": bystander.pid, "poll": lambda self: 0})()
        sandbox.close()
        time.sleep(0.2)
        assert bystander.poll() is None, "the process now holding the old pid was killed"
    finally:
        bystander.kill()
        bystander.wait()
