"""The socket load: C conversations × T tabs + A agents, in one or more worker processes.

Each worker process has its own tenant (so its agents receive exactly its own messages),
opens its sockets, and on command sends at a fixed rate for a while (open loop: the send
schedule never waits for acks, so a slow server shows up as latency, not as a lower rate),
then waits for the stragglers and reports what arrived.

Accounting, per message (keyed by its clientMessageId):
- it is *acked* when the ack says `ok: true`, *failed* when `ok: false`, *unacked* when no
  ack came before the drain timeout;
- every acked message must reach every tab of its conversation (the sender's other tabs
  and, per CONTRACT §5, the sender tab itself) and every agent of the tenant, exactly once:
  a bit per receiver; a missing bit is a lost delivery, a bit seen twice a duplicate;
- latency: send → `meta_message_created` on each OTHER tab (the figure the issue asks
  for), and separately send → agent and send → ack.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import resource
import time
import traceback
import uuid
from array import array
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.wsclient import SioSocket

perf = time.perf_counter  # CLOCK_MONOTONIC: comparable across processes on Linux


@dataclass
class WorkerConfig:
    worker: int
    urls: list[str]
    public_key: str
    secret_key: str
    conversations: int
    tabs: int
    agents: int
    text_bytes: int = 40
    connect_concurrency: int = 32
    client: str = "raw"  # or "python-socketio" (AsyncClient, to measure its cost)


class Pending:
    __slots__ = ("ack", "mask", "sender", "t0")

    def __init__(self, t0: float, sender: int) -> None:
        self.t0 = t0
        self.sender = sender
        self.mask = 0
        self.ack = 0  # 0 waiting, 1 ok, -1 refused


@dataclass
class Conversation:
    session_id: str
    fingerprint: str
    tabs: list[SioSocket] = field(default_factory=list)
    seq: int = 0


class Worker:
    def __init__(self, cfg: WorkerConfig) -> None:
        self.cfg = cfg
        self.http: aiohttp.ClientSession | None = None
        self.conversations: list[Conversation] = []
        self.agents: list[SioSocket] = []
        self.full_mask = (1 << (cfg.tabs + cfg.agents)) - 1
        self.text = ("x" * cfg.text_bytes)[: cfg.text_bytes] or "x"
        self.socket_class: Any = SioSocket
        if cfg.client == "python-socketio":
            from bench.sioclient import AsyncClientSocket

            self.socket_class = AsyncClientSocket
        self._reset()

    def _reset(self) -> None:
        self.pending: dict[str, Pending] = {}
        self.lat_tab = array("d")
        self.lat_agent = array("d")
        self.lat_ack = array("d")
        self.acked = 0
        self.failed: dict[str, int] = {}
        self.complete = 0
        self.duplicates = 0
        self.unknown = 0
        self.deliveries = 0
        self.last_complete = 0.0

    # --- sockets ----------------------------------------------------------------------

    async def open(self) -> dict[str, Any]:
        cfg = self.cfg
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=True),
            timeout=aiohttp.ClientTimeout(total=None),
        )
        gate = asyncio.Semaphore(cfg.connect_concurrency)
        started = perf()

        async def open_conversation(index: int) -> Conversation:
            conv = Conversation(str(uuid.uuid4()), f"bench{cfg.worker}x{index}x{uuid.uuid4().hex}")
            async with gate:
                for tab in range(cfg.tabs):
                    url = cfg.urls[tab % len(cfg.urls)]  # tabs spread over the servers
                    sock = self.socket_class(self._on_event, tag=tab)
                    auth = {
                        "apiKey": cfg.public_key,
                        "sessionId": conv.session_id,
                        "fingerprint": conv.fingerprint,
                    }
                    await sock.connect(self.http, url, auth, timeout=30)  # type: ignore[arg-type]
                    conv.tabs.append(sock)
            return conv

        async def open_agent(index: int) -> SioSocket:
            sock = self.socket_class(self._on_event, tag=cfg.tabs + index)
            async with gate:
                url = cfg.urls[index % len(cfg.urls)]
                await sock.connect(self.http, url, {"apiKey": cfg.secret_key}, timeout=30)  # type: ignore[arg-type]
            return sock

        self.agents = list(await asyncio.gather(*(open_agent(i) for i in range(cfg.agents))))
        self.conversations = list(
            await asyncio.gather(*(open_conversation(i) for i in range(cfg.conversations)))
        )
        await asyncio.sleep(0.5)  # let the welcome events (session, user_online) pass
        return {"sockets": cfg.conversations * cfg.tabs + cfg.agents, "seconds": perf() - started}

    async def close(self) -> dict[str, Any]:
        socks = [s for c in self.conversations for s in c.tabs] + self.agents
        await asyncio.gather(*(s.close() for s in socks), return_exceptions=True)
        if self.http is not None:
            await self.http.close()
        return {"closed": len(socks)}

    def _on_event(self, sock: SioSocket, event: str, data: Any) -> None:
        if event != "meta_message_created":
            return
        now = perf()
        self.deliveries += 1
        pending = self.pending.get(data.get("clientMessageId"))
        if pending is None:
            self.unknown += 1
            return
        receiver: int = sock.tag
        bit = 1 << receiver
        if pending.mask & bit:
            self.duplicates += 1
            return
        pending.mask |= bit
        if receiver >= self.cfg.tabs:
            self.lat_agent.append(now - pending.t0)
        elif receiver != pending.sender:
            self.lat_tab.append(now - pending.t0)
        if pending.mask == self.full_mask:
            self.complete += 1
            self.last_complete = now

    # --- a step -------------------------------------------------------------------------

    async def step(self, rate: float, duration: float, drain: float, step_no: int) -> dict:
        self._reset()
        cfg = self.cfg
        convs = self.conversations
        n_conv = len(convs)
        tabs = cfg.tabs
        text = self.text
        pending = self.pending
        cpu0 = _own_cpu()
        sent = 0
        index = 0
        prefix = f"{cfg.worker:08x}-{step_no & 0xFFFF:04x}-4000-8000-"
        start = perf()
        lag_max = 0.0
        while True:
            elapsed = perf() - start
            if elapsed >= duration:
                break
            due = int(rate * elapsed) + 1 - sent
            if due > 0:
                lag_max = max(lag_max, due / rate)
            for _ in range(due):
                conv = convs[index % n_conv]
                index += 1
                sender = conv.seq % tabs
                conv.seq += 1
                cmid = f"{prefix}{sent:012x}"
                item = Pending(perf(), sender)
                pending[cmid] = item
                payload = {
                    "sessionId": conv.session_id,
                    "fingerprint": conv.fingerprint,
                    "text": text,
                    "clientMessageId": cmid,
                }
                await conv.tabs[sender].emit("message", payload, self._ack_handler(item))
                sent += 1
            await asyncio.sleep(0.001)
        send_seconds = perf() - start
        # Wait for stragglers while they keep coming: give up `drain` seconds after the
        # last ack or delivery (or after 6 × drain), so "late" is not counted as "lost".
        hard_deadline = perf() + 6 * drain
        progress = (-1, -1)
        last_progress = perf()
        while perf() < hard_deadline:
            answered = self.acked + sum(self.failed.values())
            if answered >= sent and self.complete >= self.acked:
                break
            if (answered, self.deliveries) != progress:
                progress = (answered, self.deliveries)
                last_progress = perf()
            elif perf() - last_progress > drain:
                break
            await asyncio.sleep(0.02)
        unacked = lost_messages = lost_deliveries = 0
        for item in pending.values():
            if item.ack == 0:
                unacked += 1
            elif item.ack == 1 and item.mask != self.full_mask:
                lost_messages += 1
                lost_deliveries += (self.full_mask & ~item.mask).bit_count()
        return {
            "worker": cfg.worker,
            "rate": rate,
            "duration": duration,
            "start": start,
            "send_seconds": send_seconds,
            "sent": sent,
            "acked": self.acked,
            "failed": dict(self.failed),
            "unacked": unacked,
            "complete": self.complete,
            "last_complete": self.last_complete,
            "lost_messages": lost_messages,
            "lost_deliveries": lost_deliveries,
            "duplicates": self.duplicates,
            "unknown": self.unknown,
            "deliveries": self.deliveries,
            "lat_tab": self.lat_tab,
            "lat_agent": self.lat_agent,
            "lat_ack": self.lat_ack,
            "send_lag_max": lag_max,
            "cpu_seconds": _own_cpu() - cpu0,
        }

    def _ack_handler(self, item: Pending):  # type: ignore[no-untyped-def]
        def on_ack(response: Any) -> None:
            if isinstance(response, dict) and response.get("ok"):
                item.ack = 1
                self.acked += 1
                self.lat_ack.append(perf() - item.t0)
            else:
                item.ack = -1
                code = "?"
                if isinstance(response, dict):
                    code = str((response.get("error") or {}).get("code", "?"))
                self.failed[code] = self.failed.get(code, 0) + 1

        return on_ack


@dataclass
class FloodConfig:
    """A noisy tenant (`bench/run --noisy`): its own tenant, visitors that flood."""

    worker: int
    urls: list[str]
    public_key: str
    secret_key: str
    visitors: int  # sockets, each its own session
    http_visitors: int = 64  # sessions the HTTP sends go round
    agents: int = 1
    text_bytes: int = 40
    connect_concurrency: int = 32
    http_in_flight: int = 256  # past it a due HTTP send is skipped (and counted)


class Flood:
    """Visitors sending whatever the schedule says is due, whatever the answers (open loop,
    over sockets and `POST /webchat/message`), and agent sockets receiving what is taken.
    It counts answers by kind (ok, or the error's code / HTTP status), not deliveries one
    by one: the quiet tenant beside it is what is measured."""

    def __init__(self, cfg: FloodConfig) -> None:
        self.cfg = cfg
        self.http: aiohttp.ClientSession | None = None
        self.sockets: list[tuple[SioSocket, str, str]] = []
        self.http_sessions: list[tuple[str, str]] = []
        self.agents: list[SioSocket] = []
        self.delivered = 0
        self.text = ("x" * cfg.text_bytes)[: cfg.text_bytes] or "x"

    def _on_event(self, sock: SioSocket, event: str, data: Any) -> None:
        if event == "meta_message_created":
            self.delivered += 1

    async def open(self) -> dict[str, Any]:
        cfg = self.cfg
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=30),
            headers={"Authorization": f"Bearer {cfg.public_key}"},
        )
        http = self.http
        gate = asyncio.Semaphore(cfg.connect_concurrency)
        started = perf()

        async def visitor(i: int) -> tuple[SioSocket, str, str]:
            session_id, fingerprint = str(uuid.uuid4()), f"flood{i}x{uuid.uuid4().hex}"
            sock = SioSocket(None)
            auth = {"apiKey": cfg.public_key, "sessionId": session_id, "fingerprint": fingerprint}
            async with gate:
                await sock.connect(http, cfg.urls[i % len(cfg.urls)], auth, timeout=30)
            return sock, session_id, fingerprint

        async def agent(i: int) -> SioSocket:
            sock = SioSocket(self._on_event)
            async with gate:
                url = cfg.urls[i % len(cfg.urls)]
                await sock.connect(http, url, {"apiKey": cfg.secret_key}, timeout=30)
            return sock

        async def http_session(i: int) -> tuple[str, str]:
            ident = (str(uuid.uuid4()), f"floodhttp{i}x{uuid.uuid4().hex}")
            body = {"sessionId": ident[0], "fingerprint": ident[1]}
            async with gate, http.post(cfg.urls[0] + "/webchat/session", json=body) as r:
                r.raise_for_status()
            return ident

        self.agents = list(await asyncio.gather(*(agent(i) for i in range(cfg.agents))))
        self.sockets = list(await asyncio.gather(*(visitor(i) for i in range(cfg.visitors))))
        self.http_sessions = list(
            await asyncio.gather(*(http_session(i) for i in range(cfg.http_visitors)))
        )
        await asyncio.sleep(0.5)
        return {"sockets": cfg.visitors + cfg.agents, "seconds": perf() - started}

    async def close(self) -> dict[str, Any]:
        socks = [s for s, _, _ in self.sockets] + self.agents
        await asyncio.gather(*(s.close() for s in socks), return_exceptions=True)
        if self.http is not None:
            await self.http.close()
        return {"closed": len(socks)}

    async def step(
        self, rate: float, http_rate: float, duration: float, step_no: int
    ) -> dict[str, Any]:
        cfg = self.cfg
        http = self.http
        assert http is not None
        answers: dict[str, int] = {}
        statuses: dict[str, int] = {}
        tasks: set[asyncio.Task[None]] = set()
        delivered0 = self.delivered
        cpu0 = _own_cpu()
        prefix = f"f{cfg.worker:07x}-{step_no & 0xFFFF:04x}-4000-8000-"
        url = cfg.urls[0] + "/webchat/message"

        def on_ack(response: Any) -> None:
            code = "ok"
            if not (isinstance(response, dict) and response.get("ok")):
                code = "?"
                if isinstance(response, dict):
                    code = str((response.get("error") or {}).get("code", "?"))
            answers[code] = answers.get(code, 0) + 1

        async def post(body: dict[str, str]) -> None:
            try:
                async with http.post(url, json=body) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            statuses[str(status)] = statuses.get(str(status), 0) + 1

        sent = posted = skipped = 0
        start = perf()
        while (elapsed := perf() - start) < duration:
            for _ in range(int(rate * elapsed) + 1 - sent if rate else 0):
                sock, session_id, fingerprint = self.sockets[sent % len(self.sockets)]
                payload = {
                    "sessionId": session_id,
                    "fingerprint": fingerprint,
                    "text": self.text,
                    "clientMessageId": f"{prefix}{sent:012x}",
                }
                await sock.emit("message", payload, on_ack)
                sent += 1
            for _ in range(int(http_rate * elapsed) + 1 - posted if http_rate else 0):
                posted += 1
                if len(tasks) >= cfg.http_in_flight:
                    skipped += 1
                    continue
                session_id, fingerprint = self.http_sessions[posted % len(self.http_sessions)]
                body = {
                    "sessionId": session_id,
                    "fingerprint": fingerprint,
                    "text": self.text,
                    "clientMessageId": str(uuid.uuid4()),
                }
                task = asyncio.create_task(post(body))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(0.001)
        send_seconds = perf() - start
        for _ in range(250):  # up to 5 s for the last answers
            if sum(answers.values()) >= sent and not tasks:
                break
            await asyncio.sleep(0.02)
        for task in list(tasks):
            task.cancel()
        return {
            "send_seconds": send_seconds,
            "sent": sent,
            "answers": answers,
            "unanswered": sent - sum(answers.values()),
            "http_offered": posted,
            "http_skipped": skipped,
            "http_statuses": statuses,
            "http_unanswered": len(tasks),
            "delivered": self.delivered - delivered0,
            "cpu_seconds": _own_cpu() - cpu0,
        }


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- worker processes ------------------------------------------------------------------


def _worker_main(conn: Any, cfg: WorkerConfig | FloodConfig) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    from bench.infra import raise_fd_limit

    raise_fd_limit()
    asyncio.run(_serve(conn, cfg))


async def _serve(conn: Any, cfg: WorkerConfig | FloodConfig) -> None:
    worker: Any = Flood(cfg) if isinstance(cfg, FloodConfig) else Worker(cfg)
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        try:
            if command[0] == "open":
                reply: Any = await worker.open()
            elif command[0] == "step":
                reply = await worker.step(*command[1:])
            elif command[0] == "close":
                conn.send(("ok", await worker.close()))
                return
            else:
                raise ValueError(command)
            conn.send(("ok", reply))
        except Exception:
            conn.send(("error", traceback.format_exc()))


class WorkerPool:
    """N worker processes driven in lock-step by the bench's main process."""

    def __init__(self, configs: list[WorkerConfig] | list[FloodConfig]) -> None:
        ctx = mp.get_context("spawn")
        self.conns = []
        self.procs = []
        for cfg in configs:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(child, cfg), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    def call(self, *command: Any, timeout: float = 300) -> list[Any]:
        self.send(*command)
        return self.receive(command[0], timeout)

    def send(self, *command: Any) -> None:
        """Start a command without waiting (e.g. a flood running beside another pool's step)."""
        for conn in self.conns:
            conn.send(command)

    def receive(self, what: str, timeout: float = 300) -> list[Any]:
        replies = []
        for conn in self.conns:
            if not conn.poll(timeout):
                raise RuntimeError(f"worker did not answer {what!r} in {timeout:.0f}s")
            status, reply = conn.recv()
            if status != "ok":
                raise RuntimeError(f"worker failed on {what!r}:\n{reply}")
            replies.append(reply)
        return replies

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("close", timeout=30)
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
