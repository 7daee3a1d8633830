"""Date rules of learning, as pure functions: expiry (003 R4), drip release (R10), progress (R17).

Date-only rules mean the end (expiry) or the start (drip) of that day in the portal's time zone
(contract §3). Everything is compared in UTC.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.courses import DurationRule
from models.modules import DripIntervalUnit, DripReference, DripRule


def end_of_day(day: date, time_zone: str) -> datetime:
    """The last instant of `day` in the portal's zone: expiry "on" a date still allows that day."""
    start_of_next = datetime.combine(day + timedelta(days=1), time.min, ZoneInfo(time_zone))
    return start_of_next.astimezone(ZoneInfo("UTC")) - timedelta(microseconds=1)


def start_of_day(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(time_zone)).astimezone(ZoneInfo("UTC"))


def expiry(course: Any, *, enrolled_at: datetime, started_at: datetime | None, time_zone: str) -> datetime | None:
    """When access ends under the course's duration rule; None is "Never" (or, after start, not yet)."""
    rule = DurationRule(course.duration_rule)
    if rule is DurationRule.ON_SPECIFIC_DATE and course.duration_date is not None:
        return end_of_day(course.duration_date, time_zone)
    if rule is DurationRule.X_DAYS_AFTER_ENROLLMENT and course.duration_days is not None:
        return enrolled_at + timedelta(days=course.duration_days)
    if rule is DurationRule.X_DAYS_AFTER_START and course.duration_days is not None and started_at is not None:
        return started_at + timedelta(days=course.duration_days)
    return None


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months; the 31st lands on the month's last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def available_at(module: Any, *, enrolled_at: datetime, started_at: datetime | None) -> datetime | None:
    """When a module opens for one learner; None while it waits for the course to be started."""
    rule = DripRule(module.drip_rule)
    if rule is DripRule.FIXED_DATE and module.drip_date is not None:
        return module.drip_date
    if rule is not DripRule.SPECIFIC_INTERVAL or not module.drip_interval:
        return enrolled_at
    reference = started_at if module.drip_reference == DripReference.STARTED_DATE else enrolled_at
    if reference is None:
        return None
    unit = DripIntervalUnit(module.drip_interval_unit or DripIntervalUnit.DAY)
    if unit is DripIntervalUnit.MONTH:
        return add_months(reference, module.drip_interval)
    days = module.drip_interval * (7 if unit is DripIntervalUnit.WEEK else 1)
    return reference + timedelta(days=days)


@dataclass(frozen=True, slots=True)
class Progress:
    completed: int
    total: int

    @property
    def percent(self) -> float:
        return round(100 * self.completed / self.total, 2) if self.total else 0.0

    @property
    def display(self) -> str:
        """004's "11/16"."""
        return f"{self.completed}/{self.total}"


def is_available(module: Any, enrollment: Any, at: datetime) -> bool:
    opens = available_at(module, enrolled_at=enrollment.enrolled_at, started_at=enrollment.started_at)
    return opens is not None and opens <= at


def progress(enrollment: Any, modules: Sequence[Any], completed: set[Any], at: datetime) -> Progress:
    """R17: completed over the modules open to this learner now (closed ones are not counted)."""
    open_ids = {m.id for m in modules if is_available(m, enrollment, at)}
    return Progress(completed=len(open_ids & completed), total=len(open_ids))
