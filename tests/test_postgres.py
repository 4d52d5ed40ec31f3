"""PostgreSQL as the store: the same schema as SQLite, a server that is down or cuts a connection
mid-transaction, hosts migrating at once, one mail claimed by one host. Against the real server
(127.0.0.1:5432 here; MAILD_TEST_POSTGRES or MAILD_TEST_DATABASE point elsewhere)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import psycopg
import pytest

import databases
from conftest import MAILD, MaildSetup, free_port, write_config
from maild.config import DatabaseTarget, load_config
from maild.errors import HeldElsewhere, TransientError
from maild.intake import Arrival, Intake, Outcome
from maild.pipeline.steps import STEPS
from maild.pipeline.context import MailContext
from maild.runtime import Runtime, Settings
from maild.store import raw as raw_store
from maild.store.db import open_store, transaction
from maild.store.migrations import LATEST, migrate
from maild.store.models import Outbox, RawMail, Ticket, database
from mails import mail

pytestmark = pytest.mark.postgres_only


def pg_setup(directory: Path, url: str | None = None) -> MaildSetup:
    port = free_port()
    return MaildSetup(directory, write_config(directory, relay_port=None, smtp_port=port,
                                              database=url or databases.postgres_database()), port)


def columns(target: DatabaseTarget) -> dict[str, set[str]]:
    open_store(target)
    migrate()
    found = {table: {c.name for c in database.get_columns(table)} for table in database.get_tables(
        )}
    database.close()
    return found


def test_fresh_postgresql_schema_has_the_tables_and_columns_of_sqlite(tmp_path: Path) -> None:
    sqlite = columns(DatabaseTarget("sqlite", path=tmp_path / "fresh.db"))
    postgres = columns(load_config(pg_setup(tmp_path / "pg").config).database)
    assert postgres == sqlite
    assert len(postgres) >= 12


def test_hosts_starting_together_migrate_once(tmp_path: Path) -> None:
    setup = pg_setup(tmp_path)
    runs = [subprocess.Popen([*MAILD, "-c", str(setup.config), "db", "migrate"],
                             stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [(p.wait(60), p.stdout.read().decode(), p.stderr.read().decode()) for p in runs]
    assert [code for code, _, _ in outputs] == [0, 0, 0], outputs
    assert sorted(out.strip() for _, out, _ in outputs) == sorted(
        [f"schema version 0 -> {LATEST}", f"schema is current (version {LATEST})",
         f"schema is current (version {LATEST})"])
    assert databases.query(setup.config, "select count(*) from schemaversion")[0][0] == LATEST


def test_server_down_deliver_exits_75_and_the_retry_succeeds(tmp_path: Path) -> None:
    closed_port = free_port()  # nothing listens there
    down = pg_setup(tmp_path / "down", f"postgresql://postgres@127.0.0.1:{closed_port}/maild")
    refused = down.cli("deliver", input=mail(subject="while the database is down").as_bytes())
    assert refused.returncode == 75, refused.stderr.decode()
    assert b"temporary failure, not stored: database: connection failed" in refused.stderr

    up = pg_setup(tmp_path / "up")
    retried = up.cli("deliver", input=mail(subject="while the database is down").as_bytes())
    assert (retried.returncode, retried.stdout) == (0, b"opened\n"), retried.stderr.decode()


def terminate_backends(url: str) -> int:
    """Cut every connection to that database, as a server restart or a failover does."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(databases.admin_url(), autocommit=True) as admin:
        return len(admin.execute("select pg_terminate_backend(pid) from pg_stat_activity "
                                 "where datname = %s and pid <> pg_backend_pid()", (name,
                                                                                    )).fetchall())


def test_connection_cut_mid_transaction_commits_nothing_and_the_retry_commits_once(
    tmp_path: Path) -> None:
    url = databases.postgres_database()
    settings = Settings.build(load_config(pg_setup(tmp_path, url).config))
    open_store(settings.config.database)
    migrate()
    cuts: list[int] = []

    def cut_once(ctx: MailContext) -> None:
        """After the ticket and its acknowledgement are written, before commit: the server goes."""
        if not cuts:
            cuts.append(terminate_backends(url))

    intake = Intake(Runtime(settings), (*STEPS, cut_once))
    content = mail(subject="Cut off mid-transaction").as_bytes()
    with pytest.raises(TransientError):
        intake.accept(Arrival(content, "test", "test", [], "dana@bath.example.ac.uk"))
    assert cuts == [1]
    # The daemon's next transaction runs on a new connection: nothing of the cut one was kept.
    assert (RawMail.select().count(), Ticket.select().count(), Outbox.select().count()) == (0, 0, 0)

    assert intake.accept(Arrival(content, "test", "test", [],
                                 "dana@bath.example.ac.uk")) is Outcome.OPENED
    assert intake.accept(Arrival(content, "test", "test", [],
                                 "dana@bath.example.ac.uk")) is Outcome.DUPLICATE
    assert Ticket.select().count() == 1
    assert Outbox.select().where(Outbox.purpose == "acknowledgement").count() == 1


def test_a_connection_dropped_while_idle_is_replaced_at_its_next_use(tmp_path: Path) -> None:
    url = databases.postgres_database()
    settings = Settings.build(load_config(pg_setup(tmp_path, url).config))
    open_store(settings.config.database)
    migrate()
    assert terminate_backends(url) == 1
    assert Ticket.select().count() == 0  # a read outside a transaction reconnects by itself
    intake = Intake(Runtime(settings))
    assert terminate_backends(url) == 1
    assert intake.accept(Arrival(mail().as_bytes(), "test", "test", [], None)) is Outcome.OPENED


def test_a_mail_in_hand_on_one_host_is_held_elsewhere_for_the_others(tmp_path: Path) -> None:
    """Two hosts fetching one mailbox: the first takes the mail, the second is told at once
    (HeldElsewhere) instead of waiting, and once the first has committed, sees it done."""
    settings = Settings.build(load_config(pg_setup(tmp_path).config))
    open_store(settings.config.database)
    migrate()
    content = mail(subject="Fetched by two hosts").as_bytes()
    in_hand, go_on = threading.Event(), threading.Event()

    def first_host() -> None:
        with transaction():
            raw_store.save(content, "imap:a", "imap:helpdesk", [], None)
            in_hand.set()
            go_on.wait(10)

    thread = threading.Thread(target=first_host)
    thread.start()
    assert in_hand.wait(10)
    try:
        with pytest.raises(HeldElsewhere), transaction():
            raw_store.save(content, "imap:b", "imap:helpdesk", [], None)
    finally:
        go_on.set()
        thread.join(10)
    with transaction():
        row, created = raw_store.save(content, "imap:b", "imap:helpdesk", [], None)
    assert (created, row.source) == (False, "imap:a")


def test_one_mail_delivered_to_two_hosts_at_once_is_one_ticket(tmp_path: Path) -> None:
    """An MTA that hands the same mail to two hosts (a retry after a lost answer, two MX paths):
    one host makes the ticket; the other says duplicate, or 75 (try later) while the first still
    has it in hand, and duplicate on the retry. Never two tickets, never two acknowledgements."""
    url = databases.postgres_database()
    hosts = [pg_setup(tmp_path / f"host{i}", url) for i in range(2)]
    assert hosts[0].cli("db", "migrate").returncode == 0
    for round_ in range(5):
        content = mail(subject=f"Delivered twice {round_}").as_bytes()
        runs = [subprocess.Popen([*MAILD, "-c", str(h.config), "deliver", "--recipient",
                                  "helpdesk@example.com"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL)
                for h in hosts]
        results = [(p.communicate(content, timeout=60)[0].decode().strip(),
                    p.returncode) for p in runs]
        assert sorted(results) in ([("", 75), ("opened", 0)], [("duplicate", 0), ("opened",
                                                                                  0)]), results
        again = hosts[1].cli("deliver", "--recipient", "helpdesk@example.com", input=content)
        assert (again.returncode, again.stdout) == (0, b"duplicate\n")
    tickets = databases.query(hosts[0].config, "select count(*) from ticket")[0][0]
    acks = databases.query(hosts[0].config,
                           "select count(*) from outbox where purpose = 'acknowledgement'")[0][0]
    assert (tickets, acks) == (5, 5)


def test_held_keys_exclude_other_connections_until_released(tmp_path: Path) -> None:
    """What IMAP hosts use to split one mailbox: a key held on one connection is refused to the
    others (in one round trip for a whole batch), and free again once released."""
    from maild.store.db import release, try_hold

    settings = Settings.build(load_config(pg_setup(tmp_path).config))
    open_store(settings.config.database)

    def on_another_connection(keys: list[str]) -> list[str]:
        got: list[list[str]] = []
        # peewee: a connection per thread
        thread = threading.Thread(target=lambda: got.append(try_hold(keys)))
        thread.start()
        thread.join(10)
        return got[0]

    assert try_hold(["uid:1", "uid:2"]) == ["uid:1", "uid:2"]
    assert on_another_connection(["uid:2", "uid:3"]) == ["uid:3"]
    release(["uid:1", "uid:2"])
    assert on_another_connection(["uid:1", "uid:2"]) == ["uid:1", "uid:2"]
