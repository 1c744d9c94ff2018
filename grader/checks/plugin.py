"""The pytest plugin that runs hidden checks in the grader process and turns outcomes into points.

Fixtures expose a :class:`~grader.checks.context.CheckContext`; each check declares its points
with ``@pytest.mark.points(n)`` or ``@pytest.mark.points(rubric="target")`` (points taken from
the rubric), may restrict itself to one part with ``@pytest.mark.part("explicit")``, and may
award partial credit through the ``partial_credit`` fixture. A failing check scores 0 with its
assertion message; a skipped one does not count.

Checks that score the metric (those taking their points from the rubric's ``beats_baseline`` or
``target``, and any marked ``@pytest.mark.metric``) score nothing while the submission is flagged
for review; the report says what they would have given.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

import pytest

from grader.checks.context import CheckContext
from grader.checks.result import CheckResult

BUILTIN_CHECKS = "test_homework.py"
METRIC_POINTS = ("beats_baseline", "target")


class PartialCredit:
    """Lets a check give a fraction of its points (with a message) instead of all or nothing."""

    def __init__(self) -> None:
        self.fraction: float | None = None
        self.message = ""

    def award(self, fraction: float, message: str = "") -> None:
        """Give ``fraction`` (clipped to 0..1) of the check's points."""
        self.fraction = min(1.0, max(0.0, float(fraction)))
        self.message = message


def _first_paragraph(text: str) -> str:
    paragraph = text.strip().split("\nassert ")[0].split("\n\n")[0]
    return paragraph.removeprefix("AssertionError: ").strip()


class GradingPlugin:
    """Registered with ``pytest.main(plugins=[...])`` for one part of one submission."""

    def __init__(self, context: CheckContext):
        self.context = context
        self.results: list[CheckResult] = []
        self._credits: dict[str, PartialCredit] = {}

    # --- fixtures --------------------------------------------------------------------------

    @pytest.fixture
    def grading(self) -> CheckContext:
        """The whole context."""
        return self.context

    @pytest.fixture
    def part(self) -> str:
        """``"explicit"`` or ``"sequence"``."""
        return self.context.part

    @pytest.fixture
    def execution(self):
        """The ExecutionRecord of the notebook."""
        return self.context.execution

    @pytest.fixture
    def predictions(self):
        """The validated predictions (None when invalid or missing)."""
        return self.context.predictions

    @pytest.fixture
    def metrics(self):
        """The submission's metrics on the hidden split (None without valid predictions)."""
        return self.context.metrics

    @pytest.fixture
    def baselines(self):
        """Every baseline's metrics on the hidden split."""
        return self.context.baselines

    @pytest.fixture
    def reference(self):
        """The calibrated reference of the part's metric, or None."""
        return self.context.reference

    @pytest.fixture
    def rubric(self):
        """The part's rubric."""
        return self.context.rubric

    @pytest.fixture
    def target(self) -> float:
        """The absolute target of the part's metric."""
        return self.context.target

    @pytest.fixture
    def hidden(self):
        """The hidden split, labels included."""
        return self.context.hidden

    @pytest.fixture
    def partial_credit(self, request) -> PartialCredit:
        """Call ``partial_credit.award(fraction, message)`` to give part of the points."""
        credit = PartialCredit()
        self._credits[request.node.nodeid] = credit
        return credit

    # --- hooks -----------------------------------------------------------------------------

    def pytest_configure(self, config) -> None:
        config.addinivalue_line("markers", "points(n=None, rubric=None): points of a check")
        config.addinivalue_line("markers", "part(name): run the check only for this part")
        config.addinivalue_line("markers", "metric: the check scores the metric (withheld while flagged for review)")

    def pytest_collection_modifyitems(self, config, items) -> None:
        for item in list(items):
            marker = item.get_closest_marker("part")
            if marker and self.context.part not in marker.args:
                items.remove(item)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._record(item, report, call)

    def _points(self, item) -> float:
        marker = item.get_closest_marker("points")
        if marker is None:
            return 0.0
        if "rubric" in marker.kwargs:
            return self.context.rubric.points[marker.kwargs["rubric"]]
        return float(marker.args[0] if marker.args else marker.kwargs.get("n", 0))

    def _scores_the_metric(self, item) -> bool:
        marker = item.get_closest_marker("points")
        from_rubric = marker is not None and marker.kwargs.get("rubric") in METRIC_POINTS
        return from_rubric or item.get_closest_marker("metric") is not None

    def _withhold(self, result: CheckResult) -> CheckResult:
        would = f"{result.score:g} / {result.max_score:g}"
        message = (
            "Withheld for review: " + " ".join(self.context.flags)
            + f" If the work is honest, the instructor regrades with --accept-flagged (this check would give {would})."
        )
        return CheckResult(result.name, 0.0, result.max_score, message, "flagged")

    def _record(self, item, report, call) -> None:
        before = len(self.results)
        self._record_outcome(item, report, call)
        withheld = self.context.withholds_metric_points and self._scores_the_metric(item)
        if len(self.results) > before and withheld and self.results[-1].score > 0:
            self.results[-1] = self._withhold(self.results[-1])

    def _record_outcome(self, item, report, call) -> None:
        points = self._points(item)
        doc = (getattr(item.obj, "__doc__", None) or "").strip().splitlines()
        name = doc[0].rstrip(".") if doc else item.name.removeprefix("test_").replace("_", " ").capitalize()
        credit = self._credits.get(item.nodeid)
        if report.skipped:
            return
        if report.passed:
            fraction = 1.0 if credit is None or credit.fraction is None else credit.fraction
            message = credit.message if credit else ""
            status = "passed" if fraction >= 1.0 else "partial"
            self.results.append(CheckResult(name, round(points * fraction, 2), points, message, status))
            return
        error = call.excinfo.value if call.excinfo else None
        if isinstance(error, AssertionError):
            self.results.append(CheckResult(name, 0.0, points, _first_paragraph(str(error)), "failed"))
        else:
            detail = f"{type(error).__name__}: {error}" if error else report.longreprtext[-500:]
            self.results.append(CheckResult(name, 0.0, points, f"The check itself failed ({detail}); tell your instructor.", "error"))


def builtin_checks() -> Path:
    """The packaged check file."""
    return Path(str(resources.files("grader.checks").joinpath(BUILTIN_CHECKS)))


def run_checks(context: CheckContext, extra: list[Path] = ()) -> list[CheckResult]:
    """Run the built-in checks and an instructor's extra check files/folders; return the results."""
    plugin = GradingPlugin(context)
    here = builtin_checks().parent
    args = [
        str(builtin_checks()), *[str(path) for path in extra],
        "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:warnings", "--noconftest",
        "--import-mode=importlib", "--capture=sys", "-c", str(here / "pytest.ini"), "--rootdir", str(here),
    ]
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the host's pytest plugins have no say in grades
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        pytest.main(args, plugins=[plugin])
    finally:
        sys.dont_write_bytecode = dont_write
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    return plugin.results
