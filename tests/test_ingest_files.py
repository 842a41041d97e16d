"""Every file a seller downloads is accounted for, and damage costs only the damaged row:
GBK/UTF-8 files with a bad byte or cut in their last character, huge free-text cells,
duplicated unused columns, UTF-16 "Unicode text" and .xls workbooks, folders with other
files in them, a full disk."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecomlib.warehouse import LoadError, Warehouse

HEAD = ["订单号", "商品ID", "商家SKUID", "订购数量", "京东价", "订单金额", "应付金额", "运费金额",
        "订单状态", "下单时间", "付款确认时间", "客户姓名"]
CTX = {"shop_id": "jd_a", "salt": b"t"}


def _row(i: int, name: str = "王小明") -> list[str]:
    return [f"5000{i:02d}", f"90{i:02d}", f"SKU-{i}", "1", "10.00", "10.00", "10.00", "0.00",
            "完成", "2025-06-18 10:00:00", "2025-06-18 10:01:00", name]


def _csv(rows: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(r) + "\r\n" for r in rows)


def _load(tmp_path, files, **kw):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        res = wh.ingest(files, progress=False, context=CTX, errors="record", **kw)
        lines = wh.read("order_lines")
        q = wh.quarantine()
    return res, lines, q


@pytest.mark.parametrize("encoding, damage", [
    ("gbk", "bad byte"), ("gb18030", "bad byte"), ("gbk", "cut"), ("utf-8", "bad byte"),
    ("utf-8", "cut")])
def test_a_damaged_file_costs_only_the_damaged_row(tmp_path, encoding, damage):
    text = _csv([HEAD] + [_row(i) for i in range(1, 9)])
    data = text.encode(encoding)
    if damage == "bad byte":  # one invalid byte inside row 5's buyer name (line 6)
        at = data.index(_row(5)[-1].encode(encoding), data.index(b"500005"))
        data = data[:at] + b"\xff" + data[at + 1:]
    else:  # cut in the middle of the last character (a half-written file)
        data = data.rstrip(b"\r\n")[:-1]
    f = tmp_path / "jd.csv"
    f.write_bytes(data)
    res, lines, q = _load(tmp_path, [f])
    r = res[0]
    assert (r.rows_in, r.rows_loaded, r.rows_quarantined) == (8, 7, 1)
    bad_line = 6 if damage == "bad byte" else 9
    assert q.row_number.tolist() == [bad_line]
    assert f"open line {bad_line}" in q.reason[0] and "not valid" in q.reason[0]
    assert ("GBK" in q.reason[0]) == encoding.startswith("gb")
    assert len(lines) == 7


def test_a_huge_unused_cell_and_duplicated_unused_columns_load(tmp_path):
    head = HEAD + ["买家留言", "备注", "备注"]
    rows = [_row(i) + ["好" * 131_073 if i == 2 else "", "a", "b"] for i in range(1, 4)]
    f = tmp_path / "jd.csv"
    f.write_text(_csv([head] + rows), encoding="utf-8")
    res, lines, q = _load(tmp_path, [f])
    assert (res[0].status, res[0].rows_loaded, res[0].rows_quarantined) == ("ok", 3, 0)


@pytest.mark.slow
def test_a_64_mb_cell_does_not_refuse_the_file(tmp_path):
    head = HEAD + ["买家留言"]
    rows = [_row(1) + ["x" * (64 << 20)], _row(2) + ["ok"]]
    f = tmp_path / "jd.csv"
    f.write_text(_csv([head] + rows), encoding="utf-8")
    res, lines, _ = _load(tmp_path, [f])
    assert (res[0].status, res[0].rows_loaded) == ("ok", 2)


def test_a_used_column_named_twice_is_refused_by_name(tmp_path):
    head = HEAD + ["订购数量"]
    f = tmp_path / "jd.csv"
    f.write_text(_csv([head, _row(1) + ["2"]]), encoding="utf-8")
    res, _, _ = _load(tmp_path, [f])
    assert res[0].status == "failed"
    assert "订购数量 appear more than once" in res[0].message


def _xls(path: Path, rows: list[list[str]]) -> Path:
    import xlwt
    wb = xlwt.Workbook()
    ws = wb.add_sheet("订单")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.write(i, j, v)
    wb.save(str(path))
    return path


def test_a_downloads_folder_accounts_for_every_file(tmp_path):
    d = tmp_path / "downloads"
    d.mkdir()
    # Excel's "Unicode text": UTF-16 with BOM, tab-separated, named .txt
    (d / "jd_unicode.txt").write_bytes(_csv([HEAD, _row(1)], "\t").encode("utf-16"))
    # the same saved as .xls by a platform (text inside), and a real Excel 97-2003 workbook
    (d / "jd_disguised.xls").write_bytes(_csv([HEAD, _row(2)], "\t").encode("utf-16"))
    _xls(d / "jd_real.xls", [HEAD, _row(3)])
    # no extension, tab-separated UTF-16 inside
    (d / "jd_export").write_bytes(_csv([HEAD, _row(4)], "\t").encode("utf-16"))
    (d / "README.md").write_text("notes", encoding="utf-8")
    (d / "invoice.pdf").write_bytes(b"%PDF-1.4 ...")
    (d / "~$jd_real.xlsx").write_bytes(b"lock")
    (d / "page.xls").write_text("<html><table><tr><td>x</td></tr></table></html>")
    (d / "notes.txt").write_text("call the supplier on monday", encoding="utf-8")
    res, lines, _ = _load(tmp_path, [d])
    by = {Path(r.file.split(" [")[0]).name: r for r in res if r.table in ("order_lines", "")}
    assert set(by) == {"jd_unicode.txt", "jd_disguised.xls", "jd_real.xls", "jd_export",
                       "README.md", "invoice.pdf", "~$jd_real.xlsx", "page.xls", "notes.txt"}
    for name in ("jd_unicode.txt", "jd_disguised.xls", "jd_real.xls", "jd_export"):
        assert (by[name].status, by[name].rows_loaded) == ("ok", 1), name
    assert by["README.md"].status == by["invoice.pdf"].status == "skipped"
    assert "temporary file" in by["~$jd_real.xlsx"].message
    assert by["page.xls"].status == "failed" and "web page" in by["page.xls"].message
    assert by["notes.txt"].status == "failed" and "not recognised" in by["notes.txt"].message
    assert sorted(lines.order_id) == ["500001", "500002", "500003", "500004"]
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        log = wh.load_log(limit=None)
    assert {Path(f.split(" [")[0]).name for f in log.file} >= set(by)  # in the load log too


def test_a_full_disk_gets_a_plain_message(tmp_path, monkeypatch):
    f = tmp_path / "jd.csv"
    f.write_text(_csv([HEAD, _row(1)]), encoding="utf-8")

    def full(*a, **k):
        raise duckdb.IOException('IO Error: Could not write file "w.duckdb.wal": '
                                 'No space left on device')
    monkeypatch.setattr(Warehouse, "_upsert", full)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with pytest.raises(LoadError) as e:
            wh.ingest([f], progress=False, context=CTX)
        msg = str(e.value)
        assert "is full" in msg and "MB free now" in msg and "nothing of this file was written" in msg
        assert "unexpected" not in msg
        log = wh.load_log(limit=None)
    assert list(log.status) == ["failed"] and "is full" in log.message[0]
    assert wh is not None
