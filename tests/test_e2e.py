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
