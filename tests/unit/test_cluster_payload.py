"""What travels to a cluster's workers: options and files by content, recreated alike there."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from grader.bounds import BOUNDS
from grader.cluster.payload import (
    grader_fingerprint,
    notebook_payload,
    options_fingerprint,
    options_payload,
    recreate_notebook,
    recreate_options,
)
from grader.grading import GradingOptions
from grader.sandbox import Limits


def test_options_arrive_as_sent_with_their_files_recreated(tmp_path: Path) -> None:
    config, references, checks = tmp_path / "rubric.toml", tmp_path / "refs.json", tmp_path / "my_checks"
    config.write_text("seed = 7\n")
    references.write_text("{}")
    (checks / "more").mkdir(parents=True)
    (checks / "test_a.py").write_text("def test_a(): pass\n")
    (checks / "more" / "data.json").write_text("[1]")
    (checks / "__pycache__").mkdir()
    (checks / "__pycache__" / "test_a.pyc").write_bytes(b"cache")
    options = GradingOptions(
        part="explicit", split_seed=918273, dataset="synthetic", data_dir=tmp_path / "client-data", timeout=42, sandbox="strict",
        limits=Limits(memory_bytes=2**30, cpus=1.5), config=config, references=references, checks=[checks, checks / "test_a.py"],
        jobs=8, accept_flagged=True, show_cells=True,
    )
    payload = options_payload(options)
    worker = tmp_path / "worker"
    arrived = recreate_options(payload, worker, jobs=3)
    assert arrived.jobs == 3 and arrived.data_dir is None and arrived.show_cells is False  # the worker's own
    assert arrived.split_seed == 918273 and asdict(arrived.limits) == asdict(options.limits)
    assert replace(arrived, config=None, references=None, checks=[], jobs=8, data_dir=options.data_dir, show_cells=True) == replace(
        options, config=None, references=None, checks=[]
    )
    assert arrived.config.read_text() == "seed = 7\n" and arrived.config.name == "rubric.toml" and worker in arrived.config.parents
    assert arrived.references.read_text() == "{}"
    folder, single = arrived.checks
    assert folder.name == "my_checks" and (folder / "more" / "data.json").read_text() == "[1]" and not (folder / "__pycache__").exists()
    assert single.name == "test_a.py" and single.read_text() == "def test_a(): pass\n"
    assert payload["grader"] == grader_fingerprint()
    assert options_fingerprint(payload) == options_fingerprint(options_payload(options))
    assert options_fingerprint(payload) != options_fingerprint(options_payload(replace(options, split_seed=1)))


def test_a_notebook_is_recreated_as_the_client_found_it(tmp_path: Path) -> None:
    client, worker = tmp_path / "client", tmp_path / "worker"
    client.mkdir()
    (client / "alice.ipynb").write_bytes(b'{"cells": []}')
    (client / "folder.ipynb").mkdir()
    with open(client / "huge.ipynb", "wb") as handle:
        handle.truncate(BOUNDS.notebook_file_bytes + 1)
    for name in ("alice.ipynb", "folder.ipynb", "huge.ipynb", "missing.ipynb"):
        payload = notebook_payload(client / name)
        folder = worker / name
        folder.mkdir(parents=True)
        copy = recreate_notebook(payload, folder, str(client / name))
        assert copy.name == name and copy.parent == folder
        assert copy.exists() == (client / name).exists() and copy.is_dir() == (client / name).is_dir()
        if copy.is_file():
            assert copy.stat().st_size == (client / name).stat().st_size
    assert (worker / "alice.ipynb" / "alice.ipynb").read_bytes() == b'{"cells": []}'
    assert "content" not in notebook_payload(client / "huge.ipynb")  # its size travels, not its bytes
