"""`webchat.store.batching.TickBatcher`: one batch per event-loop tick, batches in order."""

from __future__ import annotations

import asyncio

from webchat.store.batching import TickBatcher


async def test_one_tick_is_one_batch_and_batches_keep_their_order() -> None:
    sent: list[list[int]] = []
    started = asyncio.Event()
    release = asyncio.Event()

    async def send(batch: list[int]) -> None:
        sent.append(batch)
        started.set()
        await release.wait()  # a slow round trip: later batches must wait their turn

    batcher: TickBatcher[int] = TickBatcher(send)
    for i in range(3):
        batcher.add(i)
    await started.wait()
    for i in range(3, 5):
        batcher.add(i)
    await asyncio.sleep(0.01)
    assert sent == [[0, 1, 2]], "the second batch waits for the first to be sent"
    release.set()
    await batcher.close()
    assert sent == [[0, 1, 2], [3, 4]]


async def test_close_sends_what_is_pending() -> None:
    sent: list[list[str]] = []

    async def send(batch: list[str]) -> None:
        sent.append(batch)

    batcher: TickBatcher[str] = TickBatcher(send)
    batcher.add("a")
    await batcher.close()
    assert sent == [["a"]]
