"""ecomlib.metrics.overview: six-row inline frames with hand-computed expected frames (the
warehouse diagnostics the overview used to show are tested with ecomlib.quality:
tests/test_quality_loads.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ecomlib.metrics import overview as ov

D = pd.Timestamp


def _sales():
    """overview/sales-shaped rows: two platforms, three SKUs, Jan and Mar 2025 (no Feb)."""
    return pd.DataFrame({
        "sales_date": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-03",
                                      "2025-03-10", "2025-03-10", "2025-03-11"]),
        "platform": ["tmall", "tmall", "jd", "tmall", "jd", "jd"],
        "shop_id": ["t1", "t1", "j1", "t1", "j1", "j1"],
        "sku": ["A", "B", "A", "C", "B", "A"],
        "category": ["护肤", "彩妆", "护肤", None, "彩妆", "护肤"],
        "gmv_fen": [1100, 2000, 500, 4000, 700, 300],
        "paid_fen": [1000, 2000, 500, 4000, 600, 300],
        "refund_fen": [100, 0, 500, 0, 60, 0],
        "cogs_fen": [400, 800, 0, 1500, 200, 100],
        "units": [1, 2, 1, 4, 1, 1],
        "units_returned": [0, 0, 1, 0, 0, 0],
    })


def _daily():
    """overview/daily_by_platform-shaped rows: every day Jan 1..3 x both platforms (the
    query's dim_calendar spine, 0 on days without sales)."""
    return pd.DataFrame({
        "sales_date": pd.to_datetime(["2025-01-01"] * 2 + ["2025-01-02"] * 2 + ["2025-01-03"] * 2),
        "month_start": pd.to_datetime(["2025-01-01"] * 6),
        "platform": ["jd", "tmall"] * 3,
        "gmv_fen": [0, 3100, 0, 0, 500, 0], "paid_fen": [0, 3000, 0, 0, 500, 0],
        "refund_fen": [0, 100, 0, 0, 500, 0], "cogs_fen": [0, 1200, 0, 0, 0, 0],
        "units": [0, 3, 0, 0, 1, 0], "units_returned": [0, 0, 0, 0, 1, 0],
    })


def test_daily_by_smooths_every_day():
    out = ov.daily_by(_daily(), "platform", "paid_fen", window=3)
    expected = pd.DataFrame({
        "sales_date": pd.to_datetime(["2025-01-01"] * 2 + ["2025-01-02"] * 2 + ["2025-01-03"] * 2),
        "platform": ["jd", "tmall"] * 3,
        "paid_fen": np.array([0, 3000, 0, 0, 500, 0], dtype="int64"),
        # centred 3-day mean, shorter window at the ends: jd (0+0)/2, (0+0+500)/3, (0+500)/2
        "paid_fen_avg": [0.0, 1500.0, 500 / 3, 1000.0, 250.0, 0.0],
    })
    assert_frame_equal(out, expected, check_dtype=False, check_index_type=False)
    assert out["paid_fen"].dtype == "int64"
    assert list(ov.daily_by(_daily(), window=None).columns) == ["sales_date", "platform", "paid_fen"]
    assert ov.daily_by(_daily().iloc[0:0]).empty


def test_monthly_by_sums_the_calendar_months_with_the_refund_rate():
    d = pd.concat([_daily(), _daily().assign(
        sales_date=lambda x: x.sales_date + pd.Timedelta(days=31),
        month_start=pd.Timestamp("2025-02-01"), paid_fen=0, refund_fen=0)])
    out = ov.monthly_by(d, "platform")
    got = out[["month", "platform", "paid_fen", "refund_fen", "refund_rate"]]
    expected = pd.DataFrame({
        "month": pd.to_datetime(["2025-01-01"] * 2 + ["2025-02-01"] * 2),
        "platform": ["jd", "tmall"] * 2,
        "paid_fen": np.array([500, 3000, 0, 0], dtype="int64"),
        "refund_fen": np.array([500, 100, 0, 0], dtype="int64"),
        # refund / paid of the same rows; nothing paid in February -> NaN, not 0
        "refund_rate": [1.0, 100 / 3000, np.nan, np.nan],
    })
    assert_frame_equal(got, expected, check_index_type=False)


def test_peak_day():
    p = ov.peak_day(_daily())
    assert p["day"] == D("2025-01-01") and p["value"] == 3000
    assert p["share_rate"] == pytest.approx(3000 / 3500)
    assert ov.peak_day(_daily().assign(paid_fen=0))["day"] is None


def test_totals_by_platform_with_total_row():
    out = ov.totals_by(_sales(), "platform")
    assert out["platform"].tolist() == ["tmall", "jd", "total"]
    assert out["paid_fen"].tolist() == [7000, 1400, 8400]
    assert out["refund_fen"].tolist() == [100, 560, 660]
    assert out["net_sales_fen"].tolist() == [6900, 840, 7740]
    np.testing.assert_allclose(out["refund_rate"], [100 / 7000, 560 / 1400, 660 / 8400])
    np.testing.assert_allclose(out["share_rate"], [7000 / 8400, 1400 / 8400, 1.0])


def test_top_skus_ranks_and_shares_of_the_whole_period():
    out = ov.top_skus(_sales(), n=2)
    assert out["sku"].tolist() == ["C", "B"]          # C 4000, B 2600, A 1800
    assert out["category"].tolist() == ["unknown", "彩妆"]
    assert out["paid_fen"].tolist() == [4000, 2600]
    np.testing.assert_allclose(out["share_rate"], [4000 / 8400, 2600 / 8400])
    np.testing.assert_allclose(out["refund_rate"], [0.0, 60 / 2600])
    with pytest.raises(ValueError, match="n must be at least 1"):
        ov.top_skus(_sales(), n=0)


def test_month_end_stock_uses_each_warehouses_last_snapshot():
    stock = pd.DataFrame({
        "snapshot_date": pd.to_datetime(["2025-01-30", "2025-01-31", "2025-01-30",
                                         "2025-01-31", "2025-02-27", "2025-02-28"]),
        "warehouse_id": ["E", "E", "S", "E", "S", "S"],
        "sku": ["A", "A", "B", "X", "B", "B"],
        "category": ["护肤", "护肤", "零食", None, "零食", "零食"],
        "on_hand_units": [5, 4, 10, -3, 7, 6],
        "on_hand_value_fen": [500, 400, 2000, None, 1400, 1200],
        "in_transit_units": [0] * 6,
        "is_stock_out": [False] * 3 + [True] + [False] * 2,
    })
    out = ov.month_end_stock(stock, "category")
    expected = pd.DataFrame({
        "month": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-01", "2025-02-01"]),
        "category": ["unknown", "护肤", "零食", "零食"],
        # E's last January day is the 31st, S's the 30th (it still counts); X is oversold
        # (-3 -> 0 units) and has no cost
        "snapshot_date": pd.to_datetime(["2025-01-31", "2025-01-31", "2025-01-30", "2025-02-28"]),
        "on_hand_units": np.array([0, 4, 10, 6], dtype="int64"),
        "on_hand_value_fen": np.array([0, 400, 2000, 1200], dtype="int64"),
        "units_without_cost": np.array([0, 0, 0, 0], dtype="int64"),
    })
    assert_frame_equal(out, expected, check_index_type=False, check_dtype=False)


def test_month_end_stock_counts_units_without_cost():
    stock = pd.DataFrame({
        "snapshot_date": pd.to_datetime(["2025-01-31"]), "warehouse_id": ["E"], "sku": ["X"],
        "category": [None], "on_hand_units": [3], "on_hand_value_fen": [None],
    })
    out = ov.month_end_stock(stock)
    assert out["units_without_cost"].tolist() == [3]
    assert out["on_hand_value_fen"].tolist() == [0]


# -- the period, its comparisons and its KPIs ------------------------------------------------------
def test_windows_compare_like_for_like():
    import datetime as dt
    d = dt.date
    # a whole day with both comparisons in the data
    w = ov.windows("2025-12-31", "2025-12-31", "2025-12-30", "2025-12-30", "2024-12-31",
                   "2024-12-31", "2024-01-01", "2025-12-31")
    assert (w.current, w.previous, w.year_ago, w.complete) == (
        (d(2025, 12, 31), d(2025, 12, 31)), (d(2025, 12, 30), d(2025, 12, 30)),
        (d(2024, 12, 31), d(2024, 12, 31)), True)
    # a period past the data's end: its 7 covered days against 7 days of each comparison
    w = ov.windows("2025-12-25", "2026-01-07", "2025-12-11", "2025-12-24", "2024-12-25",
                   "2025-01-07", "2024-01-01", "2025-12-31")
    assert not w.complete and (w.days, w.covered_days) == (14, 7)
    assert w.current == (d(2025, 12, 25), d(2025, 12, 31))
    assert w.previous == (d(2025, 12, 11), d(2025, 12, 17))
    assert w.year_ago == (d(2024, 12, 25), d(2024, 12, 31))
    # the data starts after the year-ago period: no 同比 (shown as —, never -100 %)
    w = ov.windows("2025-03-01", "2025-03-31", "2025-02-01", "2025-02-28", "2024-03-01",
                   "2024-03-31", "2024-06-01", "2025-12-31")
    assert w.year_ago is None and w.previous == (d(2025, 2, 1), d(2025, 2, 28))
    assert ov.windows("2025-03-01", "2025-03-31", None, None, None, None, None, None).covered_days == 0
    # a whole period against whole periods: 2025 against all 366 days of 2024
    w = ov.windows("2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31", "2024-01-01",
                   "2024-12-31", "2024-01-01", "2025-12-31")
    assert w.complete and w.previous == (d(2024, 1, 1), d(2024, 12, 31))


def _shop_days():
    """overview/shop_days-shaped rows: two shops, two days; j1 has no traffic export."""
    return pd.DataFrame({
        "sales_date": pd.to_datetime(["2025-12-30", "2025-12-30", "2025-12-31", "2025-12-31"]),
        "platform": ["tmall", "jd"] * 2, "shop_id": ["t1", "j1"] * 2,
        "count_orders": [5, 3, 4, 2], "count_paid_orders": [4, 3, 4, 2],
        "count_buyers": [4, 2, 3, 2], "gmv_fen": [4000, 900, 3000, 600],
        "paid_fen": [4000, 900, 3000, 600], "refund_fen": [400, 0, 0, 60],
        "cogs_fen": [0] * 4, "units": [4, 3, 4, 2], "units_returned": [0] * 4,
        "visitors": [100, 0, 150, 0], "page_views": [300, 0, 400, 0],
    })


def test_kpis_take_conversion_over_the_shops_with_traffic_only():
    k = ov.kpis(_shop_days())
    assert k["paid_fen"] == 8500 and k["count_paid_orders"] == 13 and k["count_buyers"] == 11
    assert k["aov_fen"] == pytest.approx(8500 / 11)       # paid / buyer-days
    assert k["order_value_fen"] == pytest.approx(8500 / 13)
    assert k["refund_rate"] == pytest.approx(460 / 8500)
    # t1 only: 7 buyer-days over 250 visitor-days (j1's 4 buyers have no visitors to divide by)
    assert k["visitors"] == 250 and k["conversion_rate"] == pytest.approx(7 / 250)
    none = ov.kpis(_shop_days().assign(visitors=0))
    assert np.isnan(none["visitors"]) and np.isnan(none["conversion_rate"])
    assert ov.kpis(_shop_days(), extra=("net_sales_fen",))["net_sales_fen"] == 8500 - 460


def test_by_group_carries_the_comparisons():
    sd = _shop_days()
    cur, prev = sd[sd.sales_date == "2025-12-31"], sd[sd.sales_date == "2025-12-30"]
    out = ov.by_group(cur, prev, prev.iloc[0:0])
    assert out["shop_id"].tolist() == ["t1", "j1"]
    np.testing.assert_allclose(out["paid_mom_rate"], [3000 / 4000 - 1, 600 / 900 - 1])
    assert out["paid_yoy_rate"].isna().all()              # no year-ago data: NaN, not -100 %
    assert np.isnan(out.loc[1, "visitors"]) and np.isnan(out.loc[1, "conversion_rate"])
    np.testing.assert_allclose(out["share_rate"], [3000 / 3600, 600 / 3600])
    plat = ov.by_group(cur, prev, None, "platform")
    assert plat["platform"].tolist() == ["tmall", "jd"]


def _targets():
    months = pd.to_datetime(["2025-11-01", "2025-12-01"])
    return pd.DataFrame({"level": "shop", "entity": ["t1", "t1", "j1", "j1"],
                         "month": list(months) * 2, "target_fen": [30000, 31000, 6000, 9300],
                         "metric": "paid_fen"})


def test_period_target_spreads_each_month_over_its_days():
    # Nov 29..Dec 2: t1 2/30 x 30000 + 2/31 x 31000 = 4000; j1 2/30 x 6000 + 2/31 x 9300 = 1000
    assert ov.period_target_fen(_targets(), ["t1", "j1"], "2025-11-29", "2025-12-02") == \
        pytest.approx(5000)
    assert ov.period_target_fen(_targets(), ["t1"], "2025-12-31", "2025-12-31") == pytest.approx(1000)
    # a shop without a target, or a month without one: no target for the selection
    assert ov.period_target_fen(_targets(), ["t1", "x9"], "2025-12-01", "2025-12-31") is None
    assert ov.period_target_fen(_targets(), ["t1"], "2025-12-31", "2026-01-01") is None


def test_month_target_sums_the_shops_and_projects_the_run_rate():
    att = pd.DataFrame({"level": "shop", "entity": ["t1", "j1"],
                        "month": pd.to_datetime(["2025-12-01"] * 2),
                        "target_fen": [31000, 9300], "actual_fen": [20000, 5000],
                        "days_elapsed": [20, 20], "days_in_month": [31, 31]})
    m = ov.month_target(att, "2025-12-20")
    assert (m["target_fen"], m["actual_fen"]) == (40300, 25000)
    assert m["attainment_rate"] == pytest.approx(25000 / 40300)
    assert m["time_rate"] == pytest.approx(20 / 31)
    assert m["projected_fen"] == pytest.approx(25000 / 20 * 31)
    assert ov.month_target(att, "2025-11-30") is None


def test_top_seller_stock_tells_out_low_ok_and_unknown():
    sales = pd.DataFrame({"sales_date": pd.to_datetime(["2025-12-30"] * 4),
                          "sku": ["A", "B", "C", "D"], "units": [28, 28, 28, 1],
                          "paid_fen": [9000, 8000, 7000, 100]})
    per_sku = pd.DataFrame({"sku": ["A", "B", "C"], "units_sold": [28, 28, 28],
                            "avg_daily_units": [1.0, 1.0, 1.0], "closing_units": [0, 5, 30],
                            "closing_stock_units": [0, 5, 30]})
    stock = pd.DataFrame({"snapshot_date": pd.to_datetime(["2025-12-31"] * 3),
                          "sku": ["A", "B", "C"]})
    products = pd.DataFrame({"sku": ["A", "B", "C", "D"], "product_name": ["面霜", "口红", "茶", "桌布"],
                             "category": ["护肤", "彩妆", "茶饮", "家居"]})
    out = ov.top_seller_stock(per_sku, sales, products, stock, n=4, low_days=7)
    assert out["sku"].tolist() == ["A", "B", "C", "D"]
    assert out["stock_status"].tolist() == ["stock_out", "low", "ok", "no_stock_data"]
    assert out["days_of_supply"].tolist()[:3] == [0.0, 5.0, 30.0]
    assert out["product_name"].tolist()[0] == "面霜"
    # the top n by paid amount only
    assert ov.top_seller_stock(per_sku, sales, products, stock, n=2)["sku"].tolist() == ["A", "B"]
    # a warehouse with sales and no stock export at all: every best seller is "no stock data"
    none = ov.top_seller_stock(per_sku, sales, products, stock.iloc[0:0], n=4)
    assert set(none["stock_status"]) == {"no_stock_data"} and none["snapshot_date"].isna().all()


def test_sku_changes_rank_with_the_previous_period():
    cur = pd.DataFrame({"sku": ["A", "B"], "product_name": ["面霜", "口红"], "category": ["护肤", "彩妆"],
                        "paid_fen": [3000, 1000], "refund_fen": [300, 0], "units": [3, 1]})
    prev = pd.DataFrame({"sku": ["A"], "paid_fen": [2000]})
    out = ov.sku_changes(cur, prev)
    assert out["sku"].tolist() == ["A", "B"]
    np.testing.assert_allclose(out["paid_mom_rate"], [0.5, np.nan])
    np.testing.assert_allclose(out["share_rate"], [0.75, 0.25])
    np.testing.assert_allclose(out["refund_rate"], [0.1, 0.0])
