"""The generic importer: canonical CSV/Parquet/xlsx files, one file per table.

The header uses the canonical column names of :mod:`ecomlib.schema` (money as integer fen,
timestamps in Beijing time). The table is recognised from the header: the table whose
required columns are all present and which shares the most columns with the header wins;
a tie is broken by the file name (``orders.csv`` -> ``orders``). Columns the table does not
know are ignored and listed in the load log, so personal data in an extra column is never
stored. ``member_key`` must already be a pseudonymous key: a 16-hex-digit key (as the
workbench makes them) or a short opaque id (at most 8 ASCII letters and digits, e.g.
``m17``); anything else (a phone, an e-mail, a name, a nickname) is taken for the buyer's
identity and replaced by its salted key (:mod:`ecomlib.privacy`).
``province`` keeps only the 34 provincial divisions and ``city`` only a plain city name, each
with its suffix (省/市/自治区) stripped: anything else (an address, a name) becomes empty.
"""
from __future__ import annotations

import re

from pathlib import Path

import pandas as pd

from .. import privacy, schema
from . import Piece, RawFile, Source, SourceError, register
from . import clean as C

_KEY_LIKE = re.compile(r"[0-9a-f]{16}|[A-Za-z0-9]{1,8}")


def match_table(header: list[str], path: Path | None = None) -> str | None:
    """Name of the canonical table this header describes, or None."""
    cols = set(header)
    candidates = []
    for t in schema.TABLES.values():
        needed = {c.name for c in t.columns if c.required and c.default is None}
        if not needed <= cols:
            continue
        shared = len(cols & set(t.column_names))
        extra = len(cols - set(t.column_names))
        candidates.append((shared - extra, bool(path) and path.stem.startswith(t.name), t.name))
    if not candidates:
        return None
    candidates.sort(reverse=True)
    return candidates[0][2]


class CanonicalSource(Source):
    name = "canonical"
    description = "canonical table files (columns named as in ecomlib.schema), one per table"

    def detect(self, header, path):
        return match_table(header, path) is not None

    def header_names(self):
        return {c for t in schema.TABLES.values() for c in t.column_names}

    def hint(self, header, path):
        """Name the closest canonical table and the required columns the header lacks."""
        cols = set(header)
        best = max(schema.TABLES.values(),
                   key=lambda t: (len(cols & set(t.column_names)),
                                  bool(path) and path.stem.startswith(t.name)))
        if len(cols & set(best.column_names)) < max(2, len(best.key)):
            return None
        missing = [c.name for c in best.columns
                   if c.required and c.default is None and c.name not in cols]
        return (f"looks like canonical table {best.name} but required column(s) "
                f"{', '.join(missing)} are missing")

    def to_canonical(self, raw: RawFile, ctx: dict) -> list[Piece]:
        name = ctx.get("table") or match_table([str(c) for c in raw.frame.columns], raw.path)
        if name is None:
            raise SourceError(f"{raw.label}: header does not match any canonical table")
        raw.check_duplicates(schema.table(name).column_names)
        return [Piece(name, _depersonalise(raw.frame, ctx), raw.row_numbers)]


def _depersonalise(frame: pd.DataFrame, ctx: dict) -> pd.DataFrame:
    """Identities in ``member_key`` hashed, non-regions out of ``province``/``city`` (see the
    module docstring); every other column as it came."""
    out = frame
    if "member_key" in frame.columns:
        v = frame["member_key"].astype("string").str.strip()
        ident = v.notna() & (v != "") & ~v.str.fullmatch(_KEY_LIKE).fillna(False) \
            | v.str.fullmatch(r"1[3-9]\d{6}").fillna(False)  # (an 8-digit phone stub too)
        if ident.any():
            salt = ctx.get("salt") or privacy.load_salt(ctx.get("warehouse_path"))
            keys = privacy.member_keys(v.where(ident), salt)
            out = out.copy()
            out["member_key"] = frame["member_key"].where(~ident, keys)
    for col in ("province", "city"):
        if col in frame.columns:
            # the suffix stripped (广东省 -> 广东) and a non-region emptied
            kept = C.strip_region_suffix(frame[col], kind=col)
            out = out.copy() if out is frame else out
            out[col] = kept.to_numpy()
    return out


register(CanonicalSource())
