"""SMTP and LMTP listener (aiosmtpd), so an MTA or a script can deliver straight to maild.

A 250 is given only after the mail is committed; a failure of ours is a 451 (the client retries),
never a 5xx (which would bounce a mail we merely failed to store). LMTP answers once per recipient.
Processing runs on a worker thread, so the event loop keeps serving other sessions meanwhile.
With a certificate configured it offers STARTTLS (and requires it beyond loopback: 530 before).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from maild.config import SmtpInbound
from maild.errors import ListenerUnavailable, TransientError
from maild.intake import Arrival, Outcome

log = logging.getLogger("maild.smtp")

ACCEPTED = "250 2.0.0 Message accepted for delivery"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure storing the message, try again later"
SHUTTING_DOWN = "421 4.3.2 Service shutting down, try again later"

# Run off the event loop.
Accept = Callable[[Arrival], Awaitable[Outcome]]


def null_path(mail_from: str | None) -> str:
    """aiosmtpd reports `MAIL FROM:<>` as "<>"; the raw store records the null path as ""."""
    return "" if mail_from in (None, "", "<>") else mail_from


class IntakeHandler:
    """aiosmtpd handler: only the DATA hook is ours; aiosmtpd does the protocol."""

    def __init__(self, accept: Accept, protocol: str) -> None:
        self.accept = accept
        self.protocol = protocol
        self.closing = False
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.closing:
            return self._per_recipient(envelope, SHUTTING_DOWN)
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        recipients = [r.lower() for r in envelope.rcpt_tos]
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        self.in_flight += 1
        self._idle.clear()
        try:
            outcome = await self.accept(Arrival(
                content, f"{self.protocol}:{peer}",
                f"{self.protocol}:{','.join(sorted(recipients))}",
                recipients, null_path(envelope.mail_from),
            ))
        except TransientError as exc:
            log.warning("%s from %s answered 451: %s", self.protocol, peer, exc)
            return self._per_recipient(envelope, TEMPORARY_FAILURE)
        except Exception:  # noqa: BLE001 - never a 5xx or a dropped session for our own failure
            log.exception("%s from %s answered 451 after an unexpected error", self.protocol, peer)
            return self._per_recipient(envelope, TEMPORARY_FAILURE)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._idle.set()
        log.debug("%s from %s: %s", self.protocol, peer, outcome.value)
        return self._per_recipient(envelope, ACCEPTED)

    def _per_recipient(self, envelope: Envelope, status: str) -> str:
        if self.protocol == "lmtp":
            return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))
        return status

    async def drained(self) -> None:
        """Wait until no mail is being processed (called after `closing` is set)."""
        await self._idle.wait()


class ListenerTls:
    """The listener's certificate, read at start and again on SIGHUP (a renewed certificate is
    taken without a restart); each new session takes the one current when it connects."""

    def __init__(self) -> None:
        self.context: ssl.SSLContext | None = None
        self.required = False

    def load(self, smtp: SmtpInbound, base: Path) -> None:
        """Raises ListenerUnavailable naming the files when they cannot be used."""
        if not smtp.tls_cert_file or not smtp.tls_key_file:
            self.context, self.required = None, False
            return
        cert, key = base / smtp.tls_cert_file, base / smtp.tls_key_file
        try:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as exc:  # SSLError is an OSError without a strerror
            raise ListenerUnavailable(
                f"cannot use the listener's TLS certificate {cert} with key {key}: "
                f"{exc.strerror or exc}"
            ) from exc
        self.context, self.required = context, smtp.starttls_required


SD_LISTEN_FDS_START = 3


def inherited_socket() -> socket.socket | None:
    """The listening socket systemd passed in (socket activation, `systemd/maild.socket`), if
    any."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()) or int(os.environ.get("LISTEN_FDS",
                                                                              "0")) < 1:
        return None
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(name, None)  # not for our children
    return socket.socket(fileno=SD_LISTEN_FDS_START)


async def start_server(handler: IntakeHandler, host: str, port: int, max_bytes: int,
                       tls: ListenerTls | None = None) -> asyncio.Server:
    protocol_class = LMTP if handler.protocol == "lmtp" else SMTP
    tls = tls or ListenerTls()
    loop = asyncio.get_running_loop()
    inherited = inherited_socket()
    where = {"sock": inherited} if inherited else {"host": host, "port": port}
    try:
        server = await loop.create_server(
            lambda: protocol_class(handler, data_size_limit=max_bytes, enable_SMTPUTF8=True,
                                   ident="maild", tls_context=tls.context,
                                   require_starttls=tls.required),
            **where,
        )
    except OSError as exc:  # a port in use is the admin's to fix: say which, without a traceback
        raise ListenerUnavailable(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    log.info("listening for %s on %s", handler.protocol.upper(),
             f"inherited socket {inherited.getsockname()}" if inherited else f"{host}:{port}")
    return server
