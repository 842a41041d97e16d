"""Which forecast for which SKU: candidates, a rolling-origin backtest, selection per segment
judged on a final holdout, conformal intervals per segment, and totals that add up.

The weekly panel (``sku x week_start`` with ``units``, :func:`ecomlib.models.forecast.weekly_panel`)
is turned into arrays once; at each forecast origin o (a week) every candidate forecasts the
next ``horizons`` weeks of every SKU that has sold by o, from weeks <= o only.

Candidates (:data:`CANDIDATES`)
-------------------------------
* baselines: ``snaive`` (same week a year earlier) and ``ma13`` (13-week mean);
* window means ``ma4``, ``ma26``;
* intermittent demand: ``croston``, ``sba``, ``tsb``, ``imapa`` (:mod:`.forecast_methods`);
* ``ets`` (AutoETS: ANN/AAN/AAdN by AICc) and ``theta`` (AutoTheta: theta 1/2/3), on the last
  52 weeks;
* ``seasonal_index``: the SKU's 13-week mean times the pooled calendar index of the target
  week, I(o, h) = sum over established SKUs of y(o+h-52) / sum of their 13-week mean at o-52
  (how last year's week o+h-52 sold against last year's level at o-52, over all SKUs that
  sold 13 weeks before o-52: festival weeks, 618 and 双11 fall on the same dates every year);
* ``gbm``: one pooled gradient-boosting model for all SKUs (:class:`PooledGBM`), direct
  multi-horizon, target = units of week o+h / w with the scale w = the 13-week mean at o
  (over the weeks since the SKU's first sale: a launch 2 weeks old is scaled by those 2
  weeks, :func:`_level`) + 0.5, Poisson loss weighted by w (the Poisson deviance of y with
  mean w x ratio: a log-link model of the mean demand), 40 trees at learning rate 0.2
  trained on the last 104 origins, every third of them where all would give more than
  40,000 rows (DECISIONLOG 104); the candidate's
  forecast is the Poisson median of that mean (:func:`poisson_median`: the point that
  minimises the expected absolute error, WAPE's numerator, for Poisson demand), the
  predicted ratio capped at the largest ratio of its training rows. Features: h,
  recent weeks relative to the scale, last year's same week against last
  year's level, the pooled calendar index, weeks since the first sale, share of weeks with
  a sale, the category, and the target week's calendar from ``dim_calendar`` (festival days
  of 年货节, 38, 618, 双11, 双12, 春节 by phase, the seller's campaign days, ISO week, month:
  :func:`ecomlib.models.forecast.weekly_calendar`). Refitted every ``gbm_refit_weeks`` weeks;
  an origin uses the latest fit made at or before it (never a later one).

Segments and selection
----------------------
At each origin a SKU is in a segment ``<ABC>-<class>``: ABC by its units over the last 52
weeks (A: the SKUs making the first 80 % of units, B: up to 95 %, C: the rest) and the
Syntetos-Boylan class of the last 26 weeks since its first sale (ADI = weeks / weeks with
demand, CV^2 of the non-zero weeks: smooth ADI <= 1.32 and CV^2 <= 0.49, erratic ADI <= 1.32,
intermittent CV^2 <= 0.49, else lumpy). The backtest's origins fall in two parts: the
*selection* part (origins every ``select_every_weeks`` weeks whose target weeks all end
before the holdout) and the *holdout* (origins every ``holdout_every_weeks`` weeks from the
week before the last ``holdout_weeks`` weeks). Per segment the candidate, or the mean of the
segment's best two or three candidates, with the lowest WAPE on the selection rows is
chosen, rounded to whole units where that scores lower there; a segment with fewer than
``min_segment_rows`` selection rows uses the choice made on all selection rows. Intervals are
calibrated on the selection rows of the last ``calibrate_weeks`` (12) weeks of selection
origins (:func:`conformal_table`: the errors nearest in time to the holdout's), around
the forecast before rounding and, for ``gbm``, around the pooled model's mean rather than
its Poisson median (:func:`_unrounded`: a median of 0 would lose the level the band should
scale with); the bands are then widened where needed to hold the rounded point. The holdout is scored once, with
the choice and the intervals fixed: nothing in the selection or the calibration reads a
holdout week.

WAPE = sum |y - f| / sum y over the same rows for every method (rows of the SKU-weeks with a
seasonal-naive value, i.e. a year of history). Units are units per SKU-week.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from . import forecast as F
from . import forecast_methods as M

__all__ = ["CANDIDATES", "BASELINES", "segments", "candidate_forecasts", "PooledGBM",
           "Evaluation", "evaluate", "select_methods", "apply_selection", "wape",
           "conformal_quantile", "conformal_table", "apply_intervals", "coverage",
           "reconcile", "forecast_chosen", "sigma_daily", "poisson_median", "LEVELS"]

#: candidate name -> what it is (labels in the report come from i18n)
CANDIDATES: dict[str, str] = {
    "snaive": "seasonal naive (same week last year)",
    "ma13": "13-week mean",
    "ma4": "4-week mean",
    "ma26": "26-week mean",
    "croston": "Croston",
    "sba": "SBA (Syntetos-Boylan)",
    "tsb": "TSB (Teunter-Syntetos-Babai)",
    "imapa": "IMAPA",
    "ets": "AutoETS (ANN/AAN/AAdN, AICc)",
    "theta": "AutoTheta (theta 1/2/3)",
    "seasonal_index": "13-week mean x pooled calendar index",
    "gbm": "pooled gradient boosting, calendar features",
}
#: the pooled model's mean demand (its candidate ``gbm`` is the Poisson median of it): a
#: column of the backtest rows, the centre of the bands where ``gbm`` is chosen
GBM_MEAN = "gbm_mean"
#: the two baselines the chosen forecast is measured against
BASELINES = ("snaive", "ma13")
#: interval levels: nominal coverage
LEVELS = (0.8, 0.95)
_INTERMITTENT = ("croston", "sba", "tsb", "imapa")


# ----------------------------------------------------------------------------------------
# segments
# ----------------------------------------------------------------------------------------
def segments(Y: np.ndarray, first_sale: np.ndarray, a_share: float = 0.8,
             b_share: float = 0.95, adi_cut: float = 1.32, cv2_cut: float = 0.49) -> np.ndarray:
    """Segment ``<ABC>-<class>`` of every SKU from its history ``Y`` (SKUs x weeks, ending at
    the origin; see the module docstring). ABC: by units of the last 52 weeks, sorted
    descending, a SKU is A while the cumulative share *before* it is below ``a_share``, B
    below ``b_share``, else C (a SKU without units is C). Class over the last 26 weeks since
    the first sale: ADI = weeks / weeks with demand (inf without demand), CV^2 = (std / mean)^2
    of the non-zero weeks (0 with fewer than 2). Returns an array of strings."""
    Y = np.asarray(Y, dtype=float)
    S, n = Y.shape
    vol = Y[:, -52:].sum(axis=1)
    order = np.argsort(-vol, kind="stable")
    tot = vol.sum()
    before = np.concatenate([[0.0], np.cumsum(vol[order])[:-1]]) / tot if tot > 0 else np.ones(S)
    abc = np.empty(S, dtype=object)
    abc[order] = np.where(before < a_share, "A", np.where(before < b_share, "B", "C"))
    abc[vol <= 0] = "C"
    cols = np.arange(n)[None, :]
    win = (cols >= np.maximum(first_sale, n - 26)[:, None])
    nz = (Y > 0) & win
    k = nz.sum(axis=1)
    weeks = win.sum(axis=1)
    adi = np.where(k > 0, weeks / np.maximum(k, 1), np.inf)
    s1 = np.where(nz, Y, 0).sum(axis=1)
    s2 = np.where(nz, Y * Y, 0).sum(axis=1)
    mean = s1 / np.maximum(k, 1)
    var = np.where(k > 1, (s2 - k * mean ** 2) / np.maximum(k - 1, 1), 0.0)
    cv2 = np.where(mean > 0, var / np.maximum(mean, 1e-12) ** 2, 0.0)
    cls = np.where(adi <= adi_cut, np.where(cv2 <= cv2_cut, "smooth", "erratic"),
                   np.where(cv2 <= cv2_cut, "intermittent", "lumpy"))
    return np.array([f"{a}-{c}" for a, c in zip(abc, cls)], dtype=object)


# ----------------------------------------------------------------------------------------
# candidates
# ----------------------------------------------------------------------------------------
def _index(Y: np.ndarray, o: int, H: int, first_sale: np.ndarray, base: int = 13,
           established: int = 13) -> np.ndarray:
    """The pooled calendar index I(o, h), h = 1..H (see the module docstring); 1 where last
    year is not in the history (or sold nothing)."""
    out = np.ones(H)
    ol = o - 52
    if ol - base + 1 < 0:
        return out
    est = first_sale <= ol - established + 1
    den = Y[est, ol - base + 1:ol + 1].mean(axis=1).sum()
    if den <= 0:
        return out
    for h in range(1, H + 1):
        if ol + h <= o:
            out[h - 1] = Y[est, ol + h].sum() / den
    return out


def candidate_forecasts(Y: np.ndarray, o: int, horizons: int, first_sale: np.ndarray,
                        names: Sequence[str] = tuple(CANDIDATES), gbm: "PooledGBM | None" = None,
                        ) -> dict[str, np.ndarray]:
    """Every local candidate's forecasts at origin index ``o`` for h = 1..``horizons``:
    name -> (SKUs x horizons) array, from ``Y[:, :o+1]`` only. ``gbm``: a fitted
    :class:`PooledGBM` (its fit must be at or before ``o``) for the ``gbm`` candidate.
    Intermittent methods, ETS and theta read each SKU's history from its first sale."""
    hist = Y[:, :o + 1]
    S = len(Y)
    H = horizons
    flat = lambda v: np.tile(np.asarray(v, float)[:, None], (1, H))  # noqa: E731
    st = np.minimum(first_sale, o + 1)
    out: dict[str, np.ndarray] = {}
    ma13 = M.window_mean(hist, 13)
    for name in names:
        if name == "snaive":
            out[name] = M.seasonal_naive(hist, H)
        elif name.startswith("ma") and name[2:].isdigit():
            out[name] = flat(M.window_mean(hist, int(name[2:])))
        elif name in ("croston", "sba"):
            out[name] = flat(M.croston(hist, 0.1, sba_correction=name == "sba"))
        elif name == "tsb":
            out[name] = flat(M.tsb(hist, 0.1, 0.1, start=st))
        elif name == "imapa":
            out[name] = flat(M.imapa(hist, start=st))
        elif name in ("ets", "theta"):
            w = hist[:, -52:]
            s52 = np.clip(st - (hist.shape[1] - w.shape[1]), 0, None)
            fn = M.auto_ets if name == "ets" else M.auto_theta
            out[name] = fn(w, H, start=s52)
        elif name == "seasonal_index":
            out[name] = ma13[:, None] * _index(Y, o, H, first_sale)[None, :]
        elif name == "gbm":
            if gbm is not None:
                out[name] = gbm.predict(o, H)
                if gbm.mean_ is not None:          # the mean behind the median: the centre
                    out[GBM_MEAN] = gbm.mean_      # of the bands (not a candidate)
        else:
            raise KeyError(f"candidate_forecasts: unknown candidate {name!r}; "
                           f"known: {sorted(CANDIDATES)}")
    return out


def _level(Y: np.ndarray, o: int, first_sale: np.ndarray, since_launch: bool = True) -> np.ndarray:
    """The 13-week mean at origin ``o`` (weeks o-12..o); ``since_launch``: over the weeks since
    the SKU's first sale only (a SKU launched 2 weeks ago: the mean of those 2 weeks, not
    of 13 weeks 11 of which were before it existed; 0 for a SKU without a sale by o)."""
    a = max(0, o - 12)
    win = Y[:, a:o + 1]
    if not since_launch:
        return win.mean(axis=1)
    start = np.clip(first_sale, a, o + 1) - a
    n = (o + 1 - a) - start
    live = (np.arange(win.shape[1])[None, :] >= start[:, None])
    return np.where(n > 0, (win * live).sum(axis=1) / np.maximum(n, 1), 0.0)


def quantile_edges(x, weight=None, bins: int = 255) -> np.ndarray | None:
    """Bin edges of one feature at its weighted quantiles: with the non-missing values sorted
    ascending and c_i the cumulative weight up to value i (of total C), edge k (k = 1 ..
    ``bins`` - 1) is the smallest value with c_i >= k / ``bins`` x C; repeated edges once.
    None when the feature has at most ``bins`` distinct values (each value its own bin).
    The gradient-boosting trees split between bins; :func:`bin_codes` maps values to them."""
    x = np.asarray(x, float)
    w = np.ones(len(x)) if weight is None else np.asarray(weight, float)
    keep = ~np.isnan(x)
    x, w = x[keep], w[keep]
    order = np.argsort(x)                  # ties: the same value, whichever comes first
    v = x[order]
    if len(v) == 0 or 1 + np.count_nonzero(np.diff(v) > 0) <= bins:
        return None
    c = np.cumsum(w[order])
    at = np.searchsorted(c, np.arange(1, bins) / bins * c[-1], side="left")
    return np.unique(v[np.minimum(at, len(v) - 1)])


def bin_codes(x, edges: np.ndarray | None) -> np.ndarray:
    """The bin of every value: the number of ``edges`` below it (value <= edges[0]: 0; a value
    equal to an edge falls in the bin below it); missing stays missing; ``edges`` None: the
    values as they are."""
    x = np.asarray(x, float)
    if edges is None:
        return x
    return np.where(np.isnan(x), np.nan, np.searchsorted(edges, x, side="left").astype(float))


def poisson_median(mu) -> np.ndarray:
    """The median of a Poisson distribution with mean ``mu`` (element-wise): the smallest
    whole k with P(Y <= k) >= 1/2 (0 for mu <= ln 2 = 0.693; 1 up to 1.678; about
    mu + 1/3 - 0.02/mu for larger mu). The point that minimises the expected absolute error
    (WAPE's numerator) when demand is Poisson around mu."""
    from scipy.stats import poisson
    mu = np.asarray(mu, float)
    return np.where(mu > 0, poisson.median(np.maximum(mu, 1e-12)), 0.0)


class PooledGBM:
    """The pooled gradient-boosting candidate (see the module docstring). ``fit(o)`` trains on
    every (SKU, origin o' < o, h) with o' + h <= o over the last ``train_weeks`` origins;
    ``predict(o, H)`` forecasts from origin o (>= the fit's origin). ``origin_every`` = k: of
    those origins every k-th, counting back from o - 1, when all of them would give more
    than ``thin_above_rows`` rows (neighbouring origins give nearly the same rows;
    DECISIONLOG 104: k = 3 with 40 trees at rate 0.2 scored as 80 trees at 0.1 on every
    origin, at a quarter of the time; a small catalogue's fit is cheap and keeps every
    origin). Features with more than 255 values are binned
    at their weighted quantiles (:func:`quantile_edges`) before the trees see them.
    ``loss="poisson"`` (the
    default; rows weighted by the scale unless ``weighted`` says otherwise): ``predict``
    returns the Poisson median of the predicted mean; ``"absolute_error"``: the predicted
    median ratio x the scale, as it is. ``scale_launch``: the scale over the weeks since the
    first sale (:func:`_level`). One OpenMP thread (a shared 2-core machine, DECISIONLOG 51)."""

    def __init__(self, A, horizons: int = 8, train_weeks: int = 104, min_history: int = 13,
                 max_iter: int = 40, learning_rate: float = 0.2, random_state: int = 0,
                 loss: str = "poisson", weighted: bool | None = None, scale_launch: bool = True,
                 early_stopping: bool | str = "auto", origin_every: int = 3,
                 thin_above_rows: int = 40_000):
        self.early_stopping = early_stopping
        self.origin_every, self.thin_above_rows = origin_every, thin_above_rows
        self.loss = loss
        # Poisson deviance of y / w weighted by w = that of y with mean w x ratio (an offset)
        self.weighted = (loss == "poisson") if weighted is None else weighted
        self.scale_launch = scale_launch
        self.ratio_max_ = np.inf
        self.mean_ = None
        self.A, self.horizons, self.train_weeks = A, horizons, train_weeks
        self.min_history, self.max_iter, self.learning_rate = min_history, max_iter, learning_rate
        self.random_state = random_state
        self._rows: dict = {}
        self._index: dict = {}
        self._cal: dict = {}
        self.edges_: list = []
        self.model_ = None
        self.origin_ = None

    #: the column of the category code (a categorical feature of the trees)
    CATEGORICAL = 9

    def _binned(self, X: np.ndarray) -> np.ndarray:
        """``X`` with each feature replaced by its bin (:func:`bin_codes`) of the fit's edges."""
        if not any(e is not None for e in self.edges_):
            return X
        return np.column_stack([bin_codes(X[:, j], e) for j, e in enumerate(self.edges_)])

    def _cal_row(self, t: int) -> np.ndarray:
        """The calendar features of target week ``t`` (read once per week: a future week's
        calendar is worked out from ``dim_calendar`` on demand)."""
        cols = [*F.CAMPAIGN_COLUMNS, "week_of_year", "month"]
        if not self._cal:
            self._cal.update(enumerate(self.A.cal[cols].to_numpy(float)))
        if t not in self._cal:     # past the panel: the weeks up to the horizon in one go
            W = len(self.A.weeks)
            try:
                future = F.weekly_calendar(self.A.weeks[-1] + pd.to_timedelta(
                    np.arange(1, max(t, W - 1 + self.horizons) - W + 2), unit="W"),
                    self.A.calendar)
                self._cal.update(zip(range(W, W + len(future)), future[cols].to_numpy(float)))
            except ValueError:     # a calendar that ends before the horizon: this week alone
                row = F._cal_for(self.A, t, ())
                self._cal[t] = np.array([row[c] for c in cols], float)
        return self._cal[t]

    def _features(self, o: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        """(features of every SKU at origin o for horizon h, the scale w = ma13 + 0.5)."""
        key = (o, h)
        if key in self._rows:
            return self._rows[key]
        A, Y = self.A, self.A.y
        S = len(Y)
        if o not in self._index:
            self._index[o] = _index(Y, o, self.horizons, A.first_sale)
        lvl = _level(Y, o, A.first_sale, self.scale_launch)
        w = lvl + 0.5
        t = o + h
        sn = Y[:, t - 52] if 0 <= t - 52 <= o else np.full(S, np.nan)
        ly = Y[:, max(0, o - 64):o - 51].mean(axis=1) if o - 52 >= 12 else np.full(S, np.nan)
        cols = [np.full(S, float(h)), Y[:, o] / w, Y[:, max(0, o - 3):o + 1].mean(axis=1) / w,
                Y[:, max(0, o - 25):o + 1].mean(axis=1) / w, sn / (ly + 0.5), np.log1p(lvl),
                (Y[:, max(0, o - 12):o + 1] > 0).mean(axis=1),
                np.minimum(o - A.first_sale, 60).astype(float),
                np.full(S, self._index[o][min(h, self.horizons) - 1]), A.cat_code.astype(float)]
        cal = self._cal_row(t)
        X = np.column_stack(cols + [np.full(S, v) for v in cal])
        self._rows[key] = (X, w)
        return X, w

    def fit(self, o: int) -> "PooledGBM":
        from sklearn.ensemble import HistGradientBoostingRegressor
        A = self.A
        Xs, ys, ws = [], [], []
        lo = max(self.min_history, o - self.train_weeks)
        # every origin while that gives few rows; else every k-th, counting back from o - 1
        every = sum(int((A.first_sale <= oo).sum()) * min(self.horizons, o - oo)
                    for oo in range(lo, o))
        k = self.origin_every if every > self.thin_above_rows else 1
        for oo in range(o - 1 - (o - 1 - lo) // k * k, o, k):
            for h in range(1, self.horizons + 1):
                if oo + h > o:
                    break
                X, w = self._features(oo, h)
                live = A.first_sale <= oo
                Xs.append(X[live])
                ys.append(A.y[live, oo + h] / w[live])
                ws.append(w[live])
        for k in [k for k in self._rows if k[0] < o - self.train_weeks]:
            del self._rows[k]                      # origins move forward: no longer needed
        if not Xs or sum(len(y) for y in ys) < 50:
            self.model_, self.origin_ = None, o
            return self
        self.ratio_max_ = float(max(y.max() for y in ys if len(y)))
        X = np.vstack(Xs)
        X[:, np.isnan(X).all(axis=0)] = -1.0      # the trees cannot bin an all-missing column
        w = np.concatenate(ws)
        # each many-valued feature binned at its weighted quantiles here: scikit-learn's own
        # binning of weighted rows (when there are at most 200,000) works out each of its
        # 254 edges with a pass of its own over the sorted rows, 2-3 s a fit at 5M lines;
        # the trees then see at most 255 values per feature
        self.edges_ = [None if j == self.CATEGORICAL
                       else quantile_edges(X[:, j], w if self.weighted else None)
                       for j in range(X.shape[1])]
        X = self._binned(X)
        model = HistGradientBoostingRegressor(
            loss=self.loss, max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=15, min_samples_leaf=100, l2_regularization=1.0,
            early_stopping=self.early_stopping,
            categorical_features=[self.CATEGORICAL], random_state=self.random_state)
        with F._threads(1):
            model.fit(X, np.concatenate(ys), sample_weight=w if self.weighted else None)
        self.model_, self.origin_ = model, o
        return self

    def predict(self, o: int, H: int) -> np.ndarray:
        """(SKUs x H) forecasts from origin ``o`` (the 13-week mean where not fitted); with
        the Poisson loss the Poisson median of the predicted mean, the mean kept in
        ``mean_`` (None otherwise)."""
        if self.origin_ is not None and o < self.origin_:
            raise ValueError(f"PooledGBM.predict: origin {o} is before the fit's origin "
                             f"{self.origin_}: that fit has seen weeks after it")
        Y = self.A.y
        S = len(Y)
        rows = [self._features(o, min(h, self.horizons)) for h in range(1, H + 1)]
        w = np.column_stack([r[1] for r in rows])                  # (SKUs x H) scales
        if self.model_ is None:
            out = w - 0.5
        else:   # every horizon in one call (the trees read each row on its own)
            with F._threads(1):
                ratio = self.model_.predict(self._binned(np.vstack([r[0] for r in rows])))
            out = np.clip(ratio.reshape(H, S).T, 0, self.ratio_max_) * w
        self.mean_ = None
        if self.loss == "poisson" and self.model_ is not None:
            self.mean_ = out
            out = poisson_median(out)
        return out


# ----------------------------------------------------------------------------------------
# scoring and selection
# ----------------------------------------------------------------------------------------
def wape(actual, forecast) -> float:
    """sum |y - f| / sum y (NaN when nothing sold)."""
    y = np.asarray(actual, float)
    f = np.asarray(forecast, float)
    s = y.sum()
    return float(np.abs(y - f).sum() / s) if s > 0 else np.nan


def _combo_name(parts: Sequence[str]) -> str:
    return "mean(" + ",".join(parts) + ")"


def _candidates_of(method: str) -> list[str]:
    """The candidates a method name reads: ``round(mean(a,b))`` -> [a, b]."""
    if method.startswith("round("):
        return _candidates_of(method[6:-1])
    if method.startswith("mean("):
        return method[5:-1].split(",")
    return [method]


def _method_values(rows: pd.DataFrame, method: str) -> np.ndarray:
    if method.startswith("round("):
        return np.round(_method_values(rows, method[6:-1]))
    if method.startswith("mean("):
        parts = method[5:-1].split(",")
        return rows[parts].to_numpy(float).mean(axis=1)
    return rows[method].to_numpy(float)


def select_methods(rows: pd.DataFrame, candidates: Sequence[str], by: str = "segment",
                   min_segment_rows: int = 200, combine: Sequence[int] = (2, 3),
                   rounding: bool = True) -> pd.DataFrame:
    """The method per segment from backtest ``rows`` (columns ``units_actual``, ``by`` and
    one per candidate): per segment, every candidate's WAPE and that of the mean of its best
    k candidates (k in ``combine``); the lowest wins, rounded to whole units
    (``round(...)``) when that scores lower still (``rounding``: the median of a count is a
    whole number, and absolute errors are minimised by the median). Segments with fewer than
    ``min_segment_rows`` rows (or no units) get the choice made on all rows (segment ``*``).
    Returns ``segment, method, wape_rate, count_forecasts, units_actual`` (the row ``*`` first)."""
    def choose(g: pd.DataFrame) -> tuple[str, float]:
        y = g["units_actual"].to_numpy(float)
        scores = {c: wape(y, g[c]) for c in candidates}
        ranked = sorted((s, c) for c, s in scores.items() if not np.isnan(s))
        if not ranked:
            return "ma13", np.nan
        for k in combine:
            if len(ranked) >= k:
                name = _combo_name([c for _, c in ranked[:k]])
                scores[name] = wape(y, _method_values(g, name))
        best = min((s, c) for c, s in scores.items() if not np.isnan(s))
        if rounding:  # a count's median is a whole number: the best method, rounded
            r = wape(y, np.round(_method_values(g, best[1])))
            if r < best[0]:
                return f"round({best[1]})", r
        return best[1], best[0]

    out = []
    m, s = choose(rows)
    out.append({"segment": "*", "method": m, "wape_rate": s, "count_forecasts": len(rows),
                "units_actual": float(rows["units_actual"].sum())})
    for seg, g in rows.groupby(by, sort=True):
        if len(g) >= min_segment_rows and g["units_actual"].sum() > 0:
            m_, s_ = choose(g)
        else:
            m_, s_ = m, wape(g["units_actual"], _method_values(g, m))
        out.append({"segment": seg, "method": m_, "wape_rate": s_, "count_forecasts": len(g),
                    "units_actual": float(g["units_actual"].sum())})
    return pd.DataFrame(out)


def _unrounded(method: str, columns=()) -> str:
    """The centre of a method's bands: the method before its rounding, and the pooled
    model's mean (column ``gbm_mean``, where ``columns`` hold it) in place of its median:
    ``round(mean(gbm,tsb))`` -> ``mean(gbm_mean,tsb)``."""
    m = method[6:-1] if method.startswith("round(") else method
    if GBM_MEAN not in columns:
        return m
    parts = _candidates_of(m)
    parts = [GBM_MEAN if p == "gbm" else p for p in parts]
    return _combo_name(parts) if m.startswith("mean(") else parts[0]


def apply_selection(rows: pd.DataFrame, choice: pd.DataFrame, by: str = "segment",
                    rounded: bool = True) -> np.ndarray:
    """The chosen forecast of every row: its segment's method (``*``'s for a segment not in
    ``choice``); ``rounded=False``: the centre of the intervals (:func:`_unrounded`: before
    the rounding a method may carry, the pooled model's mean for its median), which keeps
    the level a median of 0 loses."""
    method = rows[by].map(choice.set_index("segment")["method"]).fillna(
        choice.set_index("segment").loc["*", "method"])
    if not rounded:
        method = method.map({m: _unrounded(m, rows.columns) for m in method.unique()})
    out = np.zeros(len(rows))
    for m in method.unique():
        idx = np.flatnonzero((method == m).to_numpy())
        out[idx] = _method_values(rows.iloc[idx], m)
    return out


# ----------------------------------------------------------------------------------------
# conformal intervals
# ----------------------------------------------------------------------------------------
def conformal_quantile(scores, q: float) -> float:
    """Split-conformal quantile of ``scores`` at level ``q``: the k-th smallest score with
    k = ceil((n + 1) q) (finite-sample correction; +inf when k > n, -inf when k < 1)."""
    s = np.sort(np.asarray(scores, float))
    n = len(s)
    k = int(np.ceil((n + 1) * q - 1e-9))
    if k > n:
        return np.inf
    if k < 1:
        return -np.inf
    return float(s[k - 1])


def _norm(y, f):
    return (np.asarray(y, float) - np.asarray(f, float)) / np.sqrt(np.asarray(f, float) + 1)


def conformal_table(rows: pd.DataFrame, value: str = "chosen", by: str = "segment",
                    levels: Sequence[float] = LEVELS, min_rows: int = 100) -> pd.DataFrame:
    """Interval widths per segment from out-of-sample errors: normalised residuals
    r = (y - f) / sqrt(f + 1); for each level c the lower/upper conformal quantiles of r
    at (1 - c) / 2 and (1 + c) / 2 (:func:`conformal_quantile`). Segments with fewer than
    ``min_rows`` rows use all rows (``*``); ``r_mean`` = the mean of r (what turns a median-like
    point forecast into the mean demand replenishment needs: :func:`forecast_chosen`'s
    ``mean_units``). Columns ``segment, level, r_lower, r_upper, r_mean, count_forecasts``."""
    out = []
    groups = [("*", rows)] + list(rows.groupby(by, sort=True))
    for seg, g in groups:
        src = g if len(g) >= min_rows else rows
        r = _norm(src["units_actual"], src[value])
        for c in levels:
            out.append({"segment": seg, "level": c,
                        "r_lower": conformal_quantile(r, (1 - c) / 2),
                        "r_upper": conformal_quantile(r, (1 + c) / 2),
                        "r_mean": float(np.mean(r)) if len(r) else 0.0,
                        "count_forecasts": len(src)})
    return pd.DataFrame(out)


def apply_intervals(f: np.ndarray, seg, table: pd.DataFrame, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) = f + r_lower/upper x sqrt(f + 1) for each forecast ``f`` of segment
    ``seg``, the lower bound at least 0 and neither on the wrong side of f."""
    t = table[np.isclose(table["level"], level)].set_index("segment")
    seg = pd.Series(np.asarray(seg, dtype=object))
    lo = seg.map(t["r_lower"]).fillna(t.loc["*", "r_lower"]).to_numpy(float)
    hi = seg.map(t["r_upper"]).fillna(t.loc["*", "r_upper"]).to_numpy(float)
    f = np.asarray(f, float)
    s = np.sqrt(f + 1)
    return np.minimum(np.clip(f + lo * s, 0, None), f), np.maximum(f + hi * s, f)


def _mean_units(f, seg, table: pd.DataFrame) -> np.ndarray:
    """max(0, f + r_mean x sqrt(f + 1)) with the segment's mean normalised backtest error."""
    t = table[np.isclose(table["level"], LEVELS[0])].set_index("segment")
    rm = pd.Series(np.asarray(seg, dtype=object)).map(t["r_mean"]).fillna(t.loc["*", "r_mean"])
    f = np.asarray(f, float)
    return np.clip(f + rm.to_numpy(float) * np.sqrt(f + 1), 0, None)


def coverage(actual, lower, upper) -> float:
    """Share of ``actual`` inside [lower, upper]."""
    y = np.asarray(actual, float)
    return float(((y >= lower) & (y <= upper)).mean()) if len(y) else np.nan


# ----------------------------------------------------------------------------------------
# reconciliation
# ----------------------------------------------------------------------------------------
def reconcile(sku_forecast: pd.DataFrame, shares: pd.DataFrame | None = None,
              value: str = "forecast_units") -> dict[str, pd.DataFrame]:
    """Totals that add up (bottom-up): per ``week_start`` the total = sum of the SKUs'
    forecasts, each category's = sum of its SKUs', and, when ``shares`` (``sku, shop_id,
    share``; each SKU's shares add up to 1) is given, each shop's = sum over SKUs of forecast
    x the SKU's share of that shop. Every level sums to the same total. Returns
    ``{"total", "category", "shop"}`` frames with ``week_start`` (+ key) and ``value``."""
    f = sku_forecast
    out = {"total": f.groupby("week_start", as_index=False)[value].sum(),
           "category": f.groupby(["week_start", "category"], as_index=False)[value].sum()}
    if shares is not None and len(shares):
        m = f[["sku", "week_start", value]].merge(shares, on="sku", how="inner")
        m[value] = m[value] * m["share"]
        out["shop"] = m.groupby(["week_start", "shop_id"], as_index=False)[value].sum()
    return out


# ----------------------------------------------------------------------------------------
# the evaluation: backtest, selection, intervals, holdout
# ----------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """The result of :func:`evaluate`.

    ``rows``: one row per SKU, origin and horizon (``part`` = selection / holdout) with the
    actual, every candidate, ``chosen`` and its intervals; ``choice``: the method per segment
    (:func:`select_methods`); ``intervals``: the conformal table; ``holdout``: WAPE of every
    candidate, the combination and the chosen forecast on the holdout (``method,
    wape_rate, mae_units``); ``summary``: the headline figures (``wape_chosen_rate``,
    ``wape_best_baseline_rate``, ``best_baseline``, ``coverage_80_rate``,
    ``coverage_95_rate``, ``wape_total_rate`` ...); ``segments_holdout``: per segment the
    chosen method and its holdout WAPE beside the better baseline's."""

    rows: pd.DataFrame
    choice: pd.DataFrame
    intervals: pd.DataFrame
    holdout: pd.DataFrame
    summary: dict
    segments_holdout: pd.DataFrame
    totals_holdout: pd.DataFrame = field(default_factory=pd.DataFrame)
    seconds: float = 0.0
    origins: dict = field(default_factory=dict)
    gbm: "PooledGBM | None" = None      # the pooled model's latest fit (forecast_chosen reuses it)
    gbm_kw: dict = field(default_factory=dict)


def _origins(W: int, horizons: int, holdout_weeks: int, select_every: int, holdout_every: int,
             first: int = 51) -> tuple[list[int], list[int]]:
    hold0 = W - holdout_weeks                  # first holdout week
    sel = list(range(first, hold0 - 1, select_every))
    hold = list(range(hold0 - 1, W - 1, holdout_every))
    return sel, hold


def evaluate(panel: pd.DataFrame, calendar: pd.DataFrame | None = None, horizons: int = 8,
             holdout_weeks: int = 26, select_every_weeks: int = 2, holdout_every_weeks: int = 4,
             candidates: Sequence[str] = tuple(CANDIDATES), gbm_refit_weeks: int = 13,
             min_segment_rows: int = 200, shop_weekly: pd.DataFrame | None = None,
             extra_days=(), gbm_kw: dict | None = None, calibrate_weeks: int = 12) -> Evaluation:
    """Backtest every candidate, choose per segment on the selection part, calibrate the
    intervals there, and score everything once on the holdout (see the module docstring).

    ``panel``: :func:`ecomlib.models.forecast.weekly_panel`; ``calendar``: dim_calendar rows
    covering it and ``horizons`` weeks after (None: :func:`ecomlib.calendar_dim.frame`).
    ``shop_weekly`` (``sku, shop_id, week_start, units``) adds the shop totals to the
    reconciliation check. Needs 51 weeks of history before the first selection origin."""
    t0 = time.perf_counter()
    A = F._arrays(panel, extra_days, calendar)
    Y, W = A.y, len(A.weeks)
    sel, hold = _origins(W, horizons, holdout_weeks, select_every_weeks, holdout_every_weeks)
    if not sel or not hold:
        raise ValueError(f"forecast_select.evaluate: {W} weeks are too few for a selection part "
                         f"and a {holdout_weeks}-week holdout (needs 51 weeks of history, then "
                         "selection origins, then the holdout)")
    hold0 = W - holdout_weeks
    names = [c for c in candidates if c in CANDIDATES]
    gbm = PooledGBM(A, horizons, **(gbm_kw or {})) if "gbm" in names else None
    parts: list[dict] = []          # one dict of equal-length columns per origin and horizon
    cats = np.array([A.categories[c] for c in A.cat_code], dtype=object)
    for o in sorted(sel + hold):
        if gbm is not None and (gbm.origin_ is None or o - gbm.origin_ >= gbm_refit_weeks
                                or (o >= hold0 - 1 and gbm.origin_ < hold0 - 1)):
            gbm.fit(o)
        c = candidate_forecasts(Y, o, horizons, A.first_sale, names, gbm)
        live = A.first_sale <= o
        seg = segments(Y[:, :o + 1], A.first_sale)
        for h in range(1, horizons + 1):
            t = o + h
            if t >= W:
                break
            # origins before the holdout whose targets reach into it: kept for the replay of
            # the inventory report, never selected on, calibrated on or scored
            part = "holdout" if o >= hold0 - 1 else ("selection" if t < hold0 else "overlap")
            n = int(live.sum())
            d = {"sku": A.skus[live], "category": cats[live], "segment": seg[live],
                 "origin": np.full(n, A.weeks[o].to_datetime64()),
                 "week_start": np.full(n, A.weeks[t].to_datetime64()),
                 "h": np.full(n, h, dtype=np.int64), "part": np.full(n, part, dtype=object),
                 "units_actual": Y[live, t]}
            for k, v in c.items():
                d[k] = v[live, h - 1]
            parts.append(d)
    # the columns joined once (a candidate missing at an origin: NaN there)
    cols = list(dict.fromkeys(k for d in parts for k in d))
    rows = pd.DataFrame({k: np.concatenate([d[k] if k in d else np.full(len(d["sku"]), np.nan)
                                            for d in parts]) for k in cols})
    rows = rows[rows["snaive"].notna()].reset_index(drop=True)
    names = [c for c in names if c in rows.columns]
    selection = rows[rows["part"] == "selection"]
    choice = select_methods(selection, names, "segment", min_segment_rows)
    rows["chosen"] = apply_selection(rows, choice)
    rows["chosen_raw"] = apply_selection(rows, choice, rounded=False)
    # calibrated on the selection origins of the last ``calibrate_weeks`` weeks before the
    # holdout: the errors nearest in time to the coming ones (the pooled model's errors shrink
    # as its training weeks grow: calibrated on every selection origin, the 80 % band covered
    # 85.7 % of the holdout at 5M lines, 82.5 % on the last 12 weeks)
    cal_from = A.weeks[sel[-1]] - pd.Timedelta(weeks=calibrate_weeks - 1)
    calib = rows[(rows["part"] == "selection") & (rows["origin"] >= cal_from)]
    intervals = conformal_table(calib, "chosen_raw", "segment")
    for c in LEVELS:
        lo, hi = apply_intervals(rows["chosen_raw"], rows["segment"], intervals, c)
        rows[f"lower_{int(c * 100)}_units"] = np.minimum(lo, rows["chosen"])
        rows[f"upper_{int(c * 100)}_units"] = np.maximum(hi, rows["chosen"])
    rows["chosen_mean"] = _mean_units(rows["chosen_raw"], rows["segment"], intervals)
    ho = rows[rows["part"] == "holdout"]
    y = ho["units_actual"]
    combo = choice.loc[choice["segment"] == "*", "method"].iloc[0]
    table = [{"method": m, "wape_rate": wape(y, ho[m]), "mae_units": float((y - ho[m]).abs().mean())}
             for m in names]
    if combo not in names:
        v = _method_values(ho, combo)
        table.append({"method": combo, "wape_rate": wape(y, v), "mae_units": float(np.abs(y - v).mean())})
    table.append({"method": "chosen", "wape_rate": wape(y, ho["chosen"]),
                  "mae_units": float((y - ho["chosen"]).abs().mean())})
    holdout = pd.DataFrame(table)
    w = holdout.set_index("method")["wape_rate"]
    best_base = min(BASELINES, key=lambda b: w[b])
    summary = {
        "wape_chosen_rate": float(w["chosen"]), "wape_best_baseline_rate": float(w[best_base]),
        "best_baseline": best_base, "wape_snaive_rate": float(w["snaive"]),
        "wape_ma13_rate": float(w["ma13"]),
        "improvement_rate": float(1 - w["chosen"] / w[best_base]),
        "coverage_80_rate": coverage(y, ho["lower_80_units"], ho["upper_80_units"]),
        "coverage_95_rate": coverage(y, ho["lower_95_units"], ho["upper_95_units"]),
        "count_forecasts_holdout": int(len(ho)), "count_forecasts_selection": int(len(selection)),
        "holdout_first_week": str(A.weeks[hold0].date()), "holdout_last_week": str(A.weeks[-1].date()),
        "origins_selection": len(sel), "origins_holdout": len(hold), "skus": int(len(A.skus)),
    }
    segs = []
    for seg, g in ho.groupby("segment"):
        m = choice.set_index("segment")["method"].get(seg, combo)
        segs.append({"segment": seg, "method": m, "count_forecasts": len(g),
                     "units_actual": float(g["units_actual"].sum()),
                     "wape_rate": wape(g["units_actual"], g["chosen"]),
                     "wape_snaive_rate": wape(g["units_actual"], g["snaive"]),
                     "wape_ma13_rate": wape(g["units_actual"], g["ma13"]),
                     "coverage_80_rate": coverage(g["units_actual"], g["lower_80_units"], g["upper_80_units"]),
                     "coverage_95_rate": coverage(g["units_actual"], g["lower_95_units"], g["upper_95_units"])})
    totals = _totals_holdout(ho, shop_weekly)
    for _, r in totals.iterrows():
        summary[f"wape_{r['level']}_rate"] = r["wape_rate"]
    return Evaluation(rows, choice, intervals, holdout, summary, pd.DataFrame(segs), totals,
                      time.perf_counter() - t0, {"selection": [A.weeks[o] for o in sel],
                                                 "holdout": [A.weeks[o] for o in hold]},
                      gbm, dict(gbm_kw or {}))


def _shop_shares(shop_weekly: pd.DataFrame, before, weeks: int = 13) -> pd.DataFrame:
    """Each SKU's share of units per shop over the ``weeks`` weeks up to ``before``
    (exclusive; all earlier weeks for a SKU without units there)."""
    s = shop_weekly[pd.to_datetime(shop_weekly["week_start"]) < pd.Timestamp(before)]
    recent = s[pd.to_datetime(s["week_start"]) >= pd.Timestamp(before) - pd.Timedelta(weeks=weeks)]
    def shares(frame):
        g = frame.groupby(["sku", "shop_id"], as_index=False)["units"].sum()
        g = g[g["units"] > 0]
        g["share"] = g["units"] / g.groupby("sku")["units"].transform("sum")
        return g[["sku", "shop_id", "share"]]
    a, b = shares(recent), shares(s)
    return pd.concat([a, b[~b["sku"].isin(set(a["sku"]))]], ignore_index=True)


def _shop_forecasts_holdout(ho: pd.DataFrame, sw: pd.DataFrame) -> pd.DataFrame:
    """Per holdout origin, target week and shop: the chosen forecasts and the 13-week means
    of ``ho`` summed over SKUs x each SKU's share of that shop (:func:`_shop_shares` from
    the 13 weeks before the origin, else all earlier weeks: :func:`reconcile` with those
    shares, as arrays). A shop appears in a week where some SKU forecast there has a share
    of it. Columns ``week_start, shop_id, forecast_units, ma13, origin``."""
    skus = pd.Index(pd.unique(pd.concat([ho["sku"], sw["sku"]], ignore_index=True)))
    shops = np.array(sorted(sw["shop_id"].unique()), dtype=object)
    K, P = len(skus), len(shops)
    cell = skus.get_indexer(sw["sku"]) * P + np.searchsorted(shops, sw["shop_id"].to_numpy(object))
    wk = sw["week_start"].to_numpy()
    units = sw["units"].to_numpy(float)

    def shares(mask):        # SKUs x shops: each SKU's positive units per shop / their sum
        u = np.bincount(cell[mask], weights=units[mask], minlength=K * P).reshape(K, P)
        u = np.where(u > 0, u, 0.0)
        tot = u.sum(axis=1, keepdims=True)
        return np.divide(u, tot, out=np.zeros_like(u), where=tot > 0), tot[:, 0] > 0

    parts = []
    for o, g in ho.groupby("origin", sort=True):
        before = np.datetime64(pd.Timestamp(o) + pd.Timedelta(weeks=1))
        past = wk < before
        recent, has_recent = shares(past & (wk >= before - np.timedelta64(13 * 7, "D")))
        everything, _ = shares(past)
        sh = np.where(has_recent[:, None], recent, everything)
        for week, gw in g.groupby("week_start", sort=True):
            k = skus.get_indexer(gw["sku"])
            there = (sh[k] > 0).any(axis=0)
            parts.append(pd.DataFrame({
                "week_start": week, "shop_id": shops[there],
                "forecast_units": (gw["chosen"].to_numpy(float) @ sh[k])[there],
                "ma13": (gw["ma13"].to_numpy(float) @ sh[k])[there], "origin": o}))
    return pd.concat(parts, ignore_index=True)


def _totals_holdout(ho: pd.DataFrame, shop_weekly: pd.DataFrame | None) -> pd.DataFrame:
    """WAPE of the reconciled totals on the holdout: per origin and target week, the total,
    each category and each shop, summed bottom-up from the chosen SKU forecasts (the shop
    shares from the 13 weeks before each origin), against the actual totals; beside them the
    13-week mean summed the same way."""
    out = []
    for level, key in (("total", []), ("category", ["category"])):
        g = ho.groupby(["origin", "week_start", *key])[["units_actual", "chosen", "ma13", "snaive"]].sum()
        out.append({"level": level, "count_series": int(g.reset_index()[key].drop_duplicates().shape[0]) if key else 1,
                    "wape_rate": wape(g["units_actual"], g["chosen"]),
                    "wape_ma13_rate": wape(g["units_actual"], g["ma13"]),
                    "wape_snaive_rate": wape(g["units_actual"], g["snaive"])})
    if shop_weekly is not None and len(shop_weekly):
        sw = shop_weekly.assign(week_start=pd.to_datetime(shop_weekly["week_start"]))
        fc = _shop_forecasts_holdout(ho, sw)
        act = sw[sw["sku"].isin(set(ho["sku"]))].groupby(["week_start", "shop_id"], as_index=False)["units"].sum()
        m = fc.merge(act, on=["week_start", "shop_id"], how="left").fillna({"units": 0})
        out.append({"level": "shop", "count_series": int(m["shop_id"].nunique()),
                    "wape_rate": wape(m["units"], m["forecast_units"]),
                    "wape_ma13_rate": wape(m["units"], m["ma13"]), "wape_snaive_rate": np.nan})
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------------------
# the forecast the report and replenishment use
# ----------------------------------------------------------------------------------------
def forecast_chosen(panel: pd.DataFrame, ev: Evaluation, calendar: pd.DataFrame | None = None,
                    horizons: int = 8, extra_days=()) -> pd.DataFrame:
    """Forecast the ``horizons`` weeks after the panel's last week for every SKU with the
    method its segment (at the last week) was given by ``ev.choice`` and the 80 % / 95 %
    conformal intervals of ``ev.intervals`` (both fixed before the holdout was scored). The
    gbm candidate: on the panel the evaluation ran on, its latest fit (``ev.gbm``, at most
    ``gbm_refit_weeks`` old, as every holdout origin used it); on another panel a fit on
    every week up to the last. Columns ``sku, category,
    week_start, h, segment, method, forecast_units, lower_units, upper_units`` (the 80 %
    band, as the report draws it), ``lower_95_units, upper_95_units`` and ``mean_units`` =
    max(0, c + r_mean x sqrt(c + 1)) with c the bands' centre (:func:`_unrounded`: before
    rounding, the pooled model's mean for its median), moved by its segment's mean backtest
    error: the chosen point forecast minimises absolute error (for a SKU selling a unit
    every other week it can be 0), while replenishment needs the mean demand."""
    A = F._arrays(panel, extra_days, calendar)
    Y, o = A.y, len(A.weeks) - 1
    seg = segments(Y, A.first_sale)
    ch = ev.choice.set_index("segment")["method"]
    method = pd.Series(seg).map(ch).fillna(ch["*"]).to_numpy()
    need = {n for m in set(method) for n in _candidates_of(m)}
    gbm = None
    if "gbm" in need:
        g = ev.gbm
        if (g is not None and g.model_ is not None and g.horizons == horizons
                and len(g.A.weeks) == len(A.weeks) and (g.A.weeks == A.weeks).all()
                and np.array_equal(g.A.skus, A.skus) and np.array_equal(g.A.y, A.y)):
            gbm = g      # the same panel: the evaluation's latest fit, as the holdout used it
        else:
            gbm = PooledGBM(A, horizons, **ev.gbm_kw).fit(o)
    c = candidate_forecasts(Y, o, horizons, A.first_sale, [n for n in CANDIDATES if n in need], gbm)
    fc, raw = np.zeros((len(Y), horizons)), np.zeros((len(Y), horizons))
    for h in range(horizons):
        frame = pd.DataFrame({k: np.nan_to_num(v[:, h]) for k, v in c.items()})
        for m in set(method):
            sel = method == m
            fc[sel, h] = _method_values(frame[sel], m)
            raw[sel, h] = _method_values(frame[sel], _unrounded(m, frame.columns))
    raw[A.first_sale > o] = 0.0
    fc[A.first_sale > o] = 0.0
    cats = np.array([A.categories[k] for k in A.cat_code], dtype=object)
    rows = []
    for h in range(1, horizons + 1):
        rows.append(pd.DataFrame({"sku": A.skus, "category": cats,
                                  "week_start": A.weeks[o] + pd.Timedelta(weeks=h), "h": h,
                                  "segment": seg, "method": method, "forecast_units": fc[:, h - 1],
                                  "raw": raw[:, h - 1]}))
    out = pd.concat(rows, ignore_index=True)
    for c_ in LEVELS:
        lo, hi = apply_intervals(out["raw"], out["segment"], ev.intervals, c_)
        sfx = "" if c_ == 0.8 else "_95"
        out[f"lower{sfx}_units"] = np.minimum(lo, out["forecast_units"])
        out[f"upper{sfx}_units"] = np.maximum(hi, out["forecast_units"])
    out["mean_units"] = _mean_units(out.pop("raw"), out["segment"], ev.intervals)
    out.loc[out["sku"].isin(A.skus[A.first_sale > o]), ["lower_units", "upper_units",
                                                         "lower_95_units", "upper_95_units",
                                                         "mean_units"]] = 0.0
    return out


def sigma_daily(forecast: pd.DataFrame, level: float = 0.95, weeks: int = 2) -> pd.Series:
    """Per SKU the daily demand spread the safety stock uses, read from the chosen forecast's
    conformal band (:func:`forecast_chosen`): sigma_week = (upper - lower) / (2 z) with z the
    normal quantile of the band's level (1.96 for 95 %), averaged over the first ``weeks``
    horizons; sigma_daily = sigma_week / sqrt(7). Index sku."""
    from scipy.special import ndtri  # = scipy.stats.norm.ppf (importing scipy.stats: ~1 CPU-s)
    z = float(ndtri((1 + level) / 2))
    lo, hi = ("lower_95_units", "upper_95_units") if level == 0.95 else ("lower_units", "upper_units")
    f = forecast[forecast["h"] <= weeks]
    width = (f[hi] - f[lo]).groupby(f["sku"]).mean()
    return (width / (2 * z) / np.sqrt(7)).fillna(0.0)
