"""Staff commands: `#word arguments` lines at the top of a staff reply; the rest is the answer.

Parsing checks every command before anything is applied, so a reply with one bad command changes
nothing (the sender is told what was wrong). Command lines are found only at the very top: a `#`
further down is part of the answer, except one `#answer NAME` line on its own, which may follow
the staff member's own text (that text goes on top of the canned answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import get_args

from maild.config import ADDRESS_RE, Kind

COMMAND_LINE = re.compile(r"^#([A-Za-z][A-Za-z_-]*)\b\s*(.*)$")
ANSWER_LINE = re.compile(r"^#answer\b[ \t]*(.*)$", re.IGNORECASE | re.MULTILINE)
ANSWER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
STARTING = {"to"}  # commands only a mail that starts a ticket may give
ON_TICKET = {"merge"}  # commands only a reply on a ticket may give
STATUS_COMMANDS = {"close": "closed", "resolve": "resolved", "reopen": "open", "pending": "pending"}
KINDS = {"feature": "feature_request", **{k: k for k in get_args(Kind)}}


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""  # normalised: "2", a staff key, a kind, "add x@y", a note, an ISO date-time


@dataclass
class StaffReply:
    commands: list[Command] = field(default_factory=list)
    answer: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def is_note(self) -> bool:
        return any(c.name == "note" for c in self.commands)

    @property
    def canned(self) -> str:
        """The canned answer asked for (`#answer NAME`), or ""."""
        return next((c.argument for c in self.commands if c.name == "answer"), "")

    def argument(self, name: str) -> str | None:
        return next((c.argument for c in self.commands if c.name == name), None)

    def status(self) -> str | None:
        return next((STATUS_COMMANDS[c.name] for c in self.commands if c.name in STATUS_COMMANDS),
                    None)


def parse_staff_reply(text: str, staff_keys: dict[str, str]) -> StaffReply:
    """Split `text` into commands and answer; `staff_keys` maps lower-case names and keys to
    keys."""
    lines = text.split("\n")
    reply = StaffReply()
    i = 0
    while i < len(lines) and (not lines[i].strip() or COMMAND_LINE.match(lines[i].strip())):
        if lines[i].strip():
            _parse_line(lines[i].strip(), staff_keys, reply)
        i += 1
    reply.answer = "\n".join(lines[i:]).strip()
    _answer_below_text(reply, staff_keys)
    statuses = [c.name for c in reply.commands if c.name in STATUS_COMMANDS]
    if len(statuses) > 1:
        reply.errors.append(f"conflicting status commands: {', '.join('#' + s for s in statuses)}")
    return reply


def _answer_below_text(reply: StaffReply, staff_keys: dict[str, str]) -> None:
    """`#answer NAME` on a line of its own after the staff member's text: the text stays on top."""
    if any(c.name == "answer" for c in reply.commands):
        return
    found = ANSWER_LINE.search(reply.answer)
    if found is None:
        return
    _parse_line(found.group(0).strip(), staff_keys, reply)
    reply.answer = (reply.answer[:found.start()] + reply.answer[found.end():]).strip()


def _parse_line(line: str, staff_keys: dict[str, str], reply: StaffReply) -> None:
    found = COMMAND_LINE.match(line)
    assert found is not None
    name, argument = found.group(1).lower(), found.group(2).strip()
    parser = PARSERS.get(name)
    if parser is None:
        reply.errors.append(
            f"{line}: unknown command (known: {', '.join('#' + n for n in PARSERS)})")
        return
    try:
        reply.commands.append(Command(name, parser(argument, staff_keys)))
    except ValueError as exc:
        reply.errors.append(f"{line}: {exc}")


def _no_argument(argument: str, _: dict[str, str]) -> str:
    if argument:
        raise ValueError("takes no argument")
    return ""


def _priority(argument: str, _: dict[str, str]) -> str:
    if argument not in ("1", "2", "3", "4"):
        raise ValueError("priority must be 1, 2, 3 or 4")
    return argument


def _assign(argument: str, staff_keys: dict[str, str]) -> str:
    key = staff_keys.get(argument.lower())
    if key is None:
        raise ValueError(
            f"no staff member called {argument!r}" if argument else "whom? e.g. #assign alice")
    return key


def _kind(argument: str, _: dict[str, str]) -> str:
    kind = KINDS.get(argument.lower())
    if kind is None:
        raise ValueError(f"kind must be one of {', '.join(sorted(KINDS))}")
    return kind


def _cc(argument: str, _: dict[str, str]) -> str:
    action, _, address = argument.partition(" ")
    address = address.strip().strip("<>").lower()
    if action.lower() not in ("add", "remove") or not ADDRESS_RE.match(address):
        raise ValueError("expected #cc add ADDRESS or #cc remove ADDRESS")
    return f"{action.lower()} {address}"


def _note(argument: str, _: dict[str, str]) -> str:
    return argument


def _attachment_ids(argument: str, _: dict[str, str]) -> str:
    """`#attachments` (all of the ticket's) or `#attachments 12 14`."""
    ids = argument.replace(",", " ").split()
    if not all(i.isdigit() for i in ids):
        raise ValueError("expected #attachments or #attachments ID ... (IDs a notification names)")
    return " ".join(ids)


def _meeting(argument: str, _: dict[str, str]) -> str:
    """`#meeting` (now), `#meeting 2026-11-23` or `#meeting 2026-11-23 14:00`: when it was held."""
    if not argument:
        return ""
    day, _, clock = argument.partition(" ")
    try:
        when = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock.strip(
            )) if clock else time(9))
    except ValueError:
        raise ValueError(
            "expected #meeting, #meeting YYYY-MM-DD or #meeting YYYY-MM-DD HH:MM") from None
    return when.isoformat(timespec="minutes")


def _to(argument: str, _: dict[str, str]) -> str:
    address = argument.strip().strip("<>").lower()
    if not ADDRESS_RE.match(address):
        raise ValueError("expected #to ADDRESS (the customer to write to)")
    return address


def _merge(argument: str, _: dict[str, str]) -> str:
    number = argument.strip().lstrip("#")
    if not number.isdigit() or int(number) < 1:
        raise ValueError("expected #merge N (the ticket to fold this one into)")
    return str(int(number))


def _answer(argument: str, _: dict[str, str]) -> str:
    if not ANSWER_NAME.match(argument.strip().lower()):
        raise ValueError("expected #answer NAME (a canned answer's name)")
    return argument.strip().lower()


PARSERS = {
    "close": _no_argument, "resolve": _no_argument, "reopen": _no_argument, "pending": _no_argument,
    "priority": _priority, "assign": _assign, "take": _no_argument, "kind": _kind, "cc": _cc,
    "note": _note, "meeting": _meeting, "answer": _answer, "merge": _merge, "to": _to,
    "attachments": _attachment_ids,
}


def check_place(reply: StaffReply, starting: bool) -> None:
    """Add an error for each command given where it means nothing (`#to` on a reply, `#merge` on
    a mail that starts a ticket)."""
    for command in reply.commands:
        if not starting and command.name in STARTING:
            reply.errors.append(f"#{command.name}: starts a new ticket; write to the helpdesk "
                                "(or your address for starting tickets) instead of replying")
        elif starting and command.name in ON_TICKET:
            reply.errors.append(f"#{command.name}: only in a reply on a ticket")
