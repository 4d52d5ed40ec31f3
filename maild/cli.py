"""The command line: parse arguments, call the app, print. No business logic lives here."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maild import __version__, memory
from maild.config import load_config, resolve_config_path
from maild.errors import ConfigError, MaildError, TransientError
from maild.logs import setup_logging

# The rest is imported by the commands that use it: `check-config` and `reload` need none of it.
if TYPE_CHECKING:
    from maild.config import Config, ImapMailbox
    from maild.intake import Intake
    from maild.runtime import Settings

EX_USAGE, EX_TEMPFAIL = 2, 75
# `maild status` answers a monitoring check: 3 as `systemctl is-active` for a stopped service.
STATUS_MAILBOX_FAILING, STATUS_NOT_RUNNING = 2, 3


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(logging.DEBUG if args.verbose else logging.INFO)
    # aiosmtpd logs every protocol line at INFO under "mail.log"; keep that for -v.
    logging.getLogger("mail.log").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    # APScheduler logs each job run at INFO, thousands of lines a day; -v shows them.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    path = resolve_config_path(args.config)
    try:
        return args.handler(args, path)
    except BrokenPipeError:  # `maild tickets | head`: the reader left, which is fine
        sys.stderr.close()
        return 0
    except ConfigError as exc:
        for message in exc.messages:
            print(message, file=sys.stderr)
        return _failed(args)
    except TransientError as exc:
        print(f"maild: temporary failure: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    except (MaildError, OSError) as exc:  # OSError: a missing FILE, a folder not ours to write
        print(f"maild: {_one_line(exc)}", file=sys.stderr)
        return _failed(args)
    except Exception as exc:
        if args.command != "deliver":
            raise  # a bug: its traceback is what gets it fixed
        # An MTA would bounce the mail with a traceback in it on any other code; 75 keeps it queued.
        if args.verbose:
            logging.getLogger("maild.pipe").exception("unexpected error")
        print(f"maild: not stored, the MTA will retry: {type(exc).__name__}: {_one_line(exc)}",
              file=sys.stderr)
        return EX_TEMPFAIL


def _failed(args: argparse.Namespace) -> int:
    """The exit code of a command that could not do its work: `deliver` never says 1 to an MTA."""
    return EX_TEMPFAIL if args.command == "deliver" else 1


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maild", description="Email-driven ticketing daemon.")
    parser.add_argument("-c", "--config", help="config file (default: $MAILD_CONFIG, then config/maild.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"maild {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace, Path], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    command("run", _run, "run the daemon: listener, sender; SIGTERM stops, SIGHUP reloads")
    command("check-config", _check_config, "validate all config files")
    p = command("init", _init, "write a starter config into DIR (refuses to overwrite)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--templates", action="store_true",
                   help="also copy the templates into DIR/templates")
    p = command("deliver", _deliver, "ingest one raw mail from FILE or stdin (exit 0 stored, 75 retry)")
    p.add_argument("file", nargs="?", help="the mail; stdin when omitted")
    p.add_argument("--recipient", "-r", help="the envelope recipient the MTA delivered to")
    p.add_argument("--sender", "-f", help="the envelope sender (MAIL FROM); empty for <>")
    p = command("fetch", _fetch, "one pass over every configured IMAP mailbox, then exit")
    p.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    p = command("send", _send, "deliver what is due in the outbox")
    p.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    p = command("tickets", _tickets, "list tickets")
    p.add_argument("--status", help="only tickets with this status")
    p.add_argument("--json", action="store_true")
    p = command("ticket", _ticket, "one ticket with its messages and history")
    p.add_argument("number", type=int)
    p.add_argument("--json", action="store_true")
    p = command("attachment", _attachment, "write one stored attachment out (its ID: `ticket N`)")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write it here (or stdout)")
    p = command("retry", _retry, "re-run quarantined mail: the IDs given, or --all (also all when none given)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")
    p.add_argument("--all", action="store_true", help="every quarantined mail")
    p = command("quarantine", _quarantine, "list quarantined mail, or `show ID`: its reason, headers and history")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    p.add_argument("id", nargs="?", type=int, metavar="ID")
    p.add_argument("--json", action="store_true")
    p = command("route", _route, "dry run of identification and routing for one mail; no side effects")
    p.add_argument("--explain", metavar="FILE", required=True, help="the mail to explain")
    p.add_argument("--recipient", "-r", action="append", default=[], help="an envelope recipient (repeatable)")
    p.add_argument("--mailbox", help="as if fetched from this IMAP mailbox (its default route and policy)")
    p.add_argument("--json", action="store_true")
    p = command("reminders", _reminders, "upcoming reminders and service-target deadlines: who gets what when")
    p.add_argument("--days", type=int, default=14, help="how far ahead (default 14 days)")
    p.add_argument("--json", action="store_true")
    p = command("report", _report, "priority 1-3 incidents against their targets, feature requests, escalations")
    p.add_argument("--since", type=date.fromisoformat, metavar="DATE",
                   help="first day, YYYY-MM-DD (default: the first of last month)")
    p.add_argument("--until", type=date.fromisoformat, metavar="DATE", help="last day, inclusive (default: today)")
    p.add_argument("--organisation", metavar="KEY", help="only this organisation")
    p.add_argument("--format", choices=["md", "csv", "json", "html"], default="md")
    p = command("organisation", _organisation, "one organisation: account manager, phase, reminder history")
    p.add_argument("key")
    p.add_argument("--json", action="store_true")
    command("reload", _reload, "make the running daemon reload its config (SIGHUP)")
    p = command("status", _status, "health: daemon, mailboxes, outbox, quarantine, tickets")
    p.add_argument("--json", action="store_true")
    p = command("db", _db, "database maintenance")
    p.add_argument("action", choices=["migrate"])
    return parser


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


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


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
    settings = _settings_of(config)
    intake = _intake(settings)
    failed = sum(_fetch_mailbox(mailbox, settings, intake) for mailbox in mailboxes)
    return 1 if failed else 0


def _fetch_mailbox(mailbox: ImapMailbox, settings: Settings, intake: Intake) -> bool:
    """One pass over one mailbox, and its line of figures; True when it could not be reached."""
    from maild.channels.imap import MailboxUnavailable, MailboxWatcher

    watcher = MailboxWatcher(mailbox, settings.config.path.parent, intake.accept,
                             settings.config.main.limits.max_message_bytes, group=intake.group)
    try:
        report = watcher.fetch_once(_progress(mailbox.name))
    except MailboxUnavailable as exc:
        print(f"{mailbox.name}: {exc}", file=sys.stderr)
        return True
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(report.outcomes.items())) or "nothing new"
    elsewhere = f"; {report.held_elsewhere} in hand on other hosts" if report.held_elsewhere else ""
    passed = f"; {report.passed_over} passed over after repeated failures" if report.passed_over else ""
    print(f"{mailbox.name}: {report.fetched} fetched, {report.confirmed} moved ({outcomes}){elsewhere}{passed}")
    return False


def _progress(name: str) -> Callable[[int, int], None]:
    """A bar on a terminal; otherwise a log line every tenth of the way."""
    log = logging.getLogger("maild.imap")
    last = [0]

    def show(done: int, total: int) -> None:
        if sys.stderr.isatty():
            filled = 30 * done // max(total, 1)
            sys.stderr.write(f"\r{name}: [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif done == total or done - last[0] >= max(total // 10, 1):
            last[0] = done
            log.info("%s: %d/%d mails", name, done, total)

    return show


def _send(args: argparse.Namespace, path: Path) -> int:
    from maild.outbound.sender import Sender
    from maild.outbound.transports import transport_for

    settings = _settings(path)
    report = Sender(lambda: transport_for(settings.config), settings.config.main.outbound.retry).send_all_due()
    print(f"sent {report.sent}, deferred {report.deferred}, failed {report.failed}")
    return 0


def _tickets(args: argparse.Namespace, path: Path) -> int:
    from maild.store.queries import list_tickets

    _settings(path)
    tickets = list_tickets(args.status)
    if args.json:
        _print_json(tickets)
        return 0
    for t in tickets:
        print(f"#{t['number']:<6} {t['status']:<9} P{t['priority']} {t['kind']:<16} "
              f"{t['organisation'] or '-':<14} {t['requester']:<32} {t['subject']}")
    print(f"{len(tickets)} tickets", file=sys.stderr)
    return 0


def _ticket(args: argparse.Namespace, path: Path) -> int:
    from maild.store.queries import ticket_detail

    _settings(path)
    detail = ticket_detail(args.number)
    if detail is None:
        print(f"maild: no ticket {args.number}", file=sys.stderr)
        return 1
    if args.json:
        _print_json(detail)
        return 0
    _print_ticket(detail)
    return 0


def _print_ticket(t: dict[str, Any]) -> None:
    print(f"Ticket #{t['number']}: {t['subject']}")
    print(f"  status {t['status']}, {t['kind']}, priority {t['priority']}, queue {t['queue']}, "
          f"organisation {t['organisation'] or '-'}, requester {t['requester']}, assignee {t['assignee'] or '-'}")
    print(f"  participants: {', '.join(p['email'] for p in t['participants']) or '-'}")
    for p in t["proposed"]:  # named in a mail nobody vouched for: receives nothing yet
        print(f"  proposed: {p['email']} ({p['reason']}); to add: #cc add {p['email']}")
    print(f"  first response {t['first_response_at'] or '-'}, resolved {t['resolved_at'] or '-'}"
          + (f", follows up #{t['follows']}" if t["follows"] else ""))
    for m in t["messages"]:
        label = {"in": "received", "out": "sent", "note": "internal note"}.get(m["direction"], m["direction"])
        print(f"\n--- {label} {m['created_at']} from {m['from']} to {m['to'] or '-'}\n    {m['subject']}")
        print("    " + m["text"].strip().replace("\n", "\n    "))
    if t["attachments"]:
        print("\nAttachments (maild attachment ID writes one out):")
    for a in t["attachments"]:
        print(f"  {a['id']:>6}  {a['name']} ({a['type']}, {a['size']} bytes"
              f"{', inline' if a['inline'] else ''}) {a['direction']} {a['message'] or '-'}")
    print("\nHistory:")
    for e in t["history"]:
        print(f"  {e['created_at']} {e['kind']}: {e['detail']}")
    for o in t["outbox"]:
        print(f"  outbox {o['purpose']} to {', '.join(o['to'])} {o['message_id']}: {o['status']} "
              f"({o['attempts']} attempts)")


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
    if args.json:
        _print_json(items)
        return 0
    for item in items:
        what = f"ticket #{item['ticket']}" if item["ticket"] else item["organisation"]
        late = " (owed now: waits for office hours)" if item.get("overdue") else ""
        print(f"{item['due_at']}  {item['kind']:<28} {what:<16} -> {', '.join(item['recipients']) or 'nobody'}{late}")
    print(f"{len(items)} due in the next {args.days} days", file=sys.stderr)
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
    sys.stdout.write(render(report(settings, period, now, args.organisation), args.format, settings.calendar.zone,
                            settings.renderer))
    return 0


def _organisation(args: argparse.Namespace, path: Path) -> int:
    from maild.store.queries import organisation_history

    settings = _settings(path)
    org = settings.directory.organisations.get(args.key)
    if org is None:
        print(f"maild: no organisation {args.key!r} in the accounts file", file=sys.stderr)
        return 1
    detail = {"key": org.key, "name": org.name, "account_manager": org.account_manager, "deputy": org.deputy,
              "phase": org.phase, "live_from": org.live_from and org.live_from.isoformat(),
              "contract_start": org.contract_start and org.contract_start.isoformat(),
              "history": organisation_history(org.key)}
    if args.json:
        _print_json(detail)
        return 0
    print(f"{org.name} ({org.key}): {org.phase}, account manager {org.account_manager}, "
          f"contract from {detail['contract_start'] or '-'}")
    for e in detail["history"]:
        print(f"  {e['created_at']} {e['kind']}: {e['detail']}")
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
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        print(f"{r['id']:<6} {r['received_at']} {r['source']:<24} {r['reason']}")
    return 0


def _quarantine_show(args: argparse.Namespace) -> int:
    from maild.store.queries import raw_detail

    detail = raw_detail(args.id) if args.id is not None else None
    if detail is None:
        print(f"maild: no raw mail {args.id}" if args.id is not None else "maild: quarantine show needs an ID",
              file=sys.stderr)
        return 1
    if args.json:
        _print_json(detail)
        return 0
    print(f"Raw mail {detail['id']}: {detail['status']}, {detail['size']} bytes from {detail['source']}, "
          f"received {detail['received_at']}, {detail['attempts']} attempts")
    print(f"Reason: {detail['reason'] or '-'}\n\n{detail['headers']}\n\nHistory:")
    for e in detail["history"]:
        print(f"  {e['created_at']} {e['kind']}: {e['detail']}")
    return 0


def _route(args: argparse.Namespace, path: Path) -> int:
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
    report = explain(settings, Path(args.explain).read_bytes(), [r.lower() for r in args.recipient],
                     route_defaults)
    if not database.exists():
        report["notes"].append("no database yet: threaded against an empty one")
    if args.json:
        _print_json(report)
    else:
        _print_explanation(report)
    return 0


def _print_explanation(report: dict[str, Any]) -> None:
    sender = report["sender"]
    who = sender["kind"] + (f" of {sender['organisation']}" if sender["organisation"] else "")
    who += f" ({sender['role']})" if sender["role"] else ""
    who += ", designated contact" if sender["designated"] else ""
    print(f"sender:    {sender['address'] or '(no usable From)'}: {who}")
    if report["automatic"]:
        print(f"automatic: {report['automatic']} (never acknowledged)")
    if report["ticket"]:
        print(f"threads:   onto ticket {report['ticket']}")
    for rule in report["rules"]:
        print(f"rule {rule['name']:<28} {'MATCH' if rule['matched'] else 'no   '}  {rule['why']}")
    result = report["result"] or {}
    if result.get("outcome") == "reply":
        print(f"result:    a reply on ticket {result['ticket']}; no acknowledgement")
    elif result and "route" not in result:
        print(f"result:    {result['outcome']}; no ticket, no acknowledgement")
    elif result:
        route = result["route"]
        to = route["assignee"] or route["to"] or "the queue"
        print(f"result:    {result['outcome']}: {result['kind']}, priority {result['priority']}, "
              f"queue {route['queue']}, to {to}, acknowledge {result['acknowledge'] or 'no'}"
              + (f", notify {', '.join(result['notify'])}" if result["notify"] else "")
              + (f", tags {', '.join(result['tags'])}" if result["tags"] else ""))
        if route["covering"]:
            c = route["covering"]
            print(f"           {c['by']} covers for {c['absent']}, away until {c['until']}")
    for note in report["notes"]:
        print(f"note:      {note}")


def _status(args: argparse.Namespace, path: Path) -> int:
    from maild.app import daemon_pid
    from maild.schedule.agenda import summary
    from maild.schedule.scheduler import utc_clock
    from maild.store import health

    settings = _settings(path)
    config = settings.config
    pid = daemon_pid(config.state_dir)
    report = {
        "daemon": {"running": pid is not None, "pid": pid},
        "database": config.database.describe(),
        "mailboxes": [health.mailbox_health(m.name, m.folder) for m in config.main.inbound.imap],
        "outbox": {**health.outbox_health(),
                   "relay": f"{config.main.outbound.relay.host}:{config.main.outbound.relay.port}"
                   if config.main.outbound.relay else f"maildir {config.maildir}"},
        "quarantine": {"count": health.quarantine_count()},
        "tickets": health.ticket_counts(),
        "schedule": summary(settings, utc_clock()),
    }
    if args.json:
        _print_json(report)
        return _status_code(report)
    print(f"daemon:     {'running, pid ' + str(pid) if pid else 'not running'} (this host)")
    print(f"database:   {report['database']}")
    for m in report["mailboxes"]:
        state = "ok" if m["ok"] else f"FAILING since {m['last_error_at']}: {m['last_error']}" if m["last_error"] \
            else "not fetched yet"
        print(f"mailbox:    {m['name']} ({m['folder']}): {state}; last fetch {m['last_ok_at'] or 'never'}")
    o = report["outbox"]
    print(f"outbox:     {o['queued']} queued (oldest {o['oldest_age_seconds'] or 0}s, {o['deferred']} deferred), "
          f"{o['failed']} failed, via {o['relay']}" + (f"; last error: {o['last_error']}" if o["last_error"] else ""))
    print(f"quarantine: {report['quarantine']['count']}")
    print("tickets:    " + (", ".join(f"{n} {k}" for k, n in sorted(report["tickets"].items())) or "none"))
    schedule, coming = report["schedule"], report["schedule"]["next_reminder"]
    print(f"targets:    {schedule['sla_breaches']} missed by tickets still open")
    print("reminders:  " + (f"next {coming['kind']} for {coming['organisation']} at {coming['due_at']}" if coming
                            else "none in the next two months"))
    return _status_code(report)


def _status_code(report: dict[str, Any]) -> int:
    """0 healthy; 3 no daemon on this host; 2 a mailbox failing (docs/install.md, "Monitoring")."""
    if not report["daemon"]["running"]:
        return STATUS_NOT_RUNNING
    if any(m["last_error"] for m in report["mailboxes"]):
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
    print(f"schema version {before} -> {after}" if before != after else f"schema is current (version {after})")
    return 0
