"""Running Alembic from code, for `webchat db upgrade` and server start-up."""

from __future__ import annotations

import asyncio
import fcntl
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from webchat.db.engine import MIGRATIONS_DIR

if TYPE_CHECKING:
    from webchat.db.engine import Database

# Any fixed number: every webchat process takes the same PostgreSQL advisory lock,
# so processes started together apply migrations one at a time.
MIGRATION_LOCK_ID = 74_183_300


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def run_upgrade(database: Database) -> None:
    if not database.is_sqlite:
        async with database.engine.begin() as connection:
            await connection.run_sync(_upgrade)
        return
    # SQLite has no advisory locks: processes sharing the file take a lock file instead.
    lock_path = Path(database.url.split("///", 1)[1] + ".migrate-lock")
    with lock_path.open("a") as lock:  # noqa: ASYNC230 (a local lock file opens at once)
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(_upgrade)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
