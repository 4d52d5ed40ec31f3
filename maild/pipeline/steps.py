"""The pipeline's steps, in one list read top to bottom."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from maild.pipeline.acknowledge import acknowledge
from maild.pipeline.admit import admit
from maild.pipeline.apply import apply
from maild.pipeline.assign import assign
from maild.pipeline.authenticate import authenticate
from maild.pipeline.bounce import bounce
from maild.pipeline.classify import classify
from maild.pipeline.context import MailContext
from maild.pipeline.copies import copies
from maild.pipeline.identify import identify
from maild.pipeline.notify import notify
from maild.pipeline.parse import parse
from maild.pipeline.screen import screen
from maild.pipeline.start import start
from maild.pipeline.status_request import status_request
from maild.pipeline.thread import thread

Step = Callable[[MailContext], None]

STEPS: tuple[Step, ...] = (
    parse,         # refuse mail over the limits, then bytes -> ParsedMail (mail-parser)
    copies,        # a copy of a mail already in hand (another address or mailbox): done here
    screen,        # automatic mail: never auto-reply to it
    bounce,        # a delivery report on a mail we sent: its ticket and outbox row
    identify,      # staff, contact of an organisation, or unknown
    thread,        # the ticket it belongs to: signed reply address, then headers, then subject tag
    authenticate,  # staff prove themselves (signed address or DKIM/DMARC) or count as customers
    status_request,  # a customer asking where their tickets stand: answered, no ticket
    start,         # a proven staff member starts a ticket: a forward, `#to`, or their own
    classify,      # routing rules -> kind, priority, queue, route_to, acknowledgement
    admit,         # unknown-sender policy: accept, flag, or redirect to the admin manager
    assign,        # route_to -> the staff member, or who covers while they are away
    apply,         # ticket, message, participants, history, staff commands, answers; raw mail done
    acknowledge,   # the acknowledgement (or the redirect pointer), into the outbox
    notify,        # staff told at once (new ticket, customer reply), each with a signed Reply-To
)


def run(ctx: MailContext, steps: Sequence[Step] = STEPS) -> None:
    for step in steps:
        if ctx.finished:
            break
        ctx.step = step.__name__
        step(ctx)
