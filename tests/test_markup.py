"""Text a user typed, and messages quoting it, show in the page exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optviz.app.markup import verbatim
from tests.results_page import plain

ROOT = Path(__file__).resolve().parents[1]

TYPED = [
    "__import__('os')",
    "x^2 + y^2",
    "x**2 + 10*y**2",
    "$x$ and :red[y] and :material/home:",
    "<b>bold</b> & [a](b) `code` ~~gone~~ # heading",
    "1. not a list\n- nor this",
    "back\\slash",
]


@pytest.mark.parametrize("text", TYPED)
def test_verbatim_escapes_every_markup_character(text):
    escaped = verbatim(text)
    assert plain(escaped) == text
    # no markup character is left unescaped
    bare = re.sub(r"\\.", "", escaped)
    assert not re.search(r"[\\`*_{}\[\]()<>#+\-.!|~$^:&]", bare), bare


def test_every_message_that_quotes_a_value_goes_through_verbatim():
    """Streamlit reads every message as Markdown: one that puts a value into its text unescaped
    would garble a typed formula (x^2 shows as x², __x__ in bold)."""
    calls = re.compile(r"st\.(error|warning|info|success|markdown|caption|subheader|toast)\(\s*f\"")
    for path in [ROOT / "app.py", *ROOT.glob("optviz/**/*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if calls.search(line):
                quoted = re.findall(r"\{([^}]*)\}", line)
                safe = all(q.startswith(("verbatim(", "presets.")) or q in SAFE for q in quoted)
                assert safe, f"{path.relative_to(ROOT)}:{number}: {line.strip()}"


# Interpolations that are numbers or the app's own words, never typed text.
SAFE = {
    "len(data[0])",
    "n",
    "request.cells:,",
    "s.steps",
    "s.start",
    "s.tol:g",
    "outcome(m, j, i)",
    "m.final_loss[j, i]:.4g",
    "where",
    "runner.label",
    "chosen.batch_size",
    "lines[0]",
    "items",
    "lines",  # each line already went through verbatim
    "s.latex",  # LaTeX printed from the parsed formula (surfaces.formula), never the typed text
}
