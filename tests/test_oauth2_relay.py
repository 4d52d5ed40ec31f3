"""Sending with OAuth2 through a real relay: an aiosmtpd server that takes mail only over TLS
(STARTTLS required, or implicit) and after AUTH XOAUTH2 or OAUTHBEARER, each token checked
against a real introspection endpoint on loopback. The token comes from maild's own helper
(`maild.contrib.oauth2_token`) asking that server's token endpoint, as the recipes set it up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import databases
from conftest import (
    Daemon,
    MaildSetup,
    OAuthRelay,
    SmtpSink,
    TokenServer,
    free_port,
    oauth2_helper,
    write_config,
)
from dovecot import USER, make_certificates
from mails import mail

PER_TICKET = 3  # the acknowledgement and a notification to each of the queue's two members
LOCAL_RELAY = "tls: none, timeout: 5}"  # the end of conftest.write_config's relay line


@pytest.fixture
def relay(tmp_path: Path, token_server: TokenServer) -> Iterator[OAuthRelay]:
    server = OAuthRelay(tmp_path / "relay-tls", token_server)
    server.start()
    yield server
    server.stop()


def maild_sending_to(
    directory: Path, relay: OAuthRelay, settings: str, extra: str = ""
) -> MaildSetup:
    """A maild config whose relay line has these settings instead of conftest's plain ones."""
    port = free_port()
    config = write_config(directory, relay_port=relay.port, smtp_port=port, extra=extra)
    text = config.read_text()
    assert LOCAL_RELAY in text, "conftest.write_config's relay line changed: update LOCAL_RELAY"
    config.write_text(text.replace(LOCAL_RELAY, f"timeout: 5, user: {USER}, {settings}}}"))
    return MaildSetup(directory, config, port)


def oauth2_settings(
    tmp_path: Path, relay: OAuthRelay, tokens: TokenServer, tls: str = "starttls"
) -> str:
    command = oauth2_helper(tmp_path / "oauth2", tokens)
    return f'tls: {tls}, ca_file: {relay.ca_file}, oauth2_command: "{command}"'


def last_error(setup: MaildSetup) -> str:
    [(error,)] = databases.query(
        setup.config,
        "select last_error from outbox where last_error is not null " "order by id limit 1",
    )
    return error


@pytest.mark.parametrize(("tls", "offered", "used"), [
    ("starttls", ("XOAUTH2", "OAUTHBEARER"), "OAUTHBEARER"),
    ("starttls", ("XOAUTH2",), "XOAUTH2"),  # what Exchange Online offers
    ("implicit", ("XOAUTH2", "OAUTHBEARER"), "OAUTHBEARER"),
], ids=["starttls-both", "starttls-xoauth2-only", "implicit"])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # implicit TLS is TLS
def test_acknowledgements_go_out_through_an_oauth2_relay_over_tls(
    tmp_path: Path, token_server: TokenServer, tls: str, offered: tuple[str, ...], used: str
) -> None:
    relay = OAuthRelay(
        tmp_path / "relay-tls", token_server, implicit=tls == "implicit", mechanisms=offered
    )
    relay.start()
    try:
        setup = maild_sending_to(
            tmp_path / "maild", relay, oauth2_settings(tmp_path, relay, token_server, tls)
        )
        assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
        sent = setup.cli("send", "--once")
        assert (
            sent.stdout == f"sent {PER_TICKET}, deferred 0, failed 0\n".encode()
        ), sent.stderr.decode()
        [ack] = relay.replies(1)
        assert ack.message["Subject"] == "[#1] Placement report shows the wrong dates"
        assert len(relay.received) == PER_TICKET
        # One session, one token from the helper, checked by the relay against the endpoint.
        assert token_server.granted == ["ya29.granted-1"]
        assert [(x.mechanism, x.user, x.token, x.ok, x.tls) for x in relay.logins] == [
            (used, USER, "ya29.granted-1", True, True)]
        # The token itself is never logged; the helper's token endpoint is named nowhere in stderr.
        assert b"ya29.granted-1" not in sent.stderr
    finally:
        relay.stop()


def test_the_oauth2_mechanism_setting_is_obeyed_and_one_not_offered_is_an_error(
    tmp_path: Path, token_server: TokenServer
) -> None:
    relay = OAuthRelay(tmp_path / "relay-tls", token_server, mechanisms=("XOAUTH2",))
    relay.start()
    try:
        settings = (
            oauth2_settings(tmp_path, relay, token_server) + ", oauth2_mechanism: oauthbearer"
        )
        setup = maild_sending_to(tmp_path / "maild", relay, settings)
        assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
        assert setup.cli("send", "--once").stdout == b"sent 0, deferred 1, failed 0\n"
        assert (
            last_error(setup)
            == f"relay 127.0.0.1:{relay.port} offers AUTH XOAUTH2, not OAUTHBEARER"
        )
        assert relay.logins == [] and relay.received == []
    finally:
        relay.stop()


def test_a_relay_certificate_from_another_ca_defers_naming_host_and_reason(
    tmp_path: Path, relay: OAuthRelay, token_server: TokenServer
) -> None:
    other_ca, _, _ = make_certificates(tmp_path / "other-ca")
    command = oauth2_helper(tmp_path, token_server)
    settings = f'tls: starttls, ca_file: {other_ca}, oauth2_command: "{command}"'
    setup = maild_sending_to(tmp_path / "maild", relay, settings)
    assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
    assert setup.cli("send", "--once").stdout == b"sent 0, deferred 1, failed 0\n"
    assert last_error(setup) == (
        f"TLS certificate of relay 127.0.0.1:{relay.port} not trusted: unable to get "
        f"local issuer certificate; checked against ca_file {other_ca}"
    )
    assert relay.logins == [] and token_server.granted == []  # no token went anywhere


def test_a_relay_without_starttls_is_refused_never_used_in_plain_text(
    tmp_path: Path, token_server: TokenServer, smtp_sink: SmtpSink
) -> None:
    port = free_port()
    config = write_config(tmp_path / "maild", relay_port=smtp_sink.port, smtp_port=port)
    config.write_text(config.read_text().replace(
        LOCAL_RELAY, f'timeout: 5, tls: starttls, user: {USER}, '
                     f'oauth2_command: "{oauth2_helper(tmp_path, token_server)}"}}'))
    setup = MaildSetup(tmp_path / "maild", config, port)
    assert setup.cli("deliver", input=mail().as_bytes()).returncode == 0
    assert setup.cli("send", "--once").stdout == b"sent 0, deferred 1, failed 0\n"
    assert last_error(setup) == (
        f"relay 127.0.0.1:{smtp_sink.port} does not offer STARTTLS (tls: starttls); "
        "not sending in plain text"
    )
    assert smtp_sink.received == [] and token_server.granted == []


ALERTS = "alerts: {to: admin@example.com, check_seconds: 0.3, outbox_stuck_minutes: 600}\n"


def wait_until(condition, timeout: float = 20.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_revoked_token_defers_the_outbox_raises_one_alert_and_recovery_sends_each_mail_once(
    tmp_path: Path, relay: OAuthRelay, token_server: TokenServer
) -> None:
    setup = maild_sending_to(
        tmp_path / "maild", relay, oauth2_settings(tmp_path, relay, token_server), ALERTS
    )
    daemon = Daemon(setup)
    daemon.start()
    try:
        assert (
            setup.cli("deliver", input=mail(subject="Before the revocation").as_bytes()).returncode
            == 0
        )
        assert len(relay.wait_for(PER_TICKET)) == PER_TICKET

        token_server.revoke()  # the admin revoked the app's grant: the cached token dies too
        assert (
            setup.cli("deliver", input=mail(subject="During the revocation").as_bytes()).returncode
            == 0
        )
        def token_alerts() -> list[tuple]:
            return databases.query(
                setup.config, "select key, cleared_at from alert where key like ?", ("token:%",)
            )

        assert wait_until(lambda: token_alerts() == [("token:relay", None)])
        time.sleep(4)  # several send passes and alert checks while the grant stays revoked
        assert token_alerts() == [("token:relay", None)]
        assert len(relay.received) == PER_TICKET  # nothing more went out, nothing was lost
        queued = databases.query(
            setup.config, "select count(*) from outbox where status = 'queued'"
        )
        assert queued == [(PER_TICKET + 1,)]  # the second ticket's mails and the alert itself
        assert "refused the refresh token: invalid_grant" in last_error(setup)
        status = setup.cli("status", "--json")
        assert status.returncode == 2, status.stderr.decode()  # as a failing mailbox
        [token] = json.loads(status.stdout)["tokens"]
        assert token["name"] == "relay" and not token["ok"]
        assert (
            "oauth2_command failed" in token["last_error"]
            and "invalid_grant" in token["last_error"]
        )
        # The relay saw the dead token once, before the refresh found the grant revoked.
        assert [x.token for x in relay.logins if not x.ok] == ["ya29.granted-1"]

        token_server.restore()  # the admin consented again
        assert wait_until(lambda: len(relay.received) >= 2 * PER_TICKET + 2)
        time.sleep(3)  # long enough for any second copy to turn up
        subjects = sorted(str(r.message["Subject"]) for r in relay.received)
        assert len(relay.received) == 2 * PER_TICKET + 2, subjects
        ids = [r.message["Message-ID"] for r in relay.received]
        assert len(set(ids)) == len(ids)  # each mail once
        admin = [str(r.message["Subject"]) for r in relay.to("admin@example.com")]
        assert [s.split(":")[0] for s in sorted(admin)] == [
            "maild PROBLEM",
            "maild RECOVERED",
        ], admin
        assert databases.query(
            setup.config, "select count(*) from alert where key = 'token:relay'"
        ) == [(1,)]
        assert setup.cli("status", "--json").returncode == 0
        log = daemon.log.read_text()
        assert "ya29.granted" not in log  # the token is never logged
        assert "oauth2_command said: maild-oauth2-token:" in log  # the helper's stderr is
    finally:
        code = daemon.stop()
    assert code == 0, daemon.log.read_text()[-3000:]
