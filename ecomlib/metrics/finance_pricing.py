"""Finance: break-even and pricing per SKU (利润保本 / 定价测算; notebooks/finance.ipynb,
section 10).

Pure functions on the P&L per SKU (:func:`ecomlib.metrics.finance.by_sku`). The per-unit
ratios are the metric catalogue's (price_fen, refund_rate, returned_unit_rate, fee_rate,
fulfilment_per_unit_fen, ad_per_unit_fen: ratios of the SKU's sums). Money in fen.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import rows as mrows
from ._common import check_columns
from .finance import UNALLOCATED

__all__ = ["contribution_at_price", "unit_economics", "UNIT_RATIOS"]

#: the catalogue metrics of a SKU's units
UNIT_RATIOS = ["price_fen", "refund_rate", "returned_unit_rate", "fee_rate",
               "fulfilment_per_unit_fen", "ad_per_unit_fen"]


def contribution_at_price(price_fen, unit_cost_fen, fee_rate, refund_rate, returned_unit_rate,
                          fulfilment_fen, ad_fen):
    """Expected contribution of one unit sold at ``price_fen`` (fen):
    price x (1 - refund_rate) x (1 - fee_rate) - unit_cost x (1 - returned_unit_rate)
    - fulfilment (logistics + packaging per unit) - ad cost per unit.
    (Fees are charged on the amount kept; returned units go back to stock at cost.)"""
    return (np.asarray(price_fen, float) * (1 - refund_rate) * (1 - fee_rate)
            - np.asarray(unit_cost_fen, float) * (1 - returned_unit_rate) - fulfilment_fen - ad_fen)


def unit_economics(pnl_by_sku: pd.DataFrame, unit_cost: pd.Series | None = None,
                   min_units: int = 1) -> pd.DataFrame:
    """Per-SKU pricing check from the P&L by SKU (SKUs with at least ``min_units`` units; the
    ``(unallocated)`` row is no SKU).

    price_fen = paid / units; unit_cost_fen = cogs / units kept (units - returned, at least
    0; or ``unit_cost``); refund_rate = refund / paid, fee_rate = (platform fee + streamer
    commission) / net sales (both 0 when undefined); returned_unit_rate = units returned /
    units (at most 1); fulfilment_per_unit_fen = (logistics + packaging) / units;
    ad_per_unit_fen = ads / units. break_even_price_fen = (unit_cost x (1 -
    returned_unit_rate) + fulfilment + ad) / ((1 - refund_rate) x (1 - fee_rate)): the price
    at which :func:`contribution_at_price` is 0. price_headroom_rate = (price - break-even
    price) / price. break_even_units = ad_spend / margin per unit before ads (ads as a fixed
    budget: the units needed to pay for them; NaN when the margin before ads is not
    positive). Sorted by headroom, smallest first.
    """
    check_columns(pnl_by_sku, ["sku", "paid_fen", "units", "cogs_fen", "refund_fen",
                               "units_returned"], "finance_pricing.unit_economics")
    d = pnl_by_sku[(pnl_by_sku.units >= min_units) & (pnl_by_sku.sku != UNALLOCATED)].copy()
    d = mrows.add(d, UNIT_RATIOS)
    kept = (d.units - d.units_returned.clip(upper=d.units)).astype(float)
    d["unit_cost_fen"] = (d.sku.map(unit_cost) if unit_cost is not None
                          else d.cogs_fen / kept.where(kept > 0))
    d["refund_rate"] = d["refund_rate"].fillna(0)
    d["returned_unit_rate"] = d["returned_unit_rate"].clip(upper=1)
    d["fee_rate"] = d["fee_rate"].fillna(0)
    d["contribution_per_unit_fen"] = contribution_at_price(
        d.price_fen, d.unit_cost_fen, d.fee_rate, d.refund_rate, d.returned_unit_rate,
        d.fulfilment_per_unit_fen, d.ad_per_unit_fen)
    den = (1 - d.refund_rate) * (1 - d.fee_rate)
    d["break_even_price_fen"] = ((d.unit_cost_fen * (1 - d.returned_unit_rate)
                                  + d.fulfilment_per_unit_fen + d.ad_per_unit_fen)
                                 / den.where(den > 0))
    d["price_headroom_rate"] = (d.price_fen - d.break_even_price_fen) / d.price_fen
    before_ads = d.contribution_per_unit_fen + d.ad_per_unit_fen
    d["break_even_units"] = np.ceil(d.ad_spend_fen / before_ads.where(before_ads > 0))
    keep = ["sku", "category", "units", "price_fen", "unit_cost_fen", "refund_rate",
            "returned_unit_rate", "fee_rate", "fulfilment_per_unit_fen", "ad_per_unit_fen",
            "contribution_per_unit_fen", "break_even_price_fen", "price_headroom_rate",
            "break_even_units"]
    return d[[k for k in keep if k in d.columns]].sort_values(
        "price_headroom_rate", ignore_index=True)
