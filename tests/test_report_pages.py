"""Report pages are inert and self-contained, whatever the exports say.

Hostile exports: the demo's export files with an XSS / injection payload planted in every
text field (shop ids and names, product titles and names, SKU and SPU codes, categories,
streamer nicknames, traffic sources, ad tools and plan names, supplier and warehouse codes and
names, refund reasons, cost notes, buyer and seller notes ...), loaded by the real ingest and
run through the real report runner (every report notebook), plus the quality report and the
index. Then, in Debian's Chromium (Playwright; never a downloaded browser) with every request
that is not ``file:`` or ``data:`` aborted and counted, each page must:

* make zero outside requests and show its first screen (the ``<h1>``) within 3 s;
* run nothing: ``window.__xss`` stays undefined, no dialog opens, no script / iframe /
  event-handler element exists in the DOM;
* show the payloads as text (escaped, not dropped);
* carry the Content-Security-Policy and no ``<script>`` at all.

The Excel workbooks beside the reports hold no formula cell. The fast tests at the end check
the pieces (``fmt.table``, ``fmt.md``, ``safe_html``, charts, alert payloads) without a browser.
Screenshots go to /tmp/ecomlib_report_pages/.
"""
from __future__ import annotations

import csv
import io
import re
import time
import zlib
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ecomlib import alerts, demo, fmt, quality, runner, safe_html
from ecomlib.warehouse import Warehouse

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/ecomlib_report_pages")
SMALL = demo.DemoConfig(members=800, skus=60)
FIRST_SCREEN_S = 3.0

#: payloads for free-text fields (names, titles, notes): markup, script, remote fetches,
#: Markdown links/images, spreadsheet formulas, mathtext and template syntax
TEXT_PAYLOADS = (
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    "'><iframe src=javascript:window.__xss=1></iframe>",
    "[点我](javascript:window.__xss=1)",
    "![x](http://evil.example/md.png)",
    '=HYPERLINK("http://evil.example/f","x")',
    "$\\alpha$ &amp; {{7*7}} ${x}",
    "<style>body{display:none}</style>",
    '<img src="http://evil.example/t.png">',
)
#: payloads for code fields (shop ids, SKU/SPU, supplier and warehouse codes): the ingest
#: takes codes without spaces, commas or semicolons, so these have none
CODE_PAYLOADS = (
    "<svg/onload=window.__xss=1>",
    '"><img/src=http://evil.example/c.png/onerror=window.__xss=1>',
    "<script>window.__xss=1</script>",
    '=HYPERLINK("http://evil.example/c")',
    "$x$<b>",
)
#: every export column that holds text (by header), in the demo's files
TEXT_FIELDS = {
    "shop_name", "note", "reason",                                    # canonical files
    "线上商品名称", "商品名称", "分类", "仓库名称", "供应商名称",           # ERP
    "计划名称", "推广工具", "流量来源",                                  # marketing (+ orders)
    "宝贝标题", "商品标题", "店铺名称", "买家留言", "订单备注", "商家备注", "主订单买家留言",
    "物流公司", "商品属性", "套餐信息", "主播昵称",                       # Tmall
    "选购商品", "商品规格", "达人昵称", "取消原因", "流量渠道",             # Douyin
    "发票抬头",                                                       # JD
    "商品",                                                          # Pinduoduo
}
CODE_FIELDS = {
    "shop_id", "店铺", "sku", "商家编码", "商家SKUID", "商家编码-SKU维度", "外部系统编号", "货号",
    "款式编码", "供应商编码", "仓库编码",
}


def _pick(value: str, choices: tuple[str, ...]) -> str:
    return choices[zlib.crc32(value.encode("utf-8")) % len(choices)]


def hostile(value: str, code: bool = False) -> str:
    """The planted form of an export value: a payload in front of the original (the same
    value always gets the same payload, so keys still join across files)."""
    if value is None or str(value).strip() == "":
        return value
    return _pick(value, CODE_PAYLOADS if code else TEXT_PAYLOADS) + value


def _plant_row(header: list[str], row: list[str]) -> list[str]:
    out = list(row)
    for j, h in enumerate(header[:len(out)]):
        h = h.strip().lstrip("\ufeff")
        jd_key = re.fullmatch(r"(.+)@(\d*)#(\d+)", out[j]) if h == "line_id" else None
        if jd_key:  # a JD line's content key (SKU@price#k) holds a code: planted like the code
            out[j] = f"{hostile(jd_key[1], code=True)}@{jd_key[2]}#{jd_key[3]}"
        elif h in TEXT_FIELDS:
            out[j] = hostile(out[j])
        elif h in CODE_FIELDS:
            # codes as Excel mangles them (="...", a leading tab) keep their wrapping
            v = out[j]
            if v.startswith('="') and v.endswith('"'):
                out[j] = '="' + hostile(v[2:-1], code=True) + '"'
            elif v.startswith("\t"):
                out[j] = "\t" + hostile(v[1:], code=True)
            else:
                out[j] = hostile(v, code=True)
    return out


#: one cell of a number column made hostile (in the first data row of these files): the row
#: is quarantined and its reason, which quotes the value, reaches the overview and quality pages
POISON = {"库存.csv": ("实际库存", TEXT_PAYLOADS[0])}


def _plant_csv(path: Path) -> int:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header_at = next(i for i, r in enumerate(rows) if sum(bool(c.strip()) for c in r) > 2)
    header = rows[header_at]
    planted = 0
    for i in range(header_at + 1, len(rows)):
        new = _plant_row(header, rows[i])
        planted += sum(a != b for a, b in zip(new, rows[i]))
        rows[i] = new
    if path.name in POISON:
        col, value = POISON[path.name]
        rows[header_at + 1][header.index(col)] = value
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    out = buf.getvalue()
    if not text.endswith(("\n", "\r")):  # a file cut off mid-row stays cut off
        out = out.rstrip("\r\n")
    path.write_bytes(out.encode("gb18030" if enc == "gb18030" else "utf-8-sig"))
    return planted


def _plant_xlsx(path: Path) -> int:
    import openpyxl
    wb = openpyxl.load_workbook(path)
    planted = 0
    for ws in wb.worksheets:
        rows = list(ws.iter_rows())
        header_at = next((i for i, r in enumerate(rows)
                          if sum(c.value is not None and str(c.value).strip() != "" for c in r) > 2),
                         None)
        if header_at is None:  # a notes sheet, not a table
            continue
        header = [str(c.value or "") for c in rows[header_at]]
        for r in rows[header_at + 1:]:
            vals = ["" if c.value is None else str(c.value) for c in r]
            new = _plant_row(header, vals)
            for c, a, b in zip(r, vals, new):
                if a != b:
                    c.value = b
                    c.data_type = "s"  # text, even when it starts with "=" (a formula otherwise)
                    planted += 1
    wb.save(path)
    return planted


def plant_payloads(folder: Path) -> dict[str, int]:
    """Plant the payloads in every text and code field of every export under ``folder``
    (and in the shop ids of its ``ecom.yaml`` files); returns cells changed per file."""
    changed = {}
    for p in sorted(folder.rglob("*")):
        if p.suffix == ".csv":
            changed[p.name] = _plant_csv(p)
        elif p.suffix == ".xlsx":
            changed[p.name] = _plant_xlsx(p)
        elif p.name == "ecom.yaml":
            cfg = yaml.safe_load(p.read_text(encoding="utf-8"))
            cfg["shops"] = {k: hostile(v, code=True) for k, v in cfg.get("shops", {}).items()}
            p.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
            changed[p.name] = len(cfg["shops"])
    return changed


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory):
    """The demo exports with payloads in every text field -> ingest -> every report, the
    quality report and the index, once for the module."""
    root = tmp_path_factory.mktemp("hostile")
    demo.write_demo(root / "demo", SMALL, layout="exports")
    changed = plant_payloads(root / "demo")
    db = root / "warehouse.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], context={}, progress=False)
        wh.build()  # the marts the reports read
    out = root / "reports"
    own = hostile(demo.OWN_STREAM)
    extra = {"channels": {"own_streams": [own], "campaigns": [
        {"name": TEXT_PAYLOADS[0] + "618", "start": "2025-06-01", "end": "2025-06-18"},
        {"name": TEXT_PAYLOADS[1] + "双11", "start": "2025-10-24", "end": "2025-11-11"}]}}
    results = {}
    for nb in runner.find_notebooks():
        res = runner.run_report(nb, warehouse=db, out_root=out, extra=extra.get(nb.stem))
        results[nb.stem] = res
    with Warehouse(db, read_only=True) as wh:
        qpath = quality.write_report(wh, out / "quality" / "quality.html")
    pages = {name: Path(r.html) for name, r in results.items() if r.html}
    pages["quality"] = qpath
    pages["index"] = out / "index.html"
    pages.update({f"{name}_latest": out / name / "latest.html" for name in results})  # redirects
    return {"root": root, "db": db, "results": results, "pages": pages, "changed": changed,
            "own_stream": own}


# -- the planted data ----------------------------------------------------------------------------
@pytest.mark.slow
def test_payloads_reach_the_warehouse(hostile_reports):
    changed = hostile_reports["changed"]
    assert all(n > 0 for name, n in changed.items() if name != "fx_rates.csv"), changed
    with Warehouse(hostile_reports["db"], read_only=True) as wh:
        con = wh.con
        shops = con.execute("select shop_id, shop_name from shops").df()
        streamers = con.execute("select distinct streamer from orders where streamer is not null"
                                ).df()["streamer"]
        sources = con.execute("select distinct source from traffic").df()["source"]
        plans = con.execute("select distinct campaign from ad_spend").df()["campaign"]
    payloads = TEXT_PAYLOADS + CODE_PAYLOADS
    for values in (shops["shop_id"], shops["shop_name"], streamers, sources, plans):
        assert len(values) and all(any(str(v).startswith(p) for p in payloads) for v in values), \
            list(values)


@pytest.mark.slow
def test_every_report_runs_on_hostile_exports(hostile_reports):
    for name, res in hostile_reports["results"].items():
        assert res.status == "ok", (name, res.error)
    assert set(hostile_reports["pages"]) >= {"overview", "finance", "members", "inventory",
                                             "channels", "quality", "index"}


# -- the pages as files ----------------------------------------------------------------------------
RAW_MARKUP = ("<img src=x onerror", "<svg onload", "<svg/onload", "<script>window",
              "<iframe src=javascript", "<style>body{display:none}", "<img/src=http",
              '<img src="http://evil', "<b>", 'href="javascript', "href='javascript")


@pytest.mark.slow
def test_pages_are_self_contained_with_a_policy(hostile_reports):
    for name, path in hostile_reports["pages"].items():
        page = path.read_text(encoding="utf-8")
        assert safe_html.csp_meta() in page, name
        head = page[page.lower().index("<head"):page.lower().index("</head>")]
        assert head.index("Content-Security-Policy") < head.index("<title"), name
        assert "<script" not in page.lower(), name
        assert "<link" not in page.lower() and "@import" not in page.lower(), name
        assert safe_html.remote_references(page) == [], name
        assert "cdnjs" not in page and "mathjax" not in page.lower(), name
        for raw in RAW_MARKUP:
            assert raw not in page, (name, raw)
        assert "Traceback" not in page, name


@pytest.mark.slow
def test_excel_workbooks_hold_no_formula(hostile_reports):
    import openpyxl
    books = [p for r in hostile_reports["results"].values() for p in Path(r.out_dir).glob("*.xlsx")]
    assert books, "no workbook written"
    starts_eq = 0
    for book in books:
        wb = openpyxl.load_workbook(book)  # formulas stay formulas (data_only=False)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (book.name, ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str) and c.value.startswith("="):
                        starts_eq += 1
    assert starts_eq > 0, "no planted formula text reached a workbook (as text)"
    for path in [p for r in hostile_reports["results"].values() for p in Path(r.out_dir).glob("*.csv")]:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                if cell.startswith("-"):
                    float(cell)  # only a negative number may start with "-"


# -- the pages in a browser ------------------------------------------------------------------------
browser_only = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: install the Debian package (`apt-get install chromium "
           "fonts-wqy-microhei`, done by `make test`); Playwright's own browser download is never used")


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


def _open_offline(browser, path: Path, shot: Path | None = None) -> dict:
    """Open ``path`` with every non-file, non-data request aborted; what happened."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                              java_script_enabled=True)
    outside, dialogs, errors = [], [], []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        t0 = time.monotonic()
        page.goto(path.resolve().as_uri(), wait_until="commit")
        page.wait_for_selector("h1", state="visible", timeout=int(FIRST_SCREEN_S * 1000) + 2000)
        first_screen = time.monotonic() - t0
        page.wait_for_load_state("load", timeout=30_000)
        page.wait_for_timeout(300)  # an onerror/onload would have fired by now
        if shot:
            page.screenshot(path=str(shot))
        info = page.evaluate("""() => ({
            xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),
            text: document.body.innerText,
            active: document.querySelectorAll(
                'script, iframe, object, embed, [onerror], [onload], [onclick], a[href^="javascript"]').length,
            bodyVisible: getComputedStyle(document.body).display !== 'none',
            h1: document.querySelector('h1') ? document.querySelector('h1').innerText : null,
            title: document.title})""")
    finally:
        ctx.close()
    return {**info, "outside": outside, "dialogs": dialogs, "errors": errors,
            "first_screen_s": first_screen}


@pytest.fixture(scope="module")
def opened(hostile_reports, browser):
    SHOTS.mkdir(exist_ok=True)
    return {name: _open_offline(browser, path, SHOTS / f"{name}.png")
            for name, path in hostile_reports["pages"].items()}


@pytest.mark.slow
@browser_only
def test_zero_outside_requests_and_a_quick_first_screen(opened):
    for name, got in opened.items():
        assert got["outside"] == [], (name, got["outside"])
        assert got["first_screen_s"] < FIRST_SCREEN_S, (name, got["first_screen_s"])
        assert got["bodyVisible"] and got["h1"], name
        assert got["title"], name


@pytest.mark.slow
@browser_only
def test_the_checks_see_live_markup(browser, tmp_path):
    """The browser checks are not blind: a page with the payloads unescaped and no policy
    makes outside requests and runs the script."""
    page = tmp_path / "raw.html"
    page.write_text("<!doctype html><html><head><meta charset='utf-8'><title>raw</title></head>"
                    f"<body><h1>raw</h1>{TEXT_PAYLOADS[0]}{TEXT_PAYLOADS[-1]}</body></html>",
                    encoding="utf-8")
    got = _open_offline(browser, page)
    assert got["xss"] == "1" and got["active"] > 0
    assert any("evil.example" in u for u in got["outside"])
    hardened = tmp_path / "hardened.html"
    hardened.write_text(safe_html.harden_page(page.read_text(encoding="utf-8")), encoding="utf-8")
    got = _open_offline(browser, hardened)  # the policy alone already stops both
    assert got["xss"] is None and got["outside"] == []


@pytest.mark.slow
@browser_only
def test_payloads_stay_text(opened, hostile_reports):
    for name, got in opened.items():
        assert got["xss"] is None, (name, got["xss"])
        assert got["dialogs"] == [], (name, got["dialogs"])
        assert got["active"] == 0, name
        assert got["errors"] == [], (name, got["errors"])
    # the payloads are shown as the text they are (escaped, not dropped), in every report
    for name in ("overview", "finance", "members", "inventory", "channels", "quality"):
        text = opened[name]["text"]
        shown = [p for p in TEXT_PAYLOADS + CODE_PAYLOADS if p in text]
        assert shown, f"{name}: no planted payload visible as text"
    channels = opened["channels"]["text"]
    own = hostile_reports["own_stream"]
    assert own in channels  # the streamer nickname, as text
    for p in TEXT_PAYLOADS[:3]:  # campaign names (parameters) and export text
        assert p in channels, p
    assert "javascript:window.__xss=1" in channels  # the Markdown link stays text


# -- the pieces, fast --------------------------------------------------------------------------------
def test_table_escapes_every_cell_and_header():
    df = pd.DataFrame({"shop_id": ['<img src=x onerror="x()">'], "<b>h</b>": ["a&b"],
                       "paid_fen": [100]})
    html = fmt.table(df, style=True).to_html()
    assert "<img src=x" not in html and "<b>h</b>" not in html
    assert "&lt;img src=x onerror=&#34;x()&#34;&gt;" in html and "&lt;b&gt;h&lt;/b&gt;" in html
    assert "a&amp;b" in html and "¥1.00" in html


def test_sentence_is_escaped_markdown():
    s = fmt.md("店铺 **<script>x()</script>** 在 `<b>` [a](javascript:x()) ![i](http://e/x.png)")
    html = s._repr_html_()
    assert "<script" not in html and "<b>" not in html and "<a " not in html and "<img" not in html
    assert "<strong>&lt;script&gt;x()&lt;/script&gt;</strong>" in html
    assert "<code>&lt;b&gt;</code>" in html and "[a](javascript:x())" in html
    assert s.data.startswith("店铺") and str(s) == s.data
    from IPython.core.formatters import DisplayFormatter
    data, _ = DisplayFormatter().format(s)
    assert set(data) == {"text/html", "text/plain"}  # no text/markdown for a renderer to trust


def test_harden_page_removes_scripts_and_adds_the_policy():
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title>"
            "<script src='https://cdn.example/require.js'></script>"
            "<script type='text/x-mathjax-config'>MathJax.Hub.Config({})</script>"
            "<link rel='stylesheet' href='https://fonts.example/css'>"
            "<style>@import url('https://fonts.example/x.css');p{color:red}</style></head>"
            "<body><h1>x</h1><SCRIPT>alert(1)</SCRIPT><script>unclosed</body></html>")
    out = safe_html.harden_page(page, "渠道 <报告>")
    assert "<script" not in out.lower() and "<link" not in out and "@import" not in out
    assert out.index(safe_html.csp_meta()) == out.index("<head>") + len("<head>")
    assert "<title>渠道 &lt;报告&gt;</title>" in out and "p{color:red}" in out
    assert safe_html.remote_references(out) == []
    assert safe_html.harden_page(out, "渠道 <报告>") == out  # idempotent
    assert "script-src" not in safe_html.CSP and "default-src 'none'" in safe_html.CSP


def test_chart_text_is_never_mathtext():
    import matplotlib
    matplotlib.use("Agg")
    from ecomlib import plots
    plots.setup("zh")
    assert matplotlib.rcParams["text.parse_math"] is False
    df = pd.DataFrame({"name": ["$\\alpha$ 店", "5$ off $"], "paid_fen": [100, 200]})
    fig = plots.bar_ranked(df, "name", "paid_fen", title="$x^2$ <b>")
    fig.savefig(io.BytesIO(), format="png")  # unbalanced $ would raise with mathtext on
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any("$\\alpha$" in t for t in labels)


def test_robot_markdown_gets_no_links_or_markup():
    msg = "店铺 [点我](javascript:x()) ![i](http://e/x.png) <img src=x onerror=x()>\n### 标题"
    for payload in (alerts.dingtalk_payload([{"message": msg}], "t [x](y)"),
                    alerts.wecom_payload([msg], "t")):
        text = payload["markdown"].get("text") or payload["markdown"]["content"]
        assert "](" not in text and "<img" not in text and "\n### 标题" not in text
        assert "点我" in text and "javascript:x()" in text  # the words stay readable
    assert alerts.generic_payload([{"message": msg}])["alerts"][0]["message"] == msg


def test_index_and_latest_pages_escape_and_carry_the_policy(tmp_path):
    out = tmp_path / "reports"
    run = out / "overview" / "2025-01-01" / "x"
    run.mkdir(parents=True)
    (run / "overview.html").write_text("<h1>x</h1>", encoding="utf-8")
    import json
    (run / "manifest.json").write_text(json.dumps({
        "notebook": "overview", "label": "<img src=x onerror=x()>", "status": "failed",
        "started_at": "2025-01-01T00:00:00+08:00", "duration_s": "<b>",
        "error": "<script>x()</script>", "html": str(run / "overview.html")}), encoding="utf-8")
    page = runner.write_index(out).read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<script" not in page and "<b>" not in page
    assert safe_html.csp_meta() in page
    runner._point_latest(out, "overview", run, run / "overview.html")
    latest = (out / "overview" / "latest.html").read_text(encoding="utf-8")
    assert safe_html.csp_meta() in latest and "2025-01-01/x/overview.html" in latest


def test_csv_export_cells_are_never_formulas(tmp_path):
    from ecomlib import excel
    from ecomlib.metrics import finance_report as fi
    df = pd.DataFrame({"waybill_no": ['=HYPERLINK("http://evil.example")', "+1", "-2+3", "@SUM(A1)",
                                      "\t=1", "ok", None],
                       "fee_fen": [100, -250, 0, 1, 2, 3, 4]})
    rows = list(csv.reader(io.StringIO(fi.export_csv(df, tmp_path / "c.csv").read_text(
        encoding="utf-8-sig"))))
    cells = [r[0] for r in rows[1:]]
    assert cells == ['\'=HYPERLINK("http://evil.example")', "'+1", "'-2+3", "'@SUM(A1)", "'\t=1",
                     "ok", ""]
    assert [r[1] for r in rows[1:3]] == ["1.00", "-2.50"]  # numbers stay numbers
    assert excel.formula_safe(pd.Series([-1, 2])).tolist() == [-1, 2]
    # a text column holding other values too, and Arrow-backed text: only text is marked
    mixed = pd.Series(["=1", 5, None, float("nan"), "\rx", "a-b"], dtype=object)
    got = excel.formula_safe(mixed).tolist()
    assert got[0] == "'=1" and got[1] == 5 and got[2] is None and got[4] == "'\rx"
    assert got[5] == "a-b" and got[3] != got[3]
    arrow = pd.Series(["@x", "y", None], dtype="string[pyarrow]")
    assert excel.formula_safe(arrow).tolist()[:2] == ["'@x", "y"]


def test_app_html_escapes_data():
    from ecomlib import bigscreen, explorer
    bad = '<img src=x onerror="window.__xss=1">'
    by = pd.DataFrame({"platform": ["tmall"], "shop_id": ["s1"], **{
        col: [1] for col in explorer.KPIS}})
    html = explorer.table_html(by, {"s1": bad}, "zh")
    assert bad not in html and "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in html
    alerts_ = pd.DataFrame({"sku": [bad], "product_name": [bad], "stock_status": ["out_of_stock"],
                            "on_hand_units": [0], "in_transit_units": [0], "avg_daily_units": [1.0],
                            "days_of_supply": [0.0]})
    html = bigscreen.stock_html(alerts_, "zh", 7, 28)
    assert "<img" not in html and "&lt;img src=x" in html
