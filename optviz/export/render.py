"""Video frames of a race, drawn with matplotlib (Agg) the way the app draws them: with the colours,
markers, titles, colour scale (bands, continuous ramp, ticks and labels), contour picture, 3-D mesh and
light that `optviz.views.figures` and `optviz.views.style` define for the player too. No browser is
involved: matplotlib's own locators place the x, y and step ticks of its axes.

Everything that does not move (the contour image, minima, start markers, axes, colour bar, legend, the
faint full loss curves) is drawn once and kept as a pixel copy; each frame restores that copy and draws
only the trails, heads, divergence marks, step counter and the inset's live curves on top. This is
what makes a 720p frame cost milliseconds rather than a full redraw's ~100 ms. The 3-D view has a
turning camera, so its background is redrawn, but only when the camera has turned by a visible amount.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from optviz.export import marks
from optviz.export.options import ExportOptions
from optviz.racing import Race, Runner
from optviz.views import figures

INCHES = (12.8, 7.2)  # the figure's size; the resolution only changes the dpi, so text scales with it
FONT_PT = 12.5
TITLE_PT = 16.0
COUNTER_PT = 17.0
TEXT_COLOR = figures.TEXT_COLOR
# The app's marker sizes are CSS pixels in a ~560 px tall figure; a 720 px frame is about 1.2 times
# taller, and at 100 dpi one point is 100/72 pixels.
_PX_TO_PT = 1.2 * 72.0 / 100.0
TURN_QUANTUM_DEG = 0.25  # 3-D: the background is redrawn when the camera has turned this much
INSET_MIN_HEIGHT = 0.16  # of the frame's height
LEGEND_ROOMY = 7  # runners listed in full size; more get a tighter legend so the inset keeps its room


def _pt(px: float) -> float:
    return px * _PX_TO_PT


def _outline(width: float = 2.5) -> list:
    """A white halo that keeps text readable on any band of the contour."""
    return [patheffects.withStroke(linewidth=width, foreground="white")]


@dataclass(frozen=True)
class Layout:
    """Rectangles (left, bottom, width, height) in figure fractions."""

    plot: tuple[float, float, float, float]
    colorbar: tuple[float, float, float, float]
    panel_left: float  # x where the side panel's counter and legend start
    inset: tuple[float, float, float, float]


def layout(options: ExportOptions) -> Layout:
    """The map (or 3-D view) on the left, its colour bar, and a side panel for the counter, legend and
    loss inset; without a panel the map takes the width."""
    has_panel = options.legend or options.loss_inset or options.step_counter
    right = 0.655 if has_panel else 0.90
    bottom, top = 0.085, 0.885
    if options.view == "3d":
        plot = (0.0, 0.02, right + 0.02, 0.90)
    else:
        plot = (0.062, bottom, right - 0.062, top - bottom)
    colorbar = (right + 0.012, bottom + 0.05, 0.011, top - bottom - 0.1)
    inset = (0.775, 0.095, 0.205, 0.34)
    return Layout(plot, colorbar, right + 0.085, inset)


class Scene:
    """The moving parts of one view; subclasses draw the contour map or the 3-D surface."""

    def __init__(self, race: Race, options: ExportOptions) -> None:
        self.race = race
        self.options = options
        self.scale = figures.color_scale(race.surface)
        self.moving: list = []
        self.turning = None  # the axes a turning camera redraws, if any

    def update(self, step: int) -> None:
        raise NotImplementedError

    def camera(self, seconds: float) -> bool:
        """Turns the camera for time `seconds`; True when the background must be redrawn."""
        return False


def _colorbar(fig: Figure, box: Layout, scale: figures.ColorScale) -> None:
    ax = fig.add_axes(box.colorbar)
    colors = scale.band_colors()
    ax.imshow(
        np.arange(scale.bands)[::-1, None],
        cmap=ListedColormap(colors),
        aspect="auto",
        extent=(0.0, 1.0, scale.low, scale.high),
        interpolation="nearest",
        vmin=0,
        vmax=scale.bands - 1,
    )
    ticks = scale.ticks()
    ax.set_xticks([])
    ax.yaxis.tick_right()
    ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks])
    ax.tick_params(labelsize=FONT_PT - 2, length=3)
    ax.set_ylabel(scale.title, fontsize=FONT_PT - 1)
    ax.yaxis.set_label_position("right")


def _dots(ax, colors: list[str], size_pt: float, marker: str = "o", zorder: float = 7) -> PathCollection:
    """One marker per runner in its colour, all drawn in one call (positions set per frame)."""
    return ax.scatter(
        np.zeros(len(colors)),
        np.zeros(len(colors)),
        s=size_pt**2,
        c=colors,
        marker=marker,
        edgecolors="white",
        linewidths=1.5,
        zorder=zorder,
    )


class ContourScene(Scene):
    def __init__(self, race: Race, options: ExportOptions, fig: Figure, box: Layout) -> None:
        super().__init__(race, options)
        surface = race.surface
        (x0, x1), (y0, y1) = surface.domain
        t = figures.titles(race)
        ax = fig.add_axes(box.plot)
        self.ax = ax
        # The app's own contour picture, at least as many pixels as the map has along its longer side:
        # shrunk (with antialiasing) along the other, its one-pixel contour lines stay smooth, where
        # stretching a smaller picture would draw them as staircases.
        width_px = box.plot[2] * fig.bbox.width
        height_px = box.plot[3] * fig.bbox.height
        image = figures.band_image(surface, round(max(width_px, height_px))).rgb()
        ax.imshow(image, extent=(x0, x1, y0, y1), aspect="auto", interpolation="antialiased", zorder=0)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel(t.x, fontsize=FONT_PT)
        ax.set_ylabel(t.y, fontsize=FONT_PT)
        ax.tick_params(labelsize=FONT_PT - 1.5)
        _colorbar(fig, box, self.scale)
        minima = np.asarray(surface.minima)
        ax.plot(
            minima[:, 0],
            minima[:, 1],
            linestyle="none",
            marker="*",
            markersize=_pt(figures.MINIMUM_SIZE) * 1.35,  # a star fills less of its box than plotly's
            markerfacecolor=figures.MINIMUM_COLOR,
            markeredgecolor=figures.MINIMUM_EDGE,
            markeredgewidth=1.2,
            zorder=4,
        )
        colors = [r.color for r in race.runners]
        starts = np.array([r.trajectory.xy[0] for r in race.runners])
        ax.scatter(
            starts[:, 0],
            starts[:, 1],
            s=_pt(figures.START_SIZE) ** 2,
            facecolors="none",
            edgecolors=colors,
            linewidths=2.0,
            zorder=5,
        )
        # Collections: one draw call for all trails, one for all heads, whatever the number of runners.
        # Each trail is drawn over its casing (optviz.views.style), runner by runner in the app's order.
        self.order = figures.draw_order(race)
        width = _pt(figures.TRAIL_WIDTH) * 1.4
        self.trails = LineCollection(
            [],
            colors=[c for i in self.order for c in (race.runners[i].casing, race.runners[i].color)],
            linewidths=[w for _ in self.order for w in (width + _pt(figures.CASING_WIDTH), width)],
            zorder=6,
        )
        ax.add_collection(self.trails)
        self.heads = _dots(ax, colors, _pt(figures.HEAD_SIZE))
        self.ends = _dots(ax, colors, _pt(figures.END_SIZE), marker="X", zorder=8)
        self.end_points = [marks.end_point(surface, r) for r in race.runners]
        self.notes = [self._note(r, p) for r, p in zip(race.runners, self.end_points, strict=True)]
        self.moving += [self.trails, self.heads, self.ends, *self.notes]

    def _note(self, runner: Runner, point: np.ndarray):
        ha, va, dx, dy = marks.note_anchor(self.race.surface, point)
        return self.ax.annotate(
            figures.DIVERGED_NOTE.format(step=runner.trajectory.diverged_at),
            (float(point[0]), float(point[1])),
            xytext=(10 * dx, 10 * dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=FONT_PT - 1,
            color=runner.color,
            fontweight="bold",
            path_effects=_outline(3.0),
            zorder=9,
        )

    def update(self, step: int) -> None:
        paths, heads, ended = [], [], []
        for runner, note in zip(self.race.runners, self.notes, strict=True):
            xy = runner.trajectory.xy
            k = figures.last_shown(runner, step)
            paths.append(xy[figures.trail_start(k, self.options.trail) : k + 1])
            heads.append(xy[k])
            gone = figures.has_diverged_by(runner, step)
            ended.append(gone)
            note.set_visible(gone)
        self.trails.set_segments([paths[i] for i in self.order for _ in range(2)])
        ended_mask = np.array(ended)[:, None]
        # A runner that diverged shows an X (where it was last seen on the map) instead of its head.
        self.heads.set_offsets(np.where(ended_mask, np.nan, np.array(heads)))
        self.ends.set_offsets(np.where(ended_mask, np.array(self.end_points), np.nan))
        self.ends.set_visible(bool(ended_mask.any()))


def _face_colors(surface) -> np.ndarray:
    """Each mesh face in the player's colours, lit as the player lights it: the mean of its corners'
    `figures.mesh_colors`, as RGB in [0, 1]."""
    c = figures.mesh_colors(surface).astype(np.float64) / 255.0
    return (c[:-1, :-1] + c[:-1, 1:] + c[1:, :-1] + c[1:, 1:]) / 4.0


class SurfaceScene(Scene):
    def __init__(self, race: Race, options: ExportOptions, fig: Figure, box: Layout) -> None:
        super().__init__(race, options)
        surface = race.surface
        t = figures.titles(race)
        ax = fig.add_axes(box.plot, projection="3d")
        self.ax = ax
        x, y, z = figures.surface_mesh(surface)
        X, Y = np.meshgrid(x, y)
        colors = _face_colors(surface)
        ax.plot_surface(X, Y, z, facecolors=colors, shade=False, linewidth=0, antialiased=False)
        (x0, x1), (y0, y1) = surface.domain
        lift = marks.lift(surface)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_zlim(self.scale.low, self.scale.high + 2 * lift)
        ax.set_box_aspect((1.0, 1.0, figures.Z_ASPECT), zoom=0.92)
        ax.set_xlabel(t.x, fontsize=FONT_PT)
        ax.set_ylabel(t.y, fontsize=FONT_PT)
        ax.set_zlabel(t.z, fontsize=FONT_PT)
        ax.tick_params(labelsize=FONT_PT - 3)
        minima = np.asarray(surface.minima)
        ax.plot(
            minima[:, 0],
            minima[:, 1],
            figures.mesh_heights(surface, minima) + lift,
            linestyle="none",
            marker="*",
            markersize=_pt(figures.MINIMUM_SIZE) * 1.2,
            markerfacecolor=figures.MINIMUM_COLOR,
            markeredgecolor=figures.MINIMUM_EDGE,
            zorder=10,
        )
        _colorbar(fig, box, self.scale)
        self.z = [figures.heights(race, r) + lift for r in race.runners]
        # A diverged run's X goes where it was last seen on the map (its last iterate may be far off it).
        ends = np.array([marks.end_point(surface, r) for r in race.runners])
        self.ends = np.column_stack((ends, figures.mesh_heights(surface, ends) + lift))
        self.trails = []
        self.heads = []
        rank = {i: k for k, i in enumerate(figures.draw_order(race))}  # later on top, as in the app
        for runner in race.runners:
            # axlim_clip: a run that leaves the box is cut at its walls, not drawn across the frame.
            (trail,) = ax.plot(
                [],
                [],
                [],
                color=runner.color,
                linewidth=2.6,
                axlim_clip=True,
                path_effects=[
                    patheffects.Stroke(linewidth=2.6 + _pt(figures.CASING_WIDTH), foreground=runner.casing),
                    patheffects.Normal(),
                ],
                zorder=10 + rank[len(self.trails)],
            )
            (head,) = ax.plot(
                [],
                [],
                [],
                marker="o",
                markersize=_pt(figures.HEAD_SIZE) * 0.8,
                color=runner.color,
                mec="white",
                axlim_clip=True,
            )
            self.trails.append(trail)
            self.heads.append(head)
        self.moving += self.trails + self.heads
        self.azimuth: float | None = None
        self.turning = ax

    def camera(self, seconds: float) -> bool:
        turned = marks.azimuth(seconds) - figures.CAMERA[0]
        azimuth = figures.CAMERA[0] + TURN_QUANTUM_DEG * round(turned / TURN_QUANTUM_DEG)
        if azimuth == self.azimuth:
            return False
        self.azimuth = azimuth
        self.ax.view_init(elev=figures.CAMERA[1], azim=azimuth)
        return True

    def update(self, step: int) -> None:
        runners = zip(self.race.runners, self.z, self.ends, self.trails, self.heads, strict=True)
        for runner, z, end, trail, head in runners:
            xy = runner.trajectory.xy
            k = figures.last_shown(runner, step)
            lo = figures.trail_start(k, self.options.trail)
            trail.set_data_3d(xy[lo : k + 1, 0], xy[lo : k + 1, 1], z[lo : k + 1])
            ended = figures.has_diverged_by(runner, step)
            at = end[:, None] if ended else np.array([xy[k, 0], xy[k, 1], z[k]])[:, None]
            head.set_data_3d(at[0], at[1], at[2])
            head.set_marker("X" if ended else "o")
            head.set_markersize(_pt(figures.END_SIZE if ended else figures.HEAD_SIZE) * 0.8)


class Panel:
    """The side panel: the step counter, the legend and the loss inset."""

    def __init__(self, race: Race, options: ExportOptions, fig: Figure, box: Layout) -> None:
        self.race = race
        self.options = options
        self.moving: list = []
        self.total = race.runners[0].trajectory.steps
        self.number = self._counter(fig, box) if options.step_counter else None
        top = 0.80 if options.step_counter else 0.885
        if options.legend:
            top = self._legend(fig, box, top)
        self.gaps = [marks.loss_gap(race, r) for r in race.runners]
        if options.loss_inset:
            self._inset(fig, box, top, *options.steps_range(self.total))

    def _counter(self, fig: Figure, box: Layout) -> Text:
        """The counter "step N of M" with only N redrawn per frame: the words are in the background, and
        N is right-aligned in a box as wide as M so the words around it never move."""
        style = {"fontsize": COUNTER_PT, "fontweight": "bold", "color": TEXT_COLOR, "va": "top"}
        style["family"] = "DejaVu Sans Mono"
        y = 0.885
        renderer = fig.canvas.get_renderer()
        word = fig.text(box.panel_left, y, "step ", **style)
        digits = fig.text(0, y, "0" * len(str(self.total)), **style)
        to_fig = fig.transFigure.inverted()
        word_end = to_fig.transform(word.get_window_extent(renderer).corners()[-1])[0]
        digits_width = to_fig.transform((digits.get_window_extent(renderer).width, 0))[0]
        digits_width -= to_fig.transform((0, 0))[0]
        digits.remove()
        number_end = word_end + digits_width
        fig.text(number_end, y, f" of {self.total}", **style)
        number = fig.text(number_end, y, "", ha="right", **style)
        self.moving.append(number)
        return number

    def _legend(self, fig: Figure, box: Layout, top: float) -> float:
        """The legend from `top` down; returns where it ends."""
        handles = [
            Line2D(
                [],
                [],
                color=r.color,
                linewidth=3,
                marker="o",
                markersize=_pt(figures.HEAD_SIZE) * 0.8,
                mec="white",
            )
            for r in self.race.runners
        ]
        labels = [r.label for r in self.race.runners]
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="*",
                markersize=_pt(figures.MINIMUM_SIZE),
                mfc=figures.MINIMUM_COLOR,
                mec=figures.MINIMUM_EDGE,
            )
        )
        labels.append("global minimum")
        crowded = len(self.race.runners) > LEGEND_ROOMY
        legend = fig.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(box.panel_left - 0.012, top),
            frameon=False,
            fontsize=FONT_PT - 1.5 if crowded else FONT_PT,
            handlelength=1.8,
            labelspacing=0.25 if crowded else 0.45,
            borderaxespad=0.0,
        )
        extent = legend.get_window_extent(fig.canvas.get_renderer())
        return float(fig.transFigure.inverted().transform((0.0, extent.y0))[1])

    def _inset(self, fig: Figure, box: Layout, top: float, first: int, last: int) -> None:
        """A small log plot of f - f* under the legend (down from `top`, less room for its title)."""
        left, bottom, width, height = box.inset
        ax = fig.add_axes((left, bottom, width, max(INSET_MIN_HEIGHT, min(height, top - 0.075 - bottom))))
        ax.set_yscale("log")
        ax.set_ylim(*marks.inset_range(self.race))
        pad = 0.02 * (last - first)  # the dots at the last step stay whole
        ax.set_xlim(first - pad, last + pad)
        colors = [r.color for r in self.race.runners]
        whole = [np.column_stack((np.arange(g.size), g)) for g in self.gaps]
        ax.add_collection(LineCollection(whole, colors=colors, linewidths=1.0, alpha=0.25))
        self.curves = LineCollection([], colors=colors, linewidths=1.8)
        ax.add_collection(self.curves)
        self.dots = ax.scatter(
            np.zeros(len(colors)),
            np.ones(len(colors)),
            s=30,
            c=colors,
            edgecolors="white",
            linewidths=0.8,
            zorder=3,
        )
        ax.set_title("f(w) − f*  (log scale)", fontsize=FONT_PT - 1, loc="left", color=TEXT_COLOR)
        ax.set_xlabel("step", fontsize=FONT_PT - 2, labelpad=1)
        ax.tick_params(labelsize=FONT_PT - 3.5)
        ax.grid(True, which="major", color="#e4e4e4", linewidth=0.6)
        self.moving += [self.curves, self.dots]

    def update(self, step: int) -> None:
        if self.number is not None:
            self.number.set_text(str(step))
        if self.options.loss_inset:
            ks = [min(step, g.size - 1) for g in self.gaps]
            self.curves.set_segments(
                [np.column_stack((np.arange(k + 1), g[: k + 1])) for k, g in zip(ks, self.gaps, strict=True)]
            )
            self.dots.set_offsets([(k, g[k]) for k, g in zip(ks, self.gaps, strict=True)])


class Renderer:
    """Draws frames of one race at one size; `rgba(step, seconds)` gives the frame's pixels.

    The array returned is a view of the canvas buffer, valid until the next call (copy it to keep it).
    """

    def __init__(self, race: Race, options: ExportOptions) -> None:
        if not race.runners:
            raise ValueError("the race has no runners to draw")
        width, height = options.size
        self.size = (width, height)
        fig = Figure(figsize=INCHES, dpi=height / INCHES[1], facecolor="white")
        self.canvas = FigureCanvasAgg(fig)
        self.fig = fig
        box = layout(options)
        t = figures.titles(race)
        title = t.surface if options.view == "3d" else t.contour
        fig.text(0.012, 0.955, title, fontsize=TITLE_PT, color=TEXT_COLOR, fontweight="bold", va="center")
        scene_type = SurfaceScene if options.view == "3d" else ContourScene
        self.scene = scene_type(race, options, fig, box)
        self.panel = Panel(race, options, fig, box)
        self.moving = self.scene.moving + self.panel.moving
        for artist in self.moving:
            artist.set_animated(True)  # left out of full draws: they are drawn over the saved background
        self.static = None
        self.background = None

    def _save_background(self, camera_moved: bool) -> None:
        turning = self.scene.turning
        if turning is None or self.static is None:
            # Everything but the turning axes is drawn once; the turning axes on top of that copy.
            if turning is not None:
                turning.set_visible(False)
            self.canvas.draw()
            self.static = self.canvas.copy_from_bbox(self.fig.bbox)
            if turning is None:
                self.background = self.static
                return
            turning.set_visible(True)
        if camera_moved or self.background is None:
            self.canvas.restore_region(self.static)
            self.fig.draw_artist(turning)
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    def rgba(self, step: int, seconds: float = 0.0) -> np.ndarray:
        moved = self.scene.camera(seconds)
        if moved or self.background is None:
            self._save_background(moved)
        self.canvas.restore_region(self.background)
        self.scene.update(step)
        self.panel.update(step)
        renderer = self.canvas.get_renderer()
        for artist in self.moving:
            if artist.get_visible():
                artist.draw(renderer)
        buffer = np.asarray(self.canvas.buffer_rgba())
        if buffer.shape[:2] != self.size[::-1]:
            raise RuntimeError(f"frame is {buffer.shape[1]}x{buffer.shape[0]}, expected {self.size}")
        return buffer

    def rgb(self, step: int, seconds: float = 0.0) -> np.ndarray:
        """A copy of the frame without its alpha channel."""
        return np.ascontiguousarray(self.rgba(step, seconds)[:, :, :3])
