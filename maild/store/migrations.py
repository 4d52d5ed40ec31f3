"""Schema versions. Each migration is a function run in its own transaction, in order, once."""

from __future__ import annotations

import logging
from collections.abc import Callable

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrations

from maild.errors import TransientError
from maild.store.db import UNAVAILABLE, lock
from maild.store.models import (
    ALL_MODELS, Attachment, BouncedAddress, Event, MailCopy, Meeting, Occurrence, Proposed,
    SchemaVersion, Ticket, TokenHealth, database,
)

log = logging.getLogger("maild.store")


def _initial_schema() -> None:
    database.create_tables(ALL_MODELS)


def add_columns(model: type[peewee.Model], *names: str) -> None:
    """Add `model`'s fields `names` to its table, skipping those already there.

    Version 1 creates tables from the current models, so a fresh database already has every
    column; an older one gets them here. Checking first keeps both paths to the same schema.
    """
    table = model._meta.table_name
    present = {column.name for column in database.get_columns(table)}
    migrator = SchemaMigrator.from_database(database.obj)
    operations = [migrator.add_column(table, model._meta.fields[name].column_name,
                                      model._meta.fields[name])
                  for name in names if model._meta.fields[name].column_name not in present]
    if operations:
        run_migrations(*operations)


def add_tables(*models: type[peewee.Model]) -> None:
    database.create_tables(models)  # safe: IF NOT EXISTS


def _conversations() -> None:
    add_columns(Ticket, "first_response_at", "resolved_at", "follows")


def _service_targets_and_reminders() -> None:
    add_columns(Ticket, "sla_since", "response_due_at", "resolution_due_at", "paused_since",
                "paused_seconds")
    add_columns(Event, "organisation")
    add_tables(Occurrence, Meeting)


def _bounces() -> None:
    add_tables(BouncedAddress)


def _mail_copies() -> None:
    add_tables(MailCopy)


def _proposed_participants() -> None:
    add_tables(Proposed)


def _merged_tickets() -> None:
    add_columns(Ticket, "merged_into")


def _inline_attachments() -> None:
    add_columns(Attachment, "content_id", "inline")


def _token_health() -> None:
    add_tables(TokenHealth)


MIGRATIONS: list[Callable[[], None]] = [
    _initial_schema, _conversations, _service_targets_and_reminders, _bounces, _mail_copies,
    _proposed_participants, _merged_tickets, _inline_attachments, _token_health,
]
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
            lock("maild:migrate")  # hosts starting together on PostgreSQL migrate one after another
            database.create_tables([SchemaVersion])
            before = current_version()
            for number, step in enumerate(MIGRATIONS[before:], start=before + 1):
                step()
                SchemaVersion.create(version=number)
                log.info("schema migrated to version %d", number)
    except UNAVAILABLE as exc:
        raise TransientError(f"database: {exc}") from exc
    return before, LATEST
