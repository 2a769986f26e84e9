"""Tenant settings (CONTRACT §9), as far as the desk needs them: assignment mode and the
default agent capacity. Stored in `tenants.settings`; a partial PATCH changes only what
it names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webchat.db.tenants import get_tenant, update_tenant_settings
from webchat.desk_schemas import DEFAULT_SETTINGS, SettingsPatch
from webchat.errors import not_found

if TYPE_CHECKING:
    from webchat.services import Services


async def tenant_settings(services: Services, tenant_id: str) -> dict[str, Any]:
    tenant = await get_tenant(services.db, tenant_id)
    if tenant is None:
        raise not_found("No such tenant.")
    return {
        "name": tenant.name,
        "allowedOrigins": tenant.allowed_origins,
        "identityVerification": tenant.require_identity,
        **DEFAULT_SETTINGS,
        **tenant.settings,
    }


async def do_update_settings(
    services: Services, tenant_id: str, patch: SettingsPatch
) -> dict[str, Any]:
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if changes:
        await update_tenant_settings(services.db, tenant_id, changes)
    return await tenant_settings(services, tenant_id)
