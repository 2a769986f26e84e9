"""The webhook dispatcher every node runs: claim due deliveries, POST them, settle them.

Claims are leased (`db/webhooks.py`), so any number of nodes share the queue and a
delivery interrupted by a crash is attempted again when its lease ends: at least once,
the same `eventId` each time. One aiohttp session keeps connections to receivers alive;
its resolver refuses private addresses (`ssrf.py`). Each webhook has at most
`PER_WEBHOOK` requests in flight on a node, so one slow receiver cannot hold the others'
deliveries back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from webchat.actions.event_log import render_events
from webchat.clock import utcnow
from webchat.db.event_log import EventRecord, get_events
from webchat.db.webhooks import Claim, claim_due, pending_count, release, settle
from webchat.webhooks.signing import signature
from webchat.webhooks.ssrf import ForbiddenAddress, GuardedResolver, check_literal

if TYPE_CHECKING:
    from webchat.services import Services

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# Longer than a request may take, so a live claim never expires under its request.
LEASE = timedelta(seconds=30)
PER_WEBHOOK = 4
IN_FLIGHT = 64
CLAIM_BATCH = 32
MAX_BACKOFF_SECONDS = 3600
QUEUE_SAMPLE_SECONDS = 5.0
RESTART_SECONDS = 1.0


def backoff(attempts: int) -> float:
    """About 1 s, 2 s, 4 s, … after the 1st, 2nd, 3rd failure; at most an hour; ±20 %."""
    base = 2.0 ** min(attempts - 1, 12)
    return min(MAX_BACKOFF_SECONDS, base * random.uniform(0.8, 1.2))


class WebhookDispatcher:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._in_flight: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slot_freed = asyncio.Event()
        self._last_sample = 0.0

    async def run(self) -> None:
        """Forever: a failure (the database away, a bug) is logged and the loop starts
        again after a pause, so one bad moment never stops this node's deliveries."""
        while True:
            try:
                await self._run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("webhook dispatcher failed; starting again", exc_info=True)
                await asyncio.sleep(RESTART_SECONDS)

    async def _run(self) -> None:
        settings = self._services.settings
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(settings.webhook_allow_private), limit=IN_FLIGHT
        )
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            try:
                while True:
                    wanted = min(self._free_slots(), CLAIM_BATCH)
                    claimed = await self._claim(wanted) if wanted > 0 else []
                    if claimed:
                        await self._start(http, claimed)
                    await self._sample_queue()
                    if len(claimed) < wanted or wanted == 0:
                        await self._pause(settings.webhook_poll_seconds)
            finally:
                for task in self._tasks:
                    task.cancel()
                for task in list(self._tasks):
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                self._in_flight.clear()

    def _free_slots(self) -> int:
        return IN_FLIGHT - sum(self._in_flight.values())

    async def _pause(self, seconds: float) -> None:
        self._slot_freed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._slot_freed.wait(), seconds)

    async def _claim(self, wanted: int) -> list[Claim]:
        busy = [w for w, n in self._in_flight.items() if n >= PER_WEBHOOK]
        try:
            return await claim_due(self._services.db, wanted, LEASE, busy)
        except Exception:
            log.warning("webhook claim failed", exc_info=True)
            return []

    async def _start(self, http: aiohttp.ClientSession, claimed: list[Claim]) -> None:
        db = self._services.db
        starting: list[tuple[Claim, EventRecord]] = []
        try:
            events = await get_events(db, [c.event_id for c in claimed])
            later: list[Claim] = []
            for claim in claimed:
                if claim.event_id not in events:
                    await self._settle(claim, None, "the event no longer exists", final=True)
                elif self._in_flight[claim.webhook_id] >= PER_WEBHOOK:
                    later.append(claim)  # over this webhook's share on this node
                else:
                    self._in_flight[claim.webhook_id] += 1
                    starting.append((claim, events[claim.event_id]))
            await release(db, later)
            rendered = await render_events(self._services, [event for _, event in starting])
        except Exception:
            # Nothing was sent: the leases run out and a later round takes them again.
            log.warning("could not start webhook deliveries", exc_info=True)
            for claim, _ in starting:
                self._done(claim)
            return
        for (claim, _), event in zip(starting, rendered, strict=True):
            task = asyncio.create_task(self._deliver(http, claim, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _done(self, claim: Claim) -> None:
        self._in_flight[claim.webhook_id] -= 1
        if self._in_flight[claim.webhook_id] <= 0:
            del self._in_flight[claim.webhook_id]
        self._slot_freed.set()

    async def _deliver(
        self, http: aiohttp.ClientSession, claim: Claim, event: dict[str, Any]
    ) -> None:
        metrics = self._services.metrics
        status_code: int | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            body = orjson.dumps(event)
            check_literal(claim.url, self._services.settings.webhook_allow_private)
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "webchat-webhooks/1",
                "Webchat-Event-Id": claim.event_id,
                "Webchat-Signature": signature(claim.secret, body, int(time.time())),
            }
            async with http.post(
                claim.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                status_code = response.status
                await response.content.read(64 * 1024)
            if not 200 <= status_code < 300:
                error = f"answered {status_code}"
                if 300 <= status_code < 400:
                    error += " (redirects are not followed)"
        except ForbiddenAddress as exc:
            error = f"refused: {exc}"
        except aiohttp.ClientConnectorError as exc:
            cause = exc.os_error if exc.os_error is not None else exc.__cause__
            error = f"refused: {cause}" if isinstance(cause, ForbiddenAddress) else str(exc)
        except TimeoutError:
            error = f"no answer within {TIMEOUT_SECONDS} s"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            error = str(exc) or type(exc).__name__
        except Exception as exc:  # never leave the claim unsettled and the slot taken
            log.warning("webhook delivery %s failed", claim.event_id, exc_info=True)
            error = type(exc).__name__
        finally:
            metrics.webhook_latency.observe(time.monotonic() - started)
        try:
            await self._settle(claim, status_code, error)
        except Exception:
            log.warning("could not settle webhook delivery %s", claim.event_id, exc_info=True)
        finally:
            self._done(claim)

    async def _settle(
        self, claim: Claim, status_code: int | None, error: str | None, final: bool = False
    ) -> None:
        now = utcnow()
        window = timedelta(seconds=self._services.settings.webhook_retry_seconds)
        give_up_at: datetime = claim.give_up_at or claim.created_at + window
        outcome: str
        if error is None:
            status, next_at, outcome = "delivered", now, "delivered"
        else:
            next_at = now + timedelta(seconds=backoff(claim.attempts + 1))
            failed = final or next_at > give_up_at
            status = "failed" if failed else "pending"
            outcome = "failed" if failed else "refused" if error.startswith("refused") else "retry"
        await settle(
            self._services.db,
            claim,
            status=status,
            status_code=status_code,
            error=error,
            next_attempt_at=next_at,
            give_up_at=give_up_at,
        )
        self._services.metrics.webhook_deliveries.labels(outcome).inc()

    async def _sample_queue(self) -> None:
        now = time.monotonic()
        if now - self._last_sample < QUEUE_SAMPLE_SECONDS:
            return
        self._last_sample = now
        with contextlib.suppress(Exception):
            self._services.metrics.webhook_queue.set(await pending_count(self._services.db))
