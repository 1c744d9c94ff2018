"""The ``grade`` command's entry point: it starts the grading processes' fork server
(:mod:`grader.forkserver`) before it imports the command line, so that the server's import of
the grader runs beside the command's own instead of after it (about 0.3 s of a single
notebook's grading). With ``--scheduler`` the server is not used and ends with the command."""

import sys

from grader.forkserver import start_server


def grade() -> None:
    """``grade``: see :func:`grader.cli.grade`."""
    if not any(argument == "--split-seed" or argument.startswith("--split-seed=") for argument in sys.argv[1:]):
        start_server()  # (with --split-seed the command runs itself again, without it, and starts the server then)
    from grader.cli import grade as command

    command()
