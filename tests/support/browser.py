"""Headless Chromium for the browser tests: Debian's binary, driven by Playwright."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.async_api import Page

CHROMIUM = os.environ.get("WEBCHAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_PRESENT = Path(CHROMIUM).exists()
# Without the background-networking flags Chromium keeps dialling Google's hosts, which
# this closed network refuses; the sandbox needs a non-root user.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Watch:
    """What a page must never do: open dialogs (a script ran), throw, break the CSP."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    @property
    def problems(self) -> list[str]:
        return self.dialogs + self.errors

    def attach(self, page: Page) -> Page:
        async def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"dialog {dialog.type}: {dialog.message}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console: {m.text}")
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        return page


ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CONSOLE_SOURCE = ROOT / "console"
CONSOLE_STATIC = ROOT / "src" / "webchat" / "console" / "static" / "index.html"


async def serious_accessibility_violations(page: Page, within: str = "document") -> list[str]:
    """axe-core's serious and critical findings on the page (or the part `within` selects)
    as it is now."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    context = "document" if within == "document" else f"document.querySelector({within!r})"
    result = await page.evaluate(
        f"async () => (await axe.run({context}, {{resultTypes: ['violations']}})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.help + ' -> ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(result)


def console_is_stale() -> bool:
    """No console build, or a console source file newer than it (a page added since the
    last build would be missing)."""
    if not CONSOLE_STATIC.exists():
        return True
    built = CONSOLE_STATIC.stat().st_mtime
    return any(p.stat().st_mtime > built for p in CONSOLE_SOURCE.rglob("*") if p.is_file())
