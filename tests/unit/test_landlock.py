"""Landlock as the rlimits level uses it: a process confined by the wrapper reads and writes only
beneath the folders it was given, and cannot connect out or signal processes outside it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import landlock
from grader.sandbox.bubblewrap import python_paths

pytestmark = pytest.mark.skipif(not landlock.abi(), reason="this host's Linux kernel has no Landlock (5.13 or later, enabled at boot)")

PROBE = """
import json, os, socket, sys
secret, allowed, written, port, parent = sys.argv[1:]
seen = {}
for name, attempt in {
    "read allowed": lambda: open(allowed).read(),
    "read secret": lambda: open(secret).read(),
    "list the secret's folder": lambda: os.listdir(os.path.dirname(secret)),
    "write its folder": lambda: open(written, "w").write("x"),
    "write beside the allowed file": lambda: open(allowed + ".new", "w").write("x"),
    "connect": lambda: socket.create_connection(("127.0.0.1", int(port)), timeout=5),
    "signal its parent": lambda: os.kill(int(parent), 0),
    "read its parent's environment": lambda: open(f"/proc/{parent}/environ", "rb").read(),
}.items():
    try:
        attempt()
        seen[name] = "yes"
    except OSError as error:
        seen[name] = type(error).__name__
print(json.dumps(seen))
"""


def test_the_wrapper_confines_what_it_starts(tmp_path: Path) -> None:
    secret, readable, writable = tmp_path / "secret", tmp_path / "readable", tmp_path / "writable"
    for folder in (secret, readable, writable):
        folder.mkdir()
    (secret / "submission.ipynb").write_text("the answers")
    (readable / "data.npz").write_text("public")
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        read = ["/usr", "/lib", "/lib64", "/etc", "/proc", *python_paths(), str(readable)]
        command = [*landlock.wrapper(sys.executable, read, [str(writable)]), "--", sys.executable, "-I", "-c", PROBE,
                   str(secret / "submission.ipynb"), str(readable / "data.npz"), str(writable / "out"), str(listener.getsockname()[1]), str(os.getpid())]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    finally:
        listener.close()
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["read allowed"] == "yes" and seen["write its folder"] == "yes"
    assert seen["read secret"] == seen["list the secret's folder"] == seen["write beside the allowed file"] == "PermissionError"
    if os.geteuid() != 0:  # root keeps CAP_SYS_PTRACE; a root grader's kernel has another uid anyway
        assert seen["read its parent's environment"] == "PermissionError"
    if landlock.abi() >= 4:
        assert seen["connect"] != "yes"
    if landlock.abi() >= 6:
        assert seen["signal its parent"] == "PermissionError"
    assert (writable / "out").read_text() == "x"


def test_folders_that_do_not_exist_or_cannot_be_reached_are_skipped(tmp_path: Path) -> None:
    command = [*landlock.wrapper(sys.executable, ["/usr", "/lib", "/lib64", *python_paths(), str(tmp_path / "missing")], []),
               "--", sys.executable, "-I", "-c", "print('ran')"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout == "ran\n", result.stderr


def test_every_right_of_the_hosts_abi_is_handled() -> None:
    rights = landlock.handled_rights(landlock.abi())
    assert rights & landlock.READ_FILE and rights & landlock.READ_DIR and rights & landlock.WRITE_FILE
    assert landlock.handled_rights(1) == 0x1FFF
