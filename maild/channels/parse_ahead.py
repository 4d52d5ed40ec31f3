"""Parsing ahead: one worker process checks the limits of a fetched batch and parses it while the
pipeline works through the mails before, so a backlog keeps both cores busy.

Only the IMAP channel has batches; a batch of one is parsed in place, so a daemon idling on its
mailbox has no worker, and one is started for the first backlog. Whatever goes wrong in the
worker (it died, a result would not unpickle) only means the pipeline's own parse step parses
that mail, as it parses every mail of the other channels. docs/design.md, "Parsing ahead".
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor

from maild.config import Limits
from maild.pipeline.context import Parsed
from maild.pipeline.parse import parse_checked

log = logging.getLogger("maild.imap")
CHUNK = 5  # mails a task: a task is done, and its mails can be taken, this soon
ORPHAN_CHECK_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    """In the worker: end when maild is gone (killed, it cannot say so), not linger holding its
    output open (docs/design.md)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _parse_all(contents: list[bytes], limits: Limits) -> list[Parsed | None]:
    """In the worker. None where parsing raised: the parse step fails on it again, and says so."""
    parsed: list[Parsed | None] = []
    for content in contents:
        try:
            parsed.append(parse_checked(content, limits))
        except Exception:  # noqa: BLE001 - the pipeline quarantines it, with the reason
            parsed.append(None)
    return parsed


class Ahead:
    """The parses of one batch, by UID, as the worker finishes them."""

    def __init__(self, chunks: list[tuple[list[int], Future[list[Parsed | None]]]]) -> None:
        self._where = {uid: (future, i) for uids, future in chunks for i, uid in enumerate(uids)}

    def get(self, uid: int) -> Parsed | None:
        """The mail's Parsed if the worker is done with it; else None, and the pipeline parses it
        itself rather than wait (for a worker still starting, or stuck on a hostile mail)."""
        future, index = self._where.pop(uid, (None, 0))
        if future is None or not future.done():
            return None
        try:
            return future.result()[index]
        except Exception as exc:  # noqa: BLE001 - the worker died: this mail is parsed in place
            log.warning("parsing ahead failed (%s: %s): parsed in place", type(exc).__name__, exc)
            return None


class ParseAhead:
    def __init__(self, limits: Callable[[], Limits]) -> None:
        """`limits`: the current config's (a reload may change them)."""
        self._limits = limits
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # watchers of several mailboxes share the worker

    def start(self, contents: Mapping[int, bytes]) -> Ahead:
        """Hand a fetched batch to the worker, in chunks, in UID order."""
        uids = sorted(contents)
        if len(uids) < 2:
            return Ahead([])
        limits = self._limits()
        chunks = [uids[i:i + CHUNK] for i in range(0, len(uids), CHUNK)]
        futures = [self._submit([contents[uid] for uid in part], limits) for part in chunks]
        return Ahead([(part, future) for part, future in zip(chunks, futures) if future])

    def warm(self) -> Future[list[Parsed | None]] | None:
        """Start the worker now, when a backlog is expected: it loads while the caller connects.
        The future is done once the worker is up; None: there is no worker."""
        return self._submit([], self._limits())

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def _submit(self, contents: list[bytes], limits: Limits) -> Future[list[Parsed | None]] | None:
        """None: no worker (it died twice, or none can start); the pipeline parses in place."""
        with self._lock:
            for _ in range(2):  # a worker that died is replaced once
                try:
                    return self._worker().submit(_parse_all, contents, limits)
                except (OSError, RuntimeError) as exc:  # BrokenProcessPool is a RuntimeError
                    log.warning("parsing ahead: no worker (%s): mail is parsed in place", exc)
                    self._pool = None
            return None

    def _worker(self) -> ProcessPoolExecutor:
        # spawned, not forked: the daemon's other threads may hold locks a fork would copy
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"),
                                             _watch_parent, (os.getpid(),))
        return self._pool
