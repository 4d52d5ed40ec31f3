"""The few named outcomes and errors maild raises; each is handled in one place."""

from __future__ import annotations


class MaildError(Exception):
    """Base class of every error maild raises on purpose."""


class ConfigError(MaildError):
    """The configuration is invalid; `messages` holds one `file:line: key: message` per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


class TransientError(MaildError):
    """A failure that may go away by itself (database locked or unreachable, disk full).

    Channels answer it with a temporary failure (SMTP 451, exit 75) so the sender retries.
    """


class HeldElsewhere(TransientError):
    """Another maild host is processing this very mail right now (several hosts on one database).

    It will be committed there: an IMAP channel leaves it for that host to confirm and goes on with
    the next mail; SMTP answers 451 and the pipe exits 75, as for any other temporary failure.
    """


class Quarantine(MaildError):
    """A pipeline step decided this mail cannot be processed; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryError(MaildError):
    """Outgoing delivery failed. `permanent` is True for a 5xx answer: retrying will not help."""

    def __init__(self, message: str, permanent: bool = False, refused: dict[
        str, int] | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.refused = refused  # recipient -> SMTP code, when only some recipients were refused


class RelayUnavailable(DeliveryError):
    """The relay was unreachable or refused the session: every queued mail waits, none fails."""


class ListenerUnavailable(MaildError):
    """The configured SMTP/LMTP address cannot be bound: in use, or not ours to bind."""
