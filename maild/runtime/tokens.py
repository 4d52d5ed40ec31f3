"""OAuth2 access tokens from a configured `oauth2_command`, for the IMAP mailboxes and the relay.

The command (as mbsync's PassCmd) prints JSON with `access_token` and `expires_in`, or a bare
token on its first line. A token is kept until shortly before it expires; after a server refused
it the caller asks for `refresh()` once before backing off. The command's stderr is logged (with
the token blanked out), the token never. Each source reports its health as it changes, so the
daemon can record it for `maild status` and the alerts.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from maild import defaults
from maild.config import Config
from maild.errors import MaildError

log = logging.getLogger("maild.tokens")

# (label, error or None once it works again): told only when the state changes.
StateChange = Callable[[str, str | None], None]


class TokenUnavailable(MaildError):
    """The token command failed, timed out, or printed no token."""


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # on the source's clock


class TokenSource:
    """One token command. Thread-safe: a watcher thread and the sender may ask at once."""

    def __init__(self, command: str, label: str, base: Path, on_state: StateChange | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.command = command
        self.label = label
        self.base = base  # the command runs here, so a relative path in it is the config's
        self.on_state = on_state
        self.clock = clock
        self.runs = 0
        self._cached: Token | None = None
        self._failing: bool | None = None  # None: not known yet
        self._lock = threading.Lock()

    def token(self) -> str:
        """The cached token while it is good, else a fresh one from the command."""
        with self._lock:
            if self._cached is not None and self.clock() < self._cached.expires_at:
                return self._cached.value
            return self._run()

    def refresh(self) -> str:
        """A fresh token, after a server refused the cached one."""
        with self._lock:
            self._cached = None
            return self._run()

    def accepted(self) -> None:
        """A server took the token: the source is healthy."""
        self._state(None)

    def refused(self, reason: str) -> None:
        """A server refused even a fresh token (revoked grant, wrong account): report it."""
        with self._lock:
            self._cached = None
        self._state(reason)

    def _run(self) -> str:
        try:
            token = self._from_command()
        except TokenUnavailable as exc:
            self._state(str(exc))
            raise
        self._cached = token
        return token.value

    def _from_command(self) -> Token:
        self.runs += 1
        try:
            argv = shlex.split(self.command)
            if not argv:  # subprocess would raise IndexError, which nothing here expects
                raise ValueError("the command is blank")
            result = subprocess.run(argv, capture_output=True, text=True, cwd=self.base,
                                    timeout=defaults.TOKEN_COMMAND_TIMEOUT_SECONDS)
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            raise TokenUnavailable(f"oauth2_command failed: {exc}") from exc
        unparsed: TokenUnavailable | None = None
        try:
            token = parse_output(result.stdout, self.clock())
        except TokenUnavailable as exc:
            token, unparsed = None, exc
        stderr = _blanked(result.stderr, token.value if token else "")
        self._log_stderr(stderr, result.returncode)
        if (
            result.returncode != 0
        ):  # its last stderr line usually says why (expired grant, no network)
            said = stderr.strip().splitlines()[-1:]
            reason = f": {said[0][:300]}" if said else " (it printed nothing on stderr)"
            raise TokenUnavailable(f"oauth2_command failed: {argv[0]} exit status "
                                   f"{result.returncode}{reason}")
        if unparsed is not None:
            raise unparsed
        if token is None:
            raise TokenUnavailable("oauth2_command printed no token")
        return token

    def _log_stderr(self, stderr: str, returncode: int) -> None:
        level = logging.WARNING if returncode else logging.INFO
        for line in stderr.strip().splitlines():
            log.log(level, "%s: oauth2_command said: %s", self.label, line[:500])

    def _state(self, error: str | None) -> None:
        failing = error is not None
        if failing == self._failing:
            return
        self._failing = failing
        if failing:
            log.error("%s: no usable OAuth2 token: %s", self.label, error)
        elif self.runs:
            log.info("%s: OAuth2 token accepted", self.label)
        if self.on_state is not None:
            try:
                self.on_state(self.label, error)
            except Exception:  # noqa: BLE001 - recording health must never stop a login
                log.exception("%s: could not record the token's state", self.label)


def parse_output(stdout: str, now: float) -> Token | None:
    """JSON with `access_token` (and `expires_in`), or a bare token on the first line."""
    text = stdout.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise TokenUnavailable("oauth2_command printed JSON that does not parse") from None
        value = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise TokenUnavailable("oauth2_command printed JSON without an access_token")
        return Token(value.strip(), now + _lifetime(data.get("expires_in")))
    return Token(text.splitlines()[0].strip(), now + defaults.TOKEN_BARE_SECONDS)


def _lifetime(expires_in: object) -> float:
    """How long to keep a token: until a margin before it expires (not at all when it is short)."""
    try:
        seconds = float(expires_in)  # type: ignore[arg-type]  # providers send a number or a string
    except (TypeError, ValueError):
        return defaults.TOKEN_BARE_SECONDS
    return max(0.0, seconds - defaults.TOKEN_EXPIRY_MARGIN_SECONDS)


def _blanked(text: str, token: str) -> str:
    return text.replace(token, "[token]") if token else text


def token_users(config: Config) -> dict[str, str]:
    """Each configured token command and who uses it ("relay, mailbox helpdesk"): its label."""
    users: dict[str, list[str]] = {}
    relay = config.main.outbound.relay
    if relay is not None and relay.oauth2_command:
        users.setdefault(relay.oauth2_command, []).append("relay")
    for mailbox in config.main.inbound.imap:
        if mailbox.oauth2_command:
            users.setdefault(mailbox.oauth2_command, []).append(f"mailbox {mailbox.name}")
    return {command: ", ".join(names) for command, names in users.items()}


class TokenSources:
    """One source per distinct command: a mailbox and the relay sharing a helper share its token,
    and a source outlives the connections (and the config reloads) that use it."""

    def __init__(self, on_state: StateChange | None = None) -> None:
        self.on_state = on_state
        self._sources: dict[str, TokenSource] = {}
        self._lock = threading.Lock()

    def source(self, config: Config, command: str) -> TokenSource:
        label = token_users(config).get(command, command)
        with self._lock:
            found = self._sources.get(command)
            if found is None or found.base != config.path.parent:
                found = TokenSource(command, label, config.path.parent, self.on_state)
                self._sources[command] = found
            found.label = label
            return found
