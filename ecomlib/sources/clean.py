"""Value cleaning for real exports: every cleaner takes a text Series and returns
``(values, bad, reason)`` where ``bad`` marks the rows whose value cannot be trusted and
``reason`` says why in words a seller understands. Nothing is silently rounded or guessed.

Handled:
* ids mangled by Excel: tab-prefixed (``\\t123``), formula-wrapped (``="123"``), apostrophe
  (``'123``) and ``123.0`` are recovered; scientific notation (``1.23457E+18``) has lost its
  digits and is rejected;
* money: ``¥1,234.50``, ``￥1234.5``, ``1234.5元``, ``1,234``; more than two decimals is
  rejected (it is not an amount in yuan);
* dates and times in the formats Chinese back offices write: ``2025-06-18 10:00:00``,
  ``2025/6/18 10:00``, ``2025年6月18日 10时00分``, ``20250618``, with or without seconds;
* counts: ``3``, ``3件``, ``1,200``;
* every number, date and id cell is read as it is meant (:func:`normalise_cell`): NFKC
  (fullwidth digits and letters, ``￥``, ``，``, ideographic spaces), zero-width characters
  removed, surrounding spaces stripped; amounts beyond what 64-bit fen hold are rejected, never
  wrapped; epoch seconds/milliseconds and Excel serial numbers in date columns are instants;
* status words mapped through a per-platform table;
* an address split into province and city (the street never leaves this function).
"""
from __future__ import annotations

import operator
import re
import unicodedata

import numpy as np
import pandas as pd

Result = tuple[pd.Series, pd.Series, str]

#: invisible characters exports carry inside cells (zero-width space, non-joiner, joiner,
#: word joiner, BOM / zero-width no-break space): removed from every number, date, id,
#: region, identity and header cell
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
ZERO_WIDTH_RE = "[" + ZERO_WIDTH + "]"
_ZW_DROP = str.maketrans("", "", ZERO_WIDTH)
#: the largest value a warehouse integer (BIGINT: fen, counts) holds
INT64_MAX = 2 ** 63 - 1
MONEY_REASON = "is not an amount of money in yuan (e.g. 1234.50)"
MONEY_TOO_LARGE = ("is beyond the largest amount the warehouse can hold "
                   "(92233720368547758.07 yuan = 2^63-1 fen); it is not loaded rather than "
                   "wrapped to another amount")
INT_REASON = "is not a whole number"
INT_TOO_LARGE = "is beyond the largest whole number the warehouse can hold (2^63-1)"


class Reason(str):
    """A cleaner's reason (the text for every bad value) with ``rows``: other texts for
    some bad values, keyed by the index label of the value (e.g. an amount too large)."""

    rows: dict

    def __new__(cls, text: str, rows: dict | None = None):
        obj = super().__new__(cls, text)
        obj.rows = dict(rows or {})
        return obj


def reason_at(reason, label) -> str:
    """The reason for the bad value at index ``label`` (``reason`` a str or :class:`Reason`)."""
    rows = getattr(reason, "rows", None)
    return rows.get(label, str(reason)) if rows else str(reason)


def _with_rows(reason: str, *parts) -> str:
    """``reason`` with the per-value texts of ``parts`` (Reasons, or anything else) merged."""
    rows: dict = {}
    for p in parts:
        rows.update(getattr(p, "rows", None) or {})
    return Reason(reason, rows) if rows else reason


def drop_zero_width(s: pd.Series) -> pd.Series:
    """``s`` as pandas ``string`` text without zero-width characters (whitespace they hid
    trimmed); looked for in Arrow, among the distinct values when they repeat, and only in
    non-ASCII text, so a column without them costs one scan."""
    from ..schema import _drop_zero_width
    t = s.astype("string")
    arr = _pa_array(t)
    done = _drop_zero_width(arr)
    return t if done is arr else pd.Series(pd.array(done, dtype=t.dtype), index=s.index)


def normalise_cell(value: str) -> str:
    """A number/date/id cell as the seller reads it: NFKC (fullwidth digits and letters ->
    ASCII, ``￥`` -> ``¥``, ``，`` -> ``,``, ``：`` -> ``:``, ideographic and no-break spaces ->
    space), the minus sign ``−`` -> ``-``, zero-width characters removed, surrounding
    whitespace stripped. ASCII text only loses its surrounding whitespace."""
    if value.isascii():
        return value.strip()
    v = unicodedata.normalize("NFKC", value.translate(_ZW_DROP))
    return v.replace("\u2212", "-").strip()

_SCI = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_ID_OK = re.compile(r"^[^\s,;]+$")
TOTAL_WORDS = ("合计", "总计", "汇总", "小计", "total", "Total", "TOTAL")


def _text(s: pd.Series) -> pd.Series:
    return s.astype("string").fillna("")


def _b(mask: pd.Series) -> pd.Series:
    """A plain numpy-backed boolean mask (string ops may return pyarrow booleans)."""
    return mask.fillna(False).astype(bool)


def _norm_text(s: pd.Series) -> pd.Series:
    """:func:`_text` with every value :func:`normalise_cell`-ed (stripped; the non-ASCII
    values, found in Arrow, normalised in Python once per distinct value)."""
    t = _text(s)
    if not len(t):
        return t
    import pyarrow.compute as pc
    ascii_ = pc.string_is_ascii(_pa_array(t))
    stripped = t.str.strip()
    if pc.all(ascii_).as_py() in (True, None):
        return stripped
    odd = ~np.asarray(ascii_.to_numpy(zero_copy_only=False), dtype=bool)
    done: dict[str, str] = {}
    vals = []
    for v in t[odd].tolist():
        n = done.get(v)
        if n is None:
            n = done[v] = normalise_cell(v)
        vals.append(n)
    out = stripped.copy()
    out[odd] = vals
    return out


def _extract(t: pd.Series, pattern: str) -> dict[str, pd.Series]:
    """pandas' ``str.extract`` done in Arrow (RE2): for each named group of ``pattern`` a
    ``string`` Series, NA where the value does not match, ``""`` for a group that took no
    part in the match."""
    import pyarrow.compute as pc
    st = pc.extract_regex(_pa_array(t.astype("string").fillna("")), pattern)
    names = re.findall(r"\(\?P<(\w+)>", pattern)
    return {n: pd.Series(pd.array(pc.struct_field(st, n), dtype="string"), index=t.index)
            for n in names}


def _exact_ints(digits: pd.Series, ok: pd.Series, negative: pd.Series
                ) -> tuple[pd.Series, pd.Series]:
    """(Int64 values, too-large mask) of decimal digit strings, exactly (no float on the
    way): ``ok`` marks the values to read, ``negative`` the ones to negate. A value beyond
    +-(2^63-1) is too large (NA), never wrapped."""
    import pyarrow as pa
    import pyarrow.compute as pc
    ok_np = _b(ok).to_numpy(dtype=bool)
    d = digits.astype("string").fillna("").str.lstrip("0")
    d = d.where(d != "", "0").where(ok_np, "0")
    long = (d.str.len() > 18).to_numpy(dtype=bool) & ok_np  # 19+ digits: may not fit
    short = d.where(~long, "0")
    vals = pc.cast(pa.array(short.astype(object).to_numpy(), type=pa.string()),
                   pa.int64()).to_numpy(zero_copy_only=False).astype("int64", copy=True)
    over = np.zeros(len(d), dtype=bool)
    for k in np.flatnonzero(long):
        v = int(d.iloc[k])
        if v > INT64_MAX:
            over[k] = True
        else:
            vals[k] = v
    neg = _b(negative).to_numpy(dtype=bool)
    vals = np.where(neg & ~over, -vals, vals)
    out = pd.Series(pd.arrays.IntegerArray(vals, ~ok_np | over), index=digits.index)
    return out, pd.Series(over, index=digits.index)


def _clean_id_careful(s: pd.Series, what: str = "id") -> Result:
    """Order / line / SKU ids as exact text.

    ``="123"`` -> ``123``; ``\\t123`` -> ``123``; ``'123`` -> ``123``; ``123.0`` -> ``123``.
    ``1.23457E+18`` is rejected: Excel kept only 6 significant digits.
    """
    t = _norm_text(s).str.strip("\t ")
    t = t.str.replace(r'^=\s*"(.*)"$', r"\1", regex=True)
    t = t.str.replace(r"^'", "", regex=True).str.strip()
    t = t.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    sci = t.str.match(_SCI).fillna(False).astype(bool)
    odd = (t != "") & ~t.str.match(_ID_OK).fillna(False).astype(bool) & ~sci
    out = t.astype(object).where((~sci & (t != "")).to_numpy(), None)
    bad = sci | odd
    return out, _b(bad), _id_reason(what)


def _id_reason(what: str = "id") -> str:
    """The reason :func:`_clean_id_careful` gives for a rejected id."""
    return (f"{what} is in scientific notation (e.g. 1.23457E+18): Excel rounded it and the "
            f"digits are lost; export again and do not save the file from Excel, or format "
            f"the column as text")


def clean_id_reason(value: str, what: str = "id") -> str:
    if _SCI.match(str(value).strip()):
        return clean_id(pd.Series([value]), what)[2]
    v = repr(value)
    return f"{what} {v if len(v) <= 40 else v[:38] + chr(8230) + chr(39)} has characters an id cannot have"


_MONEY = r"^(?P<sign>[+-])?(?P<yuan>[0-9]+)(?:\.(?P<fen>[0-9]{1,2}))?$"


def _clean_money_fen_careful(s: pd.Series) -> Result:
    """Money text in yuan -> integer fen, exactly (digits to integers, no float on the way).

    Accepts ``¥1,234.50``, ``￥1234.5``, ``1234.5元``, ``RMB 12``, ``-3.00``, ``-¥3``, fullwidth
    ``１２.５``, zero-width characters anywhere; empty -> NA. An amount beyond 2^63-1 fen is
    rejected with its own reason (:data:`MONEY_TOO_LARGE`).
    """
    t = _norm_text(s)
    given = _b(t != "")  # (a lone currency sign or unit is a value that is not an amount)
    t = t.str.replace(r"^([+-]?)\s*(?:¥|RMB|CNY)\s*", r"\1", regex=True)
    t = t.str.replace(r"\s*元$", "", regex=True).str.replace(",", "", regex=False).str.strip()
    parts = _extract(t, _MONEY)
    ok = parts["yuan"].notna()
    digits = parts["yuan"].fillna("") + parts["fen"].fillna("").str.ljust(2, "0")
    out, over = _exact_ints(digits, ok, parts["sign"] == "-")
    bad = (given & ~_b(ok)) | over
    return out, bad, _reason(MONEY_REASON, over, MONEY_TOO_LARGE)


def _reason(text: str, mask: pd.Series, other: str) -> str:
    """``text``, with ``other`` for the values ``mask`` marks (a :class:`Reason`)."""
    labels = mask.index[mask.to_numpy(dtype=bool)]
    return Reason(text, {k: other for k in labels}) if len(labels) else text


def clean_int(s: pd.Series) -> Result:
    """Counts: ``3``, ``3件``, ``1,200``, ``2.0`` -> integers (see :func:`_clean_int_careful`);
    plain digits are converted in Arrow, every other value goes the careful way."""
    import pyarrow as pa
    import pyarrow.compute as pc
    t, simple = _split(s, r"^[0-9]{1,15}$")
    filled = simple & (t != "").to_numpy(dtype=bool)
    arr = pc.if_else(pa.array(filled), _pa_array(t), pa.scalar(None, pa.string()))
    out = pd.Series(pd.array(pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False),
                             dtype="Int64") if len(s) else pd.array([], dtype="Int64"),
                    index=s.index)
    out, bad, why = _merge(s, simple, out, _clean_int_careful)
    return out, bad, _with_rows(INT_REASON, why)


INT_RE = r"^(?P<sign>[+-])?(?P<digits>[0-9]+)(?:\.0+)?$"


def _clean_int_careful(s: pd.Series) -> Result:
    """Counts: ``3``, ``3件``, ``1,200``, ``2.0``, fullwidth ``３`` -> integers, exactly; beyond
    2^63-1 rejected (:data:`INT_TOO_LARGE`)."""
    t = _norm_text(s)
    given = _b(t != "")
    t = t.str.replace(",", "", regex=False)
    t = t.str.replace(r"\s*(件|个|单|次|人)$", "", regex=True).str.replace(r"\.0+$", "", regex=True)
    parts = _extract(t, INT_RE)
    ok = parts["digits"].notna()
    out, over = _exact_ints(parts["digits"], ok, parts["sign"] == "-")
    bad = (given & ~_b(ok)) | over
    return out, bad, _reason(INT_REASON, over, INT_TOO_LARGE)


def clean_float(s: pd.Series) -> Result:
    """Numbers: ``1,234.5`` -> 1234.5; a percentage is a ratio: ``3.5%`` -> 0.035; fullwidth
    and zero-width characters normalised first; not finite (``inf``, ``nan``) is bad."""
    t = _norm_text(s).str.replace(",", "", regex=False)
    pct = _b(t.str.endswith("%"))
    t = t.str.rstrip("%").str.strip()
    num = pd.to_numeric(t.where(t != ""), errors="coerce")
    vals = np.asarray(pd.array(num, dtype="Float64").to_numpy(dtype="float64",
                                                              na_value=np.nan))
    vals = np.where(pct.to_numpy(dtype=bool), vals / 100, vals)
    bad = (t != "").to_numpy(dtype=bool) & ~np.isfinite(vals)
    out = pd.Series(np.where(np.isfinite(vals), vals, np.nan), index=s.index)
    return out, pd.Series(bad, index=s.index), "is not a number"


_CN_DATE = [
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"), r"\1-\2-\3"),
    (re.compile(r"(\d{1,2})时(\d{1,2})分(?:(\d{1,2})秒)?"), r"\1:\2:\3"),
]


#: a number in a date column: Excel serial day (5 digits, fraction = time of day), epoch
#: seconds (10 digits, optional fraction) or epoch milliseconds (13 digits)
NUMERIC_TIME_RE = r"^(?:[0-9]{5}(?:\.[0-9]+)?|[0-9]{10}(?:\.[0-9]{1,6})?|[0-9]{13})$"
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # serial 1 = 1900-01-01 (past Excel's 1900-02-29)


def numeric_instants(t: pd.Series) -> pd.Series:
    """Numbers in a date/time column (text matching :data:`NUMERIC_TIME_RE`) -> naive
    Beijing timestamps (datetime64[us]); anything else NaT.

    * 13 digits: epoch milliseconds, 10 digits (optional fraction): epoch seconds. Both are
      instants (UTC), shown in Beijing time (+8 h): ``1748743200123`` -> 2025-06-01
      10:00:00.123.
    * 5 digits (optional fraction): an Excel serial date in the 1900 date system, the
      fraction the time of day, to the millisecond as openpyxl's ``from_excel`` reads it:
      ``45658.5`` -> 2025-01-01 12:00:00. Excel has no time zone: wall-clock time as written.
    """
    t = t.astype("string").fillna("")
    out = pd.Series(pd.NaT, index=t.index, dtype="datetime64[us]")
    m = _extract(t, r"^(?P<whole>[0-9]+)(?:\.(?P<frac>[0-9]+))?$")
    whole, frac = m["whole"].fillna(""), m["frac"].fillna("")
    n = whole.str.len().to_numpy(dtype="int64", na_value=0)
    ok = m["whole"].notna().to_numpy(dtype=bool)
    ms13 = ok & (n == 13) & (frac == "").to_numpy(dtype=bool)
    s10 = ok & (n == 10) & (frac.str.len() <= 6).to_numpy(dtype=bool)
    ser = ok & (n == 5)
    if ms13.any() or s10.any():
        us = np.zeros(len(t), dtype="int64")
        if ms13.any():
            us[ms13] = whole[ms13].astype("int64").to_numpy() * 1000
        if s10.any():
            us[s10] = (whole[s10].astype("int64").to_numpy() * 1_000_000
                       + frac[s10].str.ljust(6, "0").astype("int64").to_numpy())
        sel = ms13 | s10
        inst = pd.to_datetime(us[sel], unit="us", utc=True).tz_convert("Asia/Shanghai")
        out[sel] = inst.tz_localize(None).astype("datetime64[us]")
    if ser.any():
        days = whole[ser].astype("int64").to_numpy()
        fr = ("0." + frac[ser].where(frac[ser] != "", "0")).astype("float64").to_numpy()
        ms = np.round(fr * 86_400_000).astype("int64")
        out[ser] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
                    + pd.to_timedelta(ms, unit="ms")).astype("datetime64[us]")
    return out


def _clean_ts_careful(s: pd.Series) -> Result:
    """Date-times in mixed formats -> naive Beijing timestamps (values with an explicit UTC
    offset are converted to Beijing). ``-``, ``0000-00-00`` and empty mean no time. Fractions
    of a second are kept (``10:00:00.123``); numbers are epoch seconds / milliseconds or
    Excel serial dates (:func:`numeric_instants`); fullwidth digits and zero-width characters
    are normalised first."""
    t = _norm_text(s)
    t = t.where(~t.isin(["-", "--", "0000-00-00", "0000-00-00 00:00:00", "null", "NULL"]), "")
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    given = _b(t != "")
    num = _b(t.str.match(NUMERIC_TIME_RE))
    if num.any():
        out[num] = numeric_instants(t[num]).to_numpy()
        t = t.where(~num, "")
    t = t.str.replace(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"\1-\2-\3", regex=True)
    t = t.str.replace(r"(\d{1,2})时(\d{1,2})分(\d{1,2})秒", r"\1:\2:\3", regex=True)
    t = t.str.replace(r"(\d{1,2})时(\d{1,2})分", r"\1:\2", regex=True)
    t = t.str.replace("/", "-", regex=False)
    # 2025.06.18 is a date; the dot of 10:00:00.123 stays a fraction of a second
    t = t.str.replace(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})(?=$|\s|T)", r"\1-\2-\3", regex=True)
    t = t.str.replace(r"^(\d{4})(\d{2})(\d{2})(?=$|\s)", r"\1-\2-\3", regex=True)
    t = t.str.replace("T", " ", regex=False).str.replace(r"\s+", " ", regex=True)
    has_off = t.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False).astype(bool)
    plain = (t != "") & ~has_off
    if plain.any():
        out[plain] = pd.to_datetime(t[plain], errors="coerce", format="mixed").astype(
            "datetime64[us]")
    if has_off.any():
        aware = pd.to_datetime(t[has_off].str.replace(" ", "T", n=1), errors="coerce", utc=True,
                               format="mixed")
        out[has_off] = aware.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).astype(
            "datetime64[us]")
    bad = given & out.isna()
    return out, _b(bad), "is not a date-time (e.g. 2025-06-18 10:00:00)"


def clean_date(s: pd.Series) -> Result:
    out, bad, _ = clean_ts(s)
    return out.dt.normalize(), bad, "is not a date (e.g. 2025-06-18)"


def _per_distinct(s: pd.Series, fn, arrow: bool = False):
    """``fn`` (a value-by-value rule returning Series) run once per distinct value of ``s``
    and spread back: exports repeat a few status words or regions on every row. None when
    the values are (nearly) all distinct. ``arrow``: see :func:`_spread`."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    if 2 * len(uniques) > len(s):
        return None
    res = fn(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    res = res if isinstance(res, tuple) else (res,)
    return tuple(_spread(x, codes, s.index, arrow) if isinstance(x, pd.Series) else x
                 for x in res)


def _spread(x: pd.Series, codes: np.ndarray, index, arrow: bool = False) -> pd.Series:
    """``x`` (one value per distinct input value) put back on every row: ``x[codes]``.
    ``arrow``: a text result (str or None) comes back as a pandas ``str`` Series in Arrow
    memory (missing = NaN), taken in Arrow rather than as Python objects."""
    if arrow and x.dtype == object:
        import pyarrow as pa
        try:
            arr = pa.array(x.to_numpy(), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        else:
            return pd.Series(pd.array(arr.take(codes), dtype="str"), index=index)
    return pd.Series(x.to_numpy()[codes], index=index, dtype=x.dtype)


def clean_status(s: pd.Series, mapping: dict[str, str], what: str = "status",
                 arrow: bool = False) -> Result:
    """Platform status words -> canonical status through ``mapping`` (exact, then by
    contained word, so '交易成功(已评价)' still maps). Worked out once per distinct word.
    ``arrow``: the statuses as pandas ``str`` (Arrow memory, missing = NaN), not objects."""
    done = _per_distinct(s, lambda u: _clean_status(u, mapping, what), arrow)
    return done if done is not None else _clean_status(s, mapping, what)


def _clean_status(s: pd.Series, mapping: dict[str, str], what: str = "status") -> Result:
    t = _text(s).str.replace(ZERO_WIDTH_RE, "", regex=True).str.strip()
    out = t.map(mapping)
    miss = out.isna() & (t != "")
    if miss.any():
        for i in miss[miss].index:
            for word, canon in mapping.items():
                if word and word in t[i]:
                    out[i] = canon
                    break
    bad = (t != "") & out.isna()
    known = "、".join(dict.fromkeys(mapping))
    return out.astype(object).where(out.notna(), None), _b(bad), f"is not a known {what} ({known})"


MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
#: the 34 provincial divisions: a province is one of these or nothing, so a name, a phone or a
#: whole address in a province column never reaches the warehouse as a "province"
PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏",
             "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西",
             "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏",
             "新疆", "香港", "澳门", "台湾")
#: a city name: 1-9 Chinese characters after its suffix is stripped (no digits, no street)
_CITY_OK = re.compile(r"^[\u4e00-\u9fff]{1,9}$")
_STREET = re.compile(r"[路街道巷弄号室栋幢楼村组]")


def _prov_pattern(ws: str) -> str:
    """The province + city pattern, its whitespace class ``ws`` (the inside of ``[...]``)."""
    return (r"^(?P<prov>" + "|".join(sorted(PROVINCES, key=len, reverse=True)) + ")"
            r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?[" + ws + "]*"
            r"(?P<city>[^区县" + ws + r"]{1,9}?(?:市|自治州|地区|盟))?")


_PROV = re.compile(_prov_pattern(r"\s"))
#: Python's ``\s`` (Unicode whitespace) spelt out, for RE2, whose ``\s`` is ASCII only
_WS = "".join(c for c in map(chr, range(0x3001)) if re.match(r"\s", c))
#: :data:`_PROV` for Arrow's RE2 (``pc.extract_regex``): the same matches and groups
_PROV_RE2 = _prov_pattern(_WS)


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def split_region(address: pd.Series, arrow: bool = False,
                 memo: dict | None = None) -> tuple[pd.Series, pd.Series]:
    """(province, city) from a Chinese address; the rest of the address is discarded.

    ``浙江省 杭州市 西湖区 文三路1号`` -> (浙江, 杭州); ``北京 北京市 朝阳区 ...`` -> (北京, 北京);
    ``上海市浦东新区...`` -> (上海, 上海). Unrecognised -> (None, None). ``arrow``: both as
    pandas ``str`` (Arrow memory, missing = NaN) when addresses repeat, not as objects.
    ``memo``: address -> (province, city) of earlier calls (filled here), so that an
    address seen in an earlier chunk of the same export is not split again (each value
    is split on its own, so the results are the same).
    """
    # exports repeat a buyer's address on every order: work on each distinct value once
    codes, uniques = pd.factorize(_text(address), use_na_sentinel=False)
    if len(uniques) < len(address):
        values = np.asarray(uniques, dtype=object)
        if memo is None:
            prov, city = _split_region(pd.Series(values, dtype=object))
        else:
            values = values.tolist()
            new = [v for v in values if v not in memo]
            if new:
                p_, c_ = _split_region(pd.Series(new, dtype=object))
                memo.update(zip(new, zip(p_.tolist(), c_.tolist())))
            pairs = list(map(memo.__getitem__, values))
            prov = pd.Series(list(map(_FIRST, pairs)), dtype=object)
            city = pd.Series(list(map(_SECOND, pairs)), dtype=object)
        return (_spread(prov, codes, address.index, arrow),
                _spread(city, codes, address.index, arrow))
    return _split_region(address)


def _split_region(address: pd.Series) -> tuple[pd.Series, pd.Series]:
    t = _text(address).str.replace(ZERO_WIDTH_RE, "", regex=True).str.strip()
    # Arrow's RE2 (a group outside the match is "" there, NA in pandas: the same below,
    # where a city must have 1-9 characters)
    m = _extract(t, _PROV_RE2)
    prov = m["prov"].where(m["prov"].notna() & (t != ""))
    city = m["city"].str.replace(r"(市|自治州|州|盟|地区)$", "", regex=True)
    city = city.where(~prov.isin(MUNICIPALITIES), prov)
    city = city.where(prov.notna() & city.fillna("").str.match(_CITY_OK)
                      & ~city.fillna("").str.contains(_STREET))
    clean = lambda x: x.astype(object).where(x.notna() & (x != ""), None)  # noqa: E731
    return clean(prov), clean(city)


def strip_region_suffix(s: pd.Series, arrow: bool = False, kind: str = "city") -> pd.Series:
    """``浙江省`` -> ``浙江``, ``杭州市`` -> ``杭州`` (for exports with separate 省/市 columns).
    Worked out once per distinct value. ``arrow``: as in :func:`split_region`. ``kind``:
    ``province`` keeps only the 34 provincial divisions (:data:`PROVINCES`), ``city`` only
    1-9 Chinese characters without a street or house number; anything else becomes empty
    (it is not a region, and may be a person's name or address)."""
    fn = _strip_province_suffix if kind == "province" else _strip_region_suffix
    done = _per_distinct(s, fn, arrow)
    return done[0] if done is not None else fn(s)


def _strip_province_suffix(s: pd.Series) -> pd.Series:
    t = _strip_region_suffix(s)
    return t.where(t.isin(PROVINCES), None)


def _strip_region_suffix(s: pd.Series) -> pd.Series:
    t = _text(s).str.replace(ZERO_WIDTH_RE, "", regex=True).str.strip()
    t = t.str.replace(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|自治州|地区|盟)$",
                      "", regex=True)
    ok = t.fillna("").str.match(_CITY_OK) & ~t.fillna("").str.contains(_STREET)
    return t.astype(object).where((t != "") & ok, None)


def keep_rows(obj, keep: np.ndarray):
    """``obj[keep]`` (a DataFrame, Series or Arrow table) with a fresh 0..k-1 index. When
    the kept rows are the first k -- an export's totals and blank rows sit at its end --
    a slice, which copies nothing."""
    keep = np.asarray(keep, dtype=bool)
    k = int(keep.sum())
    if keep[:k].all():
        out = obj.slice(0, k) if hasattr(obj, "slice") else obj.iloc[:k]
    else:
        import pyarrow as pa
        out = obj.filter(pa.array(keep)) if hasattr(obj, "slice") else obj[keep]
    return out if hasattr(obj, "slice") else out.reset_index(drop=True)


def is_total_row(frame: pd.DataFrame) -> pd.Series:
    """Rows that are a report's totals line (合计/总计/汇总 in the first non-empty cell)."""
    if frame.empty or frame.shape[1] == 0:
        return _is_total_row_careful(frame)
    c0 = frame.iloc[:, 0]
    arr = _arrow_text(c0)
    if arr is not None:  # the same rules in Arrow, without a Python object per cell: the
        import pyarrow as pa  # stripped cell is a totals word or starts with 合计/总计/汇总
        import pyarrow.compute as pc  # (all that the regex's match tells)
        empty0 = np.asarray(pc.fill_null(pc.equal(arr, ""), True).to_numpy(
            zero_copy_only=False), dtype=bool)
        first = pc.utf8_trim_whitespace(arr)
        hit = pc.is_in(first, value_set=pa.array(TOTAL_WORDS, type=first.type))
        for word in ("合计", "总计", "汇总"):
            hit = pc.or_(hit, pc.starts_with(first, word))
        out = np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False),
                         dtype=bool).copy()
    else:
        empty0 = (c0.isna() | (c0.astype(object) == "")).to_numpy(dtype=bool)
        first = c0.astype("string").str.strip()
        out = (first.isin(TOTAL_WORDS).fillna(False).astype(bool) | first.str.match(
            r"^(合计|总计|汇总)[:：]?").fillna(False).astype(bool)).to_numpy(dtype=bool).copy()
    if empty0.any():  # the first non-empty cell is further right: the careful path
        out[empty0] = _is_total_row_careful(frame[empty0]).to_numpy(dtype=bool)
    return pd.Series(out, index=frame.index)


def _is_total_row_careful(frame: pd.DataFrame) -> pd.Series:
    if frame.empty:
        return pd.Series(False, index=frame.index)
    first = frame.replace("", np.nan).bfill(axis=1).iloc[:, 0].astype("string").str.strip()
    return first.isin(TOTAL_WORDS).fillna(False).astype(bool) | first.str.match(
        r"^(合计|总计|汇总)[:：]?").fillna(False).astype(bool)


# -- fast paths -----------------------------------------------------------------------------
# Each public cleaner first handles the values already in their plain form (checked with
# pyarrow's RE2 on the whole column: ASCII digits only, no spaces) and hands the others to
# the careful, element-by-element rules above, so results are identical value for value.
def _split(s: pd.Series, pattern: str, unwrap: tuple[tuple[str, str], ...] = ()):
    """(text as pyarrow-backed strings, numpy mask of values matching ``pattern`` or empty).

    ``unwrap``: (regex, replacement) pairs applied first, each covering a whole value whose
    careful cleaning is exactly that replacement (``="123"`` -> ``123``); they never change
    a value that matches ``pattern``, so a column of plain values skips them."""
    import pyarrow.compute as pc
    t = _text(s)
    arr = _pa_array(t)
    if unwrap:
        m = _match_or_empty(arr, pattern)
        if m.all():
            return t, m
    for pat, rep in unwrap:
        arr = pc.replace_substring_regex(arr, pat, rep)
    if unwrap:
        t = pd.Series(pd.arrays.ArrowStringArray(arr) if hasattr(pd.arrays, "ArrowStringArray")
                      else arr.to_pylist(), index=s.index, dtype=t.dtype)
    return t, _match_or_empty(arr, pattern)


def _match_or_empty(arr, pattern: str) -> np.ndarray:
    """Numpy mask: the value matches ``pattern`` (RE2) or is ``""`` (a null: False) --
    ``pc.or_(pc.match_substring_regex(arr, pattern), pc.equal(arr, ""))`` as booleans.
    For the patterns of :data:`_SURE` the values that surely match are told from the
    Arrow buffers (bytes and lengths, in numpy); the regex looks only at the others."""
    import pyarrow as pa
    import pyarrow.compute as pc
    sure = _SURE.get(pattern)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    parts = []
    for a in chunks:
        m = None
        if sure is not None and not a.null_count and (
                pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
            data, starts, lens = _str_buffers(a)
            m = sure(data, starts, lens)
            rest = np.flatnonzero(~m)
            if len(rest):
                sub = a.take(pa.array(rest))
                m[rest] = np.asarray(pc.or_(pc.match_substring_regex(sub, pattern),
                                            pc.equal(sub, "")).to_numpy(zero_copy_only=False),
                                     dtype=bool)
        if m is None:
            m = np.asarray(pc.or_(pc.match_substring_regex(a, pattern), pc.equal(a, ""))
                           .to_numpy(zero_copy_only=False), dtype=bool)
        parts.append(m)
    return np.concatenate(parts) if len(parts) != 1 else parts[0]


def _str_buffers(a):
    """(bytes as uint8, each value's first byte, each value's length in bytes) of an Arrow
    string array without nulls, read in place."""
    import pyarrow as pa
    bufs = a.buffers()
    if bufs[1] is None:  # no offsets: nothing but empty values
        return (np.zeros(0, dtype=np.uint8), np.zeros(len(a), dtype=np.int64),
                np.zeros(len(a), dtype=np.int64))
    odt = np.int64 if pa.types.is_large_string(a.type) else np.int32
    offs = np.frombuffer(bufs[1], dtype=odt, count=len(a) + 1,
                         offset=a.offset * np.dtype(odt).itemsize).astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and len(bufs[2]) \
        else np.zeros(0, dtype=np.uint8)
    return data, offs[:-1], np.diff(offs)


def _non_digits(data, starts, lens):
    """Per value the count of bytes that are not ASCII digits and the place of one of them
    within the value (of the only one where the count is 1); and those bytes' positions
    and rows."""
    n = len(starts)
    lo, hi = (int(starts[0]), int(starts[-1] + lens[-1])) if n else (0, 0)
    pos = np.flatnonzero((data[lo:hi] - 48) > 9) + lo  # uint8: wraps below '0'
    row = np.searchsorted(starts, pos, side="right") - 1
    count = np.bincount(row, minlength=n)
    last = np.full(n, -1, dtype=np.int64)
    last[row] = pos - starts[row]  # (one of a row's places: read where the count is 1)
    return count, last, pos, row


def _sure_digits(maxlen: int):
    """Values surely matching ``^[0-9]{1,maxlen}$`` (or empty); any other (a sign) is
    left to the regex."""
    def sure(data, starts, lens):
        count, _, _, _ = _non_digits(data, starts, lens)
        return (count == 0) & (lens <= maxlen)
    return sure


def _sure_money(data, starts, lens):
    """Values surely matching ``^-?[0-9]{1,13}(\\.[0-9]{1,2})?$`` (or empty): digits only
    (at most 13), or digits with one ``.`` after 1-13 of them and before the last 1-2."""
    count, last, pos, row = _non_digits(data, starts, lens)
    plain = (count == 0) & (lens <= 13)
    after = lens - last - 1  # digits after the one non-digit byte
    one = (count == 1) & (last >= 1) & (last <= 13) & (after >= 1) & (after <= 2)
    if one.any():
        dot = np.zeros(len(starts), dtype=bool)
        dot[row] = data[pos] == 46
        one &= dot
    return plain | one


_TS_FORM = np.frombuffer(b"0000-00-00 00:00:00", dtype=np.uint8)
_TS_SEPS = np.array([4, 7, 10, 13, 16])  # where the form has - - space : :


def _clean_ts_plain(s: pd.Series) -> Result | None:
    """:func:`clean_ts` of a column whose values are all empty or ``YYYY-MM-DD HH:MM:SS``
    without the regular expression: every value 0 or 19 bytes long with the form's
    separators in place, and Arrow's ISO parser taking them all (it reads the date and
    time fields as digits, so then each value matches :data:`_TS_PLAIN` and this is the
    result :func:`clean_ts` gives). None otherwise (the general path decides)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    t = _text(s)
    arr = _pa_array(t)
    parts = []
    for a in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        if a.null_count or not (pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
            return None
        data, starts, lens = _str_buffers(a)
        filled = lens == 19
        if not (filled | (lens == 0)).all():
            return None
        if filled.any():
            b = data[starts[filled][:, None] + _TS_SEPS]
            if not (b == _TS_FORM[_TS_SEPS]).all():
                return None
        parts.append(filled)
    filled = np.concatenate(parts) if len(parts) != 1 else parts[0] if parts else None
    if filled is None or not filled.any():
        return None
    try:  # Arrow's ISO parser: all valid, or it raises (e.g. 2025-02-30, 23:59:60)
        arr = pc.if_else(pa.array(filled), arr, pa.scalar(None, pa.string()))
        out = pd.Series(pc.cast(arr, pa.timestamp("us")).to_numpy(zero_copy_only=False),
                        index=s.index).astype("datetime64[us]")
    except pa.ArrowInvalid:
        return None
    return (out, pd.Series(np.zeros(len(s), dtype=bool), index=s.index),
            "is not a date-time (e.g. 2025-06-18 10:00:00)")


_ID_BYTES = np.zeros(256, dtype=bool)
_ID_BYTES[np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-",
                        dtype=np.uint8)] = True


def _sure_id(data, starts, lens):
    """Values surely matching ``^[0-9A-Za-z_-]+$`` (or empty): no other byte in them."""
    n = len(starts)
    lo, hi = (int(starts[0]), int(starts[-1] + lens[-1])) if n else (0, 0)
    pos = np.flatnonzero(~_ID_BYTES[data[lo:hi]]) + lo
    bad = np.zeros(n, dtype=bool)
    bad[np.searchsorted(starts, pos, side="right") - 1] = True
    return ~bad


def repeat_text(value: str, n: int) -> pd.Series:
    """``value`` on ``n`` rows as pandas ``str`` (Arrow memory)."""
    import pyarrow as pa
    return pd.Series(pd.array(pa.repeat(pa.scalar(value, pa.string()), n), dtype="str"))


def _arrow_text(s: pd.Series):
    """The Arrow array of a pandas ``str`` Series held in Arrow memory, else None."""
    return s.array._pa_array if s.dtype == "str" and hasattr(s.array, "_pa_array") else None


def coalesce(*cols: pd.Series) -> pd.Series:
    """Row by row the first non-missing value of ``cols`` (None where all are missing).
    When every column is text in Arrow memory (pandas ``str``) -- a column that is missing
    throughout counts as such -- the result is one too (missing = NaN), made in Arrow."""
    import pyarrow.compute as pc
    present = [c for c in cols if not (c.dtype == object and c.isna().all())] or [cols[0]]
    arrs = [_arrow_text(c) for c in present]
    if all(a is not None for a in arrs):
        out = pc.coalesce(*arrs) if len(arrs) > 1 else arrs[0]
        return pd.Series(pd.array(out, dtype="str"), index=cols[0].index)
    out = cols[0].astype(object)
    for c in cols[1:]:
        out = out.where(out.notna(), c.astype(object))
    return out.where(out.notna(), None)


def _pa_array(t: pd.Series):
    import pyarrow as pa
    arr = t.array
    if hasattr(arr, "_pa_array"):
        return arr._pa_array
    return pa.array(t.to_numpy(dtype=object), type=pa.string())


def _merge(s: pd.Series, simple: np.ndarray, out: pd.Series, careful) -> Result:
    bad = np.zeros(len(s), dtype=bool)
    reason = None
    if (~simple).any():
        o2, b2, reason = careful(s[~simple])
        out = out.copy()
        out[~simple] = o2.to_numpy() if not isinstance(out.dtype, pd.api.extensions.ExtensionDtype) \
            else o2.array
        bad[~simple] = b2.to_numpy(dtype=bool)
    return out, pd.Series(bad, index=s.index), reason


_ID_PLAIN = r"^[0-9A-Za-z_-]+$"
_ID_SCI = r"^[+-]?[0-9]+[eE][+-]?[0-9]+$"
_ID_UNWRAP = ((r'^="([0-9A-Za-z_-]+)"$', r"\1"), (r"^\t+([0-9A-Za-z_-]+)$", r"\1"))
_MONEY_PLAIN = r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"
_TS_PLAIN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?$"
#: pattern -> the values surely matching it, told from the bytes (:func:`_match_or_empty`)
_SURE = {_ID_PLAIN: _sure_id, _MONEY_PLAIN: _sure_money,
         r"^[0-9]{1,15}$": _sure_digits(15), r"^-?[0-9]{1,18}$": _sure_digits(18)}


def clean_id(s: pd.Series, what: str = "id") -> Result:
    """Order / line / SKU ids as exact text (see :func:`_clean_id_careful` for the rules).

    Plain values (ASCII letters, digits, ``_``, ``-``) are done in Arrow in one pass; the
    few others (wrapped ``="123"``, ``\\t123``, odd) take :func:`_clean_id_unwrapping`, and
    scientific notation the careful rules, each value on its own."""
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = _pa_array(_text(s))
    digits = pc.ascii_is_decimal(arr)  # (non-empty, ASCII digits only: plain, never 1E18)
    if pc.all(pc.or_(digits, pc.equal(arr, ""))).as_py() in (True, None):
        # the usual id column, told without the regexes below, with the same result
        return (pd.Series(pd.array(pc.if_else(digits, arr, pa.scalar(None, arr.type)),
                                   dtype="str"), index=s.index),
                pd.Series(np.zeros(len(s), dtype=bool), index=s.index),
                _id_reason(what))
    plain_or_empty = _match_or_empty(arr, _ID_PLAIN)  # the regex only where needed
    empty = np.asarray(pc.equal(arr, "").to_numpy(zero_copy_only=False), dtype=bool)
    odd = ~plain_or_empty
    # a plain value is kept unless it is in scientific notation (1E18 is plain text too),
    # which takes an e: the regex looks only at the plain values with one
    sci = plain_or_empty & ~empty & np.asarray(pc.match_substring(
        arr, "e", ignore_case=True).to_numpy(zero_copy_only=False), dtype=bool)
    if sci.any():
        at = np.flatnonzero(sci)
        sci[at] = np.asarray(pc.match_substring_regex(arr.take(pa.array(at)), _ID_SCI)
                             .to_numpy(zero_copy_only=False), dtype=bool)
    keep = pa.array(plain_or_empty & ~empty & ~sci)
    if not (sci.any() or odd.any()):  # all plain or empty: the text stays in Arrow
        return (pd.Series(pd.array(pc.if_else(keep, arr, pa.scalar(None, arr.type)), dtype="str"),
                          index=s.index),
                pd.Series(np.zeros(len(s), dtype=bool), index=s.index),
                _id_reason(what))
    if odd.any() and not sci.any():  # wrapped ids (="123", \t123): unwrapped as a column
        return _clean_id_unwrapping(s, what)
    out = pd.Series(pc.if_else(keep, arr, pa.scalar(None, arr.type)).to_numpy(
        zero_copy_only=False) if len(s) else np.array([], dtype=object), index=s.index,
        dtype=object)
    out, bad, reason = _merge(s, ~sci, out, lambda x: _clean_id_careful(x, what))
    if odd.any():
        o2, b2, _ = _clean_id_unwrapping(s[odd], what)
        out = out.copy()
        out[odd] = o2.to_numpy()
        bad = bad.to_numpy(dtype=bool).copy()
        bad[odd] = b2.to_numpy(dtype=bool)
        bad = pd.Series(bad, index=s.index)
    return out, bad, reason or _id_reason(what)


def _clean_id_unwrapping(s: pd.Series, what: str = "id") -> Result:
    """:func:`clean_id` of a column with wrapped (``="123"``, ``\\t123``) or odd values."""
    t, simple = _split(s, _ID_PLAIN, _ID_UNWRAP)
    import pyarrow as pa
    import pyarrow.compute as pc
    sci = np.asarray(pc.match_substring_regex(_pa_array(t), _ID_SCI)
                     .to_numpy(zero_copy_only=False), dtype=bool)
    simple &= ~sci
    if simple.all():  # every value plain once unwrapped: the text stays in Arrow
        arr = _pa_array(t)
        return (pd.Series(pd.array(pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr),
                                   dtype="str"), index=s.index),
                pd.Series(np.zeros(len(s), dtype=bool), index=s.index),
                _id_reason(what))
    vals = t.astype(object).to_numpy()
    out = pd.Series(np.where(simple & (vals != ""), vals, None), index=s.index, dtype=object)
    out, bad, reason = _merge(s, simple, out, lambda x: _clean_id_careful(x, what))
    return out, bad, reason or _id_reason(what)


def clean_money_fen(s: pd.Series) -> Result:
    """Money text in yuan -> integer fen (see :func:`_clean_money_fen_careful`)."""
    t, simple = _split(s, _MONEY_PLAIN, (
        (r"^[¥￥]([0-9]{1,13}(\.[0-9]{1,2})?)$", r"\1"),))
    import pyarrow as pa
    import pyarrow.compute as pc
    filled = simple & (t != "").to_numpy(dtype=bool)
    # plain yuan text -> float (Arrow's parser, correctly rounded like Python's) -> fen;
    # at most 13 + 2 digits, so x100 rounds back to the exact integer
    arr = pc.if_else(pa.array(filled), _pa_array(t), pa.scalar(None, pa.string()))
    num = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    out = pd.Series(pd.array(np.round(num * 100), dtype="Float64"), index=s.index).astype(
        "Int64")
    out, bad, why = _merge(s, simple, out, _clean_money_fen_careful)
    return out, bad, _with_rows(MONEY_REASON, why)


def clean_ts(s: pd.Series) -> Result:
    """Date-times in mixed formats -> naive Beijing timestamps (see
    :func:`_clean_ts_careful`)."""
    done = _clean_ts_plain(s)
    if done is not None:
        return done
    t, simple = _split(s, _TS_PLAIN)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    filled = simple & (t != "").to_numpy(dtype=bool)
    bad_fast = np.zeros(len(s), dtype=bool)
    if filled.any():
        import pyarrow as pa
        import pyarrow.compute as pc
        try:  # Arrow's ISO parser: all valid, or it raises (e.g. 2025-02-30, 23:59:60)
            arr = pc.if_else(pa.array(filled), _pa_array(t), pa.scalar(None, pa.string()))
            out = pd.Series(pc.cast(arr, pa.timestamp("us")).to_numpy(zero_copy_only=False),
                            index=s.index).astype("datetime64[us]")
        except pa.ArrowInvalid:  # pandas' rules decide each value
            v = pd.to_datetime(t[filled], errors="coerce", format="%Y-%m-%d %H:%M:%S")
            frac = v.isna() & _b(t[filled].str.contains(".", regex=False))
            if frac.any():  # with a fraction of a second
                v[frac] = pd.to_datetime(t[filled][frac], errors="coerce",
                                         format="%Y-%m-%d %H:%M:%S.%f")
            out[filled] = v.astype("datetime64[us]")
            bad_fast[filled] = v.isna().to_numpy()
    out, bad, reason = _merge(s, simple, out, _clean_ts_careful)
    bad = bad | bad_fast
    return out, bad, "is not a date-time (e.g. 2025-06-18 10:00:00)"
