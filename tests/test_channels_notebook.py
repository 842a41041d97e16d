"""notebooks/channels.ipynb through the runner on a small demo warehouse (built after the
ingest): its figures equal sums taken here straight from the intermediate order lines and the
canonical traffic table, its sentences name what the numbers say, its campaigns come from
dim_calendar; and it runs, in English, on a period without data."""
from __future__ import annotations

from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from ecomlib import demo, runner
from ecomlib.i18n import label
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("channels_nb")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="canonical")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    return db


@pytest.fixture(scope="module")
def zh_run(demo_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("channels_reports")
    res = runner.run_report("channels", warehouse=demo_warehouse, out_root=out,
                            extra={"start": "2024-01-01", "end": "2025-12-31", "lang": "zh"})
    assert res.status == "ok", res.error
    nb = nbformat.read(Path(res.out_dir) / "channels.ipynb", as_version=4)
    texts = "\n".join(o["data"]["text/html"] for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs if "text/html" in o.get("data", {}))
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    wb = openpyxl.load_workbook(Path(res.out_dir) / "channels.xlsx")
    sheets = {ws.title: pd.DataFrame(list(ws.values)[1:], columns=list(ws.values)[0])
              for ws in wb.worksheets}
    return {"res": res, "texts": texts, "sheets": sheets, "out": Path(res.out_dir)}


def _independent(db: Path) -> pd.DataFrame:
    """Per shop, straight from int_order_lines (paid lines) and the canonical traffic table."""
    with Warehouse(db, read_only=True) as wh:
        return wh.sql("""
            WITH l AS (
                SELECT platform, shop_id, SUM(paid_fen) AS paid_fen, SUM(refund_fen) AS refund_fen,
                       SUM(cogs_fen) AS cogs_fen,
                       COUNT(DISTINCT CASE WHEN is_paid THEN sales_date || '|' || buyer_key END)
                           AS buyer_days,
                       COUNT(DISTINCT CASE WHEN is_paid THEN order_id END) AS paid_orders
                FROM int_order_lines
                WHERE sales_date BETWEEN DATE '2024-01-01' AND DATE '2025-12-31'
                GROUP BY ALL),
            t AS (SELECT platform, shop_id, SUM(visitors) AS visitors FROM traffic
                  WHERE traffic_date BETWEEN DATE '2024-01-01' AND DATE '2025-12-31' GROUP BY ALL)
            SELECT l.*, t.visitors FROM l LEFT JOIN t USING (platform, shop_id)
            ORDER BY paid_fen DESC""")


def test_shop_table_equals_the_order_lines(zh_run, demo_warehouse):
    want = _independent(demo_warehouse).set_index("shop_id")
    shops = zh_run["sheets"]["shops"].set_index("shop_id")
    assert set(shops.index) == set(want.index)
    for shop, w in want.iterrows():
        got = shops.loc[shop]
        assert round(got["paid_yuan"] * 100) == w["paid_fen"], shop
        assert round(got["refund_yuan"] * 100) == w["refund_fen"], shop
        assert round(got["cogs_yuan"] * 100) == w["cogs_fen"], shop
        assert got["buyer_days"] == w["buyer_days"] and got["count_paid_orders"] == w["paid_orders"]
        # 客单价 per buyer-day, 笔单价 per order (yuan in the Excel file)
        assert got["aov_yuan"] == pytest.approx(w["paid_fen"] / w["buyer_days"] / 100)
        assert got["order_value_yuan"] == pytest.approx(w["paid_fen"] / w["paid_orders"] / 100)
    uv = zh_run["sheets"]["uv_value"].set_index("shop_id")
    for shop, w in want.iterrows():
        assert uv.loc[shop, "conversion_rate"] == pytest.approx(w["buyer_days"] / w["visitors"])
        # paid = visitors x 转化率 x 客单价, shop by shop
        assert uv.loc[shop, "visitors"] * uv.loc[shop, "conversion_rate"] * \
            uv.loc[shop, "aov_yuan"] * 100 == pytest.approx(w["paid_fen"])


def test_sentences_say_what_the_numbers_say(zh_run, demo_warehouse):
    want = _independent(demo_warehouse)
    top, low = want.iloc[0], want.iloc[-1]
    share = top["paid_fen"] / want["paid_fen"].sum()
    texts = zh_run["texts"]
    assert (f"期间实付金额最高的是 {label(top['platform'])} · {top['shop_id']}，占 {share:.1%}；"
            f"最低的是 {label(low['platform'])} · {low['shop_id']}") in texts
    with Warehouse(demo_warehouse, read_only=True) as wh:
        src = wh.sql("""SELECT platform, source, SUM(buyers) / SUM(visitors) AS conv FROM traffic
                        WHERE traffic_date BETWEEN DATE '2024-01-01' AND DATE '2025-12-31'
                        GROUP BY ALL ORDER BY conv DESC LIMIT 1""").iloc[0]
    assert f"{label(src['platform'])}「{src['source']}」转化最高（{src['conv']:.1%}）" in texts
    assert "Traceback" not in Path(zh_run["res"].html).read_text(encoding="utf-8")


def test_campaigns_come_from_the_calendar(zh_run):
    up = zh_run["sheets"]["campaign_uplift"]
    # dim_calendar's festivals (the parameters list none): 2025 618 with its own window
    row = up.set_index("campaign_name").loc["2025 618"]
    assert str(row["campaign_start"])[:10] == "2025-06-01" and str(row["campaign_end"])[:10] == "2025-06-18"
    assert {"2025 双11", "2025 双12", "2025 春节"} <= set(up["campaign_name"])
    assert (zh_run["out"] / "alerts.json").exists()


def test_runs_in_english_on_a_period_without_data(demo_warehouse, tmp_path):
    res = runner.run_report("channels", warehouse=demo_warehouse, out_root=tmp_path,
                            extra={"start": "2023-01-01", "end": "2023-03-31", "lang": "en"})
    assert res.status == "ok", res.error
    html = Path(res.html).read_text(encoding="utf-8")
    assert "No orders for the selected period" in html and "Traceback" not in html
