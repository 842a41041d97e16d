"""The warehouse: one DuckDB file holding the canonical tables, the load log and quarantine.

Guarantees (each has a test in tests/test_warehouse.py):

* **Idempotent**: a load upserts on the table's natural key. Loading the same file twice
  inserts and updates nothing; a newer export of the same order updates the changed rows.
* **Atomic**: one file is one transaction; a load that fails half-way (an exception, a
  killed process) leaves the warehouse as it was. DuckDB only replays committed work.
* **Nothing lost**: for every file and table, ``rows_in = rows_loaded + rows_quarantined``
  (``rows_loaded = inserted + updated + unchanged``), recorded in ``load_log``; each
  quarantined row is kept in ``quarantine`` with file, row number, column, reason and the
  raw values.
* **Rules in the engine**: readers return pandas frames already filtered by DuckDB; the
  business rules are the model layer's SQL (:mod:`ecomlib.modelling`), built as marts.

The default file is ``data/warehouse.duckdb`` (override with ``path=`` or
``$ECOMLIB_WAREHOUSE``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from . import modelling, privacy, schema
from .sources import Piece, RawFile, SourceError, detect_source, get_source, read_file

DEFAULT_PATH = Path("data/warehouse.duckdb")
SCHEMA_VERSION = 1

_META_DDL = [
    "CREATE SEQUENCE IF NOT EXISTS load_id_seq START 1",
    """CREATE TABLE IF NOT EXISTS load_log (
        load_id BIGINT, file VARCHAR, file_hash VARCHAR, format VARCHAR, table_name VARCHAR,
        rows_in BIGINT, rows_loaded BIGINT, rows_inserted BIGINT, rows_updated BIGINT,
        rows_unchanged BIGINT, rows_quarantined BIGINT, rows_blank BIGINT,
        encoding VARCHAR, ignored_columns VARCHAR, status VARCHAR, message VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP, rows_retired BIGINT)""",
    # (a warehouse made before rows_retired existed gets it added)
    "ALTER TABLE load_log ADD COLUMN IF NOT EXISTS rows_retired BIGINT",
    """CREATE TABLE IF NOT EXISTS quarantine (
        load_id BIGINT, file VARCHAR, file_hash VARCHAR, table_name VARCHAR,
        row_number BIGINT, "column" VARCHAR, reason VARCHAR, raw VARCHAR,
        quarantined_at TIMESTAMP)""",
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)",
]


_LOG_COLUMNS = ("load_id, file, file_hash, format, table_name, rows_in, rows_loaded, "
                "rows_inserted, rows_updated, rows_unchanged, rows_quarantined, rows_blank, "
                "encoding, ignored_columns, status, message, started_at, finished_at, "
                "rows_retired")


def default_path() -> Path:
    return Path(os.environ.get("ECOMLIB_WAREHOUSE", DEFAULT_PATH))


#: a folder of Parquet marts (``ecom build --engine spark --out``) that read-only warehouses
#: open instead of the warehouse file (``ecom --marts DIR`` sets it; report kernels inherit it)
MARTS_DIR_ENV = "ECOMLIB_MARTS_DIR"


def marts_folder(path: str | Path | None, read_only: bool) -> Path | None:
    """The marts folder a warehouse opened with ``path`` reads: ``$ECOMLIB_MARTS_DIR`` for a
    read-only open, else ``path`` itself when it is a folder; None for a warehouse file."""
    env = os.environ.get(MARTS_DIR_ENV, "").strip()
    if read_only and env:
        return Path(env)
    if path is not None and str(path) and Path(path).is_dir():
        if not read_only:
            raise ValueError(f"{path} is a folder (of Parquet marts?), not a warehouse file: "
                             "a marts folder is read-only; load exports into a .duckdb file")
        return Path(path)
    return None


def file_hash(path: str | Path) -> str:
    """SHA-256 of the file's bytes (the load log's content hash)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _now() -> dt.datetime:
    """Current Beijing wall-clock time (naive), the warehouse's time convention."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)


@dataclass
class LoadResult:
    """What one load of one table from one file did."""

    load_id: int
    file: str
    table: str
    format: str
    rows_in: int
    rows_loaded: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_quarantined: int
    rows_blank: int = 0
    status: str = "ok"
    message: str = ""
    #: order lines of orders this file holds whole that the file no longer lists (removed)
    rows_retired: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


class LoadError(RuntimeError):
    """A file that could not be loaded at all; nothing of it was written."""


class WarehouseBusy(RuntimeError):
    """The warehouse file is held by another process (an ingest writing, or reports reading
    while an ingest wants to write) for longer than the wait allowed."""


DEFAULT_LOCK_WAIT_S = 60.0


def lock_wait_seconds(wait: float | None = None) -> float:
    """How long to wait for a warehouse another process holds: ``wait``, else
    ``$ECOMLIB_LOCK_WAIT`` (seconds; ``ecom --wait`` and the runner set it, and report
    kernels inherit it), else 60 s."""
    if wait is not None:
        return max(0.0, float(wait))
    try:
        return max(0.0, float(os.environ.get("ECOMLIB_LOCK_WAIT", "")))
    except ValueError:
        return DEFAULT_LOCK_WAIT_S


def _lock_holder(message: str) -> str:
    """'PID 123 (ecom ingest data/demo)' from DuckDB's lock message, as far as it tells."""
    import re
    m = re.search(r"PID (\d+)", message)
    if not m:
        return "another process"
    pid = m.group(1)
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = [Path(w.decode(errors="replace")).name if i == 0 else w.decode(errors="replace")
                 for i, w in enumerate(cmd[:6]) if w]
        if len(words) > 1 and words[0].startswith("python"):
            words = words[1:]
        return f"process {pid} ({' '.join(words)[:120]})"
    except OSError:
        return f"process {pid}"


def connect(path: Path, read_only: bool, wait: float | None = None) -> "duckdb.DuckDBPyConnection":
    """``duckdb.connect`` that waits (up to :func:`lock_wait_seconds`) while another process
    holds the file, then raises :class:`WarehouseBusy` with a plain message. DuckDB lets one
    process write or several read a file at a time: a report started during an ingest waits
    for the ingest to finish instead of failing."""
    import sys
    wait = lock_wait_seconds(wait)
    deadline = time.monotonic() + wait
    delay, told = 0.05, False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            # a report's output is its tables and charts: DuckDB's progress bar (a
            # FloatProgress widget in a notebook, kept in the rendered report) is not
            con.execute("SET enable_progress_bar = false")
            return con
        except duckdb.IOException as e:
            text = str(e)
            if "lock" not in text.lower():
                raise
            left = deadline - time.monotonic()
            holder = _lock_holder(text)
            if left <= 0:
                raise WarehouseBusy(
                    f"warehouse {path} is in use by {holder}; waited {wait:.0f} s. DuckDB lets "
                    "one process write a warehouse (an ingest) or several read it (reports, "
                    "apps), not both at once: try again when it has finished, or wait longer "
                    "with --wait SECONDS (ECOMLIB_LOCK_WAIT)") from None
            if not told and sys.stderr.isatty():
                print(f"warehouse {path} is in use by {holder}; waiting up to {wait:.0f} s ...",
                      file=sys.stderr)
                told = True
            time.sleep(min(delay, max(left, 0.01)))
            delay = min(delay * 2, 0.5)


class Warehouse:
    """A DuckDB warehouse file. Use as a context manager or call :meth:`close`.

    ``read_only=True`` opens an existing file for reading (notebooks, apps). ``wait``:
    seconds to wait while another process holds the file (see :func:`connect`).

    A folder of Parquet marts (``ecom build --engine spark --out DIR``) given as ``path``, or
    named by ``$ECOMLIB_MARTS_DIR`` for a read-only open, is opened instead as an in-memory
    DuckDB with views named as the marts (and ``dim_calendar``) over its Parquet files, and
    views named as the canonical tables over the build's Parquet export when it is still
    there (:func:`ecomlib.export.open_marts`); the load log and quarantine are empty. The
    queries over the marts, the reports and the apps then run unchanged (``marts_dir`` says
    which folder).
    """

    #: the Parquet marts folder this warehouse reads (None: a DuckDB warehouse file)
    marts_dir: Path | None = None

    def __init__(self, path: str | Path | None = None, read_only: bool = False,
                 wait: float | None = None):
        folder = marts_folder(path if path else default_path(), read_only)
        if folder is not None:
            self._open_marts(folder)
            return
        self.path = Path(path) if path else default_path()
        self.read_only = read_only
        if read_only:
            if not self.path.exists():
                raise FileNotFoundError(
                    f"warehouse {self.path} does not exist; run `ecom ingest` (or `make demo`) first")
            self.con = connect(self.path, read_only=True, wait=wait)
            limit = os.environ.get("ECOMLIB_DUCKDB_MEMORY_LIMIT")
            if limit:  # reports run side by side share the machine's memory (runner)
                try:
                    self.con.execute("SET memory_limit = ?", [limit])
                except duckdb.Error as e:
                    raise ValueError(f"ECOMLIB_DUCKDB_MEMORY_LIMIT={limit!r} is not a DuckDB "
                                     f"memory size (e.g. 1GB, 1500MB): {e}") from None
            threads = os.environ.get("ECOMLIB_DUCKDB_THREADS")
            if threads:  # reports run side by side share the cores (runner)
                try:
                    self.con.execute(f"SET threads = {int(threads)}")
                except (ValueError, duckdb.Error) as e:
                    raise ValueError(f"ECOMLIB_DUCKDB_THREADS={threads!r} is not a thread "
                                     f"count (e.g. 1): {e}") from None
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = connect(self.path, read_only=False, wait=wait)
            self.init()

    def _open_marts(self, folder: Path) -> None:
        from . import export
        if not export.is_marts_folder(folder):
            raise FileNotFoundError(
                f"{folder} holds no marts (folders of Parquet files named mart_*): write them "
                "with `ecom build --engine spark --source DIR --out DIR`")
        self.path = Path(folder)
        self.read_only = True
        self.marts_dir = Path(folder)
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")  # as connect()
        limit = os.environ.get("ECOMLIB_DUCKDB_MEMORY_LIMIT")
        if limit:
            self.con.execute("SET memory_limit = ?", [limit])
        for stmt in _META_DDL:  # no load history in a marts folder: empty, but there
            self.con.execute(stmt)
        found = export.open_marts(self.con, folder)
        if found["tables"]:  # the export's canonical tables: the views over them (quality)
            modelling.create_views(self.con)

    def known_shops(self) -> pd.DataFrame:
        """``platform, shop_id`` of every shop the warehouse knows: listed in ``shops`` or
        with orders (a marts folder without its canonical export: ``mart_shops``)."""
        have = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if {"shops", "orders"} <= have:
            return self.sql("SELECT platform, shop_id FROM shops UNION "
                            "SELECT DISTINCT platform, shop_id FROM orders")
        return self.sql("SELECT DISTINCT platform, shop_id FROM mart_shops")

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def init(self) -> None:
        """Create the canonical tables, the bookkeeping tables and the model layer's views
        over them (:func:`ecomlib.modelling.create_views`)."""
        self.con.execute("BEGIN")
        for stmt in _META_DDL:
            self.con.execute(stmt)
        for t in schema.TABLES.values():
            self.con.execute(t.ddl().rstrip(")") + ",\n  _load_id BIGINT\n)")
            # a warehouse made by an older version gets the columns added since (empty)
            have = {r[0] for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [t.name]).fetchall()}
            for c in t.columns:
                if c.name not in have:
                    self.con.execute(f"ALTER TABLE {t.name} ADD COLUMN {c.name} {c.duck_type}")
        modelling.init(self.con)
        # names the model layer builds as tables were views of an older version
        for name in ("int_order_lines", "int_fx_ranges"):
            kind = self.con.execute("SELECT table_type FROM information_schema.tables "
                                    "WHERE table_name = ?", [name]).fetchall()
            if kind and kind[0][0] == "VIEW":
                self.con.execute(f"DROP VIEW {name}")
        # views of older versions, their rules now in the model layer (int_line_skus)
        for name in ("int_sku_resolved", "legacy_order_lines", "legacy_fx_ranges",
                     "agg_daily_sales"):
            self.con.execute(f"DROP VIEW IF EXISTS {name}")
        modelling.create_views(self.con)
        have = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        if not have:
            self.con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        self.con.execute("COMMIT")

    # -- loading -------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], fmt: str | None = None,
               table: str | None = None, progress: bool | None = None,
               context: dict | None = None, errors: str = "raise",
               workers: int | None = None) -> list[LoadResult]:
        """Load files (folders are expanded to their .csv/.xlsx/.parquet files, sorted).

        Each file is its own transaction. A file that cannot be read at all is recorded in
        the load log with status ``failed`` and its message, and nothing of it is written;
        ``errors="raise"`` then raises :class:`LoadError`, ``errors="record"`` returns a
        ``failed`` :class:`LoadResult` for it and goes on with the other files. A progress
        bar over the bytes to load shows on a terminal (``progress`` forces it on or off).

        ``workers``: processes that read and map files ahead of the loading (one writer
        loads them in file order, exactly as without them). Default: one per core when
        there are several files and at least 8 MB to read, else none (0).
        """
        from tqdm.auto import tqdm

        files, skipped = scan_paths(paths)
        context = self.settle_salt(context)
        self._mark_interrupted()
        sizes = [f.stat().st_size for f in files]
        total = sum(sizes)
        if workers is None:
            workers = (os.cpu_count() or 1) if len(files) > 1 and total >= (8 << 20) else 0
        workers = min(int(workers), len(files))
        results: list[LoadResult] = []
        for f, why in skipped:  # accounted for: in the load log and the results
            self._log_failure(f, None, "?", None, f"{f}: skipped: {why}", _now(),
                              status="skipped")
            results.append(LoadResult(-1, str(f), "", "", 0, 0, 0, 0, 0, 0, status="skipped",
                                      message=why))
        bar = tqdm(total=total, unit="B", unit_scale=True, desc="ingest",
                   disable=(not progress) if progress is not None else None)
        pool = _MapPool(self, files, fmt, table, context, workers) if workers > 1 else None
        # the worker processes keep the cores busy: the writer's DuckDB works on one thread
        # meanwhile (its queries on two threads spent more CPU for no sooner end)
        threads = self._writer_threads(1) if pool else None
        try:
            for k, f in enumerate(files):
                bar.set_postfix_str(f.name)
                try:
                    results.extend(self.ingest_file(
                        f, fmt=fmt, table=table, context=context,
                        _mapped=pool.result(k) if pool else None))
                except LoadError as e:
                    if errors == "raise":
                        raise
                    results.append(LoadResult(-1, str(f), table or "", fmt or "", 0, 0, 0, 0, 0,
                                              0, status="failed", message=str(e)))
                bar.update(sizes[k])
        finally:
            if pool:
                pool.close()
            if threads is not None:
                self._writer_threads(threads)
            bar.close()
        return results

    def _writer_threads(self, n: int) -> int | None:
        """Set this connection's DuckDB threads to ``n``; returns the number before (None
        when it could not be read)."""
        try:
            before = int(self.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
            self.con.execute(f"SET threads = {int(n)}")
        except (duckdb.Error, ValueError, TypeError):
            return None
        return before

    def build(self, full: bool = False, progress=None) -> "modelling.BuildResult":
        """Build the model layer (:mod:`ecomlib.modelling`): marts as tables, incrementally
        for what the loads since the last build touched (``full``: everything)."""
        return modelling.build(self.con, full=full, progress=progress)

    def settle_salt(self, context: dict | None = None) -> dict:
        """The ingest context with the installation's salt in it, checked against the
        warehouse: the first ingest records the salt's fingerprint (``meta``), later ones
        must use the same salt, else :class:`ecomlib.privacy.SaltError` (a warehouse moved
        without its salt, or run with another ``ECOMLIB_SALT``, would re-key every buyer)."""
        from . import privacy
        ctx = {k: v for k, v in (context or {}).items() if v}
        if not ctx.get("salt"):
            ctx["salt"] = privacy.load_salt(self.path)
        fp = privacy.fingerprint(ctx["salt"])
        if getattr(self, "_salt_checked", None) == fp:
            return ctx
        have = self.con.execute(
            "SELECT value FROM meta WHERE key = 'salt_fingerprint'").fetchall()
        if have and have[0][0] != fp:
            kind, where = privacy.salt_location(self.path)
            src = "$ECOMLIB_SALT" if kind == "env" else str(where)
            raise privacy.SaltError(
                f"{self.path}: this warehouse's member keys were made with another salt "
                f"(fingerprint {have[0][0]}); the salt in use now ({src}) has fingerprint {fp}. "
                "Loading under it would give every returning buyer a new member key, so "
                "nothing was loaded. Restore the original salt file (its backup) or point "
                "ECOMLIB_SALT_FILE at it; `ecom salt` shows where the salt is.")
        if not have:
            legacy = self.path.parent / privacy.LEGACY_SALT_NAME
            if legacy.exists():  # an older version's salt beside this warehouse, and another
                old = legacy.read_text(encoding="ascii").strip().encode("utf-8")  # in use now
                if old and privacy.fingerprint(old) != fp:
                    raise privacy.SaltError(
                        f"{self.path}: this warehouse's member keys were made with the salt in "
                        f"{legacy} (an older version kept it beside the data), but another salt "
                        "is in use now; nothing was loaded. Move that file out of the data "
                        "folder and use it for this warehouse (ECOMLIB_SALT_FILE=<its new "
                        "place>), or, when the other salt belongs to no other warehouse, put "
                        "it in the other salt's place (`ecom salt` shows where).")
                kind, where = privacy.salt_location(self.path)
                if where is None or where.resolve() != legacy.resolve():
                    legacy.unlink()  # the same salt: the copy in the data folder goes
            self.con.execute("INSERT INTO meta VALUES ('salt_fingerprint', ?)", [fp])
        self._salt_checked = fp
        return ctx

    def salt_fingerprint(self) -> str | None:
        """The fingerprint of the salt this warehouse's member keys were made with (None
        before the first ingest)."""
        have = self.con.execute(
            "SELECT value FROM meta WHERE key = 'salt_fingerprint'").fetchall()
        return have[0][0] if have else None

    def ingest_file(self, path: str | Path, fmt: str | None = None, table: str | None = None,
                    context: dict | None = None, _mapped=None) -> list[LoadResult]:
        path = Path(path)
        context = self.settle_salt(context)
        if not getattr(self, "_interrupted_checked", False):
            self._mark_interrupted()
        started = _now()
        digest = file_hash(path)
        # an attempt row, committed before the load's own transaction: if the process dies
        # inside it, the next ingest finds the row and marks the attempt interrupted
        attempt = self._log_failure(path, digest, fmt or "?", table,
                                    f"{path}: loading (started {started:%Y-%m-%d %H:%M:%S})",
                                    started, status="running")
        try:
            ctx = _file_context(path, context, table, self.path)
            fmt = fmt or ctx.get("format")
            if table:
                fmt = fmt or "canonical"
            jobs, skipped = _mapped() if _mapped is not None else _map_file(path, fmt, ctx)
            results = self._load(path, digest, jobs, started)
            for msg in skipped:  # recorded, so that a skipped sheet is never silent
                self._log_failure(path, digest, "?", None, "sheet skipped: " + msg, started,
                                  status="skipped")
            return results
        except (SourceError, ValueError, KeyError) as e:
            msg = str(e) if str(path) in str(e) else f"{path}: {e}"
            msg = privacy.redact(msg)
            self._log_failure(path, digest, fmt or "?", table, msg, started)
            raise LoadError(msg) from None
        except LoadError:
            raise
        except Exception as e:  # a bug or an engine error: the transaction was rolled back
            msg = privacy.redact(engine_error_message(path, e, self.path))
            self._log_failure(path, digest, fmt or "?", table, msg, started)
            raise LoadError(msg) from e
        finally:
            try:
                self.con.execute("DELETE FROM load_log WHERE load_id = ? AND status = 'running'",
                                 [attempt])
            except duckdb.Error:  # (a connection that failed with the disk)
                pass

    def _mark_interrupted(self) -> int:
        """Attempts left 'running' by a process that died inside a load (killed, crashed,
        machine off) become 'interrupted': one writer at a time holds the file, so no other
        ingest can still be running. Returns how many."""
        self._interrupted_checked = True
        n = self.con.execute("SELECT COUNT(*) FROM load_log WHERE status = 'running'"
                             ).fetchall()[0][0]
        if n:
            self.con.execute(
                "UPDATE load_log SET status = 'interrupted', message = file || ': the load "
                "started ' || strftime(started_at, '%Y-%m-%d %H:%M:%S') || ' was interrupted "
                "(the process was stopped or crashed); nothing of this file was written: load "
                "it again' WHERE status = 'running'")
        return int(n)

    def _log_failure(self, path, digest, fmt, table, msg, started, status="failed") -> int:
        lid = self.con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0]
        self.con.execute(
            f"INSERT INTO load_log ({_LOG_COLUMNS}) VALUES "
            "(?,?,?,?,?,0,0,0,0,0,0,0,NULL,NULL,?,?,?,?,0)",
            [lid, privacy.redact(str(path)), digest, fmt, table, status, privacy.redact(msg),
             started, None if status == "running" else _now()])
        return int(lid)

    def _load(self, path: Path, digest: str, jobs: list[tuple[RawFile, str, list[Piece]]],
              started: dt.datetime) -> list[LoadResult]:
        con = self.con
        results = []
        dirty: list[tuple[int, str, pa.Table]] = []  # (load id, table, the orders it touched)
        con.execute("BEGIN")
        try:
            for raw, fmt_name, pieces in jobs:
                for i, piece in enumerate(pieces):
                    lid = con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0]
                    # (a worker's piece is read from its file now: one piece in memory)
                    res = self._load_piece(lid, raw, fmt_name, _unspill(piece), digest,
                                           structural=(i == 0), started=started, dirty=dirty)
                    results.append(res)
                    if isinstance(piece.frame, _Spilled):  # (a worker's piece, now loaded)
                        _release_freed_memory()
                    _test_pause_hook()
            if dirty:  # for the next incremental build: each order the file touched, once
                con.register("_dirty_rows", _distinct_keys([k for _, _, k in dirty]))
                try:
                    modelling.mark_dirty(con, dirty[0][1], "_dirty_rows", dirty[0][0])
                finally:
                    con.unregister("_dirty_rows")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return results

    def _load_piece(self, lid: int, raw: RawFile, fmt_name: str, piece: Piece, digest: str,
                    structural: bool, started: dt.datetime,
                    dirty: list) -> LoadResult:
        """Load one piece (its own load id ``lid``); ``dirty``: ``(lid, table, keys)`` is
        added to it, ``keys`` the distinct (platform, shop_id, order_id) of the rows loaded,
        when the piece is of an order table (the caller records them for the next build)."""
        t = schema.table(piece.table)
        if piece.validated:  # the source ran schema.validate on exactly these rows
            val = schema.ValidationResult(
                piece.frame, pd.DataFrame({k: pd.Series(dtype="object")
                                           for k in schema.QUARANTINE_COLUMNS}),
                [], piece.row_numbers.to_numpy())
        else:
            val = schema.validate(piece.table, piece.frame, piece.row_numbers, piece.missing_ok)
        quarantine = [val.quarantine]
        if piece.rejected is not None and len(piece.rejected):
            quarantine.append(piece.rejected)
        if structural and raw.problems:
            quarantine.append(pd.DataFrame({
                "row_number": [p[0] for p in raw.problems], "column": [""] * len(raw.problems),
                "reason": [p[1] for p in raw.problems],
                "raw": [p[2] for p in raw.problems]}))  # line and field counts, no text
        good = val.good
        # duplicate keys inside one file: the last row wins, earlier ones are quarantined
        key = list(t.key)
        coded: dict = {}
        if len(good):
            dup = _duplicated(good, key, coded)
            if dup.any():
                rows = val.good_row_numbers
                last_row = good.assign(_rn=rows).groupby(key, dropna=False)["_rn"].transform("max")
                dups = good[dup]
                quarantine.append(pd.DataFrame({
                    "row_number": rows[dup],
                    "column": ",".join(key),
                    "reason": [f"duplicate key ({', '.join(key)}) = ({', '.join(map(str, k))}); "
                               f"row {int(r)} of this file wins"
                               for k, r in zip(dups[key].itertuples(index=False),
                                               last_row[dup])],
                    "raw": [json.dumps({c: (None if pd.isna(v) else str(v)) for c, v in row.items()},
                                       ensure_ascii=False, default=str)
                            for _, row in dups.iterrows()]}))
                good = good[~dup]
        q = pd.concat([x for x in quarantine if len(x)], ignore_index=True) if any(
            len(x) for x in quarantine) else None
        n_quarantined = 0 if q is None else len(q)
        inserted, updated, unchanged = self._upsert(t, good, lid)
        if t.name in modelling.ORDER_TABLES and len(good):  # for the next incremental build
            dirty.append((lid, t.name, _order_keys(good, coded)))
        rows_in = len(piece.frame) + (0 if piece.rejected is None else len(piece.rejected)) + (
            len(raw.problems) if structural else 0)
        loaded = inserted + updated + unchanged
        if rows_in != loaded + n_quarantined:  # defensive: the accounting must tie
            raise RuntimeError(f"{raw.label}: accounting does not tie for {t.name}: "
                               f"{rows_in} in, {loaded} loaded, {n_quarantined} quarantined")
        con = self.con
        # re-loading the same file replaces its earlier quarantine records (no duplicates)
        con.execute("DELETE FROM quarantine WHERE file_hash = ? AND table_name = ? AND file = ?",
                    [digest, t.name, privacy.redact(raw.label)])
        if q is not None:
            qq = q.assign(load_id=lid, file=privacy.redact(raw.label), file_hash=digest,
                          table_name=t.name,
                          quarantined_at=_now(),
                          # a phone, ID number, e-mail or street address typed into a kept
                          # cell is removed by rule (personal columns were dropped already)
                          reason=[privacy.redact(x) for x in q["reason"]],
                          raw=[privacy.redact(x) for x in q["raw"]])
            qq["row_number"] = qq["row_number"].astype("int64")
            con.register("_q", qq)
            con.execute('INSERT INTO quarantine SELECT load_id, file, file_hash, table_name, '
                        'row_number, "column", reason, raw, quarantined_at FROM _q')
            con.unregister("_q")
        retired = self._retire_lines(t, piece.replace_orders, good)
        res = LoadResult(lid, raw.label, t.name, fmt_name, rows_in, loaded, inserted, updated,
                         unchanged, n_quarantined, raw.blank_rows if structural else 0,
                         rows_retired=retired)
        con.execute(
            f"INSERT INTO load_log ({_LOG_COLUMNS}) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,'ok',?,?,?,?)",
            [lid, privacy.redact(raw.label), digest, fmt_name, t.name, rows_in, loaded,
             inserted, updated,
             unchanged, n_quarantined, res.rows_blank, raw.encoding,
             privacy.redact(",".join(val.ignored_columns)) or None,
             f"{retired} line(s) no longer in the export retired" if retired else "",
             started, _now(), retired])
        return res

    def _retire_lines(self, t: schema.Table, orders: pd.DataFrame | None,
                      good: pd.DataFrame) -> int:
        """Delete the lines of ``orders`` (held whole by the file just loaded) that the file
        does not list (``good`` holds its loaded lines): the export no longer has them.
        Returns how many were retired."""
        if orders is None or not len(orders) or t.name != "order_lines":
            return 0
        con = self.con
        con.register("_whole", _key_table(orders))
        con.register("_listed", _key_table(good[list(t.key)]))
        try:
            cond = ("FROM order_lines w JOIN _whole o ON w.platform = o.platform "
                    "AND w.shop_id = o.shop_id AND w.order_id = o.order_id "
                    "WHERE NOT EXISTS (SELECT 1 FROM _listed l WHERE l.platform = w.platform "
                    "AND l.shop_id = w.shop_id AND l.order_id = w.order_id "
                    "AND l.line_id = w.line_id)")
            gone = con.execute(f"SELECT w.platform, w.shop_id, w.order_id, w.line_id {cond}"
                               ).fetchall()
            if gone:
                con.execute("CREATE OR REPLACE TEMP TABLE _gone (platform VARCHAR, "
                            "shop_id VARCHAR, order_id VARCHAR, line_id VARCHAR)")
                con.executemany("INSERT INTO _gone VALUES (?,?,?,?)", gone)
                con.execute("DELETE FROM order_lines w USING _gone g WHERE w.platform = "
                            "g.platform AND w.shop_id = g.shop_id AND w.order_id = g.order_id "
                            "AND w.line_id = g.line_id")
                con.execute("DROP TABLE _gone")
        finally:
            con.unregister("_whole")
            con.unregister("_listed")
        return len(gone)

    def _upsert(self, t: schema.Table, good: pd.DataFrame, lid: int) -> tuple[int, int, int]:
        """Insert new keys, replace rows whose values changed; returns (inserted, updated,
        unchanged). Plain SQL: when none of the rows' keys is in the table yet (a new
        export), one INSERT straight from the rows; else a staged copy, a DELETE of changed
        keys and an INSERT of the rest.
        """
        if not len(good):
            return 0, 0, 0
        con = self.con
        cols = t.column_names
        # handed over as Arrow: DuckDB scans it without touching Python objects
        con.register("_incoming", pa.Table.from_pandas(good, preserve_index=False))
        try:
            select = ", ".join(f"CAST({c} AS {t.column(c).duck_type}) AS {c}" for c in cols)
            lead = t.key[:2]  # e.g. (platform, shop_id): a shop's first export is all new
            cast = lambda k: f"CAST({k} AS {t.column(k).duck_type})"  # noqa: E731
            known = con.execute(
                f"SELECT EXISTS (SELECT 1 FROM {t.name} WHERE ({', '.join(lead)}) IN "
                f"(SELECT DISTINCT {', '.join(cast(k) for k in lead)} FROM _incoming))"
            ).fetchall()[0][0]
            known = known and con.execute(
                f"SELECT COUNT(*) FROM _incoming s JOIN {t.name} w ON "
                + " AND ".join(f"CAST(s.{k} AS {t.column(k).duck_type}) = w.{k}" for k in t.key)
            ).fetchall()[0][0]
            if not known:  # every key is new: the rows go in as they are, in their order
                con.execute(f"INSERT INTO {t.name} ({', '.join(cols)}, _load_id) "
                            f"SELECT {select}, {int(lid)} FROM _incoming")
                return len(good), 0, 0
            con.execute(f"CREATE OR REPLACE TEMP TABLE _stage AS SELECT {select} FROM _incoming")
        finally:
            con.unregister("_incoming")
        on = " AND ".join(f"s.{k} = w.{k}" for k in t.key)
        nonkey = [c for c in cols if c not in t.key]
        differs = " OR ".join(f"s.{c} IS DISTINCT FROM w.{c}" for c in nonkey) or "FALSE"
        inserted, updated = con.execute(
            f"SELECT COUNT(*) FILTER (WHERE w.{t.key[0]} IS NULL), "
            f"COUNT(*) FILTER (WHERE w.{t.key[0]} IS NOT NULL AND ({differs})) "
            f"FROM _stage s LEFT JOIN {t.name} w ON {on}").fetchall()[0]
        if updated:
            con.execute(f"DELETE FROM {t.name} w USING _stage s WHERE {on} AND ({differs})")
        if inserted or updated:
            con.execute(
                f"INSERT INTO {t.name} ({', '.join(cols)}, _load_id) "
                f"SELECT s.*, {int(lid)} FROM _stage s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {t.name} w WHERE {on})")
        con.execute("DROP TABLE _stage")
        return int(inserted), int(updated), len(good) - int(inserted) - int(updated)

    # -- bookkeeping readers ---------------------------------------------------------------
    def status(self) -> pd.DataFrame:
        """One row per canonical table: rows, last load time, rows quarantined so far."""
        rows = []
        for name in schema.TABLES:
            n = self.con.execute(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0]
            last = self.con.execute(
                "SELECT MAX(finished_at), COUNT(*) FROM load_log WHERE table_name = ? "
                "AND status = 'ok'", [name]).fetchall()[0]
            q = self.con.execute("SELECT COUNT(*) FROM quarantine WHERE table_name = ?",
                                 [name]).fetchall()[0][0]
            rows.append({"table": name, "rows": n, "loads": last[1], "last_load_at": last[0],
                         "quarantined": q})
        return pd.DataFrame(rows)

    def load_log(self, limit: int | None = 50) -> pd.DataFrame:
        lim = f" LIMIT {int(limit)}" if limit else ""
        return self.con.execute(
            f"SELECT * FROM load_log ORDER BY load_id DESC{lim}").fetchdf()

    def quarantine(self, table: str | None = None, limit: int | None = None) -> pd.DataFrame:
        where, params = ("WHERE table_name = ?", [table]) if table else ("", [])
        lim = f" LIMIT {int(limit)}" if limit else ""
        return self.con.execute(
            f'SELECT file, table_name, row_number, "column", reason, raw, load_id '
            f"FROM quarantine {where} ORDER BY load_id, row_number{lim}", params).fetchdf()

    # -- data readers ----------------------------------------------------------------------
    def sql(self, query: str, params: dict | list | None = None) -> pd.DataFrame:
        """Run any SQL on the warehouse and return a DataFrame."""
        return self.con.execute(query, params or []).fetchdf()

    def read(self, table: str, start=None, end=None, shops: Sequence[str] | None = None,
             platforms: Sequence[str] | None = None, columns: Sequence[str] | None = None
             ) -> pd.DataFrame:
        """Rows of a canonical table, filtered in DuckDB.

        ``start``/``end`` are inclusive Beijing dates applied to the table's date column
        (order lines use their order's ``created_at``). Timestamps come back tz-aware in
        Asia/Shanghai.
        """
        t = schema.table(table)
        cols = list(columns) if columns else t.column_names
        bad = [c for c in cols if c not in t.column_names]
        if bad:
            raise KeyError(f"read({table!r}): unknown column(s) {bad}; columns: {t.column_names}")
        params: dict = {}
        conds = []
        date_col = t.date_column
        src = f"{t.name} x"
        if t.name == "order_lines" and (start is not None or end is not None):
            src = ("order_lines x JOIN orders o ON o.platform = x.platform "
                   "AND o.shop_id = x.shop_id AND o.order_id = x.order_id")
            date_expr = "o.created_at"
        elif t.name == "order_lines":
            date_expr = "NULL"
        else:
            date_expr = f"x.{date_col}" if date_col else None
        if (start is not None or end is not None) and date_expr is None:
            raise ValueError(f"read({table!r}): the table has no date column to filter on")
        conds += _date_conds(date_expr, start, end, params)
        conds += _in_conds("x.platform", platforms, "p", params, t)
        conds += _in_conds("x.shop_id", shops, "s", params, t)
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        order = ", ".join(f"x.{k}" for k in t.key)
        df = self.con.execute(
            f"SELECT {', '.join('x.' + c for c in cols)} FROM {src}{where} ORDER BY {order}",
            params).fetchdf()
        return _localise(df, t)

    def daily_sales(self, start=None, end=None, shops=None, platforms=None) -> pd.DataFrame:
        """Rows of the mart ``mart_sales_daily`` (one row per sales_date, platform, shop and
        SKU; see ``ecomlib/sql/marts``), ``start``/``end`` inclusive Beijing dates, shop and
        platform lists (an empty list matches nothing). The marts are built by ``ecom build``
        (:meth:`build`)."""
        params: dict = {}
        conds = _date_conds("sales_date", start, end, params)
        conds += _in_conds("platform", platforms, "p", params)
        conds += _in_conds("shop_id", shops, "s", params)
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        return self.con.execute(
            f"SELECT * FROM mart_sales_daily{where} ORDER BY sales_date, platform, shop_id, sku",
            params).fetchdf()

    def daily_stock(self, start=None, end=None, warehouses=None, skus=None) -> pd.DataFrame:
        """Rows of the mart ``mart_stock_daily`` (one row per snapshot_date, warehouse and
        SKU, valued at unit cost), ``start``/``end`` inclusive, filtered in DuckDB."""
        params: dict = {}
        conds = _date_conds("snapshot_date", start, end, params)
        conds += _in_conds("warehouse_id", warehouses, "w", params)
        conds += _in_conds("sku", skus, "k", params)
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        return self.con.execute(
            f"SELECT * FROM mart_stock_daily{where} ORDER BY snapshot_date, warehouse_id, sku",
            params).fetchdf()

    def member_summary(self, as_of, shops=None, platforms=None) -> pd.DataFrame:
        """Per-member purchase summary as of a date, from the mart ``mart_member_orders``
        (query ``members/member_summary``; see
        :func:`ecomlib.metrics.members_queries.member_summary` for the columns). Shop and
        platform lists: None or empty = all.

        ``as_of`` is required (never "today"): purchases after it are ignored and ages are
        counted to it.
        """
        if as_of is None:
            raise ValueError("member_summary: as_of is required (e.g. '2025-12-31')")
        from .metrics import members_queries
        return members_queries.member_summary(self, as_of, shops=shops, platforms=platforms)

    def unmapped_skus(self) -> pd.DataFrame:
        """Order-line SKUs that resolve to no product (see :func:`ecomlib.quality.unmapped_skus`)."""
        from .quality import unmapped_skus
        return unmapped_skus(self)

    def counts(self) -> dict[str, int]:
        return {name: self.con.execute(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0]
                for name in schema.TABLES}


# -- helpers ---------------------------------------------------------------------------------

_ORDER_KEY = ("platform", "shop_id", "order_id")


def _coded_column(s: pd.Series):
    """A key column hashed once for :func:`_duplicated` and :func:`_order_keys`: ``("one",
    value)`` when every row holds the same value (a file's platform and shop: nothing to
    hash), ``("codes", DictionaryArray)`` (Arrow's dictionary encoding: the distinct values,
    nulls among them, in the order they first come, and each row's index) for other
    Arrow-backed text, None for anything else (object or numeric columns)."""
    import pyarrow.compute as pc
    if not (pd.api.types.is_string_dtype(s.dtype) and s.dtype != object) or not len(s):
        return None
    a = pa.array(s, from_pandas=True)
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if not (pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
        return None
    if a.null_count == 0 and pc.all(pc.equal(a, a[0])).as_py():
        return "one", a[0].as_py()
    return "codes", pc.dictionary_encode(a, null_encoding="encode")


def _coded(frame: pd.DataFrame, column: str, coded: dict):
    """:func:`_coded_column` of ``frame[column]``, kept in ``coded`` (hashed once)."""
    if column not in coded:
        coded[column] = _coded_column(frame[column])
    return coded[column]


def _duplicated(frame: pd.DataFrame, key: list[str], coded: dict) -> np.ndarray:
    """``frame.duplicated(subset=key, keep="last")`` as a boolean array, the key columns
    hashed by Arrow once each (kept in ``coded`` for :func:`_order_keys`) and a column of
    one value not at all; a key column that is not Arrow text: pandas' own."""
    codes, size = None, 1
    for c in key:
        got = _coded(frame, c, coded)
        if got is None:
            return frame.duplicated(subset=key, keep="last").to_numpy()
        if got[0] == "one":
            continue
        ix = got[1].indices.to_numpy(zero_copy_only=False).astype(np.int64)
        n = len(got[1].dictionary)
        if codes is None:
            codes, size = ix, n
            continue
        if size * n >= 1 << 62:  # (the combined number would overflow: renumber first)
            codes, uniques = pd.factorize(codes)
            size = len(uniques)
        codes, size = codes * n + ix, size * n
    if codes is None:  # every row has the same key: the last one wins
        dup = np.ones(len(frame), dtype=bool)
        dup[-1:] = False
        return dup
    return pd.Series(codes).duplicated(keep="last").to_numpy()


def _order_keys(frame: pd.DataFrame, coded: dict) -> pa.Table:
    """The distinct (platform, shop_id, order_id) of ``frame`` as Arrow text (what
    ``SELECT DISTINCT`` of them gives, in another order), from the columns' hashing of
    :func:`_duplicated` when it was made (``coded``)."""
    got = {c: _coded(frame, c, coded) for c in _ORDER_KEY}
    if all(g is not None for g in got.values()) and got["platform"][0] == "one" \
            and got["shop_id"][0] == "one":
        oid = got["order_id"]
        ids = (pa.array([oid[1]], pa.string()) if oid[0] == "one"
               else oid[1].dictionary.cast(pa.string()))
        return _one_shop_keys(got["platform"][1], got["shop_id"][1], ids)
    table = _key_table(frame[list(_ORDER_KEY)])
    return table.group_by(list(_ORDER_KEY), use_threads=False).aggregate([]).select(
        list(_ORDER_KEY))


def _one_shop_keys(platform: str, shop_id: str, ids: pa.Array) -> pa.Table:
    """The key table of one shop's order ids (platform and shop repeated in Arrow)."""
    return pa.table({"platform": pa.repeat(pa.scalar(platform, pa.string()), len(ids)),
                     "shop_id": pa.repeat(pa.scalar(shop_id, pa.string()), len(ids)),
                     "order_id": ids})


def _distinct_keys(tables: list[pa.Table]) -> pa.Table:
    """The distinct rows of ``tables``, each of distinct rows already (key tables of
    :func:`_order_keys`: text columns platform, shop_id, order_id): one table as it is;
    tables of one shop by their order ids (hashed once), else by their three columns."""
    import pyarrow.compute as pc
    if len(tables) == 1:
        return tables[0]
    text = pa.schema([(c, pa.string()) for c in _ORDER_KEY])
    table = pa.concat_tables([t.select(list(_ORDER_KEY)).cast(text) for t in tables])
    if not table.num_rows:
        return table
    shop = [table[c][0] for c in _ORDER_KEY[:2]]
    if all(v.is_valid and pc.all(pc.equal(table[c], v)).as_py()
           for c, v in zip(_ORDER_KEY, shop)):
        ids = pc.unique(table["order_id"])
        return _one_shop_keys(shop[0].as_py(), shop[1].as_py(), ids)
    return table.group_by(list(_ORDER_KEY), use_threads=False).aggregate([]).select(
        list(_ORDER_KEY))


def _key_table(frame: pd.DataFrame) -> pa.Table:
    """Key columns handed to DuckDB as Arrow: the table ``frame.astype(object)`` gave (text as
    ``string``), without making a Python object of every value first (at 5M order lines
    that was millions of objects per file for the dirty-orders and retire hand-overs);
    text columns are cast in Arrow, other columns go the object way as before."""
    cols = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            a = pa.array(s, from_pandas=True)
            cols[c] = a.cast(pa.string()) if a.type != pa.string() else a
        else:
            cols[c] = pa.array(s.astype(object), from_pandas=True)
    return pa.table(cols) if cols else pa.Table.from_pandas(frame.astype(object),
                                                            preserve_index=False)

def _file_context(path: Path, context: dict | None, table: str | None, wh_path: Path) -> dict:
    """The ingest context of one file: its ``ecom.yaml`` settings, then the caller's."""
    ctx = {**sidecar_context(path), **{k: v for k, v in (context or {}).items() if v}}
    ctx.setdefault("warehouse_path", wh_path)
    if table:
        ctx["table"] = table
    return ctx


def _map_file(path: Path, fmt: str | None, ctx: dict, release_raw: bool = False,
              spill: str | None = None):
    """Read one file and map each sheet to canonical pieces: ``(jobs, skipped)`` with
    ``jobs = [(raw, format name, pieces)]`` and ``skipped`` the messages of sheets in no
    known format. Raises SourceError (or ValueError) for a file that cannot be loaded.
    ``release_raw``: each sheet's text frame is let go once mapped; ``spill``: the chunks'
    pieces go to Arrow IPC files in that folder (worker processes, see
    :func:`_to_canonical_in_chunks`)."""
    raws = read_file(path, columns=_mapped_columns(path, fmt))
    if release_raw:  # (a worker: see _keep_freed_memory)
        _keep_freed_memory()
    jobs, skipped = [], []
    for raw in raws:
        try:
            src = get_source(fmt) if fmt else detect_source(raw)
        except SourceError as e:
            if len(raws) > 1:  # a notes/summary sheet beside the data sheets
                skipped.append(str(e))
                continue
            raise
        pieces = _to_canonical_in_chunks(src, raw, ctx, release_raw, spill)
        if release_raw:
            raw.frame, raw.row_numbers = raw.frame.iloc[:0], raw.row_numbers.iloc[:0]
        jobs.append((raw, src.name, pieces))
    if not jobs:
        raise SourceError(f"{path}: no sheet in a known format: " + " | ".join(skipped))
    return jobs, skipped


def _mapped_columns(path: Path, fmt: str | None):
    """For :func:`ecomlib.sources.read_file`: given a CSV's header, the positions of the
    columns its format reads, when it is an order export (the formats the chunked mapping
    is for, :func:`_order_chunks`), else None (every column). The columns
    :func:`_drop_unread_columns` keeps, plus the format's signature, but never made into
    text: most of pyarrow's read of an export was the text of columns no rule names
    (titles, notes, invoices). The format is found as the mapping finds it (``fmt``, else
    the header), and must be found again on the columns kept (else every column is read);
    a header no format knows is read whole, and the mapping says why."""
    from .sources import norm_header

    def columns(header: list[str]) -> list[int] | None:
        def found(names):
            return get_source(fmt) if fmt else detect_source(RawFile(
                path, None, pd.DataFrame(columns=names), pd.Series([], dtype="int64"), ""))
        try:
            src = found(header)
        except SourceError:
            return None
        spec = getattr(src, "spec", None)
        if spec is None or next(iter(spec.tables)) not in modelling.ORDER_TABLES:
            return None
        used = {norm_header(h) for cols in spec.tables.values() for c in cols.values()
                for h in c.headers}
        used |= {norm_header(a) for sig in spec.signature
                 for a in ((sig,) if isinstance(sig, str) else sig)}
        keep = [i for i, h in enumerate(header) if i == 0 or norm_header(h) in used]
        try:
            again = found([header[i] for i in keep])
        except SourceError:
            return None
        return keep if again is src else None
    return columns


#: rows of an order export mapped at a time (see :func:`_to_canonical_in_chunks`)
CHUNK_ROWS = 100_000


def _order_chunks(src, raw: RawFile, rows: int) -> np.ndarray | None:
    """For a long order export: the chunk of each row, so that every order is in one chunk
    (the chunk of the order's first row) and a chunk starts about every ``rows`` rows of
    the file; None when the file is not cut (not an order format, no order id column, or
    too short). Order ids are compared on their letters and digits, so that ``="123"``
    and ``123`` are one order."""
    spec = getattr(src, "spec", None)
    if spec is None or len(raw.frame) <= rows:
        return None
    first, cols = next(iter(spec.tables.items()))
    oid = cols.get("order_id")
    if first not in modelling.ORDER_TABLES or oid is None:
        return None
    from .sources import norm_header
    names = {norm_header(c): c for c in raw.frame.columns}
    column = next((names[norm_header(h)] for h in oid.headers if norm_header(h) in names), None)
    if column is None:
        return None
    import pyarrow.compute as pc
    ids = pa.array(raw.frame[column], from_pandas=True)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)):
        return None
    ids = pc.fill_null(ids, "")
    # the usual ids are letters and digits only, which the rewrite leaves as they are, or
    # are so once Excel's wrapping at their ends is trimmed (\t123, ="123"): told by
    # Arrow's plain ASCII tests, several times cheaper than the regex, which rewrites the
    # other values only (a 1.23457E+18 among them): the same ids
    odd = pc.invert(pc.or_(pc.ascii_is_alnum(ids), pc.equal(ids, "")))
    if pc.any(odd).as_py():
        trimmed = pc.utf8_trim(ids, characters='\t ="\'')
        # (PDD's 240101-100000000000789: its dashes dropped as a plain substring, when they
        # are all that is left to drop)
        dashless = pc.replace_substring(trimmed, "-", "") if not pc.all(pc.or_(
            pc.ascii_is_alnum(trimmed), pc.equal(trimmed, ""))).as_py() else None
        if dashless is None:
            ids = trimmed
        elif pc.all(pc.or_(pc.ascii_is_alnum(dashless), pc.equal(dashless, ""))).as_py():
            ids = dashless
        else:
            ids = pc.replace_with_mask(ids, odd, pc.replace_substring_regex(
                ids.filter(odd), r"[^0-9A-Za-z]", ""))
    codes = _id_codes(ids)
    # an order's first row is where its code first occurs
    first_row = np.full(codes.max() + 1, len(codes), dtype=np.int64)
    np.minimum.at(first_row, codes, np.arange(len(codes), dtype=np.int64))
    # the file position of each order's first row, in order (codes are given in the order
    # values first occur, so they are sorted already: checked, not sorted again)
    starts = first_row if (first_row[1:] >= first_row[:-1]).all() else np.sort(first_row)
    # a cut at the first order starting ``rows`` or more rows after the last cut (one
    # search per chunk, not a Python step per order)
    cuts = [0]
    while (k := int(np.searchsorted(starts, cuts[-1] + rows))) < len(starts):
        cuts.append(int(starts[k]))
    if len(cuts) < 2:
        return None
    return np.searchsorted(np.array(cuts), first_row[codes], side="right") - 1


def _id_codes(ids: pa.Array) -> np.ndarray:
    """A code per value of ``ids`` (Arrow text, no nulls): equal codes exactly for equal
    values. The usual order ids -- ASCII digits, no leading zero, within int64 -- are
    coded as the numbers they spell (one number per text, and back), several times
    cheaper than hashing the text (Arrow's dictionary encoding of a 5M-line export's ids
    ~2 CPU-s, much of it the hash table's memory); any other column is dictionary-encoded
    as text."""
    import pyarrow.compute as pc
    if len(ids) and pc.all(pc.ascii_is_decimal(ids)).as_py() and \
            not pc.any(pc.starts_with(ids, "0")).as_py() and \
            pc.max(pc.binary_length(ids)).as_py() <= 19:
        try:  # (a 19-digit number beyond int64 fails the cast)
            numbers = pc.cast(ids, pa.int64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, OverflowError):
            numbers = None
        if numbers is not None:
            return pd.factorize(numbers)[0]
    return pc.dictionary_encode(ids).indices.to_numpy(zero_copy_only=False)


def _drop_unread_columns(src, raw: RawFile) -> None:
    """Let go of the columns of ``raw`` that its format reads nowhere (titles, notes,
    invoice fields: a third to a half of an order export's text), unless that would change
    which rows are totals rows (found by their first non-empty cell, in any column). The
    mapping reads only the columns its rules name, so it gives the same pieces."""
    from .sources import clean as C
    from .sources import norm_header
    used = {norm_header(h) for cols in src.spec.tables.values() for c in cols.values()
            for h in c.headers}
    keep = [c for c in raw.frame.columns if norm_header(c) in used]
    if len(keep) == raw.frame.shape[1] or not keep:
        return
    narrow = raw.frame[keep]
    c0 = raw.frame.iloc[:, 0]
    if keep[0] == raw.frame.columns[0] and not (c0.isna() | (c0 == "")).any():
        # (the first cell decides on every row, in both: nothing to compare)
        raw.frame = narrow
    elif np.array_equal(C.is_total_row(raw.frame).to_numpy(dtype=bool),
                        C.is_total_row(narrow).to_numpy(dtype=bool)):
        raw.frame = narrow


def _to_canonical_in_chunks(src, raw: RawFile, ctx: dict, release_raw: bool = False,
                            spill: str | None = None) -> list[Piece]:
    """``src.to_canonical(raw, ctx)``; a long order export (more than :data:`CHUNK_ROWS`
    rows) is mapped a chunk of whole orders at a time (:func:`_order_chunks`: each order in
    one chunk, its rows in file order) and the pieces put back together in file order (by
    row number). What is worked out per order (the order header from its lines, whole
    orders, JD's line keys, a rejected line spoiling its order) sees every row of its
    order, and the cleaners' transient text exists for one chunk at a time: mapped whole, a
    file's mapping peaked at ~8x its bytes. Results are the same as mapped whole.

    ``release_raw`` (worker processes, which hand back no raw text anyway): ``raw.frame``
    is emptied once the last chunk is mapped, so that the file's text is gone before the
    pieces are put together; ``spill`` (a folder): each chunk's frames and row numbers are
    written there as Arrow IPC files (:class:`_Spilled`) as soon as the chunk is mapped,
    so that the file's text, its mapped rows and their concatenation are never in memory
    at once (a worker mapping a 370 MB export peaked at ~1.5 GB with them); a table's
    chunks in file order (as usual) go to the writer as those files, read one after the
    other (:meth:`_Spilled.concat`), else they are read back, put in file order and
    written again as one file."""
    import dataclasses

    chunk = _order_chunks(src, raw, CHUNK_ROWS)
    if chunk is None:
        return src.to_canonical(raw, ctx)
    _drop_unread_columns(src, raw)
    if release_raw:  # (the dropped columns' memory, before the chunks' is taken)
        _release_freed_memory()
    parts: list[list[Piece]] = []
    from .sources.mapped import MEMO
    ctx = {**ctx, MEMO: {}}  # (the chunks' shared member keys and regions)
    for c in range(int(chunk.max()) + 1):
        idx = np.flatnonzero(chunk == c)
        if len(idx) and idx[-1] - idx[0] + 1 == len(idx):  # (an order's lines together, as
            idx = slice(int(idx[0]), int(idx[-1]) + 1)   # usual: a slice copies nothing)
        sub = dataclasses.replace(raw, frame=raw.frame.iloc[idx].reset_index(drop=True),
                                  row_numbers=raw.row_numbers.iloc[idx].reset_index(drop=True),
                                  problems=[], blank_rows=0)
        parts.append(src.to_canonical(sub, ctx))
        raw.blank_rows += sub.blank_rows  # totals rows found in the chunk
        if spill:
            for p in parts[-1]:
                p.frame = _Spilled.write(p.frame, spill)
                p.row_numbers = _Spilled.write(p.row_numbers, spill)
        del sub
    if release_raw:
        raw.frame, raw.row_numbers = raw.frame.iloc[:0], raw.row_numbers.iloc[:0]
        _release_freed_memory()
    if len({tuple(p.table for p in ps) for ps in parts}) != 1:  # (never: one spec)
        raise RuntimeError(f"{raw.label}: chunks mapped to different tables")

    def in_file_order(frame, numbers):
        numbers = np.asarray(numbers)
        if len(numbers) < 2 or (np.diff(numbers) >= 0).all():
            return frame.reset_index(drop=True)
        return frame.iloc[np.argsort(numbers, kind="stable")].reset_index(drop=True)

    out = []
    for k, first in enumerate(parts[0]):
        same = [ps[k] for ps in parts]
        for p in same:  # (read back from their files: one table's chunks at a time)
            p.row_numbers = _unspilled(p.row_numbers)
        nums = pd.concat([p.row_numbers for p in same], ignore_index=True)
        order = None if len(nums) < 2 or (np.diff(nums.to_numpy()) >= 0).all() else \
            np.argsort(nums.to_numpy(), kind="stable")
        # written chunks of the same dtypes: put together in their files (what the pandas
        # concatenation below gives, without it)
        frame = _Spilled.concat([p.frame for p in same], order, spill) if spill else None
        if frame is None:
            for p in same:
                p.frame = _unspilled(p.frame)
            frames = [p.frame for p in same]
            frame = in_file_order(pd.concat(frames, ignore_index=True), nums)
            if any(list(f.dtypes) != list(frames[0].dtypes) for f in frames[1:]):
                frame = schema.settle_dtypes(first.table, frame, arrow_text=True)
            del frames
        nums = in_file_order(nums, nums)
        # (empty frames left out: a chunk without rejects has object columns)
        rejected = [p.rejected for p in same if p.rejected is not None]
        rejected = [r for r in rejected if len(r)] or rejected[:1]
        rejected = pd.concat(rejected, ignore_index=True) if rejected else None
        if rejected is not None:
            rejected = in_file_order(rejected, rejected["row_number"])
        replace = [p.replace_orders for p in same if p.replace_orders is not None]
        replace = [r for r in replace if len(r)] or replace[:1]
        out.append(Piece(first.table, frame, nums, rejected, first.missing_ok, first.validated,
                         pd.concat(replace, ignore_index=True) if replace else None))
        for p in same:  # the chunks' frames are in the result now
            p.frame = p.row_numbers = None
        del frame, nums
        if spill:  # the table's result waits in its file, not beside the next table's
            out[-1].frame = _Spilled.write(out[-1].frame, spill)
            out[-1].row_numbers = _Spilled.write(out[-1].row_numbers, spill)
    return out


def _map_file_in_worker(path: Path, fmt_arg: str | None, table: str | None,
                        context: dict | None, wh_path: Path, spill: str | None = None):
    """:func:`_map_file` in a worker process, with the file's context worked out there as
    the writer does. The raw text frame stays in the worker (the writer needs only the
    file's accounting: problems, blank rows, encoding) and is let go as soon as it is
    mapped. With ``spill`` (a private folder of the pool), the pieces' frames, row numbers
    and whole orders go to the writer as Arrow IPC files there (:class:`_Spilled`) instead
    of in the result's pickle. Returns ("ok", (jobs, skipped)) or ("error", exception) so
    the writer raises it in file order."""
    try:
        ctx = _file_context(path, context, table, wh_path)
        fmt = fmt_arg or ctx.get("format")
        if table:
            fmt = fmt or "canonical"
        jobs, skipped = _map_file(path, fmt, ctx, release_raw=True, spill=spill)
        if spill:
            for _, _, pieces in jobs:
                for p in pieces:
                    p.frame = _Spilled.write(p.frame, spill)
                    p.row_numbers = _Spilled.write(p.row_numbers, spill)
                    p.replace_orders = _Spilled.write(p.replace_orders, spill)
        return "ok", (jobs, skipped)
    except Exception as e:  # noqa: BLE001 - raised again by the writer
        try:
            import pickle
            pickle.dumps(e)
        except Exception:  # noqa: BLE001
            e = RuntimeError(f"{type(e).__name__}: {e}")
        return "error", e
    finally:  # the next file is read with freed memory handed back (_keep_freed_memory)
        _keep_freed_memory(False)
        _release_freed_memory()


class _Spilled:
    """A worker's frame (or series) handed to the writer as an Arrow IPC file in the pool's
    private folder, instead of inside the pickle of the worker's result.

    Why: a pickled result was made beside the pieces in the worker (their size again, and
    more while pickling) and taken in by the writer as bytes and then objects, for every
    file mapped ahead at once (the pool's result thread unpickles each result as it comes);
    as files, the pieces of a file mapped ahead wait on disk, and the writer reads one
    piece at a time, when it loads it. The round trip is exact (pandas' metadata in the
    Arrow schema: dtypes, index, names); the writer checks the dtypes it gets back.
    Objects Arrow cannot hold (mixed Python objects) and empty ones stay in the pickle."""

    _count = 0

    def __init__(self, path: str, series: bool, name, dtypes: list[str], rows: int,
                 more: tuple[str, ...] = ()):
        self.path, self.series, self.name, self.dtypes, self.rows = (path, series, name,
                                                                     dtypes, rows)
        self.more = tuple(more)  # files whose rows follow the first file's (see concat)

    @classmethod
    def write(cls, obj, folder: str):
        """``obj`` written to a new file in ``folder``, or ``obj`` itself (None, empty or
        not representable in Arrow)."""
        if obj is None or isinstance(obj, cls) or not len(obj):
            return obj
        series = isinstance(obj, pd.Series)
        frame = obj.to_frame("v") if series else obj
        if not all(isinstance(c, str) for c in frame.columns) or frame.columns.has_duplicates:
            return obj  # (Arrow's field names are text, one each)
        try:
            table = pa.Table.from_pandas(frame)
        except (pa.ArrowException, TypeError, ValueError):
            return obj
        cls._count += 1
        path = os.path.join(folder, f"{os.getpid()}-{cls._count}.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        return cls(path, series, obj.name if series else None,
                   [str(t) for t in frame.dtypes], len(frame))

    @classmethod
    def concat(cls, parts: list, order: np.ndarray | None, folder: str):
        """The frames ``parts`` (written by :meth:`write`, all of the same dtypes) one after
        the other, their rows taken in ``order`` (None: as they come): put together in
        Arrow, without making a pandas frame of them (a long export's chunks in a worker:
        reading each back into pandas, concatenating and converting the result to Arrow
        again took a third of the hand-over). With ``order`` None (the chunks' rows in
        file order already, as usual) the files themselves are the result, read one after
        the other by :meth:`read` (a multi-file spill: nothing is read or written again);
        else their rows are taken in ``order`` and written as one new file. The frame read
        back is the one the pandas concatenation gives (a 0..n-1 index, the same dtypes,
        checked on reading). None, and nothing removed, when they cannot be (not all
        written frames, other dtypes or Arrow types)."""
        if not parts or any(not isinstance(p, cls) or p.series or p.dtypes != parts[0].dtypes
                            or p.more for p in parts):
            return None
        if order is None:
            schemas = []
            for p in parts:  # (the schemas only: no data is read)
                with pa.memory_map(p.path, "r") as src:
                    schemas.append(pa.ipc.open_file(src).schema)
            if any(not sc.equals(schemas[0]) for sc in schemas[1:]) or \
                    cls._range_meta(schemas[0], 0) is None:
                return None
            return cls(parts[0].path, False, None, list(parts[0].dtypes),
                       sum(p.rows for p in parts), more=[p.path for p in parts[1:]])
        tables = []
        for p in parts:
            with pa.memory_map(p.path, "r") as src:
                tables.append(pa.ipc.open_file(src).read_all())
        if any(not t.schema.equals(tables[0].schema) for t in tables[1:]):
            return None
        table = pa.concat_tables(tables)
        del tables
        if order is not None:
            table = table.take(pa.array(order))
        meta = cls._range_meta(table.schema, table.num_rows)
        if meta is None:
            return None
        table = table.replace_schema_metadata(meta)
        cls._count += 1
        path = os.path.join(folder, f"{os.getpid()}-{cls._count}.arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        for p in parts:
            os.remove(p.path)
        return cls(path, False, None, list(parts[0].dtypes), table.num_rows)

    @staticmethod
    def _range_meta(schema: pa.Schema, rows: int) -> dict | None:
        """``schema``'s metadata with pandas' index made 0..rows-1 (as reset_index gives), or
        None when the frame's index is not a plain range."""
        meta = json.loads(schema.metadata[b"pandas"])
        for d in meta["index_columns"]:
            if not (isinstance(d, dict) and d.get("kind") == "range" and d.get("name") is None):
                return None
            d.update(start=0, stop=rows, step=1)
        return {**schema.metadata, b"pandas": json.dumps(meta).encode()}

    def read(self):
        """The frame (or series) back, its file(s) removed."""
        tables = []
        for path in (self.path, *self.more):
            with pa.memory_map(path, "r") as src:
                tables.append(pa.ipc.open_file(src).read_all())
            os.remove(path)
        if self.more:  # the chunks one after the other (no copy), indexed 0..n-1
            table = pa.concat_tables(tables)
            table = table.replace_schema_metadata(self._range_meta(table.schema,
                                                                   table.num_rows))
        else:
            table = tables[0]
        del tables
        frame = table.to_pandas()
        del table
        got = [str(t) for t in frame.dtypes]
        if got != self.dtypes or len(frame) != self.rows:  # defensive: never silent
            raise RuntimeError(f"a mapped piece came back from its worker changed: dtypes "
                               f"{got} instead of {self.dtypes}, {len(frame)} rows instead "
                               f"of {self.rows}")
        return frame["v"].rename(self.name) if self.series else frame


def _unspilled(obj):
    """``obj`` read back when a worker wrote it to a file (:class:`_Spilled`), else itself."""
    return obj.read() if isinstance(obj, _Spilled) else obj


def _unspill(piece: Piece) -> Piece:
    """``piece`` with what its worker wrote to files (:class:`_Spilled`) read back."""
    import dataclasses
    back = {a: getattr(piece, a).read() for a in ("frame", "row_numbers", "replace_orders")
            if isinstance(getattr(piece, a), _Spilled)}
    return dataclasses.replace(piece, **back) if back else piece


def _keep_freed_memory(keep: bool = True) -> None:
    """Make glibc's malloc keep freed memory for reuse instead of handing every large block
    back to the kernel: blocks up to 1 GiB come from the heap (M_MMAP_THRESHOLD, default
    32 MiB at most) and up to 256 MiB of free heap top is kept (M_TRIM_THRESHOLD, default
    128 KiB), with 16 MiB of padding per growth (M_TOP_PAD). A process that maps export
    files of hundreds of MB one after another otherwise has the kernel map and zero fresh
    pages for each new buffer (at 5M order lines: 45.6 -> 37.2 CPU-s in the workers, of
    which the kernel's share 19.3 -> 12.1). ``keep=False``: blocks over 32 MiB are the
    kernel's again (mapped, and handed back when freed).

    Set by a worker process for the mapping of a file only, after its reading: kept
    while the file was read, the file's bytes and a GBK file's text stayed in the heap,
    of no use to Arrow's allocator, beside the table Arrow made of them (a GBK file's read
    peaked at ~2 GB instead of ~1.2). Run in the ingest's worker processes only, which end
    with the ingest; the caller's own process keeps its settings. Does nothing where malloc
    is not glibc's."""
    import ctypes
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return
    for param, value in ((-3, (1 << 30) if keep else 32 << 20), (-1, 256 << 20),
                         (-2, 16 << 20)):
        mallopt(ctypes.c_int(param), ctypes.c_int(value))


def _release_freed_memory() -> None:
    """Hand the memory a worker freed after a file back to the kernel (glibc's
    ``malloc_trim``, Arrow's pool): :func:`_keep_freed_memory` keeps it for reuse while a
    file is mapped, but a worker waiting for its result to be taken, or reading its next
    file, would otherwise hold its last file's peak beside the other worker's."""
    import ctypes
    try:
        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 - (an older pyarrow)
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(ctypes.c_size_t(0))
    except (OSError, AttributeError):
        pass


class _MapPool:
    """Worker processes that read and map files ahead of the single writer. At most
    ``workers + 1`` files are mapped ahead, so memory stays bounded."""

    def __init__(self, wh: "Warehouse", files: list[Path], fmt, table, context, workers: int):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # the salt was settled by Warehouse.ingest (once: two workers must not each create one)
        ctx0 = {k: v for k, v in (context or {}).items() if v}
        import tempfile
        # the workers' pieces as Arrow IPC files (see _Spilled): a folder only this user
        # can read, removed when the ingest ends
        self.spill = tempfile.mkdtemp(prefix="ecomlib-ingest-")
        self.args = (fmt, table, ctx0, wh.path, self.spill)
        self.files = files
        self.ahead = workers + 1
        self.futures: dict[int, object] = {}
        self.executor = ProcessPoolExecutor(max_workers=workers,
                                            mp_context=mp.get_context("fork"),
                                            initializer=_keep_freed_memory,
                                            initargs=(False,))
        self.next = 0
        self._fill(0)

    def _fill(self, k: int) -> None:
        while self.next < len(self.files) and self.next < k + self.ahead:
            self.futures[self.next] = self.executor.submit(
                _map_file_in_worker, self.files[self.next], *self.args)
            self.next += 1

    def result(self, k: int):
        """A callable giving file ``k``'s ``(jobs, skipped)`` (raising its error)."""
        self._fill(k)
        fut = self.futures.pop(k)

        def get():
            status, value = fut.result()
            if status == "error":
                raise value
            return value
        return get

    def close(self) -> None:
        import shutil
        for fut in self.futures.values():
            fut.cancel()
        self.executor.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.spill, ignore_errors=True)

def sidecar_context(path: Path) -> dict:
    """Settings for one file from an ``ecom.yaml`` beside it, and the mapping files there.

    ``ecom.yaml``::

        shops:      {"pdd_*.csv": pdd_flagship}   # file-name pattern -> shop id
        platforms:  {"ads_*.csv": tmall}           # pattern -> platform code
        formats:    {"*.xlsx": taobao_orders}      # pattern -> format (like --format)
        mappings:   [youzan.yaml]                  # column-mapping files to register

    Mapping files named ``*.mapping.yaml`` beside the data, in ``parameters/mappings/`` of
    the working directory and in ``$ECOMLIB_MAPPINGS`` are registered too.
    """
    from fnmatch import fnmatch

    import yaml

    from .sources.mapping_file import load_mappings

    ctx: dict = {}
    folder = path.parent
    extra = [Path("parameters/mappings"), *(Path(p) for p in
                                            os.environ.get("ECOMLIB_MAPPINGS", "").split(os.pathsep) if p)]
    load_mappings([p for p in extra if p.is_dir()])
    load_mappings(sorted(folder.glob("*.mapping.yaml")))
    cfg = folder / "ecom.yaml"
    if cfg.exists():
        try:
            doc = yaml.safe_load(cfg.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise SourceError(f"{cfg}: not valid YAML ({e})") from None
        if not isinstance(doc, dict):
            raise SourceError(f"{cfg}: expected keys shops, platforms, formats, mappings")
        for key, ctx_key in (("shops", "shop_id"), ("platforms", "platform"), ("formats", "format")):
            for pattern, value in (doc.get(key) or {}).items():
                if fnmatch(path.name, str(pattern)):
                    ctx[ctx_key] = str(value)
                    break
        load_mappings([folder / m for m in doc.get("mappings") or []])
    return ctx


_NOT_EXPORTS = {".md", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".doc", ".docx",
                ".ppt", ".pptx", ".zip", ".rar", ".7z", ".gz", ".json", ".yaml", ".yml", ".py",
                ".ipynb", ".html", ".htm", ".log", ".duckdb", ".wal", ".db", ".exe", ".ini",
                ".lnk", ".url"}


def scan_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """``(files to load, [(file, why it is skipped)])``. A named file is always loaded (or
    fails with its reason); a folder expands to every file in it (sorted, hidden folders
    not entered), each either to load or listed with the reason it is skipped, so a folder
    ingest accounts for every file. Exports are recognised by content as well as by name:
    a tab-separated UTF-16 "Unicode text" file is loaded whatever its extension."""
    from .sources import DATA_SUFFIXES, sniff
    load: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for p in paths:
        p = Path(p)
        if p.is_file():
            load.append(p)
            continue
        if not p.is_dir():
            raise LoadError(f"{p}: no such file or folder")
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p).parts
            if any(part.startswith(".") for part in rel[:-1]) or not f.is_file():
                continue
            name, suffix = f.name, f.suffix.lower()
            if name.startswith(("~$", ".~")):
                skipped.append((f, "temporary file of an open workbook (~$...): close it in "
                                   "Excel; the workbook itself is loaded"))
            elif name.startswith("."):
                skipped.append((f, "hidden file"))
            elif name == "ecom.yaml" or name.endswith(".mapping.yaml"):
                skipped.append((f, "settings file (read for the exports beside it)"))
            elif suffix in DATA_SUFFIXES:
                load.append(f)
            elif suffix in _NOT_EXPORTS:
                skipped.append((f, f"not an export ({suffix} file)"))
            else:  # an unknown or missing extension: what is inside decides
                with open(f, "rb") as fh:
                    head = fh.read(4096)
                kind = sniff(head)
                if kind in ("xlsx", "xls", "parquet") or (kind == "text" and _delimited(head)):
                    load.append(f)
                else:
                    skipped.append((f, f"not an export (unknown type{' ' + suffix if suffix else ''}; "
                                       "name it .csv, .txt or .xlsx to load it)"))
    return load, skipped


def _delimited(head: bytes) -> bool:
    """The first line of a text file has at least 3 fields split by tabs or commas."""
    from .sources import decode_bytes
    try:
        text = decode_bytes(head)[1]
    except Exception:  # noqa: BLE001 - not text
        return False
    first = text.splitlines()[0] if text else ""
    return max(first.count("\t"), first.count(",")) >= 2


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The files :func:`scan_paths` would load."""
    return scan_paths(paths)[0]


def sql_filters(start=None, end=None, shops=None, platforms=None, date_col: str = "sales_date",
                alias: str = "", params: dict | None = None) -> tuple[list[str], dict]:
    """SQL conditions and named parameters for the usual report filters, for queries on
    the marts: ``start``/``end`` inclusive Beijing dates on ``date_col``, shop and
    platform lists (an empty list matches nothing). ``alias`` prefixes the columns
    (``"x."``). Returns ``(conditions, params)``; join the conditions with AND."""
    params = {} if params is None else params
    conds = _date_conds(f"{alias}{date_col}", start, end, params)
    conds += _in_conds(f"{alias}platform", platforms, "p", params)
    conds += _in_conds(f"{alias}shop_id", shops, "s", params)
    return conds, params


def _date_conds(expr, start, end, params) -> list[str]:
    conds = []
    if start is not None:
        params["start_d"] = pd.Timestamp(start).date()
        conds.append(f"{expr} >= $start_d")
    if end is not None:
        params["end_d"] = (pd.Timestamp(end) + pd.Timedelta(days=1)).date()
        conds.append(f"{expr} < $end_d")
    return conds


def _in_conds(col, values, prefix, params, t: schema.Table | None = None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if t is not None and col.split(".")[-1] not in t.column_names:
        raise ValueError(f"table {t.name} has no {col.split('.')[-1]} column to filter on")
    names = []
    for i, v in enumerate(values):
        params[f"{prefix}{i}"] = str(v)
        names.append(f"${prefix}{i}")
    return [f"{col} IN ({', '.join(names)})" if names else "FALSE"]


def engine_error_message(path: Path, e: BaseException, warehouse: Path) -> str:
    """A plain message for an error of the engine or the machine during a load: a full disk
    and a lost lock say so; anything else is named as unexpected. Nothing of the file was
    written either way (its transaction was rolled back)."""
    import errno
    text = str(e)
    if (isinstance(e, OSError) and e.errno == errno.ENOSPC) or "No space left" in text \
            or "not enough space" in text.lower():
        import shutil
        try:
            free = shutil.disk_usage(Path(warehouse).resolve().parent).free
            free_text = f" ({free / 2**20:,.0f} MB free now)"
        except OSError:
            free_text = ""
        return (f"{path}: the disk holding the warehouse {warehouse} is full{free_text}; nothing "
                "of this file was written: free some space (or move the warehouse, or set "
                "DuckDB's temp_directory elsewhere) and load it again")
    if "lock" in text.lower() and "could not set lock" in text.lower():
        return (f"{path}: another process took the warehouse {warehouse}; nothing of this file "
                "was written: load it again when it has finished")
    return (f"{path}: unexpected error while loading ({type(e).__name__}: {text}); nothing of "
            "this file was written")


def _localise(df: pd.DataFrame, t: schema.Table) -> pd.DataFrame:
    for c in t.columns:
        if c.name in df.columns and c.kind == "ts":
            df[c.name] = pd.to_datetime(df[c.name]).dt.tz_localize(schema.BEIJING)
    return df


def _test_pause_hook() -> None:
    """Test hook: with ECOMLIB_TEST_PAUSE_IN_LOAD=<marker file>, a load writes the marker and
    sleeps inside its open transaction, so a test can kill the process mid-load."""
    marker = os.environ.get("ECOMLIB_TEST_PAUSE_IN_LOAD")
    if marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("ECOMLIB_TEST_PAUSE_SECONDS", "60")))
