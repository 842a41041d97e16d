"""The data-overview report's data: thin functions over the marts (queries in
``ecomlib/sql/queries/overview/*.sql``, run by :func:`ecomlib.queries.run`). No business rule
here: sales day, paid, refunds and cost of goods are the model layer's. The warehouse's
bookkeeping (status, load log, quarantine) comes from :class:`ecomlib.warehouse.Warehouse`.

``start``/``end`` are inclusive Beijing dates; ``shops``/``platforms`` lists (None or empty:
all).
"""
from __future__ import annotations

import pandas as pd

from .. import queries
from .overview import ADDITIVE

__all__ = ["sales", "daily_by_platform", "stock"]


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
