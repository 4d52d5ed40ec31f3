"""Step: check the raw bytes against the limits, then parse them with mail-parser into a
ParsedMail."""

from __future__ import annotations

import base64
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

import mailparser

from maild.config import ADDRESS_RE, Limits
from maild.errors import Quarantine
from maild.pipeline.context import AttachmentPart, MailContext, Parsed, ParsedMail
from maild.pipeline.html_text import html_to_text
from maild.pipeline.limits import check_content
from maild.pipeline.reply_lines import visible

MSGID_RE = re.compile(r"<[^<>\s]{1,900}>")
MAX_THREAD_IDS = 50
MAX_ADDRESS_HEADER = 16_384  # characters of one From/To/Cc header
CONTROL_HEADER_PREFIX = "x-maild-"  # headers only maild sets (its loop marker)
MAX_COMMENTS = 50  # parentheses in one address header; real ones have a handful at most


def parse(ctx: MailContext) -> None:
    """Refuse mail over the limits before spending any time parsing it, then parse it."""
    parsed = ctx.parsed or parse_checked(ctx.content, ctx.settings.config.main.limits)
    if parsed.refused is not None:
        raise Quarantine(parsed.refused)
    ctx.mail = parsed.mail
    ctx.notes.extend(parsed.notes)


def parse_checked(content: bytes, limits: Limits) -> Parsed:
    """The limits checked (pipeline.limits), then the ParsedMail; no exception for bad mail."""
    try:
        check_content(content, limits)
        mail, notes = parse_content(content, limits)
    except Quarantine as exc:
        return Parsed(None, refused=exc.reason)
    return Parsed(mail, tuple(notes))


def parse_content(content: bytes, limits: Limits) -> tuple[ParsedMail, list[str]]:
    """The ParsedMail of raw bytes, and notes for the history; raises Quarantine."""
    parsed = mailparser.parse_from_bytes(content)
    headers = parsed.message
    notes = [f"inbound {name} header ignored: only maild may set it (the raw mail keeps it)"
             for name in _strip_control_headers(headers)]
    depth = nesting_depth(headers)
    if depth > limits.max_depth:
        raise Quarantine(f"MIME nesting is {depth} deep, over the limit of {limits.max_depth}")
    from_name, from_address = single_sender(headers.get_all("From") or [])
    # NUL has no place in anything stored (PostgreSQL's text type refuses it), so every string
    # taken from the mail loses it here: text, subject, names, Message-IDs, file names. The raw
    # mail keeps it.
    text = _no_nul("\n".join(parsed.text_plain)).strip()
    html = _no_nul("\n".join(parsed.text_html)) or None
    if not visible(text):  # Outlook may send an empty text part beside the HTML one
        text = html_to_text(html) if html else ""
    text, wrapped = wrap_long_lines(text, limits.max_line_bytes)
    if wrapped:
        notes.append(
            f"{wrapped} lines over {limits.max_line_bytes} bytes wrapped in the stored text "
                     "(the raw mail keeps them)")
    mail = ParsedMail(
        headers=headers,
        message_id=first_id(headers.get("Message-ID")),
        subject=" ".join(_no_nul(str(parsed.subject or "")).split()),
        from_name=from_name,
        from_address=from_address,
        to=_addresses(_pairs(headers.get_all("To") or [])),
        cc=_addresses(_pairs(headers.get_all("Cc") or [])),
        thread_ids=_thread_ids(headers.get("In-Reply-To"), headers.get("References")),
        text=text,
        html=html,
        attachments=[_attachment(a, html) for a in parsed.attachments],
    )
    return mail, notes


def _strip_control_headers(headers: Message) -> list[str]:
    """Remove the X-Maild-* headers of an inbound mail, so no later step or routing rule can take
    an outsider's copy of one for ours."""
    names = sorted({name.lower(): name for name in headers.keys()
                    if name.lower().startswith(CONTROL_HEADER_PREFIX)}.values())
    for name in names:
        del headers[name]
    return names


def wrap_long_lines(text: str, limit: int) -> tuple[str, int]:
    """Lines of at most `limit` UTF-8 bytes, broken at the last space that fits (or, in a line
    without one, at the last whole character), and how many lines needed it. Nothing is lost:
    a customer's long paragraph stays whole, a one-line bomb becomes many short lines."""
    if len(text) * 4 <= limit:  # no line can be over: the common case costs nothing
        return text, 0
    lines, wrapped = [], 0
    for line in text.split("\n"):
        data = line.encode("utf-8", "replace")  # a stray surrogate becomes "?"
        wrapped += len(data) > limit
        start = 0
        while len(data) - start > limit:
            chunk = data[start:start + limit]
            space = max(chunk.rfind(b" "), chunk.rfind(b"\t"))
            if space > 0:
                lines.append(chunk[:space].decode())
                start += space + 1
            else:
                piece = chunk.decode("utf-8", "ignore")  # drops a character cut in half
                lines.append(piece)
                start += len(piece.encode())
        lines.append(data[start:].decode())
    return "\n".join(lines), wrapped


def nesting_depth(message: Message) -> int:
    """How deep multiparts nest, walked with a list rather than recursion (no RecursionError)."""
    deepest, stack = 0, [(message, 0)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        if part.is_multipart():
            stack.extend((child, depth + 1) for child in part.get_payload())
    return deepest


def _pairs(values: list[object]) -> list[tuple[str, str]]:
    """(name, address) pairs of address headers. Encoded names are decoded only after parsing, so
    an encoded word can never add an address (RFC 2047 section 5). The standard library's parser
    recurses once per nested comment, so a header built to exhaust it (or just absurd) yields no
    address at all: its sender is unknown, its recipients are ignored."""
    texts = [str(v) for v in values]
    if any(len(t) > MAX_ADDRESS_HEADER or t.count("(") > MAX_COMMENTS for t in texts):
        return []
    return [(decoded(name), address) for name, address in getaddresses(texts)]


def _no_nul(text: str) -> str:
    return text.replace("\x00", "")


def decoded(value: str) -> str:
    try:
        return _no_nul(str(make_header(decode_header(value))))
    except (HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
        return _no_nul(value)  # an undecodable encoded word stays as written


def single_sender(values: list[str]) -> tuple[str, str | None]:
    """The one From address, or None when there is not exactly one well-formed address."""
    pairs = _pairs(values)
    if len(pairs) != 1:
        return "", None
    name, address = pairs[0]
    address = address.strip().lower()
    return " ".join(name.split()), address if ADDRESS_RE.match(address) else None


def _addresses(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(" ".join(n.split()), a.strip().lower()) for n, a in pairs if ADDRESS_RE.match(a.strip(
        ))]


def first_id(value: object) -> str | None:
    found = MSGID_RE.search(_no_nul(str(value or "")))
    return found.group(0) if found else None


def _thread_ids(in_reply_to: object, references: object) -> list[str]:
    ids = MSGID_RE.findall(_no_nul(str(in_reply_to or ""))) + MSGID_RE.findall(_no_nul(str(
        references or "")))[::-1]
    return list(dict.fromkeys(ids))[:MAX_THREAD_IDS]


def _attachment(part: dict, html: str | None) -> AttachmentPart:
    payload = part.get("payload") or ""
    data = _lenient_base64(str(payload)) if part.get("binary") else str(payload).encode("utf-8")
    content_id = first_id(part.get("content-id"))
    return AttachmentPart(
        filename=_no_nul(str(part.get("filename") or "")) or "attachment",
        # A media type is at most 127 + 1 + 127 characters (RFC 6838); longer is junk, cut to fit.
        content_type=_no_nul(str(part.get("mail_content_type") or ""))[
            :255] or "application/octet-stream",
        payload=data,
        content_id=content_id,
        # Shown by the HTML whatever its Content-Disposition says: clients disagree on that.
        inline=bool(content_id and html and "cid:" + content_id.strip("<>") in html),
    )


def _lenient_base64(payload: str) -> bytes:
    """Decode what can be decoded: broken base64 (bad padding, stray characters, a truncated last
    group) from a sender's mailer should cost the attachment's tail, not the whole mail."""
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    usable = len(cleaned) - len(cleaned) % 4 if len(cleaned) % 4 == 1 else len(cleaned)
    return base64.b64decode(cleaned[:usable] + "=" * (-usable % 4))
