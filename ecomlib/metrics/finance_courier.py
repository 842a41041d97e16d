"""Finance: the courier bill check (快递费核对; notebooks/finance.ipynb, section 11).

Every line of a carrier's bill is checked against the rate card (``rate_card`` of
``parameters/finance_settings.yaml``) and the shipped orders (``finance_queries.shipments``,
mart_shipments): billed twice, billed for no shipped order, or above the contracted fee.
Pure functions, plus :func:`read_carrier_bill` for the carrier's CSV. Money in fen. A
generated bill for the demo is :func:`ecomlib.demo_courier.demo_carrier_bill`.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import check_columns
from .finance_settings import yuan_to_fen

__all__ = ["contracted_fee_fen", "contracted_fees_fen", "read_carrier_bill",
           "reconcile_courier_bill", "courier_summary", "CHECKS"]

#: the results of a bill line's check, in the summary's order
CHECKS = ("bill_ok", "bill_duplicate", "bill_unmatched", "bill_overcharged")


def _zone_of(province, rate_card: dict) -> str:
    for zone, provs in (rate_card.get("zones") or {}).items():
        if province in provs:
            return zone
    return rate_card.get("default_zone", "other")


def contracted_fee_fen(province, weight_g, rate_card: dict) -> int:
    """Fee the rate card allows for a parcel: first_kg_fen + extra_kg_fen x
    ceil(max(weight - 1000 g, 0) / 1000 g), with the zone of the destination province."""
    zone = _zone_of(province, rate_card)
    fees = rate_card["fees"].get(zone)
    if fees is None:
        raise KeyError(f"finance_courier.contracted_fee_fen: rate card has no fees for zone {zone!r}; "
                       f"add it under rate_card.fees")
    extra = math.ceil(max(float(weight_g) - 1000.0, 0.0) / 1000.0)
    return int(fees["first_kg_fen"]) + int(fees["extra_kg_fen"]) * extra


_BILL_COLUMNS = {"运单号": "waybill_no", "快递单号": "waybill_no", "订单号": "order_id",
                 "客户单号": "order_id", "寄件日期": "ship_date", "发货日期": "ship_date",
                 "目的省份": "province", "省份": "province", "计费重量(克)": "weight_g",
                 "重量(克)": "weight_g", "计费重量(kg)": "weight_kg", "重量(kg)": "weight_kg",
                 "运费(元)": "fee_yuan", "运费": "fee_yuan"}


def _zones(provinces, rate_card: dict) -> np.ndarray:
    """:func:`_zone_of` of many provinces (each distinct province looked up once)."""
    codes, uniques = pd.factorize(pd.Series(provinces, dtype="object"), use_na_sentinel=False)
    return np.array([_zone_of(p, rate_card) for p in uniques], dtype="object")[codes]


def contracted_fees_fen(provinces, weights_g, rate_card: dict) -> np.ndarray:
    """:func:`contracted_fee_fen` of many parcels at once (same rule, same integers):
    first_kg_fen + extra_kg_fen x ceil(max(weight - 1000 g, 0) / 1000 g) with the zone of
    each destination province. Returns int64 fen, one per parcel."""
    return _fees_of_zones(_zones(provinces, rate_card), weights_g, rate_card)


def _fees_of_zones(zone_of_parcel, weights_g, rate_card: dict) -> np.ndarray:
    codes, zones = pd.factorize(pd.Series(zone_of_parcel, dtype="object"))
    fees = rate_card["fees"]
    for z in zones:
        if z not in fees:
            raise KeyError(f"finance_courier.contracted_fee_fen: rate card has no fees for zone {z!r}; "
                           f"add it under rate_card.fees")
    first = np.array([int(fees[z]["first_kg_fen"]) for z in zones], dtype="int64")[codes]
    per_kg = np.array([int(fees[z]["extra_kg_fen"]) for z in zones], dtype="int64")[codes]
    w = np.asarray(weights_g, dtype="float64")
    extra = np.ceil(np.maximum(w - 1000.0, 0.0) / 1000.0).astype("int64")
    return first + per_kg * extra


def _isin(values: pd.Series, known: pd.Series) -> np.ndarray:
    """values.isin(known) for text ids, through pyarrow (pandas' isin on a few hundred
    thousand strings takes seconds)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    v = pa.array(values.astype("str"), from_pandas=True).cast(pa.large_string())
    k = pa.array(known.astype("str"), from_pandas=True).cast(pa.large_string())
    return pc.fill_null(pc.is_in(v, value_set=k), False).to_numpy(zero_copy_only=False)


def read_carrier_bill(path: str | Path) -> pd.DataFrame:
    """A carrier bill CSV (UTF-8 or GBK) -> waybill_no, order_id, ship_date, province,
    weight_g, fee_fen. Chinese headers (运单号, 客户单号/订单号, 寄件日期, 目的省份,
    计费重量(kg) or (克), 运费(元)) or the canonical names are accepted; fees in yuan become
    exact integer fen."""
    raw = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            raw = pd.read_csv(path, dtype=str, encoding=enc)
            break
        except UnicodeDecodeError:
            continue
    df = raw.rename(columns=lambda c: _BILL_COLUMNS.get(str(c).strip(), str(c).strip()))
    if "weight_g" not in df and "weight_kg" in df:
        df["weight_g"] = (df.weight_kg.astype(float) * 1000).round()
    if "fee_fen" not in df and "fee_yuan" in df:
        df["fee_fen"] = df.fee_yuan.map(yuan_to_fen)
    need = ["waybill_no", "order_id", "province", "weight_g", "fee_fen"]
    missing = [c for c in need if c not in df]
    if missing:
        raise KeyError(f"finance_courier.read_carrier_bill: {path} lacks column(s) {missing}; found "
                       f"{list(raw.columns)}; name them 运单号, 客户单号, 目的省份, 计费重量(kg), 运费(元)")
    df["weight_g"] = df.weight_g.astype(float).astype("int64")
    df["fee_fen"] = df.fee_fen.astype("int64")
    if "ship_date" in df:
        df["ship_date"] = pd.to_datetime(df.ship_date)
    return df[[c for c in ["waybill_no", "order_id", "ship_date", "province", "weight_g",
                           "fee_fen"] if c in df]]


def reconcile_courier_bill(bill: pd.DataFrame, shipped: pd.DataFrame, rate_card: dict,
                           tolerance_fen: int = 0) -> pd.DataFrame:
    """快递费核对: every bill line checked, in bill order.

    check = ``bill_duplicate`` when the waybill number was already billed on an earlier line
    (the whole fee is a double charge), else ``bill_unmatched`` when the order id is not a
    shipped order, else ``bill_overcharged`` when fee > contracted fee
    (:func:`contracted_fee_fen` of the bill's province and weight) + ``tolerance_fen``,
    else ``bill_ok``. contracted_fen per line; claim_fen = the fee for duplicates and unmatched
    lines, fee - contracted for overcharges, 0 otherwise.
    """
    check_columns(bill, ["waybill_no", "order_id", "province", "weight_g", "fee_fen"],
                  "finance_courier.reconcile_courier_bill")
    b = bill.reset_index(drop=True).copy()
    zones = _zones(b.province, rate_card)
    b["zone"] = zones
    b["contracted_fen"] = _fees_of_zones(zones, b.weight_g, rate_card)
    known = shipped["order_id"] if len(shipped) else pd.Series([], dtype="str")
    dup = b.duplicated("waybill_no", keep="first")
    unmatched = ~_isin(b.order_id, known)
    over = b.fee_fen > b.contracted_fen + tolerance_fen
    b["check"] = np.select([dup, unmatched, over], ["bill_duplicate", "bill_unmatched", "bill_overcharged"], "bill_ok")
    b["excess_fen"] = (b.fee_fen - b.contracted_fen).clip(lower=0).astype("int64")
    b["claim_fen"] = np.select([dup | unmatched, over], [b.fee_fen, b.fee_fen - b.contracted_fen],
                               0).astype("int64")
    return b


def courier_summary(checked: pd.DataFrame) -> pd.DataFrame:
    """Per check result: count_waybills, fee_fen billed and claim_fen (plus a total row)."""
    order = list(CHECKS)
    g = checked.groupby("check").agg(count_waybills=("waybill_no", "size"),
                                     fee_fen=("fee_fen", "sum"), claim_fen=("claim_fen", "sum"))
    g = g.reindex(order, fill_value=0).reset_index()
    tot = pd.DataFrame([{"check": "total", "count_waybills": g.count_waybills.sum(),
                         "fee_fen": g.fee_fen.sum(), "claim_fen": g.claim_fen.sum()}])
    out = pd.concat([g, tot], ignore_index=True)
    for c in ("count_waybills", "fee_fen", "claim_fen"):
        out[c] = out[c].astype("int64")
    return out
