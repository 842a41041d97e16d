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

from .. import fmt, plots
from ..i18n import label, text
from . import inventory as inv
from . import inventory_queries as Q

__all__ = [
    "build_report", "key_figures", "replay_headline", "health_note", "backtest_intro",
    "backtest_verdict", "backtest_series", "follows_actual", "forecast_note",
    "supplier_note", "suggestions_note", "dead_alerts_note", "replay_intro", "replay_verdict",
    "capital_note", "stockout_count_note", "stockout_alerts_note", "abc_grid", "status_summary",
    "top_status", "whole_days", "backtest_table",
    "days_of_supply_chart", "lost_sales_chart", "backtest_chart", "forecast_chart",
    "capital_chart", "stockout_count_chart",
]


# ----------------------------------------------------------------------------------------
# the report's data in one call (the notebook stays thin)
# ----------------------------------------------------------------------------------------
def build_report(wh, start, end, history_start=None, warehouses: Sequence[str] | None = None,
                 service_level: float = 0.95, review_days: int = 7, horizon_weeks: int = 8,
                 moq_cases: int = 1, dead_days: int = 90, slow_days_of_supply: float = 180,
                 dead_stock_alert_fen: int = 100_000, campaign_days: Sequence[str] = (),
                 backtest_every_weeks: int = 4, run_backtest: bool = True,
                 run_replay: bool = True, platforms: Sequence[str] | None = None,
                 shops: Sequence[str] | None = None) -> dict:
    """Every table of the inventory report for ``start``..``end`` (inclusive), as a dict.

    Keys (each a DataFrame, empty when there is no data): ``per_sku``, ``by_category``,
    ``by_warehouse``, ``total``, ``abc_xyz``, ``status`` (slow/dead), ``dead_alerts``,
    ``stockouts``, ``suppliers``, ``forecast`` (next ``horizon_weeks`` weeks after ``end``),
    ``suggestions``, ``stockout_alerts``, ``backtest`` (a BacktestResult or None),
    ``replay`` (the :func:`ecomlib.models.replenish.replay_year` dict or None), ``notes``
    (list of (zh, en) sentences on what was skipped and why), ``weekly`` (panel).
    History for the models starts at ``history_start`` (default two years before ``end``).
    Demand is the paid units of the selected ``platforms`` and ``shops`` (None: all), stock
    that of ``warehouses`` (None: all); the forecast's calendar is ``dim_calendar`` plus the
    user's ``campaign_days``.
    """
    from ..models import forecast as F
    from ..models import replenish as R
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    hist0 = pd.Timestamp(history_start).normalize() if history_start else end - pd.Timedelta(days=729)
    hist0 = min(hist0, start)
    notes: list[tuple[str, str]] = []
    products = Q.products(wh)
    stock = Q.stock_daily(wh, hist0, end, warehouses)
    stock_skus = set(stock["sku"].unique())
    skus_here = stock_skus if warehouses else set(products["sku"]) | stock_skus
    sales = Q.sku_daily(wh, hist0, end, platforms, shops)
    sales = sales[sales["sku"].isin(skus_here)]
    po = Q.purchase_lines(wh, end, warehouses)
    out: dict = {"notes": notes, "backtest": None, "replay": None, "bands": None,
                 "coverage_rate": np.nan}
    s_in = sales[(sales["sales_date"] >= start) & (sales["sales_date"] <= end)]
    st_in = stock[(stock["snapshot_date"] >= start) & (stock["snapshot_date"] <= end)]
    per = inv.sku_period(sales, stock, products, start, end) if len(st_in) or len(s_in) else pd.DataFrame()
    out["per_sku"] = per
    if not len(per):
        notes.append(("报告期间没有库存快照也没有销售，库存指标为空。",
                      "No stock snapshots and no sales in the period: the inventory metrics are empty."))
        for k in ("by_category", "by_warehouse", "total", "abc_xyz", "status", "dead_alerts",
                  "stockouts", "forecast", "suggestions", "stockout_alerts"):
            out[k] = pd.DataFrame()
        out["suppliers"] = R.supplier_performance(po, start, end) if len(po) else pd.DataFrame()
        out["weekly"] = pd.DataFrame()
        return out
    out["by_category"] = inv.turnover(per, ("category",))
    out["by_warehouse"] = inv.turnover(per, ("warehouse_id",))
    out["total"] = inv.turnover(per, ())
    weekly_all = F.weekly_panel(sales, hist0, end, skus=sorted(skus_here & set(products["sku"])))
    weekly_all["category"] = weekly_all["sku"].map(products.set_index("sku")["category"]) \
        .fillna(weekly_all["category"])
    out["weekly"] = weekly_all
    wk_in = weekly_all[(weekly_all["week_start"] >= start)]
    out["abc_xyz"] = inv.abc_xyz(per, wk_in)
    out["status"] = inv.slow_dead_stock(per, end, po, dead_days, slow_days_of_supply)
    out["dead_alerts"] = inv.dead_stock_alerts(out["status"], dead_stock_alert_fen)
    out["stockouts"] = inv.stockouts(sales, stock, products, start, end)
    out["suppliers"] = R.supplier_performance(po, start, end)
    # the forecast's calendar: dim_calendar from the panel's first week to past the horizon
    calendar = Q.calendar(wh, hist0 - pd.Timedelta(days=7),
                          end + pd.Timedelta(weeks=horizon_weeks + 2))
    first_origin = start - pd.Timedelta(days=start.day_of_week) - pd.Timedelta(days=7)
    weeks = pd.DatetimeIndex(sorted(weekly_all["week_start"].unique()))
    can_bt = len(weeks) > 0 and (weeks < first_origin).sum() >= 51 and (weeks > first_origin).sum() >= 2
    if run_backtest and can_bt:
        bt = F.backtest(weekly_all, first_origin, every_weeks=backtest_every_weeks,
                        horizons=horizon_weeks, intervals=False, extra_days=campaign_days,
                        calendar=calendar)
        out["backtest"] = bt
        if run_replay and len(bt.forecasts):
            out["bands"] = F.conformal_bands(bt.forecasts)
            out["coverage_rate"] = F.interval_coverage(bt.forecasts)
            out["replay"] = R.replay_year(sales, stock, po, products, bt.forecasts, start, end,
                                          service_level, review_days, moq_cases)
    elif run_backtest:
        notes.append(("回测需要报告期开始前至少 51 周的销售历史，本次跳过回测和模拟。",
                      "The backtest needs at least 51 weeks of sales history before the period "
                      "starts: backtest and replay skipped."))
    # models
    n_weeks = weekly_all["week_start"].nunique()
    out["forecast"] = pd.DataFrame()
    out["suggestions"] = pd.DataFrame()
    out["stockout_alerts"] = pd.DataFrame()
    if n_weeks >= 20 and weekly_all["units"].sum() > 0:
        t0 = time.perf_counter()
        fc = F.forecast_ahead(weekly_all, horizons=horizon_weeks, extra_days=campaign_days,
                              bands=out["bands"], quantiles=None, calendar=calendar)
        out["forecast_seconds"] = time.perf_counter() - t0
        out["forecast"] = fc
        sup_all = R.supplier_performance(po[po["ordered_on"] <= end])
        sigma = R.forecast_error_sigma(weekly_all)
        dem = R.demand_for_policy(fc, sigma, products, sup_all, review_days)
        dem = dem[dem["sku"].isin(set(per["sku"]))]
        pol = R.policy_table(dem, sup_all, service_level, review_days, moq_cases,
                             R.infer_case_packs(po[po["ordered_on"] <= end]))
        last = stock[stock["snapshot_date"] == stock["snapshot_date"].max()]
        cost = products.set_index("sku")["unit_cost_fen"]
        sug = R.suggest_purchases(pol, last, end, cost)
        out["policy"] = pol
        out["suggestions"] = sug
        out["stockout_alerts"] = inv.stockout_alerts(sug)
    else:
        notes.append(("销售历史不足 20 周，不做需求预测和补货建议。",
                      "Less than 20 weeks of sales history: no demand forecast or purchase suggestions."))
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
        f"预计在交期内断货的 SKU **{n_stockout_alerts}** 个，超过 {fmt.yuan(dead_stock_alert_fen)} 的呆滞库存 **{n_dead_alerts}** 个。",
        f"**{fmt.integer(t.units_sold)}** units sold; average stock **{fmt.wan(t.avg_value_fen, 'en')}** at cost, "
        f"**{t.turnover:.1f}** turns (one turn every {t.turnover_days:.0f} days), **{t.days_of_supply:.0f}** days of supply at the end; "
        f"sell-through **{fmt.pct(t.sell_through_rate)}**, active-SKU rate **{fmt.pct(t.active_sku_rate)}**. "
        f"**{fmt.integer(t.stockout_days_sku)}** SKU-days out of stock, estimated lost sales **{fmt.wan(lost, 'en')}**. "
        f"**{n_stockout_alerts}** SKUs are expected to run out within their lead time; **{n_dead_alerts}** dead-stock SKUs are worth more than {fmt.yuan(dead_stock_alert_fen, 'en')}.",
        lang)


def replay_headline(table: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """The replay in one sentence: the suggested policy's stock-out SKU-days and average
    capital in stock against what actually happened, with fewer/more and less/more read from
    the numbers (``table``: :func:`replenish.replay_year`'s ``table``)."""
    tb = table.set_index("arm")
    a, s = tb.loc["demo_actual"], tb.loc["suggested"]
    so_zh = _fewer_more(s.stockout_days, a.stockout_days, "zh")
    so_en = _fewer_more(s.stockout_days, a.stockout_days, "en")
    cap_zh = _fewer_more(s.avg_stock_value_fen, a.avg_stock_value_fen, "zh")
    cap_en = _fewer_more(s.avg_stock_value_fen, a.avg_stock_value_fen, "en",
                         en=("less", "more", "as much"))
    so_ch, cap_ch = _change(s.stockout_days, a.stockout_days), _change(s.avg_stock_value_fen, a.avg_stock_value_fen)
    return fmt.md(
        f"**补货模拟：** 在同样的需求下，建议策略的缺货天数 {fmt.integer(s.stockout_days)}（实际 {fmt.integer(a.stockout_days)}，"
        f"{so_zh} {fmt.pct(abs(so_ch))}），平均库存占用 {fmt.wan(s.avg_stock_value_fen)}（实际 {fmt.wan(a.avg_stock_value_fen)}，"
        f"{cap_zh} {fmt.pct(abs(cap_ch))}）。详见第 8 节。",
        f"**Replay:** on the same demand the suggested policy has {fmt.integer(s.stockout_days)} stock-out SKU-days (actual {fmt.integer(a.stockout_days)}, "
        f"{fmt.pct(abs(so_ch))} {so_en}) and ties up {fmt.wan(s.avg_stock_value_fen, 'en')} on average (actual {fmt.wan(a.avg_stock_value_fen, 'en')}, "
        f"{fmt.pct(abs(cap_ch))} {cap_en}). See section 8.", lang)


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
        f"日历特征（618、双11、双12、38、年货节、春节和自有活动）取自仓库的统一日历 dim_calendar。"
        f"基准为季节朴素（去年同周），另列 13 周均值作参考。回测用时 **{bt.seconds:.0f} 秒**。"
        f"WAPE = 绝对误差之和 ÷ 实际销量之和；MASE = 误差 ÷ 该 SKU 历史周环比平均变化；改进 = 1 − MAE(模型) ÷ MAE(季节朴素)。",
        f"Rolling-origin backtest: an origin every {every_weeks} weeks from {bt.origins[0].date()} ({len(bt.origins)} origins); at each, the models are refitted on what was known then "
        f"and forecast each SKU's weekly units 1-{horizon_weeks} weeks ahead, scored against what happened (strictly out-of-sample). Regular SKUs use the global gradient-boosting model, "
        f"intermittent low-volume SKUs TSB; the calendar features (618, Double 11, Double 12, 38, New Year shopping festival, Spring Festival and your own campaigns) come from the warehouse's one calendar, dim_calendar. "
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
        f"预测按周、按 SKU 给出（财务的现金流和渠道报告可直接复用 `inventory_report.build_report(...)['forecast']`）。常规 SKU 的 10%–90% 区间来自回测的样本外误差（分裂共形：用前一半起点校准，后一半检验，实际覆盖率 {cov_zh}）；"
        f"阴影是各 SKU 区间直接相加，比合计的真实区间宽。间歇性 SKU 用 TSB，只给均值。模型用时 {seconds:.0f} 秒。",
        f"Forecasts are per SKU and week (finance and channel reports can reuse `inventory_report.build_report(...)['forecast']`). The 10-90 % bands of regular SKUs come from the backtest's out-of-sample errors (split conformal: calibrated on the first half of the origins, checked on the second: coverage {cov_en}); "
        f"the shaded band adds up per-SKU bands, so it is wider than the total's true band. Intermittent SKUs (TSB) get a mean only. Fit time {seconds:.0f} s.", lang)


# ----------------------------------------------------------------------------------------
# 7. suppliers and purchases
# ----------------------------------------------------------------------------------------
def supplier_note(suppliers: pd.DataFrame, lang: str = "zh") -> fmt.Sentence:
    """The definitions, and the least punctual supplier and the one with the most erratic lead
    time (read from :func:`replenish.supplier_performance` rows)."""
    zh = ("交期 = 到货日 − 下单日；准时 = 不晚于承诺到货日；满足率 = 到货数量 ÷ 采购数量；"
          "采购价变化 = 期末 90 天对期初 90 天同 SKU 平均单价的变化（按数量加权）。")
    en = ("Lead time = received - ordered; on time = by the promised day; fill rate = units received / "
          "units ordered; price change = last 90 days vs first 90 days, same SKUs, quantity-weighted.")
    ot = suppliers.dropna(subset=["on_time_rate"]).sort_values(["on_time_rate", "supplier_id"])
    sd = suppliers.dropna(subset=["lead_days_std"]).sort_values(["lead_days_std", "supplier_id"],
                                                               ascending=[False, True])
    if len(ot) >= 2 and len(sd):
        w, v = ot.iloc[0], sd.iloc[0]
        zh += (f"准时率最低的是 **{w.supplier_name}**（{fmt.pct(w.on_time_rate)}），交期波动最大的是 "
               f"**{v.supplier_name}**（标准差 {v.lead_days_std:.1f} 天）：这样的供应商需要更多安全库存。")
        en += (f" The least punctual supplier is **{w.supplier_name}** ({fmt.pct(w.on_time_rate)} on time), the most erratic "
               f"**{v.supplier_name}** (lead-time std {v.lead_days_std:.1f} days): such suppliers need more safety stock.")
    return fmt.md(zh, en, lang)


def stockout_alerts_note(n: int, lang: str = "zh") -> fmt.Sentence:
    """Stock-out alerts: how many, and what they mean."""
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
