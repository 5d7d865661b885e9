"""Reads the app's results table (an HTML table, `optviz.app.results.results_html`) back into a DataFrame."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
from streamlit.testing.v1 import AppTest


class _Table(HTMLParser):
    """Rows of cells, the header's first; a cell with `data-value` gives that exact number."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[object]] = []
        self._cell: list[str] | None = None
        self._value: float | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
            value = dict(attrs).get("data-value")
            self._value = None if value is None else float(value)

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            self.rows[-1].append(self._value if self._value is not None else text)
            self._cell = None


def read_table(html: str) -> pd.DataFrame:
    parser = _Table()
    parser.feed(html)
    header, *rows = parser.rows
    return pd.DataFrame(rows, columns=header)


def results(at: AppTest) -> pd.DataFrame:
    """The results table the page shows now."""
    tables = [h.proto.body for h in at.get("html") if 'class="optviz-results"' in h.proto.body]
    assert len(tables) == 1, f"{len(tables)} results tables on the page"
    return read_table(tables[0])


def plain(markdown: str) -> str:
    """What a Markdown element whose text went through `optviz.app.markup.verbatim` shows."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("  \n", "\n"))
