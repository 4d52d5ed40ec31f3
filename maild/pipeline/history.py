"""The ticket's recent conversation as a notification shows it below the new text: who wrote,
when, the first lines, newest first, and the names of the ticket's attachments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parseaddr
from typing import TYPE_CHECKING

from maild.store.models import Message
from maild.store.queries import attachment_names, recent_conversation, ticket_attachment_names

if TYPE_CHECKING:
    from maild.runtime import Settings

FIRST_LINES = 3
LINE_CHARS = 100
WHO = {"in": "", "out": "answer", "note": "internal note"}


@dataclass(frozen=True)
class Entry:
    who: str
    when: str  # office-local, as staff read it
    what: str  # "" for a customer's mail, "answer", "internal note"
    lines: list[str]
    more: bool  # the text goes on past the lines shown
    attachments: list[str]


def recent(settings: Settings, ticket: int, leave_out_raw: int | None = None) -> list[Entry]:
    """The last `conversations.notification_history` messages, without the mail being notified."""
    limit = settings.config.main.conversations.notification_history
    messages = recent_conversation(ticket, limit, leave_out_raw) if limit else []
    files = attachment_names([m.id for m in messages])
    return [_entry(settings, m, [_named(f) for f in files[m.id]]) for m in messages]


def attachments(ticket: int) -> list[str]:
    return [_named(f) for f in ticket_attachment_names(ticket)]


def _entry(settings: Settings, message: Message, files: list[str]) -> Entry:
    text = message.text.split("\n-- \n")[0].split("\n--\n")[0]  # without the signature
    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith(">")]
    shown = [line if len(line) <= LINE_CHARS else line[:LINE_CHARS - 1] + "…"
             for line in lines[:FIRST_LINES]]
    name, address = parseaddr(message.from_addr)
    return Entry(who=name or address or message.from_addr,
                 when=office_time(settings, message.created_at),
                 what=WHO.get(message.direction, ""),
                 lines=shown, more=len(lines) > FIRST_LINES, attachments=files)


def _named(file: tuple[str, int]) -> str:
    name, size = file
    return f"{name or '(unnamed)'} ({_size(size)})"


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} kB"


def office_time(settings: Settings, moment: datetime) -> str:
    """A stored (naive UTC) time as staff read it: office-local, with the weekday."""
    local = moment.replace(tzinfo=timezone.utc).astimezone(settings.calendar.zone)
    return local.strftime("%a %d %b %Y %H:%M")
