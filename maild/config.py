"""Load and validate maild's three YAML files into typed, frozen objects.

`config/maild.yaml` names the other two (`routing.yaml`, `accounts.yaml`); every path in a file is
relative to that file, so the shipped example runs from a fresh clone. Every problem found is
reported, all in one run, as `file:line: path.to.key: message`. Secrets are never read from the
YAML itself: only from a file, an environment variable or a systemd credential.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo,
                      field_validator, model_validator)
from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from maild import defaults
from maild.errors import ConfigError

Kind = Literal["incident", "feature_request", "question", "complaint", "escalation"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
StaffRole = Literal["helpdesk", "engineer", "account_manager", "customer_services_manager", "on_call"]
ContactRole = Literal[
    "senior_decision_maker", "admin_manager", "project_manager", "billing", "emergency", "user"
]
# Plain ASCII `local@domain` (RFC 5322 dot-atom characters) of at most 254 characters (RFC 5321's
# 256-octet path less its brackets): anything else (non-ASCII, control characters, quotes, absurd
# lengths) is not an address maild will store, write into a header or hand to RCPT TO.
ADDRESS_RE = re.compile(r"^(?=.{3,254}\Z)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+\Z")


class Strict(BaseModel):
    """Unknown keys are errors; loaded objects never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    """Let a single value stand where a list is expected (`domains: example.com`)."""
    return [value] if isinstance(value, str) else value


def _check_address(value: str) -> str:
    if not ADDRESS_RE.match(value):
        raise ValueError(f"not a plain mail address: {value!r}")
    return value.lower()


def _check_addresses(values: list[str]) -> list[str]:
    return [_check_address(v) for v in values]


def _check_host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return value


def _check_path(value: str | None) -> str | None:
    if value is not None and "\0" in value:
        raise ValueError("a path cannot contain a NUL character")
    return value


def _compile(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return pattern


# ---------------------------------------------------------------- maild.yaml

class Helpdesk(Strict):
    name: str
    address: str
    aliases: list[str] = []
    tag_prefix: str = defaults.TAG_PREFIX
    unknown_senders: Literal["accept", "accept_flagged", "redirect"] = "accept"

    _address = field_validator("address")(_check_address)
    _aliases = field_validator("aliases", mode="before")(_as_list)
    _aliases_valid = field_validator("aliases")(_check_addresses)

    @property
    def addresses(self) -> frozenset[str]:
        """Every address that is the helpdesk itself (never a participant, never auto-replied to)."""
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
                raise ValueError(f"unknown holiday region {value!r} (e.g. GB-ENG, GB-SCT, IE)") from None
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> OfficeHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class SmtpInbound(Strict):
    listen: str = defaults.SMTP_LISTEN
    protocol: Literal["smtp", "lmtp"] = "smtp"
    unknown_senders: Literal["accept", "accept_flagged", "redirect"] | None = None  # else helpdesk's

    _listen = field_validator("listen")(lambda v: _check_host_port(v))

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class Inbound(Strict):
    smtp: SmtpInbound | None = None
    imap: list["ImapMailbox"] = []
    # No longer read: accepted so that a config written for an earlier version still loads.
    parse_ahead: bool = True
    # Copies of one mail (same Message-ID and content) this close together are one mail; 0: never.
    copies_window_days: int = Field(default=7, ge=0)

    @model_validator(mode="after")
    def _unique_names(self) -> Inbound:
        names = [m.name for m in self.imap]
        if len(names) != len(set(names)):
            raise ValueError("imap: mailbox names must be unique")
        return self


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
                "password: secrets are never inline; use password_file, password_env or password_credential"
            )
        return data

    @model_validator(mode="after")
    def _one_source(self) -> Secret:
        sources = [s for s in (self.password_file, self.password_env, self.password_credential) if s]
        if len(sources) > 1:
            raise ValueError("give only one of password_file, password_env, password_credential")
        return self

    def read_password(self, base: Path) -> str | None:
        """The secret's value, or None when no source is configured. Raises ConfigError when unreadable."""
        return read_secret(base, self.password_file, self.password_env, self.password_credential,
                           self._credentials_dir)


def read_secret(base: Path, file: str | None, env: str | None, credential: str | None,
                credentials_dir: str = defaults.CREDENTIALS_DIR) -> str | None:
    """A secret from the environment, a file (relative to `base`), or a credential: from
    $CREDENTIALS_DIRECTORY under systemd, else from `credentials_dir` (relative to `base`)."""
    if env:
        if env not in os.environ:
            raise ConfigError([f"environment variable {env} is not set"])
        return os.environ[env]
    if credential:
        return _read_credential(base, credential, credentials_dir)
    if not file:
        return None
    try:
        return (base / file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError([f"cannot read secret {file}: {exc.strerror}"]) from None
    except ValueError as exc:  # not UTF-8, or a NUL in the name
        raise ConfigError([f"cannot read secret {file}: {exc}"]) from None


def credential_folders(base: Path, credentials_dir: str) -> list[Path]:
    """Where a credential is looked for: systemd's folder when set, else the configured one."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    return [Path(directory)] if directory else [base / credentials_dir]


def _read_credential(base: Path, name: str, credentials_dir: str) -> str:
    if "/" in name or name in ("", ".", ".."):
        raise ConfigError([f"credential {name!r}: a credential is a plain file name"])
    folders = credential_folders(base, credentials_dir)
    for folder in folders:
        try:
            return (folder / name).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise ConfigError([f"cannot read credential {folder / name}: "
                               f"{getattr(exc, 'strerror', None) or exc}"]) from None
    source = ("$CREDENTIALS_DIRECTORY" if os.environ.get("CREDENTIALS_DIRECTORY")
              else "credentials_dir (no $CREDENTIALS_DIRECTORY)")
    tried = ", ".join(str(f) for f in folders)
    raise ConfigError([f"credential {name!r} not found in {tried} ({source})"])


class ImapMailbox(Secret):
    """One watched IMAP mailbox. Authenticates with a password source, or XOAUTH2 with a token
    printed by `oauth2_command` (as mbsync's PassCmd), since Microsoft 365 and Gmail refuse passwords."""

    name: str
    host: str
    port: int = Field(993, ge=1, le=65535)
    tls: Literal["implicit", "starttls", "none"] = "implicit"
    verify: bool = True
    ca_file: str | None = None
    user: str
    oauth2_command: str | None = None
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    queue: str | None = None  # default route for mail from this mailbox
    kind: Kind | None = None
    unknown_senders: Literal["accept", "accept_flagged", "redirect"] | None = None  # else helpdesk's
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
        if self.tls == "none" and self.host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("tls: none is only allowed on loopback (127.0.0.1, ::1, localhost)")
        has_password = any((self.password_file, self.password_env, self.password_credential))
        if has_password == bool(self.oauth2_command):
            raise ValueError("give exactly one of a password source (password_file, password_env, "
                             "password_credential) or oauth2_command")
        return self

    @property
    def route_defaults(self) -> dict[str, str]:
        pairs = (("queue", self.queue), ("kind", self.kind), ("unknown_senders", self.unknown_senders))
        return {k: v for k, v in pairs if v}


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
            raise ValueError("no password in the URL: use password_file, password_env or password_credential")
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
        return f"postgresql {p.get('user', '')}@{p.get('host', '')}:{p.get('port', 5432)}/{self.name}"


def database_target(database: Database, base: Path) -> DatabaseTarget:
    """Resolve the configured URL against the config folder; reads the password source."""
    if database.url.startswith("sqlite:///"):
        return DatabaseTarget("sqlite", path=(base / database.url.removeprefix("sqlite:///")).resolve())
    parsed = urlsplit(database.url)
    params: dict[str, Any] = {"host": parsed.hostname, "port": parsed.port or 5432,
                              "connect_timeout": max(1, round(database.connect_timeout_seconds))}
    if parsed.username:
        params["user"] = unquote(parsed.username)
    password = database.read_password(base)
    if password is not None:
        params["password"] = password
    params.update(parse_qsl(parsed.query))  # sslmode, sslrootcert, application_name, ...
    return DatabaseTarget("postgresql", name=unquote(parsed.path.strip("/")), params=tuple(params.items()))


class Relay(Secret):
    host: str
    port: int = Field(587, ge=1, le=65535)
    tls: Literal["none", "starttls", "implicit"] = "starttls"
    user: str | None = None
    timeout: float = Field(defaults.SMTP_TIMEOUT_SECONDS, gt=0)


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
    # the rest are named with their size. Why the default: docs/admin.md, "Attachments".
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
    # Attachments past these are not stored with the ticket (the raw mail keeps them) and are listed.
    max_attachment_bytes: int = Field(defaults.MAX_ATTACHMENT_BYTES, gt=0)
    max_attachments: int = Field(defaults.MAX_ATTACHMENTS, ge=0)
    # Automatic answers (acknowledgements, redirects) to one address: a robot that answers every
    # mail with a new one gets at most this many from us, not an endless exchange.
    auto_replies_per_hour: int = Field(defaults.AUTO_REPLIES_PER_HOUR, ge=0)
    auto_replies_per_day: int = Field(defaults.AUTO_REPLIES_PER_DAY, ge=0)
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

    _to = field_validator("to")(_check_address)


class Conversations(Strict):
    """Signed reply addresses, whose staff mail is trusted, and how replies reopen tickets."""

    secret_file: str | None = None  # HMAC key of signed reply addresses; default: state_dir/reply.key
    secret_env: str | None = None
    secret_credential: str | None = None
    trusted_authserv_id: str | None = None  # Authentication-Results id whose DKIM/DMARC pass we trust
    # Received headers our own servers add after the MX wrote its verdict (Dovecot's LMTP into the
    # IMAP mailbox adds one): Authentication-Results between them still count as the MX's.
    trusted_hops: int = Field(0, ge=0, le=10)
    reopen_days: int = Field(defaults.REOPEN_DAYS, ge=0)  # a reply after this opens a follow-up ticket
    show_staff_address: bool = False  # staff answers name the staff member; their address only if true
    blocked: list[str] = []  # addresses or @domains that never become participants

    _paths = field_validator("secret_file", "secret_credential")(_check_path)

    _blocked = field_validator("blocked", mode="before")(_as_list)

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
        p: PriorityTarget(clock=c, response=r, resolution=f) for p, (c, r, f) in defaults.SERVICE_TARGETS.items()
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
            merged[priority] = {**merged.get(priority, {}), **given} if isinstance(given, dict) else given
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


# ---------------------------------------------------------------- routing.yaml

UnknownPolicy = Literal["accept", "accept_flagged", "redirect"]
RouteTarget = str  # "account_manager", "customer_services_manager", "queue", or a staff key
SPECIAL_TARGETS = ("account_manager", "customer_services_manager", "queue")


class RuleMatch(Strict):
    """Conditions of a rule; all that are given must hold. Text matching ignores case."""

    subject_contains: list[str] = []
    subject_starts_with: list[str] = []
    subject_regex: str | None = None
    from_address: list[str] = []
    from_domain: list[str] = []
    to_address: list[str] = []
    organisation: list[str] = []
    sender_kind: list[Literal["staff", "contact", "unknown"]] = []
    contact_role: list[ContactRole] = []
    header: dict[str, str] = {}  # header name -> regex over its value
    body_contains: list[str] = []
    body_regex: str | None = None
    office_hours: Literal["inside", "outside"] | None = None
    has_attachment: bool | None = None

    _lists = field_validator(
        "subject_contains", "subject_starts_with", "from_address", "from_domain", "to_address",
        "organisation", "sender_kind", "contact_role", "body_contains", mode="before",
    )(_as_list)
    _regex = field_validator("subject_regex", "body_regex")(lambda v: v if v is None else _compile(v))
    _addresses = field_validator("from_address", "to_address")(_check_addresses)

    @field_validator("header")
    @classmethod
    def _header_regexes(cls, value: dict[str, str]) -> dict[str, str]:
        checked = {}
        for name, pattern in value.items():
            try:
                checked[name] = _compile(pattern)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return checked


class RuleThen(Strict):
    kind: Kind | None = None
    priority: int | None = Field(None, ge=1, le=4)
    queue: str | None = None
    route_to: RouteTarget | None = None
    acknowledge: str | None = "acknowledgement"
    notify: list[str] = []  # staff keys, or a staff role such as on_call
    tags: list[str] = []
    stop: bool = True

    _lists = field_validator("notify", "tags", mode="before")(_as_list)

    @field_validator("acknowledge", mode="before")
    @classmethod
    def _template_or_false(cls, value: Any) -> Any:
        """`acknowledge: false` sends none; `true` the default template; a string names one."""
        if value is False:
            return None
        return "acknowledgement" if value is True else value


class Rule(Strict):
    name: str
    match: RuleMatch = RuleMatch()
    then: RuleThen


class RouteDefaults(Strict):
    kind: Kind = "incident"
    priority: int = Field(3, ge=1, le=4)
    queue: str = "helpdesk"
    acknowledge: str | None = "acknowledgement"


class RoutingFile(Strict):
    defaults: RouteDefaults = RouteDefaults()
    rules: list[Rule] = []


# ---------------------------------------------------------------- accounts.yaml

class Away(Strict):
    """A staff member's absence; `delegate` covers their organisations and tickets meanwhile."""

    from_: date = Field(alias="from")
    until: date
    delegate: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Away:
        if self.until < self.from_:
            raise ValueError("until is before from")
        return self


class Staff(Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")  # it is part of signed reply addresses
    name: str
    emails: list[str]
    roles: list[StaffRole] = []
    timezone: str = defaults.OFFICE_TIMEZONE
    away: list[Away] = []
    active: bool = True

    _emails = field_validator("emails", mode="before")(_as_list)
    _emails_valid = field_validator("emails")(_check_addresses)

    def away_on(self, day: date) -> Away | None:
        return next((a for a in self.away if a.from_ <= day <= a.until), None)


class Contact(Strict):
    name: str
    email: str
    role: ContactRole = "user"
    position: Literal["lead", "deputy"] = "lead"
    primary_user: bool = False
    verified: date | None = None  # when the contact details were last checked
    active: bool = True

    _email = field_validator("email")(_check_address)


class Reviews(Strict):
    monthly_meeting: bool = True
    quarterly_review: bool = False
    annual_review: bool = True


class Organisation(Strict):
    key: str
    name: str
    domains: list[str] = []
    addresses: list[str] = []  # single addresses that belong to it (e.g. at a shared mail provider)
    account_manager: str | None = None
    deputy: str | None = None
    phase: Literal["implementation", "live"] = "live"
    live_from: date | None = None  # the implementation phase ends (ended) the day before
    contract_start: date | None = None
    reviews: Reviews = Reviews()
    contacts: list[Contact] = []

    _lists = field_validator("domains", "addresses", mode="before")(_as_list)
    _addresses = field_validator("addresses")(_check_addresses)

    @field_validator("domains")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.lower() for v in values]

    def phase_on(self, day: date) -> str:
        """The phase on `day`: decided by `live_from` when given, else `phase` as written."""
        if self.live_from is None:
            return self.phase
        return "live" if day >= self.live_from else "implementation"

    def senior_decision_makers(self) -> list[Contact]:
        return [c for c in self.contacts if c.role == "senior_decision_maker" and c.active]

    def admin_managers(self) -> list[Contact]:
        leads_first = sorted(self.contacts, key=lambda c: c.position != "lead")
        return [c for c in leads_first if c.role == "admin_manager" and c.active]


class AccountSettings(Strict):
    max_primary_users: int = Field(5, ge=1)


class AccountsFile(Strict):
    settings: AccountSettings = AccountSettings()
    staff: list[Staff] = []
    organisations: list[Organisation] = []
    queues: dict[str, list[str]] = {}


# ---------------------------------------------------------------- loading

@dataclass(frozen=True)
class Config:
    """The whole validated configuration, with every path resolved."""

    path: Path
    main: MainFile
    routing: RoutingFile
    accounts: AccountsFile
    state_dir: Path
    database: DatabaseTarget
    templates_dir: Path
    maildir: Path

    @property
    def helpdesk(self) -> Helpdesk:
        return self.main.helpdesk

    def conversations_secret(self) -> str | None:
        """The reply-address key from its configured source, or None when none is configured."""
        c = self.main.conversations
        return read_secret(self.path.parent, c.secret_file, c.secret_env, c.secret_credential,
                           self.main.credentials_dir)

    def relay_password(self) -> str | None:
        relay = self.main.outbound.relay
        return relay.read_password(self.path.parent) if relay else None

    def summary(self) -> str:
        a, r = self.accounts, self.routing
        mailboxes = len(self.main.inbound.imap)
        return (
            f"{self.path}: ok: {len(r.rules)} routing rules, {len(a.organisations)} organisations, "
            f"{len(a.staff)} staff, {len(a.queues)} queues"
            + (f", {mailboxes} IMAP mailboxes" if mailboxes else "")
        )


class _LenientConstructor(RoundTripConstructor):
    """Dates stay text, so pydantic checks them and the error names the key (`2026-02-30`); a
    value its explicit tag cannot build (`!!int x`) is a YAML error at its line."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            raise ConstructorError(None, None, f"cannot read {node.tag} value: {exc}",
                                   node.start_mark) from None


_LenientConstructor.add_constructor("tag:yaml.org,2002:timestamp",
                                    _LenientConstructor.construct_yaml_timestamp)


def _load_yaml(path: Path, text: str) -> Any:
    """The round-trip document (with line numbers), `{}` for an empty file; ConfigError else."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _LenientConstructor
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{path}:{line}: {exc.problem or exc.context}"]) from None
    except ReaderError as exc:  # control characters the YAML spec forbids
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
        line = text[:max(text.find(chr(code)), 0)].count("\n") + 1
        raise ConfigError([f"{path}:{line}: character U+{code:04X} is not allowed in YAML"]) \
            from None
    except (YAMLError, RecursionError) as exc:
        raise ConfigError([f"{path}:1: not readable YAML: {exc}"]) from None
    return {} if doc is None else doc


class _Source:
    """One YAML file and its parsed document, able to name the line of any key path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc: Any = None

    def read(self) -> Any:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise ConfigError([f"{self.path}:1: cannot read: {exc.strerror}"]) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise ConfigError([f"{self.path}:{line}: not UTF-8 text (byte {exc.start})"]) from None
        self.doc = _load_yaml(self.path, text)
        return self.doc

    def error(self, loc: tuple[Any, ...], message: str) -> str:
        """`file:line: a.b.c: message` for the deepest part of `loc` present in the document."""
        node, line, path = self.doc, 1, []
        for part in loc:
            position = self._position(node, part)
            if position is None:
                if isinstance(part, str) and not path_is_type_tag(part):
                    path.append(part)
                break
            line = position + 1
            path.append(str(part))
            node = node[part]
        key = ".".join(path)
        return f"{self.path}:{line}: {key + ': ' if key else ''}{message}"

    @staticmethod
    def _position(node: Any, part: Any) -> int | None:
        # Keys brought in by a merge (`<<: *anchor`) have no line of their own here.
        try:
            if isinstance(node, dict) and part in node and hasattr(node, "lc"):
                return int(node.lc.key(part)[0])
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node) \
                    and hasattr(node, "lc"):
                return int(node.lc.item(part)[0])
        except (KeyError, TypeError, IndexError):
            pass
        return None


def path_is_type_tag(part: str) -> bool:
    """Pydantic puts union member names (`str`, `list[str]`) into error locations; they are no keys."""
    return "[" in part or part in {"str", "int", "bool", "float", "function-after", "function-before"}


def _validate(model: type[BaseModel], source: _Source, errors: list[str],
              context: dict[str, Any] | None = None) -> Any:
    try:
        return model.model_validate(source.read(), context=context)
    except ConfigError as exc:
        errors.extend(exc.messages)
    except ValidationError as exc:
        errors.extend(source.error(e["loc"], _message(e)) for e in exc.errors())
    return None


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    return str(error["msg"]).removeprefix("Value error, ")


def resolve_config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get(defaults.CONFIG_ENV) or defaults.CONFIG_PATH)


def load_config(path: Path) -> Config:
    """Read and check all three files; raise ConfigError listing every problem found."""
    path = path.resolve()
    errors: list[str] = []
    main_source = _Source(path)
    context = {"credentials_dir": _credentials_dir(main_source)}
    main = _validate(MainFile, main_source, errors, context)
    base = path.parent
    routing_source = _Source(base / _named_file(main, main_source, "routing"))
    accounts_source = _Source(base / _named_file(main, main_source, "accounts"))
    routing = _validate_named(RoutingFile, routing_source, main_source, "routing", errors)
    accounts = _validate_named(AccountsFile, accounts_source, main_source, "accounts", errors)
    if main is None:
        raise ConfigError(errors)
    config = Config(
        path=path,
        main=main,
        routing=routing,
        accounts=accounts,
        state_dir=(base / main.state_dir).resolve(),
        database=_database_target(main, main_source, errors),
        templates_dir=(base / main.templates).resolve() if main.templates
        else defaults.TEMPLATES_DIR,
        maildir=(base / main.outbound.maildir).resolve(),
    )
    if routing is not None and accounts is not None:
        errors.extend(_cross_checks(config, main_source, routing_source, accounts_source))
    if errors:
        raise ConfigError(errors)
    return config


def _credentials_dir(main: _Source) -> str | None:
    """The credentials_dir as written, read before validation so every secret gets it."""
    try:
        doc = main.read()
    except ConfigError:
        return None
    named = doc.get("credentials_dir") if isinstance(doc, dict) else None
    return named if isinstance(named, str) else None


def _validate_named(model: type[BaseModel], source: _Source, main: _Source, key: str,
                    errors: list[str]) -> Any:
    """Validate the routing or accounts file; one it cannot open is the main file's error."""
    if not source.path.is_file():
        reason = "not a file" if source.path.exists() else "no such file"
        errors.append(main.error((key,), f"cannot read {source.path}: {reason}"))
        return None
    return _validate(model, source, errors)


def _database_target(main: MainFile, source: _Source, errors: list[str]) -> DatabaseTarget:
    try:
        return database_target(main.database, source.path.parent)
    except ConfigError as exc:  # an unreadable password source
        errors.extend(source.error(("database",), m) for m in exc.messages)
        return DatabaseTarget("postgresql")


def _named_file(main: MainFile | None, source: _Source, key: str) -> str:
    """The routing or accounts file name, even when the main file failed validation elsewhere."""
    if main is not None:
        return str(getattr(main, key))
    named = source.doc.get(key) if isinstance(source.doc, dict) else None
    return named if isinstance(named, str) else str(MainFile.model_fields[key].default)


def _cross_checks(config: Config, main: _Source, routing: _Source, accounts: _Source) -> list[str]:
    """References between files: staff keys, queues, templates, domains, limits, secrets."""
    errors = _staff_checks(config, accounts) + _organisation_checks(config, accounts) + _route_checks(config, routing)
    for i, mailbox in enumerate(config.main.inbound.imap):
        if mailbox.queue and mailbox.queue not in config.accounts.queues:
            errors.append(main.error(("inbound", "imap", i, "queue"), f"unknown queue {mailbox.queue!r}"))
        try:
            mailbox.read_password(config.path.parent)
        except ConfigError as exc:
            errors += [main.error(("inbound", "imap", i), m) for m in exc.messages]
    try:
        config.relay_password()
    except ConfigError as exc:
        errors += [main.error(("outbound", "relay"), m) for m in exc.messages]
    try:
        secret = config.conversations_secret()
    except ConfigError as exc:
        errors += [main.error(("conversations",), m) for m in exc.messages]
    else:
        if secret is not None and len(secret) < 16:
            errors.append(main.error(("conversations",),
                                     "the reply-address secret must be at least 16 characters"))
    return errors


def _staff_checks(config: Config, accounts: _Source) -> list[str]:
    staff = {s.key for s in config.accounts.staff}
    errors = _duplicates(accounts, "staff", [s.key for s in config.accounts.staff])
    for i, member in enumerate(config.accounts.staff):
        errors += [accounts.error(("staff", i, "away", j, "delegate"), f"delegate {a.delegate!r} is not a staff key")
                   for j, a in enumerate(member.away) if a.delegate and a.delegate not in staff]
    for queue, members in config.accounts.queues.items():
        errors += [accounts.error(("queues", queue, i), f"unknown staff key {m!r}")
                   for i, m in enumerate(members) if m not in staff]
    return errors


def _organisation_checks(config: Config, accounts: _Source) -> list[str]:
    staff = {s.key for s in config.accounts.staff}
    managers_without_role = {s.key for s in config.accounts.staff
                             if "account_manager" not in s.roles}
    limit = config.accounts.settings.max_primary_users
    errors = _duplicates(accounts, "organisations", [o.key for o in config.accounts.organisations])
    owner: dict[str, str] = {}
    for i, org in enumerate(config.accounts.organisations):
        here = ("organisations", i)
        if not org.account_manager:
            errors.append(accounts.error(here, f"organisation {org.key!r} has no account_manager"))
        for key in ("account_manager", "deputy"):
            value = getattr(org, key)
            if value and value not in staff:
                errors.append(accounts.error((*here, key), f"{key.replace('_', ' ')} {value!r} is not a staff key"))
        if org.account_manager in managers_without_role:
            errors.append(accounts.error((*here, "account_manager"), f"staff "
                                         f"{org.account_manager!r} lacks the role account_manager"))
        primary = sum(c.primary_user for c in org.contacts)
        if primary > limit:
            errors.append(accounts.error((*here, "contacts"),
                                         f"{primary} primary users, more than the {limit} allowed "
                                         "(settings.max_primary_users)"))
        for field, values in (("domains", org.domains), ("addresses", org.addresses)):
            for j, value in enumerate(values):
                if value in owner and owner[value] != org.key:
                    errors.append(accounts.error((*here, field, j),
                                                 f"{value!r} also belongs to organisation {owner[value]!r}"))
                owner.setdefault(value, org.key)
    return errors


def _route_checks(config: Config, routing: _Source) -> list[str]:
    queues = set(config.accounts.queues)
    route_defaults = config.routing.defaults
    targets = [(("defaults",), route_defaults.queue, route_defaults.acknowledge)]
    targets += [(("rules", i, "then"), r.then.queue, r.then.acknowledge) for i, r in enumerate(config.routing.rules)]
    errors: list[str] = []
    for loc, queue, template in targets:
        if queue and queue not in queues:
            errors.append(routing.error((*loc, "queue"), f"unknown queue {queue!r} (queues are in accounts.yaml)"))
        if template and not (config.templates_dir / template).is_dir():
            errors.append(routing.error((*loc, "acknowledge"), f"no template {template!r} in {config.templates_dir}"))
    errors += _duplicate_names(routing, [r.name for r in config.routing.rules])
    for i, rule in enumerate(config.routing.rules):
        errors += _rule_reference_checks(config, routing, i, rule)
    return errors


def _duplicate_names(routing: _Source, names: list[str]) -> list[str]:
    """`route --explain` and the logs name rules: two of one name would be ambiguous."""
    first: dict[str, int] = {}
    errors = []
    for i, name in enumerate(names):
        if name in first:
            errors.append(routing.error(("rules", i, "name"),
                                        f"duplicate rule name {name!r} (also rules.{first[name]})"))
        first.setdefault(name, i)
    return errors


def _rule_reference_checks(config: Config, routing: _Source, i: int, rule: Rule) -> list[str]:
    staff = {s.key for s in config.accounts.staff}
    roles = {r for s in config.accounts.staff for r in s.roles}
    organisations = {o.key for o in config.accounts.organisations}
    loc = ("rules", i, "then")
    errors: list[str] = []
    target = rule.then.route_to
    if target and target not in SPECIAL_TARGETS and target not in staff:
        errors.append(routing.error((*loc, "route_to"),
                                    f"{target!r} is neither a staff key nor one of {', '.join(SPECIAL_TARGETS)}"))
    if target == "customer_services_manager" and "customer_services_manager" not in roles:
        errors.append(routing.error((*loc, "route_to"), "no staff member has the role customer_services_manager"))
    errors += [routing.error((*loc, "notify", j), f"{name!r} is neither a staff key nor a role anyone has")
               for j, name in enumerate(rule.then.notify) if name not in staff and name not in roles]
    errors += [routing.error(("rules", i, "match", "organisation", j), f"unknown organisation {key!r}")
               for j, key in enumerate(rule.match.organisation) if key not in organisations]
    return errors


def _duplicates(source: _Source, section: str, keys: list[str]) -> list[str]:
    seen: set[str] = set()
    errors = []
    for i, key in enumerate(keys):
        if key in seen:
            errors.append(source.error((section, i, "key"), f"duplicate key {key!r}"))
        seen.add(key)
    return errors


Inbound.model_rebuild()
