"""The data-overview report's data: thin functions over the marts (queries in
``ecomlib/sql/queries/overview/*.sql``, run by :func:`ecomlib.queries.run`). No business rule
here: sales day, paid, refunds and cost of goods are the model layer's. Stock of the top
sellers is read with the inventory report's own functions
(:mod:`ecomlib.metrics.inventory_queries`), freshness with :mod:`ecomlib.freshness`.

``start``/``end`` are inclusive Beijing dates; ``shops``/``platforms`` lists (None or empty:
all).
"""
from __future__ import annotations

import pandas as pd

from .. import queries
from .overview import ADDITIVE, SHOP_DAY_SUMS

__all__ = ["sales", "daily_by_platform", "stock", "shop_days", "shops", "sku_sales"]


def _ints(df: pd.DataFrame, cols) -> pd.DataFrame:
    for c in cols:
        if c in df.columns:
            df[c] = df[c].astype("int64")
    return df


def sales(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """One row per sales_date, platform and SKU with its category and :data:`ADDITIVE`
    (``overview/sales``: mart_sales_daily summed over the selected shops)."""
    df = queries.run(wh, "overview/sales", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    df["sales_date"] = pd.to_datetime(df["sales_date"])
    return _ints(df, ADDITIVE)


def daily_by_platform(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Every calendar day x platform of the selection with :data:`ADDITIVE` and the day's
    ``month_start`` (``overview/daily_by_platform``, 0 on days without sales)."""
    df = queries.run(wh, "overview/daily_by_platform", start_date=start, end_date=end,
                     shops=shops, platforms=platforms)
    for c in ("sales_date", "month_start"):
        df[c] = pd.to_datetime(df[c])
    return _ints(df, ADDITIVE)


def stock(wh, start, end) -> pd.DataFrame:
    """End-of-day stock of the period with the snapshot's month (``overview/stock``)."""
    df = queries.run(wh, "overview/stock", start_date=start, end_date=end)
    for c in ("snapshot_date", "month_start"):
        df[c] = pd.to_datetime(df[c])
    return df


def shop_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Every calendar day x shop of the selection with sales in the range (query
    ``overview/shop_days``): mart_shop_daily's measures and the day's visitors and page
    views, 0 on days without; ``sales_date`` and ``month_start`` as pandas datetimes."""
    df = queries.run(wh, "overview/shop_days", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    for c in ("sales_date", "month_start"):
        df[c] = pd.to_datetime(df[c])
    return _ints(df, SHOP_DAY_SUMS)


def shops(wh, shops=None, platforms=None) -> pd.DataFrame:
    """The selection's shops with their names and first/last sales day (``overview/shops``,
    mart_shops); a shop without a name in the shops table is named by its id."""
    df = queries.run(wh, "overview/shops", shops=shops, platforms=platforms)
    df["shop_name"] = df["shop_name"].where(df["shop_name"].notna() & (df["shop_name"] != ""),
                                            df["shop_id"])
    return df


def sku_sales(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Paid sales per SKU with the product's name and category (``overview/sku_sales``); a
    code missing from products keeps its code as its name."""
    df = queries.run(wh, "overview/sku_sales", start_date=start, end_date=end, shops=shops,
                     platforms=platforms)
    df["product_name"] = df["product_name"].where(df["product_name"].notna(), df["sku"])
    return _ints(df, ["paid_fen", "refund_fen", "units"])
