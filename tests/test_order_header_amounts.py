"""The Taobao 订单报表's order-level money is kept (paid, refund, postage), a cell that does
not parse quarantines the row, and a quality rule compares each order's header with its
lines (+ postage) and its refund cases."""
from __future__ import annotations

from ecomlib import quality
from ecomlib.warehouse import Warehouse

ORDERS = ("订单编号,买家会员名,买家应付货款,买家应付邮费,总金额,买家实际支付金额,订单状态,"
          "订单创建时间,订单付款时间,退款金额\n"
          "1001,a,100.00,10.00,110.00,110.00,交易成功,2025-06-01 10:00:00,2025-06-01 10:01:00,0.00\n"
          # the header says 95.00 but its lines add up to 80.00 + 10.00 postage
          "1002,b,90.00,10.00,100.00,95.00,交易成功,2025-06-01 11:00:00,2025-06-01 11:01:00,20.00\n"
          # money that does not parse: the row is quarantined, not loaded with NULL
          "1003,c,50.00,0.00,50.00,abc,交易成功,2025-06-01 12:00:00,2025-06-01 12:01:00,0.00\n")
ITEMS = ("子订单编号,主订单编号,商家编码,商品价格,购买数量,买家实付金额,订单状态,退款状态,退款金额,"
         "订单付款时间\n"
         "10011,1001,SKU-A,100.00,1,100.00,交易成功,没有申请退款,,2025-06-01 10:01:00\n"
         "10021,1002,SKU-A,50.00,1,50.00,交易成功,退款成功,10.00,2025-06-01 11:01:00\n"
         "10022,1002,SKU-B,40.00,1,30.00,交易成功,没有申请退款,,2025-06-01 11:01:00\n")


def test_header_amounts_kept_checked_and_bad_ones_quarantined(tmp_path):
    (tmp_path / "ExportOrderList.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "ExportOrderDetailList.csv").write_text(ITEMS, encoding="utf-8")
    (tmp_path / "ecom.yaml").write_text('shops: {"*": tm}\n', encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        res = [r for r in wh.ingest([tmp_path], progress=False, context={"salt": b"s"})
               if r.status == "ok"]
        orders_res = [r for r in res if r.table == "orders"][0]
        assert (orders_res.rows_in, orders_res.rows_loaded, orders_res.rows_quarantined) == (3, 2, 1)
        q = wh.quarantine("orders")
        assert q["column"].tolist() == ["买家实际支付金额"] and "'abc'" in q.reason[0]
        o = wh.sql("SELECT order_id, paid_total_fen, refund_total_fen, shipping_fee_fen "
                   "FROM orders ORDER BY 1")
        assert o.values.tolist() == [["1001", 11000, 0, 1000], ["1002", 9500, 2000, 1000]]
        checks = quality.run_checks(wh).set_index("rule_id")
        paid = checks.loc["orders.header_paid_ties_to_lines"]
        assert (paid.count_failing, paid.count_checked) == (1, 2)
        ex = quality.examples(wh, "orders.header_paid_ties_to_lines")
        assert ex[["order_id", "paid_total_fen", "lines_paid_fen", "diff_fen"]].values.tolist() \
            == [["1002", 9500, 8000, 500]]
        ref = quality.examples(wh, "orders.header_refund_ties_to_refunds")
        assert ref[["order_id", "refund_total_fen", "cases_refund_fen", "diff_fen"]].values \
            .tolist() == [["1002", 2000, 1000, 1000]]
