"""End to end, as `make demo` does it: demo exports -> `ecom ingest` -> `ecom status` ->
report notebooks through papermill -> HTML. Real DuckDB file, real kernels."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    root = tmp_path_factory.mktemp("e2e")
    demo.write_demo(root / "demo", SMALL)
    db = root / "warehouse.duckdb"
    r = ecom("--warehouse", str(db), "ingest", str(root / "demo"))
    assert r.returncode == 0, r.stderr
    assert "0 quarantined" in r.stdout
    return root, db


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


def test_rollups_tie_to_the_demo_files(demo_warehouse):
    import pandas as pd
    root, db = demo_warehouse
    lines = pd.read_csv(root / "demo" / "order_lines.csv", dtype={"order_id": str})
    orders = pd.read_csv(root / "demo" / "orders.csv", dtype={"order_id": str})
    refunds = pd.read_csv(root / "demo" / "refunds.csv", dtype={"order_id": str})
    paid = orders.loc[orders.paid_at.notna(), ["platform", "shop_id", "order_id"]]
    paid_lines = lines.merge(paid, on=["platform", "shop_id", "order_id"])
    with Warehouse(db, read_only=True) as wh:
        daily = wh.daily_sales()
    assert daily.gmv_fen.sum() == lines.paid_fen.sum()
    assert daily.paid_fen.sum() == paid_lines.paid_fen.sum()
    assert daily.units.sum() == paid_lines.quantity.sum()
    assert daily.refund_fen.sum() == refunds.loc[refunds.status == "refunded", "refund_fen"].sum()


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
