"""A whole conversation through `maild run`: SMTP in, IMAP in (a real Dovecot), SMTP out (a real
sink)."""

from __future__ import annotations

from email.message import EmailMessage

from conftest import Daemon, MaildSetup, SmtpSink
from dovecot import Dovecot
from helpers import send, wait_until
from mails import mail


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def quoting(message: EmailMessage, answer: str, **kwargs: str) -> EmailMessage:
    """A reply as a mail client writes it: to the Reply-To, threaded, quoting the whole mail."""
    quoted = "\n".join("> " + line for line in text_of(message).splitlines())
    return mail(to=message["Reply-To"], subject="Re: " + message["Subject"],
                In_Reply_To=message["Message-ID"], References=message["Message-ID"],
                body=f"{answer}\n\nOn Mon, 23 Nov 2026 at 10:02, Test Helpdesk "
                     f"<helpdesk@example.com> wrote:\n{quoted}\n",
                **kwargs)


def test_customer_staff_round_trip(imap_setup: MaildSetup, dovecot: Dovecot,
                                   smtp_sink: SmtpSink) -> None:
    alice = "Alice Engineer <alice@example.com>"
    daemon = Daemon(imap_setup)
    daemon.start()
    try:
        wait_until(lambda: "watching INBOX" in daemon.log.read_text())
        original = mail(body="Since this morning every placement starts a day late.")
        send(imap_setup.smtp_port, original)
        [note] = smtp_sink.wait_to("alice@example.com", 1)
        assert "every placement starts a day late" in text_of(note.message)

        # Alice answers from her mail client, with a command on the first line.
        send(imap_setup.smtp_port, quoting(note.message, "#priority 2\nHello Dana, we are on it.",
                                           sender=alice))
        [answer] = [r for r in smtp_sink.wait_to("dana@bath.example.ac.uk",
                                                 2) if r.mail_from != "<>"]
        number = imap_setup.json("tickets")[0]["number"]
        assert answer.message[
            "Subject"] == f"[#{number}] Re: Placement report shows the wrong dates"
        assert answer.message["In-Reply-To"] == original["Message-ID"]
        assert text_of(answer.message).startswith("Hello Dana, we are on it.\n")
        assert imap_setup.json("tickets")[0]["priority"] == 2

        # Dana's reply reaches the helpdesk mailbox and comes in over IMAP.
        dovecot.append([quoting(answer.message, "Thanks, here is a screenshot.").as_bytes()])
        # Her first reply came through her signed address alone: she was told of its command too.
        [_, told, reply_note] = smtp_sink.wait_to("alice@example.com", 3)
        assert "commands applied" in told.message["Subject"]
        assert reply_note.message["Subject"].startswith(f"[#{number}] Customer reply")
        assert "here is a screenshot" in text_of(reply_note.message)

        # Alice resolves; Dana is told; Dana answers that; the ticket reopens and she is told.
        send(imap_setup.smtp_port, quoting(reply_note.message, "#resolve", sender=alice))
        resolved = smtp_sink.wait_to("dana@bath.example.ac.uk", 3)[-1]
        assert resolved.message[
            "Subject"] == f"[#{number}] Resolved: Placement report shows the wrong dates"
        assert imap_setup.json("tickets")[0]["status"] == "resolved"
        send(imap_setup.smtp_port, quoting(resolved.message, "It is still wrong for two students."))
        reopened = smtp_sink.wait_to("dana@bath.example.ac.uk", 4)[-1]
        assert reopened.message[
            "Subject"] == f"[#{number}] Reopened: Placement report shows the wrong dates"
        wait_until(lambda: imap_setup.json("tickets")[0]["status"] == "open")

        conversation = imap_setup.json("ticket", str(number))
        incoming = [m["text"] for m in conversation["messages"] if m["direction"] == "in"]
        assert incoming == ["Since this morning every placement starts a day late.",
                            "Thanks, here is a screenshot.", "It is still wrong for two students."]
        kinds = [e["kind"] for e in conversation["history"]]
        assert kinds.index("priority") < kinds.index("answered") < kinds.index(
            "status") < kinds.index("reopened")
        assert len(imap_setup.json("tickets")) == 1
        to_dana = [r.message["Subject"].split("] ")[1].split(":")[0] for r in smtp_sink.received
                   if "dana@bath.example.ac.uk" in r.rcpt_tos]
        assert to_dana == ["Placement report shows the wrong dates", "Re", "Resolved", "Reopened"]
    finally:
        assert daemon.stop() == 0
