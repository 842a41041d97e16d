"""The members report (notebooks/members.ipynb): its data in one call (:func:`build_report`),
its 经营摘要 (cards, largest changes, actions), its sentences, charts and Excel workbook.

* Data: :func:`build_report` reads the marts through :mod:`ecomlib.metrics.members_queries`
  and runs the pure functions of :mod:`ecomlib.metrics.members` and the member-value models
  (:mod:`ecomlib.models.clv`); nothing here computes a metric beyond reading a catalogue
  metric over the rows it is given (:func:`ecomlib.metrics.catalogue.value`).
* Sentences: every sentence whose claim depends on the data (larger, smaller, up, down, "the
  model under-forecasts", "cross-platform members spend more") is a function of the numbers
  it talks about, tested with data that says the opposite (tests/test_members_report.py).
  Sentences are :func:`ecomlib.fmt.md` objects in the report's one language.
* No member key is shown anywhere: the win-back list names each member's last order (platform,
  shop, order id, day), which is how a seller finds the buyer in the platform's back office.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, i18n, periods
from . import catalogue

__all__ = [
    "REPORT", "TITLE", "SECTIONS", "CARD_METRICS", "CHANGE_METRICS", "resolve_period", "title",
    "section", "build_report", "cards", "largest_changes", "actions", "health", "view",
    "WINBACK_COLS", "TOP_VALUE_COLS", "winback_sentence", "scope_sentence", "top_value_sentence",
    "excel_tables", "export_excel", "auto_grain", "young_days", "mark_whole_periods", "category_pairs",
    "coupon_text", "cohort_sheet",
    "NEAR_ZERO_CORR", "GOOD_HOLDOUT_ERROR", "MIN_REGION_MEMBERS", "overview_sentence",
    "new_returning_sentence", "repurchase_sentence", "frequency_sentence",
    "interval_sentence", "cohort_sentence", "rfm_sentence", "fit_sentence",
    "holdout_sentence", "value_sentence", "platform_sentence",
    "region_sentence", "basket_sentence", "grouped_bars", "cohort_heatmap",
]

#: |corr(frequency, value)| below this: Gamma-Gamma's independence assumption holds
NEAR_ZERO_CORR = 0.3
#: a holdout total within this relative error counts as a good forecast
GOOD_HOLDOUT_ERROR = 0.10
#: provinces with fewer members are not named for their repurchase rate (too few to compare)
MIN_REGION_MEMBERS = 30


# ----------------------------------------------------------------------------------------
# the report's name, period and sections
# ----------------------------------------------------------------------------------------
REPORT = "members"
#: the report's name (zh, en): the page title is this and the period
TITLE = ("会员分析", "Members")
#: the report's sections: anchor -> (zh, en) heading; the summary's actions link to them
SECTIONS = {
    "win-back": ("流失挽回名单", "Win-back list"),
    "new-returning": ("新会员与老会员", "New and returning members"),
    "repurchase": ("复购率", "Repurchase rate"),
    "frequency": ("购买频次与间隔", "Purchase frequency and intervals"),
    "cohorts": ("首购同期群", "Acquisition cohorts"),
    "rfm": ("RFM 分层", "RFM tiers"),
    "value": ("会员价值（CLV）", "Member value (CLV)"),
    "platforms": ("平台与跨平台会员", "Platforms and cross-platform members"),
    "regions": ("地域画像", "Regions"),
    "baskets": ("商品搭配", "Bought together"),
    "model": ("价值模型的拟合与检验", "How the value model was fitted and checked"),
    "freshness": ("数据时效", "Data freshness"),
}
#: the KPI cards, in order (catalogue metrics)
CARD_METRICS = ("count_members", "count_new", "repurchase_rate", "net_sales_per_member_fen",
                "member_net_share_rate", "sum_clv_fen")
#: the metrics whose moves the summary lists, with the shop or platform that drove them
CHANGE_METRICS = ("count_members", "count_new", "repurchase_rate", "net_sales_per_member_fen",
                  "member_net_sales_fen", "member_net_share_rate")
#: a move smaller than this is not a change worth listing (rates: percentage points)
MIN_MOVE, MIN_RATE_MOVE = 0.05, 0.005
#: a shop or platform with fewer members in either window is not named for a per-member move
MIN_GROUP_MEMBERS = 30
#: days of history a window needs before it for its new members to be new (not old
#: members whose earlier orders predate the warehouse)
NEW_HISTORY_DAYS = 365
#: orders younger than this (days) may still be refunded: net sales of a window made mostly
#: of them are not compared with older windows
YOUNG_DAYS = 30
#: a valuable tier (M high: 重要价值/保持/发展/挽留客户) whose share of members moved at least
#: this much (points) is a change worth listing
MIN_TIER_MOVE = 0.02
VALUABLE_TIERS = ("important_value", "important_keep", "important_develop", "important_retain")
#: rows of the win-back list and of the highest-value members shown on the page
WINBACK_SHOWN, TOP_VALUE_SHOWN, TOP_VALUE_EXCEL = 30, 15, 1000


def _t(zh: str, en: str, lang: str):
    return fmt.md(zh, en, lang)


def _tx(zh: str, en: str, lang: str) -> str:
    return i18n.text(zh, en, lang)


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _day(v) -> str:
    return fmt.date(v) if not fmt.is_missing(v) else fmt.MISSING


def _points(d: float) -> str:
    """A difference of two rates in percentage points (0.016 -> "1.6")."""
    return f"{d * 100:.1f}"


def _compare(a: float, b: float, lang: str, more=("高于", "higher than"), less=("低于", "lower than"),
             same=("等于", "equal to")) -> str:
    word = more if a > b else less if a < b else same
    return word[0] if lang == "zh" else word[1]


def resolve_period(wh, period: str = "", as_of="latest", start: str = "", end: str = "",
                   previous_start: str = "", previous_end: str = "", year_ago_start: str = "",
                   year_ago_end: str = "", shops=None, platforms=None) -> periods.Period:
    """The period the report shows: the runner's resolved days, or resolved the runner's way
    by hand (:func:`ecomlib.periods.from_parameters`; empty ``period``: ``last_12_months``)."""
    return periods.from_parameters(wh, REPORT, period, as_of, start, end, previous_start,
                                   previous_end, year_ago_start, year_ago_end, shops, platforms)


def title(period: periods.Period, lang: str = "zh") -> str:
    """``会员分析 · 近12个月 2025-01-01 至 2025-12-31``: the report's name and its period."""
    return f"{_tx(*TITLE, lang)} · {period.label(lang)}"


def section(anchor: str, lang: str = "zh", number: int | None = None) -> fmt.Heading:
    """The ``<h2>`` of a section of :data:`SECTIONS`, with its anchor (the summary's links
    point to it)."""
    zh, en = SECTIONS[anchor]
    pre = f"{number}. " if number else ""
    return fmt.heading(pre + zh, pre + en, lang, 2, anchor)


def auto_grain(period: periods.Period, grain: str = "") -> str:
    """The grain of the new-vs-returning table: as given, else weeks for a period of up to
    92 days and months for a longer one."""
    if grain:
        return grain
    return "week" if period.days <= 92 else "month"


def mark_whole_periods(nv: pd.DataFrame, grain: str, start, end) -> pd.DataFrame:
    """``nv`` (rows of ``members_queries.new_vs_returning``) with ``count_days`` (days of each
    week, month or quarter inside ``start`` .. ``end``, the days with data) and
    ``is_whole_period`` (all of its days are): a cut period is never read as a whole one."""
    out = nv.copy()
    if out.empty:
        return out.assign(count_days=pd.Series(dtype="int64"),
                          is_whole_period=pd.Series(dtype="bool"))
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    ps = pd.to_datetime(out["period_start"])
    step = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1),
            "quarter": pd.DateOffset(months=3)}[grain]
    pe = pd.Series([p + step - pd.Timedelta(days=1) for p in ps], index=out.index)
    lo = ps.where(ps > a, a)
    hi = pe.where(pe < b, b)
    full = (pe - ps).dt.days + 1
    out["count_days"] = ((hi - lo).dt.days + 1).clip(lower=0).astype("int64")
    out["is_whole_period"] = (out["count_days"] == full).astype(bool)
    return out


# -- header ------------------------------------------------------------------------------------------
def scope_sentence(R: dict, shops=None, platforms=None, lang: str = "zh"):
    """The selection under the title: platforms and shops by name, or all."""
    names = R.get("names", {})
    sep = "、" if lang == "zh" else ", "
    sh = sep.join(names.get(s, s) for s in shops) if shops else _tx("全部店铺", "all shops", lang)
    pl = sep.join(i18n.label(p, lang) for p in platforms) if platforms \
        else _tx("全部平台", "all platforms", lang)
    return _t(f"范围：{pl} · {sh}。金额为元，日期为北京时间。",
              f"Scope: {pl} · {sh}. Money in CNY, dates in Beijing time.", lang)


def overview_sentence(summary: pd.DataFrame, rep: pd.DataFrame, start, end, lang: str = "zh"):
    """What the sections read: the members who bought in the period and its repurchase rate
    (``rep``: the one row of ``members_queries.repurchase_rate``), and the members who bought
    up to the end (``summary``), whom RFM, P(active) and CLV score."""
    n = len(summary)
    r = rep.iloc[0]
    rate = catalogue.value("repurchase_rate", rep)
    return _t(f"期内（{_day(start)} 至 {_day(end)}）有付款的会员 **{int(r.count_members):,}** 位，期内复购率 "
              f"**{fmt.pct(rate)}**（期内 2 单及以上的会员 / 有 1 单及以上的会员）。新老会员、复购、同期群、平台、地域和"
              f"搭配只看期内的付款订单；RFM 分层、仍活跃概率和未来价值看截至期末的全部 **{n:,}** 位会员。",
              f"**{int(r.count_members):,}** members paid in the period ({_day(start)} to {_day(end)}); its "
              f"repurchase rate is **{fmt.pct(rate)}** (members with 2+ paid orders / members with 1+). New and "
              f"returning members, repurchase, cohorts, platforms, regions and baskets read the period's paid "
              f"orders; RFM tiers, P(active) and future value score all **{n:,}** members up to the period's end.",
              lang)


# -- 1. new and returning ---------------------------------------------------------------------------------
def new_returning_sentence(nv: pd.DataFrame, period: str, lang: str = "zh", short_history: bool = False):
    """Who carries the members' sales over the period: the returning members' share of the
    members' paid amount (the catalogue's returning_paid_share_rate over every period's
    rows), more or less than half; and the whole period (``is_whole_period`` when given)
    that brought the most new members; a period cut by the report's days is named as such.
    ``short_history``: the warehouse's history before the period is shorter than a year, so
    members who bought before it count as new in its first periods (said only then)."""
    if nv.empty or int(nv["count_members"].sum()) == 0:
        return _t("期内没有付款订单，没有新老会员可看。",
                  "No paid orders in the period, so no new or returning buyers.", lang)
    share = catalogue.value("returning_paid_share_rate", nv)
    whole = nv[nv["is_whole_period"]] if "is_whole_period" in nv.columns else nv
    pool = whole if len(whole) else nv
    top = pool.sort_values(["count_new", "period_start"], ascending=[False, True]).iloc[0]
    fmt_p = "%Y-%m" if period == "month" else "%Y-%m-%d"
    when = pd.Timestamp(top["period_start"]).strftime(fmt_p)
    unit = {"week": ("周", "week"), "month": ("月", "month"), "quarter": ("季度", "quarter")}[period]
    if share > 0.5:
        who = ("老会员撑起了期内会员实付的大部分", "returning members carry most of the members' paid amount")
    elif share < 0.5:
        who = ("新会员贡献了期内会员实付的大部分", "new members bring most of the members' paid amount")
    else:
        who = ("新老会员各占期内会员实付的一半", "new and returning members pay half each")
    zh = (f"每{unit[0]}的付款会员分为新会员（第一次购买落在当{unit[0]}）和老会员（之前买过）。{who[0]}：老会员占 "
          f"**{fmt.pct(share)}**。新会员最多的是 {when}（{int(top['count_new']):,} 位）。")
    en = (f"Paying members per {unit[1]} split into new (first purchase in that {unit[1]}) and returning "
          f"(bought before): {who[1]} (returning: **{fmt.pct(share)}**). The most new members came in {when} "
          f"({int(top['count_new']):,}).")
    cut = nv[~nv["is_whole_period"]] if "is_whole_period" in nv.columns else nv.iloc[0:0]
    if len(cut):
        days = "、".join(f"{pd.Timestamp(r.period_start).strftime(fmt_p)}（{int(r.count_days)} 天）"
                         for r in cut.itertuples())
        days_en = ", ".join(f"{pd.Timestamp(r.period_start).strftime(fmt_p)} ({int(r.count_days)} days)"
                            for r in cut.itertuples())
        zh += f"不完整的{unit[0]}只含报告期内的天数，不能当整{unit[0]}比较：{days}。"
        en += f" Cut {unit[1]}s hold only the report's days and are not whole {unit[1]}s: {days_en}."
    if short_history:
        zh += "注意：报告期之前的历史不足一年，之前买过、但在仓库历史开始前买的会员会被算作新会员。"
        en += (" Note: the history before the period is shorter than a year, so members whose earlier "
               "orders predate the warehouse count as new.")
    return _t(zh, en, lang)


# -- 2. repurchase ------------------------------------------------------------------------------------------
def repurchase_sentence(roll: pd.DataFrame, window_days: int, lang: str = "zh"):
    """The latest window's 复购率 and whether it rose or fell since the first window of the
    report (both with buyers; 'flat' when equal)."""
    defs = (f"复购率 = 窗口内有 2 单及以上付款订单的会员 / 有 1 单及以上的会员；窗口为每个月末往前 {window_days} 天。",
            f"Repurchase rate = members with 2+ paid orders in the window / members with 1+, over the "
            f"{window_days} days up to each month end. ")
    known = roll.dropna(subset=["repurchase_rate"])
    if known.empty:
        return _t(defs[0] + "期内没有付款订单。", defs[1] + "No paid orders in the period.", lang)
    first, last = known.iloc[0], known.iloc[-1]
    a, b = float(first["repurchase_rate"]), float(last["repurchase_rate"])
    end = fmt.date(last["window_end"])
    if len(known) == 1:
        return _t(defs[0] + f"截至 {end} 的窗口为 **{fmt.pct(b)}**。",
                  defs[1] + f"The window to {end} stands at **{fmt.pct(b)}**.", lang)
    start = fmt.date(first["window_end"])
    if b < a:
        trend = (f"比 {start} 的 {fmt.pct(a)} 下降了 {_points(a - b)} 个百分点：回购的会员在变少，流失挽回名单列出该召回谁。",
                 f"down from {fmt.pct(a)} at {start} by {_points(a - b)} points: fewer members come back; the "
                 f"win-back list shows whom to call.")
    elif b > a:
        trend = (f"比 {start} 的 {fmt.pct(a)} 上升了 {_points(b - a)} 个百分点：回购的会员在变多。",
                 f"up from {fmt.pct(a)} at {start} by {_points(b - a)} points: more members come back.")
    else:
        trend = (f"与 {start} 持平。", f"the same as at {start}.")
    return _t(defs[0] + f"最近一个窗口（截至 {end}）为 **{fmt.pct(b)}**，{trend[0]}",
              defs[1] + f"The latest window (to {end}) stands at **{fmt.pct(b)}**, {trend[1]}", lang)


# -- 3. frequency and intervals -----------------------------------------------------------------------------
def frequency_sentence(freq: pd.DataFrame, lang: str = "zh"):
    """One-order members against the rest (``members.frequency_distribution``): their share of
    members and of paid amount, and whether the repeat members bring more of the money than
    their share of heads."""
    n = int(freq["count_members"].sum())
    if n == 0:
        return _t("没有付款会员。", "No paying members.", lang)
    one = freq.iloc[0]
    m1, p1 = float(one["members_share_rate"]), float(one["paid_share_rate"])
    mr, pr = 1 - m1, (1 - p1 if not _nan(p1) else float("nan"))
    most = (("占多数", "are the majority") if m1 > 0.5 else ("占一半", "are half")
            if m1 == 0.5 else ("不到一半", "are not the majority"))
    if _nan(pr):
        money = ("", "")
    elif pr > mr:
        money = (f"买过 2 单及以上的会员占 {fmt.pct(mr)}，却贡献了 **{fmt.pct(pr)}** 的实付：多次购买的会员人均花得更多。",
                 f"members with 2+ orders are {fmt.pct(mr)} of members but bring **{fmt.pct(pr)}** of the paid "
                 f"amount: repeat members spend more per head.")
    else:
        money = (f"买过 2 单及以上的会员占 {fmt.pct(mr)}，贡献了 **{fmt.pct(pr)}** 的实付：并不比人数占比高。",
                 f"members with 2+ orders are {fmt.pct(mr)} of members and bring **{fmt.pct(pr)}** of the paid "
                 f"amount: no more than their share of heads.")
    return _t(f"截至期末，会员按累计付款订单数分组：一单会员{most[0]}（{fmt.pct(m1)}），贡献 {fmt.pct(p1)} 的实付；" + money[0],
              f"Members by paid orders up to the period end: one-order members {most[1]} ({fmt.pct(m1)}) and "
              f"bring {fmt.pct(p1)} of the paid amount; " + money[1], lang)


def interval_sentence(iv: pd.DataFrame, lang: str = "zh"):
    """The most common first-to-second purchase gap (``members.interval_distribution``) and
    its share: when a reminder should go out."""
    if int(iv["count_intervals"].sum()) == 0:
        return _t("期内没有复购，没有购买间隔可看。", "No repeat purchases in the period, so no intervals.", lang)
    head = ("两次购买（按天）之间隔了多少天：首购到二购的间隔决定了回访提醒该在什么时候发；之后各次的间隔反映常客的补货节奏。",
            "Days between two purchase days of a member: the first-to-second gap tells when a reminder should go "
            "out; later gaps show the regulars' restocking rhythm. ")
    sec = iv.dropna(subset=["to_second_rate"])
    if sec.empty or float(sec["to_second_rate"].max()) == 0:
        return _t(head[0] + "期内没有第二次购买。", head[1] + "No second purchases in the period.", lang)
    top = sec.loc[sec["to_second_rate"].idxmax()]
    return _t(head[0] + f"最常见的首购到二购间隔为 **{top['interval_bucket']} 天**（占 {fmt.pct(top['to_second_rate'])}）。",
              head[1] + f"The most common first-to-second gap is **{top['interval_bucket']} days** "
              f"({fmt.pct(top['to_second_rate'])}).", lang)


# -- 4. cohorts ---------------------------------------------------------------------------------------------
def cohort_sentence(coh: pd.DataFrame, lang: str = "zh"):
    """Which cohort kept its members best and worst one month after the first purchase
    (retention at months_since = 1, cohorts observed that long)."""
    head = ("每行是在同一个月首购的会员，格子是其中第 k 个月又来购买的比例（第 0 个月为 100%）。颜色越深留存越好。",
            "Each row is the members whose first purchase fell in that month; a cell is the share of them who "
            "bought again k months later (month 0 is 100%). Darker is better. ")
    if coh.empty:
        return _t("期内没有首购会员，没有同期群。", "No first purchases in the period, so no cohorts.", lang)
    m1 = coh[(coh["months_since"] == 1) & (coh["cohort_size"] > 0)]
    if len(m1) < 2:
        return _t(head[0] + "观察期不足两个同期群的次月留存，暂不比较。",
                  head[1] + "Fewer than two cohorts have a month after their first yet: nothing to compare.", lang)
    m1 = m1.sort_values(["retention_rate", "cohort_month"], ascending=[False, True])
    best, worst = m1.iloc[0], m1.iloc[-1]
    b, w = pd.Timestamp(best["cohort_month"]).strftime("%Y-%m"), pd.Timestamp(worst["cohort_month"]).strftime("%Y-%m")
    if best["retention_rate"] == worst["retention_rate"]:
        return _t(head[0] + f"各同期群的次月留存都是 {fmt.pct(best['retention_rate'])}。",
                  head[1] + f"Every cohort keeps {fmt.pct(best['retention_rate'])} in its next month.", lang)
    return _t(head[0] + f"次月留存最高的是 {b} 首购的会员（**{fmt.pct(best['retention_rate'])}**），最低的是 {w}（{fmt.pct(worst['retention_rate'])}）。",
              head[1] + f"The next-month retention is highest for the {b} cohort (**{fmt.pct(best['retention_rate'])}**) "
              f"and lowest for {w} ({fmt.pct(worst['retention_rate'])}).", lang)


# -- 5. RFM ------------------------------------------------------------------------------------------------
def rfm_sentence(tiers: pd.DataFrame, thresholds: dict, lang: str = "zh"):
    """The thresholds used and the tier holding the largest share of net sales, with its
    share of members (``members.rfm_tiers``)."""
    th = thresholds
    head = (f"R = 距上次购买天数（≤ {th['recency_days']:.0f} 天为高），F = 累计付款订单数（≥ {th['frequency_orders']:.1f} 单为高），"
            f"M = 累计净销售额（实付 − 退款，≥ {fmt.yuan(th['monetary_fen'])} 为高）；未指定的门槛取会员平均值。",
            f"R = days since the last purchase (high when <= {th['recency_days']:.0f}), F = paid orders (high when "
            f">= {th['frequency_orders']:.1f}), M = net sales (paid - refunds, high when >= "
            f"{fmt.yuan(th['monetary_fen'], 'en')}); thresholds not given are the members' mean. ")
    if int(tiers["count_members"].sum()) == 0:
        return _t(head[0], head[1], lang)
    top = tiers.sort_values(["net_sales_share_rate", "count_members"], ascending=False).iloc[0]
    big = tiers.sort_values(["count_members", "net_sales_share_rate"], ascending=False).iloc[0]
    return _t(head[0] + f"净销售额最多的是{i18n.label(top['tier'], 'zh')}：占会员 {fmt.pct(top['members_share_rate'])}、"
              f"净销售额 **{fmt.pct(top['net_sales_share_rate'])}**；人数最多的是{i18n.label(big['tier'], 'zh')}"
              f"（{fmt.pct(big['members_share_rate'])}）。",
              head[1] + f"The most net sales come from {i18n.label(top['tier'], 'en')}: "
              f"{fmt.pct(top['members_share_rate'])} of members, **{fmt.pct(top['net_sales_share_rate'])}** of net "
              f"sales; the largest tier by members is {i18n.label(big['tier'], 'en')} "
              f"({fmt.pct(big['members_share_rate'])}).", lang)


# -- 6. member value -------------------------------------------------------------------------------------
def fit_sentence(bg, gg, end, lang: str = "zh"):
    """How the models were fitted, and whether Gamma-Gamma's assumption (spend independent
    of frequency) holds: |corr(frequency, value)| below :data:`NEAR_ZERO_CORR`."""
    secs = bg.fit_seconds_ + (gg.fit_seconds_ if gg else 0)
    head = (f"BG/NBD 模型（购买次数）与 Gamma-Gamma 模型（客单）用截至 {end} 的 {bg.n_members_:,} 位会员按最大似然拟合"
            f"（时间单位：周；拟合用时 {secs:.2f} 秒）。r、α 描述购买频率的分布，a、b 描述每次购买后流失概率的分布。",
            f"BG/NBD (purchase counts) and Gamma-Gamma (spend per purchase) fitted by maximum likelihood on "
            f"{bg.n_members_:,} members up to {end} (time unit: week; fit took {secs:.2f} s). r/alpha describe how "
            f"often members buy, a/b how likely they drop out after a purchase. ")
    if gg is None:
        return _t(head[0], head[1], lang)
    c = float(gg.corr_frequency_value_)
    if _nan(c):
        tail = ("复购会员太少，无法检验频次与客单的相关性。", "Too few repeat members to check frequency against spend.")
    elif abs(c) < NEAR_ZERO_CORR:
        tail = (f"频次与客单的相关系数为 {c:.2f}，接近 0：Gamma-Gamma 的假设（客单与频次无关）成立。",
                f"The correlation of frequency and spend is {c:.2f}, near 0: Gamma-Gamma's assumption (spend "
                f"independent of frequency) holds.")
    else:
        tail = (f"频次与客单的相关系数为 {c:.2f}，不接近 0：客单与频次相关，Gamma-Gamma 的客单预测要谨慎看。",
                f"The correlation of frequency and spend is {c:.2f}, far from 0: spend depends on frequency, so "
                f"read Gamma-Gamma's spend forecast with care.")
    return _t(head[0] + tail[0], head[1] + tail[1], lang)


def holdout_sentence(ho: pd.DataFrame, cal_end, holdout_days: int, lang: str = "zh"):
    """The out-of-sample check (``clv.holdout_by_frequency``, its ``all`` row): predicted
    against actual purchase days, whether the model under- or over-forecasts, and whether
    the error is within :data:`GOOD_HOLDOUT_ERROR`."""
    tot = ho.set_index("frequency_bucket").loc["all"]
    p, a, err = float(tot["predicted_total"]), float(tot["actual_total"]), tot["error_rate"]
    head = (f"**样本外检验**：只用 {cal_end} 及以前的数据拟合，预测之后 {holdout_days} 天每位会员的复购天数，再与实际对比："
            f"合计预测 {p:,.0f} 次、实际 {a:,.0f} 次",
            f"**Out of sample**: fitted on data up to {cal_end} only, the model predicts each member's purchase "
            f"days in the next {holdout_days} days; compared with what happened: {p:,.0f} predicted vs "
            f"{a:,.0f} actual")
    if _nan(err):
        return _t(head[0] + "（留存期没有购买，无法计算误差）。", head[1] + " (no purchases in the holdout: no error to compute).", lang)
    way = ("高估", "over-forecasts") if err > 0 else ("低估", "under-forecasts") if err < 0 else ("恰好命中", "matches")
    good = abs(err) <= GOOD_HOLDOUT_ERROR
    verdict = ((f"误差在 ±{fmt.pct(GOOD_HOLDOUT_ERROR, 0)} 以内，总量可信。", f"within ±{fmt.pct(GOOD_HOLDOUT_ERROR, 0)}: the total can be trusted.")
               if good else
               (f"误差超过 ±{fmt.pct(GOOD_HOLDOUT_ERROR, 0)}，用预测值做计划时要留余量。",
                f"beyond ±{fmt.pct(GOOD_HOLDOUT_ERROR, 0)}: leave a margin when planning with it."))
    return _t(head[0] + f"，模型{way[0]} {fmt.pct(abs(err))}，{verdict[0]}按校准期复购次数分组，两根柱子越接近，模型对这一类会员越可信。",
              head[1] + f": the model {way[1]} by {fmt.pct(abs(err))}, {verdict[1]} The closer the bars in a group, "
              f"the more the model can be trusted for that kind of member.", lang)


def value_sentence(vt: pd.DataFrame, horizon_months: int, monthly_discount_rate: float,
                   margin_rate: float, lang: str = "zh"):
    """Total CLV (``members.value_by_tier`` summed), the tier holding the most of it, and
    the win-back tier: of the tiers whose CLV per member is above all members', the one with
    the lowest share expected alive (catalogue mean_p_alive_rate)."""
    head = (f"未来 {horizon_months} 个月的预期价值（CLV，按月 {fmt.pct(monthly_discount_rate)} 折现，计入实付的 "
            f"{fmt.pct(margin_rate, 0)}），按 RFM 分层汇总",
            f"Expected value of the next {horizon_months} months (CLV, discounted at "
            f"{fmt.pct(monthly_discount_rate)} a month, counting {fmt.pct(margin_rate, 0)} of paid amount), by RFM tier")
    live = vt[vt["count_members"] > 0].dropna(subset=["sum_clv_fen"])
    total = float(live["sum_clv_fen"].sum())
    if live.empty:
        return _t(head[0] + "：没有可评分的会员。", head[1] + ": no member to score.", lang)
    top = live.sort_values("sum_clv_fen", ascending=False).iloc[0]
    per_all = catalogue.value("mean_clv_fen", live)
    rich = live[live["mean_clv_fen"] > per_all]
    s_zh = (f"：合计 **{fmt.wan(total, 'zh')}**，最多的一层是{i18n.label(top['tier'], 'zh')}"
            f"（{fmt.wan(top['sum_clv_fen'], 'zh')}）。")
    s_en = (f": **{fmt.wan(total, 'en')}** in all, most of it in {i18n.label(top['tier'], 'en')} "
            f"({fmt.wan(top['sum_clv_fen'], 'en')}).")
    if rich.empty:
        return _t(head[0] + s_zh, head[1] + s_en, lang)
    low = rich.sort_values(["mean_p_alive_rate", "tier"]).iloc[0]
    return _t(head[0] + s_zh + f"人均 CLV 高于全体（{fmt.yuan(per_all)}）的层里，{i18n.label(low['tier'], 'zh')}的平均仍活跃概率最低"
              f"（{fmt.pct(low['mean_p_alive_rate'])}，人均 {fmt.yuan(low['mean_clv_fen'])}）：召回最值得做在这一层。",
              head[1] + s_en + f" Of the tiers worth more per member than all members ({fmt.yuan(per_all, 'en')}), "
              f"{i18n.label(low['tier'], 'en')} has the lowest average P(active) ({fmt.pct(low['mean_p_alive_rate'])}, "
              f"{fmt.yuan(low['mean_clv_fen'], 'en')} per member): win-back pays most there.", lang)


# -- 7. the win-back list --------------------------------------------------------------------------------
def winback_sentence(wb: pd.DataFrame, max_p_alive: float, shown: int = WINBACK_SHOWN,
                     lang: str = "zh"):
    """The win-back list (:func:`ecomlib.metrics.members.winback_list`): its bar (net sales
    at least the list's ``min_net_sales_fen``, P(active) at most ``max_p_alive``), how many
    members it holds and what they spent, and how to work through it without member keys."""
    bar_zh = fmt.yuan(wb.attrs.get("min_net_sales_fen"), "zh")
    bar_en = fmt.yuan(wb.attrs.get("min_net_sales_fen"), "en")
    p = fmt.pct(max_p_alive, 0)
    if wb.empty:
        return _t(f"没有累计净销售额 ≥ {bar_zh} 且仍活跃概率 ≤ {p} 的会员：今天没有需要召回的会员。",
                  f"No member with net sales >= {bar_en} and P(active) <= {p}: nobody to win back today.", lang)
    n, total = len(wb), float(wb["net_sales_fen"].sum())
    more_zh = f"下表按过去价值列出前 {shown} 位，" if n > shown else "下表列出全部，"
    more_en = f"The table lists the first {shown} by past value; " if n > shown else "The table lists all of them; "
    return _t(f"过去买得多（累计净销售额 ≥ {bar_zh}）但模型认为大概率不会再来（仍活跃概率 ≤ {p}）的会员共 **{n:,}** 位，"
              f"过去累计消费 **{fmt.wan(total)}**。名单不含会员编号：按「最近订单号」在对应平台和店铺的后台找到买家，"
              f"再按「建议动作」回访或发券（券按该会员的单均消费定）。{more_zh}完整名单在 Excel「流失挽回名单」页，"
              f"可直接交给客服逐个跟进。仍活跃概率是相对于会员自己的购买节奏：平时 10 天买一次、两个月没来的常客也会被列入。",
              f"**{n:,}** members spent a lot (net sales >= {bar_en}) but have probably stopped buying (P(active) "
              f"<= {p}); they spent **{fmt.wan(total, 'en')}** in all. The list holds no member key: find the buyer "
              f"in the platform's back office by the last order id, then follow the suggested action (the coupon is "
              f"sized to the member's own order value). {more_en}the full list is on the Excel sheet \"Win-back "
              f"list\", ready for customer service. P(active) is relative to the member's own rhythm: a regular who "
              f"bought every 10 days and has been silent for two months is listed too.", lang)


def top_value_sentence(n: int, lang: str = "zh"):
    """What the highest-value list is for."""
    return _t(f"预计未来价值最高的 {n} 位会员（按最近订单号在平台后台查找；Excel「高价值会员」页有前 {TOP_VALUE_EXCEL:,} 位）："
              f"新品、预售和会员活动优先邀请他们。",
              f"The {n} members of highest expected value (find them by the last order id; the Excel sheet \"Top "
              f"members\" holds the first {TOP_VALUE_EXCEL:,}): invite them first to launches, presales and member "
              f"events.", lang)


# -- 8. platforms ------------------------------------------------------------------------------------------
def platform_sentence(split: pd.DataFrame, lang: str = "zh"):
    """Cross-platform members (``members.cross_platform_split``): how many, their share, and
    whether they pay more or less per head than single-platform members."""
    s = split.set_index("kind")
    cross, single = s.loc["cross"], s.loc["single"]
    n = int(cross["count_members"])
    head = (f"同一会员编号在多个平台购买即为跨平台会员（身份信息能对上，例如手机号）：期内共 {n:,} 位，占 {fmt.pct(cross['members_share_rate'])}。",
            f"A member buying on several platforms under the same key (the identity matched, e.g. a phone number) "
            f"is cross-platform: {n:,} in the period, {fmt.pct(cross['members_share_rate'])} of members. ")
    if n == 0 or int(single["count_members"]) == 0:
        return _t(head[0], head[1], lang)
    a, b = float(cross["paid_per_member_fen"]), float(single["paid_per_member_fen"])
    return _t(head[0] + f"跨平台会员人均实付 {fmt.yuan(a)}，{_compare(a, b, 'zh')}单平台会员的 {fmt.yuan(b)}。",
              head[1] + f"They paid {fmt.yuan(a, 'en')} per head, {_compare(a, b, 'en')} single-platform members' "
              f"{fmt.yuan(b, 'en')}.", lang)


# -- 9. regions -------------------------------------------------------------------------------------------
def region_sentence(prov: pd.DataFrame, lang: str = "zh", min_members: int = MIN_REGION_MEMBERS):
    """The province paying the most (its share of paid) and, among provinces with at least
    ``min_members`` members, the one with the highest repurchase rate."""
    head = ("会员所在地取其期内最近一笔付款订单的收货省市。",
            "A member's region is the delivery province/city of their latest paid order in the period. ")
    if prov.empty:
        return _t("期内没有付款会员。", "No paying members in the period.", lang)
    top = prov.iloc[0]  # region_table ranks by paid
    share = float(top["paid_fen"]) / float(prov["paid_fen"].sum()) if prov["paid_fen"].sum() else float("nan")
    s_zh = f"实付最多的是{i18n.label(top['province'], 'zh')}（占 **{fmt.pct(share)}**）。"
    s_en = f"{i18n.label(top['province'], 'en')} pays the most (**{fmt.pct(share)}** of the paid amount). "
    big = prov[(prov["count_members"] >= min_members) & (prov["province"] != "unknown")].dropna(subset=["repurchase_rate"])
    if len(big) < 2:
        return _t(head[0] + s_zh, head[1] + s_en, lang)
    rep = big.sort_values(["repurchase_rate", "count_members"], ascending=False).iloc[0]
    overall = catalogue.value("repurchase_rate", prov)
    return _t(head[0] + s_zh + f"会员不少于 {min_members} 位的省份里，复购率最高的是{i18n.label(rep['province'], 'zh')}"
              f"（{fmt.pct(rep['repurchase_rate'])}，全体为 {fmt.pct(overall)}）。",
              head[1] + s_en + f"Of provinces with {min_members}+ members, {i18n.label(rep['province'], 'en')} has the "
              f"highest repurchase rate ({fmt.pct(rep['repurchase_rate'])}; all members: {fmt.pct(overall)}).", lang)


# -- 10. baskets --------------------------------------------------------------------------------------------
def basket_sentence(counts: dict, pairs: pd.DataFrame, min_orders: int, lang: str = "zh"):
    """How many paid orders are baskets (2+ lines) and the pair bought together most above
    chance (the first of ``members.basket_pairs``, by lift)."""
    n, b = counts["count_paid_orders"], counts["count_baskets"]
    if n == 0:
        return _t("期内没有付款订单。", "No paid orders in the period.", lang)
    if pairs.empty:
        return _t(f"期内 {n:,} 笔付款订单中有 {b:,} 笔含 2 行及以上，没有哪对商品同单出现 {min_orders} 次以上。",
                  f"Of {n:,} paid orders, {b:,} have 2+ lines; no pair of SKUs appears together in {min_orders}+ "
                  f"orders.", lang)
    p = pairs.iloc[0]

    def name(side: str) -> str:  # the product's name, else the item (a SKU or category)
        n = p.get(f"name_{side}")
        return n if isinstance(n, str) and n else str(p[f"item_{side}"])
    lift = float(p["lift"])
    more = (f"是偶然同买的 {lift:.2f} 倍，适合做套装或搭配推荐" if lift > 1 else f"提升度 {lift:.2f}，不高于偶然同买")
    more_en = (f"{lift:.2f} times as often as chance: a bundle or cross-sell candidate" if lift > 1
               else f"lift {lift:.2f}, no more than chance")
    share = b / n
    return _t(f"只看含 2 行及以上的付款订单（{b:,} 笔，占 {fmt.pct(share)}）。支持度 = 同时含两件商品的订单占比；置信度 A→B = 买 A 的订单里也买 B 的比例；"
              f"提升度 > 1 说明两者一起买的次数多于偶然。同单最突出的是「{name('a')}」与「{name('b')}」（{int(p['count_pair_orders']):,} 单）：{more}。",
              f"Over paid orders with 2+ lines ({b:,}, {fmt.pct(share)} of paid orders). Support = share of those "
              f"orders holding both; confidence A→B = share of orders with A that also hold B; lift > 1 means they "
              f"go together more often than chance. The strongest pair is \u201c{name('a')}\u201d with "
              f"\u201c{name('b')}\u201d ({int(p['count_pair_orders']):,} orders): {more_en}.", lang)


# -- charts ---------------------------------------------------------------------------------------------
def grouped_bars(df: pd.DataFrame, x: str, ys: list[str], title: str | None = None,
                 lang: str = "zh", ylabel: str | None = None, figsize=(10, 3.8), annotate: bool = True):
    """Vertical bars of several columns side by side per ``x`` value (e.g. actual vs
    predicted per frequency bucket, share of members vs share of net sales per tier).
    Columns ending in ``_rate`` draw on a percent axis, ``_fen`` in yuan."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from .. import plots
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
    """Heatmap of ``members.cohort_matrix`` (rows: cohort month, columns: months since first
    purchase). ``kind`` ``rate`` labels cells as percentages, ``money`` (fen) as yuan."""
    from matplotlib.figure import Figure

    from .. import plots
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
    ax.imshow(np.ma.masked_invalid(shown), aspect="auto", cmap="Blues", vmin=0, vmax=vmax)
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


# ----------------------------------------------------------------------------------------
# the report's data in one call (the notebook stays thin)
# ----------------------------------------------------------------------------------------
def _windows(P: periods.Period, first, last) -> dict:
    """The days the figures read: the period up to the data's end (``eff_end``; a period
    running past it is ``incomplete`` and its comparisons are cut to as many days), the 环比
    and 同比 windows (None when the data start after them)."""
    day = pd.Timedelta(days=1)
    start, end = pd.Timestamp(P.start), pd.Timestamp(P.end)
    eff_end = min(end, last) if last is not None else end
    incomplete = last is not None and last < end
    covered = max((eff_end - start).days + 1, 0)
    n = covered if incomplete else P.days

    def cut(a, b):  # the whole comparison period, or as many days as the period has data
        a = pd.Timestamp(a)
        if first is None or first > a:
            return None
        return a, (min(pd.Timestamp(b), a + (n - 1) * day) if incomplete else pd.Timestamp(b))
    return {"start": start, "end": end, "eff_end": eff_end, "incomplete": incomplete,
            "covered_days": covered, "data_start": first, "data_end": last,
            "previous": cut(P.previous_start, P.previous_end),
            "year_ago": cut(P.year_ago_start, P.year_ago_end)}


def young_days(start, end, as_of, young: int = YOUNG_DAYS) -> int:
    """Days of ``start`` .. ``end`` (inclusive) whose orders are younger than ``young`` days
    on ``as_of`` (``(as_of - day).days < young``): their refunds are still coming in. The
    report holds back net-sales comparisons when they are more than half of the period's
    days with data (as the finance report). ``young_days("2025-11-01", "2025-11-30",
    "2025-12-16") == 14`` (Nov 17..30)."""
    a, b, t = pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(as_of)
    if b < a:
        return 0
    first_young = t - pd.Timedelta(days=young - 1)
    lo = max(a, first_young)
    return max((b - lo).days + 1, 0)


def _level(rows: pd.DataFrame | None, level: str = "all") -> pd.DataFrame | None:
    if rows is None:
        return None
    return rows[rows["level"] == level].reset_index(drop=True)


def build_report(wh, period: periods.Period, shops: Sequence[str] | None = None,
                 platforms: Sequence[str] | None = None, grain: str = "",
                 repurchase_window_days: int = 90, rfm_recency_days: float | None = None,
                 rfm_frequency_orders: float | None = None, rfm_monetary_fen: float | None = None,
                 holdout_days: int = 180, clv_horizon_months: int = 12,
                 clv_monthly_discount_rate: float = 0.01, clv_margin_rate: float = 1.0,
                 churn_max_p_alive: float = 0.3, churn_min_net_sales_fen: float | None = None,
                 winback_max_days: int | None = 365, winback_coupon_rate: float = 0.10,
                 cohort_months: int = 12,
                 basket_min_orders: int = 10, lang: str = "zh") -> dict:
    """Every table, the summary and the actions of the members report for ``period``.

    Returns a dict: ``period``, ``names`` (shop id -> name); the windows (:func:`_windows`:
    ``start``, ``eff_end``, ``incomplete``, ``covered_days``, ``previous``, ``year_ago``);
    ``kpi`` (``members/window_kpis`` rows of the current, previous and year-ago windows),
    ``new_ok`` (whether each window has a year of history before it, so that its new members
    are new), ``young`` (most of the period's orders are younger than :data:`YOUNG_DAYS`:
    refunds are still coming in); ``summary`` (members up to the end), ``scored`` (with
    P(active), CLV and RFM tier), ``bg``/``gg``/``fit_note``, ``rfm``, ``tiers``,
    ``thresholds``; ``clv`` (the CLV total at the end of each window), ``tier_moves``,
    ``value_by_tier`` (and ``value_by_tier_previous``); ``winback`` (the win-back list with
    each member's last order and a suggested action), ``top_value``; ``holdout``,
    ``cal_end``, ``holdout_note``; ``grain``, ``nv``, ``rep``, ``roll``, ``freq``,
    ``intervals``, ``cohort_start``, ``cohorts``, ``cohort_drop``; ``combos``,
    ``per_platform``, ``split``; ``provinces``, ``cities``; ``basket_counts``, ``pairs``,
    ``category_pairs``; ``fresh``, ``fresh_warning``; and ``cards``, ``changes``,
    ``actions``, ``health`` for :func:`ecomlib.summary.html`.
    """
    from .. import freshness
    from ..models import clv
    from . import members as mm
    from . import members_queries as Q
    P = period
    sel = {"shops": list(shops or []) or None, "platforms": list(platforms or []) or None}
    R: dict = {"period": P, "lang": lang, "names": Q.shop_names(wh),
               "horizon_months": clv_horizon_months, "max_p_alive": churn_max_p_alive,
               "winback_max_days": winback_max_days,
               "repurchase_window_days": repurchase_window_days}
    first, last = Q.span(wh, **sel)
    R.update(_windows(P, first, last))
    start, end = R["start"], R["eff_end"]
    year = pd.Timedelta(days=NEW_HISTORY_DAYS)
    # the three windows from one query (近12个月's 环比 is its 同比: the same window, read once)
    wins = {"current": (start, end), "previous": R["previous"], "year_ago": R["year_ago"]}
    got = Q.windows_kpis(wh, [w for w in wins.values() if w is not None], **sel)
    kpi = {k: None if w is None else got[(pd.Timestamp(w[0]), pd.Timestamp(w[1]))]
           for k, w in wins.items()}
    R["kpi"] = kpi
    R["new_ok"] = {k: bool(first is not None and w is not None and first <= w[0] - year)
                   for k, w in (("current", (start, end)), ("previous", R["previous"]),
                                ("year_ago", R["year_ago"]))}
    R["young_days"] = young_days(start, end, P.as_of)
    R["young"] = 2 * R["young_days"] > max(R["covered_days"], 1)

    # every member summary the report reads, from one query: at the end (RFM, the value
    # models, the win-back list), at the comparison windows' ends and at the purchase
    # model's calibration end (the holdout check below)
    cal_end = end - pd.Timedelta(days=holdout_days)
    days = [end] + [R[k][1] for k in ("previous", "year_ago") if R[k] is not None]
    if first is not None and cal_end > first:
        days.append(cal_end)
    summaries = Q.member_summaries(wh, days, **sel)
    summary = summaries[pd.Timestamp(end)]
    scored, bg, gg, note = mm.member_values(summary, clv_horizon_months, clv_monthly_discount_rate,
                                            clv_margin_rate, lang=lang)
    rfm = mm.rfm(summary, rfm_recency_days, rfm_frequency_orders, rfm_monetary_fen)
    th = rfm.attrs["thresholds"]
    scored = scored.merge(rfm[["member_key", "tier"]], on="member_key", how="left")
    R.update(summary=summary, scored=scored, bg=bg, gg=gg, fit_note=note, rfm=rfm,
             tiers=mm.rfm_tiers(rfm), thresholds=th)

    def at(day) -> dict | None:  # the members and their value at a comparison window's end
        s = summaries[pd.Timestamp(day)]
        if s.empty:
            return None
        sc, b, g, _ = mm.member_values(s, clv_horizon_months, clv_monthly_discount_rate,
                                       clv_margin_rate, lang=lang)
        r = mm.rfm(s, th["recency_days"], th["frequency_orders"], th["monetary_fen"])
        return {"day": pd.Timestamp(day), "summary": s, "scored": sc, "bg": b, "gg": g,
                "rfm": r, "tiers": mm.rfm_tiers(r),
                "clv": float(sc["clv_fen"].sum()) if g is not None else None}
    ends: dict = {}
    for k in ("previous", "year_ago"):
        w = R[k]
        if w is not None and w[1] not in ends:
            ends[w[1]] = at(w[1])
        R[f"at_{k}"] = ends.get(w[1]) if w is not None else None
    R["clv"] = {"current": float(scored["clv_fen"].sum()) if gg is not None else None,
                "previous": (R["at_previous"] or {}).get("clv"),
                "year_ago": (R["at_year_ago"] or {}).get("clv")}
    prev_at = R["at_previous"]
    R["tier_moves"] = mm.tier_moves(R["tiers"], prev_at["tiers"]) if prev_at else None
    R["value_by_tier"] = mm.value_by_tier(rfm, scored) if bg is not None else None
    R["value_by_tier_previous"] = mm.value_by_tier(prev_at["rfm"], prev_at["scored"]) \
        if prev_at and prev_at["gg"] is not None else None
    R["winback"] = R["top_value"] = None
    if bg is not None:
        watch = mm.churn_watchlist(scored, churn_min_net_sales_fen, churn_max_p_alive, top=None,
                                   max_days_since_last=winback_max_days)
        top = scored.nlargest(TOP_VALUE_EXCEL, "clv_fen") if gg is not None else scored.iloc[0:0]
        lo = Q.last_orders(wh, end, sorted(set(watch["member_key"]) | set(top["member_key"])),
                           **sel)
        vip_bar = float(scored["net_sales_fen"].quantile(0.95))
        R["winback"] = mm.winback_list(mm.with_last_orders(watch, lo), vip_bar, winback_coupon_rate)
        R["top_value"] = mm.with_last_orders(top.reset_index(drop=True), lo)
    # the out-of-sample check of the purchase model
    R["holdout"], R["cal_end"], R["holdout_note"] = None, None, ""
    if bg is not None and first is not None and cal_end > first:
        # the holdout check fits and reads the purchase model only (frequency, recency,
        # age) of the summary at calibration end
        cal = Q.calibration_holdout(wh, cal_end, end, end_summary=summary,
                                    summary=summaries[pd.Timestamp(cal_end)], **sel)
        _, bg_cal, _, cal_note = mm.member_values(cal, spend=False, score=False, lang=lang)
        if bg_cal is None:
            R["holdout_note"] = cal_note
        else:
            R["holdout"] = clv.holdout_by_frequency(cal, holdout_days, bg_cal)
            R["cal_end"] = cal_end

    # the period's sections
    g = auto_grain(P, grain)
    R["grain"] = g
    R["nv"] = mark_whole_periods(Q.new_vs_returning(wh, start, end, g, **sel), g, start, end)
    # the period's 复购率 from its window_kpis row for the selection: the members with a paid
    # order in the window and those with 2+ (what members/repurchase counts), read once
    now = _level(kpi["current"])
    R["rep"] = mm.repurchase(pd.DataFrame({
        "window_start": pd.Series([start], dtype="datetime64[us]"),
        "window_end": pd.Series([end], dtype="datetime64[us]"),
        "count_members": now["count_members"].to_numpy()[:1],
        "count_repeat_members": now["count_repeat_members"].to_numpy()[:1]}))
    R["roll"] = Q.rolling_repurchase(wh, start, end, repurchase_window_days, **sel)
    R["freq"] = mm.frequency_distribution(summary)
    R["intervals"] = mm.interval_distribution(Q.purchase_intervals(wh, start, end, **sel))
    month0 = end.to_period("M").start_time - pd.DateOffset(months=max(cohort_months, 1) - 1)
    R["cohort_start"] = min(start, month0)
    R["cohorts"] = Q.cohorts(wh, R["cohort_start"], end, **sel)
    R["cohort_drop"] = mm.cohort_drop(R["cohorts"], end)
    combos = Q.platform_overlap(wh, start, end, **sel)
    R["combos"], R["per_platform"] = combos, mm.members_per_platform(combos)
    R["split"] = mm.cross_platform_split(combos) if len(combos) else None
    regions = Q.region_rows(wh, start, end, **sel)
    R["provinces"] = mm.region_table(regions, "province")
    R["cities"] = mm.region_table(regions, "city")
    R["basket_counts"] = Q.basket_counts(wh, start, end, **sel)
    R["pairs"] = Q.basket_pairs(wh, start, end, "sku", basket_min_orders, top=20, **sel)
    R["category_pairs"] = Q.basket_pairs(wh, start, end, "category", 1, top=None, **sel)
    fresh = freshness.table(wh, P.as_of, sel["platforms"], sel["shops"])
    R["fresh"] = fresh
    R["fresh_warning"] = freshness.warning(fresh, lang) if len(fresh) else None
    R["cards"] = cards(R)
    R["changes"] = largest_changes(R, lang)
    R["actions"] = actions(R, lang)
    R["health"] = health(R, lang)
    return R


# ----------------------------------------------------------------------------------------
# the 经营摘要: cards, largest changes, actions, data health
# ----------------------------------------------------------------------------------------
def _value(R: dict, which: str, metric: str, level: str = "all") -> float | None:
    rows = _level(R["kpi"].get(which), level)
    if rows is None or not len(rows):
        return None
    v = catalogue.value(metric, rows)
    return None if _nan(v) else float(v)


def _comparable(R: dict, metric: str) -> dict:
    """Which comparison windows a metric may be compared with: new members need a year of
    history before the window; net sales wait while most of the period's refunds are still
    to come (:data:`YOUNG_DAYS`)."""
    ok = {"previous": R["previous"] is not None, "year_ago": R["year_ago"] is not None}
    if metric == "count_new":
        ok = {k: v and R["new_ok"][k] for k, v in ok.items()}
    if metric in ("net_sales_per_member_fen", "member_net_sales_fen") and R.get("young"):
        ok = {k: False for k in ok}
    return ok


def cards(R: dict) -> list:
    """The KPI cards (:data:`CARD_METRICS`): 付款会员数, 新会员数, 复购率, 人均消费 (net
    sales per member), 会员贡献占比 (the members' share of every buyer's net sales) and
    预计未来价值 (the CLV of every member at the period's end), each against the previous
    period (环比) and the same days a year earlier (同比). A comparison that would mislead
    shows —: new members without a year of history before the window, net sales while most
    refunds are still to come. No member targets exist (parameters/targets.yaml holds sales
    targets), so no card has one."""
    from .. import summary as S
    lang = R["lang"]
    if _value(R, "current", "count_members") is None:
        return []
    out = []
    for m in CARD_METRICS:
        if m == "sum_clv_fen":
            c = R["clv"]
            if c["current"] is None:
                continue
            h = R["horizon_months"]
            out.append(S.Card(m, c["current"], c["previous"], c["year_ago"],
                              note=_tx(f"未来 {h} 个月 · {len(R['scored']):,} 位会员",
                                       f"next {h} months · {len(R['scored']):,} members", lang)))
            continue
        ok = _comparable(R, m)
        v = _value(R, "current", m)
        pv = _value(R, "previous", m) if ok["previous"] else None
        ya = _value(R, "year_ago", m) if ok["year_ago"] else None
        note = ""
        if m == "count_new" and not R["new_ok"]["current"]:
            note = _tx("期前历史不足一年：部分老会员算作新会员", "under a year of history before the period: "
                       "some returning members count as new", lang)
        elif m == "count_new" and ((R["previous"] and not ok["previous"])
                                   or (R["year_ago"] and not ok["year_ago"])):
            note = _tx("对比期之前历史不足一年，不比较", "not compared: under a year of history before "
                       "the comparison period", lang)
        elif m == "net_sales_per_member_fen" and R.get("young"):
            note = _tx("退款仍在发生，暂不比较", "refunds still coming in: not compared", lang)
        elif m == "count_members":
            n_new = _value(R, "current", "count_new")
            if n_new is not None and v:
                note = _tx(f"老会员 {fmt.integer(v - n_new)} 位", f"{fmt.integer(v - n_new)} returning", lang)
        out.append(S.Card(m, v, pv, ya, note=note))
    return out


def _group_label(R: dict, platform, shop_id, lang: str) -> str:
    p = i18n.label(platform, lang)
    if shop_id is None or fmt.is_missing(shop_id):
        return p
    return f"{p}·{R['names'].get(shop_id, shop_id)}"


def _driver(R: dict, metric: str, delta: float, lang: str):
    """The shop or platform whose own move of ``metric`` (current vs previous window) is
    the largest in the direction of the total's ``delta``: (label, its delta) or None. For
    per-member metrics and rates, only groups with :data:`MIN_GROUP_MEMBERS` members in both
    windows are compared. A selection of one shop has no driver (it would be the whole)."""
    ratio = not catalogue.metric(metric).additive
    shops = _level(R["kpi"]["current"], "shop")
    if shops is None or len(shops) < 2:
        return None
    best = None
    for level, keys in (("shop", ["platform", "shop_id"]), ("platform", ["platform"])):
        cur, prev = _level(R["kpi"]["current"], level), _level(R["kpi"]["previous"], level)
        if cur is None or prev is None or not len(cur):
            continue
        for key, g in cur.groupby(keys, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            mask = np.ones(len(prev), dtype=bool)
            for k, v in zip(keys, key):
                mask &= (prev[k] == v).to_numpy()
            h = prev[mask]
            if not len(h):
                continue
            if ratio and (int(g["count_members"].sum()) < MIN_GROUP_MEMBERS
                          or int(h["count_members"].sum()) < MIN_GROUP_MEMBERS):
                continue
            a, b = catalogue.value(metric, g), catalogue.value(metric, h)
            if _nan(a) or _nan(b):
                continue
            d = float(a - b)
            if d * delta <= 0:
                continue
            if best is None or abs(d) > abs(best[1]) + 1e-12:
                label = _group_label(R, key[0], key[1] if len(key) > 1 else None, lang)
                best = (label, d)
    return best


def _big_enough(metric: str, now: float, before: float) -> bool:
    if catalogue.fmt_kind(metric) == "pct":
        return abs(now - before) >= MIN_RATE_MOVE
    return bool(before) and abs(now / before - 1) >= MIN_MOVE


def largest_changes(R: dict, lang: str = "zh", top: int = 5) -> list:
    """The largest moves against the previous period (环比): the members' figures of
    :data:`CHANGE_METRICS` (at least 5 %, rates half a point), each with the shop or platform
    that drove it; the CLV total with the RFM tier whose CLV moved most; and the valuable RFM
    tier (:data:`VALUABLE_TIERS`) whose share of members moved most (at least
    :data:`MIN_TIER_MOVE`), as a sentence.
    Sorted by the size of the move relative to its base; at most ``top``."""
    from .. import summary as S
    if R["previous"] is None or _value(R, "previous", "count_members") is None:
        return []
    moves = []
    for m in CHANGE_METRICS:
        if not _comparable(R, m)["previous"]:
            continue
        now, before = _value(R, "current", m), _value(R, "previous", m)
        if now is None or before is None or not _big_enough(m, now, before):
            continue
        c = S.Change(m, now, before)
        drv = _driver(R, m, c.delta, lang)
        if drv:
            c.driver, c.driver_delta = drv
            if catalogue.fmt_kind(m) == "money" and catalogue.metric(m).additive and c.delta:
                c.driver_share = drv[1] / c.delta
        moves.append(c)
    cv = R["clv"]
    if cv["current"] is not None and cv["previous"] and _big_enough("sum_clv_fen", cv["current"],
                                                                     cv["previous"]):
        c = S.Change("sum_clv_fen", cv["current"], cv["previous"])
        now_t, prev_t = R.get("value_by_tier"), R.get("value_by_tier_previous")
        if now_t is not None and prev_t is not None:
            d = (now_t.set_index("tier")["sum_clv_fen"].fillna(0)
                 - prev_t.set_index("tier")["sum_clv_fen"].fillna(0))
            d = d[d * c.delta > 0]
            if len(d):
                k = d.abs().idxmax()
                c.driver, c.driver_delta = i18n.label(k, lang), float(d[k])
                c.driver_share = float(d[k]) / c.delta
        moves.append(c)
    moves.sort(key=lambda c: abs(c.delta / c.previous) if c.previous else float("inf"),
               reverse=True)
    out: list = moves[:top]
    tm = R.get("tier_moves")
    if tm is not None:
        tm = tm[tm["tier"].isin(VALUABLE_TIERS)].dropna(subset=["share_change"])
    if tm is not None and len(tm) and abs(float(tm["share_change"].iloc[0])) >= MIN_TIER_MOVE:
        r = tm.iloc[0]
        d = float(r["share_change"])
        when = _day(R["at_previous"]["day"])
        out = out[:top - 1] + [_tx(
            f"RFM 分层：{i18n.label(r['tier'], 'zh')}占会员 {fmt.pct(r['members_share_rate'])}"
            f"（{fmt.integer(r['count_members'])} 位），比上期末（{when}）{d * 100:+.1f} 个百分点",
            f"RFM tiers: {i18n.label(r['tier'], 'en')} are {fmt.pct(r['members_share_rate'])} of members "
            f"({fmt.integer(r['count_members'])}), {d * 100:+.1f} pts on the previous end ({when})", lang)]
    return out


def actions(R: dict, lang: str = "zh") -> list:
    """What to do today, most urgent first, each linked to its section: download stale
    shops' exports; win back the members of the win-back list (how many, what they spent,
    the shops with most of them, how many want a personal call); look at the latest cohort
    whose next-month retention fell below the cohorts before it; bring single-platform
    members to a second platform when cross-platform members pay more per head."""
    from .. import summary as S
    out = []
    sep = "、" if lang == "zh" else ", "
    if R.get("fresh_warning"):
        out.append(S.Action(R["fresh_warning"], "#freshness", "high"))
    wb = R.get("winback")
    if wb is not None and len(wb):
        n, total = len(wb), float(wb["net_sales_fen"].sum())
        shops = wb.groupby(["last_platform", "last_shop_id"]).size().sort_values(ascending=False)
        named = sep.join(f"{_group_label(R, p, s, lang)} {k}" + _tx(" 位", "", lang)
                         for (p, s), k in shops.head(2).items())
        vip = int((wb["winback_action"] == "winback_vip").sum())
        after = int((wb["winback_action"] == "winback_aftersales").sum())
        extra_zh = "".join([f"，{vip} 位建议客服一对一回访" if vip else "",
                            f"，{after} 位先问售后体验" if after else ""])
        extra_en = "".join([f"; {vip} want a personal call" if vip else "",
                            f"; ask {after} about after-sales first" if after else ""])
        out.append(S.Action(_tx(
            f"召回 {n:,} 位快流失的高价值会员：过去共消费 {fmt.wan(total)}，仍活跃概率都不超过 "
            f"{fmt.pct(R['max_p_alive'], 0)}；按最近订单号在平台后台找到买家发券（{named}）{extra_zh}",
            f"Win back {n:,} high-value members who are slipping away: they spent {fmt.wan(total, 'en')}, "
            f"P(active) at most {fmt.pct(R['max_p_alive'], 0)}; find each by the last order id in the "
            f"platform's back office and send the coupon ({named}){extra_en}", lang),
            "#win-back", "high", count=n))
    drop = R.get("cohort_drop")
    if drop:
        m = drop["cohort_month"].strftime("%Y-%m")
        pts = _points(drop["baseline_rate"] - drop["retention_rate"])
        out.append(S.Action(_tx(
            f"{m} 首购的 {drop['cohort_size']:,} 位会员次月只回来 {fmt.pct(drop['retention_rate'])}，"
            f"比之前 3 个月的首购会员（{fmt.pct(drop['baseline_rate'])}）低 {pts} 个百分点："
            f"查看当月的拉新渠道和首单体验，给这批会员发二次购买券",
            f"Of the {drop['cohort_size']:,} members who first bought in {m}, only "
            f"{fmt.pct(drop['retention_rate'])} came back the next month, {pts} pts below the three "
            f"cohorts before ({fmt.pct(drop['baseline_rate'])}): check that month's acquisition channels "
            f"and first-order experience, and send this cohort a second-purchase coupon", lang),
            "#cohorts", "medium", count=drop["cohort_size"]))
    sp = R.get("split")
    if sp is not None:
        s = sp.set_index("kind")
        cross, single = s.loc["cross"], s.loc["single"]
        a, b = float(cross["paid_per_member_fen"]), float(single["paid_per_member_fen"])
        if int(cross["count_members"]) and int(single["count_members"]) and not _nan(a) \
                and not _nan(b) and b > 0 and a > b:
            out.append(S.Action(_tx(
                f"跨平台会员 {int(cross['count_members']):,} 位，人均实付 {fmt.yuan(a)}，是单平台会员（{fmt.yuan(b)}）的 "
                f"{a / b:.1f} 倍：在包裹卡和客服话术里推荐其他平台的店铺，把 {int(single['count_members']):,} 位单平台会员"
                f"带到第二个平台",
                f"{int(cross['count_members']):,} cross-platform members paid {fmt.yuan(a, 'en')} each, "
                f"{a / b:.1f} times single-platform members ({fmt.yuan(b, 'en')}): recommend your other "
                f"platforms' shops on parcel inserts and in customer-service replies to bring the "
                f"{int(single['count_members']):,} single-platform members to a second platform", lang),
                "#platforms", "low", count=int(single["count_members"])))
    return out


def health(R: dict, lang: str = "zh") -> str:
    """The summary's last line: how far the data reach, how the comparisons are made (a cut
    period over as many days; 近12个月's 环比 is its 同比; what is not compared and why)."""
    P = R["period"]
    de = R.get("data_end")
    if de is None:
        return _tx("所选范围没有销售数据。", "No sales in the selection.", lang)
    parts = [_tx(f"订单数据截至 {_day(de)}", f"orders up to {_day(de)}", lang)]
    if R.get("incomplete"):
        parts.append(_tx(f"本期只有 {R['covered_days']}/{P.days} 天数据：环比、同比按相同天数比较",
                         f"the period has data for {R['covered_days']} of {P.days} days: the "
                         "comparisons use as many days", lang))
    if R.get("previous") is None:
        parts.append(_tx("没有上期数据可比", "no data for the previous period", lang))
    if R.get("year_ago") is None:
        parts.append(_tx("没有去年同期数据可比", "no data a year earlier", lang))
    elif R.get("previous") == R.get("year_ago"):
        parts.append(_tx("上期即去年同期，环比与同比相同", "the previous period is the same days a year "
                         "earlier: 环比 and 同比 agree", lang))
    parts.append(_tx("会员贡献占比 = 会员净销售额 / 全部买家净销售额", "members' share = the members' net "
                     "sales / every buyer's", lang))
    parts.append(_tx("各店铺数据时效见文末", "data freshness per shop at the end", lang)
                 if not R.get("fresh_warning") else
                 _tx("部分店铺数据不是最新", "some shops' data are not current", lang))
    return ("；" if lang == "zh" else "; ").join(parts) + ("。" if lang == "zh" else ".")


# ----------------------------------------------------------------------------------------
# display copies (HTML tables and Excel)
# ----------------------------------------------------------------------------------------
#: the win-back list on the page (the seller's words: shop names, the last order, the action)
WINBACK_COLS = ("platform", "shop_id", "last_order_id", "last_order_date", "days_since_last",
                "usual_gap_days", "count_orders", "net_sales_fen", "clv_fen", "p_alive_rate",
                "winback_action")
#: ... and in the workbook, for customer service to work through
WINBACK_EXCEL_COLS = ("platform", "shop_id", "last_order_id", "last_order_date",
                      "days_since_last", "usual_gap_days", "count_orders", "net_sales_fen",
                      "member_order_value_fen", "member_refund_rate", "clv_fen", "p_alive_rate",
                      "tier", "count_shops", "winback_action", "suggested_coupon", "follow_up")
#: the members of highest expected value
TOP_VALUE_COLS = ("platform", "shop_id", "last_order_id", "last_order_date", "tier",
                  "count_orders", "days_since_last", "net_sales_fen", "p_alive_rate",
                  "expected_purchases", "clv_fen")


def coupon_text(threshold_fen, off_fen, lang: str = "zh") -> str:
    """``满370减35`` / ``¥35 off ¥370``."""
    if fmt.is_missing(threshold_fen) or fmt.is_missing(off_fen):
        return ""
    t, o = f"{float(threshold_fen) / 100:,.0f}", f"{float(off_fen) / 100:,.0f}"
    return f"满{t}减{o}" if lang == "zh" else f"¥{o} off ¥{t}"


def view(df: pd.DataFrame, cols: Sequence[str], R: dict, lang: str = "zh",
         coupon_in_action: bool = True) -> pd.DataFrame:
    """A display copy of ``df[cols]`` in the seller's words: the last order's platform and
    shop under 平台 and 店铺 (shops by name, platforms by name), RFM tiers and suggested actions
    by their labels (the coupon inside the action, or in its own 建议券 column), gaps in whole
    days, 是/否 for booleans. No member key: a column ``member_key`` is never shown."""
    d = df.rename(columns={"last_platform": "platform", "last_shop_id": "shop_id"}).copy()
    if "coupon_threshold_fen" in d.columns:
        d["suggested_coupon"] = [coupon_text(a, b, lang) for a, b in
                                 zip(d["coupon_threshold_fen"], d["coupon_off_fen"])]
    if "winback_action" in d.columns:
        acts = [i18n.label(a, lang) for a in d["winback_action"]]
        if coupon_in_action and "suggested_coupon" in d.columns:
            acts = [f"{a}（{c}）" if lang == "zh" and c else (f"{a} ({c})" if c else a)
                    for a, c in zip(acts, d["suggested_coupon"])]
        d["winback_action"] = acts
    if "follow_up" in cols and "follow_up" not in d.columns:
        d["follow_up"] = pd.Series([None] * len(d), index=d.index, dtype=object)
    d = d[[c for c in cols if c in d.columns and c != "member_key"]]
    if "shop_id" in d.columns:
        d["shop_id"] = d["shop_id"].map(lambda s: R["names"].get(s, s) if isinstance(s, str) else s)
    if "platform" in d.columns:
        d["platform"] = [i18n.label(p, lang) if isinstance(p, str) else p for p in d["platform"]]
    if "platforms" in d.columns:
        sep = " + "
        d["platforms"] = [sep.join(i18n.label(x, lang) for x in str(c).split("+")) for c in d["platforms"]]
    for c in ("tier", "province", "city", "parameter"):
        if c in d.columns:
            d[c] = [i18n.label(v, lang) if isinstance(v, str) else v for v in d[c]]
    for c in ("usual_gap_days", "days_since_last"):
        if c in d.columns:
            d[c] = pd.to_numeric(d[c], errors="coerce").round().astype("Int64")
    if "last_order_date" in d.columns:
        d["last_order_date"] = pd.to_datetime(d["last_order_date"])
    return d






def cohort_sheet(coh: pd.DataFrame, value: str = "retention_rate", max_months: int = 12
                 ) -> pd.DataFrame:
    """The cohort matrix as a sheet: cohort_month, cohort_size, then one column per month
    since the first purchase (``month_<k>_rate`` for retention, ``month_<k>_fen`` for money);
    cells not observed yet are empty."""
    if coh is None or coh.empty:
        return pd.DataFrame()
    t = coh[coh["months_since"] <= max_months]
    m = t.pivot(index="cohort_month", columns="months_since", values=value)
    suffix = "rate" if value.endswith("_rate") else "fen"
    m.columns = [f"month_{int(k)}_{suffix}" for k in m.columns]
    size = t.groupby("cohort_month")["cohort_size"].first()
    out = m.reset_index()
    out.insert(1, "cohort_size", out["cohort_month"].map(size).astype("int64"))
    out["cohort_month"] = pd.to_datetime(out["cohort_month"])
    return out


def excel_tables(R: dict, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's sheets, named in the report's language, each a display copy
    (:func:`view`): 今日要做, 流失挽回名单 (every member of the list, with the last order to
    find them by, the suggested action and coupon, and an empty 跟进结果 column for customer
    service), 高价值会员, 新会员与老会员, 复购率, 购买频次, 购买间隔, 同期群留存,
    同期群人均累计实付, RFM分层, 会员价值, 各平台会员, 平台组合, 省份, 城市, 商品搭配,
    类目搭配, 数据时效. Empty tables are left out; no sheet holds a member key."""
    from .. import excel
    from .. import summary as S
    out: dict[str, pd.DataFrame] = {}
    taken: set = set()

    def put(zh, en, df):
        if df is not None and len(df):
            out[excel.safe_sheet_name(_tx(zh, en, lang), taken)] = df.reset_index(drop=True)

    put("今日要做", "To do today", S.actions_frame(R.get("actions") or [], SECTIONS, lang))
    wb = R.get("winback")
    if wb is not None:
        put("流失挽回名单", "Win-back list", view(wb, WINBACK_EXCEL_COLS, R, lang, coupon_in_action=False))
    if R.get("top_value") is not None:
        put("高价值会员", "Top members", view(R["top_value"], TOP_VALUE_COLS, R, lang))
    nv = R.get("nv")
    if nv is not None and len(nv):  # a month reads 2025-01, a week by its Monday
        when = {"month": "month", "week": "week_start"}.get(R.get("grain"), "period_start")
        put("新会员与老会员", "New and returning", nv[["period_start", "count_days", "is_whole_period",
                                                  "count_members", "count_new", "count_returning",
                                                  "new_rate", "new_paid_fen", "returning_paid_fen",
                                                  "returning_paid_share_rate"]]
            .rename(columns={"period_start": when}))
    roll = R.get("roll")
    if roll is not None and len(roll):
        put("复购率", "Repurchase", roll[["window_start", "window_end", "count_members",
                                        "count_repeat_members", "repurchase_rate"]])
    put("购买频次", "Frequency", R.get("freq"))
    put("购买间隔", "Intervals", R.get("intervals"))
    put("同期群留存", "Cohort retention", cohort_sheet(R.get("cohorts"), "retention_rate"))
    put("同期群人均累计实付", "Cohort paid per member", cohort_sheet(R.get("cohorts"), "cum_paid_per_member_fen"))
    tiers = R.get("tiers")
    if tiers is not None and len(tiers):
        t = tiers
        tm = R.get("tier_moves")
        if tm is not None:
            t = t.merge(tm[["tier", "previous_count_members", "previous_members_share_rate"]],
                        on="tier", how="left")
        put("RFM分层", "RFM tiers", view(t, list(t.columns), R, lang))
    vt = R.get("value_by_tier")
    if vt is not None:
        put("会员价值", "Member value", view(vt, list(vt.columns), R, lang))
    put("各平台会员", "Members per platform", view(R["per_platform"], list(R["per_platform"].columns), R, lang)
        if R.get("per_platform") is not None else None)
    put("平台组合", "Platform combinations", view(R["combos"], list(R["combos"].columns), R, lang)
        if R.get("combos") is not None else None)
    for key, zh, en in (("provinces", "省份", "Provinces"), ("cities", "城市", "Cities")):
        df = R.get(key)
        if df is not None:
            put(zh, en, view(df, list(df.columns), R, lang))
    pairs = R.get("pairs")
    if pairs is not None and len(pairs):
        put("商品搭配", "Bought together", pairs[[c for c in ("item_a", "name_a", "item_b", "name_b",
                                                          "count_pair_orders", "support_rate",
                                                          "confidence_a_to_b_rate",
                                                          "confidence_b_to_a_rate", "lift")
                                               if c in pairs.columns]])
    cats = R.get("category_pairs")
    if cats is not None and len(cats):
        put("类目搭配", "Categories together", category_pairs(cats))
    fresh = R.get("fresh")
    if fresh is not None and len(fresh):
        put("数据时效", "Data freshness", view(fresh, FRESH_COLS, R, lang))
    return out


def category_pairs(cats: pd.DataFrame) -> pd.DataFrame:
    """Category pairs (``members_queries.basket_pairs`` by category) under 类目A/类目B."""
    return cats[["item_a", "item_b", "count_pair_orders", "support_rate", "confidence_a_to_b_rate",
                 "confidence_b_to_a_rate", "lift"]].rename(columns={"item_a": "category_a",
                                                                    "item_b": "category_b"})


#: the freshness table's columns (ecomlib.freshness)
FRESH_COLS = ("platform", "shop_id", "last_sales_date", "sales_lag_days", "is_stale")


def _header(lang: str):
    """Excel headers: the one label table's (money "(元)"), the cohort months as 第k月."""
    import re

    from .. import excel
    base = excel.label_header(lang)

    def head(col) -> str:
        m = re.fullmatch(r"month_(\d+)_(rate|fen)", str(col))
        if m:
            k = int(m.group(1))
            word = f"第{k}月" if lang == "zh" else f"Month {k}"
            return word + (f" ({i18n.label('yuan', lang)})" if m.group(2) == "fen" else "")
        return base(col)
    return head


def export_excel(sheets: dict[str, pd.DataFrame], path, lang: str = "zh"):
    """Write the report's sheets to one .xlsx file with :func:`ecomlib.excel.write_tables`:
    headers from the one label table (money columns "净销售额 (元)", in yuan with a number
    format), rates as percentages, dates as dates, 是/否, frozen header row and filters; order
    ids as text. Returns the path."""
    from .. import excel
    return excel.write_tables(sheets, path, headers=_header(lang), lang=lang)
