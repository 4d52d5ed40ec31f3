"""The whole configuration: `maild.yaml` read, the routing and accounts files it names read,
every path resolved, and the references between the files checked. Every problem found is
reported in one run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from maild import defaults
from maild.config.accounts import AccountsFile
from maild.config.loader import Source, read_secret, validate
from maild.config.main import DatabaseTarget, Helpdesk, MainFile, database_target
from maild.config.routing import SPECIAL_TARGETS, Rule, RoutingFile
from maild.errors import ConfigError


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


def resolve_config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get(defaults.CONFIG_ENV) or defaults.CONFIG_PATH)


def load_config(path: Path) -> Config:
    """Read and check all three files; raise ConfigError listing every problem found."""
    path = path.resolve()
    errors: list[str] = []
    main_source = Source(path)
    context = {"credentials_dir": _credentials_dir(main_source)}
    main = validate(MainFile, main_source, errors, context)
    base = path.parent
    routing_source = Source(base / _named_file(main, main_source, "routing"))
    accounts_source = Source(base / _named_file(main, main_source, "accounts"))
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


def _credentials_dir(main: Source) -> str | None:
    """The credentials_dir as written, read before validation so every secret gets it."""
    try:
        doc = main.read()
    except ConfigError:
        return None
    named = doc.get("credentials_dir") if isinstance(doc, dict) else None
    return named if isinstance(named, str) else None


def _validate_named(model: type[BaseModel], source: Source, main: Source, key: str,
                    errors: list[str]) -> Any:
    """Validate the routing or accounts file; one it cannot open is the main file's error."""
    if not source.path.is_file():
        reason = "not a file" if source.path.exists() else "no such file"
        errors.append(main.error((key,), f"cannot read {source.path}: {reason}"))
        return None
    return validate(model, source, errors)


def _database_target(main: MainFile, source: Source, errors: list[str]) -> DatabaseTarget:
    try:
        return database_target(main.database, source.path.parent)
    except ConfigError as exc:  # an unreadable password source
        errors.extend(source.error(("database",), m) for m in exc.messages)
        return DatabaseTarget("postgresql")


def _named_file(main: MainFile | None, source: Source, key: str) -> str:
    """The routing or accounts file name, even when the main file failed validation elsewhere."""
    if main is not None:
        return str(getattr(main, key))
    named = source.doc.get(key) if isinstance(source.doc, dict) else None
    return named if isinstance(named, str) else str(MainFile.model_fields[key].default)


def _cross_checks(config: Config, main: Source, routing: Source, accounts: Source) -> list[str]:
    """References between files: staff keys, queues, templates, domains, limits, secrets."""
    errors = (_staff_checks(config, accounts) + _organisation_checks(config, accounts)
              + _route_checks(config, routing))
    for i, mailbox in enumerate(config.main.inbound.imap):
        if mailbox.queue and mailbox.queue not in config.accounts.queues:
            errors.append(main.error(("inbound", "imap", i, "queue"),
                                     f"unknown queue {mailbox.queue!r}"))
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


def _staff_checks(config: Config, accounts: Source) -> list[str]:
    staff = {s.key for s in config.accounts.staff}
    errors = _duplicates(accounts, "staff", [s.key for s in config.accounts.staff])
    for i, member in enumerate(config.accounts.staff):
        errors += [accounts.error(("staff", i, "away", j, "delegate"),
                                  f"delegate {a.delegate!r} is not a staff key")
                   for j, a in enumerate(member.away) if a.delegate and a.delegate not in staff]
    for queue, members in config.accounts.queues.items():
        errors += [accounts.error(("queues", queue, i), f"unknown staff key {m!r}")
                   for i, m in enumerate(members) if m not in staff]
    return errors


def _organisation_checks(config: Config, accounts: Source) -> list[str]:
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
                errors.append(accounts.error(
                    (*here, key), f"{key.replace('_', ' ')} {value!r} is not a staff key"))
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
                    errors.append(accounts.error(
                        (*here, field, j),
                        f"{value!r} also belongs to organisation {owner[value]!r}"))
                owner.setdefault(value, org.key)
    return errors


def _route_checks(config: Config, routing: Source) -> list[str]:
    queues = set(config.accounts.queues)
    route_defaults = config.routing.defaults
    targets = [(("defaults",), route_defaults.queue, route_defaults.acknowledge)]
    targets += [(("rules", i, "then"), r.then.queue, r.then.acknowledge)
                for i, r in enumerate(config.routing.rules)]
    errors: list[str] = []
    for loc, queue, template in targets:
        if queue and queue not in queues:
            errors.append(routing.error(
                (*loc, "queue"), f"unknown queue {queue!r} (queues are in accounts.yaml)"))
        if template and not (config.templates_dir / template).is_dir():
            errors.append(routing.error(
                (*loc, "acknowledge"), f"no template {template!r} in {config.templates_dir}"))
    errors += _duplicate_names(routing, [r.name for r in config.routing.rules])
    for i, rule in enumerate(config.routing.rules):
        errors += _rule_reference_checks(config, routing, i, rule)
    return errors


def _duplicate_names(routing: Source, names: list[str]) -> list[str]:
    """`route --explain` and the logs name rules: two of one name would be ambiguous."""
    first: dict[str, int] = {}
    errors = []
    for i, name in enumerate(names):
        if name in first:
            errors.append(routing.error(("rules", i, "name"),
                                        f"duplicate rule name {name!r} (also rules.{first[name]})"))
        first.setdefault(name, i)
    return errors


def _rule_reference_checks(config: Config, routing: Source, i: int, rule: Rule) -> list[str]:
    staff = {s.key for s in config.accounts.staff}
    roles = {r for s in config.accounts.staff for r in s.roles}
    organisations = {o.key for o in config.accounts.organisations}
    loc = ("rules", i, "then")
    errors: list[str] = []
    target = rule.then.route_to
    if target and target not in SPECIAL_TARGETS and target not in staff:
        errors.append(routing.error(
            (*loc, "route_to"),
            f"{target!r} is neither a staff key nor one of {', '.join(SPECIAL_TARGETS)}"))
    if target == "customer_services_manager" and "customer_services_manager" not in roles:
        errors.append(routing.error((*loc, "route_to"),
                                    "no staff member has the role customer_services_manager"))
    errors += [routing.error((*loc, "notify", j),
                             f"{name!r} is neither a staff key nor a role anyone has")
               for j, name in enumerate(rule.then.notify)
               if name not in staff and name not in roles]
    errors += [routing.error(("rules", i, "match", "organisation", j),
                             f"unknown organisation {key!r}")
               for j, key in enumerate(rule.match.organisation) if key not in organisations]
    return errors


def _duplicates(source: Source, section: str, keys: list[str]) -> list[str]:
    seen: set[str] = set()
    errors = []
    for i, key in enumerate(keys):
        if key in seen:
            errors.append(source.error((section, i, "key"), f"duplicate key {key!r}"))
        seen.add(key)
    return errors

