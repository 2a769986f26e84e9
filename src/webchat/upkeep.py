"""Periodic jobs every node runs: each is safe to run on many nodes at once (the job's
own conditional update decides which node does each piece of work)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from webchat.actions.conversations import do_wake_snoozed
from webchat.services import Services

log = logging.getLogger(__name__)

# A snoozed conversation reopens within 60 s of its time (CONTRACT §8): looking every
# 15 s keeps well inside that for one indexed query per node.
SNOOZE_CHECK_SECONDS = 15.0


class Upkeep:
    def __init__(self, services: Services) -> None:
        self.jobs: list[tuple[float, Callable[[], Awaitable[object]]]] = [
            (SNOOZE_CHECK_SECONDS, lambda: do_wake_snoozed(services)),
        ]
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._every(s, job)) for s, job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @staticmethod
    async def _every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await job()
            except Exception:
                log.warning("periodic job failed", exc_info=True)
            await asyncio.sleep(seconds)
