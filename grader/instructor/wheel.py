"""The grader as a wheel, packed from the package this process runs (installed or checked out):
what the student hand-out and the Gradescope bundle install, with no build tools and no network.

The files are the package's (``data/`` mapped to ``grader/datafiles`` as an install maps it); the
metadata (name, version, dependencies, commands) is the installed distribution's, without its
long description (the project's README, written for instructors).
"""

from __future__ import annotations

import base64
import hashlib
from importlib import metadata
from pathlib import Path

import grader
import grader.datafiles
from grader.instructor.release import zip_archive

DISTRIBUTION = "recsys-grader"
FILE_STEM = "recsys_grader"  # the distribution's name as wheel file names spell it
TAG = "py3-none-any"


class WheelError(RuntimeError):
    """The wheel cannot be packed; the message says what to install."""


def _package_files() -> dict[str, bytes]:
    """The package's files by their path in the wheel, without caches and hidden files."""
    roots = {"grader": Path(grader.__file__).parent, "grader/datafiles": Path(grader.datafiles.__file__).parent}
    files = {}
    for prefix, root in roots.items():
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and path.suffix != ".pyc" and not any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                files[f"{prefix}/{relative.as_posix()}"] = path.read_bytes()
    return files


def _record_line(name: str, content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(content)}"


def _distribution() -> metadata.Distribution:
    try:
        return metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise WheelError(
            f"{DISTRIBUTION} is not installed, so its metadata (version, dependencies, commands) is unknown: "
            f"run `pip install .` (or `pip install -e .`) in the grader's checkout first."
        ) from None


def build_wheel() -> tuple[str, bytes]:
    """The wheel's file name (``recsys_grader-VERSION-py3-none-any.whl``) and content.

    Raises
    ------
    WheelError
        When the grader is not installed (its metadata comes from the installed distribution).
    """
    distribution = _distribution()
    info = f"{FILE_STEM}-{distribution.version}.dist-info"
    files = _package_files()
    headers = (distribution.read_text("METADATA") or "").split("\n\n", 1)[0]  # without the long description (the project's README)
    files[f"{info}/METADATA"] = (headers + "\n").encode()
    files[f"{info}/entry_points.txt"] = (distribution.read_text("entry_points.txt") or "").encode()
    files[f"{info}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: {__name__}\nRoot-Is-Purelib: true\nTag: {TAG}\n".encode()
    record = [_record_line(name, content) for name, content in sorted(files.items())] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    return f"{FILE_STEM}-{distribution.version}-{TAG}.whl", zip_archive(files)
