"""`streamlit run app.py` on 127.0.0.1 as a child process, with what a load test reads from it.

The server runs with the project's `.streamlit/config.toml` (the settings it ships for a class); only
the address and port are given on the command line. Its CPU time and memory are read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log_file: Any

    def log(self) -> str:
        """Everything the server has printed so far."""
        self.log_file.flush()
        self.log_file.seek(0)
        return self.log_file.read()

    def alive(self) -> bool:
        return Path(f"/proc/{self.pid}").exists() and healthy(self.url)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and the children it has waited for (ffmpeg)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / _TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident since start) in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


@contextlib.contextmanager
def serve(
    app: str = "app.py",
    port: int | None = None,
    timeout: float = 120.0,
    options: dict[str, Any] | None = None,
    preload: bool = False,
) -> Iterator[Server]:
    """`streamlit run app` from the repository root; yields the server and stops it afterwards.

    `options` override config settings for this server, e.g. {"server.disconnectedSessionTTL": 5}.
    `preload` starts it as `python -m optviz serve` (the app loaded before it listens; `app` unused).
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    launcher = ["-m", "optviz", "serve"] if preload else ["-m", "streamlit", "run", app]
    command = [
        sys.executable, *launcher,
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
    ]  # fmt: skip
    for name, value in (options or {}).items():
        command += [f"--{name}", str(value)]
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()
        )
        server = Server(url, process.pid, log)
        try:
            deadline = time.monotonic() + timeout
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start on {url}:\n{server.log()[-4000:]}")
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
