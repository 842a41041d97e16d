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
                 "last_week": (T("2025-06-24"), T("2025-06-24")),
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

    s = bigscreen.BigScreen(mini_path, refresh_seconds=0)
    assert s.refresh() and s.count_refreshes == 1
    assert 'id="kpi-today-paid_fen" data-value="1500"' in s.today.value  # 07-01: 1000 + 500
    assert 'id="kpi-mtd-buyer_days" data-value="1"' in s.month.value     # m3 on 07-01
    assert "本月支付买家(人·天)" in s.month.value and "今日支付买家数" in s.today.value
    assert "今日 = 2025-07-01" in s.header.value
    assert s.trend.value[:4] == b"\x89PNG" and s.top.value[:4] == b"\x89PNG"
    assert s.start() is False  # refresh 0: no ticking
    gone = bigscreen.BigScreen(tmp_path / "missing.duckdb", lang="en")
    assert gone.refresh() is False and "No warehouse" in gone.notice.value
    timed = bigscreen.BigScreen(mini_path, refresh_seconds=5)
    assert timed.start() and timed.ticker.playing and timed.ticker.interval == 5000
    timed.ticker.value += 1  # what the browser does every 5 s
    assert timed.count_refreshes == 1 and 'data-value="1500"' in timed.today.value
    timed.stop()
    assert not timed.ticker.playing


def test_explorer_without_a_browser(mini_path):
    from ecomlib import explorer

    e = explorer.Explorer(mini_path, start="2025-06-01", end="2025-07-31")
    assert 'id="kpi-paid_fen" data-value="6150"' in e.kpis.value
    assert 'id="kpi-aov_fen" data-value="1537.5"' in e.kpis.value          # 6150 / 4 buyer-days
    assert 'id="kpi-order_value_fen" data-value="1537.5"' in e.kpis.value  # 6150 / 4 orders
    assert "客单价" in e.kpis.value and "笔单价" in e.kpis.value
    e.platforms.value = ("tmall",)
    assert 'id="kpi-paid_fen" data-value="3300"' in e.kpis.value
    assert 'id="kpi-buyer_days" data-value="2"' in e.kpis.value
    e.start.value = pd.Timestamp("2025-06-19").date()   # tmall from 06-19: only o4
    assert 'id="kpi-paid_fen" data-value="900"' in e.kpis.value
    e.platforms.value = ()
    assert "没有支付订单" in e.message.value
    e.preset.value = "all"
    assert e.start.value.isoformat() == "2025-06-18" and e.end.value.isoformat() == "2025-07-01"


# -- serving ---------------------------------------------------------------------------------
# (the Voila command line and its environment: tests/test_serve.py)


@pytest.mark.parametrize("name,params", [
    ("big_screen", {"warehouse", "as_of", "lang", "refresh_seconds", "top_n",
                    "stock_lookback_days", "stock_alert_days"}),
    ("explorer", {"warehouse", "start", "end", "lang"}),
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
