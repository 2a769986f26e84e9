"""The console's Webhooks page end to end (CONTRACT §10): a real ``webchat serve`` with
the demo tenant that may deliver to loopback, a real HTTP receiver in the test process
(``support/webhook_receiver``), real headless Chromium, the built console.

The demo admin opens Webhooks with the keyboard, is refused a malformed URL (by the page)
and an over-long one (by the server, next to the field), adds a webhook for the receiver
with All events and sees its ``whsec_`` secret once; a visitor's message reaches the
receiver signed with that very secret; Refresh shows *Delivered · 200*; the deliveries
table lists the ``message.created`` event and Redeliver sends it again, same eventId;
Delete asks first, then the list is empty and nothing more is sent. axe-core finds no
serious or critical violation with the secret shown nor with the deliveries open.

Set ``WEBCHAT_WEBHOOKS_SCREENSHOT=docs/images/console-webhooks.png`` to write the picture
of ``docs/console.md`` (the page with the deliveries table open).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from support import contract
from support.browser import Watch, console_is_stale, serious_accessibility_violations
from support.clients import Tenant, Visitor, http_client
from support.server import WebchatProcess
from support.webhook_receiver import Receipt, WebhookReceiver
from webchat.webhooks.signing import verify

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
DEMO_TENANT = "demo"
HOOK_ENV = {"WEBCHAT_WEBHOOK_ALLOW_PRIVATE": "true", "WEBCHAT_WEBHOOK_POLL_SECONDS": "0.2"}
LIVE = 5_000  # ms: how long the page may take to show what the server answered
DELIVERED_WITHIN = 15.0  # s: from the visitor's message to "Delivered · 200" after Refresh
# Chromium logs every non-2xx fetch as a console error; the 422 asked for is no fault.
EXPECTED_CONSOLE = "the server responded with a status of 422"


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def hook_server(launcher: Any) -> WebchatProcess:
    """The demo tenant (its admin is in the banner), allowed to deliver to loopback."""
    if console_is_stale():
        subprocess.run(["npm", "run", "build:console"], cwd=ROOT, check=True, capture_output=True)
    return launcher.start("embedded", name="webhooks-ui", demo=True, env=HOOK_ENV)


@pytest.fixture(scope="module")
def demo(hook_server: WebchatProcess) -> dict[str, str]:
    banner = hook_server.banner()
    for label in ("public key", "secret key", "agent email", "agent password"):
        assert banner.get(label), f"banner lacks {label!r}: {banner}"
    return banner


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hooks = await WebhookReceiver().start()
    yield hooks
    await hooks.stop()


class ConsoleErrors(Watch):
    """Watch, and every console error besides the ones a test provokes on purpose."""

    def attach(self, page: Page) -> Page:
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console: {m.text}")
                if m.type == "error"
                and "Content Security Policy" not in m.text  # Watch records those
                and EXPECTED_CONSOLE not in m.text
                else None
            ),
        )
        return super().attach(page)


async def new_page(
    browser: Browser, contexts: list[BrowserContext], watch: Watch, **options: Any
) -> Page:
    # axe is injected as a script: the test's own tool, so the page's CSP is bypassed.
    ctx = await browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, **options
    )
    contexts.append(ctx)
    return watch.attach(await ctx.new_page())


async def sign_in(page: Page, server: WebchatProcess, email: str, password: str) -> None:
    await page.goto(f"{server.url}/console?tenant={DEMO_TENANT}")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)


async def open_webhooks_with_the_keyboard(page: Page) -> None:
    await page.locator("#open-webhooks").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_focused(
        timeout=LIVE
    )
    await expect(page.locator("main.webhooks form.wh-form")).to_be_visible(timeout=LIVE)


async def stored_webhooks(server: WebchatProcess, secret_key: str) -> list[dict[str, Any]]:
    async with http_client(server, secret_key) as http:
        return contract.expect_status(await http.get("/api/webhooks"), 200)["webhooks"]


async def remove_all_webhooks(server: WebchatProcess, secret_key: str) -> None:
    async with http_client(server, secret_key) as http:
        listed = contract.expect_status(await http.get("/api/webhooks"), 200)["webhooks"]
        for webhook in listed:
            response = await http.delete(f"/api/webhooks/{webhook['webhookId']}")
            assert response.status_code == 204, response.text


async def visitor_says(server: WebchatProcess, demo: dict[str, str], text: str) -> None:
    tenant = Tenant(server, DEMO_TENANT, demo["public key"], demo["secret key"], "")
    visitor = Visitor(user_info={"name": "Wendy Webhook"})
    async with http_client(server, demo["public key"]) as http:
        response = await http.post(
            "/webchat/message", json={**visitor.identity(tenant), "text": text}
        )
    contract.expect_status(response, 201)


def message_with(text: str) -> Any:
    def holds(receipts: list[Receipt]) -> bool:
        return any(is_message(r, text) for r in receipts)

    return holds


def is_message(receipt: Receipt, text: str) -> bool:
    event = receipt.json
    return event.get("type") == "message.created" and event["data"].get("text") == text


async def refresh_until(page: Page, badge: Any, text: str, within: float) -> None:
    """Press Refresh (as an admin waiting for a delivery would) until the badge says it."""
    refresh = page.get_by_role("button", name="Refresh", exact=True)
    deadline = time.monotonic() + within
    while True:
        await refresh.click()
        await expect(page.get_by_test_id("webhooks-status")).to_have_text("Webhooks refreshed.")
        await expect(refresh).to_have_text("Refresh", timeout=LIVE)  # not "Refreshing…"
        if (await badge.inner_text()).strip() == text:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"badge still {await badge.inner_text()!r}, not {text!r}")
        await asyncio.sleep(0.3)


# --- the scenario ----------------------------------------------------------------------


async def test_the_admin_adds_a_webhook_sees_signed_deliveries_redelivers_and_deletes_it(
    hook_server: WebchatProcess,
    demo: dict[str, str],
    receiver: WebhookReceiver,
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = hook_server
    await remove_all_webhooks(server, demo["secret key"])
    path = f"/crm-{uuid.uuid4().hex[:6]}"
    hook_url = receiver.url(path)

    watch = ConsoleErrors()
    page = await new_page(browser, contexts, watch, locale="en-GB")
    await sign_in(page, server, demo["agent email"], demo["agent password"])
    await open_webhooks_with_the_keyboard(page)
    await expect(page).to_have_url(f"{server.url}/console?tenant={DEMO_TENANT}#webhooks")
    await expect(page.locator("#wh-list-title")).to_have_text("Your webhooks (0)")
    await expect(page.locator("li.webhook")).to_have_count(0)

    # The form's defaults: All events, so every type is shown ticked and cannot be changed.
    url_field = page.get_by_label("Endpoint URL")
    await expect(page.locator("#wh-events-all")).to_be_checked()
    await expect(page.locator("#wh-event-message-created")).to_be_checked()
    await expect(page.locator("#wh-event-message-created")).to_be_disabled()
    add = page.get_by_role("button", name="Add webhook")

    # A malformed URL: refused by the page, next to the field, before anything is sent.
    posts: list[int] = []
    page.on(
        "response",
        lambda r: (
            posts.append(r.status)
            if r.request.method == "POST" and r.url.endswith("/api/webhooks")
            else None
        ),
    )
    await url_field.fill("ftp://x")
    await add.click()
    url_error = page.locator("#wh-url-error")
    await expect(url_error).to_have_text(
        "Enter a whole address starting with https:// (or http://)."
    )
    await expect(url_field).to_be_focused()
    await expect(url_field).to_have_attribute("aria-invalid", "true")
    assert "wh-url-error" in (await url_field.get_attribute("aria-describedby") or "")
    assert posts == []
    # Typing clears it.
    await url_field.press("End")
    await page.keyboard.type("y")
    await expect(url_error).to_have_count(0)

    # One the page lets through but the server refuses (over 2048 characters): its 422
    # "url: …" lands next to the field too, with the focus there.
    await url_field.fill("https://example.com/" + "a" * 2100)
    await add.click()
    await expect(url_error).to_contain_text("2048", timeout=LIVE)
    await expect(url_field).to_be_focused()
    await expect(url_field).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("webhook-form-error")).to_have_count(0)
    assert posts == [422]
    assert await stored_webhooks(server, demo["secret key"]) == []

    # The receiver's URL, all events; Enter in the field sends the form.
    await url_field.fill(hook_url)
    await page.get_by_label("Description (optional)").fill("CRM sync")
    await url_field.press("Enter")
    secret_box = page.get_by_test_id("webhook-secret")
    await expect(secret_box).to_be_visible(timeout=LIVE)
    assert posts == [422, 201]
    await expect(page.get_by_role("heading", name="Signing secret")).to_be_focused()
    await expect(secret_box).to_contain_text("Copy it now: it is not shown again.")
    await expect(secret_box).to_contain_text(hook_url)
    secret = await page.locator("#wh-secret-value").input_value()
    assert secret.startswith("whsec_") and len(secret) > 30, secret
    await expect(page.locator("#wh-secret-value")).to_have_attribute("readonly", "")
    await expect(page.get_by_test_id("webhooks-status")).to_have_text(
        f"Webhook added for {hook_url}."
    )
    await expect(url_field).to_have_value("")  # the form is ready for the next one
    await expect(page.locator("#wh-events-all")).to_be_checked()

    item = page.locator("li.webhook[data-webhook-id]")
    await expect(item).to_have_count(1)
    webhook_id = await item.get_attribute("data-webhook-id")
    await expect(item.locator("h4")).to_have_text(hook_url)
    await expect(item).to_contain_text("CRM sync")
    await expect(item).to_contain_text("All events")
    badge = item.get_by_test_id("last-delivery")
    await expect(badge).to_have_text("No deliveries yet")
    [stored] = await stored_webhooks(server, demo["secret key"])
    assert stored["webhookId"] == webhook_id and stored["url"] == hook_url, stored
    assert stored["events"] == ["*"] and stored["description"] == "CRM sync", stored
    assert "secret" not in stored, stored  # shown once, never listed
    assert await serious_accessibility_violations(page) == []

    # A visitor writes: the delivery is signed with the secret the page showed.
    text = f"Where is my parcel? {uuid.uuid4().hex[:6]}"
    await visitor_says(server, demo, text)
    got = await receiver.wait_for(message_with(text), path=path, what="the visitor's message")
    [delivery] = [r for r in got if is_message(r, text)]
    header = delivery.headers["Webchat-Signature"]
    assert verify(secret, delivery.body, header), header
    assert not verify("whsec_" + "x" * 43, delivery.body, header)
    assert delivery.json["tenantId"] == DEMO_TENANT
    message_event = delivery.event_id
    assert message_event == delivery.json["eventId"]
    assert all(verify(secret, r.body, r.headers["Webchat-Signature"]) for r in got)

    # Hidden, the secret is gone from the page; the focus goes back to the form.
    await page.get_by_role("button", name="I have copied it, hide the secret").click()
    await expect(secret_box).to_have_count(0)
    await expect(url_field).to_be_focused()
    assert secret not in await page.content()

    # Refresh until the last delivery says it arrived.
    await refresh_until(page, badge, "Delivered · 200", DELIVERED_WITHIN)

    # Deliveries: the table has the message's row, delivered once with a 200.
    toggle = item.get_by_role("button", name="Deliveries")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    await expect(toggle).to_have_text("Hide deliveries")
    table = item.locator('[data-testid="deliveries"] table.wh-table')
    await expect(table).to_be_visible(timeout=LIVE)
    row = table.locator(f'tr[data-event-id="{message_event}"]')
    await expect(row).to_have_count(1)
    cells = row.locator("td")
    await expect(cells.nth(0).locator(".wh-event-type")).to_have_text("message.created")
    await expect(cells.nth(0).locator(".wh-event-id")).to_have_text(message_event)
    await expect(cells.nth(1)).to_have_text("Delivered")
    await expect(cells.nth(2)).to_have_text("1")
    await expect(cells.nth(3)).to_have_text("200")
    await expect(cells.nth(5)).to_contain_text("Delivered ")
    # Every event the receiver got has its row.
    for receipt in receiver.at(path):
        await expect(table.locator(f'tr[data-event-id="{receipt.event_id}"]')).to_have_count(1)
    assert await serious_accessibility_violations(page) == []

    target = os.environ.get("WEBCHAT_WEBHOOKS_SCREENSHOT")
    if target:
        shot = ROOT / target
        shot.parent.mkdir(parents=True, exist_ok=True)
        await page.locator("main.webhooks").evaluate("el => el.scrollTo(0, 0)")
        await page.screenshot(path=str(shot))

    # Redeliver: the receiver gets the same event again, same id and body.
    before = len([r for r in receiver.at(path) if r.event_id == message_event])
    redeliver = row.get_by_role("button", name=f"Redeliver message.created {message_event}")
    await redeliver.click()
    await expect(page.get_by_test_id("webhooks-status")).to_have_text(
        f"Event {message_event} queued for redelivery.", timeout=LIVE
    )
    again = await receiver.wait_for(
        lambda rs: len([r for r in rs if r.event_id == message_event]) > before,
        path=path,
        what="the redelivery",
    )
    resent = [r for r in again if r.event_id == message_event][-1]
    assert resent.json == delivery.json
    assert verify(secret, resent.body, resent.headers["Webchat-Signature"])
    # Refresh reloads the open table too: delivered again, one more attempt.
    await expect(cells.nth(1)).to_have_text("Pending", timeout=LIVE)
    deadline = time.monotonic() + DELIVERED_WITHIN
    while (await cells.nth(1).inner_text()).strip() != "Delivered":
        assert time.monotonic() < deadline, await row.inner_text()
        await page.get_by_role("button", name="Refresh", exact=True).click()
        await asyncio.sleep(0.3)
    await expect(cells.nth(2)).to_have_text("2")  # one more attempt
    await expect(cells.nth(3)).to_have_text("200")
    await expect(toggle).to_have_attribute("aria-expanded", "true")

    # Delete asks first; Escape cancels and gives the focus back to Delete.
    delete = page.get_by_role("button", name=f"Delete webhook {hook_url}")
    await delete.click()
    await expect(item.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(delete).to_be_focused()
    await expect(item.get_by_role("button", name="Yes, delete")).to_have_count(0)
    await delete.click()
    await item.get_by_role("button", name="Yes, delete").click()
    await expect(page.locator("li.webhook")).to_have_count(0, timeout=LIVE)
    await expect(page.locator("#wh-list-title")).to_have_text("Your webhooks (0)")
    await expect(page.get_by_text("No webhooks yet: add one with the form.")).to_be_visible()
    await expect(page.locator("#wh-list-title")).to_be_focused()
    await expect(page.get_by_test_id("webhooks-status")).to_have_text("Webhook deleted: CRM sync.")
    assert await stored_webhooks(server, demo["secret key"]) == []

    # Deleted means no more deliveries: a later message sends nothing.
    count = len(receiver.at(path))
    await visitor_says(server, demo, "Anyone there?")
    await asyncio.sleep(1.5)  # several poll intervals (0.2 s)
    assert len(receiver.at(path)) == count

    # Back to the desk.
    await page.get_by_role("button", name="← Conversations").click()
    await expect(page.locator("#open-webhooks")).to_be_focused()
    assert watch.problems == [], watch.problems
