"""Every cache keys on the complete identity of what it computes.

Two typed formulas are both named "custom" and have no options; two domains of one formula differ
only in where they are drawn. Each cache below is asked for one surface and then for another that
shares its name and options, and must give what a cold cache gives for the second.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import surfaces
from optviz.app import state, surface_panel
from optviz.racing import run_race
from optviz.settings import CUSTOM, CustomSurface, RaceSettings, View
from optviz.views import figures, player

ROOT = Path(__file__).resolve().parents[1]

DIAGONAL = CustomSurface("(x+y)^2 + 0.1*(x-y)^2", ((-3.0, 3.0), (-3.0, 3.0)))
ALIGNED = CustomSurface("x^2 + 10 y^2", ((-3.0, 3.0), (-3.0, 3.0)))
WIDER = CustomSurface("x^2 + 10 y^2", ((-6.0, 6.0), (-3.0, 3.0)))
SKEWED = CustomSurface("(x-0.3)^2 + y^2 + x*y", ((-3.0, 3.0), (-3.0, 3.0)))
# The estimated minimum is (0.39999999999999997, -0.19999999999999998): given, it is exact.
WITH_MINIMUM = CustomSurface("(x-0.3)^2 + y^2 + x*y", ((-3.0, 3.0), (-3.0, 3.0)), ((0.4, -0.2),))
PAIRS = [(DIAGONAL, ALIGNED), (ALIGNED, WIDER), (SKEWED, WITH_MINIMUM)]


def _surface(spec: CustomSurface) -> surfaces.Surface:
    return surfaces.from_formula(spec.text, domain=spec.domain, minima=spec.minima, name=CUSTOM)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, figures.BandImage):
        return _same(a.bands, b.bands) and a.colors == b.colors
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


# name: (the cached function, a function of a surface that calls it)
SURFACE_CACHES: dict[str, tuple[Callable[..., Any], Callable[[surfaces.Surface], Any]]] = {
    "figures._color_scale": (figures._color_scale, figures.color_scale),
    "figures._band_image": (figures._band_image, lambda s: figures.band_image(s, 64)),
    "figures._mesh": (figures._mesh, lambda s: figures.surface_mesh(s, 16)),
    "figures._mesh_colors": (figures._mesh_colors, lambda s: figures.mesh_colors(s, 16)),
    "player._surface_data": (
        player._surface_data,
        lambda s: player._surface_data(figures.SurfaceKey.of(s)),
    ),
}


def _clear_all() -> None:
    for cached, _ in SURFACE_CACHES.values():
        cached.cache_clear()
    player._image_data.cache_clear()


@pytest.mark.parametrize("name", list(SURFACE_CACHES))
@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_a_surface_cache_gives_each_surface_its_own_result(name, first, second):
    _, call = SURFACE_CACHES[name]
    a, b = _surface(first), _surface(second)
    assert (a.name, dict(a.options)) == (b.name, dict(b.options))  # what the old keys saw
    _clear_all()
    cold = call(b)
    _clear_all()
    call(a)
    warm = call(b)
    assert _same(warm, cold)
    # and the two surfaces' results differ where their pictures do
    if (first.text, first.domain) != (second.text, second.domain):
        assert not _same(call(a), warm)


def test_the_player_sends_each_formula_its_own_picture():
    def picture(spec: CustomSurface) -> tuple[str, str]:
        race = run_race(RaceSettings.on(CUSTOM, custom=spec, steps=5))
        surface = player.payload(race, View())["surface"]
        return surface["key"], surface["image"]["runs"]

    _clear_all()
    fresh = picture(ALIGNED)
    _clear_all()
    picture(DIAGONAL)
    assert picture(ALIGNED) == fresh
    assert picture(DIAGONAL) != fresh


def test_the_apps_caches_key_on_whole_settings():
    """`st.cache_data` keys on the whole argument: a race config, a typed surface's data, a map
    request. Each of them holds the formula's text, domain and minima."""
    first = state.compute_race(RaceSettings.on(CUSTOM, custom=DIAGONAL, steps=5))
    second = state.compute_race(RaceSettings.on(CUSTOM, custom=ALIGNED, steps=5))
    assert first.surface.formula != second.surface.formula
    assert surface_panel.custom_surface(WIDER).domain == WIDER.domain
    assert surface_panel.custom_surface(ALIGNED).domain == ALIGNED.domain
    assert surface_panel.custom_surface(WITH_MINIMUM).minima == ((0.4, -0.2),)
    assert surface_panel.custom_surface(SKEWED).minima != ((0.4, -0.2),)


def _cached_functions() -> set[str]:
    """Every function in the project's code under a cache decorator, as module.function."""
    found = set()
    decorator = re.compile(r"@(?:functools\.)?(?:lru_cache|cache)\b|@st\.cache_(?:data|resource)\b")
    for path in [*ROOT.glob("optviz/**/*.py"), *ROOT.glob("surfaces/**/*.py"), ROOT / "app.py"]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if decorator.search(line.strip()):
                following = next(ln for ln in lines[i + 1 :] if ln.lstrip().startswith("def "))
                name = following.split("def ", 1)[1].split("(", 1)[0]
                module = path.parent.name if path.stem == "__init__" else path.stem
                found.add(f"{module}.{name}")
            memo = re.match(r"^(_\w+) = _\w*Memo\(", line)
            if memo:
                module = path.parent.name if path.stem == "__init__" else path.stem
                found.add(f"{module}.{memo.group(1)}")
    return found


# Every cache and what it keys on; a new cache must be added here with its reason.
CACHES = {
    "figures.tick_ladder": "the axis's two ends",
    "figures._series": "the run (kept alive by its entry) and the surface's identity",
    "player._entries": "the run, the surface's identity, the label, colour and what the view shows",
    "racing._run": "the optimizer, the surface's identity and every argument of optviz.run",
    "batches._batch_means": "the examples (one object per surface, N, spread, seed), B, steps, seed",
    "finite_sum._examples": "the surface's identity, N, the spread and the seed",
    "figures._color_scale": "SurfaceKey: the surface's identity",
    "figures._band_image": "SurfaceKey and the image size",
    "figures._mesh": "SurfaceKey and the mesh size",
    "figures._mesh_colors": "SurfaceKey and the mesh size",
    "player._surface_data": "SurfaceKey",
    "player._image_data": "a BandImage, by identity (one object per cached band image)",
    "player._component": "nothing: the component's files are read once",
    "settings._build_custom": "CustomSurface: text, domain and minima",
    "surface_panel.custom_surface": "CustomSurface: text, domain and minima",
    "map_tab.cached_map": "MapRequest: the race's settings (the typed formula included), the axes",
    "map_tab.cached_cells": "MapRequest and the quantity the map is coloured by",
    "params._fine_grid": "a parameter's slider grid (its values) and whether it is logarithmic",
    "map_tab._component": "nothing: the component's files are read once",
    "live._settings": "a page's link keys and values (what a live change applies to)",
}


def test_every_cache_in_the_project_is_listed_with_its_key():
    assert _cached_functions() == set(CACHES)


def test_surface_identity_tells_typed_formulas_and_domains_apart():
    identities = {_surface(spec).identity for spec in (DIAGONAL, ALIGNED, WIDER, SKEWED, WITH_MINIMUM)}
    assert len(identities) == 5
    assert _surface(ALIGNED).identity == _surface(ALIGNED).identity
    assert surfaces.get("bowl", kappa=10).identity != surfaces.get("bowl", kappa=20).identity
    assert hash(surfaces.get("beale").identity) == hash(surfaces.get("beale").identity)


def test_the_cache_list_names_real_functions():
    import optviz.app.live
    import optviz.app.map_tab
    import optviz.engine.batches
    import optviz.params
    import optviz.racing
    import optviz.settings
    import surfaces.finite_sum

    modules = {
        "racing": optviz.racing,
        "live": optviz.app.live,
        "batches": optviz.engine.batches,
        "finite_sum": surfaces.finite_sum,
        "figures": figures,
        "player": player,
        "settings": optviz.settings,
        "state": state,
        "surface_panel": surface_panel,
        "map_tab": optviz.app.map_tab,
        "params": optviz.params,
    }
    for name in CACHES:
        module, function = name.split(".")
        cached = getattr(modules[module], function)
        assert callable(cached) or callable(getattr(cached, "get", None)), name
