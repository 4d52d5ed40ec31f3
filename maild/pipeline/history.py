"""The ticket's recent conversation as a notification shows it below the new text: who wrote,
when, the first lines, newest first, and the names of the ticket's attachments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parseaddr
from typing import TYPE_CHECKING

from maild.store.queries import Spoken, recent_conversation

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


def recent(settings: Settings, ticket: int, files: list[tuple[int, str, int]],
           leave_out_raw: int | None = None) -> list[Entry]:
    """The last `conversations.notification_history` messages, without the mail being notified.
    `files`: the ticket's (message id, filename, size), as `store.queries.ticket_files` gives."""
    limit = settings.config.main.conversations.notification_history
    messages = recent_conversation(ticket, limit, leave_out_raw) if limit else []
    return [_entry(settings, m, [named(name, size) for message, name, size in files
                                 if message == m.id]) for m in messages]


def _entry(settings: Settings, message: Spoken, files: list[str]) -> Entry:
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


def named(name: str, size: int) -> str:
    """A file as a notification names it: its name and size."""
    return f"{name or '(unnamed)'} ({_size(size)})"


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} kB"


def office_time(settings: Settings, moment: datetime) -> str:
    """A stored (naive UTC) time as staff read it: office-local, with the weekday."""
    local = moment.replace(tzinfo=timezone.utc).astimezone(settings.calendar.zone)
    return local.strftime("%a %d %b %Y %H:%M")
