"""The README's run command on a fresh clone, with the runtime dependencies only.

A dev install hides a missing runtime dependency (Playwright pulled in the greenlet that
SQLAlchemy's asyncio API needs, so the suite passed while `scripts/run` crashed at
import). This test clones the working tree into a temp dir, runs `scripts/run` there as a
newcomer would (it creates its own `.venv` without the dev extras and builds the
front end), and checks what the contract says the running server answers. pip's and
npm's caches are the user's own, so a warm machine takes well under two minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import contract
from support.server import parse_banner
from support.services import PostgresCluster, free_port

ROOT = Path(__file__).resolve().parents[2]
# Creating the venv, installing from pip's cache, `npm install` and the Vite build.
INSTALL_TIMEOUT = 300.0


def _clone_working_tree(into: Path) -> Path:
    """A `git clone` of HEAD with the working tree's uncommitted changes laid over it."""
    clone = into / "webchat"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    if diff:
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=clone, input=diff, check=True)
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, untracked):
        target = clone / os.fsdecode(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / os.fsdecode(name), target)
    return clone


def _newcomer_env(**extra: str) -> dict[str, str]:
    """The user's environment without any WEBCHAT_* setting and outside our own venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WEBCHAT_", "VIRTUAL_ENV", "PYTHON"))
    }
    ours = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != ours)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def fresh_clone() -> Iterator[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    workdir = Path(tempfile.mkdtemp(prefix="webchat-fresh-"))
    try:
        yield _clone_working_tree(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_banner(proc: subprocess.Popen[bytes], stdout: Path, stderr: Path) -> dict[str, str]:
    deadline = time.monotonic() + INSTALL_TIMEOUT
    while time.monotonic() < deadline:
        banner = parse_banner(stdout.read_text(errors="replace"))
        if "agent password" in banner:
            return banner
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(
        f"scripts/run exited ({proc.returncode}) or printed no banner within "
        f"{INSTALL_TIMEOUT:.0f} s\n--- stdout ---\n{stdout.read_text(errors='replace')}\n"
        f"--- stderr ---\n{stderr.read_text(errors='replace')[-6000:]}"
    )


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"/healthz never answered on {base} (exit {proc.poll()})")


def test_scripts_run_serves_the_contract_from_a_fresh_clone(fresh_clone: Path) -> None:
    port = free_port()
    out, err = fresh_clone / "run.stdout", fresh_clone / "run.stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        # `scripts/run` execs `webchat serve`: its process id is the server's.
        proc = subprocess.Popen(
            ["scripts/run", "--port", str(port)],
            cwd=fresh_clone,
            env=_newcomer_env(),
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    try:
        banner = _wait_for_banner(proc, out, err)
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, proc)
        _check_runtime_only(fresh_clone)
        _check_contract(base, banner)
        _check_cli(fresh_clone)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert proc.returncode in (0, -signal.SIGTERM), f"webchat serve exited {proc.returncode}"


def _check_runtime_only(clone: Path) -> None:
    """The venv `scripts/run` made has no dev extras: a dev-only import is missing there."""
    python = clone / ".venv" / "bin" / "python"
    for dev_only in ("playwright", "pytest", "httpx"):
        probe = subprocess.run([str(python), "-c", f"import {dev_only}"], capture_output=True)
        assert probe.returncode != 0, f"{dev_only} is installed: not a runtime-only venv"


def _check_contract(base: str, banner: dict[str, str]) -> None:
    assert banner["agent console"] == f"{base}/console?tenant=demo", banner
    assert banner["demo tenant"] == "demo", banner
    with httpx.Client(base_url=base, timeout=10) as http:
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 200, ready.text
        demo = http.get("/demo")
        assert demo.status_code == 200 and "widget.js" in demo.text, demo.text[:300]
        widget = http.get("/widget.js")
        assert widget.status_code == 200, widget.text[:300]
        assert "javascript" in widget.headers["content-type"], widget.headers
        console = http.get("/console")
        assert console.status_code == 200 and "<html" in console.text.lower(), console.text[:300]

        # One HTTP round trip as the widget does it: a message, then the history.
        session_id, fingerprint = str(uuid.uuid4()), "fresh-" + uuid.uuid4().hex[:10]
        key = {"Authorization": f"Bearer {banner['public key']}"}
        sent = http.post(
            "/webchat/message",
            headers=key,
            json={"sessionId": session_id, "fingerprint": fingerprint, "text": "first words"},
        )
        body = contract.expect_status(sent, 201)
        history = http.get(
            "/api/chat/messages",
            headers={**key, "X-Session-Token": body["session"]["token"]},
            params={"sessionId": session_id},
        )
        messages = contract.expect_status(history, 200)["messages"]
        assert [m["text"] for m in messages] == ["first words"], messages

        login = http.post(
            "/api/agent/login",
            json={"email": banner["agent email"], "password": banner["agent password"]},
        )
        assert contract.expect_status(login, 200)["tenantId"] == "demo"


def _check_cli(clone: Path) -> None:
    """Every CLI command from the runtime-only venv, on PostgreSQL (asyncpg) too."""
    webchat = str(clone / ".venv" / "bin" / "webchat")
    postgres = PostgresCluster().start()
    try:
        env = _newcomer_env(
            WEBCHAT_DATABASE_URL=postgres.create_database(),
            WEBCHAT_JWT_SECRET=uuid.uuid4().hex + uuid.uuid4().hex,
            WEBCHAT_DATA_DIR=str(clone / ".webchat-pg"),
        )

        def run(*args: str, stdin: str | None = None) -> dict[str, Any]:
            result = subprocess.run(
                [webchat, *args], cwd=clone, env=env, input=stdin, text=True, capture_output=True
            )
            assert result.returncode == 0, f"webchat {' '.join(args)}:\n{result.stderr}"
            printed: dict[str, Any] = json.loads(result.stdout)
            return printed

        run("db", "upgrade")
        assert run("tenant", "create", "fresh")["tenantId"] == "fresh"
        key = run("key", "create", "fresh", "--kind", "public")
        run("key", "revoke", key["prefix"])
        agent = run(
            "agent",
            "create",
            "fresh",
            "a@fresh.example",
            "--password-stdin",
            stdin="a long password\n",
        )
        assert agent["agentId"]
    finally:
        postgres.cleanup()


def test_scripts_run_without_npm_says_so_in_one_line(tmp_path: Path) -> None:
    """No Node.js and no bundles built earlier: one clear line, before installing anything."""
    clone = _clone_working_tree(tmp_path)
    # A PATH with everything the machine has except Node.js and npm.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in _newcomer_env()["PATH"].split(os.pathsep):
        for tool in Path(directory).glob("*") if Path(directory).is_dir() else []:
            link = bin_dir / tool.name
            if tool.name not in {"node", "npm", "npx", "nodejs"} and not link.exists():
                link.symlink_to(tool)
    result = subprocess.run(
        ["scripts/run"],
        cwd=clone,
        env=_newcomer_env(PATH=str(bin_dir)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Node.js" in lines[0] and "npm" in lines[0], result.stderr
    assert not (clone / ".venv").exists(), "it installed Python packages before failing"
