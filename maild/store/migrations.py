"""Schema versions. Each migration is a function run in its own transaction, in order, once."""

from __future__ import annotations

import logging
from collections.abc import Callable

import peewee

from maild.errors import TransientError
from maild.store.models import ALL_MODELS, SchemaVersion, database

log = logging.getLogger("maild.store")


def _initial_schema() -> None:
    database.create_tables(ALL_MODELS)


MIGRATIONS: list[Callable[[], None]] = [_initial_schema]
LATEST = len(MIGRATIONS)


def current_version() -> int:
    if not database.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def migrate() -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after)."""
    try:
        with database.atomic():
            database.create_tables([SchemaVersion])
            before = current_version()
            for number, step in enumerate(MIGRATIONS[before:], start=before + 1):
                step()
                SchemaVersion.create(version=number)
                log.info("schema migrated to version %d", number)
    except peewee.OperationalError as exc:
        raise TransientError(f"database: {exc}") from exc
    return before, LATEST
