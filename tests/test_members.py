"""Member metrics against numbers worked out by hand on tests/data/members (see its README),
read through the model layer (ingest, then build: mart_member_orders, mart_basket_items), the
queries' figures against sums taken here straight from int_order_lines, and the pure
functions on inline frames.

Period everywhere: 2025-01-01 .. 2025-03-31 unless a test says otherwise.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import members as mm
from ecomlib.metrics import members_queries as mq
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data" / "members"
S, E = "2025-01-01", "2025-03-31"


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = Warehouse(tmp_path_factory.mktemp("members") / "wh.duckdb")
    w.ingest([DATA], progress=False)
    w.build()
    yield w
    w.close()


# -- new vs returning ------------------------------------------------------------------------------
def test_new_vs_returning_by_month(wh):
    # Jan: m1 (first 2024-12-10: returning, paid 1500), m2 (new: o4 2800 + o5 300 = 3100),
    #      m6 (new, 500) -> 3 members, 2 new, new paid 3600, returning paid 1500
    # Feb: m1 (returning, o3 500), m3 (new, o7 300; o8 unpaid) -> 2 members, 1 new
    # Mar: m2 (returning, o6 1300), m4 (new, o9 800)
    t = mq.new_vs_returning(wh, S, E)
    assert t["period_start"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert t["count_members"].tolist() == [3, 2, 2]
    assert t["count_new"].tolist() == [2, 1, 1]
    assert t["count_returning"].tolist() == [1, 1, 1]
    assert t["new_paid_fen"].tolist() == [3600, 300, 800]
    assert t["returning_paid_fen"].tolist() == [1500, 500, 1300]
    assert t["new_rate"].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 2])
    assert t["returning_paid_share_rate"].tolist() == pytest.approx([1500 / 5100, 500 / 800, 1300 / 2100])


def test_new_vs_returning_empty_month_is_present_with_zero_and_nan(wh):
    # jd only: Jan m2 (3100) + m6 (500), both new; Feb nobody; Mar m4 (800, new): the months
    # come from dim_calendar, so February is there with 0
    t = mq.new_vs_returning(wh, S, E, platforms=["jd"])
    assert t["count_members"].tolist() == [2, 0, 1]
    assert t["new_paid_fen"].tolist() == [3600, 0, 800]
    assert np.isnan(t["new_rate"].iloc[1])
    # a week grain starts on the Monday on or before the first day (2024-12-30)
    w = mq.new_vs_returning(wh, "2025-01-01", "2025-01-12", "week")
    assert w["period_start"].dt.strftime("%m-%d").tolist() == ["12-30", "01-06"]
    assert w["count_members"].tolist() == [2, 0]  # m1 and m2 on 01-05


def test_new_vs_returning_rejects_bad_period(wh):
    with pytest.raises(ValueError, match="period must be one of"):
        mq.new_vs_returning(wh, S, E, period="day")
    with pytest.raises(ValueError, match="start 2025-03-31 is after end"):
        mq.new_vs_returning(wh, E, S)


# -- repurchase --------------------------------------------------------------------------------------
def test_repurchase_rate_counts_paid_orders(wh):
    # paid orders in Q1: m1 2 (o2, o3), m2 3 (o4, o5, o6), m3 1 (o8 unpaid), m4 1, m6 1
    # -> 5 members, 2 with 2+ orders: 2 / 5
    r = mq.repurchase_rate(wh, S, E).iloc[0]
    assert (r.count_members, r.count_repeat_members) == (5, 2)
    assert r.repurchase_rate == pytest.approx(0.4)
    # both ends inclusive: Jan 5 alone holds m1 (o2) and m2 (o4, o5)
    one = mq.repurchase_rate(wh, "2025-01-05", "2025-01-05").iloc[0]
    assert (one.count_members, one.count_repeat_members) == (2, 1)


def test_rolling_repurchase_window(wh):
    # 31-day windows ending Jan 31 (Jan 1..31): m1 1, m2 2 (two orders on one day), m6 1 -> 1/3
    # ending Feb 28 (Jan 29..Feb 28): m1 (o3), m3 (o7) -> 0/2; ending Mar 31 (Mar 1..31):
    # m2 (o6), m4 (o9) -> 0/2
    t = mq.rolling_repurchase(wh, S, E, window_days=31)
    assert t["window_start"].dt.strftime("%m-%d").tolist() == ["01-01", "01-29", "03-01"]
    assert t["count_members"].tolist() == [3, 2, 2]
    assert t["repurchase_rate"].tolist() == pytest.approx([1 / 3, 0.0, 0.0])
    # the last window ends on the end day; an empty window is there with 0 and NaN
    mid = mq.rolling_repurchase(wh, "2025-04-01", "2025-04-15", window_days=10)
    assert mid["window_end"].dt.strftime("%m-%d").tolist() == ["04-15"]
    assert mid["count_members"].tolist() == [0] and np.isnan(mid["repurchase_rate"].iloc[0])
    empty = mq.repurchase_rate(wh, "2023-01-01", "2023-12-31").iloc[0]
    assert empty.count_members == 0 and np.isnan(empty.repurchase_rate)


# -- intervals and frequency --------------------------------------------------------------------------
def test_purchase_intervals_hand_worked(wh):
    # m1: 2024-12-10 -> 2025-01-05 = 26 days (2nd purchase), -> 2025-02-20 = 46 days (3rd)
    # m2: 2025-01-05 -> 2025-03-01 = 55 days (2nd); the others bought on one day only
    h = mq.purchase_intervals(wh, S, E)
    assert h.values.tolist() == [[26, 2, 1], [46, 3, 1], [55, 2, 1]]
    # from Feb 1: m1's Feb 20 follows Jan 5, its second day (so a later gap, 46 days); m2's
    # Mar 1 follows Jan 5, its first day (the 2nd purchase, 55 days): days before the period
    # count for the gap and the purchase number
    assert mq.purchase_intervals(wh, "2025-02-01", E).values.tolist() == [[46, 3, 1], [55, 2, 1]]
    d = mm.interval_distribution(h).set_index("interval_bucket")
    assert d.loc["15-30", "count_intervals"] == 1 and d.loc["31-60", "count_intervals"] == 2
    assert d.loc["15-30", "to_second_rate"] == pytest.approx(0.5)
    assert d.loc["31-60", "to_second_rate"] == pytest.approx(0.5)
    assert d.loc["31-60", "later_rate"] == pytest.approx(1.0)
    assert d["count_intervals"].sum() == 3
    assert list(d.index) == ["1-7", "8-14", "15-30", "31-60", "61-90", "91-180", "181-365", "366+"]


SUMMARY = pd.DataFrame({
    "member_key": [c * 16 for c in "abcdefgh"],
    "days_since_last": [10, 200, 20, 300, 15, 400, 5, 365],
    "count_orders": [5, 4, 1, 1, 6, 3, 1, 1],
    "paid_fen": [10000, 8000, 9000, 6000, 2000, 1000, 500, 300],
    "refund_fen": [0, 1000, 0, 0, 0, 0, 0, 200],
})


def test_frequency_distribution():
    # 1 order: c d g h (paid 9000+6000+500+300 = 15800); 3: f (1000); 4+: a b e (20000)
    d = mm.frequency_distribution(SUMMARY, max_orders=4)
    assert d["orders_bucket"].tolist() == ["1", "2", "3", "4+"]
    assert d["count_members"].tolist() == [4, 0, 1, 3]
    assert d["paid_fen"].tolist() == [15800, 0, 1000, 20000]
    assert d["members_share_rate"].tolist() == pytest.approx([0.5, 0, 0.125, 0.375])
    assert d["paid_share_rate"].tolist() == pytest.approx([15800 / 36800, 0, 1000 / 36800, 20000 / 36800])


# -- cohorts -----------------------------------------------------------------------------------------------
def test_cohort_table_hand_worked(wh):
    # cohorts from 2025-01 (m1 and m5 first bought in 2024, so they are no cohort here):
    # Jan: m2 + m6 (size 2): month 0 both (3100 + 500), month 1 nobody, month 2 m2 (1300)
    # Feb: m3 (size 1): 300, then nothing;  Mar: m4 (size 1): 800
    t = mq.cohorts(wh, S, E)
    jan = t[t.cohort_month == "2025-01-01"]
    assert jan["months_since"].tolist() == [0, 1, 2]
    assert jan["cohort_size"].tolist() == [2, 2, 2]
    assert jan["count_members"].tolist() == [2, 0, 1]
    assert jan["retention_rate"].tolist() == pytest.approx([1.0, 0.0, 0.5])
    assert jan["paid_fen"].tolist() == [3600, 0, 1300]
    assert jan["cum_paid_fen"].tolist() == [3600, 3600, 4900]
    assert jan["cum_paid_per_member_fen"].tolist() == pytest.approx([1800, 1800, 2450])
    feb = t[t.cohort_month == "2025-02-01"]
    assert feb["retention_rate"].tolist() == pytest.approx([1.0, 0.0])
    assert feb["cum_paid_per_member_fen"].tolist() == pytest.approx([300, 300])
    mar = t[t.cohort_month == "2025-03-01"]
    assert mar["cum_paid_per_member_fen"].tolist() == pytest.approx([800])
    m = mm.cohort_matrix(t)
    assert list(m.index) == ["2025-01", "2025-02", "2025-03"]
    assert np.isnan(m.loc["2025-03", 1])  # not observable yet
    assert mq.cohorts(wh, "2023-01-01", "2023-06-30").empty


# -- platforms and regions -------------------------------------------------------------------------------------
def test_platform_overlap(wh):
    # tmall only: m1 (o2 o3: 2000), m3 (o7: 300); jd only: m4 (800), m6 (500);
    # jd+tmall: m2 (o4 o5 on jd, o6 on tmall: 3 orders, 4400)
    c = mq.platform_overlap(wh, S, E).set_index("platforms")
    assert list(c.index) == ["jd", "tmall", "jd+tmall"]
    assert c.loc["jd+tmall"].tolist()[:4] == [2, 1, 3, 4400]
    assert c.loc["tmall", "count_orders"] == 3 and c.loc["tmall", "paid_fen"] == 2300
    assert c.loc["jd", "paid_per_member_fen"] == pytest.approx(650)
    p = mm.members_per_platform(c.reset_index())
    assert p.values.tolist() == [["jd", 3, 1, pytest.approx(1 / 3)], ["tmall", 3, 1, pytest.approx(1 / 3)]]
    split = mm.cross_platform_split(c.reset_index()).set_index("kind")
    # single: m1 m3 m4 m6 (2300 + 1300 = 3600 over 4); cross: m2 (4400)
    assert split.loc["single"].tolist()[:3] == [4, 5, 3600]
    assert split.loc["cross", "paid_per_member_fen"] == pytest.approx(4400)
    assert split.loc["single", "paid_per_member_fen"] == pytest.approx(900)
    assert split["members_share_rate"].tolist() == pytest.approx([0.8, 0.2])


def test_regional_portrait_uses_latest_order_region(wh):
    # m2 ordered from 北京 (o4 o5) and then 上海 (o6): home 上海, all 3 orders and 4400 there
    rows = mq.region_rows(wh, S, E)
    p = mm.region_table(rows, "province")
    assert p["province"].tolist() == ["上海", "浙江", "江苏", "广东"]
    z = p.set_index("province").loc["浙江"]  # m1 (2 orders, 2000) and m4 (1 order, 800)
    assert (z.count_members, z.count_repeat_members, z.count_orders, z.paid_fen) == (2, 1, 3, 2800)
    assert z.repurchase_rate == pytest.approx(0.5) and z.paid_per_member_fen == pytest.approx(1400)
    assert z.members_share_rate == pytest.approx(0.4)
    c = mm.region_table(rows, "city", top=3)
    assert c[["province", "city"]].values.tolist() == [["上海", "上海"], ["浙江", "杭州"], ["浙江", "宁波"]]
    assert sorted(rows.loc[rows["province"] == "浙江", "city"]) == ["宁波", "杭州"]
    with pytest.raises(ValueError, match="members.region_table: level"):
        mm.region_table(rows, level="district")


# -- baskets ----------------------------------------------------------------------------------------------------
def test_basket_pairs_support_confidence_lift(wh):
    # paid Q1 orders: o2 {A,B} o3 {B} o4 {A,B,C} o5 {C} o6 {A,D} o7 {C} o9 {B,C} o11 {B}
    # baskets (2+ lines): o2 o4 o6 o9 -> N = 4; A in 3, B in 3, C in 2, D in 1
    # B-C: 2 orders (o4 o9): support 2/4, conf B->C 2/3, C->B 2/2, lift 2*4/(3*2) = 4/3
    # A-D: 1 (o6): lift 1*4/(3*1) = 4/3; A-B: 2 (o2 o4): 8/9; A-C: 1 (o4): 4/6
    assert mq.basket_counts(wh, S, E) == {"count_paid_orders": 8, "count_baskets": 4}
    pairs = mq.basket_pairs(wh, S, E, min_orders=1)
    assert pairs[["item_a", "item_b"]].values.tolist() == [["B", "C"], ["A", "D"], ["A", "B"], ["A", "C"]]
    bc = pairs.iloc[0]
    assert (bc.count_pair_orders, bc.count_orders_a, bc.count_orders_b) == (2, 3, 2)
    assert bc.support_rate == pytest.approx(0.5)
    assert bc.confidence_a_to_b_rate == pytest.approx(2 / 3)
    assert bc.confidence_b_to_a_rate == pytest.approx(1.0)
    assert pairs["lift"].tolist() == pytest.approx([4 / 3, 4 / 3, 8 / 9, 2 / 3])
    assert pairs["name_b"].iloc[0] == "海苔脆"
    two = mq.basket_pairs(wh, S, E, min_orders=2)
    assert two[["item_a", "item_b"]].values.tolist() == [["B", "C"], ["A", "B"]]
    # categories: o2 {护肤, 零食} o4 {护肤, 零食} o6 {护肤, 茶饮} o9 {零食}
    cat = mq.basket_pairs(wh, S, E, item="category", min_orders=1)
    assert cat[["item_a", "item_b", "count_pair_orders"]].values.tolist() == [
        ["护肤", "茶饮", 1], ["护肤", "零食", 2]]
    assert cat["lift"].tolist() == pytest.approx([4 / 3, 8 / 9])
    assert "name_a" not in cat.columns
    none = mq.basket_pairs(wh, "2023-01-01", "2023-12-31")
    assert none.empty
    assert mq.basket_counts(wh, "2023-01-01", "2023-12-31") == {"count_paid_orders": 0,
                                                                  "count_baskets": 0}
    with pytest.raises(ValueError, match="item must be"):
        mq.basket_pairs(wh, S, E, item="brand")


def test_basket_pairs_pure_orders_and_keeps_top():
    rows = pd.DataFrame({"item_a": ["x", "x", "y"], "name_a": [None] * 3, "item_b": ["y", "z", "z"],
                         "name_b": [None] * 3, "count_pair_orders": [4, 2, 2],
                         "count_orders_a": [8, 8, 4], "count_orders_b": [4, 2, 2],
                         "count_baskets": [10, 10, 10]})
    # lifts: x-y 4*10/32 = 1.25, x-z 2*10/16 = 1.25 (fewer pair orders: after), y-z 2*10/8 = 2.5
    got = mm.basket_pairs(rows, top=2)
    assert got[["item_a", "item_b"]].values.tolist() == [["y", "z"], ["x", "y"]]
    assert got["lift"].tolist() == [2.5, 1.25]
    assert got["support_rate"].tolist() == [0.2, 0.4]
    assert "name_a" not in got.columns  # every name empty: category pairs


# -- the figures against the intermediate lines ----------------------------------------------------------
def test_member_figures_equal_sums_over_int_order_lines(wh):
    """Member summary, repurchase and basket counts against sums taken here from
    int_order_lines (paid lines of known members), not from the marts."""
    lines = wh.sql("""
        SELECT member_key, COUNT(DISTINCT order_id) AS orders,
               COUNT(DISTINCT sales_date) AS days, SUM(paid_fen) AS paid, SUM(refund_fen) AS refund
        FROM int_order_lines
        WHERE is_paid AND member_key IS NOT NULL AND sales_date <= DATE '2025-03-31'
        GROUP BY member_key ORDER BY member_key""").set_index("member_key")
    s = mq.member_summary(wh, E).set_index("member_key")
    assert s["count_orders"].tolist() == lines["orders"].tolist()
    assert s["count_purchase_days"].tolist() == lines["days"].tolist()
    assert s["paid_fen"].tolist() == lines["paid"].tolist()
    assert s["refund_fen"].tolist() == lines["refund"].tolist()
    in_q1 = wh.sql("""
        SELECT member_key, COUNT(DISTINCT order_id) AS n FROM int_order_lines
        WHERE is_paid AND member_key IS NOT NULL AND sales_date BETWEEN DATE '2025-01-01'
              AND DATE '2025-03-31' GROUP BY member_key""")
    r = mq.repurchase_rate(wh, S, E).iloc[0]
    assert (r.count_members, r.count_repeat_members) == (len(in_q1), int((in_q1.n >= 2).sum()))
    baskets = wh.sql("""
        SELECT COUNT(*) AS n FROM (SELECT order_id FROM int_order_lines
        WHERE is_paid AND sales_date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31'
        GROUP BY platform, shop_id, order_id HAVING COUNT(*) >= 2) b""").n[0]
    assert mq.basket_counts(wh, S, E)["count_baskets"] == baskets


def test_refunds_come_from_the_model_layer(tmp_path):
    """A completed refund on o2 (line 1, 400 fen) reaches the summary's refund_fen and the
    RFM's net sales (catalogue net_sales_fen = paid - refunds) through int_order_lines."""
    import shutil
    d = tmp_path / "members"
    shutil.copytree(DATA, d)
    (d / "refunds.csv").write_text(
        "platform,shop_id,refund_id,order_id,line_id,sku,refund_fen,units_returned,status,"
        "requested_at,refunded_at\n"
        "tmall,s1,R1,o2,1,A,400,1,refunded,2025-01-08 10:00:00,2025-01-09 10:00:00\n"
        "tmall,s1,R2,o3,1,B,500,1,requested,2025-02-21 10:00:00,\n", encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as w:
        w.ingest([d], progress=False)
        w.build()
        s = w.member_summary(E).set_index("member_key")
        line = w.sql("SELECT SUM(refund_fen) AS r FROM int_order_lines WHERE member_key = 'm1'").r[0]
    assert s.loc["m1", "refund_fen"] == 400 == line  # the requested case counts nowhere
    r = mm.rfm(s.reset_index()).set_index("member_key")
    assert r.loc["m1", "net_sales_fen"] == 3000 - 400


def test_mart_basket_items_rows(wh):
    b = wh.sql("SELECT order_id, sku, product_name, category FROM mart_basket_items "
               "ORDER BY order_id, sku")
    # baskets o2 {A,B} o4 {A,B,C} o6 {A,D} o9 {B,C}: 9 (order, sku) rows; o10 (one line of 5
    # units) and o8 (unpaid) are not baskets
    assert b["order_id"].tolist() == ["o2", "o2", "o4", "o4", "o4", "o6", "o6", "o9", "o9"]
    assert b.loc[b.sku == "D", "category"].tolist() == ["茶饮"]


def test_mart_basket_pairs_rows(wh):
    p = wh.sql("SELECT item_kind, order_id, item_a, item_b FROM mart_basket_pairs "
               "ORDER BY item_kind, order_id, item_a, item_b")
    # SKU pairs of o2 {A,B} o4 {A,B,C} o6 {A,D} o9 {B,C}: 1 + 3 + 1 + 1, each once (a < b)
    sku = p[p.item_kind == "sku"]
    assert sku[["order_id", "item_a", "item_b"]].values.tolist() == [
        ["o2", "A", "B"], ["o4", "A", "B"], ["o4", "A", "C"], ["o4", "B", "C"],
        ["o6", "A", "D"], ["o9", "B", "C"]]
    # categories o2 {护肤, 零食} o4 {护肤, 零食} o6 {护肤, 茶饮} o9 {零食}: o4's B and C share
    # 零食 (one pair, not two); o9 has one category, so no pair
    cat = p[p.item_kind == "category"]
    assert cat[["order_id", "item_a", "item_b"]].values.tolist() == [
        ["o2", "护肤", "零食"], ["o4", "护肤", "零食"], ["o6", "护肤", "茶饮"]]
    # the same pairs as every basket's items joined with themselves
    joined = wh.sql("SELECT COUNT(*) AS n FROM mart_basket_items a JOIN mart_basket_items b "
                    "ON a.platform = b.platform AND a.shop_id = b.shop_id "
                    "AND a.order_id = b.order_id AND a.sku < b.sku")
    assert int(joined["n"].iloc[0]) == len(sku)


# -- RFM -----------------------------------------------------------------------------------------------------------
def test_rfm_tiers_with_explicit_thresholds():
    # R high: days <= 90; F high: orders >= 3; M high: net sales (paid - refund) >= 5000
    # a (10, 5, 10000) HHH, b (200, 4, 7000) LHH, c (20, 1, 9000) HLH, d (300, 1, 6000) LLH,
    # e (15, 6, 2000) HHL, f (400, 3, 1000) LHL, g (5, 1, 500) HLL, h (365, 1, 100) LLL
    r = mm.rfm(SUMMARY, recency_days=90, frequency_orders=3, monetary_fen=5000)
    assert r["tier"].tolist() == ["important_value", "important_keep", "important_develop",
                                  "important_retain", "general_value", "general_keep",
                                  "general_develop", "general_retain"]
    assert r["net_sales_fen"].tolist() == [10000, 7000, 9000, 6000, 2000, 1000, 500, 100]
    # quintile scores, ceil(5 * rank / 8), ties on the average rank (four members with 1 order
    # share rank 2.5 -> ceil(1.5625) = 2)
    assert r["r_score"].tolist() == [5, 3, 4, 2, 4, 1, 5, 2]
    assert r["f_score"].tolist() == [5, 4, 2, 2, 5, 4, 2, 2]
    assert r["m_score"].tolist() == [5, 4, 5, 4, 3, 2, 2, 1]
    from ecomlib.i18n import label
    assert label("important_value") == "重要价值客户" and label("general_retain") == "一般挽留客户"


def test_rfm_default_thresholds_are_means_and_tier_table():
    # means: days 1315/8 = 164.375, orders 22/8 = 2.75, net 35600/8 = 4450 -> same tiers
    r = mm.rfm(SUMMARY)
    assert r.attrs["thresholds"] == {"recency_days": 164.375, "frequency_orders": 2.75,
                                     "monetary_fen": 4450.0}
    assert r["tier"].iloc[1] == "important_keep" and r["tier"].iloc[5] == "general_keep"
    t = mm.rfm_tiers(r)
    assert t["count_members"].tolist() == [1] * 8
    assert t["net_sales_share_rate"].tolist() == pytest.approx(
        [v / 35600 for v in [10000, 7000, 9000, 6000, 2000, 1000, 500, 100]])
    assert t["orders_per_member"].tolist() == [5, 4, 1, 1, 6, 3, 1, 1]
    empty = mm.rfm_tiers(mm.rfm(SUMMARY.iloc[:0]))
    assert empty["count_members"].tolist() == [0] * 8 and empty["members_share_rate"].isna().all()
    assert empty["orders_per_member"].isna().all()  # 0 / 0 members: unknown, not 0


def test_rfm_tiers_ratios_of_sums_over_two_members():
    # two members in one tier: 5 and 1 orders, 10 and 30 days -> 3 orders and 20 days per member
    two = pd.DataFrame({"tier": ["general_value"] * 2, "days_since_last": [10, 30],
                        "count_orders": [5, 1], "net_sales_fen": [700, 300]})
    t = mm.rfm_tiers(two).set_index("tier").loc["general_value"]
    assert (t.count_members, t.net_sales_fen) == (2, 1000)
    assert (t.orders_per_member, t.mean_days_since_last) == (3.0, 20.0)


def test_churn_watchlist_keeps_the_key_for_the_lookup_and_drops_the_long_gone():
    df = SUMMARY.assign(p_alive_rate=[0.9, 0.1, 0.8, 0.2, 0.5, 0.05, 0.9, 0.01])
    # default value bar: 80th percentile of net sales = 7000 + 0.6 * (9000 - 7000) = 8200;
    # a and c pass it but are alive -> empty
    assert mm.churn_watchlist(df).empty
    w = mm.churn_watchlist(df, min_net_sales_fen=5000, max_p_alive=0.3)
    assert w["member_key"].tolist() == ["b" * 16, "d" * 16]  # to find the last order; never shown
    assert w["net_sales_fen"].tolist() == [7000, 6000]
    assert w.attrs["min_net_sales_fen"] == 5000
    # silent for 300 days (d) is too long with a 250-day limit; b (200 days) stays
    w = mm.churn_watchlist(df, min_net_sales_fen=5000, max_p_alive=0.3, max_days_since_last=250)
    assert w["member_key"].tolist() == ["b" * 16]
    assert mm.churn_watchlist(df, 5000, 0.3, top=1)["member_key"].tolist() == ["b" * 16]


def test_coupon_is_sized_to_the_order_value():
    # 379 yuan per order -> 满370减35 (10 % of 370 = 37, to whole 5 yuan: 35)
    assert mm.coupon(37_900) == (37_000, 3_500)
    assert mm.coupon(37_900, rate=0.2) == (37_000, 7_500)  # 74 -> 75
    assert mm.coupon(4_500) == (4_000, 500)                # 满40减5 (4 -> at least 5)
    assert mm.coupon(300) == (1_000, 500)                  # at least 满10减5
    assert mm.coupon(float("nan")) == (1_000, 500)


def test_winback_list_suggests_an_action_per_member():
    watch = pd.DataFrame({
        "member_key": ["a", "b", "c"], "net_sales_fen": [90_000, 40_000, 30_000],
        "count_orders": [3, 2, 1], "paid_fen": [100_000, 40_000, 60_000],
        "refund_fen": [10_000, 0, 30_000]})
    watch.attrs["min_net_sales_fen"] = 30_000
    w = mm.winback_list(watch, vip_min_net_sales_fen=80_000)
    # c returned half of what it paid: after-sales first, even before value; a is the VIP
    assert w["winback_action"].tolist() == ["winback_vip", "winback_coupon", "winback_aftersales"]
    assert w["member_order_value_fen"].tolist() == [30_000, 20_000, 30_000]
    assert w["coupon_threshold_fen"].tolist() == [30_000, 20_000, 30_000]
    assert w["coupon_off_fen"].tolist() == [3_000, 2_000, 3_000]
    assert w["member_refund_rate"].tolist() == pytest.approx([0.1, 0.0, 0.5])
    assert w.attrs["min_net_sales_fen"] == 30_000 and w.attrs["vip_min_net_sales_fen"] == 80_000
    # the opposite: nobody at the VIP bar, no refunds -> coupons only
    w = mm.winback_list(watch.assign(refund_fen=0), vip_min_net_sales_fen=1e9)
    assert set(w["winback_action"]) == {"winback_coupon"}
    from ecomlib.i18n import label
    assert all(label(a) != a for a in mm.WINBACK_ACTIONS)


def test_last_orders_name_where_to_find_the_member(wh):
    keys = wh.sql("SELECT order_id, member_key FROM mart_member_orders")
    key = dict(zip(keys["order_id"], keys["member_key"]))
    lo = mq.last_orders(wh, E, [key["o6"], key["o10"], key["o9"]]).set_index("member_key")
    # m2: o4, o5 on jd (Jan 5), o6 on tmall (Mar 1) -> o6, two shops
    m2 = lo.loc[key["o6"]]
    assert (m2.last_platform, m2.last_shop_id, m2.last_order_id, m2.count_shops) == \
        ("tmall", "s1", "o6", 2)
    assert m2.last_order_date == pd.Timestamp("2025-03-01")
    # m5 bought once, 2024-11-01; m4 once, 2025-03-30
    assert lo.loc[key["o10"], "last_order_id"] == "o10" and lo.loc[key["o9"], "last_order_id"] == "o9"
    # as of Feb 28, m2's last order is o5 or o4 (same day, the later payment)
    early = mq.last_orders(wh, "2025-02-28", [key["o6"]]).iloc[0]
    assert early.last_order_id in ("o4", "o5") and early.last_platform == "jd"
    assert mq.last_orders(wh, E, []).empty
    assert "member_key" not in mm.with_last_orders(pd.DataFrame({"member_key": [key["o6"]]}), lo.reset_index()) \
        .columns.drop("member_key")


def test_window_kpis_hand_worked(wh):
    k = mq.window_kpis(wh, S, E)
    a = k[k.level == "all"].iloc[0]
    # members with a paid order in Q1: m1 (o2 o3), m2 (o4 o5 o6), m3 (o7), m4 (o9), m6 (o11);
    # repeat: m1, m2; new (first order in Q1): m2 m3 m4 m6 (m1 bought in December)
    assert (a.count_members, a.count_repeat_members, a.count_new, a.count_orders) == (5, 2, 4, 8)
    assert a.paid_fen == 1500 + 500 + 2800 + 300 + 1300 + 300 + 800 + 500
    assert a.shop_paid_fen == a.paid_fen and a.refund_fen == 0  # every buyer is a member here
    shop = k[k.level == "shop"].set_index("shop_id")
    # tmall s1: m1 (2 orders), m2 (o6), m3 -> 3 members, 1 repeat, new m2 m3;
    # jd j1: m2 (2 orders), m4, m6 -> 3 members, 1 repeat, all new
    assert shop.loc["s1", ["count_members", "count_repeat_members", "count_new"]].tolist() == [3, 1, 2]
    assert shop.loc["j1", ["count_members", "count_repeat_members", "count_new"]].tolist() == [3, 1, 3]
    plat = k[k.level == "platform"].set_index("platform")
    assert plat["count_members"].sum() == 6 > a.count_members  # m2 counts on both platforms
    from ecomlib.metrics import catalogue
    assert catalogue.value("repurchase_rate", k[k.level == "all"]) == pytest.approx(2 / 5)
    assert catalogue.value("net_sales_per_member_fen", k[k.level == "all"]) == pytest.approx(8000 / 5)
    assert catalogue.value("member_net_share_rate", k[k.level == "all"]) == 1.0
    # a window before any order: members 0, nothing sold
    none = mq.window_kpis(wh, "2023-01-01", "2023-01-31")
    assert none[none.level == "all"]["count_members"].sum() == 0
    assert mq.span(wh) == (pd.Timestamp("2024-11-01"), pd.Timestamp("2025-03-30"))


def test_windows_kpis_several_windows_in_one_query(wh):
    """members_queries.windows_kpis: each window's rows are window_kpis' for it alone.
    January by hand: m1 (o2), m2 (o4 o5), m6 (o11) -> 3 members, 1 repeat (m2), new m2 and
    m6 (m1 first bought in December), 4 orders, paid 1500 + 2800 + 300 + 500. A window given
    twice is read once; a window before any order has its zero 'all' row."""
    wins = [(S, E), ("2025-01-01", "2025-01-31"), (S, E), ("2023-01-01", "2023-01-31")]
    got = mq.windows_kpis(wh, wins)
    assert list(got) == [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in
                         (("2023-01-01", "2023-01-31"), ("2025-01-01", "2025-01-31"), (S, E))]
    jan = got[(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-31"))]
    a = jan[jan.level == "all"].iloc[0]
    assert (a.count_members, a.count_repeat_members, a.count_new, a.count_orders, a.paid_fen) == (
        3, 1, 2, 4, 5100)
    for (start, end), rows in got.items():
        alone = mq.window_kpis(wh, start, end)
        if start.year == 2023:  # alone its id columns hold only NULLs: object, not str
            ids = ["platform", "shop_id"]
            assert rows[ids].isna().all().all() and alone[ids].isna().all().all()
            rows, alone = rows.drop(columns=ids), alone.drop(columns=ids)
        pd.testing.assert_frame_equal(rows, alone)
    none = got[(pd.Timestamp("2023-01-01"), pd.Timestamp("2023-01-31"))]
    assert none.level.tolist() == ["all"] and none.count_members.tolist() == [0]
    assert mq.windows_kpis(wh, []) == {}


def test_cohort_drop_names_the_latest_cohort_that_fell():
    def table(back):  # cohorts Jan..May 2025, 100 members each, month-1 retention back[i] %
        rows = []
        for i, r in enumerate(back):
            cm = pd.Timestamp(2025, 1 + i, 1)
            rows.append({"cohort_month": cm, "months_since": 0, "activity_month": cm,
                         "cohort_size": 100, "count_members": 100})
            rows.append({"cohort_month": cm, "months_since": 1,
                         "activity_month": cm + pd.DateOffset(months=1),
                         "cohort_size": 100, "count_members": r})
        return pd.DataFrame(rows)
    # April's cohort kept 12 % against 20 % for Jan-Mar: 8 points down
    d = mm.cohort_drop(table([20, 20, 20, 12, 30]), "2025-05-31")
    assert d["cohort_month"] == pd.Timestamp("2025-04-01") and d["retention_rate"] == 0.12
    assert d["baseline_rate"] == pytest.approx(0.20) and d["cohort_size"] == 100
    # May's month 1 (June) is not over on 2025-05-31, so April is the latest one compared;
    # with June over, May (30 %) is above its baseline (Feb-Apr: 17.3 %): nothing to do
    assert mm.cohort_drop(table([20, 20, 20, 12, 30]), "2025-06-30") is None
    # the opposite: April up, or only 2 points down
    assert mm.cohort_drop(table([20, 20, 20, 25, 30]), "2025-05-31") is None
    assert mm.cohort_drop(table([20, 20, 20, 18, 30]), "2025-05-31") is None
    assert mm.cohort_drop(table([20, 12]), "2025-05-31") is None  # too few cohorts


def test_tier_moves_compare_shares_with_the_same_thresholds():
    now = mm.rfm_tiers(mm.rfm(SUMMARY, 90, 3, 5000))
    before = mm.rfm_tiers(mm.rfm(SUMMARY.iloc[:4], 90, 3, 5000))
    m = mm.tier_moves(now, before, min_members=1).set_index("tier")
    # 4 members before (a b c d, one per important tier: 25 % each), 8 now (12.5 % each)
    assert m.loc["important_value", "share_change"] == pytest.approx(0.125 - 0.25)
    assert m.loc["general_value", "previous_count_members"] == 0
    assert m.loc["general_value", "previous_members_share_rate"] == 0.0  # an empty tier: 0 %
    assert m.loc["general_value", "share_change"] == pytest.approx(0.125)
    assert len(mm.tier_moves(now, before, min_members=2)) == 0


def test_value_by_tier_is_sums_over_members():
    tiers = pd.DataFrame({"member_key": ["a", "b", "c"],
                          "tier": ["important_value", "important_value", "general_retain"]})
    scored = pd.DataFrame({"member_key": ["a", "b", "c"], "p_alive_rate": [0.9, 0.5, 0.2],
                           "clv_fen": [3000.0, 1000.0, 50.0]})
    v = mm.value_by_tier(tiers, scored).set_index("tier")
    iv = v.loc["important_value"]
    assert (iv.count_members, iv.expected_alive_members, iv.sum_clv_fen) == (2, pytest.approx(1.4), 4000)
    assert iv.mean_p_alive_rate == pytest.approx(0.7) and iv.mean_clv_fen == 2000
    assert v.loc["general_keep", "count_members"] == 0 and np.isnan(v.loc["general_keep", "mean_clv_fen"])


def test_calibration_holdout_counts(wh):
    # bought by 2025-01-31: m1 (Feb 20 later -> 1), m2 (Mar 1 -> 1), m5 (0), m6 (0)
    c = mq.calibration_holdout(wh, "2025-01-31", E).set_index("member_key")
    assert c["count_holdout_purchases"].to_dict() == {"m1": 1, "m2": 1, "m5": 0, "m6": 0}
    assert c.loc["m1", "frequency"] == 1 and c.loc["m1", "age_days"] == 52  # Dec 10 -> Jan 31
    # a summary passed in is used as is
    cal = mq.member_summary(wh, "2025-01-31")
    pd.testing.assert_frame_equal(mq.calibration_holdout(wh, "2025-01-31", E, summary=cal), c.reset_index())
    # with the summary at the end too: purchase days to the end less those to calibration end
    both = mq.calibration_holdout(wh, "2025-01-31", E, summary=cal, end_summary=mq.member_summary(wh, E))
    pd.testing.assert_frame_equal(both, c.reset_index())
    # without the refunds and platforms pass: the same purchases, refund 0 and one platform
    lean = mq.member_summary(wh, "2025-01-31", details=False)
    assert (lean["refund_fen"] == 0).all() and (lean["count_platforms"] == 1).all()
    skip = ["refund_fen", "count_platforms"]
    pd.testing.assert_frame_equal(lean.drop(columns=skip), cal.drop(columns=skip))
    with pytest.raises(ValueError, match="holdout is empty"):
        mq.calibration_holdout(wh, E, E)


def test_member_summary_hand_worked(wh):
    # as of 2025-03-31. m2: o4 + o5 on 01-05 (2800 + 300), o6 on 03-01 (1300): 3 orders on 2
    # purchase days -> frequency 1, recency 01-05 -> 03-01 = 55 days, age 01-05 -> 03-31 = 85,
    # 30 days since the last, paid 4400, repeat paid 4400 - 3100 = 1300 over 1 repeat day,
    # jd and tmall. m5: o10 on 2024-11-01 only: 5000, age 150, frequency 0, value 0.
    s = mq.member_summary(wh, E).set_index("member_key")
    assert list(s.index) == ["m1", "m2", "m3", "m4", "m5", "m6"]  # m3's o7 paid, o8 not
    m2 = s.loc["m2"]
    assert (m2.count_orders, m2.count_purchase_days, m2.frequency, m2.recency_days, m2.age_days,
            m2.days_since_last, m2.paid_fen, m2.refund_fen, m2.count_platforms) == (
        3, 2, 1, 55, 85, 30, 4400, 0, 2)
    assert m2.monetary_value_fen == 1300.0
    m5 = s.loc["m5"]
    assert (m5.frequency, m5.age_days, m5.paid_fen, m5.monetary_value_fen) == (0, 150, 5000, 0.0)
    pd.testing.assert_frame_equal(mq.member_summary(wh, E), wh.member_summary(E))
    jd = wh.member_summary(E, platforms=["jd"]).set_index("member_key")
    assert list(jd.index) == ["m2", "m4", "m6"] and jd.loc["m2", "paid_fen"] == 3100
    # the in-memory path runs the same query over a log shaped as the mart
    from ecomlib.models.clv import summary_from_transactions
    log = wh.sql("SELECT member_key, platform, sales_date, paid_fen, refund_fen "
                 "FROM mart_member_orders")
    got = summary_from_transactions(log, E, refund_col="refund_fen", platform_col="platform")
    pd.testing.assert_frame_equal(got, wh.member_summary(E))
    with pytest.raises(ValueError, match="as_of is required"):
        wh.member_summary(None)


def test_member_summaries_at_several_days_in_one_query(wh):
    """members_queries.member_summaries: one query, a summary per as-of day, each worked by
    hand and recomputed here from int_order_lines. Days given out of order and twice.
    At 2025-01-05: m1 (o1 12-10, o2 01-05: 2 orders on 2 days, recency and age 26 days,
    paid 1000 + 1500, repeat paid 1500), m2 (o4 + o5 on 01-05 at jd: 2 orders on 1 day, paid
    3100, one platform), m5 (o10 2024-11-01: age 65). At 2025-02-01 m6 joins (o11 01-20);
    m1 bought nothing between the two days (its summary carries over, 53 days old, 27 since
    the last). At 2025-03-31 m2 has bought at tmall too (o6 03-01): a platform first seen
    after the earlier days counts from then on."""
    days = ["2025-03-31", "2025-01-05", "2025-02-01", "2025-01-05"]
    got = mq.member_summaries(wh, days)
    assert list(got) == [pd.Timestamp(d) for d in ("2025-01-05", "2025-02-01", "2025-03-31")]
    a = got[pd.Timestamp("2025-01-05")].set_index("member_key")
    assert list(a.index) == ["m1", "m2", "m5"]
    cols = ["count_orders", "count_purchase_days", "frequency", "recency_days", "age_days",
            "days_since_last", "paid_fen", "refund_fen", "count_platforms"]
    assert a.loc["m1", cols].tolist() == [2, 2, 1, 26, 26, 0, 2500, 0, 1]
    assert a.loc["m1", "monetary_value_fen"] == 1500.0
    assert a.loc["m2", cols].tolist() == [2, 1, 0, 0, 0, 0, 3100, 0, 1]
    assert a.loc["m5", ["frequency", "age_days", "days_since_last", "paid_fen"]].tolist() == \
        [0, 65, 65, 5000]
    b = got[pd.Timestamp("2025-02-01")].set_index("member_key")
    assert list(b.index) == ["m1", "m2", "m5", "m6"]
    assert b.loc["m1", ["count_orders", "recency_days", "age_days", "days_since_last",
                        "paid_fen"]].tolist() == [2, 26, 53, 27, 2500]
    c = got[pd.Timestamp("2025-03-31")].set_index("member_key")
    assert c.loc["m2", ["count_orders", "count_purchase_days", "paid_fen",
                        "count_platforms"]].tolist() == [3, 2, 4400, 2]
    assert c.loc["m2", "monetary_value_fen"] == 1300.0
    # each day's frame is the one-day summary, and both agree with a recompute from the lines
    lines = wh.sql("SELECT member_key, platform, order_id, sales_date, paid_fen, refund_fen "
                   "FROM int_order_lines WHERE is_paid AND member_key IS NOT NULL")
    lines["sales_date"] = pd.to_datetime(lines["sales_date"])
    for day, frame in got.items():
        pd.testing.assert_frame_equal(frame, mq.member_summary(wh, day))
        upto = lines[lines["sales_date"] <= day]
        per_day = upto.groupby(["member_key", "sales_date"]).agg(
            paid=("paid_fen", "sum"), orders=("order_id", "nunique")).reset_index()
        first_paid = per_day.sort_values("sales_date").groupby("member_key")["paid"].first()
        m = per_day.groupby("member_key").agg(
            count_orders=("orders", "sum"), count_purchase_days=("sales_date", "size"),
            first=("sales_date", "min"), last=("sales_date", "max"), paid_fen=("paid", "sum"))
        m["frequency"] = m["count_purchase_days"] - 1
        m["age_days"] = (day - m["first"]).dt.days
        m["days_since_last"] = (day - m["last"]).dt.days
        m["monetary_value_fen"] = ((m["paid_fen"] - first_paid) / m["frequency"]).where(
            m["frequency"] > 0, 0.0)
        m["count_platforms"] = upto.groupby("member_key")["platform"].nunique()
        m["refund_fen"] = upto.groupby("member_key")["refund_fen"].sum()
        f = frame.set_index("member_key")
        for col in ("count_orders", "count_purchase_days", "frequency", "age_days",
                    "days_since_last", "paid_fen", "monetary_value_fen", "count_platforms",
                    "refund_fen"):
            assert f[col].astype(float).tolist() == m[col].astype(float).tolist(), (day, col)
    # a day before every purchase: an empty summary with the columns; no day: nothing
    early = mq.member_summaries(wh, ["2024-01-01", "2025-01-05"])
    assert early[pd.Timestamp("2024-01-01")].empty
    assert list(early[pd.Timestamp("2024-01-01")].columns) == list(a.reset_index().columns)
    assert mq.member_summaries(wh, []) == {}
    # without the details pass: the same purchases, refund 0 and one platform
    lean = mq.member_summaries(wh, days, details=False)[pd.Timestamp("2025-03-31")]
    assert (lean["refund_fen"] == 0).all() and (lean["count_platforms"] == 1).all()
    skip = ["refund_fen", "count_platforms"]
    pd.testing.assert_frame_equal(lean.drop(columns=skip), c.reset_index().drop(columns=skip))


def test_errors_name_function_and_fix():
    with pytest.raises(KeyError, match="members.rfm: column"):
        mm.rfm(SUMMARY.drop(columns="refund_fen"))
    with pytest.raises(ValueError, match="members.region_table: level"):
        mm.region_table(pd.DataFrame(columns=["province", "city", "count_members",
                                              "count_repeat_members", "count_orders", "paid_fen"]),
                        level="district")


def test_member_values_bg_only_without_scores():
    # 40 members: frequency 0..3 repeating, recency = 10 x frequency days, age 100 days
    n = 40
    f = np.arange(n) % 4
    s = pd.DataFrame({"member_key": [f"k{i:02d}" for i in range(n)], "frequency": f,
                      "recency_days": 10 * f, "age_days": np.full(n, 100),
                      "monetary_value_fen": np.where(f > 0, 1000.0 + 100 * (np.arange(n) % 7), 0.0),
                      "paid_fen": 1000 * (f + 1), "refund_fen": 0})
    full, bg, gg, note = mm.member_values(s)
    assert note == "" and gg is not None and full["clv_fen"].notna().all()
    only, bg1, gg1, note1 = mm.member_values(s, spend=False, score=False)
    assert note1 == "" and gg1 is None and bg1.params_ == bg.params_
    assert only[["p_alive_rate", "expected_purchases", "expected_value_fen", "clv_fen"]].isna().all().all()
    assert only["net_sales_fen"].tolist() == (1000 * (f + 1)).tolist()
    few, bg2, _, note2 = mm.member_values(s.head(5))
    assert bg2 is None and "too few" in note2 and few["clv_fen"].isna().all()


def test_member_metrics_are_the_catalogues():
    """The rates the report shows are catalogue metrics with the same label in i18n."""
    from ecomlib import i18n
    from ecomlib.metrics import catalogue
    for name in ("count_members", "repurchase_rate", "new_rate", "returning_paid_share_rate",
                 "retention_rate", "cum_paid_per_member_fen", "paid_per_member_fen",
                 "cross_platform_rate", "orders_per_member", "support_rate",
                 "confidence_a_to_b_rate", "mean_p_alive_rate", "mean_clv_fen"):
        m = catalogue.metric(name)
        assert (i18n.label(name, "zh"), i18n.label(name, "en")) == (m.zh, m.en), name
    assert catalogue.metric("repurchase_rate").formula == \
        "SUM(count_repeat_members) / SUM(count_members)"
    # a ratio of sums over windows, never a mean of the windows' rates
    w = pd.DataFrame({"count_members": [10, 90], "count_repeat_members": [5, 9]})
    assert catalogue.value("repurchase_rate", w) == pytest.approx(14 / 100)


def test_window_kpis_levels_agree_with_selections(wh):
    """Each level of window_kpis (one GROUPING SETS pass) is what the same window reads when
    the selection is that platform or that shop alone (count_new aside: new is relative to
    the selection), and the additive measures of the shops add up to their platform's."""
    k = mq.window_kpis(wh, S, E)
    cols = ["count_members", "count_repeat_members", "count_orders", "paid_fen", "refund_fen",
            "shop_paid_fen", "shop_refund_fen"]
    for lvl, key in (("platform", "platform"), ("shop", "shop_id")):
        for _, row in k[k.level == lvl].iterrows():
            sel = {"platforms": [row.platform]} if lvl == "platform" else {"shops": [row.shop_id]}
            alone = mq.window_kpis(wh, S, E, **sel)
            a = alone[alone.level == "all"].iloc[0]
            assert a[cols].tolist() == row[cols].tolist(), (lvl, row[key])
            if lvl == "shop":
                assert (alone.level == "shop").sum() == 1
    shops = k[k.level == "shop"].groupby("platform")[["count_orders", "paid_fen", "refund_fen"]].sum()
    plat = k[k.level == "platform"].set_index("platform")[["count_orders", "paid_fen", "refund_fen"]]
    assert shops.sort_index().equals(plat.sort_index())
    assert k.level.tolist() == sorted(k.level, key=["all", "platform", "shop"].index)


def test_last_orders_ties_and_missing_payment_times():
    """The last order is the latest payment (the day when the payment time is missing), of
    two paid at the same moment the larger order id; count_shops counts platform + shop."""
    import duckdb

    from ecomlib import queries
    con = duckdb.connect()
    con.execute("""CREATE TABLE mart_member_orders AS SELECT * FROM (VALUES
        ('a', 'jd', 'j1', 'o1', DATE '2025-01-01', TIMESTAMP '2025-01-01 10:00:00'),
        ('a', 'jd', 'j1', 'o3', DATE '2025-01-01', TIMESTAMP '2025-01-01 10:00:00'),
        ('a', 'tmall', 'j1', 'o2', DATE '2025-01-01', TIMESTAMP '2025-01-01 10:00:00'),
        ('b', 'jd', 'j1', 'o4', DATE '2025-01-02', NULL),
        ('b', 'jd', 'j1', 'o5', DATE '2025-01-01', TIMESTAMP '2025-01-01 23:59:00'),
        ('c', 'jd', 'j1', 'o6', DATE '2025-02-01', TIMESTAMP '2025-02-01 09:00:00'),
        ('c', 'jd', 'j1', 'o7', DATE '2025-01-01', TIMESTAMP '2025-01-01 09:00:00')
        ) t(member_key, platform, shop_id, order_id, sales_date, paid_at)""")
    lo = queries.run(con, "members/last_orders", end_date=pd.Timestamp("2025-01-31").date(),
                     member_keys=["a", "b", "c", "zz"], shops=[], platforms=[])
    assert lo["member_key"].tolist() == ["a", "b", "c"]
    assert lo["last_order_id"].tolist() == ["o3", "o4", "o7"]
    assert lo["last_platform"].tolist() == ["jd", "jd", "jd"]
    assert lo["count_shops"].tolist() == [2, 1, 1]
    assert pd.to_datetime(lo["last_order_date"]).tolist() == [pd.Timestamp("2025-01-01"),
                                                              pd.Timestamp("2025-01-02"),
                                                              pd.Timestamp("2025-01-01")]


def test_regions_home_is_the_latest_paid_order():
    """A member's home is the region of their latest payment of the period (a missing
    payment time last; the same time: the smallest platform, shop, order id); '' unknown."""
    import duckdb

    from ecomlib import queries
    con = duckdb.connect()
    con.execute("""CREATE TABLE mart_member_orders AS SELECT * FROM (VALUES
        ('a', 'jd', 'j1', 'o1', DATE '2025-01-01', TIMESTAMP '2025-01-01 10:00:00', 100, '北京', '北京'),
        ('a', 'tmall', 's1', 'o2', DATE '2025-01-01', TIMESTAMP '2025-01-01 10:00:00', 200, '上海', '上海'),
        ('a', 'jd', 'j1', 'o3', DATE '2025-01-02', NULL, 300, '广东', '深圳'),
        ('b', 'jd', 'j1', 'o4', DATE '2025-01-02', NULL, 50, NULL, NULL),
        ('c', 'jd', 'j1', 'o5', DATE '2025-01-03', TIMESTAMP '2025-01-03 08:00:00', 70, '广东', '广州'),
        ('c', 'jd', 'j1', 'o6', DATE '2025-01-01', TIMESTAMP '2025-01-01 08:00:00', 30, '浙江', '杭州'),
        ('d', 'jd', 'j1', 'o7', DATE '2024-12-01', TIMESTAMP '2024-12-01 08:00:00', 30, '浙江', '杭州')
        ) t(member_key, platform, shop_id, order_id, sales_date, paid_at, paid_fen, province, city)""")
    r = queries.run(con, "members/regions", start_date=pd.Timestamp("2025-01-01").date(),
                    end_date=pd.Timestamp("2025-01-31").date(), shops=[], platforms=[])
    got = {(x.province, x.city): (x.count_members, x.count_repeat_members, x.count_orders, x.paid_fen)
           for x in r.itertuples()}
    assert got == {("北京", "北京"): (1, 1, 3, 600), ("广东", "广州"): (1, 1, 2, 100),
                   ("", ""): (1, 0, 1, 50)}
