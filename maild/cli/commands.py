"""The commands: arguments parsed by argparse, each command a short call into the app and store.

Their output is formatted by `maild.cli.output`; `main` (maild/cli/__init__.py) turns their
errors into exit codes.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maild import __version__, memory
from maild.cli import output
from maild.config import load_config
from maild.errors import TransientError

# The rest is imported by the commands that use it: `check-config` and `reload` need none of it.
if TYPE_CHECKING:
    from maild.channels.parse_ahead import ParseAhead
    from maild.config import Config, ImapMailbox
    from maild.intake import Intake
    from maild.runtime import Settings

EX_USAGE, EX_TEMPFAIL = 2, 75
# `maild status` answers a monitoring check: 3 as `systemctl is-active` for a stopped service.
STATUS_MAILBOX_FAILING, STATUS_NOT_RUNNING = 2, 3
Handler = Callable[[argparse.Namespace, Path], int]
Command = Callable[[str, Handler, str], argparse.ArgumentParser]  # adds one command


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maild", description="Email-driven ticketing daemon.")
    parser.add_argument("-c", "--config",
                        help="config file (default: $MAILD_CONFIG, then config/maild.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"maild {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    _mail_commands(command)
    _query_commands(command)
    return parser


def _mail_commands(command: Command) -> None:
    """The commands that take mail in, send it, or run the daemon."""
    command("run", _run, "run the daemon: listener, sender; SIGTERM stops, SIGHUP reloads")
    command("check-config", _check_config, "validate all config files")
    p = command("init", _init, "write a starter config into DIR (refuses to overwrite)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--templates", action="store_true",
                   help="also copy the templates into DIR/templates")
    p = command("deliver", _deliver,
                "ingest one raw mail from FILE or stdin (exit 0 stored, 75 retry)")
    p.add_argument("file", nargs="?", help="the mail; stdin when omitted")
    p.add_argument("--recipient", "-r", help="the envelope recipient the MTA delivered to")
    p.add_argument("--sender", "-f", help="the envelope sender (MAIL FROM); empty for <>")
    p = command("fetch", _fetch, "one pass over every configured IMAP mailbox, then exit")
    p.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    p = command("send", _send, "deliver what is due in the outbox")
    p.add_argument("--once", action="store_true", required=True, help="one pass, then exit")


def _query_commands(command: Command) -> None:
    """The commands that show tickets, reminders and health, and look after the store."""
    p = command("tickets", _tickets, "list tickets")
    p.add_argument("--status", help="only tickets with this status")
    p.add_argument("--json", action="store_true")
    p = command("ticket", _ticket, "one ticket with its messages and history")
    p.add_argument("number", type=int)
    p.add_argument("--json", action="store_true")
    p = command("attachment", _attachment, "write one stored attachment out (its ID: `ticket N`)")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write it here (or stdout)")
    p = command("retry", _retry,
                "re-run quarantined mail: the IDs given, or --all (also all when none given)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")
    p.add_argument("--all", action="store_true", help="every quarantined mail")
    p = command("quarantine", _quarantine,
                "list quarantined mail, or `show ID`: its reason, headers and history")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    p.add_argument("id", nargs="?", type=int, metavar="ID")
    p.add_argument("--json", action="store_true")
    p = command("route", _route,
                "dry run of identification and routing for one mail; no side effects")
    p.add_argument("--explain", metavar="FILE", required=True, help="the mail to explain")
    p.add_argument("--recipient", "-r", action="append", default=[],
                   help="an envelope recipient (repeatable)")
    p.add_argument("--mailbox",
                   help="as if fetched from this IMAP mailbox (its default route and policy)")
    p.add_argument("--json", action="store_true")
    p = command("reminders", _reminders,
                "upcoming reminders and service-target deadlines: who gets what when")
    p.add_argument("--days", type=int, default=14, help="how far ahead (default 14 days)")
    p.add_argument("--json", action="store_true")
    p = command("report", _report,
                "priority 1-3 incidents against their targets, feature requests, escalations")
    p.add_argument("--since", type=date.fromisoformat, metavar="DATE",
                   help="first day, YYYY-MM-DD (default: the first of last month)")
    p.add_argument("--until", type=date.fromisoformat, metavar="DATE",
                   help="last day, inclusive (default: today)")
    p.add_argument("--organisation", metavar="KEY", help="only this organisation")
    p.add_argument("--format", choices=["md", "csv", "json", "html"], default="md")
    p = command("organisation", _organisation,
                "one organisation: account manager, phase, reminder history")
    p.add_argument("key")
    p.add_argument("--json", action="store_true")
    command("reload", _reload, "make the running daemon reload its config (SIGHUP)")
    p = command("status", _status, "health: daemon, mailboxes, outbox, quarantine, tickets")
    p.add_argument("--json", action="store_true")
    p = command("db", _db, "database maintenance")
    p.add_argument("action", choices=["migrate"])


def _settings(path: Path, migrate_schema: bool = True) -> Settings:
    return _settings_of(load_config(path), migrate_schema)


def _settings_of(config: Config, migrate_schema: bool = True) -> Settings:
    from maild.runtime import Settings
    from maild.store.db import open_store
    from maild.store.migrations import migrate

    settings = Settings.build(config)
    open_store(settings.config.database)
    if migrate_schema:
        migrate()
    memory.settle()
    return settings


def _intake(settings: Settings) -> Intake:
    from maild.intake import Intake
    from maild.runtime import Runtime

    return Intake(Runtime(settings))


def _run(args: argparse.Namespace, path: Path) -> int:
    from maild.app import run_daemon
    from maild.runtime import Runtime, Settings

    settings = Settings.build(load_config(path))
    if not args.verbose:
        logging.getLogger().setLevel(settings.config.main.log_level.upper())
    memory.settle()
    run_daemon(Runtime(settings))
    return 0


def _check_config(args: argparse.Namespace, path: Path) -> int:
    print(load_config(path).summary())
    return 0


def _init(args: argparse.Namespace, path: Path) -> int:
    from maild.starter import write_starter

    directory = Path(args.dir)
    for written in write_starter(directory, args.templates):
        print(f"wrote {written}")
    print(f"next: maild -c {directory / 'maild.yaml'} check-config")
    return 0


def _deliver(args: argparse.Namespace, path: Path) -> int:
    from maild.channels.pipe import deliver

    content = Path(args.file).read_bytes() if args.file else sys.stdin.buffer.read()
    try:
        intake = _intake(_settings(path))
    except TransientError as exc:
        print(f"maild: temporary failure, not stored: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    code, outcome = deliver(intake, content, args.recipient, args.sender)
    if outcome is not None:
        print(outcome.value)
    return code


def _fetch(args: argparse.Namespace, path: Path) -> int:
    config = load_config(path)
    mailboxes = config.main.inbound.imap
    if not mailboxes:
        print("maild: no IMAP mailbox configured (inbound.imap)", file=sys.stderr)
        return 1
    from maild.channels.parse_ahead import ParseAhead

    settings = _settings_of(config)
    intake = _intake(settings)
    parse_ahead = ParseAhead(lambda: settings.config.main.limits) if \
        config.main.inbound.parse_ahead else None
    if parse_ahead:
        parse_ahead.warm()
    try:
        failed = sum(_fetch_mailbox(mailbox, settings, intake, parse_ahead)
                     for mailbox in mailboxes)
    finally:
        if parse_ahead:
            parse_ahead.close()
    return 1 if failed else 0


def _fetch_mailbox(mailbox: ImapMailbox, settings: Settings, intake: Intake,
                   parse_ahead: ParseAhead | None) -> bool:
    """One pass over one mailbox, and its line of figures; True when it could not be reached."""
    from maild.channels.imap import MailboxUnavailable, MailboxWatcher
    from maild.store.tokens import record_token_state
    from maild.runtime.tokens import TokenSources

    tokens = (TokenSources(record_token_state).source(settings.config, mailbox.oauth2_command)
              if mailbox.oauth2_command else None)
    watcher = MailboxWatcher(
        mailbox,
        settings.config.path.parent,
        intake.accept,
        settings.config.main.limits.max_message_bytes,
        group=intake.group,
        tokens=tokens,
        parse_ahead=parse_ahead,
    )
    try:
        report = watcher.fetch_once(output.progress(mailbox.name))
    except MailboxUnavailable as exc:
        print(f"{mailbox.name}: {exc}", file=sys.stderr)
        return True
    output.print_pass(mailbox.name, report)
    return False


def _send(args: argparse.Namespace, path: Path) -> int:
    from maild.outbound.sender import OutboxSender
    from maild.outbound.transports import transport_for
    from maild.store.tokens import record_token_state
    from maild.runtime.tokens import TokenSources

    settings = _settings(path)
    tokens = TokenSources(record_token_state)
    sender = OutboxSender(
        lambda: transport_for(settings.config, tokens), settings.config.main.outbound.retry
    )
    report = sender.send_all_due()
    print(f"sent {report.sent}, deferred {report.deferred}, failed {report.failed}")
    return 0


def _tickets(args: argparse.Namespace, path: Path) -> int:
    from maild.store.queries import list_tickets

    _settings(path)
    tickets = list_tickets(args.status)
    output.show(tickets, args.json, output.print_tickets)
    return 0


def _ticket(args: argparse.Namespace, path: Path) -> int:
    from maild.store.queries import ticket_detail

    _settings(path)
    detail = ticket_detail(args.number)
    if detail is None:
        print(f"maild: no ticket {args.number}", file=sys.stderr)
        return 1
    output.show(detail, args.json, output.print_ticket)
    return 0


def _attachment(args: argparse.Namespace, path: Path) -> int:
    from maild.store.queries import attachment_content

    _settings(path)
    found = attachment_content(args.id)
    if found is None:
        print(f"maild: no attachment {args.id}", file=sys.stderr)
        return 1
    name, content = found
    if args.output is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        args.output.write_bytes(content)
        print(f"{name}: {len(content)} bytes written to {args.output}", file=sys.stderr)
    return 0


def _reminders(args: argparse.Namespace, path: Path) -> int:
    from maild.schedule.agenda import agenda
    from maild.schedule.scheduler import utc_clock

    settings = _settings(path)
    items = agenda(settings, utc_clock(), args.days)
    output.show(items, args.json, lambda shown: output.print_reminders(shown, args.days))
    return 0


def _report(args: argparse.Namespace, path: Path) -> int:
    from maild.report.load import report
    from maild.report.model import Period
    from maild.report.pack import last_month
    from maild.report.render import render
    from maild.schedule.scheduler import utc_clock

    settings = _settings(path)
    now = utc_clock()
    if args.organisation and args.organisation not in settings.directory.organisations:
        print(f"maild: no organisation {args.organisation!r} in the accounts file", file=sys.stderr)
        return 1
    until = args.until or settings.calendar.local_date(now)
    try:
        period = Period(args.since or last_month(until).first, until)
    except ValueError as exc:
        print(f"maild: {exc}", file=sys.stderr)
        return EX_USAGE
    incidents = report(settings, period, now, args.organisation)
    sys.stdout.write(render(incidents, args.format, settings.calendar.zone, settings.renderer))
    return 0


def _organisation(args: argparse.Namespace, path: Path) -> int:
    from maild.store.queries import organisation_history

    settings = _settings(path)
    org = settings.directory.organisations.get(args.key)
    if org is None:
        print(f"maild: no organisation {args.key!r} in the accounts file", file=sys.stderr)
        return 1
    detail = {"key": org.key, "name": org.name, "account_manager": org.account_manager,
              "deputy": org.deputy,
              "phase": org.phase, "live_from": org.live_from and org.live_from.isoformat(),
              "contract_start": org.contract_start and org.contract_start.isoformat(),
              "history": organisation_history(org.key)}
    output.show(detail, args.json, output.print_organisation)
    return 0


def _retry(args: argparse.Namespace, path: Path) -> int:
    if args.all and args.ids:
        print("maild: give IDs or --all, not both", file=sys.stderr)
        return 2
    results = _intake(_settings(path)).retry(args.ids)
    for raw_id, outcome in results:
        print(f"{raw_id}: {outcome.value}")
    print(f"{len(results)} re-run", file=sys.stderr)
    unknown = sorted(set(args.ids) - {raw_id for raw_id, _ in results})
    if unknown:
        print(f"maild: no quarantined mail {', '.join(map(str, unknown))}", file=sys.stderr)
        return 1
    return 0


def _quarantine(args: argparse.Namespace, path: Path) -> int:
    from maild.store import raw as raw_store
    from maild.store.queries import raw_summary

    _settings(path)
    if args.action == "show":
        return _quarantine_show(args)
    rows = [raw_summary(r) for r in raw_store.quarantined()]
    output.show(rows, args.json, output.print_quarantined)
    return 0


def _quarantine_show(args: argparse.Namespace) -> int:
    from maild.store.queries import raw_detail

    detail = raw_detail(args.id) if args.id is not None else None
    if detail is None:
        output.error(f"no raw mail {args.id}" if args.id is not None
                     else "quarantine show needs an ID")
        return 1
    output.show(detail, args.json, output.print_raw_mail)
    return 0


def _route(args: argparse.Namespace, path: Path) -> int:
    from maild.intake import Arrival
    from maild.pipeline.explain import explain
    from maild.runtime import Settings
    from maild.store.db import open_scratch, open_store

    settings = Settings.build(load_config(path))
    mailboxes = {m.name: m for m in settings.config.main.inbound.imap}
    if args.mailbox and args.mailbox not in mailboxes:
        print(f"maild: no IMAP mailbox {args.mailbox!r} in the config", file=sys.stderr)
        return 1
    route_defaults = mailboxes[args.mailbox].route_defaults if args.mailbox else {}
    database = settings.config.database
    if database.exists():
        open_store(database)
    else:
        open_scratch()
    arrival = Arrival(Path(args.explain).read_bytes(), "explain", "explain",
                      [r.lower() for r in args.recipient], route_defaults=route_defaults)
    report = explain(settings, arrival)
    if not database.exists():
        report["notes"].append("no database yet: threaded against an empty one")
    output.show(report, args.json, output.print_explanation)
    return 0


def _status(args: argparse.Namespace, path: Path) -> int:
    from maild.app import daemon_pid
    from maild.schedule.agenda import summary
    from maild.schedule.scheduler import utc_clock
    from maild.store import health
    from maild.runtime.tokens import token_users

    settings = _settings(path)
    config = settings.config
    pid = daemon_pid(config.state_dir)
    report = {
        "daemon": {"running": pid is not None, "pid": pid},
        "database": config.database.describe(),
        "mailboxes": [health.mailbox_health(m.name, m.folder) for m in config.main.inbound.imap],
        "tokens": [health.token_health(label) for label in token_users(config).values()],
        "outbox": {**health.outbox_health(),
                   "relay": f"{config.main.outbound.relay.host}:{config.main.outbound.relay.port}"
                   if config.main.outbound.relay else f"maildir {config.maildir}"},
        "quarantine": {"count": health.quarantine_count()},
        "tickets": health.ticket_counts(),
        "schedule": summary(settings, utc_clock()),
    }
    if args.json:
        output.print_json(report)
        return _status_code(report)
    output.print_status(report)
    return _status_code(report)


def _status_code(report: dict[str, Any]) -> int:
    """0 healthy; 3 no daemon on this host; 2 a mailbox or its token failing (docs/install.md,
    "Monitoring")."""
    if not report["daemon"]["running"]:
        return STATUS_NOT_RUNNING
    if any(m["last_error"] for m in report["mailboxes"] + report["tokens"]):
        return STATUS_MAILBOX_FAILING
    return 0


def _reload(args: argparse.Namespace, path: Path) -> int:
    from maild.app import signal_daemon

    pid = signal_daemon(load_config(path).state_dir, signal.SIGHUP)
    print(f"asked maild (pid {pid}) to reload; its log says whether the new config was taken")
    return 0


def _db(args: argparse.Namespace, path: Path) -> int:
    from maild.store.db import open_store
    from maild.store.migrations import migrate

    config = load_config(path)
    open_store(config.database)
    before, after = migrate()
    print(f"schema version {before} -> {after}" if before != after
          else f"schema is current (version {after})")
    return 0
