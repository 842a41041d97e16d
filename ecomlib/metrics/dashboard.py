"""Numbers of the Voila apps (notebooks/apps/): the sales big screen and the explorer.

Two layers:

* **queries** (``query_*``, ``latest_sales_date``) take an open, read-only
  :class:`~ecomlib.warehouse.Warehouse` and return small frames aggregated inside DuckDB
  (``rollups.DASHBOARD_TOTALS_SQL`` over ``legacy_order_lines``, ``agg_daily_sales``,
  ``agg_daily_stock``), so they stay fast on millions of lines;
* **pure functions** on those frames compute the ratios, comparisons, trends and stock
  alerts. They never touch the warehouse and are tested on hand-worked numbers
  (tests/test_dashboard.py, fixture tests/data/mini).

Units: money in CNY fen (``*_fen``), counts ``count_*`` / ``units``, ratios 0..1
(``*_rate``, NaN when the denominator is 0), days as floats (``*_days``). Dates are Beijing
calendar days; a day's sales are those with that ``sales_date`` (payment day, see
ecomlib.rollups). Every period is inclusive at both ends.

Definitions (DESIGN.md):

* GMV = amount due on every line placed, paid or not; paid = amount paid on paid orders;
* refunds = completed refunds of those same paid lines, booked on the order's sales day;
* net sales = paid - refunds; refund rate = refunds / paid (same orders);
* gross profit = net sales - COGS, COGS = unit cost x units kept (sold - returned);
  units of SKUs without a cost are counted in ``units_without_cost``, never costed at 0;
* AOV (客单价) = paid / paying buyers; buyers = distinct paying members over the whole
  period (an order without a member counts as its own buyer), so buyers are not additive
  over days or over shops (one member buying in two shops is one buyer of the total).
"""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np
import pandas as pd

from .. import i18n, rollups
from ._common import check_columns, ratio as _ratio

__all__ = [
    "TOTAL_COLUMNS", "GROUP_KEYS", "latest_sales_date", "query_totals", "query_period_totals",
    "query_daily",
    "query_stock", "query_dimensions", "with_ratios", "comparison_periods", "change_rate",
    "compare", "daily_trend", "platform_split", "top_skus", "stock_alerts", "PRESETS",
    "preset_period",
]

#: columns of :func:`query_totals` besides the group keys
TOTAL_COLUMNS = ("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units_without_cost",
                 "units", "count_paid_orders", "count_buyers")
#: the keys totals may be grouped by (a fixed list: the SQL is built from it)
GROUP_KEYS = ("sales_date", "platform", "shop_id", "sku")

i18n.add_labels({
    "count_buyers": ("买家数", "Buyers"),
    "aov_fen": ("客单价", "AOV"),
    "gross_margin_rate": ("毛利率", "Gross margin"),
    "days_of_supply": ("可售天数", "Days of supply"),
    "avg_daily_units": ("日均销量(件)", "Avg daily units"),
    "stock_status": ("库存状态", "Stock status"),
    "stock_out": ("已缺货", "Out of stock"),
    "low": ("即将缺货", "Running low"),
    "change_rate": ("环比", "Change"),
})


def _fn_check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"dashboard.{fn}",
                  ". Pass the frame returned by the matching dashboard.query_* function.")


def _filters(start, end, shops, platforms, params: dict, alias: str = "") -> str:
    """" AND ..." conditions on sales_date (inclusive Beijing days) / platform / shop_id
    (columns of ``alias``), with named parameters added to ``params`` (values are never
    pasted into the SQL): :func:`ecomlib.warehouse.sql_filters`."""
    from ..warehouse import sql_filters
    conds, _ = sql_filters(start, end, shops, platforms, alias=alias, params=params)
    return "".join(" AND " + c for c in conds)


# -- queries (read the warehouse; small results) ------------------------------------------------
def latest_sales_date(wh) -> pd.Timestamp | None:
    """The last ``sales_date`` with any order line in the warehouse (None when empty).

    The big screen's "today" when no ``as_of`` is given: the demo ends 2025-12-31, a live
    warehouse ends at its last import. (``rollups.DASHBOARD_LATEST_SQL``: the day rule of
    legacy_order_lines, payment day else creation day, without computing the view.)"""
    v = wh.sql(rollups.DASHBOARD_LATEST_SQL)["d"].iat[0]
    return None if pd.isna(v) else pd.Timestamp(v)


def _keys(by: Sequence[str], fn: str) -> list[str]:
    by = list(by)
    bad = [k for k in by if k not in GROUP_KEYS]
    if bad:
        raise ValueError(f"dashboard.{fn}: cannot group by {bad}; choose from {GROUP_KEYS}")
    return by


def _ints(out: pd.DataFrame) -> pd.DataFrame:
    for c in TOTAL_COLUMNS:
        out[c] = out[c].fillna(0).astype("int64")
    return out


def query_totals(wh, start=None, end=None, shops: Sequence[str] | None = None,
                 platforms: Sequence[str] | None = None, by: Sequence[str] = ()) -> pd.DataFrame:
    """Totals of the lines with ``start <= sales_date <= end`` (shops/platforms filters),
    one row per ``by`` key (one row in all when ``by`` is empty, zeros when nothing matched).

    Columns: the ``by`` keys, then :data:`TOTAL_COLUMNS` (int64): gmv_fen, paid_fen,
    refund_fen, cogs_fen, units_without_cost, units, count_paid_orders (distinct paid
    orders), count_buyers (distinct paying buyers over the whole period of the row).
    """
    by = _keys(by, "query_totals")
    params: dict = {}
    sql = rollups.DASHBOARD_TOTALS_SQL.format(
        keys_label=", ".join(by) or "filter",
        keys_select="".join(f"{k}, " for k in by),
        keys_group=(f"GROUP BY {', '.join(by)} ORDER BY {', '.join(by)}" if by else ""),
        filters=_filters(start, end, shops, platforms, params))
    return _ints(wh.sql(sql, params))


def query_period_totals(wh, periods: dict, shops=None, platforms=None,
                        by: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """:func:`query_totals` for several named periods ``{name: (start, end)}`` in one scan
    (``rollups.DASHBOARD_PERIODS_SQL``). Returns ``{name: frame}``, each frame exactly what
    ``query_totals(wh, start, end, shops, platforms, by)`` returns for that period."""
    by = _keys(by, "query_period_totals")
    if not periods:
        raise ValueError("dashboard.query_period_totals: no periods given")
    params: dict = {}
    values = []
    for i, (name, (lo, hi)) in enumerate(periods.items()):
        params.update({f"n{i}": str(name), f"a{i}": pd.Timestamp(lo).date(),
                       f"b{i}": pd.Timestamp(hi).date()})
        values.append(f"(CAST($n{i} AS VARCHAR), CAST($a{i} AS DATE), CAST($b{i} AS DATE))")
    params["lo_all"] = min(pd.Timestamp(lo) for lo, _ in periods.values()).date()
    params["hi_all"] = max(pd.Timestamp(hi) for _, hi in periods.values()).date()
    sql = rollups.DASHBOARD_PERIODS_SQL.format(
        values=", ".join(values), keys_label=", ".join(by) or "period",
        keys_select="".join(f"l.{k}, " for k in by),
        keys_group="".join(f", l.{k}" for k in by),
        filters=_filters(None, None, shops, platforms, params))
    got = _ints(wh.sql(sql, params))
    out = {}
    for name in periods:
        part = got[got["period"] == str(name)].drop(columns="period").reset_index(drop=True)
        if not by and not len(part):
            part = pd.DataFrame({c: [0] for c in TOTAL_COLUMNS}).astype("int64")
        out[name] = part
    return out


def query_daily(wh, start=None, end=None, shops=None, platforms=None) -> pd.DataFrame:
    """``agg_daily_sales`` rows of the period (one row per day, platform, shop, SKU) with the
    product name joined on (``product_name``, NULL for SKUs missing from products)."""
    params: dict = {}
    f = _filters(start, end, shops, platforms, params, alias="d.")
    return wh.sql(rollups.DASHBOARD_DAILY_SQL.format(filters=f), params)


def query_stock(wh, as_of, lookback_days: int = 28) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stock position and recent sales for :func:`stock_alerts`.

    Returns ``(stock, sold)``: ``stock`` has one row per SKU: on_hand_units and
    in_transit_units summed over warehouses, each warehouse at its last snapshot on or
    before ``as_of`` (``snapshot_date`` = the latest of those), with product_name and
    category; ``sold`` has one row per SKU with ``units`` paid in the ``lookback_days``
    days ending ``as_of`` (all platforms and shops).
    """
    as_of = pd.Timestamp(as_of).date()
    stock = wh.sql(rollups.DASHBOARD_STOCK_SQL, {"as_of": as_of})
    sold = wh.sql(rollups.DASHBOARD_SOLD_SQL,
                  {"as_of": as_of, "lo": as_of - dt.timedelta(days=int(lookback_days))})
    return stock, sold


def query_dimensions(wh) -> dict:
    """What the explorer's pickers offer: ``shops`` (frame platform, shop_id, shop_name of
    shops with orders or in the shops table) and ``first``/``last`` order days."""
    shops = wh.sql(rollups.DASHBOARD_SHOPS_SQL)
    lo = shops["first_date"].iat[0] if len(shops) else None
    hi = shops["last_date"].iat[0] if len(shops) else None
    return {"shops": shops[["platform", "shop_id", "shop_name"]],
            "first": None if lo is None or pd.isna(lo) else pd.Timestamp(lo),
            "last": None if hi is None or pd.isna(hi) else pd.Timestamp(hi)}


# -- pure functions ---------------------------------------------------------------------------
def with_ratios(totals: pd.DataFrame) -> pd.DataFrame:
    """Add the derived figures to a :func:`query_totals` frame (a copy; same rows).

    * ``net_sales_fen`` = paid_fen - refund_fen
    * ``refund_rate`` = refund_fen / paid_fen (NaN when nothing was paid)
    * ``aov_fen`` = paid_fen / count_buyers (fen per buyer, float; NaN with no buyer)
    * ``gross_profit_fen`` = net_sales_fen - cogs_fen
    * ``gross_margin_rate`` = gross_profit_fen / net_sales_fen (NaN when net sales are 0)
    """
    _fn_check(totals, ["paid_fen", "refund_fen", "cogs_fen", "count_buyers"], "with_ratios")
    out = totals.copy()
    out["net_sales_fen"] = (out["paid_fen"] - out["refund_fen"]).astype("int64")
    out["refund_rate"] = _ratio(out["refund_fen"], out["paid_fen"])
    out["aov_fen"] = _ratio(out["paid_fen"], out["count_buyers"])
    out["gross_profit_fen"] = (out["net_sales_fen"] - out["cogs_fen"]).astype("int64")
    out["gross_margin_rate"] = _ratio(out["gross_profit_fen"], out["net_sales_fen"])
    return out


def comparison_periods(as_of) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The big screen's periods for the day ``as_of`` (inclusive ``(start, end)`` pairs).

    * ``today`` = (as_of, as_of); ``last_week`` = the same weekday one week earlier
      (as_of - 7 days), so weekday patterns cancel out;
    * ``mtd`` = first of as_of's month .. as_of;
    * ``last_mtd`` = first of the previous month .. the same day number, clipped to that
      month's last day (as_of 2025-03-31 -> 2025-02-01..2025-02-28), so both months are
      compared over the same number of days as far as the calendar allows.
    """
    d = pd.Timestamp(as_of).normalize()
    first = d.replace(day=1)
    prev_first = (first - pd.Timedelta(days=1)).replace(day=1)
    prev_end = min(prev_first + pd.Timedelta(days=d.day - 1), first - pd.Timedelta(days=1))
    week = d - pd.Timedelta(days=7)
    return {"today": (d, d), "last_week": (week, week), "mtd": (first, d),
            "last_mtd": (prev_first, prev_end)}


#: the explorer's quick periods, in menu order
PRESETS = ("month", "last_month", "last_7", "last_30", "year", "all")


def preset_period(name: str, last, first=None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A named period ending at the data's last day ``last`` (inclusive ``(start, end)``):

    ``month`` = first of last's month .. last; ``last_month`` = the whole previous
    calendar month; ``last_7`` / ``last_30`` = the 7 / 30 days ending ``last``; ``year`` =
    1 January of last's year .. last; ``all`` = ``first`` .. last (``first`` required).
    """
    d = pd.Timestamp(last).normalize()
    if name == "month":
        return d.replace(day=1), d
    if name == "last_month":
        end = d.replace(day=1) - pd.Timedelta(days=1)
        return end.replace(day=1), end
    if name in ("last_7", "last_30"):
        return d - pd.Timedelta(days=int(name[5:]) - 1), d
    if name == "year":
        return d.replace(month=1, day=1), d
    if name == "all":
        if first is None:
            raise ValueError("dashboard.preset_period: 'all' needs first= (the first sales day)")
        return pd.Timestamp(first).normalize(), d
    raise ValueError(f"dashboard.preset_period: unknown period {name!r}; choose from {PRESETS}")


def change_rate(current, previous) -> float:
    """Relative change current / previous - 1 (0..1 scale, e.g. 0.25 = +25%); NaN when the
    previous value is 0 or missing (a change from nothing has no rate)."""
    if previous is None or current is None or pd.isna(previous) or pd.isna(current) \
            or float(previous) == 0:
        return float("nan")
    return float(current) / float(previous) - 1.0


def compare(current: pd.DataFrame, previous: pd.DataFrame,
            metrics: Sequence[str] = ("paid_fen", "count_paid_orders", "count_buyers",
                                      "refund_rate")) -> pd.DataFrame:
    """Compare two one-row :func:`with_ratios` frames, metric by metric.

    One row per metric: ``current``, ``previous``, ``change_rate`` = current / previous - 1
    for amounts and counts (NaN when previous is 0), and for ``*_rate`` metrics
    ``change_points`` = current - previous (in rate units: 0.01 = one percentage point;
    a relative change of a rate reads badly), with change_rate NaN.
    """
    for name, df in (("current", current), ("previous", previous)):
        _fn_check(df, list(metrics), "compare")
        if len(df) != 1:
            raise ValueError(f"dashboard.compare: {name} must have exactly one row (a "
                             f"query_totals frame without by=); got {len(df)} rows")
    rows = []
    for m in metrics:
        cur, prev = current[m].iat[0], previous[m].iat[0]
        is_rate = m.endswith("_rate")
        rows.append({"metric": m, "current": cur, "previous": prev,
                     "change_rate": float("nan") if is_rate else change_rate(cur, prev),
                     "change_points": (float(cur) - float(prev)
                                       if is_rate and not (pd.isna(cur) or pd.isna(prev))
                                       else float("nan"))})
    return pd.DataFrame(rows)


def daily_trend(daily_sales: pd.DataFrame, start, end) -> pd.DataFrame:
    """One row per day from ``start`` to ``end`` (every day, 0 when nothing sold):
    ``paid_fen``, ``refund_fen``, ``gmv_fen`` = sums over platforms, shops and SKUs of that
    ``sales_date``; ``net_sales_fen`` = paid - refunds."""
    _fn_check(daily_sales, ["sales_date", "paid_fen", "refund_fen", "gmv_fen"], "daily_trend")
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    days = pd.date_range(lo, hi, freq="D", name="sales_date")
    d = daily_sales.assign(sales_date=pd.to_datetime(daily_sales["sales_date"]).dt.normalize())
    sums = d.groupby("sales_date")[["paid_fen", "refund_fen", "gmv_fen"]].sum()
    out = sums.reindex(days, fill_value=0).astype("int64").reset_index()
    out["net_sales_fen"] = out["paid_fen"] - out["refund_fen"]
    return out


def platform_split(totals_by_platform: pd.DataFrame) -> pd.DataFrame:
    """Share of each platform in the paid amount: ``share_rate`` = platform paid_fen / paid_fen
    of all rows (NaN when nothing was paid). Sorted by paid_fen, largest first (ties:
    platform code)."""
    _fn_check(totals_by_platform, ["platform", "paid_fen"], "platform_split")
    out = (totals_by_platform.groupby("platform", as_index=False)["paid_fen"].sum()
           .astype({"paid_fen": "int64"}))
    whole = out["paid_fen"].sum()
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    return out.sort_values(["paid_fen", "platform"], ascending=[False, True], ignore_index=True)


def top_skus(daily_sales: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` SKUs with the largest paid amount in the frame's rows (ties: SKU code).

    One row per SKU: ``product_name`` (the SKU code when unknown), ``paid_fen``, ``units``,
    ``refund_fen``, ``refund_rate`` = refund_fen / paid_fen, ``share_rate`` = SKU paid /
    paid of all SKUs in the frame (not only the top ``n``)."""
    _fn_check(daily_sales, ["sku", "paid_fen", "units", "refund_fen"], "top_skus")
    if n < 1:
        raise ValueError(f"dashboard.top_skus: n must be at least 1; got {n}")
    d = daily_sales
    out = d.groupby("sku", as_index=False)[["paid_fen", "units", "refund_fen"]].sum()
    out = out.astype({"paid_fen": "int64", "units": "int64", "refund_fen": "int64"})
    names = (d.dropna(subset=["product_name"]).groupby("sku")["product_name"].first()
             if "product_name" in d else pd.Series(dtype=object))
    out.insert(1, "product_name", out["sku"].map(names).fillna(out["sku"]))
    whole = out["paid_fen"].sum()
    out["refund_rate"] = _ratio(out["refund_fen"], out["paid_fen"])
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    out = out[out["paid_fen"] > 0]
    return out.sort_values(["paid_fen", "sku"], ascending=[False, True], ignore_index=True).head(n)


def stock_alerts(stock: pd.DataFrame, sold: pd.DataFrame, lookback_days: int = 28,
                 alert_days: float = 7.0) -> pd.DataFrame:
    """SKUs out of stock or about to run out, from :func:`query_stock`'s frames.

    Per SKU: ``avg_daily_units`` = units sold in the lookback window / ``lookback_days``;
    ``days_of_supply`` = on_hand_units / avg_daily_units (NaN when nothing sold: no
    demand, no countdown). ``stock_status``:

    * ``stock_out``: on_hand_units <= 0 and the SKU sold in the window (a stock-out of a
      SKU nobody buys is not an alert);
    * ``low``: on hand > 0 and days_of_supply < ``alert_days``.

    Only alerted SKUs are returned: stock-outs first, then by days of supply (fewest first),
    then by SKU. In-transit units are shown but do not lift an alert (they are not sellable
    yet).
    """
    _fn_check(stock, ["sku", "on_hand_units"], "stock_alerts")
    _fn_check(sold, ["sku", "units"], "stock_alerts")
    if lookback_days < 1:
        raise ValueError(f"dashboard.stock_alerts: lookback_days must be >= 1; got {lookback_days}")
    s = stock.merge(sold[["sku", "units"]].rename(columns={"units": "units_sold"}),
                    on="sku", how="left")
    s["units_sold"] = s["units_sold"].fillna(0).astype("int64")
    s["avg_daily_units"] = s["units_sold"] / float(lookback_days)
    s["days_of_supply"] = _ratio(s["on_hand_units"].clip(lower=0), s["avg_daily_units"])
    out_ = (s["on_hand_units"] <= 0) & (s["units_sold"] > 0)
    low = (s["on_hand_units"] > 0) & (s["days_of_supply"] < alert_days)
    s["stock_status"] = np.where(out_, "stock_out", np.where(low, "low", ""))
    s = s[out_ | low].copy()
    s["_order"] = (s["stock_status"] != "stock_out").astype(int)
    return (s.sort_values(["_order", "days_of_supply", "sku"], ignore_index=True)
            .drop(columns="_order"))
