"""The widget's availability and offline modes (CONTRACT §9) end to end: a real
``webchat serve`` with the demo tenant and a real SMTP server (aiosmtpd), real
headless Chromium, an agent signing in over a real socket, settings changed with the
demo secret key; and axe-core over every state of the panel.

Set ``WEBCHAT_WIDGET_SCREENSHOT_AWAY=docs/images/widget-away.png`` (and
``…_OFFLINE=docs/images/widget-offline.png``) to write the documentation's
screenshots.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from support.browser import Watch
from support.flows import Sockets
from support.server import WebchatProcess
from support.services import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
WIDGET_STATIC = ROOT / "src" / "webchat" / "widget" / "static" / "widget.js"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LIVE = 5_000  # ms: availability reaches visitor sockets within 5 s (CONTRACT §9)
CLOSED = {"timezone": "UTC", "weekly": {}, "holidays": []}  # never open: always offline
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AWAY = "We're away, leave your e-mail"
ONLINE = "Typically replies in a few minutes"


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def server(launcher: Any, smtp: SmtpServer) -> WebchatProcess:
    """Its own server, sending e-mail: these tests change the demo tenant's settings."""
    if not WIDGET_STATIC.exists():
        subprocess.run(["npm", "run", "build:widget"], cwd=ROOT, check=True, capture_output=True)
    mail = {"WEBCHAT_SMTP_URL": smtp.url, "WEBCHAT_MAIL_FROM": "Acme <support@acme.example>"}
    return launcher.start("embedded", name="widget-offline", demo=True, env=mail)


@pytest.fixture(scope="module")
def secret_key(server: WebchatProcess) -> str:
    return server.cli("key", "create", "demo", "--kind", "secret")["key"]


@pytest.fixture
async def settings(
    server: WebchatProcess, secret_key: str
) -> AsyncIterator[Callable[..., Awaitable[None]]]:
    """``await settings(offlineMode=..., businessHours=...)``: change the demo tenant's
    settings and wait until the widget's config shows them (business hours given here
    are closed now, or none). Each test starts with no hours, in ``chat`` mode."""

    def applied(config: dict[str, Any], patch: dict[str, Any]) -> bool:
        if config["offlineMode"] != patch.get("offlineMode", config["offlineMode"]):
            return False
        if "businessHours" in patch:
            closed = patch["businessHours"] is not None
            return (config["availability"]["status"] == "offline") == closed
        return True

    async def change(**patch: Any) -> None:
        public_key = server.banner()["public key"]
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            response = await http.patch(
                "/api/settings", json=patch, headers={"Authorization": f"Bearer {secret_key}"}
            )
            assert response.status_code == 200, response.text
            deadline = time.monotonic() + 5
            while True:  # settings are cached per node for up to 1 s
                response = await http.get(
                    "/webchat/config", headers={"Authorization": f"Bearer {public_key}"}
                )
                if applied(response.json(), patch):
                    return
                assert time.monotonic() < deadline, f"settings not applied: {response.text}"
                await asyncio.sleep(0.2)

    await change(offlineMode="chat", businessHours=None)
    yield change


@pytest.fixture
async def profiles(browser: Browser) -> AsyncIterator[Callable[..., Awaitable[BrowserContext]]]:
    """``await profiles(bypass_csp=False)``: a fresh browser profile. axe-core is added
    to the page as a script, which the demo page's CSP would refuse."""
    made: list[BrowserContext] = []

    async def make(bypass_csp: bool = False, **options: Any) -> BrowserContext:
        ctx = await browser.new_context(
            viewport={"width": 1100, "height": 760}, bypass_csp=bypass_csp, **options
        )
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


@pytest.fixture
async def sockets() -> AsyncIterator[Sockets]:
    sockets = Sockets()
    yield sockets
    await sockets.close_all()


# --- helpers --------------------------------------------------------------------------


async def agent_token(server: WebchatProcess) -> str:
    """The demo agent signs in (its e-mail and password are in the server's banner)."""
    banner = server.banner()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.post(
            "/api/agent/login",
            json={"email": banner["agent email"], "password": banner["agent password"]},
        )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def demo_page(page: Page, server: WebchatProcess) -> Page:
    await page.goto(f"{server.url}/demo")
    await page.wait_for_function("() => window.WebChat && window.WebChat.version")
    return page


async def open_widget(page: Page, first_field: str = "#wc-input") -> None:
    await page.locator(".wc-launcher").click()
    await expect(page.locator(".wc-panel")).to_be_visible()
    await expect(page.locator(first_field)).to_be_focused()


async def session_id(page: Page) -> str:
    handle = await page.wait_for_function("() => localStorage.getItem('chat_session_id')")
    return str(await handle.json_value())


async def mail_to(smtp: SmtpServer, address: str, within: float = 20.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for message in smtp.messages():
            if address in str(message["To"]):
                return message
        await asyncio.sleep(0.2)
    raise AssertionError(f"no e-mail to {address} within {within:.0f} s: {smtp.messages()}")


async def conversation_of(server: WebchatProcess, secret_key: str, sid: str) -> dict | None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.get(
            "/api/conversations",
            params={"limit": "100"},
            headers={"Authorization": f"Bearer {secret_key}"},
        )
    assert response.status_code == 200, response.text
    found = [c for c in response.json()["conversations"] if c["sessionId"] == sid]
    return found[0] if found else None


def open_tomorrow_only() -> dict[str, Any]:
    """Hours closed all of today (UTC) and open tomorrow from 9:00."""
    tomorrow = DAYS[(datetime.now(UTC) + timedelta(days=1)).weekday()]
    return {"timezone": "UTC", "weekly": {tomorrow: [["09:00", "17:00"]]}, "holidays": []}


async def serious_violations(page: Page) -> list[str]:
    """axe-core over the widget (its host element and open shadow root; the demo page
    around it is not the widget's): serious and critical violations only."""
    if not await page.evaluate("() => typeof axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    violations = await page.evaluate(
        """async () => {
            const result = await axe.run(
                { include: ['[data-webchat]'] }, { resultTypes: ['violations'] });
            return result.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => `${v.id} (${v.impact}): ${v.help} at ${
                    v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
        }"""
    )
    return list(violations)


async def screenshot(page: Page, variable: str) -> None:
    target = os.environ.get(variable)
    if target:
        path = ROOT / target
        path.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(path))


# --- the scenarios ---------------------------------------------------------------------


async def test_away_without_agents_then_online_when_one_signs_in(
    server: WebchatProcess,
    settings: Any,
    sockets: Sockets,
    profiles: Any,
    watch: Watch,
) -> None:
    page = watch.attach(await (await profiles()).new_page())
    await demo_page(page, server)
    await open_widget(page)
    status = page.locator(".wc-availability")
    await expect(status).to_have_text(AWAY)
    await expect(status).to_have_attribute("aria-live", "polite")
    await expect(page.locator(".wc-greeting")).to_contain_text("We're away right now")
    await screenshot(page, "WEBCHAT_WIDGET_SCREENSHOT_AWAY")

    console = await sockets.agent(server, token=await agent_token(server), label="demo agent")
    await expect(status).to_have_text(ONLINE, timeout=LIVE)
    # The tenant set no greeting: the widget's own, in the visitor's language.
    await expect(page.locator(".wc-greeting")).to_have_text("Hi! How can we help you today?")

    await console.close()
    await expect(status).to_have_text(AWAY, timeout=LIVE)


async def test_offline_form_captures_the_email_then_the_conversation_goes_on(
    server: WebchatProcess,
    smtp: SmtpServer,
    secret_key: str,
    settings: Any,
    profiles: Any,
    watch: Watch,
) -> None:
    await settings(offlineMode="form")
    page = watch.attach(await (await profiles()).new_page())
    await demo_page(page, server)
    await open_widget(page, first_field="#wc-contact-email")
    await expect(page.locator("#wc-input")).to_have_count(0)

    # Keyboard only: the focus is in the e-mail field.
    await page.keyboard.press("Enter")  # submits the empty form
    error = page.locator("#wc-contact-email-error")
    await expect(error).to_have_text("Please enter your e-mail address.")
    await expect(page.locator("#wc-contact-email")).to_have_attribute("aria-invalid", "true")
    await page.keyboard.type("ada@example.com")
    await page.keyboard.press("Tab")
    await expect(page.locator("#wc-contact-message")).to_be_focused()
    await page.keyboard.type("Do you ship to Canada?")
    await page.keyboard.press("Tab")
    await expect(page.locator(".wc-contact button[type=submit]")).to_be_focused()
    await page.keyboard.press("Enter")

    # The message is sent as any other, and the normal conversation follows.
    bubble = page.locator(".wc-msg.wc-visitor.wc-sent .wc-text", has_text="Do you ship to Canada?")
    await expect(bubble).to_have_count(1, timeout=LIVE)
    await expect(page.locator(".wc-contact")).to_have_count(0)
    await expect(page.locator("#wc-input")).to_be_focused()
    await expect(page.locator(".wc-availability")).to_have_text("We're away, we'll reply by e-mail")
    sid = await session_id(page)
    conversation = await conversation_of(server, secret_key, sid)
    assert conversation is not None, f"no conversation for session {sid}"
    assert conversation["visitor"]["email"] == "ada@example.com", conversation

    # An e-mail is known: the transcript can be asked for, and arrives.
    await page.locator(".wc-footer button", has_text="Send me the transcript").click()
    await expect(page.locator(".wc-footer [role=status]")).to_have_text(
        "Transcript requested: it will arrive by e-mail shortly.", timeout=LIVE
    )
    transcript = await mail_to(smtp, "ada@example.com")
    body = transcript.get_body(preferencelist=("plain",))
    assert body is not None and "Do you ship to Canada?" in body.get_content(), transcript

    # A reload keeps the answer: no form again in this session.
    await page.reload()
    await open_widget(page)
    await expect(page.locator(".wc-contact")).to_have_count(0)


async def test_hide_mode_hides_the_launcher_outside_hours(
    server: WebchatProcess, settings: Any, profiles: Any, watch: Watch
) -> None:
    # A visitor who already wrote keeps the launcher when hours close.
    regular = watch.attach(await (await profiles()).new_page())
    await demo_page(regular, server)
    await open_widget(regular)
    await regular.locator("#wc-input").fill("Before closing time")
    await regular.locator("#wc-input").press("Enter")
    await expect(regular.locator(".wc-msg.wc-visitor.wc-sent")).to_have_count(1, timeout=LIVE)

    await settings(offlineMode="hide", businessHours=CLOSED)
    newcomer = watch.attach(await (await profiles()).new_page())
    await demo_page(newcomer, server)
    await newcomer.wait_for_timeout(1500)  # config, then history, have answered
    await expect(newcomer.locator(".wc-launcher")).to_have_count(0)
    await regular.reload()
    await expect(regular.locator(".wc-launcher")).to_be_visible(timeout=LIVE)
    await expect(regular.locator(".wc-availability")).to_have_text("We're offline")

    # Hours open again (none set: always open): the launcher comes back live.
    await settings(businessHours=None)
    await expect(newcomer.locator(".wc-launcher")).to_be_visible(timeout=LIVE)
    await expect(newcomer.locator(".wc-availability")).to_have_text(AWAY)


async def test_no_serious_accessibility_violation_in_any_state(
    server: WebchatProcess, settings: Any, sockets: Sockets, profiles: Any, watch: Watch
) -> None:
    found: dict[str, list[str]] = {}
    ctx = await profiles(bypass_csp=True)

    # Closed, then open and away, in chat mode.
    page = watch.attach(await ctx.new_page())
    await page.clock.install()  # to let a minute pass for the e-mail prompt
    await demo_page(page, server)
    await expect(page.locator(".wc-launcher")).to_be_visible()
    found["closed"] = await serious_violations(page)
    await open_widget(page)
    await expect(page.locator(".wc-availability")).to_have_text(AWAY)
    found["away"] = await serious_violations(page)

    # A message nobody answers: a minute later, the e-mail prompt, used by keyboard.
    await page.keyboard.type("Hello?")
    await page.keyboard.press("Enter")
    await expect(page.locator(".wc-msg.wc-visitor.wc-sent")).to_have_count(1, timeout=LIVE)
    await page.clock.fast_forward(61_000)
    prompt = page.locator(".wc-prompt")
    await expect(prompt.locator("h3")).to_have_text("Get notified by e-mail", timeout=LIVE)
    found["prompt"] = await serious_violations(page)
    # From the message box, back (past the attach button, "No thanks" and "Notify me") to
    # the e-mail field, by keyboard alone.
    await expect(page.locator("#wc-input")).to_be_focused()
    for _ in range(6):
        await page.keyboard.press("Shift+Tab")
        if (
            await page.evaluate(
                "() => document.querySelector('webchat-widget, [data-webchat]')"
                "?.shadowRoot?.activeElement?.id ?? document.activeElement?.id"
            )
            == "wc-prompt-email"
        ):
            break
    await expect(page.locator("#wc-prompt-email")).to_be_focused()
    await page.keyboard.type("grace@example.com")
    await page.keyboard.press("Enter")
    await expect(page.locator(".wc-thanks")).to_have_text(
        "Thanks! We'll e-mail you at grace@example.com.", timeout=LIVE
    )
    await expect(page.locator("#wc-input")).to_be_focused()
    await expect(page.locator(".wc-footer button")).to_be_visible()
    found["thanks and transcript"] = await serious_violations(page)

    # Online.
    await sockets.agent(server, token=await agent_token(server), label="demo agent")
    await expect(page.locator(".wc-availability")).to_have_text(ONLINE, timeout=LIVE)
    found["online"] = await serious_violations(page)
    await sockets.close_all()

    # The offline form, with an error showing, outside hours.
    await settings(offlineMode="form", businessHours=open_tomorrow_only())
    form = watch.attach(await (await profiles(bypass_csp=True)).new_page())
    await demo_page(form, server)
    await open_widget(form, first_field="#wc-contact-email")
    await expect(form.locator(".wc-availability")).to_have_text(
        re.compile(r"^Back tomorrow at 9:00\sAM$")  # en-US, in the browser's zone (UTC)
    )
    await screenshot(form, "WEBCHAT_WIDGET_SCREENSHOT_OFFLINE")
    await form.keyboard.press("Enter")
    await expect(form.locator("#wc-contact-email-error")).to_be_visible()
    found["form"] = await serious_violations(form)

    problems = {state: v for state, v in found.items() if v}
    assert problems == {}, problems
    print({state: len(v) for state, v in found.items()})
