"""Where outgoing mail goes: an SMTP relay, or (with no relay configured) a local Maildir."""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Protocol

from maild.config import Config, Relay
from maild.errors import DeliveryError, RelayUnavailable
from maild.runtime.tokens import TokenSource, TokenSources, TokenUnavailable

log = logging.getLogger("maild.outbox")


class Transport(Protocol):
    def __enter__(self) -> Transport: ...
    def __exit__(self, *exc: object) -> None: ...
    def deliver(self, mail_from: str, recipients: list[str], content: bytes) -> None: ...


class SmtpRelay:
    """One SMTP session to the relay per batch, opened on first use. TLS is verified unless the
    config says otherwise, and a relay that does not offer what the config asks for (STARTTLS, an
    OAuth2 mechanism) is an error, never a quiet step down to less."""

    def __init__(self, relay: Relay, password: str | None, base: Path,
                 tokens: TokenSource | None = None) -> None:
        self.relay = relay
        self.password = password
        self.base = base  # ca_file is relative to the config file
        self.tokens = tokens
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpRelay:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
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
        where = f"relay {r.host}:{r.port}"
        smtp: smtplib.SMTP | None = None
        try:
            context = (
                tls_context(r.verify, r.ca_file, self.base, where) if r.tls != "none" else None
            )
            if r.tls == "implicit":
                smtp = smtplib.SMTP_SSL(r.host, r.port, timeout=r.timeout, context=context)
            else:
                smtp = smtplib.SMTP(r.host, r.port, timeout=r.timeout)
                if r.tls == "starttls":
                    smtp.starttls(context=context)
            if self.tokens is not None:
                self._oauth2_login(smtp)
            elif r.user:
                smtp.login(r.user, self.password or "")
        except RelayUnavailable:
            _close(smtp)
            raise
        except ssl.SSLCertVerificationError as exc:  # say why, not just "unreachable"
            _close(smtp)
            trusted = (
                f"ca_file {self.base / r.ca_file}" if r.ca_file else "the system's CAs (no ca_file)"
            )
            raise RelayUnavailable(f"TLS certificate of {where} not trusted: {exc.verify_message}; "
                                   f"checked against {trusted}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            _close(smtp)
            raise RelayUnavailable(f"{where} does not offer STARTTLS (tls: starttls); "
                                   "not sending in plain text") from exc
        except smtplib.SMTPAuthenticationError as exc:
            _close(smtp)
            raise RelayUnavailable(f"{where} refused login as {r.user}: {exc.smtp_code} "
                                   f"{_said(exc.smtp_error)}") from exc
        except TokenUnavailable as exc:
            _close(smtp)
            raise RelayUnavailable(f"{where}: no token for {r.user}: {exc}") from exc
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            _close(smtp)
            raise RelayUnavailable(f"{where} unreachable: {exc}") from exc
        return smtp

    def _oauth2_login(self, smtp: smtplib.SMTP) -> None:
        """XOAUTH2 or OAUTHBEARER with the cached token; once more with a fresh one if refused."""
        assert self.tokens is not None and self.relay.user
        mechanism = self._mechanism(smtp)
        try:
            smtp.auth(mechanism, _oauth2_response(mechanism, self.relay, self.tokens.token()))
        except smtplib.SMTPAuthenticationError:
            log.info("relay %s refused the token; running oauth2_command again", self.relay.host)
            try:
                smtp.auth(mechanism, _oauth2_response(mechanism, self.relay, self.tokens.refresh()))
            except smtplib.SMTPAuthenticationError as exc:
                self.tokens.refused(f"relay {self.relay.host} refused a fresh token for "
                                    f"{self.relay.user}: {exc.smtp_code} {_said(exc.smtp_error)}")
                raise
        self.tokens.accepted()

    def _mechanism(self, smtp: smtplib.SMTP) -> str:
        smtp.ehlo_or_helo_if_needed()
        offered = smtp.esmtp_features.get("auth", "").upper().split()
        wanted = (["OAUTHBEARER", "XOAUTH2"] if self.relay.oauth2_mechanism == "auto"
                  else [self.relay.oauth2_mechanism.upper()])
        for mechanism in wanted:
            if mechanism in offered:
                return mechanism
        raise RelayUnavailable(f"relay {self.relay.host}:{self.relay.port} offers AUTH "
                               f"{' '.join(offered) or '(none)'}, not {' or '.join(wanted)}")

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


def tls_context(verify: bool, ca_file: str | None, base: Path, where: str) -> ssl.SSLContext:
    """Verifying by default, against `ca_file` (relative to the config file) or the system's CAs."""
    path = base / ca_file if ca_file else None
    try:
        context = ssl.create_default_context(cafile=str(path) if path else None)
    except OSError as exc:  # ssl.SSLError too: not PEM; else its message would not name the file
        raise RelayUnavailable(f"{where}: ca_file {path} unusable: {exc.strerror or exc}") from exc
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _oauth2_response(mechanism: str, relay: Relay, token: str) -> Callable[[bytes | None], str]:
    """smtplib's authobject: the initial response, then an empty one (XOAUTH2) or a lone ^A
    (OAUTHBEARER, RFC 7628 3.2.3) to a failure challenge, after which the server answers 535."""
    if mechanism == "XOAUTH2":
        initial = f"user={relay.user}\x01auth=Bearer {token}\x01\x01"
        after = ""
    else:
        initial = (f"n,a={relay.user},\x01host={relay.host}\x01port={relay.port}"
                   f"\x01auth=Bearer {token}\x01\x01")
        after = "\x01"
    return lambda challenge=None: initial if challenge is None else after


def _said(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        smtp.close()


def _refusal(refused: dict[str, tuple[int, bytes]], partial: bool) -> DeliveryError:
    """All recipients refused, or (partial) only some: then the others already have the mail."""
    permanent = all(code >= 500 for code, _ in refused.values())
    detail = "; ".join(f"{rcpt}: {code} {msg.decode(errors='replace')}" for rcpt, (
        code, msg) in refused.items())
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
        envelope = (f"Return-Path: <{mail_from}>\r\n"
                    f"X-Original-To: {', '.join(recipients)}\r\n").encode()
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


def transport_for(config: Config, tokens: TokenSources | None = None) -> Transport:
    """The relay when one is configured, else the local Maildir. `tokens` keeps OAuth2 tokens
    from one batch to the next; without it each batch runs the token command afresh."""
    relay = config.main.outbound.relay
    if relay is None:
        return MaildirDrop(config.maildir)
    if relay.oauth2_command:
        source = (tokens or TokenSources()).source(config, relay.oauth2_command)
        return SmtpRelay(relay, None, config.path.parent, source)
    return SmtpRelay(relay, config.relay_password(), config.path.parent)
