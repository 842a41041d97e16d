"""Numbers of the Voila apps (notebooks/apps/): the sales big screen and the explorer, as
pure functions on the frames of :mod:`ecomlib.metrics.dashboard_queries` (queries over the
marts). They never touch the warehouse and are tested on hand-worked numbers
(tests/test_dashboard.py, fixture tests/data/mini). Layout is in :mod:`ecomlib.bigscreen`
and :mod:`ecomlib.explorer`.

Units: money in CNY fen (``*_fen``), counts ``count_*`` / ``units``, ratios 0..1
(``*_rate``, NaN when the denominator is 0), days as floats (``*_days``). Dates are Beijing
calendar days; a day's sales are those with that ``sales_date`` (the model layer's sales
day). Every period is inclusive at both ends.

Metrics are the catalogue's (:mod:`ecomlib.metrics.catalogue`), ratios of sums:

* GMV = amount due on every line placed, paid or not; paid = amount paid on paid orders;
* refunds = completed refunds of those same paid lines, booked on the order's sales day;
* net sales = paid - refunds; refund rate = refunds / paid (same orders);
* gross profit = net sales - COGS, COGS = unit cost x units kept (sold - returned);
  units of SKUs without a cost are counted in ``units_without_cost``, never costed at 0;
* paying buyers are counted per shop and day (``count_buyers``); over several days they add
  up to buyer-days (``buyer_days``); 客单价 ``aov_fen`` = paid / buyer-days and 笔单价
  ``order_value_fen`` = paid / paid orders, so a period's 客单价 is the same whether it is
  computed from its days, its shops or in one go.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from . import catalogue, rows
from ._common import check_columns, ratio as _ratio

__all__ = [
    "TOTAL_COLUMNS", "VIEW_COLUMNS", "GROUP_KEYS", "RATIOS", "VIEW_RATIOS", "totals",
    "period_totals", "screen_totals", "with_ratios", "with_view_ratios", "with_ads", "comparison_periods",
    "change_rate", "compare", "compare3", "daily_trend", "platform_split", "shop_split",
    "top_skus", "stock_alerts", "PRESETS", "preset_period", "DayState", "day_state",
    "LAGGING", "daily_metric", "rank_by",
]

#: the summed columns of a totals frame (mart_shop_daily's, via the query common/shop_days)
TOTAL_COLUMNS = ("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units_without_cost",
                 "units", "count_paid_orders", "count_buyers")
#: the keys totals may be grouped by (the grain of mart_shop_daily)
GROUP_KEYS = ("sales_date", "platform", "shop_id")
#: the catalogue metrics :func:`with_ratios` adds
RATIOS = ("net_sales_fen", "refund_rate", "buyer_days", "aov_fen", "order_value_fen",
          "gross_profit_fen", "gross_margin_rate")
#: the explorer's summed columns: the sales of :data:`TOTAL_COLUMNS`, the visitors of the same
#: shop-days (``common/shop_days``), the paying buyer-days of the shop-days that have visitors
#: (``count_buyers_with_traffic``: the numerator of 转化率, see :func:`with_view_ratios`), and
#: the ad spend and attributed paid amount of the shop-days (:func:`with_ads`)
VIEW_COLUMNS = TOTAL_COLUMNS + ("visitors", "count_buyers_with_traffic", "spend_fen",
                                "attributed_paid_fen")
#: what :func:`with_view_ratios` adds on top of :data:`RATIOS`
VIEW_RATIOS = ("conversion_rate", "roas")
#: metrics whose recent values are not final: refunds arrive days after the payment, so a
#: recent period's refund rate is always low; it is never compared with an older period
LAGGING = ("refund_fen", "refund_rate", "net_sales_fen", "gross_profit_fen",
           "gross_margin_rate")


def _fn_check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"dashboard.{fn}",
                  ". Pass the frame returned by the matching dashboard_queries function.")


def _keys(by: Sequence[str], fn: str) -> list[str]:
    by = list(by)
    bad = [k for k in by if k not in GROUP_KEYS]
    if bad:
        raise ValueError(f"dashboard.{fn}: cannot group by {bad}; choose from {GROUP_KEYS}")
    return by


def totals(shop_days: pd.DataFrame, start=None, end=None, by: Sequence[str] = (),
           columns: Sequence[str] = TOTAL_COLUMNS) -> pd.DataFrame:
    """``columns`` (default :data:`TOTAL_COLUMNS`; the explorer's :data:`VIEW_COLUMNS`)
    summed over the shop-days with ``start <= sales_date <= end`` (``shop_days``: the query
    ``common/shop_days``), one row per ``by`` key, sorted (one row of zeros when ``by`` is
    empty and nothing matched; no rows with ``by`` then). ``count_buyers`` is then a sum of
    daily counts: buyer-days."""
    by = _keys(by, "totals")
    columns = tuple(columns)
    _fn_check(shop_days, ["sales_date", *by, *columns], "totals")
    d = shop_days
    if start is not None or end is not None:
        day = pd.to_datetime(d["sales_date"])
        keep = np.ones(len(d), dtype=bool)
        if start is not None:
            keep &= (day >= pd.Timestamp(start)).to_numpy()
        if end is not None:
            keep &= (day <= pd.Timestamp(end)).to_numpy()
        d = d[keep]
    d = d.astype({c: "int64" for c in columns})
    out = rows.sums(d, by, columns)
    if not by and not len(d):
        out = pd.DataFrame({c: [0] for c in columns}).astype("int64")
    return out.reset_index(drop=True)


def period_totals(shop_days: pd.DataFrame, periods: dict, by: Sequence[str] = (),
                  columns: Sequence[str] = TOTAL_COLUMNS) -> dict[str, pd.DataFrame]:
    """:func:`totals` for several named periods ``{name: (start, end)}`` of the same
    shop-days (read once for all of them). Returns ``{name: frame}``."""
    if not periods:
        raise ValueError("dashboard.period_totals: no periods given")
    return {name: totals(shop_days, lo, hi, by, columns) for name, (lo, hi) in periods.items()}


def with_ads(shop_days: pd.DataFrame, ads: pd.DataFrame) -> pd.DataFrame:
    """The explorer's shop-days: ``shop_days`` (the query ``common/shop_days``: sales and
    visitors per day, platform and shop) with the ad spend and attributed paid amount of the
    same shop-day (``ads``: the query ``dashboard/ads``, one row per spend_date, platform and
    shop), 0 where a shop-day has no ads; a shop-day with ads but neither sales nor visitors
    is a row of its own (sales 0). Adds ``count_buyers_with_traffic`` = count_buyers on the
    shop-days with visitors > 0, else 0 (see :func:`with_view_ratios`). All of
    :data:`VIEW_COLUMNS` are int64; sorted by day, platform, shop."""
    _fn_check(shop_days, ["sales_date", "platform", "shop_id", *TOTAL_COLUMNS, "visitors"],
              "with_ads")
    _fn_check(ads, ["spend_date", "platform", "shop_id", "spend_fen", "attributed_paid_fen"],
              "with_ads")
    keys = ["sales_date", "platform", "shop_id"]
    a = ads.rename(columns={"spend_date": "sales_date"})[
        keys + ["spend_fen", "attributed_paid_fen"]].copy()
    a["sales_date"] = pd.to_datetime(a["sales_date"])
    a = rows.sums(a, keys, ["spend_fen", "attributed_paid_fen"])
    d = shop_days.drop(columns=[c for c in ("spend_fen", "attributed_paid_fen")
                                if c in shop_days.columns]).copy()
    d["sales_date"] = pd.to_datetime(d["sales_date"])
    out = d.merge(a, on=keys, how="outer")
    for c in (*TOTAL_COLUMNS, "visitors", "spend_fen", "attributed_paid_fen"):
        out[c] = out[c].fillna(0).astype("int64")
    out["count_buyers_with_traffic"] = out["count_buyers"].where(out["visitors"] > 0, 0) \
        .astype("int64")
    return out.sort_values(keys, ignore_index=True)


def with_view_ratios(totals: pd.DataFrame) -> pd.DataFrame:
    """:func:`with_ratios` plus the explorer's traffic and ad metrics (catalogue names), on a
    :func:`totals` frame of :data:`VIEW_COLUMNS`:

    * ``conversion_rate`` (转化率) = paying buyer-days / visitor-days, both over the shop-days
      that have visitors (``count_buyers_with_traffic`` / ``visitors``): a shop whose traffic
      export is missing adds neither buyers nor visitors, so it cannot inflate the rate;
    * ``roas`` (ROAS, 投产比) = attributed paid amount / ad spend (NaN without spend).
    """
    _fn_check(totals, list(VIEW_COLUMNS), "with_view_ratios")
    out = with_ratios(totals)
    out["conversion_rate"] = _ratio(out["count_buyers_with_traffic"], out["visitors"]).to_numpy()
    return rows.add(out, ["roas"])


def with_ratios(totals: pd.DataFrame) -> pd.DataFrame:
    """Add the catalogue metrics :data:`RATIOS` to a :func:`totals` frame (a copy; same rows):

    * ``net_sales_fen`` = paid - refunds; ``gross_profit_fen`` = net sales - COGS
    * ``refund_rate`` = refunds / paid (NaN when nothing was paid)
    * ``buyer_days`` = the row's paying buyers counted per day, summed
    * ``aov_fen`` (客单价) = paid / buyer-days; ``order_value_fen`` (笔单价) = paid / paid
      orders (fen, float; NaN with no buyer / order)
    * ``gross_margin_rate`` = gross profit / net sales (NaN when net sales are 0)
    """
    _fn_check(totals, ["paid_fen", "refund_fen", "cogs_fen", "count_buyers",
                       "count_paid_orders"], "with_ratios")
    return rows.add(totals, RATIOS)


def comparison_periods(as_of) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The big screen's periods for the day ``as_of`` (inclusive ``(start, end)`` pairs).

    * ``today`` = (as_of, as_of); ``yesterday`` = the day before (as 生意参谋's real-time
      view compares: today against yesterday, at the same hours while today runs);
    * ``mtd`` = first of as_of's month .. as_of;
    * ``last_mtd`` = first of the previous month .. the same day number, clipped to that
      month's last day (as_of 2025-03-31 -> 2025-02-01..2025-02-28), so both months are
      compared over the same number of days as far as the calendar allows.
    """
    d = pd.Timestamp(as_of).normalize()
    first = d.replace(day=1)
    prev_first = (first - pd.Timedelta(days=1)).replace(day=1)
    prev_end = min(prev_first + pd.Timedelta(days=d.day - 1), first - pd.Timedelta(days=1))
    before = d - pd.Timedelta(days=1)
    return {"today": (d, d), "yesterday": (before, before), "mtd": (first, d),
            "last_mtd": (prev_first, prev_end)}


def screen_totals(shop_days: pd.DataFrame, periods: dict, cut: pd.DataFrame | None = None
                  ) -> dict[str, pd.DataFrame]:
    """The big screen's four totals (:func:`with_ratios`) for the :func:`comparison_periods`
    ``periods``, from the shop-days (``common/shop_days``) that cover them.

    With ``cut`` (the query ``dashboard/intraday``: the day before and the last day of
    ``last_mtd``, up to the clock time where the screen's day's data ends) the comparison
    periods end at the same hours as the screen's day: ``yesterday`` is the day before up
    to that time, ``last_mtd`` its whole days but the last, plus the last day up to that
    time. ``today`` and ``mtd`` are what the data holds (the day so far)."""
    out = {k: with_ratios(v) for k, v in period_totals(shop_days, periods).items()}
    if cut is not None:
        out["yesterday"] = with_ratios(totals(cut, *periods["yesterday"]))
        a, b = (pd.Timestamp(x) for x in periods["last_mtd"])
        whole = totals(shop_days, a, b - pd.Timedelta(days=1))
        out["last_mtd"] = with_ratios(whole.add(totals(cut, b, b)))
    return out


#: the explorer's quick periods, in menu order
PRESETS = ("month", "last_month", "last_7", "last_30", "year", "all")


def preset_period(name: str, last, first=None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A named period ending at the data's last day ``last`` (inclusive ``(start, end)``):

    ``month`` = first of last's month .. last; ``last_month`` = the whole previous
    calendar month; ``last_7`` / ``last_30`` = the 7 / 30 days ending ``last``; ``year`` =
    1 January of last's year .. last; ``all`` = ``first`` .. last (``first`` required).
    """
    d = pd.Timestamp(last).normalize()
    if name == "month":
        return d.replace(day=1), d
    if name == "last_month":
        end = d.replace(day=1) - pd.Timedelta(days=1)
        return end.replace(day=1), end
    if name in ("last_7", "last_30"):
        return d - pd.Timedelta(days=int(name[5:]) - 1), d
    if name == "year":
        return d.replace(month=1, day=1), d
    if name == "all":
        if first is None:
            raise ValueError("dashboard.preset_period: 'all' needs first= (the first sales day)")
        return pd.Timestamp(first).normalize(), d
    raise ValueError(f"dashboard.preset_period: unknown period {name!r}; choose from {PRESETS}")


def change_rate(current, previous) -> float:
    """Relative change current / previous - 1 (0..1 scale, e.g. 0.25 = +25%); NaN when the
    previous value is 0 or missing (a change from nothing has no rate)."""
    if previous is None or current is None or pd.isna(previous) or pd.isna(current) \
            or float(previous) == 0:
        return float("nan")
    return float(current) / float(previous) - 1.0


def compare(current: pd.DataFrame, previous: pd.DataFrame,
            metrics: Sequence[str] = ("paid_fen", "count_paid_orders", "count_buyers",
                                      "refund_rate")) -> pd.DataFrame:
    """Compare two one-row :func:`with_ratios` frames, metric by metric.

    One row per metric: ``current``, ``previous``, ``change_rate`` = current / previous - 1
    for amounts and counts (NaN when previous is 0), and for ``*_rate`` metrics
    ``change_points`` = current - previous (in rate units: 0.01 = one percentage point;
    a relative change of a rate reads badly), with change_rate NaN; ``good_when_up`` from
    the catalogue (True: a rise is good, False: a fall is, None: neither).
    """
    for name, df in (("current", current), ("previous", previous)):
        _fn_check(df, list(metrics), "compare")
        if len(df) != 1:
            raise ValueError(f"dashboard.compare: {name} must have exactly one row (a "
                             f"totals frame without by=); got {len(df)} rows")
    rows = []
    for m in metrics:
        cur, prev = current[m].iat[0], previous[m].iat[0]
        is_rate = m.endswith("_rate")
        rows.append({"metric": m, "current": cur, "previous": prev,
                     "change_rate": float("nan") if is_rate else change_rate(cur, prev),
                     "change_points": (float(cur) - float(prev)
                                       if is_rate and not (pd.isna(cur) or pd.isna(prev))
                                       else float("nan")),
                     "good_when_up": catalogue.good_when_up(m)})
    return pd.DataFrame(rows)


def compare3(current: pd.DataFrame, previous: pd.DataFrame, year_ago: pd.DataFrame,
             metrics: Sequence[str], lagging: Sequence[str] = ()) -> pd.DataFrame:
    """环比 and 同比 of one-row frames, metric by metric: :func:`compare` of ``current``
    with ``previous`` (``mom_*``) and with ``year_ago`` (``yoy_*``).

    One row per metric: ``current``, ``previous``, ``year_ago``, ``mom_rate`` / ``yoy_rate``
    = current / other - 1 for amounts and counts (NaN when the other is 0), ``mom_points``
    / ``yoy_points`` = current - other for ``*_rate`` metrics (rate units: 0.01 = one
    percentage point), ``good_when_up`` from the catalogue and ``compared`` (False for the
    metrics of ``lagging``, e.g. :data:`LAGGING` when the period is recent: their changes are
    NaN, not a comparison with a period whose refunds had time to arrive).
    """
    mom = compare(current, previous, metrics)
    yoy = compare(current, year_ago, metrics)
    out = pd.DataFrame({
        "metric": mom["metric"], "current": mom["current"], "previous": mom["previous"],
        "year_ago": yoy["previous"], "mom_rate": mom["change_rate"],
        "mom_points": mom["change_points"], "yoy_rate": yoy["change_rate"],
        "yoy_points": yoy["change_points"], "good_when_up": mom["good_when_up"]})
    out["compared"] = ~out["metric"].isin(list(lagging))
    for c in ("mom_rate", "mom_points", "yoy_rate", "yoy_points"):
        out[c] = out[c].where(out["compared"])
    return out


@dataclass(frozen=True)
class DayState:
    """How far the big screen's day has got (:func:`day_state`).

    ``kind``: ``whole`` (the day is over and its data complete: compare whole days),
    ``partial`` (the data ends at ``cutoff``, a Beijing time of that day: compare other days
    up to the same clock time) or ``running`` (the day is not over and the data has no
    payment times: no comparison is fair). ``is_today``: the day is the clock's day."""

    kind: str
    cutoff: pd.Timestamp | None = None
    is_today: bool = False

    @property
    def cutoff_time(self):
        """The clock time other days are cut at (a :class:`datetime.time`), or None."""
        return None if self.cutoff is None else self.cutoff.time()


#: a day whose data reaches this Beijing clock time counts as whole once the clock has passed it
#: (read over every shop: a seller's last order of a whole day is almost always after 22:00;
#: an export downloaded during the day ends well before)
WHOLE_FROM = "22:00"


def day_state(day, last_paid_at, now, latest=None) -> DayState:
    """Whether the sales day ``day`` is complete, from the last payment time of its data
    (``last_paid_at``, Beijing; None/NaT when the data has no times), the clock ``now``
    (Beijing) and the warehouse's latest sales day ``latest`` (optional):

    * ``whole`` when a later day has data (``day < latest``), or when the clock is past
      ``day`` and its data reaches :data:`WHOLE_FROM` (22:00) or has no times;
    * else ``partial`` with ``cutoff = last_paid_at`` when the data has times (today while
      it runs, or a day whose export was downloaded before its end);
    * else ``running`` (today, without payment times).
    """
    d = pd.Timestamp(day).normalize()
    now = pd.Timestamp(now)
    is_today = now.normalize() == d
    if latest is not None and not pd.isna(latest) and d < pd.Timestamp(latest).normalize():
        return DayState("whole", None, is_today)
    has_time = last_paid_at is not None and not pd.isna(last_paid_at)
    if now.normalize() > d and (not has_time or pd.Timestamp(last_paid_at)
                                >= d + pd.Timedelta(WHOLE_FROM + ":00")):
        return DayState("whole", None, is_today)
    if has_time:
        return DayState("partial", pd.Timestamp(last_paid_at), is_today)
    return DayState("running", None, is_today)


def daily_trend(daily: pd.DataFrame, start, end) -> pd.DataFrame:
    """One row per day from ``start`` to ``end``: ``paid_fen``, ``refund_fen``, ``gmv_fen`` =
    sums over the rows of that ``sales_date`` (platforms, shops), ``net_sales_fen`` = paid -
    refunds. ``daily`` must hold every day (the query ``overview/daily_by_platform`` takes
    them from dim_calendar, 0 when nothing sold)."""
    _fn_check(daily, ["sales_date", "paid_fen", "refund_fen", "gmv_fen"], "daily_trend")
    d = daily.assign(sales_date=pd.to_datetime(daily["sales_date"]).dt.normalize())
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    d = d[(d["sales_date"] >= lo) & (d["sales_date"] <= hi)]
    out = rows.sums(d, ["sales_date"], ["paid_fen", "refund_fen", "gmv_fen"])
    if len(out) and len(out) != (hi - lo).days + 1:
        raise ValueError(f"dashboard.daily_trend: {len(out)} days from {lo.date()} to {hi.date()}, "
                         f"expected {(hi - lo).days + 1}; pass every day (the query "
                         "overview/daily_by_platform takes them from dim_calendar)")
    out = rows.add(out, ["net_sales_fen"])
    return out[["sales_date", "paid_fen", "refund_fen", "gmv_fen", "net_sales_fen"]]


def platform_split(totals_by_platform: pd.DataFrame) -> pd.DataFrame:
    """Share of each platform in the paid amount: ``share_rate`` = platform paid_fen / paid_fen
    of all rows (NaN when nothing was paid). Sorted by paid_fen, largest first (ties:
    platform code)."""
    _fn_check(totals_by_platform, ["platform", "paid_fen"], "platform_split")
    out = (totals_by_platform.groupby("platform", as_index=False)["paid_fen"].sum()
           .astype({"paid_fen": "int64"}))
    whole = out["paid_fen"].sum()
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    return out.sort_values(["paid_fen", "platform"], ascending=[False, True], ignore_index=True)


def shop_split(totals_by_shop: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """Each shop's share of the paid amount: one row per platform and shop (``paid_fen``,
    ``share_rate`` = shop paid / paid of all rows, NaN when nothing was paid), largest first
    (ties: platform, shop); past ``n`` shops the rest are one row with ``shop_id`` None
    ("other shops") and ``platform`` None, so a screen shows at most ``n`` + 1 bars."""
    _fn_check(totals_by_shop, ["platform", "shop_id", "paid_fen"], "shop_split")
    out = rows.sums(totals_by_shop, ["platform", "shop_id"], ["paid_fen"])
    whole = out["paid_fen"].sum()
    out = out.sort_values(["paid_fen", "platform", "shop_id"], ascending=[False, True, True],
                          ignore_index=True)
    if len(out) > n:
        rest = pd.DataFrame({"platform": [None], "shop_id": [None],
                             "paid_fen": [int(out["paid_fen"].iloc[n:].sum())]})
        out = pd.concat([out.head(n), rest], ignore_index=True)
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    return out


def daily_metric(view_days: pd.DataFrame, metric: str, start, end, by: str = "platform"
                 ) -> pd.DataFrame:
    """One catalogue ``metric`` per day from ``start`` to ``end`` (inclusive) and per ``by``
    value (``platform`` or ``shop_id``), from the explorer's shop-days (:func:`with_ads`).

    Every day of the range is a row for every ``by`` value of ``view_days`` in it (a day
    without a row sold, visited and spent nothing: sums are 0 then, so a gap is drawn as a
    zero and not skipped); the metric is computed per day and ``by`` value as
    :func:`with_view_ratios` computes it for a period (a ratio of that day's sums: NaN when
    the denominator is 0, e.g. ROAS of a day without spend). Columns ``sales_date``, ``by``,
    ``metric``; sorted by day and ``by``."""
    _fn_check(view_days, ["sales_date", by, *VIEW_COLUMNS], "daily_metric")
    known = (*VIEW_COLUMNS, *RATIOS, *VIEW_RATIOS)
    if metric not in known:
        raise ValueError(f"dashboard.daily_metric: unknown metric {metric!r}; choose from {known}")
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    t = totals(view_days, start, end, ["sales_date", by], VIEW_COLUMNS)
    t["sales_date"] = pd.to_datetime(t["sales_date"])
    groups = sorted(t[by].dropna().unique())
    grid = pd.MultiIndex.from_product([days, groups], names=["sales_date", by])
    full = (t.set_index(["sales_date", by]).reindex(grid).fillna(0)
            .astype({c: "int64" for c in VIEW_COLUMNS}).reset_index())
    return with_view_ratios(full)[["sales_date", by, metric]]


def rank_by(frame: pd.DataFrame, metric: str, keys: Sequence[str] = ("platform", "shop_id")
            ) -> pd.DataFrame:
    """``frame`` sorted by ``metric``, largest first (missing values last; ties by ``keys``),
    index reset: the explorer's table ranks the shops by the metric the seller picked."""
    _fn_check(frame, [metric, *keys], "rank_by")
    return frame.sort_values([metric, *keys], ascending=[False, *[True] * len(keys)],
                             na_position="last", ignore_index=True)


def top_skus(sku_sales: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` SKUs with the largest paid amount (ties: SKU code), from per-SKU sums (the
    query ``dashboard/sku_sales``; rows of the same SKU are added).

    One row per SKU with something paid: ``product_name`` (the SKU code when unknown),
    ``paid_fen``, ``units``, ``refund_fen``, ``refund_rate`` = refunds / paid, ``share_rate``
    = SKU paid / paid of all SKUs (not only the top ``n``)."""
    _fn_check(sku_sales, ["sku", "paid_fen", "units", "refund_fen"], "top_skus")
    if n < 1:
        raise ValueError(f"dashboard.top_skus: n must be at least 1; got {n}")
    out = rows.sums(sku_sales, ["sku"], ["paid_fen", "units", "refund_fen"])
    names = (sku_sales.dropna(subset=["product_name"]).groupby("sku")["product_name"].first()
             if "product_name" in sku_sales else pd.Series(dtype=object))
    out.insert(1, "product_name", out["sku"].map(names).fillna(out["sku"]))
    whole = out["paid_fen"].sum()
    out = rows.add(out, ["refund_rate"])
    out["share_rate"] = out["paid_fen"] / whole if whole else np.nan
    out = out[out["paid_fen"] > 0]
    return out.sort_values(["paid_fen", "sku"], ascending=[False, True], ignore_index=True).head(n)


def stock_alerts(stock: pd.DataFrame, sold: pd.DataFrame, lookback_days: int = 28,
                 alert_days: float = 7.0) -> pd.DataFrame:
    """SKUs out of stock or about to run out, from the stock and sales of
    :func:`ecomlib.metrics.dashboard_queries.stock` (``(stock, sold)``).

    Per SKU: ``avg_daily_units`` = units sold in the lookback window / ``lookback_days``;
    ``days_of_supply`` = on_hand_units / avg_daily_units (NaN when nothing sold: no
    demand, no countdown). ``stock_status``:

    * ``stock_out``: on_hand_units <= 0 and the SKU sold in the window (a stock-out of a
      SKU nobody buys is not an alert);
    * ``low``: on hand > 0 and days_of_supply < ``alert_days``.

    Only alerted SKUs are returned: stock-outs first, then by days of supply (fewest first),
    then by SKU. In-transit units are shown but do not lift an alert (they are not sellable
    yet).
    """
    _fn_check(stock, ["sku", "on_hand_units"], "stock_alerts")
    _fn_check(sold, ["sku", "units"], "stock_alerts")
    if lookback_days < 1:
        raise ValueError(f"dashboard.stock_alerts: lookback_days must be >= 1; got {lookback_days}")
    s = stock.merge(sold[["sku", "units"]].rename(columns={"units": "units_sold"}),
                    on="sku", how="left")
    s["units_sold"] = s["units_sold"].fillna(0).astype("int64")
    s["avg_daily_units"] = s["units_sold"] / float(lookback_days)
    s["days_of_supply"] = _ratio(s["on_hand_units"].clip(lower=0), s["avg_daily_units"])
    out_ = (s["on_hand_units"] <= 0) & (s["units_sold"] > 0)
    low = (s["on_hand_units"] > 0) & (s["days_of_supply"] < alert_days)
    s["stock_status"] = np.where(out_, "stock_out", np.where(low, "low", ""))
    s = s[out_ | low].copy()
    s["_order"] = (s["stock_status"] != "stock_out").astype(int)
    return (s.sort_values(["_order", "days_of_supply", "sku"], ignore_index=True)
            .drop(columns="_order"))
