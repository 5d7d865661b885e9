"""`optviz serve`: the app's server, with what its first visitor would wait for done before it listens.

`streamlit run app.py` imports the app (NumPy, Numba, Streamlit's own page modules, the app's
modules) and loads the engine's kernels from the on-disk cache only when the first page opens, so
the first visitor after a start waits for all of it. Streamlit runs the script in the server's own
process, so whatever is imported and loaded here, before the server starts, is already there for it:
`serve` imports the page, runs the default race through the engine and builds its picture and its
player payload, then hands over to `streamlit run` with the same options.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from streamlit import string_util
from streamlit.runtime.caching import cache_data_api

# The page's script, and the app that serves it with the live route: inside the package, so that an
# installed optviz serves without a checkout (the repository's app.py names the same app).
SCRIPT = Path(__file__).with_name("script.py")
LAUNCHER = Path(__file__).with_name("launcher.py")


def app_options() -> dict[str, Any]:
    """What `st.App` is made with for the app (`launcher.py`, the repository's app.py): the page's
    script and the live changes' route. Answers go out without Nagle's delay (`_no_delay`)."""
    from optviz.app import live_endpoint

    _no_delay()
    return {"script_path": SCRIPT, "routes": live_endpoint.routes()}


def _no_delay() -> None:
    """Streamlit binds its listening socket with protocol number 0, and asyncio turns Nagle's
    algorithm off only for sockets whose protocol is IPPROTO_TCP. On a kept-alive connection every
    HTTP answer written in two parts (headers, then body) then waits for the browser's delayed
    acknowledgement of the first, about 40 ms: longer than a live race takes to compute and draw.
    This turns it off for every TCP connection the server accepts, as asyncio means to."""
    base_events: Any = asyncio.base_events
    original = base_events._set_nodelay
    if getattr(original, "optviz", False):
        return

    def set_nodelay(sock: socket.socket) -> None:
        original(sock)
        if sock.family in {socket.AF_INET, socket.AF_INET6} and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    set_nodelay.optviz = True  # type: ignore[attr-defined]
    base_events._set_nodelay = set_nodelay


def _import_page() -> None:
    """Imports the page (NumPy, Numba and every module of the app). Before the server exists, each
    st.cache_data checks its options against a stand-in storage and warns; the caches themselves are
    made at their first use, in the server, so the warning is held back."""
    caching = logging.getLogger(cache_data_api.__name__)
    level = caching.level
    caching.setLevel(logging.ERROR)
    try:
        from optviz.app import page  # noqa: F401
    finally:
        caching.setLevel(level)


def preload(out: TextIO) -> float:
    """Does what the first visitor would otherwise wait for; returns its seconds."""
    start = time.perf_counter()
    _import_page()
    import surfaces
    from optviz.racing import run_race
    from optviz.settings import RaceSettings
    from optviz.views import player

    settings = RaceSettings()
    # The engine's kernels loaded from the on-disk cache, by a race through them.
    race = run_race(settings.race_part())
    player.payload(race, settings.view, clickable=True)
    # Every built-in surface's contour picture, 3-D mesh and colour scale.
    for name in surfaces.SURFACES:
        player.prepare(surfaces.get(name))
    # Streamlit's first page: the page icon is checked against its emoji table (a large regular
    # expression, compiled on first use), and its first element looks up the stack's source files.
    string_util.is_emoji("⛰️")
    inspect.stack()
    seconds = time.perf_counter() - start
    done = "the app loaded, its default race run and its surfaces drawn"
    out.write(f"optviz serve: {done} in {seconds:.1f} s\n")
    out.flush()
    return seconds


def serve(streamlit_args: Sequence[str], out: TextIO = sys.stdout) -> int:
    """Preloads, then runs `streamlit run <the app> *streamlit_args` in this process."""
    preload(out)
    from streamlit.web import cli

    try:
        cli.main.main(args=["run", str(LAUNCHER), *streamlit_args], prog_name="streamlit")
    except SystemExit as done:
        return int(done.code or 0)
    return 0
