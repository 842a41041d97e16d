"""notebooks/finance.ipynb through the runner on the hand-checkable finance fixture: it renders,
writes finance.xlsx, and stops (in either language) when the reconciliation fails. An empty
scope is checked on the library in test_finance.py (a notebook run costs ~10 s)."""
from __future__ import annotations

import shutil
from pathlib import Path


from ecomlib import runner
from ecomlib.warehouse import Warehouse

DATA = Path(__file__).parent / "data" / "finance"
FIXTURE_PARAMS = {"start": "2025-01-01", "end": "2025-02-28",
                  "settings_file": str(DATA / "settings.yaml"),
                  "targets_file": str(DATA / "targets.yaml"),
                  "commission_file": str(DATA / "commission.yaml")}


def _warehouse(tmp_path, extra_refund: str | None = None) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA / "warehouse", d)
    if extra_refund:
        with open(d / "refunds.csv", "a", encoding="utf-8") as f:
            f.write(extra_refund)
    db = tmp_path / "wh.duckdb"
    with Warehouse(db) as w:
        w.ingest([d], progress=False)
    return db


def test_finance_report_renders_and_exports(tmp_path):
    import openpyxl
    db = _warehouse(tmp_path)
    res = runner.run_report("finance", warehouse=db, out_root=tmp_path / "reports",
                            extra={**FIXTURE_PARAMS, "carrier_bill": str(DATA / "carrier_bill.csv")})
    assert res.status == "ok", res.error
    html = Path(res.html).read_text(encoding="utf-8")
    assert "Traceback" not in html and "<img" in html
    assert "¥76.27" in html            # contribution 7627 fen, worked out by hand
    assert "¥26.27" in html            # operating profit after rent
    assert "演示账单" not in html       # a real bill file was given
    wb = openpyxl.load_workbook(Path(res.out_dir) / "finance.xlsx")
    assert {"income_statement", "by_sku", "cash_13w", "courier", "reconciliation"} <= set(wb.sheetnames)


def test_finance_report_fails_loudly_when_it_does_not_tie(tmp_path):
    db = _warehouse(tmp_path, "tmall,t1,r9,o1,9,A,100,0,错线,refunded,"
                              "2025-01-12 10:00:00,2025-01-13 10:00:00,CNY\n")
    res = runner.run_report("finance", warehouse=db, out_root=tmp_path / "reports",
                            extra={**FIXTURE_PARAMS, "lang": "en"})
    assert res.status == "failed"
    assert "ReconciliationError" in res.error
