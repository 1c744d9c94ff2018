"""Landlock: confine a kernel's file access to an allowlist where no mount namespace can.

At the ``rlimits`` level (Gradescope's container: root, no namespaces) the kernel would otherwise
read every file its uid can read: the submission itself, the full dataset the hidden split is
cut from, the grader's inputs. Linux's Landlock (5.13 and later, unprivileged) lets a process
give up all file access outside a list of folders for itself and everything it starts. The
launch chain runs this file as a script (stdlib only, so that nothing outside the allowlist is
imported) just before the kernel::

    python -I landlock.py --read /usr --write /job/work -- python -m ipykernel_launcher ...

It restricts itself and ``exec``\\s the kernel. A Landlock domain also keeps the kernel from
tracing or reading the memory and environment of processes outside it, from signalling them and
from reaching their abstract Unix sockets (ABI 6), and from opening TCP connections (ABI 4; the
kernel's own sockets listen, the grader connects to them).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Sequence
from functools import lru_cache

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_MAKE_AND_REMOVE = sum(1 << bit for bit in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE  # what a rule on a file, not a folder, may grant


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


@lru_cache(maxsize=1)
def abi() -> int:
    """The host kernel's Landlock ABI version; 0 where Landlock is missing or disabled."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_RULESET_VERSION))
    return max(int(version), 0)


def handled_rights(version: int) -> int:
    """Every file right the ABI ``version`` knows: all of them are denied unless a rule grants them."""
    rights = EXECUTE | WRITE_FILE | READ_FILE | READ_DIR | _MAKE_AND_REMOVE
    if version >= 2:
        rights |= _REFER
    if version >= 3:
        rights |= _TRUNCATE
    if version >= 5:
        rights |= _IOCTL_DEV
    return rights


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def restrict(read: Sequence[str], write: Sequence[str]) -> None:
    """Confine this process and its future children to reading (and executing) beneath ``read``
    and to anything beneath ``write``; raise OSError where Landlock refuses.

    Paths that do not exist, or that this process cannot reach, are skipped.
    """
    version = abi()
    if version < 1:
        raise OSError("Landlock is not available on this host (Linux 5.13 or later, enabled at boot)")
    libc, handled = _libc(), handled_rights(version)
    attr = _RulesetAttr(handled, _CONNECT_TCP if version >= 4 else 0, (_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if version >= 6 else 0)
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, rights in ((read, EXECUTE | READ_FILE | READ_DIR), (write, handled)):
            for path in paths:
                _allow(libc, ruleset, path, rights)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (FileNotFoundError, PermissionError):  # nothing this process could read anyway
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS | _TRUNCATE | _IOCTL_DEV
        rule = _PathBeneathAttr(rights, fd)
        if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


def wrapper(python: str, read: Sequence[str], write: Sequence[str]) -> list[str]:
    """The command that confines what follows it (after a ``--``) to ``read`` and ``write``."""
    command = [python, "-I", "-S", os.path.abspath(__file__)]
    for flag, paths in (("--read", read), ("--write", write)):
        for path in paths:
            command += [flag, path]
    return command


def _parse(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    read: list[str] = []
    write: list[str] = []
    while argv and argv[0] != "--":
        flag, path, argv = argv[0], argv[1], argv[2:]
        {"--read": read, "--write": write}[flag].append(path)
    return read, write, argv[1:]


if __name__ == "__main__":
    read_paths, write_paths, command = _parse(sys.argv[1:])
    restrict(read_paths, write_paths)
    os.execvp(command[0], command)
