"""Small helpers shared by the metric modules (input checks, safe ratios)."""
from __future__ import annotations

import pandas as pd


def check_columns(df: pd.DataFrame, cols, where: str, hint: str = "") -> None:
    """Raise a KeyError naming the columns of ``cols`` missing from ``df``:
    ``"{where}: column(s) [...] missing; got [...]"`` followed by ``hint``."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"{where}: column(s) {missing} missing; got {list(df.columns)}{hint}")


def ratio(num, den) -> pd.Series:
    """``num / den`` as float64 (Series, arrays or scalars), NaN where ``den`` is 0: a rate
    over nothing is unknown, neither 0 nor infinite."""
    num = pd.Series(num, dtype="float64") if not isinstance(num, pd.Series) else num.astype("float64")
    den = pd.Series(den, dtype="float64") if not isinstance(den, pd.Series) else den.astype("float64")
    return num / den.where(den != 0)
