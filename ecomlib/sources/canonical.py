"""The generic importer: canonical CSV/Parquet/xlsx files, one file per table.

The header uses the canonical column names of :mod:`ecomlib.schema` (money as integer fen,
timestamps in Beijing time). The table is recognised from the header: the table whose
required columns are all present and which shares the most columns with the header wins;
a tie is broken by the file name (``orders.csv`` -> ``orders``). Columns the table does not
know are ignored and listed in the load log, so personal data in an extra column is never
stored.
"""
from __future__ import annotations

from pathlib import Path

from .. import schema
from . import Piece, RawFile, Source, SourceError, register


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
        return [Piece(name, raw.frame, raw.row_numbers)]


register(CanonicalSource())
