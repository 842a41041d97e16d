"""The 经营摘要 block: cards with 环比/同比/target from the catalogue, the largest changes
with their drivers (worked by hand), actions linked to sections, every data value escaped."""
from __future__ import annotations

import math

import pandas as pd

from ecomlib import summary as S

NOW = pd.DataFrame({"shop_id": ["a", "b", "c"], "paid_fen": [60000, 30000, 10000],
                    "refund_fen": [6000, 1000, 0], "count_buyers": [10, 10, 5]})
BEFORE = pd.DataFrame({"shop_id": ["a", "b", "c"], "paid_fen": [40000, 32000, 8000],
                       "refund_fen": [2000, 1000, 0], "count_buyers": [8, 10, 4]})


def test_cards_compute_their_changes():
    c = S.Card("paid_fen", 100000, previous=80000, year_ago=125000, target=90000)
    assert c.mom == 0.25 and math.isclose(c.yoy, -0.2) and math.isclose(c.attainment, 100000 / 90000)
    assert S.Card("paid_fen", 1, previous=0).mom is None   # no fake +inf
    html = S.card_html(S.Card("refund_rate", 0.07, previous=0.04), "zh")
    assert "3.0 个百分点" in html and "▲" in html  # a rate moves in points
    assert 'data-metric="refund_rate"' in html and "退款率" in html


def test_largest_changes_and_their_drivers():
    ch = S.changes(NOW, BEFORE, ["paid_fen", "refund_fen", "aov_fen"], by="shop_id",
                   labels={"a": "天猫旗舰店"})
    by = {c.metric: c for c in ch}
    # paid 100000 vs 80000: +25 %, shop a +20000 of +20000 (b -2000, c +2000)
    p = by["paid_fen"]
    assert (p.value, p.previous, p.driver, p.driver_delta) == (100000, 80000, "天猫旗舰店", 20000)
    assert p.driver_share == 1.0
    # refunds 7000 vs 3000: +133 %, the largest move first
    assert ch[0].metric == "refund_fen" and by["refund_fen"].driver == "天猫旗舰店"
    assert S.change_sentence(p) == "实付金额 ¥1,000.00，环比 +25.0%，主要来自 天猫旗舰店（+¥200.00，占 100.0%）"


def test_the_block_escapes_data_and_links_actions():
    html = S.html("渠道 <script>", "上月 2025-11-01 至 2025-11-30",
                  [S.Card("paid_fen", 1000)],
                  actions=[S.Action("补货 <img src=x onerror=alert(1)> 20 件", "#reorder", "high")],
                  health="数据健康：2 条规则未通过", health_link="quality/q.html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and 'href="#reorder"' in html
    assert "今天要做" in html and "主要变化" in html and 'href="quality/q.html"' in html
    assert "今天没有需要处理的事项" in S.html("t", "p", [], actions=[])


def test_a_card_can_carry_a_second_metric():
    c = S.Card("gross_profit_fen", 50000, previous=40000,
               sub=S.Card("gross_margin_rate", 0.5, previous=0.45, year_ago=None))
    html = S.card_html(c, "zh")
    assert html.count('class="ecom-card"') == 1 and 'class="ecom-sub" data-metric="gross_margin_rate"' in html
    assert "毛利率" in html and "50.0%" in html and "5.0 个百分点" in html   # its own change, in points
    assert html.index("毛利率") > html.index("25.0%")                       # below the first metric


def test_actions_frame_names_the_linked_sections():
    acts = [S.Action("补货 3 个 SKU", "#purchase", "high"), S.Action("看看", "#elsewhere", "low")]
    zh = S.actions_frame(acts, {"purchase": ("采购清单", "Purchase list")}, "zh")
    assert zh.to_dict("list") == {"severity": ["高", "低"], "action": ["补货 3 个 SKU", "看看"],
                                  "section": ["采购清单", "#elsewhere"]}
    en = S.actions_frame(acts, {"purchase": ("采购清单", "Purchase list")}, "en")
    assert en["severity"].tolist() == ["high", "low"] and en["section"][0] == "Purchase list"
