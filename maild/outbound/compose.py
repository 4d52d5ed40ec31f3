"""Building the bytes of an outgoing mail.

Everything that came from a customer (subject, display names) is flattened to one line before it
becomes a header, and addresses must be plain `local@domain`, so no inbound text can add a header
or a recipient to what maild sends (CVE-2024-6923 and kin).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, localtime

from maild.config import ADDRESS_RE

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
LOOP_HEADER = "X-Maild-Loop"


def one_line(text: str) -> str:
    """Header-safe text: control characters (CR, LF, NUL, ...) become spaces."""
    return " ".join(CONTROL_CHARS.sub(" ", text).split())


def checked_address(address: str) -> str:
    if not ADDRESS_RE.match(address):
        raise ValueError(f"refusing to send to a malformed address: {address!r}")
    return address


def new_message_id(domain: str) -> str:
    return f"<maild.{uuid.uuid4().hex}@{domain}>"


@dataclass(frozen=True)
class Outgoing:
    from_header: str
    to: list[tuple[str, str]]  # (display name, address)
    subject: str
    text: str
    html: str | None
    message_id: str
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    auto_submitted: str | None = None  # "auto-replied" for automatic mail (RFC 3834)
    loop_marker: str = ""

    @property
    def addresses(self) -> list[str]:
        return [addr for _, addr in self.to]


def compose(out: Outgoing) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = out.from_header
    msg["To"] = ", ".join(formataddr((one_line(name), checked_address(addr))) for name, addr in out.to)
    msg["Subject"] = one_line(out.subject)
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = out.message_id
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
    if out.references:
        msg["References"] = " ".join(out.references[-20:])  # keep the header bounded
    if out.auto_submitted:
        msg["Auto-Submitted"] = out.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"  # asks Exchange not to auto-reply to us
    if out.loop_marker:
        msg[LOOP_HEADER] = out.loop_marker
    msg.set_content(out.text)
    if out.html is not None:
        msg.add_alternative(out.html, subtype="html")
    return msg.as_bytes()
