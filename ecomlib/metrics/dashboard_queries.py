"""The apps' data (big screen, explorer): thin functions over the marts (queries in
``ecomlib/sql/queries/dashboard/*.sql``, ``common/shop_days.sql`` and
``overview/daily_by_platform.sql``, run by :func:`ecomlib.queries.run`). Small results,
fast on millions of order lines: they read mart_shop_daily, mart_sales_daily,
mart_stock_daily, mart_shops and mart_products, never the order lines.

``start``/``end`` are inclusive Beijing dates; ``shops``/``platforms`` lists (None or empty:
all; the explorer turns an empty pick into "nothing" itself).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import queries
from . import dashboard as db
from .dashboard import TOTAL_COLUMNS

__all__ = ["latest_sales_date", "shop_days", "view_days", "ads_days", "daily_by_platform",
           "sku_sales", "stock", "dimensions", "last_paid_at", "intraday"]


def latest_sales_date(wh) -> pd.Timestamp | None:
    """The last sales day with any order line (``dashboard/latest_day``; None when empty):
    the big screen's "today" when no ``as_of`` is given."""
    v = queries.run(wh, "dashboard/latest_day")["sales_date"].iat[0]
    return None if pd.isna(v) else pd.Timestamp(v)


def shop_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """The shops' days of the selection (``common/shop_days``: mart_shop_daily with the
    visitors of the same shop-day), the input of :func:`ecomlib.metrics.dashboard.totals`."""
    df = queries.run(wh, "common/shop_days", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    df["sales_date"] = pd.to_datetime(df["sales_date"])
    for c in TOTAL_COLUMNS:
        df[c] = df[c].astype("int64")
    return df


def ads_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Ad spend and attributed paid amount per day and shop of the selection
    (``dashboard/ads``: mart_ads_daily summed over channels and campaigns)."""
    df = queries.run(wh, "dashboard/ads", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    df["spend_date"] = pd.to_datetime(df["spend_date"])
    return df


def view_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """The explorer's shop-days: :func:`shop_days` (sales and visitors) with the ads of
    :func:`ads_days` (:func:`ecomlib.metrics.dashboard.with_ads`): every column of
    :data:`ecomlib.metrics.dashboard.VIEW_COLUMNS`."""
    return db.with_ads(shop_days(wh, start, end, shops, platforms),
                       ads_days(wh, start, end, shops, platforms))


def _no_lines(e: Exception) -> bool:
    """True when the warehouse has no int_order_lines (a marts folder read with
    ``ecom --marts``: marts only), so the data has no payment times to offer."""
    import duckdb
    return isinstance(e, duckdb.CatalogException) and "int_order_lines" in str(e)


def last_paid_at(wh, day, shops=None, platforms=None) -> pd.Timestamp | None:
    """The last payment time (Beijing) of the sales day ``day`` in the selection
    (``dashboard/day_end``); None when the day has no paid line with a time, or the
    warehouse has no order lines (a marts folder)."""
    try:
        v = queries.run(wh, "dashboard/day_end", end_date=day, shops=shops,
                        platforms=platforms)["last_paid_at"].iat[0]
    except Exception as e:  # noqa: BLE001 - only the "no order lines" case is expected
        if _no_lines(e):
            return None
        raise
    return None if pd.isna(v) else pd.Timestamp(v)


def intraday(wh, days, cutoff, shops=None, platforms=None) -> pd.DataFrame | None:
    """The sales of ``days`` (dates) up to the clock time ``cutoff`` (a
    :class:`datetime.time`, inclusive) per day, platform and shop (``dashboard/intraday``),
    with the columns of :data:`ecomlib.metrics.dashboard.TOTAL_COLUMNS`, ready for
    :func:`ecomlib.metrics.dashboard.totals`. None when the warehouse has no order lines (a
    marts folder): the comparison then cannot be cut at the same hours."""
    day_list = [pd.Timestamp(d).date() for d in days]
    t = cutoff if isinstance(cutoff, dt.time) else pd.Timestamp(cutoff).time()
    try:
        df = queries.run(wh, "dashboard/intraday", shops=shops, platforms=platforms,
                         days=day_list, cutoff=t)
    except Exception as e:  # noqa: BLE001
        if _no_lines(e):
            return None
        raise
    df["sales_date"] = pd.to_datetime(df["sales_date"])
    for c in TOTAL_COLUMNS:
        df[c] = df[c].astype("int64")
    return df


def daily_by_platform(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Every day x platform of the selection (``overview/daily_by_platform``, dim_calendar's
    days, 0 where nothing sold): the trend and the explorer's chart."""
    from .overview_queries import daily_by_platform as daily
    return daily(wh, start, end, shops, platforms)


def sku_sales(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Paid, units and refunds per SKU over the period with the product name
    (``dashboard/sku_sales``)."""
    return queries.run(wh, "dashboard/sku_sales", start_date=start, end_date=end, shops=shops,
                       platforms=platforms)


def stock(wh, as_of, lookback_days: int = 28) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stock position and recent sales for :func:`ecomlib.metrics.dashboard.stock_alerts`.

    Returns ``(stock, sold)``: ``stock`` has one row per SKU: on_hand_units and
    in_transit_units summed over warehouses, each warehouse at its last snapshot on or
    before ``as_of`` (``dashboard/stock``), with product_name and category; ``sold`` has one
    row per SKU with the ``units`` sold in the ``lookback_days`` days ending ``as_of``
    (``dashboard/sold``: as_of - lookback_days + 1 .. as_of, all platforms and shops).
    """
    day = pd.Timestamp(as_of).date()
    st = queries.run(wh, "dashboard/stock", end_date=day)
    sold = queries.run(wh, "dashboard/sold",
                       start_date=day - dt.timedelta(days=int(lookback_days) - 1), end_date=day)
    return st, sold


def dimensions(wh) -> dict:
    """What the explorer's pickers offer: ``shops`` (frame platform, shop_id, shop_name of
    shops with orders or in the shops table) and the ``first``/``last`` sales days."""
    shops = queries.run(wh, "dashboard/shops")
    lo, hi = shops["first_sales_date"].min(), shops["last_sales_date"].max()
    return {"shops": shops[["platform", "shop_id", "shop_name"]],
            "first": None if pd.isna(lo) else pd.Timestamp(lo),
            "last": None if pd.isna(hi) else pd.Timestamp(hi)}
