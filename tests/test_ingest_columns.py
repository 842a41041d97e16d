"""An order export is read with only the columns its format reads (warehouse._mapped_columns,
sources.read_file(columns=...)): the warehouse ends up exactly as when every column is read,
whatever the file holds in the columns left out (blank rows, totals rows, damaged bytes)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import warehouse as W
from ecomlib.sources import _utf8_valid, detect_source, read_file
from ecomlib.warehouse import Warehouse
from load_snapshot import snapshot

DATA = Path(__file__).parent / "data"
JD = DATA / "jd" / "jd_order_export_mess.csv"


def _jd_lines() -> tuple[str, list[str]]:
    header, *rows = JD.read_text(encoding="utf-8-sig").splitlines()
    return header, rows


def _variants(tmp_path: Path) -> dict[str, Path]:
    """JD exports (the messy fixture's rows) with something in a column no rule reads (订单备注,
    the 18th) or a blank first cell; each short (read from memory) and long (> 256 KB: read
    by pyarrow from the file, its UTF-8 checked block-wise)."""
    header, rows = _jd_lines()
    width = len(header.split(","))
    plain = rows[:2]  # (one whole order, its two lines: the padding of a long file)
    note = plain[0].split(",")
    assert note[17] == "尽快发货"  # (订单备注: no rule reads it)

    def with_note(text: str, first: str | None = None) -> str:
        cells = list(note)
        cells[17] = text
        if first is not None:
            cells[0] = first
        return ",".join(cells)
    total = [""] * width
    total[17] = "合计"
    cases = {
        "plain": rows,
        "blank_rows": rows[:3] + ["," * (width - 1), " , ,\u3000" + "," * (width - 3)] + rows[3:],
        "trailing_empty_lines": rows + ["", ",", ""],
        "empty_first_cell": rows[:2] + [with_note("x", first="")] + rows[2:],
        "blank_first_cell": rows[:2] + [with_note("x", first=" ")] + rows[2:],
        "totals_in_unread_column": rows + [",".join(total)],
        "quoted_blank_row": rows[:2] + ['""' + "," * (width - 1)] + rows[2:],
        "damaged_unread_cell": rows[:2] + [with_note("\udcff")] + rows[2:],
    }
    out = {}
    for name, body in cases.items():
        for size, repeat in (("short", 1), ("long", 1 + 300_000 // len("\n".join(plain)))):
            lines = [header] + body[:1] + plain * (repeat - 1) + body[1:]
            p = tmp_path / size / name / f"jd_order_export_{name}.csv"
            p.parent.mkdir(parents=True)
            p.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8", "surrogateescape"))
            out[f"{size}/{name}"] = p
    return out


def _mapped(raw, ctx):
    pieces = detect_source(raw).to_canonical(raw, ctx)
    return raw, pieces


def test_utf8_check_across_blocks():
    text = "订单号,商品😀".encode()
    assert _utf8_valid(text) == (True, b"")
    for cut in range(1, len(text)):  # a character cut by a block's end waits for the next
        ok, carry = _utf8_valid(text[:cut])
        assert ok and _utf8_valid(carry + text[cut:]) == (True, b"")
    for bad in (b"ab\xff", b"\xed\xa0\x80", b"a\xe4\xb8\xad\xb8", b"\xc3x"):
        assert _utf8_valid(bad)[0] is False


def test_columns_left_out_change_nothing(tmp_path, monkeypatch):
    """Each variant read with the format's columns and read whole: the same rows, row
    numbers, blank and totals rows, problems, encoding and mapped pieces."""
    ctx = {"salt": b"test-salt", "shop_id": "s1"}
    narrowed = set()
    for name, path in _variants(tmp_path).items():
        raw_n, pieces_n = _mapped(read_file(path, columns=W._mapped_columns(path, None))[0], ctx)
        raw_w, pieces_w = _mapped(read_file(path)[0], ctx)
        if raw_n.frame.shape[1] < raw_w.frame.shape[1]:
            narrowed.add(name)
        assert (raw_n.blank_rows, raw_n.problems, raw_n.encoding, raw_n.rows_in) == (
            raw_w.blank_rows, raw_w.problems, raw_w.encoding, raw_w.rows_in), name
        pd.testing.assert_series_equal(raw_n.row_numbers, raw_w.row_numbers, obj=name)
        assert [p.table for p in pieces_n] == [p.table for p in pieces_w]
        for a, b in zip(pieces_n, pieces_w):
            pd.testing.assert_frame_equal(a.frame, b.frame, obj=f"{name} {a.table}")
            pd.testing.assert_series_equal(a.row_numbers, b.row_numbers, obj=name)
            for x, y in ((a.rejected, b.rejected), (a.replace_orders, b.replace_orders)):
                assert (x is None) == (y is None)
                if x is not None:
                    pd.testing.assert_frame_equal(x, y, obj=f"{name} {a.table}")
    # read narrow where nothing in the left-out columns can matter
    assert {"short/plain", "long/plain", "long/blank_rows", "long/trailing_empty_lines",
            "long/blank_first_cell", "short/blank_rows"} <= narrowed
    # and whole where it could: a quote, a blank first cell on a row with content, a totals
    # word in a column not read, a file that is not UTF-8 throughout
    assert not {"long/empty_first_cell", "long/totals_in_unread_column",
                "long/quoted_blank_row", "long/damaged_unread_cell"} & narrowed


def test_warehouse_loads_the_same_with_columns_left_out(tmp_path, monkeypatch):
    """The platforms' messy exports and the variants, chunked (two rows at a time, member keys
    and regions shared by the chunks) in worker processes: the warehouse as when every
    column is read."""
    monkeypatch.setenv("ECOMLIB_SALT", "test-salt")
    data = tmp_path / "in"
    for sub in ("taobao", "jd", "pdd", "douyin"):
        shutil.copytree(DATA / sub, data / sub)
    for name, path in _variants(tmp_path / "v").items():
        if name.startswith("short/"):
            shutil.copy(path, data / "jd")
    monkeypatch.setattr(W, "CHUNK_ROWS", 2)
    snaps = []
    for narrow in (True, False):
        if not narrow:
            monkeypatch.setattr(W, "_mapped_columns", lambda path, fmt: None)
        with Warehouse(tmp_path / f"wh{narrow}.duckdb") as w:
            w.ingest([data], progress=False, errors="record", workers=2,
                     context={"shop_id": "s1"})
            snaps.append(snapshot(w))
    for name in snaps[0]:
        pd.testing.assert_frame_equal(snaps[0][name], snaps[1][name], obj=name)
    assert len(snaps[0]["quarantine"]) > 0 and len(snaps[0]["orders"]) > 0


@pytest.mark.parametrize("fmt", [None, "jd_orders"])
def test_columns_asked_for_are_the_formats(tmp_path, fmt):
    header = _jd_lines()[0].split(",")
    cols = W._mapped_columns(tmp_path / "x.csv", fmt)(header)
    names = [header[i] for i in cols]
    assert names[0] == "订单号" and "订单备注" not in names and "客户姓名" not in names
    assert {"商品ID", "订购数量", "京东价", "联系电话", "客户地址"} <= set(names)
    # not an order export, or no format: every column
    assert W._mapped_columns(tmp_path / "x.csv", None)(["a", "b"]) is None
