"""Reading Markdown as GitHub shows it: rendered with markdown-it (CommonMark with tables)."""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt


def render(markdown: str) -> str:
    """The HTML of ``markdown``."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.in_body = False

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append([])
        elif tag == "td" and self.in_body:
            self.cell = []

    def handle_endtag(self, tag) -> None:
        if tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(markdown: str) -> list[list[str]]:
    """The text of each body cell of the tables in ``markdown``, row by row."""
    parser = _Cells()
    parser.feed(render(markdown))
    return parser.rows
