"""The kernel cache: where it lives, and that a stale kernel can never be loaded."""

from __future__ import annotations

import numpy as np

import optviz
from optviz.engine import jit


def test_cache_dir_is_named_after_the_jitted_sources(tmp_path):
    # Editing a surface or a rule must change the folder, so an old kernel is never reused.
    name = f"numba-{jit._source_hash()}"
    assert jit._choose_cache_dir().name == name
    original = jit._JITTED_SOURCES
    copy = tmp_path / "functions.py"
    copy.write_text(original[-1].read_text() + "\n# changed\n")
    try:
        jit._JITTED_SOURCES = (*original[:-1], copy)
        assert jit._source_hash() != name.removeprefix("numba-")
    finally:
        jit._JITTED_SOURCES = original


def test_falls_back_to_a_writable_folder_when_the_package_is_read_only(monkeypatch, tmp_path):
    package_cache = jit._PACKAGE_DIR / "__pycache__"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(jit, "_writable", lambda folder: not str(folder).startswith(str(package_cache)))
    chosen = jit._choose_cache_dir()
    assert chosen is not None and str(chosen).startswith(str(tmp_path))


def test_no_writable_folder_means_no_cache_rather_than_an_import_error(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(jit, "_writable", lambda folder: False)
    monkeypatch.setitem(jit.JIT_OPTIONS, "cache", True)
    assert jit.configure_cache() is None
    assert jit.JIT_OPTIONS["cache"] is False


def test_a_users_numba_cache_dir_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert jit.configure_cache() == str(tmp_path)


def test_evaluate_keeps_the_shape_of_its_inputs():
    f, gx, gy = optviz.evaluate("beale", 3.0, 0.5)
    assert f.shape == gx.shape == gy.shape == ()
    assert f == 0.0
    grid = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    assert optviz.evaluate("rosenbrock", *grid)[0].shape == (4, 5)
