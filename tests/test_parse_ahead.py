"""Parsing ahead in a second process: the same result as the parse step, a backlog taken from the
worker, and nothing lost or stuck when the worker dies or maild is killed."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import time
from dataclasses import fields
from pathlib import Path

import pytest

from conftest import MAILD, MaildSetup
from dovecot import Dovecot
from helpers import in_process_settings
from mails import mail, varied
from maild.channels.parse_ahead import Ahead, ParseAhead
from maild.config import Limits
from maild.pipeline.context import Parsed
from maild.pipeline.parse import parse_checked

CORPUS = Path(__file__).parent / "data" / "hostile"
LIMITS = Limits(max_depth=5)


def deep(levels: int) -> bytes:
    """A mail whose multiparts nest `levels` deep: over LIMITS, refused before parsing."""
    head = b"From: a@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    body = b"text\r\n"
    for level in range(levels):
        boundary = b"b%d" % level
        body = (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--'
                + boundary + b"\r\n" + body + b"--" + boundary + b"--\r\n")
    return head + body


def same(a: Parsed | None, b: Parsed) -> bool:
    """Equal as the pipeline sees them: every field, and the header block's bytes."""
    assert a is not None
    if (a.notes, a.refused, a.mail is None) != (b.notes, b.refused, b.mail is None):
        return False
    if a.mail is None or b.mail is None:
        return True
    plain = [f.name for f in fields(a.mail) if f.name != "headers"]
    return ([getattr(a.mail, n) for n in plain] == [getattr(b.mail, n) for n in plain]
            and a.mail.headers.as_bytes() == b.mail.headers.as_bytes())


def up(parse_ahead: ParseAhead) -> None:
    """Once its worker has started."""
    warm = parse_ahead.warm()
    assert warm is not None, "no worker could be started"
    warm.result(timeout=60)


def started(parse_ahead: ParseAhead, contents: dict[int, bytes]) -> Ahead:
    """The batch handed to a worker that is up, and every result in."""
    up(parse_ahead)
    ahead = parse_ahead.start(contents)
    deadline = time.monotonic() + 60
    while not all(future.done() for future, _ in ahead._where.values()):
        assert time.monotonic() < deadline, "the worker gave no results in 60 s"
        time.sleep(0.05)
    return ahead


def test_the_worker_gives_what_the_parse_step_gives_for_varied_hostile_and_refused_mail() -> None:
    contents = [*varied(20), *(p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))), deep(8)]
    parse_ahead = ParseAhead(lambda: LIMITS)
    try:
        ahead = started(parse_ahead, dict(enumerate(contents)))
        results = {uid: ahead.get(uid) for uid in range(len(contents))}
    finally:
        parse_ahead.close()
    for uid, content in enumerate(contents):
        assert same(results[uid], parse_checked(content, LIMITS)), f"mail {uid} differs"
    assert results[len(contents) - 1].refused == "MIME nesting is 8 deep, over the limit of 5"


def test_a_batch_of_one_is_left_to_the_pipeline_and_starts_no_worker() -> None:
    parse_ahead = ParseAhead(lambda: LIMITS)
    assert parse_ahead.start({7: varied(1)[0]}).get(7) is None
    assert multiprocessing.active_children() == []


def test_a_killed_worker_is_replaced_and_no_mail_waits_on_it() -> None:
    contents = dict(enumerate(varied(20)))
    parse_ahead = ParseAhead(lambda: LIMITS)
    try:
        up(parse_ahead)
        [worker] = multiprocessing.active_children()
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(10)
        time.sleep(0.5)  # the pool has seen it die
        ahead = started(parse_ahead, contents)
        assert all(same(ahead.get(uid), parse_checked(c, LIMITS)) for uid, c in contents.items())
        [replacement] = multiprocessing.active_children()
        assert replacement.pid != worker.pid
    finally:
        parse_ahead.close()


def test_the_pipeline_does_not_wait_for_a_mail_the_worker_has_not_finished() -> None:
    parse_ahead = ParseAhead(lambda: LIMITS)
    try:
        ahead = parse_ahead.start(dict(enumerate(varied(2))))  # the worker is still starting
        start = time.monotonic()
        assert ahead.get(0) is None
        assert time.monotonic() - start < 0.1
    finally:
        parse_ahead.close()


def test_a_backlog_is_taken_from_the_worker_into_tickets(imap_setup: MaildSetup,
                                                         dovecot: Dovecot) -> None:
    """An IMAP pass with parsing ahead: every mail a ticket, most parsed by the worker, and the
    refused one quarantined with the parse step's reason."""
    from maild.channels.imap import MailboxWatcher
    from maild.intake import Arrival, Batch, Intake, Outcome
    from maild.runtime import Runtime

    settings = in_process_settings(imap_setup)
    intake = Intake(Runtime(settings))
    taken: list[bool] = []

    def accept(arrival: Arrival, batch: Batch, parsed: Parsed | None) -> Outcome:
        taken.append(parsed is not None)
        return intake.accept(arrival, batch, parsed)

    dovecot.append([*varied(60), mail(subject="Oversized", body="x" * 300_000).as_bytes()])
    mailbox = settings.config.main.inbound.imap[0]
    parse_ahead = ParseAhead(lambda: settings.config.main.limits.model_copy(
        update={"max_message_bytes": 200_000}))
    try:
        up(parse_ahead)
        report = MailboxWatcher(mailbox, settings.config.path.parent, accept, 10_000_000,
                                group=intake.group, parse_ahead=parse_ahead).fetch_once()
    finally:
        parse_ahead.close()
    assert report.outcomes == {"opened": 60, "quarantined": 1}
    assert sum(taken) >= 40, f"only {sum(taken)} of 61 mails were parsed ahead"


def test_maild_killed_mid_pass_leaves_no_worker_holding_its_output(imap_setup: MaildSetup,
                                                                   dovecot: Dovecot) -> None:
    dovecot.append(varied(30))
    process = subprocess.Popen([*MAILD, "-c", str(imap_setup.config), "fetch", "--once"],
                               env={**os.environ, "MAILD_CRASH_AT": "imap.after_commit"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.wait(60) == -signal.SIGKILL
    start = time.monotonic()
    process.stdout.read()  # EOF only once every process holding the pipe is gone
    assert time.monotonic() - start < 5, "the parse worker outlived maild"


@pytest.mark.parametrize("setting", [True, False])
def test_fetch_once_starts_a_worker_unless_parse_ahead_is_off(imap_setup: MaildSetup,
                                                              dovecot: Dovecot,
                                                              setting: bool) -> None:
    """`maild fetch --once` over a backlog starts a worker process of its own, unless
    `inbound.parse_ahead: false`."""
    config = imap_setup.config.read_text()
    imap_setup.config.write_text(config.replace(
        "inbound:\n", f"inbound:\n  parse_ahead: {str(setting).lower()}\n", 1))
    dovecot.append(varied(300))
    log = (imap_setup.dir / "fetch.log").open("w+b")  # a pipe nobody reads would fill and block
    process = subprocess.Popen([*MAILD, "-c", str(imap_setup.config), "fetch", "--once"],
                               stdout=subprocess.PIPE, stderr=log)
    children: set[str] = set()
    while process.poll() is None:
        try:
            children |= set(Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
                            .split())
        except OSError:  # it ended meanwhile
            pass
        time.sleep(0.02)
    out, _ = process.communicate()
    log.seek(0)
    assert process.returncode == 0, log.read().decode()[-2000:]
    assert out.startswith(b"helpdesk: 300 fetched, 300 moved")
    assert bool(children) is setting
