"""What travels from the grading client to a cluster's workers: each notebook file, and the
grading options, as plain data (no shared filesystem is needed).

The client's paths mean nothing on a worker, so files travel by content: the notebook (or the
fact that it is missing, or a folder), and the files named by ``--config``, ``--references``
and ``--checks``, which the worker recreates in a folder of its own. The dataset folder is not
sent: workers read MovieLens from their own ``GRADER_DATA_DIR`` or cache (and check it against
its published checksums). The split seed is an option like any other: it reaches the workers
only inside these options, never on a command line or in an environment.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import asdict, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path

from grader.bounds import BOUNDS
from grader.grading import GradingOptions
from grader.identity import grade_identity
from grader.sandbox import Limits

MACHINE_OPTIONS = ("data_dir", "jobs", "show_cells")
"""Options that belong to the machine that grades, not to the batch: a worker uses its own
(its dataset must still match the client's checksum, see :func:`grader.identity.grade_identity`)."""
FILE_OPTIONS = ("config", "references", "checks")


def notebook_payload(path: Path) -> dict:
    """The notebook at ``path`` as a worker recreates it: its bytes, or what stands there instead.

    A file larger than the grader accepts travels as its size alone, so that the worker refuses
    it with the same message as a local run.
    """
    path = Path(path)
    if path.is_symlink():
        return {"kind": "link"}  # never followed: the worker refuses it as a local run does
    if path.is_dir():
        return {"kind": "folder"}
    if not path.exists():
        return {"kind": "missing"}
    size = path.stat().st_size
    if not path.is_file() or size > BOUNDS.notebook_file_bytes:
        return {"kind": "file", "size": size}
    return {"kind": "file", "content": path.read_bytes()}


def recreate_notebook(payload: dict, folder: Path, name: str) -> Path:
    """Make ``folder/name`` what :func:`notebook_payload` found, and return its path."""
    path = folder / (Path(name).name or "notebook.ipynb")
    if payload["kind"] == "link":
        path.symlink_to(f"{path.name}.target")
    elif payload["kind"] == "folder":
        path.mkdir()
    elif payload["kind"] == "file" and "content" in payload:
        path.write_bytes(payload["content"])
    elif payload["kind"] == "file":
        with open(path, "wb") as handle:  # a sparse file of the size the client saw
            handle.truncate(payload["size"])
    return path


def options_payload(options: GradingOptions) -> dict:
    """``options`` as plain data for a worker, with the contents of the files they name.

    Raises
    ------
    OSError
        When a file named by ``--config``, ``--references`` or ``--checks`` cannot be read.
    """
    values = {f.name: getattr(options, f.name) for f in fields(GradingOptions) if f.name not in MACHINE_OPTIONS + FILE_OPTIONS}
    values["limits"] = asdict(options.limits)
    values["config"] = None if options.config is None else _file_tree(Path(options.config))
    values["references"] = None if options.references is None else _file_tree(Path(options.references))
    values["checks"] = [_file_tree(Path(path)) for path in options.checks]
    values["grader"] = grader_fingerprint()
    values["identity"] = grade_identity(options)  # what a worker must reproduce to grade alike
    return values


def recreate_options(payload: dict, folder: Path, jobs: int) -> GradingOptions:
    """The options :func:`options_payload` sent, their files recreated under ``folder``.

    ``jobs`` is the worker's number of grading slots: each kernel gets its share of the worker's
    cores, as with ``--jobs`` locally.
    """
    values = {name: value for name, value in payload.items() if name in {f.name for f in fields(GradingOptions)}}
    values["limits"] = Limits(**payload["limits"])
    for name in ("config", "references"):
        values[name] = None if payload[name] is None else _recreate_tree(payload[name], folder / name)
    values["checks"] = [_recreate_tree(tree, folder / f"checks-{number}") for number, tree in enumerate(payload["checks"])]
    return GradingOptions(**values, jobs=jobs)


def options_fingerprint(payload: dict) -> str:
    """A digest of an options payload: equal payloads grade alike (one session serves them)."""
    return hashlib.sha256(pickle.dumps(payload, protocol=5)).hexdigest()


@lru_cache(maxsize=1)
def grader_fingerprint() -> str:
    """A digest of the grader's code and packaged data; machines that agree on it grade alike."""
    digest = hashlib.sha256()
    for package in ("grader", "grader.datafiles"):  # the data files are inside the package once installed, beside it in a checkout
        root = Path(str(resources.files(package)))
        for path in sorted(root.rglob("*")):
            parts = path.relative_to(root).parts
            if package == "grader" and parts[0] == "datafiles":
                continue
            if path.is_file() and path.suffix in (".py", ".toml", ".ini", ".json") and "__pycache__" not in parts:
                digest.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _file_tree(path: Path) -> dict:
    """A file, or a folder's files (caches left out), by path relative to it."""
    if not path.is_dir():
        return {"name": path.name, "files": {"": path.read_bytes()}}
    files = {
        file.relative_to(path).as_posix(): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file() and "__pycache__" not in file.parts and ".pytest_cache" not in file.parts
    }
    return {"name": path.name, "files": files}


def _recreate_tree(tree: dict, folder: Path) -> Path:
    """Write what :func:`_file_tree` read under ``folder``, keeping its name; return its path."""
    root = folder / tree["name"]
    if "" not in tree["files"]:
        root.mkdir(parents=True, exist_ok=True)
    for relative, content in tree["files"].items():
        target = root / relative if relative else root
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root
