"""Cron expressions as crontab(5) reads them, on APScheduler 3's CronTrigger: its weekday numbers
(0 = Monday there, Sunday in crontab) and its rule for both day fields (all fields must match
there; either day field in crontab when both are restricted) differ from crontab's.
"""

from __future__ import annotations

from typing import Any


def is_cron(text: str) -> bool:
    """Whether a schedule is a cron expression: five fields ('0 6 * * 1'), not a duration ('6h')."""
    return len(str(text).split()) == 5


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # crontab(5): 0 and 7 are Sunday


def _crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field with its numbers written as day names. APScheduler 3 reads
    numbers as 0 = Monday (its issue #286, fixed only in 4.0), so "0 6 * * 1" fired on Tuesdays;
    names mean the same to both. Numeric ranges and steps become the days they stand for.
    Raises ValueError for a day number above 7."""
    out: list[str] = []
    for item in field.split(","):
        body, _, step = item.partition("/")
        lo_hi = body.split("-")
        if body == "*":
            lo, hi = 0, 6
        elif all(x.isdigit() for x in lo_hi) and len(lo_hi) <= 2:
            # "5" is one day; "5/2" runs from 5 to the end of the week, as in crontab(5).
            lo = int(lo_hi[0])
            hi = int(lo_hi[1]) if len(lo_hi) == 2 else (6 if step else lo)
        else:
            out.append(item)  # names ("mon-fri") or something APScheduler will judge
            continue
        if body == "*" and not step:
            out.append("*")
            continue
        if max(lo, hi) > 7:
            # APScheduler would say "the maximum value (6)" (its 0-6) while crontab's 7 is accepted.
            raise ValueError(f"day of week {item!r} is out of range: crontab's days of the week are 0-7 (0 and 7 are Sunday)")
        if not (lo <= hi) or (step and not step.isdigit()) or step == "0":
            out.append(item)  # out of range: left for APScheduler to refuse
            continue
        days = range(lo, hi + 1, int(step or 1))
        out.extend(_CRON_DAYS[d] for d in days)
    return ",".join(dict.fromkeys(out))


def cron_trigger(text: str) -> Any:
    """An APScheduler trigger (UTC) for a five-field crontab expression, read as crontab(5) reads
    it: crontab's weekday numbers (see `_crontab_weekdays`), and a day-of-month and a day-of-week
    that are both restricted (neither starts with '*') match on EITHER ("0 6 1 * 1": the 1st of
    the month and every Monday). APScheduler 3 wants every field to match, so that one is an
    OrTrigger of two CronTriggers, one per day field (its documented way to combine schedules:
    the earliest next fire time of either). Raises ValueError for a bad expression."""
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, dom, month, dow = str(text).split()

    def cron(day: str, day_of_week: str) -> Any:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone="UTC"
        )

    if dom.startswith("*") or dow.startswith("*"):  # cron's own test: then both must match
        return cron(dom, _crontab_weekdays(dow))
    return OrTrigger([cron(dom, "*"), cron("*", _crontab_weekdays(dow))])
