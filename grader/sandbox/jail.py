"""One kernel's sandbox: its folders, environment, launch command, limits, and its teardown.

Levels, strongest first (see :mod:`grader.sandbox.levels`):

- ``full``: bubblewrap namespaces, a dedicated unprivileged uid, memory, process and CPU
  cgroups, rlimits. Needs root and bubblewrap.
- ``namespaces``: bubblewrap in an unprivileged user namespace, rlimits (memory bounded per
  process through the data-segment limit). Needs bubblewrap and user namespaces.
- ``rlimits``: a plain kernel process with rlimits, its own session and a minimal environment,
  its file access confined by Landlock where the host kernel has it; run as root, the grader
  still drops the kernel to a dedicated uid and adds cgroups.
- ``none``: a plain kernel with a minimal environment; for debugging only.

As root, every place the kernel can write (its working folder, /tmp, /dev/shm and the runtime
folder with its connection file and sockets) is a tmpfs of bounded size and file count; without
root, bubblewrap's size-limited tmpfs folders are used and the runtime folder is a plain folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

from grader.bounds import BOUNDS
from grader.sandbox import landlock
from grader.sandbox.bubblewrap import ETC_FILES, SYSTEM_FOLDERS, WORKDIR, bwrap_args, python_paths
from grader.sandbox.cgroups import GROUP_NAME, KernelCgroup
from grader.sandbox.limits import Limits
from grader.sandbox.mounts import mount_tmpfs, unmount
from grader.sandbox.policy import Launch, launch_command, policy
from grader.sandbox.uids import UidLease, clear_uid
from grader.tempfolders import make_temp_folder


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} (util-linux) is not installed")
    return found


def _user_process_count() -> int:
    """Processes and threads this user runs now (what RLIMIT_NPROC counts for a non-root user)."""
    uid, count = os.getuid(), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(entry / "task"))
            except OSError:
                pass
    return count


class KernelSandbox:
    """Everything about how one kernel is confined; use as a context manager.

    Parameters
    ----------
    level:
        ``full``, ``namespaces``, ``rlimits`` or ``none``.
    limits:
        Resource bounds.
    public_files:
        Staged public data the kernel may read.
    timeout:
        Wall-clock bound of the whole run, used to derive the CPU-time limit.
    device:
        ``cpu`` or ``cuda``: which devices the kernel may see.
    threads:
        CPU threads the kernel's numeric libraries may use.
    uid:
        A uid already leased for this kernel by a supervisor (which then clears it after the
        run); by default the sandbox leases one itself where it drops privileges.
    cgroup_parent:
        Where the kernel's cgroup is made (a supervised job's own folder).
    """

    def __init__(
        self, level: str, limits: Limits, public_files: list[Path], timeout: float, device: str, threads: int,
        uid: int | None = None, cgroup_parent: str = GROUP_NAME,
    ):
        self.level = level
        self.policy = policy(level, os.geteuid() == 0)
        self.limits = limits
        self.timeout = timeout
        self.device = device
        self.threads = threads
        self.job_dir = make_temp_folder("kernel")
        self.runtime_dir = self.job_dir / "runtime"
        self.runtime_dir.mkdir()
        self.writable: dict[str, Path] = {}  # tmpfs folders by where the kernel sees them
        self.log_path = self.job_dir / "kernel.log"  # on a bounded tmpfs of its own where one can be mounted
        self._log_mount: Path | None = None
        self.uid = uid
        self.uid_lease: UidLease | None = None
        self.cgroup_parent = cgroup_parent
        self.cgroup: KernelCgroup | None = None
        self.process = None  # the launched process, set by the kernel manager
        self.killed_by_grader: str | None = None
        try:
            self._prepare(public_files)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> KernelSandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _prepare(self, public_files: list[Path]) -> None:
        rules, limits = self.policy, self.limits
        staged = self.job_dir / "public"
        staged.mkdir()
        self.public_files = [Path(shutil.copy2(path, staged / path.name)) for path in public_files]
        if rules.dedicated_uid and self.uid is None:
            self.uid_lease = UidLease()
            self.uid = self.uid_lease.uid
        owner = self.uid if rules.dedicated_uid else None
        if rules.bounded_folders:
            self._mount_writable(owner)
        if rules.namespaces:
            self.workdir = WORKDIR
        else:
            work = self.writable.get("work") or self.job_dir / "work"
            work.mkdir(exist_ok=True)
            for path in self.public_files:
                os.symlink(path, work / path.name)
            self.workdir = str(work)
        if rules.dedicated_uid:
            self.cgroup = KernelCgroup.create(self.job_dir.name, limits.memory_bytes, limits.processes, limits.cpus, self.cgroup_parent)
            if self.cgroup is None and rules.cgroups == "required":
                raise RuntimeError("cgroups are not writable")
            os.chown(self.runtime_dir, self.uid, self.uid)
            os.chmod(self.job_dir, 0o755)
            os.chmod(self.runtime_dir, 0o700)
            os.chmod(staged, 0o755)
            self._write_identity_files()

    def _mount_writable(self, owner: int | None) -> None:
        """tmpfs folders bounded in size and file count for every place the kernel may write."""
        mount_tmpfs(self.runtime_dir, BOUNDS.runtime_bytes, BOUNDS.runtime_files, owner)
        self.writable["runtime"] = self.runtime_dir
        self._log_mount = self.job_dir / "log"
        self._log_mount.mkdir()
        mount_tmpfs(self._log_mount, BOUNDS.kernel_log_bytes, 4)  # the grader's: the kernel only has the open file
        self.log_path = self._log_mount / "kernel.log"
        for name in ("work", "tmp", "shm"):
            folder = self.job_dir / name
            folder.mkdir()
            mode = 0o700 if name == "work" else 0o1777
            mount_tmpfs(folder, self.limits.disk_bytes, self.limits.files, owner, mode)
            self.writable[name] = folder

    # --- what the kernel manager asks for -----------------------------------------------------

    @property
    def connection_file(self) -> str:
        """Where the connection file is written (readable inside the sandbox)."""
        return str(self.runtime_dir / "kernel.json")

    @property
    def ipc_path(self) -> str:
        """Prefix of the kernel's IPC socket files."""
        return str(self.runtime_dir / "kernel-ipc")

    @property
    def launch_cwd(self) -> str:
        """Working folder of the launched process on the host."""
        return str(self.runtime_dir) if self.policy.namespaces else self.workdir

    def kernel_path(self, host_file: Path) -> str:
        """Where a staged public file appears to the kernel."""
        return f"{self.workdir}/{host_file.name}"

    def environment(self, extra: dict[str, str]) -> dict[str, str]:
        """The kernel's whole environment: a short allowlist, no inherited secrets."""
        home = self.workdir
        python_bin = str(Path(sys.executable).parent)
        env = {
            "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "TMPDIR": "/tmp" if self.policy.namespaces else str(self.writable.get("tmp", home)),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": f"{home}/.config/matplotlib",
            "IPYTHONDIR": f"{home}/.ipython",
            "XDG_CACHE_HOME": f"{home}/.cache",
            "OMP_NUM_THREADS": str(self.threads),
            "MKL_NUM_THREADS": str(self.threads),
            "GRADER_DEVICE": self.device,
            # Inside a new PID namespace the grader's pid means nothing: "1" disables ipykernel's
            # parent poller there; bubblewrap's --die-with-parent does that job instead.
            "JPY_PARENT_PID": "1" if self.policy.namespaces else str(os.getpid()),
        }
        if self.device != "cuda":
            env["CUDA_VISIBLE_DEVICES"] = ""
        env.update(extra)
        return env

    def command(self, kernel_command: list[str]) -> list[str]:
        """Wrap the kernel command in the sandbox's launch chain (:func:`launch_command`).

        Called once the connection file is written; with a dedicated uid it is handed to that uid.
        """
        rules = self.policy
        if rules.dedicated_uid and Path(self.connection_file).exists():
            os.chown(self.connection_file, self.uid, self.uid)
        if not rules.rlimits:
            return kernel_command
        jail: list[str] = []
        if rules.namespaces:
            gpus = [str(p) for p in Path("/dev").glob("nvidia*")] if self.device == "cuda" else []
            identity = {"/etc/passwd": self.job_dir / "passwd", "/etc/group": self.job_dir / "group"} if rules.dedicated_uid else {}
            jail = bwrap_args(self.runtime_dir, self.public_files, identity, self.limits.disk_bytes, not rules.user_namespace, gpus, self.writable)
        launch = Launch(
            kernel_command, self.limits, self.timeout, prlimit=_tool("prlimit"),
            setpriv=_tool("setpriv") if rules.dedicated_uid else "setpriv", uid=self.uid,
            user_processes=_user_process_count() if not rules.as_root else 0, jail=tuple(jail),
            cgroup_join=self.cgroup.join_script() if self.cgroup is not None else None,
            confine=tuple(self._landlock_wrapper()) if rules.landlock and landlock.abi() else (),
        )
        return launch_command(rules, launch)

    def _landlock_wrapper(self) -> list[str]:
        """Landlock's allowlist for a kernel without a filesystem view of its own: what bubblewrap
        would show it (the system's folders, Python's, the public data) to read, its folders to write."""
        system = ["/usr", *(f"/{name}" for name in SYSTEM_FOLDERS), "/proc", "/sys"]
        etc = [f"/etc/{name}" for name in (*ETC_FILES, "passwd", "group")]
        read = [*system, *etc, *python_paths(), str(self.job_dir / "public")]
        write = [self.workdir, str(self.runtime_dir), "/dev", *([str(self.writable["tmp"])] if "tmp" in self.writable else [])]
        return landlock.wrapper(sys.executable, read, write)

    # --- after the run --------------------------------------------------------------------------

    def kill(self, reason: str | None = None) -> None:
        """Stop the kernel and everything it started, now."""
        if reason and not self.killed_by_grader:
            self.killed_by_grader = reason
        process = self.process
        # Once reaped, the kernel's pid (its process group's id) can be another process's: under
        # --jobs, another submission's kernel. Only a process not yet reaped has its group killed.
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        cgroup = self.cgroup  # read once: close() may clear it from another thread
        if cgroup is not None:
            cgroup.kill_all()

    def death_reason(self, returncode: int | None) -> str:
        """Plain words for why the kernel stopped."""
        if self.killed_by_grader:
            return self.killed_by_grader
        if self.cgroup is not None and self.cgroup.memory_exhausted():
            return (
                f"The kernel was stopped because it used more than {self.limits.memory_bytes / 1024**3:.1f} GiB "
                f"of memory. Use smaller batches or a smaller model."
            )
        if returncode is None:
            return "The kernel stopped responding."
        if returncode < 0 or returncode >= 128:
            number = -returncode if returncode < 0 else returncode - 128
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
            if name == "SIGKILL" and self.policy.rlimits and self.policy.cgroups != "required":
                return "The kernel was killed (SIGKILL), most likely for using too much memory."
            if name == "SIGXCPU":
                return "The kernel used up its CPU-time limit and was stopped."
            return f"The kernel crashed ({name})."
        return f"The kernel exited with code {returncode} (for example by calling exit() or os._exit())."

    def peak_memory(self) -> int | None:
        """Peak memory of the kernel's processes, where measurable."""
        return self.cgroup.peak_memory() if self.cgroup is not None else None

    def close(self) -> list[int]:
        """Kill what is left, remove the cgroup, folders and uid lease; return pids that survived.

        Safe to call more than once.
        """
        survivors: list[int] = []
        self.kill()
        cgroup, lease, self.cgroup, self.uid_lease = self.cgroup, self.uid_lease, None, None  # close once
        if cgroup is not None:
            survivors = cgroup.pids()
            cgroup.remove()
        uid, self.uid = (self.uid if self.policy.dedicated_uid else None), None
        if uid is not None:  # before the uid can go to another kernel
            survivors += clear_uid(uid)
        if lease is not None:
            lease.release()
        mounts = [*self.writable.values(), *filter(None, [self._log_mount])]
        self.writable, self._log_mount = {}, None
        for folder in mounts:
            unmount(folder)
        shutil.rmtree(self.job_dir, ignore_errors=True)
        return survivors

    def _write_identity_files(self) -> None:
        uid = self.uid
        (self.job_dir / "passwd").write_text(f"root:x:0:0:root:/root:/bin/sh\nstudent:x:{uid}:{uid}:student:{WORKDIR}:/bin/sh\n")
        (self.job_dir / "group").write_text(f"root:x:0:\nstudent:x:{uid}:\n")
