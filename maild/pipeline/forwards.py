"""Find the customer's mail inside a staff member's forward: attached or inline.

Attached, it is a message/rfc822 part and is parsed as any mail. Inline, clients write a marker
line (NeoMutt's `----- Forwarded message from ... -----`, Thunderbird's `-------- Forwarded
Message --------`, Gmail's, Apple Mail's `Begin forwarded message:`, Outlook's `-----Original
Message-----` or a rule of underscores) or only a header block (`From:` with `Sent:` or `Date:`),
then the forwarded headers and its text. What the staff member wrote above it is theirs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

from dateutil import parser as dateparser

from maild.pipeline.parse import single_sender

MARKERS = re.compile(
    r"^\s*(?:-{3,}\s*Forwarded message from\b.*-{3,}"  # NeoMutt
    r"|-{2,}\s*(?:Original|Forwarded) Message\s*-{2,}"  # Outlook, Thunderbird, Gmail
    r"|-{2,}\s*Forwarded message\s*-{2,}"
    r"|Begin forwarded message:"  # Apple Mail
    r"|_{10,})\s*$", re.IGNORECASE)
END_MARKER = re.compile(r"^\s*-{3,}\s*End (?:of )?forwarded message\s*-{3,}\s*$", re.IGNORECASE)
HEADER_LINE = re.compile(r"^\s*\*?(From|Sent|Date|To|Cc|Subject|Reply-To)\*?:\s*(.*)$",
                         re.IGNORECASE)
MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]")
HEADER_BLOCK_LINES = 12


@dataclass(frozen=True)
class Forwarded:
    """The forwarded mail: its sender, subject, date and text, and what the forwarder wrote."""

    from_name: str
    from_address: str
    subject: str
    sent_at: datetime | None  # as written: aware, or naive (the writer's local time)
    text: str
    note: str  # the staff member's own text above the forward
    attached: bool


def find_forward(text: str, headers: Message) -> Forwarded | None:
    """The mail forwarded in a staff member's message, or None when it forwards nothing."""
    return attached_forward(headers) or inline_forward(text)


def attached_forward(headers: Message) -> Forwarded | None:
    """The first message/rfc822 part (NeoMutt `-a mail.eml`, Outlook's "forward as attachment")."""
    for part in headers.walk():
        if part.get_content_type() != "message/rfc822" or not part.is_multipart():
            continue
        inner = part.get_payload(0)
        name, address = single_sender(inner.get_all("From") or [])
        if address is None:
            continue
        return Forwarded(name, address, " ".join(str(inner.get("Subject", "")).split()),
                         _date(str(inner.get("Date", ""))), _text_of(inner), _text_of(headers),
                         attached=True)
    return None


def inline_forward(text: str) -> Forwarded | None:
    lines = text.split("\n")
    for start, line in enumerate(lines):
        marker = bool(MARKERS.match(line))
        if not marker and not _header_block_starts(lines, start):
            continue
        found = _read(lines, start + 1 if marker else start)
        if found is not None:
            note = "\n".join(lines[:start]).strip()
            return Forwarded(*found[:4], found[4], note, attached=False)
    return None


def _header_block_starts(lines: list[str], start: int) -> bool:
    """A bare `From:` line with a `Sent:` or `Date:` and a `Subject:` right after it (Outlook)."""
    first = HEADER_LINE.match(lines[start])
    if first is None or first.group(1).lower() != "from":
        return False
    following = (HEADER_LINE.match(line) for line in lines[start + 1:start + 6])
    names = {m.group(1).lower() for m in following if m}
    return bool(names & {"sent", "date"}) and "subject" in names


def _read(lines: list[str], first: int) -> tuple[str, str, str, datetime | None, str] | None:
    """Sender, subject, date and body after a marker; None without a usable From."""
    fields: dict[str, str] = {}
    i = first
    while i < len(lines) and not lines[i].strip() and i - first < 3:
        i += 1  # blank lines between the marker and the headers
    while i < len(lines) and i - first < HEADER_BLOCK_LINES:
        found = HEADER_LINE.match(lines[i])
        if found:
            fields.setdefault(found.group(1).lower(), found.group(2).strip())
            last = found.group(1).lower()
        elif lines[i][:1] in (" ", "\t") and lines[i].strip() and fields:
            fields[last] += " " + lines[i].strip()  # a folded header (Outlook wraps long To lines)
        else:
            break
        i += 1
    name, address = _sender(fields.get("from", ""))
    if address is None:
        return None
    body = []
    for line in lines[i:]:
        if END_MARKER.match(line):
            break
        body.append(line)
    sent = _date(fields.get("date") or fields.get("sent") or "")
    return name, address, " ".join(fields.get("subject", "").split()), sent, "\n".join(body).strip()


def _sender(value: str) -> tuple[str, str | None]:
    """`Dana <d@x>`, `d@x`, or Outlook's `Dana [mailto:d@x]`."""
    mailto = MAILTO.search(value)
    if mailto:
        value = f"{MAILTO.sub('', value).strip()} <{mailto.group(1)}>"
    return single_sender([value])


def _date(value: str) -> datetime | None:
    """RFC 5322 dates, and the free forms clients write inline (`Friday, December 4, 2026 5:02 PM`:
    the standard library's parser misreads those, taking 5 PM for 5 in the morning)."""
    if not value.strip():
        return None
    try:
        return dateparser.parse(value, fuzzy=True)
    except (ValueError, OverflowError):
        return None


def _text_of(message: Message) -> str:
    """The first text/plain part of `message` itself, not of the mails attached to it."""
    stack = [message]
    while stack:
        part = stack.pop(0)
        if part.get_content_type() == "message/rfc822" and part is not message:
            continue
        if part.is_multipart():
            stack[0:0] = list(part.get_payload())
        elif part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    return payload.decode(charset, "replace").replace("\r\n", "\n").strip()
                except LookupError:
                    return payload.decode("utf-8", "replace").replace("\r\n", "\n").strip()
    return ""
