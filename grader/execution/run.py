"""Execute a notebook in a sandboxed kernel, then collect its predictions from the same kernel.

Every cell runs, in order, even after errors. A cell past its time limit is interrupted; if it
does not stop within a grace period, or the notebook exceeds its overall limit, a watchdog
outside the event loop kills the kernel. Nothing the kernel does can stop this function from
returning a record.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import time
from dataclasses import dataclass
from typing import Any

import nbformat
import numpy as np
import zmq
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from tqdm import tqdm

from grader.bounds import BOUNDS
from grader.execution.channels import KernelTrafficError
from grader.execution.client import GradingClient
from grader.execution.kernel import GradingKernelManager
from grader.execution.protocol import PredictionResult, collect_predictions
from grader.execution.record import CellProblem, ExecutionRecord, trim_traceback
from grader.execution.untrusted import clean_text
from grader.sandbox import KernelSandbox

TIMEOUT_ENAME = "GradingTimeout"
GRACE_SECONDS = 10.0
STARTUP_SECONDS = 60
LOG_TAIL_CHARS = 1500


@dataclass(frozen=True)
class PredictionRequest:
    """What to ask the kernel for after the notebook ran."""

    part: str
    inputs: np.ndarray
    num_items: int
    batch_size: int
    timeout: float


@dataclass(frozen=True)
class ExecutionLimits:
    """Time bounds of one run."""

    notebook_seconds: float
    cell_seconds: float
    grace_seconds: float = GRACE_SECONDS


class _Watchdog:
    """Kills the sandbox if not cancelled in time: the bound nothing in the kernel can dodge."""

    def __init__(self, sandbox: KernelSandbox, seconds: float, reason: str):
        self._timer = threading.Timer(seconds, sandbox.kill, kwargs={"reason": reason})
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()


def execute_notebook(
    notebook: nbformat.NotebookNode,
    sandbox: KernelSandbox,
    env: dict[str, str],
    limits: ExecutionLimits,
    request: PredictionRequest | None,
    progress: bool = False,
) -> tuple[ExecutionRecord, PredictionResult | None]:
    """Run ``notebook`` in ``sandbox`` and, if its kernel survives, collect predictions.

    With ``progress`` a bar on stderr counts the cells as they run.

    Returns
    -------
    (ExecutionRecord, PredictionResult or None)
        The prediction result is None when the kernel could not be asked (it died or never
        started); the record says why.
    """
    return asyncio.run(_execute(notebook, sandbox, env, limits, request, progress))


async def _execute(notebook, sandbox, env, limits, request, progress):
    record = ExecutionRecord.for_notebook(notebook)
    manager = GradingKernelManager(launch_wrapper=sandbox.command)
    # IPC sockets in the job's runtime folder: TCP cannot cross into the sandbox's network
    # namespace, and no port is opened to other users of the machine.
    manager.transport = "ipc"
    manager.ip = sandbox.ipc_path
    manager.connection_file = sandbox.connection_file
    client = GradingClient(
        notebook,
        km=manager,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "time limit", "traceback": []},
        raise_on_iopub_timeout=True,
        iopub_timeout=int(limits.grace_seconds),
        startup_timeout=STARTUP_SECONDS,
        shutdown_kernel="immediate",
        kernel_name="python3",
    )
    client.on_cell_executed = lambda **kw: _record_reply(record, **kw)
    log_path = sandbox.log_path
    predictions = None
    with open(log_path, "wb") as log:
        try:
            async with client.async_setup_kernel(env=env, cwd=sandbox.launch_cwd, independent=True, stdout=log, stderr=log):
                sandbox.process = manager.provisioner.process
                client.on_flood = lambda index: _on_flood(sandbox, record.position_name(index + 1))
                iopub_events = client.kc.iopub_channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
                await _run_cells(client, notebook, sandbox, record, limits, iopub_events, progress)
                if record.kernel_died is None and request is not None:
                    predictions = await _predict(client, sandbox, request, limits)
                    if predictions.error and not await client.kc.is_alive():
                        record.kernel_died = _death(manager, sandbox)
        except KernelTrafficError as error:
            sandbox.kill(str(error))
            record.kernel_died = record.kernel_died or str(error)
        except (RuntimeError, TimeoutError, OSError) as error:
            if record.cells_run == 0 and record.kernel_died is None:
                record.start_error = f"{error}. {_log_tail(log_path)}".strip()
            else:
                record.kernel_died = record.kernel_died or _death(manager, sandbox)
        except Exception as error:  # whatever the kernel's traffic provoked is the submission's problem
            sandbox.kill()
            record.kernel_died = record.kernel_died or clean_text(
                f"The grader stopped the kernel after handling its messages failed ({type(error).__name__}: {error})."
            )
        finally:
            sandbox.kill()
            atexit.unregister(client._cleanup_kernel)  # nbclient leaves it registered after a failed start
    record.output_bytes = client.output_bytes
    record.output_truncated = client.output_truncated
    return record, predictions


async def _run_cells(
    client: GradingClient, notebook, sandbox: KernelSandbox, record: ExecutionRecord, limits: ExecutionLimits, iopub_events, progress: bool
) -> None:
    bar = tqdm(total=record.code_cells, desc="Running cells", unit="cell", leave=False, disable=not progress)
    started = time.monotonic()
    deadline = started + limits.notebook_seconds
    try:
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                record.notebook_timed_out = True
                break
            timeout = max(1, int(min(limits.cell_seconds, remaining)))
            client.timeout = timeout
            reason = (
                f"{record.position_name(index + 1).capitalize()} was still running {limits.grace_seconds:.0f} s after being interrupted at "
                f"its time limit ({timeout} s), so the kernel was stopped. Cells that ignore interrupts "
                f"cannot be graded further."
            )
            watchdog = _Watchdog(sandbox, timeout + 2 * limits.grace_seconds, reason)
            try:
                await client.async_execute_cell(cell, index)
                record.cells_run += 1
                bar.update()
            except CellTimeoutError:
                if await _dropped_a_message(iopub_events):
                    reason = (
                        f"{record.position_name(index + 1).capitalize()} sent more than {BOUNDS.message_bytes // 2**20} MB of output at once, which the "
                        f"grader refuses, so the kernel was stopped. Do not print huge objects or print in a tight loop."
                    )
                sandbox.kill(reason)
                record.add(CellProblem(index + 1, "killed", "stopped by the grader (see below)"))
                record.kernel_died = reason
                break
            except DeadKernelError:
                record.kernel_died = _death(client.km, sandbox, index + 1)
                record.add(CellProblem(index + 1, "killed", "the kernel stopped while this cell ran"))
                break
            except KernelTrafficError as error:
                sandbox.kill(str(error))
                record.add(CellProblem(index + 1, "killed", "stopped by the grader (see below)"))
                record.kernel_died = str(error)
                break
            finally:
                watchdog.cancel()
            if time.monotonic() > deadline and record.cells_run < record.code_cells:
                record.notebook_timed_out = True
                break
    finally:
        record.seconds = time.monotonic() - started
        bar.close()


async def _dropped_a_message(monitor) -> bool:
    """Whether ZeroMQ cut the output connection (what it does to a message over the size cap)."""
    try:
        return bool(await monitor.poll(timeout=0))
    except zmq.ZMQError:
        return False


def _record_reply(record: ExecutionRecord, cell: Any, cell_index: int, execute_reply: dict) -> None:
    content = (execute_reply or {}).get("content", {})
    if content.get("status") != "error":
        return
    ename, evalue = clean_text(content.get("ename", ""), 200), clean_text(content.get("evalue", ""), 500)
    if ename == TIMEOUT_ENAME:
        record.add(CellProblem(cell_index + 1, "timeout", "ran past its time limit and was interrupted"))
    elif ename == "PartNotStagedError":
        record.add(CellProblem(cell_index + 1, "other part", "needs the other part's data (not an error in this run)"))
    else:
        traceback = content.get("traceback")
        lines = [clean_text(line) for line in traceback] if isinstance(traceback, list) else []
        record.add(CellProblem(cell_index + 1, "error", f"{ename}: {evalue}"[:500], trim_traceback(lines)))


def _on_flood(sandbox: KernelSandbox, cell: str) -> None:
    sandbox.kill(
        f"{cell.capitalize()} printed more than {BOUNDS.flood_output_bytes // 2**20} MB of output, so the kernel was stopped. "
        f"Print summaries, not whole arrays or every batch."
    )


async def _predict(client: GradingClient, sandbox: KernelSandbox, request: PredictionRequest, limits: ExecutionLimits) -> PredictionResult:
    reason = (
        f"The prediction function was still running {limits.grace_seconds:.0f} s after its time limit "
        f"({request.timeout:.0f} s), so the kernel was stopped."
    )
    watchdog = _Watchdog(sandbox, request.timeout + limits.grace_seconds, reason)
    try:
        result = await collect_predictions(client.kc, request.part, request.inputs, request.num_items, request.batch_size, request.timeout)
        if result.timed_out:
            await client.km.interrupt_kernel()
        return result
    finally:
        watchdog.cancel()


def _death(manager: GradingKernelManager, sandbox: KernelSandbox, cell: int | None = None) -> str:
    process = getattr(manager.provisioner, "process", None) if manager.provisioner else None
    returncode = None
    if process is not None:
        try:
            returncode = process.wait(timeout=2)
        except Exception:  # still running: the kernel stopped answering
            returncode = None
    reason = sandbox.death_reason(returncode)
    return f"{reason} (while cell {cell} ran)" if cell and not sandbox.killed_by_grader else reason


def _log_tail(path) -> str:
    try:
        text = path.read_bytes()[-LOG_TAIL_CHARS:].decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return f"Kernel log: {clean_text(text, LOG_TAIL_CHARS)}" if text else ""
