"""`webchat.db.Database`: migrations, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from webchat.db import Database
from webchat.db.migrate import alembic_config
from webchat.db.models import Base

TABLES = {
    "tenants",
    "api_keys",
    "agents",
    "conversations",
    "conversation_labels",
    "notes",
    "canned_responses",
    "email_outbox",
    "attachments",
    "messages",
    "events",
    "webhooks",
    "webhook_deliveries",
    "alembic_version",
}


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_creates_the_schema(db: Database) -> None:
    assert await table_names(db) >= TABLES
    await db.ping()


async def test_upgrade_twice_is_idempotent(db: Database) -> None:
    await db.upgrade()
    await db.upgrade()
    assert await table_names(db) >= TABLES
    async with db.engine.connect() as connection:
        versions = (
            await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
        ).all()
    assert versions == [(ScriptDirectory.from_config(alembic_config()).get_current_head(),)]


async def test_migrations_build_what_the_models_describe(db: Database) -> None:
    """Alembic's autogenerate finds nothing to add, drop or alter after `upgrade`."""

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection)
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == [], diff


async def test_processes_upgrading_at_once_all_succeed(
    db_url: str, make_db: Callable[[], Database]
) -> None:
    databases = [make_db() for _ in range(4)]
    await asyncio.wait_for(asyncio.gather(*(d.upgrade() for d in databases)), timeout=60)
    assert await table_names(databases[0]) >= TABLES
