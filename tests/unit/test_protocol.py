"""The grader's side of the prediction protocol: only an exact float64 buffer per batch is accepted,
and whatever else the kernel sends is a reason, never a crash."""

from __future__ import annotations

import numpy as np
import pytest

from grader.execution.protocol import _accept_batch


def _buffer(values) -> memoryview:
    return memoryview(np.ascontiguousarray(values, dtype="<f8")).cast("B")


def test_a_well_formed_batch_is_accepted() -> None:
    np.testing.assert_array_equal(_accept_batch("explicit", {"shape": [3]}, [_buffer([1, 2, 3])], 3, 0), [1, 2, 3])
    np.testing.assert_array_equal(_accept_batch("explicit", {"shape": [2, 1]}, [_buffer([[4], [5]])], 2, 0), [4, 5])


@pytest.mark.parametrize(
    "data, buffers, words",
    [
        ({"shape": "abc"}, [_buffer([1, 2, 3])], "unexpected form"),
        ({"shape": [None]}, [_buffer([1, 2, 3])], "unexpected form"),
        ({"shape": [float("inf")]}, [_buffer([1, 2, 3])], "unexpected form"),
        ({"shape": [[3]]}, [_buffer([1, 2, 3])], "unexpected form"),
        ({}, [_buffer([1, 2, 3])], "unexpected form"),
        ({"shape": [3]}, [], "unexpected form"),
        ({"shape": [3]}, [_buffer([1, 2, 3]), _buffer([1])], "unexpected form"),
        ({"shape": [3]}, [b"\x00" * 5], "wrong size"),
        ({"shape": [2]}, [_buffer([1, 2])], "shape (2,) for a batch of 3 pairs"),
        ({"shape": [1] * 20_000_000}, [_buffer([1, 2, 3])], "20,000,000 dimensions"),
    ],
)
def test_anything_else_is_refused_with_a_short_reason(data, buffers, words: str) -> None:
    answer = _accept_batch("explicit", data, buffers, 3, 0)
    assert isinstance(answer, str) and words in answer and len(answer) < 300


def test_sequence_batches_must_cover_the_catalogue() -> None:
    message = _accept_batch("sequence", {"shape": [2, 10]}, [_buffer(np.zeros((2, 10)))], 2, 11)
    assert "shape (2, 11)" in message and "column 0 is padding" in message
