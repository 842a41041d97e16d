"""The warehouse diagnostics that moved from the overview report to the data-quality report
(ecomlib.quality): quarantine reasons counted without their row's values, and the rows,
loads and last load of every table in the quality page."""
from __future__ import annotations

import pytest

from ecomlib import quality
from ecomlib.warehouse import Warehouse


@pytest.mark.parametrize("reason, kind", [
    ("quantity 'abc' is not a whole number", "quantity … is not a whole number"),
    ("quantity 0 is below 1", "quantity … is below 1"),
    ("paid_at '2025-13-01' is not a date-time", "paid_at … is not a date-time"),
    ("duplicate key (platform, order_id) = (jd, 12); row 9 of this file wins",
     "duplicate key (platform, order_id) = (…); a later row wins"),
    ("row has 3 fields, header has 5 (file may be cut off)",
     "row has a wrong number of fields (file may be cut off)"),
    ("status says paid/shipped/finished but paid_at is empty",
     "status says paid/shipped/finished but paid_at is empty"),
    (None, ""),
])
def test_reason_kind(reason, kind):
    assert quality.reason_kind(reason) == kind


def test_the_quality_page_lists_every_table_with_its_loads(tmp_path):
    folder = tmp_path / "csvs"
    folder.mkdir()
    (folder / "shops.csv").write_text("platform,shop_id,shop_name\ntmall,t1,天猫店\n",
                                      encoding="utf-8")
    (folder / "order_lines.csv").write_text(
        "platform,shop_id,order_id,line_id,sku,quantity,list_price_fen,paid_fen\n"
        "tmall,t1,1,1,A,0,3000,0\n", encoding="utf-8")  # quantity below 1: quarantined
    db = tmp_path / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([folder], progress=False)
        page = quality.write_report(wh, tmp_path / "quality.html").read_text(encoding="utf-8")
    part = page[page.index("id='tables'"):page.index("id='trend'")]
    assert "各数据表行数与最近导入" in part
    for text in ("数据表", "行数", "导入次数", "最近导入", "隔离行数", "店铺", "订单明细"):
        assert text in part, text
    assert "quantity … is below 1" in page  # the quarantine summary counts the kind of reason
