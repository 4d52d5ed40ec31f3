"""The pipe channel: `maild deliver`, for an MTA's pipe transport.

Exit 0 only after the mail is committed; 75 (EX_TEMPFAIL) on any failure of ours, so the MTA keeps
the mail and tries again later instead of bouncing it.
"""

from __future__ import annotations

import logging

from maild.errors import TransientError
from maild.intake import Arrival, Intake, Outcome

log = logging.getLogger("maild.pipe")

EX_OK = 0
EX_TEMPFAIL = 75
# Postfix's pipe passes the null sender as this unless the recipe says `null_sender=`.
POSTFIX_NULL_SENDER = "mailer-daemon"


def envelope_sender(sender: str | None) -> str | None:
    """The envelope sender as the pipeline reads it: "" for the null sender, however it came."""
    if sender is not None and sender.strip().lower() in ("", "<>", POSTFIX_NULL_SENDER):
        return ""
    return sender


def deliver(intake: Intake, content: bytes, recipient: str | None,
            sender: str | None) -> tuple[int, Outcome | None]:
    recipients = [recipient.lower()] if recipient else []
    arrival = Arrival(content, "pipe", f"pipe:{','.join(recipients)}", recipients,
                      envelope_sender(sender))
    try:
        outcome = intake.accept(arrival)
    except TransientError as exc:
        log.error("not stored, the MTA will retry: %s", exc)
        return EX_TEMPFAIL, None
    except Exception:  # noqa: BLE001 - a bounce would lose the mail; a retry will not
        log.exception("unexpected error, the MTA will retry")
        return EX_TEMPFAIL, None
    return EX_OK, outcome
