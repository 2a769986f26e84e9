"""`SettingsCache`: one read of a tenant's settings at a time, however many sends ask for
them when the entry expires (a herd of reads once emptied the pool of a flooded node)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from webchat.actions import settings as settings_module
from webchat.actions.settings import CACHE_SECONDS, SettingsCache
from webchat.actions.tenants import do_create_tenant
from webchat.db import Database
from webchat.db.tenants import get_tenant, update_tenant_settings
from webchat.errors import ApiError


@contextmanager
def tenant_reads(db: Database) -> Iterator[list[str]]:
    """The statements that read the tenants table while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "tenants" in statement:
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_many_callers_on_a_cold_or_expired_entry_make_one_read(db: Database) -> None:
    await do_create_tenant(db, "acme", "Acme", [])
    cache = SettingsCache(db)
    with tenant_reads(db) as reads:
        got = await asyncio.gather(*(cache.get("acme") for _ in range(50)))
        assert len(reads) == 1, reads
        assert all(settings is got[0] for settings in got)
        assert got[0]["name"] == "Acme"
        await cache.get("acme")
        assert len(reads) == 1, "cached"
        await asyncio.sleep(CACHE_SECONDS + 0.05)
        await asyncio.gather(*(cache.get("acme") for _ in range(50)))
        assert len(reads) == 2, "expired: read once more, not 50 times"


async def test_a_caller_that_gives_up_does_not_cancel_the_read_others_wait_for(
    db: Database,
) -> None:
    await do_create_tenant(db, "acme", "Acme", [])
    cache = SettingsCache(db)
    impatient = asyncio.create_task(cache.get("acme"))
    patient = asyncio.create_task(cache.get("acme"))
    await asyncio.sleep(0)
    impatient.cancel()
    assert (await patient)["name"] == "Acme"
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_a_change_made_during_a_read_is_not_hidden_by_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await do_create_tenant(db, "acme", "Acme", [])
    read, go_on = asyncio.Event(), asyncio.Event()

    async def slow_read(database: Database, tenant_id: str) -> Any:
        tenant = await get_tenant(database, tenant_id)  # the row as it was
        read.set()
        await go_on.wait()
        return tenant

    monkeypatch.setattr(settings_module, "get_tenant", slow_read)
    cache = SettingsCache(db)
    before = asyncio.create_task(cache.get("acme"))
    await read.wait()
    await update_tenant_settings(db, "acme", {}, columns={"name": "Acme 2"})
    cache.forget("acme")  # what do_update_settings does after its change
    go_on.set()
    assert (await before)["name"] == "Acme", "the caller who asked before the change"
    monkeypatch.setattr(settings_module, "get_tenant", get_tenant)
    assert (await cache.get("acme"))["name"] == "Acme 2", "the old read was not kept"


async def test_an_unknown_tenant_is_not_found_for_every_caller_and_not_cached(
    db: Database,
) -> None:
    cache = SettingsCache(db)
    outcomes = await asyncio.gather(
        *(cache.get("nobody") for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(o, ApiError) and o.status == 404 for o in outcomes), outcomes
    await do_create_tenant(db, "nobody", "Now someone", [])
    assert (await cache.get("nobody"))["name"] == "Now someone"
