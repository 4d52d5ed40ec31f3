"""What is coming: reminders, service-target notices and what waiting tickets have coming, with
who gets what when (`maild reminders`, `maild status`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from maild.runtime.worktime import as_utc
from maild.schedule import reminders, targets, waiting

if TYPE_CHECKING:
    from maild.runtime import Settings


def agenda(settings: Settings, now: datetime, days: int) -> list[dict[str, Any]]:
    """Everything due within `days`, by time; service-target notices already owed come first."""
    until = as_utc(now) + timedelta(days=days)
    items = [r.as_json() for r in reminders.upcoming(settings, now, days)]
    items += [d.as_json(settings, now) for d in targets.deadlines(settings) if as_utc(
        d.at) <= until]
    items += [step.as_json() for step in waiting.coming(settings) if step.at <= until]
    return sorted(items, key=lambda item: item["due_at"])


def summary(settings: Settings, now: datetime) -> dict[str, Any]:
    """For `maild status`: the next reminder and the targets missed by tickets still running."""
    coming = reminders.upcoming(settings, now, 62)
    return {"next_reminder": coming[0].as_json() if coming else None,
            "sla_breaches": targets.breaches(settings, now)}
