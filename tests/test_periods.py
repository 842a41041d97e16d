"""Rolling report periods and their comparisons, on a fixed clock across week, month,
quarter and year ends, a leap day and 春节."""
from __future__ import annotations

import datetime as dt

import pytest

from ecomlib import periods as P

D = dt.date


def _r(period, as_of, **kw):
    p = P.resolve(period, as_of, **kw)
    return (p.start, p.end)


def test_last_month_as_of_the_31st_is_the_month_before():
    """The acceptance case: as of 2025-12-31 December is not over: last month = November."""
    p = P.resolve("last_month", "2025-12-31")
    assert (p.start, p.end) == (D(2025, 11, 1), D(2025, 11, 30))
    assert (p.previous_start, p.previous_end) == (D(2025, 10, 1), D(2025, 10, 31))
    assert (p.year_ago_start, p.year_ago_end) == (D(2024, 11, 1), D(2024, 11, 30))
    assert _r("last_month", "2026-01-01") == (D(2025, 12, 1), D(2025, 12, 31))
    assert p.label() == "上月 2025-11-01 至 2025-11-30"
    assert p.label("en") == "Last month 2025-11-01 to 2025-11-30"


def test_latest_means_the_morning_after_the_latest_data_day():
    p = P.resolve("yesterday", "latest", latest="2025-12-31")
    assert (p.start, p.end, p.as_of) == (D(2025, 12, 31), D(2025, 12, 31), D(2026, 1, 1))
    assert (p.previous_start, p.year_ago_start) == (D(2025, 12, 30), D(2024, 12, 31))
    with pytest.raises(ValueError, match="latest complete data day"):
        P.resolve("yesterday", "latest", latest=None)


@pytest.mark.parametrize("as_of, period, want", [
    # a Monday morning: last week is the week just ended
    ("2025-12-29", "last_week", (D(2025, 12, 22), D(2025, 12, 28))),
    # a Wednesday: this week is not over, last week is the one before
    ("2025-12-31", "last_week", (D(2025, 12, 22), D(2025, 12, 28))),
    ("2025-12-31", "week_to_date", (D(2025, 12, 29), D(2025, 12, 30))),
    ("2025-12-31", "month_to_date", (D(2025, 12, 1), D(2025, 12, 30))),
    ("2026-01-01", "month_to_date", (D(2025, 12, 1), D(2025, 12, 31))),
    ("2025-10-01", "last_quarter", (D(2025, 7, 1), D(2025, 9, 30))),
    ("2025-09-30", "last_quarter", (D(2025, 4, 1), D(2025, 6, 30))),
    ("2025-11-15", "quarter_to_date", (D(2025, 10, 1), D(2025, 11, 14))),
    ("2026-01-01", "year_to_date", (D(2025, 1, 1), D(2025, 12, 31))),
    ("2026-01-01", "last_12_months", (D(2025, 1, 1), D(2025, 12, 31))),
    ("2025-12-31", "last_12_months", (D(2024, 12, 1), D(2025, 11, 30))),
    ("2025-06-19", "last_7_days", (D(2025, 6, 12), D(2025, 6, 18))),
    ("2025-06-19", "last_30_days", (D(2025, 5, 20), D(2025, 6, 18))),
    # 春节 2026 is February 17: the period does not move with the holiday
    ("2026-02-18", "yesterday", (D(2026, 2, 17), D(2026, 2, 17))),
])
def test_periods_on_a_fixed_clock(as_of, period, want):
    assert _r(period, as_of) == want


def test_comparisons_have_the_same_kind_and_length():
    p = P.resolve("month_to_date", "2025-03-31")  # March 1..30 -> February 1..28
    assert (p.previous_start, p.previous_end) == (D(2025, 2, 1), D(2025, 2, 28))
    p = P.resolve("last_7_days", "2025-03-01")
    assert (p.previous_start, p.previous_end) == (D(2025, 2, 15), D(2025, 2, 21))
    p = P.resolve("custom", None, start="2024-02-29", end="2024-03-02")
    assert (p.year_ago_start, p.year_ago_end) == (D(2023, 2, 28), D(2023, 3, 2))
    assert (p.previous_start, p.previous_end) == (D(2024, 2, 26), D(2024, 2, 28))
    p = P.resolve("quarter_to_date", "2025-05-31")  # Apr 1..May 30 -> Jan 1..Mar 1? no: ..Mar 30
    assert (p.previous_start, p.previous_end) == (D(2025, 1, 1), D(2025, 2, 28))
    p = P.resolve("last_12_months", "2026-01-01")
    assert (p.previous_start, p.previous_end) == (D(2024, 1, 1), D(2024, 12, 31))


def test_bad_periods_say_what_is_wrong():
    with pytest.raises(ValueError, match="period must be one of"):
        P.resolve("last_fortnight", "2025-01-01")
    with pytest.raises(ValueError, match="needs start and end"):
        P.resolve("custom", "2025-01-01")
    with pytest.raises(ValueError, match="after end"):
        P.resolve("custom", None, start="2025-02-01", end="2025-01-01")


def test_from_parameters_takes_the_runners_days_as_they_are():
    """Run by the runner every day is given: nothing is resolved again (no warehouse read);
    as_of latest is the day after the end."""
    p = P.from_parameters(None, "finance", "last_month", "latest", "2025-11-01", "2025-11-30",
                          "2025-10-01", "2025-10-31", "2024-11-01", "2024-11-30")
    assert (p.name, p.start, p.end, p.as_of) == ("last_month", dt.date(2025, 11, 1),
                                                 dt.date(2025, 11, 30), dt.date(2025, 12, 1))
    assert (p.previous_start, p.year_ago_end) == (dt.date(2025, 10, 1), dt.date(2024, 11, 30))
    q = P.from_parameters(None, "members", "", "2025-12-31", "2025-01-01", "2025-12-31",
                          "2024-01-01", "2024-12-31", "2024-01-01", "2024-12-31")
    assert q.name == "custom" and q.as_of == dt.date(2025, 12, 31)
