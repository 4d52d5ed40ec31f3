"""What the commands print: tables and lines for people, JSON for scripts (docs/design.md)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maild.channels.imap import PassReport


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def show(data: Any, as_json: bool, as_text: Callable[[Any], None]) -> None:
    """`--json` prints the data as it is (the documented shapes); otherwise `as_text` does."""
    if as_json:
        print_json(data)
    else:
        as_text(data)


def error(message: str) -> None:
    print(f"maild: {message}", file=sys.stderr)


def print_pass(name: str, report: PassReport) -> None:
    """The line of figures of one `fetch --once` pass over a mailbox."""
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(report.outcomes.items())) or "nothing new"
    elsewhere = f"; {report.held_elsewhere} in hand on other hosts" if report.held_elsewhere else ""
    passed = (f"; {report.passed_over} passed over after repeated failures"
              if report.passed_over else "")
    print(f"{name}: {report.fetched} fetched, {report.confirmed} moved ({outcomes})"
          f"{elsewhere}{passed}")


def progress(name: str) -> Callable[[int, int], None]:
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


def print_tickets(tickets: list[dict[str, Any]]) -> None:
    for t in tickets:
        print(f"#{t['number']:<6} {t['status']:<9} P{t['priority']} {t['kind']:<16} "
              f"{t['organisation'] or '-':<14} {t['requester']:<32} {t['subject']}")
    print(f"{len(tickets)} tickets", file=sys.stderr)


def print_ticket(t: dict[str, Any]) -> None:
    print(f"Ticket #{t['number']}: {t['subject']}")
    print(f"  status {t['status']}, {t['kind']}, priority {t['priority']}, queue {t['queue']}, "
          f"organisation {t['organisation'] or '-'}, requester {t['requester']}, "
          f"assignee {t['assignee'] or '-'}")
    print(f"  participants: {', '.join(p['email'] for p in t['participants']) or '-'}")
    for p in t["proposed"]:  # named in a mail nobody vouched for: receives nothing yet
        print(f"  proposed: {p['email']} ({p['reason']}); to add: #cc add {p['email']}")
    print(f"  first response {t['first_response_at'] or '-'}, resolved {t['resolved_at'] or '-'}"
          + (f", follows up #{t['follows']}" if t["follows"] else ""))
    for m in t["messages"]:
        label = {"in": "received", "out": "sent", "note": "internal note"}.get(m["direction"],
                                                                              m["direction"])
        print(f"\n--- {label} {m['created_at']} from {m['from']} to {m['to'] or '-'}\n"
              f"    {m['subject']}")
        print("    " + m["text"].strip().replace("\n", "\n    "))
    if t["attachments"]:
        print("\nAttachments (maild attachment ID writes one out):")
    for a in t["attachments"]:
        print(f"  {a['id']:>6}  {a['name']} ({a['type']}, {a['size']} bytes"
              f"{', inline' if a['inline'] else ''}) {a['direction']} {a['message'] or '-'}")
    print("\nHistory:")
    print_history(t["history"])
    for o in t["outbox"]:
        print(f"  outbox {o['purpose']} to {', '.join(o['to'])} {o['message_id']}: {o['status']} "
              f"({o['attempts']} attempts)")


def print_history(events: list[dict[str, Any]]) -> None:
    for e in events:
        print(f"  {e['created_at']} {e['kind']}: {e['detail']}")


def print_reminders(items: list[dict[str, Any]], days: int) -> None:
    for item in items:
        what = f"ticket #{item['ticket']}" if item["ticket"] else item["organisation"]
        late = " (owed now: waits for office hours)" if item.get("overdue") else ""
        print(f"{item['due_at']}  {item['kind']:<28} {what:<16} -> "
              f"{', '.join(item['recipients']) or 'nobody'}{late}")
    print(f"{len(items)} due in the next {days} days", file=sys.stderr)


def print_organisation(detail: dict[str, Any]) -> None:
    print(f"{detail['name']} ({detail['key']}): {detail['phase']}, account manager "
          f"{detail['account_manager']}, contract from {detail['contract_start'] or '-'}")
    print_history(detail["history"])


def print_quarantined(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        print(f"{r['id']:<6} {r['received_at']} {r['source']:<24} {r['reason']}")


def print_raw_mail(detail: dict[str, Any]) -> None:
    print(f"Raw mail {detail['id']}: {detail['status']}, {detail['size']} bytes from "
          f"{detail['source']}, received {detail['received_at']}, {detail['attempts']} attempts")
    print(f"Reason: {detail['reason'] or '-'}\n\n{detail['headers']}\n\nHistory:")
    print_history(detail["history"])


def print_explanation(report: dict[str, Any]) -> None:
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
    _print_result(report["result"] or {})
    for note in report["notes"]:
        print(f"note:      {note}")


def _print_result(result: dict[str, Any]) -> None:
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


def print_status(report: dict[str, Any]) -> None:
    pid = report["daemon"]["pid"]
    print(f"daemon:     {'running, pid ' + str(pid) if pid else 'not running'} (this host)")
    print(f"database:   {report['database']}")
    for m in report["mailboxes"]:
        state = "ok" if m["ok"] else f"FAILING since {m['last_error_at']}: {m['last_error']}" \
            if m["last_error"] else "not fetched yet"
        print(f"mailbox:    {m['name']} ({m['folder']}): {state}; "
              f"last fetch {m['last_ok_at'] or 'never'}")
    for t in report["tokens"]:
        state = "ok" if t["ok"] else f"FAILING since {t['last_error_at']}: {t['last_error']}" \
            if t["last_error"] else "not used yet"
        print(f"token:      {t['name']}: {state}")
    o = report["outbox"]
    print(f"outbox:     {o['queued']} queued (oldest {o['oldest_age_seconds'] or 0}s, "
          f"{o['deferred']} deferred), {o['failed']} failed, via {o['relay']}"
          + (f"; last error: {o['last_error']}" if o["last_error"] else ""))
    print(f"quarantine: {report['quarantine']['count']}")
    print("tickets:    " + (", ".join(f"{n} {k}" for k, n in sorted(report["tickets"].items()))
                            or "none"))
    schedule, coming = report["schedule"], report["schedule"]["next_reminder"]
    print(f"targets:    {schedule['sla_breaches']} missed by tickets still open")
    print("reminders:  " + (f"next {coming['kind']} for {coming['organisation']} at "
                            f"{coming['due_at']}" if coming else "none in the next two months"))
