"""Douyin (抖店 · 订单管理 → 批量导出) order export, format ``douyin_orders``.

One row per sub-order (子订单, one SKU of an order): 主订单编号, 子订单编号, 选购商品, 商品规格,
商品数量, 商品ID, 商家编码, 商品单价, 订单应付金额, 运费, 优惠总金额, 平台优惠, 商家优惠, 达人优惠,
支付方式, 订单提交时间, 支付完成时间, 发货时间, 订单完成时间, 订单状态, 售后状态, 退款金额, 取消原因,
达人ID, 达人昵称, 流量来源, 流量渠道, 收件人, 收件人手机号, 省, 市, 区, 街道, 详细地址, 买家留言, ...
-> ``order_lines`` + ``orders`` (one header per 主订单编号) + ``refunds``.

Judgment calls:

* **Amounts are per sub-order**: 商品单价 x 商品数量 is the list value, 商家优惠 the shop's
  discount, 平台优惠 + 达人优惠 the discount the shop does not fund (the streamer pays 达人优惠
  out of the commission), 订单应付金额 what the buyer pays for the sub-order including the
  postage charged on that row (运费). Line paid = 订单应付金额 - 运费; the order's shipping fee
  is the sum of 运费 over its rows in the file. Without 商家优惠 the shop's discount is what
  the list value, the platform discounts and the paid amount leave.
* **SKU** = 商家编码, else 商品ID. **Line id** = 子订单编号.
* **Status**: 已关闭 is ``cancelled`` when never paid and ``refunded`` when paid (Douyin closes
  a paid order only through a full refund).
* **Refunds**: a row whose 售后状态 shows a case yields one case for 退款金额 (else the line's
  paid amount). The export has no case id, request or refund time, reason or units returned:
  the id is ``<order>-<sub-order>``, both times are the payment time, units returned 0.
* **Channel**: 流量来源 -> ``traffic_source``, 达人昵称 -> ``streamer`` (a streamer is a
  business partner, not a buyer; 达人ID is not kept).
* **Shop**: from a 店铺名称 column when there is one, else ``--shop`` / ``ecom.yaml``.
* Personal data: 收件人, 收件人手机号, 区, 街道, 详细地址, 买家留言 are never stored; the buyer
  becomes a member key (收件人手机号), the address only 省 / 市.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .mapped import FormatSpec, col, const, derived, register_spec, shop
from .pdd import time_text, yuan_text
from .taobao import (_text, _with_buyers, case_status, city_text, closed_after_payment, fen,
                     first_of, first_time, groups_of, province_text, shop_rows, street_of)

PLATFORM = "douyin"

ORDER_STATUS = {
    "待支付": "created", "待付款": "created", "未支付": "created",
    "备货中": "paid", "待发货": "paid", "已支付": "paid",
    "部分发货": "shipped", "已发货": "shipped", "待收货": "shipped",
    "已完成": "finished", "已签收": "finished",
    "已关闭": "cancelled", "已取消": "cancelled", "交易关闭": "cancelled",
}
AFTER_SALES = {
    "-": "none", "--": "none", "": "none", "无售后": "none", "无": "none",
    "退款成功": "refunded", "退货退款成功": "refunded", "售后完成": "refunded", "已退款": "refunded",
    "售后关闭": "cancelled", "售后取消": "cancelled", "买家撤销": "cancelled",
    "拒绝售后": "rejected", "商家拒绝": "rejected", "售后驳回": "rejected",
    "待商家处理": "requested", "售后中": "requested", "退款中": "requested",
    "待买家退货": "requested", "待商家收货": "requested",
}


def _paid(f: pd.DataFrame) -> pd.Series:
    return fen(f["_payable"]) - fen(f["_freight"]).fillna(0)


def _platform_discount(f: pd.DataFrame) -> pd.Series:
    return fen(f["_platform"]).fillna(0) + fen(f["_daren"]).fillna(0)


def _shop_discount(f: pd.DataFrame) -> pd.Series:
    gross = fen(f["list_price_fen"]) * fen(f["quantity"])
    return fen(f["_shop"]).fillna(gross - fen(f["paid_fen"]) - f["platform_discount_fen"])


def _order_shipping(f: pd.DataFrame) -> pd.Series:
    return fen(f["_freight"]).fillna(0).groupby(groups_of(f["order_id"]), sort=False).transform(
        "sum").astype("Int64")


_ORDER = ("主订单编号",)
_LINE = ("子订单编号",)


def _keys() -> dict:
    return {
        "platform": const(PLATFORM),
        "shop_id": shop("店铺名称", "店铺"),
        "order_id": col(*_ORDER, kind="id", required=True),
    }


SPEC = FormatSpec(
    name="douyin_orders",
    description="Douyin shop order export (抖店订单导出)",
    signature=("主订单编号", "子订单编号", "选购商品", "商品数量"),
    tables={
        "order_lines": {
            **_keys(),
            "line_id": col(*_LINE, kind="id", required=True),
            "_code": col("商家编码", kind="id"),
            "platform_sku_id": col("商品ID", kind="id"),
            "sku": derived(first_of("_code", "platform_sku_id")),
            "quantity": col("商品数量", kind="int", required=True),
            "list_price_fen": col("商品单价", "商品金额", kind="money", required=True),
            "_payable": col("订单应付金额", kind="money", required=True),
            "_freight": col("运费", kind="money"),
            "_shop": col("商家优惠", kind="money"),
            "_platform": col("平台优惠", kind="money"),
            "_daren": col("达人优惠", kind="money"),
            "paid_fen": derived(_paid),
            "platform_discount_fen": derived(_platform_discount),
            "shop_discount_fen": derived(_shop_discount),
        },
        "orders": {
            **_keys(),
            "member_key": col("收件人手机号", "收件人电话", "联系电话", kind="member"),
            "province": col("省", "省份", kind="province", value="suffix"),
            "city": col("市", "城市", kind="city", value="suffix"),
            "created_at": col("订单提交时间", kind="ts", required=True),
            "paid_at": col("支付完成时间", kind="ts"),
            "shipped_at": col("发货时间", kind="ts"),
            "finished_at": col("订单完成时间", kind="ts"),
            "_status": col("订单状态", kind="status", value=ORDER_STATUS, required=True),
            "status": derived(closed_after_payment()),
            "_freight": col("运费", kind="money"),
            "shipping_fee_fen": derived(_order_shipping),
            "traffic_source": col("流量来源"),
            "streamer": col("达人昵称"),
        },
        "refunds": {
            **_keys(),
            "line_id": col(*_LINE, kind="id", required=True),
            "refund_id": derived(lambda f: f["order_id"].astype("string") + "-"
                                 + f["line_id"].astype("string")),
            "_code": col("商家编码", kind="id"),
            "_item": col("商品ID", kind="id"),
            "sku": derived(first_of("_code", "_item")),
            "_after_sales": col("售后状态", kind="status", value=AFTER_SALES),
            "_refund": col("退款金额", kind="money"),
            "_payable": col("订单应付金额", kind="money"),
            "_freight": col("运费", kind="money"),
            "refund_fen": derived(lambda f: fen(f["_refund"]).fillna(_paid(f))),
            "status": derived(case_status()),
            "_paid_at": col("支付完成时间", kind="ts"),
            "_created_at": col("订单提交时间", kind="ts"),
            "requested_at": derived(first_time("_paid_at", "_created_at")),
            "refunded_at": derived(lambda f: f["requested_at"].where(f["status"] == "refunded")),
        },
    },
    row_filters={"refunds": lambda f: f["status"].notna()},
)

register_spec(SPEC)


# -- the inverse, for the demo ------------------------------------------------------------------
STATUS_WORDS = {"created": "待支付", "paid": "待发货", "shipped": "已发货", "finished": "已完成",
                "cancelled": "已关闭", "refunded": "已关闭"}
AFTER_SALES_WORDS = {"refunded": "退款成功", "requested": "待商家处理", "rejected": "拒绝售后",
                     "cancelled": "售后关闭"}
COLUMNS = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价",
    "订单应付金额", "运费", "优惠总金额", "平台优惠", "商家优惠", "达人优惠", "支付方式", "订单提交时间",
    "支付完成时间", "发货时间", "订单完成时间", "订单状态", "售后状态", "退款金额", "取消原因", "达人ID",
    "达人昵称", "流量来源", "流量渠道", "收件人", "收件人手机号", "省", "市", "区", "街道", "详细地址",
    "买家留言",
]


def to_export(tables: dict[str, pd.DataFrame], shop_id: str, buyers: pd.DataFrame
              ) -> dict[str, pd.DataFrame]:
    """One shop's sub-orders as the 抖店 order export ``douyin_order_export_<shop>`` (one row
    per line, all text). 子订单编号 is the canonical line id; the order's postage is charged on
    its first row (运费) and included in that row's 订单应付金额. Line cases come back with the
    payment time as request/refund time and without reason or units returned; order-level
    cases (no line) are not in the export.
    """
    o, lines, _ = shop_rows(tables, PLATFORM, shop_id)
    o = _with_buyers(o, buyers)
    df = lines.merge(o, on="order_id", how="left", suffixes=("", "_o"))
    n = len(df)
    first = ~df["order_id"].duplicated()
    freight = df["shipping_fee_fen"].fillna(0).astype("Int64").where(first, 0)
    street = street_of(df["address"]).str.split(" ", n=1)
    district = street.map(lambda p: p[0] if len(p) > 1 else "")
    detail = street.map(lambda p: p[-1] if p and p[-1] else "")
    names = df["product_name"].astype("string").fillna("")
    has_case = df["refund_status"].notna()
    blank = [""] * n
    out = pd.DataFrame({
        "主订单编号": df["order_id"], "子订单编号": df["line_id"],
        "选购商品": names.str.rsplit(" ", n=1).str[0].astype(object),
        "商品规格": names.map(lambda s: s.rsplit(" ", 1)[1] if " " in s else "").astype(object),
        "商品数量": df["quantity"].astype("Int64").astype(str),
        "商品ID": _text(df["platform_sku_id"]), "商家编码": _text(df["sku"]),
        "商品单价": yuan_text(df["list_price_fen"]),
        "订单应付金额": yuan_text(df["paid_fen"] + freight), "运费": yuan_text(freight),
        "优惠总金额": yuan_text(df["shop_discount_fen"] + df["platform_discount_fen"]),
        "平台优惠": yuan_text(df["platform_discount_fen"]), "商家优惠": yuan_text(df["shop_discount_fen"]),
        "达人优惠": ["0.00"] * n, "支付方式": np.where(df["paid_at"].notna(), "抖音支付", ""),
        "订单提交时间": time_text(df["created_at"]), "支付完成时间": time_text(df["paid_at"]),
        "发货时间": time_text(df["shipped_at"]), "订单完成时间": time_text(df["finished_at"]),
        "订单状态": df["status"].map(STATUS_WORDS),
        "售后状态": df["refund_status"].map(AFTER_SALES_WORDS).fillna("-"),
        "退款金额": yuan_text(df["refund_fen"]).where(has_case, ""),
        "取消原因": np.where(df["status"] == "cancelled", "超时未支付", ""), "达人ID": blank,
        "达人昵称": _text(df["streamer"]), "流量来源": _text(df["traffic_source"]), "流量渠道": blank,
        "收件人": _text(df["name"]), "收件人手机号": _text(df["phone"]),
        "省": [province_text(p) for p in df["province"]], "市": [city_text(c) for c in df["city"]],
        "区": district.astype(object), "街道": blank, "详细地址": detail.astype(object),
        "买家留言": blank,
    })
    t = out.groupby("主订单编号", sort=False)["订单提交时间"].transform("first")
    out = out.assign(_t=t, _i=np.arange(n)).sort_values(["_t", "主订单编号", "_i"])
    return {f"douyin_order_export_{shop_id}": out[COLUMNS].reset_index(drop=True)}
