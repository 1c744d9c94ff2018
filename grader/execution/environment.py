"""What a graded notebook can import: the grading kernel runs the grader's own Python, so it has
exactly the packages installed beside the grader, in their versions, and nothing else (it has
no network to install more)."""

from __future__ import annotations

import platform
import re
import sys
from importlib import metadata


def kernel_python() -> str:
    """The interpreter graded notebooks run on, with its version."""
    return f"{sys.executable} (Python {platform.python_version()})"


def kernel_packages() -> list[tuple[str, str]]:
    """Every distribution the grading kernel can import, as (name, version), sorted by name."""
    found: dict[str, tuple[str, str]] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            found.setdefault(re.sub(r"[-_.]+", "-", name).lower(), (name, distribution.version))
    return [found[key] for key in sorted(found)]
