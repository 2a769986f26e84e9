"""Attachments in the widget and the console end to end (CONTRACT §11): a real ``webchat
serve``, real headless Chromium, the built bundles.

A visitor of the demo page pastes a screenshot, the agent's console shows its thumbnail
live and the original is downloadable; the agent attaches a PDF, the widget shows it as
a file chip; a refused type says why; axe-core finds nothing serious with files shown.

Set ``WEBCHAT_ATTACHMENTS_SCREENSHOT=docs/images/widget-attachments.png`` to write the
picture of ``docs/widget.md``.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, expect

from support.browser import Watch, serious_accessibility_violations
from support.clients import Agent, Tenant
from support.flows import login
from support.server import WebchatProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
STATIC = [
    ROOT / "src" / "webchat" / "widget" / "static" / "widget.js",
    ROOT / "src" / "webchat" / "console" / "static" / "index.html",
]
LIVE = 5_000  # ms: how long a live update may take before the test calls it lost
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# A ClipboardEvent holding one PNG File, as a browser makes it for a pasted screenshot.
PASTE = """([selector, b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type: 'image/png' }));
  const target = document.querySelector('[data-webchat]').shadowRoot.querySelector(selector);
  const init = { clipboardData: data, bubbles: true, cancelable: true };
  const event = new ClipboardEvent('paste', init);
  target.dispatchEvent(event);
  return event.defaultPrevented;
}"""


def png_bytes() -> tuple[bytes, list[Any]]:
    """A small PNG and its pixels."""
    width, height = 160, 96
    image = Image.new("RGB", (width, height))
    for y in range(height):
        for x in range(width):
            image.putpixel((x, y), (x + 60, y * 2, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue(), [image.getpixel((x, y)) for y in range(height) for x in range(width)]


def pixels(data: bytes) -> tuple[tuple[int, int], list[Any]]:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = image.size
    return image.size, [image.getpixel((x, y)) for y in range(height) for x in range(width)]


@pytest.fixture(scope="module")
def server(launcher: Any) -> WebchatProcess:
    if not all(p.exists() for p in STATIC):
        subprocess.run(["npm", "run", "build"], cwd=ROOT, check=True, capture_output=True)
    return launcher.start("embedded", name="attachments-ui", demo=True)


def demo_agent(server: WebchatProcess, name: str) -> Agent:
    demo = Tenant(server, "demo", "", "", "")
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com"
    password = "pw-" + uuid.uuid4().hex
    out = server.cli(
        "agent", "create", "demo", email, "--password-stdin", "--name", name, stdin=password + "\n"
    )
    return Agent(tenant=demo, agent_id=str(out["agentId"]), email=email, password=password)


async def new_page(
    browser: Browser, contexts: list[BrowserContext], watch: Watch, **size: int
) -> Page:
    # CSP bypassed so axe (the test's own tool) can be injected as a script.
    viewport = {"width": size.get("width", 1280), "height": size.get("height", 800)}
    ctx = await browser.new_context(viewport=viewport, bypass_csp=True)
    contexts.append(ctx)
    return watch.attach(await ctx.new_page())


async def sign_in(page: Page, server: WebchatProcess, agent: Agent) -> None:
    await page.goto(f"{server.url}/console?tenant=demo")
    await page.get_by_label("E-mail").fill(agent.email)
    await page.get_by_label("Password").fill(agent.password)
    await page.get_by_label("Password").press("Enter")
    await expect(page.locator(".link-live")).to_be_visible(timeout=LIVE)


async def test_a_pasted_screenshot_reaches_the_agent_and_a_pdf_reaches_the_visitor(
    server: WebchatProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    watch = Watch()
    visitor = await new_page(browser, contexts, watch, width=1024, height=760)
    hello = f"My order page looks broken {uuid.uuid4().hex[:6]}"
    await visitor.goto(f"{server.url}/demo")
    await visitor.locator(".wc-launcher").click()
    await visitor.locator("#wc-input").fill(hello)
    await visitor.locator("#wc-input").press("Enter")
    await expect(visitor.locator(".wc-msg.wc-visitor", has_text=hello)).to_be_visible(timeout=LIVE)

    agent = demo_agent(server, "Pia Paste")
    desk = await new_page(browser, contexts, watch)
    await sign_in(desk, server, agent)
    await desk.locator(".conv", has_text=hello).click()
    conversation_id = await desk.locator("section[data-conversation-id]").get_attribute(
        "data-conversation-id"
    )

    # The visitor pastes a screenshot: it uploads, then goes with an empty text.
    original, original_pixels = png_bytes()
    assert await visitor.evaluate(
        PASTE, ["#wc-input", base64.b64encode(original).decode(), "screenshot.png"]
    )
    await expect(visitor.locator(".wc-upload.wc-done")).to_be_visible(timeout=LIVE)
    await expect(
        visitor.get_by_role("status").filter(has_text="screenshot.png attached")
    ).to_have_count(1)
    await visitor.locator("#wc-input").press("Enter")
    thumb = visitor.locator(".wc-msg.wc-visitor .wc-thumb img")
    await expect(thumb).to_have_attribute("alt", "screenshot.png", timeout=LIVE)
    assert await thumb.evaluate("img => img.complete && img.naturalWidth") == 160
    await expect(visitor.locator("#wc-input")).to_be_focused()

    # The agent sees the thumbnail live, linking to the full image in a new tab.
    link = desk.locator(".log .msg-visitor .file-thumb")
    await expect(link).to_be_visible(timeout=LIVE)
    assert await link.get_attribute("target") == "_blank"
    assert "noopener" in (await link.get_attribute("rel") or "")
    href = await link.get_attribute("href")
    assert href and href.startswith(f"{server.url}/attachments/"), href
    await expect(link.locator("img")).to_have_attribute("alt", "screenshot.png")

    # The original: what the link serves is what the history's url serves, and it
    # decodes to the pasted pixels (the server writes images again, without metadata).
    token = await login(server, agent)
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        history = await http.get(
            "/api/chat/messages",
            params={"conversationId": conversation_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert history.status_code == 200, history.text
        sent = [m for m in history.json()["messages"] if m["attachments"]]
        assert len(sent) == 1 and sent[0]["text"] == ""
        [stored] = sent[0]["attachments"]
        assert stored["name"] == "screenshot.png" and stored["contentType"] == "image/png"
        served = (await http.get(stored["url"])).content
        downloaded = await http.get(href)
    assert downloaded.status_code == 200
    assert downloaded.content == served
    assert pixels(downloaded.content) == ((160, 96), original_pixels)

    # The agent attaches a PDF with the attach button's file input and sends it alone.
    await desk.locator("form.reply input[type=file]").set_input_files(
        files=[{"name": "invoice-2024.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await expect(desk.locator(".reply-files .upload-done")).to_be_visible(timeout=LIVE)
    await desk.get_by_label("Reply").press("Enter")
    await expect(
        desk.locator(".log .msg-agent .file-chip", has_text="invoice-2024.pdf")
    ).to_be_visible(timeout=LIVE)

    # The widget shows it as a file chip: name and size, a link to this server's file.
    chip = visitor.locator(".wc-msg.wc-agent .wc-file")
    await expect(chip.locator(".wc-file-name")).to_have_text("invoice-2024.pdf", timeout=LIVE)
    await expect(chip.locator(".wc-file-size")).to_have_text(f"{len(PDF)} B")
    chip_href = await chip.get_attribute("href")
    assert chip_href and chip_href.startswith(f"{server.url}/attachments/"), chip_href
    async with httpx.AsyncClient(timeout=10) as http:
        pdf = await http.get(chip_href)
    assert pdf.content == PDF
    assert pdf.headers["content-disposition"].startswith("attachment")

    # A note takes files too: they stay with the agents, never reach the widget.
    await desk.get_by_role("button", name="Note", exact=True).click()
    await desk.locator("form.reply input[type=file]").set_input_files(
        files=[{"name": "refund-policy.txt", "mimeType": "text/plain", "buffer": b"30 days\n"}]
    )
    await expect(desk.locator(".reply-files .upload-done")).to_be_visible(timeout=LIVE)
    await desk.get_by_label("Internal note").fill("Policy for this case")
    await desk.get_by_label("Internal note").press("Enter")
    note = desk.locator(".log .note", has_text="Policy for this case")
    await expect(note.locator(".file-chip", has_text="refund-policy.txt")).to_be_visible(
        timeout=LIVE
    )
    await desk.get_by_role("button", name="Reply", exact=True).click()
    await expect(desk.locator(".reply-files")).to_have_count(0)

    # A file the server refuses says why, in the composer; nothing else breaks.
    await visitor.locator("#wc-panel input[type=file]").set_input_files(
        files=[
            {
                "name": "logo.svg",
                "mimeType": "image/svg+xml",
                "buffer": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            }
        ]
    )
    refused = visitor.locator(".wc-upload.wc-failed")
    await expect(refused.get_by_role("alert")).to_contain_text("cannot be sent", timeout=LIVE)
    await refused.get_by_role("button", name="Remove logo.svg").click()
    await expect(refused).to_have_count(0)
    await expect(visitor.locator("#wc-input")).to_be_focused()

    await expect(visitor.locator(".wc-file", has_text="refund-policy.txt")).to_have_count(0)
    # With files shown on both sides, axe-core finds nothing serious.
    assert await serious_accessibility_violations(visitor) == []
    assert await serious_accessibility_violations(desk) == []

    target = os.environ.get("WEBCHAT_ATTACHMENTS_SCREENSHOT")
    if target:
        await visitor.locator("#wc-input").fill("Here is the screenshot")
        path = ROOT / target
        path.parent.mkdir(parents=True, exist_ok=True)
        await visitor.screenshot(path=str(path))
    assert watch.problems == [], watch.problems
