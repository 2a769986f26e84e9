"""How many sockets a node takes, in all and per tenant (CONTRACT §14).

Past the node's cap a handshake gets `connect_error` `unavailable` (the client's next
attempt may reach another node); past a tenant's, `rate_limited`, so one tenant's
thousands of tabs cannot take a node from the others. Counted per node: each node
protects its own memory and file descriptors.
"""

from __future__ import annotations

from collections import Counter

from webchat.errors import ApiError


class SocketCaps:
    def __init__(self, per_node: int, per_tenant: int) -> None:
        self.per_node = per_node
        self.per_tenant = per_tenant
        self._total = 0
        self._by_tenant: Counter[str] = Counter()

    def reserve(self, tenant_id: str) -> None:
        """A place for one more socket of `tenant_id`, or the refusal."""
        if self._total >= self.per_node:
            raise ApiError(503, "unavailable", "This server has all the sockets it can take.")
        if self._by_tenant[tenant_id] >= self.per_tenant:
            raise ApiError(
                429, "rate_limited", "This site has too many open chat windows on this server."
            )
        self._total += 1
        self._by_tenant[tenant_id] += 1

    def release(self, tenant_id: str) -> None:
        self._total -= 1
        self._by_tenant[tenant_id] -= 1
        if self._by_tenant[tenant_id] <= 0:
            del self._by_tenant[tenant_id]
