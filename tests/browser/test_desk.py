"""The console's help-desk features end to end (CONTRACT §8): a real ``webchat serve``,
real headless Chromium, one browser context per person.

Queues and assignment between two agents, internal notes that never reach the
visitor, canned responses with their variables filled in, read receipts both
ways, desktop notifications while the console is hidden, the keyboard, and an
axe-core accessibility check.

Set ``WEBCHAT_DESK_SCREENSHOTS=docs/images`` to write the console pictures of
``docs/console.md`` (``test_screenshots``).
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from support import contract
from support.browser import Watch, serious_accessibility_violations
from support.clients import Agent, Tenant, Visitor, http_client
from support.flows import create_tenant, login
from support.server import WebchatProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_STATIC = ROOT / "src" / "webchat" / "console" / "static" / "index.html"
DEMO_TENANT = "demo"
LIVE = 5_000  # ms: how long a live update may take before the test calls it lost

# Desktop notifications are recorded, not shown: the page's Notification is wrapped
# before any of its scripts run (the permission itself is granted to the context).
CAPTURE_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  class Recorded {
    constructor(title, options) {
      window.__notifications.push({ title, body: (options && options.body) || '' });
      this.onclick = null;
    }
    close() {}
    static get permission() { return Real ? Real.permission : 'granted'; }
    static requestPermission() {
      return Real ? Real.requestPermission() : Promise.resolve('granted');
    }
  }
  window.Notification = Recorded;
})();
"""

HIDE_PAGE = """() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  document.dispatchEvent(new Event('visibilitychange'));
}"""

SHOW_PAGE = """() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
  document.dispatchEvent(new Event('visibilitychange'));
}"""


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def desk_server(launcher: Any) -> WebchatProcess:
    """A server with the demo tenant (whose /demo page embeds the widget) and the built console."""
    if not CONSOLE_STATIC.exists():
        subprocess.run(["npm", "run", "build:console"], cwd=ROOT, check=True, capture_output=True)
    return launcher.start("embedded", name="desk", demo=True)


def make_agent(server: WebchatProcess, tenant: Tenant, name: str, role: str = "agent") -> Agent:
    """An agent made the way an operator makes one: `webchat agent create … --name --role`."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com"
    password = "pw-" + uuid.uuid4().hex
    out = server.cli(
        "agent",
        "create",
        tenant.tenant_id,
        email,
        "--password-stdin",
        "--name",
        name,
        "--role",
        role,
        stdin=password + "\n",
    )
    return Agent(tenant=tenant, agent_id=str(out["agentId"]), email=email, password=password)


async def new_page(
    browser: Browser,
    contexts: list[BrowserContext],
    watch: Watch,
    width: int = 1280,
    height: int = 800,
    **options: Any,
) -> Page:
    ctx = await browser.new_context(viewport={"width": width, "height": height}, **options)
    contexts.append(ctx)
    return watch.attach(await ctx.new_page())


async def sign_in(page: Page, server: WebchatProcess, agent: Agent) -> None:
    await page.goto(f"{server.url}/console?tenant={agent.tenant.tenant_id}")
    await page.get_by_label("E-mail").fill(agent.email)
    await page.get_by_label("Password").fill(agent.password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)


async def visitor_says(server: WebchatProcess, tenant: Tenant, visitor: Visitor, text: str) -> None:
    async with http_client(server, tenant.public_key) as http:
        response = await http.post(
            "/webchat/message",
            json={**visitor.identity(tenant), "text": text, "clientMessageId": str(uuid.uuid4())},
        )
    contract.expect_status(response, 201)


def row(page: Page, text: str) -> Any:
    return page.locator(".conv", has_text=text)


async def demo_visitor_writes(page: Page, server: WebchatProcess, text: str) -> None:
    """A visitor of the demo page opens the widget and writes."""
    await page.goto(f"{server.url}/demo")
    await page.locator(".wc-launcher").click()
    await page.locator("#wc-input").fill(text)
    await page.locator("#wc-input").press("Enter")
    await expect(page.locator(".wc-msg.wc-visitor", has_text=text)).to_be_visible(timeout=LIVE)


# --- the scenarios ---------------------------------------------------------------------


async def test_two_agents_share_a_queue_and_an_assignment_moves_live(
    desk_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    server = desk_server
    tenant = create_tenant(server)
    ann = make_agent(server, tenant, "Ann Lee")
    bob = make_agent(server, tenant, "Bob Stone")
    await visitor_says(server, tenant, Visitor(user_info={"name": "Carla Queue"}), "Who can help?")

    watch = Watch()
    ann_page = await new_page(browser, contexts, watch)
    bob_page = await new_page(browser, contexts, watch)
    for page, agent in ((ann_page, ann), (bob_page, bob)):
        await sign_in(page, server, agent)
        await (
            page.get_by_role("group", name="Queue").get_by_role("button", name="Unassigned").click()
        )
        await expect(row(page, "Carla Queue")).to_be_visible(timeout=LIVE)

    # Ann takes it: it leaves Bob's Unassigned queue without a reload.
    await row(ann_page, "Carla Queue").click()
    await ann_page.get_by_role("button", name="Assign to me").click()
    await expect(ann_page.get_by_label("Assignee")).to_have_value(ann.agent_id, timeout=LIVE)
    await expect(row(bob_page, "Carla Queue")).to_have_count(0, timeout=LIVE)
    await expect(row(ann_page, "Carla Queue")).to_have_count(0)  # Ann's Unassigned too

    # Under Mine for Ann; under All for Bob, naming Ann.
    await ann_page.get_by_role("button", name="Mine").click()
    await expect(row(ann_page, "Carla Queue")).to_be_visible(timeout=LIVE)
    await bob_page.get_by_role("button", name="All", exact=True).click()
    await expect(row(bob_page, "Carla Queue").get_by_test_id("assignee")).to_have_text(
        "→ Ann Lee", timeout=LIVE
    )

    # Bob hands it over to himself with the select, Ann's Mine empties live.
    await row(bob_page, "Carla Queue").click()
    await bob_page.get_by_label("Assignee").select_option(bob.agent_id)
    await expect(row(ann_page, "Carla Queue")).to_have_count(0, timeout=LIVE)

    # Status: pending, then snoozed until tomorrow 9:00; Bob's Open list drops it.
    set_status = bob_page.get_by_role("group", name="Set status")
    await set_status.get_by_role("button", name="Pending").click()
    await expect(bob_page.locator("#chat-title")).to_contain_text("pending", timeout=LIVE)
    await set_status.get_by_role("button", name="Snooze…").click()
    await bob_page.get_by_role("button", name=re.compile(r"^Tomorrow 9:00")).click()
    await expect(bob_page.locator("#chat-title")).to_contain_text(
        "snoozed until tomorrow", timeout=LIVE
    )
    await (
        bob_page.get_by_role("group", name="Show status")
        .get_by_role("button", name="Snoozed")
        .click()
    )
    await expect(row(bob_page, "Carla Queue")).to_be_visible(timeout=LIVE)
    assert watch.problems == []


async def test_a_note_stays_with_the_agents_and_never_reaches_the_visitor(
    desk_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    server = desk_server
    demo = Tenant(server, DEMO_TENANT, "", "", "")
    agent = make_agent(server, demo, "Nora Notes")
    watch = Watch()
    visitor = await new_page(browser, contexts, watch, width=1024, height=760)
    hello = f"Is my parcel lost? {uuid.uuid4().hex[:6]}"
    await demo_visitor_writes(visitor, server, hello)

    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, agent)
    await row(page, hello).click()
    # A second agent has the conversation open too.
    other = await new_page(browser, contexts, watch)
    await sign_in(other, server, make_agent(server, demo, "Olga Other"))
    await row(other, hello).click()

    # Note mode looks different, and says so.
    await page.get_by_role("button", name="Note", exact=True).click()
    box = page.get_by_label("Internal note")
    await expect(box).to_be_visible()
    await expect(page.locator("form.reply")).to_have_class(re.compile(r"\bnote-mode\b"))
    await expect(page.locator(".mode-hint")).to_contain_text("never the visitor")
    secret = f"Internal: customer flagged for fraud review {uuid.uuid4().hex[:6]}"
    await box.fill(secret)
    await box.press("Enter")
    note = page.locator(".log .note", has_text=secret)
    await expect(note).to_be_visible(timeout=LIVE)
    await expect(note.locator(".note-tag")).to_have_text("Internal note")
    await expect(page.locator(".log .msg", has_text=secret)).to_have_count(0)
    await expect(other.locator(".log .note", has_text=secret)).to_be_visible(timeout=LIVE)

    # Back to Reply: the note's text is not in the reply box, and a reply does reach the visitor.
    await page.get_by_role("button", name="Reply", exact=True).click()
    await expect(page.get_by_label("Reply")).to_have_value("")
    reply = f"Let me look into it {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Reply").fill(reply)
    await page.get_by_label("Reply").press("Enter")
    await expect(visitor.locator(".wc-msg.wc-agent", has_text=reply)).to_be_visible(timeout=LIVE)
    await visitor.reload()
    await visitor.locator(".wc-launcher").click()
    await expect(visitor.locator(".wc-msg.wc-agent", has_text=reply)).to_be_visible(timeout=LIVE)
    assert secret not in await visitor.locator("body").inner_text()
    assert secret not in await visitor.content()

    # Nor is it in the conversation's history.
    token = await login(server, agent)
    async with http_client(server, token) as http:
        listed = (await http.get("/api/conversations", params={"q": hello})).json()
        conversation_id = listed["conversations"][0]["conversationId"]
        history = (
            await http.get("/api/chat/messages", params={"conversationId": conversation_id})
        ).json()
    assert all(secret not in m["text"] for m in history["messages"]), history
    assert watch.problems == []


async def test_a_canned_response_is_completed_with_the_visitor_name(
    desk_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    server = desk_server
    tenant = create_tenant(server)
    admin = make_agent(server, tenant, "Sam Admin", role="admin")
    token = await login(server, admin)
    async with http_client(server, token) as http:
        response = await http.post(
            "/api/canned-responses",
            json={
                "shortcut": "refund",
                "text": "Hi {{visitor.name}}, {{agent.name}} here: your refund is on its way.",
            },
        )
    contract.expect_status(response, 201)
    await visitor_says(server, tenant, Visitor(user_info={"name": "Maria Garcia"}), "Refund?")

    watch = Watch()
    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, admin)
    await row(page, "Maria Garcia").click()
    box = page.get_by_label("Reply")
    await box.click()
    await box.type("/ref")
    option = page.get_by_role("option").filter(has_text="/refund")
    await expect(option).to_be_visible(timeout=LIVE)
    await expect(option).to_have_attribute("aria-selected", "true")
    await box.press("Enter")  # chooses, does not send
    filled = "Hi Maria Garcia, Sam Admin here: your refund is on its way."
    await expect(box).to_have_value(filled)
    await box.press("Enter")
    await expect(page.locator(".log .msg-agent .msg-text")).to_have_text(filled, timeout=LIVE)
    assert watch.problems == []


async def test_read_receipts_both_ways(
    desk_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    server = desk_server
    demo = Tenant(server, DEMO_TENANT, "", "", "")
    agent = make_agent(server, demo, "Rita Reader")
    watch = Watch()
    visitor = await new_page(browser, contexts, watch, width=1024, height=760)
    hello = f"Anyone reading? {uuid.uuid4().hex[:6]}"
    await demo_visitor_writes(visitor, server, hello)
    mine = visitor.locator(".wc-msg.wc-visitor", has_text=hello)
    await expect(mine.locator(".wc-seen")).to_have_count(0)

    page = await new_page(browser, contexts, watch)
    await sign_in(page, server, agent)
    await expect(row(page, hello).get_by_test_id("unread")).to_have_text("1", timeout=LIVE)
    await row(page, hello).click()
    # The agent opened it: the visitor sees "Seen", and the unread count is gone for good.
    await expect(mine.locator(".wc-seen")).to_have_text("Seen", timeout=LIVE)
    await expect(row(page, hello).get_by_test_id("unread")).to_have_count(0)
    await page.reload()
    await expect(row(page, hello)).to_be_visible(timeout=LIVE)
    await expect(row(page, hello).get_by_test_id("unread")).to_have_count(0)

    # The agent answers; the visitor's open panel reads it; the agent sees Seen.
    await row(page, hello).click()
    answer = f"Yes, right here {uuid.uuid4().hex[:6]}"
    await page.get_by_label("Reply").fill(answer)
    await page.get_by_label("Reply").press("Enter")
    await expect(visitor.locator(".wc-msg.wc-agent", has_text=answer)).to_be_visible(timeout=LIVE)
    receipt = page.locator(".log .msg-agent", has_text=answer).locator(".receipt")
    await expect(receipt).to_have_attribute("data-receipt", "seen", timeout=LIVE)
    await expect(receipt).to_contain_text("Seen")
    assert watch.problems == []


async def test_a_desktop_notification_while_the_console_is_hidden(
    desk_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    server = desk_server
    tenant = create_tenant(server)
    agent = make_agent(server, tenant, "Hana Hidden")
    watch = Watch()
    page = await new_page(browser, contexts, watch, permissions=["notifications"])
    await page.add_init_script(CAPTURE_NOTIFICATIONS)
    await sign_in(page, server, agent)
    await expect(page.get_by_role("button", name="Alerts")).to_be_visible()

    # Visible: a new conversation shows in the list, no notification.
    await visitor_says(server, tenant, Visitor(user_info={"name": "Vic Visible"}), "Hi there")
    await expect(row(page, "Vic Visible")).to_be_visible(timeout=LIVE)
    assert await page.evaluate("() => window.__notifications.length") == 0

    # Hidden: a new conversation raises one, with the visitor's name and words.
    await page.evaluate(HIDE_PAGE)
    await visitor_says(server, tenant, Visitor(user_info={"name": "Hugo Hidden"}), "Hello??")
    await page.wait_for_function("() => window.__notifications.length === 1", timeout=LIVE)
    shown = await page.evaluate("() => window.__notifications")
    assert shown == [{"title": "New conversation: Hugo Hidden", "body": "Hello??"}], shown
    await expect(page).to_have_title(re.compile(r"^\(\d+\) "))

    # Switched off (and remembered): nothing more.
    await page.evaluate(SHOW_PAGE)
    await page.get_by_role("button", name="Alerts").click()
    await page.get_by_label("Desktop notification").uncheck()
    stored = await page.evaluate("() => JSON.parse(localStorage.getItem('webchat.console.alerts'))")
    assert stored["desktop"] is False, stored
    await page.evaluate(HIDE_PAGE)
    await visitor_says(server, tenant, Visitor(user_info={"name": "Quiet Quinn"}), "Psst")
    await expect(row(page, "Quiet Quinn")).to_be_visible(timeout=LIVE)
    assert await page.evaluate("() => window.__notifications.length") == 1
    assert watch.problems == []


async def test_keyboard_only_and_no_serious_accessibility_violation(
    desk_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    server = desk_server
    tenant = create_tenant(server)
    agent = make_agent(server, tenant, "Kim Keys")
    for name in ("Kai First", "Lou Second"):
        await visitor_says(server, tenant, Visitor(user_info={"name": name}), f"From {name}")
    watch = Watch()
    # axe is injected as a script: the test's own tool, so the page's CSP is bypassed here.
    page = await new_page(browser, contexts, watch, bypass_csp=True)
    await sign_in(page, server, agent)
    await expect(page.locator(".conv")).to_have_count(2, timeout=LIVE)
    assert await serious_accessibility_violations(page) == []

    # j / k walk the list, a assigns, r focuses the reply box, c closes.
    await page.locator("body").click(position={"x": 5, "y": 790})
    await page.keyboard.press("j")
    first = await page.locator(".conv[aria-current='true'] .conv-name").inner_text()
    await page.keyboard.press("j")
    second = await page.locator(".conv[aria-current='true'] .conv-name").inner_text()
    assert {first, second} == {"Kai First", "Lou Second"}
    await page.keyboard.press("k")
    await expect(page.locator(".conv[aria-current='true'] .conv-name")).to_have_text(first)
    await page.keyboard.press("a")
    await expect(page.get_by_label("Assignee")).to_have_value(agent.agent_id, timeout=LIVE)
    await page.keyboard.press("r")
    await expect(page.get_by_label("Reply")).to_be_focused()
    await page.keyboard.type("j and k are letters here")
    await expect(page.get_by_label("Reply")).to_have_value("j and k are letters here")
    await page.keyboard.press("Alt+ArrowDown")  # moves even from the reply box
    await expect(page.locator(".conv[aria-current='true'] .conv-name")).to_have_text(second)
    await page.locator(".log").focus()
    await page.keyboard.press("c")
    await expect(page.locator("#chat-title")).to_contain_text("closed", timeout=LIVE)

    # ? lists the shortcuts in a dialog; Escape closes it.
    await page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Next conversation")
    assert await serious_accessibility_violations(page) == []
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)

    # Menus and modes, checked as they show.
    await page.keyboard.press("k")
    await page.get_by_role("button", name="Snooze…").click()
    await expect(page.get_by_role("button", name="1 hour")).to_be_focused()
    assert await serious_accessibility_violations(page) == []
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("button", name="1 hour")).to_have_count(0)
    await page.keyboard.press("n")
    await expect(page.get_by_label("Internal note")).to_be_focused()
    await page.get_by_role("button", name="Alerts").click()
    assert await serious_accessibility_violations(page) == []
    assert watch.problems == []


@pytest.mark.skipif(
    not os.environ.get("WEBCHAT_DESK_SCREENSHOTS"), reason="WEBCHAT_DESK_SCREENSHOTS not set"
)
async def test_screenshots(
    desk_server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """The pictures of docs/console.md."""
    out = ROOT / os.environ["WEBCHAT_DESK_SCREENSHOTS"]
    server = desk_server
    tenant = create_tenant(server, tenant_id=f"acme-{uuid.uuid4().hex[:4]}")
    sam = make_agent(server, tenant, "Sam Rivera", role="admin")
    make_agent(server, tenant, "Alex Chen")
    token = await login(server, sam)
    async with http_client(server, token) as http:
        for shortcut, text in (
            ("refund", "Hi {{visitor.name}}, {{agent.name}} here: your refund is on its way."),
            ("shipping", "Orders ship within 2 business days, {{visitor.name}}."),
            ("thanks", "Thanks for reaching out, {{visitor.name}}!"),
        ):
            response = await http.post(
                "/api/canned-responses", json={"shortcut": shortcut, "text": text}
            )
            contract.expect_status(response, 201)
    maria = Visitor(user_info={"name": "Maria Garcia", "email": "maria@example.com"})
    await visitor_says(server, tenant, Visitor(user_info={"name": "Tom Becker"}), "Thanks!")
    await visitor_says(server, tenant, Visitor(user_info={"name": "Lee Park"}), "Ship to Canada?")
    await visitor_says(server, tenant, maria, "Hi! I was charged twice for order #4821.")

    page = await new_page(browser, contexts, Watch(), width=1280, height=760)
    await sign_in(page, server, sam)
    await row(page, "Maria Garcia").click()
    await page.get_by_role("button", name="Assign to me").click()
    await page.get_by_label("Add a label").fill("billing")
    await page.get_by_label("Add a label").press("Enter")
    await expect(page.locator(".labels .label-tag")).to_have_count(1, timeout=LIVE)
    await page.get_by_label("Add a label").fill("vip")
    await page.get_by_label("Add a label").press("Enter")
    await page.get_by_role("button", name="Note", exact=True).click()
    await page.get_by_label("Internal note").fill("Both charges are in Stripe; refund the second.")
    await page.get_by_label("Internal note").press("Enter")
    await expect(page.locator(".log .note")).to_have_count(1, timeout=LIVE)
    await page.get_by_role("button", name="Reply", exact=True).click()
    await page.get_by_label("Reply").type("/ref")
    await page.get_by_label("Reply").press("Enter")
    await page.get_by_label("Reply").press("Enter")
    await expect(page.locator(".log .msg-agent")).to_have_count(1, timeout=LIVE)
    await visitor_says(server, tenant, maria, "Great, thank you. How long does it take?")
    await page.get_by_label("Reply").type("/")
    canned = page.get_by_role("listbox", name="Canned responses").get_by_role("option")
    await expect(canned).to_have_count(3, timeout=LIVE)
    await page.screenshot(path=str(out / "console-desk.png"))

    await page.get_by_label("Reply").press("Escape")
    await page.get_by_label("Reply").fill("")
    await page.get_by_role("button", name="Note", exact=True).click()
    await page.get_by_label("Internal note").fill("Customer asked twice already, keep it short")
    await page.get_by_role("button", name="Snooze…").click()
    await page.screenshot(path=str(out / "console-note-snooze.png"))
    await page.keyboard.press("Escape")

    await page.locator(".log").focus()
    await page.keyboard.press("?")
    await expect(page.get_by_role("dialog")).to_be_visible()
    await page.screenshot(path=str(out / "console-shortcuts.png"))
