"""Warehouse guarantees: round trip, idempotent upsert, atomic loads, quarantine accounting,
rollups that tie to hand-worked numbers (tests/data/README.md)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib import schema
from ecomlib.warehouse import LoadError, Warehouse
from load_snapshot import snapshot

MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture
def wh(tmp_path):
    w = Warehouse(tmp_path / "wh.duckdb")
    yield w
    w.close()


@pytest.fixture
def loaded(wh):
    wh.ingest([MINI], progress=False)
    wh.build()  # the marts daily_sales reads
    return wh


def _copy_mini(tmp_path) -> Path:
    d = tmp_path / "mini"
    shutil.copytree(MINI, d)
    return d


# -- round trip ----------------------------------------------------------------------------
def _sample_value(col: schema.Column, i: int):
    if col.choices:
        return col.choices[i % len(col.choices)]
    # pseudonymous keys and regions as they arrive (an identity or a non-region would not
    # round-trip: see test_privacy_canary.py)
    special = {"member_key": f"m{i}", "province": ["浙江", "广东", "新疆"][i],
               "city": ["杭州", "深圳", "乌鲁木齐"][i]}
    if col.name in special:
        return special[col.name]
    return {
        "str": f"值{i}-{col.name}",
        "int": 3 + i,
        "fen": 12345 + i,
        "float": 7.125 + i,
        "ts": f"2025-11-11 0{i}:3{i}:0{i}",
        "date": f"2025-06-1{i}",
    }[col.kind]


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_every_table_round_trips(tmp_path, name):
    """Typed values written as a canonical CSV come back identical from the warehouse."""
    t = schema.table(name)
    rows = [{c.name: _sample_value(c, i) for c in t.columns} for i in range(3)]
    for r in rows:  # keep cross-column checks satisfied
        for c in t.columns:
            if c.kind == "ts":
                r[c.name] = "2025-11-11 08:30:00"
        if name == "order_lines":
            r["paid_fen"] = r["list_price_fen"]
        if name == "orders":
            r["status"] = "paid"
        if name in ("traffic",):
            r["buyers"] = 1
        if name == "ad_spend":
            r["clicks"] = 1
    src = pd.DataFrame(rows)
    f = tmp_path / f"{name}.csv"
    src.to_csv(f, index=False)
    with Warehouse(tmp_path / "rt.duckdb") as w:
        (res,) = w.ingest([f], progress=False)
        assert (res.table, res.rows_in, res.rows_inserted, res.rows_quarantined) == (name, 3, 3, 0)
        back = w.read(name)
    assert list(back.columns) == t.column_names
    for c in t.columns:
        got = back[c.name]
        want = src[c.name]
        if c.kind in ("int", "fen"):
            assert got.astype("int64").tolist() == want.astype("int64").tolist(), c.name
        elif c.kind == "float":
            assert np.allclose(got.astype(float), want.astype(float)), c.name
        elif c.kind == "ts":
            expect = pd.to_datetime(want).dt.tz_localize("Asia/Shanghai")
            assert got.tolist() == expect.tolist(), c.name
        elif c.kind == "date":
            assert [pd.Timestamp(v).date() for v in got] == \
                [pd.Timestamp(v).date() for v in want], c.name
        else:
            assert got.tolist() == want.tolist(), c.name


def test_utc_offset_converted_to_beijing(loaded):
    o4 = loaded.read("orders").set_index("order_id").loc["o4"]
    assert o4.paid_at == pd.Timestamp("2025-06-25 00:30:00", tz="Asia/Shanghai")


# -- idempotence and updates -----------------------------------------------------------------
def test_reloading_same_files_changes_nothing(loaded):
    before = loaded.counts()
    q_before = len(loaded.quarantine())
    again = loaded.ingest([MINI], progress=False)
    assert sum(r.rows_inserted for r in again) == 0
    assert sum(r.rows_updated for r in again) == 0
    assert sum(r.rows_unchanged for r in again) == sum(r.rows_in for r in again) == 17
    assert loaded.counts() == before
    assert len(loaded.quarantine()) == q_before


def test_newer_export_updates_changed_orders_only(loaded, tmp_path):
    newer = pd.read_csv(MINI / "orders.csv", dtype=str, keep_default_na=False)
    newer.loc[newer.order_id == "o4", ["status", "shipped_at"]] = ["shipped", "2025-06-26 09:00:00"]
    newer = pd.concat([newer, newer.iloc[[0]].assign(order_id="o6", member_key="m9")])
    f = tmp_path / "orders_2025-07-02.csv"
    newer.to_csv(f, index=False)
    (res,) = loaded.ingest([f], progress=False)
    assert (res.rows_in, res.rows_inserted, res.rows_updated, res.rows_unchanged) == (6, 1, 1, 4)
    o = loaded.read("orders").set_index("order_id")
    assert o.loc["o4", "status"] == "shipped"
    assert len(o) == 6


# -- quarantine accounting ---------------------------------------------------------------------
def test_corrupt_rows_are_quarantined_and_the_rest_loads(wh, tmp_path):
    lines = (MINI / "order_lines.csv").read_text(encoding="utf-8").splitlines()
    bad = lines[:3] + [
        "tmall,s1,o9,1,A,x,two,1000,0,0,1000",        # row 4: quantity not a number
        "",                                             # blank line: not a data row
        "tmall,s1,o9,2,A,x,1,1000,0,0,99999",          # row 6: paid > list x qty
        "tmall,s1,o9,3,,x,1,1000,0,0,1000",            # row 7: sku empty
        "tmall,s1,o9,4,A,x,-1,1000,0,0,0",             # row 8: quantity below 1
    ] + lines[3:] + [
        "tmall,s1,o1,1,A,tm-1001,2,1000,100,0,1900",   # row 14: duplicate of row 2
        "jd,j1,o7,1,B,jd-77,1,50",                      # row 15: cut off mid-row
    ]
    f = tmp_path / "order_lines.csv"
    f.write_text("\n".join(bad) + "\n", encoding="utf-8")
    (res,) = wh.ingest([f], progress=False)
    assert res.rows_in == 15 - 1 - 1  # 15 lines, minus header, minus the blank one
    assert res.rows_blank == 1
    assert res.rows_quarantined == 6
    assert res.rows_loaded == res.rows_inserted == 7  # the 7 good lines of the mini set
    assert res.rows_in == res.rows_loaded + res.rows_quarantined
    q = wh.quarantine().set_index("row_number")
    assert sorted(q.index) == [2, 4, 6, 7, 8, 15]
    assert q.loc[4, "column"] == "quantity" and "'two' is not a whole number" in q.loc[4, "reason"]
    assert "paid_fen is larger than list_price_fen x quantity" in q.loc[6, "reason"]
    assert q.loc[7, "reason"] == "sku is required but empty"
    assert "quantity -1 is below 1" in q.loc[8, "reason"]
    assert "duplicate key" in q.loc[2, "reason"] and "row 14 of this file wins" in q.loc[2, "reason"]
    assert "row has 8 fields, header has 11" in q.loc[15, "reason"]
    assert all(q.file.str.endswith("order_lines.csv"))
    assert '"quantity": "two"' in q.loc[4, "raw"]
    log = wh.load_log()
    assert int(log.rows_in[0]) == int(log.rows_loaded[0]) + int(log.rows_quarantined[0])


def test_missing_required_column_fails_whole_file_and_writes_nothing(wh, tmp_path):
    df = pd.read_csv(MINI / "order_lines.csv", dtype=str).drop(columns=["paid_fen", "sku"])
    f = tmp_path / "order_lines.csv"
    df.to_csv(f, index=False)
    with pytest.raises(LoadError) as e:
        wh.ingest_file(f, table="order_lines")
    assert "order_lines.csv" in str(e.value) and "sku, paid_fen" in str(e.value)
    assert wh.counts()["order_lines"] == 0
    log = wh.load_log()
    assert log.status.tolist() == ["failed"] and "sku, paid_fen" in log.message[0]


def test_unrecognised_file_is_reported_and_others_still_load(wh, tmp_path):
    d = _copy_mini(tmp_path)
    (d / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    res = wh.ingest([d], progress=False, errors="record")
    failed = [r for r in res if r.status == "failed"]
    assert len(failed) == 1 and "notes.csv" in failed[0].message
    assert "header not recognised" in failed[0].message
    assert wh.counts()["orders"] == 5


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_chinese_encodings_are_detected(wh, tmp_path, encoding):
    text = (MINI / "orders.csv").read_text(encoding="utf-8")
    f = tmp_path / "orders.csv"
    f.write_bytes(text.encode(encoding))
    (res,) = wh.ingest([f], progress=False)
    assert res.rows_inserted == 5
    o = wh.read("orders").set_index("order_id")
    assert o.loc["o1", "province"] == "浙江" and o.loc["o5", "city"] == "北京"
    assert wh.load_log().encoding[0] == ("gb18030" if encoding.startswith("gb") else "utf-8-sig")


def test_xlsx_title_row_and_notes_sheet(wh, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "订单"
    ws.append(["订单报表 导出时间 2025-07-02"])
    df = pd.read_csv(MINI / "orders.csv", dtype=str, keep_default_na=False)
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    notes = wb.create_sheet("说明")
    notes.append(["本表由系统导出"])
    notes.append(["金额单位: 元"])
    wb.save(tmp_path / "orders.xlsx")
    (res,) = wh.ingest([tmp_path / "orders.xlsx"], progress=False)
    assert (res.rows_in, res.rows_inserted, res.rows_quarantined) == (5, 5, 0)
    assert wh.quarantine().empty
    log = wh.load_log()
    assert log.status.tolist() == ["skipped", "ok"]
    assert "sheet skipped" in log.message[0] and "说明" in log.message[0]


def test_xlsx_and_parquet_load_like_csv(wh, tmp_path):
    df = pd.read_csv(MINI / "orders.csv", dtype=str, keep_default_na=False)
    df.to_excel(tmp_path / "orders.xlsx", index=False)
    (res,) = wh.ingest([tmp_path / "orders.xlsx"], progress=False)
    assert (res.rows_inserted, res.rows_quarantined) == (5, 0)
    lines = pd.read_csv(MINI / "order_lines.csv", dtype={"order_id": str, "line_id": str})
    lines.to_parquet(tmp_path / "order_lines.parquet")
    (res,) = wh.ingest([tmp_path / "order_lines.parquet"], progress=False)
    assert (res.rows_inserted, res.rows_quarantined) == (7, 0)


# -- atomicity -------------------------------------------------------------------------------
def test_failure_inside_a_load_rolls_everything_back(loaded, tmp_path, monkeypatch):
    before = loaded.counts()
    log_before = len(loaded.load_log(limit=None))
    newer = pd.read_csv(MINI / "orders.csv", dtype=str, keep_default_na=False)
    newer["status"] = "refunded"
    newer = pd.concat([newer, newer.assign(order_id=newer.order_id + "x")])
    f = tmp_path / "orders_new.csv"
    newer.to_csv(f, index=False)
    real = Warehouse._upsert

    def upsert_then_crash(self, *a, **kw):
        real(self, *a, **kw)  # the rows are written inside the transaction ...
        raise RuntimeError("disk full")  # ... and then the load fails

    monkeypatch.setattr(Warehouse, "_upsert", upsert_then_crash)
    with pytest.raises(LoadError, match="RuntimeError: disk full.*nothing of this file was written"):
        loaded.ingest([f], progress=False)
    monkeypatch.undo()
    assert loaded.counts() == before
    assert set(loaded.read("orders").status) != {"refunded"}
    log = loaded.load_log(limit=None)
    assert len(log) == log_before + 1 and log.status[0] == "failed"  # the failure is on record


def test_killed_load_leaves_warehouse_consistent(tmp_path):
    db = tmp_path / "wh.duckdb"
    with Warehouse(db) as w:
        w.ingest([MINI], progress=False)
        before = w.counts()
        n_log = len(w.load_log(limit=None))
    newer = pd.read_csv(MINI / "orders.csv", dtype=str, keep_default_na=False)
    big = pd.concat([newer.assign(order_id=newer.order_id + f"-{i}") for i in range(2000)])
    f = tmp_path / "orders_big.csv"
    big.to_csv(f, index=False)
    marker = tmp_path / "paused"
    env = dict(os.environ, ECOMLIB_TEST_PAUSE_IN_LOAD=str(marker))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecomlib.cli", "--warehouse", str(db), "ingest", str(f)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate()[1].decode()
    os.kill(proc.pid, signal.SIGKILL)  # the 10 000 new rows are written but not committed
    proc.wait()
    with Warehouse(db) as w:
        assert w.counts() == before
        log = w.load_log(limit=None)
        # the attempt was recorded before its transaction: it is all that is left of it
        assert len(log) == n_log + 1 and log.status.iloc[0] == "running"
        (res,) = w.ingest([f], progress=False)  # and the same file loads fine afterwards
        assert res.rows_inserted == 10_000
        assert w.counts()["orders"] == before["orders"] + 10_000
        log = w.load_log(limit=None)
        (gone,) = log[log.status == "interrupted"].itertuples()
        assert gone.file == str(f) and "was interrupted" in gone.message
        assert gone.started_at is not None and "nothing of this file was written" in gone.message
        assert "running" not in set(log.status)


# -- rollups ---------------------------------------------------------------------------------
EXPECTED_DAILY = pd.DataFrame([
    # sales_date, platform, shop, sku, orders, paid_orders, gmv, units, paid, refund, returned, cogs
    ("2025-06-18", "tmall", "s1", "A", 2, 1, 2900, 2, 1900, 950, 1, 400),
    ("2025-06-18", "tmall", "s1", "B", 1, 1, 500, 1, 500, 0, 0, 100),
    ("2025-06-19", "jd", "j1", "B", 1, 1, 1350, 3, 1350, 0, 0, 300),
    ("2025-06-25", "tmall", "s1", "A", 1, 1, 900, 1, 900, 0, 0, 400),
    ("2025-07-01", "jd", "j1", "A", 1, 1, 1000, 1, 1000, 667, 1, 0),
    ("2025-07-01", "jd", "j1", "B", 1, 1, 500, 1, 500, 333, 0, 100),
], columns=["sales_date", "platform", "shop_id", "sku", "count_orders", "count_paid_orders",
            "gmv_fen", "units", "paid_fen", "refund_fen", "units_returned", "cogs_fen"])


def test_daily_sales_matches_hand_worked_numbers(loaded):
    got = loaded.daily_sales()[EXPECTED_DAILY.columns].copy()
    got["sales_date"] = got.sales_date.astype(str)
    exp = EXPECTED_DAILY.copy()
    for c in exp.columns[4:]:
        exp[c] = exp[c].astype(got[c].dtype)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), exp, check_dtype=False)
    assert (got.drop(columns=["sales_date", "platform", "shop_id", "sku"]).dtypes == "int64").all()


def test_daily_rollup_ties_to_raw_lines_and_refunds(loaded):
    daily = loaded.daily_sales()
    lines = pd.read_csv(MINI / "order_lines.csv")
    orders = pd.read_csv(MINI / "orders.csv")
    refunds = pd.read_csv(MINI / "refunds.csv")
    paid_orders = set(orders.loc[orders.paid_at.notna(), "order_id"])
    assert daily.gmv_fen.sum() == lines.paid_fen.sum() == 7150
    assert daily.paid_fen.sum() == lines.loc[lines.order_id.isin(paid_orders), "paid_fen"].sum() == 6150
    assert daily.refund_fen.sum() == refunds.loc[refunds.status == "refunded", "refund_fen"].sum() == 1950
    monthly = daily.assign(month=pd.to_datetime(daily.sales_date).dt.to_period("M")).groupby(
        "month")[["paid_fen", "gmv_fen"]].sum()
    assert monthly.paid_fen.sum() == daily.paid_fen.sum()
    assert monthly.loc[pd.Period("2025-06"), "paid_fen"] == 4650


def test_filters_run_in_duckdb(loaded):
    d = loaded.daily_sales(start="2025-06-19", end="2025-06-25", platforms=["tmall"])
    assert d.sales_date.astype(str).tolist() == ["2025-06-25"]
    lines = loaded.read("order_lines", shops=["j1"])
    assert sorted(lines.order_id) == ["o3", "o5", "o5"]
    o = loaded.read("orders", start="2025-06-18", end="2025-06-18")
    assert sorted(o.order_id) == ["o1", "o2"]
    with pytest.raises(KeyError, match="unknown column"):
        loaded.read("orders", columns=["buyer_phone"])


def test_member_summary_hand_worked(loaded):
    ms = loaded.member_summary("2025-06-30").set_index("member_key")
    assert list(ms.index) == ["m1"]  # m2 never paid; m3 bought after the as-of date
    m1 = ms.loc["m1"]
    assert (m1.count_orders, m1.count_purchase_days, m1.frequency) == (3, 3, 2)
    assert (m1.recency_days, m1.age_days, m1.days_since_last) == (7, 12, 5)
    assert (m1.paid_fen, m1.refund_fen, m1.count_platforms) == (4650, 950, 2)
    assert m1.monetary_value_fen == pytest.approx((1350 + 900) / 2)
    later = loaded.member_summary("2025-07-31", platforms=["jd"]).set_index("member_key")
    assert later.loc["m3"].tolist()[:6] == [1, 1, 0, 0, 30, 30]
    assert later.loc["m1", "paid_fen"] == 1350
    with pytest.raises(ValueError, match="as_of is required"):
        loaded.member_summary(None)


def test_fx_rates_convert_non_cny_orders(wh, tmp_path):
    d = _copy_mini(tmp_path)
    o = pd.read_csv(d / "orders.csv", dtype=str, keep_default_na=False)
    o.loc[o.order_id == "o3", "currency"] = "USD"
    o.to_csv(d / "orders.csv", index=False)
    (d / "fx_rates.csv").write_text(
        "rate_date,currency,cny_per_unit\n2025-06-01,USD,7.2\n2025-06-20,USD,7.0\n", encoding="utf-8")
    wh.ingest([d], progress=False)
    wh.build()
    daily = wh.daily_sales(platforms=["jd"], end="2025-06-30")
    assert daily.paid_fen.tolist() == [round(1350 * 7.2)]  # 06-19 uses the 06-01 rate


def test_read_only_warehouse_refuses_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Warehouse(tmp_path / "nope.duckdb", read_only=True)


def test_worker_processes_load_exactly_what_one_process_loads(tmp_path, monkeypatch):
    """Files mapped in worker processes are loaded by the one writer in file order: same
    rows, quarantine (file, row, column, reason), load log and member keys as without."""
    monkeypatch.setenv("ECOMLIB_SALT", "test-salt")
    data = tmp_path / "in"
    for sub in ("mini", "taobao", "jd", "pdd", "douyin"):
        shutil.copytree(MINI.parent / sub, data / sub)
    (data / "jd" / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # fails, recorded
    snaps, results = [], []
    for workers in (0, 2):
        with Warehouse(tmp_path / f"wh{workers}.duckdb") as w:
            res = w.ingest([data], progress=False, errors="record", workers=workers,
                           context={"shop_id": "s1"})
            results.append([(Path(r.file).name, r.table, r.status, r.rows_in, r.rows_loaded,
                              r.rows_quarantined, r.rows_blank) for r in res])
            snaps.append(snapshot(w, ("orders", "order_lines", "refunds", "products")))
    assert results[0] == results[1]
    assert [r[2] for r in results[0]].count("failed") == 1
    for name in snaps[0]:
        pd.testing.assert_frame_equal(snaps[0][name], snaps[1][name], obj=name)
    assert len(snaps[0]["quarantine"]) > 0 and snaps[0]["orders"].member_key.notna().any()


def test_upsert_all_new_keys_then_mixed(wh):
    wh.init()
    t = schema.table("fx_rates")
    first = schema.settle_dtypes("fx_rates", pd.DataFrame({
        "rate_date": pd.to_datetime(["2025-06-01", "2025-06-02"]),
        "currency": ["USD", "USD"], "cny_per_unit": [7.1, 7.2]}))
    assert wh._upsert(t, first, 1) == (2, 0, 0)  # every key new: one INSERT
    second = schema.settle_dtypes("fx_rates", pd.DataFrame({
        "rate_date": pd.to_datetime(["2025-06-01", "2025-06-02", "2025-06-03"]),
        "currency": ["USD", "USD", "USD"], "cny_per_unit": [7.1, 7.25, 7.3]}))
    assert wh._upsert(t, second, 2) == (1, 1, 1)  # new, changed, unchanged
    assert wh._upsert(t, second, 3) == (0, 0, 3)
    got = wh.sql("SELECT strftime(rate_date, '%d') d, cny_per_unit, _load_id FROM fx_rates "
                 "ORDER BY rate_date")
    assert got.values.tolist() == [["01", 7.1, 1], ["02", 7.25, 2], ["03", 7.3, 2]]


def test_no_duckdb_progress_bar_in_reports(tmp_path):
    """A slow query in a report notebook drew DuckDB's progress bar, a FloatProgress widget
    kept in the rendered report: every warehouse connection turns it off."""
    from ecomlib.warehouse import Warehouse
    with Warehouse(tmp_path / "w.duckdb") as w:
        assert w.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as r:
        assert r.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
