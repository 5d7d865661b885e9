"""Animations and still frames: MP4 (H.264 through the ffmpeg binary shipped with imageio-ffmpeg), GIF
(one shared palette, written frame by frame) and PNG.

Frames are streamed: each one is drawn, handed to the encoder and dropped, so memory stays the same
whether a clip has 100 frames or 3,000.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import imageio_ffmpeg
import numpy as np
from PIL import GifImagePlugin, Image

from optviz.export.options import GIF_END_HOLD_S, ExportOptions, frame_steps
from optviz.export.render import TEXT_COLOR, Renderer
from optviz.racing import Race
from optviz.views import figures
from optviz.views.style import hex_to_rgb

Progress = Callable[[int, int], None]

# H.264: "superfast" keeps the encoder ahead of the drawing on a busy 2-core machine (veryfast took
# ~1.4x as long for half the file size, and ~0.6 MB for a 300-frame 720p race is small anyway).
# crf 20 keeps thin trails and small text sharp. faststart puts the index first so a video starts
# playing before it has fully loaded (slides, web pages); "-f mp4" because the file may be written
# under a temporary name.
MP4_PARAMS = ["-preset", "superfast", "-crf", "20", "-movflags", "+faststart", "-f", "mp4"]
GIF_MAX_FPS = 50  # browsers play GIF delays under 2/100 s at 10/100 s
GIF_COLORS = 255  # the 256th palette entry is the "unchanged since the last frame" transparent index
TRANSPARENT = 255


def _steps(race: Race) -> int:
    return race.runners[0].trajectory.steps


def _frames(renderer: Renderer, steps: np.ndarray, fps: int, progress: Progress | None):
    """Each frame's pixels (a view of the renderer's buffer), reporting progress once it is used."""
    for i, step in enumerate(steps):
        yield renderer.rgba(int(step), i / fps)
        if progress is not None:
            progress(i + 1, len(steps))


# -------------------------------------------------------------------------------------------- MP4


def write_mp4(race: Race, options: ExportOptions, path: str | Path, progress: Progress | None = None) -> None:
    """An H.264 MP4 (yuv420p, the frame size of the options, which is even) at `path`."""
    width, height = options.size
    writer = imageio_ffmpeg.write_frames(
        str(path),
        (width, height),
        pix_fmt_in="rgba",
        pix_fmt_out="yuv420p",
        fps=options.fps,
        codec="libx264",
        quality=None,
        macro_block_size=2,  # both sizes are even: no rescaling
        ffmpeg_log_level="error",
        output_params=MP4_PARAMS,
    )
    steps = frame_steps(options, _steps(race))
    renderer = Renderer(race, options)
    writer.send(None)
    try:
        for rgba in _frames(renderer, steps, options.fps, progress):
            writer.send(rgba)
    finally:
        writer.close()


# -------------------------------------------------------------------------------------------- GIF


def _fixed_colors(race: Race) -> list[tuple[int, int, int]]:
    """Colours that must be exact: thin trails would otherwise snap to a nearby background band."""
    scale = figures.color_scale(race.surface)
    named = [r.color for r in race.runners] + scale.band_colors() + ["#ffffff", "#000000", TEXT_COLOR]
    out: list[tuple[int, int, int]] = []
    for rgb in map(hex_to_rgb, named):
        if rgb not in out:
            out.append(rgb)
    return out


def shared_palette(race: Race, samples: list[np.ndarray]) -> Image.Image:
    """One palette for every frame: the fixed colours, then the most common others in sample frames
    (the start, middle and end of the race hold every background pixel and most blends of the paths)."""
    fixed = _fixed_colors(race)
    composite = Image.fromarray(np.concatenate(samples, axis=0))
    rest = composite.quantize(GIF_COLORS - len(fixed), method=Image.Quantize.FASTOCTREE)
    rest_colors = np.asarray(rest.getpalette()[: 3 * (GIF_COLORS - len(fixed))], dtype=np.uint8)
    colors = np.concatenate([np.asarray(fixed, dtype=np.uint8).ravel(), rest_colors])
    colors = np.concatenate([colors, np.tile(colors[:3], GIF_COLORS - colors.size // 3)])
    # Exactly 255 entries, so no pixel can map to the transparent index.
    palette = Image.new("P", (1, 1))
    palette.putpalette(colors.tobytes())
    return palette


class GifStream:
    """A looping GIF89a written one frame at a time, all frames sharing one global palette.

    A frame may cover only part of the picture (`offset`); pixels set to `TRANSPARENT` show the previous
    frame (disposal "leave in place"), so a frame of moving heads costs a few kB, not a full picture.
    """

    def __init__(self, fp: BinaryIO, size: tuple[int, int], palette: Image.Image) -> None:
        self.fp = fp
        width, height = size
        colors = bytes(palette.getpalette()[: 3 * 256])
        colors += b"\0" * (768 - len(colors))
        # Header, logical screen (global table of 256 colours), the table, and "loop forever".
        fp.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + colors)
        fp.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\0")

    def add(self, indices: np.ndarray, duration_ms: int, offset: tuple[int, int] = (0, 0)) -> None:
        image = Image.fromarray(np.ascontiguousarray(indices, dtype=np.uint8), mode="P")
        params = {"duration": duration_ms, "disposal": 1, "transparency": TRANSPARENT}
        for chunk in GifImagePlugin.getdata(image, offset, **params):
            self.fp.write(chunk)

    def close(self) -> None:
        self.fp.write(b";")


def gif_delays(count: int, fps: int) -> list[int]:
    """Per-frame delays in ms on GIF's 10 ms grid whose running sum stays on the exact timeline."""
    ends = [round((i + 1) * 100 / fps) * 10 for i in range(count)]
    delays = [b - a for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    delays[-1] += round(GIF_END_HOLD_S * 100) * 10
    return delays


def _quantize(rgba: np.ndarray, palette: Image.Image) -> np.ndarray:
    rgb = Image.fromarray(rgba, mode="RGBA").convert("RGB")
    return np.asarray(rgb.quantize(palette=palette, dither=Image.Dither.NONE))


class _Delta:
    """What changed since the previous frame: compared as one 32-bit word per pixel (fast), and only
    the changed rectangle is quantised and encoded."""

    def __init__(self) -> None:
        self.previous: np.ndarray | None = None

    def __call__(self, rgba: np.ndarray, palette: Image.Image) -> tuple[np.ndarray, tuple[int, int]]:
        words = rgba.view(np.uint32)[:, :, 0]
        previous, self.previous = self.previous, words.copy()
        if previous is None:
            return _quantize(rgba, palette), (0, 0)
        changed = words != previous
        rows = np.flatnonzero(changed.any(axis=1))
        if rows.size == 0:
            # Nothing moved: a one-pixel transparent frame keeps the frame count and the timing.
            return np.full((1, 1), TRANSPARENT, dtype=np.uint8), (0, 0)
        cols = np.flatnonzero(changed.any(axis=0))
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        indices = _quantize(np.ascontiguousarray(rgba[y0:y1, x0:x1]), palette)
        return np.where(changed[y0:y1, x0:x1], indices, TRANSPARENT), (int(x0), int(y0))


def write_gif(race: Race, options: ExportOptions, fp: BinaryIO, progress: Progress | None = None) -> None:
    """An animated, looping GIF written to the open binary file `fp`."""
    if options.fps > GIF_MAX_FPS:
        raise ValueError(f"fps must be at most {GIF_MAX_FPS} for a GIF, got {options.fps}")
    steps = frame_steps(options, _steps(race))
    renderer = Renderer(race, options)
    picks = sorted({0, len(steps) // 2, len(steps) - 1})
    palette = shared_palette(race, [renderer.rgb(int(steps[i]), i / options.fps) for i in picks])
    stream = GifStream(fp, options.size, palette)
    delays = gif_delays(len(steps), options.fps)
    delta = _Delta()
    for rgba, delay in zip(_frames(renderer, steps, options.fps, progress), delays, strict=True):
        indices, offset = delta(rgba, palette)
        stream.add(indices, delay, offset)
    stream.close()


# -------------------------------------------------------------------------------------------- PNG


def png_bytes(race: Race, options: ExportOptions, progress: Progress | None = None) -> bytes:
    """One frame (the options' `step`) as a PNG of the options' size."""
    step = options.png_step(_steps(race))
    rgb = Renderer(race, options).rgb(step)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    if progress is not None:
        progress(1, 1)
    return out.getvalue()
