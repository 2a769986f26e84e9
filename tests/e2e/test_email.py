"""CONTRACT §9 e-mail against a real SMTP server process (aiosmtpd, `support/smtp_server`)
and `webchat serve` processes: missed replies, read-in-time, restarts, retries, two
nodes, transcripts, alerts to admins, escaping, the unsubscribe link."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from support import contract
from support.clients import Visitor, http_client
from support.flows import TenantChat, create_agent, create_tenant
from support.server import WebchatProcess
from support.services import SmtpServer

DELAY = "2s"
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.cleanup()


def mail_env(smtp: SmtpServer, **extra: str) -> dict[str, str]:
    return {
        "WEBCHAT_SMTP_URL": smtp.url,
        "WEBCHAT_MAIL_FROM": "Acme Support <support@acme.example>",
        "WEBCHAT_EMAIL_DELAY": DELAY,
        "WEBCHAT_EMAIL_RETRY_SECONDS": "1",
        "WEBCHAT_PUBLIC_URL": "https://chat.acme.example",
        **extra,
    }


async def wait_for_mail(smtp: SmtpServer, count: int, within: float = 20.0) -> list[Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        messages = smtp.messages()
        if len(messages) >= count:
            return messages
        await asyncio.sleep(0.2)
    raise AssertionError(f"expected {count} e-mail(s) within {within:.0f}s, got {smtp.messages()}")


async def no_more_mail(smtp: SmtpServer, count: int, seconds: float = 4.0) -> None:
    await asyncio.sleep(seconds)
    got = smtp.messages()
    assert len(got) == count, f"expected exactly {count} e-mail(s), got {len(got)}: " + ", ".join(
        str(m["Subject"]) for m in got
    )


async def visitor_with_email(chat: TenantChat, email: str, name: str = "Dana") -> dict:
    visitor = Visitor()
    sent = await chat.send(visitor, "Hello, anyone there?")
    response = await chat.public.post(
        "/webchat/contact", json={**visitor.identity(chat.tenant), "email": email, "name": name}
    )
    body = contract.expect_status(response, 200)
    assert body["conversation"]["visitor"]["email"] == email
    assert "assigneeId" not in body["conversation"], "agent-only data in a visitor answer"
    return {"visitor": visitor, "conversationId": sent["message"]["conversationId"]}


async def agent_says(chat: TenantChat, conversation_id: str, text: str) -> dict:
    response = await chat.secret.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": text}
    )
    return dict(contract.expect_status(response, 201)["message"])


def parts(message: Any) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return plain, html


async def test_missed_replies_come_in_one_escaped_email(
    make_server: Callable[..., WebchatProcess], smtp: SmtpServer, backend: str
) -> None:
    server = make_server(backend, env=mail_env(smtp))
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        found = await visitor_with_email(chat, "dana@example.com")
        await agent_says(chat, found["conversationId"], "First answer")
        await agent_says(chat, found["conversationId"], HOSTILE)
        (mail,) = await wait_for_mail(smtp, 1)
        assert mail["To"] == "dana@example.com"
        plain, html = parts(mail)
        assert "First answer" in plain and HOSTILE in plain
        assert "<script>" not in html and "&lt;script&gt;" in html and "<b>bold" not in html
        unsubscribe = mail["List-Unsubscribe"].strip("<>")
        assert unsubscribe.startswith("https://chat.acme.example/webchat/unsubscribe?"), mail
        await no_more_mail(smtp, 1)
        # A new reply after the e-mail comes in a new e-mail, without the old ones.
        await agent_says(chat, found["conversationId"], "Third answer")
        second = (await wait_for_mail(smtp, 2))[1]
        plain, _ = parts(second)
        assert "Third answer" in plain and "First answer" not in plain
    finally:
        await chat.aclose()


async def test_no_email_when_the_visitor_read_in_time(
    make_server: Callable[..., WebchatProcess], smtp: SmtpServer
) -> None:
    server = make_server("embedded", env=mail_env(smtp, WEBCHAT_EMAIL_DELAY="3s"))
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        found = await visitor_with_email(chat, "quick@example.com")
        reply = await agent_says(chat, found["conversationId"], "Here you go")
        response = await chat.public.post(
            "/webchat/read",
            json={**found["visitor"].identity(tenant), "upTo": reply["messageId"]},
        )
        contract.expect_status(response, 200)
        await no_more_mail(smtp, 0, seconds=6)
    finally:
        await chat.aclose()


async def test_due_during_a_restart_is_sent_after_it(
    make_server: Callable[..., WebchatProcess], smtp: SmtpServer, backend: str
) -> None:
    server = make_server(backend, env=mail_env(smtp, WEBCHAT_EMAIL_DELAY="3s"))
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        found = await visitor_with_email(chat, "later@example.com")
        await agent_says(chat, found["conversationId"], "Reply before the restart")
        server.kill()
        await asyncio.sleep(4)  # due while the server is down
        server.start()
        (mail,) = await wait_for_mail(smtp, 1)
        assert "Reply before the restart" in parts(mail)[0]
    finally:
        await chat.aclose()


async def test_refused_then_accepted_is_retried(
    make_server: Callable[..., WebchatProcess],
) -> None:
    flaky = SmtpServer(refuse=2).start()
    try:
        server = make_server("embedded", env=mail_env(flaky))
        tenant = create_tenant(server)
        chat = TenantChat(tenant, server)
        try:
            found = await visitor_with_email(chat, "retry@example.com")
            await agent_says(chat, found["conversationId"], "Worth the wait")
            (mail,) = await wait_for_mail(flaky, 1, within=30)
            assert "Worth the wait" in parts(mail)[0]
            await no_more_mail(flaky, 1, seconds=3)
        finally:
            await chat.aclose()
    finally:
        flaky.cleanup()


@pytest.mark.real_only
async def test_two_nodes_send_each_batch_once(
    make_server: Callable[..., WebchatProcess], smtp: SmtpServer, backend: str
) -> None:
    group = make_server.group(backend)  # type: ignore[attr-defined]
    first = make_server(group=group, name="mail-a", env=mail_env(smtp))
    second = make_server(group=group, name="mail-b", env=mail_env(smtp))
    tenant = create_tenant(first)
    chats = [TenantChat(tenant, first), TenantChat(tenant, second)]
    try:
        conversations = []
        for i in range(12):
            chat = chats[i % 2]
            found = await visitor_with_email(chat, f"v{i}@example.com")
            conversations.append(found["conversationId"])
            await agent_says(chats[(i + 1) % 2], found["conversationId"], f"Answer {i}")
        messages = await wait_for_mail(smtp, 12, within=30)
        await no_more_mail(smtp, 12)
        assert sorted(str(m["To"]) for m in messages) == sorted(
            f"v{i}@example.com" for i in range(12)
        )
    finally:
        for chat in chats:
            await chat.aclose()


async def test_transcript_needs_an_email_then_sends_everything(
    make_server: Callable[..., WebchatProcess], smtp: SmtpServer
) -> None:
    server = make_server("embedded", env=mail_env(smtp))
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        anonymous = Visitor()
        await chat.send(anonymous, "no e-mail here")
        response = await chat.public.post("/webchat/transcript", json=anonymous.identity(tenant))
        contract.expect_error(response, 422, "invalid_request")
        for bad in ("not-an-email", "a@b", "two@@example.com", " @x.io"):
            response = await chat.public.post(
                "/webchat/contact", json={**anonymous.identity(tenant), "email": bad}
            )
            contract.expect_error(response, 422, "invalid_request")
        found = await visitor_with_email(chat, "copy@example.com")
        await agent_says(chat, found["conversationId"], "Glad to help")
        response = await chat.public.post(
            "/webchat/transcript", json=found["visitor"].identity(tenant)
        )
        assert response.status_code == 202, response.text
        (mail,) = await wait_for_mail(smtp, 1, within=5)
        plain, _ = parts(mail)
        assert "Hello, anyone there?" in plain and "Glad to help" in plain
    finally:
        await chat.aclose()


async def test_admins_hear_of_a_conversation_nobody_is_online_for(
    make_server: Callable[..., WebchatProcess], smtp: SmtpServer
) -> None:
    server = make_server("embedded", env=mail_env(smtp))
    tenant = create_tenant(server)
    admin_email = f"boss-{uuid.uuid4().hex[:6]}@acme.example"
    server.cli(
        "agent",
        "create",
        tenant.tenant_id,
        admin_email,
        "--password-stdin",
        "--role",
        "admin",
        stdin="a long password\n",
    )
    create_agent(server, tenant)  # a plain agent: no alert for them
    chat = TenantChat(tenant, server)
    try:
        visitor = Visitor(user_info={"name": "<i>Eve</i>"})
        await chat.send(visitor, "Is anyone there at night?")
        (mail,) = await wait_for_mail(smtp, 1)
        assert mail["To"] == admin_email
        plain, html = parts(mail)
        assert "Is anyone there at night?" in plain and "<i>Eve</i>" not in html
        await chat.send(visitor, "Second message")
        await no_more_mail(smtp, 1, seconds=3)
    finally:
        await chat.aclose()


async def test_the_unsubscribe_link_stops_emails(
    make_server: Callable[..., WebchatProcess], smtp: SmtpServer
) -> None:
    server = make_server("embedded", env=mail_env(smtp))
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        found = await visitor_with_email(chat, "stop@example.com")
        await agent_says(chat, found["conversationId"], "One")
        (mail,) = await wait_for_mail(smtp, 1)
        link = httpx.URL(mail["List-Unsubscribe"].strip("<>"))
        async with http_client(server, strict=False) as http:
            forged = await http.post(link.path, params={**dict(link.params), "s": "0" * 64})
            assert forged.status_code == 404
            # Looking at the link (as mail scanners do) changes nothing; confirming does.
            page = await http.get(link.path, params=dict(link.params))
            assert page.status_code == 200 and "<form" in page.text
            assert "default-src 'none'" in page.headers["content-security-policy"]
            assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            done = await http.post(link.path, params=dict(link.params))
            assert done.status_code == 200 and "unsubscribed" in done.text
        await agent_says(chat, found["conversationId"], "Two")
        await no_more_mail(smtp, 1)
    finally:
        await chat.aclose()
