"""Weekly demand forecasts per SKU, a rolling-origin backtest, and intermittent-demand methods.

Grain: one row per SKU and week (weeks start on Monday, Beijing days). Everything here works
on a weekly *panel* (``sku`` x ``week_start`` with ``units`` and price columns) that
:func:`weekly_panel` builds from the daily SKU sales of the warehouse
(``mart_sales_daily``, read by :func:`ecomlib.metrics.inventory_queries.sku_daily`).

Models
------
* **Global gradient boosting** (:class:`GlobalForecaster`): one scikit-learn
  ``HistGradientBoostingRegressor`` (Poisson loss) pooled over all SKUs, *direct* multi-horizon:
  one row per (SKU, origin week o, horizon h) with features known at the origin only
  (lags and rolling means of units up to week o, discount and price level up to week o,
  weeks since first sale, category) plus the calendar of the target week o+h, which is known
  in advance: week of year, month and the week's days in the festivals of the warehouse's
  calendar ``dim_calendar`` (年货节, 38, 618, 双11, 双12, 春节: :mod:`ecomlib.calendar_dim`
  is the one definition of those windows; :data:`FESTIVAL_FEATURES` says which phases
  count), plus the seller's campaign days (``dim_calendar.campaign`` and user-listed days).
  Prediction intervals come from two quantile-loss models (default 10 % and 90 %).
* **SBA** (:func:`sba`): Croston's method with the Syntetos-Boylan bias correction for
  intermittent, low-volume SKUs (flat forecast per week = (1 - alpha/2) * z / p, z the smoothed
  non-zero demand size, p the smoothed interval between non-zero weeks).
* **Baselines**: seasonal naive (the same week one year earlier, y[t-52]) and the 13-week
  moving average at the origin.

A SKU is *intermittent* at an origin when its average demand interval ADI (weeks observed /
weeks with a sale, over the last 26 weeks) exceeds 1.32 (the Syntetos-Boylan-Croston cut-off)
and it sold less than ``low_volume_units`` a week on average; those SKUs get SBA.

The backtest (:func:`backtest`) is rolling-origin and strictly out-of-sample: at each origin
the model is fitted only on rows whose target week is at or before the origin, and every
feature of a test row is computed from weeks at or before the origin.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "campaign_days", "weekly_panel", "sba", "croston", "classify_demand", "GlobalForecaster",
    "backtest", "score", "forecast_ahead", "BacktestResult", "conformal_bands", "apply_bands",
    "interval_coverage",
]


# ----------------------------------------------------------------------------------------
# calendar
# ----------------------------------------------------------------------------------------
def _week_start(s: pd.Series) -> pd.Series:
    s = pd.to_datetime(s).dt.tz_localize(None) if getattr(pd.to_datetime(s).dt, "tz", None) \
        else pd.to_datetime(s)
    return (s - pd.to_timedelta(s.dt.day_of_week, unit="D")).dt.normalize()


#: calendar features: column -> (``dim_calendar.festival``, its ``festival_phase`` values);
#: per week, the number of days in that festival and phase. The windows are defined once, in
#: :mod:`ecomlib.calendar_dim`; the encoding here: the two long festivals (618, 双11) as
#: run-up and peak days, the others (年货节, 38, 双12, 春节) as their whole windows. Every
#: phase of every festival as its own column, or 年货节 by itself beside the old seven, scored
#: a worse backtest on the demo or the medium demo (DECISIONLOG 88).
FESTIVAL_FEATURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "nianhuo": ("年货节", ("runup", "peak")), "c38": ("38", ("runup", "peak")),
    "c618_runup": ("618", ("runup",)), "c618_peak": ("618", ("peak",)),
    "c1111_runup": ("双11", ("runup",)), "c1111_peak": ("双11", ("peak",)),
    "c1212": ("双12", ("runup", "peak")), "cny": ("春节", ("holiday", "peak")),
}
#: per week: the festival days of :data:`FESTIVAL_FEATURES`, then the seller's campaign days
CAMPAIGN_COLUMNS = (*FESTIVAL_FEATURES, "c_user")
_CALENDAR_COLUMNS = ("day", "week_start", "iso_week", "month", "festival", "festival_phase")


def _calendar_days(calendar: pd.DataFrame | None, start, end) -> pd.DataFrame:
    """The calendar's days ``start``..``end`` (inclusive) with ``day`` and ``week_start`` as
    Timestamps. ``calendar``: rows of ``dim_calendar`` (query ``common/calendar``, or
    :func:`ecomlib.calendar_dim.frame`); None builds them with :func:`ecomlib.calendar_dim.frame`
    (the platforms' festivals, no seller campaigns). Every day must be there: a calendar
    that ends early is an error naming the days it lacks."""
    from .. import calendar_dim
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if calendar is None:
        calendar = calendar_dim.frame(start, end)
    missing = [c for c in _CALENDAR_COLUMNS if c not in calendar.columns]
    if missing:
        raise KeyError(f"forecast calendar: the calendar lacks column(s) {missing}; pass rows of "
                       f"dim_calendar (query common/calendar); found {list(calendar.columns)}")
    day = pd.to_datetime(calendar["day"])
    cal = calendar[(day >= start) & (day <= end)].assign(
        day=lambda d: pd.to_datetime(d["day"]), week_start=lambda d: pd.to_datetime(d["week_start"]))
    want = (end - start).days + 1
    if cal["day"].nunique() != want:
        have = pd.DatetimeIndex(cal["day"].unique())
        lack = pd.date_range(start, end, freq="D").difference(have)
        raise ValueError(f"forecast calendar: dim_calendar has no row for {len(lack)} day(s) "
                         f"from {lack[0].date()} to {lack[-1].date()} (needed {start.date()}.."
                         f"{end.date()}); rebuild the warehouse (ecom build) or pass a longer "
                         "calendar")
    return cal.sort_values("day").reset_index(drop=True)


def campaign_days(calendar: pd.DataFrame, extra_days: Iterable = ()) -> pd.DataFrame:
    """One row per day of ``calendar`` (rows of ``dim_calendar``) with 0/1 flags: each column
    of :data:`FESTIVAL_FEATURES` is 1 on the days ``dim_calendar`` puts in its festival and
    phases (e.g. ``c618_runup`` June 1-17, ``c618_peak`` June 18, ``cny`` the days of 春节);
    ``c_user`` is 1 on
    the seller's campaign days (``campaign`` not empty, from parameters/calendar.yaml) and on
    ``extra_days`` (dates or ``"YYYY-MM-DD"`` strings). The windows are defined once, in
    :mod:`ecomlib.calendar_dim`."""
    cal = calendar
    out = pd.DataFrame({"date": pd.to_datetime(cal["day"]).to_numpy()})
    fest = cal["festival"].to_numpy(dtype=object)
    phase = cal["festival_phase"]
    for col, (f, phases) in FESTIVAL_FEATURES.items():
        out[col] = ((fest == f) & phase.isin(phases).to_numpy()).astype(int)
    user = cal["campaign"].notna().to_numpy() if "campaign" in cal.columns \
        else np.zeros(len(cal), dtype=bool)
    extra = list(extra_days)
    if extra:
        user = user | out["date"].isin(pd.DatetimeIndex(pd.to_datetime(pd.Series(extra, dtype=object)))).to_numpy()
    out["c_user"] = user.astype(int)
    return out


def weekly_calendar(weeks: pd.DatetimeIndex, calendar: pd.DataFrame | None = None,
                    extra_days: Iterable = ()) -> pd.DataFrame:
    """Per week (``dim_calendar.week_start``, a Monday): the number of days of each flag of
    :func:`campaign_days` in the week, and the ISO week (``week_of_year``) and month of its
    Thursday (the week's middle), all read from ``calendar`` (see :func:`_calendar_days`)."""
    if not len(weeks):
        return pd.DataFrame(columns=["week_start", "week_of_year", "month", *CAMPAIGN_COLUMNS])
    weeks = pd.DatetimeIndex(weeks)
    cal = _calendar_days(calendar, weeks.min(), weeks.max() + pd.Timedelta(days=6))
    flags = campaign_days(cal, extra_days)
    flags["week_start"] = cal["week_start"].to_numpy()
    out = flags.groupby("week_start")[list(CAMPAIGN_COLUMNS)].sum().reset_index()
    mid = cal[cal["day"] == cal["week_start"] + pd.Timedelta(days=3)].set_index("week_start")
    out["week_of_year"] = out["week_start"].map(mid["iso_week"]).astype(int)
    out["month"] = out["week_start"].map(mid["month"]).astype(int)
    out = out[out["week_start"].isin(weeks)].reset_index(drop=True)
    return out[["week_start", *CAMPAIGN_COLUMNS, "week_of_year", "month"]]


# ----------------------------------------------------------------------------------------
# panel
# ----------------------------------------------------------------------------------------
def weekly_panel(daily: pd.DataFrame, start, end, skus: Sequence[str] | None = None) -> pd.DataFrame:
    """Weekly panel: one row per SKU and week in the spine ``start``..``end`` (weeks that
    start on the Monday on or before ``start``; only whole weeks up to ``end``).

    ``daily`` has ``sales_date, sku, units`` and optionally ``paid_fen, list_fen, category``
    (the output of :func:`ecomlib.metrics.inventory_queries.sku_daily`); weeks start on
    Monday, as ``dim_calendar.week_start`` does. Weeks without sales are present with
    ``units = 0`` and money 0. ``skus`` adds SKUs that never sold (all zeros).
    Returns columns ``sku, category, week_start, units, paid_fen, list_fen``.
    """
    need = {"sales_date", "sku", "units"}
    missing = need - set(daily.columns)
    if missing:
        raise KeyError(f"weekly_panel: daily frame lacks column(s) {sorted(missing)}; "
                       f"found {list(daily.columns)}; pass the output of inventory_queries.sku_daily()")
    first = _week_start(pd.Series([pd.Timestamp(start)]))[0]
    last_day = pd.Timestamp(end).normalize()
    last = _week_start(pd.Series([last_day]))[0]
    if last + pd.Timedelta(days=6) > last_day:  # incomplete last week: leave it out
        last = last - pd.Timedelta(days=7)
    weeks = pd.date_range(first, last, freq="7D") if last >= first else pd.DatetimeIndex([])
    d = daily.copy()
    for c in ("paid_fen", "list_fen"):
        if c not in d.columns:
            d[c] = 0
    if "category" not in d.columns:
        d["category"] = None
    d["week_start"] = _week_start(d["sales_date"])
    d = d[d["week_start"].isin(weeks)]
    agg = d.groupby(["sku", "week_start"], as_index=False)[["units", "paid_fen", "list_fen"]].sum()
    all_skus = sorted(set(daily["sku"].dropna().unique()) | set(skus or []))
    spine = pd.MultiIndex.from_product([all_skus, weeks], names=["sku", "week_start"]).to_frame(index=False)
    out = spine.merge(agg, on=["sku", "week_start"], how="left")
    for c in ("units", "paid_fen", "list_fen"):
        out[c] = out[c].fillna(0).astype("int64")
    cats = daily.dropna(subset=["category"]).drop_duplicates("sku").set_index("sku")["category"] \
        if "category" in daily.columns else pd.Series(dtype=object)
    out["category"] = out["sku"].map(cats)
    return out[["sku", "category", "week_start", "units", "paid_fen", "list_fen"]]


# ----------------------------------------------------------------------------------------
# intermittent demand
# ----------------------------------------------------------------------------------------
def croston(y: Sequence[float], alpha: float = 0.1, sba_correction: bool = False) -> float:
    """Croston's forecast of demand per period from the history ``y`` (oldest first).

    Non-zero demands update the size z <- z + alpha (y - z) and the interval
    p <- p + alpha (q - p) (q = periods since the previous non-zero demand); zeros only age
    q. Initialised with the first non-zero demand and its position (+1). Forecast = z / p,
    times (1 - alpha/2) with ``sba_correction`` (Syntetos-Boylan approximation). No demand at
    all: 0. Units: the units of ``y`` per period.
    """
    y = np.asarray(y, dtype=float)
    nz = np.flatnonzero(y > 0)
    if not len(nz):
        return 0.0
    z, p = y[nz[0]], nz[0] + 1.0
    q = 0
    for v in y[nz[0] + 1:]:
        q += 1
        if v > 0:
            z += alpha * (v - z)
            p += alpha * (q - p)
            q = 0
    f = z / p
    return f * (1 - alpha / 2) if sba_correction else f


def sba(y: Sequence[float], alpha: float = 0.1) -> float:
    """Syntetos-Boylan approximation: ``croston(y, alpha) * (1 - alpha / 2)``."""
    return croston(y, alpha, sba_correction=True)


def tsb(y: Sequence[float], alpha: float = 0.1, beta: float = 0.1) -> float:
    """Teunter-Syntetos-Babai forecast of demand per period from ``y`` (oldest first).

    The demand probability is updated every period, p <- p + beta (1[y>0] - p), the size
    only when there is demand, z <- z + alpha (y - z); forecast = p * z. Initialised with
    p = share of periods with demand and z = mean non-zero demand over the first 13 periods
    (or the first demand, if none there). Unlike
    Croston/SBA the forecast decays while a SKU stops selling (obsolescence). No demand at
    all: 0.
    """
    y = np.asarray(y, dtype=float)
    if not (y > 0).any():
        return 0.0
    head = y[:13]
    p = float((head > 0).mean())
    z = float(head[head > 0].mean()) if (head > 0).any() else float(y[y > 0][0])
    for v in y:
        if v > 0:
            z += alpha * (v - z)
            p += beta * (1 - p)
        else:
            p += beta * (0 - p)
    return p * z


def classify_demand(y: Sequence[float], window: int = 26, low_volume_units: float = 2.0,
                    adi_cut: float = 1.32) -> str:
    """``intermittent`` or ``smooth`` from the last ``window`` periods of ``y``:
    ADI = periods / periods with demand (inf when none); intermittent when ADI > adi_cut
    and mean demand per period < ``low_volume_units``."""
    w = np.asarray(y, dtype=float)[-window:]
    n_nz = int((w > 0).sum())
    adi = len(w) / n_nz if n_nz else np.inf
    return "intermittent" if adi > adi_cut and w.mean() < low_volume_units else "smooth"


# ----------------------------------------------------------------------------------------
# features
# ----------------------------------------------------------------------------------------
FEATURES = ("h", "lag1", "lag2", "lag3", "lag4", "ma4", "ma13", "ma26", "nz13", "snaive",
            "snaive_ma3", "ly_ma4_at_origin", "age_weeks", "discount4_rate", "price_idx",
            "week_of_year", "month", *CAMPAIGN_COLUMNS, "category_code")


@dataclass
class _Arrays:
    skus: np.ndarray
    weeks: pd.DatetimeIndex
    y: np.ndarray        # (n_sku, n_week) units
    paid: np.ndarray
    lst: np.ndarray
    cat_code: np.ndarray
    categories: list
    cal: pd.DataFrame    # per week, calendar features
    first_sale: np.ndarray  # week index of first sale (n_week if never)
    calendar: pd.DataFrame | None = None  # dim_calendar days (None: calendar_dim.frame)
    # training rows per (o, h): (features of the SKUs live at o, their units at o + h). The
    # rows depend only on o and h, so the backtest's origins, whose training windows overlap
    # by all but ``every_weeks`` weeks, build each one once.
    train_rows: dict = field(default_factory=dict, repr=False)


def _arrays(panel: pd.DataFrame, extra_days: Iterable = (),
            calendar: pd.DataFrame | None = None) -> _Arrays:
    p = panel.sort_values(["sku", "week_start"])
    skus = p["sku"].drop_duplicates().to_numpy()
    weeks = pd.DatetimeIndex(sorted(p["week_start"].unique()))
    S, W = len(skus), len(weeks)
    y = p["units"].to_numpy(dtype=float).reshape(S, W)
    paid = p["paid_fen"].to_numpy(dtype=float).reshape(S, W)
    lst = p["list_fen"].to_numpy(dtype=float).reshape(S, W)
    cat = p.drop_duplicates("sku").set_index("sku")["category"].reindex(skus).fillna("?")
    categories = sorted(cat.unique())
    code = cat.map({c: i for i, c in enumerate(categories)}).to_numpy()
    cal = weekly_calendar(weeks, calendar, extra_days)
    # future weeks' calendar (for targets beyond the panel) is read on demand
    has = y > 0
    first_sale = np.where(has.any(axis=1), has.argmax(axis=1), W)
    return _Arrays(skus, weeks, y, paid, lst, code, categories, cal, first_sale,
                   calendar=calendar)


def _roll_mean(y: np.ndarray, o: int, k: int) -> np.ndarray:
    a = max(0, o - k + 1)
    return y[:, a:o + 1].mean(axis=1)


def _features_at(A: _Arrays, o: int, h: int, cal_row: pd.Series) -> np.ndarray:
    """Feature matrix (n_sku x len(FEATURES)) at origin week index o for horizon h.
    Uses columns 0..o of the history only; the calendar row is the target week's."""
    y = A.y
    S = y.shape[0]
    t = o + h
    col = lambda j: y[:, j] if 0 <= j <= o else np.full(S, np.nan)  # noqa: E731
    sn = col(t - 52)
    sn3 = np.nanmean(np.stack([col(t - 53), col(t - 52), col(t - 51)]), axis=0) \
        if t - 53 >= 0 and t - 51 <= o else np.full(S, np.nan)
    ly4 = y[:, max(0, o - 55):o - 51].mean(axis=1) if o - 52 >= 0 else np.full(S, np.nan)
    a4 = max(0, o - 3)
    paid4, list4 = A.paid[:, a4:o + 1].sum(axis=1), A.lst[:, a4:o + 1].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = np.where(list4 > 0, 1 - paid4 / list4, np.nan)
        u4 = y[:, a4:o + 1].sum(axis=1)
        a26 = max(0, o - 25)
        u26 = y[:, a26:o + 1].sum(axis=1)
        unit_price4 = np.where(u4 > 0, list4 / np.maximum(u4, 1), np.nan)
        unit_price26 = np.where(u26 > 0, A.lst[:, a26:o + 1].sum(axis=1) / np.maximum(u26, 1), np.nan)
        price_idx = unit_price4 / unit_price26
    age = np.where(A.first_sale <= o, o - A.first_sale, -1).astype(float)
    cols = [np.full(S, h, float), col(o), col(o - 1), col(o - 2), col(o - 3),
            _roll_mean(y, o, 4), _roll_mean(y, o, 13), _roll_mean(y, o, 26),
            (y[:, max(0, o - 12):o + 1] > 0).mean(axis=1), sn, sn3, ly4, age, disc, price_idx,
            np.full(S, cal_row["week_of_year"], float), np.full(S, cal_row["month"], float),
            *[np.full(S, cal_row[c], float) for c in CAMPAIGN_COLUMNS], A.cat_code.astype(float)]
    return np.column_stack(cols)


def _cal_for(A: _Arrays, t: int, extra_days) -> pd.Series:
    if t < len(A.weeks):
        return A.cal.iloc[t]
    wk = A.weeks[-1] + pd.Timedelta(weeks=t - len(A.weeks) + 1)
    return weekly_calendar(pd.DatetimeIndex([wk]), A.calendar, extra_days).iloc[0]


def _training(A: _Arrays, origin: int, horizons: int, min_history: int, train_weeks: int,
              extra_days) -> tuple[np.ndarray, np.ndarray]:
    X, Y = [], []
    lo = max(min_history, origin - train_weeks)
    for key in [k for k in A.train_rows if k[0] < lo]:  # origins move forward: no longer needed
        del A.train_rows[key]
    for o in range(lo, origin):
        for h in range(1, horizons + 1):
            t = o + h
            if t > origin:
                break
            rows = A.train_rows.get((o, h))
            if rows is None:
                f = _features_at(A, o, h, A.cal.iloc[t])
                live = A.first_sale <= o   # only SKUs that have sold by the origin
                rows = A.train_rows[(o, h)] = (f[live], A.y[live, t])
            X.append(rows[0])
            Y.append(rows[1])
    if not X:
        return np.zeros((0, len(FEATURES))), np.zeros(0)
    return np.vstack(X), np.concatenate(Y)


def _threads(n: int | None):
    """Limit OpenMP threads inside the block (``None``: no limit)."""
    import contextlib

    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=n, user_api="openmp") if n else contextlib.nullcontext()


class GlobalForecaster:
    """Pooled weekly demand model: ``fit(panel, origin)`` then ``predict(horizons)``.

    Parameters
    ----------
    horizons : weeks ahead (direct model: horizon is a feature; one row per horizon).
    quantiles : lower/upper quantiles of the interval models, or None for point only.
    max_iter, learning_rate : of the gradient boosting.
    train_weeks : how many origins before the current one feed the training set.
    min_history : the first origin used for training (weeks of history needed).
    extra_days : user-listed campaign days (flagged in ``c_user`` with dim_calendar's own).
    calendar : rows of ``dim_calendar`` (query ``common/calendar``) covering the panel's weeks
        and the forecast horizon; None: :func:`ecomlib.calendar_dim.frame`.
    n_threads : OpenMP threads for the trees (default 1: on a shared 2-core machine more
        threads oversubscribe the cores and a 3 s fit took 60 s; None = library default).
    """

    def __init__(self, horizons: int = 8, quantiles: tuple[float, float] | None = (0.1, 0.9),
                 max_iter: int = 80, learning_rate: float = 0.1, train_weeks: int = 52,
                 min_history: int = 8, extra_days: Iterable = (), random_state: int = 0,
                 n_threads: int | None = 1, calendar: pd.DataFrame | None = None):
        self.horizons = horizons
        self.quantiles = quantiles
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.train_weeks = train_weeks
        self.min_history = min_history
        self.extra_days = list(extra_days)
        self.calendar = calendar
        self.random_state = random_state
        self.n_threads = n_threads

    def _model(self, loss: str, q: float | None = None):
        from sklearn.ensemble import HistGradientBoostingRegressor
        kw = dict(max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=15,
                  min_samples_leaf=40, l2_regularization=1.0, random_state=self.random_state,
                  categorical_features=[len(FEATURES) - 1])
        if loss == "quantile":
            return HistGradientBoostingRegressor(loss="quantile", quantile=q, **kw)
        return HistGradientBoostingRegressor(loss=loss, **kw)

    def _design(self, A: _Arrays, o: int) -> tuple[np.ndarray, np.ndarray]:
        """Training matrix and targets for origin index ``o`` (checked, all-missing feature
        columns set to a constant)."""
        X, Y = _training(A, o, self.horizons, self.min_history, self.train_weeks, self.extra_days)
        if len(Y) < 50 or Y.sum() <= 0:
            raise ValueError(f"GlobalForecaster.fit: only {len(Y)} training rows with "
                             f"{Y.sum():.0f} units before origin {A.weeks[o].date()}; "
                             f"need at least {self.min_history + 2} weeks of sales history")
        # a feature with no value at all yet (e.g. last year's week before a year of history)
        # is set to a constant: the trees cannot bin an all-missing column
        X[:, np.isnan(X).all(axis=0)] = -1.0
        return X, Y

    def _fit_models(self, X: np.ndarray, Y: np.ndarray) -> None:
        with _threads(self.n_threads):
            self.point_ = self._model("poisson").fit(X, Y)
            self.bounds_ = None
            if self.quantiles:
                self.bounds_ = [self._model("quantile", q).fit(X, Y) for q in self.quantiles]
        self.n_train_ = len(Y)

    def fit(self, panel: pd.DataFrame, origin=None, arrays: _Arrays | None = None) -> "GlobalForecaster":
        """Fit on every (SKU, origin o, horizon h) with o + h <= ``origin`` (a week_start;
        default the panel's last week). Nothing after ``origin`` is read."""
        A = arrays if arrays is not None else _arrays(panel, self.extra_days, self.calendar)
        o = len(A.weeks) - 1 if origin is None else int(A.weeks.get_loc(pd.Timestamp(origin)))
        X, Y = self._design(A, o)
        self.A_, self.origin_ = A, o
        self._fit_models(X, Y)
        return self

    def _predict_features(self, horizons: int | None) -> list[np.ndarray]:
        A, o = self.A_, self.origin_
        out = []
        for h in range(1, (horizons or self.horizons) + 1):
            f = _features_at(A, o, min(h, self.horizons), _cal_for(A, o + h, self.extra_days))
            f[:, 0] = min(h, self.horizons)
            out.append(f)
        return out

    def predict(self, horizons: int | None = None) -> pd.DataFrame:
        """Forecast per SKU and target week for h = 1..horizons from the fitted origin.
        Columns: ``sku, week_start, h, forecast_units`` (+ ``lower_units, upper_units``)."""
        feats = self._predict_features(horizons)
        with _threads(self.n_threads):
            preds = _predict_models(self.point_, self.bounds_, feats)
        return self._prediction_frame(preds)

    def _prediction_frame(self, preds: list) -> pd.DataFrame:
        """The frame of :meth:`predict` from the models' outputs per horizon
        (``[(point, lower or None, upper or None), ...]``)."""
        A, o = self.A_, self.origin_
        rows = []
        for h, (pred, lo, hi) in enumerate(preds, start=1):
            part = {"sku": A.skus, "week_start": A.weeks[o] + pd.Timedelta(weeks=h), "h": h,
                    "forecast_units": pred}
            if lo is not None:
                part["lower_units"] = np.minimum(lo, pred)
                part["upper_units"] = np.maximum(hi, pred)
            rows.append(pd.DataFrame(part))
        out = pd.concat(rows, ignore_index=True)
        # SKUs that have not sold yet by the origin: no basis for a model forecast
        unsold = A.first_sale > o
        out.loc[np.tile(unsold, len(rows)), [c for c in out.columns if c.endswith("_units")]] = 0.0
        return out


def _predict_models(point, bounds, feats: list[np.ndarray]) -> list[tuple]:
    """Point (and interval) predictions, clipped at 0, for each horizon's feature matrix."""
    out = []
    for f in feats:
        pred = np.clip(point.predict(f), 0, None)
        lo = hi = None
        if bounds:
            lo, hi = (np.clip(m.predict(f), 0, None) for m in bounds)
        out.append((pred, lo, hi))
    return out


def _fit_predict_job(fc: "GlobalForecaster", X: np.ndarray, Y: np.ndarray,
                     feats: list[np.ndarray]) -> tuple[list, float]:
    """Worker of the parallel backtest: fit ``fc``'s models on (X, Y) and predict ``feats``.
    Returns the predictions (as :func:`_predict_models`) and the fit's wall seconds."""
    t0 = time.perf_counter()
    fc._fit_models(X, Y)
    secs = time.perf_counter() - t0
    with _threads(fc.n_threads):
        return _predict_models(fc.point_, fc.bounds_, feats), secs


# ----------------------------------------------------------------------------------------
# backtest
# ----------------------------------------------------------------------------------------
@dataclass
class BacktestResult:
    """``forecasts``: one row per SKU, origin and horizon with the actual and every method's
    forecast; ``by_category`` / ``overall``: the scores (see :func:`score`); ``seconds``:
    wall time; ``origins``: the origin weeks."""

    forecasts: pd.DataFrame
    by_category: pd.DataFrame
    overall: pd.DataFrame
    seconds: float
    origins: list = field(default_factory=list)
    fit_seconds: float = 0.0


def _origin_forecasts(A: _Arrays, o: int, pred: pd.DataFrame, horizons: int,
                      low_volume_units: float, alpha: float) -> pd.DataFrame:
    """Backtest rows of origin ``o``: ``pred`` (the model's :meth:`GlobalForecaster.predict`
    frame) beside TSB, SBA, the baselines and the actuals."""
    W = len(A.weeks)
    cls = np.array([classify_demand(A.y[i, A.first_sale[i]:o + 1], low_volume_units=low_volume_units)
                    if A.first_sale[i] <= o else "none" for i in range(len(A.skus))])
    sba_f = np.array([sba(A.y[i, A.first_sale[i]:o + 1], alpha) if A.first_sale[i] <= o else 0.0
                      for i in range(len(A.skus))])
    tsb_f = np.array([tsb(A.y[i, A.first_sale[i]:o + 1], alpha, alpha) if A.first_sale[i] <= o
                      else 0.0 for i in range(len(A.skus))])
    ma13 = _roll_mean(A.y, o, 13)
    # in-sample scale for MASE: mean |y[t] - y[t-1]| over the SKU's history up to the origin
    scale = np.array([np.abs(np.diff(A.y[i, A.first_sale[i]:o + 1])).mean()
                      if o - A.first_sale[i] >= 2 else np.nan for i in range(len(A.skus))])
    parts = []
    for h in range(1, horizons + 1):
        t = o + h
        if t >= W:
            break
        p = pred[pred["h"] == h]
        parts.append(pd.DataFrame({
            "sku": A.skus, "category": [A.categories[c] for c in A.cat_code],
            "origin": A.weeks[o], "week_start": A.weeks[t], "h": h,
            "units_actual": A.y[:, t], "gbm": p["forecast_units"].to_numpy(),
            "lower_units": p["lower_units"].to_numpy() if "lower_units" in p else np.nan,
            "upper_units": p["upper_units"].to_numpy() if "upper_units" in p else np.nan,
            "sba": sba_f, "tsb": tsb_f, "snaive": A.y[:, t - 52] if t - 52 >= 0 else np.nan, "ma13": ma13,
            "demand_class": cls, "scale": scale}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(out):
        out = out[out["demand_class"] != "none"]
        out["combined"] = np.where(out["demand_class"] == "intermittent", out["tsb"], out["gbm"])
    return out


def score(forecasts: pd.DataFrame, by: Sequence[str] = ("category",),
          methods: Sequence[str] = ("combined", "gbm", "tsb", "sba", "ma13", "snaive")) -> pd.DataFrame:
    """Accuracy per group over the backtest rows (rows without a seasonal-naive value are
    dropped for every method, so all methods are scored on the same points).

    MAE = mean |y - f| (units per SKU-week); WAPE = sum |y - f| / sum y (0..inf; NaN when no
    units sold); MASE = mean over rows of |y - f| / scale, scale = the SKU's in-sample mean
    absolute one-week change up to the origin (rows with scale 0 or unknown are left out of
    MASE); skill_rate = 1 - MAE(combined) / MAE(seasonal naive).
    Returns one row per group with ``mae_units, wape_rate, mase`` of ``combined`` and the
    ``*_<method>`` columns of the others.
    """
    f = forecasts.dropna(subset=["snaive"])
    keys = list(by)
    rows = []
    groups = f.groupby(keys, dropna=False) if keys else [((), f)]
    for k, g in groups:
        row = dict(zip(keys, k if isinstance(k, tuple) else (k,)))
        row["count_forecasts"] = len(g)
        row["units_actual"] = float(g["units_actual"].sum())
        ok = g["scale"] > 0
        for m in methods:
            err = (g["units_actual"] - g[m]).abs()
            suffix = "" if m == methods[0] else f"_{m}"
            row[f"mae_units{suffix}"] = err.mean()
            row[f"wape{suffix}_rate" if suffix else "wape_rate"] = (
                err.sum() / g["units_actual"].sum() if g["units_actual"].sum() > 0 else np.nan)
            row[f"mase{suffix}"] = (err[ok] / g.loc[ok, "scale"]).mean() if ok.any() else np.nan
        row["skill_rate"] = 1 - row["mae_units"] / row["mae_units_snaive"] \
            if row["mae_units_snaive"] > 0 else np.nan
        row["beats_snaive"] = bool(row["mae_units"] < row["mae_units_snaive"])
        if "lower_units" in g and g["lower_units"].notna().any():
            sm = g[g["demand_class"] == "smooth"]
            row["coverage_rate"] = ((sm["units_actual"] >= sm["lower_units"].round(0) - 1e-9)
                                    & (sm["units_actual"] <= np.ceil(sm["upper_units"]) + 1e-9)).mean() \
                if len(sm) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def backtest(panel: pd.DataFrame, first_origin, last_origin=None, every_weeks: int = 4,
             horizons: int = 8, low_volume_units: float = 2.0, sba_alpha: float = 0.1,
             intervals: bool = True, extra_days: Iterable = (), n_jobs: int | None = None,
             calendar: pd.DataFrame | None = None, **model_kw) -> BacktestResult:
    """Rolling-origin backtest: origins every ``every_weeks`` weeks from ``first_origin`` to
    ``last_origin`` (week_start values; default the last week with a full horizon ahead).

    At each origin the global model is refitted on data up to the origin only and forecasts
    h = 1..``horizons`` weeks; SBA, seasonal naive and the 13-week mean are computed from the
    same history. ``calendar``: dim_calendar rows (see :class:`GlobalForecaster`). Returns
    the per-row forecasts and the scores per category and overall
    (:func:`score`), with the wall time in seconds. ``n_jobs``: worker processes for the
    origins' fits (default: 2 when a core is idle, see :func:`_backtest_jobs`; the results do
    not depend on it).
    """
    t0 = time.perf_counter()
    if not len(panel):
        empty = pd.DataFrame()
        return BacktestResult(empty, empty, empty, 0.0, [])
    A = _arrays(panel, extra_days, calendar)
    W = len(A.weeks)
    o0 = int(A.weeks.searchsorted(pd.Timestamp(first_origin)))
    o1 = W - 1 - 1 if last_origin is None else int(A.weeks.searchsorted(pd.Timestamp(last_origin)))
    if o0 < 51 or o0 > W - 2:
        raise ValueError(f"backtest: first_origin {pd.Timestamp(first_origin).date()} needs at "
                         f"least 51 weeks of history before it (so that the seasonal naive "
                         f"y[t-52] exists for the first target week) and one week "
                         f"after it; the panel covers {A.weeks[0].date() if W else '-'}.."
                         f"{A.weeks[-1].date() if W else '-'}")
    origins = list(range(o0, min(o1, W - 2) + 1, every_weeks))
    models = []
    for o in origins:
        fc = GlobalForecaster(horizons=horizons, quantiles=(0.1, 0.9) if intervals else None,
                              extra_days=extra_days, **model_kw)
        fc.A_, fc.origin_ = A, o
        models.append(fc)
    jobs = _backtest_jobs(n_jobs, len(origins), len(A.skus))
    fit_s = 0.0
    if jobs > 1:
        # the fits are independent: run them in worker processes (each single-threaded, so
        # the result is the same as in turn); the design matrices are built here, where the
        # training rows shared by neighbouring origins are computed once
        from joblib import Parallel, delayed
        tasks = (delayed(_fit_predict_job)(
                     GlobalForecaster(horizons=horizons, quantiles=fc.quantiles,
                                      extra_days=extra_days, **model_kw),  # without the arrays
                     *fc._design(A, o), fc._predict_features(horizons))
                 for fc, o in zip(models, origins))   # a generator: at most 2 x jobs designs in memory
        results = Parallel(n_jobs=jobs, backend="loky")(tasks)
        # stop the workers now: idle, they would hold their memory for loky's 5-minute
        # timeout and be interrupted when a report's kernel shuts down
        from joblib.externals.loky import get_reusable_executor
        get_reusable_executor().shutdown(wait=True)
        preds = []
        for fc, (p, secs) in zip(models, results):
            preds.append(fc._prediction_frame(p))
            fit_s += secs
    else:
        preds = []
        for fc, o in zip(models, origins):
            X, Y = fc._design(A, o)
            t1 = time.perf_counter()
            fc._fit_models(X, Y)
            fit_s += time.perf_counter() - t1
            preds.append(fc.predict(horizons))
    parts = [_origin_forecasts(A, o, p, horizons, low_volume_units, sba_alpha)
             for o, p in zip(origins, preds)]
    f = pd.concat(parts, ignore_index=True)
    return BacktestResult(f, score(f, ("category",)), score(f, ()),
                          time.perf_counter() - t0, [A.weeks[o] for o in origins], fit_s)


def _backtest_jobs(n_jobs: int | None, n_origins: int, n_skus: int,
                   load: float | None = None) -> int:
    """Worker processes for the backtest's fits: ``n_jobs`` when given. By default (None) 2
    when a second core is idle (1-minute load average ``load``, default ``os.getloadavg()``,
    below the number of cores - 0.5) and the panel has 100 SKUs or more; else 1. A worker
    only pays when a core is free for it: it costs about 2 CPU-s to start, and when the
    runner already refreshes two reports at once on two cores (DECISIONLOG 61) it would only
    compete with them; under 100 SKUs a fit takes milliseconds. Never more than the origins;
    1 means the fits run in turn in this process."""
    if n_jobs is None:
        cores = os.cpu_count() or 1
        if load is None:
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float(cores)
        n_jobs = 2 if cores >= 2 and n_skus >= 100 and load < cores - 0.5 else 1
    return max(1, min(int(n_jobs), n_origins))


def forecast_ahead(panel: pd.DataFrame, horizons: int = 8, low_volume_units: float = 2.0,
                   sba_alpha: float = 0.1, extra_days: Iterable = (), bands: pd.DataFrame | None = None,
                   calendar: pd.DataFrame | None = None, **model_kw) -> pd.DataFrame:
    """Forecast the ``horizons`` weeks after the panel's last week for every SKU: the global
    model for regular SKUs, TSB (flat, no interval) for intermittent ones. The interval of
    regular SKUs comes from ``bands`` (:func:`conformal_bands` of a backtest) when given,
    else from two quantile-loss models (``quantiles`` in ``model_kw``, default 10 %/90 %;
    three fits instead of one). ``calendar``: dim_calendar rows covering the panel and the
    ``horizons`` weeks after it. Columns: ``sku, category, week_start, h, demand_class, method,
    forecast_units, lower_units, upper_units`` (units per week)."""
    A = _arrays(panel, extra_days, calendar)
    o = len(A.weeks) - 1
    if bands is not None:
        model_kw["quantiles"] = None
    fc = GlobalForecaster(horizons=horizons, extra_days=extra_days, calendar=calendar,
                          **model_kw).fit(panel, arrays=A)
    f = fc.predict(horizons)
    if bands is not None:
        f = apply_bands(f, bands)
    cls = {s: (classify_demand(A.y[i, A.first_sale[i]:], low_volume_units=low_volume_units)
               if A.first_sale[i] <= o else "none") for i, s in enumerate(A.skus)}
    sb = {s: tsb(A.y[i, A.first_sale[i]:], sba_alpha, sba_alpha) if A.first_sale[i] <= o else 0.0
          for i, s in enumerate(A.skus)}
    f["demand_class"] = f["sku"].map(cls)
    inter = f["demand_class"] == "intermittent"
    f["method"] = np.where(inter, "tsb", "gbm")
    f.loc[inter, "forecast_units"] = f.loc[inter, "sku"].map(sb)
    f.loc[inter, ["lower_units", "upper_units"]] = np.nan
    f["category"] = f["sku"].map(dict(zip(A.skus, [A.categories[c] for c in A.cat_code])))
    return f[["sku", "category", "week_start", "h", "demand_class", "method", "forecast_units",
              "lower_units", "upper_units"]]


def conformal_bands(forecasts: pd.DataFrame, lower: float = 0.1, upper: float = 0.9,
                    method: str = "combined") -> pd.DataFrame:
    """Interval widths per horizon from out-of-sample backtest errors (normalised split
    conformal): r = (y - f) / sqrt(f + 1) over the backtest rows of regular (``smooth``) SKUs;
    per horizon h the ``lower``/``upper`` empirical quantiles of r. Columns ``h, r_lower,
    r_upper, count_forecasts``. Apply with :func:`apply_bands`."""
    f = forecasts[forecasts["demand_class"] == "smooth"]
    r = (f["units_actual"] - f[method]) / np.sqrt(f[method] + 1)
    g = pd.DataFrame({"h": f["h"], "r": r}).groupby("h")["r"]
    return pd.DataFrame({"r_lower": g.quantile(lower), "r_upper": g.quantile(upper),
                         "count_forecasts": g.size()}).reset_index()


def apply_bands(forecast: pd.DataFrame, bands: pd.DataFrame, value: str = "forecast_units") -> pd.DataFrame:
    """lower_units / upper_units = max(0, f + r_lower/upper x sqrt(f + 1)) for the rows whose
    horizon has a band (horizons beyond the backtest's use its last horizon)."""
    out = forecast.copy()
    b = bands.set_index("h")
    h = out["h"].clip(upper=b.index.max()) if len(b) else out["h"]
    f = out[value]
    lo = h.map(b["r_lower"]) if len(b) else np.nan
    hi = h.map(b["r_upper"]) if len(b) else np.nan
    out["lower_units"] = np.minimum(np.clip(f + lo * np.sqrt(f + 1), 0, None), f)
    out["upper_units"] = np.maximum(f + hi * np.sqrt(f + 1), f)
    return out


def interval_coverage(forecasts: pd.DataFrame, lower: float = 0.1, upper: float = 0.9) -> float:
    """Honest coverage of :func:`conformal_bands`: bands calibrated on the first half of the
    backtest origins, coverage = share of the second half's regular-SKU actuals inside
    [lower, upper] (target ``upper - lower``). NaN with fewer than 2 origins."""
    origins = sorted(forecasts["origin"].unique())
    if len(origins) < 2:
        return np.nan
    cut = origins[len(origins) // 2]
    cal, test = forecasts[forecasts["origin"] < cut], forecasts[forecasts["origin"] >= cut]
    test = apply_bands(test[test["demand_class"] == "smooth"], conformal_bands(cal, lower, upper),
                       "combined")
    if not len(test):
        return np.nan
    y = test["units_actual"]
    return float(((y >= test["lower_units"]) & (y <= test["upper_units"])).mean())
