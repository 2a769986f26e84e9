"""Tenant settings (CONTRACT §9): read through a small per-node cache, changed by PATCH.

The cache keeps a tenant's settings for `CACHE_SECONDS`: every node sees a change within
that (the availability issue asks for 2 s), whoever made it (another node, the CLI), with no
Redis round trip and no invalidation protocol to get wrong. The node that made a change
drops its own entry at once.
"""

from __future__ import annotations

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

    async def get(self, tenant_id: str) -> dict[str, Any]:
        now = time.monotonic()
        cached = self._entries.get(tenant_id)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        tenant = await get_tenant(self.db, tenant_id)
        if tenant is None:
            raise not_found("No such tenant.")
        settings = {
            "name": tenant.name,
            "allowedOrigins": tenant.allowed_origins,
            "identityVerification": tenant.require_identity,
            **merged_settings(tenant.settings),
        }
        self._entries[tenant_id] = (now, settings)
        return settings

    def forget(self, tenant_id: str) -> None:
        self._entries.pop(tenant_id, None)


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
