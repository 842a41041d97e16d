"""The finance report (notebooks/finance.ipynb): its data in one call (:func:`build_report`),
its sentences, charts and files.

* Data: :func:`build_report` reads the marts through :mod:`ecomlib.metrics.finance_queries`
  (``mart_sku_day_pnl``: sales and booked costs per SKU-day, costs spread by the mart;
  ``mart_shipments``, ``mart_stock_moves``, ``mart_stock_daily``, ``mart_purchase_lines``)
  and runs the pure functions of :mod:`~ecomlib.metrics.finance` (P&L, targets,
  commission), :mod:`~ecomlib.metrics.finance_cash`, :mod:`~ecomlib.metrics.finance_courier`,
  :mod:`~ecomlib.metrics.finance_pricing` and :mod:`~ecomlib.metrics.finance_stock`.
* Sentences: every sentence whose claim depends on the data (the largest cost, the shop
  with the lowest margin, who is behind target, which way stock is off, whether the
  strongest month kept its margin) is a function of the numbers here, tested with data that
  says the opposite (tests/test_finance_report.py). Each returns a
  :class:`ecomlib.fmt.Sentence` in the report's language.
* Data health: the report shows one line on the quality rules whose failures leave money
  out of its figures (:func:`health_sentence`); the detail is the quality report's. Whether
  the figures tie to the canonical tables is checked by the tests, with their own SQL.
* Charts and files: :func:`waterfall_chart`, :func:`cash_chart`, :func:`export_excel`,
  :func:`export_csv`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import fmt, i18n
from ..i18n import label
from . import finance as fi
from . import finance_queries as Q
from .finance_cash import cash_flow_forecast, lowest_week
from .finance_courier import courier_summary, read_carrier_bill, reconcile_courier_bill
from .finance_pricing import unit_economics
from .finance_settings import PARAMS, load_commission_rule, load_settings, load_targets
from .finance_stock import stock_reconciliation

__all__ = [
    "build_report", "money", "statement_sentence", "estimated_sentence", "monthly_sentence",
    "changes_sentence", "shop_sentence", "category_sentence", "sku_sentence",
    "drag_sentence", "cost_sentence", "targets_sentence", "commission_sentence",
    "cash_sentence", "pricing_sentence", "courier_sentence", "stock_sentence",
    "health_sentence", "campaign_months", "waterfall_chart", "cash_chart", "export_excel",
    "export_csv",
]

#: the P&L's cost columns a sentence may name as "what eats a margin"
_EATERS = ["platform_fee_fen", "streamer_commission_fen", "logistics_fen", "packaging_fen",
           "ad_spend_fen", "other_costs_fen"]


# ----------------------------------------------------------------------------------------
# the report's data in one call (the notebook stays thin)
# ----------------------------------------------------------------------------------------
def build_report(wh, start, end, shops=None, platforms=None, settings: dict | None = None,
                 targets_file=PARAMS / "targets.yaml", commission_file=PARAMS / "commission.yaml",
                 carrier_bill: str | None = None, opening_cash_fen: int = 0,
                 min_units: int = 20) -> dict:
    """Every table of the finance report for ``start``..``end`` (inclusive) and the
    selection (``shops``/``platforms``, None: all; company-wide costs only without one).

    Reads the period and the 12 months before it (for year-over-year and the estimates'
    window): shop-day P&L rows (``r["sales"]``: the period's, with estimated costs added
    where a shop booked none of a kind, :func:`ecomlib.metrics.finance.estimate_costs`), the
    P&L per SKU, the company-wide costs, targets and commission, the 13-week cash forecast
    from ``end``, pricing, the courier bill check (a generated DEMO bill unless
    ``carrier_bill`` names the carrier's CSV), the stock reconciliation and the data-health
    checks (``r["health"]``).
    """
    settings = settings or load_settings()
    shops = list(shops) if shops else None
    platforms = list(platforms) if platforms else None
    sel = {"shops": shops, "platforms": platforms}
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    hist_start = (start - pd.DateOffset(years=1)).to_period("M").to_timestamp()
    cal_all = Q.calendar(wh, hist_start, end)
    cal = cal_all[cal_all["day"] >= start].reset_index(drop=True)
    # the P&L rows: shop-days of the whole window, SKUs of the period (mart_sku_day_pnl)
    days_all = Q.shop_days(wh, hist_start, end, **sel)
    skus = Q.skus(wh, start, end, **sel)
    skus["category"] = skus["category"].fillna(fi.UNKNOWN_CATEGORY)
    todo = fi.kinds_to_estimate(days_all, Q.booked_kinds(wh, hist_start, end, **sel), settings)
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
    company = not (shops or platforms)
    oh_all = Q.overhead(wh, hist_start, end) if company else pd.DataFrame(
        {"cost_date": pd.Series(dtype="datetime64[ns]"), "kind": pd.Series(dtype=object),
         "amount_fen": pd.Series(dtype="int64")})
    oh = oh_all[oh_all["cost_date"] >= start].reset_index(drop=True)
    r: dict = {"start": start, "end": end, "sales": sales, "overhead_days": oh,
               "has_sales": bool(len(sales) and (sales[["gmv_fen", "paid_fen"]].to_numpy() != 0).any()),
               "calendar": cal}
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
    r["weekly"] = fi.pnl(sales, period="week", calendar=cal)
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
        keep = set(days_all.shop_id.unique()) | set(shops or [])
        members = members[members.shop_id.isin(keep)]
        targets = targets.merge(members[["level", "entity"]].drop_duplicates(),
                                on=["level", "entity"])
    targets = targets[(targets.month >= start.to_period("M").to_timestamp()) & (targets.month <= end)]
    r["attainment"] = fi.attainment(sales, targets, members, end)
    r["commission"] = fi.commission(r["attainment"], load_commission_rule(commission_file))
    # cash flow from the period end; purchase orders are company-wide (no shop): left out
    # under a shop/platform filter, where the replenishment run rate stands in for them
    po = Q.purchase_orders(wh, end) if company else pd.DataFrame()
    r["cash"] = cash_flow_forecast(days_all, oh_all, po, end, opening_cash_fen, settings)
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
    r["health"] = Q.health_checks(wh)
    return r


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
    M = lambda v: money(v, lang, big)  # noqa: E731
    zh = (f"净销售额 **{M(t.net_sales_fen)}**，扣除商品成本后毛利 {M(t.gross_profit_fen)}"
          f"（毛利率 {fmt.pct(t.gross_margin_rate)}），再扣平台佣金、快递包材和广告后贡献利润 "
          f"**{M(t.contribution_fen)}**（{fmt.pct(t.contribution_rate)}），扣除租金工资后经营利润 "
          f"**{M(op)}**。")
    en = (f"Net sales **{M(t.net_sales_fen)}**; after cost of goods a gross profit of "
          f"{M(t.gross_profit_fen)} ({fmt.pct(t.gross_margin_rate)}); after platform fees, "
          f"logistics, packaging and ads a contribution of **{M(t.contribution_fen)}** "
          f"({fmt.pct(t.contribution_rate)}); after rent and salary an operating profit of "
          f"**{M(op)}**.")
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


def estimated_sentence(estimated_fen: int, todo: pd.DataFrame, settings_file: str,
                       lang: str = "zh", big: bool = False):
    """Which costs are estimated and how much (None when nothing is)."""
    if not estimated_fen and not len(todo):
        return None
    M = lambda v: money(v, lang, big)  # noqa: E731
    what_zh = "、".join(sorted({f"{r.shop_id} {_lab(r.kind, 'zh')}" for r in todo.itertuples()}))
    what_en = ", ".join(sorted({f"{r.shop_id} {_lab(r.kind, 'en').lower()}"
                                for r in todo.itertuples()}))
    return _t(f"注意：其中 {M(estimated_fen)} 费用是按 `{settings_file}` 的费率估算的（仓库里没有这些店铺的该类费用：{what_zh}）。",
              f"Note: {M(estimated_fen)} of the costs are estimated from the rates in "
              f"`{settings_file}` (the warehouse has none of that kind for: {what_en}).", lang)


def monthly_sentence(monthly: pd.DataFrame, total: pd.DataFrame, lang: str = "zh"):
    """Did the strongest month keep its margin? The month with the most net sales against
    the period: its contribution margin at or above the period's (the extra sales kept
    their margin) or below it (costs grew faster than sales that month)."""
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
    if best.contribution_rate >= rate_all:
        return _t(f"{intro_zh}净销售额最高的 {mon} 月贡献利润率 {r_best}，不低于全期的 {r_all}：多卖的钱保住了利润率。",
                  f"{intro_en} The month with the most net sales, {mon}, kept a contribution "
                  f"margin of {r_best}, at or above the period's {r_all}: the extra sales kept "
                  f"their margin.", lang)
    return _t(f"{intro_zh}净销售额最高的 {mon} 月贡献利润率只有 {r_best}，低于全期的 {r_all}：多卖的钱有一部分被费用吃掉了。",
              f"{intro_en} In the month with the most net sales, {mon}, the contribution margin "
              f"fell to {r_best}, below the period's {r_all}: costs grew faster than sales.",
              lang)


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


def shop_sentence(by_shop: pd.DataFrame, lang: str = "zh"):
    """The shop with the lowest contribution margin and the cost that takes the largest bite
    of its net sales (the first cost column of equals)."""
    s = by_shop.dropna(subset=["contribution_rate"])
    if s.empty:
        return _t("每个店铺从净销售额到贡献利润的完整阶梯。",
                  "The full ladder per shop, from net sales to contribution.", lang)
    low = s.sort_values(["contribution_rate", "platform", "shop_id"]).iloc[0]
    eat = _largest_eater(low)
    share = float(low[eat]) / float(low.net_sales_fen) if low.net_sales_fen else float("nan")
    name_zh = f"{_lab(low.platform, 'zh')} · {low.shop_id}"
    name_en = f"{_lab(low.platform, 'en')} · {low.shop_id}"
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


def targets_sentence(last: pd.DataFrame, metric: str, end, lang: str = "zh"):
    """The last month's targets: what actual and projected mean, and who is projected below
    100 % (named) or that everyone is projected to make it."""
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
    who_zh = "、".join(f"{r.entity}（{fmt.pct(getattr(r, rate))}）" for r in behind.itertuples())
    who_en = ", ".join(f"{r.entity} ({fmt.pct(getattr(r, rate))})" for r in behind.itertuples())
    if final:
        return _t(base_zh + f"未达成目标的有 {len(behind)} 个：{who_zh}。",
                  base_en + f" {len(behind)} missed the target: {who_en}.", lang)
    return _t(base_zh + f"预计达成率低于 100% 的有 {len(behind)} 个，需要在月内追：{who_zh}。",
              base_en + f" {len(behind)} are projected below 100% and need to catch up within "
              f"the month: {who_en}.", lang)


def commission_sentence(com: pd.DataFrame, commission_file: str, lang: str = "zh",
                        big: bool = False):
    """The commission rule in words and the closed months' total."""
    final = com[com.is_final]
    tot = money(int(final.commission_fen.sum()), lang, big)
    return _t(f"按 `{commission_file}` 的规则：达成率达到档位即按净销售额的对应比例提成，每人每月封顶。已结束月份提成合计 **{tot}**；未结束的月份（已结束 = 否）为暂估。",
              f"By the rule in `{commission_file}`: reaching a tier of attainment pays that "
              f"share of net sales, capped per person and month. Closed months total "
              f"**{tot}**; open months (closed = no) are provisional.", lang)


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


def courier_sentence(summary: pd.DataFrame, n_lines: int, n_shipped: int, settings_file: str,
                     lang: str = "zh", big: bool = False):
    """What was checked and how much can be claimed back; which kind of problem costs most
    (or that every line is in order)."""
    s = summary.set_index("check")
    claim = money(int(s.loc["total", "claim_fen"]), lang, big)
    probs = s.drop(index=["total", "bill_ok"])
    probs = probs[probs["claim_fen"] > 0]
    zh = (f"账单 {n_lines:,} 行，对照 {n_shipped:,} 个已发货订单和 `{settings_file}` 中的合同价：可向快递公司追回 **{claim}**")
    en = (f"{n_lines:,} bill lines checked against {n_shipped:,} shipped orders and the rate "
          f"card in `{settings_file}`: **{claim}** to claim back from the carrier")
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


def health_sentence(checks: pd.DataFrame, units_without_cost: int, lang: str = "zh"):
    """One line on the data behind the figures: the quality rules that leave money out of
    them (:data:`~ecomlib.metrics.finance_queries.HEALTH_RULES`), passed or failing (named,
    with their rows), and units sold without a cost; the detail is the quality report's
    (``ecom quality``)."""
    failing = checks[checks["count_failing"].fillna(0) > 0]
    unknown = checks[checks["count_failing"].isna()]
    n = len(checks)
    zh, en = "数据检查：", "Data health: "
    if failing.empty and unknown.empty:
        zh += f"与财务数字有关的 {n} 条质量规则全部通过"
        en += f"the {n} quality rules that concern these figures all pass"
    else:
        parts = [f"{r.rule_id}（{fmt.integer(int(r.count_failing))} 行）" for r in failing.itertuples()]
        parts_en = [f"{r.rule_id} ({fmt.integer(int(r.count_failing))} rows)"
                    for r in failing.itertuples()]
        parts += [f"{r.rule_id}（未能运行）" for r in unknown.itertuples()]
        parts_en += [f"{r.rule_id} (could not run)" for r in unknown.itertuples()]
        zh += f"与财务数字有关的 {n} 条质量规则中 {len(failing) + len(unknown)} 条未通过：{'；'.join(parts)}，这些金额不在下面的数字里或有误"
        en += (f"{len(failing) + len(unknown)} of the {n} quality rules that concern these "
               f"figures fail: {'; '.join(parts_en)}; that money is missing from the figures "
               f"below or wrong")
    if units_without_cost:
        zh += f"；{fmt.integer(units_without_cost)} 件已售商品在商品表中没有成本，其商品成本未计入（毛利偏高）"
        en += (f"; {fmt.integer(units_without_cost)} units sold have no cost in products, so "
               f"their cost of goods is missing (gross profit reads high)")
    zh += "。明细见质量报告（`ecom quality`）。"
    en += ". The detail is in the quality report (`ecom quality`)."
    return _t(zh, en, lang)


# ----------------------------------------------------------------------------------------
# charts
# ----------------------------------------------------------------------------------------
def _short(v_fen: float, lang: str) -> str:
    return fmt.wan(int(round(v_fen)), lang, decimals=1)


def waterfall_chart(structure: pd.DataFrame, key: str, value: str = "contribution_fen",
                    top: int = 10, title: str | None = None, lang: str = "zh"):
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
    steps = [(str(i18n.label(k, lang)), float(v)) for k, v in zip(pos[key].head(top), pos[value].head(top))]
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
def export_excel(tables: dict[str, pd.DataFrame], path: str | Path, lang: str = "zh") -> Path:
    """Write each table to its own sheet (sheet name = key, max 31 chars) with
    :func:`ecomlib.excel.write_tables`: money columns (``*_fen``) become yuan (fen / 100,
    exact to the cent) under labelled headers ("实付金额 (元)"); rates stay 0..1 with a
    percent number format; rows are streamed (a workbook of 100k cells in about a second)."""
    from .. import excel

    def head(col) -> str:
        lab = i18n.label(col, lang)
        return f"{lab} ({i18n.label('yuan', lang)})" if str(col).endswith("_fen") else lab
    return excel.write_tables(tables, path, headers=head)


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

