"""Channels loaders (SQL rollups) on tests/data/channels, numbers from its README."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import channels as ch
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data" / "channels"


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    w = Warehouse(tmp_path_factory.mktemp("ch") / "wh.duckdb")
    w.ingest([DATA], progress=False)
    yield w
    w.close()


def test_shop_daily_by_hand(wh):
    d = ch.load_shop_daily(wh, "2025-04-30", "2025-05-02").set_index("sales_date")
    assert len(d) == 3 and d.loc["2025-04-30", "paid_fen"] == 0  # date spine
    a, b = d.loc["2025-05-01"], d.loc["2025-05-02"]
    assert (a["paid_fen"], a["gmv_fen"], a["refund_fen"], a["units"]) == (3200, 3200, 500, 4)
    assert (a["list_fen"], a["discount_fen"], a["cogs_fen"]) == (3500, 300, 900)
    assert (a["count_paid_orders"], a["count_buyers"]) == (3, 2)
    assert (b["paid_fen"], b["gmv_fen"], b["cogs_fen"], b["count_buyers"]) == (2000, 3000, 500, 2)


def test_period_aov_refund_uv_by_hand(wh):
    p = ch.load_shop_period(wh, "2025-05-01", "2025-05-02")
    s = ch.shop_summary(p).iloc[0]
    assert s["count_buyers"] == 3 and s["aov_fen"] == 1733
    assert s["refund_rate"] == pytest.approx(500 / 5200)
    assert s["gross_profit_fen"] == 3300
    t = wh.read("traffic", "2025-05-01", "2025-05-02")
    uv = ch.uv_value(p, t).iloc[0]
    assert uv["uv_value_fen"] == pytest.approx(5200 / 300)
    f = ch.traffic_funnel(t, ("source",)).set_index("source")
    assert f.loc["直播", "conversion_rate"] == pytest.approx(0.03)
    assert f.loc["直播", "cart_to_buy_rate"] == pytest.approx(0.3)
    ads = wh.read("ad_spend", "2025-05-01", "2025-05-02")
    r = ch.ad_performance(ads, ("channel",), margin=ch.shop_summary(p)).iloc[0]
    assert r["roas"] == pytest.approx(2.5)
    assert r["roi"] == pytest.approx((2500 * 3300 / 5200 - 1000) / 1000)


def test_streamers_by_hand(wh):
    ses = ch.load_streamers(wh, "2025-05-01", "2025-05-02", session=True)
    oc = wh.read("other_costs", "2025-05-01", "2025-05-02")
    per = ch.streamer_performance(ses, oc, 0.2, ["自播"], by=["streamer"]).set_index("streamer")
    a = per.loc["达人A"]
    assert (a["paid_fen"], a["refund_fen"], a["count_buyers"], a["commission_fen"]) == (2300, 500, 2, 360)
    assert a["roi"] == pytest.approx((1800 - 600 - 360) / 360)
    assert per.loc["达人B", "commission_fen"] == 200
    assert per.loc["达人B", "roi"] == pytest.approx(2.5)
    assert per.loc["自播", "commission_fen"] == 0 and np.isnan(per.loc["自播", "roi"])


def test_empty_period_is_empty_not_an_error(wh):
    assert ch.load_shop_daily(wh, "2030-01-01", "2030-01-31").empty
    p = ch.load_shop_period(wh, "2030-01-01", "2030-01-31")
    assert ch.shop_summary(p).empty
    assert ch.load_streamers(wh, "2030-01-01", "2030-01-31", session=True).empty


def test_load_lines_once_gives_the_same_tables(wh):
    lines = ch.load_lines(wh, "2025-05-01", "2025-05-02")
    for load in (ch.load_shop_daily, ch.load_shop_period):
        pd.testing.assert_frame_equal(load(wh, "2025-05-01", "2025-05-02", lines=lines),
                                      load(wh, "2025-05-01", "2025-05-02"))
    pd.testing.assert_frame_equal(
        ch.load_streamers(wh, "2025-05-01", "2025-05-02", session=True, lines=lines),
        ch.load_streamers(wh, "2025-05-01", "2025-05-02", session=True))
    with pytest.raises(ValueError, match="load_lines"):
        ch.load_shop_period(wh, lines="x; DROP TABLE orders")


def test_sku_daily_by_hand(wh):
    # 05-01: A = o1 (2 units, list 2000, paid 1800) + o3 (1, 1000, 900); B = o2 (1, 500, 500)
    # 05-02: A = o6 (1, 1000, 1000), o5 unpaid counts 0; B = o4 (2, 1000, 1000)
    for lines in (None, ch.load_lines(wh, "2025-05-01", "2025-05-02")):
        d = ch.load_sku_daily(wh, "2025-05-01", "2025-05-02", lines=lines)
        got = [(r.sales_date.strftime("%m-%d"), r.sku, r.units, r.list_fen, r.paid_fen)
               for r in d.itertuples()]
        assert got == [("05-01", "A", 3, 3000, 2700), ("05-01", "B", 1, 500, 500),
                       ("05-02", "A", 1, 1000, 1000), ("05-02", "B", 2, 1000, 1000)]
    assert ch.load_sku_daily(wh, "2025-05-02", "2025-05-02", platforms=["tmall"]).empty
