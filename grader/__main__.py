"""``python -m grader``: the ``grader`` command (``python -m grader grade ...`` grades)."""

from grader.cli import main

if __name__ == "__main__":
    main(prog_name="grader")
