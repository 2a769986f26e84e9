"""`webchat.db.engine.Database` when PostgreSQL goes away in the ways a stop makes it:
every fault is `DatabaseUnavailable` (the `503` of CONTRACT §3), never a raw driver error
(a `500`), and a connection the server ended is not handed out again.

Found by tests/e2e/test_database_outage.py: during a clean stop, key lookups answered
`500` with asyncpg's `InternalClientError` and agent-token checks with SQLAlchemy's
generic `DBAPIError` for "the database system is shutting down"."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy import text

from support.services import PostgresCluster
from webchat.db import Database, DatabaseUnavailable

# How long the relay holds a connection's end after PostgreSQL closed it: the window in
# which the client has the server's FATAL but not yet the FIN.
HOLD_FIN_SECONDS = 1.5


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A cluster of this test's own: it is shut down under the test."""
    made = PostgresCluster().start()
    yield made
    made.cleanup()


class SlowFinRelay:
    """A TCP relay to PostgreSQL: bytes pass at once both ways, but when PostgreSQL closes
    a connection its end reaches the client HOLD_FIN_SECONDS later (a FIN delayed on the
    network). Real sockets and a real server; only the timing is set."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> SlowFinRelay:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        for task in (
            asyncio.create_task(self._pipe(client_r, server_w, 0.0)),
            asyncio.create_task(self._pipe(server_r, client_w, HOLD_FIN_SECONDS)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hold: float
    ) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        await asyncio.sleep(hold)
        writer.close()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            self._server.close()


@pytest.fixture
async def relay(cluster: PostgresCluster) -> AsyncIterator[SlowFinRelay]:
    made = await SlowFinRelay(cluster.port).start()
    yield made
    await made.close()


async def test_a_session_the_server_ended_is_503_and_not_handed_out_again(
    cluster: PostgresCluster, relay: SlowFinRelay
) -> None:
    name = f"webchat_{uuid.uuid4().hex[:12]}"
    cluster.create_database(name)
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{relay.port}/{name}")
    try:
        assert await db.fetch_one("SELECT 1 AS one") == {"one": 1}
        # A transaction under way on SQLAlchemy's pool when the server ends its session: a
        # 503 (SQLAlchemy >= 2.0.50 invalidates the connection on InternalClientError).
        with pytest.raises(DatabaseUnavailable):
            async with db.session() as session:
                await session.execute(text("SELECT 1"))
                await terminate_sessions(cluster, name)
                await session.execute(text("SELECT 2"))

        # The reader the server ended the same way: a 503 (was InternalClientError)...
        with pytest.raises(DatabaseUnavailable):
            await db.fetch_one("SELECT 1 AS one")
        # ...and dropped, not put back: the next read opens a fresh connection (was the
        # same InternalClientError again, until the FIN came).
        assert await db.fetch_one("SELECT 2 AS two") == {"two": 2}
        # Whatever SQLAlchemy's pre-ping makes of its ended connections, not a raw error.
        with contextlib.suppress(DatabaseUnavailable):
            await db.ping()
        await asyncio.sleep(HOLD_FIN_SECONDS)
        await db.ping()
    finally:
        await db.close()


async def terminate_sessions(cluster: PostgresCluster, database: str) -> None:
    """What a fast shutdown does to each session: FATAL 57P01, then close; here with the
    close held back by the relay."""
    await asyncio.to_thread(
        cluster.psql,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()",
    )
    await asyncio.sleep(0.3)  # the FATAL is in; the FIN is held


async def test_a_database_shutting_down_is_503_on_every_path(cluster: PostgresCluster) -> None:
    url = cluster.create_database()
    # PostgreSQL's smart shutdown waits for its last session, refusing new ones meanwhile
    # with 57P03 "the database system is shutting down": what a clean stop answers.
    holder = await asyncpg.connect(cluster.admin_url)
    db = Database(url)
    try:
        assert cluster.proc is not None
        cluster.proc.send_signal(signal.SIGTERM)
        for _ in range(50):
            try:
                await (await asyncpg.connect(cluster.admin_url)).close()
            except asyncpg.CannotConnectNowError:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("PostgreSQL did not start refusing connections")
        # SQLAlchemy's session: was its generic DBAPIError, a 500.
        with pytest.raises(DatabaseUnavailable):
            await db.ping()
        with pytest.raises(DatabaseUnavailable):
            await db.fetch_one("SELECT 1 AS one")
        with pytest.raises(DatabaseUnavailable):
            async with db.writer_transaction(0) as connection:
                await connection.execute("SELECT 1")
    finally:
        await db.close()
        await holder.close()
