"""Notifications to staff, composed at the end of their batch, with a core to spare in another
process.

Each new ticket tells two or three staff members, and rendering and composing those mails took
more of a mail's time in this process than anything else. Nothing reads a notification before it
is sent, so its outbox row need not exist before its batch commits: inside a batch
(`Intake.group`) the pipeline decides who is told what, the parse worker renders and composes the
mails meanwhile (pipeline.ahead), and the rows are written at the end of the batch, in its
transaction: committed with the ticket or not at all. What the worker did not compose in time is
composed here. Outside a batch a notification is composed and stored at once. Either way it is the
same function on the same facts.

A notification whose template fails to render is stored as failed, with the error, and logged: the
ticket it is about stands (a broken template must not keep a customer's mail from becoming one),
and the admin sees the failure in `maild status` and the outbox.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from maild.outbound.compose import Outgoing, compose
from maild.outbound.render import Renderer

log = logging.getLogger("maild.outbound")
SEND_AT = 16  # notices handed to the worker at once: about eight new tickets' worth


@dataclass(frozen=True)
class Notice:
    """A notification decided but not yet written: the template and its facts, and the mail's
    envelope and headers (`out` without subject, text and HTML: the template gives those)."""

    purpose: str
    template: str
    context: dict[str, Any]
    tag: str  # the ticket's subject tag, put before the rendered subject unless it holds it
    out: Outgoing
    ticket: int | None
    mail_from: str


def compose_notice(renderer: Renderer, notice: Notice) -> bytes:
    """The notice's bytes. Runs here or in the parse worker."""
    rendered = renderer.render(notice.template, notice.context)
    subject = rendered.subject if notice.tag in rendered.subject else f"{notice.tag} {rendered.subject}"
    return compose(replace(notice.out, subject=subject, text=rendered.text, html=rendered.html))


class Collect(Protocol):
    """A notice handed to another process to compose."""

    def __call__(self, wait: bool) -> bytes | None:
        """Its bytes, or None (failed there, or not in time; with `wait` False, not done yet):
        then it is composed here."""

    def cancel(self) -> bool:
        """Take it back, with the others handed over with it, unless that process began on them."""


# Hands a mail's notices to another process: a Collect per notice, or None when none takes them.
Composer = Callable[[Renderer, list["Notice"]], "list[Collect] | None"]


class NoticeBatch:
    """The notices of one batch of mails, in order, each with its way to collect it."""

    def __init__(self, renderer: Renderer, composer: Composer | None) -> None:
        self.renderer = renderer
        self.composer = composer
        self._notices: list[Notice] = []
        self._collect: list[Collect | None] = []
        self._sent = 0  # the notices before this one were handed to the composer
        self._handed: list[int] = []  # where each hand-over to the composer began

    def add(self, notice: Notice) -> None:
        self._notices.append(notice)
        self._collect.append(None)

    def mark(self) -> int:
        """Where the next mail's notices begin."""
        return len(self._notices)

    def discard_from(self, mark: int) -> None:
        """A mail's work was rolled back (its savepoint): so are its notices (the mail's own:
        none of them was sent ahead yet, see Intake.accept)."""
        del self._notices[mark:]
        del self._collect[mark:]
        self._sent = min(self._sent, mark)
        self._handed = [start for start in self._handed if start < mark]

    def send_ahead(self, at_least: int = SEND_AT) -> None:
        """A mail is done: let another process compose the notices not yet sent, once there are
        `at_least` of them (a hand-over per mail cost more in this process than it saved)."""
        first = self._sent
        if self.composer is None or len(self._notices) - first < max(at_least, 1):
            return
        handles = self.composer(self.renderer, self._notices[first:])
        if handles is not None:
            self._collect[first:] = handles
            self._handed.append(first)
        self._sent = len(self._notices)

    def flush(self) -> None:
        """Write every notice's outbox row (inside the batch's transaction, before its commit).
        Once one was not there in time, the rest are not waited for either."""
        self.send_ahead(at_least=1)
        here = self._take_back()
        wait = True
        for index, (notice, collect) in enumerate(zip(self._notices, self._collect)):
            if index in here:
                content = here[index]
            else:
                content = collect(wait) if collect is not None else None
                wait = wait and (content is not None or collect is None)
            store(self.renderer, notice, content)
        self._notices, self._collect, self._sent, self._handed = [], [], 0, []

    def _take_back(self) -> dict[int, bytes | None]:
        """The other process composes the notices in the order they were handed over, behind the
        batch's parsing, and the commit waits for the last of them (a tenth of a batch's time in
        bench/imap.py). Meanwhile this process composes from the back, a hand-over at a time,
        those the other has not begun on, so that the two meet in the middle. Never the first
        hand-over: the other process always has that to do."""
        here: dict[int, bytes | None] = {}
        end = len(self._notices)
        for start in reversed(self._handed[1:]):
            collect = self._collect[start]
            if collect is None or not collect.cancel():
                break
            here.update((index, composed_or_none(self.renderer, self._notices[index])) for index in range(start, end))
            end = start
        return here


def composed_or_none(renderer: Renderer, notice: Notice) -> bytes | None:
    """None when it fails: `store` then composes it again, and records the failure."""
    try:
        return compose_notice(renderer, notice)
    except Exception:  # noqa: BLE001 - recorded by `store`
        return None


_local = threading.local()


@contextmanager
def batched(batch: NoticeBatch) -> Iterator[None]:
    """Notices queued by this thread inside the block go to `batch`."""
    _local.batch = batch
    try:
        yield
    finally:
        _local.batch = None


def current() -> NoticeBatch | None:
    return getattr(_local, "batch", None)


def queue(renderer: Renderer, notice: Notice) -> None:
    """Into this thread's batch, or, outside one, into the outbox now."""
    batch = current()
    if batch is not None:
        batch.add(notice)
    else:
        store(renderer, notice, None)


def store(renderer: Renderer, notice: Notice, content: bytes | None) -> None:
    """The notice's outbox row: with `content` composed elsewhere, or composed now."""
    from maild.store.models import Event, Outbox  # here: the parse worker imports this module, and needs no database

    out = notice.out
    row = {"ticket": notice.ticket, "purpose": notice.purpose, "mail_from": notice.mail_from,
           "recipients": "\n".join(out.addresses), "message_id": out.message_id}
    if content is None:
        try:
            content = compose_notice(renderer, notice)
        except Exception as exc:  # noqa: BLE001 - a template error: the notice fails, the ticket stands
            why = f"template {notice.template!r} failed: {type(exc).__name__}: {exc}"
            log.error("%s to %s (ticket %s) not written: %s", notice.purpose, row["recipients"], notice.ticket, why)
            Outbox.add(**row, content=b"", status="failed", last_error=why)
            Event.add(ticket=notice.ticket, kind="send_failed", detail=f"{out.message_id}: {why}")
            return
    Outbox.add(**row, content=content)
