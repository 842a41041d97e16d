"""ecomlib.excel: the workbook every report writes, read back with openpyxl."""
import datetime as dt

import numpy as np
import openpyxl
import pandas as pd

from ecomlib import excel


def _rows(ws):
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_money_rates_dates_and_empty_cells(tmp_path):
    df = pd.DataFrame({
        "shop_id": ["t1", "=SUM(A1)", "00123"],
        "paid_fen": pd.array([12345, -5, None], dtype="Int64"),
        "refund_rate": [0.25, np.nan, 1.0],
        "price_fen": [np.inf, 1.5, -np.inf],
        "paid_at": pd.to_datetime(["2025-01-01 10:00:00", None, "2025-06-18 23:59:59"])
        .tz_localize("Asia/Shanghai"),
        "day": [dt.date(2025, 1, 1), dt.date(2025, 2, 28), None],
        "is_new": [True, False, True],
        "count_orders": [3, 0, 7],
    })
    p = excel.write_tables({"t": df}, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(p)["t"]
    rows = _rows(ws)
    assert rows[0] == ["shop_id", "paid_yuan", "refund_rate", "price_yuan", "paid_at", "day",
                       "is_new", "count_orders"]
    # 12345 fen = 123.45 yuan; 1.5 fen = 0.015 yuan; text that looks like a formula or a
    # number stays text; Beijing wall-clock time without the zone
    assert rows[1] == ["t1", 123.45, 0.25, "inf", dt.datetime(2025, 1, 1, 10, 0), dt.datetime(2025, 1, 1),
                       True, 3]
    assert rows[2] == ["=SUM(A1)", -0.05, None, 0.015, None, dt.datetime(2025, 2, 28), False, 0]
    assert rows[3] == ["00123", None, 1.0, "-inf", dt.datetime(2025, 6, 18, 23, 59, 59), None, True, 7]
    # empty cells keep their column's format
    assert [c.number_format for c in ws[3]][1:5] == ["#,##0.00", "0.0%", "#,##0.00",
                                                     "YYYY-MM-DD HH:MM:SS"]
    assert ws["F2"].number_format == "YYYY-MM-DD"


def test_headers_sheet_names_and_empty_workbook(tmp_path):
    long_name = "a_sheet_name_longer_than_excel_allows"
    p = excel.write_tables({long_name: pd.DataFrame({"a_fen": [100], "a": [1]}),
                            "skipped": None, "none": pd.DataFrame({"x": []})},
                           tmp_path / "h.xlsx", headers=lambda c: "金额" if c in ("a", "a_fen") else c)
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == [long_name[:31], "none"]
    assert _rows(wb[long_name[:31]]) == [["金额", "金额 (a)"], [1.0, 1]]
    assert _rows(wb["none"]) == [["x"]]
    wb = openpyxl.load_workbook(excel.write_tables({}, tmp_path / "e.xlsx"))
    assert wb.sheetnames == ["empty"] and "no data" in wb["empty"]["A2"].value


def test_safe_sheet_name_by_hand():
    taken: set = set()
    assert excel.safe_sheet_name("采购单-上海/杭州[华东]", taken) == "采购单-上海_杭州_华东_"
    long = "采购单-" + "很长的供应商名称" * 5                      # 44 characters
    first = excel.safe_sheet_name(long, taken)
    assert first == long[:31]
    assert excel.safe_sheet_name(long, taken) == long[:28] + "(2)"  # still 31, unique
    assert excel.safe_sheet_name(long, taken) == long[:28] + "(3)"
    assert excel.safe_sheet_name("'", taken) == "_" and len(taken) == 5


def test_a_streamed_and_a_kept_workbook_hold_the_same_cells(tmp_path, monkeypatch):
    """Up to STREAM_ABOVE_CELLS cells XlsxWriter keeps the workbook (shared strings), above
    it streams it row by row (inline text): the same values, formats, widths and filters."""
    import zipfile
    df = pd.DataFrame({
        "shop_id": ["天猫店", "=SUM(A1)", "00123", "天猫店"] * 3,
        "paid_fen": pd.array([12345, -5, None, 7] * 3, dtype="Int64"),
        "refund_rate": [0.25, np.nan, 1.0, 0.0] * 3,
        "day": [dt.date(2025, 1, 1), None, dt.date(2025, 2, 28), dt.date(2025, 3, 1)] * 3,
        "is_new": [True, False, True, False] * 3})
    kept = excel.write_tables({"t": df, "u": df.head(2)}, tmp_path / "kept.xlsx", lang="zh")
    monkeypatch.setattr(excel, "STREAM_ABOVE_CELLS", len(df) * 5)  # 60 + 10 cells > 60
    streamed = excel.write_tables({"t": df, "u": df.head(2)}, tmp_path / "streamed.xlsx",
                                  lang="zh")
    names = [set(zipfile.ZipFile(p).namelist()) for p in (kept, streamed)]
    assert "xl/sharedStrings.xml" in names[0] and "xl/sharedStrings.xml" not in names[1]
    a, b = openpyxl.load_workbook(kept), openpyxl.load_workbook(streamed)
    assert a.sheetnames == b.sheetnames == ["t", "u"]
    for name in a.sheetnames:
        wa, wb_ = a[name], b[name]
        assert _rows(wa) == _rows(wb_)
        assert [[c.number_format for c in r] for r in wa.iter_rows()] == \
            [[c.number_format for c in r] for r in wb_.iter_rows()]
        assert wa.auto_filter.ref == wb_.auto_filter.ref and wa.freeze_panes == wb_.freeze_panes
        assert {k: d.width for k, d in wa.column_dimensions.items()} == \
            {k: d.width for k, d in wb_.column_dimensions.items()}
    assert _rows(a["t"])[1] == ["天猫店", 123.45, 0.25, dt.datetime(2025, 1, 1), "是"]
