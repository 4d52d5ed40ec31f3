"""The outbox: a relay outage delays mail and loses none; each mail is delivered exactly once."""

from __future__ import annotations


import databases
from conftest import MaildSetup, SmtpSink
from mails import mail


# Each test mail makes three: the acknowledgement, and a notification to each of the queue's two
# members.
PER_TICKET = 3


def outbox_rows(setup: MaildSetup) -> list[tuple]:
    return databases.query(setup.config,
                           "select status, attempts, last_error from outbox order by id")


def test_relay_down_then_back_delivers_exactly_once(setup: MaildSetup, smtp_sink: SmtpSink) -> None:
    smtp_sink.stop()
    assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
    down = setup.cli("send", "--once")
    # the relay is down: the pass stops at once
    assert down.stdout == b"sent 0, deferred 1, failed 0\n"
    rows = outbox_rows(setup)
    assert len(rows) == PER_TICKET
    status, attempts, error = rows[0]
    assert (status, attempts) == ("queued", 1) and "unreachable" in error

    smtp_sink.start()
    # The retry is not due yet (backoff of about a second in the test config).
    __import__("time").sleep(2.5)
    assert setup.cli("send", "--once").stdout == b"sent 3, deferred 0, failed 0\n"
    assert setup.cli("send", "--once").stdout == b"sent 0, deferred 0, failed 0\n"
    [ack] = smtp_sink.replies(1)
    assert ack.message["Subject"] == "[#1] Placement report shows the wrong dates"
    assert len(smtp_sink.received) == PER_TICKET
    assert [row[:2] for row in outbox_rows(setup)] == [("sent", 2), ("sent", 1), ("sent", 1)]


def test_permanent_refusal_fails_without_retry(setup: MaildSetup, smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.answer = "550 5.1.1 No such user"
    assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
    assert setup.cli("send", "--once").stdout == b"sent 0, deferred 0, failed 3\n"
    status, attempts, error = outbox_rows(setup)[0]
    assert (status, attempts) == ("failed", 1) and "550" in error
    history = setup.json("ticket", "1")["history"]
    assert any(e["kind"] == "send_failed" for e in history)


def test_temporary_refusal_is_retried(setup: MaildSetup, smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.answer = "451 4.3.0 Try later"
    assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
    assert setup.cli("send", "--once").stdout == b"sent 0, deferred 3, failed 0\n"
    smtp_sink.handler.answer = "250 OK"
    __import__("time").sleep(2.5)
    assert setup.cli("send", "--once").stdout == b"sent 3, deferred 0, failed 0\n"
    assert len(smtp_sink.received) == PER_TICKET


def test_partial_refusal_retries_only_the_refused_recipient(tmp_path,  # noqa: ANN001
                                                            smtp_sink: SmtpSink) -> None:
    """One notification to two staff: the relay takes one, answers 452 for the other. The retry
    goes to the refused one only; nobody gets the mail twice."""
    import time as clock

    from conftest import write_config
    from maild.config import load_config
    from maild.outbound import outbox
    from maild.outbound.compose import Outgoing
    from maild.outbound.sender import OutboxSender
    from maild.outbound.transports import transport_for
    from maild.store.db import open_store, transaction
    from maild.store.migrations import migrate
    from maild.store.models import Outbox

    config = load_config(write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=2525))
    open_store(config.database)
    migrate()
    with transaction():
        outbox.queue(None, "notification", Outgoing(
            from_header="Helpdesk <helpdesk@example.com>", to=[("", "ok@example.com"), (
                "", "full@example.com")],
            subject="[#1] New incident", text="Body", html=None,
            message_id="<maild.partial@example.com>"))

    async def handle_RCPT(server, session, envelope, address, options):  # noqa: ANN001, ANN202
        if address == "full@example.com" and smtp_sink.handler.refuse_full:
            return "452 4.2.2 Mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_sink.handler.refuse_full = True
    smtp_sink.handler.handle_RCPT = handle_RCPT
    sender = OutboxSender(lambda: transport_for(config), config.main.outbound.retry)
    assert sender.send_due().deferred == 1
    assert [r.rcpt_tos for r in smtp_sink.received] == [["ok@example.com"]]
    assert Outbox.get().recipients == "full@example.com" and Outbox.get().status == "queued"

    smtp_sink.handler.refuse_full = False
    clock.sleep(2.5)  # past the backoff
    assert sender.send_due().sent == 1
    assert [r.rcpt_tos for r in smtp_sink.received] == [["ok@example.com"], ["full@example.com"]]
    assert Outbox.get().status == "sent"


def test_send_once_drains_everything_due_batch_after_batch(tmp_path,  # noqa: ANN001
                                                           smtp_sink: SmtpSink) -> None:
    from conftest import write_config
    from maild.config import load_config
    from maild.outbound import outbox
    from maild.outbound.compose import Outgoing
    from maild.outbound.sender import OutboxSender
    from maild.outbound.transports import transport_for
    from maild.store.db import open_store, transaction
    from maild.store.migrations import migrate

    config = load_config(write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=2525))
    open_store(config.database)
    migrate()
    with transaction():
        for i in range(7):
            outbox.queue(None, "notification", Outgoing(
                from_header="Helpdesk <helpdesk@example.com>", to=[("", f"staff{i}@example.com")],
                subject="Notice", text="Body", html=None,
                message_id=f"<maild.drain{i}@example.com>"))
    report = OutboxSender(lambda: transport_for(config), config.main.outbound.retry).send_all_due(
        batch=3)
    assert (report.sent, report.deferred, report.failed) == (7, 0, 0)
    assert len(smtp_sink.wait_for(7)) == 7
