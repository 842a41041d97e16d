"""The inbox: stable files loaded once and filed under processed/, a file that cannot be
loaded under failed/ with its reason beside it, a file still being written left for the
next pass, settings files left in place, and the marts built after a load."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ecomlib import inbox
from ecomlib.warehouse import Warehouse

HEAD = "订单号,商品ID,商家SKUID,订购数量,京东价,订单金额,应付金额,运费金额,订单状态,下单时间,付款确认时间\n"
ROW = "{o},9001,SKU-1,1,10.00,10.00,10.00,0.00,完成,2025-06-18 10:00:00,2025-06-18 10:01:00\n"
NOW = dt.datetime(2025, 6, 19, 8, 0, tzinfo=inbox.BEIJING)


def test_one_pass_files_everything_away(tmp_path):
    box = tmp_path / "inbox"
    box.mkdir()
    (box / "ecom.yaml").write_text('shops: {"*": jd_a}\n', encoding="utf-8")
    (box / "jd_0618.csv").write_text(HEAD + ROW.format(o=500001), encoding="utf-8")
    (box / "buyers.csv").write_text("张三,13800138000\n", encoding="utf-8")
    (box / "~$jd_0618.xlsx").write_bytes(b"lock")
    growing = box / "jd_0619.csv"
    growing.write_text(HEAD, encoding="utf-8")

    def still_downloading(seconds):  # the browser writes more while we wait
        with growing.open("a", encoding="utf-8") as f:
            f.write(ROW.format(o=500002))
    wh = tmp_path / "w.duckdb"
    r = inbox.run_pass(box, wh, stable_seconds=1, now=NOW, sleep=still_downloading)
    assert (r.loaded, [n for n, _ in r.failed], r.waiting) == (["jd_0618.csv"], ["buyers.csv"],
                                                                ["jd_0619.csv"])
    assert (box / "processed" / "2025-06-19" / "jd_0618.csv").exists()
    assert (box / "processed" / "2025-06-19" / "jd_0618.csv.result.json").exists()
    reason = (box / "failed" / "2025-06-19" / "buyers.csv.reason.txt").read_text(encoding="utf-8")
    assert "header not recognised" in reason and "13800138000" not in reason
    assert (box / "ecom.yaml").exists() and (box / "~$jd_0618.xlsx").exists()
    assert "incremental" in r.build or "full" in r.build
    with Warehouse(wh, read_only=True) as w:
        assert w.sql("SELECT SUM(paid_fen) AS p FROM mart_shop_daily").p[0] == 1000
    # next pass: the download finished; the same name again is kept apart
    r = inbox.run_pass(box, wh, stable_seconds=0, now=NOW)
    assert r.loaded == ["jd_0619.csv"] and r.failed == []
    (box / "jd_0618.csv").write_text(HEAD + ROW.format(o=500001), encoding="utf-8")
    r = inbox.run_pass(box, wh, stable_seconds=0, now=NOW)
    assert (box / "processed" / "2025-06-19" / "jd_0618-2.csv").exists()
    with Warehouse(wh, read_only=True) as w:
        assert w.sql("SELECT SUM(paid_fen) AS p FROM mart_shop_daily").p[0] == 2000
    assert inbox.run_pass(box, wh, stable_seconds=0, now=NOW).summary().startswith(
        "inbox: 0 loaded, 0 failed")
