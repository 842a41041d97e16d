"""notebooks/channels.ipynb through the runner on a small demo warehouse (built after the
ingest), with a rolling period: its title and manifest carry the period, the summary's cards
equal sums taken here straight from the intermediate order lines and the canonical traffic
and ad tables, its actions follow the alerts and the tables, its Excel workbook can be sent
on as it is; in Debian's Chromium at 1440 x 900 the first screen shows the cards and the
action list, the action links land on their sections, and the zh page shows no English
sentence and no snake_case header (the en page no Chinese heading). A period without sales
ends ``empty``; a period the data do not cover to its end is marked and compared over as
many days; a weekly chart never draws a 3-day week as if whole."""
from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ecomlib import demo, fmt, periods, runner
from ecomlib.metrics import channels_report as rep
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
PERIOD = {"period": "last_week", "as_of": "2025-12-31"}  # y = 12-30 (Tue): the week 12-22..12-28
TITLE = "渠道与营销 · 上周 2025-12-22 至 2025-12-28"
A, B = "2025-12-22", "2025-12-28"
PREV = ("2025-12-15", "2025-12-21")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
#: a run of three or more ASCII words: an English phrase in a Chinese page
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,.'’-]+[A-Za-z]{2,}){2,}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("channels_nb")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="canonical")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    return db


def _run(db, out, **extra):
    res = runner.run_report("channels", warehouse=db, out_root=out, extra=extra)
    assert res.status == "ok", res.error
    return res


@pytest.fixture(scope="module")
def zh_run(demo_warehouse, tmp_path_factory):
    res = _run(demo_warehouse, tmp_path_factory.mktemp("channels_reports"), **PERIOD, lang="zh")
    out = Path(res.out_dir)
    import nbformat
    nb = nbformat.read(out / "channels.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    return {"res": res, "out": out, "html": Path(res.html).read_text(encoding="utf-8"),
            "manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def en_run(demo_warehouse, tmp_path_factory):
    res = _run(demo_warehouse, tmp_path_factory.mktemp("channels_en"), **PERIOD, lang="en")
    return {"res": res, "html": Path(res.html).read_text(encoding="utf-8")}


def _independent(db: Path, a: str, b: str) -> dict:
    """The period's totals straight from int_order_lines and the canonical traffic and ad
    tables (not the marts, not the report's code)."""
    with Warehouse(db, read_only=True) as wh:
        lines = wh.sql(f"""
            SELECT SUM(paid_fen) AS paid, SUM(refund_fen) AS refund,
                   COUNT(DISTINCT CASE WHEN is_paid THEN shop_id || '|' || sales_date || '|' || buyer_key END)
                       AS buyer_days,
                   COUNT(DISTINCT CASE WHEN is_paid THEN platform || '|' || order_id END) AS orders
            FROM int_order_lines WHERE sales_date BETWEEN DATE '{a}' AND DATE '{b}'""").iloc[0]
        visitors = wh.sql(f"SELECT SUM(visitors) AS v FROM traffic WHERE traffic_date BETWEEN "
                          f"DATE '{a}' AND DATE '{b}'").v[0]
        ads = wh.sql(f"SELECT SUM(spend_fen) AS s, SUM(attributed_paid_fen) AS p, "
                     f"COUNT(*) FILTER (WHERE currency <> 'CNY') AS n_fx FROM ad_spend "
                     f"WHERE spend_date BETWEEN DATE '{a}' AND DATE '{b}'").iloc[0]
        names = dict(wh.sql("SELECT shop_id, shop_name FROM shops").values)
    assert ads.n_fx == 0
    return {"paid_fen": float(lines.paid), "visitors": float(visitors),
            "conversion_rate": lines.buyer_days / visitors, "aov_fen": lines.paid / lines.buyer_days,
            "order_value_fen": lines.paid / lines.orders, "spend_fen": float(ads.s),
            "roas": ads.p / ads.s, "refund_rate": lines.refund / lines.paid, "names": names}


def test_title_and_manifest_carry_the_period(zh_run):
    m = zh_run["manifest"]
    assert m["period"]["name"] == "last_week" and (m["period"]["start"], m["period"]["end"]) == (A, B)
    assert (m["period"]["previous_start"], m["period"]["previous_end"]) == PREV
    assert m["parameters"]["start"] == A and m["parameters"]["end"] == B
    html = zh_run["html"]
    assert f"<title>{TITLE}</title>" in html and f"<h1>{TITLE}</h1>" in html


def test_cards_equal_independent_sums(zh_run, demo_warehouse):
    want = _independent(demo_warehouse, A, B)
    prev = _independent(demo_warehouse, *PREV)
    cards = dict(re.findall(r'data-metric="([a-z_]+)" data-value="([^"]+)"', zh_run["html"]))
    assert list(cards) == ["paid_fen", "visitors", "conversion_rate", "aov_fen", "spend_fen", "roas",
                           "refund_rate"]
    for k, v in cards.items():
        assert float(v) == pytest.approx(want[k], rel=1e-9), k
    # 环比 of the paid amount against the week before, as the card shows it
    mom = want["paid_fen"] / prev["paid_fen"] - 1
    arrow = "▲" if mom > 0 else "▼"
    assert f"环比 <span style=\"color:#d6336c\">{arrow} {fmt.pct(abs(mom))}" in zh_run["html"] or \
        f"环比 <span style=\"color:#2b8a3e\">{arrow} {fmt.pct(abs(mom))}" in zh_run["html"]
    assert f"笔单价 {fmt.yuan(want['order_value_fen'])}" in zh_run["html"]


def _sheet(wb, name) -> pd.DataFrame:
    rows = list(wb[name].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_actions_follow_the_alerts_and_the_tables(zh_run):
    html = zh_run["html"]
    block = html[html.index("ecom-actions"):html.index("ecom-changes")]
    links = re.findall(r'<a href="#([a-z-]+)">', block)
    assert links, "the demo week has things to do"
    for anchor in set(links):  # every link lands on a section of the page
        assert f'id="{anchor}"' in html, anchor
    alerts = json.loads((zh_run["out"] / "alerts.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(zh_run["out"] / "channels.xlsx")
    todo = _sheet(wb, "今日要做")
    assert len(todo) == len(links)
    days = list(dict.fromkeys((a["date"], a["shop_id"]) for a in alerts))  # one line per shop-day
    assert links.count("alerts") == min(len(days), rep.MAX_ACTION_LINES) + (len(days) > rep.MAX_ACTION_LINES)
    for day, shop in days[:rep.MAX_ACTION_LINES]:  # with the day, the shop's name and the range left
        assert any(t.startswith(f"核查异常：{day[5:10]} 山野生活") and "正常范围" in t for t in todo["事项"])
    plans = _sheet(wb, "推广计划")
    losing = plans[plans["广告ROI((毛利-花费)/花费)"] < 0]
    losing = losing.assign(loss=losing["广告花费 (元)"] - losing["广告毛利(估) (元)"]).sort_values(
        "loss", ascending=False)  # the largest loss first
    assert links.count("ad-plans") == min(len(losing), rep.MAX_PLAN_LINES) + (len(losing) > rep.MAX_PLAN_LINES)
    for r in losing.head(rep.MAX_PLAN_LINES).itertuples(index=False):
        assert any(f"{r[1]} · {r[2]}「{r[3]}」" in t for t in todo["事项"])
    if "streamers" in links:
        st = _sheet(wb, "主播达人")
        assert (st["佣金ROI((毛利-佣金)/佣金)"] < 0).any()
    below = "转化偏低的来源" in wb.sheetnames
    assert ("sources-below" in links) == below


def test_excel_can_be_sent_on_as_it_is(zh_run, demo_warehouse):
    wb = openpyxl.load_workbook(zh_run["out"] / "channels.xlsx")
    assert {"今日要做", "店铺", "每周趋势", "流量来源", "广告渠道", "推广计划", "主播达人"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        heads = [c.value for c in ws[1]]
        assert not [h for h in heads if SNAKE.search(str(h))], (ws.title, heads)
        assert all(CJK.search(str(h)) or h in ("SKU", "ROAS", "UV价值") for h in heads), (ws.title, heads)
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
        if ws.max_row < 2:
            continue
        for j, h in enumerate(heads):
            cells = [r[j] for r in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 20))]
            vals = [c for c in cells if c.value is not None]
            if str(h).endswith("(元)"):  # money in yuan with a number format, never units
                assert all(c.number_format == "#,##0.00" for c in vals), (ws.title, h)
            elif str(h).endswith("率") or h in ("占比", "毛利/实付", "优惠深度", "实付环比"):
                assert all(c.number_format == "0.0%" for c in vals), (ws.title, h)
            if h in ("日期", "周(周一)", "开始", "结束"):
                assert all(c.is_date and c.number_format == "YYYY-MM-DD" for c in vals), (ws.title, h)
            assert not any(isinstance(c.value, bool) for c in vals), (ws.title, h)  # 是/否
    shops = _sheet(wb, "店铺").set_index("店铺")
    want = _independent(demo_warehouse, A, B)
    names = want["names"]
    with Warehouse(demo_warehouse, read_only=True) as wh:
        per = wh.sql(f"""SELECT shop_id, SUM(paid_fen) AS paid,
                            COUNT(DISTINCT CASE WHEN is_paid THEN sales_date || '|' || buyer_key END) AS bd
                         FROM int_order_lines WHERE sales_date BETWEEN DATE '{A}' AND DATE '{B}'
                         GROUP BY shop_id""")
    assert set(shops.index) == {names[s] for s in per["shop_id"]}  # shops by name, not id
    for r in per.itertuples(index=False):
        got = shops.loc[names[r.shop_id]]
        assert round(got["实付金额 (元)"] * 100) == r.paid and got["支付买家(人·天)"] == r.bd
        assert got["客单价 (元)"] == pytest.approx(r.paid / r.bd / 100)
    assert set(_sheet(wb, "主播达人")["自播"]) <= {"是", "否"}


def test_period_resolved_by_hand_is_the_runners(zh_run, demo_warehouse):
    p = zh_run["manifest"]["parameters"]
    with Warehouse(demo_warehouse, read_only=True) as wh:
        by_hand = rep.resolve_period(wh, "last_week", "2025-12-31")
        from_runner = rep.resolve_period(wh, p["period"], p["as_of"], p["start"], p["end"],
                                         p["previous_start"], p["previous_end"],
                                         p["year_ago_start"], p["year_ago_end"])
        default = rep.resolve_period(wh)  # empty period: the report's default, as of latest
    assert by_hand == from_runner
    assert default.name == "last_week" == periods.DEFAULT_PERIOD["channels"]
    assert default.end.isoformat() == "2025-12-28"  # the data end on Wednesday 12-31


def test_a_period_without_sales_ends_empty(demo_warehouse, tmp_path):
    res = runner.run_report("channels", warehouse=demo_warehouse, out_root=tmp_path,
                            extra={"period": "custom", "start": "2023-01-01", "end": "2023-03-31"})
    assert res.status == "empty" and "没有销售数据" in res.error


def test_an_incomplete_period_is_marked_and_compared_over_as_many_days(demo_warehouse):
    """The data end on Wednesday 2025-12-31: a custom period to 2026-01-04 covers 10 of its
    14 days; its 环比 covers the same 10 days, and the weekly chart's last week (3 days) is
    marked incomplete instead of drawn as a collapse."""
    with Warehouse(demo_warehouse, read_only=True) as wh:
        P = rep.resolve_period(wh, "custom", "", "2025-12-22", "2026-01-04")
        R = rep.build_report(wh, P, n_boot=50)
    assert R["incomplete"] and R["covered_days"] == 10
    assert R["previous"] == (pd.Timestamp("2025-12-08"), pd.Timestamp("2025-12-17"))
    paid = R["cards"][0]
    want_prev = _independent(demo_warehouse, "2025-12-08", "2025-12-17")["paid_fen"]
    assert paid.metric == "paid_fen" and paid.previous == pytest.approx(want_prev)
    assert "本期只有 10/14 天数据" in R["health"]
    last = R["weekly"][R["weekly"]["week_start"] == pd.Timestamp("2025-12-29")]
    assert len(last) and (last["count_days"] == 3).all() and not last["is_complete"].any()
    assert R["weekly"].loc[R["weekly"]["week_start"] < pd.Timestamp("2025-12-29"), "is_complete"].all()
    assert "12-29 起的一周只有 3 天数据" in rep.weekly_sentence(R["weekly"]).data


# -- in the browser ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


def _open(browser, html: Path):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
               else r.abort())
    page.goto(html.as_uri())
    page.wait_for_selector("h1")
    return ctx, page


def _visible_text(page) -> str:
    return page.evaluate("document.body.innerText")


def test_first_screen_shows_the_cards_and_the_actions(zh_run, browser):
    ctx, page = _open(browser, Path(zh_run["res"].html))
    try:
        Path("/tmp/ecomlib_channels").mkdir(exist_ok=True)
        page.screenshot(path="/tmp/ecomlib_channels/first_screen.png")
        assert page.title() == TITLE
        boxes = page.eval_on_selector_all(
            ".ecom-card, .ecom-actions li", "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [e.className || e.tagName, r.top, r.bottom, r.width]; })")
        cards = [b for b in boxes if b[0] == "ecom-card"]
        items = [b for b in boxes if b[0] == "LI"]
        assert len(cards) == 7 and items
        for name, top, bottom, width in boxes:  # all on the first screen, nothing to scroll
            assert 0 <= top and bottom <= 900 and width > 0, (name, top, bottom)
        assert len({round(b[1]) for b in cards}) == 1  # one row of cards
        # an action link lands on its section
        first = page.locator(".ecom-actions a").first
        target = first.get_attribute("href")
        first.click()
        page.wait_for_timeout(300)
        top = page.eval_on_selector(target, "e => e.getBoundingClientRect().top")
        assert page.evaluate("window.scrollY") > 500 and -2 <= top < 200
    finally:
        ctx.close()


def test_zh_page_has_no_english_sentence_and_no_code(zh_run, browser):
    ctx, page = _open(browser, Path(zh_run["res"].html))
    try:
        text = _visible_text(page)
    finally:
        ctx.close()
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert not ENGLISH.findall(text), ENGLISH.findall(text)[:10]
    for word in ("dim_calendar", "mart_", "int_order_lines", "tmall_flagship", "True", "False",
                 "streamer_commission", "Traceback"):
        assert word not in text, word
    assert "山野生活官方旗舰店" in text


def test_en_page_speaks_english(en_run, browser):
    ctx, page = _open(browser, Path(en_run["res"].html))
    try:
        assert page.title() == "Channels and marketing · Last week 2025-12-22 to 2025-12-28"
        heads = page.eval_on_selector_all("h1, h2, h3, th, .ecom-card div:first-child",
                                          "els => els.map(e => e.innerText)")
        text = _visible_text(page)
    finally:
        ctx.close()
    # headings, table headers and card labels are words of the report, never data: no Chinese
    assert heads and not [h for h in heads if CJK.search(h)], [h for h in heads if CJK.search(h)][:10]
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert "To do today" in text and "今天要做" not in text
