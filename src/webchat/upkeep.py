"""Periodic jobs every node runs: each is safe to run on many nodes at once (the job's
own conditional update decides which node does each piece of work)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from webchat.actions.conversations import do_wake_snoozed
from webchat.actions.event_log import do_prune_events
from webchat.actions.privacy import do_apply_retention
from webchat.mail.sender import MailSender
from webchat.services import Services
from webchat.webhooks.dispatcher import WebhookDispatcher

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 600.0


class Upkeep:
    def __init__(self, services: Services) -> None:
        self.jobs: list[tuple[float, Callable[[], Awaitable[object]]]] = [
            # Snoozed conversations reopen within 60 s of their time (CONTRACT §8): one
            # indexed query per node every `snooze_check_seconds` (15 s) keeps inside it.
            (services.settings.snooze_check_seconds, lambda: do_wake_snoozed(services)),
            # Events past their retention, in bounded batches (`actions/event_log.py`).
            (PRUNE_EVERY_SECONDS, lambda: do_prune_events(services)),
            # Tenants' retentionDays (CONTRACT §12: within an hour of becoming due).
            (services.settings.retention_check_seconds, lambda: do_apply_retention(services)),
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self.mail = MailSender(services) if services.settings.mail_enabled else None
        self.webhooks = WebhookDispatcher(services)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._every(s, job)) for s, job in self.jobs]
        self._tasks.append(asyncio.create_task(self.webhooks.run()))
        if self.mail is not None:
            self._tasks.append(asyncio.create_task(self.mail.run()))

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
