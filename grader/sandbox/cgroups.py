"""Control groups: a hard memory bound, a process count bound and a CPU share for one kernel (or
one grading process), and a reliable way to find and kill every process in it, even those that
left its session.

Groups live under ``/sys/fs/cgroup[/<controller>]/recsys-grader/``; a supervised grading job
gets a folder of its own there (``recsys-grader/<job>/``) holding its grading process's group and
its kernels' groups, so that the supervisor can remove everything a job made even when the job's
process was killed.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP_NAME = "recsys-grader"
CPU_PERIOD_US = 100_000
V1_CONTROLLERS = ("memory", "pids", "cpu")


def _v2_root() -> Path | None:
    """The cgroup v2 mount with memory and pids controllers, if any."""
    for root in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        controllers = root / "cgroup.controllers"
        if controllers.is_file() and {"memory", "pids"} <= set(controllers.read_text().split()):
            return root
    return None


def _v1_roots() -> dict[str, Path] | None:
    """The cgroup v1 hierarchies (memory and pids required, cpu when mounted)."""
    roots = {name: CGROUP_ROOT / name for name in V1_CONTROLLERS if (CGROUP_ROOT / name / "cgroup.procs").is_file()}
    return roots if {"memory", "pids"} <= set(roots) else None


def _write(path: Path, value: str, required: bool = True) -> None:
    try:
        path.write_text(value)
    except OSError:
        if required:
            raise


def _v2_prepare(root: Path, parent: str) -> Path:
    """Create ``parent`` under ``root`` with the controllers delegated at every level."""
    folder = root
    wanted = {"memory", "pids", "cpu"} & set((root / "cgroup.controllers").read_text().split())
    for name in Path(parent).parts:
        folder = folder / name
        folder.mkdir(exist_ok=True)
        _write(folder / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted)), required=False)
    return folder


class KernelCgroup:
    """A cgroup (v2, else v1 memory + pids + cpu) holding one process tree.

    Create it with :meth:`create`, which returns None when the host gives no writable cgroups.
    """

    def __init__(self, directories: list[Path], version: int):
        self.directories = directories
        self.version = version

    @classmethod
    def create(
        cls, name: str, memory_bytes: int, processes: int | None, cpus: float | None = None, parent: str = GROUP_NAME
    ) -> KernelCgroup | None:
        """Make and configure ``parent/name``, or return None if cgroups are not writable here.

        Parameters
        ----------
        name:
            The group's folder name, unique under ``parent``.
        memory_bytes:
            Memory of every process in the group together (swap not allowed).
        processes:
            Processes and threads in the group (None: unbounded).
        cpus:
            CPU time per wall-clock second, in cores (None: unbounded).
        parent:
            Folder of the group below each hierarchy's root.
        """
        try:
            root = _v2_root()
            if root is not None:
                group = _v2_prepare(root, parent) / name
                group.mkdir()
                _write(group / "memory.max", str(memory_bytes))
                _write(group / "memory.swap.max", "0", required=False)
                if processes is not None:
                    _write(group / "pids.max", str(processes))
                if cpus is not None:
                    _write(group / "cpu.max", f"{max(1000, int(cpus * CPU_PERIOD_US))} {CPU_PERIOD_US}", required=False)
                return cls([group], 2)
            roots = _v1_roots()
            if roots is None:
                return None
            groups = {controller: hierarchy / parent / name for controller, hierarchy in roots.items()}
            for group in groups.values():
                group.mkdir(parents=True)
            _write(groups["memory"] / "memory.limit_in_bytes", str(memory_bytes))
            _write(groups["memory"] / "memory.memsw.limit_in_bytes", str(memory_bytes), required=False)
            if processes is not None:
                _write(groups["pids"] / "pids.max", str(processes))
            if cpus is not None and "cpu" in groups:
                _write(groups["cpu"] / "cpu.cfs_period_us", str(CPU_PERIOD_US), required=False)
                _write(groups["cpu"] / "cpu.cfs_quota_us", str(max(1000, int(cpus * CPU_PERIOD_US))), required=False)
            return cls([groups[c] for c in V1_CONTROLLERS if c in groups], 1)
        except OSError:
            return None

    def join_script(self) -> str:
        """Shell code that moves the current shell (and so what it execs) into the group."""
        return "".join(f'echo $$ > "{directory}/cgroup.procs" && ' for directory in self.directories)

    def add(self, pid: int) -> None:
        """Move process ``pid`` into the group."""
        for directory in self.directories:
            _write(directory / "cgroup.procs", str(pid))

    def pids(self) -> list[int]:
        """Every process still in the group."""
        return _procs(self.directories)

    def kill_all(self, wait: float = 5.0) -> bool:
        """SIGKILL every process in the group until it is empty; True when it emptied in time."""
        return _kill_procs(self.directories, self.version, wait)

    def memory_exhausted(self) -> bool:
        """Whether the group hit its memory bound (the OOM killer acted in it)."""
        try:
            if self.version == 2:
                events = (self.directories[0] / "memory.events").read_text().split()
            else:
                events = (self.directories[0] / "memory.oom_control").read_text().split()
            values = dict(zip(events[::2], events[1::2]))
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
            _rmdir(directory)


def _procs(directories: list[Path]) -> list[int]:
    found: set[int] = set()
    for directory in directories:
        try:
            found.update(int(line) for line in (directory / "cgroup.procs").read_text().split())
        except (OSError, ValueError):
            pass
    return sorted(found)


def _kill_procs(directories: list[Path], version: int, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while True:
        if version == 2:
            for directory in directories:
                _write(directory / "cgroup.kill", "1", required=False)
        remaining = _procs(directories)
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


def _rmdir(directory: Path) -> None:
    for _ in range(50):
        try:
            directory.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def remove_tree(parent: str) -> list[int]:
    """Kill every process in every group under ``parent`` and delete the groups, deepest first.

    Returns the pids that were still there (what a dead grading job left behind).
    """
    root = _v2_root()
    hierarchies = [root] if root is not None else list((_v1_roots() or {}).values())
    survivors: set[int] = set()
    for hierarchy in hierarchies:
        top = hierarchy / parent
        if not top.is_dir():
            continue
        groups = sorted((path for path in top.rglob("*") if path.is_dir()), key=lambda p: len(p.parts), reverse=True) + [top]
        for group in groups:
            survivors.update(_procs([group]))
            _kill_procs([group], 2 if root is not None else 1, 5.0)
            _rmdir(group)
    return sorted(survivors)
