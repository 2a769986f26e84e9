"""Revoked keys, disabled agents and erased visitors reach the sockets already open
(CONTRACT §12, §13): within 5 s on every node.

Every node reads the keys revoked and the agents disabled lately from the database once
a second, whoever changed them (the API on any node, the CLI, an operator's SQL): no
Redis needed, so the embedded mode and a CLI without a Redis URL are covered too. The
socket hot path then checks an in-memory set of revoked keys, and the node closes the
sockets opened with a key (or by an agent) it has just seen revoked (or disabled). New
requests and handshakes read the database, so they are refused at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from webchat.clock import utcnow
from webchat.db import Database
from webchat.db.admin import agents_disabled_since
from webchat.db.audit import erasures_since
from webchat.db.tenants import keys_revoked_since

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
# Revocations are stamped by the clock of whoever revoked them: look this far back so a
# few seconds of skew between machines cannot hide one.
CLOCK_SKEW = timedelta(minutes=2)


class RevocationWatcher:
    def __init__(
        self,
        db: Database,
        on_revoked: Callable[[set[str]], Awaitable[None]],
        on_disabled: Callable[[set[str]], Awaitable[None]],
        on_erased: Callable[[set[str]], Awaitable[None]],
    ) -> None:
        self.db = db
        self.on_revoked = on_revoked
        self.on_disabled = on_disabled
        self.on_erased = on_erased
        self._erasures_seen: set[str] = set()
        self.revoked_key_ids: set[str] = set()
        self._disabled_seen: set[str] = set()
        self._since = utcnow() - CLOCK_SKEW

    async def poll(self) -> None:
        now = utcnow()
        found = set(await keys_revoked_since(self.db, self._since))
        disabled = set(await agents_disabled_since(self.db, self._since))
        erased = set(await erasures_since(self.db, self._since))
        # Keys revoked before the window were refused at the handshake: no socket has one.
        self._since = max(self._since, now - CLOCK_SKEW)
        new = found - self.revoked_key_ids
        if new:
            self.revoked_key_ids |= new
            await self.on_revoked(new)
        # An agent enabled again may connect again: only the newly disabled are closed,
        # and the set forgets what left the window.
        newly_disabled = disabled - self._disabled_seen
        self._disabled_seen = disabled
        if newly_disabled:
            await self.on_disabled(newly_disabled)
        newly_erased = erased - self._erasures_seen
        self._erasures_seen = erased
        if newly_erased:
            await self.on_erased(newly_erased)

    async def run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:
                log.warning("reading revoked keys failed", exc_info=True)
            await asyncio.sleep(POLL_SECONDS)
