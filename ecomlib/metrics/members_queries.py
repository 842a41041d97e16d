"""The members report's data: thin functions over the marts (queries in
``ecomlib/sql/queries/members/*.sql``, run by :func:`ecomlib.queries.run`), each handing its
rows to the pure function of :mod:`ecomlib.metrics.members` that shapes them. No business
rule here: which order is paid, its sales day, its CNY amounts and refunds are the model
layer's (``int_order_lines``), read through ``mart_member_orders`` (one row per paid order of
a known member), ``mart_basket_items`` (the SKUs of paid orders with 2+ lines),
``mart_basket_pairs`` (the pairs of items in each of them) and ``mart_shop_daily`` (paid
orders per shop-day).

Every function takes the report's selection: ``start``/``end`` (or ``as_of``) inclusive
Beijing dates, ``shops``/``platforms`` lists (None or empty: all).
"""
from __future__ import annotations

import pandas as pd

from .. import queries
from . import members as mm

__all__ = ["member_summary", "member_summaries", "new_vs_returning", "repurchase_rate", "rolling_repurchase",
           "purchase_intervals", "cohorts", "platform_overlap", "region_rows",
           "basket_counts", "basket_pairs", "calibration_holdout", "window_kpis", "windows_kpis",
           "last_orders", "shop_names", "span"]


def _date(v, name: str, fn: str):
    if v is None:
        raise ValueError(f"members_queries.{fn}: {name} is required (YYYY-MM-DD); never 'today'")
    try:
        return pd.Timestamp(v).date()
    except (ValueError, TypeError):
        raise ValueError(f"members_queries.{fn}: {name} {v!r} is not a date (YYYY-MM-DD)") from None


def _span(start, end, fn: str):
    s, e = _date(start, "start", fn), _date(end, "end", fn)
    if s > e:
        raise ValueError(f"members_queries.{fn}: start {s} is after end {e}; swap them")
    return s, e


def _sel(values) -> list[str]:
    if values is None:
        return []
    return [str(values)] if isinstance(values, str) else [str(v) for v in values]


def _run(wh, name: str, **params) -> pd.DataFrame:
    for k in ("shops", "platforms"):
        params[k] = _sel(params.get(k))
    return queries.run(wh, f"members/{name}", **params)


def member_summary(wh, as_of, shops=None, platforms=None, details: bool = True) -> pd.DataFrame:
    """One row per member who bought up to ``as_of`` (``members/member_summary``): count_orders,
    count_purchase_days, frequency (= purchase days - 1), recency_days, age_days,
    days_since_last, first/last_purchase_date, paid_fen and refund_fen (CNY fen),
    monetary_value_fen (mean paid per repeat purchase day), count_platforms; sorted by
    member_key. What RFM and the CLV models read (``Warehouse.member_summary`` is this).
    ``details=False`` skips the query's pass over refunds and platforms (refund_fen 0,
    count_platforms 1; about a third of the work): for a reader of the purchase counts,
    days and paid amounts only, such as the purchase model's holdout check."""
    a = _date(as_of, "as_of", "member_summary")
    return member_summaries(wh, [a], shops, platforms, details)[pd.Timestamp(a)]


def member_summaries(wh, days, shops=None, platforms=None, details: bool = True) -> dict:
    """:func:`member_summary` at each day of ``days`` from one query (``members/
    member_summary`` with a list of as-of days: the orders are grouped once, each member's
    days added up to every as-of day; the members report's four summaries in about half the
    CPU of four queries). Returns ``{pd.Timestamp(day): summary}``, each frame exactly what
    :func:`member_summary` gives for that day (sorted by member_key, an empty frame with the
    columns for a day before any purchase)."""
    want = sorted({_date(d, "as_of", "member_summaries") for d in days})
    if not want:
        return {}
    rows = _run(wh, "member_summary", end_dates=want, shops=shops, platforms=platforms,
                details=bool(details))
    as_of = pd.to_datetime(rows.pop("as_of")).to_numpy()
    out = {}
    for d in want:
        t = pd.Timestamp(d)
        hit = as_of == t.to_datetime64()
        out[t] = rows if hit.all() else rows[hit].reset_index(drop=True)
    return out


def new_vs_returning(wh, start, end, period: str = "month", shops=None, platforms=None
                     ) -> pd.DataFrame:
    """Members per ``period`` (week / month / quarter, every period from ``start`` to ``end``)
    split into new and returning (``members/buyers_by_period``, shaped by
    :func:`ecomlib.metrics.members.new_vs_returning`)."""
    s, e = _span(start, end, "new_vs_returning")
    if period not in mm.PERIODS:
        raise ValueError(f"members_queries.new_vs_returning: period must be one of {mm.PERIODS}; "
                         f"got {period!r}")
    rows = _run(wh, "buyers_by_period", start_date=s, end_date=e, period=period, shops=shops,
                platforms=platforms)
    return mm.new_vs_returning(rows)


def repurchase_rate(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """复购率 over one window ``start`` .. ``end`` (``members/repurchase``): one row,
    window_start, window_end, count_members, count_repeat_members, repurchase_rate."""
    s, e = _span(start, end, "repurchase_rate")
    return mm.repurchase(_run(wh, "repurchase", start_date=s, end_date=e, shops=shops,
                              platforms=platforms))


def rolling_repurchase(wh, start, end, window_days: int = 90, shops=None, platforms=None
                       ) -> pd.DataFrame:
    """复购率 over the trailing ``window_days`` days at every month end from ``start`` to
    ``end`` (the last window ends on ``end``; ``members/repurchase_rolling``)."""
    s, e = _span(start, end, "rolling_repurchase")
    if int(window_days) < 1:
        raise ValueError(f"members_queries.rolling_repurchase: window_days must be >= 1; "
                         f"got {window_days}")
    return mm.repurchase(_run(wh, "repurchase_rolling", start_date=s, end_date=e,
                              window_days=int(window_days), shops=shops, platforms=platforms))


def purchase_intervals(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Gaps between consecutive purchase days whose later day falls from ``start`` to ``end``
    (``members/purchase_gaps``): gap_days, purchase_number (2 = first to second, 3 = later),
    count_intervals. :func:`ecomlib.metrics.members.interval_distribution` buckets them."""
    s, e = _span(start, end, "purchase_intervals")
    return _run(wh, "purchase_gaps", start_date=s, end_date=e, shops=shops, platforms=platforms)


def cohorts(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Monthly first-purchase cohorts from ``start`` to ``end`` (``members/cohorts``), shaped
    by :func:`ecomlib.metrics.members.cohort_table`."""
    s, e = _span(start, end, "cohorts")
    rows = _run(wh, "cohorts", start_date=s, end_date=e, shops=shops, platforms=platforms)
    return mm.cohort_table(rows, e)


def platform_overlap(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Members per combination of platforms bought on from ``start`` to ``end``
    (``members/platform_combos``, shaped by :func:`ecomlib.metrics.members.platform_overlap`)."""
    s, e = _span(start, end, "platform_overlap")
    return mm.platform_overlap(_run(wh, "platform_combos", start_date=s, end_date=e,
                                    shops=shops, platforms=platforms))


def region_rows(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Members by home province and city from ``start`` to ``end`` (``members/regions``), for
    :func:`ecomlib.metrics.members.region_table` at either level."""
    s, e = _span(start, end, "region_rows")
    return _run(wh, "regions", start_date=s, end_date=e, shops=shops, platforms=platforms)


def basket_counts(wh, start, end, shops=None, platforms=None) -> dict:
    """``{count_paid_orders, count_baskets}``: paid orders from ``start`` to ``end`` (every
    buyer) and those with 2+ lines (``members/basket_counts``)."""
    s, e = _span(start, end, "basket_counts")
    r = _run(wh, "basket_counts", start_date=s, end_date=e, shops=shops, platforms=platforms)
    return {k: int(r[k].iloc[0]) for k in ("count_paid_orders", "count_baskets")}


def basket_pairs(wh, start, end, item: str = "sku", min_orders: int = 5, top: int | None = 20,
                 shops=None, platforms=None) -> pd.DataFrame:
    """Item pairs bought in the same basket from ``start`` to ``end``, seen in at least
    ``min_orders`` baskets (``members/basket_pairs``: pairs counted from mart_basket_pairs,
    paired at build time; ``item`` ``sku`` or ``category``),
    shaped by :func:`ecomlib.metrics.members.basket_pairs` (support, confidence, lift;
    sorted by lift, ``top`` kept)."""
    s, e = _span(start, end, "basket_pairs")
    if item not in ("sku", "category"):
        raise ValueError(f"members_queries.basket_pairs: item must be 'sku' or 'category'; "
                         f"got {item!r}")
    rows = _run(wh, "basket_pairs", start_date=s, end_date=e, item=item,
                min_orders=int(min_orders), shops=shops, platforms=platforms)
    return mm.basket_pairs(rows, top)


def calibration_holdout(wh, calibration_end, end, shops=None, platforms=None,
                        summary: pd.DataFrame | None = None,
                        end_summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """The member summary at ``calibration_end`` (or ``summary``, the caller's summary at that
    day for the same selection) with ``count_holdout_purchases``: purchase days after it, up
    to ``end`` inclusive (``members/holdout`` over the holdout period). One row per member
    who bought by calibration_end.

    ``end_summary``: the caller's summary at ``end`` for the same selection (the report has
    it); then no query reads the holdout: a member's purchase days after calibration_end up
    to end are their purchase days up to end less those up to calibration_end
    (count_purchase_days of the two summaries), the same count without another pass over
    the orders."""
    c, e = _span(calibration_end, end, "calibration_holdout")
    if c == e:
        raise ValueError("members_queries.calibration_holdout: calibration_end equals end; "
                         "the holdout is empty")
    if summary is None:
        summary = member_summary(wh, c, shops, platforms)
    if end_summary is not None:
        days_to_end = summary[["member_key"]].merge(
            end_summary[["member_key", "count_purchase_days"]], on="member_key", how="left"
            )["count_purchase_days"].to_numpy()
        out = summary.copy()
        out["count_holdout_purchases"] = (days_to_end - summary["count_purchase_days"].to_numpy()
                                          ).astype("int64")
        return out
    hold = _run(wh, "holdout", start_date=c + pd.Timedelta(days=1).to_pytimedelta(),
                end_date=e, shops=shops, platforms=platforms)
    out = summary.merge(hold, on="member_key", how="left")
    out["count_holdout_purchases"] = out["count_holdout_purchases"].fillna(0).astype("int64")
    return out


def window_kpis(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """The members' figures of the window ``start`` .. ``end`` (``members/window_kpis``):
    one row for the selection (level ``all``), one per platform and one per shop, each with
    count_members, count_repeat_members, count_new, count_orders, paid_fen, refund_fen (the
    members' paid orders) and shop_paid_fen, shop_refund_fen (every buyer's). A member counts
    once per row, so the members of two shops do not add up to the platform's."""
    s, e = _span(start, end, "window_kpis")
    return windows_kpis(wh, [(s, e)], shops, platforms)[(pd.Timestamp(s), pd.Timestamp(e))]


def windows_kpis(wh, windows, shops=None, platforms=None) -> dict:
    """:func:`window_kpis` of each ``(start, end)`` of ``windows`` from one query (each
    member's first order found once for all of them). Returns ``{(pd.Timestamp(start),
    pd.Timestamp(end)): rows}``, each frame exactly what :func:`window_kpis` gives."""
    want = sorted({_span(s, e, "windows_kpis") for s, e in windows})
    if not want:
        return {}
    rows = _run(wh, "window_kpis", start_dates=[s for s, _ in want],
                end_dates=[e for _, e in want], shops=shops, platforms=platforms)
    ws = pd.to_datetime(rows.pop("window_start")).to_numpy()
    we = pd.to_datetime(rows.pop("window_end")).to_numpy()
    out = {}
    for s, e in want:
        key = (pd.Timestamp(s), pd.Timestamp(e))
        hit = (ws == key[0].to_datetime64()) & (we == key[1].to_datetime64())
        out[key] = rows if hit.all() else rows[hit].reset_index(drop=True)
    return out


def last_orders(wh, end, member_keys, shops=None, platforms=None) -> pd.DataFrame:
    """The last paid order up to ``end`` of each member in ``member_keys``
    (``members/last_orders``): member_key, last_platform, last_shop_id, last_order_id,
    last_order_date, count_shops. What a seller looks the buyer up by in the platform's back
    office; no personal data."""
    e = _date(end, "end", "last_orders")
    keys = [str(k) for k in member_keys]
    if not keys:
        return pd.DataFrame(columns=["member_key", "last_platform", "last_shop_id",
                                     "last_order_id", "last_order_date", "count_shops"])
    out = _run(wh, "last_orders", end_date=e, member_keys=keys, shops=shops,
               platforms=platforms)
    out["last_order_date"] = pd.to_datetime(out["last_order_date"])
    return out


def shop_names(wh) -> dict:
    """{shop_id: the shop's name} (``members/shops``: the shop table's name, else the id)."""
    r = queries.run(wh, "members/shops")
    return dict(zip(r["shop_id"], r["shop_name"]))


def span(wh, shops=None, platforms=None) -> tuple:
    """(first, last) day with paid sales in the selection (``members/span``), as
    timestamps, or (None, None) without sales."""
    r = _run(wh, "span", shops=shops, platforms=platforms)
    a, b = r["first_sales_date"].iloc[0], r["last_sales_date"].iloc[0]
    return (None if pd.isna(a) else pd.Timestamp(a), None if pd.isna(b) else pd.Timestamp(b))
