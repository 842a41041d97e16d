"""Inventory metrics: turnover, days of supply, sell-through (售罄率), active-SKU rate (动销率),
slow and dead stock, stock-out days and lost sales, ABC x XYZ classes, alerts.

Pure functions, frame to frame. Their inputs are rows of the marts, read by
:mod:`ecomlib.metrics.inventory_queries`:

* ``sales``: one row per day and SKU, ``sales_date, sku, units, cogs_fen`` (+ ``paid_fen``),
  paid demand over the selected shops (``mart_sales_daily``); ``cogs_fen`` is the model
  layer's cost of goods (unit cost x units kept, ``int_order_lines``);
* ``stock``: one row per day, warehouse and SKU, ``snapshot_date, warehouse_id, sku,
  on_hand_units, on_hand_value_fen`` (+ ``in_transit_units``) from ``mart_stock_daily``;
* ``products``: ``sku, category, unit_cost_fen`` (+ ``supplier_id, list_price_fen,
  launched_on``) from ``mart_products``.

Ratios are ratios of sums over per-SKU rows, through the metric catalogue
(:mod:`ecomlib.metrics.catalogue`: turnover, turnover_days, days_of_supply,
sell_through_rate, active_sku_rate). Money in fen at the product's current unit cost
(DECISIONLOG 5), units in pieces, days are Beijing calendar days, ``*_rate`` in 0..1.
The report (tables, sentences, charts) is :mod:`ecomlib.metrics.inventory_report`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from . import catalogue

__all__ = [
    "sku_period", "turnover", "sell_through_rate", "active_sku_rate", "abc_xyz",
    "slow_dead_stock", "stockouts", "stockout_alerts", "dead_stock_alerts", "policy_changes",
]

_COLS = {"sales": ("sales_date", "sku", "units", "cogs_fen"),
         "stock": ("snapshot_date", "sku", "on_hand_units", "on_hand_value_fen"),
         "products": ("sku", "category", "unit_cost_fen")}

#: the period metrics of :func:`turnover`, each from the catalogue over per-SKU rows
TURNOVER_SUMS = ("units_sold", "cogs_fen", "avg_value_fen", "closing_value_fen")
TURNOVER_RATIOS = ("turnover", "turnover_days", "avg_daily_units", "days_of_supply",
                   "sell_through_rate", "active_sku_rate")


def _need(df: pd.DataFrame, kind: str, fn: str) -> None:
    missing = [c for c in _COLS[kind] if c not in df.columns]
    if missing:
        raise KeyError(f"inventory.{fn}: {kind} frame lacks column(s) {missing}; found "
                       f"{list(df.columns)}")


# ----------------------------------------------------------------------------------------
# per-SKU period table
# ----------------------------------------------------------------------------------------
def sku_period(sales: pd.DataFrame, stock: pd.DataFrame, products: pd.DataFrame,
               start, end) -> pd.DataFrame:
    """One row per SKU held or sold in ``start``..``end``: the base of the other metrics.

    Stock is taken per day and SKU over the warehouses of ``stock`` (summed). Columns:

    * ``sku, warehouse_id, category, unit_cost_fen``;
    * ``units_sold`` (units of paid lines in the period) and ``cogs_fen`` (the sales rows'
      cost of goods: unit cost x units kept, as the model layer gives it);
    * ``opening_units`` (end of the day before ``start``, else the first snapshot),
      ``closing_units`` (last snapshot in the period; negative when oversold),
      ``closing_stock_units`` = max(closing_units, 0) and ``closing_value_fen`` = max(the
      last snapshot's on_hand_value_fen, 0);
    * ``stock_value_days_fen`` = sum over the period's days of max(on_hand_value_fen, 0)
      (fen x days; days without a snapshot count as 0), ``avg_value_fen`` = that / days;
    * ``avg_daily_units`` = units_sold / days; ``count_days`` = days in the period;
    * ``stockout_days_sku``: days in the period ending with on hand <= 0 (from the SKU's
      first snapshot);
    * ``count_skus_stocked`` (1 when stocked: on hand > 0 at the start or end, or a sale)
      and ``count_skus_sold`` (1 when stocked and at least one unit sold), the terms of 动销率;
    * ``last_sale_date`` (latest sale up to ``end``, any time before), ``first_stock_date``.
    """
    for f, k in ((sales, "sales"), (stock, "stock"), (products, "products")):
        _need(f, k, "sku_period")
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    n_days = (end - start).days + 1
    s = sales.assign(sales_date=pd.to_datetime(sales["sales_date"]))
    st = stock.assign(snapshot_date=pd.to_datetime(stock["snapshot_date"]))
    day = st.groupby(["snapshot_date", "sku"], as_index=False, sort=True)[
        ["on_hand_units", "on_hand_value_fen"]].sum(min_count=1)
    in_p = s[(s["sales_date"] >= start) & (s["sales_date"] <= end)]
    sold = in_p.groupby("sku")["units"].sum()
    cogs = in_p.groupby("sku")["cogs_fen"].sum()
    last_sale = s[s["sales_date"] <= end].groupby("sku")["sales_date"].max()
    stp = day[(day["snapshot_date"] >= start) & (day["snapshot_date"] <= end)]
    before = day[day["snapshot_date"] < start].groupby("sku").tail(1).set_index("sku")["on_hand_units"]
    g = stp.groupby("sku")
    first_snap = g["on_hand_units"].first()
    closing = g["on_hand_units"].last()
    closing_value = g["on_hand_value_fen"].last()
    value_days = stp["on_hand_value_fen"].clip(lower=0).fillna(0).groupby(stp["sku"]).sum()
    so = (stp["on_hand_units"] <= 0).groupby(stp["sku"]).sum()
    wh_of = st.drop_duplicates("sku", keep="last").set_index("sku")["warehouse_id"] \
        if "warehouse_id" in st.columns else pd.Series(dtype=object)
    prod = products.set_index("sku")
    skus = sorted(set(sold.index) | set(stp["sku"].unique()))
    out = pd.DataFrame({"sku": skus})
    out["warehouse_id"] = out["sku"].map(wh_of)
    out["category"] = out["sku"].map(prod["category"])
    out["unit_cost_fen"] = out["sku"].map(prod["unit_cost_fen"])
    out["units_sold"] = out["sku"].map(sold).fillna(0).astype("int64")
    out["cogs_fen"] = out["sku"].map(cogs).fillna(0).astype("int64")
    out["opening_units"] = out["sku"].map(before).fillna(out["sku"].map(first_snap)).fillna(0).astype("int64")
    out["closing_units"] = out["sku"].map(closing).fillna(0).astype("int64")
    out["closing_stock_units"] = out["closing_units"].clip(lower=0)
    out["closing_value_fen"] = out["sku"].map(closing_value).clip(lower=0).fillna(0).astype("int64")
    out["stock_value_days_fen"] = out["sku"].map(value_days).fillna(0).astype("int64")
    out["avg_value_fen"] = out["stock_value_days_fen"] / n_days if n_days > 0 else 0.0
    out["avg_daily_units"] = out["units_sold"] / n_days if n_days > 0 else np.nan
    out["stockout_days_sku"] = out["sku"].map(so).fillna(0).astype("int64")
    out["count_days"] = n_days
    act = _activity(out)
    out["count_skus_stocked"], out["count_skus_sold"] = act["count_skus_stocked"], act["count_skus_sold"]
    out["last_sale_date"] = out["sku"].map(last_sale)
    out["first_stock_date"] = out["sku"].map(g["snapshot_date"].first())
    return out


def _activity(per_sku: pd.DataFrame) -> pd.DataFrame:
    """0/1 per SKU: ``count_skus_stocked`` (on hand > 0 at the period's start or end, or a
    unit sold) and ``count_skus_sold`` (stocked and at least one unit sold)."""
    sold = per_sku["units_sold"] > 0
    stocked = (per_sku["opening_units"] > 0) | (per_sku["closing_units"] > 0) | sold
    return pd.DataFrame({"count_skus_stocked": stocked.astype("int64"),
                         "count_skus_sold": (sold & stocked).astype("int64")}, index=per_sku.index)


def turnover(per_sku: pd.DataFrame, by: Sequence[str] = ("category",)) -> pd.DataFrame:
    """Turnover and days of supply per group of :func:`sku_period` rows (``by=()``: one total
    row), each a catalogue metric over the group's SKU rows (ratios of sums):

    turnover = COGS / average stock at cost (times per period; NaN with no stock);
    turnover_days = stock at cost summed over the days / COGS (= days / turnover);
    avg_daily_units = units sold / days; days_of_supply = closing units (oversold as 0) /
    avg_daily_units (NaN when nothing sold); sell_through_rate = units sold / (units sold +
    closing units); active_sku_rate = SKUs sold / SKUs stocked. Plus the sums
    ``count_skus, units_sold, cogs_fen, avg_value_fen, closing_value_fen,
    stockout_days_sku``.
    """
    keys = list(by)
    rows = []
    groups = per_sku.groupby(keys, dropna=False) if keys else [((), per_sku)]
    for k, g in groups:
        row = dict(zip(keys, k if isinstance(k, tuple) else (k,)))
        row["count_skus"] = len(g)
        for name in TURNOVER_SUMS:
            row[name] = g[name].sum()
        for name in TURNOVER_RATIOS:
            row[name] = catalogue.value(name, g)
        row["stockout_days_sku"] = int(g["stockout_days_sku"].sum())
        rows.append(row)
    out = pd.DataFrame(rows, columns=keys + ["count_skus", *TURNOVER_SUMS[:2], "avg_value_fen",
                                             "closing_value_fen", "turnover", "turnover_days",
                                             "avg_daily_units", "days_of_supply",
                                             "sell_through_rate", "active_sku_rate",
                                             "stockout_days_sku"])
    for c in ("units_sold", "cogs_fen", "closing_value_fen"):
        out[c] = out[c].astype("int64")
    return out


def sell_through_rate(units_sold, units_on_hand):
    """售罄率 = units sold / (units sold + units on hand at period end, oversold as 0); NaN
    when both are 0 (the catalogue metric ``sell_through_rate`` of one row)."""
    row = pd.DataFrame({"units_sold": [units_sold], "closing_stock_units": [max(units_on_hand, 0)]})
    return catalogue.value("sell_through_rate", row)


def active_sku_rate(per_sku: pd.DataFrame) -> float:
    """动销率 = SKUs with at least one unit sold in the period / SKUs on hand (stocked: a
    positive on hand at the period's start or end, or a sale); NaN with no SKU stocked (the
    catalogue metric ``active_sku_rate`` over the SKU rows)."""
    return catalogue.value("active_sku_rate", _activity(per_sku))


# ----------------------------------------------------------------------------------------
# classes
# ----------------------------------------------------------------------------------------
def abc_xyz(per_sku: pd.DataFrame, weekly: pd.DataFrame, a_share: float = 0.8, b_share: float = 0.95,
            x_cv: float = 0.5, y_cv: float = 1.0) -> pd.DataFrame:
    """ABC by COGS value and XYZ by weekly demand variability, per SKU.

    ABC: SKUs sorted by ``cogs_fen`` (descending, ties by SKU); A while the cumulative share
    *before* the SKU is < ``a_share`` (so the SKU that crosses 80 % is still A), B while
    < ``b_share``, else C; SKUs with no value are C. XYZ: CV = std / mean of the SKU's weekly
    units (population std, ddof=0) over ``weekly`` (sku, week_start, units; zero weeks
    included); X if CV <= ``x_cv``, Y if <= ``y_cv``, else Z (no sales: Z).
    Returns per_sku's ``sku, category, cogs_fen`` + ``value_share_rate, abc, cv, xyz,
    abc_xyz``.
    """
    d = per_sku[["sku", "category", "cogs_fen"]].sort_values(["cogs_fen", "sku"], ascending=[False, True])
    total = d["cogs_fen"].sum()
    share = d["cogs_fen"] / total if total > 0 else d["cogs_fen"] * 0.0
    before = share.cumsum() - share
    d["value_share_rate"] = share
    d["abc"] = np.where((d["cogs_fen"] > 0) & (before < a_share), "A",
                        np.where((d["cogs_fen"] > 0) & (before < b_share), "B", "C"))
    w = weekly.groupby("sku")["units"].agg(["mean", lambda x: x.std(ddof=0)])
    w.columns = ["mean", "std"]
    cv = (w["std"] / w["mean"]).where(w["mean"] > 0)
    d["cv"] = d["sku"].map(cv)
    d["xyz"] = np.where(d["cv"].isna(), "Z", np.where(d["cv"] <= x_cv, "X",
                                                      np.where(d["cv"] <= y_cv, "Y", "Z")))
    d["abc_xyz"] = d["abc"] + d["xyz"]
    return d.reset_index(drop=True)


def slow_dead_stock(per_sku: pd.DataFrame, as_of, receipts: pd.DataFrame | None = None,
                    dead_days: int = 90, slow_days_of_supply: float = 180) -> pd.DataFrame:
    """Stock status per SKU with stock at the end: ``dead`` when nothing sold for
    ``dead_days`` days up to ``as_of`` (never sold: counted from the first snapshot),
    ``slow`` when days of supply (closing units / average daily units of the period,
    ``avg_daily_units``; inf when nothing sold) exceeds ``slow_days_of_supply``, else ``ok``.
    Value at cost = closing_value_fen. ``days_since_receipt`` (stock age) = as_of - last
    received_on from ``receipts`` (rows of mart_purchase_lines: sku, received_on), NaN when
    none. Sorted by value, largest first.
    """
    as_of = pd.Timestamp(as_of).normalize()
    d = per_sku[per_sku["closing_units"] > 0].copy()
    ref = d["last_sale_date"].fillna(d["first_stock_date"])
    d["days_since_last_sale"] = (as_of - pd.to_datetime(ref)).dt.days
    daily = d["avg_daily_units"]
    d["days_of_supply"] = np.where(daily > 0, d["closing_units"] / daily.where(daily > 0), np.inf)
    d["stock_status"] = np.where(d["days_since_last_sale"] >= dead_days, "dead",
                                 np.where(d["days_of_supply"] > slow_days_of_supply, "slow", "ok"))
    if receipts is not None and len(receipts):
        r = receipts.dropna(subset=["received_on"])
        r = r[pd.to_datetime(r["received_on"]) <= as_of]
        last = pd.to_datetime(r["received_on"]).groupby(r["sku"]).max()
        d["days_since_receipt"] = (as_of - d["sku"].map(last)).dt.days
    else:
        d["days_since_receipt"] = np.nan
    return d.sort_values("closing_value_fen", ascending=False).reset_index(drop=True)


# ----------------------------------------------------------------------------------------
# stock-outs and alerts
# ----------------------------------------------------------------------------------------
def stockouts(sales: pd.DataFrame, stock: pd.DataFrame, products: pd.DataFrame, start, end,
              window: int = 28) -> pd.DataFrame:
    """Stock-out days and estimated lost sales per SKU in ``start``..``end``.

    A stock-out day ends with on hand <= 0 (from the SKU's first snapshot, and not before
    its launch). Lost units on such a day = max(0, r - sold) with r the mean units sold per
    in-stock day within +-``window`` days (:func:`ecomlib.models.replenish.reconstruct_demand`);
    lost_sales_fen = lost units x the SKU's average paid price per unit in the period (list
    price when it sold nothing). Rows only for SKUs with at least one stock-out day, largest
    loss first.
    """
    from ..models.replenish import reconstruct_demand
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    lo = start - pd.Timedelta(days=window)
    hi = end + pd.Timedelta(days=window)
    days = pd.date_range(lo, hi, freq="D")
    st = stock.assign(snapshot_date=pd.to_datetime(stock["snapshot_date"]))
    st = st[(st["snapshot_date"] >= lo) & (st["snapshot_date"] <= hi)]
    if not len(st):
        return pd.DataFrame(columns=["sku", "category", "stockout_days_sku", "lost_units", "lost_sales_fen"])
    oh = st.pivot_table(index="snapshot_date", columns="sku", values="on_hand_units", aggfunc="sum") \
        .reindex(days)
    known = oh.notna().to_numpy()
    s = sales.assign(sales_date=pd.to_datetime(sales["sales_date"]))
    sold = s.pivot_table(index="sales_date", columns="sku", values="units", aggfunc="sum") \
        .reindex(index=days, columns=oh.columns).fillna(0)
    dem = reconstruct_demand(sold.to_numpy(), oh.to_numpy(float), window)
    launched = pd.to_datetime(products.set_index("sku")["launched_on"]).reindex(oh.columns) \
        if "launched_on" in products else pd.Series(pd.NaT, index=oh.columns)
    live = days.to_numpy()[:, None] >= launched.fillna(lo).to_numpy()[None, :]
    inside = np.asarray((days >= start) & (days <= end))[:, None]
    out_day = (oh.fillna(1).to_numpy() <= 0) & known & live & inside
    lost = np.where(out_day, dem - sold.to_numpy(), 0.0)
    p = s[(s["sales_date"] >= start) & (s["sales_date"] <= end)].groupby("sku")[["units", "paid_fen"]].sum() \
        if "paid_fen" in s else pd.DataFrame(columns=["units", "paid_fen"])
    price = (p["paid_fen"] / p["units"]).where(p["units"] > 0) if len(p) else pd.Series(dtype=float)
    lp = products.set_index("sku")["list_price_fen"] if "list_price_fen" in products else pd.Series(dtype=float)
    res = pd.DataFrame({"sku": oh.columns, "stockout_days_sku": out_day.sum(axis=0),
                        "lost_units": lost.sum(axis=0)})
    res["category"] = res["sku"].map(products.set_index("sku")["category"])
    unit_price = res["sku"].map(price).fillna(res["sku"].map(lp)).fillna(0)
    res["lost_sales_fen"] = (res["lost_units"] * unit_price).round().astype("int64")
    res = res[res["stockout_days_sku"] > 0]
    return res[["sku", "category", "stockout_days_sku", "lost_units", "lost_sales_fen"]] \
        .sort_values(["lost_sales_fen", "sku"], ascending=[False, True]).reset_index(drop=True)


def stockout_alerts(suggestions: pd.DataFrame) -> pd.DataFrame:
    """SKUs expected to run out within their lead time: rows of
    :func:`ecomlib.models.replenish.suggest_purchases` whose stock on hand plus in transit
    lasts fewer days than the supplier's lead time (days_of_cover < lead_days: an order
    placed today arrives after the shelf is empty), soonest stock-out first."""
    a = suggestions[suggestions["days_of_cover"] < suggestions["lead_days"]]
    return a.sort_values(["days_to_stockout", "sku"]).reset_index(drop=True)


def dead_stock_alerts(status: pd.DataFrame, min_value_fen: int) -> pd.DataFrame:
    """Dead stock (from :func:`slow_dead_stock`) worth at least ``min_value_fen`` at cost."""
    return status[(status["stock_status"] == "dead") & (status["closing_value_fen"] >= min_value_fen)] \
        .reset_index(drop=True)


# ----------------------------------------------------------------------------------------
# the policy replay, against the actual ordering
# ----------------------------------------------------------------------------------------
def policy_changes(table: pd.DataFrame, base: str = "demo_actual") -> pd.DataFrame:
    """The replay's arms (rows of :func:`ecomlib.models.replenish.replay_year`'s ``table``:
    ``arm, stockout_days, avg_stock_value_fen, ...``) with their change against the arm
    ``base`` (what actually happened): stockout_change_rate = stock-out SKU-days / base's - 1,
    capital_change_rate = average stock at cost / base's - 1 (NaN when the base's is 0)."""
    if not len(table):
        return table.assign(stockout_change_rate=pd.Series(dtype=float),
                            capital_change_rate=pd.Series(dtype=float))
    b = table.set_index("arm").loc[base]
    out = table.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["stockout_change_rate"] = (out["stockout_days"] / b["stockout_days"] - 1
                                       if b["stockout_days"] else np.nan)
        out["capital_change_rate"] = (out["avg_stock_value_fen"] / b["avg_stock_value_fen"] - 1
                                      if b["avg_stock_value_fen"] else np.nan)
    return out
