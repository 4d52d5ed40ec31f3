"""Building the bytes of an outgoing mail.

Everything that came from a customer (subject, display names) is flattened to one line before it
becomes a header, and addresses must be plain `local@domain`, so no inbound text can add a header
or a recipient to what maild sends (CVE-2024-6923 and kin).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, localtime

from maild.config import ADDRESS_RE

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
LOOP_HEADER = "X-Maild-Loop"
WIRE = compat32.clone(linesep="\r\n", max_line_length=78)
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP  # readable in any client's source view, unlike base64


def one_line(text: str) -> str:
    """Header-safe text: control characters (CR, LF, NUL, ...) become spaces."""
    return " ".join(CONTROL_CHARS.sub(" ", text).split())


def checked_address(address: str) -> str:
    if not ADDRESS_RE.match(address):
        raise ValueError(f"refusing to send to a malformed address: {address!r}")
    return address


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
    cc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: str | None = None  # a signed reply address

    @property
    def addresses(self) -> list[str]:
        return [addr for _, addr in self.to + self.cc]


def compose(out: Outgoing) -> bytes:
    """The mail's bytes, CRLF line ends. Built with the light compat32 classes (the modern header
    objects cost milliseconds a mail); safety does not depend on them: every header value here is
    flattened by `one_line` or is a checked address or a Message-ID we matched or made."""
    body = _part(out.text, "plain")
    if out.html is not None:
        body = MIMEMultipart("alternative", _subparts=[body, _part(out.html, "html")])
    body["From"] = out.from_header
    body["To"] = _address_list(out.to)
    if out.cc:
        body["Cc"] = _address_list(out.cc)
    if out.reply_to:
        body["Reply-To"] = checked_address(out.reply_to)
    body["Subject"] = _encoded(one_line(out.subject))
    body["Date"] = format_datetime(localtime())
    body["Message-ID"] = out.message_id
    if out.in_reply_to:
        body["In-Reply-To"] = out.in_reply_to
    if out.references:
        body["References"] = " ".join(out.references[-20:])  # keep the header bounded
    if out.auto_submitted:
        body["Auto-Submitted"] = out.auto_submitted
        body["X-Auto-Response-Suppress"] = "All"  # asks Exchange not to auto-reply to us
    if out.loop_marker:
        body[LOOP_HEADER] = out.loop_marker
    return body.as_bytes(policy=WIRE)


def _address_list(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(formataddr((one_line(name), checked_address(addr)), charset="utf-8") for name, addr in pairs)


def display_from(name: str, address: str) -> str:
    """A From header value naming someone at one of our addresses, e.g. "Alice via Helpdesk"."""
    return formataddr((one_line(name), checked_address(address)), charset="utf-8")


def _part(text: str, subtype: str) -> MIMEText:
    """Quoted-printable always: it keeps every line under the 998-octet limit, even when quoted
    customer text has longer paragraphs, where 7bit would be refused by a strict relay."""
    return MIMEText(text, subtype, UTF8)


def _encoded(value: str) -> str | Header:
    """A Header object, not its encoded text: folded knowing the `Subject: ` before it, it never
    starts with an empty first line (which decoders read as a leading space)."""
    return value if value.isascii() else Header(value, "utf-8", header_name="Subject")
