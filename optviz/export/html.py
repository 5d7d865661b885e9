"""A standalone interactive page: the app's race player on the race's payload, in one offline file.

The page holds the player's CSS and its one bundled ES module (`optviz/views/player/static/`) and the
payload the app sends (`optviz.views.player.payload`) as JSON, all inline, and a few lines that mount
the player on a div: it plays, scrubs, steps, turns and zooms the 3-D view and shows the same
read-outs as the app, with nothing loaded from anywhere else. Its size is the player's code (~65 kB)
and the race's data (~125 kB for 7 runners x 300 steps).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import replace

from optviz.export.options import ExportOptions
from optviz.racing import Race
from optviz.views import player

Progress = Callable[[int, int], None]
ROOT_ID = "optviz-race"
HEIGHT = 600  # pixels of the views' row

# The bundle ends with its default export; in the page it becomes a name the bootstrap calls.
_EXPORT = re.compile(r"export\s*\{\s*([A-Za-z_$][\w$]*)\s+as\s+default\s*\};?\s*$")


def _module_body(js: str) -> str:
    """The bundle with its `export { mount as default }` turned into `const mount = ...`: an inline
    module script cannot be imported, so the page calls the function by name."""
    match = _EXPORT.search(js)
    if match is None:
        raise RuntimeError("the player's bundle does not end with its default export")
    return js[: match.start()] + f"const mountPlayer = {match.group(1)};\n"


def _json(data: object) -> str:
    """JSON that can sit inside a <script> element: with every `<` escaped, no `</script>` or `<!--`
    in a label can end it early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c")


def page(race: Race) -> str:
    """The page's HTML text: the race shown as the app shows it, with the race's own view settings
    (3-D view, arrows, learning rates, trail, speed: `race.settings.view`)."""
    # The page is the player's own: its views follow the window's height; it opens out of presenter
    # mode (a button or the F key enters it).
    view = replace(race.settings.view, present=False)
    data = player.payload(race, view, clickable=False, height=HEIGHT, fit=True)
    css = (player.ASSETS / "player.css").read_text(encoding="utf-8")
    js = _module_body((player.ASSETS / "player.js").read_text(encoding="utf-8"))
    title = html.escape(f"{race.surface.title}: {', '.join(r.label for r in race.runners)}")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; padding: 12px 16px; background: #ffffff; font-family: "Source Sans Pro", sans-serif; }}
{css}
</style>
</head>
<body>
<div id="{ROOT_ID}"></div>
<script type="application/json" id="{ROOT_ID}-data">{_json(data)}</script>
<script type="module">
{js}
const data = JSON.parse(document.getElementById("{ROOT_ID}-data").textContent);
mountPlayer({{ data, parentElement: document.getElementById("{ROOT_ID}"), setTriggerValue: () => {{}} }});
</script>
</body>
</html>
"""


def html_bytes(race: Race, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """The page as UTF-8 bytes. The export's options are the video frames' (view, size, frame rate,
    panel): the page has the player's own controls instead, so they change nothing here."""
    text = page(race).encode("utf-8")
    if progress is not None:
        progress(1, 1)
    return text
