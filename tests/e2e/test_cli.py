"""CONTRACT §7: the `webchat` command line. JSON on stdout only; bad input exits non-zero
with a clear message; a bad environment value stops start-up naming the variable."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from support.flows import new_tenant_id
from support.server import CliResult, WebchatProcess, base_env, run_cli
from support.services import free_port


def assert_refused(result: CliResult, *words: str) -> None:
    """Non-zero exit, a readable message, no traceback, no JSON success document."""
    assert result.returncode != 0, f"expected failure\n{result.describe()}"
    message = (result.stderr + result.stdout).strip()
    assert message, f"failed without saying why\n{result.describe()}"
    assert "Traceback (most recent call last)" not in message, result.describe()
    for word in words:
        assert word.lower() in message.lower(), f"message should mention {word!r}\n" + (
            result.describe()
        )


def assert_json_only(result: CliResult) -> dict:
    assert result.returncode == 0, result.describe()
    document = result.json()
    assert isinstance(document, dict), result.describe()
    return document


def test_tenant_create_prints_one_json_document(server: WebchatProcess) -> None:
    tenant_id = new_tenant_id()
    result = server.run_cli(
        "tenant",
        "create",
        tenant_id,
        "--name",
        "Acme Inc.",
        "--allowed-origin",
        "https://acme.example",
        "--allowed-origin",
        "https://www.acme.example",
    )
    document = assert_json_only(result)
    assert set(document) >= {"tenantId", "publicKey", "secretKey", "identitySecret"}, document
    assert document["tenantId"] == tenant_id
    assert document["publicKey"].startswith("pk_") and len(document["publicKey"]) >= 27
    assert document["secretKey"].startswith("sk_") and len(document["secretKey"]) >= 35
    assert len(document["identitySecret"]) >= 16


@pytest.mark.parametrize(
    "bad_id",
    [
        "A",
        "a",
        "Upper-case",
        "-leading-dash",
        "has_underscore",
        "has space",
        "x" * 64,
        "",
        "\u00e9t\u00e9",
    ],
)
def test_tenant_create_refuses_bad_ids(server: WebchatProcess, bad_id: str) -> None:
    assert_refused(server.run_cli("tenant", "create", bad_id))


def test_tenant_id_limits_that_are_valid(server: WebchatProcess) -> None:
    for good in (
        "a1",
        "0" + uuid.uuid4().hex[:8],
        "z" + "-" * 10 + uuid.uuid4().hex[:4],
        "m" + uuid.uuid4().hex + uuid.uuid4().hex[:30],
    ):
        assert len(good) <= 63
        assert_json_only(server.run_cli("tenant", "create", good))


def test_tenant_create_twice_is_refused(server: WebchatProcess) -> None:
    tenant_id = new_tenant_id()
    assert_json_only(server.run_cli("tenant", "create", tenant_id))
    assert_refused(server.run_cli("tenant", "create", tenant_id), tenant_id)


def test_tenant_create_refuses_bad_origins(server: WebchatProcess) -> None:
    for origin in ("not a url", "*//"):
        assert_refused(
            server.run_cli("tenant", "create", new_tenant_id(), "--allowed-origin", origin)
        )


def test_key_create_and_revoke_output(server: WebchatProcess) -> None:
    tenant_id = new_tenant_id()
    server.cli("tenant", "create", tenant_id)
    for kind, prefix in (("public", "pk_"), ("secret", "sk_")):
        document = assert_json_only(server.run_cli("key", "create", tenant_id, "--kind", kind))
        assert document["tenantId"] == tenant_id and document["kind"] == kind, document
        assert document["key"].startswith(prefix) and document["prefix"] == document["key"][:12]
        revoked = assert_json_only(server.run_cli("key", "revoke", document["prefix"]))
        assert revoked, "revoke prints a JSON document"


def test_key_commands_refuse_bad_input(server: WebchatProcess) -> None:
    tenant_id = new_tenant_id()
    server.cli("tenant", "create", tenant_id)
    assert_refused(server.run_cli("key", "create", tenant_id, "--kind", "master"))
    assert_refused(server.run_cli("key", "create", "no-such-tenant-x", "--kind", "public"))
    assert_refused(server.run_cli("key", "revoke", "pk_doesnotexist"))
    assert_refused(server.run_cli("key", "revoke", ""))
    assert_refused(server.run_cli("key", "revoke", "pk_"))


def test_agent_create(server: WebchatProcess) -> None:
    tenant_id = new_tenant_id()
    server.cli("tenant", "create", tenant_id)
    email = f"a-{uuid.uuid4().hex[:6]}@example.com"
    document = assert_json_only(
        server.run_cli(
            "agent",
            "create",
            tenant_id,
            email,
            "--password-stdin",
            stdin="correct horse battery staple\n",
        )
    )
    assert document.get("agentId"), document
    assert_refused(
        server.run_cli("agent", "create", tenant_id, email, "--password-stdin", stdin="pw-again")
    )
    assert_refused(
        server.run_cli(
            "agent",
            "create",
            "no-such-tenant-y",
            "b@example.com",
            "--password-stdin",
            stdin="long enough password",
        )
    )
    assert_refused(
        server.run_cli(
            "agent",
            "create",
            tenant_id,
            "not-an-email",
            "--password-stdin",
            stdin="long enough password",
        )
    )
    assert_refused(
        server.run_cli("agent", "create", tenant_id, "c@example.com", "--password-stdin", stdin="")
    )


def test_db_upgrade_is_idempotent(server: WebchatProcess) -> None:
    for _ in range(2):
        result = server.run_cli("db", "upgrade")
        assert result.returncode == 0, result.describe()
        if result.stdout.strip():
            result.json()


def test_unknown_commands_and_flags() -> None:
    env = {**base_env(), "WEBCHAT_DATA_DIR": tempfile.mkdtemp(prefix="webchat-cli-")}
    assert_refused(run_cli("frobnicate", env=env))
    assert_refused(run_cli("tenant", "create", env=env))
    assert_refused(run_cli("tenant", "create", "ok-id", "--bogus-flag", env=env))
    assert_refused(run_cli("serve", "--port", "not-a-port", env=env))


def test_cli_works_without_a_running_server() -> None:
    """Operators prepare a deployment before its first start (embedded defaults)."""
    data_dir = tempfile.mkdtemp(prefix="webchat-cli-")
    env = {**base_env(), "WEBCHAT_DATA_DIR": data_dir, "WEBCHAT_DEMO": "false"}
    upgrade = run_cli("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.describe()
    document = assert_json_only(run_cli("tenant", "create", new_tenant_id(), env=env))
    assert document["publicKey"].startswith("pk_")


BAD_ENV = [
    pytest.param("WEBCHAT_PORT", "not-a-number", id="port-text"),
    pytest.param("WEBCHAT_PORT", "70000", id="port-range"),
    pytest.param("WEBCHAT_REDIS_URL", "definitely not a url", id="redis-url"),
    pytest.param("WEBCHAT_REDIS_URL", "http://127.0.0.1:6379", id="redis-scheme"),
    pytest.param("WEBCHAT_DATABASE_URL", "nonsense", id="database-url"),
    pytest.param("WEBCHAT_DATABASE_URL", "mysql://root@127.0.0.1/x", id="database-scheme"),
    pytest.param("WEBCHAT_JWT_SECRET", "short", id="jwt-secret-short"),
    pytest.param("WEBCHAT_DATA_DIR", "<file>", id="data-dir-is-a-file"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_ENV)
def test_bad_environment_value_stops_start_up(variable: str, value: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="webchat-badenv-"))
    if value == "<file>":
        value = str(workdir / "a-file")
        Path(value).write_text("not a directory")
    env = {
        **base_env(),
        "WEBCHAT_DATA_DIR": str(workdir / "data"),
        "WEBCHAT_DEMO": "false",
        variable: value,
    }
    argv = [sys.executable, "-m", "webchat", "serve", "--host", "127.0.0.1"]
    if variable != "WEBCHAT_PORT":
        argv += ["--port", str(free_port())]
    started = time.monotonic()
    try:
        done = subprocess.run(argv, env=env, cwd=workdir, capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{variable}={value!r}: server did not stop (still running after 30 s)")
    stderr = done.stderr.decode(errors="replace")
    stdout = done.stdout.decode(errors="replace")
    assert done.returncode != 0, f"{variable}={value!r} accepted\n{stdout}\n{stderr}"
    assert "Traceback (most recent call last)" not in stderr + stdout, stderr
    naming = [line for line in (stderr + stdout).splitlines() if variable in line]
    assert naming, f"no line names {variable}:\nstdout:{stdout}\nstderr:{stderr}"
    assert time.monotonic() - started < 30


def test_json_commands_keep_logs_off_stdout(server: WebchatProcess) -> None:
    """Even with verbose logging asked for, stdout stays one JSON document."""
    result = server.run_cli(
        "tenant",
        "create",
        new_tenant_id(),
        env={"WEBCHAT_LOG_LEVEL": "debug", "LOG_LEVEL": "debug"},
    )
    document = assert_json_only(result)
    assert json.dumps(document)
