"""Inventory metrics: turnover, days of supply, sell-through (售罄率), active-SKU rate (动销率),
slow and dead stock, stock-out days and lost sales, ABC x XYZ classes, alerts.

Inputs are small per-day frames that the warehouse rollups produce:

* ``sales``: one row per day and SKU, ``sales_date, sku, units`` (+ ``paid_fen``), from
  ``rollups.INVENTORY_SKU_DAILY_SQL`` (:func:`sku_daily`);
* ``stock``: one row per day, warehouse and SKU, ``snapshot_date, warehouse_id, sku,
  on_hand_units, in_transit_units`` (``Warehouse.daily_stock``);
* ``products``: ``sku, category, unit_cost_fen`` (+ ``supplier_id``).

Money in fen at the product's current unit cost (DECISIONLOG 5), units in pieces, days are
Beijing calendar days, ``*_rate`` in 0..1.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .. import i18n, rollups

__all__ = [
    "sku_daily", "sku_period", "turnover", "sell_through_rate", "active_sku_rate",
    "abc_xyz", "slow_dead_stock", "stockouts", "stockout_alerts", "dead_stock_alerts",
]

_LABELS = {
    "category": ("品类", "Category"),
    "warehouse_id": ("仓库", "Warehouse"),
    "WH_EAST": ("华东仓", "East China DC"),
    "WH_SOUTH": ("华南仓", "South China DC"),
    "ALL": ("全部", "All"),
    "units_sold": ("销量(件)", "Units sold"),
    "opening_units": ("期初库存(件)", "Opening units"),
    "closing_units": ("期末库存(件)", "Closing units"),
    "closing_value_fen": ("期末库存金额(成本)", "Closing stock at cost"),
    "avg_value_fen": ("平均库存金额(成本)", "Average stock at cost"),
    "turnover": ("周转次数", "Turns"),
    "turnover_days": ("周转天数", "Days to turn"),
    "avg_daily_units": ("日均销量(件)", "Average daily units"),
    "days_of_supply": ("可售天数", "Days of supply"),
    "sell_through_rate": ("售罄率", "Sell-through"),
    "active_sku_rate": ("动销率", "Active-SKU rate"),
    "count_skus_stocked": ("有库存SKU数", "SKUs stocked"),
    "count_skus_sold": ("动销SKU数", "SKUs sold"),
    "abc": ("ABC(金额)", "ABC (value)"),
    "xyz": ("XYZ(波动)", "XYZ (variability)"),
    "abc_xyz": ("ABC×XYZ", "ABC x XYZ"),
    "cv": ("需求变异系数", "Demand CV"),
    "value_share_rate": ("金额占比", "Value share"),
    "stock_status": ("库存状态", "Stock status"),
    "stock_dead": ("呆滞", "Dead"),
    "stock_slow": ("滞销", "Slow"),
    "stock_ok": ("正常", "OK"),
    "days_since_last_sale": ("距上次销售(天)", "Days since last sale"),
    "days_since_receipt": ("库龄(距上次到货,天)", "Stock age (days since receipt)"),
    "last_sale_date": ("最近销售日", "Last sale"),
    "stockout_days_sku": ("缺货天数", "Stock-out days"),
    "lost_units": ("损失销量(件)", "Lost units"),
    "lost_sales_fen": ("损失销售额(估)", "Lost sales (est.)"),
    "paid_units_price_fen": ("平均成交价", "Average selling price"),
    "alert": ("预警", "Alert"),
}
# keys registered before keep their wording (see i18n.add_labels)
i18n.add_labels(_LABELS)

_COLS = {"sales": ("sales_date", "sku", "units"),
         "stock": ("snapshot_date", "sku", "on_hand_units"),
         "products": ("sku", "category", "unit_cost_fen")}


def _need(df: pd.DataFrame, kind: str, fn: str) -> None:
    missing = [c for c in _COLS[kind] if c not in df.columns]
    if missing:
        raise KeyError(f"inventory.{fn}: {kind} frame lacks column(s) {missing}; found "
                       f"{list(df.columns)}")


def sku_daily(wh, start, end, shops: Sequence[str] | None = None,
              platforms: Sequence[str] | None = None) -> pd.DataFrame:
    """Paid units and money per day and canonical SKU over the selected shops/platforms
    (``rollups.INVENTORY_SKU_DAILY_SQL``, computed in DuckDB). Columns ``sales_date, sku,
    category, units, paid_fen, list_fen``; ``sales_date`` as pandas datetime."""
    params: dict = {"start_d": pd.Timestamp(start).date(), "end_d": pd.Timestamp(end).date()}
    conds = []
    for col, vals, pre in (("platform", platforms, "p"), ("shop_id", shops, "s")):
        if vals is None:
            continue
        vals = [vals] if isinstance(vals, str) else list(vals)
        names = []
        for i, v in enumerate(vals):
            params[f"{pre}{i}"] = str(v)
            names.append(f"${pre}{i}")
        conds.append(f" AND {col} IN ({', '.join(names)})" if names else " AND FALSE")
    df = wh.sql(rollups.INVENTORY_SKU_DAILY_SQL.format(filters="".join(conds)), params)
    df["sales_date"] = pd.to_datetime(df["sales_date"])
    return df


# ----------------------------------------------------------------------------------------
# per-SKU period table
# ----------------------------------------------------------------------------------------
def sku_period(sales: pd.DataFrame, stock: pd.DataFrame, products: pd.DataFrame,
               start, end) -> pd.DataFrame:
    """One row per SKU held or sold in ``start``..``end``: the base of the other metrics.

    Columns: ``sku, warehouse_id, category, unit_cost_fen, units_sold, cogs_fen`` (units sold
    x unit cost), ``opening_units`` (end of the day before ``start``, else the first
    snapshot), ``closing_units`` (last snapshot in the period), ``closing_value_fen``,
    ``avg_value_fen`` (mean over the period's days of max(on hand, 0) x unit cost; days
    without a snapshot count as 0), ``stockout_days_sku`` (days in the period ending with
    on hand <= 0, counted from the SKU's first snapshot), ``count_days``, ``last_sale_date``
    (latest sale up to ``end``, any time before), ``first_stock_date``.
    """
    for f, k in ((sales, "sales"), (stock, "stock"), (products, "products")):
        _need(f, k, "sku_period")
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    n_days = (end - start).days + 1
    s = sales.assign(sales_date=pd.to_datetime(sales["sales_date"]))
    st = stock.assign(snapshot_date=pd.to_datetime(stock["snapshot_date"]))
    cost = products.set_index("sku")["unit_cost_fen"]
    in_p = s[(s["sales_date"] >= start) & (s["sales_date"] <= end)]
    sold = in_p.groupby("sku")["units"].sum()
    last_sale = s[s["sales_date"] <= end].groupby("sku")["sales_date"].max()
    stp = st[(st["snapshot_date"] >= start) & (st["snapshot_date"] <= end)]
    before = st[st["snapshot_date"] < start].sort_values("snapshot_date").groupby("sku").tail(1) \
        .set_index("sku")["on_hand_units"]
    g = stp.sort_values("snapshot_date").groupby("sku")
    first_snap = g["on_hand_units"].first()
    closing = g["on_hand_units"].last()
    val = stp.assign(v=stp["on_hand_units"].clip(lower=0) * stp["sku"].map(cost).fillna(0))
    avg_val = val.groupby("sku")["v"].sum() / n_days if n_days > 0 else val.groupby("sku")["v"].sum()
    so = stp.assign(o=stp["on_hand_units"] <= 0).groupby("sku")["o"].sum()
    wh_of = st.drop_duplicates("sku", keep="last").set_index("sku")["warehouse_id"] \
        if "warehouse_id" in st.columns else pd.Series(dtype=object)
    skus = sorted(set(sold.index) | set(stp["sku"].unique()))
    out = pd.DataFrame({"sku": skus})
    out["warehouse_id"] = out["sku"].map(wh_of)
    out["category"] = out["sku"].map(products.set_index("sku")["category"])
    out["unit_cost_fen"] = out["sku"].map(cost)
    out["units_sold"] = out["sku"].map(sold).fillna(0).astype("int64")
    out["cogs_fen"] = (out["units_sold"] * out["unit_cost_fen"].fillna(0)).astype("int64")
    out["opening_units"] = out["sku"].map(before).fillna(out["sku"].map(first_snap)).fillna(0).astype("int64")
    out["closing_units"] = out["sku"].map(closing).fillna(0).astype("int64")
    out["closing_value_fen"] = (out["closing_units"].clip(lower=0) * out["unit_cost_fen"].fillna(0)).astype("int64")
    out["avg_value_fen"] = out["sku"].map(avg_val).fillna(0.0)
    out["stockout_days_sku"] = out["sku"].map(so).fillna(0).astype("int64")
    out["count_days"] = n_days
    out["last_sale_date"] = out["sku"].map(last_sale)
    out["first_stock_date"] = out["sku"].map(g["snapshot_date"].first())
    return out


def turnover(per_sku: pd.DataFrame, by: Sequence[str] = ("category",)) -> pd.DataFrame:
    """Turnover and days of supply per group of :func:`sku_period` rows.

    turnover = COGS / average stock at cost over the period (times per period; NaN with no
    stock); turnover_days = days in period / turnover; avg_daily_units = units sold / days;
    days_of_supply = closing units / avg_daily_units (NaN when nothing sold);
    sell_through_rate = units sold / (units sold + closing units) (see
    :func:`sell_through_rate`); active_sku_rate (:func:`active_sku_rate`). ``by=()`` gives
    one total row.
    """
    keys = list(by)
    rows = []
    groups = per_sku.groupby(keys, dropna=False) if keys else [((), per_sku)]
    for k, g in groups:
        row = dict(zip(keys, k if isinstance(k, tuple) else (k,)))
        days = int(g["count_days"].max()) if len(g) else 0
        cogs, avg = float(g["cogs_fen"].sum()), float(g["avg_value_fen"].sum())
        units = int(g["units_sold"].sum())
        closing = int(g["closing_units"].clip(lower=0).sum())
        row.update({
            "count_skus": len(g), "units_sold": units, "cogs_fen": int(cogs),
            "avg_value_fen": avg, "closing_value_fen": int(g["closing_value_fen"].sum()),
            "turnover": cogs / avg if avg > 0 else np.nan,
            "turnover_days": days / (cogs / avg) if avg > 0 and cogs > 0 else np.nan,
            "avg_daily_units": units / days if days else np.nan,
            "days_of_supply": closing / (units / days) if days and units else np.nan,
            "sell_through_rate": sell_through_rate(units, closing),
            "active_sku_rate": active_sku_rate(g),
            "stockout_days_sku": int(g["stockout_days_sku"].sum()),
        })
        rows.append(row)
    return pd.DataFrame(rows)


def sell_through_rate(units_sold, units_on_hand):
    """售罄率 = units sold / (units sold + units on hand at period end); NaN when both are 0."""
    total = units_sold + units_on_hand
    return units_sold / total if total > 0 else np.nan


def active_sku_rate(per_sku: pd.DataFrame) -> float:
    """动销率 = SKUs with at least one unit sold in the period / SKUs on hand (stocked: a
    positive on hand at the period's start or end, or a sale); NaN with no SKU stocked."""
    stocked = (per_sku["opening_units"] > 0) | (per_sku["closing_units"] > 0) | (per_sku["units_sold"] > 0)
    n = int(stocked.sum())
    return float(((per_sku["units_sold"] > 0) & stocked).sum() / n) if n else np.nan


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
    ``slow`` when days of supply (closing units / average daily units of the period) exceeds
    ``slow_days_of_supply``, else ``ok``. Value at cost = closing_value_fen.
    ``days_since_receipt`` (stock age) = as_of - last received_on from ``receipts``
    (purchase_orders rows: sku, received_on), NaN when none. Sorted by value, largest first.
    """
    as_of = pd.Timestamp(as_of).normalize()
    d = per_sku[per_sku["closing_units"] > 0].copy()
    ref = d["last_sale_date"].fillna(d["first_stock_date"])
    d["days_since_last_sale"] = (as_of - pd.to_datetime(ref)).dt.days
    daily = d["units_sold"] / d["count_days"]
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
# the report's data in one call (the notebook stays thin)
# ----------------------------------------------------------------------------------------
def build_report(wh, start, end, history_start=None, warehouses: Sequence[str] | None = None,
                 service_level: float = 0.95, review_days: int = 7, horizon_weeks: int = 8,
                 moq_cases: int = 1, dead_days: int = 90, slow_days_of_supply: float = 180,
                 dead_stock_alert_fen: int = 100_000, campaign_days: Sequence[str] = (),
                 backtest_every_weeks: int = 4, run_backtest: bool = True,
                 run_replay: bool = True) -> dict:
    """Every table of the inventory report for ``start``..``end`` (inclusive), as a dict.

    Keys (each a DataFrame, empty when there is no data): ``per_sku``, ``by_category``,
    ``by_warehouse``, ``total``, ``abc_xyz``, ``status`` (slow/dead), ``dead_alerts``,
    ``stockouts``, ``suppliers``, ``forecast`` (next ``horizon_weeks`` weeks after ``end``),
    ``suggestions``, ``stockout_alerts``, ``backtest`` (a BacktestResult or None),
    ``replay`` (the :func:`ecomlib.models.replenish.replay_year` dict or None), ``notes``
    (list of (zh, en) sentences on what was skipped and why), ``weekly`` (panel).
    History for the models starts at ``history_start`` (default two years before ``end``).
    """
    import time

    from ..models import forecast as F
    from ..models import replenish as R
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    hist0 = pd.Timestamp(history_start).normalize() if history_start else end - pd.Timedelta(days=729)
    hist0 = min(hist0, start)
    notes: list[tuple[str, str]] = []
    products = wh.read("products")
    stock = wh.daily_stock(hist0, end, warehouses=warehouses or None)
    stock["snapshot_date"] = pd.to_datetime(stock["snapshot_date"])
    stock_skus = set(stock["sku"].unique())
    skus_here = stock_skus if warehouses else set(products["sku"]) | stock_skus
    sales = sku_daily(wh, hist0, end)
    sales = sales[sales["sku"].isin(skus_here)]
    po = wh.read("purchase_orders")
    if warehouses:
        po = po[po["warehouse_id"].isin(list(warehouses))]
    for c in ("ordered_on", "promised_on", "received_on"):
        po[c] = pd.to_datetime(po[c])
    out: dict = {"notes": notes, "backtest": None, "replay": None, "bands": None,
                 "coverage_rate": np.nan}
    s_in = sales[(sales["sales_date"] >= start) & (sales["sales_date"] <= end)]
    st_in = stock[(stock["snapshot_date"] >= start) & (stock["snapshot_date"] <= end)]
    per = sku_period(sales, stock, products, start, end) if len(st_in) or len(s_in) else pd.DataFrame()
    out["per_sku"] = per
    if not len(per):
        notes.append(("报告期间没有库存快照也没有销售，库存指标为空。",
                      "No stock snapshots and no sales in the period: the inventory metrics are empty."))
        for k in ("by_category", "by_warehouse", "total", "abc_xyz", "status", "dead_alerts",
                  "stockouts", "forecast", "suggestions", "stockout_alerts"):
            out[k] = pd.DataFrame()
        out["suppliers"] = R.supplier_performance(po, start, end) if len(po) else pd.DataFrame()
        out["weekly"] = pd.DataFrame()
        return out
    out["by_category"] = turnover(per, ("category",))
    out["by_warehouse"] = turnover(per, ("warehouse_id",))
    out["total"] = turnover(per, ())
    weekly_all = F.weekly_panel(sales, hist0, end, skus=sorted(skus_here & set(products["sku"])))
    weekly_all["category"] = weekly_all["sku"].map(products.set_index("sku")["category"]) \
        .fillna(weekly_all["category"])
    out["weekly"] = weekly_all
    wk_in = weekly_all[(weekly_all["week_start"] >= start)]
    out["abc_xyz"] = abc_xyz(per, wk_in)
    out["status"] = slow_dead_stock(per, end, po, dead_days, slow_days_of_supply)
    out["dead_alerts"] = dead_stock_alerts(out["status"], dead_stock_alert_fen)
    out["stockouts"] = stockouts(sales, stock, products, start, end)
    out["suppliers"] = R.supplier_performance(po, start, end)
    first_origin = start - pd.Timedelta(days=start.day_of_week) - pd.Timedelta(days=7)
    weeks = pd.DatetimeIndex(sorted(weekly_all["week_start"].unique()))
    can_bt = len(weeks) > 0 and (weeks < first_origin).sum() >= 51 and (weeks > first_origin).sum() >= 2
    if run_backtest and can_bt:
        bt = F.backtest(weekly_all, first_origin, every_weeks=backtest_every_weeks,
                        horizons=horizon_weeks, intervals=False, extra_days=campaign_days)
        out["backtest"] = bt
        if run_replay and len(bt.forecasts):
            out["bands"] = F.conformal_bands(bt.forecasts)
            out["coverage_rate"] = F.interval_coverage(bt.forecasts)
            out["replay"] = R.replay_year(sales, stock, po, products, bt.forecasts, start, end,
                                          service_level, review_days, moq_cases)
    elif run_backtest:
        notes.append(("回测需要报告期开始前至少 51 周的销售历史，本次跳过回测和模拟。",
                      "The backtest needs at least 51 weeks of sales history before the period "
                      "starts: backtest and replay skipped."))
    # models
    n_weeks = weekly_all["week_start"].nunique()
    out["forecast"] = pd.DataFrame()
    out["suggestions"] = pd.DataFrame()
    out["stockout_alerts"] = pd.DataFrame()
    if n_weeks >= 20 and weekly_all["units"].sum() > 0:
        t0 = time.perf_counter()
        fc = F.forecast_ahead(weekly_all, horizons=horizon_weeks, extra_days=campaign_days,
                              bands=out["bands"], quantiles=None)
        out["forecast_seconds"] = time.perf_counter() - t0
        out["forecast"] = fc
        sup_all = R.supplier_performance(po[po["ordered_on"] <= end])
        sigma = R.forecast_error_sigma(weekly_all)
        dem = R.demand_for_policy(fc, sigma, products, sup_all, review_days)
        dem = dem[dem["sku"].isin(set(per["sku"]))]
        pol = R.policy_table(dem, sup_all, service_level, review_days, moq_cases,
                             R.infer_case_packs(po[po["ordered_on"] <= end]))
        last = stock[stock["snapshot_date"] == stock["snapshot_date"].max()]
        cost = products.set_index("sku")["unit_cost_fen"]
        sug = R.suggest_purchases(pol, last, end, cost)
        out["policy"] = pol
        out["suggestions"] = sug
        out["stockout_alerts"] = stockout_alerts(sug)
    else:
        notes.append(("销售历史不足 20 周，不做需求预测和补货建议。",
                      "Less than 20 weeks of sales history: no demand forecast or purchase suggestions."))
    return out
