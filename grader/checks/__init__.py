"""The hidden checks: pytest files run in the grader process against one submission's results.

Each check is a test function that declares its points with ``@pytest.mark.points(...)`` and
uses fixtures from :mod:`grader.checks.plugin` (``grading``, ``execution``, ``predictions``,
``metrics``, ``baselines``, ``reference``, ``rubric``, ``target``, ``partial_credit``, ...).
Instructors add their own files with ``grade --checks DIR``.
"""
