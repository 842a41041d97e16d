"""Metrics of the data-overview report (notebooks/overview.ipynb), as pure functions.

Inputs are the warehouse rollups as frames: ``daily_sales`` is ``Warehouse.daily_sales()``
(one row per sales_date, platform, shop and SKU; money in CNY fen), ``daily_stock`` is
``Warehouse.daily_stock()`` (one row per snapshot_date, warehouse and SKU). Outputs keep
canonical names and units: money in fen (``*_fen``), ratios 0..1 (``*_rate``, NaN when the
denominator is 0), counts as integers. Empty periods are present (a date or month spine,
sums 0, ratios NaN).

Refund rate, everywhere here: refunded amount / paid amount over the same orders. The
rollup books a refund on its order's ``sales_date``, so summing ``refund_fen`` and
``paid_fen`` over the same rows keeps both sides on the same orders.
"""
from __future__ import annotations

import re
from pathlib import PurePath

import numpy as np
import pandas as pd

from .. import i18n
from ._common import check_columns

__all__ = [
    "ADDITIVE", "load_sales", "daily_by", "monthly_by", "totals_by", "top_skus", "month_end_stock",
    "reason_kind", "quarantine_summary", "recent_loads", "shopping_festivals",
]

#: additive columns of agg_daily_sales (safe to sum over days, shops, SKUs)
ADDITIVE = ("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units", "units_returned")


def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"overview.{fn}")


def _refund_rate(refund: pd.Series, paid: pd.Series) -> pd.Series:
    paid = paid.astype("float64")
    return (refund.astype("float64") / paid.where(paid != 0)).astype("float64")


def _sum_ints(df: pd.DataFrame, keys: list[str], values) -> pd.DataFrame:
    out = df.groupby(keys, as_index=False, dropna=False, observed=True)[list(values)].sum()
    for v in values:
        out[v] = out[v].astype("int64")
    return out


def load_sales(wh, start, end) -> pd.DataFrame:
    """The report's sales from ``start`` to ``end`` (inclusive Beijing days):
    ``rollups.DASHBOARD_OVERVIEW_SALES_SQL``, i.e. ``Warehouse.daily_sales`` summed over
    shops inside DuckDB (without its distinct order counts), one row per ``sales_date``,
    ``platform`` and ``sku`` with ``category`` and the :data:`ADDITIVE` columns (fen, units).
    :func:`totals_by`, :func:`daily_by`, :func:`monthly_by` and :func:`top_skus` give the same
    results on it as on ``Warehouse.daily_sales`` (they never group by shop)."""
    from .. import rollups
    params = {"start_d": pd.Timestamp(start).date(), "end_d": pd.Timestamp(end).date()}
    df = wh.sql(rollups.DASHBOARD_OVERVIEW_SALES_SQL, params)
    for c in ADDITIVE:
        df[c] = df[c].astype("int64")
    return df


def daily_by(daily_sales: pd.DataFrame, by: str = "platform", value: str = "paid_fen",
             start=None, end=None, window: int | None = 7) -> pd.DataFrame:
    """Daily totals of ``value`` per ``by`` value, on a full date spine, with a moving mean.

    Returns one row per ``sales_date`` (every day from ``start`` to ``end``; default the
    data's first and last day) and ``by`` value: ``value`` = sum over shops and SKUs that
    day (0 on days without sales), and, when ``window`` is set, ``<value>_avg`` = the
    centred ``window``-day moving mean of that daily sum (same unit, per day; shorter
    windows at the ends of the range).
    """
    _check(daily_sales, ["sales_date", by, value], "daily_by")
    d = daily_sales.assign(sales_date=pd.to_datetime(daily_sales["sales_date"]).dt.normalize())
    lo = pd.Timestamp(start) if start is not None else d["sales_date"].min()
    hi = pd.Timestamp(end) if end is not None else d["sales_date"].max()
    groups = sorted(d[by].dropna().unique(), key=str)
    if pd.isna(lo) or pd.isna(hi) or not groups:
        cols = ["sales_date", by, value] + ([f"{value}_avg"] if window else [])
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    d = d[(d["sales_date"] >= lo) & (d["sales_date"] <= hi)]
    sums = d.groupby(["sales_date", by], observed=True)[value].sum()
    spine = pd.MultiIndex.from_product([pd.date_range(lo, hi, freq="D"), groups],
                                       names=["sales_date", by])
    out = sums.reindex(spine, fill_value=0).astype("int64").reset_index()
    if window:
        out[f"{value}_avg"] = (out.groupby(by, observed=True)[value]
                               .transform(lambda s: s.rolling(window, center=True,
                                                              min_periods=1).mean()))
    return out.sort_values(["sales_date", by], ignore_index=True)


def monthly_by(daily_sales: pd.DataFrame, by: str = "platform", start=None, end=None
               ) -> pd.DataFrame:
    """Monthly sums per ``by`` value with the refund rate, on a full month spine.

    One row per ``month`` (first day of the calendar month) and ``by`` value with the sums
    of :data:`ADDITIVE` (fen, units) and ``refund_rate`` = refund_fen / paid_fen (NaN when
    nothing was paid that month).
    """
    _check(daily_sales, ["sales_date", by, *ADDITIVE], "monthly_by")
    d = daily_sales.assign(month=pd.to_datetime(daily_sales["sales_date"])
                           .dt.to_period("M").dt.to_timestamp())
    lo = pd.Timestamp(start).to_period("M").to_timestamp() if start is not None else d["month"].min()
    hi = pd.Timestamp(end).to_period("M").to_timestamp() if end is not None else d["month"].max()
    groups = sorted(d[by].dropna().unique(), key=str)
    if pd.isna(lo) or pd.isna(hi) or not groups:
        out = pd.DataFrame({c: pd.Series(dtype="int64") for c in ["month", by, *ADDITIVE]})
        out["refund_rate"] = pd.Series(dtype="float64")
        return out
    sums = d.groupby(["month", by], observed=True)[list(ADDITIVE)].sum()
    spine = pd.MultiIndex.from_product([pd.date_range(lo, hi, freq="MS"), groups],
                                       names=["month", by])
    out = sums.reindex(spine, fill_value=0).astype("int64").reset_index()
    out["refund_rate"] = _refund_rate(out["refund_fen"], out["paid_fen"])
    return out


def totals_by(daily_sales: pd.DataFrame, by: str = "platform", total: bool = True
              ) -> pd.DataFrame:
    """Period totals per ``by`` value, largest paid amount first.

    Sums of :data:`ADDITIVE`, plus ``net_sales_fen`` = paid_fen - refund_fen,
    ``refund_rate`` = refund_fen / paid_fen and ``share_rate`` = the row's paid_fen / all
    rows' paid_fen. With ``total=True`` a last row with ``by`` = ``"total"`` holds the
    column sums (its rates computed from those sums, share 1).
    """
    _check(daily_sales, [by, *ADDITIVE], "totals_by")
    out = _sum_ints(daily_sales, [by], ADDITIVE)
    out = out.sort_values(["paid_fen", by], ascending=[False, True], ignore_index=True)
    if total:
        row = {by: "total", **{v: int(out[v].sum()) for v in ADDITIVE}}
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
        for v in ADDITIVE:
            out[v] = out[v].astype("int64")
    out["net_sales_fen"] = (out["paid_fen"] - out["refund_fen"]).astype("int64")
    out["refund_rate"] = _refund_rate(out["refund_fen"], out["paid_fen"])
    all_paid = float(out.loc[out[by] != "total", "paid_fen"].sum()) if total else float(out["paid_fen"].sum())
    out["share_rate"] = out["paid_fen"] / all_paid if all_paid else np.nan
    return out


def top_skus(daily_sales: pd.DataFrame, n: int = 15, value: str = "paid_fen") -> pd.DataFrame:
    """The ``n`` SKUs with the largest ``value`` over the period (ties: SKU order).

    One row per SKU: ``category``, the sums of :data:`ADDITIVE`, ``refund_rate`` =
    refund_fen / paid_fen, and ``share_rate`` = the SKU's ``value`` / all SKUs' ``value``
    (the share of the whole period, not of the top ``n``).
    """
    _check(daily_sales, ["sku", "category", value, *ADDITIVE], "top_skus")
    if n < 1:
        raise ValueError(f"overview.top_skus: n must be at least 1; got {n}")
    d = daily_sales.assign(category=daily_sales["category"].fillna("unknown"))
    out = _sum_ints(d, ["sku"], ADDITIVE)
    cats = d.groupby("sku")["category"].agg(lambda s: s.mode().iat[0] if len(s.mode()) else "unknown")
    out.insert(1, "category", out["sku"].map(cats))
    whole = float(out[value].sum())
    out["refund_rate"] = _refund_rate(out["refund_fen"], out["paid_fen"])
    out["share_rate"] = out[value] / whole if whole else np.nan
    return (out.sort_values([value, "sku"], ascending=[False, True], ignore_index=True)
            .head(n))


def month_end_stock(daily_stock: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Stock on hand at each month's end, valued at unit cost, per ``by`` value.

    For every warehouse and month the snapshot used is that warehouse's last snapshot in
    the month (so a warehouse reporting a day early still counts). Then per month and ``by``:
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
    d["month"] = d["snapshot_date"].dt.to_period("M").dt.to_timestamp()
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


#: shopping festivals: (month, day, i18n key)
FESTIVALS = ((6, 18, "festival_618"), (11, 11, "festival_1111"))


def shopping_festivals(start, end, lang: str = "zh") -> list[tuple[pd.Timestamp, str]]:
    """``(date, label)`` for each 618 (June 18) and Double 11 (November 11) from ``start``
    to ``end`` inclusive, in date order, labelled in ``lang``."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    out = []
    for year in range(lo.year, hi.year + 1):
        for m, d, key in FESTIVALS:
            ts = pd.Timestamp(year=year, month=m, day=d)
            if lo <= ts <= hi:
                out.append((ts, i18n.label(key, lang)))
    return out
