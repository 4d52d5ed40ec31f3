"""Notifications to staff: rendered, composed and put in the outbox where they are queued.

A notification whose template fails to render is stored as failed, with the error, and logged: the
ticket it is about stands (a broken template must not keep a customer's mail from becoming one),
and the admin sees the failure in `maild status` and the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from maild.outbound.compose import Outgoing, compose
from maild.runtime.templates import Renderer
from maild.store.models import Event, Outbox

log = logging.getLogger("maild.outbound")


@dataclass(frozen=True)
class Notice:
    """A notification: the template and its facts, and the mail's envelope and headers (`out`
    without subject, text and HTML: the template gives those)."""

    purpose: str
    template: str
    context: dict[str, Any]
    tag: str  # the ticket's subject tag, put before the rendered subject unless it holds it
    out: Outgoing
    ticket: int | None
    mail_from: str
    with_html: bool = True  # False: the template's HTML part is left out (nothing to show in it)


def compose_notice(renderer: Renderer, notice: Notice) -> bytes:
    """The notice's bytes."""
    rendered = renderer.render(notice.template, notice.context, notice.with_html)
    tag = notice.tag
    subject = rendered.subject if tag in rendered.subject else f"{tag} {rendered.subject}"
    return compose(replace(notice.out, subject=subject, text=rendered.text, html=rendered.html))


def queue(renderer: Renderer, notice: Notice) -> None:
    """The notice's outbox row, in the caller's transaction."""
    out = notice.out
    row = {"ticket": notice.ticket, "purpose": notice.purpose, "mail_from": notice.mail_from,
           "recipients": "\n".join(out.addresses), "message_id": out.message_id}
    try:
        content = compose_notice(renderer, notice)
    except Exception as exc:  # noqa: BLE001 - a template error: the notice fails, the ticket stands
        why = f"template {notice.template!r} failed: {type(exc).__name__}: {exc}"
        log.error("%s to %s (ticket %s) not written: %s",
                  notice.purpose, row["recipients"], notice.ticket, why)
        Outbox.add(**row, content=b"", status="failed", last_error=why)
        Event.add(ticket=notice.ticket, kind="send_failed", detail=f"{out.message_id}: {why}")
        return
    Outbox.add(**row, content=content)
