"""Typed formulas: how long a refusal or a parse takes, printed (the machine is shared: a maximum
may be one busy moment rather than a slow input, so compare medians, and maxima between runs).

    python benchmarks/bench_formula.py [--repeats 20] [--texts 4000] [--seed 0]

1. every hostile input of the tests (HOSTILE in tests/test_formula.py) given to
   `surfaces.from_formula`, `--repeats` times each: the median and the maximum time to refuse it,
   with the start of its message; then the slowest of all. The parser checks every limit as it
   reads, so however long, deep or large the input, a refusal costs at most the reading of 500
   characters (the tests once required under 0.1 s);
2. `--texts` random texts given to `surfaces.formula.parse_formula`: half soups of the tests'
   formula pieces and Python fragments (PIECES, up to 40 of them, as in the property test), half
   arbitrary Unicode up to 80 characters. Nearly all are refused. Each text's time is the best of
   three calls (so the maximum is the slowest text, not a busy moment); the median and maximum,
   separately for the refused texts and the accepted ones, with the slowest text of each kind
   (the tests once required under 1 s);
3. as many random formulas, the canonical text of random trees of up to 8 leaves like the property
   tests' (numbers, x, y, pi, e; signs, the functions and the five operators), timed the same way:
   the accepted ones are parsed, differentiated and compiled; the refused ones use neither x nor y
   or have a constant part that is not finite (such as 1/0).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import surfaces
from surfaces.formula import FormulaError, parse_formula
from surfaces.formula.nodes import FUNCTIONS, BinOp, Call, Const, Neg, Node, Num, Var
from surfaces.formula.text import to_text
from tests.test_formula import HOSTILE, PIECES

NUMBERS = (0.0, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0)


def timed(fn, text: object) -> tuple[float, str | None]:
    """Seconds for fn(text), and the message of the FormulaError it raised (None if it did not)."""
    t0 = time.perf_counter()
    try:
        fn(text)
    except FormulaError as error:
        return time.perf_counter() - t0, str(error)
    return time.perf_counter() - t0, None


def random_text(rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 40)))
    chars = []
    for _ in range(rnd.randint(0, 80)):
        if rnd.random() < 0.7:
            chars.append(chr(rnd.randint(32, 126)))
        else:
            code = rnd.randrange(0x110000 - 0x800)
            chars.append(chr(code if code < 0xD800 else code + 0x800))  # no surrogates
    return "".join(chars)


def random_tree(rnd: random.Random, leaves: int) -> Node:
    """A tree with `leaves` leaves, drawn like the property tests' TREES: a sign or a function call
    around a quarter of the subtrees, a binary operation joining the others."""
    if rnd.random() < 0.25:
        inner = random_tree(rnd, leaves)
        return Neg(inner) if rnd.random() < 0.5 else Call(rnd.choice(FUNCTIONS), inner)
    if leaves == 1:
        kind = rnd.randrange(3)
        if kind == 0:
            return Num(rnd.choice(NUMBERS))
        return Var(rnd.choice("xy")) if kind == 1 else Const(rnd.choice(("pi", "e")))
    left = rnd.randint(1, leaves - 1)
    return BinOp(rnd.choice("+-*/^"), random_tree(rnd, left), random_tree(rnd, leaves - left))


def best_of_three(fn, text: str) -> tuple[float, str | None]:
    results = [timed(fn, text) for _ in range(3)]
    return min(seconds for seconds, _ in results), results[0][1]


def report(kind: str, results: list[tuple[float, str]]) -> None:
    if not results:
        print(f"    {kind:>8}: none")
        return
    times = [seconds for seconds, _ in results]
    worst = max(results)
    print(
        f"    {kind:>8}: {len(results):5,} texts, median {statistics.median(times) * 1e6:7.1f} µs, "
        f"max {worst[0] * 1e6:7.1f} µs ({shown(worst[1], 60)})"
    )


def parse_all(texts: list[str]) -> None:
    refused: list[tuple[float, str]] = []
    accepted: list[tuple[float, str]] = []
    for text in texts:
        seconds, message = best_of_three(parse_formula, text)
        (accepted if message is None else refused).append((seconds, text))
    report("refused", refused)
    report("accepted", accepted)


def shown(text: object, limit: int = 36) -> str:
    s = repr(text)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def us(seconds: float) -> str:
    return f"{seconds * 1e6:9.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=20, help="calls per hostile input in (1)")
    parser.add_argument("--texts", type=int, default=4000, help="random texts in (2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random texts in (2)")
    args = parser.parse_args()
    if args.repeats < 1 or args.texts < 1:
        parser.error("--repeats and --texts must be at least 1")

    surfaces.from_formula("x^2 + y^2")  # whatever a formula needs is imported and compiled now

    print(f"(1) surfaces.from_formula on {len(HOSTILE)} hostile inputs, {args.repeats} times each")
    print(f"    {'median µs':>9} {'max µs':>9}  {'input':<36}  message")
    slowest = (0.0, "")
    for text, expected in HOSTILE:
        times = []
        message = None
        for _ in range(args.repeats):
            seconds, message = timed(surfaces.from_formula, text)
            times.append(seconds)
        if message is None:
            message = "ACCEPTED (expected a refusal)"
        elif expected not in message:
            message = f"REFUSED WITH ANOTHER REASON: {message}"
        print(f"    {us(statistics.median(times))} {us(max(times))}  {shown(text):<36}  {message[:60]}")
        slowest = max(slowest, (max(times), shown(text)))
    print(f"    slowest refusal: {slowest[0] * 1e6:.1f} µs, {slowest[1]}")

    rnd = random.Random(args.seed)
    print(f"(2) surfaces.formula.parse_formula on {args.texts:,} random texts (seed {args.seed}), best of 3")
    parse_all([random_text(rnd) for _ in range(args.texts)])
    print(f"(3) the same on {args.texts:,} random formulas of up to 8 leaves, best of 3")
    parse_all([to_text(random_tree(rnd, rnd.randint(1, 8))) for _ in range(args.texts)])


if __name__ == "__main__":
    main()
