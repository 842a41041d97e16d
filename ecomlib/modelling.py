"""The model layer: every business rule written once, in SQL files, built as tables.

Models are the ``.sql`` files under ``ecomlib/sql/<layer>/<name>.sql``, one model per file,
in three layers read in this order:

* ``staging``: typed views over the canonical tables (``stg_orders`` ...), nothing decided;
* ``intermediate``: the rules, each once: which day a sale belongs to, the CNY rate, the
  canonical SKU, the refunds of each line, the cost of goods (``int_orders``,
  ``int_order_lines``, ...);
* ``marts``: what reports and apps read (``mart_sales_daily``, ``mart_shop_daily``, ...).

A model is a plain ``SELECT`` (a chain of named CTEs), portable SQL that sqlglot transpiles
to Spark SQL, ClickHouse and Trino (tests/test_models.py). Its header comment says what it
is::

    -- model: mart_sales_daily
    -- grain: one row per sales_date, platform, shop_id and sku
    -- materialized: table          (view | table)
    -- scope: days                  (all | orders | days: what an incremental build redoes)
    -- key: sales_date, platform, shop_id, sku
    -- cluster: member_key          (optional: the order the table's rows are stored in)

Models refer to each other by name (``FROM int_order_lines``); the dependencies come from
the SQL (sqlglot), so the build order needs no list.

Incremental builds. Every load records the orders it touched (``build_dirty``: platform,
shop_id, order_id; the loads of one file, in one transaction, record each of its orders
once, under the file's first load of an order table). ``build`` then redoes only what those orders feed: models of scope
``orders`` for those orders (``build_scope_orders``), then models of scope ``days`` for the
days those orders fall on before and after the load (``build_scope_days``: platform,
shop_id, sales_date, taken from ``int_order_lines`` before and after). A model of scope
``all`` (stock, traffic, ads, costs: small tables) is rebuilt whole when a table it reads
was loaded; so is a model of scope ``orders`` or ``days`` when a table it reads other than
orders, order lines and refunds was loaded (the SKU P&L after a load of costs or ads). A
change to products, sku_map, fx_rates or shops (which every line depends on)
rebuilds everything, and so does a model file whose SQL changed since its table was built
(``build_models`` keeps each table's SQL hash). Models read their scope through the relations ``build_scope_orders``
and ``build_scope_days``, which hold every key on a full build, and ``build_scope_full``,
one row on a full build and none on an incremental one (a days model whose rows are not
all on days of order lines, the SKU P&L's costs, takes every day then).

After its transaction a build records whether each quality rule fails
(:func:`ecomlib.quality.record_checks`, table ``quality_rule_checks``): rules whose tables
were not loaded keep their answer, and after loads of orders only the order rules are asked
about the build's orders and the stock rule about the stock steps of the days those orders
were placed on (:data:`LINE_DAYS`); the overview's data-health badge reads the record.

Clustered tables. A table model with a ``cluster`` header is written in that order (its
full build sorted, each incremental build's new rows sorted and appended): readers that
group by those columns find each group's rows together, and DuckDB folds them early
(mart_member_orders by member: the members report's 12 queries ~25 % less CPU at 5M).
Appended rows sit after the sorted bulk; when the rows appended since the last sort pass
:data:`RECLUSTER_SHARE` of those sorted (~55 daily loads at 5M), the build rewrites the
table sorted (``build_clusters`` keeps the counts). Only the storage order changes: no
query may rely on it (each says its own ORDER BY).

Parameters of queries over marts use one convention: ``$start_date`` and ``$end_date``,
both inclusive Beijing dates.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
LAYERS = ("staging", "intermediate", "marts")
SCOPES = ("all", "orders", "days")
#: the model that says which day each order line belongs to (its ``sales_date``)
DAY_MODEL = "int_order_lines"
#: canonical tables every order line depends on: a load of one of them rebuilds everything
DIMENSIONS = ("products", "sku_map", "fx_rates", "shops")
#: a clustered table is rewritten sorted when the rows appended to it since its last sort
#: pass this share of the rows sorted then
RECLUSTER_SHARE = 0.10
#: tables the builder writes from Python before the models (dim_calendar: ecomlib.calendar_dim)
SEEDS = ("dim_calendar",)
#: canonical tables whose loads are tracked per order (build_dirty)
ORDER_TABLES = ("orders", "order_lines", "refunds")
#: the relations models read their scope through (temp tables during a build)
SCOPE_RELATIONS = ("build_scope_orders", "build_scope_days", "build_scope_full")
#: after an incremental build, until its quality record is written: the days the build's
#: orders' lines were on before and after it, by sales day and by the day the order was
#: placed (platform, shop_id, sales_date, created_date; the stock rule's scope,
#: :func:`ecomlib.quality.record_checks`)
LINE_DAYS = "build_scope_line_days"

BOOK_DDL = [
    """CREATE TABLE IF NOT EXISTS build_dirty (
        platform VARCHAR, shop_id VARCHAR, order_id VARCHAR, load_id BIGINT)""",
    """CREATE TABLE IF NOT EXISTS build_log (
        build_id BIGINT, model VARCHAR, layer VARCHAR, kind VARCHAR, rows BIGINT,
        seconds DOUBLE, started_at TIMESTAMP, last_load_id BIGINT, message VARCHAR)""",
    # the SQL each table was last built from: a model file changed since rebuilds everything
    """CREATE TABLE IF NOT EXISTS build_models (
        model VARCHAR PRIMARY KEY, sql_sha256 VARCHAR, build_id BIGINT)""",
    # clustered tables: rows in sorted order at the last sort pass, rows appended since
    """CREATE TABLE IF NOT EXISTS build_clusters (
        model VARCHAR PRIMARY KEY, sorted_rows BIGINT, appended_rows BIGINT)""",
]


class ModelError(ValueError):
    """A model file that cannot be used (the message names the file)."""


@dataclass
class Model:
    """One SQL model (see the module docstring)."""

    name: str
    layer: str
    path: Path
    sql: str
    materialized: str = "view"
    scope: str = "all"
    grain: str = ""
    key: tuple[str, ...] = ()
    depends: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # canonical tables it reads directly
    seeds: list[str] = field(default_factory=list)   # seeded tables it reads (dim_calendar)
    cluster: tuple[str, ...] = ()  # the order the table's rows are stored in

    @property
    def body(self) -> str:
        """The SELECT without the header comment."""
        return self.sql


_HEADER = re.compile(r"^--\s*(\w+)\s*:\s*(.*?)\s*$")


def _parse(path: Path, layer: str) -> Model:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER.match(line)
        if not line.startswith("--"):
            break
        if m and m.group(1) in ("model", "grain", "materialized", "scope", "key", "cluster"):
            meta[m.group(1)] = m.group(2)
    name = meta.get("model", path.stem)
    if name != path.stem:
        raise ModelError(f"{path}: the header names model {name!r}; the file must be "
                         f"named {name}.sql")
    mat = meta.get("materialized", "view")
    scope = meta.get("scope", "all")
    if mat not in ("view", "table"):
        raise ModelError(f"{path}: materialized must be view or table, got {mat!r}")
    if scope not in SCOPES:
        raise ModelError(f"{path}: scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    key = tuple(k.strip() for k in meta.get("key", "").split(",") if k.strip())
    cluster = tuple(k.strip() for k in meta.get("cluster", "").split(",") if k.strip())
    bad = [c for c in cluster if not re.fullmatch(r"[a-z_][a-z0-9_]*", c)]
    if bad or (cluster and mat != "table"):
        raise ModelError(f"{path}: cluster must name columns of a table model, got "
                         f"{meta.get('cluster')!r}")
    return Model(name, layer, path, text.strip().rstrip(";"), mat, scope,
                 meta.get("grain", ""), key, cluster=cluster)


def _relations(sql: str) -> set[str]:
    """Names of the relations a SELECT reads (not its own CTEs), by sqlglot (a copy: the
    answers are kept per SQL text for the process, see :func:`_relations_of`)."""
    return set(_relations_of(sql))


@functools.lru_cache(maxsize=512)
def _relations_of(sql: str) -> frozenset[str]:
    """:func:`_relations` kept per SQL text: parsing the ~40 models costs ~0.2 s, and a
    warehouse's open (its views) and its build each asked for every model's again."""
    import sqlglot
    from sqlglot import exp
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return frozenset(t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes)


def load_models(folder: Path = SQL_DIR) -> dict[str, Model]:
    """Every model under ``folder``, in build order (dependencies first)."""
    from . import schema
    found: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((folder / layer).glob("*.sql")):
            m = _parse(path, layer)
            if m.name in found:
                raise ModelError(f"{path}: model {m.name} is defined twice")
            found[m.name] = m
    for m in found.values():
        rels = _relations(m.sql)
        m.depends = sorted(r for r in rels if r in found)
        m.tables = sorted(r for r in rels if r in schema.TABLES)
        m.seeds = sorted(r for r in rels if r in SEEDS)
        unknown = rels - set(found) - set(schema.TABLES) - set(SEEDS) - set(SCOPE_RELATIONS)
        if unknown:
            raise ModelError(f"{m.path}: reads {', '.join(sorted(unknown))}, which is neither "
                             "a model nor a canonical table")
        order = LAYERS.index(m.layer)
        for d in m.depends:
            if LAYERS.index(found[d].layer) > order:
                raise ModelError(f"{m.path}: a {m.layer} model reads {d}, a "
                                 f"{found[d].layer} model (layers read downwards only)")
    return {n: found[n] for n in _topological(found)}


def _topological(models: dict[str, Model]) -> list[str]:
    done: list[str] = []
    seen: set[str] = set()

    def visit(n: str, path: tuple[str, ...]) -> None:
        if n in done:
            return
        if n in seen:
            raise ModelError(f"models depend on each other in a circle: {' -> '.join(path)}")
        seen.add(n)
        for d in models[n].depends:
            visit(d, path + (d,))
        done.append(n)
    for n in models:
        visit(n, (n,))
    return done


def upstream_tables(models: dict[str, Model], name: str) -> set[str]:
    """Canonical tables (and seeds) a model reads directly or through other models."""
    out = set(models[name].tables) | set(models[name].seeds)
    for d in models[name].depends:
        out |= upstream_tables(models, d)
    return out


# -- building ----------------------------------------------------------------------------------
@dataclass
class BuildResult:
    build_id: int
    kind: str                    # full | incremental | nothing
    seconds: float
    models: list[dict]
    scope_orders: int = 0
    scope_days: int = 0
    #: the quality rules asked after the build (:func:`ecomlib.quality.record_checks`:
    #: how many were asked in full, about the build's orders only, by their recorded failing
    #: row, kept; seconds), None if not recorded
    checks: dict | None = None

    def summary(self) -> str:
        built = [m for m in self.models if m["kind"] not in ("view", "skipped")]
        return (f"build {self.build_id}: {self.kind}, {len(built)} table(s) in "
                f"{self.seconds:.1f} s" + (f" ({self.scope_orders:,} orders, "
                                            f"{self.scope_days:,} shop-days)"
                                            if self.kind == "incremental" else "")
                + (f"; quality rules: {self.checks['full']} asked, {self.checks['scoped']} on "
                   f"what the build's orders changed, {self.checks['witness']} by their failing row, "
                   f"{self.checks['kept']} kept, {self.checks['seconds']:.1f} s"
                   if self.checks else ""))


def init(con) -> None:
    """The build bookkeeping tables (``build_dirty``, ``build_log``)."""
    for stmt in BOOK_DDL:
        con.execute(stmt)


def create_views(con, models: dict[str, Model] | None = None) -> list[str]:
    """(Re)create every view model whose relations exist on ``con`` (in build order, so a
    view over another view follows it): the staging views and the views of rules read
    before any build (``int_line_skus``: the quality rules list every loaded line by its
    canonical SKU). Views over tables not built yet are left to :func:`build`. Returns the
    names created."""
    models = models or load_models()
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    made = []
    for m in models.values():
        if m.materialized != "view" or not _relations(m.sql) <= have:
            continue
        con.execute(f"CREATE OR REPLACE VIEW {m.name} AS {m.sql}")
        have.add(m.name)
        made.append(m.name)
    return made


def mark_dirty(con, table: str, rows, load_id: int) -> None:
    """Record the orders a load touched (``rows``: a registered relation name with platform,
    shop_id and order_id columns, each order once: a file's loads record their orders
    together; the build reads the distinct keys in any case) for the next incremental
    build."""
    if table in ORDER_TABLES:
        con.execute(f"INSERT INTO build_dirty SELECT CAST(platform AS VARCHAR), "
                    f"CAST(shop_id AS VARCHAR), CAST(order_id AS VARCHAR), {int(load_id)} "
                    f"FROM {rows}")


def _exists(con, name: str) -> bool:
    return bool(con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchall()[0][0])


def _last_build(con) -> tuple[int, int]:
    """(last build id, the last load id it included); (0, 0) before the first."""
    r = con.execute("SELECT MAX(build_id), MAX(last_load_id) FROM build_log "
                    "WHERE kind <> 'failed'").fetchall()[0]
    return int(r[0] or 0), int(r[1] or 0)


def _sql_hash(m: Model) -> str:
    import hashlib
    return hashlib.sha256(m.sql.encode("utf-8")).hexdigest()


def changed_models(con, models: dict[str, Model]) -> list[str]:
    """Table models whose SQL differs from the SQL their table was last built from
    (``build_models``; a warehouse built before this record existed: every table). A rule
    edited in its file (or a new version of the workbench) makes the next build a full one:
    an incremental build would mix rows of the old rule with rows of the new."""
    stored = dict(con.execute("SELECT model, sql_sha256 FROM build_models").fetchall())
    return [m.name for m in models.values()
            if m.materialized == "table" and stored.get(m.name) != _sql_hash(m)]


def pending(con) -> dict:
    """What the next build has to do: loads since the last build, per table."""
    _, last = _last_build(con)
    rows = con.execute("SELECT table_name, COUNT(*) FROM load_log WHERE status = 'ok' AND "
                       "load_id > ? AND rows_loaded > 0 GROUP BY table_name", [last]).fetchall()
    return {t: int(n) for t, n in rows}


def build(con, full: bool = False, models: dict[str, Model] | None = None,
          progress=None, campaigns_file=None) -> BuildResult:
    """Build the models on a writable DuckDB connection (see the module docstring): views
    (re)created, tables rebuilt whole (``full``, the first build, or a dimension loaded) or
    incrementally for what the loads since the last build touched. One transaction: a
    failing build leaves the marts as they were, and its log says why."""
    models = models or load_models()
    init(con)
    t0 = time.perf_counter()
    started = dt.datetime.now()
    build_id, last_load = _last_build(con)
    build_id += 1
    max_load = int(con.execute("SELECT COALESCE(MAX(load_id), 0) FROM load_log").fetchall()[0][0])
    loaded = pending(con)
    missing = [m.name for m in models.values() if m.materialized == "table"
               and not _exists(con, m.name)]
    changed = changed_models(con, models)
    if full or missing or changed or any(t in loaded for t in DIMENSIONS) or last_load == 0:
        kind = "full"
    elif not loaded and not con.execute("SELECT COUNT(*) FROM build_dirty").fetchall()[0][0]:
        kind = "nothing"
    else:
        kind = "incremental"
    log: list[dict] = []
    n_orders = n_days = 0
    committed, checks = False, None
    con.execute("BEGIN")
    try:
        from . import calendar_dim
        if calendar_dim.write(con, calendar_dim.load_campaigns(campaigns_file)) is not None:
            loaded = {**loaded, **{s: 1 for s in SEEDS}}  # rewritten: its readers redone
        if kind != "nothing":
            n_orders, n_days = _scopes(con, kind)
        for m in models.values():  # in build order: a model after what it reads
            if m.materialized == "view":
                con.execute(f"CREATE OR REPLACE VIEW {m.name} AS {m.sql}")
                log.append({"model": m.name, "layer": m.layer, "kind": "view", "rows": None,
                            "seconds": 0.0})
                continue
            t = time.perf_counter()
            what, rows = _build_table(con, m, models, kind, loaded)
            log.append({"model": m.name, "layer": m.layer, "kind": what, "rows": rows,
                        "seconds": round(time.perf_counter() - t, 3)})
            if m.name == DAY_MODEL and kind == "incremental":
                n_days = _add_new_days(con)
            if progress:
                progress(m.name, what, rows)
        con.execute("DELETE FROM build_dirty WHERE load_id <= ?", [max_load])
        if kind == "full":
            con.execute("DELETE FROM build_models")
            con.executemany("INSERT INTO build_models VALUES (?, ?, ?)",
                            [[m.name, _sql_hash(m), build_id] for m in models.values()
                             if m.materialized == "table"])
        for r in log:
            con.execute("INSERT INTO build_log VALUES (?,?,?,?,?,?,?,?,?)",
                        [build_id, r["model"], r["layer"], r["kind"], r["rows"], r["seconds"],
                         started, max_load, ""])
        con.execute("COMMIT")
        committed = True
    except BaseException as e:
        con.execute("ROLLBACK")
        try:
            con.execute("INSERT INTO build_log VALUES (?,?,?,?,?,?,?,?,?)",
                        [build_id, "", "", "failed", None,
                         round(time.perf_counter() - t0, 3), started, last_load,
                         f"{type(e).__name__}: {e}"[:2000]])
        except Exception:  # noqa: BLE001 - the connection itself may be gone
            pass
        raise
    finally:
        if committed:  # while the build's orders are still in build_scope_orders
            checks = _record_checks(con, build_id, kind, last_load, max_load, models)
        for tmp in (*SCOPE_RELATIONS, LINE_DAYS):
            con.execute(f"DROP TABLE IF EXISTS {tmp}")
    return BuildResult(build_id, kind, round(time.perf_counter() - t0, 2), log, n_orders,
                       n_days, checks)


def _record_checks(con, build_id: int, kind: str, last_load: int, max_load: int,
                   models: dict[str, Model]) -> dict | None:
    """After a committed build: whether each quality rule fails, for the overview's badge
    (:func:`ecomlib.quality.record_checks`; the build's orders are still in
    build_scope_orders). Never fails the build: on an error the badge asks the rules itself."""
    from . import quality
    try:
        return quality.record_checks(con, build_id, kind, last_load, max_load, models)
    except Exception:  # noqa: BLE001 - the marts are built; the record is only a shortcut
        return None


def _scopes(con, kind: str) -> tuple[int, int]:
    """Create build_scope_orders and build_scope_days (temp tables): every key on a full
    build; the dirty orders and, for now, the days they were on before (the days after are
    added once the day model is rebuilt, :func:`_add_new_days`)."""
    for tmp in SCOPE_RELATIONS:
        con.execute(f"DROP TABLE IF EXISTS {tmp}")
    con.execute("CREATE TEMP TABLE build_scope_full (full_build BOOLEAN)")
    if kind == "full":
        con.execute("INSERT INTO build_scope_full VALUES (TRUE)")
        con.execute("CREATE TEMP TABLE build_scope_orders AS "
                    "SELECT platform, shop_id, order_id FROM orders")
        # every day any order line falls on, taken once the day model is rebuilt
        con.execute("CREATE TEMP TABLE build_scope_days (platform VARCHAR, shop_id VARCHAR, "
                    "sales_date DATE)")
        return int(con.execute("SELECT COUNT(*) FROM build_scope_orders").fetchall()[0][0]), 0
    con.execute("CREATE TEMP TABLE build_scope_orders AS "
                "SELECT DISTINCT platform, shop_id, order_id FROM build_dirty")
    con.execute(f"DROP TABLE IF EXISTS {LINE_DAYS}")
    if _exists(con, DAY_MODEL):
        con.execute(f"CREATE TEMP TABLE {LINE_DAYS} AS {_line_days_sql()}")
    else:
        con.execute(f"CREATE TEMP TABLE {LINE_DAYS} (platform VARCHAR, shop_id VARCHAR, "
                    "sales_date DATE, created_date DATE)")
    con.execute("CREATE TEMP TABLE build_scope_days AS SELECT DISTINCT platform, shop_id, "
                f"sales_date FROM {LINE_DAYS}")
    n = con.execute("SELECT COUNT(*) FROM build_scope_orders").fetchall()[0][0]
    return int(n), 0


def _every_key(m: Model) -> str:
    """The SELECT of model ``m`` with its scope relations holding every key, as on a full
    build (CTEs of the same names shadow the build's temp tables)."""
    return ("WITH build_scope_orders AS (SELECT platform, shop_id, order_id FROM orders), "
            f"build_scope_days AS (SELECT DISTINCT platform, shop_id, sales_date FROM {DAY_MODEL}), "
            "build_scope_full AS (SELECT TRUE AS full_build) "
            f"SELECT * FROM (\n{m.sql}\n) m")


def _line_days_sql() -> str:
    """The days of the build's orders' lines in the day model now (see :data:`LINE_DAYS`)."""
    return (f"SELECT DISTINCT d.platform, d.shop_id, d.sales_date, CAST(d.created_at AS DATE) "
            f"AS created_date FROM {DAY_MODEL} d SEMI JOIN build_scope_orders s "
            "ON s.platform = d.platform AND s.shop_id = d.shop_id AND s.order_id = d.order_id")


def _add_new_days(con) -> int:
    """After the day model was rebuilt for the scope's orders: their days now, added to
    build_scope_days (an order whose payment day moved dirties both days) and to
    :data:`LINE_DAYS`."""
    con.execute(f"INSERT INTO {LINE_DAYS} {_line_days_sql()} EXCEPT SELECT * FROM {LINE_DAYS}")
    con.execute(f"INSERT INTO build_scope_days SELECT DISTINCT platform, shop_id, sales_date "
                f"FROM {LINE_DAYS} EXCEPT SELECT platform, shop_id, sales_date "
                "FROM build_scope_days")
    return int(con.execute("SELECT COUNT(*) FROM build_scope_days").fetchall()[0][0])


def _sorted(m: Model, select: str) -> str:
    """``select`` in the model's cluster order (unchanged for a model without one)."""
    if not m.cluster:
        return select
    # the closing bracket on its own line: the model may end in a -- comment
    return f"SELECT * FROM ({select}\n) AS {m.name}_rows ORDER BY {', '.join(m.cluster)}"


def _rewrite(con, m: Model, select: str) -> tuple[str, int]:
    """The whole table from ``select`` (sorted when clustered); ("full", rows)."""
    con.execute(f"CREATE OR REPLACE TABLE {m.name} AS {_sorted(m, select)}")
    rows = int(con.execute(f"SELECT COUNT(*) FROM {m.name}").fetchall()[0][0])
    if m.cluster:
        con.execute("INSERT OR REPLACE INTO build_clusters VALUES (?, ?, 0)", [m.name, rows])
    return "full", rows


def _appended(con, m: Model, n: int) -> None:
    """Count ``n`` rows appended to clustered table ``m``; past :data:`RECLUSTER_SHARE` of
    the rows sorted at its last sort pass, rewrite it sorted."""
    got = con.execute("SELECT sorted_rows, appended_rows FROM build_clusters WHERE model = ?",
                      [m.name]).fetchall()
    sorted_rows, appended = (got[0] if got else (0, 0))
    appended += n
    if appended > RECLUSTER_SHARE * sorted_rows:
        _rewrite(con, m, f"SELECT * FROM {m.name}")
    else:
        con.execute("INSERT OR REPLACE INTO build_clusters VALUES (?, ?, ?)",
                    [m.name, sorted_rows, appended])


def _build_table(con, m: Model, models: dict[str, Model], kind: str,
                 loaded: dict) -> tuple[str, int]:
    """Rebuild one table model; returns (what was done, rows written)."""
    exists = _exists(con, m.name)
    if kind == "full" or not exists:
        done = _rewrite(con, m, m.sql)
        if m.name == DAY_MODEL:
            con.execute(f"INSERT INTO build_scope_days SELECT DISTINCT platform, shop_id, "
                        f"sales_date FROM {DAY_MODEL}")
        return done
    if kind == "nothing":
        return "skipped", 0
    upstream = upstream_tables(models, m.name)
    if m.scope == "all":
        if not (upstream & set(loaded)):
            return "skipped", 0
        return _rewrite(con, m, m.sql)
    if (upstream & set(loaded)) - set(ORDER_TABLES) - set(SEEDS):
        # a table loaded that is not tracked per order (costs, ads): the build's orders and
        # days do not say which rows changed, so every key is redone
        return _rewrite(con, m, _every_key(m))
    if m.scope == "orders":
        on = "s.platform = t.platform AND s.shop_id = t.shop_id AND s.order_id = t.order_id"
        con.execute(f"DELETE FROM {m.name} t USING build_scope_orders s WHERE {on}")
    else:
        on = ("s.platform = t.platform AND s.shop_id = t.shop_id "
              "AND s.sales_date = t.sales_date")
        con.execute(f"DELETE FROM {m.name} t USING build_scope_days s WHERE {on}")
    n = con.execute(f"INSERT INTO {m.name} {_sorted(m, m.sql)}").fetchall()
    rows = int(n[0][0]) if n and n[0] else 0
    if m.cluster:
        _appended(con, m, rows)
    return "incremental", rows
