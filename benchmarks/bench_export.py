"""Export speed and memory, printed (the machine is shared: compare figures from one run).

    python benchmarks/bench_export.py [--frames 300] [--skip-memory] [--with-3d]

1. MP4 and GIF of 4 optimizers x 300 steps, 300 frames at 720p, contour view: wall time, ms per frame,
   CPU time (this process and ffmpeg), file size. Targets on a 2-core machine: MP4 < 10 s, GIF < 15 s.
2. Memory: peak RSS growth of a fresh process exporting 150 and then 600 frames. Frames are streamed to
   the encoder, so the growth should not depend on the number of frames.
3. The interactive HTML page: build time and size (the player's code and the race's data).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optviz.export import ExportOptions, export_bytes, frame_count, write_export
from optviz.racing import run_race
from optviz.settings import Competitor, RaceSettings

FPS = 30
TARGETS = {"mp4": 10.0, "gif": 15.0}


def bench_race(steps: int):
    config = RaceSettings.on(
        "beale",
        steps=steps,
        competitors=(
            Competitor("adam", lr=0.05),
            Competitor("momentum", lr=0.001),
            Competitor("rmsprop", lr=0.01),
            Competitor("sgd", lr=0.002),
        ),
    )
    return run_race(config)


def options_for(frames: int, view: str = "contour") -> ExportOptions:
    return ExportOptions(view=view, duration=frames / FPS, fps=FPS, resolution="720p")


def cpu_seconds() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def timed_export(race, fmt: str, options: ExportOptions, folder: Path) -> dict:
    path = folder / f"bench.{fmt}"
    cpu0, kids0 = cpu_seconds()
    t0 = time.perf_counter()
    write_export(race, fmt, path, options)
    wall = time.perf_counter() - t0
    cpu1, kids1 = cpu_seconds()
    frames = frame_count(race, options)
    return {
        "wall": wall,
        "ms_per_frame": 1000 * wall / frames,
        "cpu": cpu1 - cpu0,
        "ffmpeg_cpu": kids1 - kids0,
        "size": path.stat().st_size,
        "frames": frames,
    }


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1e3  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(fmt: str, frames: int) -> None:
    """Runs in a fresh process: peak RSS growth of one export, after the race and a warm-up."""
    race = bench_race(max(frames, 300))
    export_bytes(race, "png", ExportOptions())  # loads fonts, the colour scale and the contour image
    before = _status_mb("VmRSS")
    # Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current size, so the peak read
    # afterwards belongs to the export alone.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    with tempfile.TemporaryDirectory() as folder:
        write_export(race, fmt, Path(folder) / f"m.{fmt}", options_for(frames))
    peak = _status_mb("VmHWM")
    ffmpeg_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e3  # kB on Linux
    print(
        json.dumps({"before": before, "peak": peak, "after": _status_mb("VmRSS"), "ffmpeg_peak": ffmpeg_peak})
    )


def memory(fmt: str, frames: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", fmt, "--frames", str(frames)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--with-3d", action="store_true", help="also time the 3-D view (100 frames)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.frames)
        return

    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    race = bench_race(300)
    export_bytes(race, "gif", options_for(3))  # warm-up: imports, fonts, contour image
    options = options_for(args.frames)

    print(f"\n(1) 4 optimizers x 300 steps, {args.frames} frames at 720p, contour view")
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("mp4", "gif"):
            r = timed_export(race, fmt, options, Path(folder))
            verdict = "ok" if r["wall"] < TARGETS[fmt] else "OVER"
            print(
                f"  {fmt.upper():4} {r['wall']:6.2f} s (target < {TARGETS[fmt]:.0f} s: {verdict})"
                f"  {r['ms_per_frame']:5.1f} ms/frame  cpu {r['cpu']:.1f} s + ffmpeg {r['ffmpeg_cpu']:.1f} s"
                f"  {r['size'] / 1e6:.2f} MB"
            )
        if args.with_3d:
            r = timed_export(race, "mp4", options_for(100, "3d"), Path(folder))
            print(f"  MP4 3-D, 100 frames: {r['wall']:.2f} s, {r['ms_per_frame']:.0f} ms/frame")

    if not args.skip_memory:
        print("\n(2) peak RSS growth of one export in a fresh process (after the race and a warm-up)")
        for fmt in ("mp4", "gif"):
            for frames in (150, 600):
                m = memory(fmt, frames)
                extra = f", ffmpeg peak {m['ffmpeg_peak']:.0f} MB" if fmt == "mp4" else ""
                print(f"  {fmt.upper():4} {frames:4d} frames: +{m['peak'] - m['before']:5.1f} MB{extra}")

    print("\n(3) interactive HTML page, same race")
    from optviz.export.html import html_bytes
    from optviz.views.player import ASSETS

    code = sum(len((ASSETS / name).read_bytes()) for name in ("player.js", "player.css"))
    for label, opts in (("whole paths", ExportOptions()), ("trail 30", ExportOptions(trail=30))):
        t0 = time.perf_counter()
        page = html_bytes(race, opts)
        print(
            f"  {label:12} {time.perf_counter() - t0:5.2f} s  {len(page) / 1e6:.3f} MB"
            f" (the player's code {code / 1e6:.3f} MB, the rest the race's data)"
        )


if __name__ == "__main__":
    main()
