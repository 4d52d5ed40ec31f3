"""The SMTP listener against hostile clients (RELIABILITY.md X12, X9), over raw sockets to a real
`maild run`: what a client writes is exactly what the listener reads, with nothing smoothed over
by a client library (smtplib would escape the dots and fix the line ends we want to send broken)."""

from __future__ import annotations

import socket
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import Daemon, MaildSetup, free_port, write_config
from maild.config import SmtpInbound

DANA = "dana@bath.example.ac.uk"
ENVELOPE = (f"EHLO client.example\r\nMAIL FROM:<{DANA}>\r\n"
            "RCPT TO:<helpdesk@example.com>\r\nDATA\r\n")


def headers(subject: str, message_id: str, sender: str = f"Dana <{DANA}>") -> str:
    return (f"From: {sender}\r\nTo: helpdesk@example.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <{message_id}@bath.example.ac.uk>\r\n\r\n")


class Session:
    """One raw SMTP connection: send bytes as they are, read the replies that come back."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""
        assert self.reply().startswith("220")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> str:
        """One whole reply, its continuation lines (`250-...`) included."""
        lines = []
        while True:
            line = self._line()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return "\n".join(lines)

    def replies(self, count: int) -> list[str]:
        return [self.reply() for _ in range(count)]

    def close(self) -> None:
        self.sock.close()

    def _line(self) -> str:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed, unanswered: {self.buffer!r}")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line.decode()


def codes(replies: list[str]) -> list[str]:
    return [r[:3] for r in replies]


def test_the_installed_aiosmtpd_has_the_smuggling_and_starttls_fixes() -> None:
    """pyproject.toml pins aiosmtpd>=1.4.6 (CVE-2024-27305 fixed in 1.4.5, CVE-2024-34083 in 1.4.6);
    this catches an environment installed around the pin."""
    assert tuple(int(p) for p in version("aiosmtpd").split(".")[:3]) >= (1, 4, 6)


@pytest.mark.parametrize("smuggled_end", ["\n.\n", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r"],
                         ids=["LF.LF", "CRLF.LF", "LF.CRLF", "CR.CRLF", "CRLF.CR"])
def test_a_message_smuggled_after_a_bare_line_end_dot_is_not_a_second_mail(
        setup: MaildSetup, daemon: Daemon, smuggled_end: str) -> None:
    """CVE-2023-51764 style: only CR LF . CR LF ends DATA; anything else is the first mail's text,
    so the boss's mail written after it never becomes a mail of its own."""
    smuggled = (
        f"{smuggled_end}MAIL FROM:<boss@example.com>\r\nRCPT TO:<helpdesk@example.com>\r\nDATA\r\n"
                + headers("smuggled", "smuggled",
                          "Boss <boss@example.com>") + "Pay the invoice.\r\n")
    session = Session(setup.smtp_port)
    # All at once, as the attacker's relay would pipeline it.
    session.send((ENVELOPE + headers("first",
                                     "first") + "Hello" + smuggled + "\r\n.\r\nQUIT\r\n").encode())
    answers = session.replies(6)
    session.close()
    assert codes(answers) == ["250", "250", "250", "354", "250", "221"], answers
    [ticket] = setup.json("tickets")
    assert (ticket["subject"], ticket["requester"]) == ("first", DANA)
    # The would-be second mail is stored, as text of the first: nothing dropped, nothing injected.
    [message] = setup.json("ticket", str(ticket["number"]))["messages"][:1]
    assert "Pay the invoice." in message["text"]


def test_starttls_is_not_offered_and_pipelined_commands_after_it_gain_nothing(
        setup: MaildSetup, daemon: Daemon) -> None:
    """The listener has no TLS setting (it is meant for loopback: an MTA on the same host), so it
    offers no STARTTLS and refuses the command; CVE-2024-34083 (commands pipelined behind STARTTLS
    executed inside the TLS session) cannot arise. Commands pipelined behind the refusal are
    answered in the same plain session, exactly as if sent one by one."""
    session = Session(setup.smtp_port)
    session.send(b"EHLO client.example\r\n")
    assert "STARTTLS" not in session.reply().upper()
    session.send(f"STARTTLS\r\nMAIL FROM:<{DANA}>\r\n"
                 "RCPT TO:<helpdesk@example.com>\r\nRSET\r\nQUIT\r\n".encode())
    answers = session.replies(5)
    session.close()
    assert answers[0] == "454 TLS not available", answers
    assert codes(answers[1:]) == ["250", "250", "250", "221"], answers
    assert setup.json("tickets") == []


def test_a_command_line_over_1000_octets_is_refused_with_500(setup: MaildSetup,
                                                             daemon: Daemon) -> None:
    """RFC 5321 4.5.3.1.4: 512 octets for a command line, 1000 with ESMTP parameters (aiosmtpd's
    limit for MAIL); past it a 500, and the session goes on."""
    session = Session(setup.smtp_port)
    session.send(b"EHLO client.example\r\n")
    session.reply()
    session.send(f"MAIL FROM:<{'a' * 1000}@bath.example.ac.uk>\r\nNOOP\r\nQUIT\r\n".encode())
    answers = session.replies(3)
    session.close()
    assert answers[0] == "500 Command line too long", answers
    assert codes(answers[1:]) == ["250", "221"]


def over_the_limit(session: Session, size: int) -> str:
    """DATA of `size` bytes, with no SIZE parameter on MAIL (so the limit is met at DATA), sent in
    chunks so neither side holds it all at once."""
    session.send(ENVELOPE.encode())
    assert codes(session.replies(4)) == ["250", "250", "250", "354"]
    session.send(headers("huge", f"huge-{size}").encode())
    line = b"x" * 998 + b"\r\n"
    chunk = line * 1000
    for _ in range(size // len(chunk) + 1):
        session.send(chunk)
    session.send(b".\r\n")
    return session.reply()


def test_data_over_the_size_limit_is_refused_with_552_and_makes_no_ticket(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, relay_port=None, smtp_port=port,
                          extra="limits: {max_message_bytes: 200000}\n")
    setup = MaildSetup(tmp_path, config, port)
    daemon = Daemon(setup)
    daemon.start()
    try:
        session = Session(port)
        assert over_the_limit(session, 300_000).startswith("552")
        # The session stays usable, and mail within the limit still flows.
        session.send((f"MAIL FROM:<{DANA}>\r\nRCPT TO:<helpdesk@example.com>\r\nDATA\r\n"
                      + headers("small", "small") + "Hello\r\n.\r\nQUIT\r\n").encode())
        assert codes(session.replies(5)) == ["250", "250", "354", "250", "221"]
        session.close()
        assert [t["subject"] for t in setup.json("tickets")] == ["small"]
        assert setup.json("quarantine") == []  # refused at the door: nothing of it was stored
    finally:
        assert daemon.stop() == 0


def test_a_50_megabyte_message_is_refused_with_552_at_data(setup: MaildSetup,
                                                           daemon: Daemon) -> None:
    """The default limit (Postfix's 10,240,000 bytes); aiosmtpd discards what is past it as it
    reads, so the daemon never holds the 50 MB."""
    session = Session(setup.smtp_port)
    started = time.monotonic()
    assert over_the_limit(session, 50 * 1024 * 1024) == "552 Error: Too much mail data"
    session.send(b"QUIT\r\n")
    assert session.reply().startswith("221")
    session.close()
    assert time.monotonic() - started < 30
    assert setup.json("tickets") == [] and setup.json("quarantine") == []


def test_a_declared_size_over_the_limit_is_refused_at_mail(setup: MaildSetup,
                                                           daemon: Daemon) -> None:
    """A client that says the size up front (RFC 1870) is told before it sends a byte of it."""
    session = Session(setup.smtp_port)
    session.send(f"EHLO client.example\r\nMAIL FROM:<{DANA}> SIZE=52428800\r\nQUIT\r\n".encode())
    ehlo, mail, _ = session.replies(3)
    session.close()
    assert "SIZE 10240000" in ehlo
    assert mail.startswith("552"), mail


def test_the_listener_binds_to_loopback_by_default(setup: MaildSetup, daemon: Daemon) -> None:
    """The default and the shipped config listen on 127.0.0.1, and the daemon binds exactly the
    address it is given (not every interface): from another address of this host nothing answers."""
    assert SmtpInbound().host == "127.0.0.1"
    shipped = (Path(__file__).resolve().parent.parent / "config" / "maild.yaml").read_text()
    assert 'listen: "127.0.0.1:' in shipped
    others = [a for a in {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None,
                                                                    socket.AF_INET)}
              if not a.startswith("127.")] or _outward_address()
    assert others, "no non-loopback address on this host to try"
    for address in others:
        with pytest.raises(OSError):
            socket.create_connection((address, setup.smtp_port), timeout=2).close()
    Session(setup.smtp_port).close()  # while loopback answers


def _outward_address() -> list[str]:
    """The address this host would use to reach the outside (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))
        except OSError:
            return []
        address = probe.getsockname()[0]
    return [] if address.startswith("127.") else [address]
