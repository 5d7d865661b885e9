"""The limits that protect a server and the configuration the project ships are what README.md says."""

from __future__ import annotations

import importlib
import pkgutil
import tomllib
from pathlib import Path

from optviz import limits

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = ROOT / ".streamlit" / "config.toml"


def test_readme_lists_every_limit_as_the_code_has_it():
    assert limits.markdown_table() in README


def test_readme_shows_the_shipped_configuration():
    assert CONFIG.read_text(encoding="utf-8").strip() in README


def test_the_shipped_configuration_serves_a_class():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["headless"] is True
    assert config["server"]["fileWatcherType"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert config["runner"]["postScriptGC"] is False


def test_every_app_cache_is_bounded_in_entries_and_time():
    import inspect

    import optviz.app

    modules = [
        importlib.import_module(f"optviz.app.{m.name}") for m in pkgutil.iter_modules(optviz.app.__path__)
    ]
    for module in modules:
        source = inspect.getsource(module)
        for line in source.splitlines():
            if "@st.cache_data" in line or "@st.cache_resource" in line:
                assert "max_entries=" in line and "ttl=" in line, line
