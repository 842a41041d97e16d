"""The model layer on Apache Spark (ecomlib.spark, local mode) against DuckDB's build of the
same demo, row for row and to the fen.

One warehouse: a small demo as platform exports (with its planted mess: orphans, quarantined
rows, whole-order refunds) plus a few rows made to catch engine differences (money in a
foreign currency whose rate lands on half a fen, a whole-order refund spread over three
lines, an order line without its order, a shop id with ``/ = %``, Chinese and a space in
it). It is built by DuckDB, exported with ``ecom export --parquet`` and built again with
``ecom build --engine spark``; every mart written by Spark is compared with DuckDB's table:
same columns and types, same rows sorted by the mart's key (every value equal: money as
exact integers), same sums of every ``*_fen`` column. Then a report runs on the Spark marts
(``ecom --marts DIR run``) with its notebook unchanged, and its Excel tables equal the same
report's on the warehouse file.

Spark needs Java 17+: ``make test`` installs Debian's openjdk-17-jre-headless when it can;
where no Java can be had the module is skipped with the reason. One Spark session (local,
two cores) serves the whole module.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ecomlib import cli, demo, modelling, spark as sp
from ecomlib.warehouse import MARTS_DIR_ENV, Warehouse

pytestmark = pytest.mark.slow

JAVA_HOME, WHY_NOT = sp.find_java()
if JAVA_HOME is None:
    print(f"\nSpark tests skipped: {WHY_NOT}")
    pytest.skip(f"Spark tests skipped: {WHY_NOT}", allow_module_level=True)

ODD_SHOP = "hk/跨境=1 店%"
MARTS = [n for n, m in modelling.load_models().items() if m.layer == "marts"]
#: settings for a small build on a small machine: the data is tiny, the JVM's start-up and
#: code generation are what cost (a C1-only JIT and no whole-stage codegen cost less)
TEST_CONF = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
}

EDGE = {
    "shops.csv": "platform,shop_id,shop_name,currency,opened_on\n"
                 f"tmall,\"{ODD_SHOP}\",跨境 旗舰店,EUR,2024-01-01\n",
    "fx_rates.csv": "rate_date,currency,cny_per_unit\n"
                    "2025-05-01,EUR,1.5\n2025-06-01,EUR,7.81234\n",
    "orders.csv": "platform,shop_id,order_id,member_key,province,city,created_at,paid_at,"
                  "shipped_at,finished_at,status,shipping_fee_fen,currency,traffic_source,streamer\n"
                  f"tmall,\"{ODD_SHOP}\",x1,mX,上海,上海,2025-06-10 10:00:00,2025-06-10 10:05:00,"
                  "2025-06-11 09:00:00,,shipped,1001,EUR,直播,某 主播\n"
                  f"tmall,\"{ODD_SHOP}\",x2,,北京,北京,2025-05-31 23:59:00,2025-05-31 23:59:30,,,"
                  "paid,333,EUR,搜索,\n"
                  f"tmall,\"{ODD_SHOP}\",x3,mX,北京,北京,2025-06-20 08:00:00,,,,created,0,EUR,,\n",
    "order_lines.csv": "platform,shop_id,order_id,line_id,sku,platform_sku_id,quantity,"
                       "list_price_fen,shop_discount_fen,platform_discount_fen,paid_fen\n"
                       f"tmall,\"{ODD_SHOP}\",x1,1,EDGE-A,,1,500,0,0,333\n"
                       f"tmall,\"{ODD_SHOP}\",x1,2,EDGE-B,,2,500,0,0,667\n"
                       f"tmall,\"{ODD_SHOP}\",x1,3,EDGE-A,,3,500,0,0,1001\n"
                       f"tmall,\"{ODD_SHOP}\",x2,1,EDGE-B,,1,333,0,0,333\n"
                       f"tmall,\"{ODD_SHOP}\",x2,2,EDGE-A,,3,111,0,0,331\n"
                       f"tmall,\"{ODD_SHOP}\",x3,1,EDGE-A,,1,999,0,0,999\n"
                       f"tmall,\"{ODD_SHOP}\",x9,1,EDGE-A,,1,100,0,0,100\n",
    "refunds.csv": "platform,shop_id,refund_id,order_id,line_id,sku,refund_fen,units_returned,"
                   "reason,status,requested_at,refunded_at,currency\n"
                   f"tmall,\"{ODD_SHOP}\",rx1,x1,,,1000,2,整单退,refunded,2025-06-12 10:00:00,"
                   "2025-06-13 10:00:00,EUR\n"
                   f"tmall,\"{ODD_SHOP}\",rx2,x2,2,EDGE-A,111,1,部分退,refunded,2025-06-02 10:00:00,"
                   "2025-06-03 10:00:00,EUR\n",
    "products.csv": "sku,spu,product_name,category,unit_cost_fen,list_price_fen,supplier_id,"
                    "launched_on\nEDGE-A,EDGE,边界 商品/A,测试,123,500,SUPX,2024-01-01\n",
}


@pytest.fixture(scope="module")
def spark_session():
    t = time.perf_counter()
    s = sp.session("local[2]", TEST_CONF)
    print(f"\nSpark {s.version} session started in {time.perf_counter() - t:.1f} s")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def built(tmp_path_factory, spark_session):
    """(warehouse file, export folder, Spark marts folder, seconds of the Spark build)."""
    d = tmp_path_factory.mktemp("spark")
    demo.write_demo(d / "exports", demo.DemoConfig(members=250, skus=30), layout="exports")
    (d / "edge").mkdir()
    for name, text in EDGE.items():
        (d / "edge" / name).write_text(text, encoding="utf-8")
    wh = d / "w.duckdb"
    with Warehouse(wh) as w:
        res = w.ingest([d / "exports"], progress=False, errors="record")
        assert not [r for r in res if r.status == "failed"]
        w.ingest([d / "edge" / n for n in ("shops.csv", "fx_rates.csv", "products.csv",
                                           "orders.csv", "order_lines.csv", "refunds.csv")],
                 progress=False)
        w.build(full=True)
    pq, marts = d / "pq", d / "marts"
    assert cli.main(["--warehouse", str(wh), "export", "--parquet", str(pq)]) == 0
    t = time.perf_counter()
    assert cli.main(["build", "--engine", "spark", "--source", str(pq), "--out",
                     str(marts)]) == 0
    seconds = time.perf_counter() - t
    print(f"Spark build of {len(MARTS)} marts: {seconds:.1f} s")
    return wh, pq, marts, seconds


def test_the_edge_rows_are_there(built):
    wh, pq, _, _ = built
    with Warehouse(wh, read_only=True) as w:
        got = w.sql("SELECT order_id, line_id, paid_fen, refund_fen FROM int_order_lines "
                    "WHERE shop_id = $s ORDER BY order_id, line_id", {"s": ODD_SHOP})
    # x1 (EUR 7.81234): a whole-order case of 1000 spread by paid 333:667:1001 -> FLOOR
    # 166, 333, 500 and the remainder 1 on line 1 -> 167, 333, 500; each x rate, rounded
    assert got.values.tolist()[:3] == [["x1", "1", 2602, 1305], ["x1", "2", 5211, 2602],
                                       ["x1", "3", 7820, 3906]]
    # x2 (EUR 1.5 on 2025-05-31): 333 x 1.5 = 499.5 and 331 x 1.5 = 496.5 round half away
    assert got.values.tolist()[3:5] == [["x2", "1", 500, 0], ["x2", "2", 497, 167]]
    assert (Path(pq) / "order_lines/platform=tmall/shop_id=hk%2F跨境%3D1 店%25"
            / "month=__HIVE_DEFAULT_PARTITION__").is_dir()  # x9's order is not loaded


@pytest.mark.parametrize("mart", MARTS)
def test_spark_mart_equals_duckdb_row_for_row(built, mart):
    wh, _, marts, _ = built
    model = modelling.load_models()[mart]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        src = f"read_parquet('{Path(marts) / mart / '*.parquet'}')"
        duck_types = con.execute(f"DESCRIBE SELECT * FROM {mart}").fetchall()
        spark_types = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
        assert [r[:2] for r in spark_types] == [r[:2] for r in duck_types]
        cols = [r[0] for r in duck_types]
        order = ", ".join(list(model.key) + [c for c in cols if c not in model.key])
        a = con.execute(f"SELECT * FROM {mart} ORDER BY {order}").fetchall()
        b = con.execute(f"SELECT * FROM {src} ORDER BY {order}").fetchall()
        assert len(a) == len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            assert x == y, (mart, i, {c: (u, v) for c, u, v in zip(cols, x, y) if u != v})
        for c in (c for c in cols if c.endswith("_fen")):  # to the fen, as exact integers
            s = con.execute(f"SELECT CAST(SUM({c}) AS VARCHAR), CAST((SELECT SUM({c}) FROM "
                            f"{src}) AS VARCHAR) FROM {mart}").fetchall()[0]
            assert s[0] == s[1], (mart, c, s)
    finally:
        con.close()
    if mart in ("mart_sales_daily", "mart_shop_daily", "mart_member_orders"):
        assert len(a) > 100, mart  # the demo's rows, not an empty table compared with another


def test_every_mart_and_the_calendar_are_written(built):
    wh, pq, marts, seconds = built
    info = json.loads((Path(marts) / "_build.json").read_text(encoding="utf-8"))
    assert info["engine"] == "spark" and info["source"] == str(Path(pq).resolve())
    assert sorted(info["marts"]) == sorted(MARTS + ["dim_calendar"])
    assert not list(Path(marts).glob(".building-*"))  # the staging folder is gone
    con = duckdb.connect(str(wh), read_only=True)
    cal = f"read_parquet('{Path(marts) / 'dim_calendar' / '*.parquet'}')"
    for q in (f"SELECT * FROM dim_calendar EXCEPT ALL SELECT * FROM {cal}",
              f"SELECT * FROM {cal} EXCEPT ALL SELECT * FROM dim_calendar"):
        assert con.execute(f"SELECT COUNT(*) FROM ({q})").fetchall()[0][0] == 0
    summary = sp.compare_marts(con, marts)
    con.close()
    assert all(r["missing"] == r["extra"] == 0 and not r["money"] for r in summary), summary
    print(f"\n{len(summary)} marts equal to DuckDB's ({sum(r['rows'] for r in summary):,} "
          f"rows); Spark build {seconds:.1f} s")


def test_a_failed_spark_build_leaves_the_marts_as_they_were(built, spark_session, tmp_path):
    """A mart is written (mart_ads_daily), the next one fails: nothing moves into place."""
    _, pq, marts, _ = built
    before = {p: p.stat().st_mtime_ns for p in Path(marts).rglob("*.parquet")}
    every = modelling.load_models()
    keep = ["stg_fx_rates", "int_fx_ranges", "int_fx_daily", "stg_ad_spend", "int_ad_spend",
            "mart_ads_daily"]
    models = {n: every[n] for n in keep}
    models["mart_zz_broken"] = modelling.Model(
        **{**every["mart_shops"].__dict__, "name": "mart_zz_broken",
           "sql": "SELECT no_such_column FROM stg_shops"})
    with pytest.raises(Exception, match="no_such_column"):
        sp.build(pq, marts, spark=spark_session, models=models)
    assert {p: p.stat().st_mtime_ns for p in Path(marts).rglob("*.parquet")} == before
    assert not list(Path(marts).glob(".building-*"))


def test_a_report_runs_on_the_spark_marts_unchanged(built, tmp_path, monkeypatch):
    """The overview notebook, as committed, on the Spark marts folder (``ecom --marts``):
    it runs, and its Excel tables equal the same report's on the warehouse file."""
    wh, _, marts, _ = built
    monkeypatch.delenv(MARTS_DIR_ENV, raising=False)
    args = ["run", "overview", "-p", "as_of=2025-12-31", "-p", "period=last_month"]
    assert cli.main(["--warehouse", str(wh)] + args + ["--out", str(tmp_path / "file")]) == 0
    monkeypatch.setenv(MARTS_DIR_ENV, "")  # (restored after the test: ecom --marts sets it)
    assert cli.main(["--marts", str(marts)] + args + ["--out", str(tmp_path / "marts")]) == 0
    assert os.environ[MARTS_DIR_ENV] == str(Path(marts).resolve())
    runs = {}
    for k in ("file", "marts"):
        man = json.loads(next((tmp_path / k).glob("overview/*/*/manifest.json")).read_text())
        assert man["status"] == "ok", man["error"]
        runs[k] = man
    assert runs["marts"]["parameters"]["warehouse"] == str(Path(marts).resolve())
    assert runs["file"]["period"]["start"] == runs["marts"]["period"]["start"] == "2025-11-01"
    book = {k: pd.read_excel(Path(runs[k]["out_dir"]) / "overview.xlsx", sheet_name=None,
                           engine="openpyxl")
            for k in runs}
    assert list(book["file"]) == list(book["marts"]) and len(book["file"]) > 3
    for sheet, df in book["file"].items():
        pd.testing.assert_frame_equal(df, book["marts"][sheet], obj=sheet)
