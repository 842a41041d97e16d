"""Parquet folders: the canonical tables exported for a cluster, and marts folders read back.

``ecom export --parquet DIR`` (:func:`export_parquet`) writes every canonical table of the
warehouse as Hive-partitioned Parquet, the layout Spark, Trino or ClickHouse read::

    DIR/orders/platform=tmall/shop_id=tmall_flagship/month=2025-06/part-00000.parquet
    DIR/order_lines/platform=.../shop_id=.../month=.../part-00000.parquet
    DIR/products/part-00000.parquet
    DIR/_export_state.json

* Tables with platform and shop_id are partitioned by ``platform``, ``shop_id`` and the
  ``month`` (``YYYY-MM``) of their date: orders by ``created_at``; order lines and refunds
  by their order's ``created_at`` (an order's lines and cases sit beside it; a case whose
  order is not loaded by its ``requested_at``); traffic, ad spend and other costs by their
  day. Stock snapshots and purchase orders (no shop) by ``month`` only. The dimensions
  (shops, products, sku_map, fx_rates: small, and every line depends on them) are one file.
  The partition columns are in the path, not in the files. A missing month (an order line
  whose order is not loaded) is ``month=__HIVE_DEFAULT_PARTITION__`` (NULL).
* Partition values are escaped the way Spark escapes them (``%`` + hex for ``/ : = % ...``
  and control characters; other text, Chinese included, as is), so Spark and DuckDB read
  back the same values.
* Incremental: each partition's fingerprint (rows and the sum of a hash of every column of
  every row) is kept in ``_export_state.json``; an export rewrites only the partitions whose
  fingerprint changed since the last one (a load inserted, updated or retired rows there, or
  an order moved to another month), deletes the partitions that are gone, and rewrites a
  table whole when its columns changed or the state file is missing. A partition is written
  to a temporary folder first and then moved into place; the state is saved after each
  table, so an interrupted export redoes only what it had not finished.

:func:`duckdb_views` reads such a folder back into DuckDB (views named as the tables), and
:func:`open_marts` opens a marts folder (``ecom build --engine spark --out DIR``: one folder of
Parquet files per mart, plus ``dim_calendar``) as views, the way
:class:`ecomlib.warehouse.Warehouse` reads it when it is given such a folder instead of the
warehouse file (``ECOMLIB_MARTS_DIR`` / ``ecom --marts DIR``).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import schema

STATE_FILE = "_export_state.json"
BUILD_FILE = "_build.json"
STATE_VERSION = 1
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
#: tables written as one file (no platform/shop/month partitions)
UNPARTITIONED = ("shops", "products", "sku_map", "fx_rates")
#: the month a row belongs to, per partitioned table (SQL over the table as ``t`` and, where
#: joined, its order as ``o``)
MONTH_OF = {
    "orders": "strftime(t.created_at, '%Y-%m')",
    "order_lines": "strftime(o.created_at, '%Y-%m')",
    "refunds": "strftime(COALESCE(o.created_at, t.requested_at), '%Y-%m')",
    "inventory_snapshots": "strftime(t.snapshot_date, '%Y-%m')",
    "purchase_orders": "strftime(t.ordered_on, '%Y-%m')",
    "traffic": "strftime(t.traffic_date, '%Y-%m')",
    "ad_spend": "strftime(t.spend_date, '%Y-%m')",
    "other_costs": "strftime(t.cost_date, '%Y-%m')",
}
_ORDER_JOIN = ("LEFT JOIN orders o ON o.platform = t.platform AND o.shop_id = t.shop_id "
               "AND o.order_id = t.order_id")
JOIN_ORDER = ("order_lines", "refunds")

# characters Spark escapes in a partition value (ExternalCatalogUtils.escapePathName)
_ESCAPE = set('"#%\'*/:=?\\\x7f{[]^') | {chr(i) for i in range(1, 32)}


def escape_path_name(value: str) -> str:
    """A partition value as a path segment, escaped as Spark escapes it: ``%`` and two hex
    digits for ``" # % ' * / : = ? \\ { [ ] ^``, DEL and control characters; everything else
    (letters, digits, Chinese, spaces) as is."""
    return "".join(f"%{ord(ch):02X}" if ch in _ESCAPE else ch for ch in value)


def unescape_path_name(text: str) -> str:
    """The inverse of :func:`escape_path_name`."""
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def partition_columns(table: str) -> tuple[str, ...]:
    """The Hive partition columns of a canonical table (``()`` for one file)."""
    if table in UNPARTITIONED:
        return ()
    t = schema.table(table)
    return tuple(c for c in ("platform", "shop_id") if c in t.column_names) + ("month",)


def partition_path(cols: tuple[str, ...], values) -> str:
    """``platform=tmall/shop_id=s1/month=2025-06`` for the values of ``cols``."""
    return "/".join(f"{c}=" + (NULL_PARTITION if v is None or v == "" else
                               escape_path_name(str(v))) for c, v in zip(cols, values))


def _q(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _source_sql(table: str) -> str:
    """The table's rows with their partition values (``month``) as a SELECT."""
    t = schema.table(table)
    cols = ", ".join(f"t.{c}" for c in t.column_names)
    if table in UNPARTITIONED:
        return f"SELECT {cols} FROM {table} t"
    join = _ORDER_JOIN if table in JOIN_ORDER else ""
    return f"SELECT {cols}, {MONTH_OF[table]} AS month FROM {table} t {join}"


@dataclass
class TableExport:
    table: str
    partitions: int = 0
    written: int = 0
    removed: int = 0
    rows_written: int = 0
    seconds: float = 0.0


@dataclass
class ExportResult:
    out: Path
    tables: list[TableExport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return sum(t.written for t in self.tables)

    def summary(self) -> str:
        parts = sum(t.partitions for t in self.tables)
        rows = sum(t.rows_written for t in self.tables)
        removed = sum(t.removed for t in self.tables)
        return (f"export to {self.out}: {self.written} of {parts} partition(s) written "
                f"({rows:,} rows), {parts - self.written} unchanged"
                + (f", {removed} removed" if removed else "") + f" in {self.seconds:.1f} s")


def _read_state(out: Path) -> dict:
    p = out / STATE_FILE
    try:
        state = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"version": STATE_VERSION, "tables": {}}
    if state.get("version") != STATE_VERSION:
        return {"version": STATE_VERSION, "tables": {}}
    return state


def _write_state(out: Path, state: dict) -> None:
    tmp = out / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True),
                   encoding="utf-8")
    os.replace(tmp, out / STATE_FILE)


def fingerprints(con, table: str) -> dict[str, list]:
    """``{partition path: [rows, hash sum]}`` of a canonical table in the warehouse (one
    entry ``""`` for an unpartitioned table). The hash covers every column of every row."""
    t = schema.table(table)
    pcols = partition_columns(table)
    cols = ", ".join(t.column_names)
    sel = ", ".join(pcols)
    group = f"GROUP BY {sel}" if pcols else ""
    rows = con.execute(
        f"SELECT {sel + ', ' if sel else ''}COUNT(*), "
        f"CAST(COALESCE(SUM(CAST(hash({cols}) AS HUGEINT)), 0) AS VARCHAR) "
        f"FROM ({_source_sql(table)}) {group}").fetchall()
    n = len(pcols)
    out = {}
    for r in rows:
        if not pcols and r[0] == 0:
            continue
        out[partition_path(pcols, r[:n]) if pcols else ""] = [int(r[n]), r[n + 1]]
    return out


def export_parquet(con, out: str | Path, tables=None, full: bool = False,
                   progress=None) -> ExportResult:
    """Export the canonical tables of a DuckDB warehouse connection to ``out`` as
    Hive-partitioned Parquet, only the partitions changed since the last export (``full``:
    every partition). See the module docstring."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    state = _read_state(out)
    if full:
        state["tables"] = {}
    import duckdb
    state["duckdb"] = duckdb.__version__
    res = ExportResult(out)
    tmp_root = out / f".export-tmp-{os.getpid()}"
    try:
        for name in (tables or list(schema.TABLES)):
            t1 = time.perf_counter()
            r = _export_table(con, out, name, state, tmp_root)
            r.seconds = round(time.perf_counter() - t1, 2)
            res.tables.append(r)
            _write_state(out, state)
            if progress:
                progress(r)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    res.seconds = round(time.perf_counter() - t0, 2)
    return res


def _export_table(con, out: Path, name: str, state: dict, tmp_root: Path) -> TableExport:
    t = schema.table(name)
    pcols = partition_columns(name)
    folder = out / name
    now = fingerprints(con, name)
    before = state["tables"].get(name)
    if not before or before.get("columns") != t.column_names or \
            before.get("partitions_by") != list(pcols):
        shutil.rmtree(folder, ignore_errors=True)  # no state for it: start the table afresh
        before = {"partitions": {}}
    old = before["partitions"]
    changed = [p for p, fp in now.items()
               if old.get(p) != fp or not (folder / p).is_dir() or not any(
                   (folder / p).glob("*.parquet"))]
    gone = [p for p in old if p not in now]
    r = TableExport(name, partitions=len(now), written=len(changed), removed=len(gone))
    data_cols = ", ".join(f"s.{c}" for c in t.column_names if c not in pcols)  # (in the path)
    order = ", ".join(f"s.{k}" for k in t.key)
    if not pcols:
        folder.mkdir(parents=True, exist_ok=True)
        if changed or not any(folder.glob("*.parquet")):
            tmp = folder / ".part-00000.parquet.tmp"
            con.execute(f"COPY (SELECT {data_cols} FROM ({_source_sql(name)}) s ORDER BY "
                        f"{order}) TO {_q(tmp)} (FORMAT parquet)")
            os.replace(tmp, folder / "part-00000.parquet")
            r.rows_written = sum(fp[0] for fp in now.values())
            r.written = 1
        r.partitions = 1
    elif changed:
        tmp = tmp_root / name
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        con.execute("DROP TABLE IF EXISTS _export_parts")
        con.execute("CREATE TEMP TABLE _export_parts (p INTEGER, path VARCHAR)")
        con.executemany("INSERT INTO _export_parts VALUES (?, ?)",
                        [[i, p] for i, p in enumerate(changed)])
        # the partition path of each row, computed as partition_path does, in SQL
        path_sql = " || '/' || ".join(
            f"'{c}=' || COALESCE(NULLIF({_escape_sql('s.' + c)}, ''), '{NULL_PARTITION}')"
            for c in pcols)
        try:
            con.execute(
                f"COPY (SELECT {data_cols}, k.p FROM ({_source_sql(name)}) s "
                f"JOIN _export_parts k ON k.path = {path_sql} ORDER BY k.p, {order}) "
                f"TO {_q(tmp)} (FORMAT parquet, PARTITION_BY (p), OVERWRITE_OR_IGNORE)")
        finally:
            con.execute("DROP TABLE IF EXISTS _export_parts")
        for i, p in enumerate(changed):
            dest = folder / p
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True, exist_ok=True)
            files = sorted((tmp / f"p={i}").glob("*.parquet"))
            for k, f in enumerate(files):
                os.replace(f, dest / f"part-{k:05d}.parquet")
            r.rows_written += now[p][0]
        shutil.rmtree(tmp, ignore_errors=True)
    for p in gone:
        shutil.rmtree(folder / p, ignore_errors=True)
        _prune_empty(folder / p, folder)
    state["tables"][name] = {"columns": t.column_names, "partitions_by": list(pcols),
                             "partitions": now}
    return r


def _escape_sql(expr: str) -> str:
    """SQL for :func:`escape_path_name` of a text expression (DuckDB)."""
    out = f"CAST({expr} AS VARCHAR)"
    out = f"replace({out}, '%', '%25')"  # first, so the escapes below stay as they are
    for ch in sorted(_ESCAPE - {"%"}):
        out = f"replace({out}, chr({ord(ch)}), '%{ord(ch):02X}')"
    return out


def _prune_empty(path: Path, stop: Path) -> None:
    p = path.parent
    while p != stop and p.is_dir() and not any(p.iterdir()):
        p.rmdir()
        p = p.parent


# -- reading back ------------------------------------------------------------------------------
def _has_parquet(folder: Path, recursive: bool) -> bool:
    if not folder.is_dir():
        return False
    return any(folder.rglob("*.parquet") if recursive else folder.glob("*.parquet"))


def table_sql(folder: str | Path, table: str) -> str:
    """A DuckDB SELECT of canonical table ``table`` from an export folder, typed as in the
    warehouse (an empty table when the folder has no file of it)."""
    t = schema.table(table)
    path = Path(folder) / table
    pcols = partition_columns(table)
    cols = ", ".join(f"CAST({c.name} AS {c.duck_type}) AS {c.name}" for c in t.columns)
    if not _has_parquet(path, bool(pcols)):
        return "SELECT " + ", ".join(f"CAST(NULL AS {c.duck_type}) AS {c.name}"
                                     for c in t.columns) + " WHERE false"
    if pcols:
        return (f"SELECT {cols} FROM read_parquet({_q(path.resolve() / '**' / '*.parquet')}, "
                "hive_partitioning = true, hive_types_autocast = false)")
    return f"SELECT {cols} FROM read_parquet({_q(path.resolve() / '*.parquet')})"


def duckdb_views(con, folder: str | Path, tables=None) -> list[str]:
    """Views named as the canonical tables over an export folder; returns their names."""
    names = list(tables or schema.TABLES)
    for name in names:
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {table_sql(folder, name)}")
    return names


_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def is_marts_folder(path: str | Path) -> bool:
    """A folder of Parquet marts (``ecom build --engine spark --out``): it has the build's
    ``_build.json``, or folders of Parquet files named ``mart_*``."""
    p = Path(path)
    if not p.is_dir():
        return False
    return (p / BUILD_FILE).exists() or any(
        d.is_dir() and d.name.startswith("mart_") and _has_parquet(d, False)
        for d in p.iterdir())


def build_info(folder: str | Path) -> dict:
    """The marts folder's ``_build.json`` (``{}`` without one)."""
    try:
        return json.loads((Path(folder) / BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def open_marts(con, folder: str | Path) -> dict:
    """Views on a DuckDB connection over a marts folder: one per folder of Parquet files
    (the marts, ``dim_calendar``), named as the folder; and, when the build's canonical
    export (``_build.json``'s ``source``) is still there, views named as the canonical
    tables over it. Returns ``{"marts": [...], "tables": [...]}``."""
    folder = Path(folder)
    marts = []
    for d in sorted(folder.iterdir()):
        if d.is_dir() and _NAME.match(d.name) and _has_parquet(d, False):
            con.execute(f"CREATE OR REPLACE VIEW {d.name} AS SELECT * FROM "
                        f"read_parquet({_q(d.resolve() / '*.parquet')})")
            marts.append(d.name)
    tables = []
    source = build_info(folder).get("source")
    if source and Path(source).is_dir() and (Path(source) / STATE_FILE).exists():
        tables = duckdb_views(con, source)
    return {"marts": marts, "tables": tables}
