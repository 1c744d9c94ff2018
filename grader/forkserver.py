"""Where grading processes come from: a fork server, never a fork of the supervisor.

A supervisor may run in a thread beside others (a cluster worker's grading slots run in Dask's
task threads), and a process forked from a process with threads may deadlock on a lock another
thread held at the fork (Python 3.12 warns of exactly this). The fork server is a fresh
interpreter, started by fork and exec (which is safe from threads), that never starts a thread.
It imports the grader once (:mod:`grader.forkserver_preload`), so that every process it forks
starts with the grader imported and its probes done.

The supervisor talks to it over a socket pair: the server has no address, so no other process
(a kernel running as the same user included) can ask it for a process, which multiprocessing's
fork server, listening on a named socket without authentication before Python 3.14, would
allow; nor take its socket, as the server is not dumpable. A process it forks gets the
supervisor's working folder, ``sys.path``, environment and warning filters of the moment, and
is killed when the server or the supervisor ends, however they end. A request it cannot fork
(a process or memory limit) fails that one start, not the server.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable

PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
_STATUS = struct.Struct("i")
_MAX_FDS = 8


class ForkedProcess:
    """A process the fork server forked: its pid, and its exit code once it has ended."""

    def __init__(self, pid: int, status: int):
        self.pid = pid
        self._status = status
        self._code: int | None = None

    def wait(self) -> int:
        """Block until the process has ended; its exit code, or minus the signal that ended it
        (minus SIGKILL when the server went with it and no status came)."""
        if self._code is None:
            received = _read_exactly(self._status, _STATUS.size)
            os.close(self._status)
            self._code = _STATUS.unpack(received)[0] if received else -signal.SIGKILL
        return self._code


class ForkServer:
    """The fork server of this process, started on first use (and again if it has died)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._alive = -1  # the write end of a pipe the server's processes watch for the end of this process

    def ensure_running(self) -> None:
        """Start the server if it is not running; it imports the grader in the background."""
        with self._lock:
            self._ensure_running()

    def _ensure_running(self) -> None:
        if self._server is not None and self._server.poll() is None:
            return
        if self._control is not None:
            self._control.close()
            os.close(self._alive)
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        watched, self._alive = os.pipe()
        code = f"import sys; sys.path[:] = {sys.path!r}; from grader.forkserver import serve; serve({theirs.fileno()}, {watched})"
        try:
            self._server = subprocess.Popen([sys.executable, "-c", code], pass_fds=(theirs.fileno(), watched), stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
            os.close(watched)
        self._control = mine

    def start(self, target: Callable[..., None], args: tuple, pass_fds: tuple[int, ...] = ()) -> ForkedProcess:
        """Run ``target(*args, *fds)`` in a forked process, where ``fds`` are the descriptors of
        ``pass_fds`` as the process has them; ``target`` and ``args`` are pickled, and
        ``target`` must end the process (``os._exit``)."""
        payload = pickle.dumps((target, args, os.getcwd(), sys.path, dict(os.environ), warnings.filters[:]), protocol=pickle.HIGHEST_PROTOCOL)
        payload_r, payload_w = os.pipe()
        status_r, status_w = os.pipe()
        try:
            with self._lock:
                self._ensure_running()
                try:
                    socket.send_fds(self._control, [b"j"], [payload_r, status_w, *pass_fds])
                finally:  # the server holds its copies now: a server that ends before it answers ends the read
                    os.close(payload_r)
                    os.close(status_w)
                received = _read_exactly(status_r, _STATUS.size)
            if len(received) < _STATUS.size:
                raise OSError("the fork server of the grading processes could not start this one (it ended, or the system refused a new process)")
        except BaseException:
            os.close(status_r)
            os.close(payload_w)
            raise
        pid = _STATUS.unpack(received)[0]
        try:
            with open(payload_w, "wb") as pipe:
                pipe.write(payload)
        except BrokenPipeError:  # it ended before it read its arguments: its exit code says how
            pass
        return ForkedProcess(pid, status_r)


SERVER = ForkServer()


def start_server() -> None:
    """Start this process's fork server now if it is not running: it imports the grader beside
    what the caller does next."""
    SERVER.ensure_running()


def start_process(target: Callable[..., None], args: tuple, pass_fds: tuple[int, ...] = ()) -> ForkedProcess:
    """Run ``target(*args, *fds)`` in a process forked by this process's fork server (see
    :meth:`ForkServer.start`)."""
    return SERVER.start(target, args, pass_fds)


def _read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes from ``fd``, or fewer if it ends first."""
    received = b""
    while len(received) < size:
        chunk = os.read(fd, size - len(received))
        if not chunk:
            break
        received += chunk
    return received


# --- the server ---------------------------------------------------------------------------------


def serve(control_fd: int, alive_fd: int) -> None:
    """The server's loop: fork a process for each request, and send each one's exit code when it
    ends; return when the supervisor's end of the socket pair closes."""
    import grader.forkserver_preload  # noqa: F401

    # not dumpable: a process of the same user cannot trace it or take its socket (pidfd_getfd)
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    control = socket.socket(fileno=control_fd)
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_r, False)
    os.set_blocking(wakeup_w, False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the terminal is the supervisor's to handle
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wakeup_w)
    statuses: dict[int, int] = {}
    while True:
        try:
            ready, _, _ = select.select([control, wakeup_r], [], [])
        except InterruptedError:
            continue
        if wakeup_r in ready:
            try:
                while os.read(wakeup_r, 4096):
                    pass
            except BlockingIOError:
                pass
            _send_exit_codes(statuses)
        if control in ready:
            _, fds, _, _ = socket.recv_fds(control, 1, _MAX_FDS)
            if not fds:  # the supervisor has ended
                return
            payload_r, status_w, *passed = fds
            try:
                pid = os.fork()
            except OSError:  # no process to be had now (a process or memory limit): this request fails, not the server
                for fd in fds:
                    os.close(fd)
                continue
            if pid == 0:
                control.close()
                for fd in (wakeup_r, wakeup_w, *statuses.values(), status_w):
                    os.close(fd)
                _run_child(payload_r, alive_fd, passed)
            try:
                os.write(status_w, _STATUS.pack(pid))
            except BrokenPipeError:  # the supervisor gave up on it; its exit code still goes nowhere harmful
                pass
            statuses[pid] = status_w
            for fd in (payload_r, *passed):
                os.close(fd)


def _send_exit_codes(statuses: dict[int, int]) -> None:
    """Reap the ended processes and send each its exit code on its status pipe."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        status_w = statuses.pop(pid, None)
        if status_w is not None:
            try:
                os.write(status_w, _STATUS.pack(os.waitstatus_to_exitcode(status)))
            except BrokenPipeError:
                pass
            os.close(status_w)


def _run_child(payload_r: int, alive_fd: int, passed: list[int]) -> None:
    """A forked process: tie its life to the server's and the supervisor's, take the supervisor's
    folder, path, environment and warning filters, and run its target (which ends the process)."""
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        server = os.getppid()
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != server:  # the server ended before the line above
            os._exit(code)
        threading.Thread(target=_die_with, args=(alive_fd,), name="supervisor-watch", daemon=True).start()
        with open(payload_r, "rb") as pipe:
            target, args, folder, path, environment, filters = pickle.load(pipe)
        os.chdir(folder)
        sys.path[:] = path
        os.environ.clear()
        os.environ.update(environment)
        warnings.resetwarnings()
        warnings.filters[:] = filters
        target(*args, *passed)
    finally:
        os._exit(code)


def _die_with(alive_fd: int) -> None:
    """Kill this process once the supervisor has ended: the write end of ``alive_fd``'s pipe, which
    only the supervisor holds, is then closed."""
    select.select([alive_fd], [], [])
    os.kill(os.getpid(), signal.SIGKILL)
