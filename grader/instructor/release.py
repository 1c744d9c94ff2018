"""Release files for instructors' hand-outs: the course kit's text templates filled in, and zip
archives built the same way every time (sorted entries, fixed dates) so that a rebuilt release
differs only where its contents do."""

from __future__ import annotations

import io
import re
import zipfile
from importlib import metadata, resources
from pathlib import Path

PLACEHOLDER = re.compile(r"@([a-z_]+)@")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


def torch_pin() -> str:
    """The installed torch's version without its local label (``2.13.0+cpu`` -> ``2.13.0``): what releases install."""
    return metadata.version("torch").split("+")[0]


def fill_kit(name: str, values: dict[str, str]) -> str:
    """The kit file ``grader/instructor/kit/NAME`` with each ``@key@`` replaced by ``values[key]``.

    Raises
    ------
    KeyError
        When the file and ``values`` do not name the same keys (a template and its caller disagree).
    """
    text = resources.files("grader.instructor").joinpath("kit", name).read_text(encoding="utf-8")
    keys = set(PLACEHOLDER.findall(text))
    if keys != set(values):
        raise KeyError(f"kit file {name} takes {sorted(keys)}, was given {sorted(values)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def zip_archive(files: dict[str, bytes], executables: frozenset[str] = frozenset()) -> bytes:
    """A deflated zip of ``files`` (archive name -> content); names in ``executables`` get mode 0755."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = (0o100755 if name in executables else 0o100644) << 16
            archive.writestr(entry, files[name])
    return buffer.getvalue()


def folder_files(folder: Path, prefix: str = "") -> dict[str, bytes]:
    """Every file under ``folder`` by its archive name (``prefix`` + path relative to ``folder``)."""
    return {prefix + path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
