"""Building the bytes of an outgoing mail.

Everything that came from a customer (subject, display names) is flattened to one line before it
becomes a header, and addresses must be plain `local@domain`, so no inbound text can add a header
or a recipient to what maild sends (CVE-2024-6923 and kin). Attached files get the same care:
their names are encoded (RFC 2231), their media types and Content-IDs checked.
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
from email.utils import encode_rfc2231, format_datetime, formataddr, parseaddr

from maild.config import ADDRESS_RE

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
LOOP_HEADER = "X-Maild-Loop"
CRLF = b"\r\n"
# free text in headers goes in encoded words of at most this: "Reply-To: " + one fits in 78
ENCODED_WORD = 66
CHUNK_BYTES = 39  # UTF-8 bytes per encoded word: base64 makes 52 characters, 64 with =?utf-8?b??=
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
CONTENT_ID = re.compile(r"^<[!-;=?-~]{1,900}>$")  # printable ASCII without < and >
BASE64_LINE = 57  # bytes per base64 line: 76 characters


def one_line(text: str) -> str:
    """Header-safe text: control characters (CR, LF, NUL, ...) become spaces."""
    return " ".join(CONTROL_CHARS.sub(" ", text).split())


def checked_address(address: str) -> str:
    if not ADDRESS_RE.match(address):
        raise ValueError(f"refusing to send to a malformed address: {address!r}")
    return address


@dataclass(frozen=True)
class FilePart:
    """A file an outgoing mail carries: attached, or shown by the HTML part (`content_id`)."""

    filename: str
    content_type: str
    payload: bytes
    content_id: str | None = None  # "<...>": the HTML refers to it as cid:...


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
    files: tuple[FilePart, ...] = ()

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
    head, body = _body(out)
    return _header_block(headers) + head + CRLF + body


def _body(out: Outgoing) -> tuple[bytes, bytes]:
    """The text, or text and HTML as alternatives (the HTML with the images it shows by cid: as
    multipart/related), then, when there are other files, all of it in multipart/mixed."""
    shown = [f for f in out.files if out.html and f.content_id and _cid(f.content_id) in out.html]
    attached = [f for f in out.files if f not in shown]
    if out.html is None:
        body = _text_part(out.text, "plain")
    else:
        html = _text_part(out.html, "html")
        if shown:
            html = _multipart("related", [html, *(_file_part(f, inline=True) for f in shown)])
        body = _multipart("alternative", [_text_part(out.text, "plain"), html])
    if attached:
        body = _multipart("mixed", [body, *(_file_part(f, inline=False) for f in attached)])
    return body


def _multipart(subtype: str, parts: list[tuple[bytes, bytes]]) -> tuple[bytes, bytes]:
    # "=_" never occurs in quoted-printable text ("=" is written =3D) nor in base64: the boundary
    # cannot collide with a part's body.
    boundary = f"=_maild_{secrets.token_hex(12)}".encode()
    head = _folded("Content-Type", f'multipart/{subtype}; boundary="{boundary.decode()}"').encode()
    body = b"".join(b"--" + boundary + CRLF + part_head + CRLF + part_body + CRLF
                    for part_head, part_body in parts)
    return head, body + b"--" + boundary + b"--" + CRLF


def _cid(content_id: str) -> str:
    return "cid:" + content_id.strip("<>")


def _file_part(part: FilePart, inline: bool) -> tuple[bytes, bytes]:
    """A file's headers and its base64 body; a name from a sender's mail is made header-safe."""
    media = part.content_type.lower() if MEDIA_TYPE.match(part.content_type.lower()) else \
        "application/octet-stream"
    name = one_line(part.filename).replace("/", "_").replace("\\", "_") or "attachment"
    disposition = "inline" if inline else "attachment"
    lines = [_folded("Content-Type", f"{media}; {_parameter('name', name)}"),
             _folded("Content-Disposition", f"{disposition}; {_parameter('filename', name)}"),
             "Content-Transfer-Encoding: base64\r\n"]
    if part.content_id and CONTENT_ID.match(part.content_id):
        lines.append(f"Content-ID: {part.content_id}\r\n")
    data = part.payload
    body = b"".join(binascii.b2a_base64(data[i:i + BASE64_LINE], newline=False) + CRLF
                    for i in range(0, len(data), BASE64_LINE))
    return "".join(lines).encode("ascii"), body


def _parameter(key: str, value: str) -> str:
    """`key="value"` for a short plain ASCII value, else RFC 2231's `key*0*=utf-8''...` in
    continuations short enough to fold between them."""
    plain = value.isascii() and all(c.isprintable() and c not in '"\\;' for c in value)
    if plain and len(value) < 60:
        return f'{key}="{value}"'
    encoded = encode_rfc2231(value, "utf-8").split("''", 1)[1]
    pieces, start = [], 0
    while start < len(encoded):
        end = min(start + 50, len(encoded))
        end -= 2 if encoded[end - 2:end - 1] == "%" else 1 if encoded[end - 1:end] == "%" else 0
        pieces.append(encoded[start:end])
        start = end
    pieces[0] = "utf-8''" + pieces[0]
    return "; ".join(f"{key}*{i}*={piece}" for i, piece in enumerate(pieces))


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
    # soft breaks "=\n" when no line ends
    encoded = binascii.b2a_qp(lines.encode("utf-8"), istext=True)
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if max(map(len, encoded.split(b"\r\n"))) > 76:
        # binascii can end a line at 77 with an encoded trailing blank; RFC 2045 allows 76
        encoded = quoprimime.body_encode(lines.encode("utf-8").decode("latin-1"),
                                         eol="\r\n").encode("ascii")
    return head, encoded


def _header_block(headers: list[tuple[str, str]]) -> bytes:
    return "".join(_folded(name, value) for name, value in headers).encode("ascii")


def _folded(name: str, value: str) -> str:
    """`Name: value` CRLF, folded at spaces into lines of at most 78 characters where the words
    allow (an address or a Message-ID is never split; RFC 5322 allows 998)."""
    if len(name) + len(value) + 2 <= 78:
        # what the loop gives when no line needs folding: most headers
        return f"{name}: {value}\r\n"
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
    # one long word
    return Header(chunk, "utf-8").encode(linesep="\n", maxlinelen=ENCODED_WORD).replace("\n", "")


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
