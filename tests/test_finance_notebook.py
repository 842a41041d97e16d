"""notebooks/finance.ipynb, the monthly read of last month: committed clean with its
parameters (a rolling period, no fixed dates in its parameters file); on the hand-checkable
finance fixture (built after the ingest) its tables and sentences show the hand-worked figures
and a data problem shows in its data-health badge; on a small demo warehouse (one shop's
exports stop three days early) every figure of its workbook ties to the fen to the tests' own
recompute from the canonical tables (tests/finance_independent.py), and the monthly run as the
schedule makes it (last month, as of the latest data) carries its period in the title and the
manifest, opens with KPI cards equal to independent sums, actions that follow the numbers and
link to their sections, an Excel workbook that can be sent on as it is, and, in Debian's
Chromium at 1440 x 900, cards and actions on the first screen, no English and no snake_case
header in the zh page. A period without sales ends as `empty`; a period the data do not cover
to its end is marked and compared over as many days."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
import yaml

import finance_independent as independent
from ecomlib import demo, fmt, periods, quality, runner
from ecomlib.metrics import finance_report as rep
from ecomlib.metrics import finance_settings as fs
from ecomlib.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "finance.ipynb"
PARAMS = ROOT / "parameters" / "finance.yaml"
DATA = Path(__file__).parent / "data" / "finance"
CHROMIUM = Path("/usr/bin/chromium")
FIXTURE_PARAMS = {"period": "custom", "start": "2025-01-01", "end": "2025-02-28",
                  "settings_file": str(DATA / "settings.yaml"),
                  "targets_file": str(DATA / "targets.yaml"),
                  "commission_file": str(DATA / "commission.yaml")}
PARAMETERS = ["warehouse", "period", "as_of", "start", "end", "previous_start", "previous_end",
              "year_ago_start", "year_ago_end", "shops", "platforms", "lang", "money_display",
              "opening_cash_yuan", "cash_floor_yuan", "min_units", "carrier_bill",
              "settings_file", "targets_file", "commission_file", "output_dir"]
SHEETS = ["今天要做", "利润表", "月度趋势", "每周", "平台", "店铺", "类目", "SKU利润", "费用结构",
          "目标达成", "运营提成", "13周现金流", "保本定价", "快递核对", "库存对账"]
TITLE = "财务分析 · 上月 2025-12-01 至 2025-12-31"
STALE = ("pdd", "pdd_flagship")          # its exports stop on 2025-12-28
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
#: a run of three or more ASCII words: an English phrase in a Chinese page
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,.'’-]+[A-Za-z]{2,}){2,}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_notebook_is_committed_clean_with_its_parameters():
    import papermill
    nb = nbformat.read(NB, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert list(papermill.inspect_notebook(str(NB))) == PARAMETERS
    src = code[0].source
    for line in ('period: str = ""', 'as_of: str = "latest"', 'start: str = ""', 'end: str = ""'):
        assert line in src, line
    assert all("#" in line for line in src.splitlines()[1:])  # every parameter is commented
    # one language per report: no Markdown cell writes Chinese and English side by side
    assert not [c for c in nb.cells if c.cell_type == "markdown"]
    text = "\n".join(c.source for c in code)
    assert "finance_report" in text and "SELECT" not in text   # thin: no SQL, no rules


def test_parameters_file_sets_no_fixed_dates():
    import papermill
    values = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    assert set(values) <= set(papermill.inspect_notebook(str(NB)))
    assert not {"start", "end", "as_of"} & set(values)   # the default period applies
    assert values["period"] == "" and periods.DEFAULT_PERIOD["finance"] == "last_month"


# -- the hand-worked fixture -----------------------------------------------------------------------
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
              if o.output_type == "error" or o.get("name") == "stderr"]
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
    assert "<title>财务分析 · 自定义 2025-01-01 至 2025-02-28</title>" in html
    assert "¥76.27" in html            # contribution 7627 fen, worked out by hand
    assert "¥26.27" in html            # operating profit after rent
    assert "演示账单" not in html       # a real bill file was given
    texts, sheets = _outputs(res)
    st = sheets["利润表"].set_index("项目")["金额 (元)"].map(_fen)
    assert (st["GMV(拍下金额)"], st["净销售额"], st["贡献利润"], st["经营利润"]) == (16550, 13300, 7627, 2627)
    # sentences from the numbers, shops by their names: the largest cost is the rent (5000 of
    # 10673), then ads (1700)
    assert "最大的一块费用是租金（¥50，占全部成本费用 46.8%），其次是广告花费" in texts
    assert "贡献利润率最低的是 天猫 · 测试天猫店（-25.0%），它最大的费用是广告花费" in texts
    assert "未达成目标的有 3 个：op1（0.0%）、测试京东店（64.0%）、测试天猫店（0.0%）" in texts
    assert "1 个实际少于应有（共 1 件）" in texts and "多于应有" not in texts
    assert "数据质量：与财务数字有关的 4 条规则全部通过" in texts
    assert "估算" in texts and "测试京东店 平台佣金" in texts       # j1's fees and logistics are estimated
    assert "可向快递公司追回 <strong>¥9</strong>，其中最多的是重复计费（¥5）" in texts  # 850 fen
    assert "向快递公司追回 ¥9：重复计费" in texts and "（演示账单）" not in texts   # the action
    assert {"今天要做", "利润表", "SKU利润", "13周现金流", "快递核对", "库存对账"} <= set(sheets)
    by_sku = sheets["SKU利润"].set_index("SKU")
    assert _fen(by_sku.loc["A", "贡献利润 (元)"]) == 9444 and _fen(by_sku.loc["B", "贡献利润 (元)"]) == -1017


@pytest.mark.slow
def test_a_refund_the_figures_cannot_see_shows_in_the_health_badge(tmp_path):
    db = _warehouse(tmp_path, "tmall,t1,r9,o1,9,A,100,0,错线,refunded,"
                              "2025-01-12 10:00:00,2025-01-13 10:00:00,CNY\n")
    res = runner.run_report("finance", warehouse=db, out_root=tmp_path / "reports",
                            extra={**FIXTURE_PARAMS, "lang": "en"})
    assert res.status == "ok", res.error
    texts, sheets = _outputs(res)
    assert "Data quality: 1 of the 4 rules that concern these figures fail (1 rows)" in texts
    assert "<title>Finance · Custom 2025-01-01 to 2025-02-28</title>" in Path(res.html).read_text(encoding="utf-8")
    assert "Income statement" in sheets and "data_health" not in sheets   # diagnostics: the quality report's
    # a period without sales is not rendered as a page of zeros
    empty = runner.run_report("finance", warehouse=db, out_root=tmp_path / "reports",
                              extra={**FIXTURE_PARAMS, "start": "2030-01-01", "end": "2030-01-31"})
    assert empty.status == "empty" and "没有销售数据" in empty.error


# -- a small demo warehouse -------------------------------------------------------------------------
def _plant(folder: Path) -> None:
    """pdd_flagship's exports end on 2025-12-28 (orders, lines, refunds, traffic, ads)."""
    orders = pd.read_csv(folder / "orders.csv", dtype=str)
    lines = pd.read_csv(folder / "order_lines.csv", dtype=str)
    late = (orders["platform"] == STALE[0]) & (orders["shop_id"] == STALE[1]) & \
        (orders["created_at"] >= "2025-12-29")
    gone = set(orders.loc[late, "order_id"])
    orders[~late].to_csv(folder / "orders.csv", index=False)
    lines[~lines["order_id"].isin(gone)].to_csv(folder / "order_lines.csv", index=False)
    refunds = pd.read_csv(folder / "refunds.csv", dtype=str)
    refunds[~refunds["order_id"].isin(gone)].to_csv(folder / "refunds.csv", index=False)
    for name, col in (("traffic.csv", "traffic_date"), ("ad_spend.csv", "spend_date")):
        t = pd.read_csv(folder / name, dtype=str)
        t[~((t["shop_id"] == STALE[1]) & (t[col] >= "2025-12-29"))].to_csv(folder / name, index=False)


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("finance_nb")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="canonical")
    _plant(root / "demo")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    return db


@pytest.fixture(scope="module")
def demo_run(demo_warehouse, tmp_path_factory):
    """2025 as a custom period: every figure against the canonical tables."""
    res = runner.run_report("finance", warehouse=demo_warehouse,
                            out_root=tmp_path_factory.mktemp("fin_year"),
                            extra={"period": "custom", "start": "2025-01-01", "end": "2025-12-31"})
    assert res.status == "ok", res.error
    texts, sheets = _outputs(res)
    with Warehouse(demo_warehouse, read_only=True) as wh:
        truth = independent.recompute(wh, "2025-01-01", "2025-12-31")
        names = dict(wh.sql("SELECT shop_id, shop_name FROM shops").values.tolist())
    return {"texts": texts, "sheets": sheets, "truth": truth, "names": names}


@pytest.mark.slow
def test_every_figure_of_the_workbook_ties_to_the_canonical_tables(demo_run):
    s, truth = demo_run["sheets"], demo_run["truth"]
    shops = truth[truth.platform != "ALL"]
    money = {"gmv_fen": "GMV(拍下金额) (元)", "paid_fen": "实付金额 (元)", "refund_fen": "退款金额 (元)",
             "cogs_fen": "商品成本 (元)"}
    costs = ["平台佣金 (元)", "达人佣金 (元)", "快递费 (元)", "包材费 (元)", "广告花费 (元)", "其他店铺费用 (元)"]
    trend = s["月度趋势"]
    year = trend[pd.to_datetime(trend["月份"]) >= "2025-01-01"]     # the trend starts a month earlier
    assert len(trend) == 13 and len(year) == 12
    for sheet, t in (("月度趋势", year), ("每周", s["每周"]), ("平台", s["平台"]), ("店铺", s["店铺"]),
                     ("类目", s["类目"]), ("SKU利润", s["SKU利润"])):
        for col, head in money.items():
            assert sum(_fen(v) for v in t[head]) == int(shops[col].sum()), (sheet, col)
        assert int(t["销量(件)"].sum()) == int(shops["units"].sum()), sheet
        assert sum(_fen(v) for c in costs for v in t[c]) == int(shops["costs_fen"].sum()), sheet
    by_shop = s["店铺"].set_index("店铺")
    for shop, g in shops.groupby("shop_id"):
        name = demo_run["names"][shop]
        assert _fen(by_shop.loc[name, "实付金额 (元)"]) == int(g["paid_fen"].sum()), shop
        assert _fen(by_shop.loc[name, "商品成本 (元)"]) == int(g["cogs_fen"].sum()), shop
    for m, g in shops.groupby("month"):
        row = year[pd.to_datetime(year["月份"]) == m].iloc[0]
        assert _fen(row["净销售额 (元)"]) == int(g["paid_fen"].sum() - g["refund_fen"].sum()), m
    st = s["利润表"].set_index("项目")["金额 (元)"].map(_fen)
    assert -st["公司费用(租金/工资)"] == int(truth.loc[truth.platform == "ALL", "costs_fen"].sum())
    assert int(truth["count_lines_without_rate"].sum()) == 0


@pytest.mark.slow
def test_the_demo_sentences_name_what_the_numbers_say(demo_run):
    texts, s = demo_run["texts"], demo_run["sheets"]
    costs = s["费用结构"].sort_values("金额 (元)", ascending=False)
    first, second = costs["费用类型"].iloc[:2]
    assert f"最大的一块费用是{first}" in texts and f"其次是{second}" in texts
    by_shop = s["店铺"].sort_values("贡献利润率")
    assert f"贡献利润率最低的是 {by_shop['平台'].iloc[0]} · {by_shop['店铺'].iloc[0]}" in texts
    stock = s["库存对账"]
    off = stock[stock["差异"] != 0]
    if len(off):
        assert f"中有 <strong>{len(off)} 个对不上</strong>" in texts
    else:  # the canonical demo's stock follows its orders (the planted problems are in its exports)
        assert f"{len(stock)} 个仓库×SKU 全部对得上" in texts and "对不上" not in texts


# -- the monthly run, as the schedule makes it ---------------------------------------------------
@pytest.fixture(scope="module")
def month_run(demo_warehouse, tmp_path_factory):
    """The default period (last month, as of the latest data) in Chinese, with a quality
    report already in reports/quality/."""
    out = tmp_path_factory.mktemp("fin_month")
    with Warehouse(demo_warehouse, read_only=True) as wh:
        quality.write_report(wh, out / "quality" / "quality-2026-01-01.html")
    res = runner.run_report("finance", warehouse=demo_warehouse, out_root=out, extra={"lang": "zh"})
    assert res.status == "ok", res.error
    texts, sheets = _outputs(res)
    out_dir = Path(res.out_dir)
    return {"res": res, "out": out_dir, "html": Path(res.html).read_text(encoding="utf-8"),
            "texts": texts, "sheets": sheets,
            "manifest": json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))}


def _independent(db: Path, a: str, b: str) -> dict:
    """The period's figures straight from the canonical tables (the tests' own SQL), shops
    only (platform ALL is the company)."""
    with Warehouse(db, read_only=True) as wh:
        t = independent.recompute(wh, a, b)
        ads = wh.sql(f"SELECT shop_id, SUM(spend_fen) AS s FROM ad_spend WHERE platform <> 'ALL' "
                     f"AND spend_date BETWEEN DATE '{a}' AND DATE '{b}' AND currency = 'CNY' "
                     "GROUP BY shop_id")
    t = t[t.platform != "ALL"]
    paid, refund, cogs, costs = (float(t[c].sum()) for c in ("paid_fen", "refund_fen", "cogs_fen", "costs_fen"))
    return {"paid_fen": paid, "net_sales_fen": paid - refund, "gross_profit_fen": paid - refund - cogs,
            "contribution_fen": paid - refund - cogs - costs, "refund_rate": refund / paid,
            "gross_margin_rate": (paid - refund - cogs) / (paid - refund),
            "contribution_rate": (paid - refund - cogs - costs) / (paid - refund),
            "ad_spend_fen": float(ads["s"].sum()),
            "paid_by_shop": t.groupby("shop_id")["paid_fen"].sum().to_dict()}


def _cards(html: str) -> dict:
    return {m: float(v) for m, v in re.findall(r'data-metric="([a-z_]+)" data-value="([^"]+)"', html)}


def _card_html(html: str, metric: str) -> str:
    i = html.index(f'class="ecom-card" data-metric="{metric}"')
    return html[i:html.index('class="ecom-card"', i + 10) if html.find('class="ecom-card"', i + 10) > 0 else None]


@pytest.mark.slow
def test_title_and_manifest_carry_the_period(month_run):
    m = month_run["manifest"]
    assert m["period"]["name"] == "last_month" and m["period"]["as_of"] == "2026-01-01"
    assert (m["period"]["start"], m["period"]["end"]) == ("2025-12-01", "2025-12-31")
    assert (m["period"]["previous_start"], m["period"]["year_ago_start"]) == ("2025-11-01", "2024-12-01")
    assert m["parameters"]["start"] == "2025-12-01" and m["parameters"]["year_ago_end"] == "2024-12-31"
    html = month_run["html"]
    assert f"<title>{TITLE}</title>" in html and f"<h1>{TITLE}</h1>" in html
    assert "环比 2025-11-01 至 2025-11-30 · 同比 2024-12-01 至 2024-12-31" in html
    assert sorted(p.name for p in month_run["out"].iterdir()) == [
        "finance.html", "finance.ipynb", "finance.xlsx", "finance_courier.csv", "manifest.json",
        "summary.json"]
    rec = json.loads((month_run["out"] / "summary.json").read_text(encoding="utf-8"))   # for the daily push
    assert [c["metric"] for c in rec["cards"]][:3] == ["paid_fen", "net_sales_fen", "gross_profit_fen"]
    assert rec["cards"][2]["sub"]["metric"] == "gross_margin_rate" and rec["actions"]


@pytest.mark.slow
def test_cards_equal_independent_sums(month_run, demo_warehouse):
    want = _independent(demo_warehouse, "2025-12-01", "2025-12-31")
    prev = _independent(demo_warehouse, "2025-11-01", "2025-11-30")
    html = month_run["html"]
    cards = _cards(html)
    assert list(cards) == ["paid_fen", "net_sales_fen", "gross_profit_fen", "gross_margin_rate",
                           "contribution_fen", "contribution_rate", "refund_rate", "ad_spend_fen",
                           "lowest_cash_fen"]
    for k, v in cards.items():
        if k != "lowest_cash_fen":
            assert v == pytest.approx(want[k], rel=1e-9), k
    cash = month_run["sheets"]["13周现金流"]
    assert _fen(cards["lowest_cash_fen"] / 100) == min(_fen(v) for v in cash["期末现金 (元)"])
    # 环比 of net sales, in its card; the margin moves in points; the target of paid
    ns = _card_html(html, "net_sales_fen")
    assert fmt.pct(abs(want["net_sales_fen"] / prev["net_sales_fen"] - 1)) in ns
    gp = _card_html(html, "gross_profit_fen")
    pts = (want["gross_margin_rate"] - prev["gross_margin_rate"]) * 100
    assert f"{abs(pts):.1f} 个百分点" in gp
    targets, _ = fs.load_targets(ROOT / "parameters" / "targets.yaml")
    dec = targets[(targets.level == "shop") & (targets.month == "2025-12-01")]
    attain = want["paid_fen"] / dec["target_fen"].sum()
    assert f"目标达成 <b>{fmt.pct(attain)}</b>" in _card_html(html, "paid_fen")
    assert "近 30 天订单的退款仍在发生，暂不比较" in _card_html(html, "refund_rate")


def _actions(html: str) -> list[tuple[str, str]]:
    return re.findall(r"""<li><span style=["']color:[^"']+["']>●</span> <a href="(#[a-z-]+)">([^<]+)</a>""", html)


@pytest.mark.slow
def test_actions_follow_the_numbers_and_link_their_sections(month_run, demo_warehouse):
    html, s = month_run["html"], month_run["sheets"]
    acts = _actions(html)
    links = [a for a, _ in acts]
    texts = [t for _, t in acts]
    # the stale shop first, by its name
    with Warehouse(demo_warehouse, read_only=True) as wh:
        name = wh.sql(f"SELECT shop_name FROM shops WHERE shop_id = '{STALE[1]}'").shop_name[0]
        names = dict(wh.sql("SELECT shop_id, shop_name FROM shops").values.tolist())
        last = pd.Timestamp(wh.sql(f"SELECT last_sales_date AS d FROM mart_shops WHERE shop_id = '{STALE[1]}'").d[0])
    lag = (pd.Timestamp("2025-12-31") - last).days
    assert last <= pd.Timestamp("2025-12-28") and links[0] == "#freshness"
    assert texts[0].startswith(f"数据不是最新：{name}（订单只到 {last:%Y-%m-%d}，落后 {lag} 天）")
    # shops behind their December target, worked out here from the canonical tables
    want = _independent(demo_warehouse, "2025-12-01", "2025-12-31")["paid_by_shop"]
    targets, _ = fs.load_targets(ROOT / "parameters" / "targets.yaml")
    dec = targets[(targets.level == "shop") & (targets.month == "2025-12-01")].set_index("entity")["target_fen"]
    behind = sorted((s_ for s_ in dec.index if want.get(s_, 0) < dec[s_]),
                    key=lambda s_: -(dec[s_] - want.get(s_, 0)))
    target = [t for a, t in acts if a == "#targets"]
    if behind:
        assert target and target[0].startswith(f"复盘目标：{len(behind)} 个店铺实付金额未达成本期目标：{names[behind[0]]} 达成")
    else:
        assert not target
    # loss-making SKUs, what the courier bill lets us claim, the commission due: as the workbook says
    sku = s["SKU利润"]
    drags = sku[(sku["亏损拖累"] == "是") & (sku["SKU"] != "(未分摊)")]
    loss = [t for a, t in acts if a == "#loss-skus"]
    assert bool(loss) == bool(len(drags))
    if len(drags):
        assert f"{len(drags)} 个 SKU 扣除全部费用后亏损" in loss[0]
        worst = drags.sort_values("贡献利润 (元)").iloc[0]
        assert f"{worst['商品名称']}（{worst['SKU']}）" in loss[0]
    claim = sum(_fen(v) for v in s["快递核对"]["可追回 (元)"])
    courier = [t for a, t in acts if a == "#courier"]
    assert courier and courier[0].startswith(f"向快递公司追回 {fmt.wan(claim)}（演示账单）")
    due = sum(_fen(v) for v in s["运营提成"]["提成 (元)"]) if "运营提成" in s else 0
    pay = [t for a, t in acts if a == "#commission"]
    assert bool(pay) == bool(due)       # no operator reached a tier: nothing to pay
    if due:
        assert pay[0].startswith(f"发放运营提成 {fmt.wan(due)}（2025-12")
    for link in set(links):
        assert f'id="{link[1:]}"' in html, link
    assert s["今天要做"]["事项"].tolist() == texts


@pytest.mark.slow
def test_excel_can_be_sent_on_as_it_is(month_run):
    wb = openpyxl.load_workbook(month_run["out"] / "finance.xlsx")
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        heads = [c.value for c in ws[1]]
        assert all(CJK.search(str(h)) or h == "SKU" for h in heads), (ws.title, heads)
        assert not [h for h in heads if SNAKE.search(str(h))], (ws.title, heads)
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
        for j, h in enumerate(heads):
            vals = [r[j] for r in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 30)) if r[j].value is not None]
            if str(h).endswith("(元)"):   # money in yuan with a number format, never units
                assert "(件" not in str(h) and all(c.number_format == "#,##0.00" for c in vals), (ws.title, h)
            if str(h).endswith("率") or h in ("占比", "累计占比", "占净销售额") or str(h)[-2:] in ("环比", "同比"):
                assert all(c.number_format == "0.0%" for c in vals), (ws.title, h)
            if "(件" in str(h) or h in ("天数", "运单数"):
                assert all(isinstance(c.value, int) and c.number_format == "#,##0" for c in vals), (ws.title, h)
            if h == "月份":
                assert all(c.is_date and c.number_format == "YYYY-MM" for c in vals), (ws.title, h)
            if h in ("周开始", "周(周一)"):
                assert all(c.is_date and c.number_format == "YYYY-MM-DD" for c in vals), (ws.title, h)
            assert not any(isinstance(c.value, bool) for c in vals), (ws.title, h)   # 是/否
    statement = [r[0].value for r in wb["利润表"].iter_rows(min_row=2)]
    assert statement[:4] == ["GMV(拍下金额)", "实付金额", "退款金额", "净销售额"] and statement[-1] == "经营利润"
    shops = wb["店铺"]
    row = {c.value: v.value for c, v in zip(shops[1], shops[2])}
    assert row["平台"] in ("天猫", "京东", "抖音", "拼多多") and row["店铺"].startswith("山野生活")
    costs = {r[0].value for r in wb["费用结构"].iter_rows(min_row=2)}
    assert "商品成本" in costs and "cogs" not in costs
    assert {r[0].value for r in wb["快递核对"].iter_rows(min_row=2)} <= {"正常", "重复计费", "无对应订单", "超合同价"}


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install chromium)")
def test_first_screen_and_words_in_the_browser(month_run, tmp_path):
    from playwright.sync_api import sync_playwright
    page_path = Path(month_run["res"].html)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu"])
        try:
            page = b.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
            page.goto(page_path.resolve().as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(tmp_path / "first_screen.png"))
            seen = page.evaluate("""() => {
                const box = e => e.getBoundingClientRect();
                return {
                  cards: [...document.querySelectorAll('.ecom-card')].map(c => box(c).bottom),
                  actions: box(document.querySelector('.ecom-actions')).bottom,
                  links: [...document.querySelectorAll('.ecom-actions a')].map(a => a.getAttribute('href')),
                  health: document.querySelector('.ecom-summary a[href*="quality"]').getAttribute('href'),
                  heads: [...document.querySelectorAll('th')].map(t => t.innerText.trim()),
                  text: document.body.innerText, title: document.title};
            }""")
            assert seen["title"] == TITLE
            assert len(seen["cards"]) == 7 and max(seen["cards"]) <= 900
            assert seen["actions"] <= 900, "the action list is below the first screen"
            for link in seen["links"]:  # every action lands on its section
                page.goto(page_path.resolve().as_uri() + link)
                top, scrolled = page.evaluate(
                    f"() => [document.getElementById('{link[1:]}').getBoundingClientRect().top, window.scrollY]")
                assert scrolled > 900 and -2 < top < 900, (link, top, scrolled)
        finally:
            b.close()
    assert (page_path.parent / seen["health"]).resolve().name == "quality-2026-01-01.html"
    assert not [h for h in seen["heads"] if SNAKE.search(h)], seen["heads"]
    english = [m.group(0) for m in ENGLISH.finditer(seen["text"])]
    assert english == [], english[:5]
    for code in ("tmall_flagship", "pdd_flagship", "mart_", "dim_calendar", "int_order_lines",
                 "True", "False", "NaN", "(unallocated)", "bill_", "gmv_fen"):
        assert code not in seen["text"], code


# -- a period the data do not cover to its end ---------------------------------------------------------
@pytest.mark.slow
def test_an_incomplete_period_is_marked_and_compared_over_as_many_days(demo_warehouse):
    p = periods.resolve("custom", start="2025-12-20", end="2026-01-08")
    with Warehouse(demo_warehouse, read_only=True) as wh:
        r = rep.build_report(wh, p.start, p.end, shops=["tmall_flagship"], period=p,
                             settings=fs.load_settings(ROOT / "parameters" / "finance_settings.yaml"),
                             targets_file=ROOT / "parameters" / "targets.yaml",
                             commission_file=ROOT / "parameters" / "commission.yaml")
    assert r["incomplete"] and (r["covered_days"], p.days) == (12, 20)
    assert "数据只到 2025-12-31（12/20 天，未完整），按相同天数比较" in rep.period_text(r)
    assert r["previous"] == (pd.Timestamp("2025-11-30"), pd.Timestamp("2025-12-11"))
    with Warehouse(demo_warehouse, read_only=True) as wh:
        cur = independent.recompute(wh, "2025-12-20", "2025-12-31")
        prev = independent.recompute(wh, "2025-11-30", "2025-12-11")
    ns = {c.metric: c for c in r["cards"]}["net_sales_fen"]
    pick = lambda t: t[t.shop_id == "tmall_flagship"]  # noqa: E731
    assert ns.value == pytest.approx(float((pick(cur).paid_fen - pick(cur).refund_fen).sum()))
    assert ns.previous == pytest.approx(float((pick(prev).paid_fen - pick(prev).refund_fen).sum()))
    tr = r["trend"]
    assert tr["month"].iloc[-1] == pd.Timestamp("2025-12-01")   # the trend ends where the data end
