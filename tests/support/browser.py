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
