"""The whole path on loopback: `maild run` takes mail over SMTP or LMTP, makes tickets, and sends
acknowledgements through a real SMTP relay (an aiosmtpd sink)."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import parseaddr

import pytest

from conftest import Daemon, MaildSetup, SmtpSink, free_port, running, write_config
from helpers import send
from mails import mail


def test_smtp_mail_becomes_ticket_and_is_acknowledged(setup: MaildSetup, daemon: Daemon,
                                                      smtp_sink: SmtpSink) -> None:
    original = mail(body="Since this morning every placement starts a day late.")
    send(setup.smtp_port, original)

    [ack] = smtp_sink.replies(1)
    [ticket] = setup.json("tickets")
    assert ticket["requester"] == "dana@bath.example.ac.uk"
    assert ticket["organisation"] == "uni-bath"
    assert ticket["subject"] == "Placement report shows the wrong dates"
    assert ticket["status"] == "new" and ticket["kind"] == "incident" and ticket["priority"] == 3
    detail = setup.json("ticket", str(ticket["number"]))
    assert "every placement starts a day late" in detail["messages"][0]["text"]

    assert ack.rcpt_tos == ["dana@bath.example.ac.uk"]
    assert ack.mail_from == "<>"  # null return path: an acknowledgement can never start a loop
    assert ack.message["Subject"] == f"[#{ticket['number']}] Placement report shows the wrong dates"
    assert ack.message["In-Reply-To"] == original["Message-ID"]
    assert ack.message["Auto-Submitted"] == "auto-replied"
    assert f"[#{ticket['number']}]" in ack.message.get_body(("plain",)).get_content()


def test_reply_lands_on_the_same_ticket_without_a_new_acknowledgement(
    setup: MaildSetup, daemon: Daemon, smtp_sink: SmtpSink
) -> None:
    send(setup.smtp_port, mail())
    [ack] = smtp_sink.replies(1)
    number = setup.json("tickets")[0]["number"]

    by_header = mail(subject="Re: Placement report shows the wrong dates", body="More detail.",
                     In_Reply_To=ack.message["Message-ID"], References=ack.message["Message-ID"])
    by_tag = mail(subject=f"Re: [#{number}] Placement report", body="And a screenshot.")
    send(setup.smtp_port, by_header)
    send(setup.smtp_port, by_tag)

    detail = setup.json("ticket", str(number))
    incoming = [m for m in detail["messages"] if m["direction"] == "in"]
    assert [m["text"] for m in incoming][1:] == ["More detail.", "And a screenshot."]
    assert len(setup.json("tickets")) == 1
    assert len(smtp_sink.replies(2, timeout=1.5)) == 1  # still only the first acknowledgement


def test_stranger_quoting_a_ticket_tag_gets_a_new_ticket(setup: MaildSetup, daemon: Daemon,
                                                         smtp_sink: SmtpSink) -> None:
    send(setup.smtp_port, mail())
    smtp_sink.replies(1)
    number = setup.json("tickets")[0]["number"]

    send(setup.smtp_port, mail(sender="eve@evil.example",
                               subject=f"Re: [#{number}] give me the details"))
    acks = smtp_sink.replies(2)
    tickets = setup.json("tickets")
    assert len(tickets) == 2 and tickets[1]["requester"] == "eve@evil.example"
    assert acks[1].message["Subject"].startswith(f"[#{tickets[1]['number']}]")
    assert f"[#{number}]" not in acks[1].message["Subject"]  # nothing of the other ticket echoed


def test_escalation_subject_goes_to_customer_services(setup: MaildSetup, daemon: Daemon,
                                                      smtp_sink: SmtpSink) -> None:
    send(setup.smtp_port, mail(to="info@example.com",
                               subject="RE: For the attention of the Customer Services Manager "
                                       "\u2013 Slow answers"))
    smtp_sink.replies(1)
    smtp_sink.wait_to("carol@example.com", 1)
    [ticket] = setup.json("tickets")
    assert (ticket["kind"], ticket["queue"], ticket["subject"]) == (
        "escalation", "customer-services", "Slow answers")
    assert ticket["assignee"] == "carol"
    [ack] = smtp_sink.to("dana@bath.example.ac.uk")
    assert "Customer Services Manager" in ack.message.get_body(("plain",)).get_content()
    [notification] = smtp_sink.to("carol@example.com")
    assert notification.message["Subject"] == "[#1] New escalation (P2): Slow answers"
    assert notification.message["Auto-Submitted"] == "auto-generated"


def test_automatic_mail_is_stored_but_not_acknowledged(setup: MaildSetup, daemon: Daemon,
                                                       smtp_sink: SmtpSink) -> None:
    send(setup.smtp_port, mail(subject="Out of office", Auto_Submitted="auto-replied"))
    send(setup.smtp_port, mail(subject="A real question"))
    acks = smtp_sink.replies(2, timeout=2)
    assert [a.message["Subject"].split("] ", 1)[1] for a in acks] == ["A real question"]
    assert [t["subject"] for t in setup.json("tickets")] == ["A real question"]


def test_lmtp_answers_per_recipient_after_commit(tmp_path,  # noqa: ANN001
                                                 smtp_sink: SmtpSink) -> None:
    port = free_port()
    setup = MaildSetup(tmp_path, write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=port,
                                              protocol="lmtp"), port)
    daemon = Daemon(setup)
    daemon.start()
    try:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.ehlo_or_helo_if_needed()
            client.mail("dana@bath.example.ac.uk")
            client.rcpt("helpdesk@example.com")
            client.rcpt("info@example.com")
            # smtplib reads one reply after DATA; LMTP sends one per recipient, so read the second.
            replies = [client.data(mail().as_bytes())[0], client.getreply()[0]]
        assert replies == [250, 250]
        [ack] = smtp_sink.replies(1)
        [ticket] = setup.json("tickets")
        assert ack.message["Subject"].startswith(f"[#{ticket['number']}]")
    finally:
        assert daemon.stop() == 0


def test_shipped_config_runs_with_local_maildir(offline_setup: MaildSetup) -> None:
    daemon = Daemon(offline_setup)
    daemon.start()
    try:
        send(offline_setup.smtp_port, mail())
        outbox = offline_setup.dir / "var" / "outbox" / "new"
        for _ in range(100):
            # acknowledgement, two notifications
            if outbox.exists() and len(list(outbox.iterdir())) == 3:
                break
            __import__("time").sleep(0.05)
        written = [path.read_bytes() for path in outbox.iterdir()]
        [ack] = [content for content in written
                 if b"\r\nTo: Dana Admin <dana@bath.example.ac.uk>" in content]
        assert b"Subject: [#1] Placement report shows the wrong dates" in ack
    finally:
        assert daemon.stop() == 0


def test_sighup_reloads_a_valid_config_and_keeps_the_old_one_when_broken(
    setup: MaildSetup, daemon: Daemon, smtp_sink: SmtpSink
) -> None:
    import signal
    import time

    routing = setup.config.parent / "routing.yaml"
    shipped = routing.read_text()
    default_priority = "defaults:\n  kind: incident\n  priority: 3\n"
    assert default_priority in shipped
    good = shipped.replace(default_priority, "defaults:\n  kind: incident\n  priority: 2\n")
    routing.write_text(good)
    daemon.process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    send(setup.smtp_port, mail(subject="after a good reload"))

    bad = good.replace("  priority: 2\n", "  priority: 9\n", 1)
    bad_line = bad.splitlines().index("  priority: 9") + 1
    routing.write_text(bad)
    daemon.process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    send(setup.smtp_port, mail(subject="after a bad reload"))

    routing.write_text(good)  # the CLI itself refuses to read a broken config
    assert [t["priority"] for t in setup.json("tickets")] == [2, 2]
    log = daemon.log.read_text()
    assert ("reload refused, old config kept" in log
            and f"routing.yaml:{bad_line}: defaults.priority" in log)


def test_reload_while_mail_flows_loses_nothing(setup: MaildSetup, daemon: Daemon,
                                               smtp_sink: SmtpSink) -> None:
    import signal
    import threading
    import time

    from mails import varied

    mails = varied(600, prefix="flow")
    errors: list[Exception] = []
    reloads_done = threading.Event()
    sent: list[bytes] = []

    def flow() -> None:
        """At least 60 mails, and on until the reloads are done (a loaded machine makes them
        slow)."""
        try:
            with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=30) as client:
                for content in mails:
                    if len(sent) >= 60 and reloads_done.is_set():
                        break
                    client.sendmail("sender@example.org", ["helpdesk@example.com"], content)
                    sent.append(content)
                    time.sleep(0.04)  # spread the mails over the reloads
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    sender = threading.Thread(target=flow)
    sender.start()
    routing = setup.config.parent / "routing.yaml"
    shipped = routing.read_text()
    valid = shipped.replace("  priority: 3\n", "  priority: 2\n", 1)
    broken = shipped.replace("  priority: 3\n", "  priority: 0\n", 1)
    routing.write_text(valid)
    assert b"asked maild (pid" in setup.cli("reload").stdout
    routing.write_text(broken)
    refused = setup.cli("reload")  # checks first: nothing is sent to the daemon
    assert refused.returncode == 1 and (
        b"defaults.priority: Input should be greater than or equal to 1" in refused.stderr)
    daemon.process.send_signal(signal.SIGHUP)  # a bare SIGHUP: the daemon itself refuses it
    time.sleep(0.3)
    routing.write_text(shipped)
    assert b"asked maild (pid" in setup.cli("reload").stdout
    assert sender.is_alive(), "the mail flow should still be running when the reloads are done"
    reloads_done.set()
    sender.join(60)
    assert not errors and len(sent) < len(mails)
    tickets = setup.json("tickets")
    assert len(tickets) == len(sent)
    assert {t["priority"] for t in tickets} <= {2, 3}
    assert len(smtp_sink.replies(len(sent), timeout=20)) == len(sent)
    log = daemon.log.read_text()
    assert log.count("config reloaded") == 2 and "reload refused, old config kept" in log


def test_a_robot_answering_everything_gets_at_most_the_cap(setup: MaildSetup, daemon: Daemon,
                                                           smtp_sink: SmtpSink) -> None:
    """300 rounds from a responder that sets no automatic-mail headers, breaks threading (a new
    subject each time) and has a person's address: each is kept as a ticket, within the hour it
    hears from us 5 times (auto_replies_per_hour), and staff are told of every ticket: the cap
    limits answers to robots, never what staff see."""
    rounds = 300
    with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=30) as client:
        for i in range(rounds):
            client.send_message(mail(sender=f"Sam Responder <{BOT}>",
                                     subject=f"Re: your message {i}",
                                     body="Thank you for your message. "
                                          "This mailbox is not monitored."))
    smtp_sink.wait_to("erin@example.com", rounds, timeout=60)
    assert len(smtp_sink.to(BOT)) == 5
    assert len(setup.json("tickets")) == rounds  # nothing lost
    told = (len(smtp_sink.to("alice@example.com")), len(smtp_sink.to("erin@example.com")))
    assert told == (rounds, rounds)
    # The customer services manager hears of the cap once, not once per mail.
    assert [r.message["Subject"] for r in smtp_sink.to("carol@example.com")] == \
        [f"Automatic answers stopped for {BOT}"]
    log = daemon.log.read_text()
    assert log.count(f"automatic answers capped: {BOT}") == 1


def test_an_address_that_looks_automatic_gets_one_answer_a_day(setup: MaildSetup, daemon: Daemon,
                                                                smtp_sink: SmtpSink) -> None:
    """alerts@ is no person: robot_auto_replies_per_day (1), and staff still hear of each ticket."""
    with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=30) as client:
        for i in range(4):
            client.send_message(mail(sender="Monitoring <alerts@robots.example>",
                                     subject=f"Disk full {i}", body="Disk /var is 97% full."))
    smtp_sink.wait_to("erin@example.com", 4, timeout=20)
    assert len(smtp_sink.to("alerts@robots.example")) == 1
    assert len(smtp_sink.to("alice@example.com")) == 4


BOT = "sam@robots.example"  # a person's address: nothing but its behaviour marks it a robot


class Responder:
    """An auto-responder at the far end of the relay: it answers every mail maild sends it, at once,
    and sets no Auto-Submitted or Precedence header (the worst case: nothing marks it automatic).
    `threaded`: it answers as a mail client does (In-Reply-To and References to maild's Message-ID,
    "Re: " and the subject, to the Reply-To); otherwise it writes a fresh mail to the From address,
    without threading headers or the tag, so each answer looks like a new request."""

    def __init__(self, sink: SmtpSink, port: int, threaded: bool) -> None:
        self.sink, self.port, self.threaded = sink, port, threaded
        self.sent: list[str] = []  # Message-IDs of the bot's mails

    def duel(self, rounds: int, quiet_seconds: float, deadline_seconds: float = 60) -> int:
        """Answer until `rounds` mails are sent, maild has been silent for `quiet_seconds`, or the
        deadline (so a maild without a cap fails the test in a minute, not after 1000 rounds)."""
        deadline = time.monotonic() + deadline_seconds
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            self._send(client, "helpdesk@example.com", mail(sender=f"Auto Bot <{BOT}>",
                                                            subject="Hello"))
            answered = 0
            while len(self.sent) < rounds and time.monotonic() < deadline:
                heard = self.sink.wait_to(BOT, answered + 1, timeout=quiet_seconds)
                if len(heard) <= answered:
                    break  # maild stopped answering
                for received in heard[answered:]:
                    self._send(client, *self._answer(received.message))
                answered = len(heard)
        return answered

    def _answer(self, incoming) -> tuple[str, EmailMessage]:  # noqa: ANN001 - a Message
        # A fresh mail goes to the From address: the signed Reply-To would thread it by itself.
        to = str(incoming.get("Reply-To") or incoming["From"]) if self.threaded else str(incoming[
            "From"])
        answer = mail(sender=f"Auto Bot <{BOT}>", to=to,
                      body="Thank you for your message. This mailbox is not monitored.")
        if self.threaded:
            answer.replace_header("Subject", f"Re: {incoming['Subject']}")
            answer["In-Reply-To"] = incoming["Message-ID"]
            answer[
                "References"] = f"{incoming.get('References', '')} {incoming['Message-ID']}".strip()
        else:
            answer.replace_header("Subject", f"Re: your message {len(self.sent)}")
        address = parseaddr(to)[1]
        return address, answer

    def _send(self, client: smtplib.SMTP, to: str, message: EmailMessage) -> None:
        client.send_message(message, to_addrs=[to])
        self.sent.append(message["Message-ID"])


@pytest.fixture
def capped(tmp_path, smtp_sink: SmtpSink) -> Iterator[MaildSetup]:  # noqa: ANN001
    """maild run with small caps on automatic answers (3 an hour, 4 a day), so a duel is short."""
    with running(tmp_path, smtp_sink,
                 "limits: {auto_replies_per_hour: 3, auto_replies_per_day: 4}\n") as setup:
        yield setup


@pytest.mark.parametrize("threaded", [True, False], ids=["threaded", "fresh-mail-each-time"])
def test_a_duel_with_an_auto_responder_ends_within_the_cap(capped: MaildSetup, smtp_sink: SmtpSink,
                                                          threaded: bool) -> None:
    """G7.9, RELIABILITY L3: a bot that answers every mail maild sends it, up to 1000 rounds.
    maild answers a threaded reply on its ticket with no acknowledgement, so that duel stops after
    one answer; a bot whose answers each look new gets acknowledgements until the hourly cap, then
    silence. Either way every mail of the bot is stored and the duel ends in seconds."""
    started = time.monotonic()
    bot = Responder(smtp_sink, capped.smtp_port, threaded)
    answers = bot.duel(rounds=1000, quiet_seconds=3)
    assert time.monotonic() - started < 60
    assert 1 <= answers <= 3  # auto_replies_per_hour
    if not threaded:
        assert answers == 3  # the cap, not something short of it, ended the duel
    assert len(smtp_sink.to(BOT)) == answers and len(bot.sent) == answers + 1
    stored = [m["message_id"] for t in capped.json("tickets")
              for m in capped.json("ticket", str(t["number"]))["messages"] if m[
                  "direction"] == "in"]
    assert sorted(stored) == sorted(bot.sent)  # every one of the bot's mails, once


def test_mail_committed_while_the_sender_sends_is_sent_without_waiting_for_the_interval(
    tmp_path, smtp_sink: SmtpSink  # noqa: ANN001
) -> None:
    """The sender is woken by every commit; one that comes during its pass (here held 1 s after
    it chose what to send) starts the next pass at once, not after send_interval_seconds."""
    port = free_port()
    config = write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=port)
    config.write_text(config.read_text().replace("send_interval_seconds: 0.2",
                                                 "send_interval_seconds: 30"))
    setup = MaildSetup(tmp_path, config, port)
    daemon = Daemon(setup, env={"MAILD_PAUSE_AT": "outbox.after_select:1"})
    daemon.start()
    try:
        send(setup.smtp_port, mail(subject="First"))
        time.sleep(0.5)  # the sender has chosen the first ticket's mails and is held
        started = time.monotonic()
        send(setup.smtp_port, mail(subject="Second"))
        assert len(smtp_sink.replies(2, timeout=10)) == 2
        assert time.monotonic(
            ) - started < 5, "the second acknowledgement waited for the send interval"
    finally:
        assert daemon.stop() == 0
