"""The inventory report: its sentences are functions of the numbers (each tested with data that
says the opposite of the demo), its 经营摘要 (cards, actions, health line) and workbook on
hand-made tables, its figures and cards tie to independent sums over the canonical tables and
the intermediate lines, and notebooks/inventory.ipynb runs through the runner on a small demo
warehouse for last month as of 2025-12-31 (November 2025): the title and manifest carry the
period, the cards equal the independent sums, the actions link to their sections and to the
purchase list, the workbook can be sent on as it is (case packs, Chinese headers, formats,
frozen header, filters); in Debian's Chromium at 1440 x 900 the first screen shows the cards
and the actions, the zh page shows no English and no code, and an English run on a period
too short for the models says so in English. A period without sales ends ``empty``."""
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
def _replay(suggested_days, suggested_value, suggested_orders, suggested_lost=100.0,
            suggested_fill=0.95):
    return pd.DataFrame({
        "arm": ["demo_actual", "demo_replay", "suggested"],
        "stockout_days": [200, 200, suggested_days],
        "lost_units": [100.0, 100.0, suggested_lost],
        "fill_demand_rate": [0.96, 0.96, suggested_fill],
        "avg_stock_value_fen": [1_000_000.0, 1_000_000.0, suggested_value],
        "count_orders_placed": [50, 50, suggested_orders]})


def test_replay_headline_states_every_side_of_the_trade_off():
    """Issue 21: the headline said "cuts stock-out days by 25.9% and stock by 25.1%" without
    the lost sales, the lower fill rate and the doubled order lines; it now states all five
    beside each other and names what the policy costs."""
    t = _replay(150, 800_000.0, 100, suggested_lost=130.0, suggested_fill=0.948)
    head = _text(rep.replay_headline(t, "zh"))
    assert "缺货 150 个 SKU·天（实际 200，少 25.0%）" in head
    assert "平均库存占用 ¥8,000（实际 ¥1.00万，少 20.0%）" in head
    assert "损失销量 130 件（实际 100 件，多 30.0%）" in head
    assert "需求满足率 94.8%（实际 96.0%，低 1.2 个百分点）" in head
    assert "采购行 100 个（实际 50 个，多 100.0%）" in head
    assert "代价是损失销量更多、需求满足率更低、采购行是实际的 2.0 倍" in head
    en = _text(rep.replay_headline(t, "en"))
    assert "130 lost units (actual 100, 30.0% more)" in en and "1.2 pts lower" in en
    assert "The price: more lost units, a lower fill rate, 2.0 times the PO lines" in en


def test_replay_headline_when_the_policy_wins_on_every_count():
    t = _replay(150, 800_000.0, 40, suggested_lost=80.0, suggested_fill=0.97)
    head = _text(rep.replay_headline(t, "zh"))
    assert "损失销量 80 件（实际 100 件，少 20.0%）" in head and "高 1.0 个百分点" in head
    assert "采购行 40 个（实际 50 个，少 20.0%）" in head
    assert "各项都不比实际差" in head and "代价" not in head
    assert "does no worse" in _text(rep.replay_headline(t, "en"))


def test_replay_headline_when_the_policy_loses():
    t = _replay(260, 1_300_000.0, 40, suggested_lost=150.0)
    head = _text(rep.replay_headline(t, "zh"))
    assert "缺货 260 个 SKU·天（实际 200，多 30.0%）" in head and "平均库存占用 ¥1.30万（实际 ¥1.00万，多 30.0%）" in head
    assert "代价是缺货天数更多、库存占用更多、损失销量更多、需求满足率更低" in head
    assert "30.0% more" in _text(rep.replay_headline(t, "en"))


def test_replay_verdict_follows_the_numbers():
    t = _replay(150, 800_000.0, 90, suggested_lost=120.0)
    v = _text(rep.replay_verdict(t, "zh"))
    assert "少 50** 个 SKU·天" in v and "平均库存占用 **少 ¥2,000**" in v
    # fewer stock-out days but more units lost: the caveat, and the cost of ordering more often
    assert "比实际的 100 件多（缺货天数少不等于丢的销量少" in v and "代价是下单更频繁（90 对 50" in v
    en = _text(rep.replay_verdict(t, "en"))
    assert "**50 fewer** stock-out SKU-days" in en and "more frequent ordering" in en
    t = _replay(260, 1_300_000.0, 40, suggested_lost=150.0)
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
    # every supplier on time, no lead time varying: no "least punctual" to name
    s = _text(rep.supplier_note(sup.assign(on_time_rate=[1.0, 1.0], lead_days_std=[0.0, 0.0]), "zh",
                                (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))))
    assert "各供应商的准时率都是 100.0%，交期没有波动" in s and "最低" not in s
    assert s.startswith("统计 2025-01-01 至 2025-12-31 下单的采购行")
    assert "低于目标 80%" in _text(rep.forecast_note(0.767, 4, "zh"))
    assert "高于目标 80%" in _text(rep.forecast_note(0.86, 4, "zh"))
    assert "above the target of 80%" in _text(rep.forecast_note(0.86, 4, "en"))
    assert "无法检验" in _text(rep.forecast_note(np.nan, 4, "zh"))


# -- the 经营摘要 and the workbook, on hand-made tables ------------------------------------------------
def _R(**over):
    from ecomlib import periods
    from ecomlib.metrics import inventory as inv
    products = pd.DataFrame({"sku": ["A", "B", "C"], "product_name": ["精华 A", "面霜 B", "坚果 C"],
                             "category": ["护肤", "护肤", "零食"], "unit_cost_fen": [1000, 500, 200]})
    P = periods.resolve("last_30_days", "2025-02-01")
    purchase = inv.purchase_list(
        pd.DataFrame({"sku": ["A", "C"], "supplier_id": ["S1", "S2"], "order_units": [12, 48],
                      "days_of_cover": [3.0, 20.0], "lead_days": [10.0, 6.0]}),
        products, pd.Series({"A": 6, "C": 24}), pd.Series({"S1": "甲/乙:供应商", "S2": "供应商二"}), P.as_of)
    R = {"period": P, "products": products, "supplier_names": pd.Series({"S1": "甲/乙:供应商", "S2": "供应商二"}),
         "purchase": purchase, "fresh_warning": None,
         "last_stock_date": pd.Timestamp("2025-01-31"), "last_sales_date": pd.Timestamp("2025-01-31"),
         "stockout_alerts": pd.DataFrame({"sku": ["A"], "supplier_id": ["S1"], "stockout_date": [pd.Timestamp("2025-02-03")],
                                          "on_hand_units": [3], "in_transit_units": [0], "days_of_cover": [3.0],
                                          "lead_days": [10.0], "order_units": [12]}),
         "overdue": pd.DataFrame({"supplier_id": ["S2"], "supplier_name": ["供应商二"], "po_id": ["P9"], "sku": ["C"],
                                  "ordered_on": [pd.Timestamp("2025-01-02")], "promised_on": [pd.Timestamp("2025-01-10")],
                                  "quantity_ordered": [48], "overdue_days": [22]}),
         "status": pd.DataFrame({"sku": ["B", "C"], "category": ["护肤", "零食"], "warehouse_id": ["WH_EAST", "WH_SOUTH"],
                                 "stock_status": ["dead", "slow"], "closing_units": [20, 50],
                                 "closing_value_fen": [10_000, 10_000], "units_sold": [0, 1],
                                 "days_since_last_sale": [120, 3], "last_sale_date": [pd.Timestamp("2024-10-01"), pd.NaT],
                                 "days_since_receipt": [np.nan, 40.0], "days_of_supply": [np.inf, 1500.0]}),
         "suppliers": pd.DataFrame({"supplier_id": ["S1", "S2"], "supplier_name": ["甲/乙:供应商", "供应商二"],
                                    "count_po_lines": [10, 10], "open_po_lines": [1, 1], "on_time_rate": [0.5, 0.9],
                                    "late_days_mean": [3.25, 0.1], "promised_days_mean": [10.0, 6.0],
                                    "lead_days_mean": [12.0, 6.0], "lead_days_std": [3.0, 0.5],
                                    "fill_rate": [0.9, 1.0], "cost_change_rate": [np.nan, 0.01]}),
         "on_time_alert_rate": 0.8, "dead_days": 90, "actions": [], "per_previous": None, "per_year_ago": None}
    R.update(over)
    R["actions"] = rep.actions(R, "zh")
    return R


def test_actions_most_urgent_first_each_linked_to_its_section():
    R = _R()
    acts = R["actions"]
    assert [a.link for a in acts] == ["#stockout-alerts", "#purchase", "#suppliers", "#dead-stock", "#suppliers"]
    assert [a.severity for a in acts] == ["high", "high", "high", "medium", "low"]
    # products by name with the SKU code beside; quantities in cases and units; suppliers by name
    assert acts[0].text.startswith("加急或调拨：1 个 SKU 在交期内会断货") and "精华 A（A）" in acts[0].text
    assert "今天下单补货：2 个 SKU、4 箱（60 件），¥216，2 家供应商" in acts[1].text   # 2x6 + 2x24 units
    assert "催货：1 个采购行已过承诺到货日仍未到货：供应商二（1 行，最长逾期 22 天）" in acts[2].text
    assert "清理呆滞库存：1 个 SKU 超过 90 天没有销售，压着 ¥100（成本）" in acts[3].text and "面霜 B（B）" in acts[3].text
    assert "甲/乙:供应商 50.0%（平均延迟 3.2 天）" in acts[4].text and "供应商二" not in acts[4].text
    # nothing to do: no action; stale stock snapshots come first
    calm = _R(purchase=R["purchase"].iloc[0:0], stockout_alerts=pd.DataFrame(), overdue=pd.DataFrame(),
              status=R["status"].iloc[0:0], suppliers=R["suppliers"].assign(on_time_rate=0.95))
    assert calm["actions"] == []
    stale = _R(last_stock_date=pd.Timestamp("2025-01-27"))
    assert stale["actions"][0].link == "#freshness" and "库存快照只到 2025-01-27（落后 4 天）" in stale["actions"][0].text


def test_health_line_says_how_far_the_data_reach():
    R = _R(incomplete=True, covered_days=12)
    h = rep.health(R, "zh")
    assert h.startswith("订单到 2025-01-31，库存快照到 2025-01-31；本期只有 12/30 天数据：环比、同比按相同天数比较")
    assert "没有上期库存可比" in h and "没有去年同期库存可比" in h


def test_cards_are_catalogue_metrics_of_the_period_rows():
    from ecomlib.metrics import inventory as inv
    DATA = ROOT / "tests" / "data" / "inventory"
    products = pd.read_csv(DATA / "products.csv")
    stock = pd.read_csv(DATA / "stock.csv", parse_dates=["snapshot_date"])
    sales = pd.read_csv(DATA / "sales.csv", parse_dates=["sales_date"])
    per = inv.sku_period(sales, stock, products, "2025-01-01", "2025-01-04")
    prev = inv.sku_period(sales, stock, products, "2025-01-01", "2025-01-02")
    cards = {c.metric: c for c in rep.cards({"per_sku": per, "per_previous": prev, "per_year_ago": None})}
    assert list(cards) == list(rep.CARD_METRICS)
    assert cards["on_hand_value_fen"].value == 12_000        # B 20 x 5.00 + C 10 x 2.00, A is out
    assert cards["count_skus_out"].value == 1 and cards["count_skus_out"].previous == 0
    assert cards["sell_through_rate"].value == pytest.approx(15 / 45)     # 15 sold / (15 + 30 left)
    assert cards["active_sku_rate"].value == pytest.approx(2 / 3)
    assert cards["on_hand_value_fen"].year_ago is None                     # no stock a year earlier


def test_workbook_sheets_for_purchasing():
    R = _R()
    sheets = rep.excel_tables(R, "zh")
    assert list(sheets)[:4] == ["今日要做", "采购清单", "采购单-供应商二", "采购单-甲_乙_供应商"]
    assert {"断货预警", "逾期采购行", "呆滞库存", "滞销库存", "供应商表现"} <= set(sheets)
    one = sheets["采购单-甲_乙_供应商"]                        # a supplier's own sheet: what it needs
    assert list(one.columns) == list(rep.SUPPLIER_COLS)
    assert one[["sku", "product_name", "case_pack", "order_cases", "order_units"]].values.tolist() == [["A", "精华 A", 6, 2, 12]]
    assert list(sheets["呆滞库存"]["warehouse_id"]) == ["华东仓"] and list(sheets["呆滞库存"]["stock_status"]) == ["呆滞"]
    assert sheets["今日要做"]["section"].tolist()[0] == "断货预警"
    en = rep.excel_tables(R, "en")
    assert "Purchase list" in en and "PO-供应商二" in en and "Dead stock" in en


# -- the report on a small demo warehouse ------------------------------------------------------------
#: issue 20's acceptance case: last month as of 2025-12-31 is November 2025
PERIOD = {"period": "last_month", "as_of": "2025-12-31"}
A, B = "2025-11-01", "2025-11-30"
PREV = ("2025-10-01", "2025-10-31")
TITLE = "库存与供应链 · 上月 2025-11-01 至 2025-11-30"
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
#: a run of three or more ASCII words: an English phrase in a Chinese page
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,.'’-]+[A-Za-z]{2,}){2,}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")
CHROMIUM = Path("/usr/bin/chromium")


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


def _case_packs() -> dict:
    return yaml.safe_load((ROOT / "parameters" / "inventory.yaml").read_text(encoding="utf-8"))["case_packs"]


@pytest.fixture(scope="module")
def report(demo_warehouse):
    from ecomlib.warehouse import Warehouse
    with Warehouse(demo_warehouse, read_only=True) as wh:
        P = rep.resolve_period(wh, **PERIOD)
        return rep.build_report(wh, P.start, P.end, period=P, case_packs=_case_packs())


def _independent(db: Path, a: str, b: str) -> dict:
    """The card metrics of a..b straight from the canonical stock snapshots and products and
    the intermediate order lines (not the marts, not the report's code): per SKU the stock
    summed over warehouses, its last snapshot in the period, the snapshot before it."""
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        snap = con.execute(
            "SELECT s.snapshot_date AS d, s.sku, SUM(s.on_hand_units) AS u, "
            "SUM(s.on_hand_units * p.unit_cost_fen) AS v FROM inventory_snapshots s "
            "JOIN products p USING (sku) WHERE s.snapshot_date <= ? GROUP BY ALL", [b]).df()
        sold = con.execute(
            "SELECT sku, SUM(units) AS units, SUM(cogs_fen) AS cogs FROM int_order_lines "
            "WHERE is_paid AND sales_date BETWEEN ? AND ? AND sku IN (SELECT sku FROM products) "
            "GROUP BY sku", [a, b]).df().set_index("sku")
    finally:
        con.close()
    snap["d"] = pd.to_datetime(snap["d"])
    a_, b_ = pd.Timestamp(a), pd.Timestamp(b)
    days = (b_ - a_).days + 1
    inside = snap[(snap["d"] >= a_) & (snap["d"] <= b_)].sort_values("d")
    before = snap[snap["d"] < a_].sort_values("d").groupby("sku").last()
    last = inside.groupby("sku").last()
    skus = sorted(set(inside["sku"]) | set(sold.index))
    units = sold["units"].reindex(skus).fillna(0)
    closing = last["u"].reindex(skus).fillna(0)
    opening = before["u"].reindex(skus).fillna(inside.groupby("sku")["u"].first().reindex(skus)).fillna(0)
    stocked = (opening > 0) | (closing > 0) | (units > 0)
    left = closing.clip(lower=0).sum()
    return {"on_hand_value_fen": last["v"].clip(lower=0).sum(),
            "turnover_days": inside["v"].clip(lower=0).sum() / sold["cogs"].sum(),
            "days_of_supply": left / (units.sum() / days),
            "sell_through_rate": units.sum() / (units.sum() + left),
            "active_sku_rate": (stocked & (units > 0)).sum() / stocked.sum(),
            "count_skus_out": float((stocked & (closing <= 0)).sum()),
            "units": units.sum(), "cogs": sold["cogs"].sum(), "value_days": inside["v"].clip(lower=0).sum()}


def test_report_figures_tie_to_the_canonical_tables_and_the_lines(demo_warehouse, report):
    """Units sold and cost of goods of the period: the report's total = an independent sum
    over int_order_lines; average stock at cost = the canonical snapshots x unit cost / days;
    every card (and its 环比 and 同比 values) = the independent sums of its period."""
    total = report["total"].iloc[0]
    want = _independent(demo_warehouse, A, B)
    assert total["units_sold"] == want["units"] > 0 and total["cogs_fen"] == want["cogs"]
    assert total["avg_value_fen"] == pytest.approx(want["value_days"] / 30)
    cards = {c.metric: c for c in report["cards"]}
    assert list(cards) == list(rep.CARD_METRICS)
    prev, ya = _independent(demo_warehouse, *PREV), _independent(demo_warehouse, "2024-11-01", "2024-11-30")
    for m, c in cards.items():
        assert c.value == pytest.approx(want[m], rel=1e-9), m
        assert c.previous == pytest.approx(prev[m], rel=1e-9), m
        assert c.year_ago == pytest.approx(ya[m], rel=1e-9), m
    # the suppliers' lead times are the mart's; the backtest and the replay ran
    assert report["suppliers"]["count_po_lines"].sum() > 0
    assert report["evaluation"] is not None and len(report["replay"]["table"]) == 3


def test_purchase_list_in_case_packs_as_of_the_report_day(report):
    """Last month run on 2025-12-31: the period is November, but what to order is today's
    (the stock of 12-30); quantities are whole case packs of parameters/inventory.yaml."""
    pl = report["purchase"]
    assert len(pl) and (pl["order_by_date"] == pd.Timestamp("2025-12-31")).all()
    assert report["now_end"] == pd.Timestamp("2025-12-30")
    packs = _case_packs()
    assert (pl["case_pack"] == pl["category"].map(packs)).all()
    assert (pl["order_units"] == pl["order_cases"] * pl["case_pack"]).all()
    assert (pl["order_cost_fen"] == pl["order_units"] * pl["unit_cost_fen"]).all()
    assert (pl["expected_arrival_date"] > pl["order_by_date"]).all()
    assert not pl["supplier_name"].str.startswith("SUP").any()      # names, not ids
    sug = report["suggestions"]
    assert set(pl["sku"]) == set(sug.loc[sug["order_units"] > 0, "sku"])


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
    assert set(values) <= set(declared) == {
        "warehouse", "period", "as_of", "start", "end", "previous_start", "previous_end",
        "year_ago_start", "year_ago_end", "history_start", "warehouses", "service_level",
        "review_days", "horizon_weeks", "moq_cases", "case_packs", "case_pack_default",
        "dead_days", "slow_days_of_supply", "dead_stock_alert_yuan", "on_time_alert_rate",
        "campaign_days", "backtest_every_weeks", "forecast_cache", "lang", "output_dir"}
    # no fixed dates: the report's default period applies
    assert not {"start", "end", "as_of"} & set(values) and values["period"] == ""
    nb = nbformat.read(NB, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    # one language per report: every heading and sentence is written at run time
    assert not [c for c in nb.cells if c.cell_type == "markdown"]
    # thin: no SQL, no warehouse reads, no pandas arithmetic of its own
    src = "\n".join(c.source for c in code[1:])
    assert "wh.sql" not in src and "SELECT" not in src and "groupby" not in src and "pivot" not in src


def _plain(sentence) -> str:
    return str(sentence).replace("**", "")


def _page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("&amp;", "&")


@pytest.fixture(scope="module")
def zh_run(demo_warehouse, tmp_path_factory):
    import json
    from ecomlib import runner
    res = runner.run_report("inventory", warehouse=demo_warehouse,
                            out_root=tmp_path_factory.mktemp("inventory_reports"), extra={**PERIOD, "lang": "zh"})
    assert res.status == "ok", res.error
    out = Path(res.out_dir)
    nb = nbformat.read(out / "inventory.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    return {"res": res, "out": out, "html": Path(res.html).read_text(encoding="utf-8"),
            "manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8"))}


@pytest.mark.slow
def test_title_and_manifest_carry_the_period(zh_run):
    m = zh_run["manifest"]
    assert m["period"]["name"] == "last_month" and (m["period"]["start"], m["period"]["end"]) == (A, B)
    assert (m["period"]["previous_start"], m["period"]["previous_end"]) == PREV
    assert m["parameters"]["start"] == A and m["parameters"]["end"] == B
    assert f"<title>{TITLE}</title>" in zh_run["html"] and f"<h1>{TITLE}</h1>" in zh_run["html"]


@pytest.mark.slow
def test_notebook_shows_the_report_figures(zh_run, demo_warehouse, report):
    html = zh_run["html"]
    assert "Traceback" not in html
    cards = dict(re.findall(r'data-metric="([a-z_]+)" data-value="([^"]+)"', html))
    want = _independent(demo_warehouse, A, B)
    assert list(cards) == list(rep.CARD_METRICS)
    for k, v in cards.items():
        assert float(v) == pytest.approx(want[k], rel=1e-9), k
    prev = _independent(demo_warehouse, *PREV)["on_hand_value_fen"]
    mom = want["on_hand_value_fen"] / prev - 1   # stock value: neither colour is good
    assert f'环比 <span style="color:#868e96">{"▲" if mom > 0 else "▼"} {fmt.pct(abs(mom))}</span>' in html
    page = _page_text(html)
    t = report["total"].iloc[0]
    assert f"期间销售 {fmt.integer(t.units_sold)} 件，平均库存占用 {fmt.wan(t.avg_value_fen)}（成本），" \
           f"周转 {t.turnover:.1f} 次" in page
    assert _plain(rep.replay_headline(report["replay"]["table"])) in page
    assert _plain(rep.replay_verdict(report["replay"]["table"])) in page
    worst = report["by_category"].sort_values(["turnover", "category"]).iloc[0]
    assert f"周转最慢的是 {worst.category}（{worst.turnover:.1f} 次" in page
    for r in report["by_category"].itertuples():   # the catalogue's turnover of every category
        assert f"{r.turnover:,.2f}" in page


@pytest.mark.slow
def test_actions_link_to_their_sections_and_the_purchase_list(zh_run, report):
    import openpyxl
    html = zh_run["html"]
    block = html[html.index("ecom-actions"):html.index("ecom-changes")]
    links = re.findall(r'<a href="#([a-z-]+)">', block)
    assert links == [a.link[1:] for a in report["actions"]] and "purchase" in links
    for anchor in set(links):  # every link lands on a section of the page
        assert f'id="{anchor}"' in html, anchor
    wb = openpyxl.load_workbook(zh_run["out"] / "inventory.xlsx")
    todo = _sheet(wb, "今日要做")
    assert todo["事项"].tolist() == [a.text for a in report["actions"]]
    pl = _sheet(wb, "采购清单")
    order = next(a.text for a in report["actions"] if a.link == "#purchase")
    assert f"今天下单补货：{len(pl)} 个 SKU、{fmt.integer(pl['采购箱数'].sum())} 箱（" \
           f"{fmt.integer(pl['建议采购(件)'].sum())} 件）" in order
    # one sheet per supplier, together the whole list
    per_sup = [n for n in wb.sheetnames if n.startswith("采购单-")]
    assert sorted(n[4:] for n in per_sup) == sorted(set(pl["供应商名称"]))
    assert sum(len(_sheet(wb, n)) for n in per_sup) == len(pl)


def _sheet(wb, name) -> pd.DataFrame:
    rows = list(wb[name].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.slow
def test_excel_can_be_sent_on_as_it_is(zh_run, report):
    import openpyxl
    wb = openpyxl.load_workbook(zh_run["out"] / "inventory.xlsx")
    assert {"今日要做", "采购清单", "缺货与损失", "按品类", "按仓库", "供应商表现", "补货模拟"} <= set(wb.sheetnames)
    st = report["status"]["stock_status"]
    for name, has in (("逾期采购行", len(report["overdue"])), ("断货预警", len(report["stockout_alerts"])),
                      ("呆滞库存", (st == "dead").sum()), ("滞销库存", (st == "slow").sum())):
        assert (name in wb.sheetnames) == bool(has), name     # a list with nothing on it is left out
    for ws in wb.worksheets:
        heads = [c.value for c in ws[1]]
        assert not [h for h in heads if SNAKE.search(str(h))], (ws.title, heads)
        assert all(CJK.search(str(h)) or h == "SKU" for h in heads), (ws.title, heads)
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
        for j, h in enumerate(heads):
            vals = [r[j] for r in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 30)) if r[j].value is not None]
            if str(h).endswith("(元)"):   # money in yuan with a number format, never units
                assert all(c.number_format == "#,##0.00" for c in vals), (ws.title, h)
                assert "件" not in str(h) and "天" not in str(h)
            if str(h).endswith("率") or str(h).endswith("变化"):
                assert all(c.number_format == "0.0%" for c in vals), (ws.title, h)
            if str(h).endswith("日") or str(h).startswith("预计到货") or "可撑到" in str(h):
                assert all(c.is_date and c.number_format == "YYYY-MM-DD" for c in vals), (ws.title, h)
            if ("(件" in str(h) and not str(h).startswith("损失销量")) or h in ("采购箱数", "SKU数"):
                assert all(isinstance(c.value, int) and c.number_format == "#,##0" for c in vals), (ws.title, h)
            assert not any(isinstance(c.value, bool) for c in vals), (ws.title, h)
    pl = _sheet(wb, "采购清单")
    assert list(pl.columns[:3]) == ["供应商名称", "SKU", "商品名称"]
    assert set(pl["到货前会断货"]) <= {"是", "否"}
    assert (pl["建议采购(件)"] == pl["采购箱数"] * pl["箱规(件/箱)"]).all()
    assert ((pl["采购金额 (元)"] - pl["建议采购(件)"] * pl["单位成本 (元)"]).abs() < 0.005).all()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


def _open(browser, html: Path):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
               else r.abort())
    page.goto(html.as_uri())
    page.wait_for_selector("h1")
    return ctx, page


@pytest.mark.slow
def test_first_screen_shows_the_cards_and_the_actions(zh_run, browser):
    ctx, page = _open(browser, Path(zh_run["res"].html))
    try:
        assert page.title() == TITLE
        boxes = page.eval_on_selector_all(
            ".ecom-card, .ecom-actions li", "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [e.className || e.tagName, r.top, r.bottom, r.width]; })")
        cards = [b for b in boxes if b[0] == "ecom-card"]
        items = [b for b in boxes if b[0] == "LI"]
        assert len(cards) == 6 and items
        for name, top, bottom, width in boxes:  # all on the first screen, nothing to scroll
            assert 0 <= top and bottom <= 900 and width > 0, (name, top, bottom)
        assert len({round(b[1]) for b in cards}) == 1  # one row of cards
        # the purchase action lands on the purchase list
        link = page.locator('.ecom-actions a[href="#purchase"]')
        link.click()
        page.wait_for_timeout(300)
        top = page.eval_on_selector("#purchase", "e => e.getBoundingClientRect().top")
        assert page.evaluate("window.scrollY") > 300 and 0 <= top < 200
    finally:
        ctx.close()


@pytest.mark.slow
def test_zh_page_has_no_english_sentence_and_no_code(zh_run, browser):
    ctx, page = _open(browser, Path(zh_run["res"].html))
    try:
        text = page.evaluate("document.body.innerText")
    finally:
        ctx.close()
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert not ENGLISH.findall(text), ENGLISH.findall(text)[:10]
    for word in ("dim_calendar", "mart_", "int_order_lines", "True", "False", "Traceback",
                 "WH_EAST", "SUP0", "demo_actual"):
        assert word not in text, word
    assert not re.search(r"\b(nan|NaN|inf|NaT|None)\b", text)
    assert "华东仓" in text and "采购清单" in text


@pytest.mark.slow
def test_en_run_speaks_english_where_history_is_short(demo_warehouse, tmp_path, browser):
    """March 2024 in English, as of 2024-04-01: the demo starts in January 2024, so the
    backtest, the replay, the forecast and the purchase list are skipped, and the page says
    why in English."""
    from ecomlib import runner
    res = runner.run_report("inventory", warehouse=demo_warehouse, out_root=tmp_path,
                            extra={"period": "custom", "start": "2024-03-01", "end": "2024-03-31",
                                   "as_of": "2024-04-01", "lang": "en"})
    assert res.status == "ok", res.error
    ctx, page = _open(browser, Path(res.html))
    try:
        assert page.title() == "Inventory and supply chain · Custom 2024-03-01 to 2024-03-31"
        heads = page.eval_on_selector_all("h1, h2, h3, th, .ecom-card div:first-child",
                                          "els => els.map(e => e.innerText)")
        text = page.evaluate("document.body.innerText")
    finally:
        ctx.close()
    assert heads and not [h for h in heads if CJK.search(h)], [h for h in heads if CJK.search(h)][:10]
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert "To do today" in text and "今天要做" not in text
    assert "Less than 20 weeks of sales history" in text and "No SKU is at its reorder point today" in text


def test_a_period_without_sales_ends_empty(demo_warehouse, tmp_path):
    from ecomlib import runner
    res = runner.run_report("inventory", warehouse=demo_warehouse, out_root=tmp_path,
                            extra={"period": "custom", "start": "2021-01-01", "end": "2021-03-31"})
    assert res.status == "empty" and "没有销售数据" in res.error


def test_labels_of_the_inventory_metrics_are_the_catalogues():
    """The inventory metrics are defined once in the catalogue; the table headers (i18n.LABELS)
    say the same words."""
    from ecomlib import i18n
    from ecomlib.metrics import catalogue
    from ecomlib.metrics import inventory as inv
    for name in (*inv.TURNOVER_RATIOS, "avg_value_fen", "closing_value_fen", "stockout_days_sku",
                 "lost_sales_fen", "count_skus_out"):
        m = catalogue.metric(name)
        assert i18n.LABELS[name] == (m.zh, m.en), name


def _same_values(path, x, y) -> list:
    """Where two report dicts differ (frames exactly; timings left out)."""
    if isinstance(x, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(x, y, check_exact=True)
            return []
        except AssertionError as e:
            return [(path, str(e)[:200])]
    if isinstance(x, dict):
        if x.keys() != y.keys():
            return [(path, "keys")]
        return [d for k in x for d in _same_values(f"{path}.{k}", x[k], y[k])]
    if "seconds" in path or path.endswith(".evaluation"):
        return []
    return [] if repr(x) == repr(y) else [(path, repr(x)[:80], repr(y)[:80])]


def test_the_kept_forecast_evaluation_gives_the_same_report(demo_warehouse, report, tmp_path):
    """With ``cache_dir`` the first run keeps the evaluation and the second reads it back
    (no backtest): both reports are the uncached one, table for table."""
    from ecomlib.models import forecast_cache as FC
    from ecomlib.models import forecast_select as FS
    from ecomlib.warehouse import Warehouse
    runs = []
    with Warehouse(demo_warehouse, read_only=True) as wh:
        P = rep.resolve_period(wh, **PERIOD)
        for _ in range(2):
            runs.append(rep.build_report(wh, P.start, P.end, period=P, case_packs=_case_packs(),
                                         cache_dir=tmp_path))
    assert len(list((tmp_path / FC.SUBDIR).iterdir())) == 1
    for r in runs:
        assert _same_values("R", r, report) == []
        for name in FC.TABLES:
            pd.testing.assert_frame_equal(getattr(r["evaluation"], name),
                                          getattr(report["evaluation"], name), check_exact=True)
    assert isinstance(runs[1]["evaluation"], FS.Evaluation)


def test_the_models_history_is_104_whole_weeks_the_same_all_week():
    """Default history: the Monday starting the 104 whole weeks up to the last Sunday on or
    before the period's end; Monday to Saturday of one week give the same start, Sunday
    moves it a week (worked out on a calendar: 2025-12-28 is a Sunday)."""
    h = rep.history_start_default
    assert h("2025-12-28") == pd.Timestamp("2024-01-01")          # Sunday: 727 days back
    for d in pd.date_range("2025-12-29", "2026-01-03"):           # Monday .. Saturday
        assert h(d) == pd.Timestamp("2024-01-01")
    assert h("2026-01-04") == pd.Timestamp("2024-01-08")
    assert all(h(d).day_of_week == 0 for d in pd.date_range("2025-01-01", periods=30))
    assert (pd.Timestamp("2025-12-28") - h("2025-12-28")).days + 1 == 104 * 7
