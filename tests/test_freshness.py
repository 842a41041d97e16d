"""Freshness per shop: lags against the last complete day, stale shops named."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from ecomlib import freshness

ROWS = pd.DataFrame({
    "platform": ["tmall", "jd", "pdd"], "shop_id": ["a", "b", "c"],
    "shop_name": ["天猫旗舰店", None, "拼多多店"],
    "last_sales_date": pd.to_datetime(["2025-06-18", "2025-06-15", "2025-06-18"]),
    "last_traffic_date": pd.to_datetime(["2025-06-18", None, "2025-06-14"]),
    "last_ad_date": pd.to_datetime([None, None, "2025-06-18"]),
    "last_stock_date": pd.to_datetime(["2025-06-17"] * 3),
})


def test_lags_and_stale_shops():
    got = freshness.assess(ROWS, dt.date(2025, 6, 18))
    assert got.sales_lag_days.tolist() == [0, 3, 0]
    assert got.traffic_lag_days.fillna(-1).tolist() == [0, -1, 4]
    assert got.is_stale.tolist() == [False, True, True]  # b: orders, c: traffic behind
    msg = freshness.warning(got)
    assert "b（订单只到 2025-06-15，落后 3 天）" in msg and "拼多多店" in msg
    assert "天猫旗舰店" not in msg
    assert freshness.warning(got.assign(is_stale=False)) is None
    assert "3 day(s) behind" in freshness.warning(got, "en")
