"""notebooks/finance.ipynb through the runner: committed clean with its parameters; on the
hand-checkable finance fixture (built after the ingest) its tables and sentences show the
hand-worked figures and a data problem shows in its data-health line; on a small demo
warehouse every figure of its workbook ties to the fen to the tests' own recompute from the
canonical tables (tests/finance_independent.py); and it runs, in English, on a period
without data."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

import finance_independent as independent
from ecomlib import demo, runner
from ecomlib.i18n import label
from ecomlib.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "finance.ipynb"
DATA = Path(__file__).parent / "data" / "finance"
FIXTURE_PARAMS = {"start": "2025-01-01", "end": "2025-02-28",
                  "settings_file": str(DATA / "settings.yaml"),
                  "targets_file": str(DATA / "targets.yaml"),
                  "commission_file": str(DATA / "commission.yaml")}
PARAMETERS = ["warehouse", "start", "end", "shops", "platforms", "lang", "money_display",
              "opening_cash_yuan", "min_units", "carrier_bill", "settings_file", "targets_file",
              "commission_file", "output_dir"]


def test_notebook_is_committed_clean_with_its_parameters():
    import papermill
    nb = nbformat.read(NB, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert list(papermill.inspect_notebook(str(NB))) == PARAMETERS
    text = "\n".join(c.source for c in code)
    assert "finance_report" in text and "SELECT" not in text   # thin: no SQL, no rules


def _warehouse(tmp_path, extra_refund: str | None = None) -> Path:
    d = tmp_path / "data"
    shutil.copytree(DATA / "warehouse", d)
    if extra_refund:
        with open(d / "refunds.csv", "a", encoding="utf-8") as f:
            f.write(extra_refund)
    db = tmp_path / "wh.duckdb"
    with Warehouse(db) as w:
        w.ingest([d], progress=False)
        w.build()
    return db


def _outputs(res) -> tuple[str, dict[str, pd.DataFrame]]:
    nb = nbformat.read(Path(res.out_dir) / "finance.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    texts = "\n".join(o["data"].get("text/html", o["data"].get("text/plain", ""))
                      for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if "data" in o)
    wb = openpyxl.load_workbook(Path(res.out_dir) / "finance.xlsx")
    sheets = {ws.title: (pd.DataFrame(list(ws.values)[1:], columns=list(ws.values)[0])
                         if ws.max_row > 1 or list(ws.values) else pd.DataFrame())
              for ws in wb.worksheets}
    return texts, sheets


def _fen(v) -> int:
    return int(round(float(v) * 100))


@pytest.mark.slow
def test_finance_report_shows_the_hand_worked_figures(tmp_path):
    db = _warehouse(tmp_path)
    res = runner.run_report("finance", warehouse=db, out_root=tmp_path / "reports",
                            extra={**FIXTURE_PARAMS, "carrier_bill": str(DATA / "carrier_bill.csv")})
    assert res.status == "ok", res.error
    html = Path(res.html).read_text(encoding="utf-8")
    assert "Traceback" not in html and "<img" in html
    assert "¥76.27" in html            # contribution 7627 fen, worked out by hand
    assert "¥26.27" in html            # operating profit after rent
    assert "演示账单" not in html       # a real bill file was given
    texts, sheets = _outputs(res)
    st = sheets["income_statement"].set_index("项目")["金额 (元)"].map(_fen)
    assert (st["gmv_fen"], st["net_sales_fen"], st["contribution_fen"], st["operating_profit_fen"]) == (
        16550, 13300, 7627, 2627)
    # sentences from the numbers: the largest cost is the rent (5000 of 10673), then ads (1700)
    assert "最大的一块费用是租金（¥50，占全部成本费用 46.8%），其次是广告花费" in texts
    assert "贡献利润率最低的是 天猫 · t1（-25.0%），它最大的费用是广告花费" in texts
    assert "未达成目标的有 3 个：op1（0.0%）、j1（64.0%）、t1（0.0%）" in texts
    assert "1 个实际少于应有（共 1 件）" in texts and "多于应有" not in texts
    assert "数据检查：与财务数字有关的 4 条质量规则全部通过" in texts
    assert "估算" in texts and "j1 平台佣金" in texts       # j1's fees and logistics are estimated
    assert "可向快递公司追回 <strong>¥9</strong>，其中最多的是重复计费（¥5）" in texts  # 850 fen
    assert {"income_statement", "by_sku", "cash_13w", "courier", "data_health"} <= set(sheets)
    by_sku = sheets["by_sku"].set_index("SKU")
    assert _fen(by_sku.loc["A", "贡献利润 (元)"]) == 9444 and _fen(by_sku.loc["B", "贡献利润 (元)"]) == -1017


@pytest.mark.slow
def test_a_refund_the_figures_cannot_see_shows_in_the_health_line(tmp_path):
    db = _warehouse(tmp_path, "tmall,t1,r9,o1,9,A,100,0,错线,refunded,"
                              "2025-01-12 10:00:00,2025-01-13 10:00:00,CNY\n")
    res = runner.run_report("finance", warehouse=db, out_root=tmp_path / "reports",
                            extra={**FIXTURE_PARAMS, "lang": "en"})
    assert res.status == "ok", res.error
    texts, sheets = _outputs(res)
    assert "1 of the 4 quality rules that concern these figures fail: refunds.orphan (1 rows)" in texts
    health = sheets["data_health"].set_index("Rule")
    assert health.loc["refunds.orphan", "Failing"] == 1


# -- a small demo warehouse: every figure ties to the canonical tables -----------------------------
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("finance_nb")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="canonical")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    res = runner.run_report("finance", warehouse=db, out_root=root / "reports",
                            extra={"start": "2025-01-01", "end": "2025-12-31"})
    assert res.status == "ok", res.error
    texts, sheets = _outputs(res)
    with Warehouse(db, read_only=True) as wh:
        truth = independent.recompute(wh, "2025-01-01", "2025-12-31")
    return {"texts": texts, "sheets": sheets, "truth": truth}


@pytest.mark.slow
def test_every_figure_of_the_workbook_ties_to_the_canonical_tables(demo_run):
    s, truth = demo_run["sheets"], demo_run["truth"]
    shops = truth[truth.platform != "ALL"]
    money = {"gmv_fen": "GMV(拍下金额) (元)", "paid_fen": "实付金额 (元)", "refund_fen": "退款金额 (元)",
             "cogs_fen": "商品成本 (元)"}
    costs = ["平台佣金 (元)", "达人佣金 (元)", "快递费 (元)", "包材费 (元)", "广告花费 (元)", "其他店铺费用 (元)"]
    for sheet in ("monthly", "weekly", "by_platform", "by_shop", "by_category", "by_sku"):
        t = s[sheet]
        for col, head in money.items():
            assert sum(_fen(v) for v in t[head]) == int(shops[col].sum()), (sheet, col)
        assert int(t["销量(件)"].sum()) == int(shops["units"].sum()), sheet
        assert sum(_fen(v) for c in costs for v in t[c]) == int(shops["costs_fen"].sum()), sheet
    by_shop = s["by_shop"].set_index("店铺")
    for shop, g in shops.groupby("shop_id"):
        assert _fen(by_shop.loc[shop, "实付金额 (元)"]) == int(g["paid_fen"].sum()), shop
        assert _fen(by_shop.loc[shop, "商品成本 (元)"]) == int(g["cogs_fen"].sum()), shop
    monthly = s["monthly"].assign(month=lambda d: pd.to_datetime(d["月份"]))
    for m, g in shops.groupby("month"):
        row = monthly[monthly.month == m].iloc[0]
        assert _fen(row["净销售额 (元)"]) == int(g["paid_fen"].sum() - g["refund_fen"].sum()), m
    st = s["income_statement"].set_index("项目")["金额 (元)"].map(_fen)
    assert -st["overhead_fen"] == int(truth.loc[truth.platform == "ALL", "costs_fen"].sum())
    assert int(truth["count_lines_without_rate"].sum()) == 0


@pytest.mark.slow
def test_the_demo_sentences_name_what_the_numbers_say(demo_run):
    texts, s = demo_run["texts"], demo_run["sheets"]
    costs = s["costs"].sort_values("金额 (元)", ascending=False)
    first, second = (label(k) for k in costs["费用类型"].iloc[:2])
    assert f"最大的一块费用是{first}" in texts and f"其次是{second}" in texts
    by_shop = s["by_shop"].sort_values("贡献利润率")
    assert f"贡献利润率最低的是 {label(by_shop['平台'].iloc[0])} · {by_shop['店铺'].iloc[0]}" in texts
    stock = s["stock"]
    off = stock[stock["差异"] != 0]
    if len(off):
        assert f"中有 <strong>{len(off)} 个对不上</strong>" in texts
    else:  # the canonical demo's stock follows its orders (the planted problems are in its exports)
        assert f"{len(stock)} 个仓库×SKU 全部对得上" in texts and "对不上" not in texts


@pytest.mark.slow
def test_a_period_without_data_runs_in_english(tmp_path):
    db = _warehouse(tmp_path)
    res = runner.run_report("finance", warehouse=db, out_root=tmp_path / "reports",
                            extra={**FIXTURE_PARAMS, "start": "2030-01-01", "end": "2030-01-31",
                                   "lang": "en"})
    assert res.status == "ok", res.error
    texts, _ = _outputs(res)
    assert "No sales in this period for the selected scope" in texts
    assert "Data health: the 4 quality rules that concern these figures all pass" in texts
