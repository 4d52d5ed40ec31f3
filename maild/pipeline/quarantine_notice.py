"""The sender of a quarantined mail is told, in plain words, where replying is allowed.

Called inside the transaction that marks the mail quarantined, so the mark and the notice commit
together (nothing lost, nothing twice), and at most once per raw mail, whatever `maild retry`
does later. The mail may be one the pipeline could not parse (a bomb stopped before parsing, a
parser that raised): then only its header block is read, and only when it is within the header
limit, with the pipeline's own bounded address and Message-ID parsers. Nothing of the mail is
echoed back but its subject (one line, cut short; the HTML part escapes it). The sender is not
told when the mail was automatic (the screen step's rules), has no usable From address, or the
address is over the cap on automatic mail. Every decision is in the raw mail's history, which
`maild quarantine show ID` prints.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from email.message import Message as EmailMessage
from email.parser import BytesParser
from email.policy import compat32
from typing import TYPE_CHECKING

from maild.outbound import outbox
from maild.outbound.compose import Outgoing
from maild.pipeline.caps import within_cap
from maild.pipeline.context import ParsedMail
# The parse step's bounded helpers: a From header with too many comments or characters yields no
# address, and encoded words are decoded only after the address is parsed.
from maild.pipeline.parse import decoded, first_id, single_sender
from maild.pipeline.screen import automatic_reason
from maild.store.models import Event, RawMail, database

if TYPE_CHECKING:
    from maild.config import Limits
    from maild.runtime import Settings

log = logging.getLogger("maild.pipeline")
TEMPLATE = "quarantined"
PURPOSE = "quarantined"
MAX_SUBJECT = 200  # characters of the subject repeated to the sender
HEADER_END = re.compile(rb"\r?\n\r?\n")

# The reasons the limits raise (pipeline.limits, pipeline.parse), in words a customer reads. The
# exception carries only its text; a reason not listed gets the general explanation.
_SIZE, _COUNT = "size", "count"
LIMIT_REASONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^message is (\d+) bytes, over the limit of (\d+)$"), _SIZE,
     "Your message is {0}, larger than the {1} we accept."),
    (re.compile(r"^header block is (\d+) bytes, over the limit of (\d+)$"), _SIZE,
     "The header lines of your message (what comes before the text) take {0}, "
     "more than the {1} we accept."),
    (re.compile(r"^message has (\d+) MIME parts, over the limit of (\d+)$"), _COUNT,
     "Your message is made of {0} parts (texts and attachments), more than the {1} we accept."),
    (re.compile(r"^MIME nesting is (\d+) deep, over the limit of (\d+)$"), _COUNT,
     "Your message has parts inside parts {0} levels deep, more than the {1} we accept."),
)
GENERAL = "Our system could not process your message automatically."


def tell_sender(settings: Settings, raw: RawMail, mail: ParsedMail | None, reason: str,
                now: datetime) -> None:
    """Queue the explanation, or record why there is none. A failure here costs the notice,
    never the quarantine mark: it runs in a savepoint and is logged and recorded."""
    if Event.select().where((Event.raw == raw.id) & (Event.kind == "quarantine_notice")).exists():
        return  # told when it was first held; a retry that fails again tells nobody twice
    try:
        with database.atomic():
            why_not = _notify(settings, raw, mail, reason, now)
    except Exception as exc:  # noqa: BLE001 - the mail stays held whatever fails in the notice
        log.exception("raw mail %d: quarantine notice failed", raw.id)
        why_not = f"the notice could not be written: {type(exc).__name__}: {exc}"
    if why_not:
        Event.create(raw=raw.id, kind="sender_not_told", detail=why_not, created_at=now)


def _notify(settings: Settings, raw: RawMail, mail: ParsedMail | None, reason: str,
            now: datetime) -> str | None:
    """Queue the notice; returns why it was not sent, or None when it was."""
    mail = mail or headers_only(bytes(raw.content), settings.config.main.limits)
    if mail is None:
        return "the header block is over the limit or unreadable"
    automatic = automatic_reason(mail, raw.envelope_from, settings)
    if automatic:
        return f"automatic mail: {automatic}"
    if mail.from_address is None:
        return "no usable From address"
    if not within_cap(settings, now, mail.from_address, None, raw.id):
        return f"{mail.from_address} is over the cap on automatic mail"
    _queue(settings, raw, mail, explanation(reason))
    Event.create(raw=raw.id, kind="quarantine_notice", created_at=now,
                 detail=f"the sender {mail.from_address} was told the mail is held")
    return None


def headers_only(content: bytes, limits: Limits) -> ParsedMail | None:
    """What a notice needs from a mail that was never parsed: its header block, read only when
    it is within the header limit (a bomb of headers is not read at all)."""
    end = HEADER_END.search(content)
    block = content[:end.end() if end else len(content)]
    if len(block) > limits.max_header_bytes:
        return None
    headers: EmailMessage = BytesParser(policy=compat32).parsebytes(block, headersonly=True)
    name, address = single_sender([str(v) for v in headers.get_all("From") or []])
    return ParsedMail(headers=headers, message_id=first_id(headers.get("Message-ID")),
                      subject=decoded(str(headers.get("Subject") or "")[:4 * MAX_SUBJECT]),
                      from_name=name, from_address=address, to=[], cc=[], thread_ids=[], text="",
                      html=None,
                      attachments=[])


def explanation(reason: str) -> str:
    """The reason in plain words, with sizes in kB/MB and counts with separators."""
    for pattern, unit, words in LIMIT_REASONS:
        found = pattern.match(reason)
        if found:
            shown = (_size if unit == _SIZE else "{:,}".format)
            return words.format(*(shown(int(n)) for n in found.groups()))
    return GENERAL


def _size(n: int) -> str:
    """Decimal units, as mail clients show sizes."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"


def _one_line(subject: str) -> str:
    """The subject as it may be repeated: no control characters, one line, cut short."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in subject).split())
    return flat if len(flat) <= MAX_SUBJECT else flat[:MAX_SUBJECT - 1] + "\u2026"


def _queue(settings: Settings, raw: RawMail, mail: ParsedMail, text: str) -> None:
    helpdesk = settings.config.helpdesk
    assert mail.from_address is not None
    rendered = settings.renderer.render(TEMPLATE, {
        "helpdesk_name": helpdesk.name, "sender_name": _one_line(mail.from_name)[:80],
        "subject": _one_line(mail.subject), "explanation": text, "is_limit": text != GENERAL,
        "reference": raw.id,
    })
    out = Outgoing(
        from_header=settings.config.main.outbound.from_,
        to=[("", mail.from_address)],
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=settings.reply_addresses.message_id(),
        in_reply_to=mail.message_id,
        references=[mail.message_id] if mail.message_id else [],
        auto_submitted="auto-replied",
        loop_marker=helpdesk.address,
    )
    outbox.queue(None, PURPOSE, out, mail_from="")  # the null return path: no bounce loops
    log.info("raw mail %d (%s): quarantine notice %s queued for %s", raw.id, mail.message_id,
             out.message_id,
             mail.from_address)
