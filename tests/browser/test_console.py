"""The agent console end to end: a real ``webchat serve``, real headless Chromium.

One browser context per person (two agents, a visitor), as separate browser
profiles would be. The visitor uses the real widget on ``/demo``; the hostile
visitor speaks the public protocol directly (socket handshake + HTTP), as any
script on the internet could.

Set ``WEBCHAT_CONSOLE_SCREENSHOT=docs/images/console.png`` to write the
README's screenshot (``test_readme_screenshot``).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from support import contract
from support.browser import Watch
from support.clients import SocketClient, Tenant, Visitor, http_client
from support.flows import create_agent, create_tenant
from support.server import WebchatProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_STATIC = ROOT / "src" / "webchat" / "console" / "static" / "index.html"
DEMO_TENANT = "demo"
LIVE = 5_000  # ms: how long a live update may take before the test calls it lost
HOSTILE_NAME = "<script>alert(1)</script>"


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def console_server(launcher: Any) -> WebchatProcess:
    """A server with the demo tenant (the page a newcomer opens) and the built console."""
    if not CONSOLE_STATIC.exists():
        subprocess.run(["npm", "run", "build:console"], cwd=ROOT, check=True, capture_output=True)
    return launcher.start("embedded", name="console", demo=True)


@pytest.fixture(scope="module")
def demo_agents(console_server: WebchatProcess) -> list[Any]:
    """Two agents of the demo tenant, made the way an operator makes them."""
    demo = Tenant(console_server, DEMO_TENANT, "", "", "")
    return [
        create_agent(console_server, demo, email=f"ann-{uuid.uuid4().hex[:6]}@example.com"),
        create_agent(console_server, demo, email=f"bob-{uuid.uuid4().hex[:6]}@example.com"),
    ]


async def new_page(
    browser: Browser,
    contexts: list[BrowserContext],
    watch: Watch,
    width: int = 1280,
    height: int = 800,
) -> Page:
    ctx = await browser.new_context(viewport={"width": width, "height": height})
    contexts.append(ctx)
    return watch.attach(await ctx.new_page())


async def sign_in(page: Page, server: WebchatProcess, tenant_id: str, agent: Any) -> None:
    await page.goto(f"{server.url}/console?tenant={tenant_id}")
    await expect(page.locator(".tenant-line")).to_contain_text(tenant_id)
    await page.get_by_label("E-mail").fill(agent.email)
    await page.get_by_label("Password").fill(agent.password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)


def online_entry(page: Page, session_id: str) -> Any:
    return page.locator(f'.pane-online .visitor[data-session-id="{session_id}"]')


async def visitor_session_id(page: Page) -> str:
    handle = await page.wait_for_function(
        "() => localStorage.getItem('chat_session_id')", timeout=LIVE
    )
    value = await handle.json_value()
    assert isinstance(value, str) and value, value
    return value


# --- the scenarios ---------------------------------------------------------------------


async def test_two_agents_and_a_demo_visitor_hold_a_conversation(
    console_server: WebchatProcess,
    demo_agents: list[Any],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = console_server
    watch = Watch()
    ann = await new_page(browser, contexts, watch)
    await sign_in(ann, server, DEMO_TENANT, demo_agents[0])

    # A visitor opens the demo page in another browser profile: Online now, within a second.
    visitor = await new_page(browser, contexts, watch, width=1024, height=760)
    await visitor.goto(f"{server.url}/demo")
    session_id = await visitor_session_id(visitor)
    started = time.monotonic()
    await expect(online_entry(ann, session_id)).to_be_visible(timeout=LIVE)
    appeared = time.monotonic() - started
    assert appeared <= 1.0, f"the visitor took {appeared:.2f}s to appear in Online now"
    entry = online_entry(ann, session_id)
    await expect(entry.locator(".visitor-name")).to_have_text(f"Visitor #{session_id[:8]}")
    await expect(entry).to_contain_text("/demo")  # the page the visitor is on
    await expect(entry.locator(".facts")).to_contain_text("Tabs1")

    # The visitor writes; the conversation shows it live, with an unread count.
    hello = f"Hello, is anyone there? {uuid.uuid4().hex[:6]}"
    await visitor.locator(".wc-launcher").click()
    await visitor.locator("#wc-input").fill(hello)
    await visitor.locator("#wc-input").press("Enter")
    row = ann.locator(".conv", has_text=hello)
    await expect(row).to_be_visible(timeout=LIVE)
    await expect(row.get_by_test_id("unread")).to_have_text("1")
    await expect(ann).to_have_title(re.compile(r"^\(1\) "))

    # A second agent signs in, sees the same conversation, and opens it.
    bob = await new_page(browser, contexts, watch)
    await sign_in(bob, server, DEMO_TENANT, demo_agents[1])
    await expect(bob.locator(".conv", has_text=hello)).to_be_visible(timeout=LIVE)
    await bob.locator(".conv", has_text=hello).click()
    await expect(bob.locator(".log .msg-visitor", has_text=hello)).to_have_count(1)

    # Ann opens it with the keyboard: full history, unread cleared.
    await row.focus()
    await ann.keyboard.press("Enter")
    await expect(ann.locator(".log .msg-visitor", has_text=hello)).to_have_count(1)
    await expect(row.get_by_test_id("unread")).to_have_count(0)

    # Typing, both ways.
    await visitor.locator("#wc-input").fill("I am still typ")
    await expect(ann.locator(".pane-chat .typing")).to_contain_text("is typing", timeout=LIVE)
    await visitor.locator("#wc-input").fill("")
    await ann.get_by_label("Reply").fill("Let me")
    await expect(visitor.locator(".wc-typing")).to_be_visible(timeout=LIVE)

    # Ann replies (Enter sends); the widget shows it, and so does Bob, live, once.
    reply = f"Hi! Ann here, how can I help? {uuid.uuid4().hex[:6]}"
    await ann.get_by_label("Reply").fill(reply)
    await ann.get_by_label("Reply").press("Enter")
    mine = ann.locator(".log .msg-agent", has_text=reply)
    await expect(mine).to_have_count(1)
    await expect(mine).to_have_attribute("data-delivery", "sent", timeout=LIVE)
    # Sent, or already Seen: the widget is open and marks what it shows as read.
    await expect(mine.locator(".msg-state")).to_have_text(re.compile(r"^✓+ (Sent|Seen)$"))
    await expect(ann.get_by_label("Reply")).to_have_value("")
    await expect(visitor.locator(".wc-msg.wc-agent", has_text=reply)).to_be_visible(timeout=LIVE)
    await expect(bob.locator(".log .msg-agent", has_text=reply)).to_have_count(1, timeout=LIVE)
    # Bob did not write it: no delivery state, the sender's name instead of "You".
    await expect(
        bob.locator(".log .msg-agent", has_text=reply).locator(".msg-state")
    ).to_have_count(0)
    await expect(
        bob.locator(".log .msg-agent", has_text=reply).locator(".msg-who")
    ).not_to_have_text("You")

    # Shift+Enter is a new line, not a send.
    await ann.get_by_label("Reply").fill("line one")
    await ann.get_by_label("Reply").press("Shift+Enter")
    await ann.get_by_label("Reply").type("line two")
    await expect(ann.get_by_label("Reply")).to_have_value("line one\nline two")
    await ann.get_by_label("Reply").fill("")

    # The visitor answers; both agents see it live in the open conversation.
    answer = f"My order has not arrived {uuid.uuid4().hex[:6]}"
    await visitor.locator("#wc-input").fill(answer)
    await visitor.locator("#wc-input").press("Enter")
    for agent_page in (ann, bob):
        await expect(agent_page.locator(".log .msg-visitor", has_text=answer)).to_have_count(
            1, timeout=LIVE
        )

    # The visitor closes its last tab: gone from Online now.
    await visitor.close()
    await expect(online_entry(ann, session_id)).to_have_count(0, timeout=LIVE)
    await expect(online_entry(bob, session_id)).to_have_count(0, timeout=LIVE)

    assert watch.dialogs == []
    assert watch.errors == []


async def test_hostile_visitor_input_is_shown_as_text_and_runs_nothing(
    console_server: WebchatProcess,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = console_server
    tenant = create_tenant(server)
    agent = create_agent(server, tenant)
    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await page.add_init_script("window.__pwned = 0")
    await sign_in(page, server, tenant.tenant_id, agent)

    email = '"><img src=x onerror="window.__pwned=1;alert(2)">@example.com'
    text = '<img src=x onerror="window.__pwned=1;alert(3)"> <b>bold?</b> javascript:alert(4)'
    visitor = Visitor(user_info={"name": HOSTILE_NAME, "email": email})
    sock = SocketClient(server, "hostile visitor")
    try:
        await sock.connect(
            {
                "apiKey": tenant.public_key,
                **visitor.identity(tenant),
                "url": "javascript:alert(5)//https://shop.example/",
            }
        )
        entry = online_entry(page, visitor.session_id)
        await expect(entry).to_be_visible(timeout=LIVE)
        await expect(entry.locator(".visitor-name")).to_have_text(HOSTILE_NAME)
        await expect(entry.locator(".visitor-email")).to_have_text(email)
        await expect(entry.locator(".visitor-url")).to_have_text(
            "javascript:alert(5)//https://shop.example/"
        )
        assert await entry.locator(".visitor-url a").count() == 0, "a javascript: URL became a link"

        async with http_client(server, tenant.public_key) as http:
            response = await http.post(
                "/webchat/message",
                json={
                    **visitor.identity(tenant),
                    "text": text,
                    "clientMessageId": str(uuid.uuid4()),
                },
            )
        contract.expect_status(response, 201)

        row = page.locator(".conv", has_text=HOSTILE_NAME)
        await expect(row).to_be_visible(timeout=LIVE)
        await expect(row.locator(".conv-name")).to_have_text(HOSTILE_NAME)
        await row.click()
        bubble = page.locator(".log .msg-visitor .msg-text")
        await expect(bubble).to_have_text(text)
        await expect(page.locator("#chat-title .chat-name")).to_have_text(HOSTILE_NAME)

        # Search finds the hostile visitor by name and by e-mail, still as text.
        await page.get_by_label("Search conversations").fill("<script>")
        await expect(page.locator(".conv")).to_have_count(1)
        await page.get_by_label("Search conversations").fill("nobody-has-this-name")
        await expect(page.locator(".conv")).to_have_count(0, timeout=LIVE)
        await page.get_by_label("Search conversations").fill("")

        await asyncio.sleep(0.5)  # an onerror handler would have fired by now
        assert await page.evaluate("window.__pwned") == 0
        assert await page.locator("#app script, #app img, #app b").count() == 0
        assert watch.dialogs == [], f"hostile input ran: {watch.dialogs}"
        assert watch.errors == []
    finally:
        await sock.close()


async def test_expired_token_returns_to_sign_in_and_keeps_the_draft(
    console_server: WebchatProcess,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = console_server
    tenant = create_tenant(server)
    agent = create_agent(server, tenant)
    visitor = Visitor(user_info={"name": "Dana"})
    async with http_client(server, tenant.public_key) as http:
        response = await http.post(
            "/webchat/message", json={**visitor.identity(tenant), "text": "Hi, one question"}
        )
    contract.expect_status(response, 201)

    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, tenant.tenant_id, agent)
    await page.locator(".conv", has_text="Dana").click()
    await page.get_by_label("Reply").fill("Half-written answer")

    # The server no longer accepts the token (as after expiry or a secret rotation).
    await page.evaluate(
        """() => {
          const key = 'webchat.console.auth';
          const auth = JSON.parse(sessionStorage.getItem(key));
          auth.token = auth.token.slice(0, -4) + 'AAAA';
          sessionStorage.setItem(key, JSON.stringify(auth));
        }"""
    )
    await page.reload()
    await expect(page.get_by_role("status")).to_contain_text("Sign in again", timeout=LIVE)
    await expect(page.locator(".tenant-line")).to_contain_text(tenant.tenant_id)
    await expect(page.get_by_label("E-mail")).to_have_value(agent.email)
    await page.get_by_label("Password").fill(agent.password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.get_by_label("Reply")).to_have_value("Half-written answer", timeout=LIVE)

    # Signing out forgets the token and the drafts.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_label("Password")).to_be_visible()
    stored = await page.evaluate("() => Object.keys(sessionStorage)")
    assert not [k for k in stored if k.startswith("webchat.console.draft")], stored
    assert "webchat.console.auth" not in stored
    # Only the last tenant and e-mail outlive the tab, never a token.
    lasting = await page.evaluate("() => JSON.stringify(localStorage)")
    assert "webchat.console.last" in lasting and "token" not in lasting, lasting
    assert watch.dialogs == []


async def test_a_newcomer_signs_in_with_the_banner_alone(
    console_server: WebchatProcess,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    """The banner's console URL and demo agent sign-in are all a newcomer types."""
    banner = console_server.banner()
    console_url = banner["agent console"]
    assert console_url.endswith(f"/console?tenant={DEMO_TENANT}"), banner
    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await page.goto(console_url)
    await expect(page.get_by_label("Tenant id")).to_have_count(0)
    await expect(page.locator(".tenant-line")).to_contain_text(DEMO_TENANT)
    await page.get_by_label("E-mail").fill(banner["agent email"])
    await page.get_by_label("Password").fill(banner["agent password"])
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)

    # A later visit without the query remembers the tenant.
    await page.get_by_role("button", name="Sign out").click()
    await page.goto(f"{console_server.url}/console")
    await expect(page.locator(".tenant-line")).to_contain_text(DEMO_TENANT)
    await expect(page.get_by_label("E-mail")).to_have_value(banner["agent email"])
    assert watch.errors == []


async def test_the_tenant_field_shows_only_when_the_email_is_ambiguous(
    console_server: WebchatProcess,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = console_server
    email = f"shared-{uuid.uuid4().hex[:6]}@example.com"
    first, second = create_tenant(server), create_tenant(server)
    only = create_agent(server, first, email=f"only-{uuid.uuid4().hex[:6]}@example.com")
    shared = create_agent(server, first, email=email)
    create_agent(server, second, email=email)
    watch = Watch()

    # An e-mail of one tenant: no tenant typed, none shown.
    page = await new_page(browser, contexts, watch)
    await page.goto(f"{server.url}/console")
    await expect(page.get_by_label("Tenant id")).to_have_count(0)
    await page.get_by_label("E-mail").fill(only.email)
    await page.get_by_label("Password").fill(only.password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)

    # An e-mail of two tenants: refused like a wrong password, then the field appears.
    page = await new_page(browser, contexts, watch)
    await page.goto(f"{server.url}/console")
    await page.get_by_label("E-mail").fill(shared.email)
    await page.get_by_label("Password").fill(shared.password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.get_by_role("alert")).to_contain_text("tenant id", timeout=LIVE)
    await page.get_by_label("Tenant id").fill(first.tenant_id)
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)
    assert watch.dialogs == []


async def test_phone_width_and_close_reopen(
    console_server: WebchatProcess,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = console_server
    tenant = create_tenant(server)
    agent = create_agent(server, tenant)
    visitor = Visitor(user_info={"name": "Eve Phone", "email": "eve@example.com"})
    async with http_client(server, tenant.public_key) as http:
        response = await http.post(
            "/webchat/message", json={**visitor.identity(tenant), "text": "Written from afar"}
        )
    contract.expect_status(response, 201)

    watch = Watch()
    page = await new_page(browser, contexts, watch, width=390, height=780)
    await sign_in(page, server, tenant.tenant_id, agent)
    await expect(page.locator(".pane-online")).to_be_hidden()
    await page.locator(".conv", has_text="Eve Phone").click()
    await expect(page.locator(".pane-list")).to_be_hidden()
    await expect(page.locator(".log .msg-visitor .msg-text")).to_have_text("Written from afar")
    widths = await page.evaluate("() => document.documentElement.scrollWidth")
    assert widths <= 390, f"the page scrolls sideways at phone width ({widths}px)"

    await page.get_by_label("Reply").fill("Answer from a phone")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".log .msg-agent")).to_have_attribute(
        "data-delivery", "sent", timeout=LIVE
    )

    # Close the conversation: it leaves the open list and shows under Closed.
    await page.get_by_role("button", name="Close", exact=True).click()
    await expect(page.locator("#chat-title")).to_contain_text("closed", timeout=LIVE)
    await page.get_by_role("button", name="Back to conversations").click()
    await expect(page.locator(".conv", has_text="Eve Phone")).to_have_count(0)
    await page.get_by_role("button", name="Closed", exact=True).click()
    await expect(page.locator(".conv", has_text="Eve Phone")).to_be_visible(timeout=LIVE)
    await page.locator(".conv", has_text="Eve Phone").click()
    await page.get_by_role("button", name="Reopen").click()
    await expect(page.locator("#chat-title")).not_to_contain_text("closed", timeout=LIVE)
    assert watch.dialogs == []
    assert watch.errors == []


async def test_console_page_is_served_under_a_strict_csp(
    console_server: WebchatProcess,
) -> None:
    async with http_client(console_server, strict=False) as http:
        page = await http.get("/console")
        assert page.status_code == 200
        csp = page.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp, csp
        assert "frame-ancestors 'none'" in csp, csp
        assert (
            "unsafe-eval" not in csp
            and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        )
        html = page.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script in /console"
        assets = re.findall(r'(?:src|href)="(/static/console/[^"]+)"', html)
        assert assets, html
        for asset in assets:
            response = await http.get(asset)
            assert response.status_code == 200, asset
            assert "immutable" in response.headers.get("cache-control", ""), asset


async def test_console_reconnects_after_a_server_restart_and_misses_nothing(
    make_server: Any,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    if not CONSOLE_STATIC.exists():
        pytest.skip("console not built")
    server = make_server("embedded", name="console-restart")
    tenant = create_tenant(server)
    agent = create_agent(server, tenant)
    visitor = Visitor(user_info={"name": "Rita Restart"})

    async def visitor_says(text: str) -> None:
        async with http_client(server, tenant.public_key) as http:
            response = await http.post(
                "/webchat/message",
                json={
                    **visitor.identity(tenant),
                    "text": text,
                    "clientMessageId": str(uuid.uuid4()),
                },
            )
        contract.expect_status(response, 201)

    await visitor_says("before the restart")
    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, tenant.tenant_id, agent)
    await page.locator(".conv", has_text="Rita Restart").click()
    await expect(page.locator(".log .msg-visitor .msg-text")).to_have_text(["before the restart"])

    await asyncio.to_thread(server.stop)
    await expect(page.locator(".link-reconnecting")).to_be_visible(timeout=LIVE)
    await asyncio.to_thread(server.start)
    # Written before the console is back: it must come through sync (or a fresh page).
    await visitor_says("while the console was away")
    await expect(page.locator(".link-live")).to_be_visible(timeout=15_000)
    await visitor_says("after the reconnect")
    await expect(page.locator(".log .msg-visitor .msg-text")).to_have_text(
        ["before the restart", "while the console was away", "after the reconnect"],
        timeout=LIVE,
    )
    # The reply still goes out on the new connection, once.
    await page.get_by_label("Reply").fill("Back again")
    await page.get_by_label("Reply").press("Enter")
    await expect(page.locator(".log .msg-agent")).to_have_attribute(
        "data-delivery", "sent", timeout=LIVE
    )
    await expect(page.locator(".log .msg-agent")).to_have_count(1)
    assert watch.dialogs == []


@pytest.mark.skipif(
    not os.environ.get("WEBCHAT_CONSOLE_SCREENSHOT"), reason="WEBCHAT_CONSOLE_SCREENSHOT not set"
)
async def test_readme_screenshot(
    console_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """The README's picture: a few visitors, one live conversation, an unread count."""
    server = console_server
    tenant = create_tenant(server, tenant_id=f"acme-{uuid.uuid4().hex[:4]}")
    agent = create_agent(server, tenant, email="sam@acme.example")
    maria = Visitor(
        user_id="cust-4821",
        user_info={"name": "Maria Garcia", "email": "maria.garcia@example.com"},
    )
    lee = Visitor()
    tom = Visitor(user_info={"name": "Tom Becker", "email": "tom@example.org"})
    sockets: list[SocketClient] = []

    async def connect(v: Visitor, url: str) -> SocketClient:
        sock = SocketClient(server, "screenshot visitor")
        await sock.connect({"apiKey": tenant.public_key, **v.identity(tenant), "url": url})
        sockets.append(sock)
        return sock

    async def say(v: Visitor, text: str) -> None:
        async with http_client(server, tenant.public_key) as http:
            response = await http.post(
                "/webchat/message", json={**v.identity(tenant), "text": text}
            )
        contract.expect_status(response, 201)

    try:
        await say(tom, "Thanks, that fixed it!")
        await say(maria, "Hi! I was charged twice for order #4821.")
        maria_socket = await connect(maria, "https://shop.example/account/orders/4821")
        await connect(maria, "https://shop.example/help/billing")
        await connect(lee, "https://shop.example/pricing")
        page = await new_page(browser, contexts, Watch(), width=1280, height=760)
        await sign_in(page, server, tenant.tenant_id, agent)
        await page.locator(".conv", has_text="Maria Garcia").click()
        await page.get_by_label("Reply").fill(
            "Sorry about that, Maria! I can see both charges. Refunding the second one now."
        )
        await page.get_by_label("Reply").press("Enter")
        await expect(page.locator(".log .msg-agent")).to_have_attribute("data-delivery", "sent")
        await say(maria, "Great, thank you. How long does the refund take?")
        await say(lee, "Do you ship to Canada?")
        lee_row = page.locator(".conv", has_text="Do you ship to Canada?")
        await expect(lee_row.get_by_test_id("unread")).to_have_text("1")
        await maria_socket.emit("typing", {"sessionId": maria.session_id, "isTyping": True})
        await expect(page.locator(".pane-chat .typing")).to_contain_text("is typing")
        await page.get_by_label("Reply").fill("Usually 3–5 business days")
        await page.mouse.click(640, 300)
        await page.screenshot(path=str(ROOT / os.environ["WEBCHAT_CONSOLE_SCREENSHOT"]))
    finally:
        for sock in sockets:
            await sock.close()
