"""Throwaway Redis and PostgreSQL servers on free ports, owned by the test run.

Each runs as a direct child process (never daemonized) in its own process
group, so a test can SIGKILL it (and every backend it forked) to simulate a
crash, then start it again on the same port. Everything has a timeout; nothing
outlives the interpreter (an ``atexit`` hook kills whatever is left).
"""

from __future__ import annotations

import atexit
import contextlib
import email
import email.message
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import weakref
from pathlib import Path

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

_live: weakref.WeakSet[_ChildProcess] = weakref.WeakSet()


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "<no log>"
    return "\n".join(text.splitlines()[-lines:])


class _ChildProcess:
    """A server run as a child in its own process group."""

    name = "process"
    log_path: Path
    dir: Path  # the child's own directory: logs, data; removed by cleanup()

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        _live.add(self)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _spawn(self, argv: list[str], **kwargs) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **kwargs,
            )
        finally:
            log.close()

    def _signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, nothing said goodbye."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=STOP_TIMEOUT)

    def _graceful(self, sig: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
        # Leftover children (none expected) must not keep the port.
        self._signal_group(signal.SIGKILL)

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)


class RedisProcess(_ChildProcess):
    """``redis-server`` on a free port, keeping nothing on disk."""

    name = "redis"

    def __init__(self, port: int | None = None, binary: str | None = None) -> None:
        super().__init__()
        self.binary = binary or shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="webchat-redis-"))
        self.log_path = self.dir / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        if self.running:
            return self
        self._spawn(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--daemonize",
                "no",
                "--protected-mode",
                "no",
            ]
        )
        try:
            wait_until(self.ping, START_TIMEOUT, what=f"redis on port {self.port}")
        except TimeoutError as exc:
            self.kill()
            raise RuntimeError(f"redis did not start:\n{self.log_tail()}") from exc
        return self

    def ping(self) -> bool:
        if not self.running:
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.settimeout(1.0)
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *args: str) -> str:
        """Run one ``redis-cli`` command against this server, return its raw output."""
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), "--no-raw", *args],
            capture_output=True,
            timeout=10,
            check=True,
        )
        return out.stdout.decode()

    def stop(self) -> None:
        self._graceful(signal.SIGTERM)

    def __repr__(self) -> str:
        return f"<RedisProcess port={self.port} running={self.running}>"


def _postgres_bin() -> Path:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
    )
    if not candidates:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    return candidates[-1]


class PostgresCluster(_ChildProcess):
    """A fresh PostgreSQL cluster (``initdb``) on a free port, trust auth, no fsync.

    PostgreSQL refuses to run as root: when we are root, the server and
    ``initdb`` run as the ``postgres`` user, and the temp dir is chowned to it.
    """

    name = "postgres"

    def __init__(self, port: int | None = None) -> None:
        super().__init__()
        self.bin = _postgres_bin()
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="webchat-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        self._as_user: dict[str, object] = {}
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self._as_user = {"user": "postgres", "group": "postgres", "extra_groups": []}
        self._initialized = False

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["HOME"] = str(self.dir)
        env["LC_ALL"] = "C.UTF-8"
        return env

    def _initdb(self) -> None:
        result = subprocess.run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            capture_output=True,
            timeout=120,
            cwd=self.dir,
            env=self._env(),
            **self._as_user,  # type: ignore[arg-type]
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.decode(errors='replace')}")
        self._initialized = True

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresCluster:
        if self.running:
            return self
        if not self._initialized:
            self._initdb()
        self._spawn(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.dir),
                "-c",
                "listen_addresses=127.0.0.1",
                # fsync off is safe for what tests do (kill processes, never the OS):
                # committed WAL still reaches the page cache. synchronous_commit stays
                # on, or a kill -9 of PostgreSQL would lose acknowledged commits.
                "-c",
                "fsync=off",
                "-c",
                "max_connections=300",
            ],
            cwd=self.dir,
            env=self._env(),
            **self._as_user,
        )
        try:
            wait_until(self.is_ready, START_TIMEOUT, interval=0.1, what=f"postgres on {self.port}")
        except TimeoutError as exc:
            self.kill()
            raise RuntimeError(f"postgres did not start:\n{self.log_tail()}") from exc
        return self

    def is_ready(self) -> bool:
        if not self.running:
            return False
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "1"],
            capture_output=True,
            timeout=10,
        )
        return result.returncode == 0

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            capture_output=True,
            timeout=30,
            env=self._env(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.decode(errors='replace')}")
        return result.stdout.decode()

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database; return its SQLAlchemy asyncpg URL."""
        name = name or f"webchat_{uuid.uuid4().hex[:12]}"
        if not name.replace("_", "").isalnum():
            raise ValueError(f"unsafe database name {name!r}")
        self.psql(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def database_url(self, name: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown.
        self._graceful(signal.SIGINT)

    def __repr__(self) -> str:
        return f"<PostgresCluster port={self.port} running={self.running}>"


class SmtpServer(_ChildProcess):
    """aiosmtpd (``tests/support/smtp_server.py``) on a free port; the messages it
    accepts are files in ``self.maildir``. ``refuse=N`` answers 451 to the first N."""

    name = "smtp"

    def __init__(self, refuse: int = 0) -> None:
        super().__init__()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="webchat-smtp-"))
        self.maildir = self.dir / "mail"
        self.maildir.mkdir()
        self.log_path = self.dir / "smtp.log"
        self.refuse = refuse

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        if self.running:
            return self
        script = Path(__file__).with_name("smtp_server.py")
        argv = [sys.executable, str(script), "--port", str(self.port), "--dir", str(self.maildir)]
        self._spawn([*argv, "--refuse", str(self.refuse)])
        try:
            wait_until(lambda: port_open(self.port), START_TIMEOUT, what=f"smtp on {self.port}")
        except TimeoutError as exc:
            self.kill()
            raise RuntimeError(f"smtp did not start:\n{self.log_tail()}") from exc
        return self

    def messages(self) -> list[email.message.EmailMessage]:
        parsed = []
        for path in sorted(self.maildir.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, email.message.EmailMessage)
            parsed.append(message)
        return parsed


@atexit.register
def _kill_leftovers() -> None:
    for child in list(_live):
        with contextlib.suppress(Exception):
            child.kill()
