"""The model layer (ecomlib/sql, ecomlib.modelling): every model file well formed and
portable (sqlglot to Spark SQL, ClickHouse and Trino), marts built to hand-checked numbers,
each mart's totals equal to the intermediate lines it sums, and an incremental build after a
load equal to a full rebuild, table for table."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ecomlib import modelling
from ecomlib.warehouse import Warehouse

MINI = Path(__file__).parent / "data" / "mini"


# -- the files -----------------------------------------------------------------------------------
def test_every_model_is_well_formed_and_layered():
    models = modelling.load_models()
    layers = {m.layer for m in models.values()}
    assert layers == set(modelling.LAYERS)
    for m in models.values():
        assert m.grain.startswith("one row per"), m.name
        assert m.key, m.name
        assert m.name.startswith({"staging": "stg_", "intermediate": "int_",
                                  "marts": "mart_"}[m.layer]), m.name
        if m.layer == "staging":
            assert m.depends == [] and len(m.tables) == 1, m.name
        else:
            assert m.tables == [], f"{m.name} reads canonical tables: read staging models"
        if m.materialized == "table" and m.scope == "days":
            assert "build_scope_days" in m.sql and "sales_date" in m.key, m.name
        if m.materialized == "table" and m.scope == "orders":
            assert "build_scope_orders" in m.sql, m.name
    names = list(models)
    for m in models.values():  # built after what it reads
        assert all(names.index(d) < names.index(m.name) for d in m.depends)


def test_one_staging_model_per_canonical_table_with_its_columns():
    from ecomlib import schema
    models = modelling.load_models()
    for t in schema.TABLES.values():
        m = models[f"stg_{t.name}"]
        assert m.tables == [t.name]
        for c in t.columns:
            assert c.name in m.sql, (t.name, c.name)


@pytest.mark.parametrize("dialect", ["spark", "clickhouse", "trino"])
def test_every_model_transpiles_without_unsupported_constructs(dialect):
    import sqlglot
    from sqlglot.errors import ErrorLevel
    for m in modelling.load_models().values():
        out = sqlglot.transpile(m.sql, read="duckdb", write=dialect,
                                unsupported_level=ErrorLevel.RAISE)
        assert len(out) == 1 and out[0].strip(), (m.name, dialect)


# -- building on the hand-checked fixture ----------------------------------------------------------
EXPECTED_DAILY = pd.DataFrame([
    # sales_date, platform, shop, sku, orders, paid_orders, gmv, units, paid, refund, returned, cogs
    ("2025-06-18", "tmall", "s1", "A", 2, 1, 2900, 2, 1900, 950, 1, 400),
    ("2025-06-18", "tmall", "s1", "B", 1, 1, 500, 1, 500, 0, 0, 100),
    ("2025-06-19", "jd", "j1", "B", 1, 1, 1350, 3, 1350, 0, 0, 300),
    ("2025-06-25", "tmall", "s1", "A", 1, 1, 900, 1, 900, 0, 0, 400),
    # an order-level refund of 1000 spread by paid share 1000:500 -> 667 (remainder on the
    # first line) and 333; its one returned unit goes to line A (2 units x 1/2, floor 0,
    # remainder 1), which is returned: cost of A kept 0
    ("2025-07-01", "jd", "j1", "A", 1, 1, 1000, 1, 1000, 667, 1, 0),
    ("2025-07-01", "jd", "j1", "B", 1, 1, 500, 1, 500, 333, 0, 100),
], columns=["sales_date", "platform", "shop_id", "sku", "count_orders", "count_paid_orders",
            "gmv_fen", "units", "paid_fen", "refund_fen", "units_returned", "cogs_fen"])


@pytest.fixture
def mini(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([MINI], progress=False)
        res = wh.build()
    return tmp_path / "w.duckdb", res


def test_marts_on_the_mini_fixture_are_the_hand_worked_numbers(mini):
    path, res = mini
    assert res.kind == "full"
    with Warehouse(path, read_only=True) as wh:
        got = wh.sql("SELECT * FROM mart_sales_daily ORDER BY sales_date, platform, shop_id, sku")
        shop = wh.sql("SELECT * FROM mart_shop_daily ORDER BY sales_date, platform, shop_id")
    got["sales_date"] = got.sales_date.astype(str)
    pd.testing.assert_frame_equal(got[EXPECTED_DAILY.columns], EXPECTED_DAILY, check_dtype=False)
    # the shop's day: orders and buyers counted once, not once per SKU
    assert shop[["sales_date", "shop_id", "count_orders", "count_paid_orders", "paid_fen"]] \
        .astype({"sales_date": str}).values.tolist() == [
        ["2025-06-18", "s1", 2, 1, 2400], ["2025-06-19", "j1", 1, 1, 1350],
        ["2025-06-25", "s1", 1, 1, 900], ["2025-07-01", "j1", 1, 1, 1500]]


def _mart_tables(con) -> list[str]:
    models = modelling.load_models()
    return [m.name for m in models.values() if m.materialized == "table"]


def test_each_mart_sums_to_the_intermediate_lines(mini):
    path, _ = mini
    con = duckdb.connect(str(path), read_only=True)
    try:
        lines = con.execute("SELECT SUM(gmv_fen), SUM(paid_fen), SUM(refund_fen), SUM(units), "
                            "SUM(cogs_fen) FROM int_order_lines").fetchall()[0]
        for mart in ("mart_sales_daily", "mart_shop_daily"):
            got = con.execute(f"SELECT SUM(gmv_fen), SUM(paid_fen), SUM(refund_fen), SUM(units), "
                              f"SUM(cogs_fen) FROM {mart}").fetchall()[0]
            assert got == lines, mart
        member = con.execute("SELECT SUM(paid_fen), SUM(refund_fen) FROM mart_member_orders"
                             ).fetchall()[0]
        want = con.execute("SELECT SUM(paid_fen), SUM(refund_fen) FROM int_order_lines "
                           "WHERE is_paid AND member_key IS NOT NULL").fetchall()[0]
        assert member == want
        streamer = con.execute("SELECT SUM(paid_fen) FROM mart_streamer_daily").fetchall()[0]
        assert streamer == con.execute("SELECT SUM(paid_fen) FROM int_order_lines").fetchall()[0]
    finally:
        con.close()


def test_the_build_is_logged_and_a_second_build_has_nothing_to_do(mini):
    path, _ = mini
    with Warehouse(path) as wh:
        again = wh.build()
        log = wh.sql("SELECT build_id, model, kind FROM build_log ORDER BY build_id, model")
    assert again.kind == "nothing"
    first = log[log.build_id == 1]
    assert set(first[first.kind == "full"].model) == set(_mart_tables(None))


def test_a_model_file_changed_since_the_last_build_rebuilds_everything(mini, tmp_path):
    """An incremental build after a rule was edited would mix rows of the old rule with
    rows of the new: the builder keeps each table's SQL hash and builds in full instead."""
    path, _ = mini
    models = modelling.load_models()
    with Warehouse(path) as wh:
        assert modelling.changed_models(wh.con, models) == []
        m = models["mart_sales_daily"]
        models["mart_sales_daily"] = modelling.Model(
            m.name, m.layer, m.path, m.sql + "\n-- edited", m.materialized, m.scope, m.grain,
            m.key, m.depends, m.tables, m.seeds)
        assert modelling.changed_models(wh.con, models) == ["mart_sales_daily"]
        res = modelling.build(wh.con, models=models)
        assert res.kind == "full" and modelling.changed_models(wh.con, models) == []
        assert modelling.build(wh.con, models=models).kind == "nothing"


def test_the_rule_views_exist_before_any_build(tmp_path):
    """Quality reads every loaded line by its canonical SKU and every order by its sales day
    before the marts are built (``ecom ingest --no-build``): the rule views are created with
    the warehouse, over the canonical tables."""
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([MINI], progress=False)
        views = set(wh.sql("SELECT table_name FROM information_schema.tables "
                           "WHERE table_type = 'VIEW'").table_name)
        assert {"int_line_skus", "int_order_dates", "int_done_refunds"} <= views
        assert not wh.sql("SELECT * FROM build_log").shape[0]
        n = wh.sql("SELECT COUNT(*) AS n FROM int_line_skus").n[0]
        assert n == wh.sql("SELECT COUNT(*) AS n FROM order_lines").n[0]


# -- one rule, one place -----------------------------------------------------------------------------
#: each business rule's tell-tale text; it must occur in one file of the workbench only
#: (models, queries, Python, notebooks): the model that writes the rule
RULES = {
    "sales day": (r"COALESCE\(\s*(\w+\.)?paid_at\s*,\s*(\w+\.)?created_at\s*\)",
                  "ecomlib/sql/intermediate/int_order_dates.sql"),
    "canonical SKU": (r"COALESCE\(\s*by_id\.sku", "ecomlib/sql/intermediate/int_line_skus.sql"),
    "refund cases that count": (r"status\s*=\s*'refunded'",
                                "ecomlib/sql/intermediate/int_done_refunds.sql"),
    "FX rate of a day": (r"\bstg_fx_rates\b",
                         "ecomlib/sql/intermediate/int_fx_ranges.sql"),
    "cost of goods": (r"unit_cost_fen\s*\*\s*\(\s*quantity\s*-\s*LEAST",
                      "ecomlib/sql/intermediate/int_order_lines.sql"),
    "cost allocation": (r"FLOOR\(\s*\w+\.c_\w+\s*\*\s*\(\s*\w+\.w_",
                        "ecomlib/sql/marts/mart_sku_day_pnl.sql"),
}


def _workbench_files():
    root = Path(modelling.__file__).resolve().parent.parent
    for p in sorted((root / "ecomlib").rglob("*")):
        if p.suffix in (".py", ".sql") and "quality.py" != p.name:  # quality checks the data
            yield root, p
    for p in sorted((root / "notebooks").rglob("*.ipynb")):
        yield root, p


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_business_rule_is_written_once(rule):
    """The rules are counted in the code: the sales day, the canonical SKU, which refund
    cases count, the FX rate of a day, the cost of goods and the cost allocation each occur
    in exactly one file (quality.py is left out: it checks the loaded data, not figures)."""
    import re
    pattern, home = RULES[rule]
    found = []
    for root, p in _workbench_files():
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".sql":  # the header comment may name the rule
            text = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("--"))
        if re.search(pattern, text, flags=re.I):
            found.append(str(p.relative_to(root)))
    assert found == [home], (rule, found)


# -- incremental = full ------------------------------------------------------------------------------
def _tables(path: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchdf()
                for t in _mart_tables(con)}
    finally:
        con.close()


@pytest.mark.slow
def test_an_incremental_build_equals_a_full_rebuild(tmp_path):
    """A demo warehouse built, then a day of changes loaded (an order paid a day later, a
    new order, a refund completed, a line gone from a re-export): the incremental build
    must give every table exactly what a full rebuild gives."""
    from ecomlib import demo
    src = tmp_path / "demo"
    demo.write_demo(src, demo.DemoConfig(members=400, skus=30), layout="canonical")
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([src], progress=False)
        assert wh.build().kind == "full"
    orders = pd.read_csv(src / "orders.csv", dtype=str, keep_default_na=False)
    lines = pd.read_csv(src / "order_lines.csv", dtype=str, keep_default_na=False)
    refunds = pd.read_csv(src / "refunds.csv", dtype=str, keep_default_na=False)
    paid = orders[orders.paid_at != ""].head(3).copy()
    moved = paid.iloc[[0]].copy()  # paid one day later: both days change
    moved["paid_at"] = (pd.to_datetime(moved.paid_at) + pd.Timedelta(days=1)).astype(str)
    for c in ("shipped_at", "finished_at"):
        moved[c] = ""
    moved["status"] = "paid"
    new = paid.iloc[[1]].copy()
    new["order_id"] = new.order_id + "-NEW"
    new_lines = lines[lines.order_id == paid.order_id.iloc[1]].copy()
    new_lines["order_id"] = new_lines.order_id + "-NEW"
    case = refunds.head(1).copy()
    line = lines[lines.order_id == paid.order_id.iloc[2]].head(1)
    case[["platform", "shop_id", "order_id", "line_id", "sku"]] = \
        line[["platform", "shop_id", "order_id", "line_id", "sku"]].to_numpy()
    case["refund_id"] = "R-INCREMENTAL"
    case["status"] = "refunded"
    changes = tmp_path / "changes"
    changes.mkdir()
    pd.concat([moved, new]).to_csv(changes / "orders.csv", index=False)
    new_lines.to_csv(changes / "order_lines.csv", index=False)
    case.to_csv(changes / "refunds.csv", index=False)
    with Warehouse(path) as wh:
        wh.ingest([changes / "orders.csv", changes / "order_lines.csv",
                   changes / "refunds.csv"], progress=False)
        res = wh.build()
    assert res.kind == "incremental" and res.scope_orders == 3 and res.scope_days >= 3
    incremental = _tables(path)
    full_path = tmp_path / "full.duckdb"
    shutil.copy(path, full_path)
    with Warehouse(full_path) as wh:
        assert wh.build(full=True).kind == "full"
    full = _tables(full_path)
    for t in full:
        pd.testing.assert_frame_equal(incremental[t], full[t], obj=t)
    # and the change is there: the moved order's day no longer has it
    d0 = pd.Timestamp(paid.paid_at.iloc[0]).normalize()
    got = incremental["mart_member_orders"].set_index("order_id").sales_date
    assert pd.Timestamp(got[paid.order_id.iloc[0]]) == d0 + pd.Timedelta(days=1)



@pytest.mark.slow
def test_the_sku_pnl_is_redone_by_day_after_orders_and_whole_after_costs(tmp_path):
    """mart_sku_day_pnl (scope days): a load of orders redoes the shop-days of the build's
    orders only; a load of costs (tracked per order by nothing) rebuilds it whole, costs on
    days without sales included. Each time every table equals a full rebuild."""
    from ecomlib import demo
    src = tmp_path / "demo"
    demo.write_demo(src, demo.DemoConfig(members=300, skus=20), layout="canonical")
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([src], progress=False)
        assert wh.build().kind == "full"
        assert wh.sql("SELECT COUNT(*) AS n FROM mart_sku_day_pnl WHERE sku = '(unallocated)'"
                      ).n[0] > 0
    orders = pd.read_csv(src / "orders.csv", dtype=str, keep_default_na=False)
    paid = orders[orders.paid_at != ""].head(1).copy()
    paid["paid_at"] = (pd.to_datetime(paid.paid_at) + pd.Timedelta(days=1)).astype(str)
    for c in ("shipped_at", "finished_at"):
        paid[c] = ""
    paid["status"] = "paid"
    costs = pd.read_csv(src / "other_costs.csv", dtype=str, keep_default_na=False)
    shop = costs[costs.platform != "ALL"].iloc[0]
    extra = pd.DataFrame([{**shop.to_dict(), "cost_date": "2019-05-05", "kind": "rent",
                           "amount_fen": "1234", "note": ""},          # a day without sales
                          {**shop.to_dict(), "kind": "rent", "amount_fen": "999", "note": ""}])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    paid.to_csv(tmp_path / "a" / "orders.csv", index=False)
    extra.to_csv(tmp_path / "b" / "other_costs.csv", index=False)
    for folder, pnl_kind in (("a", "incremental"), ("b", "full")):
        with Warehouse(path) as wh:
            wh.ingest([tmp_path / folder], progress=False)
            res = wh.build()
        assert res.kind == "incremental"
        assert {m["model"]: m["kind"] for m in res.models}["mart_sku_day_pnl"] == pnl_kind
        incremental = _tables(path)
        full_path = tmp_path / f"full_{folder}.duckdb"
        shutil.copy(path, full_path)
        with Warehouse(full_path) as wh:
            assert wh.build(full=True).kind == "full"
        full = _tables(full_path)
        for t in full:
            pd.testing.assert_frame_equal(incremental[t], full[t], obj=t)
    pnl = incremental["mart_sku_day_pnl"]
    assert pnl[pnl.sales_date == pd.Timestamp("2019-05-05")].other_costs_fen.tolist() == [1234]


def test_queries_bind_the_one_parameter_convention(mini):
    """$start_date / $end_date inclusive, empty lists = every shop/platform."""
    from ecomlib import queries
    path, _ = mini
    with Warehouse(path, read_only=True) as wh:
        all_days = queries.run(wh, "common/shop_days", start_date="2025-06-18",
                               end_date="2025-06-25")
        one = queries.run(wh, "common/shop_days", start_date="2025-06-18",
                          end_date="2025-06-18", shops=["s1"])
    assert all_days.sales_date.astype(str).tolist() == ["2025-06-18", "2025-06-19", "2025-06-25"]
    assert one[["shop_id", "paid_fen"]].values.tolist() == [["s1", 2400]]
    with pytest.raises(ValueError, match="start_date"):
        queries.bind("common/shop_days", end_date="2025-06-18")


def _out_of_order(con, table: str) -> int:
    """Rows stored after a row with a larger (member_key, sales_date) (storage order: rowid)."""
    return int(con.execute(f"""
        SELECT COUNT(*) FROM (
            SELECT member_key, sales_date,
                   LAG(member_key) OVER (ORDER BY rowid) AS prev_key,
                   LAG(sales_date) OVER (ORDER BY rowid) AS prev_day
            FROM {table})
        WHERE prev_key > member_key OR (prev_key = member_key AND prev_day > sales_date)
    """).fetchall()[0][0])


def test_a_clustered_mart_is_stored_sorted_and_sorted_again_when_its_tail_grows(
        tmp_path, monkeypatch):
    """mart_member_orders is written in (member_key, sales_date) order; an incremental
    build appends its new rows (sorted among themselves) and counts them; past
    RECLUSTER_SHARE of the sorted rows the build rewrites the table sorted. The rows are
    the same either way."""
    from ecomlib import demo
    assert modelling.load_models()["mart_member_orders"].cluster == ("member_key", "sales_date")
    src = tmp_path / "demo"
    demo.write_demo(src, demo.DemoConfig(members=300, skus=20), layout="canonical")
    orders = pd.read_csv(src / "orders.csv", dtype=str, keep_default_na=False)
    lines = pd.read_csv(src / "order_lines.csv", dtype=str, keep_default_na=False)
    late = orders[orders.paid_at != ""].sort_values("paid_at").tail(40)  # the last paid orders
    early = tmp_path / "early"
    early.mkdir()
    for f in src.iterdir():
        if f.name not in ("orders.csv", "order_lines.csv"):
            shutil.copy(f, early / f.name)
    orders[~orders.order_id.isin(late.order_id)].to_csv(early / "orders.csv", index=False)
    lines[~lines.order_id.isin(late.order_id)].to_csv(early / "order_lines.csv", index=False)
    day = tmp_path / "day"
    day.mkdir()
    late.to_csv(day / "orders.csv", index=False)
    lines[lines.order_id.isin(late.order_id)].to_csv(day / "order_lines.csv", index=False)
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([early], progress=False)
        assert wh.build().kind == "full"
        n0 = int(wh.sql("SELECT COUNT(*) n FROM mart_member_orders")["n"][0])
        assert _out_of_order(wh.con, "mart_member_orders") == 0
        assert wh.con.execute("SELECT * FROM build_clusters").fetchall() == \
            [("mart_member_orders", n0, 0)]
        # the day's orders appended after the sorted bulk, and counted
        monkeypatch.setattr(modelling, "RECLUSTER_SHARE", 0.5)
        wh.ingest([day / "orders.csv", day / "order_lines.csv"], progress=False)
        assert wh.build().kind == "incremental"
        n1 = int(wh.sql("SELECT COUNT(*) n FROM mart_member_orders")["n"][0])
        added = n1 - n0
        assert added > 0
        assert wh.con.execute("SELECT * FROM build_clusters").fetchall() == \
            [("mart_member_orders", n0, added)]
        assert _out_of_order(wh.con, "mart_member_orders") > 0  # a tail after the bulk
        appended = wh.sql("SELECT * FROM mart_member_orders ORDER BY platform, shop_id, "
                          "order_id")
        # past the share: rewritten sorted, the same rows
        monkeypatch.setattr(modelling, "RECLUSTER_SHARE", 0.0)
        wh.ingest([day / "orders.csv"], progress=False)  # the same orders again: redone
        assert wh.build().kind == "incremental"
        assert _out_of_order(wh.con, "mart_member_orders") == 0
        assert wh.con.execute("SELECT * FROM build_clusters").fetchall() == \
            [("mart_member_orders", n1, 0)]
        pd.testing.assert_frame_equal(
            wh.sql("SELECT * FROM mart_member_orders ORDER BY platform, shop_id, order_id"),
            appended)


def test_cluster_names_columns_of_a_table_model(tmp_path):
    body = "SELECT 1 AS a"
    for header, ok in (("-- materialized: table\n-- cluster: a", True),
                       ("-- materialized: view\n-- cluster: a", False),
                       ("-- materialized: table\n-- cluster: a; DROP TABLE x", False)):
        f = tmp_path / "marts" / "mart_x.sql"
        f.parent.mkdir(exist_ok=True)
        f.write_text(f"-- model: mart_x\n{header}\n{body}\n", encoding="utf-8")
        if ok:
            assert modelling._parse(f, "marts").cluster == ("a",)
        else:
            with pytest.raises(modelling.ModelError, match="cluster"):
                modelling._parse(f, "marts")


def test_the_calendar_is_kept_while_its_inputs_are_the_same(tmp_path):
    """dim_calendar covers the data +- 400 days in whole years; a build keeps it (and does
    not redo its readers) while the span, the campaigns and the calendar code are the same,
    and rewrites it when a campaign changes or the data reach another year."""
    import datetime as dt

    from ecomlib import calendar_dim
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([MINI], progress=False)
        wh.build()
        con = wh.con
        lo, hi = con.execute("SELECT MIN(day), MAX(day) FROM dim_calendar").fetchall()[0]
        data = con.execute(calendar_dim.SPAN_SQL).fetchall()[0]
        assert (lo, hi) == (dt.date((data[0] - dt.timedelta(days=400)).year, 1, 1),
                            dt.date((data[1] + dt.timedelta(days=400)).year, 12, 31))
        assert calendar_dim.write(con) is None  # the same inputs: kept
        camp = [{"name": "店庆", "start": dt.date(2025, 6, 20), "end": dt.date(2025, 6, 21)}]
        assert calendar_dim.write(con, camp) == (hi - lo).days + 1  # a campaign: rewritten
        got = con.execute("SELECT day FROM dim_calendar WHERE campaign = '店庆' ORDER BY day"
                          ).fetchall()
        assert [d for (d,) in got] == [dt.date(2025, 6, 20), dt.date(2025, 6, 21)]
        assert calendar_dim.write(con, camp) is None
        # a build with the campaign gone rewrites it, and logs the readers of dim_calendar
        # as redone; the next build keeps it and skips them
        first = wh.build(full=True)
        assert con.execute("SELECT COUNT(*) FROM dim_calendar WHERE campaign IS NOT NULL"
                           ).fetchall()[0][0] == 0
        readers = [m.name for m in modelling.load_models().values()
                   if "dim_calendar" in m.seeds and m.materialized == "table"
                   and m.scope == "all"]
        assert readers
        con.execute("INSERT INTO build_dirty SELECT platform, shop_id, order_id, "
                    "(SELECT MAX(load_id) FROM load_log) FROM orders LIMIT 1")
        again = wh.build()
        assert again.kind == "incremental"
        kinds = {r["model"]: r["kind"] for r in again.models}
        assert all(kinds[m] == "skipped" for m in readers), kinds
        assert first.kind == "full"


def test_a_models_relations_are_parsed_once_per_process():
    sql = ("WITH a AS (SELECT * FROM orders) SELECT * FROM a JOIN int_order_lines l "
           "ON l.order_id = a.order_id JOIN dim_calendar c ON c.day = l.sales_date")
    modelling._relations_of.cache_clear()
    first = modelling._relations(sql)
    assert first == {"orders", "int_order_lines", "dim_calendar"}  # not the CTE a
    first.add("changed by the caller")
    assert modelling._relations(sql) == {"orders", "int_order_lines", "dim_calendar"}
    assert modelling._relations_of.cache_info().hits == 1
