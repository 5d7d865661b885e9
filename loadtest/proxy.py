"""The shipped nginx site (`deploy/nginx-optviz.conf`) run by Debian's nginx on 127.0.0.1, as a child
process, in front of replicas that serve the app under `/optviz/`.

The site is used as it is except for its port numbers (`site`): `listen 80;` becomes
`listen 127.0.0.1:PORT;` and the upstream's `server 127.0.0.1:...` lines become one line per replica,
each with the first line's parameters. Everything else (affinity, websocket, timeouts, gzip) is the
file's own text. nginx runs in the foreground (root is not needed), from a temporary folder with its
pid file, logs and temporary files, with a minimal main configuration (`MAIN`) that includes the
site in its http block, as Debian's /etc/nginx/nginx.conf includes conf.d/*.conf.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtest.server import ROOT, free_port, healthy

NGINX = "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx-optviz.conf"
BASE_PATH = "optviz"  # the site's location and the replicas' --server.baseUrlPath
REPLICAS = ROOT / "deploy" / "replicas.sh"

MAIN = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/nginx-optviz.conf;
}}
"""

_LISTEN = re.compile(r"^(\s*)listen 80;$", re.MULTILINE)
_SERVER = r"server 127\.0\.0\.1:\d+"
# The upstream's run of server lines; groups: the first line's indent and its parameters.
_SERVERS = re.compile(rf"^(\s*){_SERVER}((?: [^;\n]*)?);\n(?:\s*{_SERVER}[^;\n]*;\n)*", re.MULTILINE)
_PID = re.compile(r"^replica (\d+): pid (\d+)$", re.MULTILINE)  # what deploy/replicas.sh prints


def nginx_available() -> bool:
    return Path(NGINX).exists()


def site(listen: int, replicas: list[int]) -> str:
    """The shipped site with nginx listening on 127.0.0.1:`listen` and one upstream server per port in
    `replicas`; fails if the file no longer has exactly one `listen 80;` and one run of
    `server 127.0.0.1:PORT ...;` lines."""
    text = SITE.read_text(encoding="utf-8")
    if len(_LISTEN.findall(text)) != 1 or len(_SERVERS.findall(text)) != 1:
        raise ValueError(f"{SITE} needs exactly one `listen 80;` and one run of upstream server lines")
    text = _LISTEN.sub(lambda m: f"{m[1]}listen 127.0.0.1:{listen};", text)

    def servers(m: re.Match) -> str:
        return "".join(f"{m[1]}server 127.0.0.1:{port}{m[2]};\n" for port in replicas)

    return _SERVERS.sub(servers, text)


@dataclass(frozen=True)
class Proxy:
    url: str  # the app's address through nginx, e.g. http://127.0.0.1:PORT/optviz (no trailing slash)
    pid: int  # nginx's master process
    folder: Path

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def pids(self) -> list[int]:
        """The master process and its workers."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        workers = [int(p) for p in children.read_text().split()] if children.exists() else []
        return [self.pid, *workers]


@contextlib.contextmanager
def nginx(replicas: list[int], port: int | None = None, timeout: float = 30.0) -> Iterator[Proxy]:
    """nginx with the shipped site on 127.0.0.1:`port` in front of the replicas on `replicas` (each
    serving under /optviz/); waits until the app's health check answers through it."""
    if not nginx_available():
        raise FileNotFoundError(f"{NGINX} is missing (apt-get install nginx)")
    port = port or free_port()
    folder = Path(tempfile.mkdtemp(prefix="optviz-nginx-"))
    # Run as root, nginx's workers are `nobody`: they must reach the temporary files' folders.
    folder.chmod(0o755)
    (folder / "nginx-optviz.conf").write_text(site(port, replicas), encoding="utf-8")
    (folder / "nginx.conf").write_text(MAIN.format(dir=folder), encoding="utf-8")
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    proxy = Proxy(f"http://127.0.0.1:{port}/{BASE_PATH}", process.pid, folder)
    try:
        deadline = time.monotonic() + timeout
        while not healthy(proxy.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not serve {proxy.url}:\n{proxy.error_log()[-4000:]}")
            time.sleep(0.1)
        yield proxy
    finally:
        process.terminate()  # nginx's fast shutdown: open websockets are closed
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@dataclass(frozen=True)
class Replicas:
    """The replicas `deploy/replicas.sh` started, by port."""

    pids: dict[int, int]  # port -> the replica's process id
    log_file: Any

    @property
    def ports(self) -> list[int]:
        return list(self.pids)

    @staticmethod
    def url(port: int) -> str:
        return f"http://127.0.0.1:{port}/{BASE_PATH}"

    def log(self) -> str:
        """Everything the script and its replicas have printed so far."""
        self.log_file.flush()
        self.log_file.seek(0)
        return self.log_file.read()

    def stop(self, port: int, timeout: float = 30.0) -> None:
        """Stops one replica as `kill` would (SIGTERM) and waits until the script reports it gone."""
        os.kill(self.pids[port], signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while f"replica {port}: exited" not in self.log():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica on port {port} did not stop:\n{self.log()[-4000:]}")
            time.sleep(0.1)


@contextlib.contextmanager
def replicas(ports: list[int] | None = None, count: int = 2, timeout: float = 300.0) -> Iterator[Replicas]:
    """`bash deploy/replicas.sh PORT...` (this interpreter runs the replicas); waits for each replica's
    health check, yields them and stops them all afterwards."""
    ports = ports or free_ports(count)
    env = {**os.environ, "PYTHON": sys.executable}
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            ["bash", str(REPLICAS), *map(str, ports)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
        started = Replicas({}, log)
        try:
            deadline = time.monotonic() + timeout
            for port in ports:
                while not healthy(Replicas.url(port)):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"replica {port} did not start:\n{started.log()[-4000:]}")
                    time.sleep(0.2)
            pids = {int(port): int(pid) for port, pid in _PID.findall(started.log())}
            yield Replicas({port: pids[port] for port in ports}, log)
        finally:
            process.terminate()  # the script stops its replicas
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group this call started
                process.wait()
