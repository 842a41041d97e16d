"""The members report's sentences (ecomlib.metrics.members_report) follow the numbers: each
claim is checked on data that says one thing and on data that says the opposite."""
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ecomlib.metrics import members as mm, members_report as rep

T = pd.Timestamp


def _text(sentence) -> str:
    return sentence.data


# -- 1. new and returning --------------------------------------------------------------------------
def _nv(new_paid, returning_paid, new_members=(5, 9)):
    return mm.new_vs_returning(pd.DataFrame({
        "period_start": [T("2025-01-01"), T("2025-02-01")], "count_members": [10, 12],
        "count_new": list(new_members), "count_returning": [10 - new_members[0], 12 - new_members[1]],
        "new_paid_fen": list(new_paid), "returning_paid_fen": list(returning_paid)}))


def test_who_carries_the_sales_follows_the_numbers():
    # returning 800 + 900 of 2000 (85%): returning carry it; the most new members in Feb (9)
    t = _text(rep.new_returning_sentence(_nv((100, 200), (800, 900)), "month"))
    assert "老客撑起了期内会员实付的大部分：老客占 **85.0%**" in t and "新客最多的是 2025-02（9 位）" in t
    # the opposite: new members pay 1700 of 2000; most new members in Jan
    t = _text(rep.new_returning_sentence(_nv((800, 900), (100, 200), (9, 5)), "month"))
    assert "新客贡献了期内会员实付的大部分：老客占 **15.0%**" in t and "2025-01（9 位）" in t
    assert "new members bring most" in _text(rep.new_returning_sentence(
        _nv((800, 900), (100, 200)), "month", "en"))
    assert "各占" in _text(rep.new_returning_sentence(_nv((500, 500), (500, 500)), "month"))
    empty = _nv((0, 0), (0, 0)).assign(count_members=0)
    assert "没有新老客" in _text(rep.new_returning_sentence(empty, "month"))


# -- 2. repurchase -------------------------------------------------------------------------------------
def _roll(first, last):
    return mm.repurchase(pd.DataFrame({
        "window_start": [T("2024-11-02"), T("2025-01-31")],
        "window_end": [T("2025-01-31"), T("2025-04-30")],
        "count_members": [100, 100], "count_repeat_members": [first, last]}))


def test_repurchase_trend_follows_the_numbers():
    down = _text(rep.repurchase_sentence(_roll(30, 25), 90))
    assert "**25.0%**，比 2025-01-31 的 30.0% 下降了 5.0 个百分点：回购的会员在变少" in down
    up = _text(rep.repurchase_sentence(_roll(25, 30), 90))
    assert "上升了 5.0 个百分点：回购的会员在变多" in up and "下降" not in up
    assert "the same as" in _text(rep.repurchase_sentence(_roll(30, 30), 90, "en"))
    assert "down from 30.0%" in _text(rep.repurchase_sentence(_roll(30, 25), 90, "en"))
    nobody = _roll(0, 0).assign(count_members=0)
    assert "没有付款订单" in _text(rep.repurchase_sentence(mm.repurchase(nobody), 90))


# -- 3. frequency and intervals ------------------------------------------------------------------------
def test_frequency_claims_follow_the_numbers():
    # 6 one-order members paying 600 of 1600; 4 repeat members paying 1000 (40% of heads,
    # 62.5% of money): the one-order members are the majority, repeat members spend more
    s = pd.DataFrame({"count_orders": [1] * 6 + [3] * 4, "paid_fen": [100] * 6 + [250] * 4})
    t = _text(rep.frequency_sentence(mm.frequency_distribution(s)))
    assert "一单会员占多数（60.0%）" in t and "却贡献了 **62.5%** 的实付：多次购买的会员人均花得更多" in t
    # the opposite: 3 one-order members paying 900 of 1000; repeat members (70%) pay 10%
    s = pd.DataFrame({"count_orders": [1] * 3 + [2] * 7, "paid_fen": [300] * 3 + [100 / 7] * 7})
    t = _text(rep.frequency_sentence(mm.frequency_distribution(s.astype({"paid_fen": "int64"}))))
    assert "一单会员不到一半（30.0%）" in t and "并不比人数占比高" in t


def _gaps(second_gap):
    return mm.interval_distribution(pd.DataFrame({
        "gap_days": [second_gap, second_gap, 100], "purchase_number": [2, 2, 2],
        "count_intervals": [3, 1, 2]}))


def test_most_common_gap_follows_the_numbers():
    assert "最常见的首购到二购间隔为 **1-7 天**（占 66.7%）" in _text(rep.interval_sentence(_gaps(3)))
    assert "**31-60 天**" in _text(rep.interval_sentence(_gaps(40)))
    assert "没有购买间隔" in _text(rep.interval_sentence(_gaps(3).assign(count_intervals=0)))


# -- 4. cohorts --------------------------------------------------------------------------------------------
def _cohorts(jan_m1, feb_m1):
    rows = pd.DataFrame({
        "cohort_month": [T("2025-01-01")] * 2 + [T("2025-02-01")] * 2,
        "activity_month": [T("2025-01-01"), T("2025-02-01"), T("2025-02-01"), T("2025-03-01")],
        "count_members": [10, jan_m1, 10, feb_m1], "paid_fen": [100, 10, 100, 10]})
    return mm.cohort_table(rows, "2025-03-31")


def test_best_cohort_follows_the_numbers():
    t = _text(rep.cohort_sentence(_cohorts(4, 2)))
    assert "次月留存最高的是 2025-01 首购的会员（**40.0%**），最低的是 2025-02（20.0%）" in t
    t = _text(rep.cohort_sentence(_cohorts(1, 3)))
    assert "最高的是 2025-02 首购的会员（**30.0%**），最低的是 2025-01（10.0%）" in t
    assert "都是 20.0%" in _text(rep.cohort_sentence(_cohorts(2, 2)))
    assert "没有同期群" in _text(rep.cohort_sentence(mm.cohort_table(pd.DataFrame(
        columns=["cohort_month", "activity_month", "count_members", "paid_fen"]), "2025-03-31")))


# -- 5. RFM -------------------------------------------------------------------------------------------------
def test_rfm_leading_tier_follows_the_numbers():
    th = {"recency_days": 90, "frequency_orders": 3, "monetary_fen": 5000}
    scored = pd.DataFrame({"tier": ["important_value", "general_develop", "general_develop"],
                           "days_since_last": [10, 5, 20], "count_orders": [5, 1, 1],
                           "net_sales_fen": [9000, 500, 500]})
    t = _text(rep.rfm_sentence(mm.rfm_tiers(scored), th))
    assert "净销售额最多的是重要价值客户：占会员 33.3%、净销售额 **90.0%**" in t
    assert "人数最多的是一般发展客户（66.7%）" in t
    scored = scored.assign(net_sales_fen=[500, 9000, 500])
    t = _text(rep.rfm_sentence(mm.rfm_tiers(scored), th))
    assert "净销售额最多的是一般发展客户：占会员 66.7%、净销售额 **95.0%**" in t


# -- 6. member value ----------------------------------------------------------------------------------------
def _models(corr):
    bg = SimpleNamespace(fit_seconds_=0.1, n_members_=100)
    return bg, SimpleNamespace(fit_seconds_=0.05, corr_frequency_value_=corr)


def test_gamma_gamma_assumption_follows_the_correlation():
    assert "相关系数为 0.05，接近 0：Gamma-Gamma 的假设（客单与频次无关）成立" in \
        _text(rep.fit_sentence(*_models(0.05), "2025-12-31"))
    t = _text(rep.fit_sentence(*_models(-0.45), "2025-12-31"))
    assert "相关系数为 -0.45，不接近 0" in t and "成立" not in t
    assert "far from 0" in _text(rep.fit_sentence(*_models(0.6), "2025-12-31", "en"))


def _holdout(predicted, actual):
    return pd.DataFrame({"frequency_bucket": ["0", "all"], "count_members": [10, 10],
                         "actual_mean": [0, 0], "predicted_mean": [0, 0],
                         "actual_total": [actual, actual], "predicted_total": [predicted, predicted],
                         "error_rate": [np.nan, (predicted - actual) / actual if actual else np.nan]})


def test_holdout_verdict_follows_the_numbers():
    over = _text(rep.holdout_sentence(_holdout(130.0, 100), "2025-07-04", 180))
    assert "合计预测 130 次、实际 100 次，模型高估 30.0%，误差超过 ±10%" in over
    under = _text(rep.holdout_sentence(_holdout(95.0, 100), "2025-07-04", 180))
    assert "模型低估 5.0%，误差在 ±10% 以内，总量可信" in under
    assert "under-forecasts by 5.0%" in _text(rep.holdout_sentence(_holdout(95.0, 100), "x", 180, "en"))
    assert "无法计算误差" in _text(rep.holdout_sentence(_holdout(3.0, 0), "x", 180))


def _value(p_alive_keep, p_alive_value):
    tiers = pd.DataFrame({"member_key": list("abcd"),
                          "tier": ["important_keep", "important_keep", "important_value", "general_retain"]})
    scored = pd.DataFrame({"member_key": list("abcd"),
                           "p_alive_rate": [p_alive_keep, p_alive_keep, p_alive_value, 0.05],
                           "clv_fen": [3000.0, 3000.0, 9000.0, 100.0]})
    return mm.value_by_tier(tiers, scored)


def test_win_back_tier_follows_the_numbers():
    # CLV 15100 fen over 4 members = 3775 per member; above it only important_value (9000
    # each); important_keep (3000 each) is below, however low its P(alive)
    t = _text(rep.value_sentence(_value(0.2, 0.9), 12, 0.01, 1.0))
    assert "合计 **¥151**，最多的一层是重要价值客户（¥90）" in t
    assert "人均 CLV 高于全体（¥37.75）" in t
    assert "重要价值客户的平均存活概率最低（90.0%" in t
    # raise important_keep above the mean (two members of 9000): of the two rich tiers the
    # one with the lower P(alive) is named, whichever it is
    tiers = pd.DataFrame({"member_key": list("abcd"),
                          "tier": ["important_keep", "important_keep", "important_value", "general_retain"]})
    for pk, pv, name in ((0.2, 0.9, "重要保持客户"), (0.9, 0.2, "重要价值客户")):
        scored = pd.DataFrame({"member_key": list("abcd"), "p_alive_rate": [pk, pk, pv, 0.05],
                               "clv_fen": [9000.0, 9000.0, 9000.0, 100.0]})
        t = _text(rep.value_sentence(mm.value_by_tier(tiers, scored), 12, 0.01, 1.0))
        assert f"{name}的平均存活概率最低" in t, t


def test_churn_sentence_says_how_many():
    w = pd.DataFrame({"member": ["aaaaaa…"], "net_sales_fen": [9000]})
    w.attrs["min_net_sales_fen"] = 5000
    assert "列出 1 位（最多 30 位）" in _text(rep.churn_sentence(w, 0.3, 30))
    e = w.iloc[:0].copy()
    e.attrs["min_net_sales_fen"] = 5000
    assert "没有累计净销售额 ≥ ¥50.00 且存活概率 ≤ 30% 的会员" in _text(rep.churn_sentence(e, 0.3, 30))


# -- 8. platforms, 9. regions, 10. baskets --------------------------------------------------------------------
def _combos(cross_paid):
    return pd.DataFrame({"platforms": ["jd", "tmall", "jd+tmall"], "count_platforms": [1, 1, 2],
                         "count_members": [3, 5, 2], "count_orders": [3, 6, 4],
                         "paid_fen": [3000, 5000, cross_paid]})


def test_cross_platform_spend_follows_the_numbers():
    t = _text(rep.platform_sentence(mm.cross_platform_split(_combos(5000))))
    assert "期内共 2 位，占 20.0%" in t and "人均实付 ¥25.00，高于单平台会员的 ¥10.00" in t
    t = _text(rep.platform_sentence(mm.cross_platform_split(_combos(1000))))
    assert "人均实付 ¥5.00，低于单平台会员的 ¥10.00" in t
    assert "lower than single-platform" in _text(rep.platform_sentence(
        mm.cross_platform_split(_combos(1000)), "en"))
    none = _combos(0).iloc[:2]
    assert "期内共 0 位" in _text(rep.platform_sentence(mm.cross_platform_split(none)))


def _regions(zj_repeat, gd_repeat):
    rows = pd.DataFrame({"province": ["浙江", "广东", ""], "city": ["杭州", "深圳", ""],
                         "count_members": [40, 50, 10], "count_repeat_members": [zj_repeat, gd_repeat, 9],
                         "count_orders": [60, 70, 20], "paid_fen": [4000, 6000, 100]})
    return mm.region_table(rows, "province")


def test_region_leaders_follow_the_numbers():
    t = _text(rep.region_sentence(_regions(30, 10)))
    assert "实付最多的是广东（占 **59.4%**）" in t
    assert "复购率最高的是浙江（75.0%，全体为 49.0%）" in t  # unknown (90%) is never named
    t = _text(rep.region_sentence(_regions(4, 40)))
    assert "复购率最高的是广东（80.0%" in t
    small = _text(rep.region_sentence(_regions(30, 10), min_members=45))
    assert "复购率最高" not in small  # one province that large: nothing to compare


def test_basket_sentence_follows_the_lift():
    pairs = mm.basket_pairs(pd.DataFrame({
        "item_a": ["A"], "name_a": ["面霜"], "item_b": ["B"], "name_b": [None],
        "count_pair_orders": [6], "count_orders_a": [10], "count_orders_b": [10],
        "count_baskets": [40]}))
    counts = {"count_paid_orders": 100, "count_baskets": 40}
    t = _text(rep.basket_sentence(counts, pairs, 5))
    assert "（40 笔，占 40.0%）" in t and "「面霜」与「B」（6 单）：是偶然同买的 2.40 倍" in t
    weak = pairs.assign(count_baskets=10, lift=0.6)
    assert "提升度 0.60，不高于偶然同买" in _text(rep.basket_sentence(counts, weak, 5))
    assert "没有哪对商品同单出现 5 次以上" in _text(rep.basket_sentence(counts, pairs.iloc[:0], 5))
    assert "没有付款订单" in _text(rep.basket_sentence({"count_paid_orders": 0, "count_baskets": 0},
                                                   pairs.iloc[:0], 5))
