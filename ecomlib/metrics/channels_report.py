"""Reporting for the channels report (notebooks/channels.ipynb): the period it shows, its
经营摘要 (KPI cards, largest changes, actions), sentences, charts and Excel file. The numbers
come from :mod:`ecomlib.metrics.channels` (pure functions) on the frames of
:mod:`ecomlib.metrics.channels_queries`; nothing here computes a metric of its own.

:func:`build_report` reads everything one run needs for a period (:class:`ecomlib.periods.Period`)
and returns the tables, the summary and the actions; the notebook only displays them. Windows:

* the **period** (``start``..``end``) for the tables, cards and actions, compared with its 环比
  and 同比 periods; a period the data does not cover to its end (the latest data day is
  earlier) is marked, and its comparisons cover the same number of days;
* the **trend** (the :data:`TREND_WEEKS` weeks up to the period's end, or the period when it
  is longer) for the weekly chart; a week cut by the period or the data is marked incomplete;
* the **context** (``history_days`` up to the period's end, or the period when longer) for
  the analyses that need many days: response curves, discount depth, price elasticity and
  campaign uplift; and two years before the end as history for the daily checks.

Every sentence whose claim depends on the data (largest, better, up, "the campaign added
sales") is a function of the numbers it talks about, tested with data that says the
opposite (tests/test_channels_report.py). Sentences are :func:`ecomlib.fmt.md` objects in
the report's language; values from the data (shop names, sources, streamers) are escaped
text there. Shops are shown by their names (the shop table), platforms by theirs.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, i18n, periods
from .. import summary as S
from . import catalogue
from .channels import Campaign

__all__ = [
    "REPORT", "TITLE", "TREND_WEEKS", "SECTIONS", "BIG_CAMPAIGN_DAYS", "resolve_period",
    "title", "section", "scope_sentence", "context_sentence",
    "below_sentence", "plans_sentence", "freshness_sentence", "notes", "period_target", "build_report", "cards", "largest_changes",
    "actions", "view", "why_text", "excel_tables", "pct_pair", "campaign_label",
    "campaign_events", "shop_sentence", "weekly_sentence", "funnel_sentence", "uv_sentence",
    "ads_sentence", "roas_phase_sentence", "response_sentence", "discount_sentence",
    "elasticity_sentence", "uplift_sentence", "streamer_sentence", "alerts_sentence",
    "plot_weekly", "plot_marginal_roas", "plot_uplift", "export_excel",
]

REPORT = "channels"
#: the report's name (zh, en): the page title is this and the period
TITLE = ("渠道与营销", "Channels and marketing")
#: weeks the weekly chart shows, up to the period's end
TREND_WEEKS = 13
#: the report's sections: anchor -> (zh, en) heading; the summary's actions link to them
SECTIONS = {
    "shops": ("平台与店铺", "Platforms and shops"),
    "traffic": ("流量来源", "Traffic sources"),
    "ads": ("广告：ROAS 与 ROI", "Ads: ROAS and ROI"),
    "discounts": ("优惠深度与销量", "Discount depth and volume"),
    "elasticity": ("价格弹性", "Price elasticity"),
    "uplift": ("大促增量", "Campaign uplift"),
    "streamers": ("直播与达人", "Live streams and streamers"),
    "alerts": ("异常告警", "Alerts"),
    "freshness": ("数据时效", "Data freshness"),
    "notes": ("指标说明", "Definitions"),
}
#: anchors inside sections (the summary links to them too)
SUB_ANCHORS = ("trend", "ad-plans", "sources-below")

#: campaigns of at least this many days are the big ones: marked on charts, drawn day by day
BIG_CAMPAIGN_DAYS = 10
#: at most this many shop-days with alerts each get their own line in the action list
MAX_ACTION_LINES = 4
#: at most this many losing ad plans (and streamers) each get their own line
MAX_PLAN_LINES = 3


def _t(zh: str, en: str, lang: str):
    return fmt.md(zh, en, lang)


def _tx(zh: str, en: str, lang: str) -> str:
    return i18n.text(zh, en, lang)


def _name(row) -> str:
    """A shop's name: ``shop_name`` when the row has one, else its id."""
    n = row.get("shop_name") if hasattr(row, "get") else None
    return str(n) if isinstance(n, str) and n else str(row["shop_id"])


def _shop(row, lang: str) -> str:
    """``山野生活官方旗舰店（天猫）`` / ``山野生活官方旗舰店 (Tmall)``."""
    plat = i18n.label(row["platform"], lang) if "platform" in row else ""
    if not plat:
        return _name(row)
    return f"{_name(row)}（{plat}）" if lang == "zh" else f"{_name(row)} ({plat})"


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


def _day(v) -> str:
    return pd.Timestamp(v).strftime("%Y-%m-%d")


# -- the period, the title, headings ----------------------------------------------------------
def resolve_period(wh, period: str = "", as_of="latest", start: str = "", end: str = "",
                   previous_start: str = "", previous_end: str = "", year_ago_start: str = "",
                   year_ago_end: str = "", shops=None, platforms=None) -> periods.Period:
    """The period the report shows: the runner's resolved days, or resolved the runner's way
    by hand (:func:`ecomlib.periods.from_parameters`; empty ``period``: ``last_week``)."""
    return periods.from_parameters(wh, REPORT, period, as_of, start, end, previous_start,
                                   previous_end, year_ago_start, year_ago_end, shops, platforms)


def title(period: periods.Period, lang: str = "zh") -> str:
    """``渠道与营销 · 上周 2025-12-22 至 2025-12-28``: the report's name and its period."""
    return f"{_tx(*TITLE, lang)} · {period.label(lang)}"


def section(anchor: str, lang: str = "zh", number: int | None = None) -> fmt.Heading:
    """The ``<h2>`` of a section of :data:`SECTIONS`, with its anchor (the summary's links
    point to it)."""
    zh, en = SECTIONS[anchor]
    pre = f"{number}. " if number else ""
    return fmt.heading(pre + zh, pre + en, lang, 2, anchor)


# -- targets ---------------------------------------------------------------------------------
def period_target(targets_file, shop_ids: Sequence[str], start, end) -> float | None:
    """The paid-amount target of ``shop_ids`` for ``start``..``end`` (fen), or None.

    ``targets_file`` is parameters/targets.yaml (monthly targets per shop, in yuan): each
    day takes its month's target / the days of that month, summed over the days and shops.
    None when the file targets another metric than ``paid_fen``, or when a shop lacks a
    target for a month of the period (a partial target would read as a shortfall)."""
    import yaml
    if not targets_file or not Path(targets_file).exists() or not len(shop_ids):
        return None
    doc = yaml.safe_load(Path(targets_file).read_text(encoding="utf-8")) or {}
    if doc.get("metric", "paid_fen") != "paid_fen":
        return None
    monthly: dict[tuple[str, pd.Period], float] = {}
    for t in doc.get("targets") or []:
        if not isinstance(t, dict) or t.get("level") != "shop":
            continue
        first = pd.Period(str(t.get("from")), freq="M")
        vals = t.get("monthly_yuan")
        vals = vals if isinstance(vals, list) else [vals]
        for k, v in enumerate(vals):
            monthly[(str(t.get("id")), first + k)] = float(v) * 100
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end))
    total = 0.0
    for shop in shop_ids:
        for d in days:
            m = d.to_period("M")
            if (shop, m) not in monthly:
                return None
            total += monthly[(shop, m)] / d.days_in_month
    return total


# -- the run's numbers -----------------------------------------------------------------------
def _between(df: pd.DataFrame, col: str, a, b) -> pd.DataFrame:
    if not len(df):
        return df
    d = pd.to_datetime(df[col])
    return df[(d >= pd.Timestamp(a)) & (d <= pd.Timestamp(b))]


def build_report(wh, period: periods.Period, shops=None, platforms=None, campaigns=(),
                 own_streams: Sequence[str] = (), commission_rate: float = 0.2,
                 alert_days: int = 7, history_days: int = 365, targets_file=None,
                 lang: str = "zh", n_boot: int = 500) -> dict:
    """Every table, the summary and the actions of the channels report for ``period``.

    Returns a dict (frames empty where there is no data): ``period``; ``names`` (shop id ->
    name) and ``products`` (SKU -> name); ``data_end`` (the latest day with sales in the
    selection, up to the period's end), ``incomplete`` (the data stop before the period
    ends) with ``covered_days``; the windows ``trend_start``, ``context_start``; ``days``
    (the period's shop-days), ``summary`` (per shop, with the 环比 period's paid amount),
    ``weekly`` (per week and shop over the trend window, incomplete weeks marked), ``share``
    (monthly platform shares over the context window); ``funnel``, ``below_sources``,
    ``uv``; ``ads``, ``by_channel``, ``by_plan``, ``losing_plans``, ``by_phase``,
    ``binned``, ``fitted`` (response curves over the context window); ``dd``, ``dd_share``;
    ``el``, ``pool``; ``camps``, ``daily_paid``, ``up``; ``sessions``, ``per``, ``ses``,
    ``losing_streamers``; ``recent`` (the daily checks of the last 6 weeks), ``checked``,
    ``alerts``, ``alert_first``, ``alert_last``; ``fresh``, ``fresh_warning``; ``cards``,
    ``changes``, ``actions`` and ``health`` for :func:`ecomlib.summary.html`.
    """
    from .. import freshness
    from ..models import anomaly
    from . import channels as ch
    from . import channels_queries as Q
    P = period
    sel = {"shops": list(shops or []) or None, "platforms": list(platforms or []) or None}
    day = pd.Timedelta(days=1)
    start, end = pd.Timestamp(P.start), pd.Timestamp(P.end)
    ctx_start = min(start, end - pd.Timedelta(days=history_days - 1))
    monday = end - pd.Timedelta(days=end.day_of_week)
    trend_start = min(start, monday - pd.Timedelta(weeks=TREND_WEEKS - 1))
    fetch_start = min(ctx_start - pd.Timedelta(days=120), pd.Timestamp(P.year_ago_start),
                      end - pd.Timedelta(days=729), trend_start)
    names = Q.shop_names(wh)
    R: dict = {"period": P, "lang": lang, "names": names, "start": start, "end": end,
               "context_start": ctx_start, "trend_start": trend_start}
    days_all = Q.shop_days(wh, fetch_start, end, **sel)
    sold = days_all.loc[days_all["paid_fen"] > 0, "sales_date"] if len(days_all) else pd.Series([], dtype="datetime64[ns]")
    data_end = sold.max() if len(sold) else None
    data_start = sold.min() if len(sold) else None
    eff_end = min(end, data_end) if data_end is not None else end
    covered = max((eff_end - start).days + 1, 0)
    incomplete = data_end is not None and data_end < end
    R.update(data_end=data_end, covered_days=covered, incomplete=incomplete, eff_end=eff_end)
    n = covered if incomplete else P.days
    prev_a, ya_a = pd.Timestamp(P.previous_start), pd.Timestamp(P.year_ago_start)
    prev_b = min(pd.Timestamp(P.previous_end), prev_a + (n - 1) * day)
    ya_b = min(pd.Timestamp(P.year_ago_end), ya_a + (n - 1) * day)
    has_prev = data_start is not None and data_start <= prev_a
    has_ya = data_start is not None and data_start <= ya_a
    R.update(previous=(prev_a, prev_b) if has_prev else None,
             year_ago=(ya_a, ya_b) if has_ya else None)
    empty = days_all.iloc[0:0]
    days = _between(days_all, "sales_date", start, eff_end)
    prev_rows = _between(days_all, "sales_date", prev_a, prev_b) if has_prev else empty
    ya_rows = _between(days_all, "sales_date", ya_a, ya_b) if has_ya else empty
    R["days"] = days
    tot = ch.period_totals(days)
    summ = ch.shop_summary(tot)
    if len(summ):
        before = ch.period_totals(prev_rows)[["platform", "shop_id", "paid_fen"]] if has_prev \
            else pd.DataFrame(columns=["platform", "shop_id", "paid_fen"])
        summ = summ.merge(before.rename(columns={"paid_fen": "previous_paid_fen"}),
                          on=["platform", "shop_id"], how="left")
        if has_prev:
            summ["previous_paid_fen"] = summ["previous_paid_fen"].fillna(0)
        prev_paid = pd.to_numeric(summ["previous_paid_fen"], errors="coerce").astype("float64")
        summ["paid_mom_rate"] = (summ["paid_fen"] / prev_paid.where(prev_paid > 0)) - 1
    summ["shop_name"] = summ["shop_id"].map(names).fillna(summ["shop_id"]) if len(summ) else []
    R["summary"] = summ
    # trend and mix
    weekly = ch.weekly_by_shop(_between(days_all, "sales_date", trend_start, eff_end),
                               start=trend_start, end=eff_end) if len(days_all) else pd.DataFrame()
    if len(weekly):
        weekly["shop_name"] = weekly["shop_id"].map(names).fillna(weekly["shop_id"])
    R["weekly"] = weekly
    ctx_days = _between(days_all, "sales_date", ctx_start, eff_end)
    R["share"] = ch.platform_share(ctx_days) if len(ctx_days) else pd.DataFrame()
    # campaigns and their phases over the whole window read
    camps = ch.parse_campaigns(campaigns) if campaigns else Q.campaigns(wh, fetch_start, end)
    cal_days = pd.date_range(fetch_start, end)
    phases = ch.campaign_calendar(cal_days, camps)
    R["camps"] = camps
    # traffic
    f_cur = Q.traffic_sources(wh, start, eff_end, **sel)
    funnel = ch.traffic_funnel(f_cur, ("platform", "source"))
    R["funnel"] = funnel
    R["below_sources"] = ch.below_average_sources(funnel)
    f_prev = Q.traffic_sources(wh, prev_a, prev_b, **sel) if has_prev else f_cur.iloc[0:0]
    uv = ch.uv_value(tot) if len(tot) else pd.DataFrame()
    if len(uv):
        uv["shop_name"] = uv["shop_id"].map(names).fillna(uv["shop_id"])
    R["uv"] = uv
    # ads
    ads_all = Q.ads(wh, fetch_start, end, **sel)
    ads = _between(ads_all, "spend_date", start, eff_end)
    ads_prev = _between(ads_all, "spend_date", prev_a, prev_b) if has_prev else ads.iloc[0:0]
    ads_ya = _between(ads_all, "spend_date", ya_a, ya_b) if has_ya else ads.iloc[0:0]
    R["ads"] = ads
    margin = summ[["platform", "shop_id", "gross_profit_rate"]] if len(summ) else None
    blank = pd.DataFrame()
    if len(ads):
        by_channel = ch.ad_performance(ads, ("platform", "shop_id", "channel"), margin=margin)
        by_plan = ch.ad_performance(ads, ("platform", "shop_id", "channel", "campaign"),
                                    margin=margin)
        for d in (by_channel, by_plan):
            d["shop_name"] = d["shop_id"].map(names).fillna(d["shop_id"])
        R.update(by_channel=by_channel, by_plan=by_plan, losing_plans=ch.losing_ad_plans(by_plan),
                 by_phase=ch.roas_by_phase(ads, phases))
    else:
        R.update(by_channel=blank, by_plan=blank, losing_plans=blank, by_phase=blank)
    ads_ctx = _between(ads_all, "spend_date", ctx_start, eff_end)
    if len(ads_ctx):
        binned, fitted = ch.marginal_roas(ads_ctx, ("platform", "shop_id", "channel"), bins=5)
        for d in (binned, fitted):
            if len(d):
                d["shop_name"] = d["shop_id"].map(names).fillna(d["shop_id"])
    else:
        binned, fitted = blank, blank
    R.update(binned=binned, fitted=fitted)
    # discounts and prices over the context window
    R["dd"] = ch.discount_depth(ctx_days) if len(ctx_days) else blank
    R["dd_share"] = ch.deep_discount_campaign_share(ctx_days, phases) if len(ctx_days) else {}
    R["products"] = Q.product_names(wh)
    sku = Q.sku_days(wh, ctx_start, eff_end, **sel)
    el = ch.price_elasticity(sku, phases[phases != "normal"].index) if len(sku) else blank
    R["el"] = el
    R["pool"] = ch.pooled_elasticity(el) if len(el) else {}
    # campaign uplift: the campaigns of the context window, on every day read
    daily_paid = ch.period_totals(_between(days_all, "sales_date", fetch_start, eff_end),
                                  ["sales_date"]) if len(days_all) else blank
    camps_up = [c for c in camps if c.window[1] >= ctx_start and c.start <= eff_end]
    R["daily_paid"] = daily_paid
    R["camps_up"] = camps_up
    R["up"] = ch.campaign_uplift(daily_paid, camps_up, "paid_fen", n_boot=n_boot) \
        if len(daily_paid) and camps_up else blank
    # live streams
    sessions = Q.streamer_sessions(wh, start, eff_end, **sel)
    R["sessions"] = sessions
    if len(sessions):
        costs = Q.costs(wh, start, eff_end, **sel)
        ses = ch.streamer_performance(sessions, costs, commission_rate, own_streams)
        per = ch.streamer_performance(sessions, costs, commission_rate, own_streams,
                                      by=["platform", "shop_id", "streamer"])
        for d in (ses, per):
            d["shop_name"] = d["shop_id"].map(names).fillna(d["shop_id"])
        R.update(ses=ses, per=per, losing_streamers=ch.losing_streamers(per))
    else:
        R.update(ses=blank, per=blank, losing_streamers=blank)
    # daily checks: the last alert_days days of the period that have data, against their
    # own history (two years read)
    R["alert_last"] = eff_end
    R["alert_first"] = max(start, eff_end - (alert_days - 1) * day)
    dm = ch.daily_shop_metrics(days_all[days_all["sales_date"] <= eff_end], ads_all) \
        if len(days_all) else blank
    if len(dm):
        recent = anomaly.detect(dm, ch.campaign_calendar(cal_days, camps, by_kind=True),
                                check_from=R["alert_first"] - pd.Timedelta(days=41))
        recent["shop_name"] = recent["shop_id"].map(names).fillna(recent["shop_id"])
        checked = recent[recent["date"] >= R["alert_first"]]
        al = anomaly.alerts(checked, lang) if len(checked) else blank
    else:
        recent = checked = al = blank
    R.update(recent=recent, checked=checked, alerts=al)
    # freshness
    fresh = freshness.table(wh, P.as_of, sel["platforms"], sel["shops"])
    R["fresh"] = fresh
    R["fresh_warning"] = freshness.warning(fresh, lang) if len(fresh) else None
    # the summary
    target = period_target(targets_file, sorted(set(days["shop_id"])) if len(days) else [],
                           start, eff_end)
    R["target"] = target
    R["cards"] = cards(days, prev_rows if has_prev else None, ya_rows if has_ya else None,
                       ads, ads_prev if has_prev else None, ads_ya if has_ya else None,
                       target, lang)
    R["changes"] = largest_changes(days, prev_rows, f_cur, f_prev, ads, ads_prev, names, lang) \
        if has_prev else []
    R["actions"] = actions(R, lang)
    R["health"] = _health(R, lang)
    return R


# -- the summary -----------------------------------------------------------------------------
def cards(cur: pd.DataFrame, prev: pd.DataFrame | None, year_ago: pd.DataFrame | None,
          ads: pd.DataFrame, ads_prev: pd.DataFrame | None, ads_year_ago: pd.DataFrame | None,
          target: float | None = None, lang: str = "zh") -> list[S.Card]:
    """The KPI cards: 实付金额 (against ``target`` when given), 访客数, 转化率, 客单价 (笔单价
    beside it), 广告花费, ROAS and 退款率, each the catalogue's metric of the period's rows
    (shop-days of ``cur``, ad rows of ``ads``) with 环比 (``prev``) and 同比 (``year_ago``);
    a comparison without data (None) shows "—". Visitors and conversion are left out without
    traffic data, ad spend and ROAS without ads."""
    v = catalogue.value

    def three(metric, rows, p, y):
        return (v(metric, rows), None if p is None else v(metric, p),
                None if y is None else v(metric, y))

    out = []
    paid = three("paid_fen", cur, prev, year_ago)
    note = ""
    if target is not None:
        note = _tx(f"目标 {fmt.yuan(target, lang, 0)}（月目标按天折算）",
                   f"target {fmt.yuan(target, lang, 0)} (monthly, pro rata)", lang)
    out.append(S.Card("paid_fen", *paid, target=target, note=note))
    if len(cur) and cur["visitors"].sum() > 0:
        out.append(S.Card("visitors", *three("visitors", cur, prev, year_ago)))
        out.append(S.Card("conversion_rate", *three("conversion_rate", cur, prev, year_ago)))
    ov = v("order_value_fen", cur) if len(cur) else np.nan
    out.append(S.Card("aov_fen", *three("aov_fen", cur, prev, year_ago),
                      note=_tx(f"笔单价 {fmt.yuan(ov, lang)}", f"per order {fmt.yuan(ov, lang)}",
                               lang)))
    if len(ads) and ads["spend_fen"].sum() > 0:
        out.append(S.Card("spend_fen", *three("spend_fen", ads, ads_prev, ads_year_ago)))
        out.append(S.Card("roas", *three("roas", ads, ads_prev, ads_year_ago)))
    out.append(S.Card("refund_rate", *three("refund_rate", cur, prev, year_ago),
                      note=_tx("近期订单的退款还在发生", "recent orders' refunds still coming in",
                               lang)))
    return out


def largest_changes(cur: pd.DataFrame, prev: pd.DataFrame, traffic: pd.DataFrame,
                    traffic_prev: pd.DataFrame, ads: pd.DataFrame, ads_prev: pd.DataFrame,
                    names: dict, lang: str = "zh", top: int = 5) -> list[S.Change]:
    """The largest moves against the 环比 period, each with what drove it: paid amount and
    客单价 by shop, 转化率 by platform, visitors by traffic source (platform and source), ad
    spend and ROAS by ad channel (shop and channel); the refund rate only when it rose (the
    period's latest orders have not had all their refunds yet). Ordered by the size of the
    move relative to its base; at most ``top``."""
    out: list[S.Change] = []
    if len(cur) and len(prev):
        out += S.changes(cur, prev, ["paid_fen", "aov_fen"], "shop_id", names)
        out += [c for c in S.changes(cur, prev, ["refund_rate"], "shop_id", names)
                if c.delta > 0]
        plats = {p: i18n.label(p, lang) for p in set(cur["platform"]) | set(prev["platform"])}
        if cur["visitors"].sum() > 0 and prev["visitors"].sum() > 0:
            out += S.changes(cur, prev, ["conversion_rate"], "platform", plats)
    if len(traffic) and len(traffic_prev):
        def key(d):
            return d.assign(key=d["platform"] + "|" + d["source"].astype(str))
        lab = {f"{p}|{s}": (f"{i18n.label(p, lang)}「{s}」" if lang == "zh"
                            else f"{i18n.label(p, lang)} '{s}'")
               for p, s in pd.concat([traffic, traffic_prev])[["platform", "source"]]
               .drop_duplicates().itertuples(index=False)}
        out += S.changes(key(traffic), key(traffic_prev), ["visitors"], "key", lab)
    if len(ads) and len(ads_prev):
        def akey(d):
            return d.assign(key=d["shop_id"] + "|" + d["channel"].astype(str))
        lab = {f"{s}|{c}": f"{names.get(s, s)} · {c}"
               for s, c in pd.concat([ads, ads_prev])[["shop_id", "channel"]]
               .drop_duplicates().itertuples(index=False)}
        out += S.changes(akey(ads), akey(ads_prev), ["spend_fen", "roas"], "key", lab)
    out.sort(key=lambda c: abs(c.delta / c.previous) if c.previous else float("inf"),
             reverse=True)
    return out[:top]


def actions(R: dict, lang: str = "zh") -> list[S.Action]:
    """What to do, most urgent first, each linked to its section: stale exports; the alerts
    of the daily checks, one line per shop-day (the first :data:`MAX_ACTION_LINES`, then a
    count); ad plans that lose money (ROI < 0) to pause or cut and streamers whose
    commission ROI is below 0 (the largest :data:`MAX_PLAN_LINES` each, then a count);
    traffic sources that convert below their platform's average."""
    out: list[S.Action] = []
    names = R.get("names", {})
    if R.get("fresh_warning"):
        out.append(S.Action(R["fresh_warning"], "#freshness", "high"))
    al = R.get("alerts")
    if al is not None and len(al):
        from ..models import anomaly
        # one line per shop-day (its alerts joined), latest and strongest first
        groups: dict = {}
        for _, r in al.iterrows():
            groups.setdefault((pd.Timestamp(r["date"]), r["shop_id"]), []).append(r)
        keys = list(groups)
        for k in keys[:MAX_ACTION_LINES]:
            rows = groups[k]
            line = anomaly.alert_brief(rows[0], lang) + "".join(
                ("；" if lang == "zh" else "; ") + anomaly.alert_brief(r, lang, where=False)
                for r in rows[1:])
            out.append(S.Action(_tx("核查异常：", "Check: ", lang) + line, "#alerts", "high",
                                count=len(rows)))
        if len(keys) > MAX_ACTION_LINES:
            rest = sum(len(groups[k]) for k in keys[MAX_ACTION_LINES:])
            out.append(S.Action(_tx(f"另有 {rest} 条异常告警（{len(keys) - MAX_ACTION_LINES} 个店铺·天）",
                                    f"{rest} more alerts ({len(keys) - MAX_ACTION_LINES} shop-days)",
                                    lang), "#alerts", "high", count=rest))
    lp = R.get("losing_plans")
    if lp is not None and len(lp):
        for r in lp.head(MAX_PLAN_LINES).itertuples(index=False):
            shop = names.get(r.shop_id, r.shop_id)
            loss, spend = fmt.yuan(r.ad_loss_fen, lang, 0), fmt.yuan(r.spend_fen, lang, 0)
            out.append(S.Action(
                _tx(f"暂停或降低出价：{shop} · {r.channel}「{r.campaign}」ROI {r.roi:.2f}，"
                    f"花费 {spend}，广告毛利比花费少 {loss}",
                    f"Pause or bid down: {shop} · {r.channel} '{r.campaign}' ROI {r.roi:.2f}, "
                    f"spend {spend}, {loss} more than its attributed gross profit", lang),
                "#ad-plans", "high"))
        if len(lp) > MAX_PLAN_LINES:
            k = len(lp) - MAX_PLAN_LINES
            out.append(S.Action(_tx(f"另有 {k} 个推广计划 ROI < 0", f"{k} more ad plans with ROI < 0",
                                    lang), "#ad-plans", "high", count=k))
    ls = R.get("losing_streamers")
    if ls is not None and len(ls):
        for r in ls.head(MAX_PLAN_LINES).itertuples(index=False):
            com = fmt.yuan(r.streamer_commission_fen, lang, 0)
            out.append(S.Action(
                _tx(f"重谈佣金或暂停合作：达人 {r.streamer}（{names.get(r.shop_id, r.shop_id)}）"
                    f"佣金ROI {r.commission_roi:.2f}，佣金 {com}",
                    f"Renegotiate or pause: streamer {r.streamer} "
                    f"({names.get(r.shop_id, r.shop_id)}) commission ROI {r.commission_roi:.2f}, "
                    f"commission {com}", lang), "#streamers", "medium"))
        if len(ls) > MAX_PLAN_LINES:
            k = len(ls) - MAX_PLAN_LINES
            out.append(S.Action(_tx(f"另有 {k} 位达人佣金ROI < 0", f"{k} more streamers with commission ROI < 0",
                                    lang), "#streamers", "medium", count=k))
    bs = R.get("below_sources")
    if bs is not None and len(bs):
        parts = []
        for r in bs.head(3).itertuples(index=False):
            mine, avg = pct_pair(r.source_conversion_rate, r.platform_conversion_rate)
            src = (f"{i18n.label(r.platform, lang)}「{r.source}」" if lang == "zh"
                   else f"{i18n.label(r.platform, lang)} '{r.source}'")
            parts.append(_tx(f"{src}{mine}（平台 {avg}）", f"{src} {mine} (platform {avg})",
                             lang))
        short = int(round(bs["missing_buyers"].sum()))
        out.append(S.Action(
            _tx(f"优化承接页或调整投放：{len(bs)} 个流量来源转化低于本平台平均，少成交约 {short} 位买家·天："
                + "、".join(parts),
                f"Fix landing pages or targeting: {len(bs)} traffic sources convert below their "
                f"platform, about {short} buyer-days short: " + "; ".join(parts), lang),
            "#sources-below", "low", count=len(bs)))
    return out


def _health(R: dict, lang: str) -> str:
    """The summary's last line: how far the data reach, and how the comparisons are made
    when the period is not covered to its end."""
    P = R["period"]
    de = R.get("data_end")
    if de is None:
        return _tx("所选范围没有销售数据。", "No sales in the selection.", lang)
    fresh = R.get("fresh")
    if fresh is not None and len(fresh) and fresh["last_sales_date"].notna().any():
        de = max(pd.Timestamp(de), pd.to_datetime(fresh["last_sales_date"]).max())
    parts = [_tx(f"订单数据截至 {_day(de)}", f"orders up to {_day(de)}", lang)]
    if R.get("incomplete"):
        parts.append(_tx(f"本期只有 {R['covered_days']}/{P.days} 天数据：环比、同比按相同天数比较",
                         f"the period has data for {R['covered_days']} of {P.days} days: the "
                         "comparisons use as many days", lang))
    if R.get("previous") is None:
        parts.append(_tx("没有上期数据可比", "no data for the previous period", lang))
    if R.get("year_ago") is None:
        parts.append(_tx("没有去年同期数据可比", "no data a year earlier", lang))
    parts.append(_tx("各店铺数据时效见文末", "data freshness per shop at the end", lang)
                 if not R.get("fresh_warning") else
                 _tx("部分店铺数据不是最新", "some shops' data are not current", lang))
    return ("；" if lang == "zh" else "; ").join(parts) + ("。" if lang == "zh" else ".")


# -- display copies (HTML tables and Excel) ----------------------------------------------------
_WHY = [
    (re.compile(r"^only (\d+) days \(< (\d+)\)$"), "只有 {0} 天（少于 {1} 天）"),
    (re.compile(r"^only (\d+) units \(< (\d+)\)$"), "只有 {0} 件（少于 {1} 件）"),
    (re.compile(r"^price never held a different level >= (\d+) days \(range (.+)\)$"),
     "价格没有在另一档位保持 {0} 天以上（变动幅度 {1}）"),
    (re.compile(r"^model could not be fitted \(singular\)$"), "模型无法拟合"),
    (re.compile(r"^campaign window not fully inside the data$"),
     "活动窗口不完全在数据内（活动尚未结束，或之前的数据不够）"),
    (re.compile(r"^only (\d+) normal days before the campaign \(< (\d+)\)$"),
     "活动前只有 {0} 个平日（少于 {1} 天）"),
]


def why_text(why, lang: str = "zh") -> str:
    """A ``why`` note of the pure functions (English, ``; ``-separated) in the report's
    language."""
    if fmt.is_missing(why) or not str(why):
        return ""
    if lang != "zh":
        return str(why)
    out = []
    for part in str(why).split("; "):
        for rx, zh in _WHY:
            m = rx.match(part)
            if m:
                out.append(zh.format(*m.groups()))
                break
        else:
            out.append(part)
    return "；".join(out)


def view(df: pd.DataFrame, cols: Sequence[str] | None, R: dict, lang: str = "zh") -> pd.DataFrame:
    """A display copy of ``df[cols]`` in the seller's words: shops by name (under 店铺),
    platforms by name, the product name beside each SKU code, campaign names and notes in
    the report's language, yes/no as 是/否. Numbers are left as they are (``fmt.table``
    and the Excel writer format them)."""
    d = (df[list(cols)] if cols is not None else df).copy()
    names, products = R.get("names", {}), R.get("products", {})
    if "shop_id" in d.columns:
        d["shop_id"] = d["shop_id"].map(lambda s: names.get(s, s))
    if "platform" in d.columns:
        d["platform"] = [i18n.label(p, lang) for p in d["platform"]]
    if "sku" in d.columns and "product_name" not in d.columns:
        d.insert(list(d.columns).index("sku") + 1, "product_name",
                 d["sku"].map(lambda s: products.get(s, "")))
    if "campaign_name" in d.columns:
        d["campaign_name"] = d["campaign_name"].map(lambda n: campaign_label(n, lang))
    if "why" in d.columns:
        d["why"] = d["why"].map(lambda w: why_text(w, lang))
    yes, no = _tx("是", "yes", lang), _tx("否", "no", lang)
    for c in d.columns:
        if pd.api.types.is_bool_dtype(d[c].dtype) or (
                d[c].dtype == object and len(d) and d[c].map(lambda x: isinstance(x, (bool, np.bool_))).all()):
            d[c] = d[c].map(lambda x: yes if bool(x) else no)
    return d


# -- scope, windows and notes ---------------------------------------------------------------------
def scope_sentence(R: dict, shops=None, platforms=None, lang: str = "zh"):
    """The selection under the title: shops by name, platforms by name, or all."""
    names = R.get("names", {})
    sh = ("、" if lang == "zh" else ", ").join(names.get(s, s) for s in shops) if shops \
        else _tx("全部店铺", "all shops", lang)
    pl = ("、" if lang == "zh" else ", ").join(i18n.label(p, lang) for p in platforms) \
        if platforms else _tx("全部平台", "all platforms", lang)
    return _t(f"范围：{pl} · {sh}。金额为元，日期为北京时间。",
              f"Scope: {pl} · {sh}. Money in CNY, dates in Beijing time.", lang)


def context_sentence(R: dict, lang: str = "zh"):
    """Which days the analyses that need many days read (the context window), when that is
    longer than the period."""
    a, b = _day(R["context_start"]), _day(R["eff_end"])
    if R["context_start"] >= R["start"]:
        return _t(f"本节用报告期间的数据（{a} 至 {b}）。", f"This section uses the period ({a} to {b}).", lang)
    n = (R["eff_end"] - R["context_start"]).days + 1
    return _t(f"这类分析需要较长的历史：本节用截至期末的近 {n} 天数据（{a} 至 {b}），不只是本期。",
              f"These analyses need a longer history: this section uses the {n} days up to the "
              f"period's end ({a} to {b}), not only the period.", lang)


def below_sentence(below: pd.DataFrame, lang: str = "zh"):
    """How many sources convert below their platform's average, and how many buyers that
    leaves on the table (rows of :func:`~ecomlib.metrics.channels.below_average_sources`)."""
    if below is None or below.empty:
        return _t("没有访客占比 5% 以上、转化又低于本平台平均的流量来源。",
                  "No source with 5%+ of its platform's visitors converts below the platform's "
                  "average.", lang)
    short = int(round(below["missing_buyers"].sum()))
    return _t(f"{len(below)} 个流量来源（各占本平台访客 5% 以上）转化低于本平台平均；按平台平均转化计，"
              f"它们少带来约 {short} 位支付买家(人·天)。大流量、低转化的来源先看承接页、人群和出价。",
              f"{len(below)} sources (each 5%+ of its platform's visitors) convert below their "
              f"platform's average; at that average they would have brought about {short} more "
              "paying buyer-days. Start with the landing page, audience and bids of the large ones.",
              lang)


def plans_sentence(losing: pd.DataFrame, lang: str = "zh"):
    """The ad plans that lose money (ROI < 0) and what they cost beyond what they earned."""
    if losing is None or losing.empty:
        return _t("本期没有 ROI 小于 0 的推广计划。", "No ad plan has an ROI below 0 in the period.", lang)
    loss = fmt.yuan(losing["ad_loss_fen"].sum(), lang, 0)
    return _t(f"{len(losing)} 个推广计划 ROI 小于 0：广告毛利比花费少 {loss}。先降出价或暂停，再看是否是新品或大促蓄水期。",
              f"{len(losing)} ad plans have an ROI below 0: {loss} more spend than attributed gross "
              "profit. Bid down or pause them, unless they are launching a product or warming up a "
              "campaign.", lang)


def freshness_sentence(R: dict, lang: str = "zh"):
    """Whether every shop's exports are current, or which are behind."""
    if R.get("fresh_warning"):
        return _t(R["fresh_warning"], R["fresh_warning"], lang)
    return _t("各店铺的订单、流量和广告数据都已更新到报告日的前一天（或之后）。",
              "Every shop's orders, traffic and ads reach the day before the report day (or later).",
              lang)


def notes(lang: str = "zh") -> list:
    """The definitions, one sentence each (the catalogue's metrics)."""
    zh = ["实付金额：已付款订单行的实付，按付款日（北京时间）计；退款率 = 退款金额 / 实付金额（同一批订单），近期订单的退款还在发生。",
          "客单价 = 实付金额 / 支付买家(人·天)（买家按天计、逐日相加，与生意参谋一致）；笔单价 = 实付金额 / 支付订单数。",
          "转化率 = 支付买家(人·天) / 访客(人·天)，所以 实付金额 = 访客 × 转化率 × 客单价；UV价值 = 实付金额 / 访客数。",
          "ROAS = 广告成交额 / 花费（倍数）；ROI = (广告毛利 - 花费) / 花费，广告毛利 = 广告成交额 × 该店同期 毛利/实付。",
          "佣金ROI = (毛利 - 佣金) / 佣金；自播不付佣金，没有佣金ROI。",
          "环比：上一个同类期间（上周、上月……）；同比：去年的同样日期。本期数据不到期末时，按相同天数比较。",
          "大促窗口取自平台大促日历（年货节、38、618、双11、双12、春节）和卖家自己的活动日历。"]
    en = ["Paid amount: what buyers paid on lines of paid orders, by payment day (Beijing time); "
          "refund rate = refunds / paid of the same orders (recent orders' refunds are still coming in).",
          "AOV = paid / paying buyer-days (buyers counted per day and summed, as 生意参谋 counts "
          "them); spend per order = paid / paid orders.",
          "Conversion = paying buyer-days / visitor-days, so paid = visitors × conversion × AOV; "
          "value per visitor = paid / visitors.",
          "ROAS = attributed paid / spend (a multiple); ROI = (attributed gross profit - spend) / "
          "spend, with attributed gross profit = attributed paid × the shop's gross profit / paid.",
          "Commission ROI = (gross profit - commission) / commission; own streams pay no commission.",
          "Previous period: the one before, of the same kind (last week, last month ...); last "
          "year: the same days a year earlier. A period the data do not cover to its end is "
          "compared over as many days.",
          "Campaign windows come from the platforms' campaign calendar (New Year festival, 38, "
          "618, Double 11, Double 12, Chinese New Year) and the seller's own campaigns."]
    return [fmt.md(a, b, lang) for a, b in zip(zh, en)]


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
    """Which shop brings the largest and the smallest paid amount, and its share (shops by
    name when the rows have ``shop_name``)."""
    if not len(summary):
        return _t("所选期间没有实付金额。", "Nothing was paid in the period.", lang)
    s = summary.sort_values("paid_fen", ascending=False)
    top, low = s.iloc[0], s.iloc[-1]
    if len(s) == 1:
        return _t(f"只有 {_shop(top, lang)} 一个店铺有实付金额。",
                  f"Only {_shop(top, lang)} has paid sales.", lang)
    return _t(f"期间实付金额最高的是 {_shop(top, 'zh')}，占 {fmt.pct(top['share_rate'])}；最低的是 "
              f"{_shop(low, 'zh')}，占 {fmt.pct(low['share_rate'])}。客单价按支付买家(人·天)计算，笔单价按支付订单计算。",
              f"{_shop(top, 'en')} brings the largest paid amount ({fmt.pct(top['share_rate'])}), "
              f"{_shop(low, 'en')} the smallest ({fmt.pct(low['share_rate'])}). AOV is per paying "
              "buyer-day, spend per order per paid order.", lang)


def weekly_sentence(weekly: pd.DataFrame, weeks: int = 4, lang: str = "zh"):
    """The last whole week against the ``weeks`` whole weeks before it, all shops together:
    paid amount and 客单价 (paid / buyer-days of those weeks), and what a falling 客单价
    with rising sales usually means, said only when it happened. An incomplete week
    (``is_complete`` False: cut by the period or the data) is named and never compared."""
    from . import rows
    head_zh = "每周实付金额（按店铺），虚线为大促峰值日。"
    head_en = "Weekly paid amount per shop; dashed lines mark campaign peaks."
    if weekly.empty:
        return _t(head_zh, head_en, lang)
    whole = weekly[weekly["is_complete"].astype(bool)] if "is_complete" in weekly else weekly
    part = weekly[~weekly["is_complete"].astype(bool)] if "is_complete" in weekly else weekly.iloc[0:0]
    zh, en = head_zh, head_en
    w = sorted(whole["week_start"].unique())
    if len(w) >= weeks + 1:
        before = whole[whole["week_start"].isin(w[-weeks - 1:-1])]
        last = whole[whole["week_start"] == w[-1]]
        a, b = (rows.add(rows.sums(x, None, ["paid_fen", "count_buyers"]), ["aov_fen"]).iloc[0]
                for x in (before, last))
        paid, aov = _change(b["paid_fen"], a["paid_fen"] / weeks), _change(b["aov_fen"], a["aov_fen"])
        wk = pd.Timestamp(w[-1]).strftime("%m-%d")
        zh += (f"最近一个整周（{wk} 起）与之前 {weeks} 周的周均相比，实付金额{_updown(paid, 'zh')}，"
               f"客单价{_updown(aov, 'zh')}。")
        en += (f" The last whole week (from {wk}) against the {weeks} weeks before it (weekly "
               f"mean): paid {_updown(paid, 'en')}, AOV {_updown(aov, 'en')}.")
        if paid > 0 and aov < 0:
            zh += "客单价下降而销量上升，通常说明折扣在拉动。"
            en += " Falling AOV with rising sales usually means discounts are doing the work."
        elif paid > 0 and aov > 0:
            zh += "销量和客单价一起上升：增长不是靠降价买来的。"
            en += " Sales and AOV rose together: the growth was not bought with lower prices."
    if len(part):
        p = part.sort_values("week_start").iloc[-1]
        wk, n = pd.Timestamp(p["week_start"]).strftime("%m-%d"), int(p["count_days"])
        zh += f"{wk} 起的一周只有 {n} 天数据，图中灰底空心点标出，不与整周比较。"
        en += (f" The week from {wk} has only {n} days of data: marked with hollow points on "
               "grey, not compared with whole weeks.")
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
    names = lambda lg: ("、" if lg == "zh" else ", ").join(  # noqa: E731
        f"{_name(r)} · {r['channel']}" for _, r in bad.iterrows())
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
    return _t(f"{head_zh}按平台大促日历的大促日，全部广告的 ROAS 为 {c:.2f}，{word[0]}平日的 {n:.2f}。",
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
    zh += (f"{len(f)} 个渠道中 {k} 个收益递减（b < 1）；中位花费处边际 ROAS 最低的是 {_name(low)} · "
           f"{low['channel']}（{low['marginal_roas_at_median']:.2f}）。")
    en += (f" {k} of {len(f)} channels show diminishing returns (b < 1); the lowest marginal ROAS "
           f"at the median spend is {_name(low)} · {low['channel']} "
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
    zh = ("每位主播/达人：实付金额、退款、支付买家(人·天)、佣金（费用里记有当天的达人佣金时按达人净销售分摊，否则按佣金率），"
          "佣金ROI = (毛利 - 佣金) / 佣金。自播不付佣金，所以没有 ROI。")
    en = ("Per streamer: paid, refunds, paying buyer-days, commission (the day's booked streamer "
          "commission split by the streamers' net sales when present, else the commission rate) and "
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
              "个稳健标准差（MAD）；大促日（按平台大促日历）只和往期同一大促的同阶段比，大促峰值本身不会报警。"
              "退款率只在升高时报警（最近的订单退款还没发生完），ROAS 只在下降时报警。",
              f"{len(alerts)} alerts in the last {n} days ({a} to {b}). Expected range: a "
              "weekday-adjusted robust baseline of the previous 8 weeks ± 4 robust standard "
              "deviations (MAD); campaign days (of the platforms' campaign calendar) are "
              "compared only with the same phase of the same campaign in earlier years, so a "
              "normal campaign peak does not alert. The refund rate alerts only when it rises "
              "(recent orders' refunds are still coming in), ROAS only when it falls.", lang)


# -- charts ------------------------------------------------------------------------------------
def plot_weekly(weekly: pd.DataFrame, value: str = "paid_fen", title: str | None = None,
                lang: str = "zh", events: Sequence[tuple] = (), ylabel: str | None = None):
    """One line per shop (``shop_name``) of ``value`` per week over whole weeks; an
    incomplete week (``is_complete`` False) is not drawn as if whole: its points are hollow,
    joined by a dotted line, on a grey band that says how many days it has. Campaign peaks
    (``events``) are dashed lines."""
    from .. import plots
    plots.setup(lang)
    if weekly.empty:
        return plots._empty_figure(title, lang, (11, 4.2))
    fig, ax = plots._new_figure((11, 4.2))
    money = value.endswith("_fen")
    scale = 100.0 if money else 1.0
    hue = "shop_name" if "shop_name" in weekly.columns else "shop_id"
    d = weekly.sort_values("week_start")
    order = (d.groupby(hue)[value].sum().sort_values(ascending=False).index.tolist())
    colors = plots.palette(order)
    whole = d["is_complete"].astype(bool) if "is_complete" in d else pd.Series(True, d.index)
    for g in order:
        part = d[d[hue] == g]
        w, p = part[whole[part.index]], part[~whole[part.index]]
        ax.plot(w["week_start"], w[value] / scale, color=colors[g], lw=1.6, marker="o", ms=3,
                label=str(g))
        if len(p):
            link = pd.concat([w.tail(1), p]) if len(w) else p
            ax.plot(link["week_start"], link[value] / scale, color=colors[g], lw=1.2, ls=":")
            ax.plot(p["week_start"], p[value] / scale, ls="none", marker="o", ms=6,
                    markerfacecolor="white", markeredgecolor=colors[g])
    inc = d.loc[~whole, ["week_start", "count_days"]].drop_duplicates()
    for r in inc.itertuples(index=False):
        a = pd.Timestamp(r.week_start)
        ax.axvspan(a - pd.Timedelta(days=3.5), a + pd.Timedelta(days=3.5), color="#E9ECEF", zorder=0)
        ax.text(a, 0.97, _tx(f"不完整周\n{int(r.count_days)}/7 天", f"partial week\n{int(r.count_days)}/7 days",
                             lang), transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize="x-small", color="#495057")
    if money:
        ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    ax.set_ylim(bottom=0)
    plots._date_axis(ax, lang)
    ax.set_ylabel(ylabel or (f"{i18n.label(value, lang)} ({i18n.label('yuan', lang)})" if money
                             else i18n.label(value, lang)))
    lo, hi = d["week_start"].min(), d["week_start"].max()
    marked = False
    for when, text in events:
        if lo <= pd.Timestamp(when) <= hi + pd.Timedelta(days=6):
            ax.axvline(pd.Timestamp(when), color="#868E96", lw=0.9, ls="--", zorder=0)
            ax.text(pd.Timestamp(when), 1.0, str(text), transform=ax.get_xaxis_transform(),
                    va="bottom", ha="center", fontsize="small", color="#495057", clip_on=False)
            marked = True
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title=i18n.label("shop_id", lang))
    if title:
        ax.set_title(title, pad=18 if marked else None)
    return fig



def plot_marginal_roas(binned: pd.DataFrame, label_cols: Sequence[str] = ("shop_name", "channel"),
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



# -- Excel ----------------------------------------------------------------------------------
#: the workbook's sheets: sheet name (zh, en) -> (key of build_report's dict, columns)
SHEETS = [
    (("今日要做", "To do"), "actions", None),
    (("店铺", "Shops"), "summary", ["platform", "shop_id", "paid_fen", "previous_paid_fen",
                                  "paid_mom_rate", "share_rate", "count_paid_orders",
                                  "buyer_days", "aov_fen", "order_value_fen", "refund_fen",
                                  "refund_rate", "cogs_fen", "gross_profit_fen",
                                  "gross_profit_rate", "discount_rate"]),
    (("每周趋势", "Weekly"), "weekly", ["week_start", "shop_id", "count_days", "is_complete",
                                      "paid_fen", "count_paid_orders", "buyer_days", "aov_fen",
                                      "order_value_fen"]),
    (("流量来源", "Traffic sources"), "funnel", ["platform", "source", "visitors", "add_to_cart",
                                             "buyers", "cart_rate", "cart_to_buy_rate",
                                             "source_conversion_rate"]),
    (("转化偏低的来源", "Sources below average"), "below_sources",
     ["platform", "source", "visitors", "visitor_share_rate", "buyers", "source_conversion_rate",
      "platform_conversion_rate", "missing_buyers"]),
    (("UV价值", "UV value"), "uv", ["platform", "shop_id", "paid_fen", "visitors", "buyer_days",
                                  "conversion_rate", "aov_fen", "uv_value_fen"]),
    (("广告渠道", "Ad channels"), "by_channel", ["platform", "shop_id", "channel", "spend_fen",
                                            "attributed_paid_fen", "roas",
                                            "attributed_gross_profit_fen", "roi", "ctr_rate",
                                            "cpc_fen"]),
    (("推广计划", "Ad plans"), "by_plan", ["platform", "shop_id", "channel", "campaign", "spend_fen",
                                       "attributed_paid_fen", "roas",
                                       "attributed_gross_profit_fen", "roi"]),
    (("响应曲线", "Response curves"), "fitted", ["platform", "shop_id", "channel", "exponent",
                                             "b_std_error", "count_days", "median_spend_fen",
                                             "roas_at_median", "marginal_roas_at_median"]),
    (("价格弹性", "Price elasticity"), "el", ["sku", "count_days", "count_price_levels",
                                          "price_change_rate", "elasticity", "std_error",
                                          "ci_low", "ci_high", "why"]),
    (("大促增量", "Campaign uplift"), "up", ["campaign_name", "campaign_start", "campaign_end",
                                         "actual_fen", "baseline_fen", "pre_dip_fen",
                                         "campaign_uplift_fen", "post_dip_fen", "net_uplift_fen",
                                         "net_uplift_low_fen", "net_uplift_high_fen",
                                         "uplift_rate", "why"]),
    (("主播达人", "Streamers"), "per", ["platform", "shop_id", "streamer", "is_own_stream",
                                    "count_sessions", "paid_fen", "refund_fen", "refund_rate",
                                    "buyer_days", "aov_fen", "streamer_commission_fen",
                                    "gross_profit_fen", "commission_roi"]),
    (("直播场次", "Sessions"), "ses", ["sales_date", "platform", "shop_id", "streamer",
                                   "is_own_stream", "paid_fen", "refund_rate", "count_buyers",
                                   "streamer_commission_fen", "commission_roi"]),
    (("异常告警", "Alerts"), "alerts", None),
]




def _alerts_frame(al: pd.DataFrame, R: dict, lang: str) -> pd.DataFrame:
    """The alerts with each value in its own unit as text (one column holds money, counts
    and rates: no number format fits them all), the normal range at the precision the
    decision used, and the sentence."""
    from ..models import anomaly
    rows = []
    for _, r in al.iterrows():
        d = anomaly.decimals_for(r["metric"], r["value"], r["lower"], r["upper"])
        rows.append({"date": pd.Timestamp(r["date"]), "platform": r["platform"],
                     "shop_id": r["shop_id"], "metric": i18n.label(r["metric"], lang),
                     "value": anomaly._val(r["metric"], r["value"], lang, d),
                     "expected": anomaly._val(r["metric"], r["expected"], lang, d),
                     "normal_range": anomaly.range_text(r["metric"], r, lang),
                     "message": r["message"]})
    return view(pd.DataFrame(rows), None, R, lang) if rows else pd.DataFrame()


#: the sections the actions link to, for the workbook's 今日要做 sheet
ACTION_SECTIONS = {**SECTIONS, "trend": ("每周趋势", "Weekly trend"),
                   "ad-plans": ("推广计划", "Ad plans"),
                   "sources-below": ("流量来源", "Traffic sources")}


def excel_tables(R: dict, lang: str = "zh") -> dict[str, pd.DataFrame]:
    """The workbook's sheets (:data:`SHEETS`, named in the report's language), each a
    display copy (:func:`view`) of a table of :func:`build_report`; empty tables are left
    out."""
    out = {}
    for (zh, en), key, cols in SHEETS:
        if key == "actions":
            df = S.actions_frame(R.get("actions") or [], ACTION_SECTIONS, lang)
        elif key == "alerts":
            al = R.get("alerts")
            df = _alerts_frame(al, R, lang) if al is not None and len(al) else pd.DataFrame()
        else:
            src = R.get(key)
            if src is None or not len(src):
                continue
            if key == "el":
                src = src[src["qualifies"].astype(bool)]
            df = view(src, [c for c in cols if c in src.columns], R, lang)
        if len(df):
            out[_tx(zh, en, lang)] = df
    return out


def export_excel(sheets: dict[str, pd.DataFrame], path, lang: str = "zh"):
    """Write the report's tables to one .xlsx file, one sheet each, with
    :func:`ecomlib.excel.write_tables` in ``lang``: headers from the one label table (money
    columns "实付金额 (元)", in yuan with a number format), rates as percentages, counts with
    thousands separators, dates as dates, frozen header row and filters. Returns the path."""
    from .. import excel
    return excel.write_tables(sheets, path, lang=lang)
