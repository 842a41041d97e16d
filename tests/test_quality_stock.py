"""Stock continuity and returns without units (ecomlib.quality), with the finance report's
stock reconciliation (ecomlib.metrics.finance_stock), on a hand-made warehouse: both read how
stock moves from one model (mart_stock_moves), built after the ingest.

Two warehouses, five days (2025-03-01..05), SKUs A and B in W1, C and D in W2:

* A: 03-01 10 (the first snapshot: no opening); 03-02 8 (o1 takes 2); 03-03 20 (P1 brings
  12); 03-04 21 but 20 - 1 (o4, exported as code a-old, which sku_map resolves to A) + 0
  (r1 refunds o1's line in full, and the 2 units came back, but the case says 0 units) = 19
  expected -> **+2**; 03-05 21 (o3 is unpaid: takes nothing).
* B: 03-01 5; 03-02 5; 03-03 3 (o2 created 03-03 23:59, paid after midnight: the stock
  leaves on the created day); no row on 03-04; 03-05 4 = 3 - 1 (o5) + 2 (r2 returns 2 on
  03-05): the step runs from the last row present (03-03).
* C: first listed on 03-03 with 0, so it held 0 on W2's snapshot day before (03-02); 03-04
  6 (P2 brings 6); 03-05 6.
* D: 03-01..03-03 7; 03-04 6 (o4's second line takes 1; r4 was rejected: nothing comes
  back); 03-05 11 with no receipt booked (a missed receipt) -> **+5**.

Steps checked: 17 snapshot rows minus the 3 on their warehouse's first day (W1/A, W1/B,
W2/D on 03-01) = 14. Failing: W1/A/03-04 (+2), W2/D/03-05 (+5).

Returns without units: refunded cases naming a line are r1 (o1/1: 2000 of 2000 paid, 0
units -> fails), r2 (o2/1: full, 2 units), r3 (o4/1: 300 of 1500, refund only) -> 1 of 3;
r4 is rejected, r5 is for the whole order.

The finance reconciliation of 03-02..03-05 (opening = the 03-01 snapshot) shows the same
differences per pair (A +2, D +5; B and C tie): it is the sum of the daily steps. With r1's
2 units and a receipt of D's 5 units on 03-05 (the ``fixed`` warehouse) everything ties.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ecomlib import quality
from ecomlib.metrics import finance_queries as Q
from ecomlib.metrics.finance_stock import stock_reconciliation
from ecomlib.warehouse import Warehouse

FILES = {
    "products.csv": """sku,spu,product_name,category,unit_cost_fen,list_price_fen,supplier_id,launched_on
A,SPU-A,面霜,护肤,400,1000,SUP01,2024-01-01
B,SPU-B,礼盒,零食,100,500,SUP02,2024-01-01
C,SPU-C,新品,护肤,300,900,SUP01,2025-03-03
D,SPU-D,茶,茶饮,200,600,SUP02,2024-01-01
""",
    "sku_map.csv": """platform,platform_sku_id,sku,note
tmall,a-old,A,旧编码
""",
    "orders.csv": """platform,shop_id,order_id,member_key,province,city,created_at,paid_at,shipped_at,finished_at,status,shipping_fee_fen,currency,traffic_source,streamer
tmall,t1,o1,m1,浙江,杭州,2025-03-02 10:00:00,2025-03-02 10:01:00,2025-03-02 18:00:00,,refunded,0,CNY,,
tmall,t1,o2,m2,浙江,杭州,2025-03-03 23:59:00,2025-03-04 00:10:00,2025-03-04 12:00:00,,refunded,0,CNY,,
tmall,t1,o3,m3,浙江,杭州,2025-03-04 09:00:00,,,,cancelled,0,CNY,,
tmall,t1,o4,m1,浙江,杭州,2025-03-04 10:00:00,2025-03-04 10:05:00,2025-03-04 18:00:00,,shipped,0,CNY,,
tmall,t1,o5,m2,浙江,杭州,2025-03-05 08:00:00,2025-03-05 08:01:00,,,paid,0,CNY,,
""",
    "order_lines.csv": """platform,shop_id,order_id,line_id,sku,platform_sku_id,quantity,list_price_fen,shop_discount_fen,platform_discount_fen,paid_fen
tmall,t1,o1,1,A,,2,1000,0,0,2000
tmall,t1,o2,1,B,,2,500,0,0,1000
tmall,t1,o3,1,A,,5,1000,0,0,5000
tmall,t1,o4,1,a-old,,1,1000,0,0,1000
tmall,t1,o4,2,D,,1,600,100,0,500
tmall,t1,o5,1,B,,1,500,0,0,500
""",
    "refunds.csv": """platform,shop_id,refund_id,order_id,line_id,sku,refund_fen,units_returned,reason,status,requested_at,refunded_at,currency
tmall,t1,r1,o1,1,A,2000,0,七天无理由,refunded,2025-03-03 09:00:00,2025-03-04 11:00:00,CNY
tmall,t1,r2,o2,1,B,1000,2,不想要了,refunded,2025-03-04 09:00:00,2025-03-05 11:00:00,CNY
tmall,t1,r3,o4,1,A,300,0,包装破损,refunded,2025-03-04 12:00:00,2025-03-04 13:00:00,CNY
tmall,t1,r4,o4,2,D,500,0,不想要了,rejected,2025-03-04 12:00:00,,CNY
tmall,t1,r5,o4,,,100,0,运费补偿,refunded,2025-03-04 12:00:00,2025-03-04 13:00:00,CNY
""",
    "inventory_snapshots.csv": """snapshot_date,warehouse_id,sku,on_hand_units,in_transit_units
2025-03-01,W1,A,10,12
2025-03-02,W1,A,8,12
2025-03-03,W1,A,20,0
2025-03-04,W1,A,21,0
2025-03-05,W1,A,21,0
2025-03-01,W1,B,5,0
2025-03-02,W1,B,5,0
2025-03-03,W1,B,3,0
2025-03-05,W1,B,4,0
2025-03-03,W2,C,0,6
2025-03-04,W2,C,6,0
2025-03-05,W2,C,6,0
2025-03-01,W2,D,7,0
2025-03-02,W2,D,7,0
2025-03-03,W2,D,7,0
2025-03-04,W2,D,6,0
2025-03-05,W2,D,11,0
""",
    "purchase_orders.csv": """po_id,sku,supplier_id,supplier_name,warehouse_id,ordered_on,promised_on,received_on,quantity_ordered,quantity_received,unit_cost_fen,currency
P1,A,SUP01,甲,W1,2025-02-20,2025-03-03,2025-03-03,12,12,400,CNY
P2,C,SUP01,甲,,2025-02-25,2025-03-04,2025-03-04,6,6,300,CNY
P3,B,SUP02,乙,W1,2025-03-04,2025-03-20,,50,0,100,CNY
""",
}
#: the corrections that make everything tie: r1's 2 units, and the receipt of D's 5 units
FIXED = {
    "refunds.csv": FILES["refunds.csv"].replace(
        "tmall,t1,r1,o1,1,A,2000,0,", "tmall,t1,r1,o1,1,A,2000,2,"),
    "purchase_orders.csv": FILES["purchase_orders.csv"]
    + "P4,D,SUP02,乙,W2,2025-02-20,2025-03-05,2025-03-05,5,5,200,CNY\n",
}

CONT = "inventory_snapshots.stock_continuity"
BARE = "refunds.return_without_units"


def _build(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = folder.with_suffix(".duckdb")
    with Warehouse(db) as wh:
        res = wh.ingest([folder], progress=False)
        assert all(r.status == "ok" and r.rows_quarantined == 0 for r in res), res
        wh.build()
    return db


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stock")
    return {"broken": _build(tmp / "broken", FILES),
            "fixed": _build(tmp / "fixed", {**FILES, **FIXED})}


@pytest.fixture
def broken(dbs):
    with Warehouse(dbs["broken"], read_only=True) as wh:
        yield wh


@pytest.fixture
def fixed(dbs):
    with Warehouse(dbs["fixed"], read_only=True) as wh:
        yield wh


def test_stock_continuity_by_hand(broken):
    c = quality.run_checks(broken, tables="inventory_snapshots").set_index("rule_id")
    assert (c.loc[CONT, "count_failing"], c.loc[CONT, "count_checked"]) == (2, 14)
    assert c.loc[CONT, "examples"] == "W1/A/2025-03-04; W2/D/2025-03-05"
    assert quality.rule(CONT).severity == "warning"
    ex = quality.examples(broken, CONT)
    cols = ["warehouse_id", "sku", "snapshot_date", "previous_snapshot_date", "opening_units",
            "inbound_units", "outbound_units", "returned_units", "expected_closing_units",
            "closing_units", "difference_units"]
    assert list(ex.columns) == cols
    d = pd.Timestamp
    assert ex.values.tolist() == [
        ["W1", "A", d("2025-03-04"), d("2025-03-03"), 20, 0, 1, 0, 19, 21, 2],
        ["W2", "D", d("2025-03-05"), d("2025-03-04"), 6, 0, 0, 0, 6, 11, 5],
    ]


def test_every_step_by_hand(broken):
    """All 14 steps of the continuity SQL, worked out in the module docstring."""
    s = broken.sql(quality.STOCK_CONTINUITY_SQL).sort_values(["warehouse_id", "sku", "snapshot_date"])
    got = {(r.warehouse_id, r.sku, r.snapshot_date.strftime("%m-%d")):
           (r.opening_units, r.inbound_units, r.outbound_units, r.returned_units,
            r.closing_units, r.difference_units) for r in s.itertuples()}
    assert got == {
        ("W1", "A", "03-02"): (10, 0, 2, 0, 8, 0),
        ("W1", "A", "03-03"): (8, 12, 0, 0, 20, 0),
        ("W1", "A", "03-04"): (20, 0, 1, 0, 21, 2),     # r1's 2 units came back uncounted
        ("W1", "A", "03-05"): (21, 0, 0, 0, 21, 0),     # o3 unpaid
        ("W1", "B", "03-02"): (5, 0, 0, 0, 5, 0),
        ("W1", "B", "03-03"): (5, 0, 2, 0, 3, 0),       # o2: created 03-03, paid 03-04
        ("W1", "B", "03-05"): (3, 0, 1, 2, 4, 0),       # from 03-03: no row on 03-04
        ("W2", "C", "03-03"): (0, 0, 0, 0, 0, 0),       # first listed: 0 on 03-02
        ("W2", "C", "03-04"): (0, 6, 0, 0, 6, 0),       # P2 names no warehouse: C's home W2
        ("W2", "C", "03-05"): (6, 0, 0, 0, 6, 0),
        ("W2", "D", "03-02"): (7, 0, 0, 0, 7, 0),
        ("W2", "D", "03-03"): (7, 0, 0, 0, 7, 0),
        ("W2", "D", "03-04"): (7, 0, 1, 0, 6, 0),       # o4 line 2; r4 rejected
        ("W2", "D", "03-05"): (6, 0, 0, 0, 11, 5),      # 5 units with no receipt
    }


def test_returns_without_units_by_hand(broken):
    c = quality.run_checks(broken, tables="refunds").set_index("rule_id")
    assert (c.loc[BARE, "count_failing"], c.loc[BARE, "count_checked"]) == (1, 3)
    ex = quality.examples(broken, BARE)
    assert ex[["order_id", "line_id", "refund_ids", "sku", "quantity", "paid_fen", "refund_fen",
               "units_returned"]].values.tolist() == [["o1", "1", "r1", "A", 2, 2000, 2000, 0]]


def test_finance_reconciliation_is_the_sum_of_the_steps(broken):
    si = Q.stock_inputs(broken, "2025-03-02", "2025-03-05")
    assert (si["opening_date"], si["closing_date"]) == (pd.Timestamp("2025-03-01"),
                                                        pd.Timestamp("2025-03-05"))
    r = stock_reconciliation(si["opening"], si["closing"], si["inbound"], si["moves"])
    assert r.values.tolist() == [
        ["W2", "D", 7, 0, 1, 0, 6, 11, 5],
        ["W1", "A", 10, 12, 3, 0, 19, 21, 2],
        ["W1", "B", 5, 0, 3, 2, 4, 4, 0],
        ["W2", "C", 0, 6, 0, 0, 6, 6, 0],
    ]
    steps = broken.sql(quality.STOCK_CONTINUITY_SQL)
    steps = steps[steps.snapshot_date > si["opening_date"]]
    per_pair = steps.groupby(["warehouse_id", "sku"])[
        ["inbound_units", "outbound_units", "returned_units", "difference_units"]].sum()
    assert per_pair.to_dict("index") == r.set_index(["warehouse_id", "sku"])[
        ["inbound_units", "outbound_units", "returned_units", "difference_units"]].to_dict("index")
    # the report builds the same table
    moves = Q.stock_moves(broken, "2025-03-02", "2025-03-05")
    assert moves.values.tolist() == [["W1", "A", 12, 3, 0], ["W1", "B", 0, 3, 2],
                                     ["W2", "C", 6, 0, 0], ["W2", "D", 0, 1, 0]]


def test_everything_ties_when_the_data_does(fixed):
    c = quality.run_checks(fixed).set_index("rule_id")
    assert c.loc[CONT, "count_failing"] == 0 and c.loc[CONT, "count_checked"] == 14
    assert c.loc[BARE, "count_failing"] == 0 and c.loc[BARE, "count_checked"] == 3
    si = Q.stock_inputs(fixed, "2025-03-02", "2025-03-05")
    r = stock_reconciliation(si["opening"], si["closing"], si["inbound"], si["moves"])
    assert len(r) == 4 and (r.difference_units == 0).all()


# -- the build's record: the stock rule asked about the steps a load of orders changed ------------
def _failing(con) -> set[tuple]:
    return {(w, s, str(d)) for w, s, d in con.execute(
        f"SELECT warehouse_id, sku, snapshot_date FROM ({quality.rule(CONT).sql}) f").fetchall()}


def _steps_for(con, days: list[str]) -> tuple[set[tuple], set[tuple]]:
    """(the steps holding one of ``days``, those of them that fail), as record_checks asks."""
    con.execute("CREATE OR REPLACE TEMP TABLE _quality_stock_days AS "
                "SELECT CAST(unnest(?) AS DATE) AS d", [days])
    con.execute(f"CREATE OR REPLACE TEMP TABLE _quality_stock_steps AS {quality._STOCK_STEPS_SQL}")
    steps = {(w, s, str(d)) for w, s, d in con.execute(
        "SELECT warehouse_id, sku, snapshot_date FROM _quality_stock_steps").fetchall()}
    bad = {(w, s, str(d)) for w, s, d in quality._stock_failing(con, 1000)}
    return steps, bad


@pytest.mark.parametrize("which", ["broken", "fixed"])
def test_the_steps_asked_by_day_fail_as_the_rule_says(dbs, which, tmp_path):
    """The steps asked by day (quality._STOCK_STEPS_SQL, _stock_failing): every day asked,
    they are the rule's steps and fail as the rule's rows; one day asked, the steps whose
    days (after the earlier snapshot, up to and including the later one) hold it."""
    import shutil

    import duckdb
    db = tmp_path / "copy.duckdb"
    shutil.copy(dbs[which], db)
    con = duckdb.connect(str(db))
    try:
        rule_steps = {(r.warehouse_id, r.sku, str(r.snapshot_date.date())): r
                      for r in con.execute(quality.STOCK_CONTINUITY_SQL).fetchdf().itertuples()}
        every = [f"2025-02-{d:02d}" for d in range(25, 29)] + [f"2025-03-{d:02d}"
                                                               for d in range(1, 11)]
        steps, bad = _steps_for(con, every)
        assert steps == set(rule_steps) and bad == _failing(con)
        assert len(steps) == 14 and len(bad) == (2 if which == "broken" else 0)
        for day in every:
            steps, bad = _steps_for(con, [day])
            assert steps == {k for k, r in rule_steps.items()
                             if str(r.previous_snapshot_date.date()) < day <= k[2]}, day
            assert bad == _failing(con) & steps, day
    finally:
        con.close()


def test_the_build_asks_the_stock_rule_about_the_days_its_orders_changed(tmp_path):
    """Incremental builds of the broken warehouse, the record each time what asking the rule
    gives: a new paid order of C placed 03-05 (C/03-05 now fails; A/03-04 and D/03-05 failed
    outside that day and still do); the order moved to 03-04 (C/03-05 passes again, C/03-04
    fails); the refund r1 corrected (a changed case: its earlier day is not kept, so the rule
    is asked another way). Every row failing after each build is recorded."""
    import json
    db = _build(tmp_path / "w", FILES)
    order = ("platform,shop_id,order_id,member_key,province,city,created_at,paid_at,shipped_at,"
             "finished_at,status,shipping_fee_fen,currency,traffic_source,streamer\n"
             "tmall,t1,o6,m1,浙江,杭州,{day} 09:00:00,{day} 09:01:00,,,paid,0,CNY,,\n")
    line = ("platform,shop_id,order_id,line_id,sku,platform_sku_id,quantity,list_price_fen,"
            "shop_discount_fen,platform_discount_fen,paid_fen\ntmall,t1,o6,1,C,,1,900,0,0,900\n")
    loads = [{"orders.csv": order.format(day="2025-03-05"), "order_lines.csv": line},
             {"orders.csv": order.format(day="2025-03-04")},
             {"refunds.csv": FIXED["refunds.csv"]}]
    expected = [{("W1", "A", "2025-03-04"), ("W2", "D", "2025-03-05"), ("W2", "C", "2025-03-05")},
                {("W1", "A", "2025-03-04"), ("W2", "D", "2025-03-05"), ("W2", "C", "2025-03-04")},
                {("W2", "D", "2025-03-05"), ("W2", "C", "2025-03-04")}]
    for i, (files, want) in enumerate(zip(loads, expected)):
        folder = tmp_path / f"load{i}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        with Warehouse(db) as wh:
            wh.ingest([folder], progress=False)
            res = wh.build()
            assert res.kind == "incremental"
            assert _failing(wh.con) == want
            how, fails, witness = wh.con.execute(
                f"SELECT how, fails, witness FROM {quality.CHECKS_TABLE} WHERE rule_id = ?",
                [CONT]).fetchone()
            assert fails is True and tuple(json.loads(witness)) in want
            rows = wh.con.execute(f"SELECT failing_rows FROM {quality.FAILING_TABLE} WHERE rule_id = ?",
                                  [CONT]).fetchone()
            if i < 2:  # asked about the steps of the order's days, before and after
                assert how in ("scoped", "witness")
                assert {tuple(r) for r in json.loads(rows[0])} == want
            elif how == "full":  # the witness passes now (A/03-04): asked in full
                assert {tuple(r) for r in json.loads(rows[0])} == want
            else:  # the witness still fails; the other failing rows are not known now
                assert how == "witness" and rows is None
