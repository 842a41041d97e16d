"""Reporting for the members report (notebooks/members.ipynb): its sentences, charts and
Excel file. The numbers come from :mod:`ecomlib.metrics.members` (pure functions) on the
frames of :mod:`ecomlib.metrics.members_queries`; nothing here computes a metric beyond
reading a catalogue metric over the rows it is given (:func:`ecomlib.metrics.catalogue.value`).

Every sentence whose claim depends on the data (larger, smaller, up, down, "the model
under-forecasts", "cross-platform members spend more") is a function of the numbers it talks
about, tested with data that says the opposite (tests/test_members_report.py). Sentences are
:func:`ecomlib.fmt.md` objects in the report's language.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt, i18n
from . import catalogue

__all__ = [
    "NEAR_ZERO_CORR", "GOOD_HOLDOUT_ERROR", "MIN_REGION_MEMBERS", "overview_sentence",
    "new_returning_sentence", "repurchase_sentence", "frequency_sentence",
    "interval_sentence", "cohort_sentence", "rfm_sentence", "fit_sentence",
    "holdout_sentence", "value_sentence", "churn_sentence", "platform_sentence",
    "region_sentence", "basket_sentence", "grouped_bars", "cohort_heatmap", "export_excel",
]

#: |corr(frequency, value)| below this: Gamma-Gamma's independence assumption holds
NEAR_ZERO_CORR = 0.3
#: a holdout total within this relative error counts as a good forecast
GOOD_HOLDOUT_ERROR = 0.10
#: provinces with fewer members are not named for their repurchase rate (too few to compare)
MIN_REGION_MEMBERS = 30


def _t(zh: str, en: str, lang: str):
    return fmt.md(zh, en, lang)


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _points(d: float) -> str:
    """A difference of two rates in percentage points (0.016 -> "1.6")."""
    return f"{d * 100:.1f}"


def _compare(a: float, b: float, lang: str, more=("高于", "higher than"), less=("低于", "lower than"),
             same=("等于", "equal to")) -> str:
    word = more if a > b else less if a < b else same
    return word[0] if lang == "zh" else word[1]


# -- header ------------------------------------------------------------------------------------------
def overview_sentence(summary: pd.DataFrame, rep: pd.DataFrame, warehouse: str, start, end,
                      scope: str, lang: str = "zh"):
    """What the report covers: the warehouse, period and scope, members who bought up to the
    end, members who bought in the period and the period's repurchase rate (``rep``: the one
    row of ``members_queries.repurchase_rate``)."""
    n = len(summary)
    r = rep.iloc[0]
    rate = catalogue.value("repurchase_rate", rep)
    return _t(f"仓库 `{warehouse}` · 期间 **{start} 至 {end}** · 范围：{scope} · 截至期末共 **{n:,}** 位有付款的会员，"
              f"期内购买 **{int(r.count_members):,}** 位，期内复购率 **{fmt.pct(rate)}**（期内 2 单及以上的会员 / 有 1 单及以上的会员）。",
              f"Warehouse `{warehouse}` · period **{start} to {end}** · scope: {scope} · **{n:,}** paying members "
              f"up to the period end, **{int(r.count_members):,}** bought in the period; repurchase rate over the "
              f"period **{fmt.pct(rate)}** (members with 2+ paid orders / members with 1+).", lang)


# -- 1. new and returning ---------------------------------------------------------------------------------
def new_returning_sentence(nv: pd.DataFrame, period: str, lang: str = "zh"):
    """Who carries the members' sales over the period: the returning members' share of the
    members' paid amount (the catalogue's returning_paid_share_rate over every period's
    rows), more or less than half; and the period that brought the most new members."""
    if nv.empty or int(nv["count_members"].sum()) == 0:
        return _t("期内没有付款订单，没有新老客可看。",
                  "No paid orders in the period, so no new or returning buyers.", lang)
    share = catalogue.value("returning_paid_share_rate", nv)
    top = nv.sort_values(["count_new", "period_start"], ascending=[False, True]).iloc[0]
    fmt_p = "%Y-%m" if period == "month" else "%Y-%m-%d"
    when = pd.Timestamp(top["period_start"]).strftime(fmt_p)
    unit = {"week": ("周", "week"), "month": ("月", "month"), "quarter": ("季度", "quarter")}[period]
    if share > 0.5:
        who = ("老客撑起了期内会员实付的大部分", "returning members carry most of the members' paid amount")
    elif share < 0.5:
        who = ("新客贡献了期内会员实付的大部分", "new members bring most of the members' paid amount")
    else:
        who = ("新老客各占期内会员实付的一半", "new and returning members pay half each")
    return _t(f"每{unit[0]}的付款会员分为新客（第一次购买落在当期）和老客（之前买过）。{who[0]}：老客占 **{fmt.pct(share)}**。"
              f"新客最多的是 {when}（{int(top['count_new']):,} 位）。注意：仓库历史开始前就买过的会员，在最初几期会被算作新客。",
              f"Paying members per {unit[1]} split into new (first purchase in the period) and returning (bought "
              f"before): {who[1]} (returning: **{fmt.pct(share)}**). The most new members came in {when} "
              f"({int(top['count_new']):,}). Members who bought before the warehouse's history starts count as new "
              f"in the first periods.", lang)


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
        trend = (f"比 {start} 的 {fmt.pct(a)} 下降了 {_points(a - b)} 个百分点：回购的会员在变少，流失名单（第 7 节）列出该召回谁。",
                 f"down from {fmt.pct(a)} at {start} by {_points(a - b)} points: fewer members come back; the "
                 f"watch-list (section 7) shows whom to call.")
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
            f"（时间单位：周；拟合用时 {secs:.2f} 秒）。r/alpha 描述购买频率的分布，a/b 描述每次购买后流失概率的分布。",
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
    return _t(head[0] + s_zh + f"人均 CLV 高于全体（{fmt.yuan(per_all)}）的层里，{i18n.label(low['tier'], 'zh')}的平均存活概率最低"
              f"（{fmt.pct(low['mean_p_alive_rate'])}，人均 {fmt.yuan(low['mean_clv_fen'])}）：召回最值得做在这一层。",
              head[1] + s_en + f" Of the tiers worth more per member than all members ({fmt.yuan(per_all, 'en')}), "
              f"{i18n.label(low['tier'], 'en')} has the lowest average P(alive) ({fmt.pct(low['mean_p_alive_rate'])}, "
              f"{fmt.yuan(low['mean_clv_fen'], 'en')} per member): win-back pays most there.", lang)


# -- 7. churn ---------------------------------------------------------------------------------------------
def churn_sentence(watch: pd.DataFrame, max_p_alive: float, top: int, lang: str = "zh"):
    """The watch-list's bar (net sales at least the list's ``min_net_sales_fen``) and how
    many members it holds (none, or up to ``top``)."""
    bar_zh = fmt.yuan(watch.attrs.get("min_net_sales_fen"), "zh")
    bar_en = fmt.yuan(watch.attrs.get("min_net_sales_fen"), "en")
    p = fmt.pct(max_p_alive, 0)
    if watch.empty:
        return _t(f"没有累计净销售额 ≥ {bar_zh} 且存活概率 ≤ {p} 的会员。",
                  f"No member with net sales >= {bar_en} and P(alive) <= {p}.", lang)
    return _t(f"过去买得多（累计净销售额 ≥ {bar_zh}）但模型认为大概率已经流失（存活概率 ≤ {p}）的会员，按过去价值排序，"
              f"列出 {len(watch):,} 位（最多 {top} 位）：值得在他们常买的平台上单独召回。存活概率是相对于会员自己的节奏："
              f"平时 10 天买一次、已经两个月没来的常客，也会被判为大概率流失。",
              f"Members who spent a lot (net sales >= {bar_en}) but have probably stopped buying (P(alive) <= {p}), "
              f"by past value: {len(watch):,} listed (at most {top}), worth a personal win-back offer on the platform "
              f"they use. P(alive) is relative to the member's own rhythm: a regular who bought every 10 days and has "
              f"been silent for two months is flagged too.", lang)


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


# -- Excel ------------------------------------------------------------------------------------------------
def export_excel(sheets: dict[str, pd.DataFrame], path):
    """Write the report's tables to one .xlsx file, one sheet each (names cut to 31
    characters; None left out), with :func:`ecomlib.excel.write_tables`: money columns
    ``*_fen`` become ``*_yuan`` (divided by 100). Member keys must already be masked
    (``members.display_keys``). Returns the path."""
    from .. import excel
    return excel.write_tables(sheets, path)
