"""Small notebooks for the engine's tests, built from code strings.

``broken`` notebooks are the mistakes students make; ``hostile`` ones are what a student trying
to cheat or to harm the grader might write. Every hostile notebook is bounded so that it cannot
hurt the machine even without a sandbox: capped allocations, forks, writes and loops, children
that exit by themselves. A hostile notebook that *succeeds* in reaching something it must not
reach makes its graded function raise ``LEAKED: ...``, so a leak is visible in the report.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

HONEST_EXPLICIT = """
import numpy as np
from grader.data import load_public
from grader.baselines import UserItemBiases
model = UserItemBiases().fit(load_public("explicit"))

def predict_ratings(user_ids, item_ids):
    return np.clip(model.predict_ratings(user_ids, item_ids), 1, 5)
"""

FACTORISATION = """
import numpy as np
from grader.data import load_public

SEED, EPOCHS = {seed}, {epochs}
data = load_public("explicit")
rng = np.random.default_rng(SEED)
users, items, ratings = data.user_ids, data.item_ids, data.ratings.astype(float)
mean = ratings.mean()
P = rng.normal(0, 0.1, (data.num_users, 8))
Q = rng.normal(0, 0.1, (data.num_items, 8))
for epoch in range(EPOCHS):
    error = mean + (P[users] * Q[items]).sum(1) - ratings
    grad_p, grad_q = np.zeros_like(P), np.zeros_like(Q)
    np.add.at(grad_p, users, error[:, None] * Q[items])
    np.add.at(grad_q, items, error[:, None] * P[users])
    P -= 0.1 * (grad_p / np.bincount(users, minlength=len(P)).clip(1)[:, None] + 0.02 * P)
    Q -= 0.1 * (grad_q / np.bincount(items, minlength=len(Q)).clip(1)[:, None] + 0.02 * Q)

def predict_ratings(user_ids, item_ids):
    return np.clip(mean + (P[user_ids] * Q[item_ids]).sum(1), 1, 5)
"""
"""A small model of one's own (format it with a seed and an epoch count): copies of it are found by their code."""

CONSTANT_PREDICTOR = """
import numpy as np

def predict_ratings(user_ids, item_ids):
    if LEAKS:
        raise RuntimeError("LEAKED: " + "; ".join(LEAKS))
    return np.full(len(user_ids), 3.5)
"""


def notebook(*cells: str, part: str | None = "explicit", kernel: str = "python3") -> nbformat.NotebookNode:
    """A notebook with one code cell per string."""
    metadata = {"kernelspec": {"name": kernel, "display_name": kernel, "language": "python"}}
    if part:
        metadata["grader"] = {"part": part}
    return new_notebook(cells=[new_code_cell(source.strip()) for source in cells], metadata=metadata)


def write(folder: Path, name: str, nb: nbformat.NotebookNode) -> Path:
    """Write ``nb`` as ``folder/name.ipynb``."""
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def broken_notebooks() -> dict[str, nbformat.NotebookNode]:
    """Honest mistakes, each with an expected outcome asserted by the tests."""
    return {
        "error_midway": notebook("x = 1", "raise ValueError('oops in the middle')", HONEST_EXPLICIT),
        "infinite_loop": notebook("import time\nwhile True:\n    time.sleep(0.05)", HONEST_EXPLICIT),
        "kernel_exit": notebook("import os\nos._exit(3)", HONEST_EXPLICIT),
        "huge_output": notebook("for _ in range(450):\n    print('x' * 100_000)", HONEST_EXPLICIT),
        "chatty": notebook("import time\nfor _ in range(20):\n    print('z' * 100_000)\n    time.sleep(0.21)", HONEST_EXPLICIT),
        "nan_predictions": notebook("import numpy as np\ndef predict_ratings(u, i):\n    out = np.full(len(u), 3.0)\n    out[::7] = np.nan\n    return out"),
        "infinite_predictions": notebook("import numpy as np\ndef predict_ratings(u, i):\n    return np.full(len(u), np.inf)"),
        "wrong_shape": notebook("import numpy as np\ndef predict_ratings(u, i):\n    return np.zeros(len(u) - 1)"),
        "strings": notebook("def predict_ratings(u, i):\n    return ['4'] * len(u)"),
        "constant": notebook("import numpy as np\nfrom grader.data import load_public\nmean = load_public('explicit').ratings.mean()\ndef predict_ratings(u, i):\n    return np.full(len(u), mean)"),
        "missing_function": notebook("import numpy as np\nx = 1"),
        "misnamed_function": notebook("import numpy as np\ndef predict_rating(u, i):\n    return np.zeros(len(u))"),
        "raising_function": notebook("def predict_ratings(u, i):\n    return {}[u[0]]"),
        "slow_function": notebook("import time, numpy as np\ndef predict_ratings(u, i):\n    time.sleep(600)\n    return np.zeros(len(u))"),
        "other_kernel": notebook(HONEST_EXPLICIT, kernel="conda-env-recsys-py"),
        "list_output": notebook("def predict_ratings(u, i):\n    return [3.5] * len(u)"),
    }


def malformed_files(folder: Path) -> dict[str, Path]:
    """Files that are not gradable notebooks."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "binary": (folder / "binary.ipynb", bytes(range(256)) * 8),
        "empty": (folder / "empty.ipynb", b""),
        "not_a_notebook": (folder / "not_a_notebook.ipynb", b'{"cells": "no", "hello": 1}'),
        "invalid_schema": (folder / "invalid_schema.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 1}]}'),
        "python_script": (folder / "script.ipynb", b"import numpy as np\n\ndef predict_ratings(u, i):\n    return np.zeros(len(u))\n"),
    }
    for path, content in files.values():
        path.write_bytes(content)
    paths = {name: path for name, (path, _) in files.items()}
    (folder / "a_folder.ipynb").mkdir(exist_ok=True)
    paths["directory"] = folder / "a_folder.ipynb"
    paths["missing"] = folder / "missing.ipynb"
    return paths


def hostile_notebooks(canary: Path, port: int, secret: str, pwned: Path) -> dict[str, nbformat.NotebookNode]:
    """Attacks on the grader and the machine, bounded; see the module docstring."""
    leaks = "LEAKS = []"
    return {
        "memory_bomb": notebook("blocks = []\nfor _ in range(48):  # at most 3 GiB\n    blocks.append(bytearray(64 * 2**20))", CONSTANT_PREDICTOR.replace("if LEAKS", "if False")),
        "fork_bomb": notebook(
            "import os, time\nchildren = 0\ntry:\n    for _ in range(3000):\n        if os.fork() == 0:\n            time.sleep(20)\n            os._exit(0)\n        children += 1\n"
            "except OSError as error:\n    print('fork refused after', children, error)",
            leaks, CONSTANT_PREDICTOR,
        ),
        "detached_daemon": notebook(
            "import subprocess\nsubprocess.Popen(['sleep', '97.25'], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)",
            leaks, CONSTANT_PREDICTOR,
        ),
        "kill_parent": notebook(
            "import os, signal\nfor pid in {os.getppid(), int(os.environ.get('JPY_PARENT_PID', '1'))} | {int(p) for p in os.listdir('/proc') if p.isdigit()}:\n"
            "    if pid != os.getpid():\n        try:\n            os.kill(pid, signal.SIGKILL)\n        except OSError:\n            pass",
            leaks, CONSTANT_PREDICTOR,
        ),
        "search_filesystem": notebook(
            f"import os\n{leaks}\nseen = 0\nfor root, dirs, files in os.walk('/'):\n    dirs[:] = [d for d in dirs if root != '/' or d not in ('proc', 'sys', 'dev')]\n"
            f"    for name in files + dirs:\n        seen += 1\n        if name in ('u.data', 'ml-100k', 'ml-100k.zip') or name == {canary.name!r}:\n            LEAKS.append(os.path.join(root, name))\n"
            "    if seen > 300_000:\n        break",
            CONSTANT_PREDICTOR,
        ),
        "loopback": notebook(
            f"import socket\n{leaks}\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n    LEAKS.append('connected to the host loopback')\nexcept OSError:\n    pass",
            CONSTANT_PREDICTOR,
        ),
        "environment_secret": notebook(
            f"import os\n{leaks}\nLEAKS += [name for name, value in os.environ.items() if {secret!r} in value or 'TOKEN' in name or 'SECRET' in name]",
            CONSTANT_PREDICTOR,
        ),
        "link_canary": notebook(
            f"import os\n{leaks}\nfor name in os.listdir('.'):\n    try:\n        os.remove(name)\n    except OSError:\n        pass\n"
            f"for name in ('public_explicit.npz', 'predictions.npy', 'kernel.json', 'gradebook.csv'):\n    try:\n        os.symlink({str(canary)!r}, name)\n    except OSError:\n        pass\n"
            f"try:\n    with open({str(canary)!r}, 'a') as handle:\n        handle.write('tampered')\n    LEAKS.append('wrote the canary')\nexcept OSError:\n    pass",
            CONSTANT_PREDICTOR,
        ),
        "tamper_package": notebook(
            f"import os, site, grader\n{leaks}\ntargets = [grader.__file__, os.path.join(site.getsitepackages()[0], 'sitecustomize.py')]\n"
            "for target in targets:\n    try:\n        with open(target, 'a') as handle:\n            handle.write('\\nraise SystemExit(\"tampered\")\\n')\n        LEAKS.append('wrote ' + target)\n    except OSError:\n        pass",
            CONSTANT_PREDICTOR,
        ),
        "ignores_interrupt": notebook(
            "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nstart = time.time()\nwhile time.time() - start < 600:\n    pass",
            leaks, CONSTANT_PREDICTOR,
        ),
        "output_flood": notebook("chunk = 'y' * 1_000_000\nfor _ in range(500):  # 500 MB\n    print(chunk)", leaks, CONSTANT_PREDICTOR),
        "pickle_payload": notebook(
            f"import os, pickle, numpy as np\nfrom comm import create_comm\n\nclass Payload:\n    def __reduce__(self):\n        return (os.system, ('touch {pwned}',))\n\n"
            "def predict_ratings(u, i):\n    create_comm(target_name='grader.predictions').send({'start': 0, 'shape': [len(u)]}, buffers=[pickle.dumps(Payload())])\n"
            "    return np.array([Payload()] * len(u), dtype=object)",
        ),
    }
