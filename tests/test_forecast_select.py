"""Forecast candidates and their selection (issue 22): the methods by hand, the conformal
quantile, segments, selection and combination, bottom-up totals, an evaluation whose holdout
cannot move the choice or the intervals, and sentences that follow the numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecomlib.models import forecast as F
from ecomlib.models import forecast_methods as M
from ecomlib.models import forecast_report as FR
from ecomlib.models import forecast_select as FS


def test_croston_sba_tsb_imapa_by_hand():
    y = np.array([[0, 3, 0, 0, 2.0]])
    # Croston: z = 3, p = 2 at the first demand; then z = 2.9, p = 2.1; SBA x 0.95
    assert M.croston(y, 0.1)[0] == pytest.approx(2.9 / 2.1)
    assert M.sba(y, 0.1)[0] == pytest.approx(2.9 / 2.1 * 0.95)
    # TSB from the first demand (week 1): p0 = 2/4, z0 = 2.5; week 1: z 2.55, p .55;
    # weeks 2, 3: p .495, .4455; week 4: z 2.495, p .50095
    assert M.tsb(y, 0.1, 0.1)[0] == pytest.approx(0.50095 * 2.495)
    # read from week 0 instead (leading zero counted): p0 = 2/5 -> the old scalar TSB
    assert M.tsb(y, 0.1, 0.1, start=[0])[0] == pytest.approx(F.tsb([0, 3, 0, 0, 2], 0.1, 0.1))
    # TSB decays while nothing sells, SBA does not
    y2 = np.concatenate([y, np.zeros((1, 20))], axis=1)
    assert M.tsb(y2)[0] < 0.15 * M.tsb(y)[0] and M.sba(y2)[0] == pytest.approx(M.sba(y)[0])
    # IMAPA on 2,0,2,0,2,0 with alpha 0.5: ADI 2 -> levels 1 and 2.
    # k = 1: SES 2 -> 1 -> 1.5 -> .75 -> 1.375 -> .6875; k = 2: buckets 2,2,2 -> 2, / 2 = 1
    assert M.imapa(np.array([[2, 0, 2, 0, 2, 0.0]]), alphas=(0.5,))[0] == pytest.approx((0.6875 + 1) / 2)
    # nothing sold: every method says 0
    z = np.zeros((1, 10))
    for fn in (M.croston, M.sba, M.tsb, M.imapa):
        assert fn(z)[0] == 0.0
    assert (M.auto_ets(z, 3) == 0).all() and (M.auto_theta(z, 3) == 0).all()


def test_window_means_seasonal_naive_ets_theta():
    Y = np.arange(1, 61, dtype=float)[None, :]      # 60 weeks: 1, 2, ..., 60
    assert M.window_mean(Y, 4)[0] == pytest.approx(58.5)
    sn = M.seasonal_naive(Y, 10)
    # origin = week 59 (value 60); h = 1 -> week 8 (value 9); h = 9 -> week 16; h = 10 beyond
    assert sn[0, 0] == 9 and sn[0, 8] == 17
    # a straight line: ETS with a trend and theta 3 both continue it upwards
    ets, th = M.auto_ets(Y, 3), M.auto_theta(Y, 3)
    assert ets[0, 0] > 59 and ets[0, 2] > ets[0, 0]
    assert th[0, 2] > th[0, 0] > 59
    # SES: the level of a constant series is the constant
    lvl, a, sse = M.ses(np.full((1, 8), 4.0))
    assert lvl[0] == pytest.approx(4.0) and sse[0] == pytest.approx(0.0)


def test_conformal_quantile_by_hand():
    s = np.arange(1, 10)                              # n = 9
    assert FS.conformal_quantile(s, 0.8) == 8         # k = ceil(10 x 0.8) = 8
    assert FS.conformal_quantile(s, 0.9) == 9         # k = 9
    assert FS.conformal_quantile(s, 0.95) == np.inf   # k = 10 > n
    assert FS.conformal_quantile(s, 0.1) == 1         # k = 1
    assert FS.conformal_quantile(s[::-1], 0.5) == 5   # order does not matter
    rows = pd.DataFrame({"segment": ["A-smooth"] * 9, "units_actual": np.arange(9.0),
                         "chosen": np.zeros(9)})
    t = FS.conformal_table(rows, min_rows=5, levels=(0.8,))
    r = t.set_index("segment").loc["A-smooth"]
    # r = (y - 0) / 1 = 0..8: lower q 0.1 -> k = 1 -> 0, upper q 0.9 -> k = 9 -> 8
    assert (r["r_lower"], r["r_upper"]) == (0, 8)
    lo, hi = FS.apply_intervals(np.array([3.0]), ["A-smooth"], t, 0.8)
    assert lo[0] == pytest.approx(3.0) and hi[0] == pytest.approx(3 + 8 * 2)
    assert FS.coverage([1, 5, 9], [0, 0, 0], [5, 5, 5]) == pytest.approx(2 / 3)


def test_segments_by_hand():
    Y = np.array([
        [10, 10, 10, 10, 10, 10],   # 60 units, sells every week, steady -> A-smooth
        [0, 0, 9, 0, 0, 1],         # 10 units, ADI 3 (from its first sale), CV^2 high -> lumpy
        [0, 1, 0, 1, 0, 1],         # 3 units, ADI 2, sizes equal -> intermittent
        [0, 0, 0, 0, 0, 0],
    ], dtype=float)
    first = np.array([0, 2, 1, 6])
    seg = FS.segments(Y, first)
    # ABC by units: 60 of 73 is 82 % -> the first SKU is A (0 before it), the second starts
    # at 60/73 = 82 % (B), the third at 70/73 = 96 % (C)
    assert seg.tolist() == ["A-smooth", "B-lumpy", "C-intermittent", "C-intermittent"]  # no demand: ADI inf


def test_select_methods_picks_the_lower_wape_and_combinations():
    y = np.array([10, 10, 10, 10.0])
    rows = pd.DataFrame({"segment": ["s"] * 4, "units_actual": y,
                         "a": [8, 8, 8, 8.0], "b": [12, 12, 12, 12.0], "c": [0, 0, 0, 0.0]})
    ch = FS.select_methods(rows, ["a", "b", "c"], min_segment_rows=1, combine=(2,))
    # a and b each miss by 20 %; their mean is exact
    assert ch.set_index("segment").loc["s", "method"] == "mean(a,b)"
    assert FS.apply_selection(rows, ch).tolist() == [10, 10, 10, 10]
    ch1 = FS.select_methods(rows, ["a", "c"], min_segment_rows=1, combine=())
    assert ch1.set_index("segment").loc["s", "method"] == "a"
    # a segment too small for its own choice takes the one made on all rows
    rows2 = pd.concat([rows, pd.DataFrame({"segment": ["tiny"], "units_actual": [1.0],
                                           "a": [5.0], "b": [5.0], "c": [1.0]})], ignore_index=True)
    ch2 = FS.select_methods(rows2, ["a", "b", "c"], min_segment_rows=3, combine=()).set_index("segment")
    assert ch2.loc["tiny", "method"] == ch2.loc["*", "method"]


def test_reconcile_adds_up():
    f = pd.DataFrame({"sku": ["x", "y", "z"] * 2, "category": ["c1", "c1", "c2"] * 2,
                      "week_start": pd.to_datetime(["2025-01-06"] * 3 + ["2025-01-13"] * 3),
                      "forecast_units": [1.0, 2.0, 4.0, 2.0, 2.0, 2.0]})
    shares = pd.DataFrame({"sku": ["x", "y", "y", "z"], "shop_id": ["s1", "s1", "s2", "s2"],
                           "share": [1.0, 0.25, 0.75, 1.0]})
    r = FS.reconcile(f, shares)
    assert r["total"]["forecast_units"].tolist() == [7.0, 6.0]
    assert r["category"].set_index(["week_start", "category"])["forecast_units"].tolist() == [3.0, 4.0, 4.0, 2.0]
    shop = r["shop"].set_index(["week_start", "shop_id"])["forecast_units"]
    assert shop.tolist() == [1.5, 5.5, 2.5, 3.5]
    for level in ("category", "shop"):
        sums = r[level].groupby("week_start")["forecast_units"].sum()
        assert sums.tolist() == r["total"]["forecast_units"].tolist()


def _panel(weeks: int = 100, skus: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w = pd.date_range("2024-01-01", periods=weeks, freq="7D")
    base = rng.gamma(1.0, 4.0, skus)
    season = 1 + 0.5 * (np.arange(weeks) % 52 == 45)
    units = rng.poisson(base[:, None] * season[None, :])
    return pd.DataFrame({"sku": np.repeat([f"S{i:02d}" for i in range(skus)], weeks),
                         "category": np.repeat([f"c{i % 3}" for i in range(skus)], weeks),
                         "week_start": np.tile(w, skus), "units": units.ravel(),
                         "paid_fen": 0, "list_fen": 0})


CANDS = ("snaive", "ma13", "ma4", "tsb", "imapa", "ets", "theta", "seasonal_index")


def test_the_holdout_moves_neither_the_choice_nor_the_intervals():
    p = _panel()
    ev = FS.evaluate(p, horizons=4, candidates=CANDS, min_segment_rows=50)
    hold0 = pd.Timestamp(ev.summary["holdout_first_week"])
    sel = ev.rows[ev.rows["part"] == "selection"]
    assert (sel["week_start"] < hold0).all() and len(sel)
    assert (ev.rows.loc[ev.rows["part"] == "holdout", "week_start"] >= hold0).all()
    # triple every unit of the holdout weeks: the choice and the bands stay, the scores move
    p2 = p.copy()
    p2.loc[p2["week_start"] >= hold0, "units"] *= 3
    ev2 = FS.evaluate(p2, horizons=4, candidates=CANDS, min_segment_rows=50)
    pd.testing.assert_frame_equal(ev.choice, ev2.choice)
    pd.testing.assert_frame_equal(ev.intervals, ev2.intervals)
    assert ev2.summary["wape_chosen_rate"] != ev.summary["wape_chosen_rate"]
    # the headline figures are those of the holdout rows
    ho = ev.rows[ev.rows["part"] == "holdout"]
    assert ev.summary["wape_chosen_rate"] == pytest.approx(FS.wape(ho["units_actual"], ho["chosen"]))
    assert ev.summary["wape_best_baseline_rate"] == pytest.approx(
        min(FS.wape(ho["units_actual"], ho["snaive"]), FS.wape(ho["units_actual"], ho["ma13"])))
    assert ev.summary["coverage_80_rate"] == pytest.approx(
        FS.coverage(ho["units_actual"], ho["lower_80_units"], ho["upper_80_units"]))
    # the total is the sum of the SKUs (bottom-up)
    assert set(ev.totals_holdout["level"]) == {"total", "category"}


def test_no_candidate_reads_past_its_origin():
    p = _panel(weeks=90, skus=12)
    A = F._arrays(p)
    o = 70
    Y2 = A.y.copy()
    Y2[:, o + 1:] = 999.0                          # the future, changed
    a = FS.candidate_forecasts(A.y, o, 4, A.first_sale)
    gbm = FS.PooledGBM(A, 4, max_iter=10).fit(o)
    g1 = gbm.predict(o, 4)
    b = FS.candidate_forecasts(Y2, o, 4, A.first_sale)
    A.y = Y2
    gbm2 = FS.PooledGBM(A, 4, max_iter=10).fit(o)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], err_msg=k)
    np.testing.assert_allclose(g1, gbm2.predict(o, 4))
    with pytest.raises(ValueError, match="before the fit's origin"):
        gbm2.predict(o - 1, 4)


def test_forecast_chosen_uses_the_segments_methods_and_bands():
    p = _panel()
    ev = FS.evaluate(p, horizons=4, candidates=CANDS, min_segment_rows=50)
    fc = FS.forecast_chosen(p, ev, horizons=4)
    assert len(fc) == 40 * 4 and (fc["lower_units"] <= fc["forecast_units"]).all()
    assert (fc["upper_95_units"] >= fc["upper_units"] - 1e-9).all()
    ch = ev.choice.set_index("segment")["method"]
    assert (fc["method"] == fc["segment"].map(ch).fillna(ch["*"])).all()
    sig = FS.sigma_daily(fc)
    assert (sig >= 0).all() and len(sig) == 40


def _fake_ev(chosen: float, snaive: float, ma13: float, cov80: float, cov95: float) -> FS.Evaluation:
    hold = pd.DataFrame({"method": ["snaive", "ma13", "tsb", "chosen"],
                         "wape_rate": [snaive, ma13, min(chosen, ma13) - 0.01, chosen],
                         "mae_units": [1.0, 1.0, 1.0, 1.0]})
    best = "snaive" if snaive < ma13 else "ma13"
    summ = {"wape_chosen_rate": chosen, "wape_best_baseline_rate": min(snaive, ma13),
            "best_baseline": best, "coverage_80_rate": cov80, "coverage_95_rate": cov95,
            "holdout_first_week": "2025-06-30", "holdout_last_week": "2025-12-22",
            "origins_selection": 13, "origins_holdout": 7}
    seg = pd.DataFrame({"segment": ["A-smooth"], "method": ["mean(gbm,tsb)"], "count_forecasts": [10],
                        "units_actual": [100.0], "wape_rate": [chosen], "wape_snaive_rate": [snaive],
                        "wape_ma13_rate": [ma13], "coverage_80_rate": [cov80], "coverage_95_rate": [cov95]})
    tot = pd.DataFrame({"level": ["total"], "count_series": [1], "wape_rate": [0.2],
                        "wape_ma13_rate": [0.1], "wape_snaive_rate": [0.3]})
    return FS.Evaluation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), hold, summ, seg, tot,
                         origins={"selection": [pd.Timestamp("2024-12-23")], "holdout": []})


def test_sentences_follow_the_numbers():
    win = _fake_ev(0.25, 0.40, 0.31, 0.80, 0.95)
    lose = _fake_ev(0.35, 0.40, 0.31, 0.70, 0.99)
    assert "lower" in FR.verdict(win, "en").data and "worse" not in FR.verdict(win, "en").data
    assert "**worse**" in FR.verdict(lose, "en").data and "不如" in FR.verdict(lose, "zh").data
    # the hindsight remark only when a candidate beat the chosen forecast on the holdout
    assert "hindsight" in FR.verdict(lose, "en").data
    assert "within 3 points" in FR.coverage_note(win, "en").data
    c = FR.coverage_note(lose, "en").data
    assert "below 80%" in c and "above 95%" in c and "低于" in FR.coverage_note(lose, "zh").data
    # the total's sentence: 20 % against the 13-week means' 10 %: not better
    assert "**not** better" in FR.totals_note(win, "en").data
    t = FR.comparison_table(win, "zh")
    assert t.iloc[0, 0] == FR.method_label("tsb", "zh")           # best first
    assert FR.method_label("mean(gbm,tsb)", "en").startswith("mean of")
    assert FR.segment_table(win, "zh").iloc[0, 0] == "A 类·平稳"
    assert len(FR.totals_table(win, "en")) == 1 and FR.intro(win, "zh").data


def test_rounding_is_chosen_only_where_it_scores_lower_and_bands_keep_the_level():
    # y = 1, 0, 1, 2 (4 units); a = .6, .4, .6, 1.6 misses by .4 each: WAPE 1.6 / 4 = 0.4;
    # a rounded = 1, 0, 1, 2 is exact: WAPE 0 -> "round(a)"
    rows = pd.DataFrame({"segment": ["s"] * 4, "units_actual": [1, 0, 1, 2.0],
                         "a": [0.6, 0.4, 0.6, 1.6]})
    ch = FS.select_methods(rows, ["a"], min_segment_rows=1, combine=())
    s = ch.set_index("segment").loc["s"]
    assert s["method"] == "round(a)" and s["wape_rate"] == 0.0
    assert FS.apply_selection(rows, ch).tolist() == [1, 0, 1, 2]
    # the intervals' centre: the forecast before the rounding
    assert FS.apply_selection(rows, ch, rounded=False).tolist() == [0.6, 0.4, 0.6, 1.6]
    # without rounding the method stays a
    assert FS.select_methods(rows, ["a"], min_segment_rows=1, combine=(),
                             rounding=False).set_index("segment").loc["s", "method"] == "a"
    # y = 0, 0, 0, 3: a = .6 each: (3 x .6 + 2.4) / 3 = 1.4; rounded to 1: (3 + 2) / 3 = 1.67,
    # higher: a is kept as it is
    rows2 = rows.assign(units_actual=[0, 0, 0, 3.0], a=0.6)
    ch2 = FS.select_methods(rows2, ["a"], min_segment_rows=1, combine=()).set_index("segment")
    assert ch2.loc["s", "method"] == "a" and ch2.loc["s", "wape_rate"] == pytest.approx(1.4)
    # a rounded combination reads its parts and is named on the page
    both = rows.assign(b=[1.4, 0.4, 1.4, 2.4])      # mean(a, b) = 1, .4, 1, 2 -> rounded exact
    assert FS._method_values(both, "round(mean(a,b))").tolist() == [1, 0, 1, 2]
    assert FS._candidates_of("round(mean(a,b))") == ["a", "b"]
    assert FR.method_label("round(mean(gbm,tsb))", "en") == "mean of " + " + ".join(
        [FR.method_label("gbm", "en"), FR.method_label("tsb", "en")]) + ", rounded"


def test_level_since_launch_and_poisson_median_by_hand():
    Y = np.array([[0] * 11 + [4, 6.0],           # launched 2 weeks before the origin
                  [2] * 13,                       # 13 weeks of 2
                  [0] * 13])                      # not launched
    first = np.array([11, 0, 13])
    # the 13-week mean reads the weeks since the first sale only: (4 + 6) / 2 = 5, not 10 / 13
    np.testing.assert_allclose(FS._level(Y, 12, first), [5.0, 2.0, 0.0])
    np.testing.assert_allclose(FS._level(Y, 12, first, since_launch=False), [10 / 13, 2.0, 0.0])
    # Poisson median: P(0) = e^-mu >= 1/2 up to mu = ln 2 -> 0 at 0.6, 1 at 0.7;
    # mu = 1.6: P(Y <= 1) = e^-1.6 (1 + 1.6) = 0.525 -> 1; mu = 1.7: e^-1.7 x 2.7 = 0.493 -> 2
    np.testing.assert_array_equal(FS.poisson_median([0.0, 0.6, 0.7, 1.6, 1.7, 10.0]),
                                  [0, 0, 1, 1, 2, 10])


def test_bands_centre_on_the_pooled_models_mean_and_the_evaluations_fit_is_reused():
    # the centre of a method's bands: before rounding, gbm's mean for its Poisson median
    assert FS._unrounded("round(mean(gbm,tsb))", ["gbm", "gbm_mean", "tsb"]) == "mean(gbm_mean,tsb)"
    assert FS._unrounded("round(gbm)", ["gbm", "gbm_mean"]) == "gbm_mean"
    assert FS._unrounded("round(mean(gbm,tsb))", ["gbm", "tsb"]) == "mean(gbm,tsb)"  # no mean kept
    rows = pd.DataFrame({"segment": ["s"] * 2, "units_actual": [0, 1.0], "gbm": [0, 1.0],
                         "gbm_mean": [0.6, 1.2], "tsb": [0.4, 1.0]})
    ch = pd.DataFrame({"segment": ["*"], "method": ["round(mean(gbm,tsb))"]})
    # point: round((0 + .4) / 2, (1 + 1) / 2) = 0, 1; centre: (.6 + .4) / 2, (1.2 + 1) / 2 = .5, 1.1
    assert FS.apply_selection(rows, ch).tolist() == [0, 1]
    np.testing.assert_allclose(FS.apply_selection(rows, ch, rounded=False), [0.5, 1.1])
    # forecast_chosen on the evaluation's panel: the evaluation's latest fit, not a new one
    p = _panel(weeks=100, skus=20)
    ev = FS.evaluate(p, horizons=4, candidates=("snaive", "ma13", "gbm"), min_segment_rows=50,
                     gbm_kw={"max_iter": 10})
    import dataclasses
    ev = dataclasses.replace(ev, choice=pd.DataFrame({"segment": ["*"], "method": ["gbm"]}))
    fit, origin = ev.gbm.model_, ev.gbm.origin_
    fc = FS.forecast_chosen(p, ev, horizons=4)
    assert ev.gbm.model_ is fit and ev.gbm.origin_ == origin and len(fc) == 20 * 4
    assert (fc["method"] == "gbm").all() and (fc["mean_units"] >= 0).all()
    # the gbm forecast is the Poisson median of the fit's prediction (a whole number)
    assert (fc["forecast_units"] == np.round(fc["forecast_units"])).all()
    # on another panel (a week less) the evaluation's fit is left alone and a new one made
    short = p[p["week_start"] < p["week_start"].max()]
    fc2 = FS.forecast_chosen(short, ev, horizons=4)
    assert ev.gbm.model_ is fit and fc2["week_start"].min() < fc["week_start"].min()


def test_quantile_edges_and_bin_codes_by_hand():
    x = np.arange(1, 9, dtype=float)                  # 1..8, equal weights, 4 bins
    # cumulative weight 1..8 of 8: edges at the first value reaching 2, 4, 6
    np.testing.assert_array_equal(FS.quantile_edges(x, bins=4), [2, 4, 6])
    assert FS.quantile_edges(x, bins=8) is None       # 8 distinct values: each its own bin
    # weighted: cumulative 1, 2, 3, 4, 8 of 8 -> the half is reached at 4 (unweighted: 3)
    w = np.array([1, 1, 1, 1, 4.0])
    np.testing.assert_array_equal(FS.quantile_edges(x[:5], w, bins=2), [4])
    np.testing.assert_array_equal(FS.quantile_edges(x[:5], bins=2), [3])
    # missing values are left out of the edges and stay missing
    np.testing.assert_array_equal(FS.quantile_edges([np.nan, 1, 2, 3, 4], bins=2), [2])
    # a value equal to an edge falls in the bin below it
    np.testing.assert_array_equal(FS.bin_codes([0.5, 4, 4.5, np.nan, 9], np.array([4.0, 6.0])),
                                  [0, 0, 1, np.nan, 2])
    np.testing.assert_array_equal(FS.bin_codes([0.5, 7], None), [0.5, 7])


def test_pooled_model_trains_on_every_kth_origin_ending_at_the_latest():
    p = _panel(weeks=60, skus=10)
    A = F._arrays(p)
    # origins 30..49 (the last 20) give 10 SKUs x (19 x 2 + 1) = 390 rows
    g = FS.PooledGBM(A, horizons=2, train_weeks=20, min_history=13, max_iter=5, origin_every=3,
                     thin_above_rows=389)
    g.fit(50)
    # more than 389: every 3rd origin counting back from 49 -> 31, 34, ..., 49
    assert sorted({o for o, _ in g._rows}) == list(range(31, 50, 3))
    # not more than 390 (the default 40,000 too): every origin
    for limit in (390, 40_000):
        g1 = FS.PooledGBM(A, horizons=2, train_weeks=20, min_history=13, max_iter=5,
                          origin_every=3, thin_above_rows=limit).fit(50)
        assert sorted({o for o, _ in g1._rows}) == list(range(30, 50))
    assert FS.PooledGBM(A).origin_every == 3 and FS.PooledGBM(A).thin_above_rows == 40_000


def test_shop_totals_of_the_holdout_by_hand():
    o = pd.Timestamp("2025-03-03")
    wk = lambda n: o + pd.Timedelta(weeks=n)                          # noqa: E731
    sw = pd.DataFrame({"week_start": [wk(-1), wk(-2), wk(-30), wk(-1), wk(1)],
                       "shop_id": ["s1", "s2", "s2", "s3", "s1"],
                       "sku": ["A", "A", "B", "D", "A"], "units": [3, 1, 2, 5, 7]})
    ho = pd.DataFrame({"origin": o, "week_start": wk(1), "sku": ["A", "B", "C"], "category": "c",
                       "chosen": [8.0, 2.0, 5.0], "ma13": [4.0, 1.0, 5.0]})
    # A: the 13 weeks before the origin -> s1 3/4, s2 1/4 (week +1 is after the origin);
    # B: nothing there -> all earlier weeks, s2 1; C never sold in a shop; s3 only sells D
    # s1 = 8 x .75 = 6, s2 = 8 x .25 + 2 = 4; 13-week means: s1 = 3, s2 = 1 + 1 = 2
    got = FS._shop_forecasts_holdout(ho, sw).sort_values("shop_id").reset_index(drop=True)
    assert got["shop_id"].tolist() == ["s1", "s2"]
    np.testing.assert_allclose(got["forecast_units"], [6, 4])
    np.testing.assert_allclose(got["ma13"], [3, 2])
    # the same as reconcile() with _shop_shares()
    ref = FS.reconcile(ho.rename(columns={"chosen": "forecast_units"}),
                       FS._shop_shares(sw, o + pd.Timedelta(weeks=1)))["shop"]
    np.testing.assert_allclose(ref.sort_values("shop_id")["forecast_units"], [6, 4])
