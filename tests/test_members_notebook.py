"""notebooks/members.ipynb through the runner on a small demo warehouse (built after the
ingest): its figures equal counts and sums taken here straight from the intermediate order
lines, its sentences name what those numbers say; and it runs, in English, on a period
without data."""
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

START, END = "2025-01-01", "2025-12-31"


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("members_nb")
    demo.write_demo(root / "demo", demo.DemoConfig(members=800, skus=60), layout="canonical")
    db = root / "wh.duckdb"
    with Warehouse(db) as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
    return db


@pytest.fixture(scope="module")
def zh_run(demo_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("members_reports")
    res = runner.run_report("members", warehouse=demo_warehouse, out_root=out,
                            extra={"start": START, "end": END, "lang": "zh"})
    assert res.status == "ok", res.error
    nb = nbformat.read(Path(res.out_dir) / "members.ipynb", as_version=4)
    texts = "\n".join(o["data"]["text/html"] for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs if "text/html" in o.get("data", {}))
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    wb = openpyxl.load_workbook(Path(res.out_dir) / "members.xlsx")
    sheets = {ws.title: pd.DataFrame(list(ws.values)[1:], columns=list(ws.values)[0])
              for ws in wb.worksheets}
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs)
    return {"res": res, "texts": texts, "sheets": sheets, "images": images}


def _lines(db: Path, sql: str) -> pd.DataFrame:
    """Paid lines of known members, straight from int_order_lines."""
    with Warehouse(db, read_only=True) as wh:
        return wh.sql(sql)


def _member_orders(db: Path) -> pd.DataFrame:
    return _lines(db, f"""
        SELECT member_key, platform, shop_id, order_id, MIN(sales_date) AS sales_date,
               SUM(paid_fen) AS paid_fen, SUM(refund_fen) AS refund_fen
        FROM int_order_lines
        WHERE is_paid AND member_key IS NOT NULL AND sales_date <= DATE '{END}'
        GROUP BY member_key, platform, shop_id, order_id""")


def test_header_figures_equal_the_order_lines(zh_run, demo_warehouse):
    o = _member_orders(demo_warehouse)
    o["sales_date"] = pd.to_datetime(o["sales_date"])
    members = o["member_key"].nunique()
    period = o[o["sales_date"] >= START]
    per = period.groupby("member_key").size()
    rate = (per >= 2).sum() / len(per)
    texts = zh_run["texts"]
    assert f"截至期末共 <strong>{members:,}</strong> 位有付款的会员" in texts
    assert f"期内购买 <strong>{len(per):,}</strong> 位，期内复购率 <strong>{rate:.1%}</strong>" in texts
    assert zh_run["images"] >= 8 and "Traceback" not in Path(zh_run["res"].html).read_text(encoding="utf-8")


def test_tables_equal_the_order_lines(zh_run, demo_warehouse):
    o = _member_orders(demo_warehouse)
    o["sales_date"] = pd.to_datetime(o["sales_date"])
    period = o[o["sales_date"] >= START]
    # new vs returning: members per month and the paid of new / returning ones (yuan)
    nv = zh_run["sheets"]["new_vs_returning"]
    first = o.groupby("member_key")["sales_date"].min()
    month = period.assign(m=period["sales_date"].dt.to_period("M").dt.start_time)
    per_month = month.groupby("m")["member_key"].nunique()
    assert nv["count_members"].tolist() == per_month.reindex(
        pd.to_datetime(nv["period_start"])).fillna(0).astype(int).tolist()
    month["new"] = month["member_key"].map(first) >= month["m"]
    want_new = month[month["new"]].groupby("m")["paid_fen"].sum()
    got_new = (nv.set_index(pd.to_datetime(nv["period_start"]))["new_paid_yuan"] * 100).round()
    assert got_new.tolist() == want_new.reindex(got_new.index).fillna(0).tolist()
    # the sentence's returning share: returning paid / all paid of the year (ratio of sums)
    share = month.loc[~month["new"], "paid_fen"].sum() / month["paid_fen"].sum()
    assert f"老客占 <strong>{share:.1%}</strong>" in zh_run["texts"]
    # RFM tiers: every member once; net sales = paid - refunds up to the end
    tiers = zh_run["sheets"]["rfm_tiers"]
    assert tiers["count_members"].sum() == o["member_key"].nunique()
    net = o["paid_fen"].sum() - o["refund_fen"].sum()
    assert round(tiers["net_sales_yuan"].sum() * 100) == net
    # platforms: members by the platforms they bought on in the period
    combos = zh_run["sheets"]["platforms"]
    plats = period.groupby("member_key")["platform"].agg(lambda s: "+".join(sorted(set(s))))
    assert combos.set_index("platforms")["count_members"].to_dict() == plats.value_counts().to_dict()
    assert round(combos["paid_yuan"].sum() * 100) == period["paid_fen"].sum()
    # provinces: every member of the period once, every paid fen of theirs
    prov = zh_run["sheets"]["provinces"]
    assert prov["count_members"].sum() == period["member_key"].nunique()
    assert round(prov["paid_yuan"].sum() * 100) == period["paid_fen"].sum()


def test_basket_figures_equal_the_order_lines(zh_run, demo_warehouse):
    b = _lines(demo_warehouse, f"""
        WITH paid AS (SELECT platform, shop_id, order_id, COUNT(*) AS n_lines
                      FROM int_order_lines WHERE is_paid
                        AND sales_date BETWEEN DATE '{START}' AND DATE '{END}'
                      GROUP BY ALL)
        SELECT COUNT(*) AS orders, SUM(CASE WHEN n_lines >= 2 THEN 1 ELSE 0 END) AS baskets
        FROM paid""").iloc[0]
    assert f"只看含 2 行及以上的付款订单（{int(b.baskets):,} 笔，占 {b.baskets / b.orders:.1%}）" \
        in zh_run["texts"]
    pairs = zh_run["sheets"].get("basket_pairs")
    if pairs is not None and len(pairs):
        p = pairs.iloc[0]
        assert p["support_rate"] == pytest.approx(p["count_pair_orders"] / int(b.baskets))


def test_cross_platform_sentence_follows_the_lines(zh_run, demo_warehouse):
    o = _member_orders(demo_warehouse)
    period = o[pd.to_datetime(o["sales_date"]) >= START]
    g = period.groupby("member_key").agg(n=("platform", "nunique"), paid=("paid_fen", "sum"))
    cross, single = g[g.n > 1], g[g.n == 1]
    if len(cross) and len(single):
        a, s = cross.paid.mean(), single.paid.mean()
        word = "高于" if a > s else "低于"
        assert f"跨平台会员人均实付 ¥{a / 100:,.2f}，{word}单平台会员的 ¥{s / 100:,.2f}" in zh_run["texts"]


def test_runs_in_english_on_a_period_without_data(demo_warehouse, tmp_path):
    res = runner.run_report("members", warehouse=demo_warehouse, out_root=tmp_path,
                            extra={"start": "2023-01-01", "end": "2023-03-31", "lang": "en"})
    assert res.status == "ok", res.error
    html = Path(res.html).read_text(encoding="utf-8")
    assert "No paid orders in the period" in html and "Traceback" not in html
    assert label("count_members", "en") in html or "The models were not fitted" in html
