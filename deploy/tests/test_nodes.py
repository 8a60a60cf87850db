"""Several machines and their faults, for real, on loopback: two app nodes (gunicorn) behind
the shipped nginx, two workers (run_worker), PostgreSQL and Redis. Partners sell through
nginx while a node is killed, Redis becomes unreachable from the other node, PostgreSQL
restarts and a worker is killed mid-work. Nothing acknowledged may be lost or doubled, no
answer may be a 500 or an HTML page, the workers must outlive it, and every webhook must
arrive. `make test-serving` runs it (as root: it restarts the machine's PostgreSQL).
"""

import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from serving_helpers import NGINX, ROOT, free_port, wait_for_port
from serving_helpers import manage as run_manage

PRIMARY = "postgres://postgres@127.0.0.1:5432"
DATABASE = "insurance_nodes_test"
FLOWS = 60  # customers sold, each in four requests
CLIENTS = 6


def sql(statement: str, *, database: str = "postgres"):
    with psycopg.connect(f"{PRIMARY}/{database}", autocommit=True) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else None


class Forwarder:
    """A TCP forwarder to Redis that can be cut: what one node sees as its Redis."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.cut = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.close()
                except OSError:
                    pass

    def unreachable(self, on: bool):
        if on:
            self.cut.set()
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.sockets = []
        else:
            self.cut.clear()


class Receiver(http.server.BaseHTTPRequestHandler):
    """A partner's webhook receiver: remembers each event id it got."""

    got: list[str] = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append(self.headers["webhook-id"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class Nodes:
    def __init__(self, work: Path):
        self.work = work
        self.redis_b = Forwarder(6379)
        self.ports = [free_port(), free_port()]
        self.proxy_port = free_port()
        self.base = {
            **os.environ,
            "DATABASE_URL": f"{PRIMARY}/{DATABASE}",
            "SECRET_KEY": "nodes-test-" + "n" * 50,
            "DEBUG": "0",
            "WEB_CONCURRENCY": "2",
            "NUM_PROXIES": "1",
            "API_THROTTLE_RATE": "100000/min",
            "WEBHOOKS_ALLOW_LOOPBACK": "1",
            "CONN_MAX_AGE": "60",
        }
        self.nodes: list[subprocess.Popen | None] = [None, None]
        self.workers: list[subprocess.Popen] = []
        self.logs = []

    def env(self, node: int) -> dict:
        redis_port = 6379 if node == 0 else self.redis_b.port
        return {
            **self.base,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/14",
            "GUNICORN_BIND": f"127.0.0.1:{self.ports[node]}",
        }

    def manage(self, *args) -> str:
        return run_manage(self.env(0), *args)

    def _log(self, name: str):
        log = open(self.work / name, "a")
        self.logs.append(log)
        return log

    def start_node(self, node: int):
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "myproject.wsgi"],
            cwd=ROOT,
            env=self.env(node),
            stdout=self._log(f"node{node}.log"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.nodes[node] = process
        wait_for_port(self.ports[node], process)

    def kill_node(self, node: int):
        os.killpg(self.nodes[node].pid, signal.SIGKILL)  # the master and its workers
        self.nodes[node].wait()

    def start_worker(self):
        self.workers.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
                cwd=ROOT,
                env=self.env(0),
                stdout=self._log("workers.log"),
                stderr=subprocess.STDOUT,
            )
        )

    def start_proxy(self):
        temp_paths = "".join(
            f"{kind}_temp_path {self.work / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        upstreams = "".join(
            f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in self.ports
        )
        config = (
            (ROOT / "deploy" / "nginx.conf")
            .read_text()
            .replace("server app:8000 max_fails=3 fail_timeout=10s;", upstreams)
            .replace("listen 80;", f"listen 127.0.0.1:{self.proxy_port};")
            .replace("pid /tmp/nginx.pid;", f"pid {self.work / 'nginx.pid'};")
            .replace("http {", "http {" + temp_paths, 1)
        )
        assert upstreams in config
        (self.work / "nginx.conf").write_text(config)
        self.proxy = subprocess.Popen(
            [NGINX, "-p", str(self.work), "-c", str(self.work / "nginx.conf"), "-g", "daemon off;"],
            stdout=self._log("nginx.log"),
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.proxy_port, self.proxy)

    def stop(self):
        for process in [*self.nodes, *self.workers, getattr(self, "proxy", None)]:
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except (OSError, PermissionError):
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    work = tmp_path_factory.mktemp("nodes")
    work.chmod(0o755)
    sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    sql(f"CREATE DATABASE {DATABASE}")
    stack = Nodes(work)
    stack.manage("migrate", "--noinput", "--verbosity", "0")
    stack.token = stack.manage("create_partner", "Nodes test").splitlines()[-1]
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    stack.receiver_port = receiver.server_address[1]
    try:
        for node in (0, 1):
            stack.start_node(node)
        stack.start_proxy()
        stack.start_worker()
        stack.start_worker()
        yield stack
    finally:
        stack.stop()
        receiver.shutdown()
        for name in ("node0.log", "node1.log", "workers.log", "nginx.log"):
            if (work / name).exists():
                sys.stdout.write(f"--- {name}\n" + (work / name).read_text()[-3000:])
        sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


class Client:
    """A partner's integration: each request with its Idempotency-Key, retried on 429, 502,
    503 and 504 (and a dropped connection) as Retry-After says. Every answer is recorded."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.answers: list[tuple[int, str]] = []
        self.lock = threading.Lock()

    def call(self, method: str, path: str, body=None, *, key: str | None = None):
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                connection.request(method, path, json.dumps(body) if body else None, headers)
                response = connection.getresponse()
                payload = response.read()
                kind = response.getheader("Content-Type", "")
                connection.close()
            except OSError:
                time.sleep(0.5)
                continue
            with self.lock:
                self.answers.append((response.status, kind))
            if response.status in (429, 502, 503, 504) or (
                response.status == 409 and b"idempotency_in_progress" in payload
            ):
                time.sleep(min(float(response.getheader("Retry-After") or 1), 2))
                continue
            return response.status, json.loads(payload)
        raise AssertionError(f"{method} {path} never answered")


def sell(client: Client, flow: str):
    status, customer = client.call(
        "POST",
        "/api/v1/customers/",
        {"first_name": "Node", "last_name": flow, "dob": "01-02-1985"},
        key=f"{flow}-customer",
    )
    assert status == 201, customer
    status, quote = client.call(
        "POST",
        "/api/v1/quotes/",
        {"customer": customer["id"], "type": "personal-accident"},
        key=f"{flow}-quote",
    )
    assert status == 201, quote
    status, _ = client.call("POST", f"/api/v1/quotes/{quote['id']}/accept/", key=f"{flow}-accept")
    assert status == 200
    status, policy = client.call("POST", f"/api/v1/quotes/{quote['id']}/pay/", key=f"{flow}-pay")
    assert status == 200, policy
    return policy["id"]


def test_nothing_acknowledged_is_lost_or_doubled_through_the_faults(nodes):
    client = Client(nodes.proxy_port, nodes.token)
    hook = f"http://127.0.0.1:{nodes.receiver_port}/hooks"
    status, _ = client.call(
        "POST", "/api/v1/webhook-endpoints/", {"url": hook, "events": ["policy.issued"]}
    )
    assert status == 201
    flows: list[str] = []
    policies: list[int] = []

    def faults():
        time.sleep(2)
        nodes.kill_node(0)  # a node dies under load...
        time.sleep(3)
        nodes.start_node(0)  # ...and comes back
        nodes.redis_b.unreachable(True)  # the other node loses Redis
        time.sleep(3)
        nodes.redis_b.unreachable(False)
        version = os.listdir("/etc/postgresql")[0]
        subprocess.run(  # the database restarts
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
        )
        nodes.workers[0].kill()  # a worker dies, maybe mid-delivery
        nodes.start_worker()

    fault_thread = threading.Thread(target=faults)
    fault_thread.start()

    def keep_selling():  # through every fault, and at least FLOWS in all
        while fault_thread.is_alive() or len(flows) < FLOWS:
            flow = f"flow-{uuid.uuid4().hex[:10]}"
            flows.append(flow)
            policies.append(sell(client, flow))

    with ThreadPoolExecutor(CLIENTS) as pool:
        for done in [pool.submit(keep_selling) for _ in range(CLIENTS)]:
            done.result()
    fault_thread.join()

    # The faults were met (a node gone, the database restarting), and no answer was a 500
    # or an HTML page: every error was problem JSON, to retry.
    assert {502, 503} & {status for status, _ in client.answers}
    assert all(status != 500 for status, _ in client.answers)
    errors = [(status, kind) for status, kind in client.answers if status >= 400]
    assert all(kind == "application/problem+json" for _, kind in errors), errors
    # Nothing acknowledged is lost or doubled.
    rows = sql(
        "SELECT last_name, count(*) FROM customers_customer GROUP BY last_name",
        database=DATABASE,
    )
    assert dict(rows) == dict.fromkeys(flows, 1)
    issued = {row[0] for row in sql("SELECT quote_id FROM policies_policy", database=DATABASE)}
    assert issued == set(policies)
    # The workers outlived it, and every webhook arrived (a dead worker's lease included).
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and len(set(Receiver.got)) < len(flows):
        time.sleep(1)
    assert len(set(Receiver.got)) == len(flows)
    assert [worker.poll() for worker in nodes.workers[1:]] == [None, None]
