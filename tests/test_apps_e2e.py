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

import pytest

from ecomlib import demo, fmt, modelling, serve
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


def _start(db_path: Path, token: str | None = TOKEN):
    port = _free_port()
    proc = serve.serve(APPS, port, token=token, warehouse=db_path, wait=False,
                       env={"ECOMLIB_APP_REFRESH_SECONDS": str(REFRESH_S)},
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
        days = dq.shop_days(wh, day.replace(day=1), day)
        today = db.totals(days, day, day)
        mtd = db.with_ratios(db.totals(days))
    body = page.inner_text("body")
    assert "销售大屏" in body and "今日实付金额" in body and "本月退款率" in body
    assert f"今日 = {day:%Y-%m-%d}（仓库中最新的销售日；仓库数据截至 {day:%Y-%m-%d}）" in body
    assert "库存预警" in body
    assert "Traceback" not in body and "Error" not in body
    assert _value(page, "#kpi-today-paid_fen") == str(today["paid_fen"].iat[0])
    assert _value(page, "#kpi-mtd-buyer_days") == str(mtd["buyer_days"].iat[0])
    assert fmt.wan(mtd["paid_fen"].iat[0]) in body
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


def test_explorer_numbers_follow_the_widgets(server, warehouse, page):
    SHOTS.mkdir(exist_ok=True)
    page.goto(server + f"/voila/render/explorer.ipynb?token={TOKEN}")
    page.wait_for_selector("#kpi-paid_fen")
    with Warehouse(warehouse, read_only=True) as wh:
        last = dq.latest_sales_date(wh)
        start = last.replace(day=1)
        every = db.with_ratios(db.totals(dq.shop_days(wh, start, last)))
        jd = db.with_ratios(db.totals(dq.shop_days(wh, start, last, platforms=["jd"])))
        both = db.totals(dq.shop_days(wh, start, last, platforms=["jd", "tmall"]))
    assert _value(page, "#kpi-paid_fen") == str(every["paid_fen"].iat[0])
    assert "实付金额" in page.inner_text("body")
    page.wait_for_function("document.querySelector('.ecom-explorer img') && "
                           "document.querySelector('.ecom-explorer img').naturalWidth > 300")
    page.screenshot(path=str(SHOTS / "explorer.png"), full_page=True)

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
