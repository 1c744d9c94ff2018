"""Release files for instructors' hand-outs: the course kit's text templates filled in, and zip
archives built the same way every time (sorted entries, fixed dates) so that a rebuilt release
differs only where its contents do.

The kit files (``grader/instructor/kit``) are Jinja2 templates with delimiters that YAML, shell
and GitHub's ``${{ }}`` never use: ``@{ value | quoting }@``. Every value passes one of the
quoting filters below, chosen for where it lands (a YAML string, a shell word, a glob, a line of
text), so that no value can end a string, start a command or open a new line.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import unicodedata
import zipfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, meta

SAFE_PATTERN = re.compile(r"[A-Za-z0-9_*?\[][A-Za-z0-9._/*?\[\]-]*")
"""A path or shell pattern relative to a repository that YAML and the shell take literally (but for the pattern)."""
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


def torch_pin() -> str:
    """The installed torch's version without its local label (``2.13.0+cpu`` -> ``2.13.0``): what releases install."""
    return metadata.version("torch").split("+")[0]


def _one_line(value: object) -> str:
    """``value`` as text, refused when it holds a line break (YAML's U+0085, U+2028 and U+2029
    too) or another control or format character."""
    text = str(value)
    if any(unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp") for character in text):
        raise ValueError(f"{text!r} cannot be written into a kit file: it holds a line break or a control character.")
    if "${{" in text:
        raise ValueError(f"{text!r} cannot be written into a kit file: GitHub Actions would evaluate its ${{{{ }}}} expression.")
    return text


def literal_path(rule: re.Pattern, value: str) -> bool:
    """Whether ``value`` matches ``rule`` (such as :data:`SAFE_PATTERN`) and stays inside the repository (no ``..``)."""
    return bool(rule.fullmatch(value)) and ".." not in value.split("/")


def _globs(patterns: Iterable[str]) -> str:
    """Shell patterns left for the shell to expand, each refused unless it is literal elsewhere."""
    for pattern in patterns:
        if not literal_path(SAFE_PATTERN, pattern):
            raise ValueError(f"{pattern!r} cannot be written into a kit file as a pattern: letters, digits, . _ - / * ? [ ] only, without '..'.")
    return " ".join(patterns)


QUOTING = {
    "yaml": lambda value: json.dumps(_one_line(value)),  # a JSON string is a YAML double-quoted scalar
    "sh": lambda value: shlex.quote(_one_line(value)),
    "words": lambda values: " ".join(shlex.quote(_one_line(value)) for value in values),
    "globs": _globs,
    "line": _one_line,  # comments and Markdown
}
"""The filters a kit file's values pass, by where they land."""
KIT = Environment(
    loader=PackageLoader("grader.instructor", "kit"),
    variable_start_string="@{", variable_end_string="}@",
    block_start_string="@%", block_end_string="%@",
    comment_start_string="@#", comment_end_string="#@",
    undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False, trim_blocks=True, lstrip_blocks=True,
)
KIT.filters.update(QUOTING)


def kit_source(name: str) -> str:
    """The text of the kit file ``grader/instructor/kit/NAME``."""
    return KIT.loader.get_source(KIT, name)[0]


def fill_kit(name: str, values: dict[str, object]) -> str:
    """The kit file ``grader/instructor/kit/NAME`` filled with ``values``.

    Raises
    ------
    KeyError
        When the file and ``values`` do not name the same keys (a template and its caller disagree).
    ValueError
        When a value cannot be written where it lands (a line break, a pattern the shell would not take literally).
    """
    keys = meta.find_undeclared_variables(KIT.parse(kit_source(name)))
    if keys != set(values):
        raise KeyError(f"kit file {name} takes {sorted(keys)}, was given {sorted(values)}")
    return KIT.get_template(name).render(values)


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
