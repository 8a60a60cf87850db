"""The production serving recipe as an attacker meets it: nginx (deploy/nginx.conf) in front
of gunicorn (deploy/gunicorn.conf.py), both started here on loopback, with the real files.

Needs Debian's `nginx` (.ci/run installs it); run with `make test-serving`.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from serving_helpers import NGINX, ROOT, free_port, wait_for_port

SLOW_CLIENTS = 50


class Stack:
    def __init__(self, work: Path):
        self.work = work
        self.app_port, self.proxy_port = free_port(), free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "SECRET_KEY": "serving-test-" + "k" * 50,
            "DEBUG": "0",
            "CACHE_DIR": str(work / "cache"),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_BIND": f"127.0.0.1:{self.app_port}",
            "NUM_PROXIES": "1",
            "API_THROTTLE_RATE": "100000/min",
            "API_ANON_THROTTLE_RATE": "100000/min",
        }
        self.env.pop("REDIS_URL", None)
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self) -> None:
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")  # admin's pages use them
        self.token = self.manage("create_partner", "Serving test").splitlines()[-1]
        self.logs = [open(self.work / name, "w") for name in ("gunicorn.log", "nginx.log")]
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "myproject.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self.logs[0],
            stderr=subprocess.STDOUT,
        )
        self.processes.append(gunicorn)
        wait_for_port(self.app_port, gunicorn)
        temp_paths = "".join(
            f"{kind}_temp_path {self.work / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        config = (
            (ROOT / "deploy" / "nginx.conf")
            .read_text()
            .replace("server app:8000 ", f"server 127.0.0.1:{self.app_port} ")
            .replace("listen 80;", f"listen 127.0.0.1:{self.proxy_port};")
            .replace("pid /tmp/nginx.pid;", f"pid {self.work / 'nginx.pid'};")
            .replace("http {", "http {" + temp_paths, 1)
        )
        assert str(self.app_port) in config and str(self.proxy_port) in config
        (self.work / "nginx.conf").write_text(config)
        nginx = subprocess.Popen(
            [NGINX, "-p", str(self.work), "-c", str(self.work / "nginx.conf"), "-g", "daemon off;"],
            stdout=self.logs[1],
            stderr=subprocess.STDOUT,
        )
        self.processes.append(nginx)
        wait_for_port(self.proxy_port, nginx)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in getattr(self, "logs", []):
            log.close()

    def request(self, port: int, method: str, path: str, body=None, timeout: float = 5, token=None):
        """One request with the partner's token; returns (status, JSON body, seconds)."""
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        started = time.monotonic()
        headers = {
            "Authorization": f"Token {token or self.token}",
            "Content-Type": "application/json",
        }
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        return response.status, json.loads(payload or "null"), time.monotonic() - started


@pytest.fixture(scope="module")
def stack():
    work = Path(tempfile.mkdtemp(prefix="serving-"))
    work.chmod(0o755)  # nginx's workers (nobody) keep their buffers here
    stack = Stack(work)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        for name in ("gunicorn.log", "nginx.log"):
            if (work / name).exists():
                sys.stdout.write((work / name).read_text()[-2000:])
        shutil.rmtree(work, ignore_errors=True)


class SlowClients:
    """Sockets that trickle their request: half send a header line at a time, half a body
    byte at a time, each once a second, for as long as they are open."""

    def __init__(self, port: int, count: int = SLOW_CLIENTS):
        self.sockets = []
        for index in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if index % 2:
                sock.sendall(b"GET /api/v1/products/ HTTP/1.1\r\nHost: localhost\r\n")
            else:
                sock.sendall(
                    b"POST /api/v1/create_customer/ HTTP/1.1\r\nHost: localhost\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                )
            self.sockets.append((sock, bool(index % 2)))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def _trickle(self) -> None:
        while not self.stopped.wait(1):
            for sock, headers in self.sockets:
                try:
                    sock.sendall(b"X-Slow: 1\r\n" if headers else b" ")
                except OSError:
                    pass  # the server gave up on it: what it should do, eventually

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()
        for sock, _ in self.sockets:
            sock.close()


def test_fifty_slow_clients_do_not_slow_a_normal_request_behind_the_proxy(stack):
    with SlowClients(stack.proxy_port):
        time.sleep(1)  # every slow client has started and is being read
        timings = []
        for _ in range(8):
            status, body, seconds = stack.request(stack.proxy_port, "GET", "/api/v1/products/")
            assert status == 200
            assert body["count"] == 3
            timings.append(seconds)
            time.sleep(0.5)

    assert max(timings) < 1.0, timings


def test_without_the_proxy_the_same_slow_clients_hold_every_worker(stack):
    # Why the proxy is required: gunicorn's sync workers alone are held by the sockets.
    with SlowClients(stack.app_port, count=6), pytest.raises(TimeoutError):
        time.sleep(1)
        stack.request(stack.app_port, "GET", "/api/v1/products/", timeout=2)


def chunked(body: bytes) -> bytes:
    return (
        b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:]))
        + b"0\r\n\r\n"
    )


def send_chunked(stack: Stack, port: int, path: str, body: dict):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.putrequest("POST", path)
    for name, value in (
        ("Authorization", f"Token {stack.token}"),
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", "chunked"),
    ):
        connection.putheader(name, value)
    connection.endheaders(chunked(json.dumps(body).encode()))
    response = connection.getresponse()
    return response.status, json.loads(response.read() or "null")


BEN = {"first_name": "Ben", "last_name": "Chunked", "dob": "25-06-1991"}


def test_a_chunked_body_is_read_whole_behind_the_proxy(stack):
    status, body = send_chunked(stack, stack.proxy_port, "/api/v1/create_customer/", BEN)

    assert status == 201, body
    assert (body["first_name"], body["last_name"]) == ("Ben", "Chunked")


def test_a_chunked_body_sent_straight_to_gunicorn_is_refused_not_read_as_empty(stack):
    status, body = send_chunked(stack, stack.app_port, "/api/v1/create_customer/", BEN)

    assert status == 411
    assert body["code"] == "length_required"


def test_the_proxy_refuses_a_body_over_the_apps_limit_in_the_apps_error_format(stack):
    status, body, _ = stack.request(
        stack.proxy_port, "POST", "/api/v1/create_customer/", body=b"x" * 2_700_000
    )

    assert status == 413
    assert body["code"] == "payload_too_large"


def test_access_lines_carry_the_route_and_request_id_but_no_query_values(stack):
    stack.request(stack.proxy_port, "GET", "/api/v1/search?name=Alice&dob=25-06-1991")
    time.sleep(0.5)  # gunicorn and nginx write their lines after answering

    app_log = (stack.work / "gunicorn.log").read_text()  # the app's JSON lines go there
    nginx_log = (stack.work / "nginx.log").read_text()
    assert "/api/v1/search" in nginx_log and "request_id=" in nginx_log
    (line,) = [line for line in app_log.splitlines() if '"route": "search"' in line]
    assert json.loads(line)["request_id"]
    assert "GET /api/v1/search" not in app_log  # one line per request: gunicorn's is off
    for log in (app_log, nginx_log):
        assert "Alice" not in log and "25-06-1991" not in log


def in_flight(port: int, authorization: str) -> socket.socket:
    """A request of a partner's that stays in flight: its body is still coming."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /api/v1/create_customer/ HTTP/1.1\r\nHost: localhost\r\n"
        + f"Authorization: {authorization}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    return sock


def test_one_partner_cannot_hold_every_worker_while_another_waits(stack):
    other = stack.manage("create_partner", "Another partner").splitlines()[-1]
    key = stack.token
    spellings = [f"Token {key}", f"Bearer {key}", f"Bearer Token {key}", f"token {key}"]
    held = [in_flight(stack.proxy_port, spelling) for spelling in spellings]
    try:
        time.sleep(0.5)  # nginx has read each one's headers
        refused = stack.request(stack.proxy_port, "GET", "/api/v1/products/")
        others = stack.request(stack.proxy_port, "GET", "/api/v1/products/", token=other)
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)
    again = stack.request(stack.proxy_port, "GET", "/api/v1/products/")

    status, body, seconds = refused
    assert (status, body["code"]) == (429, "throttled")
    assert seconds < 1
    assert others[0] == 200 and others[2] < 1  # another partner is served at once
    assert again[0] == 200  # and this one too, once its requests are done


def test_the_admin_login_page_posts_back_through_the_proxy_on_its_port(stack):
    """Admin's CSRF check compares the browser's Origin with the Host nginx passes on: the
    port must survive (a login through the proxy was a 403)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.proxy_port, timeout=5)
    connection.request("GET", "/admin/login/", headers={"Host": f"127.0.0.1:{stack.proxy_port}"})
    page = connection.getresponse()
    assert page.status == 200, (page.status, page.getheaders())
    cookie = page.getheader("Set-Cookie").split(";")[0]
    token = page.read().decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    connection.request(
        "POST",
        "/admin/login/",
        body=f"csrfmiddlewaretoken={token}&username=nobody&password=wrong",
        headers={
            "Host": f"127.0.0.1:{stack.proxy_port}",
            "Origin": f"http://127.0.0.1:{stack.proxy_port}",
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    answer = connection.getresponse()

    assert answer.status == 200  # the form again, "wrong password": past the CSRF check
    assert "Please enter the correct username and password" in answer.read().decode()


# Last: it stops the app behind the proxy.
def test_with_no_node_answering_the_proxy_answers_in_the_problem_format(stack):
    gunicorn = stack.processes[0]
    gunicorn.terminate()
    gunicorn.wait(timeout=20)

    connection = http.client.HTTPConnection("127.0.0.1", stack.proxy_port, timeout=10)
    connection.request("GET", "/api/v1/products/", headers={"Authorization": "Token x"})
    response = connection.getresponse()
    body = json.loads(response.read())

    assert response.status == 502
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("Retry-After") == "5"
    assert body["code"] == "service_unavailable"
