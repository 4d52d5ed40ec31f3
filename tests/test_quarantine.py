"""A mail that makes a pipeline step raise is kept, quarantined with its reason; later mail
flows."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import build_intake
from maild.errors import TransientError
from maild.intake import Arrival, Outcome
from maild.pipeline.steps import STEPS
from maild.pipeline.context import MailContext
from maild.store import raw as raw_store
from maild.store.models import Event, RawMail, Ticket
from mails import mail


def explode_on_poison(ctx: MailContext) -> None:
    """A step with a bug that only some mail triggers."""
    if ctx.mail is not None and "poison" in ctx.mail.subject:
        raise KeyError("organisation")


def test_failing_step_quarantines_and_next_mail_is_processed(tmp_path: Path) -> None:
    steps = (*STEPS[:2], explode_on_poison, *STEPS[2:])
    intake = build_intake(tmp_path, steps=steps)

    bad = intake.accept(Arrival(mail(subject="poison pill").as_bytes(), "test", "test", [], None))
    good = intake.accept(Arrival(mail(subject="ordinary question").as_bytes(), "test", "test", [],
                                 None))

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
    intake = build_intake(tmp_path)
    limit = intake.runtime.settings.config.main.limits.max_message_bytes
    huge = mail(body="x" * (limit + 10)).as_bytes()
    assert intake.accept(Arrival(huge, "test", "test", [], None)) is Outcome.QUARANTINED
    [held] = raw_store.quarantined()
    assert held.reason == f"message is {len(huge)} bytes, over the limit of {limit}"
    assert held.size == len(huge)


def database_gone(ctx: MailContext) -> None:
    """A step that meets a database (or disk) failure on every try."""
    raise TransientError("database: disk I/O error")


def test_mail_failing_three_times_in_a_row_is_held_and_staff_are_told_once(tmp_path: Path) -> None:
    from maild.store.db import transaction
    from maild.store.models import Outbox

    intake = build_intake(tmp_path, steps=(*STEPS[:3], database_gone, *STEPS[3:]))
    with transaction():  # committed by a channel earlier; its processing never finished
        raw, _ = raw_store.save(mail(subject="Printer on fire").as_bytes(), "test", "test", [],
                                "dana@bath.example.ac.uk")
    for attempt in (1, 2):
        assert intake.recover(older_than_seconds=0) == 0  # deferred: still waiting
        assert RawMail.get_by_id(raw.id).status == "received" and RawMail.get_by_id(
            raw.id).attempts == attempt
    assert intake.recover(older_than_seconds=0) == 1
    held = RawMail.get_by_id(raw.id)
    assert held.status == "quarantined"
    assert held.reason == "gave up after 3 attempts: database: disk I/O error"
    # nothing left to try
    assert intake.recover(older_than_seconds=0) == 0 and intake.retry([999]) == []

    [told] = Outbox.select().where(Outbox.purpose == "gave_up")
    assert told.recipients == "carol@example.com"  # the customer services manager
    content = bytes(told.content).decode()
    assert (f"raw mail {raw.id}" in content and "Printer on fire" in content
            and f"maild retry {raw.id}" in content)
    assert Ticket.select().count() == 0


# ---------------------------------------------------------------- the sender is told (G7.6)

def notices() -> list:  # noqa: ANN201 - parsed mails
    from email import message_from_bytes, policy

    from maild.store.models import Outbox
    rows = Outbox.select().where(Outbox.purpose == "quarantined").order_by(Outbox.id)
    return [message_from_bytes(bytes(o.content), policy=policy.default) for o in rows]


def history(raw_id: int) -> list[tuple[str, str]]:
    from maild.store.queries import raw_detail
    detail = raw_detail(raw_id)
    assert detail is not None
    # what `maild quarantine show` prints
    return [(e["kind"], e["detail"]) for e in detail["history"]]


def test_sender_of_an_oversize_mail_is_told_in_plain_words_once(tmp_path: Path) -> None:
    intake = build_intake(tmp_path)
    limit = intake.runtime.settings.config.main.limits.max_message_bytes  # 10,240,000
    huge = mail(subject="Logs <b>attached</b> {{7*7}}", body="secret log line\n" * (
        limit // 16 + 10)).as_bytes()
    assert intake.accept(Arrival(huge, "test", "test", [],
                                 "dana@bath.example.ac.uk")) is Outcome.QUARANTINED
    [notice] = notices()
    assert notice["To"] == "dana@bath.example.ac.uk"
    assert notice["Auto-Submitted"] == "auto-replied" and notice[
        "Subject"] == "Re: Logs <b>attached</b> {{7*7}}"
    text = notice.get_body(("plain",)).get_content()
    html = notice.get_body(("html",)).get_content()
    assert f"Your message is {len(huge) / 1e6:.1f} MB, larger than the 10.2 MB we accept." in text
    assert "our staff will look at it" in text
    assert ('"Logs <b>attached</b> {{7*7}}"' in text
            and "Logs &lt;b&gt;attached&lt;/b&gt; {{7*7}}" in html)
    assert "secret log line" not in notice.as_string()  # nothing of the mail but its subject
    [held] = raw_store.quarantined()
    assert history(held.id) == [("quarantined", held.reason),
                                ("quarantine_notice",
                                 "the sender dana@bath.example.ac.uk was told the mail is held")]
    # Held again by `maild retry` (no fix yet): the sender is not told twice.
    assert intake.retry() == [(held.id, Outcome.QUARANTINED)]
    assert len(notices()) == 1


def test_sender_of_a_mail_a_step_failed_on_is_told_without_internals(tmp_path: Path) -> None:
    intake = build_intake(tmp_path, steps=(*STEPS[:2], explode_on_poison, *STEPS[2:]))
    poison = Arrival(mail(subject="poison pill").as_bytes(), "test", "test", [], "x@y.example")
    assert intake.accept(poison) is Outcome.QUARANTINED
    [notice] = notices()
    text = notice.get_body(("plain",)).get_content()
    assert "Our system could not process your message automatically." in text
    assert "KeyError" not in notice.as_string() and "explode_on_poison" not in notice.as_string()


@pytest.mark.parametrize(("headers", "envelope_from", "why"), [
    ({"Auto_Submitted": "auto-replied"}, "dana@bath.example.ac.uk",
     "automatic mail: Auto-Submitted: auto-replied"),
    ({}, "", "automatic mail: null return path (a bounce or an auto-reply)"),
    ({"List_Id": "<users.lists.example>"}, "dana@bath.example.ac.uk",
     "automatic mail: List-Id header (list or automatic mail)"),
    ({"sender": "helpdesk@example.com"}, "helpdesk@example.com",
     "automatic mail: sent from the helpdesk's own address"),
    ({"sender": '"boss@corp" <x@evil.example>, y@evil.example'}, "x@evil.example",
     "no usable From address"),
], ids=["auto-submitted", "null-sender", "list", "ourselves", "two-from"])
def test_no_notice_where_replying_is_not_allowed(tmp_path: Path, headers: dict, envelope_from: str,
                                                 why: str) -> None:
    intake = build_intake(tmp_path)
    limit = intake.runtime.settings.config.main.limits.max_message_bytes
    huge = mail(body="x" * (limit + 10), **headers).as_bytes()
    assert intake.accept(Arrival(huge, "test", "test", [], envelope_from)) is Outcome.QUARANTINED
    assert notices() == []
    [held] = raw_store.quarantined()
    assert history(held.id)[-1] == ("sender_not_told", why)


def test_no_notice_when_the_header_block_itself_is_the_bomb(tmp_path: Path) -> None:
    intake = build_intake(tmp_path)
    message = mail()
    message["X-Padding"] = "a" * 200_000
    assert intake.accept(Arrival(message.as_bytes(), "test", "test", [],
                                 "dana@bath.example.ac.uk")) is Outcome.QUARANTINED
    assert notices() == []
    [held] = raw_store.quarantined()
    assert history(held.id)[-1] == ("sender_not_told",
                                    "the header block is over the limit or unreadable")


def test_quarantine_notices_count_against_the_cap_on_automatic_mail(tmp_path: Path) -> None:
    intake = build_intake(tmp_path)
    limit = intake.runtime.settings.config.main.limits
    for i in range(limit.auto_replies_per_hour + 2):  # a stranger's allowance (a contact's: more)
        huge = mail(sender="Sam <sam@example.org>", subject=f"big {i}",
                    body="x" * (limit.max_message_bytes + 10)).as_bytes()
        assert intake.accept(Arrival(huge, "test", "test", [],
                                     "sam@example.org")) is Outcome.QUARANTINED
    assert len(notices()) == limit.auto_replies_per_hour
    assert Event.select().where(Event.kind == "auto_reply_capped").count() == 1
    last = raw_store.quarantined()[-1]
    assert history(last.id)[-1] == ("sender_not_told",
                                    "sam@example.org is over the cap on automatic mail")
