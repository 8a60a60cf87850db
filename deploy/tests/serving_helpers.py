"""What the serving tests share: the project's root, nginx, free ports, and waiting for a
process to listen."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def manage(env: dict, *args: str) -> str:
    """`manage.py` in a fresh process with `env`; its output, or its error shown on failure."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def node_env(work: Path, **settings: str) -> dict:
    """The environment of an app process run here: production-like (DEBUG off), its own
    cache folder, no Redis, no throttling in the way of a test's load; then `settings`."""
    env = {
        **os.environ,
        "SECRET_KEY": "serving-test-" + "k" * 50,
        "DEBUG": "0",
        "CACHE_DIR": str(work / "cache"),
        "API_THROTTLE_RATE": "100000/min",
        **settings,
    }
    env.pop("REDIS_URL", None)
    return env
