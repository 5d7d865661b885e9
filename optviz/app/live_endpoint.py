"""The direct line for live changes: an HTTP route beside Streamlit's own, answered without a rerun.

A dragged value sent through the component reruns the player's fragment, and the browser then
re-renders Streamlit's element tree for it: most of each live update's time. The player sends its
live changes here instead (`POST <base>/api/optviz/live`, a JSON object {"settings": the link's
keys, "change": the change}) and draws the answer itself: the same bytes the fragment would send
(`optviz.app.live.answer`). The route keeps no state, so any replica behind a proxy can answer.
Releases still go through the component, so the page, its link and its results follow them.

Input is checked like any other: a body that is too large, not JSON or not a change this app made is
answered 413 or 400 with a message that quotes it; a race the engine refuses, 422; and while
`MAX_WAITING` changes are waiting (a flood), 429 at once, so the server keeps answering everyone
else. Races are computed on `WORKERS` threads of their own, apart from the threads that serve files.
"""

from __future__ import annotations

import json

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from streamlit import config

from optviz.app import live
from optviz.checks import show

PATH = "api/optviz/live"
MAX_BODY = 16_000  # bytes; a change with ten competitors' settings and a typed formula is ~3 kB
MAX_WAITING = 32  # changes queued or being raced at once; one in flight per page
WORKERS = 2  # threads racing changes: the engine's work holds the interpreter, more would only queue

_waiting = 0  # changed only on the event loop's thread
_limiter: anyio.CapacityLimiter | None = None


def routes() -> list[BaseRoute]:
    """The route, under the server's base path; the page learns from `live.ENDPOINT` that it is there."""
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    path = f"/{base}/{PATH}" if base else f"/{PATH}"
    live.ENDPOINT = path
    # Other methods are answered here too (405), rather than by Streamlit's page for any other path.
    return [Route(path, live_change, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]


async def live_change(request: Request) -> Response:
    global _waiting, _limiter
    if request.method != "POST":
        answer = _refused(405, f"the live route takes a POST of a live change, not a {request.method}")
        answer.headers["Allow"] = "POST"
        return answer
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return _refused(413, f"a live change is at most {MAX_BODY} bytes; this one is longer")
    try:
        sent = json.loads(body)
    except (ValueError, RecursionError) as error:
        # Besides text that is not JSON (or not UTF-8), the decoder refuses JSON it cannot hold: a
        # whole number of more than 4300 digits (ValueError), arrays or objects nested ~1000 deep.
        text = show(body.decode(errors="replace"))
        return _refused(400, f"a live change must be JSON a page could send; got {text} ({error})")
    if _waiting >= MAX_WAITING:
        return _refused(429, "the server is busy: this change was not raced; the next one will be")
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(WORKERS)
    _waiting += 1
    try:
        data = await anyio.to_thread.run_sync(live.answer, sent, limiter=_limiter)
    except live.RefusedRaceError as error:
        return _refused(422, str(error))
    except ValueError as error:
        return _refused(400, str(error))
    finally:
        _waiting -= 1
    return Response(data, media_type="application/json")


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
