"""The IMAP channel's TLS modes and XOAUTH2 login against a real private Dovecot.

Dovecot serves a certificate for 127.0.0.1/localhost from a throw-away CA (or a self-signed one)
made in the test's folder, on an imaps port and with STARTTLS on the plain port; for XOAUTH2 its
oauth2 passdb asks a real token-introspection HTTP server on loopback (tests/dovecot.py). Each
test runs `maild fetch --once` and checks what the server and the database saw. Dovecot's log
says how each login was made (`method=XOAUTH2`, `TLS`), so a test can tell TLS really carried it.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import databases
from conftest import GOOD_TOKEN, MaildSetup, SmtpSink, free_port, oauth2_helper, write_config
from dovecot import USER, Dovecot, TokenServer, make_certificates
from mails import mail

# What conftest.write_config puts in the mailbox line; the tests replace it with their own settings.
DEFAULT_MAILBOX = "tls: none, user: helpdesk@example.com, password_file: imap-password"


def start_dovecot(directory: Path, tls: str, oauth2_url: str | None = None,
                  ssl_required: bool = False) -> Dovecot:
    """A TLS Dovecot; a test fails (never skips) when it cannot start."""
    server = Dovecot(directory, tls=tls, oauth2_url=oauth2_url, ssl_required=ssl_required)
    try:
        server.start()
    except Exception as exc:
        log = server.log()
        server.stop()
        raise AssertionError(f"the private TLS Dovecot did not start: {exc}\n{log}") from exc
    return server


@pytest.fixture
def tls_dovecot(tmp_path: Path, token_server: TokenServer) -> Iterator[Dovecot]:
    """Certificate from a test CA, STARTTLS and imaps, passwords and XOAUTH2 tokens."""
    server = start_dovecot(tmp_path / "dovecot", "ca", token_server.url)
    yield server
    server.stop()


@pytest.fixture
def required_dovecot(tmp_path: Path, token_server: TokenServer) -> Iterator[Dovecot]:
    """`ssl = required`: no login of any kind without TLS; XOAUTH2 tokens and passwords."""
    server = start_dovecot(tmp_path / "dovecot", "ca", token_server.url, ssl_required=True)
    yield server
    server.stop()


@pytest.fixture
def self_signed_dovecot(tmp_path: Path) -> Iterator[Dovecot]:
    server = start_dovecot(tmp_path / "dovecot", "self-signed")
    yield server
    server.stop()


def maild_for(tmp_path: Path, smtp_sink: SmtpSink, port: int, mailbox: str) -> MaildSetup:
    """A maild config whose one IMAP mailbox has these settings instead of conftest's plain ones."""
    smtp_port = free_port()
    config = write_config(tmp_path / "maild", relay_port=smtp_sink.port, smtp_port=smtp_port,
                          imap_port=port)
    text = config.read_text()
    assert DEFAULT_MAILBOX in text, ("conftest.write_config's mailbox line changed: "
                                     "update DEFAULT_MAILBOX")
    config.write_text(text.replace(DEFAULT_MAILBOX, f"user: {USER}, {mailbox}"))
    return MaildSetup(tmp_path / "maild", config, smtp_port)


def token_command(tmp_path: Path, name: str, script: str) -> Path:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def tickets(setup: MaildSetup) -> int:
    return databases.query(setup.config, "select count(*) from ticket")[0][0]


def on_server(dovecot: Dovecot, folder: str) -> int:
    """Mails in a folder, asked with doveadm: an IMAP login would wait out Dovecot's auth penalty
    for 127.0.0.1 after a test's refused login (about 4 s)."""
    result = subprocess.run(["doveadm", "-c", str(dovecot.conf), "-f", "flow", "mailbox", "status",
                             "-u", USER, "messages", folder], capture_output=True, text=True,
                             timeout=30)
    if "Mailbox doesn't exist" in result.stderr:
        return 0
    assert result.returncode == 0, result.stderr
    return int(re.search(r"messages=(\d+)", result.stdout).group(1))


def in_log(dovecot: Dovecot, text: str, timeout: float = 5.0) -> bool:
    """Dovecot's log process writes a little after the event."""
    deadline = time.monotonic() + timeout
    while text not in dovecot.log():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def logins(dovecot: Dovecot) -> list[str]:
    return [line for line in dovecot.log().splitlines(
        ) if "imap-login: Info: Login: user=<" in line]


def fetched_into_a_ticket(setup: MaildSetup, dovecot: Dovecot, subject: str) -> None:
    dovecot.append([mail(subject=subject).as_bytes()])
    fetched = setup.cli("fetch", "--once")
    assert fetched.returncode == 0, fetched.stderr.decode()
    assert fetched.stdout == b"helpdesk: 1 fetched, 1 moved (1 opened)\n", fetched.stderr.decode()
    assert tickets(setup) == 1
    subjects = databases.query(setup.config, "select subject from ticket")
    assert subjects == [(subject,)]
    assert (on_server(dovecot, "INBOX"), on_server(dovecot, "Processed")) == (0, 1)


def refused(setup: MaildSetup, dovecot: Dovecot) -> str:
    """`maild fetch --once` failed for the mailbox and took nothing; its message."""
    dovecot.append([mail(subject="Must stay on the server").as_bytes()])
    fetched = setup.cli("fetch", "--once")
    stderr = fetched.stderr.decode()
    assert fetched.returncode == 1, stderr
    assert fetched.stdout == b""
    assert tickets(setup) == 0
    assert (on_server(dovecot, "INBOX"), on_server(dovecot, "Processed")) == (1, 0)
    [line] = [line for line in stderr.splitlines() if line.startswith("helpdesk: ")]
    return line


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_tls_verified_against_the_test_ca_fetches_mail_into_a_ticket(
    tmp_path: Path, smtp_sink: SmtpSink, tls_dovecot: Dovecot, mode: str
) -> None:
    port = tls_dovecot.imaps_port if mode == "implicit" else tls_dovecot.port
    setup = maild_for(tmp_path, smtp_sink, port,
                      f"tls: {mode}, verify: true, ca_file: {tls_dovecot.ca_file}, "
                                                 f"password_file: imap-password")
    fetched_into_a_ticket(setup, tls_dovecot, f"Over {mode} TLS")
    # Dovecot logs how the fetch logged in: with the password, over TLS (the appends log no TLS).
    assert [line for line in logins(tls_dovecot) if ", TLS," in line and "method=PLAIN" in line]
    assert not [line for line in logins(
        tls_dovecot) if ", TLS," in line and "method=XOAUTH2" in line]


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_verify_without_the_ca_file_is_a_certificate_error_and_fetches_nothing(
    tmp_path: Path, smtp_sink: SmtpSink, tls_dovecot: Dovecot, mode: str
) -> None:
    port = tls_dovecot.imaps_port if mode == "implicit" else tls_dovecot.port
    setup = maild_for(tmp_path, smtp_sink, port,
                      f"tls: {mode}, verify: true, password_file: imap-password")
    message = refused(setup, tls_dovecot)
    assert message.startswith(f"helpdesk: TLS certificate of 127.0.0.1:{port} not trusted"), message
    assert "unable to get local issuer certificate" in message, message
    assert not [line for line in logins(tls_dovecot) if ", TLS," in line]  # no login got through
    assert in_log(tls_dovecot, "alert unknown ca")  # the client hung up in the handshake


@pytest.mark.parametrize(("ca_file", "expected"), [
    ("missing.pem", "No such file or directory"),
    ("not-pem.txt", "NO_CERTIFICATE_OR_CRL_FOUND"),
], ids=["missing", "not-pem"])
def test_unusable_ca_file_is_named_in_the_error(
    tmp_path: Path, smtp_sink: SmtpSink, tls_dovecot: Dovecot, ca_file: str, expected: str
) -> None:
    setup = maild_for(tmp_path, smtp_sink, tls_dovecot.imaps_port,
                      f"tls: implicit, ca_file: {ca_file}, password_file: imap-password")
    (setup.config.parent / "not-pem.txt").write_text("not a certificate\n")
    message = refused(setup, tls_dovecot)
    # ca_file is relative to the config file, and the message says which file it was.
    assert message.startswith(
        f"helpdesk: ca_file {setup.config.parent / ca_file} unusable: "), message
    assert expected in message, message


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_verify_false_accepts_a_self_signed_certificate(
    tmp_path: Path, smtp_sink: SmtpSink, self_signed_dovecot: Dovecot, mode: str
) -> None:
    port = self_signed_dovecot.imaps_port if mode == "implicit" else self_signed_dovecot.port
    verified = maild_for(tmp_path / "verified", smtp_sink, port,
                         f"tls: {mode}, verify: true, password_file: imap-password")
    message = refused(verified, self_signed_dovecot)
    assert "self-signed certificate" in message, message

    unverified = maild_for(tmp_path / "unverified", smtp_sink, port,
                           f"tls: {mode}, verify: false, password_file: imap-password")
    fetched = unverified.cli("fetch", "--once")
    assert fetched.stdout == b"helpdesk: 1 fetched, 1 moved (1 opened)\n", fetched.stderr.decode()
    assert tickets(unverified) == 1
    assert [line for line in logins(
        self_signed_dovecot) if ", TLS," in line and "method=PLAIN" in line]


def test_xoauth2_with_a_good_token_fetches_mail_into_a_ticket(
    tmp_path: Path, smtp_sink: SmtpSink, tls_dovecot: Dovecot, token_server: TokenServer
) -> None:
    command = token_command(tmp_path, "good-token",
                            f"echo {GOOD_TOKEN}\necho second line is ignored")
    setup = maild_for(tmp_path, smtp_sink, tls_dovecot.imaps_port,
                      f"tls: implicit, ca_file: {tls_dovecot.ca_file}, oauth2_command: {command}")
    fetched_into_a_ticket(setup, tls_dovecot, "Logged in with a token")
    assert token_server.asked == [GOOD_TOKEN]  # Dovecot asked the introspection server, once
    assert [line for line in logins(tls_dovecot) if "method=XOAUTH2" in line and ", TLS," in line]


def test_xoauth2_with_a_bad_token_is_refused_as_an_auth_error(
    tmp_path: Path, smtp_sink: SmtpSink, tls_dovecot: Dovecot, token_server: TokenServer
) -> None:
    command = token_command(tmp_path, "stale-token", "echo ya29.expired-token")
    setup = maild_for(tmp_path, smtp_sink, tls_dovecot.imaps_port,
                      f"tls: implicit, ca_file: {tls_dovecot.ca_file}, oauth2_command: {command}")
    message = refused(setup, tls_dovecot)
    assert message.startswith(f"helpdesk: login as {USER} refused: "), message
    assert "AUTHENTICATIONFAILED" in message, message
    # Refused once, the command is run again (once) before the mailbox backs off.
    assert token_server.asked == ["ya29.expired-token", "ya29.expired-token"]
    assert not [line for line in logins(tls_dovecot) if "method=XOAUTH2" in line]


@pytest.mark.parametrize(("script", "expected"), [
    ("echo 'invalid_grant: refresh token revoked' >&2\nexit 3",
     r"oauth2_command failed: .*token-cmd exit status 3: invalid_grant: refresh token revoked$"),
    ("exit 0", r"oauth2_command printed no token$"),
    (None, r"oauth2_command failed: the command is blank$"),
], ids=["exits-non-zero", "prints-nothing", "blank"])
def test_failing_oauth2_command_is_a_clear_error_and_asks_no_server(
    tmp_path: Path, smtp_sink: SmtpSink, tls_dovecot: Dovecot, token_server: TokenServer,
    script: str | None, expected: str,
) -> None:
    command = token_command(tmp_path, "token-cmd", script) if script else '"  "'
    setup = maild_for(tmp_path, smtp_sink, tls_dovecot.imaps_port,
                      f"tls: implicit, ca_file: {tls_dovecot.ca_file}, oauth2_command: {command}")
    message = refused(setup, tls_dovecot)
    assert message.startswith(f"helpdesk: no credentials for {USER}: "), message
    assert re.search(expected, message), message
    assert token_server.asked == []
    status = setup.cli("status", "--json")
    assert status.returncode == 3  # no daemon here: that wins over the failing token
    [token] = json.loads(status.stdout)["tokens"]
    assert (token["name"], token["ok"]) == ("mailbox helpdesk", False)
    assert re.search(expected, token["last_error"]), token


def port_for(dovecot: Dovecot, mode: str) -> int:
    return dovecot.imaps_port if mode == "implicit" else dovecot.port


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_ssl_required_xoauth2_with_the_shipped_token_helper_fetches_mail(
    tmp_path: Path, smtp_sink: SmtpSink, required_dovecot: Dovecot, token_server: TokenServer,
    mode: str,
) -> None:
    command = oauth2_helper(tmp_path / "oauth2", token_server)
    setup = maild_for(
        tmp_path,
        smtp_sink,
        port_for(required_dovecot, mode),
        f'tls: {mode}, ca_file: {required_dovecot.ca_file}, oauth2_command: "{command}"',
    )
    fetched_into_a_ticket(setup, required_dovecot, f"XOAUTH2 over {mode}")
    assert token_server.granted == ["ya29.granted-1"]  # the helper's refresh-token grant
    assert token_server.asked == ["ya29.granted-1"]  # Dovecot checked that very token
    assert [
        line for line in logins(required_dovecot) if "method=XOAUTH2" in line and ", TLS," in line
    ]


def test_an_expired_token_is_refreshed_once_and_the_second_output_logs_in(
    tmp_path: Path, smtp_sink: SmtpSink, required_dovecot: Dovecot, token_server: TokenServer
) -> None:
    runs = tmp_path / "runs"
    command = token_command(tmp_path, "first-stale", f"""echo x >> {runs}
if [ "$(wc -l < {runs})" -eq 1 ]; then
  echo '{{"access_token": "ya29.expired-token", "expires_in": 3599}}'
else
  echo '{{"access_token": "{GOOD_TOKEN}", "expires_in": 3599}}'
fi""")
    setup = maild_for(
        tmp_path,
        smtp_sink,
        required_dovecot.imaps_port,
        f"tls: implicit, ca_file: {required_dovecot.ca_file}, oauth2_command: {command}",
    )
    fetched_into_a_ticket(setup, required_dovecot, "Logged in with the second token")
    assert token_server.asked == ["ya29.expired-token", GOOD_TOKEN]
    assert len(runs.read_text().splitlines()) == 2  # once, and once more after the refusal


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_a_ca_file_of_another_ca_fails_naming_the_reason_and_sends_no_token(
    tmp_path: Path, smtp_sink: SmtpSink, required_dovecot: Dovecot, token_server: TokenServer,
    mode: str,
) -> None:
    other_ca, _, _ = make_certificates(tmp_path / "other-ca")
    command = oauth2_helper(tmp_path / "oauth2", token_server)
    port = port_for(required_dovecot, mode)
    setup = maild_for(
        tmp_path, smtp_sink, port, f'tls: {mode}, ca_file: {other_ca}, oauth2_command: "{command}"'
    )
    message = refused(setup, required_dovecot)
    assert message == (
        f"helpdesk: TLS certificate of 127.0.0.1:{port} not trusted: unable to get local "
        f"issuer certificate; checked against ca_file {other_ca}"
    ), message
    assert token_server.granted == [] and token_server.asked == []
