"""Finance: where the money is made and lost (notebooks/finance.ipynb).

Pure functions over warehouse frames, plus a few readers (``query_*``) that run the SQL of
:mod:`ecomlib.rollups` (``FIN_*``) with the report's filters. Units everywhere: money in CNY
fen (``*_fen``, integers), counts as integers, ratios 0..1 (``*_rate``, NaN when the
denominator is 0). Empty periods are present (a date spine; sums 0, ratios NaN).

The profit ladder (docs/DECISIONLOG.md, DESIGN.md):

* GMV (拍下金额) = paid_fen of every line placed, paid or not; paid amount (实付) = paid lines;
* refunds = completed refunds of those same paid lines, booked on their order's sales day;
* net sales = paid - refunds;
* cost of goods = unit cost x units kept (sold - returned; returned units are restocked);
* gross profit = net sales - cost of goods; gross margin = gross profit / net sales;
* platform fees = ``platform_fee`` + ``streamer_commission`` costs;
* contribution = gross profit - platform fees - logistics - packaging - ad spend - other
  shop-level costs; contribution margin = contribution / net sales;
* operating profit = contribution - company-wide overhead (rent, salary: platform ``ALL``).

Costs come from the warehouse (``other_costs``, ``ad_spend``) where a shop has rows of that
kind in the period, and from configurable rates (``parameters/finance_settings.yaml``) where
it has none (``source = "estimated"``); estimated costs are never mixed up with booked ones.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .. import i18n, rollups
from ._common import check_columns, ratio as _rate

__all__ = [
    "COST_KINDS", "PNL_COLUMNS", "yuan_to_fen", "build_report", "stock_inputs", "ReconciliationError", "load_settings", "load_targets",
    "load_commission_rule", "query_costs", "query_recon", "query_recon_costs", "query_shipped",
    "query_stock_moves", "load_sku_day", "drop_sku_day", "query_shop_day", "query_sku_pnl",
    "regroup", "estimate_costs", "allocate_costs", "pnl", "overhead",
    "income_statement", "changes", "profit_structure", "cost_structure", "reconcile",
    "assert_ties", "reconciliation_display", "attainment", "commission", "cash_flow_forecast", "lowest_week",
    "contribution_at_price", "unit_economics", "contracted_fee_fen", "read_carrier_bill",
    "reconcile_courier_bill", "courier_summary", "demo_carrier_bill", "stock_reconciliation",
    "STOCK_MOVES_SQL", "STOCK_CONTINUITY_SQL",
    "export_excel", "export_csv", "contracted_fees_fen", "waterfall_chart", "cash_chart",
]

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "parameters"

#: shop-level cost kinds shown as their own P&L columns (others go to other_costs_fen)
COST_KINDS = ("platform_fee", "streamer_commission", "logistics", "packaging", "ad_spend")
#: company-wide cost kinds (platform ALL) are overhead, below contribution
SALES_COLS = ("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units", "units_returned",
              "units_without_cost")
PNL_COLUMNS = [
    "gmv_fen", "paid_fen", "refund_fen", "net_sales_fen", "cogs_fen", "gross_profit_fen",
    "platform_fee_fen", "streamer_commission_fen", "logistics_fen", "packaging_fen",
    "ad_spend_fen", "other_costs_fen", "contribution_fen", "units", "units_returned",
    "units_without_cost", "refund_rate", "gross_margin_rate", "contribution_rate",
]
#: which sales measure each cost kind is spread by when allocated below shop level
ALLOC_WEIGHT = {"platform_fee": "net_sales_fen", "streamer_commission": "net_sales_fen",
                "logistics": "units", "packaging": "units", "ad_spend": "paid_fen",
                "other": "paid_fen"}
UNALLOCATED = "(unallocated)"

_LABELS = {
    "net_sales_fen": ("净销售额", "Net sales"),
    "gross_profit_fen": ("毛利", "Gross profit"),
    "gross_margin_rate": ("毛利率", "Gross margin"),
    "platform_fee_fen": ("平台佣金", "Platform fees"),
    "streamer_commission_fen": ("达人佣金", "Streamer commission"),
    "logistics_fen": ("快递费", "Logistics"),
    "packaging_fen": ("包材费", "Packaging"),
    "ad_spend_fen": ("广告费", "Ad spend"),
    "other_costs_fen": ("其他店铺费用", "Other shop costs"),
    "contribution_fen": ("贡献利润", "Contribution"),
    "contribution_rate": ("贡献利润率", "Contribution margin"),
    "overhead_fen": ("公司费用(租金/工资)", "Overhead (rent, salary)"),
    "operating_profit_fen": ("经营利润", "Operating profit"),
    "line": ("项目", "Line"),
    "of_net_sales_rate": ("占净销售额", "Of net sales"),
    "kind": ("费用类型", "Cost kind"),
    "platform_fee": ("平台佣金", "Platform fees"),
    "streamer_commission": ("达人佣金", "Streamer commission"),
    "logistics": ("快递费", "Logistics"),
    "packaging": ("包材费", "Packaging"),
    "ad_spend": ("广告费", "Ad spend"),
    "rent": ("租金", "Rent"),
    "salary": ("工资社保", "Salary"),
    "cogs": ("商品成本", "Cost of goods"),
    "mom_rate": ("环比", "MoM"),
    "yoy_rate": ("同比", "YoY"),
    "prev_month_fen": ("上月", "Previous month"),
    "last_year_fen": ("去年同月", "Same month last year"),
    "metric": ("指标", "Metric"),
    "finance_fen": ("财务报表", "Finance tables"),
    "warehouse_fen": ("仓库直接汇总", "Warehouse (independent SQL)"),
    "diff_fen": ("差额", "Difference"),
    "tolerance_fen": ("允许差额", "Tolerance"),
    "ties": ("是否一致", "Ties"),
    "rank": ("排名", "Rank"),
    "cum_share_rate": ("累计占比", "Cumulative share"),
    "is_drag": ("亏损拖累", "Drags"),
    "level": ("层级", "Level"),
    "entity": ("对象", "Target holder"),
    "target_fen": ("目标", "Target"),
    "actual_fen": ("实际", "Actual"),
    "attainment_rate": ("达成率", "Attainment"),
    "projected_fen": ("月末预计", "Projected month end"),
    "projected_rate": ("预计达成率", "Projected attainment"),
    "days_elapsed": ("已过天数", "Days elapsed"),
    "days_in_month": ("当月天数", "Days in month"),
    "is_final": ("已结束", "Month closed"),
    "operator": ("运营", "Operator"),
    "base_fen": ("提成基数", "Commission base"),
    "commission_rate": ("提成比例", "Commission rate"),
    "commission_fen": ("提成", "Commission"),
    "week_start": ("周开始", "Week starting"),
    "inflow_settled_fen": ("已售回款", "Settlements of past sales"),
    "inflow_future_fen": ("新销售回款(预测)", "Settlements of new sales (forecast)"),
    "outflow_purchases_fen": ("采购单付款", "Purchase orders"),
    "outflow_replenishment_fen": ("补货采购(预测)", "Replenishment (forecast)"),
    "outflow_ads_fen": ("广告付款", "Ad spend"),
    "outflow_fulfilment_fen": ("快递包材", "Logistics and packaging"),
    "outflow_overhead_fen": ("租金工资", "Rent and salary"),
    "net_fen": ("净现金流", "Net cash flow"),
    "closing_cash_fen": ("期末现金", "Closing cash"),
    "price_fen": ("平均售价", "Average price"),
    "fee_rate": ("佣金率", "Fee rate"),
    "returned_unit_rate": ("退货件率", "Returned units rate"),
    "fulfilment_per_unit_fen": ("件均快递包材", "Fulfilment per unit"),
    "ad_per_unit_fen": ("件均广告费", "Ad cost per unit"),
    "contribution_per_unit_fen": ("件均贡献", "Contribution per unit"),
    "break_even_price_fen": ("保本售价", "Break-even price"),
    "price_headroom_rate": ("价格安全边际", "Price headroom"),
    "break_even_units": ("保本销量(件)", "Break-even units"),
    "waybill_no": ("运单号", "Waybill"),
    "weight_g": ("计费重量(克)", "Billed weight (g)"),
    "zone": ("区域", "Zone"),
    "fee_fen": ("账单运费", "Billed fee"),
    "contracted_fen": ("合同运费", "Contracted fee"),
    "excess_fen": ("多收", "Overcharge"),
    "claim_fen": ("可追回", "To claim back"),
    "check": ("核对结果", "Check"),
    "bill_ok": ("正常", "ok"),
    "bill_duplicate": ("重复计费", "duplicate charge"),
    "bill_unmatched": ("无对应订单", "no matching order"),
    "bill_overcharged": ("超合同价", "above rate card"),
    "count_waybills": ("运单数", "Waybills"),
    "opening_units": ("期初", "Opening"),
    "inbound_units": ("入库(采购到货)", "Inbound (received)"),
    "outbound_units": ("出库(销售)", "Outbound (sold)"),
    "returned_units": ("退货入库", "Customer returns"),
    "previous_snapshot_date": ("上一快照日", "Previous snapshot"),
    "expected_closing_units": ("应有期末", "Expected closing"),
    "closing_units": ("实际期末", "Actual closing"),
    "difference_units": ("差异", "Difference"),
    "estimated": ("估算", "estimated"),
    "warehouse": ("仓库", "warehouse"),
    "cost_source": ("来源", "Source"),
    UNALLOCATED: ("(未分摊)", "(unallocated)"),
    "shop": ("店铺", "Shop"),
    "team": ("团队", "Team"),
    "province": ("省份", "Province"),
    "contribution_mom_rate": ("贡献利润环比", "Contribution MoM"),
    "contribution_yoy_rate": ("贡献利润同比", "Contribution YoY"),
    "shop_costs_fen": ("店铺费用", "Shop-level costs"),
    "lines_without_rate": ("缺汇率的订单行", "Lines without FX rate"),
    "fx": ("汇率", "FX"),
    "costs": ("费用", "Costs"),
    "by_shop": ("按店铺", "By shop"),
    "by_category": ("按类目", "By category"),
    "by_sku": ("按SKU", "By SKU"),
    "monthly": ("按月", "Monthly"),
    "weekly": ("按周", "Weekly"),
    "finance_value": ("财务报表", "Finance tables"),
    "warehouse_value": ("仓库直接汇总", "Warehouse (independent SQL)"),
    "diff_value": ("差额", "Difference"),
}
# keys registered before keep their wording (see i18n.add_labels)
i18n.add_labels(_LABELS)


class ReconciliationError(AssertionError):
    """The finance tables do not tie to the warehouse's order lines and refunds."""


# -- small helpers -----------------------------------------------------------------------------
def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"finance.{fn}")


def yuan_to_fen(v) -> int:
    """Yuan (number or text such as '¥1,234.5') -> integer fen, exact, half-up."""
    if isinstance(v, str):
        v = v.replace("¥", "").replace("元", "").replace(",", "").strip()
    d = Decimal(str(v)) * 100
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _yaml(path: str | Path) -> dict:
    import yaml
    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = ROOT / p
    if not p.exists():
        raise FileNotFoundError(f"finance: settings file {path} not found")
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"finance: {p} must hold a mapping, got {type(doc).__name__}")
    return doc


def _period(dates: pd.Series, freq: str) -> pd.Series:
    """Start of the day (D), ISO week (W, Monday) or calendar month (M) of each date."""
    d = pd.to_datetime(dates).dt.normalize()
    if freq == "D":
        return d
    if freq == "W":
        return d - pd.to_timedelta(d.dt.day_of_week, unit="D")
    if freq == "M":
        return d.dt.to_period("M").dt.to_timestamp()
    raise ValueError(f"finance: freq must be D, W or M; got {freq!r}")


def _spine(start, end, freq: str) -> pd.DatetimeIndex:
    lo = _period(pd.Series([pd.Timestamp(start)]), freq).iloc[0]
    hi = _period(pd.Series([pd.Timestamp(end)]), freq).iloc[0]
    return pd.date_range(lo, hi, freq={"D": "D", "W": "7D", "M": "MS"}[freq])


# -- settings ------------------------------------------------------------------------------------
def load_settings(path: str | Path = PARAMS / "finance_settings.yaml") -> dict:
    """Finance settings: fee rates, per-unit fulfilment rates, settlement lags, supplier
    payment terms, run-rate window and the courier rate card (see the YAML's comments)."""
    s = _yaml(path)
    for key in ("fee_rates", "settlement_lag_days", "rate_card"):
        if key not in s:
            raise KeyError(f"finance.load_settings: {path} has no {key!r}; add it (see "
                           f"parameters/finance_settings.yaml)")
    return s


def load_targets(path: str | Path = PARAMS / "targets.yaml") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly targets and who owns which shop.

    Returns ``(targets, members)``: ``targets`` one row per level (shop/team/operator),
    entity and month with ``target_fen`` and ``metric`` (paid_fen or net_sales_fen);
    ``members`` one row per level, entity and shop_id (a shop is its own member).
    """
    doc = _yaml(path)
    metric = doc.get("metric", "paid_fen")
    if metric not in ("paid_fen", "net_sales_fen", "gmv_fen"):
        raise ValueError(f"finance.load_targets: metric must be paid_fen, net_sales_fen or "
                         f"gmv_fen; {path} says {metric!r}")
    rows = []
    for i, t in enumerate(doc.get("targets") or []):
        try:
            level, entity, first = t["level"], str(t["id"]), pd.Timestamp(str(t["from"]) + "-01"
                                                                          if len(str(t["from"])) == 7
                                                                          else t["from"])
            values = t["monthly_yuan"]
        except KeyError as e:
            raise KeyError(f"finance.load_targets: target #{i + 1} in {path} lacks {e}; each "
                           f"needs level, id, from (YYYY-MM) and monthly_yuan (a list)") from None
        if level not in ("shop", "team", "operator"):
            raise ValueError(f"finance.load_targets: target #{i + 1} level {level!r} is not "
                             f"shop, team or operator")
        values = values if isinstance(values, list) else [values]
        for k, v in enumerate(values):
            rows.append({"level": level, "entity": entity,
                         "month": first.to_period("M").to_timestamp() + pd.DateOffset(months=k),
                         "target_fen": yuan_to_fen(v), "metric": metric})
    targets = pd.DataFrame(rows, columns=["level", "entity", "month", "target_fen", "metric"])
    mem = []
    for level, key in (("team", "teams"), ("operator", "operators")):
        for name, shops in (doc.get(key) or {}).items():
            for s in shops:
                mem.append({"level": level, "entity": str(name), "shop_id": str(s)})
    for s in targets.loc[targets.level == "shop", "entity"].unique():
        mem.append({"level": "shop", "entity": s, "shop_id": s})
    members = pd.DataFrame(mem, columns=["level", "entity", "shop_id"]).drop_duplicates()
    return targets, members


def load_commission_rule(path: str | Path = PARAMS / "commission.yaml") -> dict:
    """The operator commission rule: ``base`` (net_sales_fen or paid_fen), ``tiers`` (list
    of ``{min_attainment: 0..x, rate: 0..1}``), optional ``cap_yuan`` per operator-month."""
    doc = _yaml(path)
    tiers = doc.get("tiers")
    if not tiers:
        raise KeyError(f"finance.load_commission_rule: {path} has no tiers")
    doc["tiers"] = sorted(({"min_attainment": float(t["min_attainment"]), "rate": float(t["rate"])}
                           for t in tiers), key=lambda t: t["min_attainment"])
    doc.setdefault("base", "net_sales_fen")
    doc["cap_fen"] = yuan_to_fen(doc["cap_yuan"]) if doc.get("cap_yuan") is not None else None
    return doc


# -- readers (SQL in ecomlib.rollups) ---------------------------------------------------------------
def _params(start, end) -> dict:
    return {"start_d": pd.Timestamp(start).date(),
            "end_d": (pd.Timestamp(end) + pd.Timedelta(days=1)).date()}


def _filters(params: dict, shops, platforms, alias: str = "", company: bool = False) -> str:
    """`` AND platform IN (...) AND shop_id IN (...)`` (company-wide ALL rows kept if asked)."""
    out = ""
    a = f"{alias}." if alias else ""
    for col, vals, pre in (("platform", platforms, "fp"), ("shop_id", shops, "fs")):
        if vals is None:
            continue
        vals = [vals] if isinstance(vals, str) else list(vals)
        names = []
        for i, v in enumerate(vals):
            params[f"{pre}{i}"] = str(v)
            names.append(f"${pre}{i}")
        cond = f"{a}{col} IN ({', '.join(names)})" if names else "FALSE"
        if company:
            cond = f"({cond} OR {a}{col} = 'ALL')"
        out += " AND " + cond
    return out


def _cost_filters(params: dict, shops, platforms, company: bool | None) -> str:
    """The filter of the cost tables: company-wide rows (``ALL``) are kept when no
    shop/platform filter is set (``company=None``) or when ``company=True``, else left out."""
    company = (shops is None and platforms is None) if company is None else company
    f = _filters(params, shops, platforms, company=company)
    return f if company else f + " AND platform <> 'ALL'"


def query_costs(wh, start, end, shops=None, platforms=None, company: bool | None = None
                ) -> pd.DataFrame:
    """Costs of the period (``rollups.FIN_COSTS_SQL``): one row per cost_date, platform,
    shop and kind, ``amount_fen`` in CNY. Company-wide rows (``ALL``) are included when no
    shop/platform filter is set (``company=None``) or when ``company=True``."""
    params = _params(start, end)
    out = wh.sql(rollups.FIN_COSTS_SQL.format(
        filters=_cost_filters(params, shops, platforms, company)), params)
    out["cost_date"] = pd.to_datetime(out["cost_date"])
    return out


def query_recon(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Sales totals per currency straight from the canonical tables (``FIN_RECON_SQL``)."""
    params = _params(start, end)
    return wh.sql(rollups.FIN_RECON_SQL.format(filters=_filters(params, shops, platforms)), params)


def query_recon_costs(wh, start, end, shops=None, platforms=None, company=None) -> int:
    """Sum of other_costs + ad_spend amounts of the period, CNY rows only, straight from the
    tables (the cost side of the reconciliation; non-CNY costs are converted and not summed
    here: the demo has none, and the P&L flags any without a rate)."""
    params = _params(start, end)
    sql = rollups.FIN_RECON_COSTS_SQL.format(
        filters=_cost_filters(params, shops, platforms, company))
    return int(wh.sql(sql, params)["amount_fen"].iloc[0])


def query_shipped(wh, start, end, shops=None, platforms=None) -> pd.DataFrame:
    """Orders shipped in the period with province and units (``FIN_SHIPPED_SQL``)."""
    params = _params(start, end)
    return wh.sql(rollups.FIN_SHIPPED_SQL.format(filters=_filters(params, shops, platforms, "o")),
                  params)


def query_stock_moves(wh, start, end) -> pd.DataFrame:
    """Units in (purchase orders received), out (sold) and back (customer returns) per
    warehouse and SKU in the period (``STOCK_MOVES_SQL``: the movements the quality rule
    ``inventory_snapshots.stock_continuity`` checks day by day)."""
    return wh.sql(STOCK_MOVES_SQL, _params(start, end))


#: name of the temporary table (per connection) that holds a report's SKU-day sales
SKU_DAY_TABLE = "fin_sku_day"


def load_sku_day(wh, start, end, shops=None, platforms=None, table: str = SKU_DAY_TABLE) -> str:
    """Fill a temporary table (``table``, on ``wh``'s connection, replaced if it exists) with
    the SKU-day sales of ``start``..``end`` (inclusive) for the filter
    (``rollups.FIN_SKU_DAY_SQL``: one row per sales_date, platform, shop_id, sku with
    category, gmv_fen, paid_fen, refund_fen, cogs_fen, units, units_returned,
    units_without_cost, CNY fen, exactly the measures of ``agg_daily_sales``). The rows stay
    in the engine; :func:`query_shop_day` and :func:`query_sku_pnl` read them. Drop it with
    :func:`drop_sku_day`. Returns the table name."""
    params = _params(start, end)
    sql = rollups.FIN_SKU_DAY_SQL.format(filters=_filters(params, shops, platforms))
    wh.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}", params)
    return table


def drop_sku_day(wh, table: str = SKU_DAY_TABLE) -> None:
    """Drop the temporary table of :func:`load_sku_day`."""
    wh.con.execute(f"DROP TABLE IF EXISTS {table}")


def query_shop_day(wh, table: str = SKU_DAY_TABLE) -> pd.DataFrame:
    """Sales per sales_date, platform and shop (``rollups.FIN_SHOP_DAY_SQL``): the rows of
    :func:`load_sku_day` summed over SKUs. Same columns as ``agg_daily_sales`` minus sku,
    category and the order counts; every P&L above SKU level (total, per period, platform,
    shop), the estimated costs, targets and the cash forecast need no more than this."""
    out = wh.sql(rollups.FIN_SHOP_DAY_SQL.format(sku_day=table))
    out["sales_date"] = pd.to_datetime(out["sales_date"])
    return out


def query_sku_pnl(wh, costs: pd.DataFrame, start, end, table: str = SKU_DAY_TABLE
                  ) -> pd.DataFrame:
    """The P&L per SKU and category, costs allocated inside the engine.

    The same table as ``pnl(daily_sales, costs, ["sku", "category"])`` (same numbers to the
    fen, same rows and order), computed by ``rollups.FIN_SKU_PNL_SQL`` from the SKU-day rows
    of :func:`load_sku_day` between ``start`` and ``end`` (inclusive) and ``costs``
    (:func:`estimate_costs` rows; company-wide ``ALL`` rows are left out): each shop-day
    cost is spread over that shop-day's SKUs as :func:`allocate_costs` does (share =
    floor(cost x w / W), remainder to the largest weight, the rest on the
    ``(unallocated)`` row). Only one row per SKU comes back to pandas.
    """
    c = (costs[costs.platform != "ALL"] if len(costs) else
         pd.DataFrame({k: [] for k in ("cost_date", "platform", "shop_id", "kind", "amount_fen")}))
    reg = pd.DataFrame({"sales_date": pd.to_datetime(c["cost_date"]).astype("datetime64[us]"),
                        "platform": c["platform"].astype("str"),
                        "shop_id": c["shop_id"].astype("str"),
                        "col": c["kind"].map(_kind_col).astype("str"),
                        "amount_fen": c["amount_fen"].astype("int64")})
    name = f"{table}_costs"
    params = _params(start, end)
    params.update({"unknown": i18n.label("unknown", "en"), "unallocated": UNALLOCATED})
    wh.con.register(name, reg)
    try:
        out = wh.sql(rollups.FIN_SKU_PNL_SQL.format(sku_day=table, costs=name), params)
    finally:
        wh.con.unregister(name)
    out = _finish(out)
    return out.sort_values(["sku", "category"], ignore_index=True)[["sku", "category"] + PNL_COLUMNS]


def regroup(pnl_by: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """A finer :func:`pnl` table summed to a coarser ``by`` (e.g. by SKU -> by category):
    money and counts summed, rates recomputed (:func:`pnl`'s formulas), sorted by ``by``."""
    by = list(by)
    ints = [c for c in PNL_COLUMNS if not c.endswith("_rate")]
    out = pnl_by.groupby(by, as_index=False, dropna=False)[ints].sum(min_count=0)
    out = _finish(out)
    return out.sort_values(by, ignore_index=True)[by + PNL_COLUMNS]


# -- costs and P&L ---------------------------------------------------------------------------------
def estimate_costs(costs: pd.DataFrame, daily_sales: pd.DataFrame, settings: dict
                   ) -> pd.DataFrame:
    """Booked costs plus estimates where the warehouse has none.

    For every shop with sales and every kind with a configured rate: if the shop has no
    row of that kind in ``costs``, one row per sales day is added with ``source =
    "estimated"``: ``platform_fee`` = round(fee_rates[platform] x (paid - refund)) (fen);
    ``logistics`` / ``packaging`` = round(per-unit rate x units). Booked rows keep
    ``source = "warehouse"``. Returns cost_date, platform, shop_id, kind, amount_fen, source.
    """
    _check(costs, ["cost_date", "platform", "shop_id", "kind", "amount_fen"], "estimate_costs")
    out = costs[["cost_date", "platform", "shop_id", "kind", "amount_fen"]].copy()
    out["source"] = "warehouse"
    if not len(daily_sales):
        return out
    s = daily_sales.groupby(["sales_date", "platform", "shop_id"], as_index=False)[
        ["paid_fen", "refund_fen", "units"]].sum()
    have = set(zip(out.platform, out.shop_id, out.kind))
    add = []
    fees = settings.get("fee_rates") or {}
    per_unit = settings.get("per_unit_fen") or {}
    for (plat, shop), g in s.groupby(["platform", "shop_id"]):
        todo = []
        if (plat, shop, "platform_fee") not in have and plat in fees:
            todo.append(("platform_fee", float(fees[plat]) * (g.paid_fen - g.refund_fen)))
        for kind in ("logistics", "packaging"):
            if (plat, shop, kind) not in have and kind in per_unit:
                todo.append((kind, float(per_unit[kind]) * g.units))
        for kind, amt in todo:
            add.append(pd.DataFrame({"cost_date": pd.to_datetime(g.sales_date), "platform": plat,
                                     "shop_id": shop, "kind": kind,
                                     "amount_fen": np.floor(amt.astype(float) + 0.5).astype("int64"),
                                     "source": "estimated"}))
    if add:
        out = pd.concat([out, *add], ignore_index=True)
    out["amount_fen"] = out["amount_fen"].astype("int64")
    return out


def _kind_col(kind: str) -> str:
    return f"{kind}_fen" if kind in COST_KINDS else "other_costs_fen"


def allocate_costs(costs: pd.DataFrame, daily_sales: pd.DataFrame) -> pd.DataFrame:
    """Shop-day costs spread over that shop-day's SKUs, to the fen.

    Each cost of (day, platform, shop, kind) is split over the SKU rows of that shop-day in
    proportion to the kind's weight (:data:`ALLOC_WEIGHT`: fees by net sales, logistics and
    packaging by units, ads and other costs by paid amount): share = floor(cost x w / W),
    and the rounding remainder goes to the row with the largest weight, so the shares sum
    exactly to the cost. A cost on a day with no weight (no sales) stays on a row with
    sku = category = ``(unallocated)``. Company-wide rows (platform ``ALL``) are skipped.
    Returns sales_date, platform, shop_id, sku, category and one ``<kind>_fen`` column per
    kind in :data:`COST_KINDS` plus ``other_costs_fen``.
    """
    _check(daily_sales, ["sales_date", "platform", "shop_id", "sku", "paid_fen", "refund_fen",
                         "units"], "allocate_costs")
    cols = [f"{k}_fen" for k in COST_KINDS] + ["other_costs_fen"]
    keys = ["sales_date", "platform", "shop_id"]
    c = costs[costs.platform != "ALL"].copy()
    c["sales_date"] = pd.to_datetime(c["cost_date"])
    c["col"] = c["kind"].map(_kind_col)
    if not len(c):
        return pd.DataFrame(columns=keys + ["sku", "category"] + cols)
    cp = c.pivot_table(index=keys, columns="col", values="amount_fen", aggfunc="sum",
                       fill_value=0).reset_index()
    for col in cols:
        if col not in cp:
            cp[col] = 0
    s = daily_sales.assign(sales_date=pd.to_datetime(daily_sales["sales_date"]))
    s = s.groupby(keys + ["sku"], as_index=False).agg(
        category=("category", "first") if "category" in s else ("sku", "first"),
        paid_fen=("paid_fen", "sum"), refund_fen=("refund_fen", "sum"), units=("units", "sum"))
    s["net_sales_fen"] = s["paid_fen"] - s["refund_fen"]
    m = s.merge(cp[keys], on=keys, how="inner")
    m = m.merge(cp, on=keys, how="left")
    out = m[keys + ["sku", "category"]].copy()
    leftovers = []
    for col in cols:
        kind = col[:-4] if col != "other_costs_fen" else "other"
        w = m[ALLOC_WEIGHT.get(kind, "paid_fen")].clip(lower=0).astype("float64")
        W = w.groupby([m[k] for k in keys]).transform("sum")
        C = m[col].astype("float64")
        share = np.where(W > 0, np.floor(C * (w / W.where(W > 0, 1.0))), 0.0)
        out[col] = share.astype("int64")
        # remainder to the largest-weight row (the first of equals) of each group
        grp = [m[k] for k in keys]
        rem = m[col] - out[col].groupby(grp).transform("sum")
        pos = W > 0
        top = w[pos].groupby([g[pos] for g in grp]).idxmax().to_numpy() if pos.any() else []
        out.loc[top, col] += rem.loc[top].astype("int64")
    # cost groups with no weight at all, or shop-days without sales rows
    alloc = out.groupby(keys)[cols].sum()
    total = cp.set_index(keys)[cols]
    diff = total.sub(alloc.reindex(total.index, fill_value=0), fill_value=0)
    diff = diff[(diff != 0).any(axis=1)].reset_index()
    if len(diff):
        diff["sku"] = UNALLOCATED
        diff["category"] = UNALLOCATED
        leftovers.append(diff[keys + ["sku", "category"] + cols])
    res = pd.concat([out, *leftovers], ignore_index=True)
    for col in cols:
        res[col] = res[col].astype("int64")
    return res


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    for c in PNL_COLUMNS:
        if c not in df and not c.endswith("_rate"):
            df[c] = 0
    ints = [c for c in PNL_COLUMNS if not c.endswith("_rate")]
    df[ints] = df[ints].fillna(0).astype("int64")
    df["net_sales_fen"] = df["paid_fen"] - df["refund_fen"]
    df["gross_profit_fen"] = df["net_sales_fen"] - df["cogs_fen"]
    df["contribution_fen"] = (df["gross_profit_fen"] - df["platform_fee_fen"]
                              - df["streamer_commission_fen"] - df["logistics_fen"]
                              - df["packaging_fen"] - df["ad_spend_fen"] - df["other_costs_fen"])
    df["refund_rate"] = _rate(df["refund_fen"], df["paid_fen"])
    df["gross_margin_rate"] = _rate(df["gross_profit_fen"], df["net_sales_fen"])
    df["contribution_rate"] = _rate(df["contribution_fen"], df["net_sales_fen"])
    return df


def pnl(daily_sales: pd.DataFrame, costs: pd.DataFrame, by: Sequence[str] = (),
        freq: str | None = None, start=None, end=None) -> pd.DataFrame:
    """The profit ladder (module docstring) per ``by`` (platform, shop_id, category, sku)
    and, with ``freq`` (D, W = ISO week from Monday, M), per period.

    Sales come from ``agg_daily_sales`` rows, costs from :func:`estimate_costs` (or
    :func:`query_costs`) rows; company-wide (``ALL``) costs are left out (see
    :func:`overhead`). Costs are attached by cost_date, platform and shop; below shop level
    (category, sku) they are spread with :func:`allocate_costs`. With ``freq``, every period
    from ``start`` to ``end`` is present for every ``by`` group (sums 0, ratios NaN). Money
    columns in fen; rates: refund_rate = refund / paid, gross_margin_rate = gross profit /
    net sales, contribution_rate = contribution / net sales.
    """
    by = list(by)
    _check(daily_sales, ["sales_date", "platform", "shop_id", *SALES_COLS], "pnl")
    below_shop = bool({"sku", "category"} & set(by))
    s = daily_sales.assign(sales_date=pd.to_datetime(daily_sales["sales_date"]))
    if "category" in s:
        s["category"] = s["category"].fillna(i18n.label("unknown", "en"))
    c = costs[costs.platform != "ALL"] if len(costs) else costs
    if below_shop:
        alloc = allocate_costs(c, s)
        alloc = alloc.assign(sales_date=pd.to_datetime(alloc["sales_date"]))
        frames = [s, alloc]
        date_col = "sales_date"
    else:
        cc = c.assign(sales_date=pd.to_datetime(c["cost_date"]),
                      col=c["kind"].map(_kind_col)) if len(c) else None
        if cc is not None and len(cc):
            cp = cc.pivot_table(index=["sales_date", "platform", "shop_id"], columns="col",
                                values="amount_fen", aggfunc="sum", fill_value=0).reset_index()
            frames = [s, cp]
        else:
            frames = [s]
        date_col = "sales_date"
    d = pd.concat(frames, ignore_index=True)
    keys = list(by)
    if freq:
        d["period"] = _period(d[date_col], freq)
        keys = ["period", *keys]
    value_cols = [c for c in PNL_COLUMNS if not c.endswith("_rate") and c in d.columns]
    if keys:
        out = d.groupby(keys, as_index=False, dropna=False)[value_cols].sum(min_count=0)
    else:
        out = d[value_cols].sum().to_frame().T
    if freq and (start is not None or len(d)):
        lo = start if start is not None else d[date_col].min()
        hi = end if end is not None else d[date_col].max()
        periods = _spine(lo, hi, freq)
        if by:
            groups = out[by].drop_duplicates()
            spine = groups.merge(pd.DataFrame({"period": periods}), how="cross")
        else:
            spine = pd.DataFrame({"period": periods})
        out = spine.merge(out, on=["period", *by], how="left")
        out = out[(out.period >= periods.min()) & (out.period <= periods.max())] if len(periods) else out
    out = _finish(out)
    if freq:
        out = out.rename(columns={"period": {"D": "date", "W": "week", "M": "month"}[freq]})
    sort = [k if k != "period" else {"D": "date", "W": "week", "M": "month"}[freq] for k in keys]
    return (out.sort_values(sort, ignore_index=True) if sort else out.reset_index(drop=True)
            )[sort + PNL_COLUMNS]


def overhead(costs: pd.DataFrame) -> pd.DataFrame:
    """Company-wide costs (platform ``ALL``) per kind: one row per kind, ``amount_fen``."""
    c = costs[costs.platform == "ALL"] if len(costs) else costs
    if not len(c):
        return pd.DataFrame({"kind": pd.Series(dtype=object), "amount_fen": pd.Series(dtype="int64")})
    out = c.groupby("kind", as_index=False)["amount_fen"].sum()
    out["amount_fen"] = out["amount_fen"].astype("int64")
    return out.sort_values("amount_fen", ascending=False, ignore_index=True)


def income_statement(total: pd.DataFrame | pd.Series, overhead_df: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """The period's P&L as a statement: one row per line (GMV ... operating profit) with
    ``amount_fen`` and ``of_net_sales_rate`` = amount / net sales. ``total`` is the one-row
    output of :func:`pnl` with no ``by``; costs are shown as negative amounts."""
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

    ``monthly`` is :func:`pnl` with ``freq="M"`` (a month spine). Per month (and ``by``):
    ``prev_month_fen``, ``last_year_fen`` (NaN if that month is not in the frame),
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
        ("other", t.other_costs_fen)]
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


# -- reconciliation -----------------------------------------------------------------------------------
SHOP_COST_COLS = [f"{k}_fen" for k in COST_KINDS] + ["other_costs_fen"]


def reconcile(tables: dict[str, pd.DataFrame], independent: pd.DataFrame,
              costs_in_tables_fen: int | None = None, costs_warehouse_fen: int | None = None,
              shop_costs_fen: int | None = None) -> pd.DataFrame:
    """Do the finance tables tie to the warehouse? One row per (table, metric).

    ``tables`` maps a table name to a finance table (P&L by day, by shop, by SKU, ...);
    for each, the sums of gmv_fen, paid_fen, refund_fen, net_sales_fen and units are
    compared with the independent SQL totals (:func:`query_recon`, summed over currencies):
    ``diff_fen`` = finance - warehouse; it ties when |diff| <= ``tolerance_fen``, which is 0
    except for refunds of non-CNY orders spread over several lines (each line's conversion
    rounds separately: at most 1 fen per such line). Lines without an FX rate never tie.
    With ``shop_costs_fen`` (the shop-level costs fed to the P&L) each table's cost columns
    (fees, logistics, packaging, ads, other) must sum to it: allocation to categories and
    SKUs loses nothing. With ``costs_*`` a ``costs`` row compares the booked costs in the
    statement (shop-level + overhead - estimates) with other_costs + ad_spend summed straight
    from the tables. Returns table, metric, finance_fen, warehouse_fen, diff_fen, tolerance_fen, ties.
    """
    ind = independent
    w = {
        "gmv_fen": int(ind["gmv_fen"].sum()), "paid_fen": int(ind["paid_fen"].sum()),
        "refund_fen": int(ind["refund_fen"].sum()),
        "net_sales_fen": int(ind["paid_fen"].sum() - ind["refund_fen"].sum()),
        "units": int(ind["units"].sum()),
    }
    tol = int(ind["count_fx_spread_lines"].sum()) if "count_fx_spread_lines" in ind else 0
    no_rate = int(ind["count_lines_without_rate"].sum()) if "count_lines_without_rate" in ind else 0
    rows = []
    for name, t in tables.items():
        for metric, wv in w.items():
            fv = int(t[metric].sum()) if len(t) else 0
            tl = tol if metric in ("refund_fen", "net_sales_fen") else 0
            rows.append((name, metric, fv, wv, fv - wv, tl))
        if shop_costs_fen is not None:
            fv = int(t[SHOP_COST_COLS].to_numpy().sum()) if len(t) else 0
            rows.append((name, "shop_costs_fen", fv, int(shop_costs_fen),
                         fv - int(shop_costs_fen), 0))
    rows.append(("fx", "lines_without_rate", 0, no_rate, -no_rate, 0))
    if costs_in_tables_fen is not None and costs_warehouse_fen is not None:
        rows.append(("costs", "amount_fen", int(costs_in_tables_fen), int(costs_warehouse_fen),
                     int(costs_in_tables_fen) - int(costs_warehouse_fen), 0))
    out = pd.DataFrame(rows, columns=["table", "metric", "finance_fen", "warehouse_fen",
                                      "diff_fen", "tolerance_fen"])
    out["ties"] = out["diff_fen"].abs() <= out["tolerance_fen"]
    return out


def assert_ties(recon: pd.DataFrame) -> None:
    """Raise :class:`ReconciliationError` listing every row of :func:`reconcile` that does
    not tie (the notebook calls this so a report that does not tie fails loudly)."""
    bad = recon[~recon["ties"]]
    if len(bad):
        lines = [f"{r.table}.{r.metric}: finance {r.finance_fen} vs warehouse {r.warehouse_fen} "
                 f"(diff {r.diff_fen} fen, tolerance {r.tolerance_fen})" for r in bad.itertuples()]
        raise ReconciliationError(
            "finance.assert_ties: the finance tables do not tie to the warehouse's order lines "
            "and refunds:\n  " + "\n  ".join(lines) +
            "\nCheck for order lines without a header, refunds whose line is missing, and "
            "currencies without an fx_rates row (ecom quality lists them).")


def reconciliation_display(recon: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`reconcile` rows as text for a report: money metrics as yuan, counts as
    integers, labels in ``lang``, ties as ✓ / ✗."""
    from .. import fmt
    rows = []
    for r in recon.itertuples():
        money = str(r.metric).endswith("_fen")
        f = (lambda v: fmt.yuan(v, lang)) if money else fmt.integer
        rows.append({"table": i18n.label(r.table, lang), "metric": i18n.label(r.metric, lang),
                     "finance_value": f(r.finance_fen), "warehouse_value": f(r.warehouse_fen),
                     "diff_value": f(r.diff_fen), "ties": "✓" if r.ties else "✗"})
    return pd.DataFrame(rows, columns=["table", "metric", "finance_value", "warehouse_value",
                                       "diff_value", "ties"])


# -- targets and commission ------------------------------------------------------------------------------
def attainment(daily_sales: pd.DataFrame, targets: pd.DataFrame, members: pd.DataFrame,
               as_of) -> pd.DataFrame:
    """Targets vs actual per level, entity and month, with a run-rate projection.

    actual_fen = the target's metric (paid, net sales or GMV) summed over the entity's shops
    for sales days of the month up to ``as_of``; attainment_rate = actual / target;
    days_elapsed = days of the month up to ``as_of`` (0..days_in_month); projected_fen =
    actual / days_elapsed x days_in_month (the month's daily run rate carried to month end;
    = actual for a closed month, NaN before it starts); projected_rate = projected / target.
    net_sales_fen is always included (the commission base). Months after ``as_of`` are kept
    with actual 0 and is_final False.
    """
    _check(targets, ["level", "entity", "month", "target_fen", "metric"], "attainment")
    cols = ["level", "entity", "month", "target_fen", "actual_fen", "attainment_rate",
            "days_elapsed", "days_in_month", "projected_fen", "projected_rate", "net_sales_fen",
            "is_final"]
    if not len(targets):
        return pd.DataFrame(columns=cols)
    as_of = pd.Timestamp(as_of).normalize()
    s = daily_sales.assign(month=_period(daily_sales["sales_date"], "M"),
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


# -- cash flow -------------------------------------------------------------------------------------------
def cash_flow_forecast(daily_sales: pd.DataFrame, costs: pd.DataFrame,
                       purchase_orders: pd.DataFrame, as_of, opening_cash_fen: int,
                       settings: dict, weeks: int = 13) -> pd.DataFrame:
    """13-week (``weeks``) cash forecast from the day after ``as_of``.

    Week k covers days as_of + 7(k-1) + 1 .. as_of + 7k. Inflows: each sales day's net
    settlement (paid - refund - platform fee - streamer commission of that shop-day) is
    released ``settlement_lag_days[platform]`` days after the sales day (the platform pays
    out after the buyer confirms receipt); sales already made settle in
    ``inflow_settled_fen``; new sales continue at the run rate (mean daily net settlement of
    the last ``run_rate_weeks`` weeks up to ``as_of``, per platform) and settle with the same
    lag (``inflow_future_fen``). Outflows: purchase orders are paid ``supplier_payment_days``
    after receipt (open POs: after the promised day, else the order day) at quantity x unit
    cost (received quantity once received); ads and logistics+packaging continue at their
    run rate per day; goods sold from tomorrow on are bought back at their cost of goods
    (COGS run rate per day, ``outflow_replenishment_fen``), paid ``supplier_payment_days``
    after the sale (a stand-in for the purchase orders not yet placed); company overhead (rent, salary) is paid on each month's first day at
    the mean of the last three months. closing_cash_fen = opening + cumulative net.
    """
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

    flows = {c: np.zeros(weeks) for c in ("inflow_settled_fen", "inflow_future_fen",
                                          "outflow_purchases_fen", "outflow_replenishment_fen",
                                          "outflow_ads_fen",
                                          "outflow_fulfilment_fen", "outflow_overhead_fen")}

    def add(col, dates, amounts):
        k = week_of(pd.Series(dates))
        ok = k.notna().to_numpy()
        np.add.at(flows[col], k[ok].astype(int).to_numpy(), np.asarray(amounts, dtype=float)[ok])

    s = daily_sales.assign(sales_date=pd.to_datetime(daily_sales["sales_date"]))
    s = s[s.sales_date <= as_of]
    day = s.groupby(["sales_date", "platform", "shop_id"], as_index=False)[["paid_fen", "refund_fen"]].sum()
    c = costs.assign(cost_date=pd.to_datetime(costs["cost_date"])) if len(costs) else costs
    c = c[c.cost_date <= as_of] if len(c) else c
    if len(c):
        fee = (c[c.kind.isin(["platform_fee", "streamer_commission"])]
               .groupby(["cost_date", "platform", "shop_id"])["amount_fen"].sum()
               .rename("fee_fen").reset_index().rename(columns={"cost_date": "sales_date"}))
        day = day.merge(fee, on=["sales_date", "platform", "shop_id"], how="outer")
    else:
        day["fee_fen"] = 0
    day = day.fillna({"paid_fen": 0, "refund_fen": 0, "fee_fen": 0})
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
    if len(c):
        rc = c[c.cost_date > as_of - pd.Timedelta(days=n_rr)]
        for col, kinds in (("outflow_ads_fen", ["ad_spend"]),
                           ("outflow_fulfilment_fen", ["logistics", "packaging"])):
            rr = rc.loc[rc.kind.isin(kinds), "amount_fen"].sum() / n_rr
            add(col, future_days, np.full(len(future_days), rr))
        oh = c[c.platform == "ALL"]
        if len(oh):
            per_month = oh.groupby(_period(oh.cost_date, "M"))["amount_fen"].sum().sort_index()
            monthly = per_month.tail(3).mean()
            firsts = [d for d in future_days if d.day == 1]
            add("outflow_overhead_fen", firsts, np.full(len(firsts), monthly))
    if len(purchase_orders):
        po = purchase_orders.copy()
        for col in ("ordered_on", "promised_on", "received_on"):
            po[col] = pd.to_datetime(po[col])
        received = po.received_on.notna() & (po.received_on <= as_of)
        base_day = po.received_on.where(received, po.promised_on.fillna(po.ordered_on))
        base_day = base_day.where(~(base_day <= as_of) | received, as_of + pd.Timedelta(days=1))
        qty = np.where(received, po.quantity_received.fillna(0), po.quantity_ordered)
        po = po[po.ordered_on <= as_of]
        add("outflow_purchases_fen", base_day[po.index] + pd.Timedelta(days=pay_days),
            (qty[po.index.to_numpy()] if len(po) else []) * po.unit_cost_fen.astype(float))
    out = pd.DataFrame({"week": np.arange(1, weeks + 1), "week_start": week_starts})
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


# -- break-even and pricing ------------------------------------------------------------------------------
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
    """Per-SKU pricing check (利润保本/定价测算) from :func:`pnl` by sku.

    price_fen = paid / units; unit_cost_fen = cogs / units kept (or ``unit_cost``);
    refund_rate = refund / paid; returned_unit_rate = units returned / units;
    fee_rate = (platform fee + streamer commission) / net sales;
    fulfilment_per_unit_fen = (logistics + packaging) / units; ad_per_unit_fen = ads / units.
    break_even_price_fen = (unit_cost x (1 - returned_unit_rate) + fulfilment + ad) /
    ((1 - refund_rate) x (1 - fee_rate)): the price at which :func:`contribution_at_price`
    is 0. price_headroom_rate = (price - break-even price) / price.
    break_even_units = ad_spend / margin per unit before ads (ads as a fixed budget: the
    units needed to pay for them; NaN when the margin before ads is not positive).
    """
    _check(pnl_by_sku, ["sku", "paid_fen", "units", "cogs_fen", "refund_fen", "units_returned"],
           "unit_economics")
    d = pnl_by_sku[(pnl_by_sku.units >= min_units) & (pnl_by_sku.sku != UNALLOCATED)].copy()
    u = d.units.astype(float)
    kept = (d.units - d.units_returned.clip(upper=d.units)).astype(float)
    d["price_fen"] = d.paid_fen / u
    d["unit_cost_fen"] = (d.sku.map(unit_cost) if unit_cost is not None
                          else d.cogs_fen / kept.where(kept > 0))
    d["refund_rate"] = _rate(d.refund_fen, d.paid_fen).fillna(0)
    d["returned_unit_rate"] = (d.units_returned / u).clip(upper=1)
    d["fee_rate"] = _rate(d.platform_fee_fen + d.streamer_commission_fen, d.net_sales_fen).fillna(0)
    d["fulfilment_per_unit_fen"] = (d.logistics_fen + d.packaging_fen) / u
    d["ad_per_unit_fen"] = d.ad_spend_fen / u
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


# -- courier bill -----------------------------------------------------------------------------------------
def _zone_of(province, rate_card: dict) -> str:
    for zone, provs in (rate_card.get("zones") or {}).items():
        if province in provs:
            return zone
    return rate_card.get("default_zone", "other")


def contracted_fee_fen(province, weight_g, rate_card: dict) -> int:
    """Fee the rate card allows for a parcel: first_kg_fen + extra_kg_fen x
    ceil(max(weight - 1000 g, 0) / 1000 g), with the zone of the destination province."""
    zone = _zone_of(province, rate_card)
    fees = rate_card["fees"].get(zone)
    if fees is None:
        raise KeyError(f"finance.contracted_fee_fen: rate card has no fees for zone {zone!r}; "
                       f"add it under rate_card.fees")
    extra = math.ceil(max(float(weight_g) - 1000.0, 0.0) / 1000.0)
    return int(fees["first_kg_fen"]) + int(fees["extra_kg_fen"]) * extra


_BILL_COLUMNS = {"运单号": "waybill_no", "快递单号": "waybill_no", "订单号": "order_id",
                 "客户单号": "order_id", "寄件日期": "ship_date", "发货日期": "ship_date",
                 "目的省份": "province", "省份": "province", "计费重量(克)": "weight_g",
                 "重量(克)": "weight_g", "计费重量(kg)": "weight_kg", "重量(kg)": "weight_kg",
                 "运费(元)": "fee_yuan", "运费": "fee_yuan"}


def _zones(provinces, rate_card: dict) -> np.ndarray:
    """:func:`_zone_of` of many provinces (each distinct province looked up once)."""
    codes, uniques = pd.factorize(pd.Series(provinces, dtype="object"), use_na_sentinel=False)
    return np.array([_zone_of(p, rate_card) for p in uniques], dtype="object")[codes]


def contracted_fees_fen(provinces, weights_g, rate_card: dict) -> np.ndarray:
    """:func:`contracted_fee_fen` of many parcels at once (same rule, same integers):
    first_kg_fen + extra_kg_fen x ceil(max(weight - 1000 g, 0) / 1000 g) with the zone of
    each destination province. Returns int64 fen, one per parcel."""
    return _fees_of_zones(_zones(provinces, rate_card), weights_g, rate_card)


def _fees_of_zones(zone_of_parcel, weights_g, rate_card: dict) -> np.ndarray:
    codes, zones = pd.factorize(pd.Series(zone_of_parcel, dtype="object"))
    fees = rate_card["fees"]
    for z in zones:
        if z not in fees:
            raise KeyError(f"finance.contracted_fee_fen: rate card has no fees for zone {z!r}; "
                           f"add it under rate_card.fees")
    first = np.array([int(fees[z]["first_kg_fen"]) for z in zones], dtype="int64")[codes]
    per_kg = np.array([int(fees[z]["extra_kg_fen"]) for z in zones], dtype="int64")[codes]
    w = np.asarray(weights_g, dtype="float64")
    extra = np.ceil(np.maximum(w - 1000.0, 0.0) / 1000.0).astype("int64")
    return first + per_kg * extra


def _isin(values: pd.Series, known: pd.Series) -> np.ndarray:
    """values.isin(known) for text ids, through pyarrow (pandas' isin on a few hundred
    thousand strings takes seconds)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    v = pa.array(values.astype("str"), from_pandas=True).cast(pa.large_string())
    k = pa.array(known.astype("str"), from_pandas=True).cast(pa.large_string())
    return pc.fill_null(pc.is_in(v, value_set=k), False).to_numpy(zero_copy_only=False)


def read_carrier_bill(path: str | Path) -> pd.DataFrame:
    """A carrier bill CSV (UTF-8 or GBK) -> waybill_no, order_id, ship_date, province,
    weight_g, fee_fen. Chinese headers (运单号, 客户单号/订单号, 寄件日期, 目的省份,
    计费重量(kg) or (克), 运费(元)) or the canonical names are accepted; fees in yuan become
    exact integer fen."""
    raw = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            raw = pd.read_csv(path, dtype=str, encoding=enc)
            break
        except UnicodeDecodeError:
            continue
    df = raw.rename(columns=lambda c: _BILL_COLUMNS.get(str(c).strip(), str(c).strip()))
    if "weight_g" not in df and "weight_kg" in df:
        df["weight_g"] = (df.weight_kg.astype(float) * 1000).round()
    if "fee_fen" not in df and "fee_yuan" in df:
        df["fee_fen"] = df.fee_yuan.map(yuan_to_fen)
    need = ["waybill_no", "order_id", "province", "weight_g", "fee_fen"]
    missing = [c for c in need if c not in df]
    if missing:
        raise KeyError(f"finance.read_carrier_bill: {path} lacks column(s) {missing}; found "
                       f"{list(raw.columns)}; name them 运单号, 客户单号, 目的省份, 计费重量(kg), 运费(元)")
    df["weight_g"] = df.weight_g.astype(float).astype("int64")
    df["fee_fen"] = df.fee_fen.astype("int64")
    if "ship_date" in df:
        df["ship_date"] = pd.to_datetime(df.ship_date)
    return df[[c for c in ["waybill_no", "order_id", "ship_date", "province", "weight_g",
                           "fee_fen"] if c in df]]


def reconcile_courier_bill(bill: pd.DataFrame, shipped: pd.DataFrame, rate_card: dict,
                           tolerance_fen: int = 0) -> pd.DataFrame:
    """快递费核对: every bill line checked, in bill order.

    check = ``bill_duplicate`` when the waybill number was already billed on an earlier line
    (the whole fee is a double charge), else ``bill_unmatched`` when the order id is not a
    shipped order, else ``bill_overcharged`` when fee > contracted fee
    (:func:`contracted_fee_fen` of the bill's province and weight) + ``tolerance_fen``,
    else ``bill_ok``. contracted_fen per line; claim_fen = the fee for duplicates and unmatched
    lines, fee - contracted for overcharges, 0 otherwise.
    """
    _check(bill, ["waybill_no", "order_id", "province", "weight_g", "fee_fen"], "reconcile_courier_bill")
    b = bill.reset_index(drop=True).copy()
    zones = _zones(b.province, rate_card)
    b["zone"] = zones
    b["contracted_fen"] = _fees_of_zones(zones, b.weight_g, rate_card)
    known = shipped["order_id"] if len(shipped) else pd.Series([], dtype="str")
    dup = b.duplicated("waybill_no", keep="first")
    unmatched = ~_isin(b.order_id, known)
    over = b.fee_fen > b.contracted_fen + tolerance_fen
    b["check"] = np.select([dup, unmatched, over], ["bill_duplicate", "bill_unmatched", "bill_overcharged"], "bill_ok")
    b["excess_fen"] = (b.fee_fen - b.contracted_fen).clip(lower=0).astype("int64")
    b["claim_fen"] = np.select([dup | unmatched, over], [b.fee_fen, b.fee_fen - b.contracted_fen],
                               0).astype("int64")
    return b


def courier_summary(checked: pd.DataFrame) -> pd.DataFrame:
    """Per check result: count_waybills, fee_fen billed and claim_fen (plus a total row)."""
    order = ["bill_ok", "bill_duplicate", "bill_unmatched", "bill_overcharged"]
    g = checked.groupby("check").agg(count_waybills=("waybill_no", "size"),
                                     fee_fen=("fee_fen", "sum"), claim_fen=("claim_fen", "sum"))
    g = g.reindex(order, fill_value=0).reset_index()
    tot = pd.DataFrame([{"check": "total", "count_waybills": g.count_waybills.sum(),
                         "fee_fen": g.fee_fen.sum(), "claim_fen": g.claim_fen.sum()}])
    out = pd.concat([g, tot], ignore_index=True)
    for c in ("count_waybills", "fee_fen", "claim_fen"):
        out[c] = out[c].astype("int64")
    return out


def _is_sorted(df: pd.DataFrame, key: list) -> bool:
    """True when ``df`` is already in ascending order of ``key`` (ties allowed, no missing
    values): then a stable sort by ``key`` would return it unchanged. Compared in pyarrow
    (text by code point, as pandas sorts it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if len(df) < 2:
        return True
    if df[key].isna().to_numpy().any():
        return False
    ok = pa.array(np.zeros(len(df) - 1, dtype=bool))     # strictly greater on an earlier key
    tie = pa.array(np.ones(len(df) - 1, dtype=bool))     # equal on every key so far
    for k in key:
        v = df[k]
        if pd.api.types.is_datetime64_any_dtype(v.dtype):
            if getattr(v.dt, "tz", None):
                v = v.dt.tz_convert("UTC").dt.tz_localize(None)
            a = pa.array(v.to_numpy(dtype="datetime64[us]").view("int64"))
        elif pd.api.types.is_numeric_dtype(v.dtype):
            a = pa.array(v.to_numpy())
        else:
            a = pa.array(v.astype("str"), from_pandas=True)
        nxt, prev = a.slice(1), a.slice(0, len(a) - 1)
        ok = pc.or_(ok, pc.and_(tie, pc.greater(nxt, prev)))
        tie = pc.and_(tie, pc.equal(nxt, prev))
    return bool(pc.all(pc.or_(ok, tie)).as_py())


def _waybills(numbers: np.ndarray) -> pd.Series:
    """"YT" + the number in 12 digits (zero-padded), built in pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype="int64")).cast(pa.string()), 12, "0")
    return pd.Series(pc.binary_join_element_wise(pa.scalar("YT"), digits, "").to_pandas()).astype("str")


def demo_carrier_bill(shipped: pd.DataFrame, rate_card: dict, seed: int = 8,
                      n_unmatched: int = 5, every_dup: int = 97, every_over: int = 61
                      ) -> pd.DataFrame:
    """A DEMO carrier bill built from shipped orders (the warehouse holds no carrier bill).

    Deterministic (sorted input, seeded generator): one waybill per shipped order
    (``YT`` + 12 digits), billed weight = 200 g + 150 g per unit + 0..300 g packing, fee =
    the contracted fee; planted problems: every ``every_dup``-th waybill billed twice,
    every ``every_over``-th overcharged by 1-3 yuan, and ``n_unmatched`` waybills for order
    ids that were never shipped.
    """
    if not len(shipped):
        return pd.DataFrame(columns=["waybill_no", "order_id", "ship_date", "province",
                                     "weight_g", "fee_fen"])
    rng = np.random.default_rng(seed)
    key = ["shipped_at", "platform", "order_id"]
    s = (shipped.reset_index(drop=True) if _is_sorted(shipped, key)   # query_shipped's order
         else shipped.sort_values(key, ignore_index=True))
    n = len(s)
    weight = 200 + 150 * s.units.astype(int).to_numpy() + rng.integers(0, 301, n)
    prov = s.province.fillna("未知").to_numpy()
    fee = contracted_fees_fen(prov, weight, rate_card)
    over = (np.arange(n) % every_over) == every_over - 1
    fee = fee + np.where(over, rng.integers(1, 4, n) * 100, 0)
    seq = 7300000000 + 7 * np.arange(n, dtype="int64")
    bill = pd.DataFrame({"waybill_no": _waybills(seq),
                         "order_id": s.order_id.astype("str"),
                         "ship_date": pd.to_datetime(s.shipped_at).dt.normalize().to_numpy(),
                         "province": pd.Series(prov).astype("str"),
                         "weight_g": weight.astype("int64"),
                         "fee_fen": fee.astype("int64")})
    dups = bill[(np.arange(n) % every_dup) == every_dup - 1]
    ghost_i = rng.choice(n, size=min(n_unmatched, n), replace=False)
    ghosts = bill.iloc[np.sort(ghost_i)].copy()
    ghosts["waybill_no"] = [f"YT{9900000000 + i:012d}" for i in range(len(ghosts))]
    ghosts["order_id"] = [f"NOORDER{i:04d}" for i in range(len(ghosts))]
    out = pd.concat([bill, dups, ghosts], ignore_index=True)
    if out["ship_date"].isna().any():
        return out.sort_values(["ship_date", "waybill_no"], kind="stable", ignore_index=True)
    # the same stable order by ship_date, waybill_no, on integers: every waybill is "YT" +
    # 12 digits, so its number orders as its text does
    num = np.concatenate([seq, seq[(np.arange(n) % every_dup) == every_dup - 1],
                          9900000000 + np.arange(len(ghosts), dtype="int64")])
    day = out["ship_date"].to_numpy(dtype="datetime64[us]").view("int64")
    return out.iloc[np.lexsort((num, day))].reset_index(drop=True)


# -- stock reconciliation -----------------------------------------------------------------------------------
# One definition of how stock moves (docs/DECISIONLOG.md 35, 85), used by the finance report's
# stock reconciliation (query_stock_moves -> stock_reconciliation) and by the quality rule
# inventory_snapshots.stock_continuity (STOCK_CONTINUITY_SQL). Plain SQL over the canonical
# tables; {where} of STOCK_MOVES_CTES restricts the days of the movements (or is empty).
STOCK_MOVES_CTES = """stock_homes AS (
    -- the warehouse whose stock a SKU's sales and returns move: the first by name of the
    -- warehouses that hold it (snapshots) or receive it (purchase orders)
    SELECT sku, MIN(warehouse_id) AS warehouse_id
    FROM (SELECT sku, warehouse_id FROM inventory_snapshots
          UNION ALL
          SELECT sku, warehouse_id FROM purchase_orders WHERE warehouse_id IS NOT NULL) h
    GROUP BY sku
),
stock_sku_moves AS (
    -- out: paid lines, on their order's created_at day (the stock is taken when the order is
    -- placed), SKU resolved through sku_map (int_sku_resolved's rule, joined on the line)
    SELECT """ + rollups.SKU_OF_LINE + """ AS sku, CAST(o.created_at AS DATE) AS move_date,
           0 AS inbound_units, CAST(SUM(l.quantity) AS BIGINT) AS outbound_units,
           0 AS returned_units
    FROM order_lines l
    JOIN orders o ON o.platform = l.platform AND o.shop_id = l.shop_id AND o.order_id = l.order_id
    """ + rollups.SKU_MAP_JOINS + """
    WHERE o.paid_at IS NOT NULL
    GROUP BY 1, 2
    UNION ALL
    -- back: units_returned of after-sales cases, on their refunded_at day (the line's SKU,
    -- else the case's own; order-level cases name no SKU and are left out)
    SELECT COALESCE(""" + rollups.SKU_OF_LINE + """, x.sku) AS sku,
           CAST(x.refunded_at AS DATE) AS move_date, 0 AS inbound_units, 0 AS outbound_units,
           CAST(SUM(x.units_returned) AS BIGINT) AS returned_units
    FROM refunds x
    LEFT JOIN order_lines l ON l.platform = x.platform AND l.shop_id = x.shop_id
         AND l.order_id = x.order_id AND l.line_id = x.line_id
    """ + rollups.SKU_MAP_JOINS + """
    WHERE x.status = 'refunded' AND x.refunded_at IS NOT NULL AND x.units_returned > 0
    GROUP BY 1, 2
),
stock_moves AS (
    -- one row per warehouse, SKU and day with a movement. in: quantity_received of purchase
    -- orders on received_on at their warehouse (none named: the SKU's home). Sales and
    -- returns move the SKU's home warehouse ('?' when no warehouse knows the SKU).
    SELECT warehouse_id, sku, move_date, CAST(SUM(inbound_units) AS BIGINT) AS inbound_units,
           CAST(SUM(outbound_units) AS BIGINT) AS outbound_units,
           CAST(SUM(returned_units) AS BIGINT) AS returned_units
    FROM (SELECT COALESCE(p.warehouse_id, h.warehouse_id, '?') AS warehouse_id, p.sku,
                 p.received_on AS move_date, p.quantity_received AS inbound_units,
                 0 AS outbound_units, 0 AS returned_units
          FROM purchase_orders p LEFT JOIN stock_homes h ON h.sku = p.sku
          WHERE p.received_on IS NOT NULL AND p.quantity_received > 0
          UNION ALL
          SELECT COALESCE(h.warehouse_id, '?'), m.sku, m.move_date, m.inbound_units,
                 m.outbound_units, m.returned_units
          FROM stock_sku_moves m LEFT JOIN stock_homes h ON h.sku = m.sku
          WHERE m.sku IS NOT NULL) a
    WHERE TRUE{where}
    GROUP BY warehouse_id, sku, move_date
)"""

#: units received, sold and returned per warehouse and SKU over [$start_d, $end_d)
STOCK_MOVES_SQL = "WITH " + STOCK_MOVES_CTES.format(
    where=" AND move_date >= $start_d AND move_date < $end_d") + """
SELECT warehouse_id, sku, CAST(SUM(inbound_units) AS BIGINT) AS inbound_units,
       CAST(SUM(outbound_units) AS BIGINT) AS outbound_units,
       CAST(SUM(returned_units) AS BIGINT) AS returned_units
FROM stock_moves
GROUP BY warehouse_id, sku
ORDER BY warehouse_id, sku
"""

#: every step from one stock snapshot of a warehouse x SKU to its next: opening (the earlier
#: snapshot) + inbound - outbound + returned (the movements of the days after it, up to and
#: including the later one) = expected_closing_units; difference_units = the later snapshot
#: - expected. A SKU first listed after its warehouse's first snapshot day held 0 units on the
#: warehouse's snapshot day before; a pair's first snapshot on its warehouse's first day has
#: no opening and is not checked. Snapshots missing in between are skipped (their days'
#: movements count in the next step), so the steps of a period add up to its reconciliation.
STOCK_CONTINUITY_SQL = "WITH " + STOCK_MOVES_CTES.format(where="") + """,
snaps AS (
    SELECT warehouse_id, sku, snapshot_date, CAST(SUM(on_hand_units) AS BIGINT) AS on_hand_units
    FROM inventory_snapshots
    GROUP BY warehouse_id, sku, snapshot_date
),
checkpoints AS (
    SELECT * FROM snaps
    UNION ALL
    SELECT f.warehouse_id, f.sku, MAX(w.snapshot_date) AS snapshot_date, 0 AS on_hand_units
    FROM (SELECT warehouse_id, sku, MIN(snapshot_date) AS first_date FROM snaps
          GROUP BY warehouse_id, sku) f
    JOIN (SELECT DISTINCT warehouse_id, snapshot_date FROM snaps) w
         ON w.warehouse_id = f.warehouse_id AND w.snapshot_date < f.first_date
    GROUP BY f.warehouse_id, f.sku
),
timeline AS (
    -- snapshots and movements of the pairs that have snapshots; on one day the movements
    -- come before the end-of-day snapshot
    SELECT warehouse_id, sku, snapshot_date AS d, 1 AS is_snapshot, on_hand_units,
           0 AS inbound_units, 0 AS outbound_units, 0 AS returned_units
    FROM checkpoints
    UNION ALL
    SELECT m.warehouse_id, m.sku, m.move_date, 0, NULL, m.inbound_units, m.outbound_units,
           m.returned_units
    FROM stock_moves m
    WHERE EXISTS (SELECT 1 FROM snaps s WHERE s.warehouse_id = m.warehouse_id AND s.sku = m.sku)
),
running AS (
    -- the movements so far, at every row (a snapshot row adds none)
    SELECT warehouse_id, sku, d, is_snapshot, on_hand_units,
           SUM(inbound_units) OVER w AS in_so_far, SUM(outbound_units) OVER w AS out_so_far,
           SUM(returned_units) OVER w AS back_so_far
    FROM timeline
    WINDOW w AS (PARTITION BY warehouse_id, sku ORDER BY d, is_snapshot ROWS UNBOUNDED PRECEDING)
),
paired AS (
    -- each snapshot with the one before it and the movements in between
    SELECT warehouse_id, sku, d AS snapshot_date, LAG(d) OVER v AS previous_snapshot_date,
           LAG(on_hand_units) OVER v AS opening_units,
           CAST(in_so_far - LAG(in_so_far) OVER v AS BIGINT) AS inbound_units,
           CAST(out_so_far - LAG(out_so_far) OVER v AS BIGINT) AS outbound_units,
           CAST(back_so_far - LAG(back_so_far) OVER v AS BIGINT) AS returned_units,
           on_hand_units AS closing_units
    FROM running
    WHERE is_snapshot = 1
    WINDOW v AS (PARTITION BY warehouse_id, sku ORDER BY d)
)
SELECT warehouse_id, sku, snapshot_date, previous_snapshot_date, opening_units, inbound_units,
       outbound_units, returned_units,
       opening_units + inbound_units - outbound_units + returned_units AS expected_closing_units,
       closing_units,
       closing_units - (opening_units + inbound_units - outbound_units + returned_units)
           AS difference_units
FROM paired
WHERE previous_snapshot_date IS NOT NULL
"""


def stock_reconciliation(opening: pd.DataFrame, closing: pd.DataFrame, inbound: pd.DataFrame,
                         moves: pd.DataFrame) -> pd.DataFrame:
    """Opening + inbound - outbound + customer returns = closing, per warehouse and SKU.

    ``opening`` / ``closing``: snapshot rows (warehouse_id, sku, on_hand_units) of the day
    before the period and of its last day; ``inbound``: units received per warehouse and
    SKU (purchase orders received in the period); ``moves``: :func:`query_stock_moves`
    (outbound = paid units of orders created in the period, returned = customer returns
    refunded in the period, per warehouse and SKU: ``STOCK_MOVES_SQL``, the definition the
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


# -- export ------------------------------------------------------------------------------------------------
def export_excel(tables: dict[str, pd.DataFrame], path: str | Path, lang: str = "zh") -> Path:
    """Write each table to its own sheet (sheet name = key, max 31 chars) with
    :func:`ecomlib.excel.write_tables`: money columns (``*_fen``) become yuan (fen / 100,
    exact to the cent) under labelled headers ("实付金额 (元)"); rates stay 0..1 with a
    percent number format; rows are streamed (a workbook of 100k cells in about a second)."""
    from .. import excel

    def head(col) -> str:
        lab = i18n.label(col, lang)
        return f"{lab} ({i18n.label('yuan', lang)})" if str(col).endswith("_fen") else lab
    return excel.write_tables(tables, path, headers=head)


def export_csv(df: pd.DataFrame, path: str | Path, lang: str = "zh") -> Path:
    """Write a long table (e.g. every line of :func:`reconcile_courier_bill`) as CSV,
    UTF-8 with a BOM (Excel opens it with Chinese intact), headers labelled as in
    :func:`export_excel`. Text cells starting with ``= + - @`` get a leading ``'``
    (:func:`ecomlib.excel.formula_safe`: no CSV injection). Money columns (``*_fen``)
    become yuan: integer fen exact with two
    decimals (fen x 0.01 as a decimal), fractional fen / 100; datetimes lose their time zone and are written as dates when
    every value is a midnight. Written by DuckDB (about a second per million rows), for
    tables too long for an Excel sheet (1,048,576 rows) or for openpyxl (~100k cells/s)."""
    import duckdb

    from .. import excel
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    d = df.set_axis([f"c{k}" for k in range(len(df.columns))], axis=1).reset_index(drop=True)
    heads: dict = {}
    sel = []
    for k, col in enumerate(df.columns):
        lab = i18n.label(col, lang)
        if str(col).endswith("_fen"):
            lab = f"{lab} ({i18n.label('yuan', lang)})"
        if lab in heads.values():
            lab = f"{lab} ({col})"
        heads[col] = lab
        src, v = f"c{k}", d[f"c{k}"]
        expr = f'"{src}"'
        if str(col).endswith("_fen"):
            expr = (f"CAST({expr} AS DECIMAL(18,0)) * 0.01" if pd.api.types.is_integer_dtype(v.dtype)
                    else f"CAST({expr} AS DOUBLE) / 100")
        elif pd.api.types.is_datetime64_any_dtype(v.dtype):
            if getattr(v.dt, "tz", None):
                d[src] = v = v.dt.tz_localize(None)
            if bool((v.dropna() == v.dropna().dt.normalize()).all()):
                expr = f"CAST({expr} AS DATE)"
        else:  # text from the exports: never a formula when the CSV is opened in Excel
            d[src] = excel.formula_safe(v)
        sel.append(f'{expr} AS "{lab.replace(chr(34), chr(34) * 2)}"')
    tmp = path.with_name(path.name + ".part")
    con = duckdb.connect()
    try:
        con.register("t", d)
        con.execute(f"COPY (SELECT {', '.join(sel)} FROM t) TO '{str(tmp).replace(chr(39), chr(39) * 2)}' "
                    f"(HEADER, DELIMITER ',')")
    finally:
        con.close()
    with open(path, "wb") as out, open(tmp, "rb") as src_f:
        out.write(b"\xef\xbb\xbf")
        while chunk := src_f.read(1 << 22):
            out.write(chunk)
    tmp.unlink()
    return path


# -- domain charts ----------------------------------------------------------------------------------------
def waterfall_chart(structure: pd.DataFrame, key: str, value: str = "contribution_fen",
                    top: int = 10, title: str | None = None, lang: str = "zh"):
    """Profit waterfall: the ``top`` largest positive ``value`` rows one by one, the rest of
    the positive rows as one bar, then every negative row together (the drag), ending in the
    total. ``structure`` is :func:`profit_structure` output. Returns a matplotlib Figure."""
    from matplotlib.figure import Figure

    from .. import plots
    plots._lang(lang)
    if not len(structure):
        return plots._empty_figure(title, lang, (11, 4.2))
    d = structure.sort_values(value, ascending=False)
    pos = d[d[value] > 0]
    neg = d[d[value] < 0]
    steps = [(str(i18n.label(k, lang)), float(v)) for k, v in zip(pos[key].head(top), pos[value].head(top))]
    if len(pos) > top:
        steps.append((i18n.text(f"其余 {len(pos) - top} 个盈利项", f"other {len(pos) - top} profitable",
                                lang), float(pos[value].iloc[top:].sum())))
    if len(neg):
        steps.append((i18n.text(f"{len(neg)} 个亏损项", f"{len(neg)} loss-making", lang),
                      float(neg[value].sum())))
    total = float(d[value].sum())
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    ax = fig.add_subplot()
    run = 0.0
    for i, (lab, v) in enumerate(steps):
        color = "#2B8A3E" if v >= 0 else "#C92A2A"
        ax.bar(i, v / 100, bottom=run / 100, color=color, width=0.7)
        ax.text(i, (run + max(v, 0)) / 100, fmt_short(v, lang), ha="center", va="bottom",
                fontsize="x-small")
        run += v
    ax.bar(len(steps), total / 100, color="#495057", width=0.7)
    ax.text(len(steps), max(total, 0) / 100, fmt_short(total, lang), ha="center", va="bottom",
            fontsize="x-small")
    labels = [s[0] for s in steps] + [i18n.label("total", lang)]
    ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right", rotation_mode="anchor")
    ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    ax.set_ylabel(f"{i18n.label(value, lang)} ({i18n.label('yuan', lang)})")
    ax.axhline(0, color="#868E96", lw=0.8)
    ax.grid(axis="x", visible=False)
    if title:
        ax.set_title(title)
    return fig


def fmt_short(v_fen: float, lang: str) -> str:
    from .. import fmt
    return fmt.wan(int(round(v_fen)), lang, decimals=1)


def cash_chart(forecast: pd.DataFrame, title: str | None = None, lang: str = "zh"):
    """Weekly net cash flow (bars, green in / red out) and closing cash (line) of
    :func:`cash_flow_forecast`, the lowest week marked."""
    from matplotlib.figure import Figure

    from .. import plots
    plots._lang(lang)
    if not len(forecast):
        return plots._empty_figure(title, lang, (11, 4.2))
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(forecast))
    net = forecast["net_fen"].to_numpy() / 100
    ax.bar(x, net, color=np.where(net >= 0, "#69DB7C", "#FF8787"), width=0.7,
           label=i18n.label("net_fen", lang))
    ax.plot(x, forecast["closing_cash_fen"] / 100, color="#1C7ED6", marker="o", lw=1.8,
            label=i18n.label("closing_cash_fen", lang))
    low = int(np.argmin(forecast["closing_cash_fen"].to_numpy()))
    ax.annotate(i18n.text("最低", "lowest", lang), (low, forecast["closing_cash_fen"].iloc[low] / 100),
                textcoords="offset points", xytext=(0, -18), ha="center", color="#C92A2A")
    ax.set_xticks(x, [pd.Timestamp(d).strftime("%m-%d") for d in forecast["week_start"]])
    ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    ax.set_ylabel(i18n.label("yuan", lang))
    ax.axhline(0, color="#868E96", lw=0.8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    return fig


# -- the report's data in one call (what notebooks/finance.ipynb shows) -------------------------------------
def stock_inputs(wh, start, end) -> dict:
    """Opening/closing snapshots, inbound receipts and stock moves for
    :func:`stock_reconciliation` (company-wide: warehouses belong to no shop). The opening
    is the last snapshot before ``start`` (else the first in the period, whose own moves
    are then already in it); moves and receipts count from the day after the opening."""
    days = wh.sql(rollups.FIN_SNAPSHOT_DAYS_SQL, _params(start, end))
    od, cd = days["opening_date"].iloc[0], days["closing_date"].iloc[0]
    if pd.isna(od) or pd.isna(cd):
        return {"opening_date": None, "closing_date": None}
    od, cd = pd.Timestamp(od), pd.Timestamp(cd)
    snap = lambda d: wh.read("inventory_snapshots", start=d, end=d,
                             columns=["warehouse_id", "sku", "on_hand_units"])
    first_move = od + pd.Timedelta(days=1)
    moves = (query_stock_moves(wh, first_move, cd) if first_move <= cd else pd.DataFrame(
        {c: pd.Series(dtype="object" if c in ("warehouse_id", "sku") else "int64")
         for c in ("warehouse_id", "sku", "inbound_units", "outbound_units", "returned_units")}))
    inbound = moves.loc[moves.inbound_units != 0, ["warehouse_id", "sku", "inbound_units"]]
    return {"opening_date": od, "closing_date": cd, "opening": snap(od), "closing": snap(cd),
            "inbound": inbound.reset_index(drop=True),
            "moves": moves[["warehouse_id", "sku", "outbound_units", "returned_units"]]}


def build_report(wh, start, end, shops=None, platforms=None, settings: dict | None = None,
                 targets_file=PARAMS / "targets.yaml", commission_file=PARAMS / "commission.yaml",
                 carrier_bill: str | None = None, opening_cash_fen: int = 0,
                 min_units: int = 20) -> dict:
    """Every table of the finance report for one period and filter, reconciled.

    Reads the warehouse (sales for the period and the 12 months before it, for
    year-over-year; ``r["sales"]`` holds the period's sales per day, platform and shop: the
    SKU-day rows stay in DuckDB, see :func:`load_sku_day` and :func:`query_sku_pnl`), builds
    the P&L tables, targets, commission, cash forecast, pricing,
    courier and stock checks, and the reconciliation (:func:`reconcile`) of every P&L table
    against independent SQL. Does not raise when the reconciliation fails: the caller
    decides (the notebook calls :func:`assert_ties`).
    """
    settings = settings or load_settings()
    shops = list(shops) if shops else None
    platforms = list(platforms) if platforms else None
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    hist_start = (start - pd.DateOffset(years=1)).to_period("M").to_timestamp()
    # SKU-day sales stay in the engine (a temporary table); pandas gets shop-day rows and
    # the P&L per SKU with its costs already allocated (docs/DECISIONLOG.md)
    load_sku_day(wh, hist_start, end, shops, platforms)
    try:
        sales_all = query_shop_day(wh)
        costs_all = estimate_costs(query_costs(wh, hist_start, end, shops, platforms), sales_all,
                                   settings)
        in_p = sales_all["sales_date"] >= start
        costs = costs_all[costs_all.cost_date >= start].reset_index(drop=True)
        by_sku = query_sku_pnl(wh, costs, start, end)
    finally:
        drop_sku_day(wh)
    sales = sales_all[in_p].reset_index(drop=True)
    r: dict = {"start": start, "end": end, "sales": sales, "costs": costs,
               "has_sales": bool(len(sales))}
    r["total"] = pnl(sales, costs)
    r["overhead"] = overhead(costs)
    r["statement"] = income_statement(r["total"], r["overhead"])
    r["monthly"] = pnl(sales, costs, freq="M", start=start, end=end)
    monthly_all = pnl(sales_all, costs_all, freq="M", start=hist_start, end=end)
    ch = changes(monthly_all, "net_sales_fen")
    ch2 = changes(monthly_all, "contribution_fen")
    ch = ch.merge(ch2[["month", "contribution_fen", "mom_rate", "yoy_rate"]], on="month",
                  suffixes=("", "_contribution"))
    r["changes"] = ch[ch.month >= start].reset_index(drop=True)
    r["weekly"] = pnl(sales, costs, freq="W", start=start, end=end)
    r["by_platform"] = pnl(sales, costs, ["platform"])
    r["by_shop"] = pnl(sales, costs, ["platform", "shop_id"])
    r["by_sku"] = by_sku
    r["by_category"] = regroup(by_sku, ["category"])
    r["category_structure"] = profit_structure(r["by_category"], "category")
    r["sku_structure"] = profit_structure(r["by_sku"], "sku")
    r["cost_structure"] = cost_structure(r["total"], r["overhead"])
    # reconciliation: every table against independent SQL, costs against the raw tables
    ind = query_recon(wh, start, end, shops, platforms)
    shop_costs = int(costs.loc[costs.platform != "ALL", "amount_fen"].sum())
    booked_in_statement = (int(r["total"][SHOP_COST_COLS].to_numpy().sum())
                           + int(r["overhead"]["amount_fen"].sum())
                           - int(costs.loc[costs.source == "estimated", "amount_fen"].sum()))
    r["estimated_costs_fen"] = int(costs.loc[costs.source == "estimated", "amount_fen"].sum())
    r["reconciliation"] = reconcile(
        {"total": r["total"], "monthly": r["monthly"], "weekly": r["weekly"],
         "by_shop": r["by_shop"], "by_category": r["by_category"], "by_sku": r["by_sku"]},
        ind, booked_in_statement, query_recon_costs(wh, start, end, shops, platforms), shop_costs)
    # targets and commission (as of the period end)
    targets, members = load_targets(targets_file)
    r["target_metric"] = str(targets["metric"].iloc[0]) if len(targets) else "paid_fen"
    if shops or platforms:
        keep = set(sales_all.shop_id.unique()) | set(shops or [])
        members = members[members.shop_id.isin(keep)]
        targets = targets.merge(members[["level", "entity"]].drop_duplicates(),
                                on=["level", "entity"])
    targets = targets[(targets.month >= start.to_period("M").to_timestamp()) & (targets.month <= end)]
    r["attainment"] = attainment(sales, targets, members, end)
    r["commission"] = commission(r["attainment"], load_commission_rule(commission_file))
    # cash flow from the period end
    # purchase orders are company-wide (no shop): left out under a shop/platform filter,
    # where the replenishment run rate stands in for them
    po = wh.read("purchase_orders") if not (shops or platforms) else pd.DataFrame()
    r["cash"] = cash_flow_forecast(sales_all, costs_all, po, end, opening_cash_fen, settings)
    r["pricing"] = unit_economics(r["by_sku"], min_units=min_units)
    # courier bill
    shipped = query_shipped(wh, start, end, shops, platforms)
    rc = settings["rate_card"]
    if carrier_bill:
        bill, r["bill_is_demo"] = read_carrier_bill(carrier_bill), False
    else:
        bill, r["bill_is_demo"] = demo_carrier_bill(shipped, rc), True
    r["courier"] = reconcile_courier_bill(bill, shipped, rc, int(rc.get("tolerance_fen", 0)))
    r["courier_summary"] = courier_summary(r["courier"])
    r["count_shipped"] = len(shipped)
    # stock
    si = stock_inputs(wh, start, end)
    r["stock_dates"] = (si["opening_date"], si["closing_date"])
    r["stock"] = (stock_reconciliation(si["opening"], si["closing"], si["inbound"], si["moves"])
                  if si["opening_date"] is not None else pd.DataFrame())
    return r
