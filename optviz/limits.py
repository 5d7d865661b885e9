"""Every limit that protects a server running the app, in one table.

The limits themselves live beside the code they guard (a step count is checked where settings are
parsed, a frame count where an export is planned); this module gathers them with the reason for each,
and README.md's "Serving a class" prints the same table (a test keeps the two identical). The cache
bounds are defined here, since only the app's caches use them.
"""

from __future__ import annotations

from dataclasses import dataclass

from optviz import api, racing, settings
from optviz.app import live_endpoint
from optviz.export import options as export_options
from optviz.sweep import MAX_CELLS_PER_SIDE
from surfaces import formula, program

# Streamlit caches shared by all sessions: bounded in entries, and dropped an hour after they were
# made, so a server that runs for a term does not keep every race anyone ever ran.
CACHE_TTL = 3600  # seconds
FORMULA_CACHE_ENTRIES = 64  # typed surfaces (a few kB each)
MAP_CACHE_ENTRIES = 16  # stability maps (a 512 x 512 map is ~8 MB)
# Up to this many optimizer steps a stability map recomputes as the sidebar moves, without a visible
# wait (the batched engine runs ~1e8 steps/s). Larger maps are computed MAP_SLOTS at a time per
# server, since each uses every core.
LIVE_MAP_STEPS = 128 * 128 * 500
MAP_SLOTS = 1


@dataclass(frozen=True)
class Limit:
    what: str
    value: str
    why: str


LIMITS: tuple[Limit, ...] = (
    Limit("Steps per race (app and links)", f"{settings.MAX_STEPS:,}",
          "the page carries every iterate of every competitor"),
    Limit("Steps per run (Python API)", f"{api.MAX_STEPS:,}", "one recorded trajectory stays ~10 MB"),
    Limit("Competitors per race", f"{racing.MAX_COMPETITORS}",
          "the views stay readable; the page stays small"),
    Limit("Examples N of a finite-sum surface", f"{settings.MAX_EXAMPLES:,}", "memory per race"),
    Limit("Stability map cells per side", f"{MAX_CELLS_PER_SIDE}",
          f"{MAX_CELLS_PER_SIDE}² cells x 500 steps is ~1 s on two cores"),
    Limit(f"Stability maps computed at once (larger than {LIVE_MAP_STEPS:,} steps)", f"{MAP_SLOTS}",
          "each uses every core; others wait their turn"),
    Limit("Export duration", f"{export_options.MAX_DURATION_S:g} s", "file size and time to make it"),
    Limit("Export frames", f"{export_options.MAX_FRAMES:,}", "2 minutes at 30 frames per second"),
    Limit("Export frame rate", f"{export_options.MAX_FPS} fps", "browsers and players"),
    Limit("Export resolution", export_options.MAX_RESOLUTION, "memory per frame"),
    Limit("Exports made at once", "half the cores, at least 1 (set OPTVIZ_EXPORT_SLOTS to change)",
          "each takes a core in its own process; others wait for a slot"),
    Limit("Typed formula", f"{formula.MAX_LENGTH} characters, {formula.MAX_NODES} terms, "
          f"{formula.MAX_NESTING} levels", "parsing and its gradient stay instant"),
    Limit("Compiled formula program", f"{program.MAX_OPS:,} operations", "one evaluation stays cheap"),
    Limit("A live change sent to the app's route", f"{live_endpoint.MAX_BODY:,} bytes",
          "a change with ten competitors' settings and a typed formula is a few kB"),
    Limit("Live changes waiting for a race at once (per server)", f"{live_endpoint.MAX_WAITING}; more are "
          f"refused at once (429)", "one in flight per page; a flood is refused, not queued"),
    Limit("Threads racing live changes (per server)", f"{live_endpoint.WORKERS}",
          "the engine holds the interpreter; more threads would only queue"),
    Limit("Cached competitors' runs", f"{racing.RUN_CACHE_ENTRIES}", "bounded server memory"),
    Limit("Cached typed surfaces / maps", f"{FORMULA_CACHE_ENTRIES} / "
          f"{MAP_CACHE_ENTRIES}, each dropped after {CACHE_TTL // 60} min", "bounded server memory"),
)  # fmt: skip


def markdown_table() -> str:
    """The limits as the Markdown table README.md shows."""
    lines = ["| Limit | Value | Why |", "|---|---|---|"]
    lines += [f"| {limit.what} | {limit.value} | {limit.why} |" for limit in LIMITS]
    return "\n".join(lines)
