"""Message budgets: a visitor's and a whole tenant's, each counted across nodes, at the
tenant's own rate (settings `rateLimits`) or the server's default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webchat.gateway.rate_limits import per_second

if TYPE_CHECKING:
    from webchat.services import Services


async def check_visitor_budget(services: Services, tenant_id: str, session_id: str) -> None:
    """`429 rate_limited` when this visitor session has sent its budget."""
    rates = (await services.settings_cache.get(tenant_id))["rateLimits"]
    await services.visitor_limiter.check(tenant_id, session_id, rate=rates["visitorMessages"])


async def check_tenant_budget(services: Services, tenant_id: str) -> None:
    """`429 rate_limited` when the tenant, every sender and node together, has. A tenant's
    own rate can only be lower than the server's: that one protects the cluster from it."""
    rate = (await services.settings_cache.get(tenant_id))["rateLimits"]["tenantMessages"]
    if rate is not None and per_second(rate) > per_second(services.settings.tenant_rate_limit):
        rate = None
    await services.tenant_limiter.check(tenant_id, rate=rate)
