"""The slow-client drill: gunicorn behind the project's nginx config (deploy/nginx/).

Found from outside: two clients that each sent a sign-in POST with ``Content-Length: 100000``,
one byte every few seconds, held both of gunicorn's sync workers, and ``/healthz`` waited 31 s.
Here real gunicorn (the repo's gunicorn.conf.py, sized down to one worker with two threads so a
few slow clients are enough) and Debian's real nginx (the repo's template, filled in as the
official image's entrypoint does) are started; slow clients trickle POSTs, and ``/healthz``
must still answer through nginx in under a second, while gunicorn on its own is shown to stall.
docker-compose.yml must publish only the proxy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "fieldbook.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_CLIENTS = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def get(port: int, path: str, timeout: float) -> tuple[int, dict[str, str], float]:
    """A plain HTTP/1.0 GET: (status, headers, seconds taken). Raises on a timeout."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout) as s:
        s.settimeout(timeout)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
    return int(head[0].split()[1]), headers, time.monotonic() - started


class SlowClients:
    """Clients that each start a sign-in POST of 100,000 bytes and send one byte a second."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.sockets: list[socket.socket] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        for _ in range(self.count):
            s = socket.create_connection(("127.0.0.1", self.port), 5)
            s.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 100000\r\n\r\nusername=")
            self.sockets.append(s)
        self.thread.start()
        time.sleep(1.0)  # every request has reached whoever reads it
        return self

    def _trickle(self) -> None:
        while not self.done.wait(1.0):
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.send(b"a")

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(5)
        for s in self.sockets:
            s.close()


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    keys = subprocess.run([sys.executable, "-m", "fieldbook.sealing"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fieldbook.settings",
        "DEBUG": "false",
        "SECRET_KEY": "drill-" + "x" * 60,
        "FIELDBOOK_NOTES_KEYS": keys,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'drill.sqlite3'}",
        "FIELDBOOK_PROXY_COUNT": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
         "fieldbook.wsgi"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "gunicorn")
        assert get(port, "/healthz", 10)[0] == 200
        yield port
    finally:
        stop(process)


@pytest.fixture
def nginx(gunicorn: int, tmp_path: Path) -> Iterator[int]:
    assert Path(NGINX).exists(), (
        "nginx is not installed: `apt-get install nginx` (.ci/run installs it)")
    port = free_port()
    static = tmp_path / "static"
    static.mkdir()
    (static / "fieldbook.0123abcd.css").write_text("body { color: #212b32; }\n")
    site = TEMPLATE.read_text()
    for name, value in {"FIELDBOOK_UPSTREAM": f"127.0.0.1:{gunicorn}",
                        "FIELDBOOK_LISTEN": f"127.0.0.1:{port}",
                        "FIELDBOOK_STATIC_ROOT": str(static)}.items():
        site = site.replace("${" + name + "}", value)
    assert "${" not in site, "the template uses a variable the drill does not fill in"
    (tmp_path / "fieldbook.conf").write_text(site)
    # nginx's worker runs as root only inside this throw-away prefix (root's CI machine); as
    # any other user it runs as that user.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {kind}_temp_path {tmp_path / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {tmp_path / 'nginx.pid'};
error_log {tmp_path / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
{temp}
  include /etc/nginx/mime.types;
  include {tmp_path / 'fieldbook.conf'};
}}
""")
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "nginx")
        yield port
    finally:
        stop(process)


def test_slow_clients_do_not_stop_the_site_behind_the_proxy(gunicorn: int, nginx: int) -> None:
    # Without the proxy, a few trickling POSTs hold every gunicorn thread: /healthz stalls.
    with SlowClients(gunicorn, SLOW_CLIENTS), pytest.raises(TimeoutError):
        get(gunicorn, "/healthz", 2.0)
    # Through nginx, the same clients are held by nginx; gunicorn answers at once, every time.
    with SlowClients(nginx, SLOW_CLIENTS):
        times = []
        for _ in range(3):
            status, _, seconds = get(nginx, "/healthz", 5.0)
            assert status == 200
            times.append(seconds)
            time.sleep(0.5)
    assert max(times) < 1.0, times


def test_the_proxy_limits_bodies_and_serves_static_files(nginx: int) -> None:
    with socket.create_connection(("127.0.0.1", nginx), 5) as s:
        s.sendall(b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Length: 5000000\r\nConnection: close\r\n\r\n")
        s.settimeout(5)
        assert s.recv(100).split(b" ")[1] == b"413"
    status, headers, _ = get(nginx, "/static/fieldbook.0123abcd.css", 5)
    assert status == 200
    assert "immutable" in headers["cache-control"]
    assert "server" not in headers or "/" not in headers["server"]  # no nginx version


def test_compose_publishes_only_the_proxy() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    published = sorted(name for name, service in services.items() if service.get("ports"))
    assert published == ["proxy"]
    assert services["proxy"]["image"].startswith("nginx:")
    assert any(str(TEMPLATE.relative_to(ROOT)) in volume
               for volume in services["proxy"]["volumes"])
    assert services["web"]["environment"]["FIELDBOOK_PROXY_COUNT"] == "${FIELDBOOK_PROXY_COUNT:-1}"
