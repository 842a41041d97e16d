"""Metrics of the data-overview report (notebooks/overview.ipynb), as pure functions on the
frames of :mod:`ecomlib.metrics.overview_queries` (queries over the marts); the report's
sentences and chart markers are in :mod:`ecomlib.metrics.overview_report`.

``sales`` is the query ``overview/sales`` (one row per sales_date, platform and SKU over the
selected shops; money in CNY fen), ``daily`` is ``overview/daily_by_platform`` (every day of
dim_calendar x platform, with its ``month_start``), ``stock`` is ``overview/stock``
(mart_stock_daily with the snapshot's month). Outputs keep canonical names and units: money
in fen (``*_fen``), ratios 0..1 (``*_rate``, NaN when the denominator is 0: the catalogue's
metrics, ratios of sums), counts as integers. Empty periods are present: the queries take
every day (and so every month) from dim_calendar.

Refund rate, everywhere here: refunds / paid amount over the same orders (the model layer
books a refund on its order's ``sales_date``, so summing both over the same rows keeps them
on the same orders).
"""
from __future__ import annotations

import re
from pathlib import PurePath

import numpy as np
import pandas as pd

from . import rows
from ._common import check_columns

__all__ = [
    "ADDITIVE", "daily_by", "monthly_by", "totals_by", "top_skus", "month_end_stock",
    "reason_kind", "quarantine_summary", "recent_loads", "peak_day",
]

#: additive columns of the overview's sales (safe to sum over days, shops, SKUs)
ADDITIVE = ("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units", "units_returned")


def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"overview.{fn}")


def daily_by(daily: pd.DataFrame, by: str = "platform", value: str = "paid_fen",
             window: int | None = 7) -> pd.DataFrame:
    """Daily ``value`` per ``by`` value with a moving mean, from a frame with every day
    (the query ``overview/daily_by_platform``: dim_calendar's days, 0 where nothing sold).

    One row per ``sales_date`` and ``by`` value: ``value`` = the sum of that day's rows, and
    with ``window`` ``<value>_avg`` = the centred ``window``-day moving mean of that daily
    sum (same unit, per day; shorter windows at the ends of the range).
    """
    _check(daily, ["sales_date", by, value], "daily_by")
    if not len(daily):
        cols = ["sales_date", by, value] + ([f"{value}_avg"] if window else [])
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    d = daily.assign(sales_date=pd.to_datetime(daily["sales_date"]).dt.normalize())
    out = rows.sums(d, ["sales_date", by], [value])
    if window:
        out[f"{value}_avg"] = (out.groupby(by, observed=True)[value]
                               .transform(lambda s: s.rolling(window, center=True,
                                                              min_periods=1).mean()))
    return out.sort_values(["sales_date", by], ignore_index=True)


def monthly_by(daily: pd.DataFrame, by: str = "platform") -> pd.DataFrame:
    """Monthly sums per ``by`` value with the refund rate: one row per ``month`` (the
    calendar month start of dim_calendar, column ``month_start`` of the daily rows) and
    ``by`` value with the sums of :data:`ADDITIVE` (fen, units) and ``refund_rate`` = refunds
    / paid (NaN when nothing was paid that month). Every month of the daily rows is present
    (their days come from dim_calendar)."""
    _check(daily, ["month_start", by, *ADDITIVE], "monthly_by")
    d = daily.assign(month=pd.to_datetime(daily["month_start"]))
    out = rows.sums(d, ["month", by], list(ADDITIVE))
    return rows.add(out, ["refund_rate"])


def totals_by(sales: pd.DataFrame, by: str = "platform", total: bool = True) -> pd.DataFrame:
    """Period totals per ``by`` value, largest paid amount first.

    Sums of :data:`ADDITIVE`, plus ``net_sales_fen`` = paid - refunds, ``refund_rate`` =
    refunds / paid and ``share_rate`` = the row's paid / all rows' paid. With ``total=True``
    a last row with ``by`` = ``"total"`` holds the column sums (its rates computed from those
    sums, share 1).
    """
    _check(sales, [by, *ADDITIVE], "totals_by")
    out = rows.sums(sales, [by], ADDITIVE)
    out = out.sort_values(["paid_fen", by], ascending=[False, True], ignore_index=True)
    if total:
        row = rows.sums(out, None, ADDITIVE).assign(**{by: "total"})
        out = pd.concat([out, row[[by, *ADDITIVE]]], ignore_index=True)
    out = rows.add(out, ["net_sales_fen", "refund_rate"])
    all_paid = float(out.loc[out[by] != "total", "paid_fen"].sum()) if total \
        else float(out["paid_fen"].sum())
    out["share_rate"] = out["paid_fen"] / all_paid if all_paid else np.nan
    return out


def top_skus(sales: pd.DataFrame, n: int = 15, value: str = "paid_fen") -> pd.DataFrame:
    """The ``n`` SKUs with the largest ``value`` over the period (ties: SKU order).

    One row per SKU: ``category``, the sums of :data:`ADDITIVE`, ``refund_rate`` = refunds /
    paid, and ``share_rate`` = the SKU's ``value`` / all SKUs' ``value`` (the share of the
    whole period, not of the top ``n``).
    """
    _check(sales, ["sku", "category", value, *ADDITIVE], "top_skus")
    if n < 1:
        raise ValueError(f"overview.top_skus: n must be at least 1; got {n}")
    d = sales.assign(category=sales["category"].fillna("unknown"))
    out = rows.sums(d, ["sku"], ADDITIVE)
    cats = d.groupby("sku")["category"].agg(lambda s: s.mode().iat[0] if len(s.mode()) else "unknown")
    out.insert(1, "category", out["sku"].map(cats))
    whole = float(out[value].sum())
    out = rows.add(out, ["refund_rate"])
    out["share_rate"] = out[value] / whole if whole else np.nan
    return (out.sort_values([value, "sku"], ascending=[False, True], ignore_index=True)
            .head(n))


def month_end_stock(daily_stock: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Stock on hand at each month's end, valued at unit cost, per ``by`` value.

    ``daily_stock``: the query ``overview/stock`` (its ``month_start`` is the snapshot's
    calendar month in dim_calendar; without it the month is taken from the date). For every
    warehouse and month the snapshot used is that warehouse's last snapshot in the month (so a warehouse reporting a day early still counts). Then per month and ``by``:
    ``on_hand_units`` = sum of max(units on hand, 0) (oversold, negative positions count as
    0 stock), ``on_hand_value_fen`` = sum of max(units, 0) x unit cost (fen), and
    ``units_without_cost`` = positive units of SKUs missing from products (their value is
    unknown, not 0: reported separately). A missing category shows as ``unknown``.
    """
    _check(daily_stock, ["snapshot_date", "warehouse_id", "sku", "on_hand_units",
                         "on_hand_value_fen", by], "month_end_stock")
    cols = ["month", by, "snapshot_date", "on_hand_units", "on_hand_value_fen",
            "units_without_cost"]
    if not len(daily_stock):
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in cols})
    d = daily_stock.assign(snapshot_date=pd.to_datetime(daily_stock["snapshot_date"]))
    d["month"] = (pd.to_datetime(d["month_start"]) if "month_start" in d.columns
                  else d["snapshot_date"].dt.to_period("M").dt.to_timestamp())
    last = d.groupby(["warehouse_id", "month"])["snapshot_date"].transform("max")
    d = d[d["snapshot_date"] == last].copy()
    d[by] = d[by].fillna("unknown") if by in d else "unknown"
    units = d["on_hand_units"].clip(lower=0).astype("int64")
    value = pd.to_numeric(d["on_hand_value_fen"], errors="coerce")
    known = value.notna()
    d["_units"] = units
    # units x cost >= 0 exactly where units > 0, so clipping the value at 0 equals
    # max(units, 0) x cost; an unknown cost stays out of the value
    d["_value"] = value.clip(lower=0).fillna(0)
    d["_nocost"] = np.where(known, 0, units)
    out = (d.groupby(["month", by], observed=True)
           .agg(snapshot_date=("snapshot_date", "max"), on_hand_units=("_units", "sum"),
                on_hand_value_fen=("_value", "sum"), units_without_cost=("_nocost", "sum"))
           .reset_index())
    out["on_hand_value_fen"] = out["on_hand_value_fen"].round().astype("int64")
    for c in ("on_hand_units", "units_without_cost"):
        out[c] = out[c].astype("int64")
    return out[cols].sort_values(["month", by], ignore_index=True)


_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_DUP = re.compile(r"= \(.*\); row \d+ of this file wins")
_NUMBER_BEFORE = re.compile(r"\b(\w+) -?\d+(?:\.\d+)? (is below|is not)")
_ROW_FIELDS = re.compile(r"row has \d+ fields, header has \d+")


def reason_kind(reason: str) -> str:
    """A quarantine reason without its row's values, so that reasons can be counted.

    ``"quantity 'abc' is not a whole number"`` -> ``"quantity … is not a whole number"``;
    ``"quantity 0 is below 1"`` -> ``"quantity … is below 1"``; a duplicate key reason keeps
    its key columns and drops the key values and row number; a row with the wrong number of
    fields keeps only that fact. Other reasons are returned unchanged.
    """
    if reason is None or (isinstance(reason, float) and np.isnan(reason)):
        return ""
    s = str(reason)
    s = _DUP.sub("= (…); a later row wins", s)
    s = _ROW_FIELDS.sub("row has a wrong number of fields", s)
    s = _QUOTED.sub("…", s)
    s = _NUMBER_BEFORE.sub(r"\1 … \2", s)
    return s


def quarantine_summary(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantined rows counted by table, column and kind of reason (see :func:`reason_kind`).

    One row per (table_name, column, reason_kind): ``count_rows``, ``count_files`` (distinct
    files) and ``example`` = ``<file name>:<row number>  <full reason>`` of the first such
    row. Largest count first.
    """
    _check(quarantine, ["file", "table_name", "row_number", "column", "reason"],
           "quarantine_summary")
    cols = ["table_name", "column", "reason_kind", "count_rows", "count_files", "example"]
    if not len(quarantine):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.startswith("count_") else "object")
                             for c in cols})
    q = quarantine.assign(reason_kind=quarantine["reason"].map(reason_kind),
                          column=quarantine["column"].fillna(""))
    q = q.sort_values(["file", "row_number"], kind="stable")
    q["example"] = [f"{PurePath(str(f)).name}:{int(r)}  {reason}" for f, r, reason
                    in zip(q["file"], q["row_number"], q["reason"])]
    keys = ["table_name", "column", "reason_kind"]
    out = (q.groupby(keys, sort=False, dropna=False)
           .agg(count_rows=("reason", "size"), count_files=("file", "nunique"),
                example=("example", "first"))
           .reset_index())
    out["count_rows"] = out["count_rows"].astype("int64")
    out["count_files"] = out["count_files"].astype("int64")
    return out.sort_values(["count_rows", "table_name", "column"], ascending=[False, True, True],
                           ignore_index=True)[cols]


def recent_loads(load_log: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` most recent load-log rows with the columns a reader checks.

    File paths are shortened to the file name (the full path stays in the warehouse).
    """
    keep = ["load_id", "finished_at", "file_name", "table_name", "format", "rows_in",
            "rows_loaded", "rows_inserted", "rows_updated", "rows_quarantined", "status",
            "message"]
    _check(load_log, ["load_id", "file"], "recent_loads")
    d = load_log.sort_values("load_id", ascending=False).head(n).copy()
    d["file_name"] = [PurePath(str(f)).name for f in d["file"]]
    return d[[c for c in keep if c in d.columns]].reset_index(drop=True)


def peak_day(daily: pd.DataFrame, value: str = "paid_fen") -> dict:
    """The day with the largest ``value`` summed over the rows of that day: ``{day, value,
    share_rate}`` (its share of the period's total; ``day`` None when nothing)."""
    _check(daily, ["sales_date", value], "peak_day")
    per_day = rows.sums(daily.assign(sales_date=pd.to_datetime(daily["sales_date"])),
                        ["sales_date"], [value])
    if not len(per_day) or not per_day[value].max() > 0:
        return {"day": None, "value": 0, "share_rate": float("nan")}
    top = per_day.sort_values([value, "sales_date"], ascending=[False, True]).iloc[0]
    return {"day": pd.Timestamp(top["sales_date"]), "value": top[value],
            "share_rate": float(top[value]) / float(per_day[value].sum())}
