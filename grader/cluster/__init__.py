"""Grading a class on the workers of a Dask cluster (``grade DIR --scheduler ADDRESS``).

The client (the ``grade`` command) sends each notebook's bytes and the grading options to the
cluster as one task (:mod:`grader.cluster.payload`); a worker grades it exactly as ``--jobs``
does locally, in a supervised process with its own sandbox, and returns the report as JSON
(:mod:`grader.cluster.tasks`); the client turns the results into the batch's journal and
gradebook (:mod:`grader.cluster.client`). ``grader scheduler`` and ``grader worker`` start a
cluster's processes with the settings grading needs (:mod:`grader.cluster.command`).

Only :mod:`grader.cluster.client` and :mod:`grader.cluster.tasks` need Dask (``pip install
"recsys-grader[cluster]"``); this module and the commands import without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from grader.grading import GradingOptions

if TYPE_CHECKING:
    from grader.cluster.client import ClusterGrading

GRADING_SLOT = "grading-slot"
"""The Dask resource a worker offers once per notebook it grades at a time; each task takes one."""
ALLOWED_FAILURES = 2
"""How many times a notebook whose worker was lost is graded again elsewhere before its row
says so (the scheduler's ``distributed.scheduler.allowed-failures``)."""
QUIET_DASK = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "100ms",
}
"""Dask settings for a grading cluster's processes: a task lasts minutes, so the worker's 10 ms
profiler and fine-grained monitoring would only take CPU from the kernels beside them."""
SCHEDULER_CONFIG = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES, **QUIET_DASK}
"""Dask settings of a grading cluster's scheduler (and of a LocalCluster made for grading)."""
INSTALL_HINT = 'pip install "recsys-grader[cluster]" (here and on every worker)'


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be used (Dask missing, the scheduler unreachable); the message says what to do."""


def connect_cluster(address: str, options: GradingOptions, notify: Callable[[str], None]) -> ClusterGrading:
    """Connect to the scheduler at ``address`` to grade with ``options``.

    ``notify`` shows a line to the person grading (the dashboard's address, warnings about the
    workers) without disturbing the progress bar.

    Raises
    ------
    ClusterUnavailable
        When Dask is not installed or the scheduler cannot be reached.
    grader.config.ConfigError
        When a file named by the options cannot be read.
    """
    try:
        from grader.cluster.client import ClusterGrading
    except ImportError as error:
        raise ClusterUnavailable(f"--scheduler needs Dask's distributed package ({error}): {INSTALL_HINT}.") from None
    return ClusterGrading.connect(address, options, notify)
