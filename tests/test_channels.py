"""Channels metrics (ecomlib.metrics.channels, pure functions) against numbers worked out by
hand on inline frames."""
import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import catalogue, channels as ch

T = pd.Timestamp


def _calendar(start, end, festivals=(), campaigns=()):
    """dim_calendar-shaped rows: ``festivals`` [(kind, first, last, peak)], ``campaigns``
    [(name, first, last)]."""
    days = pd.date_range(start, end)
    cal = pd.DataFrame({"day": days, "festival": None, "festival_phase": None,
                        "campaign": None}).astype(object)
    cal["day"] = days
    for kind, a, b, peak in festivals:
        m = (days >= T(a)) & (days <= T(b))
        cal.loc[m, "festival"] = kind
        cal.loc[m, "festival_phase"] = "runup"
        cal.loc[days == T(peak), "festival_phase"] = "peak"
    for name, a, b in campaigns:
        m = (days >= T(a)) & (days <= T(b))
        cal.loc[m, "campaign"] = [name if v is None else f"{v} / {name}"
                                  for v in cal.loc[m, "campaign"]]
    return cal


def _shop_days():
    """Two shops, four days, worked by hand below."""
    return pd.DataFrame({
        "sales_date": pd.to_datetime(["2025-01-06", "2025-01-07", "2025-01-13", "2025-01-14"] * 2),
        "week_start": pd.to_datetime(["2025-01-06", "2025-01-06", "2025-01-13", "2025-01-13"] * 2),
        "month_start": pd.to_datetime(["2025-01-01"] * 8),
        "platform": ["tmall"] * 4 + ["jd"] * 4, "shop_id": ["a"] * 4 + ["b"] * 4,
        "count_orders": [2, 3, 1, 0, 1, 1, 0, 2], "count_paid_orders": [2, 2, 1, 0, 1, 1, 0, 2],
        "count_buyers": [2, 1, 1, 0, 1, 1, 0, 1],
        "gmv_fen": [2000, 3500, 500, 0, 800, 900, 0, 1600],
        "paid_fen": [2000, 3000, 500, 0, 800, 900, 0, 1600],
        "refund_fen": [200, 0, 0, 0, 0, 90, 0, 0],
        "cogs_fen": [800, 1000, 200, 0, 300, 300, 0, 600],
        "units": [2, 3, 1, 0, 1, 1, 0, 2], "units_returned": [0] * 8,
        "list_fen": [2500, 3000, 500, 0, 1000, 900, 0, 2000],
        "shop_discount_fen": [300, 0, 0, 0, 100, 0, 0, 400],
        "platform_discount_fen": [200, 0, 0, 0, 100, 0, 0, 0],
        "visitors": [50, 50, 20, 30, 40, 10, 0, 50], "add_to_cart": [5, 5, 2, 3, 4, 1, 0, 5],
    })


def test_funnel_by_hand():
    t = pd.DataFrame({"platform": ["tmall"] * 3, "source": ["搜索", "搜索", "推荐"],
                      "visitors": [100, 300, 1000], "add_to_cart": [10, 30, 50],
                      "buyers": [4, 8, 10]})
    f = ch.traffic_funnel(t).set_index("source")
    # 搜索: 400 visitors, 40 carts, 12 buyers
    assert f.loc["搜索", "visitors"] == 400 and f.loc["搜索", "buyers"] == 12
    assert f.loc["搜索", "cart_rate"] == pytest.approx(0.10)
    assert f.loc["搜索", "cart_to_buy_rate"] == pytest.approx(0.30)
    assert f.loc["搜索", "source_conversion_rate"] == pytest.approx(0.03)
    assert f.loc["推荐", "source_conversion_rate"] == pytest.approx(0.01)
    # an unknown add-to-cart count leaves the cart steps unknown, not 0
    t2 = t.assign(add_to_cart=[10, None, 50])
    f2 = ch.traffic_funnel(t2).set_index("source")
    assert np.isnan(f2.loc["搜索", "cart_rate"]) and f2.loc["推荐", "cart_rate"] == pytest.approx(0.05)


def test_period_totals_and_shop_summary_by_hand():
    p = ch.period_totals(_shop_days())
    s = ch.shop_summary(p).set_index("shop_id")
    a, b = s.loc["a"], s.loc["b"]
    # shop a: paid 5500, buyers per day 2 + 1 + 1 + 0 = 4 buyer-days, paid orders 5
    assert (a["paid_fen"], a["buyer_days"], a["count_paid_orders"]) == (5500, 4, 5)
    assert a["aov_fen"] == pytest.approx(5500 / 4)          # 客单价 = paid / buyer-days
    assert a["order_value_fen"] == pytest.approx(5500 / 5)  # 笔单价 = paid / paid orders
    assert a["refund_rate"] == pytest.approx(200 / 5500)
    assert a["gross_profit_fen"] == 5500 - 200 - 2000
    assert a["gross_profit_rate"] == pytest.approx(3300 / 5500)
    assert a["discount_rate"] == pytest.approx(500 / 6000)
    assert a["share_rate"] == pytest.approx(5500 / 8800)
    assert b["aov_fen"] == pytest.approx(3300 / 3) and b["refund_rate"] == pytest.approx(90 / 3300)
    assert list(s.index) == ["a", "b"]  # largest paid first
    # the catalogue's identity holds in every row: paid = visitors x 转化率 x 客单价
    uv = ch.uv_value(p).set_index("shop_id")
    for shop in ("a", "b"):
        r = uv.loc[shop]
        assert r["paid_fen"] == pytest.approx(r["visitors"] * r["conversion_rate"] * r["aov_fen"])
    assert uv.loc["a", "conversion_rate"] == pytest.approx(4 / 150)  # buyer-days / visitor-days
    assert uv.loc["a", "uv_value_fen"] == pytest.approx(5500 / 150)
    # and it is the catalogue's value over the same rows
    assert uv.loc["a", "aov_fen"] == catalogue.value("aov_fen", _shop_days()[lambda d: d.shop_id == "a"])


def test_weekly_and_platform_share_by_hand():
    wk = ch.weekly_by_shop(_shop_days()).set_index(["week_start", "shop_id"])
    w1 = wk.loc[(T("2025-01-06"), "a")]
    assert (w1["paid_fen"], w1["buyer_days"]) == (5000, 3) and w1["aov_fen"] == pytest.approx(5000 / 3)
    assert np.isnan(ch.weekly_by_shop(_shop_days().assign(count_buyers=0))["aov_fen"]).all()
    assert len(ch.weekly_by_shop(_shop_days(), start="2025-01-07")) == 2  # the first week left out
    s = ch.platform_share(_shop_days()).set_index(["period", "platform"])
    assert s.loc[(T("2025-01-01"), "tmall"), "paid_fen"] == 5500
    assert s.loc[(T("2025-01-01"), "jd"), "share_rate"] == pytest.approx(3300 / 8800)


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
    assert r.loc["直通车", "ctr_rate"] == pytest.approx(0.01)
    m = pd.DataFrame({"platform": ["tmall"], "shop_id": ["a"], "gross_profit_rate": [0.25]})
    r2 = ch.ad_performance(a, ("campaign",), margin=m).set_index("campaign")
    assert r2.loc["x", "roi"] == pytest.approx((3500 * 0.25 - 1500) / 1500)
    assert np.isnan(ch.ad_performance(a, ("channel",))["roi"]).all()


def test_roas_by_phase_by_hand():
    ads = pd.DataFrame({"spend_date": pd.to_datetime(["2025-06-17", "2025-06-18", "2025-06-25",
                                                      "2025-07-20", "2025-07-20"]),
                        "spend_fen": [100, 100, 100, 200, 200],
                        "attributed_paid_fen": [500, 700, 100, 300, 500]})
    c = ch.Campaign("618", T("2025-06-10"), T("2025-06-18"), 3, 10)
    ph = ch.campaign_calendar(pd.date_range("2025-06-01", "2025-07-31"), [c])
    r = ch.roas_by_phase(ads, ph).set_index("phase")
    assert r.loc["campaign", "roas"] == pytest.approx(1200 / 200)   # 06-17 and the peak 06-18
    assert r.loc["dip", "roas"] == pytest.approx(1.0)              # 06-25: after the campaign
    assert r.loc["normal", "roas"] == pytest.approx(800 / 400) and r.loc["normal", "count_days"] == 1


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
    units = 50 * (price / 1000.0) ** -2.0
    d = pd.DataFrame({"sales_date": days, "sku": "A", "units": units, "list_fen": price * units})
    flat = pd.DataFrame({"sales_date": days, "sku": "B", "units": 5.0, "list_fen": 5000.0})
    el = ch.price_elasticity(pd.concat([d, flat])).set_index("sku")
    assert el.loc["A", "qualifies"]
    assert el.loc["A", "elasticity"] == pytest.approx(-2.0, abs=1e-6)
    assert el.loc["A", "ci_low"] <= -2.0 <= el.loc["A", "ci_high"]
    assert not el.loc["B", "qualifies"] and "price" in el.loc["B", "why"]
    # a day without sales is a row with 0 units (dim_calendar's spine); a missing day is an error
    zero = d.assign(units=np.where(np.arange(120) == 30, 0, d["units"]))
    assert ch.price_elasticity(zero).set_index("sku").loc["A", "count_days"] == 120
    with pytest.raises(ValueError, match="skip 2025-01-31"):
        ch.price_elasticity(d.drop(index=30))


def test_price_elasticity_span_carried_price_and_campaign_days_by_hand():
    """The span runs from the first to the last day with units (the zero days outside it are
    not counted); a zero day inside keeps the last price (1000 fen, so it adds a level-1000
    day: 60 days at 1000, 61 at 1100 -> 2 levels, range 10%); campaign days enter as a
    column of the fit (units doubled on them leave e = -2 exact); a SKU that never sold
    says so."""
    days = pd.date_range("2025-01-01", periods=124)
    i = np.arange(124)
    price = np.where(i < 62, 1000.0, 1100.0)
    camp = days[[10, 11, 70, 71]]
    units = 50 * (price / 1000.0) ** -2.0 * np.where(np.isin(days, camp), 2.0, 1.0)
    units[[0, 1, 123]] = 0.0          # outside the span
    d = pd.DataFrame({"sales_date": days, "sku": "A", "units": units, "list_fen": price * units})
    exact = ch.price_elasticity(d, campaign_days=camp).iloc[0]
    assert exact["count_days"] == 121 and exact["qualifies"]
    assert exact["elasticity"] == pytest.approx(-2.0, abs=1e-6)
    units[61] = 0.0                   # inside: the price of day 60 carries
    d = d.assign(units=units, list_fen=price * units)
    never = pd.DataFrame({"sales_date": days[:5], "sku": "Z", "units": 0.0, "list_fen": 0.0})
    el = ch.price_elasticity(pd.concat([d, never]), campaign_days=camp).set_index("sku")
    a = el.loc["A"]
    assert a["count_days"] == 121 and a["count_price_levels"] == 2
    assert a["price_change_rate"] == pytest.approx(0.1)
    assert a["qualifies"] and a["elasticity"] < -1.5   # a zero day at price 1000 pulls e up
    assert not el.loc["Z", "qualifies"] and el.loc["Z", "why"] == "no sales"


def test_campaign_uplift_by_hand():
    # flat 100/day, a 3-day campaign at 200/day, 2 pre days at 80, 2 post days at 70
    days = pd.date_range("2025-01-01", periods=60)
    v = pd.Series(100.0, index=days)
    c = ch.Campaign("x", T("2025-02-20"), T("2025-02-22"), 2, 2)
    v[T("2025-02-18"):T("2025-02-19")] = 80
    v[c.start:c.end] = 200
    v[T("2025-02-23"):T("2025-02-24")] = 70
    daily = pd.DataFrame({"sales_date": days, "paid_fen": v.to_numpy()})
    u = ch.campaign_uplift(daily, [c], n_boot=200)
    r = u.iloc[0]
    assert r["campaign_name"] == "x"
    assert r["baseline_fen"] == pytest.approx(700)
    assert r["pre_dip_fen"] == pytest.approx(-40)
    assert r["campaign_uplift_fen"] == pytest.approx(300)
    assert r["post_dip_fen"] == pytest.approx(-60)
    assert r["net_uplift_fen"] == pytest.approx(200)
    assert r["net_uplift_low_fen"] == pytest.approx(200) and r["net_uplift_high_fen"] == pytest.approx(200)
    assert r["uplift_rate"] == pytest.approx(200 / 700)
    with pytest.raises(ValueError, match="campaign_uplift: the daily rows skip"):
        ch.campaign_uplift(daily.drop(index=10), [c])


def test_streamer_commission_split_and_roi():
    s = pd.DataFrame({"platform": "douyin", "shop_id": "d", "streamer": ["own", "A", "B"],
                      "sales_date": T("2025-05-01"), "paid_fen": [10000, 6000, 4000],
                      "refund_fen": [0, 1000, 0], "cogs_fen": [3000, 2000, 1000],
                      "count_paid_orders": [5, 3, 2], "count_buyers": [5, 3, 2]})
    oc = pd.DataFrame({"cost_date": [T("2025-05-01")], "platform": ["douyin"], "shop_id": ["d"],
                       "kind": ["streamer_commission"], "amount_fen": [1800]})
    r = ch.streamer_performance(s, oc, own_streams=["own"]).set_index("streamer")
    # 达人 net: A 5000, B 4000 -> commission 1800 split 1000 / 800
    assert r.loc["A", "streamer_commission_fen"] == 1000 and r.loc["B", "streamer_commission_fen"] == 800
    assert r.loc["own", "streamer_commission_fen"] == 0 and np.isnan(r.loc["own", "commission_roi"])
    assert r.loc["A", "commission_roi"] == pytest.approx((5000 - 2000 - 1000) / 1000)
    assert r.loc["A", "aov_fen"] == pytest.approx(2000.0)  # 6000 / 3 buyer-days
    r2 = ch.streamer_performance(s, None, commission_rate=0.1, own_streams=["own"]).set_index("streamer")
    assert r2.loc["B", "streamer_commission_fen"] == 400


def test_campaigns_from_the_calendar():
    cal = _calendar("2025-01-01", "2025-12-31", festivals=[
        ("春节", "2025-01-28", "2025-02-03", "2025-01-29"),
        ("年货节", "2025-01-04", "2025-01-20", "2025-01-20"),
        ("618", "2025-06-01", "2025-06-18", "2025-06-18"),
        ("双12", "2025-12-08", "2025-12-12", "2025-12-12")],
        campaigns=[("店庆", "2025-09-01", "2025-09-07"), ("会员日", "2025-09-05", "2025-09-05")])
    camps = {c.name: c for c in ch.campaigns_from_calendar(cal)}
    assert set(camps) == {"2025 春节", "2025 年货节", "2025 618", "2025 双12", "店庆", "会员日"}
    cny = camps["2025 春节"]
    assert (cny.start, cny.end, cny.peak, cny.kind) == (T("2025-01-28"), T("2025-02-03"),
                                                         T("2025-01-29"), "春节")
    # dips never longer than the window and never into another window: 年货节 ends 01-20,
    # 春节 starts 01-28, so 7 days lie between them
    assert (camps["2025 年货节"].pre_days, camps["2025 年货节"].post_days) == (7, 7)
    assert (cny.pre_days, cny.post_days) == (7, 7)
    assert (camps["2025 双12"].pre_days, camps["2025 双12"].post_days) == (5, 5)
    assert (camps["2025 618"].pre_days, camps["2025 618"].post_days) == (7, 10)
    assert (camps["店庆"].start, camps["店庆"].end, camps["店庆"].peak) == (T("2025-09-01"), T("2025-09-07"), T("2025-09-07"))
    assert (camps["会员日"].start, camps["会员日"].end) == (T("2025-09-05"), T("2025-09-05"))
    # only windows reaching into the period
    assert [c.name for c in ch.campaigns_from_calendar(cal, "2025-06-01", "2025-06-30")] == ["2025 618"]
    # phases: peak on the peak day (春节's is its second day), campaign on the others
    ph = ch.campaign_calendar(pd.date_range("2025-01-20", "2025-02-12"), [cny])
    assert ph["2025-01-28"] == "campaign" and ph["2025-01-29"] == "peak" and ph["2025-02-03"] == "campaign"
    assert ph["2025-01-21"] == "pre" and ph["2025-02-10"] == "post" and ph["2025-02-11"] == "normal"
    assert ch.campaign_calendar(["2025-01-29"], [cny], by_kind=True).iat[0] == "peak:春节"


def test_parse_campaigns_errors():
    got = ch.parse_campaigns([{"name": "2025 618", "start": "2025-06-01", "end": "2025-06-18",
                               "pre_days": 3}])
    assert (got[0].pre_days, got[0].post_days, got[0].peak, got[0].kind) == (3, 10, T("2025-06-18"), "618")
    with pytest.raises(ValueError, match="name, start and end"):
        ch.parse_campaigns([{"name": "x"}])
    with pytest.raises(ValueError, match="ends .* before it starts"):
        ch.parse_campaigns([{"name": "x", "start": "2025-06-18", "end": "2025-06-01"}])


def test_discount_depth_and_campaign_share_by_hand():
    d = _shop_days()
    dd = ch.discount_depth(d, edges=(0, 0.1, 1.0)).set_index("depth_bin")
    # shop-days with sales: depth a 500/2500 = 0.2, 0, 0; b 200/1000 = 0.2, 0, 400/2000 = 0.2
    assert dd.iloc[0]["count_days"] == 3 and dd.iloc[0]["units_per_day"] == pytest.approx(5 / 3)
    assert dd.iloc[1]["count_days"] == 3 and dd.iloc[1]["discount_rate"] == pytest.approx(1100 / 5500)
    assert dd.iloc[1]["paid_fen"] == pytest.approx((2000 + 800 + 1600) / 3)
    c = ch.Campaign("x", T("2025-01-06"), T("2025-01-06"), 0, 0)
    ph = ch.campaign_calendar(pd.date_range("2025-01-01", "2025-01-31"), [c])
    got = ch.deep_discount_campaign_share(d, ph, threshold=0.2)
    # deep days: a 01-06, b 01-06, b 01-14 -> 2 of 3 on the campaign day; others 0 of 3
    assert got == {"deep_days": 3, "deep_campaign_rate": pytest.approx(2 / 3), "other_days": 3,
                   "other_campaign_rate": 0.0}


def test_daily_shop_metrics_by_hand():
    ads = pd.DataFrame({"spend_date": pd.to_datetime(["2025-01-06", "2025-01-06"]),
                        "platform": ["tmall", "tmall"], "shop_id": ["a", "a"],
                        "spend_fen": [100, 300], "attributed_paid_fen": [500, 700]})
    dm = ch.daily_shop_metrics(_shop_days(), ads).set_index(["shop_id", "sales_date"])
    r = dm.loc[("a", T("2025-01-06"))]
    assert r["conversion_rate"] == pytest.approx(2 / 50)  # paying buyers / visitors that day
    assert r["refund_rate"] == pytest.approx(0.1) and r["roas"] == pytest.approx(3.0)
    assert np.isnan(dm.loc[("a", T("2025-01-07")), "roas"])      # no spend
    assert np.isnan(dm.loc[("b", T("2025-01-13")), "conversion_rate"])  # no visitors
    assert np.isnan(dm.loc[("a", T("2025-01-14")), "refund_rate"])  # nothing paid


def test_errors_name_function_and_column():
    with pytest.raises(KeyError, match="channels.traffic_funnel.*visitors"):
        ch.traffic_funnel(pd.DataFrame({"platform": [], "source": []}))
    with pytest.raises(KeyError, match="channels.uv_value.*visitors"):
        ch.uv_value(pd.DataFrame({"platform": [], "shop_id": [], "paid_fen": [], "count_buyers": []}))


def test_weekly_marks_incomplete_weeks():
    # the frame ends on Tuesday 2025-01-14: the second week has 2 of its 7 days
    wk = ch.weekly_by_shop(_shop_days()).set_index(["week_start", "shop_id"])
    assert wk["count_days"].tolist() == [2, 2, 2, 2] and not wk["is_complete"].any()
    days = pd.date_range("2025-01-06", "2025-01-15")  # Mon 6th .. Wed 15th
    full = pd.DataFrame({"sales_date": days, "week_start": days - pd.to_timedelta(days.day_of_week, unit="D"),
                         "shop_id": "a", "paid_fen": 100, "count_buyers": 1, "count_paid_orders": 1})
    w = ch.weekly_by_shop(full).set_index("week_start")
    assert w.loc[T("2025-01-06"), "is_complete"] and w.loc[T("2025-01-06"), "paid_fen"] == 700
    assert w.loc[T("2025-01-13"), "count_days"] == 3 and not w.loc[T("2025-01-13"), "is_complete"]
    # cut by the period's end: only the days up to it count
    cut = ch.weekly_by_shop(full, end="2025-01-09").set_index("week_start")
    assert cut.loc[T("2025-01-06"), "count_days"] == 4 and not cut["is_complete"].any()


def test_action_lists_by_hand():
    f = ch.traffic_funnel(pd.DataFrame({
        "platform": ["tmall"] * 3 + ["jd"] * 2, "source": ["搜索", "推荐", "直播", "搜索", "推荐"],
        "visitors": [1000, 3000, 40, 500, 500], "add_to_cart": [0] * 5,
        "buyers": [50, 30, 0, 20, 5]}))
    b = ch.below_average_sources(f).set_index(["platform", "source"])
    # tmall: 80 of 4040 = 1.98 %; 推荐 1.0 % is below with 74 % of the visitors; 直播 (1 %
    # of the visitors) is too small to judge; jd: 25 / 1000 = 2.5 %, 推荐 1.0 % below
    assert list(b.index) == [("tmall", "推荐"), ("jd", "推荐")]
    assert b.loc[("tmall", "推荐"), "platform_conversion_rate"] == pytest.approx(80 / 4040)
    assert b.loc[("tmall", "推荐"), "missing_buyers"] == pytest.approx(3000 * 80 / 4040 - 30)
    assert b.loc[("jd", "推荐"), "missing_buyers"] == pytest.approx(7.5)
    plans = pd.DataFrame({"campaign": ["x", "y", "z"], "spend_fen": [1000, 500, 800],
                          "attributed_gross_profit_fen": [900.0, 200.0, 1600.0],
                          "roi": [-0.1, -0.6, 1.0]})
    lp = ch.losing_ad_plans(plans)
    assert lp["campaign"].tolist() == ["y", "x"] and lp["ad_loss_fen"].tolist() == [300.0, 100.0]
    per = pd.DataFrame({"streamer": ["A", "B", "own"], "is_own_stream": [False, False, True],
                        "commission_roi": [-0.2, 0.5, np.nan]})
    assert ch.losing_streamers(per)["streamer"].tolist() == ["A"]
