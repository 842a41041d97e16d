"""Formatting for reports: money in yuan, percentages, big numbers, display tables.

The warehouse keeps money as integer fen (1 yuan = 100 fen) and ratios as 0..1; only the
report layer turns them into text, and it does so here so every report reads the same:

    >>> yuan(123450)
    '¥1,234.50'
    >>> pct(0.1234)
    '12.3%'
    >>> wan(123456789)            # 1,234,567.89 yuan
    '¥123.46万'
    >>> wan(123456789, "en")
    '¥1.23M'

Missing values (None, NaN, NaT) show as an em dash ``—`` everywhere.
Rounding is half-up on the exact decimal value (fen are integers, so ``yuan`` is exact).
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

import pandas as pd

from . import i18n

__all__ = ["MISSING", "is_missing", "yuan", "wan", "pct", "integer", "short_number",
           "date", "table", "md", "Sentence", "heading", "Heading"]

#: what a missing value shows as
MISSING = "—"


def is_missing(v) -> bool:
    """True for None, NaN, pd.NA and NaT."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _dec(v) -> Decimal:
    if isinstance(v, Decimal):
        return v
    if isinstance(v, (int,)) or (hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "iu"):
        return Decimal(int(v))
    return Decimal(repr(float(v)))


def _round(d: Decimal, decimals: int) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def yuan(fen, lang: str = "zh", decimals: int = 2) -> str:
    """Money in fen as yuan text: ``yuan(123450) == '¥1,234.50'``, ``yuan(-5) == '-¥0.05'``.

    ``decimals`` digits after the point (0 for whole yuan, rounded half-up). The symbol is
    ¥ in both languages (the amounts are CNY).
    """
    i18n.check_lang(lang)
    if is_missing(fen):
        return MISSING
    d = _round(_dec(fen) / 100, decimals)
    sign = "-" if d < 0 else ""
    return f"{sign}¥{abs(d):,.{decimals}f}"


_UNITS = {"zh": ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万")),
          "en": ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "k"))}


def wan(fen, lang: str = "zh", decimals: int = 2) -> str:
    """Big money in fen, shortened: zh with 万 (10^4) / 亿 (10^8), en with k / M / B.

    ``wan(123456789) == '¥123.46万'`` (1,234,567.89 yuan), ``wan(123456789, 'en') ==
    '¥1.23M'``; amounts below the first unit are whole yuan: ``wan(987600) == '¥9,876'``.
    """
    i18n.check_lang(lang)
    if is_missing(fen):
        return MISSING
    y = _dec(fen) / 100
    sign = "-" if y < 0 else ""
    a = abs(y)
    for size, unit in _UNITS[lang]:
        # pick the unit on the rounded value so 9999.999万 becomes 1.00亿, not 10000.00万
        if _round(a / size, decimals) >= 1 or a >= size:
            return f"{sign}¥{_round(a / size, decimals):,.{decimals}f}{unit}"
    return f"{sign}¥{_round(a, 0):,.0f}"


def short_number(value, lang: str = "zh", decimals: int = 1) -> str:
    """A plain number (e.g. yuan on a chart axis) shortened, trailing zeros dropped.

    zh: ``short_number(1_500_000) == '150万'``, ``short_number(2.5e8) == '2.5亿'``;
    en: ``short_number(1_500_000, 'en') == '1.5M'``, ``short_number(2500, 'en') == '2.5k'``;
    below the first unit: ``short_number(950) == '950'``.
    """
    i18n.check_lang(lang)
    if is_missing(value):
        return MISSING
    d = _dec(value)
    sign = "-" if d < 0 else ""
    a = abs(d)
    for size, unit in _UNITS[lang]:
        if a >= size:
            return sign + _trim(_round(a / size, decimals)) + unit
    return sign + _trim(_round(a, decimals if a < 10 else 0), thousands=True)


def _trim(d: Decimal, thousands: bool = False) -> str:
    s = f"{d:,f}" if thousands else f"{d:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def pct(rate, decimals: int = 1) -> str:
    """A 0..1 ratio as a percentage: ``pct(0.1234) == '12.3%'``; NaN/None -> '—'."""
    if is_missing(rate):
        return MISSING
    f = float(rate)
    if math.isinf(f):
        return MISSING
    return f"{_round(_dec(f) * 100, decimals):.{decimals}f}%"


def integer(n) -> str:
    """A count with thousands separators: ``integer(1234) == '1,234'``; NaN -> '—'."""
    if is_missing(n):
        return MISSING
    return f"{_round(_dec(n), 0):,.0f}"


def date(v, with_time: bool | None = None) -> str:
    """A date or timestamp as ``2025-06-18`` (or ``2025-06-18 09:30`` when it has a time)."""
    if is_missing(v):
        return MISSING
    ts = pd.Timestamp(v)
    if with_time is None:
        with_time = ts != ts.normalize()
    return ts.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def _is_bool(s: pd.Series) -> bool:
    """A column of booleans (a bool dtype, or objects that are all True/False/missing)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return True
    if not pd.api.types.is_object_dtype(s.dtype):
        return False
    vals = [v for v in s if not is_missing(v)]
    return bool(vals) and all(type(v).__name__ in ("bool", "bool_") for v in vals)


#: columns whose values are codes shown through :func:`ecomlib.i18n.label`
TRANSLATED_COLUMNS = ("platform", "table", "table_name", "status")


def table(df: pd.DataFrame, lang: str = "zh", money_cols: Sequence[str] | None = None,
          pct_cols: Sequence[str] | None = None, int_cols: Sequence[str] | None = None,
          translate_cols: Iterable[str] | None = None, big_money: bool = False,
          style: bool = False):
    """A display copy of ``df``: labelled headers and formatted values (the input is unchanged).

    Parameters
    ----------
    df : frame with canonical column names.
    lang : ``zh`` or ``en``; headers come from :func:`ecomlib.i18n.label`.
    money_cols : columns in fen shown as yuan (default: every column ending in ``_fen``).
    pct_cols : 0..1 ratios shown as percentages (default: columns ending in ``_rate``).
    int_cols : counts shown with thousands separators (default: the other integer columns).
    translate_cols : columns whose values are codes to label (default: platform, table,
        table_name, status), e.g. ``tmall`` -> 天猫.
    big_money : money as :func:`wan` (¥123.46万) instead of :func:`yuan` (¥1,234,567.89).
    style : return a pandas ``Styler`` with the index hidden and numbers right-aligned
        (what notebooks display); otherwise a frame of strings with a fresh 0..n-1 index.

    Dates print as ``YYYY-MM-DD``, timestamps as ``YYYY-MM-DD HH:MM``; booleans as 是/否
    (Yes/No); missing values as —.
    """
    i18n.check_lang(lang)
    cols = list(df.columns)

    def pick(given, default):
        chosen = list(default) if given is None else list(given)
        unknown = [c for c in chosen if c not in cols]
        if unknown:
            raise KeyError(f"fmt.table: column(s) {unknown} not in the frame; columns: {cols}")
        return chosen

    money = pick(money_cols, [c for c in cols if str(c).endswith("_fen")])
    pcts = pick(pct_cols, [c for c in cols if str(c).endswith("_rate")])
    ints = pick(int_cols, [c for c in cols if c not in money and c not in pcts
                           and pd.api.types.is_integer_dtype(df[c].dtype)
                           and not pd.api.types.is_bool_dtype(df[c].dtype)])
    trans = [c for c in (TRANSLATED_COLUMNS if translate_cols is None else translate_cols)
             if c in cols]
    money_fn = (lambda v: wan(v, lang)) if big_money else (lambda v: yuan(v, lang))
    out = {}
    for c in cols:
        s = df[c]
        if c in money:
            vals = [money_fn(v) for v in s]
        elif c in pcts:
            vals = [pct(v) for v in s]
        elif c in ints:
            vals = [integer(v) for v in s]
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            nn = s.dropna()
            with_time = bool(len(nn)) and bool((nn != nn.dt.normalize()).any())
            vals = [date(v, with_time) for v in s]
        elif _is_bool(s):  # 是/否 (Yes/No), never True/False
            vals = [MISSING if is_missing(v) else i18n.label("yes" if v else "no", lang)
                    for v in s]
        elif c in trans:
            vals = [MISSING if is_missing(v) else i18n.label(v, lang) for v in s]
        elif pd.api.types.is_float_dtype(s.dtype):
            vals = [MISSING if is_missing(v) else f"{float(v):,.2f}" for v in s]
        else:
            vals = [MISSING if is_missing(v) else str(v) for v in s]
        out[c] = vals
    frame = pd.DataFrame(out, columns=cols, index=pd.RangeIndex(len(df)), dtype=object)
    numeric = [c for c in cols if c in money or c in pcts or c in ints]
    headers = [i18n.label(c, lang) for c in cols]
    # duplicate labels (e.g. table and table_name both shown) would break a Styler
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            headers[i] = f"{h} ({cols[i]})"
    frame.columns = headers
    if not style:
        return frame
    right = [h for h, c in zip(headers, cols) if c in numeric]
    left = [h for h in headers if h not in right]
    # every cell and header is text from the data (shop names, titles, nicknames ...):
    # escaped, so a value such as <img onerror=...> shows as text and never becomes markup
    st = (frame.style.format(escape="html").format_index(escape="html", axis=1)
          .hide(axis="index"))
    if right:
        st = st.set_properties(subset=right, **{"text-align": "right",
                                                "font-variant-numeric": "tabular-nums"})
    if left:  # notebook CSS right-aligns every cell; text reads better left-aligned
        st = st.set_properties(subset=left, **{"text-align": "left"})
    heads = [{"selector": f"th.col_heading.col{i}",
              "props": [("text-align", "right" if c in numeric else "left")]}
             for i, c in enumerate(cols)]
    st = st.set_table_styles([
        {"selector": "th", "props": [("white-space", "nowrap")]},
        {"selector": "td", "props": [("padding", "2px 10px")]},
        *heads,
    ], overwrite=False)
    return st


class Sentence:
    """A report sentence: shows as escaped HTML in notebooks and reports (see :func:`md`).

    ``data`` is the text; ``_repr_html_`` renders it with :func:`ecomlib.safe_html.markdown_html`
    (only ``**bold**`` and ```code``` are markup, everything else is text). No
    ``text/markdown`` output is offered, so no Markdown renderer ever sees raw data values.
    """

    def __init__(self, data: str):
        self.data = str(data)

    def _repr_html_(self) -> str:
        from .safe_html import markdown_html
        return markdown_html(self.data)

    def __repr__(self) -> str:
        return self.data

    def __str__(self) -> str:
        return self.data


def md(zh: str, en: str | None = None, lang: str = "zh") -> Sentence:
    """A report sentence in ``lang`` (``en`` falls back to ``zh``), for ``display()``.

    Notebooks put data values (shop names, sources, streamer nicknames ...) into these
    sentences with f-strings, so the sentence is treated as text: HTML is escaped and only
    ``**bold**`` and ```code``` are rendered (no links, images or raw HTML), in the notebook
    and in the HTML report alike.
    """
    i18n.check_lang(lang)
    return Sentence(en if (lang == "en" and en) else zh)


class Heading:
    """A report heading written at run time (a title with its period, a section in the
    report's language): escaped text in ``<h1>``..``<h4>``, with an ``id`` for links from
    the summary (``#reorder``). The runner takes the page ``<title>`` from the first
    ``<h1>`` (:func:`ecomlib.runner._report_title`)."""

    def __init__(self, text: str, level: int = 2, anchor: str | None = None):
        if level not in (1, 2, 3, 4):
            raise ValueError(f"fmt.heading: level must be 1..4; got {level!r}")
        self.data, self.level, self.anchor = str(text), level, anchor

    def _repr_html_(self) -> str:
        from .safe_html import escape
        ident = f' id="{escape(self.anchor)}"' if self.anchor else ""
        return f"<h{self.level}{ident}>{escape(self.data)}</h{self.level}>"

    def __repr__(self) -> str:
        return self.data


def heading(zh: str, en: str | None = None, lang: str = "zh", level: int = 2,
            anchor: str | None = None) -> Heading:
    """A heading in ``lang`` (``en`` falls back to ``zh``) for ``display()``: one language
    per report, never both in one heading. ``anchor`` gives it an ``id`` to link to."""
    i18n.check_lang(lang)
    return Heading(en if (lang == "en" and en) else zh, level, anchor)
