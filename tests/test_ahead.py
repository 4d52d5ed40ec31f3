"""Parsing ahead in a worker process: the same results as parsing in place, and nothing lost or
stuck when the worker dies, hangs or its parent goes."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import write_config
from maild.config import Limits, load_config
from maild.intake import Intake, Outcome
from maild.pipeline import ahead
from maild.pipeline.ahead import Ahead
from maild.pipeline.context import ParsedMail, Prepared
from maild.runtime import Runtime, Settings
from maild.store import raw as raw_store
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Event, Message
from mails import follow_up, out_of_office, varied
from test_conversation import build
from test_hostile import big_header, forwarded, many_parts, nested

LIMITS = Limits()


@pytest.fixture
def worker() -> Iterator[Ahead]:
    parsing = Ahead()
    assert parsing.warm_up(60), "the worker process did not start"
    yield parsing
    parsing.close()


def in_place(content: bytes) -> Prepared:
    """What the worker does, done here: the reference its results must match after their trip."""
    result = ahead.prepare(content, LIMITS)
    assert result is not None
    return result


def comparable(mail: ParsedMail | None) -> tuple | None:
    if mail is None:
        return None
    fields = {name: value for name, value in vars(mail).items() if name != "headers"}
    return tuple(sorted(fields.items())), mail.headers.items(), mail.headers.as_bytes()


def ended(pid: int, timeout: float = 10.0) -> bool:
    """The process is gone, or dead and waiting to be reaped (a zombie)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def hostile_and_ordinary() -> list[bytes]:
    ordinary = varied(24)
    forged = ordinary[23].replace(b"Subject:", b"X-Maild-Loop: forged\r\nSubject:", 1)  # noted in the history
    return [*ordinary[:8], many_parts(1500), nested(99), nested(950), forwarded(120), *ordinary[8:16],
            follow_up(ordinary[0], 1), out_of_office(1), b"\x00\xff not a mail at all \r\n\r\n\xfe", *ordinary[16:23],
            forged]


def test_the_worker_makes_of_each_mail_what_parsing_in_place_does(worker: Ahead) -> None:
    contents = hostile_and_ordinary()
    worker.expect(contents, LIMITS)
    taken = [worker.take(content) for content in contents]
    assert all(result is not None for result in taken), "every mail under the size cap came back from the worker"
    for content, result in zip(contents, taken):
        expected = in_place(content)
        assert result is not None
        assert (result.refused, result.refused_by, result.notes, result.new_text) == \
            (expected.refused, expected.refused_by, expected.notes, expected.new_text)
        assert comparable(result.mail) == comparable(expected.mail)
    assert [r.refused_by for r in taken if r is not None and r.refused] == ["check_limits"] * 3
    assert taken[-1] is not None and "X-Maild-Loop header ignored" in taken[-1].notes[0]
    replies = [r for r in taken if r is not None and r.new_text is not None]  # quotes stripped ahead too
    assert len(replies) == 1 and replies[0].mail is not None and replies[0].mail.thread_ids


def test_a_starting_worker_does_not_hold_up_the_first_mails() -> None:
    parsing = Ahead()
    try:
        contents = varied(64)
        parsing.expect(contents, LIMITS)
        started = time.monotonic()
        assert parsing.take(contents[0]) is None  # the worker is still starting: parsed in place
        assert time.monotonic() - started < 0.05
        assert parsing.take(contents[1]) is None
        deadline = time.monotonic() + 60
        answered = None
        for content in contents[2:]:
            while answered is None and not parsing.warm_up(0.05) and time.monotonic() < deadline:
                pass  # as if the pipeline ran, until the worker is up
            answered = parsing.take(content)
        assert answered is not None  # once it is up, the worker's results are used
    finally:
        parsing.close()


def test_too_few_or_too_large_mails_are_parsed_in_place(worker: Ahead) -> None:
    few = varied(ahead.MIN_BATCH - 1)
    worker.expect(few, LIMITS)
    assert [worker.take(content) for content in few] == [None] * len(few)
    large = big_header(ahead.MAX_BYTES)
    batch = [*varied(ahead.MIN_BATCH), large]
    worker.expect(batch, LIMITS)
    assert worker.take(large) is None
    assert worker.take(batch[0]) is not None
    assert worker.take(b"never named to expect") is None


def test_a_killed_worker_means_parsing_in_place_for_a_while(worker: Ahead, caplog: pytest.LogCaptureFixture) -> None:
    [process] = multiprocessing.active_children()
    os.kill(process.pid, signal.SIGSTOP)  # so that it has answered none of these when it dies
    contents = varied(64)
    worker.expect(contents, LIMITS)
    os.kill(process.pid, signal.SIGKILL)
    assert ended(process.pid)
    time.sleep(0.5)  # the pool notices
    with caplog.at_level(logging.WARNING, logger="maild.pipeline"):
        rest = [worker.take(content) for content in contents]
    assert rest == [None] * 64  # all parsed in place
    assert "parsing ahead stopped for 10 minutes" in caplog.text and "worker died" in caplog.text
    again = varied(16, seed=8)
    worker.expect(again, LIMITS)
    assert [worker.take(content) for content in again] == [None] * 16  # no new worker during the pause
    assert multiprocessing.active_children() == []


def test_a_stuck_worker_is_killed_and_the_batch_parsed_in_place(worker: Ahead, monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    contents = varied(16)
    worker.expect(contents, LIMITS)
    assert worker.take(contents[0]) is not None
    [process] = multiprocessing.active_children()
    os.kill(process.pid, signal.SIGSTOP)  # alive, and answers nothing
    monkeypatch.setattr(ahead, "WAIT_SECONDS", 0.5)
    deadline = time.monotonic() + 10
    with caplog.at_level(logging.WARNING, logger="maild.pipeline"):
        while "worker gave no answer for 0.5 s" not in caplog.text and time.monotonic() < deadline:
            more = varied(16, seed=9)
            worker.expect(more, LIMITS)
            started = time.monotonic()
            assert [worker.take(content) for content in more] == [None] * 16
            assert time.monotonic() - started < 1  # one short wait for the batch, not one per mail
    assert "worker gave no answer" in caplog.text
    assert ended(process.pid), "the stuck worker was left running"


def test_closing_ends_even_a_stopped_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    parsing = Ahead()
    assert parsing.warm_up(60)
    [process] = multiprocessing.active_children()
    os.kill(process.pid, signal.SIGSTOP)
    monkeypatch.setattr(ahead, "CLOSE_SECONDS", 0.5)
    closing = threading.Thread(target=parsing.close, daemon=True)
    closing.start()
    closing.join(10)
    hung = closing.is_alive()
    if hung:
        os.kill(process.pid, signal.SIGKILL)  # so that the failure below leaves nothing behind
    assert not hung, "close() waited for ever on a stopped worker"
    assert ended(process.pid)


def test_the_worker_ends_when_maild_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import multiprocessing, os, sys
        sys.path.insert(0, sys.argv[1])
        from maild.config import Limits
        from maild.pipeline.ahead import Ahead
        from mails import varied
        if __name__ == "__main__":
            contents = varied(8)
            parsing = Ahead()
            assert parsing.warm_up(60)
            parsing.expect(contents, Limits())
            assert parsing.take(contents[0]) is not None
            print(multiprocessing.active_children()[0].pid, flush=True)
            os.kill(os.getpid(), 9)
    """)
    (tmp_path / "killed.py").write_text(script)
    run = subprocess.run([sys.executable, str(tmp_path / "killed.py"), str(Path(__file__).parent)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == -9, run.stderr
    assert ended(int(run.stdout)), "the worker outlived maild"


def test_intake_outcomes_are_the_same_with_the_worker(tmp_path: Path) -> None:
    """A batch with bombs, a reply, an auto-reply and junk through an intake that parses ahead,
    and the same batch through one that does not: the same outcomes and quarantine reasons."""
    contents = hostile_and_ordinary()

    def outcomes(intake: Intake) -> tuple[list[Outcome], list[str], list[str], list[tuple[str, str]]]:
        intake.expect(contents)
        result = [intake.accept(content, "test", "test", ["helpdesk@example.com"], None) for content in contents]
        texts = [m.text for m in Message.select().where(Message.direction == "in").order_by(Message.id)]
        events = [(e.kind, e.detail) for e in Event.select().order_by(Event.id)]
        return result, [raw.reason for raw in raw_store.quarantined()], texts, events

    ahead_intake = build(tmp_path / "ahead")
    assert ahead_intake.ahead is not None, "this machine has one core: run the suite where there are two"
    assert ahead_intake.ahead.warm_up(60)
    with_worker = outcomes(ahead_intake)
    ahead_intake.close()
    without = build(tmp_path / "in-place")
    without.ahead = None
    assert with_worker == outcomes(without)
    assert with_worker[0].count(Outcome.QUARANTINED) == 3 == len(with_worker[1])


def test_no_worker_where_none_can_start(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A sandbox without POSIX semaphores (or processes): everything is parsed in place, said once."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/dev/shm")

    monkeypatch.setattr(ahead, "ProcessPoolExecutor", refuse)
    parsing = Ahead()
    contents = varied(16)
    with caplog.at_level(logging.WARNING, logger="maild.pipeline"):
        for _ in range(3):
            parsing.expect(contents, LIMITS)
            assert [parsing.take(content) for content in contents] == [None] * 16
    assert caplog.text.count("parsing ahead unavailable for 10 minutes") == 1
    assert not parsing.warm_up(1)


def test_parse_ahead_can_be_turned_off(tmp_path: Path) -> None:
    config = write_config(tmp_path, relay_port=None, smtp_port=2525)
    config.write_text(config.read_text().replace("inbound:\n", "inbound:\n  parse_ahead: false\n", 1))
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    intake = Intake(Runtime(settings))
    contents = varied(16)
    intake.expect(contents)
    outcomes = [intake.accept(content, "test", "test", ["helpdesk@example.com"], None) for content in contents]
    assert outcomes == [Outcome.OPENED] * 16
    assert multiprocessing.active_children() == []  # no worker was started
