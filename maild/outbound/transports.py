"""Where outgoing mail goes: an SMTP relay, or (with no relay configured) a local Maildir."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Protocol

from maild.config import Config, Relay
from maild.errors import DeliveryError, RelayUnavailable


class Transport(Protocol):
    def __enter__(self) -> Transport: ...
    def __exit__(self, *exc: object) -> None: ...
    def deliver(self, mail_from: str, recipients: list[str], content: bytes) -> None: ...


class SmtpRelay:
    """One SMTP session to the relay per batch, opened on first use."""

    def __init__(self, relay: Relay, password: str | None) -> None:
        self.relay = relay
        self.password = password
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpRelay:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _drop(self) -> None:
        """The session's state is unknown after an error: close it; the next mail starts afresh."""
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        r = self.relay
        smtp: smtplib.SMTP | None = None
        try:
            if r.tls == "implicit":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(r.host, r.port, timeout=r.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(r.host, r.port, timeout=r.timeout)
                if r.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if r.user:
                smtp.login(r.user, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close() if smtp else None
            raise RelayUnavailable(f"relay {r.host}:{r.port} refused login: {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            smtp.close() if smtp else None
            raise RelayUnavailable(f"relay {r.host}:{r.port} unreachable: {exc}") from exc
        return smtp

    def deliver(self, mail_from: str, recipients: list[str], content: bytes) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.sendmail(mail_from, recipients, content)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refusal(exc.recipients, partial=False) from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(f"relay answered {exc.smtp_code} {exc.smtp_error!r}",
                                permanent=exc.smtp_code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise RelayUnavailable(f"relay connection lost: {exc}") from exc
        if refused:
            raise _refusal(refused, partial=True)


def _refusal(refused: dict[str, tuple[int, bytes]], partial: bool) -> DeliveryError:
    """All recipients refused, or (partial) only some: then the others already have the mail."""
    permanent = all(code >= 500 for code, _ in refused.values())
    detail = "; ".join(f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (code, msg) in refused.items())
    codes = {rcpt: code for rcpt, (code, _) in refused.items()} if partial else None
    return DeliveryError(f"recipients refused: {detail}", permanent=permanent, refused=codes)


class MaildirDrop:
    """Writes each mail into a Maildir's new/ (tmp, fsync, rename, fsync the folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> MaildirDrop:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def deliver(self, mail_from: str, recipients: list[str], content: bytes) -> None:
        name = f"{time.time():.6f}.{uuid.uuid4().hex}.{socket.gethostname()}"
        tmp, new = self.path / "tmp" / name, self.path / "new" / name
        envelope = f"Return-Path: <{mail_from}>\r\nX-Original-To: {', '.join(recipients)}\r\n".encode()
        try:
            with open(tmp, "wb") as handle:
                handle.write(envelope + content)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(tmp, new)
            folder = os.open(self.path / "new", os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError as exc:
            raise RelayUnavailable(f"cannot write to {self.path}: {exc.strerror}") from exc


def transport_for(config: Config) -> Transport:
    """The relay when one is configured, else the local Maildir."""
    relay = config.main.outbound.relay
    if relay is None:
        return MaildirDrop(config.maildir)
    return SmtpRelay(relay, config.relay_password())
