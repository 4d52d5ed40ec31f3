"""Peewee models, declared without a database and bound at start-up (see `store.db.open_store`).

All times are naive UTC. The ticket number is the ticket row's id: unique and increasing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database

    @classmethod
    def create(cls, **values: Any) -> Any:
        """As peewee's `create` (same defaults, conversions and errors), but the INSERT statement
        is built once per model and set of columns: peewee compiles its query tree on every call,
        and with a dozen rows a mail that was a quarter of the time intake took."""
        return cls.insert_row(cls(**values))

    @classmethod
    def insert_row(cls, row: Any) -> Any:
        """INSERT a row built in memory (e.g. a ticket whose due times are worked out first)."""
        row._pk = cls._insert(row.__data__)
        row._dirty.clear()
        return row

    @classmethod
    def add(cls, **values: Any) -> Any:
        """As `create` with values named by field (`ticket=`, not `ticket_id=`), but without
        building a model instance, for the rows nobody reads back (several outbox, message and
        history rows a mail): returns the new primary key."""
        data = {field.name: default() if callable(default) else default
                for field, default in cls._meta.defaults.items() if field.name not in values}
        data.update(values)
        return cls._insert(data)

    @classmethod
    def _insert(cls, data: dict[str, Any]) -> Any:
        meta = cls._meta
        generated = meta.auto_increment and data.get(meta.primary_key.name) is None
        names = tuple(name for name in data if not (generated and name == meta.primary_key.name))
        db = meta.database.obj
        cursor = db.execute_sql(_insert_statement(cls, names, db, generated),
                                [meta.fields[name].db_value(data[name]) for name in names])
        if not generated:
            return data[meta.primary_key.name]
        return cursor.fetchone()[0] if db.returning_clause else cursor.lastrowid

    @classmethod
    def find(cls, key: Any) -> Any:
        """`get_or_none` by primary key with the SELECT built once per model: a reply looks up its
        ticket this way, and peewee building the query cost six times running it."""
        meta = cls._meta
        db = meta.database.obj
        names = meta.sorted_field_names
        found = db.execute_sql(_select_statement(cls, db), [meta.primary_key.db_value(
            key)]).fetchone()
        if found is None:
            return None
        row = cls(__no_default__=1, **{name: meta.fields[name].python_value(value)
                                        for name, value in zip(names, found)})
        row._dirty.clear()
        return row


_INSERTS: dict[tuple[type, tuple[str, ...], type, bool], str] = {}
_SELECTS: dict[tuple[type, type], str] = {}
_STATEMENTS: dict[tuple[str, str], str] = {}


def fixed_sql(statement: str, params: Sequence[Any]) -> Any:
    """Run a fixed statement written with `?` placeholders on whichever database is bound, and
    return its cursor: for the few statements every mail runs, where building a peewee query each
    time cost more than running it. Values are passed as peewee passes them (datetimes as they are,
    a ticket as its number)."""
    db = database.obj
    key = (statement, db.param)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = statement.replace("?", db.param)
    return db.execute_sql(_STATEMENTS[key], params)


def _insert_statement(model: type[BaseModel], names: tuple[str, ...], db: Any,
                      generated: bool) -> str:
    key = (model, names, type(db), generated)
    if key not in _INSERTS:
        meta = model._meta
        values = ", ".join([db.param] * len(names))
        returning = (f" RETURNING {_quoted(db, meta.primary_key.column_name)}"
                     if generated and db.returning_clause else "")
        _INSERTS[key] = (
            f"INSERT INTO {_quoted(db, meta.table_name)} ({_columns(model, names, db)}) "
                         f"VALUES ({values}){returning}")
    return _INSERTS[key]


def _select_statement(model: type[BaseModel], db: Any) -> str:
    key = (model, type(db))
    if key not in _SELECTS:
        meta = model._meta
        _SELECTS[key] = (
            f"SELECT {_columns(model, meta.sorted_field_names, db)} "
            f"FROM {_quoted(db, meta.table_name)} "
            f"WHERE {_quoted(db, meta.primary_key.column_name)} = {db.param}")
    return _SELECTS[key]


def _columns(model: type[BaseModel], names: Sequence[str], db: Any) -> str:
    return ", ".join(_quoted(db, model._meta.fields[name].column_name) for name in names)


def _quoted(db: Any, name: str) -> str:
    return f"{db.quote[0]}{name}{db.quote[1]}"


class SchemaVersion(BaseModel):
    version = IntegerField()


class Ticket(BaseModel):
    number = AutoField()
    subject = TextField()
    status = CharField(max_length=16, default="new", index=True)  # new open pending resolved closed
    kind = CharField(max_length=32)
    priority = IntegerField()
    queue = CharField(max_length=64)
    organisation = CharField(max_length=64, null=True, index=True)
    requester = CharField(max_length=320)
    requester_name = TextField(default="")
    assignee = CharField(max_length=64, null=True)
    tags = TextField(default="")  # space-separated
    route_rule = CharField(max_length=128, null=True)
    created_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow)
    first_response_at = DateTimeField(null=True)  # the first staff answer sent to the customer
    resolved_at = DateTimeField(null=True)  # when it last became resolved or closed
    follows = IntegerField(null=True)  # the closed ticket this one follows up
    merged_into = IntegerField(null=True)  # `#merge N`: this ticket's mail now lands on ticket N
    # Service targets (maild.schedule.targets): the clock of the current priority runs from
    # `sla_since`; `paused_since` is set while it stands still (pending, resolved, closed), and
    # `paused_seconds` is the time it stood still since `sla_since`, measured on that clock.
    sla_since = DateTimeField(null=True)
    response_due_at = DateTimeField(null=True, index=True)
    resolution_due_at = DateTimeField(null=True, index=True)
    paused_since = DateTimeField(null=True)
    paused_seconds = IntegerField(default=0)


class RawMail(BaseModel):
    """The exact bytes of one inbound mail, kept before any parsing, with what became of it."""

    dedupe_key = CharField(max_length=200, unique=True)
    source = TextField()
    recipients = TextField(default="")  # envelope recipients, one per line
    envelope_from = TextField(null=True)  # MAIL FROM; "" is the null path <>; None when unknown
    # JSON: queue/kind the channel asks for (an IMAP mailbox's)
    route_defaults = TextField(default="{}")
    size = IntegerField()
    sha256 = CharField(max_length=64, index=True)
    content = BlobField()
    # received processed ignored quarantined
    status = CharField(max_length=16, default="received", index=True)
    reason = TextField(null=True)
    attempts = IntegerField(default=0)
    ticket = ForeignKeyField(Ticket, null=True, backref="raw_mails", on_delete="SET NULL")
    received_at = DateTimeField(default=utcnow, index=True)
    processed_at = DateTimeField(null=True)


class Participant(BaseModel):
    ticket = ForeignKeyField(Ticket, backref="participants", on_delete="CASCADE")
    email = CharField(max_length=320)
    name = TextField(default="")
    role = CharField(max_length=16)  # requester cc

    class Meta:
        indexes = ((("ticket", "email"), True),)


class Proposed(BaseModel):
    """An address Cc'd in a mail nobody vouched for: it receives nothing until `#cc add`."""

    ticket = ForeignKeyField(Ticket, backref="proposed", on_delete="CASCADE")
    email = CharField(max_length=320)
    name = TextField(default="")
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "email"), True),)


class Message(BaseModel):
    ticket = ForeignKeyField(Ticket, backref="messages", on_delete="CASCADE")
    raw = ForeignKeyField(RawMail, null=True, on_delete="SET NULL")
    direction = CharField(max_length=8)  # in out note (internal, never sent to the customer)
    from_addr = TextField()
    to_addrs = TextField(default="")
    cc_addrs = TextField(default="")
    subject = TextField(default="")
    text = TextField(default="")
    html = TextField(null=True)
    message_id = CharField(max_length=998, null=True, index=True)
    in_reply_to = TextField(null=True)
    created_at = DateTimeField(default=utcnow)


class Attachment(BaseModel):
    message = ForeignKeyField(Message, backref="attachments", on_delete="CASCADE")
    filename = TextField()
    content_type = CharField(max_length=255)
    size = IntegerField()
    content = BlobField()
    content_id = CharField(max_length=998, null=True)  # "<...>", how the mail's HTML shows it
    inline = BooleanField(default=False)  # shown in the HTML (multipart/related), not a file


class Outbox(BaseModel):
    """One fully rendered outgoing mail. Written in the same transaction as what caused it."""

    ticket = ForeignKeyField(Ticket, null=True, backref="outbox", on_delete="SET NULL")
    purpose = CharField(max_length=32)  # acknowledgement ...
    mail_from = CharField(max_length=320, default="")  # envelope sender; "" is the null path <>
    recipients = TextField(index=True)  # one per line
    message_id = CharField(max_length=998, unique=True)
    content = BlobField()
    status = CharField(max_length=16, default="queued", index=True)  # queued sent failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    claimed_until = DateTimeField(null=True)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)


class Event(BaseModel):
    """The history of a ticket or of a raw mail: what happened, when, and why."""

    ticket = ForeignKeyField(Ticket, null=True, backref="events", on_delete="CASCADE")
    raw = ForeignKeyField(RawMail, null=True, on_delete="SET NULL")
    kind = CharField(max_length=32)
    detail = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    # an organisation's history (reminders)
    organisation = CharField(max_length=64, null=True, index=True)


class MailboxCursor(BaseModel):
    """Where an IMAP folder was left: its UIDVALIDITY, the last UID committed, health for
    `status`."""

    mailbox = CharField(max_length=128)
    folder = CharField(max_length=255)
    uidvalidity = IntegerField(null=True)
    last_uid = IntegerField(default=0)
    last_ok_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    last_error_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("mailbox", "folder"), True),)


class TokenHealth(BaseModel):
    """How an OAuth2 token command last fared, by its users' label ("relay, mailbox helpdesk"):
    for `maild status` and the alerts."""

    label = CharField(max_length=255, unique=True)
    last_ok_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    last_error_at = DateTimeField(null=True)


class Alert(BaseModel):
    """A problem the admin was told about by mail; `cleared_at` is set when they were told it
    recovered."""

    key = CharField(max_length=200, index=True)  # mailbox:<name>, token:<label>, outbox, quarantine
    detail = TextField()
    raised_at = DateTimeField(default=utcnow)
    cleared_at = DateTimeField(null=True)


class Occurrence(BaseModel):
    """One claimed occurrence of a reminder or service-target notice. The unique key (kind,
    subject, occurs) is inserted in the same transaction that queues its mail, so a restart, a
    catch-up after downtime or a second host never sends it twice."""

    # checkin, monthly_meeting, ..., sla_warning:response, sla_breach:resolution
    kind = CharField(max_length=48)
    subject = CharField(max_length=80)  # an organisation key, or ticket:<number>
    occurs = CharField(max_length=32)  # the occurrence's own date or time (ISO), before any move
    status = CharField(max_length=16)  # sent skipped superseded
    due_at = DateTimeField()
    recipients = TextField(default="")  # one per line
    organisation = CharField(max_length=64, null=True, index=True)
    ticket = ForeignKeyField(Ticket, null=True, backref="occurrences", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kind", "subject", "occurs"), True),)


class Meeting(BaseModel):
    """A meeting with an organisation that staff logged; its notes are due a day later."""

    organisation = CharField(max_length=64, index=True)
    held_at = DateTimeField()
    logged_by = CharField(max_length=320)
    logged_at = DateTimeField(default=utcnow)


class BouncedAddress(BaseModel):
    """An address a delivery report said is permanently undeliverable; cleared when it writes to
    us."""

    email = CharField(max_length=320, unique=True)
    status = CharField(max_length=16)  # the DSN status, e.g. 5.1.1
    detail = TextField(default="")
    bounced_at = DateTimeField(default=utcnow)


class MailCopy(BaseModel):
    """Which raw mail holds one mail (its Message-ID and content), whichever address or mailbox
    its copies came through: the unique key is the claim, so two hosts never both process it."""

    key = CharField(max_length=64, unique=True)  # SHA-256 of the Message-ID and the content
    raw = ForeignKeyField(RawMail, on_delete="CASCADE")
    seen_at = DateTimeField(default=utcnow)


ALL_MODELS: tuple[type[BaseModel], ...] = (
    Ticket, RawMail, Participant, Message, Attachment, Outbox, Event, MailboxCursor, Alert,
    Occurrence, Meeting,
    BouncedAddress, MailCopy, Proposed, TokenHealth,
)
