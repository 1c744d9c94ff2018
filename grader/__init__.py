"""Autograder and course kit for a homework on neural recommender systems.

The grading pipeline reads top to bottom through the subpackages: ``data`` (datasets, splits,
the hidden partition) -> ``execution`` (run the notebook in a kernel, collect predictions) ->
``metrics`` -> ``checks`` (hidden pytest checks, points) -> ``reports``; ``sandbox`` contains
the kernel, ``cli`` is the command line.
"""

import importlib.util
import sys
from pathlib import Path

__version__ = "0.1.0"


def _map_checkout_datafiles() -> None:
    """Make ``grader.datafiles`` the repository's ``data/`` folder when running from a checkout.

    ``data/`` (dataset checksums, calibrated references) is the source of truth: an install copies
    it into the package as ``grader/datafiles``, an editable install maps it there, and this does
    the same for a checkout on ``sys.path`` (``python -m pytest`` in the repository root), whose
    ``grader/`` folder shadows any installed copy and has no ``datafiles`` of its own.
    """
    package = Path(__file__).resolve().parent
    data = package.parent / "data"
    if (package / "datafiles").is_dir() or not (data / "__init__.py").is_file() or "grader.datafiles" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location("grader.datafiles", data / "__init__.py", submodule_search_locations=[str(data)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    globals()["datafiles"] = module


_map_checkout_datafiles()
