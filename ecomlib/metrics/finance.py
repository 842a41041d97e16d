"""Finance: the profit ladder, estimated costs, targets and commission (notebooks/finance.ipynb).

Pure frame-to-frame functions. Their input rows come from the model layer through
:mod:`ecomlib.metrics.finance_queries`: ``mart_sku_day_pnl`` gives each SKU-day its sales
(the rules of ``int_order_lines``: sales day, paid lines, refunds of the same orders, cost
of the units kept) and its share of the shop's booked costs (the allocation rule is the
mart's); nothing here re-derives a sales rule or spreads a cost. Units everywhere: money in
CNY fen (``*_fen``, integers), counts as integers, ratios 0..1 (``*_rate``, NaN when the
denominator is 0). The cash forecast, the courier bill, pricing and the stock
reconciliation are their own modules (``finance_cash``, ``finance_courier``,
``finance_pricing``, ``finance_stock``).

The profit ladder (metric catalogue, DESIGN.md):

* GMV (拍下金额) = due on every line placed, paid or not; paid amount (实付) = paid lines;
* refunds = completed refunds of those same paid lines, booked on their order's sales day;
* net sales = paid - refunds;
* cost of goods = unit cost x units kept (sold - returned; returned units are restocked);
* gross profit = net sales - cost of goods; gross margin = gross profit / net sales;
* contribution = gross profit - platform fees - streamer commission - logistics - packaging -
  ad spend - other shop costs; contribution margin = contribution / net sales;
* operating profit = contribution - company-wide overhead (rent, salary: platform ``ALL``).

Costs are the warehouse's (``other_costs``, ``ad_spend``) where a shop booked that kind, and
estimates from configured rates where it booked none (:func:`estimate_costs`); the estimates
are counted apart (``estimated_costs_fen``) so they are never mistaken for booked costs.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from . import rows as mrows
from ._common import check_columns, ratio as _rate

__all__ = [
    "COST_KINDS", "COST_COLUMNS", "SALES_COLUMNS", "AMOUNT_COLUMNS", "PNL_COLUMNS",
    "DERIVED", "UNALLOCATED", "UNKNOWN_CATEGORY", "ESTIMATED_KINDS", "kinds_to_estimate",
    "estimate_costs", "add_estimates", "pnl", "finish", "regroup", "by_sku", "overhead",
    "income_statement", "changes", "profit_structure", "cost_structure", "attainment",
    "period_targets", "commission",
]

#: shop-level cost kinds shown as their own P&L columns (others go to other_costs_fen)
COST_KINDS = ("platform_fee", "streamer_commission", "logistics", "packaging", "ad_spend")
#: the cost columns of mart_sku_day_pnl, in P&L order
COST_COLUMNS = [f"{k}_fen" for k in COST_KINDS] + ["other_costs_fen"]
#: the sales columns of mart_sku_day_pnl (int_order_lines' measures)
SALES_COLUMNS = ["gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units", "units_returned",
                 "units_without_cost"]
#: every additive column of a P&L row
AMOUNT_COLUMNS = SALES_COLUMNS + COST_COLUMNS
PNL_COLUMNS = [
    "gmv_fen", "paid_fen", "refund_fen", "net_sales_fen", "cogs_fen", "gross_profit_fen",
    "platform_fee_fen", "streamer_commission_fen", "logistics_fen", "packaging_fen",
    "ad_spend_fen", "other_costs_fen", "contribution_fen", "units", "units_returned",
    "units_without_cost", "refund_rate", "gross_margin_rate", "contribution_rate",
]
#: the catalogue metrics a P&L table derives from its sums (ratios of sums, never of ratios)
DERIVED = ["net_sales_fen", "gross_profit_fen", "contribution_fen", "refund_rate",
           "gross_margin_rate", "contribution_rate"]
#: the SKU of the row that holds a shop-day's costs no SKU carries (mart_sku_day_pnl)
UNALLOCATED = "(unallocated)"
#: the category of SKUs missing from products
UNKNOWN_CATEGORY = "unknown"
#: kinds a shop without booked rows gets estimated: (rate setting, measure it multiplies)
ESTIMATED_KINDS = {"platform_fee": ("fee_rates", "net_sales"),
                   "logistics": ("per_unit_fen", "units"),
                   "packaging": ("per_unit_fen", "units")}
_PERIODS = {"date": "day", "week": "week_start", "month": "month_start"}


def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"finance.{fn}")


# -- estimated costs -----------------------------------------------------------------------------
def kinds_to_estimate(shops: pd.DataFrame, booked: pd.DataFrame, settings: dict
                      ) -> pd.DataFrame:
    """Which shop gets which cost estimated: every (platform, shop_id) of ``shops`` and every
    kind of :data:`ESTIMATED_KINDS` with a configured rate (``fee_rates[platform]`` for
    platform fees, ``per_unit_fen[kind]`` for logistics and packaging) for which ``booked``
    (platform, shop_id, kind rows: what the shop booked over the report's window) has no row.
    Returns platform, shop_id, kind, rate (sorted)."""
    _check(shops, ["platform", "shop_id"], "kinds_to_estimate")
    _check(booked, ["platform", "shop_id", "kind"], "kinds_to_estimate")
    have = set(zip(booked.platform, booked.shop_id, booked.kind))
    fees = settings.get("fee_rates") or {}
    per_unit = settings.get("per_unit_fen") or {}
    out = []
    for plat, shop in sorted(set(zip(shops.platform, shops.shop_id))):
        if (plat, shop, "platform_fee") not in have and plat in fees:
            out.append((plat, shop, "platform_fee", float(fees[plat])))
        for kind in ("logistics", "packaging"):
            if (plat, shop, kind) not in have and kind in per_unit:
                out.append((plat, shop, kind, float(per_unit[kind])))
    return pd.DataFrame(out, columns=["platform", "shop_id", "kind", "rate"])


def estimate_costs(sku_days: pd.DataFrame, todo: pd.DataFrame) -> pd.DataFrame:
    """Estimated costs per SKU-day, for the shops and kinds of ``todo``
    (:func:`kinds_to_estimate`).

    platform_fee_fen = round(rate x (paid - refund)) and logistics_fen / packaging_fen =
    round(rate x units) of each SKU-day row (fen, half up): an estimate is worked out where
    its measure is, so it needs no spreading and the shop's estimate is the sum of its SKUs'.
    Returns the key columns of ``sku_days`` (sales_date, platform, shop_id, sku, category),
    the three cost columns and ``estimated_costs_fen`` (their sum), one row per input row of
    a shop in ``todo``."""
    keys = ["sales_date", "platform", "shop_id", "sku", "category"]
    cols = ["platform_fee_fen", "logistics_fen", "packaging_fen"]
    _check(sku_days, keys + ["paid_fen", "refund_fen", "units"], "estimate_costs")
    if not len(todo) or not len(sku_days):
        return pd.DataFrame({**{k: sku_days[k].iloc[:0] for k in keys},
                             **{c: pd.Series(dtype="int64") for c in cols + ["estimated_costs_fen"]}})
    shops = todo[["platform", "shop_id"]].drop_duplicates()
    d = sku_days.merge(shops, on=["platform", "shop_id"], how="inner")
    out = d[keys].copy()
    for kind, col in zip(("platform_fee", "logistics", "packaging"), cols):
        rate = todo[todo.kind == kind][["platform", "shop_id", "rate"]]
        r = d[["platform", "shop_id"]].merge(rate, on=["platform", "shop_id"], how="left")["rate"]
        base = (d["paid_fen"] - d["refund_fen"]) if kind == "platform_fee" else d["units"]
        amount = np.floor(r.to_numpy(dtype="float64") * base.to_numpy(dtype="float64") + 0.5)
        out[col] = np.nan_to_num(amount, nan=0.0).astype("int64")
    out["estimated_costs_fen"] = out[cols].sum(axis=1).astype("int64")
    return out.reset_index(drop=True)


def add_estimates(frame: pd.DataFrame, estimates: pd.DataFrame, by: Sequence[str]
                  ) -> pd.DataFrame:
    """``frame`` (P&L rows keyed by ``by``) with :func:`estimate_costs` rows summed per ``by``
    and added to its cost columns, and ``estimated_costs_fen`` (0 where nothing was
    estimated). Keys of estimates missing from ``frame`` are added as rows (they cannot be:
    estimates sit on sales rows)."""
    by = list(by)
    cols = ["platform_fee_fen", "logistics_fen", "packaging_fen", "estimated_costs_fen"]
    out = frame.copy()
    if "estimated_costs_fen" not in out:
        out["estimated_costs_fen"] = 0
    if not len(estimates):
        out["estimated_costs_fen"] = out["estimated_costs_fen"].astype("int64")
        return out
    est = estimates.groupby(by, as_index=False, dropna=False)[cols].sum()
    m = out.merge(est, on=by, how="outer", suffixes=("", "_est"), indicator=True)
    for c in cols:
        m[c] = (m[c].fillna(0) + m[f"{c}_est"].fillna(0)).astype("int64")
    for c in AMOUNT_COLUMNS:
        if c in m:
            m[c] = m[c].fillna(0).astype("int64")
    return m.drop(columns=[f"{c}_est" for c in cols] + ["_merge"]).sort_values(
        by, ignore_index=True)


# -- the P&L -------------------------------------------------------------------------------------
def finish(sums: pd.DataFrame) -> pd.DataFrame:
    """Rows of summed amounts (:data:`AMOUNT_COLUMNS`) with the catalogue's derived metrics
    (:data:`DERIVED`: net sales = paid - refunds, gross profit = net sales - cost of goods,
    contribution = gross profit - every shop cost; refund_rate = refunds / paid,
    gross_margin_rate = gross profit / net sales, contribution_rate = contribution / net
    sales) computed on each row: ratios of the row's sums. Amounts as int64 (missing: 0)."""
    df = sums.copy()
    for c in AMOUNT_COLUMNS:
        df[c] = df[c].fillna(0).astype("int64") if c in df else 0
        df[c] = df[c].astype("int64")
    return mrows.add(df, DERIVED)


def pnl(rows: pd.DataFrame, by: Sequence[str] = (), period: str | None = None,
        calendar: pd.DataFrame | None = None) -> pd.DataFrame:
    """The profit ladder (module docstring) per ``by`` (platform, shop_id, ...) and, with
    ``period`` (``date``, ``week`` = the calendar's week from Monday, ``month``), per period.

    ``rows``: P&L rows with ``sales_date`` (shop-days or SKU-days of mart_sku_day_pnl, with
    any estimates added) whose amounts are summed. With ``period``, ``calendar`` holds the
    report's days (dim_calendar: ``day``, ``week_start``, ``month_start``); every period of
    those days is present for every ``by`` group found in ``rows`` (sums 0, ratios NaN), and
    rows on days outside it are left out. Without ``by`` and ``period``: one row. Returns
    [period,] ``by`` and :data:`PNL_COLUMNS`, sorted by them.
    """
    by = list(by)
    _check(rows, ["sales_date", *by, *AMOUNT_COLUMNS], "pnl")
    if period is None:
        if by:
            out = mrows.sums(rows, by, AMOUNT_COLUMNS)
        else:
            out = pd.DataFrame([{c: int(rows[c].sum()) for c in AMOUNT_COLUMNS}])
        return finish(out)[by + PNL_COLUMNS]
    if period not in _PERIODS or calendar is None:
        raise ValueError(f"finance.pnl: period must be one of {', '.join(_PERIODS)} with a "
                         f"calendar (the report's days); got {period!r}")
    cal_col = _PERIODS[period]
    _check(calendar, ["day", cal_col], "pnl")
    cal = pd.DataFrame({"sales_date": pd.to_datetime(calendar["day"]),
                        period: pd.to_datetime(calendar[cal_col])})
    d = rows.assign(sales_date=pd.to_datetime(rows["sales_date"])).merge(cal, on="sales_date")
    out = mrows.sums(d, [period, *by], AMOUNT_COLUMNS)
    periods = pd.DataFrame({period: pd.to_datetime(sorted(cal[period].unique()))})
    spine = (periods if not by else
             out[by].drop_duplicates().merge(periods, how="cross")[[period, *by]])
    out = spine.merge(out, on=[period, *by], how="left")
    return finish(out).sort_values([period, *by], ignore_index=True)[[period, *by] + PNL_COLUMNS]


def regroup(pnl_by: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """A finer :func:`pnl` table summed to a coarser ``by`` (e.g. by SKU -> by category):
    amounts summed, the derived metrics recomputed from the sums, sorted by ``by``."""
    by = list(by)
    out = mrows.sums(pnl_by, by, AMOUNT_COLUMNS)
    return finish(out).sort_values(by, ignore_index=True)[by + PNL_COLUMNS]


def by_sku(skus: pd.DataFrame) -> pd.DataFrame:
    """The P&L per SKU and category from per-SKU sums (query ``finance/skus``, estimates
    added): a SKU missing from products has category :data:`UNKNOWN_CATEGORY`; the
    ``(unallocated)`` row holds the costs of shop-days no SKU carried. Sorted by SKU."""
    _check(skus, ["sku", "category", *AMOUNT_COLUMNS], "by_sku")
    d = skus.assign(category=skus["category"].fillna(UNKNOWN_CATEGORY))
    return regroup(d, ["sku", "category"])


def overhead(costs: pd.DataFrame) -> pd.DataFrame:
    """Company-wide costs (query ``finance/overhead``: cost_date, kind, amount_fen) per kind:
    one row per kind with ``amount_fen``, largest first."""
    if not len(costs):
        return pd.DataFrame({"kind": pd.Series(dtype=object), "amount_fen": pd.Series(dtype="int64")})
    _check(costs, ["kind", "amount_fen"], "overhead")
    out = costs.groupby("kind", as_index=False)["amount_fen"].sum()
    out["amount_fen"] = out["amount_fen"].astype("int64")
    return out.sort_values("amount_fen", ascending=False, ignore_index=True)


def income_statement(total: pd.DataFrame | pd.Series, overhead_df: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """The period's P&L as a statement: one row per line (GMV ... operating profit) with
    ``amount_fen`` and ``of_net_sales_rate`` = amount / net sales. ``total`` is the one-row
    output of :func:`pnl` with no ``by``; costs are shown as negative amounts; operating
    profit = contribution - overhead."""
    t = total.iloc[0] if isinstance(total, pd.DataFrame) else total
    oh = int(overhead_df["amount_fen"].sum()) if overhead_df is not None and len(overhead_df) else 0
    lines = [("gmv_fen", t.gmv_fen), ("paid_fen", t.paid_fen), ("refund_fen", -t.refund_fen),
             ("net_sales_fen", t.net_sales_fen), ("cogs_fen", -t.cogs_fen),
             ("gross_profit_fen", t.gross_profit_fen),
             ("platform_fee_fen", -t.platform_fee_fen),
             ("streamer_commission_fen", -t.streamer_commission_fen),
             ("logistics_fen", -t.logistics_fen), ("packaging_fen", -t.packaging_fen),
             ("ad_spend_fen", -t.ad_spend_fen), ("other_costs_fen", -t.other_costs_fen),
             ("contribution_fen", t.contribution_fen), ("overhead_fen", -oh),
             ("operating_profit_fen", t.contribution_fen - oh)]
    out = pd.DataFrame(lines, columns=["line", "amount_fen"])
    out["amount_fen"] = out["amount_fen"].astype("int64")
    ns = float(t.net_sales_fen)
    out["of_net_sales_rate"] = out["amount_fen"] / ns if ns else np.nan
    out.loc[out.line.isin(["gmv_fen", "paid_fen"]), "of_net_sales_rate"] = np.nan
    return out


def changes(monthly: pd.DataFrame, value: str = "net_sales_fen", by: str | None = None
            ) -> pd.DataFrame:
    """Month-over-month and year-over-year change of ``value``.

    ``monthly`` is :func:`pnl` with ``period="month"`` (a month spine). Per month (and
    ``by``): ``prev_month_fen``, ``last_year_fen`` (NaN if that month is not in the frame),
    mom_rate = (value - previous month) / |previous month|, yoy_rate likewise against the
    same month a year earlier (NaN when the base is 0 or missing).
    """
    _check(monthly, ["month", value] + ([by] if by else []), "changes")
    m = monthly[["month", value] + ([by] if by else [])].copy()
    key = ["month"] + ([by] if by else [])
    prev = m.assign(month=m.month + pd.DateOffset(months=1)).rename(columns={value: "prev_month_fen"})
    ly = m.assign(month=m.month + pd.DateOffset(years=1)).rename(columns={value: "last_year_fen"})
    out = m.merge(prev, on=key, how="left").merge(ly, on=key, how="left")
    out["mom_rate"] = (out[value] - out.prev_month_fen) / out.prev_month_fen.abs().where(out.prev_month_fen != 0)
    out["yoy_rate"] = (out[value] - out.last_year_fen) / out.last_year_fen.abs().where(out.last_year_fen != 0)
    return out.sort_values(key, ignore_index=True)


def profit_structure(pnl_by: pd.DataFrame, key: str, value: str = "contribution_fen"
                     ) -> pd.DataFrame:
    """Which ``key`` values (SKUs, categories) make the profit and which drag it.

    Rows sorted by ``value`` descending with ``rank``, ``share_rate`` = value / total of
    positive values (how much of the profit made each one carries), ``cum_share_rate``
    (Pareto: cumulative share of positive values) and ``is_drag`` = value < 0.
    """
    _check(pnl_by, [key, value], "profit_structure")
    d = pnl_by.sort_values([value, key], ascending=[False, True], ignore_index=True).copy()
    pos = float(d.loc[d[value] > 0, value].sum())
    d.insert(0, "rank", np.arange(1, len(d) + 1))
    d["share_rate"] = d[value] / pos if pos else np.nan
    d["cum_share_rate"] = d[value].clip(lower=0).cumsum() / pos if pos else np.nan
    d["is_drag"] = d[value] < 0
    return d


def cost_structure(total: pd.DataFrame | pd.Series, overhead_df: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Where the cost went: one row per cost kind (cost of goods, fees, logistics, ...,
    overhead kinds) with ``amount_fen``, ``share_rate`` = amount / all costs and
    ``of_net_sales_rate`` = amount / net sales. Largest first; zero kinds are dropped."""
    t = total.iloc[0] if isinstance(total, pd.DataFrame) else total
    rows = [("cogs", t.cogs_fen)] + [(k, t[f"{k}_fen"]) for k in COST_KINDS] + [
        ("other_shop_costs", t.other_costs_fen)]
    if overhead_df is not None and len(overhead_df):
        rows += list(zip(overhead_df["kind"], overhead_df["amount_fen"]))
    out = pd.DataFrame(rows, columns=["kind", "amount_fen"])
    out["amount_fen"] = out["amount_fen"].astype("int64")
    out = out[out.amount_fen != 0].sort_values("amount_fen", ascending=False, ignore_index=True)
    whole = float(out.amount_fen.sum())
    out["share_rate"] = out.amount_fen / whole if whole else np.nan
    ns = float(t.net_sales_fen)
    out["of_net_sales_rate"] = out.amount_fen / ns if ns else np.nan
    return out


# -- targets and commission ------------------------------------------------------------------------------
def _month(dates) -> pd.Series:
    return pd.to_datetime(pd.Series(dates)).dt.to_period("M").dt.to_timestamp()


def attainment(daily_sales: pd.DataFrame, targets: pd.DataFrame, members: pd.DataFrame,
               as_of) -> pd.DataFrame:
    """Targets vs actual per level, entity and month, with a run-rate projection.

    ``daily_sales``: rows per sales_date and shop_id with gmv_fen, paid_fen and refund_fen
    (shop-days). actual_fen = the target's metric (paid, net sales or GMV) summed over the
    entity's shops for sales days of the month up to ``as_of``; attainment_rate = actual /
    target; days_elapsed = days of the month up to ``as_of`` (0..days_in_month);
    projected_fen = actual / days_elapsed x days_in_month (the month's daily run rate carried
    to month end; = actual for a closed month, NaN before it starts); projected_rate =
    projected / target. net_sales_fen is always included (the commission base). Months after
    ``as_of`` are kept with actual 0 and is_final False.
    """
    _check(targets, ["level", "entity", "month", "target_fen", "metric"], "attainment")
    cols = ["level", "entity", "month", "target_fen", "actual_fen", "attainment_rate",
            "days_elapsed", "days_in_month", "projected_fen", "projected_rate", "net_sales_fen",
            "is_final"]
    if not len(targets):
        return pd.DataFrame(columns=cols)
    as_of = pd.Timestamp(as_of).normalize()
    s = daily_sales.assign(month=_month(daily_sales["sales_date"]).to_numpy(),
                           sales_date=pd.to_datetime(daily_sales["sales_date"]))
    s = s[s.sales_date <= as_of]
    s["net_sales_fen"] = s["paid_fen"] - s["refund_fen"]
    per_shop = s.groupby(["month", "shop_id"], as_index=False)[
        ["gmv_fen", "paid_fen", "net_sales_fen"]].sum()
    m = members.merge(per_shop, on="shop_id", how="left")
    act = m.groupby(["level", "entity", "month"], as_index=False)[
        ["gmv_fen", "paid_fen", "net_sales_fen"]].sum()
    out = targets.merge(act, on=["level", "entity", "month"], how="left")
    for c in ("gmv_fen", "paid_fen", "net_sales_fen"):
        out[c] = out[c].fillna(0).astype("int64")
    out["actual_fen"] = [r[r.metric] for _, r in out.iterrows()] if len(out) else []
    out["actual_fen"] = out["actual_fen"].astype("int64")
    out["days_in_month"] = out.month.dt.days_in_month.astype("int64")
    month_end = out.month + pd.offsets.MonthEnd(0)
    elapsed = (np.minimum(as_of, month_end) - out.month).dt.days + 1
    out["days_elapsed"] = elapsed.clip(lower=0, upper=out.days_in_month).astype("int64")
    out["is_final"] = month_end <= as_of
    out["attainment_rate"] = _rate(out.actual_fen, out.target_fen)
    proj = out.actual_fen / out.days_elapsed.where(out.days_elapsed > 0) * out.days_in_month
    out["projected_fen"] = proj.round()
    out["projected_rate"] = _rate(out.projected_fen, out.target_fen)
    return out[cols].sort_values(["level", "entity", "month"], ignore_index=True)


def period_targets(targets: pd.DataFrame, start, end, level: str = "shop") -> pd.DataFrame:
    """Each ``level`` entity's target for the days ``start``..``end`` (inclusive), from the
    monthly targets of :func:`ecomlib.metrics.finance_settings.load_targets` (level, entity,
    month, target_fen, metric).

    target_fen = sum over the days of (the day's month target / days in that month): a whole
    month gets its month's target, part of a month its share by days; count_days = days of
    the period that have a target (a month without one adds nothing), days = days of the
    period; is_complete = every day has a target (a partial target reads as a shortfall and
    is never compared as a whole). Returns entity, metric, target_fen (float), count_days,
    days, is_complete, sorted by entity."""
    cols = ["entity", "metric", "target_fen", "count_days", "days", "is_complete"]
    t = targets[targets["level"] == level] if len(targets) else targets
    a, b = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if not len(t) or b < a:
        return pd.DataFrame(columns=cols)
    days = pd.DataFrame({"month": pd.date_range(a, b).to_period("M").to_timestamp()})
    per_month = days.groupby("month").size().rename("n").reset_index()
    m = t.assign(month=pd.to_datetime(t["month"])).merge(per_month, on="month")
    m["share_fen"] = m["target_fen"].astype("float64") * m["n"] / m["month"].dt.days_in_month
    n_days = len(days)
    out = m.groupby(["entity", "metric"], as_index=False).agg(target_fen=("share_fen", "sum"),
                                                              count_days=("n", "sum"))
    have = t[["entity", "metric"]].drop_duplicates()
    out = have.merge(out, on=["entity", "metric"], how="left")
    out["target_fen"] = out["target_fen"].fillna(0.0)
    out["count_days"] = out["count_days"].fillna(0).astype("int64")
    out["days"] = n_days
    out["is_complete"] = out["count_days"] == n_days
    return out[cols].sort_values("entity", ignore_index=True)


def commission(att: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """Operator commission per month from :func:`attainment` rows of level ``operator``.

    commission_rate = the ``rate`` of the highest tier whose ``min_attainment`` <=
    attainment_rate (0 below the first tier, or when there is no target);
    commission_fen = floor(base x rate), capped at ``cap_fen``; base = the month's
    ``rule["base"]`` (net sales by default). Open months (is_final False) are shown as
    provisional on the actual so far.
    """
    cols = ["operator", "month", "target_fen", "actual_fen", "attainment_rate", "base_fen",
            "commission_rate", "commission_fen", "is_final"]
    a = att[att.level == "operator"] if len(att) else att
    if not len(a):
        return pd.DataFrame(columns=cols)
    base_col = rule.get("base", "net_sales_fen")
    base = a["net_sales_fen"] if base_col == "net_sales_fen" else a["actual_fen"]
    rates = []
    for r in a["attainment_rate"]:
        rate = 0.0
        if pd.notna(r):
            for t in rule["tiers"]:
                if r + 1e-12 >= t["min_attainment"]:
                    rate = t["rate"]
        rates.append(rate)
    out = pd.DataFrame({"operator": a.entity.to_numpy(), "month": a.month.to_numpy(),
                        "target_fen": a.target_fen.to_numpy(), "actual_fen": a.actual_fen.to_numpy(),
                        "attainment_rate": a.attainment_rate.to_numpy(),
                        "base_fen": base.astype("int64").to_numpy(),
                        "commission_rate": rates, "is_final": a.is_final.to_numpy()})
    com = np.floor(out.base_fen.clip(lower=0).astype("float64") * out.commission_rate + 1e-9)
    if rule.get("cap_fen") is not None:
        com = np.minimum(com, rule["cap_fen"])
    out["commission_fen"] = com.astype("int64")
    return out[cols]
