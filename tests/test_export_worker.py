"""Exports made in a worker process give the same bytes as in-process ones, a bounded number at a time."""

from __future__ import annotations

import threading

import pytest

from optviz.export import ExportOptions, export_bytes, export_in_worker, worker
from optviz.racing import run_race
from optviz.settings import RaceSettings


@pytest.fixture(scope="module")
def race():
    return run_race(RaceSettings(steps=20))


@pytest.mark.parametrize("fmt", ["csv", "json", "png", "gif"])
def test_the_worker_makes_the_same_file(race, fmt):
    options = ExportOptions(fps=10)
    seen: list[tuple[int, int]] = []
    data = export_in_worker(race, fmt, options, progress=lambda done, total: seen.append((done, total)))
    assert data == export_bytes(race, fmt, options)
    assert seen and seen[-1][0] == seen[-1][1]  # progress arrived, up to done


def test_options_the_exporter_refuses_raise_value_error_with_its_reason(race):
    with pytest.raises(ValueError, match="step must be within"):
        export_in_worker(race, "png", ExportOptions(step=10**6))


def test_a_caller_that_stops_stops_its_worker(race):
    class StopError(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise StopError

    with pytest.raises(StopError):
        export_in_worker(race, "gif", ExportOptions(fps=10), progress=stop)
    # The slot is free again: another export runs at once.
    assert export_in_worker(race, "csv", ExportOptions())


def test_exports_beyond_the_slots_wait_their_turn(race, monkeypatch):
    monkeypatch.setattr(worker, "_slots", threading.BoundedSemaphore(1))
    worker._slots.acquire()  # the one slot is taken
    waited = threading.Event()
    result: list[bytes] = []

    def waiting() -> None:
        waited.set()

    thread = threading.Thread(
        target=lambda: result.append(export_in_worker(race, "csv", ExportOptions(), waiting=waiting))
    )
    thread.start()
    assert waited.wait(30)
    assert not result  # still waiting for the slot
    worker._slots.release()
    thread.join(60)
    assert result and result[0] == export_bytes(race, "csv", ExportOptions())


@pytest.mark.parametrize(("text", "message"), [("0", "at least 1"), ("two", "whole number")])
def test_the_slot_count_from_the_environment_is_checked(monkeypatch, text, message):
    monkeypatch.setenv("OPTVIZ_EXPORT_SLOTS", text)
    with pytest.raises(ValueError, match=message):
        worker._slots_from_environment()
    monkeypatch.setenv("OPTVIZ_EXPORT_SLOTS", "3")
    assert worker._slots_from_environment() == 3
