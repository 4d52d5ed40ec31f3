"""The report's four formats: `as_json` (stable, documented in docs/admins.md), Markdown, CSV, HTML.

JSON and CSV carry exact figures (times in UTC, durations in seconds) for scripts and
spreadsheets; Markdown and HTML carry the same figures formatted for people (office-local times,
durations as hours:minutes of working time).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from maild.runtime.templates import Renderer
from maild.report.model import IncidentRow, Measure, Report, RequestRow, Summary
from maild.report.view import view
from maild.runtime.worktime import iso_utc

FORMATS = ("md", "csv", "json", "html")


def seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def _iso(value: Any) -> str | None:
    return iso_utc(value) if value is not None else None


# ---------------------------------------------------------------- JSON

def as_json(report: Report) -> dict[str, Any]:
    return {
        "period": {"since": report.period.first.isoformat(), "until": report.period.last.isoformat(
            )},
        "generated_at": iso_utc(report.generated_at),
        "organisation": report.organisation,
        "incidents": [incident_json(r) for r in report.incidents],
        "summary": {"overall": summary_json(report.overall),
                    "by_organisation": [summary_json(s) for s in report.by_organisation],
                    "by_priority": [summary_json(s) for s in report.by_priority]},
        "feature_requests": [request_json(r) for r in report.feature_requests],
        "escalations": [request_json(r) for r in report.escalations],
        "weekly": [{"week_of": w.week_of.isoformat(), "p1": w.by_priority[0], "p2": w.by_priority[
            1],
                    "p3": w.by_priority[2], "p4": w.by_priority[3],
                    "total": w.total} for w in report.weekly],
    }


def incident_json(row: IncidentRow) -> dict[str, Any]:
    t = row.ticket
    return {
        "number": t.number, "subject": t.subject, "organisation": t.organisation,
        "priority": t.priority,
        "priorities": list(t.priorities), "status": t.status, "clock": row.clock,
        "opened_at": _iso(t.opened_at), "clock_from": _iso(t.clock_from), "responded_at": _iso(
            t.responded_at),
        "resolved_at": _iso(t.resolved_at),
        "response": measure_json(row.response), "resolution": measure_json(row.resolution),
        "waiting_seconds": seconds(row.waiting),
    }


def measure_json(measure: Measure) -> dict[str, Any]:
    return {"target_seconds": seconds(measure.target), "seconds": seconds(measure.took),
            "outcome": measure.outcome,
            "margin_seconds": seconds(measure.margin)}


def summary_json(s: Summary) -> dict[str, Any]:
    return {
        "group": s.group, "count": s.count,
        "respond_median_seconds": seconds(s.respond_median), "respond_p90_seconds": seconds(
            s.respond_p90),
        "resolve_median_seconds": seconds(s.resolve_median), "resolve_p90_seconds": seconds(
            s.resolve_p90),
        "response_met": s.response_met, "response_decided": s.response_decided,
        "response_met_percent": s.response_met_percent,
        "resolution_met": s.resolution_met, "resolution_decided": s.resolution_decided,
        "resolution_met_percent": s.resolution_met_percent,
    }


def request_json(row: RequestRow) -> dict[str, Any]:
    t = row.ticket
    return {"number": t.number, "subject": t.subject, "organisation": t.organisation,
            "status": t.status,
            "priority": t.priority, "opened_at": _iso(t.opened_at), "resolved_at": _iso(
                t.resolved_at),
            "assignee": t.assignee, "account_manager": row.account_manager, "outcome": row.outcome}


# ---------------------------------------------------------------- CSV

def as_csv(report: Report) -> str:
    """Sections one after the other, each with its own header row, a blank line between:
    incidents, summaries (`group_by` organisation, priority or all), feature requests,
    escalations."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    incidents = [_flat(incident_json(r)) for r in report.incidents]
    summaries = [{"group_by": by, **summary_json(s)} for by, group in
                 (("all", [report.overall]), ("organisation", report.by_organisation),
                  ("priority", report.by_priority)) for s in group]
    data = as_json(report)
    for number, rows in enumerate((incidents, summaries, data["feature_requests"], data[
        "escalations"])):
        if number:
            writer.writerow([])
        _section(writer, rows)
    return out.getvalue()


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if not isinstance(v, dict)}
    flat["priorities"] = " ".join(str(p) for p in row["priorities"])
    for target in ("response", "resolution"):
        flat.update({f"{target}_{k}": v for k, v in row[target].items()})
    return flat


def _section(writer: Any, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if not rows:
        writer.writerow(["(none)"])
        return
    writer.writerow(rows[0].keys())
    for row in rows:
        writer.writerow("" if v is None else v for v in row.values())


# ---------------------------------------------------------------- Markdown

def as_markdown(report: Report, zone: ZoneInfo) -> str:
    v = view(report, zone)
    title = f"# Service report {v['since']} to {v['until']}" + (f": {v['organisation']}" if v[
        "organisation"] else "")
    lines = [title, "",
             f"Priority 1-3 incidents opened in the period; times are working time (h:mm) on the "
                        f"priority's clock. Generated {v['generated']} ({zone.key}).", "",
                        "## Incidents", ""]
    lines += _table(["#", "organisation", "priority", "status", "opened", "responded", "resolved",
                     "respond",
                     "target", "response", "resolve", "target", "resolution", "waiting"],
                    [[i["number"], i["organisation"], i["priorities"], i["status"], i["opened"], i[
                        "responded"],
                      i["resolved"], i["respond"], i["respond_target"], i["respond_result"], i[
                          "resolve"],
                      i["resolve_target"], i["resolve_result"], i["waiting"]] for i in v[
                          "incidents"]])
    for heading, rows in (("By organisation", v["by_organisation"]), ("By priority", v[
        "by_priority"]),
                          ("All incidents", [v["overall"]])):
        lines += ["", f"## {heading}", ""] + _summary_table(rows)
    for heading, rows in (("Feature requests", v["feature_requests"]), ("Escalations", v[
        "escalations"])):
        lines += ["", f"## {heading}", ""]
        lines += _table(["#", "organisation", "subject", "status", "opened", "assignee",
                         "account manager",
                         "outcome"],
                        [[r["number"], r["organisation"], r["subject"], r["status"], r["opened"], r[
                            "assignee"],
                          r["account_manager"], r["outcome"]] for r in rows])
    return "\n".join(lines) + "\n"


def _summary_table(rows: list[dict[str, Any]]) -> list[str]:
    return _table(["group", "incidents", "respond median", "respond p90", "response met",
                   "resolve median",
                   "resolve p90", "resolution met"],
                  [[s["group"], s["count"], s["respond_median"], s["respond_p90"],
                    f"{s['response_met']} ({s['response_counted']})", s["resolve_median"], s[
                        "resolve_p90"],
                    f"{s['resolution_met']} ({s['resolution_counted']})"] for s in rows])


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    if not rows:
        return ["(none)"]
    cell = lambda value: str(value).replace("|", "\\|").replace("\n", " ")  # noqa: E731 - one use
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
        ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]


# ---------------------------------------------------------------- HTML

def as_html(report: Report, zone: ZoneInfo, renderer: Renderer) -> str:
    """A self-contained page (no external resources) from the admin's `report/page.html`
    template."""
    return renderer.page("report/page.html", {"report": view(report, zone), "zone": zone.key})


def render(report: Report, fmt: str, zone: ZoneInfo, renderer: Renderer) -> str:
    if fmt == "json":
        return json.dumps(as_json(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return as_csv(report)
    if fmt == "html":
        return as_html(report, zone, renderer)
    return as_markdown(report, zone)
