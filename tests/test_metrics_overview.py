"""ecomlib.metrics.overview: six-row inline frames with hand-computed expected frames."""
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


@pytest.mark.parametrize("reason, kind", [
    ("quantity 'abc' is not a whole number", "quantity … is not a whole number"),
    ("quantity 0 is below 1", "quantity … is below 1"),
    ("paid_at '2025-13-01' is not a date-time", "paid_at … is not a date-time"),
    ("duplicate key (platform, order_id) = (jd, 12); row 9 of this file wins",
     "duplicate key (platform, order_id) = (…); a later row wins"),
    ("row has 3 fields, header has 5 (file may be cut off)",
     "row has a wrong number of fields (file may be cut off)"),
    ("status says paid/shipped/finished but paid_at is empty",
     "status says paid/shipped/finished but paid_at is empty"),
])
def test_reason_kind(reason, kind):
    assert ov.reason_kind(reason) == kind


def test_quarantine_summary_counts_by_table_column_and_kind():
    q = pd.DataFrame({
        "file": ["/in/a.csv", "/in/a.csv", "/in/b.csv", "/in/b.csv"],
        "table_name": ["order_lines"] * 3 + ["orders"],
        "row_number": [7, 3, 2, 5],
        "column": ["quantity", "quantity", "quantity", "paid_at"],
        "reason": ["quantity 0 is below 1", "quantity -2 is below 1", "quantity 0 is below 1",
                   "paid_at 'x' is not a date-time"],
        "raw": ["{}"] * 4, "load_id": [1, 1, 2, 2],
    })
    out = ov.quarantine_summary(q)
    expected = pd.DataFrame({
        "table_name": ["order_lines", "orders"],
        "column": ["quantity", "paid_at"],
        "reason_kind": ["quantity … is below 1", "paid_at … is not a date-time"],
        "count_rows": np.array([3, 1], dtype="int64"),
        "count_files": np.array([2, 1], dtype="int64"),
        "example": ["a.csv:3  quantity -2 is below 1", "b.csv:5  paid_at 'x' is not a date-time"],
    })
    assert_frame_equal(out, expected, check_index_type=False)
    assert ov.quarantine_summary(q.iloc[0:0]).empty


def test_recent_loads_newest_first_with_file_names():
    log = pd.DataFrame({"load_id": [1, 2, 3], "file": ["/x/a.csv", "/x/b.csv", "/y/c.xlsx [订单]"],
                        "table_name": ["orders"] * 3, "rows_in": [1, 2, 3]})
    out = ov.recent_loads(log, n=2)
    assert out["load_id"].tolist() == [3, 2]
    assert out["file_name"].tolist() == ["c.xlsx [订单]", "b.csv"]
    assert list(out.columns) == ["load_id", "file_name", "table_name", "rows_in"]
