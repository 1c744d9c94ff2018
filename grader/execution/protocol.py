"""Asking the kernel for predictions: hidden inputs in, plain float64 buffers out.

The grader sends the hidden *inputs* (never labels) inside a small piece of code that calls the
contract function batch by batch and sends each result back as a raw little-endian float64
buffer on a Jupyter comm. The grader accepts only buffers of exactly the expected size, in the
expected order; it never unpickles, evaluates or reads a file the kernel could have written.
Anything the kernel says (error text included) is only an explanation, never a result.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from queue import Empty

import numpy as np

COMM_TARGET = "grader.predictions"
ERROR_CHARS = 1500

KERNEL_CODE = '''
def __grader_predict(function_name, payload, shape, part, batch_size):
    import base64, traceback
    import numpy
    from comm import create_comm
    channel = create_comm(target_name="grader.predictions")
    try:
        inputs = numpy.frombuffer(base64.b64decode(payload), dtype="<i8").reshape(shape)
        function = globals().get(function_name)
        if function is None:
            channel.send({"error": "missing"})
            return
        if not callable(function):
            channel.send({"error": f"{function_name} is a {type(function).__name__}, not a function."})
            return
        for start in range(0, len(inputs), batch_size):
            rows = inputs[start : start + batch_size]
            try:
                if part == "explicit":
                    answer = function(rows[:, 0].copy(), rows[:, 1].copy())
                else:
                    answer = function(rows.copy())
            except BaseException as error:
                lines = traceback.format_exception(type(error), error, error.__traceback__.tb_next)
                channel.send({"error": f"{function_name} raised {type(error).__name__}: {error}", "traceback": "".join(lines[-8:])})
                return
            try:
                array = numpy.asarray(answer)
            except BaseException as error:
                channel.send({"error": f"{function_name} returned a {type(answer).__name__} that is not an array of numbers ({error})."})
                return
            if array.dtype.kind not in "iuf":
                channel.send({"error": f"{function_name} returned values of type {array.dtype} (from a {type(answer).__name__}); return a numpy array of floats."})
                return
            array = numpy.ascontiguousarray(array, dtype="<f8")
            channel.send({"start": int(start), "shape": [int(d) for d in array.shape]}, buffers=[memoryview(array).cast("B")])
        channel.send({"done": True})
    finally:
        channel.close()
'''


@dataclass
class PredictionResult:
    """Predictions assembled by the grader, or why there are none."""

    values: np.ndarray | None
    error: str | None = None
    seconds: float = 0.0
    timed_out: bool = False


def contract_function(part: str) -> str:
    """The name of the function a part's notebook must define."""
    return "predict_ratings" if part == "explicit" else "predict_next"


def _expected_shape(part: str, rows: int, num_items: int) -> tuple[int, ...]:
    return (rows,) if part == "explicit" else (rows, num_items)


def _describe_shape_problem(part: str, rows: int, num_items: int, shape: tuple[int, ...]) -> str:
    if part == "explicit":
        return (
            f"predict_ratings returned shape {shape} for a batch of {rows:,} pairs; it must return "
            f"one rating per pair, shape ({rows},)."
        )
    return (
        f"predict_next returned shape {shape} for a batch of {rows:,} sequences; it must return "
        f"shape ({rows}, {num_items}): one row per sequence, one score per item id (column 0 is padding)."
    )


async def collect_predictions(
    client, part: str, inputs: np.ndarray, num_items: int, batch_size: int, timeout: float
) -> PredictionResult:
    """Run the contract function in the kernel over ``inputs`` and assemble its answers.

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
    name = contract_function(part)
    inputs = np.ascontiguousarray(inputs, dtype="<i8")
    payload = base64.b64encode(inputs.tobytes()).decode("ascii")
    call = f"__grader_predict({name!r}, {payload!r}, {list(inputs.shape)!r}, {part!r}, {batch_size})"
    code = f"{KERNEL_CODE}\ntry:\n    {call}\nfinally:\n    del __grader_predict\n"

    n = len(inputs)
    values = np.empty(_expected_shape(part, n, num_items), dtype=np.float64)
    next_start, kernel_error, done = 0, None, False
    started = time.monotonic()
    deadline = started + timeout
    msg_id = client.execute(code, silent=True, store_history=False)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return PredictionResult(None, f"{name} did not finish within {timeout:.0f} s.", time.monotonic() - started, True)
        try:
            message = await client.get_iopub_msg(timeout=min(remaining, 1.0))
        except (Empty, asyncio.TimeoutError):
            if not await client.is_alive():
                return PredictionResult(None, f"The kernel stopped while {name} was running.", time.monotonic() - started)
            continue
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind == "status" and message["content"].get("execution_state") == "idle":
            break
        if kind == "error":
            kernel_error = kernel_error or f"{message['content'].get('ename')}: {message['content'].get('evalue')}"
        if kind != "comm_msg" or done or kernel_error:
            continue
        data = message["content"].get("data")
        if not isinstance(data, dict):
            kernel_error = "The kernel sent predictions in an unexpected form."
            continue
        if "error" in data:
            kernel_error = str(data["error"])[:ERROR_CHARS]
            if data["error"] == "missing":
                kernel_error = (
                    f"The notebook does not define {name} at the top level after it ran. Define "
                    f"`def {name}(...)` in a cell that runs without error, spelled exactly so."
                )
            elif data.get("traceback"):
                kernel_error += "\n" + str(data["traceback"])[-ERROR_CHARS:]
            continue
        if data.get("done"):
            done = True
            continue
        problem = _accept_batch(part, data, message.get("buffers") or [], values, next_start, min(batch_size, n - next_start), num_items)
        if isinstance(problem, str):
            kernel_error = problem
            continue
        next_start = problem
    seconds = time.monotonic() - started
    if kernel_error:
        return PredictionResult(None, kernel_error, seconds)
    if not done or next_start != n:
        return PredictionResult(None, f"{name} returned answers for {next_start:,} of {n:,} inputs.", seconds)
    return PredictionResult(values, None, seconds)


def _accept_batch(part: str, data: dict, buffers: list, values: np.ndarray, start: int, rows: int, num_items: int) -> int | str:
    """Copy one batch into ``values``; return the next start, or a message saying what was wrong."""
    unexpected = "The kernel sent predictions out of order or in an unexpected form."
    if data.get("start") != start or len(buffers) != 1 or rows <= 0:
        return unexpected
    try:
        shape = tuple(int(d) for d in data.get("shape", ()))
    except (TypeError, ValueError):
        return unexpected
    if part == "explicit" and shape == (rows, 1):
        shape = (rows,)
    expected = _expected_shape(part, rows, num_items)
    if shape != expected:
        return _describe_shape_problem(part, rows, num_items, shape)
    buffer = memoryview(buffers[0]).cast("B")
    if buffer.nbytes != 8 * int(np.prod(expected)):
        return "The kernel sent a prediction buffer of the wrong size."
    values[start : start + rows] = np.frombuffer(buffer, dtype="<f8").reshape(expected)
    return start + rows
