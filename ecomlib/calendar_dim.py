"""The one calendar of the warehouse: Beijing days with their week, month, public holidays,
the platforms' festivals and the seller's own campaigns (table ``dim_calendar``).

Anomaly checks, forecasts, the channels and overview reports all read their campaign days
from here (one definition; before this there were four that disagreed).

Festivals (the platforms' usual windows; ``peak`` is the festival's own day):

========  ==========================================  =================
kind      window                                      peak
========  ==========================================  =================
年货节     春节 eve - 24 days .. 春节 eve - 8 days         the last day
38         March 1 .. March 8 (女王节)                   March 8
618        June 1 .. June 18                             June 18
双11       October 24 .. November 11                     November 11
双12       December 8 .. December 12                     December 12
春节       春节 eve .. 春节 eve + 6 days (shipping stops)  春节 (day 1)
========  ==========================================  =================

春节 dates come from the ``holidays`` package (its China calendar), public holidays too.
The seller's own campaigns come from ``parameters/calendar.yaml``::

    campaigns:
      - {name: 店庆, start: 2025-09-01, end: 2025-09-07}
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

FESTIVALS = ("年货节", "38", "618", "双11", "双12", "春节")
COLUMNS = ["day", "year", "quarter", "month", "month_start", "week_start", "iso_year",
           "iso_week", "weekday", "is_weekend", "is_holiday", "holiday", "festival",
           "festival_phase", "campaign"]


def spring_festival(year: int) -> dt.date:
    """The first day of the lunar year (春节) in ``year`` (from the ``holidays`` package)."""
    import holidays
    days = sorted(d for d, name in holidays.China(years=year).items()
                  if "Spring Festival" in name or "Chinese New Year" in name)
    eve = [d for d, name in holidays.China(years=year).items() if "Eve" in name]
    if eve:  # recent years list the eve itself; the festival is the next day
        return min(eve) + dt.timedelta(days=1)
    if not days:
        raise ValueError(f"calendar_dim.spring_festival: no 春节 known for {year}")
    return days[0]


def festival_windows(year: int) -> list[tuple[str, dt.date, dt.date, dt.date]]:
    """``(kind, first day, last day, peak day)`` of each festival of ``year``."""
    d = dt.date
    cny = spring_festival(year)
    eve = cny - dt.timedelta(days=1)
    return [
        ("年货节", eve - dt.timedelta(days=24), eve - dt.timedelta(days=8),
         eve - dt.timedelta(days=8)),
        ("38", d(year, 3, 1), d(year, 3, 8), d(year, 3, 8)),
        ("618", d(year, 6, 1), d(year, 6, 18), d(year, 6, 18)),
        ("双11", d(year, 10, 24), d(year, 11, 11), d(year, 11, 11)),
        ("双12", d(year, 12, 8), d(year, 12, 12), d(year, 12, 12)),
        ("春节", eve, eve + dt.timedelta(days=6), cny),
    ]


def load_campaigns(path: str | Path | None = None) -> list[dict]:
    """The seller's own campaigns from ``parameters/calendar.yaml`` (``[]`` without one):
    ``[{name, start, end}]`` with dates, checked (the message names the entry)."""
    from .runner import PARAMS_DIR, read_plain_yaml
    p = Path(path) if path else PARAMS_DIR / "calendar.yaml"
    if not p.exists():
        return []
    doc = read_plain_yaml(p.read_text(encoding="utf-8"), str(p)) or {}
    out = []
    for i, it in enumerate(doc.get("campaigns") or []):
        if not isinstance(it, dict) or not {"name", "start", "end"} <= set(it):
            raise ValueError(f"{p}: campaigns[{i}] needs name, start and end (YYYY-MM-DD)")
        a, b = pd.Timestamp(str(it["start"])).date(), pd.Timestamp(str(it["end"])).date()
        if b < a:
            raise ValueError(f"{p}: campaigns[{i}] ({it['name']}) ends before it starts")
        out.append({"name": str(it["name"]), "start": a, "end": b})
    return out


def frame(start, end, campaigns: list[dict] | None = None) -> pd.DataFrame:
    """One row per Beijing day from ``start`` to ``end`` (inclusive) with the columns of
    :data:`COLUMNS`. Where festival windows overlap (春节 and 年货节 never do), the later in
    :data:`FESTIVALS` wins; ``festival_phase`` is ``peak`` on the peak day, else ``runup``
    (春节: ``holiday``)."""
    import holidays
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    years = range(days[0].year, days[-1].year + 1) if len(days) else range(0)
    hol = holidays.China(years=list(years)) if len(days) else {}
    df = pd.DataFrame({"day": days.date})
    iso = days.isocalendar()
    df["year"] = days.year.astype("int32")
    df["quarter"] = days.quarter.astype("int32")
    df["month"] = days.month.astype("int32")
    df["month_start"] = (days - pd.to_timedelta(days.day - 1, unit="D")).date
    df["week_start"] = (days - pd.to_timedelta(days.day_of_week, unit="D")).date
    df["iso_year"] = iso["year"].to_numpy().astype("int32")
    df["iso_week"] = iso["week"].to_numpy().astype("int32")
    df["weekday"] = (days.day_of_week + 1).astype("int32")
    df["is_weekend"] = days.day_of_week >= 5
    df["holiday"] = [hol.get(d) for d in df["day"]]
    df["is_holiday"] = df["holiday"].notna()
    fest = pd.Series([None] * len(df), dtype=object)
    phase = pd.Series([None] * len(df), dtype=object)
    pos = {d: i for i, d in enumerate(df["day"])}
    for y in years:
        for kind, a, b, peak in festival_windows(y):
            for k in range((b - a).days + 1):
                i = pos.get(a + dt.timedelta(days=k))
                if i is not None:
                    fest[i] = kind
                    on_peak = a + dt.timedelta(days=k) == peak
                    phase[i] = "peak" if on_peak else ("holiday" if kind == "春节" else "runup")
    df["festival"] = fest.to_numpy()
    df["festival_phase"] = phase.to_numpy()
    camp = pd.Series([None] * len(df), dtype=object)
    for c in campaigns or []:
        for k in range((c["end"] - c["start"]).days + 1):
            i = pos.get(c["start"] + dt.timedelta(days=k))
            if i is not None:
                camp[i] = c["name"] if camp[i] is None else f"{camp[i]} / {c['name']}"
    df["campaign"] = camp.to_numpy()
    return df[COLUMNS]


#: the first and last day of the data (canonical tables; portable SQL: the Spark build runs it
#: too, ecomlib.spark)
SPAN_SQL = """
        SELECT MIN(d), MAX(d) FROM (
            SELECT CAST(created_at AS DATE) AS d FROM orders
            UNION ALL SELECT CAST(paid_at AS DATE) FROM orders
            UNION ALL SELECT snapshot_date FROM inventory_snapshots
            UNION ALL SELECT traffic_date FROM traffic
            UNION ALL SELECT spend_date FROM ad_spend
            UNION ALL SELECT cost_date FROM other_costs
            UNION ALL SELECT rate_date FROM fx_rates
            UNION ALL SELECT ordered_on FROM purchase_orders) x"""
#: days of calendar before the first and after the last day of the data
MARGIN_DAYS = 400


def calendar_span(lo, hi, margin_days: int = MARGIN_DAYS) -> tuple[dt.date, dt.date]:
    """The calendar's first and last day for data from ``lo`` to ``hi`` (:data:`SPAN_SQL`;
    None: today): ``margin_days`` before and after, widened to whole years (so that a day's
    load does not change the calendar, and the build can keep it: :func:`write`)."""
    today = dt.date.today()
    a = (lo or today) - dt.timedelta(days=margin_days)
    b = (hi or today) + dt.timedelta(days=margin_days)
    return dt.date(a.year, 1, 1), dt.date(b.year, 12, 31)


def signature(lo: dt.date, hi: dt.date, campaigns: list[dict] | None) -> str:
    """What :func:`frame` is a function of: the span, the seller's campaigns, this module's
    code (the festival windows) and the ``holidays`` package's version (春节, public
    holidays). Kept as ``dim_calendar``'s table comment: the same signature, the same
    table."""
    import hashlib
    import json
    from importlib.metadata import version
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(
        [str(lo), str(hi), [[c["name"], str(c["start"]), str(c["end"])]
                            for c in campaigns or []], code, version("holidays")],
        ensure_ascii=False).encode()).hexdigest()


def write(con, campaigns: list[dict] | None = None, margin_days: int = MARGIN_DAYS
          ) -> int | None:
    """(Re)write ``dim_calendar`` on a DuckDB connection, covering every date of the data
    (orders, stock, traffic, ads, costs, fx rates, purchase orders) with ``margin_days``
    before and after (forecast horizons, last year's comparison days), in whole years.
    Returns its rows, or None when the table there has the same :func:`signature` (it is
    kept: most builds; a new year of data, a changed campaign or calendar code rewrites
    it)."""
    lo, hi = con.execute(SPAN_SQL).fetchall()[0]
    lo, hi = calendar_span(lo, hi, margin_days)
    sig = signature(lo, hi, campaigns)
    now = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'dim_calendar' "
                      "AND schema_name = current_schema()").fetchall()
    if now and now[0][0] == sig:
        return None
    cal = frame(lo, hi, campaigns)
    con.register("_calendar", cal)
    try:
        con.execute("CREATE OR REPLACE TABLE dim_calendar AS SELECT * FROM _calendar")
    finally:
        con.unregister("_calendar")
    con.execute(f"COMMENT ON TABLE dim_calendar IS '{sig}'")  # hex digits only
    return len(cal)
