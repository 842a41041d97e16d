"""Replenishment: safety stock, reorder points, order-up-to quantities, supplier performance,
purchase suggestions, and a day-by-day replay that compares a policy with past ordering.

Units: demand in units per day, lead times in days, money in fen.

Policy (periodic review, order-up-to, lost sales): every ``review_days`` days each SKU's
inventory position (on hand + on order) is compared with its order-up-to level
``S = d (L + R) + SS``; if below the reorder point ``s = d L + SS`` (or whenever below S with
``order_when="below_S"``) the shortfall ``S - position`` is ordered, rounded up to the MOQ and
to whole case packs. ``SS = z sqrt((L + R) sigma_d^2 + d^2 sigma_L^2)`` with z the standard
normal quantile of the cycle service level (Chopra & Meindl, Supply Chain Management,
"safety inventory when demand and lead time are uncertain").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "z_value", "safety_stock", "reorder_point", "order_quantity", "infer_case_packs",
    "supplier_performance", "policy_table", "suggest_purchases", "reconstruct_demand",
    "simulate", "SimulationResult", "compare_policies",
]



# ----------------------------------------------------------------------------------------
# formulas
# ----------------------------------------------------------------------------------------
def z_value(service_level: float) -> float:
    """Standard normal quantile of the cycle service level (0 < level < 1), e.g. 0.95 -> 1.645."""
    from scipy.special import ndtri  # = scipy.stats.norm.ppf, without importing scipy.stats
    if not 0 < service_level < 1:
        raise ValueError(f"z_value: service_level must lie strictly between 0 and 1; got {service_level}")
    return float(ndtri(service_level))


def safety_stock(service_level: float, lead_days, sigma_daily, demand_daily, sigma_lead_days=0.0,
                 review_days=0.0):
    """Safety stock in units: SS = z * sqrt((L + R) * sigma_d^2 + d^2 * sigma_L^2).

    z = ``z_value(service_level)``; L = mean lead time and sigma_L its std (days); R = review
    period (days, 0 for continuous review); d = mean demand and sigma_d its std per day
    (units). Works on scalars or arrays; negative results (none with these inputs) clip to 0.
    """
    z = z_value(service_level)
    L = np.asarray(lead_days, dtype=float) + np.asarray(review_days, dtype=float)
    var = L * np.asarray(sigma_daily, float) ** 2 + np.asarray(demand_daily, float) ** 2 \
        * np.asarray(sigma_lead_days, float) ** 2
    return np.clip(z * np.sqrt(var), 0, None)


def reorder_point(demand_daily, lead_days, safety_units):
    """Reorder point in units: ROP = d * L + SS (demand over the lead time plus safety stock)."""
    return np.asarray(demand_daily, float) * np.asarray(lead_days, float) + np.asarray(safety_units, float)


def order_quantity(position, order_up_to, moq=0, case_pack=1):
    """Units to order: q = S - position if positive, raised to ``moq``, then rounded UP to a
    whole number of ``case_pack`` units; 0 when the position already reaches S.

    >>> order_quantity(130, 200, moq=50, case_pack=12)   # 70 -> 72
    72
    """
    pos, S = np.asarray(position, float), np.asarray(order_up_to, float)
    moq, pack = np.asarray(moq, float), np.maximum(np.asarray(case_pack, float), 1)
    need = np.clip(np.ceil(S - pos - 1e-9), 0, None)
    q = np.where(need > 0, np.maximum(need, moq), 0)
    q = np.ceil(q / pack) * pack
    out = q.astype(np.int64)
    return int(out) if out.ndim == 0 else out


def infer_case_packs(purchase_orders: pd.DataFrame) -> pd.Series:
    """Case pack per SKU = greatest common divisor of its ordered quantities (suppliers ship
    whole cases, so every past order is a multiple of it); 1 when unknown. Index ``sku``."""
    po = purchase_orders[purchase_orders["quantity_ordered"] > 0]
    if not len(po):
        return pd.Series(dtype="int64", name="case_pack")
    g = po.groupby("sku")["quantity_ordered"].apply(lambda s: int(np.gcd.reduce(s.astype(np.int64).to_numpy())))
    return g.clip(lower=1).rename("case_pack")


# ----------------------------------------------------------------------------------------
# suppliers
# ----------------------------------------------------------------------------------------
def supplier_performance(purchase_orders: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """One row per supplier over POs ordered in ``start``..``end`` (inclusive).

    ``purchase_orders``: rows of ``mart_purchase_lines`` (one per PO and SKU), whose
    lead-time measures come from the model layer (``int_purchase_lines``): ``lead_days``
    (received - ordered, received lines only), ``promised_days`` (promised - ordered),
    ``late_days`` (days after the promised day, 0 when on time) and ``is_on_time``.

    lead_days_mean / lead_days_std: mean and sample std of lead_days (days);
    promised_days_mean = mean promised_days; on_time_rate = received lines on time / received
    lines (a line without a promised day is not on time); late_days_mean = mean late_days over
    received lines; fill_rate = units received / units ordered over received lines;
    cost_change_rate = (mean unit cost of the last 90 days of the period / mean unit cost of
    its first 90 days, per SKU, quantity-weighted across SKUs) - 1; open_po_lines = lines not
    yet received.
    """
    po = purchase_orders.copy()
    cols = {"supplier_id", "ordered_on", "received_on", "quantity_ordered", "quantity_received",
            "unit_cost_fen", "sku", "lead_days", "promised_days", "late_days", "is_on_time"}
    missing = cols - set(po.columns)
    if missing:
        raise KeyError(f"supplier_performance: purchase_orders lacks {sorted(missing)}; pass "
                       "rows of mart_purchase_lines (inventory_queries.purchase_lines)")
    for c in ("ordered_on", "promised_on", "received_on"):
        if c in po:
            po[c] = pd.to_datetime(po[c])
    if start is not None:
        po = po[po["ordered_on"] >= pd.Timestamp(start)]
    if end is not None:
        po = po[po["ordered_on"] <= pd.Timestamp(end)]
    if "supplier_name" not in po:
        po["supplier_name"] = po["supplier_id"]
    rows = []
    for sid, g in po.groupby("supplier_id"):
        r = g[g["received_on"].notna()]
        lead = pd.to_numeric(r["lead_days"], errors="coerce")
        late = pd.to_numeric(r["late_days"], errors="coerce")
        on_time = (r["is_on_time"].fillna(False).astype(bool)).mean() if len(r) else np.nan
        first, last = g["ordered_on"].min(), g["ordered_on"].max()
        early = g[g["ordered_on"] < first + pd.Timedelta(days=90)]
        late_g = g[g["ordered_on"] > last - pd.Timedelta(days=90)]
        both = sorted(set(early["sku"]) & set(late_g["sku"]))
        if both and last - first > pd.Timedelta(days=180):
            e = early[early["sku"].isin(both)].groupby("sku")["unit_cost_fen"].mean()
            lt = late_g[late_g["sku"].isin(both)]
            w = lt.groupby("sku")["quantity_ordered"].sum()
            ratio = (lt.groupby("sku")["unit_cost_fen"].mean() / e)
            change = float((ratio * w).sum() / w.sum() - 1) if w.sum() > 0 else np.nan
        else:
            change = np.nan
        rows.append({
            "supplier_id": sid, "supplier_name": g["supplier_name"].iloc[0],
            "count_po_lines": len(g),
            "promised_days_mean": pd.to_numeric(g["promised_days"], errors="coerce").mean(),
            "lead_days_mean": lead.mean() if len(lead) else np.nan,
            "lead_days_std": lead.std(ddof=1) if len(lead) > 1 else np.nan,
            "late_days_mean": late.mean() if len(late) else np.nan,
            "on_time_rate": on_time,
            "fill_rate": r["quantity_received"].sum() / r["quantity_ordered"].sum()
            if r["quantity_ordered"].sum() > 0 else np.nan,
            "cost_change_rate": change,
            "open_po_lines": int(g["received_on"].isna().sum()),
        })
    return pd.DataFrame(rows, columns=["supplier_id", "supplier_name", "count_po_lines",
                                       "promised_days_mean", "lead_days_mean", "lead_days_std",
                                       "late_days_mean", "on_time_rate", "fill_rate",
                                       "cost_change_rate", "open_po_lines"])


# ----------------------------------------------------------------------------------------
# policy and purchase suggestions
# ----------------------------------------------------------------------------------------
def policy_table(demand: pd.DataFrame, suppliers: pd.DataFrame, service_level: float = 0.95,
                 review_days: float = 7, moq_cases: int = 1,
                 case_packs: pd.Series | None = None) -> pd.DataFrame:
    """Reorder point and order-up-to level per SKU.

    ``demand``: one row per SKU with ``sku, supplier_id, demand_daily, sigma_daily``
    (units/day). ``suppliers``: :func:`supplier_performance` (lead_days_mean/std; a supplier
    without received POs uses its promised lead time and a std of 0). Adds ``lead_days``,
    ``lead_days_std``, ``safety_stock_units`` (SS over L + R), ``reorder_point_units`` =
    d L + SS, ``order_up_to_units`` = d (L + R) + SS, ``case_pack``, ``moq_units`` =
    ``moq_cases`` x case pack.
    """
    sup = suppliers.set_index("supplier_id")
    out = demand.copy()
    L = out["supplier_id"].map(sup["lead_days_mean"]).fillna(out["supplier_id"].map(sup["promised_days_mean"]))
    out["lead_days"] = L.fillna(14.0)
    out["lead_days_std"] = out["supplier_id"].map(sup["lead_days_std"]).fillna(0.0)
    ss = safety_stock(service_level, out["lead_days"], out["sigma_daily"], out["demand_daily"],
                      out["lead_days_std"], review_days)
    out["safety_stock_units"] = ss
    out["reorder_point_units"] = reorder_point(out["demand_daily"], out["lead_days"], ss)
    out["order_up_to_units"] = out["demand_daily"] * (out["lead_days"] + review_days) + ss
    cp = case_packs if case_packs is not None else pd.Series(dtype="int64")
    out["case_pack"] = out["sku"].map(cp).fillna(1).astype("int64")
    out["moq_units"] = out["case_pack"] * int(moq_cases)
    return out


def suggest_purchases(policy: pd.DataFrame, position: pd.DataFrame, as_of,
                      unit_cost_fen: pd.Series, order_when: str = "below_rop") -> pd.DataFrame:
    """The purchase suggestion table as of ``as_of``.

    ``position``: one row per SKU with ``on_hand_units`` and ``in_transit_units``. Position
    = on hand + in transit. A SKU is ordered when position <= reorder point
    (``order_when="below_rop"``) or < order-up-to (``"below_S"``); quantity by
    :func:`order_quantity`. days_to_stockout = on hand / demand_daily (inf with no demand);
    stockout_date = as_of + floor(days_to_stockout); days_of_cover = position / demand_daily
    (what on hand and in transit together last). order_cost_fen = units x unit cost.
    Sorted by stock-out date. Columns: sku, supplier_id, on_hand_units, in_transit_units,
    position_units, reorder_point_units, order_up_to_units, order_units, order_cost_fen,
    days_to_stockout, stockout_date, lead_days.
    """
    p = policy.merge(position[["sku", "on_hand_units", "in_transit_units"]], on="sku", how="left")
    p[["on_hand_units", "in_transit_units"]] = p[["on_hand_units", "in_transit_units"]].fillna(0)
    p["position_units"] = p["on_hand_units"] + p["in_transit_units"]
    trigger = (p["position_units"] <= p["reorder_point_units"]) if order_when == "below_rop" \
        else (p["position_units"] < p["order_up_to_units"])
    trigger &= p["demand_daily"] > 0
    q = order_quantity(p["position_units"], p["order_up_to_units"], p["moq_units"], p["case_pack"])
    p["order_units"] = np.where(trigger, q, 0).astype("int64")
    p["order_cost_fen"] = (p["order_units"] * p["sku"].map(unit_cost_fen).fillna(0)).round().astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(p["demand_daily"] > 0, p["on_hand_units"].clip(lower=0) / p["demand_daily"], np.inf)
    p["days_to_stockout"] = days
    with np.errstate(divide="ignore", invalid="ignore"):
        p["days_of_cover"] = np.where(p["demand_daily"] > 0,
                                      p["position_units"].clip(lower=0) / p["demand_daily"], np.inf)
    as_of = pd.Timestamp(as_of).normalize()
    p["stockout_date"] = [as_of + pd.Timedelta(days=int(np.floor(x))) if np.isfinite(x) and x < 3650
                          else pd.NaT for x in days]
    cols = ["sku", "supplier_id", "on_hand_units", "in_transit_units", "position_units",
            "reorder_point_units", "order_up_to_units", "order_units", "order_cost_fen",
            "days_to_stockout", "days_of_cover", "stockout_date", "lead_days"]
    return p[cols].sort_values(["stockout_date", "sku"], na_position="last").reset_index(drop=True)


# ----------------------------------------------------------------------------------------
# replay
# ----------------------------------------------------------------------------------------
def reconstruct_demand(sales: np.ndarray, on_hand: np.ndarray, window: int = 28) -> np.ndarray:
    """Estimated demand per day and SKU (days x skus) from units sold and end-of-day stock.

    Sales on a day that ended with no stock (on_hand <= 0) are censored: demand there =
    max(sold, mean units sold per in-stock day (on_hand > 0) within +-``window`` days of it)
    (0 if the SKU had no in-stock day in the window). Other days, and days without a
    snapshot (NaN), are neither: demand = units sold, and they do not feed the mean.
    """
    sales = np.asarray(sales, float)
    oh = np.asarray(on_hand, float)
    out_ = oh <= 0          # NaN (no snapshot that day) is neither in nor out of stock
    ok = oh > 0
    n = sales.shape[0]
    cs = np.vstack([np.zeros((1, sales.shape[1])), np.cumsum(np.where(ok, sales, 0), axis=0)])
    cn = np.vstack([np.zeros((1, sales.shape[1])), np.cumsum(ok, axis=0)])
    lo = np.clip(np.arange(n) - window, 0, n)
    hi = np.clip(np.arange(n) + window + 1, 0, n)
    s_sum, n_sum = cs[hi] - cs[lo], cn[hi] - cn[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n_sum > 0, s_sum / n_sum, 0.0)
    return np.where(out_, np.maximum(sales, rate), sales)


@dataclass
class SimulationResult:
    """Daily end-of-day stock (days x skus), lost units, orders placed."""

    on_hand: np.ndarray
    lost: np.ndarray
    orders: pd.DataFrame

    def summary(self, unit_cost_fen: np.ndarray, active: np.ndarray, demand: np.ndarray) -> dict:
        """stockout_days = SKU-days ending with on_hand <= 0 while the SKU is active;
        avg_stock_value_fen = mean over days of sum(max(on_hand, 0) x unit cost);
        lost_units; fill_demand_rate = 1 - lost / demand."""
        oh = self.on_hand
        so = ((oh <= 0) & active).sum()
        return {"stockout_days": int(so),
                "stockout_day_rate": float(so / active.sum()) if active.sum() else np.nan,
                "lost_units": float((self.lost * active).sum()),
                "fill_demand_rate": float(1 - (self.lost * active).sum() / (demand * active).sum())
                if (demand * active).sum() > 0 else np.nan,
                "avg_stock_value_fen": float((np.clip(oh, 0, None) * unit_cost_fen).sum(axis=1).mean()),
                "count_orders_placed": int(len(self.orders))}


def simulate(demand: np.ndarray, start_on_hand: np.ndarray, arrivals: np.ndarray,
             policy=None, lead_sampler=None, scheduled: np.ndarray | None = None) -> SimulationResult:
    """Replay days 0..n-1 for S SKUs, lost sales.

    Each day: the morning's arrivals (``arrivals[d]``, received units) go on hand, the day's
    demand takes what is there (the rest is lost), then ``policy(d, on_hand, on_order)``
    may return order quantities per SKU (array, 0 = none); each order's
    ``lead_sampler(d, sku_index) -> (lead_days, fill_ratio)`` says when and how much of it
    arrives. ``on_order`` counts ordered units not yet arrived: the policy's own orders plus
    ``scheduled`` (days x skus: receipts of purchase orders already placed; default
    ``arrivals``) still to come.
    """
    n, S = demand.shape
    arr = np.zeros((n + 400, S))
    arr[:n] = arrivals
    sched = arrivals if scheduled is None else scheduled
    ordered_open = sched[::-1].cumsum(axis=0)[::-1]   # future scheduled receipts from day d on
    on_hand = np.asarray(start_on_hand, float).copy()
    own_pipeline = np.zeros((n + 400, S))
    snap = np.zeros((n, S))
    lost = np.zeros((n, S))
    orders = []
    for d in range(n):
        on_hand += arr[d]
        sold = np.minimum(np.clip(on_hand, 0, None), demand[d])
        lost[d] = demand[d] - sold
        on_hand -= sold
        snap[d] = on_hand
        if policy is not None:
            on_order = own_pipeline[d + 1:].sum(axis=0) + (ordered_open[d + 1] if d + 1 < n else 0)
            q = policy(d, on_hand.copy(), on_order)
            for s in np.flatnonzero(q > 0):
                lead, fill = lead_sampler(d, s)
                when = d + max(1, int(lead))
                got = np.floor(q[s] * fill)
                arr[when, s] += got
                own_pipeline[when, s] += got
                orders.append((d, s, int(q[s]), int(got), when))
    return SimulationResult(snap, lost, pd.DataFrame(orders, columns=["day", "sku_index", "quantity_ordered",
                                                                      "quantity_received", "arrival_day"]))


def compare_policies(results: dict[str, dict]) -> pd.DataFrame:
    """One row per arm from :meth:`SimulationResult.summary` dicts (``{arm: summary}``)."""
    return pd.DataFrame([{"arm": k, **v} for k, v in results.items()])


def replay_year(sales_daily: pd.DataFrame, snapshots: pd.DataFrame, purchase_orders: pd.DataFrame,
                products: pd.DataFrame, forecasts: pd.DataFrame, start, end,
                service_level: float = 0.95, review_days: int = 7, moq_cases: int = 1,
                min_history_weeks: int = 12, seed: int = 0,
                case_packs: pd.Series | None = None) -> dict:
    """Replay ``start``..``end`` day by day with the demo's own ordering and with the
    suggested policy, on the same estimated demand. Returns ``{"table", "skus", "excluded",
    "daily"}``.

    * Demand: units sold per day (``sales_daily``: sales_date, sku, units) with censored
      stock-out days filled by :func:`reconstruct_demand` from ``snapshots``
      (snapshot_date, sku, on_hand_units).
    * Both arms start from the actual stock at the end of the day before ``start`` and
      receive the POs ordered before ``start`` as they actually arrived.
    * Own ordering (``demo_replay``): every PO ordered in the window arrives on its
      ``received_on`` with ``quantity_received``. ``demo_actual`` is read straight from the
      snapshots (stock-out days and stock value as they happened).
    * Suggested policy: each ``review_days`` (Mondays) the order-up-to rule of
      :func:`policy_table` with the demand forecast available on that day (the latest
      backtest origin whose week ended before it: ``forecasts`` has origin, week_start, sku,
      combined in units/week), sigma_daily = RMSE of a 13-week-mean one-step forecast over the
      26 weeks before ``start``, divided by sqrt(7); supplier lead mean/std from POs
      received before ``start``. Each order's lead time and fill ratio are drawn (seeded)
      from the same supplier's actual POs ordered in the window, so both arms face the
      same supplier behaviour.
    * Other stock movements (units returned by buyers, sales dated by payment but taken from
      stock on the order day) are inferred from the snapshots: other(d) = on_hand(d) -
      on_hand(d-1) - received(d) + sold(d), and applied on their day in every arm, so that
      replaying the own POs on the units sold reproduces the snapshots.
    * SKUs compared: those with ``min_history_weeks`` of sales before ``start`` and a
      snapshot on the day before it (the others are listed in ``excluded``).
    * Case packs: ``case_packs`` (units per case, index sku; the report's parameter) when
      given, else :func:`infer_case_packs` of the POs ordered before ``start``.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    days = pd.date_range(start, end, freq="D")
    n = len(days)
    snaps = snapshots.copy()
    snaps["snapshot_date"] = pd.to_datetime(snaps["snapshot_date"])
    sales = sales_daily.copy()
    sales["sales_date"] = pd.to_datetime(sales["sales_date"])
    po = purchase_orders.copy()
    for c in ("ordered_on", "promised_on", "received_on"):
        po[c] = pd.to_datetime(po[c])
    day0 = start - pd.Timedelta(days=1)
    init = snaps[snaps["snapshot_date"] == day0].set_index("sku")["on_hand_units"]
    hist = sales[(sales["sales_date"] < start)]
    first_sale = hist.groupby("sku")["sales_date"].min()
    eligible = first_sale[first_sale <= start - pd.Timedelta(weeks=min_history_weeks)].index
    skus = np.array(sorted(set(eligible) & set(init.index) & set(products["sku"])))
    all_skus = set(products["sku"])
    excluded = sorted(all_skus - set(skus))
    S = len(skus)
    if S == 0 or n == 0:
        return {"table": pd.DataFrame(), "skus": skus, "excluded": excluded, "daily": pd.DataFrame()}
    idx = {s: i for i, s in enumerate(skus)}
    cost = products.set_index("sku")["unit_cost_fen"].reindex(skus).to_numpy(float)
    supplier = products.set_index("sku")["supplier_id"].reindex(skus).to_numpy()

    def matrix(frame, date_col, val_col, lo, hi):
        f = frame[(frame[date_col] >= lo) & (frame[date_col] <= hi) & frame["sku"].isin(idx)]
        m = np.zeros(((hi - lo).days + 1, S))
        np.add.at(m, ((f[date_col] - lo).dt.days.to_numpy(), f["sku"].map(idx).to_numpy()),
                  f[val_col].to_numpy(float))
        return m

    sold = matrix(sales, "sales_date", "units", start, end)
    snap_oh = np.full((n, S), np.nan)
    sn = snaps[(snaps["snapshot_date"] >= start) & (snaps["snapshot_date"] <= end) & snaps["sku"].isin(idx)]
    snap_oh[(sn["snapshot_date"] - start).dt.days.to_numpy(), sn["sku"].map(idx).to_numpy()] = sn["on_hand_units"]
    snap_oh = np.nan_to_num(snap_oh, nan=0.0)
    demand = reconstruct_demand(sold, snap_oh)
    launched = pd.to_datetime(products.set_index("sku")["launched_on"].reindex(skus))
    active = (days.to_numpy()[:, None] >= launched.fillna(start).to_numpy()[None, :])

    rec = po[po["sku"].isin(idx) & po["received_on"].notna() & (po["received_on"] >= start)
             & (po["received_on"] <= end)]
    before = rec[rec["ordered_on"] < start]
    arr_before = matrix(before, "received_on", "quantity_received", start, end)
    arr_all = matrix(rec, "received_on", "quantity_received", start, end)
    start_oh = init.reindex(skus).fillna(0).to_numpy(float)
    prev = np.vstack([start_oh[None, :], snap_oh[:-1]])
    other = snap_oh - prev - arr_all + sold
    po_before = arr_before
    arr_all, arr_before = arr_all + other, arr_before + other

    own = simulate(demand, start_oh, arr_all)

    # policy inputs known at start
    sup = supplier_performance(po[po["ordered_on"] < start])
    wk = hist.assign(week=hist["sales_date"] - pd.to_timedelta(hist["sales_date"].dt.day_of_week, "D"))
    weekly = wk.groupby(["sku", "week"])["units"].sum().unstack(fill_value=0)
    weeks = pd.date_range(start - pd.Timedelta(weeks=39) - pd.Timedelta(days=start.day_of_week),
                          periods=39, freq="7D")
    weekly = weekly.reindex(index=skus, columns=weeks, fill_value=0).to_numpy(float)
    err = [weekly[:, t] - weekly[:, t - 13:t].mean(axis=1) for t in range(13, 39)]
    sigma_daily = np.sqrt(np.mean(np.square(err), axis=0)) / np.sqrt(7)
    packs = (case_packs if case_packs is not None else infer_case_packs(
        po[po["ordered_on"] < start])).reindex(skus).fillna(1).to_numpy()
    lead = sup.set_index("supplier_id")
    L = pd.Series(supplier).map(lead["lead_days_mean"]).fillna(14).to_numpy(float)
    sL = pd.Series(supplier).map(lead["lead_days_std"]).fillna(0).to_numpy(float)

    # forecasts available per day: latest origin with origin week ended before the day
    fc = forecasts[forecasts["sku"].isin(idx)].copy()
    fc["origin"] = pd.to_datetime(fc["origin"])
    fc["week_start"] = pd.to_datetime(fc["week_start"])
    origins = pd.DatetimeIndex(sorted(fc["origin"].unique()))
    by_origin = {}
    for o, g in fc.groupby("origin"):
        piv = g.pivot_table(index="week_start", columns="sku", values="combined", aggfunc="sum")
        by_origin[pd.Timestamp(o)] = piv.reindex(columns=skus).fillna(0.0)
    z_days = L + review_days
    weeks_needed = [int(np.ceil(z / 7)) or 1 for z in z_days]  # weeks covering L + R, per SKU

    # realised lead times / fills for our orders: the supplier's actual POs in the window
    window_po = po[(po["ordered_on"] >= start) & (po["ordered_on"] <= end) & po["received_on"].notna()]
    draws = {sid: (g["lead_days"].to_numpy(),
                   (g["quantity_received"] / g["quantity_ordered"].clip(lower=1)).to_numpy())
             for sid, g in window_po.groupby("supplier_id")}
    rng = np.random.default_rng(seed)

    def lead_sampler(d, s):
        sid = supplier[s]
        if sid in draws and len(draws[sid][0]):
            k = rng.integers(len(draws[sid][0]))
            return draws[sid][0][k], draws[sid][1][k]
        return L[s], 1.0

    def policy(d, on_hand, on_order):
        today = days[d]
        if today.day_of_week != 0 and d != 0:
            return np.zeros(S)
        avail = origins[origins + pd.Timedelta(days=7) <= today]
        if not len(avail):
            return np.zeros(S)
        table = by_origin[pd.Timestamp(avail[-1])]
        ahead = table[table.index >= today - pd.Timedelta(days=6)]
        if not len(ahead):
            ahead = table.tail(1)
        # mean weekly forecast over the weeks covering L + R (flat beyond the last horizon)
        dd = np.zeros(S)
        table_np = ahead.to_numpy()
        for j, k in enumerate(weeks_needed):
            vals = table_np[:k, j]
            dd[j] = vals.mean() / 7 if len(vals) else 0.0
        ss = safety_stock(service_level, L, sigma_daily, dd, sL, review_days)
        S_level = dd * (L + review_days) + ss
        rop = dd * L + ss
        pos = on_hand + on_order
        q = order_quantity(pos, S_level, packs * moq_cases, packs)
        return np.where((pos <= rop) & (dd > 0), q, 0)

    ours = simulate(demand, start_oh, arr_before, policy, lead_sampler, scheduled=po_before)
    actual_oh = snap_oh
    summaries = {
        "demo_actual": {
            "stockout_days": int(((actual_oh <= 0) & active).sum()),
            "stockout_day_rate": float(((actual_oh <= 0) & active).sum() / active.sum()),
            "lost_units": float(((demand - sold) * active).sum()),
            "fill_demand_rate": float(1 - ((demand - sold) * active).sum() / (demand * active).sum()),
            "avg_stock_value_fen": float((np.clip(actual_oh, 0, None) * cost).sum(axis=1).mean()),
            "count_orders_placed": int(len(po[(po["ordered_on"] >= start) & (po["ordered_on"] <= end)
                                              & po["sku"].isin(idx)])),
        },
        "demo_replay": own.summary(cost, active, demand),
        "suggested": ours.summary(cost, active, demand),
    }
    daily = pd.DataFrame({
        "date": np.tile(days, 3),
        "arm": np.repeat(["demo_actual", "demo_replay", "suggested"], n),
        "stock_value_fen": np.concatenate([(np.clip(m, 0, None) * cost).sum(axis=1)
                                           for m in (actual_oh, own.on_hand, ours.on_hand)]),
        "count_skus_out": np.concatenate([((m <= 0) & active).sum(axis=1)
                                          for m in (actual_oh, own.on_hand, ours.on_hand)]),
    })
    summaries["demo_replay"]["count_orders_placed"] = summaries["demo_actual"]["count_orders_placed"]
    return {"table": compare_policies(summaries), "skus": skus, "excluded": excluded, "daily": daily}


def forecast_error_sigma(panel: pd.DataFrame, as_of_week=None, weeks: int = 26, window: int = 13) -> pd.Series:
    """Per SKU: daily demand std for safety stock = RMSE of a ``window``-week-mean one-step
    forecast over the last ``weeks`` weeks of ``panel`` up to ``as_of_week`` (sku,
    week_start, units), divided by sqrt(7) (weekly -> daily, independent days). Index sku."""
    p = panel if as_of_week is None else panel[panel["week_start"] <= pd.Timestamp(as_of_week)]
    y = p.pivot_table(index="sku", columns="week_start", values="units", aggfunc="sum").fillna(0)
    Y = y.to_numpy(float)
    W = Y.shape[1]
    errs = [Y[:, t] - Y[:, t - window:t].mean(axis=1) for t in range(max(window, W - weeks), W)]
    if not errs:
        return pd.Series(0.0, index=y.index)
    return pd.Series(np.sqrt(np.mean(np.square(errs), axis=0)) / np.sqrt(7), index=y.index)


def demand_for_policy(forecast: pd.DataFrame, sigma_daily: pd.Series, products: pd.DataFrame,
                      suppliers: pd.DataFrame, review_days: float = 7) -> pd.DataFrame:
    """Policy demand per SKU from a forward forecast (``forecast_ahead`` output: sku, h,
    forecast_units per week): demand_daily = mean weekly forecast over the first
    ceil((L + R) / 7) weeks / 7, with L the supplier's mean lead time (days). Columns
    ``sku, supplier_id, demand_daily, sigma_daily``."""
    sup = suppliers.set_index("supplier_id")
    prod = products.set_index("sku")
    rows = []
    for sku, g in forecast.sort_values("h").groupby("sku"):
        sid = prod["supplier_id"].get(sku)
        L = sup["lead_days_mean"].get(sid, np.nan) if sid is not None else np.nan
        L = 14.0 if pd.isna(L) else float(L)
        k = max(1, int(np.ceil((L + review_days) / 7)))
        rows.append({"sku": sku, "supplier_id": sid,
                     "demand_daily": float(g["forecast_units"].iloc[:k].mean()) / 7,
                     "sigma_daily": float(sigma_daily.get(sku, 0.0))})
    return pd.DataFrame(rows, columns=["sku", "supplier_id", "demand_daily", "sigma_daily"])
