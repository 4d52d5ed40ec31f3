"""maild's own SMTP listener over STARTTLS, against a real `maild run`: a certificate from a
throw-away CA, smtplib as the client. Beyond loopback STARTTLS is required (530 before it), and
without a certificate maild refuses to listen there at all; SIGHUP takes a renewed certificate."""

from __future__ import annotations

import signal
import smtplib
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Daemon, MaildSetup, SmtpSink, free_port, write_config
from dovecot import make_certificates
from mails import mail

DANA = "dana@bath.example.ac.uk"


def listening(directory: Path, sink: SmtpSink, settings: str) -> MaildSetup:
    """A maild config whose listener line has these settings instead of conftest's."""
    port = free_port()
    config = write_config(directory, relay_port=sink.port, smtp_port=port)
    text = config.read_text()
    line = f'smtp: {{listen: "127.0.0.1:{port}", protocol: smtp}}'
    assert line in text, "conftest.write_config's listener line changed"
    config.write_text(text.replace(line, "smtp: {" + settings.format(port=port) + "}"))
    return MaildSetup(directory, config, port)


@pytest.fixture
def certificates(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_certificates(tmp_path / "listener-tls")


@pytest.fixture
def wide(
    tmp_path: Path, smtp_sink: SmtpSink, certificates: tuple[Path, Path, Path]
) -> Iterator[Daemon]:
    """Listening on every address (0.0.0.0) with a certificate: STARTTLS required."""
    _, cert, key = certificates
    setup = listening(tmp_path / "maild", smtp_sink,
                      f'listen: "0.0.0.0:{{port}}", tls_cert_file: {cert}, tls_key_file: {key}')
    daemon = Daemon(setup)
    daemon.start()
    yield daemon
    assert daemon.stop() == 0, daemon.log.read_text()


def verified(ca_file: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file))


def test_starttls_delivers_into_a_ticket(
    wide: Daemon, certificates: tuple[Path, Path, Path]
) -> None:
    ca_file, _, _ = certificates
    with smtplib.SMTP("127.0.0.1", wide.setup.smtp_port, timeout=30) as client:
        client.ehlo("client.example")
        assert client.has_extn("starttls")
        client.starttls(context=verified(ca_file))
        assert (
            client.sendmail(
                DANA, ["helpdesk@example.com"], mail(subject="Over STARTTLS").as_bytes()
            )
            == {}
        )
    [ticket] = wide.setup.json("tickets")
    assert ticket["subject"] == "Over STARTTLS"
    assert (
        "SMTP on 0.0.0.0:" in wide.log.read_text() and "(STARTTLS required)" in wide.log.read_text()
    )


def test_a_client_that_does_not_start_tls_is_refused_with_530(wide: Daemon) -> None:
    with smtplib.SMTP("127.0.0.1", wide.setup.smtp_port, timeout=30) as client:
        client.ehlo("client.example")
        code, reply = client.mail(DANA)
    assert (code, reply) == (530, b"Must issue a STARTTLS command first")
    assert wide.setup.json("tickets") == []


def test_on_loopback_starttls_is_offered_not_required(
    tmp_path: Path, smtp_sink: SmtpSink, certificates: tuple[Path, Path, Path]
) -> None:
    ca_file, cert, key = certificates
    setup = listening(tmp_path / "maild", smtp_sink,
                      f'listen: "127.0.0.1:{{port}}", tls_cert_file: {cert}, tls_key_file: {key}')
    daemon = Daemon(setup)
    daemon.start()
    try:
        with smtplib.SMTP("127.0.0.1", setup.smtp_port, timeout=30) as client:
            client.ehlo("client.example")
            assert client.has_extn("starttls")
            client.sendmail(
                DANA, ["helpdesk@example.com"], mail(subject="Plain on loopback").as_bytes()
            )
        assert [t["subject"] for t in setup.json("tickets")] == ["Plain on loopback"]
    finally:
        assert daemon.stop() == 0, daemon.log.read_text()


def test_listening_beyond_loopback_without_tls_is_a_config_error_unless_allowed(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    setup = listening(tmp_path / "refused", smtp_sink, 'listen: "0.0.0.0:{port}"')
    checked = setup.cli("check-config")
    assert checked.returncode == 1
    line = next(
        n for n, text in enumerate(setup.config.read_text().splitlines(), 1) if "smtp:" in text
    )
    assert checked.stderr.decode().splitlines() == [
        f"{setup.config}:{line}: inbound.smtp: listening on 0.0.0.0 (not loopback) without TLS: "
        "set "
        "tls_cert_file and tls_key_file, or allow_plaintext: true"
    ]
    allowed = listening(
        tmp_path / "allowed", smtp_sink, 'listen: "0.0.0.0:{port}", allow_plaintext: true'
    )
    assert allowed.cli("check-config").returncode == 0


def test_sighup_takes_a_renewed_certificate(
    wide: Daemon, tmp_path: Path, certificates: tuple[Path, Path, Path]
) -> None:
    old_ca, cert, key = certificates
    new_ca, new_cert, new_key = make_certificates(tmp_path / "renewed")
    cert.write_bytes(new_cert.read_bytes())
    key.write_bytes(new_key.read_bytes())
    assert wide.process is not None
    wide.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 15
    while "listener TLS certificate loaded again" not in wide.log.read_text():
        assert time.monotonic() < deadline, wide.log.read_text()[-2000:]
        time.sleep(0.1)
    with smtplib.SMTP("127.0.0.1", wide.setup.smtp_port, timeout=30) as client:
        client.ehlo("client.example")
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=verified(old_ca))
    with smtplib.SMTP("127.0.0.1", wide.setup.smtp_port, timeout=30) as client:
        client.ehlo("client.example")
        client.starttls(context=verified(new_ca))
        client.sendmail(
            DANA, ["helpdesk@example.com"], mail(subject="After the renewal").as_bytes()
        )
    assert [t["subject"] for t in wide.setup.json("tickets")] == ["After the renewal"]
