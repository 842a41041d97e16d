"""The inventory report's forecast section: tables, sentences and the chart of
:mod:`ecomlib.models.forecast_select` (the notebook calls these; every claim in a sentence
is read from the numbers: better or worse, within or outside the coverage target).

Display tables come back as frames of formatted strings with labelled headers, for
:func:`ecomlib.fmt.table` (``pct_cols=[]``, ``int_cols=[]``) or ``display()``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from ..i18n import text
from . import forecast_select as FS

__all__ = ["method_label", "segment_label", "comparison_table", "segment_table",
           "totals_table", "intro", "verdict", "coverage_note", "totals_note", "forecast_chart",
           "COVERAGE_TOLERANCE"]

#: coverage within this many points of nominal counts as "on target" (issue 22)
COVERAGE_TOLERANCE = 0.03

_METHODS = {
    "snaive": ("季节朴素（去年同周）", "Seasonal naive (same week last year)"),
    "ma13": ("13 周均值", "13-week mean"),
    "ma4": ("4 周均值", "4-week mean"),
    "ma26": ("26 周均值", "26-week mean"),
    "croston": ("Croston", "Croston"),
    "sba": ("SBA", "SBA"),
    "tsb": ("TSB", "TSB"),
    "imapa": ("IMAPA", "IMAPA"),
    "ets": ("指数平滑 AutoETS", "AutoETS"),
    "theta": ("Theta 法 AutoTheta", "AutoTheta"),
    "seasonal_index": ("13 周均值 × 日历指数", "13-week mean x calendar index"),
    "gbm": ("梯度提升（全部 SKU 共用，含大促日历）", "Gradient boosting (pooled, calendar)"),
    "chosen": ("选定预测（按分群）", "Chosen forecast (per segment)"),
}
_ABC = {"A": ("A 类", "A"), "B": ("B 类", "B"), "C": ("C 类", "C")}
_CLASS = {"smooth": ("平稳", "smooth"), "erratic": ("波动", "erratic"),
          "intermittent": ("间歇", "intermittent"), "lumpy": ("间歇且波动", "lumpy")}


def method_label(method: str, lang: str = "zh") -> str:
    """A method's name for the page; a combination reads "平均(a + b)" / "mean of a + b"."""
    if method.startswith("round("):
        return text(f"{method_label(method[6:-1], lang)}，取整", f"{method_label(method[6:-1], lang)}, rounded", lang)
    if method.startswith("mean("):
        parts = [method_label(p, lang) for p in method[5:-1].split(",")]
        return text("平均（" + " + ".join(parts) + "）", "mean of " + " + ".join(parts), lang)
    zh, en = _METHODS.get(method, (method, method))
    return text(zh, en, lang)


def segment_label(segment: str, lang: str = "zh") -> str:
    """``A-smooth`` -> "A 类·平稳" / "A, smooth"; ``*`` -> 其余 / all others."""
    if segment == "*":
        return text("其余（按全部 SKU 选）", "others (chosen on all SKUs)", lang)
    abc, _, cls = segment.partition("-")
    a = _ABC.get(abc, (abc, abc))
    c = _CLASS.get(cls, (cls, cls))
    return text(f"{a[0]}·{c[0]}", f"{a[1]}, {c[1]}", lang)


def comparison_table(ev: FS.Evaluation, lang: str = "zh") -> pd.DataFrame:
    """Every candidate, the baselines and the chosen forecast on the holdout: WAPE, MAE and
    the WAPE against the better baseline, best first."""
    h = ev.holdout.sort_values("wape_rate").reset_index(drop=True)
    base = ev.summary["wape_best_baseline_rate"]
    role = {b: text("基准", "baseline", lang) for b in FS.BASELINES}
    role["chosen"] = text("选定", "chosen", lang)
    return pd.DataFrame({
        text("方法", "Method", lang): [method_label(m, lang) for m in h["method"]],
        text("角色", "Role", lang): [role.get(m, "") for m in h["method"]],
        "WAPE": [fmt.pct(v) for v in h["wape_rate"]],
        text("平均绝对误差（件/SKU·周）", "MAE (units per SKU-week)", lang): [f"{v:.2f}" for v in h["mae_units"]],
        text("比更好的基准", "vs the better baseline", lang): [fmt.pct(v / base - 1) if base else "—"
                                                          for v in h["wape_rate"]],
    })


def segment_table(ev: FS.Evaluation, lang: str = "zh") -> pd.DataFrame:
    """Which model each segment uses (chosen before the holdout) and how it did there: WAPE
    beside the better baseline's of that segment, coverage of both intervals."""
    s = ev.segments_holdout.sort_values("units_actual", ascending=False)
    best = np.minimum(s["wape_snaive_rate"], s["wape_ma13_rate"])
    return pd.DataFrame({
        text("分群", "Segment", lang): [segment_label(x, lang) for x in s["segment"]],
        text("使用的方法", "Method used", lang): [method_label(m, lang) for m in s["method"]],
        text("检验期销量", "Units in holdout", lang): [fmt.integer(v) for v in s["units_actual"]],
        "WAPE": [fmt.pct(v) for v in s["wape_rate"]],
        text("基准 WAPE（较好者）", "Baseline WAPE (better)", lang): [fmt.pct(v) for v in best],
        text("80% 区间覆盖", "80 % coverage", lang): [fmt.pct(v) for v in s["coverage_80_rate"]],
        text("95% 区间覆盖", "95 % coverage", lang): [fmt.pct(v) for v in s["coverage_95_rate"]],
    })


def totals_table(ev: FS.Evaluation, lang: str = "zh") -> pd.DataFrame:
    """The reconciled totals on the holdout: WAPE of the bottom-up sums (total, categories,
    shops) beside the 13-week means summed the same way."""
    t = ev.totals_holdout
    names = {"total": ("全部 SKU 合计", "All SKUs"), "category": ("各品类合计", "Category totals"),
             "shop": ("各店铺合计", "Shop totals")}
    return pd.DataFrame({
        text("层级", "Level", lang): [text(*names.get(x, (x, x)), lang) for x in t["level"]],
        text("序列数", "Series", lang): [fmt.integer(v) for v in t["count_series"]],
        text("选定预测加总 WAPE", "WAPE of the chosen forecasts summed", lang): [fmt.pct(v) for v in t["wape_rate"]],
        text("13 周均值加总 WAPE", "WAPE of the 13-week means summed", lang): [fmt.pct(v) for v in t["wape_ma13_rate"]],
    })


def intro(ev: FS.Evaluation, lang: str = "zh") -> fmt.Sentence:
    """How the models were compared: candidates, the selection weeks, the holdout weeks."""
    s = ev.summary
    sel0 = ev.origins["selection"][0].date() if ev.origins["selection"] else "—"
    n_c = len([m for m in ev.holdout["method"] if m in FS.CANDIDATES])
    return fmt.md(
        f"{n_c} 种预测方法（季节朴素、13 周均值等简单方法，Croston/SBA/TSB/IMAPA 等间歇需求方法，指数平滑、Theta 法、"
        f"13 周均值乘大促日历指数，以及全部 SKU 共用、带 618/双11/年货节/春节日历的梯度提升模型）在每个预测起点只用当时已知的数据，"
        f"预测之后 1–8 周每个 SKU 的周销量。SKU 按销量 ABC 和需求形态（平稳、波动、间歇）分群；每个分群用 {sel0} 起、"
        f"**{s['holdout_first_week']} 之前**的 {s['origins_selection']} 个起点选出误差最小的方法（或几种方法的平均），"
        f"再在最后 26 周（**{s['holdout_first_week']} 至 {s['holdout_last_week']}** 开始的各周，{s['origins_holdout']} 个起点）检验一次："
        f"检验期的数据没有参与选择，也没有参与区间的校准。WAPE = 绝对误差之和 ÷ 实际销量之和。",
        f"{n_c} methods (seasonal naive, the 13-week mean and other simple ones; Croston, SBA, TSB and IMAPA for intermittent demand; "
        f"AutoETS, AutoTheta; the 13-week mean times a calendar index; and one gradient-boosting model for all SKUs with the 618, Double 11, "
        f"New Year shopping festival and Spring Festival calendar) forecast each SKU's weekly units 1-8 weeks ahead from what was known at each origin. "
        f"SKUs are segmented by ABC (units) and demand pattern (smooth, erratic, intermittent); each segment gets the method (or the mean of a few) "
        f"with the lowest error over {s['origins_selection']} origins from {sel0}, **before {s['holdout_first_week']}**; "
        f"then everything is scored once on the last 26 weeks (weeks starting **{s['holdout_first_week']} to {s['holdout_last_week']}**, "
        f"{s['origins_holdout']} origins), which neither the choice nor the intervals' calibration saw. "
        f"WAPE = sum of absolute errors / units sold.", lang)


def verdict(ev: FS.Evaluation, lang: str = "zh") -> fmt.Sentence:
    """The chosen forecast against the better of the two baselines on the holdout (lower or
    higher, by how much), and whether another candidate would have done better there."""
    s = ev.summary
    w, b = s["wape_chosen_rate"], s["wape_best_baseline_rate"]
    base = method_label(s["best_baseline"], lang)
    ch = 1 - w / b if b else np.nan
    cands = ev.holdout[ev.holdout["method"] != "chosen"]
    top = cands.loc[cands["wape_rate"].idxmin()]
    if w < b:
        zh = f"检验期内，选定预测的 WAPE 为 **{fmt.pct(w)}**，比较好的基准（{base}，{fmt.pct(b)}）**低 {fmt.pct(ch)}**。"
        en = f"On the holdout the chosen forecast's WAPE is **{fmt.pct(w)}**, **{fmt.pct(ch)} lower** than the better baseline ({base}, {fmt.pct(b)})."
    elif w > b:
        zh = f"检验期内，选定预测的 WAPE 为 **{fmt.pct(w)}**，**不如**较好的基准（{base}，{fmt.pct(b)}），高 {fmt.pct(-ch)}：补货建议应谨慎使用这一预测。"
        en = f"On the holdout the chosen forecast's WAPE is **{fmt.pct(w)}**: **worse** than the better baseline ({base}, {fmt.pct(b)}) by {fmt.pct(-ch)}; use the purchase suggestions with care."
    else:
        zh = f"检验期内，选定预测的 WAPE 与较好的基准（{base}）相同，都是 {fmt.pct(w)}。"
        en = f"On the holdout the chosen forecast's WAPE equals the better baseline's ({base}): {fmt.pct(w)}."
    if top["wape_rate"] < w:
        zh += f"事后看，{method_label(top['method'], lang)} 在检验期更好（{fmt.pct(top['wape_rate'])}），但选择时看不到检验期。"
        en += f" In hindsight {method_label(top['method'], lang)} did better on the holdout ({fmt.pct(top['wape_rate'])}), which the choice could not see."
    return fmt.md(zh, en, lang)


def _cov_words(rate: float, nominal: float, lang: str) -> str:
    if rate is None or np.isnan(rate):
        return text("无法检验", "not checked", lang)
    d = rate - nominal
    if abs(d) <= COVERAGE_TOLERANCE:
        return text(f"{fmt.pct(rate)}，在目标 {fmt.pct(nominal, 0)} 的 ±3 个百分点内",
                    f"{fmt.pct(rate)}, within 3 points of {fmt.pct(nominal, 0)}", lang)
    if d < 0:
        return text(f"**{fmt.pct(rate)}，低于目标 {fmt.pct(nominal, 0)}** {abs(d) * 100:.1f} 个百分点（区间偏窄）",
                    f"**{fmt.pct(rate)}, {abs(d) * 100:.1f} points below {fmt.pct(nominal, 0)}** (bands too narrow)", lang)
    return text(f"**{fmt.pct(rate)}，高于目标 {fmt.pct(nominal, 0)}** {d * 100:.1f} 个百分点（区间偏宽）",
                f"**{fmt.pct(rate)}, {d * 100:.1f} points above {fmt.pct(nominal, 0)}** (bands too wide)", lang)


def coverage_note(ev: FS.Evaluation, lang: str = "zh") -> fmt.Sentence:
    """Where the intervals come from and how often they held on the holdout (within / below /
    above 3 points of nominal, from the numbers)."""
    s = ev.summary
    return fmt.md(
        f"预测区间来自选择期的样本外误差（按分群的共形区间：误差 ÷ √(预测+1) 的分位数），补货的安全库存用同一区间。"
        f"检验期实际销量落在 80% 区间内的比例为 {_cov_words(s['coverage_80_rate'], 0.8, 'zh')}；"
        f"落在 95% 区间内的比例为 {_cov_words(s['coverage_95_rate'], 0.95, 'zh')}。",
        f"The bands come from the selection weeks' out-of-sample errors (conformal, per segment: quantiles of error / sqrt(forecast + 1)); "
        f"the safety stock of the purchase suggestions uses the same bands. On the holdout, actual units fell inside the 80 % band "
        f"{_cov_words(s['coverage_80_rate'], 0.8, 'en')}, and inside the 95 % band {_cov_words(s['coverage_95_rate'], 0.95, 'en')}.", lang)


def totals_note(ev: FS.Evaluation, lang: str = "zh") -> fmt.Sentence:
    """Totals add up (bottom-up), and the total's holdout error against the 13-week means
    summed the same way (better or worse from the numbers)."""
    t = ev.totals_holdout.set_index("level")
    if "total" not in t.index:
        return fmt.md("", "", lang)
    w, m = t.loc["total", "wape_rate"], t.loc["total", "wape_ma13_rate"]
    better = w < m
    return fmt.md(
        f"品类和店铺的预测由 SKU 预测自下而上加总（店铺按各 SKU 近 13 周的店铺销量占比拆分），所以各层合计一致。"
        f"检验期全部 SKU 合计的 WAPE 为 **{fmt.pct(w)}**，"
        + (f"比 13 周均值加总（{fmt.pct(m)}）更准。" if better else f"**不比** 13 周均值加总（{fmt.pct(m)}）更准。"),
        f"Category and shop forecasts are the SKU forecasts summed bottom-up (shops by each SKU's share of the last 13 weeks), so every level adds up. "
        f"The all-SKU total's holdout WAPE is **{fmt.pct(w)}**, "
        + (f"better than the 13-week means summed ({fmt.pct(m)})." if better else f"**not** better than the 13-week means summed ({fmt.pct(m)})."), lang)


def forecast_chart(forecast: pd.DataFrame, weekly: pd.DataFrame, horizon_weeks: int, lang: str = "zh"):
    """The last 26 weeks of actual units and the next ``horizon_weeks`` of the chosen
    forecast (all SKUs), with the SKUs' 80 % bands added up (wider than the total's own)."""
    import matplotlib.pyplot as plt
    g = forecast.groupby("week_start", as_index=False)[["forecast_units", "lower_units", "upper_units"]].sum()
    hist = weekly.groupby("week_start", as_index=False)["units"].sum().tail(26)
    fig, ax = plt.subplots(figsize=(11, 4))
    ax.plot(hist["week_start"], hist["units"], color="#495057", lw=1.6, label=text("实际", "Actual", lang))
    ax.plot(g["week_start"], g["forecast_units"], color="#1C7ED6", lw=1.8, marker="o", ms=4,
            label=text("预测（选定方法）", "Forecast (chosen methods)", lang))
    ax.fill_between(g["week_start"], g["lower_units"], g["upper_units"], color="#1C7ED6", alpha=0.15,
                    label=text("各 SKU 80% 区间之和", "sum of the SKUs' 80 % bands", lang))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(text("件/周", "units/week", lang))
    ax.set_title(text(f"未来 {horizon_weeks} 周需求预测（全部 SKU 合计）",
                      f"Demand forecast for the next {horizon_weeks} weeks (all SKUs)", lang))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig
