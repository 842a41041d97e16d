"""The finance report (notebooks/finance.ipynb): its data in one call (:func:`build_report`),
its 经营摘要 (:func:`summarize`), sentences, charts and files.

* Data: :func:`build_report` reads the marts through :mod:`ecomlib.metrics.finance_queries`
  (``mart_sku_day_pnl``: sales and booked costs per SKU-day, costs spread by the mart;
  ``mart_shipments``, ``mart_stock_moves``, ``mart_stock_daily``, ``mart_purchase_lines``)
  and runs the pure functions of :mod:`~ecomlib.metrics.finance` (P&L, targets,
  commission), :mod:`~ecomlib.metrics.finance_cash`, :mod:`~ecomlib.metrics.finance_courier`,
  :mod:`~ecomlib.metrics.finance_pricing` and :mod:`~ecomlib.metrics.finance_stock`.
* The period (:func:`resolve_period`): a rolling period of :mod:`ecomlib.periods` (default
  ``last_month``, the schedule's run on the 1st), compared with its 环比 and 同比 periods;
  a period the data do not cover to its end is marked and compared over as many days.
* The 经营摘要 (:func:`summarize`): KPI cards (the target's metric against the shops'
  monthly targets pro rata, 净销售额, 毛利 with 毛利率, 贡献利润 with its margin, 退款率,
  广告花费, the 13-week forecast's lowest cash), the largest changes with the shop,
  category or cost behind them, and the actions of the month: loss-making SKUs, shops
  behind target, the week cash runs low, courier overcharges to claim, commission due.
* Sentences: every sentence whose claim depends on the data (the largest cost, the shop
  with the lowest margin, who is behind target, which way stock is off, whether the
  strongest month kept its margin) is a function of the numbers here, tested with data that
  says the opposite (tests/test_finance_report.py). Each returns a
  :class:`ecomlib.fmt.Sentence` in the report's one language; shops are shown by their
  names, products by name with the SKU code beside.
* Data health: the summary's badge counts the quality rules whose failures leave money out
  of the figures (:func:`health_text`) and links to the quality report, which has the
  detail. Whether the figures tie to the canonical tables is checked by the tests.
* Charts and files: :func:`waterfall_chart`, :func:`cash_chart`, :func:`excel_tables`,
  :func:`export_excel`, :func:`export_csv`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, i18n, periods
from .. import summary as S
from ..i18n import label
from . import catalogue
from . import finance as fi
from . import finance_queries as Q
from .finance_cash import cash_flow_forecast, lowest_week
from .finance_courier import courier_summary, read_carrier_bill, reconcile_courier_bill
from .finance_pricing import unit_economics
from .finance_settings import PARAMS, load_commission_rule, load_settings, load_targets
from .finance_stock import stock_reconciliation

__all__ = [
    "REPORT", "TITLE", "SECTIONS", "SHEETS", "LOSS_ANCHOR", "TREND_MONTHS", "resolve_period",
    "title", "section",
    "build_report", "summarize", "cards", "largest_changes", "actions", "health_text",
    "period_text", "scope_sentence", "trend_table", "view", "sku_label", "excel_tables",
    "money", "statement_sentence", "estimated_sentence", "monthly_sentence",
    "changes_sentence", "shop_sentence", "category_sentence", "sku_sentence",
    "drag_sentence", "cost_sentence", "targets_sentence", "commission_sentence",
    "cash_sentence", "pricing_sentence", "courier_sentence", "stock_sentence",
    "freshness_sentence", "notes", "trend_sentences", "campaign_months", "waterfall_chart", "cash_chart",
    "export_excel", "export_csv",
]

REPORT = "finance"
#: the report's name (zh, en): the page title is this and the period
TITLE = ("财务分析", "Finance")
#: months the monthly trend shows, up to the period's end (or the period, when longer)
TREND_MONTHS = 13
#: the report's sections: anchor -> (zh, en) heading; the summary's actions link to them
SECTIONS = {
    "statement": ("利润表", "Income statement"),
    "trend": ("月度趋势与环比同比", "Monthly trend"),
    "shops": ("平台与店铺", "Platforms and shops"),
    "profit": ("利润结构：谁在赚钱，谁在拖累", "Profit structure: who makes it, who drags it"),
    "costs": ("费用结构", "Where the cost went"),
    "targets": ("目标达成", "Targets"),
    "commission": ("运营提成", "Operator commission"),
    "cash": ("13 周现金流预测", "13-week cash forecast"),
    "pricing": ("保本与定价", "Break-even and pricing"),
    "courier": ("快递费核对", "Courier bill check"),
    "stock": ("库存对账", "Stock reconciliation"),
    "freshness": ("数据时效", "Data freshness"),
    "notes": ("说明", "Notes"),
}
#: the anchor of the loss-making SKUs table (inside "profit")
LOSS_ANCHOR = "loss-skus"
#: orders younger than this many days are still being refunded (7-day returns, disputes):
#: a period made mostly of them does not compare its refund rate (as the overview)
REFUND_SETTLE_DAYS = 30
#: a change smaller than this (relative) is not among the largest changes; nor is a move of
#: a rate under MIN_RATE_POINTS, or one whose effect is under MIN_IMPACT of net sales
MIN_CHANGE = 0.05
MIN_RATE_POINTS = 0.005
MIN_IMPACT = 0.005
#: at most this many SKUs or shops are named in one action line
MAX_NAMED = 3

#: the P&L's cost columns a sentence may name as "what eats a margin"
_EATERS = ["platform_fee_fen", "streamer_commission_fen", "logistics_fen", "packaging_fen",
           "ad_spend_fen", "other_costs_fen"]


def _tx(zh: str, en: str, lang: str) -> str:
    return i18n.text(zh, en, lang)


def _day(v) -> str:
    return pd.Timestamp(v).strftime("%Y-%m-%d")


def _join(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(i) for i in items)


def _shop_name(shop_id, names: dict | None) -> str:
    return str((names or {}).get(shop_id, shop_id))


def sku_label(sku, products: dict | None, lang: str = "zh") -> str:
    """``山野生活燕麦明前龙井 100g礼盒（SY-CY016-02）``: the product name with the SKU code
    beside (the code alone when the SKU master has no name; (未分摊) for the row of costs no
    SKU carries)."""
    if sku == fi.UNALLOCATED:
        return label(sku, lang)
    name = (products or {}).get(sku)
    if not name:
        return str(sku)
    return f"{name}（{sku}）" if lang == "zh" else f"{name} ({sku})"


# ----------------------------------------------------------------------------------------
# the period, the title, headings
# ----------------------------------------------------------------------------------------
def resolve_period(wh, period: str = "", as_of="latest", start: str = "", end: str = "",
                   previous_start: str = "", previous_end: str = "", year_ago_start: str = "",
                   year_ago_end: str = "", shops=None, platforms=None) -> periods.Period:
    """The period the report shows: the runner's resolved days, or resolved the runner's way
    by hand (:func:`ecomlib.periods.from_parameters`; empty ``period``: ``last_month``)."""
    return periods.from_parameters(wh, REPORT, period, as_of, start, end, previous_start,
                                   previous_end, year_ago_start, year_ago_end, shops, platforms)


def title(period: periods.Period, lang: str = "zh") -> str:
    """``财务分析 · 上月 2025-12-01 至 2025-12-31``: the report's name and its period."""
    return f"{_tx(*TITLE, lang)} · {period.label(lang)}"


def section(anchor: str, lang: str = "zh", number: int | None = None) -> fmt.Heading:
    """The ``<h2>`` of a section of :data:`SECTIONS`, with its anchor (the summary's links
    point to it)."""
    zh, en = SECTIONS[anchor]
    pre = f"{number}. " if number else ""
    return fmt.heading(pre + zh, pre + en, lang, 2, anchor)


# ----------------------------------------------------------------------------------------
# the report's data in one call (the notebook stays thin)
# ----------------------------------------------------------------------------------------
def build_report(wh, start, end, shops=None, platforms=None, settings: dict | None = None,
                 targets_file=PARAMS / "targets.yaml", commission_file=PARAMS / "commission.yaml",
                 carrier_bill: str | None = None, opening_cash_fen: int = 0,
                 min_units: int = 20, period: periods.Period | None = None, lang: str = "zh",
                 cash_floor_fen: int = 0) -> dict:
    """Every table of the finance report for ``start``..``end`` (inclusive) and the
    selection (``shops``/``platforms``, None: all; company-wide costs only without one),
    and its 经营摘要 (:func:`summarize`).

    ``period`` (:class:`ecomlib.periods.Period`, whose days are ``start``..``end``) gives
    the 环比 and 同比 periods the summary compares with (None: a custom period, 环比 the
    same number of days before it). Windows read: the period; the 12 months before it (the
    estimates' window, as before); the :data:`TREND_MONTHS` months up to the period's end
    (the monthly trend) and the 12 months before those (their 同比); the 环比 and 同比
    periods. Returns shop-day P&L rows (``r["sales"]``: the period's, with estimated costs
    added where a shop booked none of a kind over the estimates' window,
    :func:`ecomlib.metrics.finance.estimate_costs`), the P&L per SKU, the company-wide costs,
    targets and commission, the 13-week cash forecast from ``end``, pricing, the courier
    bill check (a generated DEMO bill unless ``carrier_bill`` names the carrier's CSV), the
    stock reconciliation, the data-health checks (``r["health"]``), shop and product names,
    freshness, and ``cards``, ``changes``, ``actions`` and ``health_text`` for
    :func:`ecomlib.summary.html`.
    """
    settings = settings or load_settings()
    shops = list(shops) if shops else None
    platforms = list(platforms) if platforms else None
    sel = {"shops": shops, "platforms": platforms}
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    P = period if period is not None else periods.resolve(
        "custom", start=start.date().isoformat(), end=end.date().isoformat())
    month = lambda t: pd.Timestamp(t).to_period("M").to_timestamp()  # noqa: E731
    est_start = month(start - pd.DateOffset(years=1))
    trend_start = min(month(start), month(end) - pd.DateOffset(months=TREND_MONTHS - 1))
    hist_start = min(est_start, trend_start - pd.DateOffset(months=12),
                     pd.Timestamp(P.previous_start), pd.Timestamp(P.year_ago_start))
    cal_all = Q.calendar(wh, hist_start, end)
    cal = cal_all[cal_all["day"] >= start].reset_index(drop=True)
    # the P&L rows: shop-days of the whole window, SKUs of the period (mart_sku_day_pnl)
    days_all = Q.shop_days(wh, hist_start, end, **sel)
    skus = Q.skus(wh, start, end, **sel)
    skus["category"] = skus["category"].fillna(fi.UNKNOWN_CATEGORY)
    todo = fi.kinds_to_estimate(days_all[days_all["sales_date"] >= est_start],
                                Q.booked_kinds(wh, est_start, end, **sel), settings)
    est = pd.DataFrame()
    if len(todo):
        rows = Q.sku_days(wh, hist_start, end, shops=sorted(set(todo.shop_id)),
                          platforms=sorted(set(todo.platform)))
        est = fi.estimate_costs(rows, todo)
        est["category"] = est["category"].fillna(fi.UNKNOWN_CATEGORY)
        days_all = fi.add_estimates(days_all, est, ["sales_date", "platform", "shop_id"])
        skus = fi.add_estimates(skus, est[est["sales_date"] >= start], ["sku", "category"])
    else:
        days_all = fi.add_estimates(days_all, est, ["sales_date", "platform", "shop_id"])
    sales = days_all[days_all["sales_date"] >= start].reset_index(drop=True)
    r_w: dict = {"start": start, "end": end}
    _windows(r_w, days_all, P)
    company = not (shops or platforms)
    oh_all = Q.overhead(wh, hist_start, end) if company else pd.DataFrame(
        {"cost_date": pd.Series(dtype="datetime64[ns]"), "kind": pd.Series(dtype=object),
         "amount_fen": pd.Series(dtype="int64")})
    oh = oh_all[oh_all["cost_date"] >= start].reset_index(drop=True)
    r: dict = {**r_w, "period": P, "lang": lang, "sales": sales, "overhead_days": oh,
               "has_sales": bool(len(sales) and (sales[["gmv_fen", "paid_fen"]].to_numpy() != 0).any()),
               "calendar": cal, "company": company}
    r["total"] = fi.pnl(sales)
    r["overhead"] = fi.overhead(oh)
    r["statement"] = fi.income_statement(r["total"], r["overhead"])
    r["monthly"] = fi.pnl(sales, period="month", calendar=cal)
    monthly_all = fi.pnl(days_all, period="month", calendar=cal_all)
    ch = fi.changes(monthly_all, "net_sales_fen")
    ch2 = fi.changes(monthly_all, "contribution_fen")
    ch = ch.merge(ch2[["month", "contribution_fen", "mom_rate", "yoy_rate"]], on="month",
                  suffixes=("", "_contribution"))
    r["changes"] = ch[ch.month >= start].reset_index(drop=True)
    r["trend"] = trend_table(monthly_all, ch, trend_start, r["eff_end"])
    r["calendar_trend"] = cal_all[cal_all["day"] >= trend_start].reset_index(drop=True)
    r["weekly"] = fi.pnl(sales, period="week", calendar=cal)
    if len(r["weekly"]):  # a week cut by the period counts fewer days
        n = cal.groupby("week_start").size()
        r["weekly"].insert(1, "count_days", r["weekly"]["week"].map(n).fillna(0).astype("int64"))
    r["by_platform"] = fi.pnl(sales, ["platform"])
    r["by_shop"] = fi.pnl(sales, ["platform", "shop_id"])
    r["by_sku"] = fi.by_sku(skus)
    r["by_category"] = fi.regroup(r["by_sku"], ["category"])
    r["category_structure"] = fi.profit_structure(r["by_category"], "category")
    r["sku_structure"] = fi.profit_structure(r["by_sku"], "sku")
    r["cost_structure"] = fi.cost_structure(r["total"], r["overhead"])
    r["estimated_costs_fen"] = int(sales["estimated_costs_fen"].sum())
    r["estimated"] = todo
    # targets and commission (as of the period end)
    targets, members = load_targets(targets_file)
    r["target_metric"] = str(targets["metric"].iloc[0]) if len(targets) else "paid_fen"
    if shops or platforms:
        keep = set(sales.shop_id.unique()) | set(days_all.loc[
            days_all["sales_date"] >= est_start, "shop_id"].unique()) | set(shops or [])
        members = members[members.shop_id.isin(keep)]
        targets = targets.merge(members[["level", "entity"]].drop_duplicates(),
                                on=["level", "entity"])
    r["targets_all"] = targets
    targets = targets[(targets.month >= start.to_period("M").to_timestamp()) & (targets.month <= end)]
    r["attainment"] = fi.attainment(sales, targets, members, end)
    r["commission"] = fi.commission(r["attainment"], load_commission_rule(commission_file))
    # cash flow from the period end; purchase orders are company-wide (no shop): left out
    # under a shop/platform filter, where the replenishment run rate stands in for them
    po = Q.purchase_orders(wh, end) if company else pd.DataFrame()
    r["cash"] = cash_flow_forecast(days_all, oh_all, po, end, opening_cash_fen, settings)
    r["opening_cash_fen"], r["cash_floor_fen"] = int(opening_cash_fen), int(cash_floor_fen)
    r["pricing"] = unit_economics(r["by_sku"], min_units=min_units)
    # courier bill
    shipped = Q.shipments(wh, start, end, **sel)
    rc = settings["rate_card"]
    if carrier_bill:
        bill, r["bill_is_demo"] = read_carrier_bill(carrier_bill), False
    else:
        from ..demo_courier import demo_carrier_bill
        bill, r["bill_is_demo"] = demo_carrier_bill(shipped, rc), True
    r["courier"] = reconcile_courier_bill(bill, shipped, rc, int(rc.get("tolerance_fen", 0)))
    r["courier_summary"] = courier_summary(r["courier"])
    r["count_shipped"] = len(shipped)
    # stock
    si = Q.stock_inputs(wh, start, end)
    r["stock_dates"] = (si["opening_date"], si["closing_date"])
    r["stock"] = (stock_reconciliation(si["opening"], si["closing"], si["inbound"], si["moves"])
                  if si["opening_date"] is not None else pd.DataFrame())
    # data health: the quality rules that leave money out of these figures
    r["health"] = Q.health_checks(wh, lang=lang)
    # names, freshness and the comparisons of the 经营摘要
    r["names"], r["products"] = Q.shop_names(wh), Q.product_names(wh)
    from .. import freshness
    fresh = freshness.table(wh, P.as_of, platforms, shops)
    r["fresh"] = fresh
    r["fresh_warning"] = freshness.warning(fresh, lang) if len(fresh) else None
    prev_skus = None
    if r["previous"] is not None:
        a, b = r["previous"]
        prev_skus = Q.skus(wh, a, b, **sel)
        prev_skus["category"] = prev_skus["category"].fillna(fi.UNKNOWN_CATEGORY)
        if len(est):
            prev_skus = fi.add_estimates(prev_skus, est[(est["sales_date"] >= a)
                                                        & (est["sales_date"] <= b)],
                                         ["sku", "category"])
    r["prev_skus"] = prev_skus
    summarize(r, days_all, skus, lang)
    return r


def _between(df: pd.DataFrame, col: str, a, b) -> pd.DataFrame:
    if df is None or not len(df):
        return df
    d = pd.to_datetime(df[col])
    return df[(d >= pd.Timestamp(a)) & (d <= pd.Timestamp(b))]


def _windows(r: dict, days_all: pd.DataFrame, P: periods.Period) -> None:
    """How far the data reach and what the period is compared with (into ``r``):
    ``data_start``/``data_end`` (first and last day with paid sales in the selection, in
    the days read), ``eff_end`` (the period's end, or the data's when earlier),
    ``covered_days``, ``incomplete`` (the data stop before the period ends: it is compared
    over as many days), ``previous`` / ``year_ago`` ((first, last) day of the 环比 / 同比
    window, None when the data do not reach it), ``young_days`` (days of the period whose
    orders are younger than :data:`REFUND_SETTLE_DAYS` on ``as_of``) and
    ``refunds_settled`` (at most half of the period's days are that young)."""
    sold = days_all.loc[days_all["paid_fen"] > 0, "sales_date"] if len(days_all) else \
        pd.Series([], dtype="datetime64[ns]")
    data_start = sold.min() if len(sold) else None
    data_end = sold.max() if len(sold) else None
    start, end = r["start"], r["end"]
    eff_end = min(end, data_end) if data_end is not None else end
    covered = max((eff_end - start).days + 1, 0) if data_end is not None else 0
    incomplete = data_end is not None and data_end < end
    n = covered if incomplete else P.days
    day = pd.Timedelta(days=1)
    prev_a, ya_a = pd.Timestamp(P.previous_start), pd.Timestamp(P.year_ago_start)
    prev_b = min(pd.Timestamp(P.previous_end), prev_a + (n - 1) * day)
    ya_b = min(pd.Timestamp(P.year_ago_end), ya_a + (n - 1) * day)
    ok = data_start is not None and n > 0
    as_of = pd.Timestamp(P.as_of)
    young = int(sum((as_of - d).days < REFUND_SETTLE_DAYS for d in pd.date_range(start, eff_end))) \
        if covered else 0
    r.update(data_start=data_start, data_end=data_end, eff_end=eff_end, covered_days=covered,
             incomplete=incomplete,
             previous=(prev_a, prev_b) if ok and data_start <= prev_a else None,
             year_ago=(ya_a, ya_b) if ok and data_start <= ya_a else None,
             young_days=young, refunds_settled=young * 2 <= covered)


def trend_table(monthly: pd.DataFrame, changes: pd.DataFrame, first, last_day) -> pd.DataFrame:
    """The monthly trend: the P&L of each month from ``first`` (a month start) to the month
    of ``last_day`` (:func:`~ecomlib.metrics.finance.pnl` by month), with count_days (days
    of the month up to ``last_day``), days_in_month, is_whole_month, and the 环比 / 同比 of net
    sales and contribution (:func:`~ecomlib.metrics.finance.changes`: against the previous
    month and the same month a year earlier). A month cut by ``last_day`` is not compared as
    if whole: its changes are left empty (NaN)."""
    last_day = pd.Timestamp(last_day).normalize()
    m = monthly[(monthly["month"] >= pd.Timestamp(first)) & (monthly["month"] <= last_day)].copy()
    c = changes[["month", "mom_rate", "yoy_rate", "mom_rate_contribution",
                 "yoy_rate_contribution"]].rename(columns={
                     "mom_rate": "net_sales_mom_rate", "yoy_rate": "net_sales_yoy_rate",
                     "mom_rate_contribution": "contribution_mom_rate",
                     "yoy_rate_contribution": "contribution_yoy_rate"})
    m = m.merge(c, on="month", how="left")
    ends = m["month"] + pd.offsets.MonthEnd(0)
    m["days_in_month"] = m["month"].dt.days_in_month.astype("int64")
    m["count_days"] = ((np.minimum(ends, last_day) - m["month"]).dt.days + 1).clip(lower=0) \
        .astype("int64")
    m["is_whole_month"] = m["count_days"] == m["days_in_month"]
    rates = ["net_sales_mom_rate", "net_sales_yoy_rate", "contribution_mom_rate",
             "contribution_yoy_rate"]
    m.loc[~m["is_whole_month"], rates] = np.nan
    return m.reset_index(drop=True)


def summarize(r: dict, days_all: pd.DataFrame, skus: pd.DataFrame, lang: str = "zh") -> dict:
    """The 经营摘要 of a :func:`build_report` result (into ``r`` and returned): the rows of
    the 环比 and 同比 windows (``prev_rows``, ``ya_rows``: None when the data do not reach
    them), ``shop_targets`` (each shop's target for the days the data cover and its actual,
    :func:`ecomlib.metrics.finance.period_targets`), ``target`` (their sum when every selling
    shop has one, else None), ``cards``, ``changes``, ``actions`` and ``health_text``."""
    cur = r["sales"]
    cur = cur[cur["sales_date"] <= r["eff_end"]]
    prev = _between(days_all, "sales_date", *r["previous"]) if r["previous"] else None
    ya = _between(days_all, "sales_date", *r["year_ago"]) if r["year_ago"] else None
    r["prev_rows"], r["ya_rows"] = prev, ya
    # targets: each shop's monthly targets pro rata over the days the data cover
    metric = r["target_metric"]
    t = fi.period_targets(r["targets_all"], r["start"], r["eff_end"]) if r["covered_days"] \
        else pd.DataFrame(columns=["entity", "target_fen", "is_complete"])
    selling = sorted(set(cur.loc[cur["paid_fen"] > 0, "shop_id"])) if len(cur) else []
    st = pd.DataFrame()
    target = None
    if len(t):
        st = t[t["is_complete"]].rename(columns={"entity": "shop_id"})[["shop_id", "target_fen"]]
        st["actual_fen"] = [catalogue.value(metric, cur[cur["shop_id"] == s]) for s in st["shop_id"]]
        st["attainment_rate"] = st["actual_fen"] / st["target_fen"].where(st["target_fen"] > 0)
        st["shortfall_fen"] = (st["target_fen"] - st["actual_fen"]).clip(lower=0)
        plat = cur.drop_duplicates("shop_id").set_index("shop_id")["platform"] if len(cur) else {}
        st.insert(0, "platform", st["shop_id"].map(plat))
        if selling and set(selling) <= set(st["shop_id"]):
            target = float(st["target_fen"].sum())
    r["shop_targets"], r["target"] = st.reset_index(drop=True), target
    r["cards"] = cards(cur, prev, ya, r["cash"], r["opening_cash_fen"], target, metric,
                       r["refunds_settled"], r["young_days"], lang)
    sku_prev = r.get("prev_skus")
    r["changes"] = largest_changes(cur, prev, skus, sku_prev, r["names"], r["refunds_settled"],
                                   lang)
    r["actions"] = actions(r, lang)
    units = int(r["total"]["units_without_cost"].iloc[0]) if len(r["total"]) else 0
    r["health_text"] = health_text(r["health"], units, lang)
    return r


def cards(cur: pd.DataFrame, prev: pd.DataFrame | None, ya: pd.DataFrame | None,
          cash: pd.DataFrame | None = None, opening_fen: int = 0, target: float | None = None,
          target_metric: str = "paid_fen", refunds_settled: bool = True, young_days: int = 0,
          lang: str = "zh") -> list[S.Card]:
    """The KPI cards, each the catalogue's metric of the period's shop-day rows (``cur``)
    with 环比 (``prev``) and 同比 (``ya``) (None: not in the data, shown as —): the target's
    metric (实付金额 in targets.yaml) against ``target`` when there is one (net sales carries
    it when that is the target's metric), 净销售额, 毛利 with 毛利率 under it, 贡献利润 with
    贡献利润率, 退款率 (not compared while most of the period's orders are younger than
    :data:`REFUND_SETTLE_DAYS`: their refunds are still coming in), 广告花费 (its share of
    net sales beside it) and, with a forecast, the lowest weekly cash of the 13 weeks from
    the period's end (no comparison: it is a forecast from the cash given)."""
    v = catalogue.value

    def card(m):
        return S.Card(m, v(m, cur), None if prev is None else v(m, prev),
                      None if ya is None else v(m, ya))
    out = []
    tnote = "" if target is None else _tx(
        f"本期目标 {fmt.wan(target, lang)}（各店月目标按天折算）",
        f"period target {fmt.wan(target, lang)} (monthly targets pro rata)", lang)
    if target is not None and target_metric != "net_sales_fen":
        c = card(target_metric)
        c.target, c.note = target, tnote
        out.append(c)
    ns = card("net_sales_fen")
    if target is not None and target_metric == "net_sales_fen":
        ns.target, ns.note = target, tnote
    out.append(ns)
    gp = card("gross_profit_fen")
    gp.sub = card("gross_margin_rate")
    out.append(gp)
    ct = card("contribution_fen")
    ct.sub = card("contribution_rate")
    out.append(ct)
    rr = card("refund_rate")
    if not refunds_settled:
        rr.previous = rr.year_ago = None
        rr.note = _tx(f"近 {REFUND_SETTLE_DAYS} 天订单的退款仍在发生，暂不比较",
                      f"orders of the last {REFUND_SETTLE_DAYS} days are still being refunded: "
                      "not compared", lang)
    elif young_days:
        rr.note = _tx(f"其中最近 {young_days} 天订单的退款仍在发生，退款率偏低",
                      f"the last {young_days} days' orders are still being refunded: the rate "
                      "reads low", lang)
    out.append(rr)
    ad = card("ad_spend_fen")
    share = ad.value / ns.value if ns.value else float("nan")
    if not fmt.is_missing(share):
        ad.note = _tx(f"占净销售额 {fmt.pct(share)}", f"{fmt.pct(share)} of net sales", lang)
    out.append(ad)
    if cash is not None and len(cash):
        low = lowest_week(cash)
        out.append(S.Card("lowest_cash_fen", float(low.closing_cash_fen), note=_tx(
            f"从期末现金 {fmt.wan(opening_fen, lang)} 起算，最低在第 {int(low.week)} 周"
            f"（{pd.Timestamp(low.week_from):%m-%d} 起）",
            f"from {fmt.wan(opening_fen, lang)} at the period's end; lowest in week "
            f"{int(low.week)} (from {pd.Timestamp(low.week_from):%m-%d})", lang)))
    return out


def largest_changes(cur: pd.DataFrame, prev: pd.DataFrame | None, skus: pd.DataFrame | None,
                    skus_prev: pd.DataFrame | None, names: dict, refunds_settled: bool = True,
                    lang: str = "zh", top: int = 5) -> list[S.Change]:
    """The largest moves against the 环比 period, each with what drove it
    (:func:`ecomlib.summary.changes`): net sales and each cost kind (platform fees, streamer
    commission, logistics, packaging, ad spend, other shop costs) by shop; contribution and
    gross margin by category (SKU rows of both periods); the refund rate by shop while the
    period's refunds have come in. A move is listed when it is at least :data:`MIN_CHANGE`
    of its base and its effect is at least :data:`MIN_IMPACT` of the previous net sales
    (rates: at least :data:`MIN_RATE_POINTS`); ordered by that effect, at most ``top``."""
    if prev is None or not len(cur) or not len(prev):
        return []
    base = abs(catalogue.value("net_sales_fen", prev))
    found = S.changes(cur, prev, ["net_sales_fen"] + _EATERS, "shop_id", names, top=20)
    if refunds_settled:
        found += S.changes(cur, prev, ["refund_rate"], "shop_id", names)
    if skus is not None and skus_prev is not None and len(skus) and len(skus_prev):
        cats = {k: label(k, lang) for k in set(skus["category"]) | set(skus_prev["category"])}
        found += S.changes(skus, skus_prev, ["contribution_fen", "gross_margin_rate"],
                           "category", cats, top=20)

    def size(c) -> float:
        if catalogue.fmt_kind(c.metric) == "pct":
            return abs(c.delta)
        return abs(c.delta) / base if base else float("inf")

    def big(c) -> bool:
        if catalogue.fmt_kind(c.metric) == "pct":
            return abs(c.delta) >= MIN_RATE_POINTS
        rel = abs(c.delta / c.previous) if c.previous else float("inf")
        return rel >= MIN_CHANGE and size(c) >= MIN_IMPACT
    found = [c for c in found if big(c)]
    found.sort(key=size, reverse=True)
    return found[:top]


def _money(v, lang: str) -> str:
    return fmt.wan(int(round(v)), lang)


def actions(r: dict, lang: str = "zh") -> list[S.Action]:
    """What to do after reading the period, most urgent first, each linked to its section:
    stale exports (freshness); cash that the forecast takes below 0 (high) or below the
    floor ``cash_floor_fen`` (the first such week, the lowest); shops behind their target for
    the days the data cover (the largest shortfalls named); the SKUs that lose money after
    every cost (the worst named with their products); what the courier bill lets you claim
    back (by kind of problem; a DEMO bill says so); the commission due for the closed months
    of the period (per operator)."""
    out: list[S.Action] = []
    names, products = r.get("names", {}), r.get("products", {})
    M = lambda v: _money(v, lang)  # noqa: E731
    if r.get("fresh_warning"):
        out.append(S.Action(r["fresh_warning"], "#freshness", "high"))
    cash = r.get("cash")
    if cash is not None and len(cash):
        low = lowest_week(cash)
        floor = r.get("cash_floor_fen", 0) or 0
        if low.closing_cash_fen < 0:
            first = cash[cash["closing_cash_fen"] < 0].iloc[0]
            out.append(S.Action(_tx(
                f"安排资金：预测现金在第 {int(first.week)} 周（{_day(first.week_from)} 起）转为负数，"
                f"最低 {M(low.closing_cash_fen)}（第 {int(low.week)} 周）；提前融资、推迟采购付款或压缩广告",
                f"Arrange funds: cash goes negative in week {int(first.week)} (from "
                f"{_day(first.week_from)}), lowest {M(low.closing_cash_fen)} (week "
                f"{int(low.week)}); finance it, delay purchase payments or cut ads", lang),
                "#cash", "high"))
        elif low.closing_cash_fen < floor:
            first = cash[cash["closing_cash_fen"] < floor].iloc[0]
            out.append(S.Action(_tx(
                f"留意现金：预测现金在第 {int(first.week)} 周（{_day(first.week_from)} 起）低于安全线 "
                f"{M(floor)}，最低 {M(low.closing_cash_fen)}（第 {int(low.week)} 周）",
                f"Watch cash: it falls below the floor of {M(floor)} in week {int(first.week)} "
                f"(from {_day(first.week_from)}), lowest {M(low.closing_cash_fen)} (week "
                f"{int(low.week)})", lang), "#cash", "medium"))
    st = r.get("shop_targets")
    if st is not None and len(st):
        behind = st[st["attainment_rate"] < 1 - 1e-12].sort_values("shortfall_fen",
                                                                    ascending=False)
        if len(behind):
            whole = r.get("incomplete") is False and pd.Timestamp(r["start"]).day == 1 and \
                (pd.Timestamp(r["end"]) + pd.Timedelta(days=1)).day == 1
            parts = [_tx(f"{_shop_name(x.shop_id, names)} 达成 {fmt.pct(x.attainment_rate)}（差 {M(x.shortfall_fen)}）",
                         f"{_shop_name(x.shop_id, names)} {fmt.pct(x.attainment_rate)} ({M(x.shortfall_fen)} short)",
                         lang) for x in behind.head(MAX_NAMED).itertuples()]
            more = len(behind) - MAX_NAMED
            tail = _tx("等", f" and {more} more", lang) if more > 0 else ""
            what = label(r.get("target_metric", "paid_fen"), lang)
            shops_en = "1 shop" if len(behind) == 1 else f"{len(behind)} shops"
            out.append(S.Action(_tx(
                ("复盘目标：" if whole else "追目标：") + f"{len(behind)} 个店铺{what}未达成本期目标："
                + _join(parts, lang) + tail,
                ("Review targets: " if whole else "Catch up: ") + f"{shops_en} below "
                f"the period's {what.lower()} target: " + _join(parts, lang) + tail, lang),
                "#targets", "medium", count=len(behind)))
    ss = r.get("sku_structure")
    if ss is not None and len(ss):
        drags = ss[ss["is_drag"] & (ss["sku"] != fi.UNALLOCATED)].sort_values(
            ["contribution_fen", "sku"])
        if len(drags):
            parts = [f"{sku_label(x.sku, products, lang)} {M(x.contribution_fen)}"
                     for x in drags.head(MAX_NAMED).itertuples()]
            out.append(S.Action(_tx(
                f"处理亏损 SKU：{len(drags)} 个 SKU 扣除全部费用后亏损，合计 "
                f"{M(drags['contribution_fen'].sum())}；亏得最多的：" + _join(parts, lang),
                f"Fix loss-making SKUs: {len(drags)} SKU{'s' if len(drags) > 1 else ''} "
                f"lose{'s' if len(drags) == 1 else ''} money after every cost, "
                f"{M(drags['contribution_fen'].sum())} in all; the worst: " + _join(parts, lang),
                lang), f"#{LOSS_ANCHOR}", "medium", count=len(drags)))
    cs = r.get("courier_summary")
    if cs is not None and len(cs):
        s = cs.set_index("check")
        total = int(s.loc["total", "claim_fen"]) if "total" in s.index else 0
        if total > 0:
            kinds = s.drop(index=[k for k in ("total", "bill_ok") if k in s.index])
            kinds = kinds[kinds["claim_fen"] > 0].sort_values("claim_fen", ascending=False)
            parts = [_tx(f"{label(k, 'zh')} {int(x.count_waybills)} 单 {M(x.claim_fen)}",
                         f"{label(k, 'en')} {int(x.count_waybills)} lines {M(x.claim_fen)}", lang)
                     for k, x in kinds.iterrows()]
            demo = _tx("（演示账单）", " (demo bill)", lang) if r.get("bill_is_demo") else ""
            out.append(S.Action(_tx(f"向快递公司追回 {M(total)}{demo}：", f"Claim {M(total)} back "
                                    f"from the carrier{demo}: ", lang) + _join(parts, lang),
                                "#courier", "medium"))
    com = r.get("commission")
    if com is not None and len(com):
        due = com[com["is_final"].astype(bool) & (com["commission_fen"] > 0)]
        if len(due):
            per = due.groupby("operator")["commission_fen"].sum().sort_values(ascending=False)
            months = sorted({pd.Timestamp(m).strftime("%Y-%m") for m in due["month"]})
            parts = [f"{op} {M(v)}" for op, v in per.items()]
            out.append(S.Action(_tx(
                f"发放运营提成 {M(per.sum())}（{_join(months, 'zh')}，已结束月份）：" + _join(parts, lang),
                f"Pay operator commission of {M(per.sum())} ({_join(months, 'en')}, closed): "
                + _join(parts, lang), lang), "#commission", "low"))
    rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(out, key=lambda a: rank.get(a.severity, 1))


def health_text(checks: pd.DataFrame | None, units_without_cost: int = 0,
                lang: str = "zh") -> str:
    """The one-line data-health badge (linked to the quality report, which has the detail):
    whether the quality rules that leave money out of these figures
    (:data:`~ecomlib.metrics.finance_queries.HEALTH_RULES`) pass, how many fail or could
    not run and the rows they hold, and the units sold without a cost (their cost of goods
    is missing: gross profit reads high)."""
    if checks is None or not len(checks):
        return _tx("数据质量：未检查 · 查看质量报告", "Data quality: not checked · see the quality report",
                   lang)
    n = len(checks)
    counts = checks["count_failing"]
    failing = checks[counts.fillna(0) > 0]
    unknown = checks[counts.isna()]
    if failing.empty and unknown.empty:
        zh = f"数据质量：与财务数字有关的 {n} 条规则全部通过"
        en = f"Data quality: the {n} rules that concern these figures all pass"
    else:
        rows = int(failing["count_failing"].sum()) if len(failing) else 0
        k = len(failing) + len(unknown)
        zh = (f"数据质量：与财务数字有关的 {n} 条规则中 {k} 条未通过"
              + (f"（{fmt.integer(rows)} 行）" if rows else "") + "，这些金额不在本报告的数字里或有误")
        en = (f"Data quality: {k} of the {n} rules that concern these figures fail"
              + (f" ({fmt.integer(rows)} rows)" if rows else "")
              + "; that money is missing from the figures or wrong")
    if units_without_cost:
        zh += f"；{fmt.integer(units_without_cost)} 件已售商品没有成本（毛利偏高）"
        en += f"; {fmt.integer(units_without_cost)} units sold have no cost (gross profit reads high)"
    return _tx(zh + " · 查看质量报告", en + " · see the quality report", lang)


def period_text(r: dict, lang: str = "zh") -> str:
    """The period and what it is compared with: ``上月 2025-12-01 至 2025-12-31 · 环比
    2025-11-01 至 2025-11-30 · 同比 2024-12-01 至 2024-12-31``; a period the data do not
    cover to its end says how far they go and that the comparisons use as many days; a
    comparison the data do not reach says so."""
    P = r["period"]
    span = lambda a, b: _day(a) if pd.Timestamp(a) == pd.Timestamp(b) else \
        f"{_day(a)}{_tx(' 至 ', ' to ', lang)}{_day(b)}"  # noqa: E731
    parts = [P.label(lang)]
    if r.get("incomplete") and r.get("covered_days"):
        parts.append(_tx(f"数据只到 {_day(r['eff_end'])}（{r['covered_days']}/{P.days} 天，未完整），按相同天数比较",
                         f"data only until {_day(r['eff_end'])} ({r['covered_days']} of {P.days} "
                         "days, incomplete); compared over as many days", lang))
    parts.append(_tx("环比 ", "vs ", lang) + span(*r["previous"]) if r.get("previous")
                 else _tx("无环比数据", "no previous period in the data", lang))
    parts.append(_tx("同比 ", "last year ", lang) + span(*r["year_ago"]) if r.get("year_ago")
                 else _tx("无同比数据", "no data a year earlier", lang))
    return " · ".join(parts)


def scope_sentence(r: dict, shops=None, platforms=None, lang: str = "zh"):
    """The selection under the title: shops by name, platforms by name, or all; whether
    company-wide costs (rent, salary) are in."""
    names = r.get("names", {})
    sh = _join([names.get(s, s) for s in shops], lang) if shops else _tx("全部店铺", "all shops", lang)
    pl = _join([label(p, lang) for p in platforms], lang) if platforms \
        else _tx("全部平台", "all platforms", lang)
    if r.get("company"):
        oh = _tx("含公司层面的租金和工资", "Company rent and salary included", lang)
    else:
        oh = _tx("不含公司层面的租金和工资：它们不属于任何店铺",
                 "Without company rent and salary: they belong to no shop", lang)
    return fmt.md(f"范围：{pl} · {sh}。{oh}。金额为元，日期为北京时间。",
                  f"Scope: {pl} · {sh}. {oh}. Money in CNY, dates in Beijing time.", lang)


def freshness_sentence(r: dict, lang: str = "zh"):
    """How far each shop's exports reach, and the warning when one is behind."""
    if r.get("fresh_warning"):
        return fmt.md(r["fresh_warning"], r["fresh_warning"], lang)
    return fmt.md("所选店铺的订单数据都是最新的。", "Every selected shop's orders are current.", lang)


def notes(lang: str = "zh", settings_file: str = "", targets_file: str = "",
          commission_file: str = "") -> list:
    """The definitions and where the report's settings live (the files a seller edits)."""
    files = [f for f in (settings_file, targets_file, commission_file) if f]
    out = [fmt.md(
        "净销售额 = 实付金额 − 退款（退款计入原订单的付款日）；毛利 = 净销售额 − 售出未退回商品的成本；"
        "贡献利润 = 毛利 − 平台佣金 − 达人佣金 − 快递费 − 包材费 − 广告花费 − 其他店铺费用；"
        "经营利润 = 贡献利润 − 租金工资等公司费用。店铺费用按规则分摊到 SKU（佣金按净销售额、快递包材按件数、广告和其他按实付）。",
        "Net sales = paid − refunds (a refund counts on its order's payment day); gross profit = "
        "net sales − cost of the units kept; contribution = gross profit − platform fees − "
        "streamer commission − logistics − packaging − ad spend − other shop costs; operating "
        "profit = contribution − company costs such as rent and salary. Shop costs are spread to "
        "SKUs (fees by net sales, logistics and packaging by units, ads and the rest by paid).",
        lang)]
    if files:
        out.append(fmt.md("费率、结算周期、快递合同价、目标和提成规则在这些设置文件里：" + "、".join(f"`{f}`" for f in files) + "。",
                          "Fee rates, settlement lags, the courier rate card, targets and the "
                          "commission rule are set in: " + ", ".join(f"`{f}`" for f in files) + ".",
                          lang))
    out.append(fmt.md("数据导入记录、被拦下的数据和各条质量规则的明细见数据质量报告。",
                      "Loads, rows held back at the door and every quality rule's detail are in "
                      "the data quality report.", lang))
    return out


# ----------------------------------------------------------------------------------------
# display copies (HTML tables and Excel)
# ----------------------------------------------------------------------------------------
#: columns whose values are codes shown through their labels
_CODES = ("platform", "category", "kind", "check", "level", "line")


def view(df: pd.DataFrame, cols: Sequence[str] | None, r: dict, lang: str = "zh") -> pd.DataFrame:
    """A display copy of ``df[cols]`` in the seller's words: shops by name (under 店铺; a
    target's shop too), platforms, categories, cost kinds, check results, levels and
    statement lines by their labels, the product name beside each SKU code. Numbers are
    left as they are (``fmt.table`` and the Excel writer format them; booleans become 是/否
    there)."""
    d = (df[list(cols)] if cols is not None else df).copy()
    names, products = r.get("names", {}), r.get("products", {})
    if "entity" in d.columns and "level" in d.columns:
        d["entity"] = [names.get(e, e) if lv == "shop" else e for e, lv in zip(d["entity"], d["level"])]
    if "shop_id" in d.columns:
        d["shop_id"] = d["shop_id"].map(lambda s: names.get(s, s))
    for c in _CODES:
        if c in d.columns:   # each distinct code labelled once (a long table repeats them)
            miss = d[c].isna().to_numpy()
            shown = {v: label(v, lang) for v in pd.unique(d[c][~miss])}
            d[c] = [v if m else shown[v] for v, m in zip(d[c], miss)]
    if "sku" in d.columns and "product_name" not in d.columns:
        d.insert(list(d.columns).index("sku") + 1, "product_name",
                 d["sku"].map(lambda s: products.get(s, "")))
    if "sku" in d.columns:  # the row of costs no SKU carries: (未分摊)
        d["sku"] = [label(s, lang) if s == fi.UNALLOCATED else s for s in d["sku"]]
    return d


# ----------------------------------------------------------------------------------------
# sentences (functions of the numbers; tests/test_finance_report.py)
# ----------------------------------------------------------------------------------------
def money(v, lang: str = "zh", big: bool = False) -> str:
    """Money in a sentence: yuan without decimals, or 万 with ``big``."""
    return fmt.wan(int(v), lang) if big else fmt.yuan(int(v), lang, decimals=0)


def _t(zh: str, en: str, lang: str):
    return fmt.md(zh, en, lang)


def _lab(key, lang: str) -> str:
    return label(key, lang)


def statement_sentence(total: pd.DataFrame, statement: pd.DataFrame, costs: pd.DataFrame,
                       lang: str = "zh", big: bool = False):
    """The ladder in one sentence (net sales, gross profit and margin, contribution and
    margin, operating profit) and which cost is the largest and which comes next
    (:func:`~ecomlib.metrics.finance.cost_structure`), named from the numbers."""
    t = total.iloc[0]
    op = int(statement.loc[statement.line == "operating_profit_fen", "amount_fen"].iloc[0])
    oh = int(statement.loc[statement.line == "overhead_fen", "amount_fen"].sum())
    M = lambda v: money(v, lang, big)  # noqa: E731
    zh = (f"净销售额 **{M(t.net_sales_fen)}**，扣除商品成本后毛利 {M(t.gross_profit_fen)}"
          f"（毛利率 {fmt.pct(t.gross_margin_rate)}），再扣平台佣金、快递包材和广告后贡献利润 "
          f"**{M(t.contribution_fen)}**（{fmt.pct(t.contribution_rate)}）"
          + (f"，扣除租金工资后经营利润 **{M(op)}**。" if oh else "。"))
    en = (f"Net sales **{M(t.net_sales_fen)}**; after cost of goods a gross profit of "
          f"{M(t.gross_profit_fen)} ({fmt.pct(t.gross_margin_rate)}); after platform fees, "
          f"logistics, packaging and ads a contribution of **{M(t.contribution_fen)}** "
          f"({fmt.pct(t.contribution_rate)})"
          + (f"; after rent and salary an operating profit of **{M(op)}**." if oh else "."))
    c = costs[costs["amount_fen"] > 0].sort_values(["amount_fen", "kind"], ascending=[False, True])
    if len(c):
        a = c.iloc[0]
        zh += (f"最大的一块费用是{_lab(a.kind, 'zh')}（{M(a.amount_fen)}，占全部成本费用 "
               f"{fmt.pct(a.share_rate)}）")
        en += (f" The largest cost is {_lab(a.kind, 'en').lower()} ({M(a.amount_fen)}, "
               f"{fmt.pct(a.share_rate)} of all costs)")
        if len(c) > 1:
            b = c.iloc[1]
            zh += f"，其次是{_lab(b.kind, 'zh')}（占净销售额 {fmt.pct(b.of_net_sales_rate)}）。"
            en += (f", then {_lab(b.kind, 'en').lower()} ({fmt.pct(b.of_net_sales_rate)} of net "
                   f"sales).")
        else:
            zh += "。"
            en += "."
    return _t(zh, en, lang)


def estimated_sentence(estimated_fen: int, todo: pd.DataFrame, settings_file: str = "",
                       lang: str = "zh", big: bool = False, names: dict | None = None):
    """Which costs are estimated and how much (None when nothing is); shops by name
    (``names``: shop id -> name). The rates' file is named in the notes."""
    if not estimated_fen and not len(todo):
        return None
    M = lambda v: money(v, lang, big)  # noqa: E731
    what_zh = "、".join(sorted({f"{_shop_name(r.shop_id, names)} {_lab(r.kind, 'zh')}"
                               for r in todo.itertuples()}))
    what_en = ", ".join(sorted({f"{_shop_name(r.shop_id, names)} {_lab(r.kind, 'en').lower()}"
                                for r in todo.itertuples()}))
    return _t(f"注意：其中 {M(estimated_fen)} 费用是按设置的费率估算的（仓库里没有这些店铺的该类费用：{what_zh}）。",
              f"Note: {M(estimated_fen)} of the costs are estimated from the configured rates "
              f"(the warehouse has none of that kind for: {what_en}).", lang)


def monthly_sentence(monthly: pd.DataFrame, total: pd.DataFrame, lang: str = "zh",
                     span: tuple[str, str] | None = None):
    """Did the strongest month keep its margin? The month with the most net sales against
    the whole (``total``, named ``span`` (zh, en); default the period): its contribution
    margin at or above the whole's (the extra sales kept their margin) or below it (costs
    grew faster than sales that month)."""
    intro_zh = "每月净销售额、毛利和贡献利润：三条线之间的距离就是成本和费用。"
    intro_en = ("Net sales, gross profit and contribution per month: the gaps between the "
                "lines are costs.")
    m = monthly[monthly["net_sales_fen"] > 0]
    rate_all = total["contribution_rate"].iloc[0]
    if len(m) < 2 or fmt.is_missing(rate_all):
        return _t(intro_zh, intro_en, lang)
    best = m.sort_values(["net_sales_fen", "month"], ascending=[False, True]).iloc[0]
    mon = pd.Timestamp(best.month).strftime("%Y-%m")
    r_best, r_all = fmt.pct(best.contribution_rate), fmt.pct(rate_all)
    whole_zh, whole_en = span or ("全期", "the period's")
    if best.contribution_rate >= rate_all:
        return _t(f"{intro_zh}净销售额最高的 {mon} 月贡献利润率 {r_best}，不低于{whole_zh}的 {r_all}：多卖的钱保住了利润率。",
                  f"{intro_en} The month with the most net sales, {mon}, kept a contribution "
                  f"margin of {r_best}, at or above {whole_en} {r_all}: the extra sales kept "
                  f"their margin.", lang)
    return _t(f"{intro_zh}净销售额最高的 {mon} 月贡献利润率只有 {r_best}，低于{whole_zh}的 {r_all}：多卖的钱有一部分被费用吃掉了。",
              f"{intro_en} In the month with the most net sales, {mon}, the contribution margin "
              f"fell to {r_best}, below {whole_en} {r_all}: costs grew faster than sales.",
              lang)


def trend_sentences(r: dict, lang: str = "zh") -> list:
    """The monthly trend's sentences (:func:`monthly_sentence` over the trend's months, and
    :func:`changes_sentence` with the big campaigns of those months), and a note when its
    last month is cut by the period's end or the data."""
    tr = r["trend"]
    n = len(tr)
    total = fi.finish(tr[fi.AMOUNT_COLUMNS].sum().to_frame().T)
    out = [monthly_sentence(tr, total, lang, (f"这 {n} 个月", f"these {n} months'"))]
    ch = tr.rename(columns={"net_sales_mom_rate": "mom_rate", "net_sales_yoy_rate": "yoy_rate"})
    out.append(changes_sentence(ch, campaign_months(r.get("calendar_trend", r["calendar"]), lang),
                                lang))
    cut = tr[~tr["is_whole_month"]]
    if len(cut) and n:
        last = cut.iloc[-1]
        out.append(_t(f"{pd.Timestamp(last.month):%Y-%m} 只有 {int(last.count_days)}/{int(last.days_in_month)} 天的数据，不是整月：不与整月比较环比同比。",
                      f"{pd.Timestamp(last.month):%Y-%m} holds {int(last.count_days)} of "
                      f"{int(last.days_in_month)} days, not a whole month: no MoM or YoY against "
                      "whole months.", lang))
    return out


def campaign_months(calendar: pd.DataFrame, lang: str = "zh") -> dict:
    """``{month start: "2025 双11"}`` for the big campaign windows of dim_calendar (at least
    :data:`~ecomlib.metrics.channels_report.BIG_CAMPAIGN_DAYS` days: 年货节, 618, 双11) by
    the month of their peak day."""
    from .channels import campaigns_from_calendar
    from .channels_report import BIG_CAMPAIGN_DAYS, campaign_label
    if not len(calendar):
        return {}
    out: dict = {}
    for c in campaigns_from_calendar(calendar):
        if c.days >= BIG_CAMPAIGN_DAYS:
            m = pd.Timestamp(c.peak).to_period("M").to_timestamp()
            out[m] = " / ".join(filter(None, [out.get(m), campaign_label(c.name, lang)]))
    return out


def changes_sentence(changes: pd.DataFrame, campaigns: dict, lang: str = "zh"):
    """Definitions of 环比 / 同比, and the month whose net sales rose most over the month
    before: when it holds a big campaign's peak (``campaigns``: :func:`campaign_months`), its
    year-over-year change is the one to read."""
    defs_zh = "环比 = 比上月，同比 = 比去年同月（去年没有数据时为 —）。"
    defs_en = ("MoM = against the previous month, YoY = against the same month last year (— "
               "when there is no data then).")
    c = changes.dropna(subset=["mom_rate"])
    c = c[c["mom_rate"] > 0]
    if c.empty:
        return _t(defs_zh + "期间没有哪个月的净销售额比上月增长。",
                  defs_en + " No month's net sales rose over the month before.", lang)
    top = c.sort_values(["mom_rate", "month"], ascending=[False, True]).iloc[0]
    mon = pd.Timestamp(top.month).strftime("%Y-%m")
    camp = campaigns.get(pd.Timestamp(top.month))
    yoy = fmt.pct(top.yoy_rate)
    if camp:
        return _t(f"{defs_zh}环比涨得最多的是 {mon}（{fmt.pct(top.mom_rate)}），这个月有 {camp}，大促月环比天然偏高，该看同比（{yoy}）。",
                  f"{defs_en} The largest month-over-month rise is {mon} "
                  f"({fmt.pct(top.mom_rate)}), the month of {camp}: a campaign month jumps by "
                  f"nature, read its YoY ({yoy}).", lang)
    return _t(f"{defs_zh}环比涨得最多的是 {mon}（{fmt.pct(top.mom_rate)}），这个月没有大促；同比 {yoy}。",
              f"{defs_en} The largest month-over-month rise is {mon} ({fmt.pct(top.mom_rate)}), "
              f"a month without a big campaign; YoY {yoy}.", lang)


def _largest_eater(row) -> str:
    vals = {c: float(row[c]) for c in _EATERS}
    return max(sorted(vals), key=lambda c: vals[c])


def shop_sentence(by_shop: pd.DataFrame, lang: str = "zh", names: dict | None = None):
    """The shop with the lowest contribution margin and the cost that takes the largest bite
    of its net sales (the first cost column of equals); shops by name (``names``)."""
    s = by_shop.dropna(subset=["contribution_rate"])
    if s.empty:
        return _t("每个店铺从净销售额到贡献利润的完整阶梯。",
                  "The full ladder per shop, from net sales to contribution.", lang)
    low = s.sort_values(["contribution_rate", "platform", "shop_id"]).iloc[0]
    eat = _largest_eater(low)
    share = float(low[eat]) / float(low.net_sales_fen) if low.net_sales_fen else float("nan")
    name_zh = f"{_lab(low.platform, 'zh')} · {_shop_name(low.shop_id, names)}"
    name_en = f"{_lab(low.platform, 'en')} · {_shop_name(low.shop_id, names)}"
    if len(s) == 1:
        return _t(f"只有 {name_zh} 一个店铺：贡献利润率 {fmt.pct(low.contribution_rate)}，最大的费用是{_lab(eat, 'zh')}（占净销售额 {fmt.pct(share)}）。",
                  f"One shop, {name_en}: contribution margin {fmt.pct(low.contribution_rate)}; "
                  f"its largest cost is {_lab(eat, 'en').lower()} ({fmt.pct(share)} of net "
                  f"sales).", lang)
    return _t(f"每个店铺从净销售额到贡献利润的完整阶梯。贡献利润率最低的是 {name_zh}（{fmt.pct(low.contribution_rate)}），它最大的费用是{_lab(eat, 'zh')}，占净销售额 {fmt.pct(share)}。",
              f"The full ladder per shop, from net sales to contribution. The lowest "
              f"contribution margin is {name_en}'s ({fmt.pct(low.contribution_rate)}); its "
              f"largest cost is {_lab(eat, 'en').lower()}, {fmt.pct(share)} of its net sales.",
              lang)


def category_sentence(structure: pd.DataFrame, share: float = 0.8, lang: str = "zh"):
    """How concentrated the profit is: how many categories (largest first) carry ``share``
    of the contribution made by the profitable ones, and how many lose money."""
    s = structure[structure["category"] != fi.UNALLOCATED]
    pos = s[s["contribution_fen"] > 0]
    intro_zh = "按类目的贡献利润（费用按净销售额、件数、实付分摊到 SKU 再汇总）。"
    intro_en = ("Contribution by category (costs spread to SKUs by net sales, units or paid "
                "amount, then summed).")
    if pos.empty:
        return _t(intro_zh + "没有一个类目的贡献利润为正。",
                  intro_en + " No category makes a positive contribution.", lang)
    n = int((pos["cum_share_rate"] < share - 1e-12).sum()) + 1
    n = min(n, len(pos))
    names_zh = "、".join(str(_lab(c, "zh")) for c in pos["category"].head(n))
    names_en = ", ".join(str(_lab(c, "en")) for c in pos["category"].head(n))
    drags = int((s["contribution_fen"] < 0).sum())
    got = fmt.pct(pos["cum_share_rate"].iloc[n - 1])
    zh = (f"{intro_zh}{len(pos)} 个盈利类目中，前 {n} 个（{names_zh}）贡献了盈利部分的 {got}"
          + (f"；{drags} 个类目亏损。" if drags else "；没有亏损的类目。"))
    en = (f"{intro_en} Of {len(pos)} profitable categories the top {n} ({names_en}) carry "
          f"{got} of the profit made" + (f"; {drags} lose money." if drags else
                                          "; none loses money."))
    return _t(zh, en, lang)


def sku_sentence(structure: pd.DataFrame, top: int = 10, lang: str = "zh", big: bool = False):
    """The SKU waterfall in numbers: the share of the profit made that the ``top`` most
    profitable SKUs carry, and how many SKUs lose money after costs and by how much (None
    without SKUs)."""
    s = structure[structure["sku"] != fi.UNALLOCATED]
    if s.empty:
        return None
    n_drag = int(s["is_drag"].sum())
    pos = s[s["contribution_fen"] > 0].sort_values(["contribution_fen", "sku"], ascending=[False, True])
    top_share = fmt.pct(pos.head(top)["share_rate"].sum())
    lost = money(int(s.loc[s.is_drag, "contribution_fen"].sum()), lang, big)
    k = min(top, len(pos))
    return _t(f"SKU 利润瀑布：前 {k} 个 SKU 贡献了盈利部分的 {top_share}；有 {n_drag} 个 SKU 贡献利润为负（红色），合计拖累 {lost}。",
              f"SKU profit waterfall: the top {k} SKUs carry {top_share} of the profit made; "
              f"{n_drag} SKUs lose money after costs (red), together {lost}.", lang)


def drag_sentence(drags: pd.DataFrame, lang: str = "zh"):
    """Why the SKUs that drag most lose money: how many already lose before any fee (gross
    margin below 0: priced under cost) and, for the others, which cost eats their gross
    profit most often (None without drags)."""
    if drags.empty:
        return None
    below = drags[drags["gross_profit_fen"] < 0]
    eaten = drags[drags["gross_profit_fen"] >= 0]
    zh, en = [f"拖累最大的 {len(drags)} 个 SKU 中，"], [f"Of the {len(drags)} SKUs that drag most, "]
    if len(below):
        zh.append(f"{len(below)} 个在扣任何费用前就亏（毛利为负：售价低于成本）")
        en.append(f"{len(below)} lose money before any fee (negative gross profit: sold "
                  f"below cost)")
    if len(eaten):
        counts = pd.Series([_largest_eater(r) for _, r in eaten.iterrows()]).value_counts()
        most = sorted(counts[counts == counts.max()].index)[0]
        zh.append(f"{len(eaten)} 个毛利为正但被费用吃掉，最常见的最大费用是{_lab(most, 'zh')}")
        en.append(f"{len(eaten)} make a gross profit that costs eat, most often "
                  f"{_lab(most, 'en').lower()} first")
    return _t(zh[0] + "；".join(zh[1:]) + "。", en[0] + "; ".join(en[1:]) + ".", lang)


def cost_sentence(costs: pd.DataFrame, lang: str = "zh"):
    """Every cost by size: the three largest by name with their share of all costs."""
    c = costs[costs["amount_fen"] > 0].sort_values(["amount_fen", "kind"], ascending=[False, True])
    if c.empty:
        return _t("所选期间没有任何成本或费用。", "No costs in the selected period.", lang)
    head = c.head(3)
    zh = "、".join(f"{_lab(r.kind, 'zh')}（{fmt.pct(r.share_rate)}）" for r in head.itertuples())
    en = ", ".join(f"{_lab(r.kind, 'en').lower()} ({fmt.pct(r.share_rate)})"
                   for r in head.itertuples())
    return _t(f"所有成本和费用按金额排序（含公司层面的租金工资），表中给出各项占全部成本和占净销售额的比例。最大的 {len(head)} 项是{zh}。",
              f"Every cost by size (company rent and salary included), with each one's share "
              f"of all costs and of net sales. The {len(head)} largest: {en}.", lang)


def targets_sentence(last: pd.DataFrame, metric: str, end, lang: str = "zh",
                     names: dict | None = None):
    """The last month's targets: what actual and projected mean, and who is projected below
    100 % (named; a shop by its name, ``names``) or that everyone is projected to make it."""
    mon = pd.Timestamp(last["month"].iloc[0]).strftime("%Y-%m")
    end_s = fmt.date(pd.Timestamp(end))
    base_zh = (f"{mon} 月：实际 = 截至 {end_s} 的{_lab(metric, 'zh')}；月末预计 = 当月日均 × 当月天数。")
    base_en = (f"{mon}: actual = {_lab(metric, 'en').lower()} up to {end_s}; projected month "
               f"end = the month's daily run rate x days in the month.")
    final = bool(last["is_final"].all())
    rate = "attainment_rate" if final else "projected_rate"
    behind = last[last[rate] < 1 - 1e-12].sort_values(["level", "entity"])
    if behind.empty:
        return _t(base_zh + ("全部达成目标。" if final else "所有人预计都能完成目标。"),
                  base_en + (" Everyone met the target." if final else
                             " Everyone is projected to meet the target."), lang)
    who = lambda r: _shop_name(r.entity, names) if r.level == "shop" else r.entity  # noqa: E731
    who_zh = "、".join(f"{who(r)}（{fmt.pct(getattr(r, rate))}）" for r in behind.itertuples())
    who_en = ", ".join(f"{who(r)} ({fmt.pct(getattr(r, rate))})" for r in behind.itertuples())
    if final:
        return _t(base_zh + f"未达成目标的有 {len(behind)} 个：{who_zh}。",
                  base_en + f" {len(behind)} missed the target: {who_en}.", lang)
    return _t(base_zh + f"预计达成率低于 100% 的有 {len(behind)} 个，需要在月内追：{who_zh}。",
              base_en + f" {len(behind)} are projected below 100% and need to catch up within "
              f"the month: {who_en}.", lang)


def commission_sentence(com: pd.DataFrame, commission_file: str = "", lang: str = "zh",
                        big: bool = False):
    """The commission rule in words and the closed months' total (the rule's file is named
    in the notes)."""
    final = com[com.is_final.astype(bool)]
    tot = money(int(final.commission_fen.sum()), lang, big)
    return _t(f"提成规则：达成率达到档位即按净销售额的对应比例提成，每人每月封顶。已结束月份提成合计 **{tot}**；未结束的月份（已结束 = 否）为暂估。",
              f"The rule: reaching a tier of attainment pays that share of net sales, capped "
              f"per person and month. Closed months total **{tot}**; open months (closed = "
              f"no) are provisional.", lang)


def cash_sentence(cash: pd.DataFrame, opening_fen: int, end, settings: dict,
                  lang: str = "zh", big: bool = False) -> list:
    """How the forecast is built, the week with the least cash and, when cash goes below 0,
    the warning (a list of sentences)."""
    low = lowest_week(cash)
    M = lambda v: money(v, lang, big)  # noqa: E731
    lags = {k: v for k, v in (settings.get("settlement_lag_days") or {}).items() if k != "default"}
    rr = settings.get("run_rate_weeks", 4)
    pay = settings.get("supplier_payment_days", 30)
    end_s = fmt.date(pd.Timestamp(end))
    lags_zh = ", ".join(f"{_lab(k, 'zh')} {v} 天" for k, v in lags.items())
    lags_en = ", ".join(f"{_lab(k, 'en')} {v} d" for k, v in lags.items())
    out = [_t(f"从 {end_s} 的现金 {M(opening_fen)} 出发：平台回款按各平台结算周期（{lags_zh}）到账，"
              f"新销售、广告、快递包材按最近 {rr} 周的日均延续，采购单按到货后 {pay} 天付款。"
              f"**现金最低的一周是第 {int(low.week)} 周（{fmt.date(low.week_from)} 起），余额 {M(low.closing_cash_fen)}**。",
              f"From cash of {M(opening_fen)} on {end_s}: platform payouts arrive after each "
              f"platform's settlement lag ({lags_en}); "
              f"new sales, ads, logistics and packaging continue at the daily mean of the last "
              f"{rr} weeks; purchase orders are paid {pay} days after receipt. **Cash is lowest "
              f"in week {int(low.week)} (from {fmt.date(low.week_from)}) at "
              f"{M(low.closing_cash_fen)}**.", lang)]
    if int(low.closing_cash_fen) < 0:
        first = cash[cash["closing_cash_fen"] < 0].iloc[0]
        out.append(_t(f"⚠️ 预测现金在第 {int(first.week)} 周（{fmt.date(first.week_from)} 起）转为负数：需要提前安排融资、推迟采购付款或压缩广告。",
                      f"⚠️ Cash goes negative in week {int(first.week)} (from "
                      f"{fmt.date(first.week_from)}): arrange financing, delay purchase "
                      f"payments or cut ads in advance.", lang))
    else:
        out.append(_t("13 周内现金始终为正。", "Cash stays positive over the 13 weeks.", lang))
    return out


def pricing_sentence(pricing: pd.DataFrame, min_units: int, lang: str = "zh"):
    """The break-even formula, and how many of the SKUs checked sell below break-even."""
    if pricing.empty:
        return _t(f"没有销量达到 {min_units} 件的 SKU。", f"No SKU sold {min_units} units or more.", lang)
    under = int((pricing.price_headroom_rate < 0).sum())
    return _t(f"每件的预期贡献 = 售价 × (1 − 退款率) × (1 − 佣金率) − 成本 × (1 − 退货件率) − 件均快递包材 − 件均广告费；保本售价是它为 0 的价格。"
              f"销量 ≥ {min_units} 件的 {len(pricing)} 个 SKU 中有 **{under} 个现价低于保本价**；保本销量 = 广告费 ÷ 广告前的件均利润。下表是安全边际最小的 15 个。",
              f"Expected contribution per unit = price x (1 - refund rate) x (1 - fee rate) - "
              f"cost x (1 - returned units rate) - fulfilment per unit - ad cost per unit; the "
              f"break-even price makes it 0. Of {len(pricing)} SKUs with {min_units}+ units, "
              f"**{under} sell below break-even**; break-even units = ad spend / margin per "
              f"unit before ads. The 15 with the least headroom:", lang)


def courier_sentence(summary: pd.DataFrame, n_lines: int, n_shipped: int, settings_file: str = "",
                     lang: str = "zh", big: bool = False):
    """What was checked and how much can be claimed back; which kind of problem costs most
    (or that every line is in order)."""
    s = summary.set_index("check")
    claim = money(int(s.loc["total", "claim_fen"]), lang, big)
    probs = s.drop(index=["total", "bill_ok"])
    probs = probs[probs["claim_fen"] > 0]
    zh = (f"账单 {n_lines:,} 行，对照 {n_shipped:,} 个已发货订单和快递合同价：可向快递公司追回 **{claim}**")
    en = (f"{n_lines:,} bill lines checked against {n_shipped:,} shipped orders and the "
          f"contracted rate card: **{claim}** to claim back from the carrier")
    if probs.empty:
        return _t(zh + "；每一行都正常。", en + "; every line is in order.", lang)
    top = probs.sort_values(["claim_fen"], ascending=False).index[0]
    return _t(zh + f"，其中最多的是{_lab(top, 'zh')}（{money(int(s.loc[top, 'claim_fen']), lang, big)}）。",
              en + f", most of it for {_lab(top, 'en')} lines "
              f"({money(int(s.loc[top, 'claim_fen']), lang, big)}).", lang)


def stock_sentence(stock: pd.DataFrame, opening_date, closing_date, lang: str = "zh"):
    """The stock identity, how many warehouse x SKU pairs do not tie, and what their
    direction usually means: only the directions that occur are explained."""
    diff = stock[stock.difference_units != 0]
    od, cd = fmt.date(pd.Timestamp(opening_date)), fmt.date(pd.Timestamp(closing_date))
    zh = (f"期初（{od} 快照）+ 采购到货 − 销售出库 + 客户退货 = 应有期末，与 {cd} 的实际快照比较（全公司口径，不受店铺筛选影响）。")
    en = (f"Opening (snapshot of {od}) + received - sold + customer returns = expected "
          f"closing, against the actual snapshot of {cd} (company-wide, whatever the shop "
          f"filter).")
    if diff.empty:
        return _t(zh + f"{len(stock)} 个仓库×SKU 全部对得上。",
                  en + f" All {len(stock)} warehouse x SKU rows tie.", lang)
    more = diff[diff.difference_units > 0]
    fewer = diff[diff.difference_units < 0]
    zh += (f"{len(stock)} 个仓库×SKU 中有 **{len(diff)} 个对不上**，合计差异 "
           f"{fmt.integer(int(diff.difference_units.sum()))} 件。")
    en += (f" **{len(diff)} of {len(stock)}** warehouse x SKU rows differ, "
           f"{fmt.integer(int(diff.difference_units.sum()))} units in total.")
    if len(more):
        zh += (f"{len(more)} 个实际多于应有（共 {fmt.integer(int(more.difference_units.sum()))} 件），"
               "常见原因是退货入库没有记录件数或采购到货漏记。")
        en += (f" {len(more)} hold more than expected ({fmt.integer(int(more.difference_units.sum()))} "
               "units): usually returns restocked without a unit count or a receipt not booked.")
    if len(fewer):
        zh += (f"{len(fewer)} 个实际少于应有（共 {fmt.integer(int(-fewer.difference_units.sum()))} 件），"
               "要查丢件或漏记出库。")
        en += (f" {len(fewer)} hold fewer ({fmt.integer(int(-fewer.difference_units.sum()))} "
               "units): look for losses or missed outbound.")
    return _t(zh, en, lang)


# ----------------------------------------------------------------------------------------
# charts
# ----------------------------------------------------------------------------------------
def _short(v_fen: float, lang: str) -> str:
    return fmt.wan(int(round(v_fen)), lang, decimals=1)


def waterfall_chart(structure: pd.DataFrame, key: str, value: str = "contribution_fen",
                    top: int = 10, title: str | None = None, lang: str = "zh",
                    labels: dict | None = None):
    """Profit waterfall: the ``top`` largest positive ``value`` rows one by one, the rest of
    the positive rows as one bar, then every negative row together (the drag), ending in the
    total. ``structure`` is :func:`~ecomlib.metrics.finance.profit_structure` output.
    Returns a matplotlib Figure."""
    from matplotlib.figure import Figure

    from .. import plots
    plots._lang(lang)
    if not len(structure):
        return plots._empty_figure(title, lang, (11, 4.2))
    d = structure.sort_values(value, ascending=False)
    pos = d[d[value] > 0]
    neg = d[d[value] < 0]
    name = lambda k: str((labels or {}).get(k) or i18n.label(k, lang))  # noqa: E731
    steps = [(name(k), float(v)) for k, v in zip(pos[key].head(top), pos[value].head(top))]
    if len(pos) > top:
        steps.append((i18n.text(f"其余 {len(pos) - top} 个盈利项", f"other {len(pos) - top} profitable",
                                lang), float(pos[value].iloc[top:].sum())))
    if len(neg):
        steps.append((i18n.text(f"{len(neg)} 个亏损项", f"{len(neg)} loss-making", lang),
                      float(neg[value].sum())))
    total = float(d[value].sum())
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    ax = fig.add_subplot()
    run = 0.0
    for i, (lab, v) in enumerate(steps):
        color = "#2B8A3E" if v >= 0 else "#C92A2A"
        ax.bar(i, v / 100, bottom=run / 100, color=color, width=0.7)
        ax.text(i, (run + max(v, 0)) / 100, _short(v, lang), ha="center", va="bottom",
                fontsize="x-small")
        run += v
    ax.bar(len(steps), total / 100, color="#495057", width=0.7)
    ax.text(len(steps), max(total, 0) / 100, _short(total, lang), ha="center", va="bottom",
            fontsize="x-small")
    labels = [s[0] for s in steps] + [i18n.label("total", lang)]
    ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right", rotation_mode="anchor")
    ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    ax.set_ylabel(f"{i18n.label(value, lang)} ({i18n.label('yuan', lang)})")
    ax.axhline(0, color="#868E96", lw=0.8)
    ax.grid(axis="x", visible=False)
    if title:
        ax.set_title(title)
    return fig


def cash_chart(forecast: pd.DataFrame, title: str | None = None, lang: str = "zh"):
    """Weekly net cash flow (bars, green in / red out) and closing cash (line) of
    :func:`~ecomlib.metrics.finance_cash.cash_flow_forecast`, the lowest week marked."""
    from matplotlib.figure import Figure

    from .. import plots
    plots._lang(lang)
    if not len(forecast):
        return plots._empty_figure(title, lang, (11, 4.2))
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(forecast))
    net = forecast["net_fen"].to_numpy() / 100
    ax.bar(x, net, color=np.where(net >= 0, "#69DB7C", "#FF8787"), width=0.7,
           label=i18n.label("net_fen", lang))
    ax.plot(x, forecast["closing_cash_fen"] / 100, color="#1C7ED6", marker="o", lw=1.8,
            label=i18n.label("closing_cash_fen", lang))
    low = int(np.argmin(forecast["closing_cash_fen"].to_numpy()))
    ax.annotate(i18n.text("最低", "lowest", lang), (low, forecast["closing_cash_fen"].iloc[low] / 100),
                textcoords="offset points", xytext=(0, -18), ha="center", color="#C92A2A")
    ax.set_xticks(x, [pd.Timestamp(d).strftime("%m-%d") for d in forecast["week_from"]])
    ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    ax.set_ylabel(i18n.label("yuan", lang))
    ax.axhline(0, color="#868E96", lw=0.8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    return fig


# ----------------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------------
#: the workbook's sheets: (zh, en) name, table of :func:`build_report`, its columns
SHEETS = [
    (("今天要做", "To do"), "actions", None),
    (("利润表", "Income statement"), "statement", ["line", "amount_fen", "of_net_sales_rate"]),
    (("月度趋势", "Monthly trend"), "trend", ["month", "count_days", "is_whole_month"] + fi.PNL_COLUMNS
     + ["net_sales_mom_rate", "net_sales_yoy_rate", "contribution_mom_rate",
        "contribution_yoy_rate"]),
    (("每周", "Weekly"), "weekly", ["week", "count_days"] + fi.PNL_COLUMNS),
    (("平台", "Platforms"), "by_platform", ["platform"] + fi.PNL_COLUMNS),
    (("店铺", "Shops"), "by_shop", ["platform", "shop_id"] + fi.PNL_COLUMNS),
    (("类目", "Categories"), "category_structure", ["rank", "category"] + fi.PNL_COLUMNS
     + ["share_rate", "cum_share_rate"]),
    (("SKU利润", "SKU profit"), "sku_structure", ["rank", "sku", "category"] + fi.PNL_COLUMNS
     + ["share_rate", "cum_share_rate", "is_drag"]),
    (("费用结构", "Costs"), "cost_structure", ["kind", "amount_fen", "share_rate",
                                             "of_net_sales_rate"]),
    (("目标达成", "Targets"), "attainment", ["level", "entity", "month", "target_fen",
                                             "actual_fen", "attainment_rate", "days_elapsed",
                                             "days_in_month", "projected_fen", "projected_rate",
                                             "net_sales_fen", "is_final"]),
    (("运营提成", "Commission"), "commission", ["operator", "month", "target_fen", "actual_fen",
                                               "attainment_rate", "base_fen", "commission_rate",
                                               "commission_fen", "is_final"]),
    (("13周现金流", "13-week cash"), "cash", ["week", "week_from", "inflow_settled_fen",
                                              "inflow_future_fen", "outflow_purchases_fen",
                                              "outflow_replenishment_fen", "outflow_ads_fen",
                                              "outflow_fulfilment_fen", "outflow_overhead_fen",
                                              "net_fen", "closing_cash_fen"]),
    (("保本定价", "Pricing"), "pricing", None),
    (("快递核对", "Courier check"), "courier_summary", ["check", "count_waybills", "fee_fen",
                                                       "claim_fen"]),
    (("库存对账", "Stock reconciliation"), "stock", None),
]




def excel_tables(r: dict, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's sheets (:data:`SHEETS`, named in the report's language), each a
    display copy (:func:`view`) of a table of :func:`build_report`: statement lines, shops,
    platforms, categories, cost kinds and check results in words, product names beside SKU
    codes. Empty tables are left out; the courier bill's lines go to a CSV file beside it
    (:func:`export_csv`)."""
    out = {}
    for (zh, en), key, cols in SHEETS:
        if key == "actions":
            df = S.actions_frame(r.get("actions") or [], {
                **SECTIONS, LOSS_ANCHOR: ("亏损 SKU", "Loss-making SKUs")}, lang)
        else:
            src = r.get(key)
            if src is None or not len(src):
                continue
            if key == "courier_summary":
                src = src[src["check"] != "total"]
            if key == "weekly":  # its weeks are the calendar's, from Monday
                src = src.rename(columns={"week": "week_start"})
                cols = ["week_start"] + cols[1:]
            df = view(src, [c for c in cols if c in src.columns] if cols else None, r, lang)
        if len(df):
            out[_tx(zh, en, lang)] = df
    return out


def export_excel(tables: dict[str, pd.DataFrame], path: str | Path, lang: str = "zh") -> Path:
    """Write each table to its own sheet (sheet name = key, max 31 chars) with
    :func:`ecomlib.excel.write_tables` in ``lang``: money columns (``*_fen``) become yuan
    (fen / 100, exact to the cent) under labelled headers ("实付金额 (元)"), rates a percent
    format, counts ``#,##0``, months ``YYYY-MM``, 是/否; header row frozen, filters on."""
    from .. import excel
    return excel.write_tables(tables, path, lang=lang)


def export_csv(df: pd.DataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write a long table (e.g. every line of the courier check) as CSV, UTF-8 with a BOM
    (Excel opens it with Chinese intact), headers labelled as in :func:`export_excel`. Text
    cells starting with ``= + - @`` get a leading ``'`` (:func:`ecomlib.excel.formula_safe`:
    no CSV injection). Money columns (``*_fen``) become yuan: integer fen exact with two
    decimals (fen x 0.01 as a decimal), fractional fen / 100; datetimes lose their time zone
    and are written as dates when every value is a midnight. Written by DuckDB (about a
    second per million rows), for tables too long for an Excel sheet (1,048,576 rows)."""
    import duckdb

    from .. import excel
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    d = df.set_axis([f"c{k}" for k in range(len(df.columns))], axis=1).reset_index(drop=True)
    heads: dict = {}
    sel = []
    for k, col in enumerate(df.columns):
        lab = i18n.label(col, lang)
        if str(col).endswith("_fen"):
            lab = f"{lab} ({i18n.label('yuan', lang)})"
        if lab in heads.values():
            lab = f"{lab} ({col})"
        heads[col] = lab
        src, v = f"c{k}", d[f"c{k}"]
        expr = f'"{src}"'
        if str(col).endswith("_fen"):
            expr = (f"CAST({expr} AS DECIMAL(18,0)) * 0.01" if pd.api.types.is_integer_dtype(v.dtype)
                    else f"CAST({expr} AS DOUBLE) / 100")
        elif pd.api.types.is_datetime64_any_dtype(v.dtype):
            if getattr(v.dt, "tz", None):
                d[src] = v = v.dt.tz_localize(None)
            if bool((v.dropna() == v.dropna().dt.normalize()).all()):
                expr = f"CAST({expr} AS DATE)"
        else:  # text from the exports: never a formula when the CSV is opened in Excel
            d[src] = excel.formula_safe(v)
        sel.append(f'{expr} AS "{lab.replace(chr(34), chr(34) * 2)}"')
    tmp = path.with_name(path.name + ".part")
    con = duckdb.connect()
    try:
        con.register("t", d)
        con.execute(f"COPY (SELECT {', '.join(sel)} FROM t) TO '{str(tmp).replace(chr(39), chr(39) * 2)}' "
                    f"(HEADER, DELIMITER ',')")
    finally:
        con.close()
    with open(path, "wb") as out, open(tmp, "rb") as src_f:
        out.write(b"\xef\xbb\xbf")
        while chunk := src_f.read(1 << 22):
            out.write(chunk)
    tmp.unlink()
    return path

