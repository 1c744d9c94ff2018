#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, with network).
# Written by `grader gradescope-bundle`. AUTOGRADER_ROOT moves /autograder elsewhere (for trying it).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"

# bubblewrap is used where the container allows namespaces; Gradescope's does not (see docs/ci-and-gradescope.md).
apt-get update -q
apt-get install -y -q bubblewrap python3 python3-venv
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then  # Ubuntu 22.04 has 3.10
  apt-get install -y -q python3.11 python3.11-venv
  PYTHON=python3.11
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q torch==@{ torch | sh }@ --index-url https://download.pytorch.org/whl/cpu
"$VENV/bin/python" -m pip install -q "$SOURCE/"@{ wheel | sh }@  # with its dependencies
"$VENV/bin/python" -m pip install -q --no-deps --force-reinstall "$SOURCE/"@{ wheel | sh }@  # this grader, whatever else is installed
@% if data == "download" %@
"$VENV/bin/grader" fetch-data --cache-dir "$ROOT/cache"
@% elif data == "bundled" %@
# MovieLens 100K is in the bundle (@{ data_folder | line }@/).
@% else %@
# The synthetic dataset needs no download.
@% endif %@

# Only root may read the bundle (split seed, configuration) and the dataset cache: the kernels run
# as unprivileged uids of their own.
mkdir -p "$ROOT/cache" "$ROOT/results"
chmod 0700 "$SOURCE" "$ROOT/cache"
