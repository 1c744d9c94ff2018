"""Text that comes from a submission (the kernel's messages, the notebook's metadata, its file
name): capped in size and stripped of control characters and terminal escapes before it reaches
any report, so that it can neither flood a report nor forge one (a fake "Total: 20 / 20" drawn
with cursor movements, an XML-breaking control character, reversed text)."""

from __future__ import annotations

import os
import re
import unicodedata

TEXT_CHARS = 2000
"""Default bound on one piece of kernel-supplied text."""

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement, erasing
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[@-Z\\-_]"  # other two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_KEPT = {"\n", "\t"}


def _allowed(character: str) -> bool:
    if character in _KEPT:
        return True
    category = unicodedata.category(character)
    # Cc control characters, Cf format characters (bidirectional overrides, zero-width joiners),
    # Cs lone surrogates, Co private use, Cn unassigned.
    return not category.startswith("C")


def clean_text(value: object, limit: int = TEXT_CHARS) -> str:
    """``value`` as printable text of at most ``limit`` characters (a notice marks a cut)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > 4 * limit:
        text = text[: 4 * limit]  # bound the work before cleaning
    text = _ESCAPES.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(character for character in text if _allowed(character))
    if len(text) > limit:
        text = text[: max(0, limit - 20)] + " [... cut by grader]"
    return text


def printable_path(path: str | os.PathLike) -> str:
    """A file path as a report can show it: bytes that are not UTF-8 (names Python keeps as lone
    surrogates) become U+FFFD, line breaks become spaces, and escapes and control characters go."""
    text = os.fspath(path)
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that did not come from undecodable bytes
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return clean_text(text.replace("\n", " ").replace("\t", " "), 1000)
