"""Command line: `python -m optviz warm` compiles the engine's kernels into the on-disk cache, and
`python -m optviz export ...` exports a race (see `optviz.cli`)."""

from __future__ import annotations

import sys

from optviz.cli import main, warm

__all__ = ["main", "warm"]

if __name__ == "__main__":
    sys.exit(main())
