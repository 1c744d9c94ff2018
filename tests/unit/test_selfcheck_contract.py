"""The self-check is the grader in miniature: it finds the graded function among the notebook's
top-level names, calls it in the grader's batches and refuses bad answers with the grader's
messages; returned torch tensors are converted as the contract says."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader import selfcheck
from grader.contract import answer_batch, graded_function, missing_function_message
from grader.data import random_train_test_split, user_based_train_test_split
from grader.metrics import InvalidPredictionsError

PAIRS = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int64)


@pytest.fixture(scope="module")
def ratings_split(synthetic):
    return random_train_test_split(synthetic, test_fraction=0.1, seed=0)


def _refused(predict, part: str = "explicit", rows: np.ndarray = PAIRS, num_items: int = 0) -> str:
    with pytest.raises(InvalidPredictionsError) as refused:
        answer_batch(predict, part, rows, num_items)
    return str(refused.value)


def test_a_misspelt_or_method_function_is_not_found() -> None:
    class Model:
        def predict_ratings(self, users, items):
            return np.zeros(len(users))

    for namespace in ({"predict_rating": lambda u, i: u}, {"model": Model()}):
        with pytest.raises(InvalidPredictionsError) as missing:
            graded_function("explicit", namespace)
        assert str(missing.value) == missing_function_message("predict_ratings")
    with pytest.raises(InvalidPredictionsError, match="predict_next is a int, not a function"):
        graded_function("sequence", {"predict_next": 3})


def test_the_self_check_finds_the_function_in_its_callers_namespace(ratings_split, capsys) -> None:
    train, valid = ratings_split
    namespace = {"np": np, "check": selfcheck.check_ratings, "train": train, "valid": valid}
    with pytest.raises(InvalidPredictionsError, match="does not define predict_ratings at the top level"):
        exec("check(train, valid)", namespace)
    exec("def predict_ratings(users, items):\n    return np.full(len(users), 3.5)\nresult = check(train, valid)", namespace)
    assert set(namespace["result"]) == {"rmse"}
    printed = capsys.readouterr().out
    assert "global mean baseline" in printed and "(points for beating it)" in printed
    assert "user item biases baseline" in printed and "check the ids" in printed


def test_what_the_function_raises_goes_through_with_its_own_traceback() -> None:
    def predict_ratings(users, items):
        return {}[int(users[0])]

    with pytest.raises(KeyError) as raised:
        answer_batch(predict_ratings, "explicit", PAIRS)
    assert raised.traceback[-1].name == "predict_ratings"


@pytest.mark.parametrize(
    "answer, words",
    [
        (["4"] * 3, "predict_ratings returned values of type <U1 (from a list); return a numpy array of floats."),
        (np.zeros(2), "predict_ratings returned shape (2,) for a batch of 3 pairs; it must return one rating per pair, shape (3,)."),
        (np.zeros((3, 1, 1, 1)), "predict_ratings returned an array of 4 dimensions; it must return one rating per pair, shape (3,)."),
    ],
)
def test_bad_answers_get_the_graders_words(answer, words: str) -> None:
    assert _refused(lambda u, i: answer) == words


def test_a_column_of_ratings_and_integer_ratings_are_accepted() -> None:
    np.testing.assert_array_equal(answer_batch(lambda u, i: np.ones((len(u), 1)), "explicit", PAIRS), [1.0, 1.0, 1.0])
    assert answer_batch(lambda u, i: np.ones(len(u), dtype=int), "explicit", PAIRS).dtype == np.float64


class _DeviceTensor:
    """A stand-in for a CUDA tensor: only ``.detach().cpu()`` reaches its values."""

    def __init__(self, values: torch.Tensor):
        self.values = values

    def detach(self):
        return self

    def cpu(self):
        return self.values

    def __array__(self, *args, **kwargs):
        raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")


@pytest.mark.parametrize(
    "make",
    [
        lambda n: torch.full((n,), 3.5),
        lambda n: torch.full((n,), 3.5, requires_grad=True) * 1.0,
        lambda n: _DeviceTensor(torch.full((n,), 3.5)),
        lambda n: torch.full((n, 1), 3.5, dtype=torch.float16),
    ],
)
def test_torch_tensors_are_converted_as_the_contract_says(make) -> None:
    np.testing.assert_allclose(answer_batch(lambda u, i: make(len(u)), "explicit", PAIRS), [3.5, 3.5, 3.5])


def test_a_tensor_numpy_cannot_hold_is_refused_with_the_fix() -> None:
    words = _refused(lambda u, i: torch.ones(len(u), dtype=torch.bfloat16))
    assert "bfloat16" in words and words.endswith("Return tensor.detach().float().cpu().numpy().")


def test_minus_infinity_for_seen_items_gets_its_own_advice(synthetic, capsys) -> None:
    train, valid = user_based_train_test_split(synthetic, test_fraction=0.2, seed=0)

    def predict_next(sequences):
        scores = np.zeros((len(sequences), synthetic.num_items))
        np.put_along_axis(scores, sequences, -np.inf, axis=1)
        return scores

    with pytest.raises(InvalidPredictionsError) as refused:
        exec("check(train, valid)", {"check": selfcheck.check_next_items, "train": train, "valid": valid, "predict_next": predict_next})
    message = str(refused.value)
    assert message.startswith("predict_next returned invalid predictions: The next-item scores include ")
    assert "infinite (-inf)" in message and "-1e9" in message and "exploding" not in message and "holds" not in message
