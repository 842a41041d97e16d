"""Channels and marketing: which platform, traffic source and ad yuan pays back. Pure
functions on frames (no warehouse, no charts): the frames come from
:mod:`ecomlib.metrics.channels_queries` (queries over the marts), the charts, Excel file and
report sentences are in :mod:`ecomlib.metrics.channels_report`.

Metrics are the catalogue's (:mod:`ecomlib.metrics.catalogue`), computed as ratios of sums
(:mod:`ecomlib.metrics.rows`), never as means of ratios:

* 客单价 ``aov_fen`` = paid / paying buyer-days (buyers counted per day and summed, as
  生意参谋 counts them), 笔单价 ``order_value_fen`` = paid / paid orders beside it;
* 转化率 ``conversion_rate`` = paying buyer-days / visitor-days, so paid = visitors x 转化率
  x 客单价 over any shops and days; UV价值 ``uv_value_fen`` = paid / visitor-days;
* refund rate = refunds / paid of the same orders; ``gross_profit_rate`` = gross profit /
  paid (gross profit = paid - refunds - cost of goods);
* **ROAS** = attributed paid / ad spend (a multiple, yuan per yuan); **ROI** = (attributed
  gross profit - spend) / spend, attributed gross profit = attributed paid x the shop's
  gross_profit_rate over the same period (ad platforms report paid amounts only).

Campaign windows come from the warehouse's one calendar (``dim_calendar``: the platforms'
festivals and the seller's campaigns, :mod:`ecomlib.calendar_dim`) through
:func:`campaigns_from_calendar`. Money in CNY fen (``*_fen``), ratios 0..1 (``*_rate``, NaN
where the denominator is 0), multiples (ROAS, ROI, elasticity) as plain floats. Daily
inputs are on a full date spine (the queries take it from dim_calendar); functions that
need every day check it and say which day is missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import rows
from ._common import check_columns, ratio as _ratio

__all__ = [
    "Campaign", "parse_campaigns", "campaigns_from_calendar", "campaign_calendar",
    "campaign_kind", "SHOP_SUMS", "period_totals", "shop_summary", "weekly_by_shop",
    "platform_share", "traffic_funnel", "uv_value", "ad_performance", "roas_by_phase",
    "marginal_roas", "fit_response_curve", "discount_depth", "deep_discount_campaign_share",
    "price_elasticity", "pooled_elasticity", "campaign_uplift", "uplift_daily",
    "streamer_performance", "daily_shop_metrics", "below_average_sources", "losing_ad_plans",
    "losing_streamers",
]

#: the additive columns of a shop-day (channels/shop_days): summed over days and shops
SHOP_SUMS = ("count_orders", "count_paid_orders", "count_buyers", "gmv_fen", "paid_fen",
             "refund_fen", "cogs_fen", "units", "units_returned", "list_fen",
             "shop_discount_fen", "platform_discount_fen", "visitors", "add_to_cart")


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------
def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"channels.{fn}",
                  "; pass the frame the matching ecomlib.metrics.channels_queries function "
                  "returns")


def _every_day(days: pd.DatetimeIndex, fn: str) -> None:
    """Raise when ``days`` (sorted, unique) skips a day: daily inputs come on dim_calendar's
    spine (the channels queries), so a gap means the frame was cut or filtered."""
    if len(days) < 2:
        return
    gaps = np.flatnonzero(np.diff(days.values.astype("datetime64[D]").astype("int64")) != 1)
    if len(gaps):
        d = days[gaps[0]] + pd.Timedelta(days=1)
        raise ValueError(f"channels.{fn}: the daily rows skip {d.date()} (and "
                         f"{len(gaps) - 1} more gap(s)); pass every day (the channels queries "
                         "fill days without sales from dim_calendar with 0)")


# ----------------------------------------------------------------------------------------
# campaigns (windows from dim_calendar)
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Campaign:
    """A campaign window: ``start``..``end`` inclusive (Beijing days) with its ``peak`` day
    (default ``end``; 春节's peak is its first day of the new year). ``pre_days`` before
    ``start`` and ``post_days`` after ``end`` are where the pull-forward dip is measured.
    ``kind``: the festival (``618``, ``双11`` ...) or the seller's campaign name, so that the
    same campaign of different years can be compared (default :func:`campaign_kind` of the
    name)."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    pre_days: int = 7
    post_days: int = 10
    peak: pd.Timestamp | None = None
    kind: str = field(default="")

    def __post_init__(self):
        if self.peak is None:
            object.__setattr__(self, "peak", self.end)
        if not self.kind:
            object.__setattr__(self, "kind", campaign_kind(self.name))

    @property
    def window(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of pre-dip + campaign + post-dip."""
        return (self.start - pd.Timedelta(days=self.pre_days),
                self.end + pd.Timedelta(days=self.post_days))

    @property
    def days(self) -> int:
        """Days from start to end, inclusive."""
        return int((self.end - self.start).days) + 1


def parse_campaigns(items: Iterable[dict], pre_days: int = 7, post_days: int = 10
                    ) -> list[Campaign]:
    """Campaigns from a parameters list ``[{name, start, end, pre_days?, post_days?}, ...]``
    (a report's own list, used instead of the calendar's windows; the seller's standing
    campaigns belong in ``parameters/calendar.yaml``, which feeds dim_calendar)."""
    out = []
    for i, it in enumerate(items):
        if not isinstance(it, dict) or not {"name", "start", "end"} <= set(it):
            raise ValueError(f"channels.parse_campaigns: campaign #{i + 1} is {it!r}; each needs "
                             "name, start and end (YYYY-MM-DD), e.g. {name: 年货节, start: "
                             "2025-01-05, end: 2025-01-20}")
        a, b = pd.Timestamp(it["start"]), pd.Timestamp(it["end"])
        if b < a:
            raise ValueError(f"channels.parse_campaigns: campaign {it['name']!r} ends ({b.date()}) "
                             f"before it starts ({a.date()}); swap start and end")
        out.append(Campaign(str(it["name"]), a, b, int(it.get("pre_days", pre_days)),
                            int(it.get("post_days", post_days))))
    return out


def _runs(days: pd.Series, labels: pd.Series) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """``(label, first day, last day)`` of each run of consecutive days with the same label."""
    out = []
    d = pd.to_datetime(days).to_numpy()
    lab = labels.to_numpy(dtype=object)
    i, n = 0, len(d)
    while i < n:
        if lab[i] is None or (isinstance(lab[i], float) and np.isnan(lab[i])):
            i += 1
            continue
        j = i
        while j + 1 < n and lab[j + 1] == lab[i] and \
                (d[j + 1] - d[j]) == np.timedelta64(1, "D"):
            j += 1
        out.append((str(lab[i]), pd.Timestamp(d[i]), pd.Timestamp(d[j])))
        i = j + 1
    return out


def campaigns_from_calendar(calendar: pd.DataFrame, start=None, end=None,
                            pre_days: int = 7, post_days: int = 10) -> list[Campaign]:
    """The campaign windows of ``dim_calendar`` rows (``day``, ``festival``,
    ``festival_phase``, ``campaign``; the query ``common/calendar``), in date order.

    Each run of consecutive days with the same ``festival`` is one window, named ``"<year of
    its peak> <festival>"`` with its peak on the day whose ``festival_phase`` is ``peak``;
    each run of a seller's campaign (``campaign``; overlapping campaigns read ``A / B``) is
    one window named as the campaign, peak on its last day. The dip windows are
    ``pre_days`` before and ``post_days`` after, but never longer than the window itself
    (a 5-day 双12 is compared with the 5 days around it) and never reaching into another
    window (the days after 年货节 stop where 春节 starts). With ``start``/``end``, only
    windows whose dip-to-dip span overlaps them are kept; read the calendar a few weeks
    beyond the period so that windows are not cut.
    """
    _check(calendar, ["day", "festival", "festival_phase", "campaign"], "campaigns_from_calendar")
    cal = calendar.assign(day=pd.to_datetime(calendar["day"])).sort_values("day")
    out: list[Campaign] = []
    peaks = set(cal.loc[cal["festival_phase"] == "peak", "day"])
    for kind, a, b in _runs(cal["day"], cal["festival"]):
        inside = [p for p in peaks if a <= p <= b]
        peak = min(inside) if inside else b
        n = int((b - a).days) + 1
        out.append(Campaign(f"{peak.year} {kind}", a, b, min(pre_days, n), min(post_days, n),
                            peak=peak, kind=kind))
    named = cal["campaign"].map(lambda v: [x.strip() for x in v.split(" / ")]
                                if isinstance(v, str) else [])
    for name in sorted({n for names in named for n in names}):
        for _, a, b in _runs(cal["day"], named.map(lambda ns: name if name in ns else None)):
            n = int((b - a).days) + 1
            out.append(Campaign(name, a, b, min(pre_days, n), min(post_days, n), kind=name))
    out = [_dips_outside_others(c, out) for c in out]
    lo = pd.Timestamp(start) if start is not None else None
    hi = pd.Timestamp(end) if end is not None else None
    out = [c for c in out if (lo is None or c.window[1] >= lo) and (hi is None or c.window[0] <= hi)]
    return sorted(out, key=lambda c: (c.start, c.name))


def _dips_outside_others(c: Campaign, windows: Sequence[Campaign]) -> Campaign:
    """``c`` with its dip windows shortened so that they hold no day of another campaign
    (a dip after 年货节 must not measure 春节's shipping stop)."""
    before = [w.end for w in windows if w is not c and w.end < c.start]
    after = [w.start for w in windows if w is not c and w.start > c.end]
    pre = min(c.pre_days, (c.start - max(before)).days - 1) if before else c.pre_days
    post = min(c.post_days, (min(after) - c.end).days - 1) if after else c.post_days
    return Campaign(c.name, c.start, c.end, max(pre, 0), max(post, 0), peak=c.peak, kind=c.kind)


def campaign_kind(name: str) -> str:
    """The campaign's kind: its name without years and spaces ("2025 双11" -> "双11"), so
    that the same campaign of different years can be compared."""
    return re.sub(r"(19|20)\d\d|年|\s", "", str(name)) or str(name)


def campaign_calendar(dates, campaigns: Sequence[Campaign], by_kind: bool = False) -> pd.Series:
    """Phase of each day: ``peak`` (a campaign's peak day), ``campaign`` (its other days),
    ``pre`` (the ``pre_days`` before start), ``post`` (the ``post_days`` after end) or
    ``normal``. Where windows overlap, the stronger phase wins (peak > campaign > post > pre).
    With ``by_kind`` the label is ``<phase>:<kind>`` (e.g. ``peak:双11``), so anomaly checks
    compare a campaign only with the same campaign of earlier years."""
    idx = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    rank = {"normal": 0, "pre": 1, "post": 2, "campaign": 3, "peak": 4}
    out = np.zeros(len(idx), dtype=int)
    kind = np.array([""] * len(idx), dtype=object)
    for c in campaigns:
        w0, w1 = c.window
        for a, b, ph in ((w0, c.start - pd.Timedelta(days=1), "pre"),
                         (c.end + pd.Timedelta(days=1), w1, "post"),
                         (c.start, c.end, "campaign"),
                         (c.peak, c.peak, "peak")):
            m = (idx >= a) & (idx <= b) & (out < rank[ph])
            out[m] = rank[ph]
            kind[m] = c.kind
    names = {v: k for k, v in rank.items()}
    labels = [names[v] + (f":{k}" if by_kind and v else "") for v, k in zip(out, kind)]
    return pd.Series(labels, index=idx, name="phase")


# ----------------------------------------------------------------------------------------
# sales by platform and shop
# ----------------------------------------------------------------------------------------
def period_totals(shop_days: pd.DataFrame, by: Sequence[str] = ("platform", "shop_id")
                  ) -> pd.DataFrame:
    """The shop-days summed per ``by`` (:data:`SHOP_SUMS` present in the frame): a buyer of
    two days counts twice (buyer-days), a visitor of two days twice (visitor-days), as the
    catalogue's 客单价 and 转化率 count them."""
    cols = [c for c in SHOP_SUMS if c in shop_days.columns]
    _check(shop_days, [*by, "paid_fen", "count_buyers"], "period_totals")
    return rows.sums(shop_days, list(by), cols)


def shop_summary(period: pd.DataFrame) -> pd.DataFrame:
    """Catalogue metrics of period totals (:func:`period_totals`), largest paid first:

    ``net_sales_fen`` = paid - refunds; ``gross_profit_fen`` = net sales - cost of goods;
    ``buyer_days`` = paying buyers counted per day, summed; ``aov_fen`` (客单价) = paid /
    buyer-days; ``order_value_fen`` (笔单价) = paid / paid orders; ``refund_rate`` = refunds
    / paid; ``gross_profit_rate`` = gross profit / paid; ``discount_rate`` = (shop +
    platform discounts) / list value of paid lines; ``share_rate`` = the row's paid / all
    rows' paid. Money in fen (float for the per-buyer and per-order values).
    """
    _check(period, ["paid_fen", "refund_fen", "cogs_fen", "count_buyers", "count_paid_orders"],
           "shop_summary")
    names = ["net_sales_fen", "gross_profit_fen", "buyer_days", "aov_fen", "order_value_fen",
             "refund_rate", "gross_profit_rate"]
    if {"shop_discount_fen", "platform_discount_fen", "list_fen"} <= set(period.columns):
        names.append("discount_rate")
    out = rows.add(period, names)
    total = float(out["paid_fen"].sum())
    out["share_rate"] = out["paid_fen"] / total if total else np.nan
    return out.sort_values("paid_fen", ascending=False, ignore_index=True)


def weekly_by_shop(shop_days: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Per calendar week (``week_start``, Monday, from dim_calendar) and shop: ``paid_fen``,
    ``buyer_days`` and 客单价 ``aov_fen`` = paid / buyer-days of the week, 笔单价
    ``order_value_fen`` = paid / paid orders, ``count_days`` (days of the week in the frame,
    up to ``end``) and ``is_complete`` (all 7 days there). A week cut by the end of the period
    or of the data is incomplete: its sums cover only its days, so it must not be read (or
    drawn) as a whole week. Weeks starting before ``start`` (the first, partial week of a
    period) are left out."""
    _check(shop_days, ["week_start", "sales_date", "shop_id", "paid_fen", "count_buyers",
                       "count_paid_orders"], "weekly_by_shop")
    d = shop_days.assign(week_start=pd.to_datetime(shop_days["week_start"]),
                         sales_date=pd.to_datetime(shop_days["sales_date"]))
    if end is not None:
        d = d[d["sales_date"] <= pd.Timestamp(end)]
    wk = rows.sums(d, ["week_start", "shop_id"], ["paid_fen", "count_buyers", "count_paid_orders"])
    wk = rows.add(wk, ["buyer_days", "aov_fen", "order_value_fen"])
    n = d.groupby("week_start")["sales_date"].nunique()
    wk["count_days"] = wk["week_start"].map(n).astype("int64")
    wk["is_complete"] = wk["count_days"] >= 7
    if start is not None:
        wk = wk[wk["week_start"] >= pd.Timestamp(start)]
    return wk.reset_index(drop=True)


def platform_share(shop_days: pd.DataFrame, period: str = "month_start", by: str = "platform"
                   ) -> pd.DataFrame:
    """Paid amount per calendar ``period`` (a column of the shop-days: ``month_start`` or
    ``week_start`` from dim_calendar, or ``sales_date``) and ``by``, with ``share_rate`` =
    that row's paid / the period's paid (NaN when nothing was paid)."""
    _check(shop_days, [period, by, "paid_fen"], "platform_share")
    out = rows.sums(shop_days.assign(period=pd.to_datetime(shop_days[period])),
                    ["period", by], ["paid_fen"])
    out["paid_fen"] = out["paid_fen"].astype("int64")
    out["share_rate"] = _ratio(out["paid_fen"], out.groupby("period")["paid_fen"].transform("sum"))
    return out


# ----------------------------------------------------------------------------------------
# traffic
# ----------------------------------------------------------------------------------------
def traffic_funnel(traffic: pd.DataFrame, by: Sequence[str] = ("platform", "source")
                   ) -> pd.DataFrame:
    """Funnel visitors -> add-to-cart -> paying buyers per ``by`` (the traffic export's own
    counts per source, summed over days and shops: visitor-days and buyer-days).

    ``cart_rate`` = add_to_cart / visitors; ``cart_to_buy_rate`` = buyers / add_to_cart;
    ``source_conversion_rate`` = buyers / visitors (= cart_rate x cart_to_buy_rate). A
    missing add_to_cart count is unknown, not 0: those rows' cart steps are NaN.
    """
    by = list(by)
    _check(traffic, [*by, "visitors", "add_to_cart", "buyers"], "traffic_funnel")
    cols = [*by, "visitors", "add_to_cart", "buyers", "cart_rate", "cart_to_buy_rate",
            "source_conversion_rate"]
    if not len(traffic):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    t = traffic.copy()
    for c in ("visitors", "add_to_cart", "buyers"):
        t[c] = pd.to_numeric(t[c], errors="coerce").astype("float64")
    out = t.groupby(by, as_index=False).agg(
        visitors=("visitors", "sum"),
        add_to_cart=("add_to_cart", lambda s: s.sum(min_count=len(s))),
        buyers=("buyers", "sum"))
    out["visitors"] = out["visitors"].astype("int64")
    out["buyers"] = out["buyers"].astype("int64")
    out = rows.add(out, ["cart_rate", "cart_to_buy_rate", "source_conversion_rate"])
    return out[cols].sort_values([*by[:-1], "visitors"], ascending=[True] * (len(by) - 1) + [False],
                                 ignore_index=True)


def uv_value(period: pd.DataFrame, by: Sequence[str] = ("platform", "shop_id")) -> pd.DataFrame:
    """UV价值 ``uv_value_fen`` = paid / visitor-days and 转化率 ``conversion_rate`` = paying
    buyer-days / visitor-days per ``by``, paid, buyers and visitors of the same shop-days
    (:func:`period_totals`), so that paid = visitors x 转化率 x 客单价 in every row."""
    by = list(by)
    _check(period, [*by, "paid_fen", "count_buyers", "visitors"], "uv_value")
    out = rows.sums(period, by, ["paid_fen", "count_buyers", "visitors"])
    out = rows.add(out, ["buyer_days", "uv_value_fen", "conversion_rate", "aov_fen"])
    return out.sort_values("paid_fen", ascending=False, ignore_index=True)


# ----------------------------------------------------------------------------------------
# ads
# ----------------------------------------------------------------------------------------
def ad_performance(ad_spend: pd.DataFrame, by: Sequence[str] = ("platform", "channel"),
                   margin: pd.DataFrame | float | None = None) -> pd.DataFrame:
    """Spend, ROAS and ROI per ``by`` (e.g. platform+channel, or campaign).

    ``roas`` = attributed_paid_fen / spend_fen (yuan of attributed paid per yuan spent);
    ``ctr_rate`` = clicks / impressions; ``cpc_fen`` = spend / clicks.
    ``margin``: the gross-margin rate (gross profit / paid) to turn attributed paid into
    attributed gross profit: a float for all rows, or a frame with ``platform``, ``shop_id``
    and ``gross_profit_rate`` (from :func:`shop_summary`) applied per shop before summing.
    Then ``attributed_gross_profit_fen`` = attributed paid x margin and ``roi`` =
    (attributed gross profit - spend) / spend; without ``margin`` both are NaN.
    """
    by = list(by)
    _check(ad_spend, [*by, "spend_fen", "attributed_paid_fen"], "ad_performance")
    a = ad_spend.copy()
    for c in ("spend_fen", "attributed_paid_fen", "impressions", "clicks", "attributed_orders"):
        if c in a:
            a[c] = pd.to_numeric(a[c], errors="coerce").fillna(0).astype("float64")
    if isinstance(margin, pd.DataFrame):
        _check(margin, ["platform", "shop_id", "gross_profit_rate"], "ad_performance(margin)")
        a = a.merge(margin[["platform", "shop_id", "gross_profit_rate"]],
                    on=["platform", "shop_id"], how="left")
        a["_gp"] = a["attributed_paid_fen"] * a["gross_profit_rate"]
    elif margin is not None:
        a["_gp"] = a["attributed_paid_fen"] * float(margin)
    else:
        a["_gp"] = np.nan
    agg = {"spend_fen": ("spend_fen", "sum"), "attributed_paid_fen": ("attributed_paid_fen", "sum"),
           "attributed_gross_profit_fen": ("_gp", lambda s: s.sum(min_count=len(s)))}
    for c in ("impressions", "clicks", "attributed_orders"):
        if c in a:
            agg[c] = (c, "sum")
    out = a.groupby(by, as_index=False).agg(**agg)
    for c in ("spend_fen", "attributed_paid_fen", "impressions", "clicks", "attributed_orders"):
        if c in out:
            out[c] = out[c].round().astype("int64")
    out = rows.add(out, ["roas", "roi"] + (["ctr_rate", "cpc_fen"] if "clicks" in out else []))
    return out.sort_values("spend_fen", ascending=False, ignore_index=True)


def roas_by_phase(ad_spend: pd.DataFrame, phases: pd.Series) -> pd.DataFrame:
    """ROAS on campaign days and on normal days: ad rows grouped by the phase of their day
    (``phases``: :func:`campaign_calendar` by date) into ``campaign`` (a campaign's days and
    peak), ``normal``, and ``dip`` (the days just before and after a campaign). Per group
    ``spend_fen``, ``attributed_paid_fen``, ``roas`` = attributed paid / spend and
    ``count_days`` (calendar days with spend)."""
    _check(ad_spend, ["spend_date", "spend_fen", "attributed_paid_fen"], "roas_by_phase")
    cols = ["phase", "count_days", "spend_fen", "attributed_paid_fen", "roas"]
    if not len(ad_spend):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    day = pd.to_datetime(ad_spend["spend_date"]).dt.normalize()
    ph = phases.reindex(pd.DatetimeIndex(day)).fillna("normal").str.split(":").str[0].to_numpy()
    group = np.select([np.isin(ph, ["campaign", "peak"]), ph == "normal"], ["campaign", "normal"],
                      "dip")
    a = ad_spend.assign(phase=group, _day=day.to_numpy())
    out = rows.sums(a, ["phase"], ["spend_fen", "attributed_paid_fen"])
    out["count_days"] = out["phase"].map(a.groupby("phase")["_day"].nunique()).astype("int64")
    return rows.add(out, ["roas"])[cols]


def fit_response_curve(spend_fen, attributed_fen) -> dict:
    """Fit attributed = a x spend^b by least squares on logs (days with both > 0).

    Returns ``a``, ``b`` (b < 1: diminishing returns), ``b_std_error``, ``count_days``.
    Marginal ROAS at spend s = d attributed / d spend = a x b x s^(b-1) = b x ROAS(s).
    """
    s = np.asarray(spend_fen, dtype="float64")
    y = np.asarray(attributed_fen, dtype="float64")
    m = (s > 0) & (y > 0) & np.isfinite(s) & np.isfinite(y)
    n = int(m.sum())
    if n < 5 or np.ptp(np.log(s[m])) == 0:
        return {"a": np.nan, "b": np.nan, "b_std_error": np.nan, "count_days": n}
    x, ly = np.log(s[m]), np.log(y[m])
    X = np.column_stack([np.ones(n), x])
    beta, *_ = np.linalg.lstsq(X, ly, rcond=None)
    resid = ly - X @ beta
    sigma2 = float(resid @ resid) / max(n - 2, 1)
    cov = sigma2 * np.linalg.inv(X.T @ X)
    return {"a": float(np.exp(beta[0])), "b": float(beta[1]),
            "b_std_error": float(np.sqrt(cov[1, 1])), "count_days": n}


def marginal_roas(ad_spend: pd.DataFrame, by: Sequence[str] = ("platform", "shop_id", "channel"),
                  bins: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How ROAS changes as daily spend grows, per ``by`` (days summed over campaigns first).

    Binned: days are cut into ``bins`` quantile bins of daily spend; per bin ``spend_fen``
    and ``attributed_paid_fen`` are daily means, ``roas`` = mean attributed / mean spend, and
    ``marginal_roas`` = (attributed of this bin - previous bin) / (spend of this bin -
    previous bin): the extra attributed yuan per extra yuan when moving up one spend bin
    (NaN for the first bin).

    Fitted: attributed = a x spend^b (:func:`fit_response_curve`) with ``exponent`` b,
    ``median_spend_fen`` and, at that spend, ``roas_at_median`` = a s^(b-1) and
    ``marginal_roas_at_median`` = b x roas_at_median.
    Returns ``(binned, fitted)``.
    """
    by = list(by)
    _check(ad_spend, [*by, "spend_date", "spend_fen", "attributed_paid_fen"], "marginal_roas")
    day = (ad_spend.assign(spend_fen=pd.to_numeric(ad_spend["spend_fen"]).astype("float64"),
                           attributed_paid_fen=pd.to_numeric(ad_spend["attributed_paid_fen"])
                           .astype("float64"))
           .groupby([*by, "spend_date"], as_index=False)[["spend_fen", "attributed_paid_fen"]].sum())
    day = day[day["spend_fen"] > 0]
    binned_rows, fits = [], []
    for key, g in day.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        k = min(bins, len(g))
        if k < 2:
            continue
        q = pd.qcut(g["spend_fen"].rank(method="first"), k, labels=False)
        b = g.groupby(q).agg(spend_fen=("spend_fen", "mean"),
                             attributed_paid_fen=("attributed_paid_fen", "mean"),
                             count_days=("spend_fen", "size")).reset_index(drop=True)
        b["spend_bin"] = np.arange(1, len(b) + 1)
        b["roas"] = _ratio(b["attributed_paid_fen"], b["spend_fen"])
        b["marginal_roas"] = _ratio(b["attributed_paid_fen"].diff(), b["spend_fen"].diff())
        for c, v in zip(by, key):
            b[c] = v
        binned_rows.append(b)
        f = fit_response_curve(g["spend_fen"], g["attributed_paid_fen"])
        med = float(g["spend_fen"].median())
        roas_med = f["a"] * med ** (f["b"] - 1) if np.isfinite(f["b"]) else np.nan
        fits.append({**dict(zip(by, key)), "exponent": f["b"], "b_std_error": f["b_std_error"],
                     "count_days": f["count_days"], "median_spend_fen": med,
                     "roas_at_median": roas_med, "marginal_roas_at_median": f["b"] * roas_med})
    bcols = [*by, "spend_bin", "count_days", "spend_fen", "attributed_paid_fen", "roas",
             "marginal_roas"]
    binned = pd.concat(binned_rows, ignore_index=True)[bcols] if binned_rows else \
        pd.DataFrame({c: pd.Series(dtype="float64") for c in bcols})
    fitted = pd.DataFrame(fits) if fits else pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in [*by, "exponent", "b_std_error", "count_days",
                                                   "median_spend_fen", "roas_at_median",
                                                   "marginal_roas_at_median"]})
    return binned, fitted


# ----------------------------------------------------------------------------------------
# discounts and prices
# ----------------------------------------------------------------------------------------
def _discount(df: pd.DataFrame) -> pd.Series:
    """Shop + platform discounts of each row (``discount_fen`` when given)."""
    if "discount_fen" in df.columns:
        return pd.to_numeric(df["discount_fen"]).astype("float64")
    return (df["shop_discount_fen"] + df["platform_discount_fen"]).astype("float64")


def discount_depth(shop_days: pd.DataFrame,
                   edges: Sequence[float] = (0, .05, .10, .15, .20, .30, 1.0)) -> pd.DataFrame:
    """Discount depth vs volume: shop-days with sales grouped by their depth = (shop +
    platform discounts) / list value of the day's paid lines.

    One row per depth bin [lo, hi): ``count_days`` (shop-days), ``units_per_day`` and
    ``paid_fen`` (per shop-day: the bin's sums / its shop-days) and ``discount_rate`` (the
    bin's discounts / its list value: a ratio of sums).
    """
    _check(shop_days, ["list_fen", "units", "paid_fen"], "discount_depth")
    d = shop_days[(shop_days["list_fen"] > 0) & (shop_days["units"] > 0)].copy()
    d["discount_fen"] = _discount(d)
    d["depth"] = d["discount_fen"] / d["list_fen"]
    labels = [f"{lo:.0%}–{hi:.0%}" for lo, hi in zip(edges[:-1], edges[1:])]
    d["depth_bin"] = pd.cut(d["depth"], list(edges), right=False, labels=labels)
    out = d.groupby("depth_bin", observed=False).agg(
        count_days=("units", "size"), units=("units", "sum"), paid=("paid_fen", "sum"),
        discount_fen=("discount_fen", "sum"), list_fen=("list_fen", "sum")).reset_index()
    out["count_days"] = out["count_days"].astype("int64")
    out["units_per_day"] = _ratio(out["units"], out["count_days"])
    out["paid_fen"] = _ratio(out["paid"], out["count_days"])
    out["discount_rate"] = _ratio(out["discount_fen"], out["list_fen"])
    return out[["depth_bin", "count_days", "discount_rate", "units_per_day", "paid_fen"]]


def deep_discount_campaign_share(shop_days: pd.DataFrame, phases: pd.Series,
                                 threshold: float = 0.20) -> dict:
    """How many deep-discount days are campaign days: of the shop-days with sales whose depth
    (as in :func:`discount_depth`) is at least ``threshold``, the share on a campaign's days
    (phase ``campaign`` or ``peak`` of ``phases``, :func:`campaign_calendar` by date), against
    the same share among the other shop-days with sales. Returns ``{deep_days,
    deep_campaign_rate, other_days, other_campaign_rate}`` (rates NaN without days)."""
    _check(shop_days, ["sales_date", "list_fen", "units"], "deep_discount_campaign_share")
    d = shop_days[(shop_days["list_fen"] > 0) & (shop_days["units"] > 0)]
    depth = (_discount(d) / d["list_fen"]).to_numpy()
    ph = (phases.reindex(pd.DatetimeIndex(pd.to_datetime(d["sales_date"]).dt.normalize()))
          .fillna("normal").str.split(":").str[0].to_numpy())
    camp = np.isin(ph, ["campaign", "peak"])
    deep = depth >= threshold
    n_deep, n_other = int(deep.sum()), int((~deep).sum())
    return {"deep_days": n_deep,
            "deep_campaign_rate": float(camp[deep].mean()) if n_deep else float("nan"),
            "other_days": n_other,
            "other_campaign_rate": float(camp[~deep].mean()) if n_other else float("nan")}


def _poisson_fit(X: np.ndarray, y: np.ndarray, iters: int = 50) -> tuple[np.ndarray, np.ndarray, float]:
    """Quasi-Poisson GLM with log link by IRLS: coefficients, covariance (scaled by the
    Pearson dispersion, at least 1) and that dispersion."""
    beta = np.zeros(X.shape[1])
    beta[0] = np.log(max(y.mean(), 1e-9))
    for _ in range(iters):
        eta = np.clip(X @ beta, -30, 30)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        W = mu
        XtW = X.T * W
        new = np.linalg.solve(XtW @ X + 1e-10 * np.eye(X.shape[1]), XtW @ z)
        if np.max(np.abs(new - beta)) < 1e-10:
            beta = new
            break
        beta = new
    mu = np.exp(np.clip(X @ beta, -30, 30))
    dof = max(len(y) - X.shape[1], 1)
    phi = max(float(np.sum((y - mu) ** 2 / mu)) / dof, 1.0)
    cov = phi * np.linalg.inv((X.T * mu) @ X)
    return beta, cov, phi


def price_elasticity(sku_daily: pd.DataFrame, campaign_days=None, min_days: int = 60,
                     min_level_days: int = 14, min_change_rate: float = 0.03,
                     trend: bool = False, min_units: int = 100,
                     market_control: bool = False) -> pd.DataFrame:
    """Own-price elasticity per SKU from its list-price changes.

    ``sku_daily``: one row per ``sales_date`` and ``sku`` (summed over shops; every day from
    the SKU's first to its last sale day: the query ``channels/sku_days`` fills days without
    sales from dim_calendar with 0) with ``units`` and ``list_fen`` (list value of the day's
    paid lines). The day's unit price is list_fen / units; days without sales get the price
    of the nearest earlier day with sales (the price stays until it changes).

    Model (log-log, quasi-Poisson GLM so that days with 0 units count):
    log E[units_d] = a + e x log(price_d) + weekday_d + g x campaign_d
    + h x log(1 + M_d) [+ t x years_d], fitted by IRLS, where M_d is the 7-day centred mean
    of the units of every other SKU of the same ``category`` (the demand of the market the
    SKU sells in: growth, seasons, campaigns; only with ``market_control=True`` and a
    ``category`` column); ``elasticity`` = e (% change in units for 1 % change in price), ``std_error``
    from the Fisher information scaled by the Pearson dispersion (at least 1), 95 % CI =
    e +- 1.96 SE. ``campaign_days``: dates (or a boolean Series by date) of campaign days.

    A SKU qualifies when it has >= ``min_days`` days in its span, >= ``min_units`` units, >= 2 price levels (prices
    rounded to 1 % steps) with >= ``min_level_days`` days each, and max/min price - 1 >=
    ``min_change_rate``. Every SKU gets a row; ``qualifies`` and ``why`` say why not.
    """
    _check(sku_daily, ["sales_date", "sku", "units", "list_fen"], "price_elasticity")
    camp = set()
    if campaign_days is not None:
        if isinstance(campaign_days, pd.Series) and campaign_days.dtype == bool:
            camp = set(pd.to_datetime(campaign_days.index[campaign_days]).normalize())
        else:
            camp = set(pd.to_datetime(list(campaign_days)).normalize())
    d = sku_daily.assign(sales_date=pd.to_datetime(sku_daily["sales_date"]).dt.normalize())
    has_cat = market_control and "category" in d.columns
    if has_cat:
        d["category"] = d["category"].fillna("unknown")
        cat_of = d.groupby("sku")["category"].agg(lambda x: x.mode().iat[0])
        d = d.drop(columns="category")
    d = d.groupby(["sku", "sales_date"], as_index=False)[["units", "list_fen"]].sum()
    if has_cat:
        d["category"] = d["sku"].map(cat_of)
        cat_day = d.groupby(["category", "sales_date"])["units"].sum()
    # one pass over numpy arrays (d is sorted by sku, then day): per SKU a slice, no frames
    found = []
    skus = d["sku"].to_numpy()
    day_all = d["sales_date"].to_numpy().astype("datetime64[D]")
    units_all = d["units"].to_numpy(dtype="float64")
    list_all = d["list_fen"].to_numpy(dtype="float64")
    cuts = np.flatnonzero(skus[1:] != skus[:-1]) + 1 if len(skus) else np.array([], int)
    starts, ends = np.r_[0, cuts], np.r_[cuts, len(skus)]
    camp_days = np.array(sorted(camp), dtype="datetime64[ns]").astype("datetime64[D]")
    for sku, a, b in zip(skus[starts] if len(skus) else [], starts, ends):
        base = {"sku": sku, "count_days": 0, "count_price_levels": 0, "price_change_rate": np.nan,
                "elasticity": np.nan, "std_error": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "qualifies": False, "why": ""}
        sold = np.flatnonzero(units_all[a:b] > 0)
        if not len(sold):   # the span is first to last day with units sold
            found.append({**base, "why": "no sales"})
            continue
        lo, hi = a + sold[0], a + sold[-1] + 1
        day = day_all[lo:hi]
        days = pd.DatetimeIndex(day)
        _every_day(days, "price_elasticity")
        u = np.nan_to_num(units_all[lo:hi], nan=0.0)
        # the day's unit price; a day without sales keeps the last price (forward fill)
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.where(u > 0, list_all[lo:hi] / np.where(u > 0, u, 1), np.nan)
        last = np.maximum.accumulate(np.where(~np.isnan(raw), np.arange(len(raw)), 0))
        price = raw[last]
        units = u
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.round(np.log(price) / np.log(1.01))
        _, counts = np.unique(level[~np.isnan(level)], return_counts=True)
        good_levels = int((counts >= min_level_days).sum())
        change = float(np.nanmax(price) / np.nanmin(price) - 1) if (~np.isnan(price)).any() \
            else float("nan")
        base.update(count_days=len(days), count_price_levels=int(len(counts)),
                    price_change_rate=change)
        why = []
        if len(days) < min_days:
            why.append(f"only {len(days)} days (< {min_days})")
        if units.sum() < min_units:
            why.append(f"only {int(units.sum())} units (< {min_units})")
        if good_levels < 2 or change < min_change_rate:
            why.append(f"price never held a different level >= {min_level_days} days "
                       f"(range {change:.1%})")
        if why:
            found.append({**base, "why": "; ".join(why)})
            continue
        wd = (day.astype("int64") + 3) % 7          # 1970-01-01 was a Thursday; Monday = 0
        cols = [np.ones(len(days)), np.log(price)]
        cols += [(wd == k).astype(float) for k in range(1, 7)]
        is_c = np.isin(day, camp_days).astype(float)
        if 0 < is_c.sum() < len(days):
            cols.append(is_c)
        if has_cat:
            other = (cat_day.loc[cat_of[sku]].reindex(days, fill_value=0)
                     - pd.Series(units, index=days))
            m = np.log1p(other.clip(lower=0).rolling(7, center=True, min_periods=1).mean())
            if np.ptp(m.to_numpy()) > 0:
                cols.append(m.to_numpy())
        if trend:
            cols.append((day - day[0]).astype("int64") / 365.25)
        X = np.column_stack(cols)
        try:
            beta, cov, _ = _poisson_fit(X, units)
            se = float(np.sqrt(cov[1, 1]))
        except np.linalg.LinAlgError:
            found.append({**base, "why": "model could not be fitted (singular)"})
            continue
        e = float(beta[1])
        found.append({**base, "elasticity": e, "std_error": se, "ci_low": e - 1.96 * se,
                     "ci_high": e + 1.96 * se, "qualifies": True, "why": ""})
    cols = ["sku", "qualifies", "count_days", "count_price_levels", "price_change_rate",
            "elasticity", "std_error", "ci_low", "ci_high", "why"]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    return pd.DataFrame(found)[cols]


def pooled_elasticity(elasticities: pd.DataFrame) -> dict:
    """Inverse-variance weighted mean of the qualifying SKUs' elasticities:
    e = sum(e_i / se_i^2) / sum(1 / se_i^2), SE = 1 / sqrt(sum(1 / se_i^2)), 95 % CI e +- 1.96 SE
    (a fixed-effect pool: assumes one common elasticity)."""
    _check(elasticities, ["qualifies", "elasticity", "std_error"], "pooled_elasticity")
    q = elasticities[elasticities["qualifies"].astype(bool) & (elasticities["std_error"] > 0)]
    if q.empty:
        return {"elasticity": np.nan, "std_error": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "count_skus": 0}
    w = 1.0 / q["std_error"].astype(float) ** 2
    e = float((q["elasticity"] * w).sum() / w.sum())
    se = float(1.0 / np.sqrt(w.sum()))
    return {"elasticity": e, "std_error": se, "ci_low": e - 1.96 * se, "ci_high": e + 1.96 * se,
            "count_skus": int(len(q))}


# ----------------------------------------------------------------------------------------
# campaign uplift
# ----------------------------------------------------------------------------------------
def campaign_uplift(daily: pd.DataFrame, campaigns: Sequence[Campaign], value: str = "paid_fen",
                    baseline_days: int = 56, n_boot: int = 1000, seed: int = 0,
                    level: float = 0.95) -> pd.DataFrame:
    """Extra sales a campaign brought, net of the pull-forward dip before and after it.

    ``daily``: one row per ``sales_date`` (summed over the shops wanted; every day, as the
    channels queries give them on dim_calendar's spine) with ``value``.
    For each campaign, the **baseline** is a weekday-adjusted level from the
    ``baseline_days`` normal days before its pre-dip window (days inside any campaign's
    window are left out): weekday factors f_w = mean of value on weekday w / mean of all
    normal days of the whole series; level L = mean over baseline days of value_d / f_w(d);
    baseline_d = L x f_w(d). Then per phase: ``pre_dip_fen`` = sum(actual - baseline) over
    the ``pre_days`` before start; ``campaign_uplift_fen`` over start..end; ``post_dip_fen``
    over the ``post_days`` after; ``net_uplift_fen`` = the three added;
    ``uplift_rate`` = net uplift / baseline over the whole window.
    Interval: ``n_boot`` bootstrap draws resample the baseline days (new L) and, for each
    window day, a baseline day's ratio value/(L x f) (day-to-day noise of the
    counterfactual); the ``level`` interval of the net uplift is reported
    (``net_uplift_low_fen``, ``net_uplift_high_fen``). A campaign whose window is not fully
    inside the data, or with fewer than 14 baseline days, gets NaN and a ``why``.
    """
    _check(daily, ["sales_date", value], "campaign_uplift")
    s = (daily.assign(sales_date=pd.to_datetime(daily["sales_date"]).dt.normalize())
         .groupby("sales_date")[value].sum().astype("float64"))
    cols = ["campaign_name", "campaign_start", "campaign_end", "actual_fen", "baseline_fen",
            "pre_dip_fen",
            "campaign_uplift_fen", "post_dip_fen", "net_uplift_fen", "net_uplift_low_fen",
            "net_uplift_high_fen", "uplift_rate", "count_baseline_days", "why"]
    if s.empty or not campaigns:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    _every_day(s.index, "campaign_uplift")
    phase = campaign_calendar(s.index, campaigns)
    normal = phase == "normal"
    wd = s.index.day_of_week
    overall = s[normal].mean()
    f = s[normal].groupby(wd[normal]).mean() / overall if overall > 0 else pd.Series(1.0, range(7))
    f = f.reindex(range(7)).fillna(1.0).replace(0, 1.0)
    fday = pd.Series(f.to_numpy()[wd], index=s.index)
    rng = np.random.default_rng(seed)
    found = []
    for c in campaigns:
        w0, w1 = c.window
        base = {"campaign_name": c.name, "campaign_start": c.start, "campaign_end": c.end}
        if w0 < s.index.min() or w1 > s.index.max():
            found.append({**base, "why": "campaign window not fully inside the data"})
            continue
        b_end = w0 - pd.Timedelta(days=1)
        cand = s.index[(s.index <= b_end) & normal.to_numpy()]
        bdays = cand[-baseline_days:]
        if len(bdays) < 14:
            found.append({**base, "count_baseline_days": len(bdays),
                         "why": f"only {len(bdays)} normal days before the campaign (< 14)"})
            continue
        adj = (s[bdays] / fday[bdays]).to_numpy()
        L = adj.mean()
        win = s.index[(s.index >= w0) & (s.index <= w1)]
        fw = fday[win].to_numpy()
        act = s[win].to_numpy()
        expv = L * fw
        pre = win < c.start
        post = win > c.end
        mid = ~pre & ~post
        upl = act - expv
        net = float(upl.sum())
        ratios = adj / L if L > 0 else np.ones_like(adj)
        nb = len(adj)
        idx = rng.integers(0, nb, size=(n_boot, nb))
        Lb = adj[idx].mean(axis=1)
        noise = ratios[rng.integers(0, nb, size=(n_boot, len(win)))]
        cf = (Lb[:, None] * fw[None, :] * noise).sum(axis=1)
        nets = act.sum() - cf
        a = (1 - level) / 2
        found.append({**base, "actual_fen": float(act.sum()), "baseline_fen": float(expv.sum()),
                     "pre_dip_fen": float(upl[pre].sum()), "campaign_uplift_fen": float(upl[mid].sum()),
                     "post_dip_fen": float(upl[post].sum()), "net_uplift_fen": net,
                     "net_uplift_low_fen": float(np.quantile(nets, a)),
                     "net_uplift_high_fen": float(np.quantile(nets, 1 - a)),
                     "uplift_rate": net / float(expv.sum()) if expv.sum() > 0 else np.nan,
                     "count_baseline_days": nb, "why": ""})
    out = pd.DataFrame(found).reindex(columns=cols)
    out["why"] = out["why"].fillna("")
    return out


def uplift_daily(daily: pd.DataFrame, campaign: Campaign, campaigns: Sequence[Campaign],
                 value: str = "paid_fen", baseline_days: int = 56) -> pd.DataFrame:
    """Actual and baseline per day of one campaign's window (for a chart), computed as in
    :func:`campaign_uplift` (columns ``sales_date``, ``actual_fen``, ``baseline_fen``,
    ``phase``)."""
    s = (daily.assign(sales_date=pd.to_datetime(daily["sales_date"]).dt.normalize())
         .groupby("sales_date")[value].sum().astype("float64"))
    _every_day(s.index, "uplift_daily")
    phase = campaign_calendar(s.index, campaigns)
    normal = phase == "normal"
    wd = s.index.day_of_week
    f = s[normal].groupby(wd[normal]).mean() / s[normal].mean()
    fday = pd.Series(f.reindex(range(7)).fillna(1.0).to_numpy()[wd], index=s.index)
    w0, w1 = campaign.window
    cand = s.index[(s.index < w0) & normal.to_numpy()][-baseline_days:]
    L = (s[cand] / fday[cand]).mean()
    win = s.index[(s.index >= w0) & (s.index <= w1)]
    return pd.DataFrame({"sales_date": win, "actual_fen": s[win].to_numpy(),
                         "baseline_fen": (L * fday[win]).to_numpy(),
                         "phase": campaign_calendar(win, [campaign]).to_numpy()})


# ----------------------------------------------------------------------------------------
# live streams
# ----------------------------------------------------------------------------------------
def streamer_performance(streamers: pd.DataFrame, other_costs: pd.DataFrame | None = None,
                         commission_rate: float = 0.20, own_streams: Sequence[str] = (),
                         by: Sequence[str] | None = None) -> pd.DataFrame:
    """GMV, refunds, buyers, commission and ROI per streamer (or per session).

    ``streamers``: the sessions of :func:`ecomlib.metrics.channels_queries.streamer_sessions`
    (one row per streamer and day; without ``sales_date``: already per streamer).
    Commission: own streams (``own_streams``) pay none. For 达人, when ``other_costs`` has
    ``streamer_commission`` rows for the shop and day, that day's amount is split over the
    day's 达人 by their net sales (paid - refunds); otherwise ``commission_rate`` x net sales.
    ``streamer_commission_fen``: the commission (佣金) paid to the streamer.
    ``gross_profit_fen`` = paid - refund - COGS; ``commission_roi`` = (gross profit -
    commission) / commission (NaN for own streams: no commission spent); ``refund_rate`` =
    refund / paid; ``buyer_days`` = paying buyers counted per session day, summed; 客单价
    ``aov_fen`` = paid / buyer-days; ``count_sessions`` = days with sales (per-streamer view).
    """
    _check(streamers, ["platform", "shop_id", "streamer", "paid_fen", "refund_fen", "cogs_fen",
                       "count_paid_orders", "count_buyers"], "streamer_performance")
    s = streamers.copy()
    s["is_own_stream"] = s["streamer"].isin(list(own_streams))
    s["net_sales_fen"] = (s["paid_fen"] - s["refund_fen"]).astype("int64")
    session = "sales_date" in s.columns
    s["streamer_commission_fen"] = np.where(s["is_own_stream"], 0.0, s["net_sales_fen"] * commission_rate)
    if session and other_costs is not None and len(other_costs):
        oc = other_costs[other_costs["kind"] == "streamer_commission"].copy()
        if len(oc):
            oc["sales_date"] = pd.to_datetime(oc["cost_date"]).dt.tz_localize(None).dt.normalize() \
                if getattr(pd.to_datetime(oc["cost_date"]).dt, "tz", None) else \
                pd.to_datetime(oc["cost_date"]).dt.normalize()
            day_cost = oc.groupby(["platform", "shop_id", "sales_date"])["amount_fen"].sum()
            dar = ~s["is_own_stream"]
            tot = s[dar].groupby(["platform", "shop_id", "sales_date"])["net_sales_fen"].transform("sum")
            key = pd.MultiIndex.from_frame(s.loc[dar, ["platform", "shop_id", "sales_date"]])
            cost = pd.Series(day_cost.reindex(key).to_numpy(), index=s.index[dar])
            share = _ratio(s.loc[dar, "net_sales_fen"], tot)
            alloc = (cost * share).where(cost.notna())
            s.loc[dar, "streamer_commission_fen"] = alloc.fillna(s.loc[dar, "streamer_commission_fen"]).to_numpy()
    keys = list(by) if by is not None else (["platform", "shop_id", "streamer"]
                                            + (["sales_date"] if session else []))
    agg = {c: (c, "sum") for c in ("paid_fen", "refund_fen", "cogs_fen", "count_paid_orders",
                                   "count_buyers", "streamer_commission_fen", "net_sales_fen")}
    agg["is_own_stream"] = ("is_own_stream", "max")
    if session and "sales_date" not in keys:
        agg["count_sessions"] = ("sales_date", "nunique")
    out = s.groupby(keys, as_index=False).agg(**agg)
    out["streamer_commission_fen"] = out["streamer_commission_fen"].round().astype("int64")
    for c in ("paid_fen", "refund_fen", "cogs_fen", "count_paid_orders", "count_buyers",
              "net_sales_fen"):
        out[c] = out[c].astype("int64")
    out = rows.add(out, ["gross_profit_fen", "refund_rate", "buyer_days", "aov_fen",
                         "commission_roi"])
    return out.sort_values("paid_fen", ascending=False, ignore_index=True)


# ----------------------------------------------------------------------------------------
# what to act on (the report's action list)
# ----------------------------------------------------------------------------------------
def below_average_sources(funnel: pd.DataFrame, min_share: float = 0.05) -> pd.DataFrame:
    """Traffic sources that convert below their platform's average: rows of
    :func:`traffic_funnel` (by platform and source) with ``platform_conversion_rate`` = the
    platform's buyers / visitors over all its sources, ``source_conversion_rate`` below it and
    at least ``min_share`` of the platform's visitors (a small source's rate is noise).
    ``missing_buyers`` = visitors x platform rate - buyers: the buyers the source would have
    brought at the platform's average. Largest shortfall first."""
    _check(funnel, ["platform", "visitors", "buyers", "source_conversion_rate"],
           "below_average_sources")
    cols = [*funnel.columns, "platform_conversion_rate", "visitor_share_rate", "missing_buyers"]
    if not len(funnel):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    f = funnel.copy()
    tot = f.groupby("platform")[["visitors", "buyers"]].transform("sum")
    f["platform_conversion_rate"] = _ratio(tot["buyers"], tot["visitors"])
    f["visitor_share_rate"] = _ratio(f["visitors"], tot["visitors"])
    f["missing_buyers"] = f["visitors"] * f["platform_conversion_rate"] - f["buyers"]
    out = f[(f["source_conversion_rate"] < f["platform_conversion_rate"])
            & (f["visitor_share_rate"] >= min_share)]
    return out.sort_values("missing_buyers", ascending=False, ignore_index=True)[cols]


def losing_ad_plans(by_plan: pd.DataFrame) -> pd.DataFrame:
    """Ad plans whose ROI is below 0 (:func:`ad_performance` rows with ``roi``): their
    attributed gross profit does not pay for their spend. ``ad_loss_fen`` = spend -
    attributed gross profit (what the plan cost beyond what it earned), largest first."""
    _check(by_plan, ["spend_fen", "attributed_gross_profit_fen", "roi"], "losing_ad_plans")
    out = by_plan[by_plan["roi"] < 0].copy()
    out["ad_loss_fen"] = out["spend_fen"] - out["attributed_gross_profit_fen"]
    return out.sort_values("ad_loss_fen", ascending=False, ignore_index=True)


def losing_streamers(per: pd.DataFrame) -> pd.DataFrame:
    """Streamers (达人, not own streams) whose commission ROI is below 0 (rows of
    :func:`streamer_performance`): their gross profit does not cover their commission.
    Lowest ROI first."""
    _check(per, ["is_own_stream", "commission_roi"], "losing_streamers")
    out = per[~per["is_own_stream"].astype(bool) & (per["commission_roi"] < 0)]
    return out.sort_values("commission_roi", ignore_index=True)


# ----------------------------------------------------------------------------------------
# daily key series per shop (input of ecomlib.models.anomaly)
# ----------------------------------------------------------------------------------------
def daily_shop_metrics(shop_days: pd.DataFrame, ad_spend: pd.DataFrame | None = None
                       ) -> pd.DataFrame:
    """One row per sales_date, platform and shop with the series the daily checks watch,
    each the catalogue's metric of that shop-day: ``paid_fen``, ``count_paid_orders``,
    ``refund_rate`` = refunds / paid (same orders), ``conversion_rate`` = paying buyers /
    visitors of the day (NaN without visitors), ``roas`` = attributed paid / spend of the
    day's ads (NaN without spend); plus the denominators ``visitors`` and ``spend_fen``.
    ``shop_days``: the query ``channels/shop_days`` (every day); ``ad_spend``: its ad rows."""
    keys = ["sales_date", "platform", "shop_id"]
    _check(shop_days, [*keys, "paid_fen", "refund_fen", "count_paid_orders", "count_buyers",
                       "visitors"], "daily_shop_metrics")
    out = shop_days[keys + ["paid_fen", "refund_fen", "count_paid_orders", "count_buyers",
                            "visitors"]].copy()
    out["sales_date"] = pd.to_datetime(out["sales_date"]).dt.normalize()
    if ad_spend is not None and len(ad_spend):
        a = ad_spend.assign(sales_date=pd.to_datetime(ad_spend["spend_date"]).dt.normalize())
        a = rows.sums(a, keys, ["spend_fen", "attributed_paid_fen"])
        out = out.merge(a, on=keys, how="left")
    else:
        out["spend_fen"], out["attributed_paid_fen"] = np.nan, np.nan
    out = rows.add(out, ["refund_rate", "conversion_rate", "roas"])
    return out.sort_values(keys, ignore_index=True)
