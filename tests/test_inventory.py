"""Inventory metrics on the hand-checkable fixture tests/data/inventory (see its README).

Every expected number below is worked out by hand from the fixture's CSV rows (shaped as the
mart rows the report reads)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib.metrics import catalogue
from ecomlib.metrics import inventory as inv

DATA = Path(__file__).parent / "data" / "inventory"
START, END = "2025-01-01", "2025-01-04"


@pytest.fixture(scope="module")
def fx():
    products = pd.read_csv(DATA / "products.csv")
    stock = pd.read_csv(DATA / "stock.csv", parse_dates=["snapshot_date"])
    sales = pd.read_csv(DATA / "sales.csv", parse_dates=["sales_date"])
    po = pd.read_csv(DATA / "purchase_orders.csv", parse_dates=["ordered_on", "promised_on", "received_on"])
    return products, stock, sales, po


@pytest.fixture(scope="module")
def per(fx):
    products, stock, sales, _ = fx
    return inv.sku_period(sales, stock, products, START, END).set_index("sku")


def test_sku_period_by_hand(per):
    # A: sold 2+3+5; stock 8,5,0,0 x 10.00 yuan over 4 days -> avg 13*1000/4 = 3250 fen
    assert per.loc["A", "units_sold"] == 10 and per.loc["A", "cogs_fen"] == 10_000
    assert per.loc["A", "opening_units"] == 10 and per.loc["A", "closing_units"] == 0
    assert per.loc["A", "avg_value_fen"] == pytest.approx(3250.0)
    assert per.loc["A", "stockout_days_sku"] == 2
    # B: no sale in the period, 20 x 500 fen every day
    assert per.loc["B", "units_sold"] == 0 and per.loc["B", "closing_value_fen"] == 10_000
    assert per.loc["B", "avg_value_fen"] == pytest.approx(10_000.0)
    assert per.loc["B", "last_sale_date"] == pd.Timestamp("2024-09-01")
    # C: (4+3+12+10) x 200 / 4 = 1450 fen
    assert per.loc["C", "units_sold"] == 5 and per.loc["C", "cogs_fen"] == 1000
    assert per.loc["C", "avg_value_fen"] == pytest.approx(1450.0)
    assert per.loc["C", "closing_value_fen"] == 2000
    # the terms of the catalogue's ratios: stock at cost x days, daily units, 动销 counts
    assert per.loc["A", "stock_value_days_fen"] == 13_000 and per.loc["A", "avg_daily_units"] == 2.5
    assert per["count_skus_stocked"].tolist() == [1, 1, 1] and per["count_skus_sold"].tolist() == [1, 0, 1]
    assert per.loc["A", "closing_stock_units"] == 0 and per.loc["C", "closing_stock_units"] == 10


def test_cogs_is_the_sales_rows_cost_of_units_kept_not_units_times_cost(fx):
    """The cost of goods is the model layer's (unit cost x units kept, int_order_lines): a
    returned unit costs nothing, so sku_period must read cogs_fen, not units x unit cost."""
    products, stock, sales, _ = fx
    returned = sales.copy()
    # one of A's five units of 01-03 came back: 4 kept x 1000 fen
    returned.loc[(returned.sku == "A") & (returned.sales_date == "2025-01-03"), "cogs_fen"] = 4000
    per = inv.sku_period(returned, stock, products, START, END).set_index("sku")
    assert per.loc["A", "units_sold"] == 10 and per.loc["A", "cogs_fen"] == 9000
    assert inv.turnover(per.reset_index(), ()).iloc[0]["turnover"] == pytest.approx(10_000 / 14_700)


def test_a_window_without_snapshots_or_without_sales(fx):
    """Sales and no stock snapshot in the window (a warehouse without an ERP export), or
    stock and no sale: the dates are missing, not an error."""
    products, stock, sales, _ = fx
    no_stock = inv.sku_period(sales, stock.iloc[0:0], products, START, END).set_index("sku")
    assert no_stock.loc["A", "units_sold"] == 10 and no_stock["first_stock_date"].isna().all()
    assert no_stock.loc["A", "last_sale_date"] == pd.Timestamp("2025-01-03")
    no_sales = inv.sku_period(sales.iloc[0:0], stock, products, START, END).set_index("sku")
    assert no_sales["last_sale_date"].isna().all() and no_sales["units_sold"].sum() == 0
    assert no_sales.loc["B", "first_stock_date"] == pd.Timestamp("2024-12-31")  # the snapshot before the window


def test_stock_of_several_warehouses_adds_up_per_day(fx):
    products, stock, sales, _ = fx
    a = stock[stock.sku == "A"]
    two = pd.concat([a, a.assign(warehouse_id="W2")])   # the same stock again in W2
    per = inv.sku_period(sales[sales.sku == "A"], two, products, START, END).set_index("sku")
    assert per.loc["A", "opening_units"] == 20 and per.loc["A", "avg_value_fen"] == pytest.approx(6500.0)
    assert per.loc["A", "stockout_days_sku"] == 2            # SKU-days, not warehouse-days


def test_turnover_sell_through_active_rate_by_hand(per):
    total = inv.turnover(per.reset_index(), ()).iloc[0]
    # COGS 11000 / average stock 14700 = 0.748299 turns in 4 days; 4 / 0.748299 = 5.345 days
    assert total["turnover"] == pytest.approx(11_000 / 14_700)
    assert total["turnover_days"] == pytest.approx(5.345454, rel=1e-5)
    # 15 units in 4 days = 3.75/day; 30 units left -> 8 days of supply
    assert total["avg_daily_units"] == pytest.approx(3.75)
    assert total["days_of_supply"] == pytest.approx(8.0)
    # 售罄率 15 / (15 + 30); 动销率: A and C sold of A, B, C stocked
    assert total["sell_through_rate"] == pytest.approx(1 / 3)
    assert total["active_sku_rate"] == pytest.approx(2 / 3)
    assert total["stockout_days_sku"] == 2
    # every ratio is the catalogue's, over the same SKU rows (a ratio of sums)
    for name in inv.TURNOVER_RATIOS:
        got, want = total[name], catalogue.value(name, per)
        assert got == pytest.approx(want) or (np.isnan(got) and np.isnan(want)), name
    cat = inv.turnover(per.reset_index(), ("category",)).set_index("category")
    assert cat.loc["护肤", "turnover"] == pytest.approx(10_000 / 13_250)
    assert cat.loc["护肤", "active_sku_rate"] == pytest.approx(0.5)
    assert cat.loc["零食", "turnover"] == pytest.approx(1000 / 1450)
    assert cat.loc["零食", "days_of_supply"] == pytest.approx(8.0)   # 10 / (5/4)


def test_sell_through_and_active_rate_empty_are_nan():
    assert np.isnan(inv.sell_through_rate(0, 0))
    empty = pd.DataFrame({"opening_units": [0], "closing_units": [0], "units_sold": [0]})
    assert np.isnan(inv.active_sku_rate(empty))


def test_abc_xyz_by_hand(per):
    weekly = pd.DataFrame({"sku": ["A", "A", "C", "C", "B", "B"],
                           "week_start": pd.to_datetime(["2024-12-30", "2025-01-06"] * 3),
                           "units": [4, 6, 5, 0, 0, 0]})
    got = inv.abc_xyz(per.reset_index(), weekly).set_index("sku")
    # value shares: A 10000/11000 (starts at 0 -> A), C starts at 0.909 (< 0.95 -> B), B has 0 -> C
    assert got.loc["A", "value_share_rate"] == pytest.approx(10 / 11)
    assert list(got.loc[["A", "C", "B"], "abc"]) == ["A", "B", "C"]
    # CV: A mean 5 std 1 -> 0.2 (X); C mean 2.5 std 2.5 -> 1.0 (Y); B never sold -> Z
    assert got.loc["A", "cv"] == pytest.approx(0.2) and got.loc["C", "cv"] == pytest.approx(1.0)
    assert list(got.loc[["A", "C", "B"], "abc_xyz"]) == ["AX", "BY", "CZ"]


def test_slow_dead_stock_and_alerts(fx, per):
    _, _, _, po = fx
    st = inv.slow_dead_stock(per.reset_index(), END, po, dead_days=90).set_index("sku")
    assert set(st.index) == {"B", "C"}                     # A has nothing left
    assert st.loc["B", "days_since_last_sale"] == 125      # 2024-09-01 -> 2025-01-04
    assert st.loc["B", "stock_status"] == "dead"
    assert st.loc["C", "stock_status"] == "ok" and st.loc["C", "days_of_supply"] == pytest.approx(8.0)
    assert st.loc["C", "days_since_receipt"] == 1          # received 2025-01-03
    assert st.loc["B", "days_since_receipt"] == 53         # received 2024-11-12: 18 + 31 + 4 days
    assert list(inv.dead_stock_alerts(st.reset_index(), 10_000)["sku"]) == ["B"]
    assert inv.dead_stock_alerts(st.reset_index(), 10_001).empty


def test_stockouts_and_lost_sales_by_hand(fx):
    products, stock, sales, _ = fx
    so = inv.stockouts(sales, stock, products, START, END).set_index("sku")
    assert list(so.index) == ["A"]
    # in-stock days of A (on hand > 0): 12-31 (0 sold), 01-01 (2), 01-02 (3) -> 5/3 a day.
    # 01-03 sold 5 >= 5/3 -> no loss; 01-04 sold 0 -> 5/3 lost. Price 25000 fen / 10 units.
    assert so.loc["A", "stockout_days_sku"] == 2
    assert so.loc["A", "lost_units"] == pytest.approx(5 / 3)
    assert so.loc["A", "lost_sales_fen"] == 4167


def test_stockout_alerts_use_cover_against_lead_time():
    sug = pd.DataFrame({"sku": ["X", "Y"], "days_of_cover": [3.0, 20.0], "lead_days": [10.0, 10.0],
                        "days_to_stockout": [3.0, 5.0]})
    assert list(inv.stockout_alerts(sug)["sku"]) == ["X"]


def test_missing_column_names_function_and_column(fx):
    products, stock, sales, _ = fx
    with pytest.raises(KeyError, match=r"inventory.sku_period: sales frame lacks column\(s\) \['units'\]"):
        inv.sku_period(sales.drop(columns="units"), stock, products, START, END)


def test_policy_changes_by_hand():
    table = pd.DataFrame({"arm": ["demo_actual", "suggested"], "stockout_days": [200, 150],
                          "avg_stock_value_fen": [1000.0, 1200.0]})
    got = inv.policy_changes(table).set_index("arm")
    assert got.loc["suggested", "stockout_change_rate"] == pytest.approx(-0.25)   # 150 / 200 - 1
    assert got.loc["suggested", "capital_change_rate"] == pytest.approx(0.2)      # 1200 / 1000 - 1
    assert got.loc["demo_actual", "stockout_change_rate"] == 0
    assert np.isnan(inv.policy_changes(table.assign(stockout_days=0)).loc[1, "stockout_change_rate"])


# -- 缺货SKU数, case packs, the purchase list and the PO lines to chase ---------------------------
def test_count_skus_out_is_stocked_skus_ending_with_nothing(per):
    # A had 10 at the start and ends with 0: out; B (20) and C (10) end with stock
    assert per["count_skus_out"].to_dict() == {"A": 1, "B": 0, "C": 0}
    assert catalogue.value("count_skus_out", per) == 1


def test_a_sku_without_stock_or_sale_in_the_period_is_not_out(fx):
    products, stock, sales, _ = fx
    # A's stock is 0 from 01-03 and it does not sell on 01-04: not stocked in that day's period
    one = inv.sku_period(sales, stock, products, "2025-01-04", "2025-01-04").set_index("sku")
    assert one.loc["A", "count_skus_stocked"] == 0 and one.loc["A", "count_skus_out"] == 0


def test_case_packs_come_from_the_parameter_sku_before_category(fx):
    products = fx[0]
    got = inv.case_pack_sizes(products, {"护肤": 12, "A": 6}, default=2)
    assert got.to_dict() == {"A": 6, "B": 12, "C": 2}      # SKU entry, category entry, default
    assert inv.case_pack_sizes(products).to_dict() == {"A": 1, "B": 1, "C": 1}
    for bad in (0, 1.5, True, "12"):
        with pytest.raises(ValueError, match="case pack of '护肤'"):
            inv.case_pack_sizes(products, {"护肤": bad})


def test_purchase_list_by_hand(fx):
    products = fx[0]
    sug = pd.DataFrame({"sku": ["B", "A", "C"], "supplier_id": ["S1", "S1", "S2"],
                        "order_units": [24, 10, 0], "order_cost_fen": [0, 0, 0],
                        "stockout_date": pd.to_datetime(["2025-02-01", "2025-01-07", pd.NaT]),
                        "days_of_cover": [np.inf, 5.0, 30.0], "lead_days": [10.0, 9.2, 6.0]})
    packs = inv.case_pack_sizes(products, {"A": 6, "B": 12})
    got = inv.purchase_list(sug, products, packs, pd.Series({"S1": "供应商一"}), "2025-01-05")
    assert list(got["sku"]) == ["A", "B"]                  # C orders nothing; A's cover ends first
    a, b = got.iloc[0], got.iloc[1]
    # A: 10 units -> 2 cases of 6 = 12 units x 10.00 yuan; arrives 01-05 + ceil(9.2) = 01-15,
    # stock incl. in transit lasts 5 days from the stock of 01-04 (to 01-09): runs out first
    assert (a.order_cases, a.order_units, a.order_cost_fen, a.unit_cost_fen) == (2, 12, 12_000, 1000)
    assert a.order_by_date == pd.Timestamp("2025-01-05") and a.expected_arrival_date == pd.Timestamp("2025-01-15")
    assert a.cover_until_date == pd.Timestamp("2025-01-09") and bool(a.arrives_after_stockout)
    assert (a.supplier_name, a.product_name, a.case_pack) == ("供应商一", "精华 A", 6)
    assert (b.order_cases, b.order_units, b.order_cost_fen) == (2, 24, 12_000)
    assert pd.isna(b.cover_until_date) and not b.arrives_after_stockout
    assert inv.purchase_list(sug.assign(order_units=0), products, packs, None, "2025-01-05").empty


def test_overdue_po_lines_by_hand(fx):
    po = fx[3]
    # on 01-03 P4 (promised 12-30) has not arrived yet: it arrives that day -> 4 days overdue
    got = inv.overdue_po_lines(po, "2025-01-03")
    assert got[["po_id", "overdue_days"]].values.tolist() == [["P4", 4]]
    assert got.loc[0, "supplier_name"] == "供应商二"
    assert inv.overdue_po_lines(po, "2025-01-08").empty     # P5 is due on 01-08: not late yet
    got = inv.overdue_po_lines(po, "2025-01-10")
    assert got[["po_id", "overdue_days"]].values.tolist() == [["P5", 2]]
