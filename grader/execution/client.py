"""nbclient's NotebookClient with the grader's output handling: bounded storage, an interrupt
when a notebook floods its output, and no comm or widget state kept."""

from __future__ import annotations

from typing import Any

from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_output

STORED_OUTPUT_BYTES = 1024 * 1024
"""Outputs kept in the executed notebook (the rest is counted and dropped)."""
FLOOD_OUTPUT_BYTES = 32 * 1024 * 1024
"""Past this much output the running cell is interrupted: no honest homework prints that much."""


def message_size(msg: dict[str, Any]) -> int:
    """Approximate size in bytes of an output message's payload."""
    content = msg.get("content", {})
    size = len(content.get("text", ""))
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, (str, bytes)) else len(str(value))
    size += sum(len(line) for line in content.get("traceback") or [])
    return size


class GradingClient(NotebookClient):
    """Executes cells like NotebookClient, but bounds what output costs the grader."""

    def __init__(self, nb: NotebookNode, km: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("store_widget_state", False)
        super().__init__(nb, km=km, **kwargs)
        self.output_bytes = 0
        self.output_truncated = False
        self.flooded_cell: int | None = None
        self.on_flood = None  # called once with the cell index when output passes FLOOD_OUTPUT_BYTES

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int) -> NotebookNode | None:
        """Count every output; keep it only while the notebook's total stays small."""
        self.output_bytes += message_size(msg)
        if self.output_bytes > FLOOD_OUTPUT_BYTES and self.flooded_cell is None:
            self.flooded_cell = cell_index
            if self.on_flood is not None:
                self.on_flood(cell_index)
        if self.output_bytes > STORED_OUTPUT_BYTES and msg["msg_type"] != "error":
            if not self.output_truncated:
                self.output_truncated = True
                notice = f"[output truncated by the grader after {STORED_OUTPUT_BYTES // 1024} KB]\n"
                outs.append(new_output("stream", name="stderr", text=notice))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def handle_comm_msg(self, outs: list[NotebookNode], msg: dict[str, Any], cell_index: int) -> None:
        """Comms (widgets) are ignored: nothing the kernel sends that way is kept."""
        return None
