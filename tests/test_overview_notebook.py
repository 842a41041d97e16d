"""notebooks/overview.ipynb: committed clean, parameters match, and it runs to readable HTML
(also on a period without data) on a small warehouse built from inline canonical CSVs (its
marts built after the ingest); its figures are the hand-worked numbers, and its queries equal
sums taken straight from the intermediate order lines."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "overview.ipynb"
PARAMS = ROOT / "parameters" / "overview.yaml"


def test_notebook_is_committed_clean_with_a_parameters_cell():
    nb = nbformat.read(NB, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.kernelspec.language == "python"
    assert nb.metadata.language_info.name == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    src = code[0].source
    for line in ('warehouse: str = "data/warehouse.duckdb"', 'start: str = "2024-01-01"',
                 'end: str = "2025-12-31"', 'lang: str = "zh"'):
        assert line in src
    assert src.count("#") >= 5  # every parameter is commented


def test_parameters_file_matches_the_notebook():
    import papermill
    declared = papermill.inspect_notebook(str(NB))
    values = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    assert set(values) == set(declared) == {"warehouse", "start", "end", "lang"}
    assert all(d["inferred_type_name"] == "str" for d in declared.values())
    assert values["lang"] in ("zh", "en")


# -- a real run ---------------------------------------------------------------------------------
def _write_csvs(folder: Path) -> None:
    folder.mkdir(parents=True)
    files = {
        "shops.csv": "platform,shop_id,shop_name\ntmall,t1,天猫店\njd,j1,京东店\n",
        "products.csv": ("sku,spu,product_name,category,unit_cost_fen,list_price_fen\n"
                         "A,A,面霜,护肤,1000,5000\nB,B,口红,彩妆,800,3000\n"),
        "orders.csv": (
            "platform,shop_id,order_id,created_at,paid_at,status\n"
            "tmall,t1,1,2025-06-18 10:00:00,2025-06-18 10:01:00,finished\n"
            "tmall,t1,2,2025-06-19 10:00:00,2025-06-19 10:01:00,finished\n"
            "jd,j1,3,2025-11-11 00:10:00,2025-11-11 00:11:00,finished\n"
            "jd,j1,4,2025-11-12 09:00:00,,cancelled\n"),
        "order_lines.csv": (
            "platform,shop_id,order_id,line_id,sku,quantity,list_price_fen,paid_fen\n"
            "tmall,t1,1,1,A,2,5000,9000\n"
            "tmall,t1,2,1,B,1,3000,3000\n"
            "jd,j1,3,1,A,1,5000,4500\n"
            "jd,j1,4,1,B,1,3000,3000\n"
            "jd,j1,5,1,B,0,3000,0\n"          # quantity below 1: quarantined
            "jd,j1,6,1,B,abc,3000,0\n"),      # not a number: quarantined
        "refunds.csv": (
            "platform,shop_id,refund_id,order_id,line_id,refund_fen,status,requested_at,refunded_at\n"
            "tmall,t1,R1,1,1,4500,refunded,2025-06-20 09:00:00,2025-06-21 09:00:00\n"),
        "inventory_snapshots.csv": (
            "snapshot_date,warehouse_id,sku,on_hand_units\n"
            "2025-06-30,E,A,10\n2025-06-30,E,B,5\n2025-11-30,E,A,3\n2025-11-30,E,B,-1\n"),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory):
    from ecomlib.warehouse import Warehouse
    root = tmp_path_factory.mktemp("overview")
    _write_csvs(root / "csvs")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "csvs"], progress=False)
        wh.build()
    return db


def _run(db: Path, out: Path, **params) -> tuple[dict, str]:
    import papermill
    from nbconvert import HTMLExporter
    executed = out / "overview.ipynb"
    papermill.execute_notebook(str(NB), str(executed), kernel_name="python3", language="python",
                               parameters={"warehouse": str(db), **params}, cwd=str(ROOT),
                               progress_bar=False)
    nb = nbformat.read(executed, as_version=4)
    html, _ = HTMLExporter(exclude_input=True).from_notebook_node(nb)
    return nb, html


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.outputs)


@pytest.mark.slow
def test_overview_runs_to_html_in_chinese(small_warehouse, tmp_path):
    nb, html = _run(small_warehouse, tmp_path, start="2025-01-01", end="2025-12-31", lang="zh")
    assert _images(nb) == 5
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error" or o.get("name") == "stderr"]
    assert errors == []
    for text in ("数据概览", "天猫", "京东", "实付金额", "订单明细", "退款率",
                 "quantity … is below 1", "order_lines.csv:6",   # quarantine summary
                 "¥165.00",   # paid: tmall 90 + 30, jd 45 yuan (the cancelled order is not paid)
                 "¥135.00",   # SKU A paid: 90 + 45 yuan
                 "37.5%",     # tmall refund rate: 45 / 120 yuan
                 # the sentences, from the numbers: tmall 120 of 165 yuan; jd refunds nothing
                 "实付金额最多的是天猫，占 72.7%；退款率最高的是它自己（37.5%，全部平台为 27.3%）",
                 "实付金额最高的一天是 2025-06-18（¥90），在2025 618期间（峰值日）",
                 "实付金额最高的 2 个 SKU，合计占全部实付金额的 100.0%",
                 # month-end stock: November A 3 x 10 yuan, B oversold (0); June 10 x 10 + 5 x 8
                 "2025-11 月末库存 ¥30，最多的是 护肤（100.0%），比 2025-06 月末低 78.6%",
                 ):
        assert text in html, text
    assert "plots.setup(" not in html  # code cells are hidden


@pytest.mark.slow
def test_overview_runs_in_english_and_on_an_empty_period(small_warehouse, tmp_path):
    nb, html = _run(small_warehouse, tmp_path, start="2023-01-01", end="2023-03-31", lang="en")
    assert _images(nb) == 5   # each chart says "No data for the selected period" inside it
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    for text in ("Nothing was paid in the period", "Order lines", "Quarantined rows", "Paid amount",
                 "Total"):
        assert text in html, text
    assert json.dumps(nb.metadata.papermill.parameters)  # papermill recorded the run


def test_the_queries_equal_the_order_lines(small_warehouse):
    """overview/sales and overview/daily_by_platform against sums taken here straight from
    int_order_lines; every day of the period present (dim_calendar)."""
    from ecomlib.metrics import overview as ov, overview_queries as q
    from ecomlib.warehouse import Warehouse
    with Warehouse(small_warehouse, read_only=True) as wh:
        s = q.sales(wh, "2025-06-01", "2025-11-30")
        daily = q.daily_by_platform(wh, "2025-06-01", "2025-11-30")
        want = wh.sql("""SELECT platform, SUM(gmv_fen) AS gmv_fen, SUM(paid_fen) AS paid_fen,
                                SUM(refund_fen) AS refund_fen, SUM(cogs_fen) AS cogs_fen,
                                SUM(units) AS units
                         FROM int_order_lines
                         WHERE sales_date BETWEEN DATE '2025-06-01' AND DATE '2025-11-30'
                         GROUP BY platform ORDER BY platform""")
    got = [(r.sales_date.strftime("%m-%d"), r.platform, r.sku, r.category, r.gmv_fen, r.paid_fen,
            r.refund_fen, r.cogs_fen, r.units) for r in s.itertuples()]
    # order 1: A x2 paid 9000, refund R1 4500 (no units back: cogs 2 x 1000); order 2: B x1
    # 3000 (cost 800); order 3: A x1 4500; order 4: B placed, never paid (GMV only)
    assert got == [("06-18", "tmall", "A", "护肤", 9000, 9000, 4500, 2000, 2),
                   ("06-19", "tmall", "B", "彩妆", 3000, 3000, 0, 800, 1),
                   ("11-11", "jd", "A", "护肤", 4500, 4500, 0, 1000, 1),
                   ("11-12", "jd", "B", "彩妆", 3000, 0, 0, 0, 0)]
    assert len(daily) == 183 * 2  # June 1 .. November 30, both platforms, every day
    for frame in (s, daily):
        sums = frame.groupby("platform")[["gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units"]] \
            .sum().sort_index()
        assert sums.values.tolist() == want.set_index("platform").sort_index().values.tolist()
    pd.testing.assert_frame_equal(
        ov.totals_by(s, "platform").drop(columns=["units_returned"]),
        ov.totals_by(daily, "platform").drop(columns=["units_returned"]))
