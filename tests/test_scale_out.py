"""Several maild hosts on one PostgreSQL database and one IMAP mailbox: every mail a ticket or a
reply exactly once, one acknowledgement per ticket, every outgoing mail sent once, every reminder
once, through a host killed mid-stream and connections cut by the server.

Each "host" is a `maild run` process of its own, with its own config folder, state folder and
listener, sharing the database URL and the mailbox, as on separate machines."""

from __future__ import annotations

import random
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

import databases
from conftest import Daemon, MaildSetup, SmtpSink, free_port, write_config
from dovecot import Dovecot
from helpers import DOWN, YEAR, simulate, write_year_config
from maild import defaults
from maild.config import load_config
from maild.runtime import Settings
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Occurrence, Outbox, database
from mails import follow_up, out_of_office, varied

pytestmark = pytest.mark.postgres_only

FIRST, NEW, REPLIES, AUTOMATIC = 300, 700, 250, 50


def cluster(tmp_path: Path, dovecot: Dovecot, sink: SmtpSink, url: str, hosts: int = 3) -> list[
    Daemon]:
    daemons = []
    for i in range(hosts):
        directory = tmp_path / f"host{i}"
        port = free_port()
        config = write_config(directory, relay_port=sink.port, smtp_port=port,
                              imap_port=dovecot.port,
                              database=url)
        daemons.append(Daemon(MaildSetup(directory, config, port)))
    return daemons


def second_wave(first: list[bytes]) -> list[bytes]:
    """1000 mails in a shuffled order: 700 new requests, 250 replies to the first wave,
    50 auto-replies."""
    rng = random.Random(3)
    mails = varied(NEW, seed=8, prefix="second") + [
        follow_up(first[rng.randrange(FIRST)], i) for i in range(REPLIES)]
    mails += [out_of_office(i) for i in range(AUTOMATIC)]
    rng.shuffle(mails)
    return mails


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.25)


def counts(setup: MaildSetup) -> dict[str, int]:
    q = lambda sql: databases.query(setup.config, sql)[0][0]  # noqa: E731
    return {
        "raw": q("select count(*) from rawmail"),
        "tickets": q("select count(*) from ticket"),
        "in": q("select count(*) from message where direction = 'in'"),
        "ignored": q("select count(*) from rawmail where status = 'ignored'"),
        "acks": q("select count(*) from outbox where purpose = 'acknowledgement'"),
        "outbox": q("select count(*) from outbox"),
        "unsent": q("select count(*) from outbox where status <> 'sent'"),
    }


@pytest.fixture
def running(tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink) -> Iterator[tuple[list[Daemon],
                                                                                     list[bytes]]]:
    url = databases.postgres_database()
    daemons = cluster(tmp_path, dovecot, smtp_sink, url)
    first = varied(FIRST, seed=5, prefix="first")
    dovecot.append(first)
    for daemon in daemons:
        daemon.start()
    try:
        wait_until(lambda: dovecot.count("INBOX") == 0 and counts(daemons[0].setup)[
            "tickets"] == FIRST, 120,
                   "the first wave")
        yield daemons, first
    finally:
        for daemon in daemons:
            if daemon.process is not None:
                assert daemon.stop() == 0, daemon.log.read_text()[-3000:]


def append_while_running(dovecot: Dovecot, mails: list[bytes], chunk: int = 100,
                         pause: float = 0.3) -> threading.Thread:
    def feed() -> None:
        for start in range(0, len(mails), chunk):
            dovecot.append(mails[start:start + chunk])
            time.sleep(pause)
    thread = threading.Thread(target=feed)
    thread.start()
    return thread


def assert_exactly_once(daemons: list[Daemon], dovecot: Dovecot, sink: SmtpSink, resends: int = 0,
                        aborted: int = 0) -> None:
    """Every mail a ticket or a reply once, one acknowledgement queued per ticket, every queued mail
    delivered. `resends`: a host killed between the relay's 250 and recording it sends that one
    mail again once its claim runs out, with the same Message-ID (RFC 1047: unavoidable in SMTP).
    `aborted`: transactions a kill or a cut may have rolled back, each an IMAP commit group of up
    to a batch of mails whose ticket numbers are used up."""
    setup = daemons[0].setup
    wait_until(lambda: dovecot.count("INBOX") == 0, 300, "INBOX to empty")
    wait_until(lambda: counts(setup)["raw"] == FIRST + NEW + REPLIES + AUTOMATIC, 60,
               "every mail stored")
    wait_until(lambda: counts(setup)["unsent"] == 0, 300, "the outbox to drain")
    found = counts(setup)
    assert (found["tickets"], found["in"], found["ignored"], found["acks"]) == (
        FIRST + NEW, FIRST + NEW + REPLIES, AUTOMATIC, FIRST + NEW), found
    # each moved once, no copies
    assert dovecot.count("Processed") == FIRST + NEW + REPLIES + AUTOMATIC
    time.sleep(1)  # anything sent twice would arrive now
    by_id = Counter(str(r.message["Message-ID"]) for r in sink.received)
    assert len(by_id) == found["outbox"]  # every queued mail arrived
    assert sum(by_id.values()) - len(by_id) <= resends and max(by_id.values(
        )) <= 1 + resends, by_id.most_common(3)
    acks = {str(r.message["Message-ID"]): str(r.message[
        "In-Reply-To"]) for r in sink.received if r.mail_from == "<>"}
    # one per customer mail
    assert len(acks) == FIRST + NEW and len(set(acks.values())) == FIRST + NEW
    numbers = [row[0] for row in databases.query(setup.config, "select number from ticket")]
    # Unique across hosts (one sequence); a transaction rolled back by a kill or a cut uses
    # its numbers up.
    assert len(set(numbers)) == FIRST + NEW and max(
        numbers) <= FIRST + NEW + 50 + aborted * defaults.IMAP_BATCH


def test_three_hosts_one_mailbox_1000_mails_while_running(
        running: tuple[list[Daemon], list[bytes]], dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    daemons, first = running
    append_while_running(dovecot, second_wave(first)).join()
    assert_exactly_once(daemons, dovecot, smtp_sink)
    logs = "".join(d.log.read_text() for d in daemons)
    assert "Traceback" not in logs
    opened_by = [len(re.findall(r"ticket \d+ opened by", d.log.read_text())) for d in daemons]
    print(f"tickets opened per host: {opened_by}")
    # the work was shared: every host made tickets
    assert sum(opened_by) == FIRST + NEW and all(opened_by)


def test_a_host_killed_at_a_random_moment_and_restarted(
        running: tuple[list[Daemon], list[bytes]], dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    daemons, first = running
    moment = random.uniform(0.2, 3.0)
    print(f"SIGKILL to host 1 after {moment:.2f}s")
    feeder = append_while_running(dovecot, second_wave(first))
    time.sleep(moment)
    assert daemons[1].stop(signal.SIGKILL) == -signal.SIGKILL
    time.sleep(1)
    daemons[1].start()
    feeder.join()
    assert_exactly_once(daemons, dovecot, smtp_sink, resends=1, aborted=1)


def test_connections_cut_by_the_server_while_mail_flows(
        running: tuple[list[Daemon], list[bytes]], dovecot: Dovecot, smtp_sink: SmtpSink) -> None:
    daemons, first = running
    name = load_config(daemons[0].setup.config).database.name
    feeder = append_while_running(dovecot, second_wave(first))
    cut = 0
    with psycopg.connect(databases.admin_url(), autocommit=True) as admin:
        for _ in range(4):
            time.sleep(1.0)
            cut += len(admin.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                                     "where datname = %s and pid <> pg_backend_pid()", (
                                         name,)).fetchall())
    feeder.join()
    assert cut >= 4
    assert_exactly_once(daemons, dovecot, smtp_sink, aborted=cut)
    # none died of it
    assert all(d.process is not None and d.process.poll() is None for d in daemons)


def occurrences() -> list[tuple[str, str, str, str, str]]:
    return sorted((o.kind, o.subject, o.occurs, o.status, o.recipients) for o in Occurrence.select(
        ))


def test_a_year_of_reminders_with_three_hosts_sends_each_once(tmp_path: Path) -> None:
    def host_settings(directory: Path, url: str) -> Settings:
        return Settings.build(load_config(write_year_config(directory, database=url)))

    alone = host_settings(tmp_path / "alone", databases.postgres_database())
    open_store(alone.config.database)
    migrate()
    simulate(alone, *YEAR, down=DOWN)
    expected, expected_mail = occurrences(), Counter(o.purpose for o in Outbox.select())
    database.close()

    url = databases.postgres_database()
    hosts = [host_settings(tmp_path / f"host{i}", url) for i in range(3)]
    open_store(hosts[0].config.database)
    migrate()
    errors: list[BaseException] = []

    def run(settings: Settings) -> None:
        try:
            simulate(settings, *YEAR, down=DOWN)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(expected) > 50
    assert occurrences() == expected
    assert Counter(o.purpose for o in Outbox.select()) == expected_mail
