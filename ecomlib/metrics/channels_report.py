"""Reporting for the channels report (notebooks/channels.ipynb): its sentences, charts and
Excel file. The numbers come from :mod:`ecomlib.metrics.channels` (pure functions) on the
frames of :mod:`ecomlib.metrics.channels_queries`; nothing here computes a metric.

Every sentence whose claim depends on the data (largest, better, up, "the campaign added
sales") is a function of the numbers it talks about, tested with data that says the
opposite (tests/test_channels_report.py). Sentences are :func:`ecomlib.fmt.md` objects in
the report's language; values from the data (shop names, sources, streamers) are escaped
text there.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, i18n
from .channels import Campaign

__all__ = [
    "BIG_CAMPAIGN_DAYS", "pct_pair", "campaign_label", "campaign_events", "shop_sentence",
    "weekly_sentence", "funnel_sentence",
    "uv_sentence", "ads_sentence", "roas_phase_sentence", "response_sentence",
    "discount_sentence", "elasticity_sentence", "uplift_sentence", "streamer_sentence",
    "alerts_sentence", "plot_marginal_roas", "plot_uplift", "export_excel",
]


#: campaigns of at least this many days are the big ones: marked on charts, drawn day by day
BIG_CAMPAIGN_DAYS = 10


def _t(zh: str, en: str, lang: str):
    return fmt.md(zh, en, lang)


def _shop(row, lang: str) -> str:
    return f"{i18n.label(row['platform'], lang)} · {row['shop_id']}"


def _change(cur: float, ref: float) -> float:
    return float("nan") if not ref or np.isnan(ref) or np.isnan(cur) else cur / ref - 1


def pct_pair(a: float, b: float) -> tuple[str, str]:
    """Two rates as percentages with enough decimals (1 or 2) that different values never
    read the same (5.46 % and 5.54 % are not both "5.5%")."""
    x, y = fmt.pct(a), fmt.pct(b)
    if x == y and not fmt.is_missing(a) and not fmt.is_missing(b) and a != b:
        return fmt.pct(a, 2), fmt.pct(b, 2)
    return x, y


def _updown(x: float, lang: str) -> str:
    if np.isnan(x):
        return fmt.MISSING
    word = (("上升", "up") if x > 0 else ("下降", "down") if x < 0 else ("持平", "flat"))
    return f"{word[0] if lang == 'zh' else word[1]} {fmt.pct(abs(x))}"


# -- campaigns ---------------------------------------------------------------------------------
def campaign_label(name: str, lang: str = "zh") -> str:
    """A campaign's name for readers: ``"2025 双11"`` -> ``"2025 Double 11"`` in English (the
    festival's label ``festival_<kind>``); other names unchanged."""
    year, _, kind = str(name).partition(" ")
    key = f"festival_{kind}"
    if year.isdigit() and key in i18n.LABELS:
        return f"{year} {i18n.label(key, lang)}"
    return str(name)


def campaign_events(campaigns: Sequence[Campaign], lang: str = "zh",
                    min_days: int = BIG_CAMPAIGN_DAYS) -> list[tuple[pd.Timestamp, str]]:
    """``(peak day, label)`` of the campaigns of at least ``min_days`` days (年货节, 618 and
    双11 in the platforms' calendar), for the dashed lines of the charts."""
    return [(c.peak, campaign_label(c.name, lang)) for c in campaigns if c.days >= min_days]


# -- 1. platforms and shops ----------------------------------------------------------------------
def shop_sentence(summary: pd.DataFrame, lang: str = "zh"):
    """Which shop brings the largest and the smallest paid amount, and its share; with the
    definitions of the table's per-buyer and per-order values."""
    if not len(summary):
        return _t("所选期间没有实付金额。", "Nothing was paid in the period.", lang)
    s = summary.sort_values("paid_fen", ascending=False)
    top, low = s.iloc[0], s.iloc[-1]
    defs_zh = ("客单价 = 实付金额 / 支付买家(人·天)（买家按天计、逐日相加，与生意参谋一致），"
               "笔单价 = 实付金额 / 支付订单数；退款率 = 退款金额 / 实付金额（同一批订单）。")
    defs_en = ("AOV = paid / paying buyer-days (buyers counted per day and summed, as 生意参谋 "
               "counts them); spend per order = paid / paid orders; refund rate = refunds / "
               "paid of the same orders.")
    if len(s) == 1:
        return _t(f"只有 {_shop(top, lang)} 一个店铺有实付金额。{defs_zh}",
                  f"Only {_shop(top, lang)} has paid sales. {defs_en}", lang)
    return _t(f"期间实付金额最高的是 {_shop(top, 'zh')}，占 {fmt.pct(top['share_rate'])}；最低的是 "
              f"{_shop(low, 'zh')}，占 {fmt.pct(low['share_rate'])}。{defs_zh}",
              f"{_shop(top, 'en')} brings the largest paid amount ({fmt.pct(top['share_rate'])}), "
              f"{_shop(low, 'en')} the smallest ({fmt.pct(low['share_rate'])}). {defs_en}", lang)


def weekly_sentence(weekly: pd.DataFrame, weeks: int = 8, lang: str = "zh"):
    """How the last ``weeks`` weeks compare with the first ``weeks`` of the period, all
    shops together: paid amount and 客单价 (paid / buyer-days of those weeks), and what a
    falling 客单价 with rising sales usually means, said only when it happened."""
    from . import rows
    if weekly.empty or weekly["week_start"].nunique() < 2 * weeks:
        return _t("每周实付金额与客单价（按店铺），虚线为大促峰值日。",
                  "Weekly paid amount and AOV per shop; dashed lines mark campaign peaks.", lang)
    w = sorted(weekly["week_start"].unique())
    first = weekly[weekly["week_start"].isin(w[:weeks])]
    last = weekly[weekly["week_start"].isin(w[-weeks:])]
    a, b = (rows.add(rows.sums(x, None, ["paid_fen", "count_buyers"]), ["aov_fen"]).iloc[0]
            for x in (first, last))
    paid, aov = _change(b["paid_fen"], a["paid_fen"]), _change(b["aov_fen"], a["aov_fen"])
    zh = (f"每周实付金额与客单价（按店铺），虚线为大促峰值日。最近 {weeks} 周与最早 {weeks} 周相比，"
          f"实付金额{_updown(paid, 'zh')}，客单价{_updown(aov, 'zh')}。")
    en = (f"Weekly paid amount and AOV per shop; dashed lines mark campaign peaks. The last "
          f"{weeks} weeks against the first {weeks}: paid {_updown(paid, 'en')}, AOV "
          f"{_updown(aov, 'en')}.")
    if paid > 0 and aov < 0:
        zh += "客单价下降而销量上升，通常说明折扣在拉动。"
        en += " Falling AOV with rising sales usually means discounts are doing the work."
    elif paid > 0 and aov > 0:
        zh += "销量和客单价一起上升：增长不是靠降价买来的。"
        en += " Sales and AOV rose together: the growth was not bought with lower prices."
    return _t(zh, en, lang)


# -- 2. traffic ---------------------------------------------------------------------------------
def funnel_sentence(funnel: pd.DataFrame, lang: str = "zh"):
    """Which source converts best, and how the source with the most visitors converts
    against all sources together (a big source that converts below the average builds
    awareness rather than closing sales)."""
    from . import rows
    if funnel.empty:
        return _t("所选期间没有流量数据。", "No traffic data for the period.", lang)
    best = funnel.sort_values("source_conversion_rate", ascending=False).iloc[0]
    big = funnel.sort_values("visitors", ascending=False).iloc[0]
    avg = rows.add(rows.sums(funnel, None, ["visitors", "buyers"]),
                   ["source_conversion_rate"]).iloc[0]["source_conversion_rate"]
    mine, all_ = pct_pair(big["source_conversion_rate"], avg)
    below = big["source_conversion_rate"] < avg
    p = lambda r, lg: f"{i18n.label(r['platform'], lg)}「{r['source']}」"  # noqa: E731
    zh = (f"访客 → 加购 → 购买，按平台和流量来源（平台导出的来源归因，访客与买家都按天计）。来源转化率 = "
          f"支付买家 / 访客；{p(best, 'zh')}转化最高（{fmt.pct(best['source_conversion_rate'])}）。"
          f"访客最多的是{p(big, 'zh')}（{fmt.integer(big['visitors'])}），转化率 {mine}，"
          + (f"低于全部来源的 {all_}：这类来源适合种草而不是收割。" if below
             else f"不低于全部来源的 {all_}：流量大且转化不差。"))
    en = (f"Visitors → add-to-cart → buyers by platform and source (the platform's own "
          f"attribution, visitors and buyers counted per day). Conversion = buyers / visitors; "
          f"{p(best, 'en')} converts best ({fmt.pct(best['source_conversion_rate'])}). The most "
          f"visitors come from {p(big, 'en')} ({fmt.integer(big['visitors'])}), converting at "
          f"{mine}, "
          + (f"below the {all_} of all sources: it builds awareness more than it closes sales."
             if below else f"not below the {all_} of all sources: large and converting."))
    return _t(zh, en, lang)


def uv_sentence(uv: pd.DataFrame, lang: str = "zh"):
    """Which shop's visitor is worth the most (UV价值), with the definitions."""
    if uv.empty:
        return _t("没有访客数据。", "No visitor data.", lang)
    top = uv.sort_values("uv_value_fen", ascending=False).iloc[0]
    return _t(f"UV价值 = 实付金额 / 访客数（访客按天计）：每来一个访客值多少钱，决定了买流量最多能出多少价。"
              f"转化率 = 支付买家(人·天) / 访客(人·天)，所以 实付金额 = 访客 × 转化率 × 客单价。"
              f"{_shop(top, 'zh')} 的访客最值钱（{fmt.yuan(top['uv_value_fen'], 'zh')}）。",
              f"UV value = paid / visitors (visitors per day): what one visitor is worth, i.e. "
              f"the most a paid visitor can cost. Conversion = paying buyer-days / visitor-days, "
              f"so paid = visitors × conversion × AOV. {_shop(top, 'en')}'s visitors are worth "
              f"the most ({fmt.yuan(top['uv_value_fen'], 'en')}).", lang)


# -- 3. ads -------------------------------------------------------------------------------------
def ads_sentence(by_channel: pd.DataFrame, lang: str = "zh"):
    """The definitions of ROAS and ROI, and which channels do not earn their own cost
    (ROI below 0), or that none of them fails to."""
    zh = ("ROAS = 平台归因成交额 / 花费（倍数）；ROI = (归因毛利 - 花费) / 花费，归因毛利 = 归因成交额 × "
          "该店同期毛利/实付（扣退款和成本）。")
    en = ("ROAS = platform-attributed paid / spend (a multiple); ROI = (attributed gross profit "
          "- spend) / spend, attributed gross profit = attributed paid × the shop's gross profit "
          "/ paid over the period (after refunds and cost of goods).")
    bad = by_channel[by_channel["roi"] < 0]
    if by_channel["roi"].isna().all():
        return _t(zh + "没有店铺毛利率，无法计算 ROI。", en + " No shop margin: ROI is unknown.", lang)
    if bad.empty:
        return _t(zh + "所有渠道的 ROI 都不小于 0：广告赚的毛利够付广告费。",
                  en + " Every channel's ROI is 0 or more: the ads earn their cost.", lang)
    names = lambda lg: "、".join(f"{r.shop_id} · {r.channel}" for r in bad.itertuples()) \
        if lg == "zh" else ", ".join(f"{r.shop_id} · {r.channel}" for r in bad.itertuples())  # noqa: E731
    return _t(zh + f"ROI 小于 0 的渠道（广告赚的毛利还不够付广告费）：{names('zh')}。",
              en + f" ROI below 0 (the ads do not earn their own cost): {names('en')}.", lang)


def roas_phase_sentence(by_phase: pd.DataFrame, lang: str = "zh"):
    """Do ads earn a higher ROAS on campaign days than on normal days?"""
    ph = by_phase.set_index("phase")["roas"] if len(by_phase) else pd.Series(dtype=float)
    c, n = ph.get("campaign", np.nan), ph.get("normal", np.nan)
    head_zh = "按推广计划的 ROAS 与 ROI（定义同上）。"
    head_en = "ROAS and ROI by ad campaign (as defined above)."
    if np.isnan(c) or np.isnan(n):
        return _t(head_zh, head_en, lang)
    word = ("高于", "higher than") if c > n else ("低于", "lower than") if c < n else ("等于", "equal to")
    return _t(f"{head_zh}按日历（dim_calendar）的大促日，全部广告的 ROAS 为 {c:.2f}，{word[0]}平日的 {n:.2f}。",
              f"{head_en} On campaign days of the calendar all ads returned a ROAS of {c:.2f}, "
              f"{word[1]} {n:.2f} on normal days.", lang)


def response_sentence(fitted: pd.DataFrame, lang: str = "zh"):
    """How many channels show diminishing returns (exponent b < 1), and where an extra
    yuan brings the least (marginal ROAS at the median spend)."""
    zh = ("边际 ROAS：把每个渠道的每日花费分成五档（按天数等分），实线是各档平均 ROAS，虚线是从上一档到这一档多花的钱"
          "带来的多出的成交（Δ成交 / Δ花费）。虚线低于 1 时，多花的钱连成交额都赚不回。下表另用 成交 = a × 花费^b "
          "拟合（对数最小二乘），b < 1 表示收益递减，中位花费处的边际 ROAS = b × ROAS。")
    en = ("Marginal ROAS: each channel's days are cut into five equal-count bins of daily spend; "
          "solid lines are the bins' average ROAS, dashed lines the extra attributed sales per "
          "extra yuan from one bin to the next (Δ attributed / Δ spend). Below 1, extra spend "
          "does not even return its own amount in sales. The table fits attributed = a × "
          "spend^b (least squares on logs): b < 1 means diminishing returns, and marginal ROAS "
          "at the median spend = b × ROAS.")
    f = fitted.dropna(subset=["exponent"]) if len(fitted) else fitted
    if f.empty:
        return _t(zh, en, lang)
    k = int((f["exponent"] < 1).sum())
    low = f.sort_values("marginal_roas_at_median").iloc[0]
    zh += (f"{len(f)} 个渠道中 {k} 个收益递减（b < 1）；中位花费处边际 ROAS 最低的是 {low['shop_id']} · "
           f"{low['channel']}（{low['marginal_roas_at_median']:.2f}）。")
    en += (f" {k} of {len(f)} channels show diminishing returns (b < 1); the lowest marginal ROAS "
           f"at the median spend is {low['shop_id']} · {low['channel']} "
           f"({low['marginal_roas_at_median']:.2f}).")
    return _t(zh, en, lang)


# -- 4. discounts and prices ----------------------------------------------------------------------
def discount_sentence(share: dict, threshold: float = 0.20, lang: str = "zh"):
    """Whether the deep-discount shop-days are mostly campaign days (so their volume is not
    all the discount's doing), from :func:`~ecomlib.metrics.channels.deep_discount_campaign_share`."""
    zh = "每个店铺每天的优惠深度 = (店铺优惠 + 平台优惠) / 原价金额，按深度分组后的日均件数。"
    en = ("Each shop-day's discount depth = (shop + platform discounts) / list amount, grouped by "
          "depth, with mean units per day.")
    d, o = share.get("deep_campaign_rate", np.nan), share.get("other_campaign_rate", np.nan)
    if not share.get("deep_days") or np.isnan(d) or np.isnan(o):
        return _t(zh, en, lang)
    more = d > o
    dt, ot = pct_pair(d, o)
    zh += (f"优惠深度 {fmt.pct(threshold, 0)} 以上的 {fmt.integer(share['deep_days'])} 个店铺·天中，"
           f"{dt} 落在大促期间，其余店铺·天{'只有' if more else '为'} {ot}")
    en += (f" Of the {fmt.integer(share['deep_days'])} shop-days with a depth of {fmt.pct(threshold, 0)} "
           f"or more, {dt} fall in campaigns, against {ot} of the other shop-days")
    if more:
        zh += "：深折扣多在大促日，销量高不全是折扣的功劳。"
        en += (": deep discounts come mostly with campaigns, so not all of their volume is the "
               "discount's doing.")
    else:
        zh += "：深折扣并不集中在大促日。"
        en += ": deep discounts are not concentrated on campaign days."
    return _t(zh, en, lang)


def elasticity_sentence(el: pd.DataFrame, pool: dict, lang: str = "zh"):
    """The pooled elasticity with its interval, what it means for a 1 % price rise (up or
    down, by its sign), and how much wider a single SKU's interval is (median width)."""
    q = el[el["qualifies"].astype(bool)] if len(el) else el
    if q.empty or not pool.get("count_skus"):
        return _t("没有 SKU 满足估计条件（需至少 60 天、100 件、两个各持续 14 天以上且相差 3% 以上的价格档）。",
                  "No SKU qualifies (needs 60+ days, 100+ units, and two price levels 3%+ apart held "
                  "14+ days each).", lang)
    e = pool["elasticity"]
    width = float((q["ci_high"] - q["ci_low"]).median())
    times = width / (pool["ci_high"] - pool["ci_low"]) if pool["ci_high"] > pool["ci_low"] else np.nan
    dz, de = ("减少", "fall") if e < 0 else ("增加", "rise")
    zh = (f"只用每个 SKU 自己的原价变动估计：对数销量对对数价格的泊松回归（控制星期几与大促日），给出标准误与 95% 区间。"
          f"{len(el)} 个 SKU 中 {len(q)} 个满足条件（至少 60 天、100 件、两个各持续 14 天以上且相差 3% 以上的价格档），"
          f"其余没有足够的价格变化。合并估计（逆方差加权）为 {e:.2f}（95% 区间 {pool['ci_low']:.2f} 至 "
          f"{pool['ci_high']:.2f}）：涨价 1%，销量约{dz} {abs(e):.1f}%。单个 SKU 的 95% 区间宽度中位数为 "
          f"{width:.2f}，是合并区间的 {times:.1f} 倍，别只凭一个 SKU 的点估计定价。")
    en = (f"Estimated only from each SKU's own list-price changes: Poisson regression of log units "
          f"on log price, controlling for weekday and campaign days, with standard error and 95% CI. "
          f"{len(q)} of {len(el)} SKUs qualify (60+ days, 100+ units, two price levels 3%+ apart "
          f"held 14+ days each); the rest never changed price enough. Pooled (inverse-variance) "
          f"estimate: {e:.2f} (95% CI {pool['ci_low']:.2f} to {pool['ci_high']:.2f}): a 1% price "
          f"rise makes units {de} by about {abs(e):.1f}%. A single SKU's 95% interval is "
          f"{width:.2f} wide (median), {times:.1f} times the pooled one: do not price on one SKU's "
          f"point estimate.")
    return _t(zh, en, lang)


def uplift_sentence(up: pd.DataFrame, lang: str = "zh"):
    """Which campaigns surely added sales (lower bound of the net uplift above 0) and which
    did not, and where the post-campaign dip was deepest."""
    zh = ("反事实基线：活动前 56 个非大促日的按星期几调整的水平。净增量 = 活动前透支（活动前 N 天低于基线的部分）"
          "+ 活动期增量 + 活动后透支。95% 区间来自对基线日的自助抽样（含日波动）。")
    en = ("Counterfactual baseline: the weekday-adjusted level of the 56 non-campaign days before "
          "the campaign. Net uplift = pre-campaign dip (days before it below baseline) + uplift "
          "during the campaign + post-campaign dip. The 95% interval bootstraps the baseline days "
          "(including day-to-day noise).")
    ok = up[up["why"] == ""] if len(up) else up
    if ok.empty:
        return _t(zh, en, lang)
    sure = ok[ok["net_uplift_low_fen"] > 0]
    unsure = ok[ok["net_uplift_low_fen"] <= 0]
    names = lambda d, lg: ("、" if lg == "zh" else ", ").join(  # noqa: E731
        campaign_label(n, lg) for n in d["campaign_name"])
    if len(sure):
        zh += f"区间下限大于 0、确实带来了增量的：{names(sure, 'zh')}。"
        en += f" Surely added sales (lower bound above 0): {names(sure, 'en')}."
    if len(unsure):
        zh += f"不能确定带来增量的（区间下限不大于 0）：{names(unsure, 'zh')}。"
        en += f" Not shown to add sales (lower bound 0 or below): {names(unsure, 'en')}."
    dip = ok.sort_values("post_dip_fen").iloc[0]
    if dip["post_dip_fen"] < 0:
        zh += (f"活动后透支最深的是 {campaign_label(dip['campaign_name'], 'zh')}（{fmt.wan(dip['post_dip_fen'], 'zh')}）："
               "透支越深，越多只是把本来会买的订单提前了。")
        en += (f" The deepest post-campaign dip followed {campaign_label(dip['campaign_name'], 'en')} "
               f"({fmt.wan(dip['post_dip_fen'], 'en')}): the deeper, the more of it was purchases "
               "pulled forward.")
    else:
        zh += "没有活动在结束后出现透支。"
        en += " No campaign was followed by a dip."
    return _t(zh, en, lang)


# -- 5. live streams --------------------------------------------------------------------------------
def streamer_sentence(per: pd.DataFrame, lang: str = "zh"):
    """The definitions, and the 达人 with the highest refund rate and the lowest commission
    ROI (own streams pay no commission and are left out)."""
    zh = ("每位主播/达人：实付金额、退款、支付买家(人·天)、佣金（有 streamer_commission 成本时按当天达人净销售分摊，否则按佣金率），"
          "佣金ROI = (毛利 - 佣金) / 佣金。自播不付佣金，所以没有 ROI。")
    en = ("Per streamer: paid, refunds, paying buyer-days, commission (the day's streamer_commission "
          "cost split by the streamers' net sales when present, else the commission rate) and "
          "commission ROI = (gross profit - commission) / commission. Own streams pay no "
          "commission, so they have no ROI.")
    d = per[~per["is_own_stream"].astype(bool)] if len(per) else per
    d = d.dropna(subset=["commission_roi"]) if len(d) else d
    if d.empty:
        return _t(zh, en, lang)
    hr = d.sort_values(["refund_rate", "streamer"], ascending=[False, True]).iloc[0]
    lo = d.sort_values(["commission_roi", "streamer"]).iloc[0]
    zh += (f"退款率最高的达人是 {hr['streamer']}（{fmt.pct(hr['refund_rate'])}），佣金ROI 最低的是 "
           f"{lo['streamer']}（{lo['commission_roi']:.2f}）：先看他们是否值得继续合作。")
    en += (f" The highest refund rate: {hr['streamer']} ({fmt.pct(hr['refund_rate'])}); the lowest "
           f"commission ROI: {lo['streamer']} ({lo['commission_roi']:.2f}): review these first.")
    return _t(zh, en, lang)


# -- 6. alerts ----------------------------------------------------------------------------------
def alerts_sentence(alerts: pd.DataFrame, checked: pd.DataFrame, first, last, lang: str = "zh"):
    """What the daily checks found in ``first``..``last``: nothing to check, everything in
    range, or how many alerts (each listed after this sentence)."""
    a, b = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    n = (pd.Timestamp(last) - pd.Timestamp(first)).days + 1
    if checked is None or not len(checked):
        return _t("没有可检查的日数据。", "No daily data to check.", lang)
    if alerts is None or alerts.empty:
        return _t(f"最近 {n} 天（{a} 至 {b}）各店铺的实付金额、订单数、退款率、ROAS 和转化率都在预期范围内。",
                  f"In the last {n} days ({a} to {b}) every shop's sales, orders, refund rate, ROAS "
                  "and conversion stayed inside the expected range.", lang)
    return _t(f"最近 {n} 天（{a} 至 {b}）共 {len(alerts)} 条告警。预期范围：平日按星期几调整的前 8 周稳健基线 ± 4 "
              "个稳健标准差（MAD）；大促日（按仓库日历 dim_calendar）只和往期同一大促的同阶段比，大促峰值本身不会报警。"
              "退款率只在升高时报警（最近的订单退款还没发生完），ROAS 只在下降时报警。",
              f"{len(alerts)} alerts in the last {n} days ({a} to {b}). Expected range: a "
              "weekday-adjusted robust baseline of the previous 8 weeks ± 4 robust standard "
              "deviations (MAD); campaign days (of the warehouse calendar, dim_calendar) are "
              "compared only with the same phase of the same campaign in earlier years, so a "
              "normal campaign peak does not alert. The refund rate alerts only when it rises "
              "(recent orders' refunds are still coming in), ROAS only when it falls.", lang)


# -- charts ------------------------------------------------------------------------------------
def plot_marginal_roas(binned: pd.DataFrame, label_cols: Sequence[str] = ("shop_id", "channel"),
                       lang: str = "zh"):
    """Average ROAS and marginal ROAS per daily-spend bin, one line per shop and channel
    (x: mean daily spend of the bin in yuan; solid: ROAS; dashed: marginal ROAS)."""
    from .. import plots
    plots.setup(lang)
    if binned.empty:
        return plots._empty_figure(i18n.text("边际ROAS", "Marginal ROAS", lang), lang, (11, 4))
    fig, axes = plots._new_figure((11, 4.4))
    ax = axes
    keys = [tuple(r) for r in binned[list(label_cols)].drop_duplicates().itertuples(index=False)]
    names = [" · ".join(str(i18n.label(x, lang)) for x in k) for k in keys]
    colors = plots.palette(names)
    for k, name in zip(keys, names):
        g = binned
        for c, v in zip(label_cols, k):
            g = g[g[c] == v]
        ax.plot(g["spend_fen"] / 100, g["roas"], color=colors[name], lw=1.8, marker="o", ms=4,
                label=name)
        ax.plot(g["spend_fen"] / 100, g["marginal_roas"], color=colors[name], lw=1.2, ls="--")
    ax.axhline(1.0, color="#868E96", lw=0.8, ls=":")
    ax.xaxis.set_major_formatter(plots.money_formatter(lang))
    ax.set_xlabel(i18n.text("日均花费（元，按花费五分位分档）",
                            "Mean daily spend (CNY, spend quintiles)", lang))
    ax.set_ylabel(i18n.text("ROAS = 广告成交额 / 花费", "ROAS = attributed paid / spend", lang))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small",
              title=i18n.text("实线 ROAS，虚线 边际ROAS", "solid ROAS, dashed marginal", lang))
    ax.set_title(i18n.text("花费越多，每多花 1 元带来的成交越少？（ROAS 与边际 ROAS）",
                           "Does each extra yuan bring less? (ROAS and marginal ROAS)", lang))
    return fig


def plot_uplift(days: pd.DataFrame, title: str, lang: str = "zh"):
    """Actual vs baseline paid amount per day of a campaign window; the shaded area between
    them is the uplift (green above baseline, red below: the pull-forward dip)."""
    from .. import plots
    plots.setup(lang)
    if days.empty:
        return plots._empty_figure(title, lang, (11, 4))
    fig, ax = plots._new_figure((11, 4))
    x = pd.to_datetime(days["sales_date"])
    a, b = days["actual_fen"] / 100, days["baseline_fen"] / 100
    ax.plot(x, a, color="#1C7ED6", lw=1.8, label=i18n.label("actual_fen", lang))
    ax.plot(x, b, color="#495057", lw=1.4, ls="--", label=i18n.label("baseline_fen", lang))
    ax.fill_between(x, a, b, where=a >= b, color="#40C057", alpha=0.25, interpolate=True)
    ax.fill_between(x, a, b, where=a < b, color="#FA5252", alpha=0.3, interpolate=True)
    ph = days["phase"].to_numpy()
    for p, lab in (("pre", i18n.text("活动前", "before", lang)),
                   ("post", i18n.text("活动后", "after", lang))):
        m = ph == p
        if m.any():
            ax.axvspan(x[m].min() - pd.Timedelta(hours=12), x[m].max() + pd.Timedelta(hours=12),
                       color="#F1F3F5", zorder=0)
            ax.text(x[m].min() + (x[m].max() - x[m].min()) / 2, 1.0, lab, ha="center", va="bottom",
                    transform=ax.get_xaxis_transform(), fontsize="small", color="#495057")
    ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    plots._date_axis(ax, lang)
    ax.set_ylabel(i18n.text("实付金额（元/天）", "Paid amount (CNY per day)", lang))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    ax.set_title(title, pad=16)
    return fig


def export_excel(sheets: dict[str, pd.DataFrame], path):
    """Write the report's tables to one .xlsx file, one sheet each (names cut to 31
    characters), with :func:`ecomlib.excel.write_tables`: money columns ``*_fen`` become
    ``*_yuan`` (divided by 100); timezone-aware timestamps are written as Beijing
    wall-clock time. Returns the path."""
    from .. import excel
    return excel.write_tables(sheets, path)
