"""Opening the database and running transactions with durable settings.

SQLite is the embedded default. It runs in WAL mode with `synchronous=FULL`: a committed
transaction is on disk, so an SMTP 250 or an exit 0 given after commit is a promise kept. Write
transactions start IMMEDIATE, so two writers queue on the busy timeout instead of failing on a
lock upgrade, and only one write transaction runs at a time.

PostgreSQL is the scale-out path: several maild hosts share one database, and the database is what
keeps them from doing the same work twice (unique keys, row locks, advisory locks). Commits are
durable by the server's defaults. Every thread has its own connection; one the server dropped is
replaced at its next use outside a transaction, and a transaction it cut fails as a TransientError,
so nothing is half-committed and the mail in hand stays unconfirmed at its source, to come again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee
from playhouse.shortcuts import ReconnectMixin

from maild import defaults
from maild.config import DatabaseTarget
from maild.errors import TransientError
from maild.store.models import database

log = logging.getLogger("maild.store")

try:  # the driver's own errors: peewee maps only some of them (a deadlock stays a psycopg error)
    from psycopg import OperationalError as _DriverOperationalError
except ImportError:  # pragma: no cover - psycopg is a dependency; SQLite needs nothing
    _DriverOperationalError = peewee.OperationalError  # type: ignore[misc,assignment]

UNAVAILABLE: tuple[type[BaseException], ...] = (peewee.OperationalError, peewee.InterfaceError,
                                                _DriverOperationalError)


class ReconnectingPostgres(ReconnectMixin, peewee.PostgresqlDatabase):  # type: ignore[misc]
    """A connection the server dropped (restart, failover, a terminated backend) is opened again at
    its next use, but never silently inside a transaction: that one fails and is retried whole."""

    reconnect_errors = (
        (peewee.OperationalError, "terminating connection"),
        (peewee.OperationalError, "server closed the connection"),
        (peewee.OperationalError, "connection is closed"),
        (peewee.OperationalError, "connection already closed"),
        (peewee.OperationalError, "consuming input failed"),
        (peewee.OperationalError, "connection is lost"),
        (peewee.InterfaceError, "connection already closed"),
        (peewee.InterfaceError, "connection is closed"),
    )


def open_store(target: DatabaseTarget) -> peewee.Database:
    """Bind the models to the configured database (creating a SQLite file's folder if needed)."""
    db = _open_sqlite(target) if target.is_sqlite else _open_postgres(target)
    database.initialize(db)
    return db


def open_scratch() -> peewee.Database:
    """Bind the models to an empty in-memory SQLite database: a dry run before the first start,
    which must not create the configured file."""
    db = peewee.SqliteDatabase(":memory:", pragmas={"foreign_keys": 1})
    database.initialize(db)
    return db


def _open_sqlite(target: DatabaseTarget) -> peewee.Database:
    assert target.path is not None
    try:
        target.path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TransientError(f"cannot create {target.path.parent}: {exc.strerror}") from exc
    return peewee.SqliteDatabase(
        str(target.path),
        lock_type="IMMEDIATE",
        pragmas={
            "journal_mode": "wal",
            "synchronous": 2,  # FULL
            "busy_timeout": defaults.SQLITE_BUSY_TIMEOUT_MS,
            "foreign_keys": 1,
            # A batch commits as one transaction: with the default cache SQLite wrote its dirty
            # pages to the WAL before the commit, a system call per page, several times over.
            # (Savepoints' temporary files stay on disk: in memory a huge mail costs as much again.)
            "cache_size": -defaults.SQLITE_CACHE_KIB,
            "wal_autocheckpoint": defaults.SQLITE_WAL_AUTOCHECKPOINT_PAGES,
        },
        timeout=defaults.SQLITE_BUSY_TIMEOUT_MS / 1000,
    )


def _open_postgres(target: DatabaseTarget) -> peewee.Database:
    params: dict[str, Any] = dict(target.params)
    # A lock held for long is a fault (a stopped host): fail and retry rather than queue forever.
    # A transaction left idle by a frozen process is ended by the server, releasing its locks.
    params.setdefault("options", f"-c lock_timeout={defaults.PG_LOCK_TIMEOUT_MS} "
                                 "-c idle_in_transaction_session_timeout="
                                 f"{defaults.PG_IDLE_IN_TRANSACTION_MS}")
    params.setdefault("application_name", "maild")
    return ReconnectingPostgres(target.name, prefer_psycopg3=True, **params)


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


@contextmanager
def transaction() -> Iterator[None]:
    """One atomic unit of work (a savepoint when nested); failures of the database itself
    (locked, unreachable, connection cut, deadlock) become TransientError: retry later."""
    try:
        with database.atomic():
            yield
    except UNAVAILABLE as exc:  # a dead connection is replaced when the next transaction begins
        raise TransientError(f"database: {exc}") from exc


def restart_transaction() -> None:
    """Inside `transaction()` (not a savepoint of it): undo everything it did so far and go on
    in a new one, still inside the same block."""
    try:
        database.top_transaction().rollback()
    except UNAVAILABLE as exc:
        raise TransientError(f"database: {exc}") from exc


def _lock_number(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def try_lock(key: str) -> bool:
    """Inside a transaction: hold a lock named `key` until it ends, without waiting; False when
    another host holds it. On SQLite write transactions already run one at a time: always True."""
    if is_sqlite():
        return True
    return bool(database.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (_lock_number(key),
                                                                              )).fetchone()[0])


def try_hold(keys: list[str]) -> list[str]:
    """Of `keys`, those this thread's connection now holds, taken in one round trip without
    waiting: the others are held by another host. Held until `release` (or until the connection
    ends, e.g. the process dies). Unlike `try_lock` they outlive transactions: they cover work done
    after a commit. On SQLite (one host) all of them."""
    if is_sqlite() or not keys:
        return list(keys)
    try:
        rows = database.execute_sql(
            "SELECT n FROM unnest(%s::bigint[]) AS n WHERE pg_try_advisory_lock(n)",
                                    ([_lock_number(k) for k in keys],)).fetchall()
    except UNAVAILABLE as exc:
        raise TransientError(f"database: {exc}") from exc
    held = {row[0] for row in rows}
    return [k for k in keys if _lock_number(k) in held]


def release(keys: list[str]) -> None:
    """Let go of what `try_hold` took (a connection that died has let go already)."""
    if is_sqlite() or not keys:
        return
    try:
        database.execute_sql("SELECT pg_advisory_unlock(n) FROM unnest(%s::bigint[]) AS n",
                             ([_lock_number(k) for k in keys],)).fetchall()
    except UNAVAILABLE as exc:
        log.warning("could not release %d locks (the connection is gone, and they with it): %s",
                    len(keys), exc)


def lock(key: str) -> None:
    """Inside a transaction: wait for and hold the lock named `key` until it ends (no-op on
    SQLite)."""
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_lock_number(key),)).fetchone()
