"""The members report's sentences (ecomlib.metrics.members_report) follow the numbers: each
claim is checked on data that says one thing and on data that says the opposite."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

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
    assert "老会员撑起了期内会员实付的大部分：老会员占 **85.0%**" in t and "新会员最多的是 2025-02（9 位）" in t
    # the opposite: new members pay 1700 of 2000; most new members in Jan
    t = _text(rep.new_returning_sentence(_nv((800, 900), (100, 200), (9, 5)), "month"))
    assert "新会员贡献了期内会员实付的大部分：老会员占 **15.0%**" in t and "2025-01（9 位）" in t
    assert "new members bring most" in _text(rep.new_returning_sentence(
        _nv((800, 900), (100, 200)), "month", "en"))
    assert "各占" in _text(rep.new_returning_sentence(_nv((500, 500), (500, 500)), "month"))
    empty = _nv((0, 0), (0, 0)).assign(count_members=0)
    assert "没有新老会员" in _text(rep.new_returning_sentence(empty, "month"))
    # the warning about members older than the warehouse only when the history is short
    assert "不足一年" not in t
    assert "不足一年" in _text(rep.new_returning_sentence(_nv((1, 2), (3, 4)), "month", short_history=True))


def test_a_cut_period_is_marked_and_never_the_best():
    # the period ends on Feb 10: February has 10 of its 28 days; its 9 new members are not
    # compared with January's whole month (5)
    nv = rep.mark_whole_periods(_nv((100, 200), (800, 900)), "month", "2025-01-01", "2025-02-10")
    assert nv["count_days"].tolist() == [31, 10] and nv["is_whole_period"].tolist() == [True, False]
    t = _text(rep.new_returning_sentence(nv, "month"))
    assert "新会员最多的是 2025-01（5 位）" in t and "不能当整月比较：2025-02（10 天）" in t
    # weeks cut at both ends: a period from a Wednesday to the next Tuesday
    wk = pd.DataFrame({"period_start": [T("2025-01-06"), T("2025-01-13")]})
    wk = rep.mark_whole_periods(wk, "week", "2025-01-08", "2025-01-14")
    assert wk["count_days"].tolist() == [5, 2] and not wk["is_whole_period"].any()
    assert rep.auto_grain(SimpleNamespace(days=30)) == "week"
    assert rep.auto_grain(SimpleNamespace(days=365)) == "month"
    assert rep.auto_grain(SimpleNamespace(days=30), "quarter") == "quarter"


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
    assert "重要价值客户的平均仍活跃概率最低（90.0%" in t
    # raise important_keep above the mean (two members of 9000): of the two rich tiers the
    # one with the lower P(alive) is named, whichever it is
    tiers = pd.DataFrame({"member_key": list("abcd"),
                          "tier": ["important_keep", "important_keep", "important_value", "general_retain"]})
    for pk, pv, name in ((0.2, 0.9, "重要保持客户"), (0.9, 0.2, "重要价值客户")):
        scored = pd.DataFrame({"member_key": list("abcd"), "p_alive_rate": [pk, pk, pv, 0.05],
                               "clv_fen": [9000.0, 9000.0, 9000.0, 100.0]})
        t = _text(rep.value_sentence(mm.value_by_tier(tiers, scored), 12, 0.01, 1.0))
        assert f"{name}的平均仍活跃概率最低" in t, t


def test_winback_sentence_says_how_many_and_how_to_find_them():
    w = pd.DataFrame({"net_sales_fen": [9000, 7000]})
    w.attrs["min_net_sales_fen"] = 5000
    t = _text(rep.winback_sentence(w, 0.3, 30))
    assert "仍活跃概率 ≤ 30%）的会员共 **2** 位，过去累计消费 **¥160**" in t
    assert "按「最近订单号」在对应平台和店铺的后台找到买家" in t and "下表列出全部" in t
    assert "下表按过去价值列出前 1 位" in _text(rep.winback_sentence(w, 0.3, 1))
    e = w.iloc[:0].copy()
    e.attrs["min_net_sales_fen"] = 5000
    assert "没有累计净销售额 ≥ ¥50.00 且仍活跃概率 ≤ 30% 的会员" in _text(rep.winback_sentence(e, 0.3, 30))
    assert "find the buyer in the platform's back office by the last order id" in \
        _text(rep.winback_sentence(w, 0.3, 30, "en"))


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


# -- the 经营摘要: cards, largest changes, actions, data health -----------------------------------------
def _kpi(a, b, new=(10, 10), repeat=(20, 20), refund=0, shop_paid_extra=0):
    """Window rows of two shops (tmall s1 with ``a`` members, jd j1 with ``b``), each member
    paying 100 yuan over 2 orders; the selection's row is their sum (nobody bought at both)."""
    rows = []
    for lvl, plat, shop, n, nw, rp in (("shop", "tmall", "s1", a, new[0], repeat[0]),
                                       ("shop", "jd", "j1", b, new[1], repeat[1]),
                                       ("platform", "tmall", None, a, new[0], repeat[0]),
                                       ("platform", "jd", None, b, new[1], repeat[1])):
        rows.append({"level": lvl, "platform": plat, "shop_id": shop, "count_members": n,
                     "count_repeat_members": rp, "count_new": nw, "count_orders": 2 * n,
                     "paid_fen": 10_000 * n, "refund_fen": refund * n,
                     "shop_paid_fen": 10_000 * n + shop_paid_extra, "shop_refund_fen": refund * n})
    rows.append({"level": "all", "platform": None, "shop_id": None, "count_members": a + b,
                 "count_repeat_members": sum(repeat), "count_new": sum(new), "count_orders": 2 * (a + b),
                 "paid_fen": 10_000 * (a + b), "refund_fen": refund * (a + b),
                 "shop_paid_fen": 10_000 * (a + b) + 2 * shop_paid_extra,
                 "shop_refund_fen": refund * (a + b)})
    return pd.DataFrame(rows)


def _R(cur, prev, **kw):
    from ecomlib import periods
    P = periods.resolve("last_month", "2025-12-01")
    w = (T("2025-10-01"), T("2025-10-31"))
    R = {"lang": "zh", "period": P, "kpi": {"current": cur, "previous": prev, "year_ago": prev},
         "previous": w, "year_ago": w, "new_ok": {"current": True, "previous": True, "year_ago": True},
         "young": False, "clv": {"current": None, "previous": None, "year_ago": None},
         "horizon_months": 12, "scored": pd.DataFrame(), "names": {"s1": "甲店", "j1": "乙店"},
         "value_by_tier": None, "value_by_tier_previous": None, "tier_moves": None,
         "at_previous": {"day": T("2025-10-31")}, "winback": None, "max_p_alive": 0.3,
         "cohort_drop": None, "split": None, "fresh_warning": None,
         "data_end": T("2025-11-30"), "incomplete": False, "covered_days": 30}
    R.update(kw)
    return R


def test_cards_read_the_windows_and_hold_back_what_would_mislead():
    R = _R(_kpi(100, 50, shop_paid_extra=5_000), _kpi(60, 40))
    c = {x.metric: x for x in rep.cards(R)}
    assert list(c) == ["count_members", "count_new", "repurchase_rate", "net_sales_per_member_fen",
                       "member_net_share_rate"]  # no CLV card without a fitted model
    assert (c["count_members"].value, c["count_members"].previous) == (150, 100)
    assert c["count_members"].note == "老会员 130 位"
    assert c["repurchase_rate"].value == pytest.approx(40 / 150)
    assert c["net_sales_per_member_fen"].value == 10_000
    assert c["member_net_share_rate"].value == pytest.approx(1_500_000 / 1_510_000)
    assert c["count_new"].previous == 20
    # no year of history before the comparison window: new members are not compared
    c = {x.metric: x for x in rep.cards(_R(_kpi(100, 50), _kpi(60, 40),
                                           new_ok={"current": True, "previous": False, "year_ago": False}))}
    assert c["count_new"].previous is None and c["count_new"].year_ago is None
    assert "不比较" in c["count_new"].note and c["count_members"].previous == 100
    # refunds still coming in: net sales per member is shown, not compared
    c = {x.metric: x for x in rep.cards(_R(_kpi(100, 50), _kpi(60, 40), young=True))}
    assert c["net_sales_per_member_fen"].previous is None and "退款仍在发生" in c["net_sales_per_member_fen"].note
    # the CLV card when the model was fitted: the total at each window's end
    c = rep.cards(_R(_kpi(100, 50), _kpi(60, 40), scored=pd.DataFrame({"x": [1, 2]}),
                     clv={"current": 5e6, "previous": 4e6, "year_ago": None}))[-1]
    assert (c.metric, c.value, c.previous, c.year_ago) == ("sum_clv_fen", 5e6, 4e6, None)
    assert "未来 12 个月 · 2 位会员" == c.note


def test_largest_changes_name_the_shop_that_moved():
    from ecomlib import summary as S
    # members 100 -> 150: jd's shop went 40 -> 90 (+50), tmall's stayed at 60
    ch = rep.largest_changes(_R(_kpi(60, 90), _kpi(60, 40)))
    members = next(c for c in ch if not isinstance(c, str) and c.metric == "count_members")
    assert members.driver == "京东·乙店" and members.driver_delta == 50
    assert "付款会员数 150，环比 +50.0%，主要来自 京东·乙店（+50）" == S.change_sentence(members)
    # the opposite: tmall's shop carried it
    # (40 % of members repeat in both windows: 60 of 150, 40 of 100)
    ch = rep.largest_changes(_R(_kpi(110, 40, repeat=(44, 16)), _kpi(60, 40, repeat=(24, 16))))
    members = next(c for c in ch if not isinstance(c, str) and c.metric == "count_members")
    assert members.driver == "天猫·甲店"
    # money carries its share; a repurchase rate moving less than half a point is left out
    net = next(c for c in ch if not isinstance(c, str) and c.metric == "member_net_sales_fen")
    assert net.driver_share == pytest.approx(1.0)
    assert not any(not isinstance(c, str) and c.metric == "repurchase_rate" for c in ch)
    # nothing to compare with: no changes
    assert rep.largest_changes(_R(_kpi(60, 90), None, previous=None)) == []


def test_a_valuable_tier_moving_is_a_change_and_an_ordinary_one_is_not():
    tm = pd.DataFrame({"tier": ["general_retain", "important_keep"], "count_members": [500, 40],
                       "previous_count_members": [100, 5], "members_share_rate": [0.5, 0.04],
                       "previous_members_share_rate": [0.2, 0.01], "share_change": [0.3, 0.03]})
    ch = rep.largest_changes(_R(_kpi(60, 40), _kpi(60, 40), tier_moves=tm))
    assert ch[-1] == "RFM 分层：重要保持客户占会员 4.0%（40 位），比上期末（2025-10-31）+3.0 个百分点"
    small = tm.assign(share_change=[0.3, 0.01])
    assert not any(isinstance(c, str) for c in rep.largest_changes(_R(_kpi(60, 40), _kpi(60, 40), tier_moves=small)))


def _split(cross_paid):
    return mm.cross_platform_split(pd.DataFrame({
        "platforms": ["jd", "tmall", "jd+tmall"], "count_platforms": [1, 1, 2],
        "count_members": [3, 5, 2], "count_orders": [3, 6, 4], "paid_fen": [3000, 5000, cross_paid]}))


def test_actions_follow_the_lists():
    wb = pd.DataFrame({"last_platform": ["tmall", "tmall", "jd"], "last_shop_id": ["s1", "s1", "j1"],
                       "net_sales_fen": [500_000, 300_000, 200_000],
                       "winback_action": ["winback_vip", "winback_coupon", "winback_aftersales"]})
    drop = {"cohort_month": T("2025-09-01"), "cohort_size": 120, "count_members": 12,
            "retention_rate": 0.10, "baseline_rate": 0.16}
    acts = rep.actions(_R(_kpi(60, 40), _kpi(60, 40), winback=wb, cohort_drop=drop, split=_split(5000)))
    assert [a.link for a in acts] == ["#win-back", "#cohorts", "#platforms"]
    assert acts[0].count == 3 and acts[0].severity == "high"
    assert acts[0].text.startswith("召回 3 位快流失的高价值会员：过去共消费 ¥1.00万")
    assert "天猫·甲店 2 位、京东·乙店 1 位" in acts[0].text and "1 位建议客服一对一回访" in acts[0].text
    assert "2025-09 首购的 120 位会员次月只回来 10.0%" in acts[1].text and "低 6.0 个百分点" in acts[1].text
    assert "跨平台会员 2 位，人均实付 ¥25.00，是单平台会员（¥10.00）的 2.5 倍" in acts[2].text
    # the opposite: nobody to win back, no drop, cross-platform members pay less -> nothing
    empty = wb.iloc[0:0]
    assert rep.actions(_R(_kpi(60, 40), _kpi(60, 40), winback=empty, split=_split(1000))) == []
    # stale data first
    acts = rep.actions(_R(_kpi(60, 40), _kpi(60, 40), fresh_warning="数据不是最新：乙店"))
    assert acts[0].link == "#freshness" and acts[0].severity == "high"


def test_health_says_how_the_comparisons_are_made():
    h = rep.health(_R(_kpi(60, 40), _kpi(60, 40)))
    assert h.startswith("订单数据截至 2025-11-30") and "上期即去年同期" in h
    h = rep.health(_R(_kpi(60, 40), _kpi(60, 40), incomplete=True, covered_days=20,
                      year_ago=(T("2024-11-01"), T("2024-11-20"))))
    assert "本期只有 20/30 天数据：环比、同比按相同天数比较" in h and "上期即去年同期" not in h
    assert "没有上期数据可比" in rep.health(_R(_kpi(60, 40), None, previous=None, year_ago=None))


def test_the_win_back_view_shows_no_key_and_the_seller_s_words():
    wb = mm.winback_list(pd.DataFrame({
        "member_key": ["k1"], "net_sales_fen": [37_900], "count_orders": [1], "paid_fen": [37_900],
        "refund_fen": [0], "p_alive_rate": [0.05], "clv_fen": [1000.0], "days_since_last": [120],
        "usual_gap_days": [14.4], "tier": ["important_keep"], "last_platform": ["jd"],
        "last_shop_id": ["j1"], "last_order_id": ["280000599721"], "last_order_date": [T("2025-09-17")],
        "count_shops": [1]}), vip_min_net_sales_fen=1e9)
    R = _R(None, None)
    page = rep.view(wb, rep.WINBACK_COLS, R)
    assert "member_key" not in page.columns
    assert page.iloc[0].tolist()[:4] == ["京东", "乙店", "280000599721", T("2025-09-17")]
    assert page["winback_action"].iloc[0] == "定向发券召回（满370减35）" and page["usual_gap_days"].iloc[0] == 14
    sheet = rep.view(wb, rep.WINBACK_EXCEL_COLS, R, coupon_in_action=False)
    assert sheet["winback_action"].iloc[0] == "定向发券召回" and sheet["suggested_coupon"].iloc[0] == "满370减35"
    assert sheet["tier"].iloc[0] == "重要保持客户" and sheet["follow_up"].isna().all()
    assert rep.view(wb, rep.WINBACK_COLS, R, "en")["winback_action"].iloc[0] == "Targeted coupon (¥35 off ¥370)"


def test_a_selection_of_one_shop_names_no_driver():
    one = lambda n: _kpi(n, 0).query("shop_id != 'j1' and platform != 'jd'")  # noqa: E731
    ch = rep.largest_changes(_R(one(150), one(100)))
    members = next(c for c in ch if not isinstance(c, str) and c.metric == "count_members")
    assert members.driver == "" and members.delta == 50


def test_young_days_count_from_the_report_day_not_the_period_length():
    """Hand-worked: orders younger than 30 days on as_of are still being refunded. November
    read on 2025-12-16 has 14 such days (Nov 17..30: 2025-12-16 - Nov 17 = 29 days); read
    on 2025-12-31 (last month as of that day) none, so its net sales are compared; December
    read on 2026-01-01 has 29 of 31 (Dec 3..31)."""
    assert rep.young_days("2025-11-01", "2025-11-30", "2025-12-16") == 14
    assert rep.young_days("2025-11-01", "2025-11-30", "2025-12-31") == 0
    assert rep.young_days("2025-12-01", "2025-12-31", "2026-01-01") == 29
    assert rep.young_days("2025-01-01", "2025-12-31", "2026-01-01") == 29
    assert rep.young_days("2025-12-02", "2025-12-01", "2026-01-01") == 0
