"""Step: recognise automatic mail that must never be answered automatically (RFC 3834, RFC 5230).

Such mail is still stored (on its ticket when it threads, otherwise as an ignored raw mail); only
acknowledgements and notifications are withheld, so two robots never talk to each other forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from maild.pipeline.context import MailContext, ParsedMail
from maild.runtime.signing import ReplyAddresses

if TYPE_CHECKING:
    from maild.runtime import Settings

MAX_RECEIVED = 50  # Postfix's hopcount limit
DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply",
                      "do-not-reply", "bounce", "bounces"}


def screen(ctx: MailContext) -> None:
    assert ctx.mail is not None
    ctx.automatic = automatic_reason(ctx.mail, ctx.envelope_from, ctx.settings)


def automatic_reason(mail: ParsedMail, envelope_from: str | None, settings: Settings) -> str | None:
    """Why this mail must not be answered automatically, or None. Also asked of quarantined mail
    before its sender is told (intake), so the rules are the same for every answer."""
    helpdesk = settings.config.helpdesk
    return (
        _null_sender(mail, envelope_from)
        or automatic_headers(mail)
        or _own_mail(mail, helpdesk.addresses, settings.reply_addresses)
        or _daemon_sender(mail.from_address)
    )


def _null_sender(mail: ParsedMail, envelope_from: str | None) -> str | None:
    return_path = str(mail.headers.get("Return-Path", "")).strip()
    if envelope_from == "" or return_path == "<>":
        return "null return path (a bounce or an auto-reply)"
    return None


def automatic_headers(mail: ParsedMail) -> str | None:
    """What in its headers marks the mail automatic, or None."""
    h = mail.headers
    auto = str(h.get("Auto-Submitted", "no")).split(";")[0].strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(h.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe", "X-Auto-Response-Suppress"):
        if h.get(name) is not None:
            return f"{name} header (list or automatic mail)"
    if len(h.get_all("Received") or []) > MAX_RECEIVED:
        return f"more than {MAX_RECEIVED} Received headers (a mail loop)"
    return None


def _own_mail(mail: ParsedMail, addresses: frozenset[str], signed: ReplyAddresses) -> str | None:
    """Our own mail, come back. Not by our loop header or Message-ID domain alone: anyone can write
    those (parse strips the header anyway), and an outsider could use them to silence maild."""
    if signed.is_ours(mail.message_id):
        return "carries one of our own signed Message-IDs (our mail came back)"
    # ours, or a signed reply address
    if _without_plus(mail.from_address) in {a.lower() for a in addresses}:
        return "sent from the helpdesk's own address"
    return None


def _without_plus(address: str | None) -> str | None:
    """Plus-addressing's base address:
    `helpdesk+t12.c.k9f3@example.com` -> `helpdesk@example.com`."""
    if address is None:
        return None
    local, _, domain = address.lower().partition("@")
    return f"{local.partition('+')[0]}@{domain}"


def _daemon_sender(address: str | None) -> str | None:
    local = (address or "").partition("@")[0]
    if local in DAEMON_LOCAL_PARTS or local.startswith("owner-") or local.endswith("-request"):
        return f"sent by a mail system or no-reply address ({address})"
    return None
