"""Exports: every format decodes back to what was asked (frame count, size, codec, rows, trajectories),
the page loads nothing from the network, blitted frames equal fully drawn ones, options are checked, and
the bytes are the same however they are asked for."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from optviz.export import (
    CSV_COLUMNS,
    FORMATS,
    MAX_FRAMES,
    ExportOptions,
    export_bytes,
    format_from_path,
    frame_count,
    load_json,
    suggested_filename,
    write_export,
)
from optviz.export import html as html_export
from optviz.export.options import AUTO_MAX_DURATION_S, frame_steps
from optviz.export.render import Renderer
from optviz.racing import run_race
from optviz.settings import Competitor, RaceSettings, View
from optviz.views import figures, player

STEPS = 24
SHORT = ExportOptions(duration=0.8, fps=10)  # 8 frames: enough to test, quick to encode


@pytest.fixture(scope="module")
def race():
    # Batch GD with this eta leaves Beale's map and diverges at step 4: the end mark is drawn too.
    config = RaceSettings.on(
        "beale",
        steps=STEPS,
        competitors=(
            Competitor("adam", lr=0.05),
            Competitor("momentum", lr=0.001),
            Competitor("batch_gd", lr=0.05),
        ),
    )
    result = run_race(config)
    assert result.runners[2].trajectory.diverged_at is not None
    return result


# ------------------------------------------------------------------------------------ animations


def test_gif_decodes_to_the_expected_frames(race):
    data = export_bytes(race, "gif", SHORT)
    frames = iio.imread(data, index=None, extension=".gif")
    assert frames.shape == (frame_count(race, SHORT), 720, 1280, 3) == (8, 720, 1280, 3)
    assert b"NETSCAPE2.0" in data  # loops
    with Image.open(io.BytesIO(data)) as gif:
        delays = []
        for i in range(gif.n_frames):
            gif.seek(i)
            delays.append(gif.info["duration"])
    # 10 fps, with a pause on the last frame before the loop starts again.
    assert delays[:-1] == [100] * 7 and delays[-1] > 100


def test_gif_frames_show_what_the_renderer_draws(race):
    # Later frames store only what changed over a transparent background: decoded, each one must
    # still be the whole picture.
    data = export_bytes(race, "gif", SHORT)
    decoded = iio.imread(data, index=None, extension=".gif").astype(np.int16)
    renderer = Renderer(race, SHORT)
    for i, step in enumerate(frame_steps(SHORT, STEPS)):
        drawn = renderer.rgb(int(step), i / SHORT.fps).astype(np.int16)
        assert np.abs(decoded[i] - drawn).mean() < 2.0, f"frame {i}"


def _mp4_meta(data: bytes, tmp_path) -> tuple[dict, int]:
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    count = sum(1 for _ in reader)
    return meta, count


def test_mp4_is_h264_yuv420p_with_the_expected_frames(race, tmp_path):
    data = export_bytes(race, "mp4", SHORT)
    meta, count = _mp4_meta(data, tmp_path)
    assert meta["codec"] == "h264"
    assert meta["pix_fmt"].startswith("yuv420p")
    assert meta["size"] == (1280, 720)
    assert meta["fps"] == 10
    assert count == frame_count(race, SHORT) == 8
    assert iio.imread(data, index=None, extension=".mp4").shape == (8, 720, 1280, 3)


def test_mp4_at_1080p_keeps_its_size_and_steps_per_frame_set_the_count(race, tmp_path):
    options = ExportOptions(resolution="1080p", steps_per_frame=10)
    meta, count = _mp4_meta(export_bytes(race, "mp4", options), tmp_path)
    assert meta["size"] == (1920, 1080)  # even, and not rounded up to a multiple of 16
    assert count == 4  # steps 0, 10, 20 and the last, 24


def test_3d_animation_turns_its_camera(race, tmp_path):
    options = ExportOptions(view="3d", duration=3.0, fps=1)
    frames = iio.imread(export_bytes(race, "gif", options), index=None, extension=".gif")
    assert frames.shape == (3, 720, 1280, 3)
    # The side panel changes only where the counter and inset are; the 3-D view turns everywhere.
    left = frames[:, 100:600, 100:700].astype(np.int16)
    assert (np.abs(left[1] - left[0]).sum(axis=-1) > 0).mean() > 0.05


def test_blitted_frames_equal_frames_drawn_from_scratch(race):
    # Drawing only what moves over a saved background must leave nothing behind from earlier frames.
    for view in ("contour", "3d"):
        options = ExportOptions(view=view)
        sequential = Renderer(race, options)
        for step in range(0, STEPS + 1, 3):
            last = sequential.rgb(step, 0.0)
        fresh = Renderer(race, options).rgb(STEPS, 0.0)
        assert np.array_equal(last, fresh), view


def test_frames_are_drawn_at_every_size_and_stay_white_outside_the_plots(race):
    for resolution, size in (("720p", (720, 1280)), ("1080p", (1080, 1920))):
        frame = Renderer(race, ExportOptions(resolution=resolution)).rgb(10)
        assert frame.shape == (*size, 3)
        assert (frame[2, :, :] == 255).all()  # the top row is the white margin


def test_a_diverged_run_is_marked_where_it_left_the_map(race):
    from optviz.export.marks import end_point

    runner = race.runners[2]
    point = end_point(race.surface, runner)
    (x0, x1), (y0, y1) = race.surface.domain
    assert x0 <= point[0] <= x1 and y0 <= point[1] <= y1
    assert min(abs(point[0] - x0), abs(point[0] - x1), abs(point[1] - y0), abs(point[1] - y1)) < 1e-9


# ------------------------------------------------------------------------------------------ HTML


class _Tags(HTMLParser):
    """Every attribute of the page's tags that loads something (src and href), and its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [(tag, v or "") for k, v in attrs if k in ("src", "href")]
        if tag == "script":
            self.scripts.append(dict(attrs))


def _payload_of(page: str) -> dict:
    start = page.index('<script type="application/json" id="optviz-race-data">')
    text = page[page.index(">", start) + 1 : page.index("</script>", start)]
    return json.loads(text)


def test_html_is_the_player_on_the_apps_payload_and_loads_nothing_from_elsewhere(race):
    page = export_bytes(race, "html", ExportOptions()).decode("utf-8")
    tags = _Tags()
    tags.feed(page)
    assert tags.links == []  # no <script src>, <link href>, <img src>: everything is inline
    assert [t.get("type") for t in tags.scripts] == ["application/json", "module"]
    assert "plotly" not in page.lower()
    assert not re.search(r"https?://", page)
    # the player's own bundle and style sheet, as the app serves them
    bundle = (player.ASSETS / "player.js").read_text(encoding="utf-8")
    body = bundle[: html_export._EXPORT.search(bundle).start()]
    assert len(body) > 0.9 * len(bundle) and body in page
    assert (player.ASSETS / "player.css").read_text(encoding="utf-8") in page
    # the app's payload for the race, not a copy made for the page: its views follow the window
    data = _payload_of(page)
    expected = json.loads(
        json.dumps(
            player.payload(race, race.settings.view, clickable=False, height=html_export.HEIGHT, fit=True)
        )
    )
    assert data == expected
    assert data["options"]["fit"] is True and data["options"]["present"] is False
    assert data["clickable"] is False and data["options"]["show3d"] is True


def test_html_shows_the_race_with_its_own_view_settings(race):
    view = View(show_3d=False, show_arrows=True, show_rates=True, trail=5, speed=60)
    shown = replace(race, settings=replace(race.settings, view=view))
    data = _payload_of(export_bytes(shown, "html", ExportOptions(view="3d", fps=10)).decode("utf-8"))
    assert data["options"] == {**data["options"], "show3d": False, "arrows": True, "rates": True}
    assert (data["options"]["trail"], data["options"]["speed"]) == (5, 60)
    assert all("grad" in r for r in data["runners"])


def test_html_text_cannot_close_its_script_early():
    text = html_export._json({"label": "</script><script>alert(1)</script>", "note": "<!-- x"})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"label": "</script><script>alert(1)</script>", "note": "<!-- x"}


def test_the_lectures_race_as_html_weighs_what_its_data_weighs():
    race = run_race(RaceSettings.on("beale", steps=300))
    assert len(race.runners) == 7
    page = export_bytes(race, "html", ExportOptions())
    assert len(page) <= 400_000
    data = len(json.dumps(_payload_of(page.decode("utf-8")), separators=(",", ":")).encode())
    code = len((player.ASSETS / "player.js").read_bytes()) + len((player.ASSETS / "player.css").read_bytes())
    assert len(page) - data - code < 2_000  # the rest is a few lines of page and bootstrap


# ------------------------------------------------------------------------------------------- PNG


@pytest.mark.parametrize(("resolution", "size"), [("720p", (1280, 720)), ("1080p", (1920, 1080))])
def test_png_is_a_png_of_the_asked_size(race, resolution, size):
    data = export_bytes(race, "png", ExportOptions(resolution=resolution, step=5))
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == size


def test_png_shows_the_asked_step(race):
    options = ExportOptions(step=7)
    shown = np.asarray(Image.open(io.BytesIO(export_bytes(race, "png", options))).convert("RGB"))
    assert np.array_equal(shown, Renderer(race, options).rgb(7))
    assert not np.array_equal(shown, Renderer(race, options).rgb(8))
    with pytest.raises(ValueError, match="step"):
        export_bytes(race, "png", ExportOptions(step=STEPS + 1))


# ------------------------------------------------------------------------------------------- CSV


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_csv_has_the_documented_columns_and_a_row_per_optimizer_per_step(race):
    data = export_bytes(race, "csv")
    assert data.decode().splitlines()[0].split(",") == list(CSV_COLUMNS)
    rows = _rows(data)
    assert len(rows) == len(race.runners) * (STEPS + 1)
    for runner in race.runners:
        mine = [r for r in rows if r["label"] == runner.label]
        assert [int(r["step"]) for r in mine] == list(range(STEPS + 1))
        xy = np.array([[float(r["x"]), float(r["y"])] for r in mine])
        assert np.array_equal(xy, runner.trajectory.xy)  # full precision
        assert np.array_equal([float(r["loss"]) for r in mine], runner.trajectory.loss)
        s = runner.trajectory.settings
        assert {r["optimizer"] for r in mine} == {runner.competitor.optimizer}
        assert {float(r["lr"]) for r in mine} == {s.lr}
        assert {(r["surface"], r["steps"], r["seed"]) for r in mine} == {("beale", str(STEPS), "0")}
    d = race.runners[2].trajectory.diverged_at
    flags = [r["diverged"] for r in rows if r["optimizer"] == "batch_gd"]
    assert flags == ["0"] * d + ["1"] * (STEPS + 1 - d)


def test_csv_keeps_to_the_step_range(race):
    rows = _rows(export_bytes(race, "csv", ExportOptions(step_range=(5, 9))))
    assert len(rows) == 3 * 5
    assert {int(r["step"]) for r in rows} == set(range(5, 10))


# ------------------------------------------------------------------------------------------ JSON


def test_json_loads_back_into_identical_trajectories(race):
    data = export_bytes(race, "json")
    document = json.loads(data)
    assert document["format"] == "optviz-race"
    assert [r["label"] for r in document["runners"]] == [r.label for r in race.runners]
    assert document["runners"][0]["x"] == race.runners[0].trajectory.xy[:, 0].tolist()
    config = load_json(data)
    assert config == race.settings
    again = run_race(config)
    for a, b in zip(race.runners, again.runners, strict=True):
        assert np.array_equal(a.trajectory.xy, b.trajectory.xy)
        assert np.array_equal(a.trajectory.loss, b.trajectory.loss)
        assert a.trajectory.diverged_at == b.trajectory.diverged_at


def test_json_round_trips_every_kind_of_setting():
    config = RaceSettings.on(
        "bowl",
        surface_options=(("kappa", 40.0), ("theta", 30.0)),
        start=(-4.5, 1.25),
        steps=15,
        eps_placement="outside",
        n_examples=50,
        spread=0.5,
        seed=7,
        competitors=(Competitor("sgd", lr=0.01, batch_size=5), Competitor("adamw", weight_decay=0.1)),
    )
    race = run_race(config)
    assert load_json(export_bytes(race, "json")) == config
    assert load_json(export_bytes(race, "json").decode("utf-8")) == config


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"format": "something-else"}', "not an optviz race file"),
        ('{"format": "optviz-race", "version": 99, "config": {}}', "version"),
        ('{"format": "optviz-race", "version": 1}', "no 'config'"),
        ('{"surface": "bele", "competitors": [{"optimizer": "adam"}]}', "unknown surface 'bele'"),
        ('{"competitors": [{"optimizer": "adamm"}]}', "unknown optimizer 'adamm'"),
        ('{"competitors": []}', "competitors"),
        ('{"competitors": [{"optimizer": "adam", "lr": "fast"}]}', "lr must be a number"),
        ('{"competitors": [{"optimizer": "adam", "speed": 1}]}', "unknown setting 'speed'"),
        ('{"steps": 2.5, "competitors": [{"optimizer": "adam"}]}', "steps must be a whole number"),
        ('{"start": [1], "competitors": [{"optimizer": "adam"}]}', "start must be"),
        ('{"colour": 1, "competitors": [{"optimizer": "adam"}]}', "unknown key 'colour'"),
    ],
)
def test_load_json_refuses_anything_else_with_a_reason(text, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        load_json(text)


# --------------------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"view": "2d"}, "view"),
        ({"fps": 0}, "fps"),
        ({"fps": 61}, "fps"),
        ({"fps": 2.5}, "fps"),
        ({"fps": True}, "fps"),
        ({"duration": 0}, "duration"),
        ({"duration": 1000.0}, "duration"),
        ({"duration": float("nan")}, "duration"),
        ({"duration": "5"}, "duration"),
        ({"steps_per_frame": 0}, "steps_per_frame"),
        ({"duration": 5.0, "steps_per_frame": 2}, "not both"),
        ({"resolution": "4k"}, "resolution"),
        ({"trail": 0}, "trail"),
        ({"legend": "yes"}, "legend"),
        ({"step_counter": 1}, "step_counter"),
        ({"loss_inset": None}, "loss_inset"),
        ({"step_range": (5, 5)}, "step_range"),
        ({"step_range": (-1, 5)}, "step_range"),
        ({"step_range": 5}, "step_range"),
        ({"step": -1}, "step"),
    ],
)
def test_bad_options_name_the_option(kwargs, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        ExportOptions(**kwargs)


def test_options_are_frozen():
    with pytest.raises(AttributeError):
        ExportOptions().fps = 10  # type: ignore[misc]


def test_options_that_do_not_fit_the_race_are_refused_before_any_work(race):
    with pytest.raises(ValueError, match="beyond the race's 24 steps"):
        export_bytes(race, "mp4", ExportOptions(step_range=(0, 25)))
    long_race = run_race(replace(race.settings, steps=5000))
    with pytest.raises(ValueError, match=str(MAX_FRAMES)):
        export_bytes(long_race, "gif", ExportOptions(steps_per_frame=1))
    with pytest.raises(ValueError, match="fps"):
        export_bytes(race, "gif", ExportOptions(fps=60))
    with pytest.raises(ValueError, match="unknown format"):
        export_bytes(race, "avi")


def test_frame_schedule():
    assert list(frame_steps(ExportOptions(), 10)) == list(range(11))
    assert list(frame_steps(ExportOptions(steps_per_frame=4), 10)) == [0, 4, 8, 10]
    timed = frame_steps(ExportOptions(duration=2.0, fps=5, step_range=(10, 30)), 100)
    assert len(timed) == 10 and timed[0] == 10 and timed[-1] == 30 and (np.diff(timed) >= 0).all()
    # A long race with neither a duration nor steps per frame is sped up to a watchable length.
    auto = frame_steps(ExportOptions(fps=30), 2000)
    assert len(auto) == AUTO_MAX_DURATION_S * 30 and auto[-1] == 2000


# ----------------------------------------------------------------------------- the same bytes


def test_a_file_holds_the_same_bytes_as_the_download(race, tmp_path):
    for fmt in FORMATS:
        options = SHORT if fmt in ("gif", "mp4") else ExportOptions()
        path = tmp_path / suggested_filename(race, fmt, options)
        write_export(race, fmt, path, options)
        assert path.read_bytes() == export_bytes(race, fmt, options), fmt
        assert format_from_path(path) == fmt
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no leftovers


def test_a_failed_export_leaves_no_file(race, tmp_path):
    def cancel(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    for fmt in ("gif", "mp4"):
        target = tmp_path / f"clip.{fmt}"
        with pytest.raises(KeyboardInterrupt):
            write_export(race, fmt, target, SHORT, cancel)
        assert list(tmp_path.iterdir()) == []


def test_progress_is_reported_frame_by_frame(race):
    for fmt, total in (("gif", 8), ("mp4", 8), ("html", 1), ("csv", 1), ("png", 1)):
        calls: list[tuple[int, int]] = []
        options = SHORT if fmt != "html" else ExportOptions()
        export_bytes(race, fmt, options, lambda d, t, calls=calls: calls.append((d, t)))
        assert calls[-1] == (total, total), fmt
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_suggested_file_names(race):
    assert suggested_filename(race, "mp4") == "beale-adam-momentum-batch_gd-24-steps.mp4"
    assert suggested_filename(race, "png", ExportOptions(view="3d", step=3)).endswith("-3d-step-3.png")
    with pytest.raises(ValueError, match="extensions"):
        format_from_path("race.avi")


def test_frames_use_the_apps_colours(race):
    frame = Renderer(race, ExportOptions()).rgb(STEPS)
    colors = {
        tuple(int(c[i : i + 2], 16) for i in (1, 3, 5))
        for c in figures.color_scale(race.surface).band_colors()
    }
    pixels = {tuple(p) for p in frame[::7, ::7].reshape(-1, 3)}
    assert len(colors & pixels) >= len(colors) // 2  # the map's bands, in the app's colours
    for runner in race.runners:
        rgb = np.array([int(runner.color[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(frame.astype(int) - rgb).sum(axis=-1) == 0).any(), runner.label
