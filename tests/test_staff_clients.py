"""Staff start and reshape tickets from a real mail client: NeoMutt in batch mode sends through
SMTP into `maild run`, and what maild sends is read from the relay (an aiosmtpd sink).

A forwarded customer mail (NeoMutt's inline forward, and a forward as a message/rfc822
attachment, and an Outlook forward as a fixture) becomes a ticket for that customer; `#merge`,
then a customer's reply to the merged ticket, lands on the surviving one.
"""

from __future__ import annotations

import re
import smtplib
import time
from collections.abc import Callable
from pathlib import Path

import neomutt
from conftest import MaildSetup, Received, SmtpSink, running
from mails import mail

FORWARDS = Path(__file__).parent / "data" / "forwards"
DANA = "dana@bath.example.ac.uk"


def wait(condition: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def notification(sink: SmtpSink, number: int, to: str = "alice@example.com") -> Received:
    tag = f"[#{number}]"
    found: list[Received] = []
    wait(lambda: found.extend(r for r in sink.to(to) if tag in r.message["Subject"]
                              and r.message["Reply-To"] and "+t" in r.message["Reply-To"]) or found,
         f"the notification of ticket {number} to {to}")
    return found[0]


def text(received: Received) -> str:
    return received.message.get_body(("plain",)).get_content()


def start_address_in(received: Received) -> str:
    found = re.search(r"helpdesk\+t0\.s-[a-z]+\.[a-z2-7]{12}@example\.com", text(received))
    assert found, "the notification lists no address for starting tickets"
    return found.group(0)


def customer_mail(setup: MaildSetup, subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:
        client.send_message(mail(subject=subject))


def ticket_count(setup: MaildSetup, n: int) -> Callable[[], bool]:
    return lambda: len(setup.json("tickets")) >= n


def test_neomutt_forwards_become_tickets_and_merge_moves_the_customers_replies(
        tmp_path: Path, smtp_sink: SmtpSink) -> None:
    home = tmp_path / "alice"
    with running(tmp_path / "maild", smtp_sink, "") as setup:
        customer_mail(setup, "Placement report shows the wrong dates")
        start = start_address_in(notification(smtp_sink, 1))

        # 2: NeoMutt's own inline forward of Dana's mail, to Alice's start address.
        inline = (FORWARDS / "neomutt-inline.txt").read_text()
        headers = f"From: Alice Engineer <alice@example.com>\nTo: {start}\n"
        subject = "Timetable export fails for all departments"
        neomutt.send(home, setup.smtp_port, f"{headers}Subject: [{DANA}: {subject}]\n\n{inline}")
        # 3: the same mail forwarded as an attachment (`-a customer.eml`: message/rfc822).
        neomutt.send(home, setup.smtp_port,
                     f"{headers}Subject: Fwd: {subject}\n\n#priority 2\n\nFor the helpdesk.\n",
                     attachments=(FORWARDS / "customer.eml",))
        wait(ticket_count(setup, 3), "three tickets")
        for number, priority in ((2, 3), (3, 2)):
            ticket = setup.json("ticket", str(number))
            assert (ticket["requester"], ticket["organisation"]) == (DANA, "uni-bath")
            assert ticket["assignee"] == "alice"
            assert ticket["subject"] == "Timetable export fails for all departments"
            assert ticket["priority"] == priority
            first = ticket["messages"][0]
            assert first["from"] == DANA and "stops at 40%" in first["text"]
            assert first["created_at"] == "2026-12-04T16:12:09Z"
        def acknowledgements() -> list[Received]:
            return [r for r in smtp_sink.to(DANA) if "[#2]" in r.message["Subject"]]

        wait(acknowledgements, "Dana's acknowledgement")
        [ack] = acknowledgements()

        # Alice folds ticket 2 into ticket 1, replying to her notification of ticket 2 with NeoMutt.
        note = notification(smtp_sink, 2)
        quoted = "\n".join("> " + line for line in text(note).splitlines())
        neomutt.send(home, setup.smtp_port, f"From: Alice Engineer <alice@example.com>\n"
                     f"To: {note.message['Reply-To']}\nSubject: Re: {note.message['Subject']}\n"
                     f"In-Reply-To: {note.message['Message-ID']}\n"
                     f"References: {note.message['Message-ID']}\n\n"
                     f"#merge 1\n\nOn Mon, Test Helpdesk wrote:\n{quoted}\n")
        wait(lambda: setup.json("ticket", "2")["merged_into"] == 1, "ticket 2 merged into 1")

        # Dana answers ticket 2's acknowledgement: it lands on ticket 1.
        with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:
            client.send_message(mail(to=ack.message["Reply-To"],
                                     subject="Re: " + ack.message["Subject"],
                                     body="It fails for the physics department too.",
                                     In_Reply_To=ack.message["Message-ID"]),
                                to_addrs=[ack.message["Reply-To"]])
        wait(lambda: any("physics" in m["text"] for m in setup.json("ticket", "1")["messages"]),
             "Dana's reply on ticket 1")
        survivor = setup.json("ticket", "1")
        assert any("stops at 40%" in m["text"] for m in survivor["messages"])  # ticket 2's too
        assert "merged" in [e["kind"] for e in survivor["history"]]
        assert len(setup.json("tickets")) == 3  # the reply opened nothing new
        assert not any("physics" in m["text"] for m in setup.json("ticket", "2")["messages"])


def test_outlook_forward_to_the_start_address_becomes_the_customers_ticket(
        tmp_path: Path, smtp_sink: SmtpSink) -> None:
    with running(tmp_path / "maild", smtp_sink, "") as setup:
        with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:
            client.send_message(mail(subject="Login page is slow",
                                     sender="Lee Project <lee@brookes.example.ac.uk>"))
        start = start_address_in(notification(smtp_sink, 1, to="erin@example.com"))
        with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:
            outlook = (FORWARDS / "outlook.eml").read_bytes().replace(b"\n", b"\r\n")
            client.sendmail("erin@example.com", [start], outlook)
        wait(ticket_count(setup, 2), "the forwarded ticket")
        ticket = setup.json("ticket", "2")
        assert (ticket["requester"], ticket["assignee"], ticket["organisation"]) == \
            ("lee@brookes.example.ac.uk", "erin", "brookes")
        assert ticket["subject"] == "Room bookings vanish overnight"
        assert [m["direction"] for m in ticket["messages"]][:2] == ["in", "note"]
        wait(lambda: smtp_sink.to("lee@brookes.example.ac.uk")[1:], "Lee's second acknowledgement")


def test_neomutt_forward_to_the_plain_helpdesk_address_is_a_customer_mail(
        tmp_path: Path, smtp_sink: SmtpSink) -> None:
    """Without the start address (or a trusted DKIM/DMARC pass) anyone could have written it."""
    with running(tmp_path / "maild", smtp_sink, "") as setup:
        inline = (FORWARDS / "neomutt-inline.txt").read_text()
        neomutt.send(tmp_path / "alice", setup.smtp_port,
                     "From: Alice Engineer <alice@example.com>\n"
                     f"To: helpdesk@example.com\nSubject: Fwd: Timetable export fails\n\n{inline}")
        wait(ticket_count(setup, 1), "a ticket")
        wait(lambda: [r for r in smtp_sink.to("alice@example.com")
                      if "used your address without proof" in r.message["Subject"]],
             "the notice to Alice")
        assert setup.json("ticket", "1")["requester"] == "alice@example.com"
        assert smtp_sink.to(DANA) == []  # never mail to an address the mail named
