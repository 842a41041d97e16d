"""Report periods relative to a day: ``yesterday``, ``last_week``, ``month_to_date`` ... and
their comparison periods (环比, 同比).

``as_of`` is the day a report is run for, as a seller reads it in the morning: its data ends
the day before (``as_of`` itself is not over yet). ``as_of="latest"`` means the morning after
the latest complete data day of the report's scope, so ``yesterday`` is that day. Every
period ends on or before ``as_of - 1`` (call it *y*):

=================  =======================================================================
period             days (inclusive)
=================  =======================================================================
yesterday          y
last_7_days        y - 6 .. y                 (last_30_days likewise)
week_to_date       Monday of y's week .. y    (weeks run Monday to Sunday)
last_week          the latest whole week that ends on or before y
month_to_date      the 1st of y's month .. y
last_month         the latest whole month that ends on or before y
quarter_to_date    the 1st of y's quarter .. y
last_quarter       the latest whole quarter that ends on or before y
year_to_date       January 1 of y's year .. y
last_12_months     the 12 whole months that end with the latest whole month ending by y
custom             ``start`` .. ``end`` as given
=================  =======================================================================

So a report run on 2026-01-01 for ``last_month`` shows December 2025, and one run "as of"
2025-12-31 shows November 2025 (December is not over on the 31st's morning).

Comparisons: 环比 (``previous``) is the period just before, of the same kind: the previous
week, month, quarter or 12 months; for N-day windows and custom periods the N days before;
for X-to-date periods the same number of days from the start of the previous X (clipped to
its end). 同比 (``year_ago``) is the same days one year earlier (February 29 -> 28).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

PERIODS = ("yesterday", "last_7_days", "last_30_days", "week_to_date", "last_week",
           "month_to_date", "last_month", "quarter_to_date", "last_quarter", "year_to_date",
           "last_12_months", "custom")
#: the period each report shows when none is given (README: "Report periods")
DEFAULT_PERIOD = {"overview": "yesterday", "channels": "last_week", "finance": "last_month",
                  "members": "last_12_months", "inventory": "last_30_days"}
ZH = {"yesterday": "昨日", "last_7_days": "近7天", "last_30_days": "近30天",
      "week_to_date": "本周至今", "last_week": "上周", "month_to_date": "本月至今",
      "last_month": "上月", "quarter_to_date": "本季度至今", "last_quarter": "上季度",
      "year_to_date": "本年至今", "last_12_months": "近12个月", "custom": "自定义"}
EN = {"yesterday": "Yesterday", "last_7_days": "Last 7 days", "last_30_days": "Last 30 days",
      "week_to_date": "Week to date", "last_week": "Last week",
      "month_to_date": "Month to date", "last_month": "Last month",
      "quarter_to_date": "Quarter to date", "last_quarter": "Last quarter",
      "year_to_date": "Year to date", "last_12_months": "Last 12 months", "custom": "Custom"}


@dataclass(frozen=True)
class Period:
    """A resolved period: ``start``..``end`` inclusive, its 环比 and 同比 periods, and the
    ``as_of`` day it was resolved for."""

    name: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    previous_start: dt.date
    previous_end: dt.date
    year_ago_start: dt.date
    year_ago_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self, lang: str = "zh") -> str:
        """``上月 2025-11-01 至 2025-11-30`` / ``Last month 2025-11-01 to 2025-11-30``."""
        word = (ZH if lang == "zh" else EN)[self.name]
        if self.start == self.end:
            return f"{word} {self.start.isoformat()}"
        join = " 至 " if lang == "zh" else " to "
        return f"{word} {self.start.isoformat()}{join}{self.end.isoformat()}"

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in asdict(self).items()}


def _date(v) -> dt.date:
    return pd.Timestamp(v).date()


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _add_months(d: dt.date, n: int) -> dt.date:
    """The same day ``n`` months later (clipped to the month's last day)."""
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(d.day, last))


def _month_end(d: dt.date) -> dt.date:
    return _add_months(_month_start(d), 1) - dt.timedelta(days=1)


def _quarter_start(d: dt.date) -> dt.date:
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _year_ago(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # February 29
        return d.replace(year=d.year - 1, day=28)


def resolve(period: str = "yesterday", as_of="latest", latest=None, start=None,
            end=None) -> Period:
    """The days of ``period`` for ``as_of`` (see the module docstring).

    ``as_of``: a date, or ``"latest"`` = ``latest`` (the latest complete data day) + 1 day.
    ``start``/``end``: only for ``custom`` (both inclusive, required then).
    """
    if period not in PERIODS:
        raise ValueError(f"periods.resolve: period must be one of {', '.join(PERIODS)}; "
                         f"got {period!r}")
    if period == "custom" and as_of in (None, "", "latest") and latest is None \
            and end not in (None, ""):
        as_of = _date(end) + dt.timedelta(days=1)  # (a custom period needs no anchor)
    if as_of in (None, "", "latest"):
        if latest is None:
            raise ValueError("periods.resolve: as_of='latest' needs the latest complete data "
                             "day (the warehouse has no data in the report's scope?)")
        as_of_d = _date(latest) + dt.timedelta(days=1)
    else:
        as_of_d = _date(as_of)
    y = as_of_d - dt.timedelta(days=1)
    day = dt.timedelta(days=1)
    if period == "custom":
        if start in (None, "") or end in (None, ""):
            raise ValueError("periods.resolve: period 'custom' needs start and end "
                             "(YYYY-MM-DD, both inclusive)")
        a, b = _date(start), _date(end)
        if b < a:
            raise ValueError(f"periods.resolve: start {a} is after end {b}")
        n = (b - a).days + 1
        prev = (a - dt.timedelta(days=n), a - day)
    elif period == "yesterday":
        a = b = y
        prev = (y - day, y - day)
    elif period in ("last_7_days", "last_30_days"):
        n = 7 if period == "last_7_days" else 30
        a, b = y - dt.timedelta(days=n - 1), y
        prev = (a - dt.timedelta(days=n), a - day)
    elif period == "week_to_date":
        a, b = y - dt.timedelta(days=y.weekday()), y
        prev = (a - dt.timedelta(days=7), b - dt.timedelta(days=7))
    elif period == "last_week":
        b = y if y.weekday() == 6 else y - dt.timedelta(days=y.weekday() + 1)
        a = b - dt.timedelta(days=6)
        prev = (a - dt.timedelta(days=7), a - day)
    elif period == "month_to_date":
        a, b = _month_start(y), y
        pa = _add_months(a, -1)
        prev = (pa, min(_add_months(b, -1), _month_end(pa)))
    elif period == "last_month":
        b = y if y == _month_end(y) else _month_start(y) - day
        a = _month_start(b)
        prev = (_add_months(a, -1), a - day)
    elif period == "quarter_to_date":
        a, b = _quarter_start(y), y
        pa = _add_months(a, -3)
        prev = (pa, min(_add_months(b, -3), _add_months(pa, 3) - day))
    elif period == "last_quarter":
        qs = _quarter_start(y)
        b = y if y == _add_months(qs, 3) - day else qs - day
        a = _quarter_start(b)
        prev = (_add_months(a, -3), a - day)
    elif period == "year_to_date":
        a, b = dt.date(y.year, 1, 1), y
        prev = (dt.date(y.year - 1, 1, 1), _year_ago(y))
    else:  # last_12_months
        b = y if y == _month_end(y) else _month_start(y) - day
        a = _add_months(_month_start(b), -11)
        prev = (_add_months(a, -12), a - day)
    return Period(period, a, b, as_of_d, prev[0], prev[1], _year_ago(a), _year_ago(b))


def latest_complete_day(wh, platforms=None, shops=None):
    """The latest day with paid sales in the selection (mart_shop_daily), or None. A day is
    taken as complete once a later one has data or the export day has passed; the marts
    hold only what was exported, so the latest day with sales is the best the data says."""
    from . import queries  # noqa: F401 - (the same filter convention)
    con = getattr(wh, "con", wh)
    conds, params = [], {}
    if platforms:
        conds.append("list_contains($platforms, platform)")
        params["platforms"] = list(platforms)
    if shops:
        conds.append("list_contains($shops, shop_id)")
        params["shops"] = list(shops)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    got = con.execute(f"SELECT MAX(sales_date) FROM mart_shop_daily{where}", params).fetchall()
    return got[0][0] if got and got[0][0] is not None else None


def from_parameters(wh, report: str, period: str = "", as_of="latest", start="", end="",
                    previous_start="", previous_end="", year_ago_start="", year_ago_end="",
                    shops=None, platforms=None) -> Period:
    """The period a report notebook shows, from its parameters cell. Run by the runner, the
    parameters already hold the resolved days (recorded in its manifest) and are used as
    they are (``as_of`` latest: the day after ``end``); run by hand (no ``start`` or no
    comparison days), :func:`for_report` resolves them the runner's way: an empty
    ``period`` is the report's default (:data:`DEFAULT_PERIOD`), or ``custom`` when
    ``start`` is given."""
    name = period or (DEFAULT_PERIOD.get(report, "last_30_days") if not start else "custom")
    if not (start and end and previous_start and previous_end and year_ago_start
            and year_ago_end):
        return for_report(wh, report, name, as_of, start, end,
                          list(platforms or []) or None, list(shops or []) or None)
    return Period(name, _date(start), _date(end),
                  _date(as_of) if as_of not in (None, "", "latest")
                  else _date(end) + dt.timedelta(days=1),
                  _date(previous_start), _date(previous_end),
                  _date(year_ago_start), _date(year_ago_end))


def for_report(wh, report: str, period: str = "", as_of="latest", start="", end="",
               platforms=None, shops=None) -> Period:
    """The period a report notebook shows, from its parameters cell: the runner has already
    resolved ``start``/``end`` (and recorded them); run by hand in JupyterLab, the notebook
    resolves them here the same way (:data:`DEFAULT_PERIOD` when ``period`` is empty,
    ``as_of="latest"`` against the selection's latest sales day)."""
    name = period or DEFAULT_PERIOD.get(report, "last_30_days")
    latest = None
    if as_of in (None, "", "latest"):  # as the runner does (a custom period too)
        latest = latest_complete_day(wh, platforms, shops)
    return resolve(name, as_of or "latest", latest=latest, start=start, end=end)
