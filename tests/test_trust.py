"""Who may join a ticket, who receives its mail, who may command it (docs/trust.md).

Real `maild run` over SMTP, its mail relayed into an aiosmtpd sink where what each address
received is counted. Our MX is `mx.example.com`: its Authentication-Results header, on top of the
Received header it writes, is the only one trusted.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage

import pytest

from conftest import MaildSetup, SmtpSink, running
from maild.pipeline.authresults import trusted_fail, trusted_pass
from maild.pipeline.commands import Command
from maild.pipeline.staff import widens_recipients
from mails import mail

OUTSIDER = "out@outside.example"
REQUESTER = "dana@bath.example.ac.uk"
NICK = "nick@bath.example.ac.uk"  # at the organisation, not a designated contact
ALICE = "Alice Engineer <alice@example.com>"
OUR_MX = ("Received: from mail.example.net by mx.example.com with ESMTPS;"
          " Mon, 23 Nov 2026 10:00:00 +0000\n")


def verdict(domain: str, result: str = "pass") -> bytes:
    """What our MX writes on top of a mail from `domain` whose DKIM signature gave `result`."""
    return (f"Authentication-Results: mx.example.com; dkim={result} header.d={domain} header.s=s1\n"
            + OUR_MX).encode()


@pytest.fixture
def trusted(tmp_path, smtp_sink: SmtpSink) -> Iterator[MaildSetup]:  # noqa: ANN001
    with running(tmp_path, smtp_sink,
                 "conversations: {trusted_authserv_id: mx.example.com}\n") as setup:
        yield setup


def send(setup: MaildSetup, message: EmailMessage, to: str = "helpdesk@example.com",
         top: bytes = b"") -> None:
    """Deliver over SMTP; `top` are the headers our MX would have put above the mail."""
    sender = message["From"].addresses[0].addr_spec
    with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:
        client.sendmail(sender, [to], top + message.as_bytes())


def open_ticket(setup: MaildSetup, sink: SmtpSink, top: bytes = b"",
                **headers: str) -> tuple[int, str, str]:
    """Dana's new ticket: its number, her signed reply address, and Alice's."""
    send(setup, mail(**headers), top=top)
    [ack] = sink.replies(1)
    [note] = sink.wait_to("alice@example.com", 1)
    number = setup.json("tickets")[-1]["number"]
    return number, str(ack.message["Reply-To"]), str(note.message["Reply-To"])


def staff_answer(setup: MaildSetup, staff_address: str, text: str,
                 top: bytes | None = None) -> None:
    """Alice answers through her signed address, DKIM-signed as our MX reports (unless `top`)."""
    reply = mail(sender=ALICE, to=staff_address, subject="Re: the ticket", body=text)
    send(setup, reply, to=staff_address, top=verdict("example.com") if top is None else top)


def history(setup: MaildSetup, number: int, kind: str) -> list[str]:
    return [e["detail"] for e in setup.json("ticket", str(number))["history"] if e["kind"] == kind]


def participants(setup: MaildSetup, number: int) -> list[str]:
    return [p["email"] for p in setup.json("ticket", str(number))["participants"]]


# ---------------------------------------------------------------- the three paths, closed

def test_someone_else_at_the_domain_neither_joins_by_tag_nor_brings_an_outsider(
        trusted: MaildSetup, smtp_sink: SmtpSink) -> None:
    number, _, alice = open_ticket(trusted, smtp_sink)
    send(trusted, mail(sender=f"Nick Other <{NICK}>", subject=f"Re: [#{number}] Placement report",
                       body="Please copy my friend in.", Cc=OUTSIDER))
    assert len(trusted.json("tickets")) == 2  # his own ticket, under the unknown-sender policy
    assert participants(trusted, number) == [REQUESTER]
    [refused] = history(trusted, number, "join_refused")
    assert NICK in refused and "not on it" in refused
    staff_answer(trusted, alice, "The dates are fixed now.")
    smtp_sink.wait_to(REQUESTER, 3)  # the two acknowledgements' first, then the answer
    assert smtp_sink.to(OUTSIDER) == []
    assert all(f"[#{number}]" not in r.message["Subject"] for r in smtp_sink.to(NICK))


@pytest.mark.parametrize("through", ["subject tag", "signed address"])
def test_forged_requester_reopens_but_the_outsider_is_only_proposed(
        trusted: MaildSetup, smtp_sink: SmtpSink, through: str) -> None:
    number, customer, alice = open_ticket(trusted, smtp_sink)
    staff_answer(trusted, alice, "#resolve\nFixed.")
    smtp_sink.wait_to(REQUESTER, 2)
    forged = mail(subject=f"Re: [#{number}] Placement report", body="Still broken.", Cc=OUTSIDER)
    send(trusted, forged, to=customer if through == "signed address" else "helpdesk@example.com")
    detail = trusted.json("ticket", str(number))
    assert detail["status"] == "open"
    assert [p["email"] for p in detail["participants"]] == [REQUESTER]
    assert [p["email"] for p in detail["proposed"]] == [OUTSIDER]
    [why] = history(trusted, number, "cc_proposed")
    assert "no trusted DKIM/DMARC pass" in why and f"#cc add {OUTSIDER}" in why
    shown = trusted.cli("ticket", str(number)).stdout.decode()
    assert f"proposed: {OUTSIDER}" in shown
    [_, told] = smtp_sink.wait_to("alice@example.com", 2)  # the reply's notification names it
    assert f"#cc add {OUTSIDER}" in told.message.get_body(("plain",)).get_content()
    staff_answer(trusted, alice, "Looking again.")
    smtp_sink.wait_to(REQUESTER, 5)  # acknowledgement, answer, resolved, reopened, answer
    assert smtp_sink.to(OUTSIDER) == []


def test_staff_signed_address_without_authentication_adds_nobody_and_the_owner_is_told(
        trusted: MaildSetup, smtp_sink: SmtpSink) -> None:
    number, _, alice = open_ticket(trusted, smtp_sink)
    staff_answer(trusted, alice, f"#priority 1\n#cc add {OUTSIDER}\nHere is everything.", top=b"")
    detail = trusted.json("ticket", str(number))
    assert detail["priority"] == 1 and detail["participants"] == [
        {"email": REQUESTER, "name": "Dana Admin", "role": "requester"}]
    [refused] = history(trusted, number, "command_refused")
    assert f"#cc add {OUTSIDER}" in refused and "without a trusted DKIM/DMARC result" in refused
    [_, notice] = smtp_sink.wait_to("alice@example.com", 2)
    text = notice.message.get_body(("plain",)).get_content()
    assert f"ticket {number}" in text and "#priority 1" in text and f"#cc add {OUTSIDER}" in text
    smtp_sink.wait_to(REQUESTER, 2)
    assert smtp_sink.to(OUTSIDER) == []


def test_staff_signed_address_with_a_trusted_fail_runs_nothing(
        trusted: MaildSetup, smtp_sink: SmtpSink) -> None:
    number, _, alice = open_ticket(trusted, smtp_sink)
    staff_answer(trusted, alice, f"#close\n#priority 1\n#cc add {OUTSIDER}\nHere is everything.",
                 top=verdict("example.com", "fail"))
    detail = trusted.json("ticket", str(number))
    assert (detail["status"], detail["priority"]) == ("new", 3)
    [refused] = history(trusted, number, "commands_refused")
    assert "dkim=fail" in refused and "no command was run" in refused
    smtp_sink.wait_to("alice@example.com", 2)  # she is told her address was used without proof
    assert smtp_sink.to(OUTSIDER) == []
    assert all("Here is everything" not in r.message.get_body(("plain",)).get_content()
               for r in smtp_sink.to(REQUESTER))


# ---------------------------------------------------------------- the legitimate paths, kept

def test_colleague_copied_by_the_requester_receives_answers(
        trusted: MaildSetup, smtp_sink: SmtpSink) -> None:
    number, _, alice = open_ticket(trusted, smtp_sink, Cc=f"Nick Other <{NICK}>")
    assert participants(trusted, number) == [REQUESTER, NICK]
    staff_answer(trusted, alice, "Fixed.")
    [answer] = smtp_sink.wait_to(NICK, 1)
    assert "Fixed." in answer.message.get_body(("plain",)).get_content()


def test_outsider_copied_in_a_dkim_passing_mail_of_the_requester_receives_answers(
        trusted: MaildSetup, smtp_sink: SmtpSink) -> None:
    number, _, alice = open_ticket(trusted, smtp_sink, top=verdict("bath.example.ac.uk"),
                                   Cc=OUTSIDER)
    assert participants(trusted, number) == [REQUESTER, OUTSIDER]
    staff_answer(trusted, alice, "Fixed.")
    [answer] = smtp_sink.wait_to(OUTSIDER, 1)
    assert "Fixed." in answer.message.get_body(("plain",)).get_content()


def test_staff_cc_add_takes_in_a_proposed_address(trusted: MaildSetup, smtp_sink: SmtpSink) -> None:
    number, _, alice = open_ticket(trusted, smtp_sink, Cc=OUTSIDER)  # no DKIM: only proposed
    assert [p["email"] for p in trusted.json("ticket", str(number))["proposed"]] == [OUTSIDER]
    staff_answer(trusted, alice, f"#cc add {OUTSIDER}\nFixed.")
    detail = trusted.json("ticket", str(number))
    assert [p["email"] for p in detail["participants"]] == [REQUESTER, OUTSIDER]
    assert detail["proposed"] == []
    [answer] = smtp_sink.wait_to(OUTSIDER, 1)
    assert "Fixed." in answer.message.get_body(("plain",)).get_content()


def test_staff_signed_address_with_a_dkim_pass_runs_every_command(
        trusted: MaildSetup, smtp_sink: SmtpSink) -> None:
    number, _, alice = open_ticket(trusted, smtp_sink)
    commands = f"#priority 1\n#kind question\n#assign erin\n#cc add {OUTSIDER}\n#resolve\n"
    staff_answer(trusted, alice, commands + "Fixed.")
    detail = trusted.json("ticket", str(number))
    changed = (detail["priority"], detail["kind"], detail["assignee"], detail["status"])
    assert changed == (1, "question", "erin", "resolved")
    assert OUTSIDER in [p["email"] for p in detail["participants"]]
    assert history(trusted, number, "command_refused") == []
    smtp_sink.wait_to(OUTSIDER, 1)
    subjects = [str(r.message["Subject"]) for r in smtp_sink.to("alice@example.com")]
    assert subjects and all("without authentication" not in s for s in subjects)


# ---------------------------------------------------------------- the decisions, on plain objects

def test_only_cc_add_widens_who_receives_the_ticket() -> None:
    staff = {"alice", "erin"}
    widening = [Command("cc", f"add {OUTSIDER}"), Command("assign", "mallory")]
    keeping = [Command("cc", f"remove {OUTSIDER}"), Command("assign", "erin"),
               Command("priority", "1"), Command("close"), Command("note", "x")]
    assert [widens_recipients(c, staff) for c in widening + keeping] == [True, True] + [False] * 5


@pytest.mark.parametrize(("result", "passed", "failed"), [
    ("pass", True, False), ("fail", False, True), ("none", False, False)])
def test_a_trusted_fail_is_told_apart_from_no_result(result: str, passed: bool,
                                                     failed: bool) -> None:
    raw = verdict("example.com", result) + b"From: alice@example.com\n\nhi\n"
    headers = message_from_bytes(raw)
    found = (trusted_pass(headers, "mx.example.com", "alice@example.com"),
             trusted_fail(headers, "mx.example.com", "alice@example.com"))
    assert (bool(found[0]), bool(found[1])) == (passed, failed)
    assert trusted_fail(headers, "mx.example.com", "bob@other.example") is None  # other domain
