"""ERP (SKU master, platform mapping, stock, purchase orders) and marketing (traffic, ad report)
formats: hand-made messy fixtures with hand-worked canonical rows, the demo round trip
(canonical -> to_export -> ingest -> the same rows), and a conformance test of the specs.

Fixtures (tests/data/erp, tests/data/marketing; see the README.md there):
商品资料.csv UTF-8 wide SKU master; 平台商品对照.csv long platform mapping; 库存.csv GBK;
采购单.csv UTF-8 with BOM; 流量来源.csv without a 平台 column; 推广报表.xlsx two sheets, a title
row above each header.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib import demo, schema
from ecomlib.sources import RawFile, SOURCES, clean, detect_source, erp, marketing
from ecomlib.sources.mapped import MappedSource, table_of
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data"
ERP, MKT = DATA / "erp", DATA / "marketing"
D = pd.Timestamp
SPECS = [*erp.SPECS, *marketing.SPECS]


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "wh.duckdb")
    yield w
    w.close()


def rows(w: Warehouse, table: str, cols: list[str]) -> list[list]:
    """The table's rows (given columns, sorted), missing values as None, dates as Timestamps."""
    df = w.read(table)[cols].sort_values(cols).reset_index(drop=True)
    return [[None if (not isinstance(v, str) and pd.isna(v)) else
             (v.tz_localize(None) if isinstance(v, pd.Timestamp) and v.tz else v)
             for v in r] for r in df.astype(object).itertuples(index=False)]


def quarantined(w: Warehouse) -> list[tuple]:
    q = w.quarantine().sort_values(["file", "row_number"])
    return [(Path(f.split(" [")[0]).name + (" [" + f.split(" [")[1] if " [" in f else ""),
             int(n), c, r) for f, n, c, r in q[["file", "row_number", "column", "reason"]]
            .itertuples(index=False)]


def accounting(results) -> list[tuple]:
    for r in results:  # rows in = loaded + quarantined, for every piece of every file
        assert r.rows_in == r.rows_loaded + r.rows_quarantined, r
    return [(r.table, r.format, r.rows_in, r.rows_loaded, r.rows_quarantined, r.rows_blank)
            for r in results]


# -- hand-made fixtures --------------------------------------------------------------------
def test_sku_master_wide_gives_products_and_one_sku_map_row_per_platform_column(wh):
    res = wh.ingest([ERP / "商品资料.csv"], progress=False)
    # 5 data rows, 2 blank trailing rows; the sku_map piece has one row per filled id cell
    assert accounting(res) == [("products", "erp_products", 5, 3, 2, 2),
                               ("sku_map", "erp_products", 5, 5, 0, 0)]
    cols = ["sku", "spu", "product_name", "category", "unit_cost_fen", "list_price_fen",
            "supplier_id", "launched_on"]
    assert rows(wh, "products", cols) == [
        # ¥45.50 -> 4550, "¥1,299.00" -> 129900, 2025/6/18; 30ml appended to the name
        ["A001-01", "A001", "玫瑰精华液 30ml", "护肤", 4550, 129900, "SUP01", D("2025-06-18")],
        # 12.5元 -> 1250, "1,599" -> 159900, 2025年6月18日
        ["A001-02", "A001", "玫瑰精华液 50ml", "护肤", 1250, 159900, "SUP01", D("2025-06-18")],
        # blank 款式编码: the SKU is its own style; 19.9 -> 1990; 20250618
        ["B002", "B002", "竹炭牙膏", "个护", 800, 1990, "SUP03", D("2025-06-18")],
    ]
    assert rows(wh, "sku_map", ["platform", "platform_sku_id", "sku", "note"]) == [
        ["douyin", "3600000000000000001", "A001-01", "玫瑰精华液"],
        ["jd", "100012345678", "A001-01", "玫瑰精华液"],
        ["pdd", "600123456789", "A001-02", "玫瑰精华液"],
        ["tmall", "5012345678901", "A001-01", "玫瑰精华液"],
        ["tmall", "5012345678902", "A001-02", "玫瑰精华液"],  # ="5012345678902" recovered
    ]
    # a bad row is quarantined whole: C003's 天猫 id and D004 are in neither table
    assert quarantined(wh) == [
        ("商品资料.csv", 5, "成本价", "成本价 'abc' is not an amount of money in yuan (e.g. 1234.50)"),
        ("商品资料.csv", 6, "天猫SKUID",
         "天猫SKUID is in scientific notation (e.g. 1.23457E+18): Excel rounded it and the digits "
         "are lost; export again and do not save the file from Excel, or format the column as text"),
    ]


def test_long_platform_mapping(wh):
    res = wh.ingest([ERP / "平台商品对照.csv"], progress=False)
    assert accounting(res) == [("sku_map", "erp_sku_map", 7, 5, 2, 0)]
    assert rows(wh, "sku_map", ["platform", "platform_sku_id", "sku", "note"]) == [
        ["douyin", "3600000000000000001", "A001-01", "玫瑰精华液 直播专享"],  # tab stripped
        ["jd", "100012345678", "A001-01", "玫瑰精华液 30ml"],
        ["pdd", "600123456789", "A001-02", None],                          # a code is a platform too
        ["taobao", "622000111", "A001-01", "玫瑰精华液"],
        ["tmall", "5012345678901", "A001-01", "玫瑰精华液 30ml 官方正品"],
    ]
    q = quarantined(wh)
    assert [x[:3] for x in q] == [("平台商品对照.csv", 6, "平台"), ("平台商品对照.csv", 8, "商家编码")]
    assert q[0][3].startswith("平台 '线下门店' is not a known 平台 (天猫、")
    assert q[1][3] == "商家编码 is required but empty"


def test_inventory_gbk_mixed_dates_totals_and_a_row_without_warehouse(wh):
    res = wh.ingest([ERP / "库存.csv"], progress=False)
    # 6 data rows; the 合计 row and two blank trailing rows are counted as blank
    assert accounting(res) == [("inventory_snapshots", "erp_inventory", 6, 4, 2, 3)]
    assert wh.load_log()["encoding"].tolist() == ["gb18030"]
    assert rows(wh, "inventory_snapshots", ["snapshot_date", "warehouse_id", "sku", "on_hand_units",
                                            "in_transit_units"]) == [
        [D("2025-06-18"), "华东仓", "A001-01", 1200, 300],   # 2025/6/18, "1,200"
        [D("2025-06-18"), "华东仓", "A001-02", 80, 0],       # 2025年6月18日
        [D("2025-06-18"), "华南仓", "C003", -2, None],       # 20250618; oversold; 在途 blank
        [D("2025-06-19"), "华东仓", "A001-01", 1150, 300],
    ]
    assert quarantined(wh) == [
        ("库存.csv", 5, "仓库", "仓库 is required but empty"),
        ("库存.csv", 7, "实际库存", "实际库存 '3.5' is not a whole number"),
    ]


def test_purchase_orders_bom_negative_quantity_and_early_receipt(wh):
    res = wh.ingest([ERP / "采购单.csv"], progress=False)
    assert accounting(res) == [("purchase_orders", "erp_purchase_orders", 5, 3, 2, 2)]
    assert wh.load_log()["encoding"].tolist() == ["utf-8-sig"]
    cols = ["po_id", "sku", "supplier_id", "supplier_name", "warehouse_id", "ordered_on",
            "promised_on", "received_on", "quantity_ordered", "quantity_received",
            "unit_cost_fen", "currency"]
    assert rows(wh, "purchase_orders", cols) == [
        ["PO2025061801", "A001-01", "SUP01", "广州美研生物科技有限公司", "华东仓", D("2025-06-01"),
         D("2025-06-10"), D("2025-06-12"), 1200, 1200, 4550, "CNY"],       # "1,200", ¥45.50
        ["PO2025061801", "A001-02", "SUP01", "广州美研生物科技有限公司", "华东仓", D("2025-06-01"),
         D("2025-06-10"), D("2025-06-13"), 300, 280, 1250, "CNY"],         # 12.5元, 2025年6月13日
        ["PO2025061802", "B002", "SUP03", "浙江洁美日化有限公司", "华南仓", D("2025-06-15"),
         D("2025-06-25"), None, 500, 0, 800, "CNY"],                      # open: no 入库日期
    ]
    assert quarantined(wh) == [
        ("采购单.csv", 5, "采购数量", "采购数量 -5 is below 0"),
        ("采购单.csv", 6, "下单日期,入库日期", "入库日期 is before 下单日期"),
    ]


def test_erp_folder_in_one_go_detects_every_format(wh):
    res = wh.ingest([ERP], progress=False)
    assert {Path(r.file).name: r.format for r in res} == {
        "商品资料.csv": "erp_products", "库存.csv": "erp_inventory",
        "平台商品对照.csv": "erp_sku_map", "采购单.csv": "erp_purchase_orders",
        "README.md": ""}
    (readme,) = [r for r in res if r.status == "skipped"]  # every file accounted for
    assert readme.message == "not an export (.md file)"
    accounting([r for r in res if r.status != "skipped"])
    assert len(wh.quarantine()) == 8


def test_traffic_platform_from_context(wh):
    res = wh.ingest([MKT / "流量来源.csv"], progress=False, context={"platform": "tmall"})
    assert accounting(res) == [("traffic", "traffic_sources", 6, 4, 2, 2)]
    shop = "山野生活官方旗舰店"
    assert rows(wh, "traffic", ["traffic_date", "platform", "shop_id", "source", "visitors",
                                "page_views", "add_to_cart", "buyers"]) == [
        [D("2025-06-18"), "tmall", shop, "推荐", 800, 1600, 40, 12],
        [D("2025-06-18"), "tmall", shop, "搜索", 1200, 3456, 120, 42],   # "1,200", "3,456"
        [D("2025-06-18"), "tmall", shop, "直播", 300, 900, 30, 9],       # 2025/6/18
        [D("2025-06-19"), "tmall", shop, "搜索", 1100, 3000, 100, 40],   # 20250619
    ]
    assert quarantined(wh) == [
        ("流量来源.csv", 6, "店铺名称", "店铺名称 is required but empty"),  # no --shop either
        ("流量来源.csv", 7, "支付买家数,访客数", "支付买家数 is larger than 访客数"),
    ]


def test_traffic_without_any_platform_is_quarantined_not_guessed(wh):
    res = wh.ingest([MKT / "流量来源.csv"], progress=False, context={"shop_id": "tmall_flagship"})
    assert accounting(res) == [("traffic", "traffic_sources", 6, 0, 6, 2)]
    assert all("platform is required but empty" in r for *_, r in quarantined(wh))


def test_ad_report_workbook_two_sheets_title_rows_platform_from_the_tool(wh):
    res = wh.ingest([MKT / "推广报表.xlsx"], progress=False)
    assert [Path(r.file).name for r in res] == ["推广报表.xlsx [淘宝推广]", "推广报表.xlsx [全域推广]"]
    # sheet 1: 3 rows + a 合计 row; sheet 2: 5 rows + 2 whitespace-only trailing rows
    assert accounting(res) == [("ad_spend", "ad_report", 3, 3, 0, 1),
                               ("ad_spend", "ad_report", 5, 2, 3, 2)]
    tm, jd, dy = "山野生活官方旗舰店", "山野京东旗舰店", "山野抖音旗舰店"
    assert rows(wh, "ad_spend", ["spend_date", "platform", "shop_id", "channel", "campaign",
                                 "spend_fen", "impressions", "clicks", "attributed_orders",
                                 "attributed_paid_fen", "currency"]) == [
        # 巨量千川 -> douyin; "1,000.00" -> 100000; 展示次数 "50,000"; 直接成交金额 "3,000.00"
        [D("2025-06-18"), "douyin", dy, "巨量千川", "直播间引流", 100000, 50000, 800, 20, 300000, "CNY"],
        # the 平台 column says 京东
        [D("2025-06-18"), "jd", jd, "京东快车", "日常推广", 20000, 5000, 100, 4, 80000, "CNY"],
        # 2025/6/18; 500元 -> 50000; 899.7 (a number cell) -> 89970
        [D("2025-06-18"), "tmall", tm, "引力魔方", "618大促", 50000, 8000, 120, 3, 89970, "CNY"],
        # a date cell; "¥1,234.50" -> 123450; "12,000"; "¥5,678.90" -> 567890
        [D("2025-06-18"), "tmall", tm, "直通车", "日常推广", 123450, 12000, 360, 15, 567890, "CNY"],
        # 20250619 (a number cell); 88.8 -> 8880; 300 -> 30000
        [D("2025-06-19"), "tmall", tm, "直通车", "日常推广", 8880, 3000, 90, 2, 30000, "CNY"],
    ]
    sheet2 = "推广报表.xlsx [全域推广]"
    assert quarantined(wh) == [  # rows numbered as Excel shows them (title row 1, header row 2)
        (sheet2, 5, "platform", "platform is required but empty"),   # 品牌广告, no 平台, no --platform
        (sheet2, 6, "点击次数,展示次数", "点击次数 is larger than 展示次数"),
        (sheet2, 7, "消耗", "消耗 -1000 is below 0"),
    ]


def test_ad_report_platform_from_context_when_the_tool_says_nothing(wh):
    wh.ingest([MKT / "推广报表.xlsx"], progress=False, context={"platform": "pdd"})
    ads = wh.read("ad_spend")
    assert ads.loc[ads.channel == "品牌广告", ["platform", "spend_fen"]].values.tolist() == [["pdd", 10000]]
    # the tool's own platform and the 平台 column win over the context
    assert sorted(set(zip(ads.channel, ads.platform))) == [
        ("京东快车", "jd"), ("品牌广告", "pdd"), ("巨量千川", "douyin"), ("引力魔方", "tmall"),
        ("直通车", "tmall")]


def test_quarantine_of_every_sheet_is_kept(wh, tmp_path):
    from openpyxl import load_workbook
    wb = load_workbook(MKT / "推广报表.xlsx")
    wb["淘宝推广"]["E3"] = "abc"  # spoil a row of the first sheet too
    wb.save(tmp_path / "ads.xlsx")
    res = wh.ingest([tmp_path / "ads.xlsx"], progress=False)
    assert sum(r.rows_quarantined for r in res) == len(wh.quarantine()) == 4


def test_hint_names_the_missing_alternatives(wh, tmp_path):
    f = tmp_path / "stock.csv"
    f.write_text("商家编码,仓库编码,日期\nA,WH,2025-06-18\n", encoding="utf-8")
    src = SOURCES["erp_inventory"]
    assert src.hint(["商家编码", "仓库编码", "日期"], f) == (
        "looks like a ERP stock per warehouse (库存) export but column(s) "
        "实际库存 / 实际库存数 / 可用库存 / 可用数 are missing (renamed?)")


def test_percentages_are_ratios():
    vals, bad, _ = clean.clean_float(pd.Series(["3.5%", "1,234.5", "", "12%x"]))
    assert vals[0] == pytest.approx(0.035) and vals[1] == 1234.5
    assert pd.isna(vals[2]) and not bad[2] and bad[3]


# -- the demo round trip -------------------------------------------------------------------
ROUND_TRIP = ("products", "sku_map", "inventory_snapshots", "purchase_orders", "traffic",
              "ad_spend")


@pytest.fixture(scope="module")
def demo_tables():
    return demo.generate(demo.DemoConfig(members=300, skus=30))


@pytest.fixture(scope="module")
def exports(demo_tables):
    return {**erp.to_export(demo_tables), **marketing.to_export(demo_tables)}


def test_writers_write_text_as_the_tools_do(exports):
    assert set(exports) == {"erp_products", "erp_sku_map", "erp_inventory", "erp_purchase_orders",
                            "traffic_sources", "ad_report"}
    for stem, frame in exports.items():
        assert all(isinstance(v, str) for v in frame.to_numpy().ravel()), stem
    p = exports["erp_products"].iloc[0]
    assert p["成本价"].count(".") == 1 and len(p["成本价"].split(".")[1]) == 2
    assert exports["erp_inventory"]["日期"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    open_po = exports["erp_purchase_orders"]["入库日期"] == ""
    assert (exports["erp_purchase_orders"].loc[open_po, "入库数量"] == "0").all()
    assert set(exports["ad_report"]["平台"]) == {"天猫", "京东", "拼多多", "抖音"}
    assert list(exports["traffic_sources"].columns) == [
        "日期", "平台", "店铺", "流量来源", "访客数", "浏览量", "加购人数", "支付买家数", "支付转化率"]


def test_yuan_text_is_exact():
    s = pd.Series([0, 5, 123450, -1005, None], dtype="Int64")
    assert erp.yuan(s).tolist() == ["0.00", "0.05", "1234.50", "-10.05", ""]


def test_round_trip_canonical_to_export_to_canonical(demo_tables, exports, tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    for stem, frame in exports.items():
        frame.to_csv(d / f"{stem}.csv", index=False, encoding="utf-8")
    with Warehouse(tmp_path / "rt.duckdb") as w:
        res = w.ingest([d], progress=False)
        accounting(res)
        assert sum(r.rows_quarantined for r in res) == 0 and len(w.quarantine()) == 0
        for name in ROUND_TRIP:
            want = demo_tables[name]
            cols = list(want.columns)
            got = w.read(name)[cols]
            for c in cols:  # the warehouse reader returns Beijing-aware dates
                if isinstance(got[c].dtype, pd.DatetimeTZDtype):
                    got[c] = got[c].dt.tz_localize(None)
            got = got.sort_values(cols).reset_index(drop=True)
            want = want.sort_values(cols).reset_index(drop=True)
            assert len(got) == len(want) > 0, name
            pd.testing.assert_frame_equal(got.astype(object).where(got.notna(), None),
                                          want.astype(object).where(want.notna(), None),
                                          check_dtype=False, obj=name)


# -- conformance ---------------------------------------------------------------------------
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_maps_onto_canonical_tables(spec):
    seen = set()
    for entry, cols in spec.tables.items():
        t = schema.table(table_of(entry))
        seen.add(t.name)
        for name, c in cols.items():
            assert name.startswith("_") or name in t.column_names, (entry, name)
        mapped = set(cols)
        need = [c.name for c in t.columns if c.required and c.default is None]
        assert set(need) <= mapped, (entry, set(need) - mapped)
    first = next(iter(spec.tables))
    assert ":" not in first  # the grain is a plain table
    assert SOURCES[spec.name].spec is spec and isinstance(SOURCES[spec.name], MappedSource)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_output_is_canonical_typed_and_keyed(spec, exports):
    frame = exports[spec.name]
    raw = RawFile(Path(f"{spec.name}.csv"), None, frame.reset_index(drop=True),
                  pd.Series(np.arange(2, len(frame) + 2), dtype="int64"), "utf-8")
    assert detect_source(raw).name == spec.name  # no other registered format claims it
    pieces = SOURCES[spec.name].to_canonical(raw, {"salt": b"x"})
    assert pieces[0].table == next(iter(spec.tables))
    assert len(pieces[0].rejected) == 0
    for piece in pieces:
        t = schema.table(piece.table)
        val = schema.validate(piece.table, piece.frame, piece.row_numbers)
        assert len(val.quarantine) == 0, val.quarantine.head()
        good = val.good
        assert list(good.columns) == t.column_names
        assert good.dtypes.to_dict() == schema.empty_frame(piece.table).dtypes.to_dict()
        assert not good.duplicated(subset=list(t.key)).any(), piece.table
        assert (piece.row_numbers >= 2).all() and len(piece.row_numbers) == len(piece.frame)


def test_ad_tool_platforms():
    s = pd.Series(["直通车", "万相台无界", "京东快车", "京准通-购物触点", "多多场景", "巨量千川", "品牌广告",
                   None])
    assert marketing.channel_platform(s).tolist() == [
        "tmall", "tmall", "jd", "jd", "pdd", "douyin", None, None]


def test_fixture_dates_are_what_the_files_say():
    # guard against a fixture rebuilt with other values: the xlsx keeps a real date cell
    from openpyxl import load_workbook
    wb = load_workbook(MKT / "推广报表.xlsx", read_only=True)
    assert wb.sheetnames == ["淘宝推广", "全域推广"]
    cell = next(wb["淘宝推广"].iter_rows(min_row=3, max_row=3, values_only=True))[0]
    assert cell == dt.datetime(2025, 6, 18)
    assert (ERP / "库存.csv").read_bytes().decode("gbk").startswith("日期,仓库")
    assert (ERP / "采购单.csv").read_bytes().startswith(b"\xef\xbb\xbf")
