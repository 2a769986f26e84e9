"""Unit-test fixtures: an embedded app (SQLite file and fakeredis under tmp_path)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from app_harness import app_client

from webchat.app import create_app
from webchat.config import Settings, load_settings


@pytest.fixture
def embedded_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("WEBCHAT_"):
            monkeypatch.delenv(name)
    return load_settings(data_dir=tmp_path / "data", jwt_secret="j" * 64)


@pytest.fixture
async def embedded_client(embedded_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(embedded_settings)) as client:
        yield client
