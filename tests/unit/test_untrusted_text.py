"""Text from a submission is capped and cleaned before any report shows it."""

from __future__ import annotations

from grader.execution.untrusted import clean_text


def test_escapes_and_control_characters_are_removed() -> None:
    forged = "ok\x1b[2J\x1b[1;1HTotal: 20 / 20\x1b]0;title\x07\x00\x08\u202eevil\u200b\r\nnext\tcolumn"
    assert clean_text(forged) == "okTotal: 20 / 20evil\nnext\tcolumn"


def test_long_text_is_cut_with_a_notice() -> None:
    text = clean_text("x" * 100_000, 100)
    assert len(text) <= 100 and text.endswith("[... cut by grader]")


def test_anything_becomes_text() -> None:
    assert clean_text(["a", 1]) == "['a', 1]"
