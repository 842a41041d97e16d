"""Traffic and advertising reports: 生意参谋-style 流量来源 exports and ad-tool reports (推广报表).

* ``traffic_sources`` (流量来源, daily): one row per day, shop and traffic source -> ``traffic``
  (访客数 = visitors/UV, 浏览量 = PV, 加购人数, 支付买家数). Rate columns such as 支付转化率 are
  not stored: the metrics recompute them from the counts.
* ``ad_report`` (推广报表, daily): one row per day, shop, ad tool and campaign -> ``ad_spend``
  (花费/消耗 in yuan -> fen, 展现量, 点击量, 成交笔数, 成交金额 in yuan -> fen). Where an export
  has both total and direct attribution, the total (成交笔数 / 成交金额, 总成交...) is used: the
  count and amount header lists run in the same order, so both come from the same basis.
  Rate columns (点击率, 投入产出比) are not stored.

Platform of a row: the 平台 column when the export has one (天猫, 京东, ... or a code); for an ad
report otherwise the ad tool's platform (直通车/引力魔方/万相台 -> tmall, 京东快车/京准通 -> jd,
多多搜索/多多场景 -> pdd, 巨量千川 -> douyin); otherwise ``--platform`` / ``ecom.yaml``
(``platforms:``). A row whose platform is still unknown is quarantined. The shop is the 店铺
column (as exported, used as the shop id) or ``--shop`` / ``ecom.yaml``.

:func:`to_export` writes canonical ``traffic`` and ``ad_spend`` frames back as these reports.
"""
from __future__ import annotations

import pandas as pd

from .erp import PLATFORM_WORDS, count, day, platform_word, text, yuan
from .mapped import FormatSpec, col, context, derived, register_spec, shop

#: ad tool -> platform (exact name, else the first name contained in the tool's name)
CHANNEL_PLATFORM = {
    "直通车": "tmall", "引力魔方": "tmall", "万相台": "tmall", "超级推荐": "tmall",
    "钻石展位": "tmall", "品销宝": "tmall", "淘宝联盟": "tmall",
    "京东快车": "jd", "京准通": "jd", "京东展位": "jd", "购物触点": "jd", "京东海投": "jd",
    "多多搜索": "pdd", "多多场景": "pdd", "多多进宝": "pdd",
    "巨量千川": "douyin", "千川": "douyin", "巨量引擎": "douyin", "DOU+": "douyin",
}

_DATE = ("日期", "统计日期")
_SHOP = ("店铺", "店铺名称", "店铺ID")


def channel_platform(channel: pd.Series) -> pd.Series:
    """Platform code of each ad tool name, None where the name says nothing."""
    def one(v):
        if v is None or pd.isna(v):
            return None
        v = str(v).strip()
        if v in CHANNEL_PLATFORM:
            return CHANNEL_PLATFORM[v]
        return next((p for word, p in CHANNEL_PLATFORM.items() if word in v), None)
    return pd.Series([one(v) for v in channel], index=channel.index, dtype=object)


def _first(*series: pd.Series) -> pd.Series:
    out = series[0].astype(object)
    for s in series[1:]:
        out = out.where(out.notna(), s.astype(object))
    return out.where(out.notna(), None)


def _currency(f: pd.DataFrame) -> pd.Series:
    c = f["_currency"].map(lambda v: None if v is None or pd.isna(v) else str(v).upper())
    return c.where(c.notna(), "CNY").astype(object)


TRAFFIC = FormatSpec(
    name="traffic_sources",
    description="daily traffic by source (流量来源)",
    signature=(_DATE, ("流量来源", "一级来源"), ("访客数", "UV")),
    tables={
        "traffic": {
            "traffic_date": col(*_DATE, kind="date", required=True),
            "_platform": col("平台", kind="status", value=PLATFORM_WORDS),
            "_ctx_platform": context("platform"),
            "platform": derived(lambda f: _first(f["_platform"], f["_ctx_platform"])),
            "shop_id": shop(*_SHOP),
            "source": col("流量来源", "一级来源", required=True),
            "visitors": col("访客数", "UV", kind="int", required=True),
            "page_views": col("浏览量", "PV", kind="int"),
            "add_to_cart": col("加购人数", kind="int"),
            "buyers": col("支付买家数", kind="int"),
        },
    },
)

# total attribution first; the two lists run in the same order (same basis for both)
_ORDERS = ("成交笔数", "总成交笔数", "直接成交笔数", "成交订单数", "直接成交订单数")
_PAID = ("成交金额", "总成交金额", "直接成交金额", "成交订单金额", "直接成交订单金额")

AD_REPORT = FormatSpec(
    name="ad_report",
    description="daily ad report (推广报表)",
    signature=(_DATE, ("推广工具", "推广渠道", "渠道"), ("计划名称", "推广计划"),
               ("花费", "消耗", "总花费", "整体消耗")),
    tables={
        "ad_spend": {
            "spend_date": col(*_DATE, kind="date", required=True),
            "_platform": col("平台", kind="status", value=PLATFORM_WORDS),
            "_ctx_platform": context("platform"),
            "shop_id": shop(*_SHOP),
            "channel": col("推广工具", "推广渠道", "渠道", required=True),
            "platform": derived(lambda f: _first(f["_platform"], channel_platform(f["channel"]),
                                                 f["_ctx_platform"])),
            "campaign": col("计划名称", "推广计划", required=True),
            "spend_fen": col("花费", "消耗", "总花费", "整体消耗", kind="money", required=True),
            "impressions": col("展现量", "展现数", "展示次数", "曝光量", kind="int"),
            "clicks": col("点击量", "点击数", "点击次数", kind="int"),
            "attributed_orders": col(*_ORDERS, kind="int"),
            "attributed_paid_fen": col(*_PAID, kind="money"),
            "_currency": col("币种"),
            "currency": derived(_currency),
        },
    },
)

SPECS = (TRAFFIC, AD_REPORT)
for _spec in SPECS:
    register_spec(_spec)


# ----------------------------------------------------------------------------------------
# writer
# ----------------------------------------------------------------------------------------
def _percent(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as ``3.50%`` text (empty where den is 0), as the report tools print rates."""
    n, d = num.astype("Float64"), den.astype("Float64")
    r = (n / d.where(d > 0)) * 100
    return pd.Series(["" if pd.isna(v) else f"{v:.2f}%" for v in r], index=num.index, dtype=object)


def to_export(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The report files for the canonical ``traffic`` and ``ad_spend`` frames present in
    ``tables``: file stem (the format name) -> frame of text columns as the tools write them
    (dates ``YYYY-MM-DD``, money in yuan with two decimals, rates as ``3.50%`` which the
    reader ignores). Reading them back gives the same canonical rows."""
    out: dict[str, pd.DataFrame] = {}
    if "traffic" in tables:
        t = tables["traffic"]
        out["traffic_sources"] = pd.DataFrame({
            "日期": day(t["traffic_date"]), "平台": platform_word(t["platform"]),
            "店铺": text(t["shop_id"]), "流量来源": text(t["source"]),
            "访客数": count(t["visitors"]), "浏览量": count(t["page_views"]),
            "加购人数": count(t["add_to_cart"]), "支付买家数": count(t["buyers"]),
            "支付转化率": _percent(t["buyers"], t["visitors"]),
        })
    if "ad_spend" in tables:
        a = tables["ad_spend"]
        roi = (a["attributed_paid_fen"].astype("Float64")
               / a["spend_fen"].astype("Float64").where(a["spend_fen"] > 0))
        cols = {
            "日期": day(a["spend_date"]), "平台": platform_word(a["platform"]),
            "店铺": text(a["shop_id"]), "推广工具": text(a["channel"]),
            "计划名称": text(a["campaign"]), "花费": yuan(a["spend_fen"]),
            "展现量": count(a["impressions"]), "点击量": count(a["clicks"]),
            "点击率": _percent(a["clicks"], a["impressions"]),
            "成交笔数": count(a["attributed_orders"]), "成交金额": yuan(a["attributed_paid_fen"]),
            "投入产出比": pd.Series(["" if pd.isna(v) else f"{v:.2f}" for v in roi],
                               index=a.index, dtype=object),
        }
        if (a["currency"].fillna("CNY") != "CNY").any():
            cols["币种"] = text(a["currency"])
        out["ad_report"] = pd.DataFrame(cols)
    return out
