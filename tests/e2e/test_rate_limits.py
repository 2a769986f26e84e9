"""CONTRACT §3 `rate_limited`: a flooding visitor gets 429 with Retry-After, on HTTP and
socket alike, and other visitors are not affected (WEBCHAT_VISITOR_RATE_LIMIT)."""

from __future__ import annotations

import uuid

import pytest
from limits import parse

from support import contract
from support.clients import Visitor, http_client
from support.flows import Sockets, TenantChat, create_agent, create_tenant
from webchat.services import STORED_RETRY_LOOKS


async def test_a_flooding_visitor_is_limited_and_others_are_not(make_server, sockets: Sockets):
    server = make_server("embedded", env={"WEBCHAT_VISITOR_RATE_LIMIT": "5/minute"})
    chat = TenantChat(create_tenant(server))
    flooder, bystander = Visitor(), Visitor()
    for i in range(5):
        await chat.send(flooder, f"n{i}", str(uuid.uuid4()))
    response = await chat.public.post(
        "/webchat/message", json={**flooder.identity(chat.tenant), "text": "one too many"}
    )
    contract.expect_error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60

    tab = await sockets.visitor(chat.tenant, flooder)
    ack = await tab.call("message", {**flooder.identity(chat.tenant), "text": "via socket"})
    contract.check_ack_error(ack, "rate_limited")

    await chat.send(bystander, "I am fine")
    history = await chat.history(sessionId=flooder.session_id)
    assert [m["text"] for m in history["messages"]] == [f"n{i}" for i in range(5)]

    # A retry of a stored message (its ack was lost) gets the message back, over the limit.
    stored = history["messages"][2]
    assert stored["clientMessageId"], stored
    retry = {
        **flooder.identity(chat.tenant),
        "text": "n2",
        "clientMessageId": stored["clientMessageId"],
    }
    response = await chat.public.post("/webchat/message", json=retry)
    assert contract.expect_status(response, 201)["message"]["messageId"] == stored["messageId"]
    ack = await tab.call("message", retry)
    assert ack.get("ok") and ack["message"]["messageId"] == stored["messageId"], ack

    # Looking costs a query, so a tenant gets a few looks a minute (STORED_RETRY_LOOKS):
    # a flood of fresh messages past its budget, each with a clientMessageId of its own,
    # does not turn its refusals into database load. 2 looks above, the rest here...
    looks = parse(STORED_RETRY_LOOKS)
    assert looks.get_expiry() >= 60, "the sends below fit in one window"
    for i in range(looks.amount - 2):
        fresh = {**retry, "text": f"fresh {i}", "clientMessageId": str(uuid.uuid4())}
        response = await chat.public.post("/webchat/message", json=fresh)
        contract.expect_error(response, 429, "rate_limited")
    # ... and the next retry, which would have been found, waits out its Retry-After.
    response = await chat.public.post("/webchat/message", json=retry)
    contract.expect_error(response, 429, "rate_limited")


async def test_a_tenant_can_lower_its_ceiling_but_not_raise_it(make_server) -> None:
    """WEBCHAT_TENANT_RATE_LIMIT protects the cluster from each tenant: a tenant's own
    `tenantMessages` applies when it is lower, and is ignored when it is higher."""
    server = make_server("embedded", env={"WEBCHAT_TENANT_RATE_LIMIT": "4/minute"})
    greedy, modest = TenantChat(create_tenant(server)), TenantChat(create_tenant(server))
    try:
        for chat, rate in ((greedy, "999999999/second"), (modest, "2/minute")):
            response = await chat.secret.patch(
                "/api/settings", json={"rateLimits": {"tenantMessages": rate}}
            )
            contract.expect_status(response, 200)
        for chat, allowed in ((greedy, 4), (modest, 2)):
            for i in range(allowed):
                await chat.send(Visitor(), f"n{i}")
            response = await chat.public.post(
                "/webchat/message", json={**Visitor().identity(chat.tenant), "text": "over"}
            )
            contract.expect_error(response, 429, "rate_limited")
    finally:
        await greedy.aclose()
        await modest.aclose()


async def test_failed_sign_ins_from_one_address_are_limited_whatever_the_account(
    make_server,
) -> None:
    """Per client IP (CONTRACT §14): 30 failed sign-ins a minute, across any e-mails; past
    them even the right password waits (else a script learns which guess was right)."""
    server = make_server("embedded")
    tenant = create_tenant(server)
    agent = create_agent(server, tenant)
    async with http_client(server) as http:
        for i in range(30):
            response = await http.post(
                "/api/agent/login",
                json={
                    "tenantId": tenant.tenant_id,
                    "email": f"x{i}@example.com",
                    "password": "nope",
                },
            )
            contract.expect_error(response, 401, "invalid_credentials")
        response = await http.post(
            "/api/agent/login",
            json={"tenantId": tenant.tenant_id, "email": agent.email, "password": agent.password},
        )
        contract.expect_error(response, 429, "rate_limited")
        assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.mark.real_only
async def test_a_visitor_gets_one_limit_across_two_nodes(make_server, sockets: Sockets):
    """CONTRACT §14: counted in Redis, not per process."""
    group = make_server.group("real")
    env = {"WEBCHAT_VISITOR_RATE_LIMIT": "6/minute"}
    a = make_server(group=group, name="limit-a", env=env)
    b = make_server(group=group, name="limit-b", env=env)
    tenant = create_tenant(a)
    on_a, on_b = TenantChat(tenant, a), TenantChat(tenant, b)
    flooder = Visitor()
    for i in range(3):
        await on_a.send(flooder, f"a{i}")
        await on_b.send(flooder, f"b{i}")
    for chat in (on_a, on_b):
        response = await chat.public.post(
            "/webchat/message", json={**flooder.identity(tenant), "text": "one too many"}
        )
        contract.expect_error(response, 429, "rate_limited")
    tab = await sockets.visitor(tenant, flooder, server=b)
    ack = await tab.call("message", {**flooder.identity(tenant), "text": "via socket on B"})
    contract.check_ack_error(ack, "rate_limited")
    history = await on_a.history(sessionId=flooder.session_id)
    assert len(history["messages"]) == 6
