"""Items 5 and 6 of issue 23 at the pipe: Postfix's null sender, and one mail delivered twice."""

from __future__ import annotations

from conftest import MaildSetup
from mails import mail

TWO_ADDRESSES = "helpdesk@example.com, info@example.com"


def delivered_to(content: bytes, recipient: str) -> bytes:
    """The copy Postfix's pipe (flags DRO) hands over for one recipient, with CRLF unchanged."""
    trace = (f"Return-Path: <dana@bath.example.ac.uk>\nX-Original-To: {recipient}\n"
             f"Delivered-To: {recipient}\nReceived: from mx by host for <{recipient}>;\n"
             f" Mon, 7 Dec 2026 08:00:00 +0000\n")
    return trace.encode() + content


def test_postfix_null_sender_mailer_daemon_gets_no_acknowledgement(offline_setup: MaildSetup) -> None:
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
                               input=delivered_to(content.replace(b"\n", b"\r\n"), "info@example.com"))
    assert (first.stdout, second.stdout) == (b"opened\n", b"duplicate\n")
    assert len(offline_setup.json("tickets")) == 1
    sent = offline_setup.cli("send", "--once")
    assert sent.stdout == b"sent 3, deferred 0, failed 0\n"  # one acknowledgement, two staff notifications


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
