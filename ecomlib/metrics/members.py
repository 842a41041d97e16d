"""Member analysis: who buys, who comes back, what each is worth, what sells together.

Two kinds of functions:

* **Warehouse queries** (first argument a :class:`~ecomlib.warehouse.Warehouse`): run one of
  the ``MEMBERS_*`` rollups of :mod:`ecomlib.rollups` inside DuckDB and return a small
  aggregate (one row per period, window, cohort cell, region, platform combination or item
  pair), so they stay fast on millions of order lines. They then call the pure function
  that shapes the result.
* **Pure functions** on small frames (the per-member summary of
  ``Warehouse.member_summary``, or a query's rows): RFM scores and tiers, cohort tables,
  interval and frequency distributions, the churn watch-list.

Definitions (docs/DECISIONLOG.md has the reasons):

* a **purchase** is a paid order (``paid_at`` set), dated by its Beijing payment day; money is
  CNY fen (``*_fen``), ratios are 0..1 (``*_rate``, NaN when the denominator is 0);
* **new** buyer of a period: their first purchase in the warehouse's history (within the shop
  / platform filter) falls in the period; **returning**: they bought before the period;
* **repurchase rate** (复购率) = members with 2+ paid orders in the window / members with 1+;
* **purchase interval**: days between two consecutive purchase days of one member;
* **cohort**: the month of a member's first purchase; retention in month k = members of the
  cohort who bought in month k / cohort size; cumulative revenue per member = paid amount of
  the cohort in months 0..k / cohort size;
* **RFM**: R = days since the last purchase, F = paid orders, M = net paid amount (paid -
  refunded), all up to ``as_of``.

Member keys are never shown in full: :func:`display_keys` masks them for tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import i18n, rollups
from ._common import check_columns, ratio as _ratio
from ..privacy import mask_key

__all__ = [
    "TIERS", "PaidOrders", "paid_orders", "member_summary", "region_rows", "BasketItems", "basket_items", "new_vs_returning", "repurchase_rate", "rolling_repurchase", "purchase_intervals",
    "interval_distribution", "frequency_distribution", "cohorts", "cohort_table",
    "cohort_matrix", "platform_overlap", "members_per_platform", "regional_portrait",
    "region_table", "basket_pairs", "rfm", "rfm_tiers", "churn_watchlist",
    "calibration_holdout", "display_keys", "member_values", "value_by_tier", "parameters_table",
    "new_returning_long", "grouped_bars", "cohort_heatmap",
]

#: RFM tiers: (R high, F high, M high) -> tier code; labels in i18n (重要价值客户 ...)
TIERS = {
    (True, True, True): "important_value",
    (False, True, True): "important_keep",
    (True, False, True): "important_develop",
    (False, False, True): "important_retain",
    (True, True, False): "general_value",
    (False, True, False): "general_keep",
    (True, False, False): "general_develop",
    (False, False, False): "general_retain",
}
TIER_ORDER = list(TIERS.values())

_LABELS = {
    "important_value": ("重要价值客户", "Champions (R+ F+ M+)"),
    "important_keep": ("重要保持客户", "Keep close (R- F+ M+)"),
    "important_develop": ("重要发展客户", "Develop (R+ F- M+)"),
    "important_retain": ("重要挽留客户", "Win back (R- F- M+)"),
    "general_value": ("一般价值客户", "Regular value (R+ F+ M-)"),
    "general_keep": ("一般保持客户", "Regular keep (R- F+ M-)"),
    "general_develop": ("一般发展客户", "New / light (R+ F- M-)"),
    "general_retain": ("一般挽留客户", "Lapsed light (R- F- M-)"),
    "tier": ("RFM分层", "RFM tier"),
    "period_start": ("期间", "Period"),
    "count_buyers": ("付款买家数", "Paying buyers"),
    "count_new": ("新客数", "New buyers"),
    "count_returning": ("老客数", "Returning buyers"),
    "new_paid_fen": ("新客实付", "Paid by new"),
    "returning_paid_fen": ("老客实付", "Paid by returning"),
    "new_rate": ("新客占比", "New share"),
    "returning_paid_share_rate": ("老客实付占比", "Returning share of paid"),
    "window_start": ("窗口开始", "Window start"),
    "window_end": ("窗口结束", "Window end"),
    "count_repeat_buyers": ("复购会员数", "Repeat buyers"),
    "repurchase_rate": ("复购率", "Repurchase rate"),
    "interval_bucket": ("间隔(天)", "Gap (days)"),
    "count_intervals": ("间隔次数", "Gaps"),
    "interval_share_rate": ("占比", "Share"),
    "to_second_rate": ("首购→二购", "1st → 2nd"),
    "later_rate": ("之后各次", "Later"),
    "orders_bucket": ("订单数", "Orders"),
    "count_members": ("会员数", "Members"),
    "members_share_rate": ("会员占比", "Share of members"),
    "cohort_month": ("首购月份", "Cohort (first purchase)"),
    "activity_month": ("购买月份", "Month"),
    "months_since": ("首购后月数", "Months since first"),
    "cohort_size": ("首购人数", "Cohort size"),
    "count_active": ("当月购买人数", "Active members"),
    "retention_rate": ("留存率", "Retention"),
    "cum_paid_per_member_fen": ("人均累计实付", "Cum. paid per member"),
    "platforms": ("平台组合", "Platforms"),
    "count_platforms": ("平台数", "Platforms used"),
    "count_cross_platform": ("跨平台会员", "Cross-platform members"),
    "cross_platform_rate": ("跨平台占比", "Cross-platform share"),
    "paid_per_member_fen": ("人均实付", "Paid per member"),
    "province": ("省份", "Province"),
    "city": ("城市", "City"),
    "count_repeat_members": ("复购会员数", "Repeat members"),
    "repeat_member_rate": ("复购会员占比", "Repeat member share"),
    "item_a": ("商品A", "Item A"),
    "item_b": ("商品B", "Item B"),
    "name_a": ("商品A名称", "Item A name"),
    "name_b": ("商品B名称", "Item B name"),
    "count_pair_orders": ("同单次数", "Orders with both"),
    "count_orders_a": ("含A订单", "Orders with A"),
    "count_orders_b": ("含B订单", "Orders with B"),
    "count_baskets": ("多件订单数", "Multi-line orders"),
    "support_rate": ("支持度", "Support"),
    "confidence_a_to_b_rate": ("置信度A→B", "Confidence A→B"),
    "confidence_b_to_a_rate": ("置信度B→A", "Confidence B→A"),
    "lift": ("提升度", "Lift"),
    "member": ("会员(脱敏)", "Member (masked)"),
    "days_since_last": ("距上次购买(天)", "Days since last"),
    "net_paid_fen": ("净实付", "Net paid"),
    "r_score": ("R分", "R score"),
    "f_score": ("F分", "F score"),
    "m_score": ("M分", "M score"),
    "mean_days_since_last": ("平均距上次(天)", "Avg days since last"),
    "mean_orders": ("平均订单数", "Avg orders"),
    "paid_share_rate": ("实付占比", "Share of paid"),
    "p_alive_rate": ("存活概率", "P(alive)"),
    "clv_fen": ("未来价值(CLV)", "CLV"),
    "expected_purchases": ("预计购买次数", "Expected purchases"),
    "expected_value_fen": ("预计客单", "Expected value per purchase"),
    "frequency": ("复购次数(天)", "Repeat purchase days"),
    "frequency_bucket": ("校准期复购次数", "Calibration repeat purchases"),
    "actual_mean": ("实际(人均)", "Actual per member"),
    "predicted_mean": ("预测(人均)", "Predicted per member"),
    "actual_total": ("实际合计", "Actual total"),
    "predicted_total": ("预测合计", "Predicted total"),
    "error_rate": ("误差", "Error"),
    "first_purchase_date": ("首购日", "First purchase"),
    "last_purchase_date": ("末次购买日", "Last purchase"),
    "count_purchase_days": ("购买天数", "Purchase days"),
    "parameter": ("参数", "Parameter"),
    "usual_gap_days": ("平时间隔(天)", "Usual gap (days)"),
    "param_value": ("估计值", "Estimate"),
    "buyer_new": ("新客", "New"),
    "buyer_returning": ("老客", "Returning"),
    "buyer_kind": ("买家类型", "Buyer type"),
    "count_members_in_tier": ("会员数", "Members"),
    "sum_clv_fen": ("未来价值合计", "Total CLV"),
    "mean_clv_fen": ("人均未来价值", "CLV per member"),
    "mean_p_alive_rate": ("平均存活概率", "Avg P(alive)"),
}
# keys registered before keep their wording (see i18n.add_labels)
i18n.add_labels(_LABELS)

_PERIODS = ("week", "month", "quarter")
_ITEMS = {"sku": "sku", "category": "category"}  # columns of MEMBERS_BASKET_ITEMS_SQL


# -- helpers ----------------------------------------------------------------------------------
def _date(v, name: str, fn: str):
    if v is None:
        raise ValueError(f"members.{fn}: {name} is required (YYYY-MM-DD); never 'today'")
    try:
        return pd.Timestamp(v).date()
    except (ValueError, TypeError):
        raise ValueError(f"members.{fn}: {name} {v!r} is not a date (YYYY-MM-DD)") from None


def _span(start, end, fn: str):
    s, e = _date(start, "start", fn), _date(end, "end", fn)
    if s > e:
        raise ValueError(f"members.{fn}: start {s} is after end {e}; swap them")
    return s, e


def _filters(shops, platforms, params: dict, alias: str = "o.") -> str:
    """" AND o.platform IN (...) AND o.shop_id IN (...)" with named parameters."""
    from ..warehouse import sql_filters
    conds, _ = sql_filters(shops=shops, platforms=platforms, alias=alias, params=params)
    return "".join(" AND " + c for c in conds)


@dataclass(frozen=True)
class PaidOrders:
    """Handle of a temporary table holding ``rollups.MEMBERS_PAID_ORDERS_SQL`` (made by
    :func:`paid_orders`): its name, the last day it covers and the selection it was cut to."""

    table: str
    end: object
    shops: tuple | None
    platforms: tuple | None


_PAID_TABLES = iter(range(1, 1 << 62))


def _sel(values) -> tuple | None:
    if values is None:
        return None
    return (str(values),) if isinstance(values, str) else tuple(str(v) for v in values)


def paid_orders(wh, end, shops=None, platforms=None) -> PaidOrders:
    """Sum the order lines of every paid order of a known member up to ``end`` once
    (``rollups.MEMBERS_PAID_ORDERS_SQL``) into a temporary DuckDB table on ``wh``'s
    connection. Pass the handle as ``orders=`` to the members queries with the same shops
    and platforms and an end on or before ``end``: they then read this table instead of
    summing the lines again (the results are the same). The table lives as long as the
    connection (also on a read-only warehouse); load no data through that connection while
    using it."""
    e = _date(end, "end", "paid_orders")
    params: dict = {"end_d": e}
    filt = _filters(shops, platforms, params)
    name = f"members_paid_orders_{next(_PAID_TABLES)}"
    wh.con.execute(f"CREATE TEMP TABLE {name} AS "
                   + rollups.MEMBERS_PAID_ORDERS_SQL.format(filters=filt), params)
    return PaidOrders(name, e, _sel(shops), _sel(platforms))


def _paid_orders_sql(orders: PaidOrders | None, shops, platforms, params: dict, fn: str) -> str:
    """The ``{paid_orders}`` source of a members query: ``orders``' table cut at $end_d, or
    ``rollups.MEMBERS_PAID_ORDERS_SQL`` with the shop/platform filters. ``params`` must hold
    ``end_d``; the filters' parameters are added to it."""
    if orders is None:
        return rollups.MEMBERS_PAID_ORDERS_SQL.format(filters=_filters(shops, platforms, params))
    if (orders.shops, orders.platforms) != (_sel(shops), _sel(platforms)):
        raise ValueError(f"members.{fn}: orders= was made for shops {orders.shops} and platforms "
                         f"{orders.platforms}, not {_sel(shops)} and {_sel(platforms)}; make it "
                         f"with members.paid_orders(wh, end, shops, platforms)")
    if params["end_d"] > orders.end:
        raise ValueError(f"members.{fn}: orders= covers purchases up to {orders.end}, not "
                         f"{params['end_d']}; make it with a later end")
    return f"SELECT * FROM {orders.table} WHERE sales_date <= $end_d"


def member_summary(wh, as_of, shops=None, platforms=None,
                   orders: PaidOrders | None = None) -> pd.DataFrame:
    """Per-member purchase summary as of ``as_of``: the rows and columns of
    ``Warehouse.member_summary`` (frequency = purchase days - 1, recency_days, age_days,
    days_since_last, paid_fen / refund_fen in CNY fen, monetary_value_fen, ...; sorted by
    member_key).

    With ``orders`` (:func:`paid_orders` for the same shops and platforms and an end on or
    after ``as_of``) it is computed from that table (``rollups.MEMBERS_SUMMARY_SQL``: the
    same paid orders and amounts, so the same numbers) instead of summing the order lines
    again; without it, ``Warehouse.member_summary``. Compute it once per as-of date and pass
    it to what needs it (RFM, CLV, :func:`calibration_holdout`).
    """
    a = _date(as_of, "as_of", "member_summary")
    if orders is None:
        return wh.member_summary(a, shops=shops, platforms=platforms)
    params: dict = {"end_d": a, "as_of": a}
    src = _paid_orders_sql(orders, shops, platforms, params, "member_summary")
    return wh.sql(rollups.MEMBERS_SUMMARY_SQL.format(paid_orders=src), params)


def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"members.{fn}")


def display_keys(df: pd.DataFrame, col: str = "member_key", keep: int = 6) -> pd.DataFrame:
    """A copy with ``col`` replaced by a ``member`` column of masked keys (``3fa2c1…``)."""
    _check(df, [col], "display_keys")
    out = df.copy()
    pos = list(out.columns).index(col)
    masked = out.pop(col).map(lambda k: mask_key(k, keep))
    out.insert(pos, "member", masked)
    return out


# -- new vs returning ----------------------------------------------------------------------------
def new_vs_returning(wh, start, end, period: str = "month", shops=None, platforms=None,
                     orders: PaidOrders | None = None) -> pd.DataFrame:
    """Buyers per period split into new and returning (``rollups.MEMBERS_PERIOD_SQL``).

    One row per ``period`` (week / month / quarter, every period from ``start`` to ``end``;
    empty ones with 0 and NaN): ``count_buyers`` = members with a paid order in the period,
    ``count_new`` (first purchase ever falls in the period), ``count_returning`` (bought
    before), ``new_paid_fen`` / ``returning_paid_fen`` (fen), ``new_rate`` = new / buyers,
    ``returning_paid_share_rate`` = returning paid / all paid. Members who bought before the
    warehouse's history begins look new in its first periods.
    """
    s, e = _span(start, end, "new_vs_returning")
    if period not in _PERIODS:
        raise ValueError(f"members.new_vs_returning: period must be one of {_PERIODS}; got {period!r}")
    params = {"start_d": s, "end_d": e}
    src = _paid_orders_sql(orders, shops, platforms, params, "new_vs_returning")
    rows = wh.sql(rollups.MEMBERS_PERIOD_SQL.format(paid_orders=src, period=period), params)
    freq = {"week": "W-MON", "month": "MS", "quarter": "QS"}[period]
    first = pd.Timestamp(s).to_period({"week": "W", "month": "M", "quarter": "Q"}[period]).start_time
    spine = pd.DataFrame({"period_start": pd.date_range(first, pd.Timestamp(e), freq=freq)})
    rows["period_start"] = pd.to_datetime(rows["period_start"])
    out = spine.merge(rows, on="period_start", how="left")
    for c in ("count_buyers", "count_new", "count_returning", "new_paid_fen", "returning_paid_fen"):
        out[c] = out[c].fillna(0).astype("int64")
    out["new_rate"] = _ratio(out["count_new"], out["count_buyers"])
    out["returning_paid_share_rate"] = _ratio(out["returning_paid_fen"],
                                              out["new_paid_fen"] + out["returning_paid_fen"])
    return out


# -- repurchase -----------------------------------------------------------------------------------
def _windows_sql(windows: list[tuple]) -> str:
    return ", ".join(f"(DATE '{a.isoformat()}', DATE '{b.isoformat()}')" for a, b in windows)


def _repurchase(wh, windows, shops, platforms, orders=None, fn="repurchase_rate") -> pd.DataFrame:
    params: dict = {"end_d": max(b for _, b in windows)}
    src = _paid_orders_sql(orders, shops, platforms, params, fn)
    rows = wh.sql(rollups.MEMBERS_REPURCHASE_SQL.format(paid_orders=src, windows=_windows_sql(windows)),
                  params)
    spine = pd.DataFrame({"window_start": pd.to_datetime([a for a, _ in windows]),
                          "window_end": pd.to_datetime([b for _, b in windows])})
    rows["window_start"] = pd.to_datetime(rows["window_start"])
    rows["window_end"] = pd.to_datetime(rows["window_end"])
    out = spine.merge(rows, on=["window_start", "window_end"], how="left")
    for c in ("count_buyers", "count_repeat_buyers"):
        out[c] = out[c].fillna(0).astype("int64")
    out["repurchase_rate"] = _ratio(out["count_repeat_buyers"], out["count_buyers"])
    return out


def repurchase_rate(wh, start, end, shops=None, platforms=None,
                    orders: PaidOrders | None = None) -> pd.DataFrame:
    """复购率 over one window [start, end] (``rollups.MEMBERS_REPURCHASE_SQL``).

    repurchase_rate = members with 2+ paid orders in the window / members with 1+ (NaN when
    nobody bought). One row: window_start, window_end, count_buyers, count_repeat_buyers,
    repurchase_rate.
    """
    s, e = _span(start, end, "repurchase_rate")
    return _repurchase(wh, [(s, e)], shops, platforms, orders)


def rolling_repurchase(wh, start, end, window_days: int = 90, shops=None, platforms=None,
                       orders: PaidOrders | None = None) -> pd.DataFrame:
    """复购率 over the trailing ``window_days`` days, at every month end from ``start`` to ``end``.

    One row per window ending on each month's last day (the last window ends on ``end``),
    each covering ``window_days`` days up to and including its end:
    repurchase_rate = members with 2+ paid orders in the window / members with 1+.
    """
    s, e = _span(start, end, "rolling_repurchase")
    if int(window_days) < 1:
        raise ValueError(f"members.rolling_repurchase: window_days must be >= 1; got {window_days}")
    ends = [d.date() for d in pd.date_range(s, e, freq="ME")]
    if not ends or ends[-1] != e:
        ends.append(e)
    wins = [(d - pd.Timedelta(days=int(window_days) - 1).to_pytimedelta(), d) for d in ends]
    return _repurchase(wh, wins, shops, platforms, orders, "rolling_repurchase")


# -- intervals and frequency ------------------------------------------------------------------------
def purchase_intervals(wh, start, end, shops=None, platforms=None,
                       orders: PaidOrders | None = None) -> pd.DataFrame:
    """Histogram of gaps between consecutive purchase days (``rollups.MEMBERS_INTERVALS_SQL``).

    One row per (gap_days, purchase_number) for purchases from ``start`` to ``end``:
    ``purchase_number`` 2 = the gap from a member's first to second purchase day, 3 = any later
    one; ``count_intervals`` = how many such gaps.
    """
    s, e = _span(start, end, "purchase_intervals")
    params = {"start_d": s, "end_d": e}
    src = _paid_orders_sql(orders, shops, platforms, params, "purchase_intervals")
    out = wh.sql(rollups.MEMBERS_INTERVALS_SQL.format(paid_orders=src), params)
    return out.astype({"gap_days": "int64", "purchase_number": "int64", "count_intervals": "int64"})


DEFAULT_INTERVAL_BINS = (1, 8, 15, 31, 61, 91, 181, 366)


def interval_distribution(hist: pd.DataFrame, bins=DEFAULT_INTERVAL_BINS) -> pd.DataFrame:
    """Gaps bucketed: one row per bucket ``[lo, hi)`` days (labels ``1-7``, ..., ``365+``).

    ``bins`` are the bucket lower edges (ascending, the last bucket is open). Columns:
    interval_bucket, count_intervals (all gaps), interval_share_rate (share of all gaps),
    to_second_rate / later_rate (share of the first->second gaps, resp. later gaps, in the
    bucket; each sums to 1 over buckets).
    """
    _check(hist, ["gap_days", "purchase_number", "count_intervals"], "interval_distribution")
    edges = list(bins)
    if edges != sorted(edges) or len(edges) < 2:
        raise ValueError(f"members.interval_distribution: bins must ascend (2+ edges); got {bins}")
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:])] + [f"{edges[-1]}+"]
    idx = np.searchsorted(edges, hist["gap_days"].to_numpy(), side="right") - 1
    h = hist.assign(b=np.clip(idx, 0, len(edges) - 1))
    tot = h.groupby("b")["count_intervals"].sum().reindex(range(len(edges)), fill_value=0)
    sec = h[h.purchase_number == 2].groupby("b")["count_intervals"].sum().reindex(range(len(edges)), fill_value=0)
    lat = h[h.purchase_number != 2].groupby("b")["count_intervals"].sum().reindex(range(len(edges)), fill_value=0)
    out = pd.DataFrame({"interval_bucket": labels, "count_intervals": tot.to_numpy().astype("int64")})
    out["interval_share_rate"] = _ratio(out["count_intervals"], np.repeat(tot.sum(), len(out)))
    out["to_second_rate"] = _ratio(sec.to_numpy(), np.repeat(sec.sum(), len(out)))
    out["later_rate"] = _ratio(lat.to_numpy(), np.repeat(lat.sum(), len(out)))
    return out


def frequency_distribution(summary: pd.DataFrame, max_orders: int = 6) -> pd.DataFrame:
    """Members by number of paid orders (1, 2, ..., ``max_orders``+) from a member summary.

    Columns: orders_bucket, count_members, members_share_rate (of all members), paid_fen
    (their paid amount), paid_share_rate.
    """
    _check(summary, ["count_orders", "paid_fen"], "frequency_distribution")
    b = np.minimum(summary["count_orders"].to_numpy(), max_orders)
    g = pd.DataFrame({"b": b, "paid_fen": summary["paid_fen"].to_numpy()}).groupby("b").agg(
        count_members=("paid_fen", "size"), paid_fen=("paid_fen", "sum"))
    g = g.reindex(range(1, max_orders + 1), fill_value=0)
    out = pd.DataFrame({"orders_bucket": [str(i) if i < max_orders else f"{i}+" for i in g.index],
                        "count_members": g["count_members"].to_numpy().astype("int64"),
                        "paid_fen": g["paid_fen"].to_numpy().astype("int64")})
    out["members_share_rate"] = _ratio(out["count_members"], np.repeat(out["count_members"].sum(), len(out)))
    out["paid_share_rate"] = _ratio(out["paid_fen"], np.repeat(out["paid_fen"].sum(), len(out)))
    return out[["orders_bucket", "count_members", "members_share_rate", "paid_fen", "paid_share_rate"]]


# -- cohorts -----------------------------------------------------------------------------------------
def cohorts(wh, start, end, shops=None, platforms=None, orders: PaidOrders | None = None
            ) -> pd.DataFrame:
    """Monthly acquisition cohorts from ``start`` to ``end`` (``rollups.MEMBERS_COHORT_SQL``),
    shaped by :func:`cohort_table`."""
    s, e = _span(start, end, "cohorts")
    params = {"start_d": s, "end_d": e}
    src = _paid_orders_sql(orders, shops, platforms, params, "cohorts")
    rows = wh.sql(rollups.MEMBERS_COHORT_SQL.format(paid_orders=src), params)
    return cohort_table(rows, e)


def cohort_table(rows: pd.DataFrame, end) -> pd.DataFrame:
    """Cohort x month table with retention and cumulative revenue per member.

    ``rows``: one row per (cohort_month, activity_month) with count_active and paid_fen.
    Returns one row per cohort and months_since = 0 .. (month of ``end`` - cohort month),
    months without purchases present with 0: cohort_size (= active in month 0),
    count_active, retention_rate = count_active / cohort_size, paid_fen (that month),
    cum_paid_per_member_fen = sum of paid_fen over months 0..k / cohort_size (fen, float).
    """
    _check(rows, ["cohort_month", "activity_month", "count_active", "paid_fen"], "cohort_table")
    cols = ["cohort_month", "months_since", "activity_month", "cohort_size", "count_active",
            "retention_rate", "paid_fen", "cum_paid_per_member_fen"]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    r = rows.copy()
    r["cohort_month"] = pd.to_datetime(r["cohort_month"])
    r["activity_month"] = pd.to_datetime(r["activity_month"])
    end_m = pd.Timestamp(end).to_period("M")
    parts = []
    for cm in sorted(r["cohort_month"].unique()):
        n = (end_m - pd.Timestamp(cm).to_period("M")).n
        parts.append(pd.DataFrame({"cohort_month": pd.Timestamp(cm), "months_since": np.arange(n + 1)}))
    spine = pd.concat(parts, ignore_index=True)
    spine["activity_month"] = [c + pd.DateOffset(months=int(k)) for c, k in
                               zip(spine["cohort_month"], spine["months_since"])]
    out = spine.merge(r, on=["cohort_month", "activity_month"], how="left")
    out["count_active"] = out["count_active"].fillna(0).astype("int64")
    out["paid_fen"] = out["paid_fen"].fillna(0).astype("int64")
    size = out.groupby("cohort_month")["count_active"].transform("first")
    out["cohort_size"] = size.astype("int64")
    out["retention_rate"] = _ratio(out["count_active"], out["cohort_size"])
    out["cum_paid_per_member_fen"] = _ratio(out.groupby("cohort_month")["paid_fen"].cumsum(),
                                            out["cohort_size"])
    return out[cols]


def cohort_matrix(table: pd.DataFrame, value: str = "retention_rate", max_months: int | None = 12
                  ) -> pd.DataFrame:
    """Pivot of :func:`cohort_table`: one row per cohort month (``YYYY-MM``), one column per
    months_since (0..``max_months``), cells = ``value``; cells not yet observable are NaN."""
    _check(table, ["cohort_month", "months_since", value], "cohort_matrix")
    t = table if max_months is None else table[table["months_since"] <= max_months]
    if t.empty:
        return pd.DataFrame()
    m = t.pivot(index="cohort_month", columns="months_since", values=value)
    m.index = [pd.Timestamp(i).strftime("%Y-%m") for i in m.index]
    return m


# -- platforms ------------------------------------------------------------------------------------------
def platform_overlap(wh, start, end, shops=None, platforms=None,
                     orders: PaidOrders | None = None) -> pd.DataFrame:
    """Members per combination of platforms they bought on (``rollups.MEMBERS_PLATFORM_SQL``).

    One row per combination (``platforms`` like ``jd+tmall``): count_platforms,
    count_members, count_orders, paid_fen, paid_per_member_fen. Cross-platform means the
    same member_key on several platforms (the identity matched, e.g. a phone number).
    """
    s, e = _span(start, end, "platform_overlap")
    params = {"start_d": s, "end_d": e}
    src = _paid_orders_sql(orders, shops, platforms, params, "platform_overlap")
    out = wh.sql(rollups.MEMBERS_PLATFORM_SQL.format(paid_orders=src), params)
    out["paid_per_member_fen"] = _ratio(out["paid_fen"], out["count_members"])
    return out


def members_per_platform(combos: pd.DataFrame) -> pd.DataFrame:
    """Per platform, from :func:`platform_overlap`: count_members (bought there),
    count_cross_platform (of them, bought on another platform too), cross_platform_rate =
    cross / members."""
    _check(combos, ["platforms", "count_members"], "members_per_platform")
    rows: dict[str, list[int]] = {}
    for combo, n in zip(combos["platforms"], combos["count_members"]):
        parts = str(combo).split("+")
        for p in parts:
            r = rows.setdefault(p, [0, 0])
            r[0] += int(n)
            r[1] += int(n) if len(parts) > 1 else 0
    out = pd.DataFrame([(p, a, b) for p, (a, b) in rows.items()],
                       columns=["platform", "count_members", "count_cross_platform"])
    out = out.sort_values(["count_members", "platform"], ascending=[False, True], ignore_index=True)
    out["cross_platform_rate"] = _ratio(out["count_cross_platform"], out["count_members"])
    return out


# -- regions -----------------------------------------------------------------------------------------------
def regional_portrait(wh, start, end, level: str = "province", top: int | None = None,
                      shops=None, platforms=None, orders: PaidOrders | None = None) -> pd.DataFrame:
    """Members by home region (``rollups.MEMBERS_REGION_SQL``), shaped by :func:`region_table`.
    For both levels from one query, call :func:`region_rows` once and :func:`region_table`
    per level."""
    return region_table(region_rows(wh, start, end, shops, platforms, orders), level, top)


def region_rows(wh, start, end, shops=None, platforms=None,
                orders: PaidOrders | None = None) -> pd.DataFrame:
    """The rows of ``rollups.MEMBERS_REGION_SQL`` (one per province and city: count_members,
    count_repeat_members, count_orders, paid_fen in CNY fen) from ``start`` to ``end``, for
    :func:`region_table` at either level (provinces are sums of their cities)."""
    s, e = _span(start, end, "regional_portrait")
    params = {"start_d": s, "end_d": e}
    src = _paid_orders_sql(orders, shops, platforms, params, "regional_portrait")
    return wh.sql(rollups.MEMBERS_REGION_SQL.format(paid_orders=src), params)


def region_table(rows: pd.DataFrame, level: str = "province", top: int | None = None) -> pd.DataFrame:
    """Regions ranked by paid amount. A member's home region is that of their latest paid
    order in the period, so members add up over cities to provinces.

    One row per ``level`` (``province``, or ``city`` with its province): count_members,
    count_repeat_members, repeat_member_rate = repeat / members, count_orders, paid_fen,
    paid_per_member_fen = paid / members, members_share_rate (of all members). ``top``
    keeps the largest regions by paid amount. An empty region shows as 未知/unknown.
    """
    _check(rows, ["province", "city", "count_members", "count_repeat_members", "count_orders",
                  "paid_fen"], "region_table")
    if level not in ("province", "city"):
        raise ValueError(f"members.region_table: level must be 'province' or 'city'; got {level!r}")
    keys = ["province"] if level == "province" else ["province", "city"]
    r = rows.copy()
    for k in keys:
        r[k] = r[k].fillna("").replace("", "unknown")
    g = r.groupby(keys, as_index=False)[["count_members", "count_repeat_members", "count_orders",
                                         "paid_fen"]].sum()
    for c in ("count_members", "count_repeat_members", "count_orders", "paid_fen"):
        g[c] = g[c].astype("int64")
    g["repeat_member_rate"] = _ratio(g["count_repeat_members"], g["count_members"])
    g["paid_per_member_fen"] = _ratio(g["paid_fen"], g["count_members"])
    g["members_share_rate"] = _ratio(g["count_members"], np.repeat(g["count_members"].sum(), len(g)))
    g = g.sort_values(["paid_fen"] + keys, ascending=[False] + [True] * len(keys), ignore_index=True)
    if top is not None:
        g = g.head(top)
    return g[keys + ["count_members", "members_share_rate", "count_repeat_members",
                     "repeat_member_rate", "count_orders", "paid_fen", "paid_per_member_fen"]]


# -- baskets --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BasketItems:
    """Handle of a temporary table holding ``rollups.MEMBERS_BASKET_ITEMS_SQL`` (made by
    :func:`basket_items`): its name, the days and the selection it was cut to."""

    table: str
    start: object
    end: object
    shops: tuple | None
    platforms: tuple | None


def basket_items(wh, start, end, shops=None, platforms=None) -> BasketItems:
    """Resolve the items of the baskets (paid orders with 2+ lines from ``start`` to ``end``)
    once into a temporary DuckDB table on ``wh``'s connection
    (``rollups.MEMBERS_BASKET_ITEMS_SQL``: one row per order, resolved sku and category).
    Pass the handle as ``items=`` to :func:`basket_pairs` with the same days and selection,
    for SKUs and categories alike (same results, as with :func:`paid_orders`)."""
    s, e = _span(start, end, "basket_items")
    params: dict = {"start_d": s, "end_d": e}
    filt = _filters(shops, platforms, params)
    name = f"members_basket_items_{next(_PAID_TABLES)}"
    wh.con.execute(f"CREATE TEMP TABLE {name} AS "
                   + rollups.MEMBERS_BASKET_ITEMS_SQL.format(filters=filt), params)
    return BasketItems(name, s, e, _sel(shops), _sel(platforms))


def basket_pairs(wh, start, end, item: str = "sku", min_orders: int = 5, top: int | None = 20,
                 shops=None, platforms=None, counts: dict | None = None,
                 items: "BasketItems | None" = None) -> tuple[pd.DataFrame, dict]:
    """Item pairs bought in the same paid order (``rollups.MEMBERS_BASKET_SQL``).

    Over paid orders with 2+ lines ("baskets") from ``start`` to ``end``; ``item`` is
    ``sku`` (resolved SKU) or ``category``. Per pair (a < b): count_pair_orders,
    support_rate = orders with both / baskets, confidence_a_to_b_rate = orders with both /
    orders with a (and b_to_a), lift = support(a,b) / (support(a) support(b)) (> 1: bought
    together more than by chance). Pairs in fewer than ``min_orders`` orders are dropped;
    sorted by lift, ``top`` kept. For SKUs, name_a / name_b come from products.

    Returns (pairs, counts) with counts = {count_orders: paid orders, count_baskets}.
    ``counts`` from an earlier call with the same start, end, shops and platforms (they do
    not depend on ``item``) skips counting the orders again; ``items`` (:func:`basket_items`
    for the same start, end, shops and platforms) reads the baskets' resolved items from
    that table instead of resolving them again.
    """
    s, e = _span(start, end, "basket_pairs")
    if item not in _ITEMS:
        raise ValueError(f"members.basket_pairs: item must be one of {list(_ITEMS)}; got {item!r}")
    params = {"start_d": s, "end_d": e}
    filt = _filters(shops, platforms, params)
    if counts is None:
        c = wh.sql(rollups.MEMBERS_BASKET_COUNT_SQL.format(filters=filt), params).iloc[0]
        counts = {"count_orders": int(c["count_orders"]), "count_baskets": int(c["count_baskets"])}
    else:
        counts = {"count_orders": int(counts["count_orders"]), "count_baskets": int(counts["count_baskets"])}
    params["min_orders"] = int(min_orders)
    if items is None:
        src = rollups.MEMBERS_BASKET_ITEMS_SQL.format(filters=filt)
    else:
        if (items.start, items.end, items.shops, items.platforms) != (s, e, _sel(shops), _sel(platforms)):
            raise ValueError(f"members.basket_pairs: items= was made for {items.start}..{items.end}, "
                             f"shops {items.shops} and platforms {items.platforms}, not {s}..{e}, "
                             f"{_sel(shops)} and {_sel(platforms)}; make it with "
                             f"members.basket_items(wh, start, end, shops, platforms)")
        src = f"SELECT * FROM {items.table}"
        params = {"min_orders": int(min_orders)}  # the table is already cut to the days and selection
    pairs = wh.sql(rollups.MEMBERS_BASKET_SQL.format(basket_items=src, item=_ITEMS[item]), params)
    if top is not None:
        pairs = pairs.head(top)
    if item == "sku" and len(pairs):
        names = wh.sql("SELECT sku, product_name FROM products").set_index("sku")["product_name"]
        pairs.insert(1, "name_a", pairs["item_a"].map(names))
        pairs.insert(3, "name_b", pairs["item_b"].map(names))
    return pairs.reset_index(drop=True), counts


# -- RFM --------------------------------------------------------------------------------------------------
def _quintile_score(v: pd.Series, higher_is_better: bool) -> pd.Series:
    """1..5 by rank quintile (ties share the average rank); 5 = best."""
    if v.empty:
        return pd.Series(dtype="int64")
    pct = v.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(pct * 5).clip(1, 5).astype("int64")


def rfm(summary: pd.DataFrame, recency_days: float | None = None,
        frequency_orders: float | None = None, monetary_fen: float | None = None) -> pd.DataFrame:
    """RFM per member from ``Warehouse.member_summary(as_of)`` and the 8 named tiers.

    R = ``days_since_last`` (days from the last purchase to as_of), F = ``count_orders``
    (paid orders), M = ``net_paid_fen`` = paid_fen - refund_fen (fen). A member is high on
    R when days_since_last <= ``recency_days``, on F when count_orders >= ``frequency_orders``,
    on M when net_paid_fen >= ``monetary_fen``; a threshold left None is the members' mean
    (高于平均为高). Tier from (R, F, M) high/low, :data:`TIERS` (重要价值客户 = all three high,
    重要挽留客户 = only M high, ...). Also r_score / f_score / m_score, 1..5 by quintile
    (5 = most recent / most orders / most money).

    Returns the summary's member_key, days_since_last, count_orders, net_paid_fen, the three
    scores, r_high / f_high / m_high, tier; and ``attrs['thresholds']`` with the values used.
    """
    _check(summary, ["member_key", "days_since_last", "count_orders", "paid_fen", "refund_fen"], "rfm")
    out = summary[["member_key", "days_since_last", "count_orders"]].copy()
    out["net_paid_fen"] = (summary["paid_fen"] - summary["refund_fen"].fillna(0)).astype("int64")
    th = {
        "recency_days": float(out["days_since_last"].mean()) if recency_days is None else float(recency_days),
        "frequency_orders": float(out["count_orders"].mean()) if frequency_orders is None else float(frequency_orders),
        "monetary_fen": float(out["net_paid_fen"].mean()) if monetary_fen is None else float(monetary_fen),
    }
    out["r_score"] = _quintile_score(out["days_since_last"], higher_is_better=False)
    out["f_score"] = _quintile_score(out["count_orders"], higher_is_better=True)
    out["m_score"] = _quintile_score(out["net_paid_fen"], higher_is_better=True)
    out["r_high"] = out["days_since_last"] <= th["recency_days"]
    out["f_high"] = out["count_orders"] >= th["frequency_orders"]
    out["m_high"] = out["net_paid_fen"] >= th["monetary_fen"]
    out["tier"] = [TIERS[(bool(r), bool(f), bool(m))]
                   for r, f, m in zip(out["r_high"], out["f_high"], out["m_high"])]
    out.attrs["thresholds"] = th
    return out


def rfm_tiers(scored: pd.DataFrame) -> pd.DataFrame:
    """One row per RFM tier (all 8, in :data:`TIERS` order, empty tiers with 0): count_members,
    members_share_rate, net_paid_fen, paid_share_rate (of all net paid),
    mean_days_since_last, mean_orders."""
    _check(scored, ["tier", "days_since_last", "count_orders", "net_paid_fen"], "rfm_tiers")
    g = scored.groupby("tier").agg(count_members=("tier", "size"), net_paid_fen=("net_paid_fen", "sum"),
                                   mean_days_since_last=("days_since_last", "mean"),
                                   mean_orders=("count_orders", "mean"))
    g = g.reindex(TIER_ORDER)
    g["count_members"] = g["count_members"].fillna(0).astype("int64")
    g["net_paid_fen"] = g["net_paid_fen"].fillna(0).astype("int64")
    g = g.reset_index().rename(columns={"index": "tier"})
    g["members_share_rate"] = _ratio(g["count_members"], np.repeat(g["count_members"].sum(), len(g)))
    g["paid_share_rate"] = _ratio(g["net_paid_fen"], np.repeat(g["net_paid_fen"].sum(), len(g)))
    return g[["tier", "count_members", "members_share_rate", "net_paid_fen", "paid_share_rate",
              "mean_days_since_last", "mean_orders"]]


# -- churn watch-list -------------------------------------------------------------------------------------
def churn_watchlist(scored: pd.DataFrame, min_net_paid_fen: float | None = None,
                    max_p_alive: float = 0.3, top: int = 30) -> pd.DataFrame:
    """Members worth winning back: high past value and low probability of being alive.

    ``scored`` has member_key, net_paid_fen (or paid_fen and refund_fen), p_alive_rate.
    Kept: net_paid_fen >= ``min_net_paid_fen`` (default: the 80th percentile of members, i.e.
    the top fifth by past value) and p_alive_rate <= ``max_p_alive``; sorted by past value,
    largest first, ``top`` rows; member keys masked (``member`` column). When the summary
    columns are there, ``usual_gap_days`` = recency_days / frequency (the member's own mean
    days between purchase days) shows why P(alive) is low: the silence since the last
    purchase (days_since_last) is long compared with it.
    """
    df = scored.copy()
    if "net_paid_fen" not in df.columns:
        _check(df, ["paid_fen", "refund_fen"], "churn_watchlist")
        df["net_paid_fen"] = (df["paid_fen"] - df["refund_fen"].fillna(0)).astype("int64")
    _check(df, ["member_key", "p_alive_rate", "net_paid_fen"], "churn_watchlist")
    if df.empty:
        return display_keys(df)
    if {"recency_days", "frequency"} <= set(df.columns):
        df["usual_gap_days"] = df["recency_days"] / df["frequency"].where(df["frequency"] > 0)
    th = float(df["net_paid_fen"].quantile(0.8)) if min_net_paid_fen is None else float(min_net_paid_fen)
    keep = df[(df["net_paid_fen"] >= th) & (df["p_alive_rate"] <= max_p_alive)]
    keep = keep.sort_values(["net_paid_fen", "member_key"], ascending=[False, True]).head(top)
    out = display_keys(keep.reset_index(drop=True))
    out.attrs["min_net_paid_fen"] = th
    return out


# -- calibration / holdout ---------------------------------------------------------------------------------
def calibration_holdout(wh, calibration_end, end, shops=None, platforms=None,
                        orders: PaidOrders | None = None,
                        summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Member summary at ``calibration_end`` (:func:`member_summary`, from ``orders`` when
    given; or ``summary``, the caller's summary at calibration_end for the same shops and
    platforms) with ``count_holdout_purchases``: purchase days after it up to ``end``
    inclusive (``rollups.MEMBERS_HOLDOUT_SQL``). One row per member who bought by
    calibration_end."""
    c, e = _span(calibration_end, end, "calibration_holdout")
    if c == e:
        raise ValueError("members.calibration_holdout: calibration_end equals end; the holdout is empty")
    if summary is None:
        summary = member_summary(wh, c, shops, platforms, orders)
    params = {"cal_end_d": c, "end_d": e}
    src = _paid_orders_sql(orders, shops, platforms, params, "calibration_holdout")
    hold = wh.sql(rollups.MEMBERS_HOLDOUT_SQL.format(paid_orders=src), params)
    out = summary.merge(hold, on="member_key", how="left")
    out["count_holdout_purchases"] = out["count_holdout_purchases"].fillna(0).astype("int64")
    return out


# -- member value (CLV) -------------------------------------------------------------------------------
def member_values(summary: pd.DataFrame, horizon_months: int = 12,
                  monthly_discount_rate: float = 0.01, margin_rate: float = 1.0,
                  min_members: int = 30, spend: bool = True, score: bool = True
                  ) -> tuple[pd.DataFrame, object, object, str]:
    """Fit BG/NBD + Gamma-Gamma on a member summary and score every member
    (:func:`ecomlib.models.clv.score_members`).

    ``spend=False`` fits BG/NBD only (gg is None; the same bg), ``score=False`` skips the
    scoring (the score columns are NaN): for a check that needs only the purchase model,
    such as the holdout (:func:`ecomlib.models.clv.holdout_by_frequency`).

    Returns (scored, bg, gg, note). With fewer than ``min_members`` members, or when the
    fit fails, the models are None, the score columns are NaN and ``note`` says why (a report
    shows the note instead of an error). ``scored`` also carries ``net_paid_fen``.
    """
    from ..models import clv

    out = summary.copy()
    if "paid_fen" in out.columns:
        out["net_paid_fen"] = (out["paid_fen"] - out["refund_fen"].fillna(0)).astype("int64")
    empty_cols = ("p_alive_rate", "expected_purchases", "expected_value_fen", "clv_fen")
    if len(out) < min_members or int((out["frequency"] > 0).sum()) < 3:
        for c in empty_cols:
            out[c] = np.nan
        return out, None, None, (f"{len(out)} member(s), {int((out['frequency'] > 0).sum()) if len(out) else 0} "
                                 f"with a repeat purchase: too few to fit the models (need {min_members} "
                                 f"members and 3 repeaters)")
    try:
        bg, gg = clv.fit_summary(out, spend=spend)
    except (ValueError, RuntimeError) as e:
        for c in empty_cols:
            out[c] = np.nan
        return out, None, None, f"the model fit failed: {e}"
    if not score:
        for c in empty_cols:
            out[c] = np.nan
        return out, bg, gg, ""
    scored = clv.score_members(out, bg, gg, horizon_months, monthly_discount_rate, margin_rate)
    return scored, bg, gg, ""


def value_by_tier(tiers: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Per RFM tier (all 8): count_members, mean_p_alive_rate, sum_clv_fen, mean_clv_fen
    (:func:`rfm` rows joined to :func:`member_values` scores on member_key)."""
    _check(tiers, ["member_key", "tier"], "value_by_tier")
    _check(scored, ["member_key", "p_alive_rate", "clv_fen"], "value_by_tier")
    j = tiers[["member_key", "tier"]].merge(scored[["member_key", "p_alive_rate", "clv_fen"]],
                                            on="member_key", how="left")
    g = j.groupby("tier").agg(count_members=("member_key", "size"),
                              mean_p_alive_rate=("p_alive_rate", "mean"),
                              sum_clv_fen=("clv_fen", lambda s: s.sum(min_count=1)),
                              mean_clv_fen=("clv_fen", "mean")).reindex(TIER_ORDER)
    g["count_members"] = g["count_members"].fillna(0).astype("int64")
    return g.reset_index().rename(columns={"index": "tier"})


def parameters_table(bg, gg, time_unit: str = "week") -> pd.DataFrame:
    """The fitted parameters as a two-column display table (parameter, param_value as text,
    4 decimals below 100): BG/NBD r, alpha (in ``time_unit``s), a, b, log-likelihood and
    Gamma-Gamma p, q, gamma (in yuan), corr(frequency, value)."""
    rows = []
    if bg is not None:
        rows += [("BG/NBD r", bg.params_["r"]), (f"BG/NBD alpha ({time_unit})", bg.params_["alpha"]),
                 ("BG/NBD a", bg.params_["a"]), ("BG/NBD b", bg.params_["b"]),
                 ("BG/NBD log-likelihood", bg.loglik_)]
    if gg is not None:
        rows += [("Gamma-Gamma p", gg.params_["p"]), ("Gamma-Gamma q", gg.params_["q"]),
                 ("Gamma-Gamma gamma (yuan)", gg.params_["gamma"] / 100),
                 ("corr(frequency, value)", gg.corr_frequency_value_)]
    return pd.DataFrame([(k, f"{v:,.4f}" if abs(v) < 100 else f"{v:,.2f}") for k, v in rows],
                        columns=["parameter", "param_value"])


def new_returning_long(table: pd.DataFrame, value: str = "count") -> pd.DataFrame:
    """:func:`new_vs_returning` in long form for a stacked chart: period_start, buyer_kind
    (buyer_new / buyer_returning), and ``count_members`` (value="count") or ``paid_fen``."""
    cols = {"count": ("count_new", "count_returning", "count_members"),
            "paid": ("new_paid_fen", "returning_paid_fen", "paid_fen")}[value]
    parts = [pd.DataFrame({"period_start": table["period_start"], "buyer_kind": kind,
                           cols[2]: table[c]}) for kind, c in (("buyer_new", cols[0]),
                                                               ("buyer_returning", cols[1]))]
    return pd.concat(parts, ignore_index=True)


# -- domain charts --------------------------------------------------------------------------------------
def grouped_bars(df: pd.DataFrame, x: str, ys: list[str], title: str | None = None,
                 lang: str = "zh", ylabel: str | None = None, figsize=(10, 3.8), annotate: bool = True):
    """Vertical bars of several columns side by side per ``x`` value (e.g. actual vs
    predicted per frequency bucket, share of members vs share of paid per tier). Columns
    ending in ``_rate`` draw on a percent axis, ``_fen`` in yuan."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from .. import fmt, plots
    plots.setup(lang)
    if df.empty:
        return plots._empty_figure(title, lang, figsize)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    n = len(ys)
    w = 0.8 / n
    xs = np.arange(len(df))
    colors = ["#4C6EF5", "#F76707", "#12B886", "#845EF7"]
    kind = "rate" if ys[0].endswith("_rate") else "money" if ys[0].endswith("_fen") else "number"
    for i, y in enumerate(ys):
        v = pd.to_numeric(df[y], errors="coerce").astype("float64")
        v = v / 100 if kind == "money" else v
        bars = ax.bar(xs + (i - (n - 1) / 2) * w, v.fillna(0), width=w * 0.95, color=colors[i % 4],
                      label=i18n.label(y, lang))
        if annotate and len(df) <= 12:
            for b, val in zip(bars, v):
                if np.isfinite(val):
                    txt = fmt.pct(val, 0) if kind == "rate" else (
                        fmt.short_number(val, lang) if abs(val) >= 10 else f"{val:.2f}")
                    ax.text(b.get_x() + b.get_width() / 2, b.get_height(), txt, ha="center",
                            va="bottom", fontsize="x-small", color="#343A40")
    ax.set_xticks(xs, [i18n.label(v, lang) for v in df[x]])
    if len(df) > 6 and max(len(str(i18n.label(v, lang))) for v in df[x]) > 6:
        for t in ax.get_xticklabels():
            t.set_rotation(30)
            t.set_ha("right")
            t.set_rotation_mode("anchor")
    if kind == "rate":
        ax.yaxis.set_major_formatter(FuncFormatter(plots._percent_tick))
    elif kind == "money":
        ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    ax.set_xlabel(i18n.label(x, lang))
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    return fig


def cohort_heatmap(matrix: pd.DataFrame, title: str | None = None, lang: str = "zh",
                   kind: str = "rate"):
    """Heatmap of :func:`cohort_matrix` (rows: cohort month, columns: months since first
    purchase). ``kind`` ``rate`` labels cells as percentages, ``money`` (fen) as yuan."""
    from matplotlib.figure import Figure

    from .. import fmt, plots
    plots.setup(lang)
    if matrix.empty:
        return plots._empty_figure(title, lang, (10, 3))
    vals = matrix.to_numpy(dtype="float64")
    shown = vals / 100 if kind == "money" else vals
    fig = Figure(figsize=(11, 0.32 * len(matrix) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    if kind == "rate":  # month 0 is 100% by definition: scale colours on the later months
        later = shown[:, 1:] if shown.shape[1] > 1 else shown
        vmax = np.nanmax(later) if np.isfinite(later).any() else 1.0
    else:
        vmax = np.nanmax(shown) if np.isfinite(shown).any() else 1.0
    im = ax.imshow(np.ma.masked_invalid(shown), aspect="auto", cmap="Blues", vmin=0, vmax=vmax)
    for (i, j), v in np.ndenumerate(shown):
        if np.isfinite(v):
            txt = fmt.pct(v, 0) if kind == "rate" else fmt.short_number(v, lang)
            ax.text(j, i, txt, ha="center", va="center", fontsize=7,
                    color="white" if v > 0.6 * vmax else "#212529")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(len(matrix)), list(matrix.index))
    ax.set_xlabel(i18n.label("months_since", lang))
    ax.grid(False)
    if title:
        ax.set_title(title)
    return fig
