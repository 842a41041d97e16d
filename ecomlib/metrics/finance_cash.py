"""Finance: the 13-week cash-flow forecast (notebooks/finance.ipynb, section 9).

Pure functions. Inputs: the shop-day P&L rows of the report (``finance_queries.shop_days``
with any estimated costs added: sales, cost of goods and costs per day and shop, CNY fen),
the company-wide costs (``finance_queries.overhead``), the purchase-order lines
(``finance_queries.purchase_orders``, unit cost in CNY fen) and the settings
(``parameters/finance_settings.yaml``). Money in fen; the forecast's weeks are the 7-day
runs after ``as_of`` (not calendar weeks).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import check_columns

__all__ = ["cash_flow_forecast", "lowest_week", "FLOWS"]

#: the forecast's flows, inflows first
FLOWS = ("inflow_settled_fen", "inflow_future_fen", "outflow_purchases_fen",
         "outflow_replenishment_fen", "outflow_ads_fen", "outflow_fulfilment_fen",
         "outflow_overhead_fen")


def _month(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp()


def cash_flow_forecast(shop_days: pd.DataFrame, overhead_days: pd.DataFrame,
                       purchase_orders: pd.DataFrame, as_of, opening_cash_fen: int,
                       settings: dict, weeks: int = 13) -> pd.DataFrame:
    """13-week (``weeks``) cash forecast from the day after ``as_of``.

    Week k covers days as_of + 7(k-1) + 1 .. as_of + 7k (``week_from`` is its first day).
    ``shop_days``: sales_date, platform, shop_id, paid_fen, refund_fen, cogs_fen,
    platform_fee_fen, streamer_commission_fen, logistics_fen, packaging_fen, ad_spend_fen;
    ``overhead_days``: cost_date, kind, amount_fen of company-wide costs (platform ALL).
    Inflows: each shop-day's net settlement (paid - refund - platform fee - streamer
    commission) is released ``settlement_lag_days[platform]`` days after the sales day (the
    platform pays out after the buyer confirms receipt); sales already made settle in
    ``inflow_settled_fen``; new sales continue at the run rate (the net settlement of the
    last ``run_rate_weeks`` weeks up to ``as_of`` per platform / their days) and settle with
    the same lag (``inflow_future_fen``). Outflows: purchase orders are paid
    ``supplier_payment_days`` after receipt (open POs: after the promised day, else the order
    day; never before tomorrow) at quantity x unit cost (received quantity once received);
    ads and logistics + packaging continue at their run rate per day; goods sold from
    tomorrow on are bought back at their cost of goods (COGS run rate per day,
    ``outflow_replenishment_fen``), paid ``supplier_payment_days`` after the sale (a stand-in
    for the purchase orders not yet placed); company overhead is paid on each month's first
    day at the mean of its last three months. closing_cash_fen = opening + cumulative net.
    Company-wide rows of a fee, ad or fulfilment kind count with those flows.
    """
    check_columns(shop_days, ["sales_date", "platform", "shop_id", "paid_fen", "refund_fen",
                              "cogs_fen", "platform_fee_fen", "streamer_commission_fen",
                              "logistics_fen", "packaging_fen", "ad_spend_fen"],
                  "finance_cash.cash_flow_forecast")
    as_of = pd.Timestamp(as_of).normalize()
    lags = settings.get("settlement_lag_days") or {}
    default_lag = int(lags.get("default", 14))
    n_rr = int(settings.get("run_rate_weeks", 4)) * 7
    pay_days = int(settings.get("supplier_payment_days", 30))
    horizon_end = as_of + pd.Timedelta(days=7 * weeks)
    week_starts = [as_of + pd.Timedelta(days=7 * k + 1) for k in range(weeks)]

    def week_of(dates: pd.Series) -> pd.Series:
        k = ((pd.to_datetime(dates) - as_of).dt.days - 1) // 7
        return k.where((k >= 0) & (k < weeks))

    flows = {c: np.zeros(weeks) for c in FLOWS}

    def add(col, dates, amounts):
        k = week_of(pd.Series(dates))
        ok = k.notna().to_numpy()
        np.add.at(flows[col], k[ok].astype(int).to_numpy(), np.asarray(amounts, dtype=float)[ok])

    s = shop_days.assign(sales_date=pd.to_datetime(shop_days["sales_date"]))
    s = s[s.sales_date <= as_of]
    oh = overhead_days.assign(cost_date=pd.to_datetime(overhead_days["cost_date"])) \
        if len(overhead_days) else pd.DataFrame({"cost_date": pd.Series(dtype="datetime64[ns]"),
                                                 "kind": pd.Series(dtype=object),
                                                 "amount_fen": pd.Series(dtype="int64")})
    oh = oh[oh.cost_date <= as_of]
    # settlements: every shop-day (and company-wide fees, on their own day)
    day = s[["sales_date", "platform", "shop_id", "paid_fen", "refund_fen"]].assign(
        fee_fen=s["platform_fee_fen"] + s["streamer_commission_fen"])
    oh_fee = oh[oh.kind.isin(["platform_fee", "streamer_commission"])]
    if len(oh_fee):
        day = pd.concat([day, pd.DataFrame({
            "sales_date": oh_fee.cost_date, "platform": "ALL", "shop_id": "ALL", "paid_fen": 0,
            "refund_fen": 0, "fee_fen": oh_fee.amount_fen})], ignore_index=True)
    day["settle_fen"] = day.paid_fen - day.refund_fen - day.fee_fen
    day["lag"] = day.platform.map(lambda p: int(lags.get(p, default_lag)))
    add("inflow_settled_fen", day.sales_date + pd.to_timedelta(day.lag, unit="D"), day.settle_fen)
    recent = day[day.sales_date > as_of - pd.Timedelta(days=n_rr)]
    future_days = pd.date_range(as_of + pd.Timedelta(days=1), horizon_end)
    for plat, g in recent.groupby("platform"):
        rr = g.settle_fen.sum() / n_rr
        lag = int(lags.get(plat, default_lag))
        add("inflow_future_fen", future_days + pd.Timedelta(days=lag), np.full(len(future_days), rr))
    rs = s[s.sales_date > as_of - pd.Timedelta(days=n_rr)]
    if len(rs):
        rr = rs["cogs_fen"].sum() / n_rr
        add("outflow_replenishment_fen", future_days + pd.Timedelta(days=pay_days),
            np.full(len(future_days), rr))
    roh = oh[oh.cost_date > as_of - pd.Timedelta(days=n_rr)]
    if len(s) or len(oh):
        for col, cols, kinds in (("outflow_ads_fen", ["ad_spend_fen"], ["ad_spend"]),
                                 ("outflow_fulfilment_fen", ["logistics_fen", "packaging_fen"],
                                  ["logistics", "packaging"])):
            total = (rs[cols].to_numpy().sum() if len(rs) else 0) \
                + roh.loc[roh.kind.isin(kinds), "amount_fen"].sum()
            add(col, future_days, np.full(len(future_days), total / n_rr))
    if len(oh):
        per_month = oh.groupby(_month(oh.cost_date))["amount_fen"].sum().sort_index()
        monthly = per_month.tail(3).mean()
        firsts = [d for d in future_days if d.day == 1]
        add("outflow_overhead_fen", firsts, np.full(len(firsts), monthly))
    if len(purchase_orders):
        po = purchase_orders.copy()
        for col in ("ordered_on", "promised_on", "received_on"):
            po[col] = pd.to_datetime(po[col])
        po = po[po.ordered_on <= as_of]
        received = po.received_on.notna() & (po.received_on <= as_of)
        base_day = po.received_on.where(received, po.promised_on.fillna(po.ordered_on))
        base_day = base_day.where(~(base_day <= as_of) | received, as_of + pd.Timedelta(days=1))
        qty = np.where(received, po.quantity_received.fillna(0), po.quantity_ordered)
        add("outflow_purchases_fen", base_day + pd.Timedelta(days=pay_days),
            qty * po.unit_cost_fen.astype(float))
    out = pd.DataFrame({"week": np.arange(1, weeks + 1), "week_from": week_starts})
    for col, v in flows.items():
        out[col] = np.round(v).astype("int64")
    out["net_fen"] = (out.inflow_settled_fen + out.inflow_future_fen - out.outflow_purchases_fen
                      - out.outflow_replenishment_fen
                      - out.outflow_ads_fen - out.outflow_fulfilment_fen - out.outflow_overhead_fen)
    out["closing_cash_fen"] = int(opening_cash_fen) + out.net_fen.cumsum()
    return out


def lowest_week(forecast: pd.DataFrame) -> pd.Series:
    """The forecast week with the lowest closing cash (the first one on a tie)."""
    return forecast.loc[forecast["closing_cash_fen"].idxmin()]
