"""The console's settings page end to end (CONTRACT §9): a real ``webchat serve`` with
the demo tenant, real headless Chromium.

The demo admin changes the widget colour and the business hours from the page, with the
keyboard, and the widget's public ``GET /webchat/config`` shows both; sets a rate limit and
a retention and ``GET /api/settings`` has them; a refusal by the server lands next to the
field it names; a plain agent sees the page read-only and
cannot save; axe-core finds no serious or critical violation.

Set ``WEBCHAT_SETTINGS_SCREENSHOT=docs/images/console-settings.png`` to write the pictures
of ``docs/console.md`` (``test_screenshot``: that one and ``console-settings-limits.png``).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, expect

from support import contract
from support.browser import Watch, console_is_stale, serious_accessibility_violations
from support.clients import Agent, Tenant, http_client
from support.flows import create_agent, login
from support.server import WebchatProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
DEMO_TENANT = "demo"
LIVE = 5_000  # ms: how long the page may take to show what the server answered
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def settings_server(launcher: Any) -> WebchatProcess:
    """A server with the demo tenant (its admin is in the banner) and the built console."""
    if console_is_stale():
        subprocess.run(["npm", "run", "build:console"], cwd=ROOT, check=True, capture_output=True)
    return launcher.start("embedded", name="settings", demo=True)


@pytest.fixture(scope="module")
def demo(settings_server: WebchatProcess) -> dict[str, str]:
    """The banner: the demo tenant's keys and its admin's e-mail and password."""
    banner = settings_server.banner()
    for label in ("public key", "secret key", "agent email", "agent password"):
        assert banner.get(label), f"banner lacks {label!r}: {banner}"
    return banner


async def new_page(
    browser: Browser,
    contexts: list[BrowserContext],
    watch: Watch,
    width: int = 1280,
    height: int = 900,
    **options: Any,
) -> Page:
    # axe is injected as a script: the test's own tool, so the page's CSP is bypassed.
    ctx = await browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=True, **options
    )
    contexts.append(ctx)
    return watch.attach(await ctx.new_page())


async def sign_in(page: Page, server: WebchatProcess, email: str, password: str) -> None:
    await page.goto(f"{server.url}/console?tenant={DEMO_TENANT}")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)


async def open_settings_with_the_keyboard(page: Page) -> None:
    await page.locator("#open-settings").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Settings")).to_be_focused(timeout=LIVE)
    await expect(page.get_by_label("Colour", exact=True)).to_be_visible(timeout=LIVE)


async def widget_config(server: WebchatProcess, public_key: str) -> dict[str, Any]:
    async with http_client(server, public_key) as http:
        return contract.expect_status(await http.get("/webchat/config"), 200)


async def stored_settings(server: WebchatProcess, secret_key: str) -> dict[str, Any]:
    async with http_client(server, secret_key) as http:
        return contract.expect_status(await http.get("/api/settings"), 200)["settings"]


async def reset_settings(server: WebchatProcess, secret_key: str) -> None:
    async with http_client(server, secret_key) as http:
        body = {
            "widget": {"color": "#2563eb"},
            "businessHours": None,
            "retentionDays": None,
            "rateLimits": {"visitorMessages": None, "tenantMessages": None},
        }
        contract.expect_status(await http.patch("/api/settings", json=body), 200)


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the scenarios ---------------------------------------------------------------------


async def test_the_admin_changes_colour_and_hours_and_the_widget_config_shows_them(
    settings_server: WebchatProcess,
    demo: dict[str, str],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = settings_server
    await reset_settings(server, demo["secret key"])
    before = await stored_settings(server, demo["secret key"])
    # Open tomorrow only (UTC), and today is a holiday: whatever the hour, the widget is
    # offline now and opens tomorrow at 10:00 UTC.
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    open_day = DAYS[tomorrow.weekday()]
    open_name = DAY_NAMES[tomorrow.weekday()]

    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, demo["agent email"], demo["agent password"])
    await open_settings_with_the_keyboard(page)
    assert await serious_accessibility_violations(page) == []

    # Colour, by keyboard: Tab from the heading reaches the picker, then the text field.
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Colour picker")).to_be_focused()
    await page.keyboard.press("Tab")
    colour = page.get_by_label("Colour", exact=True)
    await expect(colour).to_be_focused()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("#0f766e")
    # The preview follows as the admin types.
    launcher = page.get_by_test_id("preview-launcher")
    await expect(launcher).to_have_css("background-color", "rgb(15, 118, 110)")
    await expect(page.get_by_test_id("preview-caption")).to_contain_text("#0f766e")

    # Business hours: on, in UTC, every default range removed, one range tomorrow.
    await page.get_by_label("During business hours").focus()
    await page.keyboard.press("Space")
    await page.get_by_label("Time zone").select_option("UTC")
    for name in DAY_NAMES[:5]:
        remove = page.get_by_role("button", name=f"Remove {name} 09:00–17:00")
        await remove.focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("button", name=f"Add hours on {name}")).to_be_focused()
    add = page.get_by_role("button", name=f"Add hours on {open_name}")
    await add.focus()
    await page.keyboard.press("Enter")
    start = page.get_by_label(f"{open_name} from", exact=True)
    await expect(start).to_be_focused()
    await start.fill("10:00")
    await page.get_by_label(f"{open_name} to", exact=True).fill("16:00")

    # An overlapping second range is refused before anything is sent, next to the day.
    await add.focus()
    await page.keyboard.press("Enter")
    await page.get_by_label(f"{open_name} range 2 from").fill("15:00")
    await page.get_by_label(f"{open_name} range 2 to").fill("18:00")
    await page.get_by_role("button", name="Save settings").click()
    day_error = page.locator(f"#set-businessHours-weekly-{open_day}-error")
    await expect(day_error).to_have_text("Ranges overlap: 10:00–16:00 and 15:00–18:00.")
    await expect(start).to_be_focused()
    await expect(start).to_have_attribute("aria-invalid", "true")
    assert await serious_accessibility_violations(page) == []
    await page.get_by_role("button", name=f"Remove {open_name} range 2 15:00–18:00").click()
    await expect(day_error).to_have_count(0)

    # Today is a holiday, added with Enter in the date field.
    holiday = page.get_by_label("Add a holiday")
    await holiday.fill(today.isoformat())
    await holiday.press("Enter")
    await expect(page.locator(".holiday-list li")).to_have_count(1)

    # Enter in a text field saves the form.
    await colour.press("Enter")
    await expect(page.get_by_test_id("save-status")).to_contain_text(
        "Settings saved at", timeout=LIVE
    )

    config = await widget_config(server, demo["public key"])
    assert config["widget"]["color"] == "#0f766e", config
    assert config["availability"]["status"] == "offline", config
    opens = datetime.combine(tomorrow, datetime.min.time(), UTC) + timedelta(hours=10)
    assert parse_instant(config["availability"]["nextOpenAt"]) == opens, config
    stored = await stored_settings(server, demo["secret key"])
    assert stored["businessHours"] == {
        "timezone": "UTC",
        "weekly": {open_day: [["10:00", "16:00"]]},
        "holidays": [today.isoformat()],
    }, stored
    untouched = ("position", "greeting", "offlineGreeting", "locale")
    assert {k: stored["widget"][k] for k in untouched} == {
        k: before["widget"][k] for k in untouched
    }, stored  # not sent, so not changed
    assert stored["offlineMode"] == before["offlineMode"], stored

    # After a reload (#settings) the page shows what was saved.
    await page.reload()
    await expect(page.get_by_label("Colour", exact=True)).to_have_value("#0f766e", timeout=LIVE)
    await expect(page.get_by_label(f"{open_name} from", exact=True)).to_have_value("10:00")
    await expect(page.get_by_label("Time zone")).to_have_value("UTC")
    await page.get_by_role("button", name="← Conversations").click()
    await expect(page.locator("#open-settings")).to_be_focused()
    await expect(page.locator(".pane-list")).to_be_visible()
    assert watch.problems == []


async def test_the_admin_sets_rate_limits_and_a_retention(
    settings_server: WebchatProcess,
    demo: dict[str, str],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    """Rate limits (a count and a unit, or the server's default) and the retention, set
    with the keyboard and read back through the API; a bad count is refused on the page, a
    rate the server refuses lands on its field; blank retention sends null."""
    server = settings_server
    await reset_settings(server, demo["secret key"])
    before = await stored_settings(server, demo["secret key"])
    assert before["rateLimits"] == {"visitorMessages": None, "tenantMessages": None}, before
    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, demo["agent email"], demo["agent password"])
    await open_settings_with_the_keyboard(page)

    # Visitor messages: from "Server default" the arrow key picks "Custom limit", Tab
    # reaches the count, then the unit.
    visitor = page.get_by_role("group", name="Visitor messages per session")
    await expect(visitor.get_by_label("Server default")).to_be_checked()
    await visitor.get_by_label("Server default").focus()
    await page.keyboard.press("ArrowRight")
    await expect(visitor.get_by_label("Custom limit")).to_be_checked()
    await page.keyboard.press("Tab")
    count = page.get_by_label("Visitor messages", exact=True)
    await expect(count).to_be_focused()
    await page.keyboard.type("20")
    await page.keyboard.press("Tab")
    unit = page.get_by_label("Visitor messages per", exact=True)
    await expect(unit).to_be_focused()
    await unit.select_option("hour")

    # The tenant's ceiling: a count of 0 is refused before anything is sent.
    tenant = page.get_by_role("group", name="Messages of the whole tenant")
    await expect(tenant).to_contain_text("only lower the server")
    await tenant.get_by_label("Custom limit").check()
    tenant_count = page.get_by_label("Tenant messages", exact=True)
    await tenant_count.fill("0")
    retention = page.get_by_label("Erase conversations after (days)")
    await retention.fill("30")
    patches: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: patches.append(json.loads(r.post_data or "{}")) if r.method == "PATCH" else None,
    )
    await page.get_by_role("button", name="Save settings").click()
    tenant_error = page.locator("#set-rateLimits-tenantMessages-error")
    await expect(tenant_error).to_contain_text("from 1 to 999999999")
    await expect(tenant_count).to_be_focused()
    await expect(tenant_count).to_have_attribute("aria-invalid", "true")
    assert await serious_accessibility_violations(page) == []
    assert patches == []
    await tenant_count.fill("5000")
    await expect(tenant_error).to_have_count(0)
    await retention.press("Enter")
    await expect(page.get_by_test_id("save-status")).to_contain_text(
        "Settings saved at", timeout=LIVE
    )
    assert patches == [
        {
            "rateLimits": {"visitorMessages": "20/hour", "tenantMessages": "5000/minute"},
            "retentionDays": 30,
        }
    ], patches
    stored = await stored_settings(server, demo["secret key"])
    assert stored["rateLimits"] == {
        "visitorMessages": "20/hour",
        "tenantMessages": "5000/minute",
    }, stored
    assert stored["retentionDays"] == 30, stored
    assert stored["attachments"] == before["attachments"], stored  # not sent

    # A rate the server refuses anyway (the request altered to carry one) comes back as a
    # 422 naming rateLimits.visitorMessages, shown on that field.
    async def tamper(route: Route) -> None:
        if route.request.method != "PATCH":
            await route.continue_()
            return
        body = json.loads(route.request.post_data or "{}")
        body["rateLimits"] = {"visitorMessages": "20/fortnight"}
        await route.continue_(post_data=json.dumps(body))

    await page.route("**/api/settings", tamper)
    await retention.fill("")
    await page.get_by_role("button", name="Save settings").click()
    visitor_error = page.locator("#set-rateLimits-visitorMessages-error")
    await expect(visitor_error).to_contain_text("pattern", timeout=LIVE)
    await expect(count).to_be_focused()
    await page.unroute("**/api/settings")

    # Blank retention keeps conversations: null; the visitor rate back to the default.
    await visitor.get_by_label("Server default").check()
    await expect(count).to_have_count(0)
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_test_id("save-status")).to_contain_text(
        "Settings saved at", timeout=LIVE
    )
    stored = await stored_settings(server, demo["secret key"])
    assert stored["retentionDays"] is None, stored
    assert stored["rateLimits"] == {"visitorMessages": None, "tenantMessages": "5000/minute"}

    # After a reload the page shows what was saved.
    await page.reload()
    await expect(page.get_by_label("Tenant messages", exact=True)).to_have_value(
        "5000", timeout=LIVE
    )
    await expect(page.get_by_label("Tenant messages per", exact=True)).to_have_value("minute")
    await expect(visitor.get_by_label("Server default")).to_be_checked()
    await expect(retention).to_have_value("")
    assert await serious_accessibility_violations(page) == []
    await reset_settings(server, demo["secret key"])
    assert watch.problems == []


async def test_a_server_refusal_shows_next_to_the_field_it_names(
    settings_server: WebchatProcess,
    demo: dict[str, str],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    """The page checks what it can; what the server refuses anyway (here a colour the
    request is altered to carry) comes back as 422 naming the field, shown there."""
    server = settings_server
    await reset_settings(server, demo["secret key"])
    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, demo["agent email"], demo["agent password"])
    await open_settings_with_the_keyboard(page)

    answers: list[int] = []

    async def tamper(route: Route) -> None:
        if route.request.method != "PATCH":
            await route.continue_()
            return
        body = json.loads(route.request.post_data or "{}")
        body["widget"] = {**body.get("widget", {}), "color": "teal"}
        await route.continue_(post_data=json.dumps(body))

    page.on(
        "response",
        lambda r: answers.append(r.status) if r.request.method == "PATCH" else None,
    )
    await page.route("**/api/settings", tamper)
    await page.get_by_label("Colour", exact=True).fill("#7c3aed")
    await page.get_by_role("button", name="Save settings").click()
    error = page.locator("#set-widget-color-error")
    await expect(error).to_contain_text("pattern", timeout=LIVE)
    colour = page.get_by_label("Colour", exact=True)
    await expect(colour).to_be_focused()
    await expect(colour).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes.")
    assert answers == [422]
    config = await widget_config(server, demo["public key"])
    assert config["widget"]["color"] == "#2563eb", config

    # Without the tampering the same edit saves; typing cleared the error first.
    await page.unroute("**/api/settings")
    await colour.fill("#7c3aed")
    await expect(error).to_have_count(0)
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_test_id("save-status")).to_contain_text("Settings saved", timeout=LIVE)
    assert (await widget_config(server, demo["public key"]))["widget"]["color"] == "#7c3aed"
    await reset_settings(server, demo["secret key"])
    assert watch.problems == []


async def test_a_plain_agent_reads_the_settings_and_cannot_save(
    settings_server: WebchatProcess,
    demo: dict[str, str],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = settings_server
    await reset_settings(server, demo["secret key"])
    tenant = Tenant(server, DEMO_TENANT, demo["public key"], demo["secret key"], "")
    agent: Agent = create_agent(server, tenant)
    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, agent.email, agent.password)
    await open_settings_with_the_keyboard(page)

    await expect(page.get_by_test_id("readonly-note")).to_contain_text(
        "only an admin can change them"
    )
    await expect(page.get_by_label("Colour", exact=True)).to_have_value("#2563eb")
    await expect(page.get_by_label("Colour", exact=True)).to_be_disabled()
    await expect(page.get_by_label("Default capacity")).to_be_disabled()
    await expect(page.get_by_label("Keep the chat open")).to_be_disabled()
    await expect(page.get_by_role("button", name="Save settings")).to_have_count(0)
    # The preview is not a setting: the agent may still look at the offline look.
    await page.get_by_label("Outside business hours", exact=True).check()
    await expect(page.get_by_test_id("preview-caption")).to_contain_text("#2563eb")
    assert await serious_accessibility_violations(page) == []

    # And the server agrees: the agent's own token cannot PATCH.
    token = await login(server, agent)
    async with http_client(server, token) as http:
        response = await http.patch("/api/settings", json={"widget": {"color": "#000000"}})
    contract.expect_error(response, 403, "forbidden")
    assert (await widget_config(server, demo["public key"]))["widget"]["color"] == "#2563eb"
    assert watch.problems == []


@pytest.mark.skipif(
    not os.environ.get("WEBCHAT_SETTINGS_SCREENSHOT"),
    reason="WEBCHAT_SETTINGS_SCREENSHOT not set",
)
async def test_screenshot(
    settings_server: WebchatProcess,
    demo: dict[str, str],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    """The picture of docs/console.md: the settings page with unsaved changes."""
    server = settings_server
    async with http_client(server, demo["secret key"]) as http:
        body = {
            "widget": {
                "color": "#0f766e",
                "greeting": "Hi! Ask us anything about your order.",
                "locale": "en",
            },
            "businessHours": {
                "timezone": "Europe/Paris",
                "weekly": {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in DAYS[:5]},
                "holidays": ["2026-12-25", "2027-01-01"],
            },
            "offlineMode": "form",
        }
        contract.expect_status(await http.patch("/api/settings", json=body), 200)
    page = await new_page(browser, contexts, Watch(), height=1400, locale="en-GB")
    await sign_in(page, server, demo["agent email"], demo["agent password"])
    await open_settings_with_the_keyboard(page)
    await page.get_by_role("button", name="Add hours on Saturday").click()
    await page.get_by_label("Saturday to", exact=True).fill("13:00")
    await page.get_by_label("Nobody online").check()
    await page.locator(".settings").evaluate("el => el.scrollTo(0, 0)")
    shot = ROOT / os.environ["WEBCHAT_SETTINGS_SCREENSHOT"]
    await page.screenshot(path=str(shot))
    # The second picture: rate limits, retention and attachments, a bad count shown.
    await (
        page.get_by_role("group", name="Visitor messages per session")
        .get_by_label("Custom limit")
        .check()
    )
    await page.get_by_label("Visitor messages", exact=True).fill("20")
    await (
        page.get_by_role("group", name="Messages of the whole tenant")
        .get_by_label("Custom limit")
        .check()
    )
    await page.get_by_label("Tenant messages", exact=True).fill("0")
    await page.get_by_label("Erase conversations after (days)").fill("90")
    await page.get_by_role("button", name="Save settings").click()
    await page.locator("#settings-assignment").evaluate("el => el.scrollIntoView()")
    await page.screenshot(path=str(shot.with_name(f"{shot.stem}-limits{shot.suffix}")))
    await reset_settings(server, demo["secret key"])
