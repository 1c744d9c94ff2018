"""Every bound the grader sets on a submission, with its default, in one place.

:class:`~grader.sandbox.limits.Limits` holds the kernel's resource limits (memory, processes,
files, CPU); :data:`BOUNDS` holds the rest: the default time limits, what a kernel may send and
print, and the fixed sizes of the folders the grader makes. The grading options, the command
line and the modules that enforce them read their values here, and the Limits table of
docs/limits.md is :func:`limits_table` (a test keeps them equal; print it with
``python -c "from grader.bounds import limits_table; from grader.sandbox import Limits; print(limits_table(Limits()))"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.limits import Limits

MIB = 1024**2


@dataclass(frozen=True)
class Bounds:
    """Defaults of the time limits, and the fixed bounds no option changes."""

    notebook_seconds: float = 900.0
    """Default of ``--timeout``: one notebook's whole execution."""
    predict_seconds: float = 300.0
    """Default of ``--predict-timeout``: the graded function over the whole hidden split."""
    interrupt_grace_seconds: float = 10.0
    """A cell past its bound that ignores the interrupt this long is killed."""
    grading_slack_seconds: float = 120.0
    """What a grading process may take beyond the notebook's and the prediction's limits."""
    grader_memory_bytes: int = 2 * 1024 * MIB
    """Default of ``--grader-memory``: one notebook's grading process (not its kernel)."""
    runtime_bytes: int = MIB
    runtime_files: int = 64
    """The runtime folder holds a connection file and five sockets."""
    kernel_log_bytes: int = 4 * MIB
    """The kernel's own stdout and stderr (read when a kernel fails to start)."""
    stored_output_bytes: int = MIB
    """Output kept in the executed notebook; the rest is counted and dropped."""
    flood_output_bytes: int = 32 * MIB
    """Output (display updates included) past which the kernel is stopped."""
    message_bytes: int = 64 * MIB
    """One message from the kernel, measured before it is decoded."""
    traffic_bytes: int = 512 * MIB
    """All the messages of one submission's kernel."""
    report_bytes: int = 64 * MIB
    """A grading process's report to its supervisor."""
    notebook_file_bytes: int = 50 * MIB
    """A submitted notebook file."""
    listed_errors: int = 20
    """Failing cells listed with message and traceback (later ones are counted)."""


BOUNDS = Bounds()


def _size(size: int) -> str:
    for unit, scale in (("GiB", 1024 * MIB), ("MiB", MIB)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size:,} bytes"


def limits_table(limits: Limits, bounds: Bounds = BOUNDS) -> str:
    """The Limits table of docs/limits.md (Markdown) of ``limits`` (the kernel's defaults) and ``bounds``."""
    rows = [
        ("whole notebook", f"{bounds.notebook_seconds:g} s", "`--timeout`"),
        ("one cell", "the notebook's bound", "`--cell-timeout`"),
        ("graded function over the hidden split", f"{bounds.predict_seconds:g} s", "`--predict-timeout`"),
        ("memory of all the kernel's processes", _size(limits.memory_bytes), "`--memory`"),
        ("processes and threads", f"{limits.processes:,}", "`--processes`"),
        ("working folder, /tmp and /dev/shm", f"{_size(limits.disk_bytes)} each ({limits.files:,} files each, as root)", "`--disk`"),
        ("runtime folder (connection file, sockets; as root)", f"{_size(bounds.runtime_bytes)}, {bounds.runtime_files} files", ""),
        ("the kernel's own stdout and stderr (its log on the host; as root)", _size(bounds.kernel_log_bytes), ""),
        ("one file", _size(limits.file_bytes), "`--file-size`"),
        ("open files", f"{limits.open_files:,}", "`--open-files`"),
        ("CPU time per process", "timeout x cores" if limits.cpu_seconds is None else f"{limits.cpu_seconds:,} s", "`--cpu-seconds`"),
        ("CPU share of all the kernel's processes (CPU cgroup)", "cores / `--jobs`" if limits.cpus is None else f"{limits.cpus:g} cores", "`--cpus`"),
        ("memory of the grading process of one notebook (not its kernel)", _size(bounds.grader_memory_bytes), "`--grader-memory`"),
        ("output kept / output before the kernel is stopped", f"{_size(bounds.stored_output_bytes)} / {_size(bounds.flood_output_bytes)} (display updates included)", ""),
        ("one message from the kernel / all its messages", f"{_size(bounds.message_bytes)} / {_size(bounds.traffic_bytes)}", ""),
        ("a grading process, beyond the notebook's and the prediction's limits", f"{bounds.grading_slack_seconds:g} s", ""),
        ("notebook file", f"{_size(bounds.notebook_file_bytes)}, a regular file (symbolic links are refused, never followed)", ""),
        ("failing cells listed with message and traceback", f"{bounds.listed_errors} (later ones counted)", ""),
        ("a cell that ignores its interrupt", f"killed after {bounds.interrupt_grace_seconds:g} s more", ""),
    ]
    lines = ["| bound | default | option |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {option} |" for name, value, option in rows]
    return "\n".join(lines)
