"""Queries over the marts: the SQL reports and apps run, in ``ecomlib/sql/queries/<area>/
<name>.sql``, one query per file. Python only loads and binds them.

One parameter convention everywhere: ``$start_date`` and ``$end_date``, both inclusive
Beijing dates (DATE); ``$platforms`` and ``$shops``, lists of codes where an empty list means
every one. A query filters a mart's rows with::

    WHERE sales_date BETWEEN $start_date AND $end_date
      AND (len($platforms) = 0 OR list_contains($platforms, platform))
      AND (len($shops) = 0 OR list_contains($shops, shop_id))

Queries read marts (and the calendar), never the canonical tables: the business rules are
in the model layer (:mod:`ecomlib.modelling`), written once.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Sequence

import pandas as pd

QUERY_DIR = Path(__file__).resolve().parent / "sql" / "queries"
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@functools.lru_cache(maxsize=None)
def text(name: str) -> str:
    """The SQL of query ``name`` (``area/name``), without a trailing semicolon."""
    path = QUERY_DIR / f"{name}.sql"
    if not path.exists():
        known = sorted(str(p.relative_to(QUERY_DIR).with_suffix("")) for p in
                       QUERY_DIR.rglob("*.sql"))
        raise KeyError(f"queries.text: no query {name!r}; known: {', '.join(known)}")
    return path.read_text(encoding="utf-8").strip().rstrip(";")


def params_of(name: str) -> set[str]:
    """The ``$names`` query ``name`` binds."""
    sql = re.sub(r"--[^\n]*", "", text(name))
    return set(_PARAM.findall(sql))


def _date(v) -> dt.date | None:
    return None if v is None else pd.Timestamp(v).date()


def bind(name: str, start_date=None, end_date=None, platforms: Sequence[str] | None = None,
         shops: Sequence[str] | None = None, **other) -> dict:
    """The named parameters of query ``name``: dates as DATEs, lists as lists (None or
    empty = all), others as given. A parameter the query names but nobody gave is an error
    naming it."""
    values = {"start_date": _date(start_date), "end_date": _date(end_date),
              "platforms": [str(x) for x in (platforms or [])],
              "shops": [str(x) for x in (shops or [])], **other}
    wanted = params_of(name)
    missing = sorted(p for p in wanted if values.get(p) is None and p not in
                     ("platforms", "shops"))
    if missing:
        raise ValueError(f"query {name}: parameter(s) {', '.join(missing)} not given")
    return {k: v for k, v in values.items() if k in wanted}


def run(wh, name: str, **params) -> pd.DataFrame:
    """Run query ``name`` on a :class:`ecomlib.warehouse.Warehouse` (or a DuckDB connection)
    with :func:`bind`'s parameters; returns a DataFrame."""
    con = getattr(wh, "con", wh)
    return con.execute(text(name), bind(name, **params)).fetchdf()
