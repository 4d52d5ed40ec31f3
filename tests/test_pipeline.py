"""Pipeline steps over real stored mail (SQLite in a temp dir), one behaviour each."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from maild.intake import Arrival, Intake, Outcome
from maild.pipeline.context import MailContext
from maild.pipeline.steps import STEPS
from maild.store.models import Event, Message, Outbox, Participant, RawMail, Ticket
from mails import mail


def accept(intake: Intake, message,  # noqa: ANN001
           envelope_from: str | None = "dana@bath.example.ac.uk") -> Outcome:
    return intake.accept(Arrival(message.as_bytes(), "test", "test", ["helpdesk@example.com"],
                                 envelope_from))


SIGNED = object()  # stands for a Message-ID maild made, known only once the test's key exists


@pytest.mark.parametrize(("headers", "sender", "reason"), [
    ({"Auto_Submitted": "auto-replied"}, "dana@bath.example.ac.uk", "Auto-Submitted: auto-replied"),
    ({"Precedence": "bulk"}, "dana@bath.example.ac.uk", "Precedence: bulk"),
    ({"List_Id": "<users.lists.example>"}, "dana@bath.example.ac.uk", "List-Id header"),
    ({"X_Auto_Response_Suppress": "All"}, "dana@bath.example.ac.uk",
     "X-Auto-Response-Suppress header"),
    ({}, "MAILER-DAEMON@mx.example.org", "sent by a mail system"),
    ({}, "helpdesk@example.com", "sent from the helpdesk's own address"),
    ({"Precedence": "junk"}, "dana@bath.example.ac.uk", "Precedence: junk"),
    ({"Precedence": "list"}, "dana@bath.example.ac.uk", "Precedence: list"),
    ({"List_Unsubscribe": "<mailto:leave@lists.example>"}, "dana@bath.example.ac.uk",
     "List-Unsubscribe header"),
    ({"Received": [f"from hop{i}.example by hop{i + 1}.example" for i in range(51)]},
     "dana@bath.example.ac.uk",
     "more than 50 Received headers"),
    ({"message_id": SIGNED}, "dana@bath.example.ac.uk",
     "carries one of our own signed Message-IDs"),
    ({}, "noreply@bath.example.ac.uk", "sent by a mail system or no-reply address"),
    ({}, "postmaster@bath.example.ac.uk", "sent by a mail system or no-reply address"),
    ({}, "no-reply@bath.example.ac.uk", "sent by a mail system or no-reply address"),
    ({}, "owner-users@lists.example", "sent by a mail system or no-reply address"),
    ({}, "users-request@lists.example", "sent by a mail system or no-reply address"),
    ({}, "info@example.com", "sent from the helpdesk's own address"),  # an alias
    ({}, "helpdesk+t1.c.abcdefabcdef@example.com",  # plus-address
     "sent from the helpdesk's own address"),
    ({}, "Helpdesk+anything@Example.com", "sent from the helpdesk's own address"),
])
def test_automatic_mail_is_kept_and_ignored(intake: Intake, headers: dict, sender: str,
                                            reason: str) -> None:
    headers = dict(headers)
    if headers.get("message_id") is SIGNED:  # one of ours, as a forwarding rule would send it back
        headers["message_id"] = intake.runtime.settings.reply_addresses.message_id()
    received = headers.pop("Received", [])
    message = mail(sender=sender, **headers)
    for hop in received:
        message["Received"] = hop
    assert accept(intake, message) is Outcome.IGNORED
    [raw] = RawMail.select()
    assert raw.status == "ignored" and reason in raw.reason
    assert Ticket.select().count() == 0


def test_our_own_mail_coming_back_is_recognised_by_its_signed_message_id(intake: Intake) -> None:
    """A customer's forwarding rule sends our acknowledgement back to us, headers and all."""
    assert accept(intake, mail()) is Outcome.OPENED
    ack = Outbox.get(Outbox.purpose == "acknowledgement")
    returning = message_from_bytes(bytes(ack.content))
    # dropped on the way back
    del returning["Auto-Submitted"], returning["X-Auto-Response-Suppress"]
    assert accept(intake, returning) is Outcome.IGNORED
    returned = RawMail.get(RawMail.id != 1)
    assert "our own signed Message-IDs" in returned.reason
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 1


@pytest.mark.parametrize("message_id", [
    "<maild.0123456789abcdef0123456789abcdef@example.com>",               # our old, unsigned form
    "<maild.0123456789abcdef0123456789abcdef.aaaaaaaaaaaa@example.com>",  # our form, fake signature
])
def test_an_outsider_cannot_pass_for_our_own_mail(intake: Intake, message_id: str) -> None:
    """Our loop header and our Message-ID domain are easy to copy: with them, anyone could stop
    maild acknowledging their mail. Neither counts; the header is ignored, the raw mail keeps it."""
    message = mail(message_id=message_id, X_Maild_Loop="helpdesk@example.com", X_MAILD_Other="1")
    assert accept(intake, message) is Outcome.OPENED
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 1
    opened = Event.get(Event.kind == "opened").detail
    assert ("inbound X-Maild-Loop header ignored" in opened
            and "inbound X-MAILD-Other header ignored" in opened)
    assert b"X-Maild-Loop: helpdesk@example.com" in bytes(RawMail.get().content)


def test_auto_submitted_no_is_a_person(intake: Intake) -> None:
    assert accept(intake, mail(Auto_Submitted="no")) is Outcome.OPENED


def test_null_envelope_sender_is_a_bounce(intake: Intake) -> None:
    assert accept(intake, mail(), envelope_from="") is Outcome.IGNORED


def test_automatic_reply_threads_onto_its_ticket_without_reopening(intake: Intake) -> None:
    assert accept(intake, mail()) is Outcome.OPENED
    ack = Message.get((Message.direction == "out") & (
        Message.to_addrs == "dana@bath.example.ac.uk"))
    Ticket.update(status="resolved").execute()
    out_of_office = mail(subject="Automatic reply", Auto_Submitted="auto-replied",
                         In_Reply_To=ack.message_id)
    assert accept(intake, out_of_office) is Outcome.REPLIED
    assert Ticket.get().status == "resolved"


def test_customer_reply_reopens_a_resolved_ticket(intake: Intake) -> None:
    accept(intake, mail())
    Ticket.update(status="resolved").execute()
    assert accept(intake, mail(subject="Re: [#1] Placement report",
                               body="Still wrong")) is Outcome.REPLIED
    assert Ticket.get().status == "open"


def test_a_ticket_found_by_number_is_the_one_peewee_reads_and_a_colleague_joins_it_once(
    intake: Intake) -> None:
    accept(intake, mail(Cc="Erik <erik@bath.example.ac.uk>"))  # the requester brings him in
    Ticket.update(status="resolved", resolved_at=Ticket.created_at, tags="a b").execute()
    found = Ticket.find(1)
    assert found.__data__ == Ticket.get_or_none(Ticket.number == 1).__data__ and not found._dirty
    assert Ticket.find(2) is None
    for body in ("One more thing", "And another"):  # a colleague at the same organisation, twice
        reply = mail("Erik <erik@bath.example.ac.uk>", "Re: [#1] Placement report", body)
        assert accept(intake, reply, "erik@bath.example.ac.uk") is Outcome.REPLIED
    assert sorted((p.email, p.role) for p in Participant.select()) == [
        ("dana@bath.example.ac.uk", "requester"), ("erik@bath.example.ac.uk", "cc")]


def test_several_from_addresses_make_an_unknown_sender_without_acknowledgement(
    intake: Intake) -> None:
    message = mail(sender="dana@bath.example.ac.uk, eve@evil.example")
    assert accept(intake, message) is Outcome.OPENED
    ticket = Ticket.get()
    assert (ticket.requester, ticket.organisation) == ("", None)
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 0


def test_contact_from_subdomain_belongs_to_the_organisation(intake: Intake) -> None:
    accept(intake, mail(sender="Pat <pat@it.bath.example.ac.uk>"))
    assert Ticket.get().organisation == "uni-bath"


def test_html_only_mail_is_stored_as_text(intake: Intake) -> None:
    message = mail()
    message.set_content("<p>Hello <b>there</b></p><script>alert(1)</script><p>Second</p>",
                        subtype="html")
    accept(intake, message)
    # a paragraph apart
    assert Message.get(Message.direction == "in").text == "Hello there\n\nSecond"


def test_non_ascii_sender_gets_a_ticket_but_no_acknowledgement(intake: Intake) -> None:
    """maild does not send to addresses it cannot put in a plain header (no SMTPUTF8 out yet)."""
    raw = (
        "From: Jos\u00e9 <jos\u00e9@example.org>\r\nTo: helpdesk@example.com\r\nSubject: Hola\r\n"
           "Message-ID: <utf8-1@example.org>\r\n\r\nHola\r\n").encode()  # as SMTPUTF8 delivers it
    assert intake.accept(Arrival(raw, "test", "test", [], "x@example.org")) is Outcome.OPENED
    assert Ticket.get().requester == ""
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 0


def test_a_raw_mail_is_processed_once_even_when_two_workers_try(intake: Intake) -> None:
    from maild.store import raw as raw_store
    from maild.store.db import transaction

    with transaction():
        raw, _ = raw_store.save(mail().as_bytes(), "test", "test", [], "dana@bath.example.ac.uk")
    assert intake.process(raw) is Outcome.OPENED
    # e.g. recovery after `maild retry` got there first
    assert intake.process(raw) is Outcome.DUPLICATE
    assert Ticket.select().count() == 1


def test_daily_cap_on_automatic_answers(tmp_path: Path) -> None:
    from conftest import write_config
    from maild.config import load_config
    from maild.runtime import Runtime, Settings
    from maild.store.db import open_store
    from maild.store.migrations import migrate
    from maild.store.models import Event, Outbox

    config = write_config(tmp_path / "c", relay_port=None, smtp_port=2525,
                          extra="limits: {contact_auto_replies_per_hour: 100, "
                                "contact_auto_replies_per_day: 3}\n")  # Dana is a contact
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    intake = Intake(Runtime(settings))
    for i in range(6):
        assert accept(intake, mail(subject=f"Question {i}")) is Outcome.OPENED
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 3
    assert Event.select().where(Event.kind == "auto_reply_capped").count() == 1


def test_a_mail_stored_between_look_up_and_insert_is_found_and_the_transaction_goes_on(
        intake: Intake, monkeypatch: pytest.MonkeyPatch) -> None:
    """The raw store's fallback when the insert meets the dedupe key's unique index (it needs a
    savepoint on PostgreSQL only): the row already there is returned, and the caller's
    transaction still commits what it does next."""
    from maild.store import raw as raw_store
    from maild.store.db import transaction

    content = mail().as_bytes()
    with transaction():
        first, created = raw_store.save(content, "test", "test", [], None)
    assert created
    real_sql = raw_store.fixed_sql

    # As if the row came just after.
    def look_up_misses(statement: str, params):  # noqa: ANN001, ANN202
        if statement.startswith("SELECT id FROM rawmail"):
            return real_sql("SELECT id FROM rawmail WHERE 0 = 1 AND dedupe_key = ?", params)
        return real_sql(statement, params)

    monkeypatch.setattr(raw_store, "fixed_sql", look_up_misses)
    with transaction():
        again, created = raw_store.save(content, "test", "test", [], None)
        Event.create(raw=first.id, kind="test", detail="written after the failed insert")
    assert (again.id, created) == (first.id, False)
    assert RawMail.select().count() == 1
    assert Event.select().where(Event.kind == "test").count() == 1


@pytest.mark.sqlite_only  # on PostgreSQL a group commits each mail on its own (Intake.group)
def test_a_mails_log_line_comes_once_its_group_is_committed_and_never_for_a_rolled_back_one(
        intake: Intake, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="maild.pipeline"):
        with intake.group() as batch:
            kept = Arrival(mail(subject="Kept").as_bytes(), "test", "test")
            assert intake.accept(kept, batch) is Outcome.OPENED
            assert "ticket 1 opened" not in caplog.text  # not committed yet
        assert caplog.text.count("ticket 1 opened") == 1
        assert "acknowledgement <maild." in caplog.text and "new notification to" in caplog.text
        with pytest.raises(RuntimeError), intake.group() as batch:
            rolled_back = Arrival(mail(subject="Rolled back").as_bytes(), "test", "test")
            assert intake.accept(rolled_back, batch) is Outcome.OPENED
            raise RuntimeError("the group fails before its commit")
    assert "ticket 2 opened" not in caplog.text
    assert Ticket.select().count() == 1


@pytest.mark.sqlite_only  # on PostgreSQL a group commits each mail on its own (Intake.group)
def test_a_mail_failing_in_a_group_is_quarantined_alone_and_the_others_done_again(
        intake: Intake, caplog: pytest.LogCaptureFixture) -> None:
    """Mails in a group have no savepoint each until one fails: then the group is rolled back,
    the mails before it are done again in their savepoints, and it is quarantined alone."""
    import logging

    seen: list[str] = []

    def after_everything(ctx: MailContext) -> None:
        assert ctx.mail is not None
        seen.append(ctx.mail.subject)
        if ctx.mail.subject == "Third":
            raise RuntimeError("a bug after the mail's rows were written")

    intake.steps = (*STEPS, after_everything)
    subjects = ["First", "Second", "Third", "Fourth"]
    with caplog.at_level(logging.INFO, logger="maild.pipeline"), intake.group() as batch:
        outcomes = [intake.accept(Arrival(mail(subject=s).as_bytes(), "test", "test"), batch)
                    for s in subjects]
    assert outcomes == [Outcome.OPENED, Outcome.OPENED, Outcome.QUARANTINED, Outcome.OPENED]
    assert seen == ["First", "Second", "Third", "First", "Second", "Third", "Fourth"]
    assert [t.subject for t in Ticket.select().order_by(Ticket.number)] == ["First", "Second",
                                                                            "Fourth"]
    assert [r.status for r in RawMail.select().order_by(RawMail.id)] == ["processed", "processed",
                                                                         "quarantined",
                                                                        "processed"]
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 3
    assert {o.ticket_id for o in Outbox.select().where(Outbox.purpose == "notification")} == {1, 2,
                                                                                              3}
    # not the first pass's lines
    assert [caplog.text.count(f"ticket {n} opened") for n in (1, 2, 3)] == [1, 1, 1]


@pytest.mark.sqlite_only
def test_a_group_whose_redo_fails_commits_nothing(intake: Intake) -> None:
    from maild.errors import TransientError

    calls: list[str] = []

    def flaky(ctx: MailContext) -> None:
        assert ctx.mail is not None
        calls.append(ctx.mail.subject)
        if ctx.mail.subject == "Second":
            raise RuntimeError("a bug")
        if calls.count("First") == 2:
            raise TransientError("database is locked")  # while the group is done again

    intake.steps = (*STEPS, flaky)
    with pytest.raises(TransientError), intake.group() as batch:
        first = Arrival(mail(subject="First").as_bytes(), "test", "test")
        assert intake.accept(first, batch) is Outcome.OPENED
        with pytest.raises(TransientError):
            intake.accept(Arrival(mail(subject="Second").as_bytes(), "test", "test"), batch)
    assert (Ticket.select().count(), RawMail.select().count(), Outbox.select().count()) == (0, 0, 0)
