"""maild as a system service: the sd_notify protocol on a real datagram socket, stopping in the
middle of a mail, journald log lines, the unit files, and `maild status`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import (MAILD, ROOT, Daemon, MaildSetup, SmtpSink, free_port, wait_for_port,
                      write_config)
from dovecot import Dovecot
from helpers import NotifySocket
from mails import mail


def test_sd_notify_ready_watchdog_reloading_stopping(setup: MaildSetup) -> None:
    notify = NotifySocket(setup.dir / "notify.sock")
    env = {**os.environ, "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "1000000"}
    process = subprocess.Popen([*MAILD, "-c", str(setup.config), "run"], env=env, cwd=setup.dir,
                               stdout=subprocess.DEVNULL, stderr=open(setup.dir / "run.log", "wb"))
    try:
        ready = notify.wait_for("READY=1")
        assert "STATUS=outbox 0 queued" in ready
        # READY came only once the listener was bound: it accepts a session now.
        with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=5) as client:
            assert client.noop()[0] == 250
        notify.drain(2.0)
        assert sum("WATCHDOG=1" in m for _, m in notify.messages) >= 2  # every half WatchdogSec

        process.send_signal(signal.SIGHUP)
        reloading = notify.wait_for("RELOADING=1")
        assert "MONOTONIC_USEC=" in reloading
        notify.drain(0.5)
        after = [m for _, m in notify.messages][[m for _, m in notify.messages].index(reloading):]
        assert any(m.startswith("READY=1") for m in after[1:])

        process.send_signal(signal.SIGTERM)
        assert "STATUS=stopping" in notify.wait_for("STOPPING=1")
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_sigterm_while_a_mail_is_in_hand_finishes_it_and_loses_nothing(tmp_path: Path,
                                                                       smtp_sink: SmtpSink) -> None:
    port = free_port()
    setup = MaildSetup(tmp_path, write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=port,
                                              protocol="lmtp"), port)
    env = {**os.environ, "MAILD_PAUSE_AT": "intake.before_commit:2"}
    process = subprocess.Popen([*MAILD, "-c", str(setup.config), "run"], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=open(tmp_path / "run.log", "wb"))
    wait_for_port(port, process)
    replies: list[int] = []

    def deliver() -> None:
        with smtplib.LMTP("127.0.0.1", port) as client:
            client.ehlo_or_helo_if_needed()
            client.mail("dana@bath.example.ac.uk")
            client.rcpt("helpdesk@example.com")
            replies.append(client.data(mail(subject="In hand at SIGTERM").as_bytes())[0])

    sender = threading.Thread(target=deliver)
    sender.start()
    time.sleep(0.8)  # the mail is now being processed (paused before its commit)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    try:  # new sessions are no longer taken
        with smtplib.LMTP("127.0.0.1", port, timeout=2) as late:
            late.ehlo_or_helo_if_needed()
            late.mail("dana@bath.example.ac.uk")
            late.rcpt("helpdesk@example.com")
            code = late.data(mail(subject="Too late").as_bytes())[0]
        assert code == 421
    except (ConnectionRefusedError, smtplib.SMTPServerDisconnected):
        pass
    sender.join(30)
    assert process.wait(30) == 0
    assert replies == [250]
    assert [t["subject"] for t in setup.json("tickets")] == ["In hand at SIGTERM"]


def test_journald_lines_carry_priority_prefixes(offline_setup: MaildSetup) -> None:
    env = {**os.environ, "JOURNAL_STREAM": "8:12345"}
    result = subprocess.run([*MAILD, "-c", str(offline_setup.config), "deliver"], input=mail(
        ).as_bytes(),
                            env=env, capture_output=True, timeout=30)
    lines = result.stderr.decode().splitlines()
    assert "<6>maild.pipeline: ticket 1 opened by <test-" in "\n".join(lines)
    assert "from contact dana@bath.example.ac.uk" in "\n".join(lines)
    assert all(line.startswith("<") for line in lines)


def test_unit_files_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    assert shutil.which("systemd-analyze"), "systemd-analyze is needed (Debian package systemd)"
    maild = Path(sys.executable).parent / "maild"
    for name in ("maild.service", "maild.socket"):
        text = (ROOT / "systemd" / name).read_text().replace("/usr/local/bin/maild", str(maild))
        (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "maild.service"), str(
        tmp_path / "maild.socket")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20",
                               str(tmp_path / "maild.service")], capture_output=True, text=True,
                               timeout=60)
    overall = security.stdout.split("Overall exposure level for maild.service:")[1]
    figure, rating = overall.split()[:2]
    assert float(figure) <= 2.0, security.stdout
    assert f"rates the unit **{figure} {rating}**" in (ROOT / "docs" / "install.md").read_text()


def test_unit_files_as_shipped_need_only_the_maild_binary() -> None:
    """docs/install.md says what verify needs: /usr/local/bin/maild. Nothing else may complain."""
    units = [str(ROOT / "systemd" / name) for name in ("maild.service", "maild.socket")]
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True,
                            timeout=60)
    complaints = [line for line in result.stderr.splitlines()
                  if "Command /usr/local/bin/maild is not executable" not in line]
    assert complaints == [], result.stderr
    if os.access("/usr/local/bin/maild", os.X_OK):
        assert result.returncode == 0, result.stderr


def test_status_reflects_a_stopped_imap_server_and_an_unreachable_relay(tmp_path: Path,
                                                                        dovecot: Dovecot) -> None:
    port = free_port()
    dead_relay = free_port()  # nothing listens there
    setup = MaildSetup(tmp_path / "m", write_config(tmp_path / "m", relay_port=dead_relay,
                                                    smtp_port=port,
                                                    imap_port=dovecot.port), port)
    daemon = Daemon(setup)
    daemon.start()
    try:
        time.sleep(1.0)
        healthy = setup.json("status")
        assert healthy["daemon"]["running"] and healthy["mailboxes"][0]["ok"]
        dovecot.stop()
        assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            checked = setup.cli("status", "--json")
            report = json.loads(checked.stdout)
            if not report["mailboxes"][0]["ok"] and report["outbox"]["deferred"]:
                break
            time.sleep(0.3)
        assert checked.returncode == 2, "a failing mailbox is a monitoring problem"
        assert setup.cli("status").returncode == 2
        [box] = report["mailboxes"]
        assert box["ok"] is False and "cannot connect" in box["last_error"]
        # ack + 2 staff
        assert report["outbox"]["queued"] == 3 and "unreachable" in report["outbox"]["last_error"]
        assert report["outbox"]["relay"] == f"127.0.0.1:{dead_relay}"
    finally:
        daemon.stop()
        dovecot.start()  # the fixture stops it again
    stopped = setup.cli("status", "--json")
    assert json.loads(stopped.stdout)["daemon"]["running"] is False
    assert stopped.returncode == 3 and setup.cli("status").returncode == 3


def test_alerts_once_per_problem_and_once_on_recovery_and_metrics(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    import urllib.request

    port, metrics_port = free_port(), free_port()
    extra = (f"alerts: {{to: admin@example.com, mailbox_down_minutes: 0.01, check_seconds: 0.3}}\n"
             f"metrics: {{listen: \"127.0.0.1:{metrics_port}\"}}\n")
    setup = MaildSetup(tmp_path / "m", write_config(tmp_path / "m", relay_port=smtp_sink.port,
                                                    smtp_port=port,
                                                    imap_port=dovecot.port, extra=extra), port)
    daemon = Daemon(setup)
    daemon.start()
    try:
        time.sleep(1.0)
        assert smtp_sink.to("admin@example.com") == []
        dovecot.stop()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not smtp_sink.to("admin@example.com"):
            time.sleep(0.2)
        time.sleep(2.0)  # more checks run while it stays down: still one mail
        [problem] = smtp_sink.to("admin@example.com")
        assert problem.message["Subject"].startswith(
            "maild PROBLEM: mailbox helpdesk failing since")
        dovecot.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(smtp_sink.to("admin@example.com")) < 2:
            time.sleep(0.2)
        time.sleep(1.0)
        subjects = [r.message["Subject"] for r in smtp_sink.to("admin@example.com")]
        assert len(subjects) == 2 and subjects[1].startswith(
            "maild RECOVERED: mailbox helpdesk failing")

        page = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read(
            ).decode()
        errors = [line for line in page.splitlines() if line.startswith(
            'maild_fetch_errors_total{mailbox="helpdesk"}')]
        assert errors and float(errors[0].split()[-1]) >= 1
        assert 'maild_mails_sent_total{purpose="alert"} 2.0' in page
        assert "maild_outbox_depth" in page
    finally:
        assert daemon.stop() == 0


def test_a_second_daemon_on_the_same_state_refuses_to_start(setup: MaildSetup,
                                                            daemon: Daemon) -> None:
    second = setup.cli("run", timeout=30)
    assert second.returncode == 1
    assert b"another maild is already running on" in second.stderr


def test_socket_activation_takes_the_inherited_lmtp_socket(tmp_path: Path,
                                                           smtp_sink: SmtpSink) -> None:
    """systemd-socket-activate binds the port and starts maild with LISTEN_FDS, as maild.socket
    does."""
    activate = shutil.which("systemd-socket-activate")
    assert activate, "systemd-socket-activate is needed (Debian package systemd)"
    configured, activated = free_port(), free_port()
    setup = MaildSetup(tmp_path, write_config(tmp_path, relay_port=smtp_sink.port,
                                              smtp_port=configured,
                                              protocol="lmtp"), activated)
    process = subprocess.Popen([activate, "-l", f"127.0.0.1:{activated}", *MAILD, "-c", str(
        setup.config), "run"],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=open(
                                   tmp_path / "run.log", "wb"))
    try:
        time.sleep(0.5)  # systemd-socket-activate binds first; maild starts on the first connection
        with smtplib.LMTP("127.0.0.1", activated, timeout=30) as client:
            client.ehlo_or_helo_if_needed()
            client.mail("dana@bath.example.ac.uk")
            client.rcpt("helpdesk@example.com")
            assert client.data(mail(subject="Through the inherited socket").as_bytes())[0] == 250
        with socket.socket() as probe:  # the configured port was never bound
            assert probe.connect_ex(("127.0.0.1", configured)) != 0
        assert [t["subject"] for t in setup.json("tickets")] == ["Through the inherited socket"]
        assert "listening for LMTP on inherited socket" in (tmp_path / "run.log").read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, (tmp_path / "run.log").read_text()


def test_one_start_up_line_and_no_apscheduler_chatter(setup: MaildSetup, daemon: Daemon) -> None:
    time.sleep(1.0)  # the scheduler has added its jobs and the sender has run
    assert daemon.stop() == 0
    lines = daemon.log.read_text().splitlines()
    [started] = [line for line in lines if " running, pid " in line]
    assert f"mail from SMTP on 127.0.0.1:{setup.smtp_port}" in started
    sqlite = f"database sqlite {setup.dir / 'var' / 'maild.db'}"
    assert sqlite in started or "database postgresql" in started
    assert "outgoing mail to relay 127.0.0.1:" in started and "stop with SIGTERM" in started
    assert not [line for line in lines if "apscheduler" in line], lines


def test_verbose_shows_apscheduler_again(setup: MaildSetup) -> None:
    log = setup.dir / "verbose.log"
    process = subprocess.Popen([*MAILD, "-v", "-c", str(setup.config), "run"], cwd=setup.dir,
                               stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
    try:
        wait_for_port(setup.smtp_port, process)
        time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    assert "apscheduler" in log.read_text()
