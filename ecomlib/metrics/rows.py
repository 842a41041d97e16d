"""Catalogue metrics on frames, vectorised: sums per group, then each metric per row.

:func:`ecomlib.metrics.catalogue.value` computes one metric over a set of rows (a sum, or a
ratio of sums). Reports need it for every group of a table at once; doing it group by group
in Python is slow on shop-days x metrics, so here:

* :func:`sums` adds up the columns of ``frame`` per group of ``by`` (the rows of one group
  become one row), and
* :func:`add` computes catalogue metrics on each row of a frame whose rows already are sums
  (a metric of a row = :func:`catalogue.value` of the rows that were summed into it).

So ``add(sums(frame, by, cols), names)`` equals ``catalogue.values(names, frame, by)`` (tested),
and a ratio is always a ratio of sums, never a mean of ratios. Undefined ratios (denominator
0 or missing) are NaN, never 0.
"""
from __future__ import annotations

import re
from typing import Sequence

import pandas as pd

from . import catalogue

__all__ = ["sums", "add", "expression"]

_TERM = re.compile(r"\s*([+-]?)\s*([a-z_][a-z0-9_]*)")


def expression(frame: pd.DataFrame, expr: str, fn: str = "rows.expression") -> pd.Series:
    """``a - b + c`` of the columns of ``frame``, per row (float; NaN propagates)."""
    out = pd.Series(0.0, index=frame.index)
    pos = 0
    for m in _TERM.finditer(expr):
        if m.start() != pos:
            break
        col = m.group(2)
        if col not in frame.columns:
            raise KeyError(f"{fn}: the rows have no column {col!r} (needed by {expr!r}); "
                           f"columns: {', '.join(map(str, frame.columns))}")
        v = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        out = out - v if m.group(1) == "-" else out + v
        pos = m.end()
    if pos != len(expr.rstrip()):
        raise ValueError(f"{fn}: cannot read the expression {expr!r}")
    return out


def add(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """A copy of ``frame`` with the catalogue metrics ``names`` as columns, each computed on
    every row: a sum metric is its expression of the row's columns (int64 when every term is
    an integer column), a ratio is numerator / denominator of the row (NaN when the
    denominator is 0 or missing)."""
    out = frame.copy()
    for name in names:
        m = catalogue.metric(name)
        num = expression(out, m.num, f"rows.add({name})")
        if m.den is None:
            ints = all(pd.api.types.is_integer_dtype(out[col].dtype)
                       for _, col in _TERM.findall(m.num))
            out[name] = num.astype("int64") if ints and num.notna().all() else num
        else:
            den = expression(out, m.den, f"rows.add({name})")
            out[name] = (num / den.where(den != 0)).astype("float64")
    return out


def sums(frame: pd.DataFrame, by: Sequence[str] | str | None, columns: Sequence[str]
         ) -> pd.DataFrame:
    """``columns`` summed per group of ``by`` (one row per group, groups sorted; ``by`` None
    or empty: one row for all). Integer columns stay int64 (missing values count 0); a float
    column's group is NaN only when all its values are missing."""
    by = [by] if isinstance(by, str) else list(by or [])
    cols = list(columns)
    missing = [c for c in [*by, *cols] if c not in frame.columns]
    if missing:
        raise KeyError(f"rows.sums: column(s) {missing} missing; got {list(frame.columns)}")
    if by:
        out = frame.groupby(by, as_index=False, sort=True, dropna=False, observed=True)[cols] \
            .sum(min_count=1)
    else:
        out = pd.DataFrame([{c: frame[c].sum(min_count=1) for c in cols}])
    for c in cols:
        if pd.api.types.is_integer_dtype(frame[c].dtype) or \
                pd.api.types.is_bool_dtype(frame[c].dtype):
            out[c] = out[c].fillna(0).astype("int64")
    return out

