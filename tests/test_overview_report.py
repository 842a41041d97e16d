"""The data overview's sentences (ecomlib.metrics.overview_report) follow the numbers: each
claim is checked on data that says one thing and on data that says the opposite."""
import numpy as np
import pandas as pd

from ecomlib.metrics import channels as ch, overview as ov, overview_report as rep

T = pd.Timestamp


def _text(s) -> str:
    return s.data


def _sales(tmall_paid, tmall_refund, jd_paid, jd_refund):
    return pd.DataFrame({"platform": ["tmall", "jd"], "gmv_fen": [tmall_paid, jd_paid],
                         "paid_fen": [tmall_paid, jd_paid], "refund_fen": [tmall_refund, jd_refund],
                         "cogs_fen": [0, 0], "units": [1, 1], "units_returned": [0, 0]})


def test_totals_sentence_names_the_largest_and_the_highest_refund_rate():
    t = _text(rep.totals_sentence(ov.totals_by(_sales(3000, 30, 1000, 100), "platform")))
    assert "实付金额最多的是天猫，占 75.0%；退款率最高的是京东（10.0%，全部平台为 3.3%）" in t
    t2 = _text(rep.totals_sentence(ov.totals_by(_sales(1000, 300, 3000, 30), "platform")))
    assert "实付金额最多的是京东，占 75.0%；退款率最高的是天猫（30.0%" in t2
    t3 = _text(rep.totals_sentence(ov.totals_by(_sales(3000, 600, 1000, 10), "platform")))
    assert "退款率最高的是它自己（20.0%" in t3
    assert "Nothing was paid" in _text(rep.totals_sentence(ov.totals_by(_sales(0, 0, 0, 0)), lang="en"))


def _days(first_level, last_level, peak_day="2025-06-18"):
    days = pd.date_range("2025-01-01", "2025-12-31")
    paid = np.where(days < T("2025-07-01"), first_level, last_level).astype("int64")
    paid[days == T(peak_day)] = 100_000
    return pd.DataFrame({"sales_date": days, "platform": "tmall", "paid_fen": paid})


CAMPS = [ch.Campaign("2025 618", T("2025-06-01"), T("2025-06-18"))]


def test_daily_sentence_names_the_peak_and_the_direction_of_the_everyday_level():
    up = _text(rep.daily_sentence(_days(1000, 1200), CAMPS))
    assert "最高的一天是 2025-06-18（¥1,000），在2025 618期间（峰值日）" in up
    assert "最近 90 天比最早 90 天上升 20.0%" in up
    down = _text(rep.daily_sentence(_days(1200, 900, peak_day="2025-09-01"), CAMPS))
    assert "最高的一天是 2025-09-01（¥1,000），不在任何大促窗口内" in down
    assert "下降 25.0%" in down


def _monthly(campaign_rate, other_rate):
    months = pd.date_range("2025-01-01", "2025-12-01", freq="MS")
    paid = np.full(12, 1000)
    refund = np.where(months.month == 6, campaign_rate * 1000, other_rate * 1000).astype(int)
    return pd.DataFrame({"month": months, "platform": "tmall", "paid_fen": paid,
                         "refund_fen": refund})


def test_refund_sentence_compares_campaign_months_with_the_others():
    hi = _text(rep.refund_sentence(_monthly(0.10, 0.05), CAMPS))
    assert "大促峰值所在月份的退款率为 10.0%，高于其他月份的 5.0%" in hi
    lo = _text(rep.refund_sentence(_monthly(0.02, 0.05), CAMPS))
    assert "为 2.0%，低于其他月份的 5.0%" in lo
    # one platform above all platforms in most months is named, otherwise nobody is
    two = pd.concat([_monthly(0.05, 0.05), _monthly(0.09, 0.09).assign(platform="jd")])
    assert "京东在 100% 的月份高于全部平台" in _text(rep.refund_sentence(two, CAMPS))
    same = pd.concat([_monthly(0.05, 0.05), _monthly(0.05, 0.05).assign(platform="jd")])
    assert "没有哪个平台在多数月份高于全部平台" in _text(rep.refund_sentence(same, CAMPS))


def test_stock_sentence_follows_the_month_ends():
    def me(first, last):
        return pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01"]),
                             "category": ["护肤", "零食"] * 2,
                             "on_hand_value_fen": [first, 1000, last, 1000]})
    up = _text(rep.stock_sentence(me(1000, 3000)))
    assert "2025-02 月末库存 ¥40，最多的是 护肤（75.0%），比 2025-01 月末高 100.0%" in up
    down = _text(rep.stock_sentence(me(3000, 500)))
    assert "最多的是 零食（66.7%），比 2025-01 月末低 62.5%" in down


def test_top_sku_sentence():
    top = pd.DataFrame({"share_rate": [0.5, 0.25]})
    assert "实付金额最高的 2 个 SKU，合计占全部实付金额的 75.0%" in _text(rep.top_sku_sentence(top))
