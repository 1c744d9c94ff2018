"""The client's side of grading on a Dask cluster: a backend of :func:`grader.batch.grade_batch`
that submits one task per notebook (:func:`grader.cluster.tasks.grade_notebook`) and turns what
comes back into the batch's reports.

A notebook whose worker is lost (its process or machine dies, the network to it fails) is
graded again elsewhere by the scheduler, at most ``distributed.scheduler.allowed-failures``
times (2 on clusters started with ``grader scheduler``); then, as for any task that fails, its
row says why and the batch goes on.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from distributed import Client, Future, KilledWorker
from distributed.comm import connect
from distributed.security import Security

from grader.batch import BackendError, Finished
from grader.cluster import GRADING_SLOT, ClusterUnavailable
from grader.cluster.payload import notebook_payload, options_payload
from grader.cluster.tasks import grade_notebook
from grader.config import ConfigError, load_config
from grader.grading import GradingOptions
from grader.references import load_references
from grader.reports.model import SubmissionReport
from grader.sandbox import GUARANTEES, choose_level

WAIT_SECONDS = 1.0
"""How long :meth:`ClusterGrading.wait` waits for a result."""
SLOTS_SECONDS = 5.0
"""How often the grading slots the cluster offers are counted again (workers come and go)."""
RESUME_HINT = "What had finished is written; grade again with --resume to grade the rest."


class ClusterGrading:
    """The workers of a Dask cluster as the backend of a batch.

    As many notebooks are in flight as the cluster offers grading slots, so that a lost worker
    takes no more than the notebooks it was grading with it. Use :meth:`connect`.

    Parameters
    ----------
    client:
        A client connected to the cluster's scheduler.
    options:
        How to grade, as :func:`~grader.cluster.payload.options_payload` makes it for the
        workers; sent with every notebook.
    notify:
        Shows a line to the person grading (the dashboard, warnings about workers).
    """

    def __init__(self, client: Client, options: dict, notify: Callable[[str], None]):
        self.client = client
        self.address = client.scheduler.address
        self._options = options
        self._mode = options["sandbox"]
        self._notify = notify
        self._futures: dict[Future, tuple[int, Path]] = {}
        self._ended = threading.Event()  # set when a future in flight ends
        self._unsent: list[Finished] = []  # notebooks this machine could not read
        self._workers: dict[str, tuple[str, str]] = {}  # address -> sandbox level and device it grades with
        self._slots, self._counted = 0, -SLOTS_SECONDS

    @classmethod
    def connect(cls, address: str, options: GradingOptions, notify: Callable[[str], None]) -> ClusterGrading:
        """Read the options' files and connect to the scheduler at ``address``.

        Raises
        ------
        ClusterUnavailable
            When the scheduler cannot be reached.
        grader.config.ConfigError
            When a file named by the options cannot be read.
        """
        load_config(options.config)
        load_references(options.references)
        try:
            payload = options_payload(options)
        except OSError as error:
            raise ConfigError(f"Cannot read {error.filename} to send it to the workers: {error.strerror or error}.") from None
        try:
            asyncio.run(_reach(address))
        except (OSError, ValueError, TypeError) as error:
            raise ClusterUnavailable(
                f"Cannot reach the Dask scheduler at {address}: {error}. Check the address (tcp://HOST:8786, or "
                f"tls://HOST:8786 with Dask's TLS settings), that the scheduler runs (grader scheduler), and that "
                f"this machine can reach its port."
            ) from None
        return cls(Client(address, set_as_default=False), payload, notify)

    # --- the backend ----------------------------------------------------------------------------

    def capacity(self) -> int:
        """The grading slots the cluster offers now (at least one, so that a task waits for a worker)."""
        if time.monotonic() - self._counted >= SLOTS_SECONDS:
            self._slots, self._counted = self._count_slots(), time.monotonic()
        return max(1, self._slots)

    def running(self) -> int:
        return len(self._futures) + len(self._unsent)

    def start(self, index: int, path: Path) -> None:
        try:
            notebook = notebook_payload(path)
        except OSError as error:  # as a local grading process reports a file it cannot read
            message = f"Internal grader error, not caused by the notebook: {type(error).__name__}: {error}"
            self._unsent.append(Finished(index, SubmissionReport(submission=str(path), error=message)))
            return
        future = self.client.submit(
            grade_notebook, notebook, str(path), self._options,
            key=f"grade-{index}-{uuid.uuid4().hex}", resources={GRADING_SLOT: 1}, retries=0,
        )
        future.add_done_callback(lambda _: self._ended.set())
        self._futures[future] = (index, path)

    def wait(self) -> list[Finished]:
        finished, self._unsent = self._unsent, []
        if self._futures and not finished:
            self._ended.wait(WAIT_SECONDS)
        self._ended.clear()
        return finished + [self._finished(future) for future in list(self._futures) if future.done()]

    def close(self) -> None:
        """Cancel the notebooks still in flight (their workers stop grading them within a second)."""
        if self._futures:
            futures, self._futures = list(self._futures), {}
            self.client.cancel(futures)

    # --- the session's face ---------------------------------------------------------------------

    @property
    def sandbox_warning(self) -> str | None:
        """A warning for the reports when workers graded below full isolation (None otherwise)."""
        if self._mode == "none":
            return choose_level("none")[1]
        weak = sorted(f"{address} ({level})" for address, (level, _) in self._workers.items() if level != "full")
        if not weak:
            return None
        return f"WARNING: graded by workers with sandbox levels below full isolation: {', '.join(weak)}. See docs/cluster.md."

    def prepare(self) -> None:
        """Say where the batch is graded, where to watch it, and whether workers are there yet
        (each worker prepares its own data)."""
        try:
            dashboard = f"dashboard {self.client.dashboard_link}"
        except (KeyError, AttributeError):
            dashboard = "no dashboard (install bokeh where the scheduler runs to get one)"
        self._slots, self._counted = self._count_slots(), time.monotonic()
        self._notify(f"Grading on the Dask cluster at {self.address}: {self._slots} grading slot(s) now; {dashboard}")
        if not self._slots:
            self._notify(
                f"No worker of {self.address} offers grading slots yet: the notebooks wait for one. Start workers "
                f"with `grader worker {self.address}` (or `dask worker` with --resources {GRADING_SLOT}=N)."
            )

    def __enter__(self) -> ClusterGrading:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        self.client.close()

    # --- results ----------------------------------------------------------------------------------

    def _count_slots(self) -> int:
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        return int(sum(worker.get("resources", {}).get(GRADING_SLOT, 0) for worker in workers.values()))

    def _finished(self, future: Future) -> Finished:
        index, path = self._futures.pop(future)
        try:
            if future.status == "cancelled":
                raise BackendError(
                    f"The cluster at {self.address} dropped the grading of {path} (was its scheduler restarted, or the "
                    f"connection to it lost?). {RESUME_HINT}"
                )
            if future.status == "error":
                return Finished(index, self._row(path, *self._failure(future.exception())))
            return self._result(index, path, future.result())
        finally:
            future.release()

    def _result(self, index: int, path: Path, text: str) -> Finished:
        try:
            message = json.loads(text)
            if "setup_error" in message:
                raise BackendError(f"{message['setup_error']} {RESUME_HINT}")
            report = SubmissionReport.from_record(message["report"])
            worker, crashed = str(message["worker"]), bool(message["crashed"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return Finished(index, self._row(path, "Internal grader error, not caused by the notebook: a worker sent a result the grader cannot read."))
        self._seen(worker, report)
        return Finished(index, report, crashed)

    def _seen(self, worker: str, report: SubmissionReport) -> None:
        """Remember the sandbox a worker grades with; warn the first time it is below full."""
        known = worker in self._workers
        self._workers[worker] = (report.sandbox, report.device)
        if not known and report.sandbox != "full" and self._mode != "none":
            self._notify(
                f"WARNING: the worker {worker} grades with sandbox level '{report.sandbox}', below full isolation: "
                f"{GUARANTEES.get(report.sandbox, '')}. Notebooks graded there may reach the network, the cluster's "
                f"scheduler included. Run workers as root with bubblewrap and writable cgroups, or grade with "
                f"--sandbox strict to refuse such workers."
            )

    def _failure(self, error: BaseException) -> tuple[str, str | None]:
        """Why a task failed, in plain words, and the worker it was on when known."""
        if isinstance(error, KilledWorker):
            worker = getattr(error.last_worker, "address", None)
            return (
                f"Grading stopped: the cluster lost the worker grading this notebook {error.allowed_failures + 1} times "
                f"(the last one {worker}), so it was not graded again. A worker is lost when its process or machine "
                f"dies (out of memory, a preempted node, a network cut): see the workers' logs, and grade this "
                f"notebook on its own."
            ), worker
        return f"Internal grader error on the cluster, not caused by the notebook: {type(error).__name__}: {error}", None

    def _row(self, path: Path, reason: str, worker: str | None = None) -> SubmissionReport:
        """The report of a notebook that was not graded, for ``reason``."""
        level, device = self._workers.get(worker, ("none", "cpu"))
        return SubmissionReport(submission=str(path), error=reason, sandbox=level, device=device)


async def _reach(address: str) -> None:
    """Open and close a connection to the scheduler at ``address``, with Dask's security settings
    and connection timeout (``distributed.comm.timeouts.connect``)."""
    comm = await connect(address, **Security().get_connection_args("client"))
    await comm.close()
