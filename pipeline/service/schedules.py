"""A site's ``schedule`` (``{ cron = "*/30 * * * *" }`` or ``{ every = "15m" }``) as an APScheduler trigger.

Cron expressions are read in the site's timezone (the newsroom's working day), intervals count from a start time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pipeline.sites import Site

__all__ = ["JOBS_TABLE", "JOB_PREFIX", "every_interval", "next_run_after", "trigger_for"]

# The scheduled service keeps one APScheduler job per site, id "crawl:<site>", in this table of the archive database.
JOBS_TABLE = "apscheduler_jobs"
JOB_PREFIX = "crawl:"

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def every_interval(value: str) -> timedelta:
    """``"15m"`` → 15 minutes (units s, m, h, d; the site loader has validated the form)."""
    text = value.strip()
    return timedelta(seconds=float(text[:-1]) * _UNITS[text[-1]])


def trigger_for(site: Site, start: datetime | None = None) -> BaseTrigger | None:
    """The site's trigger, or None for a site without a schedule (crawled by hand only)."""
    schedule = site.schedule or {}
    if "cron" in schedule:
        return CronTrigger.from_crontab(schedule["cron"], timezone=site.tz)
    if "every" in schedule:
        return IntervalTrigger(seconds=every_interval(schedule["every"]).total_seconds(), start_date=start, timezone=site.tz)
    return None


def next_run_after(site: Site, now: datetime, last_scheduled_start: datetime | None) -> datetime | None:
    """When the site's next scheduled crawl is due: the cron's next time, or the last scheduled start plus the
    interval (now, when that is past). None without a schedule, or for an interval never run by the scheduler (it
    then runs when the scheduler starts)."""
    schedule = site.schedule or {}
    if "every" in schedule:
        if last_scheduled_start is None:
            return None
        return max(now, last_scheduled_start + every_interval(schedule["every"]))
    trigger = trigger_for(site)
    return trigger.get_next_fire_time(None, now) if trigger is not None else None
