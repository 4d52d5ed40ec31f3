"""The account review pack: one organisation's figures for a period, as the values the monthly
meeting and annual review reminders render (HTML part and plain-text part alike, from one view)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from maild.report.model import Period
from maild.report.view import ticket, view

if TYPE_CHECKING:
    from maild.runtime import Settings


def pack(settings: Settings, organisation: str, period: Period, now: datetime, label: str) -> dict[
    str, Any]:
    """The summary table, the open tickets, the missed targets and the weekly chart."""
    # Imported here: load -> schedule.targets -> pipeline -> schedule.reminders -> this module.
    from maild.report import load

    zone = settings.calendar.zone
    report = view(load.report(settings, period, now, organisation), zone)
    return {
        "organisation": settings.directory.organisations[organisation].name,
        "label": label, "since": report["since"], "until": report["until"], "generated": report[
            "generated"],
        "zone": zone.key, "summary": report["by_priority"], "overall": report["overall"],
        "incidents": len(report["incidents"]), "missed": report["missed"], "chart": report["chart"],
        "colours": report["colours"], "feature_requests": report["feature_requests"],
        "open_tickets": [ticket(t, zone) for t in load.open_tickets(settings, organisation,
                                                                    period)],
    }


def last_month(today: date) -> Period:
    """The calendar month before `today`'s."""
    first_of_this = today.replace(day=1)
    last = first_of_this - timedelta(days=1)
    return Period(last.replace(day=1), last)


def contract_year(review: date, today: date) -> Period:
    """The contract year that ends at `review` (the anniversary), up to the day before `today`:
    the notice goes out weeks before the year is over, so it carries the year so far."""
    try:
        began = review.replace(year=review.year - 1)
    except ValueError:  # 29 February
        began = review.replace(year=review.year - 1, day=28)
    return Period(began, max(began, min(today - timedelta(days=1), review - timedelta(days=1))))
