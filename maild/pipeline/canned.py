"""Canned answers (`#answer NAME`): `answers/NAME/text.txt` in the templates folder.

Admins keep them beside the other templates (the config's `templates:` folder, else the ones
shipped with maild). Each is rendered in the same sandbox with the ticket's and the customer's
fields; the staff member's own text goes on top, and the whole is sent as their answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from maild.config import Staff
from maild.runtime.templates import ANSWER_TEXT, ANSWERS
from maild.store.models import Ticket

if TYPE_CHECKING:
    from maild.runtime import Settings


def names(settings: Settings) -> list[str]:
    """The canned answers there are, by name (listed in notification footers and digests)."""
    return settings.renderer.answer_names


def render(settings: Settings, name: str, ticket: Ticket, staff: Staff) -> str:
    context = fields(settings, ticket, staff)
    return settings.renderer.page(f"{ANSWERS}/{name}/{ANSWER_TEXT}", context).strip()


def fields(settings: Settings, ticket: Ticket, staff: Staff) -> dict[str, Any]:
    """What a canned answer may use: `ticket.*`, `customer.*`, `staff_name`, `helpdesk_name`."""
    org = settings.directory.organisations.get(ticket.organisation or "")
    name = ticket.requester_name or ""
    return {
        "ticket": {"number": ticket.number, "subject": ticket.subject, "status": ticket.status,
                   "priority": ticket.priority, "kind": ticket.kind.replace("_", " ")},
        "customer": {"name": name, "first_name": name.split()[0] if name else "",
                     "email": ticket.requester, "organisation": org.name if org else ""},
        "staff_name": staff.name, "helpdesk_name": settings.config.helpdesk.name,
    }


def with_answer(settings: Settings, name: str, ticket: Ticket, staff: Staff, own_text: str) -> str:
    """The staff member's text on top, then the canned answer."""
    return "\n\n".join(t for t in (own_text.strip(), render(settings, name, ticket, staff)) if t)
