"""Reporting for the data-overview report (notebooks/overview.ipynb): the 经营摘要 (KPI
cards with 环比/同比 and the month's target, the largest changes with the shop that drove
them, the actions of the day), the sentences whose claims depend on the data, each a
function of the numbers it talks about (tested with data that says the opposite,
tests/test_overview_report.py), the display tables and the Excel workbook. The numbers come
from :mod:`ecomlib.metrics.overview`; campaign windows from the warehouse calendar
(dim_calendar, through :func:`ecomlib.metrics.channels.campaigns_from_calendar`).

Everything a reader sees is in one language (``lang``): shop names from the shops table,
platform names, product names with the SKU code beside them, labels from
:data:`ecomlib.i18n.LABELS` and the metric catalogue.
"""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, i18n
from .. import summary as S
from . import catalogue, rows
from .channels import Campaign, campaign_calendar
from .channels_report import BIG_CAMPAIGN_DAYS, campaign_label, pct_pair
from .overview import peak_day

__all__ = ["big_campaigns", "totals_sentence", "daily_sentence",
           "refund_sentence", "top_sku_sentence", "stock_sentence", "ANCHORS", "scope_text",
           "period_text", "cards", "largest_changes", "bound_text", "alert_text", "actions",
           "health_text", "quality_link", "shops_sentence", "stock_check_sentence",
           "target_sentence", "anomaly_sentence", "freshness_sentence", "shop_table",
           "sku_table", "stock_table", "freshness_table", "alert_table", "target_table",
           "excel_sheets", "export_excel", "build", "summary_html", "tables", "show",
           "resolve_period", "shop_labels", "sku_label", "month_note", "daily_table", "months_note"]

#: the report's sections, linked from the summary's actions
ANCHORS = {"shops": "shops", "trend": "trend", "skus": "skus", "stock": "stock",
           "anomalies": "anomalies", "target": "target", "freshness": "freshness",
           "months": "months"}

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
                   lang: str = "zh", window: int | None = 7):
    """The day with the most paid amount and the campaign it belongs to (if any), and how
    the everyday level moved: the mean daily paid amount on normal days (outside every
    campaign window and its dips) of the last ``days`` days against the first ``days``.
    ``window``: the chart's moving mean (None: the days as they are). The dashed lines of
    the big campaigns' peaks are mentioned only when one falls inside the days shown."""
    if window:
        zh = f"按平台的每日实付金额（{window} 日居中移动平均）"
        en = f"Daily paid amount by platform ({window}-day centred moving average)"
    else:
        zh, en = "按平台的每日实付金额", "Daily paid amount by platform"
    shown = pd.to_datetime(daily["sales_date"]) if len(daily) else pd.Series(dtype="datetime64[ns]")
    marked = len(shown) and any(shown.min() <= pd.Timestamp(c.peak) <= shown.max()
                                for c in big_campaigns(campaigns))
    zh += "，虚线为大促峰值日。" if marked else "。"
    en += "; dashed lines mark campaign peaks." if marked else "."
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


# ----------------------------------------------------------------------------------------
# the 经营摘要: scope, period, cards, largest changes, actions, data health
# ----------------------------------------------------------------------------------------
def _t(zh: str, en: str, lang: str) -> str:
    return i18n.text(zh, en, lang)


def _join(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(x) for x in items)


def shop_labels(shops: pd.DataFrame, lang: str = "zh") -> dict:
    """``{(platform, shop_id): "天猫·山野生活官方旗舰店"}`` from ``overview/shops`` rows."""
    return {(r.platform, r.shop_id): f"{i18n.label(r.platform, lang)}·{r.shop_name}"
            for r in shops.itertuples()}


def sku_label(name, sku) -> str:
    """A product as the seller knows it, with its code beside: ``面霜 50ml（SY-HF009-02）``."""
    if fmt.is_missing(name) or str(name) == str(sku):
        return str(sku)
    return f"{name}（{sku}）"


def scope_text(shops: pd.DataFrame, selected_shops=(), selected_platforms=(),
               lang: str = "zh") -> str:
    """What the report covers: ``全部店铺``, or the platforms and the shops' names."""
    if not selected_shops and not selected_platforms:
        return _t("全部店铺", "All shops", lang)
    parts = []
    if selected_platforms:
        parts.append(_t("平台：", "Platforms: ", lang)
                     + _join([i18n.label(p, lang) for p in selected_platforms], lang))
    if selected_shops:
        names = dict(zip(shops["shop_id"], shops["shop_name"]))
        parts.append(_t("店铺：", "Shops: ", lang)
                     + _join([names.get(s, s) for s in selected_shops], lang))
    return " · ".join(parts)


_WEEKDAYS = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"),
             ("周六", "Sat"), ("周日", "Sun"))


def _days_text(days, lang: str) -> str:
    """``2025-12-30（周二）`` for one day (a day is compared with another weekday: say which),
    ``2025-12-01 至 2025-12-31`` for several."""
    a, b = days
    if a == b:
        wd = _WEEKDAYS[a.weekday()][0 if lang == "zh" else 1]
        return f"{a.isoformat()}（{wd}）" if lang == "zh" else f"{a.isoformat()} ({wd})"
    return f"{a.isoformat()}{_t(' 至 ', ' to ', lang)}{b.isoformat()}"


def period_text(period_label: str, w, lang: str = "zh") -> str:
    """The period and what it is compared with: ``昨日 2025-12-31 · 环比 2025-12-30 · 同比
    2024-12-31``; an incomplete period says how far its data goes and that the comparisons
    use the same number of days; a comparison the data does not reach says so."""
    parts = [period_label]
    if w.days == 1:
        wd = _WEEKDAYS[w.current[0].weekday()][0 if lang == "zh" else 1]
        parts = [f"{period_label}（{wd}）" if lang == "zh" else f"{period_label} ({wd})"]
    if not w.complete and w.covered_days:
        parts.append(_t(f"数据只到 {w.current[1].isoformat()}（{w.covered_days}/{w.days} 天，"
                        f"未完整），按相同天数比较",
                        f"data only until {w.current[1].isoformat()} ({w.covered_days} of "
                        f"{w.days} days, incomplete); compared over the same number of days",
                        lang))
    parts.append(_t("环比 ", "vs ", lang) + _days_text(w.previous, lang) if w.previous else
                 _t("无环比数据", "no previous period in the data", lang))
    parts.append(_t("同比 ", "last year ", lang) + _days_text(w.year_ago, lang) if w.year_ago
                 else _t("无同比数据", "no data a year earlier", lang))
    return " · ".join(parts)


def month_note(month: dict | None, lang: str = "zh") -> str:
    """``本月至今 ¥12.30万，达成 61.5%（时间进度 58.1%）`` for the target card."""
    if not month:
        return ""
    a = fmt.pct(month["attainment_rate"])
    tr = fmt.pct(month["time_rate"])
    got = fmt.wan(month["actual_fen"], lang)
    if month["days_elapsed"] >= month["days_in_month"]:
        return _t(f"{month['month']:%m}月完成 {got}，达成 {a}",
                  f"{month['month']:%b} closed at {got}, {a} of target", lang)
    return _t(f"本月至今 {got}，达成 {a}（时间进度 {tr}）",
              f"month to date {got}, {a} of target ({tr} of the month gone)", lang)


def order_value_note(k: dict, k_previous: dict | None, lang: str = "zh") -> str:
    """笔单价 beside 客单价 (paid / paid orders), with its 环比: ``笔单价 ¥205.32，环比 -15.1%``."""
    v = k.get("order_value_fen")
    if fmt.is_missing(v):
        return ""
    txt = _t(f"笔单价 {fmt.yuan(v, lang)}", f"per order {fmt.yuan(v, lang)}", lang)
    prev = None if k_previous is None else k_previous.get("order_value_fen")
    if not fmt.is_missing(prev) and prev:
        ch = v / prev - 1
        txt += _t(f"，环比 {'+' if ch > 0 else ''}{fmt.pct(ch)}",
                  f", {'+' if ch > 0 else ''}{fmt.pct(ch)} vs prev.", lang)
    return txt


def cards(k: dict, k_previous: dict | None, k_year_ago: dict | None, days: int = 1,
          has_traffic: bool = True, traffic_note: str = "", target_fen: float | None = None,
          target_metric: str = "paid_fen", month: dict | None = None, lang: str = "zh",
          refunds_settled: bool = True, young_days: int = 0) -> list[S.Card]:
    """The KPI cards (:data:`ecomlib.metrics.overview.KPI_METRICS`, the traffic ones only
    with a traffic export) from :func:`ecomlib.metrics.overview.kpis` of the period and its
    comparison periods (None: not in the data, shown as —). Over several days 支付买家数 is
    shown as buyer-days (支付买家(人·天)); 笔单价 is the 客单价 card's note. The target (the
    period's share of the month targets) goes on the card of its metric, with the month to
    date as its note. While the
    period's orders are still being refunded (``refunds_settled`` False: orders younger than
    :data:`REFUND_SETTLE_DAYS` make up most of it), the refund rate is not compared with
    older periods, whose refunds have all come in: it says so instead of showing a fall; a
    period with some such days (``young_days``) is compared and says how many."""
    from .overview import KPI_METRICS, TRAFFIC_METRICS
    metrics = [m for m in KPI_METRICS if (has_traffic or m not in TRAFFIC_METRICS)
               and m != "order_value_fen"]  # 笔单价 is the 客单价 card's note
    if target_fen is not None and target_metric not in metrics:
        metrics.insert(1, target_metric)
    out = []
    for m in metrics:
        shown = "buyer_days" if (m == "count_buyers" and days > 1) else m
        c = S.Card(shown, k.get(m, float("nan")),
                   None if k_previous is None else k_previous.get(m),
                   None if k_year_ago is None else k_year_ago.get(m))
        if m == target_metric and target_fen is not None:
            c.target = target_fen
            c.note = "；".join(x for x in (_t(f"本期目标 {fmt.wan(target_fen, lang)}",
                                             f"period target {fmt.wan(target_fen, lang)}", lang),
                                          month_note(month, lang)) if x)
            if lang == "en":
                c.note = c.note.replace("；", "; ")
        elif m == "aov_fen" and "order_value_fen" not in metrics:
            c.note = order_value_note(k, k_previous, lang)
        elif m in TRAFFIC_METRICS and traffic_note:
            c.note = traffic_note
        if m == "refund_rate" and not refunds_settled:
            c.previous = c.year_ago = None
            c.note = _t(f"近 {REFUND_SETTLE_DAYS} 天订单的退款仍在发生，暂不比较",
                        f"orders of the last {REFUND_SETTLE_DAYS} days are still being "
                        "refunded: not compared", lang)
        elif m == "refund_rate" and young_days:
            c.note = _t(f"其中最近 {young_days} 天订单的退款仍在发生，退款率偏低",
                        f"the last {young_days} days' orders are still being refunded: the "
                        "rate reads low", lang)
        out.append(c)
    return out


#: orders younger than this many days are still being refunded (7-day returns, disputes): their
#: refund rate is not compared with older periods
REFUND_SETTLE_DAYS = 30
#: a change smaller than this (relative; rates: in points) is not among the largest changes
MIN_CHANGE = 0.05
MIN_RATE_POINTS = 0.005


def largest_changes(current: pd.DataFrame, previous: pd.DataFrame, labels: dict,
                    days: int = 1, top: int = 5, refunds_settled: bool = True
                    ) -> list[S.Change]:
    """The largest moves from the 环比 period to the period (shop-days of both), each with the
    shop (platform·name) whose own move explains most of it (:func:`ecomlib.summary.changes`);
    visitors and 转化率 over the shops with a traffic export only. Moves under 5 % (rates:
    under half a point) are left out, and so is the refund rate while the period's refunds
    are still coming in (``refunds_settled`` False)."""
    from .overview import _traffic_rows
    if current is None or previous is None or not len(current) or not len(previous):
        return []
    key = lambda f: f.assign(shop_key=list(zip(f["platform"], f["shop_id"])))  # noqa: E731
    cur, prev = key(current), key(previous)
    buyers = "buyer_days" if days > 1 else "count_buyers"
    found = S.changes(cur, prev, ["paid_fen", "count_paid_orders", buyers, "aov_fen"]
                      + (["refund_rate"] if refunds_settled else []),
                      by="shop_key", labels=labels, top=10)
    tc, tp = _traffic_rows(cur), _traffic_rows(prev)
    if len(tc) and len(tp):
        found += S.changes(tc, tp, ["visitors", "conversion_rate"], by="shop_key",
                           labels=labels, top=10)

    def size(c):
        if catalogue.fmt_kind(c.metric) == "pct":
            return abs(c.delta) / MIN_RATE_POINTS * MIN_CHANGE
        return abs(c.delta / c.previous) if c.previous else float("inf")
    found = [c for c in found if size(c) >= MIN_CHANGE]
    found.sort(key=size, reverse=True)
    return found[:top]


def _in_units(metric: str, x: float) -> float:
    """A value in the unit it is shown in: yuan for money, percent for rates."""
    if metric.endswith("_fen"):
        return x / 100
    if catalogue.fmt_kind(metric) == "pct" or metric.endswith("_rate"):
        return x * 100
    return x


def _shown(metric: str, x: float, decimals: int, lang: str) -> str:
    if fmt.is_missing(x):
        return fmt.MISSING
    if np.isinf(x):
        return "∞"
    if metric.endswith("_fen"):
        return fmt.yuan(x, lang, decimals)
    if catalogue.fmt_kind(metric) == "pct" or metric.endswith("_rate"):
        return fmt.pct(x, decimals)
    return f"{x:,.{decimals}f}"


def bound_text(metric: str, bound: float, value: float, lang: str = "zh") -> str:
    """An alert bound at the precision the decision used: the fewest decimals (from the
    metric's own: whole yuan then yuan and fen, counts, one decimal of a percent) at which the
    bound and the value no longer read the same, so that an order count of 2 under a bound of
    2.19 reads "2, 正常下限 2.2", never "2, 正常范围 2–34"."""
    if fmt.is_missing(bound) or np.isinf(bound):
        return _shown(metric, bound, 0, lang)
    if metric.endswith("_fen"):
        steps = (0, 2, 3, 4)  # whole yuan, then yuan and fen (never ¥1,107.9)
    elif catalogue.fmt_kind(metric) == "pct" or metric.endswith("_rate"):
        steps = (1, 2, 3, 4)
    else:
        steps = (0, 1, 2, 3)
    b, v = _in_units(metric, float(bound)), _in_units(metric, float(value))
    for d in steps:
        if round(b, d) != round(v, d):
            return _shown(metric, bound, d, lang)
    return _shown(metric, bound, steps[-1], lang)


def _metric_name(metric: str, lang: str) -> str:
    return catalogue.label(metric, lang) or i18n.label(metric, lang)


def alert_text(row, labels: dict, lang: str = "zh", with_date: bool = False) -> str:
    """One anomaly (a row of :func:`ecomlib.models.anomaly.detect` with ``is_alert``) in the
    seller's words: the shop's name, the metric, the value, the side of the normal range it
    left and the range, with the bound it crossed shown at the precision of the decision
    (:func:`bound_text`)."""
    m = row["metric"]
    shop = labels.get((row["platform"], row["shop_id"]), row["shop_id"])
    base = 1 if (catalogue.fmt_kind(m) == "pct" or m.endswith("_rate")) else 0
    val = _shown(m, row["value"], base, lang)
    exp = _shown(m, row["expected"], base, lang)
    above = row["value"] > row["upper"] if not fmt.is_missing(row["upper"]) else False
    lo = bound_text(m, row["lower"], row["value"], lang)
    hi = bound_text(m, row["upper"], row["value"], lang)
    day = (pd.Timestamp(row["date"]).strftime("%m-%d") + " ") if with_date else ""
    phase = str(row.get("phase", "normal")).split(":")[0]
    ph_zh = {"pre": "（大促前）", "campaign": "（大促期间）", "peak": "（大促峰值日）",
             "post": "（大促后）"}.get(phase, "")
    ph_en = {"pre": " (pre-campaign)", "campaign": " (campaign)", "peak": " (campaign peak)",
             "post": " (post-campaign)"}.get(phase, "")
    name = _metric_name(m, lang)
    if lang == "zh":
        return (f"{day}{shop}{ph_zh} {name} {val}，{'高于' if above else '低于'}正常范围 "
                f"{lo}–{hi}（预期 {exp}）")
    return (f"{day}{shop}{ph_en}: {name} {val}, {'above' if above else 'below'} the normal "
            f"range {lo}–{hi} (expected {exp})")


def actions(stale: pd.DataFrame, stock: pd.DataFrame, alerts: pd.DataFrame, labels: dict,
            month: dict | None = None, low_days: float = 7, with_date: bool = False,
            lang: str = "zh", max_alerts: int = 3) -> list[S.Action]:
    """What to do today, most urgent first, each linked to its section: download the stale
    shops' exports; reorder the top sellers that are out of stock, then those running low;
    look into the anomalies (sales and orders that fell first); catch up on the month's
    target when the run rate falls short of it."""
    acts: list[S.Action] = []
    if stale is not None and len(stale):
        names = [labels.get((r.platform, r.shop_id), r.shop_id) for r in stale.itertuples()]
        last = pd.to_datetime(stale["last_sales_date"]).min()
        acts.append(S.Action(_t(
            f"补下载 {len(stale)} 家店铺的最新导出：{_join(names[:3], lang)}"
            f"{'等' if len(names) > 3 else ''}（数据最早只到 {last:%Y-%m-%d}），这些店铺近几天的数字偏低",
            f"Download the latest exports of {len(stale)} shop(s): {_join(names[:3], lang)}"
            f"{' and more' if len(names) > 3 else ''} (data only until {last:%Y-%m-%d}); their "
            "latest days read too low", lang), f"#{ANCHORS['freshness']}", "high", len(stale)))
    if stock is not None and len(stock):
        for status, sev in (("stock_out", "high"), ("low", "medium")):
            part = stock[stock["stock_status"] == status]
            if not len(part):
                continue
            items = [sku_label(r.product_name, r.sku) for r in part.head(2).itertuples()]
            more = len(part) > 2
            if status == "stock_out":
                text = _t(f"补货：{len(part)} 个畅销 SKU 已缺货：{_join(items, lang)}"
                          f"{'等' if more else ''}",
                          f"Restock: {len(part)} top seller(s) out of stock: {_join(items, lang)}"
                          f"{' and more' if more else ''}", lang)
            else:
                text = _t(f"下采购单：{len(part)} 个畅销 SKU 库存不足 {low_days:g} 天的销量："
                          f"{_join(items, lang)}{'等' if more else ''}",
                          f"Order: {len(part)} top seller(s) with less than {low_days:g} days "
                          f"of stock: {_join(items, lang)}{' and more' if more else ''}", lang)
            acts.append(S.Action(text, f"#{ANCHORS['stock']}", sev, len(part)))
    if alerts is not None and len(alerts):
        a = alerts.assign(_down=(alerts["value"] < alerts["expected"])
                          & alerts["metric"].isin(["paid_fen", "count_paid_orders"]),
                          _abs=alerts["score"].abs())
        a = a.sort_values(["_down", "_abs"], ascending=[False, False])
        for _, r in a.head(max_alerts).iterrows():
            acts.append(S.Action(_t("查异常：", "Check: ", lang)
                                 + alert_text(r, labels, lang, with_date),
                                 f"#{ANCHORS['anomalies']}", "high" if r["_down"] else "medium"))
        if len(a) > max_alerts:
            more = len(a) - max_alerts
            acts.append(S.Action(_t(f"另有 {more} 项异常，见异常检查",
                                    f"{more} more anomal{'y' if more == 1 else 'ies'}: see the "
                                    "checks", lang), f"#{ANCHORS['anomalies']}", "medium", more))
    if month and month["days_elapsed"] < month["days_in_month"] \
            and not fmt.is_missing(month["projected_rate"]) and month["projected_rate"] < 1:
        left = month["days_in_month"] - month["days_elapsed"]
        gap = month["target_fen"] - month["actual_fen"]
        acts.append(S.Action(_t(
            f"追目标：按本月日均，月末预计完成 {fmt.pct(month['projected_rate'])}；还差 "
            f"{fmt.wan(gap, lang)}，剩 {left} 天每天需 {fmt.wan(gap / left, lang)}",
            f"Target: at this month's daily rate the month ends at "
            f"{fmt.pct(month['projected_rate'])}; {fmt.wan(gap, lang)} to go, "
            f"{fmt.wan(gap / left, lang)} a day for the {left} days left", lang),
            f"#{ANCHORS['target']}", "medium"))
    rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(acts, key=lambda a: rank.get(a.severity, 1))  # stable: the order above


def rule_failures(wh) -> pd.DataFrame:
    """Whether each quality rule of :data:`ecomlib.quality.RULES` fails, for
    :func:`health_text`: ``rule_id``, ``severity`` and ``count_failing`` capped at 1 (1: some
    row fails, 0: none, empty: the rule's SQL cannot run, as in
    :func:`ecomlib.quality.run_checks`). The badge only says how many rules fail, so the
    answers ``ecom build`` recorded are read when they still hold (nothing loaded since the
    last build: :func:`ecomlib.quality.recorded_fails`); any other rule is asked whether any
    row fails (:func:`ecomlib.quality.rule_fails`, which stops at the first). The quality
    report shows the counts."""
    from .. import quality
    recorded = quality.recorded_fails(wh.con)
    rows = []
    for r in quality.RULES.values():
        fails = recorded[r.id] if r.id in recorded else quality.rule_fails(wh.con, r)
        rows.append({"rule_id": r.id, "severity": r.severity,
                     "count_failing": None if fails is None else int(fails)})
    out = pd.DataFrame(rows, columns=["rule_id", "severity", "count_failing"])
    out["count_failing"] = out["count_failing"].astype("Int64")
    return out


def health_text(checks: pd.DataFrame | None, lang: str = "zh") -> str:
    """The one-line data-health badge: how many quality rules fail (errors and warnings)."""
    if checks is None or not len(checks):
        return _t("数据质量：未检查", "Data quality: not checked", lang)
    failing = checks["count_failing"].fillna(0) > 0
    n, nf = len(checks), int(failing.sum())
    ne = int((failing & (checks["severity"] == "error")).sum())
    if not nf:
        return _t(f"数据质量：{n} 条规则全部通过 · 查看质量报告",
                  f"Data quality: all {n} rules pass · see the quality report", lang)
    return _t(f"数据质量：{n} 条规则中 {nf} 条未通过（错误 {ne} 条，警告 {nf - ne} 条）· 查看质量报告",
              f"Data quality: {nf} of {n} rules fail ({ne} errors, {nf - ne} warnings) · see "
              "the quality report", lang)


def quality_link(output_dir: str = "", reports_root=None) -> str:
    """A relative link from the report's run folder (``reports/overview/<date>/<run>/``) to
    the newest ``reports/quality/quality-*.html`` (``../../../quality/...``); '' when there
    is none. Run by hand (no run folder), relative to the working folder."""
    import os
    from pathlib import Path
    run = Path(output_dir).resolve() if output_dir else None
    if run is not None and len(run.parents) >= 3:
        root = run.parents[2]
    else:
        root = Path(reports_root) if reports_root else Path("reports")
    found = sorted((root / "quality").glob("quality-*.html"))
    if not found:
        return ""
    start = run if run is not None else Path.cwd()
    return os.path.relpath(found[-1].resolve(), start.resolve()).replace(os.sep, "/")


# ----------------------------------------------------------------------------------------
# the detail sections' sentences
# ----------------------------------------------------------------------------------------
def shops_sentence(by_shop: pd.DataFrame, labels: dict, lang: str = "zh"):
    """Which shop brought the most, and which moved the most against the 环比 period."""
    s = by_shop[by_shop["paid_fen"] > 0]
    if not len(s):
        return fmt.md("所选期间没有实付金额。", "Nothing was paid in the period.", lang)
    top = s.iloc[0]
    name = lambda r: labels.get((r["platform"], r["shop_id"]), r["shop_id"])  # noqa: E731
    zh = f"实付金额最多的是 {name(top)}（占 {fmt.pct(top['share_rate'])}）。"
    en = f"{name(top)} brought the most ({fmt.pct(top['share_rate'])} of paid)."
    moved = by_shop.dropna(subset=["paid_mom_rate"])
    if len(moved) > 1:
        up = moved.sort_values("paid_mom_rate", ascending=False).iloc[0]
        down = moved.sort_values("paid_mom_rate").iloc[0]
        if up["paid_mom_rate"] > 0:
            zh += f"环比增长最多的是 {name(up)}（+{fmt.pct(up['paid_mom_rate'])}）"
            en += (f" {name(up)} grew the most vs the previous period "
                   f"(+{fmt.pct(up['paid_mom_rate'])})")
        if down["paid_mom_rate"] < 0:
            zh += ("，" if up["paid_mom_rate"] > 0 else "") + \
                f"下降最多的是 {name(down)}（{fmt.pct(down['paid_mom_rate'])}）"
            en += ("; " if up["paid_mom_rate"] > 0 else " ") + \
                f"{name(down)} fell the most ({fmt.pct(down['paid_mom_rate'])})"
        if up["paid_mom_rate"] > 0 or down["paid_mom_rate"] < 0:
            zh += "。"
            en += "."
    zh += ("客单价 = 实付金额 / 支付买家（买家按店铺、按天计，与生意参谋一致），笔单价 = 实付金额 / "
           "支付订单数；转化率 = 支付买家 / 访客数（只算有流量数据的店铺）。")
    en += (" AOV = paid / paying buyers (counted per shop and day, as the platforms' back "
           "offices count them); spend per "
           "order = paid / paid orders; conversion = paying buyers / visitors (shops with "
           "traffic data only).")
    return fmt.md(zh, en, lang)


def stock_check_sentence(stock: pd.DataFrame, window_days: int, low_days: float,
                         lang: str = "zh"):
    """How many of the top sellers are out of stock or running low, and what stock day
    that is."""
    if stock is None or not len(stock):
        return fmt.md(f"近 {window_days} 天没有实付的 SKU，无需检查库存。",
                      f"No SKU was paid in the last {window_days} days: no stock to check.", lang)
    n = len(stock)
    out = int((stock["stock_status"] == "stock_out").sum())
    low = int((stock["stock_status"] == "low").sum())
    unknown = int((stock["stock_status"] == "no_stock_data").sum())
    day = pd.to_datetime(stock["snapshot_date"]).max()
    day_zh = f"库存截至 {day:%Y-%m-%d}（各仓库合计，各店铺共用）" if pd.notna(day) else "没有库存快照"
    day_en = (f"stock as of {day:%Y-%m-%d} (all warehouses, shared by the shops)"
              if pd.notna(day) else "no stock snapshot")
    zh = (f"近 {window_days} 天实付金额前 {n} 的 SKU 中，{out} 个已缺货、{low} 个库存不足 "
          f"{low_days:g} 天的销量（按近 {window_days} 天日均销量）；{day_zh}。")
    en = (f"Of the {n} SKUs with the most paid in the last {window_days} days, {out} are out "
          f"of stock and {low} have less than {low_days:g} days of sales on hand (at the last "
          f"{window_days} days' daily rate); {day_en}.")
    if unknown:
        zh += f"{unknown} 个没有库存快照，状态未知。"
        en += f" {unknown} have no stock snapshot: unknown."
    return fmt.md(zh, en, lang)


def target_sentence(month: dict | None, lang: str = "zh"):
    """The month's target, the month to date and the month-end projection at its run rate."""
    if not month:
        return fmt.md("所选店铺本月没有目标（目标在 parameters/targets.yaml 中按店铺、按月设定）。",
                      "The selected shops have no target this month (targets are set per shop "
                      "and month in parameters/targets.yaml).", lang)
    m = month["month"]
    t, a = fmt.wan(month["target_fen"], lang), fmt.wan(month["actual_fen"], lang)
    if month["days_elapsed"] >= month["days_in_month"]:
        return fmt.md(f"{m:%Y-%m} 已结束：目标 {t}，完成 {a}，达成 {fmt.pct(month['attainment_rate'])}。",
                      f"{m:%Y-%m} is closed: target {t}, done {a}, "
                      f"{fmt.pct(month['attainment_rate'])} of target.", lang)
    p = fmt.wan(month["projected_fen"], lang)
    return fmt.md(
        f"{m:%Y-%m} 目标 {t}，至今 {a}，达成 {fmt.pct(month['attainment_rate'])}，时间进度 "
        f"{fmt.pct(month['time_rate'])}（{month['days_elapsed']}/{month['days_in_month']} 天）；"
        f"按本月日均，月末预计 {p}（{fmt.pct(month['projected_rate'])}）。",
        f"{m:%Y-%m}: target {t}, done {a} so far ({fmt.pct(month['attainment_rate'])}) with "
        f"{fmt.pct(month['time_rate'])} of the month gone ({month['days_elapsed']} of "
        f"{month['days_in_month']} days); at this month's daily rate it ends at {p} "
        f"({fmt.pct(month['projected_rate'])}).", lang)


def anomaly_sentence(checked: pd.DataFrame, alerts: pd.DataFrame, days, lang: str = "zh"):
    """What the daily checks of ``days`` (first, last) found: nothing checkable, everything
    in range, or how many anomalies (listed after it), with how the range is made."""
    when = _days_text(days, lang)
    if checked is None or not len(checked) or not (checked["basis"] != "short").any():
        return fmt.md(f"{when}：历史数据不足，没有做异常检查。",
                      f"{when}: too little history to check for anomalies.", lang)
    how_zh = ("正常范围：平日按星期几调整的前 8 周稳健基线；大促日只和往期同一大促的同阶段比。"
              "退款率只在升高时提示。")
    how_en = ("Normal range: a weekday-adjusted robust baseline of the previous 8 weeks; "
              "campaign days are compared only with the same phase of earlier campaigns. The "
              "refund rate is flagged only when it rises.")
    shops = checked[["platform", "shop_id"]].drop_duplicates()
    if alerts is None or not len(alerts):
        return fmt.md(f"{when}：{len(shops)} 家店铺的实付金额、支付订单数、退款率和转化率都在正常范围内。{how_zh}",
                      f"{when}: paid amount, paid orders, refund rate and conversion of "
                      f"{len(shops)} shop(s) stayed in their normal range. {how_en}", lang)
    return fmt.md(f"{when}：检查了 {len(shops)} 家店铺的实付金额、支付订单数、退款率和转化率，"
                  f"{len(alerts)} 项超出正常范围。{how_zh}",
                  f"{when}: {len(alerts)} value(s) of {len(shops)} shop(s) left their normal "
                  f"range. {how_en}", lang)


def freshness_sentence(fresh: pd.DataFrame, last_day, lang: str = "zh"):
    """Every shop current up to the report's last day, or the stale ones named."""
    from .. import freshness
    w = freshness.warning(fresh, lang) if len(fresh) else None
    if w:
        return fmt.md(w, w, lang)
    d = pd.Timestamp(last_day)
    return fmt.md(f"所选店铺的订单数据都已到 {d:%Y-%m-%d}。",
                  f"Every selected shop's orders reach {d:%Y-%m-%d}.", lang)


# ----------------------------------------------------------------------------------------
# tables (display and Excel): canonical columns, values in the seller's words
# ----------------------------------------------------------------------------------------
def _named(df: pd.DataFrame, shops: pd.DataFrame) -> pd.DataFrame:
    names = {(r.platform, r.shop_id): r.shop_name for r in shops.itertuples()}
    out = df.copy()
    out["shop_name"] = [names.get((p, s), s) for p, s in zip(out["platform"], out["shop_id"])]
    return out


def _platforms(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    if "platform" in df.columns:
        df = df.assign(platform=[i18n.label(p, lang) for p in df["platform"]])
    return df


def shop_table(by: pd.DataFrame, shops: pd.DataFrame | None = None, days: int = 1,
               has_traffic: bool = True) -> pd.DataFrame:
    """Rows of :func:`ecomlib.metrics.overview.by_group` as the table shows them: platform,
    shop name (with ``shops``; per platform without), paid with 环比/同比 and share, orders,
    buyers (buyer-days over several days), 客单价, 笔单价, 退款率 and, with traffic, 访客数 and
    转化率."""
    d = _named(by, shops) if shops is not None else by.copy()
    buyers = "buyer_days" if days > 1 else "count_buyers"
    d[buyers] = d["count_buyers"]
    cols = ["platform"] + (["shop_name"] if shops is not None else []) + [
        "paid_fen", "paid_mom_rate", "paid_yoy_rate", "share_rate", "count_paid_orders", buyers,
        "aov_fen", "order_value_fen", "refund_fen", "refund_rate"]
    if has_traffic:
        cols += ["visitors", "conversion_rate"]
    return d[cols].reset_index(drop=True)


def sku_table(skus: pd.DataFrame) -> pd.DataFrame:
    """The period's best sellers: product name, SKU, category, paid with 环比 and share,
    units, refund rate."""
    return skus[["product_name", "sku", "category", "paid_fen", "paid_mom_rate", "share_rate",
                 "units", "refund_rate"]].reset_index(drop=True)


_STATUS = {"stock_out": "alert_stock_out", "low": "alert_low", "ok": "stock_ok",
           "no_stock_data": "alert_no_stock_data"}


def stock_table(stock: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The top sellers' stock: product, SKU, category, the window's paid and units, daily
    units, units on hand, days of supply, the snapshot day and the status in words."""
    d = stock.rename(columns={"paid_fen": "paid_28d_fen", "units_sold": "units_28d"}).copy()
    d["stock_status"] = [i18n.label(_STATUS.get(s, s), lang) for s in d["stock_status"]]
    return d[["product_name", "sku", "category", "paid_28d_fen", "units_28d",
              "avg_daily_units", "closing_units", "days_of_supply", "snapshot_date",
              "stock_status"]].reset_index(drop=True)


def freshness_table(fresh: pd.DataFrame) -> pd.DataFrame:
    """Per shop: the last day of orders, traffic, ads and stock, how many days the orders
    are behind, and whether the shop is stale."""
    cols = ["platform", "shop_name", "last_sales_date", "last_traffic_date", "last_ad_date",
            "last_stock_date", "sales_lag_days", "is_stale"]
    d = fresh.copy()
    d["shop_name"] = d["shop_name"].where(d["shop_name"].notna(), d["shop_id"])
    for c in cols:
        if c not in d.columns:
            d[c] = np.nan
    for c in ("last_sales_date", "last_traffic_date", "last_ad_date", "last_stock_date"):
        d[c] = pd.to_datetime(d[c])
    return d[cols].reset_index(drop=True)


def alert_table(alerts: pd.DataFrame, labels: dict, shops: pd.DataFrame,
                lang: str = "zh") -> pd.DataFrame:
    """The anomalies: day, platform, shop name, metric (its label) and what happened."""
    cols = ["date", "platform", "shop_name", "metric", "description"]
    if alerts is None or not len(alerts):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    d = _named(alerts, shops)
    d["description"] = [alert_text(r, labels, lang) for _, r in alerts.iterrows()]
    d["metric"] = [_metric_name(m, lang) for m in d["metric"]]
    d["date"] = pd.to_datetime(d["date"])
    return d[cols].reset_index(drop=True)


def target_table(attainment: pd.DataFrame, shops: pd.DataFrame, end) -> pd.DataFrame:
    """The month of ``end`` per shop (finance's attainment rows of level shop): target, done
    so far, attainment, time gone, month-end projection and its attainment."""
    cols = ["platform", "shop_name", "month_target_fen", "month_actual_fen",
            "month_attainment_rate", "time_rate", "month_projected_fen", "month_projected_rate"]
    if attainment is None or not len(attainment):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    month = pd.Timestamp(end).to_period("M").to_timestamp()
    a = attainment[pd.to_datetime(attainment["month"]) == month]
    plat = dict(zip(shops["shop_id"], shops["platform"]))
    d = pd.DataFrame({"platform": [plat.get(e, "") for e in a["entity"]],
                      "shop_id": a["entity"].to_numpy(),
                      "month_target_fen": a["target_fen"].to_numpy(),
                      "month_actual_fen": a["actual_fen"].to_numpy(),
                      "month_attainment_rate": a["attainment_rate"].to_numpy(),
                      "time_rate": (a["days_elapsed"] / a["days_in_month"]).to_numpy(),
                      "month_projected_fen": a["projected_fen"].to_numpy(),
                      "month_projected_rate": a["projected_rate"].to_numpy()})
    d = _named(d, shops)
    return d.sort_values("month_target_fen", ascending=False)[cols].reset_index(drop=True)


def daily_table(shop_days: pd.DataFrame, shops: pd.DataFrame) -> pd.DataFrame:
    """Shop-days of the chart's window: day, platform, shop, paid, orders, buyers, refunds,
    visitors."""
    d = _named(shop_days, shops)
    return d[["sales_date", "platform", "shop_name", "paid_fen", "count_paid_orders",
              "count_buyers", "refund_fen", "visitors"]].reset_index(drop=True)


_SHEETS = {"shops": ("店铺", "Shops"), "platforms": ("平台", "Platforms"),
           "daily": ("每日", "Daily"), "skus": ("畅销商品", "Best sellers"),
           "stock": ("畅销商品库存", "Best sellers' stock"), "anomalies": ("异常", "Anomalies"),
           "target": ("本月目标", "Month target"), "freshness": ("数据新鲜度", "Freshness")}


def excel_sheets(tables: dict, lang: str = "zh") -> dict:
    """The workbook's sheets, named in ``lang``, from ``{key: display table}`` (keys of
    ``_SHEETS``: shops, platforms, daily, skus, stock, anomalies, target, freshness);
    platform codes become their names. Empty tables are kept (with their headers)."""
    out = {}
    for key, df in tables.items():
        if df is None:
            continue
        name = _SHEETS[key][0 if lang == "zh" else 1]
        out[name] = _platforms(df, lang)
    return out


def export_excel(sheets: dict, path, lang: str = "zh"):
    """Write the workbook (:func:`ecomlib.excel.write_tables` with labelled headers, money in
    yuan, rates as percentages, dates as dates, frozen header row and filters)."""
    from .. import excel
    return excel.write_tables(sheets, path, lang=lang)


# ----------------------------------------------------------------------------------------
# the whole report's numbers, for the notebook (and the tests)
# ----------------------------------------------------------------------------------------
#: days of sales that pick the best sellers whose stock is checked
STOCK_WINDOW_DAYS = 28
#: days of history before the period the anomaly checks learn from (a year of weekdays + 8 weeks)
ANOMALY_HISTORY_DAYS = 420
#: the metrics the daily checks watch in the overview
ANOMALY_METRICS = ("paid_fen", "count_paid_orders", "refund_rate", "conversion_rate")
#: a period of at least this many days also gets the monthly charts
MONTHLY_MIN_DAYS = 60
#: the daily chart shows at least this many days (a day alone is no trend)
TREND_MIN_DAYS = 28


def _load_targets(path):
    """``(targets, members)`` of the targets file, read the finance report's way."""
    try:
        from .finance_settings import load_targets
    except ImportError:  # (older layout: the reader lived in finance)
        from .finance import load_targets
    return load_targets(path)


def build(wh, period, shops=(), platforms=(), top_sellers: int = 20,
          low_stock_days: float = 7.0, targets_file: str | None = None,
          output_dir: str = "", lang: str = "zh") -> dict:
    """Every number of the overview for ``period`` (a :class:`ecomlib.periods.Period`) over
    the selected ``shops`` and ``platforms`` (empty: all), as a dict the notebook shows:
    ``windows`` (:func:`~ecomlib.metrics.overview.windows`), ``kpis`` / ``kpis_previous`` /
    ``kpis_year_ago``, ``cards``, ``changes``, ``actions``, ``health`` and ``health_link``,
    ``by_shop`` / ``by_platform``, ``daily`` (the trend's days), ``skus``, ``stock``
    (best sellers' stock), ``checked`` / ``alerts`` (the daily checks of the period's last
    days), ``month`` / ``attainment`` (the month's target), ``fresh`` / ``stale``, and for
    long periods ``monthly`` and ``stock_month_end``."""
    from .. import freshness, periods
    from ..models import anomaly
    from . import channels as ch, channels_queries as cq, finance
    from . import inventory as inv, inventory_queries as iq
    from . import overview as ov, overview_queries as q
    shops, platforms = list(shops or []), list(platforms or [])
    sel = {"shops": shops or None, "platforms": platforms or None}
    r: dict = {"period": period, "lang": lang}
    shop_rows = q.shops(wh, **sel)
    labels = shop_labels(shop_rows, lang)
    first = pd.to_datetime(shop_rows["first_sales_date"]).min() if len(shop_rows) else pd.NaT
    last = periods.latest_complete_day(wh, platforms or None, shops or None)
    w = ov.windows(period.start, period.end, period.previous_start, period.previous_end,
                   period.year_ago_start, period.year_ago_end,
                   None if pd.isna(first) else first, last)
    cov_a, cov_b = w.current
    r.update(shops=shop_rows, labels=labels, windows=w, first_day=first, last_day=last,
             scope=scope_text(shop_rows, shops, platforms, lang),
             period_text=period_text(period.label(lang), w, lang))
    hist_start = min(period.year_ago_start, cov_a - dt.timedelta(days=ANOMALY_HISTORY_DAYS),
                     cov_b.replace(day=1), cov_b - dt.timedelta(days=TREND_MIN_DAYS - 1))
    days = q.shop_days(wh, hist_start, cov_b, **sel)
    cur, prev, yago = (ov.in_days(days, x) for x in (w.current, w.previous, w.year_ago))
    # -- targets (the finance report's file and its attainment rule)
    targets = members = None
    if targets_file:
        try:
            targets, members = _load_targets(targets_file)
        except (FileNotFoundError, KeyError, ValueError):
            targets = members = None
    selling = sorted(set(cur.loc[cur["paid_fen"] > 0, "shop_id"]))
    metric = (str(targets["metric"].iat[0]) if targets is not None and len(targets)
              else "paid_fen")
    extra = () if metric in ov.KPI_METRICS else (metric,)
    r["kpis"] = ov.kpis(cur, extra)
    r["kpis_previous"] = ov.kpis(prev, extra) if w.previous else None
    r["kpis_year_ago"] = ov.kpis(yago, extra) if w.year_ago else None
    target_fen, month, att = None, None, None
    if targets is not None and len(targets) and selling:
        t = targets[(targets["level"] == "shop") & targets["entity"].isin(selling)]
        m = members[(members["level"] == "shop") & members["shop_id"].isin(selling)]
        target_fen = ov.period_target_fen(t, selling, cov_a, cov_b)
        if len(t):
            att = finance.attainment(days[["sales_date", "shop_id", "gmv_fen", "paid_fen",
                                           "refund_fen"]], t, m, cov_b)
            month = ov.month_target(att, cov_b)
    r.update(target_fen=target_fen, target_metric=metric, month=month, attainment=att)
    has_traffic = bool(cur["visitors"].sum() > 0) if len(cur) else False
    traffic_shops = cur.groupby(["platform", "shop_id"])["visitors"].sum() if len(cur) else None
    n_shops = (int((cur.groupby(["platform", "shop_id"])["paid_fen"].sum() > 0).sum())
               if len(cur) else 0)
    n_traffic = int((traffic_shops > 0).sum()) if traffic_shops is not None else 0
    note = (_t(f"只含有流量数据的 {n_traffic} 家店铺", f"the {n_traffic} shop(s) with traffic data",
               lang) if has_traffic and n_traffic < n_shops else "")
    # refunds of orders younger than REFUND_SETTLE_DAYS are still coming in: a period made
    # mostly of such days is not compared on its refund rate (its older comparisons are whole)
    young = sum(1 for i in range(w.covered_days or 0)
                if (period.as_of - (cov_a + dt.timedelta(days=i))).days <= REFUND_SETTLE_DAYS)
    settled = young * 2 <= (w.covered_days or 0)
    r["refunds_settled"], r["refund_young_days"] = settled, young
    r["cards"] = cards(r["kpis"], r["kpis_previous"], r["kpis_year_ago"], w.covered_days or w.days,
                       has_traffic, note, target_fen, metric, month, lang, settled,
                       young_days=young)
    r["has_traffic"] = has_traffic
    r["changes"] = (largest_changes(cur, prev, labels, w.covered_days, refunds_settled=settled)
                    if w.previous else [])
    r["by_shop"] = ov.by_group(cur, prev, yago) if len(cur) else None
    r["by_platform"] = ov.by_group(cur, prev, yago, "platform") if len(cur) else None
    # -- the trend: at least four weeks up to the period's last day
    t0 = max(cov_a if w.covered_days >= TREND_MIN_DAYS
             else cov_b - dt.timedelta(days=TREND_MIN_DAYS - 1),
             first.date() if not pd.isna(first) else cov_a)
    r["trend_days"] = (t0, cov_b)
    r["daily"] = q.daily_by_platform(wh, t0, cov_b, **sel)
    r["daily_shops"] = ov.in_days(days, (t0, cov_b))
    r["campaigns"] = cq.campaigns(wh, t0, cov_b)
    # -- the period's best sellers, with the previous period's paid
    sk = q.sku_sales(wh, cov_a, cov_b, **sel)
    skp = q.sku_sales(wh, *w.previous, **sel) if w.previous else None
    r["skus"] = ov.sku_changes(sk, skp, n=10)
    # -- are the best sellers in stock (the inventory report's own readers and period rows)
    s0 = cov_b - dt.timedelta(days=STOCK_WINDOW_DAYS - 1)
    s28 = iq.sku_daily(wh, s0, cov_b, platforms or None, shops or None)
    st = iq.stock_daily(wh, s0, cov_b)
    prods = iq.products(wh)
    per = inv.sku_period(s28, st, prods, s0, cov_b) if len(s28) or len(st) else \
        pd.DataFrame(columns=["sku", "units_sold", "avg_daily_units", "closing_units",
                              "closing_stock_units"])
    r["stock"] = ov.top_seller_stock(per, s28, prods, st, top_sellers, low_stock_days)
    r["low_stock_days"] = low_stock_days
    # -- the daily checks of the period's last days (yesterday for the daily report)
    c0 = max(cov_a, cov_b - dt.timedelta(days=6))
    r["check_days"] = (c0, cov_b)
    checked = pd.DataFrame()
    if len(days):
        dm = ch.daily_shop_metrics(ov.in_days(days, (hist_start, cov_b)))
        cal = cq.calendar(wh, hist_start, cov_b)["day"]
        phases = ch.campaign_calendar(cal, cq.campaigns(wh, hist_start, cov_b), by_kind=True)
        checked = anomaly.detect(dm, phases, metrics=list(ANOMALY_METRICS),
                                 check_from=pd.Timestamp(c0))
        checked = checked[pd.to_datetime(checked["date"]) <= pd.Timestamp(cov_b)]
    # -- freshness of the selection's exports; a stale shop's days after its last export are
    #    missing, not zero: they are not checked (the freshness action says what to do)
    fresh = freshness.table(wh, period.as_of, platforms or None, shops or None)
    r["fresh"], r["stale"] = fresh, ov.stale_shops(fresh) if len(fresh) else fresh
    if len(checked) and len(r["stale"]):
        last_of = {(x.platform, x.shop_id): pd.Timestamp(x.last_sales_date)
                   for x in r["stale"].itertuples()}
        cut = [last_of.get((pl, sh)) for pl, sh in zip(checked["platform"], checked["shop_id"])]
        keep = [c is None or pd.Timestamp(d) <= c for c, d in zip(cut, checked["date"])]
        checked = checked[keep]
    r["checked"] = checked
    if len(checked):
        a = checked[checked["is_alert"].astype(bool)]
        a = a.assign(_abs=a["score"].abs()).sort_values(["date", "_abs"], ascending=[False, False])
        r["alerts"] = a.drop(columns="_abs").reset_index(drop=True)
    else:
        r["alerts"] = checked
    # -- actions, data health
    r["actions"] = actions(r["stale"], r["stock"], r["alerts"], labels, month, low_stock_days,
                           with_date=c0 != cov_b, lang=lang)
    try:
        checks = rule_failures(wh)
    except Exception:  # noqa: BLE001 - the badge says "not checked", the report goes on
        checks = None
    r["health"] = health_text(checks, lang)
    r["health_link"] = quality_link(output_dir)
    # -- long periods: months and month-end stock
    if w.covered_days >= MONTHLY_MIN_DAYS:
        daily_p = q.daily_by_platform(wh, cov_a, cov_b, **sel)
        r["monthly"] = ov.monthly_by(daily_p, "platform")
        r["daily_period"] = daily_p
        r["campaigns_period"] = cq.campaigns(wh, cov_a, cov_b)
        r["stock_month_end"] = ov.month_end_stock(q.stock(wh, cov_a, cov_b), "category")
    return r


def months_note(r: dict, lang: str = "zh"):
    """Which months of the monthly charts are partial (the period starts or ends inside
    them): their bars hold only the period's days, not a whole month."""
    a, b = r["windows"].current
    part = []
    if a.day != 1:
        part.append(f"{a:%Y-%m}")
    if (b + dt.timedelta(days=1)).day != 1 and f"{b:%Y-%m}" not in part:
        part.append(f"{b:%Y-%m}")
    zh = "每月实付金额按平台堆叠，柱内数字为该平台当月占比。"
    en = "Monthly paid amount stacked by platform, each platform's share inside the bar."
    if part:
        zh += f"{_join(part, 'zh')} 不是整月（只含本期的日子），不要和整月比较。"
        en += (f" {_join(part, 'en')} are not whole months (only the period's days): do not "
               "compare them with whole months.")
    return fmt.md(zh, en, lang)


def summary_html(r: dict) -> str:
    """The 经营摘要 block of :func:`build`'s result: the scope and the period with what it is
    compared with, the cards, the actions and the largest changes, the data-health badge."""
    return S.html(r["scope"], r["period_text"], r["cards"], r["changes"], r["actions"],
                  r["health"], r["lang"], r["health_link"])


#: count columns of the tables (shown with thousands separators, never as 1,234.00)
INT_COLUMNS = ("count_paid_orders", "count_buyers", "buyer_days", "visitors", "units",
               "units_28d", "closing_units", "sales_lag_days")


def show(df: pd.DataFrame, lang: str = "zh"):
    """A table of :func:`tables` as the report shows it (:func:`ecomlib.fmt.table`: labelled
    headers, yuan, percentages, platform names, 是/否)."""
    return fmt.table(df, lang, int_cols=[c for c in df.columns if c in INT_COLUMNS],
                     translate_cols=["platform"], style=True)


def resolve_period(wh, report: str = "overview", period: str = "", as_of: str = "latest",
                   start: str = "", end: str = "", previous_start: str = "",
                   previous_end: str = "", year_ago_start: str = "", year_ago_end: str = "",
                   shops=(), platforms=()):
    """The notebook's period: the runner's resolved days (recorded in the run's manifest)
    when it passed them, else resolved here the runner's way
    (:func:`ecomlib.periods.for_report`: the report's default period, ``as_of`` latest)."""
    from .. import periods
    return periods.from_parameters(wh, report, period, as_of, start, end, previous_start,
                                   previous_end, year_ago_start, year_ago_end, shops, platforms)


def tables(r: dict) -> dict:
    """The report's tables (canonical columns), keyed as :func:`excel_sheets` names them."""
    lang = r["lang"]
    days = r["windows"].covered_days or 1
    out = {
        "shops": shop_table(r["by_shop"], r["shops"], days, r["has_traffic"])
        if r["by_shop"] is not None else None,
        "platforms": shop_table(r["by_platform"], None, days, r["has_traffic"])
        if r["by_platform"] is not None else None,
        "daily": daily_table(r["daily_shops"], r["shops"]),
        "skus": sku_table(r["skus"]),
        "stock": stock_table(r["stock"], lang),
        "anomalies": alert_table(r["alerts"], r["labels"], r["shops"], lang),
        "target": target_table(r["attainment"], r["shops"], r["windows"].current[1]),
        "freshness": freshness_table(r["fresh"]),
    }
    return out
