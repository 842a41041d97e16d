"""Every number, date and id cell is read as the seller sees it, or its row is quarantined
with a reason: hand-made exports with the values worked out by hand (fen exact).

* fullwidth digits, ``￥``, ``，``, ideographic spaces and zero-width characters in required
  and optional money columns (normalised with NFKC first);
* an optional value that does not parse quarantines the row (never NULL silently);
* amounts beyond 2^63-1 fen are rejected, never wrapped (``184467440737095516.17`` yuan is
  2^64 + 17 fen, which int64 arithmetic wraps to 17 fen, float arithmetic to 0);
* xlsx: doubles such as 59.97000000000001 are the fen they are within 1e-6 of, merged
  cells (主订单编号 merged down an order's lines) are filled down, typed date cells and
  Excel serial numbers in date columns are read;
* millisecond timestamps, epoch seconds and epoch milliseconds (UTC instants, shown in
  Beijing time);
* zero-width characters out of ids, provinces, cities, member identities and header names.

Every file goes through ``Warehouse.ingest``, so rows in = loaded + quarantined is checked
by physical line (CSV) or spreadsheet row (xlsx).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib import privacy, schema
from ecomlib.sources import _fill_merged, _merged_ranges, _xl, read_file
from ecomlib.sources import clean
from ecomlib.warehouse import Warehouse

SALT = b"numbers-salt"
CTX = {"shop_id": "main", "salt": SALT}
ZW = "\u200b"  # zero-width space
WJ = "\u2060"  # word joiner
BOM = "\ufeff"
IDEO = "\u3000"  # ideographic space
TOO_BIG = "is beyond the largest amount the warehouse can hold"


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "wh.duckdb")
    yield w
    w.close()


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A UTF-8 CSV written by hand (no quoting needed: no cell holds a comma)."""
    lines = [",".join(header)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _quarantine(w: Warehouse) -> dict[int, tuple[str, str]]:
    return {int(r.row_number): (r.column, r.reason) for r in w.quarantine().itertuples()}


def _ts(v) -> str | None:
    return None if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


# -- cleaners, value by value -----------------------------------------------------------------
def test_money_cells_normalised_then_exact():
    s = pd.Series(["１０", f"￥１２.５", f"{IDEO}¥1,234.50{IDEO}", "１，２３４．５０", f"1{ZW}0",
                   f"{BOM}59.90", f"5{WJ}9.9元", "−5.5", "-¥3", "99999999999999.97",
                   "92233720368547758.07", "92233720368547758.08", "184467440737095516.17",
                   "12 34", "１０.５５５", ZW, "", None], dtype=object)
    fen, bad, why = clean.clean_money_fen(s)
    assert fen.tolist() == [1000, 1250, 123450, 123450, 1000, 5990, 5990, -550, -300,
                            9999999999999997, 9223372036854775807, pd.NA, pd.NA,
                            pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]
    assert bad.tolist() == [False] * 11 + [True, True, True, True, False, False, False]
    # 2^63 fen and 2^64 + 17 fen: too large, with their own reason; the others not yuan
    assert clean.reason_at(why, 11).startswith(TOO_BIG)
    assert clean.reason_at(why, 12).startswith(TOO_BIG)
    assert clean.reason_at(why, 13) == clean.reason_at(why, 14) == clean.MONEY_REASON


def test_plain_and_careful_money_agree_at_the_edges():
    # the fast path takes up to 13 digits of yuan; the careful path (a 元 suffix) the rest
    plain = pd.Series(["9999999999999.99", "0.01", "-0.29", "1234567890123.45"])
    careful = plain + "元"
    assert clean.clean_money_fen(plain)[0].tolist() == clean.clean_money_fen(careful)[0].tolist()\
        == [999999999999999, 1, -29, 123456789012345]


def test_counts_and_numbers_normalised():
    out, bad, why = clean.clean_int(pd.Series(["３件", f"1{ZW}2", "１，２００", "99999999999999999999",
                                               "9223372036854775807", "２.0"]))
    assert out.tolist() == [3, 12, 1200, pd.NA, 9223372036854775807, 2]
    assert bad.tolist() == [False, False, False, True, False, False]
    assert clean.reason_at(why, 3).startswith("is beyond the largest whole number")
    out, bad, _ = clean.clean_float(pd.Series(["３.５％", f"1{ZW}.5", "inf", "x", ""]))
    assert out.iloc[0] == pytest.approx(0.035) and out.iloc[1] == 1.5
    assert bad.tolist() == [False, False, True, True, False]


def test_times_fractions_epochs_and_excel_serials():
    s = pd.Series(["2025-06-01 10:00:00.123",   # milliseconds kept
                   "1748743200123",             # epoch ms: 2025-06-01 02:00:00.123 UTC
                   "1748743200",                # epoch s: 2025-06-01 02:00:00 UTC
                   "1748743200.5",              # epoch s with a fraction
                   "45809.41736111111",         # Excel serial: 2025-06-01 10:01 (wall clock)
                   "45809",                     # Excel serial day
                   "２０２５-０６-０１ １０：００：００",  # fullwidth digits and colons
                   f"2025-06-01{ZW} 10:00:00",
                   "2025.06.01 10:00:00.5",
                   "2025-06-01T10:00:00.250+08:00",
                   "12345678", "明天"])
    out, bad, _ = clean.clean_ts(s)
    assert [_ts(v) for v in out] == [
        "2025-06-01 10:00:00.123", "2025-06-01 10:00:00.123", "2025-06-01 10:00:00.000",
        "2025-06-01 10:00:00.500", "2025-06-01 10:01:00.000", "2025-06-01 00:00:00.000",
        "2025-06-01 10:00:00.000", "2025-06-01 10:00:00.000", "2025-06-01 10:00:00.500",
        "2025-06-01 10:00:00.250", None, None]
    assert bad.tolist() == [False] * 10 + [True, True]
    # the instant: epoch ms is UTC; Beijing is UTC+8 all year
    utc = pd.Timestamp(1748743200123, unit="ms", tz="UTC")
    assert out.iloc[1] == utc.tz_convert("Asia/Shanghai").tz_localize(None)
    # a date column keeps the day
    assert [_ts(v) for v in clean.clean_date(pd.Series(["45809", "1748743200123"]))[0]] == \
        ["2025-06-01 00:00:00.000", "2025-06-01 00:00:00.000"]


def test_arrow_fast_path_takes_fractions_of_a_second():
    s = pd.Series(["2025-06-01 10:00:00.123", "2025-06-01 10:00:00", "2025-02-30 10:00:00.5"],
                  dtype="str")
    out, bad, _ = clean.clean_ts(s)
    assert [_ts(v) for v in out] == ["2025-06-01 10:00:00.123", "2025-06-01 10:00:00.000", None]
    assert bad.tolist() == [False, False, True]


def test_ids_regions_identities_and_headers_lose_zero_width_characters():
    out, bad, _ = clean.clean_id(pd.Series([f"{ZW}3700000000000100001", f"ＳＫＵ{WJ}-1",
                                            f"{BOM}123"]))
    assert out.tolist() == ["3700000000000100001", "SKU-1", "123"] and not bad.any()
    prov, city = clean.split_region(pd.Series([f"浙{ZW}江省 杭{ZW}州市 西湖区", "北京市朝阳区"]))
    assert prov.tolist() == ["浙江", "北京"] and city.tolist() == ["杭州", "北京"]
    assert clean.strip_region_suffix(pd.Series([f"广东{ZW}省"]), kind="province").tolist() == \
        ["广东"]
    keys = privacy.member_keys(pd.Series([f"138{ZW}0013{WJ}8000", "13800138000", ZW]), SALT)
    assert keys.iloc[0] == keys.iloc[1] == privacy.member_key("13800138000", SALT)
    assert keys.iloc[2] is None
    assert privacy.normalise_identity(f"{BOM}Buyer{ZW}One") == "buyerone"
    from ecomlib.sources import norm_header
    assert norm_header(f"{BOM}订单{ZW}编号 ") == "订单编号"


def test_xlsx_doubles_as_the_seller_sees_them():
    assert [_xl(v) for v in (59.97000000000001, 59.970000000000006, 19.9 * 3, 1234.5600000000002,
                             -3.0000000000000004, 0.1 + 0.2, 12345678901.229998)] == \
        ["59.97", "59.97", "59.7", "1234.56", "-3", "0.3", "12345678901.23"]
    # not within 1e-6 of a fen: kept as they are (a money column then rejects them)
    assert [_xl(v) for v in (59.975, 0.035, 1e-07, 45809.41736111111, 1.23456789012346e18)] == \
        ["59.975", "0.035", "1e-07", "45809.41736111111", "1.23456789012346e+18"]
    assert _xl(dt.datetime(2025, 6, 1, 10, 1, 0, 123000)) == "2025-06-01 10:01:00.123000"
    assert _xl(dt.date(2025, 6, 1)) == "2025-06-01" and _xl(dt.time(10, 0)) == "10:00:00"


def test_fill_merged_down_and_across():
    rows = [["h1", "h2", "h3"], ["A", "x", None], [None, "y"], [None, None, None],
            ["B", "z", "w"]]
    _fill_merged(rows, [(2, 1, 4, 1), (2, 2, 2, 3), (5, 1, 9, 1)])
    assert rows == [["h1", "h2", "h3"], ["A", "x", "x"], ["A", "y"], ["A", None, None],
                    ["B", "z", "w"]]


# -- Taobao/Tmall 订单报表 (CSV): optional money and time columns -------------------------------
TB_HEADER = ["订单编号", "买家会员名", f"买家应付{ZW}邮费", "买家实际支付金额", "订单状态", "收货地址",
             "联系手机", "订单创建时间", "订单付款时间", "发货时间", "确认收货时间", "退款金额"]


def test_taobao_orders_optional_cells_loaded_exact_or_quarantined(wh, tmp_path):
    f = _csv(tmp_path / "ExportOrderList_numbers.csv", TB_HEADER, [
        # line 2: fullwidth, ￥ and ，, zero-width everywhere; ms, epoch ms, Excel serial
        [f"{ZW}3700000000000200001", "买家甲", "１０", "￥１２３４．５０", "交易成功",
         f"浙{ZW}江省 杭州市 西湖区", f"138{ZW}00138000", "2025-06-01 10:00:00.123",
         "1748743260456", "２０２５-06-02 09:00:00", "45810.5", ""],
        # line 3: ideographic spaces around ¥8.00; epoch seconds; nothing paid; the phone
        # only an invisible character: the member is the buyer's account
        ["3700000000000200002", f"买家{ZW}乙", f"{IDEO}¥8.00{IDEO}", "0", "等待买家付款",
         "北京 北京市 朝阳区", ZW, "1748743200", "", "", "", ""],
        # line 4: an optional amount that is not one
        ["3700000000000200003", "买家丙", "abc", "10.00", "等待买家付款", "上海市浦东新区",
         "13700137000", "2025-06-01 11:00:00", "", "", "", ""],
        # line 5: 2^64 + 17 fen in an optional amount: too large, not wrapped
        ["3700000000000200004", "买家丁", "0", "184467440737095516.17", "等待买家付款",
         "上海市浦东新区", "13700137001", "2025-06-01 11:00:00", "", "", "", ""],
        # line 6: three decimals in an optional amount
        ["3700000000000200005", "买家戊", "0", "10.00", "等待买家付款", "上海市浦东新区",
         "13700137002", "2025-06-01 11:00:00", "", "", "", "１０.５５５"],
        # line 7: an optional time that is not one
        ["3700000000000200006", "买家己", "0", "10.00", "等待买家付款", "上海市浦东新区",
         "13700137003", "2025-06-01 11:00:00", "", "", "明天", ""],
        # line 8: the largest amount int64 fen hold, loaded to the fen
        ["3700000000000200007", "买家庚", "0", "92233720368547758.07", "等待买家付款",
         "广东省广州市天河区", "13700137004", "2025-06-01 12:00:00", "", "", "", ""],
    ])
    (res,) = wh.ingest([f], progress=False, context=CTX)
    assert res.format == "taobao_orders"
    assert (res.rows_in, res.rows_loaded, res.rows_quarantined) == (7, 3, 4)
    assert res.rows_in == res.rows_loaded + res.rows_quarantined
    o = wh.read("orders").sort_values("order_id").reset_index(drop=True)
    assert o.order_id.tolist() == ["3700000000000200001", "3700000000000200002",
                                   "3700000000000200007"]
    assert o.shipping_fee_fen.tolist() == [1000, 800, 0]
    assert o.paid_total_fen.tolist() == [123450, 0, 9223372036854775807]
    assert o.refund_total_fen.isna().tolist() == [True, True, True]  # empty in the export
    assert [_ts(v) for v in o.created_at] == ["2025-06-01 10:00:00.123",
                                              "2025-06-01 10:00:00.000",
                                              "2025-06-01 12:00:00.000"]
    # 1748743260456 ms = 2025-06-01 02:01:00.456 UTC = 10:01:00.456 in Beijing
    assert [_ts(v) for v in o.paid_at] == ["2025-06-01 10:01:00.456", None, None]
    assert _ts(o.shipped_at[0]) == "2025-06-02 09:00:00.000"
    assert _ts(o.finished_at[0]) == "2025-06-02 12:00:00.000"  # serial 45810.5
    assert o.province.tolist() == ["浙江", "北京", "广东"]
    assert o.city.tolist() == ["杭州", "北京", "广州"]
    assert o.member_key[0] == privacy.member_key("13800138000", SALT)
    assert o.member_key[1] == privacy.member_key("买家乙", SALT)
    assert o.status.tolist() == ["finished", "created", "created"]
    q = _quarantine(wh)
    assert sorted(q) == [4, 5, 6, 7]  # physical lines of the file
    assert q[4] == (f"买家应付{ZW}邮费".replace(ZW, ""),
                    "买家应付邮费 'abc' is not an amount of money in yuan (e.g. 1234.50)")
    assert q[5][0] == "买家实际支付金额"
    assert q[5][1].startswith(f"买家实际支付金额 '184467440737095516.17' {TOO_BIG}")
    assert q[6] == ("退款金额", "退款金额 '１０.５５５' is not an amount of money in yuan (e.g. 1234.50)")
    assert q[7][0] == "确认收货时间" and q[7][1].startswith("确认收货时间 '明天' is not a date-time")


# -- JD 订单导出 (CSV): required money columns ------------------------------------------------------
JD_HEADER = ["订单号", "商品ID", "订购数量", "京东价", "订单金额", "应付金额", "余额支付", "运费金额",
             "商品应付金额", "商家优惠金额", "京东优惠金额", "订单状态", "下单时间", "付款确认时间",
             "联系电话", "客户地址", "商家SKUID"]


def test_jd_required_money_normalised_or_quarantined(wh, tmp_path):
    f = _csv(tmp_path / "jd_numbers.csv", JD_HEADER, [
        # line 2: 2 x ５９.９０ = 119.80 + postage １０ = 129.80
        [f"{ZW}300000000001", "１００１", "２", "５９.９０", "１２９.８０", f"１２９.８{ZW}０", "",
         "１０", "１１９.８０", "0", "0", "完成", "2025-06-01 10:00:00", "2025-06-01 10:00:05",
         "13800138000", f"江苏省 南京市{WJ} 玄武区", f"SKU{ZW}-1"],
        # line 3: required 应付金额 beyond int64 fen
        ["300000000002", "1002", "1", "10.00", "10.00", "184467440737095516.17", "", "0",
         "10.00", "0", "0", "完成", "2025-06-01 10:00:00", "2025-06-01 10:00:05",
         "13800138001", "江苏省 南京市 玄武区", "SKU-2"],
        # line 4: required 京东价 that is only a currency sign and an invisible character
        ["300000000003", "1003", "1", f"¥{ZW}", "10.00", "10.00", "", "0", "10.00", "0", "0",
         "完成", "2025-06-01 10:00:00", "2025-06-01 10:00:05", "13800138002",
         "江苏省 南京市 玄武区", "SKU-3"],
    ])
    res = wh.ingest([f], progress=False, context=CTX)
    lines_res = res[0]
    assert lines_res.format == "jd_orders" and lines_res.table == "order_lines"
    assert (lines_res.rows_in, lines_res.rows_loaded, lines_res.rows_quarantined) == (3, 1, 2)
    lines = wh.read("order_lines")
    assert lines[["order_id", "platform_sku_id", "sku", "quantity", "list_price_fen",
                  "paid_fen", "shop_discount_fen", "platform_discount_fen"]].values.tolist() == \
        [["300000000001", "1001", "SKU-1", 2, 5990, 11980, 0, 0]]
    o = wh.read("orders")
    assert o[["order_id", "shipping_fee_fen", "paid_total_fen", "province", "city"]] \
        .values.tolist() == [["300000000001", 1000, 12980, "江苏", "南京"]]
    q = _quarantine(wh)
    assert sorted(q) == [3, 4]
    assert q[3][0].startswith("应付金额") and f"应付金额 '184467440737095516.17' {TOO_BIG}" in q[3][1]
    assert q[4][0].startswith("京东价") and "is not an amount of money in yuan" in q[4][1]


# -- Taobao/Tmall 宝贝报表 (xlsx): merged cells, typed doubles, typed dates, serials ------------------
ITEM_HEADER = ["主订单编号", "子订单编号", "商家编码", "商品ID", "商品价格", "购买数量", "买家应付货款",
               "买家实付金额", "订单状态", "退款状态", "退款金额", "订单创建时间", "订单付款时间"]


def _items_workbook(path: Path) -> Path:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "订单明细"
    ws.append(ITEM_HEADER)
    created = dt.datetime(2025, 6, 1, 10, 0, 0)
    # row 2: doubles a formula leaves (19.99 x 3 = 59.97000000000001; 19.9 x 3 =
    # 59.699999999999996), a typed date-time, an Excel serial typed as a number (10:01)
    ws.append(["3700000000000300001", "3700000000000300011", "SKU-A", "501", 19.99 * 3, 2,
               19.99 * 6, 19.9 * 3 * 2, "交易成功", "没有申请退款", None, created,
               45809.41736111111])
    # row 3: merged with row 2 in 主订单编号; paid time with milliseconds, typed
    ws.append([None, "3700000000000300012", "SKU-B", "502", 0.1 + 0.2, 10, 3.0000000000000004,
               3, "交易成功", "退款成功", 1.1 * 3, created, dt.datetime(2025, 6, 1, 10, 1, 0, 123000)])
    # row 4: merged too; a price that is not a whole fen (59.975): quarantined
    ws.append([None, "3700000000000300013", "SKU-C", "503", 59.975, 1, 59.97, 59.97,
               "交易成功", "没有申请退款", None, created, 45809.41736111111])
    # row 5: another order, text cells with fullwidth digits and a zero-width character
    ws.append([f"{ZW}3700000000000300002", "3700000000000300021", "SKU-D", "504", "１９.９０",
               "１", "１９.９０", "１９.９０", "等待买家付款", "没有申请退款", None,
               "2025-06-01 11:00:00.250", None])
    ws.merge_cells("A2:A4")
    wb.save(path)
    return path


def test_xlsx_merged_cells_filled_down(tmp_path):
    path = _items_workbook(tmp_path / "ExportOrderDetailList_merged.xlsx")
    from openpyxl import load_workbook
    wb = load_workbook(path, read_only=True, data_only=True)
    assert _merged_ranges(wb, wb.worksheets[0]) == [(2, 1, 4, 1)]
    wb.close()
    (raw,) = read_file(path)
    assert raw.frame["主订单编号"].tolist() == ["3700000000000300001"] * 3 + [
        f"{ZW}3700000000000300002"]
    assert raw.row_numbers.tolist() == [2, 3, 4, 5]


def test_xlsx_items_doubles_dates_serials_and_merges_through_ingest(wh, tmp_path):
    path = _items_workbook(tmp_path / "ExportOrderDetailList_merged.xlsx")
    lines_res, refunds_res = wh.ingest([path], progress=False, context=CTX)
    assert (lines_res.rows_in, lines_res.rows_loaded, lines_res.rows_quarantined) == (4, 3, 1)
    assert lines_res.rows_in == lines_res.rows_loaded + lines_res.rows_quarantined
    lines = wh.read("order_lines").sort_values("line_id").reset_index(drop=True)
    assert lines[["order_id", "line_id", "sku", "quantity", "list_price_fen", "paid_fen",
                  "shop_discount_fen", "platform_discount_fen"]].values.tolist() == [
        # 59.97 x 2 = 119.94; 应付 119.94 -> shop 0; 实付 119.40 -> platform 0.54
        ["3700000000000300001", "3700000000000300011", "SKU-A", 2, 5997, 11940, 0, 54],
        # 0.30 x 10 = 3.00; 应付 3.00; 实付 3 -> no discounts
        ["3700000000000300001", "3700000000000300012", "SKU-B", 10, 30, 300, 0, 0],
        ["3700000000000300002", "3700000000000300021", "SKU-D", 1, 1990, 1990, 0, 0],
    ]
    refunds = wh.read("refunds")
    assert refunds[["refund_id", "refund_fen", "status"]].values.tolist() == [
        ["3700000000000300001-3700000000000300012", 330, "refunded"]]  # 1.1 x 3 = 3.30
    # the typed paid time (with its milliseconds) is when the case is dated
    assert _ts(refunds.requested_at[0]) == "2025-06-01 10:01:00.123"
    q = _quarantine(wh)
    assert list(q) == [4]
    assert q[4] == ("商品价格", "商品价格 '59.975' is not an amount of money in yuan (e.g. 1234.50)")


def test_xlsx_serial_paid_time_is_the_wall_clock(wh, tmp_path):
    """A refund dated by an Excel serial typed as a number: 45809.41736111111 = 10:01."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(ITEM_HEADER)
    ws.append(["3700000000000400001", "3700000000000400011", "SKU-A", "501", 10.0, 1, 10.0,
               10.0, "交易成功", "退款成功", 9.999999999999998, dt.datetime(2025, 6, 1, 10, 0),
               45809.41736111111])
    path = tmp_path / "ExportOrderDetailList_serial.xlsx"
    wb.save(path)
    wh.ingest([path], progress=False, context=CTX)
    r = wh.read("refunds")
    assert r.refund_fen.tolist() == [1000]
    assert _ts(r.requested_at[0]) == "2025-06-01 10:01:00.000"


# -- canonical files: the schema's parsers ----------------------------------------------------------
def test_canonical_orders_normalised_and_overflow_quarantined(wh, tmp_path):
    f = _csv(tmp_path / "orders.csv",
             ["platform", "shop_id", "order_id", "province", "created_at", "paid_at", "status",
              "shipping_fee_fen"], [
        ["tmall", "main", f"{ZW}A1", f"浙江{ZW}", "1748743200123", "2025-06-01 10:00:01.5",
         "paid", "１０００"],
        ["tmall", "main", "A2", "", "45809.5", "", "created", f"{IDEO}0{IDEO}"],
        ["tmall", "main", "A3", "", "2025-06-01 10:00:00", "", "created",
         "9223372036854775808"],
        ["tmall", "main", "A4", "", "2025-06-01 10:00:00", "", "created", "１２x"],
        ["tmall", "main", "A5", "", "2025-06-01 10:00:00", "", "created",
         "9223372036854775807"],
    ])
    (res,) = wh.ingest([f], progress=False, context=CTX)
    assert (res.rows_in, res.rows_loaded, res.rows_quarantined) == (5, 3, 2)
    o = wh.read("orders").sort_values("order_id").reset_index(drop=True)
    assert o.order_id.tolist() == ["A1", "A2", "A5"]
    assert o.shipping_fee_fen.tolist() == [1000, 0, 9223372036854775807]
    assert o.province.tolist()[0] == "浙江"
    assert [_ts(v) for v in o.created_at] == ["2025-06-01 10:00:00.123",
                                              "2025-06-01 12:00:00.000",
                                              "2025-06-01 10:00:00.000"]
    assert _ts(o.paid_at[0]) == "2025-06-01 10:00:01.500"
    q = _quarantine(wh)
    assert sorted(q) == [4, 5]
    assert q[4] == ("shipping_fee_fen", "shipping_fee_fen '9223372036854775808' is beyond the "
                    "largest whole number the warehouse can hold (2^63-1)")
    assert q[5] == ("shipping_fee_fen", "shipping_fee_fen '１２x' is not a whole number")


def test_schema_parsers_take_stored_doubles_and_reject_overflow():
    out, bad, why = schema._parse_int(pd.Series([5997.000000000001, 59.975, np.nan, 1e19, -2.0]))
    assert out.tolist() == [5997, pd.NA, pd.NA, pd.NA, -2]
    assert bad.tolist() == [False, True, False, True, False]
    assert schema._reason_at(why, 3).startswith("is beyond the largest whole number")
    out, bad, _ = schema._parse_int(pd.Series(["123456789012345678", "+5", "12.00", "１０",
                                               f"{ZW}7"]))
    assert out.tolist() == [123456789012345678, 5, 12, 10, 7] and not bad.any()
    out, bad, _ = schema._parse_float(pd.Series(["７.１", "inf", "nan"]))
    assert out.tolist()[0] == 7.1 and bad.tolist() == [False, True, True]
    assert schema._blank(pd.Series([ZW, " ", "a", None])).tolist() == [True, True, False, True]
