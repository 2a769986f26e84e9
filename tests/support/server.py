"""``webchat serve`` as a subprocess, and the ``webchat`` CLI with the same environment."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import httpx

from .services import free_port

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
CLI_TIMEOUT = 60.0

_live: weakref.WeakSet[WebchatProcess] = weakref.WeakSet()


class ServerStartError(RuntimeError):
    pass


@dataclass
class CliResult:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"$ webchat {' '.join(self.argv)}\nexit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )

    def json(self) -> dict:
        """The single JSON document the command printed on stdout."""
        try:
            return json.loads(self.stdout)
        except ValueError as exc:
            raise AssertionError(
                f"stdout is not exactly one JSON document: {exc}\n{self.describe()}"
            ) from exc


def parse_banner(text: str) -> dict[str, str]:
    """The `label: value` lines of `webchat serve`'s start-up banner, by label."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        label, sep, value = line.strip().partition(": ")
        if sep and label and value:
            found.setdefault(label.strip(), value.strip())
    return found


def new_jwt_secret() -> str:
    return secrets.token_urlsafe(48)


def base_env() -> dict[str, str]:
    """The test runner's environment minus any WEBCHAT_* setting that could leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEBCHAT_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class WebchatProcess:
    """One ``python -m webchat serve`` process on 127.0.0.1 and a free port.

    ``backend`` config is passed through the environment exactly as an
    operator would: ``WEBCHAT_DATA_DIR`` always (a temp dir), and
    ``WEBCHAT_DATABASE_URL`` / ``WEBCHAT_REDIS_URL`` / ``WEBCHAT_JWT_SECRET``
    when given. ``demo=False`` sets ``WEBCHAT_DEMO=false``.
    """

    def __init__(
        self,
        *,
        name: str = "webchat",
        data_dir: Path | None = None,
        port: int | None = None,
        database_url: str | None = None,
        redis_url: str | None = None,
        jwt_secret: str | None = None,
        role: str | None = None,
        demo: bool = False,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
        ready_timeout: float = READY_TIMEOUT,
        set_data_dir: bool = True,
    ) -> None:
        self.name = name
        self.workdir = Path(tempfile.mkdtemp(prefix=f"webchat-{name}-"))
        self.data_dir = data_dir or (self.workdir / "data")
        self.port = port or free_port()
        self.database_url = database_url
        self.redis_url = redis_url
        self.jwt_secret = jwt_secret
        self.role = role
        self.demo = demo
        self.args = tuple(args)
        self.ready_timeout = ready_timeout
        self.env = base_env()
        if set_data_dir:
            self.env["WEBCHAT_DATA_DIR"] = str(self.data_dir)
        if database_url:
            self.env["WEBCHAT_DATABASE_URL"] = database_url
        if redis_url:
            self.env["WEBCHAT_REDIS_URL"] = redis_url
        if jwt_secret:
            self.env["WEBCHAT_JWT_SECRET"] = jwt_secret
        if not demo:
            self.env["WEBCHAT_DEMO"] = "false"
        self.env.update(env or {})
        self.stdout_path = self.workdir / "stdout.log"
        self.stderr_path = self.workdir / "stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        _live.add(self)

    # --- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def argv(self) -> list[str]:
        argv = [sys.executable, "-m", "webchat", "serve", "--host", "127.0.0.1"]
        argv += ["--port", str(self.port)]
        if self.role:
            argv += ["--role", self.role]
        return argv + list(self.args)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait: bool = True) -> WebchatProcess:
        if self.running:
            return self
        self.starts += 1
        marker = f"\n===== start #{self.starts} {time.strftime('%H:%M:%S')} =====\n".encode()
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            out.write(marker)
            err.write(marker)
            out.flush()
            err.flush()
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=self.env,
                cwd=self.workdir,
                start_new_session=True,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float | None = None) -> None:
        timeout = timeout or self.ready_timeout
        deadline = time.monotonic() + timeout
        last = "no answer"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise ServerStartError(
                        f"{self.name} exited with {self.proc.returncode} during start-up\n"
                        + self.logs()
                    )
                try:
                    response = client.get(f"{self.url}/readyz")
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text[:300]}"
                except httpx.HTTPError as exc:
                    last = repr(exc)
                time.sleep(0.1)
        self.kill()
        raise ServerStartError(
            f"{self.name} not ready after {timeout:.0f}s (last /readyz: {last})\n" + self.logs()
        )

    def kill(self) -> None:
        """SIGKILL the process group: the node dies without saying goodbye."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> int | None:
        """SIGTERM, wait, SIGKILL if it does not go. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode

    def restart(self, wait: bool = True) -> WebchatProcess:
        self.stop()
        return self.start(wait=wait)

    # --- output ----------------------------------------------------------------------

    def stdout_text(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def banner(self) -> dict[str, str]:
        return parse_banner(self.stdout_text())

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def logs(self, lines: int = 60) -> str:
        def tail(text: str) -> str:
            return "\n".join(text.splitlines()[-lines:])

        return (
            f"--- {self.name} stdout ({self.stdout_path}) ---\n{tail(self.stdout_text())}\n"
            f"--- {self.name} stderr ({self.stderr_path}) ---\n{tail(self.stderr_text())}"
        )

    def log_sizes(self) -> tuple[int, int]:
        def size(p: Path) -> int:
            return p.stat().st_size if p.exists() else 0

        return size(self.stdout_path), size(self.stderr_path)

    def logs_since(self, sizes: tuple[int, int], limit: int = 8000) -> str:
        parts = []
        for label, path, start in (
            ("stdout", self.stdout_path, sizes[0]),
            ("stderr", self.stderr_path, sizes[1]),
        ):
            if not path.exists():
                continue
            with open(path, "rb") as fh:
                fh.seek(start)
                text = fh.read().decode(errors="replace")
            if text.strip():
                parts.append(f"--- {self.name} {label} ---\n{text[-limit:]}")
        return "\n".join(parts)

    # --- CLI -------------------------------------------------------------------------

    def run_cli(
        self,
        *args: str,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = CLI_TIMEOUT,
    ) -> CliResult:
        """``python -m webchat ARGS`` with this server's environment."""
        return run_cli(
            *args, stdin=stdin, env={**self.env, **(env or {})}, cwd=self.workdir, timeout=timeout
        )

    def cli(self, *args: str, stdin: str | None = None) -> dict:
        """Run a JSON-printing command that must succeed; return its JSON document."""
        result = self.run_cli(*args, stdin=stdin)
        if result.returncode != 0:
            raise AssertionError(f"CLI command failed\n{result.describe()}")
        return result.json()

    def __repr__(self) -> str:
        return f"<WebchatProcess {self.name} {self.url} running={self.running}>"


def run_cli(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = CLI_TIMEOUT,
) -> CliResult:
    argv = [sys.executable, "-m", "webchat", *args]
    try:
        done = subprocess.run(
            argv,
            input=(stdin or "").encode(),
            capture_output=True,
            env=env if env is not None else base_env(),
            cwd=cwd,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"`webchat {' '.join(args)}` hung for {timeout:.0f}s") from exc
    return CliResult(
        list(args),
        done.returncode,
        done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
    )


def live_servers() -> list[WebchatProcess]:
    return list(_live)


@atexit.register
def _kill_leftovers() -> None:
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.kill()
