"""A real Postfix delivers to `maild run` over LMTP, as docs/mta.md's recipe says."""

from __future__ import annotations

import json
import shutil
import smtplib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, Daemon, MaildSetup, SmtpSink, free_port, write_config
from mails import mail
from postfix import Postfix, recipe


@pytest.fixture
def lmtp_maild(tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[Daemon]:
    port = free_port()
    config = write_config(tmp_path / "maild", relay_port=smtp_sink.port, smtp_port=port,
                          protocol="lmtp")
    daemon = Daemon(MaildSetup(tmp_path / "maild", config, port))
    daemon.start()
    yield daemon
    if daemon.process is not None:
        daemon.stop()


@pytest.fixture
def postfix(tmp_path: Path, lmtp_maild: Daemon) -> Iterator[Postfix]:
    files = recipe("postfix-lmtp")
    files["transport"] = [line.replace("127.0.0.1:24", f"127.0.0.1:{lmtp_maild.setup.smtp_port}")
                          for line in files["transport"]]
    # Postfix's daemons run as `postfix`: its folders cannot live in pytest's 0700 tmp_path.
    server = Postfix(Path(tempfile.mkdtemp(prefix="maild-postfix-")), free_port())
    server.dir.chmod(0o755)
    server.start(files)
    yield server
    server.stop()


def submit(postfix: Postfix, content: bytes, recipients: list[str], sender: str) -> None:
    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=30) as client:
        client.sendmail(sender, recipients, content)


def wait_for_tickets(daemon: Daemon, count: int, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        tickets = daemon.setup.json("tickets")
        if len(tickets) >= count or time.monotonic() > deadline:
            return tickets
        time.sleep(0.3)


def test_one_mail_to_two_addresses_over_lmtp_is_one_ticket_and_one_ack(
        postfix: Postfix, lmtp_maild: Daemon, smtp_sink: SmtpSink) -> None:
    content = mail(to="helpdesk@example.com, info@example.com").as_bytes()
    submit(postfix, content, ["helpdesk@example.com", "info@example.com"],
           "dana@bath.example.ac.uk")
    tickets = wait_for_tickets(lmtp_maild, 1)
    assert len(tickets) == 1, postfix.log()
    assert len(smtp_sink.replies(1)) == 1
    time.sleep(1.5)  # a second ticket or acknowledgement would have come by now
    assert len(lmtp_maild.setup.json("tickets")) == 1
    assert len(smtp_sink.replies(2, timeout=0.5)) == 1


def test_null_sender_over_lmtp_gets_no_acknowledgement(
        postfix: Postfix, lmtp_maild: Daemon, smtp_sink: SmtpSink) -> None:
    submit(postfix, mail(subject="Out of office").as_bytes(), ["helpdesk@example.com"], "")
    normal = mail(subject="A real request").as_bytes()
    submit(postfix, normal, ["helpdesk@example.com"], "dana@bath.example.ac.uk")
    tickets = wait_for_tickets(lmtp_maild, 1)
    assert [t["subject"] for t in tickets] == ["A real request"], postfix.log()
    assert len(smtp_sink.replies(1)) == 1
    time.sleep(1.0)
    assert len(smtp_sink.replies(2, timeout=0.5)) == 1


def test_with_maild_stopped_postfix_defers_and_delivers_once_after_restart(
        postfix: Postfix, lmtp_maild: Daemon) -> None:
    lmtp_maild.stop()
    submit(postfix, mail(subject="While maild was down").as_bytes(), ["helpdesk@example.com"],
           "dana@bath.example.ac.uk")
    deadline = time.monotonic() + 20
    while "While maild" not in postfix.log() and "deferred" not in postfix.log():
        assert time.monotonic() < deadline, postfix.log()
        time.sleep(0.3)
    assert "helpdesk@example.com" in postfix.queue()
    lmtp_maild.start()
    postfix.flush()
    tickets = wait_for_tickets(lmtp_maild, 1)
    assert [t["subject"] for t in tickets] == ["While maild was down"], postfix.log()
    postfix.flush()
    time.sleep(1.0)
    assert len(lmtp_maild.setup.json("tickets")) == 1
    assert "helpdesk@example.com" not in postfix.queue()


def test_outgoing_mail_through_postfix_as_the_relay_reaches_the_sink(
        tmp_path: Path, smtp_sink: SmtpSink) -> None:
    postfix_port, lmtp_port = free_port(), free_port()
    files = recipe("postfix-lmtp")
    files["transport"] = [line.replace("127.0.0.1:24", f"127.0.0.1:{lmtp_port}")
                          for line in files["transport"]]
    files["transport"].append(f"*   smtp:[127.0.0.1]:{smtp_sink.port}")  # everything else: the sink
    server = Postfix(Path(tempfile.mkdtemp(prefix="maild-postfix-")), postfix_port)
    server.dir.chmod(0o755)
    config = write_config(tmp_path / "maild", relay_port=postfix_port, smtp_port=lmtp_port,
                          protocol="lmtp")
    daemon = Daemon(MaildSetup(tmp_path / "maild", config, lmtp_port))
    server.start(files)
    try:
        daemon.start()
        submit(server, mail(subject="Please answer").as_bytes(), ["helpdesk@example.com"],
               "dana@bath.example.ac.uk")
        acks = smtp_sink.replies(1, timeout=30)
        assert len(acks) == 1, f"{server.log()}\n{daemon.log.read_text()[-2000:]}"
        assert acks[0].rcpt_tos == ["dana@bath.example.ac.uk"]
        assert "mta.example.test" in str(acks[0].message["Received"])  # it came through Postfix
        assert "reject" not in server.log() and "bounced" not in server.log(), server.log()
        assert daemon.stop() == 0
    finally:
        if daemon.process is not None:
            daemon.stop()
        server.stop()


PIPE_USER = "nobody"


@pytest.fixture(scope="session")
def system_maild() -> Iterator[Path]:
    """`maild` installed (not editable) in a venv of the system's Python: the pipe runs it as
    PIPE_USER, who can reach neither an interpreter under /root nor a checkout in a 0700 folder."""
    home = Path(tempfile.mkdtemp(prefix="maild-pipe-venv-"))
    home.chmod(0o755)
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(home / "venv")], check=True)
    subprocess.run([str(home / "venv" / "bin" / "pip"), "install", "-q",
                    "--disable-pip-version-check", str(ROOT)],
                   check=True, capture_output=True)
    yield home / "venv" / "bin" / "maild"
    shutil.rmtree(home, ignore_errors=True)


def as_pipe_user(maild: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["su", "-s", "/bin/sh", PIPE_USER, "-c",
                           " ".join([str(maild), "-c", str(config), *args])],
                          capture_output=True, timeout=60, text=True)


def test_postfix_pipe_recipe_delivers_once_per_mail_and_not_to_robots(
        system_maild: Path, smtp_sink: SmtpSink) -> None:
    home = Path(tempfile.mkdtemp(prefix="maild-pipe-"))
    home.chmod(0o755)
    config = write_config(home / "maild", relay_port=smtp_sink.port, smtp_port=free_port())
    (home / "maild" / "var").mkdir()
    shutil.chown(home / "maild" / "var", PIPE_USER)
    files = recipe("postfix-pipe")
    files["master.cf"] = [line.replace("user=maild", f"user={PIPE_USER}")
                          .replace("/usr/local/bin/maild", str(system_maild))
                          .replace("/etc/maild/maild.yaml", str(config))
                          for line in files["master.cf"]]
    server = Postfix(Path(tempfile.mkdtemp(prefix="maild-postfix-")), free_port())
    server.dir.chmod(0o755)
    server.start(files)
    try:
        (server.etc / "master.cf").open("a").write("\n".join(files["master.cf"]) + "\n")
        server.reload()
        submit(server, mail(to="helpdesk@example.com, info@example.com").as_bytes(),
               ["helpdesk@example.com", "info@example.com"], "dana@bath.example.ac.uk")
        submit(server, mail(subject="Out of office").as_bytes(), ["helpdesk@example.com"], "")
        deadline = time.monotonic() + 30
        while server.log().count("status=sent") < 3:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.3)
        assert "bounced" not in server.log() and "deferred" not in server.log(), server.log()
        tickets = as_pipe_user(system_maild, config, "tickets", "--json")
        assert len(json.loads(tickets.stdout)) == 1, tickets.stderr
        sent = as_pipe_user(system_maild, config, "send", "--once")
        assert sent.stdout == "sent 3, deferred 0, failed 0\n", sent.stderr  # one ack, two staff
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
