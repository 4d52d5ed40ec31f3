"""Intake: what every channel calls with the raw bytes of one inbound mail.

1. The bytes go into the raw store (with the channel's dedupe key) before anything parses them.
2. The pipeline runs in the same transaction: the raw mail, the ticket, its message, the outbox
   rows and the raw mail's outcome commit together (one fsync), or not at all.
3. A mail the pipeline cannot handle is stored again on its own, marked quarantined with the
   reason, so it is kept all the same; later mail flows.

`accept` returns normally once the mail is durably committed (the channel may then confirm it),
and raises TransientError when it could not be committed (the channel answers 451 / exit 75).
Inside `group` the commit comes at the group's end: the IMAP channel commits a fetched batch
at once and confirms it after.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime

from maild import alerts, defaults, metrics
from maild.arrival import Arrival
from maild.errors import Quarantine, TransientError
from maild.faults import pause_point
from maild.groups import CommitGroup, Spoiled
from maild.pipeline.context import MailContext, Outcome, Parsed
from maild.pipeline.quarantine_notice import tell_sender
from maild.pipeline.steps import STEPS, Step, run
from maild.runtime import Runtime
from maild.store import raw as raw_store
from maild.store.db import is_sqlite, transaction
from maild.store.models import RawMail, utcnow

__all__ = ["Arrival", "Batch", "Intake", "Outcome", "Parsed"]

log = logging.getLogger("maild.pipeline")
# The mails accepted inside one `Intake.group` so far; None where each mail commits on its own.
Batch = CommitGroup[Outcome] | None


def measured(accept: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """Count each mail by channel and outcome, and time it, around `Intake.accept`."""

    @functools.wraps(accept)
    def wrapper(self: Intake, arrival: Arrival, batch: Batch = None,
                parsed: Parsed | None = None) -> Outcome:
        channel = metrics.channel_of(arrival.source)
        metrics.MAILS_RECEIVED.labels(channel).inc()
        with metrics.PROCESSING_SECONDS.time():
            outcome = accept(self, arrival, batch, parsed)
        metrics.MAILS_PROCESSED.labels(channel, outcome.value).inc()
        return outcome

    return wrapper


class Intake:
    def __init__(self, runtime: Runtime, steps: Sequence[Step] = STEPS,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.runtime = runtime
        self.steps = steps
        self.clock = clock  # a seam: tests replay mail at chosen moments (weekends, bank holidays)

    @contextmanager
    def group(self) -> Iterator[Batch]:
        """On SQLite, mails accepted with the batch this yields commit together when it ends: one
        fsync for a batch. A mail that fails is still quarantined alone (see `accept`), and the
        channel confirms the batch to its source only after this block. A TransientError here
        (the commit failed) means nothing of the batch was stored.
        On PostgreSQL it yields None and each mail still commits on its own: hosts sharing the
        database would hold the row locks of a whole batch of tickets and deadlock each other."""
        if not is_sqlite():
            yield None
            return
        batch = CommitGroup[Outcome]([])
        with transaction():
            yield batch
            if batch.broken:
                raise TransientError(batch.broken)  # nothing of it is committed, or confirmed
        for line in batch.said:
            log.info("%s", line)

    @measured
    def accept(self, arrival: Arrival, batch: Batch = None,
               parsed: Parsed | None = None) -> Outcome:
        """Store and process one mail in one transaction (one fsync). A mail seen before is not
        processed again: DUPLICATE, or QUARANTINED when it is held (so a channel can file it there).
        When the pipeline fails, the raw mail is stored again, quarantined, in its own transaction.
        With a `batch` (from `group`) a mail has no savepoint of its own until one fails.
        `parsed`: the mail already checked and parsed from these bytes (channels.parse_ahead)."""
        if batch is None:
            return self._accept(arrival, isolated=True, parsed=parsed)
        said = batch.said

        def accept_one(one: Arrival, isolated: bool) -> Outcome:
            # a redone group passes its earlier mails here too: they are parsed again
            return self._accept(one, isolated, said, parsed if one is arrival else None)

        return batch.accept(arrival, accept_one)

    def _accept(self, arrival: Arrival, isolated: bool, said: list[str] | None = None,
                parsed: Parsed | None = None) -> Outcome:
        """`accept`'s work; not `isolated` (no savepoint), a pipeline failure raises Spoiled.
        `said`: where the mail's log line waits for the group's commit."""

        def save() -> tuple[RawMail, bool]:
            return raw_store.save(arrival.content, arrival.source, arrival.scope,
                                  list(arrival.recipients), arrival.envelope_from,
                                  dict(arrival.route_defaults))

        ctx: MailContext | None = None
        try:
            with transaction() if isolated else nullcontext():
                raw, created = save()
                if not created and raw.status != raw_store.RECEIVED:
                    log.info("raw mail %d from %s seen before (%s): not processed again", raw.id,
                             arrival.source, raw.status)
                    return _seen_before(raw)
                ctx = self._context(raw)
                ctx.parsed = parsed if created else None  # stored before: its own bytes
                run(ctx, self.steps)
                pause_point("intake.before_commit")
            return self._done(ctx, said)
        except TransientError:
            raise  # nothing was stored: the channel answers with a temporary failure
        except Exception as exc:  # noqa: BLE001 - any bug or library failure must not lose the mail
            if not isolated:
                raise Spoiled() from exc
            if isinstance(exc, Quarantine):
                reason = exc.reason
            else:
                reason = self._failure(arrival.source, ctx, exc)
        with transaction():
            raw, _ = save()
            if raw.status != raw_store.RECEIVED:  # another process finished it meanwhile
                return _seen_before(raw)
            return self._quarantine(raw, ctx, reason)

    @staticmethod
    def _failure(source: str, ctx: MailContext | None, exc: Exception) -> str:
        """Log a step's unexpected failure; the quarantine reason."""
        step = ctx.step if ctx else "store"
        log.exception("mail from %s: step %s raised", source, step)
        return f"step {step} failed: {type(exc).__name__}: {exc}"

    def _context(self, raw: RawMail) -> MailContext:
        return MailContext(
            raw_id=raw.id,
            content=bytes(raw.content),
            recipients=tuple(r for r in raw.recipients.split("\n") if r),
            envelope_from=raw.envelope_from,
            route_defaults=json.loads(raw.route_defaults or "{}"),
            settings=self.runtime.settings,
            now=self.clock(),
        )

    def process(self, raw: RawMail) -> Outcome:
        """Run the pipeline over a raw mail already stored (`retry`, recovery)."""
        ctx = self._context(raw)
        try:
            with transaction():
                if not raw_store.claim(raw.id):
                    return Outcome.DUPLICATE  # processed by someone else (the daemon, a `retry`)
                run(ctx, self.steps)
        except TransientError as exc:
            return self._deferred(raw, ctx, exc)
        except Quarantine as exc:
            return self._quarantine(raw, ctx, exc.reason)
        except Exception as exc:  # noqa: BLE001
            log.exception("raw mail %d: step %s raised", raw.id, ctx.step)
            reason = f"step {ctx.step} failed: {type(exc).__name__}: {exc}"
            return self._quarantine(raw, ctx, reason)
        return self._done(ctx)

    def _done(self, ctx: MailContext, waiting: list[str] | None = None) -> Outcome:
        """One log line a mail (ticket, acknowledgement, who was told), written once its work is
        committed (inside a `group`, when the group is: `waiting` holds it till then), so that no
        line claims a ticket whose transaction then rolled back."""
        if ctx.said:
            if waiting is not None:
                waiting.append("; ".join(ctx.said))
            else:
                log.info("%s", "; ".join(ctx.said))
        if ctx.outcome is None:
            raise ValueError("no step decided what becomes of the mail")
        return ctx.outcome

    def _quarantine(self, raw: RawMail, ctx: MailContext | None, reason: str) -> Outcome:
        """Hold the mail, and tell its sender where replying is allowed: one transaction, so the
        mark and the notice in the outbox commit together or not at all."""
        with transaction():
            if not raw_store.quarantine(raw.id, reason):
                return Outcome.DUPLICATE
            tell_sender(self.runtime.settings, raw, ctx.mail if ctx else None, reason,
                        ctx.now if ctx else self.clock())
        message_id = ctx.mail.message_id if ctx and ctx.mail else None
        log.warning("raw mail %d (%s) quarantined: %s", raw.id, message_id, reason)
        return Outcome.QUARANTINED

    def _deferred(self, raw: RawMail, ctx: MailContext, exc: TransientError) -> Outcome:
        """The raw mail stays `received`; recovery retries it. Too many tries: quarantine it."""
        try:
            attempts = raw_store.count_attempt(raw.id)
        except TransientError:
            raise exc from None  # the database is gone altogether: let the channel answer 4xx
        if attempts >= defaults.MAX_PROCESSING_ATTEMPTS:
            return self._give_up(raw, ctx, attempts, f"gave up after {attempts} attempts: {exc}")
        raise exc

    def _give_up(self, raw: RawMail, ctx: MailContext, attempts: int, reason: str) -> Outcome:
        """Quarantine, and tell staff in the same transaction: once, since only the first
        quarantine of a waiting mail succeeds. If the database refuses even that, the mail stays
        waiting and the next recovery pass tries again."""
        with transaction():
            outcome = self._quarantine(raw, ctx, reason)
            if outcome is Outcome.QUARANTINED:
                alerts.tell_gave_up(self.runtime.settings, raw.id, ctx.mail, attempts, reason)
        return outcome

    def recover(self, older_than_seconds: float = defaults.RECOVERY_AGE_SECONDS) -> int:
        """Process raw mail committed earlier but never finished (a crash, a database outage)."""
        done = 0
        for raw in raw_store.pending(older_than_seconds)[:defaults.RECOVERY_BATCH]:
            try:
                self.process(raw)
                done += 1
            except TransientError as exc:
                log.warning("recovery of raw mail %d deferred: %s", raw.id, exc)
                break
        return done

    def retry(self, ids: Sequence[int] = ()) -> list[tuple[int, Outcome]]:
        """Re-run quarantined mail (all of it when no ids are given), e.g. after a fix."""
        results = []
        for raw in raw_store.quarantined(ids):
            raw_store.reset_for_retry(raw.id)
            results.append((raw.id, self.process(RawMail.get_by_id(raw.id))))
        return results


def _seen_before(raw: RawMail) -> Outcome:
    return Outcome.QUARANTINED if raw.status == raw_store.QUARANTINED else Outcome.DUPLICATE
