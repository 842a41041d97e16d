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
    assert "最高的是 天猫 · a，占 75.0%；最低的是 京东 · b" in _text(rep.shop_sentence(_summary(300, 100)))
    assert "最高的是 京东 · b，占 75.0%；最低的是 天猫 · a" in _text(rep.shop_sentence(_summary(100, 300)))
    assert "JD · b brings the largest paid amount (75.0%), Tmall · a the smallest" in \
        _text(rep.shop_sentence(_summary(100, 300), "en"))
    assert "没有实付金额" in _text(rep.shop_sentence(_summary(0, 0).iloc[0:0]))


def _weekly(paid_first, paid_last, buyers_first, buyers_last):
    weeks = pd.date_range("2025-01-06", periods=16, freq="7D")
    return pd.DataFrame({"week_start": weeks, "shop_id": "a",
                         "paid_fen": [paid_first] * 8 + [paid_last] * 8,
                         "count_buyers": [buyers_first] * 8 + [buyers_last] * 8})


def test_weekly_sentence_says_up_or_down_and_explains_only_what_happened():
    up_cheaper = _text(rep.weekly_sentence(_weekly(1000, 1500, 10, 20)))
    assert "实付金额上升 50.0%，客单价下降 25.0%" in up_cheaper and "折扣在拉动" in up_cheaper
    both_up = _text(rep.weekly_sentence(_weekly(1000, 1500, 10, 10)))
    assert "实付金额上升 50.0%，客单价上升 50.0%" in both_up and "折扣" not in both_up
    down = _text(rep.weekly_sentence(_weekly(1500, 1000, 10, 10)))
    assert "实付金额下降 33.3%" in down and "折扣" not in down and "增长" not in down
    assert "The last 8 weeks against the first 8: paid up 50.0%, AOV down 25.0%" in \
        _text(rep.weekly_sentence(_weekly(1000, 1500, 10, 20), lang="en"))


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
