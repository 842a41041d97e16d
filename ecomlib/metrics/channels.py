"""Channels and marketing: which platform, traffic source and ad yuan pays back.

Two kinds of functions:

* **loaders** (``load_*``) run the parameterised rollups of :mod:`ecomlib.rollups`
  (``CHANNELS_*_SQL``) inside DuckDB and return small frames;
* **metrics** are pure functions on those frames (or on ``Warehouse.read(...)`` frames of
  ``traffic``, ``ad_spend`` and ``other_costs``), each with its formula in the docstring.

Definitions (DESIGN.md): AOV (客单价) = paid amount / paying buyers; refund rate = refunded
amount / paid amount of the same orders; conversion = paying buyers / visitors (UV); UV value
= paid amount / visitors; **ROAS** = attributed paid amount / ad spend (a multiple, yuan per
yuan); **ROI** = (attributed gross profit - spend) / spend. Ad platforms report attributed
paid amount only, so attributed gross profit = attributed paid x the shop's gross-margin rate
over the same period (gross profit / paid, gross profit = paid - refunds - cost of goods).
Money in CNY fen (``*_fen``), ratios 0..1 (``*_rate``, NaN where the denominator is 0),
multiples (ROAS, ROI, elasticity) as plain floats.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import i18n, rollups
from ._common import check_columns, ratio as _ratio

__all__ = [
    "Campaign", "parse_campaigns", "default_campaigns", "campaign_calendar", "campaign_kind",
    "load_lines", "load_shop_daily", "load_shop_period", "load_streamers", "load_sku_daily",
    "shop_summary", "platform_share", "traffic_funnel", "uv_value", "ad_performance",
    "marginal_roas", "fit_response_curve", "discount_depth", "price_elasticity",
    "pooled_elasticity", "uplift_daily", "plot_marginal_roas", "plot_uplift", "export_excel",
    "campaign_uplift", "streamer_performance", "daily_shop_metrics",
]

# keys registered before keep their wording (see i18n.add_labels)
_LABELS = {
    "count_buyers": ("买家数", "Buyers"),
    "aov_fen": ("客单价", "AOV"),
    "discount_fen": ("优惠金额", "Discounts"),
    "discount_rate": ("优惠深度", "Discount depth"),
    "gross_profit_rate": ("毛利率", "Gross margin"),
    "cart_rate": ("加购率", "Add-to-cart rate"),
    "cart_to_buy_rate": ("加购转化率", "Cart-to-buy rate"),
    "conversion_rate": ("转化率", "Conversion rate"),
    "uv_value_fen": ("UV价值", "UV value"),
    "attributed_paid_fen": ("广告成交额", "Attributed paid"),
    "attributed_orders": ("广告成交单数", "Attributed orders"),
    "attributed_gross_profit_fen": ("广告毛利（估）", "Attributed gross profit (est.)"),
    "roas": ("ROAS（广告成交/花费）", "ROAS (attributed paid / spend)"),
    "roi": ("ROI（(毛利-花费)/花费）", "ROI ((gross profit - spend) / spend)"),
    "cpc_fen": ("点击单价", "Cost per click"),
    "ctr_rate": ("点击率", "Click-through rate"),
    "marginal_roas": ("边际ROAS", "Marginal ROAS"),
    "spend_bin": ("花费分档", "Spend bin"),
    "count_days": ("天数", "Days"),
    "units_per_day": ("日均件数", "Units per day"),
    "elasticity": ("价格弹性", "Price elasticity"),
    "std_error": ("标准误", "Std. error"),
    "ci_low": ("95%区间下限", "95% CI low"),
    "ci_high": ("95%区间上限", "95% CI high"),
    "count_price_levels": ("价格档数", "Price levels"),
    "price_change_rate": ("价格变动幅度", "Price range"),
    "qualifies": ("可估计", "Estimable"),
    "why": ("说明", "Note"),
    "baseline_fen": ("基线（无活动）", "Baseline (no campaign)"),
    "actual_fen": ("实际", "Actual"),
    "uplift_fen": ("增量", "Uplift"),
    "pre_dip_fen": ("活动前透支", "Pre-campaign dip"),
    "campaign_uplift_fen": ("活动期增量", "Uplift in campaign"),
    "post_dip_fen": ("活动后透支", "Post-campaign dip"),
    "net_uplift_fen": ("净增量", "Net uplift"),
    "net_uplift_low_fen": ("净增量下限(95%)", "Net uplift low (95%)"),
    "net_uplift_high_fen": ("净增量上限(95%)", "Net uplift high (95%)"),
    "uplift_rate": ("增量/基线", "Uplift / baseline"),
    "streamer": ("主播/达人", "Streamer"),
    "session_date": ("直播日", "Session day"),
    "commission_fen": ("佣金", "Commission"),
    "net_sales_after_commission_fen": ("扣佣后净销售", "Net sales after commission"),
    "count_sessions": ("场次(天)", "Sessions (days)"),
    "is_own_stream": ("自播", "Own stream"),
    "phase": ("阶段", "Phase"),
    "start": ("开始", "Start"),
    "end": ("结束", "End"),
    "name": ("名称", "Name"),
    "roas_at_median": ("中位花费处ROAS", "ROAS at median spend"),
    "marginal_roas_at_median": ("中位花费处边际ROAS", "Marginal ROAS at median spend"),
    "exponent": ("弹性指数b", "Exponent b"),
    "median_spend_fen": ("日花费中位数", "Median daily spend"),
}
i18n.add_labels(_LABELS)



# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------
def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"channels.{fn}",
                  "; pass the frame the matching loader / Warehouse.read returns")


def _filters(prefix: str, start, end, shops, platforms) -> tuple[str, dict]:
    """" AND ..." conditions on sales_date (inclusive Beijing days) / platform / shop_id of
    ``prefix`` and their named parameters: :func:`ecomlib.warehouse.sql_filters`."""
    from ..warehouse import sql_filters
    conds, params = sql_filters(start, end, shops, platforms, alias=prefix)
    return "".join(" AND " + c for c in conds), params


def _int_cols(df: pd.DataFrame, cols) -> pd.DataFrame:
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").fillna(0).astype("int64")
    return df


_SHOP_SUMS = ("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units", "list_fen",
              "discount_fen", "count_paid_orders", "count_buyers")


# ----------------------------------------------------------------------------------------
# campaigns
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Campaign:
    """A campaign window: ``start``..``end`` inclusive (Beijing days; ``end`` is usually the
    peak day). ``pre_days`` before ``start`` and ``post_days`` after ``end`` are where the
    pull-forward dip is measured."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp
    pre_days: int = 7
    post_days: int = 10

    @property
    def window(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of pre-dip + campaign + post-dip."""
        return (self.start - pd.Timedelta(days=self.pre_days),
                self.end + pd.Timedelta(days=self.post_days))


def default_campaigns(start, end, pre_days: int = 7, post_days: int = 10) -> list[Campaign]:
    """618 (June 1..18) and Double 11 (October 24..November 11) of every year that overlaps
    ``start``..``end`` (the platforms' usual pre-sale and peak days)."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    out = []
    for y in range(lo.year, hi.year + 1):
        for name, a, b in ((f"{y} 618", f"{y}-06-01", f"{y}-06-18"),
                           (f"{y} 双11", f"{y}-10-24", f"{y}-11-11")):
            c = Campaign(name, pd.Timestamp(a), pd.Timestamp(b), pre_days, post_days)
            if c.window[1] >= lo and c.window[0] <= hi:
                out.append(c)
    return out


def parse_campaigns(items: Iterable[dict] | None, start=None, end=None,
                    pre_days: int = 7, post_days: int = 10) -> list[Campaign]:
    """Campaigns from a parameters list ``[{name, start, end, pre_days?, post_days?}, ...]``.

    ``None`` gives :func:`default_campaigns` for ``start``..``end``; an empty list gives none.
    """
    if items is None:
        if start is None or end is None:
            return []
        return default_campaigns(start, end, pre_days, post_days)
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


def campaign_kind(name: str) -> str:
    """The campaign's kind: its name without years and spaces ("2025 双11" -> "双11"), so
    that the same campaign of different years can be compared."""
    import re
    return re.sub(r"(19|20)\d\d|年|\s", "", str(name)) or str(name)


def campaign_calendar(dates, campaigns: Sequence[Campaign], by_kind: bool = False) -> pd.Series:
    """Phase of each day: ``peak`` (a campaign's end day), ``campaign`` (start..end-1),
    ``pre`` (the ``pre_days`` before start), ``post`` (the ``post_days`` after end) or
    ``normal``. Where windows overlap, the stronger phase wins (peak > campaign > post > pre).
    With ``by_kind`` the label is ``<phase>:<kind>`` (e.g. ``peak:双11``, see
    :func:`campaign_kind`), so anomaly checks compare a campaign only with the same campaign."""
    idx = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    rank = {"normal": 0, "pre": 1, "post": 2, "campaign": 3, "peak": 4}
    out = np.zeros(len(idx), dtype=int)
    kind = np.array([""] * len(idx), dtype=object)
    for c in campaigns:
        w0, w1 = c.window
        for a, b, ph in ((w0, c.start - pd.Timedelta(days=1), "pre"),
                         (c.end + pd.Timedelta(days=1), w1, "post"),
                         (c.start, c.end - pd.Timedelta(days=1), "campaign"),
                         (c.end, c.end, "peak")):
            m = (idx >= a) & (idx <= b) & (out < rank[ph])
            out[m] = rank[ph]
            kind[m] = campaign_kind(c.name)
    names = {v: k for k, v in rank.items()}
    labels = [names[v] + (f":{k}" if by_kind and v else "") for v, k in zip(out, kind)]
    return pd.Series(labels, index=idx, name="phase")


# ----------------------------------------------------------------------------------------
# loaders (SQL in ecomlib.rollups)
# ----------------------------------------------------------------------------------------
_LINE_TABLES = iter(range(1, 1 << 62))


def load_lines(wh, start=None, end=None, shops=None, platforms=None) -> str:
    """Read the selection's order lines once (``rollups.CHANNELS_LINES_SQL``: legacy_order_lines
    with the streamer and buyer of each line) into a temporary DuckDB table on ``wh``'s
    connection, and return its name, to pass as ``lines=`` to :func:`load_shop_daily`,
    :func:`load_shop_period`, :func:`load_streamers` and :func:`load_sku_daily` with the
    same selection: the report then evaluates the legacy_order_lines view (refund allocation,
    currency conversion over every line) once instead of once per loader. The table lives
    as long as the connection (also on a read-only warehouse)."""
    filters, params = _filters("l.", start, end, shops, platforms)
    name = f"channels_lines_{next(_LINE_TABLES)}"
    wh.con.execute(f"CREATE TEMP TABLE {name} AS "
                   + rollups.CHANNELS_LINES_SQL.format(filters=filters), params)
    return name


def _lines(start, end, shops, platforms, lines: str | None) -> tuple[str, dict]:
    """The ``{lines}`` source of the channels rollups and its parameters."""
    if lines is not None:
        if not str(lines).isidentifier():
            raise ValueError(f"channels: lines must be a table name from load_lines(); got {lines!r}")
        return f"SELECT * FROM {lines}", {}
    filters, params = _filters("l.", start, end, shops, platforms)
    return rollups.CHANNELS_LINES_SQL.format(filters=filters), params


def load_shop_daily(wh, start=None, end=None, shops=None, platforms=None,
                    lines: str | None = None) -> pd.DataFrame:
    """One row per sales_date, platform and shop on a full date spine (``start``..``end``):
    ``gmv_fen``, ``paid_fen``, ``refund_fen``, ``cogs_fen``, ``units``, ``list_fen``,
    ``discount_fen`` (shop + platform discounts), ``count_paid_orders`` and ``count_buyers``
    (distinct paying members that day). Days without sales hold 0. ``lines``: the table of
    :func:`load_lines` for the same selection (else the lines are read here)."""
    src, params = _lines(start, end, shops, platforms, lines)
    sql = rollups.CHANNELS_SHOP_SQL.format(keys="sales_date, platform, shop_id", lines=src)
    df = wh.sql(sql, params)
    df["sales_date"] = pd.to_datetime(df["sales_date"])
    df = _int_cols(df, _SHOP_SUMS)
    if not len(df):
        return df
    lo = pd.Timestamp(start) if start is not None else df["sales_date"].min()
    hi = pd.Timestamp(end) if end is not None else df["sales_date"].max()
    pairs = df[["platform", "shop_id"]].drop_duplicates()
    spine = pd.MultiIndex.from_tuples(
        [(d, p, s) for d in pd.date_range(lo, hi) for p, s in pairs.itertuples(index=False)],
        names=["sales_date", "platform", "shop_id"])
    out = df.set_index(["sales_date", "platform", "shop_id"]).reindex(spine, fill_value=0)
    return _int_cols(out.reset_index(), _SHOP_SUMS)


def load_shop_period(wh, start=None, end=None, shops=None, platforms=None,
                     by: str = "platform, shop_id", lines: str | None = None) -> pd.DataFrame:
    """Period totals per ``by`` (``"platform, shop_id"`` or ``"platform"``) with distinct
    paying buyers over the whole period (a buyer of two days counts once). ``lines``: as in
    :func:`load_shop_daily`."""
    if by not in ("platform, shop_id", "platform"):
        raise ValueError(f"channels.load_shop_period: by must be 'platform, shop_id' or "
                         f"'platform'; got {by!r}")
    src, params = _lines(start, end, shops, platforms, lines)
    df = wh.sql(rollups.CHANNELS_SHOP_SQL.format(keys=by, lines=src), params)
    return _int_cols(df, _SHOP_SUMS)


def load_streamers(wh, start=None, end=None, shops=None, platforms=None,
                   session: bool = False, lines: str | None = None) -> pd.DataFrame:
    """Paid live-stream orders (``orders.streamer`` set) per platform, shop and streamer
    (and ``sales_date`` with ``session=True``: a session is a streamer's day): ``paid_fen``,
    ``refund_fen``, ``cogs_fen``, ``units``, ``count_paid_orders``, ``count_buyers``.
    ``lines``: as in :func:`load_shop_daily`."""
    src, params = _lines(start, end, shops, platforms, lines)
    keys = "platform, shop_id, streamer" + (", sales_date" if session else "")
    df = wh.sql(rollups.CHANNELS_STREAMER_SQL.format(keys=keys, lines=src), params)
    if session:
        df["sales_date"] = pd.to_datetime(df["sales_date"])
    return _int_cols(df, ("paid_fen", "refund_fen", "cogs_fen", "units", "count_paid_orders",
                          "count_buyers"))


def load_sku_daily(wh, start=None, end=None, shops=None, platforms=None,
                   lines: str | None = None) -> pd.DataFrame:
    """Units and money per sales_date and SKU over the selected shops
    (``rollups.CHANNELS_SKU_DAILY_SQL``: ``Warehouse.daily_sales`` summed over platforms and
    shops, computed in DuckDB): ``sales_date, sku, units, list_fen, paid_fen`` (paid lines;
    SKU-days with only unpaid lines hold 0), the input of :func:`price_elasticity`.
    ``lines``: as in :func:`load_shop_daily`."""
    src, params = _lines(start, end, shops, platforms, lines)
    df = wh.sql(rollups.CHANNELS_SKU_DAILY_SQL.format(lines=src), params)
    df["sales_date"] = pd.to_datetime(df["sales_date"])
    return _int_cols(df, ("units", "list_fen", "paid_fen"))


# ----------------------------------------------------------------------------------------
# sales by platform and shop
# ----------------------------------------------------------------------------------------
def shop_summary(period: pd.DataFrame) -> pd.DataFrame:
    """Rates for period totals (from :func:`load_shop_period`), largest paid first.

    ``net_sales_fen`` = paid - refund; ``gross_profit_fen`` = net sales - COGS;
    ``aov_fen`` = paid / count_buyers (fen per buyer); ``refund_rate`` = refund / paid;
    ``gross_profit_rate`` = gross profit / paid; ``discount_rate`` = discount / list amount;
    ``share_rate`` = the row's paid / all rows' paid.
    """
    _check(period, ["paid_fen", "refund_fen", "cogs_fen", "count_buyers", "count_paid_orders"],
           "shop_summary")
    out = period.copy()
    out["net_sales_fen"] = (out["paid_fen"] - out["refund_fen"]).astype("int64")
    out["gross_profit_fen"] = (out["net_sales_fen"] - out["cogs_fen"]).astype("int64")
    out["aov_fen"] = _ratio(out["paid_fen"], out["count_buyers"]).round()
    out["refund_rate"] = _ratio(out["refund_fen"], out["paid_fen"])
    out["gross_profit_rate"] = _ratio(out["gross_profit_fen"], out["paid_fen"])
    if "discount_fen" in out and "list_fen" in out:
        out["discount_rate"] = _ratio(out["discount_fen"], out["list_fen"])
    total = float(out["paid_fen"].sum())
    out["share_rate"] = out["paid_fen"] / total if total else np.nan
    return out.sort_values("paid_fen", ascending=False, ignore_index=True)


def platform_share(daily: pd.DataFrame, freq: str = "MS", by: str = "platform") -> pd.DataFrame:
    """Paid amount per period (``freq``: ``MS`` months, ``W-MON`` weeks, ``D`` days) and
    ``by`` with ``share_rate`` = that row's paid / all ``by`` values' paid in the period."""
    _check(daily, ["sales_date", by, "paid_fen"], "platform_share")
    d = daily.assign(period=pd.to_datetime(daily["sales_date"]).dt.to_period(
        "M" if freq == "MS" else ("W-SUN" if freq.startswith("W") else "D")).dt.start_time)
    out = d.groupby(["period", by], as_index=False)["paid_fen"].sum()
    out["paid_fen"] = out["paid_fen"].astype("int64")
    out["share_rate"] = _ratio(out["paid_fen"], out.groupby("period")["paid_fen"].transform("sum"))
    return out


# ----------------------------------------------------------------------------------------
# traffic
# ----------------------------------------------------------------------------------------
def traffic_funnel(traffic: pd.DataFrame, by: Sequence[str] = ("platform", "source")
                   ) -> pd.DataFrame:
    """Funnel visitors -> add-to-cart -> buyers per ``by`` (sums over the rows' days).

    ``cart_rate`` = add_to_cart / visitors; ``cart_to_buy_rate`` = buyers / add_to_cart;
    ``conversion_rate`` = buyers / visitors (= cart_rate x cart_to_buy_rate when every buyer
    carted). A missing add_to_cart count is treated as unknown: those rows' steps are NaN.
    """
    by = list(by)
    _check(traffic, [*by, "visitors", "add_to_cart", "buyers"], "traffic_funnel")
    cols = [*by, "visitors", "add_to_cart", "buyers", "cart_rate", "cart_to_buy_rate",
            "conversion_rate"]
    if not len(traffic):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    t = traffic.copy()
    for c in ("visitors", "add_to_cart", "buyers"):
        t[c] = pd.to_numeric(t[c], errors="coerce")
    out = t.groupby(by, as_index=False).agg(visitors=("visitors", "sum"),
                                            add_to_cart=("add_to_cart", lambda s: s.sum(min_count=len(s))),
                                            buyers=("buyers", "sum"))
    out["visitors"] = out["visitors"].astype("int64")
    out["buyers"] = out["buyers"].astype("int64")
    out["cart_rate"] = _ratio(out["add_to_cart"], out["visitors"])
    out["cart_to_buy_rate"] = _ratio(out["buyers"], out["add_to_cart"])
    out["conversion_rate"] = _ratio(out["buyers"], out["visitors"])
    return out[cols].sort_values([*by[:-1], "visitors"], ascending=[True] * (len(by) - 1) + [False],
                                 ignore_index=True)


def uv_value(period: pd.DataFrame, traffic: pd.DataFrame,
             by: Sequence[str] = ("platform", "shop_id")) -> pd.DataFrame:
    """UV value (UV价值) = paid amount / visitors, and conversion = paying buyers / visitors,
    per ``by``. Paid and buyers come from orders (``period``, :func:`load_shop_period`),
    visitors from ``traffic`` over the same days (sources summed)."""
    by = list(by)
    _check(period, [*by, "paid_fen", "count_buyers"], "uv_value")
    _check(traffic, [*by, "visitors"], "uv_value")
    v = traffic.groupby(by, as_index=False)["visitors"].sum()
    out = period.groupby(by, as_index=False)[["paid_fen", "count_buyers"]].sum().merge(
        v, on=by, how="outer")
    out = _int_cols(out, ["paid_fen", "count_buyers", "visitors"])
    out["uv_value_fen"] = _ratio(out["paid_fen"], out["visitors"])
    out["conversion_rate"] = _ratio(out["count_buyers"], out["visitors"])
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
    out = _int_cols(out, ["spend_fen", "attributed_paid_fen", "impressions", "clicks",
                          "attributed_orders"])
    out["roas"] = _ratio(out["attributed_paid_fen"], out["spend_fen"])
    out["roi"] = _ratio(out["attributed_gross_profit_fen"] - out["spend_fen"], out["spend_fen"])
    if "clicks" in out:
        out["ctr_rate"] = _ratio(out["clicks"], out["impressions"])
        out["cpc_fen"] = _ratio(out["spend_fen"], out["clicks"])
    return out.sort_values("spend_fen", ascending=False, ignore_index=True)


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
    rows, fits = [], []
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
        rows.append(b)
        f = fit_response_curve(g["spend_fen"], g["attributed_paid_fen"])
        med = float(g["spend_fen"].median())
        roas_med = f["a"] * med ** (f["b"] - 1) if np.isfinite(f["b"]) else np.nan
        fits.append({**dict(zip(by, key)), "exponent": f["b"], "b_std_error": f["b_std_error"],
                     "count_days": f["count_days"], "median_spend_fen": med,
                     "roas_at_median": roas_med, "marginal_roas_at_median": f["b"] * roas_med})
    bcols = [*by, "spend_bin", "count_days", "spend_fen", "attributed_paid_fen", "roas",
             "marginal_roas"]
    binned = pd.concat(rows, ignore_index=True)[bcols] if rows else \
        pd.DataFrame({c: pd.Series(dtype="float64") for c in bcols})
    fitted = pd.DataFrame(fits) if fits else pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in [*by, "exponent", "b_std_error", "count_days",
                                                   "median_spend_fen", "roas_at_median",
                                                   "marginal_roas_at_median"]})
    return binned, fitted


# ----------------------------------------------------------------------------------------
# discounts and prices
# ----------------------------------------------------------------------------------------
def discount_depth(daily: pd.DataFrame, edges: Sequence[float] = (0, .05, .10, .15, .20, .30, 1.0)
                   ) -> pd.DataFrame:
    """Discount depth vs volume: shop-days grouped by ``discount_rate`` = discount_fen /
    list_fen (shop + platform discounts over the list amount of the day's paid lines).

    One row per depth bin [lo, hi): ``count_days`` (shop-days with sales), ``units_per_day``
    and ``paid_fen`` (daily means) and ``discount_rate`` (the bin's pooled depth).
    """
    _check(daily, ["discount_fen", "list_fen", "units", "paid_fen"], "discount_depth")
    d = daily[daily["list_fen"] > 0].copy()
    d["discount_rate"] = d["discount_fen"] / d["list_fen"]
    labels = [f"{lo:.0%}–{hi:.0%}" for lo, hi in zip(edges[:-1], edges[1:])]
    d["depth_bin"] = pd.cut(d["discount_rate"], list(edges), right=False, labels=labels)
    out = d.groupby("depth_bin", observed=False).agg(
        count_days=("units", "size"), units_per_day=("units", "mean"),
        paid_fen=("paid_fen", "mean"), discount_fen=("discount_fen", "sum"),
        list_fen=("list_fen", "sum")).reset_index()
    out["discount_rate"] = _ratio(out["discount_fen"], out["list_fen"])
    out["count_days"] = out["count_days"].astype("int64")
    return out[["depth_bin", "count_days", "discount_rate", "units_per_day", "paid_fen"]]


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

    ``sku_daily``: one row per ``sales_date`` and ``sku`` (summed over shops) with ``units``
    and ``list_fen`` (list amount of the day's paid lines). The day's unit price is
    list_fen / units; days without sales get the price of the nearest earlier day with sales
    (the price stays until it changes) and 0 units, from the SKU's first to last sale day.

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
    rows = []
    for sku, g in d.groupby("sku", sort=True):
        g = g[g["units"] > 0]
        base = {"sku": sku, "count_days": 0, "count_price_levels": 0, "price_change_rate": np.nan,
                "elasticity": np.nan, "std_error": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "qualifies": False, "why": ""}
        if g.empty:
            rows.append({**base, "why": "no sales"})
            continue
        days = pd.date_range(g["sales_date"].min(), g["sales_date"].max())
        s = g.set_index("sales_date").reindex(days)
        price = (s["list_fen"] / s["units"]).ffill()
        units = s["units"].fillna(0).to_numpy(dtype="float64")
        level = np.round(np.log(price.to_numpy()) / np.log(1.01))
        counts = pd.Series(level).value_counts()
        good_levels = int((counts >= min_level_days).sum())
        change = float(price.max() / price.min() - 1)
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
            rows.append({**base, "why": "; ".join(why)})
            continue
        wd = days.day_of_week.to_numpy()
        cols = [np.ones(len(days)), np.log(price.to_numpy())]
        cols += [(wd == k).astype(float) for k in range(1, 7)]
        is_c = np.array([x in camp for x in days], dtype=float)
        if 0 < is_c.sum() < len(days):
            cols.append(is_c)
        if has_cat:
            other = (cat_day.loc[cat_of[sku]].reindex(days, fill_value=0)
                     - pd.Series(units, index=days))
            m = np.log1p(other.clip(lower=0).rolling(7, center=True, min_periods=1).mean())
            if np.ptp(m.to_numpy()) > 0:
                cols.append(m.to_numpy())
        if trend:
            cols.append((days - days[0]).days.to_numpy() / 365.25)
        X = np.column_stack(cols)
        try:
            beta, cov, _ = _poisson_fit(X, units)
            se = float(np.sqrt(cov[1, 1]))
        except np.linalg.LinAlgError:
            rows.append({**base, "why": "model could not be fitted (singular)"})
            continue
        e = float(beta[1])
        rows.append({**base, "elasticity": e, "std_error": se, "ci_low": e - 1.96 * se,
                     "ci_high": e + 1.96 * se, "qualifies": True, "why": ""})
    cols = ["sku", "qualifies", "count_days", "count_price_levels", "price_change_rate",
            "elasticity", "std_error", "ci_low", "ci_high", "why"]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    return pd.DataFrame(rows)[cols]


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

    ``daily``: one row per ``sales_date`` (summed over the shops wanted) with ``value``.
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
    cols = ["name", "start", "end", "actual_fen", "baseline_fen", "pre_dip_fen",
            "campaign_uplift_fen", "post_dip_fen", "net_uplift_fen", "net_uplift_low_fen",
            "net_uplift_high_fen", "uplift_rate", "count_baseline_days", "why"]
    if s.empty or not campaigns:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    s = s.reindex(pd.date_range(s.index.min(), s.index.max()), fill_value=0.0)
    phase = campaign_calendar(s.index, campaigns)
    normal = phase == "normal"
    wd = s.index.day_of_week
    overall = s[normal].mean()
    f = s[normal].groupby(wd[normal]).mean() / overall if overall > 0 else pd.Series(1.0, range(7))
    f = f.reindex(range(7)).fillna(1.0).replace(0, 1.0)
    fday = pd.Series(f.to_numpy()[wd], index=s.index)
    rng = np.random.default_rng(seed)
    rows = []
    for c in campaigns:
        w0, w1 = c.window
        base = {"name": c.name, "start": c.start, "end": c.end}
        if w0 < s.index.min() or w1 > s.index.max():
            rows.append({**base, "why": "campaign window not fully inside the data"})
            continue
        b_end = w0 - pd.Timedelta(days=1)
        cand = s.index[(s.index <= b_end) & normal.to_numpy()]
        bdays = cand[-baseline_days:]
        if len(bdays) < 14:
            rows.append({**base, "count_baseline_days": len(bdays),
                         "why": f"only {len(bdays)} normal days before the campaign (< 14)"})
            continue
        adj = (s[bdays] / fday[bdays]).to_numpy()
        L = adj.mean()
        win = pd.date_range(w0, w1)
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
        rows.append({**base, "actual_fen": float(act.sum()), "baseline_fen": float(expv.sum()),
                     "pre_dip_fen": float(upl[pre].sum()), "campaign_uplift_fen": float(upl[mid].sum()),
                     "post_dip_fen": float(upl[post].sum()), "net_uplift_fen": net,
                     "net_uplift_low_fen": float(np.quantile(nets, a)),
                     "net_uplift_high_fen": float(np.quantile(nets, 1 - a)),
                     "uplift_rate": net / float(expv.sum()) if expv.sum() > 0 else np.nan,
                     "count_baseline_days": nb, "why": ""})
    out = pd.DataFrame(rows).reindex(columns=cols)
    out["why"] = out["why"].fillna("")
    return out


def uplift_daily(daily: pd.DataFrame, campaign: Campaign, campaigns: Sequence[Campaign],
                 value: str = "paid_fen", baseline_days: int = 56) -> pd.DataFrame:
    """Actual and baseline per day of one campaign's window (for a chart), computed as in
    :func:`campaign_uplift` (columns ``sales_date``, ``actual_fen``, ``baseline_fen``,
    ``phase``)."""
    s = (daily.assign(sales_date=pd.to_datetime(daily["sales_date"]).dt.normalize())
         .groupby("sales_date")[value].sum().astype("float64"))
    s = s.reindex(pd.date_range(s.index.min(), s.index.max()), fill_value=0.0)
    phase = campaign_calendar(s.index, campaigns)
    normal = phase == "normal"
    wd = s.index.day_of_week
    f = s[normal].groupby(wd[normal]).mean() / s[normal].mean()
    fday = pd.Series(f.reindex(range(7)).fillna(1.0).to_numpy()[wd], index=s.index)
    w0, w1 = campaign.window
    cand = s.index[(s.index < w0) & normal.to_numpy()][-baseline_days:]
    L = (s[cand] / fday[cand]).mean()
    win = pd.date_range(w0, w1).intersection(s.index)
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

    ``streamers``: :func:`load_streamers` (``session=True`` for sessions: a streamer's day).
    Commission: own streams (``own_streams``) pay none. For 达人, when ``other_costs`` has
    ``streamer_commission`` rows for the shop and day, that day's amount is split over the
    day's 达人 by their net sales (paid - refunds); otherwise ``commission_rate`` x net sales.
    ``gross_profit_fen`` = paid - refund - COGS; ``roi`` = (gross profit - commission) /
    commission (NaN for own streams: no commission spent); ``refund_rate`` = refund / paid;
    ``aov_fen`` = paid / buyers; ``count_sessions`` = days with sales (per-streamer view).
    """
    _check(streamers, ["platform", "shop_id", "streamer", "paid_fen", "refund_fen", "cogs_fen",
                       "count_paid_orders", "count_buyers"], "streamer_performance")
    s = streamers.copy()
    s["is_own_stream"] = s["streamer"].isin(list(own_streams))
    s["net_sales_fen"] = (s["paid_fen"] - s["refund_fen"]).astype("int64")
    session = "sales_date" in s.columns
    s["commission_fen"] = np.where(s["is_own_stream"], 0.0, s["net_sales_fen"] * commission_rate)
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
            s.loc[dar, "commission_fen"] = alloc.fillna(s.loc[dar, "commission_fen"]).to_numpy()
    keys = list(by) if by is not None else (["platform", "shop_id", "streamer"]
                                            + (["sales_date"] if session else []))
    agg = {c: (c, "sum") for c in ("paid_fen", "refund_fen", "cogs_fen", "count_paid_orders",
                                   "count_buyers", "commission_fen", "net_sales_fen")}
    agg["is_own_stream"] = ("is_own_stream", "max")
    if session and "sales_date" not in keys:
        agg["count_sessions"] = ("sales_date", "nunique")
    out = s.groupby(keys, as_index=False).agg(**agg)
    out["commission_fen"] = out["commission_fen"].round().astype("int64")
    out["gross_profit_fen"] = (out["net_sales_fen"] - out["cogs_fen"]).astype("int64")
    out["refund_rate"] = _ratio(out["refund_fen"], out["paid_fen"])
    out["aov_fen"] = _ratio(out["paid_fen"], out["count_buyers"]).round()
    out["roi"] = _ratio(out["gross_profit_fen"] - out["commission_fen"], out["commission_fen"])
    return out.sort_values("paid_fen", ascending=False, ignore_index=True)


# ----------------------------------------------------------------------------------------
# daily key series per shop (input of ecomlib.models.anomaly)
# ----------------------------------------------------------------------------------------
def daily_shop_metrics(daily: pd.DataFrame, traffic: pd.DataFrame | None = None,
                       ad_spend: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per sales_date, platform and shop with the series the daily checks watch:
    ``paid_fen``, ``count_paid_orders``, ``refund_rate`` = refund / paid (same orders),
    ``roas`` = attributed paid / spend (ads of that day), ``conversion_rate`` = traffic
    buyers / visitors; plus the denominators ``visitors`` and ``spend_fen`` (0 / NaN where
    a shop has no traffic or ad rows)."""
    _check(daily, ["sales_date", "platform", "shop_id", "paid_fen", "refund_fen",
                   "count_paid_orders"], "daily_shop_metrics")
    keys = ["sales_date", "platform", "shop_id"]
    out = daily[keys + ["paid_fen", "refund_fen", "count_paid_orders"]].copy()
    out["sales_date"] = pd.to_datetime(out["sales_date"]).dt.normalize()
    out["refund_rate"] = _ratio(out["refund_fen"], out["paid_fen"])
    if traffic is not None and len(traffic):
        t = traffic.assign(sales_date=pd.to_datetime(traffic["traffic_date"]).dt.tz_localize(None)
                           if getattr(pd.to_datetime(traffic["traffic_date"]).dt, "tz", None)
                           else pd.to_datetime(traffic["traffic_date"]))
        t = t.groupby(keys, as_index=False)[["visitors", "buyers"]].sum()
        out = out.merge(t, on=keys, how="left")
        out["conversion_rate"] = _ratio(out["buyers"], out["visitors"])
    else:
        out["visitors"], out["buyers"], out["conversion_rate"] = np.nan, np.nan, np.nan
    if ad_spend is not None and len(ad_spend):
        a = ad_spend.assign(sales_date=pd.to_datetime(ad_spend["spend_date"]))
        a = a.groupby(keys, as_index=False)[["spend_fen", "attributed_paid_fen"]].sum()
        out = out.merge(a, on=keys, how="left")
        out["roas"] = _ratio(out["attributed_paid_fen"], out["spend_fen"])
    else:
        out["spend_fen"], out["attributed_paid_fen"], out["roas"] = np.nan, np.nan, np.nan
    return out.sort_values(keys, ignore_index=True)


# ----------------------------------------------------------------------------------------
# domain charts (matplotlib Figures, not registered with pyplot; see ecomlib.plots)
# ----------------------------------------------------------------------------------------
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


def export_excel(sheets: dict[str, pd.DataFrame], path) -> "Path":
    """Write the report's tables to one .xlsx file, one sheet each (names cut to 31
    characters), with :func:`ecomlib.excel.write_tables`: money columns ``*_fen`` become
    ``*_yuan`` (divided by 100); timezone-aware timestamps are written as Beijing
    wall-clock time. Returns the path."""
    from .. import excel
    return excel.write_tables(sheets, path)
