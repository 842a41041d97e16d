"""The finance report's sentences are functions of the numbers (ecomlib.metrics.finance_report):
each is checked with data that says one thing and with data that says the opposite. Labels
live in the one table (i18n.LABELS) and read as the metric catalogue says."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib import i18n
from ecomlib import summary as S
from ecomlib.metrics import catalogue
from ecomlib.metrics import finance as fi
from ecomlib.metrics import finance_report as rep

T = pd.Timestamp


def _rows(**cols) -> pd.DataFrame:
    """One P&L row per position of the given columns (the rest 0)."""
    n = len(next(iter(cols.values())))
    base = {c: [0] * n for c in fi.AMOUNT_COLUMNS}
    base.update(cols)
    return pd.DataFrame(base)


def _total(**amounts) -> pd.DataFrame:
    return fi.pnl(_rows(sales_date=[T("2025-01-01")], **{k: [v] for k, v in amounts.items()}))


# -- the statement: which cost is the largest --------------------------------------------------------
@pytest.mark.parametrize("amounts, largest, second", [
    ({"cogs_fen": 5000, "ad_spend_fen": 1000}, "商品成本", "广告花费"),
    ({"cogs_fen": 1000, "ad_spend_fen": 5000}, "广告花费", "商品成本"),   # ads, not goods
])
def test_the_largest_cost_is_the_largest(amounts, largest, second):
    total = _total(paid_fen=20000, **amounts)
    st = fi.income_statement(total)
    cs = fi.cost_structure(total)
    s = str(rep.statement_sentence(total, st, cs, "zh"))
    assert f"最大的一块费用是{largest}" in s and f"其次是{second}" in s
    en = str(rep.statement_sentence(total, st, cs, "en"))
    assert f"The largest cost is {i18n.label(cs['kind'].iloc[0], 'en').lower()}" in en


def test_rent_can_be_the_largest_cost():
    total = _total(paid_fen=20000, cogs_fen=1000)
    oh = pd.DataFrame({"kind": ["rent"], "amount_fen": [3000]})
    s = str(rep.statement_sentence(total, fi.income_statement(total, oh),
                                   fi.cost_structure(total, oh), "zh"))
    assert "最大的一块费用是租金（¥30，占全部成本费用 75.0%），其次是商品成本" in s
    assert "经营利润 **¥160**" in s   # 20000 - 1000 - 3000 fen


# -- the monthly trend: did the strongest month keep its margin? -----------------------------------
def _monthly(net, contribution_rates) -> tuple[pd.DataFrame, pd.DataFrame]:
    months = pd.to_datetime([f"2025-0{i + 1}-01" for i in range(len(net))])
    rows = _rows(sales_date=list(months), paid_fen=list(net),
                 ad_spend_fen=[round(n * (1 - r)) for n, r in zip(net, contribution_rates)])
    cal = pd.DataFrame({"day": months, "month_start": months})
    return fi.pnl(rows, period="month", calendar=cal), fi.pnl(rows)


def test_the_strongest_month_kept_its_margin():
    m, t = _monthly([1000, 3000], [0.2, 0.5])
    s = str(rep.monthly_sentence(m, t, "zh"))
    assert "净销售额最高的 2025-02 月贡献利润率 50.0%，不低于全期" in s and "保住了" in s


def test_the_strongest_month_lost_its_margin():
    m, t = _monthly([1000, 3000], [0.5, 0.2])
    s = str(rep.monthly_sentence(m, t, "en"))
    assert "In the month with the most net sales, 2025-02, the contribution margin fell to 20.0%" in s
    assert "kept" not in s


# -- MoM / YoY: the campaign month ------------------------------------------------------------------
def _changes(values) -> pd.DataFrame:
    months = pd.to_datetime(["2024-06-01", "2025-05-01", "2025-06-01", "2025-07-01"])
    return fi.changes(pd.DataFrame({"month": months, "net_sales_fen": values}))


def test_the_largest_rise_in_a_campaign_month_points_to_its_yoy():
    ch = _changes([800, 500, 1000, 900])
    s = str(rep.changes_sentence(ch, {T("2025-06-01"): "2025 618"}, "zh"))
    assert "环比涨得最多的是 2025-06（100.0%），这个月有 2025 618" in s and "该看同比（25.0%）" in s


def test_the_largest_rise_outside_campaigns_is_said_so():
    ch = _changes([800, 500, 600, 1000])
    s = str(rep.changes_sentence(ch, {T("2025-06-01"): "2025 618"}, "en"))
    assert "The largest month-over-month rise is 2025-07 (66.7%), a month without a big campaign" in s


def test_no_month_rose():
    s = str(rep.changes_sentence(_changes([800, 900, 800, 700]), {}, "zh"))
    assert "没有哪个月的净销售额比上月增长" in s


def test_campaign_months_from_the_calendar():
    days = pd.date_range("2025-05-25", "2025-06-30")
    cal = pd.DataFrame({"day": days, "festival": np.where((days >= "2025-06-01") & (days <= "2025-06-18"), "618", None),
                        "festival_phase": np.where(days == "2025-06-18", "peak", None), "campaign": None})
    assert rep.campaign_months(cal, "zh") == {T("2025-06-01"): "2025 618"}
    short = cal.assign(festival=np.where((days >= "2025-06-15") & (days <= "2025-06-18"), "618", None))
    assert rep.campaign_months(short, "zh") == {}   # a 4-day window is no big campaign


# -- shops, categories, SKUs, costs ------------------------------------------------------------------
def test_the_shop_with_the_lowest_margin_and_what_eats_it():
    rows = _rows(sales_date=[T("2025-01-01")] * 2, platform=["tmall", "jd"], shop_id=["a", "b"],
                 paid_fen=[10000, 10000], ad_spend_fen=[4000, 500], platform_fee_fen=[500, 3000])
    s = str(rep.shop_sentence(fi.pnl(rows, ["platform", "shop_id"]), "zh"))
    assert "贡献利润率最低的是 天猫 · a（55.0%），它最大的费用是广告花费，占净销售额 40.0%" in s
    rows["platform_fee_fen"] = [500, 6000]   # now b is the lowest, eaten by fees
    s = str(rep.shop_sentence(fi.pnl(rows, ["platform", "shop_id"]), "en"))
    assert ("The lowest contribution margin is JD · b's (35.0%); its largest cost is platform "
            "fees, 60.0% of its net sales") in s


def _structure(values: dict) -> pd.DataFrame:
    return fi.profit_structure(pd.DataFrame({"category": list(values),
                                             "contribution_fen": list(values.values())}), "category")


def test_profit_in_one_category_or_spread_over_several():
    s = str(rep.category_sentence(_structure({"护肤": 900, "零食": 50, "茶饮": 50}), lang="zh"))
    assert "3 个盈利类目中，前 1 个（护肤）贡献了盈利部分的 90.0%；没有亏损的类目" in s
    s = str(rep.category_sentence(_structure({"护肤": 400, "零食": 350, "茶饮": 250, "酒水": -10}),
                                  lang="en"))
    assert "Of 3 profitable categories the top 3" in s and "1 lose money" in s
    s = str(rep.category_sentence(_structure({"护肤": -5}), lang="zh"))
    assert "没有一个类目的贡献利润为正" in s


def test_the_sku_waterfall_counts_only_profitable_skus_as_the_top():
    st = fi.profit_structure(pd.DataFrame({"sku": ["a", "b", "c", fi.UNALLOCATED],
                                           "contribution_fen": [600, 400, -300, -100]}), "sku")
    s = str(rep.sku_sentence(st, top=10, lang="zh"))
    assert "前 2 个 SKU 贡献了盈利部分的 100.0%；有 1 个 SKU 贡献利润为负（红色），合计拖累 -¥3" in s
    assert rep.sku_sentence(st[st.sku == fi.UNALLOCATED]) is None


def test_why_the_drags_drag():
    below = pd.DataFrame({"sku": ["x"], "gross_profit_fen": [-100], **{c: [0] for c in rep._EATERS}})
    s = str(rep.drag_sentence(below, "zh"))
    assert "1 个在扣任何费用前就亏" in s and "被费用吃掉" not in s
    eaten = pd.DataFrame({"sku": ["x", "y"], "gross_profit_fen": [100, 100],
                          **{c: [0, 0] for c in rep._EATERS}})
    eaten["ad_spend_fen"] = [300, 50]
    eaten["logistics_fen"] = [10, 200]
    eaten.loc[2] = ["z", 50] + [0] * len(rep._EATERS)
    eaten.loc[2, "ad_spend_fen"] = 90
    s = str(rep.drag_sentence(eaten, "en"))
    assert "3 make a gross profit that costs eat, most often ad spend first" in s
    assert "below cost" not in s
    assert rep.drag_sentence(eaten.iloc[:0]) is None


def test_the_three_largest_costs_by_name():
    cs = fi.cost_structure(_total(paid_fen=10000, cogs_fen=100, logistics_fen=300, ad_spend_fen=200,
                                  packaging_fen=50))
    assert "最大的 3 项是快递费（46.2%）、广告花费（30.8%）、商品成本（15.4%）" in str(rep.cost_sentence(cs, "zh"))
    assert "No costs" in str(rep.cost_sentence(cs.iloc[:0], "en"))


# -- targets ------------------------------------------------------------------------------------------
def _last(rates, final: bool) -> pd.DataFrame:
    return pd.DataFrame({"level": "shop", "entity": ["a", "b"], "month": T("2025-02-01"),
                         "attainment_rate": rates, "projected_rate": rates, "is_final": final})


def test_who_is_behind_target():
    s = str(rep.targets_sentence(_last([0.6, 1.2], False), "paid_fen", "2025-02-14", "zh"))
    assert "预计达成率低于 100% 的有 1 个，需要在月内追：a（60.0%）" in s
    s = str(rep.targets_sentence(_last([1.0, 1.2], False), "paid_fen", "2025-02-14", "en"))
    assert "Everyone is projected to meet the target." in s
    s = str(rep.targets_sentence(_last([0.9, 0.99], True), "paid_fen", "2025-02-28", "en"))
    assert "2 missed the target: a (90.0%), b (99.0%)" in s


# -- cash ---------------------------------------------------------------------------------------------
def _cash(closing) -> pd.DataFrame:
    return pd.DataFrame({"week": range(1, len(closing) + 1),
                         "week_from": pd.date_range("2025-01-01", periods=len(closing), freq="7D"),
                         "closing_cash_fen": closing})


def test_cash_goes_negative_or_stays_positive():
    settings = {"settlement_lag_days": {"tmall": 10, "default": 14}}
    low = rep.cash_sentence(_cash([500, -100, -300, 200]), 1000, "2024-12-31", settings, "zh")
    assert "现金最低的一周是第 3 周（2025-01-15 起），余额 -¥3" in str(low[0])
    assert "第 2 周（2025-01-08 起）转为负数" in str(low[1])
    ok = rep.cash_sentence(_cash([500, 400, 300]), 1000, "2024-12-31", settings, "en")
    assert "Cash is lowest in week 3" in str(ok[0]) and "stays positive" in str(ok[1])


# -- courier, stock, pricing ---------------------------------------------------------------------------
def _summary(claims: dict) -> pd.DataFrame:
    checks = ["bill_ok", "bill_duplicate", "bill_unmatched", "bill_overcharged"]
    df = pd.DataFrame({"check": checks, "count_waybills": 1, "fee_fen": 100,
                       "claim_fen": [claims.get(c, 0) for c in checks]})
    return pd.concat([df, pd.DataFrame([{"check": "total", "count_waybills": 4, "fee_fen": 400,
                                         "claim_fen": sum(claims.values())}])], ignore_index=True)


def test_courier_claims_name_the_costliest_problem():
    s = str(rep.courier_sentence(_summary({"bill_overcharged": 900, "bill_duplicate": 100}), 4, 3, "r.yaml", "zh"))
    assert "可向快递公司追回 **¥10**，其中最多的是超合同价（¥9）" in s
    s = str(rep.courier_sentence(_summary({}), 4, 3, "r.yaml", "en"))
    assert "every line is in order" in s


def _stock(diffs) -> pd.DataFrame:
    return pd.DataFrame({"warehouse_id": "W", "sku": [f"s{i}" for i in range(len(diffs))],
                         "difference_units": diffs})


def test_stock_differences_explain_only_their_direction():
    more = str(rep.stock_sentence(_stock([3, 0, 2]), "2024-12-31", "2025-12-31", "zh"))
    assert "2 个实际多于应有（共 5 件）" in more and "少于应有" not in more
    fewer = str(rep.stock_sentence(_stock([-4, 0]), "2024-12-31", "2025-12-31", "en"))
    assert "1 hold fewer (4 units)" in fewer and "more than expected" not in fewer
    tie = str(rep.stock_sentence(_stock([0, 0]), "2024-12-31", "2025-12-31", "zh"))
    assert "2 个仓库×SKU 全部对得上" in tie and "对不上" not in tie


def test_pricing_counts_skus_below_break_even():
    pr = pd.DataFrame({"price_headroom_rate": [-0.1, 0.2, 0.3]})
    assert "**1 个现价低于保本价**" in str(rep.pricing_sentence(pr, 20, "zh"))
    assert "No SKU sold 20 units or more" in str(rep.pricing_sentence(pr.iloc[:0], 20, "en"))


# -- data health ----------------------------------------------------------------------------------------
def _checks(failing) -> pd.DataFrame:
    return pd.DataFrame({"rule_id": ["order_lines.orphan", "refunds.orphan"],
                         "count_failing": pd.array(failing, dtype="Int64")})


def test_the_health_badge_passes_or_counts_what_fails():
    ok = rep.health_text(_checks([0, 0]), 0, "zh")
    assert ok == "数据质量：与财务数字有关的 2 条规则全部通过 · 查看质量报告"
    bad = rep.health_text(_checks([0, 3]), 12, "en")
    assert "1 of the 2 rules that concern these figures fail (3 rows)" in bad
    assert "12 units sold have no cost" in bad and bad.endswith("see the quality report")
    zh = rep.health_text(_checks([0, 3]), 12, "zh")
    assert "2 条规则中 1 条未通过（3 行）" in zh and "12 件已售商品没有成本" in zh
    assert "refunds.orphan" not in zh      # rule ids are the quality report's, not the seller's
    unknown = rep.health_text(_checks([None, 0]), 0, "en")
    assert "1 of the 2 rules" in unknown


def test_estimates_are_said_only_when_there_are_any():
    none = pd.DataFrame(columns=["platform", "shop_id", "kind", "rate"])
    assert rep.estimated_sentence(0, none, "s.yaml") is None
    todo = pd.DataFrame({"platform": ["jd"], "shop_id": ["j1"], "kind": ["logistics"], "rate": [2.0]})
    assert "j1 快递费" in str(rep.estimated_sentence(1000, todo, "s.yaml", "zh"))


# -- labels ---------------------------------------------------------------------------------------------
def test_finance_labels_are_in_the_one_table_and_read_as_the_catalogue():
    src = Path(i18n.__file__).read_text(encoding="utf-8")
    table = next(n.value for n in ast.parse(src).body if isinstance(n, ast.AnnAssign)
                 and getattr(n.target, "id", "") == "LABELS")
    keys = [k.value for k in table.keys]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []
    start = src[:src.index("# -- finance (finance report")].count("\n")
    mine = [k for k, node in zip(keys, table.keys) if node.lineno > start]
    assert {"contribution_fen", "week_from", "bill_duplicate", "difference_units",
            "estimated_costs_fen"} <= set(mine)
    for k in set(keys) & set(catalogue.METRICS):
        assert i18n.LABELS[k] == (catalogue.METRICS[k].zh, catalogue.METRICS[k].en), k
    # the cash forecast's weeks start the day after the period: not the calendar's Monday week
    assert i18n.label("week_from") != i18n.label("week_start")
    root = Path(fi.__file__).parent
    for mod in root.glob("finance*.py"):
        assert "add_labels" not in mod.read_text(encoding="utf-8"), mod.name
    for name in ("contribution_fen", "contribution_rate", "platform_fee_fen", "fee_rate"):
        assert catalogue.metric(name).source == "mart_sku_day_pnl"
    assert catalogue.good_when_up("ad_spend_fen") is False and catalogue.good_when_up("contribution_fen")


def test_contribution_is_a_ratio_of_sums():
    rows = _rows(sales_date=[T("2025-01-01")] * 2, paid_fen=[1000, 3000], refund_fen=[0, 1000],
                 cogs_fen=[500, 500], ad_spend_fen=[100, 100])
    t = fi.pnl(rows).iloc[0]
    assert t.contribution_fen == catalogue.value("contribution_fen", rows) == 1800
    assert t.contribution_rate == pytest.approx(1800 / 3000)   # not the mean of 0.4 and 0.7
    assert t.contribution_rate == pytest.approx(catalogue.value("contribution_rate", rows))


# -- the 经营摘要: cards, changes, actions (each with the opposite data) -------------------------------
def _days(shops=("a", "b"), **cols) -> pd.DataFrame:
    n = len(shops)
    return _rows(sales_date=[T("2025-12-01")] * n, platform=["tmall"] * n, shop_id=list(shops),
                 **{k: list(v) for k, v in cols.items()})


def test_cards_carry_target_margins_and_the_lowest_cash():
    cur = _days(paid_fen=[60000, 40000], refund_fen=[5000, 0], cogs_fen=[20000, 10000],
                ad_spend_fen=[5000, 3000])
    prev = _days(paid_fen=[50000, 30000], refund_fen=[0, 0], cogs_fen=[20000, 10000],
                 ad_spend_fen=[1000, 1000])
    cash = _cash([500, -100, -300, 200])
    cs = rep.cards(cur, prev, None, cash, 1000, target=80000, target_metric="paid_fen", lang="zh")
    by = {c.metric: c for c in cs}
    assert [c.metric for c in cs] == ["paid_fen", "net_sales_fen", "gross_profit_fen",
                                      "contribution_fen", "refund_rate", "ad_spend_fen", "lowest_cash_fen"]
    assert by["paid_fen"].attainment == pytest.approx(100000 / 80000) and by["net_sales_fen"].target is None
    assert by["gross_profit_fen"].sub.metric == "gross_margin_rate"
    assert by["gross_profit_fen"].sub.value == pytest.approx(65000 / 95000)
    assert by["contribution_fen"].value == 95000 - 30000 - 8000 and by["contribution_fen"].sub.previous == pytest.approx(48000 / 80000)
    assert by["refund_rate"].year_ago is None and by["lowest_cash_fen"].value == -300
    assert "最低在第 3 周" in by["lowest_cash_fen"].note and "占净销售额 8.4%" in by["ad_spend_fen"].note
    # net sales as the target's metric: the target goes on that card, no 实付金额 card
    cs = rep.cards(cur, prev, None, None, 0, target=90000, target_metric="net_sales_fen")
    assert cs[0].metric == "net_sales_fen" and cs[0].target == 90000 and "lowest_cash_fen" not in [c.metric for c in cs]
    # refunds still coming in: not compared, and it says so
    rr = {c.metric: c for c in rep.cards(cur, prev, prev, None, refunds_settled=False)}["refund_rate"]
    assert rr.previous is None and rr.year_ago is None and "暂不比较" in rr.note
    html = S.card_html(by["gross_profit_fen"], "zh")
    assert 'class="ecom-sub" data-metric="gross_margin_rate"' in html and "个百分点" in html


def test_largest_changes_name_the_shop_category_and_cost():
    prev = _days(paid_fen=[50000, 50000], ad_spend_fen=[1000, 1000], cogs_fen=[10000, 10000])
    cur = _days(paid_fen=[80000, 50000], ad_spend_fen=[1000, 6000], cogs_fen=[16000, 10000])
    ch = rep.largest_changes(cur, prev, None, None, {"a": "甲店", "b": "乙店"})
    by = {c.metric: c for c in ch}
    assert by["net_sales_fen"].driver == "甲店" and by["ad_spend_fen"].driver == "乙店"
    assert ch[0].metric == "net_sales_fen"     # +30000 of 100000 net sales before ad's +5000
    sku = lambda cats, contrib: _rows(sales_date=[T("2025-12-01")] * len(cats), sku=list("xyz")[:len(cats)],  # noqa: E731
                                      category=list(cats), paid_fen=[10000] * len(cats),
                                      ad_spend_fen=[10000 - c for c in contrib])
    ch = rep.largest_changes(cur, prev, sku(["护肤", "零食"], [2000, 9000]),
                             sku(["护肤", "零食"], [8000, 9000]), {})
    c = {c.metric: c for c in ch}["contribution_fen"]
    assert c.driver == "护肤" and c.delta == -6000
    # small moves are not listed; nothing without a previous period
    assert rep.largest_changes(prev.assign(paid_fen=[50100, 50000]), prev, None, None, {}) == []
    assert rep.largest_changes(cur, None, None, None, {}) == []


def _r(**kw) -> dict:
    base = {"names": {"a": "甲店", "b": "乙店"}, "products": {"x": "燕麦"}, "cash": _cash([500, 400]),
            "cash_floor_fen": 0, "shop_targets": pd.DataFrame(), "sku_structure": pd.DataFrame(),
            "courier_summary": _summary({}), "commission": pd.DataFrame(), "start": T("2025-12-01"),
            "end": T("2025-12-31"), "incomplete": False, "target_metric": "paid_fen"}
    base.update(kw)
    return base


def test_actions_follow_the_numbers():
    assert rep.actions(_r()) == []          # cash fine, no target, no loss, nothing to claim
    neg = rep.actions(_r(cash=_cash([500, -100, -300, 200])))
    assert neg[0].link == "#cash" and neg[0].severity == "high"
    assert "第 2 周（2025-01-08 起）转为负数" in neg[0].text and "最低 -¥3" in neg[0].text
    low = rep.actions(_r(cash=_cash([500, 100, 300]), cash_floor_fen=200))
    assert low[0].severity == "medium" and "低于安全线" in low[0].text
    st = pd.DataFrame({"shop_id": ["a", "b"], "target_fen": [1000.0, 1000.0], "actual_fen": [900.0, 1200.0]})
    st["attainment_rate"] = st.actual_fen / st.target_fen
    st["shortfall_fen"] = (st.target_fen - st.actual_fen).clip(lower=0)
    t = rep.actions(_r(shop_targets=st))
    assert len(t) == 1 and t[0].link == "#targets" and t[0].text.startswith("复盘目标：1 个店铺实付金额未达成本期目标：甲店 达成 90.0%")
    assert rep.actions(_r(shop_targets=st.assign(attainment_rate=[1.0, 1.2]))) == []
    ss = fi.profit_structure(pd.DataFrame({"sku": ["x", "y", fi.UNALLOCATED], "contribution_fen": [-500, 800, -50]}), "sku")
    loss = rep.actions(_r(sku_structure=ss))
    assert loss[0].link == "#loss-skus" and "1 个 SKU 扣除全部费用后亏损" in loss[0].text and "燕麦（x） -¥5" in loss[0].text
    assert rep.actions(_r(sku_structure=ss[ss.sku != "x"])) == []   # the unallocated row is no SKU
    claim = rep.actions(_r(courier_summary=_summary({"bill_duplicate": 500}), bill_is_demo=True))
    assert claim[0].text.startswith("向快递公司追回 ¥5（演示账单）：重复计费 1 单 ¥5")
    com = pd.DataFrame({"operator": ["张伟", "李娜"], "month": [T("2025-12-01")] * 2,
                        "commission_fen": [30000, 0], "is_final": [True, True]})
    pay = rep.actions(_r(commission=com))
    assert pay[0].link == "#commission" and "发放运营提成 ¥300（2025-12，已结束月份）：张伟 ¥300" in pay[0].text
    assert rep.actions(_r(commission=com.assign(is_final=False))) == []   # an open month is not due


def test_period_targets_pro_rata_and_complete():
    t = pd.DataFrame({"level": ["shop", "shop", "shop", "team"], "entity": ["a", "a", "b", "x"],
                      "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01", "2025-01-01"]),
                      "target_fen": [3100, 2800, 3100, 1], "metric": "paid_fen"})
    got = fi.period_targets(t, "2025-01-17", "2025-02-14").set_index("entity")
    assert got.loc["a", "target_fen"] == 1500 + 1400 and got.loc["a", "is_complete"]
    assert got.loc["b", "count_days"] == 15 and not got.loc["b", "is_complete"]   # no February target
    assert "x" not in got.index


def test_the_trend_does_not_compare_a_cut_month():
    months = pd.to_datetime(["2025-10-01", "2025-11-01", "2025-12-01"])
    m = fi.pnl(_rows(sales_date=list(months), paid_fen=[100, 200, 50]), period="month",
               calendar=pd.DataFrame({"day": months, "month_start": months}))
    ch = fi.changes(m, "net_sales_fen")
    ch = ch.merge(fi.changes(m, "contribution_fen")[["month", "mom_rate", "yoy_rate"]], on="month",
                  suffixes=("", "_contribution"))
    tr = rep.trend_table(m, ch, T("2025-10-01"), T("2025-12-10"))
    assert tr["count_days"].tolist() == [31, 30, 10] and tr["is_whole_month"].tolist() == [True, True, False]
    assert tr["net_sales_mom_rate"].iloc[1] == pytest.approx(1.0) and np.isnan(tr["net_sales_mom_rate"].iloc[2])


def test_views_and_sheets_are_in_the_sellers_words():
    r = {"names": {"t1": "测试天猫店"}, "products": {"A": "燕麦"}}
    d = pd.DataFrame({"platform": ["tmall"], "shop_id": ["t1"], "sku": ["A"], "category": ["unknown"],
                      "kind": ["rent"], "check": ["bill_duplicate"], "level": ["shop"], "entity": ["t1"],
                      "line": ["gmv_fen"]})
    v = rep.view(d, None, r, "zh").iloc[0].to_dict()
    assert v == {"platform": "天猫", "shop_id": "测试天猫店", "sku": "A", "product_name": "燕麦",
                 "category": "未知", "kind": "租金", "check": "重复计费", "level": "店铺",
                 "entity": "测试天猫店", "line": "GMV(拍下金额)"}
    assert rep.sku_label("A", r["products"]) == "燕麦（A）" and rep.sku_label("B", r["products"]) == "B"
    sheets = rep.excel_tables({**r, "actions": [S.Action("补货", "#loss-skus", "high")],
                               "statement": fi.income_statement(_total(paid_fen=100))}, "zh")
    assert list(sheets) == ["今天要做", "利润表"]
    assert sheets["今天要做"].iloc[0].tolist() == ["高", "补货", "亏损 SKU"]
    assert sheets["利润表"]["line"].iloc[-1] == "经营利润"
