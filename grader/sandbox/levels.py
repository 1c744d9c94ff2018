"""Which isolation this host supports, and the choice the ``--sandbox`` option makes from it."""

from __future__ import annotations

import os
import shutil
from functools import lru_cache

from grader.sandbox import landlock
from grader.sandbox.bubblewrap import bwrap_works
from grader.sandbox.cgroups import KernelCgroup

LEVELS = ("full", "namespaces", "rlimits", "none")
MODES = ("auto", "strict", "none")

GUARANTEES = {
    "full": "bubblewrap namespaces (own filesystem view, no network, own processes), a dedicated "
    "unprivileged uid, memory and process cgroups, rlimits",
    "namespaces": "bubblewrap namespaces as the grading user, rlimits (memory bounded per process "
    "only; no process-tree memory bound)",
    "rlimits": "resource limits, own session, a minimal environment and, where the host has Landlock, "
    "file access confined to the system's and Python's files and its own folders (as root also a "
    "dedicated unprivileged uid, cgroups and bounded tmpfs folders): the kernel sees other processes "
    "and can send UDP",
    "none": "no isolation at all (debugging only): never grade untrusted notebooks this way",
}


class SandboxUnavailable(RuntimeError):
    """``--sandbox strict`` was asked for on a host that cannot give full isolation."""


@lru_cache(maxsize=1)
def strongest_level() -> str:
    """The strongest level this host supports (probed once per process)."""
    is_root = os.geteuid() == 0
    has_tools = all(shutil.which(tool) for tool in ("prlimit", "setpriv"))
    if is_root and has_tools and bwrap_works(as_root=True) and _cgroups_writable():
        return "full"
    if shutil.which("prlimit") and bwrap_works(as_root=False):
        return "namespaces"
    if shutil.which("prlimit"):
        return "rlimits"
    return "none"


def _cgroups_writable() -> bool:
    probe = KernelCgroup.create(f"probe-{os.getpid()}", 1 << 30, 16)
    if probe is None:
        return False
    probe.remove()
    return True


def choose_level(mode: str) -> tuple[str, str | None]:
    """The level for a ``--sandbox`` mode, and a warning to show when it is below full.

    Raises SandboxUnavailable for ``strict`` when full isolation is not available.
    """
    if mode == "none":
        return "none", "WARNING: --sandbox none: notebooks run WITHOUT isolation. Debugging only."
    level = strongest_level()
    if level == "full":
        return level, None
    if mode == "strict":
        raise SandboxUnavailable(
            f"--sandbox strict needs full isolation, but this host only supports '{level}' "
            f"({GUARANTEES[level]}). Full isolation needs root, bubblewrap (apt install bubblewrap), "
            f"util-linux (prlimit, setpriv) and writable cgroups."
        )
    return level, (
        f"WARNING: sandbox level '{level}', below full isolation: {GUARANTEES[level]}. "
        f"{landlock_note() + ' ' if level == 'rlimits' else ''}{_missing()}See docs/security.md; use --sandbox strict for official grading."
    )


def _missing() -> str:
    """What this host lacks for full isolation, and how to get it."""
    if shutil.which("bwrap") is None:
        return (
            "bubblewrap is not installed: install it (apt install bubblewrap, or dnf install bubblewrap) "
            "for filesystem, network and process isolation. "
        )
    if os.geteuid() != 0:
        return "Full isolation needs root (a dedicated uid per kernel and cgroups). "
    return ""


def landlock_note() -> str:
    """Whether the rlimits level can confine the kernel's files on this host, in words."""
    if landlock.abi():
        return f"Landlock ABI {landlock.abi()}: at rlimits the kernel's file access is confined."
    return ("Landlock is not available (Linux 5.13 or later, with landlock among the boot's lsm=): at rlimits "
            "the kernel can read every file its uid can read.")
