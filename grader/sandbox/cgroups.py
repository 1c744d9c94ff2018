"""Control groups for one kernel: a hard memory bound, a process count bound, and a reliable way
to find and kill every process the submission started (even those that left its session)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP_NAME = "recsys-grader"


def _v2_root() -> Path | None:
    """The cgroup v2 mount with memory and pids controllers, if any."""
    for root in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        controllers = root / "cgroup.controllers"
        if controllers.is_file() and {"memory", "pids"} <= set(controllers.read_text().split()):
            return root
    return None


def _v1_roots() -> dict[str, Path] | None:
    """The cgroup v1 memory and pids hierarchies, if both are mounted."""
    roots = {name: CGROUP_ROOT / name for name in ("memory", "pids")}
    if all((root / "cgroup.procs").is_file() for root in roots.values()):
        return roots
    return None


class KernelCgroup:
    """A cgroup (v2, else v1 memory + pids) holding one kernel and its descendants.

    Create it with :meth:`create`, which returns None when the host gives no writable cgroups.
    """

    def __init__(self, directories: list[Path], version: int):
        self.directories = directories
        self.version = version

    @classmethod
    def create(cls, job: str, memory_bytes: int, processes: int) -> KernelCgroup | None:
        """Make and configure the group, or return None if cgroups are not writable here."""
        try:
            root = _v2_root()
            if root is not None:
                parent = root / GROUP_NAME
                parent.mkdir(exist_ok=True)
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
                group = parent / job
                group.mkdir()
                (group / "memory.max").write_text(str(memory_bytes))
                if (group / "memory.swap.max").exists():
                    (group / "memory.swap.max").write_text("0")
                (group / "pids.max").write_text(str(processes))
                return cls([group], 2)
            roots = _v1_roots()
            if roots is None:
                return None
            memory = roots["memory"] / GROUP_NAME / job
            pids = roots["pids"] / GROUP_NAME / job
            memory.mkdir(parents=True)
            pids.mkdir(parents=True)
            (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
            swap = memory / "memory.memsw.limit_in_bytes"
            if swap.exists():
                try:
                    swap.write_text(str(memory_bytes))
                except OSError:
                    pass
            (pids / "pids.max").write_text(str(processes))
            return cls([memory, pids], 1)
        except OSError:
            return None

    def join_script(self) -> str:
        """Shell code that moves the current shell (and so what it execs) into the group."""
        return "".join(f'echo $$ > "{directory}/cgroup.procs" && ' for directory in self.directories)

    def pids(self) -> list[int]:
        """Every process still in the group."""
        found: set[int] = set()
        for directory in self.directories:
            try:
                found.update(int(line) for line in (directory / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return sorted(found)

    def kill_all(self, wait: float = 5.0) -> bool:
        """SIGKILL every process in the group until it is empty; True when it emptied in time."""
        kill_file = self.directories[0] / "cgroup.kill"
        deadline = time.monotonic() + wait
        while True:
            if self.version == 2 and kill_file.exists():
                try:
                    kill_file.write_text("1")
                except OSError:
                    pass
            remaining = self.pids()
            if not remaining:
                return True
            for pid in remaining:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def memory_exhausted(self) -> bool:
        """Whether the kernel hit the memory bound (the OOM killer acted in the group)."""
        try:
            if self.version == 2:
                events = (self.directories[0] / "memory.events").read_text().split()
                values = dict(zip(events[::2], events[1::2]))
                return int(values.get("oom_kill", 0)) > 0
            control = (self.directories[0] / "memory.oom_control").read_text().split()
            values = dict(zip(control[::2], control[1::2]))
            return int(values.get("oom_kill", 0)) > 0
        except (OSError, ValueError):
            return False

    def peak_memory(self) -> int | None:
        """Largest memory use seen, in bytes, where the kernel reports it."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((self.directories[0] / name).read_text())
        except (OSError, ValueError):
            return None

    def remove(self) -> None:
        """Kill what is left and delete the group."""
        self.kill_all()
        for directory in self.directories:
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
