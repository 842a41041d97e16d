"""The Voila apps end to end: a real Voila server on 127.0.0.1 (started by ecomlib.serve)
and a real headless Chromium (the Debian package at /usr/bin/chromium, driven by Playwright
for Python; no browser download ever).

Checks: the big screen renders figures, Chinese labels and its charts, and refreshes
itself from the warehouse (a change written to the warehouse shows up without a reload;
a locked warehouse shows a message, not a traceback); the explorer's numbers follow its
widgets and equal ecomlib.metrics.dashboard's for the same filter, and an open page keeps its
kernel past the culling time; data files and notebook sources cannot be fetched, even with the
token; requests without the token are refused. (tests/test_serve.py checks the rest of the
server's defaults: stored token, Host check, kernel cap and culling, stop signals.)
Screenshots go to /tmp/ecomlib_apps_e2e/.
"""
from __future__ import annotations

import os
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import apps, bigscreen, demo, fmt, modelling, serve
from ecomlib.metrics import dashboard as db
from ecomlib.metrics import dashboard_queries as dq
from ecomlib.warehouse import Warehouse

CHROMIUM = Path("/usr/bin/chromium")
APPS = Path(__file__).resolve().parents[1] / "notebooks" / "apps"
SHOTS = Path("/tmp/ecomlib_apps_e2e")
REFRESH_S = 3
TOKEN = "e2e-t0ken-" + "x" * 20
CULL_S = 12  # kernels of pages that are not connected stop after this (open pages never)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install the Debian package (`apt-get install chromium "
           "fonts-noto-cjk`, done by `make test`); Playwright's own browser download is never used")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    """Status and body of a GET, without following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def _now(db_path: Path) -> str:
    """The apps' clock: 09:00 of the morning after the demo's last sales day."""
    with Warehouse(db_path, read_only=True) as wh:
        day = dq.latest_sales_date(wh)
    return f"{day + pd.Timedelta(days=1):%Y-%m-%d} 09:00"


def _start(db_path: Path, token: str | None = TOKEN):
    port = _free_port()
    proc = serve.serve(APPS, port, token=token, warehouse=db_path, wait=False,
                       env={"ECOMLIB_APP_REFRESH_SECONDS": str(REFRESH_S),
                            apps.NOW_ENV: _now(db_path)},
                       cull_idle_seconds=CULL_S)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with {proc.returncode}")
        try:
            if _get(base + "/voila/static/voila.js")[0] == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.2)
    serve.stop(proc)
    raise RuntimeError("voila did not become ready within 30 s")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("apps_e2e")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="exports")
    path = root / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.ingest([root / "demo"], context={}, progress=False)
        wh.build()
    return path


@pytest.fixture(scope="module")
def server(warehouse):
    proc, base = _start(warehouse)
    try:
        yield base
    finally:
        serve.stop(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()


def _no_code(body: str) -> None:
    """What a seller must never see on an app page: a traceback, an error, a snake_case
    column name, an English word of a sentence."""
    import re
    assert "Traceback" not in body and "Error" not in body and "nan" not in body.split()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", body), re.search(r"\b[a-z]+_[a-z_]+\b", body)
    words = set(re.findall(r"\b[A-Za-z]{3,}\b", body)) - {"SKU", "ROAS", "GMV", "Excel", "Ctrl", "Mac"}
    # product names may hold units such as 100ml / 250g: no English words beyond the above
    assert not {w for w in words if w.lower() not in ("ml",)}, words


def _value(page, selector: str) -> str:
    return page.locator(selector).get_attribute("data-value")


def _wait_value(page, selector: str, expected, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    got = None
    while time.monotonic() < deadline:
        got = page.locator(selector).get_attribute("data-value") if page.locator(selector).count() else None
        if got == str(expected):
            return
        time.sleep(0.2)
    raise AssertionError(f"{selector}: data-value {got!r}, expected {expected!r}")


def test_big_screen_renders_and_refreshes_from_the_warehouse(server, warehouse, page):
    SHOTS.mkdir(exist_ok=True)
    page.goto(server + f"/voila/render/big_screen.ipynb?token={TOKEN}")
    page.wait_for_selector("#kpi-today-paid_fen")
    with Warehouse(warehouse, read_only=True) as wh:
        day = dq.latest_sales_date(wh)
        days = dq.shop_days(wh, day - pd.Timedelta(days=1), day)
        today = db.totals(days, day, day)
        yesterday = db.totals(days, day - pd.Timedelta(days=1), day - pd.Timedelta(days=1))
        mtd = db.with_ratios(db.totals(dq.shop_days(wh, day.replace(day=1), day)))
        state = db.day_state(day, dq.last_paid_at(wh, day), pd.Timestamp(_now(warehouse)), day)
    body = page.inner_text("body")
    # the morning after the demo's last day: that day is 昨日, its month named by the clock
    # (本月, or 12月 on 1 January)
    first, month = bigscreen.day_words(day, pd.Timestamp(_now(warehouse)))
    assert first == "昨日" and month == ("本月" if day.day < day.days_in_month else f"{day.month}月")
    assert "销售大屏" in body and "昨日实付金额" in body and f"{month}退款率" in body
    head = f"昨日 {day:%Y-%m-%d} {bigscreen.WEEKDAYS['zh'][day.weekday()]}"
    assert (head + (" · 全天" if state.kind == "whole" else " · 数据只到")) in body
    assert "较前一日" in body and "较上月同期" in body and "退款滞后数日，不比较" in body
    assert "库存预警" in body and "数据不是最新" not in body
    _no_code(body)
    assert _value(page, "#kpi-today-paid_fen") == str(today["paid_fen"].iat[0])
    assert _value(page, "#kpi-mtd-buyer_days") == str(mtd["buyer_days"].iat[0])
    assert fmt.wan(mtd["paid_fen"].iat[0]) in body
    if state.kind == "whole":  # whole days: the change is today's paid over yesterday's
        change = db.change_rate(today["paid_fen"].iat[0], yesterday["paid_fen"].iat[0])
        assert fmt.pct(abs(change)) in page.inner_text("#kpi-today-paid_fen")
    # readable from across the room: the KPI values are at least 40 px high
    size = page.eval_on_selector("#kpi-today-paid_fen .ecom-kpi-value",
                                 "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 40
    # the whole screen fits 1920x1080: nothing below the fold
    height = page.evaluate("document.querySelector('.ecom-bigscreen').getBoundingClientRect().bottom")
    assert height <= 1080, height
    page.wait_for_function("document.querySelectorAll('.ecom-bigscreen img').length >= 3 && "
                           "[...document.querySelectorAll('.ecom-bigscreen img')]"
                           ".every(i => i.complete && i.naturalWidth > 300)")
    page.screenshot(path=str(SHOTS / "big_screen.png"))

    # the timer re-queries the warehouse: write a change (+100 yuan on one line paid today)
    # and rebuild the marts, as an ingest does
    with Warehouse(warehouse, read_only=True) as wh:
        line = wh.sql("SELECT platform, shop_id, order_id, line_id FROM int_order_lines "
                      "WHERE sales_date = $d AND is_paid AND currency = 'CNY' LIMIT 1",
                      {"d": day.date()}).iloc[0]
    con = None
    deadline = time.monotonic() + 20
    while con is None:  # the app holds the file for a moment every few seconds
        try:
            import duckdb
            con = duckdb.connect(str(warehouse))
        except duckdb.IOException:
            assert time.monotonic() < deadline, "could not open the warehouse for writing"
            time.sleep(0.1)
    try:
        con.execute("UPDATE order_lines SET paid_fen = paid_fen + 10000 WHERE platform = ? AND "
                    "shop_id = ? AND order_id = ? AND line_id = ?", list(line))
        modelling.build(con, full=True)
        # while we hold the write lock, the screen says so (no traceback) and keeps its numbers
        page.wait_for_selector("text=数据仓库正在被写入", timeout=25_000)
        assert _value(page, "#kpi-today-paid_fen") == str(today["paid_fen"].iat[0])
    finally:
        con.close()
    _wait_value(page, "#kpi-today-paid_fen", today["paid_fen"].iat[0] + 10000, 25)
    assert "数据仓库正在被写入" not in page.inner_text("body")


def test_explorer_numbers_follow_the_widgets(server, warehouse, page, tmp_path):
    import openpyxl

    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server + f"/voila/render/explorer.ipynb?token={TOKEN}")
    page.wait_for_selector("#kpi-paid_fen")
    with Warehouse(warehouse, read_only=True) as wh:
        last = dq.latest_sales_date(wh)
        state = db.day_state(last, dq.last_paid_at(wh, last), pd.Timestamp(_now(warehouse)))
        if state.kind != "whole":  # the quick periods end at the last complete day
            last -= pd.Timedelta(days=1)
        start = last.replace(day=1)
        every = db.with_ratios(db.totals(dq.shop_days(wh, start, last)))
        jd = db.with_ratios(db.totals(dq.shop_days(wh, start, last, platforms=["jd"])))
        both = db.totals(dq.shop_days(wh, start, last, platforms=["jd", "tmall"]))
    assert _value(page, "#kpi-paid_fen") == str(every["paid_fen"].iat[0])
    body = page.inner_text("body")
    assert "实付金额" in body and "访客数" in body and "转化率" in body and "ROAS(投产比)" in body
    assert f"本期 {start:%Y-%m-%d} 至 {last:%Y-%m-%d}" in body
    _no_code(body)
    page.wait_for_function("document.querySelector('.ecom-explorer img') && "
                           "document.querySelector('.ecom-explorer img').naturalWidth > 300")
    # the first screen holds the pickers, the download and both rows of cards
    for sel in (".ecom-platforms", ".ecom-metric", "#excel-download", "#kpi-refund_rate"):
        assert page.locator(sel).bounding_box()["y"] < 900, sel
    page.screenshot(path=str(SHOTS / "explorer.png"))
    page.locator(".ecom-chart").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "explorer_chart.png"))

    # the Excel of the view, downloaded by the browser
    with page.expect_download() as dl:
        page.click("#excel-download")
    assert dl.value.suggested_filename == f"经营数据_{start:%Y-%m-%d}至{last:%Y-%m-%d}.xlsx"
    dl.value.save_as(tmp_path / "view.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "view.xlsx")
    assert wb.sheetnames == ["汇总", "环比同比", "分店铺", "每日", "筛选条件"]
    assert wb["汇总"]["D2"].value == pytest.approx(every["paid_fen"].iat[0] / 100)

    # the metric orders the shop table and draws the chart
    chart_src = page.get_attribute(".ecom-explorer img", "src")
    page.select_option(".ecom-metric select", label="访客数")
    page.wait_for_function("() => document.querySelector('#by-shop').dataset.metric === 'visitors'")
    page.wait_for_function("src => document.querySelector('.ecom-explorer img').src !== src",
                           arg=chart_src)
    # the note under the chart is its own widget message, after the image's
    page.wait_for_function("() => { const n = document.querySelector('.ecom-chart-note'); "
                           "return n && n.innerText.includes('每个点是一天的访客数'); }")
    page.select_option(".ecom-metric select", label="实付金额")
    page.wait_for_function("() => document.querySelector('#by-shop').dataset.metric === 'paid_fen'")

    chart_src = page.get_attribute(".ecom-explorer img", "src")
    page.select_option(".ecom-platforms select", label=["京东"])
    _wait_value(page, "#kpi-paid_fen", jd["paid_fen"].iat[0])
    assert jd["paid_fen"].iat[0] < every["paid_fen"].iat[0]
    assert _value(page, "#kpi-buyer_days") == str(jd["buyer_days"].iat[0])
    assert _value(page, "#kpi-refund_fen") == str(jd["refund_fen"].iat[0])
    cards = page.inner_text("#kpi-paid_fen")
    assert fmt.yuan(jd["paid_fen"].iat[0]) in cards
    # the table and chart widgets update right after the cards (separate widget messages)
    page.wait_for_function("() => { const t = document.querySelector('#by-shop'); "
                           "return t && t.innerText.includes('京东') && !t.innerText.includes('天猫'); }")
    page.wait_for_function("src => document.querySelector('.ecom-explorer img').src !== src",
                           arg=chart_src)
    page.screenshot(path=str(SHOTS / "explorer_jd.png"), full_page=True)

    # the open page keeps its kernel past the culling time (cull_connected=False)
    time.sleep(CULL_S + 6)
    page.select_option(".ecom-platforms select", label=["京东", "天猫"])
    _wait_value(page, "#kpi-paid_fen", both["paid_fen"].iat[0])


def test_data_files_and_sources_are_refused(server, warehouse):
    for path in ("/voila/files/big_screen.ipynb", "/voila/files/explorer.ipynb",
                 "/voila/files/../../data/warehouse.duckdb",
                 f"/voila/files/{warehouse}", "/voila/files/../../tests/data/mini/orders.csv",
                 "/files/big_screen.ipynb", "/api/contents/big_screen.ipynb",
                 "/voila/render/../overview.ipynb", "/voila/files/%2e%2e/overview.ipynb"):
        status, body = _get(server + path, headers={"Authorization": f"token {TOKEN}"})
        assert status in (403, 404), f"{path}: {status}"
        status, body = _get(server + path)  # without the token: the login page at most
        assert status in (302, 403, 404), f"{path} without token: {status}"
        assert "order_id" not in body and '"cells"' not in body, path


def test_token_is_required_when_set(warehouse):
    proc, base = _start(warehouse, token="t0ken-e2e")
    try:
        for path in ("/", "/voila/render/explorer.ipynb"):
            status, body = _get(base + path)
            assert status in (302, 403), f"{path} without token: {status}"
            assert "ecom-explorer" not in body
        assert _get(base + "/voila/render/explorer.ipynb?token=wrong")[0] in (302, 403)
        status, _ = _get(base + "/?token=t0ken-e2e")
        assert status == 200
        status, _ = _get(base + "/", headers={"Authorization": "token t0ken-e2e"})
        assert status == 200
        cfg = proc.config_dir  # the private voila.json: read by Voila at start, then removed
        assert not cfg.exists()
        assert "t0ken-e2e" not in " ".join(proc.args)
    finally:
        serve.stop(proc)
    assert not cfg.exists()
