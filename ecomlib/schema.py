"""Canonical warehouse tables: columns, types, keys, and the row checks applied at load.

Every source (a platform export, an ERP file, a canonical CSV) is mapped to these tables
before anything is stored. The conventions (see docs/DECISIONLOG.md):

* Money is an integer number of fen (1 yuan = 100 fen) in the row's ``currency``
  (ISO 4217, default ``CNY``); non-CNY amounts are converted through ``fx_rates`` by the
  model layer (``int_fx_ranges``). Money columns end in ``_fen``.
* Timestamps (``*_at``) are Beijing wall-clock time (Asia/Shanghai, UTC+8, no DST) stored
  as naive ``TIMESTAMP``; input carrying an explicit UTC offset is converted to Beijing time
  first. Dates (``*_date``, ``*_on``) are calendar days in Beijing.
* Counts are non-negative integers; ``*_rate`` columns lie in 0..1.
* No personal data in clear: buyers appear only as ``member_key`` (a salted hash, see
  :mod:`ecomlib.privacy`) plus province and city.
* Company-wide rows that belong to no platform or shop use ``"ALL"`` in those key columns
  (keys are never NULL, so joins and upserts stay plain SQL).

Validation is lazy, in the spirit of pandera: :func:`validate` checks every column of every
row and returns the good rows typed plus one quarantine record per failing row that names
the row number, the column(s) and the reason, so nothing is dropped silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

__all__ = [
    "Column", "Table", "TABLES", "ORDER_STATUSES", "REFUND_STATUSES", "table", "validate",
    "ValidationResult", "empty_frame", "BEIJING",
]

BEIJING = "Asia/Shanghai"

#: canonical order statuses (platform words are mapped to these by the sources)
ORDER_STATUSES = ("created", "paid", "shipped", "finished", "cancelled", "refunded")
#: canonical after-sales statuses; only ``refunded`` counts as money returned
REFUND_STATUSES = ("requested", "refunded", "rejected", "cancelled")

_DUCK_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "fen": "BIGINT",
    "float": "DOUBLE",
    "ts": "TIMESTAMP",
    "date": "DATE",
}


@dataclass(frozen=True)
class Column:
    """One canonical column.

    kind: ``str``, ``int`` (count), ``fen`` (integer money), ``float``, ``ts`` (Beijing
    timestamp), ``date``. ``required`` columns may not be empty. ``ge`` is a lower bound for
    numbers; ``choices`` restricts strings to a closed set. ``default`` fills a column that
    a file does not carry at all (never a value that is present but bad).
    """

    name: str
    kind: str
    doc: str
    required: bool = False
    ge: float | None = None
    choices: tuple[str, ...] | None = None
    default: object = None

    @property
    def duck_type(self) -> str:
        return _DUCK_TYPES[self.kind]


@dataclass(frozen=True)
class RowCheck:
    """A cross-column rule: ``fails(frame) -> bool Series`` (True where the row is bad)."""

    columns: tuple[str, ...]
    reason: str
    fails: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class Table:
    """A canonical table. ``grain`` says what one row is; ``key`` is the natural key."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str | None = None
    checks: tuple[RowCheck, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def ddl(self) -> str:
        cols = ",\n  ".join(
            f"{c.name} {c.duck_type}" + (" NOT NULL" if c.required else "") for c in self.columns
        )
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"


def _c(name, kind, doc, **kw) -> Column:
    return Column(name, kind, doc, **kw)


def _platform():
    return _c("platform", "str", "platform code: tmall, taobao, jd, pdd, douyin, erp, ... or ALL",
              required=True)


def _shop():
    return _c("shop_id", "str", "shop identifier, unique within the platform, or ALL", required=True)


def _currency():
    return _c("currency", "str", "ISO 4217 code of the money columns", required=True, default="CNY")


def _le(a: str, b: str, reason: str) -> RowCheck:
    """Row fails where both are present and a > b."""
    return RowCheck((a, b), reason, lambda f: (f[a] > f[b]).fillna(False).astype(bool))


TABLES: dict[str, Table] = {}


def _register(t: Table) -> Table:
    unknown = set(t.key) - set(t.column_names)
    assert not unknown, f"{t.name}: key columns {unknown} not declared"
    TABLES[t.name] = t
    return t


_register(Table(
    "shops", "one row per platform and shop",
    (
        _platform(), _shop(),
        _c("shop_name", "str", "display name of the shop", required=True),
        _currency(),
        _c("opened_on", "date", "first trading day"),
    ),
    key=("platform", "shop_id"),
))

_register(Table(
    "products", "one row per canonical SKU",
    (
        _c("sku", "str", "canonical SKU (merchant code, 商家编码)", required=True),
        _c("spu", "str", "product (style) the SKU belongs to", required=True),
        _c("product_name", "str", "product title", required=True),
        _c("category", "str", "product category", required=True),
        _c("unit_cost_fen", "fen", "landed unit cost of goods, fen", required=True, ge=0),
        _c("list_price_fen", "fen", "list (tag) price per unit, fen", required=True, ge=0),
        _c("supplier_id", "str", "main supplier"),
        _c("launched_on", "date", "first day on sale"),
    ),
    key=("sku",),
))

_register(Table(
    "sku_map", "one row per platform and platform SKU id: which canonical SKU it is",
    (
        _platform(),
        _c("platform_sku_id", "str", "the platform's item/SKU id (or merchant code) as exported",
           required=True),
        _c("sku", "str", "canonical SKU (商家编码 in the SKU master)", required=True),
        _c("note", "str", "free text (e.g. the platform's title)"),
    ),
    key=("platform", "platform_sku_id"),
))

_register(Table(
    "orders", "one row per platform, shop and order (the order header)",
    (
        _platform(), _shop(),
        _c("order_id", "str", "platform order id (主订单编号), kept as text", required=True),
        _c("member_key", "str", "salted hash of the buyer identity; never the buyer in clear"),
        _c("province", "str", "delivery province"),
        _c("city", "str", "delivery city"),
        _c("created_at", "ts", "order placed (Beijing time)", required=True),
        _c("paid_at", "ts", "payment time (Beijing time); empty if never paid"),
        _c("shipped_at", "ts", "shipment time (Beijing time)"),
        _c("finished_at", "ts", "buyer confirmed receipt / order closed (Beijing time)"),
        _c("status", "str", "canonical status", required=True, choices=ORDER_STATUSES),
        _c("shipping_fee_fen", "fen", "shipping charged to the buyer, fen", ge=0, default=0),
        _currency(),
        _c("traffic_source", "str", "traffic source of the order (流量来源), when exported"),
        _c("streamer", "str", "streamer / influencer (达人昵称) for live-stream orders"),
        _c("paid_total_fen", "fen", "what the buyer paid for the whole order, postage included, "
           "as the export's order-level amount says (买家实际支付金额, 应付金额), fen; empty "
           "when the export has none. Checked against the lines by quality rule "
           "order_header_ties_to_lines; the lines' paid_fen remain the figures reports use",
           ge=0),
        _c("refund_total_fen", "fen", "the order-level refund as exported (退款金额), fen; "
           "empty when the export has none", ge=0),
    ),
    key=("platform", "shop_id", "order_id"),
    date_column="created_at",
    checks=(
        _le("created_at", "paid_at", "paid_at is before created_at"),
        _le("paid_at", "shipped_at", "shipped_at is before paid_at"),
        RowCheck(("status", "paid_at"), "status says paid/shipped/finished but paid_at is empty",
                 lambda f: f["status"].isin(["paid", "shipped", "finished"]).fillna(False)
                 & f["paid_at"].isna()),
    ),
))

_register(Table(
    "order_lines", "one row per platform, shop, order and line (sub-order, 子订单)",
    (
        _platform(), _shop(),
        _c("order_id", "str", "platform order id", required=True),
        _c("line_id", "str", "line / sub-order id, unique within the order", required=True),
        _c("sku", "str", "SKU as exported (merchant code, 商家编码); the model layer resolves it "
           "to the canonical SKU through sku_map (int_line_skus)", required=True),
        _c("platform_sku_id", "str", "the platform's own item/SKU id as exported"),
        _c("quantity", "int", "units ordered", required=True, ge=1),
        _c("list_price_fen", "fen", "list price per unit, fen", required=True, ge=0),
        _c("shop_discount_fen", "fen", "discount paid by the shop on the line, fen", ge=0, default=0),
        _c("platform_discount_fen", "fen", "discount paid by the platform on the line, fen",
           ge=0, default=0),
        _c("paid_fen", "fen", "amount the buyer paid for the line (实付), fen", required=True, ge=0),
    ),
    key=("platform", "shop_id", "order_id", "line_id"),
    checks=(
        RowCheck(("paid_fen", "list_price_fen", "quantity"),
                 "paid_fen is larger than list_price_fen x quantity",
                 lambda f: (f["paid_fen"] > f["list_price_fen"] * f["quantity"]).fillna(False)),
    ),
))

_register(Table(
    "refunds", "one row per platform, shop and after-sales case (售后单)",
    (
        _platform(), _shop(),
        _c("refund_id", "str", "after-sales case id", required=True),
        _c("order_id", "str", "order the case belongs to", required=True),
        _c("line_id", "str", "order line, when the case is for one line"),
        _c("sku", "str", "canonical SKU of the line"),
        _c("refund_fen", "fen", "amount refunded to the buyer, fen", required=True, ge=0),
        _c("units_returned", "int", "units sent back (0 for refund-only)", ge=0, default=0),
        _c("reason", "str", "buyer's stated reason"),
        _c("status", "str", "canonical after-sales status", required=True, choices=REFUND_STATUSES),
        _c("requested_at", "ts", "case opened (Beijing time)", required=True),
        _c("refunded_at", "ts", "money returned (Beijing time)"),
        _currency(),
    ),
    key=("platform", "shop_id", "refund_id"),
    date_column="requested_at",
    checks=(_le("requested_at", "refunded_at", "refunded_at is before requested_at"),),
))

_register(Table(
    "inventory_snapshots", "one row per day, warehouse and SKU (end-of-day stock)",
    (
        _c("snapshot_date", "date", "day of the snapshot", required=True),
        _c("warehouse_id", "str", "warehouse", required=True),
        _c("sku", "str", "canonical SKU", required=True),
        _c("on_hand_units", "int", "units on hand at end of day (may be negative if oversold)",
           required=True),
        _c("in_transit_units", "int", "units ordered and not yet received", ge=0, default=0),
    ),
    key=("snapshot_date", "warehouse_id", "sku"),
    date_column="snapshot_date",
))

_register(Table(
    "purchase_orders", "one row per purchase order and SKU",
    (
        _c("po_id", "str", "purchase order id", required=True),
        _c("sku", "str", "canonical SKU", required=True),
        _c("supplier_id", "str", "supplier", required=True),
        _c("supplier_name", "str", "supplier display name"),
        _c("warehouse_id", "str", "receiving warehouse"),
        _c("ordered_on", "date", "day the PO was placed", required=True),
        _c("promised_on", "date", "delivery day the supplier promised"),
        _c("received_on", "date", "day the goods arrived (empty while open)"),
        _c("quantity_ordered", "int", "units ordered", required=True, ge=0),
        _c("quantity_received", "int", "units received", ge=0, default=0),
        _c("unit_cost_fen", "fen", "purchase price per unit, fen", required=True, ge=0),
        _currency(),
    ),
    key=("po_id", "sku"),
    date_column="ordered_on",
    checks=(_le("ordered_on", "received_on", "received_on is before ordered_on"),),
))

_register(Table(
    "traffic", "one row per day, platform, shop and traffic source",
    (
        _c("traffic_date", "date", "day", required=True),
        _platform(), _shop(),
        _c("source", "str", "traffic source (搜索, 推荐, 直播, 广告, ...)", required=True),
        _c("visitors", "int", "unique visitors (UV)", required=True, ge=0),
        _c("page_views", "int", "page views (PV)", ge=0),
        _c("add_to_cart", "int", "visitors who added to cart", ge=0),
        _c("buyers", "int", "paying buyers attributed to the source", ge=0),
    ),
    key=("traffic_date", "platform", "shop_id", "source"),
    date_column="traffic_date",
    checks=(_le("buyers", "visitors", "buyers is larger than visitors"),),
))

_register(Table(
    "ad_spend", "one row per day, platform, shop, ad channel and campaign",
    (
        _c("spend_date", "date", "day", required=True),
        _platform(), _shop(),
        _c("channel", "str", "ad product (直通车, 京东快车, 巨量千川, ...)", required=True),
        _c("campaign", "str", "campaign / plan name", required=True),
        _c("spend_fen", "fen", "spend, fen", required=True, ge=0),
        _c("impressions", "int", "impressions", ge=0),
        _c("clicks", "int", "clicks", ge=0),
        _c("attributed_orders", "int", "orders the platform attributes to the ads", ge=0),
        _c("attributed_paid_fen", "fen", "paid amount the platform attributes, fen", ge=0),
        _currency(),
    ),
    key=("spend_date", "platform", "shop_id", "channel", "campaign"),
    date_column="spend_date",
    checks=(_le("clicks", "impressions", "clicks is larger than impressions"),),
))

_register(Table(
    "other_costs", "one row per day, platform, shop and cost kind",
    (
        _c("cost_date", "date", "day the cost belongs to", required=True),
        _platform(), _shop(),
        _c("kind", "str", "cost kind (platform_fee, logistics, packaging, rent, salary, ...)",
           required=True),
        _c("amount_fen", "fen", "amount, fen", required=True, ge=0),
        _currency(),
        _c("note", "str", "free text"),
    ),
    key=("cost_date", "platform", "shop_id", "kind"),
    date_column="cost_date",
))

_register(Table(
    "fx_rates", "one row per day and currency",
    (
        _c("rate_date", "date", "first day the rate applies (until the next row)", required=True),
        _c("currency", "str", "ISO 4217 code", required=True),
        _c("cny_per_unit", "float", "yuan for one unit of the currency", required=True, ge=0),
    ),
    key=("rate_date", "currency"),
    date_column="rate_date",
))


def table(name: str) -> Table:
    """The canonical table called ``name`` (a clear error if there is none)."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; canonical tables are: {', '.join(TABLES)}") from None


def empty_frame(name: str) -> pd.DataFrame:
    """An empty frame with the table's columns and pandas dtypes."""
    t = table(name)
    return pd.DataFrame({c.name: pd.Series(dtype=_PANDAS_DTYPES[c.kind]) for c in t.columns})


_PANDAS_DTYPES = {
    "str": "object",
    "int": "Int64",
    "fen": "Int64",
    "float": "Float64",
    "ts": "datetime64[us]",
    "date": "datetime64[us]",
}

# ----------------------------------------------------------------------------------------
# parsing: raw values (usually text) -> typed columns, with a reason for every failure
# ----------------------------------------------------------------------------------------
_OFFSET_RE = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
#: zero-width characters: invisible, removed from every cell before it is read
_ZERO_WIDTH_RE = "[\u200b\u200c\u200d\u2060\ufeff]"
_INT_TOLERANCE = 1e-6  # a stored double this close to a whole number (of fen) is that number


def _blank(s: pd.Series) -> pd.Series:
    """True where a raw value is missing or an empty/whitespace string (zero-width
    characters count as nothing)."""
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        import pyarrow as pa
        import pyarrow.compute as pc
        try:
            arr = s.array._pa_array if hasattr(s.array, "_pa_array") else \
                pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: the general way
            txt = s.astype("string").str.replace(_ZERO_WIDTH_RE, "", regex=True).str.strip()
            return s.isna() | (txt == "").fillna(True).astype(bool)
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            return s.isna()
        txt = _drop_zero_width(pc.utf8_trim_whitespace(arr))
        blank = pc.fill_null(pc.equal(txt, ""), True)
        return pd.Series(np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool),
                         index=s.index)
    return s.isna()


def _drop_zero_width(arr):
    """An Arrow string array without zero-width characters, whitespace they hid trimmed;
    the same array when it holds none (ASCII text and text without them are only looked
    at, in Arrow)."""
    import pyarrow.compute as pc
    if not len(arr) or pc.all(pc.string_is_ascii(arr)).as_py() in (True, None):
        return arr
    # exports repeat a few words (sources, regions, names) on every row: looked for among
    # the distinct values when they are few
    distinct = pc.unique(arr)
    look = distinct if 4 * len(distinct) <= len(arr) else arr
    if not pc.any(pc.match_substring_regex(look, _ZERO_WIDTH_RE)).as_py():
        return arr
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, _ZERO_WIDTH_RE, ""))


def _reason_at(why, label) -> str:
    """The reason for the bad value at ``label``: a parser's reason may carry other texts
    for some values (``rows``, see :class:`ecomlib.sources.clean.Reason`)."""
    rows = getattr(why, "rows", None)
    return rows.get(label, str(why)) if rows else str(why)


def _parse_int(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Whole numbers (counts, fen), exactly: text normalised first (fullwidth digits,
    zero-width characters), digits read as integers without a float on the way; a stored
    double within 1e-6 of a whole number is that number; beyond +-(2^63-1) rejected, never
    wrapped."""
    from .sources import clean as C
    if pd.api.types.is_integer_dtype(s.dtype):
        if pd.api.types.is_unsigned_integer_dtype(s.dtype):
            over = (s > C.INT64_MAX).fillna(False).astype(bool)
            out = s.where(~over).astype("Int64")
            return out, over, C._reason("is not a whole number", over, C.INT_TOO_LARGE)
        return s.astype("Int64"), pd.Series(False, index=s.index), ""
    if pd.api.types.is_float_dtype(s.dtype):
        v = np.asarray(pd.array(s, dtype="Float64").to_numpy(dtype="float64", na_value=np.nan))
        r = np.round(v)
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(v) & (np.abs(v - r) <= _INT_TOLERANCE)
            over = whole & (np.abs(r) >= 2.0 ** 63)
        ok = whole & ~over
        bad = pd.Series(~ok & ~np.isnan(v), index=s.index)
        out = pd.Series(pd.arrays.IntegerArray(np.where(ok, r, 0).astype("int64"), ~ok),
                        index=s.index)
        return out, bad, C._reason("is not a whole number", pd.Series(over, index=s.index),
                                   C.INT_TOO_LARGE)
    # plain digits straight in Arrow; the other values (signs, 12.0, fullwidth digits,
    # zero-width characters, 19+ digits) the careful way
    import pyarrow as pa
    import pyarrow.compute as pc
    t, simple = C._split(s, r"^-?[0-9]{1,18}$")
    filled = simple & (t != "").to_numpy(dtype=bool)
    arr = pc.if_else(pa.array(filled), C._pa_array(t), pa.scalar(None, pa.string()))
    ints = pc.cast(arr, pa.int64())  # (exact: no float on the way, 18 digits fit)
    out = pd.Series(pd.arrays.IntegerArray(
        np.asarray(pc.fill_null(ints, 0).to_numpy(zero_copy_only=False), dtype="int64"),
        np.asarray(pc.is_null(ints).to_numpy(zero_copy_only=False), dtype=bool)),
        index=s.index)
    out, bad, why = C._merge(s, simple, out, _parse_int_careful)
    return out, bad, C._with_rows("is not a whole number", why)


def _parse_int_careful(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    from .sources import clean as C
    txt = C._norm_text(s)
    parts = C._extract(txt, C.INT_RE)
    ok = parts["digits"].notna()
    out, over = C._exact_ints(parts["digits"], ok, parts["sign"] == "-")
    bad = C._b(~ok) | over
    return out, bad, C._reason("is not a whole number", over, C.INT_TOO_LARGE)


def _parse_float(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if pd.api.types.is_numeric_dtype(s.dtype):
        out = s.astype("Float64")
        bad = (out.notna() & ~np.isfinite(out.astype("float64"))).fillna(False).astype(bool)
        return out.where(~bad), bad, "is not a number"
    from .sources import clean as C
    txt = C._norm_text(s)
    out = pd.to_numeric(txt.where(txt != ""), errors="coerce").astype("Float64")
    bad = (out.isna() | ~np.isfinite(out.astype("float64"))).fillna(True).astype(bool)
    return out.where(~bad), bad, "is not a number"


def _parse_ts(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Timestamps -> naive Beijing time. Values with a UTC offset are converted; text is
    normalised first (fullwidth digits, zero-width characters); fractions of a second are
    kept; epoch seconds / milliseconds (UTC instants) and Excel serial dates are read as in
    :func:`ecomlib.sources.clean.numeric_instants`."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dt, "tz", None) is not None:
            s = s.dt.tz_convert(BEIJING).dt.tz_localize(None)
        return s.astype("datetime64[us]"), pd.Series(False, index=s.index), ""
    from .sources import clean as C
    txt = C._norm_text(s)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    num = C._b(txt.str.match(C.NUMERIC_TIME_RE))
    if num.any():
        out[num] = C.numeric_instants(txt[num]).to_numpy()
    has_off = txt.str.contains(_OFFSET_RE).fillna(False).astype(bool) & ~num
    plain = ~has_off & ~num & C._b(txt != "")
    if plain.any():
        out[plain] = pd.to_datetime(txt[plain].str.replace("/", "-", regex=False),
                                    errors="coerce", format="mixed").astype("datetime64[us]")
    if has_off.any():
        aware = pd.to_datetime(txt[has_off], errors="coerce", utc=True, format="mixed")
        out[has_off] = aware.dt.tz_convert(BEIJING).dt.tz_localize(None).astype("datetime64[us]")
    return out, out.isna(), "is not a date-time"


def _parse_date(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    out, bad, _ = _parse_ts(s)
    bad = bad | (out.notna() & (out != out.dt.normalize()))
    return out.dt.normalize().where(~bad), bad, "is not a date"


def strip_text(s: pd.Series, arrow: bool = False, zero_width: bool = True
               ) -> tuple[pd.Series, pd.Series] | None:
    """(stripped text as Python objects with None for empty, blank mask) of a column of
    strings, straight in Arrow: the same as pandas' ``astype("string").str.strip()`` (which
    is Arrow's ``utf8_trim_whitespace``) without the round trips. None when the column
    holds anything but strings and missing values (the general path then converts).
    ``arrow``: the text stays in Arrow memory (pandas ``str`` dtype, empty = NaN).
    ``zero_width``: zero-width characters are removed too (looked for only in non-ASCII
    text); False for text a cleaner has made already."""
    import pyarrow as pa
    import pyarrow.compute as pc
    try:
        arr = s.array._pa_array if hasattr(s.array, "_pa_array") else \
            pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        return None
    # text a cleaner made (ids, keys, statuses) is trimmed already: looked at, not copied
    txt = arr if _trimmed(arr) else pc.utf8_trim_whitespace(arr)
    if zero_width:
        txt = _drop_zero_width(txt)
    blank = pc.fill_null(pc.equal(txt, ""), True)
    # no empty text (a blank is missing already): the values as they are
    val = txt if pc.sum(blank).as_py() in (None, txt.null_count) else \
        pc.if_else(blank, pa.scalar(None, txt.type), txt)
    out = pd.Series(val.to_pandas().array, index=s.index) if arrow else \
        pd.Series(val.to_numpy(zero_copy_only=False), index=s.index, dtype=object)
    return out, pd.Series(blank.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)


def _trimmed(arr) -> bool:
    """True when no value of the Arrow string array ``arr`` starts or ends with whitespace,
    told from its bytes: each non-empty value's first and last byte printable ASCII (other
    bytes may be a whitespace character's; then False, and Arrow trims)."""
    import pyarrow as pa
    from .sources import clean as C
    for a in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        data, starts, lens = C._str_buffers(a)
        nz = lens > 0
        if a.null_count:
            nz &= np.asarray(a.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        if not nz.any():
            continue
        at = starts[nz]
        if not (((data[at] - 0x21) < 0x5E).all()
                and ((data[at + lens[nz] - 1] - 0x21) < 0x5E).all()):
            return False
    return True


def _parse_str(s: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    out = s.astype("string").str.replace(_ZERO_WIDTH_RE, "", regex=True).str.strip().astype(
        object)
    out = out.where(out.notna() & (out != ""), None)
    return out, pd.Series(False, index=s.index), ""


_PARSERS = {
    "str": _parse_str, "int": _parse_int, "fen": _parse_int, "float": _parse_float,
    "ts": _parse_ts, "date": _parse_date,
}


@dataclass
class ValidationResult:
    """``good``: typed rows that passed; ``quarantine``: one row per failing input row with
    ``row_number``, ``column`` (comma-joined when several fail), ``reason`` and ``raw``."""

    good: pd.DataFrame | None
    quarantine: pd.DataFrame
    ignored_columns: list[str]
    good_row_numbers: np.ndarray
    #: every input row typed (bad cells empty), index as the input's; dtypes not settled
    #: (see :func:`settle_dtypes`). Lets a caller that drops rows for reasons of its own
    #: keep the typed values instead of validating them again.
    typed: pd.DataFrame | None = None


QUARANTINE_COLUMNS = ["row_number", "column", "reason", "raw"]


def _fmt(v, limit: int = 40) -> str:
    """A bad value quoted in a reason, at most ``limit`` characters."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "empty"
    r = repr(v)
    return r if len(r) <= limit else r[:limit - 2] + "…'"


def validate(name: str, raw: pd.DataFrame, row_numbers: pd.Series | None = None,
             missing_ok: tuple[str, ...] = (), arrow_text: bool = False,
             typed_only: bool = False) -> ValidationResult:
    """Check every row of ``raw`` against canonical table ``name``.

    ``raw`` holds the table's columns as text (or already typed); ``row_numbers`` gives each
    row's number in its source file (default 2.. as a spreadsheet shows them under a header).
    Columns the table does not know are ignored and reported; a required column that is
    missing from the frame altogether raises ``ValueError`` naming it (the whole file is wrong,
    not a row). Returns the typed good rows and the quarantine records.

    ``arrow_text``: text columns of ``good`` and ``typed`` stay in Arrow memory (pandas
    ``str`` dtype, an empty value is NaN instead of None), for rows that go on to DuckDB.
    ``typed_only``: for a caller that takes ``typed`` and ``quarantine`` only: ``good`` is
    not built (None; ``good_row_numbers`` is the numbers of the rows that passed).
    """
    t = table(name)
    if row_numbers is None:
        row_numbers = pd.Series(np.arange(2, len(raw) + 2), index=raw.index)
    else:
        row_numbers = pd.Series(np.asarray(row_numbers), index=raw.index)
    ignored = [c for c in raw.columns if c not in t.column_names and not c.startswith("_")]
    missing = [c.name for c in t.columns if c.name not in raw.columns]
    hard_missing = [m for m in missing if t.column(m).required and t.column(m).default is None
                    and m not in missing_ok]
    if hard_missing:
        known = [c for c in raw.columns if c in t.column_names]
        raise ValueError(
            f"table {name}: required column(s) {', '.join(hard_missing)} missing; the header "
            f"has {len(raw.columns)} column(s)"
            + (f", of which this table knows {', '.join(map(str, known))}" if known else
               ", none of them a column of this table")
            + " (other names are not shown: a file without its header row would show data)")
    errors: dict[str, list[str]] = {}  # index label -> messages
    bad_cols: dict[object, list[str]] = {}

    def flag(mask: pd.Series, col: str, msg_for):
        for idx in mask[mask].index:
            errors.setdefault(idx, []).append(msg_for(idx))
            bad_cols.setdefault(idx, []).append(col)

    typed = {}
    for c in t.columns:
        if c.name not in raw.columns:
            typed[c.name] = pd.Series([c.default] * len(raw), index=raw.index)
            s = typed[c.name]
        else:
            s = raw[c.name]
        if c.kind == "str" and (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            # the same as _blank + _parse_str, converting and stripping the text once
            fast = strip_text(s, arrow=arrow_text)
            if fast is not None:
                val, blank = fast
            else:
                txt = s.astype("string").str.replace(_ZERO_WIDTH_RE, "", regex=True).str.strip()
                blank = s.isna() | (txt == "")
                out = txt.astype(object)
                val = out.where(out.notna() & (out != ""), None)
            bad, why = pd.Series(False, index=s.index), ""
        else:
            blank = _blank(s)
            val, bad, why = _PARSERS[c.kind](s.where(~blank, None) if c.kind != "str" else s)
        bad = bad & ~blank
        if bad.any():
            flag(bad, c.name,
                 lambda i, c=c, why=why, s=s: f"{c.name} {_fmt(s[i])} {_reason_at(why, i)}")
        if c.required:
            flag(blank, c.name, lambda i, c=c: f"{c.name} is required but empty")
        if c.ge is not None:
            low = (val < c.ge).fillna(False).astype(bool) & ~bad
            flag(low, c.name, lambda i, c=c, val=val: f"{c.name} {val[i]} is below {c.ge:g}")
        if c.choices is not None:
            off = val.notna() & ~val.isin(c.choices)
            flag(off.astype(bool), c.name,
                 lambda i, c=c, val=val: f"{c.name} {val[i]!r} is not one of {', '.join(c.choices)}")
        typed[c.name] = val.where(~bad) if c.kind != "str" else val
    frame = pd.DataFrame(typed, index=raw.index)
    for chk in t.checks:
        # a cross-column rule runs on every row whose own columns parsed cleanly
        spoilt = [i for i, cols in bad_cols.items() if set(cols) & set(chk.columns)]
        ok_rows = ~frame.index.isin(spoilt)
        if not ok_rows.any():
            continue
        fails = pd.Series(False, index=frame.index)
        fails[ok_rows] = chk.fails(frame[ok_rows]).astype(bool)
        flag(fails, ",".join(chk.columns), lambda i, chk=chk: chk.reason)
    bad_idx = list(errors)
    good = None if typed_only else settle_dtypes(
        name, frame.drop(index=bad_idx) if bad_idx else frame, arrow_text=arrow_text)
    if bad_idx:
        raw_bad = raw.loc[bad_idx]
        q = pd.DataFrame({
            "row_number": row_numbers.loc[bad_idx].astype("int64").to_numpy(),
            "column": [",".join(dict.fromkeys(bad_cols[i])) for i in bad_idx],
            "reason": ["; ".join(errors[i]) for i in bad_idx],
            # only the table's own columns (an unknown column may hold personal data), and
            # the member identity blanked: a rejected row may carry it in clear
            "raw": [_raw_json(raw_bad.loc[i, [c for c in raw.columns if c in t.column_names]],
                              blank=PERSONAL_COLUMNS) for i in bad_idx],
        })
    else:
        q = pd.DataFrame({k: pd.Series(dtype="object") for k in QUARANTINE_COLUMNS})
        q["row_number"] = q["row_number"].astype("int64")
    good_rows = (row_numbers.drop(index=bad_idx) if bad_idx else row_numbers).to_numpy()
    return ValidationResult(None if good is None else good.reset_index(drop=True), q, ignored,
                            good_rows, frame)


def settle_dtypes(name: str, frame: pd.DataFrame, arrow_text: bool = False) -> pd.DataFrame:
    """``frame`` (typed values of table ``name``) with each column in its pandas dtype
    (``Int64``, ``Float64``, ``datetime64[us]``, object text), as :func:`validate` returns.
    ``arrow_text``: text in pandas' Arrow-backed ``str`` dtype instead of objects."""
    t = table(name)
    return pd.DataFrame({c.name: frame[c.name].astype(
        "str" if arrow_text and c.kind == "str" else _PANDAS_DTYPES[c.kind])
        for c in t.columns}, index=frame.index)


#: canonical columns that identify a buyer: never kept in a quarantined row's text
PERSONAL_COLUMNS = ("member_key",)


def _raw_json(row: pd.Series, blank: tuple[str, ...] = ()) -> str:
    import json
    return json.dumps({str(k): ("" if str(k) in blank else
                                None if _blank(pd.Series([v])).iloc[0] else str(v))
                       for k, v in row.items() if not str(k).startswith("_")}, ensure_ascii=False)
