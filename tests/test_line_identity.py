"""Order lines are known by what the export says, not by where they sit: a re-export with
fewer lines or in another order replaces the order's lines (the stale one retired and
counted), an order whose lines come on two export pages keeps both."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecomlib.warehouse import Warehouse

HEAD = "订单号,商品ID,商家SKUID,订购数量,京东价,订单金额,应付金额,余额支付,运费金额,订单状态,下单时间,付款确认时间\n"
CTX = {"shop_id": "jd_a", "salt": b"t"}


def _jd(path: Path, rows: list[str]) -> Path:
    path.write_text(HEAD + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _line(order, sku, qty, price, order_amount, payable, freight="0.00"):
    return (f"{order},9{sku[-3:]},{sku},{qty},{price},{order_amount},{payable},0.00,{freight},"
            "完成,2025-06-18 10:00:00,2025-06-18 10:01:00")


def _lines(wh):
    df = wh.read("order_lines")
    return sorted(zip(df.order_id, df.line_id, df.sku, df.quantity.astype(int),
                      df.paid_fen.astype(int)))


def test_a_re_export_with_fewer_lines_in_another_order_replaces_the_order(tmp_path):
    first = _jd(tmp_path / "jd_1.csv", [
        _line("500001", "SKU-A", 1, "40.00", "70.00", "70.00"),
        _line("500001", "SKU-B", 1, "30.00", "70.00", "70.00")])
    # the order re-exported: SKU-A was removed from it, SKU-B listed first
    again = _jd(tmp_path / "jd_2.csv", [_line("500001", "SKU-B", 1, "30.00", "30.00", "30.00")])
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([first], progress=False, context=CTX)
        assert _lines(wh) == [("500001", "SKU-A@4000#1", "SKU-A", 1, 4000),
                              ("500001", "SKU-B@3000#1", "SKU-B", 1, 3000)]
        (res, _) = wh.ingest([again], progress=False, context=CTX)
        assert _lines(wh) == [("500001", "SKU-B@3000#1", "SKU-B", 1, 3000)]
        assert (res.rows_retired, res.rows_unchanged, res.rows_updated) == (1, 1, 0)
        log = wh.load_log()
        assert int(log.rows_retired.iloc[1]) == 1 and "1 line(s) no longer in the export" in \
            log.message.iloc[1]
        # loading the first export again brings SKU-A back (it holds the whole order too)
        wh.ingest([first], progress=False, context=CTX)
        assert len(_lines(wh)) == 2


def test_an_order_on_two_export_pages_keeps_both_lines(tmp_path):
    """Each page holds one line of a 70.00 order (订单金额 says so): neither page holds the
    whole order, nothing is retired, and each line's paid is its share of the order."""
    p1 = _jd(tmp_path / "page1.csv", [_line("500002", "SKU-A", 1, "40.00", "75.00", "70.00", "5.00")])
    p2 = _jd(tmp_path / "page2.csv", [_line("500002", "SKU-B", 1, "30.00", "75.00", "70.00", "5.00")])
    with Warehouse(tmp_path / "w.duckdb") as wh:
        r1 = wh.ingest([p1, p2], progress=False, context=CTX)
        assert [r.rows_retired for r in r1] == [0, 0, 0, 0]
        # goods paid 65.00 over list values 40 + 30 of the order's 70.00
        assert _lines(wh) == [("500002", "SKU-A@4000#1", "SKU-A", 1, 3714),
                              ("500002", "SKU-B@3000#1", "SKU-B", 1, 2786)]


def test_the_same_sku_twice_in_an_order_are_two_lines(tmp_path):
    f = _jd(tmp_path / "jd.csv", [
        _line("500003", "SKU-A", 1, "40.00", "90.00", "90.00"),
        _line("500003", "SKU-C", 1, "10.00", "90.00", "90.00"),
        _line("500003", "SKU-A", 1, "40.00", "90.00", "90.00")])
    with Warehouse(tmp_path / "w.duckdb") as wh:
        (res, _) = wh.ingest([f], progress=False, context=CTX)
        assert res.rows_quarantined == 0
        assert [x[1] for x in _lines(wh)] == ["SKU-A@4000#1", "SKU-A@4000#2", "SKU-C@1000#1"]
        assert sum(x[4] for x in _lines(wh)) == 9000


def test_taobao_items_without_sub_order_ids_on_two_pages(tmp_path):
    head = "主订单编号,商家编码,商品属性,商品价格,购买数量,买家实付金额,订单状态\n"
    (tmp_path / "p1.csv").write_text(head + "37001,SKU-A,颜色:红,40.00,1,40.00,交易成功\n",
                                     encoding="utf-8")
    (tmp_path / "p2.csv").write_text(head + "37001,SKU-A,颜色:蓝,40.00,1,38.00,交易成功\n",
                                     encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([tmp_path / "p1.csv", tmp_path / "p2.csv"], progress=False,
                  context={"shop_id": "tm", "salt": b"t"})
        df = wh.read("order_lines")
    assert sorted(df.line_id) == ["SKU-A|颜色:红@4000#1", "SKU-A|颜色:蓝@4000#1"]
    assert int(df.paid_fen.sum()) == 7800
