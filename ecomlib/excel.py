"""Report tables to Excel: one sheet per table, written with XlsxWriter.

Every report's workbook is written here, so that they all follow one convention:

* money columns (``*_fen``) become yuan: the value / 100 (exact to the cent for integer
  fen) with the number format ``#,##0.00``; the header says so (see ``headers``);
* ratio columns (``*_rate``, 0..1) keep their value with a percent format ``0.0%``;
* date-times lose their time zone (the warehouse's are Beijing wall-clock time) and get
  ``YYYY-MM-DD HH:MM:SS``; plain dates, and date-time columns whose values are all
  midnights (days), ``YYYY-MM-DD``; a month column (named ``month`` or ``*_month``, every
  value the 1st of its month) ``YYYY-MM``: a month reads 2025-01, never 2025-01-01;
* a missing value (NaN, NaT, None) is an empty cell that keeps its column's format;
  +-inf is written as the text ``inf`` / ``-inf`` (Excel has no infinity);
* every sheet has its header row frozen and an autofilter over its columns, and column
  widths that fit the header and the values (a CJK character counts two);
* with ``lang`` (``zh`` or ``en``) the workbook is in the seller's words: headers are the
  labels of :data:`ecomlib.i18n.LABELS` (money headers end in ``(元)`` / ``(CNY)``),
  booleans read 是/否 (Yes/No), counts (integer columns, and float columns of whole
  numbers with gaps) get ``#,##0`` and other numbers ``#,##0.00``.

XlsxWriter writes about three times as many cells a second as pandas' default openpyxl
writer did (measured on the members report's 100k cells: 4.1 s with ``DataFrame.to_excel``
vs 1.4 s). A workbook of up to :data:`STREAM_ABOVE_CELLS` cells is kept in memory and
written when it closes (shared strings: ~20 % less CPU than row by row); a larger one is
streamed row by row (XlsxWriter's constant-memory mode), so its memory does not grow with
the rows.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0%"
INT_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.00"
DATETIME_FORMAT = "YYYY-MM-DD HH:MM:SS"
DATE_FORMAT = "YYYY-MM-DD"
MONTH_FORMAT = "YYYY-MM"
MAX_SHEET_NAME = 31  # Excel's limit
#: a workbook of more cells than this is written row by row (XlsxWriter's constant_memory:
#: text inline, no table of cells in memory); a smaller one lets XlsxWriter keep its cells
#: and write each distinct text once (shared strings) when it closes: ~20 % less CPU (the
#: members report's workbook at 5M, a 21,666 x 17 win-back list: 4.0 -> 3.2 CPU-s) for about
#: 120 bytes of memory a cell (+45 MB there)
STREAM_ABOVE_CELLS = 1_000_000


#: first characters that make a spreadsheet read a CSV cell as a formula (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(s: pd.Series) -> pd.Series:
    """Text cells that a spreadsheet would take for a formula (starting with ``= + - @``,
    tab or carriage return) get a leading ``'``, as OWASP recommends for CSV files; other
    values, and columns that are not text, are returned unchanged. For CSV exports: the
    ``.xlsx`` workbooks of :func:`write_tables` store text as text cells, never formulas."""
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return s
    # vectorised: True for a text starting so, False for other text, missing for non-text
    text = s.str.startswith(FORMULA_START).fillna(False).astype(bool)
    if not text.any():
        return s
    out = s.astype(object).copy()
    out[text] = "'" + s[text].astype(str)
    return out


def yuan_header(col) -> str:
    """The default header: the column name, ``*_fen`` renamed ``*_yuan``."""
    c = str(col)
    return c[:-4] + "_yuan" if c.endswith("_fen") else c


def label_header(lang: str = "zh") -> Callable[[object], str]:
    """Headers in ``lang``: the column's label (:func:`ecomlib.i18n.label`), ``(元)`` /
    ``(CNY)`` after a money column's (``*_fen``: its values are yuan)."""
    from . import i18n

    def head(col) -> str:
        lab = i18n.label(col, lang)
        return f"{lab} ({i18n.label('yuan', lang)})" if str(col).endswith("_fen") else lab
    return head


def _display_width(v) -> int:
    """Characters a cell needs: a CJK (wide) character counts two."""
    import unicodedata
    text = v if isinstance(v, str) else (f"{v:,.2f}" if isinstance(v, float) else str(v))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_values(s: pd.Series) -> list:
    """One column's cell values: ``*_fen`` -> yuan (fen / 100), NaN/NaT/None -> None,
    +-inf -> 'inf'/'-inf', time-zone-aware date-times -> their wall-clock time."""
    if str(s.name).endswith("_fen"):
        s = pd.to_numeric(s, errors="coerce") / 100
    elif isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    vals = s.astype(object).where(s.notna(), None).tolist()
    if pd.api.types.is_float_dtype(s.dtype) and np.isinf(s.to_numpy(dtype="float64")).any():
        vals = [("inf" if v > 0 else "-inf") if isinstance(v, float) and math.isinf(v) else v
                for v in vals]
    return vals


def number_format(s: pd.Series) -> str | None:
    """The column's number format (see the module docstring), None for plain cells."""
    name = str(s.name)
    if name.endswith("_rate"):
        return RATE_FORMAT
    if name.endswith("_fen"):
        return MONEY_FORMAT
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        d = s.dropna()
        if isinstance(d.dtype, pd.DatetimeTZDtype):
            d = d.dt.tz_localize(None)
        if not len(d) or not bool((d == d.dt.normalize()).all()):
            return DATETIME_FORMAT
        if (name == "month" or name.endswith("_month")) and bool((d.dt.day == 1).all()):
            return MONTH_FORMAT
        return DATE_FORMAT
    return None


def safe_sheet_name(name: str, taken: set) -> str:
    """An Excel sheet name for ``name``: no ``[]:*?/\\`` characters (replaced by ``_``), no
    leading or trailing quote, at most :data:`MAX_SHEET_NAME` characters, and not in
    ``taken`` (``(2)``, ``(3)`` ... appended within the limit); the name is added to
    ``taken``."""
    import re
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:MAX_SHEET_NAME] or "_"
    out, k = base, 2
    while out in taken:
        tail = f"({k})"
        out, k = base[:MAX_SHEET_NAME - len(tail)] + tail, k + 1
    taken.add(out)
    return out


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path,
                 headers: Callable[[object], str] | None = None,
                 lang: str | None = None) -> Path:
    """Write each table of ``tables`` (sheet name = key, cut to 31 characters) to the .xlsx
    file ``path`` and return it. ``headers(column) -> text`` labels the columns (default:
    :func:`label_header` of ``lang``, or :func:`yuan_header` without a ``lang``); when two
    columns get the same label, the later ones add their column name in brackets. With
    ``lang`` booleans are written 是/否 (Yes/No) and numbers get thousands separators (see
    the module docstring). ``None`` tables are left out; with none left the workbook gets a
    sheet ``empty`` (``无数据`` with ``lang="zh"``) with a note (an Excel file needs one
    sheet)."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if headers is None:
        headers = label_header(lang) if lang else yuan_header
    tables = {k: v for k, v in tables.items() if v is not None}
    if not tables:
        note = "no data for the selected period and scope"
        tables = ({"无数据": pd.DataFrame({"说明": ["所选期间和范围没有数据"]})} if lang == "zh"
                  else {"empty": pd.DataFrame({"note": [note]})})
    yes_no = None
    if lang:
        from . import i18n
        yes_no = (i18n.label("yes", lang), i18n.label("no", lang))
    cells = sum(len(df) * max(len(df.columns), 1) for df in tables.values())
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": cells > STREAM_ABOVE_CELLS,
                                         "default_date_format": DATE_FORMAT,
                                         "strings_to_numbers": False,
                                         "strings_to_formulas": False,
                                         "strings_to_urls": False})
    try:
        formats = {f: wb.add_format({"num_format": f})
                   for f in (MONEY_FORMAT, RATE_FORMAT, DATETIME_FORMAT, DATE_FORMAT,
                             MONTH_FORMAT, INT_FORMAT, NUMBER_FORMAT)}
        head_format = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "bottom": 1})
        for name, df in tables.items():
            ws = wb.add_worksheet(str(name)[:MAX_SHEET_NAME])
            heads, seen = [], {}
            for col in df.columns:
                lab = str(headers(col))
                seen[lab] = seen.get(lab, 0) + 1
                heads.append(lab if seen[lab] == 1 else f"{lab} ({col})")
            cols, fmts = [], []
            for j, col in enumerate(df.columns):
                s = df.iloc[:, j]
                f = number_format(s)
                is_bool = pd.api.types.is_bool_dtype(s.dtype)
                if f is None and lang and not is_bool:
                    if pd.api.types.is_integer_dtype(s.dtype):
                        f = INT_FORMAT
                    elif pd.api.types.is_float_dtype(s.dtype):
                        v = s.to_numpy(dtype="float64")
                        v = v[np.isfinite(v)]  # counts with gaps (NaN) stay counts
                        f = INT_FORMAT if len(v) and bool((v == np.round(v)).all()) \
                            else NUMBER_FORMAT
                fmts.append(formats[f] if f else None)
                vals = column_values(s)
                if yes_no is not None:  # 是/否, not TRUE/FALSE
                    vals = [(yes_no[0] if v else yes_no[1])
                            if isinstance(v, (bool, np.bool_)) else v for v in vals]
                cols.append(vals)
                sample = [v for v in vals[:500] if v is not None]
                if f in (DATE_FORMAT, MONTH_FORMAT):
                    wide = 10
                elif f == DATETIME_FORMAT:
                    wide = 19
                else:
                    wide = max((_display_width(v) for v in sample), default=0)
                    if f == RATE_FORMAT:
                        wide = 7
                    elif f in (MONEY_FORMAT, NUMBER_FORMAT, INT_FORMAT):
                        wide = max((len(f"{float(v):,.2f}") for v in sample
                                    if isinstance(v, (int, float, np.integer, np.floating))
                                    and not isinstance(v, bool)), default=0)
                ws.set_column(j, j, max(8, min(50, max(wide, _display_width(heads[j])) + 2)))
            ws.write_row(0, 0, heads, head_format)
            ws.freeze_panes(1, 0)
            if len(df.columns):
                ws.autofilter(0, 0, max(len(df), 1), len(df.columns) - 1)
            for i, row in enumerate(zip(*cols), start=1):
                for j, v in enumerate(row):
                    f = fmts[j]
                    if v is None:
                        if f is not None:  # an empty cell keeps its column's format
                            ws.write_blank(i, j, None, f)
                    elif isinstance(v, (dt.datetime, dt.date)):
                        ws.write_datetime(i, j, v, f or (formats[DATETIME_FORMAT]
                                                         if isinstance(v, dt.datetime)
                                                         else formats[DATE_FORMAT]))
                    elif isinstance(v, (bool, np.bool_)):
                        ws.write_boolean(i, j, bool(v), f)
                    elif isinstance(v, (int, float, np.integer, np.floating)):
                        ws.write_number(i, j, v, f)
                    else:
                        ws.write_string(i, j, str(v), f)
    finally:
        wb.close()
    return path
