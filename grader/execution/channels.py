"""The grader's ends of the kernel's sockets, which treat everything the kernel sends as hostile.

Every message is measured before it is decoded: one larger than ``BOUNDS.message_bytes``, or a
submission whose messages together pass ``BOUNDS.traffic_bytes``, ends the run with a
:class:`KernelTrafficError` saying why. Messages that cannot be decoded (a bad signature) or whose
parts have the wrong types (a ``parent_header`` that is a list) are dropped: nothing the kernel
sends can raise inside nbclient or the grader.

ZeroMQ delivers a multipart message whole, so a single huge message still passes through the
grading process's memory before it can be refused: that process's own memory bound (see
:mod:`grader.supervision`) is what contains it.
"""

from __future__ import annotations

import typing as t

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

from grader.bounds import BOUNDS

_DICT_PARTS = ("header", "parent_header", "metadata", "content")


class KernelTrafficError(RuntimeError):
    """The kernel sent more, or something other, than the grader accepts; the message says what."""


class TrafficMeter:
    """Bytes received from one kernel, over all its channels."""

    def __init__(self, limit: int = BOUNDS.traffic_bytes) -> None:
        self.limit = limit
        self.received = 0
        self.dropped = 0

    def charge(self, size: int) -> None:
        """Count a message of ``size`` bytes; raise once the kernel has sent too much."""
        self.received += size
        if size > BOUNDS.message_bytes:
            raise KernelTrafficError(
                f"The notebook sent a single message of {size / 2**20:.0f} MB; the grader accepts at most "
                f"{BOUNDS.message_bytes // 2**20} MB per message, so the kernel was stopped. Do not display or print huge objects."
            )
        if self.received > self.limit:
            raise KernelTrafficError(
                f"The notebook sent more than {self.limit // 2**20} MB of messages to the grader, so the kernel was "
                f"stopped. Print and display summaries, not whole arrays, and do not update displays in a tight loop."
            )


def _well_formed(message: t.Any) -> bool:
    if not isinstance(message, dict) or not isinstance(message.get("msg_type"), str):
        return False
    if not all(isinstance(message.get(part), dict) for part in _DICT_PARTS):
        return False
    if not isinstance(message.get("buffers", []), list):
        return False
    parent_id = message["parent_header"].get("msg_id")
    return parent_id is None or isinstance(parent_id, str)


class BoundedChannel(AsyncZMQSocketChannel):
    """An async channel that measures, validates and otherwise drops what the kernel sends."""

    meter: TrafficMeter

    async def _recv(self, **kwargs: t.Any) -> dict[str, t.Any]:  # type: ignore[override]
        while True:
            frames = await self.socket.recv_multipart(copy=False)
            self.meter.charge(sum(len(frame.buffer) for frame in frames))
            try:
                _, signed = self.session.feed_identities(frames, copy=False)
                message = self.session.deserialize(signed, content=True, copy=False)
            except Exception:  # a forged or damaged message: not the grader's problem
                self.meter.dropped += 1
                continue
            if _well_formed(message):
                return message
            self.meter.dropped += 1


class BoundedKernelClient(AsyncKernelClient):
    """A kernel client whose shell and iopub channels are :class:`BoundedChannel`."""

    shell_channel_class = Type(BoundedChannel)  # type: ignore[assignment]
    iopub_channel_class = Type(BoundedChannel)  # type: ignore[assignment]

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.meter = TrafficMeter()

    @property
    def shell_channel(self):  # type: ignore[override]
        channel = super().shell_channel
        channel.meter = self.meter
        return channel

    @property
    def iopub_channel(self):  # type: ignore[override]
        channel = super().iopub_channel
        channel.meter = self.meter
        return channel
