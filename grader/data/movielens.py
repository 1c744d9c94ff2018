"""MovieLens 100K: find it (a named folder, the user cache, or a checksum-verified download) and read it.

The dataset's licence forbids redistribution, so it is never shipped: it is read from a folder
the user names (argument or ``GRADER_DATA_DIR``), else from a per-user cache, else downloaded
once from GroupLens into that cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
from tqdm import tqdm

from grader.data.interactions import Interactions

DATA_DIR_ENV = "GRADER_DATA_DIR"
CACHE_DIR_ENV = "GRADER_CACHE_DIR"
URL_ENV = "GRADER_MOVIELENS_URL"
RATINGS_FILE = "u.data"


class DatasetError(RuntimeError):
    """The dataset could not be found, fetched or read; the message says what to do."""


def movielens_facts() -> dict:
    """Download address, checksums and sizes of MovieLens 100K, as shipped in ``data/``."""
    text = resources.files("grader.datafiles").joinpath("movielens.json").read_text()
    return json.loads(text)


def default_cache_dir() -> Path:
    """``$GRADER_CACHE_DIR``, else ``$XDG_CACHE_HOME/recsys-grader``, else ``~/.cache/recsys-grader``."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "recsys-grader"


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def locate_movielens(
    data_dir: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    download: bool = True,
) -> Path:
    """The folder holding MovieLens 100K's ``u.data``, downloading it into the cache if needed.

    Parameters
    ----------
    data_dir:
        A folder holding ``u.data`` (or holding ``ml-100k/u.data``). Defaults to
        ``$GRADER_DATA_DIR``; when neither is given the cache is used.
    cache_dir:
        Where downloads live; defaults to :func:`default_cache_dir`.
    download:
        Fetch the archive when the cache is empty.
    """
    named = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV) or None
    if named is not None:
        folder = Path(named).expanduser()
        source = "the folder you named" if data_dir is not None else f"${DATA_DIR_ENV}"
        for candidate in (folder, folder / "ml-100k"):
            if (candidate / RATINGS_FILE).is_file():
                return candidate
        if not folder.is_dir():
            raise DatasetError(
                f"MovieLens folder {folder} ({source}) does not exist. Point it at the folder "
                f"that holds u.data, or unset it to download the dataset into the cache."
            )
        raise DatasetError(
            f"MovieLens folder {folder} ({source}) has no {RATINGS_FILE}. Point it at the "
            f"unzipped ml-100k folder (the one holding u.data, u.item, u.user)."
        )
    cached = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    folder = cached / movielens_facts()["archive_folder"]
    if (folder / RATINGS_FILE).is_file():
        return folder
    if not download:
        raise DatasetError(
            f"MovieLens 100K is not in the cache ({folder}) and downloading is off. "
            f"Set {DATA_DIR_ENV} to a folder holding u.data, or allow the download."
        )
    return download_movielens(cached)


def read_ratings(folder: str | Path) -> Interactions:
    """Parse ``u.data`` in ``folder`` and check it is the unmodified MovieLens 100K file."""
    path = Path(folder) / RATINGS_FILE
    facts = movielens_facts()
    try:
        table = np.loadtxt(path, dtype=np.int64, ndmin=2)
    except OSError as error:
        raise DatasetError(f"Cannot read {path}: {error.strerror or error}.") from error
    except ValueError as error:
        raise DatasetError(
            f"{path} is damaged: {error}. Expected 4 tab-separated integers per line "
            f"(user, item, rating, timestamp). Replace it with a fresh copy of MovieLens 100K."
        ) from error
    if table.shape[1] != 4:
        raise DatasetError(
            f"{path} has {table.shape[1]} columns; MovieLens 100K's u.data has 4 "
            f"(user, item, rating, timestamp). Replace it with a fresh copy."
        )
    expected = facts["files_sha256"][RATINGS_FILE]
    if file_sha256(path) != expected:
        raise DatasetError(
            f"{path} is not the published MovieLens 100K u.data ({len(table):,} ratings, "
            f"expected {facts['num_ratings']:,}; sha256 differs). It is truncated or modified: "
            f"replace it with a fresh copy, or delete it to download one."
        )
    return Interactions(
        user_ids=table[:, 0],
        item_ids=table[:, 1],
        ratings=table[:, 2],
        timestamps=table[:, 3],
        num_users=facts["num_users"] + 1,
        num_items=facts["num_items"] + 1,
    )


def load_movielens(
    data_dir: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    download: bool = True,
) -> Interactions:
    """All 100,000 MovieLens 100K ratings (see :func:`locate_movielens` for where from)."""
    return read_ratings(locate_movielens(data_dir, cache_dir=cache_dir, download=download))


def download_movielens(cache_dir: str | Path | None = None, url: str | None = None) -> Path:
    """Download the ml-100k archive into the cache, verify its files and move them in atomically.

    Nothing is left in the cache unless every checksum matches.

    Returns
    -------
    Path
        The cached folder holding ``u.data``.
    """
    facts = movielens_facts()
    url = url or os.environ.get(URL_ENV) or facts["url"]
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    final = cache / facts["archive_folder"]
    try:
        cache.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".ml-100k-", dir=cache))
    except OSError as error:
        raise DatasetError(
            f"Cannot write the dataset cache {cache}: {error.strerror or error}. Set "
            f"{CACHE_DIR_ENV} to a writable folder, or {DATA_DIR_ENV} to a folder holding u.data."
        ) from error
    try:
        archive = staging / "ml-100k.zip"
        _fetch(url, archive)
        extracted = staging / facts["archive_folder"]
        _extract(archive, facts["archive_folder"], extracted)
        for name, expected in facts["files_sha256"].items():
            member = extracted / name
            if not member.is_file():
                raise DatasetError(f"The archive from {url} has no {name}; it is not ml-100k.zip.")
            if file_sha256(member) != expected:
                raise DatasetError(
                    f"Checksum mismatch for {name} downloaded from {url}: the download is "
                    f"corrupted or not MovieLens 100K. Nothing was kept; try again, or download "
                    f"ml-100k.zip yourself and set {DATA_DIR_ENV} to the unzipped folder."
                )
        try:
            os.replace(extracted, final)
        except OSError:
            if not (final / RATINGS_FILE).is_file():  # not a concurrent download that won
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def _fetch(url: str, target: Path) -> None:
    """Stream ``url`` into ``target`` with a progress bar."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc="MovieLens 100K") as bar:
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    out.write(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or error
        raise DatasetError(
            f"Cannot download MovieLens 100K from {url}: {reason}. Check the network, or "
            f"download ml-100k.zip yourself and set {DATA_DIR_ENV} to the unzipped folder."
        ) from error


def _extract(archive: Path, folder: str, target: Path) -> None:
    """Copy the regular files directly under ``folder/`` in the zip into ``target`` (no paths from the zip)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            target.mkdir()
            for info in bundle.infolist():
                parts = info.filename.split("/")
                if info.is_dir() or len(parts) != 2 or parts[0] != folder or not parts[1]:
                    continue
                if parts[1] in (".", ".."):
                    continue
                with bundle.open(info) as source, open(target / parts[1], "wb") as out:
                    shutil.copyfileobj(source, out)
    except zipfile.BadZipFile as error:
        raise DatasetError(
            f"The download is not a zip archive ({error}); the server may have sent an error "
            f"page. Nothing was kept; try again later."
        ) from error
