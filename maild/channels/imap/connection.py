"""IMAP connection (imapclient): connect, TLS, log in, and what failures the watcher is told.

Every failure to reach or log in to a mailbox becomes MailboxUnavailable; `auth` says the login
itself was refused (wrong password, an expired OAuth2 grant), so the watcher waits longer.
"""

from __future__ import annotations

import shlex
import ssl
import subprocess
from pathlib import Path

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from maild.config import ImapMailbox
from maild.errors import MaildError


class MailboxUnavailable(MaildError):
    """The mailbox could not be reached or refused us; the watcher backs off and tries again."""

    def __init__(self, message: str, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


def connect(mailbox: ImapMailbox, base: Path) -> IMAPClient:
    """An authenticated client; raises MailboxUnavailable (auth=True when the login was refused)."""
    try:
        client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.tls == "implicit",
                            ssl_context=_tls_context(mailbox, base),
                            timeout=SocketTimeout(connect=mailbox.timeout_seconds,
                                                  read=mailbox.timeout_seconds))
        if mailbox.tls == "starttls":
            client.starttls(_tls_context(mailbox, base))
    except ssl.SSLCertVerificationError as exc:  # say so, not just "cannot connect"
        trusted = (f"ca_file {mailbox.ca_file}" if mailbox.ca_file
                   else "the system's CAs (no ca_file)")
        raise MailboxUnavailable(f"TLS certificate of {mailbox.host}:{mailbox.port} not trusted: "
                                 f"{exc.verify_message}; checked against {trusted}") from exc
    except (OSError, IMAPClientError, ssl.SSLError) as exc:
        raise MailboxUnavailable(f"cannot connect to {mailbox.host}:{mailbox.port}: {exc}") from exc
    try:
        if mailbox.oauth2_command:
            client.oauth2_login(mailbox.user, _oauth2_token(mailbox.oauth2_command))
        else:
            client.login(mailbox.user, mailbox.read_password(base) or "")
    except LoginError as exc:
        close(client)
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


def _oauth2_token(command: str) -> str:
    """Run the configured token command (as mbsync's PassCmd); its first output line is the
    token."""
    try:
        argv = shlex.split(command)
        if not argv:  # subprocess would raise IndexError, which nothing here expects
            raise ValueError("the command is blank")
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise MaildError(f"oauth2_command failed: {exc}") from exc
    if result.returncode != 0:  # its last stderr line usually says why (expired grant, no network)
        said = result.stderr.strip().splitlines()[-1:]
        reason = f": {said[0][:300]}" if said else " (it printed nothing on stderr)"
        raise MaildError(f"oauth2_command failed: {argv[0]} exit status "
                         f"{result.returncode}{reason}")
    token = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    if not token:
        raise MaildError("oauth2_command printed no token")
    return token


def close(client: IMAPClient) -> None:
    """Log out, or at least drop the connection; never raises."""
    try:
        client.logout()
    except (OSError, IMAPClientError):
        try:
            client.shutdown()
        except (OSError, IMAPClientError):
            pass
