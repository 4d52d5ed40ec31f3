"""IMAP watcher: watch a mailbox, commit each mail, then confirm it to the server.

One pass fetches what is in the folder by UID with BODY.PEEK[] in batches (so nothing is marked
read before it is stored), hands each mail to intake, and only after commit flags it \\Seen and
moves it to the processed folder (quarantined mail to the quarantine folder). A crash or a failed
MOVE leaves the mail where it was; the next pass finds it again and the raw store's dedupe key
makes that a no-op, so no second ticket and no second acknowledgement.

Between passes the watcher IDLEs when the server has it (re-issued every `idle_renew_seconds`,
well inside RFC 2177's 29 minutes, so a silently dropped link is noticed), or polls. Any failure
reconnects with jittered exponential backoff; a refused login waits longer. It never needs a
restart.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError

from maild import metrics
from maild.channels.imap.connection import MailboxUnavailable, close, connect
from maild.channels.parse_ahead import Ahead, ParseAhead
from maild.config import ImapMailbox
from maild.errors import HeldElsewhere, TransientError
from maild.faults import crash_point, pause_point
from maild.intake import Arrival, Batch, Outcome, Parsed
from maild.store import mailboxes
from maild.runtime.tokens import TokenSource

log = logging.getLogger("maild.imap")
SEEN = b"\\Seen"
FETCH_BYTES = 16 * 1024 * 1024  # at most this much mail in memory per FETCH
GROUP_SECONDS = 0.5  # mails committed together: other writers wait at most this long for the lock
FAILING_TRIES = 3  # a mail that failed this often in a row (database errors) is passed over ...
FAILING_PAUSE_SECONDS = 3600.0  # ... for this long, so the mails after it flow
# the first IDLE after a pass ends this soon, for mail it would not tell of
EARLY_DONE_SECONDS = 0.25
DELETED = b"\\Deleted"

Accept = Callable[[Arrival, Batch, Parsed | None], Outcome]
Progress = Callable[[int, int], None]
# Yields the batch whose mails commit together when it ends (Intake.group); None: each on its own.
OpenBatch = Callable[[], AbstractContextManager[Batch]]


def _each_on_its_own() -> AbstractContextManager[Batch]:
    return nullcontext(None)


@dataclass
class PassReport:
    fetched: int = 0
    confirmed: int = 0
    confirm_failures: int = 0
    held_elsewhere: int = 0
    passed_over: int = 0  # failed FAILING_TRIES times in a row; left in the folder for now
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1


def _announced(client: IMAPClient) -> bool:
    """Whether the server told of new mail (EXISTS) in a reply to one of our commands since the
    last call: imaplib keeps those aside, and IDLE does not tell of them again
    (docs/internals.md)."""
    aside = client._imap.untagged_responses  # imaplib's; imapclient reads it the same way
    return bool(aside.pop("EXISTS", None))


@dataclass(frozen=True)
class Folder:
    uidvalidity: int
    cursor: mailboxes.MailboxCursor


@dataclass(frozen=True)
class Sized:
    """A batch's UIDs split into FETCHes of at most FETCH_BYTES, and the sizes of mail over the
    limit (not downloaded)."""

    parts: list[list[int]]
    oversize: dict[int, int]


def _sized(client: IMAPClient, uids: list[int], max_bytes: int) -> Sized:
    """Sizes first, so mail over the size limit is never downloaded (memory stays bounded)."""
    sizes = {uid: int(data.get(b"RFC822.SIZE", 0))
             for uid, data in client.fetch(uids, [b"RFC822.SIZE"]).items()}
    oversize = {uid: sizes[uid] for uid in uids if sizes.get(uid, 0) > max_bytes}
    parts: list[list[int]] = [[]]
    total = 0
    for uid in (u for u in uids if u in sizes and u not in oversize):  # others: expunged meanwhile
        if parts[-1] and total + sizes[uid] > FETCH_BYTES:
            parts.append([])
            total = 0
        parts[-1].append(uid)
        total += sizes[uid]
    return Sized([part for part in parts if part], oversize)


def _fetch(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    fetched = client.fetch(uids, [b"BODY.PEEK[]"])
    return {uid: bytes(data[b"BODY[]"]) for uid, data in fetched.items()
            if data.get(b"BODY[]") is not None}


def _move(client: IMAPClient, uids: list[int], folder: str) -> None:
    """Flag \\Seen and move out of the watched folder (COPY+STORE+EXPUNGE without MOVE)."""
    client.add_flags(uids, [SEEN], silent=True)
    if not client.folder_exists(folder):
        client.create_folder(folder)
    if client.has_capability("MOVE"):
        client.move(uids, folder)
    else:
        client.copy(uids, folder)
        client.add_flags(uids, [DELETED], silent=True)
        client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()


def _announced_now(client: IMAPClient) -> bool:
    """Whether a NOOP tells of new mail (the server looks at the mailbox for it): EXISTS only, as
    for `_announced`."""
    _, responses = client.noop()
    _announced(client)  # imaplib kept the same lines aside: they are answered here
    return _tells_of_mail(responses, (b"EXISTS",))


def _tells_of_mail(responses: list[tuple[Any, ...]],
                   kinds: tuple[bytes, ...] = (b"EXISTS", b"RECENT")) -> bool:
    return any(len(response) > 1 and response[1] in kinds for response in responses)


class MailboxWatcher:
    def __init__(self, mailbox: ImapMailbox, base: Path, accept: Accept, max_bytes: int,
                 stop: threading.Event | None = None, group: OpenBatch = _each_on_its_own,
                 tokens: TokenSource | None = None, parse_ahead: ParseAhead | None = None) -> None:
        self.mailbox = mailbox
        self.parse_ahead = parse_ahead  # None: the pipeline parses each mail as it comes
        self.base = base
        self.tokens = tokens
        self.accept = accept
        self.group = group
        self.max_bytes = max_bytes  # larger mail is never downloaded: it goes to quarantine_folder
        self.stop = stop or threading.Event()
        self.connected = False
        # source -> (failures in a row, when the last was)
        self.failing: dict[str, tuple[int, float]] = {}

    # ------------------------------------------------------------ one pass

    def fetch_once(self, progress: Progress | None = None) -> PassReport:
        """Connect, process everything in the folder now, disconnect (`maild fetch --once`)."""
        client = connect(self.mailbox, self.base, self.tokens)
        try:
            return self.process_folder(client, progress)
        finally:
            close(client)

    def process_folder(self, client: IMAPClient, progress: Progress | None = None) -> PassReport:
        m = self.mailbox
        try:
            selected = client.select_folder(m.folder)
            _announced(client)  # the SELECT's own counts: this pass sees those mails
            uidvalidity = int(selected[b"UIDVALIDITY"])
            cursor = mailboxes.cursor(m.name, m.folder)
            if cursor.uidvalidity is not None and cursor.uidvalidity != uidvalidity:
                log.warning("%s: UIDVALIDITY of %s changed %s -> %s: old UIDs void, "
                            "reconciling by content",
                            m.name, m.folder, cursor.uidvalidity, uidvalidity)
                mailboxes.advance(cursor, uidvalidity, 0)
            # not what a COPY+STORE+EXPUNGE left half-done
            uids = sorted(client.search("UNDELETED"))
            report = PassReport()
            self._pass(client, uids, Folder(uidvalidity, cursor), report, progress)
            if not report.confirm_failures:
                mailboxes.record_ok(m.name, m.folder)
            return report
        except (OSError, IMAPClientError) as exc:
            raise MailboxUnavailable(f"{m.folder}: {exc}") from exc

    def _pass(self, client: IMAPClient, uids: list[int], folder: Folder, report: PassReport,
              progress: Progress | None) -> None:
        """The folder's mail batch by batch: fetch, process, commit, move."""
        size = self.mailbox.batch
        for start in range(0, len(uids), size):
            if self.stop.is_set():
                break
            self._batch(client, uids[start:start + size], folder, report)
            if progress:
                progress(min(start + size, len(uids)), len(uids))

    def _batch(self, client: IMAPClient, uids: list[int], folder: Folder,
               report: PassReport) -> None:
        """Hold the batch's mail (other hosts may watch this mailbox too) until it is moved."""
        m = self.mailbox
        held = mailboxes.hold_uids(m.name, m.folder, folder.uidvalidity, uids)
        report.held_elsewhere += len(uids) - len(held)
        try:
            wanted = [uid for uid in held
                      if not self._passed_over(self._source(folder.uidvalidity, uid), report)]
            if wanted:
                self._fetch_and_commit(client, wanted, folder, report)
        finally:
            mailboxes.let_go(m.name, m.folder, folder.uidvalidity, held)

    def _fetch_and_commit(self, client: IMAPClient, uids: list[int], folder: Folder,
                          report: PassReport) -> None:
        sized = _sized(client, uids, self.max_bytes)
        self._refuse_oversize(client, sized.oversize, report)
        for part in sized.parts:
            contents = _fetch(client, part)
            crash_point("imap.after_fetch")
            ahead = self.parse_ahead.start(contents) if self.parse_ahead else Ahead([])
            rest = [uid for uid in part if uid in contents]  # the others were expunged meanwhile
            while rest:
                rest = self._commit_group(client, rest, contents, ahead, folder, report)

    def _refuse_oversize(self, client: IMAPClient, oversize: dict[int, int],
                         report: PassReport) -> None:
        """Mail over the size limit is moved to the quarantine folder without being downloaded."""
        m = self.mailbox
        for uid, size in oversize.items():
            detail = (f"{m.folder} UID {uid}: {size} bytes, over the limit of {self.max_bytes}; "
                      f"not fetched, left in {m.quarantine_folder}")
            log.warning("%s: %s", m.name, detail)
            mailboxes.record_refusal(m.name, detail)
            report.count(Outcome.QUARANTINED)
        if oversize:
            self._confirm(client, list(oversize), m.quarantine_folder, report)

    def _commit_group(self, client: IMAPClient, uids: list[int], contents: dict[int, bytes],
                      ahead: Ahead, folder: Folder, report: PassReport) -> list[int]:
        """Accept mails in one transaction for up to GROUP_SECONDS (one fsync for many, and the
        write lock held no longer), commit, then move them. One the pipeline cannot handle is
        quarantined alone. An error out of `accept` (the database failing) ends the group: what
        came before it is still committed and moved, then the error goes on. Returns the UIDs the
        group did not reach."""
        m = self.mailbox
        done: dict[str, list[int]] = {m.processed_folder: [], m.quarantine_folder: []}
        failure: Exception | None = None
        deadline = time.monotonic() + GROUP_SECONDS
        rest = list(uids)
        with self.group() as batch:
            while rest:
                uid = rest.pop(0)
                report.fetched += 1
                source = self._source(folder.uidvalidity, uid)
                try:
                    arrival = Arrival(contents[uid], source, f"imap:{m.name}",
                                      route_defaults=m.route_defaults)
                    outcome = self.accept(arrival, batch, ahead.get(uid))
                except HeldElsewhere:
                    report.held_elsewhere += 1  # another host commits and confirms it
                    continue
                except Exception as exc:  # noqa: BLE001 - the database, or a bug: keep the rest
                    failure, rest = exc, []
                    self._count_failure(source)
                    break
                self.failing.pop(source, None)
                report.count(outcome)
                quarantined = outcome is Outcome.QUARANTINED
                target = m.quarantine_folder if quarantined else m.processed_folder
                done[target].append(uid)
                if time.monotonic() >= deadline:
                    break
            committed = [uid for moved in done.values() for uid in moved]
            if committed:
                mailboxes.advance(folder.cursor, folder.uidvalidity,
                                  max(folder.cursor.last_uid, *committed))
        if any(done.values()):
            crash_point("imap.after_commit")
            pause_point("imap.after_commit")
        for target, moved in done.items():
            if moved:
                self._confirm(client, moved, target, report)
        if failure is not None:
            raise failure
        return rest

    def _confirm(self, client: IMAPClient, uids: list[int], folder: str,
                 report: PassReport) -> None:
        """Move committed mail, and count it. A MOVE the server refuses is logged (its mails stay,
        and are skipped as duplicates next pass); a broken connection goes on to the watcher."""
        try:
            _move(client, uids, folder)
        except IMAPClientAbortError:
            report.confirm_failures += len(uids)
            raise
        except IMAPClientError as exc:
            log.error("%s: could not move %d committed mails to %s (they stay and are skipped as "
                      "duplicates next pass): %s", self.mailbox.name, len(uids), folder, exc)
            mailboxes.record_error(self.mailbox.name, self.mailbox.folder, f"confirm failed: {exc}")
            report.confirm_failures += len(uids)
            return
        except OSError:
            report.confirm_failures += len(uids)
            raise
        report.confirmed += len(uids)

    def _source(self, uidvalidity: int, uid: int) -> str:
        return f"imap:{self.mailbox.name}:{self.mailbox.folder}:{uidvalidity}:{uid}"

    def _count_failure(self, source: str) -> None:
        tries, _ = self.failing.get(source, (0, 0.0))
        if len(self.failing) >= 1000:
            self.failing.clear()  # mails long gone from the folder; the count starts again
        self.failing[source] = (tries + 1, time.monotonic())

    def _passed_over(self, source: str, report: PassReport) -> bool:
        """A mail that made intake fail FAILING_TRIES times in a row (a database error only it
        meets) waits FAILING_PAUSE_SECONDS in the folder, so it never holds up the mails after it;
        then it is tried again, and one more failure passes it over again."""
        tries, last = self.failing.get(source, (0, 0.0))
        if tries < FAILING_TRIES:
            return False
        if time.monotonic() - last >= FAILING_PAUSE_SECONDS:
            self.failing[source] = (FAILING_TRIES - 1, last)
            return False
        report.passed_over += 1
        if tries == FAILING_TRIES:  # say it once, not at every pass
            self.failing[source] = (tries + 1, last)
            detail = (f"{source} failed {tries} times in a row with a database error; left in "
                      f"{self.mailbox.folder}, tried again in "
                      f"{FAILING_PAUSE_SECONDS / 60:.0f} minutes")
            log.error("%s: %s", self.mailbox.name, detail)
            mailboxes.record_refusal(self.mailbox.name, detail)
        return True


    # ------------------------------------------------------------ watching

    def run_forever(self) -> None:
        """Watch until `stop` is set, reconnecting after any failure."""
        failures = 0
        while not self.stop.is_set():
            try:
                client = connect(self.mailbox, self.base, self.tokens)
            except MailboxUnavailable as exc:
                failures += 1
                self._failed(exc, failures)
                continue
            if failures:
                log.info("%s: connected again after %d failed attempts", self.mailbox.name,
                         failures)
            failures = 0
            self.connected = True
            try:
                self._watch(client)
            except (MailboxUnavailable, OSError, IMAPClientError, TransientError) as exc:
                failures += 1
                self._failed(exc, failures)
            except Exception as exc:  # noqa: BLE001 - a watcher must never die; say why and go on
                log.exception("%s: unexpected error, reconnecting", self.mailbox.name)
                failures += 1
                self._failed(exc, failures)
            finally:
                self.connected = False
                close(client)

    def _watch(self, client: IMAPClient) -> None:
        idle = self.mailbox.idle and client.has_capability("IDLE")
        log.info("%s: watching %s on %s (%s)", self.mailbox.name, self.mailbox.folder,
                 self.mailbox.host,
                 "IDLE" if idle else f"polling every {self.mailbox.poll_seconds:.0f}s")
        told_early = False
        while not self.stop.is_set():
            report = self.process_folder(client)
            if report.fetched:
                log.info("%s: %d fetched, %d moved, %s", self.mailbox.name, report.fetched,
                         report.confirmed, report.outcomes)
            pause_point("imap.after_pass")
            if not idle:
                self.stop.wait(self.mailbox.poll_seconds)
            elif report.fetched and _announced(client):
                continue  # more mail, told in the reply to a command: IDLE would not tell again
            else:
                # Not early again after an early end whose pass found nothing (docs/internals.md).
                told_early = self._idle(client, early=bool(report.fetched) or not told_early)

    def _idle(self, client: IMAPClient, early: bool) -> bool:
        """IDLE until new mail, the renewal or stop; whether it ended early and that told of mail.
        The early NOOP (`early`): end the IDLE after EARLY_DONE_SECONDS and ask with a NOOP, for
        mail IDLE does not tell of; then IDLE again (docs/internals.md)."""
        pause_point("imap.before_idle")
        remaining = self.mailbox.idle_renew_seconds
        if early:
            seconds = min(EARLY_DONE_SECONDS, remaining)
            if self._idle_for(client, seconds) or _announced_now(client):
                return True
            remaining -= seconds
        self._idle_for(client, remaining)
        return False

    def _idle_for(self, client: IMAPClient, seconds: float) -> bool:
        """One IDLE of up to `seconds` (short checks keep stopping prompt); whether it, or the
        answer to its DONE, told of new mail."""
        client.idle()
        told = False
        try:
            while seconds > 0 and not told and not self.stop.is_set():
                told = _tells_of_mail(client.idle_check(timeout=min(1.0, seconds)))
                seconds -= 1.0
        finally:
            _, responses = client.idle_done()
        return told or _tells_of_mail(responses)

    def _failed(self, exc: Exception, failures: int) -> None:
        m = self.mailbox
        auth = isinstance(exc, MailboxUnavailable) and exc.auth
        base = m.auth_retry_seconds if auth else m.retry_seconds
        backoff = min(m.retry_max_seconds, base * 2 ** min(failures - 1, 16))
        delay = backoff * (0.5 + random.random() / 2)
        metrics.FETCH_ERRORS.labels(m.name).inc()
        log.error("%s (%s@%s): %s; retrying in %.1fs", m.name, m.user, m.host, exc, delay)
        try:
            mailboxes.record_error(m.name, m.folder, str(exc))
        except TransientError:
            pass
        self.stop.wait(delay)
