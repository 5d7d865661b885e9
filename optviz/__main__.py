"""Command line: `python -m optviz warm` compiles the engine's kernels into the on-disk cache."""

from __future__ import annotations

import argparse
import sys
import time


def warm() -> float:
    """Compiles (or loads) both kernels; returns the seconds it took."""
    t0 = time.perf_counter()
    import optviz

    optviz.run("adam", "beale", steps=2)
    optviz.run_many("adam", "beale", [[1.0, 1.0]], 2)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m optviz", description="optviz command line")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("warm", help="compile the engine's kernels into the on-disk cache")
    args = parser.parse_args(argv)
    if args.command == "warm":
        print(f"engine kernels ready in {warm():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
