"""Demand forecasting: intermittent-demand methods by hand, calendar flags, scoring by hand,
no look-ahead in the backtest, and the backtest + policy replay on demo data (the claims the
inventory report makes: the model beats seasonal naive on most categories; the suggested
policy has fewer stock-out days and less capital in stock than the demo's own ordering)."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from ecomlib import demo
from ecomlib.models import forecast as F
from ecomlib.models import replenish as rp


def test_croston_sba_tsb_by_hand():
    y = [0, 3, 0, 0, 2]
    # first demand 3 at position 2 -> z = 3, p = 2; next demand 2 after 3 periods:
    # z = 3 + 0.1 (2 - 3) = 2.9, p = 2 + 0.1 (3 - 2) = 2.1 -> 1.380952; SBA x 0.95 = 1.311905
    assert F.croston(y, 0.1) == pytest.approx(2.9 / 2.1)
    assert F.sba(y, 0.1) == pytest.approx(2.9 / 2.1 * 0.95)
    # TSB: p0 = 2/5, z0 = 2.5; p: .36, .424, .3816, .34344, .409096; z: 2.55 then 2.495
    assert F.tsb(y, 0.1, 0.1) == pytest.approx(0.409096 * 2.495, rel=1e-6)
    assert F.croston([0, 0, 0]) == 0.0 and F.tsb([0, 0]) == 0.0
    # TSB decays while nothing sells; SBA stays where it was (the obsolescence problem)
    assert F.tsb(y + [0] * 20) < 0.15 * F.tsb(y) and F.sba(y + [0] * 20) == F.sba(y)


def test_classify_demand():
    assert F.classify_demand([0, 1, 0, 0, 1, 0]) == "intermittent"   # ADI 3, mean 0.33
    assert F.classify_demand([3, 4, 2, 5, 3, 4]) == "smooth"
    assert F.classify_demand([0, 9, 0, 9, 0, 9]) == "smooth"         # ADI 2 but 4.5 a week


def test_campaign_days_flags_come_from_dim_calendar():
    from ecomlib import calendar_dim
    cal = calendar_dim.frame("2025-06-17", "2025-06-19",
                             campaigns=[{"name": "店庆", "start": pd.Timestamp("2025-06-17").date(),
                                         "end": pd.Timestamp("2025-06-17").date()}])
    flags = F.campaign_days(cal, extra_days=["2025-06-19"]).set_index("date")
    assert flags.loc["2025-06-17", "c618_runup"] == 1 and flags.loc["2025-06-18", "c618_peak"] == 1
    assert flags.loc["2025-06-18", "c618_runup"] == 0
    # c_user: the seller's campaign of dim_calendar and the user-listed day
    assert flags["c_user"].tolist() == [1, 0, 1]
    nov = F.campaign_days(calendar_dim.frame("2025-11-10", "2025-11-11")).set_index("date")
    assert nov.loc["2025-11-10", "c1111_runup"] == 1 and nov.loc["2025-11-11", "c1111_peak"] == 1


def test_the_forecast_has_no_calendar_of_its_own():
    """Issue 19: "4 campaign calendars disagree". Every festival day the forecast flags is a
    day dim_calendar puts in that festival (and phase), over two whole years."""
    from ecomlib import calendar_dim
    cal = calendar_dim.frame("2024-01-01", "2025-12-31")
    flags = F.campaign_days(cal)
    for col, (fest, phases) in F.FESTIVAL_FEATURES.items():
        want = (cal["festival"] == fest) & cal["festival_phase"].isin(phases)
        assert flags[col].astype(bool).tolist() == want.tolist(), col
    # 春节 2025 (Jan 29): the window is dim_calendar's (eve .. eve + 6), 年货节 before it
    f = flags.set_index("date")
    assert f.loc["2025-01-28":"2025-02-03", "cny"].tolist() == [1] * 7
    assert f.loc["2025-01-27", "cny"] == 0 and f.loc["2025-02-04", "cny"] == 0
    assert f.loc["2025-01-04":"2025-01-20", "nianhuo"].tolist() == [1] * 17


def test_weekly_calendar_reads_weeks_and_months_from_the_calendar():
    from ecomlib import calendar_dim
    weeks = pd.DatetimeIndex(["2025-06-09", "2025-06-16", "2025-12-29"])
    cal = calendar_dim.frame("2025-06-01", "2026-01-10")
    wk = F.weekly_calendar(weeks, cal).set_index("week_start")
    # week of 06-16: 16 and 17 are run-up days, 18 the peak
    assert wk.loc["2025-06-16", "c618_runup"] == 2 and wk.loc["2025-06-16", "c618_peak"] == 1
    assert wk.loc["2025-06-09", "c618_runup"] == 7
    # the Thursday decides: 2026-01-01 is in ISO week 1 of 2026, month 1
    assert wk.loc["2025-12-29", "week_of_year"] == 1 and wk.loc["2025-12-29", "month"] == 1
    # the panel's Monday weeks are dim_calendar's week_start
    days = pd.Series(pd.date_range("2025-06-01", "2025-06-30"))
    assert (F._week_start(days) == pd.to_datetime(cal.set_index("day").loc[days.dt.date, "week_start"]).to_numpy()).all()
    with pytest.raises(ValueError, match="dim_calendar has no row for 7 day"):
        F.weekly_calendar(pd.DatetimeIndex(["2026-01-12"]), cal)


def test_weekly_panel_has_zero_weeks_and_drops_partial_week():
    daily = pd.DataFrame({"sales_date": pd.to_datetime(["2025-01-06", "2025-01-21"]), "sku": ["A", "A"],
                          "units": [2, 5], "category": ["x", "x"]})
    p = F.weekly_panel(daily, "2025-01-06", "2025-01-22", skus=["B"])
    # weeks 01-06 and 01-13 only (01-20 .. 01-26 is not complete by 01-22); B never sold
    assert sorted(p["week_start"].dt.strftime("%m-%d").unique()) == ["01-06", "01-13"]
    assert p.set_index(["sku", p["week_start"].dt.strftime("%m-%d")])["units"].to_dict() == {
        ("A", "01-06"): 2, ("A", "01-13"): 0, ("B", "01-06"): 0, ("B", "01-13"): 0}


def test_score_by_hand():
    f = pd.DataFrame({"category": ["x", "x"], "units_actual": [4.0, 0.0], "combined": [3.0, 1.0],
                      "snaive": [0.0, 2.0], "scale": [2.0, 1.0], "demand_class": ["smooth", "smooth"]})
    s = F.score(f, ("category",), methods=("combined", "snaive")).iloc[0]
    assert s["mae_units"] == 1.0 and s["wape_rate"] == pytest.approx(0.5)      # (1+1)/4
    assert s["mase"] == pytest.approx((1 / 2 + 1 / 1) / 2)
    assert s["mae_units_snaive"] == 3.0 and s["wape_snaive_rate"] == pytest.approx(1.5)
    assert s["skill_rate"] == pytest.approx(1 - 1 / 3) and bool(s["beats_snaive"])


# -- demo data ------------------------------------------------------------------------------
CFG = demo.DemoConfig(members=3000, skus=80)


@pytest.fixture(scope="module")
def demo_frames(tmp_path_factory):
    """The demo loaded into a warehouse and read as the report reads it: paid units per
    SKU-day (mart_sales_daily), stock (mart_stock_daily), products and purchase lines with
    their lead times (mart_purchase_lines), and dim_calendar."""
    from ecomlib.metrics import inventory_queries as Q
    from ecomlib.warehouse import Warehouse
    root = tmp_path_factory.mktemp("forecast_demo")
    demo.write_demo(root / "demo", CFG, layout="canonical")
    with Warehouse(root / "w.duckdb") as wh:
        wh.ingest([root / "demo"], progress=False)
        wh.build()
        t = {"products": Q.products(wh),
             "inventory_snapshots": Q.stock_daily(wh, "2024-01-01", "2025-12-31"),
             "purchase_orders": Q.purchase_lines(wh, "2025-12-31"),
             "calendar": Q.calendar(wh, "2023-12-25", "2026-03-31")}
        daily = Q.sku_daily(wh, "2024-01-01", "2025-12-31")
    return t, daily


@pytest.fixture(scope="module")
def demo_backtest(demo_frames):
    t, daily = demo_frames
    panel = F.weekly_panel(daily, "2024-01-01", "2025-12-31", skus=list(t["products"]["sku"]))
    return panel, F.backtest(panel, "2024-12-23", every_weeks=4, horizons=8, intervals=False,
                             calendar=t["calendar"])


def test_backtest_has_no_look_ahead(demo_backtest):
    panel, _ = demo_backtest
    origin = pd.Timestamp("2025-03-03")
    a = F.GlobalForecaster(quantiles=None).fit(panel, origin).predict()
    # scramble every week after the origin: the forecasts from the origin must not move
    later = panel["week_start"] > origin
    rng = np.random.default_rng(1)
    scrambled = panel.copy()
    scrambled.loc[later, "units"] = rng.integers(0, 50, later.sum())
    scrambled.loc[later, "paid_fen"] = rng.integers(0, 10**6, later.sum())
    b = F.GlobalForecaster(quantiles=None).fit(scrambled, origin).predict()
    pd.testing.assert_frame_equal(a, b)


def test_backtest_beats_seasonal_naive_on_most_categories(demo_backtest):
    _, bt = demo_backtest
    cats = bt.by_category
    assert len(cats) == 6
    assert cats["beats_snaive"].sum() >= 5, cats[["category", "mae_units", "mae_units_snaive"]]
    overall = bt.overall.iloc[0]
    # the margin the report prints: at least 10 % lower MAE than seasonal naive overall
    assert overall["skill_rate"] > 0.10, overall
    # and every scored row is out-of-sample: its target week lies after its origin
    assert (bt.forecasts["week_start"] > bt.forecasts["origin"]).all()
    assert bt.seconds < 60


def test_replay_suggested_policy_beats_own_ordering(demo_frames, demo_backtest):
    t, daily = demo_frames
    _, bt = demo_backtest
    out = rp.replay_year(daily, t["inventory_snapshots"], t["purchase_orders"], t["products"],
                         bt.forecasts, "2025-01-01", "2025-12-31", service_level=0.95)
    tb = out["table"].set_index("arm")
    # the replay of the demo's own POs reproduces its stock snapshots exactly
    assert tb.loc["demo_replay", "stockout_days"] == tb.loc["demo_actual", "stockout_days"]
    assert tb.loc["demo_replay", "avg_stock_value_fen"] == pytest.approx(tb.loc["demo_actual", "avg_stock_value_fen"])
    assert tb.loc["suggested", "stockout_days"] < tb.loc["demo_actual", "stockout_days"], tb
    assert tb.loc["suggested", "avg_stock_value_fen"] < tb.loc["demo_actual", "avg_stock_value_fen"], tb


def test_backtest_in_worker_processes_is_the_same(demo_backtest):
    panel, _ = demo_backtest
    kw = dict(last_origin="2025-02-17", every_weeks=4, horizons=4, intervals=True)
    one = F.backtest(panel, "2024-12-23", n_jobs=1, **kw)
    two = F.backtest(panel, "2024-12-23", n_jobs=2, **kw)
    assert len(one.origins) == 3 and one.origins == two.origins
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    pd.testing.assert_frame_equal(one.by_category, two.by_category)
    two_cores = (os.cpu_count() or 1) >= 2
    assert F._backtest_jobs(None, 7, 80, load=0.0) == 1
    assert F._backtest_jobs(None, 7, 600, load=0.2) == (2 if two_cores else 1)
    assert F._backtest_jobs(None, 7, 600, load=float(os.cpu_count())) == 1  # no idle core
    assert F._backtest_jobs(4, 3, 600) == 3 and F._backtest_jobs(2, 1, 600) == 1
