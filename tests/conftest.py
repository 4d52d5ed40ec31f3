"""Fixtures: a temp config, intake over a fresh store, a real aiosmtpd sink acting as the relay,
and `maild run` as a process."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

import databases
from dovecot import Dovecot, TokenServer, make_certificates
from maild.config import load_config
from maild.intake import Intake
from maild.pipeline.steps import STEPS, Step
from maild.runtime import Runtime, Settings
from maild.store.db import open_store
from maild.store.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent
IMAP_PASSWORD = "imap-secret"
GOOD_TOKEN = "ya29.good-test-token"
MAILD = [sys.executable, "-m", "maild"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers",
                            "sqlite_only: about SQLite itself (files, chattr); "
                            "not run on PostgreSQL")
    config.addinivalue_line("markers",
                            "postgres_only: several hosts on one PostgreSQL; "
                            "run in the PostgreSQL pass")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each pass runs what belongs to it: `scripts/test` runs the suite on SQLite, then on
    PostgreSQL."""
    unwanted = "postgres_only" if databases.ENGINE == "sqlite" else "sqlite_only"
    kept = [item for item in items if unwanted not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if unwanted in item.keywords])
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session) -> None:
    databases.drop_created()


def pytest_report_header(config: pytest.Config) -> str:
    where = databases.SETTING if databases.ENGINE != "sqlite" else "a file per test"
    return f"maild test database: {databases.ENGINE} ({where})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Message


@dataclass
class SinkHandler:
    """Collects what the relay receives; `answer` lets a test make it refuse mail."""

    received: list[Received] = field(default_factory=list)
    answer: str = "250 OK"
    refuse_full: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 - aiosmtpd hook
        if not self.answer.startswith("250"):
            return self.answer
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          message_from_bytes(
                                              envelope.original_content or envelope.content,
                                              policy=policy.default)))
        return self.answer


class SmtpSink:
    """A real SMTP server on loopback that can be started, stopped and started again on one port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = SinkHandler()
        self.controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     decode_data=False)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        return self._wait(count, timeout, lambda r: True)

    def replies(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The automatic answers to senders (acknowledgements, redirects): null return path.
        Staff notifications, sent with the helpdesk as return path, are left out."""
        return self._wait(count, timeout, lambda r: r.mail_from == "<>")

    def wait_to(self, address: str, count: int, timeout: float = 10.0) -> list[Received]:
        return self._wait(count, timeout, lambda r: address in r.rcpt_tos)

    def _wait(self, count: int, timeout: float, wanted: Callable[[Received], bool]) -> list[
        Received]:
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.received if wanted(r)]
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.05)


@dataclass
class Login:
    mechanism: str
    user: str
    token: str
    ok: bool
    tls: bool


class OAuthRelayHandler(SinkHandler):
    """A relay's AUTH XOAUTH2 and OAUTHBEARER (RFC 7628), each token checked against a real
    introspection endpoint (the TokenServer), answered as Google and Microsoft do: a 334 error
    challenge, the client's empty (or ^A) reply, then 535."""

    def __init__(self, introspection_url: str) -> None:
        super().__init__()
        self.introspection_url = introspection_url
        self.logins: list[Login] = []

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        fields = await _initial_response(server, args)
        user = fields.get("user", "")
        return await self._check(server, "XOAUTH2", user, fields.get("auth", ""))

    async def auth_OAUTHBEARER(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        fields = await _initial_response(server, args)
        return await self._check(server, "OAUTHBEARER", fields.get("a", ""), fields.get("auth", ""))

    async def _check(self, server: SMTP, mechanism: str, user: str, auth: str) -> AuthResult:
        token = auth.removeprefix("Bearer ")
        with urlopen(
            self.introspection_url, urlencode({"token": token}).encode(), timeout=10
        ) as answer:
            verdict = json.loads(answer.read())
        ok = (
            verdict.get("active") is True
            and verdict.get("username") == user
            and auth.startswith("Bearer ")
        )
        tls = (
            server.transport is not None
            and server.transport.get_extra_info("sslcontext") is not None
        )
        self.logins.append(Login(mechanism, user, token, ok, tls))
        if ok:
            return AuthResult(success=True, auth_data=user)
        await server.challenge_auth(json.dumps({"status": "invalid_token", "schemes": "bearer"}))
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Authentication unsuccessful"
        )


async def _initial_response(server: SMTP, args: list[str]) -> dict[str, str]:
    """XOAUTH2's `user=..^Aauth=..^A^A` or OAUTHBEARER's `n,a=USER,^Ahost=..^A..^A^A` as fields."""
    raw = base64.b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
    text = raw.decode() if isinstance(raw, bytes) else ""
    fields: dict[str, str] = {}
    for part in text.split("\x01"):
        if part.startswith("n,"):  # the GS2 header: n,a=user,
            fields["a"] = part.split("a=", 1)[1].rstrip(",") if "a=" in part else ""
        elif "=" in part:
            key, value = part.split("=", 1)
            fields[key] = value
    return fields


class OAuthRelay(SmtpSink):
    """A relay that takes mail only after TLS (STARTTLS required, or implicit) and AUTH with an
    OAuth2 token; certificate from a test CA. `mechanisms` are the ones it offers."""

    def __init__(self, directory: Path, tokens: TokenServer, implicit: bool = False,
                 mechanisms: tuple[str, ...] = ("XOAUTH2", "OAUTHBEARER")) -> None:
        super().__init__(free_port())
        self.handler = OAuthRelayHandler(tokens.url)
        self.ca_file, cert, key = make_certificates(directory)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.implicit = implicit
        self.excluded = [
            m for m in ("XOAUTH2", "OAUTHBEARER", "PLAIN", "LOGIN") if m not in mechanisms
        ]

    @property
    def logins(self) -> list[Login]:
        return self.handler.logins

    def start(self) -> None:
        # aiosmtpd counts only STARTTLS as TLS for AUTH; implicit TLS wraps the whole session.
        tls = (
            {"ssl_context": self.context, "auth_require_tls": False}
            if self.implicit
            else {"tls_context": self.context, "require_starttls": True, "auth_require_tls": True}
        )
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            decode_data=False,
            auth_required=True,
            auth_exclude_mechanism=self.excluded,
            **tls,
        )
        self.controller.start()


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    """The OAuth2 endpoints, on loopback; the good token is GOOD_TOKEN."""
    server = TokenServer(GOOD_TOKEN)
    server.start()
    yield server
    server.stop()


def oauth2_helper(directory: Path, tokens: TokenServer) -> str:
    """The oauth2_command the recipes give: maild's own helper, asking the test's token endpoint."""
    directory.mkdir(parents=True, exist_ok=True)
    refresh = directory / "refresh-token"
    refresh.write_text(tokens.refresh_token + "\n")
    return (f"{sys.executable} -m maild.contrib.oauth2_token --token-url {tokens.token_url} "
            f"--client-id maild-test --refresh-token-file {refresh}")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(free_port())
    sink.start()
    yield sink
    sink.stop()


@dataclass
class MaildSetup:
    dir: Path
    config: Path
    smtp_port: int

    def cli(self, *args: str, input: bytes | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*MAILD, "-c", str(self.config), *args], input=input,
                              capture_output=True,
                              timeout=timeout, cwd=self.dir)

    def json(self, *args: str):  # noqa: ANN201
        import json

        result = self.cli(*args, "--json")
        assert result.returncode == 0, result.stderr.decode()
        return json.loads(result.stdout)


def write_config(directory: Path, *, relay_port: int | None, smtp_port: int, protocol: str = "smtp",
                 extra: str = "", imap_port: int | None = None, imap_extra: str = "",
                 database: str | None = None) -> Path:
    """A copy of the shipped config with ports, paths and the relay made local to the test."""
    config_dir = directory / "config"
    config_dir.mkdir(parents=True)
    for name in ("routing.yaml", "accounts.yaml"):
        shutil.copy(ROOT / "config" / name, config_dir / name)
    imap = ""
    if imap_port:
        (config_dir / "imap-password").write_text(IMAP_PASSWORD + "\n")
        imap = (f"  imap:\n    - {{name: helpdesk, host: 127.0.0.1, port: {imap_port}, tls: none, "
                f"user: helpdesk@example.com, password_file: imap-password, retry_seconds: 0.3, "
                f"retry_max_seconds: 1, auth_retry_seconds: 0.5, idle_renew_seconds: 5, "
                f"timeout_seconds: 20"
                f"{imap_extra}}}\n")
    relay = (f"  relay: {{host: 127.0.0.1, port: {relay_port}, tls: none, timeout: 5}}\n"
             if relay_port else "")
    database = database or databases.database_url()
    (config_dir / "maild.yaml").write_text(
        f"""helpdesk:
  name: Test Helpdesk
  address: helpdesk@example.com
  aliases: [info@example.com]
state_dir: ../var
database: {database}
inbound:
  smtp: {{listen: "127.0.0.1:{smtp_port}", protocol: {protocol}}}
{imap}outbound:
  from: "Test Helpdesk <helpdesk@example.com>"
{relay}  maildir: ../var/outbox
  send_interval_seconds: 0.2
  retry: {{initial_seconds: 1, max_seconds: 2, claim_seconds: 10}}
{extra}"""
    )
    return config_dir / "maild.yaml"


def build_intake(directory: Path, extra: str = "", steps: Sequence[Step] = STEPS) -> Intake:
    """Intake over a fresh, migrated store, with the test config and these pipeline steps."""
    config = write_config(directory, relay_port=None, smtp_port=2525, extra=extra)
    settings = Settings.build(load_config(config))
    open_store(settings.config.database)
    migrate()
    return Intake(Runtime(settings), steps)


@pytest.fixture
def intake(tmp_path: Path) -> Intake:
    return build_intake(tmp_path)


@pytest.fixture
def setup(tmp_path: Path, smtp_sink: SmtpSink) -> MaildSetup:
    port = free_port()
    return MaildSetup(tmp_path, write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=port),
                      port)


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[Dovecot]:
    """A private Dovecot; a test that needs one fails (never skips) when it cannot start."""
    server = Dovecot(tmp_path / "dovecot")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def imap_setup(tmp_path: Path, smtp_sink: SmtpSink, dovecot: Dovecot) -> MaildSetup:
    port = free_port()
    config = write_config(tmp_path / "maild", relay_port=smtp_sink.port, smtp_port=port,
                          imap_port=dovecot.port)
    return MaildSetup(tmp_path / "maild", config, port)


@pytest.fixture
def offline_setup(tmp_path: Path) -> MaildSetup:
    """No relay configured: outgoing mail goes to the local Maildir, as in the shipped example."""
    port = free_port()
    return MaildSetup(tmp_path, write_config(tmp_path, relay_port=None, smtp_port=port), port)


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = process.stderr.read().decode() if process.stderr else "(see its log)"
            raise AssertionError(f"maild run exited early with {process.returncode}: {detail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"maild run did not listen on port {port} within {timeout}s")


class Daemon:
    def __init__(self, setup: MaildSetup, env: dict[str, str] | None = None) -> None:
        self.setup = setup
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log = setup.dir / "maild.log"

    def start(self) -> None:
        self.process = subprocess.Popen([*MAILD, "-c", str(self.setup.config), "run"],
                                        cwd=self.setup.dir,
                                        env=self.env, stdout=subprocess.DEVNULL, stderr=open(
                                            self.log, "ab"))
        try:
            wait_for_port(self.setup.smtp_port, self.process)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.log.read_text()[-3000:]}") from None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.process = None
        return code


@contextmanager
def running(tmp_path: Path, smtp_sink: SmtpSink, extra: str) -> Iterator[MaildSetup]:
    """`maild run` on a config with `extra` appended, relaying into the sink; stopped cleanly."""
    port = free_port()
    config = write_config(tmp_path, relay_port=smtp_sink.port, smtp_port=port, extra=extra)
    setup = MaildSetup(tmp_path, config, port)
    daemon = Daemon(setup)
    daemon.start()
    try:
        yield setup
    finally:  # a failing test must not leave its daemon running
        code = daemon.stop()
    assert code == 0, daemon.log.read_text()


@pytest.fixture
def daemon(setup: MaildSetup) -> Iterator[Daemon]:
    d = Daemon(setup)
    d.start()
    yield d
    if d.process is not None:
        assert d.stop() == 0, d.log.read_text()


def make_unwritable(path: Path) -> None:
    """Root ignores file modes, so as root the file is made immutable instead."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o500 if path.is_dir() else 0o400)


def make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o700 if path.is_dir() else 0o600)
