"""Containing untrusted notebooks: isolation levels, resource limits, and each kernel's sandbox."""

from grader.sandbox.jail import KernelSandbox
from grader.sandbox.levels import GUARANTEES, LEVELS, MODES, SandboxUnavailable, choose_level, strongest_level
from grader.sandbox.limits import Limits

__all__ = ["GUARANTEES", "LEVELS", "MODES", "KernelSandbox", "Limits", "SandboxUnavailable", "choose_level", "strongest_level"]
