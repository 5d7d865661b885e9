"""A Streamlit session driven over the server's own websocket protocol, without a browser.

The browser talks to `streamlit run` through one websocket (`/_stcore/stream`): it sends `BackMsg`s
(rerun the script with these widget values and this query string) and receives `ForwardMsg`s (the
page's elements, one delta at a time, then "script finished"). `AppSession` does the same, so one
Python process can hold dozens of real sessions on the real server at the cost of a few kilobytes
each, and the server does exactly the work it does for a browser.

A rerun sends only the widgets that changed, as the browser does in effect: the server keeps every
other widget's last value. What comes back is summarised in a `Rerun`: when the race player's data
arrived (the chart is updated from it), when the script finished, and every alert and exception the
page showed.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import StringArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

PLAYER_KEY = "race"  # the race player's widget key in app.py
# A Streamlit message can be as large as the server allows (server.maxMessageSize, in MB).
MAX_MESSAGE_BYTES = 200 * 1024 * 1024
ALERT_KINDS = {1: "error", 2: "warning", 3: "info", 4: "success"}
CACHE_AGE = 2  # runs a cached message is kept unused (Streamlit's global.maxCachedMessageAge)
# A custom component's events travel as one JSON list in a hidden widget named after the component.
COMPONENT_EVENTS = "$$STREAMLIT_INTERNAL_KEY_{id}__events"
REPLICA_HEADER = "X-Optviz-Replica"  # the replica behind the project's nginx site that answered


@dataclass(frozen=True)
class Widget:
    """A widget as the page last drew it: its id, element kind (`slider`, `selectbox`...) and proto."""

    id: str
    kind: str
    proto: Any

    @property
    def label(self) -> str:
        return str(getattr(self.proto, "label", ""))

    @property
    def options(self) -> list[str]:
        return list(getattr(self.proto, "options", []))


@dataclass(frozen=True)
class Rerun:
    """What one script run sent back. Times are seconds from sending the request."""

    chart: float | None  # the race player's data arrived
    finished: float | None  # the script finished (None: it did not within the timeout)
    status: str  # "ok", "error" (app.py did not compile), "timeout", "closed" (the connection dropped)
    alerts: tuple[tuple[str, str], ...] = ()  # (kind, text) of every st.error/warning/info/success
    exceptions: tuple[str, ...] = ()  # every exception element's type and message
    tracebacks: int = 0  # exception elements that carry a stack trace for the page to show
    received_bytes: int = 0

    @property
    def clean(self) -> bool:
        """Finished, and the page shows no exception (a traceback or Streamlit's error box)."""
        return self.status == "ok" and not self.exceptions


@dataclass
class _Collect:
    started: float
    chart: float | None = None
    alerts: list[tuple[str, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    tracebacks: int = 0
    widgets: dict[str, Widget] = field(default_factory=dict)
    received: int = 0


def ws_url(base_url: str) -> str:
    """The websocket's address for the app at `base_url` (a path such as /optviz/ included)."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"


def widget_value(widget: Widget, value: Any) -> WidgetState:
    """The state the browser sends for `widget` set to `value`.

    Sliders send their value(s) as a float array, select sliders (sliders with options) and
    segmented controls their options' labels as a string array, select boxes and radios the chosen
    option's label, number inputs a float, text inputs a string, toggles and checkboxes a bool,
    buttons a trigger, expanders whether they are open (a bool).
    """
    kind = "select_slider" if widget.kind == "slider" and widget.options else widget.kind
    state = WidgetState(id=widget.id)
    if kind == "slider":
        values = value if isinstance(value, list | tuple) else [value]
        state.double_array_value.data.extend(float(v) for v in values)
    elif kind in ("button_group", "select_slider"):
        values = value if isinstance(value, list | tuple) else [value]
        state.string_array_value.CopyFrom(StringArray(data=[str(v) for v in values]))
    elif kind in ("selectbox", "radio", "text_input", "text_area"):
        state.string_value = str(value)
    elif kind == "number_input":
        state.double_value = float(value)
    elif kind in ("checkbox", "expander"):
        state.bool_value = bool(value)
    elif kind in ("button", "download_button"):
        state.trigger_value = True
    elif kind == "json_trigger":
        state.json_trigger_value = str(value)
    else:
        raise ValueError(f"no way to set a {kind!r} widget")
    return state


class AppSession:
    """One browser tab's worth of session on a running `streamlit run` server."""

    def __init__(self, base_url: str, query: str = "") -> None:
        self.base_url = base_url
        self.query = query.lstrip("?")
        self.widgets: dict[str, Widget] = {}  # by key (the suffix of the widget id)
        self.socket: Any = None
        # Which server took the websocket, when a proxy says so (deploy/nginx-optviz.conf does).
        self.replica: str | None = None
        self._inbox: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        # Large messages the server marked cacheable, by hash, with the run that last used them: the
        # browser keeps them for a few runs and tells the server, which then sends only the hash.
        self._cached: dict[str, tuple[ForwardMsg, int]] = {}
        self._runs = 0
        # The fragment each widget was drawn in (a change of one reruns only that fragment).
        self.fragments: dict[str, str] = {}
        self.player: Any = None  # the race player's element as last drawn (its payload in `.bytes`)

    async def open(self, timeout: float = 60.0) -> Rerun:
        """Connects and runs the page once with this session's query string."""
        self.socket = await websockets.connect(
            ws_url(self.base_url),
            subprotocols=["streamlit"],
            max_size=MAX_MESSAGE_BYTES,
            open_timeout=timeout,
            ping_interval=None,  # the server sends its own keep-alive pings
        )
        tried = self.socket.response.headers.get(REPLICA_HEADER)  # "a, b": a failed, b answered
        self.replica = tried.split(",")[-1].strip() if tried else None
        self._reader = asyncio.create_task(self._read())
        return await self.rerun(timeout=timeout)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._reader is not None:
            self._reader.cancel()

    async def _read(self) -> None:
        try:
            async for message in self.socket:
                if isinstance(message, bytes):
                    self._inbox.put_nowait((time.perf_counter(), message))
        except websockets.ConnectionClosed:
            pass
        finally:
            self._inbox.put_nowait((time.perf_counter(), b""))

    def find(self, key: str) -> Widget:
        """The widget whose key is `key` (Streamlit ends a keyed widget's id with its key)."""
        try:
            return self.widgets[key]
        except KeyError:
            raise KeyError(f"no widget with key {key!r} on the page") from None

    async def rerun(
        self,
        changes: dict[str, Any] | None = None,
        query: str | None = None,
        timeout: float = 60.0,
        fragment: str | None = None,
    ) -> Rerun:
        """Sets the widgets named by key in `changes` to their values and reruns; waits for the end.

        A value for a key is whatever `widget_value` takes for that widget's kind; for a custom
        component, a dict of the events it sends ({"start": {"x": 1.0, "y": 2.0}}); to send a raw
        `WidgetState` (e.g. one the browser would never send) pass it as the value. `fragment`: the
        id of a fragment to rerun alone (what the browser asks when a widget drawn in a fragment
        changes: `fragments` has each widget's), else the whole page reruns.
        """
        while not self._inbox.empty():  # anything left from an earlier run is not this run's
            if not self._inbox.get_nowait()[1]:
                self._inbox.put_nowait((time.perf_counter(), b""))  # but a closed connection stays closed
                break
        collect = _Collect(time.perf_counter())
        await self.send(changes, query=query, fragment=fragment)
        return await self._until_finished(collect, timeout)

    async def send(
        self, changes: dict[str, Any] | None = None, query: str | None = None, fragment: str | None = None
    ) -> None:
        """Asks for a rerun as `rerun` does, without waiting for anything: what comes back is read
        with `receive` (a page that sends a change while the last one is still running does this)."""
        if query is not None:
            self.query = query.lstrip("?")
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query
        client.page_script_hash = ""
        if fragment is not None:
            client.fragment_id = fragment
        self._runs += 1
        self._cached = {h: (m, run) for h, (m, run) in self._cached.items() if run >= self._runs - CACHE_AGE}
        client.cached_message_hashes.extend(self._cached)
        for key, value in (changes or {}).items():
            widget = self.find(key)
            if widget.kind == "bidi_component":
                # {"start": {"x": 1, "y": 2}}: the events the component's script would send.
                events = [{"event": name, "value": v} for name, v in value.items()]
                state = WidgetState(id=COMPONENT_EVENTS.format(id=widget.id))
                state.json_trigger_value = json.dumps(events)
            elif isinstance(value, WidgetState):
                state = WidgetState()
                state.CopyFrom(value)
                state.id = widget.id
            else:
                state = widget_value(widget, value)
            client.widget_states.widgets.append(state)
        await self.socket.send(message.SerializeToString())

    async def receive(self, timeout: float) -> tuple[float, ForwardMsg | None]:
        """The next message from the server and when it arrived (`time.perf_counter`), a message
        sent as a reference to a cached one replaced by that one; None: the connection closed.
        Raises TimeoutError when nothing came within `timeout` seconds."""
        at, data = await asyncio.wait_for(self._inbox.get(), timeout)
        if not data:
            self._inbox.put_nowait((at, b""))  # closed stays closed
            return at, None
        return at, self._parse(data)

    def _parse(self, data: bytes) -> ForwardMsg:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        if msg.WhichOneof("type") == "ref_hash":
            if msg.ref_hash not in self._cached:
                raise RuntimeError(f"the server referred to a message never received: {msg.ref_hash}")
            msg = self._cached[msg.ref_hash][0]
            self._cached[msg.hash] = (msg, self._runs)
        elif msg.metadata.cacheable and msg.hash:
            self._cached[msg.hash] = (msg, self._runs)
        return msg

    async def _until_finished(self, collect: _Collect, timeout: float) -> Rerun:
        deadline = collect.started + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return self._result(collect, None, "timeout")
            try:
                at, data = await asyncio.wait_for(self._inbox.get(), remaining)
            except TimeoutError:
                return self._result(collect, None, "timeout")
            if not data:
                return self._result(collect, None, "closed")
            collect.received += len(data)
            msg = self._parse(data)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._element(msg, collect, at)
            elif kind == "script_finished":
                status = msg.script_finished
                # A run the script's own st.rerun() replaced is followed by the new run's messages
                # and its own "finished". An exception the script raised still finishes the run
                # "successfully": it shows up as an exception element.
                if status == ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN:
                    collect.widgets.clear()
                    continue
                self.widgets = collect.widgets  # what the page shows now, nothing left from before
                ok = status != ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR
                return self._result(collect, at, "ok" if ok else "error")

    def _element(self, msg: ForwardMsg, collect: _Collect, at: float) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") == "add_block" and delta.add_block.WhichOneof("type") == "expandable":
            # An expander that reruns the app when opened or closed is a widget too.
            self._widget(delta.add_block.expandable, "expander", collect)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        proto = getattr(element, kind)
        if kind == "alert":
            collect.alerts.append((ALERT_KINDS.get(proto.format, "alert"), proto.body))
        elif kind == "exception":
            collect.exceptions.append(f"{proto.type}: {proto.message}")
            collect.tracebacks += len(proto.stack_trace) > 0
        key = self._widget(proto, kind, collect)
        if key is not None and delta.fragment_id:
            self.fragments[key] = delta.fragment_id
        if kind == "bidi_component" and key == PLAYER_KEY:
            self.player = proto
            if collect.chart is None:
                collect.chart = at - collect.started

    @staticmethod
    def _widget(proto: Any, kind: str, collect: _Collect) -> str | None:
        """Notes a widget the page now shows; returns its key (None: not a widget)."""
        widget_id = getattr(proto, "id", "")
        if not widget_id:
            return None
        key = widget_id.rsplit("-", 1)[-1] if widget_id.startswith("$$ID") else widget_id
        collect.widgets[key] = Widget(widget_id, kind, proto)
        return key

    def _result(self, collect: _Collect, finished_at: float | None, status: str) -> Rerun:
        return Rerun(
            chart=collect.chart,
            finished=None if finished_at is None else finished_at - collect.started,
            status=status,
            alerts=tuple(collect.alerts),
            exceptions=tuple(collect.exceptions),
            tracebacks=collect.tracebacks,
            received_bytes=collect.received,
        )
