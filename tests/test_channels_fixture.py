"""The channels queries (ecomlib.metrics.channels_queries, over the marts) on
tests/data/channels, numbers from its README, and checked against sums taken here straight
from the intermediate order lines."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import channels as ch, channels_queries as q
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data" / "channels"


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("ch") / "wh.duckdb"
    with Warehouse(path) as w:
        w.ingest([DATA], progress=False)
        w.build()
    w = Warehouse(path, read_only=True)
    yield w
    w.close()


def test_shop_days_by_hand(wh):
    d = q.shop_days(wh, "2025-04-30", "2025-05-02").set_index("sales_date")
    assert len(d) == 3 and d.loc["2025-04-30", "paid_fen"] == 0  # dim_calendar's spine
    assert d.loc["2025-05-01", "week_start"] == pd.Timestamp("2025-04-28")
    assert d.loc["2025-05-01", "month_start"] == pd.Timestamp("2025-05-01")
    a, b = d.loc["2025-05-01"], d.loc["2025-05-02"]
    assert (a["paid_fen"], a["gmv_fen"], a["refund_fen"], a["units"]) == (3200, 3200, 500, 4)
    assert (a["list_fen"], a["shop_discount_fen"] + a["platform_discount_fen"], a["cogs_fen"]) == (3500, 300, 900)
    assert (a["count_paid_orders"], a["count_buyers"], a["visitors"]) == (3, 2, 100)
    assert (b["paid_fen"], b["gmv_fen"], b["cogs_fen"], b["count_buyers"], b["visitors"]) == (2000, 3000, 500, 2, 200)


def test_period_aov_refund_uv_by_hand(wh):
    p = ch.period_totals(q.shop_days(wh, "2025-05-01", "2025-05-02"))
    s = ch.shop_summary(p).iloc[0]
    # buyers counted per day: 05-01 m1, m2; 05-02 m3, m2 -> 4 buyer-days (m2 twice)
    assert s["buyer_days"] == 4 and s["aov_fen"] == pytest.approx(1300.0)   # 5200 / 4
    assert s["order_value_fen"] == pytest.approx(1040.0)                      # 5200 / 5 orders
    assert s["refund_rate"] == pytest.approx(500 / 5200)
    assert s["gross_profit_fen"] == 3300
    uv = ch.uv_value(p).iloc[0]
    assert uv["uv_value_fen"] == pytest.approx(5200 / 300)
    assert uv["conversion_rate"] == pytest.approx(4 / 300)
    f = ch.traffic_funnel(q.traffic_sources(wh, "2025-05-01", "2025-05-02"), ("source",)).set_index("source")
    assert f.loc["直播", "source_conversion_rate"] == pytest.approx(0.03)
    assert f.loc["直播", "cart_to_buy_rate"] == pytest.approx(0.3)
    ads = q.ads(wh, "2025-05-01", "2025-05-02")
    r = ch.ad_performance(ads, ("channel",), margin=ch.shop_summary(p)).iloc[0]
    assert r["roas"] == pytest.approx(2.5)
    assert r["roi"] == pytest.approx((2500 * 3300 / 5200 - 1000) / 1000)


def test_streamers_by_hand(wh):
    ses = q.streamer_sessions(wh, "2025-05-01", "2025-05-02")
    oc = q.costs(wh, "2025-05-01", "2025-05-02")
    per = ch.streamer_performance(ses, oc, 0.2, ["自播"], by=["streamer"]).set_index("streamer")
    a = per.loc["达人A"]
    assert (a["paid_fen"], a["refund_fen"], a["buyer_days"], a["streamer_commission_fen"]) == (2300, 500, 2, 360)
    assert a["commission_roi"] == pytest.approx((1800 - 600 - 360) / 360)
    assert per.loc["达人B", "streamer_commission_fen"] == 200
    assert per.loc["达人B", "commission_roi"] == pytest.approx(2.5)
    assert per.loc["自播", "streamer_commission_fen"] == 0 and np.isnan(per.loc["自播", "commission_roi"])


def test_empty_period_is_empty_not_an_error(wh):
    assert q.shop_days(wh, "2030-01-01", "2030-01-31").empty
    p = ch.period_totals(q.shop_days(wh, "2030-01-01", "2030-01-31"))
    assert ch.shop_summary(p).empty
    assert q.streamer_sessions(wh, "2030-01-01", "2030-01-31").empty
    assert q.shop_days(wh, "2025-05-01", "2025-05-02", platforms=["tmall"]).empty


def test_sku_days_by_hand(wh):
    # 05-01: A = o1 (2 units, list 2000, paid 1800) + o3 (1, 1000, 900); B = o2 (1, 500, 500)
    # 05-02: A = o6 (1, 1000, 1000), o5 unpaid counts 0; B = o4 (2, 1000, 1000)
    d = q.sku_days(wh, "2025-05-01", "2025-05-02")
    got = [(r.sales_date.strftime("%m-%d"), r.sku, r.units, r.list_fen, r.paid_fen)
           for r in d.itertuples()]
    assert got == [("05-01", "A", 3, 3000, 2700), ("05-01", "B", 1, 500, 500),
                   ("05-02", "A", 1, 1000, 1000), ("05-02", "B", 2, 1000, 1000)]
    assert q.sku_days(wh, "2025-05-02", "2025-05-02", platforms=["tmall"]).empty


def test_the_figures_equal_sums_of_the_intermediate_lines(wh):
    """Paid, refunds, cost of goods, buyer-days and paid orders of the report, summed here
    straight from int_order_lines (not through a mart)."""
    lines = wh.sql("""
        SELECT SUM(paid_fen) AS paid, SUM(refund_fen) AS refund, SUM(cogs_fen) AS cogs,
               COUNT(DISTINCT CASE WHEN is_paid THEN sales_date || '|' || buyer_key END) AS buyer_days,
               COUNT(DISTINCT CASE WHEN is_paid THEN order_id END) AS orders
        FROM int_order_lines WHERE sales_date BETWEEN DATE '2025-05-01' AND DATE '2025-05-02'""").iloc[0]
    p = ch.shop_summary(ch.period_totals(q.shop_days(wh, "2025-05-01", "2025-05-02"))).iloc[0]
    assert (p["paid_fen"], p["refund_fen"], p["cogs_fen"], p["buyer_days"], p["count_paid_orders"]) == \
        tuple(int(v) for v in lines)
    assert p["aov_fen"] == pytest.approx(lines["paid"] / lines["buyer_days"])
