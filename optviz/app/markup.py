"""Text shown through Streamlit's Markdown exactly as it was written."""

from __future__ import annotations

import re

# Every ASCII punctuation mark that Markdown, its math ($...$), Streamlit's colour and icon directives
# (:red[...], :material/...:) or HTML could read as markup. CommonMark lets any of them be escaped.
_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$^:&])")


def verbatim(text: object) -> str:
    """`text` as Markdown that shows exactly as written. Everything a user typed, and every message
    quoting it, goes through this: `x^2 + y^2` would show as "x2 + y2", `__import__` in bold."""
    return _MARKUP.sub(r"\\\1", str(text)).replace("\n", "  \n")
