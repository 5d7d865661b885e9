"""The race player as a Jupyter widget (anywidget): imported only when a race is first shown in a
notebook, so neither `import optviz` nor the app ever loads anywidget.

The widget's module (`widget.js`) is a small wrapper; the player is the app's own module, read from
`optviz/views/player/static/player.js` each time a widget is made and sent to the browser as the
model's `_player` text, with the player's stylesheet in `_css`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import anywidget
import traitlets

HERE = Path(__file__).parent


def player_file(name: str) -> str:
    """One of the player's static files (player.js, player.css) as it is now."""
    return (resources.files("optviz.views.player") / "static" / name).read_text(encoding="utf-8")


class RaceWidget(anywidget.AnyWidget):
    """Shows a race's payload with the race player; the player's messages go to `on_message(event,
    value)` (e.g. "start" with {"x", "y"} when the map is clicked)."""

    _esm = HERE / "widget.js"
    _css = traitlets.Unicode().tag(sync=True)
    _player = traitlets.Unicode().tag(sync=True)
    data = traitlets.Dict().tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)

    def __init__(self, data: dict[str, Any], on_message: Callable[[str, Any], None] | None = None) -> None:
        css = player_file("player.css") + "\n" + (HERE / "widget.css").read_text(encoding="utf-8")
        super().__init__(data=data, _css=css, _player=player_file("player.js"))
        self._on_message = on_message
        self.on_msg(self._received)

    def _received(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if (
            self._on_message is not None
            and isinstance(content, dict)
            and isinstance(content.get("event"), str)
        ):
            self._on_message(content["event"], content.get("value"))
