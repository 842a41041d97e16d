"""Local forecasting methods for weekly SKU demand, vectorised over SKUs.

Every function takes ``Y``, a (SKUs x weeks) array of history (oldest week first; units per
week) that ends at the forecast origin, and returns forecasts of the next weeks: a (SKUs,)
array of a flat forecast, or a (SKUs x horizons) array. Nothing here reads a week after the
origin. A SKU whose history holds no demand gets 0. These are the candidates that
:mod:`ecomlib.models.forecast_select` backtests beside the pooled gradient-boosting model of
:mod:`ecomlib.models.forecast`.

Formulas (y_t the units of week t, the last week of ``Y`` is the origin o):

* **Seasonal naive** ``seasonal_naive``: f(o+h) = y(o+h-52) (NaN without a year of history).
* **Window mean** ``window_mean``: f = mean of the last k weeks (k = 4, 13, 26, 52 ...).
* **Croston** ``croston``: on weeks with demand, size z <- z + a (y - z) and interval
  p <- p + a (q - p) (q = weeks since the previous demand); f = z / p. Initialised with the
  first demand and its position (+1).
* **SBA** ``sba``: Croston x (1 - a / 2) (Syntetos-Boylan approximation).
* **TSB** ``tsb``: probability p <- p + b (1[y>0] - p) every week, size z <- z + a (y - z)
  on weeks with demand; f = p z. Initialised with the share of weeks with demand and their
  mean size over the first 13 weeks (or the first demand).
* **IMAPA** ``imapa``: for every aggregation level k = 1..K (K = the SKU's mean interval
  between demands, rounded, at least 1, at most ``max_level``) the history is summed into
  non-overlapping buckets of k weeks ending at the origin, SES (alpha from a grid, by
  in-sample squared one-step error) forecasts the next bucket, divided by k; f = the mean
  over the levels (Petropoulos and Kourentzes 2015).
* **ETS** ``auto_ets``: additive-error exponential smoothing without seasonality (52-week
  seasons need more history than two years give): ANN (level l), AAN (level + trend b),
  AAdN (damped trend, phi). Recursions: e = y - (l + phi b); l <- l + phi b + alpha e;
  b <- phi b + beta e. Forecast l + (phi + ... + phi^h) b. Parameters from a grid by the
  in-sample sum of squared one-step errors; per SKU the model with the smallest AICc =
  n log(SSE / n) + 2k + 2k(k+1)/(n-k-1) (k = parameters + initial states) is used.
* **Theta** ``auto_theta``: the theta method as SES with drift (Hyndman and Billah 2003):
  f(h) = SES level + (1 - 1/theta) b0 ((1 - (1 - alpha)^n) / alpha + h - 1), b0 the least
  squares slope of y on t, alpha from a grid by in-sample squared error; theta = 2 is the
  standard theta method, ``auto_theta`` picks theta from {1, 2, 3} per SKU by in-sample
  squared one-step error (the optimised theta method), the forecast clipped at 0.

statsforecast has AutoETS and AutoTheta too, but its current release needs pandas < 3 (the
workbench runs pandas 3) and brings statsmodels, fugue and coreforecast (about 130 MB of
wheels with their dependencies); these few recursions in numpy are what the candidates use
(DECISIONLOG 102).
"""
from __future__ import annotations

import numpy as np

__all__ = ["seasonal_naive", "window_mean", "croston", "sba", "tsb", "imapa", "ses",
           "auto_ets", "auto_theta", "demand_interval", "ALPHAS"]

#: the smoothing grid of SES, ETS and theta
ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7)


def _2d(Y) -> np.ndarray:
    Y = np.asarray(Y, dtype=float)
    return Y[None, :] if Y.ndim == 1 else Y


def _starts(Y: np.ndarray, start) -> np.ndarray:
    """Per SKU the first week that counts (``start``; default the first week with demand, so
    weeks before a launch are not read as zero demand). A SKU without demand starts after
    the history."""
    if start is not None:
        return np.asarray(start, dtype=int)
    has = Y > 0
    return np.where(has.any(axis=1), has.argmax(axis=1), Y.shape[1])


def seasonal_naive(Y, horizons: int, season: int = 52) -> np.ndarray:
    """f(o+h) = y(o+h-season) for h = 1..horizons (NaN where the history is too short).
    Returns (SKUs x horizons)."""
    Y = _2d(Y)
    S, n = Y.shape
    out = np.full((S, horizons), np.nan)
    for h in range(1, horizons + 1):
        j = n - 1 + h - season
        if 0 <= j < n:
            out[:, h - 1] = Y[:, j]
    return out


def window_mean(Y, k: int) -> np.ndarray:
    """Mean of the last ``k`` weeks (fewer when the history is shorter). Returns (SKUs,)."""
    Y = _2d(Y)
    return Y[:, -k:].mean(axis=1) if Y.shape[1] else np.zeros(len(Y))


def demand_interval(Y) -> np.ndarray:
    """Mean interval between weeks with demand (ADI) = weeks / weeks with demand; inf for a
    SKU that never sold. Returns (SKUs,)."""
    Y = _2d(Y)
    nz = (Y > 0).sum(axis=1)
    with np.errstate(divide="ignore"):
        return np.where(nz > 0, Y.shape[1] / np.maximum(nz, 1), np.inf)


def croston(Y, alpha: float = 0.1, sba_correction: bool = False) -> np.ndarray:
    """Croston's flat forecast per SKU (see the module docstring). Returns (SKUs,)."""
    Y = _2d(Y)
    S, n = Y.shape
    has = Y > 0
    first = np.where(has.any(axis=1), has.argmax(axis=1), n)
    z = np.where(first < n, Y[np.arange(S), np.minimum(first, n - 1)], 0.0)
    p = first + 1.0
    q = np.zeros(S)
    for t in range(n):
        after = t > first
        q = np.where(after, q + 1, q)
        upd = after & has[:, t]
        z = np.where(upd, z + alpha * (Y[:, t] - z), z)
        p = np.where(upd, p + alpha * (q - p), p)
        q = np.where(upd, 0, q)
    f = np.where(first < n, z / p, 0.0)
    return f * (1 - alpha / 2) if sba_correction else f


def sba(Y, alpha: float = 0.1) -> np.ndarray:
    """Syntetos-Boylan approximation: ``croston(Y, alpha) * (1 - alpha / 2)``."""
    return croston(Y, alpha, sba_correction=True)


def tsb(Y, alpha: float = 0.1, beta: float = 0.1, start=None) -> np.ndarray:
    """Teunter-Syntetos-Babai flat forecast per SKU (see the module docstring), the history
    read from ``start`` (default the first week with demand); the forecast decays while a
    SKU stops selling. Returns (SKUs,)."""
    Y = _2d(Y)
    S, n = Y.shape
    st = _starts(Y, start)
    has = Y > 0
    cols = np.arange(n)[None, :]
    head = (cols >= st[:, None]) & (cols < st[:, None] + 13)
    hn = (head & has).sum(axis=1)
    p = hn / np.maximum(head.sum(axis=1), 1)
    z = np.where(hn > 0, (Y * head).sum(axis=1) / np.maximum(hn, 1), 0.0)
    for t in range(n):
        on = t >= st
        d = has[:, t]
        z = np.where(on & d, z + alpha * (Y[:, t] - z), z)
        p = np.where(on, p + beta * (d - p), p)
    return np.where(st < n, p * z, 0.0)


def ses(Y, alphas=ALPHAS, start=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simple exponential smoothing l <- l + alpha (y - l), l initialised with the value of
    the week ``start`` (default the first week with demand); per SKU the alpha of ``alphas``
    with the least in-sample squared one-step error. Returns (level at the origin, alpha,
    SSE), each (SKUs,); a SKU that never started has level 0."""
    Y = _2d(Y)
    S, n = Y.shape
    st = _starts(Y, start)
    best_l, best_a, best_e = np.zeros(S), np.full(S, float(alphas[0])), np.full(S, np.inf)
    y0 = Y[np.arange(S), np.minimum(st, n - 1)] if n else np.zeros(S)
    # every alpha at once: one row per alpha (the same recursion, element by element)
    a_ = np.asarray(alphas, float)[:, None]
    lvl = np.tile(np.where(st < n, y0, 0.0), (len(a_), 1))
    sse = np.zeros_like(lvl)
    for t in range(n):
        on = t > st
        e = np.where(on, Y[:, t] - lvl, 0.0)
        sse += e * e
        lvl = lvl + a_ * e
    for i, a in enumerate(alphas):      # the first alpha with the least SSE
        better = sse[i] < best_e
        best_l = np.where(better, lvl[i], best_l)
        best_a = np.where(better, a, best_a)
        best_e = np.where(better, sse[i], best_e)
    return best_l, best_a, best_e


def imapa(Y, max_level: int = 8, alphas=ALPHAS, start=None) -> np.ndarray:
    """IMAPA flat forecast per SKU (see the module docstring): SES on sums of k weeks
    (buckets ending at the origin, those reaching before ``start`` left out), divided by k,
    averaged over k = 1..K. Returns (SKUs,)."""
    Y = _2d(Y)
    S, n = Y.shape
    st = _starts(Y, start)
    live = n - st                                   # weeks since the start
    nz = ((Y > 0) & (np.arange(n)[None, :] >= st[:, None])).sum(axis=1)   # weeks with demand
    adi = np.where(nz > 0, live / np.maximum(nz, 1), 1.0)
    K = np.clip(np.round(adi), 1, max_level).astype(int)
    total, count = np.zeros(S), np.zeros(S)
    for k in range(1, int(K.max(initial=1)) + 1):
        m = n // k
        if m < 2:
            continue
        agg = Y[:, n - m * k:].reshape(S, m, k).sum(axis=2)
        # first whole bucket at or after the start
        b0 = np.ceil((st - (n - m * k)) / k).astype(int).clip(0, m)
        lvl, _, _ = ses(agg, alphas, start=b0)
        use = (K >= k) & (m - b0 >= 2)
        total += np.where(use, lvl / k, 0.0)
        count += use
    return np.where(count > 0, total / np.maximum(count, 1), np.where(st < n, Y[:, -13:].mean(axis=1), 0.0))


def _aicc(sse: np.ndarray, n: np.ndarray, k: int) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = n * np.log(np.maximum(sse, 1e-9) / np.maximum(n, 1))
        corr = np.where(n - k - 1 > 0, 2 * k * (k + 1) / (n - k - 1), np.inf)
    return ll + 2 * k + corr


def auto_ets(Y, horizons: int, alphas=ALPHAS, betas=(0.01, 0.05, 0.15),
             phis=(0.8, 0.9, 0.98), start=None) -> np.ndarray:
    """Non-seasonal additive-error ETS (ANN, AAN, AAdN) from the week ``start`` (default the
    first week with demand), parameters from a grid, the model chosen per SKU by AICc (see
    the module docstring); forecasts clipped at 0. Returns (SKUs x horizons)."""
    Y = _2d(Y)
    S, n = Y.shape
    st = _starts(Y, start)
    H = np.arange(1, horizons + 1)
    nobs = np.maximum(n - st - 1, 0)
    y0 = Y[np.arange(S), np.minimum(st, n - 1)] if n else np.zeros(S)
    y1 = Y[np.arange(S), np.minimum(st + 1, n - 1)] if n else np.zeros(S)
    best_f = np.tile(np.where(st < n, y0, 0.0)[:, None], (1, horizons))
    best_ic = np.full(S, np.inf)
    configs = [(a, None, 0.0) for a in alphas]
    configs += [(a, b, ph) for a in alphas for b in betas if b < a for ph in (1.0, *phis)]
    # every configuration at once, one row each (ANN: no trend, which stays 0 with b = 0)
    a_ = np.array([c[0] for c in configs], float)[:, None]
    b_ = np.array([0.0 if c[1] is None else c[1] for c in configs], float)[:, None]
    phi_ = np.array([c[2] for c in configs], float)[:, None]
    trended = np.array([c[1] is not None for c in configs])
    lvl = np.tile(y0, (len(configs), 1))
    tr = np.where(trended[:, None], (y1 - y0)[None, :], 0.0)
    sse = np.zeros_like(lvl)
    for t in range(n):
        on = t > st
        e = np.where(on, Y[:, t] - (lvl + phi_ * tr), 0.0)
        sse += e * e
        lvl = np.where(on, lvl + phi_ * tr + a_ * e, lvl)
        tr = np.where(on & trended[:, None], phi_ * tr + b_ * e, tr)
    for i, (a, b, phi) in enumerate(configs):   # the first configuration with the least AICc
        k = 2 if b is None else (4 if phi == 1.0 else 5)
        ic = _aicc(sse[i], nobs, k)
        damp = np.cumsum(phi ** H) if b is not None else np.zeros(horizons)
        f = lvl[i][:, None] + tr[i][:, None] * damp[None, :]
        better = ic < best_ic
        best_f = np.where(better[:, None], f, best_f)
        best_ic = np.where(better, ic, best_ic)
    return np.where((st < n)[:, None], np.clip(best_f, 0, None), 0.0)


def auto_theta(Y, horizons: int, thetas=(1.0, 2.0, 3.0), alphas=ALPHAS, start=None) -> np.ndarray:
    """Theta method as SES with drift from the week ``start`` (default the first week with
    demand); alpha and theta per SKU by in-sample squared one-step error (see the module
    docstring); forecasts clipped at 0. Returns (SKUs x horizons)."""
    Y = _2d(Y)
    S, n = Y.shape
    st = _starts(Y, start)
    H = np.arange(1, horizons + 1)
    cols = np.arange(n, dtype=float)[None, :]
    on = cols >= st[:, None]
    cnt = np.maximum(on.sum(axis=1), 1)
    tm = (cols * on).sum(axis=1) / cnt
    ym = (Y * on).sum(axis=1) / cnt
    tc = (cols - tm[:, None]) * on
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where((tc * tc).sum(axis=1) > 0, (tc * (Y - ym[:, None])).sum(axis=1) / (tc * tc).sum(axis=1), 0.0)
    y0 = Y[np.arange(S), np.minimum(st, n - 1)] if n else np.zeros(S)
    best_f = np.tile(np.where(st < n, y0, 0.0)[:, None], (1, horizons))
    best_e = np.full(S, np.inf)
    # every (alpha, theta) at once, one row each; the level is SES's, whatever theta
    configs = [(a, th) for a in alphas for th in thetas]
    a_ = np.array([c[0] for c in configs], float)[:, None]
    drift = np.stack([(1 - 1 / th) * slope for _, th in configs])
    lvl = np.tile(y0, (len(configs), 1))
    sse = np.zeros_like(lvl)
    for t in range(n):
        live = t > st
        seen = np.maximum(t - st, 1)                   # weeks the level has seen
        f1 = lvl + drift * (1 - (1 - a_) ** seen) / a_
        e = np.where(live, Y[:, t] - f1, 0.0)
        sse += e * e
        lvl = np.where(live, lvl + a_ * (Y[:, t] - lvl), lvl)
    seen = np.maximum(n - st, 1)
    for i, (a, th) in enumerate(configs):       # the first with the least squared error
        f = lvl[i][:, None] + drift[i][:, None] * ((1 - (1 - a) ** seen)[:, None] / a + H[None, :] - 1)
        better = sse[i] < best_e
        best_f = np.where(better[:, None], f, best_f)
        best_e = np.where(better, sse[i], best_e)
    return np.where((st < n)[:, None], np.clip(best_f, 0, None), 0.0)
