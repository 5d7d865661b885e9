"""Hostile input against the running server: broken links, tampered widget values, hostile formulas.

    python -m loadtest.hostile [--queries 500] [--seed 0] [--url http://host:port]

1. `--queries` generated query strings (wrong types, huge numbers, NaN/inf, negative and huge step
   counts, unknown names, very long values, unicode, markup, repeated keys, broken encodings), each
   opened as a new session. Every page must finish without an exception, draw a race (or say why it
   cannot), and name every bad key in its warning.
2. Widget values no browser would send (a tampered client): sliders and number boxes far outside
   their ranges, NaN and infinities, options that do not exist, malformed map clicks, and every
   hostile formula typed into the formula box. Every page must finish without an exception.
3. Live changes no player would send (the values sent while a control is dragged, and at release):
   malformed, out of range, for a competitor or a hyperparameter that does not exist. Each must be
   dropped without an exception, and a real change must still race afterwards.
4. The live route (`POST <base>/api/optviz/live`, the page's direct line for live changes): bodies
   too large (413), not JSON, JSON of the wrong shape, settings that are not a link this app made
   (unknown keys, a bad surface, huge values), every change of 3, NaN, infinities and numbers beyond
   any float (400), a race the engine refuses (422). Each refusal must be JSON whose message quotes
   the input where it can, never a 5xx; other methods are never raced; a `have` full of junk is
   ignored (200, the answer refers to no run the page did not name). Then a flood: waves of 300 concurrent
   changes, each raced or refused as busy (429), while a normal session dragging a slider over the
   route must still get its changes answered, and its release drawn.
5. After each batch, the server must still answer a normal page.

Prints the counts and every failure; exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import sys
import threading
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import httpx
from streamlit.proto.WidgetStates_pb2 import WidgetState

from loadtest import drag
from loadtest.client import PLAYER_KEY, AppSession, Rerun
from loadtest.server import serve
from optviz.app.live_endpoint import MAX_BODY
from optviz.link import to_query
from optviz.settings import start_ranges

# --- Generated links. ----------------------------------------------------------------------------------

NOT_NUMBERS = ["abc", "", "nan", "NaN", "inf", "-inf", "1e400", "-1e400", "9" * 400, "🙂", "1,5", "--1",
               "0x1g", "<script>alert(1)</script>", "${jndi:ldap://x/a}", "'; DROP TABLE x;--", "a" * 5000,
               "\u202e1", "%00", "1e", "..", "[1]", "{}", "null", "None", "true"]  # fmt: skip
# Numbers outside each key's range (checked against the ranges in optviz.settings by the tests).
OUT_OF_RANGE: dict[str, list[str]] = {
    "steps": ["-5", "0", "2001", "1000000000", "1.5", "-1e9"],
    "n": ["0", "-1", "10001", "1e9", "2.5"],
    "seed": ["-1", "2147483648", "1e30", "0.5"],
    "trail": ["-1", "2001", "1e9"],
    "speed": ["0", "241", "-30", "1e9"],
    "x0": ["1e7", "-1e300", "1e308"],
    "y0": ["-1e7", "1e300"],
    "spread": ["-1", "-1e308", "-0.001"],
    "lr": ["0", "-1", "-1e308", "-0"],
    "tol": ["0", "-1", "-1e-300"],
    "slope": ["0", "-1", "-1e9"],
    "wall": ["0", "-201", "-5"],
    "kappa": ["0.5", "0", "-1"],
    "theta": ["-91", "91", "1e9"],
    "c1.lr": ["0", "-0.1", "-10.5", "-1e300"],
    "c2.gamma": ["1", "-0.1", "2", "1e9"],
    "c3.beta1": ["1", "-1", "1.5"],
    "c3.beta2": ["1", "2", "-0.5"],
    "c3.eps": ["-1", "-2", "-1e300"],
}
CHOICES: dict[str, list[str]] = {
    "surface": ["foo", "", "BEALE", "../../etc/passwd", "beale\x00", "ｂｅａｌｅ", "beale; rm -rf /"],
    "eps_at": ["middle", "", "INSIDE", "inside outside"],
    "c1": ["foo", "", "ADAM", "__import__", "adam()", "sgd;momentum"],
    "c2": ["x" * 300, "🙂"],
    "shared": ["maybe", "2", "", "yes please"],
    "3d": ["maybe", "-1"],
    "c1.batch": ["0", "-1", "10001", "all", "1.5", "nan"],
}
FORMULAS = ["__import__('os').system('id')", "9**9**9", "x" * 2000, "open('/etc/passwd')", "lambda: 1",
            "x.__class__", "(" * 200 + "x" + ")" * 200, "1/0 + x", "exp(1000) + x", "sqrt(-1) + x",
            "\uff58", "x\x00", "pi", "", "sin x", "x^9^9"]  # fmt: skip
CUSTOM_TEXT: dict[str, list[str]] = {
    "f": FORMULAS,
    "dom": ["1,2,3", "a,b,c,d", "nan,1,2,3", "1,0,0,1", "-1e308,1e308,-1e308,1e308", "0,0,0,0", ";;;"],
    "min": ["x,y", "1,2;3", "nan,nan", "1e400,0", ";" * 500],
}
UNKNOWN_KEYS = ["zzz", "c0", "c11", "c99", "c1.foo", "__proto__", "constructor", "STEPS", "steps[]", "🙂"]
RAW = ["%ZZ", "&&&", "====", "steps", "=5", "a=b=c", "%E2%82", "+" * 100, "steps=%", "&steps=&", "?" * 50,
       "x0=1&x0", "%F0%9F", "c1=adam&c1=sgd", "surface=custom&surface=beale"]  # fmt: skip
# Valid pieces a broken link may also carry (from real shared links).
VALID = ["surface=beale", "steps=500", "c1=adam", "c1.lr=0.01", "x0=1", "y0=1", "3d=0", "speed=60",
         "surface=rosenbrock", "shared=1", "lr=0.001"]  # fmt: skip


@dataclass(frozen=True)
class Case:
    query: str
    bad_keys: tuple[str, ...]  # each must be named in the page's warning


def _pair(key: str, value: str) -> str:
    return f"{quote(key, safe='')}={quote(value, safe='')}"


def hostile_queries(count: int, seed: int = 0) -> list[Case]:
    """`count` broken links: one to four bad settings each, mixed with valid ones, in random order."""
    rng = random.Random(seed)
    cases = [Case(raw, ()) for raw in RAW]
    cases += [Case(f"steps={v}&steps={v}", ("steps",)) for v in ("10", "abc")]  # repeated keys
    kinds = ["number", "range", "choice", "custom", "unknown"]
    while len(cases) < count:
        pairs: list[str] = []
        bad: list[str] = []
        custom = False
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(kinds)
            if kind == "number":
                key = rng.choice(list(OUT_OF_RANGE))
                value = rng.choice(NOT_NUMBERS)
            elif kind == "range":
                key = rng.choice(list(OUT_OF_RANGE))
                value = rng.choice(OUT_OF_RANGE[key])
            elif kind == "choice":
                key = rng.choice(list(CHOICES))
                value = rng.choice(CHOICES[key])
            elif kind == "custom":
                key = rng.choice(list(CUSTOM_TEXT))
                value = rng.choice(CUSTOM_TEXT[key])
                custom = True
            else:
                key, value = rng.choice(UNKNOWN_KEYS), rng.choice(["1", "", "adam", "🙂"])
            if key in bad or (custom and key == "surface"):
                continue
            bad.append(key)
            pairs.append(_pair(key, value))
        if custom:
            pairs.append("surface=custom")
        pairs += [v for v in rng.sample(VALID, rng.randint(0, 3)) if v.split("=")[0] not in bad]
        # A valid piece must not give a bad key a second value, nor surface=custom a different surface.
        pairs = [p for p in pairs if not (custom and p.startswith("surface=") and p != "surface=custom")]
        keys = [p.split("=")[0] for p in pairs]
        if len(keys) != len(set(keys)):
            continue
        rng.shuffle(pairs)
        cases.append(Case("&".join(pairs), tuple(bad)))
    return cases[:count]


def named(key: str, warnings: str) -> bool:
    """Whether the warnings name `key`: itself, or for a competitor's setting (c2.gamma) the
    competitor, when the whole competitor was left out ("c2: unknown optimizer ..."). The page
    shows warnings as Markdown with every markup character escaped; what it shows is read."""
    warnings = re.sub(r"\\(.)", r"\1", warnings)
    if key in warnings or quote(key, safe="") in warnings:
        return True
    competitor = key.split(".")[0]
    return "." in key and f"{competitor}:" in warnings


def check_link(case: Case, result: Rerun) -> str | None:
    """What is wrong with the page a broken link gave, or None."""
    if not result.clean:
        return f"{result.status}: {'; '.join(result.exceptions)}"
    warnings = " ".join(text for kind, text in result.alerts if kind in ("warning", "error"))
    missing = [key for key in case.bad_keys if not named(key, warnings)]
    if missing:
        return f"the page does not name {missing} (warnings: {warnings[:300]!r})"
    if result.chart is None and not any(kind == "error" for kind, _ in result.alerts):
        return "no race and no message saying why"
    return None


# --- Tampered widget values. ----------------------------------------------------------------------------

NAN, INF = math.nan, math.inf
TAMPERED: list[dict] = [
    {"w.steps": [1e12]}, {"w.steps": [-5]}, {"w.steps": [NAN]}, {"w.steps": [INF]}, {"w.steps": []},
    {"w.steps": [1, 2, 3]}, {"w.x0": 1e300}, {"w.x0": NAN}, {"w.y0": -INF}, {"w.x0": 1e7},
    {"w.c1.lr": -1.0}, {"w.c1.lr": 0.0}, {"w.c1.lr": 1e308}, {"w.c1.lr": NAN},
    {"w.c1.lr.slider": ["not an option"]}, {"w.c1.lr.slider": []}, {"w.c1.lr.slider": ["1e-05", "1"]},
    {"w.surface": "No such surface"}, {"w.surface": ""}, {"w.preset": "nonexistent"},
    {"w.seed": 1e20}, {"w.seed": -1.0}, {"w.n": 1e9}, {"w.spread": -1.0},
    {"w.trail": ["not a trail"]}, {"w.tol": ["0"]},
    {"export.fps": 1e9}, {"export.fps": -1.0}, {"export.duration": 1e9}, {"export.duration": NAN},
    {"export.trail": -5.0}, {"export.step": 1e12}, {"export.format": "exe"},
    {"export.resolution": "8K"}, {"export.view": "4d"},
    {"race": {"start": {"x": "a", "y": None}}}, {"race": {"start": {"x": 1e308, "y": -1e308}}},
    {"race": {"start": "garbage"}}, {"race": {"start": {"x": NAN, "y": 0}}}, {"race": {"nonsense": 1}},
    {"race": {"speed": 7}}, {"race": {"speed": "fast"}}, {"race": {"speed": NAN}}, {"race": {"speed": True}},
    {"w.eps_at": "middle"}, {"w.add": "No such optimizer"}, {"w.c1.batch": ["Everything"]},
    {"w.box0": WidgetState(string_value="open")}, {"w.stochastic": WidgetState(double_value=2.0)},
    {"export.box": WidgetState(string_value="yes")},
]  # fmt: skip


# Values Streamlit's own widgets cannot decode (NaN for a whole-number box): Streamlit stops that
# session's run before the app's code sees it and shows its generic error notice. What must hold: no
# traceback in the page, the server unharmed, and the same link in a new tab working again.
STREAMLIT_REJECTS: list[dict] = [{"w.n": NAN}, {"w.seed": INF}, {"export.fps": NAN}]


def box_of(key: str) -> str | None:
    """The box a widget sits in, to be opened before the widget can be set (a closed box shows no
    widgets): a competitor's ("w.c1.lr" -> "w.box0"), the stochastic mode's or the export's."""
    if key.startswith("w.c") and key[3:4].isdigit():
        return f"w.box{int(key[3:].split('.')[0]) - 1}"
    if key.startswith("export."):
        return "export.box"
    return "w.stochastic" if key in ("w.n", "w.spread", "w.seed") else None


async def open_boxes(session: AppSession, changes: dict) -> None:
    boxes = {box: True for box in map(box_of, changes) if box}
    if boxes:
        await session.rerun(boxes)


async def tampered(url: str) -> list[str]:
    failures: list[str] = []
    for changes in TAMPERED:
        session = AppSession(url)
        try:
            await session.open()
            await open_boxes(session, changes)
            keys = [k for k in changes if k in session.widgets]
            if not keys:
                failures.append(f"{changes}: no such widget on the page")
                continue
            result = await session.rerun(changes)
            if not result.clean:
                failures.append(f"{changes}: {result.status}: {'; '.join(result.exceptions)}")
            elif result.chart is None and not any(kind == "error" for kind, _ in result.alerts):
                failures.append(f"{changes}: no race and no message saying why")
        finally:
            await session.close()
    for changes in STREAMLIT_REJECTS:
        session = AppSession(url)
        try:
            await session.open()
            await open_boxes(session, changes)
            result = await session.rerun(changes)
            if result.tracebacks or result.status != "ok":
                failures.append(f"{changes}: {result.status}, {result.tracebacks} tracebacks shown")
        finally:
            await session.close()
        again = AppSession(url, session.query)
        try:
            if not (await again.open()).clean:
                failures.append(f"{changes}: a new tab with the same link failed afterwards")
        finally:
            await again.close()
    return failures


async def formulas(url: str) -> list[str]:
    """Every hostile formula typed into the formula box of one session, one after another."""
    failures: list[str] = []
    session = AppSession(url, "surface=custom&f=x%5E2%20%2B%2010%20y%5E2")
    try:
        await session.open()
        if "w.custom.f" not in session.widgets:
            return ["a link with surface=custom and a formula shows no formula box"]
        for text in FORMULAS:
            result = await session.rerun({"w.custom.f": text})
            if not result.clean:
                failures.append(f"formula {text[:40]!r}: {result.status}: {'; '.join(result.exceptions)}")
            elif text and not any(kind == "error" for kind, _ in result.alerts):
                failures.append(f"formula {text[:40]!r}: refused without a message")
        result = await session.rerun({"w.custom.f": "x^2 + 3*y^2"})
        if not result.clean or result.chart is None:
            failures.append("a valid formula after the hostile ones did not race")
    finally:
        await session.close()
    return failures


async def links(url: str, cases: list[Case], concurrency: int = 4) -> list[str]:
    failures: list[str] = []
    queue: asyncio.Queue[Case] = asyncio.Queue()
    for case in cases:
        queue.put_nowait(case)

    async def worker() -> None:
        while not queue.empty():
            case = queue.get_nowait()
            session = AppSession(url, case.query)
            try:
                problem = check_link(case, await session.open())
            except Exception as error:  # the connection itself failed
                problem = f"{type(error).__name__}: {error}"
            finally:
                await session.close()
            if problem:
                failures.append(f"?{case.query[:120]} -> {problem}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures


async def still_up(url: str) -> str | None:
    session = AppSession(url)
    try:
        result = await session.open()
    except Exception as error:
        return f"the server did not answer a normal page: {error}"
    finally:
        await session.close()
    return None if result.clean and result.chart is not None else "a normal page failed afterwards"


async def attack(url: str, queries: int, seed: int) -> dict[str, list[str]]:
    report: dict[str, list[str]] = {}
    for name, job in (
        ("links", links(url, hostile_queries(queries, seed))),
        ("tampered widgets", tampered(url)),
        ("formulas", formulas(url)),
        ("live changes", live_changes(url)),
        ("live route", live_route(url)),
        ("live flood", live_flood(url)),
    ):
        failures = await job
        down = await still_up(url)
        report[name] = failures + ([down] if down else [])
    return report


def app_tracebacks(log: str) -> list[str]:
    """The server log's tracebacks that pass through the app's own code (the STREAMLIT_REJECTS
    leave tracebacks inside Streamlit only)."""
    blocks = log.split("Traceback (most recent call last):")[1:]
    return [b[-1500:] for b in blocks if any(part in b for part in ("/optviz/", "/surfaces/", "app.py"))]


# --- Tampered live changes (what the player sends while a control is dragged). -----------------------

# The race the live changes below are hostile for: three competitors (plain GD has no gamma) on Beale.
LIVE_LINK = "surface=beale&c1=sgd&c1.lr=0.01&c2=momentum&c2.lr=0.01&c3=adam&c3.lr=0.05"
# Values a tampered page could send as a live change or a release: each must be dropped, the race on
# screen left as it was, and nothing raised.
LIVE_CHANGES: list[Any] = [
    None,
    "live",
    [1, 2],
    42,
    {},
    {"runner": 0},
    {"runner": 0, "name": "lr"},
    {"runner": 0, "name": "lr", "value": None},
    {"runner": 0, "name": "lr", "value": "0.1; import os"},
    {"runner": 0, "name": "lr", "value": math.nan},
    {"runner": 0, "name": "lr", "value": math.inf},
    {"runner": 0, "name": "lr", "value": -0.1},
    {"runner": 0, "name": "lr", "value": 0.0},
    {"runner": 0, "name": "lr", "value": True},
    {"runner": 0, "name": "lr", "value": [0.1]},
    {"runner": -1, "name": "lr", "value": 0.1},
    {"runner": 3, "name": "lr", "value": 0.1},
    {"runner": 10**30, "name": "lr", "value": 0.1},
    {"runner": 0.5, "name": "lr", "value": 0.1},
    {"runner": "0", "name": "lr", "value": 0.1},
    {"runner": 0, "name": "gamma", "value": 0.9},  # plain gradient descent has no gamma
    {"runner": 1, "name": "gamma", "value": 1.0},
    {"runner": 1, "name": "gamma", "value": -0.5},
    {"runner": 2, "name": "beta2", "value": 1.0},
    {"runner": 2, "name": "eps", "value": -1e-8},
    {"runner": 0, "name": "__class__", "value": 0.1},
    {"runner": 0, "name": ["lr"], "value": 0.1},
    {"runner": 0, "name": "lr", "value": 0.1, "seq": -1},
    {"runner": 0, "name": "lr", "value": 0.1, "seq": "x"},
    {"runner": 0, "name": "lr", "value": 0.1, "seq": math.nan},
    {"start": None},
    {"start": [1.0]},
    {"start": [1.0, 2.0, 3.0]},
    {"start": "1,1"},
    {"start": [math.nan, 1.0]},
    {"start": [1.0, math.inf]},
    {"start": [1e9, 1.0]},
    {"start": ["1", "x"]},
    # Whole numbers beyond any float: JSON's numbers have no limit, and float() overflows on them.
    {"runner": 0, "name": "lr", "value": 10**400},
    {"start": [-(10**400), 1.0]},
]


async def live_changes(url: str) -> list[str]:
    """Every tampered live change sent as the player would send it (a rerun of the player's fragment),
    then as a release (which reruns the page); then a real change must still race and a real
    release become the setting."""
    failures: list[str] = []
    session = AppSession(url, LIVE_LINK)
    try:
        first = await session.open()
        fragment = session.fragments.get(PLAYER_KEY)
        if not first.clean or fragment is None:
            return [f"the page with {LIVE_LINK!r} shows no player in a fragment ({first.status})"]
        for event in ("live", "commit"):
            for value in LIVE_CHANGES:
                result = await session.rerun({PLAYER_KEY: {event: value}}, fragment=fragment)
                if not result.clean or result.chart is None:
                    failures.append(f"{event} {value!r}: {result.status}: {'; '.join(result.exceptions)}")
        good = {"runner": 0, "name": "lr", "value": 0.02, "seq": 1}
        result = await session.rerun({PLAYER_KEY: {"live": good}}, fragment=fragment)
        if not result.clean or result.chart is None:
            failures.append("a real live change after the tampered ones did not race")
        await session.rerun({PLAYER_KEY: {"commit": good}}, fragment=fragment)
        await session.rerun({"w.box0": True})
        shown = session.widgets.get("w.c1.lr")
        value = None if shown is None else shown.proto.value
        if value != 0.02:
            failures.append(f"a real release after the tampered ones: the box shows {value!r}, not 0.02")
    finally:
        await session.close()
    return failures


# --- Hostile input to the live route (the page's direct line: `optviz.app.live_endpoint`). ------------


@dataclass(frozen=True)
class Posted:
    """A body sent to the live route, and the status that must answer it."""

    name: str
    body: bytes
    # 400, 413, 422; 200: taken, and the answer must hold (`check_answer`); 0: another method, which
    # the route does not take (Streamlit's own routes may answer it: the page for a GET), never a 5xx.
    status: int
    quote: str = ""  # input the refusal's message must quote
    method: str = "POST"
    chunked: bool = False  # sent without a length, in pieces: the route must stop reading at its limit


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()  # NaN and infinities as JavaScript would never send them


def route_cases(settings: dict[str, str], have: dict[str, Any]) -> list[Posted]:
    """Hostile bodies for the live route of a page whose link's keys are `settings`, holding `have`."""
    good = {"runner": 0, "name": "lr", "value": 0.02, "seq": 1}

    def sent(change: Any = good, keys: Any = settings) -> bytes:
        return _json({"settings": keys, "change": change})

    text = sent().decode()
    cases = [
        Posted("too large", b'{"settings": {}, "change": "' + b"x" * MAX_BODY + b'"}', 413),
        Posted("too large, no length", b"[" + b"1," * MAX_BODY + b"1]", 413, chunked=True),
        Posted("too large: have", sent({**good, "have": {"surface": "k", "runners": ["d" * 32] * 600}}), 413),
        Posted("empty", b"", 400),
        Posted("not JSON", b"not json <script>alert(1)</script>", 400, "not json <script>"),
        Posted("not UTF-8", b"\xff\xfe\x00{", 400),
        Posted("cut short", sent()[:-5], 400, '{"settings"'),
        Posted("nested 5000 deep", b"[" * 5000 + b"]" * 5000, 400, "[[[["),
        Posted("a number of 5000 digits", b'{"settings": {}, "change": ' + b"9" * 5000 + b"}", 400, "9999"),
        Posted("NaN", text.replace("0.02", "NaN").encode(), 400, "nan"),
        Posted("-Infinity", text.replace("0.02", "-Infinity").encode(), 400, "inf"),
        Posted("1e400", text.replace("0.02", "1e400").encode(), 400, "inf"),
        Posted("null", b"null", 400, "null"),
        Posted("a list", _json([settings, good]), 400, "[{"),
        Posted("a number", b"42", 400, "42"),
        Posted("text", b'"settings"', 400, "settings"),
        Posted("an empty object", b"{}", 400, "{}"),
        Posted("no change", _json({"settings": settings}), 400, '{"settings"'),
        Posted("no settings", _json({"change": good}), 400, '{"change"'),
        Posted("a key more", _json({"settings": settings, "change": good, "more": 1}), 400, '{"settings"'),
        Posted("settings: a list", sent(keys=[]), 400, "[]"),
        Posted("settings: none", sent(keys={}), 400, "{}"),
        Posted("settings: a link's text", sent(keys="surface=beale"), 400, "surface=beale"),
        Posted("settings: an unknown key", sent(keys={**settings, "zzz": "1"}), 400, "zzz"),
        Posted("settings: a bad surface", sent(keys={**settings, "surface": "nosuch"}), 400, "nosuch"),
        Posted("settings: a huge number", sent(keys={**settings, "steps": "1e400"}), 400, "1e400"),
        Posted("settings: many digits", sent(keys={**settings, "steps": "9" * 999}), 400, "9999"),
        Posted("settings: a long value", sent(keys={**settings, "c1.lr": "1" * 1001}), 400, "c1.lr"),
        Posted("settings: a long key", sent(keys={**settings, "k" * 33: "1"}), 400, "kkkk"),
        Posted("a runner of 4000 digits", sent({**good, "runner": 10**4000}), 400, "runner"),
        Posted("settings: not text", sent(keys={**settings, "c1": 5}), 400, "c1"),
        Posted("settings: 201 keys", sent(keys={f"z{i}": "1" for i in range(201)}), 400, "z0"),
        Posted("settings: a bad optimizer", sent(keys={**settings, "c1": "adam()"}), 400, "adam()"),
        Posted(
            "settings: a hostile formula",
            sent(keys={"surface": "custom", "f": "__import__('os').system('id')"}),
            400,
            "__import__",
        ),
        Posted("a runner that does not exist", sent({**good, "runner": 3}), 400, "3"),
        Posted("a start outside the region", sent({"start": [1e9, 1.0], "seq": 1}), 400, "1e+09"),
        # A start inside the plotted region where the surface is not defined: the engine refuses.
        Posted(
            "a race that cannot run",
            sent(
                {"start": [-1.0, 1.0], "seq": 1},
                {"surface": "custom", "f": "sqrt(x) + y^2", "dom": "-2,2,-2,2"},
            ),
            422,
            "-1",
        ),
        Posted("GET", b"", 0, method="GET"),
        Posted("PUT", sent(), 0, method="PUT"),
        Posted("DELETE", b"", 0, method="DELETE"),
    ]
    cases += [Posted(f"change {value!r}"[:80], sent(value), 400) for value in LIVE_CHANGES]
    # What the page says it holds is only a hint: junk is ignored, and the race comes whole.
    junk = [
        5, "everything", [], None, {"surface": 1, "runners": []}, {"surface": "k" * 1000, "runners": []},
        {"surface": have["surface"], "runners": ["x" * 32] * len(have["runners"])},
        {"surface": have["surface"], "runners": [*have["runners"], "one more"]},
        {"surface": have["surface"], "runners": [{"$ne": 1}]},
        {"surface": have["surface"], "runners": have["runners"][:1], "more": [1] * 100},
    ]  # fmt: skip
    cases += [Posted(f"have {h!r}"[:80], sent({**good, "have": h}), 200) for h in junk]
    return cases


def check_answer(case: Posted, answer: Any, held: dict[str, Any]) -> str | None:
    """What is wrong with the route's answer to a good change with `have` as the case sent it, or None:
    it must answer change 1 with η = 0.02 for the first competitor, and refer only to runs the page
    both holds (`held`: the real digests and surface) and named."""
    named = json.loads(case.body)["change"]["have"]
    valid = isinstance(named, dict) and isinstance(named.get("runners"), list)
    names = [d for d in named["runners"] if isinstance(d, str)] if valid else []
    try:
        if answer["live"]["seq"] != 1 or answer["live"]["runners"][0]["lr"] != 0.02:
            return f"the answer is not change 1's: {str(answer['live'])[:200]}"
        for run in answer["runners"]:
            if "same" in run and not (run["same"] in held["runners"] and run["same"] in names):
                return f"the answer refers to a run the page did not name or hold: {run['same']!r}"
        if "same" in answer["surface"] and not (valid and named.get("surface") == held["surface"]):
            return "the answer refers to a surface the page did not name"
    except (KeyError, IndexError, TypeError) as error:
        return f"an answer without the player's data: {type(error).__name__}: {error}"
    return None


async def _post(client: httpx.AsyncClient, route: str, case: Posted) -> httpx.Response:
    if case.chunked:

        async def pieces() -> Any:
            for i in range(0, len(case.body), 4096):
                yield case.body[i : i + 4096]

        return await client.request(case.method, route, content=pieces())
    return await client.request(case.method, route, content=case.body)


def check_refusal(case: Posted, response: httpx.Response) -> str | None:
    """What is wrong with the route's answer to a refused body, or None."""
    if case.status == 0:
        if response.status_code >= 500 or '"runners"' in response.text:
            return f"answered {response.status_code}: {response.text[:200]!r}"
        return None
    if response.status_code != case.status:
        return f"answered {response.status_code}, not {case.status}: {response.text[:200]!r}"
    try:
        message = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"a {case.status} without a JSON message: {response.text[:200]!r}"
    if not isinstance(message, str) or not message or len(message) > 1000:
        return (
            f"a {case.status} whose message is empty, not text or too long ({len(str(message))} characters)"
        )
    if case.quote and case.quote not in message:
        return f"the message does not quote {case.quote!r}: {message[:300]!r}"
    return None


async def page_line(url: str, link: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The live route the page at `link` names, the settings it sends with its changes, and what it
    holds; RuntimeError when the page names no route."""
    session = AppSession(url, link)
    try:
        result = await session.open()
        if not result.clean or session.player is None:
            raise RuntimeError(f"the page with {link!r} did not load: {result.status} {result.exceptions}")
        data = json.loads(session.player.bytes)
    finally:
        await session.close()
    line = data.get("live", {})
    if not line.get("url"):
        raise RuntimeError(drag.no_route(url))
    have = {"surface": data["surface"]["key"], "runners": [r["digest"] for r in data["runners"]]}
    return line["url"], line["settings"], have


async def live_route(url: str) -> list[str]:
    """Every hostile body of `route_cases`, one after another on one kept-alive connection."""
    try:
        route, settings, have = await page_line(url, LIVE_LINK)
    except RuntimeError as error:
        return [str(error)]
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=drag.origin(url), timeout=60) as client:
        for case in route_cases(settings, have):
            try:
                response = await _post(client, route, case)
            except httpx.HTTPError as error:
                failures.append(f"{case.name}: no answer: {type(error).__name__}: {error}")
                continue
            if case.status == 200:
                if response.status_code != 200:
                    problem = f"answered {response.status_code}, not 200: {response.text[:200]!r}"
                else:
                    problem = check_answer(case, response.json(), have)
            else:
                problem = check_refusal(case, response)
            if problem:
                failures.append(f"{case.name}: {problem}")
    return failures


FLOOD = 300  # changes posted at once in each wave of the flood


async def live_flood(url: str, waves: int = 20) -> list[str]:
    """A normal session drags a slider over the route for four seconds while waves of `FLOOD`
    concurrent changes come, each on a connection of its own and a race of its own (a start point no
    other uses, on the long valley at 2000 steps: nothing is cached), one wave after another (at most
    `waves`); meanwhile a new visitor opens the page. Every change of the flood must be raced (200,
    answering it) or refused as busy (429, with a message), some must be refused; the normal session
    must get its changes answered (a few refused as busy is what the page copes with) and its release
    drawn, and the new page must open. Afterwards a single change is raced: the route counts no
    change still waiting."""
    try:
        route, _, _ = await page_line(url, LIVE_LINK)
    except RuntimeError as error:
        return [str(error)]
    heavy = replace(drag.SETTINGS, steps=2000)
    settings = to_query(heavy)
    rx, ry = start_ranges(heavy.surface_object())
    failures: list[str] = []
    statuses: dict[int, int] = {}
    done = threading.Event()

    async def one(client: httpx.AsyncClient, n: int) -> None:
        x = rx.low + (rx.high - rx.low) * (n % 9973 + 1) / 9975
        change = {"start": [x, (ry.low + ry.high) / 2], "seq": n}
        try:
            response = await client.post(route, content=_json({"settings": settings, "change": change}))
        except httpx.HTTPError as error:
            failures.append(f"flood: change {n} unanswered: {type(error).__name__}: {error}")
            return
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 200:
            if response.json()["live"]["seq"] != n:
                failures.append(f"flood: change {n} answered with change {response.json()['live']['seq']}")
        elif response.status_code == 429:
            if "error" not in response.json():
                failures.append(f"flood: a 429 without a message: {response.text[:200]!r}")
        else:
            failures.append(f"flood: change {n} answered {response.status_code}: {response.text[:200]!r}")

    async def flood() -> None:
        limits = httpx.Limits(max_connections=FLOOD, max_keepalive_connections=FLOOD)
        for wave in range(waves):
            if done.is_set():
                return
            # Fresh connections for each wave: one kept from the wave before may have been closed
            # by the server meanwhile (its keep-alive timeout), which would fail this client's post.
            async with httpx.AsyncClient(base_url=drag.origin(url), timeout=120, limits=limits) as client:
                await asyncio.gather(*(one(client, wave * FLOOD + i + 1) for i in range(FLOOD)))

    session = drag.Dragger(url, random.Random(5), timeout=120)
    try:
        if await session.open():
            session.home = session.nearest(session.shown())
            # The flood on an event loop of its own thread: reading hundreds of large answers would
            # otherwise hold up this session's pointer and answers, which a flood from elsewhere cannot.
            flooding = asyncio.create_task(asyncio.to_thread(asyncio.run, flood()))
            await asyncio.sleep(0.2)  # the first wave reaching the server
            # While it floods, the session drags; and a new visitor's page opens.
            _, down = await asyncio.gather(session.burst(4.0, 30), still_up(url))
            if down:
                failures.append(f"during the flood: {down}")
            done.set()
            await flooding
    finally:
        done.set()
        await session.close()
    stats = session.stats
    failures += [f"the normal session during the flood: {e}" for e in stats.errors]
    if stats.answers < 3:
        failures.append(
            f"the normal session got {stats.answers} of its {stats.sent} changes answered during the "
            f"flood ({stats.busy} refused as busy)"
        )
    if len(stats.commits) != 1:
        failures.append("the normal session's release was not drawn during the flood")
    if not statuses.get(429):
        failures.append(f"the flood was never refused as busy: {statuses}")
    async with httpx.AsyncClient(base_url=drag.origin(url), timeout=60) as client:
        response = await client.post(
            route, content=_json({"settings": settings, "change": {"start": [1.0, 1.0], "seq": 1}})
        )
        if response.status_code != 200:
            failures.append(
                f"a change after the flood answered {response.status_code}: {response.text[:200]!r}"
            )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.hostile",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--queries", type=int, default=500, help="generated links (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", help="an already running server (default: start one)")
    args = parser.parse_args(argv)
    if args.queries < 0:
        parser.error("--queries must be at least 0")

    def run(url: str) -> dict[str, list[str]]:
        return asyncio.run(attack(url, args.queries, args.seed))

    if args.url:
        report = run(args.url)
    else:
        with serve(timeout=300) as server:
            report = run(server.url)
            ours = app_tracebacks(server.log())
            if ours:
                report["server log"] = ours
    counts = {
        "links": args.queries,
        "tampered widgets": len(TAMPERED) + len(STREAMLIT_REJECTS),
        "formulas": len(FORMULAS),
        "live changes": 2 * len(LIVE_CHANGES),
        "live route": len(route_cases({"surface": "beale"}, {"surface": "k", "runners": []})),
        "live flood": FLOOD,
    }
    for name, failures in report.items():
        print(f"{name}: {counts.get(name, 0)} cases, {len(failures)} failures")
        for failure in failures[:20]:
            print(f"    {failure[:400]}")
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
