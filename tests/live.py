"""Real parts for tests that break things: a PostgreSQL server of the test's
own (so stopping it disturbs nothing else on the machine) and the app served
by gunicorn as in production.
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SECRET = "Bearer live-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path | None:
    """The directory of the machine's PostgreSQL server programs, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory."""

    def __init__(self):
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ivr-pg-"))
        self.data = self.root / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, check=check, capture_output=True, text=True, timeout=60
        )

    def init(self) -> "PostgresServer":
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c fsync=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.root / "log"),
            "start",
        )

    def stop(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False
        )

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class AppServer:
    """The app under gunicorn, as production runs it."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 2, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "live-test-secret-key-" + "x" * 40,
            "IVR_WEBHOOK_AUTH": SECRET,
            "IVR_SPOOL_DIR": str(workdir / "spool"),
            "IVR_JSON_LOGS": "0",
            **env,
        }
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> str:
        env = {**self.env, "DJANGO_DEBUG": "1"}
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "-c",
                "ivrproject/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
            ],
            cwd=PROJECT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/admin/login/", timeout=1)  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start:\n" + self.log.read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def post(self, path: str, body: dict, timeout: float = 10) -> tuple[int, dict]:
        request = urllib.request.Request(  # noqa: S310
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": SECRET},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, {}


def freeze(server: PostgresServer, frozen: bool) -> None:
    """Stop (SIGSTOP) or resume (SIGCONT) every process of `server`: a
    server that keeps its TCP connections but answers nothing."""
    pids = subprocess.run(
        ["pgrep", "-f", str(server.data)], capture_output=True, text=True
    ).stdout.split()
    children = []
    for pid in pids:
        children += subprocess.run(
            ["pgrep", "-P", pid], capture_output=True, text=True
        ).stdout.split()
    for pid in {*pids, *children}:
        os.kill(int(pid), signal.SIGSTOP if frozen else signal.SIGCONT)
