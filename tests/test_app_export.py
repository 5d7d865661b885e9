"""The app's Export section: the file it offers is byte for byte what the library makes for the same
race and options, a rerun does not rebuild it, and options that are not allowed give a message."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from optviz.app.export_panel import EXPORT, EXPORT_BOX, Prepared
from optviz.app.serve import SCRIPT
from optviz.export import ExportOptions, export_bytes, suggested_filename
from optviz.racing import Race, run_race

APP = str(SCRIPT)  # the page (app.py serves it with the live route)
TIMEOUT = 300
# A short race of three competitors keeps the animated exports quick.
QUERY = {"steps": "12", "c1": "adam", "c2": "momentum", "c3": "rmsprop"}


class RecordingStorage(MemoryMediaFileStorage):
    """The test run's media storage, kept so a download button's file can be read back."""

    made: ClassVar[list[RecordingStorage]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingStorage.made.append(self)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(QUERY)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("download_button") and "export.format" not in {w.key for w in at.selectbox}
    at.session_state[EXPORT_BOX] = True  # a closed box shows none of its widgets
    return at.run()


def race_of(at: AppTest) -> Race:
    return run_race(at.session_state["settings"])


def downloaded(at: AppTest) -> bytes:
    """The bytes behind the download button, read from the run's media storage by its URL."""
    button = at.get("download_button")[0]
    name = button.proto.url.rsplit("/", 1)[-1]
    return RecordingStorage.made[-1].get_file(name).content


def prepare(at: AppTest, fmt: str) -> AppTest:
    at.selectbox(key="export.format").set_value(fmt).run()
    at.button(key="export.prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("fmt", ["csv", "json", "png", "gif", "html"])
def test_the_download_is_the_librarys_export(app: AppTest, fmt: str):
    prepare(app, fmt)
    race = race_of(app)
    expected = export_bytes(race, fmt, ExportOptions())
    prepared = app.session_state[EXPORT]
    assert isinstance(prepared, Prepared)
    assert prepared.data == expected
    assert downloaded(app) == expected
    assert prepared.filename == suggested_filename(race, fmt, ExportOptions())
    assert app.get("download_button")[0].label == f"Download {prepared.filename}"


def test_options_reach_the_export(app: AppTest):
    app.selectbox(key="export.format").set_value("png").run()
    app.radio(key="export.view").set_value("3d").run()
    app.number_input(key="export.step").set_value(5).run()
    app.checkbox(key="export.legend").uncheck().run()
    app.number_input(key="export.trail").set_value(4).run()
    prepare(app, "png")
    options = ExportOptions(view="3d", step=5, legend=False, trail=4)
    assert app.session_state[EXPORT].data == export_bytes(race_of(app), "png", options)


def test_a_rerun_offers_the_same_file_without_rebuilding_it(app: AppTest):
    prepare(app, "csv")
    first = app.session_state[EXPORT]
    app.run()
    assert app.session_state[EXPORT] is first
    assert len(app.get("download_button")) == 1


def test_a_changed_race_asks_for_a_new_file(app: AppTest):
    prepare(app, "csv")
    app.slider(key="w.steps").set_value(8).run()
    assert not app.get("download_button")
    assert any("prepare it again" in c.value for c in app.caption)
    prepare(app, "csv")
    assert app.session_state[EXPORT].data == export_bytes(race_of(app), "csv", ExportOptions())


def test_options_that_are_not_allowed_give_a_message(app: AppTest):
    app.selectbox(key="export.format").set_value("png").run()
    app.number_input(key="export.step").set_value(50).run()  # the race has 12 steps
    assert any("step must be within" in e.value for e in app.error)
    # No Prepare button while the options are refused.
    assert not [b for b in app.button if b.key == "export.prepare"]
    app.number_input(key="export.step").set_value(None).run()
    app.selectbox(key="export.format").set_value("gif").run()
    app.number_input(key="export.duration").set_value(120.0).run()
    app.number_input(key="export.fps").set_value(60).run()  # 7200 frames: over the cap
    assert any("frames" in e.value for e in app.error)
    assert not app.exception


def test_closing_the_box_keeps_the_options_and_the_file(app: AppTest):
    app.radio(key="export.view").set_value("3d").run()
    app.number_input(key="export.fps").set_value(12).run()
    app.checkbox(key="export.inset").uncheck().run()
    prepare(app, "gif")
    app.session_state[EXPORT_BOX] = False
    app.run()
    assert not app.exception and "export.fps" not in {w.key for w in app.number_input}
    app.slider(key="w.steps").set_value(13).run()  # a rerun with the box closed
    app.slider(key="w.steps").set_value(12).run()
    app.session_state[EXPORT_BOX] = True
    app.run()
    assert not app.exception and not app.warning
    assert app.selectbox(key="export.format").value == "gif"
    assert app.radio(key="export.view").value == "3d"
    assert app.number_input(key="export.fps").value == 12
    assert app.checkbox(key="export.inset").value is False
    assert len(app.get("download_button")) == 1  # the file made before is still offered
