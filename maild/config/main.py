"""The models of `maild.yaml`: the helpdesk, its mailboxes and listener, the relay, the
database, paths, office hours, limits, service targets and reminders. Every path in it is relative
to the file; a password comes from a file, an environment variable or a systemd credential."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from maild import defaults
from maild.config.fields import (Kind, Strict, UnknownPolicy, as_list, check_address,
                                 check_addresses)
from maild.config.loader import read_secret

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _check_host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return value


def _check_path(value: str | None) -> str | None:
    if value is not None and "\0" in value:
        raise ValueError("a path cannot contain a NUL character")
    return value


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (127.0.0.0/8, ::1, localhost): plain text is safe."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _refuse_plain_text(tls: str, host: str, allowed: bool) -> None:
    """Plain text to a host beyond loopback only when the config says so."""
    if tls == "none" and not allowed and not is_loopback(host):
        raise ValueError(
            f"tls: none to {host} (not loopback) would send passwords and mail in plain "
            "text; use starttls or implicit, or set allow_plaintext: true"
        )


class Helpdesk(Strict):
    name: str
    address: str
    aliases: list[str] = []
    tag_prefix: str = defaults.TAG_PREFIX
    unknown_senders: UnknownPolicy = "accept"

    _address = field_validator("address")(check_address)
    _aliases = field_validator("aliases", mode="before")(as_list)
    _aliases_valid = field_validator("aliases")(check_addresses)

    @property
    def addresses(self) -> frozenset[str]:
        """Every address that is the helpdesk itself (never a participant, never auto-replied
        to)."""
        return frozenset([self.address, *self.aliases])


class OfficeHours(Strict):
    timezone: str = defaults.OFFICE_TIMEZONE
    days: list[Weekday] = list(defaults.OFFICE_DAYS)
    start: time = time.fromisoformat(defaults.OFFICE_START)
    end: time = time.fromisoformat(defaults.OFFICE_END)
    holidays: str | None = defaults.OFFICE_HOLIDAYS
    closures: list[date] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("holidays")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        if value:
            country, _, subdiv = value.partition("-")
            try:
                holidays.country_holidays(country, subdiv=subdiv or None)
            except NotImplementedError:
                raise ValueError(f"unknown holiday region {value!r} (e.g. GB-ENG, GB-SCT, IE)") \
                    from None
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> OfficeHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class SmtpInbound(Strict):
    """The SMTP/LMTP listener. With a certificate and key it offers STARTTLS (read again on
    SIGHUP); beyond loopback it requires it, and without them it refuses to listen there."""

    listen: str = defaults.SMTP_LISTEN
    protocol: Literal["smtp", "lmtp"] = "smtp"
    unknown_senders: UnknownPolicy | None = None  # None: the helpdesk's policy
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    require_starttls: bool | None = None  # None: required when listening beyond loopback
    allow_plaintext: bool = False  # listen beyond loopback without TLS all the same

    _listen = field_validator("listen")(lambda v: _check_host_port(v))
    _tls_paths = field_validator("tls_cert_file", "tls_key_file")(_check_path)

    @model_validator(mode="after")
    def _tls_beyond_loopback(self) -> SmtpInbound:
        if bool(self.tls_cert_file) != bool(self.tls_key_file):
            raise ValueError("give both tls_cert_file and tls_key_file, or neither")
        if not self.tls_cert_file and not self.allow_plaintext and not is_loopback(self.host):
            raise ValueError(
                f"listening on {self.host} (not loopback) without TLS: set tls_cert_file "
                "and tls_key_file, or allow_plaintext: true"
            )
        if self.require_starttls and not self.tls_cert_file:
            raise ValueError("require_starttls needs tls_cert_file and tls_key_file")
        return self

    @property
    def starttls_required(self) -> bool:
        if not self.tls_cert_file:
            return False
        return (
            self.require_starttls
            if self.require_starttls is not None
            else not is_loopback(self.host)
        )

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

class Secret(Strict):
    """Where a password comes from. Exactly one source, never the YAML itself."""

    password_file: str | None = None
    password_env: str | None = None
    password_credential: str | None = None
    _paths = field_validator("password_file", "password_credential")(_check_path)
    # maild.yaml's credentials_dir, handed down at load so every reader of the secret finds it.
    _credentials_dir: str = PrivateAttr(defaults.CREDENTIALS_DIR)

    @model_validator(mode="after")
    def _remember_credentials_dir(self, info: ValidationInfo) -> Secret:
        if info.context and info.context.get("credentials_dir"):
            self._credentials_dir = str(info.context["credentials_dir"])
        return self

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise ValueError(
                "password: secrets are never inline; use password_file, password_env or "
                "password_credential"
            )
        return data

    @model_validator(mode="after")
    def _one_source(self) -> Secret:
        given = (self.password_file, self.password_env, self.password_credential)
        sources = [s for s in given if s]
        if len(sources) > 1:
            raise ValueError("give only one of password_file, password_env, password_credential")
        return self

    @property
    def has_password(self) -> bool:
        return any((self.password_file, self.password_env, self.password_credential))

    def read_password(self, base: Path) -> str | None:
        """The secret's value, or None when no source is configured; ConfigError when
        unreadable."""
        return read_secret(base, self.password_file, self.password_env, self.password_credential,
                           self._credentials_dir)



class ImapMailbox(Secret):
    """One watched IMAP mailbox. Authenticates with a password source, or XOAUTH2 with a token
    printed by `oauth2_command` (as mbsync's PassCmd), since Microsoft 365 and Gmail refuse
    passwords."""

    name: str
    host: str
    port: int = Field(993, ge=1, le=65535)
    tls: Literal["implicit", "starttls", "none"] = "implicit"
    verify: bool = True
    ca_file: str | None = None
    allow_plaintext: bool = False  # tls: none to a host beyond loopback all the same
    user: str
    oauth2_command: str | None = None
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    queue: str | None = None  # default route for mail from this mailbox
    kind: Kind | None = None
    unknown_senders: UnknownPolicy | None = None  # None: the helpdesk's policy
    idle: bool = True
    idle_renew_seconds: float = Field(defaults.IMAP_IDLE_RENEW_SECONDS, gt=0, le=29 * 60)
    poll_seconds: float = Field(defaults.IMAP_POLL_SECONDS, gt=0)
    timeout_seconds: float = Field(defaults.IMAP_TIMEOUT_SECONDS, gt=0)
    batch: int = Field(defaults.IMAP_BATCH, ge=1, le=1000)
    retry_seconds: float = Field(defaults.IMAP_RETRY_SECONDS, gt=0)
    retry_max_seconds: float = Field(defaults.IMAP_RETRY_MAX_SECONDS, gt=0)
    auth_retry_seconds: float = Field(defaults.IMAP_AUTH_RETRY_SECONDS, gt=0)

    @model_validator(mode="after")
    def _safe_transport(self) -> ImapMailbox:
        _refuse_plain_text(self.tls, self.host, self.allow_plaintext)
        if self.has_password == bool(self.oauth2_command):
            raise ValueError("give exactly one of a password source (password_file, password_env, "
                             "password_credential) or oauth2_command")
        return self

    @property
    def route_defaults(self) -> dict[str, str]:
        pairs = (("queue", self.queue), ("kind", self.kind),
                 ("unknown_senders", self.unknown_senders))
        return {k: v for k, v in pairs if v}



class Inbound(Strict):
    smtp: SmtpInbound | None = None
    imap: list[ImapMailbox] = []
    # IMAP backlogs parsed ahead in a worker process (channels.parse_ahead); off saves its memory
    parse_ahead: bool = True
    # Copies of one mail (same Message-ID and content) this close together are one mail; 0: never.
    copies_window_days: int = Field(default=7, ge=0)

    @model_validator(mode="after")
    def _unique_names(self) -> Inbound:
        names = [m.name for m in self.imap]
        if len(names) != len(set(names)):
            raise ValueError("imap: mailbox names must be unique")
        return self



class Database(Secret):
    """Where the store lives: `sqlite:///PATH` (relative to the config file), or
    `postgresql://USER@HOST[:PORT]/NAME[?sslmode=...]`, shared by several maild hosts. The
    PostgreSQL password comes from a password source, never from the URL."""

    url: str = defaults.DATABASE_URL
    connect_timeout_seconds: float = Field(defaults.DATABASE_CONNECT_TIMEOUT_SECONDS, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _url_alone(cls, data: Any) -> Any:
        return {"url": data} if isinstance(data, str) else data

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
            return value
        parsed = urlsplit(value)
        if parsed.scheme not in ("postgresql", "postgres"):
            raise ValueError("expected sqlite:///PATH or postgresql://USER@HOST[:PORT]/NAME")
        if parsed.password is not None:
            raise ValueError("no password in the URL: use password_file, password_env or "
                             "password_credential")
        if not parsed.hostname or not parsed.path.strip("/"):
            raise ValueError("expected postgresql://USER@HOST[:PORT]/NAME")
        try:
            parsed.port
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from None
        return value


@dataclass(frozen=True)
class DatabaseTarget:
    """The resolved database: a SQLite file, or PostgreSQL connection parameters (with the
    password read from its source). `describe` never shows the password."""

    engine: Literal["sqlite", "postgresql"]
    path: Path | None = None
    name: str = ""
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def is_sqlite(self) -> bool:
        return self.engine == "sqlite"

    def exists(self) -> bool:
        """Whether there is a database to read (a server is assumed to be there)."""
        return self.path.exists() if self.path is not None else True

    def describe(self) -> str:
        if self.path is not None:
            return f"sqlite {self.path}"
        p = dict(self.params)
        where = f"{p.get('host', '')}:{p.get('port', 5432)}"
        return f"postgresql {p.get('user', '')}@{where}/{self.name}"


def database_target(database: Database, base: Path) -> DatabaseTarget:
    """Resolve the configured URL against the config folder; reads the password source."""
    if database.url.startswith("sqlite:///"):
        path = base / database.url.removeprefix("sqlite:///")
        return DatabaseTarget("sqlite", path=path.resolve())
    parsed = urlsplit(database.url)
    params: dict[str, Any] = {"host": parsed.hostname, "port": parsed.port or 5432,
                              "connect_timeout": max(1, round(database.connect_timeout_seconds))}
    if parsed.username:
        params["user"] = unquote(parsed.username)
    password = database.read_password(base)
    if password is not None:
        params["password"] = password
    params.update(parse_qsl(parsed.query))  # sslmode, sslrootcert, application_name, ...
    return DatabaseTarget("postgresql", name=unquote(parsed.path.strip("/")),
                          params=tuple(params.items()))


class Relay(Secret):
    """The SMTP relay for outgoing mail. Authenticates with a password source, or with an OAuth2
    token from `oauth2_command` (XOAUTH2 or OAUTHBEARER), named as an IMAP mailbox's settings are.
    """

    host: str
    port: int = Field(587, ge=1, le=65535)
    tls: Literal["none", "starttls", "implicit"] = "starttls"
    verify: bool = True
    ca_file: str | None = None
    allow_plaintext: bool = False  # tls: none to a host beyond loopback all the same
    user: str | None = None
    oauth2_command: str | None = None
    # auto: OAUTHBEARER (RFC 7628) when the relay offers it, else XOAUTH2.
    oauth2_mechanism: Literal["auto", "xoauth2", "oauthbearer"] = "auto"
    timeout: float = Field(defaults.SMTP_TIMEOUT_SECONDS, gt=0)

    _ca_file = field_validator("ca_file")(_check_path)

    @model_validator(mode="after")
    def _safe_transport(self) -> Relay:
        _refuse_plain_text(self.tls, self.host, self.allow_plaintext)
        if self.oauth2_command and self.has_password:
            raise ValueError("give a password source or oauth2_command, not both")
        if self.oauth2_command and not self.user:
            raise ValueError("oauth2_command needs user (the account the token is for)")
        return self


class Retry(Strict):
    initial_seconds: float = Field(defaults.RETRY_INITIAL_SECONDS, gt=0)
    max_seconds: float = Field(defaults.RETRY_MAX_SECONDS, gt=0)
    give_up_hours: float = Field(defaults.RETRY_GIVE_UP_HOURS, gt=0)
    # A mail a sender took and neither sent nor gave back (its host died) waits this long before
    # another sender may take it; longer than any send can last (the relay's timeout and then some).
    claim_seconds: float = Field(defaults.SEND_LEASE_SECONDS, ge=10)


class Outbound(Strict):
    from_: str = Field(alias="from")
    relay: Relay | None = None
    maildir: str = "../var/outbox"
    retry: Retry = Retry()
    send_interval_seconds: float = Field(defaults.SEND_INTERVAL_SECONDS, gt=0)
    # Attachments one outgoing mail carries in all (a notification, an answer, #attachments);
    # the rest are named with their size. Why the default: docs/admins.md, "Attachments".
    attachments_per_mail_bytes: int = Field(defaults.ATTACHMENTS_PER_MAIL_BYTES, gt=0)

    _maildir = field_validator("maildir")(_check_path)


class Limits(Strict):
    max_message_bytes: int = Field(defaults.MAX_MESSAGE_BYTES, gt=0)
    max_header_bytes: int = Field(defaults.MAX_HEADER_BYTES, gt=0)  # the top-level header block
    max_parts: int = Field(defaults.MAX_PARTS, gt=0)  # MIME parts, counted by their boundaries
    max_depth: int = Field(defaults.MAX_DEPTH, gt=0)  # multiparts inside multiparts
    # Longer lines of the stored text are wrapped (the raw mail keeps them); at least a header
    # line's 78, so a line always has room for a whole character.
    max_line_bytes: int = Field(defaults.MAX_LINE_BYTES, ge=78)
    # Attachments past these are not stored with the ticket (the raw mail keeps them) and are
    # listed.
    max_attachment_bytes: int = Field(defaults.MAX_ATTACHMENT_BYTES, gt=0)
    max_attachments: int = Field(defaults.MAX_ATTACHMENTS, ge=0)
    # Automatic answers (acknowledgements, redirects) to one address: a robot that answers every
    # mail with a new one gets at most this many from us, not an endless exchange.
    auto_replies_per_hour: int = Field(defaults.AUTO_REPLIES_PER_HOUR, ge=0)
    auto_replies_per_day: int = Field(defaults.AUTO_REPLIES_PER_DAY, ge=0)
    # A designated contact (named in accounts.yaml) opening ticket after ticket is a person at
    # work; an address that looks like a robot's (alerts@, notifications@ ...) gets less.
    contact_auto_replies_per_hour: int = Field(defaults.CONTACT_AUTO_REPLIES_PER_HOUR, ge=0)
    contact_auto_replies_per_day: int = Field(defaults.CONTACT_AUTO_REPLIES_PER_DAY, ge=0)
    robot_auto_replies_per_hour: int = Field(defaults.ROBOT_AUTO_REPLIES_PER_HOUR, ge=0)
    robot_auto_replies_per_day: int = Field(defaults.ROBOT_AUTO_REPLIES_PER_DAY, ge=0)
    # Automatic mail to the customers of one ticket in a day, whoever the address: two robots
    # (or a robot and maild's reopened/resolved notices) bouncing one ticket between them.
    auto_replies_per_ticket_per_day: int = Field(defaults.AUTO_REPLIES_PER_TICKET_PER_DAY, ge=0)
    # Reopenings of one ticket by customer mail in a day; past it the mail is stored on the
    # ticket and staff are told as for any reply, but the ticket keeps its status.
    reopens_per_ticket_per_day: int = Field(defaults.REOPENS_PER_TICKET_PER_DAY, ge=0)


class Metrics(Strict):
    listen: str = "127.0.0.1:9325"

    _listen = field_validator("listen")(lambda v: _check_host_port(v))


class Alerts(Strict):
    """Mail to the admin when something stays wrong; once per problem, once when it recovers."""

    to: str
    mailbox_down_minutes: float = Field(15, gt=0)
    outbox_stuck_minutes: float = Field(60, gt=0)
    quarantine_at: int = Field(1, ge=1)  # alert when this many mails are held
    check_seconds: float = Field(30, gt=0)

    _to = field_validator("to")(check_address)


class Conversations(Strict):
    """Signed reply addresses, whose staff mail is trusted, and how replies reopen tickets."""

    # HMAC key of signed reply addresses; default: state_dir/reply.key
    secret_file: str | None = None
    secret_env: str | None = None
    secret_credential: str | None = None
    # Authentication-Results id whose DKIM/DMARC pass we trust
    trusted_authserv_id: str | None = None
    # Received headers our own servers add after the MX wrote its verdict (Dovecot's LMTP into the
    # IMAP mailbox adds one): Authentication-Results between them still count as the MX's.
    trusted_hops: int = Field(0, ge=0, le=10)
    # A reply after this many days opens a follow-up ticket.
    reopen_days: int = Field(defaults.REOPEN_DAYS, ge=0)
    # A ticket pending on the customer this many working days gets one reminder to them, and is
    # resolved this many more after it without an answer; 0 turns each off.
    pending_reminder_days: int = Field(defaults.PENDING_REMINDER_DAYS, ge=0)
    pending_resolve_days: int = Field(defaults.PENDING_RESOLVE_DAYS, ge=0)
    # Earlier messages of the ticket a notification shows below the new text.
    notification_history: int = Field(defaults.NOTIFICATION_HISTORY, ge=0, le=50)
    # Staff answers name the staff member; their address only if true.
    show_staff_address: bool = False
    blocked: list[str] = []  # addresses or @domains that never become participants
    # e.g. helpdesk+status@example.com: any mail to it is answered with the sender's open tickets
    status_address: str | None = None

    _paths = field_validator("secret_file", "secret_credential")(_check_path)

    _blocked = field_validator("blocked", mode="before")(as_list)

    @model_validator(mode="after")
    def _one_source(self) -> Conversations:
        if len([s for s in (self.secret_file, self.secret_env, self.secret_credential) if s]) > 1:
            raise ValueError("give only one of secret_file, secret_env, secret_credential")
        return self

    def is_blocked(self, address: str) -> bool:
        domain = "@" + address.rpartition("@")[2]
        return address in self.blocked or domain in self.blocked


DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)([mhd])$")


def _check_duration(value: str | None) -> str | None:
    if value is not None and not DURATION_RE.match(value):
        raise ValueError(f"expected a duration such as 15m, 4h or 3d (working days), got {value!r}")
    return value


class PriorityTarget(Strict):
    """One priority's promises: `response` (the ticket leaves `new`) and `resolution` (it is
    resolved), each a duration such as 15m, 4h or 3d; none means no target."""

    clock: Literal["office", "always"] = "office"  # office hours only, or around the clock
    response: str | None = None
    resolution: str | None = None

    _durations = field_validator("response", "resolution")(_check_duration)


class ServiceTargets(Strict):
    warn_at: float = Field(defaults.SLA_WARN_AT, gt=0, lt=1)  # share of a target's time, then warn
    sweep_seconds: float = Field(defaults.SLA_SWEEP_SECONDS, gt=0)
    priorities: dict[Literal[1, 2, 3, 4], PriorityTarget] = {
        p: PriorityTarget(clock=c, response=r, resolution=f)
        for p, (c, r, f) in defaults.SERVICE_TARGETS.items()
    }

    @field_validator("priorities", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        """What the file says about a priority overrides the charter's default key by key."""
        if not isinstance(value, dict):
            return value
        merged: dict[Any, Any] = {p: dict(zip(("clock", "response", "resolution"), t))
                                  for p, t in defaults.SERVICE_TARGETS.items()}
        for priority, given in value.items():
            merged[priority] = ({**merged.get(priority, {}), **given} if isinstance(given, dict)
                                else given)
        return merged


class Checkin(Strict):
    day: Weekday = defaults.CHECKIN_DAY
    at: time = time.fromisoformat(defaults.CHECKIN_TIME)


class Reminders(Strict):
    """Account-management reminders (see README, "Service targets and reminders")."""

    enabled: bool = True
    send_at: time = time.fromisoformat(defaults.REMINDER_SEND_AT)
    checkin: Checkin = Checkin()
    annual_notice_weeks: int = Field(defaults.ANNUAL_NOTICE_WEEKS, ge=0, le=51)
    contact_verification_months: int = Field(defaults.CONTACT_VERIFICATION_MONTHS, ge=1, le=24)
    meeting_notes_hours: float = Field(defaults.MEETING_NOTES_HOURS, gt=0)
    misfire_grace_minutes: float = Field(defaults.MISFIRE_GRACE_MINUTES, ge=0)
    digest: bool = True  # each staff member's tickets, at office opening on working days


class MainFile(Strict):
    helpdesk: Helpdesk
    conversations: Conversations = Conversations()
    state_dir: str = "../var"
    database: Database = Database()
    routing: str = "routing.yaml"
    accounts: str = "accounts.yaml"
    templates: str | None = None  # None: the templates shipped in the package
    office_hours: OfficeHours = OfficeHours()
    inbound: Inbound = Inbound()
    outbound: Outbound
    limits: Limits = Limits()
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    metrics: Metrics | None = None
    alerts: Alerts | None = None
    service_targets: ServiceTargets = ServiceTargets()
    reminders: Reminders = Reminders()
    # Where *_credential secrets are read when systemd gave no $CREDENTIALS_DIRECTORY.
    credentials_dir: str = defaults.CREDENTIALS_DIR

    _paths = field_validator("state_dir", "routing", "accounts", "templates", "credentials_dir")(
        _check_path)
