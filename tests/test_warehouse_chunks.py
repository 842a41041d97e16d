"""A long order export is mapped a chunk of whole orders at a time (warehouse.CHUNK_ROWS):
the warehouse ends up exactly as when the file is mapped whole."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib import warehouse as W
from ecomlib.sources import detect_source, read_file
from ecomlib.warehouse import Warehouse
from load_snapshot import snapshot

DATA = Path(__file__).parent / "data"


@pytest.fixture
def exports(tmp_path) -> Path:
    """The platforms' messy exports, plus a JD export whose first order has one more line at
    the end of the file (an order not in one run of rows)."""
    data = tmp_path / "in"
    for sub in ("taobao", "jd", "pdd", "douyin"):
        shutil.copytree(DATA / sub, data / sub)
    jd = (DATA / "jd" / "jd_order_export_mess.csv").read_text(encoding="utf-8-sig")
    lines = jd.splitlines()
    (data / "jd" / "jd_order_export_stray.csv").write_text(
        "\n".join(lines + [lines[1].replace(",2,", ",3,", 1)]) + "\n", encoding="utf-8-sig")
    return data


def test_chunked_mapping_loads_what_whole_mapping_loads(tmp_path, exports, monkeypatch):
    monkeypatch.setenv("ECOMLIB_SALT", "test-salt")
    snaps, results = [], []
    # mapped whole; then two rows (whole orders) at a time; then so in worker processes,
    # whose chunks and pieces go through Arrow IPC files (warehouse._Spilled)
    for rows, workers in ((10**9, 0), (2, 0), (2, 2)):
        monkeypatch.setattr(W, "CHUNK_ROWS", rows)
        with Warehouse(tmp_path / f"wh{rows}-{workers}.duckdb") as w:
            res = w.ingest([exports], progress=False, errors="record", workers=workers,
                           context={"shop_id": "s1"})
            results.append([(Path(r.file).name, r.table, r.status, r.rows_in, r.rows_loaded,
                             r.rows_inserted, r.rows_quarantined, r.rows_blank, r.rows_retired)
                            for r in res])
            snaps.append(snapshot(w))
    assert results[0] == results[1] == results[2]
    for name in snaps[0]:
        pd.testing.assert_frame_equal(snaps[0][name], snaps[1][name], obj=name)
        pd.testing.assert_frame_equal(snaps[0][name], snaps[2][name], obj=name)
    assert len(snaps[0]["quarantine"]) > 0 and len(snaps[0]["order_lines"]) > 0


def test_spilled_frames_come_back_exactly(tmp_path):
    """A worker's frames and series go to the writer as Arrow IPC files and come back the
    same (dtypes, index, names, values); what Arrow cannot hold stays as it is."""
    frame = pd.DataFrame({
        "text": pd.array(["a", None, "中文"], dtype="str"),
        "amount": pd.array([1, None, 3], dtype="Int64"),
        "at": pd.to_datetime(["2025-01-01 10:00", None, "2025-01-03 00:00"]).astype("datetime64[us]"),
        "rate": [1.5, np.nan, 2.0], "flag": [True, False, True],
        "raw": pd.Series(["x", None, "{\"a\": 1}"], dtype=object)}, index=[5, 7, 9])
    rows = pd.Series([2, 3, 5], dtype="int64", name="row")
    for obj in (frame, frame.reset_index(drop=True), rows, rows.rename(None)):
        spilled = W._Spilled.write(obj, str(tmp_path))
        assert isinstance(spilled, W._Spilled) and Path(spilled.path).exists()
        back = spilled.read()
        assert not Path(spilled.path).exists()  # the file goes once read
        if isinstance(obj, pd.Series):
            pd.testing.assert_series_equal(back, obj, check_exact=True)
        else:
            pd.testing.assert_frame_equal(back, obj, check_exact=True)
    mixed = pd.DataFrame({"v": pd.Series([1, "a"], dtype=object)})
    assert W._Spilled.write(mixed, str(tmp_path)) is mixed  # (stays in the pickle)
    assert W._Spilled.write(None, str(tmp_path)) is None
    empty = frame.iloc[:0]
    assert W._Spilled.write(empty, str(tmp_path)) is empty
    assert list(tmp_path.iterdir()) == []


def test_spilled_chunks_put_together_in_arrow(tmp_path):
    """A chunked export's pieces are put together in their Arrow files (_Spilled.concat):
    the frame read back is the pandas concatenation in file order; other dtypes are left
    to that concatenation (None)."""
    def chunk(lo, hi):
        return pd.DataFrame({
            "text": pd.array([f"t{i}" if i % 3 else None for i in range(lo, hi)], dtype="str"),
            "amount": pd.array([i if i % 4 else None for i in range(lo, hi)], dtype="Int64"),
            "at": pd.to_datetime([f"2025-01-{1 + i % 28:02d} 10:00" for i in range(lo, hi)]
                                 ).astype("datetime64[us]"),
            "flag": [bool(i % 2) for i in range(lo, hi)]})
    frames = [chunk(0, 5), chunk(5, 7), chunk(7, 12)]
    order = np.array([0, 5, 1, 2, 6, 3, 4, 7, 8, 11, 9, 10])
    want = pd.concat(frames, ignore_index=True).iloc[order].reset_index(drop=True)
    for o, w in ((order, want), (None, pd.concat(frames, ignore_index=True))):
        parts = [W._Spilled.write(f, str(tmp_path)) for f in frames]
        joined = W._Spilled.concat(parts, o, str(tmp_path))
        assert isinstance(joined, W._Spilled)
        # rows to reorder: one new file; in file order already: the chunks' files as they
        # are, read one after the other (a multi-file spill)
        assert len(list(tmp_path.iterdir())) == (1 if o is not None else 3)
        assert len(joined.more) == (0 if o is not None else 2) and joined.rows == 12
        pd.testing.assert_frame_equal(joined.read(), w, check_exact=True)
        assert list(tmp_path.iterdir()) == []  # (read: every file gone)
    other = chunk(12, 14).astype({"amount": "float64"})
    parts = [W._Spilled.write(f, str(tmp_path)) for f in (frames[0], other)]
    assert W._Spilled.concat(parts, None, str(tmp_path)) is None
    assert W._Spilled.concat([parts[0], frames[1]], None, str(tmp_path)) is None
    assert all(Path(p.path).exists() for p in parts)  # (left for the pandas way)
    for p in parts:
        p.read()


def test_multi_file_spill_gives_the_pieces_of_the_single_file_path(tmp_path, monkeypatch):
    """A long export mapped in chunks in a worker (spill): each table's chunks, in file
    order, are handed over as their own files read one after the other; the pieces read
    back are those of the concatenation written again as one file (the code before) and
    those of mapping without a spill: frames, row numbers, rejected rows, whole orders."""
    import dataclasses

    from ecomlib import demo
    demo.write_demo(tmp_path / "demo", demo.DemoConfig(members=150, skus=20, end="2024-04-30"),
                    layout="exports")
    monkeypatch.setattr(W, "CHUNK_ROWS", 40)
    ctx = {"shop_id": "s1", "salt": b"test-salt"}
    one_file = W._Spilled.concat.__func__

    def single(cls, parts, order, folder):  # the code before: always one new file
        if order is None and parts and all(isinstance(p, cls) for p in parts):
            order = np.arange(sum(p.rows for p in parts))
        return one_file(cls, parts, order, folder)

    multi = 0
    for f in sorted((tmp_path / "demo" / "orders").glob("*.csv")):
        got = {}
        for way in ("none", "multi", "single"):
            raw, = read_file(f)
            src = detect_source(raw)
            if W._order_chunks(src, raw, 40) is None:
                break
            folder = tmp_path / "spill" / way
            folder.mkdir(parents=True, exist_ok=True)
            with monkeypatch.context() as m:
                if way == "single":
                    m.setattr(W._Spilled, "concat", classmethod(single))
                pieces = W._to_canonical_in_chunks(src, raw, dict(ctx),
                                                   spill=None if way == "none" else str(folder))
            if way == "multi":
                multi += sum(len(p.frame.more) > 0 for p in pieces
                             if isinstance(p.frame, W._Spilled))
            got[way] = [dataclasses.astuple(W._unspill(p)) for p in pieces]
            assert list(folder.iterdir()) == [] or way == "none"
        if not got:
            continue
        for a, b, c in zip(got["none"], got["multi"], got["single"]):
            for x, y, z in zip(a, b, c):
                for other in (y, z):
                    if isinstance(x, pd.DataFrame):
                        pd.testing.assert_frame_equal(other, x, check_exact=True)
                    elif isinstance(x, pd.Series):
                        pd.testing.assert_series_equal(other, x, check_exact=True)
                    else:
                        assert other == x
    assert multi > 0  # (the multi-file hand-over was taken)


def test_worker_pool_leaves_no_files(tmp_path, exports, monkeypatch):
    """The pool's private folder of Arrow files is removed when the ingest ends."""
    import tempfile
    monkeypatch.setenv("ECOMLIB_SALT", "test-salt")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with Warehouse(tmp_path / "wh.duckdb") as w:
        res = w.ingest([exports], progress=False, errors="record", workers=2,
                       context={"shop_id": "s1"})
    assert any(r.rows_loaded for r in res)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_order_chunks_keep_each_order_in_one_chunk(exports):
    raw, = read_file(exports / "jd" / "jd_order_export_stray.csv")
    chunk = W._order_chunks(detect_source(raw), raw, 2)
    assert chunk is not None and chunk.max() >= 1
    ids = raw.frame["订单号"].to_numpy()
    for oid in set(ids):
        assert len(set(chunk[ids == oid])) == 1  # an order's rows: one chunk
    # not an order export, or short: not cut
    assert W._order_chunks(detect_source(raw), raw, len(raw.frame)) is None


def test_order_id_codes_tell_the_same_orders_apart_as_the_text():
    """_id_codes (numbers for plain digit ids) groups rows exactly as the dictionary
    encoding of the text does, for ids that are numbers and ids that only look like them
    (leading zeros, beyond int64, letters, empty)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def groups(codes):  # each row's first row with the same code
        first = {}
        return [first.setdefault(int(c), i) for i, c in enumerate(codes)]

    cases = [
        ["3700000000183619699", "12", "3700000000183619699", "9", "12"],  # numbers
        ["9223372036854775807", "1", "9223372036854775807"],  # int64's largest
        ["9223372036854775808", "9223372036854775808", "1"],  # one beyond: as text
        ["0123", "123", "123", "0123"],  # a leading zero: another order
        ["0", "00", "0"],
        ["12a", "12", "12a"], ["12", "", "12", ""], ["x"], ["5"],
    ]
    for ids in cases:
        arr = pa.array(ids, type=pa.large_string())
        want = pc.dictionary_encode(arr).indices.to_numpy(zero_copy_only=False)
        assert groups(W._id_codes(arr)) == groups(want), ids


def test_order_chunks_of_dashed_and_wrapped_ids(tmp_path):
    """PDD-style ids (="240101-100000000000789", dashes dropped as a plain substring) are
    cut exactly as by the regular expression's rewrite of every odd id and the text's
    dictionary encoding (the cuts before _id_codes and the dash path)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ecomlib.sources import RawFile
    from ecomlib.sources.pdd import SPEC

    def reference(ids, rows):
        arr = pa.array(ids, type=pa.large_string())
        odd = pc.invert(pc.or_(pc.ascii_is_alnum(arr), pc.equal(arr, "")))
        arr = pc.replace_with_mask(arr, odd, pc.replace_substring_regex(
            arr.filter(odd), r"[^0-9A-Za-z]", ""))
        codes = pc.dictionary_encode(arr).indices.to_numpy(zero_copy_only=False)
        first_row = np.full(codes.max() + 1, len(codes), dtype=np.int64)
        np.minimum.at(first_row, codes, np.arange(len(codes)))
        starts, cuts = np.sort(first_row), [0]
        while (k := int(np.searchsorted(starts, cuts[-1] + rows))) < len(starts):
            cuts.append(int(starts[k]))
        return np.searchsorted(np.array(cuts), first_row[codes], side="right") - 1

    src = type("S", (), {"spec": SPEC})()
    dashed = ['="240101-1"', "2401011", "240101-2", '="240101-1"', "\t240101-2", "-x-1-",
              "x1", "", '="1-2"', "12", "1-2-", "240101-2"]
    for ids in (dashed, dashed[:-1] + ["1 2"], dashed[:-1] + ["1-2x-"], ["=\"007\"", "7", "007"]):
        raw = RawFile(tmp_path / "p.csv", None, pd.DataFrame({"订单号": pd.array(ids, dtype="str")}),
                      pd.Series(range(2, 2 + len(ids)), dtype="int64"), "utf-8")
        for rows in (1, 2, 3):
            got = W._order_chunks(src, raw, rows)
            want = reference(ids, rows)
            if got is None:  # (one chunk: not cut)
                assert want.max() == 0, (ids, rows)
            else:
                assert np.array_equal(got, want), (ids, rows, got, want)
