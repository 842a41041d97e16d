"""The Taobao/Tmall, JD and Douyin order exports: hand-worked fixtures (tests/data/taobao,
jd, douyin), one conformance test over every format these modules register, and the round
trip canonical rows -> ``to_export`` -> ingest -> the same canonical rows.

Fixtures (each: a 合计 totals row and blank rows at the bottom, Excel-mangled ids, mixed
money and date formats):

* ``taobao/ExportOrderList_mess.csv``: 订单报表, GBK, ``="..."`` and tab-prefixed ids, header
  names with trailing spaces;
* ``taobao/ExportOrderDetailList_mess.xlsx``: 宝贝报表, a title row above the header, numeric
  Excel cells, a 主订单编号 stored as a number (1.23457E+18-style, digits lost);
* ``jd/jd_order_export_mess.csv``: UTF-8 with BOM, the classic order-level amounts only;
* ``douyin/douyin_order_export_mess.csv``: UTF-8, CRLF, tab-prefixed ids.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib import demo, privacy, schema
from ecomlib.sources import SOURCES, douyin, get_source, jd, read_file, taobao
from ecomlib.sources.mapped import FormatSpec
from ecomlib.warehouse import LoadError, Warehouse

DATA = Path(__file__).parent / "data"
SALT = b"test-salt"
CTX = {"shop_id": "main", "salt": SALT}

TB_ORDERS = DATA / "taobao" / "ExportOrderList_mess.csv"
TB_ITEMS = DATA / "taobao" / "ExportOrderDetailList_mess.xlsx"
JD_FILE = DATA / "jd" / "jd_order_export_mess.csv"
DY_FILE = DATA / "douyin" / "douyin_order_export_mess.csv"

SCI = "is in scientific notation (e.g. 1.23457E+18): Excel rounded it and the digits are lost"

#: personal data written into the fixtures: none of it may reach the warehouse
PII = [
    # phones
    "13811112222", "13922223333", "13733334444", "13644445555", "13566667777", "13555556666",
    "13466667777", "13800001111", "13900002222", "13700003333", "13600004444", "13500005555",
    "13400006666", "13811110001", "13911110002", "13711110003", "13611110004", "13511110005",
    "13411110006",
    # consignee names
    "司马小芳", "诸葛明亮", "上官飞燕", "慕容雪", "独孤小白", "东方晓白", "西门吹雪", "南宫问天",
    "东郭先生", "皇甫嵩嵩", "欧阳锋锋", "慕容博博", "令狐冲冲", "宇文成都", "独孤求败", "慕容复兴",
    "皇甫铁牛", "公孙大娘", "西门庆庆",
    # buyer nicknames / accounts
    "云朵买家小鹿", "诸葛亮亮", "东方不败_6", "jd_小鹿001", "jd_user_2", "jd_user_4",
    # streets and districts below city level
    "文三路88号", "建国路1号院", "科技南路18号", "张江路500弄", "解放大道688号", "珠江路66号",
    "天府大道北段99号", "文一西路100号", "建国门外大街1号", "科苑路15号", "世纪大道88号",
    "中山北路200号", "春熙路9号", "江南大道1000号", "长河街道", "碧波路690号", "天河路385号",
    "潇湘中路1号", "星湖街328号", "龙头路8号", "鼓浪屿街道", "西湖区", "浦东新区",
    # buyer messages / order notes
    "请周末送货", "尽快发货", "请放门口",
]


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "wh.duckdb")
    yield w
    w.close()


def _rows(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    """Rows as plain tuples: missing -> None, timestamps -> 'YYYY-MM-DD HH:MM:SS' (Beijing
    wall clock), numbers -> int."""
    out = []
    for rec in df[cols].itertuples(index=False):
        row = []
        for v in rec:
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                row.append(None)
            elif isinstance(v, pd.Timestamp):
                row.append(v.tz_localize(None).strftime("%Y-%m-%d %H:%M:%S") if v.tzinfo
                           else v.strftime("%Y-%m-%d %H:%M:%S"))
            elif isinstance(v, (int, np.integer)):
                row.append(int(v))
            else:
                row.append(v)
        out.append(tuple(row))
    return out


def _quarantine(w: Warehouse) -> dict[int, tuple[str, str]]:
    q = w.quarantine()
    return {int(r.row_number): (r.column, r.reason) for r in q.itertuples()}


ORDER_COLS = ["order_id", "province", "city", "created_at", "paid_at", "shipped_at", "finished_at",
              "status", "shipping_fee_fen", "traffic_source", "streamer"]
LINE_COLS = ["order_id", "line_id", "sku", "platform_sku_id", "quantity", "list_price_fen",
             "shop_discount_fen", "platform_discount_fen", "paid_fen"]
REFUND_COLS = ["refund_id", "order_id", "line_id", "sku", "refund_fen", "units_returned", "reason",
               "status", "requested_at", "refunded_at"]


def _members(w: Warehouse) -> dict[str, str]:
    o = w.read("orders")
    return dict(zip(o.order_id, o.member_key))


# -- Taobao/Tmall 订单报表 (GBK) -----------------------------------------------------------------
def test_taobao_order_report_fixture(wh):
    (res,) = wh.ingest([TB_ORDERS], progress=False, context=CTX)
    assert (res.format, res.table, res.rows_in, res.rows_loaded, res.rows_quarantined,
            res.rows_blank) == ("taobao_orders", "orders", 7, 5, 2, 3)  # 合计 + 2 blank rows
    assert res.rows_in == res.rows_loaded + res.rows_quarantined
    assert wh.load_log().encoding.iloc[0] == "gb18030"
    o = wh.read("orders")
    assert set(o.platform) == {"tmall"} and set(o.shop_id) == {"main"}  # 店铺名称 is ignored
    assert _rows(o, ORDER_COLS) == [
        # ="..." recovered; ￥1,234.50; 2025/6/18 10:01; 2025年6月25日 12时00分
        ("3700000000000100001", "浙江", "杭州", "2025-06-18 10:00:00", "2025-06-18 10:01:00",
         "2025-06-19 09:00:00", "2025-06-25 12:00:00", "finished", 0, None, None),
        # tab-prefixed id; postage "10元"; "2025-06-18 11:30" without seconds
        ("3700000000000100002", "北京", "北京", "2025-06-18 11:30:00", None, None, None,
         "created", 1000, None, None),
        # 交易关闭 after payment = refunded; 6.00 postage
        ("3700000000000100003", "广东", "深圳", "2025-06-19 08:00:00", "2025-06-19 08:00:30",
         None, "2025-06-20 10:00:00", "refunded", 600, None, None),
        # 交易关闭 never paid = cancelled; 20250620 09:15:00; 付款时间 "-"
        ("3700000000000100004", "上海", "上海", "2025-06-20 09:15:00", None, None, None,
         "cancelled", 0, None, None),
        # "卖家已发货，等待买家确认收货" (longer wording) = shipped; postage "0"
        ("3700000000000100006", "江苏", "南京", "2025-06-21 20:00:00", "2025-06-21 20:00:05",
         "2025-06-22 08:30:00", None, "shipped", 0, None, None),
    ]
    members = _members(wh)
    assert members["3700000000000100001"] == privacy.member_key("13811112222", SALT)  # 联系手机
    assert members["3700000000000100006"] == privacy.member_key("13555556666", SALT)
    q = _quarantine(wh)
    assert sorted(q) == [6, 8]
    assert q[6][0] == "订单编号" and q[6][1] == f"订单编号 {SCI}; export again and do not save " \
        "the file from Excel, or format the column as text"
    assert q[8][0].startswith("订单付款时间")
    assert q[8][1].startswith("订单付款时间 '昨天下午' is not a date-time")
    assert wh.counts()["refunds"] == 0  # the report's 退款金额 is not loaded (see taobao.py)


# -- Taobao/Tmall 宝贝报表 (xlsx with a title row) -----------------------------------------------------
def test_taobao_item_report_fixture(wh):
    lines_res, refunds_res = wh.ingest([TB_ITEMS], progress=False, context=CTX)
    assert (lines_res.format, lines_res.table, lines_res.rows_in, lines_res.rows_loaded,
            lines_res.rows_quarantined, lines_res.rows_blank) == \
        ("taobao_items", "order_lines", 7, 5, 2, 3)
    assert (refunds_res.table, refunds_res.rows_loaded, refunds_res.rows_quarantined) == \
        ("refunds", 2, 0)
    lines = wh.read("order_lines")
    assert set(lines.platform) == {"tmall"} and set(lines.shop_id) == {"main"}
    assert _rows(lines, LINE_COLS) == [
        # 459.9 (Excel number) x 2 = 919.80; 应付 ￥900.00 -> shop 19.80; 实付 880 -> platform 20.00
        ("3700000000000100001", "3700000000000100011", "SY-HF001-01", "5588460863573", 2,
         45990, 1980, 2000, 88000),
        # ="..." id; 334.50元; 应付 334.5 -> shop 0; 实付 ￥320.50 -> platform 14.00
        ("3700000000000100001", "3700000000000100012", "SY-HF002-01", "5588460863574", 1,
         33450, 0, 1400, 32050),
        # no 子订单编号 (older export): the line's content key; "1,234.50"
        ("3700000000000100002", "SY-CZ001-03@123450#1", "SY-CZ001-03", "5588460863576", 1, 123450, 0, 0, 123450),
        ("3700000000000100003", "3700000000000100031", "SY-LS001-02", "5588460863575", 1,
         9900, 0, 600, 9300),
        # tab-prefixed 子订单编号; 商家编码 empty -> 外部系统编号
        ("3700000000000100006", "3700000000000100061", "SY-JJ003", "5600000000001", 1,
         5990, 0, 0, 5990),
    ]
    refunds = wh.read("refunds")
    assert _rows(refunds, REFUND_COLS) == [
        # 退款成功 for 93.00, dated at payment (the export has no after-sales times)
        ("3700000000000100003-3700000000000100031", "3700000000000100003", "3700000000000100031",
         "SY-LS001-02", 9300, 0, None, "refunded", "2025-06-19 08:00:30", "2025-06-19 08:00:30"),
        ("3700000000000100006-3700000000000100061", "3700000000000100006", "3700000000000100061",
         "SY-JJ003", 5990, 0, None, "requested", "2025-06-21 20:00:05", None),
    ]
    q = _quarantine(wh)
    assert sorted(q) == [6, 8]  # rows as Excel numbers them: title row 1, header row 2
    assert q[6][0] == "主订单编号" and q[6][1].startswith(f"主订单编号 {SCI}")
    assert q[8] == ("购买数量", "购买数量 '两件' is not a whole number")
    raw = wh.quarantine().raw.iloc[0]
    assert '"主订单编号": "3.7000000000001e+18"' in raw


def test_taobao_order_and_item_reports_join(wh):
    """Both files of one 千牛 export land under the same shop, so headers and lines join."""
    wh.ingest([DATA / "taobao"], progress=False, context=CTX)
    joined = wh.sql("SELECT l.order_id, o.status FROM order_lines l JOIN orders o USING "
                    "(platform, shop_id, order_id) ORDER BY l.order_id, l.line_id")
    assert joined.values.tolist() == [
        ["3700000000000100001", "finished"], ["3700000000000100001", "finished"],
        ["3700000000000100002", "created"], ["3700000000000100003", "refunded"],
        ["3700000000000100006", "shipped"]]


def test_taobao_exports_need_a_shop(wh):
    with pytest.raises(LoadError, match="no shop column.*--shop"):
        wh.ingest([TB_ORDERS], progress=False, context={"salt": SALT})


# -- JD (UTF-8 with BOM, classic order-level amounts) --------------------------------------------
def test_jd_order_export_fixture(wh):
    lines_res, orders_res = wh.ingest([JD_FILE], progress=False, context=CTX)
    assert (lines_res.format, lines_res.rows_in, lines_res.rows_loaded, lines_res.rows_quarantined,
            lines_res.rows_blank) == ("jd_orders", 7, 5, 2, 3)
    assert (orders_res.table, orders_res.rows_loaded) == ("orders", 4)
    assert wh.load_log().encoding.iloc[-1] == "utf-8-sig"
    assert _rows(wh.read("order_lines"), LINE_COLS) == [
        # order 1: 应付金额 ¥376.21 + 余额 0 - 运费 0 = 37621 fen of goods over list values
        # 31800 and 10000: floor(37621*31800/41800) = 28620, floor(37621*10000/41800) = 9000,
        # the 1 fen left goes to the order's first line; the rest of the list value is the
        # shop's discount. Line ids: SKU @ 京东价 in fen # occurrence (not the row position)
        ("300000000001", "SY-GH002-02@10000#1", "SY-GH002-02", "100012345679", 1, 10000, 1000,
         0, 9000),
        ("300000000001", "SY-HF001-01@15900#1", "SY-HF001-01", "100012345678", 2, 15900, 3179,
         0, 28621),
        # ="..." id; 1234.5元; 应付 1144.50 + 余额支付 100.00 - 运费 10.00 = 1234.50;
        # 商家SKUID empty -> 商品ID (tab stripped)
        ("300000000002", "100099990001@123450#1", "100099990001", "100099990001", 1, 123450, 0,
         0, 123450),
        # "1件"; 应付 79.90 of 89.90
        ("300000000004", "SY-LS003-01@8990#1", "SY-LS003-01", "100055556666", 1, 8990, 1000, 0,
         7990),
        ("300000000005", "SY-CY002-01@5900#1", "SY-CY002-01", "100077778888", 1, 5900, 0, 0,
         5900),
    ]
    assert _rows(wh.read("orders"), ORDER_COLS) == [
        # 客户地址 without spaces or 省: 浙江杭州市西湖区...
        ("300000000001", "浙江", "杭州", "2025-06-18 10:00:00", "2025-06-18 10:00:30", None,
         "2025-06-22 18:00:00", "finished", 0, None, None),
        ("300000000002", "北京", "北京", "2025-06-18 11:59:00", "2025-06-18 12:00:00", None, None,
         "paid", 1000, None, None),
        # (删除)锁定 = paid; 2025年6月19日 9时30分
        ("300000000004", "上海", "上海", "2025-06-19 09:30:00", "2025-06-19 09:31:00", None, None,
         "paid", 0, None, None),
        # 已取消 after payment = refunded
        ("300000000005", "江苏", "南京", "2025-06-20 14:00:00", "2025-06-20 14:00:10", None,
         "2025-06-20 18:00:00", "refunded", 0, None, None),
    ]
    assert _members(wh)["300000000001"] == privacy.member_key("13800001111", SALT)
    q = _quarantine(wh)
    assert sorted(q) == [5, 8]
    assert q[5][0] == "订单号" and q[5][1].startswith(f"订单号 {SCI}")
    assert q[8] == ("京东价", "京东价 '12.345' is not an amount of money in yuan (e.g. 1234.50)")
    assert wh.counts()["refunds"] == 0


# -- Douyin 抖店 (UTF-8, tab-prefixed ids) -------------------------------------------------------------
def test_douyin_order_export_fixture(wh):
    lines_res, orders_res, refunds_res = wh.ingest([DY_FILE], progress=False, context=CTX)
    assert (lines_res.format, lines_res.rows_in, lines_res.rows_loaded, lines_res.rows_quarantined,
            lines_res.rows_blank) == ("douyin_orders", 7, 5, 2, 3)
    assert (orders_res.rows_loaded, refunds_res.rows_loaded) == (4, 2)
    assert _rows(wh.read("order_lines"), LINE_COLS) == [
        # ¥189.00; 商家优惠 7.90; 平台优惠 10.00; 订单应付 ¥171.10 - 运费 0
        ("6900000000000100001", "6900000000000100001", "SY-CZ001-01", "3679553112853054544", 1,
         18900, 790, 1000, 17110),
        # 59.90 x 2; 商家优惠 5.00; 平台优惠 3.00 + 达人优惠 2.00; 应付 119.8 - 运费 10.00
        ("6900000000000100002", "6900000000000100021", "SY-LS001-01", "3679000000000000001", 2,
         5990, 500, 500, 10980),
        # ￥1,234.50 and "1,234.50"
        ("6900000000000100002", "6900000000000100022", "SY-LS002-02", "3679000000000000002", 1,
         123450, 0, 0, 123450),
        # 商家编码 empty -> 商品ID
        ("6900000000000100003", "6900000000000100003", "3679000000000000003", "3679000000000000003",
         1, 9900, 0, 0, 9900),
        ("6900000000000100005", "6900000000000100005", "SY-GH001-02", "3679000000000000005", 1,
         4990, 0, 0, 4990),
    ]
    assert _rows(wh.read("orders"), ORDER_COLS) == [
        ("6900000000000100001", "浙江", "杭州", "2025-06-18 20:00:00", "2025-06-18 20:00:12",
         "2025-06-19 10:00:00", "2025-06-25 10:00:00", "finished", 0, "直播", "小鹿爱种草"),
        # two sub-orders, one header; 运费 10.00 + 0 = the order's shipping; 2025/6/19 9:00
        ("6900000000000100002", "上海", "上海", "2025-06-19 09:00:00", "2025-06-19 09:01:00",
         "2025-06-19 15:00:00", None, "shipped", 1000, "商品卡", None),
        ("6900000000000100003", "广东", "广州", "2025-06-20 08:00:00", None, None, None,
         "created", 0, "搜索", None),
        # 已关闭 after payment = refunded
        ("6900000000000100005", "江苏", "苏州", "2025-06-21 12:00:00", "2025-06-21 12:00:30", None,
         "2025-06-22 12:00:00", "refunded", 0, "短视频", None),
    ]
    assert _rows(wh.read("refunds"), REFUND_COLS) == [
        ("6900000000000100002-6900000000000100021", "6900000000000100002", "6900000000000100021",
         "SY-LS001-01", 5000, 0, None, "refunded", "2025-06-19 09:01:00", "2025-06-19 09:01:00"),
        # 退款金额 empty -> the line's paid amount
        ("6900000000000100005-6900000000000100005", "6900000000000100005", "6900000000000100005",
         "SY-GH001-02", 4990, 0, None, "refunded", "2025-06-21 12:00:30", "2025-06-21 12:00:30"),
    ]
    members = _members(wh)
    assert members["6900000000000100002"] == privacy.member_key("13911110002", SALT)
    q = _quarantine(wh)
    assert sorted(q) == [6, 8]
    assert q[6][0] == "主订单编号,子订单编号" and q[6][1].startswith(f"主订单编号 {SCI}")
    assert q[8][0] == "订单状态"
    assert q[8][1].startswith("订单状态 '神秘状态' is not a known 订单状态 (待支付、")


# -- conformance: every format these modules register ---------------------------------------------
SPECS = {
    "taobao_orders": (taobao.ORDERS_SPEC, TB_ORDERS),
    "taobao_items": (taobao.ITEMS_SPEC, TB_ITEMS),
    "jd_orders": (jd.SPEC, JD_FILE),
    "douyin_orders": (douyin.SPEC, DY_FILE),
}


def test_every_spec_of_these_modules_is_covered():
    mine = {v.name for m in (taobao, jd, douyin) for v in vars(m).values()
            if isinstance(v, FormatSpec)}
    assert mine == set(SPECS)
    for name, (spec, _) in SPECS.items():
        assert SOURCES[name].spec is spec


@pytest.mark.parametrize("name", sorted(SPECS))
def test_format_conformance(name, tmp_path):
    spec, path = SPECS[name]
    raws = read_file(path)
    assert len(raws) == 1
    # the header is recognised as this format and no other registered one
    header = [str(c) for c in raws[0].frame.columns]
    assert [n for n, s in SOURCES.items() if s.detect(header, path)] == [name]
    pieces = get_source(name).to_canonical(raws[0], dict(CTX))
    assert pieces[0].table == next(iter(spec.tables)).split(":")[0]
    for piece in pieces:
        t = schema.table(piece.table)
        val = schema.validate(piece.table, piece.frame, piece.row_numbers)
        good = val.good
        assert list(good.columns) == t.column_names  # canonical columns, in order
        for c in t.columns:
            assert str(good[c.name].dtype) == schema._PANDAS_DTYPES[c.kind], (piece.table, c.name)
            if c.kind == "ts":
                assert getattr(good[c.name].dt, "tz", None) is None  # naive Beijing wall clock
        assert not good.duplicated(subset=list(t.key)).any()  # keys unique
        assert set(good.platform) <= {"tmall", "jd", "douyin"}
    db = tmp_path / "wh.duckdb"
    with Warehouse(db) as w:
        results = w.ingest([path], progress=False, context=CTX)
        for r in results:
            assert r.rows_in == r.rows_loaded + r.rows_quarantined
        types = w.sql("SELECT table_name, column_name, data_type FROM information_schema.columns "
                      "WHERE table_name IN ('orders', 'order_lines', 'refunds')")
        ts_types = set(types[types.column_name.str.endswith("_at")].data_type)
        assert ts_types == {"TIMESTAMP"}  # stored naive, no time zone
        first = w.sql("SELECT MIN(created_at) AS t FROM orders").t.iloc[0]
        if pd.notna(first):
            assert first.tzinfo is None and first.year == 2025  # wall clock as exported
        q = w.quarantine()
        q_text = "\n".join(q.astype(str).agg(" ".join, axis=1))
        text_cols = types[types.data_type == "VARCHAR"]
        stored = []
        for t_, c in text_cols[["table_name", "column_name"]].itertuples(index=False):
            stored += [str(v) for v in w.sql(f'SELECT DISTINCT "{c}" FROM {t_}')[c].dropna()]
    stored_text = "\n".join(stored)
    raw = db.read_bytes()
    leaked = [p for p in PII if p in q_text or p in stored_text or p.encode("utf-8") in raw]
    assert leaked == []


# -- round trip: canonical rows -> to_export -> ingest -> the same rows ----------------------------------
@pytest.fixture(scope="module")
def demo_tables():
    return demo.generate(demo.DemoConfig(members=300, skus=30))


def make_buyers(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A made-up buyer per member key: unique nickname and phone, a name, and an address in
    the member's province and city (from their first order)."""
    o = tables["orders"].dropna(subset=["member_key"]).sort_values("created_at")
    first = o.drop_duplicates("member_key")[["member_key", "province", "city"]].reset_index(drop=True)
    n = len(first)
    full = {"北京": "北京市", "上海": "上海市", "天津": "天津市", "重庆": "重庆市"}
    return pd.DataFrame({
        "member_key": first.member_key,
        "buyer_nick": [f"买家{i:05d}" for i in range(n)],
        "phone": [f"1580000{i:04d}" for i in range(n)],
        "name": [f"测试{'甲乙丙丁戊己庚辛'[i % 8]}{i}" for i in range(n)],
        "address": [f"{full.get(p, p + '省')} {c}市 第{i % 9 + 1}区 幸福路{i}号"
                    for i, (p, c) in enumerate(zip(first.province, first.city))],
    })


def _write(frames: dict[str, pd.DataFrame], folder: Path, how: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, frame in frames.items():
        assert all(frame[c].map(lambda v: isinstance(v, str)).all() for c in frame.columns), stem
        if how == "xlsx":
            frame.to_excel(folder / f"{stem}.xlsx", index=False)
        else:
            frame.to_csv(folder / f"{stem}.csv", index=False, encoding=how)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.tz_localize(None)
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out.reset_index(drop=True)


ROUND_TRIPS = [
    (taobao, "tmall", "tmall_flagship", "gb18030"),
    (taobao, "tmall", "tmall_food", "gb18030"),
    (jd, "jd", "jd_flagship", "xlsx"),
    (douyin, "douyin", "douyin_flagship", "utf-8-sig"),
]


def _content_ids(lines: pd.DataFrame) -> pd.Series:
    """The JD export's line ids worked out from canonical lines: SKU @ list price in fen #
    the occurrence of that SKU and price within the order, in line order."""
    ordered = lines.assign(_n=lines.line_id.astype(int)).sort_values(["order_id", "_n"])
    k = ordered.groupby(["order_id", "sku", "list_price_fen"]).cumcount() + 1
    ids = (ordered.sku.astype(str) + "@" + ordered.list_price_fen.astype("int64").astype(str)
           + "#" + k.astype(str))
    return ids.reindex(lines.index)


@pytest.mark.parametrize("module,platform,shop_id,how", ROUND_TRIPS,
                         ids=[r[2] for r in ROUND_TRIPS])
def test_to_export_round_trip(demo_tables, tmp_path, module, platform, shop_id, how):
    t = demo_tables
    buyers = make_buyers(t)
    frames = module.to_export(t, shop_id, buyers)
    _write(frames, tmp_path / "exports", how)
    key = ["platform", "shop_id", "order_id"]
    exp_o = t["orders"][(t["orders"].platform == platform) & (t["orders"].shop_id == shop_id)]
    exp_o = exp_o.sort_values(key).reset_index(drop=True)
    exp_l = t["order_lines"].merge(exp_o[key], on=key)
    if module is jd:  # the JD export has no line id: lines are known by their content
        exp_l = exp_l.assign(line_id=_content_ids(exp_l))
    exp_l = exp_l.sort_values(key + ["line_id"])
    assert len(exp_o) > 100
    with Warehouse(tmp_path / "wh.duckdb") as w:
        res = w.ingest([tmp_path / "exports"], progress=False,
                       context={"shop_id": shop_id, "salt": b"test"})
        assert all(r.rows_quarantined == 0 for r in res), w.quarantine().head()
        got_o = _canonical(w.read("orders"))
        got_l = w.read("order_lines")
        got_l = _canonical(got_l.sort_values(key + ["line_id"]))
        got_r = _canonical(w.read("refunds"))
        # a second import of the same files changes nothing
        again = w.ingest([tmp_path / "exports"], progress=False,
                         context={"shop_id": shop_id, "salt": b"test"})
        assert all(r.rows_inserted == r.rows_updated == 0 for r in again)
    pd.testing.assert_frame_equal(got_l, _canonical(exp_l), check_dtype=False)
    header = ["paid_total_fen", "refund_total_fen"]  # order-level amounts as exported
    pd.testing.assert_frame_equal(got_o.drop(columns=["member_key", *header]),
                                  _canonical(exp_o).drop(columns=["member_key", *header],
                                                         errors="ignore"), check_dtype=False)
    if module in (taobao, jd):  # the order-level paid amount ties to the lines + postage
        lines_paid = exp_l.groupby("order_id").paid_fen.sum()
        want = (exp_o.set_index("order_id").shipping_fee_fen.fillna(0)
                + lines_paid.reindex(exp_o.order_id).fillna(0).to_numpy())
        if module is taobao:  # 买家实际支付金额 is 0 on an order never paid
            want = want.where(exp_o.set_index("order_id").paid_at.notna(), 0)
        got = got_o.set_index("order_id").paid_total_fen
        assert got.notna().all() and (got.astype("int64") == want.astype("int64")).all()
    # member_key is re-hashed from the phone: the partition of orders into members survives
    pairs = pd.DataFrame({"old": exp_o.member_key, "new": got_o.member_key}).drop_duplicates()
    assert pairs.old.is_unique and pairs.new.is_unique and pairs.new.notna().all()
    assert set(got_o.member_key) == {privacy.member_key(p, b"test") for p in
                                     buyers.set_index("member_key").phone[exp_o.member_key.unique()]}
    # refunds: what the export carries of the line cases comes back (amount, status, line, sku);
    # case ids, times, reasons and units returned are lost; order-level cases are not exported
    exp_r = t["refunds"].merge(exp_o[key], on=key).dropna(subset=["line_id"])
    cols = ["order_id", "line_id", "sku", "refund_fen", "status"]
    if module is jd:
        assert len(got_r) == 0 and len(exp_r) > 0  # the JD order export has no after-sales columns
    else:
        assert len(exp_r) > 0
        a = got_r[cols].sort_values(cols[:2]).reset_index(drop=True)
        b = _canonical(exp_r[cols].sort_values(cols[:2]))
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
        assert (got_r.units_returned == 0).all() and got_r.reason.isna().all()


def test_to_export_writes_no_extra_personal_data(demo_tables):
    """The exports carry buyers where the back office does (to be hashed at ingest), and the
    order/line frames are text only."""
    buyers = make_buyers(demo_tables)
    frames = {**taobao.to_export(demo_tables, "tmall_flagship", buyers),
              **jd.to_export(demo_tables, "jd_flagship", buyers),
              **douyin.to_export(demo_tables, "douyin_flagship", buyers)}
    assert sorted(frames) == ["ExportOrderDetailList_tmall_flagship", "ExportOrderList_tmall_flagship",
                              "douyin_order_export_douyin_flagship", "jd_order_export_jd_flagship"]
    tb = frames["ExportOrderList_tmall_flagship"]
    assert tb["收货地址"].str.match(r"^\S+(省|市|自治区) \S+市 第\d区 幸福路\d+号$").all()
    assert frames["jd_order_export_jd_flagship"]["客户地址"].str.contains("幸福路").all()
    assert set(frames["ExportOrderDetailList_tmall_flagship"]["退款状态"]) <= set(
        taobao.REFUND_STATUS)


def test_jd_classic_export_apportions_order_amounts(demo_tables, tmp_path):
    """Without the line-level amount columns (the classic JD template) every order's paid
    total survives exactly and single-line orders come back exact."""
    buyers = make_buyers(demo_tables)
    (stem, frame), = jd.to_export(demo_tables, "jd_flagship", buyers).items()
    frame = frame.drop(columns=["商品应付金额", "商家优惠金额", "京东优惠金额"])
    _write({stem: frame}, tmp_path, "utf-8-sig")
    with Warehouse(tmp_path / "wh.duckdb") as w:
        res = w.ingest([tmp_path], progress=False, context={"shop_id": "jd_flagship", "salt": SALT})
        assert res[0].rows_quarantined == 0
        got = w.read("order_lines")
    exp = demo_tables["order_lines"]
    exp = exp[exp.shop_id == "jd_flagship"]
    by = ["order_id"]
    g = got.groupby(by)[["paid_fen", "shop_discount_fen"]].sum()
    e = exp.groupby(by).apply(lambda x: pd.Series({
        "paid_fen": x.paid_fen.sum(),
        "shop_discount_fen": (x.shop_discount_fen + x.platform_discount_fen).sum()}))
    pd.testing.assert_frame_equal(g.sort_index(), e.sort_index(), check_dtype=False)
    single = exp.groupby("order_id").line_id.transform("size") == 1
    exp = exp.assign(line_id=_content_ids(exp))
    m = got.merge(exp[single], on=["platform", "shop_id", "order_id", "line_id"], suffixes=("", "_e"))
    assert len(m) == single.sum()
    assert (m.paid_fen == m.paid_fen_e).all()
    assert (got.platform_discount_fen == 0).all()  # the classic export does not split discounts


def test_taobao_line_id_without_content_keys_when_every_line_has_a_sub_order_id():
    """A detail export whose lines all have a 子订单编号 gets them as its line ids without its
    content keys being made: the same Series (values, dtype, Arrow type, index) as the
    first non-empty of the two; with one line lacking it, the content key as before."""
    from ecomlib.sources import clean as C

    def frame(subs):
        n = len(subs)
        return pd.DataFrame({
            "order_id": pd.array(["o1", "o1", "o2", "o3"][:n], dtype="str"),
            "_sub": pd.array(subs, dtype="str"),
            "sku": pd.array(["A", "B", "A", "C"][:n], dtype="str"),
            "_spec": pd.array(["红", None, "", "蓝"][:n], dtype="str"),
            "list_price_fen": pd.array([100, 250, None, 990][:n], dtype="Int64"),
        }, index=range(10, 10 + n))

    for subs in (["11", "12", "21", "31"], ["11", None, "21", "31"], [None] * 4, ["1"]):
        f = frame(subs)
        got = taobao._line_id(f)
        want = C.coalesce(f["_sub"], taobao.content_line_ids(f, "sku", "list_price_fen", "_spec"))
        pd.testing.assert_series_equal(got, want, check_exact=True)
        assert got.array._pa_array.type == want.array._pa_array.type
    assert taobao._line_id(frame(["11", None, "21", "31"])).tolist()[1] == "B@250#1"
