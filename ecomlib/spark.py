"""The model layer on Apache Spark: the same SQL files, transpiled by sqlglot, on a canonical
Parquet export (``ecom export --parquet``), marts written as Parquet.

    ecom export --parquet data/parquet
    ecom build --engine spark --source data/parquet --out data/marts [--master URL]
    ecom --marts data/marts run --all          # the reports on those marts (DuckDB over Parquet)

:func:`build` does what :func:`ecomlib.modelling.build` does on a full build, on Spark:

* the canonical tables are temporary views over the export (Hive partitions read as text,
  every column cast to its canonical type; a table without files is an empty view);
* ``dim_calendar`` is computed in Python (:func:`ecomlib.calendar_dim.frame`, over the span
  of :data:`ecomlib.calendar_dim.SPAN_SQL` run on Spark) and registered as a view;
* ``build_scope_orders`` is every order, ``build_scope_days`` every day of
  ``int_order_lines`` and ``build_scope_full`` one row (a full build; Spark builds are
  always full);
* every model in build order, ``sqlglot.transpile(read="duckdb", write="spark")``: views
  as views, intermediate tables cached (memory and disk), marts written as Parquet to
  ``OUT/<mart>/`` (one folder each, views included) and read back from there;
  ``dim_calendar`` is written beside them (the reports read it) and ``OUT/_build.json``
  records the build (source, Spark version, master, rows and seconds per model).

The marts are written to ``OUT/.building-<id>/`` and moved into place only when every model
has been built, so a failed build leaves the previous marts as they were (local folders; an
``hdfs://`` or ``s3a://`` output is written in place). The session runs in UTC with
``TIMESTAMP_NTZ`` timestamps: the warehouse's timestamps are Beijing wall-clock time without
a zone, and stay so. ANSI mode is on (Spark 4's default): an overflow fails the build, as it
does in DuckDB.

Java: Spark needs a Java 17 or newer runtime (:func:`find_java`: ``$JAVA_HOME``, ``java`` on
the PATH, or a JDK under ``/usr/lib/jvm``); ``make test`` installs Debian's
``openjdk-17-jre-headless`` when there is none. pyspark comes with ``pip install -e '.[spark]'``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import calendar_dim, export, modelling, schema

MIN_JAVA = 17
#: where Debian (and most Linux) installs JDKs, looked into after $JAVA_HOME and the PATH
JVM_DIR = Path("/usr/lib/jvm")
_SPARK_TYPES = {"str": "StringType", "int": "LongType", "fen": "LongType",
                "float": "DoubleType", "ts": "TimestampNTZType", "date": "DateType"}


class SparkUnavailable(RuntimeError):
    """pyspark or a Java runtime is missing (the message says how to install it)."""


# -- Java and the session ----------------------------------------------------------------------
def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def find_java() -> tuple[str | None, str]:
    """``(JAVA_HOME to use, why not)``: the first Java runtime of version 17 or newer among
    ``$JAVA_HOME``, ``java`` on the PATH and ``/usr/lib/jvm/*``; ``(None, reason)`` when none."""
    seen = []
    cands = []
    if os.environ.get("JAVA_HOME"):
        cands.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        cands.append(Path(os.path.realpath(on_path)))
    cands += sorted(JVM_DIR.glob("*/bin/java"), reverse=True)
    for java in cands:
        if not java.exists():
            continue
        major = _java_major(str(java))
        seen.append(f"{java} ({'version ' + str(major) if major else 'not runnable'})")
        if major and major >= MIN_JAVA:
            return str(java.parent.parent), ""
    if seen:
        return None, (f"Spark needs Java {MIN_JAVA} or newer; found only " + ", ".join(seen)
                      + ": install openjdk-17-jre-headless (make test does, as root)")
    return None, (f"no Java runtime (Spark needs Java {MIN_JAVA}+): install Debian's "
                  "openjdk-17-jre-headless (make test does it when run as root)")


def session(master: str | None = None, conf: dict | None = None, app_name: str = "ecomlib"):
    """A SparkSession: ``local[*]`` unless ``master`` (``spark://host:7077``, ``yarn`` ...);
    ``conf`` adds or overrides settings (``spark.driver.memory`` ...)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("pyspark is not installed: pip install -e '.[spark]' "
                               "(make test installs it)") from None
    home, why = find_java()
    if home is None:
        raise SparkUnavailable(why)
    os.environ["JAVA_HOME"] = home  # (a $JAVA_HOME older than 17 is passed over)
    master = master or os.environ.get("ECOMLIB_SPARK_MASTER") or "local[*]"
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.adaptive.enabled": "true",
        "spark.driver.memory": os.environ.get("ECOMLIB_SPARK_DRIVER_MEMORY", "2g"),
    }
    if master.startswith("local"):
        settings["spark.sql.shuffle.partitions"] = str(max(4, 2 * (os.cpu_count() or 1)))
        settings["spark.driver.host"] = "127.0.0.1"
        settings["spark.driver.bindAddress"] = "127.0.0.1"
        # no spark-warehouse/ folder in the caller's working directory (nothing is saved as
        # a Spark table: the marts are written as Parquet files)
        settings["spark.sql.warehouse.dir"] = str(Path(tempfile.gettempdir()) / "ecomlib-spark-warehouse")
    settings.update(conf or {})
    b = SparkSession.builder.master(master).appName(app_name)
    for k, v in settings.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def to_spark_sql(sql: str) -> str:
    """A model's SQL (DuckDB dialect) as Spark SQL (sqlglot; an unsupported construct raises)."""
    import sqlglot
    from sqlglot.errors import ErrorLevel
    out = sqlglot.transpile(sql, read="duckdb", write="spark",
                            unsupported_level=ErrorLevel.RAISE)
    if len(out) != 1:
        raise modelling.ModelError(f"a model must be one statement, got {len(out)}")
    return out[0]


# -- reading the export ------------------------------------------------------------------------
def spark_schema(table: str):
    """The canonical table's columns as a Spark StructType."""
    from pyspark.sql import types as T
    t = schema.table(table)
    return T.StructType([T.StructField(c.name, getattr(T, _SPARK_TYPES[c.kind])(), True)
                         for c in t.columns])


def _has_files(path: Path) -> bool:
    return path.is_dir() and any(p for p in path.rglob("*.parquet")
                                 if not any(part.startswith((".", "_"))
                                            for part in p.relative_to(path).parts))


def _is_local(path: str) -> bool:
    return "://" not in str(path) or str(path).startswith("file://")


def _local(path: str | Path) -> Path:
    s = str(path)
    return Path(s[len("file://"):] if s.startswith("file://") else s)


def read_table(spark, source: str | Path, table: str):
    """Canonical table ``table`` of an export folder as a DataFrame, typed as in the
    warehouse (partition columns from the paths, as text)."""
    from pyspark.sql import functions as F
    sch = spark_schema(table)
    path = str(source).rstrip("/") + "/" + table
    if _is_local(path) and not _has_files(_local(path)):
        return spark.createDataFrame([], sch)
    df = spark.read.option("basePath", path).parquet(path)
    return df.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in sch.fields])


def calendar_frame(spark, campaigns_file=None):
    """``dim_calendar`` for the data in the registered canonical views, as a DataFrame:
    :func:`ecomlib.calendar_dim.frame` over the span of ``SPAN_SQL`` (as the DuckDB build)."""
    from pyspark.sql import types as T
    lo, hi = spark.sql(to_spark_sql(calendar_dim.SPAN_SQL)).collect()[0]
    lo, hi = calendar_dim.calendar_span(lo, hi)
    cal = calendar_dim.frame(lo, hi, calendar_dim.load_campaigns(campaigns_file))
    kinds = {"day": T.DateType(), "month_start": T.DateType(), "week_start": T.DateType(),
             "is_weekend": T.BooleanType(), "is_holiday": T.BooleanType(),
             "holiday": T.StringType(), "festival": T.StringType(),
             "festival_phase": T.StringType(), "campaign": T.StringType()}
    sch = T.StructType([T.StructField(c, kinds.get(c, T.IntegerType()), True)
                        for c in calendar_dim.COLUMNS])

    def plain(v, kind):
        if v is None or (isinstance(v, float) and v != v):
            return None
        if isinstance(kind, T.DateType):
            return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
        if isinstance(kind, T.BooleanType):
            return bool(v)
        if isinstance(kind, T.IntegerType):
            return int(v)
        return str(v)
    rows = [tuple(plain(v, f.dataType) for v, f in zip(r, sch.fields))
            for r in cal.itertuples(index=False, name=None)]
    return spark.createDataFrame(rows, sch)


# -- the build ---------------------------------------------------------------------------------
@dataclass
class SparkBuildResult:
    out: str
    seconds: float
    models: list[dict] = field(default_factory=list)
    spark_version: str = ""
    master: str = ""

    @property
    def marts(self) -> list[str]:
        return [m["model"] for m in self.models if m["layer"] == "marts"]

    def summary(self) -> str:
        return (f"spark build ({self.master}, Spark {self.spark_version}): "
                f"{len(self.marts)} mart(s) written to {self.out} in {self.seconds:.1f} s")


def build(source: str | Path, out: str | Path, master: str | None = None, spark=None,
          models: dict | None = None, conf: dict | None = None, progress=None,
          campaigns_file=None) -> SparkBuildResult:
    """Build every model on Spark from the export ``source`` and write the marts (and
    ``dim_calendar``) as Parquet under ``out`` (see the module docstring). ``spark``: a
    session to use; otherwise the active one, else one is started (and stopped at the end)."""
    try:
        from pyspark import StorageLevel
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("pyspark is not installed: pip install -e '.[spark]' "
                               "(make test installs it)") from None
    models = models or modelling.load_models()
    own = spark is None and SparkSession.getActiveSession() is None
    t0 = time.perf_counter()
    started = dt.datetime.now()
    if _is_local(str(source)):
        src = _local(source)
        if not (src / export.STATE_FILE).exists() and not any(
                (src / t).is_dir() for t in schema.TABLES):
            raise FileNotFoundError(f"{source}: not a canonical Parquet export (write one with "
                                    "`ecom export --parquet DIR`)")
        source = str(src.resolve())
    out_s = str(out).rstrip("/")
    local_out = _is_local(out_s)
    if local_out:
        out_path = _local(out_s).resolve()
        out_path.mkdir(parents=True, exist_ok=True)
        stage = out_path / f".building-{uuid.uuid4().hex[:8]}"
        stage_s = str(stage)
    else:
        stage_s = out_s
    spark = spark or session(master, conf)
    cached = []
    log: list[dict] = []
    try:
        for name in schema.TABLES:
            read_table(spark, source, name).createOrReplaceTempView(name)
        calendar_frame(spark, campaigns_file).createOrReplaceTempView("dim_calendar")
        spark.sql("SELECT platform, shop_id, order_id FROM orders") \
            .createOrReplaceTempView("build_scope_orders")
        spark.sql("SELECT TRUE AS full_build").createOrReplaceTempView("build_scope_full")
        written = {}
        for m in models.values():
            t = time.perf_counter()
            df = spark.sql(to_spark_sql(m.sql))
            if m.layer == "marts":
                path = f"{stage_s}/{m.name}"
                df.write.mode("overwrite").parquet(path)
                df = spark.read.schema(df.schema).parquet(path)
                kind, rows = "written", df.count()
                written[m.name] = path
            elif m.materialized == "table":
                df = df.persist(StorageLevel.MEMORY_AND_DISK)
                cached.append(df)
                kind, rows = "cached", df.count()
            else:
                kind, rows = "view", None
            df.createOrReplaceTempView(m.name)
            if m.name == modelling.DAY_MODEL:
                spark.sql(f"SELECT DISTINCT platform, shop_id, sales_date FROM {m.name}") \
                    .createOrReplaceTempView("build_scope_days")
            log.append({"model": m.name, "layer": m.layer, "kind": kind, "rows": rows,
                        "seconds": round(time.perf_counter() - t, 3)})
            if progress:
                progress(m.name, kind, rows)
        spark.table("dim_calendar").coalesce(1).write.mode("overwrite") \
            .parquet(f"{stage_s}/dim_calendar")
        written["dim_calendar"] = f"{stage_s}/dim_calendar"
        if local_out:  # every model built: the new marts replace the old ones
            for name in written:
                dest = out_path / name
                if dest.exists():
                    shutil.rmtree(dest)
                os.replace(stage / name, dest)
        info = {"engine": "spark", "spark_version": spark.version,
                "master": spark.sparkContext.master, "source": str(source),
                "started_at": started.isoformat(timespec="seconds"),
                "seconds": round(time.perf_counter() - t0, 2),
                "marts": sorted(written), "models": log}
        if local_out:
            (out_path / export.BUILD_FILE).write_text(
                json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
        return SparkBuildResult(str(out_path) if local_out else out_s, info["seconds"], log,
                                spark.version, spark.sparkContext.master)
    finally:
        for df in cached:
            df.unpersist()
        for name in list(schema.TABLES) + list(models) + [
                "dim_calendar", *modelling.SCOPE_RELATIONS]:
            spark.catalog.dropTempView(name)
        if local_out:
            shutil.rmtree(stage, ignore_errors=True)
        if own:
            spark.stop()


# -- comparing with DuckDB ---------------------------------------------------------------------
def compare_marts(con, out: str | Path, marts=None) -> list[dict]:
    """Each mart of a DuckDB warehouse connection ``con`` against the same mart in the
    Parquet folder ``out``: ``[{mart, rows, spark_rows, missing, extra, columns, money}]``
    where ``missing``/``extra`` count rows (multiset, every column) only DuckDB / only Spark
    has, ``columns`` names columns one side lacks, ``money`` the ``*_fen`` columns whose sums
    differ (exact integers). Equal marts have ``missing == extra == 0`` and empty lists."""
    out = Path(out)
    models = modelling.load_models()
    names = marts or [n for n, m in models.items() if m.layer == "marts"]
    rows = []
    for name in names:
        path = out / name
        spark_sql = f"read_parquet({export._q(path.resolve() / '*.parquet')})"
        duck_cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {name}").fetchall()]
        spark_cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {spark_sql}").fetchall()]
        cols = [c for c in duck_cols if c in spark_cols]
        sel = ", ".join(f'"{c}"' for c in cols)
        n_duck = con.execute(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0]
        n_spark = con.execute(f"SELECT COUNT(*) FROM {spark_sql}").fetchall()[0][0]
        missing = con.execute(f"SELECT COUNT(*) FROM (SELECT {sel} FROM {name} EXCEPT ALL "
                              f"SELECT {sel} FROM {spark_sql})").fetchall()[0][0]
        extra = con.execute(f"SELECT COUNT(*) FROM (SELECT {sel} FROM {spark_sql} EXCEPT ALL "
                            f"SELECT {sel} FROM {name})").fetchall()[0][0]
        money = []
        for c in (c for c in cols if c.endswith("_fen")):
            a = con.execute(f'SELECT CAST(SUM("{c}") AS VARCHAR) FROM {name}').fetchall()[0][0]
            b = con.execute(f'SELECT CAST(SUM("{c}") AS VARCHAR) FROM {spark_sql}'
                            ).fetchall()[0][0]
            if a != b:
                money.append(f"{c}: duckdb {a}, spark {b}")
        rows.append({"mart": name, "rows": int(n_duck), "spark_rows": int(n_spark),
                     "missing": int(missing), "extra": int(extra),
                     "columns": sorted(set(duck_cols) ^ set(spark_cols)), "money": money})
    return rows
