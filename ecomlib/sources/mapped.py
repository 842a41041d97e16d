"""Declarative export formats: a :class:`FormatSpec` says which header names a format carries
and how each canonical column is filled from them. Platform modules (taobao, jd, pdd,
douyin, erp, ...) and user column-mapping YAML files are all specs run by one engine.

How a file row becomes canonical rows:

1. totals rows (合计/总计) are skipped and counted with the blank rows;
2. each mapped export column is cleaned once (:mod:`ecomlib.sources.clean`); a bad cell
   marks its row with the export's own column name and a reason;
3. personal data (buyer nickname, phone, name, address) is turned into a salted
   ``member_key`` and province/city right here; the clear values go no further;
4. every table the format feeds (e.g. order lines + order headers + refunds from one JD
   export) is validated against the canonical schema; a file row that fails for any of its
   tables is quarantined whole, so a row is either fully loaded or fully quarantined;
5. header tables derived from line-level rows (one order per several lines) are collapsed
   to one row per key.

The first table of ``tables`` is the file's grain: its piece carries the file's row
accounting (rows in = rows loaded + rows quarantined).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .. import privacy, schema
from . import Piece, RawFile, Source, SourceError, register
from . import clean as C


@dataclass(frozen=True)
class Col:
    """How one canonical column is filled.

    ``kind``: ``id`` | ``text`` | ``money`` (yuan text -> fen) | ``fen`` | ``int`` | ``float`` |
    ``ts`` | ``date`` | ``status`` (``value`` = word -> canonical status) | ``shop`` | ``const``
    (``value``) | ``member`` (headers hashed into a member key) | ``province`` / ``city``
    (from a region/address column) | ``derived`` (``value`` = function(frame of cleaned
    columns) -> Series, run after the others) | ``ctx`` (``value`` = a key of the ingest
    context, e.g. ``platform`` from ``--platform`` or ``ecom.yaml``; None when not given).
    ``headers``: accepted export column names, first present wins. ``required``: the file
    must carry one of them. A canonical column with a schema default (e.g. ``currency``,
    ``in_transit_units``) gets that default when the file carries none of its headers.
    """

    headers: tuple[str, ...] = ()
    kind: str = "text"
    value: object = None
    required: bool = False


def col(*headers: str, kind: str = "text", required: bool = False, value=None) -> Col:
    return Col(tuple(headers), kind, value, required)


def const(value) -> Col:
    return Col((), "const", value)


def shop(*headers: str) -> Col:
    """The shop id: from one of ``headers`` if the export has it, else from the ingest
    context (``--shop`` or ``ecom.yaml``)."""
    return Col(tuple(headers), "shop")


def derived(fn: Callable[[pd.DataFrame], pd.Series]) -> Col:
    return Col((), "derived", fn)


def context(key: str) -> Col:
    """A value from the ingest context (``--platform``, ``ecom.yaml``), the same on every
    row, or None: combine it with the file's own columns in a :func:`derived` column."""
    return Col((), "ctx", key)


def table_of(entry: str) -> str:
    """The canonical table of a ``FormatSpec.tables`` entry: ``sku_map:jd`` -> ``sku_map``."""
    return entry.split(":", 1)[0]


@dataclass(frozen=True)
class FormatSpec:
    """``signature``: header names that must all be present to detect the format; an entry
    may be a tuple of alternatives (any one of them will do). ``tables``: canonical table ->
    column rules, the first being the file's grain. Further entries named ``table:label``
    feed the same table again from other columns of the same row (a wide SKU master with a
    天猫 and a 京东 id column gives two ``sku_map`` rows per file row: ``sku_map:tmall``,
    ``sku_map:jd``); their rows are validated per entry and loaded as one piece.
    ``row_filters`` are keyed by entry."""

    name: str
    description: str
    signature: tuple[str | tuple[str, ...], ...]
    tables: dict[str, dict[str, Col]]   # first table = the file's grain
    filter_rows: Callable[[pd.DataFrame], pd.Series] | None = None  # e.g. refunds only if any
    row_filters: dict[str, Callable[[pd.DataFrame], pd.Series]] = field(default_factory=dict)
    #: a derived boolean column of the grain table (order lines) that is True on the lines of
    #: an order the file holds whole: those orders' lines in the warehouse are replaced by
    #: the file's (lines no longer exported are retired). None: lines are only added/updated.
    replaces_lines: str | None = None


#: the ingest-context key of a dict that the chunks of one export share: member keys and
#: regions worked out once per export rather than once per chunk
MEMO = "_memo"

_CLEANERS = {
    "id": C.clean_id, "money": C.clean_money_fen, "int": C.clean_int, "fen": C.clean_int,
    "float": C.clean_float, "ts": C.clean_ts, "date": C.clean_date,
}


class MappedSource(Source):
    """Runs a :class:`FormatSpec`."""

    def __init__(self, spec: FormatSpec):
        self.spec = spec
        self.name = spec.name
        self.description = spec.description

    def detect(self, header, path):
        h = {_norm(x) for x in header}
        return all(_sig_in(s, h) for s in self.spec.signature)

    def header_names(self):
        names = {_norm(a) for sig in self.spec.signature
                 for a in ((sig,) if isinstance(sig, str) else sig)}
        return names | {_norm(h) for cols in self.spec.tables.values() for c in cols.values()
                        for h in c.headers}

    def hint(self, header, path):
        h = {_norm(x) for x in header}
        have = [s for s in self.spec.signature if _sig_in(s, h)]
        if len(have) >= max(2, len(self.spec.signature) - 1) and len(have) < len(self.spec.signature):
            missing = [" / ".join((s,) if isinstance(s, str) else s)
                       for s in self.spec.signature if not _sig_in(s, h)]
            return (f"looks like a {self.spec.description} export but column(s) "
                    f"{', '.join(missing)} are missing (renamed?)")
        return None

    # -- the engine ----------------------------------------------------------------------
    def to_canonical(self, raw: RawFile, ctx: dict) -> list[Piece]:
        spec = self.spec
        frame = raw.frame.copy()
        frame.columns = [_norm(c) for c in frame.columns]
        totals = C.is_total_row(frame).to_numpy(dtype=bool)
        rows = raw.row_numbers.reset_index(drop=True)
        if totals.any():
            raw.blank_rows += int(totals.sum())
            frame, rows = C.keep_rows(frame, ~totals), C.keep_rows(rows, ~totals)
        frame = frame.reset_index(drop=True)
        header = set(frame.columns)

        def find(c: Col) -> str | None:
            for h in c.headers:
                if _norm(h) in header:
                    return _norm(h)
            return None

        raw.check_duplicates([h for t in spec.tables.values() for c in t.values()
                              for h in c.headers])
        missing = sorted({" / ".join(c.headers) for t in spec.tables.values() for c in t.values()
                          if c.required and c.headers and find(c) is None})
        if missing:
            raise SourceError(f"{raw.label}: {spec.description} export is missing column(s) "
                              f"{', '.join(missing)}")
        salt = ctx.get("salt") or privacy.load_salt(ctx.get("warehouse_path"))
        # member keys and regions already worked out for earlier chunks of the same export
        # (see ecomlib.warehouse._to_canonical_in_chunks), or None
        memo = ctx.get(MEMO)
        errors: dict[int, list[str]] = {}
        where: dict[int, list[str]] = {}

        def flag(mask, column, messages):
            for i in np.flatnonzero(np.asarray(mask)):
                errors.setdefault(i, []).append(messages(i))
                where.setdefault(i, []).append(column)

        cache: dict[tuple, pd.Series] = {}

        def value_of(c: Col, canon: str, table_cols: dict[str, pd.Series]) -> pd.Series:
            n = len(frame)
            if c.kind in ("const", "ctx"):
                v = c.value if c.kind == "const" else ctx.get(c.value)
                return C.repeat_text(v, n) if isinstance(v, str) else \
                    pd.Series([v] * n, dtype=object)
            if c.kind == "shop":  # the export's shop column, else --shop / ecom.yaml
                src = find(c)
                if src is not None:
                    t = _text(frame[src])
                    return t.fillna(ctx["shop_id"]) if ctx.get("shop_id") else t
                if ctx.get("shop_id"):
                    v = ctx["shop_id"]
                    return C.repeat_text(v, n) if isinstance(v, str) else \
                        pd.Series([v] * n, dtype=object)
                raise SourceError(
                    f"{raw.label}: this {spec.description} export has no shop column "
                    f"({' / '.join(c.headers) or 'none'}); say which shop it belongs to with "
                    f"`ecom ingest --shop SHOP_ID` or an ecom.yaml beside the file")
            if c.kind == "member":
                present = [_norm(h) for h in c.headers if _norm(h) in header]
                if not present:
                    return pd.Series([None] * n, dtype=object)
                def usable(h):
                    # a masked value (138****1234) is shared by many buyers: not an identity
                    v = C.drop_zero_width(frame[h]).str.strip()
                    return v.where(~v.str.contains("*", regex=False).fillna(False), "")
                ident = usable(present[0])
                for h in present[1:]:  # first non-empty, unmasked identity column wins
                    ident = ident.where(ident.fillna("") != "", usable(h))
                return privacy.member_keys(ident, salt, arrow=True,
                                           memo=memo.setdefault("member", {}) if memo is not None
                                           else None)
            src = find(c)
            if src is None:
                return pd.Series([None] * n, dtype=object)
            key = (src, c.kind, id(c.value) if c.kind == "status" else None)
            if key in cache:
                return cache[key]
            s = frame[src]
            if c.kind in ("province", "city"):
                if c.value == "suffix":  # a plain 省 or 市 column
                    out = C.strip_region_suffix(s, arrow=True, kind=c.kind)
                else:  # one split of the address column gives both
                    if (src, "region") not in cache:
                        prov, city = C.split_region(
                            s, arrow=True,
                            memo=memo.setdefault("region", {}) if memo is not None else None)
                        cache[(src, "region")] = (prov.reset_index(drop=True),
                                                  city.reset_index(drop=True))
                    out = cache[(src, "region")][0 if c.kind == "province" else 1]
            elif c.kind == "status":
                out, bad, why = C.clean_status(s, c.value, src, arrow=True)
                flag(bad, src, lambda i, s=s, src=src, why=why: f"{src} {_cell(s.iloc[i])} {why}")
            elif c.kind in _CLEANERS:
                out, bad, why = _CLEANERS[c.kind](s) if c.kind != "id" else C.clean_id(s, src)
                if c.kind == "id":
                    flag(bad, src, lambda i, s=s, src=src: C.clean_id_reason(s.iloc[i], src))
                else:
                    flag(bad, src, lambda i, s=s, src=src, why=why:
                         f"{src} {_cell(s.iloc[i])} {C.reason_at(why, s.index[i])}")
            else:  # text
                out = _text(s)
            out = out.reset_index(drop=True)
            cache[key] = out
            return out

        built: dict[str, pd.DataFrame] = {}
        sources_of: dict[str, dict[str, str]] = {}
        first_table = next(iter(spec.tables))
        whole_flag = None
        for tname, cols in spec.tables.items():
            t = schema.table(table_of(tname))
            data: dict[str, pd.Series] = {}
            names: dict[str, str] = {}
            for canon, c in cols.items():
                if c.kind == "derived":
                    continue
                data[canon] = value_of(c, canon, data)
                src = find(c) if c.headers else None
                if src:
                    names[canon] = src
                elif c.headers and canon in t.column_names and t.column(canon).default is not None:
                    # the file does not carry the column at all: the schema default applies
                    data[canon] = pd.Series([t.column(canon).default] * len(frame), dtype=object)
            df = pd.DataFrame(data)
            for canon, c in cols.items():
                if c.kind == "derived":
                    df[canon] = c.value(df).reset_index(drop=True)
            for c in t.columns:  # canonical columns the format does not carry
                if c.name not in df.columns:
                    df[c.name] = c.default
            if tname == first_table and spec.replaces_lines:
                whole_flag = df[spec.replaces_lines].fillna(False).to_numpy(dtype=bool)
            built[tname] = df[t.column_names]
            sources_of[tname] = names

        # the quarantine keeps the mapped, non-personal export columns of a bad row only:
        # identity and address columns, and columns the format does not map, never leave here
        pii = {_norm(h) for t in spec.tables.values() for c in t.values()
               if c.kind in ("member", "province", "city") for h in c.headers}
        shown = [h for h in frame.columns
                 if h in {v for names in sources_of.values() for v in names.values()} - pii]
        blanked = [h for h in frame.columns if h in pii]  # named, their cells never kept

        # validate every table on the rows it gets; a failure quarantines the file row
        keep_for: dict[str, np.ndarray] = {}
        typed_for: dict[str, pd.DataFrame] = {}  # entry -> typed rows of mask (0..k-1)
        n = len(frame)
        for tname, df in built.items():
            mask = np.ones(n, dtype=bool)
            if tname in spec.row_filters:
                mask = np.asarray(spec.row_filters[tname](df).fillna(False), dtype=bool)
            keep_for[tname] = mask
            idx = np.flatnonzero(mask)
            if not len(idx):
                continue
            sub = (df.iloc[idx] if len(idx) < n else df).reset_index(drop=True)
            val = schema.validate(table_of(tname), sub, pd.Series(idx), arrow_text=True,
                                  typed_only=True)
            typed_for[tname] = val.typed
            names = sources_of[tname]
            for _, q in val.quarantine.iterrows():
                i = int(q.row_number)
                parts = [p for p in str(q.reason).split("; ")
                         # "required but empty" after a cell that could not be cleaned is noise
                         if not (i in errors and p.endswith("is required but empty"))]
                if not parts:
                    continue
                cols_ = [names.get(c, c) for c in str(q.column).split(",") if c]
                errors.setdefault(i, []).extend(_translate(p, names) for p in parts)
                where.setdefault(i, []).extend(cols_)
        bad_rows = np.array(sorted(errors), dtype=int)
        good = np.ones(n, dtype=bool)
        good[bad_rows] = False
        rejected = pd.DataFrame({
            "row_number": rows.iloc[bad_rows].to_numpy() if len(bad_rows) else np.array([], int),
            "column": [",".join(dict.fromkeys(where[i])) for i in bad_rows],
            "reason": ["; ".join(dict.fromkeys(errors[i])) for i in bad_rows],
            "raw": [_raw_json(frame.iloc[i][shown], blanked) for i in bad_rows],
        })
        pieces = []
        derived_parts: dict[str, list[tuple[pd.DataFrame, pd.Series]]] = {}
        for k, (tname, df) in enumerate(built.items()):
            sel = good & keep_for[tname]
            # the rows' typed values from the check above (validate's own output, so the
            # warehouse need not check them again); positions within the entry's mask
            pos = np.searchsorted(np.flatnonzero(keep_for[tname]), np.flatnonzero(sel))
            if len(pos):
                typed = typed_for[tname]
                if len(pos) < len(typed):
                    typed = typed.iloc[pos]
                part = schema.settle_dtypes(table_of(tname), typed,
                                            arrow_text=True).reset_index(drop=True)
            else:
                part = schema.empty_frame(table_of(tname))
            nums = rows[sel].reset_index(drop=True)
            if k > 0:
                # derived header rows: identical repeats (one per line) collapse to one
                # row, compared on the cleaned text as before typing
                derived_parts.setdefault(table_of(tname), []).append(
                    (part, nums, (df if sel.all() else df[sel]).reset_index(drop=True)))
            else:
                replace = None
                if whole_flag is not None:
                    # orders held whole, none of whose lines was rejected
                    keys = df[["platform", "shop_id", "order_id"]].astype("string")
                    okey = keys["platform"] + "\0" + keys["shop_id"] + "\0" + keys["order_id"]
                    spoilt = set(okey[~good])
                    take = whole_flag & good & ~okey.isin(spoilt).to_numpy()
                    replace = keys[take].drop_duplicates().reset_index(drop=True)
                pieces.append(Piece(tname, part, nums, rejected, validated=True,
                                    replace_orders=replace))
        for tname, parts in derived_parts.items():
            part = pd.concat([p for p, _, _ in parts], ignore_index=True)
            nums = pd.concat([r for _, r, _ in parts], ignore_index=True)
            text = pd.concat([x for _, _, x in parts], ignore_index=True)
            # compared as text (as astype(str) shows them); integer and date-time columns
            # compare equal as values exactly when they do as text, so only the others are
            # converted. Only a row whose key repeats can repeat a row: the whole rows are
            # compared among those (an order of one line -- half the rows of a JD or
            # Douyin export, every PDD row -- is never converted and hashed whole)
            key = [k for k in schema.table(tname).key if k in text.columns]
            if key:
                maybe = _as_text(text[key]).duplicated(keep=False).to_numpy()
                first = np.ones(len(text), dtype=bool)
                if maybe.any():
                    at = np.flatnonzero(maybe)
                    first[at] = ~_as_text(text.iloc[at]).duplicated(keep="first").to_numpy()
            else:
                first = ~_as_text(text).duplicated(keep="first").to_numpy()
            part, nums = part[first].reset_index(drop=True), nums[first].reset_index(drop=True)
            pieces.append(Piece(tname, schema.settle_dtypes(tname, part, arrow_text=True), nums,
                                None, validated=True))
        return pieces


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as its derived header rows are compared: integer and date-time columns as
    they are, the others as ``astype(str)`` shows them."""
    return pd.DataFrame({
        c: frame[c] if pd.api.types.is_integer_dtype(frame[c].dtype)
        or pd.api.types.is_datetime64_dtype(frame[c].dtype) else frame[c].astype(str)
        for c in frame.columns})


def _cell(value, limit: int = 40) -> str:
    """A bad cell quoted in a reason: at most ``limit`` characters (a swallowed or shifted
    row can put a whole line into one cell; phones and addresses are redacted on storing)."""
    v = repr(value)
    return v if len(v) <= limit else v[:limit - 2] + "…'"


def _text(s: pd.Series) -> pd.Series:
    """A free-text column stripped of surrounding whitespace, empty -> missing. Text stays
    in Arrow memory (pandas ``str`` dtype, missing = NaN) when it is text already."""
    fast = schema.strip_text(s, arrow=True)
    if fast is not None:
        return fast[0]
    t = s.astype("string").str.strip()
    return t.astype(object).where(t.notna() & (t != ""), None)


def _translate(reason: str, names: dict[str, str]) -> str:
    """Put the export's own column names in a validation message (paid_fen -> 实付金额)."""
    for canon, src in sorted(names.items(), key=lambda kv: -len(kv[0])):
        reason = reason.replace(f"{canon} ", f"{src} ", 1) if reason.startswith(canon + " ") else \
            reason.replace(f" {canon} ", f" {src} ")
        if reason.endswith(f" {canon}"):  # "received_on is before ordered_on"
            reason = reason[: -len(canon)] + src
    return reason


def _raw_json(row: pd.Series, blanked: list[str] = ()) -> str:
    """The kept cells of a rejected row as JSON; ``blanked`` columns (personal data) appear
    by name with an empty value, so the seller sees the row's shape but not the person."""
    import json
    kept = json.loads(schema._raw_json(row))
    kept.update({h: "" for h in blanked})
    return json.dumps(kept, ensure_ascii=False)


def _sig_in(entry: str | tuple[str, ...], normed_header: set[str]) -> bool:
    """A signature entry (a name, or a tuple of alternative names) is in the header."""
    alts = (entry,) if isinstance(entry, str) else entry
    return any(_norm(a) in normed_header for a in alts)


from . import norm_header as _norm  # noqa: E402  (header names compared normalised)


def register_spec(spec: FormatSpec) -> MappedSource:
    src = MappedSource(spec)
    register(src)
    return src
