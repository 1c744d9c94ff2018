"""Resource limits of one submission's kernel, with defaults every honest solution fits inside."""

from __future__ import annotations

import os
from dataclasses import dataclass

GIB = 1024**3


def usable_cores() -> int:
    """The cores this process may run on (a container's or a CPU set's share, not the machine's count).

    ``PYTHON_CPU_COUNT`` overrides it, as it overrides ``os.process_cpu_count()`` from Python 3.13:
    one process among several sharing a machine (a CI job, a test worker) takes its share only.
    """
    named = os.environ.get("PYTHON_CPU_COUNT", "")
    if named.isdigit() and int(named) > 0:
        return int(named)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class Limits:
    """Per-submission bounds.

    Attributes
    ----------
    memory_bytes:
        Memory of all the kernel's processes together (a memory cgroup where available, else a
        per-process data-segment limit). The reference solutions peak at about 0.6 GiB.
    processes:
        Processes and threads (torch starts one thread per core).
    file_bytes:
        Largest file the kernel may write.
    disk_bytes:
        Total size of the kernel's working folder and of its /tmp (each).
    open_files:
        Open file descriptors per process.
    cpu_seconds:
        CPU time per process; ``None`` derives it from the wall-clock timeout.
    cpus:
        Cores' worth of CPU time per second for all the kernel's processes together (a CPU
        cgroup where available), so that one submission cannot slow its neighbours past their
        time limits; ``None``: unbounded.
    files:
        Files and folders in each writable folder (where the grader can mount tmpfs folders).
    """

    memory_bytes: int = 6 * GIB
    processes: int = 512
    file_bytes: int = 1 * GIB
    disk_bytes: int = 1 * GIB
    open_files: int = 4096
    cpu_seconds: int | None = None
    cpus: float | None = None
    files: int = 100_000

    def cpu_limit(self, timeout_seconds: float) -> int:
        """CPU seconds allowed: the explicit value, or every core busy for the whole timeout."""
        if self.cpu_seconds is not None:
            return self.cpu_seconds
        return int(timeout_seconds * usable_cores()) + 60

    def describe(self) -> str:
        """One line for reports."""
        return (
            f"memory {self.memory_bytes / GIB:.1f} GiB, {self.processes} processes/threads, "
            f"files up to {self.file_bytes / GIB:.1f} GiB, working folder {self.disk_bytes / GIB:.1f} GiB, "
            f"{self.open_files} open files, {self.files:,} files per writable folder, "
            f"{'unbounded CPU' if self.cpus is None else f'{self.cpus:g} CPUs'}"
        )
