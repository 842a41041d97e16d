"""JD (京东商家后台 / 京麦 · 订单查询与跟踪 → 订单导出) order export, format ``jd_orders``.

One row per order line (one SKU of an order): 订单号, 商品ID, 商品名称, 订购数量, 支付方式,
下单时间, 京东价, 订单金额, 结算金额, 余额支付, 应付金额, 订单状态, 订单类型, 下单帐号, 客户姓名,
客户地址, 联系电话, 订单备注, 发票类型, 商家备注, 运费金额, 付款确认时间, 货号, 订单完成时间,
订单来源, 订单渠道, 商家SKUID, ... -> ``order_lines`` + ``orders`` (the order columns repeat on
every line and collapse to one header per order).

Judgment calls:

* **Line id**: the export has none; a line is known by its content, ``<SKU>@<京东价 in
  fen>#<k>`` (k counts repeats of the same SKU and price within the order), never by its
  position: a re-export listing the lines in another order or fewer of them, or an order
  whose lines come on two export pages, keeps each line's identity.
* **Whole orders**: 订单金额 (the order's list value + postage) repeats on every line. When
  the file's lines of an order add up to it (京东价 x 订购数量, summed, + 运费金额), the file
  holds the whole order and its lines replace the order's lines in the warehouse (a line no
  longer exported is retired and counted in the load log); when they do not (a page of a
  split export), the lines are added or updated and none is retired.
* **SKU** = 商家SKUID (the shop's code for the SKU), else 商家编码, else 商品ID (JD's SKU id).
* **Money per line**: the classic export has order-level amounts only (订单金额, 结算金额,
  应付金额 and 运费金额 repeat on each line). The goods part the buyer paid, 应付金额 + 余额支付
  - 运费金额, is spread over the order's lines by 京东价 x 订购数量 (fen rounded down, the
  remainder on the first line), and the rest of the list value counts as the shop's discount.
  Where the export also carries line-level amounts (商品应付金额, 商家优惠金额, 京东优惠金额: not
  part of the classic template; ``to_export`` writes them), those are used as they are.
  For an order only partly in the file, the goods paid is spread by each line's share of
  the order's list value (订单金额 - 运费金额), rounded to the fen, so the pages of a split
  export add up as the whole order would (within a fen per line).
* **Status**: 已取消 is ``cancelled`` when the order was never paid and ``refunded`` when it
  was; 锁定 (an after-sales or cancel request on hold) counts as ``paid``; the "(删除)" prefix
  of deleted orders is ignored.
* **Shipment time**: not in the classic export; read from 出库时间 / 发货时间 when present
  (``to_export`` writes 出库时间).
* **Refunds**: the order export carries no after-sales columns (JD's 服务单 export is a separate
  report); a fully refunded order still shows as ``refunded`` through its status.
* **Shop**: from a 店铺名称 column when there is one, else ``--shop`` / ``ecom.yaml``.
* Personal data: 客户姓名, 客户地址, 联系电话, 下单帐号, 订单备注 are never stored; the buyer
  becomes a member key (联系电话, else 下单帐号), the address its province and city.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .mapped import FormatSpec, col, const, derived, register_spec, shop
from .pdd import time_text, yuan_text
from .taobao import (_text, _with_buyers, address_text, closed_after_payment, content_line_ids,
                     fen, first_of, groups_of, shop_rows)

PLATFORM = "jd"

ORDER_STATUS = {
    "等待付款": "created", "等待付款确认": "created", "待付款": "created",
    "等待出库": "paid", "等待打包": "paid", "等待发货": "paid", "暂停": "paid", "锁定": "paid",
    "等待确认收货": "shipped", "等待收货": "shipped", "已发货": "shipped", "配送退货": "shipped",
    "完成": "finished", "已完成": "finished",
    "已取消": "cancelled", "取消": "cancelled",
}


def apportion(total: pd.Series, weight: pd.Series, group: pd.Series) -> pd.Series:
    """Split each group's ``total`` (the same on every row of the group) over its rows by
    ``weight``: floor(total x weight / sum of weights), the remainder on the group's first
    row (equal shares when every weight is 0). Integer fen in, Int64 out."""
    g = groups_of(group)
    tot = fen(total).groupby(g, sort=False).transform("first")
    w = fen(weight)
    wsum = w.groupby(g, sort=False).transform("sum")
    count = w.groupby(g, sort=False).transform("size")
    share = (tot * w) // wsum.where(wsum != 0)
    share = share.where(wsum != 0, tot // count)
    first = ~g.duplicated()
    rest = tot - share.groupby(g, sort=False).transform("sum")
    return (share + rest.where(first, 0)).astype("Int64")


def whole_order(f: pd.DataFrame) -> pd.Series:
    """True on the lines of an order that is wholly in the file: the lines' list value
    (京东价 x 订购数量) + 运费金额 equals 订单金额. Without 订单金额 nothing can be told (False)."""
    gross = fen(f["list_price_fen"]) * fen(f["quantity"])
    total = gross.groupby(groups_of(f["order_id"]), sort=False).transform("sum")
    freight = fen(f["_freight"]).fillna(0)
    return (total + freight == fen(f["_order_amount"])).fillna(False).astype(bool)


def _paid(f: pd.DataFrame) -> pd.Series:
    goods_paid = fen(f["_payable"]) + fen(f["_balance"]).fillna(0) - fen(f["_freight"]).fillna(0)
    gross = fen(f["list_price_fen"]) * fen(f["quantity"])
    whole = apportion(goods_paid, gross, f["order_id"])
    # a page of a split export: the line's share of the order's own list value
    order_gross = fen(f["_order_amount"]) - fen(f["_freight"]).fillna(0)
    share = (goods_paid.astype("Float64") * gross / order_gross.where(order_gross > 0)).round()
    part = share.astype("Int64").where(order_gross > 0, whole)
    est = whole.where(whole_order(f).to_numpy(), part)
    return fen(f["_line_paid"]).fillna(est)


def _shop_discount(f: pd.DataFrame) -> pd.Series:
    gross = fen(f["list_price_fen"]) * fen(f["quantity"])
    rest = gross - fen(f["paid_fen"]) - fen(f["_line_platform"]).fillna(0)
    return fen(f["_line_shop"]).fillna(rest)


_ORDER = ("订单号",)

SPEC = FormatSpec(
    replaces_lines="_whole_order",
    name="jd_orders",
    description="JD order export (京东订单导出)",
    signature=("订单号", "商品ID", "订购数量", "京东价"),
    tables={
        "order_lines": {
            "platform": const(PLATFORM),
            "shop_id": shop("店铺名称", "店铺"),
            "order_id": col(*_ORDER, kind="id", required=True),
            "_code": col("商家SKUID", "商家SKU", "商家编码", kind="id"),
            "platform_sku_id": col("商品ID", kind="id"),
            "sku": derived(first_of("_code", "platform_sku_id")),
            "quantity": col("订购数量", kind="int", required=True),
            "list_price_fen": col("京东价", kind="money", required=True),
            "line_id": derived(lambda f: content_line_ids(f, "sku", "list_price_fen")),
            "_order_amount": col("订单金额", kind="money"),
            "_whole_order": derived(whole_order),
            "_payable": col("应付金额", kind="money", required=True),
            "_balance": col("余额支付", kind="money"),
            "_freight": col("运费金额", kind="money"),
            "_line_paid": col("商品应付金额", kind="money"),
            "_line_shop": col("商家优惠金额", kind="money"),
            "_line_platform": col("京东优惠金额", kind="money"),
            "paid_fen": derived(_paid),
            "platform_discount_fen": derived(lambda f: fen(f["_line_platform"]).fillna(0)),
            "shop_discount_fen": derived(_shop_discount),
        },
        "orders": {
            "platform": const(PLATFORM),
            "shop_id": shop("店铺名称", "店铺"),
            "order_id": col(*_ORDER, kind="id", required=True),
            "member_key": col("联系电话", "下单帐号", kind="member"),
            "province": col("客户地址", kind="province"),
            "city": col("客户地址", kind="city"),
            "created_at": col("下单时间", kind="ts", required=True),
            "paid_at": col("付款确认时间", kind="ts"),
            "shipped_at": col("出库时间", "发货时间", kind="ts"),
            "finished_at": col("订单完成时间", kind="ts"),
            "_status": col("订单状态", kind="status", value=ORDER_STATUS, required=True),
            "status": derived(closed_after_payment()),
            "shipping_fee_fen": col("运费金额", kind="money"),
            # 应付金额 + 余额支付: the buyer's whole payment for the order (goods + postage)
            "_payable": col("应付金额", kind="money"),
            "_balance": col("余额支付", kind="money"),
            "paid_total_fen": derived(lambda f: fen(f["_payable"]) + fen(f["_balance"]).fillna(0)),
        },
    },
)

register_spec(SPEC)


# -- the inverse, for the demo ------------------------------------------------------------------
STATUS_WORDS = {"created": "等待付款", "paid": "等待出库", "shipped": "等待确认收货",
                "finished": "完成", "cancelled": "已取消", "refunded": "已取消"}
COLUMNS = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额",
    "余额支付", "应付金额", "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "订单备注",
    "发票类型", "发票抬头", "发票内容", "商家备注", "商家备注等级（等级1-5为由高到低）", "运费金额",
    "付款确认时间", "增值税发票", "货号", "订单完成时间", "订单来源", "订单渠道", "商家SKUID", "出库时间",
    "商品应付金额", "商家优惠金额", "京东优惠金额",
]


def to_export(tables: dict[str, pd.DataFrame], shop_id: str, buyers: pd.DataFrame
              ) -> dict[str, pd.DataFrame]:
    """One shop's lines as the 订单导出 file ``jd_order_export_<shop>`` (one row per line, the
    order columns repeated on each, all text), lines in line-id order within each order. The
    line-level amounts 商品应付金额 / 商家优惠金额 / 京东优惠金额 and 出库时间 are added after the
    classic columns so that the lines come back exact. Refunds are not written (the order
    export has no after-sales columns): only the order status shows a full refund.
    """
    o, lines, _ = shop_rows(tables, PLATFORM, shop_id)
    o = _with_buyers(o, buyers)
    lines["_gross"] = lines["list_price_fen"] * lines["quantity"]
    sums = lines.groupby("order_id", as_index=False)[["_gross", "paid_fen"]].sum()
    df = (lines.merge(o, on="order_id", how="left", suffixes=("", "_o"))
          .merge(sums, on="order_id", how="left", suffixes=("", "_order")))
    ship = df["shipping_fee_fen"].fillna(0).astype("Int64")
    due = df["paid_fen_order"].astype("Int64") + ship
    n = len(df)
    blank = [""] * n
    out = pd.DataFrame({
        "订单号": df["order_id"], "商品ID": _text(df["platform_sku_id"]),
        "商品名称": _text(df["product_name"]), "订购数量": df["quantity"].astype("Int64").astype(str),
        "支付方式": ["在线支付"] * n, "下单时间": time_text(df["created_at"]),
        "京东价": yuan_text(df["list_price_fen"]),
        "订单金额": yuan_text(df["_gross_order"].astype("Int64") + ship),
        "结算金额": yuan_text(due), "余额支付": ["0.00"] * n, "应付金额": yuan_text(due),
        "订单状态": df["status"].map(STATUS_WORDS), "订单类型": ["销售订单"] * n,
        "下单帐号": _text(df["buyer_nick"]), "客户姓名": _text(df["name"]),
        "客户地址": address_text(df["province"], df["city"], df["address"]).str.replace(" ", ""),
        "联系电话": _text(df["phone"]), "订单备注": blank, "发票类型": blank, "发票抬头": blank,
        "发票内容": blank, "商家备注": blank, "商家备注等级（等级1-5为由高到低）": blank,
        "运费金额": yuan_text(ship), "付款确认时间": time_text(df["paid_at"]), "增值税发票": blank,
        "货号": _text(df["spu"]), "订单完成时间": time_text(df["finished_at"]),
        "订单来源": ["移动端订单"] * n, "订单渠道": blank, "商家SKUID": _text(df["sku"]),
        "出库时间": time_text(df["shipped_at"]),
        "商品应付金额": yuan_text(df["paid_fen"]),
        "商家优惠金额": yuan_text(df["shop_discount_fen"]),
        "京东优惠金额": yuan_text(df["platform_discount_fen"]),
    })
    # orders by placement time, each order's lines together in line order
    first = out.groupby("订单号", sort=False)["下单时间"].transform("first")
    out = out.assign(_t=first, _i=np.arange(n)).sort_values(["_t", "订单号", "_i"])
    return {f"jd_order_export_{shop_id}": out[COLUMNS].reset_index(drop=True)}
