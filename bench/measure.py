"""Measurements run from the bench's main process: idle sockets' RSS, HTTP sends."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp

from bench.infra import rss_kb
from bench.wsclient import SioSocket


def percentile(values: Any, q: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


async def _open_idle(
    http: aiohttp.ClientSession, urls: list[str], public_key: str, count: int, concurrency: int
) -> list[SioSocket]:
    gate = asyncio.Semaphore(concurrency)
    socks: list[SioSocket] = []

    async def one(i: int) -> None:
        auth = {
            "apiKey": public_key,
            "sessionId": str(uuid.uuid4()),
            "fingerprint": f"idle{i}x{uuid.uuid4().hex}",
        }
        sock = SioSocket(None)
        async with gate:
            await sock.connect(http, urls[i % len(urls)], auth, timeout=60)
        socks.append(sock)

    await asyncio.gather(*(one(i) for i in range(count)))
    return socks


async def idle_rss(
    urls: list[str], pids: list[int | None], public_key: str, count: int, warmup: int = 100
) -> dict[str, Any]:
    """Open `count` idle visitor sockets (each its own session); the servers' RSS growth
    divided by the sockets each server holds."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, force_close=True)
    ) as http:
        # Warm-up: first connections allocate pools, caches, compiled validators.
        socks = await _open_idle(http, urls, public_key, warmup, 32)
        await asyncio.gather(*(s.close() for s in socks))
        await asyncio.sleep(1.5)
        before = [rss_kb(p) if p else None for p in pids]
        started = time.perf_counter()
        socks = await _open_idle(http, urls, public_key, count, 32)
        connect_seconds = time.perf_counter() - started
        await asyncio.sleep(2.0)
        after = [rss_kb(p) if p else None for p in pids]
        await asyncio.gather(*(s.close() for s in socks), return_exceptions=True)
    per_server = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        held = len(range(i, count, len(urls)))
        if b is None or a is None:
            per_server.append(None)
        else:
            per_server.append({"before_kb": b, "after_kb": a, "sockets": held})
    known = [s for s in per_server if s]
    per_conn = (
        sum(s["after_kb"] - s["before_kb"] for s in known) / sum(s["sockets"] for s in known)
        if known
        else None
    )
    return {
        "sockets": count,
        "connects_per_s": count / connect_seconds,
        "per_server": per_server,
        "kb_per_socket": per_conn,
    }


async def http_send(
    urls: list[str], public_key: str, concurrency: int, duration: float
) -> dict[str, Any]:
    """`POST /webchat/message` from `concurrency` visitors (one session each), closed loop."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {public_key}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), headers=headers
    ) as http:

        async def visitor(i: int, stop_at: float, record: bool) -> None:
            url = urls[i % len(urls)] + "/webchat/message"
            session_id = str(uuid.uuid4())
            fingerprint = f"http{i}x{uuid.uuid4().hex}"
            while time.perf_counter() < stop_at:
                body = {
                    "sessionId": session_id,
                    "fingerprint": fingerprint,
                    "text": "hello over http",
                    "clientMessageId": str(uuid.uuid4()),
                }
                t0 = time.perf_counter()
                try:
                    async with http.post(url, json=body) as response:
                        await response.read()
                        status = response.status
                except aiohttp.ClientError:
                    status = 0
                if record:
                    latencies.append(time.perf_counter() - t0)
                    statuses[status] = statuses.get(status, 0) + 1

        # Warm-up: sessions and conversations created, connections opened.
        warm = time.perf_counter() + min(2.0, duration / 3)
        await asyncio.gather(*(visitor(i, warm, False) for i in range(concurrency)))
        started = time.perf_counter()
        await asyncio.gather(*(visitor(i, started + duration, True) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    ok = statuses.get(201, 0)
    return {
        "concurrency": concurrency,
        "seconds": elapsed,
        "requests": sum(statuses.values()),
        "ok_per_s": ok / elapsed,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }
