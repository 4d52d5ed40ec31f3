"""The report as plain, already formatted values: what the Markdown, HTML and mail renderers show,
so every format (and both parts of a mail) prints the very same figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from maild.report.model import (
    BEFORE_PRIORITY,
    MET,
    MISSED,
    NO_TARGET,
    OPEN,
    IncidentRow,
    Measure,
    Report,
    RequestRow,
    Summary,
    TicketFacts,
    WeekCount,
)

PRIORITY_COLOURS = ("#c0392b", "#e67e22", "#2e86c1", "#95a5a6")  # P1 red .. P4 grey
BAR_PIXELS = 240  # the widest week's bar
RESULT_WORDS = {OPEN: "open", NO_TARGET: "no target", BEFORE_PRIORITY: "before this priority"}


def duration(value: timedelta | None) -> str:
    """Hours and minutes (`26:30`), rounded down to the minute; `-` when there is nothing to
    show."""
    if value is None:
        return "-"
    minutes = int(value.total_seconds()) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def moment(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "-"


def result(measure: Measure) -> str:
    """`met (3:00 spare)`, `MISSED by 2:30`, `open`, `no target`, `before this priority`."""
    margin = measure.margin
    if measure.outcome == MET and margin is not None:
        return f"met ({duration(margin)} spare)"
    if measure.outcome == MISSED and margin is not None:
        return f"MISSED by {duration(-margin)}"
    return RESULT_WORDS.get(measure.outcome, measure.outcome)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def incident(row: IncidentRow, zone: ZoneInfo) -> dict[str, Any]:
    t = row.ticket
    return {
        "number": t.number, "subject": t.subject, "organisation": t.organisation or "-",
        "priority": f"P{t.priority}", "priorities": " > ".join(f"P{p}" for p in t.priorities),
        "status": t.status, "clock": row.clock,
        "opened": moment(t.opened_at, zone), "clock_from": moment(t.clock_from, zone),
        "responded": moment(t.responded_at, zone), "resolved": moment(t.resolved_at, zone),
        "respond": duration(row.response.took), "respond_target": duration(row.response.target),
        "respond_result": result(row.response), "respond_missed": row.response.outcome == MISSED,
        "resolve": duration(row.resolution.took), "resolve_target": duration(row.resolution.target),
        "resolve_result": result(row.resolution),
        "resolve_missed": row.resolution.outcome == MISSED,
        "waiting": duration(row.waiting),
    }


def summary(s: Summary) -> dict[str, Any]:
    return {
        "group": s.group, "count": s.count,
        "respond_median": duration(s.respond_median), "respond_p90": duration(s.respond_p90),
        "resolve_median": duration(s.resolve_median), "resolve_p90": duration(s.resolve_p90),
        "response_met": percent(s.response_met_percent),
        "response_counted": f"{s.response_met}/{s.response_decided}",
        "resolution_met": percent(s.resolution_met_percent),
        "resolution_counted": f"{s.resolution_met}/{s.resolution_decided}",
    }


def request(row: RequestRow, zone: ZoneInfo) -> dict[str, Any]:
    t = row.ticket
    return {"number": t.number, "subject": t.subject, "organisation": t.organisation or "-",
            "status": t.status, "opened": moment(t.opened_at, zone), "assignee": t.assignee or "-",
            "account_manager": row.account_manager or "-", "outcome": row.outcome}


def ticket(t: TicketFacts, zone: ZoneInfo) -> dict[str, Any]:
    return {"number": t.number, "subject": t.subject, "kind": t.kind, "priority": f"P{t.priority}",
            "status": t.status, "opened": moment(t.opened_at, zone), "assignee": t.assignee or "-"}


def chart(weeks: list[WeekCount]) -> list[dict[str, Any]]:
    """One stacked bar a week: a segment per priority, its width in pixels (integers only, so the
    HTML needs nothing but table cells with a width and a background colour)."""
    widest = max((w.total for w in weeks), default=0) or 1
    return [{"label": f"{w.week_of:%d %b}", "week_of": w.week_of.isoformat(), "total": w.total,
             "counts": list(w.by_priority),
             "segments": [{"priority": p + 1, "count": n, "colour": PRIORITY_COLOURS[p],
                           "width": max(round(n * BAR_PIXELS / widest), 2)}
                          for p, n in enumerate(w.by_priority) if n]}
            for w in weeks]


def view(report: Report, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "since": report.period.first.isoformat(), "until": report.period.last.isoformat(),
        "generated": moment(report.generated_at, zone), "organisation": report.organisation,
        "incidents": [incident(r, zone) for r in report.incidents],
        "missed": [incident(r, zone) for r in report.incidents
                   if MISSED in (r.response.outcome, r.resolution.outcome)],
        "overall": summary(report.overall),
        "by_organisation": [summary(s) for s in report.by_organisation],
        "by_priority": [summary(s) for s in report.by_priority],
        "feature_requests": [request(r, zone) for r in report.feature_requests],
        "escalations": [request(r, zone) for r in report.escalations],
        "chart": chart(report.weekly),
        "colours": [{"priority": p + 1, "colour": c} for p, c in enumerate(PRIORITY_COLOURS)],
    }
