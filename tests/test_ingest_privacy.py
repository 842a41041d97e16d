"""Reading and messages keep no personal data: header detection by known column names,
headers described by shape, misaligned and unclosed-quote rows kept without text (and the
rows an unclosed quote swallowed loaded), rule-based redaction, regions from a closed list,
identities in a canonical member_key hashed."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import privacy
from ecomlib.sources import SourceError, describe_header, detect_source, read_file
from ecomlib.sources import clean
from ecomlib.warehouse import LoadError, Warehouse

PHONE, NAME, ADDR = "13987650123", "司马青莲", "浙江省杭州市西湖区梧桐巷77号3幢1201室"


def test_a_data_row_with_more_cells_never_becomes_the_header(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("商品资料导出 2025-06-01\n"
                 "sku,spu,product_name,category,unit_cost_fen,list_price_fen\n"
                 f"A,S,面霜,护肤,400,1000,{NAME},{PHONE},x\n"
                 "B,S,坚果,零食,100,500\n", encoding="utf-8")
    raw = read_file(f)[0]
    assert list(raw.frame.columns)[:2] == ["sku", "spu"]
    assert raw.frame["sku"].tolist() == ["B"]
    (row, reason, kept), = raw.problems
    assert row == 3 and "open line 3" in reason and NAME not in kept and PHONE not in kept
    assert json.loads(kept) == {"line": 3, "fields": 9, "header_fields": 6}


def test_a_file_without_header_is_described_by_shape(tmp_path):
    f = tmp_path / "buyers.csv"
    f.write_text(f"{NAME},{PHONE},{ADDR}\n" * 3, encoding="utf-8")
    with pytest.raises(SourceError) as e:
        detect_source(read_file(f)[0])
    msg = str(e.value)
    assert "3 column(s)" in msg and "none of them a column name" in msg
    assert NAME not in msg and PHONE not in msg and "梧桐巷" not in msg
    assert describe_header(["订单编号", NAME, "买家应付邮费"]) == \
        "3 column(s); known names: 订单编号, 买家应付邮费; 1 other name(s) not shown"


def test_canonical_with_wrong_header_names_no_cell(tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text(f"platform,{NAME},{PHONE}\ntmall,a,b\n", encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with pytest.raises(LoadError) as e:
            wh.ingest([f], table="orders", progress=False)
        msg = wh.sql("SELECT message FROM load_log").message[0]
    for text in (str(e.value), msg):
        assert NAME not in text and PHONE not in text and "3 column(s)" in text


def test_unclosed_quote_costs_its_own_line_only(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("sku,spu,product_name,category,unit_cost_fen,list_price_fen\n"
                 'A,S,"多行\n名字",c,1,2\n'           # a real quoted line break: kept
                 f'B,S,"{NAME} {PHONE},c,1,2\n'       # never closed: swallows C and D
                 "C,S,n,c,1,2\nD,S,n,c,1,2\n"
                 f'E,S,n,c,"{ADDR}\n', encoding="utf-8")  # open at the end of the file
    raw = read_file(f)[0]
    assert raw.frame["sku"].tolist() == ["A", "C", "D"]
    assert raw.frame["product_name"].tolist()[0] == "多行\n名字"
    assert [p[0] for p in raw.problems] == [3, 6]
    assert "swallowed the 3 line(s)" in raw.problems[0][1] and "open line 4" in raw.problems[0][1]
    assert "open line 7" in raw.problems[1][1]
    text = json.dumps(raw.problems, ensure_ascii=False)
    assert NAME not in text and PHONE not in text and "梧桐巷" not in text
    assert raw.rows_in == 5  # A, B, C, D, E


@pytest.mark.parametrize("text, want", [
    (f"call {PHONE} now", "call [电话已删除 phone removed] now"),
    ("+86 139-8765-0123", "[电话已删除 phone removed]"),
    ("0571-88886666", "[电话已删除 phone removed]"),
    (ADDR, "[地址已删除 address removed]"),
    ("mail a.b@example.com", "mail [邮箱已删除 e-mail removed]"),
    ("ID 11010519491231002X", "ID [证件号已删除 ID removed]"),
    # business numbers stay: order ids, money, dates, SKUs, an 18-digit id with a wrong check
    ("order 3700000000000100001", "order 3700000000000100001"),
    ("订单 110105194912310021", "订单 110105194912310021"),
    ("实付金额 '¥1,234.50'", "实付金额 '¥1,234.50'"),
    ("2025-06-01 10:00:00 SKU-1001", "2025-06-01 10:00:00 SKU-1001"),
])
def test_redact(text, want):
    assert privacy.redact(text) == want


def test_regions_come_from_a_closed_list():
    prov, city = clean.split_region(pd.Series(["黑龙江省哈尔滨市南岗区西大直街1号", "张三丰",
                                               PHONE, "广西壮族自治区南宁市"]))
    assert prov.tolist() == ["黑龙江", None, None, "广西"]
    assert city.tolist() == ["哈尔滨", None, None, "南宁"]
    assert clean.strip_region_suffix(pd.Series(["浙江省", ADDR, "张三"]), kind="province"
                                      ).tolist() == ["浙江", None, None]
    assert clean.strip_region_suffix(pd.Series(["杭州市", ADDR]), kind="city").tolist() == \
        ["杭州", None]


def test_canonical_member_key_identities_are_hashed(tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text("platform,shop_id,order_id,member_key,province,city,created_at,status\n"
                 "tmall,s1,o1,m17,浙江,杭州,2025-06-01 10:00:00,created\n"
                 f"tmall,s1,o2,{PHONE},{ADDR},{PHONE},2025-06-01 10:00:00,created\n"
                 "tmall,s1,o3,qinglian_tb8848,广东省,深圳市,2025-06-01 10:00:00,created\n",
                 encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([f], progress=False, context={"salt": b"s"})
        got = wh.sql("SELECT order_id, member_key, province, city FROM orders ORDER BY 1")
        got = got.astype(object).where(got.notna(), None)
    assert got.member_key.tolist() == ["m17", privacy.member_key(PHONE, b"s"),
                                       privacy.member_key("qinglian_tb8848", b"s")]
    assert got.province.tolist() == ["浙江", None, "广东"]
    assert got.city.tolist() == ["杭州", None, "深圳"]
