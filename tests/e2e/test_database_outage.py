"""CONTRACT §14 / issue 16, the database down with Redis up: PostgreSQL stopped (a clean
fast shutdown, then in a second run `kill -9`) for 5 s under a send loop on two nodes, over
HTTP and sockets. Every answer is a success or `503 unavailable` with the §3 error object,
and comes quickly; a refused send is retried with its clientMessageId (what the widget
does) until it is taken; the nodes recover by themselves; nothing acknowledged is lost,
nothing stored twice, and a tab on the other node has every acknowledged message. An
agent's HTTP reply and the widget's `POST /webchat/session` are probed beside them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from socketio import exceptions as sio_exceptions

from support.clients import SocketClient, Visitor, http_client
from support.flows import Sockets, create_agent, create_tenant, follow_like_the_widget, login
from support.server import WebchatProcess
from support.services import PostgresCluster

pytestmark = pytest.mark.real_only

OUTAGE_SECONDS = 5
SEND_EVERY_SECONDS = 0.05
# The widget waits a little before sending a refused message again.
RETRY_PAUSE_SECONDS = 0.2
# No answer may take longer than this. The engine gives a connection attempt
# WRITER_CONNECT_SECONDS (10 s, src/webchat/db/engine.py) and the pool as long for a
# checkout; with PostgreSQL's port closed (stopped or killed) a connect is refused at once,
# so nothing should come near it. Past it a request is hung, which is a product bug.
ANSWER_WITHIN_SECONDS = 10 + 2
# With the port closed there is nothing to wait for: a refusal is one refused connect (or
# one broken pooled connection) away, so every answer during the outage, refusal or not,
# comes within this (measured: p99 under 0.05 s). A send held until the database returns
# (a writer retrying instead of refusing) takes the outage's 5 s and fails it. Generous
# for 2 busy cores.
OUTAGE_ANSWER_WITHIN_SECONDS = 3.0
# After PostgreSQL accepts connections again: sends taken and /readyz 200 within this.
RECOVERED_WITHIN_SECONDS = 10
# How long the tab on the other node may take to have everything acknowledged.
CAUGHT_UP_WITHIN_SECONDS = 10
CLIENT_TIMEOUT = 30.0


@dataclass
class Answer:
    """One request and what came back."""

    what: str  # "http", "socket", "session", "reply", "readyz"
    node: str
    client_id: str | None
    started: float
    seconds: float
    outcome: str  # "ok", "unavailable", or a description of anything else
    message_id: str | None = None

    def __str__(self) -> str:
        return f"{self.what}@{self.node} {self.outcome} in {self.seconds:.2f}s"


def classify_http(response: httpx.Response, ok_status: int) -> str:
    if response.status_code == ok_status:
        return "ok"
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} non-JSON {response.text[:200]!r}"
    error = body.get("error") if isinstance(body, dict) else None
    if (
        response.status_code == 503
        and isinstance(error, dict)
        and error.get("code") == "unavailable"
        and isinstance(error.get("message"), str)
        and error["message"]
    ):
        return "unavailable"
    return f"{response.status_code} {response.text[:300]}"


def classify_ack(ack: Any) -> str:
    if isinstance(ack, dict) and ack.get("ok") is True and isinstance(ack.get("message"), dict):
        return "ok"
    error = ack.get("error") if isinstance(ack, dict) else None
    if (
        isinstance(ack, dict)
        and ack.get("ok") is False
        and isinstance(error, dict)
        and error.get("code") == "unavailable"
        and isinstance(error.get("message"), str)
        and error["message"]
    ):
        return "unavailable"
    return f"ack {ack!r}"[:300]


class Timeline:
    """Every answer, and when PostgreSQL went away and came back."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.down_at = float("inf")
        self.up_at = float("inf")

    async def timed(
        self,
        what: str,
        node: WebchatProcess,
        client_id: str | None,
        request: Callable[[], Any],
        judge: Callable[[Any], tuple[str, str | None]],
    ) -> Answer:
        started = time.monotonic()
        try:
            outcome, message_id = judge(await request())
        except (httpx.TimeoutException, sio_exceptions.TimeoutError):
            outcome, message_id = f"no answer within {CLIENT_TIMEOUT:.0f}s", None
        except (httpx.HTTPError, sio_exceptions.SocketIOError, AssertionError) as exc:
            # AssertionError: support.contract's response hook (a 500, a bad error body).
            outcome, message_id = f"failed: {exc!r}"[:300], None
        answer = Answer(
            what, node.name, client_id, started, time.monotonic() - started, outcome, message_id
        )
        self.answers.append(answer)
        return answer

    def during_outage(self) -> list[Answer]:
        """Answers to requests made while PostgreSQL was away, or answered then."""
        return [
            a
            for a in self.answers
            if a.started < self.up_at and a.started + a.seconds > self.down_at
        ]


class Sender:
    """A visitor sending on one node, over its socket and over HTTP in turn; a refused
    send is sent again, after a short pause, with the same clientMessageId, as the widget
    does. Retries alternate too, stricter than the widget (which takes HTTP only while its
    socket is down): one clientMessageId refused on one and taken on the other."""

    def __init__(
        self,
        label: str,
        node: WebchatProcess,
        tab: SocketClient,
        visitor: Visitor,
        tenant: Any,
        timeline: Timeline,
    ) -> None:
        self.label, self.node, self.tab, self.visitor, self.tenant = (
            label,
            node,
            tab,
            visitor,
            tenant,
        )
        self.timeline = timeline
        self.acked: dict[str, str] = {}  # clientMessageId -> messageId
        self.stop = asyncio.Event()

    async def run(self) -> None:
        async with http_client(self.node, timeout=CLIENT_TIMEOUT) as http:
            i = attempt = 0
            while not self.stop.is_set():
                i += 1
                client_id = str(uuid.uuid4())
                text = f"{self.label}-{i}"
                while True:
                    # Socket and HTTP in turn, retries too: a message refused on one may
                    # be taken on the other, and must still be stored once.
                    attempt += 1
                    if attempt % 2:
                        answer = await self._over_socket(client_id, text)
                    else:
                        answer = await self._over_http(http, client_id, text)
                    if answer.outcome == "ok":
                        assert answer.message_id
                        self.acked[client_id] = answer.message_id
                        break
                    await asyncio.sleep(RETRY_PAUSE_SECONDS)
                await asyncio.sleep(SEND_EVERY_SECONDS)

    async def _over_socket(self, client_id: str, text: str) -> Answer:
        payload = {**self.visitor.identity(self.tenant), "text": text, "clientMessageId": client_id}

        def judge(ack: Any) -> tuple[str, str | None]:
            outcome = classify_ack(ack)
            return outcome, ack["message"]["messageId"] if outcome == "ok" else None

        return await self.timeline.timed(
            "socket",
            self.node,
            client_id,
            lambda: self.tab.sio.call("message", payload, timeout=CLIENT_TIMEOUT),
            judge,
        )

    async def _over_http(self, http: httpx.AsyncClient, client_id: str, text: str) -> Answer:
        body = {**self.visitor.identity(self.tenant), "text": text, "clientMessageId": client_id}

        def judge(response: httpx.Response) -> tuple[str, str | None]:
            outcome = classify_http(response, 201)
            return outcome, response.json()["message"]["messageId"] if outcome == "ok" else None

        return await self.timeline.timed(
            "http",
            self.node,
            client_id,
            lambda: http.post(
                "/webchat/message",
                json=body,
                headers={"Authorization": f"Bearer {self.tenant.public_key}"},
            ),
            judge,
        )


class Prober:
    """Beside the senders: an agent's HTTP reply (retried with its clientMessageId like a
    send), the widget's `POST /webchat/session` for a new visitor, and `/readyz`."""

    def __init__(
        self,
        node: WebchatProcess,
        tenant: Any,
        agent_token: str,
        conversation_id: str,
        timeline: Timeline,
    ) -> None:
        self.node, self.tenant, self.agent_token = node, tenant, agent_token
        self.conversation_id = conversation_id
        self.timeline = timeline
        self.replies: dict[str, str] = {}  # clientMessageId -> messageId
        self.stop = asyncio.Event()

    async def run(self) -> None:
        async with (
            http_client(self.node, self.agent_token, timeout=CLIENT_TIMEOUT) as agent,
            http_client(self.node, self.tenant.public_key, timeout=CLIENT_TIMEOUT) as widget,
            http_client(self.node, timeout=CLIENT_TIMEOUT, strict=False) as anonymous,
        ):
            i = 0
            reply_id = str(uuid.uuid4())
            while not self.stop.is_set():
                i += 1
                answer = await self._reply(agent, reply_id, f"agent-{i}")
                if answer.outcome == "ok":
                    assert answer.message_id
                    self.replies[reply_id] = answer.message_id
                    reply_id = str(uuid.uuid4())
                await self._session(widget)
                await self._readyz(anonymous)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)

    async def _reply(self, http: httpx.AsyncClient, client_id: str, text: str) -> Answer:
        def judge(response: httpx.Response) -> tuple[str, str | None]:
            outcome = classify_http(response, 201)
            return outcome, response.json()["message"]["messageId"] if outcome == "ok" else None

        return await self.timeline.timed(
            "reply",
            self.node,
            client_id,
            lambda: http.post(
                f"/api/conversations/{self.conversation_id}/messages",
                json={"text": text, "clientMessageId": client_id},
            ),
            judge,
        )

    async def _session(self, http: httpx.AsyncClient) -> Answer:
        visitor = Visitor()

        def judge(response: httpx.Response) -> tuple[str, str | None]:
            return classify_http(response, 200), None

        return await self.timeline.timed(
            "session",
            self.node,
            None,
            lambda: http.post("/webchat/session", json=visitor.identity(self.tenant)),
            judge,
        )

    async def _readyz(self, http: httpx.AsyncClient) -> Answer:
        def judge(response: httpx.Response) -> tuple[str, str | None]:
            if response.status_code == 200:
                return "ok", None
            outcome = classify_http(response, 200)
            if outcome == "unavailable" and "database" not in response.text.lower():
                return f"503 not naming the database: {response.text[:200]}", None
            return outcome, None

        return await self.timeline.timed(
            "readyz", self.node, None, lambda: http.get("/readyz"), judge
        )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def latency_report(answers: list[Answer]) -> str:
    lines = []
    for what in ("http", "socket", "reply", "session", "readyz"):
        for outcome in ("ok", "unavailable"):
            took = [a.seconds for a in answers if a.what == what and a.outcome == outcome]
            if took:
                lines.append(
                    f"  {what:7} {outcome:11} n={len(took):4} p50={percentile(took, 0.5):.3f}s "
                    f"p99={percentile(took, 0.99):.3f}s max={max(took):.3f}s"
                )
    return "\n".join(lines)


async def wait_until(predicate: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, f"{what} not within {within:.0f}s"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("how", ["stop", "kill"])
async def test_postgres_down_for_5_s_during_sends_over_two_nodes(
    how: str, make_server, make_chat, sockets: Sockets
) -> None:
    cluster = PostgresCluster().start()
    try:
        await run_outage(how, cluster, make_server, make_chat, sockets)
    finally:
        cluster.cleanup()


async def run_outage(
    how: str, cluster: PostgresCluster, make_server, make_chat, sockets: Sockets
) -> None:
    group = make_server.group("real")
    group.database_url = cluster.create_database()
    one = make_server(group=group, name=f"db-{how}-one")
    two = make_server(group=group, name=f"db-{how}-two")
    tenant = create_tenant(one)
    agent = create_agent(one, tenant)
    await login(two, agent)

    timeline = Timeline()
    senders: list[Sender] = []
    far_seen: dict[str, set[str]] = {}
    far_tabs: dict[str, SocketClient] = {}
    for label, node, far in (("a", one, two), ("b", two, one)):
        visitor = Visitor()
        tab = await sockets.visitor(tenant, visitor, server=node, label=f"{label} sending tab")
        far_tab = await sockets.visitor(tenant, visitor, server=far, label=f"{label} far tab")
        far_seen[label] = follow_like_the_widget(far_tab, visitor)
        far_tabs[label] = far_tab
        senders.append(Sender(label, node, tab, visitor, tenant, timeline))
    # The agent answers visitor a's conversation from node two.
    session = await make_chat(tenant, one).session(senders[0].visitor)
    prober = Prober(two, tenant, agent.token, session["conversationId"], timeline)

    tasks = [asyncio.create_task(s.run()) for s in senders]
    tasks.append(asyncio.create_task(prober.run()))
    try:
        for label in far_tabs:
            await far_tabs[label].wait_for("meta_message_created", count=5, timeout=20)

        timeline.down_at = time.monotonic()
        await asyncio.to_thread(cluster.stop if how == "stop" else cluster.kill)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(cluster.start)
        timeline.up_at = time.monotonic()

        # Recovered by itself: on each node a send and a reply are taken, /readyz is 200.
        def recovered() -> bool:
            after = [a for a in timeline.answers if a.started > timeline.up_at]
            return all(
                any(a.what == what and a.node == node.name and a.outcome == "ok" for a in after)
                for what, node in (
                    ("http", one),
                    ("socket", one),
                    ("http", two),
                    ("socket", two),
                    ("reply", two),
                    ("readyz", two),
                )
            )

        await wait_until(recovered, RECOVERED_WITHIN_SECONDS, "recovery after PostgreSQL returned")
        recovered_after = time.monotonic() - timeline.up_at
        await asyncio.sleep(1)
        for task in tasks:
            if task.done():
                task.result()  # a sender that failed says why
        for sender in senders:
            sender.stop.set()
        prober.stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), RECOVERED_WITHIN_SECONDS)
    finally:
        for task in tasks:
            task.cancel()
    for node in (one, two):
        async with http_client(node, strict=False) as http:
            assert (await http.get("/readyz")).status_code == 200, node.name

    # Every answer a success or the §3 503, and none slow.
    outage = timeline.during_outage()
    refused = [a for a in outage if a.outcome == "unavailable"]
    report = (
        f"{how}: {len(timeline.answers)} answers, {len(outage)} during the outage, "
        f"{len(refused)} refused, every kind taken again {recovered_after:.2f} s after "
        f"PostgreSQL was back; slowest answer overall "
        f"{max(a.seconds for a in timeline.answers):.3f} s\n{latency_report(outage)}"
    )
    print("\n" + report)
    wrong = [a for a in timeline.answers if a.outcome not in ("ok", "unavailable")]
    assert not wrong, "answers neither a success nor 503 unavailable:\n" + "\n".join(
        map(str, wrong[:20])
    )
    slow = [a for a in timeline.answers if a.seconds > ANSWER_WITHIN_SECONDS]
    assert not slow, f"answers slower than {ANSWER_WITHIN_SECONDS} s:\n" + "\n".join(
        map(str, slow[:20])
    )
    slow_in_outage = [a for a in outage if a.seconds > OUTAGE_ANSWER_WITHIN_SECONDS]
    assert not slow_in_outage, (
        f"answers during the outage slower than {OUTAGE_ANSWER_WITHIN_SECONDS} s:\n"
        + "\n".join(map(str, slow_in_outage[:20]))
        + f"\n{report}"
    )
    for what in ("http", "socket", "reply", "session"):
        assert any(a.what == what and a.outcome == "unavailable" for a in outage), (
            f"no {what} was refused while PostgreSQL was down: the outage was not exercised\n"
            f"{report}"
        )

    # Nothing acknowledged lost, nothing stored twice, nothing stored but the acked.
    chat = make_chat(tenant, two)
    for sender in senders:
        stored = await chat.all_messages(sessionId=sender.visitor.session_id)
        visitor_stored = [m for m in stored if m["sender"] == "visitor"]
        by_client = {m["clientMessageId"]: m["messageId"] for m in visitor_stored}
        assert len(by_client) == len(visitor_stored), f"{sender.label}: a message stored twice"
        assert by_client == sender.acked, (
            f"{sender.label}: stored and acknowledged differ: "
            f"{len(set(sender.acked) - set(by_client))} acked not stored, "
            f"{len(set(by_client) - set(sender.acked))} stored never acked"
        )
    stored = await chat.all_messages(sessionId=senders[0].visitor.session_id)
    replies = {m["clientMessageId"]: m["messageId"] for m in stored if m["sender"] == "agent"}
    assert len(replies) == len([m for m in stored if m["sender"] == "agent"]), "reply stored twice"
    assert prober.replies.items() <= replies.items(), "an acknowledged agent reply was lost"

    # The tab on the other node has every message acknowledged on this one.
    for sender in senders:
        acked = set(sender.acked.values())
        seen = far_seen[sender.label]
        try:
            await far_tabs[sender.label].wait_until(
                lambda acked=acked, seen=seen: acked <= seen,
                CAUGHT_UP_WITHIN_SECONDS,
                "every acknowledged message",
            )
        except AssertionError:
            missing = acked - seen
            raise AssertionError(
                f"{sender.label}: {len(missing)} of {len(acked)} acknowledged messages never "
                f"reached the tab on the other node (live or by sync)"
            ) from None
    assert all(tab.connected for tab in far_tabs.values()), "a socket was dropped"
