"""The homework's parts, one object each, and their registry.

A :class:`Part` knows everything that differs between Part 1 (rating prediction) and Part 2
(next-item prediction) on the grader's side: its titles and graded function, how its hidden
split is made, what a kernel is given and asked, how answers come back, how they are scored,
which baselines it has and what a looked-up answer looks like. The grader asks the part instead
of comparing its name; a third task is a third module and one more entry below.
"""

from __future__ import annotations

from grader.parts.base import Part
from grader.parts.explicit import EXPLICIT
from grader.parts.sequence import SEQUENCE

REGISTRY: dict[str, Part] = {part.name: part for part in (EXPLICIT, SEQUENCE)}


def get_part(name: str) -> Part:
    """The part called ``name`` (``"explicit"`` or ``"sequence"``); ValueError naming the parts otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"Unknown part {name!r}: use {' or '.join(f'{p.name!r} ({p.short_title})' for p in REGISTRY.values())}.") from None


__all__ = ["REGISTRY", "Part", "get_part"]
