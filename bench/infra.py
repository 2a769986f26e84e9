"""Throwaway Redis, PostgreSQL and `webchat serve` processes; /proc readings."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
JWT_SECRET = "bench-jwt-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def webchat_bin() -> str:
    candidate = VENV_BIN / "webchat"
    return str(candidate) if candidate.exists() else (shutil.which("webchat") or "webchat")


def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:
            last = exc
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s ({last!r})")


@dataclass
class Stack:
    """Everything started by the bench, stopped in reverse order by `close`."""

    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="webchat-bench-")))
    redis_url: str = ""
    database_url: str = ""
    redis_pid: int | None = None
    postgres_pid: int | None = None
    servers: list[Server] = field(default_factory=list)
    _stops: list = field(default_factory=list)

    def close(self) -> None:
        for stop in reversed(self._stops):
            with contextlib.suppress(Exception):
                stop()
        self._stops.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- Redis ------------------------------------------------------------------------
    def start_redis(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server not found (apt-get install -y redis-server)")
        port = free_port()
        pidfile = self.tmp / "redis.pid"
        subprocess.run(
            [
                *(exe, "--daemonize", "yes", "--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--pidfile", str(pidfile)),
                *("--logfile", str(self.tmp / "redis.log"), "--dir", str(self.tmp)),
            ],
            check=True,
        )
        self._stops.append(lambda: _stop_redis(port))
        wait_for(lambda: _redis_ping(port), 10, "redis-server")
        wait_for(pidfile.exists, 5, "redis pidfile")
        self.redis_pid = int(pidfile.read_text().strip())
        self.redis_url = f"redis://127.0.0.1:{port}/0"

    # --- PostgreSQL -------------------------------------------------------------------
    def start_postgres(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key)
        if not bins:
            raise RuntimeError("PostgreSQL not found (apt-get install -y postgresql)")
        pgbin = Path(bins[-1])
        port = free_port()
        pgdir = self.tmp / "pg"
        pgdir.mkdir()
        as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.tmp, "postgres")
            shutil.chown(pgdir, "postgres")
            as_user = ["runuser", "-u", "postgres", "--"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
        subprocess.run(
            [
                *(*as_user, str(pgbin / "initdb"), "-D", str(pgdir / "data"), "-U", "postgres"),
                *("--auth=trust", "-E", "UTF8", "--no-sync"),
            ],
            check=True,
            **quiet,
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {pgdir} -c fsync=off"
            " -c max_connections=300"
        )
        ctl = [*as_user, str(pgbin / "pg_ctl"), "-D", str(pgdir / "data")]
        subprocess.run(
            [*ctl, "-l", str(pgdir / "log"), "-w", "-o", options, "start"], check=True, **quiet
        )
        self._stops.append(
            lambda: subprocess.run([*ctl, "-m", "immediate", "stop"], check=False, **quiet)
        )
        pidline = (pgdir / "data" / "postmaster.pid").read_text().splitlines()[0]
        self.postgres_pid = int(pidline)
        self.database_url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"

    # --- webchat ----------------------------------------------------------------------
    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("WEBCHAT_"):
                del env[key]
        env["WEBCHAT_JWT_SECRET"] = JWT_SECRET
        env["WEBCHAT_DATA_DIR"] = str(self.tmp / "webchat-data")
        env["WEBCHAT_VISITOR_RATE_LIMIT"] = "100000/second"
        env["WEBCHAT_SESSION_RATE_LIMIT"] = "100000/second"
        env["WEBCHAT_LOG_LEVEL"] = "warning"
        if self.redis_url:
            env["WEBCHAT_REDIS_URL"] = self.redis_url
        if self.database_url:
            env["WEBCHAT_DATABASE_URL"] = self.database_url
        env.update(extra or {})
        return env

    def create_tenant(self, tenant_id: str) -> dict[str, str]:
        out = subprocess.run(
            [webchat_bin(), "tenant", "create", tenant_id],
            env=self.env(),
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout)  # type: ignore[no-any-return]

    def start_server(self, role: str = "all", env: dict[str, str] | None = None) -> Server:
        """`env`: settings for this server only (e.g. `WEBCHAT_TENANT_RATE_LIMIT`)."""
        port = free_port()
        log = open(self.tmp / f"server-{port}.log", "wb")  # noqa: SIM115 - closed in stop
        proc = subprocess.Popen(
            [webchat_bin(), "serve", "--host", "127.0.0.1", "--port", str(port), "--role", role],
            env=self.env({"WEBCHAT_DEMO": "false", **(env or {})}),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_fd_limit,
        )
        server = Server(url=f"http://127.0.0.1:{port}", pid=proc.pid, proc=proc, log=log)
        self._stops.append(server.stop)
        self.servers.append(server)
        try:
            wait_for(lambda: _http_ok(server.url + "/readyz"), 60, f"webchat serve :{port}")
        except RuntimeError:
            server.stop()
            sys.stderr.write((self.tmp / f"server-{port}.log").read_text(errors="replace"))
            raise
        return server


@dataclass
class Server:
    url: str
    pid: int | None
    proc: subprocess.Popen[bytes] | None = None
    log: object = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()  # type: ignore[attr-defined]
            self.log = None


def _version_key(path: str) -> tuple[int, ...]:
    part = Path(path).parent.name
    return tuple(int(x) for x in part.split(".") if x.isdigit())


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


def _stop_redis(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"SHUTDOWN NOSAVE\r\n")
        with contextlib.suppress(OSError):
            s.recv(16)


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return bool(response.status == 200)


# --- /proc readings -----------------------------------------------------------------


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process."""
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(stat).read_text()
            if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
                out.append(int(Path(stat).parent.name))
    return out


def group_cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_seconds(p) for p in pids)


def pid_listening_on(url: str) -> int | None:
    """The pid of the process listening on the URL's port (for `--url` runs)."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for fd_dir in glob.glob("/proc/[0-9]*/fd"):
        with contextlib.suppress(OSError):
            for fd in os.listdir(fd_dir):
                with contextlib.suppress(OSError):
                    if os.readlink(f"{fd_dir}/{fd}") in targets:
                        return int(fd_dir.split("/")[2])
    return None


def machine_facts() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    versions = {}
    for name, cmd in (
        ("redis", ["redis-server", "--version"]),
        ("postgres", [*sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))[-1:], "-V"]),
    ):
        with contextlib.suppress(Exception):
            versions[name] = subprocess.run(
                cmd, capture_output=True, text=True, timeout=5
            ).stdout.strip()
    commit = "unknown"
    with contextlib.suppress(Exception):
        git = ["git", "-C", str(REPO)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        commit += " + uncommitted changes in src/" if dirty else ""
    return {
        "commit": commit,
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": sys.version.split()[0],
        "kernel": os.uname().release,
        **versions,
    }


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent busy (not idle, not iowait) since boot."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields[:8]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


def machine_irq_seconds() -> float:
    """CPU seconds all CPUs spent in interrupts and softirqs since boot: loopback TCP is
    mostly softirq work, which no process's own CPU time includes."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return (int(fields[5]) + int(fields[6])) / CLOCK_TICKS


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])
