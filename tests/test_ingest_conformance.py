"""One conformance test for every format of the registry (the demo's own exports as
templates, the canonical fixtures for ``canonical``): each kind of damage a downloaded file
suffers is run through each format, and the file must still tell the truth.

For a clean file of N data rows the reference is what the warehouse loads from it. Each
damage hits one row (line L of the file); then rows in = N by physical lines, the damaged
row alone is quarantined at line L, every other row loads with the reference's values, and
the damage-free variants (an unused column named twice, a huge unused cell, a re-export, GBK
encoding) load all N rows exactly as the reference.
"""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ecomlib import schema
from ecomlib.sources import detect_source, read_file
from ecomlib.sources.mapped import MappedSource
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
ECOM = str(Path(sys.executable).with_name("ecom"))
N = 6   # data rows per file
K = 3   # the damaged row (0-based): line K + 2 of the file

DAMAGES = ["extra_field", "missing_field", "unclosed_quote_at_end", "unclosed_quote_swallows",
           "bad_value", "gbk_bad_byte", "gbk_cut_last_char", "utf8_bad_byte"]
CLEAN = ["as_is", "gbk", "duplicate_unused_column", "huge_unused_cell", "loaded_twice"]


def _typed_column(src, header):
    from ecomlib.sources import norm_header
    normed = {norm_header(h): h for h in header}
    if isinstance(src, MappedSource):
        for cols in src.spec.tables.values():
            for c in cols.values():
                if c.kind in ("money", "int", "ts", "date"):
                    for h in c.headers:
                        if norm_header(h) in normed:
                            return normed[norm_header(h)]
        return None
    from ecomlib.sources.canonical import match_table
    t = schema.table(match_table(header))
    return next((c.name for c in t.columns if c.kind in ("fen", "int", "ts", "date")
                 and c.name in header), None)


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """{format: (file stem, header, N good rows, a typed column)} from the demo's exports
    (its canonical/ folder for ``canonical``), and the demo's ecom.yaml."""
    base = tmp_path_factory.mktemp("conformance")
    subprocess.run([ECOM, "demo-data", "--out", str(base / "demo")], check=True,
                   capture_output=True)
    sidecar = (base / "demo" / "orders" / "ecom.yaml").read_text(encoding="utf-8")
    out = {}
    files = sorted(p for p in (base / "demo").rglob("*") if p.suffix in (".csv", ".xlsx"))
    for p in files:
        raw = read_file(p)[0]
        src = detect_source(raw)
        if src.name in out or len(raw.frame) < N:
            continue
        header = [str(c) for c in raw.frame.columns]
        rows = [["" if v is None else str(v) for v in raw.frame.iloc[i].tolist()]
                for i in range(N)]
        out[src.name] = (p.stem, header, rows, _typed_column(src, header))
    return out, sidecar


def _gbk(text: str) -> bytes:
    """As a GBK export writes it: the yen sign as GBK's fullwidth ￥ (¥ is not in GBK)."""
    return text.replace("¥", "￥").encode("gbk", errors="replace")


def _text(header, rows, last: str = "") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue() + last


def _damaged(kind, header, rows, typed) -> tuple[bytes, int]:
    """(file bytes, line of the damaged row)."""
    line = K + 2
    rows = [list(r) for r in rows]
    if kind == "extra_field":
        rows[K] = rows[K] + ["多出来的一格"]
    elif kind == "missing_field":
        rows[K] = rows[K][:-1]
    elif kind == "bad_value":
        rows[K][header.index(typed)] = "坏值??"
    elif kind == "unclosed_quote_swallows":  # a quote opened in row K and never closed
        text = _text(header, rows[:K])
        bad = ",".join(rows[K][:-1]) + ',"' + rows[K][-1] + "\r\n"
        return (text + bad + _text(header, rows[K + 1:]).split("\r\n", 1)[1]).encode(), line
    elif kind == "unclosed_quote_at_end":
        rows = rows[:K] + rows[K + 1:] + [rows[K]]
        line = N + 1
        text = _text(header, rows[:-1])
        return (text + ",".join(rows[-1][:-1]) + ',"' + rows[-1][-1]).encode(), line
    if kind.startswith("gbk"):
        data = _gbk(_text(header, rows))
        if kind == "gbk_bad_byte":  # a byte no GBK text has (0xFF) at the start of row K
            start = data.index(_gbk(_text(header, [rows[K]]).split("\r\n")[1]))
            return data[:start] + b"\xff" + data[start + 1:], line
        # the last row moved to K's place, and the file cut inside its last character
        rows = rows[:K] + rows[K + 1:] + [rows[K]]
        rows[-1][-1] = (rows[-1][-1] or "") + "货"
        data = _gbk(_text(header, rows)).rstrip(b"\r\n")[:-1]
        return data, N + 1
    if kind == "utf8_bad_byte":
        data = _text(header, rows).encode()
        start = data.index(_text(header, [rows[K]]).split("\r\n")[1].encode())
        return data[:start + 1] + b"\xff" + data[start + 2:], line
    return _text(header, rows).encode(), line


def _clean(kind, header, rows) -> bytes:
    if kind == "gbk":
        return _gbk(_text(header, rows))
    if kind == "duplicate_unused_column":
        return _text(header + ["备注", "备注"], [r + ["a", "b"] for r in rows]).encode()
    if kind == "huge_unused_cell":
        return _text(header + ["买家留言"], [r + (["好" * 200_000] if i == K else [""])
                                          for i, r in enumerate(rows)]).encode()
    return _text(header, rows).encode()


def _load(folder: Path, name: str, data: bytes, sidecar: str, twice: bool = False):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ecom.yaml").write_text(sidecar, encoding="utf-8")
    f = folder / f"{name}.csv"
    f.write_bytes(data)
    with Warehouse(folder / "w.duckdb") as wh:
        res = [r for r in wh.ingest([f], progress=False, errors="record",
                                    context={"salt": b"conformance"})]
        if twice:
            res = wh.ingest([f], progress=False, errors="record", context={"salt": b"conformance"})
        table = res[0].table
        got = wh.read(table) if res[0].status == "ok" else None
        q = wh.quarantine(table) if res[0].status == "ok" else None
    return res, got, q


def _formats():
    out = subprocess.run([sys.executable, "-c", "from ecomlib.sources import SOURCES; "
                          "print(' '.join(SOURCES))"], capture_output=True, text=True,
                         check=True).stdout.split()
    assert len(out) >= 12
    return out


FORMATS = _formats()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", DAMAGES)
def test_damage_costs_only_the_damaged_row(templates, tmp_path, fmt, kind):
    tpl, sidecar = templates
    assert fmt in tpl, f"no template for {fmt}"
    stem, header, rows, typed = tpl[fmt]
    if kind == "bad_value" and typed is None:
        pytest.skip(f"{fmt} has no typed column")
    ref_res, ref, _ = _load(tmp_path / "ref", stem, _clean("as_is", header, rows), sidecar)
    assert ref_res[0].status == "ok" and ref_res[0].rows_loaded == N, ref_res[0]
    data, line = _damaged(kind, header, rows, typed)
    res, got, q = _load(tmp_path / kind, stem, data, sidecar)
    r = res[0]
    assert r.status == "ok", r.message
    assert (r.rows_in, r.rows_loaded, r.rows_quarantined) == (N, N - 1, 1), (kind, r)
    assert q.row_number.tolist() == [line] or f"line {line}" in q.reason[0], (kind, q.values)
    # every other row as the clean file loads it
    t = schema.table(r.table)
    key = list(t.key)
    merged = ref.merge(got, on=key, how="inner", suffixes=("", "_got"))
    assert len(merged) == N - 1 or r.table == "order_lines"  # (JD: a split order's paid share)
    for c in t.column_names:
        if c in key or (r.table == "order_lines" and c in ("paid_fen", "shop_discount_fen")):
            continue
        a, b = merged[c], merged[f"{c}_got"]
        assert ((a == b) | (a.isna() & b.isna())).all(), (kind, c)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", CLEAN)
def test_harmless_variants_load_every_row_exactly(templates, tmp_path, fmt, kind):
    tpl, sidecar = templates
    stem, header, rows, _ = tpl[fmt]
    ref_res, ref, _ = _load(tmp_path / "ref", stem, _clean("as_is", header, rows), sidecar)
    res, got, q = _load(tmp_path / kind, stem, _clean(kind, header, rows), sidecar,
                        twice=kind == "loaded_twice")
    r = res[0]
    assert r.status == "ok", r.message
    assert (r.rows_in, r.rows_loaded, r.rows_quarantined) == (N, N, 0), (kind, r)
    if kind == "loaded_twice":
        assert r.rows_inserted == r.rows_updated == 0
    t = schema.table(r.table)
    pd.testing.assert_frame_equal(ref.sort_values(list(t.key)).reset_index(drop=True),
                                  got.sort_values(list(t.key)).reset_index(drop=True),
                                  check_dtype=False, obj=f"{fmt} {kind}")
