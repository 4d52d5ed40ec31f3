"""Building the bytes of an outgoing mail.

Everything that came from a customer (subject, display names) is flattened to one line before it
becomes a header, and addresses must be plain `local@domain`, so no inbound text can add a header
or a recipient to what maild sends (CVE-2024-6923 and kin).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import quoprimime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr

from maild.config import ADDRESS_RE

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
LOOP_HEADER = "X-Maild-Loop"
CRLF = b"\r\n"
ENCODED_WORD = 66  # free text in headers goes in encoded words of at most this: "Reply-To: " + one fits in 78
CHUNK_BYTES = 39  # UTF-8 bytes per encoded word: base64 makes 52 characters, 64 with =?utf-8?b??=


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
    """The mail's bytes, CRLF line ends, written directly: the standard library's generator
    re-parses and re-folds every header, which cost more than the rest of a mail's intake. Safety
    does not depend on the folding: every header value here is flattened by `one_line`, or is a
    checked address or a Message-ID we matched or made."""
    headers = [("From", _from(out.from_header)), ("To", _address_list(out.to))]
    if out.cc:
        headers.append(("Cc", _address_list(out.cc)))
    if out.reply_to:
        headers.append(("Reply-To", checked_address(out.reply_to)))
    headers += [("Subject", _header_text(one_line(out.subject))), ("Date", _date(int(time.time()))),
                ("Message-ID", out.message_id)]
    if out.in_reply_to and _ids([out.in_reply_to]):
        headers.append(("In-Reply-To", out.in_reply_to))
    references = _ids(out.references[-20:])  # keep the header bounded
    if references:
        headers.append(("References", references))
    if out.auto_submitted:
        headers.append(("Auto-Submitted", out.auto_submitted))
        headers.append(("X-Auto-Response-Suppress", "All"))  # asks Exchange not to auto-reply to us
    if out.loop_marker:
        headers.append((LOOP_HEADER, out.loop_marker))
    headers.append(("MIME-Version", "1.0"))
    if out.html is None:
        head, body = _text_part(out.text, "plain")
        return _header_block(headers) + head + CRLF + body
    # "=_" never occurs in quoted-printable text ("=" is written =3D): the boundary cannot collide.
    boundary = f"=_maild_{secrets.token_hex(12)}"
    parts = [b"--" + boundary.encode() + CRLF + head + CRLF + body + CRLF
             for head, body in (_text_part(out.text, "plain"), _text_part(out.html, "html"))]
    headers.append(("Content-Type", f'multipart/alternative; boundary="{boundary}"'))
    return _header_block(headers) + CRLF + b"".join(parts) + b"--" + boundary.encode() + b"--" + CRLF


@functools.lru_cache(maxsize=2)
def _date(second: int) -> str:
    """The Date header for a second, in local time: worked out once a second, not once a mail.
    From UTC, not from a naive local time, which is ambiguous in the hour the clocks go back."""
    return format_datetime(datetime.fromtimestamp(second, timezone.utc).astimezone())


def _text_part(text: str, subtype: str) -> tuple[bytes, bytes]:
    """A part's own headers and its body. Quoted-printable always: it keeps every line under the
    998-octet limit, even when quoted customer text has longer paragraphs, where 7bit would be
    refused by a strict relay; and it stays readable in any client's source view, unlike base64."""
    head = (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n").encode()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    encoded = binascii.b2a_qp(lines.encode("utf-8"), istext=True)  # soft breaks "=\n" when no line ends
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if max(map(len, encoded.split(b"\r\n"))) > 76:
        # binascii can end a line at 77 with an encoded trailing blank; RFC 2045 allows 76
        encoded = quoprimime.body_encode(lines.encode("utf-8").decode("latin-1"), eol="\r\n").encode("ascii")
    return head, encoded


def _header_block(headers: list[tuple[str, str]]) -> bytes:
    return "".join(_folded(name, value) for name, value in headers).encode("ascii")


def _folded(name: str, value: str) -> str:
    """`Name: value` CRLF, folded at spaces into lines of at most 78 characters where the words
    allow (an address or a Message-ID is never split; RFC 5322 allows 998)."""
    if len(name) + len(value) + 2 <= 78:
        return f"{name}: {value}\r\n"  # what the loop gives when no line needs folding: most headers
    lines = [f"{name}:"]
    for word in value.split(" "):
        if len(lines[-1]) + 1 + len(word) > 78 and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + word
    return "\r\n".join(lines) + "\r\n"


def _header_text(text: str) -> str:
    """Free text for a header (a subject, a display name): as it is when it is ASCII with short
    words, else RFC 2047 encoded words, each short enough to fold after any header name. Words
    are split at the text's own spaces, each space kept inside the encoded word before it
    (decoders drop the blanks between encoded words), so "Zoë Ångström" never reads "Å ngström"."""
    if text.isascii() and all(len(word) <= ENCODED_WORD for word in text.split(" ")):
        return text
    chunks = [""]
    for word in text.split(" "):
        if chunks[-1] and len(f"{chunks[-1]} {word}".encode()) > CHUNK_BYTES:
            chunks[-1] += " "
            chunks.append(word)
        else:
            chunks[-1] = f"{chunks[-1]} {word}" if chunks[-1] else word
    return " ".join(_encoded_words(chunk) for chunk in chunks)


def _encoded_words(chunk: str) -> str:
    if len(chunk.encode()) <= CHUNK_BYTES:
        return f"=?utf-8?b?{base64.b64encode(chunk.encode()).decode()}?="
    return Header(chunk, "utf-8").encode(linesep="\n", maxlinelen=ENCODED_WORD).replace("\n", "")  # one long word


def _ids(ids: list[str]) -> str:
    """Message-IDs we can write: a non-ASCII one (valid only with SMTPUTF8) is left out, and
    threading falls back to the ticket tag in the subject."""
    return " ".join(i for i in ids if i.isascii())


def _mailbox(name: str, address: str) -> str:
    """`name <address>`: an ASCII name quoted where it needs it (a comma or bracket in it stays
    part of the name), any other as encoded words, which carry every character safely."""
    name = one_line(name)
    if name.isascii() and all(len(word) <= ENCODED_WORD for word in name.split(" ")):
        return formataddr((name, checked_address(address)))
    return f"{_header_text(name)} <{checked_address(address)}>"


def _from(value: str) -> str:
    """The From value as given (already formatted by `display_from`), or, when the configured
    `outbound.from` has a non-ASCII name, rebuilt with that name as encoded words."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return _mailbox(name, address)


def _address_list(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(_mailbox(name, address) for name, address in pairs)


def display_from(name: str, address: str) -> str:
    """A From header value naming someone at one of our addresses, e.g. "Alice via Helpdesk"."""
    return _mailbox(name, address)
