"""The bubblewrap command line: what a sandboxed kernel can see.

The kernel gets a fresh root with read-only system folders (/usr and the /etc files programs
need), the Python environment it runs (read-only), a size-limited writable working folder
holding its part's public data, a private /tmp, and the folder with its connection file. It has
its own network (no interfaces but an isolated loopback), process, IPC and host-name namespaces.
Nothing else exists for it: not home folders, not the dataset cache, not other submissions.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

WORKDIR = "/submission"
SYSTEM_FOLDERS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
"""Folders of / beside /usr that programs need (often links into /usr)."""
ETC_FILES = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts", "mime.types",
    "nsswitch.conf", "ssl", "alternatives", "matplotlibrc",
)


def bwrap_path() -> str | None:
    """The bubblewrap executable, if installed."""
    return shutil.which("bwrap")


def _interpreter_path() -> list[str]:
    """``sys.path`` of the kernel's interpreter started as the kernel is (no PYTHONPATH, no user
    site, no current folder), with the folders its ``.pth`` files add."""
    shown = subprocess.run([sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"], capture_output=True, text=True, timeout=60)
    return json.loads(shown.stdout) if shown.returncode == 0 else []


@lru_cache(maxsize=1)
def python_paths() -> tuple[str, ...]:
    """Folders the kernel's interpreter needs: prefixes, stdlib, site-packages and what their
    ``.pth`` files add, the grader package.

    Paths under /usr are covered by the /usr bind; nested paths are covered by their parents.
    """
    import grader
    import grader.datafiles

    candidates = {
        sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
        str(Path(sys.executable).resolve().parent.parent),
        *sysconfig.get_paths().values(),
        *site.getsitepackages(), *_interpreter_path(),
        *grader.__path__, *grader.datafiles.__path__,
    }
    resolved = sorted({str(Path(p).resolve()) for p in candidates if p and Path(p).exists()})
    kept: list[str] = []
    for path in resolved:
        if path == "/usr" or path.startswith("/usr/"):
            continue
        if any(path == parent or path.startswith(parent + "/") for parent in kept):
            continue
        kept.append(path)
    return tuple(kept)


def _ancestors(paths: list[str]) -> list[str]:
    """Every proper ancestor folder of ``paths`` except /, parents first."""
    found = set()
    for path in paths:
        found.update(str(parent) for parent in Path(path).parents if str(parent) != "/")
    return sorted(found, key=lambda p: (p.count("/"), p))


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_FOLDERS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", str(path.readlink()), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return args


def bwrap_args(
    runtime_dir: Path,
    public_files: list[Path],
    identity_files: dict[str, Path],
    disk_bytes: int,
    as_root: bool,
    gpu_devices: list[str],
    writable: dict[str, Path] | None = None,
) -> list[str]:
    """Arguments to put before the kernel command (which follows a ``--``).

    Parameters
    ----------
    runtime_dir:
        Host folder with the connection file and IPC sockets, bound at the same path.
    public_files:
        Staged public data, bound read-only into the working folder under their names.
    identity_files:
        Synthetic ``/etc/passwd`` and ``/etc/group`` naming the kernel's user.
    disk_bytes:
        Size of the working folder and of /tmp.
    as_root:
        The grader runs as root (the kernel switches to its own uid inside); otherwise an
        unprivileged user namespace is used.
    gpu_devices:
        /dev/nvidia* device nodes to expose when computing on CUDA.
    writable:
        Size- and inode-bounded host folders (``work``, ``tmp``, ``shm``) bound as the working
        folder, /tmp and /dev/shm; without them bubblewrap's own size-limited tmpfs is used.
    """
    writable = writable or {}
    bwrap = bwrap_path()
    if bwrap is None:
        raise RuntimeError("bubblewrap (bwrap) is not installed")
    args = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        args.append("--unshare-user")
    args += ["--die-with-parent", "--new-session", "--hostname", "grader"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    for device in gpu_devices:
        args += ["--dev-bind", device, device]
    # Size-limited writable folders first: anything bound beneath them must come after.
    for target, name in (("/tmp", "tmp"), (WORKDIR, "work"), ("/dev/shm", "shm")):
        if name in writable:
            args += ["--bind", str(writable[name]), target]
        else:
            args += ["--perms", "1777", "--size", str(disk_bytes), "--tmpfs", target]
    args += _system_binds()
    for target, source in identity_files.items():
        args += ["--ro-bind", str(source), target]
    # Parents of bound folders get readable permissions of their own: bubblewrap would otherwise
    # copy the host's (a 0700 home folder would hide the interpreter from the kernel's uid).
    for parent in _ancestors([*python_paths(), str(runtime_dir)]):
        if parent not in ("/tmp", WORKDIR):  # already mounted above, world-writable
            args += ["--perms", "0755", "--dir", parent]
    for path in python_paths():
        args += ["--ro-bind", path, path]
    for path in public_files:
        args += ["--ro-bind", str(path), f"{WORKDIR}/{path.name}"]
    args += ["--bind", str(runtime_dir), str(runtime_dir)]
    args += ["--chdir", WORKDIR]
    return args


@lru_cache(maxsize=2)
def bwrap_works(as_root: bool) -> bool:
    """Whether bubblewrap can create its namespaces on this host (tried once per process)."""
    bwrap = bwrap_path()
    if bwrap is None:
        return False
    args = [bwrap, "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/"]
    if not as_root:
        args.append("--unshare-user")
    try:
        return subprocess.run([*args, "--", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
