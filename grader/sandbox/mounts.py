"""Size- and inode-bounded tmpfs folders for a kernel's writable places, and a private mount
namespace for a grading process so that its mounts vanish with it however it ends.

Only root can mount; elsewhere callers fall back to bubblewrap's own size-limited tmpfs.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
MNT_DETACH = 0x2

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def can_mount() -> bool:
    """Whether this process may mount tmpfs folders (it runs as root)."""
    return os.geteuid() == 0


def enter_private_mount_namespace() -> None:
    """Give the calling (single-threaded) process mounts of its own, unseen by the host: whatever
    it mounts disappears when it and its children are gone."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")


def mount_tmpfs(folder: Path, size_bytes: int, inodes: int, owner: int | None = None, mode: int = 0o700) -> None:
    """Mount a tmpfs of at most ``size_bytes`` and ``inodes`` files on the existing ``folder``."""
    options = f"size={size_bytes},nr_inodes={inodes},mode={mode:o}"
    if owner is not None:
        options += f",uid={owner},gid={owner}"
    _check(
        _libc.mount(b"tmpfs", str(folder).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()),
        f"mount tmpfs on {folder}",
    )


def unmount(folder: Path) -> None:
    """Detach the mount on ``folder`` (no error when nothing is mounted there)."""
    _libc.umount2(str(folder).encode(), MNT_DETACH)
