"""Display labels for reports: canonical column names, metric names, table names and codes.

Reports compute on canonical names (``paid_fen``, ``tmall``) and show readers labels
(实付金额, 天猫). One dictionary holds both languages so a label is written once::

    >>> label("paid_fen")
    '实付金额'
    >>> label("paid_fen", "en")
    'Paid amount'
    >>> label("no_such_key")          # unknown keys fall back to the key itself
    'no_such_key'

Money labels do not carry the unit: values in the warehouse are fen, reports show yuan
(:mod:`ecomlib.fmt` formats them, :mod:`ecomlib.plots` divides by 100 and says 元 on the
axis).
"""
from __future__ import annotations

__all__ = ["LANGS", "LABELS", "check_lang", "label", "labels", "translate", "text"]

#: supported report languages
LANGS = ("zh", "en")

#: key -> (zh, en)
LABELS: dict[str, tuple[str, str]] = {
    # -- canonical columns and rollup columns ------------------------------------------
    "paid_fen": ("实付金额", "Paid amount"),
    "paid_fen_avg": ("实付金额(移动平均)", "Paid amount (moving average)"),
    "gmv_fen": ("GMV(拍下金额)", "GMV (ordered)"),
    "refund_fen": ("退款金额", "Refunds"),
    "net_sales_fen": ("净销售额", "Net sales"),
    "cogs_fen": ("商品成本", "Cost of goods"),
    "gross_profit_fen": ("毛利", "Gross profit"),
    "list_fen": ("吊牌金额", "List value"),
    "shop_discount_fen": ("店铺优惠", "Shop discounts"),
    "platform_discount_fen": ("平台优惠", "Platform discounts"),
    "shipping_fee_fen": ("运费", "Shipping fee"),
    "unit_cost_fen": ("单位成本", "Unit cost"),
    "list_price_fen": ("吊牌价", "List price"),
    "spend_fen": ("广告花费", "Ad spend"),
    "amount_fen": ("金额", "Amount"),
    "on_hand_value_fen": ("库存金额(成本)", "Stock value (at cost)"),
    "units": ("销量(件)", "Units sold"),
    "units_returned": ("退货件数", "Units returned"),
    "units_without_cost": ("无成本件数", "Units without cost"),
    "quantity": ("数量", "Quantity"),
    "on_hand_units": ("在库数量", "Units on hand"),
    "in_transit_units": ("在途数量", "Units in transit"),
    "is_stock_out": ("缺货", "Stock-out"),
    "count_orders": ("订单数", "Orders"),
    "count_paid_orders": ("支付订单数", "Paid orders"),
    "count_lines": ("订单行数", "Order lines"),
    "count_skus": ("SKU数", "SKUs"),
    "refund_rate": ("退款率", "Refund rate"),
    "share_rate": ("占比", "Share"),
    "platform": ("平台", "Platform"),
    "shop_id": ("店铺", "Shop"),
    "shop_name": ("店铺名称", "Shop name"),
    "sku": ("SKU", "SKU"),
    "spu": ("款号", "Style"),
    "product_name": ("商品名称", "Product"),
    "category": ("类目", "Category"),
    "warehouse_id": ("仓库", "Warehouse"),
    "member_key": ("会员", "Member"),
    "order_id": ("订单号", "Order id"),
    "line_id": ("子订单号", "Line id"),
    "status": ("状态", "Status"),
    "currency": ("币种", "Currency"),
    "sales_date": ("日期", "Date"),
    "snapshot_date": ("快照日期", "Snapshot date"),
    "date": ("日期", "Date"),
    "week": ("周", "Week"),
    "month": ("月份", "Month"),
    "created_at": ("下单时间", "Created at"),
    "paid_at": ("付款时间", "Paid at"),
    # -- canonical tables ----------------------------------------------------------------
    "orders": ("订单", "Orders"),
    "order_lines": ("订单明细", "Order lines"),
    "refunds": ("退款售后", "Refunds"),
    "inventory_snapshots": ("库存快照", "Stock snapshots"),
    "purchase_orders": ("采购单", "Purchase orders"),
    "traffic": ("流量", "Traffic"),
    "ad_spend": ("广告花费", "Ad spend"),
    "other_costs": ("其他费用", "Other costs"),
    "fx_rates": ("汇率", "FX rates"),
    "shops": ("店铺", "Shops"),
    "sku_map": ("SKU映射", "SKU mapping"),
    "exported_sku": ("导出编码", "Exported code"),
    "products": ("商品", "Products"),
    # -- warehouse status, load log and quarantine headers --------------------------------
    "table": ("数据表", "Table"),
    "table_name": ("数据表", "Table"),
    "rows": ("行数", "Rows"),
    "loads": ("导入次数", "Loads"),
    "last_load_at": ("最近导入", "Last load"),
    "quarantined": ("隔离行数", "Quarantined rows"),
    "load_id": ("批次", "Load"),
    "file": ("文件", "File"),
    "file_name": ("文件", "File"),
    "file_hash": ("文件指纹", "File hash"),
    "format": ("格式", "Format"),
    "rows_in": ("读入行数", "Rows in"),
    "rows_loaded": ("入库行数", "Rows loaded"),
    "rows_inserted": ("新增", "Inserted"),
    "rows_updated": ("更新", "Updated"),
    "rows_unchanged": ("未变", "Unchanged"),
    "rows_quarantined": ("隔离", "Quarantined"),
    "rows_blank": ("空行", "Blank rows"),
    "encoding": ("编码", "Encoding"),
    "ignored_columns": ("忽略的列", "Ignored columns"),
    "message": ("信息", "Message"),
    "started_at": ("开始时间", "Started at"),
    "finished_at": ("完成时间", "Finished at"),
    "row_number": ("行号", "Row"),
    "column": ("列", "Column"),
    "reason": ("原因", "Reason"),
    "reason_kind": ("原因类别", "Reason"),
    "raw": ("原始数据", "Raw values"),
    "quarantined_at": ("隔离时间", "Quarantined at"),
    "count_rows": ("行数", "Rows"),
    "count_files": ("文件数", "Files"),
    "example": ("示例", "Example"),
    "ok": ("成功", "ok"),
    "failed": ("失败", "failed"),
    # -- platform codes -------------------------------------------------------------------
    "tmall": ("天猫", "Tmall"),
    "taobao": ("淘宝", "Taobao"),
    "jd": ("京东", "JD"),
    "pdd": ("拼多多", "Pinduoduo"),
    "douyin": ("抖音", "Douyin"),
    "kuaishou": ("快手", "Kuaishou"),
    "xiaohongshu": ("小红书", "Xiaohongshu"),
    "erp": ("ERP", "ERP"),
    "ALL": ("全部", "All"),
    # -- report words ---------------------------------------------------------------------
    "yuan": ("元", "CNY"),
    "per_day": ("元/天", "CNY per day"),
    "rolling_7d": ("7日平均", "7-day average"),
    "total": ("合计", "Total"),
    "other": ("其他", "Other"),
    "unknown": ("未知", "unknown"),
    "festival_618": ("618", "618"),
    "festival_1111": ("双11", "Double 11"),
    # -- data quality (ecomlib.quality) ---------------------------------------------------
    "rule_id": ("规则", "Rule"),
    "severity": ("级别", "Severity"),
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "description": ("说明", "Description"),
    "formula": ("公式", "Formula"),
    "count_failing": ("未通过", "Failing"),
    "count_checked": ("检查数", "Checked"),
    "failing_rate": ("未通过率", "Failing rate"),
    "examples": ("示例", "Examples"),
    "quarantine_rate": ("隔离率", "Quarantine rate"),
    "top_reason": ("主要隔离原因", "Top quarantine reason"),
    "top_reason_rows": ("主要原因行数", "Rows with top reason"),
    "problem": ("问题", "Problem"),
    "platform_sku_id": ("平台SKU编号", "Platform SKU id"),
    "mapped_sku": ("映射SKU", "Mapped SKU"),
    "first_order_at": ("最早下单", "First order"),
    "last_order_at": ("最近下单", "Last order"),
    "order_date": ("下单日期", "Order date"),
    "gap_start": ("缺口开始", "Gap starts"),
    "gap_end": ("缺口结束", "Gap ends"),
    "gap_days": ("缺口天数", "Gap days"),
    "avg_orders_around": ("前后日均订单", "Orders per day around"),
    "expected_orders": ("预期订单数", "Expected orders"),
    "order_paid_fen": ("订单实付", "Order paid"),
    "order_list_fen": ("订单吊牌金额", "Order list value"),
    "refund_ids": ("售后单号", "Refund ids"),
    "refund_id": ("售后单号", "Refund id"),
    "requested_at": ("申请时间", "Requested at"),
    "refunded_at": ("退款时间", "Refunded at"),
    "shipped_at": ("发货时间", "Shipped at"),
    "count_days": ("天数", "Days"),
    "first_date": ("首日", "First day"),
    "last_date": ("末日", "Last day"),
    "row_key": ("行主键", "Row key"),
    "money_date": ("金额日期", "Money date"),
    "spend_date": ("日期", "Date"),
    "traffic_date": ("日期", "Date"),
    "cost_date": ("日期", "Date"),
    "channel": ("推广渠道", "Ad channel"),
    "campaign": ("推广计划", "Campaign"),
    "impressions": ("展现量", "Impressions"),
    "clicks": ("点击量", "Clicks"),
    "source": ("流量来源", "Traffic source"),
    "visitors": ("访客数", "Visitors"),
    "page_views": ("浏览量", "Page views"),
    "add_to_cart": ("加购人数", "Add-to-cart visitors"),
    "buyers": ("支付买家数", "Paying buyers"),
    "po_id": ("采购单号", "PO id"),
    "supplier_id": ("供应商", "Supplier"),
    "ordered_on": ("采购日期", "Ordered on"),
    "received_on": ("到货日期", "Received on"),
    "quantity_ordered": ("采购数量", "Units ordered"),
    "quantity_received": ("到货数量", "Units received"),
    # -- channels, overview and the apps (ecomlib.metrics.channels*, overview*, dashboard*,
    #    ecomlib.bigscreen, ecomlib.explorer, the channels report's anomaly checks) ---------
    # catalogue metrics: the catalogue's own wording (ecomlib.metrics.catalogue; tested)
    "count_buyers": ("支付买家数", "Paying buyers"),
    "buyer_days": ("支付买家(人·天)", "Paying buyer-days"),
    "aov_fen": ("客单价", "Spend per buyer (AOV)"),
    "order_value_fen": ("笔单价", "Spend per order"),
    "conversion_rate": ("转化率", "Conversion rate"),
    "uv_value_fen": ("UV价值", "Value per visitor"),
    "cart_rate": ("加购率", "Add-to-cart rate"),
    "cart_to_buy_rate": ("加购转化率", "Cart-to-buy rate"),
    "source_conversion_rate": ("来源转化率", "Conversion by source"),
    "discount_rate": ("优惠深度", "Discount depth"),
    "gross_profit_rate": ("毛利/实付", "Gross profit / paid"),
    "gross_margin_rate": ("毛利率", "Gross margin"),
    "attributed_paid_fen": ("广告成交额", "Attributed paid"),
    "roas": ("ROAS(投产比)", "ROAS"),
    "roi": ("广告ROI((毛利-花费)/花费)", "Ad ROI ((gross profit - spend) / spend)"),
    "commission_roi": ("佣金ROI((毛利-佣金)/佣金)",
                       "Commission ROI ((gross profit - commission) / commission)"),
    "cpc_fen": ("平均点击花费", "Cost per click"),
    "ctr_rate": ("点击率", "Click-through rate"),
    # channels report
    "attributed_orders": ("广告成交单数", "Attributed orders"),
    "attributed_gross_profit_fen": ("广告毛利(估)", "Attributed gross profit (est.)"),
    "marginal_roas": ("边际ROAS", "Marginal ROAS"),
    "spend_bin": ("花费分档", "Spend bin"),
    "roas_at_median": ("中位花费处ROAS", "ROAS at median spend"),
    "marginal_roas_at_median": ("中位花费处边际ROAS", "Marginal ROAS at median spend"),
    "exponent": ("弹性指数b", "Exponent b"),
    "b_std_error": ("b的标准误", "Std. error of b"),
    "median_spend_fen": ("日花费中位数", "Median daily spend"),
    "depth_bin": ("优惠深度区间", "Discount depth bin"),
    "units_per_day": ("日均件数", "Units per day"),
    "elasticity": ("价格弹性", "Price elasticity"),
    "std_error": ("标准误", "Std. error"),
    "ci_low": ("95%区间下限", "95% CI low"),
    "ci_high": ("95%区间上限", "95% CI high"),
    "count_price_levels": ("价格档数", "Price levels"),
    "price_change_rate": ("价格变动幅度", "Price range"),
    "qualifies": ("可估计", "Estimable"),
    "why": ("说明", "Note"),
    "campaign_name": ("大促/活动", "Campaign"),
    "campaign_start": ("开始", "Start"),
    "campaign_end": ("结束", "End"),
    "actual_fen": ("实际", "Actual"),
    "baseline_fen": ("基线(无活动)", "Baseline (no campaign)"),
    "pre_dip_fen": ("活动前透支", "Pre-campaign dip"),
    "campaign_uplift_fen": ("活动期增量", "Uplift in campaign"),
    "post_dip_fen": ("活动后透支", "Post-campaign dip"),
    "net_uplift_fen": ("净增量", "Net uplift"),
    "net_uplift_low_fen": ("净增量下限(95%)", "Net uplift low (95%)"),
    "net_uplift_high_fen": ("净增量上限(95%)", "Net uplift high (95%)"),
    "uplift_rate": ("增量/基线", "Uplift / baseline"),
    "count_baseline_days": ("基线天数", "Baseline days"),
    "streamer": ("主播/达人", "Streamer"),
    "is_own_stream": ("自播", "Own stream"),
    "count_sessions": ("场次(天)", "Sessions (days)"),
    "streamer_commission_fen": ("达人佣金", "Streamer commission"),
    "festival_年货节": ("年货节", "New Year shopping festival"),
    "festival_38": ("38节", "Women's Day (Mar 8)"),
    "festival_双11": ("双11", "Double 11"),
    "festival_双12": ("双12", "Double 12"),
    "festival_春节": ("春节", "Chinese New Year"),
    # anomaly checks (ecomlib.models.anomaly, shown by the channels report)
    "metric": ("指标", "Metric"),
    "value": ("实际值", "Actual"),
    "expected": ("预期值", "Expected"),
    "lower": ("正常下限", "Lower bound"),
    "upper": ("正常上限", "Upper bound"),
    "deviation_rate": ("偏离预期", "Deviation"),
    "score": ("偏离强度(σ)", "Score (sigma)"),
    "is_alert": ("告警", "Alert"),
    "basis": ("比较依据", "Compared with"),
    "alert": ("告警", "Alert"),
    # the apps (big screen, explorer)
    "alert_stock_out": ("已缺货", "Out of stock"),
    "alert_low": ("即将缺货", "Running low"),
}


def add_labels(extra: dict[str, tuple[str, str]]) -> None:
    """Register a domain module's labels (``{key: (zh, en)}``) so each analysis module keeps
    its own vocabulary beside its code. A key that is already registered keeps its wording
    (the base table above, then the first module to register it): shared words such as
    ``category`` read the same in every report, and no import order can fail."""
    for k, v in extra.items():
        LABELS.setdefault(k, tuple(v))


def check_lang(lang: str) -> str:
    """``lang`` if supported, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}")
    return lang


def label(key, lang: str = "zh") -> str:
    """Display label of ``key`` in ``lang`` (``zh`` or ``en``); unknown keys return the key."""
    i = LANGS.index(check_lang(lang))
    pair = LABELS.get(key) if isinstance(key, str) else None
    return pair[i] if pair else ("" if key is None else str(key))


def labels(lang: str = "zh") -> dict[str, str]:
    """All labels in ``lang`` as a ``{key: label}`` dict (a fresh copy)."""
    i = LANGS.index(check_lang(lang))
    return {k: v[i] for k, v in LABELS.items()}


def translate(values, lang: str = "zh") -> list[str]:
    """Labels for an iterable of keys (e.g. platform codes in a column), keys kept if unknown."""
    return [label(v, lang) for v in values]


def text(zh: str, en: str, lang: str = "zh") -> str:
    """One of two wordings of a report sentence: ``text("月度", "Monthly", "en") == "Monthly"``."""
    return zh if check_lang(lang) == "zh" else en
