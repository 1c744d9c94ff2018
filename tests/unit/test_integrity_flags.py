"""Flags for review: large literal data in a notebook's code, and results beyond honest models."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.config import ConfigError, load_config
from grader.integrity import EmbeddedDataLimits, embedded_data, implausible_result
from grader.integrity.plausibility import flag_threshold
from grader.references import Reference

LIMITS = EmbeddedDataLimits(literal_chars=1000, numbers=200, cell_chars=5000)


def _flags(*sources: str) -> list[str]:
    cells = [new_markdown_cell("# a title " + "m" * 50_000)] + [new_code_cell(source) for source in sources]
    return embedded_data(new_notebook(cells=cells), LIMITS)


def test_honest_code_is_not_flagged_and_markdown_never_counts() -> None:
    assert _flags("import numpy as np\nx = np.arange(10)  # a comment", "%matplotlib inline\nprint('hi')") == []


@pytest.mark.parametrize(
    "source, words",
    [
        ("BLOB = '" + "A" * 1500 + "'", "string literal of 1,500 characters"),
        ("BLOB = b'" + "A" * 1500 + "'", "string literal of 1,500 characters"),
        ("TABLE = [" + ", ".join(str(i) for i in range(300)) + "]", "300 numeric literals"),
        ("x = 1\n" + "\n".join("# " + "d" * 100 for _ in range(20)), "characters of comments"),
        ("%%capture\n" + "x = '" + "A" * 1500 + "'", "string literal"),
        ("def broken(:\n" + "A" * 1500, "not valid Python"),
        ("\n".join(f"v{i} = {i}.5" for i in range(150)) + "\n" + "\n".join(f"name_{i} = None" for i in range(300)), "characters long"),
    ],
)
def test_large_literal_data_is_flagged_with_the_code_cell(source: str, words: str) -> None:
    flags = _flags("x = 1", source)
    assert len(flags) == 1 and flags[0].startswith("Code cell 2 of 2 ") and words in flags[0]


def test_the_bounds_come_from_the_configuration(tmp_path) -> None:
    config = tmp_path / "assignment.toml"
    text = resources.files("grader").joinpath("assignment.toml").read_text()
    config.write_text(text.replace("literal_chars = 10000", "literal_chars = 123"))
    assert load_config(config).embedded_data.literal_chars == 123
    config.write_text(text.replace("numbers = 2000", "numbers = 2000\nnonsense = 1"))
    with pytest.raises(ConfigError, match="unknown keys"):
        load_config(config)


def test_plausibility_threshold_is_the_larger_of_the_spread_and_the_margin() -> None:
    rubric = load_config().parts["explicit"]
    reference = Reference(0.90, 0.002, (0.898, 0.90, 0.902))
    assert flag_threshold(rubric, reference) == pytest.approx(0.90 - max(3 * 0.002, 0.02 * 0.90))
    assert implausible_result(rubric, 0.89, reference) is None
    flag = implausible_result(rubric, 0.85, reference)
    assert flag.startswith("RMSE 0.8500 is below 0.8820") and "reviewed by a person" in flag
    sequence = load_config().parts["sequence"]
    assert implausible_result(sequence, 0.2, Reference(0.08, 0.004, ())).startswith("MRR 0.2000 is above 0.1040")


def test_without_a_reference_only_an_absolute_bound_flags() -> None:
    rubric = load_config().parts["explicit"]
    assert implausible_result(rubric, 0.1, None) is None
    assert implausible_result(replace(rubric, flag_at=0.5), 0.1, None).startswith("RMSE 0.1000 is below 0.5000")
