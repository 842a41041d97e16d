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

DATA = Path(__file__).parent / "data"


def _snapshot(w: Warehouse) -> dict:
    out = {t: w.sql(f"SELECT * EXCLUDE (_load_id) FROM {t} ORDER BY ALL")
           for t in ("orders", "order_lines", "refunds")}
    out["quarantine"] = w.sql('SELECT file, table_name, row_number, "column", reason, raw '
                              "FROM quarantine ORDER BY ALL")
    out["load_log"] = w.sql(
        "SELECT file, format, table_name, rows_in, rows_loaded, rows_inserted, rows_updated, "
        "rows_unchanged, rows_quarantined, rows_blank, encoding, ignored_columns, status, "
        "message FROM load_log ORDER BY load_id")
    return out


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
    for rows in (10**9, 2):  # mapped whole; then two rows (whole orders) at a time
        monkeypatch.setattr(W, "CHUNK_ROWS", rows)
        with Warehouse(tmp_path / f"wh{rows}.duckdb") as w:
            res = w.ingest([exports], progress=False, errors="record", workers=0,
                           context={"shop_id": "s1"})
            results.append([(Path(r.file).name, r.table, r.status, r.rows_in, r.rows_loaded,
                             r.rows_inserted, r.rows_quarantined, r.rows_blank, r.rows_retired)
                            for r in res])
            snaps.append(_snapshot(w))
    assert results[0] == results[1]
    for name in snaps[0]:
        pd.testing.assert_frame_equal(snaps[0][name], snaps[1][name], obj=name)
    assert len(snaps[0]["quarantine"]) > 0 and len(snaps[0]["order_lines"]) > 0


def test_order_chunks_keep_each_order_in_one_chunk(exports):
    raw, = read_file(exports / "jd" / "jd_order_export_stray.csv")
    chunk = W._order_chunks(detect_source(raw), raw, 2)
    assert chunk is not None and chunk.max() >= 1
    ids = raw.frame["订单号"].to_numpy()
    for oid in set(ids):
        assert len(set(chunk[ids == oid])) == 1  # an order's rows: one chunk
    # not an order export, or short: not cut
    assert W._order_chunks(detect_source(raw), raw, len(raw.frame)) is None
