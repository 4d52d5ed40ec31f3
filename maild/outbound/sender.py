"""Delivering the outbox: claim a due row, send it, record the result.

A row is claimed with a lease (`claimed_until`) in its own transaction before sending, so two
senders never hold the same row, and a sender that dies mid-send leaves the row to be retried,
with the same Message-ID, once the lease runs out. Temporary failures back off exponentially with
jitter; after `give_up_hours` the mail is marked failed. A 5xx answer fails it at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from maild import defaults, metrics
from maild.config import Retry
from maild.errors import DeliveryError, RelayUnavailable, TransientError
from maild.faults import pause_point
from maild.outbound.transports import Transport
from maild.store.db import transaction
from maild.store.models import Event, Outbox, utcnow

log = logging.getLogger("maild.outbox")


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0


class OutboxSender:
    def __init__(
        self,
        transport: Callable[[], Transport],
        retry: Retry,
        clock: Callable[[], datetime] = utcnow,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.transport = transport
        self.retry = retry
        self.clock = clock
        self.jitter = jitter

    def send_due(self, limit: int = defaults.SEND_BATCH) -> SendReport:
        report = SendReport()
        now = self.clock()
        due = list(
            Outbox.select(Outbox.id)
            .where((Outbox.status == "queued") & (Outbox.next_attempt_at <= now)
                   & (Outbox.claimed_until.is_null() | (Outbox.claimed_until < now)))
            .order_by(Outbox.next_attempt_at).limit(limit)
        )
        if not due:
            return report
        pause_point("outbox.after_select")
        with self.transport() as transport:
            for row in due:
                if not self._claim(row.id):
                    continue
                if not self._send_one(transport, Outbox.get_by_id(row.id), report):
                    break  # the relay is unavailable: the rest would fail the same way
        return report

    def send_all_due(self, batch: int = 10_000) -> SendReport:
        """Everything due now, batch after batch (`maild send --once`); stops when a batch moves
        nothing forward, e.g. because the relay is down."""
        total = SendReport()
        while True:
            report = self.send_due(batch)
            total.sent, total.deferred, total.failed = (total.sent + report.sent,
                                                        total.deferred + report.deferred,
                                                        total.failed + report.failed)
            if report.sent + report.failed < batch or report.deferred:
                return total

    def _claim(self, row_id: int) -> bool:
        now = self.clock()
        with transaction():
            claimed = (
                Outbox.update(claimed_until=now + timedelta(seconds=self.retry.claim_seconds))
                .where((Outbox.id == row_id) & (Outbox.status == "queued")
                       & (Outbox.claimed_until.is_null() | (Outbox.claimed_until < now)))
                .execute()
            )
        return claimed == 1

    def _send_one(self, transport: Transport, row: Outbox, report: SendReport) -> bool:
        try:
            transport.deliver(row.mail_from, row.recipients.split("\n"), bytes(row.content))
        except DeliveryError as exc:
            self._failed_attempt(row, exc, report)
            return not isinstance(exc, RelayUnavailable)
        self._record_sent(row)
        metrics.MAILS_SENT.labels(row.purpose).inc()
        log.info("sent %s to %s (%s, ticket %s)", row.message_id, row.recipients.replace("\n",
                                                                                         ", "),
                 row.purpose, row.ticket_id)
        report.sent += 1
        return True

    def _record_sent(self, row: Outbox) -> None:
        """The relay has the mail: record it, trying again at once on a new connection if the
        database connection was cut just now, since a row left `queued` is sent again once its
        claim runs out (same Message-ID, but a second copy all the same)."""
        for attempt in range(1, defaults.RECORD_SENT_TRIES + 1):
            try:
                with transaction():
                    Outbox.update(status="sent", sent_at=self.clock(), attempts=Outbox.attempts + 1,
                                  claimed_until=None, last_error=None).where(
                                      Outbox.id == row.id).execute()
                return
            except TransientError as exc:
                if attempt == defaults.RECORD_SENT_TRIES:
                    log.error("%s was sent but could not be recorded (%s): it will be sent again "
                              "after its claim runs out", row.message_id, exc)
                    raise
                log.warning("%s was sent; recording it failed (%s), trying again", row.message_id,
                            exc)
                time.sleep(0.2 * attempt)

    def _failed_attempt(self, row: Outbox, exc: DeliveryError, report: SendReport) -> None:
        metrics.SEND_FAILURES.labels(str(exc.permanent).lower()).inc()
        if exc.refused is not None:
            row = self._keep_only_refused(row, exc.refused)
            if row.status == "sent":
                report.sent += 1
                return
        now = self.clock()
        attempts = row.attempts + 1
        gave_up = now - row.created_at > timedelta(hours=self.retry.give_up_hours)
        with transaction():
            if exc.permanent or gave_up:
                why = str(exc) if exc.permanent else f"gave up after {attempts} attempts: {exc}"
                Outbox.update(status="failed", attempts=attempts, claimed_until=None,
                              last_error=why) \
                    .where(Outbox.id == row.id).execute()
                Event.create(ticket=row.ticket_id, kind="send_failed",
                             detail=f"{row.message_id}: {why}")
                log.error("failed %s (ticket %s): %s", row.message_id, row.ticket_id, why)
                report.failed += 1
                return
            delay = self._backoff(attempts)
            Outbox.update(attempts=attempts, claimed_until=None, last_error=str(exc),
                          next_attempt_at=now + timedelta(seconds=delay)).where(
                              Outbox.id == row.id).execute()
        log.warning("deferred %s (ticket %s) for %.0fs: %s", row.message_id, row.ticket_id, delay,
                    exc)
        report.deferred += 1

    def _keep_only_refused(self, row: Outbox, refused: dict[str, int]) -> Outbox:
        """Some recipients took the mail: never send it to them again. Permanently refused ones are
        dropped (and recorded); what remains is retried for the temporarily refused only."""
        retry = [rcpt for rcpt, code in refused.items() if code < 500]
        dropped = [f"{rcpt} ({code})" for rcpt, code in refused.items() if code >= 500]
        with transaction():
            if dropped:
                Event.create(ticket=row.ticket_id, kind="send_failed",
                             detail=f"{row.message_id}: refused for good by the relay: "
                                    f"{', '.join(dropped)}")
            changes = {"recipients": "\n".join(retry)} if retry else {
                "status": "sent", "sent_at": self.clock(), "attempts": Outbox.attempts + 1,
                "claimed_until": None,
                "last_error": f"refused for some recipients: {', '.join(dropped)}"}
            Outbox.update(**changes).where(Outbox.id == row.id).execute()
        log.warning("%s: partly delivered; %s", row.message_id,
                    (f"retrying for {', '.join(retry)}" if retry
                     else f"refused for good: {', '.join(dropped)}"))
        return Outbox.get_by_id(row.id)

    def _backoff(self, attempts: int) -> float:
        base = min(self.retry.max_seconds, self.retry.initial_seconds * 2 ** (attempts - 1))
        return base * (0.8 + 0.4 * self.jitter())
