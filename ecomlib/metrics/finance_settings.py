"""Finance: the report's parameters files, read and checked (``parameters/finance_settings.yaml``
fee rates, per-unit fulfilment rates, settlement lags, payment terms and the courier rate
card; ``parameters/targets.yaml`` monthly targets; ``parameters/commission.yaml`` the
operator commission rule). Money in the files is yuan or fen as each key says; what comes
out is fen.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

__all__ = ["PARAMS", "yuan_to_fen", "load_settings", "load_targets", "load_commission_rule"]

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "parameters"


def yuan_to_fen(v) -> int:
    """Yuan (number or text such as '¥1,234.5') -> integer fen, exact, half-up."""
    if isinstance(v, str):
        v = v.replace("¥", "").replace("元", "").replace(",", "").strip()
    d = Decimal(str(v)) * 100
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _yaml(path: str | Path) -> dict:
    import yaml
    p = Path(path)
    if not p.is_absolute() and not p.exists():
        p = ROOT / p
    if not p.exists():
        raise FileNotFoundError(f"finance_settings: file {path} not found")
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"finance_settings: {p} must hold a mapping, got {type(doc).__name__}")
    return doc


def load_settings(path: str | Path = PARAMS / "finance_settings.yaml") -> dict:
    """Finance settings: fee rates, per-unit fulfilment rates, settlement lags, supplier
    payment terms, run-rate window and the courier rate card (see the YAML's comments)."""
    s = _yaml(path)
    for key in ("fee_rates", "settlement_lag_days", "rate_card"):
        if key not in s:
            raise KeyError(f"finance_settings.load_settings: {path} has no {key!r}; add it (see "
                           f"parameters/finance_settings.yaml)")
    return s


def load_targets(path: str | Path = PARAMS / "targets.yaml") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly targets and who owns which shop.

    Returns ``(targets, members)``: ``targets`` one row per level (shop/team/operator),
    entity and month with ``target_fen`` and ``metric`` (paid_fen or net_sales_fen);
    ``members`` one row per level, entity and shop_id (a shop is its own member).
    """
    doc = _yaml(path)
    metric = doc.get("metric", "paid_fen")
    if metric not in ("paid_fen", "net_sales_fen", "gmv_fen"):
        raise ValueError(f"finance_settings.load_targets: metric must be paid_fen, net_sales_fen or "
                         f"gmv_fen; {path} says {metric!r}")
    rows = []
    for i, t in enumerate(doc.get("targets") or []):
        try:
            level, entity, first = t["level"], str(t["id"]), pd.Timestamp(str(t["from"]) + "-01"
                                                                          if len(str(t["from"])) == 7
                                                                          else t["from"])
            values = t["monthly_yuan"]
        except KeyError as e:
            raise KeyError(f"finance_settings.load_targets: target #{i + 1} in {path} lacks {e}; each "
                           f"needs level, id, from (YYYY-MM) and monthly_yuan (a list)") from None
        if level not in ("shop", "team", "operator"):
            raise ValueError(f"finance_settings.load_targets: target #{i + 1} level {level!r} is not "
                             f"shop, team or operator")
        values = values if isinstance(values, list) else [values]
        for k, v in enumerate(values):
            rows.append({"level": level, "entity": entity,
                         "month": first.to_period("M").to_timestamp() + pd.DateOffset(months=k),
                         "target_fen": yuan_to_fen(v), "metric": metric})
    targets = pd.DataFrame(rows, columns=["level", "entity", "month", "target_fen", "metric"])
    mem = []
    for level, key in (("team", "teams"), ("operator", "operators")):
        for name, shops in (doc.get(key) or {}).items():
            for s in shops:
                mem.append({"level": level, "entity": str(name), "shop_id": str(s)})
    for s in targets.loc[targets.level == "shop", "entity"].unique():
        mem.append({"level": "shop", "entity": s, "shop_id": s})
    members = pd.DataFrame(mem, columns=["level", "entity", "shop_id"]).drop_duplicates()
    return targets, members


def load_commission_rule(path: str | Path = PARAMS / "commission.yaml") -> dict:
    """The operator commission rule: ``base`` (net_sales_fen or paid_fen), ``tiers`` (list
    of ``{min_attainment: 0..x, rate: 0..1}``), optional ``cap_yuan`` per operator-month."""
    doc = _yaml(path)
    tiers = doc.get("tiers")
    if not tiers:
        raise KeyError(f"finance_settings.load_commission_rule: {path} has no tiers")
    doc["tiers"] = sorted(({"min_attainment": float(t["min_attainment"]), "rate": float(t["rate"])}
                           for t in tiers), key=lambda t: t["min_attainment"])
    doc.setdefault("base", "net_sales_fen")
    doc["cap_fen"] = yuan_to_fen(doc["cap_yuan"]) if doc.get("cap_yuan") is not None else None
    return doc
