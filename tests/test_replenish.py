"""Replenishment formulas against a textbook example and hand-worked numbers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecomlib.models import replenish as rp

DATA = Path(__file__).parent / "data" / "inventory"


def test_safety_stock_textbook_chopra_meindl():
    """Chopra & Meindl, *Supply Chain Management: Strategy, Planning, and Operation*, chapter
    "Managing Uncertainty in a Supply Chain: Safety Inventory", the example with uncertain
    demand AND lead time: weekly demand D = 2,500, sigma_D = 500, lead time L = 7 weeks,
    sigma_L = 7 weeks, cycle service level 90 %.

      sigma_L(demand over lead time) = sqrt(L sigma_D^2 + D^2 s_L^2)
                                     = sqrt(7 x 500^2 + 2,500^2 x 7^2)
                                     = sqrt(1,750,000 + 306,250,000) = sqrt(308,000,000) = 17,550
      ss = NORMSINV(0.90) x 17,550 = 1.2816 x 17,550 = 22,491 units

    With a reliable lead time (s_L = 0): sqrt(7) x 500 = 1,322.9 and ss = 1,695 units.
    """
    ss = rp.safety_stock(0.90, lead_days=7, sigma_daily=500, demand_daily=2500, sigma_lead_days=7)
    assert float(ss) == pytest.approx(22_491, abs=1)
    ss0 = rp.safety_stock(0.90, lead_days=7, sigma_daily=500, demand_daily=2500, sigma_lead_days=0)
    assert float(ss0) == pytest.approx(1_695.4, abs=0.1)
    # review period adds R to L under the root: sqrt((7 + 1) x 500^2) x 1.2816 = 1,812.4
    ssr = rp.safety_stock(0.90, 7, 500, 2500, 0, review_days=1)
    assert float(ssr) == pytest.approx(1_812.4, abs=0.1)
    # ROP = D L + ss = 17,500 + 22,491
    assert float(rp.reorder_point(2500, 7, ss)) == pytest.approx(39_991, abs=1)


def test_z_value_and_bad_level():
    assert rp.z_value(0.95) == pytest.approx(1.6449, abs=1e-4)
    with pytest.raises(ValueError, match="z_value: service_level must lie strictly between 0 and 1; got 1.2"):
        rp.z_value(1.2)


@pytest.mark.parametrize("pos,S,moq,pack,expected", [
    (130, 200, 50, 12, 72),    # 70 short -> 6 cases of 12
    (190, 200, 50, 12, 60),    # 10 short -> MOQ 50 -> 5 cases = 60
    (200, 200, 50, 12, 0),     # at S: nothing
    (250, 200, 50, 12, 0),     # above S: nothing
    (0, 7.2, 0, 1, 8),         # fractional target rounds up to whole units
])
def test_order_quantity_moq_and_case_packs(pos, S, moq, pack, expected):
    assert rp.order_quantity(pos, S, moq, pack) == expected


def test_infer_case_packs_is_gcd_of_past_orders():
    po = pd.read_csv(DATA / "purchase_orders.csv")
    packs = rp.infer_case_packs(po)
    assert packs.to_dict() == {"A": 24, "B": 24, "C": 10}   # gcd(48, 72); 24; gcd(10, 30)


def test_supplier_performance_by_hand():
    po = pd.read_csv(DATA / "purchase_orders.csv", parse_dates=["ordered_on", "promised_on", "received_on"])
    sp = rp.supplier_performance(po).set_index("supplier_id")
    s1 = sp.loc["S1"]
    # lead times 10, 14, 11 days: mean 11.667, sample std sqrt(8.667 / 2) = 2.0817
    assert s1["lead_days_mean"] == pytest.approx(35 / 3)
    assert s1["lead_days_std"] == pytest.approx(2.0817, abs=1e-4)
    assert s1["promised_days_mean"] == 10
    assert s1["on_time_rate"] == pytest.approx(1 / 3)     # only P1 arrived by its promised day
    assert s1["late_days_mean"] == pytest.approx(5 / 3)   # 0, 4, 1 days late
    assert s1["fill_rate"] == pytest.approx(132 / 144)    # (48 + 60 + 24) / (48 + 72 + 24)
    assert np.isnan(s1["cost_change_rate"])               # one month of orders: no comparison
    s2 = sp.loc["S2"]
    assert s2["count_po_lines"] == 2 and s2["open_po_lines"] == 1
    assert s2["lead_days_mean"] == 10 and s2["on_time_rate"] == 0 and s2["fill_rate"] == 1


def test_policy_table_and_suggestions_by_hand():
    sup = pd.DataFrame({"supplier_id": ["S1"], "lead_days_mean": [10.0], "lead_days_std": [2.0],
                        "promised_days_mean": [10.0]})
    dem = pd.DataFrame({"sku": ["A", "B"], "supplier_id": ["S1", "S1"], "demand_daily": [4.0, 0.0],
                        "sigma_daily": [2.0, 0.0]})
    pol = rp.policy_table(dem, sup, 0.95, review_days=7, moq_cases=1,
                          case_packs=pd.Series({"A": 24, "B": 24})).set_index("sku")
    # SS = 1.6449 x sqrt(17 x 2^2 + 4^2 x 2^2) = 1.6449 x sqrt(132) = 18.898
    assert pol.loc["A", "safety_stock_units"] == pytest.approx(18.898, abs=1e-3)
    assert pol.loc["A", "reorder_point_units"] == pytest.approx(40 + 18.898, abs=1e-3)
    assert pol.loc["A", "order_up_to_units"] == pytest.approx(68 + 18.898, abs=1e-3)
    pos = pd.DataFrame({"sku": ["A", "B"], "on_hand_units": [20, 5], "in_transit_units": [10, 0]})
    sug = rp.suggest_purchases(pol.reset_index(), pos, "2025-01-04",
                               pd.Series({"A": 1000, "B": 500})).set_index("sku")
    # A: position 30 <= ROP 58.9 -> up to 86.9: 57 short -> 3 cases = 72 units, 72,000 fen
    assert sug.loc["A", "order_units"] == 72 and sug.loc["A", "order_cost_fen"] == 72_000
    assert sug.loc["A", "days_to_stockout"] == pytest.approx(5.0)      # 20 on hand / 4 a day
    assert sug.loc["A", "stockout_date"] == pd.Timestamp("2025-01-09")
    assert sug.loc["A", "days_of_cover"] == pytest.approx(7.5)         # (20 + 10) / 4
    assert sug.loc["B", "order_units"] == 0 and pd.isna(sug.loc["B", "stockout_date"])


def test_reconstruct_demand_fills_censored_days_only():
    sales = np.array([[2.0], [4.0], [1.0], [0.0]])
    on_hand = np.array([[5.0], [3.0], [0.0], [np.nan]])
    got = rp.reconstruct_demand(sales, on_hand, window=5)
    # in-stock days: 2 and 4 -> 3 a day; day 2 ended empty with 1 sold -> 3; day 3 unknown
    assert got[:, 0].tolist() == [2.0, 4.0, 3.0, 0.0]


def test_simulate_lost_sales_and_policy_orders():
    demand = np.array([[3.0], [3.0], [3.0], [3.0]])
    arrivals = np.array([[0.0], [0.0], [4.0], [0.0]])
    res = rp.simulate(demand, np.array([5.0]), arrivals)
    # day0 5-3=2; day1 sells 2 loses 1; day2 +4 sells 3 -> 1; day3 sells 1 loses 2
    assert res.on_hand[:, 0].tolist() == [2.0, 0.0, 1.0, 0.0]
    assert res.lost[:, 0].tolist() == [0.0, 1.0, 0.0, 2.0]

    def policy(d, on_hand, on_order):
        return np.array([6.0]) if d == 0 else np.array([0.0])

    res2 = rp.simulate(demand, np.array([5.0]), np.zeros((4, 1)), policy, lambda d, s: (1, 0.5))
    # ordered 6 on day 0, half arrives on day 1: day1 2+3-3 = 2, day2 sells 2 loses 1
    assert res2.on_hand[:, 0].tolist() == [2.0, 2.0, 0.0, 0.0]
    assert res2.orders[["day", "quantity_ordered", "quantity_received", "arrival_day"]].values.tolist() == [[0, 6, 3, 1]]


def test_mart_purchase_lines_gives_the_lead_times_of_the_fixture(tmp_path):
    """int_purchase_lines writes the lead-time rule once: the fixture's canonical columns
    loaded into a warehouse and built give the hand-worked lead_days, promised_days,
    late_days and is_on_time of tests/data/inventory/purchase_orders.csv (and the unit cost
    in CNY fen)."""
    from ecomlib.metrics import inventory_queries as Q
    from ecomlib.warehouse import Warehouse
    want = pd.read_csv(DATA / "purchase_orders.csv", parse_dates=["ordered_on", "promised_on", "received_on"])
    src = tmp_path / "csv"
    src.mkdir()
    (src / "products.csv").write_text((DATA / "products.csv").read_text(encoding="utf-8"), encoding="utf-8")
    want.drop(columns=["lead_days", "promised_days", "late_days", "is_on_time"]).to_csv(
        src / "purchase_orders.csv", index=False, date_format="%Y-%m-%d")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.ingest([src], progress=False)
        wh.build()
        got = Q.purchase_lines(wh, "2025-01-31")
        only_w2 = Q.purchase_lines(wh, "2024-12-31", warehouses=["W2"])
        before = Q.purchase_lines(wh, "2024-11-30")
    cols = ["po_id", "lead_days", "promised_days", "late_days"]
    pd.testing.assert_frame_equal(got[cols].astype({c: "float64" for c in cols[1:]}),
                                  want[cols].astype({c: "float64" for c in cols[1:]}))
    assert got["is_on_time"].tolist()[:4] == [True, False, False, False] and pd.isna(got["is_on_time"].iloc[4])
    assert got["unit_cost_fen"].tolist() == want["unit_cost_fen"].tolist()
    assert only_w2.empty and before["po_id"].tolist() == ["P1", "P2", "P3"]   # ordered up to end
    # and supplier_performance on the mart's rows is the hand-worked table above
    pd.testing.assert_frame_equal(rp.supplier_performance(got), rp.supplier_performance(want))
