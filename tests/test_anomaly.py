"""Anomaly checks on synthetic series built here (not by the code under test)."""
import numpy as np
import pandas as pd

from ecomlib.metrics import channels as ch
from ecomlib.models import anomaly


def _series(seed=1):
    days = pd.date_range("2024-01-01", "2025-12-31")
    rng = np.random.default_rng(seed)
    weekly = np.array([0.9, 0.9, 0.95, 1.0, 1.05, 1.3, 1.4])[days.day_of_week]
    v = 10000 * weekly * rng.normal(1, 0.08, len(days))
    camps = [ch.Campaign(f"{y} 双11", pd.Timestamp(f"{y}-10-24"), pd.Timestamp(f"{y}-11-11")) for y in (2024, 2025)]
    camps += [ch.Campaign(f"{y} 618", pd.Timestamp(f"{y}-06-01"), pd.Timestamp(f"{y}-06-18")) for y in (2024, 2025)]
    ph = ch.campaign_calendar(days, camps)
    v = np.where(ph == "campaign", v * 1.4, v)
    v = np.where(ph == "peak", v * 5.0, v)
    v = np.where(ph == "post", v * 0.75, v)
    return days, v, ph


def test_injected_drop_is_found_and_campaign_peak_is_not():
    days, v, ph = _series()
    v = v.copy()
    i = days.get_loc(pd.Timestamp("2025-12-20"))
    v[i] = v[i] * 0.35  # injected: a 65 % drop on a normal day
    df = pd.DataFrame({"sales_date": days, "platform": "tmall", "shop_id": "s", "paid_fen": v})
    res = anomaly.detect(df, ph, metrics=["paid_fen"], check_from="2025-06-01")
    al = anomaly.alerts(res)
    assert pd.Timestamp("2025-12-20") in set(al["date"])
    assert not ((al["date"] == pd.Timestamp("2025-11-11")) | (al["date"] == pd.Timestamp("2025-06-18"))).any()
    peak = res[res["date"] == pd.Timestamp("2025-11-11")].iloc[0]
    assert peak["basis"] == "campaign" and not peak["is_alert"]
    # by kind: 2025 双11 is compared with 2024 双11 only (one earlier peak: not enough for a
    # campaign expectation, so it is only checked against the normal low bound)
    ph2 = ch.campaign_calendar(days, [ch.Campaign(f"{y} 双11", pd.Timestamp(f"{y}-10-24"), pd.Timestamp(f"{y}-11-11"))
                                      for y in (2024, 2025)] +
                               [ch.Campaign(f"{y} 618", pd.Timestamp(f"{y}-06-01"), pd.Timestamp(f"{y}-06-18"))
                                for y in (2024, 2025)], by_kind=True)
    assert ph2["2025-11-11"] == "peak:双11" and ph2["2025-06-05"] == "campaign:618"
    res2 = anomaly.detect(df, ph2, metrics=["paid_fen"], check_from="2025-06-01")
    r = res2.set_index("date")
    assert r.loc["2025-11-11", "basis"] == "campaign_none" and not r.loc["2025-11-11", "is_alert"]
    assert r.loc["2025-11-05", "basis"] == "campaign" and not r.loc["2025-11-05", "is_alert"]
    assert pd.Timestamp("2025-12-20") in set(anomaly.alerts(res2)["date"])
    msg = al[al["date"] == pd.Timestamp("2025-12-20")]["message"].iloc[0]
    assert "低" in msg and "预期" in msg and "正常范围" in msg
    # few false alarms on a clean series
    assert len(al) <= 3


def test_refund_rate_alerts_only_upwards_and_message_in_english():
    days = pd.date_range("2025-01-01", periods=120)
    rng = np.random.default_rng(3)
    rate = np.clip(rng.normal(0.05, 0.01, 120), 0, 1)
    rate[100] = 0.40
    rate[110] = 0.0
    df = pd.DataFrame({"sales_date": days, "platform": "jd", "shop_id": "j", "refund_rate": rate,
                       "count_paid_orders": 400})
    res = anomaly.detect(df, None, metrics=["refund_rate"])
    al = anomaly.alerts(res, "en")
    assert list(al["date"]) == [days[100]]
    assert "above" in al["message"].iloc[0] and "percentage points" in al["message"].iloc[0]


def test_short_history_is_not_checked():
    days = pd.date_range("2025-01-01", periods=10)
    df = pd.DataFrame({"sales_date": days, "platform": "jd", "shop_id": "j", "paid_fen": 100.0})
    res = anomaly.detect(df, None, metrics=["paid_fen"])
    assert (res["basis"] == "short").all() and not res["is_alert"].any()


def test_day_without_sales_is_found_even_on_a_noisy_shop():
    days, v, ph = _series(seed=5)
    v = v * np.random.default_rng(9).lognormal(0, 0.3, len(v))  # a noisy small shop
    i = days.get_loc(pd.Timestamp("2025-12-29"))
    v[i] = 0.0  # e.g. an export that never arrived
    df = pd.DataFrame({"sales_date": days, "platform": "pdd", "shop_id": "p", "paid_fen": v})
    al = anomaly.alerts(anomaly.detect(df, ph, metrics=["paid_fen"], check_from="2025-12-20"))
    assert pd.Timestamp("2025-12-29") in set(al["date"])


def test_conversion_drop_with_many_visitors_is_found():
    # 600 visitors/day at 2.5 % (binomial noise only); on one day 2400 visitors buy at 0.6 %
    days = pd.date_range("2025-01-01", periods=120)
    rng = np.random.default_rng(4)
    visitors = np.full(120, 600)
    buyers = rng.binomial(visitors, 0.025).astype(float)
    visitors[110], buyers[110] = 2400, 15
    df = pd.DataFrame({"sales_date": days, "platform": "douyin", "shop_id": "d",
                       "conversion_rate": buyers / visitors, "visitors": visitors})
    al = anomaly.alerts(anomaly.detect(df, None, metrics=["conversion_rate"]))
    assert list(al["date"]) == [days[110]]


def test_check_from_gives_the_same_days_as_checking_everything():
    """check_from only skips work: the checked days are the same as those of a full run,
    campaign days compared with earlier campaigns included (both phase kinds)."""
    days, v, ph = _series(seed=7)
    v = v.copy()
    v[days.get_loc(pd.Timestamp("2025-11-08"))] *= 0.3  # a drop on a campaign day
    for by_kind in (False, True):
        camps = [ch.Campaign(f"{y} {n}", pd.Timestamp(f"{y}-{a}"), pd.Timestamp(f"{y}-{b}"))
                 for y in (2024, 2025)
                 for n, a, b in (("双11", "10-24", "11-11"), ("618", "06-01", "06-18"))]
        phases = ch.campaign_calendar(days, camps, by_kind=by_kind)
        for kind, vals in (("level", v), ("rate", np.clip(v / 40000, 0, 1))):
            full = anomaly.check_series(days, vals, phases.to_numpy(), kind=kind)
            for start in ("2025-11-01", "2025-06-10", "2024-02-01", "2025-12-01"):
                part = anomaly.check_series(days, vals, phases.to_numpy(), kind=kind,
                                            check_from=start)
                want = full[full["date"] >= pd.Timestamp(start)].reset_index(drop=True)
                pd.testing.assert_frame_equal(part, want)
    r = anomaly.check_series(days, v, ch.campaign_calendar(days, camps).to_numpy(),
                             check_from="2025-11-01").set_index("date")
    assert r.loc["2025-11-08", "basis"] == "campaign" and r.loc["2025-11-08", "is_alert"]



def test_normal_checked_days_read_no_earlier_campaign_day(monkeypatch):
    """Only the phases of the checked days send check_series back to earlier campaign days:
    checking December (normal days only) works out the expectation of December's days
    alone; checking from 2025-11-01 (双11 days among them) also those of earlier 双11
    days of the same phase."""
    days, v, ph = _series(seed=7)
    seen = []
    real = anomaly._logratio
    monkeypatch.setattr(anomaly, "_logratio", lambda x, base: seen.append(1) or real(x, base))
    anomaly.check_series(days, v, ph.to_numpy(), check_from="2025-12-01")
    december = len(seen)
    assert december == 31 + 31          # one sigma and one score per checked day
    seen.clear()
    anomaly.check_series(days, v, ph.to_numpy(), check_from="2025-11-01")
    assert len(seen) > 2 * 61 + 11     # earlier campaign days' expectations were read too


def _alert(metric, value, lower, upper, expected=10.0):
    return pd.Series({"metric": metric, "platform": "jd", "shop_id": "jd_flagship",
                      "shop_name": "山野生活京东旗舰店", "date": pd.Timestamp("2025-12-24"),
                      "value": value, "expected": expected, "lower": lower, "upper": upper,
                      "deviation_rate": value / expected - 1, "basis": "normal",
                      "count_reference": 56, "phase": "normal"})


def test_bounds_are_shown_at_the_precision_the_decision_used():
    """Issue 21: "支付订单数 2, 正常范围 2–34" fired because the bound 2.19 was shown rounded."""
    r = _alert("count_paid_orders", 2.0, 2.19, 34.5)
    msg = anomaly.alert_message(r)
    assert "支付订单数为 2" in msg and "正常范围 2.2–34.5" in msg and "范围 2–34" not in msg
    assert "山野生活京东旗舰店" in msg and "jd_flagship" not in msg  # the shop by its name
    assert anomaly.alert_brief(r) == "12-24 山野生活京东旗舰店：支付订单数 2，低于正常范围 2.2–34.5"
    # a bound closer to the value gets as many decimals as it takes
    assert "正常范围 2.04–34.5" in anomaly.alert_message(_alert("count_paid_orders", 2.0, 2.04, 34.5))
    # money: ¥1,234.56 against a low bound of ¥1,234.60 is not "¥1,235 ... ¥1,235"
    m = anomaly.alert_brief(_alert("paid_fen", 123456.0, 123460.0, 500000.0, 300000.0))
    assert "实付金额 ¥1,234.56，低于正常范围 ¥1,234.60–¥5,000" in m
    # rates: 12.34 % above 12.336 %; the other bound keeps its own precision
    assert "退款率 12.340%，高于正常范围 0.0%–12.336%" in anomaly.alert_brief(
        _alert("refund_rate", 0.1234, 0.0, 0.12336, 0.05))
    # whole numbers stay whole: no needless decimals
    assert "正常范围 3–34" in anomaly.alert_message(_alert("count_paid_orders", 2.0, 3.0, 34.0))
    # no upper bound (a campaign day without an earlier campaign): the minimum is named
    assert "低于正常下限 ¥1,234.60" in anomaly.alert_brief(
        _alert("paid_fen", 123456.0, 123460.0, np.inf, 300000.0))
    # every shown decision reads true: value outside the shown bound, at the shown digits
    for lo in (2.001, 2.01, 2.19, 2.5, 2.99):
        d = anomaly.decimals_for("count_paid_orders", 2.0, lo, 40.0)
        assert round(2.0, d) < round(lo, d), lo
