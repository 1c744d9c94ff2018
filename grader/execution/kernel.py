"""The kernel the grader starts: always a Python kernel of the grader's own environment,
launched through the sandbox, talking over sockets that refuse oversized frames and measure
every message (see :mod:`grader.execution.channels`)."""

from __future__ import annotations

import sys
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from grader.bounds import BOUNDS
from grader.execution.channels import BoundedKernelClient


def grader_kernel_spec() -> KernelSpec:
    """ipykernel of this interpreter, interrupted by message (signals do not cross the sandbox)."""
    return KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="Python 3 (grader)",
        language="python",
        interrupt_mode="message",
        env={},
        metadata={},
    )


def capped_context() -> zmq.asyncio.Context:
    """A ZeroMQ context whose sockets drop any inbound frame above BOUNDS.message_bytes."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, BOUNDS.message_bytes)
    return context


class GradingKernelManager(AsyncKernelManager):
    """Starts the grader's kernel whatever kernelspec the notebook names, wrapped by a launch prefix.

    ``launch_wrapper`` turns the kernel command into the sandboxed command line.
    """

    def __init__(self, launch_wrapper: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spec = grader_kernel_spec()
        self._wrap = launch_wrapper or (lambda command: command)
        self.context = capped_context()
        self.client_factory = BoundedKernelClient

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        return self._spec

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel command, wrapped by the sandbox."""
        return self._wrap(super().format_kernel_cmd(extra_arguments))

    def client(self, **kwargs: Any) -> BoundedKernelClient:
        """A client whose sockets share the capped context."""
        kwargs.setdefault("context", self.context)
        return super().client(**kwargs)

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        """jupyter_client's kill, which signals the kernel's process group by its id, only while
        that id is still the kernel's: once the kernel has been reaped (it died, or a poll found it
        gone) the id can lead another process group, under ``--jobs`` another submission's kernel."""
        provisioner = self.provisioner
        process = getattr(provisioner, "process", None)
        if process is not None and process.poll() is not None:
            provisioner.pgid = None  # signal the process object, which knows it is gone
        await super()._async_kill_kernel(restart)

    _kill_kernel = _async_kill_kernel
