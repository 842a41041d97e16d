"""The finance report's modules against numbers worked out by hand (tests/data/finance/README.md):
the P&L from mart_sku_day_pnl (costs spread by the mart, estimates per SKU-day), targets,
commission, cash, pricing, courier bill and stock; and every figure tied to the fen to a
recompute from the canonical tables by the tests' own SQL (tests/finance_independent.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import finance_independent as independent
from ecomlib import modelling
from ecomlib.demo_courier import demo_carrier_bill
from ecomlib.metrics import finance as fi
from ecomlib.metrics import finance_cash as cash
from ecomlib.metrics import finance_courier as courier
from ecomlib.metrics import finance_pricing as pricing
from ecomlib.metrics import finance_queries as Q
from ecomlib.metrics import finance_report as rep
from ecomlib.metrics import finance_settings as fs
from ecomlib.metrics.finance_stock import stock_reconciliation
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data" / "finance"
START, END = "2025-01-01", "2025-02-28"
SHOP_COSTS = ["platform_fee_fen", "streamer_commission_fen", "logistics_fen", "packaging_fen",
              "ad_spend_fen", "other_costs_fen"]


def _load(folder: Path, db: Path, models=None) -> Path:
    with Warehouse(db) as w:
        res = w.ingest([folder], progress=False)
        assert all(r.rows_quarantined == 0 for r in res), [r for r in res if r.rows_quarantined]
        if models is None:
            w.build()
        else:
            modelling.build(w.con, full=True, models=models)
    return db


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory):
    return _load(DATA / "warehouse", tmp_path_factory.mktemp("fin") / "wh.duckdb")


@pytest.fixture(scope="module")
def wh(wh_path):
    w = Warehouse(wh_path, read_only=True)
    yield w
    w.close()


@pytest.fixture(scope="module")
def settings():
    return fs.load_settings(DATA / "settings.yaml")


def _report(wh, settings, **kw):
    return rep.build_report(wh, kw.pop("start", START), kw.pop("end", END), settings=settings,
                            targets_file=DATA / "targets.yaml",
                            commission_file=DATA / "commission.yaml", **kw)


@pytest.fixture(scope="module")
def report(wh, settings):
    return _report(wh, settings, carrier_bill=str(DATA / "carrier_bill.csv"), opening_cash_fen=0)


# -- P&L ----------------------------------------------------------------------------------------
def test_total_pnl_by_hand(report):
    t = report["total"].iloc[0]
    assert (t.gmv_fen, t.paid_fen, t.refund_fen, t.net_sales_fen, t.units) == (16550, 16100, 2800, 13300, 9)
    assert (t.cogs_fen, t.gross_profit_fen) == (1600, 11700)
    assert (t.platform_fee_fen, t.logistics_fen, t.packaging_fen, t.ad_spend_fen) == (773, 1600, 0, 1700)
    assert t.contribution_fen == 7627
    assert t.gross_margin_rate == pytest.approx(11700 / 13300)
    assert t.contribution_rate == pytest.approx(7627 / 13300)
    st = report["statement"].set_index("line")["amount_fen"]
    assert st["overhead_fen"] == -5000 and st["operating_profit_fen"] == 2627
    assert st["refund_fen"] == -2800 and st["cogs_fen"] == -1600


def test_estimated_costs_are_worked_out_per_sku_day(wh, settings, report):
    """j1 booked no platform fee and no logistics: 6 % of each SKU-day's net sales and 200 fen
    a unit; t1 booked both, and tmall has no fee rate anyway."""
    todo = fi.kinds_to_estimate(Q.shop_days(wh, "2024-01-01", END),
                                Q.booked_kinds(wh, "2024-01-01", END), settings)
    assert todo.values.tolist() == [["jd", "j1", "platform_fee", 0.06], ["jd", "j1", "logistics", 200.0]]
    est = fi.estimate_costs(Q.sku_days(wh, START, END), todo)
    got = est[["sales_date", "sku", "platform_fee_fen", "logistics_fen", "estimated_costs_fen"]]
    assert got.astype({"sales_date": str}).values.tolist() == [
        ["2025-02-02", "B", 0, 800, 800],      # o3 refunded in full: net 0, 4 units
        ["2025-02-10", "A", 648, 200, 848]]    # 6 % of 10800, 1 unit
    assert report["estimated_costs_fen"] == 1648
    assert not (report["sales"].query("shop_id == 't1'")["estimated_costs_fen"] != 0).any()


def test_an_estimate_rounds_half_up_on_each_sku_day():
    rows = pd.DataFrame({"sales_date": pd.to_datetime(["2025-01-01"] * 2), "platform": "jd",
                         "shop_id": "j", "sku": ["x", "y"], "category": "c",
                         "paid_fen": [25, 35], "refund_fen": [0, 10], "units": [1, 3]})
    todo = pd.DataFrame({"platform": ["jd", "jd"], "shop_id": ["j", "j"],
                         "kind": ["platform_fee", "packaging"], "rate": [0.1, 2.5]})
    est = fi.estimate_costs(rows, todo)
    # 0.1 x 25 = 2.5 -> 3; 0.1 x 25 = 2.5 -> 3; packaging 2.5 x 1 -> 3, 2.5 x 3 = 7.5 -> 8
    assert est[["platform_fee_fen", "packaging_fen", "logistics_fen"]].values.tolist() == [
        [3, 3, 0], [3, 8, 0]]
    shop = fi.add_estimates(pd.DataFrame({"sales_date": pd.to_datetime(["2025-01-01"]),
                                          "platform": ["jd"], "shop_id": ["j"],
                                          **{c: [0] for c in fi.AMOUNT_COLUMNS}}),
                            est, ["sales_date", "platform", "shop_id"])
    assert shop[["platform_fee_fen", "packaging_fen", "estimated_costs_fen"]].values.tolist() == [[6, 11, 17]]


def test_pnl_by_shop_and_month(report):
    by = report["by_shop"].set_index("shop_id")
    assert by.loc["t1", ["net_sales_fen", "gross_profit_fen", "contribution_fen"]].tolist() == [2500, 1300, -625]
    assert by.loc["j1", ["net_sales_fen", "gross_profit_fen", "contribution_fen"]].tolist() == [10800, 10400, 8252]
    exp = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                        "gmv_fen": [3300, 13250], "paid_fen": [3300, 12800],
                        "refund_fen": [800, 2000], "net_sales_fen": [2500, 10800],
                        "cogs_fen": [1200, 400]})
    assert_frame_equal(report["monthly"][exp.columns], exp, check_dtype=False)


def test_cross_month_refund_stays_with_its_order(report):
    """r2 was refunded on 02-05 for an order paid on 01-31: it lowers January."""
    m = report["monthly"].set_index("month")
    assert m.loc["2025-01-01", "refund_fen"] == 500 + 300


def test_empty_periods_on_the_calendar_spine(wh, report):
    cal = Q.calendar(wh, "2025-01-09", "2025-01-12")
    w = fi.pnl(report["sales"], period="date", calendar=cal)
    assert w["date"].dt.strftime("%m-%d").tolist() == ["01-09", "01-10", "01-11", "01-12"]
    assert w["paid_fen"].tolist() == [0, 2300, 0, 0]
    assert w["logistics_fen"].tolist() == [0, 0, 600, 0]
    assert np.isnan(w.loc[0, "refund_rate"]) and np.isnan(w.loc[0, "gross_margin_rate"])
    weeks = report["weekly"]["week"]
    assert weeks.iloc[0] == pd.Timestamp("2024-12-30") and (weeks.dt.day_of_week == 0).all()
    with pytest.raises(ValueError, match="period must be one of"):
        fi.pnl(report["sales"], period="quarter", calendar=cal)


def test_allocation_to_skus_to_the_fen(report):
    by = report["by_sku"].set_index("sku")
    assert by.loc["A", "ad_spend_fen"] == 783 + 500 and by.loc["B", "ad_spend_fen"] == 217
    assert by.loc["A", ["platform_fee_fen", "logistics_fen"]].tolist() == [773, 200]
    assert by.loc["A", "contribution_fen"] == 9444
    assert by.loc["B", "contribution_fen"] == -1017
    assert by.loc[fi.UNALLOCATED, ["logistics_fen", "ad_spend_fen", "paid_fen"]].tolist() == [600, 200, 0]
    assert by["contribution_fen"].sum() == 7627
    assert report["by_sku"]["sku"].tolist() == [fi.UNALLOCATED, "A", "B"]
    cat = report["by_category"].set_index("category")
    assert cat.loc["护肤", "contribution_fen"] == 9444 and cat.loc["零食", "paid_fen"] == 2500


def test_the_mart_spreads_each_shop_day_to_the_fen(wh):
    """01-10: ads 1000 by paid A 1800 / B 500: floor 782 + remainder 1 = 783, 217; the fee 90
    by net sales, all A (B was refunded in full). Costs of 01-11 and 01-12 fall on days
    without sales: their shop-day's (unallocated) row. Summed per shop-day: the booked costs."""
    m = wh.sql("SELECT * FROM mart_sku_day_pnl ORDER BY sales_date, shop_id, sku")
    d = m.set_index([m.sales_date.dt.strftime("%m-%d"), "sku"])
    assert d.loc[("01-10", "A"), ["ad_spend_fen", "platform_fee_fen"]].tolist() == [783, 90]
    assert d.loc[("01-10", "B"), ["ad_spend_fen", "platform_fee_fen"]].tolist() == [217, 0]
    assert d.loc[("01-11", fi.UNALLOCATED), "logistics_fen"] == 600
    assert d.loc[("01-12", fi.UNALLOCATED), "ad_spend_fen"] == 200
    booked = wh.sql("""SELECT cost_date AS sales_date, platform, shop_id, SUM(amount_fen) AS c
                       FROM (SELECT cost_date, platform, shop_id, amount_fen FROM other_costs
                             UNION ALL SELECT spend_date, platform, shop_id, spend_fen FROM ad_spend)
                       WHERE platform <> 'ALL' GROUP BY ALL ORDER BY ALL""")
    spread = (m.assign(c=m[SHOP_COSTS].sum(axis=1)).groupby(["sales_date", "platform", "shop_id"],
                                                            as_index=False)["c"].sum())
    spread = spread[spread.c != 0].sort_values(["sales_date", "platform", "shop_id"], ignore_index=True)
    assert_frame_equal(spread, booked, check_dtype=False)
    sales = wh.sql("SELECT SUM(paid_fen), SUM(refund_fen), SUM(cogs_fen) FROM mart_sales_daily")
    assert m[["paid_fen", "refund_fen", "cogs_fen"]].sum().tolist() == sales.iloc[0].tolist()


def _mart_on(sales_rows, cost_rows) -> pd.DataFrame:
    """mart_sku_day_pnl's own SQL on hand-made upstream tables."""
    con = duckdb.connect()
    sales = pd.DataFrame(sales_rows, columns=["sales_date", "platform", "shop_id", "sku",
                                              "paid_fen", "refund_fen", "units"])
    for c in ("gmv_fen", "cogs_fen", "units_returned", "units_without_cost"):
        sales[c] = sales["paid_fen"] if c == "gmv_fen" else 0
    sales["category"] = "c"
    costs = pd.DataFrame(cost_rows, columns=["cost_date", "platform", "shop_id", "kind", "amount_fen"])
    for df in (sales, costs):
        for c in ("sales_date", "cost_date"):
            if c in df:
                df[c] = pd.to_datetime(df[c]).dt.date
    con.register("s", sales)
    con.register("c", costs)
    con.execute("CREATE TABLE mart_sales_daily AS SELECT * FROM s")
    con.execute("CREATE TABLE mart_costs_daily AS SELECT * FROM c WHERE kind <> 'ad_spend'")
    con.execute("CREATE TABLE mart_ads_daily AS SELECT cost_date AS spend_date, platform, shop_id, "
                "amount_fen AS spend_fen FROM c WHERE kind = 'ad_spend'")
    # the scope relations as a full build has them (every day; ecomlib.modelling)
    con.execute("CREATE TABLE build_scope_days AS "
                "SELECT DISTINCT platform, shop_id, sales_date FROM mart_sales_daily")
    con.execute("CREATE TABLE build_scope_full AS SELECT TRUE AS full_build")
    sql = modelling.load_models()["mart_sku_day_pnl"].sql
    return con.execute(sql + " ORDER BY sales_date, sku").fetchdf()


@pytest.mark.parametrize("paid, expected", [
    ([100, 100, 101], {"x": 3, "y": 3, "z": 4}),   # floor(10 x 100/301) = 3 each; remainder 1 to z
    ([100, 101, 101], {"x": 3, "y": 4, "z": 3}),   # y and z weigh the same: the first SKU (y) takes it
])
def test_the_remainder_goes_to_the_largest_weight(paid, expected):
    got = _mart_on([("2025-01-01", "tmall", "s", k, p, 0, 1) for k, p in zip("xyz", paid)],
                   [("2025-01-01", "tmall", "s", "ad_spend", 10),
                    ("2025-01-02", "tmall", "s", "ad_spend", 7)])
    assert got.groupby("sku")["ad_spend_fen"].sum().to_dict() == {**expected, fi.UNALLOCATED: 7}


def test_each_cost_kind_has_its_weight_and_other_kinds_go_to_other_costs():
    """fees by net sales (x refunded in full weighs 0), logistics by units, a negative weight
    counts 0; a kind without a column of its own (rent of a shop) is an other cost, spread
    by paid amount; company-wide rows (ALL) are no shop's."""
    got = _mart_on([("2025-01-01", "jd", "s", "x", 300, 300, 3), ("2025-01-01", "jd", "s", "y", 100, 0, -1)],
                   [("2025-01-01", "jd", "s", "platform_fee", 10),
                    ("2025-01-01", "jd", "s", "logistics", 9),
                    ("2025-01-01", "jd", "s", "rent", 8),
                    ("2025-01-01", "ALL", "ALL", "salary", 1000)]).set_index("sku")
    assert got["platform_fee_fen"].to_dict() == {"x": 0, "y": 10}
    assert got["logistics_fen"].to_dict() == {"x": 9, "y": 0}
    assert got["other_costs_fen"].to_dict() == {"x": 6, "y": 2}   # 8 x 300/400, 8 x 100/400
    assert set(got.index) == {"x", "y"}


def test_changes_mom_and_yoy():
    m = pd.DataFrame({"month": pd.to_datetime(["2024-02-01", "2025-01-01", "2025-02-01"]),
                      "net_sales_fen": [800, 500, 1000]})
    c = fi.changes(m).set_index("month")
    assert c.loc["2025-02-01", "mom_rate"] == pytest.approx(1.0)       # 1000 vs 500
    assert c.loc["2025-02-01", "yoy_rate"] == pytest.approx(0.25)      # 1000 vs 800
    assert np.isnan(c.loc["2025-01-01", "mom_rate"])                  # no December 2024 row


def test_profit_structure_and_costs(report):
    ps = report["sku_structure"]
    assert ps["sku"].tolist() == ["A", fi.UNALLOCATED, "B"]
    assert ps["share_rate"].iloc[0] == pytest.approx(1.0)
    assert ps["is_drag"].tolist() == [False, True, True]
    cs = report["cost_structure"].set_index("kind")["amount_fen"]
    assert cs.to_dict() == {"rent": 5000, "ad_spend": 1700, "cogs": 1600, "logistics": 1600,
                            "platform_fee": 773}


# -- the figures tie to the canonical tables (the tests' own SQL) ---------------------------------
def _ties(report, truth: pd.DataFrame) -> list[str]:
    """Every difference between the report's tables and the independent recompute (money to
    the fen; refunds of non-CNY orders spread over lines may round 1 fen a line)."""
    bad = []
    shops = truth[truth.platform != "ALL"]
    tol = int(shops["count_fx_spread_lines"].sum())
    want = shops[["gmv_fen", "paid_fen", "refund_fen", "units", "cogs_fen"]].sum()
    booked = int(shops["costs_fen"].sum())
    est = int(report["sales"]["estimated_costs_fen"].sum())
    for name in ("total", "monthly", "weekly", "by_platform", "by_shop", "by_category", "by_sku"):
        t = report[name]
        for col, v in want.items():
            if abs(int(t[col].sum()) - int(v)) > (tol if col == "refund_fen" else 0):
                bad.append(f"{name}.{col}: {int(t[col].sum())} vs {int(v)}")
        if int(t[SHOP_COSTS].to_numpy().sum()) - est != booked:
            bad.append(f"{name}.costs: {int(t[SHOP_COSTS].to_numpy().sum()) - est} vs {booked}")
    per_shop = shops.groupby("shop_id")[["gmv_fen", "paid_fen", "refund_fen", "cogs_fen"]].sum()
    got = report["by_shop"].set_index("shop_id")[per_shop.columns]
    if not got.reindex(per_shop.index).fillna(0).astype("int64").equals(per_shop.astype("int64")):
        bad.append(f"by_shop: {got.to_dict()} vs {per_shop.to_dict()}")
    per_month = shops.groupby("month")[["gmv_fen", "paid_fen", "refund_fen", "cogs_fen"]].sum()
    got = report["monthly"].set_index("month")[per_month.columns]
    if not got.reindex(per_month.index).fillna(0).astype("int64").equals(per_month.astype("int64")):
        bad.append(f"monthly: {got.to_dict()} vs {per_month.to_dict()}")
    company = int(truth.loc[truth.platform == "ALL", "costs_fen"].sum())
    if int(report["overhead"]["amount_fen"].sum()) != company:
        bad.append(f"overhead: {int(report['overhead']['amount_fen'].sum())} vs {company}")
    if int(truth["count_lines_without_rate"].sum()):
        bad.append("lines without an FX rate")
    return bad


def test_every_figure_ties_to_the_canonical_tables(wh, report):
    truth = independent.recompute(wh, START, END)
    assert _ties(report, truth) == []
    # what the recompute says, by hand: USD o4 = 1500 x 7.2 = 10800; rent 5000 company-wide
    assert truth[["gmv_fen", "paid_fen", "refund_fen", "units", "cogs_fen"]].sum().tolist() == [
        16550, 16100, 2800, 9, 1600]
    assert truth.groupby("platform")["costs_fen"].sum().to_dict() == {"ALL": 5000, "jd": 500, "tmall": 1925}


def test_an_order_level_case_and_a_mapped_sku_tie_too(tmp_path, settings):
    """An order-level case of 1001 fen and 2 units on o1 (lines A 1800 x2, B 500 x1) is spread
    by paid share and quantity (784 + 217 fen; units 2 and 0 to line 1 and 2); tmall's code B
    maps to B2 (no product: no cost). The report ties to the recompute."""
    d = tmp_path / "wh"
    shutil.copytree(DATA / "warehouse", d)
    with open(d / "refunds.csv", "a", encoding="utf-8") as f:
        f.write("tmall,t1,r8,o1,,,1001,2,整单退,refunded,2025-01-12 10:00:00,2025-01-13 10:00:00,CNY\n")
    (d / "sku_map.csv").write_text("platform,platform_sku_id,sku,note\ntmall,B,B2,\n", encoding="utf-8")
    db = _load(d, tmp_path / "w.duckdb")
    with Warehouse(db, read_only=True) as w:
        r = _report(w, settings)
        truth = independent.recompute(w, START, END)
    assert _ties(r, truth) == []
    by = r["by_sku"].set_index("sku")
    # A: 784 of the case + r2's 300; o1's two A units came back, o2's and o4's are kept
    assert by.loc["A", ["refund_fen", "units_returned", "cogs_fen"]].tolist() == [784 + 300, 2, 400 + 400]
    assert by.loc["B2", ["refund_fen", "units_without_cost", "category"]].tolist() == [717, 1, "unknown"]


def test_a_rule_changed_in_the_model_breaks_the_tie(tmp_path, settings):
    """Cost of goods on every unit sold, returned ones included (the mutation of issue 19):
    the report's figures no longer tie to the recompute, and the test says where."""
    models = modelling.load_models()
    m = models["int_order_lines"]
    kept = "unit_cost_fen * (quantity - LEAST(line_units_returned, quantity))"
    assert kept in m.sql
    m.sql = m.sql.replace(kept, "unit_cost_fen * quantity")
    db = _load(DATA / "warehouse", tmp_path / "mutant.duckdb", models=models)
    with Warehouse(db, read_only=True) as w:
        bad = _ties(_report(w, settings), independent.recompute(w, START, END))
    # + the 5 returned units of B (100 fen each) counted as sold
    assert "total.cogs_fen: 2100 vs 1600" in bad and all("cogs_fen" in b or b.startswith(
        ("by_shop", "monthly")) for b in bad)


def test_a_refund_without_its_line_is_named_not_hidden(tmp_path, settings):
    """A refund naming a line that does not exist is money no model sees: the figures miss
    its 100 fen (the recompute, joining on the order only, has them) and the report's
    data-health line names refunds.orphan."""
    d = tmp_path / "wh"
    shutil.copytree(DATA / "warehouse", d)
    with open(d / "refunds.csv", "a", encoding="utf-8") as f:
        f.write("tmall,t1,r9,o1,9,A,100,0,错线,refunded,2025-01-12 10:00:00,2025-01-13 10:00:00,CNY\n")
    db = _load(d, tmp_path / "bad.duckdb")
    with Warehouse(db, read_only=True) as w:
        r = _report(w, settings)
        bad = _ties(r, independent.recompute(w, START, END))
    assert "total.refund_fen: 2800 vs 2900" in bad
    h = r["health"].set_index("rule_id")
    assert h.loc["refunds.orphan", "count_failing"] == 1
    text = rep.health_text(r["health"], 0, "en")
    assert "1 of the 4 rules that concern these figures fail (1 rows)" in text
    assert rep.health_text(r["health"], 0, "zh").startswith("数据质量：与财务数字有关的 4 条规则中 1 条未通过（1 行）")


# -- targets and commission -----------------------------------------------------------------------------
def test_attainment_and_projection(wh):
    sales = Q.shop_days(wh, START, END)
    targets, members = fs.load_targets(DATA / "targets.yaml")
    a = fi.attainment(sales, targets, members, "2025-02-14").set_index(["level", "entity", "month"])
    jan = a.loc[("shop", "t1", pd.Timestamp("2025-01-01"))]
    assert (jan.target_fen, jan.actual_fen, jan.is_final) == (3000, 3300, True)
    assert jan.attainment_rate == pytest.approx(1.1)
    j1 = a.loc[("shop", "j1", pd.Timestamp("2025-02-01"))]
    assert (j1.actual_fen, j1.days_elapsed, j1.days_in_month, j1.projected_fen) == (12800, 14, 28, 25600)
    assert j1.projected_rate == pytest.approx(1.28) and not j1.is_final
    c = fi.commission(a.reset_index(), fs.load_commission_rule(DATA / "commission.yaml"))
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
def _shop_days(rows) -> pd.DataFrame:
    cols = ["sales_date", "platform", "shop_id", "paid_fen", "refund_fen", "cogs_fen",
            "platform_fee_fen", "ad_spend_fen"]
    df = pd.DataFrame(rows, columns=cols)
    df["sales_date"] = pd.to_datetime(df["sales_date"])
    for c in ("streamer_commission_fen", "logistics_fen", "packaging_fen"):
        df[c] = 0
    return df


def test_cash_flow_forecast_by_hand():
    # j1 sold 10000 on 02-10 (fee 500); t1 sold 7000 on 02-14 (cost of goods 700) and spent
    # 1400 on ads on 02-12, a day without sales
    days = _shop_days([("2025-02-10", "jd", "j1", 10000, 0, 0, 500, 0),
                       ("2025-02-12", "tmall", "t1", 0, 0, 0, 0, 1400),
                       ("2025-02-14", "tmall", "t1", 7000, 0, 700, 0, 0)])
    po = pd.DataFrame({"ordered_on": ["2025-02-05", "2025-01-20"], "promised_on": ["2025-02-16", "2025-02-01"],
                       "received_on": [None, "2025-02-01"], "quantity_ordered": [10, 5],
                       "quantity_received": [0, 5], "unit_cost_fen": [100, 200]})
    settings = {"settlement_lag_days": {"tmall": 10, "jd": 5}, "run_rate_weeks": 1,
                "supplier_payment_days": 10}
    oh = pd.DataFrame({"cost_date": pd.to_datetime([]), "kind": [], "amount_fen": []})
    fc = cash.cash_flow_forecast(days, oh, po, "2025-02-14", 1000, settings, weeks=3)
    assert fc["week_from"].dt.strftime("%m-%d").tolist() == ["02-15", "02-22", "03-01"]
    assert fc["inflow_settled_fen"].tolist() == [9500, 7000, 0]
    # run rates: jd 9500/7 per day settling 5 days later, tmall 1000 per day 10 days later
    assert fc["inflow_future_fen"].tolist() == [2714, 13500, 16500]
    assert fc["outflow_purchases_fen"].tolist() == [0, 1000, 0]   # the open PO, 02-16 + 10 days
    assert fc["outflow_replenishment_fen"].tolist() == [0, 400, 700]
    assert fc["outflow_ads_fen"].tolist() == [1400, 1400, 1400]
    assert fc["closing_cash_fen"].tolist() == [11814, 29514, 43914]
    assert cash.lowest_week(fc)["week"] == 1


def test_overhead_is_paid_on_the_first_of_each_month():
    """Company rent: January 3000, February 6000 (two rows): the mean of the last three months
    (4500) is paid on 03-01; the first week holds nothing of it."""
    days = _shop_days([("2025-02-14", "tmall", "t1", 0, 0, 0, 0, 0)])
    oh = pd.DataFrame({"cost_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-10"]),
                       "kind": ["rent"] * 3, "amount_fen": [3000, 4000, 2000]})
    fc = cash.cash_flow_forecast(days, oh, pd.DataFrame(), "2025-02-14", 0,
                                 {"run_rate_weeks": 1}, weeks=3)
    assert fc["outflow_overhead_fen"].tolist() == [0, 0, 4500]


# -- pricing --------------------------------------------------------------------------------------------
def test_break_even_price():
    assert pricing.contribution_at_price(1000, 400, 0.05, 0.1, 0.0, 50, 30) == pytest.approx(375)
    row = pd.DataFrame({"sku": ["X"], "category": ["c"], "units": [10], "paid_fen": [10000],
                        "refund_fen": [1000], "net_sales_fen": [9000], "cogs_fen": [4000],
                        "units_returned": [0], "platform_fee_fen": [450],
                        "streamer_commission_fen": [0], "logistics_fen": [500],
                        "packaging_fen": [0], "ad_spend_fen": [300]})
    u = pricing.unit_economics(row, min_units=1).iloc[0]
    assert (u.price_fen, u.unit_cost_fen, u.fee_rate, u.refund_rate) == (1000, 400, 0.05, 0.1)
    assert u.contribution_per_unit_fen == pytest.approx(375)
    assert u.break_even_price_fen == pytest.approx(480 / 0.855)
    assert u.price_headroom_rate == pytest.approx((1000 - 480 / 0.855) / 1000)
    assert u.break_even_units == 1  # ceil(300 / (375 + 30))


# -- courier bill ---------------------------------------------------------------------------------------
def test_courier_bill_check(wh, settings):
    bill = courier.read_carrier_bill(DATA / "carrier_bill.csv")
    assert bill["fee_fen"].tolist() == [500, 450, 450, 300, 2800]
    shipped = Q.shipments(wh, START, END)
    assert shipped.order_id.tolist() == ["o1", "o2", "o3", "o4"]   # in shipping order
    assert shipped.units.tolist() == [3, 1, 4, 1]
    chk = courier.reconcile_courier_bill(bill, shipped, settings["rate_card"])
    assert chk["check"].tolist() == ["bill_overcharged", "bill_ok", "bill_duplicate",
                                     "bill_unmatched", "bill_ok"]
    assert chk["contracted_fen"].tolist() == [400, 450, 450, 300, 2800]
    assert chk["claim_fen"].tolist() == [100, 0, 450, 300, 0]
    s = courier.courier_summary(chk).set_index("check")
    assert s.loc["total", ["count_waybills", "fee_fen", "claim_fen"]].tolist() == [5, 4500, 850]


def test_shipments_end_on_the_last_day_inclusive(wh):
    """o1 shipped 01-11 10:00, o2 02-01 10:00: a period ending 02-01 holds both."""
    assert Q.shipments(wh, "2025-01-11", "2025-02-01").order_id.tolist() == ["o1", "o2"]
    assert Q.shop_days(wh, "2025-01-10", "2025-01-10")["paid_fen"].tolist() == [2300]


def test_demo_bill_is_deterministic_and_planted(wh, settings):
    shipped = Q.shipments(wh, START, END)
    big = pd.concat([shipped.assign(order_id=shipped.order_id + f"-{i}") for i in range(30)],
                    ignore_index=True)
    b1 = demo_carrier_bill(big, settings["rate_card"])
    b2 = demo_carrier_bill(big.sample(frac=1, random_state=1), settings["rate_card"])
    assert_frame_equal(b1, b2)
    chk = courier.reconcile_courier_bill(b1, big, settings["rate_card"])
    counts = chk["check"].value_counts()
    assert counts["bill_duplicate"] == 120 // 97 and counts["bill_unmatched"] == 5
    assert counts["bill_overcharged"] == 120 // 61


def test_contracted_fees_at_once(settings):
    rc = settings["rate_card"]
    fees = courier.contracted_fees_fen(["浙江", "北京", "北京", "广东", "新疆", None], [1000, 1000, 1001, 900, 3500, 0], rc)
    # 300; 450; 450 + 200 x ceil(1/1000); default zone 500; 1200 + 800 x 3; unknown province -> default
    assert fees.tolist() == [300, 450, 650, 500, 3600, 500]
    assert courier.contracted_fee_fen("新疆", 3500, rc) == 3600
    with pytest.raises(KeyError, match="no fees for zone"):
        courier.contracted_fees_fen(["广东"], [500], {"zones": {}, "default_zone": "x", "fees": {}})


# -- stock ----------------------------------------------------------------------------------------------
def test_stock_reconciliation(wh):
    si = Q.stock_inputs(wh, "2025-02-01", "2025-02-28")
    assert (si["opening_date"], si["closing_date"]) == (pd.Timestamp("2025-01-31"), pd.Timestamp("2025-02-28"))
    s = stock_reconciliation(si["opening"], si["closing"], si["inbound"], si["moves"])
    assert s.values.tolist() == [["WH2", "B", 30, 0, 4, 4, 30, 29, -1],
                                 ["WH1", "A", 20, 10, 1, 0, 29, 29, 0]]
    assert Q.stock_inputs(wh, "2030-01-01", "2030-01-31") == {"opening_date": None, "closing_date": None}


# -- export and empty scope -----------------------------------------------------------------------------
def test_excel_export_in_yuan(tmp_path, report):
    import openpyxl
    p = rep.export_excel({"total": report["total"]}, tmp_path / "f.xlsx", "zh")
    ws = openpyxl.load_workbook(p)["total"]
    heads = [c.value for c in ws[1]]
    assert heads[1] == "实付金额 (元)" and ws.cell(2, 2).value == pytest.approx(161.00)


def test_a_shop_filter_leaves_company_costs_out(wh, settings):
    r = _report(wh, settings, shops=["t1"])
    assert r["overhead"].empty and r["by_shop"]["shop_id"].tolist() == ["t1"]
    assert r["total"]["contribution_fen"].tolist() == [-625]
    assert Q.booked_kinds(wh, START, END, shops=["t1"])["kind"].tolist() == [
        "ad_spend", "logistics", "platform_fee"]
    assert Q.overhead(wh, START, END)[["kind", "amount_fen"]].values.tolist() == [["rent", 5000]]


def test_shop_without_sales_gives_empty_sections(wh, settings):
    r = _report(wh, settings, start="2025-03-01", end="2025-03-31", shops=["t1"])
    assert not r["has_sales"] and r["by_shop"].empty and r["by_sku"].empty
    assert r["attainment"].empty and r["pricing"].empty and r["courier"].empty
    assert r["total"]["paid_fen"].tolist() == [0] and len(r["cash"]) == 13


def test_export_csv_in_yuan(tmp_path):
    df = pd.DataFrame({"waybill_no": ["YT1", "YT2"], "fee_fen": [450, -5],
                       "ship_date": pd.to_datetime(["2025-01-02", "2025-01-03"]),
                       "price_fen": [12.5, None]})
    p = rep.export_csv(df, tmp_path / "c.csv", "zh")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw[3:].decode("utf-8").splitlines()
    assert lines[0] == "运单号,账单运费 (元),发货日,平均售价 (元)"
    assert lines[1:] == ["YT1,4.50,2025-01-02,0.125", "YT2,-0.05,2025-01-03,"]


def test_excel_export_formats_and_empty_cells(tmp_path):
    import openpyxl
    df = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                       "paid_fen": [12345, -5], "refund_rate": [0.25, np.nan],
                       "price_fen": [np.inf, 1.5]})
    ws = openpyxl.load_workbook(rep.export_excel({"t": df}, tmp_path / "t.xlsx", "en"))["t"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[1][1:] == [123.45, 0.25, "inf"] and rows[2][1:] == [-0.05, None, 0.015]
    assert rows[1][0] == pd.Timestamp("2025-01-01").to_pydatetime()
    assert ws[3][0].number_format == "YYYY-MM"   # a month reads 2025-02, not 2025-02-01 00:00:00
    assert [c.number_format for c in ws[3]][1:] == ["#,##0.00", "0.0%", "#,##0.00"]


# -- the rules are the model layer's ---------------------------------------------------------------------
def test_finance_code_reads_marts_and_repeats_no_rule():
    """No finance module or query types a sales-day, FX or cost-of-goods rule, reads a
    canonical table, or keeps SQL of its own; the old rollups module is gone."""
    import importlib.util
    from ecomlib import queries
    root = Path(fi.__file__).parent
    for mod in ("finance", "finance_cash", "finance_courier", "finance_pricing", "finance_stock",
                "finance_settings", "finance_queries", "finance_report"):
        text = (root / f"{mod}.py").read_text(encoding="utf-8")
        for rule in ("COALESCE(paid_at", "cny_per_unit", "JOIN fx_rates", "LEAST(units_returned",
                     "FROM orders", "FROM order_lines", "FROM mart_", "FROM int_", "add_labels"):
            assert rule not in text, (mod, rule)
    for p in (queries.QUERY_DIR / "finance").glob("*.sql"):
        rels = modelling._relations(queries.text(f"finance/{p.stem}").replace("$", ":"))
        assert rels <= {"mart_sku_day_pnl", "mart_costs_daily", "mart_ads_daily", "mart_shipments",
                        "mart_stock_moves", "mart_stock_daily", "mart_purchase_lines",
                        "mart_shops", "mart_products"}, (p, rels)   # names: the seller's words
    assert importlib.util.find_spec("ecomlib.rollups") is None
