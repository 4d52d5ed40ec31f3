"""APScheduler 3 wiring for `maild run`: a job per reminder kind and organisation (stable ids such
as `reminder:monthly_meeting:uni-bath`), the SLA sweep, the meeting-notes check and a catch-up
pass, rebuilt from the accounts file on start and on reload.

The jobs only wake maild at the right moments. What is sent is decided by the occurrence claims in
the database, so APScheduler keeping nothing across restarts never matters for exactly-once: on
start, the catch-up pass runs at once and handles whatever came due while maild was down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from maild import defaults
from maild.config import Organisation
from maild.schedule import digest, reminders, targets, waiting

if TYPE_CHECKING:
    from maild.runtime import Runtime, Settings

log = logging.getLogger("maild.schedule")
Clock = Callable[[], datetime]
RunInDatabaseThread = Callable[..., Awaitable[Any]]


def utc_clock() -> datetime:
    return datetime.now(timezone.utc)


class OccurrenceTrigger(BaseTrigger):
    """Fires at each due time of one organisation's reminders of some kinds, as the plan says."""

    def __init__(self, settings: Settings, kinds: tuple[str, ...], organisation: str) -> None:
        self.settings, self.kinds, self.organisation = settings, kinds, organisation

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        after = previous_fire_time or now
        start = self.settings.calendar.local_date(after)
        plan = reminders.occurrences(self.settings.directory, self.settings.calendar,
                                     self.settings.config.main.reminders, start, start + timedelta(
                                         days=550),
                                     kinds=self.kinds, organisation=self.organisation)
        return next((r.due_at for r in plan if r.due_at > after or (
            previous_fire_time is None and r.due_at == after)),
                    None)


class DigestTrigger(BaseTrigger):
    """Fires when the office opens on each working day (bank holidays and closures skipped)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        return digest.next_start(self.settings.calendar, previous_fire_time or now,
                                 inclusive=previous_fire_time is None)


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: BaseTrigger
    kinds: tuple[str, ...] = ()  # reminder kinds; empty for a sweep
    organisation: str | None = None
    sweep: Callable[[Settings, datetime], int] = targets.sweep  # when no kinds

    def run(self, settings: Settings, now: datetime) -> int:
        """One pass of this job (on a database thread); returns the mails queued."""
        if not self.kinds:
            return self.sweep(settings, now)
        queued = digest.process_due(settings, now) if digest.KIND in self.kinds else 0
        kinds = tuple(k for k in self.kinds if k != digest.KIND)
        if kinds:
            queued += reminders.process_due(settings, now, kinds, self.organisation)
        return queued


def job_specs(settings: Settings) -> list[JobSpec]:
    main = settings.config.main
    every = IntervalTrigger(seconds=main.service_targets.sweep_seconds, timezone=timezone.utc)
    specs = [JobSpec("sla:sweep", every), JobSpec("waiting:sweep", every, sweep=waiting.sweep)]
    if main.reminders.digest:
        specs.append(JobSpec("digest", DigestTrigger(settings), (digest.KIND,)))
    if not main.reminders.enabled:
        return specs
    for org in settings.config.accounts.organisations:
        specs += [JobSpec(f"reminder:{'annual_review' if len(kinds) > 1 else kinds[0]}:{org.key}",
                          OccurrenceTrigger(settings, kinds, org.key), kinds, org.key)
                  for kinds in _kinds_for(org)]
    specs.append(JobSpec("reminder:meeting_notes", every, ("meeting_notes",)))
    specs.append(JobSpec("reminder:catch-up", IntervalTrigger(
        minutes=defaults.REMINDER_CATCH_UP_MINUTES,
                                                              timezone=timezone.utc),
                         (*reminders.KINDS, *((digest.KIND,) if main.reminders.digest else ()))))
    return specs


def _kinds_for(org: Organisation) -> list[tuple[str, ...]]:
    """The reminder jobs an organisation needs (the annual notice and the day share one job)."""
    wanted: list[tuple[str, ...]] = [("contact_verification",)]
    if org.phase == "implementation" or org.live_from is not None:
        wanted.append(("checkin",))
    if org.reviews.monthly_meeting:
        wanted.append(("monthly_meeting",))
    if org.contract_start is not None and org.reviews.quarterly_review:
        wanted.append(("quarterly_review",))
    if org.contract_start is not None and org.reviews.annual_review:
        wanted.append(("annual_review_notice", "annual_review"))
    return wanted


class Scheduler:
    """The AsyncIOScheduler and its jobs; database work goes through `run_in_db` (a thread)."""

    def __init__(self, runtime: Runtime, run_in_db: RunInDatabaseThread, on_queued: Callable[[],
                                                                                             None],
                 clock: Clock = utc_clock) -> None:
        self.runtime, self.run_in_db = runtime, run_in_db
        self.on_queued, self.clock = on_queued, clock
        self.specs: dict[str, JobSpec] = {}
        self.apscheduler = AsyncIOScheduler(timezone=timezone.utc)

    def start(self) -> None:
        self.rebuild()
        self.apscheduler.start()

    def rebuild(self) -> None:
        """Bring the jobs in line with the current config (on start and after a reload)."""
        settings = self.runtime.settings
        grace = int(settings.config.main.reminders.misfire_grace_minutes * 60) or 1
        self.specs = {spec.id: spec for spec in job_specs(settings)}
        for job in self.apscheduler.get_jobs():
            if job.id not in self.specs:
                job.remove()
        for spec in self.specs.values():
            extra = {"next_run_time": self.clock()} if spec.id == "reminder:catch-up" else {}
            self.apscheduler.add_job(self._fire, spec.trigger, args=[spec.id], id=spec.id,
                                     name=spec.id,
                                     replace_existing=True, coalesce=True, max_instances=1,
                                     misfire_grace_time=grace, **extra)
        log.info("scheduler: %d jobs (%s)", len(self.specs), ", ".join(sorted(self.specs)))

    def shutdown(self) -> None:
        if self.apscheduler.running:
            self.apscheduler.shutdown(wait=False)

    async def _fire(self, job_id: str) -> None:
        spec = self.specs.get(job_id)
        if spec is None:
            return  # removed by a reload meanwhile
        try:
            queued = await self.run_in_db(spec.run, self.runtime.settings, self.clock())
        # One failing pass must not stop the scheduler; the next one retries.
        except Exception:  # noqa: BLE001
            log.exception("scheduler job %s failed", job_id)
            return
        if queued:
            self.on_queued()
