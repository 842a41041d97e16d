"""Report tables to Excel: one sheet per table, streamed row by row with XlsxWriter.

Every report's workbook is written here, so that they all follow one convention:

* money columns (``*_fen``) become yuan: the value / 100 (exact to the cent for integer
  fen) with the number format ``#,##0.00``; the header says so (see ``headers``);
* ratio columns (``*_rate``, 0..1) keep their value with a percent format ``0.0%``;
* date-times lose their time zone (the warehouse's are Beijing wall-clock time) and get
  ``YYYY-MM-DD HH:MM:SS``; plain dates ``YYYY-MM-DD``;
* a missing value (NaN, NaT, None) is an empty cell that keeps its column's format;
  +-inf is written as the text ``inf`` / ``-inf`` (Excel has no infinity).

XlsxWriter in its constant-memory mode writes about three times as many cells a second as
pandas' default openpyxl writer did (measured on the members report's 100k cells: 4.1 s
with ``DataFrame.to_excel`` vs 1.4 s), and its memory does not grow with the rows.
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
DATETIME_FORMAT = "YYYY-MM-DD HH:MM:SS"
DATE_FORMAT = "YYYY-MM-DD"
MAX_SHEET_NAME = 31  # Excel's limit


#: first characters that make a spreadsheet read a CSV cell as a formula (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(s: pd.Series) -> pd.Series:
    """Text cells that a spreadsheet would take for a formula (starting with ``= + - @``,
    tab or carriage return) get a leading ``'``, as OWASP recommends for CSV files; other
    values, and columns that are not text, are returned unchanged. For CSV exports: the
    ``.xlsx`` workbooks of :func:`write_tables` store text as text cells, never formulas."""
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return s
    text = s.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).astype(bool)
    if not text.any():
        return s
    out = s.astype(object).copy()
    out[text] = "'" + s[text].astype(str)
    return out


def yuan_header(col) -> str:
    """The default header: the column name, ``*_fen`` renamed ``*_yuan``."""
    c = str(col)
    return c[:-4] + "_yuan" if c.endswith("_fen") else c


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
        return DATETIME_FORMAT
    return None


def write_tables(tables: dict[str, pd.DataFrame], path: str | Path,
                 headers: Callable[[object], str] = yuan_header) -> Path:
    """Write each table of ``tables`` (sheet name = key, cut to 31 characters) to the .xlsx
    file ``path`` and return it. ``headers(column) -> text`` labels the columns (default
    :func:`yuan_header`); when two columns get the same label, the later ones add their
    column name in brackets. ``None`` tables are left out; with none left the workbook
    gets a sheet ``empty`` with a note (an Excel file needs one sheet)."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = {k: v for k, v in tables.items() if v is not None}
    if not tables:
        tables = {"empty": pd.DataFrame({"note": ["no data for the selected period and scope"]})}
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                         "default_date_format": DATE_FORMAT,
                                         "strings_to_numbers": False,
                                         "strings_to_formulas": False,
                                         "strings_to_urls": False})
    try:
        formats = {f: wb.add_format({"num_format": f})
                   for f in (MONEY_FORMAT, RATE_FORMAT, DATETIME_FORMAT, DATE_FORMAT)}
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
                fmts.append(formats[f] if (f := number_format(s)) else None)
                cols.append(column_values(s))
                ws.set_column(j, j, max(10, min(40, len(heads[j]) * 2)))
            ws.write_row(0, 0, heads)
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
