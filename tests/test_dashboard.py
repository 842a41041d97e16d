"""ecomlib.metrics.dashboard (the apps' numbers) on the frames of
ecomlib.metrics.dashboard_queries (queries over the marts, built after the ingest),
ecomlib.apps / bigscreen / explorer without a browser, and ecomlib.serve's command line. Expected numbers are worked out by hand on
tests/data/mini (see the comments); they are literals, never computed with the code under
test.

The mini set, paid lines by sales_date (Beijing payment day):
  06-18 tmall/s1 o1 (m1): A 2 units paid 1900 (refund 950, 1 returned), B 1 unit paid 500
  06-18 tmall/s1 o2 (m2): A paid 1000 but never paid -> GMV only
  06-19 jd/j1    o3 (m1): B 3 units paid 1350 (its refund was rejected)
  06-25 tmall/s1 o4 (m1): A 1 unit paid 900 (paid 2025-06-24T16:30Z = 06-25 00:30 Beijing)
  07-01 jd/j1    o5 (m3): A 1 paid 1000 + B 1 paid 500; order refund 1000 -> A 667, B 333
  unit cost A 400, B 100; COGS = cost x (units - returned)
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import apps, serve
from ecomlib.metrics import dashboard as db
from ecomlib.metrics import dashboard_queries as dq
from ecomlib.warehouse import Warehouse

MINI = Path(__file__).parent / "data" / "mini"
T = pd.Timestamp


@pytest.fixture(scope="module")
def mini_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("dash") / "wh.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([MINI], progress=False)
        wh.build()
    return path


@pytest.fixture
def wh(mini_path):
    w = Warehouse(mini_path, read_only=True)
    yield w
    w.close()


def _days(wh, start="2025-06-01", end="2025-07-31", **kw):
    return dq.shop_days(wh, start, end, **kw)


# -- queries over the marts on the mini warehouse ------------------------------------------------
def test_totals_of_everything(wh):
    t = db.totals(_days(wh))
    assert len(t) == 1
    row = t.iloc[0].to_dict()
    assert row == {
        "gmv_fen": 7150,        # every line placed: 1900+500+1000+1350+900+1000+500
        "paid_fen": 6150,       # minus o2 (never paid)
        "refund_fen": 1950,     # 950 (o1 A) + 1000 (o5); o3's refund was rejected
        "cogs_fen": 1300,       # o1 A 400x(2-1) + B 100 + o3 300 + o4 400 + o5 A 0 + B 100
        "units_without_cost": 0,
        "units": 9,             # 2+1+3+1+1+1
        "count_paid_orders": 4,  # o1 o3 o4 o5
        "count_buyers": 4,      # per shop and day: m1 on 06-18, 06-19, 06-25; m3 on 07-01
    }
    assert dq.latest_sales_date(wh) == T("2025-07-01")


def test_totals_by_platform_and_buyer_days_add_up(wh):
    t = db.totals(_days(wh), by=["platform"]).set_index("platform")
    assert t.loc["tmall"].to_dict() == {"gmv_fen": 4300, "paid_fen": 3300, "refund_fen": 950,
                                        "cogs_fen": 900, "units_without_cost": 0, "units": 4,
                                        "count_paid_orders": 2, "count_buyers": 2}
    assert t.loc["jd"].to_dict() == {"gmv_fen": 2850, "paid_fen": 2850, "refund_fen": 1000,
                                     "cogs_fen": 400, "units_without_cost": 0, "units": 5,
                                     "count_paid_orders": 2, "count_buyers": 2}
    # buyer-days add up over platforms (m1 bought on two days on tmall and one on jd), so a
    # 客单价 is the same from the platforms' rows as from the total
    assert t["count_buyers"].sum() == db.totals(_days(wh))["count_buyers"].iat[0] == 4


def test_totals_filters(wh):
    june = db.totals(_days(wh), "2025-06-18", "2025-06-30").iloc[0]
    assert (june.paid_fen, june.gmv_fen, june.refund_fen, june.count_paid_orders,
            june.count_buyers) == (4650, 5650, 950, 3, 3)
    shop = db.totals(_days(wh, shops=["j1"], platforms=["jd"])).iloc[0]
    assert (shop.paid_fen, shop.count_buyers) == (2850, 2)
    none = db.totals(_days(wh, platforms=["pdd"]))
    assert len(none) == 1 and none.iloc[0].sum() == 0
    r = db.with_ratios(none).iloc[0]
    assert math.isnan(r.refund_rate) and math.isnan(r.aov_fen) and math.isnan(r.gross_margin_rate)
    assert len(db.totals(_days(wh, platforms=["pdd"]), by=["platform"])) == 0
    with pytest.raises(ValueError, match="cannot group by"):
        db.totals(_days(wh), by=["member_key"])


def test_period_totals_from_one_read(wh):
    got = db.period_totals(_days(wh, "2025-06-01", "2030-01-31"),
                           {"june": ("2025-06-18", "2025-06-30"),
                            "all": ("2025-06-01", "2025-07-31"),
                            "none": ("2030-01-01", "2030-01-31")})
    assert (got["june"].paid_fen.iat[0], got["june"].count_buyers.iat[0]) == (4650, 3)
    assert (got["all"].paid_fen.iat[0], got["all"].refund_fen.iat[0],
            got["all"].count_paid_orders.iat[0], got["all"].count_buyers.iat[0]) == (6150, 1950, 4, 4)
    assert got["none"].iloc[0].sum() == 0 and len(got["none"]) == 1
    plat = db.period_totals(_days(wh, platforms=["tmall"]), {"all": ("2025-06-01", "2025-07-31")},
                            by=["platform"])["all"]
    assert plat[["platform", "paid_fen", "count_buyers"]].values.tolist() == [["tmall", 3300, 2]]


def test_with_ratios(wh):
    r = db.with_ratios(db.totals(_days(wh))).iloc[0]
    assert r.net_sales_fen == 4200          # 6150 - 1950
    assert r.refund_rate == pytest.approx(1950 / 6150)
    assert r.buyer_days == 4
    assert r.aov_fen == pytest.approx(1537.5)          # 客单价: 6150 / 4 buyer-days
    assert r.order_value_fen == pytest.approx(1537.5)  # 笔单价: 6150 / 4 paid orders
    assert r.gross_profit_fen == 2900       # 4200 - 1300
    assert r.gross_margin_rate == pytest.approx(2900 / 4200)


def test_the_totals_equal_the_order_lines(wh):
    """Summed here straight from int_order_lines, not through a mart."""
    want = wh.sql("""SELECT SUM(gmv_fen), SUM(paid_fen), SUM(refund_fen), SUM(cogs_fen),
                            SUM(units_without_cost), SUM(units),
                            COUNT(DISTINCT CASE WHEN is_paid THEN order_id END),
                            COUNT(DISTINCT CASE WHEN is_paid
                                  THEN shop_id || sales_date || buyer_key END)
                     FROM int_order_lines""").iloc[0].tolist()
    assert db.totals(_days(wh)).iloc[0].tolist() == want


def test_daily_trend_has_every_day(wh):
    tr = db.daily_trend(dq.daily_by_platform(wh, "2025-06-17", "2025-06-19"), "2025-06-17", "2025-06-19")
    assert tr["sales_date"].dt.strftime("%m-%d").tolist() == ["06-17", "06-18", "06-19"]
    assert tr["paid_fen"].tolist() == [0, 2400, 1350]
    assert tr["gmv_fen"].tolist() == [0, 3400, 1350]   # 06-18: 2900 (A, incl. o2) + 500
    assert tr["refund_fen"].tolist() == [0, 950, 0]
    assert tr["net_sales_fen"].tolist() == [0, 1450, 1350]
    with pytest.raises(ValueError, match="pass every day"):
        db.daily_trend(dq.daily_by_platform(wh, "2025-06-18", "2025-06-19"), "2025-06-17", "2025-06-19")


def test_platform_split_and_top_skus(wh):
    sp = db.platform_split(db.totals(_days(wh), by=["platform"]))
    assert sp["platform"].tolist() == ["tmall", "jd"]
    assert sp["share_rate"].tolist() == pytest.approx([3300 / 6150, 2850 / 6150])
    top = db.top_skus(dq.sku_sales(wh, "2025-06-01", "2025-07-31"), n=5)
    assert top["sku"].tolist() == ["A", "B"]
    assert top["product_name"].tolist() == ["保湿面霜 50ml", "坚果礼盒"]
    assert top["paid_fen"].tolist() == [3800, 2350]     # A 1900+900+1000, B 500+1350+500
    assert top["units"].tolist() == [4, 5]
    assert top["refund_fen"].tolist() == [1617, 333]    # A 950+667, B 333
    assert top["share_rate"].tolist() == pytest.approx([3800 / 6150, 2350 / 6150])
    assert db.top_skus(dq.sku_sales(wh, "2025-06-01", "2025-07-31"), n=1)["sku"].tolist() == ["A"]


def test_query_stock_without_snapshots_is_empty(wh):
    stock, sold = dq.stock(wh, "2025-07-01", lookback_days=7)
    assert len(stock) == 0
    # the 7 days 06-25..07-01: o4 (A 1) and o5 (A 1, B 1); o3 on 06-19 is outside
    assert dict(zip(sold.sku, sold.units)) == {"A": 2, "B": 1}
    assert len(db.stock_alerts(stock, sold)) == 0
    dims = dq.dimensions(wh)
    assert dims["shops"][["platform", "shop_id"]].values.tolist() == [["jd", "j1"], ["tmall", "s1"]]
    assert (dims["first"], dims["last"]) == (T("2025-06-18"), T("2025-07-01"))


# -- pure functions on inline frames -------------------------------------------------------------
def test_comparison_periods():
    p = db.comparison_periods("2025-07-01")
    assert p == {"today": (T("2025-07-01"), T("2025-07-01")),
                 "yesterday": (T("2025-06-30"), T("2025-06-30")),
                 "mtd": (T("2025-07-01"), T("2025-07-01")),
                 "last_mtd": (T("2025-06-01"), T("2025-06-01"))}
    assert db.comparison_periods("2025-03-31")["last_mtd"] == (T("2025-02-01"), T("2025-02-28"))
    assert db.comparison_periods("2024-03-31")["last_mtd"] == (T("2024-02-01"), T("2024-02-29"))
    assert db.comparison_periods("2025-01-15")["last_mtd"] == (T("2024-12-01"), T("2024-12-15"))


def test_change_rate_and_compare():
    assert db.change_rate(150, 100) == pytest.approx(0.5)
    assert db.change_rate(50, 100) == pytest.approx(-0.5)
    assert math.isnan(db.change_rate(10, 0)) and math.isnan(db.change_rate(10, float("nan")))
    cur = pd.DataFrame({"paid_fen": [1500], "count_paid_orders": [3], "count_buyers": [2],
                        "refund_rate": [0.25]})
    prev = pd.DataFrame({"paid_fen": [1000], "count_paid_orders": [0], "count_buyers": [4],
                         "refund_rate": [0.10]})
    c = db.compare(cur, prev).set_index("metric")
    assert c.loc["paid_fen", "change_rate"] == pytest.approx(0.5)
    assert math.isnan(c.loc["count_paid_orders", "change_rate"])
    assert c.loc["count_buyers", "change_rate"] == pytest.approx(-0.5)
    assert c.loc["refund_rate", "change_points"] == pytest.approx(0.15)
    assert math.isnan(c.loc["refund_rate", "change_rate"])
    # the catalogue says which way is good: a rise of the refund rate is not
    assert bool(c.loc["paid_fen", "good_when_up"]) and not bool(c.loc["refund_rate", "good_when_up"])
    with pytest.raises(ValueError, match="exactly one row"):
        db.compare(pd.concat([cur, cur]), prev)
    with pytest.raises(KeyError, match="dashboard.compare"):
        db.compare(cur.drop(columns="paid_fen"), prev)


def test_stock_alerts():
    stock = pd.DataFrame({"sku": ["V", "W", "X", "Y", "Z"],
                          "on_hand_units": [3, 0, 0, 5, 100],
                          "in_transit_units": [0, 0, 20, 0, 0]})
    sold = pd.DataFrame({"sku": ["X", "Y", "Z"], "units": [10, 28, 28]})
    a = db.stock_alerts(stock, sold, lookback_days=28, alert_days=7)
    # X: out and selling; Y: 5 on hand / (28/28 a day) = 5 days < 7; Z: 100 days;
    # W: out but nothing sold (no alert); V: nothing sold (no countdown)
    assert a["sku"].tolist() == ["X", "Y"]
    assert a["stock_status"].tolist() == ["stock_out", "low"]
    assert a["avg_daily_units"].tolist() == pytest.approx([10 / 28, 1.0])
    assert a["days_of_supply"].tolist() == pytest.approx([0.0, 5.0])
    assert a["in_transit_units"].tolist() == [20, 0]
    with pytest.raises(ValueError, match="lookback_days"):
        db.stock_alerts(stock, sold, lookback_days=0)


def test_preset_period():
    last = "2025-12-31"
    assert db.preset_period("month", last) == (T("2025-12-01"), T("2025-12-31"))
    assert db.preset_period("last_month", last) == (T("2025-11-01"), T("2025-11-30"))
    assert db.preset_period("last_7", last) == (T("2025-12-25"), T("2025-12-31"))
    assert db.preset_period("last_30", last) == (T("2025-12-02"), T("2025-12-31"))
    assert db.preset_period("year", last) == (T("2025-01-01"), T("2025-12-31"))
    assert db.preset_period("all", last, "2024-01-01") == (T("2024-01-01"), T("2025-12-31"))
    with pytest.raises(ValueError, match="unknown period"):
        db.preset_period("week", last)


# -- apps: read-only access with friendly messages ---------------------------------------------
def test_read_missing_and_locked(tmp_path, mini_path):
    with pytest.raises(apps.Unavailable) as e:
        apps.read(tmp_path / "nope.duckdb", dq.latest_sales_date)
    assert e.value.kind == "missing" and "nope.duckdb" in e.value.message("zh")
    assert "ecom ingest" in e.value.message("en")
    assert apps.read(mini_path, dq.latest_sales_date) == T("2025-07-01")
    # a writer in another process holds the file: "locked", not a DuckDB traceback
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
        "time.sleep(30)"), str(mini_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(apps.Unavailable) as e:
            apps.read(mini_path, dq.latest_sales_date)
        assert e.value.kind == "locked"
        assert "正在被写入" in e.value.message("zh")
    finally:
        holder.kill()
        holder.wait()


def test_resolve_warehouse(monkeypatch, tmp_path):
    monkeypatch.delenv("ECOMLIB_WAREHOUSE", raising=False)
    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root / "notebooks" / "apps")  # where Voila runs the apps
    assert apps.resolve_warehouse("") == root / "data" / "warehouse.duckdb"
    monkeypatch.setenv("ECOMLIB_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert apps.resolve_warehouse("") == tmp_path / "w.duckdb"
    assert apps.resolve_warehouse(str(tmp_path / "x.duckdb")) == tmp_path / "x.duckdb"


def test_big_screen_without_a_browser(mini_path, tmp_path):
    from ecomlib import bigscreen

    # the clock is past 07-01 and the data reach only 08:05 that day (o5): "data until 08:05"
    s = bigscreen.BigScreen(mini_path, refresh_seconds=0, now="2025-07-03 10:00")
    assert s.refresh() and s.count_refreshes == 1
    assert 'id="kpi-today-paid_fen" data-value="1500"' in s.today.value  # 07-01: 1000 + 500
    assert 'id="kpi-mtd-buyer_days" data-value="1"' in s.month.value     # m3 on 07-01
    assert "本月支付买家(人·天)" in s.month.value and "7月1日支付买家数" in s.today.value
    assert "2025-07-01 周二 · 数据只到 08:05" in s.header.value
    assert 'data-kind="partial"' in s.header.value
    # the refund rate is never compared (refunds lag), on both rows
    assert s.today.value.count("退款滞后数日，不比较") == 1 and "退款滞后数日" in s.month.value
    # 2 days behind the clock: the screen says its figures are not today's
    assert "数据不是最新：仓库最新的订单在 2025-07-01，已经 2 天没有新订单" in s.notice.value
    assert s.trend.value[:4] == b"\x89PNG" and s.top.value[:4] == b"\x89PNG"
    assert s.start() is False  # refresh 0: no ticking
    # on the morning after: "yesterday", no staleness warning; s1's orders end 06-25, 6 days
    # before the screen's day: named by its id (the mini set has no shop names)
    y = bigscreen.BigScreen(mini_path, refresh_seconds=0, now="2025-07-02 09:00")
    assert y.refresh() and "昨日支付订单数" in y.today.value and "本月实付金额" in y.month.value
    assert "数据不是最新" not in y.notice.value
    assert "s1的订单只到 2025-06-25（落后 6 天）" in y.notice.value
    # today, still running: compared with yesterday up to 08:05 (nothing on 06-30: "—")
    t = bigscreen.BigScreen(mini_path, refresh_seconds=0, now="2025-07-01 09:00")
    assert t.refresh()
    assert "今日 2025-07-01 周二 · 未完，数据截至 08:05" in t.header.value
    assert "较昨日同时段" in t.today.value and "今日实付金额" in t.today.value
    gone = bigscreen.BigScreen(tmp_path / "missing.duckdb", lang="en")
    assert gone.refresh() is False and "No warehouse" in gone.notice.value
    timed = bigscreen.BigScreen(mini_path, refresh_seconds=5)
    assert timed.start() and timed.ticker.playing and timed.ticker.interval == 5000
    timed.ticker.value += 1  # what the browser does every 5 s
    assert timed.count_refreshes == 1 and 'data-value="1500"' in timed.today.value
    timed.stop()
    assert not timed.ticker.playing


def test_stock_html_shows_the_most_urgent_rows_and_says_so():
    from ecomlib import bigscreen
    alerts = pd.DataFrame({"sku": [f"K{i}" for i in range(7)], "product_name": [f"商品{i}" for i in range(7)],
                           "stock_status": ["stock_out"] * 2 + ["low"] * 5,
                           "on_hand_units": [0, 0, 1, 2, 3, 4, 5], "in_transit_units": [0] * 7,
                           "avg_daily_units": [1.0] * 7, "days_of_supply": [0, 0, 1, 2, 3, 4, 5.0]})
    h = bigscreen.stock_html(alerts, "zh", 7, 28, max_rows=3)
    assert "· 7 个，显示最急的 3 个" in h and h.count("<tr>") == 1 + 3
    assert "K2" in h and "K3" not in h
    h = bigscreen.stock_html(alerts.head(2), "zh", 7, 28, max_rows=3)
    assert "· 2 个" in h and "显示最急" not in h and h.count("<tr>") == 1 + 2
    assert "没有需要预警的 SKU" in bigscreen.stock_html(alerts.head(0), "zh", 7, 28)


def test_big_screen_tick_failure_shows_no_code(mini_path, monkeypatch):
    from ecomlib import bigscreen
    s = bigscreen.BigScreen(mini_path, refresh_seconds=0, now="2025-07-02 09:00")

    def boom():
        raise KeyError("paid_fen_x")
    monkeypatch.setattr(s, "refresh", boom)
    s._tick(None)
    assert "刷新出错，稍后自动重试" in s.notice.value
    assert "KeyError" not in s.notice.value and "paid_fen_x" not in s.notice.value


def test_big_screen_in_english_has_no_chinese(mini_path):
    import re

    from ecomlib import bigscreen

    s = bigscreen.BigScreen(mini_path, refresh_seconds=0, lang="en", now="2025-07-01 09:00")
    assert s.refresh()
    text = re.sub(r"<[^>]+>", " ", s.header.value + s.notice.value + s.today.value
                  + s.month.value + s.stock.value + s.footer.value)
    assert "Today: Paid amount" in text or "TodayPaid amount" in text
    assert not re.search(r"[\u4e00-\u9fff]", text), text


def test_explorer_without_a_browser(mini_path):
    from ecomlib import explorer

    e = explorer.Explorer(mini_path, start="2025-06-01", end="2025-07-31", now="2025-08-20 10:00")
    assert 'id="kpi-paid_fen" data-value="6150"' in e.kpis.value
    assert 'id="kpi-aov_fen" data-value="1537.5"' in e.kpis.value          # 6150 / 4 buyer-days
    assert 'id="kpi-order_value_fen" data-value="1537.5"' in e.kpis.value  # 6150 / 4 orders
    assert "客单价" in e.kpis.value and "笔单价" in e.kpis.value
    # the mini set has no traffic or ads: 0 visitors, conversion and ROAS undefined
    assert 'id="kpi-visitors" data-value="0"' in e.kpis.value
    assert 'id="kpi-conversion_rate" data-value="nan"' in e.kpis.value
    # 环比 = the 61 days before (04-01..05-31: nothing sold), 同比 = 2024: no change to show
    assert 'id="kpi-paid_fen" data-value="6150" data-mom="" data-yoy=""' in e.kpis.value
    assert "本期 2025-06-01 至 2025-07-31（61 天）· 环比 2025-04-01 至 2025-05-31" in e.period_line.value
    # the period holds the data's last day (07-01): its refunds are still to come
    assert 'id="kpi-refund_rate" data-value="0.3170731707317073" data-mom="" data-yoy=""' \
        in e.kpis.value and "退款未到齐，暂不比较" in e.kpis.value
    assert e.download.value.startswith('<a id="excel-download" download="经营数据_2025-06-01至2025-07-31.xlsx"')
    # 14 cards (GMV only in the table and the Excel)
    assert e.kpis.value.count('class="ecom-kpi"') == 14 and 'id="kpi-gmv_fen"' not in e.kpis.value
    # the table is ranked by the metric: paid j1 2850 < s1 3300; orders j1 2 = s1 2 (a tie:
    # by platform, jd first)
    assert e.table.value.index("s1") < e.table.value.index("j1")
    chart = e.chart.value
    e.metric.value = "count_paid_orders"
    assert 'data-metric="count_paid_orders"' in e.table.value
    assert e.table.value.index("j1") < e.table.value.index("s1")
    assert e.chart.value != chart and "每个点是一天的支付订单数" in e.chart_note.value
    e.metric.value = "gmv_fen"   # not a column of the table: it comes first
    assert "GMV(拍下金额)" in e.table.value
    e.metric.value = "paid_fen"
    # cascade: platforms narrow the shop list; a shop of an unselected platform is gone
    e.platforms.value = ("tmall",)
    assert [v for _, v in e.shops.options] == ["s1"] and e.shops.value == ("s1",)
    assert 'id="kpi-paid_fen" data-value="3300"' in e.kpis.value
    assert 'id="kpi-buyer_days" data-value="2"' in e.kpis.value
    e.platforms.value = ("tmall", "jd")   # jd comes back with its shops selected
    assert set(e.shops.value) == {"s1", "j1"}
    e.shops.value = ("s1",)
    e.platforms.value = ("jd", "tmall")   # a platform already shown keeps its pick
    assert e.shops.value == ("s1",)
    e.start.value = pd.Timestamp("2025-06-19").date()   # tmall from 06-19: only o4
    assert 'id="kpi-paid_fen" data-value="900"' in e.kpis.value
    # an empty selection: the plain message, no cards, no table, no chart, no download
    e.shops.value = ()
    assert "没有选中店铺：请在店铺列表里选择" in e.message.value
    assert "所选平台和店铺在这段时间没有数据" not in e.message.value
    assert e.kpis.value == "" and e.table.value == "" and e.download.value == ""
    assert e.chart.layout.display == "none"
    e.shops.value = ("s1",)
    e.start.value, e.end.value = pd.Timestamp("2025-07-02").date(), pd.Timestamp("2025-07-31").date()
    assert "所选平台和店铺在这段时间没有数据：没有订单、访客和广告花费" in e.message.value
    assert e.kpis.value == "" and "没有选中" not in e.message.value
    e.platforms.value = ()
    assert "没有选中平台" in e.message.value and e.shops.options == ()
    e.platforms.value = ("tmall",)
    e.preset.value = "all"
    assert e.start.value.isoformat() == "2025-06-18" and e.end.value.isoformat() == "2025-07-01"
    assert e.message.value == "" and e.chart.layout.display != "none"
    # 全部 holds the last day, whose data end at 08:05: nothing is compared
    assert "最后一天未完，不比较" in e.kpis.value and "退款未到齐" not in e.kpis.value
    # ... while the other quick periods end the day before (06-30, whole): compared, but a
    # period ending a day before the data's last day has refunds still to come
    e.preset.value = "last_30"
    assert (e.start.value.isoformat(), e.end.value.isoformat()) == ("2025-06-01", "2025-06-30")
    assert "最后一天未完" not in e.kpis.value
    assert "退款未到齐，暂不比较" in e.kpis.value and 'id="kpi-refund_rate"' in e.kpis.value
    assert 'id="kpi-paid_fen" data-value="3300" data-mom="" data-yoy=""' in e.kpis.value


def test_explorer_freshness_and_unfinished_day(mini_path):
    from ecomlib import explorer

    # 07-01's data end at 08:05 and the clock says 07-01 09:00: the default period ends
    # the day before (06-30), and picking 07-01 by hand compares nothing
    e = explorer.Explorer(mini_path, now="2025-07-01 09:00")
    assert (e.start.value.isoformat(), e.end.value.isoformat()) == ("2025-06-01", "2025-06-30")
    # s1 (tmall) has no orders after 06-25: five days before the period's end
    assert "s1的订单只到 2025-06-25（落后 5 天）" in e.fresh.value
    e.end.value = pd.Timestamp("2025-07-01").date()
    assert "2025-07-01 还没过完（数据截至 08:05）" in e.notes.value
    assert "最后一天未完，不比较" in e.kpis.value and "环比 <span" not in e.kpis.value
    # a week later the clock is past it but the data still end at 08:05
    late = explorer.Explorer(mini_path, start="2025-06-01", end="2025-07-01", now="2025-07-08 09:00")
    assert "2025-07-01 的数据只到 08:05" in late.notes.value
    assert "数据不是最新：最新的订单在 2025-07-01，已经 7 天没有新数据" in late.fresh.value


def test_explorer_refunds_compared_by_the_reports_rule(mini_path):
    from ecomlib import explorer

    # the data end 07-01; 05-10..06-20 (42 days) has 19 days younger than 30 days
    # (06-02..06-20): under half, compared, and the note says how many
    e = explorer.Explorer(mini_path, start="2025-05-10", end="2025-06-20", now="2025-08-20 10:00")
    assert e.view["young_days"] == 19 and not e.view["refunds_pending"]
    assert "退款未到齐" not in e.kpis.value
    assert "本期最近 19 天的订单付款不到 30 天，退款还在发生" in e.notes.value
    # 06-01..06-20: 19 of 20 days young: refunds, net sales, gross profit not compared
    e.start.value = pd.Timestamp("2025-06-01").date()
    assert e.view["refunds_pending"] and "本期 20 天里有 19 天的订单付款不到 30 天" in e.notes.value
    assert 'id="kpi-net_sales_fen"' in e.kpis.value and "退款未到齐，暂不比较" in e.kpis.value


def test_explorer_excel_holds_the_view(mini_path, tmp_path):
    import openpyxl

    from ecomlib import explorer

    e = explorer.Explorer(mini_path, start="2025-06-01", end="2025-07-31", now="2025-08-20 10:00")
    data = explorer.excel_bytes(e.view, e.shop_names)
    (tmp_path / "v.xlsx").write_bytes(data)
    wb = openpyxl.load_workbook(tmp_path / "v.xlsx")
    assert wb.sheetnames == ["汇总", "环比同比", "分店铺", "每日", "筛选条件"]
    head = [c.value for c in wb["汇总"][1]]
    assert head[:4] == ["期间", "开始日期", "结束日期", "实付金额(元)"]
    assert "转化率" in head and "ROAS(投产比)" in head and "广告花费(元)" in head
    assert [r[0].value for r in wb["汇总"].iter_rows(min_row=2)] == ["本期", "上期（环比）",
                                                                     "去年同期（同比）"]
    assert wb["汇总"]["D2"].value == 61.5 and wb["汇总"]["D2"].number_format == "#,##0.00"
    shop = wb["分店铺"]
    assert [c.value for c in shop[1]][:3] == ["平台", "店铺", "实付金额(元)"]
    rows = {(r[0].value, r[1].value): r[2].value for r in shop.iter_rows(min_row=2)}
    assert rows == {("京东", "j1"): 28.5, ("天猫", "s1"): 33.0}     # 2850 and 3300 fen
    days = wb["每日"]
    assert [c.value for c in days[1]][:4] == ["日期", "平台", "店铺", "实付金额(元)"]
    got = [(r[0].value.date().isoformat(), r[2].value, r[3].value) for r in days.iter_rows(min_row=2)]
    assert got == [("2025-06-18", "s1", 24.0), ("2025-06-19", "j1", 13.5),
                   ("2025-06-25", "s1", 9.0), ("2025-07-01", "j1", 15.0)]
    filters = {r[0].value: r[1].value for r in wb["筛选条件"].iter_rows(min_row=2)}
    assert filters["本期"] == "2025-06-01 至 2025-07-31" and filters["平台"] == "京东、天猫"
    assert filters["排序指标"] == "实付金额"
    assert [c.value for c in wb["筛选条件"][1]] == ["项目", "内容"]
    ranked = openpyxl.load_workbook(__import__("io").BytesIO(
        explorer.excel_bytes(e.view, e.shop_names, metric="count_paid_orders")))
    assert [r[1].value for r in ranked["分店铺"].iter_rows(min_row=2)] == ["j1", "s1"]
    # no snake_case header anywhere
    import re
    for ws in wb:
        assert not any(re.fullmatch(r"[a-z]+(_[a-z]+)+", str(c.value)) for c in ws[1]), ws.title
    en = explorer.workbook_tables(e.view, e.shop_names, "en")
    assert list(en) == ["Summary", "Changes", "By shop", "By day", "Filters"]


# -- pure functions of the apps on inline frames ------------------------------------------------
def _sd(**cols):
    """shop-days with every TOTAL_COLUMN (0 unless given) and visitors."""
    n = len(next(iter(cols.values())))
    base = {"sales_date": [T("2025-06-01")] * n, "platform": ["tmall"] * n, "shop_id": ["s1"] * n,
            **{c: [0] * n for c in (*db.TOTAL_COLUMNS, "visitors")}}
    base.update(cols)
    return pd.DataFrame(base)


def test_with_ads_and_view_ratios():
    days = _sd(sales_date=[T("2025-06-01"), T("2025-06-01"), T("2025-06-02")],
               shop_id=["s1", "s2", "s1"], paid_fen=[10000, 5000, 8000],
               count_buyers=[4, 2, 3], visitors=[100, 0, 50])
    ads = pd.DataFrame({"spend_date": [T("2025-06-01"), T("2025-06-01"), T("2025-06-03")],
                        "platform": ["tmall"] * 3, "shop_id": ["s1", "s1", "s1"],
                        "spend_fen": [1000, 500, 700], "attributed_paid_fen": [3000, 1500, 0]})
    v = db.with_ads(days, ads)
    # s1 on 06-01: two campaigns summed; 06-03: ads only, a row of its own (sales 0)
    assert v[["sales_date", "shop_id", "spend_fen", "paid_fen"]].values.tolist() == [
        [T("2025-06-01"), "s1", 1500, 10000], [T("2025-06-01"), "s2", 0, 5000],
        [T("2025-06-02"), "s1", 0, 8000], [T("2025-06-03"), "s1", 700, 0]]
    # s2's day has no traffic export: its 2 buyers are not in the conversion's numerator
    assert v["count_buyers_with_traffic"].tolist() == [4, 0, 3, 0]
    r = db.with_view_ratios(db.totals(v, columns=db.VIEW_COLUMNS)).iloc[0]
    assert (r.paid_fen, r.visitors, r.spend_fen, r.attributed_paid_fen) == (23000, 150, 2200, 4500)
    assert r.conversion_rate == pytest.approx(7 / 150)    # (4 + 3) / (100 + 50), not 9 / 150
    assert r.roas == pytest.approx(4500 / 2200)
    assert r.aov_fen == pytest.approx(23000 / 9)          # 客单价 over every buyer-day
    by = db.with_view_ratios(db.totals(v, by=["shop_id"], columns=db.VIEW_COLUMNS))
    assert math.isnan(by.set_index("shop_id").loc["s2", "conversion_rate"])
    assert math.isnan(by.set_index("shop_id").loc["s2", "roas"])


def test_daily_metric_fills_the_days_and_computes_ratios_per_day():
    days = _sd(sales_date=[T("2025-06-01"), T("2025-06-01"), T("2025-06-03")],
               shop_id=["s1", "s2", "s1"], paid_fen=[10000, 5000, 8000],
               count_buyers=[4, 2, 3], visitors=[100, 0, 50])
    ads = pd.DataFrame({"spend_date": [T("2025-06-01"), T("2025-06-03")],
                        "platform": ["tmall"] * 2, "shop_id": ["s1", "s1"],
                        "spend_fen": [1000, 4000], "attributed_paid_fen": [3000, 2000]})
    v = db.with_ads(days, ads)
    paid = db.daily_metric(v, "paid_fen", "2025-06-01", "2025-06-03", by="shop_id")
    # every day for every shop: 06-02 is a zero, not a gap; s2 sold only on 06-01
    assert paid.values.tolist() == [
        [T("2025-06-01"), "s1", 10000], [T("2025-06-01"), "s2", 5000],
        [T("2025-06-02"), "s1", 0], [T("2025-06-02"), "s2", 0],
        [T("2025-06-03"), "s1", 8000], [T("2025-06-03"), "s2", 0]]
    roas = db.daily_metric(v, "roas", "2025-06-01", "2025-06-03", by="platform")
    assert roas["roas"].iloc[0] == pytest.approx(3.0)        # 3000 / 1000
    assert math.isnan(roas["roas"].iloc[1])                  # 06-02: no spend, no point
    assert roas["roas"].iloc[2] == pytest.approx(0.5)        # 2000 / 4000
    conv = db.daily_metric(v, "conversion_rate", "2025-06-01", "2025-06-01", by="platform")
    assert conv["conversion_rate"].iat[0] == pytest.approx(4 / 100)   # s2 has no visitors
    with pytest.raises(ValueError, match="unknown metric"):
        db.daily_metric(v, "members", "2025-06-01", "2025-06-03")


def test_rank_by_puts_missing_last():
    f = pd.DataFrame({"platform": ["jd", "tmall", "pdd", "tmall"], "shop_id": ["j", "a", "p", "b"],
                      "roas": [2.0, float("nan"), 3.5, 2.0]})
    assert db.rank_by(f, "roas")["shop_id"].tolist() == ["p", "j", "b", "a"]


def test_chart_note_follows_the_metric_and_the_day():
    from types import SimpleNamespace

    from ecomlib import explorer
    view = {"period": SimpleNamespace(end=pd.Timestamp("2025-07-01").date()), "unfinished": None}
    paid = explorer.chart_note("paid_fen", view)
    assert "每个点是一天的实付金额" in paid and "金额单位元" in paid and "偏低" not in paid
    roas = explorer.chart_note("roas", view)
    assert "当天没有广告花费的日子不画点" in roas and "金额单位元" not in roas
    cut = {**view, "unfinished": db.DayState("partial", pd.Timestamp("2025-07-01 08:05"), True)}
    assert "最后一天（2025-07-01）的数据只到 08:05，它的点偏低不代表下滑" in explorer.chart_note(
        "visitors", cut)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in explorer.chart_note("roas", cut, "en"))


def test_compare3_and_lagging():
    cur = pd.DataFrame({"paid_fen": [1200], "refund_rate": [0.02], "spend_fen": [300]})
    prev = pd.DataFrame({"paid_fen": [1000], "refund_rate": [0.05], "spend_fen": [200]})
    ago = pd.DataFrame({"paid_fen": [0], "refund_rate": [float("nan")], "spend_fen": [400]})
    c = db.compare3(cur, prev, ago, ["paid_fen", "refund_rate", "spend_fen"]).set_index("metric")
    assert c.loc["paid_fen", "mom_rate"] == pytest.approx(0.2)
    assert math.isnan(c.loc["paid_fen", "yoy_rate"])          # from nothing: no rate
    assert c.loc["refund_rate", "mom_points"] == pytest.approx(-0.03)
    assert math.isnan(c.loc["refund_rate", "yoy_points"])
    assert c.loc["spend_fen", "yoy_rate"] == pytest.approx(-0.25)
    assert not bool(c.loc["spend_fen", "good_when_up"])        # catalogue: less spend is better
    lag = db.compare3(cur, prev, ago, ["paid_fen", "refund_rate"], db.LAGGING).set_index("metric")
    assert not lag.loc["refund_rate", "compared"] and math.isnan(lag.loc["refund_rate", "mom_points"])
    assert lag.loc["paid_fen", "compared"] and lag.loc["paid_fen", "mom_rate"] == pytest.approx(0.2)


def test_day_state():
    ts = pd.Timestamp
    # today while it runs: cut at the data's last payment
    s = db.day_state("2025-07-01", ts("2025-07-01 14:05"), ts("2025-07-01 14:30"))
    assert (s.kind, s.cutoff, s.is_today) == ("partial", ts("2025-07-01 14:05"), True)
    assert s.cutoff_time.isoformat() == "14:05:00"
    # the clock is past the day and the data reach the evening: whole
    assert db.day_state("2025-07-01", ts("2025-07-01 23:46"), ts("2025-07-02 08:00")).kind == "whole"
    assert db.day_state("2025-07-01", ts("2025-07-01 22:00"), ts("2025-07-02 08:00")).kind == "whole"
    # ... but data that stop in the afternoon were exported before the day ended
    s = db.day_state("2025-07-01", ts("2025-07-01 15:00"), ts("2025-07-03 08:00"))
    assert (s.kind, s.is_today) == ("partial", False)
    # a later day has data: whole, whatever the times
    assert db.day_state("2025-07-01", ts("2025-07-01 09:00"), ts("2025-07-01 10:00"),
                        latest="2025-07-02").kind == "whole"
    # no payment times: whole once the clock is past it, running while it is today
    assert db.day_state("2025-07-01", None, ts("2025-07-02 01:00")).kind == "whole"
    assert db.day_state("2025-07-01", pd.NaT, ts("2025-07-01 10:00")).kind == "running"


def test_screen_totals_cut_at_the_same_hours():
    per = db.comparison_periods("2025-07-03")
    # 06-01..06-03 and 07-01..07-03: paid 100, 200, 300 and 1000, 2000, 500 (07-03 so far)
    days = _sd(sales_date=[T(f"2025-06-0{i}") for i in (1, 2, 3)]
               + [T(f"2025-07-0{i}") for i in (1, 2, 3)],
               paid_fen=[100, 200, 300, 1000, 2000, 500], count_paid_orders=[1, 1, 1, 2, 4, 1],
               count_buyers=[1, 1, 1, 2, 4, 1])
    whole = db.screen_totals(days, per)
    assert whole["yesterday"].paid_fen.iat[0] == 2000 and whole["last_mtd"].paid_fen.iat[0] == 600
    # up to the cutoff: 07-02 had 800 of its 2000, 06-03 had 120 of its 300
    cut = _sd(sales_date=[T("2025-07-02"), T("2025-06-03")], paid_fen=[800, 120],
              count_paid_orders=[2, 1], count_buyers=[2, 1])
    got = db.screen_totals(days, per, cut)
    assert got["today"].paid_fen.iat[0] == 500 and got["mtd"].paid_fen.iat[0] == 3500
    assert got["yesterday"].paid_fen.iat[0] == 800
    assert got["last_mtd"].paid_fen.iat[0] == 100 + 200 + 120
    assert got["last_mtd"].count_buyers.iat[0] == 3 and "aov_fen" in got["last_mtd"]


def test_intraday_and_last_paid_at_on_the_mini_set(wh):
    import datetime as dt
    # o3 was paid 06-19 23:59:59; o4 at 2025-06-24T16:30Z = 06-25 00:30 Beijing
    assert dq.last_paid_at(wh, "2025-06-19") == T("2025-06-19 23:59:59")
    assert dq.last_paid_at(wh, "2025-06-25") == T("2025-06-25 00:30:00")
    assert dq.last_paid_at(wh, "2025-06-20") is None
    # by noon of 06-18 and 06-19: o1 (paid 10:01) and o2 (placed 11:00, never paid: GMV only);
    # o3 came at 23:59:59
    noon = db.totals(dq.intraday(wh, ["2025-06-18", "2025-06-19"], dt.time(12, 0)), by=["sales_date"])
    assert noon[["sales_date", "gmv_fen", "paid_fen", "count_paid_orders", "count_buyers"]] \
        .values.tolist() == [[T("2025-06-18"), 3400, 2400, 1, 1]]
    assert len(dq.intraday(wh, ["2025-06-18"], dt.time(10, 0))) == 0     # o1 paid 10:01
    # up to the day's end the cut equals the mart
    full = db.totals(dq.intraday(wh, ["2025-06-18", "2025-06-19", "2025-06-25", "2025-07-01"],
                                 dt.time(23, 59, 59)))
    assert full.iloc[0].tolist() == db.totals(_days(wh)).iloc[0].tolist()


def test_shop_split():
    t = pd.DataFrame({"platform": ["jd", "tmall", "tmall", "pdd"], "shop_id": ["j", "a", "b", "p"],
                      "paid_fen": [300, 500, 100, 100]})
    sp = db.shop_split(t, n=2)
    assert sp["shop_id"].tolist() == ["a", "j", None]
    assert sp["paid_fen"].tolist() == [500, 300, 200]       # b and p as "other shops"
    assert sp["share_rate"].tolist() == pytest.approx([0.5, 0.3, 0.2])


def test_delta_colours_follow_the_catalogue():
    from ecomlib.metrics import catalogue
    up = lambda m, x: apps.delta_text(x, good_when_up=catalogue.good_when_up(m))  # noqa: E731
    assert 'data-kind="better"' in up("paid_fen", 0.1) and apps.DARK["up"] in up("paid_fen", 0.1)
    assert 'data-kind="worse"' in up("paid_fen", -0.1)
    assert 'data-kind="better"' in up("refund_rate", -0.01)   # a lower refund rate is better
    assert 'data-kind="worse"' in up("spend_fen", 0.2)        # more ad spend: worse
    assert 'data-kind="neutral"' in up("cogs_fen", 0.2)       # neither
    assert 'data-kind="neutral"' in up("paid_fen", 0.00001) and "＝" in up("paid_fen", 0.00001)
    assert "▲ 1.5个百分点" in apps.delta_text(0.015, points=True)
    assert apps.LIGHT["down"] in apps.delta_text(-0.1, light=True)


def test_stale_sentence_and_download_link():
    import base64

    fresh = pd.DataFrame({"platform": ["tmall", "jd"], "shop_id": ["a", "b"],
                          "shop_name": ["山野官方店", None],
                          "last_sales_date": [T("2025-06-20"), T("2025-06-30")],
                          "last_traffic_date": [T("2025-06-30"), T("2025-06-25")],
                          "last_ad_date": [pd.NaT, T("2025-06-30")],
                          "sales_lag_days": [10, 0], "traffic_lag_days": [0, 5],
                          "ad_lag_days": [float("nan"), 0]})
    s = apps.stale_sentence(fresh)
    assert s.startswith("数据不全：山野官方店的订单只到 2025-06-20（落后 10 天）；b的访客只到 2025-06-25（落后 5 天）")
    assert apps.stale_sentence(fresh, kinds=("sales",)).count("只到") == 1   # only a's orders
    assert apps.stale_sentence(fresh.assign(sales_lag_days=0, traffic_lag_days=1)) is None
    link = apps.download_link(b"PK\x03\x04", "经营数据_<x>.xlsx", "下载")
    assert 'download="经营数据_&lt;x&gt;.xlsx"' in link
    assert "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," \
        + base64.b64encode(b"PK\x03\x04").decode() in link


def test_beijing_now(monkeypatch):
    monkeypatch.delenv(apps.NOW_ENV, raising=False)
    assert apps.beijing_now("2025-07-01 09:00") == T("2025-07-01 09:00")
    monkeypatch.setenv(apps.NOW_ENV, "2025-12-31 14:05")
    assert apps.beijing_now() == T("2025-12-31 14:05")
    assert apps.beijing_now("2025-01-01") == T("2025-01-01")
    monkeypatch.delenv(apps.NOW_ENV)
    assert abs(apps.beijing_now() - pd.Timestamp.now("Asia/Shanghai").tz_localize(None)) \
        < pd.Timedelta(minutes=1)


# -- serving ---------------------------------------------------------------------------------
# (the Voila command line and its environment: tests/test_serve.py)


@pytest.mark.parametrize("name,params", [
    ("big_screen", {"warehouse", "as_of", "lang", "refresh_seconds", "top_n",
                    "stock_lookback_days", "stock_alert_days", "now"}),
    ("explorer", {"warehouse", "start", "end", "lang", "now"}),
])
def test_app_notebooks_are_clean_and_thin(name, params):
    import json

    import papermill

    path = Path(__file__).resolve().parents[1] / "notebooks" / "apps" / f"{name}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["metadata"]["kernelspec"]["language"] == "python"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert set(papermill.inspect_notebook(str(path))) == params
    assert sum(len("".join(c["source"]).splitlines()) for c in code[1:]) < 20  # thin
