"""The grader's side of the prediction protocol: only exact, in-order float64 buffers are accepted."""

from __future__ import annotations

import numpy as np
import pytest

from grader.execution.protocol import _accept_batch, contract_function


def _buffer(values) -> memoryview:
    return memoryview(np.ascontiguousarray(values, dtype="<f8")).cast("B")


def test_a_well_formed_batch_is_copied_in_place() -> None:
    values = np.zeros(5)
    assert _accept_batch("explicit", {"start": 0, "shape": [3]}, [_buffer([1, 2, 3])], values, 0, 3, 0) == 3
    assert _accept_batch("explicit", {"start": 3, "shape": [2, 1]}, [_buffer([[4], [5]])], values, 3, 2, 0) == 5
    np.testing.assert_array_equal(values, [1, 2, 3, 4, 5])


@pytest.mark.parametrize(
    "data, buffers, words",
    [
        ({"start": 2, "shape": [3]}, [_buffer([1, 2, 3])], "out of order"),
        ({"start": 0, "shape": "abc"}, [_buffer([1, 2, 3])], "unexpected form"),
        ({"start": 0, "shape": [None]}, [_buffer([1, 2, 3])], "unexpected form"),
        ({"start": 0, "shape": [3]}, [], "unexpected form"),
        ({"start": 0, "shape": [3]}, [_buffer([1, 2, 3]), _buffer([1])], "unexpected form"),
        ({"start": 0, "shape": [3]}, [b"\x00" * 5], "wrong size"),
        ({"start": 0, "shape": [2]}, [_buffer([1, 2])], "shape (2,) for a batch of 3 pairs"),
    ],
)
def test_anything_else_is_refused_with_a_reason(data, buffers, words: str) -> None:
    values = np.zeros(3)
    assert words in _accept_batch("explicit", data, buffers, values, 0, 3, 0)
    np.testing.assert_array_equal(values, 0)


def test_sequence_batches_must_cover_the_catalogue() -> None:
    message = _accept_batch("sequence", {"start": 0, "shape": [2, 10]}, [_buffer(np.zeros((2, 10)))], np.zeros((2, 11)), 0, 2, 11)
    assert "shape (2, 11)" in message and "column 0 is padding" in message


def test_contract_function_names() -> None:
    assert (contract_function("explicit"), contract_function("sequence")) == ("predict_ratings", "predict_next")
