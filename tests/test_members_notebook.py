"""notebooks/members.ipynb through the runner on a small demo warehouse (built after the
ingest), with a rolling period: its title and manifest carry the period; the summary's cards
equal counts and sums taken here straight from the intermediate order lines (not the marts,
not the report's code); its actions follow the win-back list, the cohorts and the platform
table; the win-back list names each member's real last order and no member key appears
anywhere; the Excel workbook can be sent on as it is; in Debian's Chromium at 1440 x 900
the first screen shows the cards and the action list, the action links land on their
sections, and the zh page shows no English sentence and no snake_case header (the en page no
Chinese heading). A period without sales ends ``empty``; a period the data do not cover to
its end is marked and compared over as many days."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from ecomlib import demo, fmt, periods, runner
from ecomlib.metrics import members_report as rep
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
#: y = 2025-12-30: the last whole quarter is Q3 2025; 环比 Q2 2025, 同比 Q3 2024 (the demo
#: starts 2024-01-01, so Q3 2024 has no year of history before it: its new members are not
#: compared)
PERIOD = {"period": "last_quarter", "as_of": "2025-12-31"}
A, B = "2025-07-01", "2025-09-30"
PREV = ("2025-04-01", "2025-06-30")
YA = ("2024-07-01", "2024-09-30")
TITLE = f"会员分析 · 上季度 {A} 至 {B}"
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
#: a run of three or more ASCII words: an English phrase in a Chinese page
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,.'’-]+[A-Za-z]{2,}){2,}\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("members_nb")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="canonical")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    return db


def _run(db, out, **extra):
    res = runner.run_report("members", warehouse=db, out_root=out, extra=extra)
    assert res.status == "ok", res.error
    return res


@pytest.fixture(scope="module")
def zh_run(demo_warehouse, tmp_path_factory):
    res = _run(demo_warehouse, tmp_path_factory.mktemp("members_reports"), **PERIOD, lang="zh")
    out = Path(res.out_dir)
    nb = nbformat.read(out / "members.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs)
    return {"res": res, "out": out, "html": Path(res.html).read_text(encoding="utf-8"),
            "manifest": json.loads((out / "manifest.json").read_text(encoding="utf-8")),
            "images": images, "wb": openpyxl.load_workbook(out / "members.xlsx")}


@pytest.fixture(scope="module")
def en_run(demo_warehouse, tmp_path_factory):
    res = _run(demo_warehouse, tmp_path_factory.mktemp("members_en"), **PERIOD, lang="en")
    return {"res": res, "html": Path(res.html).read_text(encoding="utf-8")}


def _sheet(wb, name) -> pd.DataFrame:
    rows = list(wb[name].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def _independent(db: Path, a: str, b: str) -> dict:
    """The window's member figures straight from int_order_lines: members with a paid line
    in it, those with 2+ paid orders there, those whose first paid day (ever) falls in it,
    their net sales, and every buyer's net sales."""
    with Warehouse(db, read_only=True) as wh:
        r = wh.sql(f"""
            WITH paid AS (SELECT * FROM int_order_lines WHERE is_paid AND sales_date <= DATE '{b}'),
            firsts AS (SELECT member_key, MIN(sales_date) AS first_day FROM paid
                       WHERE member_key IS NOT NULL GROUP BY member_key),
            win AS (SELECT * FROM paid WHERE sales_date >= DATE '{a}'),
            per AS (SELECT member_key, COUNT(DISTINCT platform || '|' || order_id) AS n
                    FROM win WHERE member_key IS NOT NULL GROUP BY member_key)
            SELECT (SELECT COUNT(*) FROM per) AS members,
                   (SELECT COUNT(*) FROM per WHERE n >= 2) AS repeaters,
                   (SELECT COUNT(*) FROM per JOIN firsts USING (member_key)
                    WHERE first_day >= DATE '{a}') AS new,
                   (SELECT SUM(paid_fen) - SUM(refund_fen) FROM win WHERE member_key IS NOT NULL) AS member_net,
                   (SELECT SUM(paid_fen) - SUM(refund_fen) FROM win) AS all_net""").iloc[0]
    return {"count_members": float(r.members), "count_new": float(r.new),
            "repurchase_rate": r.repeaters / r.members, "net_sales_per_member_fen": r.member_net / r.members,
            "member_net_share_rate": r.member_net / r.all_net}


def _cards(html: str) -> dict:
    return {k: float(v) for k, v in re.findall(r'class="ecom-card" data-metric="([a-z_]+)" '
                                               r'data-value="([^"]+)"', html)}


# -- the period, the cards, the actions --------------------------------------------------------
def test_title_and_manifest_carry_the_period(zh_run):
    m = zh_run["manifest"]
    assert m["period"]["name"] == "last_quarter" and (m["period"]["start"], m["period"]["end"]) == (A, B)
    assert (m["period"]["previous_start"], m["period"]["previous_end"]) == PREV
    assert m["parameters"]["start"] == A and m["parameters"]["end"] == B
    html = zh_run["html"]
    assert f"<title>{TITLE}</title>" in html and f"<h1>{TITLE}</h1>" in html
    assert zh_run["images"] >= 8 and "Traceback" not in html


def test_cards_equal_independent_sums(zh_run, demo_warehouse):
    want, prev = _independent(demo_warehouse, A, B), _independent(demo_warehouse, *PREV)
    cards = _cards(zh_run["html"])
    assert list(cards) == list(rep.CARD_METRICS)
    for k, v in want.items():
        assert cards[k] == pytest.approx(v, rel=1e-9), k
    html = zh_run["html"]
    # 环比 of the paying members against Q2, as the card shows it
    mom = want["count_members"] / prev["count_members"] - 1
    block = html[html.index('data-metric="count_members"'):html.index('data-metric="count_new"')]
    assert f"{'▲' if mom > 0 else '▼'} {fmt.pct(abs(mom))}" in block
    # new members: Q2 2025 has a year of history before it, Q3 2024 does not
    block = html[html.index('data-metric="count_new"'):html.index('data-metric="repurchase_rate"')]
    new_mom = want["count_new"] / prev["count_new"] - 1
    assert f"{'▲' if new_mom > 0 else '▼'} {fmt.pct(abs(new_mom))}" in block
    assert "同比 <span style=\"color:#868e96\">—</span>" in block and "不比较" in block
    # the CLV card is the CLV of every member scored at the period's end (the workbook's sum)
    value = _sheet(zh_run["wb"], "会员价值")
    assert cards["sum_clv_fen"] == pytest.approx(value["预计未来价值 (元)"].sum() * 100, rel=1e-9)


def test_actions_follow_the_lists_and_land_on_their_sections(zh_run):
    html, wb = zh_run["html"], zh_run["wb"]
    block = html[html.index("ecom-actions"):html.index("ecom-changes")]
    links = re.findall(r'<a href="#([a-z-]+)">', block)
    assert links and links[0] == "win-back"
    for anchor in set(links):  # every link lands on a section of the page
        assert f'id="{anchor}"' in html, anchor
    todo = _sheet(wb, "今日要做")
    assert len(todo) == len(links)
    back = _sheet(wb, "流失挽回名单")
    total = round(back["净销售额 (元)"].sum() * 100)
    assert todo["事项"][0].startswith(f"召回 {len(back):,} 位快流失的高价值会员：过去共消费 {fmt.wan(total)}")
    assert (back["仍活跃概率"] <= 0.3).all() and (back["距上次购买(天)"] <= 365).all()
    assert back["净销售额 (元)"].is_monotonic_decreasing
    vip = int((back["建议动作"] == "客服一对一回访并发专属券").sum())
    assert (f"{vip} 位建议客服一对一回访" in todo["事项"][0]) == (vip > 0)
    combos = _sheet(wb, "平台组合")
    cross = combos[combos["平台数"] > 1]
    single = combos[combos["平台数"] == 1]
    pays_more = cross["实付金额 (元)"].sum() / cross["付款会员数"].sum() > \
        single["实付金额 (元)"].sum() / single["付款会员数"].sum()
    assert ("platforms" in links) == bool(pays_more)


def test_win_back_list_names_each_member_s_last_order_and_no_key(zh_run, demo_warehouse):
    back = _sheet(zh_run["wb"], "流失挽回名单")
    assert len(back) > 0 and not [c for c in back.columns if "会员" == c or "编号" in c]
    with Warehouse(demo_warehouse, read_only=True) as wh:
        lines = wh.sql(f"""SELECT platform, shop_id, order_id, member_key, MIN(sales_date) AS day,
                                  MAX(paid_at) AS paid_at
                           FROM int_order_lines WHERE is_paid AND member_key IS NOT NULL
                             AND sales_date <= DATE '{B}' GROUP BY ALL""")
        names = dict(wh.sql("SELECT shop_id, shop_name FROM shops").values)
        keys = set(wh.sql("SELECT DISTINCT member_key FROM int_order_lines "
                          "WHERE member_key IS NOT NULL")["member_key"])
    by_order = lines.set_index("order_id")
    zh_platform = {"天猫": "tmall", "京东": "jd", "拼多多": "pdd", "抖音": "douyin"}
    for r in back.head(40).itertuples(index=False):
        o = by_order.loc[r[2]]
        assert zh_platform[r[0]] == o.platform and names[o.shop_id] == r[1]
        assert pd.Timestamp(r[3]) == pd.Timestamp(o.day)
        mine = lines[lines.member_key == o.member_key]
        assert pd.Timestamp(o.paid_at) == pd.to_datetime(mine["paid_at"]).max()  # the latest one
    # no member key anywhere: not in the page, not in any cell of the workbook
    text = zh_run["html"]
    assert not [k for k in keys if k in text or k[:6] + "…" in text]
    cells = {str(c) for ws in zh_run["wb"].worksheets for row in ws.iter_rows(values_only=True)
             for c in row if c is not None}
    assert not keys & cells


def test_excel_can_be_sent_on_as_it_is(zh_run):
    wb = zh_run["wb"]
    assert {"今日要做", "流失挽回名单", "高价值会员", "新会员与老会员", "复购率", "同期群留存",
            "RFM分层", "会员价值", "平台组合", "省份", "商品搭配"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        heads = [c.value for c in ws[1]]
        assert not [h for h in heads if SNAKE.search(str(h))], (ws.title, heads)
        assert all(CJK.search(str(h)) or h in ("RFM分层",) for h in heads), (ws.title, heads)
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
        for j, h in enumerate(heads):
            vals = [r[j] for r in ws.iter_rows(min_row=2, max_row=min(ws.max_row, 30))
                    if r[j].value is not None]
            if str(h).endswith("(元)"):  # money in yuan with a number format, never units
                assert all(c.number_format == "#,##0.00" for c in vals), (ws.title, h)
            elif str(h).endswith(("率", "占比")) or h.startswith("置信度") or \
                    (ws.title == "同期群留存" and h.startswith("第")):
                assert all(c.number_format == "0.0%" for c in vals), (ws.title, h)
            if h in ("最近订单日", "窗口开始", "窗口结束"):
                assert all(c.is_date and c.number_format == "YYYY-MM-DD" for c in vals), (ws.title, h)
            if h in ("首购月份", "月份"):
                assert all(c.is_date and c.number_format == "YYYY-MM" for c in vals), (ws.title, h)
            if h == "最近订单号":  # text: a long order id never becomes 2.8E+11
                assert all(c.data_type == "s" for c in vals), ws.title
            assert not any(isinstance(c.value, bool) for c in vals), (ws.title, h)  # 是/否
    back = _sheet(wb, "流失挽回名单")
    assert list(back.columns[:4]) == ["平台", "店铺", "最近订单号", "最近订单日"]
    assert back["跟进结果"].isna().all() and back["建议券"].str.match(r"^满\d+减\d+$").all()
    assert set(back["店铺"]) <= {"山野生活官方旗舰店", "山野生活食品旗舰店", "山野生活京东旗舰店",
                                "山野生活拼多多旗舰店", "山野生活抖音旗舰店"}


def test_period_resolved_by_hand_is_the_runners(zh_run, demo_warehouse):
    p = zh_run["manifest"]["parameters"]
    with Warehouse(demo_warehouse, read_only=True) as wh:
        by_hand = rep.resolve_period(wh, "last_quarter", "2025-12-31")
        from_runner = rep.resolve_period(wh, p["period"], p["as_of"], p["start"], p["end"],
                                         p["previous_start"], p["previous_end"],
                                         p["year_ago_start"], p["year_ago_end"])
        default = rep.resolve_period(wh)  # empty period: the report's default, as of latest
    assert by_hand == from_runner
    assert default.name == "last_12_months" == periods.DEFAULT_PERIOD["members"]
    assert (default.start.isoformat(), default.end.isoformat()) == ("2025-01-01", "2025-12-31")


def test_a_period_without_sales_ends_empty(demo_warehouse, tmp_path):
    res = runner.run_report("members", warehouse=demo_warehouse, out_root=tmp_path,
                            extra={"period": "custom", "start": "2023-01-01", "end": "2023-03-31"})
    assert res.status == "empty" and "没有销售数据" in res.error


def test_an_incomplete_period_is_marked_and_compared_over_as_many_days(demo_warehouse):
    """The data end on 2025-12-31: a custom period to 2026-01-31 covers 31 of its 62 days;
    its 环比 window (the 62 days before, from 2025-09-30) is cut to the same 31 days, and the
    last week of the weekly table is marked as cut."""
    with Warehouse(demo_warehouse, read_only=True) as wh:
        P = rep.resolve_period(wh, "custom", "", "2025-12-01", "2026-01-31")
        R = rep.build_report(wh, P)
    assert R["incomplete"] and R["covered_days"] == 31
    assert R["previous"] == (pd.Timestamp("2025-09-30"), pd.Timestamp("2025-10-30"))
    members = next(c for c in R["cards"] if c.metric == "count_members")
    want = _independent(demo_warehouse, "2025-09-30", "2025-10-30")["count_members"]
    assert members.previous == pytest.approx(want)
    assert "本期只有 31/62 天数据" in R["health"]
    assert R["young"] and next(c for c in R["cards"]
                               if c.metric == "net_sales_per_member_fen").previous is None
    assert R["grain"] == "week" and not R["nv"]["is_whole_period"].iloc[-1]


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


def test_first_screen_shows_the_cards_and_the_actions(zh_run, browser):
    ctx, page = _open(browser, Path(zh_run["res"].html))
    try:
        Path("/tmp/ecomlib_members").mkdir(exist_ok=True)
        page.screenshot(path="/tmp/ecomlib_members/first_screen.png")
        assert page.title() == TITLE
        boxes = page.eval_on_selector_all(
            ".ecom-card, .ecom-actions li", "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [e.className || e.tagName, r.top, r.bottom, r.width]; })")
        cards = [b for b in boxes if b[0] == "ecom-card"]
        items = [b for b in boxes if b[0] == "LI"]
        assert len(cards) == len(rep.CARD_METRICS) and items
        for name, top, bottom, width in boxes:  # all on the first screen, nothing to scroll
            assert 0 <= top and bottom <= 900 and width > 0, (name, top, bottom)
        assert len({round(b[1]) for b in cards}) == 1  # one row of cards
        # the first action (win back) lands on the win-back list
        first = page.locator(".ecom-actions a").first
        assert first.get_attribute("href") == "#win-back"
        first.click()
        page.wait_for_timeout(300)
        top = page.eval_on_selector("#win-back", "e => e.getBoundingClientRect().top")
        assert page.evaluate("window.scrollY") > 300 and -2 <= top < 200
    finally:
        ctx.close()


def test_zh_page_has_no_english_sentence_and_no_code(zh_run, browser):
    ctx, page = _open(browser, Path(zh_run["res"].html))
    try:
        text = page.evaluate("document.body.innerText")
        heads = page.eval_on_selector_all("th", "els => els.map(e => e.innerText)")
    finally:
        ctx.close()
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert not ENGLISH.findall(text), ENGLISH.findall(text)[:10]
    for word in ("dim_calendar", "mart_", "int_order_lines", "tmall_flagship", "True", "False",
                 "Traceback", "warehouse", "duckdb", "NaN"):
        assert word not in text, word
    assert "山野生活官方旗舰店" in text and "最近订单号" in heads
    assert all(CJK.search(h) or h in ("RFM分层", "") for h in heads), [h for h in heads if not CJK.search(h)]


def test_en_page_speaks_english(en_run, browser):
    ctx, page = _open(browser, Path(en_run["res"].html))
    try:
        assert page.title() == f"Members · Last quarter {A} to {B}"
        heads = page.eval_on_selector_all("h1, h2, h3, th, .ecom-card div:first-child",
                                          "els => els.map(e => e.innerText)")
        text = page.evaluate("document.body.innerText")
    finally:
        ctx.close()
    # headings, table headers and card labels are words of the report, never data: no Chinese
    assert heads and not [h for h in heads if CJK.search(h)], [h for h in heads if CJK.search(h)][:10]
    assert not SNAKE.findall(text), SNAKE.findall(text)[:10]
    assert "To do today" in text and "今天要做" not in text and "Win-back list" in text
