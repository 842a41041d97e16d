"""The channels report's sentences (ecomlib.metrics.channels_report) follow the numbers:
each claim is checked on data that says one thing and on data that says the opposite."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import channels as ch, channels_report as rep

T = pd.Timestamp


def _text(sentence) -> str:
    return sentence.data


def _summary(paid_a, paid_b):
    p = pd.DataFrame({"platform": ["tmall", "jd"], "shop_id": ["a", "b"],
                      "paid_fen": [paid_a, paid_b], "refund_fen": [0, 0], "cogs_fen": [0, 0],
                      "count_buyers": [1, 1], "count_paid_orders": [1, 1]})
    return ch.shop_summary(p)


def test_largest_shop_follows_the_numbers():
    assert "最高的是 a（天猫），占 75.0%；最低的是 b（京东）" in _text(rep.shop_sentence(_summary(300, 100)))
    assert "最高的是 b（京东），占 75.0%；最低的是 a（天猫）" in _text(rep.shop_sentence(_summary(100, 300)))
    assert "b (JD) brings the largest paid amount (75.0%), a (Tmall) the smallest" in \
        _text(rep.shop_sentence(_summary(100, 300), "en"))
    assert "没有实付金额" in _text(rep.shop_sentence(_summary(0, 0).iloc[0:0]))
    # shops by name where the rows have one
    named = _summary(300, 100).assign(shop_name=["山野生活官方旗舰店", "山野生活京东旗舰店"])
    assert "最高的是 山野生活官方旗舰店（天猫）" in _text(rep.shop_sentence(named))


def _weekly(paid_before, paid_last, buyers_before, buyers_last, partial=None):
    """Five whole weeks (four before, the last one), and optionally a partial sixth."""
    weeks = pd.date_range("2025-01-06", periods=5, freq="7D")
    w = pd.DataFrame({"week_start": weeks, "shop_id": "a",
                      "paid_fen": [paid_before] * 4 + [paid_last],
                      "count_buyers": [buyers_before] * 4 + [buyers_last],
                      "count_days": 7, "is_complete": True})
    if partial is not None:
        w = pd.concat([w, pd.DataFrame({"week_start": [T("2025-02-10")], "shop_id": ["a"],
                                        "paid_fen": [partial], "count_buyers": [1],
                                        "count_days": [3], "is_complete": [False]})],
                      ignore_index=True)
    return w


def test_weekly_sentence_says_up_or_down_and_explains_only_what_happened():
    up_cheaper = _text(rep.weekly_sentence(_weekly(1000, 1500, 10, 20)))
    assert "实付金额上升 50.0%，客单价下降 25.0%" in up_cheaper and "折扣在拉动" in up_cheaper
    both_up = _text(rep.weekly_sentence(_weekly(1000, 1500, 10, 10)))
    assert "实付金额上升 50.0%，客单价上升 50.0%" in both_up and "折扣" not in both_up
    down = _text(rep.weekly_sentence(_weekly(1500, 1000, 10, 10)))
    assert "实付金额下降 33.3%" in down and "折扣" not in down and "增长" not in down
    assert "paid up 50.0%, AOV down 25.0%" in \
        _text(rep.weekly_sentence(_weekly(1000, 1500, 10, 20), lang="en"))


def test_weekly_sentence_never_compares_an_incomplete_week():
    """A 3-day last week (cut by the data) is named and left out of the comparison: the
    whole weeks say "flat" though the partial week holds a third of a week's sales."""
    t = _text(rep.weekly_sentence(_weekly(1000, 1000, 10, 10, partial=400)))
    assert "最近一个整周（02-03 起）" in t and "实付金额持平 0.0%" in t
    assert "02-10 起的一周只有 3 天数据" in t and "不与整周比较" in t
    fig = rep.plot_weekly(_weekly(1000, 1000, 10, 10, partial=400))
    ax = fig.axes[0]
    # the whole weeks are one solid line; the partial week a hollow point on a dotted link
    solid = [ln for ln in ax.lines if ln.get_linestyle() == "-"]
    assert len(solid) == 1 and len(solid[0].get_xdata()) == 5
    hollow = [ln for ln in ax.lines if ln.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and list(hollow[0].get_ydata()) == [4.0]
    assert any("3/7" in t.get_text() for t in ax.texts)


def _funnel(big_conv):
    return pd.DataFrame({"platform": ["tmall", "tmall"], "source": ["推荐", "搜索"],
                         "visitors": [1000, 100], "buyers": [int(1000 * big_conv), 5],
                         "source_conversion_rate": [big_conv, 0.05]})


def test_funnel_sentence_compares_the_biggest_source_with_all_sources():
    low = _text(rep.funnel_sentence(_funnel(0.01)))  # 10 of 1000 against 15 of 1100
    assert "天猫「搜索」转化最高（5.0%）" in low
    assert "访客最多的是天猫「推荐」" in low and "低于全部来源的 1.4%" in low and "种草" in low
    high = _text(rep.funnel_sentence(_funnel(0.08)))  # 80 of 1000 against 85 of 1100
    assert "天猫「推荐」转化最高（8.0%）" in high
    assert "不低于全部来源的 7.7%" in high and "种草" not in high


def test_ads_sentence_names_the_channels_that_lose_money():
    def by(roi):
        return pd.DataFrame({"shop_id": ["a", "b"], "channel": ["直通车", "引力魔方"], "roi": roi})
    assert "ROI 小于 0 的渠道" in _text(rep.ads_sentence(by([0.5, -0.2]))) and \
        "b · 引力魔方" in _text(rep.ads_sentence(by([0.5, -0.2])))
    assert "a · 直通车" not in _text(rep.ads_sentence(by([0.5, -0.2])))
    assert "所有渠道的 ROI 都不小于 0" in _text(rep.ads_sentence(by([0.5, 0.2])))
    assert "无法计算 ROI" in _text(rep.ads_sentence(by([np.nan, np.nan])))


def test_roas_phase_sentence_says_higher_or_lower():
    def ph(c, n):
        return pd.DataFrame({"phase": ["campaign", "normal"], "roas": [c, n]})
    assert "ROAS 为 4.00，高于平日的 3.00" in _text(rep.roas_phase_sentence(ph(4.0, 3.0)))
    assert "ROAS 为 2.00，低于平日的 3.00" in _text(rep.roas_phase_sentence(ph(2.0, 3.0)))
    assert "lower than 3.00" in _text(rep.roas_phase_sentence(ph(2.0, 3.0), "en"))


def test_response_sentence_counts_diminishing_returns():
    f = pd.DataFrame({"shop_id": ["a", "b"], "channel": ["x", "y"], "exponent": [0.5, 1.2],
                      "marginal_roas_at_median": [0.8, 3.0]})
    t = _text(rep.response_sentence(f))
    assert "2 个渠道中 1 个收益递减" in t and "最低的是 a · x（0.80）" in t
    t2 = _text(rep.response_sentence(f.assign(exponent=[1.1, 0.4], marginal_roas_at_median=[2.0, 0.3])))
    assert "2 个渠道中 1 个收益递减" in t2 and "最低的是 b · y（0.30）" in t2


def test_discount_sentence_follows_the_campaign_share():
    more = _text(rep.discount_sentence({"deep_days": 10, "deep_campaign_rate": 0.8, "other_days": 90,
                                        "other_campaign_rate": 0.1}))
    assert "80.0% 落在大促期间，其余店铺·天只有 10.0%" in more and "不全是折扣的功劳" in more
    less = _text(rep.discount_sentence({"deep_days": 10, "deep_campaign_rate": 0.1, "other_days": 90,
                                        "other_campaign_rate": 0.3}))
    assert "并不集中在大促日" in less and "功劳" not in less


def _el(qualify=True):
    return pd.DataFrame({"sku": ["A", "B"], "qualifies": [qualify, False],
                         "ci_low": [-3.0, np.nan], "ci_high": [1.0, np.nan]})


def test_elasticity_sentence_follows_the_sign_and_the_widths():
    pool = {"elasticity": -1.5, "ci_low": -2.0, "ci_high": -1.0, "count_skus": 1}
    t = _text(rep.elasticity_sentence(_el(), pool))
    assert "2 个 SKU 中 1 个满足条件" in t and "销量约减少 1.5%" in t
    assert "宽度中位数为 4.00，是合并区间的 4.0 倍" in t
    t2 = _text(rep.elasticity_sentence(_el(), {**pool, "elasticity": 0.7}))
    assert "销量约增加 0.7%" in t2
    assert "没有 SKU 满足估计条件" in _text(rep.elasticity_sentence(_el(False), {"count_skus": 0}))


def _uplift(low_a, low_b, post_a, post_b):
    return pd.DataFrame({"campaign_name": ["2025 618", "2025 双11"], "net_uplift_low_fen": [low_a, low_b],
                         "post_dip_fen": [post_a, post_b], "why": ["", ""]})


def test_uplift_sentence_says_which_campaigns_surely_added_sales():
    t = _text(rep.uplift_sentence(_uplift(100.0, -50.0, -2_000_000.0, -10.0)))
    assert "确实带来了增量的：2025 618。" in t and "不能确定带来增量的（区间下限不大于 0）：2025 双11。" in t
    assert "活动后透支最深的是 2025 618" in t
    t2 = _text(rep.uplift_sentence(_uplift(-1.0, 5.0, 0.0, 10.0)))
    assert "确实带来了增量的：2025 双11。" in t2 and "：2025 618。" in t2
    assert "没有活动在结束后出现透支" in t2
    assert "Surely added sales (lower bound above 0): 2025 Double 11." in \
        _text(rep.uplift_sentence(_uplift(-1.0, 5.0, 0.0, 10.0), "en"))


def test_streamer_sentence_names_the_worst():
    per = pd.DataFrame({"streamer": ["A", "B", "own"], "is_own_stream": [False, False, True],
                        "refund_rate": [0.2, 0.05, 0.5], "commission_roi": [3.0, 1.0, np.nan]})
    t = _text(rep.streamer_sentence(per))
    assert "退款率最高的达人是 A（20.0%），佣金ROI 最低的是 B（1.00）" in t  # own stream left out
    t2 = _text(rep.streamer_sentence(per.assign(refund_rate=[0.01, 0.3, 0.5], commission_roi=[0.5, 2.0, np.nan])))
    assert "退款率最高的达人是 B（30.0%），佣金ROI 最低的是 A（0.50）" in t2


def test_alerts_sentence_names_no_internal_table():
    t = _text(rep.alerts_sentence(pd.DataFrame({"message": ["x"]}), pd.DataFrame({"basis": ["normal"]}),
                                  "2025-12-25", "2025-12-31"))
    assert "平台大促日历" in t and "dim_calendar" not in t
    assert "dim_calendar" not in _text(rep.roas_phase_sentence(
        pd.DataFrame({"phase": ["campaign", "normal"], "roas": [4.0, 3.0]})))


def test_alerts_sentence():
    checked = pd.DataFrame({"basis": ["normal"]})
    assert "都在预期范围内" in _text(rep.alerts_sentence(pd.DataFrame(), checked, "2025-12-25", "2025-12-31"))
    t = _text(rep.alerts_sentence(pd.DataFrame({"message": ["x", "y"]}), checked, "2025-12-25", "2025-12-31"))
    assert "最近 7 天（2025-12-25 至 2025-12-31）共 2 条告警" in t
    assert "没有可检查的日数据" in _text(rep.alerts_sentence(pd.DataFrame(), pd.DataFrame(), "2025-12-25", "2025-12-31"))


def test_pct_pair_and_campaign_labels():
    assert rep.pct_pair(0.0546, 0.0554) == ("5.46%", "5.54%")
    assert rep.pct_pair(0.05, 0.06) == ("5.0%", "6.0%")
    assert rep.campaign_label("2025 双11", "en") == "2025 Double 11"
    assert rep.campaign_label("2025 38", "zh") == "2025 38节"
    assert rep.campaign_label("店庆", "en") == "店庆"
    camps = [ch.Campaign("2025 618", T("2025-06-01"), T("2025-06-18")),
             ch.Campaign("2025 双12", T("2025-12-08"), T("2025-12-12"))]
    assert rep.campaign_events(camps) == [(T("2025-06-18"), "2025 618")]  # 5-day 双12 unmarked
    assert math.isclose(rep.BIG_CAMPAIGN_DAYS, 10)


def test_labels_are_in_the_one_table_once_and_as_the_catalogue_says():
    """The channels/overview/apps labels live in ecomlib.i18n.LABELS (no add_labels), no key
    is written twice in that table, and a catalogue metric reads as the catalogue says."""
    import ast

    from ecomlib import i18n
    from ecomlib.metrics import catalogue
    src = (Path(i18n.__file__)).read_text(encoding="utf-8")
    tree = ast.parse(src)
    table = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign)
                 and getattr(n.target, "id", "") == "LABELS")
    keys = [k.value for k in table.keys]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []
    start = src.index("# -- channels, overview and the apps")
    mine = [k for k, node in zip(keys, table.keys) if node.lineno > src[:start].count("\n")]
    assert {"buyer_days", "aov_fen", "order_value_fen", "conversion_rate", "roi",
            "commission_roi", "streamer_commission_fen", "metric"} <= set(mine)
    for k in mine:
        if k in catalogue.METRICS:
            assert i18n.label(k, "zh") == catalogue.label(k, "zh"), k
            assert i18n.label(k, "en") == catalogue.label(k, "en"), k
    for mod in ("channels", "channels_queries", "channels_report", "overview", "overview_queries",
                "overview_report", "dashboard", "dashboard_queries"):
        text = (Path(i18n.__file__).parent / "metrics" / f"{mod}.py").read_text(encoding="utf-8")
        assert "add_labels" not in text, mod


# -- the summary: cards, changes, actions ---------------------------------------------------
def _days(paid, buyers, visitors, refund=(0, 0), shops=("a", "b"), platforms=("tmall", "jd")):
    return pd.DataFrame({"sales_date": T("2025-12-22"), "platform": list(platforms),
                         "shop_id": list(shops), "paid_fen": list(paid), "refund_fen": list(refund),
                         "count_buyers": list(buyers), "count_paid_orders": list(buyers),
                         "visitors": list(visitors)})


def _ads(spend, attributed):
    return pd.DataFrame({"shop_id": ["a", "b"], "channel": ["直通车", "京东快车"],
                         "spend_fen": list(spend), "attributed_paid_fen": list(attributed)})


def test_cards_are_the_catalogue_metrics_of_the_rows():
    cur, prev = _days([6000, 4000], [3, 2], [100, 100], refund=(600, 0)), _days([4000, 4000], [2, 2], [100, 100])
    cards = {c.metric: c for c in rep.cards(cur, prev, None, _ads([100, 100], [500, 300]),
                                            _ads([100, 100], [200, 200]), None, target=12000.0)}
    assert list(cards) == ["paid_fen", "visitors", "conversion_rate", "aov_fen", "spend_fen", "roas",
                           "refund_rate"]
    assert cards["paid_fen"].value == 10000 and cards["paid_fen"].previous == 8000
    assert cards["paid_fen"].year_ago is None and cards["paid_fen"].target == 12000.0
    assert cards["conversion_rate"].value == pytest.approx(5 / 200)
    assert cards["aov_fen"].value == pytest.approx(2000) and "笔单价 ¥20.00" in cards["aov_fen"].note
    assert cards["roas"].value == pytest.approx(4.0) and cards["roas"].previous == pytest.approx(2.0)
    assert cards["refund_rate"].value == pytest.approx(0.06)
    # no traffic and no ads: those cards are left out rather than shown as 0
    bare = rep.cards(cur.assign(visitors=0), None, None, _ads([0, 0], [0, 0]).iloc[0:0], None, None)
    assert [c.metric for c in bare] == ["paid_fen", "aov_fen", "refund_rate"]


def test_largest_changes_name_their_drivers_by_shop_source_and_channel():
    cur, prev = _days([9000, 4000], [3, 2], [100, 100]), _days([4000, 4000], [2, 2], [100, 100])
    tr = pd.DataFrame({"platform": ["tmall", "jd"], "source": ["搜索", "推荐"], "visitors": [300, 100]})
    tr_prev = tr.assign(visitors=[100, 100])
    ch_ = rep.largest_changes(cur, prev, tr, tr_prev, _ads([100, 400], [300, 300]),
                              _ads([100, 100], [300, 300]), {"a": "山野生活官方旗舰店"})
    by = {c.metric: c for c in ch_}
    assert by["paid_fen"].driver == "山野生活官方旗舰店" and by["paid_fen"].delta == 5000
    assert by["visitors"].driver == "天猫「搜索」"
    assert by["spend_fen"].driver == "b · 京东快车" and by["roas"].driver == "b · 京东快车"
    assert len(ch_) <= 5
    # sorted by the relative move: visitors +100 % before paid +62.5 %
    assert [c.metric for c in ch_].index("visitors") < [c.metric for c in ch_].index("paid_fen")
    # a falling refund rate is not a "change" (recent refunds are still to come); a rising one is
    fall = rep.largest_changes(_days([100, 100], [1, 1], [1, 1], refund=(0, 0)),
                               _days([100, 100], [1, 1], [1, 1], refund=(50, 0)),
                               tr.iloc[0:0], tr.iloc[0:0], _ads([1, 1], [1, 1]).iloc[0:0],
                               _ads([1, 1], [1, 1]).iloc[0:0], {})
    assert "refund_rate" not in [c.metric for c in fall]


def _alert_rows(n):
    return pd.DataFrame({"metric": ["count_paid_orders"] * n, "platform": "jd", "shop_id": "j",
                         "shop_name": "山野生活京东旗舰店",
                         "date": pd.date_range("2025-12-22", periods=n), "value": 2.0,
                         "expected": 12.0, "lower": 2.19, "upper": 34.5, "deviation_rate": -5 / 6,
                         "basis": "normal", "count_reference": 56, "phase": "normal",
                         "message": "x"})


def test_actions_follow_the_numbers_and_link_to_sections():
    R = {"names": {"a": "山野生活官方旗舰店", "d": "山野生活抖音旗舰店"},
         "alerts": _alert_rows(6),
         "losing_plans": pd.DataFrame({"shop_id": ["a"], "channel": ["直通车"], "campaign": ["日常推广"],
                                       "roi": [-0.25], "spend_fen": [40000.0], "ad_loss_fen": [10000.0]}),
         "losing_streamers": pd.DataFrame({"shop_id": ["d"], "streamer": ["朵朵"],
                                           "commission_roi": [-0.5], "streamer_commission_fen": [20000]}),
         "below_sources": pd.DataFrame({"platform": ["jd"], "source": ["推荐"],
                                        "source_conversion_rate": [0.016], "platform_conversion_rate": [0.029],
                                        "missing_buyers": [21.9]}),
         "fresh_warning": "数据不是最新：山野生活京东旗舰店（订单只到 2025-12-26，落后 2 天）。"}
    acts = rep.actions(R)
    links = [a.link for a in acts]
    assert links == ["#freshness"] + ["#alerts"] * 5 + ["#ad-plans", "#streamers", "#sources-below"]
    assert acts[1].text == "核查异常：12-22 山野生活京东旗舰店：支付订单数 2，低于正常范围 2.2–34.5"
    assert acts[5].text == "另有 2 条异常告警（2 个店铺·天）" and acts[5].count == 2
    assert "山野生活官方旗舰店 · 直通车「日常推广」ROI -0.25" in acts[6].text and "¥100" in acts[6].text
    assert "达人 朵朵（山野生活抖音旗舰店）佣金ROI -0.50" in acts[7].text
    assert "京东「推荐」1.6%（平台 2.9%）" in acts[8].text and "约 22 位" in acts[8].text
    assert [a.severity for a in acts][:2] == ["high", "high"] and acts[-1].severity == "low"
    # two alerts of one shop-day are one line; a fourth losing plan is counted, not listed
    two = pd.concat([_alert_rows(1), _alert_rows(1).assign(metric="paid_fen", value=0.0,
                                                         lower=400.0, upper=250000.0)])
    four = pd.concat([R["losing_plans"]] * 4, ignore_index=True)
    acts2 = rep.actions({**R, "alerts": two, "losing_plans": four, "fresh_warning": None})
    assert acts2[0].text == ("核查异常：12-22 山野生活京东旗舰店：支付订单数 2，低于正常范围 2.2–34.5；"
                             "实付金额 ¥0，低于正常范围 ¥4–¥2,500") and acts2[0].count == 2
    assert [a.link for a in acts2].count("#ad-plans") == 4 and acts2[4].text == "另有 1 个推广计划 ROI < 0"
    # nothing to do: no action at all (the summary then says so)
    empty = {"names": {}, "alerts": pd.DataFrame(), "losing_plans": pd.DataFrame(),
             "losing_streamers": pd.DataFrame(), "below_sources": pd.DataFrame(), "fresh_warning": None}
    assert rep.actions(empty) == []
    en = rep.actions({**R, "fresh_warning": None}, "en")
    assert en[0].text.startswith("Check: 12-22 山野生活京东旗舰店: Paid orders 2, below the normal range 2.2–34.5")


def test_period_target_is_the_monthly_target_pro_rata(tmp_path):
    f = tmp_path / "targets.yaml"
    f.write_text("metric: paid_fen\ntargets:\n"
                 "  - {level: shop, id: a, from: '2025-12', monthly_yuan: [3100, 6000]}\n"
                 "  - {level: team, id: t, from: '2025-12', monthly_yuan: [1]}\n", encoding="utf-8")
    # 2025-12-29 .. 2026-01-04: 3 December days at 3100/31 and 4 January days at 6000/31
    got = rep.period_target(f, ["a"], "2025-12-29", "2026-01-04")
    assert got == pytest.approx((3 * 100 + 4 * 6000 / 31) * 100)
    assert rep.period_target(f, ["a", "b"], "2025-12-29", "2026-01-04") is None  # b has none
    assert rep.period_target(f, ["a"], "2026-01-30", "2026-02-02") is None       # no February
    f.write_text("metric: net_sales_fen\ntargets: []\n", encoding="utf-8")
    assert rep.period_target(f, ["a"], "2025-12-29", "2025-12-31") is None


def test_views_speak_the_sellers_words():
    R = {"names": {"tmall_flagship": "山野生活官方旗舰店"}, "products": {"SY-1": "山野生活龙井 50g"}}
    df = pd.DataFrame({"platform": ["tmall"], "shop_id": ["tmall_flagship"], "sku": ["SY-1"],
                       "is_own_stream": [True], "campaign_name": ["2025 双11"],
                       "why": ["only 12 days (< 60); only 5 units (< 100)"]})
    v = rep.view(df, None, R)
    assert v.iloc[0].tolist() == ["天猫", "山野生活官方旗舰店", "SY-1", "山野生活龙井 50g", "是", "2025 双11",
                                  "只有 12 天（少于 60 天）；只有 5 件（少于 100 件）"]
    assert rep.view(df.assign(is_own_stream=False), None, R, "en")["is_own_stream"].iloc[0] == "no"
    assert rep.why_text("campaign window not fully inside the data").startswith("活动窗口不完全在数据内")
