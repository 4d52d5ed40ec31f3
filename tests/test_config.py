"""`maild check-config`: every problem as `file:line: key: message`, exit 1; a summary and exit
0."""

from __future__ import annotations

import re
import signal
import smtplib
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MAILD, ROOT, Daemon, MaildSetup
from helpers import NotifySocket
from maild.defaults import TEMPLATES_DIR

MAIN = """\
helpdesk:
  name: Test Helpdesk
  address: helpdesk@example.com
templates: {templates}
outbound:
  from: "Test Helpdesk <helpdesk@example.com>"
"""
ROUTING = """\
rules:
  - name: escalation
    match:
      subject_contains: attention
    then:
      queue: helpdesk
"""
ACCOUNTS = """\
staff:
  - key: alice
    name: Alice
    emails: [alice@example.com]
    roles: [helpdesk, account_manager]
queues:
  helpdesk: [alice]
organisations:
  - key: bath
    name: Bath
    domains: [bath.example]
    account_manager: alice
"""


def check(tmp_path: Path, main: str = MAIN, routing: str = ROUTING,
          accounts: str = ACCOUNTS) -> tuple[int, list[str]]:
    (tmp_path / "maild.yaml").write_text(main.replace("{templates}", str(TEMPLATES_DIR)))
    (tmp_path / "routing.yaml").write_text(routing)
    (tmp_path / "accounts.yaml").write_text(accounts)
    result = subprocess.run([*MAILD, "-c", str(tmp_path / "maild.yaml"), "check-config"],
                            capture_output=True, text=True, timeout=30)
    lines = [line.replace(f"{tmp_path}/", "") for line in (
        result.stderr + result.stdout).splitlines()]
    return result.returncode, lines


def test_shipped_config_is_valid() -> None:
    result = subprocess.run([*MAILD, "-c", str(ROOT / "config" / "maild.yaml"), "check-config"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok: 5 routing rules, 2 organisations, 5 staff, 3 queues")


def test_valid_minimal_config(tmp_path: Path) -> None:
    code, lines = check(tmp_path)
    assert code == 0 and lines[-1].endswith(
        "ok: 1 routing rules, 1 organisations, 1 staff, 1 queues")


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("main", "  name: Test Helpdesk\n", "  name: Test Helpdesk\n  colour: blue\n",
     "maild.yaml:3: helpdesk.colour: unknown key"),
    ("main", "  address: helpdesk@example.com\n", "  address: not an address\n",
     "maild.yaml:3: helpdesk.address: not a plain mail address: 'not an address'"),
    ("main", "outbound:\n  from:",
     "office_hours:\n  start: \"18:00\"\n  end: \"09:00\"\noutbound:\n  from:",
     "maild.yaml:5: office_hours: start must be before end"),
    ("main", "outbound:\n", "office_hours: {timezone: Mars/Olympus}\noutbound:\n",
     "maild.yaml:5: office_hours.timezone: unknown time zone 'Mars/Olympus'"),
    ("main", "  from:", "  relay: {host: smtp.example.com, password: hunter2}\n  from:",
     "maild.yaml:6: outbound.relay: password: secrets are never inline; use password_file, "
     "password_env or password_credential"),
    ("main", "  from:",
     "  relay: {host: smtp.example.com, user: u, password_file: missing-secret}\n  from:",
     "maild.yaml:6: outbound.relay: cannot read secret missing-secret: No such file or directory"),
    ("main", "helpdesk:\n  name", "inbound:\n  smtp: {listen: nowhere}\nhelpdesk:\n  name",
     "maild.yaml:2: inbound.smtp.listen: expected HOST:PORT, got 'nowhere'"),
    ("main", "  from:",
     "  relay: {host: smtp.example.com, tls: none, user: u, password_env: X}\n  from:",
     "maild.yaml:6: outbound.relay: tls: none to smtp.example.com (not loopback) would send "
     "passwords and mail in plain text; use starttls or implicit, or set allow_plaintext: true"),
    ("main", "  from:",
     "  relay: {host: smtp.example.com, user: u, password_env: X, oauth2_command: t}\n  from:",
     "maild.yaml:6: outbound.relay: give a password source or oauth2_command, not both"),
    ("main", "  from:", "  relay: {host: smtp.example.com, oauth2_command: t}\n  from:",
     "maild.yaml:6: outbound.relay: oauth2_command needs user (the account the token is for)"),
    ("main", "  from:",
     "  relay: {host: smtp.example.com, user: u, oauth2_command: t, oauth2_mechanism: plain}\n"
     "  from:", "maild.yaml:6: outbound.relay.oauth2_mechanism: "),
    ("main", "helpdesk:\n  name",
     "inbound:\n  smtp: {listen: \"0.0.0.0:25\", tls_cert_file: c.pem}\nhelpdesk:\n  name",
     "maild.yaml:2: inbound.smtp: give both tls_cert_file and tls_key_file, or neither"),
    ("main", "helpdesk:\n  name",
     "inbound:\n  smtp: {listen: \"127.0.0.1:25\", require_starttls: true}\nhelpdesk:\n  name",
     "maild.yaml:2: inbound.smtp: require_starttls needs tls_cert_file and tls_key_file"),
    ("main", "outbound:\n  from: \"Test Helpdesk <helpdesk@example.com>\"\n", "",
     "maild.yaml:1: outbound: required key is missing"),
    ("main", "  name: Test Helpdesk\n", "  name: [Test\n", "maild.yaml:3: "),
    ("main", "outbound:\n",
     "inbound:\n  imap:\n    - {name: hd, host: imap.example.com, tls: none, user: u, "
     "password_env: X}\noutbound:\n",
     "maild.yaml:7: inbound.imap.0: tls: none to imap.example.com (not loopback) would send "
     "passwords"),
    ("main", "outbound:\n",
     "inbound:\n  imap:\n    - {name: hd, host: imap.example.com, user: u}\noutbound:\n",
     "maild.yaml:7: inbound.imap.0: give exactly one of a password source"),
    ("main", "outbound:\n",
     "inbound:\n  imap:\n    - {name: hd, host: imap.example.com, user: u, queue: nope, "
     "oauth2_command: get-token}\noutbound:\n",
     "maild.yaml:7: inbound.imap.0.queue: unknown queue 'nope'"),
    ("main", "outbound:\n",
     "inbound:\n  imap:\n    - {name: hd, host: imap.example.com, user: u, idle_renew_seconds: "
     "3600, oauth2_command: get-token}\noutbound:\n",
     "maild.yaml:7: inbound.imap.0.idle_renew_seconds: Input should be less than or equal to 1740"),
    ("main", "outbound:\n", "conversations: {secret_file: k, secret_env: K}\noutbound:\n",
     "maild.yaml:5: conversations: give only one of secret_file, secret_env, secret_credential"),
    ("main", "outbound:\n", "conversations: {secret_file: missing-key}\noutbound:\n",
     "maild.yaml:5: conversations: cannot read secret missing-key: No such file or directory"),
    ("main", "outbound:\n", "conversations: {reopen_days: -1}\noutbound:\n",
     "maild.yaml:5: conversations.reopen_days: Input should be greater than or equal to 0"),
    ("accounts", "  - key: alice\n", "  - key: Alice Smith\n",
     "accounts.yaml:2: staff.0.key: String should match pattern"),
    ("routing", "      subject_contains: attention\n", "      subject_regex: '(unclosed'\n",
     "routing.yaml:4: rules.0.match.subject_regex: bad regular expression '(unclosed': missing ), "
     "unterminated subpattern at position 0"),
    ("routing", "      queue: helpdesk\n", "      queue: nowhere\n",
     "routing.yaml:6: rules.0.then.queue: unknown queue 'nowhere' (queues are in accounts.yaml)"),
    ("routing", "      queue: helpdesk\n", "      priority: 7\n",
     "routing.yaml:6: rules.0.then.priority: Input should be less than or equal to 4"),
    ("routing", "      queue: helpdesk\n", "      acknowledge: no-such-template\n",
     "routing.yaml:6: rules.0.then.acknowledge: no template 'no-such-template' in {templates}"),
    ("accounts", "    account_manager: alice\n", "    account_manager: zed\n",
     "accounts.yaml:12: organisations.0.account_manager: account manager 'zed' is not a staff key"),
    ("accounts", "  helpdesk: [alice]\n", "  helpdesk: [alice, bob]\n",
     "accounts.yaml:7: queues.helpdesk.1: unknown staff key 'bob'"),
    ("accounts", "    account_manager: alice\n",
     "    account_manager: alice\n  - key: bath2\n    name: Bath again\n    domains: "
     "[bath.example]\n",
     "accounts.yaml:15: organisations.1.domains.0: 'bath.example' also belongs to organisation "
     "'bath'"),
    ("routing", "      queue: helpdesk\n", "      route_to: nobody\n",
     "routing.yaml:6: rules.0.then.route_to: 'nobody' is neither a staff key nor one of "
     "account_manager, customer_services_manager, queue"),
    ("routing", "      queue: helpdesk\n", "      route_to: customer_services_manager\n",
     "routing.yaml:6: rules.0.then.route_to: no staff member has the role "
     "customer_services_manager"),
    ("routing", "      queue: helpdesk\n", "      notify: [alice, on_call]\n",
     "routing.yaml:6: rules.0.then.notify.1: 'on_call' is neither a staff key nor a role anyone "
     "has"),
    ("routing", "      subject_contains: attention\n", "      organisation: oxford\n",
     "routing.yaml:4: rules.0.match.organisation: unknown organisation 'oxford'"),
    ("routing", "      subject_contains: attention\n", "      header: {X-Ref: '[unclosed'}\n",
     "routing.yaml:4: rules.0.match.header: X-Ref: bad regular expression '[unclosed'"),
    ("accounts", "    account_manager: alice\n", "",
     "accounts.yaml:9: organisations.0: organisation 'bath' has no account_manager"),
    ("accounts", "    account_manager: alice\n", "    account_manager: alice\n    deputy: zed\n",
     "accounts.yaml:13: organisations.0.deputy: deputy 'zed' is not a staff key"),
    ("accounts", "    account_manager: alice\n", "    account_manager: alice\n    contacts:\n"
     + "".join(
         f"      - {{name: C{i}, email: c{i}@bath.example, primary_user: true}}\n" for i in range(
             6)),
     "accounts.yaml:13: organisations.0.contacts: 6 primary users, more than the 5 allowed "
     "(settings.max_primary_users)"),
    ("accounts", "    account_manager: alice\n",
     "    account_manager: alice\n    contract_start: next spring\n",
     "accounts.yaml:13: organisations.0.contract_start: Input should be a valid date"),
    ("accounts", "    account_manager: alice\n", "    account_manager: alice\n    phase: pilot\n",
     "accounts.yaml:13: organisations.0.phase: Input should be 'implementation' or 'live'"),
    ("accounts", "    emails: [alice@example.com]\n",
     "    emails: [alice@example.com]\n    away: [{from: 2026-12-01, until: 2026-12-24, delegate: "
     "zed}]\n",
     "accounts.yaml:5: staff.0.away.0.delegate: delegate 'zed' is not a staff key"),
    ("accounts", "    emails: [alice@example.com]\n",
     "    emails: [alice@example.com]\n    away: [{from: 2026-12-24, until: 2026-12-01}]\n",
     "accounts.yaml:5: staff.0.away.0: until is before from"),
    ("accounts", "    account_manager: alice\n",
     "    account_manager: alice\n    addresses: [x@gmail.example]\n  - key: b2\n    name: B2\n"
     "    account_manager: alice\n    addresses: [x@gmail.example]\n",
     "accounts.yaml:17: organisations.1.addresses.0: 'x@gmail.example' also belongs to "
     "organisation 'bath'"),
    ("accounts", "    roles: [helpdesk, account_manager]\n", "    roles: [wizard]\n",
     "accounts.yaml:5: staff.0.roles.0: Input should be 'helpdesk', 'engineer', 'account_manager', "
     "'customer_services_manager' or 'on_call'"),
])
def test_each_error_names_file_line_and_key(tmp_path: Path, file: str, old: str, new: str,
                                            expected: str) -> None:
    texts = {"main": MAIN, "routing": ROUTING, "accounts": ACCOUNTS}
    assert old in texts[file]
    texts[file] = texts[file].replace(old, new)
    code, lines = check(tmp_path, texts["main"], texts["routing"], texts["accounts"])
    expected = expected.format(dir=tmp_path, templates=TEMPLATES_DIR)
    assert code == 1
    assert any(line.startswith(expected) for line in lines), lines


@pytest.mark.parametrize("settings", [
    "inbound:\n  imap:\n    - {name: hd, host: imap.example.com, tls: none, allow_plaintext: true, "
    "user: u, password_env: HOME}\n",
    "inbound:\n  smtp: {listen: \"0.0.0.0:2525\", allow_plaintext: true}\n",
    "inbound:\n  imap:\n    - {name: hd, host: \"::1\", tls: none, user: u, password_env: HOME}\n",
], ids=["imap-allowed", "listener-allowed", "imap-ipv6-loopback"])
def test_plain_text_beyond_loopback_is_allowed_only_when_the_config_says_so(
    tmp_path: Path, settings: str
) -> None:
    code, lines = check(tmp_path, MAIN.replace("outbound:\n", settings + "outbound:\n", 1))
    assert code == 0, lines


def test_all_errors_in_all_files_are_reported_in_one_run(tmp_path: Path) -> None:
    main = MAIN.replace("  name: Test Helpdesk\n", "  name: Test Helpdesk\n  colour: blue\n")
    routing = ROUTING.replace("queue: helpdesk", "queue: nowhere")
    accounts = ACCOUNTS.replace("account_manager: alice", "account_manager: zed")
    code, lines = check(tmp_path, main, routing, accounts)
    assert code == 1
    # cross-file checks need a valid main file
    assert [line.split(":")[0] for line in lines] == ["maild.yaml"]
    code, lines = check(tmp_path, MAIN, routing, accounts)
    assert sorted(line.split(":")[0] for line in lines) == ["accounts.yaml", "routing.yaml"]


@pytest.mark.parametrize(("section", "expected"), [
    ("service_targets:\n  priorities:\n    2: {resolution: 3 days}\n",
     "maild.yaml:10: service_targets.priorities.2.resolution: expected a duration such as 15m, 4h "
     "or 3d (working days), got '3 days'"),
    ("service_targets:\n  priorities:\n    5: {response: 1h}\n",
     "maild.yaml:10: service_targets.priorities.5: Input should be 1, 2, 3 or 4"),
    ("service_targets:\n  warn_at: 1.5\n",
     "maild.yaml:9: service_targets.warn_at: Input should be less than 1"),
    ("reminders:\n  checkin: {day: someday}\n",
     "maild.yaml:9: reminders.checkin.day: Input should be 'mon', 'tue', 'wed', 'thu', 'fri', "
     "'sat' or 'sun'"),
    ("reminders:\n  contact_verification_months: 0\n",
     "maild.yaml:9: reminders.contact_verification_months: Input should be greater than or equal "
     "to 1"),
    ("reminders:\n  misfire_grace_minutes: soon\n",
     "maild.yaml:9: reminders.misfire_grace_minutes: Input should be a valid number, unable to "
     "parse string as a number"),
])
def test_service_target_and_reminder_errors(tmp_path: Path, section: str, expected: str) -> None:
    code, lines = check(tmp_path, main=MAIN + "log_level: info\n" + section)
    assert code == 1 and expected in lines, lines


def test_live_from_must_be_a_date(tmp_path: Path) -> None:
    code, lines = check(tmp_path, accounts=ACCOUNTS + "    live_from: next spring\n")
    assert code == 1
    assert any(line.startswith(
        "accounts.yaml:13: organisations.0.live_from: Input should be a valid date")
        for line in lines), lines


@pytest.mark.parametrize(("database", "expected"), [
    ("database: mysql://maild@db/maild\n",
     "maild.yaml:7: database.url: expected sqlite:///PATH or postgresql://USER@HOST[:PORT]/NAME"),
    ("database: postgresql://maild:hunter2@db.example.com/maild\n",
     "maild.yaml:7: database.url: no password in the URL: use password_file, password_env or "
     "password_credential"),
    ("database: postgresql://maild@db.example.com\n",
     "maild.yaml:7: database.url: expected postgresql://USER@HOST[:PORT]/NAME"),
    ("database: {url: postgresql://maild@db.example.com/maild, password: hunter2}\n",
     "maild.yaml:7: database: password: secrets are never inline; use password_file, password_env "
     "or password_credential"),
    ("database: {url: postgresql://maild@db.example.com/maild, password_file: db-secret}\n",
     "maild.yaml:7: database: cannot read secret db-secret: No such file or directory"),
    (
        "database:\n  url: postgresql://maild@db.example.com/maild\n  password_env: "
        "MAILD_TEST_UNSET_VARIABLE\n",
     "maild.yaml:7: database: environment variable MAILD_TEST_UNSET_VARIABLE is not set"),
])
def test_database_errors(tmp_path: Path, database: str, expected: str) -> None:
    code, lines = check(tmp_path, main=MAIN + database)
    assert code == 1 and any(line.startswith(expected) for line in lines), lines


def test_postgresql_database_with_a_password_file_is_valid(tmp_path: Path) -> None:
    (tmp_path / "db-secret").write_text("s3cret\n")
    main = (MAIN + "database: "
            "{url: 'postgresql://maild@db.example.com:6432/maild?sslmode=require', "
            "password_file: db-secret}\n")
    code, lines = check(tmp_path, main=main)
    assert code == 0, lines


def test_postgresql_url_becomes_connection_parameters_and_the_password_is_never_shown(
    tmp_path: Path) -> None:
    from maild.config import load_config

    (tmp_path / "db-secret").write_text("s3cret\n")
    main = (MAIN + "database: "
            "{url: 'postgresql://maild@db.example.com:6432/help%20desk?sslmode=require', "
            "password_file: db-secret}\n")
    check(tmp_path, main=main)
    target = load_config(tmp_path / "maild.yaml").database
    assert (target.engine, target.name, target.path) == ("postgresql", "help desk", None)
    assert dict(target.params) == {"host": "db.example.com", "port": 6432, "connect_timeout": 10,
                                   "user": "maild",
                                   "password": "s3cret", "sslmode": "require"}
    assert target.describe() == "postgresql maild@db.example.com:6432/help desk"


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("accounts", "    account_manager: alice\n",
     "    account_manager: alice\n    contract_start: 2026-02-30\n",
     "accounts.yaml:13: organisations.0.contract_start: Input should be a valid date"),
    ("accounts", "    account_manager: alice\n",
     "    account_manager: alice\n    live_from: 2024-13-01\n",
     "accounts.yaml:13: organisations.0.live_from: Input should be a valid date"),
    ("main", "outbound:\n", "office_hours: {closures: [2026-02-30]}\noutbound:\n",
     "maild.yaml:5: office_hours.closures.0: Input should be a valid date"),
    ("main", "outbound:\n", "inbound:\n  smtp: {listen: !!int x}\noutbound:\n",
     "maild.yaml:6: cannot read tag:yaml.org,2002:int value"),
    ("main", "  name: Test Helpdesk\n", "  name: Test \x07Helpdesk\n",
     "maild.yaml:2: character U+0007 is not allowed in YAML"),
])
def test_impossible_dates_tags_and_characters_are_config_errors(
        tmp_path: Path, file: str, old: str, new: str, expected: str) -> None:
    texts = {"main": MAIN, "routing": ROUTING, "accounts": ACCOUNTS}
    assert old in texts[file]
    texts[file] = texts[file].replace(old, new)
    code, lines = check(tmp_path, texts["main"], texts["routing"], texts["accounts"])
    assert code == 1 and any(line.startswith(expected) for line in lines), lines
    assert not any("Traceback" in line for line in lines), lines


def test_a_missing_routing_file_is_the_main_files_error(tmp_path: Path) -> None:
    code, lines = check(tmp_path, main=MAIN + "routing: no-such.yaml\n")
    assert code == 1
    assert any(line.startswith("maild.yaml:7: routing: cannot read ") for line in lines), lines


def test_two_routing_rules_with_one_name_are_refused(tmp_path: Path) -> None:
    code, lines = check(tmp_path, routing=ROUTING + ROUTING.removeprefix("rules:\n"))
    assert code == 1
    assert ("routing.yaml:7: rules.1.name: duplicate rule name 'escalation' (also rules.0)"
            in lines), lines


def test_account_manager_without_the_role_is_refused(tmp_path: Path) -> None:
    accounts = ACCOUNTS.replace("    roles: [helpdesk, account_manager]\n",
                                "    roles: [helpdesk]\n")
    code, lines = check(tmp_path, accounts=accounts)
    assert code == 1
    assert "accounts.yaml:12: organisations.0.account_manager: staff 'alice' lacks the role " \
           "account_manager" in lines, lines


def test_sighup_with_an_impossible_date_keeps_the_old_config_and_says_ready(
    setup: MaildSetup) -> None:
    notify = NotifySocket(setup.dir / "notify.sock")
    daemon = Daemon(setup, env={"NOTIFY_SOCKET": str(notify.path)})
    daemon.start()
    try:
        notify.wait_for("READY=1")
        accounts = setup.config.parent / "accounts.yaml"
        shipped = accounts.read_text()
        assert "contract_start: 2024-03-01\n" in shipped
        bad = shipped.replace("contract_start: 2024-03-01\n", "contract_start: 2026-02-30\n")
        bad_line = bad.splitlines().index("    contract_start: 2026-02-30") + 1
        accounts.write_text(bad)
        notify.messages.clear()
        daemon.process.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING=1")
        assert notify.wait_for("READY=1").startswith("READY=1")
        log = daemon.log.read_text()
        assert (f"accounts.yaml:{bad_line}: organisations.0.contract_start: "
                "Input should be a valid date") in log
        assert "reload refused, old config kept" in log and "Traceback" not in log
        with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=10) as client:  # still serving
            assert client.noop()[0] == 250
    finally:
        assert daemon.stop() == 0, daemon.log.read_text()


CREDENTIAL_MAIN = (MAIN + "database: {url: 'postgresql://maild@db.example.com/maild', "
                   "password_credential: db-password}\n")


def cli_with(tmp_path: Path, main: str, env: dict[str, str],
             *args: str) -> subprocess.CompletedProcess:
    import os

    check(tmp_path, main=main)
    environment = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"} | env
    return subprocess.run([*MAILD, "-c", str(tmp_path / "maild.yaml"), *args], capture_output=True,
                          text=True, timeout=30, env=environment)


def test_credentials_come_from_credentials_directory_under_systemd(tmp_path: Path) -> None:
    (tmp_path / "systemd-creds").mkdir()
    (tmp_path / "systemd-creds" / "db-password").write_text("s3cret\n")
    result = cli_with(tmp_path, CREDENTIAL_MAIN, {"CREDENTIALS_DIRECTORY": str(
        tmp_path / "systemd-creds")},
                      "check-config")
    assert result.returncode == 0, result.stderr


def test_credentials_by_hand_come_from_credentials_dir_relative_to_the_config(
    tmp_path: Path) -> None:
    (tmp_path / "creds").mkdir()
    (tmp_path / "creds" / "db-password").write_text("s3cret\n")
    result = cli_with(tmp_path, CREDENTIAL_MAIN + "credentials_dir: creds\n", {}, "check-config")
    assert result.returncode == 0, result.stderr
    from maild.config import load_config

    assert dict(load_config(tmp_path / "maild.yaml").database.params)["password"] == "s3cret"


def test_a_missing_credential_names_the_folder_tried(tmp_path: Path) -> None:
    result = cli_with(tmp_path, CREDENTIAL_MAIN, {}, "check-config")
    assert result.returncode == 1
    assert "maild.yaml:7: database: credential 'db-password' not found in /etc/maild/credentials " \
           "(credentials_dir (no $CREDENTIALS_DIRECTORY))" in result.stderr, result.stderr
    result = cli_with(tmp_path, CREDENTIAL_MAIN, {"CREDENTIALS_DIRECTORY": str(tmp_path / "none")},
                      "check-config")
    assert (f"credential 'db-password' not found in {tmp_path}/none ($CREDENTIALS_DIRECTORY)"
            in result.stderr)


def test_commands_run_by_hand_read_credentials_from_credentials_dir(tmp_path: Path) -> None:
    from conftest import write_config

    config = write_config(tmp_path, relay_port=None, smtp_port=2525,
                          extra="conversations: {secret_credential: reply-key}\n"
                                "credentials_dir: creds\n")
    (config.parent / "creds").mkdir()
    (config.parent / "creds" / "reply-key").write_text("a-reply-key-of-32-characters-abc\n")
    base = [*MAILD, "-c", str(config)]
    import os

    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    assert subprocess.run([*base, "db", "migrate"], capture_output=True, env=env,
                          timeout=60).returncode == 0
    for args in (["check-config"], ["status"]):
        result = subprocess.run([*base, *args], capture_output=True, text=True, env=env, timeout=60)
        assert "credential" not in result.stderr, (args, result.stderr)
    mail = (ROOT / "examples" / "new-ticket.eml").read_bytes()
    delivered = subprocess.run([*base, "deliver"], input=mail, capture_output=True, env=env,
                               timeout=60)
    assert delivered.returncode == 0, delivered.stderr


SHIPPED = {name: (ROOT / "config" / name).read_text() for name in ("maild.yaml", "routing.yaml",
                                                                   "accounts.yaml")}
PAIR = re.compile(r"(?P<key>[A-Za-z_][\w-]*): *(?P<value>[^,}\]\n#]*)")
ODD_VALUES = ["2026-02-30", "2024-13-01", "0000-00-00", "2026-12-01T25:00:00", "~", "[]", "{}",
              "[a, b]",
              "{a: 1}", "-1", "0", "1e999", ".nan", "9" * 30, "true", '"\\0"', '"a\\x00b"', "''",
              "*nowhere",
              "!!int x", "!!float x", "!!bool x", "!!binary '@@'", "!!timestamp x", "!!set {a}",
              "/etc",
              "'[unclosed'", "[unclosed", '"unterminated', "Mars/Olympus", "XX-YY", "'25:00'",
              "x" * 300, "é",
              "\x07", "\x1b", "'\\u2028'", "\ufeff", "? x", "a: b", "postgresql://u@[::1/d",
              "'sqlite:///'"]
ODD_KEYS = ["password", "1", "null", "[a]", "<<", "''", "name", "from", "closures",
            "credentials_dir"]
CONFIG_LINE = re.compile(r"^\S+/(maild|routing|accounts)\.yaml:\d+: \S")


@st.composite
def mutated_config(draw: st.DrawFn) -> dict[str, bytes]:
    texts = dict(SHIPPED)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(texts)))
        text = texts[name]
        operation = draw(st.sampled_from(["value", "key", "duplicate line", "delete line",
                                          "bytes"]))
        if operation in ("value", "key"):
            found = draw(st.sampled_from(list(PAIR.finditer(text))))
            new = draw(st.sampled_from(ODD_VALUES) | st.text(max_size=12) if operation == "value"
                       else st.sampled_from(ODD_KEYS + ODD_VALUES))
            text = text[:found.start(operation)] + new + text[found.end(operation):]
        elif operation in ("duplicate line", "delete line"):
            lines = text.splitlines(keepends=True)
            at = draw(st.integers(0, len(lines) - 1))
            lines[at:at + 1] = [lines[at]] * (2 if operation == "duplicate line" else 0)
            text = "".join(lines)
        else:
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(["\udcff", "\x00", "\r", "\u2029",
                                                     "\t"])) + text[at:]
        texts[name] = text
    return {name: text.encode("utf-8", "surrogateescape") for name, text in texts.items()}


FUZZ_SEEN: dict[str, int] = {}


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=mutated_config())
def test_mutated_shipped_config_gives_only_config_errors_with_file_and_line(
        tmp_path: Path, files: dict[str, bytes]) -> None:
    from maild.config import load_config
    from maild.errors import ConfigError
    from maild.runtime import Settings

    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    try:
        Settings.build(load_config(tmp_path / "maild.yaml"))
    except ConfigError as exc:
        FUZZ_SEEN["refused"] = FUZZ_SEEN.get("refused", 0) + 1
        assert exc.messages and all(CONFIG_LINE.match(m) for m in exc.messages), exc.messages
    else:
        FUZZ_SEEN["accepted"] = FUZZ_SEEN.get("accepted", 0) + 1


def test_the_config_mutants_were_both_accepted_and_refused() -> None:
    """Run after the property: mutants that were all refused (or all accepted) would prove
    little."""
    assert FUZZ_SEEN.get("refused", 0) >= 50 and FUZZ_SEEN.get("accepted", 0) >= 10, FUZZ_SEEN
