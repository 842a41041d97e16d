"""ERP exports (聚水潭 / 旺店通 / 万里牛 style): SKU master, platform SKU mapping, stock, purchasing.

An ERP is where a multi-platform seller keeps one SKU master (商家编码 = the canonical SKU),
the stock per warehouse and the purchase orders. Four formats, all keyed on 商家编码:

* ``erp_products`` (商品资料): one row per SKU -> ``products``. When the file carries platform id
  columns (天猫SKU ID, 淘宝SKU ID, 京东SKU, 拼多多规格ID, 抖音商品ID) every filled one also gives a
  ``sku_map`` row (platform, platform_sku_id, sku), so one wide row can give several. A blank
  款式编码 makes the SKU its own style (ERPs do the same for single-variant goods); a 规格
  column is appended to the product name (``精华液`` + ``30ml`` -> ``精华液 30ml``).
* ``erp_sku_map`` (平台商品对照 / 店铺商品资料, long format): one row per platform id ->
  ``sku_map``. 平台 is a word (天猫, 京东, 拼多多, 抖音, ...) or a platform code. This is the
  format that can say a SKU has two ids on one platform (two Tmall shops), so the demo's
  mapping goes through it.
* ``erp_inventory`` (库存): one row per day, warehouse and SKU -> ``inventory_snapshots``.
  实际库存 (physical stock) is the on-hand figure; 可用库存 is used only when the file has no
  实际库存. The day is a column (ERPs print it when the export is scheduled as a snapshot).
* ``erp_purchase_orders`` (采购单明细): one row per purchase order and SKU ->
  ``purchase_orders``; 采购单价 in yuan; an open order has an empty 入库日期 and 入库数量 0.

Warehouses: 仓库编码 if the file has it, else the 仓库 (name) as exported. Money is yuan text
(``¥1,234.50``, ``12.5元``), counts may carry thousands separators (``1,200``), dates come in
the usual mix (``2025/6/18``, ``2025年6月18日``, ``20250618``).

:func:`to_export` writes canonical frames back as these files (for the demo and the round-trip
tests).
"""
from __future__ import annotations

import pandas as pd

from .mapped import FormatSpec, col, const, derived, register_spec

#: platform words in ERP and report exports -> platform codes (codes map to themselves)
PLATFORM_WORDS = {
    "天猫": "tmall", "天猫商城": "tmall", "淘宝": "taobao", "京东": "jd", "拼多多": "pdd",
    "抖音": "douyin", "抖店": "douyin", "抖音小店": "douyin", "快手": "kuaishou",
    "小红书": "xiaohongshu", "有赞": "youzan",
    **{c: c for c in ("tmall", "taobao", "jd", "pdd", "douyin", "kuaishou", "xiaohongshu",
                      "youzan")},
}
#: platform code -> the word an ERP writes
PLATFORM_NAMES = {"tmall": "天猫", "taobao": "淘宝", "jd": "京东", "pdd": "拼多多", "douyin": "抖音",
                  "kuaishou": "快手", "xiaohongshu": "小红书", "youzan": "有赞"}
#: warehouse code -> name, for the 仓库名称 column the writer adds beside 仓库编码
WAREHOUSE_NAMES = {"WH_EAST": "华东仓", "WH_SOUTH": "华南仓"}
CURRENCY_WORDS = {"人民币": "CNY", "美元": "USD", "港币": "HKD", "港元": "HKD"}

_SKU = ("商家编码", "SKU编码")
_NAME = ("商品名称", "货品名称")
_WAREHOUSE = ("仓库编码", "仓库", "仓库名称")
#: wide platform id columns of a SKU master: platform code -> accepted headers
PLATFORM_ID_COLUMNS = {
    "tmall": ("天猫SKU ID", "天猫SKUID", "天猫规格ID"),
    "taobao": ("淘宝SKU ID", "淘宝SKUID"),
    "jd": ("京东SKU", "京东SKU ID", "京东SKUID"),
    "pdd": ("拼多多规格ID", "拼多多SKU ID", "拼多多SKUID"),
    "douyin": ("抖音商品ID", "抖音SKU ID", "抖店SKU ID"),
}


def _currency(f: pd.DataFrame) -> pd.Series:
    """币种 column if any: words and lower case normalised; empty -> CNY."""
    c = f["_currency"].map(lambda v: None if v is None or pd.isna(v) else
                           CURRENCY_WORDS.get(str(v), str(v).upper()))
    return c.where(c.notna(), "CNY").astype(object)


def _product_name(f: pd.DataFrame) -> pd.Series:
    spec = f["_spec"]
    both = f["_name"].notna() & spec.notna()
    return f["_name"].where(~both, f["_name"].astype(str) + " " + spec.astype(str))


def _sku_map_entry(platform: str, headers: tuple[str, ...]) -> dict:
    return {
        "platform": const(platform),
        "platform_sku_id": col(*headers, kind="id"),
        "sku": col(*_SKU, kind="id", required=True),
        "note": col(*_NAME),
    }


PURCHASE_ORDERS = FormatSpec(
    name="erp_purchase_orders",
    description="ERP purchase order lines (采购单明细)",
    signature=(("采购单号", "采购单编号"), "商家编码", ("采购数量", "数量")),
    tables={
        "purchase_orders": {
            "po_id": col("采购单号", "采购单编号", kind="id", required=True),
            "sku": col(*_SKU, kind="id", required=True),
            "supplier_id": col("供应商编码", "供应商编号", "供应商", "供应商名称", required=True),
            "supplier_name": col("供应商名称", "供应商"),
            "warehouse_id": col(*_WAREHOUSE, "收货仓库"),
            "ordered_on": col("下单日期", "采购日期", "制单日期", kind="date", required=True),
            "promised_on": col("预计到货日期", "预计到货时间", "预计到货", kind="date"),
            "received_on": col("入库日期", "入库时间", "最后入库时间", kind="date"),
            "quantity_ordered": col("采购数量", "数量", kind="int", required=True),
            "quantity_received": col("入库数量", "已入库数量", "实收数量", kind="int"),
            "unit_cost_fen": col("采购单价", "单价", "含税单价", kind="money", required=True),
            "_currency": col("币种"),
            "currency": derived(_currency),
        },
    },
)

INVENTORY = FormatSpec(
    name="erp_inventory",
    description="ERP stock per warehouse (库存)",
    signature=("商家编码", _WAREHOUSE, ("实际库存", "实际库存数", "可用库存", "可用数")),
    tables={
        "inventory_snapshots": {
            "snapshot_date": col("日期", "快照日期", "统计日期", "库存日期", kind="date",
                                 required=True),
            "warehouse_id": col(*_WAREHOUSE),
            "sku": col(*_SKU, kind="id", required=True),
            "on_hand_units": col("实际库存", "实际库存数", "库存数量", "可用库存", "可用数",
                                 kind="int", required=True),
            "in_transit_units": col("采购在途", "采购在途数", "在途数量", "在途库存", kind="int"),
        },
    },
)

SKU_MAP = FormatSpec(
    name="erp_sku_map",
    description="ERP platform item mapping (平台商品对照)",
    signature=(("平台", "平台名称"), ("平台SKU ID", "平台SKUID", "平台商品ID", "线上SKU ID"),
               ("商家编码", "原始商品编码")),
    tables={
        "sku_map": {
            "platform": col("平台", "平台名称", kind="status", value=PLATFORM_WORDS, required=True),
            "platform_sku_id": col("平台SKU ID", "平台SKUID", "平台商品ID", "线上SKU ID",
                                   kind="id", required=True),
            "sku": col("商家编码", "原始商品编码", kind="id", required=True),
            "note": col("线上商品名称", *_NAME),
        },
    },
)

PRODUCTS = FormatSpec(
    name="erp_products",
    description="ERP SKU master (商品资料)",
    signature=("商家编码", _NAME, ("成本价", "成本单价")),
    tables={
        "products": {
            "sku": col(*_SKU, kind="id", required=True),
            "_spu": col("款式编码", "货号", "货品编号", "款号", kind="id"),
            "spu": derived(lambda f: f["_spu"].where(f["_spu"].notna(), f["sku"])),
            "_name": col(*_NAME, required=True),
            "_spec": col("规格名称", "颜色及规格", "规格"),
            "product_name": derived(_product_name),
            "category": col("分类", "商品分类", "类目", required=True),
            "unit_cost_fen": col("成本价", "成本单价", kind="money", required=True),
            "list_price_fen": col("吊牌价", "标准售价", "市场价", "零售价", "基本售价", kind="money",
                                  required=True),
            "supplier_id": col("供应商编码", "供应商编号", "供应商", "供应商名称"),
            "launched_on": col("上架日期", "上市日期", "上新日期", kind="date"),
        },
        **{f"sku_map:{p}": _sku_map_entry(p, h) for p, h in PLATFORM_ID_COLUMNS.items()},
    },
    row_filters={f"sku_map:{p}": (lambda f: f["platform_sku_id"].notna())
                 for p in PLATFORM_ID_COLUMNS},
)

# registration order = detection order: the specific formats before the SKU master
SPECS = (PURCHASE_ORDERS, INVENTORY, SKU_MAP, PRODUCTS)
for _spec in SPECS:
    register_spec(_spec)


# ----------------------------------------------------------------------------------------
# writer: canonical frames -> the files the ERP exports
# ----------------------------------------------------------------------------------------
def yuan(s: pd.Series) -> pd.Series:
    """Integer fen -> yuan text with two decimals (``123450`` -> ``1234.50``); NA -> ``""``."""
    def one(v):
        if v is None or pd.isna(v):
            return ""
        v = int(v)
        return f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}"
    return pd.Series([one(v) for v in s], index=s.index, dtype=object)


def day(s: pd.Series) -> pd.Series:
    """Dates -> ``YYYY-MM-DD``; NaT -> ``""``."""
    return pd.to_datetime(s).dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), "")


def count(s: pd.Series) -> pd.Series:
    """Integers -> plain digits; NA -> ``""``."""
    return s.astype("Int64").astype("string").fillna("").astype(object)


def text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "")


def platform_word(s: pd.Series) -> pd.Series:
    return s.map(lambda v: PLATFORM_NAMES.get(v, v)).astype(object)


def _with_currency(out: dict, frame: pd.DataFrame) -> dict:
    """Add a 币种 column only when some money is not CNY (ERPs print none for yuan)."""
    if "currency" in frame and (frame["currency"].fillna("CNY") != "CNY").any():
        out["币种"] = text(frame["currency"])
    return out


def to_export(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The ERP files for the canonical ``products``, ``sku_map``, ``inventory_snapshots`` and
    ``purchase_orders`` frames present in ``tables`` (as :func:`ecomlib.demo.generate` makes
    them): file stem (the format name) -> frame of text columns as the ERP writes them
    (money in yuan with two decimals, dates ``YYYY-MM-DD``, empty cells for missing values).
    Reading the files back with the formats above gives the same canonical rows."""
    out: dict[str, pd.DataFrame] = {}
    if "products" in tables:
        p = tables["products"]
        out["erp_products"] = pd.DataFrame({
            "商家编码": text(p["sku"]), "款式编码": text(p["spu"]), "商品名称": text(p["product_name"]),
            "分类": text(p["category"]), "成本价": yuan(p["unit_cost_fen"]),
            "吊牌价": yuan(p["list_price_fen"]), "供应商编码": text(p["supplier_id"]),
            "上架日期": day(p["launched_on"]),
        })
    if "sku_map" in tables:
        m = tables["sku_map"]
        out["erp_sku_map"] = pd.DataFrame({
            "平台": platform_word(m["platform"]), "平台SKU ID": text(m["platform_sku_id"]),
            "商家编码": text(m["sku"]), "线上商品名称": text(m["note"]),
        })
    if "inventory_snapshots" in tables:
        s = tables["inventory_snapshots"]
        out["erp_inventory"] = pd.DataFrame({
            "日期": day(s["snapshot_date"]), "仓库编码": text(s["warehouse_id"]),
            "仓库名称": s["warehouse_id"].map(lambda w: WAREHOUSE_NAMES.get(w, w)).astype(object),
            "商家编码": text(s["sku"]), "实际库存": count(s["on_hand_units"]),
            "采购在途": count(s["in_transit_units"]),
        })
    if "purchase_orders" in tables:
        po = tables["purchase_orders"]
        amount = (po["quantity_ordered"].astype("Int64") * po["unit_cost_fen"].astype("Int64"))
        cols = {
            "采购单号": text(po["po_id"]), "供应商编码": text(po["supplier_id"]),
            "供应商名称": text(po["supplier_name"]), "仓库编码": text(po["warehouse_id"]),
            "商家编码": text(po["sku"]), "采购数量": count(po["quantity_ordered"]),
            "入库数量": count(po["quantity_received"]), "采购单价": yuan(po["unit_cost_fen"]),
            "采购金额": yuan(amount), "下单日期": day(po["ordered_on"]),
            "预计到货日期": day(po["promised_on"]), "入库日期": day(po["received_on"]),
        }
        out["erp_purchase_orders"] = pd.DataFrame(_with_currency(cols, po))
    return out
