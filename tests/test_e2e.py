"""End to end, as `make demo` does it: demo exports -> `ecom ingest` -> `ecom status` ->
report notebooks through papermill -> HTML. Real DuckDB file, real kernels."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import demo, runner, schema
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow

SMALL = demo.DemoConfig(members=800, skus=60)


def ecom(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecomlib.cli", *args], capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    """The demo as export files (platform formats, planted mess) loaded through the CLI."""
    root = tmp_path_factory.mktemp("e2e")
    r = ecom("demo-data", "--out", str(root / "demo"), "--seed", str(SMALL.seed))
    assert r.returncode == 0, r.stderr
    demo.write_demo(root / "demo", SMALL, layout="exports")  # the small size for speed
    db = root / "warehouse.duckdb"
    r = ecom("--warehouse", str(db), "ingest", str(root / "demo"))
    assert r.returncode == 0, r.stderr
    return root, db


def test_planted_problems_and_only_they_are_quarantined(demo_warehouse):
    from ecomlib.demo_exports import planted_quarantine_count
    root, db = demo_warehouse
    truth = demo.generate(SMALL)
    with Warehouse(db, read_only=True) as wh:
        q = wh.quarantine()
        log = wh.load_log(limit=None)
    assert len(q) == planted_quarantine_count(truth["shops"]) == 5
    reasons = " | ".join(q.reason)
    assert "scientific notation" in reasons and "'两件' is not a whole number" in reasons
    assert "支付时间 '2025-02-30 10:00:00' is not a date-time" in reasons
    assert "file may be cut off" in reasons
    ok = log[log.status == "ok"]
    assert (ok.rows_in == ok.rows_loaded + ok.rows_quarantined).all()
    assert ok.rows_blank.sum() >= 2  # the JD totals row and its blank rows


def test_no_buyer_identity_reaches_the_warehouse(demo_warehouse):
    root, db = demo_warehouse
    people = demo.buyers(demo.generate(SMALL), seed=SMALL.seed)
    raw = db.read_bytes()
    sample = pd.concat([people.phone.head(200), people.name.head(50).where(
        people.name.head(50).str.len() >= 3).dropna(), people.buyer_nick.head(50)])
    assert not [v for v in sample if v.encode("utf-8") in raw]
    with Warehouse(db, read_only=True) as wh:
        text = wh.sql("SELECT string_agg(raw, ' ') AS t FROM quarantine").t[0] or ""
        provinces = set(wh.read("orders", columns=["province"]).province.dropna())
    assert not [v for v in people.phone if v in text]
    assert provinces <= set(demo.PROVINCES)


def test_every_table_is_filled_and_status_shows_it(demo_warehouse):
    root, db = demo_warehouse
    with Warehouse(db, read_only=True) as wh:
        counts = wh.counts()
    assert set(counts) == set(schema.TABLES)
    assert all(n > 0 for n in counts.values()), counts
    r = ecom("--warehouse", str(db), "status")
    assert r.returncode == 0
    for name in schema.TABLES:
        assert name in r.stdout


def test_loading_the_demo_again_adds_zero_rows(demo_warehouse):
    root, db = demo_warehouse
    with Warehouse(db, read_only=True) as wh:
        before = wh.counts()
    r = ecom("--warehouse", str(db), "ingest", str(root / "demo"))
    assert r.returncode == 0, r.stderr
    assert " 0 inserted + 0 updated + " in r.stdout
    with Warehouse(db, read_only=True) as wh:
        assert wh.counts() == before


def test_rollups_tie_to_the_generated_truth(demo_warehouse):
    """Through the exports and back, every platform's sales equal the generator's own."""
    root, db = demo_warehouse
    truth = demo.generate(SMALL)
    lines, orders = truth["order_lines"], truth["orders"]
    key = ["platform", "shop_id", "order_id"]
    paid_lines = lines.merge(orders.loc[orders.paid_at.notna(), key], on=key)
    with Warehouse(db, read_only=True) as wh:
        daily = wh.daily_sales()
        unmapped = wh.unmapped_skus()
    got = daily.groupby("platform")[["gmv_fen", "paid_fen", "units"]].sum()
    exp = pd.DataFrame({"gmv_fen": lines.groupby("platform").paid_fen.sum(),
                        "paid_fen": paid_lines.groupby("platform").paid_fen.sum(),
                        "units": paid_lines.groupby("platform").quantity.sum()})
    pd.testing.assert_frame_equal(got.sort_index(), exp.sort_index(), check_dtype=False)
    assert unmapped.empty, unmapped
    # SKU-level sales tie after resolution through the SKU master
    by_sku = daily.groupby("sku").paid_fen.sum()
    exp_sku = paid_lines.groupby("sku").paid_fen.sum()
    pd.testing.assert_series_equal(by_sku.sort_index(), exp_sku.sort_index(), check_dtype=False,
                                   check_names=False)


def test_quality_and_stock_reconciliation_find_exactly_the_planted_stock_problems(demo_warehouse):
    """The demo's stock follows its orders, returns and receipts: `ecom quality` fails only on
    the two planted stock problems (and nothing else), and the finance report's stock
    reconciliation ties for every warehouse x SKU but those two, off by their units."""
    from ecomlib import quality
    from ecomlib.demo_exports import planted_stock_problems
    from ecomlib.metrics import finance_queries as Q
    from ecomlib.metrics.finance_stock import stock_reconciliation
    root, db = demo_warehouse
    planted = planted_stock_problems(demo.generate(SMALL))
    miss, bare = planted["missed_receipt"], planted["return_without_units"]
    with Warehouse(db, read_only=True) as wh:
        checks = quality.run_checks(wh)
        steps = quality.examples(wh, "inventory_snapshots.stock_continuity", limit=None)
        bare_lines = quality.examples(wh, "refunds.return_without_units", limit=None)
        si = Q.stock_inputs(wh, "2025-01-01", "2025-12-31")
    assert checks.count_failing.notna().all()
    assert (checks.set_index("rule_id").count_checked.drop("fx_rates.missing_rate") > 0).all()
    failing = checks[checks.count_failing > 0].set_index("rule_id").count_failing.to_dict()
    assert failing == {"refunds.return_without_units": 1,
                       "inventory_snapshots.stock_continuity": 2}
    got = sorted(zip(steps.warehouse_id, steps.sku, steps.snapshot_date, steps.difference_units))
    assert got == sorted([
        (miss["warehouse_id"], miss["sku"], miss["received_on"], miss["units"]),
        (bare["warehouse_id"], bare["sku"], bare["refunded_on"], bare["units"])])
    assert bare_lines[["platform", "order_id", "refund_ids", "sku", "units_returned"]
                      ].values.tolist() == [[bare["platform"], bare["order_id"], bare["refund_id"],
                                             bare["sku"], 0]]
    rec = stock_reconciliation(si["opening"], si["closing"], si["inbound"], si["moves"])
    off = rec[rec.difference_units != 0]
    assert sorted(zip(off.sku, off.difference_units)) == sorted(
        [(miss["sku"], miss["units"]), (bare["sku"], bare["units"])])
    assert len(rec) > 40 and (rec.difference_units == 0).sum() == len(rec) - 2
    readme = (root / "demo" / "README.md").read_text(encoding="utf-8")
    assert f"{miss['po_id']} {miss['sku']}" in readme and f"case {bare['refund_id']}" in readme


def test_every_report_notebook_runs_to_html(demo_warehouse, tmp_path):
    root, db = demo_warehouse
    notebooks = runner.find_notebooks()
    assert notebooks, "no report notebooks found"
    for nb in notebooks:
        res = runner.run_report(nb, warehouse=db, out_root=tmp_path / "reports")
        assert res.status == "ok", (nb.name, res.error)
        html = Path(res.html).read_text(encoding="utf-8")
        assert "<img" in html or "<svg" in html, f"{nb.name}: no chart in the report"
        assert "Traceback" not in html
        manifest = json.loads((Path(res.out_dir) / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["status"] == "ok"
        assert manifest["data"]["row_counts"]["orders"] > 0
        assert manifest["parameters"]["warehouse"] == str(db.resolve())
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert all(nb.stem in index for nb in notebooks)
