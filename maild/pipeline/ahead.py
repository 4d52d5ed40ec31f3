"""Parsing ahead: a second process checks the limits of, parses, and strips the quoted history
from the mails a channel has in hand while this process runs the rest of the pipeline over the
ones before them.

That work needs nothing but the bytes and the limits (quote stripping: nothing but the text, until
our own texts on the ticket are looked up, see quotes.new_text's `known`). It was 0.6 ms of the
3.2 ms a mail took on a 2-core VM; with a core to spare an IMAP backlog goes through that much
faster (bench/imap.py). Where a mail was parsed changes nothing of what becomes of it: the steps
take the worker's result when there is one and do the work themselves otherwise: in a batch too
small to gain from it (IDLE brings one mail at a time), for a large mail (not worth copying
between processes), while a new worker starts, and whenever it failed, died or took too long.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from maild import memory
from maild.config import Limits
from maild.errors import Quarantine
from maild.outbound.notices import Notice, composed_or_none
from maild.outbound.render import Renderer
from maild.pipeline.context import ParsedMail, Prepared
from maild.pipeline.limits import check_content
from maild.pipeline.parse import parse_content
from maild.pipeline.quotes import new_text
from maild.pipeline.screen import automatic_headers

log = logging.getLogger("maild.pipeline")

MIN_BATCH = 8  # fewer mails in hand: the round trip costs more than the overlap saves
MAX_BYTES = 1 << 20  # larger mail is parsed in place: copying it both ways would cost memory
CHUNK = 8  # mails per task: one round trip for several
TAKE_SECONDS = 0.2  # the longest a mail waits for the worker; then it is parsed in place
WAIT_SECONDS = 30.0  # no answer for this long after a wait timed out: the worker is stuck, and is killed
PARENT_CHECK_SECONDS = 1.0
CLOSE_SECONDS = 5.0  # a worker finishing its chunk needs milliseconds
RESTART_PAUSE_SECONDS = 600.0  # after a worker failed: a worker that cannot start must not cost every batch


def worth_it() -> bool:
    """Only with a second core: on one, the worker would take its time from the pipeline."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux, or a system call filter refuses it
        cores = os.cpu_count() or 1
    return cores > 1


def started_early(parse_ahead: bool) -> Ahead | None:
    """An Ahead whose worker is already starting (`fetch --once`, which has mail to give it as soon
    as it has fetched), or None where parsing ahead is off or not worth it."""
    if not (parse_ahead and worth_it()):
        return None
    ahead = Ahead()
    ahead.start()
    return ahead


def _chunks(count: int) -> list[tuple[int, int]]:
    """(start, end) of each task: 1, 2 and 4 mails first, then CHUNK a task. The first mail of a
    batch is ready after one mail's parse, not after CHUNK mails' (5 ms of waiting each batch)."""
    bounds, start, size = [], 0, 1
    while start < count:
        bounds.append((start, min(start + size, count)))
        start, size = start + size, min(size * 2, CHUNK)
    return bounds


def prepare_chunk(contents: list[bytes], limits: Limits) -> list[Prepared | None]:
    """Runs in the worker process."""
    return [prepare(content, limits) for content in contents]


def prepare(content: bytes, limits: Limits) -> Prepared | None:
    """None on anything unexpected: the pipeline then runs the steps itself and reports the
    failure the usual way (quarantine, with the traceback in the log)."""
    step = "check_limits"
    try:
        check_content(content, limits)
        step = "parse"
        mail, notes = parse_content(content, limits)
        return Prepared(mail, tuple(notes), new_text=new_text(mail.text) if _may_be_reply(mail) else None)
    except Quarantine as exc:
        return Prepared(None, refused=exc.reason, refused_by=step)
    except Exception:  # noqa: BLE001 - the pipeline meets it again, in place, and reports it
        return None


_renderer: Renderer | None = None  # in the worker: the templates of the latest generation asked for


def compose_notices(templates_dir: Path, generation: str, notices: list[Notice]) -> list[bytes | None]:
    """Runs in the worker process: each notice's bytes, or None when it failed (it is composed
    again in place, where the failure is recorded)."""
    global _renderer
    if _renderer is None or _renderer.generation != generation:
        _renderer = Renderer(templates_dir, generation)
    return [composed_or_none(_renderer, notice) for notice in notices]


def _may_be_reply(mail: ParsedMail) -> bool:
    """Worth stripping quotes ahead: it names earlier mail, or has a tag in its subject, and its
    headers do not say it is automatic (an out-of-office is at most stored on its ticket, and
    stripping took a millisecond). Others that turn out to need it are stripped in place."""
    return (bool(mail.thread_ids) or "[" in mail.subject) and automatic_headers(mail) is None


def _start_worker(parent: int) -> None:
    """In the worker: Ctrl-C and SIGTERM are for maild itself, which ends the worker as it stops;
    and the worker goes when maild does (even killed), rather than waiting forever for work."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # systemd's stop signals the whole unit: maild ends it
    memory.settle()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@dataclass(frozen=True)
class Pending:
    pool: ProcessPoolExecutor
    future: Future[list[Any]]
    index: int  # the mail's place in the chunk


@dataclass(frozen=True)
class Composing:
    """A notice handed to the worker (notices.Collect)."""

    ahead: Ahead
    entry: Pending

    def __call__(self, wait: bool) -> bytes | None:
        return self.ahead._composed(self.entry, wait)

    def cancel(self) -> bool:
        return self.entry.future.cancel()


class Ahead:
    """One worker process, started on the first batch worth it. Thread-safe: each channel thread
    has its own mails in hand. Neither `expect` nor `take` raises: whatever goes wrong here, the
    mail is parsed in place."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._answered: ProcessPoolExecutor | None = None  # the pool whose worker has answered once
        self._unanswered_since: float | None = None  # when a wait for the worker first timed out
        self._paused_until = 0.0
        self._closed = False
        self._lock = threading.Lock()
        self._local = threading.local()

    def expect(self, contents: Sequence[bytes], limits: Limits) -> None:
        """Start on these mails, in the order they will be taken; forgets what this thread left
        untaken from its previous batch."""
        pending: dict[bytes, Pending] = {}
        self._local.pending = pending
        small = [content for content in contents if len(content) <= MAX_BYTES]
        if len(small) < MIN_BATCH:
            return
        pool = self._started()
        if pool is None:
            return
        try:
            for start, end in _chunks(len(small)):
                chunk = small[start:end]
                future = pool.submit(prepare_chunk, chunk, limits)
                pending.update((content, Pending(pool, future, i)) for i, content in enumerate(chunk))
        except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, no process: the rest is parsed in place
            self._drop(pool, f"worker unusable: {type(exc).__name__}: {exc}")

    def take(self, content: bytes) -> Prepared | None:
        """The worker's result for a mail named to `expect`, or None: parse it in place. Waits
        at most TAKE_SECONDS (the caller may hold the database's write lock), and not at all
        while a new worker is starting."""
        pending: dict[bytes, Pending] = getattr(self._local, "pending", {})
        entry = pending.pop(content, None)
        if entry is None:
            return None
        try:
            return self._result(entry, pending)
        except Exception:  # noqa: BLE001 - a bug here must cost the parse in place, not the mail
            log.exception("parsing ahead failed, the mail is parsed in place")
            return None

    def _result(self, entry: Pending, pending: dict[bytes, Pending]) -> Any:
        if self._answered is not entry.pool and not entry.future.done():
            return None  # a new worker takes half a second to start: meanwhile nothing waits for it
        try:
            result = entry.future.result(TAKE_SECONDS)[entry.index]
        except FutureTimeout:
            pending.clear()  # the rest of this batch is parsed in place: no mail waits twice
            since = self._unanswered_since = self._unanswered_since or time.monotonic()
            if time.monotonic() - since > WAIT_SECONDS:
                self._drop(entry.pool, f"worker gave no answer for {WAIT_SECONDS:g} s")
            return None
        except BrokenProcessPool as exc:
            pending.clear()
            self._drop(entry.pool, f"worker died: {exc}")
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. a result that would not pickle: this chunk only
            log.info("mail parsed in place: the worker's result was unusable: %s: %s", type(exc).__name__, exc)
            return None
        self._answered, self._unanswered_since = entry.pool, None
        return result

    def compose(self, renderer: Renderer, notices: list[Notice]) -> list[Composing] | None:
        """Have the worker compose these notices (one round trip); None when there is no worker
        that has answered yet (they are composed in place). Each returned callable gives one
        notice's bytes, or None: the worker failed, took too long, or (`wait` False) is not done
        yet; the notice is composed in place then."""
        pool = self._answered
        if pool is None or pool is not self._pool:
            return None
        try:
            future = pool.submit(compose_notices, renderer.templates_dir, renderer.generation, notices)
        except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, no process: composed in place
            self._drop(pool, f"worker unusable: {type(exc).__name__}: {exc}")
            return None
        return [Composing(self, Pending(pool, future, i)) for i in range(len(notices))]

    def _composed(self, entry: Pending, wait: bool) -> bytes | None:
        if not wait and not entry.future.done():
            return None
        try:
            result = self._result(entry, {})
        except Exception:  # noqa: BLE001 - a bug here must cost the composing in place, not the notice
            log.exception("composing ahead failed, the notice is composed in place")
            return None
        return result if isinstance(result, bytes) else None

    def start(self) -> None:
        """Start the worker now rather than on the first batch, without waiting for it: `fetch
        --once` has mail to give it as soon as it has opened the database and fetched."""
        pool = self._started()
        if pool is None:
            return
        try:
            started = pool.submit(os.getpid)
        except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, no process: mails are parsed in place
            self._drop(pool, f"worker unusable: {type(exc).__name__}: {exc}")
            return
        started.add_done_callback(partial(self._has_answered, pool))

    @property
    def ready(self) -> bool:
        """Its worker has answered: a batch's mails wait for its results rather than being parsed here."""
        return self._answered is not None and self._answered is self._pool

    def _has_answered(self, pool: ProcessPoolExecutor, started: Future[int]) -> None:
        with self._lock:
            if pool is self._pool and not started.cancelled() and started.exception() is None:
                self._answered = pool

    def warm_up(self, timeout: float = WAIT_SECONDS) -> bool:
        """Start the worker now and wait until it answers; False if it does not (tests use this to
        know the worker, not this process, parsed what they check)."""
        pool = self._started()
        try:
            ready = pool is not None and pool.submit(os.getpid).result(timeout) > 0
        except Exception:  # noqa: BLE001 - did not start, or died: not ready
            return False
        self._answered = pool
        return ready

    def stop(self) -> None:
        """End the worker (parsing ahead turned off by a reload); a later batch may start another.
        It finishes the chunk in hand; one that does not end within CLOSE_SECONDS is killed, so
        that maild's stop never hangs on it."""
        with self._lock:
            pool, self._pool, self._answered = self._pool, None, None
        if pool is not None:
            for process in _end(pool, CLOSE_SECONDS):
                process.join(1.0)

    def close(self) -> None:
        """End the worker for good (maild stopping, `fetch --once` done)."""
        self._closed = True
        self.stop()

    def _started(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._pool is None and not self._closed and time.monotonic() >= self._paused_until:
                try:
                    # spawn, not fork: the daemon has threads, and a fork copies their locks mid-use
                    self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_start_worker, initargs=(os.getpid(),))
                except Exception as exc:  # noqa: BLE001 - e.g. no POSIX semaphores (NotImplementedError)
                    self._paused_until = time.monotonic() + RESTART_PAUSE_SECONDS
                    log.warning("parsing ahead unavailable for %.0f minutes, mails are parsed in place: %s",
                                RESTART_PAUSE_SECONDS / 60, exc)
            return self._pool

    def _drop(self, pool: ProcessPoolExecutor, reason: str) -> None:
        """Parse in place for RESTART_PAUSE_SECONDS; then a batch starts a new worker."""
        with self._lock:
            if pool is not self._pool:
                return  # another thread dropped it already
            self._pool = self._answered = self._unanswered_since = None
            self._paused_until = time.monotonic() + RESTART_PAUSE_SECONDS
        log.warning("parsing ahead stopped for %.0f minutes, mails are parsed in place: %s",
                    RESTART_PAUSE_SECONDS / 60, reason)
        _end(pool, 0.0)


def _end(pool: ProcessPoolExecutor, grace: float) -> list[BaseProcess]:
    """Ask the pool to stop, and kill a worker still running after `grace` seconds (a stuck or
    stopped one would never take the request); returns those killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    exited = set(wait([process.sentinel for process in processes], grace)) if processes else set()
    killed = [process for process in processes if process.sentinel not in exited]
    for process in killed:  # still running, so its pid is still its own
        process.kill()
    return killed
