"""The contract has one wording: an answer refused in the kernel (and checked again by the grader)
reads exactly as the self-check's refusal of the same answer, without starting a kernel."""

from __future__ import annotations

import base64

import numpy as np
import pytest
import torch

from grader.contract import answer_batch, answer_in_kernel, graded_function
from grader.execution.protocol import _accept_batch, _describe_error
from grader.metrics import InvalidPredictionsError

PAIRS = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int64)
SEQUENCES = np.array([[0, 1, 2], [3, 4, 5]], dtype=np.int64)
NUM_ITEMS = 7


class Unconvertible:
    def __array__(self, *args, **kwargs):
        raise ValueError("no array here")


def _through_the_kernel(part: str, namespace: dict, rows: np.ndarray) -> np.ndarray | str:
    """What the grader makes of the kernel's answer to one request: an array or its message."""
    sent = []
    payload = base64.b64encode(rows.astype("<i8").tobytes()).decode("ascii")
    answer_in_kernel(namespace, part, payload, list(rows.shape), send=lambda data, buffers=None: sent.append((data, buffers or [])))
    (data, buffers), = sent
    if "error" in data:
        return _describe_error(graded_name(part), data)
    return _accept_batch(part, data, buffers, len(rows), NUM_ITEMS)


def graded_name(part: str) -> str:
    return {"explicit": "predict_ratings", "sequence": "predict_next"}[part]


def _in_process(part: str, namespace: dict, rows: np.ndarray) -> np.ndarray | str:
    try:
        return answer_batch(graded_function(part, namespace), part, rows, NUM_ITEMS)
    except InvalidPredictionsError as invalid:
        return str(invalid)


ANSWERS = {
    "strings": lambda n: ["4"] * n,
    "objects": lambda n: np.array([{}] * n, dtype=object),
    "unconvertible": lambda n: Unconvertible(),
    "too short": lambda n: np.zeros(n - 1),
    "four dimensions": lambda n: np.zeros((n, 1, 1, 1)),
    "a column": lambda n: np.ones((n, 1)),
    "integers": lambda n: np.arange(n),
    "a tensor with grad": lambda n: torch.ones(n, requires_grad=True),
    "bfloat16": lambda n: torch.ones(n, dtype=torch.bfloat16),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_the_kernel_and_the_self_check_answer_a_rating_batch_alike(name: str) -> None:
    namespace = {"predict_ratings": lambda users, items: ANSWERS[name](len(users))}
    kernel, local = _through_the_kernel("explicit", namespace, PAIRS), _in_process("explicit", namespace, PAIRS)
    if isinstance(local, str):
        assert kernel == local
    else:
        np.testing.assert_array_equal(kernel, local)


@pytest.mark.parametrize(
    "answer",
    [lambda n: np.zeros((n, NUM_ITEMS)), lambda n: np.zeros((n, NUM_ITEMS - 1)), lambda n: np.zeros(n), lambda n: torch.zeros(n, NUM_ITEMS)],
)
def test_the_kernel_and_the_self_check_answer_a_sequence_batch_alike(answer) -> None:
    namespace = {"predict_next": lambda sequences: answer(len(sequences))}
    kernel, local = _through_the_kernel("sequence", namespace, SEQUENCES), _in_process("sequence", namespace, SEQUENCES)
    if isinstance(local, str):
        assert kernel == local and "column 0 is padding" in kernel
    else:
        np.testing.assert_array_equal(kernel, local)


@pytest.mark.parametrize("namespace", [{}, {"predict_ratings": 3}, {"predict_rating": lambda u, i: u}])
def test_a_missing_or_uncallable_function_is_named_alike(namespace: dict) -> None:
    assert _through_the_kernel("explicit", namespace, PAIRS) == _in_process("explicit", namespace, PAIRS)


def test_what_the_function_raises_is_sent_from_the_students_frame_on() -> None:
    def predict_ratings(users, items):
        return {}[int(users[0])]

    message = _through_the_kernel("explicit", {"predict_ratings": predict_ratings}, PAIRS)
    assert message.startswith("predict_ratings raised KeyError: 1\n")
    assert "in predict_ratings" in message and "grader/contract.py" not in message
