"""Routing rules and accounts, table-driven over the .eml fixtures in tests/data/routing/.

Mail goes through the real pipeline into a real SQLite database; the outcome is read back from
the ticket, the outbox and, for single matchers, the `route --explain` report."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from conftest import MAILD, ROOT, write_config
from maild.config import load_config
from maild.intake import Arrival, Intake, Outcome
from maild.pipeline.steps import STEPS
from maild.pipeline.explain import explain
from maild.runtime import Runtime, Settings
from maild.store.db import open_store
from maild.store.migrations import migrate
from maild.store.models import Outbox, Ticket
from mails import mail

DATA = ROOT / "tests" / "data" / "routing"
TODAY = date.today()


def build(tmp_path: Path, accounts: str | None = None, routing: str | None = None,
          extra: str = "") -> Intake:
    config = write_config(tmp_path, relay_port=None, smtp_port=2525, extra=extra)
    if accounts is not None:
        (config.parent / "accounts.yaml").write_text(accounts)
    if routing is not None:
        (config.parent / "routing.yaml").write_text(routing)
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    return Intake(Runtime(settings), STEPS)


def deliver(intake: Intake, name: str, recipient: str = "helpdesk@example.com") -> Outcome:
    return intake.accept(Arrival((DATA / f"{name}.eml").read_bytes(), "test", f"test:{name}", [
        recipient], "x@example.org"))


def sent(purpose: str) -> list:
    return [message_from_bytes(bytes(o.content), policy=policy.default)
            for o in Outbox.select().where(Outbox.purpose == purpose).order_by(Outbox.id)]


@pytest.mark.parametrize(("fixture", "kind", "priority", "queue", "assignee", "subject", "tags"), [
    ("escalation-plain", "escalation", 2, "customer-services", "carol", "Slow answers", ""),
    ("escalation-re-fw-en-dash", "escalation", 2, "customer-services", "carol", "Slow answers", ""),
    ("escalation-upper-em-dash", "escalation", 2, "customer-services", "carol", "Slow answers", ""),
    ("escalation-fwd-colon", "escalation", 2, "customer-services", "carol", "Slow answers", ""),
    ("feature-subject", "feature_request", 4, "account-management", "bob",
     "Feature request: export placements to Excel", ""),
    ("feature-first-line", "feature_request", 4, "account-management", "bob", "Placements export",
     ""),
    ("outage-subject", "incident", 1, "helpdesk", None, "PEMS is down", "outage"),
    ("outage-body", "incident", 1, "helpdesk", None, "Urgent", "outage"),
    ("no-rule", "incident", 3, "helpdesk", None, "Question about the placement report", ""),
])
def test_shipped_default_rules(tmp_path: Path, fixture: str, kind: str, priority: int, queue: str,
                               assignee: str | None, subject: str, tags: str) -> None:
    intake = build(tmp_path)
    assert deliver(intake, fixture) is Outcome.OPENED
    ticket = Ticket.get()
    assert (ticket.kind, ticket.priority, ticket.queue, ticket.assignee, ticket.subject,
            ticket.tags) == \
        (kind, priority, queue, assignee, subject, tags)
    [ack] = sent("acknowledgement")
    assert ack["Subject"] == f"[#1] {subject}"


def test_escalation_acknowledgement_and_notification(tmp_path: Path) -> None:
    deliver(build(tmp_path), "escalation-plain", recipient="info@example.com")
    [ack] = sent("acknowledgement")
    assert "passed to our Customer Services Manager" in " ".join(ack.get_body((
        "plain",)).get_content().split())
    [note] = sent("notification")
    assert note["To"] == "Carol Services <carol@example.com>"


def test_outage_pages_on_call_staff_at_once(tmp_path: Path) -> None:
    deliver(build(tmp_path), "outage-subject")
    # the helpdesk queue (alice, erin), alice also as on_call: once each
    notes = sent("notification")
    assert sorted(n["To"] for n in notes) == ["Alice Engineer <alice@example.com>",
                                              "Erin Engineer <erin@example.com>"]
    assert {n["Subject"] for n in notes} == {"[#1] New incident (P1): PEMS is down"}
    assert all("Nothing loads since 9am." in n.get_body(("plain",)).get_content() for n in notes)


def test_feature_request_names_the_account_manager(tmp_path: Path) -> None:
    deliver(build(tmp_path), "feature-subject")
    text = sent("acknowledgement")[0].get_body(("plain",)).get_content()
    assert "your account manager, Bob Account," in text and "away" not in text
    assert [n["To"] for n in sent("notification")] == ["Bob Account <bob@example.com>"]


def accounts_with_absences(bob_away: bool, dave_away: bool) -> str:
    shipped = (ROOT / "config" / "accounts.yaml").read_text()
    until = TODAY + timedelta(days=10)
    away = f"{{from: {TODAY - timedelta(days=1)}, until: {until}, delegate: erin}}"
    shipped = shipped.replace("      - {from: 2026-12-21, until: 2027-01-04, delegate: dave}\n",
                              f"      - {away}\n" if bob_away else "      []\n")
    if dave_away:
        shipped = shipped.replace("    roles: [account_manager]\n  - key: carol",
                                  "    roles: [account_manager]\n"
                                  f"    away: [{away}]\n  - key: carol")
    return shipped.replace("    away:\n      []\n", "")


@pytest.mark.parametrize(("bob_away", "dave_away", "assignee", "covering"), [
    (False, False, "bob", None),
    (True, False, "dave", "Dave Account is looking"),    # the organisation's deputy
    (True, True, "erin", "Erin Engineer is looking"),    # deputy away too: Bob's delegate
])
def test_feature_request_while_the_account_manager_is_away(
    tmp_path: Path, bob_away: bool, dave_away: bool, assignee: str, covering: str | None
) -> None:
    intake = build(tmp_path, accounts=accounts_with_absences(bob_away, dave_away))
    deliver(intake, "feature-subject")
    assert Ticket.get().assignee == assignee
    text = " ".join(sent("acknowledgement")[0].get_body(("plain",)).get_content().split())
    if covering:
        until = (TODAY + timedelta(days=10)).strftime("%A %d %B %Y")
        assert (f"Bob Account is away until {until}; {covering} after your request meanwhile."
                in text)
    else:
        assert "away" not in text


@pytest.mark.parametrize(("policy_name", "fixture", "outcome", "tags"), [
    ("accept", "domain-member", Outcome.OPENED, ""),
    ("accept", "stranger", Outcome.OPENED, ""),
    ("accept_flagged", "domain-member", Outcome.OPENED, "unverified-sender"),
    ("accept_flagged", "stranger", Outcome.OPENED, "unverified-sender"),
    ("accept_flagged", "no-rule", Outcome.OPENED, ""),     # a designated contact is never flagged
    ("redirect", "domain-member", Outcome.REDIRECTED, None),
    ("redirect", "stranger", Outcome.REDIRECTED, None),
    ("redirect", "no-rule", Outcome.OPENED, ""),
])
def test_unknown_sender_policies(tmp_path: Path, policy_name: str, fixture: str, outcome: Outcome,
                                 tags: str | None) -> None:
    config = write_config(tmp_path / "c", relay_port=None, smtp_port=2525)
    text = config.read_text().replace("  aliases: [info@example.com]\n",
                                      "  aliases: [info@example.com]\n"
                                      f"  unknown_senders: {policy_name}\n")
    config.write_text(text)
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    assert deliver(Intake(Runtime(settings)), fixture) is outcome
    if tags is None:
        assert Ticket.select().count() == 0
        [pointer] = sent("redirect")
        body = pointer.get_body(("plain",)).get_content()
        assert "[#" not in pointer["Subject"] and "not opened a ticket" in body
        if fixture == "domain-member":
            assert ("Dana Admin <dana@bath.example.ac.uk>" in body
                    and "Pat Deputy <pat@bath.example.ac.uk>" in body)
        else:
            assert "your organisation's admin manager" in body
    else:
        assert Ticket.get().tags == tags


RULE = """rules:
  - name: probe
    match: {match}
    then: {{priority: 1}}
"""


@pytest.mark.parametrize(("match", "fixture", "recipient", "matched", "why"), [
    ("{subject_contains: placement report}", "no-rule", None, True,
     "subject contains 'placement report'"),
    ("{subject_contains: [invoice, bill]}", "no-rule", None, False, "not subject contains any of"),
    ("{subject_starts_with: slow answers}", "escalation-plain", None, False,
     "not subject starts with"),
    ("{subject_starts_with: question}", "no-rule", None, True, "subject starts with 'question'"),
    ("{from_address: dana@bath.example.ac.uk}", "no-rule", None, True,
     "from 'dana@bath.example.ac.uk'"),
    ("{from_domain: example.ac.uk}", "no-rule", None, True, "from domain 'example.ac.uk'"),
    ("{from_domain: brookes.example.ac.uk}", "no-rule", None, False, "not from domain"),
    ("{to_address: info@example.com}", "no-rule", "info@example.com", True,
     "sent to 'info@example.com'"),
    ("{to_address: info@example.com}", "no-rule", "helpdesk@example.com", False, "not sent to"),
    ("{organisation: brookes}", "outage-body", None, True, "organisation 'brookes'"),
    ("{organisation: brookes}", "no-rule", None, False, "not organisation"),
    ("{sender_kind: unknown}", "stranger", None, True, "sender is 'unknown'"),
    ("{sender_kind: [staff, unknown]}", "no-rule", None, False, "not sender is"),
    ("{contact_role: senior_decision_maker}", "escalation-plain", None, True,
     "contact role 'senior_decision_maker'"),
    ("{contact_role: senior_decision_maker}", "no-rule", None, False, "not contact role"),
    ("{header: {X-Customer-Ref: '^CASE-\\d+$'}}", "with-header", None, True,
     "header X-Customer-Ref matches"),
    ("{header: {X-Customer-Ref: '^CASE-\\d+$'}}", "no-rule", None, False,
     "header X-Customer-Ref does not match"),
    ("{body_contains: filter the report}", "no-rule", None, True,
     "body contains 'filter the report'"),
    ("{body_regex: '^would it be possible'}", "feature-first-line", None, True, "body matches"),
    ("{has_attachment: true}", "no-rule", None, False, "has no attachment"),
    ("{has_attachment: false}", "no-rule", None, True, "has no attachment"),
    ("{subject_contains: question, from_domain: elsewhere.example}", "no-rule", None, False,
     "not from domain"),
])
def test_each_matcher(tmp_path: Path, match: str, fixture: str, recipient: str | None,
                      matched: bool, why: str) -> None:
    intake = build(tmp_path, routing=RULE.format(match=match))
    content = (DATA / f"{fixture}.eml").read_bytes()
    report = explain(intake.runtime.settings,
                     Arrival(content, "explain", "explain", [recipient] if recipient else []))
    [rule] = report["rules"]
    assert (rule["matched"], why in rule["why"]) == (matched, True), rule
    assert report["result"]["priority"] == (1 if matched else 3)


@pytest.mark.parametrize("inside", [True, False])
def test_office_hours_matcher(tmp_path: Path, inside: bool) -> None:
    intake = build(tmp_path, routing=RULE.format(
        match=f"{{office_hours: {'inside' if inside else 'outside'}}}"))
    settings = intake.runtime.settings
    from maild.store.models import utcnow

    open_now = settings.calendar.is_open(utcnow())
    [rule] = explain(settings, Arrival((DATA / "no-rule.eml").read_bytes(), "explain", "explain"))[
        "rules"]
    assert rule["matched"] is (open_now == inside)


def test_continue_lets_later_rules_add_tags_and_override(tmp_path: Path) -> None:
    routing = """rules:
  - name: from-bath
    match: {from_domain: bath.example.ac.uk}
    then: {tags: [bath], priority: 2, stop: false}
  - name: report
    match: {subject_contains: report}
    then: {tags: [reports], queue: account-management}
"""
    deliver(build(tmp_path, routing=routing), "no-rule")
    ticket = Ticket.get()
    assert (ticket.priority, ticket.queue, ticket.tags) == (2, "account-management", "bath reports")


def test_route_explain_cli_has_no_side_effects(tmp_path: Path) -> None:
    config = write_config(tmp_path, relay_port=None, smtp_port=2525)
    result = subprocess.run([*MAILD, "-c", str(config), "route", "--explain", str(
        DATA / "escalation-plain.eml"),
                             "--json"], capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["sender"] == {"kind": "contact", "address": "sam@bath.example.ac.uk",
                                "organisation": "uni-bath",
                                "role": "senior_decision_maker", "designated": True}
    assert [(r["name"], r["matched"]) for r in report["rules"]][:2] == [("escalation", True),
                                                                       ("feature-request-subject",
                                                                        False)]
    assert report["result"]["kind"] == "escalation" and report["result"]["route"][
        "assignee"] == "carol"
    assert report["result"]["acknowledge"] == "escalation"
    assert not (tmp_path / "var").exists()  # no database, no outbox: nothing written


def test_mailbox_default_route(tmp_path: Path) -> None:
    shutil.rmtree(tmp_path, ignore_errors=True)
    config = write_config(tmp_path, relay_port=None, smtp_port=2525, imap_port=1143,
                          imap_extra=", queue: customer-services, kind: question")
    result = subprocess.run([*MAILD, "-c", str(config), "route", "--explain", str(
        DATA / "no-rule.eml"), "--json",
                             "--mailbox", "helpdesk"], capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    outcome = json.loads(result.stdout)["result"]
    assert (outcome["kind"], outcome["route"]["queue"]) == ("question", "customer-services")


@pytest.mark.parametrize("subject", [
    "Question about exports", "Re: Question about exports", "AW: Question about exports",
    "SV: Question about exports", "Antw: Question about exports", "[#12] Question about exports",
    "AW: [#12] Question about exports", "Re: [#12] Fwd: Question about exports",
    "RE:[#12] AW: SV: Question about exports",
])
def test_subject_starts_with_ignores_reply_prefixes_and_the_ticket_tag(tmp_path: Path,
                                                                       subject: str) -> None:
    intake = build(tmp_path, routing=RULE.format(match="{subject_starts_with: question about}"))
    content = mail(subject=subject).as_bytes()
    [rule] = explain(intake.runtime.settings, Arrival(content, "explain", "explain"))["rules"]
    assert rule["matched"], rule
