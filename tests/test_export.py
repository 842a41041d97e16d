"""ecom export --parquet (ecomlib.export): the canonical tables as Hive-partitioned Parquet,
read back equal to the warehouse, partition values escaped as Spark escapes them, and
incremental: a second export writes nothing, a load rewrites only the partitions it touched
(an order moved to another month rewrites both months, a retired line its partition, a
partition deleted by hand is written again). And a marts folder read as a warehouse."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from ecomlib import cli, export, queries, schema
from ecomlib.warehouse import MARTS_DIR_ENV, Warehouse

MINI = Path(__file__).parent / "data" / "mini"
ODD_SHOP = "hk/跨境=1 店%"


def _rows(con, table):
    cols = ", ".join(schema.table(table).column_names)
    return sorted(map(repr, con.execute(f"SELECT {cols} FROM {table}").fetchall()))


@pytest.fixture
def wh(tmp_path):
    (tmp_path / "shops.csv").write_text(
        "platform,shop_id,shop_name,currency,opened_on\n"
        f"tmall,\"{ODD_SHOP}\",跨境店,CNY,2024-01-01\n", encoding="utf-8")
    (tmp_path / "odd_orders.csv").write_text(
        "platform,shop_id,order_id,member_key,province,city,created_at,paid_at,shipped_at,"
        "finished_at,status,shipping_fee_fen,currency,traffic_source,streamer\n"
        f"tmall,\"{ODD_SHOP}\",x1,,上海,上海,2025-06-10 10:00:00,2025-06-10 10:05:00,,,paid,0,"
        "CNY,,\n", encoding="utf-8")
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as w:
        w.ingest([MINI, tmp_path / "shops.csv", tmp_path / "odd_orders.csv"], progress=False)
    return path


def test_escaping_is_sparks_and_round_trips():
    assert export.escape_path_name("a/b=c%d:e") == "a%2Fb%3Dc%25d%3Ae"
    assert export.escape_path_name("天猫 旗舰店") == "天猫 旗舰店"
    assert export.unescape_path_name(export.escape_path_name(ODD_SHOP)) == ODD_SHOP
    assert export.partition_path(("platform", "month"), ("jd", None)) == \
        "platform=jd/month=__HIVE_DEFAULT_PARTITION__"
    assert export.partition_columns("orders") == ("platform", "shop_id", "month")
    assert export.partition_columns("inventory_snapshots") == ("month",)
    assert export.partition_columns("products") == ()


def test_export_layout_and_round_trip(wh, tmp_path):
    out = tmp_path / "pq"
    assert cli.main(["--warehouse", str(wh), "export", "--parquet", str(out)]) == 0
    assert (out / "orders/platform=tmall/shop_id=s1/month=2025-06/part-00000.parquet").exists()
    # lines and cases sit with their order's month (o3 created 2025-06-19, its case too)
    assert (out / "order_lines/platform=jd/shop_id=j1/month=2025-06").is_dir()
    assert (out / "orders/platform=tmall" / f"shop_id={export.escape_path_name(ODD_SHOP)}"
            / "month=2025-06").is_dir()
    assert (out / "products/part-00000.parquet").exists()
    # a case whose order is not loaded (r2 of o5) goes by its own month
    assert (out / "refunds/platform=jd/shop_id=j1/month=2025-07").is_dir()
    con = duckdb.connect()
    export.duckdb_views(con, out)
    with Warehouse(wh, read_only=True) as w:
        for t in schema.TABLES:
            assert _rows(con, t) == _rows(w.con, t), t
        assert con.execute("SELECT COUNT(*) FROM orders WHERE shop_id = ?",
                           [ODD_SHOP]).fetchall()[0][0] == 1
    # the partition columns are in the paths only
    files = list((out / "orders").rglob("*.parquet"))
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{files[0]}', "
                                   "hive_partitioning = false)")
            .fetchall()]
    assert "platform" not in cols and "month" not in cols and "order_id" in cols


def test_export_is_incremental(wh, tmp_path):
    out = tmp_path / "pq"
    with Warehouse(wh, read_only=True) as w:
        first = export.export_parquet(w.con, out)
        again = export.export_parquet(w.con, out)
    assert first.written > 0 and again.written == 0
    # a newer export of order o1: finished -> refunded; o4 moves from June to July
    (tmp_path / "newer.csv").write_text(
        "platform,shop_id,order_id,member_key,province,city,created_at,paid_at,shipped_at,"
        "finished_at,status,shipping_fee_fen,currency,traffic_source,streamer\n"
        "tmall,s1,o1,m1,浙江,杭州,2025-06-18 10:00:00,2025-06-18 10:01:00,2025-06-19 09:00:00,"
        "2025-06-25 12:00:00,refunded,0,CNY,,\n"
        "tmall,s1,o4,m1,浙江,杭州,2025-07-02 00:20:00,2025-07-02 00:30:00,,,paid,0,CNY,,\n",
        encoding="utf-8")
    stamp = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    with Warehouse(wh) as w:
        w.ingest([tmp_path / "newer.csv"], progress=False)
    with Warehouse(wh, read_only=True) as w:
        res = export.export_parquet(w.con, out)
        con = duckdb.connect()
        export.duckdb_views(con, out)
        for t in schema.TABLES:
            assert _rows(con, t) == _rows(w.con, t), t
    by = {t.table: t for t in res.tables}
    # orders: June of tmall/s1 rewritten (o1 changed, o4 left), July new; nothing else
    assert by["orders"].written == 2 and by["orders"].removed == 0
    # o4's line moves with its order: June rewritten, July new
    assert by["order_lines"].written == 2
    assert sum(t.written for t in res.tables) == 4 + by["refunds"].written
    changed = {p for p, m in stamp.items() if p.exists() and p.stat().st_mtime_ns != m}
    assert all("platform=tmall/shop_id=s1" in str(p) for p in changed), changed
    untouched = out / "orders/platform=jd/shop_id=j1/month=2025-06/part-00000.parquet"
    assert untouched.stat().st_mtime_ns == stamp[untouched]
    # a partition deleted by hand is written again; a state file lost: the table afresh
    shutil.rmtree(out / "orders/platform=jd")
    (out / export.STATE_FILE).unlink()
    with Warehouse(wh, read_only=True) as w:
        res = export.export_parquet(w.con, out)
        con = duckdb.connect()
        export.duckdb_views(con, out)
        assert _rows(con, "orders") == _rows(w.con, "orders")
    assert res.written == sum(t.partitions for t in res.tables)


def test_a_partition_that_empties_is_removed(wh, tmp_path):
    out = tmp_path / "pq"
    with Warehouse(wh, read_only=True) as w:
        export.export_parquet(w.con, out)
    with Warehouse(wh) as w:  # (as a retired line or a deleted order would)
        w.con.execute("DELETE FROM orders WHERE platform = 'jd'")
    with Warehouse(wh, read_only=True) as w:
        res = export.export_parquet(w.con, out)
    assert {t.table: t.removed for t in res.tables}["orders"] == 2
    assert not (out / "orders/platform=jd").exists()


# -- a marts folder read as the warehouse ---------------------------------------------------------
@pytest.fixture
def marts_dir(wh, tmp_path):
    """The warehouse's marts and calendar as Parquet folders (as the Spark build writes them)
    with a build record pointing at the canonical export."""
    out, pq = tmp_path / "marts", tmp_path / "pq"
    with Warehouse(wh) as w:
        w.build()
    with Warehouse(wh, read_only=True) as w:
        export.export_parquet(w.con, pq)
        names = [r[0] for r in w.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'mart_%' "
            "OR table_name = 'dim_calendar'").fetchall()]
        for n in names:
            (out / n).mkdir(parents=True)
            w.con.execute(f"COPY (SELECT * FROM {n}) TO '{out / n / 'part-0.parquet'}' "
                          "(FORMAT parquet)")
    (out / export.BUILD_FILE).write_text('{"source": "%s"}' % pq, encoding="utf-8")
    return out


def test_warehouse_reads_a_marts_folder(wh, marts_dir, monkeypatch):
    with Warehouse(wh, read_only=True) as a, Warehouse(marts_dir, read_only=True) as b:
        assert b.marts_dir == marts_dir and a.marts_dir is None
        for q in ("overview/daily_by_platform", "dashboard/shops", "members/member_summary"):
            params = dict(start_date="2025-06-01", end_date="2025-07-31")
            if "as_of" in queries.params_of(q):
                params["as_of"] = "2025-07-31"
            if "details" in queries.params_of(q):
                params["details"] = True
            if "end_dates" in queries.params_of(q):
                params["end_dates"] = [dt.date(2025, 6, 30), dt.date(2025, 7, 31)]
            x, y = queries.run(a, q, **params), queries.run(b, q, **params)
            assert x.equals(y), q
        assert b.counts() == a.counts()  # the canonical tables, over the export
        assert sorted(b.known_shops().shop_id) == sorted(a.known_shops().shop_id)
        assert b.load_log().empty
    with pytest.raises(ValueError, match="read-only"):
        Warehouse(marts_dir)
    # ECOMLIB_MARTS_DIR redirects read-only opens (report kernels inherit it), not loads
    monkeypatch.setenv(MARTS_DIR_ENV, str(marts_dir))
    with Warehouse(wh, read_only=True) as c:
        assert c.marts_dir == marts_dir
    with Warehouse(wh) as d:
        assert d.marts_dir is None
    # without its canonical export, the shops come from mart_shops
    monkeypatch.delenv(MARTS_DIR_ENV)
    shutil.rmtree(marts_dir.parent / "pq")
    with Warehouse(marts_dir, read_only=True) as e:
        assert sorted(e.known_shops().shop_id) == sorted(["j1", "s1", ODD_SHOP])
