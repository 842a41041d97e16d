"""The inventory report (notebooks/inventory.ipynb): its data in one call (:func:`build_report`),
its sentences and its charts.

* Data: :func:`build_report` reads the marts through :mod:`ecomlib.metrics.inventory_queries`
  and runs the pure functions of :mod:`ecomlib.metrics.inventory`, the demand forecast
  (:mod:`ecomlib.models.forecast`, calendar features from ``dim_calendar``) and the
  replenishment models (:mod:`ecomlib.models.replenish`).
* Sentences: every sentence whose claim depends on the data (better or worse, fewer or more,
  the largest, "the model follows actual sales") is a function of the numbers here, tested
  with data that says the opposite (tests/test_inventory_report.py). Each returns a
  :class:`ecomlib.fmt.Sentence` in the report's language.
* Charts and display tables: figures for ``display()``, frames shaped for :func:`fmt.table`.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, periods, plots
from ..i18n import label, text
from . import catalogue
from . import inventory as inv
from . import inventory_queries as Q

__all__ = [
    "REPORT", "TITLE", "SECTIONS", "CARD_METRICS", "CHANGE_METRICS", "resolve_period", "title",
    "section", "cards", "card_value", "largest_changes", "actions", "health", "sku_name", "view",
    "purchase_by_supplier", "purchase_note", "overdue_note", "freshness_sentence",
    "excel_tables", "export_excel",
    "build_report", "key_figures", "replay_headline", "health_note", "backtest_intro",
    "backtest_verdict", "backtest_series", "follows_actual", "forecast_note",
    "supplier_note", "suggestions_note", "dead_alerts_note", "replay_intro", "replay_verdict",
    "capital_note", "stockout_count_note", "stockout_alerts_note", "abc_grid", "status_summary",
    "top_status", "whole_days", "backtest_table",
    "days_of_supply_chart", "lost_sales_chart", "backtest_chart", "forecast_chart",
    "capital_chart", "stockout_count_chart",
]


# ----------------------------------------------------------------------------------------
# the report's name, period and sections
# ----------------------------------------------------------------------------------------
REPORT = "inventory"
#: the report's name (zh, en): the page title is this and the period
TITLE = ("库存与供应链", "Inventory and supply chain")
#: the report's sections: anchor -> (zh, en) heading; the summary's actions link to them
SECTIONS = {
    "purchase": ("采购清单：今天下单", "Purchase list: order today"),
    "stockout-alerts": ("断货预警", "Stock-out alerts"),
    "dead-stock": ("呆滞与滞销库存", "Slow and dead stock"),
    "health": ("库存健康：按品类与仓库", "Stock health by category and warehouse"),
    "stockouts": ("缺货与损失销售", "Stock-outs and lost sales"),
    "abc": ("ABC × XYZ 分类", "ABC x XYZ classes"),
    "suppliers": ("供应商表现", "Suppliers"),
    "forecast": ("需求预测与回测", "Demand forecast and backtest"),
    "replay": ("补货策略模拟", "Policy replay"),
    "freshness": ("数据时效", "Data freshness"),
}
#: at most this many items are named in one action line
MAX_NAMED = 3
#: days of purchase orders (up to the period's end) that supplier performance reads
SUPPLIER_DAYS = 365


def _tx(zh: str, en: str, lang: str) -> str:
    return text(zh, en, lang)


def _day(v) -> str:
    return fmt.date(v) if not fmt.is_missing(v) else fmt.MISSING


def resolve_period(wh, period: str = "", as_of="latest", start: str = "", end: str = "",
                   previous_start: str = "", previous_end: str = "", year_ago_start: str = "",
                   year_ago_end: str = "") -> periods.Period:
    """The period the report shows: the runner's resolved days, or resolved the runner's way
    by hand (:func:`ecomlib.periods.from_parameters`; empty ``period``: ``last_30_days``)."""
    return periods.from_parameters(wh, REPORT, period, as_of, start, end, previous_start,
                                   previous_end, year_ago_start, year_ago_end)


def title(period: periods.Period, lang: str = "zh") -> str:
    """``库存与供应链 · 近30天 2025-12-02 至 2025-12-31``: the report's name and its period."""
    return f"{_tx(*TITLE, lang)} · {period.label(lang)}"


def section(anchor: str, lang: str = "zh", number: int | None = None) -> fmt.Heading:
    """The ``<h2>`` of a section of :data:`SECTIONS`, with its anchor (the summary's links
    point to it)."""
    zh, en = SECTIONS[anchor]
    pre = f"{number}. " if number else ""
    return fmt.heading(pre + zh, pre + en, lang, 2, anchor)


# ----------------------------------------------------------------------------------------
# the 经营摘要: cards, largest changes, actions, data health
# ----------------------------------------------------------------------------------------
#: the KPI cards, in order: catalogue metrics over the per-SKU rows of a period
CARD_METRICS = ("on_hand_value_fen", "turnover_days", "days_of_supply", "sell_through_rate",
                "active_sku_rate", "count_skus_out")
#: the metrics whose moves the summary lists, and the dimensions that may drive them
CHANGE_METRICS = ("on_hand_value_fen", "count_skus_out", "stockout_days_sku",
                  "sell_through_rate", "active_sku_rate", "turnover_days", "days_of_supply")


def _card_rows(per: pd.DataFrame | None) -> pd.DataFrame | None:
    """Per-SKU rows with the card metrics' columns: 库存金额 is the stock at cost at the
    period's end (closing_value_fen under the catalogue's on_hand_value_fen)."""
    if per is None or not len(per):
        return None
    return per.assign(on_hand_value_fen=per["closing_value_fen"])


def card_value(metric: str, per: pd.DataFrame | None) -> float | None:
    """A card's value over a period's per-SKU rows (None without rows)."""
    rows = _card_rows(per)
    return None if rows is None else float(catalogue.value(metric, rows))


def cards(R: dict) -> list:
    """The KPI cards: 库存金额 (stock at cost at the period end), 周转天数, 可售天数, 售罄率,
    动销率, 缺货SKU数 (at the period end), each against the previous period (环比) and the
    same days a year earlier (同比), stock values at each period's end. A comparison period
    without stock snapshots shows —. No inventory targets exist (parameters/targets.yaml
    holds sales targets only)."""
    from .. import summary as S
    per = R.get("per_sku")
    if per is None or not len(per):
        return []
    return [S.Card(m, card_value(m, per), card_value(m, R.get("per_previous")),
                   card_value(m, R.get("per_year_ago"))) for m in CARD_METRICS]


def largest_changes(R: dict, lang: str = "zh", top: int = 5) -> list:
    """The largest moves of :data:`CHANGE_METRICS` against the previous period (环比), each
    with the category that drove it, or the warehouse when a warehouse explains a larger
    share of a stock value or stock-out move (:func:`ecomlib.summary.changes`)."""
    from .. import summary as S
    cur, prev = _card_rows(R.get("per_sku")), _card_rows(R.get("per_previous"))
    if cur is None or prev is None:
        return []
    cur, prev = cur.assign(category=cur["category"].fillna(_tx("未分类", "Uncategorised", lang))), \
        prev.assign(category=prev["category"].fillna(_tx("未分类", "Uncategorised", lang)))
    by_cat = {c.metric: c for c in S.changes(cur, prev, CHANGE_METRICS, "category", top=99)}
    whs = set(cur["warehouse_id"].dropna()) | set(prev["warehouse_id"].dropna())
    if len(whs) > 1:
        names = {w: label(w, lang) for w in whs}
        for c in S.changes(cur, prev, ("on_hand_value_fen", "count_skus_out", "stockout_days_sku"),
                           "warehouse_id", names, top=99):
            mine = by_cat.get(c.metric)
            if mine is None or (c.driver_share or 0) > (mine.driver_share or 0):
                by_cat[c.metric] = c
    out = list(by_cat.values())
    out.sort(key=lambda c: abs(c.delta / c.previous) if c.previous else float("inf"), reverse=True)
    return out[:top]


def sku_name(sku, products: pd.DataFrame | None, lang: str = "zh") -> str:
    """``山野生活桂花焕亮精华油 30ml（SY-HF001-01）``: the product's name with its SKU code
    beside (the code alone when the product is unknown)."""
    name = None
    if products is not None and len(products) and "product_name" in products:
        m = products.loc[products["sku"] == sku, "product_name"]
        name = m.iloc[0] if len(m) and isinstance(m.iloc[0], str) and m.iloc[0] else None
    if not name:
        return str(sku)
    return f"{name}（{sku}）" if lang == "zh" else f"{name} ({sku})"


def actions(R: dict, lang: str = "zh") -> list:
    """What to do today, most urgent first, each linked to its section: stale data; SKUs
    that will run out within their lead time (an order today is too late: expedite or
    transfer); SKUs to reorder now (SKUs, cases, units and cost, by supplier; the purchase
    list); purchase-order lines past their promised day (chase the supplier); dead stock to
    clear (SKUs and value at cost); a supplier whose on-time rate in the period is below
    ``on_time_alert_rate``."""
    from .. import summary as S
    out = []
    products = R.get("products")
    sep = "、" if lang == "zh" else ", "
    if R.get("fresh_warning"):
        out.append(S.Action(R["fresh_warning"], "#freshness", "high"))
    P = R["period"]
    ls = R.get("last_stock_date")
    today = pd.Timestamp(P.as_of) - pd.Timedelta(days=1)  # the last day a report run today can know
    if pd.notna(ls) and (today - pd.Timestamp(ls)).days > 1:
        n = (today - pd.Timestamp(ls)).days
        out.append(S.Action(_tx(f"库存快照只到 {_day(ls)}（落后 {n} 天）：先导入最新的 ERP 库存导出，再按本报告下单",
                                f"Stock snapshots end on {_day(ls)} ({n} days behind): load the latest ERP stock export before ordering",
                                lang), "#freshness", "high"))
    al = R.get("stockout_alerts")
    if al is not None and len(al):
        first = al.iloc[0]
        named = sep.join(sku_name(s, products, lang) for s in al["sku"].head(MAX_NAMED))
        more = _tx(f" 等 {len(al)} 个", f" and {len(al) - MAX_NAMED} more", lang) if len(al) > MAX_NAMED else ""
        out.append(S.Action(
            _tx(f"加急或调拨：{len(al)} 个 SKU 在交期内会断货，今天下单也来不及（最早 {_day(first.stockout_date)}）：{named}{more}",
                f"Expedite or transfer: {len(al)} SKUs run out within their lead time, an order today is too late (first on {_day(first.stockout_date)}): {named}{more}",
                lang), "#stockout-alerts", "high", count=len(al)))
    pl = R.get("purchase")
    if pl is not None and len(pl):
        by_sup = pl.groupby("supplier_name")["order_cost_fen"].sum().sort_values(ascending=False)
        top_sup = sep.join(f"{k} {fmt.wan(v, lang)}" for k, v in by_sup.head(2).items())
        out.append(S.Action(
            _tx(f"今天下单补货：{len(pl)} 个 SKU、{fmt.integer(pl['order_cases'].sum())} 箱（{fmt.integer(pl['order_units'].sum())} 件），"
                f"{fmt.wan(pl['order_cost_fen'].sum())}，{len(by_sup)} 家供应商（{top_sup}）；采购清单已按供应商分好，Excel 里每家一页",
                f"Order today: {len(pl)} SKUs, {fmt.integer(pl['order_cases'].sum())} cases ({fmt.integer(pl['order_units'].sum())} units), "
                f"{fmt.wan(pl['order_cost_fen'].sum(), 'en')} from {len(by_sup)} suppliers ({top_sup}); the purchase list is split by supplier, one Excel sheet each",
                lang), "#purchase", "high", count=len(pl)))
    od = R.get("overdue")
    if od is not None and len(od):
        g = od.groupby("supplier_name").agg(n=("po_id", "size"), days=("overdue_days", "max")) \
            .sort_values(["days", "n"], ascending=False)
        named = sep.join(_tx(f"{k}（{r.n} 行，最长逾期 {r.days} 天）",
                             f"{k} ({r.n} line{'s' if r.n > 1 else ''}, up to {r.days} days late)", lang)
                         for k, r in g.head(2).iterrows())
        more = _tx(f" 等 {len(g)} 家", f" and {len(g) - 2} more", lang) if len(g) > 2 else ""
        out.append(S.Action(_tx(f"催货：{len(od)} 个采购行已过承诺到货日仍未到货：{named}{more}",
                                f"Chase suppliers: {len(od)} PO lines are past their promised day: {named}{more}", lang),
                            "#suppliers", "high" if g["days"].max() >= 7 else "medium", count=len(od)))
    st = R.get("status")
    if st is not None and len(st):
        dead = st[st["stock_status"] == "dead"]
        if len(dead):
            named = sep.join(f"{sku_name(r.sku, products, lang)} {fmt.wan(r.closing_value_fen, lang)}"
                             for r in dead.head(2).itertuples())
            out.append(S.Action(
                _tx(f"清理呆滞库存：{len(dead)} 个 SKU 超过 {R['dead_days']} 天没有销售，压着 {fmt.wan(dead['closing_value_fen'].sum())}（成本），"
                    f"考虑清仓、捆绑或停止补货（最大：{named}）",
                    f"Clear dead stock: {len(dead)} SKUs have not sold for {R['dead_days']} days and tie up {fmt.wan(dead['closing_value_fen'].sum(), 'en')} at cost; "
                    f"clear, bundle or stop buying (largest: {named})", lang),
                "#dead-stock", "medium", count=len(dead)))
    sup = R.get("suppliers")
    if sup is not None and len(sup):
        rec = sup[(sup["count_po_lines"] - sup["open_po_lines"] >= 3)
                  & (sup["on_time_rate"] < R.get("on_time_alert_rate", 0.8))].sort_values("on_time_rate")
        if len(rec):
            def late(r):
                return f"{r.late_days_mean:.1f}" if pd.notna(r.late_days_mean) else fmt.MISSING
            named = sep.join(_tx(f"{r.supplier_name} {fmt.pct(r.on_time_rate)}（平均延迟 {late(r)} 天）",
                                 f"{r.supplier_name} {fmt.pct(r.on_time_rate)} (mean delay {late(r)} days)", lang)
                             for r in rec.head(MAX_NAMED).itertuples())
            more = _tx(f" 等 {len(rec)} 家", f" and {len(rec) - MAX_NAMED} more", lang) if len(rec) > MAX_NAMED else ""
            out.append(S.Action(
                _tx(f"近一年准时率低于 {fmt.pct(R.get('on_time_alert_rate', 0.8), 0)} 的供应商：{named}{more}；为它们的 SKU 多备安全库存或启用备选供应商",
                    f"Suppliers on time for less than {fmt.pct(R.get('on_time_alert_rate', 0.8), 0)} of lines over the year: {named}{more}; hold more safety stock for their SKUs or use the second source",
                    lang), "#suppliers", "low", count=len(rec)))
    return out


def health(R: dict, lang: str = "zh") -> str:
    """The summary's last line: how far the orders and stock snapshots reach, how the
    comparisons are made when the period is not covered to its end, and what is missing."""
    P = R["period"]
    parts = [_tx(f"订单到 {_day(R.get('last_sales_date'))}，库存快照到 {_day(R.get('last_stock_date'))}",
                 f"orders up to {_day(R.get('last_sales_date'))}, stock snapshots up to {_day(R.get('last_stock_date'))}",
                 lang)]
    if R.get("incomplete"):
        parts.append(_tx(f"本期只有 {R['covered_days']}/{P.days} 天数据：环比、同比按相同天数比较",
                         f"the period has data for {R['covered_days']} of {P.days} days: the comparisons use as many days",
                         lang))
    if R.get("per_previous") is None:
        parts.append(_tx("没有上期库存可比", "no stock data for the previous period", lang))
    if R.get("per_year_ago") is None:
        parts.append(_tx("没有去年同期库存可比", "no stock data a year earlier", lang))
    parts.append(_tx("库存金额按当前单位成本计", "stock valued at current unit cost", lang))
    if R.get("fresh_warning"):
        parts.append(_tx("部分店铺数据不是最新", "some shops' data are not current", lang))
    return ("；" if lang == "zh" else "; ").join(parts) + ("。" if lang == "zh" else ".")


def _summarise(R: dict, lang: str) -> None:
    R["cards"] = cards(R)
    R["changes"] = largest_changes(R, lang)
    R["actions"] = actions(R, lang)
    R["health"] = health(R, lang)


# ----------------------------------------------------------------------------------------
# the report's data in one call (the notebook stays thin)
# ----------------------------------------------------------------------------------------
HISTORY_WEEKS = 104


def history_start_default(end) -> pd.Timestamp:
    """The first day of the models' default history for a period ending ``end``: the Monday
    that starts the :data:`HISTORY_WEEKS` (104) whole weeks, Monday to Sunday, up to the last
    Sunday on or before ``end`` (2025-12-31, a Wednesday: 2024-01-01, the Monday 104 weeks
    before the week of 2025-12-22 .. 28). Whole weeks, so that the forecasts' first week is
    not a part of one that looks like a week of low demand, and so that the weekly panel the
    forecasts learn from is the same every day of a week (it moves with Sunday's sales):
    what lets the kept forecast evaluation (:mod:`ecomlib.models.forecast_cache`) serve the
    mornings of a week."""
    end = pd.Timestamp(end).normalize()
    last_sunday = end - pd.Timedelta(days=(end.day_of_week + 1) % 7)
    return last_sunday - pd.Timedelta(weeks=HISTORY_WEEKS) + pd.Timedelta(days=1)


def build_report(wh, start, end, history_start=None, warehouses: Sequence[str] | None = None,
                 service_level: float = 0.95, review_days: int = 7, horizon_weeks: int = 8,
                 moq_cases: int = 1, dead_days: int = 90, slow_days_of_supply: float = 180,
                 dead_stock_alert_fen: int = 100_000, campaign_days: Sequence[str] = (),
                 backtest_every_weeks: int = 4, run_backtest: bool = True,
                 run_replay: bool = True, platforms: Sequence[str] | None = None,
                 shops: Sequence[str] | None = None, case_packs: dict | None = None,
                 case_pack_default: int = 1, period: periods.Period | None = None,
                 on_time_alert_rate: float = 0.8, lang: str = "zh",
                 cache_dir=None) -> dict:
    """Every table of the inventory report for ``start``..``end`` (inclusive), as a dict.

    Keys (each a DataFrame, empty when there is no data): ``per_sku``, ``by_category``,
    ``by_warehouse``, ``total``, ``abc_xyz``, ``status`` (slow/dead), ``dead_alerts``,
    ``stockouts``, ``suppliers``, ``forecast`` (next ``horizon_weeks`` weeks after ``end``),
    ``suggestions``, ``stockout_alerts``, ``purchase`` (the purchase list,
    :func:`inventory.purchase_list`), ``overdue`` (PO lines to chase), ``case_packs``,
    ``backtest`` (a BacktestResult or None), ``replay`` (the
    :func:`ecomlib.models.replenish.replay_year` dict or None), ``notes`` (list of (zh, en)
    sentences on what was skipped and why), ``weekly`` (panel), ``products``; and the
    经营摘要: ``cards``, ``changes``, ``actions``, ``health`` (see :func:`cards`,
    :func:`largest_changes`, :func:`actions`), ``fresh`` (per-shop freshness) and the
    comparison rows ``per_previous`` / ``per_year_ago`` (None when that period has no stock).

    ``period``: the :class:`ecomlib.periods.Period` shown (its 环比 and 同比 days; default:
    ``start``..``end`` as a custom period). When the stock snapshots or the sales of the
    scope end before ``end``, the period's metrics cover the days up to the last day with
    both (``covered_days``, ``incomplete``) and so do the comparisons (the same number of
    days from their start). History for the models starts at ``history_start`` (default
    :func:`history_start_default`: the Monday of the 104 whole weeks up to ``end``, and
    never after the 同比 period). Demand is the paid units of the
    selected ``platforms`` and ``shops`` (None: all), stock that of ``warehouses`` (None:
    all); the forecast's calendar is ``dim_calendar`` plus the user's ``campaign_days``.
    Case packs: ``case_packs`` (``{sku or category: units}``) else ``case_pack_default``.
    ``cache_dir``: a folder where the forecast evaluation is kept and read back while its
    inputs (the weekly panel, the calendar, the parameters) are unchanged
    (:mod:`ecomlib.models.forecast_cache`; the report's numbers are the same either way);
    None: evaluated every run.
    """
    from .. import freshness
    from ..models import forecast as F
    from ..models import forecast_cache as FC
    from ..models import forecast_select as FS
    from ..models import replenish as R
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if period is None:
        period = periods.resolve("custom", start=start.date(), end=end.date())
    P = period
    hist0 = (pd.Timestamp(history_start).normalize() if history_start
             else history_start_default(end))
    hist0 = min(hist0, start, pd.Timestamp(P.previous_start), pd.Timestamp(P.year_ago_start))
    # what to do today reads the stock of the day before as_of (a period that ended earlier,
    # e.g. last month, still gets today's purchase list); the period's figures stop at end
    now_end = max(end, pd.Timestamp(P.as_of) - pd.Timedelta(days=1))
    notes: list[tuple[str, str]] = []
    products = Q.products(wh)
    stock = Q.stock_daily(wh, hist0, now_end, warehouses)
    stock_skus = set(stock["sku"].unique())
    skus_here = stock_skus if warehouses else set(products["sku"]) | stock_skus
    sales = Q.sku_daily(wh, hist0, now_end, platforms, shops)
    sales = sales[sales["sku"].isin(skus_here)]
    po = Q.purchase_lines(wh, now_end, warehouses)
    # the models' history starts with the data (weeks before the first sale or snapshot are
    # not weeks without demand, and the warehouse calendar does not reach them)
    firsts = [d for d in (sales["sales_date"].min() if len(sales) else pd.NaT,
                          stock["snapshot_date"].min() if len(stock) else pd.NaT) if pd.notna(d)]
    if firsts:
        hist0 = min(max(hist0, min(firsts)), start)
    packs = inv.case_pack_sizes(products, case_packs, case_pack_default)
    out: dict = {"notes": notes, "backtest": None, "replay": None, "bands": None,
                 "coverage_rate": np.nan, "period": P, "products": products,
                 "case_packs": packs, "case_packs_given": dict(case_packs or {}),
                 "case_pack_default": case_pack_default, "per_previous": None,
                 "per_year_ago": None, "purchase": pd.DataFrame(), "overdue": pd.DataFrame(),
                 "review_days": review_days, "dead_days": dead_days,
                 "dead_stock_alert_fen": dead_stock_alert_fen,
                 "on_time_alert_rate": on_time_alert_rate}
    out["supplier_names"] = po.drop_duplicates("supplier_id", keep="last") \
        .set_index("supplier_id")["supplier_name"] if len(po) else pd.Series(dtype=object)
    # how far the data reach: the period's metrics stop at the last day with stock and sales
    last_stock = stock["snapshot_date"].max() if len(stock) else pd.NaT
    last_sale = sales["sales_date"].max() if len(sales) else pd.NaT
    out["last_stock_date"], out["last_sales_date"] = last_stock, last_sale
    out["now_end"] = min([now_end, *[d for d in (last_stock,) if pd.notna(d)]])
    known = [d for d in (last_stock, last_sale) if pd.notna(d)]
    eff_end = min([end, *known]) if known else end
    eff_end = max(eff_end, start)
    covered = (eff_end - start).days + 1
    out["eff_end"], out["covered_days"] = eff_end, covered
    out["incomplete"] = bool(known) and covered < P.days
    day = pd.Timedelta(days=1)
    prev = (pd.Timestamp(P.previous_start), pd.Timestamp(P.previous_end))
    ya = (pd.Timestamp(P.year_ago_start), pd.Timestamp(P.year_ago_end))
    if out["incomplete"]:  # compared over as many days as the period has data
        prev = (prev[0], min(prev[1], prev[0] + (covered - 1) * day))
        ya = (ya[0], min(ya[1], ya[0] + (covered - 1) * day))
    out["previous"], out["year_ago"] = prev, ya
    s_in = sales[(sales["sales_date"] >= start) & (sales["sales_date"] <= eff_end)]
    st_in = stock[(stock["snapshot_date"] >= start) & (stock["snapshot_date"] <= eff_end)]
    per = inv.sku_period(sales, stock, products, start, eff_end) if len(st_in) or len(s_in) else pd.DataFrame()
    out["per_sku"] = per
    out["overdue"] = inv.overdue_po_lines(po, pd.Timestamp(P.as_of))
    # supplier performance over a year up to the end: a month holds few received PO lines
    out["supplier_window"] = (min(start, end - pd.Timedelta(days=SUPPLIER_DAYS - 1)), end)
    try:
        out["fresh"] = freshness.table(wh, P.as_of, list(platforms or []) or None,
                                       list(shops or []) or None)
    except Exception:  # noqa: BLE001 - a warehouse without the freshness marts: no table
        out["fresh"] = pd.DataFrame()
    out["fresh_warning"] = freshness.warning(out["fresh"], lang) if len(out["fresh"]) else None
    if not len(per):
        notes.append(("报告期间没有库存快照也没有销售，库存指标为空。",
                      "No stock snapshots and no sales in the period: the inventory metrics are empty."))
        for k in ("by_category", "by_warehouse", "total", "abc_xyz", "status", "dead_alerts",
                  "stockouts", "forecast", "suggestions", "stockout_alerts"):
            out[k] = pd.DataFrame()
        out["suppliers"] = R.supplier_performance(po, *out["supplier_window"]) if len(po) else pd.DataFrame()
        out["weekly"] = pd.DataFrame()
        _summarise(out, lang)
        return out
    for key, (a, b) in (("per_previous", prev), ("per_year_ago", ya)):
        has = ((stock["snapshot_date"] >= a) & (stock["snapshot_date"] <= b)).any()
        out[key] = inv.sku_period(sales, stock, products, a, b) if has else None
    out["by_category"] = inv.turnover(per, ("category",))
    out["by_warehouse"] = inv.turnover(per, ("warehouse_id",))
    out["total"] = inv.turnover(per, ())
    cat_of = products.set_index("sku")["category"]
    panel_skus = sorted(skus_here & set(products["sku"]))
    weekly_now = F.weekly_panel(sales, hist0, now_end, skus=panel_skus)
    weekly_now["category"] = weekly_now["sku"].map(cat_of).fillna(weekly_now["category"])
    if now_end > end:  # the backtest and the classes read the weeks up to the period's end
        weekly_all = F.weekly_panel(sales[sales["sales_date"] <= end], hist0, end, skus=panel_skus)
        weekly_all["category"] = weekly_all["sku"].map(cat_of).fillna(weekly_all["category"])
    else:
        weekly_all = weekly_now
    out["weekly"] = weekly_now
    wk_in = weekly_all[(weekly_all["week_start"] >= start)]
    out["abc_xyz"] = inv.abc_xyz(per, wk_in)
    out["status"] = inv.slow_dead_stock(per, eff_end, po, dead_days, slow_days_of_supply)
    out["dead_alerts"] = inv.dead_stock_alerts(out["status"], dead_stock_alert_fen)
    out["stockouts"] = inv.stockouts(sales, stock, products, start, eff_end)
    out["suppliers"] = R.supplier_performance(po, *out["supplier_window"])
    # the forecast's calendar: dim_calendar from the panel's first week to past the horizon
    calendar = Q.calendar(wh, hist0 - pd.Timedelta(days=7),
                          now_end + pd.Timedelta(weeks=horizon_weeks + 2))
    first_origin = start - pd.Timedelta(days=start.day_of_week) - pd.Timedelta(days=7)
    weeks = pd.DatetimeIndex(sorted(weekly_all["week_start"].unique()))
    can_bt = len(weeks) > 0 and (weeks < first_origin).sum() >= 51 and (weeks > first_origin).sum() >= 2
    # the candidates, chosen per segment before a 26-week holdout (models.forecast_select)
    can_ev = len(weeks) >= 51 + 26 + 8 + 4
    if run_backtest and can_ev:
        ev = FC.evaluate(weekly_all, calendar, folder=cache_dir, horizons=horizon_weeks,
                         extra_days=list(campaign_days),
                         shop_weekly=Q.sku_shop_weekly(wh, hist0, end, platforms, shops))
        out["evaluation"] = ev
        out["coverage_rate"] = ev.summary["coverage_80_rate"]
        if run_replay and can_bt:
            out["replay"] = R.replay_year(sales, stock, po, products,
                                          ev.rows.assign(combined=ev.rows["chosen_mean"]), start, end,
                                          service_level, review_days, moq_cases,
                                          case_packs=packs)
    elif run_backtest:
        notes.append(("模型比较需要至少 89 周的销售历史（一年起步、选择期和 26 周检验期），本次跳过回测和模拟。",
                      "Comparing the forecasts needs at least 89 weeks of sales history (a year to start "
                      "from, the selection weeks and a 26-week holdout): backtest and replay skipped."))
    # models
    n_weeks = weekly_now["week_start"].nunique()
    out["forecast"] = pd.DataFrame()
    out["suggestions"] = pd.DataFrame()
    out["stockout_alerts"] = pd.DataFrame()
    if n_weeks >= 20 and weekly_now["units"].sum() > 0:
        t0 = time.perf_counter()
        if "evaluation" in out:  # the chosen method per segment and its conformal bands
            fc = FS.forecast_chosen(weekly_now, out["evaluation"], calendar, horizon_weeks,
                                    extra_days=campaign_days)
            sigma = FS.sigma_daily(fc)
        else:
            fc = F.forecast_ahead(weekly_now, horizons=horizon_weeks, extra_days=campaign_days,
                                  bands=out["bands"], quantiles=None, calendar=calendar)
            sigma = R.forecast_error_sigma(weekly_now)
        out["forecast_seconds"] = time.perf_counter() - t0
        out["forecast"] = fc
        sup_all = R.supplier_performance(po[po["ordered_on"] <= now_end])
        # the policy needs mean demand: the chosen forecast moved by its mean backtest error
        dem = R.demand_for_policy(fc.assign(forecast_units=fc["mean_units"]) if "mean_units" in fc
                                  else fc, sigma, products, sup_all, review_days)
        dem = dem[dem["sku"].isin(set(per["sku"]))]
        pol = R.policy_table(dem, sup_all, service_level, review_days, moq_cases, packs)
        last = stock[stock["snapshot_date"] == stock["snapshot_date"].max()]
        last = last.groupby("sku", as_index=False)[["on_hand_units", "in_transit_units"]].sum()
        cost = products.set_index("sku")["unit_cost_fen"]
        sug = R.suggest_purchases(pol, last, out["now_end"], cost)
        out["policy"] = pol
        out["suggestions"] = sug
        out["stockout_alerts"] = inv.stockout_alerts(sug)
        out["purchase"] = inv.purchase_list(sug, products, packs, out["supplier_names"],
                                            pd.Timestamp(P.as_of))
    else:
        notes.append(("销售历史不足 20 周，不做需求预测和补货建议。",
                      "Less than 20 weeks of sales history: no demand forecast or purchase suggestions."))
    _summarise(out, lang)
    return out


# ----------------------------------------------------------------------------------------
# helpers for sentences
# ----------------------------------------------------------------------------------------
def _fewer_more(new, old, lang: str, zh=("少", "多", "持平"), en=("fewer", "more", "as many")) -> str:
    """The word for ``new`` against ``old``: fewer / more / the same."""
    words = zh if lang == "zh" else en
    return words[0] if new < old else (words[1] if new > old else words[2])


def _change(new, old) -> float:
    """new / old - 1 (NaN when old is 0)."""
    return new / old - 1 if old else np.nan


# ----------------------------------------------------------------------------------------
# 1. key figures
# ----------------------------------------------------------------------------------------
def key_figures(total: pd.Series, stockouts: pd.DataFrame, n_stockout_alerts: int,
                n_dead_alerts: int, dead_stock_alert_fen: int, lang: str = "zh") -> fmt.Sentence:
    """The period in one paragraph: units sold, average stock at cost, turns, days of supply,
    售罄率, 动销率, stock-out SKU-days, estimated lost sales, alerts (``total``: the one row of
    :func:`inventory.turnover` with ``by=()``)."""
    t = total
    lost = int(stockouts["lost_sales_fen"].sum()) if len(stockouts) else 0
    return fmt.md(
        f"期间销售 **{fmt.integer(t.units_sold)}** 件，平均库存占用 **{fmt.wan(t.avg_value_fen)}**（成本），"
        f"周转 **{t.turnover:.1f}** 次（约 {t.turnover_days:.0f} 天周转一次），期末可售 **{t.days_of_supply:.0f}** 天；"
        f"售罄率 **{fmt.pct(t.sell_through_rate)}**，动销率 **{fmt.pct(t.active_sku_rate)}**。"
        f"缺货 **{fmt.integer(t.stockout_days_sku)}** 个 SKU·天，估计损失销售额 **{fmt.wan(lost)}**。"
        f"预计在交期内断货的 SKU **{n_stockout_alerts}** 个，库存成本不低于 {fmt.yuan(dead_stock_alert_fen)} 的呆滞 SKU **{n_dead_alerts}** 个。",
        f"**{fmt.integer(t.units_sold)}** units sold; average stock **{fmt.wan(t.avg_value_fen, 'en')}** at cost, "
        f"**{t.turnover:.1f}** turns (one turn every {t.turnover_days:.0f} days), **{t.days_of_supply:.0f}** days of supply at the end; "
        f"sell-through **{fmt.pct(t.sell_through_rate)}**, active-SKU rate **{fmt.pct(t.active_sku_rate)}**. "
        f"**{fmt.integer(t.stockout_days_sku)}** SKU-days out of stock, estimated lost sales **{fmt.wan(lost, 'en')}**. "
        f"**{n_stockout_alerts}** SKUs are expected to run out within their lead time; **{n_dead_alerts}** dead-stock SKUs are worth at least {fmt.yuan(dead_stock_alert_fen, 'en')} each at cost.",
        lang)


def replay_headline(table: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """The replay in one sentence, every side of the trade-off beside the others: the
    suggested policy's stock-out SKU-days, average capital in stock, lost units, demand fill
    rate and PO lines against what actually happened, each with its fewer/more read from the
    numbers; then what it costs (the measures where the policy does worse), or that it does
    no worse on any (``table``: :func:`replenish.replay_year`'s ``table``)."""
    tb = table.set_index("arm")
    a, s = tb.loc["demo_actual"], tb.loc["suggested"]

    def rel(new, old, unit_zh="", unit_en="", words_en=("fewer", "more", "as many")):
        ch = _change(new, old)
        zh = _fewer_more(new, old, "zh") + (f" {fmt.pct(abs(ch))}" if not np.isnan(ch) and new != old else "")
        en = (f"{fmt.pct(abs(ch))} " if not np.isnan(ch) and new != old else "") + _fewer_more(new, old, "en", en=words_en)
        return zh, en

    lost_s, lost_a = round(float(s.lost_units)), round(float(a.lost_units))
    n_s, n_a = int(s.count_orders_placed), int(a.count_orders_placed)
    fill_s, fill_a = float(s.fill_demand_rate), float(a.fill_demand_rate)
    so_zh, so_en = rel(s.stockout_days, a.stockout_days)
    cap_zh, cap_en = rel(s.avg_stock_value_fen, a.avg_stock_value_fen, words_en=("less", "more", "as much"))
    lost_zh, lost_en = rel(lost_s, lost_a)
    ord_zh, ord_en = rel(n_s, n_a)
    d_fill = round((fill_s - fill_a) * 100, 1)
    fill_zh = (f"低 {abs(d_fill):.1f} 个百分点" if d_fill < 0 else f"高 {d_fill:.1f} 个百分点" if d_fill > 0 else "持平")
    fill_en = (f"{abs(d_fill):.1f} pts lower" if d_fill < 0 else f"{d_fill:.1f} pts higher" if d_fill > 0 else "the same")
    worse_zh, worse_en = [], []
    if s.stockout_days > a.stockout_days:
        worse_zh.append("缺货天数更多"); worse_en.append("more stock-out days")
    if s.avg_stock_value_fen > a.avg_stock_value_fen:
        worse_zh.append("库存占用更多"); worse_en.append("more capital in stock")
    if lost_s > lost_a:
        worse_zh.append("损失销量更多"); worse_en.append("more lost units")
    if d_fill < 0:
        worse_zh.append("需求满足率更低"); worse_en.append("a lower fill rate")
    if n_s > n_a:
        worse_zh.append(f"采购行是实际的 {n_s / n_a:.1f} 倍" if n_a else "采购行更多")
        worse_en.append(f"{n_s / n_a:.1f} times the PO lines" if n_a else "more PO lines")
    tail_zh = ("代价是" + "、".join(worse_zh) + "：不是各方面都更好。") if worse_zh else "各项都不比实际差。"
    tail_en = ("The price: " + ", ".join(worse_en) + "; it is not better on every count.") if worse_en \
        else "It does no worse than the actual ordering on any of these."
    zh = (f"**补货模拟：** 在同样的需求下，建议策略与实际相比：缺货 {fmt.integer(s.stockout_days)} 个 SKU·天（实际 {fmt.integer(a.stockout_days)}，{so_zh}），"
          f"平均库存占用 {fmt.wan(s.avg_stock_value_fen)}（实际 {fmt.wan(a.avg_stock_value_fen)}，{cap_zh}），"
          f"损失销量 {fmt.integer(lost_s)} 件（实际 {fmt.integer(lost_a)} 件，{lost_zh}），"
          f"需求满足率 {fmt.pct(fill_s)}（实际 {fmt.pct(fill_a)}，{fill_zh}），"
          f"采购行 {fmt.integer(n_s)} 个（实际 {fmt.integer(n_a)} 个，{ord_zh}）。" + tail_zh)
    en = (f"**Replay:** on the same demand, the suggested policy against the actual ordering: {fmt.integer(s.stockout_days)} stock-out SKU-days "
          f"(actual {fmt.integer(a.stockout_days)}, {so_en}), {fmt.wan(s.avg_stock_value_fen, 'en')} average capital in stock "
          f"(actual {fmt.wan(a.avg_stock_value_fen, 'en')}, {cap_en}), {fmt.integer(lost_s)} lost units (actual {fmt.integer(lost_a)}, {lost_en}), "
          f"a demand fill rate of {fmt.pct(fill_s)} (actual {fmt.pct(fill_a)}, {fill_en}) and {fmt.integer(n_s)} PO lines "
          f"(actual {fmt.integer(n_a)}, {ord_en}). " + tail_en)
    return fmt.md(zh, en, lang)


# ----------------------------------------------------------------------------------------
# 2. stock health
# ----------------------------------------------------------------------------------------
def health_note(by_category: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """The formulas, and which category turns slowest and fastest (by ``turnover`` of
    :func:`inventory.turnover` rows; categories without a turnover are left out)."""
    d = by_category.dropna(subset=["turnover"]).sort_values(["turnover", "category"])
    zh = "周转次数 = 期间销货成本 ÷ 平均库存成本；可售天数 = 期末库存 ÷ 日均销量。"
    en = ("Turns = cost of goods sold / average stock at cost; days of supply = closing units / "
          "average daily units.")
    if len(d) >= 2:
        lo, hi = d.iloc[0], d.iloc[-1]
        zh += (f"周转最慢的是 **{lo.category}**（{lo.turnover:.1f} 次，期末可售 {lo.days_of_supply:.0f} 天），"
               f"最快的是 **{hi.category}**（{hi.turnover:.1f} 次，{hi.days_of_supply:.0f} 天）：慢的品类压着钱。")
        en += (f" **{lo.category}** turns slowest ({lo.turnover:.1f} turns, {lo.days_of_supply:.0f} days of supply at the end), "
               f"**{hi.category}** fastest ({hi.turnover:.1f} turns, {hi.days_of_supply:.0f} days): money is stuck in the slow ones.")
    return fmt.md(zh, en, lang)


# ----------------------------------------------------------------------------------------
# 6. forecast and backtest
# ----------------------------------------------------------------------------------------
def backtest_intro(bt, every_weeks: int, horizon_weeks: int, lang: str = "zh") -> fmt.Sentence:
    """How the backtest was run (origins, horizon, methods, time) and what the scores mean."""
    return fmt.md(
        f"滚动起点回测：从 {bt.origins[0].date()} 起每 {every_weeks} 周一个预测起点（共 {len(bt.origins)} 个），每个起点只用当时已知的数据重新训练，"
        f"预测之后 1–{horizon_weeks} 周每个 SKU 的周销量，与真实值比较（严格样本外）。常规 SKU 用全局梯度提升模型，间歇性小销量 SKU 用 TSB；"
        f"日历特征（618、双11、双12、38、年货节、春节和自有活动）取自仓库的统一日历。"
        f"基准为季节朴素（去年同周），另列 13 周均值作参考。回测用时 **{bt.seconds:.0f} 秒**。"
        f"WAPE = 绝对误差之和 ÷ 实际销量之和；MASE = 误差 ÷ 该 SKU 历史周环比平均变化；改进 = 1 − MAE(模型) ÷ MAE(季节朴素)。",
        f"Rolling-origin backtest: an origin every {every_weeks} weeks from {bt.origins[0].date()} ({len(bt.origins)} origins); at each, the models are refitted on what was known then "
        f"and forecast each SKU's weekly units 1-{horizon_weeks} weeks ahead, scored against what happened (strictly out-of-sample). Regular SKUs use the global gradient-boosting model, "
        f"intermittent low-volume SKUs TSB; the calendar features (618, Double 11, Double 12, 38, New Year shopping festival, Spring Festival and your own campaigns) come from the warehouse's one calendar. "
        f"The baseline is seasonal naive (same week last year), with the 13-week mean for reference. The backtest took **{bt.seconds:.0f} s**. "
        f"WAPE = sum of absolute errors / units sold; MASE = error / the SKU's mean absolute week-to-week change; improvement = 1 - MAE(model) / MAE(seasonal naive).", lang)


def backtest_table(bt, lang: str = "zh") -> pd.DataFrame:
    """The scores per category and in total (a row labelled 合计 / All)."""
    cols = ["category", "count_forecasts", "units_actual", "mae_units", "wape_rate", "mase",
            "mae_units_snaive", "wape_snaive_rate", "mase_snaive", "wape_ma13_rate", "skill_rate"]
    return pd.concat([bt.by_category, bt.overall.assign(category=text("合计", "All", lang))],
                     ignore_index=True)[cols]


def backtest_verdict(bt, lang: str = "zh") -> fmt.Sentence:
    """Does the model beat seasonal naive (categories won, overall MAE lower or higher, WAPE of
    both) and the 13-week mean (WAPE points)? Every comparison is read from ``bt.overall`` /
    ``bt.by_category``; when the model loses overall the sentence says so and advises a
    fallback."""
    o = bt.overall.iloc[0]
    n_win = int(bt.by_category["beats_snaive"].sum())
    beats = o.skill_rate > 0
    vs_ma13 = o.wape_rate - o.wape_ma13_rate  # < 0: the model is better than the 13-week mean
    return fmt.md(
        f"模型在 **{n_win}/{len(bt.by_category)}** 个品类上优于季节朴素；总体 MAE "
        + (f"降低 **{fmt.pct(o.skill_rate)}**" if beats else f"反而高 **{fmt.pct(-o.skill_rate)}**，本期模型**不如**季节朴素")
        + f"（WAPE {fmt.pct(o.wape_rate)} 对 {fmt.pct(o.wape_snaive_rate)}）。与简单的 13 周均值（WAPE {fmt.pct(o.wape_ma13_rate)}）相比，模型"
        + (f"好 {-vs_ma13 * 100:.1f} 个百分点。" if vs_ma13 < 0 else f"差 {vs_ma13 * 100:.1f} 个百分点。")
        + ("" if beats else "补货建议用的是同一预测，应先看各品类的表现，对落后的品类改用季节朴素或人工判断。"),
        f"The model beats seasonal naive in **{n_win} of {len(bt.by_category)}** categories; overall MAE is "
        + (f"**{fmt.pct(o.skill_rate)}** lower" if beats else f"**{fmt.pct(-o.skill_rate)}** higher: in this period the model is **worse** than seasonal naive")
        + f" (WAPE {fmt.pct(o.wape_rate)} vs {fmt.pct(o.wape_snaive_rate)}). Against a plain 13-week mean (WAPE {fmt.pct(o.wape_ma13_rate)}) the model is "
        + (f"{-vs_ma13 * 100:.1f} points better." if vs_ma13 < 0 else f"{vs_ma13 * 100:.1f} points worse.")
        + ("" if beats else " Replenishment uses the same forecast: check the categories above and fall back to seasonal naive or judgement where the model lags."), lang)


def backtest_series(forecasts: pd.DataFrame) -> pd.DataFrame:
    """The chart's series: weekly units of all SKUs, actual, the model one week ahead
    (``combined``) and seasonal naive, per target week (backtest rows with h = 1; rows
    without a seasonal-naive value are left out, as :func:`forecast.score` does)."""
    f = forecasts[(forecasts["h"] == 1)].dropna(subset=["snaive"])
    return f.groupby("week_start", as_index=False)[["units_actual", "combined", "snaive"]].sum()


def follows_actual(series: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """Whether the model's line follows actual sales more closely than seasonal naive, on the
    plotted series (:func:`backtest_series`): gap = sum over weeks of |forecast - actual| /
    sum of actual units, for the model and for seasonal naive. The model "follows actual
    sales" only when its gap is the smaller."""
    act = series["units_actual"].sum()
    if not len(series) or act <= 0:
        return fmt.md("回测期间没有实际销量，无法比较曲线。", "No units sold in the backtest weeks: nothing to compare.", lang)
    gap_m = (series["combined"] - series["units_actual"]).abs().sum() / act
    gap_s = (series["snaive"] - series["units_actual"]).abs().sum() / act
    head_zh = f"只画了每个起点的第 1 周（共 {len(series)} 个点）；季节朴素照搬去年同周。"
    head_en = f"Only the first week after each origin is drawn ({len(series)} points); seasonal naive repeats the same week of last year."
    if gap_m < gap_s:
        zh = f"模型曲线更贴近实际：合计周销量的平均偏差 {fmt.pct(gap_m)}，季节朴素 {fmt.pct(gap_s)}。"
        en = f"The model follows actual sales more closely: its gap to the weekly total is {fmt.pct(gap_m)}, seasonal naive's {fmt.pct(gap_s)}."
    else:
        zh = f"模型曲线**没有**比季节朴素更贴近实际：合计周销量的平均偏差 {fmt.pct(gap_m)}，季节朴素 {fmt.pct(gap_s)}。"
        en = f"The model does **not** follow actual sales more closely than seasonal naive: its gap to the weekly total is {fmt.pct(gap_m)}, seasonal naive's {fmt.pct(gap_s)}."
    return fmt.md(head_zh + zh, head_en + " " + en, lang)


def forecast_note(coverage_rate: float, seconds: float, lang: str = "zh",
                  target: float = 0.8) -> fmt.Sentence:
    """Where the forecast's bands come from and how often they held (below / at / above the
    ``target`` coverage, read from ``coverage_rate``)."""
    if coverage_rate is None or np.isnan(coverage_rate):
        cov_zh, cov_en = "无法检验（回测起点不足）", "not checked (too few backtest origins)"
    else:
        rel = round(coverage_rate - target, 3)
        cov_zh = f"**{fmt.pct(coverage_rate)}**，" + ("低于" if rel < 0 else "高于" if rel > 0 else "等于") + f"目标 {fmt.pct(target, 0)}"
        cov_en = f"**{fmt.pct(coverage_rate)}**, " + ("below" if rel < 0 else "above" if rel > 0 else "at") + f" the target of {fmt.pct(target, 0)}"
    return fmt.md(
        f"预测按周、按 SKU 给出。常规 SKU 的 10%–90% 区间来自回测的样本外误差（分裂共形：用前一半起点校准，后一半检验，实际覆盖率 {cov_zh}）；"
        f"阴影是各 SKU 区间直接相加，比合计的真实区间宽。间歇性 SKU 用 TSB，只给均值。模型用时 {seconds:.0f} 秒。",
        f"Forecasts are per SKU and week. The 10-90 % bands of regular SKUs come from the backtest's out-of-sample errors (split conformal: calibrated on the first half of the origins, checked on the second: coverage {cov_en}); "
        f"the shaded band adds up per-SKU bands, so it is wider than the total's true band. Intermittent SKUs (TSB) get a mean only. Fit time {seconds:.0f} s.", lang)


# ----------------------------------------------------------------------------------------
# 7. suppliers and purchases
# ----------------------------------------------------------------------------------------
def supplier_note(suppliers: pd.DataFrame, lang: str = "zh", window=None) -> fmt.Sentence:
    """The definitions and the window (``window``: the first and last order day read), then
    the least punctual supplier (only when some supplier is more punctual than another) and
    the one with the most erratic lead time (only when a lead time varies at all), read from
    :func:`replenish.supplier_performance` rows; when every supplier was on time, it says so."""
    zh = ("交期 = 到货日 − 下单日；准时 = 不晚于承诺到货日；满足率 = 到货数量 ÷ 采购数量；"
          "采购价变化 = 期末 90 天对期初 90 天同 SKU 平均单价的变化（按数量加权）。")
    en = ("Lead time = received - ordered; on time = by the promised day; fill rate = units received / "
          "units ordered; price change = last 90 days vs first 90 days, same SKUs, quantity-weighted.")
    if window is not None:
        a, b = _day(window[0]), _day(window[1])
        zh = f"统计 {a} 至 {b} 下单的采购行（近一年：一个月里到货的采购行太少）。" + zh
        en = f"PO lines ordered {a} to {b} (about a year: a month holds too few received lines). " + en
    ot = suppliers.dropna(subset=["on_time_rate"]).sort_values(["on_time_rate", "supplier_id"])
    sd = suppliers.dropna(subset=["lead_days_std"]).sort_values(["lead_days_std", "supplier_id"],
                                                               ascending=[False, True])
    if len(ot) >= 2 and ot["on_time_rate"].iloc[0] < ot["on_time_rate"].iloc[-1]:
        w = ot.iloc[0]
        zh += f"准时率最低的是 **{w.supplier_name}**（{fmt.pct(w.on_time_rate)}）"
        en += f" The least punctual supplier is **{w.supplier_name}** ({fmt.pct(w.on_time_rate)} on time)"
    elif len(ot) >= 2:
        zh += f"各供应商的准时率都是 {fmt.pct(ot['on_time_rate'].iloc[0])}"
        en += f" Every supplier was on time for {fmt.pct(ot['on_time_rate'].iloc[0])} of its lines"
    else:
        return fmt.md(zh, en, lang)
    if len(sd) and sd["lead_days_std"].iloc[0] > 0:
        v = sd.iloc[0]
        zh += (f"，交期波动最大的是 **{v.supplier_name}**（标准差 {v.lead_days_std:.1f} 天）：这样的供应商需要更多安全库存。")
        en += (f", the most erratic **{v.supplier_name}** (lead-time std {v.lead_days_std:.1f} days): such suppliers need more safety stock.")
    else:
        zh += "，交期没有波动。"
        en += "; no lead time varied."
    return fmt.md(zh, en, lang)


def stockout_alerts_note(n: int, lang: str = "zh") -> fmt.Sentence:
    """Stock-out alerts: how many, and what they mean (none: says so)."""
    if not n:
        return fmt.md("没有 SKU 会在供应商交期内断货：在库加在途的库存都撑得到今天下单的货到。",
                      "No SKU runs out within its supplier's lead time: stock on hand and in transit lasts until an order placed today arrives.", lang)
    return fmt.md(f"**断货预警（{n} 个 SKU）**：在库加在途的可售天数短于供应商交期，今天下单也来不及，需要加急或调拨。",
                  f"**Stock-out alerts ({n} SKUs)**: stock on hand and in transit lasts less than the supplier's lead time; an order today arrives too late, so expedite or transfer.", lang)


def suggestions_note(suggested: pd.DataFrame, review_days: int, service_level: float,
                     moq_cases: int, lang: str = "zh") -> fmt.Sentence:
    """The purchase suggestions: how many SKUs and what they cost, and the rule."""
    cost = suggested["order_cost_fen"].sum()
    return fmt.md(
        f"**建议采购（{len(suggested)} 个 SKU，合计 {fmt.wan(cost)}）**：库存位置（在库+在途）低于再订货点 = 交期内需求 + 安全库存时，补到 补货上限 = 交期+{review_days}天需求 + 安全库存；"
        f"安全库存 = z·√((L+R)·σ²+d²·σL²)，服务水平 {fmt.pct(service_level)}；数量按起订量（{moq_cases} 箱）和箱规向上取整。",
        f"**Suggested purchases ({len(suggested)} SKUs, {fmt.wan(cost, 'en')} in total)**: when the position (on hand + in transit) is at or below the reorder point = lead-time demand + safety stock, order up to lead time + {review_days} days of demand + safety stock; "
        f"safety stock = z·√((L+R)·σ² + d²·σL²) at a {fmt.pct(service_level)} service level; quantities rounded up to the MOQ ({moq_cases} case) and case packs.", lang)


def dead_alerts_note(dead: pd.DataFrame, dead_days: int, dead_stock_alert_fen: int,
                     lang: str = "zh") -> fmt.Sentence:
    """Dead-stock alerts: how many SKUs, their value at cost, and the rule."""
    v = dead["closing_value_fen"].sum()
    return fmt.md(f"**呆滞预警（{len(dead)} 个 SKU，合计 {fmt.wan(v)}）**：{dead_days} 天无销售且库存成本不低于 {fmt.yuan(dead_stock_alert_fen)}。",
                  f"**Dead-stock alerts ({len(dead)} SKUs, {fmt.wan(v, 'en')})**: no sale for {dead_days} days and at least {fmt.yuan(dead_stock_alert_fen, 'en')} at cost.", lang)


# ----------------------------------------------------------------------------------------
# 8. policy replay
# ----------------------------------------------------------------------------------------
def replay_intro(replay: dict, review_days: int, lang: str = "zh") -> fmt.Sentence:
    """How the replay works and which SKUs it compares."""
    return fmt.md(
        f"把报告期逐日重放：需求 = 实际销量，缺货日的销量按前后有货日的平均补足（真实需求被截断）；起点是期初实际库存和已在途的采购单。"
        f"**原有采购重放** 按实际采购单的到货日和到货量入库（与库存快照逐日一致，用来检验重放本身）；**建议策略** 每 {review_days} 天（周一）用当时已有的预测（上面的回测，不看未来）"
        f"和期初前的供应商交期统计下单，到货时间和到货比例从同一供应商本期的真实采购单中随机抽取。比较 {len(replay['skus'])} 个期初前已有 12 周销售的 SKU"
        f"（{len(replay['excluded'])} 个新品或无期初库存的 SKU 不参与）。",
        f"The period is replayed day by day: demand = units sold, with stock-out days filled from the average of nearby in-stock days (sales there are censored); both start from the actual opening stock and the POs already in transit. "
        f"**Own ordering, replayed** receives the actual POs on their actual days and quantities (it matches the stock snapshots day by day, which checks the replay itself); the **suggested policy** orders every {review_days} days (Mondays) "
        f"with the forecast available at the time (the backtest above, no look-ahead) and supplier lead-time statistics from before the period; its deliveries' delays and fill ratios are drawn from the same supplier's actual POs of the period. "
        f"{len(replay['skus'])} SKUs with 12 weeks of sales before the period are compared ({len(replay['excluded'])} new or unstocked SKUs are left out).", lang)


def replay_verdict(table: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """The replay's result, every comparison read from the numbers: stock-out SKU-days
    fewer/more, capital less/more, lost units (with the caveat that fewer stock-out days need
    not mean fewer lost units only when that is what happened), and ordering more or less
    often (the cost side only when the policy orders more often)."""
    tb = table.set_index("arm")
    a, s = tb.loc["demo_actual"], tb.loc["suggested"]
    d_so = abs(a.stockout_days - s.stockout_days)
    d_cap = abs(a.avg_stock_value_fen - s.avg_stock_value_fen)
    so_ch, cap_ch = _change(s.stockout_days, a.stockout_days), _change(s.avg_stock_value_fen, a.avg_stock_value_fen)
    lost_s, lost_a = round(s.lost_units), round(a.lost_units)
    caveat = s.stockout_days < a.stockout_days and lost_s > lost_a
    zh = (f"结论：建议策略的缺货天数比实际 **{_fewer_more(s.stockout_days, a.stockout_days, 'zh')} {fmt.integer(d_so)}** 个 SKU·天（{fmt.pct(so_ch)}），"
          f"平均库存占用 **{_fewer_more(s.avg_stock_value_fen, a.avg_stock_value_fen, 'zh')} {fmt.wan(d_cap)}**（{fmt.pct(cap_ch)}）。"
          f"估计损失销量 {fmt.integer(lost_s)} 件，比实际的 {fmt.integer(lost_a)} 件{_fewer_more(lost_s, lost_a, 'zh')}"
          + ("（缺货天数少不等于丢的销量少：断货落在哪些 SKU 上也重要）" if caveat else "") + "。")
    en = (f"Result: the suggested policy has **{fmt.integer(d_so)} {_fewer_more(s.stockout_days, a.stockout_days, 'en')}** stock-out SKU-days ({fmt.pct(so_ch)}) "
          f"and ties up **{fmt.wan(d_cap, 'en')} {_fewer_more(s.avg_stock_value_fen, a.avg_stock_value_fen, 'en', en=('less', 'more', 'as much'))}** on average ({fmt.pct(cap_ch)}). "
          f"Estimated lost units: {fmt.integer(lost_s)}, {_fewer_more(lost_s, lost_a, 'en')} than the actual {fmt.integer(lost_a)}"
          + (" (fewer stock-out days need not mean fewer lost units: which SKUs run out matters too)" if caveat else "") + ".")
    n_s, n_a = s.count_orders_placed, a.count_orders_placed
    if n_s > n_a:
        zh += f"代价是下单更频繁（{fmt.integer(n_s)} 对 {fmt.integer(n_a)} 个采购行），模拟不计下单和运输的固定成本。"
        en += f" The price is more frequent ordering ({fmt.integer(n_s)} vs {fmt.integer(n_a)} PO lines); the replay ignores fixed ordering and freight costs."
    else:
        zh += f"下单次数{_fewer_more(n_s, n_a, 'zh', zh=('更少', '更多', '相同'))}（{fmt.integer(n_s)} 对 {fmt.integer(n_a)} 个采购行）。"
        en += f" It places {_fewer_more(n_s, n_a, 'en')} orders ({fmt.integer(n_s)} vs {fmt.integer(n_a)} PO lines)."
    return fmt.md(zh, en, lang)


def _arms(daily: pd.DataFrame, value: str) -> pd.DataFrame:
    return daily.pivot_table(index="date", columns="arm", values=value, aggfunc="sum")


def capital_note(daily: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """On how many days the suggested policy's stock at cost is below the actual one (from
    the replay's ``daily`` frame); "most of the time" only when more than half of the days."""
    p = _arms(daily, "stock_value_fen")
    share = float((p["suggested"] < p["demo_actual"]).mean()) if len(p) else np.nan
    if not np.isnan(share) and share > 0.5:
        return fmt.md(f"建议策略的库存曲线在大部分时间更低（{fmt.pct(share)} 的日子低于实际）：不再为大促一次囤到高位，而是按周随预测补足。",
                      f"The suggested policy's stock line sits lower most of the time ({fmt.pct(share)} of the days below the actual one): instead of one big build-up before a campaign it tops up week by week from the forecast.", lang)
    return fmt.md(f"建议策略的库存曲线只在 {fmt.pct(share)} 的日子低于实际，大部分时间**不比**实际低。",
                  f"The suggested policy's stock line is below the actual one on only {fmt.pct(share)} of the days: **not** lower most of the time.", lang)


def stockout_count_note(daily: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """SKUs out of stock per day under each arm, on average, compared (from the replay's
    ``daily`` frame)."""
    p = _arms(daily, "count_skus_out")
    s, a = float(p["suggested"].mean()), float(p["demo_actual"].mean())
    return fmt.md(f"每天日终缺货的 SKU 数：建议策略平均 {s:.1f} 个，比实际的 {a:.1f} 个{_fewer_more(round(s, 1), round(a, 1), 'zh')}；曲线显示建议策略在哪些时段仍会断货。",
                  f"SKUs ending the day out of stock: {s:.1f} a day under the suggested policy, {_fewer_more(round(s, 1), round(a, 1), 'en')} than the actual {a:.1f}; the line shows when the suggested policy still runs out.", lang)


# ----------------------------------------------------------------------------------------
# display tables
# ----------------------------------------------------------------------------------------
def abc_grid(abc: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """ABC x XYZ as a 3 x 3 grid of "SKUs · COGS" (rows A/B/C, columns X/Y/Z)."""
    cnt = abc.pivot_table(index="abc", columns="xyz", values="sku", aggfunc="count", fill_value=0)
    val = abc.pivot_table(index="abc", columns="xyz", values="cogs_fen", aggfunc="sum", fill_value=0)
    grid = pd.DataFrame({x: [f"{int(cnt.loc[a, x]) if x in cnt.columns and a in cnt.index else 0} · "
                             f"{fmt.wan(val.loc[a, x] if x in val.columns and a in val.index else 0, lang)}"
                             for a in ["A", "B", "C"]] for x in ["X", "Y", "Z"]}, index=["A", "B", "C"])
    grid.index.name = text("SKU数 · 销货成本", "SKUs · COGS", lang)
    return grid


def status_summary(status: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """SKUs, value at cost and units per stock status (dead / ok / slow), status labelled."""
    summ = status.groupby("stock_status").agg(count_skus=("sku", "count"),
                                              closing_value_fen=("closing_value_fen", "sum"),
                                              closing_units=("closing_units", "sum")).reset_index()
    summ["stock_status"] = [label("stock_" + v, lang) for v in summ["stock_status"]]
    return summ


def top_status(status: pd.DataFrame, n: int = 15, lang: str = "zh") -> pd.DataFrame:
    """The ``n`` largest slow and dead SKUs by value, days as whole numbers (inf as empty)."""
    top = status[status["stock_status"] != "ok"].head(n).copy()
    top["stock_status"] = [label("stock_" + v, lang) for v in top["stock_status"]]
    for c in ("days_of_supply", "days_since_receipt", "days_since_last_sale"):
        top[c] = top[c].where(top[c] < 1e6).round().astype("Int64")
    return top[["sku", "category", "stock_status", "closing_units", "closing_value_fen",
                "units_sold", "days_since_last_sale", "days_since_receipt", "days_of_supply"]]


def whole_days(frame: pd.DataFrame, cols=("reorder_point_units", "order_up_to_units",
                                         "days_of_cover", "lead_days")) -> pd.DataFrame:
    """A copy with ``cols`` rounded to whole numbers (inf and NaN empty)."""
    out = frame.copy()
    for c in cols:
        if c in out:
            out[c] = out[c].where(out[c] < 1e6).round().astype("Int64")
    return out


# ----------------------------------------------------------------------------------------
# charts
# ----------------------------------------------------------------------------------------
def days_of_supply_chart(by_category: pd.DataFrame, lang: str = "zh"):
    """Days of supply at the period end per category, longest first."""
    return plots.bar_ranked(by_category, "category", "days_of_supply",
                            title=text("期末可售天数（按品类）", "Days of supply at period end, by category", lang),
                            lang=lang, money=False)


def lost_sales_chart(stockouts: pd.DataFrame, lang: str = "zh"):
    """Estimated lost sales per category."""
    cat = stockouts.groupby("category", as_index=False)[["stockout_days_sku", "lost_sales_fen"]].sum()
    return plots.bar_ranked(cat, "category", "lost_sales_fen",
                            title=text("估计损失销售额（按品类）", "Estimated lost sales by category", lang), lang=lang)


def backtest_chart(series: pd.DataFrame, lang: str = "zh"):
    """Weekly units of all SKUs: actual, the model one week ahead and seasonal naive
    (:func:`backtest_series`)."""
    long = series.melt("week_start", var_name="backtest_series", value_name="units")
    long["backtest_series"] = long["backtest_series"].map(
        {"units_actual": text("实际", "Actual", lang), "combined": text("模型(提前1周)", "Model (1 week ahead)", lang),
         "snaive": text("季节朴素", "Seasonal naive", lang)})
    return plots.line_by(long, "week_start", "units", hue="backtest_series",
                         title=text("回测：全部 SKU 周销量，提前 1 周的预测", "Backtest: weekly units of all SKUs, forecast 1 week ahead", lang),
                         ylabel=text("件/周", "units/week", lang), lang=lang, money=False, marker="o")


def forecast_chart(forecast: pd.DataFrame, weekly: pd.DataFrame, horizon_weeks: int, lang: str = "zh"):
    """The last 26 weeks of actual units and the next ``horizon_weeks`` forecast (all SKUs),
    with the regular SKUs' 10-90 % bands added up."""
    import matplotlib.pyplot as plt
    fc = forecast
    g = fc.groupby(["week_start"], as_index=False)[["forecast_units", "lower_units", "upper_units"]].sum(min_count=1)
    hist = weekly.groupby("week_start", as_index=False)["units"].sum().tail(26)
    fig, ax = plt.subplots(figsize=(11, 4))
    ax.plot(hist["week_start"], hist["units"], color="#495057", lw=1.6, label=text("实际", "Actual", lang))
    ax.plot(g["week_start"], g["forecast_units"], color="#1C7ED6", lw=1.8, marker="o", ms=4, label=text("预测", "Forecast", lang))
    reg = fc[fc["method"] == "gbm"].groupby("week_start", as_index=False)[["forecast_units", "lower_units", "upper_units"]].sum()
    other = g.set_index("week_start")["forecast_units"] - reg.set_index("week_start")["forecast_units"]
    if reg["lower_units"].notna().any():
        ax.fill_between(reg["week_start"], reg["lower_units"] + other.values, reg["upper_units"] + other.values, color="#1C7ED6", alpha=0.15,
                        label=text("常规SKU 10%–90% 区间之和", "sum of regular SKUs' 10-90 % bands", lang))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(text("件/周", "units/week", lang))
    ax.set_title(text(f"未来 {horizon_weeks} 周需求预测（全部 SKU 合计）", f"Demand forecast for the next {horizon_weeks} weeks (all SKUs)", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _replay_lines(daily: pd.DataFrame, lang: str) -> pd.DataFrame:
    d = daily[daily["arm"] != "demo_replay"].copy()
    d["arm"] = [label(v, lang) for v in d["arm"]]
    return d


def capital_chart(daily: pd.DataFrame, lang: str = "zh"):
    """Capital in stock at cost per day: actual and the suggested policy."""
    return plots.line_by(_replay_lines(daily, lang), "date", "stock_value_fen", hue="arm",
                         title=text("库存占用资金（成本），逐日", "Capital tied in stock (at cost), daily", lang), lang=lang)


def stockout_count_chart(daily: pd.DataFrame, lang: str = "zh"):
    """SKUs out of stock per day (7-day mean): actual and the suggested policy."""
    d = _replay_lines(daily, lang)
    d["count_skus_out"] = d.groupby("arm")["count_skus_out"].transform(lambda x: x.rolling(7, min_periods=1).mean())
    return plots.line_by(d, "date", "count_skus_out", hue="arm",
                         title=text("每日缺货 SKU 数（7 天平均）", "SKUs out of stock per day (7-day mean)", lang), lang=lang, money=False,
                         ylabel=text("SKU数", "SKUs", lang))


# ----------------------------------------------------------------------------------------
# display copies in the seller's words (HTML tables and Excel)
# ----------------------------------------------------------------------------------------
_WHOLE = ("reorder_point_units", "order_up_to_units", "days_of_cover", "lead_days",
          "days_of_supply", "days_since_receipt", "days_since_last_sale", "days_to_stockout",
          "safety_stock_units", "position_units", "turnover_days",
          "sales_lag_days", "stock_lag_days")


def view(df: pd.DataFrame, cols: Sequence[str], R: dict, lang: str = "zh") -> pd.DataFrame:
    """A copy of ``df[cols]`` as a seller reads it: the product's name beside its SKU code,
    the supplier's name instead of its id, warehouses and stock statuses by name, day and
    unit estimates as whole numbers (inf and NaN empty). Columns of ``cols`` the frame lacks
    are left out."""
    d = df.copy()
    products = R.get("products")
    names = R.get("supplier_names")
    if "product_name" in cols and "product_name" not in d and "sku" in d and products is not None:
        d["product_name"] = d["sku"].map(products.set_index("sku")["product_name"])
    if "supplier_name" in cols and "supplier_name" not in d and "supplier_id" in d:
        d["supplier_name"] = d["supplier_id"].map(names) if names is not None else d["supplier_id"]
        d["supplier_name"] = d["supplier_name"].fillna(d["supplier_id"])
    if "warehouse_id" in d:
        d["warehouse_id"] = [fmt.MISSING if fmt.is_missing(v) else label(v, lang) for v in d["warehouse_id"]]
    if "stock_status" in d:
        d["stock_status"] = [label("stock_" + v, lang) if v in ("dead", "slow", "ok") else v
                             for v in d["stock_status"]]
    for c in _WHOLE:
        if c in d and pd.api.types.is_numeric_dtype(d[c]):
            # the cover in full days and the lead time in days begun, as the dates and the
            # stock-out rule read them (inventory.stockout_alerts); others to the nearest day
            how = np.floor if c == "days_of_cover" else np.ceil if c == "lead_days" else np.round
            d[c] = how(d[c].where(d[c].abs() < 1e6)).astype("Int64")
    return d[[c for c in cols if c in d.columns]].reset_index(drop=True)


PURCHASE_COLS = ("supplier_name", "sku", "product_name", "case_pack", "order_cases", "order_units",
                 "unit_cost_fen", "order_cost_fen", "order_by_date", "expected_arrival_date",
                 "cover_until_date", "arrives_after_stockout")
#: what a supplier gets: no stock-out days, no internal flags
SUPPLIER_COLS = ("supplier_name", "sku", "product_name", "case_pack", "order_cases", "order_units",
                 "unit_cost_fen", "order_cost_fen", "order_by_date", "expected_arrival_date")
ALERT_COLS = ("sku", "product_name", "supplier_name", "on_hand_units", "in_transit_units",
              "days_of_cover", "lead_days", "stockout_date", "order_units")
DEAD_COLS = ("sku", "product_name", "category", "warehouse_id", "stock_status", "closing_units",
             "closing_value_fen", "units_sold", "days_since_last_sale", "last_sale_date",
             "days_since_receipt", "days_of_supply")
STOCKOUT_COLS = ("sku", "product_name", "category", "stockout_days_sku", "lost_units", "lost_sales_fen")
HEALTH_COLS = ("count_skus", "units_sold", "cogs_fen", "avg_value_fen", "closing_value_fen", "turnover",
               "turnover_days", "days_of_supply", "sell_through_rate", "active_sku_rate",
               "stockout_days_sku")
SUPPLIER_PERF_COLS = ("supplier_name", "count_po_lines", "promised_days_mean", "lead_days_mean",
                      "lead_days_std", "late_days_mean", "on_time_rate", "fill_rate",
                      "cost_change_rate", "open_po_lines")
OVERDUE_COLS = ("supplier_name", "po_id", "sku", "product_name", "ordered_on", "promised_on",
                "quantity_ordered", "overdue_days")
REPLAY_COLS = ("arm", "stockout_days", "stockout_change_rate", "lost_units", "fill_demand_rate",
               "avg_stock_value_fen", "capital_change_rate", "count_orders_placed")
FRESH_COLS = ("platform", "shop_name", "last_sales_date", "sales_lag_days", "last_stock_date",
              "stock_lag_days")


def purchase_by_supplier(purchase: pd.DataFrame) -> pd.DataFrame:
    """The purchase list per supplier: SKUs, cases, units and cost, the largest order first."""
    if purchase is None or not len(purchase):
        return pd.DataFrame(columns=["supplier_name", "count_skus", "order_cases", "order_units",
                                     "order_cost_fen", "expected_arrival_date"])
    g = purchase.groupby("supplier_name", as_index=False).agg(
        count_skus=("sku", "size"), order_cases=("order_cases", "sum"),
        order_units=("order_units", "sum"), order_cost_fen=("order_cost_fen", "sum"),
        expected_arrival_date=("expected_arrival_date", "max"))
    return g.sort_values(["order_cost_fen", "supplier_name"], ascending=[False, True]).reset_index(drop=True)


def purchase_note(R: dict, review_days: int, service_level: float, moq_cases: int,
                  lang: str = "zh") -> fmt.Sentence:
    """What the purchase list holds and how it was worked out, and where the case packs come
    from (the parameter ``case_packs``: the products table has none)."""
    pl = R.get("purchase")
    given = R.get("case_packs_given") or {}
    default = R.get("case_pack_default", 1)
    if pl is None or not len(pl):
        head_zh, head_en = "今天没有 SKU 到再订货点，不需要下单。", "No SKU is at its reorder point today: nothing to order."
    else:
        n_sup = pl["supplier_name"].nunique()
        head_zh = (f"**今天下单：{len(pl)} 个 SKU、{fmt.integer(pl['order_cases'].sum())} 箱（{fmt.integer(pl['order_units'].sum())} 件），"
                   f"合计 {fmt.wan(pl['order_cost_fen'].sum())}，{n_sup} 家供应商。** 完整清单在 Excel 的「采购清单」页，每家供应商另有一页，可直接发给供应商。")
        head_en = (f"**Order today: {len(pl)} SKUs, {fmt.integer(pl['order_cases'].sum())} cases ({fmt.integer(pl['order_units'].sum())} units), "
                   f"{fmt.wan(pl['order_cost_fen'].sum(), 'en')} in total from {n_sup} suppliers.** The full list is on the Excel sheet \"Purchase list\", with one sheet per supplier to send on.")
    late = int(pl["arrives_after_stockout"].sum()) if pl is not None and len(pl) else 0
    late_zh = f"其中 {late} 个 SKU 按平均交期到货前就会断货（见断货预警），下单时请供应商加急。" if late else ""
    late_en = f" {late} of them run out before the order arrives at the mean lead time (see the stock-out alerts): ask the supplier to expedite." if late else ""
    packs_zh = (f"箱规取自参数文件 parameters/inventory.yaml 的箱规设置（按 SKU 或类目，本次 {len(given)} 项），未设置的按每箱 {default} 件；商品资料里没有箱规。" if given
                else f"商品资料里没有箱规，参数文件 parameters/inventory.yaml 也没有设置箱规：按每箱 {default} 件计。请在那里按 SKU 或类目填写。")
    packs_en = (f"Case packs come from the parameters file parameters/inventory.yaml (by SKU or category, {len(given)} entries); others count {default} unit(s) per case; the product table has none." if given
                else f"The product table has no case packs and parameters/inventory.yaml sets none: {default} unit(s) per case. Set them there by SKU or category.")
    rule_zh = (f"规则：库存位置（在库+在途）不高于再订货点（交期内需求 + 安全库存）时，补到 交期+{review_days}天需求 + 安全库存，"
               f"服务水平 {fmt.pct(service_level)}，数量按整箱向上取整（起订 {moq_cases} 箱）；预计到货日 = 下单日 + 供应商平均交期。")
    rule_en = (f"Rule: when the position (on hand + in transit) is at or below the reorder point (lead-time demand + safety stock), order up to "
               f"lead time + {review_days} days of demand + safety stock at a {fmt.pct(service_level)} service level, rounded up to whole cases (at least {moq_cases}); "
               f"expected arrival = order day + the supplier's mean lead time.")
    return fmt.md(head_zh + late_zh + packs_zh + rule_zh, head_en + late_en + " " + packs_en + " " + rule_en, lang)


def overdue_note(overdue: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """How many PO lines are past their promised day, from how many suppliers."""
    if overdue is None or not len(overdue):
        return fmt.md("没有已过承诺到货日仍未到货的采购行。", "No PO line is past its promised day.", lang)
    n_sup = overdue["supplier_id"].nunique()
    return fmt.md(f"**逾期未到货：{len(overdue)} 个采购行（{n_sup} 家供应商）**已过承诺到货日，最长 {int(overdue['overdue_days'].max())} 天：请催货，并确认新的到货日。",
                  f"**Overdue: {len(overdue)} PO lines ({n_sup} suppliers)** are past their promised day, up to {int(overdue['overdue_days'].max())} days: chase them and confirm a new date.",
                  lang)


def freshness_sentence(R: dict, lang: str = "zh") -> fmt.Sentence:
    """Whether every shop's orders and the stock snapshots are current."""
    if R.get("fresh_warning"):
        return fmt.md(R["fresh_warning"], R["fresh_warning"], lang)
    return fmt.md(f"各店铺的订单都已更新到报告日的前一天；库存快照到 {_day(R.get('last_stock_date'))}。",
                  f"Every shop's orders reach the day before the report day; stock snapshots reach {_day(R.get('last_stock_date'))}.",
                  lang)






def excel_tables(R: dict, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's sheets, named in the report's language, each a display copy
    (:func:`view`): 今日要做 (the actions), 采购清单 (all suppliers) and one sheet per
    supplier to send on (采购单-<supplier>), 断货预警, 逾期采购行, 呆滞库存, 滞销库存,
    缺货与损失, 按品类, 按仓库, 供应商表现, 补货模拟. Empty tables are left out."""
    from .. import excel
    from .. import summary as S
    out: dict[str, pd.DataFrame] = {}
    taken: set = set()

    def put(zh, en, df):
        if df is not None and len(df):
            out[excel.safe_sheet_name(_tx(zh, en, lang), taken)] = df

    put("今日要做", "To do today", S.actions_frame(R.get("actions") or [], SECTIONS, lang))
    pl = R.get("purchase")
    if pl is not None and len(pl):
        put("采购清单", "Purchase list", view(pl, PURCHASE_COLS, R, lang))
        for name, g in pl.groupby("supplier_name", sort=True):
            put(f"采购单-{name}", f"PO-{name}", view(g, SUPPLIER_COLS, R, lang))
    for key, zh, en, cols in (("stockout_alerts", "断货预警", "Stock-out alerts", ALERT_COLS),
                              ("overdue", "逾期采购行", "Overdue PO lines", OVERDUE_COLS)):
        df = R.get(key)
        if df is not None and len(df):
            put(zh, en, view(df, cols, R, lang))
    st = R.get("status")
    if st is not None and len(st):
        put("呆滞库存", "Dead stock", view(st[st["stock_status"] == "dead"], DEAD_COLS, R, lang))
        put("滞销库存", "Slow stock", view(st[st["stock_status"] == "slow"], DEAD_COLS, R, lang))
    so = R.get("stockouts")
    if so is not None and len(so):
        put("缺货与损失", "Stock-outs", view(so, STOCKOUT_COLS, R, lang))
    for key, col, zh, en in (("by_category", "category", "按品类", "By category"),
                             ("by_warehouse", "warehouse_id", "按仓库", "By warehouse")):
        df = R.get(key)
        if df is not None and len(df):
            put(zh, en, view(df, (col, *HEALTH_COLS), R, lang))
    sup = R.get("suppliers")
    if sup is not None and len(sup):
        put("供应商表现", "Suppliers", view(sup, SUPPLIER_PERF_COLS, R, lang))
    rp = R.get("replay")
    if rp is not None and len(rp.get("table", [])):
        tb = inv.policy_changes(rp["table"])
        tb["arm"] = [label(v, lang) for v in tb["arm"]]
        put("补货模拟", "Policy replay", view(tb, REPLAY_COLS, R, lang))
    return out


def export_excel(sheets: dict[str, pd.DataFrame], path, lang: str = "zh"):
    """Write the report's sheets to one .xlsx file with :func:`ecomlib.excel.write_tables`:
    headers from the one label table (money columns "采购金额 (元)", in yuan with a number
    format), rates as percentages, dates as dates, 是/否. Returns the path."""
    import inspect

    from .. import excel

    def head(col) -> str:
        lab = label(col, lang)
        return f"{lab} ({label('yuan', lang)})" if str(col).endswith("_fen") else lab
    kw = {"lang": lang} if "lang" in inspect.signature(excel.write_tables).parameters else {}
    return excel.write_tables(sheets, path, headers=head, **kw)
