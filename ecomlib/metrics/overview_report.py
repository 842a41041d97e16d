"""Reporting for the data-overview report (notebooks/overview.ipynb): the sentences whose
claims depend on the data, each a function of the numbers it talks about (tested with data
that says the opposite, tests/test_overview_report.py). The numbers come from
:mod:`ecomlib.metrics.overview`; campaign windows from the warehouse calendar (dim_calendar,
through :func:`ecomlib.metrics.channels.campaigns_from_calendar`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, i18n
from . import rows
from .channels import Campaign, campaign_calendar
from .channels_report import BIG_CAMPAIGN_DAYS, campaign_label, pct_pair
from .overview import peak_day

__all__ = ["big_campaigns", "totals_sentence", "daily_sentence",
           "refund_sentence", "top_sku_sentence", "stock_sentence"]

def big_campaigns(campaigns: Sequence[Campaign]) -> list[Campaign]:
    """The campaign windows of at least
    :data:`~ecomlib.metrics.channels_report.BIG_CAMPAIGN_DAYS` days (年货节, 618 and 双11 in
    the platforms' calendar): the ones the charts mark."""
    return [c for c in campaigns if c.days >= BIG_CAMPAIGN_DAYS]


def _pct_change(cur: float, ref: float) -> float:
    return float("nan") if not ref or np.isnan(ref) else float(cur) / float(ref) - 1


def totals_sentence(totals: pd.DataFrame, by: str = "platform", lang: str = "zh"):
    """Which platform brings the most paid amount (and its share), and whose refund rate is
    the highest against all platforms together (:func:`~ecomlib.metrics.overview.totals_by`
    with its total row)."""
    parts = totals[totals[by] != "total"]
    if parts.empty or not parts["paid_fen"].sum():
        return fmt.md("所选期间没有实付金额。", "Nothing was paid in the period.", lang)
    tot = totals[totals[by] == "total"]
    all_rate = (tot["refund_rate"].iat[0] if len(tot) else
                rows.add(rows.sums(parts, None, ["paid_fen", "refund_fen"]),
                         ["refund_rate"])["refund_rate"].iat[0])
    top = parts.sort_values(["paid_fen", by], ascending=[False, True]).iloc[0]
    hr = parts.dropna(subset=["refund_rate"]).sort_values(["refund_rate", by],
                                                           ascending=[False, True]).iloc[0]
    name = lambda r, lg: i18n.label(r[by], lg)  # noqa: E731
    same = hr[by] == top[by]
    rt, at = pct_pair(hr["refund_rate"], all_rate)
    whose = "also its own" if same else f"{name(hr, 'en')}'s"
    return fmt.md(
        f"实付金额最多的是{name(top, 'zh')}，占 {fmt.pct(top['share_rate'])}；退款率最高的是"
        f"{'它自己' if same else name(hr, 'zh')}（{rt}，全部平台为 {at}）。",
        f"{name(top, 'en')} brings the most paid amount ({fmt.pct(top['share_rate'])}); the "
        f"highest refund rate is {whose} ({rt}, against {at} over all platforms).", lang)


def daily_sentence(daily: pd.DataFrame, campaigns: Sequence[Campaign], days: int = 90,
                   lang: str = "zh"):
    """The day with the most paid amount and the campaign it belongs to (if any), and how
    the everyday level moved: the mean daily paid amount on normal days (outside every
    campaign window and its dips) of the last ``days`` days against the first ``days``."""
    zh = "按平台的每日实付金额（7 日居中移动平均），虚线为大促峰值日。"
    en = ("Daily paid amount by platform (7-day centred moving average); dashed lines mark "
          "campaign peaks.")
    peak = peak_day(daily)
    if peak["day"] is None:
        return fmt.md(zh, en, lang)
    d = peak["day"]
    inside = [c for c in campaigns if c.start <= d <= c.end]
    if inside:
        c = inside[0]
        where_zh = f"在{campaign_label(c.name, 'zh')}期间" + ("（峰值日）" if c.peak == d else "")
        where_en = f"during {campaign_label(c.name, 'en')}" + (" (its peak)" if c.peak == d else "")
    else:
        where_zh, where_en = "不在任何大促窗口内", "outside every campaign window"
    zh += f"实付金额最高的一天是 {d:%Y-%m-%d}（{fmt.yuan(peak['value'], 'zh', 0)}），{where_zh}。"
    en += f" The best day was {d:%Y-%m-%d} ({fmt.yuan(peak['value'], 'en', 0)}), {where_en}."
    per_day = rows.sums(daily.assign(sales_date=pd.to_datetime(daily["sales_date"])),
                        ["sales_date"], ["paid_fen"]).set_index("sales_date")["paid_fen"]
    if len(per_day) >= 2 * days:
        normal = campaign_calendar(per_day.index, campaigns) == "normal"
        first = per_day.iloc[:days][normal.iloc[:days].to_numpy()]
        last = per_day.iloc[-days:][normal.iloc[-days:].to_numpy()]
        if len(first) and len(last):
            ch = _pct_change(last.mean(), first.mean())
            word = ("上升", "rose") if ch > 0 else ("下降", "fell") if ch < 0 else ("持平", "held")
            zh += (f"大促之外的日常水平（非大促日的日均实付）：最近 {days} 天比最早 {days} 天{word[0]} "
                   f"{fmt.pct(abs(ch))}。")
            en += (f" The everyday level (mean daily paid on normal days) {word[1]} "
                   f"{fmt.pct(abs(ch))} from the first {days} days to the last {days}.")
    return fmt.md(zh, en, lang)


def refund_sentence(monthly: pd.DataFrame, campaigns: Sequence[Campaign], lang: str = "zh"):
    """Refund rates of the months holding a big campaign's peak against the other months
    (refunds / paid summed over those months), and whether a platform stays above all
    platforms together in most months."""
    zh = "退款率 = 退款金额 / 实付金额（同一批订单，退款计入原订单的月份）。"
    en = ("Refund rate = refunded amount / paid amount of the same orders (a refund counts in "
          "its order's month).")
    if monthly.empty or not monthly["paid_fen"].sum():
        return fmt.md(zh, en, lang)
    peaks = {pd.Timestamp(c.peak).to_period("M").to_timestamp() for c in big_campaigns(campaigns)}
    m = monthly.assign(is_campaign=pd.to_datetime(monthly["month"]).isin(peaks))
    by = rows.add(rows.sums(m, ["is_campaign"], ["paid_fen", "refund_fen"]), ["refund_rate"]) \
        .set_index("is_campaign")["refund_rate"]
    c, o = by.get(True, np.nan), by.get(False, np.nan)
    if not np.isnan(c) and not np.isnan(o):
        word = ("高于", "higher than") if c > o else ("低于", "lower than") if c < o else ("等于", "equal to")
        ct, ot = pct_pair(c, o)
        zh += f"大促峰值所在月份的退款率为 {ct}，{word[0]}其他月份的 {ot}。"
        en += f" Months holding a campaign peak refunded {ct}, {word[1]} {ot} in the other months."
    plat = "platform" if "platform" in monthly.columns else None
    if plat:
        months = rows.add(rows.sums(monthly, ["month"], ["paid_fen", "refund_fen"]), ["refund_rate"])
        x = rows.add(monthly, ["refund_rate"]).merge(
            months[["month", "refund_rate"]].rename(columns={"refund_rate": "refund_rate_all"}),
            on="month")
        x = x[x["paid_fen"] > 0]
        above = (x["refund_rate"] > x["refund_rate_all"]).groupby(x[plat]).mean()
        if len(above):
            worst = above.sort_values(ascending=False)
            if worst.iloc[0] > 0.5:
                p = worst.index[0]
                zh += (f"{i18n.label(p, 'zh')}在 {fmt.pct(worst.iloc[0], 0)} 的月份高于全部平台，值得追查原因。")
                en += (f" {i18n.label(p, 'en')} stays above all platforms in "
                       f"{fmt.pct(worst.iloc[0], 0)} of the months: worth a look.")
            else:
                zh += "没有哪个平台在多数月份高于全部平台。"
                en += " No platform stays above all platforms in most months."
    return fmt.md(zh, en, lang)


def top_sku_sentence(top: pd.DataFrame, lang: str = "zh"):
    """How much of all paid amount the top SKUs carry."""
    n = len(top)
    share = top["share_rate"].sum(min_count=1) if n else np.nan
    return fmt.md(f"实付金额最高的 {n} 个 SKU，合计占全部实付金额的 {fmt.pct(share)}：占比越集中，这几个 SKU 的库存和价格越要盯紧。",
                  f"The {n} SKUs with the highest paid amount carry {fmt.pct(share)} of all paid amount: the more concentrated, the more their stock and price need watching.",
                  lang)


def stock_sentence(stock_me: pd.DataFrame, by: str = "category", lang: str = "zh"):
    """The last month-end's stock value (at cost), the group holding the most of it, and the
    change from the first month-end of the period."""
    zh = ("每月最后一个快照的在库金额（按成本，负库存记为 0），按类目堆叠：看大促前是否备货、大促后库存是否回落，"
          "以及哪个类目压货最多。")
    en = ("Stock on hand at each month's last snapshot, valued at cost (oversold positions count "
          "as 0), stacked by category: look for build-up before the promotions, the drop after "
          "them, and which category holds the most stock.")
    if stock_me.empty:
        return fmt.md(zh, en, lang)
    per_month = stock_me.groupby("month")["on_hand_value_fen"].sum().sort_index()
    last_m = per_month.index[-1]
    last = stock_me[stock_me["month"] == last_m].sort_values(["on_hand_value_fen", by],
                                                               ascending=[False, True])
    big = last.iloc[0]
    total = per_month.iloc[-1]
    share = big["on_hand_value_fen"] / total if total else np.nan
    zh += (f"{pd.Timestamp(last_m):%Y-%m} 月末库存 {fmt.wan(total, 'zh')}，最多的是 {i18n.label(big[by], 'zh')}"
           f"（{fmt.pct(share)}）")
    en += (f" At the end of {pd.Timestamp(last_m):%Y-%m} stock was {fmt.wan(total, 'en')}, most of "
           f"it in {i18n.label(big[by], 'en')} ({fmt.pct(share)})")
    if len(per_month) > 1:
        ch = _pct_change(total, per_month.iloc[0])
        word = ("高", "above") if ch > 0 else ("低", "below") if ch < 0 else ("持平", "level with")
        if ch == 0 or np.isnan(ch):
            zh += "。"
            en += "."
        else:
            zh += f"，比 {pd.Timestamp(per_month.index[0]):%Y-%m} 月末{word[0]} {fmt.pct(abs(ch))}。"
            en += f", {fmt.pct(abs(ch))} {word[1]} the end of {pd.Timestamp(per_month.index[0]):%Y-%m}."
    else:
        zh += "。"
        en += "."
    return fmt.md(zh, en, lang)
