"""The ``ecom`` command: a thin shell over the library.

    ecom demo-data [--out DIR] [--size small|medium|large]
    ecom ingest PATH... [--format NAME] [--table NAME] [--no-build]
    ecom build [--full]
    ecom build --engine spark --source DIR --out DIR [--master URL]
    ecom export --parquet DIR [--full]
    ecom status [--quarantine N]
    ecom quality [--html PATH] [--lang zh|en] [--fail-on error|warning|never]
    ecom run [NOTEBOOK...] [--all] [--params FILE] [--per-shop [SHOP,SHOP]] [--parallel N]
    ecom watch INBOX [--once]
    ecom salt

Every command takes ``--warehouse PATH`` (default ``data/warehouse.duckdb`` or
``$ECOMLIB_WAREHOUSE``); ``--marts DIR`` reads a folder of Parquet marts (``ecom build
--engine spark --out DIR``) instead, for ``run``, ``serve`` and the other readers. Errors
are printed as one clear message (no traceback) and the exit code is non-zero.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd


def _print_frame(df: pd.DataFrame) -> None:
    with pd.option_context("display.width", 200, "display.max_columns", 30,
                           "display.max_colwidth", 80):
        print(df.to_string(index=False) if len(df) else "(none)")


def cmd_demo_data(args) -> int:
    import time
    from . import demo
    cfg = demo.SIZES[args.size]
    if args.seed is not None:
        from dataclasses import replace
        cfg = replace(cfg, seed=args.seed)
    t0 = time.perf_counter()
    paths = demo.write_demo(args.out, cfg, progress=True, layout=args.layout)
    print(f"demo data ({args.size}, seed {cfg.seed}, {args.layout}) written to {args.out} "
          f"in {time.perf_counter() - t0:.1f} s:")
    for name, p in paths.items():
        print(f"  {name:<42} {p}")
    if args.layout == "exports":
        print(f"what was planted for ingest to catch: {Path(args.out) / 'README.md'}")
    return 0


def cmd_ingest(args) -> int:
    from .warehouse import LoadError, Warehouse, scan_paths
    try:
        files, skipped = scan_paths(args.paths)
    except LoadError as e:
        print(f"ecom ingest: {e}", file=sys.stderr)
        return 2
    if not files and not skipped:
        print("ecom ingest: no files found in " + " ".join(args.paths), file=sys.stderr)
        return 2
    with Warehouse(args.warehouse) as wh:
        results = wh.ingest(args.paths, fmt=args.format, table=args.table, errors="record",
                            context={"shop_id": args.shop, "platform": args.platform})
        for r in results:
            if r.status == "skipped":
                print(f"skipped {r.file}: {r.message}")
        failed = [r for r in results if r.status == "failed"]
        for r in failed:
            print(f"FAILED {r.message}", file=sys.stderr)
        failures = len(failed)
        results = [r for r in results if r.status not in ("failed", "skipped")]
        if results:
            df = pd.DataFrame([r.as_dict() for r in results])[
                ["file", "table", "format", "rows_in", "rows_inserted", "rows_updated",
                 "rows_unchanged", "rows_quarantined"]]
            df["file"] = df["file"].map(lambda s: Path(s).name)
            _print_frame(df)
            tot = df[["rows_in", "rows_inserted", "rows_updated", "rows_unchanged",
                      "rows_quarantined"]].sum()
            print(f"total: {tot.rows_in} rows in = {tot.rows_inserted} inserted + "
                  f"{tot.rows_updated} updated + {tot.rows_unchanged} unchanged + "
                  f"{tot.rows_quarantined} quarantined")
            retired = sum(r.rows_retired for r in results)
            if retired:
                print(f"{retired} order line(s) retired: a newer export of their order no "
                      "longer lists them")
            q = sum(r.rows_quarantined for r in results)
            if q:
                print(f"{q} row(s) quarantined; see `ecom status --quarantine 20`")
        if not args.no_build:
            res = wh.build()
            print(res.summary())
    if failures:
        print(f"{failures} file(s) could not be loaded (nothing of them was written)",
              file=sys.stderr)
        return 1
    return 0


def cmd_build(args) -> int:
    """Build the model layer: marts as tables (incremental unless --full); on Spark from a
    Parquet export into a folder of Parquet marts (--engine spark)."""
    if args.engine == "spark":
        return _build_spark(args)
    if args.source or args.out or args.master or args.conf:
        print("ecom build: --source, --out, --master and --conf belong to --engine spark",
              file=sys.stderr)
        return 2
    from .warehouse import Warehouse
    with Warehouse(args.warehouse) as wh:
        res = wh.build(full=args.full)
    if args.verbose:
        _print_frame(pd.DataFrame(res.models)[["model", "layer", "kind", "rows", "seconds"]])
    print(res.summary())
    return 0


def _build_spark(args) -> int:
    from . import spark
    if not args.source or not args.out:
        print("ecom build --engine spark: give --source DIR (an `ecom export --parquet` folder) "
              "and --out DIR (where the marts go)", file=sys.stderr)
        return 2
    conf = {}
    for item in args.conf or []:
        if "=" not in item:
            print(f"ecom build: --conf {item}: give KEY=VALUE", file=sys.stderr)
            return 2
        k, v = item.split("=", 1)
        conf[k.strip()] = v.strip()

    def progress(name, kind, rows):
        if args.verbose and kind != "view":
            print(f"  {name:<28} {kind:<8} {rows if rows is not None else '':>12}", flush=True)
    try:
        res = spark.build(args.source, args.out, master=args.master, conf=conf,
                          progress=progress)
    except spark.SparkUnavailable as e:
        print(f"ecom build --engine spark: {e}", file=sys.stderr)
        return 2
    print(res.summary())
    return 0


def cmd_export(args) -> int:
    """The canonical tables as Hive-partitioned Parquet (only what changed since the last
    export)."""
    from . import export
    from .warehouse import Warehouse, default_path
    p = Path(args.warehouse) if args.warehouse else default_path()
    if not p.is_file():
        print(f"ecom export: warehouse {p} does not exist; run `ecom ingest` first",
              file=sys.stderr)
        return 2

    def progress(r):
        if args.verbose:
            print(f"  {r.table:<20} {r.written:>5} of {r.partitions:>5} partition(s) written, "
                  f"{r.removed} removed, {r.rows_written:>10,} rows, {r.seconds:.1f} s")
    with Warehouse(p, read_only=True) as wh:
        res = export.export_parquet(wh.con, args.parquet, full=args.full, progress=progress)
    print(res.summary())
    return 0


def cmd_status(args) -> int:
    from .warehouse import Warehouse
    path = Path(args.warehouse) if args.warehouse else None
    from .warehouse import default_path
    p = path or default_path()
    if not p.exists():
        print(f"ecom status: warehouse {p} does not exist yet; run `ecom ingest` or `make demo`",
              file=sys.stderr)
        return 2
    with Warehouse(p, read_only=True) as wh:
        print(f"warehouse: {p}")
        _print_frame(wh.status())
        try:  # one line per failing data-quality rule; status must never fail on it
            from . import quality
            print("\n" + "\n".join(quality.status_lines(quality.run_checks(wh, lang="en"))))
        except Exception as e:  # noqa: BLE001
            print(f"\nquality: not checked ({type(e).__name__}: {e})")
        log = wh.load_log(limit=args.loads)
        if len(log):
            print("\nlast loads:")
            log["file"] = log["file"].map(lambda s: Path(str(s)).name)
            _print_frame(log[["load_id", "file", "table_name", "status", "rows_in",
                              "rows_inserted", "rows_updated", "rows_quarantined",
                              "finished_at"]])
        if args.quarantine:
            q = wh.quarantine(limit=args.quarantine)
            print(f"\nquarantined rows (first {args.quarantine}):")
            q["file"] = q["file"].map(lambda s: Path(str(s)).name)
            _print_frame(q[["file", "table_name", "row_number", "column", "reason"]])
    return 0


def cmd_quality(args) -> int:
    import datetime as dt
    from . import quality
    from .warehouse import Warehouse, default_path
    p = Path(args.warehouse) if args.warehouse else default_path()
    if not p.exists():
        print(f"ecom quality: warehouse {p} does not exist yet; run `ecom ingest` or `make demo`",
              file=sys.stderr)
        return 2
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d")
    out = Path(args.html) if args.html else Path("reports") / "quality" / f"quality-{today}.html"
    with Warehouse(p, read_only=True) as wh:
        checks = quality.run_checks(wh, lang=args.lang)
        print(f"data quality of {p}:")
        print(quality.console_text(checks))
        quality.write_report(wh, out, lang=args.lang, checks=checks)
    print("\n" + quality.status_lines(checks)[0])
    print(f"report: {out.resolve()}")
    bad = quality.failing_at_or_above(checks, args.fail_on)
    if len(bad):
        print(f"ecom quality: {len(bad)} rule(s) fail at severity {args.fail_on} or above: "
              + ", ".join(bad["rule_id"]), file=sys.stderr)
        return 1
    return 0


def cmd_run(args) -> int:
    from . import runner
    if args.due:
        schedule = runner.load_schedule(args.schedule)
        results = runner.run_due(schedule, warehouse=args.warehouse, out_root=args.out)
        if not results:
            print("nothing due")
    else:
        notebooks = runner.find_notebooks() if args.all or not args.notebooks else [
            runner.resolve_notebook(n) for n in args.notebooks]
        given = runner.cli_parameters(args.parameter)
        jobs = []
        if args.per_shop is not None:  # each shop's runs under reports/shops/<shop>/
            if args.shop:
                print("ecom run: give either --shop or --per-shop", file=sys.stderr)
                return 2
            shops = [s.strip() for s in args.per_shop.split(",") if s.strip()]
            shops = runner.fan_out_shops(args.warehouse, shops or None)
            if not shops:
                print("ecom run --per-shop: no shop with sales in the warehouse",
                      file=sys.stderr)
                return 2
            print(f"{len(notebooks)} report(s) x {len(shops)} shop(s), {args.parallel} at once")
            jobs = runner.per_shop_jobs(notebooks, shops, params=args.params, overrides=given,
                                        retries=args.retries)
        for nb in (notebooks if args.per_shop is None else []):
            for shop in (args.shop or [None]):
                jobs.append(runner.Job(name=nb.stem + (f"-{shop}" if shop else ""),
                                       notebook=str(nb), cron="* * * * *", params=args.params,
                                       overrides={**given, **({"shops": [shop]} if shop else {})},
                                       retries=args.retries, retry_delay_s=5))
        for job in jobs:  # refuse bad parameters before anything runs
            nb = runner.resolve_notebook(job.notebook)
            values = runner.load_parameters(nb, job.params)
            if job.overrides:
                runner.check_parameters(nb, {**values, **job.overrides},
                                        f"{job.params or 'parameters'} + -p / --shop", None)
        results = runner.run_jobs(jobs, runner.Schedule(jobs, parallel=args.parallel),
                                  warehouse=args.warehouse, out_root=args.out)
    for res in results:
        mark = {"ok": "ok    ", "empty": "EMPTY "}.get(res.status, "FAILED")
        print(f"{mark} {res.label or res.notebook:<24} {res.duration_s:6.1f} s  "
              f"{res.html or res.out_dir}")
        if res.status != "ok":
            print(f"    {res.error}", file=sys.stderr)
    out = Path(args.out).resolve()
    print(f"reports written under {out} (index: {out / 'index.html'})")
    return 0 if all(r.status in ("ok", "empty") for r in results) else 1


def cmd_schedule(args) -> int:
    from . import runner
    schedule = runner.load_schedule(args.schedule)
    print(f"scheduler: {len(schedule.jobs)} report(s) from {schedule.path}; Ctrl-C stops it")
    for j in schedule.jobs:
        print(f"  {j.name:<24} {j.cron:<16} {j.notebook}")
    try:
        runner.serve_schedule(schedule, warehouse=args.warehouse, out_root=args.out)
    except KeyboardInterrupt:
        print("scheduler stopped")
    return 0


def cmd_salt(args) -> int:
    """Where the member-key salt is, whether the warehouse agrees with it, how to back it up."""
    from . import privacy
    from .warehouse import default_path
    kind, where = privacy.salt_location()
    wh_path = Path(args.warehouse) if args.warehouse else default_path()
    try:  # (moves a salt left beside the warehouse by an older version out of data/)
        salt = privacy.load_salt(wh_path, create=False)
    except privacy.SaltError:
        salt = None
    if kind == "env":
        print("salt: from the environment variable ECOMLIB_SALT (no file)")
    else:
        print(f"salt file: {where}" + ("" if salt else " (not created yet: the first ingest creates it)"))
    fp = privacy.fingerprint(salt) if salt else None
    if fp:
        print(f"fingerprint: {fp}")
    recorded = None
    if wh_path.exists():
        from .warehouse import Warehouse
        with Warehouse(wh_path, read_only=True) as wh:
            recorded = wh.salt_fingerprint()
        if recorded is None:
            print(f"warehouse {wh_path}: no member keys made yet")
        elif recorded == fp:
            print(f"warehouse {wh_path}: made with this salt (fingerprint {recorded})")
        else:
            print(f"warehouse {wh_path}: made with ANOTHER salt (fingerprint {recorded}); "
                  "ingest is refused until that salt is restored")
    print("The salt turns buyer phones and nicknames into member keys. Keep it out of the data "
          "folder and back it up somewhere safe (a password manager, an encrypted drive): "
          "without it, new exports cannot be matched to the buyers already in the warehouse; "
          "with it and a copy of the warehouse, someone could guess phones back from keys.")
    if kind != "env" and where is not None:
        print(f"  back up:  cp {where} /safe/place/ecomlib-salt")
        print(f"  restore:  install -m 600 /safe/place/ecomlib-salt {where}   "
              "(or ECOMLIB_SALT_FILE=/safe/place/ecomlib-salt)")
    return 0 if recorded in (None, fp) else 1


def cmd_watch(args) -> int:
    """The inbox: load each stable export, file it away, build, run what is due."""
    from . import inbox, runner
    schedule = runner.load_schedule(args.schedule) if args.schedule else None
    if args.once:
        r = inbox.run_pass(args.inbox, args.warehouse, schedule, args.out, args.stable)
        print(r.summary())
        for name, why in r.failed:
            print(f"FAILED {name}: {why}", file=sys.stderr)
        return 1 if r.failed else 0
    print(f"watching {args.inbox} every {args.interval:g} s; Ctrl-C stops")
    try:
        inbox.watch(args.inbox, args.warehouse, schedule, args.out, args.interval, args.stable)
    except KeyboardInterrupt:
        print("stopped")
    return 0


def cmd_serve(args) -> int:
    from . import serve
    return serve.run_args(args, warehouse=args.warehouse) or 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ecom", description="ecomlib workbench: e-commerce "
                                "exports -> DuckDB warehouse -> reports")
    p.add_argument("--warehouse", help="warehouse file (default data/warehouse.duckdb or "
                   "$ECOMLIB_WAREHOUSE)")
    p.add_argument("--marts", metavar="DIR", help="read a folder of Parquet marts (ecom build "
                   "--engine spark --out DIR) instead of the warehouse file (sets "
                   "$ECOMLIB_MARTS_DIR for reports and apps)")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="how long to wait while another process holds the warehouse (an ingest "
                        "or reports); default 60 or $ECOMLIB_LOCK_WAIT")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo-data", help="write the deterministic demo exports")
    d.add_argument("--out", default="data/demo", help="output folder (default data/demo)")
    d.add_argument("--size", default="small", choices=["small", "medium", "large"])
    d.add_argument("--seed", type=int, default=None)
    d.add_argument("--layout", default="exports", choices=["exports", "canonical"],
                   help="exports: platform/ERP export files with real-world mess (default); "
                        "canonical: one canonical CSV per table")
    d.set_defaults(func=cmd_demo_data)

    i = sub.add_parser("ingest", help="load export files or folders into the warehouse")
    i.add_argument("paths", nargs="+", metavar="PATH")
    i.add_argument("--format", help="source format (default: detected from the header)")
    i.add_argument("--table", help="canonical table, for canonical files")
    i.add_argument("--shop", help="shop id for exports without a shop column "
                   "(or set it per file pattern in an ecom.yaml beside the files)")
    i.add_argument("--platform", help="platform code for exports that do not say it")
    i.add_argument("--no-build", action="store_true",
                   help="load only; do not build the marts afterwards (`ecom build` does)")
    i.set_defaults(func=cmd_ingest)

    b = sub.add_parser("build", help="build the model layer (marts) from the loaded tables")
    b.add_argument("--full", action="store_true", help="rebuild everything, not only what "
                   "the loads since the last build touched")
    b.add_argument("-v", "--verbose", action="store_true", help="list every model built")
    b.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"],
                   help="duckdb: the warehouse file (default); spark: the same models on "
                        "Apache Spark from a Parquet export (--source) to Parquet marts (--out)")
    b.add_argument("--source", metavar="DIR", help="(spark) the `ecom export --parquet` folder")
    b.add_argument("--out", metavar="DIR", help="(spark) folder for the marts, one folder each")
    b.add_argument("--master", metavar="URL", help="(spark) the cluster (spark://host:7077, "
                   "yarn, ...); default local[*] or $ECOMLIB_SPARK_MASTER")
    b.add_argument("--conf", action="append", metavar="KEY=VALUE",
                   help="(spark) a Spark setting, e.g. spark.driver.memory=4g; repeatable")
    b.set_defaults(func=cmd_build)

    e = sub.add_parser("export", help="the canonical tables as Hive-partitioned Parquet "
                       "(platform, shop, month) for Spark and other engines, incrementally")
    e.add_argument("--parquet", required=True, metavar="DIR", help="the export folder")
    e.add_argument("--full", action="store_true", help="rewrite every partition")
    e.add_argument("-v", "--verbose", action="store_true", help="one line per table")
    e.set_defaults(func=cmd_export)

    s = sub.add_parser("status", help="tables, row counts, last loads, quarantine")
    s.add_argument("--loads", type=int, default=10, help="how many recent loads to list")
    s.add_argument("--quarantine", type=int, default=0, metavar="N",
                   help="also list the first N quarantined rows with their reasons")
    s.set_defaults(func=cmd_status)

    q = sub.add_parser("quality", help="data-quality rules and the HTML quality report")
    q.add_argument("--html", metavar="PATH", help="report file (default "
                   "reports/quality/quality-<YYYY-MM-DD>.html)")
    q.add_argument("--lang", default="zh", choices=["zh", "en"], help="report language")
    q.add_argument("--fail-on", default="never", choices=["error", "warning", "never"],
                   help="exit 1 when a rule of this severity or above fails (default never)")
    q.set_defaults(func=cmd_quality)

    r = sub.add_parser("run", help="run report notebooks into reports/")
    r.add_argument("notebooks", nargs="*", help="notebook names or paths (default: all)")
    r.add_argument("--all", action="store_true", help="run every report notebook")
    r.add_argument("--params", help="parameters YAML (default parameters/<notebook>.yaml)")
    r.add_argument("--shop", action="append", help="run once per shop (repeatable)")
    r.add_argument("--per-shop", nargs="?", const="", default=None, metavar="SHOP,SHOP",
                   help="fan the reports out over every shop with sales (or the shops listed), "
                        "each shop's runs under <out>/shops/<shop>/; --parallel runs at once")
    r.add_argument("--parallel", type=int, default=2, help="reports run at once (default 2)")
    r.add_argument("--retries", type=int, default=0, help="extra attempts after a failure")
    r.add_argument("--due", action="store_true",
                   help="run the reports of the schedule that are due (for cron / systemd)")
    r.add_argument("--schedule", default=str(Path(__file__).resolve().parent.parent /
                                             "parameters" / "schedule.yaml"),
                   help="schedule file (default parameters/schedule.yaml)")
    r.add_argument("-p", "--parameter", action="append", nargs="+", default=[],
                   metavar="NAME VALUE", help="a parameter for this run, papermill's way "
                   "(-p period last_month) or as NAME=VALUE (-p as_of=2025-12-31); repeatable")
    r.add_argument("--out", default="reports", help="report folder (default reports)")
    r.set_defaults(func=cmd_run)

    sc = sub.add_parser("schedule", help="run scheduled reports in a long-running process")
    sc.add_argument("--schedule", default=str(Path(__file__).resolve().parent.parent /
                                              "parameters" / "schedule.yaml"))
    sc.add_argument("--out", default="reports", help="report folder (default reports)")
    sc.set_defaults(func=cmd_schedule)

    w = sub.add_parser("watch", help="an inbox folder: load new exports, build, run what is due")
    w.add_argument("inbox", help="the folder the exports are dropped in")
    w.add_argument("--once", action="store_true", help="one pass (for cron), then exit")
    w.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    w.add_argument("--stable", type=float, default=5.0,
                   help="seconds a file's size must stay the same before it is loaded")
    w.add_argument("--schedule", default=str(Path(__file__).resolve().parent.parent /
                                             "parameters" / "schedule.yaml"),
                   help="schedule whose due reports run after a load ('' for none)")
    w.add_argument("--out", default="reports", help="report folder (default reports)")
    w.set_defaults(func=cmd_watch)

    sl = sub.add_parser("salt", help="where the member-key salt is and how to back it up")
    sl.set_defaults(func=cmd_salt)

    sv = sub.add_parser("serve", help="serve the read-only Voila apps on 127.0.0.1 (token, "
                        "Host check, kernel cap; see ecomlib/serve.py)")
    from .serve import add_arguments as add_serve_arguments
    add_serve_arguments(sv, warehouse=False)
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    import os

    from .warehouse import WarehouseBusy
    args = build_parser().parse_args(argv)
    if args.wait is not None:  # report kernels started from here inherit it
        os.environ["ECOMLIB_LOCK_WAIT"] = str(args.wait)
    if args.marts:  # read-only warehouses (reports, apps: their kernels inherit it) read it
        from .warehouse import MARTS_DIR_ENV
        os.environ[MARTS_DIR_ENV] = str(Path(args.marts).resolve())
        args.warehouse = args.warehouse or str(Path(args.marts).resolve())
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except WarehouseBusy as e:
        print(f"ecom {args.command}: {e}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f"ecom {args.command}: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # no traceback for users; ECOMLIB_DEBUG=1 shows it
        import os
        if os.environ.get("ECOMLIB_DEBUG"):
            raise
        print(f"ecom {args.command}: unexpected error: {type(e).__name__}: {e} "
              f"(set ECOMLIB_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
