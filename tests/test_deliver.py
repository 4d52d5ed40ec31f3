"""`maild deliver`: the pipe channel for an MTA. Exit 0 after commit, 75 when it could not commit."""

from __future__ import annotations

import pytest

from conftest import MaildSetup, make_unwritable, make_writable
from mails import mail


def test_deliver_from_file_and_from_stdin(offline_setup: MaildSetup) -> None:
    eml = offline_setup.dir / "one.eml"
    eml.write_bytes(mail(subject="From a file").as_bytes())
    from_file = offline_setup.cli("deliver", "--recipient", "helpdesk@example.com", str(eml))
    from_stdin = offline_setup.cli("deliver", input=mail(subject="From stdin").as_bytes())

    assert (from_file.returncode, from_file.stdout) == (0, b"opened\n")
    assert (from_stdin.returncode, from_stdin.stdout) == (0, b"opened\n")
    assert [t["subject"] for t in offline_setup.json("tickets")] == ["From a file", "From stdin"]


def test_redelivery_of_the_same_bytes_is_not_a_second_ticket(offline_setup: MaildSetup) -> None:
    content = mail().as_bytes()
    first = offline_setup.cli("deliver", "-r", "helpdesk@example.com", input=content)
    again = offline_setup.cli("deliver", "-r", "helpdesk@example.com", input=content)
    assert (first.stdout, again.stdout) == (b"opened\n", b"duplicate\n")
    assert len(offline_setup.json("tickets")) == 1
    sent = offline_setup.cli("send", "--once")
    assert sent.stdout == b"sent 3, deferred 0, failed 0\n"  # one acknowledgement, two staff notifications


@pytest.mark.sqlite_only  # the PostgreSQL equivalent, a server that is down: test_postgres.py
def test_unwritable_database_exits_75_and_the_retry_succeeds(offline_setup: MaildSetup) -> None:
    assert offline_setup.cli("deliver", input=mail(subject="first").as_bytes()).returncode == 0
    state = offline_setup.dir / "var"
    database = state / "maild.db"
    make_unwritable(database)
    make_unwritable(state)
    try:
        refused = offline_setup.cli("deliver", input=mail(subject="second").as_bytes())
    finally:
        make_writable(state)
        make_writable(database)
    assert refused.returncode == 75, refused.stderr.decode()
    assert b"temporary failure" in refused.stderr or b"will retry" in refused.stderr

    retried = offline_setup.cli("deliver", input=mail(subject="second").as_bytes())
    assert retried.returncode == 0
    assert [t["subject"] for t in offline_setup.json("tickets")] == ["first", "second"]


def test_null_envelope_sender_is_not_acknowledged(offline_setup: MaildSetup) -> None:
    result = offline_setup.cli("deliver", "--sender", "", input=mail(subject="Delivery failure").as_bytes())
    assert result.stdout == b"ignored\n"
    assert offline_setup.json("tickets") == []
    assert offline_setup.cli("send", "--once").stdout == b"sent 0, deferred 0, failed 0\n"
