"""The finance report's data: thin functions over the marts (queries in
``ecomlib/sql/queries/finance/*.sql`` and ``common/calendar.sql``, run by
:func:`ecomlib.queries.run`). No business rule here: sales day, paid, CNY rate, refunds,
cost of goods, the spreading of costs over SKUs (``mart_sku_day_pnl``) and how stock moves
(``mart_stock_moves``) are the model layer's.

Every function takes the report's selection: ``start``/``end`` inclusive Beijing dates,
``shops``/``platforms`` lists (None or empty: all). Money in CNY fen.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from .. import queries

__all__ = ["calendar", "shop_days", "skus", "sku_days", "booked_kinds", "overhead",
           "shipments", "stock_moves", "stock_inputs", "purchase_orders", "health_checks",
           "shop_names", "product_names", "HEALTH_RULES"]

#: quality rules whose failures leave money out of the finance figures or misstate it
#: (the report's data-health line counts them; the quality report has the detail)
HEALTH_RULES = ("order_lines.orphan", "refunds.orphan", "orders.no_lines",
                "fx_rates.missing_rate")


def _dates(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for c in cols:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c])
    return df


def _ints(df: pd.DataFrame) -> pd.DataFrame:
    for c in df.columns:
        if (str(c).endswith("_fen") or str(c).endswith("_units") or c in (
                "units", "units_returned", "units_without_cost")) and df[c].notna().all():
            df[c] = df[c].astype("int64")
    return df


def _sel(shops, platforms) -> dict:
    as_list = lambda v: [] if v is None else ([v] if isinstance(v, str) else [str(x) for x in v])  # noqa: E731
    return {"shops": as_list(shops), "platforms": as_list(platforms)}


def calendar(wh, start, end) -> pd.DataFrame:
    """dim_calendar's days from ``start`` to ``end`` (``common/calendar``): day, week_start
    (Monday), month_start ..., the spine of the report's periods."""
    return _dates(queries.run(wh, "common/calendar", start_date=start, end_date=end),
                  "day", "week_start", "month_start")


def shop_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """The P&L of each shop-day of the selection (``finance/shop_days``: mart_sku_day_pnl
    summed per day and shop, its sales and its booked costs): sales_date, platform, shop_id
    and :data:`ecomlib.metrics.finance.AMOUNT_COLUMNS`."""
    df = queries.run(wh, "finance/shop_days", start_date=start, end_date=end,
                     **_sel(shops, platforms))
    return _ints(_dates(df, "sales_date"))


def skus(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """The P&L of each SKU and category over the selection (``finance/skus``: booked costs
    as mart_sku_day_pnl spread them; the ``(unallocated)`` row holds the rest)."""
    return _ints(queries.run(wh, "finance/skus", start_date=start, end_date=end,
                             **_sel(shops, platforms)))


def sku_days(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """The SKU-day rows of mart_sku_day_pnl of the selection (``finance/sku_days``): what
    :func:`ecomlib.metrics.finance.estimate_costs` works on."""
    df = queries.run(wh, "finance/sku_days", start_date=start, end_date=end,
                     **_sel(shops, platforms))
    return _ints(_dates(df, "sales_date"))


def booked_kinds(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """(platform, shop_id, kind) of every kind of cost a shop of the selection booked
    between ``start`` and ``end`` (``finance/booked_kinds``; ads as ``ad_spend``)."""
    return queries.run(wh, "finance/booked_kinds", start_date=start, end_date=end,
                       **_sel(shops, platforms))


def overhead(wh, start, end) -> pd.DataFrame:
    """Company-wide costs (platform ALL) per day and kind (``finance/overhead``)."""
    return _ints(_dates(queries.run(wh, "finance/overhead", start_date=start, end_date=end),
                        "cost_date"))


def shipments(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Orders shipped between ``start`` and ``end`` with their province and units, in
    shipping order (``finance/shipments`` over mart_shipments)."""
    df = queries.run(wh, "finance/shipments", start_date=start, end_date=end,
                     **_sel(shops, platforms))
    return _ints(df)


def stock_moves(wh, start, end) -> pd.DataFrame:
    """Units received, sold and returned per warehouse and SKU between ``start`` and ``end``
    (``finance/stock_moves`` over mart_stock_moves)."""
    return _ints(queries.run(wh, "finance/stock_moves", start_date=start, end_date=end))


def stock_inputs(wh, start, end) -> dict:
    """What :func:`ecomlib.metrics.finance_stock.stock_reconciliation` compares
    (company-wide: warehouses belong to no shop): ``opening_date`` (the last snapshot day
    before ``start``, else the first in the period, whose own moves are then already in it)
    and ``closing_date`` (the last in the period), their snapshots ``opening`` / ``closing``
    (warehouse_id, sku, on_hand_units), ``inbound`` and ``moves`` of the days after the
    opening up to the closing. Dates None when the period has no snapshot."""
    days = queries.run(wh, "finance/stock_days", start_date=start, end_date=end)
    od, cd = days["opening_date"].iloc[0], days["closing_date"].iloc[0]
    if pd.isna(od) or pd.isna(cd):
        return {"opening_date": None, "closing_date": None}
    od, cd = pd.Timestamp(od), pd.Timestamp(cd)

    def snap(d):
        rows = queries.run(wh, "finance/stock_on_hand", start_date=d, end_date=d)
        return _ints(rows[["warehouse_id", "sku", "on_hand_units"]])
    first_move = od + pd.Timedelta(days=1)
    moves = (stock_moves(wh, first_move, cd) if first_move <= cd else pd.DataFrame(
        {c: pd.Series(dtype="object" if c in ("warehouse_id", "sku") else "int64")
         for c in ("warehouse_id", "sku", "inbound_units", "outbound_units", "returned_units")}))
    inbound = moves.loc[moves.inbound_units != 0, ["warehouse_id", "sku", "inbound_units"]]
    return {"opening_date": od, "closing_date": cd, "opening": snap(od), "closing": snap(cd),
            "inbound": inbound.reset_index(drop=True),
            "moves": moves[["warehouse_id", "sku", "outbound_units", "returned_units"]]}


def purchase_orders(wh, end) -> pd.DataFrame:
    """Purchase-order lines ordered up to ``end`` (``finance/purchase_orders`` over
    mart_purchase_lines: unit cost in CNY fen), for the cash forecast."""
    df = queries.run(wh, "finance/purchase_orders", end_date=end)
    return _dates(df, "ordered_on", "promised_on", "received_on")


def health_checks(wh, rules: Sequence[str] = HEALTH_RULES, lang: str = "zh") -> pd.DataFrame:
    """The quality rules ``rules`` on the warehouse, for the report's data-health badge, as
    :func:`ecomlib.quality.run_checks` gives them (rule_id, severity, description in
    ``lang``, count_failing, count_checked, examples ...), read from what the last build
    recorded while nothing was loaded since:

    * a rule recorded as passing (:func:`ecomlib.quality.recorded_fails` is False) fails on
      0 rows and is not asked (its count_checked is then empty: the badge reads only
      count_failing);
    * a rule recorded as failing with every failing row kept
      (:func:`ecomlib.quality.recorded_failing`) is counted from those rows
      (:func:`ecomlib.quality.recorded_check`; the rule's SQL is not asked: at 5M order lines
      refunds.orphan's three queries cost ~2.8 CPU-s of the finance report);
    * any other rule is counted live."""
    from .. import quality
    rules = list(rules)
    recorded = quality.recorded_fails(wh.con)
    failing = quality.recorded_failing(wh.con, recorded)
    ask = [r for r in rules if recorded.get(r) is not False and r not in failing]
    live = {} if not ask else {
        row["rule_id"]: row
        for row in quality.run_checks(wh, rules=ask, lang=lang).to_dict("records")}
    rows = []
    for rid in rules:
        r = quality.rule(rid)
        if rid in live:
            rows.append(live[rid])
        elif rid in failing:
            rows.append(quality.recorded_check(wh.con, r, failing[rid], lang))
        else:  # recorded as passing: not asked, so no rows-checked count
            rows.append(quality.check_row(r, lang, 0, None, ""))
    return quality.checks_frame(rows)


def shop_names(wh) -> dict[str, str]:
    """``{shop_id: shop name}`` of every shop (``finance/shops``: the shop table's name, the
    id where it has none)."""
    df = queries.run(wh, "finance/shops")
    return dict(zip(df["shop_id"], df["shop_name"]))


def product_names(wh) -> dict[str, str]:
    """``{sku: product name}`` of the SKU master (``finance/products``)."""
    df = queries.run(wh, "finance/products")
    return {k: v for k, v in zip(df["sku"], df["product_name"]) if isinstance(v, str) and v}
