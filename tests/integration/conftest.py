"""Fixtures for tests that run real kernels."""

from __future__ import annotations

import pytest

from grader.grading import GradingOptions
from grader.sandbox import Limits


@pytest.fixture(scope="session")
def fast_options() -> GradingOptions:
    """Synthetic data and short limits, so that timeouts and kills happen within seconds."""
    return GradingOptions(
        dataset="synthetic", timeout=60, cell_timeout=6, predict_timeout=6, grace=3,
        limits=Limits(memory_bytes=2 * 2**30, processes=256),
    )
