"""The inventory report's data: thin functions over the marts (queries under
``ecomlib/sql/queries/inventory/`` and ``common/calendar``), one convention for dates:
``start``/``end`` are inclusive Beijing days.

Nothing here decides a rule: which day a sale belongs to, what is paid, the CNY rate, the
cost of goods and the lead time of a purchase are in the model layer (``int_order_lines``,
``int_purchase_lines``); these functions only select rows and type the date columns.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from .. import queries

__all__ = ["sku_daily", "sku_shop_weekly", "stock_daily", "products", "purchase_lines", "calendar"]


def _dates(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for c in cols:
        df[c] = pd.to_datetime(df[c])
    return df


def _list(values) -> list[str]:
    if values is None:
        return []
    return [values] if isinstance(values, str) else [str(v) for v in values]


def sku_daily(wh, start, end, platforms: Sequence[str] | None = None,
              shops: Sequence[str] | None = None) -> pd.DataFrame:
    """Paid demand per day and SKU over the selected platforms and shops (None or empty: all),
    from ``mart_sales_daily`` (query ``inventory/sku_daily``). One row per ``sales_date`` and
    ``sku`` with a paid order: ``category, units`` (units of paid lines), ``paid_fen,
    list_fen, cogs_fen`` (CNY fen; cost of the units kept) and ``units_returned``;
    ``sales_date`` as pandas datetime."""
    df = queries.run(wh, "inventory/sku_daily", start_date=start, end_date=end,
                     platforms=_list(platforms), shops=_list(shops))
    return _dates(df, "sales_date")


def sku_shop_weekly(wh, start, end, platforms: Sequence[str] | None = None,
                    shops: Sequence[str] | None = None) -> pd.DataFrame:
    """Paid units per week (Monday ``week_start``), ``shop_id`` and ``sku`` over the selected
    platforms and shops (query ``inventory/sku_shop_weekly``): the forecast's shop totals
    (:func:`ecomlib.models.forecast_select.reconcile`)."""
    df = queries.run(wh, "inventory/sku_shop_weekly", start_date=start, end_date=end,
                     platforms=_list(platforms), shops=_list(shops))
    return _dates(df, "week_start")


def stock_daily(wh, start, end, warehouses: Sequence[str] | None = None) -> pd.DataFrame:
    """End-of-day stock from ``mart_stock_daily`` (query ``inventory/stock_daily``): one row
    per ``snapshot_date``, ``warehouse_id`` and ``sku`` with ``category, on_hand_units,
    in_transit_units, on_hand_value_fen`` (on hand x unit cost, CNY fen) and
    ``is_stock_out``; ``warehouses`` None or empty: all."""
    df = queries.run(wh, "inventory/stock_daily", start_date=start, end_date=end,
                     warehouses=_list(warehouses))
    return _dates(df, "snapshot_date")


def products(wh) -> pd.DataFrame:
    """Every SKU from ``mart_products``: ``sku, spu, product_name, category, unit_cost_fen,
    list_price_fen, supplier_id, launched_on`` (launch day as pandas datetime)."""
    return _dates(queries.run(wh, "inventory/products"), "launched_on")


def purchase_lines(wh, end, warehouses: Sequence[str] | None = None) -> pd.DataFrame:
    """Purchase-order lines ordered up to ``end`` (inclusive) from ``mart_purchase_lines``
    (query ``inventory/purchase_lines``): dates as pandas datetimes, units, unit cost (CNY
    fen) and the lead-time measures ``lead_days, promised_days, late_days, is_on_time``."""
    df = queries.run(wh, "inventory/purchase_lines", end_date=end,
                     warehouses=_list(warehouses))
    return _dates(df, "ordered_on", "promised_on", "received_on")


def calendar(wh, start, end) -> pd.DataFrame:
    """Days ``start``..``end`` of ``dim_calendar`` (query ``common/calendar``): weeks, ISO
    week, month, the platforms' festivals (``festival``, ``festival_phase``) and the seller's
    campaigns; ``day`` and ``week_start`` as pandas datetimes."""
    return _dates(queries.run(wh, "common/calendar", start_date=start, end_date=end),
                  "day", "week_start")
