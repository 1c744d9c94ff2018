"""Machine-readable reports: JSON (the contract), Gradescope results.json, JUnit XML, CSV gradebook."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ElementTree

from grader.reports.feedback import feedback_pages
from grader.reports.model import METRIC_KEYS, SubmissionReport, describe_similar
from grader.similarity import SimilarPair

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strict_json(document: object) -> str:
    """JSON that strict parsers accept: no NaN or Infinity (the grader never produces them)."""
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def _xml(text: object) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", str(text))


def _cell(value: object) -> object:
    """A gradebook cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value

GRADEBOOK_COLUMNS = ["file", "path_in_batch", "feedback", "part", "score", "max_score", *METRIC_KEYS, "flagged", "similar_to", "error", "sandbox", "seconds"]


def render_json(reports: list[SubmissionReport], single: bool) -> str:
    """One object for a single notebook, a list (each with ``submission``) for a batch."""
    documents = [report.to_json() for report in reports]
    return strict_json(documents[0] if single else documents)


def gradescope_results(report: SubmissionReport) -> dict:
    """A Gradescope autograder ``results.json`` document."""
    tests = [
        {
            "name": name,
            "score": test.score,
            "max_score": test.max_score,
            "status": "passed" if test.score >= test.max_score else "failed",
            "output": test.output,
            "visibility": "visible",
        }
        for name, test in report.named_tests()
    ]
    flags = [f"FLAGGED FOR REVIEW: {flag}" for flag in report.flags] if report.flagged else []
    output = report.error or "\n".join([*flags, *report.notes, *[p.execution.summary() for p in report.parts]])
    return {
        "score": report.score,
        "execution_time": round(report.seconds, 2),
        "output": output,
        "tests": tests,
        "extra_data": {
            "submission": report.submission, "part": report.part_names,
            "metrics": report.metrics(), "flagged": report.flagged, "flags": report.flags,
            "sandbox": report.sandbox, "device": report.device,
        },
    }


def render_gradescope(reports: list[SubmissionReport], single: bool) -> str:
    """Gradescope's results.json (a list of documents for a batch)."""
    documents = [gradescope_results(report) for report in reports]
    return strict_json(documents[0] if single else documents)


def render_junit(reports: list[SubmissionReport]) -> str:
    """JUnit XML: one test suite per submission, one test case per check."""
    suites = ElementTree.Element("testsuites")
    for report in reports:
        named = report.named_tests()
        suite = ElementTree.SubElement(
            suites, "testsuite", name=_xml(report.submission), tests=str(max(1, len(named))),
            failures=str(sum(1 for _, t in named if t.score < t.max_score)),
            errors=str(1 if report.error else 0), time=f"{report.seconds:.2f}",
        )
        properties = ElementTree.SubElement(suite, "properties")
        context = [
            ("score", report.score), ("max_score", report.max_score), ("flagged", str(report.flagged).lower()),
            ("flags", " | ".join(report.flags)), ("sandbox", report.sandbox), ("device", report.device),
        ]
        for key, value in [*context, *report.metrics().items()]:
            ElementTree.SubElement(properties, "property", name=key, value="" if value is None else _xml(value))
        if report.error:
            case = ElementTree.SubElement(suite, "testcase", classname=_xml(report.submission), name="notebook is gradable")
            ElementTree.SubElement(case, "error", message=_xml(report.error))
        for name, test in named:
            case = ElementTree.SubElement(suite, "testcase", classname=_xml(report.submission), name=_xml(name))
            if test.score < test.max_score:
                label = "flagged for review" if test.status == "flagged" else f"{test.score:g} / {test.max_score:g}"
                failure = ElementTree.SubElement(case, "failure", message=label)
                failure.text = _xml(test.output)
            elif test.output:
                ElementTree.SubElement(case, "system-out").text = _xml(test.output)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def render_gradebook(reports: list[SubmissionReport]) -> str:
    """The CSV gradebook: one row per submission, with the file name of its feedback page (``--feedback``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=GRADEBOOK_COLUMNS)
    writer.writeheader()
    for report, page in zip(reports, feedback_pages(reports)):
        metrics = report.metrics()
        writer.writerow({key: _cell(value) for key, value in {
            "file": report.submission,
            "path_in_batch": report.path_in_batch,
            "feedback": page,
            "part": report.part_names,
            "score": report.score,
            "max_score": report.max_score,
            **{key: "" if metrics[key] is None else f"{metrics[key]:.6f}" for key in METRIC_KEYS},
            "flagged": " | ".join(report.flags) if report.flagged else "",
            "similar_to": ";".join(dict.fromkeys(describe_similar(other) for other in report.similar_to)),
            "error": report.error or "",
            "sandbox": report.sandbox,
            "seconds": f"{report.seconds:.1f}",
        }.items()})
    return buffer.getvalue()


def render_similarity(reports: list[SubmissionReport], pairs: list[SimilarPair]) -> str:
    """``similarity.csv``: one row per reported pair of ``reports``, with both figures and what they mean."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["part", "first", "second", "disagreement", "evidence", "code_similarity"])
    for pair in pairs:
        first, second = reports[pair.first].path_in_batch, reports[pair.second].path_in_batch
        disagreement, code = ("" if value is None else f"{value:.{digits}f}" for value, digits in ((pair.disagreement, 6), (pair.code, 4)))
        writer.writerow([pair.part, _cell(first), _cell(second), disagreement, pair.evidence(), code])
    return buffer.getvalue()
