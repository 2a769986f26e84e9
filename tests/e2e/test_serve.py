"""CONTRACT §7 `webchat serve` with no configuration: embedded defaults, data under
./.webchat/, a demo tenant and agent, URLs and credentials printed; a generated JWT secret
that is per install (never hard-coded) and survives a restart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from support import contract
from support.clients import Visitor, http_client
from support.flows import check_front_end_route, create_tenant
from support.server import WebchatProcess

KEY_RE = re.compile(r"\b(pk_[A-Za-z0-9_-]{24,})")
SECRET_RE = re.compile(r"\b(sk_[A-Za-z0-9_-]{32,})")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PASSWORD_RE = re.compile(r"password\W{0,5}(\S+)", re.IGNORECASE)


@dataclass
class Demo:
    server: WebchatProcess
    public_key: str
    secret_key: str | None
    email: str
    password: str


def start_unconfigured(launcher, name: str) -> WebchatProcess:
    """No WEBCHAT_* variable at all: exactly what `webchat serve` on a laptop sees."""
    server = WebchatProcess(name=name, set_data_dir=False, demo=True)
    launcher.servers.append(server)
    return server.start()


def read_demo(server: WebchatProcess) -> Demo:
    out = server.stdout_text()
    keys = KEY_RE.findall(out)
    emails = EMAIL_RE.findall(out)
    passwords = [p.strip("`'\",;") for p in PASSWORD_RE.findall(out)]
    assert keys, f"no demo public key (pk_...) printed on stdout:\n{out}"
    assert emails and passwords, f"no demo agent sign-in printed on stdout:\n{out}"
    secrets = SECRET_RE.findall(out)
    return Demo(server, keys[-1], secrets[-1] if secrets else None, emails[-1], passwords[-1])


@pytest.fixture(scope="module")
def demo(launcher) -> Iterator[Demo]:
    server = start_unconfigured(launcher, "unconfigured")
    yield read_demo(server)
    launcher.release(server)


def test_prints_urls_and_keeps_data_under_dot_webchat(demo: Demo) -> None:
    out = demo.server.stdout_text()
    assert "/demo" in out and "/console" in out, f"URLs not printed:\n{out}"
    assert f":{demo.server.port}" in out, f"printed URLs should carry the port:\n{out}"
    data = demo.server.workdir / ".webchat"
    assert data.is_dir() and any(data.iterdir()), f"no data under {data}"


async def test_demo_tenant_and_agent_work(demo: Demo) -> None:
    visitor = Visitor()
    async with http_client(demo.server, demo.public_key) as http:
        response = await http.post(
            "/webchat/message",
            json={
                "sessionId": visitor.session_id,
                "fingerprint": visitor.fingerprint,
                "text": "hello demo",
            },
        )
        body = contract.expect_status(response, 201)
        assert body["message"]["tenantId"] == "demo"
    async with http_client(demo.server) as http:
        response = await http.post(
            "/api/agent/login",
            json={"tenantId": "demo", "email": demo.email, "password": demo.password},
        )
        token = contract.expect_status(response, 200)["token"]
    async with http_client(demo.server, token) as http:
        items = contract.expect_status(await http.get("/api/conversations"), 200)["conversations"]
    assert body["message"]["conversationId"] in {c["conversationId"] for c in items}


async def test_jwt_secret_is_per_install_and_survives_restart(demo: Demo, launcher) -> None:
    async with http_client(demo.server) as http:
        response = await http.post(
            "/api/agent/login",
            json={"tenantId": "demo", "email": demo.email, "password": demo.password},
        )
        token = contract.expect_status(response, 200)["token"]
    other = start_unconfigured(launcher, "unconfigured-2")
    try:
        other_demo = read_demo(other)
        assert other_demo.public_key != demo.public_key, "demo keys must be generated"
        async with http_client(other, token) as http:
            response = await http.get("/api/conversations")
            contract.expect_error(response, 401, "invalid_token")
    finally:
        launcher.release(other)
    demo.server.restart()
    async with http_client(demo.server, token) as http:
        contract.expect_status(await http.get("/api/conversations"), 200)
    # The restart kept the demo tenant and its keys (it did not mint a new one).
    visitor = Visitor()
    async with http_client(demo.server, demo.public_key) as http:
        response = await http.post(
            "/webchat/session",
            json={"sessionId": visitor.session_id, "fingerprint": visitor.fingerprint},
        )
        contract.expect_status(response, 200)


async def test_demo_can_be_switched_off(make_server) -> None:
    server = make_server("embedded", name="no-demo")
    async with http_client(server) as http:
        response = await http.post(
            "/api/agent/login",
            json={"tenantId": "demo", "email": "demo@example.com", "password": "demo"},
        )
        contract.expect_error(
            response, 401, {"invalid_token", "invalid_api_key", "invalid_credentials"}
        )
    assert "pk_" not in server.stdout_text()


async def test_embedded_data_survives_a_restart(make_server, make_chat) -> None:
    server = make_server("embedded", name="restart")
    tenant = create_tenant(server)
    chat = make_chat(tenant)
    visitor = Visitor()
    sent = await chat.send(visitor, "remember me")
    server.restart()
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["messageId"] for m in history["messages"]] == [sent["message"]["messageId"]]
    mine = await chat.visitor_history(sent["session"]["token"], sessionId=visitor.session_id)
    assert len(mine["messages"]) == 1
    await chat.send(visitor, "same fingerprint after restart")


async def test_demo_page_embeds_the_widget(demo: Demo) -> None:
    await check_front_end_route(demo.server, "/demo", "html")
    async with http_client(demo.server, strict=False) as http:
        page = (await http.get("/demo")).text
    assert "widget.js" in page, "the demo page embeds the widget bundle"
    assert demo.public_key in page, "the demo page carries the demo tenant's public key"
