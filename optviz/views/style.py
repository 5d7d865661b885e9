"""The colours of a race, defined once for every view: the runners' palette, the casing that keeps
each path visible on any part of the map, and the map's colour scale.

Every view (the player, the video frames, the results table, the sidebar's boxes) takes its colours
from here, so a runner is the same colour everywhere and a change is made in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The runners' colours: Okabe and Ito's colour-blind-safe set, then two more. A competitor keeps its
# colour slot for its whole life (see `optviz.racing.assign_colors`), so removing one never recolours
# the others.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
    "#A6761D",  # ochre
    "#7F7F7F",  # grey
)

# Viridis lightened halfway to white: low loss still reads as dark, and the paths' colours stand out.
_VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58")
_VIRIDIS += ("#b5de2b", "#fde725")
_LIGHTEN = 0.45

# A path is drawn over a casing (a wider line of one of these under it). No single colour stands out
# on every band of the map, from its mid-dark purple to its pale yellow; a dark casing does, so every
# colour light enough to stand out on it gets one, and the few colours too dark for that (black) get
# a white casing instead: they stand out on the light bands themselves.
DARK_CASING = "#1a1a1a"
LIGHT_CASING = "#ffffff"
MIN_CONTRAST = 3.0  # WCAG's minimum for graphics that must be seen


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def rgb_to_hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(255.0, v))):02x}" for v in rgb)


def darker(color: str, factor: float = 0.62) -> str:
    return rgb_to_hex([v * factor for v in hex_to_rgb(color)])


def luminance(color: str) -> float:
    """Relative luminance (WCAG 2)."""
    channels = [v / 255 for v in hex_to_rgb(color)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours: 1 (the same) to 21 (black on white)."""
    low, high = sorted((luminance(a), luminance(b)))
    return (high + 0.05) / (low + 0.05)


def casing(color: str) -> str:
    """The casing drawn under a path of this colour."""
    return DARK_CASING if contrast(color, DARK_CASING) >= MIN_CONTRAST else LIGHT_CASING


def colormap(t: float) -> str:
    """The (lightened) colour at t in [0, 1]: 0 is the lowest loss."""
    t = min(1.0, max(0.0, float(t))) * (len(_VIRIDIS) - 1)
    i = min(int(t), len(_VIRIDIS) - 2)
    a = np.array(hex_to_rgb(_VIRIDIS[i]), dtype=float)
    b = np.array(hex_to_rgb(_VIRIDIS[i + 1]), dtype=float)
    rgb = a + (b - a) * (t - i)
    return rgb_to_hex(rgb + (255.0 - rgb) * _LIGHTEN)
