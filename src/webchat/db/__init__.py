"""The database: SQLAlchemy models, queries and Alembic migrations.

Only this package imports SQLAlchemy."""

from webchat.db.engine import Database, DatabaseUnavailable

__all__ = ["Database", "DatabaseUnavailable"]
