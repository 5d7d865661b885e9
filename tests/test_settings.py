"""The settings model refuses a surface with options that are not its own, where it is made."""

from __future__ import annotations

import pytest

import surfaces
from optviz.settings import RaceSettings


def test_a_surface_with_the_first_surfaces_options_is_refused_where_it_is_made():
    expected = r"surface 'beale' has no option 'slope'.*RaceSettings\.on\('beale'\)"
    with pytest.raises(ValueError, match=expected):
        RaceSettings(surface="beale")


def test_an_unknown_surface_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown surface 'nope' \(surfaces: long_valley, beale"):
        RaceSettings(surface="nope", surface_options=())


@pytest.mark.parametrize("name", list(surfaces.SURFACES))
def test_every_surface_moved_to_keeps_its_own_options_and_builds(name):
    settings = RaceSettings.on(name)
    assert dict(settings.surface_options) == surfaces.SURFACES[name].options
    assert settings.surface_object().name == name
