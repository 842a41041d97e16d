"""Customer lifetime value: BG/NBD for purchase counts, Gamma-Gamma for spend.

Both models are fitted by maximum likelihood with scipy on the per-member summary that
``Warehouse.member_summary`` computes inside DuckDB (one row per member: ``frequency`` =
repeat purchase days, ``recency_days`` = last - first purchase day, ``age_days`` = as-of -
first purchase day, ``monetary_value_fen`` = mean paid per repeat purchase day). A purchase is
a Beijing calendar day with a paid order (docs/DECISIONLOG.md, entry 11), as in the papers.

Models (the notation of the papers):

* **BG/NBD** (Fader, Hardie and Lee 2005, "Counting your customers the easy way"). While
  alive a member buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; after each
  purchase they drop out with probability ``p ~ Beta(a, b)``. For a member with ``x`` repeat
  purchases, the last at ``t_x``, observed for ``T`` (eq. 6 of the paper)::

      L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))

  evaluated in logs with ``gammaln``/``betaln`` and ``logaddexp`` (no hypergeometric
  function in the likelihood).
* **Gamma-Gamma** (Fader, Hardie and Lee 2005, "RFM and CLV: using iso-value curves for
  customer base analysis"). Each transaction value ~ Gamma(p, nu), ``nu ~ Gamma(q, gamma)``;
  for a member with ``x >= 1`` repeat transactions of mean value ``m``::

      L = G(p x + q) / (G(p x) G(q)) * gamma^q m^(p x - 1) x^(p x) / (gamma + m x)^(p x + q)

Fitting: the negative log-likelihood summed over members (identical rows collapsed into
weights) is minimised over the log of the parameters with L-BFGS-B, so every parameter stays
positive without bounds tricks; vectorised numpy, no Python loop over members.

Time unit: the models work in any unit; :func:`fit_summary` and :func:`score_members` turn
the warehouse's days into weeks (``time_unit_days=7``), the unit of the papers.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "bgnbd_loglik", "gg_loglik", "bgnbd_loglik_grad", "gg_loglik_grad", "BGNBD", "GammaGamma", "fit_summary", "score_members",
    "customer_lifetime_value", "holdout_by_frequency", "check_summary",
]


# -- input checks ---------------------------------------------------------------------------
def _arr(v, name: str, fn: str) -> np.ndarray:
    a = np.asarray(v, dtype="float64")
    if a.ndim != 1:
        a = a.reshape(-1)
    bad = ~np.isfinite(a)
    if bad.any():
        raise ValueError(f"clv.{fn}: {name} has {int(bad.sum())} missing or infinite value(s); "
                         f"drop or fill those members first")
    return a


def check_summary(x, t_x, T, fn: str = "check_summary") -> tuple[np.ndarray, ...]:
    """Validate (frequency, recency, age) arrays and return them as float arrays.

    Rules (each broken one is named with a count): frequency >= 0 and whole, 0 <= recency
    <= age, recency == 0 when frequency == 0.
    """
    x, t_x, T = _arr(x, "frequency", fn), _arr(t_x, "recency", fn), _arr(T, "age (T)", fn)
    if not (len(x) == len(t_x) == len(T)):
        raise ValueError(f"clv.{fn}: frequency, recency and T differ in length "
                         f"({len(x)}, {len(t_x)}, {len(T)})")
    problems = []
    if (x < 0).any() or (np.floor(x) != x).any():
        problems.append(f"frequency negative or not whole for {int(((x < 0) | (np.floor(x) != x)).sum())} member(s)")
    if (t_x < 0).any():
        problems.append(f"recency negative for {int((t_x < 0).sum())} member(s)")
    if (t_x > T + 1e-9).any():
        problems.append(f"recency larger than T for {int((t_x > T + 1e-9).sum())} member(s)")
    if ((x == 0) & (t_x > 0)).any():
        problems.append(f"recency > 0 with frequency 0 for {int(((x == 0) & (t_x > 0)).sum())} member(s)")
    if problems:
        raise ValueError(f"clv.{fn}: " + "; ".join(problems) +
                         "; recency and T must be measured from each member's first purchase")
    return x, t_x, T


# -- likelihoods ----------------------------------------------------------------------------
def bgnbd_loglik(params, x, t_x, T) -> np.ndarray:
    """Per-member BG/NBD log-likelihood ln L(r, alpha, a, b | x, t_x, T) (see module doc).

    ``params`` = (r, alpha, a, b), all > 0; ``x`` repeat purchases, ``t_x`` time of the last
    purchase and ``T`` age, both from the first purchase, in one time unit. Returns an array
    (natural log, one value per member).
    """
    r, alpha, a, b = (float(p) for p in params)
    x = np.asarray(x, dtype="float64")
    t_x = np.asarray(t_x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a3 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    rep = x > 0
    a4 = np.full_like(a3, -np.inf)
    xr = x[rep]
    a4[rep] = (special.betaln(a + 1, b + xr - 1) - special.betaln(a, b)
               - (r + xr) * np.log(alpha + t_x[rep]))
    return common + np.logaddexp(a3, a4)


def gg_loglik(params, x, m) -> np.ndarray:
    """Per-member Gamma-Gamma log-likelihood ln L(p, q, gamma | x, m) (see module doc).

    ``x`` >= 1 repeat transactions with mean value ``m`` > 0 (any money unit; the scale
    ``gamma`` is in that unit). Returns an array of natural logs.
    """
    p, q, g = (float(v) for v in params)
    x = np.asarray(x, dtype="float64")
    m = np.asarray(m, dtype="float64")
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q)
            + q * np.log(g) + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(g + m * x))


def bgnbd_loglik_grad(params, x, t_x, T) -> np.ndarray:
    """Gradient of :func:`bgnbd_loglik` with respect to (r, alpha, a, b): an array of shape
    (4, n). With w3, w4 the shares of the two terms of L (w3 + w4 = 1, w4 = 0 when x = 0)
    and psi the digamma function::

        d/dr     = psi(r+x) - psi(r) + ln alpha - w3 ln(alpha+T) - w4 ln(alpha+t_x)
        d/dalpha = r/alpha - (r+x) (w3/(alpha+T) + w4/(alpha+t_x))
        d/da     = w3 psi(a) + w4 psi(a+1) - psi(a+b+x) - psi(a) + psi(a+b)
        d/db     = w3 psi(b+x) + w4 psi(b+x-1) - psi(a+b+x) - psi(b) + psi(a+b)
    """
    r, alpha, a, b = (float(p) for p in params)
    x = np.asarray(x, dtype="float64")
    t_x = np.asarray(t_x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    rep = x > 0
    xr = x[rep]
    return _bgnbd_grad_rows(r, alpha, a, b, x, t_x, T, rep, xr,
                            la_T=np.log(alpha + T), la_t=np.log(alpha + t_x),
                            bl_bx=special.betaln(a, b + x),
                            bl_bx1=special.betaln(a + 1, b + xr - 1))


def _bgnbd_grad_rows(r, alpha, a, b, x, t_x, T, rep, xr, la_T, la_t, bl_bx, bl_bx1,
                     rows: "_Rows | None" = None) -> np.ndarray:
    """The rows of :func:`bgnbd_loglik_grad` from the terms it shares with the likelihood
    (so that :func:`_bgnbd_neg_ll_grad` computes them once): ``rep = x > 0``,
    ``xr = x[rep]``, la_T = ln(alpha+T), la_t = ln(alpha+t_x), bl_bx = betaln(a, b+x),
    bl_bx1 = betaln(a+1, b+xr-1). With ``rows`` (:class:`_Rows` of x) the digamma terms,
    functions of x alone, are computed once per distinct x and spread back: the same
    numbers."""
    g3 = bl_bx - (r + x) * la_T
    g4 = np.full_like(g3, -np.inf)
    g4[rep] = bl_bx1 - (r + xr) * la_t[rep]
    lse = np.logaddexp(g3, g4)
    w3, w4 = np.exp(g3 - lse), np.exp(g4 - lse)
    if rows is None:
        rows = _Rows(x)
    psi_abx = rows.of(special.digamma(a + b + rows.values))
    psi_bx1 = np.zeros_like(x)
    psi_bx1[rep] = rows.of_repeat(special.digamma(b + rows.repeat_values - 1))
    d_r = (rows.of(special.digamma(r + rows.values) - special.digamma(r) + np.log(alpha))
           - w3 * la_T - w4 * la_t)
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
    d_a = (w3 * special.digamma(a) + w4 * special.digamma(a + 1) - psi_abx
           - special.digamma(a) + special.digamma(a + b))
    d_b = (w3 * rows.of(special.digamma(b + rows.values)) + w4 * psi_bx1 - psi_abx
           - special.digamma(b) + special.digamma(a + b))
    return np.vstack([d_r, d_alpha, d_a, d_b])


def gg_loglik_grad(params, x, m) -> np.ndarray:
    """Gradient of :func:`gg_loglik` with respect to (p, q, gamma), shape (3, n)::

        d/dp     = x (psi(p x + q) - psi(p x) + ln m + ln x - ln(gamma + m x))
        d/dq     = psi(p x + q) - psi(q) + ln gamma - ln(gamma + m x)
        d/dgamma = q/gamma - (p x + q)/(gamma + m x)
    """
    p, q, g = (float(v) for v in params)
    x = np.asarray(x, dtype="float64")
    m = np.asarray(m, dtype="float64")
    px = p * x
    lgm = np.log(g + m * x)
    psi_pxq = special.digamma(px + q)
    return np.vstack([x * (psi_pxq - special.digamma(px) + np.log(m) + np.log(x) - lgm),
                      psi_pxq - special.digamma(q) + np.log(g) - lgm,
                      q / g - (px + q) / (g + m * x)])


class _Rows:
    """The distinct values of one column (e.g. the frequency x: a few dozen values for
    hundreds of thousands of members) and where each row's value sits among them, so that
    an elementwise function of the column is computed once per distinct value and spread
    back: ``rows.of(f(rows.values)) == f(column)`` element by element, the same numbers.
    ``repeat_values`` are the values > 0 and ``of_repeat`` spreads a function of them to
    the rows with a value > 0 (in row order, as ``column[column > 0]``)."""

    def __init__(self, column: np.ndarray):
        self.values, self.index = np.unique(column, return_inverse=True)
        first_positive = int(np.searchsorted(self.values, 0.0, side="right"))
        self.repeat_values = self.values[first_positive:]
        self.repeat_index = self.index[column > 0] - first_positive

    def of(self, per_value: np.ndarray) -> np.ndarray:
        return per_value[self.index]

    def of_repeat(self, per_value: np.ndarray) -> np.ndarray:
        return per_value[self.repeat_index]


def _collapse(*cols) -> tuple[list[np.ndarray], np.ndarray]:
    """Identical member rows collapsed to unique rows + counts (the likelihood is a sum).

    The rows come sorted lexicographically (first column first), as ``np.unique(axis=0)``
    returns them, so the likelihood sums in the same order; ``np.lexsort`` on the columns
    instead of sorting the rows as records, which is several times faster."""
    stacked = np.column_stack(cols)
    if len(stacked) == 0:
        return [stacked[:, i] for i in range(stacked.shape[1])], np.zeros(0)
    srt = stacked[np.lexsort(cols[::-1])]
    start = np.ones(len(srt), dtype=bool)
    start[1:] = (srt[1:] != srt[:-1]).any(axis=1)
    idx = np.flatnonzero(start)
    counts = np.diff(np.append(idx, len(srt)))
    uniq = srt[idx]
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype("float64")


def _gg_neg_ll_grad(params, x, m, log_x, log_m, w, n, rows: _Rows | None = None,
                    mx: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Mean negative Gamma-Gamma log-likelihood and its gradient with respect to
    (p, q, gamma): :func:`gg_loglik` and :func:`gg_loglik_grad` with the shared terms
    (ln x and ln m, and m x, fixed during a fit, and ln(gamma + m x)) computed once and the
    gamma and digamma terms of p x once per distinct x (``rows``, :class:`_Rows` of x); the
    same expressions in the same order, so the same numbers."""
    p, q, g = (float(v) for v in params)
    if rows is None:
        rows = _Rows(x)
    if mx is None:
        mx = m * x
    px = p * x
    pxv = p * rows.values
    lgm = np.log(g + mx)
    ll = (rows.of(special.gammaln(pxv + q) - special.gammaln(pxv) - special.gammaln(q))
          + q * np.log(g) + (px - 1) * log_m + px * log_x - (px + q) * lgm)
    v = -(w * ll).sum() / n
    if not np.isfinite(v):
        return v, np.zeros(3)
    psi_pxq = special.digamma(pxv + q)
    return v, np.vstack([x * (rows.of(psi_pxq - special.digamma(pxv)) + log_m + log_x - lgm),
                         rows.of(psi_pxq) - special.digamma(q) + np.log(g) - lgm,
                         q / g - (px + q) / (g + mx)])


def _bgnbd_neg_ll_grad(params, x, t_x, T, w, n, rows: tuple | None = None
                       ) -> tuple[float, np.ndarray]:
    """Mean negative BG/NBD log-likelihood (weights ``w``, total ``n``) and its gradient
    with respect to (r, alpha, a, b): :func:`bgnbd_loglik` and :func:`bgnbd_loglik_grad`
    with the terms they share (betaln, logs) computed once, the same expressions in the same
    order, so the same numbers. ``rows``: the :class:`_Rows` of (x, t_x, T), fixed during a
    fit; every gamma, beta, digamma and log term is a function of one of them and is
    computed once per distinct value (x: a few dozen values, t_x and T: days) and spread
    back."""
    r, alpha, a, b = (float(p) for p in params)
    rx, rt, rT = rows if rows is not None else (_Rows(x), _Rows(t_x), _Rows(T))
    rep = x > 0
    xr = x[rep]
    la_T, la_t = rT.of(np.log(alpha + rT.values)), rt.of(np.log(alpha + rt.values))
    bl_ab = special.betaln(a, b)
    bl_bx = rx.of(special.betaln(a, b + rx.values))
    bl_bx1 = rx.of_repeat(special.betaln(a + 1, b + rx.repeat_values - 1))
    # the log-likelihood (bgnbd_loglik)
    common = rx.of(special.gammaln(r + rx.values) - special.gammaln(r) + r * np.log(alpha))
    a3 = bl_bx - bl_ab - (r + x) * la_T
    a4 = np.full_like(a3, -np.inf)
    a4[rep] = (bl_bx1 - bl_ab - (r + xr) * la_t[rep])
    ll = common + np.logaddexp(a3, a4)
    v = -(w * ll).sum() / n
    if not np.isfinite(v):
        return v, np.zeros(4)
    return v, _bgnbd_grad_rows(r, alpha, a, b, x, t_x, T, rep, xr, la_T, la_t, bl_bx, bl_bx1,
                               rx)


def _fit(neg_ll, starts, names, fn) -> tuple[np.ndarray, float, optimize.OptimizeResult]:
    """Minimise ``neg_ll(log_params) -> (value, gradient)`` with L-BFGS-B from the first
    starting point; the others are tried (and the best result kept) only when it does not
    converge."""
    best = None
    with _one_blas_thread():
        best = _fit_loop(neg_ll, starts)
    if best is None:
        raise RuntimeError(f"clv.{fn}: the likelihood could not be evaluated from any "
                           f"starting point; check the summary for extreme values")
    return np.exp(best.x), float(best.fun), best


def _one_blas_thread():
    """L-BFGS-B's small matrix steps go through BLAS; with several BLAS threads on a busy
    machine they spin-wait and a fit of 2,357 members takes 40x longer. One thread is
    always enough here (threadpoolctl comes with scikit-learn; without it, no change)."""
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=1, user_api="blas")
    except ImportError:  # pragma: no cover
        import contextlib
        return contextlib.nullcontext()


def _fit_loop(neg_ll, starts):
    best = None
    for s in starts:
        res = optimize.minimize(neg_ll, np.log(s), method="L-BFGS-B", jac=True,
                                bounds=[(-12.0, 12.0)] * len(s),
                                options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10})
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
        if best is not None and best.success:
            break  # converged: the other starting points are a fallback only
    return best


@dataclass
class BGNBD:
    """BG/NBD model (sklearn-like: :meth:`fit`, then the prediction methods).

    After :meth:`fit`: ``params_`` = {r, alpha, a, b} (``alpha`` in the time unit of the
    data), ``loglik_`` = maximised total log-likelihood, ``n_members_``, ``fit_seconds_``.
    """

    params_: dict = field(default_factory=dict)
    loglik_: float = float("nan")
    n_members_: int = 0
    fit_seconds_: float = float("nan")

    def fit(self, x, t_x, T) -> "BGNBD":
        """Maximum-likelihood fit on per-member (frequency, recency, age) arrays."""
        t0 = time.perf_counter()
        x, t_x, T = check_summary(x, t_x, T, "BGNBD.fit")
        if len(x) == 0:
            raise ValueError("clv.BGNBD.fit: no members to fit; widen the period or the shops")
        (ux, ut, uT), w = _collapse(x, t_x, T)
        n = w.sum()
        rows = (_Rows(ux), _Rows(ut), _Rows(uT))  # fixed during the fit

        def neg_ll(lp):
            p = np.exp(lp)
            v, grad = _bgnbd_neg_ll_grad(p, ux, ut, uT, w, n, rows)
            if not np.isfinite(v):
                return 1e300, np.zeros(4)
            # chain rule for log-parameters: d/d(ln p) = p d/dp
            return v, -(grad @ w) / n * p

        # starting values: rate ~ purchases per unit time (r = 1), a modest drop-out
        rate = max((x.sum() + len(x)) / max(T.sum(), 1e-9), 1e-6)
        starts = [(1.0, 1.0 / rate, 1.0, 3.0), (0.3, 0.3 / rate, 0.5, 2.0),
                  (2.0, 2.0 / rate, 0.1, 1.0)]
        est, fun, _ = _fit(neg_ll, starts, ("r", "alpha", "a", "b"), "BGNBD.fit")
        self.params_ = dict(zip(("r", "alpha", "a", "b"), (float(v) for v in est)))
        self.loglik_ = -fun * n
        self.n_members_ = int(n)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _p(self):
        if not self.params_:
            raise RuntimeError("clv.BGNBD: call fit() first (or set params_)")
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def p_alive(self, x, t_x, T) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), 0..1."""
        r, alpha, a, b = self._p()
        x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (np.log(a) - np.log(b + x - 1)
                         + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700))), 1.0)

    def expected_purchases(self, t, x, t_x, T) -> np.ndarray:
        """E[purchases in the next ``t`` | x, t_x, T] (FHL 2005, eq. 10)::

            (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
                                   * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
            / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))

        ``t`` in the data's time unit; purchases = purchase days.
        """
        x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
        t = float(t)
        if t <= 0:
            return np.zeros_like(x)
        return self._if_alive(t, x, T) * self.p_alive(x, t_x, T)

    def _if_alive(self, t, x, T) -> np.ndarray:
        """The first factor of :meth:`expected_purchases` (the purchases in the next ``t``
        of a member still alive at ``T``), a function of (x, T) alone::

            (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
        """
        r, alpha, a, b = self._p()
        z = t / (alpha + T + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        term = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
        return (a + b + x - 1) / (a - 1) * term

    def _expected_purchases_by_xT(self, ts, x, t_x, T) -> list[np.ndarray]:
        """:meth:`expected_purchases` for each horizon of ``ts`` (all > 0): the same numbers,
        with P(alive) computed once and the hypergeometric factor (:meth:`_if_alive`, a
        function of (x, T) alone) once per distinct (x, T) pair (a few tens of thousands
        where members are hundreds of thousands) and spread back."""
        x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
        alive = self.p_alive(x, t_x, T)
        vx, vT, back = _distinct_rows(x, T)
        return [self._if_alive(float(t), vx, vT)[back] * alive for t in ts]

    def expected_purchases_new(self, t) -> float:
        """E[X(t)] for a member just acquired (unconditional, FHL 2005 eq. 9)::

            (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]
        """
        r, alpha, a, b = self._p()
        return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r
                                             * special.hyp2f1(r, b, a + b - 1, t / (alpha + t))))


@dataclass
class GammaGamma:
    """Gamma-Gamma spend model. After :meth:`fit`: ``params_`` = {p, q, gamma} (``gamma`` in
    the money unit of the data), ``loglik_``, ``n_members_`` (members with x >= 1),
    ``fit_seconds_``, ``corr_frequency_value_`` (the model assumes spend independent of
    frequency: Pearson correlation of x and m, should be near 0)."""

    params_: dict = field(default_factory=dict)
    loglik_: float = float("nan")
    n_members_: int = 0
    fit_seconds_: float = float("nan")
    corr_frequency_value_: float = float("nan")

    def fit(self, x, m) -> "GammaGamma":
        """Fit on members with ``x >= 1`` and ``m > 0`` (the others carry no spend
        information and are skipped)."""
        t0 = time.perf_counter()
        x, m = _arr(x, "frequency", "GammaGamma.fit"), _arr(m, "monetary value", "GammaGamma.fit")
        keep = (x >= 1) & (m > 0)
        x, m = x[keep], m[keep]
        if len(x) < 3:
            raise ValueError(f"clv.GammaGamma.fit: {len(x)} member(s) with a repeat purchase and "
                             f"a positive value; at least 3 are needed")
        (ux, um), w = _collapse(x, m)
        n = w.sum()

        log_x, log_m = np.log(ux), np.log(um)
        rows, mx = _Rows(ux), um * ux  # fixed during the fit

        def neg_ll(lp):
            p = np.exp(lp)
            v, grad = _gg_neg_ll_grad(p, ux, um, log_x, log_m, w, n, rows, mx)
            if not np.isfinite(v):
                return 1e300, np.zeros(3)
            return v, -(grad @ w) / n * p

        mean_m = float(m.mean())
        starts = [(1.0, 1.0, mean_m), (5.0, 3.0, 2 * mean_m), (0.5, 5.0, mean_m / 2)]
        est, fun, _ = _fit(neg_ll, starts, ("p", "q", "gamma"), "GammaGamma.fit")
        self.params_ = dict(zip(("p", "q", "gamma"), (float(v) for v in est)))
        self.loglik_ = -fun * n
        self.n_members_ = int(n)
        self.corr_frequency_value_ = float(np.corrcoef(x, m)[0, 1]) if len(x) > 2 else float("nan")
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def expected_value(self, x, m) -> np.ndarray:
        """E[mean transaction value | x, m] = p (gamma + x m) / (p x + q - 1); for x = 0 the
        population mean p gamma / (q - 1). Same money unit as ``m``; NaN when q <= 1."""
        if not self.params_:
            raise RuntimeError("clv.GammaGamma: call fit() first (or set params_)")
        p, q, g = self.params_["p"], self.params_["q"], self.params_["gamma"]
        x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
        if q <= 1:
            return np.full_like(x, np.nan)
        return np.where(x > 0, p * (g + x * m) / (p * x + q - 1), p * g / (q - 1))


# -- from the warehouse summary -----------------------------------------------------------------
def _fx(summary: pd.DataFrame, fn: str, unit: float):
    need = ["frequency", "recency_days", "age_days"]
    miss = [c for c in need if c not in summary.columns]
    if miss:
        raise KeyError(f"clv.{fn}: column(s) {miss} missing; pass Warehouse.member_summary(as_of)")
    return (summary["frequency"].to_numpy("float64"),
            summary["recency_days"].to_numpy("float64") / unit,
            summary["age_days"].to_numpy("float64") / unit)


def fit_summary(summary: pd.DataFrame, time_unit_days: float = 7.0, spend: bool = True
                ) -> tuple[BGNBD, GammaGamma | None]:
    """Fit BG/NBD and Gamma-Gamma on ``Warehouse.member_summary(as_of)``.

    Recency and age are turned from days into units of ``time_unit_days`` (weeks by default,
    so ``alpha`` is in weeks); Gamma-Gamma is fitted on ``monetary_value_fen`` (so ``gamma`` is
    in fen). Returns (bg, gg); gg is None when fewer than 3 members bought twice, or when
    ``spend`` is False (BG/NBD only, e.g. for the holdout check).
    """
    x, t_x, T = _fx(summary, "fit_summary", time_unit_days)
    bg = BGNBD().fit(x, t_x, T)
    gg = None
    if spend and ((x >= 1) & (summary["monetary_value_fen"].to_numpy("float64") > 0)).sum() >= 3:
        gg = GammaGamma().fit(x, summary["monetary_value_fen"].to_numpy("float64"))
    return bg, gg


def customer_lifetime_value(bg: BGNBD, gg: GammaGamma, x, t_x, T, m, horizon_months: int = 12,
                            monthly_discount_rate: float = 0.01, margin_rate: float = 1.0,
                            time_unit_days: float = 7.0) -> np.ndarray:
    """Discounted value of each member's future purchases over ``horizon_months``::

        CLV = margin_rate * E[value | x, m] * sum_{i=1..H} (E[Y(i)] - E[Y(i-1)]) / (1+d)^i

    where ``E[Y(i)]`` is the BG/NBD expected purchases in the first ``i`` months (a month =
    365.25/12 days), ``d`` the monthly discount rate and ``E[value]`` the Gamma-Gamma expected
    value per purchase (money unit of ``m``, e.g. fen). The loop runs over months, not members.
    """
    if horizon_months < 1:
        raise ValueError(f"clv.customer_lifetime_value: horizon_months must be >= 1; got {horizon_months}")
    if monthly_discount_rate < 0:
        raise ValueError("clv.customer_lifetime_value: monthly_discount_rate must be >= 0; "
                         f"got {monthly_discount_rate}")
    value = gg.expected_value(x, m)
    month = 365.25 / 12 / time_unit_days
    prev = np.zeros(len(np.asarray(x)))
    disc = np.zeros_like(prev)
    cums = bg._expected_purchases_by_xT([i * month for i in range(1, horizon_months + 1)],
                                         x, t_x, T)
    for i, cum in enumerate(cums, start=1):
        disc += (cum - prev) / (1 + monthly_discount_rate) ** i
        prev = cum
    return margin_rate * value * disc


def _distinct_rows(*cols):
    """The distinct rows of equal-length float arrays (in order of first appearance) and,
    per input row, the index of its distinct row: ``u[back]`` gives the input back. A hash
    grouping (pandas), not a sort."""
    df = pd.DataFrame({i: c for i, c in enumerate(cols)})
    back = df.groupby(list(df.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = ~df.duplicated().to_numpy()
    u = df.to_numpy()[first]
    return (*(np.ascontiguousarray(u[:, i]) for i in range(len(cols))), back)


def score_members(summary: pd.DataFrame, bg: BGNBD, gg: GammaGamma | None,
                  horizon_months: int = 12, monthly_discount_rate: float = 0.01,
                  margin_rate: float = 1.0, time_unit_days: float = 7.0) -> pd.DataFrame:
    """The member summary with model scores added (one row per member, input order):

    * ``p_alive_rate``: P(alive), 0..1;
    * ``expected_purchases_<H>m``: expected purchase days in the next ``horizon_months``;
    * ``expected_value_fen``: Gamma-Gamma expected value per purchase (fen);
    * ``clv_fen``: discounted CLV over the horizon (fen, see :func:`customer_lifetime_value`;
      NaN without a spend model).
    """
    x, t_x, T = _fx(summary, "score_members", time_unit_days)
    out = summary.copy()
    # every score is a function of the member's (x, t_x, T, m) alone: compute it once per
    # distinct row and spread it back (many members share a row), the same values
    m = (summary["monetary_value_fen"].to_numpy("float64") if gg is not None
         else np.zeros(len(x)))
    ux, ut, uT, um, back = _distinct_rows(x, t_x, T, m)
    out["p_alive_rate"] = bg.p_alive(ux, ut, uT)[back]
    month = 365.25 / 12 / time_unit_days
    out["expected_purchases"] = (bg._expected_purchases_by_xT([horizon_months * month], ux, ut, uT)[0]
                                 if horizon_months * month > 0 else np.zeros(len(ux)))[back]
    if gg is not None:
        out["expected_value_fen"] = gg.expected_value(ux, um)[back]
        out["clv_fen"] = customer_lifetime_value(bg, gg, ux, ut, uT, um, horizon_months,
                                                 monthly_discount_rate, margin_rate,
                                                 time_unit_days)[back]
    else:
        out["expected_value_fen"] = np.nan
        out["clv_fen"] = np.nan
    return out


def holdout_by_frequency(calibration: pd.DataFrame, holdout_days: float, bg: BGNBD,
                         max_bucket: int = 7, time_unit_days: float = 7.0) -> pd.DataFrame:
    """Out-of-sample check: predicted vs actual repeat purchases in the holdout period.

    ``calibration`` is the member summary at the calibration end with a column
    ``count_holdout_purchases`` (purchase days in the holdout, see
    ``members_queries.calibration_holdout``); ``bg`` is fitted on it. One row per calibration
    frequency bucket (0, 1, ..., ``max_bucket``+) and a total row (``frequency_bucket`` =
    "all"): ``count_members``, ``actual_mean`` and ``predicted_mean`` (purchase days per
    member in the holdout), ``actual_total``, ``predicted_total`` and ``error_rate`` =
    (predicted - actual) / actual of the totals.
    """
    if "count_holdout_purchases" not in calibration.columns:
        raise KeyError("clv.holdout_by_frequency: column 'count_holdout_purchases' missing; "
                       "build it with members_queries.calibration_holdout()")
    x, t_x, T = _fx(calibration, "holdout_by_frequency", time_unit_days)
    pred = bg.expected_purchases(holdout_days / time_unit_days, x, t_x, T)
    df = pd.DataFrame({"bucket": np.minimum(x, max_bucket).astype(int),
                       "actual": calibration["count_holdout_purchases"].to_numpy("float64"),
                       "predicted": pred})
    g = df.groupby("bucket").agg(count_members=("actual", "size"), actual_total=("actual", "sum"),
                                 predicted_total=("predicted", "sum"))
    g = g.reindex(range(max_bucket + 1), fill_value=0)
    g.loc["all"] = [len(df), df["actual"].sum(), df["predicted"].sum()]
    g = g.reset_index().rename(columns={"index": "frequency_bucket", "bucket": "frequency_bucket"})
    g["frequency_bucket"] = [f"{b}+" if b == max_bucket else str(b) for b in g["frequency_bucket"]]
    g["count_members"] = g["count_members"].astype("int64")
    g["actual_total"] = g["actual_total"].round().astype("int64")  # whole purchase days
    cnt = g["count_members"].where(g["count_members"] > 0)
    g["actual_mean"] = g["actual_total"] / cnt
    g["predicted_mean"] = g["predicted_total"] / cnt
    g["error_rate"] = (g["predicted_total"] - g["actual_total"]) / g["actual_total"].where(g["actual_total"] > 0)
    return g[["frequency_bucket", "count_members", "actual_mean", "predicted_mean",
              "actual_total", "predicted_total", "error_rate"]]


def summary_from_transactions(tx: pd.DataFrame, as_of, member_col: str = "member_key",
                              date_col: str = "sales_date", paid_col: str = "paid_fen",
                              refund_col: str | None = None, platform_col: str | None = None
                              ) -> pd.DataFrame:
    """Per-member summary from a transaction log already in memory (lifetimes'
    ``summary_data_from_transaction_data`` for ecomlib), by the warehouse's own query
    (``ecomlib/sql/queries/members/member_summary.sql``, what ``Warehouse.member_summary``
    runs on ``mart_member_orders``), run by DuckDB on the DataFrame shaped as that mart.

    ``tx``: one row per paid order (or any purchase record): member, date or timestamp
    (the Beijing calendar day is used), paid amount in fen; optionally refund fen and the
    platform. Rows after ``as_of`` and rows without a member are ignored.
    Per member: count_orders = rows; count_purchase_days = distinct days;
    frequency = days - 1; recency_days = last day - first day; age_days = as_of - first day;
    days_since_last = as_of - last day; paid_fen / refund_fen = sums (fen; refund 0 without
    a refund column); monetary_value_fen = (paid of all days - paid of the first day) /
    frequency, 0 when frequency = 0 (fen per repeat purchase day, as lifetimes);
    count_platforms = distinct platforms (1 when no platform column; with neither a
    platform nor a refund column the query skips that pass). Sorted by member.
    """
    import duckdb

    from .. import queries

    fn = "summary_from_transactions"
    missing = [c for c in (member_col, date_col, paid_col, refund_col, platform_col)
               if c is not None and c not in tx.columns]
    if missing:
        raise ValueError(f"{fn}: column(s) {missing} not in the transaction log (has "
                         f"{list(tx.columns)}); pass member_col/date_col/paid_col/... to name them")
    refund = f'CAST("{refund_col}" AS BIGINT)' if refund_col else "CAST(0 AS BIGINT)"
    platform = f'CAST("{platform_col}" AS VARCHAR)' if platform_col else "''"
    con = duckdb.connect()
    try:
        con.register("tx_log", tx)
        # the log as the mart the query reads: one row per purchase of a known member
        con.execute(f"""CREATE TEMP VIEW mart_member_orders AS
            SELECT CAST("{member_col}" AS VARCHAR) AS member_key, {platform} AS platform,
                   '' AS shop_id, CAST("{date_col}" AS DATE) AS sales_date,
                   CAST("{paid_col}" AS BIGINT) AS paid_fen, {refund} AS refund_fen
            FROM tx_log
            WHERE "{member_col}" IS NOT NULL""")
        return queries.run(con, "members/member_summary", end_dates=[pd.Timestamp(as_of).date()],
                           details=platform_col is not None or refund_col is not None
                           ).drop(columns="as_of")
    finally:
        con.close()
