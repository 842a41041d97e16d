"""Finance: the stock reconciliation (库存对账; notebooks/finance.ipynb, section 12).

Opening stock + receipts - sales + customer returns = closing stock, per warehouse and SKU,
against the snapshots. The movements are the model layer's (``mart_stock_moves``: how stock
moves, written once and also read by the quality rule
``inventory_snapshots.stock_continuity``, whose daily steps add up to this table's
differences). Pure function; units are whole units.
"""
from __future__ import annotations

import pandas as pd

__all__ = ["stock_reconciliation"]


def stock_reconciliation(opening: pd.DataFrame, closing: pd.DataFrame, inbound: pd.DataFrame,
                         moves: pd.DataFrame) -> pd.DataFrame:
    """Opening + inbound - outbound + customer returns = closing, per warehouse and SKU.

    ``opening`` / ``closing``: snapshot rows (warehouse_id, sku, on_hand_units) of the day
    before the period and of its last day; ``inbound``: units received per warehouse and
    SKU (purchase orders received in the period); ``moves``: outbound = paid units of
    orders created in the period, returned = customer returns refunded in the period, per
    warehouse and SKU (``finance_queries.stock_moves`` over ``mart_stock_moves``, what the
    quality rule ``inventory_snapshots.stock_continuity`` checks day by day). Sales and
    returns of a SKU go to the warehouse that holds it (when a SKU sits in several
    warehouses they go to the first by name; such SKUs are then reconciled across those
    warehouses only in total); ``moves`` without a warehouse_id column (per SKU) are placed
    so here. expected_closing_units = opening + inbound - outbound + returned;
    difference_units = closing - expected. Sorted by the size of the difference.
    """
    key = ["warehouse_id", "sku"]
    o = opening.groupby(key)["on_hand_units"].sum().rename("opening_units")
    c = closing.groupby(key)["on_hand_units"].sum().rename("closing_units")
    i = inbound.groupby(key)["inbound_units"].sum() if len(inbound) else pd.Series(
        dtype="int64", name="inbound_units")
    base = pd.concat([o, c, i], axis=1).fillna(0).reset_index()
    mv = moves.dropna(subset=["sku"]).copy()
    if "warehouse_id" not in mv.columns:
        home = base.sort_values(key).groupby("sku")["warehouse_id"].first()
        mv["warehouse_id"] = mv.sku.map(home).fillna("?")
    mv = mv.groupby(key)[["outbound_units", "returned_units"]].sum()
    out = base.set_index(key).join(mv, how="outer").fillna(0).reset_index()
    cols = ["opening_units", "inbound_units", "outbound_units", "returned_units", "closing_units"]
    for col in cols:
        out[col] = out[col].astype("int64")
    out["expected_closing_units"] = (out.opening_units + out.inbound_units - out.outbound_units
                                     + out.returned_units)
    out["difference_units"] = out.closing_units - out.expected_closing_units
    out = out[key + cols[:4] + ["expected_closing_units", "closing_units", "difference_units"]]
    return out.sort_values(["difference_units", "warehouse_id", "sku"], key=lambda s: (
        -s.abs() if s.name == "difference_units" else s), ignore_index=True)
