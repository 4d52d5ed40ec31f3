"""`maild deliver`: the pipe channel for an MTA.
Exit 0 after commit, 75 when it could not commit."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import MaildSetup, make_unwritable, make_writable
from maild.defaults import TEMPLATES_DIR
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
    # one acknowledgement, two staff notifications
    assert sent.stdout == b"sent 3, deferred 0, failed 0\n"


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
    result = offline_setup.cli("deliver", "--sender", "", input=mail(
        subject="Delivery failure").as_bytes())
    assert result.stdout == b"ignored\n"
    assert offline_setup.json("tickets") == []
    assert offline_setup.cli("send", "--once").stdout == b"sent 0, deferred 0, failed 0\n"


def one_line_on_stderr(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and b"Traceback" not in result.stderr, result.stderr.decode()
    return lines[0]


def test_a_missing_file_exits_75_with_one_line(offline_setup: MaildSetup) -> None:
    result = offline_setup.cli("deliver", str(offline_setup.dir / "no-such.eml"))
    assert result.returncode == 75
    assert one_line_on_stderr(result).startswith("maild: ")
    assert "No such file" in result.stderr.decode()


def test_a_broken_config_exits_75_not_1(offline_setup: MaildSetup) -> None:
    offline_setup.config.write_text(offline_setup.config.read_text() + "no_such_key: 1\n")
    result = offline_setup.cli("deliver", input=mail().as_bytes())
    assert result.returncode == 75
    assert "no_such_key: unknown key" in one_line_on_stderr(result)


@pytest.mark.sqlite_only  # on PostgreSQL the mail commits without the state folder
def test_a_state_folder_that_cannot_be_made_exits_75(offline_setup: MaildSetup) -> None:
    """The state folder is a plain file: nothing can be stored, so only 75 may answer."""
    (offline_setup.dir / "var").write_text("not a folder\n")
    result = offline_setup.cli("deliver", input=mail().as_bytes())
    assert result.returncode == 75, result.stderr.decode()
    assert b"Traceback" not in result.stderr and result.stderr.startswith(b"maild: ")


def test_a_quarantined_mail_is_kept_so_deliver_exits_0(offline_setup: MaildSetup) -> None:
    templates = offline_setup.dir / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    (templates / "acknowledgement" / "subject.txt").write_text("{{ 1 / 0 }}\n")
    offline_setup.config.write_text(offline_setup.config.read_text() + f"templates: {templates}\n")
    result = offline_setup.cli("deliver", input=mail().as_bytes())
    assert (result.returncode, result.stdout) == (0, b"quarantined\n"), result.stderr.decode()
    [kept] = offline_setup.json("quarantine")
    assert "ZeroDivisionError" in kept["reason"]
