"""The engine: one `Database` per app, PostgreSQL (asyncpg) or the embedded SQLite."""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
WRITER_CONNECT_SECONDS = 10
# After the readers' pool could not be opened, how long callers fail at once.
READERS_RETRY_SECONDS = 1.0
# The lanes' statements take arrays whose length PostgreSQL cannot see when it plans. Left
# to itself it keeps planning them afresh for every batch (a custom plan costs ~2 ms for
# WRITE_BATCH, more than executing a small batch); the generic plan is as good for them.
WRITER_SESSION = {"plan_cache_mode": "force_generic_plan"}
# `fetch_one`'s own connections per process, beside SQLAlchemy's pool (20 + 12) and the
# writer lanes: two processes stay under PostgreSQL's default max_connections of 100.
READERS = 8


class DatabaseUnavailable(Exception):
    """The database did not answer; the operation wrote nothing."""


class UnstorableValue(ValueError):
    """The database refused a value (e.g. a NUL in text); the operation wrote nothing."""


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {}
        if self.is_sqlite:
            # Private: the database holds identity secrets and password hashes.
            Path(url.split("///", 1)[1]).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 30}
        else:
            # Connections past pool_size are closed on return, and opening one costs more
            # than the query; so the steady pool covers a busy process's concurrent
            # requests (each holds a connection for one key lookup or one batch write).
            # 20 + 12 per process, with READERS and the lanes, leaves room for two
            # processes under PostgreSQL's default max_connections of 100.
            # LIFO: the hot path keeps reusing a few warm connections (asyncpg prepares
            # statements per connection) instead of cycling through cold ones.
            options.update(
                # A database that does not answer fails the request in seconds, not 60.
                connect_args={"timeout": WRITER_CONNECT_SECONDS},
                pool_size=20,
                max_overflow=12,
                pool_pre_ping=True,
                pool_timeout=10,
                pool_use_lifo=True,
            )
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # The group commit's own connections, one per writer lane (`db/writer.py`).
        self._writers: dict[int, asyncpg.Connection] = {}
        self._writer_locks: dict[int, asyncio.Lock] = {}
        self._readers: asyncpg.Pool | None = None
        self._readers_lock = asyncio.Lock()
        self._readers_failed_at = -READERS_RETRY_SECONDS

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction, committed on success; connection faults become
        `DatabaseUnavailable` so callers can answer 503 without knowing SQLAlchemy."""
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except (TimeoutError, OperationalError, InterfaceError, OSError) as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        except PoolTimeout as exc:
            # Every pooled connection busy for pool_timeout: overloaded, a 503 (not a 500).
            raise DatabaseUnavailable("the database is busy") from exc
        except DataError as exc:
            raise UnstorableValue(str(exc.orig)) from exc
        except DBAPIError as exc:
            # SQLAlchemy translates some of asyncpg's "the database is away" errors to its
            # generic DBAPIError, not OperationalError: "the database system is shutting
            # down" or "starting up" at connect, the session ended by the server, or the
            # protocol state asyncpg is left in when it did (asyncpg#1069).
            if exc.connection_invalidated or _database_away(exc):
                raise DatabaseUnavailable(str(exc)) from exc
            if "invalid byte sequence" in str(exc.orig):
                raise UnstorableValue(str(exc.orig)) from exc
            raise

    async def _reader_pool(self) -> asyncpg.Pool:
        """Raw asyncpg connections for `fetch_one`: a checkout from SQLAlchemy's pool cost a
        liveness ping, BEGIN and ROLLBACK around a one-row read (docs/performance.md)."""
        if self._readers is None:
            async with self._readers_lock:
                # Callers queued behind a failed attempt fail with it, not one by one.
                if time.monotonic() - self._readers_failed_at < READERS_RETRY_SECONDS:
                    raise DatabaseUnavailable("the database did not answer")
                if self._readers is None:
                    try:
                        self._readers = await asyncpg.create_pool(
                            _asyncpg_dsn(self.url),
                            min_size=1,
                            max_size=READERS,
                            timeout=WRITER_CONNECT_SECONDS,
                            reset=_rollback_if_open,
                        )
                    except BaseException:
                        self._readers_failed_at = time.monotonic()
                        raise
        return self._readers

    @asynccontextmanager
    async def writer_connection(self, lane: int = 0) -> AsyncIterator[Any]:
        """A writer lane's own connection (`db/writer.py`): no pool checkout, no liveness
        ping, its statements prepared once. One caller at a time per lane; a connection
        that failed is dropped and the lane's next batch opens a fresh one."""
        lock = self._writer_locks.setdefault(lane, asyncio.Lock())
        async with lock, self._lane_connection(lane) as connection:
            yield connection

    @asynccontextmanager
    async def writer_transaction(self, lane: int = 0) -> AsyncIterator[Any]:
        async with self.writer_connection(lane) as connection, connection.transaction():
            yield connection

    @asynccontextmanager
    async def _lane_connection(self, lane: int) -> AsyncIterator[Any]:
        with _asyncpg_errors():
            connection = self._writers.get(lane)
            if connection is None or connection.is_closed():
                connection = await asyncpg.connect(
                    _asyncpg_dsn(self.url),
                    timeout=WRITER_CONNECT_SECONDS,
                    server_settings=WRITER_SESSION,
                )
                self._writers[lane] = connection
            try:
                yield connection
            except DATABASE_AWAY:
                self._writers.pop(lane, None)
                connection.terminate()
                raise

    async def fetch_one(self, sql: str, **params: Any) -> dict[str, Any] | None:
        """One row of a read written with `:name` parameters. On PostgreSQL it runs as an
        asyncpg prepared statement, skipping SQLAlchemy's ORM session: reads on every
        request (API keys) showed SQLAlchemy as their main cost (docs/performance.md)."""
        if self.is_sqlite:
            async with self.session() as session:
                row = (await session.execute(text(sql), params)).mappings().first()
                return dict(row) if row is not None else None
        positional, names = _positional(sql)
        with _asyncpg_errors():
            pool = await self._reader_pool()
            async with pool.acquire(timeout=WRITER_CONNECT_SECONDS) as connection:
                try:
                    found = await connection.fetchrow(positional, *(params[n] for n in names))
                except DATABASE_AWAY:
                    # Not back into the pool: a connection the server ended can still look
                    # open for a moment, and fail the next caller the same way.
                    connection.terminate()
                    raise
        return dict(found) if found is not None else None

    async def ping(self) -> None:
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def upgrade(self) -> None:
        """Apply the Alembic migrations (idempotent; serialized across processes)."""
        from webchat.db.migrate import run_upgrade

        await run_upgrade(self)

    async def close(self) -> None:
        for connection in self._writers.values():
            connection.terminate()
        self._writers.clear()
        if self._readers is not None:
            self._readers.terminate()
            self._readers = None
        await self.engine.dispose()


async def _rollback_if_open(connection: asyncpg.Connection) -> None:
    """The readers' reset: their single statements leave no session state behind, so
    asyncpg's default (a round trip of RESET ALL, UNLISTEN, …) on every release is skipped."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


# asyncpg's errors that mean the database is not there for us (a 503, not a 500), and the
# connection they came on is not to be used again.
DATABASE_AWAY: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # 57P01-57P03: shutting down, starting up, the session ended by an operator.
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    # Out of connections (too_many_connections), shut down by an operator, refused
    # credentials.
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
    asyncpg.InvalidAuthorizationSpecificationError,
    # "cannot switch to state 12; another operation (2) is in progress": the server ended
    # the session (a fast shutdown's FATAL) on an idle connection and the next statement
    # found the protocol still waiting for that error's end (asyncpg#1069). Seen in
    # tests/e2e/test_database_outage.py as a 500 on every key lookup during a stop.
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)


_UNAVAILABLE: tuple[type[BaseException], ...] = (*DATABASE_AWAY, OperationalError, InterfaceError)


def _database_away(exc: BaseException) -> bool:
    """Whether SQLAlchemy's error wraps one of DATABASE_AWAY (its driver error's cause)."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return False
        if isinstance(seen, DATABASE_AWAY):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


@contextmanager
def _asyncpg_errors() -> Iterator[None]:
    try:
        yield
    except asyncpg.DataError as exc:
        raise UnstorableValue(str(exc)) from exc
    except _UNAVAILABLE as exc:
        raise DatabaseUnavailable(str(exc)) from exc


def _asyncpg_dsn(url: str) -> str:
    """SQLAlchemy's `postgresql+asyncpg://…` as asyncpg's own `postgresql://…`."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the CLI write (tenants, key revocation) while a server reads and writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@functools.cache
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters as asyncpg's `$1…`, and the names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)", number, sql), tuple(names)
