"""Fixtures shared by the browser tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from support.browser import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PRESENT


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_PRESENT:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def contexts(browser: Browser) -> AsyncIterator[list[BrowserContext]]:
    """Browser contexts a test opens (append to it), closed after the test."""
    made: list[BrowserContext] = []
    yield made
    for ctx in made:
        with contextlib.suppress(Exception):
            await ctx.close()
