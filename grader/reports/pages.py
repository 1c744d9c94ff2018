"""The HTML pages' templates (``grader/reports/templates``), rendered with autoescape: whatever
a report holds that came from a notebook (file names, outputs, tracebacks, flags) is escaped
unless the grader marks it safe, which it does only for the charts it draws."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from grader.reports.chart import metric_chart
from grader.reports.model import describe_similar

PAGES = Environment(
    loader=PackageLoader("grader.reports", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
PAGES.filters["g"] = lambda number: f"{number:g}"
PAGES.filters["similar"] = describe_similar
PAGES.globals["chart"] = lambda part: Markup(metric_chart(part))


def render_page(template: str, **values) -> str:
    """The page ``template`` (a file of ``grader/reports/templates``) filled with ``values``."""
    return PAGES.get_template(template).render(**values)
