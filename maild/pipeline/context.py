"""The one object every pipeline step reads and fills in, and the small records it holds."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import Message as EmailMessage
from typing import Literal

from maild.runtime import Settings
from maild.runtime.directory import Author
from maild.runtime.routing import RuleResult
from maild.runtime.signing import SignedAddress
from maild.store.models import Outbox, Ticket


class Outcome(enum.Enum):
    """What became of one mail; the values are what the database and `--json` output say."""

    OPENED = "opened"
    REPLIED = "replied"
    IGNORED = "ignored"
    REDIRECTED = "redirected"
    ANSWERED = "answered"  # a status request: answered, no ticket
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class AttachmentPart:
    filename: str
    content_type: str
    payload: bytes
    content_id: str | None = None  # "<...>"
    inline: bool = False  # an image the mail's HTML shows (cid:), not a file of its own


@dataclass(frozen=True)
class ParsedMail:
    """What the steps need of a parsed mail, independent of the parsing library."""

    headers: EmailMessage
    message_id: str | None
    subject: str
    from_name: str
    from_address: str | None  # None when From is missing, malformed or holds several addresses
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    thread_ids: list[str]  # In-Reply-To then References, newest first
    text: str
    html: str | None
    attachments: list[AttachmentPart]


@dataclass(frozen=True)
class Parsed:
    """A mail checked against the limits and parsed: its ParsedMail and notes for the history,
    or why it is refused. Made by the parse step, or ahead of it in a second process."""

    mail: ParsedMail | None
    notes: tuple[str, ...] = ()
    refused: str | None = None  # a quarantine reason


@dataclass(frozen=True)
class Covering:
    """Who looks after a request while the person it is meant for is away."""

    absent: str  # name of the person away
    until: date
    by: str  # name of the person covering


@dataclass(frozen=True)
class Route:
    kind: str
    priority: int
    queue: str
    acknowledge: str | None  # template name, or None for no acknowledgement
    rule: str | None  # the deciding rule, None for the defaults
    subject: str | None = None  # replaces the ticket subject (e.g. the escalation's own subject)
    route_to: str | None = None  # account_manager, customer_services_manager, queue, or a staff key
    notify: tuple[str, ...] = ()  # staff keys or roles told at once
    tags: tuple[str, ...] = ()
    assignee: str | None = None  # staff key, once `assign` resolved route_to
    covering: Covering | None = None


@dataclass(frozen=True)
class Started:
    """A proven staff member starting a ticket: forwarding a customer's mail, writing to one with
    `#to`, or opening one of their own; the commands are run once the ticket exists."""

    staff_key: str
    how: Literal["forward", "to", "new"]
    commands: tuple = ()  # pipeline.commands.Command, checked
    note: str = ""  # the staff member's own text beside a forward: kept as an internal note
    answer: str = ""  # `#to`: the text sent to the customer
    sent_at: datetime | None = None  # the forwarded mail's own date, naive UTC
    assignee: str | None = None  # `#assign`, else the staff member themself


@dataclass(frozen=True)
class Failure:
    address: str
    status: str  # e.g. 5.1.1
    diagnostic: str


@dataclass
class DeliveryReport:
    """What a delivery status notification says, and the mail of ours it reports on."""

    original_id: str | None
    failed: list[Failure] = field(default_factory=list)  # permanent: Action failed, Status 5.x.x
    delayed: list[Failure] = field(default_factory=list)  # temporary: Action delayed, Status 4.x.x
    outbox: Outbox | None = None  # the mail of ours it reports on


@dataclass
class MailContext:
    raw_id: int
    content: bytes
    recipients: tuple[str, ...]  # envelope recipients: which of our addresses it was sent to
    envelope_from: str | None
    route_defaults: dict[str, str]  # queue/kind asked for by where the mail arrived
    settings: Settings
    now: datetime
    step: str = ""
    parsed: Parsed | None = None  # parsed ahead (channels.parse_ahead); None: the step parses
    mail: ParsedMail | None = None
    automatic: str | None = None  # why this mail must not be auto-replied to
    sender: Author | None = None
    ticket: Ticket | None = None
    route: Route | None = None
    rule_results: list[RuleResult] = field(default_factory=list)
    # unknown sender under the `redirect` policy: no ticket, a polite pointer
    redirect: bool = False
    notes: list[str] = field(default_factory=list)  # explanations kept in the history
    outcome: Outcome | None = None  # set by the step that decided what becomes of the mail
    signed: SignedAddress | None = None  # the valid signed address the mail came through
    # how a staff sender was proven (signed address, DKIM/DMARC pass)
    staff_verified: str | None = None
    impersonated: str | None = None  # staff key whose address a mail used without proof
    staff_unauthenticated: bool = False  # signed address, but no trusted DKIM/DMARC result
    proposed: list[str] = field(default_factory=list)  # Cc'd addresses nobody vouched for
    follows: int | None = None  # the closed ticket a late reply follows up
    # a delivery status notification, and the mail it reports on
    bounce: DeliveryReport | None = None
    thanks_only: bool = False  # a reply to a resolved ticket that only thanks: nobody is told
    # the message text as stored: a reply's new text, without the quoted history
    stored_text: str = ""
    # what the steps did: one log line once the mail is done
    said: list[str] = field(default_factory=list)
    finished: bool = False  # nothing more to do (a copy of a mail in hand): later steps skipped
    started: Started | None = None  # a proven staff member starts this ticket (pipeline.start)
