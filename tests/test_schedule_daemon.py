"""The scheduler inside the real `maild run`: a check-in reminder fires at its configured time and
a P1 ticket's warning and escalation reach the SMTP sink, each exactly once, even across a
restart."""

from __future__ import annotations

import smtplib
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import Daemon, MaildSetup, SmtpSink, free_port, write_config
from mails import mail

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def schedule_config(checkin_at: datetime) -> str:
    """Office open all week (so nothing waits for Monday), a P1 response target of 6 seconds,
    a sweep twice a second, and the weekly check-in a few seconds from now."""
    return f"""\
office_hours:
  days: [mon, tue, wed, thu, fri, sat, sun]
  start: "00:00"
  end: "23:59:59"
  holidays: null
service_targets:
  sweep_seconds: 0.5
  priorities: {{1: {{response: 0.1m}}}}
reminders:
  checkin: {{day: {WEEKDAYS[checkin_at.weekday()]}, at: "{checkin_at:%H:%M:%S}"}}
"""


def test_reminder_and_escalation_reach_the_relay_once_across_a_restart(tmp_path: Path,
                                                                       smtp_sink: SmtpSink) -> None:
    checkin_at = datetime.now(ZoneInfo("Europe/London")) + timedelta(seconds=8)
    port = free_port()
    setup = MaildSetup(tmp_path, write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=port,
                                              extra=schedule_config(checkin_at)), port)
    daemon = Daemon(setup)
    daemon.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(mail(subject="The placement system is down"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (smtp_sink.to(
            "carol@example.com") and smtp_sink.to("dave@example.com")):
            time.sleep(0.1)
        assert daemon.stop() == 0
        daemon.start()  # a restart: the catch-up pass and the sweep run again at once
        time.sleep(3)
    finally:
        assert daemon.stop() == 0, daemon.log.read_text()

    subjects = sorted(r.message["Subject"] for r in smtp_sink.received)
    assert subjects == sorted([
        "[#1] The placement system is down",                     # the acknowledgement
        "[#1] New incident (P1): The placement system is down",  # the queue (alice, erin) at once,
        "[#1] New incident (P1): The placement system is down",  # alice also as on call, once
        f"[#1] Response target due {_due(setup)} (P1): The placement system is down",
        "[#1] MISSED response target (P1): The placement system is down",
        "Weekly check-in: Brookes College",
    ])
    [breach] = [r for r in smtp_sink.received if r.message["Subject"].startswith("[#1] MISSED")]
    # the manager, and on call (P1)
    assert breach.rcpt_tos == ["carol@example.com", "alice@example.com"]
    [checkin] = smtp_sink.to("dave@example.com")
    assert checkin.message["Auto-Submitted"] == "auto-generated"
    history = [e["kind"] for e in setup.json("organisation", "brookes")["history"]]
    assert history == ["checkin"]
    ticket = setup.json("ticket", "1")
    assert [e["kind"] for e in ticket["history"]][-2:] == ["sla_warning:response",
                                                           "sla_breach:response"]
    assert "scheduler: " in daemon.log.read_text()


def _due(setup: MaildSetup) -> str:
    """The due time as the warning writes it, read back from the ticket's history."""
    [warning] = [e for e in setup.json("ticket", "1")["history"] if e[
        "kind"] == "sla_warning:response"]
    moment = datetime.strptime(warning["detail"].split("due ")[1][:16], "%Y-%m-%d %H:%M")
    return f"{moment:%A %d %B %Y at %H:%M}"
