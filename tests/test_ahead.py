"""Parsing ahead in a worker process: the same results as parsing in place, and nothing lost or
stuck when the worker dies, hangs or its parent goes."""

from __future__ import annotations

import contextlib
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
from email import message_from_bytes, policy
import shutil
from pathlib import Path

import pytest

from conftest import write_config
from maild.config import Limits, load_config
from maild.defaults import TEMPLATES_DIR
from maild.intake import Intake, Outcome
from maild.outbound import notices, outbox
from maild.outbound.notices import Notice, compose_notice
from maild.outbound.render import Renderer
from maild.pipeline import ahead
from maild.pipeline.steps import STEPS
from maild.pipeline.ahead import Ahead
from maild.pipeline.context import MailContext, ParsedMail, Prepared
from maild.runtime import Runtime, Settings
from maild.store import raw as raw_store
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Event, Message, Outbox, Ticket
from mails import follow_up, mail, out_of_office, varied
from test_conversation import CUSTOMER_MAIL, build
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


def test_the_worker_makes_of_each_mail_what_parsing_in_place_does(worker: Ahead,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead, "TAKE_SECONDS", 10.0)  # a slow machine must not turn this into parsing here
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


def test_a_worker_started_early_has_the_first_mail_of_the_first_batch() -> None:
    """`maild fetch --once` starts the worker as soon as it has read the config, without waiting
    for it; by its first batch the worker is up and parses that batch from its first mail."""
    parsing = Ahead()
    try:
        started = time.monotonic()
        parsing.start()
        assert time.monotonic() - started < 0.5  # it did not wait for the worker (0.3-0.5 s to start)
        while not parsing.ready and time.monotonic() < started + 60:
            time.sleep(0.05)
        assert parsing.ready, "the worker started early never answered"
        contents = varied(16)
        parsing.expect(contents, LIMITS)
        first = parsing.take(contents[0])
        assert first is not None  # started on the first batch instead, it would still be starting
        assert comparable(first.mail) == comparable(in_place(contents[0]).mail)
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


# ---------------------------------------------------------------- notifications composed ahead

def without_date(content: bytes) -> bytes:
    """The worker may compose a second later than this process: the Date header may differ."""
    return b"\r\n".join(line for line in content.split(b"\r\n") if not line.startswith(b"Date: "))


def body_of(content: bytes | None) -> str:
    assert content is not None, "the worker composed nothing"
    return message_from_bytes(content, policy=policy.default).get_body(("plain",)).get_content().replace("\r\n", "\n")


def a_notice(intake: Intake, number: int = 7) -> Notice:
    settings = intake.runtime.settings
    return Notice(purpose="notification", template="notification", ticket=None, mail_from="helpdesk@example.com",
                  tag=f"[#{number}]", out=outbox.notice_headers(settings.config, [("Zoë Ångström", "zoe@example.com")]),
                  context={"what": "new", "number": number, "subject": "Printer — on fire", "kind": "incident",
                           "priority": 2, "status": "new", "queue": "helpdesk", "organisation": None,
                           "requester": "dana@example.org", "requester_name": "Dana", "text": "Hello\n" * 40,
                           "rule": None, "assignee": None, "tags": [], "helpdesk_name": "Test Helpdesk",
                           "response_due": None, "resolution_due": None, "recipient_name": "Zoë",
                           "reply_address": "helpdesk+t7.s-zoe.abc@example.com"})


def test_the_worker_composes_a_notification_as_this_process_does(tmp_path: Path, worker: Ahead,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead, "TAKE_SECONDS", 10.0)  # a slow machine must not turn this into composing here
    intake = build(tmp_path)
    renderer = intake.runtime.settings.renderer
    notice = a_notice(intake)
    [collect] = worker.compose(renderer, [notice]) or pytest.fail("the worker took no notices")
    composed = collect(True)
    assert composed is not None
    assert message_from_bytes(composed, policy=policy.default)["Subject"] == "[#7] New incident (P2): Printer — on fire"
    assert without_date(composed) == without_date(compose_notice(renderer, notice))


def test_the_worker_renders_with_the_templates_as_reloaded(tmp_path: Path, worker: Ahead,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A reload makes a new Renderer (a new generation): the worker reads the templates again."""
    monkeypatch.setattr(ahead, "TAKE_SECONDS", 10.0)  # a slow machine must not turn this into composing here
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    intake = build(tmp_path / "maild")
    notice = a_notice(intake)
    first = worker.compose(Renderer(templates), [notice])
    assert first is not None and "Hello\n" * 40 in body_of(first[0](True))
    (templates / "notification" / "text.txt").write_text("Reloaded for {{ recipient_name }}\n")
    [collect] = worker.compose(Renderer(templates), [notice]) or pytest.fail("the worker took no notices")
    assert body_of(collect(True)) == "Reloaded for Zoë\n"


def notifications_by_ticket() -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in Outbox.select().where(Outbox.purpose == "notification").order_by(Outbox.id):
        found.setdefault(row.ticket_id, []).append(row.status)
    return found


@pytest.mark.sqlite_only  # on PostgreSQL a group commits each mail on its own (Intake.group)
def test_a_group_writes_its_notifications_and_drops_those_of_a_mail_rolled_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three mails in one group, parsed and their notifications composed by the worker (this
    process cannot: it would record them as failed); the second fails after its notifications
    were decided: its savepoint goes, and its notifications with it."""
    def fail_second(ctx: MailContext) -> None:
        if b"Second" in ctx.content:
            raise RuntimeError("a bug after notify")

    def not_here(*args: object) -> bytes:
        raise AssertionError("composed in this process")

    monkeypatch.setattr(notices, "compose_notice", not_here)
    monkeypatch.setattr(ahead, "TAKE_SECONDS", 10.0)  # a slow machine must not turn this into composing here
    intake = build(tmp_path)
    intake.steps = (*STEPS, fail_second)
    assert intake.ahead is not None and intake.ahead.warm_up(60)
    contents = [mail(subject=f"{word} request", body=f"{word} body").as_bytes() for word in ("First", "Second", "Third")]
    with intake.group():
        assert notices.current() is not None
        outcomes = [intake.accept(content, "test", "test", ["helpdesk@example.com"], CUSTOMER_MAIL)
                    for content in contents]
        assert Outbox.select().where(Outbox.purpose == "notification").count() == 0  # not before the group ends
    intake.close()
    assert outcomes == [Outcome.OPENED, Outcome.QUARANTINED, Outcome.OPENED]
    tickets = [t.number for t in Ticket.select().order_by(Ticket.number)]
    assert notifications_by_ticket() == {number: ["queued", "queued"] for number in tickets} and len(tickets) == 2
    assert all(b"Third body" in bytes(row.content) or b"First body" in bytes(row.content)
               for row in Outbox.select().where(Outbox.purpose == "notification"))


def open_thirty_tickets(intake: Intake) -> None:
    """Thirty new requests, one sender each (the acknowledgement cap is per address): sixty notifications."""
    for n in range(30):
        sender = f"customer{n}@example.org"
        content = mail(f"Customer {n} <{sender}>", f"Request {n}", f"Body {n}").as_bytes()
        assert intake.accept(content, "test", "test", ["helpdesk@example.com"], sender) is Outcome.OPENED


@pytest.mark.sqlite_only  # on PostgreSQL a group commits each mail on its own (Intake.group)
def test_at_the_commit_this_process_composes_from_the_back_what_the_worker_has_not_begun(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker is kept busy (a sleep handed to it first), so the group's notifications
    wait in line behind it: this process takes back what the worker has not begun and composes it,
    and the worker composes the rest. Every notification is written, as composing it here writes it."""
    composed_here: list[Notice] = []

    def counted(renderer: Renderer, notice: Notice) -> bytes:
        composed_here.append(notice)
        return compose_notice(renderer, notice)

    monkeypatch.setattr(notices, "compose_notice", counted)
    monkeypatch.setattr(ahead, "TAKE_SECONDS", 10.0)  # a slow machine must not turn this into composing here
    intake = build(tmp_path)
    assert intake.ahead is not None and intake.ahead.warm_up(60)
    busy = intake.ahead._pool.submit(time.sleep, 3.0)  # longer than 30 mails take on a slow machine
    with intake.group():
        open_thirty_tickets(intake)
        assert not busy.done(), "the worker was free before the commit: nothing to take back"
    intake.close()
    rows = list(Outbox.select().where(Outbox.purpose == "notification").order_by(Outbox.id))
    assert len(rows) == 60 and {row.status for row in rows} == {"queued"}
    assert 0 < len(composed_here) < 60, f"{len(composed_here)} of 60 composed in this process"
    renderer = intake.runtime.settings.renderer
    for notice in composed_here[:3]:
        row = next(row for row in rows if row.message_id == notice.out.message_id)
        assert without_date(bytes(row.content)) == without_date(compose_notice(renderer, notice))
    assert [row.ticket_id for row in rows] == sorted(row.ticket_id for row in rows)  # written in order


@pytest.mark.sqlite_only  # on PostgreSQL a group commits each mail on its own (Intake.group)
def test_a_worker_killed_while_notifications_are_taken_back_loses_none(tmp_path: Path) -> None:
    """The worker dies while the group's notifications wait in line behind it, and the commit takes
    some back. (Python 3.11's process pool, when its worker dies, fails every task still in line and
    stops on one that was cancelled; those taken back are the last in line, so every task this
    process waits for has failed first.) Every notification is composed here and written."""
    intake = build(tmp_path)
    assert intake.ahead is not None and intake.ahead.warm_up(60)
    [worker] = intake.ahead._pool._processes.values()
    intake.ahead._pool.submit(time.sleep, 3.0)  # the group's notifications wait in line behind this
    threading.Timer(2.0, os.kill, (worker.pid, signal.SIGKILL)).start()  # after the group's mails, before 3 s
    with intake.group():
        open_thirty_tickets(intake)
    intake.close()
    rows = list(Outbox.select().where(Outbox.purpose == "notification"))
    assert len(rows) == 60 and {row.status for row in rows} == {"queued"}
    assert all(b"Body " in bytes(row.content) for row in rows)


@pytest.mark.parametrize("grouped", [True, False])
def test_a_notification_template_that_fails_is_recorded_and_the_ticket_stands(tmp_path: Path, grouped: bool) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / "notification" / "text.txt").write_text("{{ no_such_fact }}\n")
    config = write_config(tmp_path / "maild", relay_port=None, smtp_port=2525)
    config.write_text(config.read_text() + f"templates: {templates}\n")
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    intake = Intake(Runtime(settings))
    content = mail(subject="Broken template", body="Please help").as_bytes()
    with intake.group() if grouped else contextlib.nullcontext():
        assert intake.accept(content, "test", "test", ["helpdesk@example.com"], CUSTOMER_MAIL) is Outcome.OPENED
    intake.close()
    [ticket] = Ticket.select()
    rows = list(Outbox.select().where(Outbox.purpose == "notification"))
    assert len(rows) == 2 and {r.status for r in rows} == {"failed"}
    assert all("template 'notification' failed: UndefinedError" in r.last_error for r in rows)
    assert Event.select().where((Event.ticket == ticket) & (Event.kind == "send_failed")).count() == 2
    assert Outbox.get(Outbox.purpose == "acknowledgement").status == "queued"


@pytest.mark.sqlite_only  # on PostgreSQL a group commits each mail on its own (Intake.group)
def test_a_mail_loop_inside_one_group_is_still_capped(tmp_path: Path) -> None:
    """A group's notifications are written at its end, but its acknowledgements at once: the cap
    on automatic answers to one address counts them, so a loop inside one batch is capped too."""
    intake = build(tmp_path)
    limit = intake.runtime.settings.config.main.limits.auto_replies_per_hour
    with intake.group():
        for i in range(limit + 3):
            intake.accept(mail(subject=f"Loop {i}").as_bytes(), "test", "test", ["helpdesk@example.com"], CUSTOMER_MAIL)
    intake.close()
    assert Ticket.select().count() == limit + 3
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == limit
