"""What a page does and says when its connection moves to a server that did not know it.

Streamlit's page reconnects its websocket by itself when the connection drops, naming the session it
had. If the server still holds that session (a short network break), nothing was lost. If it does not
(behind a load balancer the page reached another replica, or the one server restarted), the server
starts a new session, which reads every setting from the page's address, as a shared link does.

By itself the page would wait for the user's next change before that new session runs, and the new
session would then draw the race from the address and drop that change. The page asks for a run as
soon as it reconnects when it has a fragment that reruns on a timer (Streamlit's frontend does so to
restart the timer), so `notice` keeps one, empty and once a day: the race comes back at once, with
a note saying why it was redrawn, and the next change works as usual.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

_SEEN = "reconnect.seen"  # set at a session's first run
NOTICE = (
    "**Reconnected.** The server this page was on stopped, so another one took over and restored "
    "the race from the page's link: your settings are as they were."
)


def resumed_elsewhere() -> bool:
    """True at the first run of a session that a page opened in place of one this server does not
    hold: the websocket's handshake names an earlier session (Streamlit's page sends its session's id
    as the third entry of Sec-WebSocket-Protocol when it reconnects)."""
    if _SEEN in st.session_state:
        return False
    st.session_state[_SEEN] = True
    entries = [e.strip() for e in st.context.headers.get("Sec-Websocket-Protocol", "").split(",")]
    return len(entries) >= 3 and bool(entries[2])


@st.fragment(run_every=timedelta(days=1))
def _run_on_reconnect() -> None:
    """Empty: its timer makes the page ask for a run when it reconnects."""


def notice() -> None:
    """At the first run after such a reconnection, a note above the race (gone at the next change)."""
    _run_on_reconnect()
    if resumed_elsewhere():
        st.info(NOTICE, icon=":material/sync:")
