"""ecomlib.metrics.finance against numbers worked out by hand (tests/data/finance/README.md)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ecomlib.metrics import finance as fi
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data" / "finance"
START, END = "2025-01-01", "2025-02-28"


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory):
    p = tmp_path_factory.mktemp("fin") / "wh.duckdb"
    with Warehouse(p) as w:
        res = w.ingest([DATA / "warehouse"], progress=False)
        assert all(r.rows_quarantined == 0 for r in res), [r for r in res if r.rows_quarantined]
    return p


@pytest.fixture(scope="module")
def wh(wh_path):
    w = Warehouse(wh_path, read_only=True)
    yield w
    w.close()


@pytest.fixture(scope="module")
def settings():
    return fi.load_settings(DATA / "settings.yaml")


@pytest.fixture(scope="module")
def inputs(wh, settings):
    sales = wh.daily_sales(START, END)
    costs = fi.estimate_costs(fi.query_costs(wh, START, END), sales, settings)
    return sales, costs


# -- P&L --------------------------------------------------------------------------------------------
def test_total_pnl_by_hand(inputs):
    sales, costs = inputs
    t = fi.pnl(sales, costs).iloc[0]
    assert (t.gmv_fen, t.paid_fen, t.refund_fen, t.net_sales_fen, t.units) == (16550, 16100, 2800, 13300, 9)
    assert (t.cogs_fen, t.gross_profit_fen) == (1600, 11700)
    assert (t.platform_fee_fen, t.logistics_fen, t.packaging_fen, t.ad_spend_fen) == (773, 1600, 0, 1700)
    assert t.contribution_fen == 7627
    assert t.gross_margin_rate == pytest.approx(11700 / 13300)
    st = fi.income_statement(fi.pnl(sales, costs), fi.overhead(costs)).set_index("line")["amount_fen"]
    assert st["overhead_fen"] == -5000 and st["operating_profit_fen"] == 2627
    assert st["refund_fen"] == -2800 and st["cogs_fen"] == -1600


def test_estimated_costs_are_marked(inputs):
    _, costs = inputs
    est = costs[costs.source == "estimated"].sort_values(["kind", "cost_date"])
    assert est[["shop_id", "kind", "amount_fen"]].values.tolist() == [
        ["j1", "logistics", 800], ["j1", "logistics", 200],
        ["j1", "platform_fee", 0], ["j1", "platform_fee", 648]]
    # t1 has booked fees and logistics: nothing estimated for it
    assert not (est.shop_id == "t1").any()


def test_pnl_by_shop_and_month(inputs):
    sales, costs = inputs
    by = fi.pnl(sales, costs, ["shop_id"]).set_index("shop_id")
    assert by.loc["t1", ["net_sales_fen", "gross_profit_fen", "contribution_fen"]].tolist() == [2500, 1300, -625]
    assert by.loc["j1", ["net_sales_fen", "gross_profit_fen", "contribution_fen"]].tolist() == [10800, 10400, 8252]
    m = fi.pnl(sales, costs, freq="M", start=START, end=END)
    exp = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                        "gmv_fen": [3300, 13250], "paid_fen": [3300, 12800],
                        "refund_fen": [800, 2000], "net_sales_fen": [2500, 10800],
                        "cogs_fen": [1200, 400]})
    assert_frame_equal(m[exp.columns], exp, check_dtype=False)


def test_cross_month_refund_stays_with_its_order(inputs):
    """r2 was refunded on 02-05 for an order paid on 01-31: it lowers January."""
    sales, costs = inputs
    m = fi.pnl(sales, costs, freq="M", start=START, end=END).set_index("month")
    assert m.loc["2025-01-01", "refund_fen"] == 500 + 300


def test_empty_periods_on_the_spine(inputs):
    sales, costs = inputs
    w = fi.pnl(sales, costs, freq="D", start="2025-01-09", end="2025-01-12")
    assert w["date"].dt.strftime("%m-%d").tolist() == ["01-09", "01-10", "01-11", "01-12"]
    assert w["paid_fen"].tolist() == [0, 2300, 0, 0]
    assert w["logistics_fen"].tolist() == [0, 0, 600, 0]
    assert np.isnan(w.loc[0, "refund_rate"]) and np.isnan(w.loc[0, "gross_margin_rate"])


def test_allocation_to_skus_to_the_fen(inputs):
    sales, costs = inputs
    by = fi.pnl(sales, costs, ["sku"]).set_index("sku")
    assert by.loc["A", "ad_spend_fen"] == 783 + 500 and by.loc["B", "ad_spend_fen"] == 217
    assert by.loc["A", "contribution_fen"] == 9444
    assert by.loc["B", "contribution_fen"] == -1017
    assert by.loc[fi.UNALLOCATED, ["logistics_fen", "ad_spend_fen"]].tolist() == [600, 200]
    assert by["contribution_fen"].sum() == 7627


def test_allocate_costs_remainder_goes_to_largest_weight():
    sales = pd.DataFrame({"sales_date": pd.to_datetime(["2025-01-01"] * 3), "platform": "tmall",
                          "shop_id": "s", "sku": ["x", "y", "z"], "category": "c",
                          "paid_fen": [100, 100, 101], "refund_fen": [0, 0, 0], "units": [1, 1, 1]})
    costs = pd.DataFrame({"cost_date": pd.to_datetime(["2025-01-01"]), "platform": ["tmall"],
                          "shop_id": ["s"], "kind": ["ad_spend"], "amount_fen": [10]})
    a = fi.allocate_costs(costs, sales).set_index("sku")["ad_spend_fen"]
    # floor(10 x 100/301) = 3, 3, floor(10 x 101/301) = 3, remainder 1 to z
    assert a.to_dict() == {"x": 3, "y": 3, "z": 4}


def test_changes_mom_and_yoy():
    m = pd.DataFrame({"month": pd.to_datetime(["2024-02-01", "2025-01-01", "2025-02-01"]),
                      "net_sales_fen": [800, 500, 1000]})
    c = fi.changes(m).set_index("month")
    assert c.loc["2025-02-01", "mom_rate"] == pytest.approx(1.0)       # 1000 vs 500
    assert c.loc["2025-02-01", "yoy_rate"] == pytest.approx(0.25)      # 1000 vs 800
    assert np.isnan(c.loc["2025-01-01", "mom_rate"])                  # no December 2024 row


def test_profit_structure_and_costs(inputs):
    sales, costs = inputs
    ps = fi.profit_structure(fi.pnl(sales, costs, ["sku"]), "sku")
    assert ps["sku"].tolist() == ["A", fi.UNALLOCATED, "B"]
    assert ps["share_rate"].iloc[0] == pytest.approx(1.0)
    assert ps["is_drag"].tolist() == [False, True, True]
    cs = fi.cost_structure(fi.pnl(sales, costs), fi.overhead(costs)).set_index("kind")["amount_fen"]
    assert cs.to_dict() == {"rent": 5000, "ad_spend": 1700, "cogs": 1600, "logistics": 1600,
                            "platform_fee": 773}


# -- reconciliation ------------------------------------------------------------------------------------
def test_independent_sql_totals(wh):
    rec = fi.query_recon(wh, START, END).set_index("currency")
    assert rec.loc["CNY", ["gmv_fen", "paid_fen", "refund_fen", "units"]].tolist() == [5750, 5300, 2800, 8]
    assert rec.loc["USD", ["gmv_native_fen", "gmv_fen", "paid_fen", "refund_fen"]].tolist() == [1500, 10800, 10800, 0]
    assert fi.query_recon_costs(wh, START, END) == 90 + 600 + 35 + 5000 + 1000 + 200 + 500


def test_build_report_ties(wh, settings):
    r = fi.build_report(wh, START, END, settings=settings, targets_file=DATA / "targets.yaml",
                        commission_file=DATA / "commission.yaml",
                        carrier_bill=str(DATA / "carrier_bill.csv"), opening_cash_fen=0)
    fi.assert_ties(r["reconciliation"])
    assert r["reconciliation"]["ties"].all() and (r["reconciliation"]["diff_fen"] == 0).all()
    assert r["bill_is_demo"] is False


def test_reconciliation_fails_loudly_when_a_table_is_off(wh, inputs):
    sales, costs = inputs
    t = fi.pnl(sales, costs)
    t.loc[0, "paid_fen"] += 1
    rec = fi.reconcile({"total": t}, fi.query_recon(wh, START, END))
    with pytest.raises(fi.ReconciliationError, match=r"total\.paid_fen: finance 16101 vs warehouse 16100"):
        fi.assert_ties(rec)


def test_reconciliation_catches_a_refund_without_its_line(tmp_path, settings):
    """A refund naming a line that does not exist is money the rollups cannot see."""
    d = tmp_path / "wh"
    shutil.copytree(DATA / "warehouse", d)
    with open(d / "refunds.csv", "a", encoding="utf-8") as f:
        f.write("tmall,t1,r9,o1,9,A,100,0,错线,refunded,2025-01-12 10:00:00,2025-01-13 10:00:00,CNY\n")
    with Warehouse(tmp_path / "bad.duckdb") as w:
        w.ingest([d], progress=False)
    with Warehouse(tmp_path / "bad.duckdb", read_only=True) as w:
        r = fi.build_report(w, START, END, settings=settings, targets_file=DATA / "targets.yaml",
                            commission_file=DATA / "commission.yaml")
        with pytest.raises(fi.ReconciliationError, match="refund_fen"):
            fi.assert_ties(r["reconciliation"])


# -- targets and commission -----------------------------------------------------------------------------
def test_attainment_and_projection(wh):
    sales = wh.daily_sales(START, END)
    targets, members = fi.load_targets(DATA / "targets.yaml")
    a = fi.attainment(sales, targets, members, "2025-02-14").set_index(["level", "entity", "month"])
    jan = a.loc[("shop", "t1", pd.Timestamp("2025-01-01"))]
    assert (jan.target_fen, jan.actual_fen, jan.is_final) == (3000, 3300, True)
    assert jan.attainment_rate == pytest.approx(1.1)
    j1 = a.loc[("shop", "j1", pd.Timestamp("2025-02-01"))]
    assert (j1.actual_fen, j1.days_elapsed, j1.days_in_month, j1.projected_fen) == (12800, 14, 28, 25600)
    assert j1.projected_rate == pytest.approx(1.28) and not j1.is_final
    c = fi.commission(a.reset_index(), fi.load_commission_rule(DATA / "commission.yaml"))
    assert c[["operator", "commission_rate", "base_fen", "commission_fen"]].values.tolist() == [
        ["op1", 0.02, 2500, 50], ["op1", 0.0, 0, 0]]


def test_commission_cap_and_tiers():
    att = pd.DataFrame({"level": "operator", "entity": ["a", "b", "c"],
                        "month": pd.to_datetime(["2025-01-01"] * 3), "target_fen": [100, 100, 100],
                        "actual_fen": [79, 80, 300], "attainment_rate": [0.79, 0.8, 3.0],
                        "net_sales_fen": [100_000, 100_000, 1_000_000], "is_final": True})
    rule = {"base": "net_sales_fen", "tiers": [{"min_attainment": 0.8, "rate": 0.01},
                                               {"min_attainment": 1.0, "rate": 0.02}],
            "cap_fen": 5000}
    c = fi.commission(att, rule)
    assert c["commission_fen"].tolist() == [0, 1000, 5000]  # 0; 1 % of 100000; 2 % of 1e6 capped


# -- cash flow ------------------------------------------------------------------------------------------
def test_cash_flow_forecast_by_hand():
    sales = pd.DataFrame({"sales_date": pd.to_datetime(["2025-02-10", "2025-02-14"]),
                          "platform": ["jd", "tmall"], "shop_id": ["j1", "t1"],
                          "paid_fen": [10000, 7000], "refund_fen": [0, 0], "cogs_fen": [0, 700]})
    costs = pd.DataFrame({"cost_date": pd.to_datetime(["2025-02-10", "2025-02-12"]),
                          "platform": ["jd", "tmall"], "shop_id": ["j1", "t1"],
                          "kind": ["platform_fee", "ad_spend"], "amount_fen": [500, 1400]})
    po = pd.DataFrame({"ordered_on": ["2025-02-05", "2025-01-20"], "promised_on": ["2025-02-16", "2025-02-01"],
                       "received_on": [None, "2025-02-01"], "quantity_ordered": [10, 5],
                       "quantity_received": [0, 5], "unit_cost_fen": [100, 200]})
    settings = {"settlement_lag_days": {"tmall": 10, "jd": 5}, "run_rate_weeks": 1,
                "supplier_payment_days": 10}
    fc = fi.cash_flow_forecast(sales, costs, po, "2025-02-14", 1000, settings, weeks=3)
    assert fc["week_start"].dt.strftime("%m-%d").tolist() == ["02-15", "02-22", "03-01"]
    assert fc["inflow_settled_fen"].tolist() == [9500, 7000, 0]
    # run rates: jd 9500/7 per day settling 5 days later, tmall 1000 per day 10 days later
    assert fc["inflow_future_fen"].tolist() == [2714, 13500, 16500]
    assert fc["outflow_purchases_fen"].tolist() == [0, 1000, 0]   # the open PO, 02-16 + 10 days
    assert fc["outflow_replenishment_fen"].tolist() == [0, 400, 700]
    assert fc["outflow_ads_fen"].tolist() == [1400, 1400, 1400]
    assert fc["closing_cash_fen"].tolist() == [11814, 29514, 43914]
    assert fi.lowest_week(fc)["week"] == 1


# -- pricing --------------------------------------------------------------------------------------------
def test_break_even_price():
    assert fi.contribution_at_price(1000, 400, 0.05, 0.1, 0.0, 50, 30) == pytest.approx(375)
    row = pd.DataFrame({"sku": ["X"], "category": ["c"], "units": [10], "paid_fen": [10000],
                        "refund_fen": [1000], "net_sales_fen": [9000], "cogs_fen": [4000],
                        "units_returned": [0], "platform_fee_fen": [450],
                        "streamer_commission_fen": [0], "logistics_fen": [500],
                        "packaging_fen": [0], "ad_spend_fen": [300]})
    u = fi.unit_economics(row, min_units=1).iloc[0]
    assert (u.price_fen, u.unit_cost_fen, u.fee_rate, u.refund_rate) == (1000, 400, 0.05, 0.1)
    assert u.contribution_per_unit_fen == pytest.approx(375)
    assert u.break_even_price_fen == pytest.approx(480 / 0.855)
    assert u.price_headroom_rate == pytest.approx((1000 - 480 / 0.855) / 1000)
    assert u.break_even_units == 1  # ceil(300 / (375 + 30))


# -- courier bill ---------------------------------------------------------------------------------------
def test_courier_bill_check(wh, settings):
    bill = fi.read_carrier_bill(DATA / "carrier_bill.csv")
    assert bill["fee_fen"].tolist() == [500, 450, 450, 300, 2800]
    shipped = fi.query_shipped(wh, START, END)
    assert sorted(shipped.order_id) == ["o1", "o2", "o3", "o4"]
    chk = fi.reconcile_courier_bill(bill, shipped, settings["rate_card"])
    assert chk["check"].tolist() == ["bill_overcharged", "bill_ok", "bill_duplicate",
                                     "bill_unmatched", "bill_ok"]
    assert chk["contracted_fen"].tolist() == [400, 450, 450, 300, 2800]
    assert chk["claim_fen"].tolist() == [100, 0, 450, 300, 0]
    s = fi.courier_summary(chk).set_index("check")
    assert s.loc["total", ["count_waybills", "fee_fen", "claim_fen"]].tolist() == [5, 4500, 850]


def test_demo_bill_is_deterministic_and_planted(wh, settings):
    shipped = fi.query_shipped(wh, START, END)
    big = pd.concat([shipped.assign(order_id=shipped.order_id + f"-{i}") for i in range(30)],
                    ignore_index=True)
    b1 = fi.demo_carrier_bill(big, settings["rate_card"])
    b2 = fi.demo_carrier_bill(big.sample(frac=1, random_state=1), settings["rate_card"])
    assert_frame_equal(b1, b2)
    chk = fi.reconcile_courier_bill(b1, big, settings["rate_card"])
    counts = chk["check"].value_counts()
    assert counts["bill_duplicate"] == 120 // 97 and counts["bill_unmatched"] == 5
    assert counts["bill_overcharged"] == 120 // 61


# -- stock ----------------------------------------------------------------------------------------------
def test_stock_reconciliation(wh):
    si = fi.stock_inputs(wh, "2025-02-01", "2025-02-28")
    assert (si["opening_date"], si["closing_date"]) == (pd.Timestamp("2025-01-31"), pd.Timestamp("2025-02-28"))
    s = fi.stock_reconciliation(si["opening"], si["closing"], si["inbound"], si["moves"])
    assert s.values.tolist() == [["WH2", "B", 30, 0, 4, 4, 30, 29, -1],
                                 ["WH1", "A", 20, 10, 1, 0, 29, 29, 0]]


# -- export and empty scope -----------------------------------------------------------------------------
def test_excel_export_in_yuan(tmp_path, inputs):
    import openpyxl
    sales, costs = inputs
    p = fi.export_excel({"total": fi.pnl(sales, costs)}, tmp_path / "f.xlsx", "zh")
    ws = openpyxl.load_workbook(p)["total"]
    heads = [c.value for c in ws[1]]
    assert heads[1] == "实付金额 (元)" and ws.cell(2, 2).value == pytest.approx(161.00)


def test_shop_without_sales_gives_empty_sections(wh, settings):
    r = fi.build_report(wh, "2025-03-01", "2025-03-31", shops=["t1"], settings=settings,
                        targets_file=DATA / "targets.yaml", commission_file=DATA / "commission.yaml")
    fi.assert_ties(r["reconciliation"])
    assert not r["has_sales"] and r["by_shop"].empty and r["by_sku"].empty
    assert r["attainment"].empty and r["pricing"].empty and r["courier"].empty
    assert r["total"]["paid_fen"].tolist() == [0] and len(r["cash"]) == 13


# -- scale: SKU-day rows stay in DuckDB (issue 9) ----------------------------------------------------
def test_shop_day_sales_from_the_engine(wh):
    fi.load_sku_day(wh, START, END)
    try:
        d = fi.query_shop_day(wh)
    finally:
        fi.drop_sku_day(wh)
    assert d["sales_date"].dt.strftime("%m-%d").tolist() == ["01-10", "01-31", "02-02", "02-10", "02-20"]
    assert d["shop_id"].tolist() == ["t1", "t1", "j1", "j1", "t1"]
    assert d["gmv_fen"].tolist() == [2300, 1000, 2000, 10800, 450]
    assert d["paid_fen"].tolist() == [2300, 1000, 2000, 10800, 0]
    assert d["refund_fen"].tolist() == [500, 300, 2000, 0, 0]
    assert d["units"].tolist() == [3, 1, 4, 1, 0] and d["cogs_fen"].tolist() == [800, 400, 0, 400, 0]


def test_sku_pnl_allocated_in_sql_to_the_fen(wh, inputs):
    sales, costs = inputs
    fi.load_sku_day(wh, START, END)
    try:
        by = fi.query_sku_pnl(wh, costs, START, END)
    finally:
        fi.drop_sku_day(wh)
    b = by.set_index("sku")
    assert by["sku"].tolist() == [fi.UNALLOCATED, "A", "B"]
    assert b.loc["A", "ad_spend_fen"] == 783 + 500 and b.loc["B", "ad_spend_fen"] == 217
    assert b.loc["A", ["platform_fee_fen", "logistics_fen"]].tolist() == [773, 200]
    assert b.loc["A", "contribution_fen"] == 9444 and b.loc["B", "contribution_fen"] == -1017
    assert b.loc[fi.UNALLOCATED, ["logistics_fen", "ad_spend_fen", "paid_fen"]].tolist() == [600, 200, 0]
    # the same table as the pandas path, row for row
    assert_frame_equal(by, fi.pnl(sales, costs, ["sku", "category"]), check_dtype=False)
    cat = fi.regroup(by, ["category"]).set_index("category")
    assert cat.loc["护肤", "contribution_fen"] == 9444 and cat.loc["零食", "paid_fen"] == 2500
    assert_frame_equal(fi.regroup(by, ["category"]), fi.pnl(sales, costs, ["category"]),
                       check_dtype=False)


@pytest.mark.parametrize("paid, expected", [
    ([100, 100, 101], {"x": 3, "y": 3, "z": 4}),   # floor(10 x 100/301) = 3 each; remainder 1 to z
    ([100, 101, 101], {"x": 3, "y": 4, "z": 3}),   # y and z weigh the same: the first SKU (y) takes it
])
def test_sku_pnl_remainder_in_sql(wh, paid, expected):
    wh.con.execute("CREATE OR REPLACE TEMP TABLE t_alloc AS SELECT DATE '2025-01-01' AS sales_date, "
                   "'tmall' AS platform, 's' AS shop_id, sku, 'c' AS category, paid AS gmv_fen, "
                   "paid AS paid_fen, 0 AS refund_fen, 0 AS cogs_fen, 1 AS units, 0 AS units_returned, "
                   "0 AS units_without_cost FROM (VALUES ('x', $a), ('y', $b), ('z', $c)) v(sku, paid)",
                   {"a": paid[0], "b": paid[1], "c": paid[2]})
    costs = pd.DataFrame({"cost_date": pd.to_datetime(["2025-01-01", "2025-01-02"]),
                          "platform": ["tmall", "tmall"], "shop_id": ["s", "s"],
                          "kind": ["ad_spend", "ad_spend"], "amount_fen": [10, 7]})
    try:
        by = fi.query_sku_pnl(wh, costs, "2025-01-01", "2025-01-02", table="t_alloc")
    finally:
        fi.drop_sku_day(wh, "t_alloc")
    assert by.set_index("sku")["ad_spend_fen"].to_dict() == {**expected, fi.UNALLOCATED: 7}


def test_contracted_fees_at_once(settings):
    rc = settings["rate_card"]
    fees = fi.contracted_fees_fen(["浙江", "北京", "北京", "广东", "新疆", None], [1000, 1000, 1001, 900, 3500, 0], rc)
    # 300; 450; 450 + 200 x ceil(1/1000); default zone 500; 1200 + 800 x 3; unknown province -> default
    assert fees.tolist() == [300, 450, 650, 500, 3600, 500]
    with pytest.raises(KeyError, match="no fees for zone"):
        fi.contracted_fees_fen(["广东"], [500], {"zones": {}, "default_zone": "x", "fees": {}})


def test_export_csv_in_yuan(tmp_path):
    df = pd.DataFrame({"waybill_no": ["YT1", "YT2"], "fee_fen": [450, -5],
                       "ship_date": pd.to_datetime(["2025-01-02", "2025-01-03"]),
                       "price_fen": [12.5, None]})
    p = fi.export_csv(df, tmp_path / "c.csv", "zh")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw[3:].decode("utf-8").splitlines()
    assert lines[0] == "运单号,账单运费 (元),ship_date,平均售价 (元)"
    assert lines[1:] == ["YT1,4.50,2025-01-02,0.125", "YT2,-0.05,2025-01-03,"]


def test_sku_day_sql_equals_agg_daily_sales(wh):
    """FIN_SKU_DAY_SQL repeats legacy_order_lines' rules (FX, SKU map, refund spread): it must
    give agg_daily_sales' numbers row for row (order-level refunds and USD orders included)."""
    cols = ["sales_date", "platform", "shop_id", "sku", "category", "gmv_fen", "paid_fen",
            "refund_fen", "cogs_fen", "units", "units_returned", "units_without_cost"]
    for lo, hi in ((START, END), ("2025-01-31", "2025-02-02")):
        fi.load_sku_day(wh, lo, hi)
        try:
            got = wh.sql(f"SELECT {', '.join(cols)} FROM {fi.SKU_DAY_TABLE} ORDER BY ALL")
        finally:
            fi.drop_sku_day(wh)
        exp = wh.daily_sales(lo, hi)[cols].sort_values(cols[:4], ignore_index=True)
        assert_frame_equal(got.sort_values(cols[:4], ignore_index=True), exp, check_dtype=False)
    assert (wh.daily_sales(START, END)["refund_fen"].sum(), len(exp)) == (2800, 2)


def test_sku_day_sql_order_level_refund_and_sku_map(tmp_path):
    """An order-level case is spread over the order's lines like legacy_order_lines does, and
    exported codes go through sku_map: o1 (lines A 1800 fen x2, B 500 fen x1) gets a case of
    1001 fen and 2 units without a line: floor(1001 x 1800/2300) = 783 + the remainder 1 =
    784 on line 1, floor(1001 x 500/2300) = 217 on line 2; units floor(2 x 2/3) = 1 + 1 and
    0. sku_map sends tmall's code B to B2 (not in products: no category, no cost)."""
    d = tmp_path / "wh"
    shutil.copytree(DATA / "warehouse", d)
    with open(d / "refunds.csv", "a", encoding="utf-8") as f:
        f.write("tmall,t1,r8,o1,,,1001,2,整单退,refunded,2025-01-12 10:00:00,2025-01-13 10:00:00,CNY\n")
    (d / "sku_map.csv").write_text("platform,platform_sku_id,sku,note\ntmall,B,B2,\n", encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as w:
        res = w.ingest([d], progress=False)
        assert all(r.rows_quarantined == 0 for r in res)
    cols = ["sales_date", "platform", "shop_id", "sku", "category", "gmv_fen", "paid_fen",
            "refund_fen", "cogs_fen", "units", "units_returned", "units_without_cost"]
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as w:
        fi.load_sku_day(w, START, END)
        got = w.sql(f"SELECT {', '.join(cols)} FROM {fi.SKU_DAY_TABLE} ORDER BY ALL")
        fi.drop_sku_day(w)
        exp = w.daily_sales(START, END)[cols].sort_values(cols[:4], ignore_index=True)
    assert_frame_equal(got.sort_values(cols[:4], ignore_index=True), exp, check_dtype=False)
    day = got[got.sales_date == pd.Timestamp("2025-01-10")].set_index("sku")
    assert day.loc["A", ["refund_fen", "units_returned"]].tolist() == [784, 2]
    assert day.loc["B2", ["refund_fen", "units_returned", "units_without_cost"]].tolist() == [717, 1, 1]
    assert pd.isna(day.loc["B2", "category"])


def test_excel_export_formats_and_empty_cells(tmp_path):
    import openpyxl
    df = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                       "paid_fen": [12345, -5], "refund_rate": [0.25, np.nan],
                       "price_fen": [np.inf, 1.5]})
    ws = openpyxl.load_workbook(fi.export_excel({"t": df}, tmp_path / "t.xlsx", "en"))["t"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[1][1:] == [123.45, 0.25, "inf"] and rows[2][1:] == [-0.05, None, 0.015]
    assert rows[1][0] == pd.Timestamp("2025-01-01").to_pydatetime()
    assert [c.number_format for c in ws[3]] == ["YYYY-MM-DD HH:MM:SS", "#,##0.00", "0.0%", "#,##0.00"]


def test_cost_queries_keep_company_rows_only_when_asked(wh):
    """other_costs + ad_spend of the fixture: tmall t1 90 + 600 + 35 + 1000 + 200 = 1925,
    jd j1 500, company-wide rent (ALL, ALL) 5000. Without a filter the company row counts;
    with a shop filter it counts only with company=True."""
    assert fi.query_recon_costs(wh, START, END) == 7425
    assert fi.query_recon_costs(wh, START, END, shops=["t1"]) == 1925
    assert fi.query_recon_costs(wh, START, END, shops=["t1"], company=True) == 6925
    assert fi.query_recon_costs(wh, START, END, platforms=["jd"]) == 500
    assert fi.query_recon_costs(wh, START, END, company=False) == 2425
    c = fi.query_costs(wh, START, END, shops=["t1"], company=True)
    assert c.groupby("shop_id")["amount_fen"].sum().to_dict() == {"ALL": 5000, "t1": 1925}
    assert "ALL" not in set(fi.query_costs(wh, START, END, shops=["t1"])["platform"])


def test_sales_sums_and_shared_rules_in_both_queries():
    """One definition per sales measure; legacy_order_lines and FIN_SKU_DAY_SQL paste the same
    SKU-resolution, refund-case, remainder and line-refund steps."""
    from ecomlib import rollups
    assert rollups.sales_sums("gmv_fen", "refund_fen") == (
        "CAST(SUM(paid_fen) AS BIGINT) AS gmv_fen,\n"
        "       CAST(SUM(CASE WHEN is_paid THEN refund_fen ELSE 0 END) AS BIGINT) AS refund_fen")
    for sql in (rollups.VIEWS["agg_daily_sales"], rollups.FIN_SKU_DAY_SQL,
                rollups.DASHBOARD_OVERVIEW_SALES_SQL):
        assert "LEAST(units_returned, quantity)" in sql
    for part in (rollups.SKU_MAP_JOINS, rollups.REFUND_CASES_CTES, rollups.SPREAD_FIXED_CTE,
                 rollups.LINE_REFUND_COLUMNS, rollups.LINE_REFUND_JOINS):
        assert part in rollups.FIN_SKU_DAY_SQL
        assert part in rollups.VIEWS["legacy_order_lines"] + rollups.VIEWS["int_sku_resolved"]
