"""Source formats: how an export file becomes canonical rows.

A small registry in the manner of papermill's I/O handlers: each format registers a
:class:`Source` that says how it recognises a header (:meth:`Source.detect`) and how it maps
the file's rows to one or more canonical tables (:meth:`Source.to_canonical`). ``ecom ingest``
only asks the registry (:func:`detect_source`); ``--format`` overrides detection.

Reading is shared by every format (:func:`read_file`): the encoding is detected from the
bytes (UTF-8, UTF-8 with BOM, GB18030/GBK), CSV rows with the wrong number of fields become
structural problems with their row number instead of an exception, blank rows are counted
and skipped, and every value is kept as text so that nothing is rounded before validation.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

# a free-text cell (a buyer message) may be long: up to 128 MB instead of csv's 128 KB
csv.field_size_limit(1 << 27)

__all__ = [
    "RawFile", "Piece", "Source", "register", "get_source", "detect_source", "read_file",
    "SOURCES", "SourceError",
]


class SourceError(ValueError):
    """A file that cannot be read as any known format (the message names the file)."""


@dataclass
class RawFile:
    """One sheet of an input file, all values as text.

    ``frame`` has the header's column names; ``row_numbers`` gives each row's line number in
    the file as a spreadsheet shows it (header row = its own number, first data row after
    it); ``problems`` lists rows that could not be split into the header's columns:
    ``(row_number, reason, raw_text)``.
    """

    path: Path
    sheet: str | None
    frame: pd.DataFrame
    row_numbers: pd.Series
    encoding: str
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    blank_rows: int = 0
    #: header names that appear more than once (the later ones renamed "name (2)", ...)
    duplicate_columns: list[str] = field(default_factory=list)

    def check_duplicates(self, used: list[str]) -> None:
        """Refuse the file when a column a format reads (``used``) appears twice: which one
        holds the data cannot be told. Unused duplicated columns are harmless."""
        clash = [c for c in self.duplicate_columns if norm_header(c) in
                 {norm_header(u) for u in used}]
        if clash:
            raise SourceError(f"{self.label}: column(s) {', '.join(clash)} appear more than "
                              "once in the header; which one holds the data cannot be told: "
                              "remove or rename the extra one and load the file again")

    @property
    def label(self) -> str:
        return f"{self.path}" + (f" [{self.sheet}]" if self.sheet else "")

    @property
    def rows_in(self) -> int:
        """Data rows in the file: parsed rows plus rows with structural problems."""
        return len(self.frame) + len(self.problems)


@dataclass
class Piece:
    """Rows of one canonical table cut from a file, plus rows already known to be bad."""

    table: str
    frame: pd.DataFrame
    row_numbers: pd.Series
    rejected: pd.DataFrame | None = None  # row_number, column, reason, raw
    missing_ok: tuple[str, ...] = ()
    #: True when ``frame`` already is the output of :func:`ecomlib.schema.validate` (typed,
    #: the table's columns in order, every row good; text may be pandas' Arrow-backed
    #: ``str`` dtype): the warehouse then loads it as it is instead of checking the same
    #: rows again
    validated: bool = False
    #: (platform, shop_id, order_id) of orders the file holds whole: the warehouse replaces
    #: their set of lines with this piece's (see ``FormatSpec.replaces_lines``)
    replace_orders: pd.DataFrame | None = None


class Source:
    """Base class of a source format. Subclasses set ``name`` and ``description``."""

    name = "base"
    description = ""

    def detect(self, header: list[str], path: Path) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def to_canonical(self, raw: RawFile, ctx: dict) -> list[Piece]:  # pragma: no cover
        raise NotImplementedError

    def hint(self, header: list[str], path: Path) -> str | None:
        """Why a header that looks close to this format was not accepted (or None)."""
        return None

    def header_names(self) -> set[str]:
        """Column names this format knows (normalised, see :func:`norm_header`): what header
        detection looks for, and the only header cells a message may quote."""
        return set()


SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    SOURCES[source.name] = source
    return source


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise SourceError(f"unknown format {name!r}; known formats: {', '.join(SOURCES)}") from None


_HEADER_ZERO_WIDTH = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


def norm_header(h) -> str:
    """A header cell compared without spaces, tabs, zero-width characters (anywhere: BOM,
    U+200B-U+200D, U+2060) or full-width brackets (``（单位）`` = ``(单位)``)."""
    return (str(h).translate(_HEADER_ZERO_WIDTH).strip().strip("\t ").replace("（", "(")
            .replace("）", ")").replace(" ", ""))


def known_header_names() -> set[str]:
    """Every column name a registered format knows (normalised)."""
    names: set[str] = set()
    for src in SOURCES.values():
        names |= src.header_names()
    return names


def describe_header(header: list[str]) -> str:
    """A header described by its shape, for messages: how many columns and which of them
    are names the workbench knows. The other cells are never quoted: a file without a
    header row (a buyer list dropped in by mistake) has personal data where names belong."""
    vocab = known_header_names()
    known = [norm_header(h) for h in header if norm_header(h) in vocab]
    others = len([h for h in header if str(h).strip()]) - len(known)
    text = f"{len(header)} column(s)"
    if known:
        text += f"; known names: {', '.join(dict.fromkeys(known[:12]))}" + \
            (" ..." if len(known) > 12 else "")
    else:
        text += "; none of them a column name the workbench knows"
    if others and known:
        text += f"; {others} other name(s) not shown"
    return text


def detect_source(raw: RawFile) -> Source:
    """The first registered format whose ``detect`` accepts the header, else SourceError
    (which describes the header by its shape, never by its cells)."""
    header = [str(c) for c in raw.frame.columns]
    for src in SOURCES.values():
        if src.detect(header, raw.path):
            return src
    hints = [h for src in SOURCES.values() if (h := src.hint(header, raw.path))]
    if hints:
        raise SourceError(f"{raw.label}: {hints[0]}")
    raise SourceError(
        f"{raw.label}: header not recognised as any known format ({describe_header(header)}). "
        "The file may lack its header row, or come from an export not taught yet (a "
        "*.mapping.yaml teaches one); use --format to choose a format.")


# ----------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------
def detect_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, text) of a CSV's bytes (see :func:`decode_bytes`)."""
    encoding, text, _ = decode_bytes(data)
    return encoding, text


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the first bytes look like UTF-16 text without a BOM
    (every other byte zero, as ASCII in UTF-16 is), else None."""
    h = head[:400]
    if len(h) < 8:
        return None
    even, odd = h[0::2], h[1::2]
    if odd.count(0) >= 0.4 * len(odd) and even.count(0) <= 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and odd.count(0) <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(data: bytes) -> tuple[str, str, int]:
    """(encoding, text, damaged) of a text export's bytes: UTF-8 with or without BOM, UTF-16
    (Excel's "Unicode text", with or without BOM), else GB18030 (GBK's superset), else what
    charset-normalizer finds.

    ``damaged`` counts bytes that are not valid in the chosen encoding (a damaged or cut-off
    file): they become U+FFFD and the records holding them are rejected one by one, so one
    bad byte costs one row, in GBK as in UTF-8. Of UTF-8 and GB18030 the one with fewer
    invalid sequences wins (UTF-8 on a tie), if they are few (at most 3, or one per 1,000
    lines): text in one of them read as the other fails on nearly every Chinese character.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode_counting(data[3:], "utf-8", "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_counting(data, "utf-16", "utf-16")
    bare16 = _utf16_without_bom(data)
    if bare16:
        return _decode_counting(data, bare16, bare16)
    # the first MB's lines (a line feed ends any UTF-8 sequence, so they decode as they do
    # in the whole file): a GBK export fails there, and neither UTF-8 attempt below need
    # go through the whole file (a failed decode copies it into its exception)
    start = data[:data.rfind(b"\n", 0, 1 << 20) + 1]
    try:
        start.decode("utf-8")
        return "utf-8", data.decode("utf-8"), 0
    except UnicodeDecodeError:
        pass
    lines = data.count(b"\n") + 1
    allowed = max(3, lines // 1000)
    # counted only up to ``allowed + 1``: beyond that UTF-8 cannot win, and a GBK file read
    # as UTF-8 has an invalid sequence every few bytes (27M at 2M order lines: 6 s of
    # error callbacks and a text the size of the file, thrown away); more than that in the
    # first MB's lines are more than that in the file
    as_utf8 = _decode_counting(start, "utf-8", "utf-8", limit=allowed) if start else None
    if as_utf8 is None or as_utf8[2] <= allowed:
        as_utf8 = _decode_counting(data, "utf-8", "utf-8", limit=allowed)
    if as_utf8[2] > allowed:  # (then it is hardly UTF-8: GB18030 is tried whole)
        as_gbk = _decode_counting(data, "gb18030", "gb18030")
    else:
        try:
            as_gbk = ("gb18030", data.decode("gb18030"), 0)
        except UnicodeDecodeError:
            as_gbk = ("gb18030", "", allowed + 1)
    best = min((as_utf8, as_gbk), key=lambda x: x[2])  # fewer invalid bytes; UTF-8 on a tie
    if best[2] <= allowed:
        return best
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    if best is None:
        raise SourceError("cannot decode the file as UTF-8, UTF-16 or GB18030/GBK: it may not "
                          "be a text export")
    return best.encoding, str(best), 0


class _TooManyInvalid(Exception):
    pass


def _decode_counting(data: bytes, codec: str, name: str,
                     limit: int | None = None) -> tuple[str, str, int]:
    """Decode with every invalid byte sequence replaced by U+FFFD, counting them. With
    ``limit``: once more than ``limit`` are found, decoding stops and ``(name, "", limit +
    1)`` is returned (the text of such a decoding is never used)."""
    count = [0]

    def on_error(e: UnicodeDecodeError):
        count[0] += 1
        if limit is not None and count[0] > limit:
            raise _TooManyInvalid
        return "\ufffd", e.end
    import codecs
    handler = f"ecomlib-count-{id(count)}"
    codecs.register_error(handler, on_error)
    try:
        text = data.decode(codec, errors=handler)
    except _TooManyInvalid:
        return name, "", limit + 1
    return name, text, count[0]


def _find_header(rows: list[list[str]], max_scan: int = 10) -> int:
    """Index of the header row among the first ``max_scan`` rows: the first row holding the
    most column names some format knows (at least 2), so a data row never wins over the
    header (not even a row with more cells); when no row holds 2 known names, the first of
    the rows with the most non-empty cells.

    Platform exports sometimes put a title row ("订单报表 2025-06-01") above the header.
    """
    vocab = known_header_names()
    scores = [sum(1 for v in r if v is not None and norm_header(v) in vocab)
              for r in rows[:max_scan]]
    if scores and max(scores) >= 2:
        return scores.index(max(scores))
    best, best_n = 0, -1
    for i, r in enumerate(rows[:max_scan]):
        n = sum(1 for v in r if str(v).strip())
        if n > best_n:
            best, best_n = i, n
    return best


_LINE_END = re.compile(r"\r\n|\n|\r")


def _csv_records(text: str, delim: str, first_line: int = 1) -> tuple[list[list[str]], list[int]]:
    """The CSV records of ``text`` and the physical line each starts on (``first_line`` =
    the line number of the text's first line)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows, lines, prev = [], [], 0
    for r in reader:
        rows.append(r)
        lines.append(first_line + prev)
        prev = reader.line_num
    return rows, lines


def _physical_lines(text: str) -> list[str]:
    """The text's lines with their line ends, split where the csv module ends a line."""
    out, pos = [], 0
    for m in _LINE_END.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _repair_quotes(text: str, delim: str, rows: list[list[str]], lines: list[int], h: int,
                   width: int) -> tuple[list[list[str]], list[int], dict[int, str]]:
    """Records after the header whose opening quote is never closed: a quote left open at the
    end of the file, or one that swallowed the lines after it (lines that read as rows of
    the header's width on their own). Such a record costs only its own line: it becomes a
    problem record (its text is not kept) and parsing resumes at the next line, so the rows
    it swallowed load. Returns ``(rows, lines, broken)`` with ``broken`` = {record index:
    reason}. A quoted line break inside a real cell (a buyer message on two lines) stays."""
    phys = None
    out_rows, out_lines, broken = rows[:h + 1], lines[:h + 1], {}
    i = h + 1
    while i < len(rows):
        start = lines[i]
        end = lines[i + 1] if i + 1 < len(rows) else None  # first line of the next record
        spans = end is None or end - start > 1
        if not spans:
            out_rows.append(rows[i])
            out_lines.append(start)
            i += 1
            continue
        if phys is None:
            phys = _physical_lines(text)
        span = phys[start - 1:(end - 1) if end else len(phys)]
        rec = "".join(span)
        try:
            list(csv.reader(io.StringIO(rec, newline=""), delimiter=delim, strict=True))
            unclosed = False
        except csv.Error:
            unclosed = True
        swallowed = False
        if not unclosed and len(span) > 1 and width:
            whole = sum(len(next(csv.reader([ln.rstrip("\r\n")], delimiter=delim), [])) >= width
                        for ln in span[1:])
            swallowed = whole >= 1 and 2 * whole >= len(span) - 1
        if not (unclosed or swallowed):
            out_rows.append(rows[i])
            out_lines.append(start)
            i += 1
            continue
        # the broken record is its first line alone; the lines after it are read again
        broken[len(out_rows)] = ("a quote (\") opened in this row is never closed"
                                 + (f" and swallowed the {len(span) - 1} line(s) after it"
                                    if len(span) > 1 else ""))
        out_rows.append([None] * 0)  # no text kept: a placeholder record
        out_lines.append(start)
        if len(span) <= 1:
            i += 1
            continue
        rest_rows, rest_lines = _csv_records("".join(phys[start:]), delim, start + 1)
        rows = out_rows + rest_rows  # (indexes of out_rows unchanged)
        lines = out_lines + rest_lines
        i = len(out_rows)
    return out_rows, out_lines, broken


def _unaligned(line: int, row: int, found: int, width: int) -> tuple[int, str, str]:
    """A structural problem: a record that cannot be aligned to the header. Its text is not
    kept (a shifted row puts personal data under any column name); the reason says which
    line of the seller's own file to open."""
    return _problem(line, row, f"row has {found} fields, header has {width}"
                    + (" (file may be cut off)" if found < width else ""),
                    {"line": line, "fields": found, "header_fields": width})


def _problem(line: int, row: int, what: str, shape: dict) -> tuple[int, str, str]:
    import json
    where = f"line {line}" + (f" (spreadsheet row {row})" if row != line else "")
    return row, (f"{what}; the row's text is not kept (it may hold personal data): open "
                 f"{where} of the file to fix it"), json.dumps(shape)


def _frame_from_rows(path: Path, sheet: str | None, rows: list[list], encoding: str,
                     lines: list[int] | None = None, broken: dict[int, str] | None = None
                     ) -> RawFile:
    """``lines``: the physical line each record starts on (CSV; a quoted line break makes
    it differ from the record number), for messages that send the seller to a line.
    ``broken``: records (by index) that are problems already, with the reason (an unclosed
    quote, see :func:`_repair_quotes`)."""
    if not rows:
        raise SourceError(f"{path}: the file is empty (no header row)")
    h = _find_header(rows)
    header = [str(v).strip() if v is not None else "" for v in rows[h]]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise SourceError(f"{path}: no header row found")
    dups = sorted({c for c in header if c and header.count(c) > 1})
    if dups:  # "name (2)", ...: fine for columns no format uses (a format that maps one of
        seen: dict[str, int] = {}  # them refuses the file, see duplicate_columns)
        for k, c in enumerate(header):
            if c in dups:
                seen[c] = seen.get(c, 0) + 1
                if seen[c] > 1:
                    header[k] = f"{c} ({seen[c]})"
    width = len(header)
    good, numbers, problems, blank = [], [], [], 0
    for i, r in enumerate(rows[h + 1:], start=h + 2):
        if broken and (i - 1) in broken:
            line = lines[i - 1] if lines else i
            problems.append(_problem(line, i, broken[i - 1], {"line": line}))
            continue
        cells = ["" if v is None else str(v) for v in r]
        if not any(c.strip() for c in cells):
            blank += 1
            continue
        # trailing empty cells beyond the header are harmless (Excel pads rows)
        while len(cells) > width and cells[-1].strip() == "":
            cells.pop()
        if len(cells) != width:
            problems.append(_unaligned(lines[i - 1] if lines else i, i, len(cells), width))
            continue
        good.append(cells)
        numbers.append(i)
    frame = pd.DataFrame(good, columns=header, dtype=object) if good else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in header})
    return RawFile(path, sheet, frame, pd.Series(numbers, dtype="int64"), encoding, problems, blank,
                   dups)


# Python's str.isspace() set, for RE2 (pyarrow): a row of only these is a blank row
_BLANK_RE = r"^[\pZ\t\n\x0b\f\r\x1c-\x1f\x85]*$"


def _blank_cells(column):
    """Arrow booleans: the cell is empty or only whitespace (``not cell.strip()``), the same
    as matching :data:`_BLANK_RE`: Arrow's ``utf8_is_space`` agrees with ``str.isspace`` on
    every code point, and is several times faster than the regex."""
    import pyarrow.compute as pc
    return pc.or_(pc.equal(column, ""), pc.utf8_is_space(column))


def _lone_cr(crs: str | bytes) -> bool:
    """True when a CR is not followed by LF (``count("\\r") != count("\\r\\n")``); on bytes
    one vectorised pass instead of two substring counts, :data:`_FILE_BLOCK` bytes at a
    time (a whole GBK export's UTF-8 at once made a mask and a list of positions the size
    of the file: ~1 s for 360 MB instead of 0.1)."""
    if crs is None or not crs:
        return False
    if isinstance(crs, str):
        return "\r" in crs and crs.count("\r") != crs.count("\r\n")
    if b"\r" not in crs:
        return False
    a = np.frombuffer(crs, dtype=np.uint8)
    for start in range(0, len(a), _FILE_BLOCK):
        pos = np.flatnonzero(a[start:start + _FILE_BLOCK] == 13) + start
        if len(pos) and (pos[-1] == len(a) - 1 or (a[pos + 1] != 10).any()):
            return True
    return False


_HEAD_CHARS = 65536  # the text in which the fast path looks for the header (11 records)


def _utf8_head(data: bytes, size: int | None = None,
               end: bytes | None = None) -> tuple[str, str, bool] | None:
    """(encoding, text, truncated) of the start of a file that looks like UTF-8: at least
    its first :data:`_HEAD_CHARS` characters decoded (the whole file when it is short),
    without decoding the rest. None when the start is not UTF-8 (or a cut-off file's
    broken tail is in it): the caller then decodes the whole file. ``data`` may be the
    file's first ``4 * _HEAD_CHARS + 3`` bytes only, with ``size`` its length and ``end``
    its last 8 bytes."""
    size = len(data) if size is None else size
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if not start and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    chunk = data[start:start + 4 * _HEAD_CHARS]  # >= _HEAD_CHARS characters if there are
    truncated = start + len(chunk) < size
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as e:
        # a character cut by the chunk's end only: the decoded prefix is the head
        if not truncated or e.start < len(chunk) - 3 or e.reason != "unexpected end of data":
            return None
        text = chunk[:e.start].decode("utf-8")
    if truncated:  # a half-written file ends inside a character: decoded whole instead
        tail = (data[-8:] if end is None else end[-8:]).lstrip(
            bytes(range(0x80, 0xC0)))  # from a character's first byte
        try:
            tail.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return ("utf-8-sig" if start else "utf-8"), text, truncated


def _read_csv_fast(path: Path, text: str, delim: str, encoding: str,
                   data: bytes | None = None, head_only: bool = False,
                   in_file: bool = False, columns=None,
                   encoded: bool = False) -> RawFile | str | None:
    """The common case read by pyarrow's CSV parser: every record below the header has the
    raw header row's field count. Returns the same :class:`RawFile` as the careful path
    (:func:`_frame_from_rows`), or None whenever the file needs that path (a record with
    another field count, a header area with quoted line breaks, a stray carriage return,
    non-blank cells beyond the header, ...), which then reads the whole file again.

    ``head_only``: ``text`` is only the start of ``data`` (the file goes on after it), a
    UTF-8 file (see :func:`_utf8_head`) whose bytes go to pyarrow as they are; pyarrow checks them as
    UTF-8, and a file that is not (a cut-off tail, another encoding) gives None. Then any
    other reason for the careful path gives ``"careful"`` instead of None: it does not
    depend on the decoding, so reading the decoded text this way again would be in vain.

    ``in_file`` (with ``head_only``, ``data`` None): the bytes are read from the file at
    ``path`` where they lie, a block at a time (by pyarrow, and by :func:`_file_scan` and
    :func:`_file_tail` for the checks made on ``data`` otherwise): the file's bytes
    are never in memory beside pyarrow's table (they were ~40% of a worker's peak). The
    body's UTF-8 check is then made by :func:`_file_scan` on the bytes (every byte, as
    pyarrow's check of every cell would: a cell boundary never cuts a character).

    ``encoded`` (with ``head_only``): ``data`` is a decoded text encoded again as UTF-8
    (a GBK export), valid by construction: pyarrow does not check it again.

    ``columns``: see :func:`read_file`; the columns it leaves out are not converted by
    pyarrow (most of the read's time is spent making the cells' text). When a row has a
    blank first cell -- a blank row, or a totals row whose first non-empty cell is
    further right -- the file is read again whole: which rows those are depends on the
    columns left out.
    """
    import itertools

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    careful = "careful" if head_only else None  # the file needs the careful path

    # a lone CR: csv's and pyarrow's line ends may differ (counted on the bytes where a CR
    # byte is always a CR character: UTF-8 and GB18030 use no byte below 0x30 in a
    # multi-byte character)
    crs = data if data is not None and encoding in ("utf-8", "utf-8-sig", "gb18030") else text
    # (lone CR, line feeds, size, ends in LF, valid UTF-8)
    scan = _file_scan(path, utf8=True) if in_file else None
    if scan[0] if in_file else _lone_cr(crs):
        return careful
    head = list(itertools.islice(csv.reader(io.StringIO(text[:_HEAD_CHARS], newline=""),
                                            delimiter=delim), 11))
    if len(head) < 2 or (len(head) < 11 and (len(text) > _HEAD_CHARS or head_only)):
        return careful
    h = _find_header(head)
    if h + 1 >= len(head) or any("\n" in v for r in head[: h + 1] for v in r):
        return careful
    pos = 0
    for _ in range(h + 1):  # no quoted line breaks above the data: records = lines
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return careful
    if list(csv.reader(io.StringIO(text[:pos], newline=""), delimiter=delim)) != head[: h + 1]:
        return careful
    raw_header = head[h]
    header = [str(v).strip() for v in raw_header]
    while header and header[-1] == "":
        header.pop()
    if not header or len(set(header)) != len(header):
        return careful  # the careful path raises the right error
    ncols, width = len(raw_header), len(header)
    read = list(range(ncols))  # the columns converted: every one, or those asked for (plus
    if columns is not None:  # the first and any padding beyond the header)
        asked = columns(header)
        if asked is not None:
            read = sorted({0, *range(width, ncols)} | {i for i in asked if 0 <= i < width})
    narrow = len(read) < ncols
    invalid = []

    def on_invalid(row):
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(ncols)]
    if in_file:  # (the bytes of the header lines skipped: the body is read from the file)
        buf, off = None, (3 if encoding == "utf-8-sig" else 0) + len(text[:pos].encode("utf-8"))
    elif head_only or (data is not None and encoding in ("utf-8", "utf-8-sig")
                       and "\ufffd" not in text):
        # the file's own bytes are this very UTF-8 text: no need to encode it again (nor to
        # copy them: the body is read where it lies, ``buf[off:]``)
        buf, off = data, (3 if encoding == "utf-8-sig" else 0) + len(text[:pos].encode("utf-8"))
    else:  # (the whole text encoded: a slice of it first would be one more copy)
        buf, off = text.encode("utf-8"), len(text[:pos].encode("utf-8"))
    if in_file and not scan[4]:  # not UTF-8 after all: what pyarrow's check would say
        return None
    if in_file:
        body = pa.input_stream(str(path))
        body.read(off)
    else:
        body = pa.BufferReader(memoryview(buf)[off:])
    try:
        table = pacsv.read_csv(
            body,
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24,
                                           use_threads=False),  # numbers on invalid rows
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                # large_string is what pandas' str dtype holds: no conversion afterwards
                column_types={n: pa.large_string() for n in names}, null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False,
                include_columns=[names[i] for i in read] if narrow else None,
                # the bytes are valid UTF-8 already (the file's own bytes decoded as
                # UTF-8 in detect_encoding, the decoded text encoded again, or checked by
                # _file_scan), except with head_only on bytes of the file itself, where
                # pyarrow's check is the file's UTF-8 check
                check_utf8=head_only and not in_file and not encoded))
    except (pa.ArrowInvalid, UnicodeError):  # (with head_only: not UTF-8 after all)
        return None
    finally:
        body.close()
    # records with another field count: fine only when blank (",,"), and only when no quoted
    # line break makes line numbers differ from record numbers
    position = np.arange(1, len(table) + 1, dtype="int64")
    # counted on the UTF-8 bytes: a 0x0A byte is always a line feed there. A record spanning
    # lines is a quoted line break, or an unclosed quote that swallowed the lines after it
    # (pyarrow takes both, even a quote left open at the end): the careful path tells them
    # apart (:func:`_repair_quotes`)
    body = (path if in_file else buf), off  # (where the body's lines are, for narrow)
    if in_file:  # (buf: the file's end, from the start of its last line)
        lines = scan[1] - text[:pos].count("\n") + (0 if scan[3] or scan[2] <= off else 1)
        buf, off = _file_tail(path, off), 0
    else:
        lines = buf.count(b"\n", off) + (0 if buf.endswith(b"\n") or len(buf) <= off else 1)
    if lines != len(table) + len(invalid):
        return careful
    # a quote left open in the last line (pyarrow reads it to the end of the file): an odd
    # number of quote characters there (a quoted field has them in pairs)
    end = len(buf)
    while end > off and buf[end - 1] in (10, 13):  # (rstrip of CR and LF)
        end -= 1
    if buf.count(b'"', max(off, buf.rfind(b"\n", off, end) + 1), end) % 2:
        return careful
    if invalid:
        if any(r.number is None for r in invalid):
            return careful
        for r in invalid:
            cells = next(csv.reader([r.text], delimiter=delim), [])
            if any(c.strip() for c in cells):
                return careful
        taken = np.zeros(lines + 1, dtype=bool)
        taken[[r.number for r in invalid]] = True
        position = np.flatnonzero(~taken[1:]) + 1
        if len(position) != len(table):
            return careful
    for i in range(width, ncols):  # padding cells beyond the header must be blank
        if not pc.all(_blank_cells(table.column(read.index(i)))).as_py() in (True, None):
            return careful
    # a blank row has every cell blank: further columns are looked at only while some row
    # is still blank in all the columns before (usually none is after the first)
    blank = _blank_cells(table.column(0))
    if narrow and pc.any(blank).as_py():  # rows whose first cell is blank: see above
        first_empty = pc.equal(table.column(0), "")
        for i in range(1, len(read)):
            if read[i] < width:
                blank = pc.and_(blank, _blank_cells(table.column(i)))
        # a row with something in a column read: not blank; with an empty first cell, a
        # totals row when its first non-empty cell says so, which may be a column not read
        if pc.any(pc.and_(first_empty, pc.invert(blank))).as_py() or not _blank_lines(
                body, position[blank.to_numpy(zero_copy_only=False).astype(bool)], delim):
            del table
            return _read_csv_fast(path, text, delim, encoding, data, head_only, in_file,
                                  encoded=encoded)
    for i in range(1, width if not narrow else 0):
        if not pc.any(blank).as_py():
            break
        blank = pc.and_(blank, _blank_cells(table.column(i)))
    blank_np = blank.to_numpy(zero_copy_only=False).astype(bool) if len(table) else \
        np.zeros(0, dtype=bool)
    keep = ~blank_np
    numbers = (position + h + 1)[keep]
    from .clean import keep_rows
    kept = [i for i in read if i < width]
    table = keep_rows(table.select(list(range(len(kept)))), keep)
    names_kept = [header[i] for i in kept]
    # the text stays in Arrow memory (pandas' str dtype): a column is turned into Python
    # objects only if and when a cleaner needs them, and unmapped columns never are
    frame = pd.DataFrame({c: table.column(i).to_pandas() for i, c in enumerate(names_kept)}) \
        if len(table) else pd.DataFrame({c: pd.Series(dtype=object) for c in names_kept})
    return RawFile(path, None, frame, pd.Series(numbers, dtype="int64"), encoding, [],
                   int(blank_np.sum()) + len(invalid))


_FILE_BLOCK = 1 << 24  # bytes of a file looked at a time by _file_scan and _file_tail


def _blank_lines(body: tuple, numbers: np.ndarray, delim: str) -> bool:
    """Whether the lines ``numbers`` (1-based) of a CSV body -- ``(file path or bytes,
    offset of its first line)``, valid UTF-8 -- hold nothing but delimiters and whitespace
    (``str.isspace``, which Arrow's ``utf8_is_space`` agrees with): then every cell any
    CSV reader makes of them is blank. A line with a quote is not looked into (False).
    The lines are found by counting line feeds a block at a time."""
    if not len(numbers):
        return True
    src, off = body
    targets = sorted({int(n) - 1 for n in numbers if n > 1} | {int(n) for n in numbers})
    at: dict[int, int] = {0: off}  # line feed number -> the byte after it (0: the body's start)
    fh = open(src, "rb") if isinstance(src, (str, Path)) else None
    try:
        pos, seen, k = off, 0, 0  # byte of the block, line feeds before it, next target
        while k < len(targets):
            if fh is not None:
                fh.seek(pos)
                block = fh.read(_FILE_BLOCK)
            else:
                block = bytes(memoryview(src)[pos:pos + _FILE_BLOCK])
            if not block:
                break
            n = block.count(b"\n")
            if targets[k] <= seen + n:
                lf = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
                while k < len(targets) and targets[k] <= seen + n:
                    if targets[k] > seen:
                        at[targets[k]] = pos + int(lf[targets[k] - seen - 1]) + 1
                    k += 1
            pos, seen = pos + len(block), seen + n
        end = pos
        for n in numbers:
            start, stop = at.get(int(n) - 1), at.get(int(n), end + 1) - 1
            if start is None:
                return False
            if fh is not None:
                fh.seek(start)
                raw = fh.read(max(0, stop - start))
            else:
                raw = bytes(memoryview(src)[start:stop])
            line = raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
            if '"' in line or not all(ch == delim or ch.isspace() for ch in line):
                return False
    finally:
        if fh is not None:
            fh.close()
    return True


def _file_scan(path: Path, utf8: bool = False) -> tuple[bool, int, int, bool, bool]:
    """What ``_read_csv_fast`` looks up on a file's bytes, read a block at a time: (a lone
    CR as :func:`_lone_cr` finds it, line feeds, size, whether the last byte is a LF,
    whether the bytes are valid UTF-8). A CR at a block's end is looked at with the next
    block's first byte. ``utf8``: the UTF-8 check is made (:func:`_utf8_valid`; else
    True is returned)."""
    lone, cr_before, lfs, size, last = False, False, 0, 0, b""
    valid, carry = True, b""
    with open(path, "rb") as fh:
        while block := fh.read(_FILE_BLOCK):
            if not lone:
                lone = cr_before and block[0] != 10
                cr_before = block.endswith(b"\r")
                lone = lone or _lone_cr(block[:-1] if cr_before else block)
            lfs += block.count(b"\n")
            size += len(block)
            last = block[-1:]
            if utf8 and valid:
                valid, carry = _utf8_valid(carry + block if carry else block)
    valid = valid and not carry  # (the file ends inside a character)
    return lone or cr_before, lfs, size, last == b"\n", valid  # (a CR as the last byte is lone)


def _utf8_valid(block: bytes) -> tuple[bool, bytes]:
    """(whether ``block`` is valid UTF-8 but for a character cut by its end, those cut
    bytes): checked by Arrow (the check pyarrow's CSV reader makes of each cell, several
    times faster than decoding in Python and without making the text). The cut bytes are
    looked at with the next block."""
    import pyarrow as pa
    cut = len(block)
    for k in range(1, min(4, len(block)) + 1):  # the last character's first byte
        b = block[-k]
        if b < 0x80 or b >= 0xF8:  # (ASCII, or never in UTF-8: the check says so)
            break
        if b >= 0xC0:  # a lead byte: its character has 2, 3 or 4 bytes
            if k < (2 if b < 0xE0 else 3 if b < 0xF0 else 4):
                cut = len(block) - k
            break
    offsets = pa.py_buffer(np.array([0, cut], dtype=np.int64).tobytes())
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(block)]
                              ).validate(full=True)
    except pa.ArrowInvalid:
        return False, b""
    return True, block[cut:]


def _file_tail(path: Path, off: int) -> bytes:
    """The end of a file's body (from byte ``off``) from at least the start of its last
    line (the line feed before it included), or the whole body when it has one line."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        start = max(off, size - (1 << 20))
        while True:  # from further back while the last line starts before ``start``
            fh.seek(start)
            tail = fh.read()
            end = len(tail)
            while end > 0 and tail[end - 1] in (10, 13):
                end -= 1
            if start == off or tail.rfind(b"\n", 0, end) >= 0:
                return tail
            start = max(off, start - (8 << 20))


DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".parquet")


def sniff(head: bytes) -> str:
    """What a file holds, from its first bytes (an extension is only a hint: platforms save
    tab-separated UTF-16 text as .xls, and sellers rename files): ``xlsx`` (a zip), ``xls``
    (an OLE2 workbook), ``parquet``, ``html`` (a web page or XML saved as a spreadsheet),
    ``binary`` or ``text``."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head):
        return "text"
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lead.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta")):
        return "html"
    if b"\x00" in head[:4096]:
        return "binary"
    return "text"


def read_file(path: str | Path, columns=None) -> list[RawFile]:
    """Read an export into :class:`RawFile` objects (one per sheet): text (.csv/.txt/.tsv,
    any encoding :func:`decode_bytes` knows), .xlsx, .xls or .parquet, told apart by content
    (:func:`sniff`), not by the extension.

    ``columns``: ``columns(header) -> positions or None``, the header's columns a caller
    will read (the header row's cells, stripped); given, a CSV read by pyarrow keeps only
    those (and the first, which tells totals rows): a mapping reads a third to a half of
    an order export's columns. None (or None returned): every column."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    with open(path, "rb") as fh:
        kind = sniff(fh.read(4096))
    if kind == "html":
        raise SourceError(f"{path}: this is a web page (HTML/XML) saved with a spreadsheet name, "
                          "not a workbook: open it in Excel and save it as .xlsx or CSV")
    if kind == "binary":
        raise SourceError(f"{path}: not a text export, workbook or Parquet file")
    if kind == "xls":
        return _read_xls(path)
    if kind == "text":
        # a long file, UTF-8 at its start (found on its first and last bytes): pyarrow
        # checks its bytes, reading them from the file (none are decoded here, and the
        # file is not read into memory first)
        with open(path, "rb") as fh:
            size, start = os.fstat(fh.fileno()).st_size, fh.read(4 * _HEAD_CHARS + 3)
            fh.seek(max(0, size - 8))
            end = fh.read()
        head, fast = _utf8_head(start, size, end), None
        if head is not None and head[2]:
            encoding, text, _ = head
            fast = _read_csv_fast(path, text, _delimiter(suffix, text), encoding,
                                  head_only=True, in_file=True, columns=columns)
            if isinstance(fast, RawFile):
                return [fast]
        data = path.read_bytes()
        head = _utf8_head(data)
        damaged = 0
        if head is not None and not head[2]:  # a short UTF-8 file: its head is all of it
            encoding, text = head[0], head[1]
        else:
            encoding, text, damaged = decode_bytes(data)
        delim = _delimiter(suffix, text)
        if fast is None and not damaged and encoding == "gb18030" and len(text) > _HEAD_CHARS:
            # a long GBK file: its text as UTF-8 bytes, read as a long UTF-8 file is, the
            # file's bytes and the text let go before pyarrow's table is made (the three
            # beside the table peaked at ~6x the file's size); the same rows, numbers and
            # problems (a CR is checked on the UTF-8 bytes, where a CR byte is a CR)
            del data
            utf8, text = text.encode("utf-8"), text[:_HEAD_CHARS]
            fast = _read_csv_fast(path, text, delim, encoding, utf8, head_only=True,
                                  columns=columns, encoded=True)
            if isinstance(fast, RawFile):
                fast.encoding = encoding
                return [fast]
            text, fast = utf8.decode("utf-8"), "careful"
            del utf8
        if fast is None and not damaged:  # (not when the file needs the careful path)
            fast = _read_csv_fast(path, text, delim, encoding, data, columns=columns)
            if fast is not None:
                return [fast]
        return [_read_text_careful(path, text, delim, encoding, damaged)]
    if kind == "xlsx":
        from openpyxl import load_workbook
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # a truncated zip, not an xlsx, ...
            raise SourceError(f"{path}: cannot open as an Excel workbook ({e})") from None
        out = []
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            if not any(any(v is not None and str(v).strip() for v in r) for r in rows):
                continue
            _fill_merged(rows, _merged_ranges(wb, ws))  # 主订单编号 merged down its lines
            out.append(_frame_from_rows(path, ws.title, [[_xl(v) for v in r] for r in rows],
                                        "xlsx"))
        wb.close()
        if not out:
            raise SourceError(f"{path}: every sheet is empty")
        return out
    if kind == "parquet":
        df = pd.read_parquet(path)
        return [RawFile(path, None, df, pd.Series(range(2, len(df) + 2), dtype="int64"),
                        "parquet")]
    raise SourceError(f"{path}: unsupported file type {suffix!r} (use .csv, .xlsx or .parquet)")


def _read_text_careful(path: Path, text: str, delim: str, encoding: str,
                       damaged: int = 0) -> RawFile:
    """The careful path of a text export: Python's csv module record by record, quotes left
    open repaired (:func:`_repair_quotes`), records holding invalid bytes rejected one by
    one when the decoding found ``damaged`` bytes."""
    rows, lines = _csv_records(text, delim)
    broken: dict[int, str] = {}
    if rows:
        h = _find_header(rows)
        width = len(rows[h])
        while width and not str(rows[h][width - 1]).strip():
            width -= 1
        rows, lines, broken = _repair_quotes(text, delim, rows, lines, h, width)
        if damaged:  # the records holding the invalid bytes, one by one
            name = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GBK/GB18030"}.get(
                encoding, encoding)
            for k in range(h + 1, len(rows)):
                if k not in broken and any("\ufffd" in str(c) for c in rows[k]):
                    broken[k] = (f"holds bytes that are not valid {name} (the file is "
                                 "damaged or cut off here)")
    return _frame_from_rows(path, None, rows, encoding, lines, broken)


def _read_xls(path: Path) -> list[RawFile]:
    """An Excel 97-2003 workbook (.xls), read by python-calamine (a maintained reader in Rust;
    xlrd dropped .xls cell types years ago)."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a dependency of the project
        raise SourceError(f"{path}: .xls workbooks need python-calamine (pip install "
                          "python-calamine), or open it in Excel and save as .xlsx") from None
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # noqa: BLE001 - a damaged workbook
        raise SourceError(f"{path}: cannot open as an Excel 97-2003 workbook ({e})") from None
    out = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if not any(any(v is not None and str(v).strip() for v in r) for r in rows):
            continue
        out.append(_frame_from_rows(path, name, [[_xl(v) for v in r] for r in rows], "xls"))
    if not out:
        raise SourceError(f"{path}: every sheet is empty")
    return out


def _delimiter(suffix: str, text: str) -> str:
    """Tab for .tsv files or when the first 4 KB hold more tabs than commas, else comma."""
    sample = text[:4096]
    return "\t" if suffix == ".tsv" or sample.count("\t") > sample.count(",") else ","


def _xl(v):
    """Excel cell -> text as the seller sees it: integers integral (1234.0 -> '1234'), a
    stored double that is a whole fen as that amount (:func:`_xl_float`), dates and times as
    ISO text (a typed date-time cell is Beijing wall-clock time as typed)."""
    import datetime as dt
    if v is None:
        return ""
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return _xl_float(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v)


#: a stored double this close to a whole fen (in fen) is that fen
XL_FEN_TOLERANCE = 1e-6


def _xl_float(v: float) -> str:
    """A non-integral double of a numeric cell as text. Excel keeps 59.97 computed from a
    formula as 59.970000000000006 and shows 59.97: a double within 1e-6 of a whole fen (or
    shown as one at Excel's 15 significant digits) is written as that amount in yuan
    (``'59.97'``, ``'45658.5'``); every other double keeps its shortest exact form
    (``'0.035'``, ``'59.975'``, ``'1e-07'``), and a money column then rejects it."""
    import math
    text = repr(v)
    if not math.isfinite(v) or abs(v) >= 1e15 or "e" in text or "E" in text:
        return text
    if len(text) - text.index(".") - 1 <= 2:  # at most two decimals already
        return text
    fen = round(v * 100)
    if fen and (abs(v * 100 - fen) <= XL_FEN_TOLERANCE or float(f"{v:.15g}") == fen / 100):
        whole, cents = divmod(abs(fen), 100)
        return (("-" if fen < 0 else "") + f"{whole}.{cents:02d}").rstrip("0").rstrip(".")
    return text


_MERGE_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="\$?([A-Z]{1,3})\$?'
                        rb'([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?"')


def _merged_ranges(wb, ws) -> list[tuple[int, int, int, int]]:
    """The merged cell ranges of a sheet as (first row, first column, last row, last
    column), 1-based. openpyxl's read-only mode does not expose them, so they are read from
    the sheet's XML in the workbook's zip: streamed, keeping only the part from
    ``<mergeCells>`` on (it follows the cell data), so a big sheet costs one decompression
    and no memory. Empty when the sheet has none (or the reader's internals differ)."""
    from openpyxl.utils import column_index_from_string
    archive = getattr(wb, "_archive", None)
    member = getattr(ws, "_worksheet_path", None)
    if archive is None or member is None:
        return []
    try:
        fh = archive.open(member)
    except (KeyError, OSError, ValueError):
        return []
    found: list[bytes] = []
    tail = b""
    with fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            if found:
                found.append(chunk)
                continue
            buf = tail + chunk
            k = buf.find(b"mergeCell")
            if k >= 0:
                lt = buf.rfind(b"<", 0, k)
                found.append(buf[lt if lt >= 0 else k:])
            else:
                tail = buf[-64:]
    out = []
    for m in _MERGE_REF.finditer(b"".join(found)):
        c1, r1, c2, r2 = m.groups()
        c2, r2 = c2 or c1, r2 or r1
        out.append((int(r1), column_index_from_string(c1.decode()), int(r2),
                    column_index_from_string(c2.decode())))
    return out


def _fill_merged(rows: list[list], ranges: list[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged range takes the range's value (its top-left cell), in place:
    Excel shows that value across the whole range (an order id merged down the order's
    lines belongs to each of them); ``rows[r - 1][c - 1]`` is sheet cell (r, c)."""
    if not ranges or not rows:
        return
    width = max(len(r) for r in rows)
    for r1, c1, r2, c2 in ranges:
        if r1 > len(rows) or c1 > width:
            continue
        top = rows[r1 - 1]
        v = top[c1 - 1] if c1 - 1 < len(top) else None
        if v is None:
            continue
        c2 = min(c2, width)
        for r in range(r1, min(r2, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < c2:
                row.extend([None] * (c2 - len(row)))
            row[c1 - 1:c2] = [v] * (c2 - c1 + 1)


# register the built-in formats (imported for their side effect)
from . import canonical, pdd, erp, marketing, taobao, jd, douyin  # noqa: E402,F401
