"""Results a person should look at before they count: notebooks that carry large literal data,
and metrics beyond what any honest model reaches. Flagged submissions have their metric points
withheld until an instructor regrades them with ``--accept-flagged``."""

from grader.integrity.literals import EmbeddedDataLimits, embedded_data
from grader.integrity.plausibility import implausible_result

__all__ = ["EmbeddedDataLimits", "embedded_data", "implausible_result"]
