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
    "case_pack_sizes", "purchase_list", "overdue_po_lines",
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
      ``count_skus_out`` (1 when stocked and ending the period with nothing on hand: 缺货SKU数);
    * ``last_sale_date`` (latest sale up to ``end``, any time before) and
      ``first_stock_date`` (the first snapshot of ``stock`` up to ``end``, any time before:
      a SKU that never sold is dead counted from it, not from the period's start).
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
    out["count_skus_out"] = ((out["count_skus_stocked"] == 1) & (out["closing_units"] <= 0)).astype("int64")
    # reindex, not map: pandas' map cannot take an empty datetime Series (a window without
    # sales or without snapshots)
    out["last_sale_date"] = last_sale.reindex(out["sku"]).to_numpy()
    out["first_stock_date"] = day[day["snapshot_date"] <= end].groupby("sku")[
        "snapshot_date"].min().reindex(out["sku"]).to_numpy()
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
        d["days_since_receipt"] = (as_of - pd.Series(last.reindex(d["sku"]).to_numpy(), index=d.index)).dt.days
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


def _runs_out_first(days_of_cover, lead_days) -> pd.Series:
    """True where stock on hand and in transit runs out before an order placed today
    arrives, in whole days as a seller reads the dates: the cover's full days
    (floor(days_of_cover)) are fewer than the days to arrival (ceil(lead_days))."""
    cover = pd.to_numeric(pd.Series(days_of_cover), errors="coerce")
    lead = pd.to_numeric(pd.Series(lead_days, index=cover.index), errors="coerce")
    return (np.floor(cover) < np.ceil(lead)).fillna(False).astype(bool)


def stockout_alerts(suggestions: pd.DataFrame) -> pd.DataFrame:
    """SKUs expected to run out within their lead time: rows of
    :func:`ecomlib.models.replenish.suggest_purchases` whose stock on hand plus in transit
    lasts fewer whole days than the supplier's lead time takes (floor(days_of_cover) <
    ceil(lead_days): an order placed today arrives after the shelf is empty), soonest
    stock-out first."""
    a = suggestions[_runs_out_first(suggestions["days_of_cover"], suggestions["lead_days"])]
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


# ----------------------------------------------------------------------------------------
# the purchase list and the purchase orders to chase
# ----------------------------------------------------------------------------------------
def case_pack_sizes(products: pd.DataFrame, case_packs: dict | None = None,
                    default: int = 1) -> pd.Series:
    """Units per case pack of every SKU of ``products`` (sku, category): the SKU's own entry
    of ``case_packs`` (``{sku or category: units}``, the report's parameter
    ``case_packs``), else its category's, else ``default``. The products table carries no
    case pack, so the parameter is the only source. Index ``sku``, name ``case_pack``; a
    value that is not a whole number >= 1 is refused with the key that holds it."""
    packs = dict(case_packs or {})
    for k, v in [("default", default), *packs.items()]:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float)) or v < 1 \
                or int(v) != v:
            raise ValueError(f"inventory.case_pack_sizes: case pack of {k!r} must be a whole "
                             f"number of units >= 1; got {v!r}")
    sku, cat = products["sku"].astype(str), products["category"].astype(str)
    by_cat = cat.map(lambda c: packs.get(c, default))
    out = sku.map(lambda s: packs.get(s)).where(sku.isin(list(packs)), by_cat)
    return pd.Series(out.astype("int64").to_numpy(), index=sku.to_numpy(), name="case_pack")


def purchase_list(suggestions: pd.DataFrame, products: pd.DataFrame, case_packs: pd.Series,
                  supplier_names: pd.Series | None, as_of) -> pd.DataFrame:
    """The purchase list a buyer sends to suppliers: the suggestions with an order
    (``order_units > 0``, rows of :func:`ecomlib.models.replenish.suggest_purchases`), one
    row per supplier and SKU.

    ``order_cases`` = order units / case pack (rounded up: the policy already orders whole
    cases), ``order_units`` = cases x case pack; ``order_by_date`` = ``as_of`` (the day the
    report is for: the SKU is at or below its reorder point now); ``expected_arrival_date`` =
    as_of + the supplier's mean lead time rounded up to whole days; ``cover_until_date`` =
    as_of - 1 + floor(days_of_cover): the day stock on hand and in transit lasts to at the
    forecast demand (empty beyond ten years); ``arrives_after_stockout``: the order arrives
    after that day + 1 (floor(days_of_cover) < ceil(lead_days), the rule of
    :func:`stockout_alerts`, in the whole days the two dates show: ask the supplier to
    expedite). ``unit_cost_fen`` is the product's current unit
    cost, ``order_cost_fen`` = units x unit cost. Sorted by supplier name, cover day, SKU. ``supplier_names``: supplier_id -> name (None: ids)."""
    cols = ["supplier_id", "supplier_name", "sku", "product_name", "category", "case_pack",
            "order_cases", "order_units", "unit_cost_fen", "order_cost_fen", "order_by_date",
            "expected_arrival_date", "cover_until_date", "arrives_after_stockout"]
    if suggestions is None or not len(suggestions):
        return pd.DataFrame(columns=cols)
    s = suggestions[suggestions["order_units"] > 0].copy()
    if not len(s):
        return pd.DataFrame(columns=cols)
    prod = products.set_index("sku")
    as_of = pd.Timestamp(as_of).normalize()
    s["supplier_name"] = s["supplier_id"].map(supplier_names) if supplier_names is not None \
        else s["supplier_id"]
    s["supplier_name"] = s["supplier_name"].fillna(s["supplier_id"])
    s["product_name"] = s["sku"].map(prod["product_name"]) if "product_name" in prod else s["sku"]
    s["category"] = s["sku"].map(prod["category"])
    s["case_pack"] = s["sku"].map(case_packs).fillna(1).astype("int64")
    s["order_cases"] = np.ceil(s["order_units"] / s["case_pack"]).astype("int64")
    s["order_units"] = (s["order_cases"] * s["case_pack"]).astype("int64")
    s["unit_cost_fen"] = s["sku"].map(prod["unit_cost_fen"]).fillna(0).astype("int64")
    s["order_cost_fen"] = (s["order_units"] * s["unit_cost_fen"]).astype("int64")
    s["order_by_date"] = as_of
    lead = np.ceil(pd.to_numeric(s["lead_days"], errors="coerce").fillna(0)).astype(int)
    s["expected_arrival_date"] = as_of + pd.to_timedelta(lead, unit="D")
    cover = pd.to_numeric(s["days_of_cover"], errors="coerce")
    ok = cover.notna() & np.isfinite(cover) & (cover < 3650)
    days = np.floor(cover.where(ok, 0)).astype(int)
    s["cover_until_date"] = ((as_of - pd.Timedelta(days=1)) + pd.to_timedelta(days, unit="D")).where(ok)
    s["arrives_after_stockout"] = _runs_out_first(cover, s["lead_days"])
    return s.sort_values(["supplier_name", "cover_until_date", "sku"], na_position="last")[cols] \
        .reset_index(drop=True)


def overdue_po_lines(purchase_lines: pd.DataFrame, as_of) -> pd.DataFrame:
    """Purchase-order lines to chase on ``as_of`` (the report's day; its data end the day
    before): ordered before ``as_of``, promised for a day before it and not received by then
    (``received_on`` empty or on/after ``as_of``). ``overdue_days`` = as_of - promised_on.
    Rows of ``mart_purchase_lines`` (po_id, sku, supplier_id, supplier_name, ordered_on,
    promised_on, received_on, quantity_ordered), most overdue first."""
    cols = ["supplier_id", "supplier_name", "po_id", "sku", "ordered_on", "promised_on",
            "quantity_ordered", "overdue_days"]
    if purchase_lines is None or not len(purchase_lines):
        return pd.DataFrame(columns=cols)
    as_of = pd.Timestamp(as_of).normalize()
    po = purchase_lines.copy()
    for c in ("ordered_on", "promised_on", "received_on"):
        po[c] = pd.to_datetime(po[c])
    if "supplier_name" not in po:
        po["supplier_name"] = po["supplier_id"]
    open_ = po["received_on"].isna() | (po["received_on"] >= as_of)
    late = po[open_ & (po["ordered_on"] < as_of) & po["promised_on"].notna()
              & (po["promised_on"] < as_of)].copy()
    late["overdue_days"] = (as_of - late["promised_on"]).dt.days.astype("int64")
    return late.sort_values(["overdue_days", "supplier_id", "po_id", "sku"],
                            ascending=[False, True, True, True])[cols].reset_index(drop=True)
