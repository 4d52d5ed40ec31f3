"""`Arrival`: what a channel hands to intake for one inbound mail, as one value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Arrival:
    """The raw bytes of one mail and where they came from.

    `source` is the channel's dedupe key (`imap:<mailbox>:<folder>:<uidvalidity>:<uid>`, `pipe`),
    `scope` what a copy of the same mail counts as another delivery by (a mailbox, the
    recipients), `envelope_from` None when the channel has no envelope, "" for the null sender.
    """

    content: bytes
    source: str
    scope: str
    recipients: Sequence[str] = ()
    envelope_from: str | None = None
    route_defaults: Mapping[str, str] = field(default_factory=dict)  # queue/kind by where it came

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipients", tuple(self.recipients))
