"""The console's Team page end to end (CONTRACT §12, §13): a real ``webchat serve`` with
the demo tenant, real headless Chromium in two contexts (the demo admin, a new agent),
the built console.

The demo admin opens Team with the keyboard and adds an agent with a generated password,
shown once; the new agent signs in with it in their own browser and sees the desk. The
admin disables them (confirmed): within 5 s their console is back on the sign-in form
saying the session ended, and signing in again is refused; enabled again, they can.
The admin, the tenant's only admin, cannot demote nor disable themselves: the server's
409 shows under their row and the role goes back. A public key is created and shown
once, works for ``POST /webchat/session``, is revoked from the page and is then refused
(401). The audit log lists ``agent.created`` and ``agent.disabled`` by the admin, and
filters. The Change password dialog keeps a wrong current password at its field without
signing out. axe-core finds no serious or critical violation on the page with the key
shown nor in the dialog; neither page logs an unexpected console error.

Set ``WEBCHAT_TEAM_SCREENSHOT=docs/images/console-team.png`` to write the picture of
``docs/console.md``.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from support import contract
from support.browser import Watch, console_is_stale, serious_accessibility_violations
from support.clients import Tenant, Visitor, http_client
from support.server import WebchatProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
DEMO_TENANT = "demo"
LIVE = 5_000  # ms: how long the page may take to show what the server answered
SIGNED_OUT_WITHIN = 5.0  # s: from "Yes, disable" to the sign-in form in the agent's tab
LAST_ADMIN = "This is the tenant's last admin: make another agent an admin first."
# The generator's alphabet: letters and digits that cannot be confused (no 0 O o 1 l I).
GENERATED = re.compile(r"[A-HJ-NP-Za-km-np-z2-9]{16}")
# Chromium logs every non-2xx fetch as a console error; these are the ones provoked on
# purpose: the disabled agent's refused sign-in and requests (401), the wrong current
# password (403), the last admin's demotion and disabling (409).
EXPECTED_CONSOLE = tuple(
    f"the server responded with a status of {status}" for status in (401, 403, 409)
)


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def team_server(launcher: Any) -> WebchatProcess:
    """The demo tenant (its admin is in the banner) and the built console."""
    if console_is_stale():
        subprocess.run(["npm", "run", "build:console"], cwd=ROOT, check=True, capture_output=True)
    return launcher.start("embedded", name="team-ui", demo=True)


@pytest.fixture(scope="module")
def demo(team_server: WebchatProcess) -> dict[str, str]:
    banner = team_server.banner()
    for label in ("public key", "secret key", "agent email", "agent password"):
        assert banner.get(label), f"banner lacks {label!r}: {banner}"
    return banner


class ConsoleErrors(Watch):
    """Watch, and every console error besides the ones a test provokes on purpose."""

    def attach(self, page: Page) -> Page:
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console: {m.text}")
                if m.type == "error"
                and "Content Security Policy" not in m.text  # Watch records those
                and not any(expected in m.text for expected in EXPECTED_CONSOLE)
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


async def submit_sign_in(page: Page, email: str, password: str) -> None:
    """The console's own sign-in form, as it is on the page now."""
    form = page.locator("main.signin form")
    await form.get_by_label("E-mail").fill(email)
    await form.get_by_label("Password").fill(password)
    await form.get_by_label("Password").press("Enter")


async def sign_in(page: Page, server: WebchatProcess, email: str, password: str) -> None:
    await page.goto(f"{server.url}/console?tenant={DEMO_TENANT}")
    await submit_sign_in(page, email, password)
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)


async def open_team_with_the_keyboard(page: Page) -> None:
    await page.locator("#open-team").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#team-title")).to_be_focused(timeout=LIVE)
    await expect(page.locator("#team-title")).to_have_text("Team")
    await expect(page.get_by_test_id("team-agents")).to_be_visible(timeout=LIVE)


async def stored_agents(server: WebchatProcess, secret_key: str) -> list[dict[str, Any]]:
    async with http_client(server, secret_key) as http:
        return contract.expect_status(await http.get("/api/agents"), 200)["agents"]


async def session_status(server: WebchatProcess, demo: dict[str, str], key: str) -> int:
    """What ``POST /webchat/session`` answers a new visitor with this public key."""
    tenant = Tenant(server, DEMO_TENANT, key, demo["secret key"], "")
    visitor = Visitor(user_info={"name": "Kim Key"})
    async with http_client(server, key) as http:
        response = await http.post("/webchat/session", json=visitor.identity(tenant))
    if response.status_code == 200:
        contract.check_session(response.json(), sessionId=visitor.session_id)
    return response.status_code


async def background(badge: Locator) -> str:
    return await badge.evaluate("el => getComputedStyle(el).backgroundColor")


def agent_row(page: Page, agent_id: str) -> Locator:
    return page.locator(f'tr[data-agent-id="{agent_id}"]')


# --- the scenarios ---------------------------------------------------------------------


async def test_the_admin_adds_disables_and_enables_an_agent_and_creates_and_revokes_a_key(
    team_server: WebchatProcess,
    demo: dict[str, str],
    browser: Browser,
    contexts: list[BrowserContext],
) -> None:
    server = team_server
    secret_key = demo["secret key"]
    # The demo tenant's only admin is the demo agent (the 409s below depend on it).
    agents = await stored_agents(server, secret_key)
    admins = [a for a in agents if a["role"] == "admin" and not a["disabled"]]
    assert [a["email"] for a in admins] == [demo["agent email"]], agents
    [me] = admins
    my_name, my_id = me["name"], me["agentId"]

    admin_watch, agent_watch = ConsoleErrors(), ConsoleErrors()
    admin = await new_page(browser, contexts, admin_watch, locale="en-GB")
    await sign_in(admin, server, demo["agent email"], demo["agent password"])
    await open_team_with_the_keyboard(admin)
    await expect(admin).to_have_url(f"{server.url}/console?tenant={DEMO_TENANT}#team")
    await expect(admin.locator("#open-team")).to_have_attribute("aria-current", "page")
    my_row = agent_row(admin, my_id)
    await expect(my_row).to_contain_text("you")
    await expect(my_row.locator(".team-status")).to_have_text("Active")

    # --- Add an agent with a generated password ---------------------------------------
    suffix = uuid.uuid4().hex[:6]
    email, name = f"nia-{suffix}@example.com", f"Nia Newcomer {suffix}"
    form = admin.locator("form.team-add-form")
    await form.get_by_label("E-mail").fill(email)
    await form.get_by_label("Name").fill(name)
    await expect(form.get_by_label("Role")).to_have_value("agent")
    password_field = admin.locator("#team-agent-password")
    await expect(password_field).to_have_attribute("type", "password")
    await admin.locator("#team-generate").click()
    await expect(password_field).to_have_attribute("type", "text")  # shown, to hand over
    password = await password_field.input_value()
    assert GENERATED.fullmatch(password), password
    await expect(admin.get_by_test_id("team-agents-status")).to_contain_text(
        "16-character password was generated"
    )
    await form.get_by_role("button", name="Add agent").click()
    added = admin.get_by_test_id("team-added")
    await expect(added).to_be_visible(timeout=LIVE)
    await expect(admin.locator("#team-added-title")).to_be_focused()
    await expect(added).to_contain_text(f"Agent added: {name}")
    await expect(added).to_contain_text("it is not shown again")
    await expect(admin.locator("#team-added-value")).to_have_value(password)
    await expect(admin.get_by_test_id("team-agents-status")).to_have_text(f"Agent added: {name}.")
    await expect(form.get_by_label("E-mail")).to_have_value("")  # ready for the next one
    await expect(password_field).to_have_value("")
    [new] = [a for a in await stored_agents(server, secret_key) if a["email"] == email]
    assert new["name"] == name and new["role"] == "agent" and not new["disabled"], new
    new_id = new["agentId"]
    new_row = agent_row(admin, new_id)
    await expect(new_row.locator(".team-email")).to_have_text(email)
    await expect(new_row.locator(".team-status")).to_have_text("Active")
    await expect(admin.get_by_role("combobox", name=f"Role of {name}")).to_have_value("agent")
    # Hidden, the password is gone from the page; the focus goes back to the form.
    await added.get_by_role("button", name="I have handed it over, hide the password").click()
    await expect(added).to_have_count(0)
    await expect(form.get_by_label("E-mail")).to_be_focused()
    assert password not in await admin.content()

    # --- The new agent signs in with it, in their own browser -------------------------
    agent = await new_page(browser, contexts, agent_watch, locale="en-GB")
    await sign_in(agent, server, email, password)
    await expect(agent.locator("#open-team")).to_have_count(0)  # not an admin
    await expect(agent.locator("#open-password")).to_be_visible()

    # --- Disable asks first; then the agent's console is signed out within 5 s --------
    disable = admin.get_by_role("button", name=f"Disable {name}", exact=True)
    await disable.click()
    confirm = admin.locator("tr.team-confirm-row")
    await expect(confirm).to_have_count(1)
    await expect(confirm).to_contain_text(f"Disable {name}?")
    await expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    await admin.keyboard.press("Escape")  # Escape cancels, the focus back on Disable
    await expect(confirm).to_have_count(0)
    await expect(disable).to_be_focused()
    await disable.click()
    started = time.monotonic()
    await confirm.get_by_role("button", name="Yes, disable").click()
    await expect(new_row.locator(".team-status")).to_have_text("Disabled", timeout=LIVE)
    signed_out = agent.locator("main.signin .notice")
    await signed_out.wait_for(timeout=SIGNED_OUT_WITHIN * 1000 + 1000)
    took = time.monotonic() - started
    print(f"\nthe disabled agent's console showed the sign-in form after {took:.2f} s")
    assert took <= SIGNED_OUT_WITHIN, f"signed out after {took:.2f} s"
    await expect(signed_out).to_have_text(
        "Your session has ended: This agent has been disabled. Sign in again; your drafts are kept."
    )
    await expect(agent.locator(".link-live")).to_have_count(0)
    await expect(admin.get_by_test_id("team-agents-status")).to_contain_text(
        f"Disabled {name}: their sessions end at once"
    )
    enable = admin.get_by_role("button", name=f"Enable {name}", exact=True)
    await expect(enable).to_be_focused()
    # Disabled does not look like Active (the badge's own colours win over .badge's green).
    assert await background(new_row.locator(".team-status")) != await background(
        my_row.locator(".team-status")
    )
    assert await serious_accessibility_violations(admin) == []
    [stored] = [a for a in await stored_agents(server, secret_key) if a["agentId"] == new_id]
    assert stored["disabled"] is True, stored

    # Signing in again is refused while disabled.
    await submit_sign_in(agent, email, password)
    await expect(agent.locator("main.signin [role=alert]")).to_have_text(
        "Wrong tenant, e-mail or password.", timeout=LIVE
    )
    await expect(agent.locator(".link-live")).to_have_count(0)

    # Enable: no confirmation; then they can sign in again.
    await enable.click()
    await expect(new_row.locator(".team-status")).to_have_text("Active", timeout=LIVE)
    await expect(admin.get_by_test_id("team-agents-status")).to_have_text(f"Enabled {name}.")
    await expect(admin.get_by_role("button", name=f"Disable {name}", exact=True)).to_be_focused()
    await submit_sign_in(agent, email, password)
    await expect(agent.locator(".link-live")).to_be_visible(timeout=LIVE)
    # A plain agent who opens #team anyway is told it is for admins.
    await agent.evaluate("() => { location.hash = 'team'; }")
    await expect(agent.get_by_test_id("team-not-admin")).to_be_visible(timeout=LIVE)
    await expect(agent.get_by_test_id("team-agents")).to_have_count(0)

    # --- The only admin cannot demote nor disable themselves (409) --------------------
    my_role = admin.get_by_role("combobox", name=f"Role of {my_name}")
    await my_role.select_option("agent")
    await admin.get_by_role("button", name=f"Save changes to {my_name}").click()
    row_error = admin.get_by_test_id("team-row-error")
    await expect(row_error).to_have_text(LAST_ADMIN, timeout=LIVE)
    await expect(my_role).to_have_value("admin")  # the role goes back
    await expect(my_role).to_be_focused()
    await expect(admin.get_by_role("button", name=f"Save changes to {my_name}")).to_have_count(0)
    await admin.get_by_role("button", name=f"Disable {my_name}", exact=True).click()
    await expect(confirm).to_contain_text("That is you")
    await confirm.get_by_role("button", name="Yes, disable").click()
    await expect(row_error).to_have_text(LAST_ADMIN, timeout=LIVE)
    await expect(my_row.locator(".team-status")).to_have_text("Active")
    await expect(admin.locator(".link-live")).to_be_visible()  # still signed in
    [still] = [a for a in await stored_agents(server, secret_key) if a["agentId"] == my_id]
    assert still["role"] == "admin" and not still["disabled"], still

    # --- A public key: shown once, works, revoked, refused -----------------------------
    key_form = admin.locator("form.team-key-form")
    await key_form.get_by_label("Public").check()
    await admin.locator("#team-key-create").click()
    once = admin.get_by_test_id("team-key-once")
    await expect(once).to_be_visible(timeout=LIVE)
    await expect(admin.locator("#team-key-title")).to_be_focused()
    await expect(once).to_contain_text("Copy it now: it is not shown again.")
    key = await admin.locator("#team-key-value").input_value()
    assert key.startswith("pk_") and len(key) > 20, key
    await expect(admin.locator("#team-key-value")).to_have_attribute("readonly", "")
    keys = admin.get_by_test_id("team-keys")
    prefixes = [
        p
        for p in await keys.locator("tr[data-key-prefix]").evaluate_all(
            "rows => rows.map(r => r.dataset.keyPrefix)"
        )
        if key.startswith(p)
    ]
    assert len(prefixes) == 1, prefixes
    [prefix] = prefixes
    key_row = keys.locator(f'tr[data-key-prefix="{prefix}"]')
    await expect(key_row).to_contain_text("Public")
    await expect(key_row).to_contain_text("Never")
    await expect(key_row.locator(".team-status")).to_have_text("Active")
    await expect(admin.get_by_test_id("team-keys-status")).to_have_text(
        f"Public key created: {prefix}."
    )
    assert await serious_accessibility_violations(admin) == []
    assert await session_status(server, demo, key) == 200

    await once.get_by_role("button", name="I have copied it, hide the key").click()
    await expect(once).to_have_count(0)
    await expect(admin.locator("#team-key-create")).to_be_focused()
    assert key not in await admin.content()

    await key_row.get_by_role("button", name=f"Revoke key {prefix}").click()
    await expect(confirm).to_contain_text(f"Revoke {prefix}?")
    await confirm.get_by_role("button", name="Yes, revoke").click()
    await expect(key_row.locator(".team-status")).to_contain_text("Revoked at", timeout=LIVE)
    await expect(admin.get_by_test_id("team-keys-status")).to_have_text(
        f"Key {prefix} revoked. Sockets opened with it are disconnected within seconds."
    )
    await expect(key_row.get_by_role("button", name=f"Revoke key {prefix}")).to_have_count(0)
    assert await session_status(server, demo, key) == 401
    assert await background(key_row.locator(".team-status")) != await background(
        my_row.locator(".team-status")
    )
    assert await serious_accessibility_violations(admin) == []

    # --- The audit log ----------------------------------------------------------------
    await admin.get_by_role("button", name="Refresh", exact=True).click()
    await expect(admin.get_by_test_id("team-audit-status")).to_have_text(
        "Audit log refreshed.", timeout=LIVE
    )
    audit = admin.get_by_test_id("team-audit")
    created = audit.locator("tr.audit-entry", has=admin.locator("code", has_text="agent.created"))
    await expect(created.filter(has_text=email)).to_have_count(1)
    disabled = audit.locator(
        "tr.audit-entry", has=admin.locator("code", has_text=re.compile(r"^agent\.disabled$"))
    )
    await expect(disabled).to_have_count(1)
    await expect(disabled).to_have_attribute("data-actor-kind", "agent")
    await expect(disabled.locator("td").nth(1)).to_have_text(my_name)
    await expect(disabled.locator("td").nth(3)).to_have_text(f"{name} ({new_id})")
    for action in ("agent.enabled", "key.created", "key.revoked"):
        entry = audit.locator("tr.audit-entry", has=admin.locator("code", has_text=action))
        await expect(entry.first).to_be_visible()
    # Filters work on what is loaded.
    await admin.locator("#team-audit-action").fill("agent.disabled")
    await expect(audit.locator("tr.audit-entry")).to_have_count(1)
    await expect(admin.get_by_test_id("team-audit-count")).to_contain_text("Showing 1 of")
    await admin.locator("#team-audit-action").fill("")
    await admin.locator("#team-audit-actor").select_option("cli")
    await expect(audit.locator('tr.audit-entry:not([data-actor-kind="cli"])')).to_have_count(0)
    await admin.locator("#team-audit-actor").select_option("all")
    older = admin.locator("#team-audit-older")
    if await older.count():
        await older.click()
        await expect(older.or_(admin.locator("#team-audit-end"))).to_be_focused(timeout=LIVE)
    else:
        await expect(admin.locator("#team-audit-end")).to_have_text(
            "That is the beginning of the log."
        )

    target = os.environ.get("WEBCHAT_TEAM_SCREENSHOT")
    if target:
        shot = ROOT / target
        shot.parent.mkdir(parents=True, exist_ok=True)
        await admin.locator("#team-audit-action").blur()
        # Taller than the test's window, so the keys and the audit log are in the picture.
        await admin.set_viewport_size({"width": 1280, "height": 1700})
        await admin.locator("main.team").evaluate("el => el.scrollTo(0, 0)")
        await admin.screenshot(path=str(shot))
        await admin.set_viewport_size({"width": 1280, "height": 900})

    # --- Change password: a modal dialog; a wrong current password never signs out ----
    await admin.locator("#open-password").click()
    dialog = admin.get_by_role("dialog", name="Change password")
    await expect(dialog).to_be_visible()
    current = dialog.get_by_label("Current password", exact=True)
    await expect(current).to_be_focused()
    assert await serious_accessibility_violations(admin) == []
    await current.fill("not-my-password")
    await dialog.get_by_label("New password", exact=True).fill("a-new-password-1")
    await dialog.get_by_label("Repeat the new password").fill("a-new-password-1")
    await dialog.get_by_role("button", name="Change password").click()
    await expect(admin.locator("#password-current-error")).to_be_visible(timeout=LIVE)
    await expect(current).to_be_focused()
    await expect(current).to_have_attribute("aria-invalid", "true")
    await expect(admin.locator(".link-live")).to_be_visible()  # still signed in
    assert await serious_accessibility_violations(admin) == []
    await admin.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    await expect(admin.locator("#open-password")).to_be_focused()

    # Back to the desk.
    await admin.get_by_role("button", name="← Conversations").click()
    await expect(admin.locator("#open-team")).to_be_focused()
    await expect(admin).to_have_url(f"{server.url}/console?tenant={DEMO_TENANT}")
    assert admin_watch.problems == [], admin_watch.problems
    assert agent_watch.problems == [], agent_watch.problems
