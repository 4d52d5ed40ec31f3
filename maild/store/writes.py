"""The few writes every mail (or every ticket change) makes, as fixed SQL behind named functions.

Building the peewee query for these small rows cost more than running it, so they are written as
SQL once, here, and the pipeline and schedule call them by name without naming a table.
"""

from __future__ import annotations

from datetime import datetime

from maild.store.models import Ticket, fixed_sql


def touch_ticket(ticket: Ticket, now: datetime) -> None:
    """Set the ticket's `updated_at` to now, and nothing else."""
    fixed_sql("UPDATE ticket SET updated_at = ? WHERE number = ?", (now, ticket.number))


def add_participant(ticket: Ticket, address: str, name: str, role: str) -> None:
    """Add a participant; one statement, no race between hosts: (ticket, email) is unique."""
    fixed_sql("INSERT INTO participant (ticket_id, email, name, role) VALUES (?, ?, ?, ?) "
              "ON CONFLICT DO NOTHING", (ticket.number, address, name, role))


def forget_bounce(address: str) -> None:
    """The address wrote to us: it works again, so it is no longer flagged as bouncing."""
    fixed_sql("DELETE FROM bouncedaddress WHERE email = ?", (address,))


def save_service_clock(ticket: Ticket) -> None:
    """Write only the ticket's service-target columns: the caller owns the rest of the row."""
    fixed_sql("UPDATE ticket SET sla_since = ?, paused_since = ?, paused_seconds = ?, "
              "response_due_at = ?, resolution_due_at = ? WHERE number = ?",
              (ticket.sla_since, ticket.paused_since, ticket.paused_seconds,
               ticket.response_due_at, ticket.resolution_due_at, ticket.number))
