"""Integration fixtures: the product's store (embedded fakeredis and a real Redis) and
databases (SQLite file and PostgreSQL), each cleaned up after its test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import fakeredis
import pytest

from support.services import PostgresCluster, RedisProcess
from webchat.db import Database
from webchat.store import Store, connect_store

STORES = ("embedded", "redis")
DATABASES = ("sqlite", "postgresql")


@pytest.fixture(params=STORES)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """`connect_store(None)` (fakeredis, what `webchat serve` embeds) or a real Redis."""
    if request.param == "embedded":
        made = connect_store(None)
    else:
        redis_server: RedisProcess = request.getfixturevalue("redis_server")
        made = connect_store(redis_server.url)
    await made.redis.flushdb()
    yield made
    await made.close()


@pytest.fixture
async def store_pair(store: Store) -> AsyncIterator[tuple[Store, Store]]:
    """Two separate clients of one store, as two server nodes have."""
    if store.embedded:
        server = fakeredis.FakeServer()
        first = Store(fakeredis.FakeAsyncRedis(server=server, decode_responses=True), None)
        second = Store(fakeredis.FakeAsyncRedis(server=server, decode_responses=True), None)
    else:
        assert store.url is not None
        first, second = connect_store(store.url), connect_store(store.url)
    yield first, second
    await first.close()
    await second.close()


@pytest.fixture
def tenant_id() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def database_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'webchat.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return database_url(request.param, request, tmp_path)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database of either kind."""
    database = Database(db_url)
    await database.upgrade()
    yield database
    await database.close()


@pytest.fixture
async def make_db(db_url: str) -> AsyncIterator[Callable[[], Database]]:
    """More `Database` objects on the same database, as other processes would have."""
    made: list[Database] = []

    def make() -> Database:
        database = Database(db_url)
        made.append(database)
        return database

    yield make
    for database in made:
        await database.close()
