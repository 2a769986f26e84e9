"""CONTRACT §9 against running servers: tenant settings (validation, partial changes,
roles, isolation), `/webchat/config`, and `availability` pushed to visitor sockets when
agents come and go or hours change, on one node and across two."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from support import contract
from support.clients import Tenant, Visitor, http_client
from support.flows import Sockets, TenantChat, create_agent, create_tenant, login
from support.server import WebchatProcess

SETTINGS_KEYS = {
    "name",
    "allowedOrigins",
    "identityVerification",
    "widget",
    "businessHours",
    "offlineMode",
    "assignment",
    "agentCapacity",
    "retentionDays",
    "attachments",
    "rateLimits",
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Availability reaches visitor sockets within 5 s (CONTRACT §9).
PUSH = 5.0


def hours_open_now(open_now: bool) -> dict[str, Any]:
    """Business hours in Tokyo that are open (or closed) at this very minute."""
    zone = ZoneInfo("Asia/Tokyo")
    now = datetime.now(UTC).astimezone(zone)
    day = DAYS[now.weekday()]
    start = (now - timedelta(hours=1)).strftime("%H:%M") if now.hour >= 1 else "00:00"
    end = (now + timedelta(hours=1)).strftime("%H:%M") if now.hour < 22 else "24:00"
    weekly = {day: [[start, end]]} if open_now else {}
    return {"timezone": "Asia/Tokyo", "weekly": weekly, "holidays": []}


async def settings_of(chat: TenantChat) -> dict[str, Any]:
    body = contract.expect_status(await chat.secret.get("/api/settings"), 200)
    return dict(body["settings"])


async def test_settings_have_every_field_and_change_partially(
    server: WebchatProcess, make_tenant: Callable[..., Tenant]
) -> None:
    tenant = make_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        settings = await settings_of(chat)
        assert set(settings) >= SETTINGS_KEYS, settings
        assert settings["widget"]["position"] == "right" and settings["offlineMode"] == "chat"
        assert settings["widget"]["greeting"] is None  # the widget's own words until set
        greeting = "Hello from Acme"
        response = await chat.secret.patch("/api/settings", json={"widget": {"greeting": greeting}})
        contract.expect_status(response, 200)
        response = await chat.secret.patch(
            "/api/settings", json={"widget": {"color": "#ff0000"}, "offlineMode": "form"}
        )
        changed = contract.expect_status(response, 200)["settings"]
        assert changed["widget"]["color"] == "#ff0000"
        assert changed["widget"]["greeting"] == greeting, "a partial PATCH lost a field"
        assert changed["offlineMode"] == "form" and changed["assignment"] == "manual"
        hours = hours_open_now(True)
        response = await chat.secret.patch("/api/settings", json={"businessHours": hours})
        assert contract.expect_status(response, 200)["settings"]["businessHours"] == hours
        response = await chat.secret.patch("/api/settings", json={"businessHours": None})
        assert contract.expect_status(response, 200)["settings"]["businessHours"] is None
        assert (await settings_of(chat))["widget"]["color"] == "#ff0000"
        # A widget text set to null goes back to the widget's own words; a colour may not.
        response = await chat.secret.patch("/api/settings", json={"widget": {"greeting": None}})
        assert contract.expect_status(response, 200)["settings"]["widget"]["greeting"] is None
        response = await chat.secret.patch("/api/settings", json={"widget": {"color": None}})
        contract.expect_error(response, 422, "invalid_request")
    finally:
        await chat.aclose()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"widget": {"color": "red"}}, "color"),
        ({"widget": {"position": "top"}}, "position"),
        ({"businessHours": {"timezone": "Mars/Olympus", "weekly": {}}}, "timezone"),
        ({"businessHours": {"timezone": "UTC", "weekly": {"mon": [["18:00", "09:00"]]}}}, "weekly"),
        ({"businessHours": {"timezone": "UTC", "weekly": {"moon": []}}}, "weekly"),
        (
            {"businessHours": {"timezone": "UTC", "weekly": {}, "holidays": ["2026-13-01"]}},
            "holidays",
        ),
        ({"offlineMode": "vanish"}, "offlineMode"),
        ({"retentionDays": 0}, "retentionDays"),
        ({"agentCapacity": 0}, "agentCapacity"),
        ({"attachments": {"maxBytes": 1}}, "maxBytes"),
        ({"allowedOrigins": ["javascript:alert(1)"]}, "allowedOrigins"),
        ({"offlineMode": None}, "offlineMode"),
        ({"widget": None}, "widget"),
        ({"rateLimits": {"visitorMessages": "lots"}}, "visitorMessages"),
        ({"rateLimits": {"tenantMessages": "0/minute"}}, "tenantMessages"),
        ({"rateLimits": {"tenantMessages": "10/fortnight"}}, "tenantMessages"),
    ],
)
async def test_bad_settings_are_422_naming_the_field(
    server: WebchatProcess, tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    async with http_client(server, tenant.secret_key) as http:
        response = await http.patch("/api/settings", json=body)
    error = contract.expect_error(response, 422, "invalid_request")
    assert field in error["message"], error


async def test_settings_roles_and_tenants(
    server: WebchatProcess, make_tenant: Callable[..., Tenant]
) -> None:
    mine, theirs = make_tenant(server), make_tenant(server)
    agent = create_agent(server, mine)
    token = await login(server, agent)
    async with http_client(server, token) as http:
        assert contract.expect_status(await http.get("/api/settings"), 200)
        response = await http.patch("/api/settings", json={"offlineMode": "hide"})
        contract.expect_error(response, 403, "forbidden")
    async with http_client(server, mine.public_key) as http:
        contract.expect_error(await http.get("/api/settings"), 403, "forbidden")
    async with http_client(server, mine.secret_key) as http:
        await http.patch("/api/settings", json={"widget": {"greeting": "Mine only"}})
    async with http_client(server, theirs.secret_key) as http:
        other = contract.expect_status(await http.get("/api/settings"), 200)["settings"]
    assert other["widget"]["greeting"] != "Mine only"


async def test_widget_config_shows_looks_mode_and_availability(
    server: WebchatProcess, make_tenant: Callable[..., Tenant]
) -> None:
    guarded = make_tenant(server, allowed_origins=("https://shop.example.com",))
    async with http_client(server, guarded.public_key) as http:
        refused = await http.get("/webchat/config", headers={"Origin": "https://evil.example"})
        contract.expect_error(refused, 403, "forbidden_origin")
        response = await http.get("/webchat/config", headers={"Origin": "https://shop.example.com"})
    config = contract.expect_status(response, 200)
    assert config["tenantId"] == guarded.tenant_id
    assert set(config["widget"]) >= {"color", "position", "greeting", "offlineGreeting", "locale"}
    assert config["offlineMode"] == "chat"
    assert config["availability"] == {"status": "away", "agentsOnline": 0, "nextOpenAt": None}
    async with http_client(server, guarded.secret_key) as http:
        contract.expect_error(await http.get("/webchat/config"), 403, "forbidden")


async def wait_availability(socket: Any, status: str, after: int) -> dict[str, Any]:
    """An `availability` with this status among those after the first `after` received
    (count them before the action that should cause it)."""
    started = time.monotonic()
    while time.monotonic() - started <= PUSH:
        for event in socket.events("availability")[after:]:
            if event["status"] == status:
                return dict(event)
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"no availability {status!r} within {PUSH:.0f} s: {socket.events('availability')}"
    )


def pushed(socket: Any) -> int:
    return int(socket.count("availability"))


async def test_availability_follows_agents_and_hours(
    server: WebchatProcess, make_tenant: Callable[..., Tenant], sockets: Sockets
) -> None:
    tenant = make_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        visitor = await sockets.visitor(tenant, Visitor())
        agent = create_agent(server, tenant)
        mark = pushed(visitor)
        console = await sockets.agent(server, token=await login(server, agent))
        online = await wait_availability(visitor, "online", mark)
        assert online["agentsOnline"] == 1 and online["nextOpenAt"] is None
        mark = pushed(visitor)
        await console.close()
        await wait_availability(visitor, "away", mark)
        # Outside business hours: offline, whether or not agents are there.
        mark = pushed(visitor)
        response = await chat.secret.patch(
            "/api/settings", json={"businessHours": hours_open_now(False)}
        )
        contract.expect_status(response, 200)
        offline = await wait_availability(visitor, "offline", mark)
        assert offline["nextOpenAt"] is None  # no opening at all in those hours
        config = contract.expect_status(await chat.public.get("/webchat/config"), 200)
        assert config["availability"]["status"] == "offline"
        mark = pushed(visitor)
        response = await chat.secret.patch(
            "/api/settings", json={"businessHours": hours_open_now(True)}
        )
        await wait_availability(visitor, "away", mark)
    finally:
        await chat.aclose()


async def test_availability_crosses_nodes(
    make_server: Callable[..., WebchatProcess], sockets: Sockets, backend: str
) -> None:
    if backend != "real":
        pytest.skip("two nodes need real Redis + PostgreSQL")
    group = make_server.group(backend)  # type: ignore[attr-defined]
    first = make_server(group=group, name="avail-a")
    second = make_server(group=group, name="avail-b")
    tenant = create_tenant(first)
    visitor = await sockets.visitor(tenant, Visitor(), server=second)
    agent = create_agent(first, tenant)
    mark = pushed(visitor)
    console = await sockets.agent(first, token=await login(first, agent))
    await wait_availability(visitor, "online", mark)
    mark = pushed(visitor)
    await console.close()
    await wait_availability(visitor, "away", mark)
    # A setting changed on one node is seen by the other within 2 s.
    async with http_client(first, tenant.secret_key) as http:
        await http.patch("/api/settings", json={"widget": {"greeting": "Changed on A"}})
    deadline = time.monotonic() + 2.0
    async with http_client(second, tenant.public_key) as http:
        while True:
            config = contract.expect_status(await http.get("/webchat/config"), 200)
            if config["widget"]["greeting"] == "Changed on A":
                break
            assert time.monotonic() < deadline, "node B did not see the change within 2 s"
            await asyncio.sleep(0.1)


async def test_a_tenant_sets_its_own_message_rates_and_floods_alone(
    server: WebchatProcess, make_tenant: Callable[..., Tenant]
) -> None:
    """`rateLimits`: per visitor session and per tenant (every sender together); null
    returns to the server's default; another tenant is not affected."""
    noisy, quiet = TenantChat(make_tenant(server), server), TenantChat(make_tenant(server), server)
    try:
        assert (await settings_of(noisy))["rateLimits"] == {
            "visitorMessages": None,
            "tenantMessages": None,
        }
        rates = {"visitorMessages": "2/minute", "tenantMessages": "5/minute"}
        response = await noisy.secret.patch("/api/settings", json={"rateLimits": rates})
        assert contract.expect_status(response, 200)["settings"]["rateLimits"] == rates

        first, second, third = Visitor(), Visitor(), Visitor()
        await noisy.send(first, "one")
        await noisy.send(first, "two")
        response = await noisy.public.post(
            "/webchat/message", json={**first.identity(noisy.tenant), "text": "three"}
        )
        contract.expect_error(response, 429, "rate_limited")  # the visitor's budget
        await noisy.send(second, "three")
        await noisy.send(second, "four")
        five = await noisy.send(third, "five")
        response = await noisy.public.post(
            "/webchat/message", json={**third.identity(noisy.tenant), "text": "six"}
        )
        contract.expect_error(response, 429, "rate_limited")  # the tenant's budget
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        # The tenant's own backend shares the budget; the quiet tenant has its own.
        conversation_id = five["message"]["conversationId"]
        reply = await noisy.secret.post(
            f"/api/conversations/{conversation_id}/messages", json={"text": "from the backend"}
        )
        contract.expect_error(reply, 429, "rate_limited")
        for i in range(6):
            await quiet.send(Visitor(), f"quiet {i}")

        response = await noisy.secret.patch(
            "/api/settings", json={"rateLimits": {"tenantMessages": None}}
        )
        settings = contract.expect_status(response, 200)["settings"]
        assert settings["rateLimits"] == {"visitorMessages": "2/minute", "tenantMessages": None}
        await noisy.send(Visitor(), "the server's default again")
    finally:
        await noisy.aclose()
        await quiet.aclose()
