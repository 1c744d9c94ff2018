"""What each sandbox level does to a kernel, as data, and the pure function that turns it into the
kernel's launch command.

One row per level and grading user (root or not) says what the level isolates, how the kernel's
uid is chosen, which folders are bounded and which limits apply; :class:`KernelSandbox`
(:mod:`grader.sandbox.jail`) and the supervisor ask the row instead of comparing level names,
and ``grader sandbox --explain`` prints the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.sandbox.levels import GUARANTEES, LEVELS
from grader.sandbox.limits import Limits

CGROUPS = ("required", "where writable", "none")


@dataclass(frozen=True)
class Policy:
    """One level's treatment of a kernel.

    Attributes
    ----------
    namespaces:
        bubblewrap: its own filesystem view, no network, its own processes, IPC and host name.
    user_namespace:
        bubblewrap maps the grading user into an unprivileged user namespace (not root).
    dedicated_uid:
        The kernel runs as an unprivileged uid leased for it alone, whose processes, keyrings
        and files are cleared before the uid is leased again.
    cgroups:
        Memory, process and CPU cgroups: ``required``, ``where writable`` or ``none``.
    bounded_folders:
        Every place the kernel may write is a tmpfs of bounded size and file count.
    rlimits:
        prlimit bounds file size, open files, CPU time and core dumps (and processes where
        they count for the kernel alone).
    landlock:
        Without a filesystem view of its own the kernel is confined by Landlock, where the host
        has it: it reads only the system's and Python's files and its own folders, writes only
        its own folders, and cannot trace, signal or connect out (:mod:`grader.sandbox.landlock`).
    """

    level: str
    as_root: bool
    namespaces: bool
    user_namespace: bool
    dedicated_uid: bool
    cgroups: str
    bounded_folders: bool
    rlimits: bool
    landlock: bool

    @property
    def memory_bound(self) -> str:
        """How the memory of the kernel's processes is bounded."""
        if self.cgroups == "required":
            return "a memory cgroup for all its processes"
        if self.cgroups == "where writable":
            return "a memory cgroup for all its processes (where cgroups are writable; else a data-segment rlimit per process)"
        return "a data-segment rlimit per process" if self.rlimits else "none"

    @property
    def readable(self) -> str:
        """Which files the kernel can read."""
        if self.namespaces:
            return "only what its filesystem view holds: the system's, Python's, the public data and its own folders"
        if self.landlock:
            return ("only the system's and Python's files, the public data and its own folders (Landlock, where the "
                    "host kernel has it; else every file its uid can read)")
        return "every file its uid can read"

    @property
    def kernel_user(self) -> str:
        """Whose rights the kernel has."""
        if self.dedicated_uid:
            return "a dedicated unprivileged uid (61000 and up), leased for this kernel alone"
        if self.user_namespace:
            return f"the grading user{' (root)' if self.as_root else ''}, inside a user namespace"
        return "root (the grading user)" if self.as_root else "the grading user"

    def rows(self) -> list[tuple[str, str]]:
        """The row in words, for ``grader sandbox --explain``."""
        yes = {True: "yes", False: "no"}
        return [
            ("own filesystem view, network, processes", yes[self.namespaces]),
            ("kernel runs as", self.kernel_user),
            ("files it can read", self.readable),
            ("cgroups (memory, processes, CPU)", self.cgroups),
            ("memory bound", self.memory_bound),
            ("writable folders bounded in size and files", yes[self.bounded_folders]),
            ("rlimits (file size, open files, CPU time, core dumps)", yes[self.rlimits]),
        ]


def policy(level: str, as_root: bool) -> Policy:
    """The row for ``level`` when the grader runs as root (``as_root``) or not.

    The rule that a root grader drops the kernel's privileges stands here only: under ``full``,
    and under ``rlimits`` as root, the kernel gets a dedicated uid (and with it cgroups).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown sandbox level {level!r}; the levels are {', '.join(LEVELS)}")
    if level == "full" and not as_root:
        raise ValueError("the full sandbox level needs root")
    dedicated = level == "full" or (level == "rlimits" and as_root)
    return Policy(
        level=level,
        as_root=as_root,
        namespaces=level in ("full", "namespaces"),
        user_namespace=level == "namespaces",
        dedicated_uid=dedicated,
        cgroups="required" if level == "full" else "where writable" if dedicated else "none",
        bounded_folders=as_root and level != "none",
        rlimits=level != "none",
        landlock=level == "rlimits",
    )


@dataclass(frozen=True)
class Launch:
    """What one kernel's launch command is made of, found on the host by the sandbox.

    Attributes
    ----------
    kernel_command:
        The kernel's own command line (Jupyter's).
    limits, timeout:
        Its bounds, and the wall-clock bound the CPU-time limit derives from.
    prlimit, setpriv:
        Paths of util-linux's tools.
    uid:
        The kernel's dedicated uid, where the policy gives it one.
    user_processes:
        Processes and threads the grading user runs now: RLIMIT_NPROC counts them too when the
        kernel keeps that user's uid.
    jail:
        bubblewrap's arguments (before the ``--``), where the policy uses namespaces.
    cgroup_join:
        Shell that moves the launched process into the kernel's cgroup, where it has one.
    confine:
        The Landlock wrapper's command (before its ``--``), where the policy and the host have it.
    """

    kernel_command: list[str]
    limits: Limits
    timeout: float
    prlimit: str = "prlimit"
    setpriv: str = "setpriv"
    uid: int | None = None
    user_processes: int = 0
    jail: tuple[str, ...] = ()
    cgroup_join: str | None = None
    confine: tuple[str, ...] = ()


def launch_command(rules: Policy, launch: Launch) -> list[str]:
    """The whole launch chain: [cgroup join] -> prlimit -> [bubblewrap] -> [Landlock] -> [setpriv] -> kernel."""
    if not rules.rlimits:
        return list(launch.kernel_command)
    limits = launch.limits
    prefix = [
        launch.prlimit, f"--fsize={limits.file_bytes}", f"--nofile={limits.open_files}",
        f"--cpu={limits.cpu_limit(launch.timeout)}", "--core=0",
    ]
    if rules.dedicated_uid:  # the uid is the kernel's alone: NPROC counts its processes only
        prefix.append(f"--nproc={limits.processes}")
    elif not rules.as_root:  # NPROC counts all of this user's processes: leave room for them
        prefix.append(f"--nproc={launch.user_processes + limits.processes}")
    if launch.cgroup_join is None:  # no memory cgroup: bound each process's data segment
        prefix.insert(1, f"--data={limits.memory_bytes}")
    inner = list(launch.kernel_command)
    if rules.dedicated_uid:
        if launch.uid is None:
            raise ValueError(f"the {rules.level} level runs the kernel as a dedicated uid, and none was leased")
        uid = str(launch.uid)
        inner = [launch.setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                 "--inh-caps=-all", "--bounding-set=-all", "--", *inner]
    if rules.landlock and launch.confine:  # before setpriv: its rules may name folders only the grader reaches
        inner = [*launch.confine, "--", *inner]
    if rules.namespaces:
        if not launch.jail:
            raise ValueError(f"the {rules.level} level runs the kernel in bubblewrap, and no jail was given")
        inner = [*launch.jail, "--", *inner]
    wrapped = [*prefix, "--", *inner]
    if launch.cgroup_join is not None:
        return ["/bin/sh", "-c", launch.cgroup_join + 'exec "$@"', "sh", *wrapped]
    return wrapped


def explain(as_root: bool) -> str:
    """Every level's row for a grader running as root or not, as plain text."""
    lines = [f"Sandbox levels for a grader running {'as root' if as_root else 'without root'} (strongest first):"]
    for level in LEVELS:
        if level == "full" and not as_root:
            lines += ["", "full: needs root."]
            continue
        lines += ["", f"{level}: {GUARANTEES[level]}"]
        lines += [f"  {name}: {value}" for name, value in policy(level, as_root).rows()]
    return "\n".join(lines)
