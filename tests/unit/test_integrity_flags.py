"""Flags for review: large literal data in a notebook's code, and results beyond honest models."""

from __future__ import annotations

import base64
import lzma
import os
from dataclasses import replace
from importlib import resources
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.config import ConfigError, load_config
from grader.integrity.literals import EmbeddedDataLimits, embedded_data
from grader.integrity.plausibility import flag_threshold, implausible_result
from grader.references import Reference

REPO = Path(__file__).resolve().parents[2]
LIMITS = EmbeddedDataLimits(literal_chars=1000, numbers=200, cell_chars=5000, name_chars=200, compressed_bytes=16_000)


def _flags(*sources: str) -> list[str]:
    cells = [new_markdown_cell("# a title " + "m" * 50_000)] + [new_code_cell(source) for source in sources]
    return embedded_data(new_notebook(cells=cells), LIMITS)


def test_honest_code_is_not_flagged_and_markdown_never_counts() -> None:
    assert _flags("import numpy as np\nx = np.arange(10)  # a comment", "%matplotlib inline\nprint('hi')") == []


@pytest.mark.parametrize(
    "source, words",
    [
        ("BLOB = '" + "A" * 1500 + "'", "1,500 characters of string literals"),
        ("BLOB = b'" + "A" * 1500 + "'", "1,500 characters of string literals"),
        ("TABLE = [" + ", ".join(str(i) for i in range(300)) + "]", "300 numeric literals"),
        ("x = 1\n" + "\n".join("# " + "d" * 100 for _ in range(20)), "characters of comments"),
        ("%%capture\n" + "x = '" + "A" * 1500 + "'", "string literals"),
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
    with pytest.raises(ConfigError, match="unknown key `nonsense`"):
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


@pytest.mark.parametrize(
    "sources, words",
    [
        ([f"PART{i} = '{'ab' * 300}'" for i in range(10)], None),  # 600 characters per cell: fine
        (["\n".join(f"P{i} = '{'A' * 90}'" for i in range(12))], "1,080 characters of string literals"),  # many short ones
        (["P = f'{1}" + "x" * 600 + "{2}" + "y" * 600 + "'"], "characters of string literals"),
        (["P = 0x" + "f" * 1200], "numbers of 1,445 digits"),
        (["v" * 300 + " = 1"], "a name of 300 characters"),
    ],
)
def test_data_spread_over_literals_numbers_and_names_is_flagged(sources, words) -> None:
    flags = _flags(*sources)
    if words is None:
        assert flags == []
    else:
        assert len(flags) == 1 and words in flags[0], flags


def test_data_spread_thinly_over_many_cells_is_flagged_by_its_compressed_size() -> None:
    cells = [f"CHUNK_{i} = {base64.b85encode(os.urandom(700)).decode()!r}" for i in range(60)]  # 52 KB of noise
    flags = embedded_data(new_notebook(cells=[new_code_cell(source) for source in cells]), EmbeddedDataLimits(compressed_bytes=16_000))
    assert flags and flags[-1].startswith("The notebook's code holds") and "once compressed" in flags[-1]


@pytest.mark.parametrize("carrier", ["split over cells", "one hex integer", "an f-string's parts", "an identifier"])
def test_a_lookup_table_cannot_pass_the_scan_in_any_disguise(carrier: str) -> None:
    payload = os.urandom(24_000).hex()  # 48,000 characters of data
    cells = {
        "split over cells": [f"P{k} = {payload[k * 9_000:(k + 1) * 9_000]!r}" for k in range(5)],
        "one hex integer": [f"P = 0x{payload}"],
        "an f-string's parts": ["P = f'" + "{0}".join(payload[k * 9_000:(k + 1) * 9_000] for k in range(5)) + "'"],
        "an identifier": [f"p{payload} = 1"],
    }[carrier]
    assert embedded_data(new_notebook(cells=[new_code_cell(cell) for cell in cells]))


@pytest.mark.movielens
def test_movielens_carried_in_cells_below_every_per_cell_bound_is_flagged(movielens_dir) -> None:
    """All of MovieLens 100K (which pairs are rated, and the stars), as compact as lzma makes it,
    in cells of 9,000 characters: each cell reads as encoded data, and the compressed size of the
    code gives the whole away."""
    data = np.loadtxt(movielens_dir / "u.data", dtype=np.int64)
    users, items, ratings = data[:, 0], data[:, 1], data[:, 2]
    rated = np.zeros((943, 1682), bool)
    rated[users - 1, items - 1] = True
    order = np.lexsort((items, users))
    blob = lzma.compress(np.packbits(rated).tobytes() + (ratings[order] - 1).astype(np.uint8).tobytes(), preset=9 | lzma.PRESET_EXTREME)
    text = base64.b85encode(blob).decode()
    cells = [f"P{k:03d} = {text[start:start + 9_000]!r}" for k, start in enumerate(range(0, len(text), 9_000))]
    flags = embedded_data(new_notebook(cells=[new_code_cell(cell) for cell in cells]))
    assert flags[-1].startswith("The notebook's code holds")
    assert all(f"Code cell {k + 1} of {len(cells)} holds" in flag and "encoded-looking data" in flag for k, flag in enumerate(flags[: len(cells) - 1]))


def test_the_solutions_are_far_below_every_bound() -> None:
    for name in ("explicit_feedback.ipynb", "implicit_sequence.ipynb"):
        assert embedded_data(nbformat.read(REPO / "solutions" / name, as_version=4)) == []


@pytest.mark.parametrize(
    "source, words",
    [
        (f"KEY = {base64.b64encode(os.urandom(120)).decode()!r}", "160 characters of encoded-looking data"),  # far below literal_chars
        (f"KEY = {base64.b85encode(os.urandom(120)).decode()!r}", "150 characters of encoded-looking data"),
        (f"KEY = {os.urandom(80).hex()!r}", "160 characters of encoded-looking data"),
        (f"KEY = {bytes(range(128, 256))!r}", "bytes that are not text"),
        ("T = (" + ", ".join(str(i % 5 + 1) for i in range(250)) + ")\nU = 1", "a list of 250 literal values"),
        ("T = '" + " ".join(str(i % 5 + 1) for i in range(250)) + "'", "a run of 250 numbers in text"),
        ("x = 1\n# " + " ".join(f"{i}:{i % 5}" for i in range(150)), "numbers in text"),
    ],
)
def test_encoded_data_is_flagged_whatever_its_size_budget(source: str, words: str) -> None:
    flags = embedded_data(new_notebook(cells=[new_code_cell("import numpy as np"), new_code_cell(source)]))
    assert len(flags) == 1 and flags[0].startswith("Code cell 2 of 2 holds") and words in flags[0], flags


def test_english_code_hex_separators_and_repeated_patterns_are_not_encoded_data() -> None:
    sources = [
        "# " + "-" * 120 + "\nprint('Training the model: ' + 'the loss goes down, the validation RMSE too')",
        "LINE = '" + "ab" * 300 + "'",  # a repeated pattern is no data
        "COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728']\nlosses = [0.91, 0.9, 0.89]",
        "url = 'https://files.grouplens.org/datasets/movielens/ml-100k.zip'",
    ]
    assert embedded_data(new_notebook(cells=[new_code_cell(source) for source in sources])) == []


def test_data_in_markdown_raw_cells_and_metadata_is_flagged_with_where_it_stands() -> None:
    blob = base64.b64encode(os.urandom(300)).decode()
    notebook = new_notebook(cells=[new_markdown_cell(f"Notes\n\n{blob}"), new_code_cell("x = 1", metadata={"tags": [blob]})])
    notebook.cells.append(nbformat.v4.new_raw_cell(" ".join(str(i) for i in range(400))))
    notebook.metadata["extra"] = blob
    flags = embedded_data(notebook)
    assert [flag.split(" holds")[0] for flag in flags] == ["Cell 1 of 3 (markdown)", "Code cell 1 of 1", "Cell 3 of 3 (raw)", "The notebook's metadata"]


def test_the_information_of_the_literals_is_bounded() -> None:
    # 16,000 labels as English words, spread over cells below every per-cell bound.
    words = ["one", "two", "three", "four", "five"]
    rng = np.random.default_rng(0)
    cells = [" ".join(words[r] for r in rng.integers(0, 5, 800)).join(["NOTE = '", "'"]) for _ in range(20)]
    flags = embedded_data(new_notebook(cells=[new_code_cell(cell) for cell in cells]))
    assert len(flags) == 1 and flags[0].startswith("The notebook's literals") and "bytes of information" in flags[0]
