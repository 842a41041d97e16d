"""Channels metrics against numbers worked out by hand (tests/data/channels/README.md)."""
import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import channels as ch


def test_funnel_by_hand():
    t = pd.DataFrame({"platform": ["tmall"] * 3, "source": ["搜索", "搜索", "推荐"],
                      "visitors": [100, 300, 1000], "add_to_cart": [10, 30, 50],
                      "buyers": [4, 8, 10]})
    f = ch.traffic_funnel(t).set_index("source")
    # 搜索: 400 visitors, 40 carts, 12 buyers
    assert f.loc["搜索", "visitors"] == 400 and f.loc["搜索", "buyers"] == 12
    assert f.loc["搜索", "cart_rate"] == pytest.approx(0.10)
    assert f.loc["搜索", "cart_to_buy_rate"] == pytest.approx(0.30)
    assert f.loc["搜索", "conversion_rate"] == pytest.approx(0.03)
    assert f.loc["推荐", "conversion_rate"] == pytest.approx(0.01)


def test_shop_summary_aov_refund_share_by_hand():
    p = pd.DataFrame({"platform": ["tmall", "jd"], "shop_id": ["a", "b"],
                      "paid_fen": [30000, 10000], "refund_fen": [3000, 0], "cogs_fen": [12000, 4000],
                      "count_buyers": [3, 4], "count_paid_orders": [5, 4],
                      "discount_fen": [5000, 0], "list_fen": [35000, 10000]})
    s = ch.shop_summary(p).set_index("shop_id")
    assert s.loc["a", "aov_fen"] == 10000          # 30000 / 3 buyers
    assert s.loc["b", "aov_fen"] == 2500           # 10000 / 4
    assert s.loc["a", "refund_rate"] == pytest.approx(0.10)
    assert s.loc["a", "gross_profit_fen"] == 15000  # 30000 - 3000 - 12000
    assert s.loc["a", "share_rate"] == pytest.approx(0.75)
    assert s.loc["a", "discount_rate"] == pytest.approx(5000 / 35000)


def test_roas_roi_by_hand():
    a = pd.DataFrame({"platform": ["tmall"] * 3, "shop_id": ["a"] * 3, "channel": ["直通车", "直通车", "引力魔方"],
                      "campaign": ["x", "y", "x"], "spend_fen": [1000, 1000, 500],
                      "attributed_paid_fen": [3000, 5000, 500], "clicks": [10, 10, 5],
                      "impressions": [1000, 1000, 500]})
    r = ch.ad_performance(a, ("channel",), margin=0.5).set_index("channel")
    assert r.loc["直通车", "roas"] == pytest.approx(4.0)          # 8000 / 2000
    assert r.loc["直通车", "roi"] == pytest.approx(1.0)           # (4000 - 2000) / 2000
    assert r.loc["引力魔方", "roas"] == pytest.approx(1.0)
    assert r.loc["引力魔方", "roi"] == pytest.approx(-0.5)        # (250 - 500) / 500
    assert r.loc["直通车", "cpc_fen"] == pytest.approx(100.0)
    m = pd.DataFrame({"platform": ["tmall"], "shop_id": ["a"], "gross_profit_rate": [0.25]})
    r2 = ch.ad_performance(a, ("campaign",), margin=m).set_index("campaign")
    assert r2.loc["x", "roi"] == pytest.approx((3500 * 0.25 - 1500) / 1500)
    assert np.isnan(ch.ad_performance(a, ("channel",))["roi"]).all()


def test_marginal_roas_binned_and_fitted():
    # 10 days: spend 100..1000, attributed = 10 * spend^0.5 * 100^0.5 -> exponent 0.5
    s = np.arange(1, 11) * 100.0
    a = pd.DataFrame({"platform": "tmall", "shop_id": "a", "channel": "c",
                      "spend_date": pd.date_range("2025-01-01", periods=10),
                      "spend_fen": s, "attributed_paid_fen": 100 * np.sqrt(s)})
    b, f = ch.marginal_roas(a, bins=2)
    # bin 1: spend 100..500 mean 300, bin 2: 600..1000 mean 800
    assert list(b["spend_fen"]) == [300.0, 800.0]
    a1 = 100 * np.sqrt([100, 200, 300, 400, 500]).mean()
    a2 = 100 * np.sqrt([600, 700, 800, 900, 1000]).mean()
    assert b["marginal_roas"].iloc[1] == pytest.approx((a2 - a1) / 500)
    assert f["exponent"].iloc[0] == pytest.approx(0.5)
    # marginal at median spend 550: b * a * s^(b-1) = 0.5 * 100 / sqrt(550)
    assert f["marginal_roas_at_median"].iloc[0] == pytest.approx(0.5 * 100 / np.sqrt(550))


def test_price_elasticity_recovers_known_value_and_says_who_qualifies():
    days = pd.date_range("2025-01-01", periods=120)
    price = np.where(np.arange(120) < 60, 1000.0, 1100.0)
    units = np.round(50 * (price / 1000.0) ** -2.0 * 1000) / 1000  # exact -2, no noise
    units = 50 * (price / 1000.0) ** -2.0
    d = pd.DataFrame({"sales_date": days, "sku": "A", "units": units, "list_fen": price * units})
    flat = pd.DataFrame({"sales_date": days, "sku": "B", "units": 5.0, "list_fen": 5000.0})
    el = ch.price_elasticity(pd.concat([d, flat])).set_index("sku")
    assert el.loc["A", "qualifies"]
    assert el.loc["A", "elasticity"] == pytest.approx(-2.0, abs=1e-6)
    assert el.loc["A", "ci_low"] <= -2.0 <= el.loc["A", "ci_high"]
    assert not el.loc["B", "qualifies"] and "price" in el.loc["B", "why"]


def test_campaign_uplift_by_hand():
    # flat 100/day, a 3-day campaign at 200/day, 2 pre days at 80, 2 post days at 70
    days = pd.date_range("2025-01-01", periods=60)
    v = pd.Series(100.0, index=days)
    c = ch.Campaign("x", pd.Timestamp("2025-02-20"), pd.Timestamp("2025-02-22"), 2, 2)
    v[pd.Timestamp("2025-02-18"):pd.Timestamp("2025-02-19")] = 80
    v[c.start:c.end] = 200
    v[pd.Timestamp("2025-02-23"):pd.Timestamp("2025-02-24")] = 70
    u = ch.campaign_uplift(pd.DataFrame({"sales_date": days, "paid_fen": v.to_numpy()}), [c], n_boot=200)
    r = u.iloc[0]
    assert r["baseline_fen"] == pytest.approx(700)
    assert r["pre_dip_fen"] == pytest.approx(-40)
    assert r["campaign_uplift_fen"] == pytest.approx(300)
    assert r["post_dip_fen"] == pytest.approx(-60)
    assert r["net_uplift_fen"] == pytest.approx(200)
    assert r["net_uplift_low_fen"] == pytest.approx(200) and r["net_uplift_high_fen"] == pytest.approx(200)
    assert r["uplift_rate"] == pytest.approx(200 / 700)


def test_streamer_commission_split_and_roi():
    s = pd.DataFrame({"platform": "douyin", "shop_id": "d", "streamer": ["own", "A", "B"],
                      "sales_date": pd.Timestamp("2025-05-01"), "paid_fen": [10000, 6000, 4000],
                      "refund_fen": [0, 1000, 0], "cogs_fen": [3000, 2000, 1000],
                      "count_paid_orders": [5, 3, 2], "count_buyers": [5, 3, 2]})
    oc = pd.DataFrame({"cost_date": [pd.Timestamp("2025-05-01")], "platform": ["douyin"], "shop_id": ["d"],
                       "kind": ["streamer_commission"], "amount_fen": [1800]})
    r = ch.streamer_performance(s, oc, own_streams=["own"]).set_index("streamer")
    # 达人 net: A 5000, B 4000 -> commission 1800 split 1000 / 800
    assert r.loc["A", "commission_fen"] == 1000 and r.loc["B", "commission_fen"] == 800
    assert r.loc["own", "commission_fen"] == 0 and np.isnan(r.loc["own", "roi"])
    assert r.loc["A", "roi"] == pytest.approx((5000 - 2000 - 1000) / 1000)
    r2 = ch.streamer_performance(s, None, commission_rate=0.1, own_streams=["own"]).set_index("streamer")
    assert r2.loc["B", "commission_fen"] == 400


def test_parse_campaigns_errors_and_defaults():
    assert [c.name for c in ch.parse_campaigns(None, "2025-01-01", "2025-12-31")] == ["2025 618", "2025 双11"]
    with pytest.raises(ValueError, match="name, start and end"):
        ch.parse_campaigns([{"name": "x"}])
    ph = ch.campaign_calendar(pd.date_range("2025-06-10", "2025-06-20"),
                              [ch.Campaign("618", pd.Timestamp("2025-06-12"), pd.Timestamp("2025-06-18"), 1, 1)])
    assert ph["2025-06-18"] == "peak" and ph["2025-06-11"] == "pre" and ph["2025-06-19"] == "post"


def test_platform_share_uv_value_and_discount_depth_by_hand():
    d = pd.DataFrame({"sales_date": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-01-20", "2025-02-01"]),
                      "platform": ["tmall", "tmall", "jd", "jd"], "shop_id": ["a", "a", "b", "b"],
                      "paid_fen": [100, 200, 100, 50], "units": [1, 2, 1, 1],
                      "discount_fen": [0, 40, 20, 0], "list_fen": [100, 240, 120, 50]})
    s = ch.platform_share(d).set_index(["period", "platform"])
    assert s.loc[(pd.Timestamp("2025-01-01"), "tmall"), "paid_fen"] == 300
    assert s.loc[(pd.Timestamp("2025-01-01"), "tmall"), "share_rate"] == pytest.approx(0.75)
    assert s.loc[(pd.Timestamp("2025-02-01"), "jd"), "share_rate"] == pytest.approx(1.0)
    p = pd.DataFrame({"platform": ["tmall"], "shop_id": ["a"], "paid_fen": [300], "count_buyers": [3]})
    t = pd.DataFrame({"platform": ["tmall", "tmall"], "shop_id": ["a", "a"], "visitors": [100, 50]})
    uv = ch.uv_value(p, t).iloc[0]
    assert uv["uv_value_fen"] == pytest.approx(2.0) and uv["conversion_rate"] == pytest.approx(0.02)
    dd = ch.discount_depth(d, edges=(0, 0.1, 1.0)).set_index("depth_bin")
    # depth: 0, 1/6, 1/6, 0 -> bin 0-10 %: days 1 and 4 (units 1, 1); bin 10-100 %: days 2, 3
    assert dd.iloc[0]["count_days"] == 2 and dd.iloc[0]["units_per_day"] == pytest.approx(1.0)
    assert dd.iloc[1]["units_per_day"] == pytest.approx(1.5)
    assert dd.iloc[1]["discount_rate"] == pytest.approx(60 / 360)


def test_errors_name_function_and_column():
    with pytest.raises(KeyError, match="channels.traffic_funnel.*visitors"):
        ch.traffic_funnel(pd.DataFrame({"platform": [], "source": []}))
