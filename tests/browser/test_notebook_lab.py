"""The race player in JupyterLab: a real `jupyter lab` server on 127.0.0.1 with a token, a notebook
run in Chromium, the player drawn by the widget (the same race as in Python), played, and a click on
its map answered by the kernel with the race from there.

Measured on a 2-core machine shared with other work: the server answers ~5 s after it starts,
JupyterLab's page has connected to the kernel 10-15 s later, and the cell's player appears 2-4 s
after it is run. The whole test (Chromium, server, notebook, playing, a click) took 18.5 s on a
quiet machine and 49-52 s under a load of 6.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import optviz
from loadtest.server import free_port
from optviz.views.player import payload
from tests.browser.harness import PLAYER, click_map, state

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CODE = 'import optviz\noptviz.race(["adam", "momentum"], "beale", steps=60)'
NOTEBOOK = "race.ipynb"


class Lab:
    def __init__(self, url: str, token: str, log: Path) -> None:
        self.url, self.token, self.log = url, token, log

    def api(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None


@contextlib.contextmanager
def jupyter_lab(folder: Path, timeout: float = 120.0) -> Iterator[Lab]:
    """`jupyter lab` serving `folder`, with its settings, workspaces and runtime files in `folder`
    too (nothing of the user's is read or written); stopped, with its kernels, afterwards."""
    port, token = free_port(), secrets.token_hex(16)
    settings = folder / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news or update checks: nothing on the page asks the network or covers the notebook.
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # the kernel imports this checkout's optviz
        "JUPYTER_CONFIG_DIR": str(folder / ".config"),
        "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")  # a CI container runs as root
    log = folder / ".lab.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError):
                lab.api("GET", "/api/status")
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"jupyter lab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield lab
    finally:
        with contextlib.suppress(OSError):
            lab.api("POST", "/api/shutdown")  # stops its kernels too
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CODE)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(nb, tmp_path / NOTEBOOK)
    with jupyter_lab(tmp_path) as server:
        # The notebook's kernel is started here, so the page attaches to it and asks nothing.
        server.api(
            "POST", "/api/sessions", {"path": NOTEBOOK, "type": "notebook", "kernel": {"name": "python3"}}
        )
        yield server


def test_the_player_plays_in_jupyterlab(lab: Lab, page: Any) -> None:
    expected = optviz.race(["adam", "momentum"], "beale", steps=60)
    revision = payload(expected.race, expected.settings.view)["rev"]

    page.set_default_timeout(120_000)
    page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}")
    cell = page.locator(".jp-Notebook .jp-Cell").first
    cell.locator(".cm-content").wait_for()
    # Connected to the kernel: the status bar names it, idle (before that it says "No Kernel").
    page.wait_for_function(
        "() => document.querySelector('.jp-StatusBar-Widget')?.innerText.includes('(ipykernel) | Idle')"
    )
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    if dialog.count():  # a kernel chooser, should JupyterLab ask anyway: take the notebook's own
        dialog.click()
    cell.locator(".jp-InputPrompt").click()  # the cell selected, in command mode
    page.keyboard.press("Control+Enter")  # run it, in place

    root = page.locator(PLAYER)
    root.and_(page.locator("[data-revision]")).wait_for(state="attached")
    s = state(page)
    assert s["revision"] == revision  # the race Python made, drawn
    assert root.count() == 1
    assert s["steps"] == 60 and s["step"] == 60  # a new race shows its whole paths
    first = [float(v) for r in expected.runners for v in r.xy[0]]
    assert [v for point in s["first"] for v in point] == pytest.approx(first, abs=1e-6)
    # The player's stylesheet (the widget's _css) is on the page.
    assert (
        page.locator('[data-testid="optviz-play"]').evaluate("b => getComputedStyle(b.parentElement).display")
        == "flex"
    )

    page.locator('[data-testid="optviz-play"]').click()
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-testid=\"optviz-player\"]');"
        " return r.dataset.playing === 'true' && Number(r.dataset.step) > 0; }",
        timeout=30_000,
    )
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-testid=\"optviz-player\"]');"
        " return r.dataset.playing === 'false' && Number(r.dataset.step) === 60; }",
        timeout=60_000,
    )
    assert state(page)["frames"] > 1

    # A click on the map goes to the kernel, which sends back the race from that point.
    x, y = click_map(page, 0.75, 0.7)
    page.wait_for_function(
        "(rev) => { const r = document.querySelector('[data-testid=\"optviz-player\"]');"
        " return r.dataset.revision !== rev; }",
        arg=revision,
        timeout=60_000,
    )
    s = state(page)
    for px, py in s["first"]:
        assert px == pytest.approx(x, abs=0.05) and py == pytest.approx(y, abs=0.05)
    assert page.locator('[data-testid="optviz-notice"]').is_hidden()
