"""Group commit: concurrent sends share one transaction.

Every message is committed before it is acknowledged (docs/architecture.md). One
transaction per message would make the database round trips, not the sockets, the limit
of the real-time path; so sends queue here and a writer commits whatever has gathered
while its previous commit was in flight: one message when idle, dozens under load.

On PostgreSQL there are `LANES` writers, each on its own connection, and a conversation
always goes through the same one: its messages commit in id order (what replay and `sync`
rely on) while other conversations' batches commit beside it, so the fsync of one commit
is not every message's wait. SQLite has one writer.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from datetime import datetime

from webchat.db.engine import Database, DatabaseUnavailable
from webchat.db.messages import PendingMessage, StoredMessage, insert_messages
from webchat.db.records import MessageRecord

log = logging.getLogger(__name__)

# Bounded so one transaction stays short (and within SQLite's bound-parameter limit).
MAX_BATCH = 200
LANES = 2
# On shutdown, how long the lanes together may take to commit what is queued (SIGTERM
# drains within 10 s, CONTRACT §14), and then to give up a commit still in flight.
DRAIN_SECONDS = 2.0
CANCEL_SECONDS = 0.5
# Past this many sends waiting on a lane (the database slow or away), a send is refused at
# once with 503 rather than queued behind the others: memory and waits stay bounded.
MAX_QUEUED = 5_000

_Item = tuple[PendingMessage, "asyncio.Future[StoredMessage]"]


class MessageWriter:
    def __init__(self, db: Database) -> None:
        self._lanes = [_Lane(db, lane) for lane in range(1 if db.is_sqlite else LANES)]

    async def write(
        self,
        message: MessageRecord,
        reopen: bool,
        email_due: datetime | None = None,
        attachment_ids: tuple[str, ...] = (),
    ) -> StoredMessage:
        lane = self._lanes[zlib.crc32(message.conversation_id.encode()) % len(self._lanes)]
        return await lane.write(PendingMessage(message, reopen, email_due, attachment_ids))

    async def close(self) -> None:
        """Commit what is queued (the lanes side by side, DRAIN_SECONDS in all), then stop
        them. What did not commit by then is answered `503` (its senders retry with their
        clientMessageId, on another node)."""
        deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
        await asyncio.gather(*(lane.close(deadline) for lane in self._lanes))


class _Lane:
    """One writer: a queue and the task committing it, batch after batch."""

    def __init__(self, db: Database, lane: int) -> None:
        self._db = db
        self._lane = lane
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._in_flight = 0
        self._closed = False

    async def write(self, pending: PendingMessage) -> StoredMessage:
        if self._closed:
            raise DatabaseUnavailable("the writer is shutting down")
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        if self._queue.qsize() >= MAX_QUEUED:
            raise DatabaseUnavailable("the group commit's queue is full")
        future: asyncio.Future[StoredMessage] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((pending, future))
        return await future

    async def close(self, deadline: float) -> None:
        self._closed = True
        if self._task is None:
            return
        if not self._task.done():
            left = max(0.0, deadline - asyncio.get_running_loop().time())
            try:
                await asyncio.wait_for(self._queue.join(), left)
            except TimeoutError:
                waiting = self._queue.qsize() + self._in_flight
                log.warning("shutdown: %d messages not committed (answered 503)", waiting)
        self._task.cancel()
        # A commit stuck on a database that stopped answering is not waited for: the
        # database's close terminates its connection.
        await asyncio.wait({self._task}, timeout=CANCEL_SECONDS)
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            _settle(future, DatabaseUnavailable("the writer is shutting down"))

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            live = [(pending, future) for pending, future in batch if not future.cancelled()]
            self._in_flight = len(batch)
            try:
                if live:
                    await self._commit(live)
            except BaseException:
                # Cancelled mid-commit (shutdown): the outcome is unknown, so 503; a retry
                # with the same clientMessageId finds the message if it did commit.
                for _, future in live:
                    _settle(future, DatabaseUnavailable("the writer is shutting down"))
                raise
            finally:
                self._in_flight = 0
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[_Item]) -> None:
        try:
            stored = await insert_messages(
                self._db, [pending for pending, _ in batch], lane=self._lane
            )
        except Exception as exc:
            if len(batch) == 1 or isinstance(exc, DatabaseUnavailable):
                # The database is away: every message of the batch gets the 503 at once
                # (nothing was written; the senders retry with their clientMessageId).
                for _, future in batch:
                    _settle(future, exc)
                return
            # One bad row must not fail its neighbours: retry each on its own.
            for item in batch:
                await self._commit([item])
            return
        for (_, future), result in zip(batch, stored, strict=True):
            _settle(future, result)


def _settle(future: asyncio.Future[StoredMessage], outcome: StoredMessage | Exception) -> None:
    if future.done():
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
