"""The inventory report: its sentences are functions of the numbers (each tested with data that
says the opposite of the demo), its figures tie to the marts and to the intermediate lines,
and notebooks/inventory.ipynb runs through the runner on a small demo warehouse with its
figures in the page."""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from ecomlib import fmt
from ecomlib.metrics import inventory_report as rep

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "inventory.ipynb"


def _text(sentence) -> str:
    return str(sentence)


# -- sentences: each with the data the other way round -------------------------------------------
def _replay(suggested_days, suggested_value, suggested_orders, suggested_lost=100.0):
    return pd.DataFrame({
        "arm": ["demo_actual", "demo_replay", "suggested"],
        "stockout_days": [200, 200, suggested_days],
        "lost_units": [100.0, 100.0, suggested_lost],
        "avg_stock_value_fen": [1_000_000.0, 1_000_000.0, suggested_value],
        "count_orders_placed": [50, 50, suggested_orders]})


def test_replay_sentences_when_the_policy_wins():
    t = _replay(150, 800_000.0, 90, suggested_lost=120.0)
    head = _text(rep.replay_headline(t, "zh"))
    assert "缺货天数 150（实际 200，少 25.0%）" in head and "（实际 ¥1.00万，少 20.0%）" in head
    v = _text(rep.replay_verdict(t, "zh"))
    assert "少 50** 个 SKU·天" in v and "平均库存占用 **少 ¥2,000**" in v
    # fewer stock-out days but more units lost: the caveat, and the cost of ordering more often
    assert "比实际的 100 件多（缺货天数少不等于丢的销量少" in v and "代价是下单更频繁（90 对 50" in v
    en = _text(rep.replay_verdict(t, "en"))
    assert "**50 fewer** stock-out SKU-days" in en and "more frequent ordering" in en


def test_replay_sentences_when_the_policy_loses():
    t = _replay(260, 1_300_000.0, 40, suggested_lost=150.0)
    head = _text(rep.replay_headline(t, "zh"))
    assert "缺货天数 260（实际 200，多 30.0%）" in head and "多 30.0%）。详见" in head
    assert "30.0% more" in _text(rep.replay_headline(t, "en"))
    v = _text(rep.replay_verdict(t, "zh"))
    assert "比实际 **多 60** 个 SKU·天" in v and "平均库存占用 **多 ¥3,000**" in v
    assert "缺货天数少不等于" not in v          # more stock-out days: no such caveat
    assert "代价是下单更频繁" not in v and "下单次数更少（40 对 50" in v
    en = _text(rep.replay_verdict(t, "en"))
    assert "**60 more** stock-out SKU-days" in en and "**¥3.00k more**" in en
    assert "It places fewer orders" in en


def _bt(skill, wape, wape_snaive, wape_ma13, wins):
    by_cat = pd.DataFrame({"category": list("abcdef"), "beats_snaive": [True] * wins + [False] * (6 - wins)})
    overall = pd.DataFrame([{"skill_rate": skill, "wape_rate": wape, "wape_snaive_rate": wape_snaive,
                             "wape_ma13_rate": wape_ma13}])
    return SimpleNamespace(overall=overall, by_category=by_cat)


def test_backtest_verdict_follows_the_scores():
    win = _text(rep.backtest_verdict(_bt(0.25, 0.52, 0.70, 0.54, 6), "zh"))
    assert "**6/6**" in win and "降低 **25.0%**" in win and "好 2.0 个百分点" in win
    assert "不如" not in win
    lose = _text(rep.backtest_verdict(_bt(-0.10, 0.75, 0.70, 0.60, 1), "zh"))
    assert "**1/6**" in lose and "反而高 **10.0%**" in lose and "**不如**季节朴素" in lose
    assert "差 15.0 个百分点" in lose and "改用季节朴素或人工判断" in lose
    assert "is **worse** than seasonal naive" in _text(rep.backtest_verdict(_bt(-0.1, 0.75, 0.7, 0.6, 1), "en"))


def test_the_model_follows_actual_sales_only_when_its_line_is_closer():
    weeks = pd.date_range("2025-01-06", periods=4, freq="7D")
    actual = np.array([100.0, 120.0, 90.0, 110.0])
    close = pd.DataFrame({"week_start": weeks, "units_actual": actual, "combined": actual + 5,
                          "snaive": actual + 20})
    s = _text(rep.follows_actual(close, "zh"))
    assert "模型曲线更贴近实际" in s and "平均偏差 4.8%，季节朴素 19.0%" in s   # 20/420, 80/420
    assert "follows actual sales more closely" in _text(rep.follows_actual(close, "en"))
    far = close.assign(combined=actual - 30, snaive=actual + 2)
    s = _text(rep.follows_actual(far, "zh"))
    assert "模型曲线**没有**比季节朴素更贴近实际" in s and "模型曲线更贴近实际" not in s
    assert "does **not** follow actual sales" in _text(rep.follows_actual(far, "en"))


def test_backtest_series_sums_the_first_week_ahead():
    f = pd.DataFrame({"week_start": pd.to_datetime(["2025-01-06"] * 3 + ["2025-01-13"]),
                      "h": [1, 1, 2, 1], "units_actual": [3.0, 4.0, 9.0, 5.0],
                      "combined": [2.0, 4.0, 9.0, 6.0], "snaive": [1.0, 1.0, 9.0, np.nan]})
    got = rep.backtest_series(f)
    assert got.values.tolist() == [[pd.Timestamp("2025-01-06"), 7.0, 6.0, 2.0]]


def test_capital_and_stockout_notes_read_the_replay_days():
    days = pd.date_range("2025-01-01", periods=4)
    daily = pd.DataFrame({"date": np.tile(days, 3),
                          "arm": np.repeat(["demo_actual", "demo_replay", "suggested"], 4),
                          "stock_value_fen": [10, 10, 10, 10, 10, 10, 10, 10, 5, 5, 5, 20],
                          "count_skus_out": [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]})
    s = _text(rep.capital_note(daily, "zh"))
    assert "大部分时间更低（75.0% 的日子" in s
    o = _text(rep.stockout_count_note(daily, "zh"))
    assert "建议策略平均 0.0 个，比实际的 1.0 个少" in o
    higher = daily.assign(stock_value_fen=[10] * 8 + [5, 20, 20, 20],
                          count_skus_out=[1] * 8 + [2, 2, 2, 2])
    s = _text(rep.capital_note(higher, "zh"))
    assert "只在 25.0% 的日子低于实际" in s and "大部分时间更低" not in s
    assert "**not** lower most of the time" in _text(rep.capital_note(higher, "en"))
    assert "比实际的 1.0 个多" in _text(rep.stockout_count_note(higher, "zh"))


def test_health_supplier_and_forecast_notes_name_what_the_numbers_say():
    cats = pd.DataFrame({"category": ["茶饮", "护肤", "零食"], "turnover": [3.0, 6.5, np.nan],
                         "days_of_supply": [98.0, 64.0, np.nan]})
    s = _text(rep.health_note(cats, "zh"))
    assert "周转最慢的是 **茶饮**（3.0 次，期末可售 98 天），最快的是 **护肤**（6.5 次" in s
    s = _text(rep.health_note(cats.assign(turnover=[7.0, 2.0, np.nan]), "zh"))
    assert "周转最慢的是 **护肤**" in s and "最快的是 **茶饮**" in s
    sup = pd.DataFrame({"supplier_id": ["S1", "S2"], "supplier_name": ["甲", "乙"],
                        "on_time_rate": [0.9, 0.5], "lead_days_std": [1.0, 4.0]})
    s = _text(rep.supplier_note(sup, "zh"))
    assert "准时率最低的是 **乙**（50.0%），交期波动最大的是 **乙**（标准差 4.0 天）" in s
    s = _text(rep.supplier_note(sup.assign(on_time_rate=[0.4, 0.95], lead_days_std=[1.0, 0.5]), "zh"))
    assert "准时率最低的是 **甲**（40.0%），交期波动最大的是 **甲**" in s
    assert "低于目标 80%" in _text(rep.forecast_note(0.767, 4, "zh"))
    assert "高于目标 80%" in _text(rep.forecast_note(0.86, 4, "zh"))
    assert "above the target of 80%" in _text(rep.forecast_note(0.86, 4, "en"))
    assert "无法检验" in _text(rep.forecast_note(np.nan, 4, "zh"))


# -- the report on a small demo warehouse ------------------------------------------------------------
START, END = "2025-01-01", "2025-12-31"


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    from ecomlib import demo
    from ecomlib.warehouse import Warehouse
    root = tmp_path_factory.mktemp("inventory_report")
    demo.write_demo(root / "demo", demo.DemoConfig(members=400, skus=30), layout="canonical")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    return db


@pytest.fixture(scope="module")
def report(demo_warehouse):
    from ecomlib.warehouse import Warehouse
    with Warehouse(demo_warehouse, read_only=True) as wh:
        return rep.build_report(wh, START, END, "2024-01-01")


def test_report_figures_tie_to_the_marts_and_the_lines(demo_warehouse, report):
    """Units sold and cost of goods of the period: the report's total = the query over
    mart_sales_daily = an independent sum over int_order_lines (paid lines of the SKUs the
    report covers); average stock at cost = mart_stock_daily's clipped values / days."""
    import duckdb
    total = report["total"].iloc[0]
    skus = list(report["per_sku"]["sku"])
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        lines = con.execute(
            "SELECT SUM(units), SUM(cogs_fen), SUM(units_returned) FROM int_order_lines "
            "WHERE is_paid AND sales_date BETWEEN ? AND ? AND list_contains(?, sku)",
            [START, END, skus]).fetchall()[0]
        mart = con.execute(
            "SELECT SUM(units), SUM(cogs_fen) FROM mart_sales_daily "
            "WHERE sales_date BETWEEN ? AND ? AND list_contains(?, sku)", [START, END, skus]).fetchall()[0]
        stock = con.execute(
            "SELECT SUM(GREATEST(on_hand_value_fen, 0)) FROM mart_stock_daily "
            "WHERE snapshot_date BETWEEN ? AND ?", [START, END]).fetchall()[0][0]
        raw_stock = con.execute(
            "SELECT SUM(GREATEST(s.on_hand_units, 0) * p.unit_cost_fen) FROM inventory_snapshots s "
            "JOIN products p USING (sku) WHERE snapshot_date BETWEEN ? AND ?", [START, END]).fetchall()[0][0]
    finally:
        con.close()
    assert total["units_sold"] == lines[0] == mart[0] and total["units_sold"] > 0
    assert total["cogs_fen"] == lines[1] == mart[1]
    assert lines[2] > 0     # some units came back: their cost is not in the cost of goods
    assert total["avg_value_fen"] == pytest.approx(stock / 365) and stock == raw_stock
    assert total["turnover"] == pytest.approx(lines[1] / (stock / 365))
    # the suppliers' lead times are the mart's
    assert report["suppliers"]["count_po_lines"].sum() > 0
    # the backtest and the replay ran on the demo
    assert report["backtest"] is not None and len(report["replay"]["table"]) == 3


def test_the_forecast_reads_dim_calendar(demo_warehouse):
    """The report passes dim_calendar's rows to the forecast: a seller campaign there is a
    c_user day of the forecast's weekly calendar."""
    from ecomlib.metrics import inventory_queries as Q
    from ecomlib.models import forecast as F
    from ecomlib.warehouse import Warehouse
    with Warehouse(demo_warehouse, read_only=True) as wh:
        cal = Q.calendar(wh, "2025-06-02", "2025-06-22")
    assert cal["festival"].eq("618").sum() == 17          # June 2 .. 18
    cal.loc[cal["day"] == "2025-06-10", "campaign"] = "店庆"
    wk = F.weekly_calendar(pd.DatetimeIndex(pd.to_datetime(["2025-06-09", "2025-06-16"])), cal)
    assert wk["c_user"].tolist() == [1, 0] and wk["c618_peak"].tolist() == [0, 1]


def test_notebook_parameters_are_kept():
    import papermill
    declared = papermill.inspect_notebook(str(NB))
    values = yaml.safe_load((ROOT / "parameters" / "inventory.yaml").read_text(encoding="utf-8"))
    assert set(values) == set(declared) == {
        "warehouse", "start", "end", "history_start", "warehouses", "service_level", "review_days",
        "horizon_weeks", "moq_cases", "dead_days", "slow_days_of_supply", "dead_stock_alert_yuan",
        "campaign_days", "backtest_every_weeks", "lang"}
    nb = nbformat.read(NB, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    # thin: no SQL, no warehouse reads, no pandas arithmetic of its own
    src = "\n".join(c.source for c in code[1:])
    assert "wh.sql" not in src and "SELECT" not in src and "groupby" not in src and "pivot" not in src


def _plain(sentence) -> str:
    return str(sentence).replace("**", "")


def _page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&amp;", "&")


def test_notebook_runs_with_the_report_figures(demo_warehouse, report, tmp_path):
    from ecomlib import runner
    res = runner.run_report("inventory", warehouse=demo_warehouse, out_root=tmp_path / "reports",
                            extra={"start": START, "end": END, "history_start": "2024-01-01"})
    assert res.status == "ok", res.error
    html = Path(res.html).read_text(encoding="utf-8")
    assert "Traceback" not in html
    assert html.count("<img") == 6     # days of supply, lost sales, backtest, forecast, capital, SKUs out
    page = _page_text(html)
    t = report["total"].iloc[0]
    assert f"期间销售 {fmt.integer(t.units_sold)} 件，平均库存占用 {fmt.wan(t.avg_value_fen)}（成本），" \
           f"周转 {t.turnover:.1f} 次" in page
    o = report["backtest"].overall.iloc[0]
    assert f"WAPE {fmt.pct(o.wape_rate)} 对 {fmt.pct(o.wape_snaive_rate)}" in page
    assert _plain(rep.follows_actual(rep.backtest_series(report["backtest"].forecasts))) in page
    tb = report["replay"]["table"].set_index("arm")
    assert f"建议策略的缺货天数 {fmt.integer(tb.loc['suggested', 'stockout_days'])}（实际 " \
           f"{fmt.integer(tb.loc['demo_actual', 'stockout_days'])}，" in page
    assert _plain(rep.replay_verdict(report["replay"]["table"])) in page
    assert _plain(rep.capital_note(report["replay"]["daily"])) in page
    worst = report["by_category"].sort_values(["turnover", "category"]).iloc[0]
    assert f"周转最慢的是 {worst.category}（{worst.turnover:.1f} 次" in page
    # the category table shows the catalogue's turnover of every category
    for r in report["by_category"].itertuples():
        assert f"{r.turnover:,.2f}" in page


def test_notebook_runs_in_english_on_a_period_without_data(demo_warehouse, tmp_path):
    from ecomlib import runner
    res = runner.run_report("inventory", warehouse=demo_warehouse, out_root=tmp_path / "reports",
                            extra={"start": "2021-01-01", "end": "2021-03-31",
                                   "history_start": "2021-01-01", "lang": "en"})
    assert res.status == "ok", res.error
    page = _page_text(Path(res.html).read_text(encoding="utf-8"))
    assert "No stock snapshots and no sales in the period" in page
    assert "No stock or sales data in this period" in page


def test_labels_of_the_inventory_metrics_are_the_catalogues():
    """The inventory metrics are defined once in the catalogue; the table headers (i18n.LABELS)
    say the same words."""
    from ecomlib import i18n
    from ecomlib.metrics import catalogue
    from ecomlib.metrics import inventory as inv
    for name in (*inv.TURNOVER_RATIOS, "avg_value_fen", "closing_value_fen", "stockout_days_sku",
                 "lost_sales_fen"):
        m = catalogue.metric(name)
        assert i18n.LABELS[name] == (m.zh, m.en), name
