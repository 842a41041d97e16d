"""Member metrics against numbers worked out by hand on tests/data/members (see its README).

Period everywhere: 2025-01-01 .. 2025-03-31 unless a test says otherwise.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import members as mm
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data" / "members"
S, E = "2025-01-01", "2025-03-31"


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = Warehouse(tmp_path_factory.mktemp("members") / "wh.duckdb")
    w.ingest([DATA], progress=False)
    yield w
    w.close()


# -- new vs returning ------------------------------------------------------------------------------
def test_new_vs_returning_by_month(wh):
    # Jan: m1 (first 2024-12-10: returning, paid 1500), m2 (new: o4 2800 + o5 300 = 3100),
    #      m6 (new, 500) -> 3 buyers, 2 new, new paid 3600, returning paid 1500
    # Feb: m1 (returning, o3 500), m3 (new, o7 300; o8 unpaid) -> 2 buyers, 1 new
    # Mar: m2 (returning, o6 1300), m4 (new, o9 800)
    t = mm.new_vs_returning(wh, S, E)
    assert t["period_start"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert t["count_buyers"].tolist() == [3, 2, 2]
    assert t["count_new"].tolist() == [2, 1, 1]
    assert t["count_returning"].tolist() == [1, 1, 1]
    assert t["new_paid_fen"].tolist() == [3600, 300, 800]
    assert t["returning_paid_fen"].tolist() == [1500, 500, 1300]
    assert t["new_rate"].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 2])
    assert t["returning_paid_share_rate"].tolist() == pytest.approx([1500 / 5100, 500 / 800, 1300 / 2100])


def test_new_vs_returning_empty_month_is_present_with_zero_and_nan(wh):
    # jd only: Jan m2 (3100) + m6 (500), both new; Feb nobody; Mar m4 (800, new)
    t = mm.new_vs_returning(wh, S, E, platforms=["jd"])
    assert t["count_buyers"].tolist() == [2, 0, 1]
    assert t["new_paid_fen"].tolist() == [3600, 0, 800]
    assert np.isnan(t["new_rate"].iloc[1])


def test_new_vs_returning_rejects_bad_period(wh):
    with pytest.raises(ValueError, match="period must be one of"):
        mm.new_vs_returning(wh, S, E, period="day")
    with pytest.raises(ValueError, match="start 2025-03-31 is after end"):
        mm.new_vs_returning(wh, E, S)


# -- repurchase --------------------------------------------------------------------------------------
def test_repurchase_rate_counts_paid_orders(wh):
    # paid orders in Q1: m1 2 (o2, o3), m2 3 (o4, o5, o6), m3 1 (o8 unpaid), m4 1, m6 1
    # -> 5 buyers, 2 with 2+ orders: 2 / 5
    r = mm.repurchase_rate(wh, S, E).iloc[0]
    assert (r.count_buyers, r.count_repeat_buyers) == (5, 2)
    assert r.repurchase_rate == pytest.approx(0.4)


def test_rolling_repurchase_window(wh):
    # 31-day windows ending Jan 31 (Jan 1..31): m1 1, m2 2 (two orders on one day), m6 1 -> 1/3
    # ending Feb 28 (Jan 29..Feb 28): m1 (o3), m3 (o7) -> 0/2; ending Mar 31 (Mar 1..31):
    # m2 (o6), m4 (o9) -> 0/2
    t = mm.rolling_repurchase(wh, S, E, window_days=31)
    assert t["window_start"].dt.strftime("%m-%d").tolist() == ["01-01", "01-29", "03-01"]
    assert t["count_buyers"].tolist() == [3, 2, 2]
    assert t["repurchase_rate"].tolist() == pytest.approx([1 / 3, 0.0, 0.0])
    empty = mm.repurchase_rate(wh, "2023-01-01", "2023-12-31").iloc[0]
    assert empty.count_buyers == 0 and np.isnan(empty.repurchase_rate)


# -- intervals and frequency --------------------------------------------------------------------------
def test_purchase_intervals_hand_worked(wh):
    # m1: 2024-12-10 -> 2025-01-05 = 26 days (2nd purchase), -> 2025-02-20 = 46 days (3rd)
    # m2: 2025-01-05 -> 2025-03-01 = 55 days (2nd); the others bought on one day only
    h = mm.purchase_intervals(wh, S, E)
    assert h.values.tolist() == [[26, 2, 1], [46, 3, 1], [55, 2, 1]]
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
    t = mm.cohorts(wh, S, E)
    jan = t[t.cohort_month == "2025-01-01"]
    assert jan["months_since"].tolist() == [0, 1, 2]
    assert jan["cohort_size"].tolist() == [2, 2, 2]
    assert jan["count_active"].tolist() == [2, 0, 1]
    assert jan["retention_rate"].tolist() == pytest.approx([1.0, 0.0, 0.5])
    assert jan["paid_fen"].tolist() == [3600, 0, 1300]
    assert jan["cum_paid_per_member_fen"].tolist() == pytest.approx([1800, 1800, 2450])
    feb = t[t.cohort_month == "2025-02-01"]
    assert feb["retention_rate"].tolist() == pytest.approx([1.0, 0.0])
    assert feb["cum_paid_per_member_fen"].tolist() == pytest.approx([300, 300])
    mar = t[t.cohort_month == "2025-03-01"]
    assert mar["cum_paid_per_member_fen"].tolist() == pytest.approx([800])
    m = mm.cohort_matrix(t)
    assert list(m.index) == ["2025-01", "2025-02", "2025-03"]
    assert np.isnan(m.loc["2025-03", 1])  # not observable yet
    assert mm.cohorts(wh, "2023-01-01", "2023-06-30").empty


# -- platforms and regions -------------------------------------------------------------------------------------
def test_platform_overlap(wh):
    # tmall only: m1 (o2 o3: 2000), m3 (o7: 300); jd only: m4 (800), m6 (500);
    # jd+tmall: m2 (o4 o5 on jd, o6 on tmall: 3 orders, 4400)
    c = mm.platform_overlap(wh, S, E).set_index("platforms")
    assert list(c.index) == ["jd", "tmall", "jd+tmall"]
    assert c.loc["jd+tmall"].tolist()[:4] == [2, 1, 3, 4400]
    assert c.loc["tmall", "count_orders"] == 3 and c.loc["tmall", "paid_fen"] == 2300
    assert c.loc["jd", "paid_per_member_fen"] == pytest.approx(650)
    p = mm.members_per_platform(c.reset_index())
    assert p.values.tolist() == [["jd", 3, 1, pytest.approx(1 / 3)], ["tmall", 3, 1, pytest.approx(1 / 3)]]


def test_regional_portrait_uses_latest_order_region(wh):
    # m2 ordered from 北京 (o4 o5) and then 上海 (o6): home 上海, all 3 orders and 4400 there
    p = mm.regional_portrait(wh, S, E)
    assert p["province"].tolist() == ["上海", "浙江", "江苏", "广东"]
    z = p.set_index("province").loc["浙江"]  # m1 (2 orders, 2000) and m4 (1 order, 800)
    assert (z.count_members, z.count_repeat_members, z.count_orders, z.paid_fen) == (2, 1, 3, 2800)
    assert z.repeat_member_rate == pytest.approx(0.5) and z.paid_per_member_fen == pytest.approx(1400)
    assert z.members_share_rate == pytest.approx(0.4)
    c = mm.regional_portrait(wh, S, E, level="city", top=3)
    assert c[["province", "city"]].values.tolist() == [["上海", "上海"], ["浙江", "杭州"], ["浙江", "宁波"]]


# -- baskets ----------------------------------------------------------------------------------------------------
def test_basket_pairs_support_confidence_lift(wh):
    # paid Q1 orders: o2 {A,B} o3 {B} o4 {A,B,C} o5 {C} o6 {A,D} o7 {C} o9 {B,C} o11 {B}
    # baskets (2+ lines): o2 o4 o6 o9 -> N = 4; A in 3, B in 3, C in 2, D in 1
    # B-C: 2 orders (o4 o9): support 2/4, conf B->C 2/3, C->B 2/2, lift 2*4/(3*2) = 4/3
    # A-D: 1 (o6): lift 1*4/(3*1) = 4/3; A-B: 2 (o2 o4): 8/9; A-C: 1 (o4): 4/6
    pairs, counts = mm.basket_pairs(wh, S, E, min_orders=1)
    assert counts == {"count_orders": 8, "count_baskets": 4}
    assert pairs[["item_a", "item_b"]].values.tolist() == [["B", "C"], ["A", "D"], ["A", "B"], ["A", "C"]]
    bc = pairs.iloc[0]
    assert (bc.count_pair_orders, bc.count_orders_a, bc.count_orders_b) == (2, 3, 2)
    assert bc.support_rate == pytest.approx(0.5)
    assert bc.confidence_a_to_b_rate == pytest.approx(2 / 3)
    assert bc.confidence_b_to_a_rate == pytest.approx(1.0)
    assert pairs["lift"].tolist() == pytest.approx([4 / 3, 4 / 3, 8 / 9, 2 / 3])
    assert pairs["name_b"].iloc[0] == "海苔脆"
    two, _ = mm.basket_pairs(wh, S, E, min_orders=2)
    assert two[["item_a", "item_b"]].values.tolist() == [["B", "C"], ["A", "B"]]
    # categories: o2 {护肤, 零食} o4 {护肤, 零食} o6 {护肤, 茶饮} o9 {零食}
    cat, _ = mm.basket_pairs(wh, S, E, item="category", min_orders=1)
    assert cat[["item_a", "item_b", "count_pair_orders"]].values.tolist() == [
        ["护肤", "茶饮", 1], ["护肤", "零食", 2]]
    assert cat["lift"].tolist() == pytest.approx([4 / 3, 8 / 9])
    none, counts = mm.basket_pairs(wh, "2023-01-01", "2023-12-31")
    assert none.empty and counts == {"count_orders": 0, "count_baskets": 0}


# -- RFM -----------------------------------------------------------------------------------------------------------
def test_rfm_tiers_with_explicit_thresholds():
    # R high: days <= 90; F high: orders >= 3; M high: net (paid - refund) >= 5000
    # a (10, 5, 10000) HHH, b (200, 4, 7000) LHH, c (20, 1, 9000) HLH, d (300, 1, 6000) LLH,
    # e (15, 6, 2000) HHL, f (400, 3, 1000) LHL, g (5, 1, 500) HLL, h (365, 1, 100) LLL
    r = mm.rfm(SUMMARY, recency_days=90, frequency_orders=3, monetary_fen=5000)
    assert r["tier"].tolist() == ["important_value", "important_keep", "important_develop",
                                  "important_retain", "general_value", "general_keep",
                                  "general_develop", "general_retain"]
    assert r["net_paid_fen"].tolist() == [10000, 7000, 9000, 6000, 2000, 1000, 500, 100]
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
    assert t["paid_share_rate"].tolist() == pytest.approx(
        [v / 35600 for v in [10000, 7000, 9000, 6000, 2000, 1000, 500, 100]])
    empty = mm.rfm_tiers(mm.rfm(SUMMARY.iloc[:0]))
    assert empty["count_members"].tolist() == [0] * 8 and empty["members_share_rate"].isna().all()


def test_churn_watchlist_masks_keys():
    df = SUMMARY.assign(p_alive_rate=[0.9, 0.1, 0.8, 0.2, 0.5, 0.05, 0.9, 0.01])
    # default value bar: 80th percentile of net paid = 7000 + 0.6 * (9000 - 7000) = 8200;
    # a and c pass it but are alive -> empty
    assert mm.churn_watchlist(df).empty
    w = mm.churn_watchlist(df, min_net_paid_fen=5000, max_p_alive=0.3)
    assert w["member"].tolist() == ["bbbbbb…", "dddddd…"]
    assert "member_key" not in w.columns
    assert w.attrs["min_net_paid_fen"] == 5000


def test_calibration_holdout_counts(wh):
    # bought by 2025-01-31: m1 (Feb 20 later -> 1), m2 (Mar 1 -> 1), m5 (0), m6 (0)
    c = mm.calibration_holdout(wh, "2025-01-31", E).set_index("member_key")
    assert c["count_holdout_purchases"].to_dict() == {"m1": 1, "m2": 1, "m5": 0, "m6": 0}
    assert c.loc["m1", "frequency"] == 1 and c.loc["m1", "age_days"] == 52  # Dec 10 -> Jan 31


def test_errors_name_function_and_fix():
    with pytest.raises(KeyError, match="members.rfm: column"):
        mm.rfm(SUMMARY.drop(columns="refund_fen"))
    with pytest.raises(ValueError, match="members.region_table: level"):
        mm.region_table(pd.DataFrame(columns=["province", "city", "count_members",
                                              "count_repeat_members", "count_orders", "paid_fen"]),
                        level="district")


def test_paid_orders_table_gives_the_same_results(wh):
    o = mm.paid_orders(wh, E)
    t = mm.new_vs_returning(wh, S, E, orders=o)   # the hand-worked numbers above
    assert t["count_buyers"].tolist() == [3, 2, 2]
    assert t["new_paid_fen"].tolist() == [3600, 300, 800]
    pd.testing.assert_frame_equal(t, mm.new_vs_returning(wh, S, E))
    for fn, args in ((mm.repurchase_rate, (S, E)), (mm.rolling_repurchase, (S, E, 30)),
                     (mm.purchase_intervals, (S, E)), (mm.cohorts, (S, E)),
                     (mm.platform_overlap, (S, E)), (mm.regional_portrait, (S, E, "city")),
                     (mm.calibration_holdout, ("2025-02-15", E))):
        pd.testing.assert_frame_equal(fn(wh, *args, orders=o), fn(wh, *args))
    # an earlier end reads the same table cut at that day
    pd.testing.assert_frame_equal(mm.cohorts(wh, S, "2025-02-28", orders=o),
                                  mm.cohorts(wh, S, "2025-02-28"))
    with pytest.raises(ValueError, match="later end"):
        mm.cohorts(wh, S, "2025-04-30", orders=o)
    with pytest.raises(ValueError, match="paid_orders"):
        mm.cohorts(wh, S, E, platforms=["tmall"], orders=o)


def test_member_summary_from_paid_orders_table(wh):
    # as of 2025-03-31. m2: o4 + o5 on 01-05 (2800 + 300), o6 on 03-01 (1300): 3 orders on 2
    # purchase days -> frequency 1, recency 01-05 -> 03-01 = 55 days, age 01-05 -> 03-31 = 85,
    # 30 days since the last, paid 4400, repeat paid 4400 - 3100 = 1300 over 1 repeat day,
    # jd and tmall. m5: o10 on 2024-11-01 only: 5000, age 150, frequency 0, value 0.
    o = mm.paid_orders(wh, E)
    s = mm.member_summary(wh, E, orders=o).set_index("member_key")
    assert list(s.index) == ["m1", "m2", "m3", "m4", "m5", "m6"]  # m3's o7 paid, o8 not
    m2 = s.loc["m2"]
    assert (m2.count_orders, m2.count_purchase_days, m2.frequency, m2.recency_days, m2.age_days,
            m2.days_since_last, m2.paid_fen, m2.refund_fen, m2.count_platforms) == (
        3, 2, 1, 55, 85, 30, 4400, 0, 2)
    assert m2.monetary_value_fen == 1300.0
    m5 = s.loc["m5"]
    assert (m5.frequency, m5.age_days, m5.paid_fen, m5.monetary_value_fen) == (0, 150, 5000, 0.0)
    # the same frame as Warehouse.member_summary, at the table's end, an earlier day and
    # for a selection (its own table)
    pd.testing.assert_frame_equal(mm.member_summary(wh, E, orders=o), wh.member_summary(E))
    pd.testing.assert_frame_equal(mm.member_summary(wh, "2025-01-31", orders=o),
                                  wh.member_summary("2025-01-31"))
    oj = mm.paid_orders(wh, E, platforms=["jd"])
    pd.testing.assert_frame_equal(mm.member_summary(wh, E, platforms=["jd"], orders=oj),
                                  wh.member_summary(E, platforms=["jd"]))
    pd.testing.assert_frame_equal(mm.member_summary(wh, E), wh.member_summary(E))
    with pytest.raises(ValueError, match="later end"):
        mm.member_summary(wh, "2025-04-30", orders=o)
    # a summary passed to calibration_holdout is used as is
    cal = mm.member_summary(wh, "2025-01-31", orders=o)
    pd.testing.assert_frame_equal(mm.calibration_holdout(wh, "2025-01-31", E, orders=o, summary=cal),
                                  mm.calibration_holdout(wh, "2025-01-31", E))


def test_region_rows_serve_both_levels_and_basket_counts_reused(wh):
    rows = mm.region_rows(wh, S, E)
    # one row per (province, city); 浙江 has 杭州 (m1) and 宁波 (m4)
    assert sorted(rows.loc[rows["province"] == "浙江", "city"]) == ["宁波", "杭州"]
    pd.testing.assert_frame_equal(mm.region_table(rows, "province"), mm.regional_portrait(wh, S, E))
    pd.testing.assert_frame_equal(mm.region_table(rows, "city", top=3),
                                  mm.regional_portrait(wh, S, E, level="city", top=3))
    _, counts = mm.basket_pairs(wh, S, E, min_orders=1)
    cat, c2 = mm.basket_pairs(wh, S, E, item="category", min_orders=1, counts=counts)
    assert c2 == {"count_orders": 8, "count_baskets": 4}  # as in the hand-worked test above
    assert cat[["item_a", "item_b", "count_pair_orders"]].values.tolist() == [
        ["护肤", "茶饮", 1], ["护肤", "零食", 2]]
    pd.testing.assert_frame_equal(cat, mm.basket_pairs(wh, S, E, item="category", min_orders=1)[0])


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
    assert only["net_paid_fen"].tolist() == (1000 * (f + 1)).tolist()


def test_basket_items_table_gives_the_same_pairs(wh):
    b = mm.basket_items(wh, S, E)
    # baskets o2 {A,B} o4 {A,B,C} o6 {A,D} o9 {B,C}: 9 (order, sku) rows
    assert wh.sql(f"SELECT COUNT(*) AS n FROM {b.table}")["n"].iloc[0] == 9
    for item, k in (("sku", 1), ("sku", 2), ("category", 1)):
        got = mm.basket_pairs(wh, S, E, item=item, min_orders=k, items=b)
        ref = mm.basket_pairs(wh, S, E, item=item, min_orders=k)
        pd.testing.assert_frame_equal(got[0], ref[0])
        assert got[1] == ref[1] == {"count_orders": 8, "count_baskets": 4}
    with pytest.raises(ValueError, match="basket_items"):
        mm.basket_pairs(wh, S, "2025-02-28", items=b)
    with pytest.raises(ValueError, match="basket_items"):
        mm.basket_pairs(wh, S, E, platforms=["jd"], items=b)
