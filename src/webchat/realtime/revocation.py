"""Revoked keys reach the sockets already open with them (CONTRACT §13): within 5 s on
every node.

Every node reads the keys revoked lately from the database once a second, whoever revoked
them (the CLI, another node, an operator's SQL): no Redis needed, so the embedded mode and
a CLI without a Redis URL are covered too. The socket hot path then checks an in-memory
set, and the node closes the sockets opened with a key it has just seen revoked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from webchat.clock import utcnow
from webchat.db import Database
from webchat.db.tenants import keys_revoked_since

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
# Revocations are stamped by the clock of whoever revoked them: look this far back so a
# few seconds of skew between machines cannot hide one.
CLOCK_SKEW = timedelta(minutes=2)


class RevocationWatcher:
    def __init__(self, db: Database, on_revoked: Callable[[set[str]], Awaitable[None]]) -> None:
        self.db = db
        self.on_revoked = on_revoked
        self.revoked_key_ids: set[str] = set()
        self._since = utcnow() - CLOCK_SKEW

    async def poll(self) -> None:
        now = utcnow()
        found = set(await keys_revoked_since(self.db, self._since))
        # Keys revoked before the window were refused at the handshake: no socket has one.
        self._since = max(self._since, now - CLOCK_SKEW)
        new = found - self.revoked_key_ids
        if new:
            self.revoked_key_ids |= new
            await self.on_revoked(new)

    async def run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception:
                log.warning("reading revoked keys failed", exc_info=True)
            await asyncio.sleep(POLL_SECONDS)
