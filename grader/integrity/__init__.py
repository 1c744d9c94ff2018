"""Results a person should look at before they count: notebooks that carry large literal data,
metrics beyond what any honest model reaches, and answers that only a lookup of the labels
gives. Flagged submissions have their metric points withheld until an instructor regrades them
with ``--accept-flagged``."""

from grader.integrity.literals import EmbeddedDataLimits, embedded_data
from grader.integrity.lookup import lookup_rankings, lookup_ratings
from grader.integrity.plausibility import implausible_result

__all__ = ["EmbeddedDataLimits", "embedded_data", "implausible_result", "lookup_rankings", "lookup_ratings"]
