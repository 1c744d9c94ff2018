"""Autograder and course kit for a homework on neural recommender systems.

The grading pipeline reads top to bottom through the subpackages: ``data`` (datasets, splits,
the hidden partition) -> ``execution`` (run the notebook in a kernel, collect predictions) ->
``metrics`` -> ``checks`` (hidden pytest checks, points) -> ``reports``; ``sandbox`` contains
the kernel, ``cli`` is the command line.
"""

__version__ = "0.1.0"
