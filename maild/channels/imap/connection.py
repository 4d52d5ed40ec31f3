"""IMAP connection (imapclient): connect, TLS, log in, and what failures the watcher is told.

Every failure to reach or log in to a mailbox becomes MailboxUnavailable; `auth` says the login
itself was refused (wrong password, an expired OAuth2 grant), so the watcher waits longer.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from maild.config import ImapMailbox
from maild.errors import MaildError
from maild.runtime.tokens import TokenSource

log = logging.getLogger("maild.imap")


class MailboxUnavailable(MaildError):
    """The mailbox could not be reached or refused us; the watcher backs off and tries again."""

    def __init__(self, message: str, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


def connect(mailbox: ImapMailbox, base: Path, tokens: TokenSource | None = None) -> IMAPClient:
    """An authenticated client; raises MailboxUnavailable (auth=True when the login was refused).
    `tokens` keeps the OAuth2 token between connections; without it the command runs each time.
    A refused token is asked for afresh once, on a new connection (servers hang up after it)."""
    if mailbox.oauth2_command and tokens is None:
        tokens = TokenSource(mailbox.oauth2_command, f"mailbox {mailbox.name}", base)
    try:
        return _logged_in(_opened(mailbox, base), mailbox, base, tokens, fresh=False)
    except LoginError:
        assert tokens is not None  # a refused password is raised as MailboxUnavailable at once
        log.info("%s: the server refused the token; running oauth2_command again", mailbox.name)
    try:
        client = _logged_in(_opened(mailbox, base), mailbox, base, tokens, fresh=True)
    except LoginError as exc:
        tokens.refused(f"IMAP {mailbox.host} refused a fresh token for {mailbox.user}: {exc}")
        raise MailboxUnavailable(f"login as {mailbox.user} refused: {exc}", auth=True) from exc
    return client


def _opened(mailbox: ImapMailbox, base: Path) -> IMAPClient:
    try:
        client = IMAPClient(
            mailbox.host,
            port=mailbox.port,
            ssl=mailbox.tls == "implicit",
            ssl_context=_tls_context(mailbox, base),
            timeout=SocketTimeout(connect=mailbox.timeout_seconds, read=mailbox.timeout_seconds),
        )
        if mailbox.tls == "starttls":
            client.starttls(_tls_context(mailbox, base))
    except ssl.SSLCertVerificationError as exc:  # say so, not just "cannot connect"
        trusted = (
            f"ca_file {mailbox.ca_file}" if mailbox.ca_file else "the system's CAs (no ca_file)"
        )
        raise MailboxUnavailable(f"TLS certificate of {mailbox.host}:{mailbox.port} not trusted: "
                                 f"{exc.verify_message}; checked against {trusted}") from exc
    except (OSError, IMAPClientError, ssl.SSLError) as exc:
        raise MailboxUnavailable(f"cannot connect to {mailbox.host}:{mailbox.port}: {exc}") from exc
    return client


def _logged_in(client: IMAPClient, mailbox: ImapMailbox, base: Path, tokens: TokenSource | None,
               fresh: bool) -> IMAPClient:
    """`client` after LOGIN or XOAUTH2; a refused token is raised as LoginError (closed)."""
    try:
        if tokens is not None:
            client.oauth2_login(mailbox.user, tokens.refresh() if fresh else tokens.token())
            tokens.accepted()
        else:
            client.login(mailbox.user, mailbox.read_password(base) or "")
    except LoginError as exc:
        close(client)
        if tokens is not None:
            raise
        raise MailboxUnavailable(f"login as {mailbox.user} refused: {exc}", auth=True) from exc
    except MaildError as exc:  # the password file or token command failed
        close(client)
        raise MailboxUnavailable(f"no credentials for {mailbox.user}: {exc}", auth=True) from exc
    except (OSError, IMAPClientError) as exc:
        close(client)
        raise MailboxUnavailable(f"login failed: {exc}") from exc
    return client


def _tls_context(mailbox: ImapMailbox, base: Path) -> ssl.SSLContext | None:
    if mailbox.tls == "none":
        return None
    ca_file = base / mailbox.ca_file if mailbox.ca_file else None
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except OSError as exc:  # ssl.SSLError too: not PEM; else its message would not name the file
        raise MailboxUnavailable(f"ca_file {ca_file} unusable: {exc.strerror or exc}") from exc
    if not mailbox.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def close(client: IMAPClient) -> None:
    """Log out, or at least drop the connection; never raises."""
    try:
        client.logout()
    except (OSError, IMAPClientError):
        try:
            client.shutdown()
        except (OSError, IMAPClientError):
            pass
