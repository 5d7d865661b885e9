"""Exports made in worker processes, a bounded number at a time.

A GIF or MP4 is seconds of pure-Python drawing and encoding. Made inside the app's server process it
would hold the interpreter lock that every session's script shares, and a whole class would wait for
one student's video. Made in a worker process it costs the server only a CPU core, and
`EXPORT_SLOTS` bounds how many run at once so exports never take every core.

Workers are forked from a small server process that has already imported the exporter (Python's
"forkserver" start method), so an export starts in milliseconds without copying the app's threads.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from optviz.export.options import ExportOptions
from optviz.racing import Race


def _slots_from_environment() -> int:
    text = os.environ.get("OPTVIZ_EXPORT_SLOTS", "")
    if not text:
        return max(1, (os.cpu_count() or 1) // 2)
    try:
        slots = int(text)
    except ValueError:
        raise ValueError(f"OPTVIZ_EXPORT_SLOTS must be a whole number, got {text!r}") from None
    if slots < 1:
        raise ValueError(f"OPTVIZ_EXPORT_SLOTS must be at least 1, got {slots}")
    return slots


# Exports running at once in this server; more wait for a free slot. Half the cores by default, so
# the sessions' own reruns always have a core.
EXPORT_SLOTS = _slots_from_environment()
_slots = threading.BoundedSemaphore(EXPORT_SLOTS)
_context_lock = threading.Lock()
_context: Any = None
PRELOAD = ["optviz.export", "optviz.export.render", "optviz.export.video", "optviz.export.html"]


def _forkserver() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
    return _context


def _work(conn: Connection, race: Race, fmt: str, options: ExportOptions) -> None:
    """In the worker: makes the file, sending progress, then the bytes or the reason it failed."""
    from optviz.export import export_bytes

    try:
        data = export_bytes(
            race, fmt, options, progress=lambda done, total: conn.send(("progress", done, total))
        )
        conn.send(("done", data))
    except ValueError as error:  # options the exporter refuses
        conn.send(("refused", str(error)))
    except (OSError, RuntimeError) as error:  # no space, ffmpeg missing or failing...
        conn.send(("error", str(error)))
    finally:
        conn.close()


def _stopped(worker: Any) -> RuntimeError:
    return RuntimeError(f"the export process stopped unexpectedly (exit code {worker.exitcode})")


def export_in_worker(
    race: Race,
    fmt: str,
    options: ExportOptions,
    progress: Callable[[int, int], None] | None = None,
    waiting: Callable[[], None] | None = None,
) -> bytes:
    """`export_bytes(race, fmt, options)` made in a worker process.

    Blocks until one of the EXPORT_SLOTS is free (calling `waiting()` about twice a second while it
    waits), then relays the worker's progress to `progress(done, total)`. Raises ValueError for
    options the exporter refuses, RuntimeError for any other failure (its message says which) or if
    the worker dies.
    If the caller is interrupted (an exception raised from a callback, e.g. Streamlit stopping a
    script for a rerun), the worker is stopped too: no export outlives the request that made it.
    """
    while not _slots.acquire(timeout=0.5):
        if waiting is not None:
            waiting()
    try:
        context = _forkserver()
        receive, send = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(send, race, fmt, options), daemon=True)
        worker.start()
        send.close()  # the worker holds the only sending end: end of file means it has gone
        try:
            while True:
                if not receive.poll(0.2):
                    if worker.is_alive():
                        continue
                    if not receive.poll(0):  # gone without a word (killed, out of memory...)
                        raise _stopped(worker)
                try:
                    message = receive.recv()
                except EOFError:  # gone mid-export: its end of the pipe closed with it
                    raise _stopped(worker) from None
                if message[0] == "progress":
                    if progress is not None:
                        progress(message[1], message[2])
                elif message[0] == "done":
                    return message[1]
                elif message[0] == "refused":
                    raise ValueError(message[1])
                else:
                    raise RuntimeError(message[1])
        finally:
            receive.close()
            if worker.is_alive():
                worker.terminate()
            worker.join(timeout=5)
    finally:
        _slots.release()
