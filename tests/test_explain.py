"""`route --explain` says what `deliver` does: every routing fixture goes through both, from the
same database state (a copy each), and an explain leaves the database and the state dir as they
were."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from email import message_from_bytes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import databases
from conftest import MAILD, ROOT, write_config
from mails import mail

HELPDESK = "helpdesk@example.com"
DANA = "Dana Admin <dana@bath.example.ac.uk>"
# staff: an unproven mail from her counts as a customer's
ALICE = "Alice Engineer <alice@example.com>"
BASE_SUBJECT = "Printer on fire"
# the subject forms test_routing.py gives `subject_starts_with`
SUBJECTS = ["Question about exports", "Re: Question about exports", "AW: Question about exports",
            "SV: Question about exports", "Antw: Question about exports",
            "[#12] Question about exports",
            "AW: [#12] Question about exports", "Re: [#12] Fwd: Question about exports",
            "RE:[#12] AW: SV: Question about exports"]


@dataclass(frozen=True)
class State:
    """A config and its database with ticket 1 open (acknowledged), to copy for each case."""

    dir: Path
    config: Path
    acknowledgement: str  # the Message-ID of ticket 1's acknowledgement, for replies to it


def maild(config: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([*MAILD, "-c", str(config), *args], input=input, capture_output=True,
                            timeout=60, cwd=config.parent)
    assert result.returncode == 0, (args, result.stderr.decode())
    return result


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> State:
    directory = tmp_path_factory.mktemp("base")
    config = write_config(directory, relay_port=None, smtp_port=2525)
    maild(config, "deliver", "-r", HELPDESK, "-f", "dana@bath.example.ac.uk",
          input=mail(sender=DANA, subject=BASE_SUBJECT,
                     message_id="<base@bath.example.ac.uk>").as_bytes())
    ticket = json.loads(maild(config, "ticket", "1", "--json").stdout)
    [ack] = [o["message_id"] for o in ticket["outbox"] if o["purpose"] == "acknowledgement"]
    return State(directory, config, ack)


def copy_of(state: State, target: Path) -> Path:
    """The state's config and database, copied: SQLite by its backup API, PostgreSQL by template."""
    shutil.copytree(state.dir / "config", target / "config")
    config = target / "config" / "maild.yaml"
    if databases.ENGINE == "sqlite":
        (target / "var").mkdir()
        with sqlite3.connect(state.dir / "var" / "maild.db") as source, \
                sqlite3.connect(target / "var" / "maild.db") as copy:
            source.backup(copy)
        return config
    url = databases.postgres_database()
    name, source = url.rsplit("/", 1)[1], _database_url(state.config).rsplit("/", 1)[1]
    with databases._admin_connection() as conn:
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    config.write_text(config.read_text().replace(_database_url(state.config), url))
    return config


def _database_url(config: Path) -> str:
    [line] = [x for x in config.read_text().splitlines() if x.startswith("database: ")]
    return line.removeprefix("database: ")


def fixture_files() -> list[Path]:
    """The routing fixtures, the hostile ones (what delivery quarantines) and the examples."""
    data = ROOT / "tests" / "data"
    return sorted([*data.glob("routing/*.eml"), *data.glob("hostile/*.eml"),
                   *(ROOT / "examples").glob("*.eml")])


def staff_reply(state: State) -> bytes:
    """The issue's case: staff mail on ticket 1 with no proof (no signed address, no DKIM)."""
    return mail(sender=ALICE, subject=f"Re: [#1] {BASE_SUBJECT}", body="Looking at it now.",
                In_Reply_To=state.acknowledgement).as_bytes()


def customer_reply(state: State) -> bytes:
    return mail(sender=DANA, subject=f"Re: [#1] {BASE_SUBJECT}", body="Still burning.",
                In_Reply_To=state.acknowledgement).as_bytes()


CASES: dict[str, Callable[[State], bytes]] = {
    **{str(p.relative_to(ROOT)): (lambda _s, p=p: p.read_bytes()) for p in fixture_files()},
    **{f"subject {s!r}": (lambda _s, s=s: mail(sender=DANA, subject=s).as_bytes(
        )) for s in SUBJECTS},
    "unproven staff reply on ticket 1": staff_reply,
    "customer reply on ticket 1": customer_reply,
    "copy of the mail that opened ticket 1":
        lambda _s: mail(sender=DANA, subject=BASE_SUBJECT,
                        message_id="<base@bath.example.ac.uk>").as_bytes(),
}


def explained(config: Path, mail_file: Path) -> dict[str, Any]:
    """What explain says, in the terms deliver's outcome is read in."""
    report = json.loads(maild(config, "route", "--explain", str(mail_file), "--json",
                              "--recipient", HELPDESK).stdout)
    result = report["result"]
    said = {"outcome": result["outcome"], "ticket": report["ticket"]}
    if result["outcome"] in ("new ticket", "redirected", "ignored"):
        route = result["route"]
        said |= {"kind": result["kind"], "priority": result["priority"], "queue": route["queue"],
                 "assignee": route["assignee"], "acknowledged": result["acknowledge"] is not None}
    return said


OUTCOMES = {"opened": "new ticket", "replied": "reply", "duplicate": "copy"}


def delivered(config: Path, mail_file: Path) -> dict[str, Any]:
    """What deliver did, read back from the database through the CLI."""
    outcome = maild(config, "deliver", str(mail_file), "-r", HELPDESK, "-f", "x@example.org").stdout
    outcome = OUTCOMES.get(outcome.decode().strip(), outcome.decode().strip())
    tickets = [json.loads(maild(config, "ticket", str(t["number"]), "--json").stdout)
               for t in json.loads(maild(config, "tickets", "--json").stdout)]
    did = {"outcome": outcome, "ticket": None}
    if outcome == "reply":
        message_id = message_from_bytes(mail_file.read_bytes())["Message-ID"]
        [did["ticket"]] = [t["number"] for t in tickets
                           if message_id in [m["message_id"] for m in t["messages"]]]
    if outcome == "new ticket":
        ticket = max(tickets, key=lambda t: t["number"])
        did |= {"kind": ticket["kind"], "priority": ticket["priority"], "queue": ticket["queue"],
                "assignee": ticket["assignee"],
                "acknowledged": any(o["purpose"] == "acknowledgement" for o in ticket["outbox"])}
    return did


@pytest.mark.parametrize("case", CASES)
def test_explain_says_what_deliver_does(state: State, tmp_path: Path, case: str) -> None:
    mail_file = tmp_path / "mail.eml"
    mail_file.write_bytes(CASES[case](state))
    said = explained(copy_of(state, tmp_path / "explain"), mail_file)
    did = delivered(copy_of(state, tmp_path / "deliver"), mail_file)
    for key in ("kind", "priority", "queue", "assignee", "acknowledged"):
        if key not in did:
            said.pop(key, None)  # deliver shows no route for mail it opened no ticket for
    assert said == did


def test_unproven_staff_reply_is_a_new_ticket_in_both(state: State, tmp_path: Path) -> None:
    mail_file = tmp_path / "mail.eml"
    mail_file.write_bytes(staff_reply(state))
    said = explained(copy_of(state, tmp_path / "explain"), mail_file)
    assert (said["outcome"], said["ticket"]) == ("new ticket", None)


def table_counts(config: Path) -> dict[str, int]:
    from maild.config import load_config
    from maild.store.db import open_store

    db = open_store(load_config(config).database)
    try:
        return {t: db.execute_sql(f'SELECT count(*) FROM "{t}"').fetchone()[
            0] for t in db.get_tables()}
    finally:
        db.close()


def files_under(directory: Path) -> list[str]:
    """The state dir's files, without SQLite's own (its WAL is rewritten by any connection)."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*")
                  if p.is_file() and not p.name.startswith("maild.db"))


@pytest.mark.parametrize("make", [staff_reply, customer_reply,
                                  lambda _s: (ROOT / "examples" / "escalation.eml").read_bytes()])
def test_explain_changes_nothing(state: State, tmp_path: Path, make: Callable[[State],
                                                                              bytes]) -> None:
    config = copy_of(state, tmp_path)
    mail_file = tmp_path / "mail.eml"
    mail_file.write_bytes(make(state))
    counts, files = table_counts(config), files_under(tmp_path / "var")
    result = subprocess.run([*MAILD, "-c", str(config), "route", "--explain", str(mail_file)],
                            capture_output=True, timeout=60)
    assert result.returncode == 0 and b"result:" in result.stdout, result.stderr.decode()
    # no log line claims it
    assert b"queued" not in result.stderr and b"opened" not in result.stderr
    assert table_counts(config) == counts and counts["rawmail"] == 1 and counts["outbox"] >= 1
    assert files_under(tmp_path / "var") == files
    assert not [p for p in (tmp_path / "var" / "outbox").rglob("*") if p.is_file()]
