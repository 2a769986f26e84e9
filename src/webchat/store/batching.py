"""Sending what one event-loop tick produced as one batch, batches in order.

A committed group of messages resolves in one tick, so every `XADD` or `PUBLISH` it causes
can share one Redis round trip; batches go out one at a time so events keep their order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class TickBatcher(Generic[Item]):
    def __init__(self, send: Callable[[list[Item]], Awaitable[None]]) -> None:
        self._send = send
        self._pending: list[Item] = []
        self._flush_task: asyncio.Task[None] | None = None
        self._sending = asyncio.Lock()

    def add(self, item: Item) -> None:
        self._pending.append(item)
        if self._flush_task is None:
            self._flush_task = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the rest of this tick's items join
        batch, self._pending = self._pending, []
        self._flush_task = None
        async with self._sending:
            await self._send(batch)

    async def close(self) -> None:
        if self._flush_task is not None:
            await self._flush_task
        async with self._sending:
            pass
