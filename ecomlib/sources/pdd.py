"""Pinduoduo (拼多多商家后台 · 订单查询 → 导出) order export.

One row per order; a Pinduoduo order holds one SKU, so each row is also the order's only
line (line id ``1``). Money columns are in yuan with a ``(元)`` suffix. The export has no
shop column: the shop comes from ``--shop`` or ``ecom.yaml``. 收货人 / 手机 / 街道 are
personal data: the buyer becomes a member key (from the phone, else the consignee name) and
only 省 / 市 are kept. A row whose 售后状态 says the refund succeeded also yields a refund
case for the amount in 退款金额(元) (or the whole paid amount when the export has no such
column), dated at payment: the order export carries no after-sales time.
"""
from __future__ import annotations

import pandas as pd

from .mapped import FormatSpec, col, const, derived, register_spec, shop

PLATFORM = "pdd"

ORDER_STATUS = {
    "待支付": "created", "未支付": "created", "已取消": "cancelled", "交易关闭": "cancelled",
    "待发货": "paid", "未发货": "paid", "已发货，待收货": "shipped", "已发货": "shipped",
    "待收货": "shipped", "已收货": "finished", "已签收": "finished", "交易成功": "finished",
    "已退款": "refunded", "退款成功": "refunded",
}
AFTER_SALES = {
    "无售后或售后取消": "none", "无售后": "none", "售后取消": "none", "": "none",
    "退款成功": "refunded", "退货退款成功": "refunded", "售后处理中": "requested",
    "退款中": "requested", "待商家处理": "requested", "驳回": "rejected", "售后驳回": "rejected",
}

_ORDER = ("订单号",)


def _refund_status(f: pd.DataFrame) -> pd.Series:
    return f["_after_sales"].map({"refunded": "refunded", "requested": "requested",
                                  "rejected": "rejected"})


SPEC = FormatSpec(
    name="pdd_orders",
    description="Pinduoduo order (拼多多订单)",
    signature=("订单号", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)", "用户实付金额(元)"),
    tables={
        "order_lines": {
            "platform": const(PLATFORM),
            "shop_id": shop("店铺名称", "店铺"),
            "order_id": col(*_ORDER, kind="id", required=True),
            "line_id": const("1"),
            "sku": col("商家编码-SKU维度", "商家编码-商品维度", "样式ID", "商品id", kind="id"),
            "platform_sku_id": col("样式ID", "商品id", kind="id"),
            "quantity": col("商品数量(件)", "商品数量", kind="int", required=True),
            "_total": col("商品总价(元)", kind="money", required=True),
            "shop_discount_fen": col("店铺优惠折扣(元)", kind="money"),
            "platform_discount_fen": col("平台优惠折扣(元)", kind="money"),
            "_shipping": col("邮费(元)", kind="money"),
            "_paid_total": col("用户实付金额(元)", kind="money", required=True),
            # 商品总价 is list price x quantity; 用户实付 includes the postage
            "list_price_fen": derived(lambda f: (f["_total"] / f["quantity"]).round().astype("Int64")),
            "paid_fen": derived(lambda f: f["_paid_total"] - f["_shipping"].fillna(0)),
        },
        "orders": {
            "platform": const(PLATFORM),
            "shop_id": shop("店铺名称", "店铺"),
            "order_id": col(*_ORDER, kind="id", required=True),
            "member_key": col("手机", "用户购买手机号", "收货人", kind="member"),
            "province": col("省", kind="province", value="suffix"),
            "city": col("市", kind="city", value="suffix"),
            "created_at": col("订单成交时间", "拼单成功时间", "支付时间", kind="ts", required=True),
            "paid_at": col("支付时间", kind="ts"),
            "shipped_at": col("发货时间", kind="ts"),
            "finished_at": col("确认收货时间", kind="ts"),
            "status": col("订单状态", kind="status", value=ORDER_STATUS, required=True),
            "shipping_fee_fen": col("邮费(元)", kind="money"),
        },
        "refunds": {
            "platform": const(PLATFORM),
            "shop_id": shop("店铺名称", "店铺"),
            "order_id": col(*_ORDER, kind="id", required=True),
            "refund_id": derived(lambda f: f["order_id"] + "-1"),
            "line_id": const("1"),
            "sku": col("商家编码-SKU维度", "商家编码-商品维度", "样式ID", "商品id", kind="id"),
            "_after_sales": col("售后状态", kind="status", value=AFTER_SALES),
            "_refund": col("退款金额(元)", kind="money"),
            "_paid_total": col("用户实付金额(元)", kind="money"),
            "refund_fen": derived(lambda f: f["_refund"].fillna(f["_paid_total"])),
            "status": derived(_refund_status),
            "requested_at": col("支付时间", kind="ts"),
            "refunded_at": derived(lambda f: f["requested_at"].where(f["status"] == "refunded")),
        },
    },
    row_filters={"refunds": lambda f: f["status"].notna()},
)

register_spec(SPEC)


# -- the inverse, for the demo: canonical rows -> the export a Pinduoduo back office writes ---
STATUS_WORDS = {"created": "待支付", "cancelled": "已取消", "paid": "待发货",
                "shipped": "已发货，待收货", "finished": "已签收", "refunded": "已退款"}
AFTER_SALES_WORDS = {"refunded": "退款成功", "requested": "售后处理中", "rejected": "售后驳回"}
COLUMNS = ["商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)",
           "邮费(元)", "用户实付金额(元)", "商品数量(件)", "收货人", "手机", "省", "市", "街道",
           "支付时间", "订单成交时间", "发货时间", "确认收货时间", "商品id", "样式ID",
           "商家编码-SKU维度", "售后状态", "退款金额(元)"]


def yuan_text(fen: pd.Series) -> pd.Series:
    """Integer fen -> '1234.50' (exact; empty for missing)."""
    f = pd.to_numeric(fen, errors="coerce").astype("Int64")
    out = (f // 100).astype("string") + "." + (f % 100).astype("string").str.zfill(2)
    return out.fillna("")


def time_text(ts: pd.Series) -> pd.Series:
    return pd.to_datetime(ts).dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")


def to_export(tables: dict[str, pd.DataFrame], shop_id: str, buyers: pd.DataFrame
              ) -> dict[str, pd.DataFrame]:
    """One shop's orders as the 订单查询 export (one row per order; text columns).

    What the export cannot carry is lost on the way back in: after-sales cases become one
    refund per order dated at payment, without units returned or reason; cancelled cases
    disappear.
    """
    key = ["platform", "shop_id", "order_id"]
    o = tables["orders"]
    o = o[(o.platform == PLATFORM) & (o.shop_id == shop_id)]
    lines = tables["order_lines"].merge(o[key], on=key)
    df = lines.merge(o, on=key).merge(buyers, on="member_key", how="left")
    df = df.merge(tables["products"][["sku", "product_name"]], on="sku", how="left")
    r = tables["refunds"].merge(o[key], on=key)
    r = r[r.status.isin(list(AFTER_SALES_WORDS))]
    rank = {"refunded": 0, "requested": 1, "rejected": 2}
    agg = (r.assign(_rank=r.status.map(rank),
                    _amount=r.refund_fen.where(r.status == "refunded", 0))
           .groupby("order_id").agg(_rank=("_rank", "min"), _amount=("_amount", "sum")).reset_index())
    df = df.merge(agg, on="order_id", how="left")
    words = df["_rank"].map({v: AFTER_SALES_WORDS[k] for k, v in rank.items()}).fillna("无售后或售后取消")
    addr = df["address"].fillna("").str.split(" ")
    out = pd.DataFrame({
        "商品": df["product_name"].fillna(""),
        "订单号": df["order_id"],
        "订单状态": df["status"].map(STATUS_WORDS),
        "商品总价(元)": yuan_text(df["list_price_fen"] * df["quantity"]),
        "店铺优惠折扣(元)": yuan_text(df["shop_discount_fen"]),
        "平台优惠折扣(元)": yuan_text(df["platform_discount_fen"]),
        "邮费(元)": yuan_text(df["shipping_fee_fen"].fillna(0)),
        "用户实付金额(元)": yuan_text(df["paid_fen"] + df["shipping_fee_fen"].fillna(0)),
        "商品数量(件)": df["quantity"].astype("string"),
        "收货人": df["name"].fillna(""),
        "手机": df["phone"].fillna(""),
        "省": df["province"].fillna("").map(lambda p: p if p in ("北京", "上海", "天津", "重庆") else
                                            (p + "省" if p else "")),
        "市": df["city"].fillna("").map(lambda c: c + "市" if c else ""),
        "街道": addr.map(lambda a: " ".join(a[2:]) if len(a) > 2 else ""),
        "支付时间": time_text(df["paid_at"]),
        "订单成交时间": time_text(df["created_at"]),
        "发货时间": time_text(df["shipped_at"]),
        "确认收货时间": time_text(df["finished_at"]),
        "商品id": df["platform_sku_id"].fillna(""),
        "样式ID": df["platform_sku_id"].fillna(""),
        "商家编码-SKU维度": df["sku"],
        "售后状态": words,
        "退款金额(元)": yuan_text(df["_amount"]).where(df["_rank"] == 0, ""),
    })
    out = out.sort_values(["订单成交时间", "订单号"]).reset_index(drop=True)
    return {f"pdd_orders_{shop_id}": out[COLUMNS]}
