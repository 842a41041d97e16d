"""Metrics of the data-overview report (notebooks/overview.ipynb: the seller's morning read of
yesterday, or of any period), as pure functions on the frames of
:mod:`ecomlib.metrics.overview_queries` (queries over the marts); the report's sentences,
cards, actions and Excel are in :mod:`ecomlib.metrics.overview_report`.

``shop_days`` is the query ``overview/shop_days`` (one row per calendar day and shop of the
selection: mart_shop_daily's measures and the day's visitors), ``sales`` is
``overview/sales`` (one row per sales_date, platform and SKU over the selected shops),
``daily`` is ``overview/daily_by_platform`` (every day of dim_calendar x platform, with its
``month_start``), ``stock`` is ``overview/stock`` (mart_stock_daily with the snapshot's
month). Outputs keep canonical names and units: money in fen (``*_fen``), ratios 0..1
(``*_rate``, NaN when the denominator is 0: the catalogue's metrics, ratios of sums), counts
as integers. Empty periods are present: the queries take every day (and so every month)
from dim_calendar.

The KPIs are the catalogue's (:mod:`ecomlib.metrics.catalogue`): 实付金额, 支付订单数,
支付买家数 (buyers per shop and day; over several days buyer-days), 客单价 = paid / buyer-days,
笔单价 = paid / paid orders, 退款率 = refunds / paid of the same orders, and where a shop has
a traffic export 访客数 (visitor-days) and 转化率 = buyer-days / visitor-days over the shops
with traffic only (a shop without a traffic export is not a shop with 0 visitors).

Refund rate, everywhere here: refunds / paid amount over the same orders (the model layer
books a refund on its order's ``sales_date``, so summing both over the same rows keeps them
on the same orders).

The warehouse's bookkeeping (row counts, loads, quarantined rows) is not a business figure:
it is in the data-quality report (:mod:`ecomlib.quality`), which the overview links to.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import catalogue, rows
from ._common import check_columns

__all__ = [
    "ADDITIVE", "KPI_METRICS", "TRAFFIC_METRICS", "SHOP_DAY_SUMS", "daily_by", "monthly_by",
    "totals_by", "top_skus", "month_end_stock", "peak_day", "Windows", "windows", "in_days",
    "kpis", "by_group", "period_target_fen", "month_target", "sku_changes", "top_seller_stock",
    "stale_shops",
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


# ----------------------------------------------------------------------------------------
# the period's KPIs and their comparisons (the 经营摘要's cards and changes)
# ----------------------------------------------------------------------------------------
#: the KPI cards, in the order a seller reads them (catalogue names)
KPI_METRICS = ("paid_fen", "count_paid_orders", "count_buyers", "aov_fen", "order_value_fen",
               "refund_rate", "visitors", "conversion_rate")
#: KPIs that need a traffic export (shown only where the selection has one)
TRAFFIC_METRICS = ("visitors", "conversion_rate")
#: additive columns of ``overview/shop_days`` (safe to sum over days and shops)
SHOP_DAY_SUMS = ("count_orders", "count_paid_orders", "count_buyers", "gmv_fen", "paid_fen",
                 "refund_fen", "cogs_fen", "units", "units_returned", "visitors", "page_views")


def _day(v) -> dt.date:
    return pd.Timestamp(v).date()


@dataclass(frozen=True)
class Windows:
    """The days a report compares, like for like.

    ``current`` = (start, covered end): the period's days that have data (``complete`` when
    that is the whole period; a period running past the latest data day is incomplete and
    only its covered days are compared); ``previous`` (环比) and ``year_ago`` (同比) = the
    same number of days from the start of the comparison period, or None when the data does
    not reach back that far (a comparison with nothing is shown as —, never as ±100 %)."""

    current: tuple
    previous: tuple | None
    year_ago: tuple | None
    complete: bool
    days: int          # days of the period
    covered_days: int  # days of the period with data (<= days)


def windows(start, end, previous_start, previous_end, year_ago_start, year_ago_end,
            first_day, last_day) -> Windows:
    """:class:`Windows` of a period ``start``..``end`` with its 环比 and 同比 periods (as
    :func:`ecomlib.periods.resolve` gives them), for data that runs from ``first_day`` to
    ``last_day`` (the selection's first and latest day with sales; None: no data).

    covered end = min(end, last_day); a whole period is compared with the whole comparison
    periods (a year-ago 366-day year included); an incomplete one (n covered days) with each
    comparison's start .. start + n - 1 (not past its own end). A comparison is None when it
    starts before ``first_day``."""
    a, b = _day(start), _day(end)
    days = (b - a).days + 1
    if first_day is None or last_day is None or _day(last_day) < a:
        return Windows((a, b), None, None, False, days, 0)
    cov = min(b, _day(last_day))
    n = (cov - a).days + 1
    first = _day(first_day)

    def comp(s, e):
        if s in (None, "") or e in (None, ""):
            return None
        s, e = _day(s), _day(e)
        if cov < b:  # like for like: as many days as the period has data
            e = min(e, s + dt.timedelta(days=n - 1))
        return (s, e) if s >= first else None
    return Windows((a, cov), comp(previous_start, previous_end),
                   comp(year_ago_start, year_ago_end), cov == b, days, n)


def in_days(df: pd.DataFrame, days: tuple | None, col: str = "sales_date") -> pd.DataFrame:
    """The rows of ``df`` whose ``col`` lies in ``days`` = (first, last), both inclusive
    (``days`` None: no rows)."""
    if days is None:
        return df.iloc[0:0]
    d = pd.to_datetime(df[col])
    return df[(d >= pd.Timestamp(days[0])) & (d <= pd.Timestamp(days[1]))]


def _traffic_rows(shop_days: pd.DataFrame) -> pd.DataFrame:
    """The rows of the shops that have visitors in these rows (their traffic export)."""
    v = shop_days.groupby(["platform", "shop_id"])["visitors"].transform("sum")
    return shop_days[v > 0]


def kpis(shop_days: pd.DataFrame, extra=()) -> dict:
    """:data:`KPI_METRICS` (and the catalogue metrics ``extra``, e.g. the target's
    net_sales_fen) over ``shop_days`` (rows of ``overview/shop_days``), each the catalogue's
    value of the rows; 访客数 and 转化率 over the shops with visitors in the rows only (NaN
    when none has: no traffic export, not 0 visitors)."""
    _check(shop_days, ["platform", "shop_id", "paid_fen", "refund_fen", "count_paid_orders",
                       "count_buyers", "visitors"], "kpis")
    out = {m: catalogue.value(m, shop_days) for m in (*KPI_METRICS, *extra)
           if m not in TRAFFIC_METRICS}
    t = _traffic_rows(shop_days) if len(shop_days) else shop_days
    for m in TRAFFIC_METRICS:
        out[m] = catalogue.value(m, t) if len(t) else float("nan")
    return out


def by_group(current: pd.DataFrame, previous: pd.DataFrame, year_ago: pd.DataFrame,
             by=("platform", "shop_id")) -> pd.DataFrame:
    """One row per ``by`` group (shops, or platforms) of the three periods' shop-days: the
    sums of :data:`SHOP_DAY_SUMS` in the period, the KPIs (catalogue metrics of the row),
    ``share_rate`` = the group's paid / all paid, and the paid amount of the comparison
    periods with ``paid_mom_rate`` = paid / previous paid - 1 (环比) and ``paid_yoy_rate`` =
    paid / year-ago paid - 1 (同比), NaN when the comparison has no paid amount (or no
    data). Groups without visitors in the period get NaN 访客数 and 转化率. Largest paid
    first."""
    by = [by] if isinstance(by, str) else list(by)
    _check(current, [*by, *SHOP_DAY_SUMS], "by_group")
    cur = rows.sums(current, by, SHOP_DAY_SUMS)
    out = rows.add(cur, ["aov_fen", "order_value_fen", "refund_rate", "conversion_rate"])
    no_traffic = out["visitors"] <= 0
    out["visitors"] = out["visitors"].astype("float64").mask(no_traffic)
    out.loc[no_traffic, "conversion_rate"] = np.nan
    whole = float(out["paid_fen"].sum())
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    for name, frame in (("previous_paid_fen", previous), ("year_ago_paid_fen", year_ago)):
        if frame is None or not len(frame):
            out[name] = np.nan
            continue
        ref = rows.sums(frame, by, ["paid_fen"]).rename(columns={"paid_fen": name})
        out = out.merge(ref, on=by, how="left")
    for name, ref in (("paid_mom_rate", "previous_paid_fen"),
                      ("paid_yoy_rate", "year_ago_paid_fen")):
        base = out[ref].astype("float64")
        out[name] = out["paid_fen"] / base.where(base > 0) - 1
    return out.sort_values(["paid_fen", *by], ascending=[False] + [True] * len(by),
                           ignore_index=True)


# ----------------------------------------------------------------------------------------
# targets (parameters/targets.yaml, read by the finance report's load_targets)
# ----------------------------------------------------------------------------------------
def period_target_fen(targets: pd.DataFrame, shops, start, end) -> float | None:
    """The selection's target for ``start``..``end``: each shop's monthly target
    (``targets`` rows of level ``shop``: entity, month, target_fen) spread evenly over its
    month's days and summed over the period's days and the ``shops``. None when a shop has
    no target for one of the months (a sum over some shops is no target for the
    selection), or when ``shops`` is empty."""
    shops = sorted(set(shops))
    if not shops or targets is None or not len(targets):
        return None
    t = targets[targets["level"] == "shop"]
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    months = pd.Series(days.to_period("M").to_timestamp()).value_counts()
    total = 0.0
    for shop in shops:
        mine = t[t["entity"] == shop].set_index(pd.to_datetime(t.loc[t["entity"] == shop, "month"]))
        for month, n_days in months.items():
            if month not in mine.index:
                return None
            total += float(mine.loc[month, "target_fen"]) * n_days / month.days_in_month
    return total


def month_target(attainment: pd.DataFrame, end) -> dict | None:
    """The month of ``end`` over the selection's shops, from the finance report's attainment
    rows (:func:`ecomlib.metrics.finance.attainment` of level ``shop``, one per shop and
    month): ``target_fen`` and ``actual_fen`` (month to date, summed over the shops),
    ``attainment_rate`` = actual / target, ``time_rate`` = days elapsed / days in the month,
    ``projected_fen`` = actual / days elapsed x days in the month (the month's run rate),
    ``projected_rate`` = projected / target, ``days_elapsed``, ``days_in_month``. None
    without a target for that month."""
    if attainment is None or not len(attainment):
        return None
    month = pd.Timestamp(end).to_period("M").to_timestamp()
    a = attainment[pd.to_datetime(attainment["month"]) == month]
    if not len(a) or not a["target_fen"].sum():
        return None
    target, actual = float(a["target_fen"].sum()), float(a["actual_fen"].sum())
    elapsed, n = int(a["days_elapsed"].max()), int(a["days_in_month"].max())
    projected = actual / elapsed * n if elapsed else np.nan
    return {"month": month, "target_fen": target, "actual_fen": actual,
            "attainment_rate": actual / target, "days_elapsed": elapsed, "days_in_month": n,
            "time_rate": elapsed / n, "projected_fen": projected,
            "projected_rate": projected / target}


# ----------------------------------------------------------------------------------------
# SKUs: the period's best sellers, and whether the top sellers are in stock
# ----------------------------------------------------------------------------------------
def sku_changes(current: pd.DataFrame, previous: pd.DataFrame | None, n: int = 10
                ) -> pd.DataFrame:
    """The ``n`` SKUs with the largest paid amount of the period (rows of
    ``overview/sku_sales``: sku, product_name, category, paid_fen, refund_fen, units), with
    ``share_rate`` = the SKU's paid / all SKUs' paid, ``refund_rate`` and the previous
    period's paid with ``paid_mom_rate`` (NaN when it sold nothing then or there is no
    previous period)."""
    _check(current, ["sku", "product_name", "category", "paid_fen", "refund_fen", "units"],
           "sku_changes")
    out = current.copy()
    whole = float(out["paid_fen"].sum())
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    out = rows.add(out, ["refund_rate"])
    if previous is not None and len(previous):
        out = out.merge(previous[["sku", "paid_fen"]].rename(
            columns={"paid_fen": "previous_paid_fen"}), on="sku", how="left")
    else:
        out["previous_paid_fen"] = np.nan
    base = out["previous_paid_fen"].astype("float64")
    out["paid_mom_rate"] = out["paid_fen"] / base.where(base > 0) - 1
    out = out[out["paid_fen"] > 0]
    return out.sort_values(["paid_fen", "sku"], ascending=[False, True], ignore_index=True).head(n)


def top_seller_stock(per_sku: pd.DataFrame, sales: pd.DataFrame, products: pd.DataFrame,
                     stock: pd.DataFrame, n: int = 20, low_days: float = 7.0) -> pd.DataFrame:
    """Whether the ``n`` best sellers are in stock: the SKUs with the largest paid amount in
    ``sales`` (rows of the inventory report's ``sku_daily``: sales_date, sku, units,
    paid_fen over the window, e.g. the last 28 days), with the inventory report's per-SKU
    period rows ``per_sku`` (:func:`ecomlib.metrics.inventory.sku_period` over the same
    window: closing_units = the last snapshot, avg_daily_units) and ``stock`` (the window's
    snapshots, to tell a SKU without any from one with 0 on hand).

    Columns: sku, product_name, category, paid_fen, units_sold, avg_daily_units,
    closing_units, days_of_supply = max(closing, 0) / avg daily units (the catalogue's; NaN
    when nothing sold), snapshot_date (the SKU's last snapshot), stock_status:
    ``stock_out`` (nothing on hand), ``low`` (days of supply < ``low_days``), ``ok``, or
    ``no_stock_data`` (no snapshot in the window: unknown, never called a stock-out).
    Stock-outs first, then low, then by paid amount."""
    _check(sales, ["sku", "units", "paid_fen"], "top_seller_stock")
    _check(per_sku, ["sku", "units_sold", "avg_daily_units", "closing_units",
                     "closing_stock_units"], "top_seller_stock")
    cols = ["sku", "product_name", "category", "paid_fen", "units_sold", "avg_daily_units",
            "closing_units", "days_of_supply", "snapshot_date", "stock_status"]
    paid = sales.groupby("sku")["paid_fen"].sum()
    paid = paid[paid > 0].sort_values(ascending=False, kind="stable")
    top = (paid.reset_index().sort_values(["paid_fen", "sku"], ascending=[False, True])
           .head(n).reset_index(drop=True))
    if not len(top):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    p = per_sku.set_index("sku")
    out = top.copy()
    names = products.set_index("sku") if len(products) else pd.DataFrame(
        columns=["product_name", "category"])
    out["product_name"] = out["sku"].map(names["product_name"]) if "product_name" in names else None
    out["category"] = out["sku"].map(names["category"]) if "category" in names else None
    for c in ("units_sold", "avg_daily_units", "closing_units", "closing_stock_units"):
        out[c] = out["sku"].map(p[c]) if len(p) else np.nan
    out = rows.add(out.fillna({"closing_stock_units": 0}), ["days_of_supply"])
    last = (pd.to_datetime(stock["snapshot_date"]).groupby(stock["sku"]).max()
            if len(stock) else pd.Series(dtype="datetime64[ns]"))
    out["snapshot_date"] = last.reindex(out["sku"]).to_numpy()  # map fails on an empty datetime Series
    has = out["snapshot_date"].notna()
    status = np.where(~has, "no_stock_data",
                      np.where(out["closing_units"] <= 0, "stock_out",
                               np.where(out["days_of_supply"] < low_days, "low", "ok")))
    out["stock_status"] = status
    order = {"stock_out": 0, "low": 1, "ok": 2, "no_stock_data": 3}
    out["_o"] = out["stock_status"].map(order)
    out = out.sort_values(["_o", "paid_fen", "sku"], ascending=[True, False, True],
                          ignore_index=True)
    out["units_sold"] = out["units_sold"].fillna(0).astype("int64")
    return out[cols]


def stale_shops(fresh: pd.DataFrame) -> pd.DataFrame:
    """The stale rows of :func:`ecomlib.freshness.table` (``is_stale``), most behind first."""
    s = fresh[fresh["is_stale"].astype(bool)]
    return s.sort_values(["sales_lag_days", "shop_id"], ascending=[False, True],
                         ignore_index=True)
