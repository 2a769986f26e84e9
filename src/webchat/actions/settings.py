"""Tenant settings (CONTRACT §9): read through a small per-node cache, changed by PATCH.

The cache keeps a tenant's settings for `CACHE_SECONDS`: every node sees a change within
that (the availability issue asks for 2 s), whoever made it (another node, the CLI), with no
Redis round trip and no invalidation protocol to get wrong. The node that made a change
drops its own entry at once. An expired entry is read again once, whoever is waiting.
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from webchat.actions.availability import do_check_availability
from webchat.db.audit import Audit
from webchat.db.tenants import get_tenant, update_tenant_settings
from webchat.errors import invalid_field, not_found
from webchat.settings_schemas import (
    COLUMN_NAMES,
    COLUMNS,
    NESTED,
    NULLABLE,
    NULLABLE_NESTED,
    SettingsPatch,
    merged_settings,
)

if TYPE_CHECKING:
    from webchat.db import Database
    from webchat.services import Services

CACHE_SECONDS = 1.0


class SettingsCache:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}
        self._loading: dict[str, asyncio.Task[tuple[float, dict[str, Any]]]] = {}
        # Every read until it ends, forgotten or not (the loop keeps tasks weakly).
        self._reads: set[asyncio.Task[tuple[float, dict[str, Any]]]] = set()

    async def get(self, tenant_id: str) -> dict[str, Any]:
        cached = self._entries.get(tenant_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        # One read per tenant at a time: when the entry expires under a flood, the sends
        # arriving meanwhile wait for that read rather than each taking a database
        # connection (a herd that emptied the pool and stalled the node). Shielded: a
        # caller that gives up does not cancel the read the others wait for.
        loading = self._loading.get(tenant_id)
        if loading is None:
            loading = asyncio.create_task(self._load(tenant_id))
            self._loading[tenant_id] = loading
            self._reads.add(loading)
            loading.add_done_callback(functools.partial(self._loaded, tenant_id))
        return (await asyncio.shield(loading))[1]

    def forget(self, tenant_id: str) -> None:
        self._entries.pop(tenant_id, None)
        self._loading.pop(tenant_id, None)  # a read begun before the change is not kept

    async def _load(self, tenant_id: str) -> tuple[float, dict[str, Any]]:
        started = time.monotonic()
        tenant = await get_tenant(self.db, tenant_id)
        if tenant is None:
            raise not_found("No such tenant.")
        settings = {
            "name": tenant.name,
            "allowedOrigins": tenant.allowed_origins,
            "identityVerification": tenant.require_identity,
            **merged_settings(tenant.settings),
        }
        return started, settings

    def _loaded(self, tenant_id: str, task: asyncio.Task[tuple[float, dict[str, Any]]]) -> None:
        self._reads.discard(task)
        failed = task.cancelled() or task.exception() is not None  # retrieved, either way
        if self._loading.get(tenant_id) is task:
            del self._loading[tenant_id]
            if not failed:
                self._entries[tenant_id] = task.result()


async def do_update_settings(
    services: Services, tenant_id: str, patch: SettingsPatch, audit: Audit | None = None
) -> dict[str, Any]:
    given = patch.model_fields_set
    for name in given - NULLABLE:
        if getattr(patch, name) is None:
            raise invalid_field(f"{name}: must not be null")
    document: dict[str, Any] = {}
    for name in given - COLUMNS:
        value = getattr(patch, name)
        if isinstance(value, BaseModel):
            # Keys sent as null are kept: a widget text set to null goes back to the
            # widget's own words.
            value = value.model_dump(exclude_unset=True)
            for key, item in value.items():
                if item is None and key not in NULLABLE_NESTED.get(name, ()):
                    raise invalid_field(f"{name}.{key}: must not be null")
        document[name] = value
    columns = {
        column: getattr(patch, field) for field, column in COLUMN_NAMES.items() if field in given
    }
    if not await update_tenant_settings(
        services.db, tenant_id, document, nested=NESTED, columns=columns, audit=audit
    ):
        raise not_found("No such tenant.")
    services.settings_cache.forget(tenant_id)
    if "businessHours" in given:
        await do_check_availability(services, tenant_id)
    return await services.settings_cache.get(tenant_id)
