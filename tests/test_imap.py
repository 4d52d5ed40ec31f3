"""The IMAP channel against a real private Dovecot: exactly once, through crashes and faults."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from email.policy import SMTP

import pytest

import databases
from conftest import Daemon, MaildSetup, SmtpSink
from dovecot import Dovecot
from helpers import in_process_settings, wait_until
from mails import mail, varied


def count(setup: MaildSetup, sql: str) -> int:
    return databases.query(setup.config, sql)[0][0]


def query(setup: MaildSetup, sql: str) -> list[tuple]:
    return databases.query(setup.config, sql)


def tickets(setup: MaildSetup) -> int:
    return count(setup, "select count(*) from ticket")


@pytest.fixture
def watching(imap_setup: MaildSetup) -> Iterator[Daemon]:
    """`maild run` on the IMAP config, once it is watching the INBOX; it must stop cleanly."""
    daemon = Daemon(imap_setup)
    daemon.start()
    wait_until(lambda: "watching INBOX" in daemon.log.read_text())
    yield daemon
    assert daemon.stop() == 0


def fetch_and_send(setup: MaildSetup) -> None:
    fetched = setup.cli("fetch", "--once")
    assert fetched.returncode == 0, fetched.stderr.decode()
    assert setup.cli("send", "--once").returncode == 0


def test_200_varied_mails_become_200_tickets_acknowledged_and_moved(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    dovecot.append(varied(200))
    fetched = imap_setup.cli("fetch", "--once")
    assert fetched.stdout == b"helpdesk: 200 fetched, 200 moved (200 opened)\n", (
        fetched.stderr.decode())
    sent = imap_setup.cli("send", "--once").stdout
    # an acknowledgement and two queue notifications each
    assert sent == b"sent 600, deferred 0, failed 0\n"

    assert tickets(imap_setup) == 200
    acks = smtp_sink.replies(200)
    assert len(acks) == 200 and len({a.message["In-Reply-To"] for a in acks}) == 200
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 200)
    # A second pass finds nothing and sends nothing.
    assert imap_setup.cli("fetch",
                          "--once").stdout == b"helpdesk: 0 fetched, 0 moved (nothing new)\n"


def test_mail_appended_while_idling_is_a_ticket_within_two_seconds(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink, watching: Daemon
) -> None:
    time.sleep(0.5)
    dovecot.append([mail(subject="Arrived while idling").as_bytes()])
    elapsed = wait_until(lambda: tickets(imap_setup) == 1, timeout=5)
    assert elapsed < 2.0
    assert smtp_sink.replies(1)[0].message["Subject"] == "[#1] Arrived while idling"
    wait_until(lambda: dovecot.count("Processed") == 1)


def test_mails_appended_each_as_the_one_before_is_answered_are_tickets_within_two_seconds(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink, watching: Daemon
) -> None:
    """As bench/imap.py measures IDLE latency: each mail lands while maild goes from one pass to
    IDLE, at a moment its own acknowledgement decides, early in IDLE or just before it began."""
    time.sleep(0.5)
    for n in range(1, 9):
        # one each: the acknowledgement cap is per address
        sender = f"Customer {n} <customer{n}@example.org>"
        dovecot.append([mail(sender, f"Mail {n}",
                             message_id=f"<one-by-one-{n}@example.org>").as_bytes()])
        start = time.monotonic()
        assert len(smtp_sink.replies(n, timeout=5)) == n
        assert time.monotonic() - start < 2.0, f"mail {n} waited {time.monotonic() - start:.1f}s"


def test_mail_announced_in_the_reply_to_a_move_is_not_left_until_the_idle_renewal(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """A server tells of new mail in its reply to whatever command runs when the mail arrives (here
    the MOVE of the mail before it), and IDLE then does not tell again: maild must not idle on it
    until the renewal (5 s in these tests), or the mail waits that long for its acknowledgement."""
    daemon = Daemon(imap_setup, env={"MAILD_PAUSE_AT": "imap.after_commit:1.5"})
    daemon.start()
    try:
        wait_until(lambda: "watching INBOX" in daemon.log.read_text())
        dovecot.append([mail(subject="First").as_bytes()])
        wait_until(lambda: tickets(imap_setup) == 1)  # committed; its MOVE waits 1.5 s
        dovecot.append([mail(subject="Second").as_bytes()])
        elapsed = wait_until(lambda: tickets(imap_setup) == 2, timeout=10)
        assert elapsed < 3.5, f"the second mail waited {elapsed:.1f}s: for the IDLE renewal"
        assert len(smtp_sink.replies(2)) == 2
    finally:
        assert daemon.stop() == 0


@pytest.mark.parametrize("pause", ["imap.after_pass", "imap.before_idle"])
def test_mail_arriving_between_a_pass_and_idle_is_not_left_until_the_idle_renewal(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink, pause: str
) -> None:
    """Dovecot's IDLE tells of changes made after it began: a mail that arrives after a pass's
    last command and before IDLE is told only in the answer to DONE (at the renewal, 5 s here,
    unless maild ends IDLE early). The pause holds maild right after the pass, or just before IDLE
    begins (after everything else it does between passes)."""
    daemon = Daemon(imap_setup, env={"MAILD_PAUSE_AT": f"{pause}:1.5"})
    daemon.start()
    try:
        wait_until(lambda: "watching INBOX" in daemon.log.read_text())
        time.sleep(2)  # past the first (empty) pass's pause, into IDLE
        dovecot.append([mail(subject="First").as_bytes()])
        # its pass is done; the pause before IDLE begins
        wait_until(lambda: tickets(imap_setup) == 1)
        dovecot.append([mail(subject="Second").as_bytes()])
        elapsed = wait_until(lambda: tickets(imap_setup) == 2, timeout=10)
        assert elapsed < 3.5, f"the second mail waited {elapsed:.1f}s: for the IDLE renewal"
    finally:
        assert daemon.stop() == 0


def crash_run(setup: MaildSetup, point: str) -> int:
    env = {**os.environ, "MAILD_CRASH_AT": point}
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "maild", "-c", str(setup.config), "fetch",
                             "--once"],
                            env=env, capture_output=True, timeout=60)
    return result.returncode


def test_sigkill_after_commit_before_move_makes_no_duplicate(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    dovecot.append(varied(30))
    assert crash_run(imap_setup, "imap.after_commit") == -signal.SIGKILL
    committed = tickets(imap_setup)
    assert committed > 0 and dovecot.count("INBOX") == 30  # committed, but nothing moved

    fetch_and_send(imap_setup)
    assert tickets(imap_setup) == 30
    assert len(smtp_sink.replies(30)) == 30
    time.sleep(0.3)
    assert len(smtp_sink.replies(30, timeout=2)) == 30  # exactly one acknowledgement each
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 30)


def test_sigkill_after_fetch_before_commit_loses_nothing(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    dovecot.append(varied(30))
    assert crash_run(imap_setup, "imap.after_fetch") == -signal.SIGKILL
    assert tickets(imap_setup) == 0 and dovecot.count("INBOX") == 30

    fetch_and_send(imap_setup)
    assert tickets(imap_setup) == 30
    assert len(smtp_sink.replies(30)) == 30
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 30)


def test_dovecot_restart_while_idling_is_survived(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink, watching: Daemon
) -> None:
    dovecot.stop()
    time.sleep(1.0)
    dovecot.start()
    dovecot.append([mail(subject="Sent during the outage").as_bytes()])
    wait_until(lambda: tickets(imap_setup) == 1, timeout=15)
    assert "connected again" in watching.log.read_text()
    assert smtp_sink.replies(1)[0].message["Subject"] == "[#1] Sent during the outage"


def test_uidvalidity_change_imports_nothing_twice_and_skips_nothing(
    tmp_path, smtp_sink: SmtpSink, dovecot: Dovecot  # noqa: ANN001
) -> None:
    from conftest import free_port, write_config

    port = free_port()
    setup = MaildSetup(tmp_path / "m", write_config(tmp_path / "m", relay_port=smtp_sink.port,
                                                    smtp_port=port,
                                                    imap_port=dovecot.port,
                                                    imap_extra=", folder: Support"), port)
    first = varied(5, prefix="first")
    dovecot.append(first, folder="Support")
    fetch_and_send(setup)
    old_validity = count(setup, "select uidvalidity from mailboxcursor")

    # The folder is recreated: same five mails again (UIDs restart at 1) plus two new ones.
    with dovecot.client() as client:
        client.delete_folder("Support")
    dovecot.append(first + varied(2, prefix="second"), folder="Support")
    fetched = setup.cli("fetch", "--once")
    assert fetched.stdout == b"helpdesk: 7 fetched, 7 moved (5 duplicate, 2 opened)\n"
    assert b"UIDVALIDITY of Support changed" in fetched.stderr
    assert count(setup, "select uidvalidity from mailboxcursor") != old_validity
    assert tickets(setup) == 7
    # 2 tickets x (ack + 2 staff)
    assert setup.cli("send", "--once").stdout == b"sent 6, deferred 0, failed 0\n"
    assert dovecot.count("Support") == 0


def test_unprocessable_mail_goes_to_quarantine_and_the_rest_flow(
    tmp_path, smtp_sink: SmtpSink, dovecot: Dovecot  # noqa: ANN001
) -> None:
    from conftest import free_port, write_config

    port = free_port()
    setup = MaildSetup(tmp_path / "m", write_config(tmp_path / "m", relay_port=smtp_sink.port,
                                                    smtp_port=port,
                                                    imap_port=dovecot.port,
                                                    extra="limits: {max_message_bytes: 20000}\n"),
                                                    port)
    # CRLF, as IMAP serves it
    big = mail(subject="Huge attachment", body="x\n" * 20000).as_bytes(policy=SMTP)
    dovecot.append([*varied(2, prefix="before"), big, *varied(2, prefix="after")])
    fetched = setup.cli("fetch", "--once")
    assert fetched.stdout == b"helpdesk: 4 fetched, 5 moved (4 opened, 1 quarantined)\n"
    assert (dovecot.count("Quarantine"), dovecot.count("Processed"), dovecot.count("INBOX")) == (
        1, 4, 0)
    # Over the limit, it is not even downloaded (memory stays bounded): the server keeps it in
    # Quarantine, and the database records why.
    assert setup.json("quarantine") == []
    [detail] = [row[0] for row in query(setup, "select detail from event where kind = 'refused'")]
    assert detail.startswith(
        f"imap helpdesk: INBOX UID 3: {len(big)} bytes, over the limit of 20000")
    with dovecot.client() as client:
        client.select_folder("Quarantine")
        [(uid, data)] = client.fetch(client.search("ALL"), [b"BODY.PEEK[]"]).items()
        assert data[b"BODY[]"] == big


def test_wrong_password_backs_off_and_recovers_when_fixed(
    imap_setup: MaildSetup, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    password = imap_setup.config.parent / "imap-password"
    password.write_text("wrong\n")
    dovecot.append([mail(subject="Waiting for the password").as_bytes()])
    daemon = Daemon(imap_setup)
    daemon.start()
    try:
        # Dovecot delays each failed login more (its auth penalty), so allow for that.
        wait_until(lambda: daemon.log.read_text().count(
            "login as helpdesk@example.com refused") >= 2, timeout=30)
        assert tickets(imap_setup) == 0
        assert "refused" in count_error(imap_setup)
        password.write_text("imap-secret\n")
        wait_until(lambda: tickets(imap_setup) == 1, timeout=40)
        assert "connected again after" in daemon.log.read_text()
    finally:
        assert daemon.stop() == 0


def count_error(setup: MaildSetup) -> str:
    return databases.query(setup.config, "select last_error from mailboxcursor")[0][0]


@pytest.mark.parametrize("failure", ["database", "bug"])
def test_one_commit_group_quarantines_a_failing_mail_alone_and_keeps_what_came_before_a_failure(
    imap_setup: MaildSetup, dovecot: Dovecot, failure: str
) -> None:
    """A fetched batch commits as one transaction (one fsync), each mail its own savepoint inside:
    a mail the pipeline cannot handle is quarantined alone; a database failure (or any error out
    of intake) at a later mail ends the group, and the mails before it are still committed and
    moved, the rest left waiting."""
    from maild.channels.imap import MailboxWatcher
    from maild.errors import TransientError
    from maild.intake import Arrival, Batch, Intake, Outcome, Parsed
    from maild.pipeline.context import MailContext
    from maild.pipeline.steps import STEPS
    from maild.runtime import Runtime

    settings = in_process_settings(imap_setup)

    def explode(ctx: MailContext) -> None:
        if ctx.mail is not None and "explode" in ctx.mail.subject:
            raise RuntimeError("a bug in a step")

    intake = Intake(Runtime(settings), (*STEPS, explode))
    calls: list[bytes] = []

    def accept_until_the_database_fails(arrival: Arrival, batch: Batch,
                                        parsed: Parsed | None) -> Outcome:
        calls.append(arrival.content)
        if len(calls) == 5:
            raise TransientError(
                "database: disk I/O error") if failure == "database" else RuntimeError(
                    "disk I/O bug")
        return intake.accept(arrival, batch, parsed)

    exploding = mail(subject="Please explode").as_bytes(policy=SMTP)
    dovecot.append([*varied(2, prefix="a"), exploding, *varied(4, prefix="b")])
    mailbox = settings.config.main.inbound.imap[0]

    def watcher(accept) -> MailboxWatcher:  # noqa: ANN001
        return MailboxWatcher(mailbox, settings.config.path.parent, accept,
                              settings.config.main.limits.max_message_bytes, group=intake.group)

    with pytest.raises((TransientError, RuntimeError), match="disk I/O"):
        watcher(accept_until_the_database_fails).fetch_once()
    assert tickets(imap_setup) == 3  # mails 1, 2 and 4; mail 3 quarantined; mail 5 failed
    assert count(imap_setup, "select count(*) from rawmail where status = 'quarantined'") == 1
    assert (dovecot.count("Processed"), dovecot.count("Quarantine"), dovecot.count("INBOX")) == (
        3, 1, 3)

    report = watcher(intake.accept).fetch_once()
    assert (report.fetched, report.confirmed, report.outcomes) == (3, 3, {"opened": 3})
    assert tickets(imap_setup) == 6
    assert (dovecot.count("Processed"), dovecot.count("Quarantine"), dovecot.count("INBOX")) == (
        6, 1, 0)
    assert count(imap_setup, "select count(*) from outbox where purpose = 'acknowledgement'") == 6


def test_a_mail_that_keeps_failing_is_passed_over_after_three_tries_and_the_rest_flow(
    imap_setup: MaildSetup, dovecot: Dovecot
) -> None:
    """A mail that meets a database error every time (and only it) ends three passes; the fourth
    leaves it in the INBOX, says so once, and takes the mails after it. An hour later it is tried
    again."""
    from maild.channels.imap import MailboxWatcher, connect, watcher as imap
    from maild.errors import TransientError
    from maild.intake import Arrival, Batch, Intake, Outcome, Parsed
    from maild.runtime import Runtime

    settings = in_process_settings(imap_setup)
    intake = Intake(Runtime(settings))
    poisoned = mail(subject="This one always meets a lock timeout").as_bytes(policy=SMTP)

    def accept(arrival: Arrival, batch: Batch, parsed: Parsed | None) -> Outcome:
        if arrival.content == poisoned:
            raise TransientError("database: canceling statement due to lock timeout")
        return intake.accept(arrival, batch, parsed)

    dovecot.append([*varied(2, prefix="a"), poisoned, *varied(2, prefix="b")])
    mailbox = settings.config.main.inbound.imap[0]
    watcher = MailboxWatcher(mailbox, settings.config.path.parent, accept,
                             settings.config.main.limits.max_message_bytes, group=intake.group)
    client = connect(mailbox, settings.config.path.parent)
    try:
        for _ in range(3):
            with pytest.raises(TransientError, match="lock timeout"):
                watcher.process_folder(client)
        assert tickets(imap_setup) == 2 and dovecot.count("INBOX") == 3
        report = watcher.process_folder(client)
        assert (report.passed_over, report.fetched, report.outcomes) == (1, 2, {"opened": 2})
        assert tickets(imap_setup) == 4 and (dovecot.count("INBOX"), dovecot.count(
            "Processed")) == (1, 4)
        assert watcher.process_folder(client).passed_over == 1  # still waiting; said once
        [detail] = [row[0] for row in query(imap_setup,
                                            "select detail from event where kind = 'refused'")]
        assert "failed 3 times in a row with a database error; left in INBOX" in detail

        tries, last = next(iter(watcher.failing.values()))
        watcher.failing = {key: (tries,
                                 last - imap.FAILING_PAUSE_SECONDS) for key in watcher.failing}
        with pytest.raises(TransientError):  # an hour on, it is tried again, and fails again
            watcher.process_folder(client)
        assert watcher.process_folder(client).passed_over == 1
    finally:
        client.logout()


def test_a_move_the_server_refuses_leaves_the_mail_committed_once_and_the_next_pass_moves_it(
    imap_setup: MaildSetup, dovecot: Dovecot
) -> None:
    """A MOVE the server refuses is counted and recorded, its mails stay in the INBOX, and the next
    pass (the folder usable again) moves them, with no second ticket or acknowledgement."""
    from maild.channels.imap import MailboxWatcher
    from maild.intake import Intake
    from maild.runtime import Runtime

    settings = in_process_settings(imap_setup)
    intake = Intake(Runtime(settings))
    dovecot.append(varied(5))
    mailbox = settings.config.main.inbound.imap[0].model_copy(update={"batch": 2})

    def watcher(processed_folder: str) -> MailboxWatcher:
        return MailboxWatcher(mailbox.model_copy(update={"processed_folder": processed_folder}),
                              settings.config.path.parent, intake.accept,
                              settings.config.main.limits.max_message_bytes, group=intake.group)

    report = watcher("~Processed").fetch_once()  # Dovecot: "Invalid mailbox name: Begins with '~'"
    assert (report.fetched, report.confirmed, report.confirm_failures) == (5, 0, 5)
    assert tickets(imap_setup) == 5 and dovecot.count("INBOX") == 5
    assert "confirm failed" in count_error(imap_setup) and "~" in count_error(imap_setup)

    report = watcher("Processed").fetch_once()
    assert (report.fetched, report.confirmed, report.outcomes) == (5, 5, {"duplicate": 5})
    assert tickets(imap_setup) == 5 and (dovecot.count("INBOX"), dovecot.count("Processed")) == (0,
                                                                                                 5)
    assert count(imap_setup, "select count(*) from outbox where purpose = 'acknowledgement'") == 5


def test_a_batch_over_the_fetch_size_is_fetched_in_parts_each_mail_once(
    imap_setup: MaildSetup, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded: a batch is fetched in parts of at most FETCH_BYTES (here every mail a
    FETCH of its own)."""
    from maild.channels.imap import MailboxWatcher, watcher as imap
    from maild.intake import Intake
    from maild.runtime import Runtime

    monkeypatch.setattr(imap, "FETCH_BYTES", 1)
    settings = in_process_settings(imap_setup)
    intake = Intake(Runtime(settings))
    dovecot.append(varied(7))
    mailbox = settings.config.main.inbound.imap[0].model_copy(update={"batch": 3})
    report = MailboxWatcher(mailbox, settings.config.path.parent, intake.accept,
                            settings.config.main.limits.max_message_bytes,
                            group=intake.group).fetch_once()
    assert (report.fetched, report.confirmed, report.outcomes) == (7, 7, {"opened": 7})
    assert tickets(imap_setup) == 7 and (dovecot.count("INBOX"), dovecot.count("Processed")) == (0,
                                                                                                 7)
    subjects = [row[0] for row in query(imap_setup, "select subject from ticket order by number")]
    assert len(set(subjects)) == 7  # each mail once, none twice
