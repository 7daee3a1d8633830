"""Date rules at their boundaries: expiry (003 R4), drip (R10), progress (R17)."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from models.courses import DurationRule
from models.modules import DripIntervalUnit, DripReference, DripRule
from resolvers.schedule import Progress, add_months, available_at, end_of_day, expiry, is_available, progress

ENROLLED = datetime(2026, 1, 31, 22, 30, tzinfo=UTC)


def course(rule: DurationRule, days: int | None = None, on: date | None = None) -> SimpleNamespace:
    return SimpleNamespace(duration_rule=rule, duration_days=days, duration_date=on)


def module(rule: DripRule, **fields: object) -> SimpleNamespace:
    defaults = {"drip_date": None, "drip_interval": None, "drip_interval_unit": None, "drip_reference": None}
    return SimpleNamespace(id=fields.pop("id", 1), drip_rule=rule, **{**defaults, **fields})


def test_expiry_on_a_date_is_the_end_of_that_day_in_the_portals_zone() -> None:
    ends = expiry(
        course(DurationRule.ON_SPECIFIC_DATE, on=date(2026, 3, 1)),
        enrolled_at=ENROLLED,
        started_at=None,
        time_zone="Europe/Amsterdam",
    )
    assert ends == datetime(2026, 3, 1, 22, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999999 CET
    assert end_of_day(date(2026, 7, 1), "America/New_York") == datetime(2026, 7, 2, 3, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "started", "expected"),
    [
        (DurationRule.UNLIMITED, None, None),
        (DurationRule.X_DAYS_AFTER_ENROLLMENT, None, ENROLLED + timedelta(days=10)),
        (DurationRule.X_DAYS_AFTER_START, None, None),  # not until started
        (DurationRule.X_DAYS_AFTER_START, ENROLLED + timedelta(days=2), ENROLLED + timedelta(days=12)),
    ],
)
def test_duration_rules(rule: DurationRule, started: datetime | None, expected: datetime | None) -> None:
    assert expiry(course(rule, days=10), enrolled_at=ENROLLED, started_at=started, time_zone="UTC") == expected


def test_months_land_on_the_last_day_of_a_shorter_month() -> None:
    assert add_months(ENROLLED, 1) == datetime(2026, 2, 28, 22, 30, tzinfo=UTC)
    assert add_months(ENROLLED, 13) == datetime(2027, 2, 28, 22, 30, tzinfo=UTC)


def test_drip_rules() -> None:
    fixed = module(DripRule.FIXED_DATE, drip_date=datetime(2026, 2, 3, tzinfo=UTC))
    weekly = module(DripRule.SPECIFIC_INTERVAL, drip_interval=2, drip_interval_unit=DripIntervalUnit.WEEK)
    from_start = module(
        DripRule.SPECIFIC_INTERVAL, drip_interval=1, drip_interval_unit=DripIntervalUnit.DAY,
        drip_reference=DripReference.STARTED_DATE,
    )  # fmt: skip
    assert available_at(module(DripRule.IMMEDIATELY), enrolled_at=ENROLLED, started_at=None) == ENROLLED
    assert available_at(fixed, enrolled_at=ENROLLED, started_at=None) == datetime(2026, 2, 3, tzinfo=UTC)
    assert available_at(weekly, enrolled_at=ENROLLED, started_at=None) == ENROLLED + timedelta(weeks=2)
    assert available_at(from_start, enrolled_at=ENROLLED, started_at=None) is None
    assert available_at(from_start, enrolled_at=ENROLLED, started_at=ENROLLED) == ENROLLED + timedelta(days=1)


def test_a_module_opens_at_the_exact_instant_of_its_drip() -> None:
    fixed = module(DripRule.FIXED_DATE, drip_date=datetime(2026, 2, 3, tzinfo=UTC))
    enrollment = SimpleNamespace(enrolled_at=ENROLLED, started_at=None)
    assert not is_available(fixed, enrollment, datetime(2026, 2, 2, 23, 59, 59, tzinfo=UTC))
    assert is_available(fixed, enrollment, datetime(2026, 2, 3, tzinfo=UTC))


def test_progress_counts_only_open_modules_and_shows_004s_display() -> None:
    enrollment = SimpleNamespace(enrolled_at=ENROLLED, started_at=None)
    later = module(DripRule.FIXED_DATE, id=99, drip_date=datetime(2030, 1, 1, tzinfo=UTC))
    opened = [module(DripRule.IMMEDIATELY, id=i) for i in range(16)]
    counted = progress(enrollment, [*opened, later], set(range(11)) | {99}, ENROLLED)
    assert (counted.completed, counted.total, counted.percent, counted.display) == (11, 16, 68.75, "11/16")
    assert Progress(0, 0).percent == 0.0
