"""Asking the kernel for predictions: hidden inputs in, plain float64 buffers out.

The grader sends the hidden *inputs* (never labels) one batch per request: each request is a
small piece of code holding only that batch, which calls the contract function once and sends
the answer back as a raw little-endian float64 buffer on a Jupyter comm. The next batch is sent
only after the answer to the previous one has arrived, so nothing the function can reach holds
rows it has not been asked about yet. The grader accepts only a buffer of exactly the expected
size; it never unpickles, evaluates or reads a file the kernel could have written. Anything the
kernel says (error text included) is only an explanation, never a result.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from queue import Empty

import numpy as np

from grader.contract import CONTRACTS, MAX_DIMENSIONS, checked_shape, missing_function_message
from grader.execution.channels import KernelTrafficError
from grader.execution.untrusted import clean_text
from grader.metrics import InvalidPredictionsError

ERROR_CHARS = 1500

KERNEL_CODE = "from grader.contract import answer_in_kernel as __grader_answer"
"""Defines the kernel's side of a request (:func:`grader.contract.answer_in_kernel`) for one call."""


@dataclass
class PredictionResult:
    """Predictions assembled by the grader, or why there are none."""

    values: np.ndarray | None
    error: str | None = None
    seconds: float = 0.0
    timed_out: bool = False


async def collect_predictions(
    client, part: str, inputs: np.ndarray, num_items: int, batch_size: int, timeout: float
) -> PredictionResult:
    """Run the contract function in the kernel over ``inputs``, one batch per request, and
    assemble its answers.

    Parameters
    ----------
    client:
        A started async kernel client.
    part:
        ``"explicit"`` (inputs (n, 2): user, item) or ``"sequence"`` (inputs (n, 9)).
    num_items:
        Width of a Part 2 score row.
    timeout:
        Seconds allowed for all batches; past it the result says so and has no values.
    """
    name = CONTRACTS[part].function
    inputs = np.ascontiguousarray(inputs, dtype="<i8")
    n = len(inputs)
    values = np.empty(CONTRACTS[part].expected_shape(n, num_items), dtype=np.float64)
    started = time.monotonic()
    deadline = started + timeout
    for start in range(0, n, batch_size):
        rows = inputs[start : start + batch_size]
        answer = await _ask(client, part, name, rows, num_items, deadline)
        if isinstance(answer, PredictionResult):
            answer.seconds = time.monotonic() - started
            if answer.timed_out:
                answer.error = f"{name} did not finish within {timeout:.0f} s."
            return answer
        values[start : start + len(rows)] = answer
    return PredictionResult(values, None, time.monotonic() - started)


async def _ask(client, part: str, name: str, rows: np.ndarray, num_items: int, deadline: float) -> np.ndarray | PredictionResult:
    """One request: the batch ``rows`` in, its validated answer (or why there is none) out."""
    payload = base64.b64encode(rows.tobytes()).decode("ascii")
    call = f"__grader_answer(globals(), {part!r}, {payload!r}, {list(rows.shape)!r})"
    code = f"{KERNEL_CODE}\ntry:\n    {call}\nfinally:\n    del __grader_answer\n"
    msg_id = client.execute(code, silent=True, store_history=False)
    answer, problem = None, None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return PredictionResult(None, None, timed_out=True)
        try:
            message = await client.get_iopub_msg(timeout=min(remaining, 1.0))
        except (TimeoutError, Empty):
            if not await client.is_alive():
                return PredictionResult(None, f"The kernel stopped while {name} was running.")
            continue
        except KernelTrafficError as error:
            return PredictionResult(None, str(error))
        parent = message.get("parent_header")
        if not isinstance(parent, dict) or parent.get("msg_id") != msg_id:
            continue
        kind, content = message.get("msg_type"), message.get("content")
        content = content if isinstance(content, dict) else {}
        if kind == "status" and content.get("execution_state") == "idle":
            break
        if kind == "error" and problem is None:
            problem = clean_text(f"{content.get('ename')}: {content.get('evalue')}", ERROR_CHARS)
        if kind != "comm_msg" or answer is not None or problem is not None:
            continue
        data = content.get("data")
        if not isinstance(data, dict):
            problem = "The kernel sent predictions in an unexpected form."
        elif "error" in data:
            problem = _describe_error(name, data)
        else:
            accepted = _accept_batch(part, data, message.get("buffers") or [], len(rows), num_items)
            answer, problem = (accepted, None) if isinstance(accepted, np.ndarray) else (None, accepted)
    if problem is not None:
        return PredictionResult(None, problem)
    if answer is None:
        return PredictionResult(None, f"{name} returned no answer for a batch of {len(rows):,} inputs.")
    return answer


def _describe_error(name: str, data: dict) -> str:
    """The kernel's account of why it has no answer, bounded in size."""
    if data["error"] == "missing":
        return missing_function_message(name)
    message = clean_text(data["error"], ERROR_CHARS)
    if data.get("traceback"):
        message += "\n" + clean_text(str(data["traceback"])[-4 * ERROR_CHARS :], ERROR_CHARS)
    return message


def _accept_batch(part: str, data: dict, buffers: list, rows: int, num_items: int) -> np.ndarray | str:
    """The answer to a batch of ``rows`` inputs as an array, or a message saying what was wrong."""
    unexpected = "The kernel sent predictions in an unexpected form."
    shape = data.get("shape")
    if len(buffers) != 1 or rows <= 0 or not isinstance(shape, list):
        return unexpected
    try:
        if len(shape) <= MAX_DIMENSIONS:  # more are refused by their count alone
            shape = tuple(int(d) for d in shape)
        expected = checked_shape(part, shape, rows, num_items)
    except (TypeError, ValueError, OverflowError) as error:
        return str(error) if isinstance(error, InvalidPredictionsError) else unexpected
    buffer = memoryview(buffers[0]).cast("B")
    if buffer.nbytes != 8 * int(np.prod(expected)):
        return "The kernel sent a prediction buffer of the wrong size."
    return np.frombuffer(buffer, dtype="<f8").reshape(expected).copy()
