"""Taobao / Tmall (千牛 · 已卖出的宝贝 → 批量导出) order exports: two files per export.

* **订单报表** (``ExportOrderList*.csv``, format ``taobao_orders``): one row per order ->
  ``orders``. 订单编号, 买家会员名, 买家应付货款, 买家应付邮费, 总金额, 买家实际支付金额
  (newer exports: 买家实付金额), 订单状态, 收货人姓名, 收货地址, 联系手机, 订单创建时间,
  订单付款时间, 发货时间, 确认收货时间, 店铺名称, 订单关闭原因, 退款金额, ...
* **宝贝报表 / 订单明细** (``ExportOrderDetailList*``, format ``taobao_items``): one row per
  sub-order -> ``order_lines`` + ``refunds``. 子订单编号, 主订单编号 (older files: 订单编号),
  商品标题 (标题), 商品价格 (价格), 购买数量, 外部系统编号, 商品属性, 订单状态, 商家编码,
  买家应付货款, 买家实付金额, 退款状态, 退款金额, 订单创建时间, 订单付款时间, 商品ID, ...

Judgment calls:

* **Platform**: the exports do not say whether the shop is a Tmall or a Taobao (C店) shop
  and their columns are the same, so both load as platform ``tmall``.
* **Shop**: the 宝贝报表 has no shop column, so both files take the shop from ``--shop`` /
  ``ecom.yaml``; the 订单报表's 店铺名称 / 店铺Id are ignored on purpose, so that an order's
  header and its lines always land under the same ``shop_id``.
* **Line id** = 子订单编号; an older 宝贝报表 without it numbers the lines 1, 2, ... in file
  order within each order.
* **SKU** = 商家编码 (the SKU's merchant code), else 外部系统编号 (the item's code), else
  商品ID; ``sku_map`` resolves platform ids to canonical SKUs.
* **Discounts**: 商品价格 x 购买数量 - 买家应付货款 is the shop's discount (改价, 店铺优惠) and
  买家应付货款 - 买家实付金额 the platform's (天猫购物券, 红包, 积分). Without 买家应付货款 the
  whole difference counts as the shop's.
* **Status**: 交易关闭 is ``cancelled`` when the order was never paid and ``refunded`` when it
  was (a paid Taobao order closes only through a full refund).
* **Refunds** come from the 宝贝报表 only: one case per sub-order whose 退款状态 shows an
  after-sales case, for 退款金额 (else the line's paid amount). The export carries no case id,
  request or refund time, reason or units returned: the case id is ``<order>-<line>``, both
  times are the payment time, units returned 0. The 订单报表's 退款金额 is the order total of
  the same cases (plus order-level compensation such as 运费补偿) and is *not* loaded, or
  every refund would count twice when both files are loaded, as they always are.
* **Live-stream orders**: the standard 订单报表 does not say which orders came from a live
  stream. When a 流量来源 / 主播昵称 column is added (``to_export`` writes them), they fill
  ``traffic_source`` / ``streamer``.
* Personal data: 买家会员名, 收货人姓名, 收货地址, 联系手机/电话, 买家留言 are never stored; the
  buyer becomes a member key (联系手机, else 联系电话, else 买家会员名) and the address only
  its province and city.
"""
from __future__ import annotations

import pandas as pd

from . import clean as C
from .mapped import FormatSpec, col, const, derived, register_spec, shop
from .pdd import time_text, yuan_text

PLATFORM = "tmall"

#: 订单状态 (both files) -> canonical status; 交易关闭 after payment becomes ``refunded``
ORDER_STATUS = {
    "等待买家付款": "created",
    "买家已付款，等待卖家发货": "paid", "等待卖家发货": "paid", "买家已付款": "paid",
    "卖家部分发货": "shipped", "部分发货": "shipped",
    "卖家已发货，等待买家确认": "shipped", "等待买家确认收货": "shipped", "卖家已发货": "shipped",
    "买家已签收": "shipped",
    "交易成功": "finished",
    "付款以后用户退款成功，交易自动关闭": "refunded",
    "交易关闭": "cancelled", "交易被淘宝关闭": "cancelled",
}
#: 退款状态 (宝贝报表) -> canonical after-sales status; ``none`` = no case
REFUND_STATUS = {
    "没有申请退款": "none", "无退款": "none", "": "none", "-": "none",
    "退款成功": "refunded",
    "退款关闭": "cancelled",
    "卖家拒绝退款": "rejected",
    "买家已经申请退款，等待卖家同意": "requested",
    "卖家已经同意退款，等待买家退货": "requested",
    "买家已经退货，等待卖家确认收货": "requested",
    "退款中": "requested",
}


# -- helpers shared by the platform specs (jd, douyin import them) ------------------------------
def fen(s: pd.Series) -> pd.Series:
    """A cleaned money/count column (Int64, or all-None when the file lacks it) as Int64."""
    return pd.to_numeric(s, errors="coerce").astype("Int64")


def groups_of(ids: pd.Series) -> pd.Series:
    """The rows' group numbers by id (a missing id is the group ""): grouping by them is
    grouping by the ids, which are hashed once here, in Arrow when they are text there,
    instead of as a Python object per row in every groupby that follows."""
    if pd.api.types.is_string_dtype(ids.dtype) and ids.dtype != object:
        g = ids.fillna("")
    else:
        g = ids.astype(object).where(ids.notna(), "")
    return pd.Series(pd.factorize(g)[0], index=ids.index)


def first_of(*names: str):
    """derived(): the first non-empty of several cleaned columns, row by row."""
    def fn(f: pd.DataFrame) -> pd.Series:
        return C.coalesce(*(f[n] for n in names))
    return fn


def line_numbers(f: pd.DataFrame, order: str = "order_id") -> pd.Series:
    """'1', '2', ...: each row's position among the rows of its order, in file order."""
    codes, _ = pd.factorize(f[order], use_na_sentinel=False)  # no id: one group
    return (pd.Series(codes, index=f.index).groupby(codes, sort=False).cumcount() + 1).astype(str)


def content_line_ids(f: pd.DataFrame, sku: str, price: str, spec: str | None = None,
                     order: str = "order_id") -> pd.Series:
    """A line id from the line's content, for exports without a sub-order id:
    ``<sku>[|<spec>]@<price in fen>#<k>``, k = the occurrence of that SKU, spec and price
    within the order (1, 2, ... in file order). It does not depend on where the line sits,
    so a re-export that lists an order's lines in another order, or fewer of them, or an
    order whose lines come on two export pages, keeps every line's identity (DECISIONLOG)."""
    parts = f[sku].astype("string").fillna("")
    if spec is not None and spec in f.columns:
        sp = f[spec].astype("string").fillna("")
        parts = parts.where(sp == "", parts + "|" + sp)
    parts = parts + "@" + pd.to_numeric(f[price], errors="coerce").astype("Int64").astype(
        "string").fillna("")
    key = f[order].astype("string").fillna("") + "\0" + parts
    k = key.groupby(key, sort=False).cumcount() + 1
    # (every row has one: as pandas str, the text staying in Arrow memory for the check)
    return (parts + "#" + k.astype("string")).astype("str")


def closed_after_payment(word: str = "_status", paid: str = "paid_at"):
    """derived(): the mapped order status, with 'closed' orders that were paid as refunded."""
    def fn(f: pd.DataFrame) -> pd.Series:
        s = f[word]
        return s.where(~(s.eq("cancelled") & f[paid].notna()).to_numpy(dtype=bool), "refunded")
    return fn


def case_status(word: str = "_after_sales"):
    """derived(): after-sales words mapped through a ``none``-aware table -> status or None."""
    def fn(f: pd.DataFrame) -> pd.Series:
        s = f[word]
        return s.where((s.notna() & s.ne("none")).to_numpy(dtype=bool), None)
    return fn


def first_time(*names: str):
    """derived(): the first non-empty of several cleaned timestamp columns."""
    def fn(f: pd.DataFrame) -> pd.Series:
        out = pd.to_datetime(f[names[0]], errors="coerce")
        for n in names[1:]:
            out = out.fillna(pd.to_datetime(f[n], errors="coerce"))
        return out
    return fn


def _refund_case_id(f: pd.DataFrame) -> pd.Series:
    return f["order_id"].astype("string") + "-" + f["line_id"].astype("string")


def _line_id(f: pd.DataFrame) -> pd.Series:
    """子订单编号, else the line's content key (:func:`content_line_ids`). The content keys
    are made only when some line has no 子订单编号 (a Tmall detail export's lines all have
    one: its content keys were made and thrown away, ~1.5 CPU-s at 5M lines)."""
    if len(f) and not f["_sub"].isna().any():
        return C.coalesce(f["_sub"])
    return C.coalesce(f["_sub"], content_line_ids(f, "sku", "list_price_fen", "_spec"))


def _shop_discount(f: pd.DataFrame) -> pd.Series:
    gross = fen(f["list_price_fen"]) * fen(f["quantity"])
    return gross - fen(f["_payable"]).fillna(fen(f["paid_fen"]))


def _platform_discount(f: pd.DataFrame) -> pd.Series:
    payable = fen(f["_payable"])
    return (payable - fen(f["paid_fen"])).where(payable.notna(), 0)


_ITEM_ORDER = ("主订单编号", "订单编号")
_PAID = ("买家实付金额", "实付金额")


def _item_keys() -> dict:
    return {
        "platform": const(PLATFORM),
        "shop_id": shop(),
        "order_id": col(*_ITEM_ORDER, kind="id", required=True),
        "_sub": col("子订单编号", kind="id"),
        "_code": col("商家编码", kind="id"),
        "_outer": col("外部系统编号", kind="id"),
        "_item": col("商品ID", kind="id"),
        "sku": derived(first_of("_code", "_outer", "_item")),
        "_spec": col("商品属性", "销售属性", "SKU属性"),
        "list_price_fen": col("商品价格", "价格", kind="money", required=True),
        "line_id": derived(_line_id),
    }


ORDERS_SPEC = FormatSpec(
    name="taobao_orders",
    description="Taobao/Tmall order report (淘宝/天猫 订单报表)",
    signature=("订单编号", "买家应付邮费", "订单状态", "订单创建时间"),
    tables={
        "orders": {
            "platform": const(PLATFORM),
            "shop_id": shop(),
            "order_id": col("订单编号", kind="id", required=True),
            "member_key": col("联系手机", "买家手机号", "联系电话", "买家会员名", kind="member"),
            "province": col("收货地址", kind="province"),
            "city": col("收货地址", kind="city"),
            "created_at": col("订单创建时间", kind="ts", required=True),
            "paid_at": col("订单付款时间", kind="ts"),
            "shipped_at": col("发货时间", kind="ts"),
            "finished_at": col("确认收货时间", kind="ts"),
            "_status": col("订单状态", kind="status", value=ORDER_STATUS, required=True),
            "status": derived(closed_after_payment()),
            "shipping_fee_fen": col("买家应付邮费", kind="money"),
            "traffic_source": col("流量来源"),
            "streamer": col("主播昵称", "主播"),
            "paid_total_fen": col("买家实际支付金额", "实付金额", kind="money"),
            "refund_total_fen": col("退款金额", kind="money"),
        },
    },
)

ITEMS_SPEC = FormatSpec(
    name="taobao_items",
    description="Taobao/Tmall order item report (淘宝/天猫 宝贝报表/订单明细)",
    signature=(_ITEM_ORDER, "购买数量", ("商品价格", "价格"), "订单状态"),
    tables={
        "order_lines": {
            **_item_keys(),
            "platform_sku_id": col("商品ID", kind="id"),
            "quantity": col("购买数量", kind="int", required=True),
            "_payable": col("买家应付货款", kind="money"),
            "paid_fen": col(*_PAID, kind="money", required=True),
            "shop_discount_fen": derived(_shop_discount),
            "platform_discount_fen": derived(_platform_discount),
        },
        "refunds": {
            **_item_keys(),
            "refund_id": derived(_refund_case_id),
            "_after_sales": col("退款状态", kind="status", value=REFUND_STATUS),
            "_refund": col("退款金额", kind="money"),
            "_paid": col(*_PAID, kind="money"),
            "refund_fen": derived(lambda f: fen(f["_refund"]).fillna(fen(f["_paid"]))),
            "status": derived(case_status()),
            "_paid_at": col("订单付款时间", kind="ts"),
            "_created_at": col("订单创建时间", kind="ts"),
            "requested_at": derived(first_time("_paid_at", "_created_at")),
            "refunded_at": derived(lambda f: f["requested_at"].where(f["status"] == "refunded")),
        },
    },
    row_filters={"refunds": lambda f: f["status"].notna()},
)

register_spec(ORDERS_SPEC)
register_spec(ITEMS_SPEC)


# -- the inverse, for the demo: canonical rows -> the two files 千牛 writes ---------------------
STATUS_WORDS = {"created": "等待买家付款", "paid": "买家已付款，等待卖家发货",
                "shipped": "卖家已发货，等待买家确认", "finished": "交易成功",
                "cancelled": "交易关闭", "refunded": "交易关闭"}
CLOSE_REASONS = {"cancelled": "买家未付款", "refunded": "退款"}
REFUND_WORDS = {"refunded": "退款成功", "cancelled": "退款关闭", "rejected": "卖家拒绝退款",
                "requested": "买家已经申请退款，等待卖家同意"}

ORDER_COLUMNS = [
    "订单编号", "买家会员名", "买家支付宝账号", "支付单号", "买家应付货款", "买家应付邮费", "买家支付积分",
    "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名",
    "收货地址", "运送方式", "联系电话", "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类",
    "物流单号", "物流公司", "订单备注", "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "退款金额",
    "发货时间", "确认收货时间", "流量来源", "主播昵称",
]
ITEM_COLUMNS = [
    "子订单编号", "主订单编号", "商品标题", "商品价格", "购买数量", "外部系统编号", "商品属性", "套餐信息",
    "联系方式备注", "订单状态", "商家编码", "买家应付货款", "买家实付金额", "退款状态", "退款金额",
    "订单创建时间", "订单付款时间", "商品ID", "商家备注", "主订单买家留言", "发货时间", "物流单号",
    "物流公司",
]

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
_REGION_WORDS = {"内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
                 "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区",
                 "澳门": "澳门特别行政区"}
_LEADING_REGION = (r"^\s*(?:(?:北京|上海|天津|重庆)市?|[^\s省市区]{2,7}?(?:省|自治区|特别行政区))\s*"
                   r"(?:[^\s区县]{1,9}?(?:市|自治州|地区|盟))?\s*")


def province_text(p) -> str:
    """浙江 -> 浙江省, 上海 -> 上海市, 广西 -> 广西壮族自治区 (as address columns write them)."""
    if p is None or pd.isna(p) or not str(p):
        return ""
    p = str(p)
    if p in MUNICIPALITIES:
        return p + "市"
    return _REGION_WORDS.get(p, p + "省")


def city_text(c) -> str:
    if c is None or pd.isna(c) or not str(c):
        return ""
    c = str(c)
    return c if c.endswith(("市", "自治州", "盟", "地区")) else c + "市"


def street_of(address: pd.Series) -> pd.Series:
    """The part of an address after its province and city (district, road, number)."""
    t = address.astype("string").fillna("").str.strip()
    return t.str.replace(_LEADING_REGION, "", regex=True).str.strip().astype(object)


def address_text(province: pd.Series, city: pd.Series, address: pd.Series) -> pd.Series:
    """'浙江省 杭州市 <street>' from the order's province/city and the buyer's street; empty
    when the order has no province (a bare street would read as a province)."""
    street = street_of(address).reset_index(drop=True)
    parts = pd.DataFrame({"p": [province_text(p) for p in province],
                          "c": [city_text(c) for c in city], "s": street})
    out = [" ".join(x for x in (p, c, s) if x) if p else "" for p, c, s in parts.itertuples(index=False)]
    return pd.Series(out, index=province.index, dtype=object)


def shop_rows(tables: dict[str, pd.DataFrame], platform: str, shop_id: str):
    """(orders, lines, line refunds) of one shop, lines with product names and the
    after-sales case of each line (the latest one when a line has several)."""
    key = ["platform", "shop_id", "order_id"]
    o = tables["orders"]
    o = o[(o.platform == platform) & (o.shop_id == shop_id)].copy()
    lines = tables["order_lines"].merge(o[key], on=key)
    products = tables.get("products")
    if products is not None and len(products):
        lines = lines.merge(products[["sku", "spu", "product_name"]], on="sku", how="left")
    else:
        lines = lines.assign(spu=None, product_name=None)
    r = tables["refunds"].merge(o[key], on=key)
    r = r[r.line_id.notna()].sort_values("requested_at").drop_duplicates(
        key + ["line_id"], keep="last")
    lines = lines.merge(r[key + ["line_id", "status", "refund_fen"]].rename(
        columns={"status": "refund_status"}), on=key + ["line_id"], how="left")
    num = pd.to_numeric(lines["line_id"], errors="coerce")
    lines = lines.assign(_n=num).sort_values(["order_id", "_n", "line_id"]).drop(columns="_n")
    return o, lines.reset_index(drop=True), tables["refunds"].merge(o[key], on=key)


def _with_buyers(o: pd.DataFrame, buyers: pd.DataFrame) -> pd.DataFrame:
    b = buyers[["member_key", "buyer_nick", "phone", "name", "address"]]
    return o.merge(b, on="member_key", how="left").reset_index(drop=True)


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "").astype(str)


def to_export(tables: dict[str, pd.DataFrame], shop_id: str, buyers: pd.DataFrame
              ) -> dict[str, pd.DataFrame]:
    """One shop's rows as the two files 千牛 writes: ``ExportOrderList_<shop>`` (订单报表, one
    row per order) and ``ExportOrderDetailList_<shop>`` (宝贝报表, one row per sub-order), all
    text. 子订单编号 is the canonical line id. Order-level after-sales cases (no line) only
    show in the 订单报表's 退款金额, which is not loaded back; line cases come back with the
    payment time as request/refund time and without reason or units returned.
    """
    o, lines, refunds = shop_rows(tables, PLATFORM, shop_id)
    o = _with_buyers(o, buyers)
    shops = tables.get("shops")
    shop_name = ""
    if shops is not None:
        m = shops[(shops.platform == PLATFORM) & (shops.shop_id == shop_id)]
        shop_name = str(m.shop_name.iloc[0]) if len(m) else ""

    lines["_gross"] = lines["list_price_fen"] * lines["quantity"]
    lines["_payable"] = lines["_gross"] - lines["shop_discount_fen"]
    per_order = lines.groupby("order_id").agg(
        payable=("_payable", "sum"), paid=("paid_fen", "sum"), units=("quantity", "sum"),
        kinds=("line_id", "count"),
        titles=("product_name", lambda s: "，".join(str(x) for x in s if isinstance(x, str))))
    done = refunds[refunds.status == "refunded"].groupby("order_id")["refund_fen"].sum()
    o = o.join(per_order, on="order_id").join(done.rename("refunded"), on="order_id")
    ship = o["shipping_fee_fen"].fillna(0).astype("Int64")
    payable = o["payable"].fillna(0).astype("Int64")
    actually_paid = (o["paid"].fillna(0).astype("Int64") + ship).where(o["paid_at"].notna(), 0)
    n = len(o)
    blank = [""] * n
    orders = pd.DataFrame({
        "订单编号": o["order_id"], "买家会员名": _text(o["buyer_nick"]), "买家支付宝账号": blank,
        "支付单号": blank, "买家应付货款": yuan_text(payable), "买家应付邮费": yuan_text(ship),
        "买家支付积分": ["0"] * n, "总金额": yuan_text(payable + ship), "返点积分": ["0"] * n,
        "买家实际支付金额": yuan_text(actually_paid), "买家实际支付积分": ["0"] * n,
        "订单状态": o["status"].map(STATUS_WORDS), "买家留言": blank,
        "收货人姓名": _text(o["name"]),
        "收货地址": address_text(o["province"], o["city"], o["address"]),
        "运送方式": ["快递"] * n, "联系电话": blank, "联系手机": _text(o["phone"]),
        "订单创建时间": time_text(o["created_at"]), "订单付款时间": time_text(o["paid_at"]),
        "宝贝标题": _text(o["titles"]), "宝贝种类": _text(o["kinds"].astype("Int64")),
        "物流单号": blank, "物流公司": blank, "订单备注": blank,
        "宝贝总数量": _text(o["units"].astype("Int64")), "店铺Id": blank, "店铺名称": [shop_name] * n,
        "订单关闭原因": o["status"].map(CLOSE_REASONS).fillna("订单未关闭"),
        "退款金额": yuan_text(o["refunded"].fillna(0)),
        "发货时间": time_text(o["shipped_at"]), "确认收货时间": time_text(o["finished_at"]),
        "流量来源": _text(o["traffic_source"]), "主播昵称": _text(o["streamer"]),
    })
    orders = orders.sort_values(["订单创建时间", "订单编号"]).reset_index(drop=True)

    li = lines.merge(o[["order_id", "status", "created_at", "paid_at", "shipped_at"]],
                     on="order_id", how="left")
    has_case = li["refund_status"].notna()
    items = pd.DataFrame({
        "子订单编号": li["line_id"], "主订单编号": li["order_id"],
        "商品标题": _text(li["product_name"]), "商品价格": yuan_text(li["list_price_fen"]),
        "购买数量": li["quantity"].astype("Int64").astype(str), "外部系统编号": _text(li["spu"]),
        "商品属性": [""] * len(li), "套餐信息": [""] * len(li), "联系方式备注": [""] * len(li),
        "订单状态": li["status"].map(STATUS_WORDS), "商家编码": _text(li["sku"]),
        "买家应付货款": yuan_text(li["_payable"]), "买家实付金额": yuan_text(li["paid_fen"]),
        "退款状态": li["refund_status"].map(REFUND_WORDS).fillna("没有申请退款"),
        "退款金额": yuan_text(li["refund_fen"].where(has_case, 0)),
        "订单创建时间": time_text(li["created_at"]), "订单付款时间": time_text(li["paid_at"]),
        "商品ID": _text(li["platform_sku_id"]), "商家备注": [""] * len(li),
        "主订单买家留言": [""] * len(li), "发货时间": time_text(li["shipped_at"]),
        "物流单号": [""] * len(li), "物流公司": [""] * len(li),
    })
    return {f"ExportOrderList_{shop_id}": orders[ORDER_COLUMNS],
            f"ExportOrderDetailList_{shop_id}": items[ITEM_COLUMNS]}
