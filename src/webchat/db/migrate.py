"""Running Alembic from code, for `webchat db upgrade` and server start-up."""

from __future__ import annotations

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
    async with database.engine.begin() as connection:
        await connection.run_sync(_upgrade)
