"""The export-format engine on its own fixtures: value cleaning, whole-row quarantine,
buyers hashed at the door, column-mapping files, ecom.yaml, SKU resolution."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import privacy
from ecomlib.sources import SourceError, clean
from ecomlib.sources.mapping_file import spec_from_yaml
from ecomlib.warehouse import LoadError, Warehouse

DATA = Path(__file__).parent / "data"
SALT = b"test-salt"


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "wh.duckdb")
    yield w
    w.close()


# -- cleaners ------------------------------------------------------------------------------
def test_clean_ids():
    vals, bad, why = clean.clean_id(pd.Series(['="3456789012345678"', "\t123", "1.23457E+18",
                                               "123.0", "'99", ""]), "订单编号")
    assert vals.tolist()[:2] == ["3456789012345678", "123"]
    assert vals[3] == "123" and vals[4] == "99" and vals[5] is None
    assert bad.tolist() == [False, False, True, False, False, False]
    assert "订单编号 is in scientific notation" in why and "digits are lost" in why


def test_clean_money_is_exact_fen():
    vals, bad, _ = clean.clean_money_fen(pd.Series(["¥1,234.50", "1234.5元", "￥0.05", "12.345",
                                                    "", "-3", "RMB 7"]))
    assert vals.tolist()[:3] == [123450, 123450, 5]
    assert pd.isna(vals[3]) and bad[3]          # three decimals is not yuan
    assert pd.isna(vals[4]) and not bad[4]      # empty is missing, not bad
    assert vals[5] == -300 and vals[6] == 700


def test_clean_times_mixed_formats():
    vals, bad, _ = clean.clean_ts(pd.Series(["2025-06-18 10:00:00", "2025/6/18 10:00",
                                             "2025年6月18日 10时05分", "20250618",
                                             "2025-06-18T02:00:00Z", "-", "明天"]))
    assert [str(v) for v in vals[:5]] == ["2025-06-18 10:00:00", "2025-06-18 10:00:00",
                                          "2025-06-18 10:05:00", "2025-06-18 00:00:00",
                                          "2025-06-18 10:00:00"]
    assert pd.isna(vals[5]) and not bad[5] and bad[6]


def test_split_region_keeps_only_province_and_city():
    prov, city = clean.split_region(pd.Series(["浙江省 杭州市 西湖区 文三路1号", "北京 北京市 朝阳区 xx",
                                               "上海市浦东新区张江路", "广西壮族自治区南宁市青秀区"]))
    assert prov.tolist() == ["浙江", "北京", "上海", "广西"]
    assert city.tolist() == ["杭州", "北京", "上海", "南宁"]


# -- the Pinduoduo export through the engine -------------------------------------------------
def test_pdd_fixture_hand_worked(wh):
    res = wh.ingest([DATA / "pdd"], progress=False, context={"shop_id": "pdd_main", "salt": SALT})
    lines_res, orders_res, refunds_res = res
    assert (lines_res.table, lines_res.rows_in, lines_res.rows_loaded,
            lines_res.rows_quarantined, lines_res.rows_blank) == ("order_lines", 4, 2, 2, 1)
    assert (orders_res.rows_loaded, refunds_res.rows_loaded) == (2, 1)
    lines = wh.read("order_lines").set_index("order_id")
    a = lines.loc["250618-123456789012345"]  # ="..." recovered
    assert (a.sku, a.platform_sku_id, a.quantity) == ("B", "77001", 2)  # tab stripped
    assert (a.list_price_fen, a.shop_discount_fen, a.platform_discount_fen, a.paid_fen) == \
        (50000, 5000, 3000, 92000)  # ¥1,000.00 / 2 units; 50 yuan; 30 yuan; 920.00
    b = lines.loc["250618-000000000000002"]
    assert (b.list_price_fen, b.paid_fen) == (1000, 1000)  # "10.00元"
    orders = wh.read("orders").set_index("order_id")
    o = orders.loc["250618-123456789012345"]
    assert (o.status, o.province, o.city, o.shop_id) == ("finished", "浙江", "杭州", "pdd_main")
    assert o.created_at == pd.Timestamp("2025-06-18 10:01", tz="Asia/Shanghai")  # 2025/6/18 10:01
    assert o.member_key == privacy.member_key("13800138000", SALT)
    assert orders.loc["250618-000000000000002", "status"] == "paid"
    r = wh.read("refunds").iloc[0]
    assert (r.order_id, r.status, r.refund_fen) == ("250618-000000000000002", "refunded", 1000)
    q = wh.quarantine().set_index("row_number")
    assert sorted(q.index) == [4, 5]
    assert q.loc[4, "column"] == "订单号" and "scientific notation" in q.loc[4, "reason"]
    assert "required but empty" not in q.loc[4, "reason"]  # no follow-on noise
    assert q.loc[5, "reason"].startswith("商品总价(元) 'abc' is not an amount of money")


def test_no_personal_data_anywhere_in_the_warehouse(tmp_path):
    db = tmp_path / "wh.duckdb"
    with Warehouse(db) as w:
        w.ingest([DATA / "pdd"], progress=False, context={"shop_id": "pdd_main", "salt": SALT})
        text_cols = w.sql("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE data_type = 'VARCHAR'")
        blobs = []
        for t, c in text_cols.itertuples(index=False):
            blobs += [str(v) for v in w.sql(f'SELECT DISTINCT "{c}" FROM {t}')[c].dropna()]
    pii = ["13800138000", "13900139000", "13700137000", "张三", "李四", "王五", "赵六", "文三路",
           "科技园", "xx路"]
    joined = "\n".join(blobs)
    assert not [p for p in pii if p in joined]
    raw = db.read_bytes()
    assert not [p for p in pii if p.encode("utf-8") in raw]


def test_export_without_shop_needs_one(wh):
    with pytest.raises(LoadError, match="no shop column.*--shop"):
        wh.ingest([DATA / "pdd"], progress=False, context={"salt": SALT})
    assert wh.counts()["orders"] == 0


def test_shop_from_ecom_yaml_beside_the_file(wh, tmp_path):
    d = tmp_path / "exports"
    shutil.copytree(DATA / "pdd", d)
    (d / "ecom.yaml").write_text('shops:\n  "pdd_*.csv": pdd_flagship\n', encoding="utf-8")
    wh.ingest([d], progress=False, context={"salt": SALT})
    assert set(wh.read("orders").shop_id) == {"pdd_flagship"}


# -- column-mapping files ----------------------------------------------------------------------
YOUZAN = """\
name: youzan_orders
description: 有赞订单导出
signature: [订单号, 商品名称, 商品实付金额]
tables:
  order_lines:
    platform: {const: youzan}
    shop_id: {shop: [店铺名称]}
    order_id: {header: 订单号, kind: id}
    line_id: {header: 子订单号, kind: id}
    sku: {header: 商家编码, kind: id}
    quantity: {header: 商品数量, kind: int}
    list_price_fen: {header: 商品单价, kind: money}
    paid_fen: {header: 商品实付金额, kind: money}
  orders:
    platform: {const: youzan}
    shop_id: {shop: [店铺名称]}
    order_id: {header: 订单号, kind: id}
    member_key: {member: [买家手机号]}
    province: {header: 收货省份, kind: province, suffix: true}
    created_at: {header: 下单时间, kind: ts}
    paid_at: {header: 付款时间, kind: ts}
    status: {header: 订单状态, status: {已完成: finished, 待发货: paid, 已关闭: cancelled}}
"""
YOUZAN_CSV = """\
订单号,子订单号,店铺名称,商品名称,商家编码,商品数量,商品单价,商品实付金额,买家手机号,收货省份,下单时间,付款时间,订单状态
E2025001,1,有赞旗舰店,面霜,A,1,¥100.00,90.00,13512345678,江苏省,2025-06-18 09:00,2025-06-18 09:01,已完成
E2025001,2,有赞旗舰店,坚果,B,2,25,50,13512345678,江苏省,2025-06-18 09:00,2025-06-18 09:01,已完成
E2025002,1,有赞旗舰店,面霜,A,1,100,100,13612345678,四川省,2025-06-19 09:00,,待付款
"""


def test_user_mapping_file_loads_an_unknown_export(wh, tmp_path):
    d = tmp_path / "youzan"
    d.mkdir()
    (d / "youzan.mapping.yaml").write_text(YOUZAN, encoding="utf-8")
    (d / "youzan_0618.csv").write_text(YOUZAN_CSV, encoding="utf-8")
    skipped, res, orders_res = wh.ingest([d], progress=False, context={"salt": SALT})
    assert (skipped.status, skipped.file) == ("skipped", str(d / "youzan.mapping.yaml"))
    assert (res.format, res.rows_in, res.rows_loaded, res.rows_quarantined) == ("youzan_orders", 3, 2, 1)
    assert orders_res.rows_loaded == 1  # two lines, one order header
    lines = wh.read("order_lines")
    assert lines[["order_id", "line_id", "sku", "list_price_fen", "paid_fen"]].values.tolist() == [
        ["E2025001", "1", "A", 10000, 9000], ["E2025001", "2", "B", 2500, 5000]]
    o = wh.read("orders").iloc[0]
    assert (o.shop_id, o.province, o.status) == ("有赞旗舰店", "江苏", "finished")
    q = wh.quarantine().iloc[0]
    assert q.row_number == 4 and q.column == "订单状态" and "'待付款' is not a known 订单状态" in q.reason


@pytest.mark.parametrize("change, message", [
    ("quantity: {header: 商品数量, kind: int}", None),
    ("quantity: {header: 商品数量, kind: integer}", "tables.order_lines.quantity: unknown kind 'integer'"),
    ("quantity: {header: 商品数量, kind: int}\n    qty: {header: x}", "order_lines has no column 'qty'"),
    ("quantity: {kind: int}", "tables.order_lines.quantity: needs one of header"),
])
def test_mapping_file_mistakes_are_named(tmp_path, change, message):
    f = tmp_path / "m.yaml"
    f.write_text(YOUZAN.replace("quantity: {header: 商品数量, kind: int}", change), encoding="utf-8")
    if message is None:
        assert spec_from_yaml(f).name == "youzan_orders"
    else:
        with pytest.raises(SourceError) as e:
            spec_from_yaml(f)
        assert str(f) in str(e.value) and message in str(e.value)


def test_member_key_must_be_hashed_in_mappings(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text(YOUZAN.replace("member_key: {member: [买家手机号]}", "member_key: {header: 买家手机号}"),
                 encoding="utf-8")
    with pytest.raises(SourceError, match="member_key must use member"):
        spec_from_yaml(f)


# -- SKU resolution ------------------------------------------------------------------------------
def test_platform_ids_and_codes_resolve_to_canonical_skus(tmp_path):
    d = tmp_path / "in"
    shutil.copytree(DATA / "mini", d)
    lines = pd.read_csv(d / "order_lines.csv", dtype=str, keep_default_na=False)
    lines.loc[lines.order_id == "o3", "sku"] = "JD-NUTS"       # a JD merchant code
    lines.loc[lines.order_id == "o4", "sku"] = "tm-code-x"     # unknown code ...
    lines.loc[lines.order_id == "o4", "platform_sku_id"] = "tm-1001"  # ... but a known item id
    lines.loc[lines.order_id == "o2", ["sku", "platform_sku_id"]] = ["NOPE", "tm-9999"]  # unmapped
    lines.to_csv(d / "order_lines.csv", index=False)
    (d / "sku_map.csv").write_text("platform,platform_sku_id,sku,note\njd,JD-NUTS,B,\n"
                                   "tmall,tm-1001,A,\n", encoding="utf-8")
    with Warehouse(tmp_path / "wh.duckdb") as w:
        w.ingest([d], progress=False)
        w.build()
        daily = w.daily_sales()
        by_sku = daily.groupby("sku").paid_fen.sum().to_dict()
        assert by_sku == {"A": 1900 + 900 + 1000, "B": 500 + 1350 + 500, "NOPE": 0}
        assert daily.loc[daily.sku == "NOPE", "gmv_fen"].sum() == 1000
        um = w.unmapped_skus()
        assert um[["platform", "exported_sku", "count_lines", "paid_fen"]].values.tolist() == [
            ["tmall", "NOPE", 1, 1000]]


def test_pdd_export_round_trip(tmp_path):
    """canonical demo rows -> the Pinduoduo export -> ingest -> the same canonical rows."""
    from ecomlib import demo
    from ecomlib.sources import pdd
    t = demo.generate(demo.DemoConfig(members=300, skus=30))
    (name, frame), = pdd.to_export(t, "pdd_flagship", demo.buyers(t)).items()
    frame.to_csv(tmp_path / f"{name}.csv", index=False)
    with Warehouse(tmp_path / "wh.duckdb") as w:
        res = w.ingest([tmp_path], progress=False, context={"shop_id": "pdd_flagship", "salt": SALT})
        assert res[0].rows_quarantined == 0
        got_l = w.read("order_lines").drop(columns=[]).sort_values("order_id").reset_index(drop=True)
        got_o = w.read("orders").sort_values("order_id").reset_index(drop=True)
    exp_l = t["order_lines"][t["order_lines"].shop_id == "pdd_flagship"].sort_values(
        "order_id").reset_index(drop=True)
    exp_o = t["orders"][t["orders"].shop_id == "pdd_flagship"].sort_values("order_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got_l, exp_l, check_dtype=False)
    for c in ("created_at", "paid_at", "shipped_at", "finished_at"):
        got_o[c] = got_o[c].dt.tz_localize(None)
    pd.testing.assert_frame_equal(got_o.drop(columns=["member_key"]), exp_o.drop(columns=["member_key"]),
                                  check_dtype=False)
    # the member partition survives: same buyer -> same key, different buyers -> different keys
    pairs = pd.DataFrame({"old": exp_o.member_key, "new": got_o.member_key}).drop_duplicates()
    assert pairs.old.is_unique and pairs.new.is_unique


def test_masked_phones_fall_back_to_the_next_identity(wh, tmp_path):
    d = tmp_path / "pdd"
    d.mkdir()
    text = (DATA / "pdd" / "pdd_orders_mess.csv").read_text(encoding="utf-8")
    text = text.replace("13800138000", "138****8000").replace("13900139000", "138****8000")
    (d / "pdd.csv").write_text(text, encoding="utf-8")
    wh.ingest([d], progress=False, context={"shop_id": "s", "salt": SALT})
    keys = wh.read("orders").set_index("order_id").member_key
    # same masked phone, different consignees: two members, keyed by the name instead
    assert keys["250618-123456789012345"] == privacy.member_key("张三", SALT)
    assert keys["250618-000000000000002"] == privacy.member_key("李四", SALT)
