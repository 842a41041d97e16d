"""ecomlib.quality: every rule against hand-made rows whose violations are worked out by hand.

Two warehouses are built from ``tests/data/mini`` plus small canonical CSVs written here:

* ``clean``: mini + one clean file for every other table (boundaries included: a purchase
  order received at exactly 1.1 x ordered, add-to-cart equal to visitors, zero spend with
  zero impressions, a USD cost with a rate; stock that follows the sales: A and B each 1
  unit less on 07-01, the day order o5 takes one of each). Every rule must report 0.
* ``bad``: clean + rows that break known rules. Rows the loader would refuse (it applies
  some of the same checks) are written straight into the tables with SQL, as an older
  version or another tool could have done; the rules must still find them.

Expected counts and keys below come from reading the rows, not from running the code.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import cli, quality, safe_html
from ecomlib.warehouse import Warehouse

MINI = Path(__file__).parent / "data" / "mini"

# -- clean extras (every table mini does not have) -----------------------------------------
CLEAN = {
    "sku_map.csv": """platform,platform_sku_id,sku,note
tmall,tm-1001,A,面霜
tmall,tm-2001,B,礼盒
jd,jd-76,A,面霜
jd,jd-77,B,礼盒
""",
    "inventory_snapshots.csv": """snapshot_date,warehouse_id,sku,on_hand_units,in_transit_units
2025-06-29,WH1,A,10,0
2025-06-29,WH1,B,5,0
2025-06-30,WH1,A,10,0
2025-06-30,WH1,B,5,20
2025-07-01,WH1,A,9,0
2025-07-01,WH1,B,4,20
""",
    "purchase_orders.csv": """po_id,sku,supplier_id,supplier_name,warehouse_id,ordered_on,promised_on,received_on,quantity_ordered,quantity_received,unit_cost_fen,currency
P1,A,SUP01,甲,WH1,2025-06-01,2025-06-10,2025-06-09,100,110,400,CNY
P1,B,SUP01,甲,WH1,2025-06-01,2025-06-10,2025-06-09,100,100,100,CNY
""",
    "traffic.csv": """traffic_date,platform,shop_id,source,visitors,page_views,add_to_cart,buyers
2025-06-30,tmall,s1,搜索,100,300,100,5
2025-07-01,tmall,s1,搜索,120,330,20,6
2025-07-01,jd,j1,搜索,80,200,10,3
""",
    "ad_spend.csv": """spend_date,platform,shop_id,channel,campaign,spend_fen,impressions,clicks,attributed_orders,attributed_paid_fen,currency
2025-07-01,tmall,s1,直通车,plan-a,5000,1000,50,2,2000,CNY
2025-07-01,tmall,s1,直通车,plan-paused,0,0,0,0,0,CNY
""",
    "other_costs.csv": """cost_date,platform,shop_id,kind,amount_fen,currency,note
2025-07-01,tmall,s1,platform_fee,1000,USD,
""",
    "fx_rates.csv": """rate_date,currency,cny_per_unit
2025-06-01,USD,7.2
""",
}

# -- bad rows the loader accepts -------------------------------------------------------------
BAD_FILES = {
    "orders_bad.csv": """platform,shop_id,order_id,member_key,province,city,created_at,paid_at,shipped_at,finished_at,status,shipping_fee_fen,currency,traffic_source,streamer
tmall,s1,o10,m4,浙江,杭州,2025-06-20 10:00:00,2025-06-20 10:05:00,2025-06-21 09:00:00,2025-06-20 12:00:00,finished,0,CNY,,
jd,j1,o11,m5,浙江,杭州,2025-06-22 09:00:00,2025-06-22 09:05:00,,2025-06-28 10:00:00,finished,0,CNY,,
tmall,s1,o12,m6,浙江,杭州,2025-06-23 08:00:00,,,,created,0,CNY,,
jd,j1,o13,m7,浙江,杭州,2025-06-24 10:00:00,2025-06-24 10:10:00,2025-06-25 10:00:00,,paid,0,CNY,,
tmall,s1,o14,m8,浙江,杭州,2025-06-21 10:00:00,2025-06-21 10:01:00,,,paid,0,HKD,,
tmall,s1,o16,m9,浙江,杭州,yesterday,,,,created,0,CNY,,
""",
    "order_lines_bad.csv": """platform,shop_id,order_id,line_id,sku,platform_sku_id,quantity,list_price_fen,shop_discount_fen,platform_discount_fen,paid_fen
tmall,s1,o9,1,Z,tm-9999,2,1000,0,0,2000
jd,j1,o3,2,C,jd-55,1,700,0,0,700
tmall,s1,o2,2,C,tm-3001,1,700,0,0,700
tmall,s1,o10,1,A,tm-1001,1,1000,0,0,1000
jd,j1,o11,1,B,jd-77,1,500,0,0,500
jd,j1,o13,1,A,jd-76,1,1000,0,0,1000
tmall,s1,o14,1,B,tm-2001,1,500,0,0,500
""",
    "refunds_bad.csv": """platform,shop_id,refund_id,order_id,line_id,sku,refund_fen,units_returned,reason,status,requested_at,refunded_at,currency
tmall,s1,r4,o1,2,B,600,2,多退,refunded,2025-06-26 09:00:00,2025-06-27 09:00:00,CNY
jd,j1,r5,o5,,,600,0,补偿,refunded,2025-07-06 09:00:00,2025-07-06 12:00:00,CNY
tmall,s1,r6,o99,,,100,0,无订单,requested,2025-06-30 09:00:00,,CNY
jd,j1,r7,o3,5,B,100,0,无此行,rejected,2025-06-22 09:00:00,,CNY
tmall,s1,r8,o4,1,A,100,0,待处理,requested,2025-06-26 09:00:00,2025-06-27 09:00:00,CNY
jd,j1,r9,o5,1,A,100,0,早于下单,refunded,2025-06-30 10:00:00,2025-07-02 10:00:00,CNY
tmall,s1,r11,o4,1,A,100,0,无退款时间,refunded,2025-06-26 10:00:00,,CNY
""",
    "inventory_snapshots_bad.csv": """snapshot_date,warehouse_id,sku,on_hand_units,in_transit_units
2025-06-30,WH1,C,-3,0
2025-06-29,WH2,A,5,0
""",
    "purchase_orders_bad.csv": """po_id,sku,supplier_id,supplier_name,warehouse_id,ordered_on,promised_on,received_on,quantity_ordered,quantity_received,unit_cost_fen,currency
P2,A,SUP01,甲,WH1,2025-06-05,2025-06-15,2025-06-15,100,111,400,CNY
P3,C,SUP02,乙,WH1,2025-06-05,2025-06-15,,10,0,300,CNY
""",
    "traffic_bad.csv": """traffic_date,platform,shop_id,source,visitors,page_views,add_to_cart,buyers
2025-07-01,tmall,s1,推荐,50,80,60,2
2025-06-29,pdd,p1,搜索,40,90,5,1
""",
    "ad_spend_bad.csv": """spend_date,platform,shop_id,channel,campaign,spend_fen,impressions,clicks,attributed_orders,attributed_paid_fen,currency
2025-07-01,jd,j1,京东快车,plan-b,3000,0,0,0,0,CNY
2025-05-31,tmall,s1,直通车,plan-usd,100,1000,10,0,0,USD
""",
    "products_bad.csv": """sku,spu,product_name,category,unit_cost_fen,list_price_fen,supplier_id,launched_on
D,SPU-D,亏本商品,零食,900,800,SUP02,2025-01-01
""",
    "sku_map_bad.csv": """platform,platform_sku_id,sku,note
jd,jd-55,A,新链接
pdd,pdd-1,Q,未知商品
""",
}

# -- bad rows the loader refuses: written straight into the tables ----------------------------
FORCED = {
    "order_lines": [
        # paid 1200 > 1000 x 1; makes o1 paid 3600 > list 3500 as well
        dict(platform="tmall", shop_id="s1", order_id="o1", line_id="3", sku="A",
             platform_sku_id="tm-1001", quantity=1, list_price_fen=1000, shop_discount_fen=0,
             platform_discount_fen=0, paid_fen=1200),
        # a second row with the key of tmall/s1/o4/1
        dict(platform="tmall", shop_id="s1", order_id="o4", line_id="1", sku="A",
             platform_sku_id="tm-1001", quantity=1, list_price_fen=1000, shop_discount_fen=100,
             platform_discount_fen=0, paid_fen=900),
        dict(platform="jd", shop_id="j1", order_id="o15", line_id="1", sku="A",
             platform_sku_id="jd-76", quantity=1, list_price_fen=1000, shop_discount_fen=0,
             platform_discount_fen=0, paid_fen=1000),
    ],
    "orders": [  # paid an hour before it was created
        dict(platform="jd", shop_id="j1", order_id="o15", member_key="m10",
             created_at="2025-06-26 10:00:00", paid_at="2025-06-26 09:00:00", status="paid",
             shipping_fee_fen=0, currency="CNY"),
    ],
    "refunds": [  # refunded an hour before it was requested
        dict(platform="tmall", shop_id="s1", refund_id="r10", order_id="o1", line_id="1", sku="A",
             refund_fen=50, units_returned=0, status="refunded",
             requested_at="2025-06-27 10:00:00", refunded_at="2025-06-27 09:00:00", currency="CNY"),
    ],
    "purchase_orders": [
        dict(po_id="P4", sku="B", supplier_id="SUP02", ordered_on="2025-06-10",
             received_on="2025-06-08", quantity_ordered=10, quantity_received=10,
             unit_cost_fen=100, currency="CNY"),
    ],
    "traffic": [
        dict(traffic_date="2025-07-01", platform="jd", shop_id="j1", source="推荐", visitors=10,
             page_views=20, add_to_cart=5, buyers=12),
    ],
    "ad_spend": [
        dict(spend_date="2025-07-01", platform="tmall", shop_id="s1", channel="直通车",
             campaign="plan-c", spend_fen=100, impressions=10, clicks=20, currency="CNY"),
    ],
}

#: rule -> (count_failing, count_checked, offending keys in key order), worked out by hand
EXPECTED_BAD = {
    "order_lines.key_unique": (1, 17, ["tmall/s1/o4/1"]),      # 7 mini + 7 csv + 3 forced rows
    "order_lines.paid_le_list": (1, 17, ["tmall/s1/o1/3"]),
    "order_lines.orphan": (1, 17, ["tmall/s1/o9/1"]),
    # jd/j1/o3/2 (jd-55) is unknown as exported, but sku_map resolves it to A
    "order_lines.sku_unknown": (2, 17, ["tmall/s1/o2/2", "tmall/s1/o9/1"]),
    # orders: 5 mini + 5 csv (o16 is quarantined) + 1 forced = 11; with lines: all but o12
    "orders.paid_le_list": (1, 10, ["tmall/s1/o1"]),
    "orders.time_order": (2, 11, ["jd/j1/o15", "tmall/s1/o10"]),
    "orders.status_times": (2, 11, ["jd/j1/o11", "jd/j1/o13"]),
    "orders.no_lines": (1, 11, ["tmall/s1/o12"]),
    # refunds: 3 mini + 7 csv + 1 forced = 11. Checked groups for amounts: refunded lines
    # o1/1 (r1, r10), o1/2 (r4), o4/1 (r11), o5/1 (r9) + order o5 with order-level r2, r5 = 5
    "refunds.amount_le_paid": (2, 5, ["jd/j1/o5/-", "tmall/s1/o1/2"]),
    "refunds.units_le_quantity": (1, 4, ["tmall/s1/o1/2"]),     # r4 returns 2 of 1 unit
    "refunds.orphan": (2, 11, ["jd/j1/r7", "tmall/s1/r6"]),
    "refunds.time_order": (1, 11, ["tmall/s1/r10"]),
    "refunds.status_times": (2, 11, ["tmall/s1/r11", "tmall/s1/r8"]),
    "refunds.before_order": (1, 11, ["jd/j1/r9"]),
    "inventory_snapshots.negative_on_hand": (1, 8, ["2025-06-30/WH1/C"]),
    "inventory_snapshots.sku_unknown": (1, 4, ["WH1/C"]),      # pairs WH1/A, WH1/B, WH1/C, WH2/A
    # WH1 06-29..07-01 (3 days) + WH2 06-29..07-01 (3 days, only 06-29 present)
    "inventory_snapshots.missing_days": (2, 6, ["WH2/2025-06-30", "WH2/2025-07-01"]),
    # steps: the 8 snapshot rows but the 3 on their warehouse's first day (06-29: WH1/A,
    # WH1/B, WH2/A). WH1/C is first listed on 06-30, so it held 0 on 06-29; nothing moved C
    # (o2 is unpaid, P3 not received) -> expected 0, on hand -3. A and B tie (bad rows move
    # them only before 06-29, or on 07-02 after the last snapshot: r9)
    "inventory_snapshots.stock_continuity": (1, 5, ["WH1/C/2025-06-30"]),
    "purchase_orders.over_delivery": (1, 5, ["P2/A"]),          # 111 > 110; P1/A at 110 passes
    "purchase_orders.received_before_ordered": (1, 5, ["P4/B"]),
    "purchase_orders.sku_unknown": (1, 5, ["P3/C"]),
    "traffic.buyers_le_visitors": (1, 6, ["2025-07-01/jd/j1/推荐"]),
    "traffic.cart_le_visitors": (1, 6, ["2025-07-01/tmall/s1/推荐"]),
    # s1 06-30..07-01 (2) + j1 07-01 (1) + p1 06-29..07-01 (3, only 06-29 present)
    "traffic.missing_days": (2, 6, ["pdd/p1/2025-06-30", "pdd/p1/2025-07-01"]),
    "ad_spend.clicks_le_impressions": (1, 5, ["2025-07-01/tmall/s1/直通车/plan-c"]),
    "ad_spend.spend_without_impressions": (1, 5, ["2025-07-01/jd/j1/京东快车/plan-b"]),
    # non-CNY: other_costs USD 07-01 (rate from 06-01), ad USD 05-31, order o14 HKD
    "fx_rates.missing_rate": (2, 3, ["ad_spend/2025-05-31/tmall/s1/直通车/plan-usd/USD/2025-05-31",
                                     "orders/tmall/s1/o14/HKD/2025-06-21"]),
    "sku_map.sku_unknown": (1, 6, ["pdd/pdd-1"]),
    "products.cost_above_price": (1, 3, ["D"]),
}


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def _force(wh: Warehouse, table: str, rows: list[dict]) -> None:
    df = pd.DataFrame(rows)
    cols = ", ".join(df.columns)
    wh.con.register("_forced", df)
    wh.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _forced")
    wh.con.unregister("_forced")


def _build(tmp_path: Path, bad: bool) -> Path:
    src = tmp_path / ("bad_in" if bad else "clean_in")
    shutil.copytree(MINI, src)
    _write(src, CLEAN)
    if bad:
        _write(src, BAD_FILES)
    db = tmp_path / ("bad.duckdb" if bad else "clean.duckdb")
    with Warehouse(db) as wh:
        res = wh.ingest([src], progress=False)
        assert all(r.status == "ok" for r in res)
        if bad:
            for table, rows in FORCED.items():
                _force(wh, table, rows)
        wh.build()  # the stock rule reads the model of how stock moves (mart_stock_moves)
    return db


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quality")
    return {"clean": _build(tmp, bad=False), "bad": _build(tmp, bad=True)}


@pytest.fixture
def clean(dbs):
    with Warehouse(dbs["clean"], read_only=True) as wh:
        yield wh


@pytest.fixture
def bad(dbs):
    with Warehouse(dbs["bad"], read_only=True) as wh:
        yield wh


# -- rules ------------------------------------------------------------------------------------
def test_rule_registry_is_complete():
    ids = set(quality.RULES)
    from ecomlib import schema
    for t in schema.TABLES:
        assert f"{t}.key_unique" in ids
    for r in quality.RULES.values():
        assert r.severity in ("error", "warning")
        assert r.zh and r.en and r.formula and r.keys
    # the formulas are part of the module documentation
    assert "refunds.amount_le_paid" in quality.__doc__ and "paid_fen <= list_price_fen" in quality.__doc__
    assert set(EXPECTED_BAD) <= ids


def test_clean_fixture_passes_every_rule(clean):
    c = quality.run_checks(clean)
    assert len(c) == len(quality.RULES)
    assert list(c.columns) == ["rule_id", "table", "severity", "description", "count_failing",
                               "count_checked", "failing_rate", "examples"]
    failing = c[c.count_failing != 0]
    assert failing.empty, failing[["rule_id", "count_failing", "examples"]].to_string()
    assert c.count_failing.notna().all()
    # the rules did look at rows: every table of the clean fixture has some
    checked = c.set_index("rule_id").count_checked
    assert checked["order_lines.paid_le_list"] == 7
    assert checked["orders.no_lines"] == 5
    assert checked["purchase_orders.over_delivery"] == 2
    assert checked["traffic.cart_le_visitors"] == 3
    assert checked["fx_rates.missing_rate"] == 1
    assert checked["refunds.amount_le_paid"] == 2   # line o1/1 (r1) + order o5 (r2); r3 rejected
    assert checked["refunds.return_without_units"] == 1   # line o1/1 (r1: 950 of 1900, 1 unit)
    # WH1/A and WH1/B on 06-30 and 07-01 (06-29 is the first snapshot: no opening)
    assert checked["inventory_snapshots.stock_continuity"] == 4
    # tmall/s1 06-18..07-01 (14 days) + jd/j1 06-19..07-01 (13 days)
    assert checked["orders.missing_days"] == 27
    assert status_all_pass(c)


def status_all_pass(c) -> bool:
    return quality.status_lines(c) == [f"quality: all {len(quality.RULES)} rules pass"]


def test_bad_fixture_counts_and_keys(bad):
    c = quality.run_checks(bad).set_index("rule_id")
    got_failing = {r: int(n) for r, n in c.count_failing.items() if n}
    assert got_failing == {r: v[0] for r, v in EXPECTED_BAD.items()}
    for rid, (n, checked, keys) in EXPECTED_BAD.items():
        assert c.loc[rid, "count_checked"] == checked, rid
        assert c.loc[rid, "failing_rate"] == pytest.approx(n / checked), rid
        assert c.loc[rid, "examples"] == "; ".join(keys[:5]), rid
        ex = quality.examples(bad, rid)
        assert len(ex) == n, rid
        r = quality.rule(rid)
        assert list(ex.columns[:len(r.keys)]) == list(r.keys)
        shown = ["/".join("-" if pd.isna(v) else str(v.date()) if isinstance(v, pd.Timestamp)
                          else str(v) for v in row) for row in ex[list(r.keys)].itertuples(index=False)]
        assert shown == keys, rid


def test_bad_fixture_details(bad):
    dup = quality.examples(bad, "order_lines.key_unique")
    assert dup.count_rows.tolist() == [2]
    o1 = quality.examples(bad, "orders.paid_le_list").iloc[0]
    assert (o1.order_paid_fen, o1.order_list_fen) == (3600, 3500)  # 1900+500+1200 vs 2000+500+1000
    st = quality.examples(bad, "orders.status_times").set_index("order_id").problem
    assert st["o11"] == "finished without shipped_at"
    assert st["o13"] == "paid with a shipped/finished time"
    amt = quality.examples(bad, "refunds.amount_le_paid")
    assert amt[["refund_ids", "refund_fen", "paid_fen"]].values.tolist() == [
        ["r2,r5,r9", 1700, 1500],   # o5: every refunded case vs 1000 + 500 paid + 0 shipping
        ["r4", 600, 500],           # o1 line 2
    ]
    stock = quality.examples(bad, "inventory_snapshots.stock_continuity").iloc[0]
    assert (stock.previous_snapshot_date, stock.opening_units, stock.outbound_units,
            stock.expected_closing_units, stock.closing_units, stock.difference_units) == (
        pd.Timestamp("2025-06-29"), 0, 0, 0, -3, -3)
    # refunded lines: o1/1 (r1 + r10: 1000 of 1900), o1/2 (r4: 600 >= 500 but 2 units back),
    # o4/1 (r11: 100 of 900), o5/1 (r9: 100 of 1000): none is a full refund without units
    c = quality.run_checks(bad, tables="refunds").set_index("rule_id")
    assert (c.loc["refunds.return_without_units", "count_failing"],
            c.loc["refunds.return_without_units", "count_checked"]) == (0, 4)
    orphan = quality.examples(bad, "refunds.orphan").set_index("refund_id").problem
    assert orphan.to_dict() == {"r7": "line missing", "r6": "order missing"}
    assert quality.examples(bad, "orders.no_lines", limit=1).order_id.tolist() == ["o12"]
    with pytest.raises(KeyError, match="unknown quality rule"):
        quality.examples(bad, "orders.nope")


def test_tables_filter(bad):
    c = quality.run_checks(bad, tables=["refunds"])
    assert set(c.table) == {"refunds"} and len(c) == 8
    with pytest.raises(ValueError, match="unknown table"):
        quality.run_checks(bad, tables=["refundz"])


def test_english_descriptions(bad):
    c = quality.run_checks(bad, tables="orders", lang="en").set_index("rule_id")
    assert c.loc["orders.no_lines", "description"].startswith("Every order has at least one line")


def test_unmapped_sku_report(bad):
    u = quality.unmapped_skus(bad)
    assert u[["platform", "platform_sku_id", "exported_sku", "count_lines", "units", "paid_fen"]
             ].values.tolist() == [
        ["tmall", "tm-9999", "Z", 1, 2, 2000],
        ["tmall", "tm-3001", "C", 1, 1, 700],
    ]
    # sku_map says jd-55 is A (a known product), so that line is mapped and not listed;
    # tm-9999 belongs to no order
    assert pd.isna(u.first_order_at[0])
    assert u.first_order_at[1] == pd.Timestamp("2025-06-18 11:00:00")


def test_missing_days_are_flagged_only_when_improbable(tmp_path):
    """Three shops over 20 days (2025-03-01..20):
    * busy: 5 orders a day, none on days 9-10. Around the gap: days 2-8 and 11-17, 5 a day,
      so 2 x 5 = 10 orders were expected -> both days fail;
    * sparse: 1 order a day, none on days 5-6: 2 expected -> passes (noise, not an export);
    * stopped: 5 a day on days 1-12, then nothing: days 13-20 (8) with days 6-12 around,
      5 a day -> 40 expected -> all 8 days fail.
    """
    rows = []
    for shop, per_day, days in (("busy", 5, [d for d in range(1, 21) if d not in (9, 10)]),
                                ("sparse", 1, [d for d in range(1, 21) if d not in (5, 6)]),
                                ("stopped", 5, range(1, 13))):
        for d in days:
            for k in range(per_day):
                rows.append(f"tmall,{shop},{shop}-{d}-{k},,,,2025-03-{d:02d} 10:00:00,,,,created,0,CNY,,")
    f = tmp_path / "orders.csv"
    f.write_text("platform,shop_id,order_id,member_key,province,city,created_at,paid_at,"
                 "shipped_at,finished_at,status,shipping_fee_fen,currency,traffic_source,streamer\n"
                 + "\n".join(rows) + "\n", encoding="utf-8")
    with Warehouse(tmp_path / "gap.duckdb") as wh:
        wh.ingest([f], progress=False)
        c = quality.run_checks(wh, tables=["orders"]).set_index("rule_id")
        assert c.loc["orders.missing_days", "count_failing"] == 2 + 8
        assert c.loc["orders.missing_days", "count_checked"] == 3 * 20
        ex = quality.examples(wh, "orders.missing_days", limit=None)
    assert ex.shop_id.tolist() == ["busy"] * 2 + ["stopped"] * 8
    assert [d.day for d in pd.to_datetime(ex.order_date)] == [9, 10] + list(range(13, 21))
    busy = ex.iloc[0]
    assert (busy.gap_days, busy.avg_orders_around, busy.expected_orders) == (2, 5.0, 10.0)
    assert ex.iloc[-1].expected_orders == 40.0


# -- quarantine and trend ----------------------------------------------------------------------
def test_quality_trend_and_quarantine_summary(bad):
    t = quality.quality_trend(bad)
    assert (t.rows_in == t.rows_loaded + t.rows_quarantined).all()
    assert t.load_id.is_monotonic_increasing
    o = t[t.file == "orders_bad.csv"].iloc[0]
    assert (o.rows_in, o.rows_quarantined, o.top_reason_rows) == (6, 1, 1)
    assert o.quarantine_rate == pytest.approx(1 / 6)
    assert o.top_reason == "created_at … is not a date-time"
    clean_loads = t[t.file != "orders_bad.csv"]
    assert (clean_loads.rows_quarantined == 0).all() and clean_loads.top_reason.isna().all()
    q = quality.quarantine_summary(bad)
    assert q[["table_name", "column", "reason_kind", "count_rows", "count_files"]].values.tolist() \
        == [["orders", "created_at", "created_at … is not a date-time", 1, 1]]
    assert q.examples[0] == "orders_bad.csv:7 created_at 'yesterday' is not a date-time"


def test_quarantine_summary_empty(clean):
    q = quality.quarantine_summary(clean)
    assert q.empty and "count_rows" in q.columns


# -- HTML report --------------------------------------------------------------------------------
SECTIONS = ("id='summary'", "id='examples'", "id='quarantine'", "id='unmapped'", "id='trend'",
            "id='rules'")


def test_html_report_zh(bad, tmp_path):
    p = quality.write_report(bad, tmp_path / "r" / "quality.html")
    html = p.read_text(encoding="utf-8")
    for s in SECTIONS:
        assert s in html
    for title in ("数据质量报告", "规则汇总", "未通过规则的示例", "隔离数据汇总", "未映射SKU清单",
                  "各批次导入质量", "规则说明"):
        assert title in html
    assert "<script" not in html and "http:" not in html and "https:" not in html
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert safe_html.csp_meta() in html  # and a policy that forbids any script or fetch
    # errors first in the summary: the first failing warning comes after the last failing error
    summary = html[html.index("id='summary'"):html.index("id='examples'")]
    rows = re.findall(r"<tr class='(fail-error|fail-warning|pass)'>", summary)
    assert rows == sorted(rows, key=["fail-error", "fail-warning", "pass"].index)
    assert rows.count("fail-error") == sum(1 for r, v in EXPECTED_BAD.items()
                                           if quality.rule(r).severity == "error")
    # every failing rule has its examples, with file:row examples in the quarantine section
    examples = html[html.index("id='examples'"):html.index("id='quarantine'")]
    for rid in EXPECTED_BAD:
        assert f"<code>{rid}</code>" in examples
    assert "orders_bad.csv:7" in html
    assert "tm-9999" in html[html.index("id='unmapped'"):]
    assert "<svg" in html and "<title>" in html
    assert "¥20.00" in html  # the unmapped Z line's 2000 fen


def test_html_report_en_and_clean(clean, tmp_path):
    html = quality.write_report(clean, tmp_path / "q.html", lang="en").read_text(encoding="utf-8")
    for s in SECTIONS:
        assert s in html
    for title in ("Data quality report", "Summary by rule", "Quarantine summary", "Unmapped SKUs",
                  "Quality by load", "Every rule passes."):
        assert title in html
    assert "数据质量报告" not in html
    assert "<script" not in html and "http:" not in html and "https:" not in html


# -- CLI ----------------------------------------------------------------------------------------
def _run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_quality_fail_on(dbs, tmp_path, capsys):
    html = tmp_path / "out" / "bad.html"
    code, out, err = _run(capsys, "--warehouse", str(dbs["bad"]), "quality", "--fail-on", "error",
                          "--html", str(html))
    assert code == 1
    assert html.exists() and "orders.no_lines" in out and "order_lines.orphan" in out
    assert "fail at severity error or above" in err and "Traceback" not in err
    code, out, _ = _run(capsys, "--warehouse", str(dbs["bad"]), "quality", "--html", str(html),
                        "--lang", "en")
    assert code == 0  # --fail-on never is the default
    assert "Every order has at least one line" in out
    code, out, err = _run(capsys, "--warehouse", str(dbs["clean"]), "quality", "--fail-on",
                          "warning", "--html", str(tmp_path / "clean.html"))
    assert code == 0, err
    assert f"quality: all {len(quality.RULES)} rules pass" in out


def test_cli_quality_default_path_and_missing_warehouse(dbs, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "--warehouse", str(dbs["clean"]), "quality")
    assert code == 0
    files = list((tmp_path / "reports" / "quality").glob("quality-*.html"))
    assert len(files) == 1 and re.fullmatch(r"quality-\d{4}-\d{2}-\d{2}\.html", files[0].name)
    code, _, err = _run(capsys, "--warehouse", str(tmp_path / "none.duckdb"), "quality")
    assert code == 2 and "does not exist yet" in err


def test_cli_status_prints_failing_rules(dbs, capsys):
    code, out, _ = _run(capsys, "--warehouse", str(dbs["bad"]), "status")
    assert code == 0
    lines = [ln for ln in out.splitlines() if ln.startswith("  error ") or ln.startswith("  warning ")]
    assert len(lines) == len(EXPECTED_BAD)
    assert "  error    orders.no_lines: 1 of 11 (9.09%), e.g. tmall/s1/o12" in out
    assert out.index("quality:") < out.index("last loads")
    code, out, _ = _run(capsys, "--warehouse", str(dbs["clean"]), "status")
    assert f"quality: all {len(quality.RULES)} rules pass" in out


def test_failing_at_or_above():
    c = pd.DataFrame({"rule_id": ["a", "b", "c"], "severity": ["error", "warning", "error"],
                      "count_failing": pd.array([0, 3, None], dtype="Int64")})
    assert quality.failing_at_or_above(c, "error").rule_id.tolist() == []
    assert quality.failing_at_or_above(c, "warning").rule_id.tolist() == ["b"]
    assert quality.failing_at_or_above(c, "never").empty
    with pytest.raises(ValueError):
        quality.failing_at_or_above(c, "fatal")


@pytest.mark.slow
def test_demo_data_passes_every_rule_quickly(tmp_path):
    """The deterministic demo is generated consistent: no rule fires, and the checks run in
    DuckDB well within the time `ecom status` can afford."""
    import time

    from ecomlib import demo
    demo.write_demo(tmp_path / "demo", demo.DemoConfig(members=800, skus=60))
    with Warehouse(tmp_path / "wh.duckdb") as wh:
        wh.ingest([tmp_path / "demo"], progress=False)
        wh.build()
        t0 = time.perf_counter()
        c = quality.run_checks(wh)
        took = time.perf_counter() - t0
    assert c.count_failing.notna().all()
    failing = c[c.count_failing > 0]
    assert failing.empty, failing[["rule_id", "count_failing", "examples"]].to_string()
    # all money is CNY, and canonical orders state no order-level amounts (only the platform
    # exports do: tests/test_e2e.py loads those)
    assert (c.set_index("rule_id").count_checked.drop(
        ["fx_rates.missing_rate", "orders.header_paid_ties_to_lines",
         "orders.header_refund_ties_to_refunds"]) > 0).all()
    assert took < 5, took
