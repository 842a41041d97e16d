"""ecomlib.metrics.rows: catalogue metrics per group and per row, vectorised, equal to the
catalogue's own value() over the same rows (ratios of sums, never means of ratios)."""
import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import catalogue, rows

DAYS = pd.DataFrame({
    "shop_id": ["a", "a", "b", "b", "b"],
    "paid_fen": [1000, 2000, 500, 0, 700], "refund_fen": [100, 0, 0, 0, 70],
    "cogs_fen": [300, 800, 100, 0, 200], "count_buyers": [2, 3, 1, 0, 1],
    "count_paid_orders": [2, 4, 1, 0, 1], "visitors": [100, 50, 10, 0, 20],
})
NAMES = ["paid_fen", "net_sales_fen", "gross_profit_fen", "refund_rate", "aov_fen",
         "order_value_fen", "conversion_rate", "uv_value_fen", "buyer_days", "gross_margin_rate"]


def test_sums_then_add_equal_the_catalogue_per_group():
    got = rows.add(rows.sums(DAYS, ["shop_id"], DAYS.columns[1:]), NAMES).set_index("shop_id")
    want = catalogue.values(NAMES, DAYS, by="shop_id").set_index("shop_id")
    pd.testing.assert_frame_equal(got[NAMES], want[NAMES], check_dtype=False)
    # by hand: shop a 客单价 3000 / 5 buyer-days, not the mean of 500 and 666.7
    assert got.loc["a", "aov_fen"] == 600.0 and got.loc["b", "refund_rate"] == pytest.approx(70 / 1200)


def test_sums_without_groups_and_undefined_ratios():
    total = rows.add(rows.sums(DAYS, None, ["paid_fen", "count_buyers", "visitors"]),
                     ["conversion_rate"])
    assert len(total) == 1 and total["conversion_rate"].iat[0] == pytest.approx(7 / 180)
    one = rows.add(DAYS.iloc[[3]], ["aov_fen", "refund_rate", "net_sales_fen"])
    assert np.isnan(one["aov_fen"].iat[0]) and np.isnan(one["refund_rate"].iat[0])
    assert one["net_sales_fen"].dtype == "int64" and one["net_sales_fen"].iat[0] == 0


def test_errors_name_the_column():
    with pytest.raises(KeyError, match="no column 'visitors'"):
        rows.add(DAYS.drop(columns="visitors"), ["conversion_rate"])
    with pytest.raises(KeyError, match="rows.sums"):
        rows.sums(DAYS, ["platform"], ["paid_fen"])
