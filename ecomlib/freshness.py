"""How fresh the data is, per shop and platform: the last day each shop's orders, traffic
and ads reach, and whether that is behind the day a report is for.

A shop is *stale* when its last order day is more than ``max_lag_days`` (default 1) before
the last complete day of the report (``as_of - 1``): its exports were not downloaded, so its
figures for the latest days are missing, not zero. Traffic and ads are checked the same way
for shops that have them at all. Reports and apps show the table and warn; the daily push
lists stale shops as alerts (:mod:`ecomlib.daily_push`).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from . import queries


def table(wh, as_of, platforms=None, shops=None, max_lag_days: int = 1) -> pd.DataFrame:
    """One row per shop of the selection: last order / traffic / ad / stock day, the days
    each is behind ``as_of - 1`` (``*_lag_days``) and ``is_stale`` (see the module docstring).
    ``as_of``: the day the report is for (a date)."""
    end = pd.Timestamp(as_of).date() - dt.timedelta(days=1)
    df = queries.run(wh, "freshness/shops", platforms=platforms, shops=shops)
    return assess(df, end, max_lag_days)


def assess(df: pd.DataFrame, last_day: dt.date, max_lag_days: int = 1) -> pd.DataFrame:
    """The lags of the rows of ``freshness/shops`` against ``last_day`` (the last complete
    day): ``lag = last_day - last_*_date`` in days (NaN when the shop has none of that
    kind); stale when the order lag, or the traffic/ad lag of a shop that has them, exceeds
    ``max_lag_days``. Pure: no warehouse."""
    out = df.copy()
    stale = pd.Series(False, index=out.index)
    for kind in ("sales", "traffic", "ad", "stock"):
        col = f"last_{kind}_date"
        if col not in out.columns:
            continue
        d = pd.to_datetime(out[col])
        lag = (pd.Timestamp(last_day) - d).dt.days
        out[f"{kind}_lag_days"] = lag
        if kind != "stock":
            stale |= (lag > max_lag_days).fillna(False)
    out["is_stale"] = stale.astype(bool)
    return out


def warning(fresh: pd.DataFrame, lang: str = "zh") -> str | None:
    """A sentence naming the stale shops and how far behind each is, or None when every
    shop is current."""
    s = fresh[fresh["is_stale"]]
    if s.empty:
        return None
    parts = []
    for r in s.itertuples():
        name = r.shop_name if isinstance(getattr(r, "shop_name", None), str) and r.shop_name \
            else r.shop_id
        lag = int(r.sales_lag_days) if pd.notna(r.sales_lag_days) else None
        last = pd.Timestamp(r.last_sales_date).date().isoformat() if pd.notna(
            r.last_sales_date) else "—"
        if lang == "zh":
            parts.append(f"{name}（订单只到 {last}" + (f"，落后 {lag} 天）" if lag else "）"))
        else:
            parts.append(f"{name} (orders until {last}" + (f", {lag} day(s) behind)" if lag
                                                          else ")"))
    if lang == "zh":
        return "数据不是最新：" + "；".join(parts) + "。请下载这些店铺的最新导出文件后再看这些天的数字。"
    return ("Data not current: " + "; ".join(parts) + ". Download these shops' latest exports "
            "before reading the figures of those days.")
