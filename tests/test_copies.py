"""Items 5 and 6 of issue 23 at the pipe: Postfix's null sender, and one mail delivered twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from conftest import MaildSetup, write_config
from mails import mail

from maild.config import load_config
from maild.intake import Arrival, Intake, Outcome
from maild.pipeline.steps import STEPS
from maild.runtime import Runtime, Settings
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import RawMail, Ticket

TWO_ADDRESSES = "helpdesk@example.com, info@example.com"


def delivered_to(content: bytes, recipient: str) -> bytes:
    """The copy Postfix's pipe (flags DRO) hands over for one recipient, with CRLF unchanged."""
    trace = (f"Return-Path: <dana@bath.example.ac.uk>\nX-Original-To: {recipient}\n"
             f"Delivered-To: {recipient}\nReceived: from mx by host for <{recipient}>;\n"
             f" Mon, 7 Dec 2026 08:00:00 +0000\n")
    return trace.encode() + content


def test_postfix_null_sender_mailer_daemon_gets_no_acknowledgement(
        offline_setup: MaildSetup) -> None:
    out = offline_setup.cli("deliver", "-r", "helpdesk@example.com", "--sender", "MAILER-DAEMON",
                            input=mail(subject="Out of office").as_bytes())
    assert (out.returncode, out.stdout) == (0, b"ignored\n")
    assert offline_setup.json("tickets") == []
    assert offline_setup.cli("send", "--once").stdout == b"sent 0, deferred 0, failed 0\n"


def test_one_mail_to_two_addresses_is_one_ticket_and_one_acknowledgement(
        offline_setup: MaildSetup) -> None:
    content = mail(to=TWO_ADDRESSES).as_bytes()
    first = offline_setup.cli("deliver", "-r", "helpdesk@example.com",
                              input=delivered_to(content, "helpdesk@example.com"))
    second = offline_setup.cli("deliver", "-r", "info@example.com",
                               input=delivered_to(content.replace(b"\n", b"\r\n"),
                                                  "info@example.com"))
    assert (first.stdout, second.stdout) == (b"opened\n", b"duplicate\n")
    assert len(offline_setup.json("tickets")) == 1
    sent = offline_setup.cli("send", "--once")
    assert sent.stdout == b"sent 3, deferred 0, failed 0\n"  # one ack, two staff notifications


def test_two_different_mails_with_one_message_id_are_both_kept(offline_setup: MaildSetup) -> None:
    one = mail(subject="First", message_id="<same@bath.example.ac.uk>").as_bytes()
    other = mail(subject="Second", message_id="<same@bath.example.ac.uk>").as_bytes()
    first = offline_setup.cli("deliver", "-r", "helpdesk@example.com", input=one)
    second = offline_setup.cli("deliver", "-r", "info@example.com", input=other)
    assert (first.stdout, second.stdout) == (b"opened\n", b"opened\n")
    assert [t["subject"] for t in offline_setup.json("tickets")] == ["First", "Second"]


def test_a_window_of_0_days_makes_every_copy_a_ticket(offline_setup: MaildSetup) -> None:
    config = offline_setup.config
    text = config.read_text()
    assert "inbound:" in text
    config.write_text(text.replace("inbound:", "inbound:\n  copies_window_days: 0", 1))
    content = mail().as_bytes()
    first = offline_setup.cli("deliver", "-r", "helpdesk@example.com", input=content)
    second = offline_setup.cli("deliver", "-r", "info@example.com",
                               input=delivered_to(content, "info@example.com"))
    assert (first.stdout, second.stdout) == (b"opened\n", b"opened\n")


def test_a_copy_within_the_window_is_one_mail_and_after_it_a_new_one(tmp_path: Path) -> None:
    settings = Settings.build(load_config(write_config(tmp_path, relay_port=None, smtp_port=2525)))
    open_store(settings.config.database)
    migrate()
    now = [datetime(2026, 12, 7, 10, 0)]
    intake = Intake(Runtime(settings), STEPS, clock=lambda: now[0])
    content = mail().as_bytes()

    def deliver(to: str) -> Outcome:
        copy = delivered_to(content, to)
        return intake.accept(Arrival(copy, "pipe", f"pipe:{to}", [to], "dana@x.example"))

    assert deliver("helpdesk@example.com") is Outcome.OPENED
    now[0] += timedelta(days=6)
    assert deliver("info@example.com") is Outcome.DUPLICATE
    now[0] += timedelta(days=8)  # past the 7 days from the first copy
    assert deliver("support@example.com") is Outcome.OPENED
    assert Ticket.select().count() == 2
    assert [r.status for r in RawMail.select().order_by(RawMail.id)] == [
        "processed", "duplicate", "processed"]
