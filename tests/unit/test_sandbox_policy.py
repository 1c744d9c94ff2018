"""The sandbox policy table and the launch commands it gives, exactly, for every level and grading
user: these run everywhere, also where no level above rlimits is available to try for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.sandbox import bubblewrap
from grader.sandbox.levels import LEVELS
from grader.sandbox.limits import Limits
from grader.sandbox.policy import Launch, explain, launch_command, policy

KERNEL = ["python", "-m", "ipykernel_launcher", "-f", "/run/k/kernel.json"]
LIMITS = Limits(memory_bytes=2 * 2**30, processes=64, file_bytes=2**20, open_files=128, cpu_seconds=99)
JAIL = ("bwrap", "--unshare-pid")
JOIN = "echo $$ > /sys/fs/cgroup/recsys-grader/job/cgroup.procs && "
RLIMITS = ["/usr/bin/prlimit", "--fsize=1048576", "--nofile=128", "--cpu=99", "--core=0"]
LANDLOCK = ("python", "-I", "-S", "/g/landlock.py", "--read", "/usr", "--write", "/tmp/job/work")
SETPRIV = ["/usr/bin/setpriv", "--reuid=61007", "--regid=61007", "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]


def _launch(**given) -> Launch:
    return Launch(KERNEL, LIMITS, 60.0, prlimit="/usr/bin/prlimit", setpriv="/usr/bin/setpriv", user_processes=40, **given)


@pytest.mark.parametrize(
    "level, as_root, given, expected",
    [
        ("full", True, {"uid": 61007, "jail": JAIL, "cgroup_join": JOIN},
         ["/bin/sh", "-c", JOIN + 'exec "$@"', "sh", *RLIMITS, "--nproc=64", "--", *JAIL, "--", *SETPRIV, *KERNEL]),
        ("namespaces", True, {"jail": JAIL},
         [RLIMITS[0], "--data=2147483648", *RLIMITS[1:], "--", *JAIL, "--", *KERNEL]),
        ("namespaces", False, {"jail": JAIL},
         [RLIMITS[0], "--data=2147483648", *RLIMITS[1:], "--nproc=104", "--", *JAIL, "--", *KERNEL]),
        ("rlimits", True, {"uid": 61007, "cgroup_join": JOIN},
         ["/bin/sh", "-c", JOIN + 'exec "$@"', "sh", *RLIMITS, "--nproc=64", "--", *SETPRIV, *KERNEL]),
        ("rlimits", True, {"uid": 61007},  # cgroups not writable: memory bounded per process
         [RLIMITS[0], "--data=2147483648", *RLIMITS[1:], "--nproc=64", "--", *SETPRIV, *KERNEL]),
        ("rlimits", False, {},
         [RLIMITS[0], "--data=2147483648", *RLIMITS[1:], "--nproc=104", "--", *KERNEL]),
        ("rlimits", True, {"uid": 61007, "cgroup_join": JOIN, "confine": LANDLOCK},  # the host has Landlock
         ["/bin/sh", "-c", JOIN + 'exec "$@"', "sh", *RLIMITS, "--nproc=64", "--", *LANDLOCK, "--", *SETPRIV, *KERNEL]),
        ("rlimits", False, {"confine": LANDLOCK},
         [RLIMITS[0], "--data=2147483648", *RLIMITS[1:], "--nproc=104", "--", *LANDLOCK, "--", *KERNEL]),
        ("full", True, {"uid": 61007, "jail": JAIL, "cgroup_join": JOIN, "confine": LANDLOCK},  # bubblewrap's view instead
         ["/bin/sh", "-c", JOIN + 'exec "$@"', "sh", *RLIMITS, "--nproc=64", "--", *JAIL, "--", *SETPRIV, *KERNEL]),
        ("none", True, {}, KERNEL),
        ("none", False, {}, KERNEL),
    ],
)
def test_each_level_launches_the_kernel_through_its_chain(level: str, as_root: bool, given: dict, expected: list[str]) -> None:
    assert launch_command(policy(level, as_root), _launch(**given)) == expected


def test_a_root_grader_drops_the_kernels_privileges_under_full_and_rlimits_only() -> None:
    dedicated = {(level, root): policy(level, root).dedicated_uid for level in LEVELS for root in (True, False) if (level, root) != ("full", False)}
    assert [key for key, value in dedicated.items() if value] == [("full", True), ("rlimits", True)]
    assert [level for level in LEVELS if policy(level, True).bounded_folders] == ["full", "namespaces", "rlimits"]
    assert not any(policy(level, False).bounded_folders for level in LEVELS if level != "full")


def test_landlock_confines_the_kernel_only_where_no_namespace_gives_it_a_view_of_its_own() -> None:
    assert [level for level in LEVELS if policy(level, True).landlock] == ["rlimits"]
    assert "Landlock" in policy("rlimits", True).readable
    assert "every file its uid can read" == policy("none", True).readable


def test_what_a_level_needs_is_refused_when_missing() -> None:
    with pytest.raises(ValueError, match="needs root"):
        policy("full", as_root=False)
    with pytest.raises(ValueError, match="no jail"):
        launch_command(policy("namespaces", False), _launch())
    with pytest.raises(ValueError, match="dedicated uid"):
        launch_command(policy("rlimits", True), _launch())
    with pytest.raises(ValueError, match="unknown sandbox level 'fulll'"):
        policy("fulll", True)


def test_the_bubblewrap_command_line(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bubblewrap, "bwrap_path", lambda: "/usr/bin/bwrap")
    monkeypatch.setattr(bubblewrap, "python_paths", lambda: ("/opt/venv",))
    monkeypatch.setattr(bubblewrap, "_system_binds", lambda: ["--ro-bind", "/usr", "/usr"])
    runtime, data = Path("/tmp/job/runtime"), Path("/tmp/job/public/explicit.npz")
    writable = {"tmp": Path("/tmp/job/tmp"), "work": Path("/tmp/job/work"), "shm": Path("/tmp/job/shm")}
    identity = {"/etc/passwd": Path("/tmp/job/passwd")}
    assert bubblewrap.bwrap_args(runtime, [data], identity, 2**30, True, ["/dev/nvidia0"], writable) == [
        "/usr/bin/bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--hostname", "grader", "--proc", "/proc", "--dev", "/dev",
        "--dev-bind", "/dev/nvidia0", "/dev/nvidia0",
        "--bind", "/tmp/job/tmp", "/tmp", "--bind", "/tmp/job/work", "/submission", "--bind", "/tmp/job/shm", "/dev/shm",
        "--ro-bind", "/usr", "/usr", "--ro-bind", "/tmp/job/passwd", "/etc/passwd",
        "--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", "/tmp/job",
        "--ro-bind", "/opt/venv", "/opt/venv", "--ro-bind", "/tmp/job/public/explicit.npz", "/submission/explicit.npz",
        "--bind", "/tmp/job/runtime", "/tmp/job/runtime", "--chdir", "/submission",
    ]
    unprivileged = bubblewrap.bwrap_args(runtime, [data], {}, 2**30, False, [], None)
    assert unprivileged[6] == "--unshare-user"
    assert unprivileged[unprivileged.index("/tmp") - 5 : unprivileged.index("/tmp") + 1] == ["--perms", "1777", "--size", str(2**30), "--tmpfs", "/tmp"]


def test_grader_sandbox_explain_prints_every_level() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--explain"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("strongest sandbox level here: ")
    for level in LEVELS:
        assert f"\n{level}: " in result.output
    assert "kernel runs as: a dedicated unprivileged uid" in explain(as_root=True)
    assert "full: needs root." in explain(as_root=False)
