"""The prediction contract, written once: which function each part grades, how it is called on a
batch of inputs, what its answer must be, and the words that say what was wrong.

Three places use it and must agree word for word: the kernel, which runs :func:`answer_in_kernel`
on each batch the grader sends (:mod:`grader.execution.protocol`); the grader's process, which
checks the shape of what comes back with :func:`checked_shape`; and the notebooks' self-check
and the baselines, which call :func:`answer_batch` in-process. It imports only numpy and
:mod:`grader.metrics`, since every graded kernel imports it.
"""

from __future__ import annotations

import base64
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from grader.metrics import InvalidPredictionsError, as_numpy


@dataclass(frozen=True)
class Contract:
    """One part's graded function: its name, what it is given, what it answers."""

    function: str
    inputs: str
    """What one input row is, in messages: ``pairs`` or ``sequences``."""
    scores_items: bool
    """It answers a row of scores, one per item id, for each input (else one value per input)."""

    def call(self, function: Callable, rows: np.ndarray) -> object:
        """Call the graded function on one batch: ``(user_ids, item_ids)`` or ``(sequences)``."""
        return function(rows.copy()) if self.scores_items else function(rows[:, 0].copy(), rows[:, 1].copy())

    def expected_shape(self, rows: int, num_items: int) -> tuple[int, ...]:
        """The shape of a correct answer to a batch of ``rows`` inputs."""
        return (rows, num_items) if self.scores_items else (rows,)

    def accepted_shapes(self, rows: int, num_items: int) -> tuple[tuple[int, ...], ...]:
        """Shapes taken as the expected one (a column of ratings is a harmless and common shape)."""
        return (self.expected_shape(rows, num_items),) if self.scores_items else ((rows,), (rows, 1))

    def expected_words(self, rows: int, num_items: int) -> str:
        if self.scores_items:
            return f"it must return shape ({rows}, {num_items}): one row per sequence, one score per item id (column 0 is padding)"
        return f"it must return one rating per pair, shape ({rows},)"


CONTRACTS = {
    "explicit": Contract("predict_ratings", "pairs", scores_items=False),
    "sequence": Contract("predict_next", "sequences", scores_items=True),
}
CONTRACT_FUNCTIONS = {part: contract.function for part, contract in CONTRACTS.items()}
COMM_TARGET = "grader.predictions"
"""The Jupyter comm on which the kernel sends its answers."""
MAX_DIMENSIONS = 3
"""Answers of more dimensions are refused before their shape is read."""
TRACEBACK_LINES = 12
"""A longer traceback keeps the student's first frames and the end, where the error is."""


def missing_function_message(name: str) -> str:
    """What the grader says when the notebook has no top-level function ``name``."""
    return (
        f"The notebook does not define {name} at the top level after it ran. Define "
        f"`def {name}(...)` in a cell that runs without error, spelled exactly so."
    )


def graded_function(part: str, namespace: Mapping[str, object]) -> Callable:
    """The part's contract function among a notebook's top-level names, as the grader finds it.

    Raises InvalidPredictionsError, with the grader's message, when it is missing or is not a
    function (a method of a class, or a misspelt name, is not found).
    """
    name = CONTRACT_FUNCTIONS[part]
    function = namespace.get(name)
    if function is None:
        raise InvalidPredictionsError(missing_function_message(name))
    if not callable(function):
        raise InvalidPredictionsError(f"{name} is a {type(function).__name__}, not a function.")
    return function


def as_array(name: str, answer: object) -> np.ndarray:
    """An answer as a contiguous little-endian float64 array, or InvalidPredictionsError saying why not.

    A torch tensor, on any device, with or without grad, is converted (``.detach().cpu().numpy()``).
    """
    answer = as_numpy(answer)
    try:
        array = np.asarray(answer)
    except Exception as error:  # arbitrary objects may fail to convert in arbitrary ways
        raise InvalidPredictionsError(f"{name} returned a {type(answer).__name__} that is not an array of numbers ({error}).") from error
    if array.dtype.kind not in "iuf":
        raise InvalidPredictionsError(f"{name} returned values of type {array.dtype} (from a {type(answer).__name__}); return a numpy array of floats.")
    return np.ascontiguousarray(array, dtype="<f8")


def checked_shape(part: str, shape: tuple[int, ...], rows: int, num_items: int) -> tuple[int, ...]:
    """The expected shape when an answer of ``shape`` is acceptable for a batch of ``rows``
    (a column of ratings, ``(rows, 1)``, is a harmless and common shape); else
    InvalidPredictionsError in the grader's words."""
    contract = CONTRACTS[part]
    name, words = contract.function, contract.expected_words(rows, num_items)
    if len(shape) > MAX_DIMENSIONS:
        raise InvalidPredictionsError(f"{name} returned an array of {len(shape):,} dimensions; {words}.")
    if tuple(shape) in contract.accepted_shapes(rows, num_items):
        return contract.expected_shape(rows, num_items)
    raise InvalidPredictionsError(f"{name} returned shape {tuple(shape)} for a batch of {rows:,} {contract.inputs}; {words}.")


def answer_batch(predict: Callable, part: str, rows: np.ndarray, num_items: int = 0) -> np.ndarray:
    """Call ``predict`` on one batch of inputs as the grader does; return its answer as float64.

    Parameters
    ----------
    rows:
        int64 (n, 2) user and item ids (Part 1) or (n, 9) input sequences (Part 2).
    num_items:
        Width of a Part 2 score row.

    Raises
    ------
    InvalidPredictionsError
        With the grader's message when ``predict`` answers with the wrong type or shape (values
        are checked for NaN and infinity over the whole set, by the metrics). What ``predict``
        raises itself goes through unchanged, with its own traceback.
    """
    array = as_array(CONTRACT_FUNCTIONS[part], CONTRACTS[part].call(predict, rows))
    return array.reshape(checked_shape(part, array.shape, len(rows), num_items))


def answer_in_kernel(namespace: Mapping[str, object], part: str, payload: str, shape: list[int], send: Callable | None = None) -> None:
    """The kernel's side of one request: call the notebook's contract function on the batch in
    ``payload`` (base64 of little-endian int64 rows of ``shape``) and send the answer's shape and
    float64 buffer, or ``{"error": ...}`` with the reason, on a comm to the grader.

    What is sent is only a claim: the grader accepts a buffer of exactly the expected size and
    checks the shape itself.
    """
    if send is None:
        from comm import create_comm

        channel = create_comm(target_name=COMM_TARGET)
        send, close = channel.send, channel.close
    else:
        close = None
    name = CONTRACT_FUNCTIONS[part]
    try:
        rows = np.frombuffer(base64.b64decode(payload), dtype="<i8").reshape(shape)
        try:
            function = graded_function(part, namespace)
        except InvalidPredictionsError as invalid:
            send({"error": "missing" if namespace.get(name) is None else str(invalid)})
            return
        try:
            answer = CONTRACTS[part].call(function, rows)
        except BaseException as error:
            send({"error": f"{name} raised {type(error).__name__}: {error}", "traceback": _students_traceback(error)})
            return
        try:
            array = as_array(name, answer)
        except InvalidPredictionsError as invalid:
            send({"error": str(invalid)})
            return
        except Exception as error:
            send({"error": f"{name} returned predictions that could not be read: {error}"})
            return
        send({"shape": [int(d) for d in array.shape]}, buffers=[memoryview(array).cast("B")])
    finally:
        if close is not None:
            close()


def _students_traceback(error: BaseException) -> str:
    """The traceback from the student's frames on (the contract's own are left out), shortened."""
    frames = error.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == __file__:
        frames = frames.tb_next
    lines = traceback.format_exception(type(error), error, frames)
    if len(lines) > TRACEBACK_LINES:
        lines = lines[:5] + ["  ...\n"] + lines[-6:]
    return "".join(lines)
