"""What the contract says about stored state that is visible from outside the process:
keys and passwords stored hashed (§2), presence in `online_users:<tenantId>` (§5)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from support.clients import Visitor
from support.flows import Sockets, create_agent, create_tenant
from support.server import WebchatProcess
from support.services import PostgresCluster


def stored_bytes(server: WebchatProcess, cluster: PostgresCluster | None) -> bytes:
    """Everything the deployment keeps on disk or in its database."""
    blobs = []
    for path in Path(server.data_dir).rglob("*"):
        if path.is_file():
            blobs.append(path.read_bytes())
    if server.database_url and cluster is not None:
        name = server.database_url.rsplit("/", 1)[1]
        dump = subprocess.run(
            [
                str(cluster.bin / "pg_dump"),
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "--data-only",
                name,
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
        blobs.append(dump.stdout)
    return b"\n".join(blobs)


async def test_keys_and_passwords_are_stored_hashed(
    backend: str, make_server, request: pytest.FixtureRequest
) -> None:
    server = make_server(backend, name="storage")
    tenant = create_tenant(server)
    key = server.cli("key", "create", tenant.tenant_id, "--kind", "secret")["key"]
    password = "a-very-distinctive-password-" + Visitor().fingerprint
    create_agent(server, tenant, password=password)
    server.stop()  # flush SQLite/WAL so the files hold everything
    cluster = request.getfixturevalue("postgres_cluster") if backend == "real" else None
    data = stored_bytes(server, cluster)
    assert tenant.tenant_id.encode() in data, "sanity: the tenant is in what we searched"
    for label, secret in (
        ("public key", tenant.public_key),
        ("secret key", tenant.secret_key),
        ("created secret key", key),
        ("agent password", password),
    ):
        assert secret.encode() not in data, f"{label} is stored in plain text"


@pytest.mark.real_only
async def test_presence_lives_in_online_users_hash(
    backend: str, shared_server: WebchatProcess, make_tenant, sockets: Sockets
) -> None:
    tenant = make_tenant(shared_server)
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    redis = shared_server.group.redis  # type: ignore[attr-defined]
    entries = redis.command("HGETALL", f"online_users:{tenant.tenant_id}")
    assert visitor.session_id in entries, f"HGETALL online_users:{tenant.tenant_id}: {entries!r}"
    await tab.close()
    agent = await sockets.agent(shared_server, api_key=tenant.secret_key)
    ack = await agent.call("get_online_users", {})
    assert visitor.session_id not in str(ack)
    entries = redis.command("HGETALL", f"online_users:{tenant.tenant_id}")
    assert visitor.session_id not in entries, entries
