"""notebooks/overview.ipynb, the seller's morning read of yesterday: committed clean, its
parameters file without fixed dates, and through the runner on a small demo warehouse (built
after the ingest) in which one shop's exports stop three days early and the best seller is out
of stock on the last day: the title and the manifest carry the period, the 经营摘要's cards
equal sums taken here straight from the intermediate order lines and the canonical traffic
table, its actions name the stale shop and the stock-out and link to their sections, its
Excel workbook can be sent on as it is; in Debian's Chromium at 1440 x 900 the first screen
shows the cards and the action list, the links land on their sections (the data-health badge
on the newest quality report), and the zh page shows no English sentence and no snake_case
header. Also: last month in English for two shops, a period without sales (status empty)
and a period the data do not cover to its end (marked, compared over as many days)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
import yaml

from ecomlib import demo, periods, quality, runner
from ecomlib.metrics import overview_report as rep
from ecomlib.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "overview.ipynb"
PARAMS = ROOT / "parameters" / "overview.yaml"
CHROMIUM = Path("/usr/bin/chromium")
DAY = "2025-12-31"                       # yesterday, for the morning of 2026-01-01
TITLE = "数据概览 · 昨日 2025-12-31"
STALE = ("pdd", "pdd_flagship")          # its exports stop on 2025-12-28
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
#: a run of three or more ASCII words: an English phrase in a Chinese page
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,.'’-]+[A-Za-z]{2,}){2,}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


# -- the notebook and its parameters file ------------------------------------------------------
def test_notebook_is_committed_clean_with_a_parameters_cell():
    nb = nbformat.read(NB, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.kernelspec.language == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    src = code[0].source
    for line in ('period: str = ""', 'as_of: str = "latest"', 'start: str = ""', 'end: str = ""',
                 'previous_start: str = ""', 'year_ago_end: str = ""', "shops: list = []",
                 "platforms: list = []", 'lang: str = "zh"', 'output_dir: str = ""'):
        assert line in src, line
    assert all("#" in line for line in src.splitlines()[1:])  # every parameter is commented
    # one language per report: no Markdown cell writes Chinese and English side by side
    assert not [c for c in nb.cells if c.cell_type == "markdown"]


def test_parameters_file_sets_no_fixed_dates():
    import papermill
    declared = papermill.inspect_notebook(str(NB))
    values = yaml.safe_load(PARAMS.read_text(encoding="utf-8"))
    assert set(values) <= set(declared)
    assert not {"start", "end", "as_of"} & set(values)  # the default period applies: yesterday
    assert values["period"] == "" and periods.DEFAULT_PERIOD["overview"] == "yesterday"
    assert values["lang"] in ("zh", "en")


# -- a demo warehouse with a stale shop and a stock-out -------------------------------------------
def _plant(folder: Path) -> str:
    """pdd_flagship's exports end on 2025-12-28 (orders, lines, refunds, traffic, ads); the
    SKU with the most paid in December has nothing on hand on 2025-12-31. Returns that SKU."""
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
        t[~((t["shop_id"] == STALE[1]) & (t[col] >= "2025-12-29"))].to_csv(folder / name,
                                                                           index=False)
    dec = orders[(orders["paid_at"] >= "2025-12-01") & (orders["paid_at"] < "2026-01-01")]
    paid = lines[lines["order_id"].isin(set(dec["order_id"]))].assign(
        paid=lambda d: d["paid_fen"].astype(int)).groupby("sku")["paid"].sum()
    top = paid.sort_values(ascending=False).index[0]
    stock = pd.read_csv(folder / "inventory_snapshots.csv", dtype=str)
    stock.loc[(stock["sku"] == top) & (stock["snapshot_date"] == DAY), "on_hand_units"] = "0"
    stock.to_csv(folder / "inventory_snapshots.csv", index=False)
    return top


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("overview_nb")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="canonical")
    out_sku = _plant(root / "demo")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    return {"db": db, "stock_out": out_sku}


def _run(db, out, **extra):
    res = runner.run_report("overview", warehouse=db, out_root=out, extra=extra)
    assert res.status == "ok", res.error
    nb = nbformat.read(Path(res.out_dir) / "overview.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error" or o.get("name") == "stderr"]
    assert errors == []
    out_dir = Path(res.out_dir)
    return {"res": res, "out": out_dir, "html": Path(res.html).read_text(encoding="utf-8"),
            "manifest": json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def zh_run(demo_warehouse, tmp_path_factory):
    """The daily report as the schedule runs it: the default period (yesterday), as of the
    latest data, with a quality report already in reports/quality/."""
    out = tmp_path_factory.mktemp("overview_reports")
    with Warehouse(demo_warehouse["db"], read_only=True) as wh:
        quality.write_report(wh, out / "quality" / "quality-2026-01-01.html")
    return _run(demo_warehouse["db"], out, lang="zh")


def _independent(db: Path, a: str, b: str, shops=None) -> dict:
    """The period's totals straight from int_order_lines and the canonical traffic table (not
    the marts, not the report's code)."""
    where = "" if not shops else " AND shop_id IN (" + ", ".join(f"'{s}'" for s in shops) + ")"
    with Warehouse(db, read_only=True) as wh:
        x = wh.sql(f"""
            SELECT SUM(paid_fen) AS paid, SUM(refund_fen) AS refund,
                   COUNT(DISTINCT CASE WHEN is_paid THEN shop_id || '|' || sales_date || '|' || buyer_key END)
                       AS buyer_days,
                   COUNT(DISTINCT CASE WHEN is_paid THEN platform || '|' || order_id END) AS orders
            FROM int_order_lines WHERE sales_date BETWEEN DATE '{a}' AND DATE '{b}'{where}""").iloc[0]
        v = wh.sql(f"SELECT SUM(visitors) AS v FROM traffic WHERE traffic_date BETWEEN "
                   f"DATE '{a}' AND DATE '{b}'{where}").v[0]
    return {"paid_fen": float(x.paid), "count_paid_orders": float(x.orders),
            "count_buyers": float(x.buyer_days), "aov_fen": x.paid / x.buyer_days,
            "refund_rate": x.refund / x.paid, "visitors": float(v),
            "conversion_rate": x.buyer_days / v, "order_value_fen": x.paid / x.orders}


def _cards(html: str) -> dict:
    return {m: float(v) for m, v in re.findall(r'data-metric="([a-z_]+)" data-value="([^"]+)"', html)}


@pytest.mark.slow
def test_title_and_manifest_carry_the_period(zh_run):
    m = zh_run["manifest"]
    assert m["period"]["name"] == "yesterday" and m["period"]["as_of"] == "2026-01-01"
    assert (m["period"]["start"], m["period"]["end"]) == (DAY, DAY)
    assert (m["period"]["previous_start"], m["period"]["year_ago_start"]) == ("2025-12-30", "2024-12-31")
    assert m["parameters"]["start"] == DAY and m["parameters"]["previous_end"] == "2025-12-30"
    html = zh_run["html"]
    assert f"<title>{TITLE}</title>" in html and f"<h1>{TITLE}</h1>" in html
    assert "昨日 2025-12-31（周三） · 环比 2025-12-30（周二） · 同比 2024-12-31（周二）" in html
    assert sorted(p.name for p in zh_run["out"].iterdir()) == [
        "manifest.json", "overview.html", "overview.ipynb", "overview.xlsx", "summary.json"]


@pytest.mark.slow
def test_cards_equal_independent_sums(zh_run, demo_warehouse):
    want = _independent(demo_warehouse["db"], DAY, DAY)
    prev = _independent(demo_warehouse["db"], "2025-12-30", "2025-12-30")
    cards = _cards(zh_run["html"])
    assert list(cards) == ["paid_fen", "count_paid_orders", "count_buyers", "aov_fen",
                           "refund_rate", "visitors", "conversion_rate"]
    for k, v in cards.items():
        assert v == pytest.approx(want[k], rel=1e-9), k
    # 笔单价 beside 客单价, the 环比 of paid on its card, refunds of yesterday not compared yet
    assert f"笔单价 ¥{want['order_value_fen'] / 100:,.2f}" in zh_run["html"]
    mom = want["paid_fen"] / prev["paid_fen"] - 1
    assert f"{abs(mom) * 100:.1f}%" in zh_run["html"]
    assert "近 30 天订单的退款仍在发生，暂不比较" in zh_run["html"]


@pytest.mark.slow
def test_actions_name_the_stale_shop_and_the_stock_out(zh_run, demo_warehouse):
    html = zh_run["html"]
    actions = re.findall(r"""<li><span style=["']color:[^"']+["']>●</span> <a href="(#[a-z]+)">([^<]+)</a>""",
                         html)
    assert actions, "no action"
    links = [a for a, _ in actions]
    texts = [t for _, t in actions]
    sku = demo_warehouse["stock_out"]
    with Warehouse(demo_warehouse["db"], read_only=True) as wh:
        name = wh.sql(f"SELECT product_name FROM mart_products WHERE sku = '{sku}'").product_name[0]
        last = wh.sql(f"SELECT last_sales_date AS d FROM mart_shops WHERE shop_id = '{STALE[1]}'").d[0]
    last = pd.Timestamp(last)
    assert last <= pd.Timestamp("2025-12-28")
    assert links[0] == "#freshness" and texts[0].startswith(
        f"补下载 1 家店铺的最新导出：拼多多·山野生活拼多多旗舰店（数据最早只到 {last:%Y-%m-%d}）")
    assert links[1] == "#stock" and texts[1].startswith("补货：1 个畅销 SKU 已缺货：")
    assert f"{name}（{sku}）" in texts[1]
    # the stale shop's missing days are not reported as a collapse of its sales
    assert not [t for t in texts if t.startswith("查异常：拼多多")]
    for link in set(links):
        assert f'id="{link[1:]}"' in html, link
    lag = (pd.Timestamp(DAY) - last).days
    assert f"数据不是最新：山野生活拼多多旗舰店（订单只到 {last:%Y-%m-%d}，落后 {lag} 天）" in html


@pytest.mark.slow
def test_excel_can_be_sent_on_as_it_is(zh_run):
    wb = openpyxl.load_workbook(zh_run["out"] / "overview.xlsx")
    assert wb.sheetnames == ["店铺", "平台", "每日", "畅销商品", "畅销商品库存", "异常", "本月目标",
                             "数据新鲜度"]
    for ws in wb.worksheets:
        heads = [c.value for c in ws[1]]
        assert all(CJK.search(h) or h == "SKU" for h in heads), (ws.title, heads)
        assert not [h for h in heads if SNAKE.search(h)], (ws.title, heads)
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
    shops = wb["店铺"]
    heads = [c.value for c in shops[1]]
    row = {h: c for h, c in zip(heads, shops[2])}
    assert row["平台"].value in ("天猫", "京东", "抖音", "拼多多")
    assert row["店铺名称"].value.startswith("山野生活")
    assert row["实付金额 (元)"].number_format == "#,##0.00"
    assert row["实付环比"].number_format == "0.0%" and row["支付订单数"].number_format == "#,##0"
    fresh = wb["数据新鲜度"]
    heads = [c.value for c in fresh[1]]
    cells = {h: c for h, c in zip(heads, fresh[2])}
    assert cells["最近订单日"].number_format == "YYYY-MM-DD"
    assert {r[heads.index("数据滞后")].value for r in fresh.iter_rows(min_row=2)} == {"是", "否"}
    stock = wb["畅销商品库存"]
    assert stock["J2"].value == "已缺货"   # stock-outs first, in words


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install chromium)")
def test_first_screen_and_words_in_the_browser(zh_run, tmp_path):
    from playwright.sync_api import sync_playwright
    page_path = Path(zh_run["res"].html)
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
                assert scrolled > 900 and -2 < top < 900, (link, top, scrolled)  # its section in view
        finally:
            b.close()
    assert (page_path.parent / seen["health"]).resolve().exists()
    assert (page_path.parent / seen["health"]).resolve().name == "quality-2026-01-01.html"
    assert not [h for h in seen["heads"] if SNAKE.search(h)], seen["heads"]
    english = [m.group(0) for m in ENGLISH.finditer(seen["text"])]
    assert english == [], english[:5]
    for code in ("tmall_flagship", "pdd_flagship", "mart_", "dim_calendar", "int_order_lines",
                 "True", "False", "NaN"):
        assert code not in seen["text"], code


# -- other periods, scopes and languages -----------------------------------------------------------
@pytest.mark.slow
def test_last_month_in_english_for_two_shops(demo_warehouse, tmp_path):
    shops = ["tmall_flagship", "jd_flagship"]
    run = _run(demo_warehouse["db"], tmp_path, period="last_month", as_of="2025-12-31",
               shops=shops, lang="en")
    m = run["manifest"]["period"]
    assert (m["name"], m["start"], m["end"]) == ("last_month", "2025-11-01", "2025-11-30")
    html = run["html"]
    assert "<title>Overview · Last month 2025-11-01 to 2025-11-30</title>" in html
    want = _independent(demo_warehouse["db"], "2025-11-01", "2025-11-30", shops)
    cards = _cards(html)
    assert cards["paid_fen"] == pytest.approx(want["paid_fen"])
    assert cards["buyer_days"] == pytest.approx(want["count_buyers"])     # a month: buyer-days
    assert cards["refund_rate"] == pytest.approx(want["refund_rate"])
    heads = re.findall(r"<h[12][^>]*>([^<]+)</h[12]>", html)
    assert heads and not [h for h in heads if CJK.search(h)], heads
    assert "Shops: 山野生活官方旗舰店, 山野生活京东旗舰店" in html
    assert "山野生活抖音旗舰店" not in html                               # the filter holds
    wb = openpyxl.load_workbook(run["out"] / "overview.xlsx")
    assert wb.sheetnames[0] == "Shops" and wb["Shops"]["C1"].value == "Paid amount (CNY)"


@pytest.mark.slow
def test_a_period_without_sales_ends_empty(demo_warehouse, tmp_path):
    res = runner.run_report("overview", warehouse=demo_warehouse["db"], out_root=tmp_path,
                            extra={"period": "custom", "start": "2023-01-01", "end": "2023-01-31"})
    assert res.status == "empty" and "没有销售数据" in res.error
    assert not (Path(res.out_dir) / "overview.ipynb").exists()


@pytest.mark.slow
def test_an_incomplete_period_is_marked_and_compared_over_as_many_days(demo_warehouse):
    with Warehouse(demo_warehouse["db"], read_only=True) as wh:
        p = periods.resolve("custom", start="2025-12-25", end="2026-01-07")
        r = rep.build(wh, p, shops=["tmall_flagship"])
    w = r["windows"]
    assert not w.complete and (w.covered_days, w.days) == (7, 14)
    assert "数据只到 2025-12-31（7/14 天，未完整），按相同天数比较" in r["period_text"]
    want = _independent(demo_warehouse["db"], "2025-12-25", "2025-12-31", ["tmall_flagship"])
    prev = _independent(demo_warehouse["db"], "2025-12-11", "2025-12-17", ["tmall_flagship"])
    card = {c.metric: c for c in r["cards"]}["paid_fen"]
    assert card.value == pytest.approx(want["paid_fen"])
    assert card.previous == pytest.approx(prev["paid_fen"])   # 7 days against 7 days
