"""The limits that protect a server and the configuration the project ships are what README.md says."""

from __future__ import annotations

import importlib
import pkgutil
import re
import tomllib
from pathlib import Path

from optviz import limits

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = ROOT / ".streamlit" / "config.toml"
NGINX_SITE = ROOT / "deploy" / "nginx-optviz.conf"


def test_readme_lists_every_limit_as_the_code_has_it():
    assert limits.markdown_table() in README


def test_readme_shows_the_shipped_configuration():
    assert CONFIG.read_text(encoding="utf-8").strip() in README


def test_readme_shows_the_shipped_nginx_site_and_no_other_nginx_configuration():
    # tests/browser/test_deploy_browser.py runs the file; README must show that file, not a copy.
    blocks = re.findall(r"```nginx\n(.*?)```", README, flags=re.DOTALL)
    assert blocks == [NGINX_SITE.read_text(encoding="utf-8")]


def test_readme_starts_the_replicas_the_nginx_site_expects():
    site = NGINX_SITE.read_text(encoding="utf-8")
    replicas = (ROOT / "deploy" / "replicas.sh").read_text(encoding="utf-8")
    ports = re.findall(r"server 127\.0\.0\.1:(\d+)", site)
    assert "bash deploy/replicas.sh " + " ".join(ports) in README
    assert f"default: {' '.join(ports)}" in replicas and f"ports=({' '.join(ports)})" in replicas
    assert "location /optviz/ {" in site and "base=${OPTVIZ_BASE_PATH:-optviz}" in replicas
    assert "/optviz/_stcore/health" in README


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
