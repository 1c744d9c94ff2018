"""The grader's temporary folders, named ``recsys-grader-<kind>-<pid>-<random>`` after the
process that made them, so that whatever a killed grader (or cluster worker) left behind can be
told from what a live one uses, and removed."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

PREFIX = "recsys-grader-"
_OWNED = re.compile(rf"^{PREFIX}[a-z]+-(\d+)-")


def make_temp_folder(kind: str) -> Path:
    """A new private folder of this process, e.g. ``make_temp_folder("public")``."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-{os.getpid()}-"))


def process_alive(pid: str) -> bool:
    """Whether the process ``pid`` (digits from a folder's or cgroup's name) still runs; a name
    that holds no pid counts as alive, so that nothing is removed on a guess."""
    return not pid.isdigit() or Path(f"/proc/{pid}").exists()


def remove_folders_of_dead_processes(where: Path | None = None) -> list[Path]:
    """Remove the grader folders (in the temporary folder by default) whose process is gone; return them."""
    removed = []
    for folder in Path(where or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = _OWNED.match(folder.name)
        if owner and folder.is_dir() and not process_alive(owner.group(1)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
