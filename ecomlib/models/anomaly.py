"""Daily checks: is a shop's day outside the range its own history expects?

Each watched series (sales, orders, refund rate, ROAS, conversion; see :data:`METRICS`) is
checked day by day against an **expected value and band** built only from the days before it:

* **Normal days** (no campaign; the channels report takes the phases from the warehouse's
  one calendar, dim_calendar, through :func:`ecomlib.metrics.channels.campaign_calendar`):
  - *level* series (money, counts): weekday factors f_w = mean of weekday w / mean of all
    normal days over the last ``season_days`` (364) days; level B = median of value / f_w over
    the last ``level_days`` (28) normal days; expected = B x f_w(day). Spread, in log units
    (sales noise is multiplicative): the residuals r = log((value / f_w + e) / (B + e)),
    e = 0.1 B, of the last ``history_days`` (56) normal days give sigma = 1.4826 x MAD(r)
    (a robust standard deviation), at least ``min_rel_sigma`` and, for counts, at least
    1 / sqrt(expected) (Poisson noise). Band = expected x exp(+- k sigma), so a day at 0
    always falls below it; score = r(day) / sigma.
  - *rate* series (0..1 rates, ROAS): expected = mean of the last ``level_days`` normal
    days (daily rates are often 0 on small shops, so a median would sit at 0). Spread s =
    the larger of 1.4826 x MAD and the standard deviation over ``history_days`` normal days
    (daily refund rates are heavy-tailed: one large refund moves a small shop's day). When
    the metric has a denominator n (orders for the refund rate, visitors for conversion),
    sigma = sqrt(p (1 - p) / n_today + tau^2): the binomial noise of today's n plus the
    extra-binomial variance tau^2 = max(s^2 - mean of p (1 - p) / n_i over the history, 0)
    (p = the larger of expected and the mean over ``season_days``); else sigma = s. At least
    ``min_rel_sigma`` x expected. ROAS is checked as a rate (daily ROAS is zero-inflated:
    days with spend and no attributed order are common on small shops). Band =
    expected +- k sigma.
* **Campaign days** (``pre``, ``campaign``, ``peak``, ``post``; or ``peak:双11`` ... from
  ``campaign_calendar(..., by_kind=True)``, which compares a campaign only with the same
  campaign of earlier years) are compared only with campaign expectations: the same
  phase label's earlier days (within ``campaign_lookback`` days)
  give the log ratio of value to the normal expectation on those days; expected = today's
  normal expectation x exp(median log ratio), sigma = 1.4826 x MAD of the log ratios, at
  least ``min_campaign_rel_sigma`` and the normal sigma; band = expected x exp(+- k sigma) (rate series: expected = mean of those earlier days,
  sigma = their standard deviation, at least the normal sigma). With fewer than ``min_campaign_days`` (2) such earlier days there is no campaign
  expectation yet: the day is only checked for falling below the normal band (a campaign day
  is never flagged for being high).

A day is an **alert** when it lies outside the band in a direction the metric watches
(refund rate: only up; ROAS: only down; the others both). Every alert says what moved (shop,
metric, day), by how much (value, expected, change), and compared to what (the band and its
basis). Days with too little history (fewer than ``min_history`` normal days) are not
checked and say so.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .. import fmt, i18n
from ..i18n import text

__all__ = ["METRICS", "check_series", "detect", "alerts", "alert_message", "alert_brief",
           "decimals_for", "range_text", "plot_band"]

#: watched series: kind (level / rate), directions alerted, count noise, denominator column
METRICS: dict[str, dict] = {
    "paid_fen": {"kind": "level", "direction": "both", "count": False},
    "count_paid_orders": {"kind": "level", "direction": "both", "count": True},
    "refund_rate": {"kind": "rate", "direction": "up", "denominator": "count_paid_orders"},
    "roas": {"kind": "rate", "direction": "down"},
    "conversion_rate": {"kind": "rate", "direction": "both", "denominator": "visitors"},
}

# the labels of its columns are in ecomlib.i18n.LABELS (channels section)


_BASIS = {
    "normal": ("前{n}个非大促日（按星期几调整）", "the previous {n} non-campaign days (weekday-adjusted)"),
    "normal_rate": ("前{n}个非大促日的均值", "the mean of the previous {n} non-campaign days"),
    "campaign": ("往期同阶段大促日（{n}天）相对平日的倍数", "earlier campaign days of the same phase ({n} days) relative to normal"),
    "campaign_rate": ("往期同阶段大促日（{n}天）的均值", "the mean of earlier campaign days of the same phase ({n} days)"),
    "campaign_none": ("无往期大促可比，只检查是否低于平日正常范围", "no earlier campaign to compare with: only checked against the normal low bound"),
    "short": ("历史不足，未检查", "too little history, not checked"),
}


def _mad_sigma(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def _logratio(x, base) -> np.ndarray:
    """log((x + e) / (base + e)) with e = 10 % of base: a log ratio that stays finite at 0
    (a day with nothing is about -2.4, a strong but finite outlier)."""
    e = 0.1 * np.asarray(base, dtype="float64")
    return np.log((np.asarray(x, dtype="float64") + e) / (np.asarray(base, dtype="float64") + e))


def check_series(dates, values, phases=None, kind: str = "level", direction: str = "both",
                 count: bool = False, denominator=None, k: float = 4.0,
                 history_days: int = 56, level_days: int = 28, season_days: int = 364,
                 min_history: int = 14, min_rel_sigma: float = 0.05,
                 min_campaign_rel_sigma: float = 0.25, campaign_lookback: int = 550, min_campaign_days: int = 2,
                 check_from=None) -> pd.DataFrame:
    """Check one daily series (see the module docstring for the method).

    ``dates``/``values``: one value per day (missing days are treated as absent, not 0:
    build the series on a date spine first when a missing day means 0); ``phases``: the
    campaign phase of each day (``normal`` when None); ``denominator``: per-day counts for
    the binomial floor of rates. Returns one row per day from ``check_from`` (default: all)
    with ``value``, ``expected``, ``lower``, ``upper``, ``deviation_rate`` = value / expected
    - 1, ``score`` = (value - expected) / sigma (in sigmas), ``phase``, ``basis``
    (a key of the basis wording), ``count_reference`` (days the expectation used),
    ``is_alert`` and ``direction`` (``high``/``low`` for alerts).
    """
    if kind not in ("level", "rate"):
        raise ValueError(f"anomaly.check_series: kind must be 'level' or 'rate'; got {kind!r}")
    if direction not in ("both", "up", "down"):
        raise ValueError(f"anomaly.check_series: direction must be both, up or down; got {direction!r}")
    d = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="float64")
    if len(d) != len(v):
        raise ValueError(f"anomaly.check_series: {len(d)} dates but {len(v)} values")
    order = np.argsort(d.to_numpy(), kind="stable")
    d, v = d[order], v[order]
    ph = (np.asarray(phases, dtype=object)[order] if phases is not None
          else np.array(["normal"] * len(d), dtype=object))
    den = (np.asarray(pd.to_numeric(pd.Series(denominator), errors="coerce"), dtype="float64")[order]
           if denominator is not None else None)
    day = ((d - d[0]).days.to_numpy() if len(d) else np.array([], dtype=int))
    wd = d.day_of_week.to_numpy()
    normal = (ph == "normal") & np.isfinite(v)
    n = len(d)
    exp_n = np.full(n, np.nan)    # normal expectation
    sig_n = np.full(n, np.nan)    # sigma (relative for level, absolute for rate)
    nref = np.zeros(n, dtype=int)
    lo_from = pd.Timestamp(check_from).normalize() if check_from is not None else None
    # the days whose expectation is read: those checked, and the campaign days a checked
    # campaign day can be compared with (its phase, within campaign_lookback before it:
    # no earlier campaign day is read when every checked day is a normal one); normal days
    # before check_from serve as history through their values only
    need = np.ones(n, dtype=bool)
    if lo_from is not None:
        checked = np.asarray(d >= lo_from, dtype=bool)
        need = checked.copy()
        if checked.any():
            checked_phases = [p for p in set(ph[checked]) if p != "normal"]
            need |= (np.isin(ph, checked_phases)
                     & (day >= day[int(np.argmax(checked))] - campaign_lookback))
    for t in np.flatnonzero(need):
        hist = normal & (day < day[t]) & (day >= day[t] - history_days)
        idx = np.flatnonzero(hist)
        if len(idx) < min_history:
            continue
        recent = idx[-level_days:]
        if kind == "level":
            season = np.flatnonzero(normal & (day < day[t]) & (day >= day[t] - season_days))
            sv, sw = v[season], wd[season]
            overall = sv.mean()
            f = np.ones(7)
            if overall > 0:
                for w in range(7):
                    m = sw == w
                    if m.sum() >= 2:
                        f[w] = sv[m].mean() / overall if sv[m].mean() > 0 else 1.0
            adj = v[idx] / f[wd[idx]]
            base = float(np.median(v[recent] / f[wd[recent]]))
            if base <= 0:
                continue
            exp_n[t] = base * f[wd[t]]
            sig = _mad_sigma(_logratio(adj, base))
            sig = max(sig, min_rel_sigma)
            if count:
                sig = max(sig, 1 / np.sqrt(max(exp_n[t], 1e-9)))
            sig_n[t] = sig
        else:
            base = float(np.mean(v[recent]))
            exp_n[t] = base
            sd_hist = max(_mad_sigma(v[idx]), float(np.std(v[idx], ddof=1)))
            sig = sd_hist
            if den is not None and np.isfinite(den[t]) and den[t] > 0:
                # binomial noise of today's denominator + the extra-binomial spread seen in
                # the history (what is left of its variance after its own binomial noise)
                season = np.flatnonzero(normal & (day < day[t]) & (day >= day[t] - season_days))
                p = min(max(base, float(np.mean(v[season]))), 1.0)
                dh = den[idx]
                ok = np.isfinite(dh) & (dh > 0)
                binvar_hist = float(np.mean(p * (1 - p) / dh[ok])) if ok.any() else 0.0
                tau2 = max(sd_hist ** 2 - binvar_hist, 0.0)
                sig = np.sqrt(p * (1 - p) / den[t] + tau2)
            sig = max(sig, min_rel_sigma * abs(base))
            sig_n[t] = max(sig, 1e-9)
        nref[t] = len(idx)
    rows = []
    for t in range(n):
        if lo_from is not None and d[t] < lo_from:
            continue
        phase = ph[t]
        row = {"date": d[t], "value": v[t], "phase": phase, "expected": np.nan, "lower": np.nan,
               "upper": np.nan, "score": np.nan, "basis": "short", "count_reference": 0}
        if not np.isfinite(exp_n[t]) or not np.isfinite(v[t]):
            rows.append(row)
            continue
        exp, basis, cnt, sd = exp_n[t], ("normal" if kind == "level" else "normal_rate"), nref[t], sig_n[t]
        if kind == "level":   # multiplicative band, sd in log units
            lower, upper = exp * np.exp(-k * sd), exp * np.exp(k * sd)
        else:
            lower, upper = exp - k * sd, exp + k * sd
        if phase != "normal":
            prev = np.flatnonzero((ph == phase) & (day < day[t]) & (day >= day[t] - campaign_lookback)
                                  & np.isfinite(exp_n) & (exp_n > 0) & np.isfinite(v))
            if len(prev) >= min_campaign_days and kind == "rate":
                exp = float(np.mean(v[prev]))
                sd = max(float(np.std(v[prev], ddof=1)), sig_n[t], min_rel_sigma * abs(exp))
                lower, upper, basis, cnt = exp - k * sd, exp + k * sd, "campaign_rate", len(prev)
            elif len(prev) >= min_campaign_days:
                lr = _logratio(v[prev], exp_n[prev])
                exp = exp_n[t] * float(np.exp(np.median(lr)))
                sd = max(_mad_sigma(lr), min_campaign_rel_sigma, sig_n[t])
                lower, upper, basis, cnt = (exp * np.exp(-k * sd), exp * np.exp(k * sd),
                                            "campaign", len(prev))
            else:
                upper, basis, cnt = np.inf, "campaign_none", nref[t]
        lower = max(lower, 0.0)
        if kind == "level":
            score = float(_logratio(np.array([v[t]]), exp)[0]) / sd if sd > 0 else np.nan
        else:
            score = (v[t] - exp) / sd if sd > 0 else np.nan
        row.update(expected=exp, lower=lower, upper=upper, basis=basis, count_reference=int(cnt),
                   score=score)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["date", "value", "phase", "expected", "lower", "upper",
                                      "score", "basis", "count_reference"])
    if out.empty:
        out["deviation_rate"] = pd.Series(dtype="float64")
        out["is_alert"] = pd.Series(dtype=bool)
        out["direction"] = pd.Series(dtype=object)
        return out
    out["deviation_rate"] = out["value"] / out["expected"].where(out["expected"] != 0) - 1
    high = (out["value"] > out["upper"]) & (direction in ("both", "up"))
    low = (out["value"] < out["lower"]) & (direction in ("both", "down"))
    out["is_alert"] = (high | low).fillna(False).astype(bool)
    out["direction"] = np.where(high, "high", np.where(low, "low", ""))
    return out


def detect(daily: pd.DataFrame, phases: pd.Series | None = None,
           metrics: Sequence[str] | dict | None = None,
           group_cols: Sequence[str] = ("platform", "shop_id"), date_col: str = "sales_date",
           check_from=None, trim_leading: bool = True, **kw) -> pd.DataFrame:
    """:func:`check_series` for every group (shop) and metric of ``daily``.

    ``daily``: one row per day and group (e.g. :func:`ecomlib.metrics.channels.daily_shop_metrics`);
    ``phases``: campaign phase by date (``campaign_calendar``), ``normal`` where absent;
    ``metrics``: names from :data:`METRICS` or a dict of specs (default: those of
    :data:`METRICS` present in ``daily``). Returns the checked days of every group and metric
    (``metric`` column), from ``check_from`` on. With ``trim_leading`` a group is watched
    from its first day with ``paid_fen`` > 0 (a shop's days before it opened are not history).
    """
    group_cols = list(group_cols)
    specs = (metrics if isinstance(metrics, dict) else
             {m: METRICS[m] for m in (metrics or [m for m in METRICS if m in daily.columns])})
    missing = [c for c in [date_col, *group_cols, *specs] if c not in daily.columns]
    if missing:
        raise KeyError(f"anomaly.detect: column(s) {missing} missing; got {list(daily.columns)}")
    outs = []
    for key, g in daily.groupby(group_cols, sort=True) if group_cols else [((), daily)]:
        key = key if isinstance(key, tuple) else (key,)
        g = g.sort_values(date_col)
        if "paid_fen" in g.columns and trim_leading:
            # a shop is watched from its first day with sales (not the zeros before opening)
            first = pd.to_numeric(g["paid_fen"], errors="coerce").fillna(0).gt(0).to_numpy()
            if not first.any():
                continue
            g = g.iloc[int(np.argmax(first)):]
        dts = pd.to_datetime(g[date_col]).dt.normalize()
        ph = (phases.reindex(pd.DatetimeIndex(dts)).fillna("normal").to_numpy()
              if phases is not None else None)
        for m, spec in specs.items():
            den = g[spec["denominator"]] if spec.get("denominator") in g.columns else None
            r = check_series(dts, g[m], ph, kind=spec["kind"], direction=spec["direction"],
                             count=spec.get("count", False), denominator=den,
                             check_from=check_from, **kw)
            for c, val in zip(group_cols, key):
                r[c] = val
            r["metric"] = m
            outs.append(r)
    cols = [*group_cols, "metric", "date", "phase", "value", "expected", "lower", "upper",
            "deviation_rate", "score", "basis", "count_reference", "is_alert", "direction"]
    if not outs:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    return pd.concat(outs, ignore_index=True)[cols]


def _base_decimals(metric: str) -> int:
    """Decimals a metric's value is shown with: yuan 0, rates 1 (in %), counts 0, ratios 2."""
    if metric.endswith("_fen"):
        return 0
    if metric.endswith("_rate"):
        return 1
    if metric.startswith("count_"):
        return 0
    return 2


def _rounded(metric: str, x: float, decimals: int) -> float:
    """``x`` as the reader sees it at ``decimals`` (yuan, percent or the number itself)."""
    scale = 0.01 if metric.endswith("_fen") else 100.0 if metric.endswith("_rate") else 1.0
    return round(float(x) * scale, decimals)


def _val(metric: str, x: float, lang: str, decimals: int | None = None) -> str:
    """One value of ``metric`` as text with ``decimals`` (default the metric's own; a count
    that is a whole number is always shown whole)."""
    if x is None or not np.isfinite(x):
        return fmt.MISSING
    d = _base_decimals(metric) if decimals is None else decimals
    if metric.endswith("_fen"):
        return fmt.yuan(x, lang, decimals=d)
    if metric.endswith("_rate"):
        return fmt.pct(x, d)
    if metric.startswith("count_"):
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.{d}f}"
    return f"{x:,.{d}f}"


def decimals_for(metric: str, value: float, lower: float, upper: float,
                 max_extra: int = 4) -> int:
    """The decimals at which the alert's decision shows in its text: the value must read
    outside the bound it crossed (a count of 2 below a bound of 2.19 reads "2" against
    "2.2", never "2" against "2"), and a count's bounds that are not whole numbers keep a
    decimal. Starts at the metric's own precision and adds up to ``max_extra`` digits."""
    base = _base_decimals(metric)
    if metric.startswith("count_"):
        frac = any(np.isfinite(b) and not float(b).is_integer() for b in (lower, upper))
        base = max(base, 1 if frac else 0)
    if value is None or not np.isfinite(value):
        return base
    for d in range(base, base + max_extra + 1):
        v = _rounded(metric, value, d)
        low = np.isfinite(lower) and value < lower
        high = np.isfinite(upper) and value > upper
        if low and not v < _rounded(metric, lower, d):
            continue
        if high and not v > _rounded(metric, upper, d):
            continue
        return d
    return base + max_extra


def range_text(metric: str, row, lang: str = "zh") -> str:
    """The normal range of an alert row (``value``, ``lower``, ``upper``) at the precision
    its decision used (:func:`decimals_for`): ``2.2–34.5``, or ``≥ ¥1,200`` when there is no
    upper bound (a campaign day without an earlier campaign to compare with)."""
    v, lower, upper = row["value"], row["lower"], row["upper"]
    d = decimals_for(metric, v, lower, upper)
    base = decimals_for(metric, np.nan, lower, upper)  # the bound not crossed: as usual
    crossed_low = np.isfinite(v) and np.isfinite(lower) and v < lower
    crossed_high = np.isfinite(v) and np.isfinite(upper) and v > upper
    lo = _val(metric, lower, lang, d if crossed_low else base)
    if not np.isfinite(upper):
        return f"≥ {lo}"
    return f"{lo}–{_val(metric, upper, lang, d if crossed_high else base)}"


def _shop_label(row) -> str:
    name = row.get("shop_name") if hasattr(row, "get") else None
    return str(name) if isinstance(name, str) and name else str(row.get("shop_id", ""))


def alert_message(row, lang: str = "zh") -> str:
    """One sentence for one alert: what moved, by how much, compared with what. The shop is
    named by ``shop_name`` when the row has it; the value, expectation and normal range are
    shown at the precision the decision used (:func:`decimals_for`)."""
    m = row["metric"]
    name = i18n.label(m, lang)
    shop = _shop_label(row)
    plat = i18n.label(row["platform"], lang) if "platform" in row else ""
    day = pd.Timestamp(row["date"]).strftime("%Y-%m-%d")
    d = decimals_for(m, row["value"], row["lower"], row["upper"])
    val, exp = _val(m, row["value"], lang, d), _val(m, row["expected"], lang, d)
    rng = range_text(m, row, lang)
    up = row["value"] > row["expected"]
    if m.endswith("_rate"):
        diff = abs(row["value"] - row["expected"]) * 100
        by_zh, by_en = f"{diff:.1f} 个百分点", f"{diff:.1f} percentage points"
    else:
        ch = abs(row["deviation_rate"]) if np.isfinite(row["deviation_rate"]) else np.nan
        by_zh = by_en = fmt.pct(ch)
    b = _BASIS.get(row["basis"], (row["basis"], row["basis"]))
    n = int(row.get("count_reference", 0) or 0)
    basis = (b[0] if lang == "zh" else b[1]).format(n=n)
    ph = str(row.get("phase", "normal")).split(":")[0]
    if lang == "zh":
        phz = {"normal": "", "pre": "（大促前）", "campaign": "（大促期间）", "peak": "（大促峰值日）",
               "post": "（大促后）"}.get(ph, "")
        return (f"{day}{phz} {plat} {shop} 的{name}为 {val}，比预期 {exp} "
                f"{'高' if up else '低'} {by_zh}（正常范围 {rng}；对比：{basis}）。")
    phe = {"normal": "", "pre": " (pre-campaign)", "campaign": " (campaign)", "peak": " (campaign peak)",
           "post": " (post-campaign)"}.get(ph, "")
    return (f"{day}{phe} {plat} {shop}: {name} was {val}, {by_en} "
            f"{'above' if up else 'below'} the expected {exp} (normal range {rng}; "
            f"compared with {basis}).")


def alert_brief(row, lang: str = "zh", where: bool = True) -> str:
    """A short line for an action list: day, shop, metric, value and the range it left
    (``12-24 山野生活京东旗舰店：支付订单数 2，低于正常范围 2.2–34.5``); without ``where``
    only the metric's part (``支付订单数 2，低于正常范围 2.2–34.5``), to join several
    alerts of one shop-day."""
    m = row["metric"]
    d = decimals_for(m, row["value"], row["lower"], row["upper"])
    day = pd.Timestamp(row["date"]).strftime("%m-%d")
    val = _val(m, row["value"], lang, d)
    low = np.isfinite(row["lower"]) and row["value"] < row["lower"]
    if not np.isfinite(row["upper"]):  # only a lower bound: name it
        lo = _val(m, row["lower"], lang, d)
        place = text("低于正常下限 " + lo, "below the normal minimum " + lo, lang)
    else:
        rng = range_text(m, row, lang)
        place = (text("低于", "below", lang) if low else text("高于", "above", lang)) + \
            text("正常范围 ", " the normal range ", lang) + rng
    sep = "：" if lang == "zh" else ": "
    comma = "，" if lang == "zh" else ", "
    what = f"{i18n.label(m, lang)} {val}{comma}{place}"
    return f"{day} {_shop_label(row)}{sep}{what}" if where else what


def alerts(checked: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The alert rows of :func:`detect` with a ``message`` each, strongest (|score|) first
    within each day, latest day first."""
    a = checked[checked["is_alert"].astype(bool)].copy()
    if a.empty:
        a["message"] = pd.Series(dtype=object)
        return a.reset_index(drop=True)
    a["message"] = [alert_message(r, lang) for _, r in a.iterrows()]
    a["_abs"] = a["score"].abs()
    return (a.sort_values(["date", "_abs"], ascending=[False, False])
            .drop(columns="_abs").reset_index(drop=True))


def plot_band(checked: pd.DataFrame, shop_id: str, metric: str, lang: str = "zh",
              since=None, name: str | None = None):
    """One shop's metric over the checked days: the actual value, the expected value and the
    normal band (shaded), with alert days marked in red. ``checked`` is :func:`detect`'s output;
    ``name``: the shop's name for the title (default its id)."""
    from .. import plots
    plots.setup(lang)
    d = checked[(checked["shop_id"] == shop_id) & (checked["metric"] == metric)].sort_values("date")
    if since is not None:
        d = d[d["date"] >= pd.Timestamp(since)]
    title = f"{name or shop_id} · {i18n.label(metric, lang)}"
    if d.empty:
        return plots._empty_figure(title, lang, (11, 3.2))
    scale = 100.0 if metric.endswith("_fen") else 1.0
    fig, ax = plots._new_figure((11, 3.2))
    x = pd.to_datetime(d["date"])
    upper = d["upper"].where(np.isfinite(d["upper"]), np.nan)
    ax.fill_between(x, d["lower"] / scale, upper / scale, color="#D0EBFF", alpha=0.8,
                    label=i18n.text("正常范围", "Normal range", lang), step="mid")
    ax.plot(x, d["expected"] / scale, color="#495057", lw=1.1, ls="--",
            label=i18n.text("预期", "Expected", lang))
    ax.plot(x, d["value"] / scale, color="#1C7ED6", lw=1.6, marker="o", ms=3,
            label=i18n.text("实际", "Actual", lang))
    a = d[d["is_alert"].astype(bool)]
    if len(a):
        ax.scatter(pd.to_datetime(a["date"]), a["value"] / scale, color="#E03131", s=60, zorder=5,
                   label=i18n.label("alert", lang))
    if metric.endswith("_fen"):
        ax.yaxis.set_major_formatter(plots.money_formatter(lang))
    elif metric.endswith("_rate"):
        from matplotlib.ticker import PercentFormatter
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    plots._date_axis(ax, lang)
    top = np.nanmax(np.r_[d["value"].to_numpy(float), d["expected"].to_numpy(float)]) / scale
    # the band can be very wide on noisy days: keep the actual values readable
    ax.set_ylim(0, top * 1.6 if np.isfinite(top) and top > 0 else None)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.set_title(title)
    return fig
