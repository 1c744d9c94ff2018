"""Leasing a dedicated unprivileged user id for each concurrent kernel.

Process-count limits apply per user id, and a kernel must not be able to signal another, so
each running kernel gets a uid of its own from a reserved range, locked with a file lock that
the operating system releases even if the grader dies.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

FIRST_UID = 61000
UID_COUNT = 256
LOCK_DIR = Path("/run/recsys-grader")


class UidLease:
    """A uid held until :meth:`release`; raise RuntimeError when the whole range is taken."""

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
            return
        raise RuntimeError(f"All {UID_COUNT} sandbox user ids ({FIRST_UID}..) are in use.")

    def release(self) -> None:
        """Give the uid back (its processes must already be gone)."""
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None
