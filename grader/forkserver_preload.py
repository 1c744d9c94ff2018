"""What the fork server (:mod:`grader.forkserver`) imports once, and nothing else imports: the
grading process's modules (with those it would import on first use: pytest's plugins, IPython's
cell transformer), and the probes every grading process would otherwise run again (the kernels'
Python folders, a subprocess; the template's code runs, a file)."""

import importlib

import IPython.core.inputtransformer2  # noqa: F401  (grader.integrity.literals reads cells with it)
from _pytest.config import default_plugins

import grader.supervision  # noqa: F401  (the grading process's code, and all it imports)
from grader.fingerprints import template_runs
from grader.sandbox.bubblewrap import python_paths

python_paths()
template_runs()

for plugin in default_plugins:  # what each run of the checks (pytest.main) would import
    importlib.import_module(f"_pytest.{plugin}")
