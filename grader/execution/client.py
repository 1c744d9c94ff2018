"""nbclient's NotebookClient with the grader's output handling: bounded storage (display updates
included), an interrupt when a notebook floods its output, no comm or widget state kept, and
any message nbclient cannot process turned into the submission's error."""

from __future__ import annotations

from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbformat import NotebookNode
from nbformat.v4 import new_output

from grader.bounds import BOUNDS
from grader.execution.channels import KernelTrafficError


def message_size(msg: dict[str, Any]) -> int:
    """Approximate size in bytes of an output message's payload."""
    content = msg.get("content", {})
    text = content.get("text", "")
    size = len(text) if isinstance(text, (str, bytes)) else len(str(text))
    data = content.get("data")
    for value in (data.values() if isinstance(data, dict) else ()):
        size += len(value) if isinstance(value, (str, bytes)) else len(str(value))
    traceback = content.get("traceback")
    size += sum(len(str(line)) for line in traceback) if isinstance(traceback, list) else 0
    return size


class GradingClient(NotebookClient):
    """Executes cells like NotebookClient, but bounds what output costs the grader."""

    def __init__(self, nb: NotebookNode, km: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("store_widget_state", False)
        super().__init__(nb, km=km, **kwargs)
        self.output_bytes = 0
        self.output_truncated = False
        self.flooded_cell: int | None = None
        self._cell_index = 0  # the cell whose messages are being processed
        self.on_flood = None  # called once with the cell index when output passes BOUNDS.flood_output_bytes

    def process_message(self, msg: dict[str, Any], cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        """nbclient's handling, but a message it cannot process is the submission's problem."""
        self._cell_index = cell_index
        try:
            return super().process_message(msg, cell, cell_index)
        except CellExecutionComplete:
            raise
        except Exception as error:
            raise KernelTrafficError(
                f"The kernel sent a {str(msg.get('msg_type'))[:40]!r} message the grader cannot process "
                f"({type(error).__name__}), so the kernel was stopped."
            ) from error

    def _count(self, msg: dict[str, Any], cell_index: int) -> None:
        self.output_bytes += message_size(msg)
        if self.output_bytes > BOUNDS.flood_output_bytes and self.flooded_cell is None:
            self.flooded_cell = cell_index
            if self.on_flood is not None:
                self.on_flood(cell_index)

    def _update_display_id(self, display_id: str, msg: dict[str, Any]) -> None:
        """Display updates count towards the output bounds like new outputs, and stop being kept with them."""
        self._count(msg, self._cell_index)
        if self.output_bytes > BOUNDS.stored_output_bytes:
            return
        super()._update_display_id(display_id, msg)

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int) -> NotebookNode | None:
        """Count every output; keep it only while the notebook's total stays small."""
        self._count(msg, cell_index)
        if self.output_bytes > BOUNDS.stored_output_bytes and msg["msg_type"] != "error":
            if not self.output_truncated:
                self.output_truncated = True
                notice = f"[output truncated by the grader after {BOUNDS.stored_output_bytes // 1024} KB]\n"
                outs.append(new_output("stream", name="stderr", text=notice))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def handle_comm_msg(self, outs: list[NotebookNode], msg: dict[str, Any], cell_index: int) -> None:
        """Comms (widgets) are ignored: nothing the kernel sends that way is kept."""
        return None
