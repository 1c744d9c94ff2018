"""Starting a command as a terminal does, whatever started the test run."""

from __future__ import annotations

import subprocess
import sys

_WITH_DEFAULT_INTERRUPT = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"


def start_interruptible(command: list[str], **kwargs) -> subprocess.Popen:
    """``subprocess.Popen`` of ``command`` with Ctrl-C's signal at its default: a test run started
    in the background (``cmd &`` in a script, as CI runners may) ignores SIGINT and a child
    inherits that, so a test that presses Ctrl-C would find it ignored. The command replaces a
    small Python process that resets the signal (same pid; no ``preexec_fn`` in a threaded test
    process)."""
    return subprocess.Popen([sys.executable, "-c", _WITH_DEFAULT_INTERRUPT, *command], **kwargs)
