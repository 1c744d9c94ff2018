"""Leasing a dedicated unprivileged user id for each concurrent kernel, and leaving nothing of
a kernel behind under its uid.

Process-count limits apply per user id, and a kernel must not be able to signal another, so
each running kernel gets a uid of its own from a reserved range, locked with a file lock that
the operating system releases even if the grader dies. Before a uid goes to another kernel its
processes are killed, its keyrings (which the kernel can fill, and which outlive processes) are
cleared, and what it owns where any user may write (/tmp, /dev/shm, ...) is removed: without a
mount namespace (the ``rlimits`` level) those are the host's, and they would carry data from one
submission to the next.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import platform
import pwd
import shutil
import signal
import stat
from pathlib import Path

FIRST_UID = 61000
UID_COUNT = 256
LOCK_DIR = Path("/run/recsys-grader")
# Where any user may create files on a usual Linux host (POSIX message queues included).
SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock", "/var/lock")


class UidLease:
    """A uid held until :meth:`release`, cleared of whatever an earlier, crashed run may have left;
    raise RuntimeError when the whole range is taken."""

    def __init__(self) -> None:
        LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        for uid in range(FIRST_UID, FIRST_UID + UID_COUNT):
            handle = os.open(LOCK_DIR / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(handle)
                continue
            self.uid = uid
            self._handle = handle
            clear_uid(uid)
            return
        raise RuntimeError(f"All {UID_COUNT} sandbox user ids ({FIRST_UID}..) are in use.")

    def release(self) -> None:
        """Give the uid back (its processes must already be gone)."""
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None


def clear_uid(uid: int) -> list[int]:
    """Leave nothing of ``uid`` behind before it is leased again: its processes killed, its
    keyrings emptied, its files in shared folders removed; return the pids that were alive."""
    survivors = kill_processes_of_uid(uid)
    clear_keyrings(uid)
    remove_files_of_uid(uid)
    return survivors


def kill_processes_of_uid(uid: int) -> list[int]:
    """SIGKILL and return the live processes owned by ``uid`` (after a kill, there should be none).

    Zombies are skipped: they are already dead and only wait for their parent to reap them.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and not _is_zombie(entry):
                    os.kill(int(entry.name), signal.SIGKILL)
                    found.append(int(entry.name))
            except (OSError, ProcessLookupError):
                pass
    return found


def remove_files_of_uid(uid: int, places: tuple[str, ...] = SHARED_WRITABLE) -> list[str]:
    """Remove every file and folder that ``uid`` owns under ``places`` and its home; return them.

    Call it once the uid's processes are gone: nothing can then race the removal, and what others
    own is never touched. Only folders the uid can enter are searched (it has no groups), so the
    grader's private trees are skipped rather than walked.
    """
    removed: list[str] = []
    try:
        home = pwd.getpwuid(uid).pw_dir
    except KeyError:
        home = None
    for place in (*places, *([home] if home else [])):
        _remove_owned(place, uid, removed)
    return removed


def _remove_owned(folder: str, uid: int, removed: list[str]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_uid == uid:
                if stat.S_ISDIR(info.st_mode):
                    shutil.rmtree(entry.path)  # safe against symbolic links swapped in (fd-based)
                else:
                    os.unlink(entry.path)
                removed.append(entry.path)
            elif stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_IXOTH:
                _remove_owned(entry.path, uid, removed)  # a shared folder the uid may have written into
        except (OSError, RecursionError):
            pass


def _is_zombie(proc_entry: Path) -> bool:
    """Whether a /proc/<pid> entry is a process that has exited but not been reaped."""
    state = (proc_entry / "stat").read_text().rpartition(")")[2].split()[:1]
    return state in (["Z"], ["X"])


KEYCTL_SYSCALL = {"x86_64": 250, "aarch64": 219}
KEYCTL_CLEAR, KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = 7, -4, -5


def clear_keyrings(uid: int) -> bool:
    """Empty the user and user-session keyrings of ``uid`` (as root); True when it could.

    A keyring belongs to the uid, not to a process: without this a kernel could leave keys for
    the next kernel that leases the same uid.
    """
    number = KEYCTL_SYSCALL.get(platform.machine())
    if number is None or os.geteuid() != 0:
        return False
    child = os.fork()
    if child == 0:  # only raw system calls until _exit: safe after fork in a threaded process
        code = 1
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            libc = ctypes.CDLL(None, use_errno=True)
            for keyring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING):
                libc.syscall(number, KEYCTL_CLEAR, keyring)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) == 0
