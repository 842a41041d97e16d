"""The channels report's data: thin functions over the marts (queries in
``ecomlib/sql/queries/channels/*.sql`` and ``common/calendar.sql``, run by
:func:`ecomlib.queries.run`). No business rule here: sales day, paid, CNY rate, refunds and
cost of goods are the model layer's (``int_order_lines``), read through the marts.

Every function takes the report's selection: ``start``/``end`` inclusive Beijing dates,
``shops``/``platforms`` lists (None or empty: all). Daily frames come on dim_calendar's
spine (every day, 0 where nothing happened).
"""
from __future__ import annotations

import pandas as pd

from .. import queries
from . import channels as ch

__all__ = ["shop_days", "traffic_sources", "ads", "sku_days", "streamer_sessions", "costs",
           "calendar", "campaigns", "shop_names", "product_names", "CALENDAR_MARGIN_DAYS"]

#: days of calendar read before and after the period, so that campaign windows near its
#: edges are whole (a window's dips reach 10 days beyond it)
CALENDAR_MARGIN_DAYS = 60


def _dates(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c])
    return df


def _ints(df: pd.DataFrame, cols) -> pd.DataFrame:
    for c in cols:
        if c in df.columns and df[c].notna().all():
            df[c] = df[c].astype("int64")
    return df


def shop_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """One row per day and shop (``channels/shop_days``): ``sales_date``, ``week_start``,
    ``month_start``, ``platform``, ``shop_id`` and :data:`ecomlib.metrics.channels.SHOP_SUMS`
    (orders, paid orders, paying buyers of the day, money in CNY fen, units, visitors)."""
    df = queries.run(wh, "channels/shop_days", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    return _ints(_dates(df, "sales_date", "week_start", "month_start"), ch.SHOP_SUMS)


def traffic_sources(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Visitors, add-to-cart and attributed paying buyers per platform, shop and source over
    the period (``channels/traffic_sources``)."""
    return queries.run(wh, "channels/traffic_sources", start_date=start, end_date=end,
                       shops=shops, platforms=platforms)


def ads(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """The ad rows of the period (``channels/ads``: mart_ads_daily, CNY fen)."""
    df = queries.run(wh, "channels/ads", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    return _dates(df, "spend_date")


def sku_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Units, list value and paid per SKU and day from its first to last day with units
    sold (``channels/sku_days``), the input of :func:`~ecomlib.metrics.channels.price_elasticity`."""
    df = queries.run(wh, "channels/sku_days", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    return _ints(_dates(df, "sales_date"), ("units", "list_fen", "paid_fen"))


def streamer_sessions(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Live-stream sessions (a streamer's day in a shop) of the period
    (``channels/streamer_sessions``), the input of
    :func:`~ecomlib.metrics.channels.streamer_performance`."""
    df = queries.run(wh, "channels/streamer_sessions", start_date=start, end_date=end,
                     shops=shops, platforms=platforms)
    return _dates(df, "sales_date")


def costs(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Other costs of the period per day, shop and kind (``channels/costs``, CNY fen)."""
    df = queries.run(wh, "channels/costs", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    return _dates(df, "cost_date")


def calendar(wh, start, end) -> pd.DataFrame:
    """dim_calendar's days from ``start`` to ``end`` (``common/calendar``)."""
    return _dates(queries.run(wh, "common/calendar", start_date=start, end_date=end), "day")


def campaigns(wh, start, end, pre_days: int = 7, post_days: int = 10) -> list[ch.Campaign]:
    """The campaign windows of dim_calendar (festivals and the seller's campaigns) that reach
    into ``start``..``end`` (:func:`~ecomlib.metrics.channels.campaigns_from_calendar`)."""
    margin = pd.Timedelta(days=CALENDAR_MARGIN_DAYS)
    cal = calendar(wh, pd.Timestamp(start) - margin, pd.Timestamp(end) + margin)
    return ch.campaigns_from_calendar(cal, start, end, pre_days, post_days)


def shop_names(wh) -> dict[str, str]:
    """``{shop_id: shop name}`` of every shop (``channels/shops``: the shop table's name, the
    id where it has none)."""
    df = queries.run(wh, "channels/shops")
    return dict(zip(df["shop_id"], df["shop_name"]))


def product_names(wh) -> dict[str, str]:
    """``{sku: product name}`` of the SKU master (``channels/products``)."""
    df = queries.run(wh, "channels/products")
    return dict(zip(df["sku"], df["product_name"]))
