"""Feedback pages as a student sees them: rendered by headless Chromium, the screenshot holds the
page's text and its chart (not a blank or broken page). Skipped, with the reason, where Debian's
`chromium` is not installed (CI installs it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from grader.checks.result import CheckResult
from grader.execution.record import CellProblem, ExecutionRecord
from grader.reports.chart import COLOURS
from grader.reports.feedback import write_feedback
from grader.reports.model import PartReport, SubmissionReport
from grader.reports.overview import write_overview

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
WIDTH, HEIGHT = 1000, 1600


def _part(part: str, value: float) -> PartReport:
    if part == "explicit":
        metrics = {"rmse": value}
        baselines = {"global_mean": {"rmse": 1.1211}, "user_item_biases": {"rmse": 0.9439}}
        reference, target = {"mean": 0.8966, "std": 0.0016}, 0.93
    else:
        metrics = {"mrr": value, "hr@10": 0.17, "ndcg@10": 0.09}
        baselines = {"popularity": {"mrr": 0.0212, "hr@10": 0.04, "ndcg@10": 0.02}, "item_transitions": {"mrr": 0.0494, "hr@10": 0.11, "ndcg@10": 0.05}}
        reference, target = {"mean": 0.0765, "std": 0.004}, 0.062
    tests = [
        CheckResult("The notebook ran to the end", 1, 1, "", "passed"),
        CheckResult("The graded function returns valid predictions", 2, 2, "", "passed"),
        CheckResult("The metric beats the baseline", 2, 2, "", "passed"),
        CheckResult("The metric reaches the target", 15, 15, f"{part} reaches the target.", "passed"),
    ]
    record = ExecutionRecord(code_cells=10, cells_run=10, seconds=21.5, code_cell_positions=list(range(2, 22, 2)),
                             problems=[CellProblem(8, "error", "NameError: name 'x' is not defined", "Cell In[4], line 1\nNameError: name 'x' is not defined")])
    return PartReport(part, tests, metrics, baselines, reference, target, next(iter(metrics)), record)


def screenshot(page: Path, png: Path, profile: Path) -> Image.Image:
    """A headless Chromium screenshot of ``page`` (no network, no GPU, a throwaway profile)."""
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={png}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    return Image.open(png).convert("RGB")


@pytest.mark.parametrize("part, value", [("explicit", 0.8957), ("sequence", 0.0810)])
def test_a_feedback_page_renders_with_its_chart(part: str, value: float, tmp_path: Path) -> None:
    report = SubmissionReport("class/alice/submission.ipynb", parts=[_part(part, value)], sandbox="full", path_in_batch="alice/submission.ipynb")
    [page] = write_feedback([report], tmp_path / "feedback")
    assert page.name == "alice__submission.html"
    image = np.asarray(screenshot(page, tmp_path / f"{part}.png", tmp_path / "profile"), dtype=np.int16)
    assert image.shape[:2] == (HEIGHT, WIDTH)
    ink = (image < 200).any(axis=2)
    assert ink.mean() > 0.01, "the page rendered (almost) blank"
    rows_with_ink = np.flatnonzero(ink.any(axis=1))
    assert rows_with_ink.max() - rows_with_ink.min() > 600, "text, table and chart fill the page"
    you = np.array([int(COLOURS["you"][i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(image - you).sum(axis=2) < 40).sum() > 50, "the chart's dot and label for the student are drawn"


def test_the_class_overview_renders_with_its_charts_and_links(tmp_path: Path) -> None:
    reports = [
        SubmissionReport(f"class/{name}/submission.ipynb", parts=[_part(part, value)], sandbox="full", path_in_batch=f"{name}/submission.ipynb")
        for name, part, value in (("alice", "explicit", 0.8957), ("bob", "explicit", 0.9391), ("carol", "sequence", 0.0810), ("dan", "sequence", 0.0550))
    ]
    reports[1].similar_to = [{"path": "alice/submission.ipynb", "part": "explicit", "disagreement": 0.0, "evidence": "same"}]
    pages = write_feedback(reports, tmp_path / "feedback")
    index = write_overview(reports, tmp_path / "feedback")
    assert index.name == "index.html" and index not in pages
    text = index.read_text()
    assert all(f"href='{page.name}'" in text for page in pages) and "alice/submission.ipynb" in text
    image = np.asarray(screenshot(index, tmp_path / "index.png", tmp_path / "profile"), dtype=np.int16)
    you = np.array([int(COLOURS["you"][i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(image - you).sum(axis=2) < 40).sum() > 2000, "the histograms of both parts are drawn"
    ink = (image < 200).any(axis=2)
    assert ink.mean() > 0.02 and np.flatnonzero(ink.any(axis=1)).max() > 900, "counts, two charts and the table fill the page"
