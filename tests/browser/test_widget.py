"""The chat widget end to end: a real ``webchat serve``, real headless Chromium.

Each browser context is one browser profile (its own localStorage). Visitors use
the real bundle, either on the server's ``/demo`` page or on a stand-in host
site on another origin (``http://localhost:<port>``) and that embeds the widget
cross-origin exactly as a customer would. Agents answer through the public HTTP
API with a secret key, as a tenant's backend could.

Set ``WEBCHAT_WIDGET_SCREENSHOT=docs/images/widget.png`` to write the README's
screenshot of the open widget on the demo page.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import os
import re
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from support.browser import Watch
from support.clients import Tenant
from support.flows import create_tenant
from support.server import WebchatProcess
from support.services import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
WIDGET_STATIC = ROOT / "src" / "webchat" / "widget" / "static" / "widget.js"
LIVE = 5_000  # ms: how long a live update may take before the test calls it lost
HOSTILE = "<img src=x onerror=alert(1)>"


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def widget_server(launcher: Any) -> WebchatProcess:
    """A server with the demo tenant and the built widget."""
    if not WIDGET_STATIC.exists():
        subprocess.run(["npm", "run", "build:widget"], cwd=ROOT, check=True, capture_output=True)
    return launcher.start("embedded", name="widget", demo=True)


@pytest.fixture(scope="module")
def demo_secret_key(widget_server: WebchatProcess) -> str:
    """A secret key of the demo tenant, made the way an operator makes one."""
    return widget_server.cli("key", "create", "demo", "--kind", "secret")["key"]


@pytest.fixture(scope="module")
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def shop_tenant(widget_server: WebchatProcess, host_site: HostSite) -> Tenant:
    """A customer whose site embeds the widget; only that origin is allowed."""
    return create_tenant(widget_server, allowed_origins=(host_site.origin,))


@pytest.fixture
async def profiles(browser: Browser) -> AsyncIterator[Callable[..., Awaitable[BrowserContext]]]:
    """``await profiles(width=, height=)``: a fresh browser profile; all closed after the test."""
    made: list[BrowserContext] = []

    async def make(width: int = 1100, height: int = 760) -> BrowserContext:
        ctx = await browser.new_context(viewport={"width": width, "height": height})
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        with contextlib.suppress(Exception):
            await ctx.close()


@pytest.fixture
def watch() -> Any:
    watch = Watch()
    yield watch
    assert watch.problems == [], watch.problems


class HostSite:
    """A customer's website on another origin than the chat server (``localhost`` vs
    ``127.0.0.1``), a real HTTP server so Chromium sees a loopback page calling a
    loopback server (Local Network Access allows that; a page Playwright fulfils
    itself counts as public and may not load scripts from 127.0.0.1)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.page = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.page)))
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"

    def embed(self, server: WebchatProcess, tenant: Tenant) -> str:
        """Serve a page embedding the widget with its one script tag; returns its URL.

        The page's own CSS is hostile on purpose: it must not reach the widget."""
        self.page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Shop</title>"
            "<style>body{font:20px serif;color:red} div,button,p,h2{all:unset;color:green}</style>"
            "</head><body><h1>Shop</h1>"
            f"<script src='{server.url}/widget.js' data-api-key='{tenant.public_key}' async>"
            "</script>"
            "</body></html>"
        ).encode()
        return f"{self.origin}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- helpers --------------------------------------------------------------------------


def widget(page: Page) -> Locator:
    """The widget's root inside its shadow root (Playwright's CSS pierces open shadow roots)."""
    return page.locator("[data-webchat] .wc-root")


async def open_widget(page: Page) -> None:
    await page.locator(".wc-launcher").click()
    await expect(page.locator(".wc-panel")).to_be_visible()
    await expect(page.locator("#wc-input")).to_be_focused()


async def send(page: Page, text: str) -> Locator:
    """Type and send with Enter; returns the bubble, once the server acknowledged it."""
    await page.locator("#wc-input").fill(text)
    await page.locator("#wc-input").press("Enter")
    bubble = visitor_bubbles(page, text)
    await expect(bubble).to_have_count(1, timeout=LIVE)
    await expect(bubble).to_have_class(re.compile(r"\bwc-sent\b"), timeout=LIVE)
    return bubble


def visitor_bubbles(page: Page, text: str) -> Locator:
    return page.locator(".wc-msg.wc-visitor").filter(has=page.locator(".wc-text", has_text=text))


def agent_bubbles(page: Page, text: str) -> Locator:
    return page.locator(".wc-msg.wc-agent").filter(has=page.locator(".wc-text", has_text=text))


async def session_id(page: Page) -> str:
    handle = await page.wait_for_function("() => localStorage.getItem('chat_session_id')")
    return str(await handle.json_value())


async def history(server: WebchatProcess, secret_key: str, **query: str) -> list[dict]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.get(
            "/api/chat/messages",
            params={**query, "limit": "200"},
            headers={"Authorization": f"Bearer {secret_key}"},
        )
    assert response.status_code == 200, response.text
    return response.json()["messages"]


async def agent_reply(server: WebchatProcess, secret_key: str, sid: str, text: str) -> dict:
    """An agent answers the visitor's conversation through the tenant's secret key."""
    messages = await history(server, secret_key, sessionId=sid)
    assert messages, f"no conversation for session {sid}"
    conversation_id = messages[-1]["conversationId"]
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"text": text, "clientMessageId": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {secret_key}"},
        )
    assert response.status_code == 201, response.text
    return response.json()["message"]


class CuttableProxy:
    """A TCP proxy in front of the server whose network can be cut and restored.

    Cutting closes every open connection (the socket drops, in-flight requests
    fail) and refuses new ones, as when a laptop leaves the Wi-Fi.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> CuttableProxy:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        return self

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        if self.server is not None:
            await self.cut()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            writer.transport.abort()
            return
        self.writers.update({writer, upstream_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.transport.abort()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        self.writers.difference_update({writer, upstream_writer})


# --- the scenarios ---------------------------------------------------------------------


async def test_two_tabs_share_one_session_and_see_each_other_live(
    widget_server: WebchatProcess, profiles: Any, watch: Watch
) -> None:
    ctx = await profiles()
    first = watch.attach(await ctx.new_page())
    second = watch.attach(await ctx.new_page())
    await first.goto(f"{widget_server.url}/demo")
    await second.goto(f"{widget_server.url}/demo")
    assert await session_id(first) == await session_id(second)
    await open_widget(first)
    await open_widget(second)

    await send(first, "Written in tab one")
    await expect(visitor_bubbles(second, "Written in tab one")).to_have_count(1, timeout=LIVE)
    await send(second, "Answered from tab two")
    await expect(visitor_bubbles(first, "Answered from tab two")).to_have_count(1, timeout=LIVE)

    # Each tab shows each message once, in the same order.
    for page in (first, second):
        texts = await page.locator(".wc-msg.wc-visitor .wc-text").all_inner_texts()
        assert texts == [
            "Written in tab one",
            "Answered from tab two",
        ]

    # Another profile is another visitor: it sees none of it.
    stranger = watch.attach(await (await profiles()).new_page())
    await stranger.goto(f"{widget_server.url}/demo")
    await open_widget(stranger)
    assert await session_id(stranger) != await session_id(first)
    await expect(stranger.locator(".wc-greeting")).to_be_visible()
    await expect(stranger.locator(".wc-msg.wc-visitor")).to_have_count(0)


async def test_reload_keeps_history(
    widget_server: WebchatProcess, profiles: Any, watch: Watch
) -> None:
    page = watch.attach(await (await profiles()).new_page())
    await page.goto(f"{widget_server.url}/demo")
    await open_widget(page)
    await send(page, "Do you ship to Canada?")
    await send(page, "And to Mexico?\nThanks!")

    await page.reload()
    await open_widget(page)
    await expect(visitor_bubbles(page, "Do you ship to Canada?")).to_have_count(1, timeout=LIVE)
    second = visitor_bubbles(page, "And to Mexico?")
    await expect(second).to_have_count(1)
    assert await second.locator(".wc-text").inner_text() == "And to Mexico?\nThanks!"


async def test_agent_reply_appears_live_with_unread_count(
    widget_server: WebchatProcess, demo_secret_key: str, profiles: Any, watch: Watch
) -> None:
    page = watch.attach(await (await profiles()).new_page())
    await page.goto(f"{widget_server.url}/demo")
    await open_widget(page)
    await send(page, "Is anyone there?")
    sid = await session_id(page)

    await agent_reply(widget_server, demo_secret_key, sid, "Hi, Ann here. How can I help?")
    await expect(agent_bubbles(page, "Hi, Ann here.")).to_have_count(1, timeout=LIVE)
    live_region = page.locator(".wc-announcer")
    await expect(live_region).to_contain_text("Hi, Ann here. How can I help?")

    # Closed, the launcher counts what arrives, and opening clears it.
    await page.keyboard.press("Escape")
    await expect(page.locator(".wc-panel")).to_be_hidden()
    await expect(page.locator(".wc-launcher")).to_be_focused()
    await agent_reply(widget_server, demo_secret_key, sid, "Still there?")
    await expect(page.locator(".wc-launcher .wc-badge")).to_have_text("1", timeout=LIVE)
    await expect(page.locator(".wc-launcher")).to_have_attribute(
        "aria-label", re.compile("1 unread message")
    )
    await page.keyboard.press("Enter")  # the launcher has the focus
    await expect(page.locator(".wc-panel")).to_be_visible()
    await expect(page.locator(".wc-launcher .wc-badge")).to_have_count(0)
    await expect(agent_bubbles(page, "Still there?")).to_have_count(1)


async def test_message_sent_while_the_network_is_cut_is_delivered_once(
    widget_server: WebchatProcess, demo_secret_key: str, profiles: Any, watch: Watch
) -> None:
    proxy = await CuttableProxy(widget_server.port).start()
    try:
        page = watch.attach(await (await profiles()).new_page())
        await page.goto(f"{proxy.url}/demo")
        await open_widget(page)
        await send(page, "Before the tunnel")
        sid = await session_id(page)

        await proxy.cut()
        await expect(page.locator(".wc-banner")).to_be_visible(timeout=LIVE)  # "offline"
        text = f"Sent in the tunnel {uuid.uuid4().hex[:6]}"
        await page.locator("#wc-input").fill(text)
        await page.locator("#wc-input").press("Enter")
        bubble = visitor_bubbles(page, text)
        await expect(bubble).to_have_class(re.compile(r"\bwc-sending\b"))
        await asyncio.sleep(3)  # retries fail meanwhile
        await expect(bubble).to_have_class(re.compile(r"\bwc-sending\b"))

        # An agent answers while the visitor is away: it must not be missed either.
        await agent_reply(widget_server, demo_secret_key, sid, "Reply during the cut")

        await proxy.restore()
        await expect(bubble).to_have_class(re.compile(r"\bwc-sent\b"), timeout=15_000)
        await expect(page.locator(".wc-banner")).to_be_hidden(timeout=LIVE)
        await expect(agent_bubbles(page, "Reply during the cut")).to_have_count(1, timeout=LIVE)
        await expect(bubble).to_have_count(1)

        stored = [m for m in await history(widget_server, demo_secret_key, sessionId=sid)]
        assert [m["text"] for m in stored].count(text) == 1, stored
        await page.reload()
        await open_widget(page)
        await expect(visitor_bubbles(page, text)).to_have_count(1, timeout=LIVE)
    finally:
        await proxy.close()


async def test_hostile_text_is_shown_as_text_and_runs_nothing(
    widget_server: WebchatProcess, demo_secret_key: str, profiles: Any, watch: Watch
) -> None:
    page = watch.attach(await (await profiles()).new_page())
    await page.goto(f"{widget_server.url}/demo")
    await open_widget(page)
    await send(page, HOSTILE)
    sid = await session_id(page)
    agent_text = (
        '<script>alert("agent")</script> <a href="javascript:alert(2)">x</a> javascript:alert(3)'
    )
    await agent_reply(widget_server, demo_secret_key, sid, agent_text)
    await expect(agent_bubbles(page, "<script>")).to_have_count(1, timeout=LIVE)

    async def check() -> None:
        bubble = visitor_bubbles(page, HOSTILE).locator(".wc-text")
        assert await bubble.inner_text() == HOSTILE
        agent = agent_bubbles(page, "<script>").locator(".wc-text")
        assert await agent.inner_text() == agent_text
        assert await widget(page).locator("img, script, iframe").count() == 0
        assert await widget(page).locator(".wc-log a").count() == 0  # no javascript: links
        await page.wait_for_timeout(300)  # a dialog would have opened by now

    await check()
    await page.reload()  # the same text, through history this time
    await open_widget(page)
    await expect(agent_bubbles(page, "<script>")).to_have_count(1, timeout=LIVE)
    await check()


async def test_identify_then_reset_never_shows_the_previous_users_history(
    widget_server: WebchatProcess,
    shop_tenant: Tenant,
    host_site: HostSite,
    profiles: Any,
    watch: Watch,
) -> None:
    """On a customer's site (cross-origin, origin-restricted tenant, identity verified)."""
    page = watch.attach(await (await profiles()).new_page())
    await page.goto(host_site.embed(widget_server, shop_tenant))
    await page.wait_for_function("() => window.WebChat && window.WebChat.version")

    async def identify(user_id: str) -> None:
        await page.evaluate(
            "([userId, userHash]) =>"
            " WebChat.identify({userId, userHash, userInfo: {name: userId}})",
            [user_id, shop_tenant.user_hash(user_id)],
        )

    await identify("alice")
    await open_widget(page)
    await send(page, "Alice's private order #1234")

    await page.evaluate("() => WebChat.reset()")
    await expect(page.locator(".wc-greeting")).to_be_visible(timeout=LIVE)
    await expect(page.locator(".wc-msg.wc-visitor")).to_have_count(0)
    await send(page, "Anonymous after logout")

    # Another user logs in on the same browser: neither Alice's nor the anonymous history.
    await identify("bob")
    await expect(page.locator(".wc-greeting")).to_be_visible(timeout=LIVE)
    await page.wait_for_timeout(500)
    await expect(page.locator(".wc-msg.wc-visitor")).to_have_count(0)
    await send(page, "Bob here")

    # After a reload (anonymous again: the host page no longer says who is logged in).
    await page.evaluate("() => WebChat.reset()")
    await page.reload()
    await page.wait_for_function("() => window.WebChat && window.WebChat.version")
    await open_widget(page)
    await page.wait_for_timeout(500)
    await expect(page.locator(".wc-msg.wc-visitor")).to_have_count(0)

    # Alice logs in again: her conversation follows her.
    await identify("alice")
    await expect(visitor_bubbles(page, "Alice's private order")).to_have_count(1, timeout=LIVE)
    await expect(visitor_bubbles(page, "Bob here")).to_have_count(0)
    await expect(visitor_bubbles(page, "Anonymous after logout")).to_have_count(0)


async def test_host_page_css_does_not_reach_the_widget(
    widget_server: WebchatProcess,
    shop_tenant: Tenant,
    host_site: HostSite,
    profiles: Any,
    watch: Watch,
) -> None:
    page = watch.attach(await (await profiles()).new_page())
    await page.goto(host_site.embed(widget_server, shop_tenant))
    await open_widget(page)
    # The host page sets `div, button, p, h2 {all: unset; color: green}`, a red serif body.
    color = await page.locator(".wc-header h2").evaluate("e => getComputedStyle(e).color")
    assert color == "rgb(255, 255, 255)", color
    family = await page.locator(".wc-root").evaluate("e => getComputedStyle(e).fontFamily")
    assert family.strip() != "serif" and "system-ui" in family, family
    position = await page.locator(".wc-launcher").evaluate("e => getComputedStyle(e).position")
    assert position == "fixed"


async def test_works_at_phone_width(
    widget_server: WebchatProcess, profiles: Any, watch: Watch
) -> None:
    page = watch.attach(await (await profiles(width=375, height=667)).new_page())
    await page.goto(f"{widget_server.url}/demo")
    await open_widget(page)
    box = await page.locator(".wc-panel").bounding_box()
    assert box is not None and box["width"] == 375 and box["height"] == 667, box
    await send(page, "Typed on a phone")
    await page.locator(".wc-close").click()
    await expect(page.locator(".wc-panel")).to_be_hidden()
    await expect(page.locator(".wc-launcher")).to_be_visible()


async def test_screenshot_of_the_open_widget(
    widget_server: WebchatProcess, demo_secret_key: str, profiles: Any, watch: Watch
) -> None:
    target = os.environ.get("WEBCHAT_WIDGET_SCREENSHOT")
    if not target:
        pytest.skip("set WEBCHAT_WIDGET_SCREENSHOT=docs/images/widget.png to write it")
    page = watch.attach(await (await profiles(width=1100, height=720)).new_page())
    await page.goto(f"{widget_server.url}/demo")
    await open_widget(page)
    await send(page, "Hello! Do you ship to Canada?")
    sid = await session_id(page)
    await agent_reply(
        widget_server,
        demo_secret_key,
        sid,
        "Hi! Yes, we ship to Canada in 3–5 days. Rates: https://example.com/shipping",
    )
    await expect(page.locator(".wc-msg.wc-agent:not(.wc-greeting)")).to_have_count(1, timeout=LIVE)
    await page.locator("#wc-input").fill("Great, thanks")
    path = ROOT / target
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path))


def test_the_whole_widget_is_at_most_40_kb_gzip(tmp_path: Path) -> None:
    """Loader + app as `gzip -c` compresses them (level 6), from a fresh build of the
    sources into a temporary directory (the served one is left alone)."""
    out = tmp_path / "static"
    built = subprocess.run(
        ["npx", "vite", "build", "-c", "widget/vite.config.ts", "--outDir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    sizes = {
        f.name: len(gzip.compress(f.read_bytes(), compresslevel=6, mtime=0))
        for f in sorted(out.glob("*.js"))
    }
    total = sum(sizes.values())
    print(f"widget gzip: {total} bytes {sizes}")
    assert "widget.js" in sizes and len(sizes) == 2, sizes  # the loader and one app file
    assert total <= 40_000, f"the widget is {total} bytes gzip, above 40 KB: {sizes}"
