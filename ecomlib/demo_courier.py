"""A DEMO carrier bill (快递账单) for the finance report's courier check: the warehouse holds
no carrier bill, so the report (and the demo) checks one generated from the period's shipped
orders, with planted problems the check must find. Demo data only: never part of a real
report's figures (the report says so when it shows one).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .metrics.finance_courier import contracted_fees_fen

__all__ = ["demo_carrier_bill"]


def _is_sorted(df: pd.DataFrame, key: list) -> bool:
    """True when ``df`` is already in ascending order of ``key`` (ties allowed, no missing
    values): then a stable sort by ``key`` would return it unchanged. Compared in pyarrow
    (text by code point, as pandas sorts it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if len(df) < 2:
        return True
    if df[key].isna().to_numpy().any():
        return False
    ok = pa.array(np.zeros(len(df) - 1, dtype=bool))     # strictly greater on an earlier key
    tie = pa.array(np.ones(len(df) - 1, dtype=bool))     # equal on every key so far
    for k in key:
        v = df[k]
        if pd.api.types.is_datetime64_any_dtype(v.dtype):
            if getattr(v.dt, "tz", None):
                v = v.dt.tz_convert("UTC").dt.tz_localize(None)
            a = pa.array(v.to_numpy(dtype="datetime64[us]").view("int64"))
        elif pd.api.types.is_numeric_dtype(v.dtype):
            a = pa.array(v.to_numpy())
        else:
            a = pa.array(v.astype("str"), from_pandas=True)
        nxt, prev = a.slice(1), a.slice(0, len(a) - 1)
        ok = pc.or_(ok, pc.and_(tie, pc.greater(nxt, prev)))
        tie = pc.and_(tie, pc.equal(nxt, prev))
    return bool(pc.all(pc.or_(ok, tie)).as_py())


def _waybills(numbers: np.ndarray) -> pd.Series:
    """"YT" + the number in 12 digits (zero-padded), built in pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype="int64")).cast(pa.string()), 12, "0")
    return pd.Series(pc.binary_join_element_wise(pa.scalar("YT"), digits, "").to_pandas()).astype("str")


def demo_carrier_bill(shipped: pd.DataFrame, rate_card: dict, seed: int = 8,
                      n_unmatched: int = 5, every_dup: int = 97, every_over: int = 61
                      ) -> pd.DataFrame:
    """A DEMO carrier bill built from shipped orders (the warehouse holds no carrier bill).

    Deterministic (sorted input, seeded generator): one waybill per shipped order
    (``YT`` + 12 digits), billed weight = 200 g + 150 g per unit + 0..300 g packing, fee =
    the contracted fee; planted problems: every ``every_dup``-th waybill billed twice,
    every ``every_over``-th overcharged by 1-3 yuan, and ``n_unmatched`` waybills for order
    ids that were never shipped.
    """
    if not len(shipped):
        return pd.DataFrame(columns=["waybill_no", "order_id", "ship_date", "province",
                                     "weight_g", "fee_fen"])
    rng = np.random.default_rng(seed)
    key = ["shipped_at", "platform", "order_id"]
    # finance_queries.shipments returns the shipments in this order already
    s = (shipped.reset_index(drop=True) if _is_sorted(shipped, key)
         else shipped.sort_values(key, ignore_index=True))
    n = len(s)
    weight = 200 + 150 * s.units.astype(int).to_numpy() + rng.integers(0, 301, n)
    prov = s.province.fillna("未知").to_numpy()
    fee = contracted_fees_fen(prov, weight, rate_card)
    over = (np.arange(n) % every_over) == every_over - 1
    fee = fee + np.where(over, rng.integers(1, 4, n) * 100, 0)
    seq = 7300000000 + 7 * np.arange(n, dtype="int64")
    bill = pd.DataFrame({"waybill_no": _waybills(seq),
                         "order_id": s.order_id.astype("str"),
                         "ship_date": pd.to_datetime(s.shipped_at).dt.normalize().to_numpy(),
                         "province": pd.Series(prov).astype("str"),
                         "weight_g": weight.astype("int64"),
                         "fee_fen": fee.astype("int64")})
    dups = bill[(np.arange(n) % every_dup) == every_dup - 1]
    ghost_i = rng.choice(n, size=min(n_unmatched, n), replace=False)
    ghosts = bill.iloc[np.sort(ghost_i)].copy()
    ghosts["waybill_no"] = [f"YT{9900000000 + i:012d}" for i in range(len(ghosts))]
    ghosts["order_id"] = [f"NOORDER{i:04d}" for i in range(len(ghosts))]
    out = pd.concat([bill, dups, ghosts], ignore_index=True)
    if out["ship_date"].isna().any():
        return out.sort_values(["ship_date", "waybill_no"], kind="stable", ignore_index=True)
    # the same stable order by ship_date, waybill_no, on integers: every waybill is "YT" +
    # 12 digits, so its number orders as its text does
    num = np.concatenate([seq, seq[(np.arange(n) % every_dup) == every_dup - 1],
                          9900000000 + np.arange(len(ghosts), dtype="int64")])
    day = out["ship_date"].to_numpy(dtype="datetime64[us]").view("int64")
    return out.iloc[np.lexsort((num, day))].reset_index(drop=True)
