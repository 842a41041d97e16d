"""The metric catalogue: every metric the reports show, defined once.

A :class:`Metric` has a name, its formula over mart columns, unit, grain, whether it adds up,
its zh/en label, display format and which direction is good. Labels, table headers, Excel
formats and report sentences read it (:func:`label`, :func:`fmt_kind`, :func:`good_when_up`);
values come from :func:`value` (a frame of mart rows) so a ratio is always the ratio of sums
of the same rows, never a mean of ratios.

The definitions follow DESIGN.md's platform conventions. The three that are easy to get
wrong:

* 客单价 (``aov_fen``) = paid / paying buyer-days: buyers counted per day (as 生意参谋 counts
  them) and summed over the days, so that over any period
  ``paid = visitors x 转化率 x 客单价`` (with visitors summed per day too);
* 转化率 (``conversion_rate``) = paying buyer-days / visitor-days;
* 笔单价 (``order_value_fen``) = paid / paid orders, shown beside 客单价.

A buyer count de-duplicated over a long period (``active_buyers``) is another metric and is
never the denominator of the two above.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Metric", "METRICS", "metric", "value", "values", "label", "fmt_kind",
           "good_when_up", "check_identity"]

FORMATS = ("money", "int", "pct", "ratio", "days")
UNITS = ("fen", "count", "units", "rate", "ratio", "days")


@dataclass(frozen=True)
class Metric:
    """One metric. ``num`` / ``den``: mart columns summed over the rows (``den`` None: a sum;
    ``num`` may be ``a - b`` of two columns). ``source``: the mart whose columns these are.
    ``additive``: the metric of a union of rows is the sum of the metrics."""

    name: str
    zh: str
    en: str
    unit: str
    fmt: str
    num: str
    den: str | None = None
    source: str = "mart_shop_daily"
    grain: str = "any rows of the source mart"
    good: str | None = "up"        # up | down | None (neither)
    doc: str = ""

    @property
    def additive(self) -> bool:
        return self.den is None

    @property
    def formula(self) -> str:
        n = _sum_text(self.num)
        return n if self.den is None else f"{n} / {_sum_text(self.den)}"


def _sum_text(expr: str) -> str:
    """``a - b + c`` -> ``SUM(a) - SUM(b) + SUM(c)``."""
    import re
    return re.sub(r"[a-z_]+", lambda m: f"SUM({m.group()})", expr)


def _m(*a, **k) -> Metric:
    return Metric(*a, **k)


METRICS: dict[str, Metric] = {m.name: m for m in [
    # -- sales (mart_shop_daily / mart_sales_daily) -----------------------------------------
    _m("gmv_fen", "GMV(拍下金额)", "GMV (ordered)", "fen", "money", "gmv_fen",
       doc="amount due on every order line placed, paid or not"),
    _m("paid_fen", "实付金额", "Paid amount", "fen", "money", "paid_fen",
       doc="amount paid on lines of paid orders, on the payment day"),
    _m("refund_fen", "退款金额", "Refunds", "fen", "money", "refund_fen", good="down",
       doc="completed refunds of the same paid orders, on their order's day"),
    _m("net_sales_fen", "净销售额", "Net sales", "fen", "money", "paid_fen - refund_fen",
       doc="paid - refunds"),
    _m("cogs_fen", "商品成本", "Cost of goods", "fen", "money", "cogs_fen", good=None,
       doc="unit cost x units kept (sold - returned)"),
    _m("gross_profit_fen", "毛利", "Gross profit", "fen", "money",
       "paid_fen - refund_fen - cogs_fen", doc="net sales - cost of goods"),
    _m("units", "销量(件)", "Units sold", "units", "int", "units"),
    _m("units_returned", "退货件数", "Units returned", "units", "int", "units_returned",
       good="down"),
    _m("count_orders", "订单数", "Orders", "count", "int", "count_orders",
       doc="orders placed, paid or not"),
    _m("count_paid_orders", "支付订单数", "Paid orders", "count", "int", "count_paid_orders"),
    _m("count_buyers", "支付买家数", "Paying buyers", "count", "int", "count_buyers",
       doc="paying buyers counted per day; over several days: buyer-days"),
    _m("refund_rate", "退款率", "Refund rate", "rate", "pct", "refund_fen", "paid_fen",
       good="down", doc="refunds / paid amount of the same orders"),
    _m("gross_margin_rate", "毛利率", "Gross margin", "rate", "pct",
       "paid_fen - refund_fen - cogs_fen", "paid_fen - refund_fen",
       doc="gross profit / net sales"),
    _m("aov_fen", "客单价", "Spend per buyer (AOV)", "fen", "money", "paid_fen", "count_buyers",
       doc="paid / paying buyer-days (生意参谋's 客单价)"),
    _m("order_value_fen", "笔单价", "Spend per order", "fen", "money", "paid_fen",
       "count_paid_orders", doc="paid / paid orders"),
    _m("units_per_order", "件单数", "Units per order", "ratio", "ratio", "units",
       "count_paid_orders"),
    _m("discount_rate", "优惠深度", "Discount depth", "rate", "pct",
       "shop_discount_fen + platform_discount_fen", "list_fen", good=None,
       doc="(shop + platform discounts) / list value of paid lines"),
    # -- traffic (mart_traffic_daily) with sales --------------------------------------------
    _m("visitors", "访客数", "Visitors", "count", "int", "visitors", source="mart_traffic_daily",
       doc="unique visitors per day and source; over several days: visitor-days"),
    _m("page_views", "浏览量", "Page views", "count", "int", "page_views",
       source="mart_traffic_daily"),
    _m("add_to_cart", "加购人数", "Add-to-cart visitors", "count", "int", "add_to_cart",
       source="mart_traffic_daily"),
    _m("conversion_rate", "转化率", "Conversion rate", "rate", "pct", "count_buyers", "visitors",
       source="mart_shop_daily + mart_traffic_daily",
       doc="paying buyer-days / visitor-days (so paid = visitors x 转化率 x 客单价)"),
    _m("uv_value_fen", "UV价值", "Value per visitor", "fen", "money", "paid_fen", "visitors",
       source="mart_shop_daily + mart_traffic_daily", doc="paid / visitor-days"),
    _m("cart_rate", "加购率", "Add-to-cart rate", "rate", "pct", "add_to_cart", "visitors",
       source="mart_traffic_daily"),
    # -- ads (mart_ads_daily) --------------------------------------------------------------
    _m("spend_fen", "广告花费", "Ad spend", "fen", "money", "spend_fen", source="mart_ads_daily",
       good="down"),
    _m("attributed_paid_fen", "广告成交额", "Attributed paid", "fen", "money",
       "attributed_paid_fen", source="mart_ads_daily"),
    _m("roas", "ROAS(投产比)", "ROAS", "ratio", "ratio", "attributed_paid_fen", "spend_fen",
       source="mart_ads_daily", doc="attributed paid amount / ad spend"),
    _m("ctr_rate", "点击率", "Click-through rate", "rate", "pct", "clicks", "impressions",
       source="mart_ads_daily"),
    _m("cpc_fen", "平均点击花费", "Cost per click", "fen", "money", "spend_fen", "clicks",
       source="mart_ads_daily", good="down"),
    # -- stock (mart_stock_daily) --------------------------------------------------------------
    _m("on_hand_units", "在库数量", "Units on hand", "units", "int", "on_hand_units",
       source="mart_stock_daily", good=None, grain="one snapshot day (not additive over days)"),
    _m("on_hand_value_fen", "库存金额(成本)", "Stock value (at cost)", "fen", "money",
       "on_hand_value_fen", source="mart_stock_daily", good=None,
       grain="one snapshot day (not additive over days)"),
    # -- channels, overview and the apps ----------------------------------------------------
    _m("buyer_days", "支付买家(人·天)", "Paying buyer-days", "count", "int", "count_buyers",
       grain="several days of mart_shop_daily (or mart_streamer_daily)",
       doc="paying buyers counted per day and summed over the days: a buyer of two days counts "
           "twice (the denominator of 客单价, the numerator of 转化率); count_buyers over a "
           "period, shown under the name that says what it counts"),
    _m("gross_profit_rate", "毛利/实付", "Gross profit / paid", "rate", "pct",
       "paid_fen - refund_fen - cogs_fen", "paid_fen",
       doc="gross profit per yuan paid (not per yuan of net sales: that is gross_margin_rate); "
           "turns an ad's attributed paid amount into attributed gross profit"),
    _m("source_conversion_rate", "来源转化率", "Conversion by source", "rate", "pct", "buyers",
       "visitors", source="mart_traffic_daily",
       doc="the platform's paying buyers attributed to a traffic source / its visitors, both "
           "per day and summed (the traffic export's own count, not the orders')"),
    _m("cart_to_buy_rate", "加购转化率", "Cart-to-buy rate", "rate", "pct", "buyers",
       "add_to_cart", source="mart_traffic_daily",
       doc="paying buyers / add-to-cart visitors of the same source and days"),
    _m("roi", "广告ROI((毛利-花费)/花费)", "Ad ROI ((gross profit - spend) / spend)", "ratio",
       "ratio", "attributed_gross_profit_fen - spend_fen", "spend_fen",
       source="mart_ads_daily", doc="attributed_gross_profit_fen = attributed paid x the "
       "shop's gross_profit_rate over the same period (ad platforms report paid amounts only)"),
    _m("commission_roi", "佣金ROI((毛利-佣金)/佣金)", "Commission ROI "
       "((gross profit - commission) / commission)", "ratio", "ratio",
       "paid_fen - refund_fen - cogs_fen - streamer_commission_fen", "streamer_commission_fen",
       source="mart_streamer_daily + streamer commission",
       doc="a streamer's gross profit after commission per yuan of commission"),
    # -- inventory: per-SKU period rows (ecomlib.metrics.inventory.sku_period) ---------------
    _m("turnover", "周转次数", "Turns", "ratio", "ratio", "cogs_fen", "avg_value_fen",
       source="inventory.sku_period", grain="SKUs over one period",
       doc="cost of goods of the period (units kept, int_order_lines) / average stock at cost "
           "over the period's days (times per period)"),
    _m("turnover_days", "周转天数", "Days to turn", "days", "days", "stock_value_days_fen",
       "cogs_fen", source="inventory.sku_period", grain="SKUs over one period", good="down",
       doc="stock at cost summed over the period's days / cost of goods = days / turnover"),
    _m("avg_daily_units", "日均销量(件)", "Average daily units", "units", "ratio",
       "avg_daily_units", source="inventory.sku_period", grain="SKUs over one period",
       doc="units sold / days of the period (adds up over SKUs)"),
    _m("days_of_supply", "可售天数", "Days of supply", "days", "days", "closing_stock_units",
       "avg_daily_units", source="inventory.sku_period", grain="SKUs over one period",
       good=None, doc="units on hand at the period end (oversold as 0) / average daily units"),
    _m("sell_through_rate", "售罄率", "Sell-through", "rate", "pct", "units_sold",
       "units_sold + closing_stock_units", source="inventory.sku_period",
       grain="SKUs over one period",
       doc="units sold / (units sold + units on hand at the period end, oversold as 0)"),
    _m("active_sku_rate", "动销率", "Active-SKU rate", "rate", "pct", "count_skus_sold",
       "count_skus_stocked", source="inventory.sku_period", grain="SKUs over one period",
       doc="SKUs with a unit sold / SKUs stocked (on hand at the start or end, or sold)"),
    _m("avg_value_fen", "平均库存金额(成本)", "Average stock at cost", "fen", "money",
       "avg_value_fen", source="inventory.sku_period", grain="SKUs over one period",
       good=None, doc="mean over the period's days of max(on_hand_value_fen, 0) (mart_stock_daily)"),
    _m("closing_value_fen", "期末库存金额(成本)", "Closing stock at cost", "fen", "money",
       "closing_value_fen", source="inventory.sku_period", grain="SKUs over one period",
       good=None, doc="max(on_hand_value_fen, 0) of the last snapshot of the period"),
    _m("stockout_days_sku", "缺货天数", "Stock-out days", "count", "int", "stockout_days_sku",
       source="inventory.sku_period", grain="SKUs over one period", good="down",
       doc="SKU-days of the period ending with nothing on hand"),
    _m("count_skus_out", "缺货SKU数", "SKUs out of stock", "count", "int", "count_skus_out",
       source="inventory.sku_period", grain="SKUs at one period end", good="down",
       doc="SKUs stocked in the period (on hand at its start, or sold in it) that end it with "
           "nothing on hand"),
    _m("lost_sales_fen", "损失销售额(估)", "Lost sales (est.)", "fen", "money",
       "lost_sales_fen", source="inventory.stockouts", grain="SKUs over one period",
       good="down", doc="units a stock-out kept from selling (demand of nearby in-stock days "
       "- units sold) x the SKU's average paid price"),
    # -- members (the members report: ecomlib.metrics.members*, sql/queries/members) --------
    # rows: one per window (a period, a cohort month, a region, a platform combination, an
    # RFM tier) of the members queries; a member counts once per window, so counts of members
    # add up over windows only as member-windows
    _m("count_members", "付款会员数", "Paying members", "count", "int", "count_members",
       source="members queries (mart_member_orders)",
       grain="one window: each member with a paid order in it once",
       doc="known members with a paid order in the window (de-duplicated within it: not "
           "buyer-days)"),
    _m("count_repeat_members", "复购会员数", "Repeat members", "count", "int",
       "count_repeat_members", source="members queries (mart_member_orders)",
       grain="one window: each member once", doc="members with 2+ paid orders in the window"),
    _m("repurchase_rate", "复购率", "Repurchase rate", "rate", "pct", "count_repeat_members",
       "count_members", source="members queries (mart_member_orders)",
       grain="one window: each member once",
       doc="members with 2+ paid orders in the window / members with 1+"),
    _m("count_new", "新会员数", "New members", "count", "int", "count_new",
       source="members/buyers_by_period", grain="one period: each member once",
       doc="members whose first purchase (within the selection) falls in the period"),
    _m("count_returning", "老会员数", "Returning members", "count", "int", "count_returning",
       source="members/buyers_by_period", grain="one period: each member once",
       doc="members with a paid order in the period who bought before it"),
    _m("new_rate", "新会员占比", "New share", "rate", "pct", "count_new", "count_members",
       source="members/buyers_by_period", grain="one period: each member once", good=None,
       doc="new members / members who bought in the period"),
    _m("new_paid_fen", "新会员实付", "Paid by new", "fen", "money", "new_paid_fen",
       source="members/buyers_by_period", doc="paid amount of the period's new members"),
    _m("returning_paid_fen", "老会员实付", "Paid by returning", "fen", "money",
       "returning_paid_fen", source="members/buyers_by_period",
       doc="paid amount of the period's returning members"),
    _m("returning_paid_share_rate", "老会员实付占比", "Returning share of paid", "rate", "pct",
       "returning_paid_fen", "new_paid_fen + returning_paid_fen",
       source="members/buyers_by_period", good=None,
       doc="paid by returning members / paid by all members, same periods"),
    _m("paid_per_member_fen", "人均实付", "Paid per member", "fen", "money", "paid_fen",
       "count_members", source="members queries (mart_member_orders)",
       grain="one window: each member once", doc="paid amount / members of the window"),
    _m("retention_rate", "留存率", "Retention", "rate", "pct", "count_members", "cohort_size",
       source="members/cohorts", grain="one cohort and month since its first purchase",
       doc="members of the cohort who bought in month k / members of the cohort"),
    _m("cum_paid_per_member_fen", "人均累计实付", "Cum. paid per member", "fen", "money",
       "cum_paid_fen", "cohort_size", source="members/cohorts",
       grain="one cohort and month since its first purchase",
       doc="paid by the cohort in months 0..k / members of the cohort"),
    _m("cross_platform_rate", "跨平台占比", "Cross-platform share", "rate", "pct",
       "count_cross_platform", "count_members", source="members/platform_combos", good=None,
       doc="members who bought on this and another platform / members who bought on it"),
    _m("orders_per_member", "人均订单数", "Orders per member", "ratio", "ratio",
       "count_orders", "count_members", source="members queries (mart_member_orders)",
       doc="paid orders / members, same rows"),
    _m("mean_days_since_last", "平均距上次(天)", "Avg days since last", "days", "days",
       "days_since_last", "count_members", source="member summary (one row per member)",
       good="down", doc="days since the last purchase summed over the members / members"),
    _m("support_rate", "支持度", "Support", "rate", "pct", "count_pair_orders",
       "count_baskets", good=None, grain="one item pair",
       source="members/basket_pairs (mart_basket_pairs, mart_basket_items)",
       doc="baskets (paid orders with 2+ lines) holding both items / baskets"),
    _m("confidence_a_to_b_rate", "置信度A→B", "Confidence A→B", "rate", "pct",
       "count_pair_orders", "count_orders_a",
       source="members/basket_pairs (mart_basket_pairs, mart_basket_items)",
       good=None, grain="one item pair", doc="baskets holding both / baskets holding item A"),
    _m("confidence_b_to_a_rate", "置信度B→A", "Confidence B→A", "rate", "pct",
       "count_pair_orders", "count_orders_b",
       source="members/basket_pairs (mart_basket_pairs, mart_basket_items)",
       good=None, grain="one item pair", doc="baskets holding both / baskets holding item B"),
    _m("mean_p_alive_rate", "平均仍活跃概率", "Avg P(active)", "rate", "pct",
       "expected_alive_members", "count_members", source="member scores (models.clv)",
       doc="P(alive) summed over the members (the members expected to still buy) / members"),
    _m("mean_clv_fen", "人均未来价值", "CLV per member", "fen", "money", "sum_clv_fen",
       "count_members", source="member scores (models.clv)",
       doc="expected value of the members' next purchases (CLV) summed / members"),
    _m("net_sales_per_member_fen", "人均消费", "Net sales per member", "fen", "money",
       "paid_fen - refund_fen", "count_members", source="members/window_kpis",
       grain="one window: each member once",
       doc="the members' net sales (paid - refunds of their paid orders) / members of the "
           "window"),
    _m("member_net_sales_fen", "会员净销售额", "Members' net sales", "fen", "money",
       "paid_fen - refund_fen", source="members/window_kpis",
       doc="paid - refunds of the known members' paid orders (buyers without a member key "
           "are left out)"),
    _m("member_net_share_rate", "会员贡献占比", "Members' share of net sales", "rate", "pct",
       "paid_fen - refund_fen", "shop_paid_fen - shop_refund_fen",
       source="members/window_kpis (with mart_shop_daily)",
       doc="the members' net sales / every buyer's net sales, same window and shops"),
    _m("sum_clv_fen", "预计未来价值", "Expected future value", "fen", "money", "sum_clv_fen",
       source="member scores (models.clv)",
       grain="the members who bought up to an as-of day, scored on that day",
       doc="the members' expected value (CLV) over the horizon (12 months by default), "
           "discounted, summed"),
    # -- finance (the finance report: ecomlib.metrics.finance*, mart_sku_day_pnl) -----------
    # rows: SKU-days (or their sums) of mart_sku_day_pnl, the shop's booked costs spread over
    # its SKUs; estimated costs (finance.estimate_costs) add to the same columns
    _m("platform_fee_fen", "平台佣金", "Platform fees", "fen", "money", "platform_fee_fen",
       source="mart_sku_day_pnl", good="down",
       doc="the platforms' commission (other_costs kind platform_fee), spread by net sales"),
    _m("streamer_commission_fen", "达人佣金", "Streamer commission", "fen", "money",
       "streamer_commission_fen", source="mart_sku_day_pnl", good="down",
       doc="commission paid to streamers (kind streamer_commission), spread by net sales"),
    _m("logistics_fen", "快递费", "Logistics", "fen", "money", "logistics_fen",
       source="mart_sku_day_pnl", good="down", doc="courier fees, spread by units"),
    _m("packaging_fen", "包材费", "Packaging", "fen", "money", "packaging_fen",
       source="mart_sku_day_pnl", good="down", doc="packaging material, spread by units"),
    _m("ad_spend_fen", "广告花费", "Ad spend", "fen", "money", "ad_spend_fen",
       source="mart_sku_day_pnl", good="down",
       doc="ad spend of the shop-day (mart_ads_daily's spend_fen), spread by paid amount"),
    _m("other_costs_fen", "其他店铺费用", "Other shop costs", "fen", "money", "other_costs_fen",
       source="mart_sku_day_pnl", good="down",
       doc="a shop's costs of any other kind, spread by paid amount"),
    _m("contribution_fen", "贡献利润", "Contribution", "fen", "money",
       "paid_fen - refund_fen - cogs_fen - platform_fee_fen - streamer_commission_fen"
       " - logistics_fen - packaging_fen - ad_spend_fen - other_costs_fen",
       source="mart_sku_day_pnl",
       doc="gross profit - platform fees - streamer commission - logistics - packaging - "
           "ad spend - other shop costs"),
    _m("contribution_rate", "贡献利润率", "Contribution margin", "rate", "pct",
       "paid_fen - refund_fen - cogs_fen - platform_fee_fen - streamer_commission_fen"
       " - logistics_fen - packaging_fen - ad_spend_fen - other_costs_fen",
       "paid_fen - refund_fen", source="mart_sku_day_pnl", doc="contribution / net sales"),
    _m("units_without_cost", "无成本件数", "Units without cost", "units", "int",
       "units_without_cost", good="down",
       doc="units sold of SKUs missing from products: their cost of goods is unknown (not 0)"),
    _m("fee_rate", "佣金率", "Fee rate", "rate", "pct",
       "platform_fee_fen + streamer_commission_fen", "paid_fen - refund_fen",
       source="mart_sku_day_pnl", good="down",
       doc="(platform fees + streamer commission) / net sales"),
    _m("returned_unit_rate", "退货件率", "Returned units rate", "rate", "pct", "units_returned",
       "units", good="down", doc="units returned / units sold, same orders"),
    _m("price_fen", "平均售价", "Average price", "fen", "money", "paid_fen", "units",
       good=None, doc="paid amount / units sold"),
    _m("fulfilment_per_unit_fen", "件均快递包材", "Fulfilment per unit", "fen", "money",
       "logistics_fen + packaging_fen", "units", source="mart_sku_day_pnl", good="down",
       doc="(logistics + packaging) / units sold"),
    _m("ad_per_unit_fen", "件均广告费", "Ad cost per unit", "fen", "money", "ad_spend_fen",
       "units", source="mart_sku_day_pnl", good="down", doc="ad spend / units sold"),
    _m("lowest_cash_fen", "13周最低现金", "Lowest cash in 13 weeks", "fen", "money",
       "closing_cash_fen", source="finance_cash.cash_flow_forecast",
       grain="one forecast: the lowest of its weekly closing cash, never summed",
       doc="the lowest weekly closing cash of the 13-week forecast from the period's end "
           "(opening cash + cumulative net cash flow)"),
]}


def metric(name: str) -> Metric:
    """The metric called ``name`` (a clear error naming the known ones otherwise)."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"catalogue.metric: no metric {name!r}; the catalogue has: "
                       f"{', '.join(METRICS)}") from None


def _total(frame: pd.DataFrame, expr: str) -> float:
    parts = [p.strip() for p in expr.replace(" + ", " +").replace(" - ", " -").split()]
    total = 0.0
    sign = 1.0
    for p in parts:
        if p.startswith("+"):
            sign, p = 1.0, p[1:]
        elif p.startswith("-"):
            sign, p = -1.0, p[1:]
        if p not in frame.columns:
            raise KeyError(f"catalogue.value: the rows have no column {p!r} (needed by "
                           f"{expr!r}); columns: {', '.join(map(str, frame.columns))}")
        total += sign * float(pd.to_numeric(frame[p], errors="coerce").sum(min_count=1)
                              if frame[p].notna().any() else np.nan)
        sign = 1.0
    return total


def value(name: str, frame: pd.DataFrame) -> float:
    """The metric over the rows of ``frame`` (mart rows with the metric's columns): the sum,
    or the ratio of sums (NaN when the denominator is 0 or empty: an undefined ratio is never
    shown as 0)."""
    m = metric(name)
    if not len(frame):
        return 0.0 if m.additive else float("nan")
    num = _total(frame, m.num)
    if m.den is None:
        return num
    den = _total(frame, m.den)
    return num / den if den and not np.isnan(den) else float("nan")


def values(names, frame: pd.DataFrame, by=None) -> pd.DataFrame:
    """Several metrics over ``frame``, per group of ``by`` (columns) or in total."""
    if by is None:
        return pd.DataFrame([{n: value(n, frame) for n in names}])
    rows = []
    for key, g in frame.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip([by] if isinstance(by, str) else by, key)),
                     **{n: value(n, g) for n in names}})
    return pd.DataFrame(rows)


def label(name: str, lang: str = "zh") -> str | None:
    """The metric's label in ``lang`` (None when ``name`` is not a metric)."""
    m = METRICS.get(name)
    if m is None:
        return None
    return m.zh if lang == "zh" else m.en


def fmt_kind(name: str) -> str | None:
    """How to show the metric: money, int, pct, ratio or days (None: not a metric)."""
    m = METRICS.get(name)
    return m.fmt if m else None


def good_when_up(name: str) -> bool | None:
    """True when a rise is good (sales), False when a fall is (refunds, spend), None when
    neither (cost of goods, stock)."""
    m = METRICS.get(name)
    return None if m is None or m.good is None else m.good == "up"


def check_identity(frame: pd.DataFrame) -> float:
    """paid - visitors x 转化率 x 客单价 over ``frame`` (rows with paid_fen, count_buyers and
    visitors): 0 up to rounding, over any rows, by the definitions above."""
    return (value("paid_fen", frame) - value("visitors", frame)
            * value("conversion_rate", frame) * value("aov_fen", frame))
