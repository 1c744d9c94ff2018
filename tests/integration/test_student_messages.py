"""Every student mistake gets a message that points at its cause, and the self-check says what
the grader will say. Small notebooks on the synthetic dataset, graded in one parallel batch."""

from __future__ import annotations

from dataclasses import replace

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.batch import grade_batch
from grader.grading import GradingSession

pytestmark = pytest.mark.slow

SPLIT = "from grader.data import load_public, random_train_test_split\ntrain, valid = random_train_test_split(load_public('explicit'), 0.1, seed=0)"
SELF_CHECK = "from grader.selfcheck import check_ratings\ncheck_ratings(train, valid)"
SEQUENCE_SPLIT = "from grader.data import load_public, user_based_train_test_split\ntrain, valid = user_based_train_test_split(load_public('sequence'), 0.2, seed=0)"


def _notebook(*cells: str, part: str = "explicit") -> nbformat.NotebookNode:
    """Code cells, each after a markdown cell, so that cell positions and code-cell numbers differ."""
    layout = [cell for source in cells for cell in (new_markdown_cell("Some explanation."), new_code_cell(source.strip()))]
    return new_notebook(cells=layout, metadata={"grader": {"part": part}})


NOTEBOOKS = {
    "misspelt": _notebook("import numpy as np", "def predict_rating(u, i):\n    return np.full(len(u), 3.5)", SPLIT, SELF_CHECK),
    "method": _notebook(
        "import numpy as np\nclass Model:\n    def predict_ratings(self, u, i):\n        return np.full(len(u), 3.5)\nmodel = Model()",
        SPLIT, SELF_CHECK,
    ),
    "minus_inf": _notebook(
        "import numpy as np\ndef predict_next(sequences):\n    scores = np.zeros((len(sequences), 301))\n"
        "    np.put_along_axis(scores, sequences, -np.inf, axis=1)\n    return scores",
        SEQUENCE_SPLIT, "from grader.selfcheck import check_next_items\ncheck_next_items(train, valid)", part="sequence",
    ),
    "tensor": _notebook(
        "import numpy as np, torch\ndef predict_ratings(u, i):\n    return torch.full((len(u),), 3.5, requires_grad=True) * 1.0",
        SPLIT, SELF_CHECK,
    ),
    "root_cause": _notebook(
        "import numpy as np",
        "def train_model():\n    raise RuntimeError('loss is nan: training diverged')\nmodel = train_model()",
        "def predict_ratings(u, i):\n    return model.predict_ratings(u, i)",
        "print(model)",
    ),
    "slow_cell": _notebook("import time\ntime.sleep(60)", "import numpy as np\ndef predict_ratings(u, i):\n    return np.full(len(u), 3.5)"),
    "missing_package": _notebook("import recsys_homework_helpers", "import numpy as np\ndef predict_ratings(u, i):\n    return np.full(len(u), 3.5)"),
    "movielens_file": _notebook("import numpy as np\nratings = np.loadtxt('ml-100k/u.data')", "def predict_ratings(u, i):\n    return np.full(len(u), 3.5)"),
    "shifted_ids": _notebook(
        "import numpy as np\nfrom grader.baselines import UserItemBiases\nfrom grader.data import load_public\n"
        "model = UserItemBiases(item_regularization=1, user_regularization=1).fit(load_public('explicit'))",
        "def predict_ratings(u, i):\n    return model.predict_ratings(np.maximum(u - 1, 0), np.maximum(i - 1, 0))",
    ),
    "library_error": _notebook(
        "import numpy as np, torch\nembedding = torch.nn.Embedding(3, 2)",
        "def embed(ids):\n    return embedding(torch.as_tensor(ids))\nembed([7])",
        "def predict_ratings(u, i):\n    return np.full(len(u), 3.5)",
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, fast_options) -> dict:
    folder = tmp_path_factory.mktemp("mistakes")
    paths = []
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, folder / f"{name}.ipynb")
        paths.append(folder / f"{name}.ipynb")
    options = replace(fast_options, jobs=2)
    with GradingSession(options) as session:
        reports = grade_batch(paths, options, session, progress=False)
    return {name: report.parts[0] for name, report in zip(NOTEBOOKS, reports)}


def _output(part, check: str) -> str:
    return next(test.output for test in part.tests if test.name == check)


VALID = "The graded function returns valid predictions"


def _self_check_message(part) -> str:
    """What the self-check cell raised in the graded run."""
    [problem] = [p for p in part.execution.problems if "check_" in p.traceback]
    return problem.message.removeprefix("InvalidPredictionsError: ")


@pytest.mark.parametrize("name", ["misspelt", "method"])
def test_the_self_check_fails_with_the_graders_message_when_the_function_is_not_top_level(graded, name: str) -> None:
    part = graded[name]
    expected = "The notebook does not define predict_ratings at the top level after it ran."
    assert _output(part, VALID).startswith(expected)
    assert _self_check_message(part) == _output(part, VALID)


def test_minus_infinity_is_refused_alike_with_its_own_advice(graded) -> None:
    part = graded["minus_inf"]
    for message in (_output(part, VALID), _self_check_message(part)):
        assert message.startswith("predict_next returned invalid predictions: The next-item scores include ")
        assert "infinite (-inf)" in message and "-1e9" in message and "exploding" not in message


def test_a_tensor_with_grad_is_accepted_by_grader_and_self_check(graded) -> None:
    part = graded["tensor"]
    assert next(t for t in part.tests if t.name == VALID).score == 2
    assert part.execution.errors == []


def test_a_model_never_built_blames_the_cell_that_failed(graded) -> None:
    part = graded["root_cause"]
    assert _output(part, VALID).startswith(
        "predict_ratings raised NameError: name 'model' is not defined The first cell that failed, code cell 2 of 4 "
        "(RuntimeError: loss is nan: training diverged), is the likely cause: fix it first."
    )
    assert "code cell 4 of 4: NameError: name 'model' is not defined (probably because code cell 2 of 4 failed first" in part.execution.summary()


def test_a_slow_cell_is_named_and_instructors_get_the_option(graded) -> None:
    message = _output(graded["slow_cell"], "The notebook ran to the end")
    assert "code cell 1 of 2: ran past its time limit" in message
    assert "larger batches" in message and "`grade --cell-timeout SECONDS`" in message


def test_a_missing_package_says_it_is_not_available_in_grading(graded) -> None:
    summary = graded["missing_package"].execution.summary()
    assert "code cell 1 of 2: ModuleNotFoundError: No module named 'recsys_homework_helpers'" in summary
    assert "not available when grading" in summary and "`grader env`" in summary


def test_a_movielens_file_points_at_load_public(graded) -> None:
    summary = graded["movielens_file"].execution.summary()
    assert "code cell 1 of 2: FileNotFoundError" in summary and "load_public" in summary


def test_shifted_ids_are_suggested_when_the_baseline_is_not_beaten(graded) -> None:
    message = _output(graded["shifted_ids"], "The metric beats the baseline")
    assert "does not beat the global mean baseline" in message and "check the ids" in message


def test_tracebacks_keep_the_students_frames(graded) -> None:
    [problem] = graded["library_error"].execution.problems
    assert "Cell In[2], line 3" in problem.traceback and "Cell In[2], line 2, in embed" in problem.traceback
    assert "inside libraries" in problem.traceback and problem.traceback.endswith("IndexError: index out of range in self")


def test_a_notebook_out_of_time_never_claims_a_misspelt_function(tmp_path, fast_options) -> None:
    path = tmp_path / "out_of_time.ipynb"
    cells = ("import time\ntime.sleep(4.5)", "time.sleep(60)", "import numpy as np\ndef predict_ratings(u, i):\n    return np.full(len(u), 3.5)")
    nbformat.write(_notebook(*cells), path)
    with GradingSession(replace(fast_options, timeout=5, cell_timeout=None)) as session:
        part = session.grade(path).parts[0]
    ran = _output(part, "The notebook ran to the end")
    assert "ran out of time" in ran and "in code cell 2 of 3; 1 code cell(s) after it did not run" in ran
    assert "`grade --timeout SECONDS`" in ran
    valid = _output(part, VALID)
    assert valid.startswith("predict_ratings was never defined: The notebook ran out of time") and "spelled exactly so" not in valid
