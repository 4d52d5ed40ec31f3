"""A mail that makes a pipeline step raise is kept, quarantined with its reason; later mail flows."""

from __future__ import annotations

from pathlib import Path

from conftest import write_config
from maild.config import load_config
from maild.errors import TransientError
from maild.intake import Intake, Outcome
from maild.pipeline import STEPS
from maild.pipeline.context import MailContext
from maild.runtime import Runtime, Settings
from maild.store import raw as raw_store
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Event, RawMail, Ticket
from mails import mail


def explode_on_poison(ctx: MailContext) -> None:
    """A step with a bug that only some mail triggers."""
    if ctx.mail is not None and "poison" in ctx.mail.subject:
        raise KeyError("organisation")


def intake_with(tmp_path: Path, steps) -> Intake:  # noqa: ANN001
    settings = Settings.build(load_config(write_config(tmp_path, relay_port=None, smtp_port=2525)))
    open_store(settings.config.database)
    migrate()
    return Intake(Runtime(settings), steps)


def test_failing_step_quarantines_and_next_mail_is_processed(tmp_path: Path) -> None:
    steps = (*STEPS[:2], explode_on_poison, *STEPS[2:])
    intake = intake_with(tmp_path, steps)

    bad = intake.accept(mail(subject="poison pill").as_bytes(), "test", "test", [], None)
    good = intake.accept(mail(subject="ordinary question").as_bytes(), "test", "test", [], None)

    assert (bad, good) == (Outcome.QUARANTINED, Outcome.OPENED)
    [held] = raw_store.quarantined()
    assert held.reason == "step explode_on_poison failed: KeyError: 'organisation'"
    assert b"poison pill" in bytes(held.content)  # the exact bytes are kept
    assert [t.subject for t in Ticket.select()] == ["ordinary question"]
    assert Event.select().where(Event.kind == "quarantined").count() == 1

    # After the fix (the step list without the bug), `maild retry` makes the ticket.
    intake.steps = STEPS
    assert intake.retry() == [(held.id, Outcome.OPENED)]
    assert RawMail.get_by_id(held.id).status == "processed"
    assert Ticket.select().count() == 2


def test_oversize_mail_is_quarantined_with_the_reason(tmp_path: Path) -> None:
    intake = intake_with(tmp_path, STEPS)
    limit = intake.runtime.settings.config.main.limits.max_message_bytes
    huge = mail(body="x" * (limit + 10)).as_bytes()
    assert intake.accept(huge, "test", "test", [], None) is Outcome.QUARANTINED
    [held] = raw_store.quarantined()
    assert held.reason == f"message is {len(huge)} bytes, over the limit of {limit}"
    assert held.size == len(huge)


def database_gone(ctx: MailContext) -> None:
    """A step that meets a database (or disk) failure on every try."""
    raise TransientError("database: disk I/O error")


def test_mail_failing_three_times_in_a_row_is_held_and_staff_are_told_once(tmp_path: Path) -> None:
    from maild.store.db import transaction
    from maild.store.models import Outbox

    intake = intake_with(tmp_path, (*STEPS[:3], database_gone, *STEPS[3:]))
    with transaction():  # committed by a channel earlier; its processing never finished
        raw, _ = raw_store.save(mail(subject="Printer on fire").as_bytes(), "test", "test", [], "dana@bath.example.ac.uk")
    for attempt in (1, 2):
        assert intake.recover(older_than_seconds=0) == 0  # deferred: still waiting
        assert RawMail.get_by_id(raw.id).status == "received" and RawMail.get_by_id(raw.id).attempts == attempt
    assert intake.recover(older_than_seconds=0) == 1
    held = RawMail.get_by_id(raw.id)
    assert held.status == "quarantined"
    assert held.reason == "gave up after 3 attempts: database: disk I/O error"
    assert intake.recover(older_than_seconds=0) == 0 and intake.retry([999]) == []  # nothing left to try

    [told] = Outbox.select().where(Outbox.purpose == "gave_up")
    assert told.recipients == "carol@example.com"  # the customer services manager
    content = bytes(told.content).decode()
    assert f"raw mail {raw.id}" in content and "Printer on fire" in content and f"maild retry {raw.id}" in content
    assert Ticket.select().count() == 0
