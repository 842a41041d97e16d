"""Member analysis, pure functions: who buys, who comes back, what each is worth, what sells
together. Frames in, frames out, no warehouse: the rows come from
:mod:`ecomlib.metrics.members_queries` (queries over ``mart_member_orders``,
``mart_basket_items`` and ``mart_basket_pairs``), the sentences, charts and Excel file are
:mod:`ecomlib.metrics.members_report`'s.

Definitions (docs/DECISIONLOG.md has the reasons; the metrics are the catalogue's,
:mod:`ecomlib.metrics.catalogue`, computed through :mod:`ecomlib.metrics.rows` as ratios of
sums):

* a **purchase** is a paid order of a known member, dated by its sales day (the model
  layer's rule: the Beijing day of the payment); money is CNY fen (``*_fen``), ratios are
  0..1 (``*_rate``, NaN when the denominator is 0);
* ``count_members`` of a window (a period, a cohort month, a region, a platform combination,
  a tier) = members with a paid order in it, each once;
* **new** member of a period: their first purchase (within the selection) falls in the
  period; **returning**: they bought before the period;
* **repurchase rate** (复购率, ``repurchase_rate``) = members with 2+ paid orders in the
  window / members with 1+;
* **purchase interval**: days between two consecutive purchase days of one member;
* **cohort**: the month of a member's first purchase; retention in month k = members of the
  cohort who bought in month k / cohort size; cumulative paid per member = paid amount of
  the cohort in months 0..k / cohort size;
* **RFM**: R = days since the last purchase, F = paid orders, M = net sales (catalogue
  ``net_sales_fen`` = paid - refunds of the member's orders), all up to the as-of day.

Member keys are never shown: a member is found in a platform's back office by the last
order id (:func:`winback_list`); :func:`display_keys` masks keys where a table needs one.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..privacy import mask_key
from . import rows
from ._common import check_columns, ratio as _ratio

__all__ = [
    "TIERS", "TIER_ORDER", "PERIODS", "DEFAULT_INTERVAL_BINS", "display_keys",
    "with_net_sales", "new_vs_returning", "repurchase", "interval_distribution",
    "frequency_distribution", "cohort_table", "cohort_matrix", "platform_overlap",
    "members_per_platform", "cross_platform_split", "region_table", "basket_pairs", "rfm",
    "rfm_tiers", "churn_watchlist", "member_values", "value_by_tier", "parameters_table",
    "new_returning_long", "coupon", "winback_list", "WINBACK_ACTIONS", "cohort_drop",
    "tier_moves", "with_last_orders",
]

#: RFM tiers: (R high, F high, M high) -> tier code; labels in ecomlib.i18n (重要价值客户 ...)
TIERS = {
    (True, True, True): "important_value",
    (False, True, True): "important_keep",
    (True, False, True): "important_develop",
    (False, False, True): "important_retain",
    (True, True, False): "general_value",
    (False, True, False): "general_keep",
    (True, False, False): "general_develop",
    (False, False, False): "general_retain",
}
TIER_ORDER = list(TIERS.values())

#: the grains of the new-vs-returning table
PERIODS = ("week", "month", "quarter")


def _check(df: pd.DataFrame, cols, fn: str) -> None:
    check_columns(df, cols, f"members.{fn}")


def _share(part, whole_sum) -> pd.Series:
    """Each row's part of the column's total (NaN when the total is 0)."""
    part = pd.Series(part).astype("float64")
    return _ratio(part, np.repeat(float(whole_sum), len(part)))


def display_keys(df: pd.DataFrame, col: str = "member_key", keep: int = 6) -> pd.DataFrame:
    """A copy with ``col`` replaced by a ``member`` column of masked keys (``3fa2c1…``)."""
    _check(df, [col], "display_keys")
    out = df.copy()
    pos = list(out.columns).index(col)
    masked = out.pop(col).map(lambda k: mask_key(k, keep))
    out.insert(pos, "member", masked)
    return out


def with_net_sales(summary: pd.DataFrame) -> pd.DataFrame:
    """A copy of a member summary with ``net_sales_fen`` = paid_fen - refund_fen of each
    member (the catalogue's net sales, per row; CNY fen, int64 when both are known)."""
    _check(summary, ["paid_fen", "refund_fen"], "with_net_sales")
    return rows.add(summary, ["net_sales_fen"])


# -- new vs returning ------------------------------------------------------------------------------
def new_vs_returning(period_rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the ``members/buyers_by_period`` query (one per period, empty ones with
    0: count_members, count_new, count_returning, new_paid_fen, returning_paid_fen) with
    ``period_start`` as a timestamp and the catalogue's ``new_rate`` = new members /
    members and ``returning_paid_share_rate`` = returning members' paid / all paid (NaN for
    an empty period)."""
    _check(period_rows, ["period_start", "count_members", "count_new", "count_returning",
                         "new_paid_fen", "returning_paid_fen"], "new_vs_returning")
    out = period_rows.copy()
    out["period_start"] = pd.to_datetime(out["period_start"])
    for c in ("count_members", "count_new", "count_returning", "new_paid_fen",
              "returning_paid_fen"):
        out[c] = out[c].fillna(0).astype("int64")
    return rows.add(out.reset_index(drop=True), ["new_rate", "returning_paid_share_rate"])


def new_returning_long(table: pd.DataFrame, value: str = "count") -> pd.DataFrame:
    """:func:`new_vs_returning` in long form for a stacked chart: period_start, buyer_kind
    (buyer_new / buyer_returning), and ``count_members`` (value="count") or ``paid_fen``."""
    cols = {"count": ("count_new", "count_returning", "count_members"),
            "paid": ("new_paid_fen", "returning_paid_fen", "paid_fen")}[value]
    parts = [pd.DataFrame({"period_start": table["period_start"], "buyer_kind": kind,
                           cols[2]: table[c]}) for kind, c in (("buyer_new", cols[0]),
                                                               ("buyer_returning", cols[1]))]
    return pd.concat(parts, ignore_index=True)


# -- repurchase -----------------------------------------------------------------------------------
def repurchase(window_rows: pd.DataFrame) -> pd.DataFrame:
    """Windows (``members/repurchase`` or ``members/repurchase_rolling`` rows: window_start,
    window_end inclusive, count_members, count_repeat_members) with the dates as timestamps
    and the catalogue's ``repurchase_rate`` (复购率) = members with 2+ paid orders in the
    window / members with 1+ (NaN when nobody bought)."""
    _check(window_rows, ["window_start", "window_end", "count_members", "count_repeat_members"],
           "repurchase")
    out = window_rows.copy()
    for c in ("window_start", "window_end"):
        out[c] = pd.to_datetime(out[c])
    for c in ("count_members", "count_repeat_members"):
        out[c] = out[c].fillna(0).astype("int64")
    return rows.add(out.reset_index(drop=True), ["repurchase_rate"])


# -- intervals and frequency ------------------------------------------------------------------------
DEFAULT_INTERVAL_BINS = (1, 8, 15, 31, 61, 91, 181, 366)


def interval_distribution(hist: pd.DataFrame, bins=DEFAULT_INTERVAL_BINS) -> pd.DataFrame:
    """Gaps between purchase days (``members/purchase_gaps`` rows: gap_days,
    purchase_number, count_intervals) bucketed: one row per bucket ``[lo, hi)`` days (labels
    ``1-7``, ..., ``365+``).

    ``bins`` are the bucket lower edges (ascending, the last bucket is open). Columns:
    interval_bucket, count_intervals (all gaps), interval_share_rate (share of all gaps),
    to_second_rate / later_rate (share of the first->second gaps, resp. later gaps, in the
    bucket; each sums to 1 over buckets).
    """
    _check(hist, ["gap_days", "purchase_number", "count_intervals"], "interval_distribution")
    edges = list(bins)
    if edges != sorted(edges) or len(edges) < 2:
        raise ValueError(f"members.interval_distribution: bins must ascend (2+ edges); got {bins}")
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:])] + [f"{edges[-1]}+"]
    idx = np.searchsorted(edges, hist["gap_days"].to_numpy(), side="right") - 1
    h = hist.assign(b=np.clip(idx, 0, len(edges) - 1))
    every = range(len(edges))
    tot = h.groupby("b")["count_intervals"].sum().reindex(every, fill_value=0)
    sec = h[h.purchase_number == 2].groupby("b")["count_intervals"].sum().reindex(every, fill_value=0)
    lat = h[h.purchase_number != 2].groupby("b")["count_intervals"].sum().reindex(every, fill_value=0)
    out = pd.DataFrame({"interval_bucket": labels, "count_intervals": tot.to_numpy().astype("int64")})
    out["interval_share_rate"] = _share(out["count_intervals"], tot.sum())
    out["to_second_rate"] = _share(sec.to_numpy(), sec.sum())
    out["later_rate"] = _share(lat.to_numpy(), lat.sum())
    return out


def frequency_distribution(summary: pd.DataFrame, max_orders: int = 6) -> pd.DataFrame:
    """Members by number of paid orders (1, 2, ..., ``max_orders``+) from a member summary.

    Columns: orders_bucket, count_members, members_share_rate (of all members), paid_fen
    (their paid amount, CNY fen), paid_share_rate (of all members' paid).
    """
    _check(summary, ["count_orders", "paid_fen"], "frequency_distribution")
    b = np.minimum(summary["count_orders"].to_numpy(), max_orders)
    g = pd.DataFrame({"b": b, "paid_fen": summary["paid_fen"].to_numpy()}).groupby("b").agg(
        count_members=("paid_fen", "size"), paid_fen=("paid_fen", "sum"))
    g = g.reindex(range(1, max_orders + 1), fill_value=0)
    out = pd.DataFrame({"orders_bucket": [str(i) if i < max_orders else f"{i}+" for i in g.index],
                        "count_members": g["count_members"].to_numpy().astype("int64"),
                        "paid_fen": g["paid_fen"].to_numpy().astype("int64")})
    out["members_share_rate"] = _share(out["count_members"], out["count_members"].sum())
    out["paid_share_rate"] = _share(out["paid_fen"], out["paid_fen"].sum())
    return out[["orders_bucket", "count_members", "members_share_rate", "paid_fen", "paid_share_rate"]]


# -- cohorts -----------------------------------------------------------------------------------------
def cohort_table(cohort_rows: pd.DataFrame, end) -> pd.DataFrame:
    """Cohort x month table with retention and cumulative paid per member.

    ``cohort_rows``: one row per (cohort_month, activity_month) with count_members (members
    of the cohort who bought that month) and paid_fen (``members/cohorts``). Returns one row
    per cohort and months_since = 0 .. (month of ``end`` - cohort month), months without
    purchases present with 0: cohort_size (= members of month 0), count_members,
    retention_rate = count_members / cohort_size, paid_fen (that month), cum_paid_fen (months
    0..k) and cum_paid_per_member_fen = cum_paid_fen / cohort_size (fen, float).
    """
    _check(cohort_rows, ["cohort_month", "activity_month", "count_members", "paid_fen"],
           "cohort_table")
    cols = ["cohort_month", "months_since", "activity_month", "cohort_size", "count_members",
            "retention_rate", "paid_fen", "cum_paid_fen", "cum_paid_per_member_fen"]
    if cohort_rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    r = cohort_rows.copy()
    r["cohort_month"] = pd.to_datetime(r["cohort_month"])
    r["activity_month"] = pd.to_datetime(r["activity_month"])
    end_m = pd.Timestamp(end).to_period("M")
    parts = []
    for cm in sorted(r["cohort_month"].unique()):
        n = (end_m - pd.Timestamp(cm).to_period("M")).n
        parts.append(pd.DataFrame({"cohort_month": pd.Timestamp(cm), "months_since": np.arange(n + 1)}))
    spine = pd.concat(parts, ignore_index=True)
    spine["activity_month"] = [c + pd.DateOffset(months=int(k)) for c, k in
                               zip(spine["cohort_month"], spine["months_since"])]
    out = spine.merge(r, on=["cohort_month", "activity_month"], how="left")
    out["count_members"] = out["count_members"].fillna(0).astype("int64")
    out["paid_fen"] = out["paid_fen"].fillna(0).astype("int64")
    out["cohort_size"] = out.groupby("cohort_month")["count_members"].transform("first").astype("int64")
    out["cum_paid_fen"] = out.groupby("cohort_month")["paid_fen"].cumsum().astype("int64")
    out = rows.add(out, ["retention_rate", "cum_paid_per_member_fen"])
    return out[cols]


def cohort_matrix(table: pd.DataFrame, value: str = "retention_rate", max_months: int | None = 12
                  ) -> pd.DataFrame:
    """Pivot of :func:`cohort_table`: one row per cohort month (``YYYY-MM``), one column per
    months_since (0..``max_months``), cells = ``value``; cells not yet observable are NaN."""
    _check(table, ["cohort_month", "months_since", value], "cohort_matrix")
    t = table if max_months is None else table[table["months_since"] <= max_months]
    if t.empty:
        return pd.DataFrame()
    m = t.pivot(index="cohort_month", columns="months_since", values=value)
    m.index = [pd.Timestamp(i).strftime("%Y-%m") for i in m.index]
    return m


def cohort_drop(table: pd.DataFrame, complete_until, baseline: int = 3,
                min_drop: float = 0.03) -> dict | None:
    """The latest cohort whose next-month retention fell: of the cohorts of
    :func:`cohort_table` whose month 1 is over by ``complete_until`` (its last day on or
    before it: a month still running is not compared), the latest one, when its retention in
    month 1 is at least ``min_drop`` (0.03 = 3 percentage points) below that of the
    ``baseline`` cohorts before it (their members back in month 1 / their sizes: a ratio of
    sums). Returns {cohort_month, cohort_size, count_members, retention_rate,
    baseline_rate, baseline_from, baseline_to} or None (no drop, or too few cohorts)."""
    _check(table, ["cohort_month", "months_since", "cohort_size", "count_members"],
           "cohort_drop")
    if table.empty:
        return None
    last_day = pd.Timestamp(complete_until)
    m1 = table[(table["months_since"] == 1) & (table["cohort_size"] > 0)].copy()
    m1 = m1[(pd.to_datetime(m1["activity_month"]) + pd.offsets.MonthEnd(0)) <= last_day] \
        if "activity_month" in m1.columns else m1
    m1 = m1.sort_values("cohort_month")
    if len(m1) < baseline + 1:
        return None
    cur, base = m1.iloc[-1], m1.iloc[-1 - baseline:-1]
    rate = float(cur["count_members"]) / float(cur["cohort_size"])
    base_rate = float(base["count_members"].sum()) / float(base["cohort_size"].sum())
    if base_rate - rate < min_drop:
        return None
    return {"cohort_month": pd.Timestamp(cur["cohort_month"]), "cohort_size": int(cur["cohort_size"]),
            "count_members": int(cur["count_members"]), "retention_rate": rate,
            "baseline_rate": base_rate, "baseline_from": pd.Timestamp(base["cohort_month"].iloc[0]),
            "baseline_to": pd.Timestamp(base["cohort_month"].iloc[-1])}


# -- platforms ------------------------------------------------------------------------------------------
def platform_overlap(combo_rows: pd.DataFrame) -> pd.DataFrame:
    """Members per combination of platforms they bought on (``members/platform_combos``
    rows: platforms like ``jd+tmall``, count_platforms, count_members, count_orders,
    paid_fen) with the catalogue's ``paid_per_member_fen`` = paid / members. Cross-platform
    means the same member_key on several platforms (the identity matched, e.g. a phone)."""
    _check(combo_rows, ["platforms", "count_platforms", "count_members", "count_orders",
                        "paid_fen"], "platform_overlap")
    return rows.add(combo_rows.reset_index(drop=True), ["paid_per_member_fen"])


def members_per_platform(combos: pd.DataFrame) -> pd.DataFrame:
    """Per platform, from :func:`platform_overlap`: count_members (bought there),
    count_cross_platform (of them, bought on another platform too), the catalogue's
    cross_platform_rate = cross / members. Sorted by members, largest first."""
    _check(combos, ["platforms", "count_members"], "members_per_platform")
    counts: dict[str, list[int]] = {}
    for combo, n in zip(combos["platforms"], combos["count_members"]):
        parts = str(combo).split("+")
        for p in parts:
            r = counts.setdefault(p, [0, 0])
            r[0] += int(n)
            r[1] += int(n) if len(parts) > 1 else 0
    out = pd.DataFrame([(p, a, b) for p, (a, b) in counts.items()],
                       columns=["platform", "count_members", "count_cross_platform"])
    out = out.astype({"count_members": "int64", "count_cross_platform": "int64"})
    out = out.sort_values(["count_members", "platform"], ascending=[False, True], ignore_index=True)
    return rows.add(out, ["cross_platform_rate"])


def cross_platform_split(combos: pd.DataFrame) -> pd.DataFrame:
    """Two rows, ``single`` (members who bought on one platform) and ``cross`` (on two or
    more), from :func:`platform_overlap`: count_members, count_orders, paid_fen and the
    catalogue's paid_per_member_fen, plus members_share_rate (of all members)."""
    _check(combos, ["count_platforms", "count_members", "count_orders", "paid_fen"],
           "cross_platform_split")
    kind = np.where(combos["count_platforms"] > 1, "cross", "single")
    g = rows.sums(combos.assign(kind=kind), "kind", ["count_members", "count_orders", "paid_fen"])
    g = g.set_index("kind").reindex(["single", "cross"]).rename_axis("kind").reset_index()
    for c in ("count_members", "count_orders", "paid_fen"):
        g[c] = g[c].fillna(0).astype("int64")
    out = rows.add(g, ["paid_per_member_fen"])
    out["members_share_rate"] = _share(out["count_members"], out["count_members"].sum())
    return out


# -- regions -----------------------------------------------------------------------------------------------
def region_table(region_rows: pd.DataFrame, level: str = "province", top: int | None = None
                 ) -> pd.DataFrame:
    """Regions ranked by paid amount (``members/regions`` rows: one per province and city).
    A member's home region is that of their latest paid order in the period, so members add
    up over cities to provinces.

    One row per ``level`` (``province``, or ``city`` with its province): count_members,
    members_share_rate (of all members), count_repeat_members, the catalogue's
    repurchase_rate = repeat members / members, count_orders, paid_fen and
    paid_per_member_fen = paid / members. ``top`` keeps the largest regions by paid amount.
    An empty region shows as ``unknown`` (未知).
    """
    _check(region_rows, ["province", "city", "count_members", "count_repeat_members",
                         "count_orders", "paid_fen"], "region_table")
    if level not in ("province", "city"):
        raise ValueError(f"members.region_table: level must be 'province' or 'city'; got {level!r}")
    keys = ["province"] if level == "province" else ["province", "city"]
    r = region_rows.copy()
    for k in keys:
        r[k] = r[k].fillna("").replace("", "unknown")
    sums = ["count_members", "count_repeat_members", "count_orders", "paid_fen"]
    g = r.groupby(keys, as_index=False)[sums].sum()
    g = g.astype({c: "int64" for c in sums})
    g = rows.add(g, ["repurchase_rate", "paid_per_member_fen"])
    g["members_share_rate"] = _share(g["count_members"], g["count_members"].sum())
    g = g.sort_values(["paid_fen"] + keys, ascending=[False] + [True] * len(keys), ignore_index=True)
    if top is not None:
        g = g.head(top)
    return g[keys + ["count_members", "members_share_rate", "count_repeat_members",
                     "repurchase_rate", "count_orders", "paid_fen", "paid_per_member_fen"]]


# -- baskets --------------------------------------------------------------------------------------------
def basket_pairs(pair_rows: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Item pairs bought in the same basket (``members/basket_pairs`` rows: item_a < item_b,
    name_a / name_b, count_pair_orders, count_orders_a, count_orders_b, count_baskets) with
    the catalogue's support_rate = baskets with both / baskets, confidence_a_to_b_rate =
    baskets with both / baskets with a (and b_to_a), and lift = support(a, b) / (support(a)
    x support(b)) = count_pair_orders x count_baskets / (count_orders_a x count_orders_b)
    (> 1: bought together more often than by chance). Sorted by lift, then pair orders
    (largest first), then the items; ``top`` kept. The name columns are dropped when every
    one is empty (category pairs)."""
    _check(pair_rows, ["item_a", "item_b", "count_pair_orders", "count_orders_a",
                       "count_orders_b", "count_baskets"], "basket_pairs")
    out = rows.add(pair_rows.reset_index(drop=True),
                   ["support_rate", "confidence_a_to_b_rate", "confidence_b_to_a_rate"])
    out["lift"] = (out["count_pair_orders"] * out["count_baskets"]
                   / (out["count_orders_a"] * out["count_orders_b"])).astype("float64")
    out = out.sort_values(["lift", "count_pair_orders", "item_a", "item_b"],
                          ascending=[False, False, True, True], ignore_index=True)
    if top is not None:
        out = out.head(top)
    names = [c for c in ("name_a", "name_b") if c in out.columns]
    if names and out[names].isna().all().all():
        out = out.drop(columns=names)
    return out.reset_index(drop=True)


# -- RFM --------------------------------------------------------------------------------------------------
def _quintile_score(v: pd.Series, higher_is_better: bool) -> pd.Series:
    """1..5 by rank quintile (ties share the average rank); 5 = best."""
    if v.empty:
        return pd.Series(dtype="int64")
    pct = v.rank(method="average", pct=True, ascending=higher_is_better)
    return np.ceil(pct * 5).clip(1, 5).astype("int64")


def rfm(summary: pd.DataFrame, recency_days: float | None = None,
        frequency_orders: float | None = None, monetary_fen: float | None = None) -> pd.DataFrame:
    """RFM per member from a member summary (``members_queries.member_summary``) and the 8
    named tiers.

    R = ``days_since_last`` (days from the last purchase to the as-of day), F =
    ``count_orders`` (paid orders), M = ``net_sales_fen`` = paid_fen - refund_fen (CNY fen,
    the catalogue's net sales of the member). A member is high on R when days_since_last <=
    ``recency_days``, on F when count_orders >= ``frequency_orders``, on M when net_sales_fen
    >= ``monetary_fen``; a threshold left None is the members' mean (高于平均为高). Tier from
    (R, F, M) high/low, :data:`TIERS` (重要价值客户 = all three high, 重要挽留客户 = only M
    high, ...). Also r_score / f_score / m_score, 1..5 by quintile (5 = most recent / most
    orders / most money).

    Returns member_key, days_since_last, count_orders, net_sales_fen, the three scores,
    r_high / f_high / m_high, tier; and ``attrs['thresholds']`` with the values used.
    """
    _check(summary, ["member_key", "days_since_last", "count_orders", "paid_fen", "refund_fen"],
           "rfm")
    out = with_net_sales(summary[["member_key", "days_since_last", "count_orders", "paid_fen",
                                  "refund_fen"]]).drop(columns=["paid_fen", "refund_fen"])
    m = out["net_sales_fen"]
    th = {
        "recency_days": float(out["days_since_last"].mean()) if recency_days is None else float(recency_days),
        "frequency_orders": float(out["count_orders"].mean()) if frequency_orders is None else float(frequency_orders),
        "monetary_fen": float(m.mean()) if monetary_fen is None else float(monetary_fen),
    }
    out["r_score"] = _quintile_score(out["days_since_last"], higher_is_better=False)
    out["f_score"] = _quintile_score(out["count_orders"], higher_is_better=True)
    out["m_score"] = _quintile_score(m, higher_is_better=True)
    out["r_high"] = out["days_since_last"] <= th["recency_days"]
    out["f_high"] = out["count_orders"] >= th["frequency_orders"]
    out["m_high"] = m >= th["monetary_fen"]
    # the tier of each (R, F, M) high/low triple, looked up by its number 4 R + 2 F + M
    by_code = np.array([TIERS[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)],
                       dtype=object)
    code = (4 * out["r_high"].to_numpy(dtype="int64") + 2 * out["f_high"].to_numpy(dtype="int64")
            + out["m_high"].to_numpy(dtype="int64"))
    out["tier"] = by_code[code].tolist()
    out.attrs["thresholds"] = th
    return out


def rfm_tiers(scored: pd.DataFrame) -> pd.DataFrame:
    """One row per RFM tier (all 8, in :data:`TIERS` order, empty tiers with 0 and NaN):
    count_members, members_share_rate, net_sales_fen, net_sales_share_rate (of all members'
    net sales), mean_days_since_last (days since the last purchase summed / members) and the
    catalogue's orders_per_member (paid orders / members)."""
    _check(scored, ["tier", "days_since_last", "count_orders", "net_sales_fen"], "rfm_tiers")
    per = scored[["tier", "days_since_last", "count_orders", "net_sales_fen"]].assign(count_members=1)
    g = rows.sums(per, "tier", ["count_members", "count_orders", "net_sales_fen", "days_since_last"])
    g = g.set_index("tier").reindex(TIER_ORDER)
    for c in ("count_members", "count_orders", "net_sales_fen", "days_since_last"):
        g[c] = g[c].fillna(0).astype("int64")
    g = rows.add(g.rename_axis("tier").reset_index(), ["orders_per_member", "mean_days_since_last"])
    g["members_share_rate"] = _share(g["count_members"], g["count_members"].sum())
    g["net_sales_share_rate"] = _share(g["net_sales_fen"], g["net_sales_fen"].sum())
    return g[["tier", "count_members", "members_share_rate", "net_sales_fen",
              "net_sales_share_rate", "mean_days_since_last", "orders_per_member"]]


def tier_moves(now: pd.DataFrame, before: pd.DataFrame, min_members: int = 30) -> pd.DataFrame:
    """How each RFM tier's share of members moved between two as-of days (two
    :func:`rfm_tiers` tables, the earlier one scored with the later one's thresholds so that
    a tier means the same both times): count_members, previous_count_members,
    members_share_rate, previous_members_share_rate and share_change (the difference of the
    shares, in 0..1 points). Members accumulate, so shares compare where counts would all
    grow. Tiers with fewer than ``min_members`` members both times are left out; sorted by
    the size of the move, largest first."""
    _check(now, ["tier", "count_members", "members_share_rate"], "tier_moves")
    _check(before, ["tier", "count_members", "members_share_rate"], "tier_moves")
    b = before.set_index("tier")[["count_members", "members_share_rate"]].add_prefix("previous_")
    out = now.set_index("tier")[["count_members", "members_share_rate"]].join(b, how="left")
    out["previous_count_members"] = out["previous_count_members"].fillna(0).astype("int64")
    out["share_change"] = out["members_share_rate"] - out["previous_members_share_rate"]
    out = out[(out["count_members"] >= min_members) | (out["previous_count_members"] >= min_members)]
    out = out.reset_index()
    order = out["share_change"].abs().fillna(-1.0)
    out = out.assign(_o=order).sort_values(["_o", "tier"], ascending=[False, True])
    return out.drop(columns="_o").reset_index(drop=True)[
        ["tier", "count_members", "previous_count_members", "members_share_rate",
         "previous_members_share_rate", "share_change"]]


# -- churn watch-list and the win-back list ------------------------------------------------------------
def churn_watchlist(scored: pd.DataFrame, min_net_sales_fen: float | None = None,
                    max_p_alive: float = 0.3, top: int | None = 30,
                    max_days_since_last: int | None = None) -> pd.DataFrame:
    """Members worth winning back: high past value and low probability of being alive.

    ``scored`` has member_key, p_alive_rate and net_sales_fen (or paid_fen and refund_fen).
    Kept: net_sales_fen >= ``min_net_sales_fen`` (default: the 80th percentile of members,
    i.e. the top fifth by past value) and p_alive_rate <= ``max_p_alive``; sorted by past
    value, largest first, ``top`` rows (None: all). When the summary columns are there,
    ``usual_gap_days`` = recency_days / frequency (the member's own mean days between
    purchase days) shows why P(alive) is low: the silence since the last purchase
    (days_since_last) is long compared with it. ``max_days_since_last``: members silent for
    longer are left out (too long gone to answer an offer; the value bar is still the
    percentile of all members). The member_key stays (to look up the last order,
    :func:`with_last_orders`); no report shows it.
    """
    df = scored if "net_sales_fen" in scored.columns else with_net_sales(scored)
    _check(df, ["member_key", "p_alive_rate", "net_sales_fen"], "churn_watchlist")
    df = df.copy()
    if {"recency_days", "frequency"} <= set(df.columns):
        df["usual_gap_days"] = df["recency_days"] / df["frequency"].where(df["frequency"] > 0)
    th = (float(df["net_sales_fen"].quantile(0.8)) if len(df) else float("nan")) \
        if min_net_sales_fen is None else float(min_net_sales_fen)
    keep = df[(df["net_sales_fen"] >= th) & (df["p_alive_rate"] <= max_p_alive)]
    if max_days_since_last is not None:
        _check(df, ["days_since_last"], "churn_watchlist")
        keep = keep[keep["days_since_last"] <= max_days_since_last]
    keep = keep.sort_values(["net_sales_fen", "member_key"], ascending=[False, True])
    out = (keep if top is None else keep.head(top)).reset_index(drop=True)
    out.attrs["min_net_sales_fen"] = th
    return out


def with_last_orders(members: pd.DataFrame, last_orders: pd.DataFrame) -> pd.DataFrame:
    """``members`` (rows with member_key) with each member's last paid order beside it
    (``members/last_orders`` rows: last_platform, last_shop_id, last_order_id,
    last_order_date, count_shops), same rows and order."""
    _check(members, ["member_key"], "with_last_orders")
    _check(last_orders, ["member_key", "last_platform", "last_shop_id", "last_order_id",
                         "last_order_date"], "with_last_orders")
    out = members.merge(last_orders, on="member_key", how="left", validate="many_to_one")
    out.attrs.update(members.attrs)
    return out


#: the win-back list's suggested actions, in the order they are checked (labels in i18n)
WINBACK_ACTIONS = ("winback_aftersales", "winback_vip", "winback_coupon")


def coupon(order_value_fen, rate: float = 0.10) -> tuple[int, int]:
    """A 满减 coupon sized to a member's own order value: the threshold is the order value
    rounded down to whole 10 yuan (at least ¥10), the discount ``rate`` of the threshold
    rounded to whole 5 yuan (at least ¥5). ``coupon(37_900) == (37_000, 3_500)``: 满370减35.
    Returns (threshold_fen, off_fen)."""
    v = float(order_value_fen) if order_value_fen is not None and np.isfinite(order_value_fen) else 0.0
    threshold = max(1000, int(v // 1000) * 1000)
    off = max(500, int(round(threshold * rate / 500.0)) * 500)
    return threshold, min(off, threshold)


def winback_list(watch: pd.DataFrame, vip_min_net_sales_fen: float, coupon_rate: float = 0.10,
                 aftersales_refund_rate: float = 0.3) -> pd.DataFrame:
    """The win-back list a customer-service team works through: each member of the
    watch-list (:func:`churn_watchlist` with :func:`with_last_orders`) with a suggested
    action and a coupon sized to the member's order value (:func:`coupon` of net sales /
    orders). Actions, first that applies (:data:`WINBACK_ACTIONS`):

    * ``winback_aftersales``: refunds are at least ``aftersales_refund_rate`` of the
      member's paid amount: ask about the after-sales experience first, then the coupon;
    * ``winback_vip``: net sales at least ``vip_min_net_sales_fen`` (the report uses the top
      5 % of members): a personal call or message from customer service with the coupon;
    * ``winback_coupon``: a targeted coupon.

    Adds member_refund_rate (refunds / paid), member_order_value_fen (net sales / paid
    orders), coupon_threshold_fen, coupon_off_fen and winback_action; rows and order as
    given.
    """
    _check(watch, ["member_key", "net_sales_fen", "count_orders", "paid_fen", "refund_fen"],
           "winback_list")
    out = watch.copy()
    out["member_refund_rate"] = _ratio(out["refund_fen"].astype("float64"),
                                       out["paid_fen"].astype("float64"))
    out["member_order_value_fen"] = _ratio(out["net_sales_fen"].astype("float64"),
                                           out["count_orders"].astype("float64"))
    sized = [coupon(v, coupon_rate) for v in out["member_order_value_fen"]]
    out["coupon_threshold_fen"] = pd.Series([a for a, _ in sized], index=out.index, dtype="int64")
    out["coupon_off_fen"] = pd.Series([b for _, b in sized], index=out.index, dtype="int64")
    after = out["member_refund_rate"].fillna(0) >= aftersales_refund_rate
    vip = out["net_sales_fen"] >= vip_min_net_sales_fen
    out["winback_action"] = np.where(after, "winback_aftersales",
                                     np.where(vip, "winback_vip", "winback_coupon"))
    out.attrs.update(watch.attrs)
    out.attrs["vip_min_net_sales_fen"] = float(vip_min_net_sales_fen)
    return out


# -- member value (CLV) -------------------------------------------------------------------------------
def member_values(summary: pd.DataFrame, horizon_months: int = 12,
                  monthly_discount_rate: float = 0.01, margin_rate: float = 1.0,
                  min_members: int = 30, spend: bool = True, score: bool = True,
                  lang: str = "en") -> tuple[pd.DataFrame, object, object, str]:
    """Fit BG/NBD + Gamma-Gamma on a member summary and score every member
    (:func:`ecomlib.models.clv.score_members`).

    ``spend=False`` fits BG/NBD only (gg is None; the same bg), ``score=False`` skips the
    scoring (the score columns are NaN): for a check that needs only the purchase model,
    such as the holdout (:func:`ecomlib.models.clv.holdout_by_frequency`).

    Returns (scored, bg, gg, note). With fewer than ``min_members`` members, or when the
    fit fails, the models are None, the score columns are NaN and ``note`` says why in
    ``lang`` (a report shows the note instead of an error). ``scored`` also carries
    ``net_sales_fen``.
    """
    from ..models import clv

    out = with_net_sales(summary) if "paid_fen" in summary.columns else summary.copy()
    empty_cols = ("p_alive_rate", "expected_purchases", "expected_value_fen", "clv_fen")
    repeaters = int((out["frequency"] > 0).sum()) if len(out) else 0
    if len(out) < min_members or repeaters < 3:
        for c in empty_cols:
            out[c] = np.nan
        if lang == "zh":
            return out, None, None, (f"只有 {len(out):,} 位会员、{repeaters:,} 位复购过，太少，"
                                     f"无法拟合模型（至少需要 {min_members} 位会员和 3 位复购会员）")
        return out, None, None, (f"{len(out)} member(s), {repeaters} with a repeat purchase: "
                                 f"too few to fit the models (need {min_members} members and "
                                 f"3 repeaters)")
    try:
        bg, gg = clv.fit_summary(out, spend=spend)
    except (ValueError, RuntimeError) as e:
        for c in empty_cols:
            out[c] = np.nan
        return out, None, None, ("模型拟合失败（数据不足以估计参数）" if lang == "zh"
                                 else f"the model fit failed: {e}")
    if not score:
        for c in empty_cols:
            out[c] = np.nan
        return out, bg, gg, ""
    scored = clv.score_members(out, bg, gg, horizon_months, monthly_discount_rate, margin_rate)
    return scored, bg, gg, ""


def value_by_tier(tiers: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Per RFM tier (all 8): count_members, expected_alive_members (P(alive) summed),
    sum_clv_fen, and the catalogue's mean_p_alive_rate = expected alive members / members
    (the share of the tier expected to still buy) and mean_clv_fen = CLV / members
    (:func:`rfm` rows joined to :func:`member_values` scores on member_key)."""
    _check(tiers, ["member_key", "tier"], "value_by_tier")
    _check(scored, ["member_key", "p_alive_rate", "clv_fen"], "value_by_tier")
    j = tiers[["member_key", "tier"]].merge(scored[["member_key", "p_alive_rate", "clv_fen"]],
                                            on="member_key", how="left")
    j = j.assign(count_members=1).rename(columns={"p_alive_rate": "expected_alive_members",
                                                  "clv_fen": "sum_clv_fen"})
    g = rows.sums(j, "tier", ["count_members", "expected_alive_members", "sum_clv_fen"])
    g = g.set_index("tier").reindex(TIER_ORDER).rename_axis("tier").reset_index()
    g["count_members"] = g["count_members"].fillna(0).astype("int64")
    g = rows.add(g, ["mean_p_alive_rate", "mean_clv_fen"])
    return g[["tier", "count_members", "expected_alive_members", "mean_p_alive_rate",
              "sum_clv_fen", "mean_clv_fen"]]


def parameters_table(bg, gg) -> pd.DataFrame:
    """The fitted parameters as a two-column display table: ``parameter`` (a label key of
    :data:`ecomlib.i18n.LABELS`: the purchase model's (BG/NBD) r, alpha in weeks, a, b and
    log-likelihood; the spend model's (Gamma-Gamma) p, q, gamma in yuan and
    corr(frequency, value)) and ``param_value`` as text (4 decimals below 100)."""
    out = []
    if bg is not None:
        out += [("bgnbd_r", bg.params_["r"]), ("bgnbd_alpha", bg.params_["alpha"]),
                ("bgnbd_a", bg.params_["a"]), ("bgnbd_b", bg.params_["b"]),
                ("bgnbd_loglik", bg.loglik_)]
    if gg is not None:
        out += [("gg_p", gg.params_["p"]), ("gg_q", gg.params_["q"]),
                ("gg_gamma", gg.params_["gamma"] / 100),
                ("gg_corr", gg.corr_frequency_value_)]
    return pd.DataFrame([(k, f"{v:,.4f}" if abs(v) < 100 else f"{v:,.2f}") for k, v in out],
                        columns=["parameter", "param_value"])
