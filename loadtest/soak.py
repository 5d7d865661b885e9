"""Does the server's memory stay bounded? One long session, then many short ones that leave.

    python -m loadtest.soak [--reruns 1000] [--visitors 100] [--url http://host:port]

1. One session reruns the page `--reruns` times, every rerun a different race (learning rates,
   steps, surfaces, start points and presets in turn), so every cache fills to its bound and keeps
   evicting. Prints the server's resident memory after a warm-up and at the end.
2. `--visitors` sessions open the page, change a few settings and close. After the server forgets
   closed sessions (`server.disconnectedSessionTTL`, set to a few seconds here), prints the number
   of sessions the server still holds and its memory again.

Memory and sessions are read from the server itself: /proc for the resident set, Streamlit's
`/_stcore/metrics` for open sessions and cache sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
import urllib.request

from loadtest.client import AppSession
from loadtest.load import ACTIONS
from loadtest.server import memory_mb, serve

FORGET_AFTER = 5  # seconds: the server's disconnectedSessionTTL in this run


def metrics(url: str) -> dict[str, float]:
    """Streamlit's own counters: open sessions and the bytes each cache holds."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    values: dict[str, float] = {}
    for line in text.splitlines():
        match = re.match(r"(active_sessions|cache_memory_bytes)(\{[^}]*\})? ([0-9.e+]+)$", line)
        if match:
            values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


def cache_mb(values: dict[str, float]) -> float:
    return sum(v for k, v in values.items() if k.startswith("cache_memory_bytes")) / 1e6


async def long_session(url: str, reruns: int, rng: random.Random, on_progress) -> list[str]:
    errors: list[str] = []
    session = AppSession(url)
    await session.open(timeout=600)
    try:
        for i in range(reruns):
            action = ACTIONS[i % len(ACTIONS)][0]
            changes = action(session, rng)
            if not changes:
                continue
            result = await session.rerun(changes)
            if not result.clean:
                errors.append(
                    f"rerun {i} ({action.__name__}): {'; '.join(result.exceptions) or result.status}"
                )
            on_progress(i)
    finally:
        await session.close()
    return errors


async def visitors(url: str, count: int, rng: random.Random) -> list[str]:
    errors: list[str] = []
    for _ in range(count):
        session = AppSession(url)
        try:
            await session.open()
            for action, _weight in ACTIONS[:3]:
                result = await session.rerun(action(session, rng))
                if not result.clean:
                    errors.append(f"visitor: {'; '.join(result.exceptions) or result.status}")
        finally:
            await session.close()
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--reruns", type=int, default=1000, help="reruns of the long session (default 1000)")
    parser.add_argument(
        "--visitors", type=int, default=100, help="short sessions that come and go (default 100)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.reruns < 1 or args.visitors < 0:
        parser.error("--reruns must be at least 1 and --visitors at least 0")
    rng = random.Random(args.seed)

    with serve(timeout=300, options={"server.disconnectedSessionTTL": FORGET_AFTER}) as server:
        url = server.url
        # Warm-up: the kernels load and every cache fills to its bound before the baseline.
        asyncio.run(long_session(url, 100, rng, lambda i: None))
        base = memory_mb(server.pid)[0]
        print(f"after a warm-up of 100 reruns: RSS {base:.0f} MB, caches {cache_mb(metrics(url)):.1f} MB")

        t0 = time.monotonic()

        def progress(i: int) -> None:
            if (i + 1) % 250 == 0:
                print(f"  rerun {i + 1:5d}: RSS {memory_mb(server.pid)[0]:.0f} MB", flush=True)

        errors = asyncio.run(long_session(url, args.reruns, rng, progress))
        after = memory_mb(server.pid)[0]
        print(
            f"{args.reruns} reruns in {time.monotonic() - t0:.0f} s: RSS {after:.0f} MB "
            f"(growth {after - base:+.0f} MB), caches {cache_mb(metrics(url)):.1f} MB"
        )

        errors += asyncio.run(visitors(url, args.visitors, rng))
        time.sleep(FORGET_AFTER + 5)  # the server forgets closed sessions on its next sweep
        held = metrics(url).get("active_sessions", 0)
        gone = memory_mb(server.pid)[0]
        print(
            f"{args.visitors} visitors came and left: sessions still held {held:.0f}, "
            f"RSS {gone:.0f} MB (growth since the baseline {gone - base:+.0f} MB)"
        )
        print(f"errors: {len(errors)}")
        for message in errors[:10]:
            print(f"    {message[:300]}")
        if not server.alive():
            print("the server stopped")
            return 1
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
