"""Numbers of the Voila apps (notebooks/apps/): the sales big screen and the explorer, as
pure functions on the frames of :mod:`ecomlib.metrics.dashboard_queries` (queries over the
marts). They never touch the warehouse and are tested on hand-worked numbers
(tests/test_dashboard.py, fixture tests/data/mini). Layout is in :mod:`ecomlib.bigscreen`
and :mod:`ecomlib.explorer`.

Units: money in CNY fen (``*_fen``), counts ``count_*`` / ``units``, ratios 0..1
(``*_rate``, NaN when the denominator is 0), days as floats (``*_days``). Dates are Beijing
calendar days; a day's sales are those with that ``sales_date`` (the model layer's sales
day). Every period is inclusive at both ends.

Metrics are the catalogue's (:mod:`ecomlib.metrics.catalogue`), ratios of sums:

* GMV = amount due on every line placed, paid or not; paid = amount paid on paid orders;
* refunds = completed refunds of those same paid lines, booked on the order's sales day;
* net sales = paid - refunds; refund rate = refunds / paid (same orders);
* gross profit = net sales - COGS, COGS = unit cost x units kept (sold - returned);
  units of SKUs without a cost are counted in ``units_without_cost``, never costed at 0;
* paying buyers are counted per shop and day (``count_buyers``); over several days they add
  up to buyer-days (``buyer_days``); 客单价 ``aov_fen`` = paid / buyer-days and 笔单价
  ``order_value_fen`` = paid / paid orders, so a period's 客单价 is the same whether it is
  computed from its days, its shops or in one go.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from . import catalogue, rows
from ._common import check_columns, ratio as _ratio

__all__ = [
    "TOTAL_COLUMNS", "GROUP_KEYS", "RATIOS", "totals", "period_totals", "with_ratios",
    "comparison_periods", "change_rate", "compare", "daily_trend", "platform_split",
    "top_skus", "stock_alerts", "PRESETS", "preset_period",
]

#: the summed columns of a totals frame (mart_shop_daily's, via the query common/shop_days)
TOTAL_COLUMNS = ("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units_without_cost",
                 "units", "count_paid_orders", "count_buyers")
#: the keys totals may be grouped by (the grain of mart_shop_daily)
GROUP_KEYS = ("sales_date", "platform", "shop_id")
#: the catalogue metrics :func:`with_ratios` adds
RATIOS = ("net_sales_fen", "refund_rate", "buyer_days", "aov_fen", "order_value_fen",
          "gross_profit_fen", "gross_margin_rate")


def _fn_check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"dashboard.{fn}",
                  ". Pass the frame returned by the matching dashboard_queries function.")


def _keys(by: Sequence[str], fn: str) -> list[str]:
    by = list(by)
    bad = [k for k in by if k not in GROUP_KEYS]
    if bad:
        raise ValueError(f"dashboard.{fn}: cannot group by {bad}; choose from {GROUP_KEYS}")
    return by


def totals(shop_days: pd.DataFrame, start=None, end=None, by: Sequence[str] = ()
           ) -> pd.DataFrame:
    """:data:`TOTAL_COLUMNS` summed over the shop-days with ``start <= sales_date <= end``
    (``shop_days``: the query ``common/shop_days``), one row per ``by`` key, sorted (one row
    of zeros when ``by`` is empty and nothing matched; no rows with ``by`` then).
    ``count_buyers`` is then a sum of daily counts: buyer-days."""
    by = _keys(by, "totals")
    _fn_check(shop_days, ["sales_date", *by, *TOTAL_COLUMNS], "totals")
    d = shop_days
    if start is not None or end is not None:
        day = pd.to_datetime(d["sales_date"])
        keep = np.ones(len(d), dtype=bool)
        if start is not None:
            keep &= (day >= pd.Timestamp(start)).to_numpy()
        if end is not None:
            keep &= (day <= pd.Timestamp(end)).to_numpy()
        d = d[keep]
    d = d.astype({c: "int64" for c in TOTAL_COLUMNS})
    out = rows.sums(d, by, TOTAL_COLUMNS)
    if not by and not len(d):
        out = pd.DataFrame({c: [0] for c in TOTAL_COLUMNS}).astype("int64")
    return out.reset_index(drop=True)


def period_totals(shop_days: pd.DataFrame, periods: dict, by: Sequence[str] = ()
                  ) -> dict[str, pd.DataFrame]:
    """:func:`totals` for several named periods ``{name: (start, end)}`` of the same
    shop-days (read once for all of them). Returns ``{name: frame}``."""
    if not periods:
        raise ValueError("dashboard.period_totals: no periods given")
    return {name: totals(shop_days, lo, hi, by) for name, (lo, hi) in periods.items()}


def with_ratios(totals: pd.DataFrame) -> pd.DataFrame:
    """Add the catalogue metrics :data:`RATIOS` to a :func:`totals` frame (a copy; same rows):

    * ``net_sales_fen`` = paid - refunds; ``gross_profit_fen`` = net sales - COGS
    * ``refund_rate`` = refunds / paid (NaN when nothing was paid)
    * ``buyer_days`` = the row's paying buyers counted per day, summed
    * ``aov_fen`` (客单价) = paid / buyer-days; ``order_value_fen`` (笔单价) = paid / paid
      orders (fen, float; NaN with no buyer / order)
    * ``gross_margin_rate`` = gross profit / net sales (NaN when net sales are 0)
    """
    _fn_check(totals, ["paid_fen", "refund_fen", "cogs_fen", "count_buyers",
                       "count_paid_orders"], "with_ratios")
    return rows.add(totals, RATIOS)


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
    a relative change of a rate reads badly), with change_rate NaN; ``good_when_up`` from
    the catalogue (True: a rise is good, False: a fall is, None: neither).
    """
    for name, df in (("current", current), ("previous", previous)):
        _fn_check(df, list(metrics), "compare")
        if len(df) != 1:
            raise ValueError(f"dashboard.compare: {name} must have exactly one row (a "
                             f"totals frame without by=); got {len(df)} rows")
    rows = []
    for m in metrics:
        cur, prev = current[m].iat[0], previous[m].iat[0]
        is_rate = m.endswith("_rate")
        rows.append({"metric": m, "current": cur, "previous": prev,
                     "change_rate": float("nan") if is_rate else change_rate(cur, prev),
                     "change_points": (float(cur) - float(prev)
                                       if is_rate and not (pd.isna(cur) or pd.isna(prev))
                                       else float("nan")),
                     "good_when_up": catalogue.good_when_up(m)})
    return pd.DataFrame(rows)


def daily_trend(daily: pd.DataFrame, start, end) -> pd.DataFrame:
    """One row per day from ``start`` to ``end``: ``paid_fen``, ``refund_fen``, ``gmv_fen`` =
    sums over the rows of that ``sales_date`` (platforms, shops), ``net_sales_fen`` = paid -
    refunds. ``daily`` must hold every day (the query ``overview/daily_by_platform`` takes
    them from dim_calendar, 0 when nothing sold)."""
    _fn_check(daily, ["sales_date", "paid_fen", "refund_fen", "gmv_fen"], "daily_trend")
    d = daily.assign(sales_date=pd.to_datetime(daily["sales_date"]).dt.normalize())
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    d = d[(d["sales_date"] >= lo) & (d["sales_date"] <= hi)]
    out = rows.sums(d, ["sales_date"], ["paid_fen", "refund_fen", "gmv_fen"])
    if len(out) and len(out) != (hi - lo).days + 1:
        raise ValueError(f"dashboard.daily_trend: {len(out)} days from {lo.date()} to {hi.date()}, "
                         f"expected {(hi - lo).days + 1}; pass every day (the query "
                         "overview/daily_by_platform takes them from dim_calendar)")
    out = rows.add(out, ["net_sales_fen"])
    return out[["sales_date", "paid_fen", "refund_fen", "gmv_fen", "net_sales_fen"]]


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


def top_skus(sku_sales: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` SKUs with the largest paid amount (ties: SKU code), from per-SKU sums (the
    query ``dashboard/sku_sales``; rows of the same SKU are added).

    One row per SKU with something paid: ``product_name`` (the SKU code when unknown),
    ``paid_fen``, ``units``, ``refund_fen``, ``refund_rate`` = refunds / paid, ``share_rate``
    = SKU paid / paid of all SKUs (not only the top ``n``)."""
    _fn_check(sku_sales, ["sku", "paid_fen", "units", "refund_fen"], "top_skus")
    if n < 1:
        raise ValueError(f"dashboard.top_skus: n must be at least 1; got {n}")
    out = rows.sums(sku_sales, ["sku"], ["paid_fen", "units", "refund_fen"])
    names = (sku_sales.dropna(subset=["product_name"]).groupby("sku")["product_name"].first()
             if "product_name" in sku_sales else pd.Series(dtype=object))
    out.insert(1, "product_name", out["sku"].map(names).fillna(out["sku"]))
    whole = out["paid_fen"].sum()
    out = rows.add(out, ["refund_rate"])
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    out = out[out["paid_fen"] > 0]
    return out.sort_values(["paid_fen", "sku"], ascending=[False, True], ignore_index=True).head(n)


def stock_alerts(stock: pd.DataFrame, sold: pd.DataFrame, lookback_days: int = 28,
                 alert_days: float = 7.0) -> pd.DataFrame:
    """SKUs out of stock or about to run out, from the stock and sales of
    :func:`ecomlib.metrics.dashboard_queries.stock` (``(stock, sold)``).

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
