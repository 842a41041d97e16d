"""Privacy canary: a phone, a name, an address and a nickname are planted in every kind of
broken row of every export format (taken from the demo's own exports and the canonical
fixtures), plus a buyer list without a header; after ingest, none of them may be found in
any byte of the warehouse file or its WAL, in any text column of any table, in what the
CLI printed, nor in a report rendered from that warehouse.

Kinds of broken row, each with the planted values in the file's personal columns (or in an
extra free-text column where the format has none): one field too many (as the first data
row, where it looks more like a header than the header), one field too few, a value that
does not parse, a required value missing, a duplicate key, and an unclosed quote at the end.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ecomlib import runner
from ecomlib.sources import detect_source, read_file
from ecomlib.sources.mapped import MappedSource

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
ECOM = str(Path(sys.executable).with_name("ecom"))

PHONE = "13987650123"
NAME = "司马青莲"
ADDRESS = "浙江省杭州市西湖区梧桐巷77号3幢1201室"
NICK = "qinglian_tb8848"
EMAIL = "qinglian8848@example.com"
#: what must never be found (the address by its street part: province and city are kept)
CANARIES = [PHONE, PHONE[-8:], NAME, "梧桐巷", "1201室", NICK, "qinglian8848"]


def _value_for(header: str) -> str:
    h = str(header)
    if any(k in h for k in ("手机", "电话", "phone")):
        return PHONE
    if any(k in h for k in ("地址", "省", "市", "区", "province", "city")):
        return ADDRESS
    if any(k in h for k in ("姓名", "收货人", "联系人", "name")):
        return NAME
    if "邮箱" in h or "mail" in h:
        return EMAIL
    return NICK


def _columns(src, header: list[str]) -> tuple[list[str], str | None, str | None]:
    """(personal columns, a typed column, a required column) of ``header`` for ``src``."""
    from ecomlib.sources import norm_header
    normed = {norm_header(h): h for h in header}
    if isinstance(src, MappedSource):
        personal, typed, required = [], None, None
        for cols in src.spec.tables.values():
            for c in cols.values():
                present = [normed[norm_header(h)] for h in c.headers if norm_header(h) in normed]
                if not present:
                    continue
                if c.kind == "member" or c.kind in ("province", "city"):
                    personal += present
                elif c.kind in ("money", "int", "ts", "date", "float") and typed is None:
                    typed = present[0]
                if c.required and c.kind == "id" and required is None:
                    required = present[0]
        return list(dict.fromkeys(personal)), typed, required
    from ecomlib.sources.canonical import match_table
    from ecomlib import schema
    t = schema.table(match_table(header))
    personal = [c for c in ("member_key", "province", "city") if c in header]
    typed = next((c.name for c in t.columns if c.kind in ("fen", "int", "ts", "date")
                  and c.name in header), None)
    return personal, typed, t.key[-1] if t.key[-1] in header else None


def _hostile_rows(header, good, personal, typed, required):
    """(rows before the good ones, good rows, rows after, last line text) for one file."""
    def plant(row):
        row = list(row)
        for c in personal:
            row[header.index(c)] = _value_for(c)
        return row
    good = [plant(r) for r in good]
    good = (good * 3)[:3]  # a fixture with fewer rows: the broken rows reuse them
    extra = plant(good[0]) + [f"{NAME} {PHONE} {ADDRESS}"]  # one field too many
    short = plant(good[1])[:-1]                               # one field too few
    broken = []
    if typed:
        r = plant(good[1])
        r[header.index(typed)] = "坏值??"
        broken.append(r)
    if required:
        r = plant(good[2])
        r[header.index(required)] = ""
        broken.append(r)
    dup = list(good[0])                                       # a duplicate key
    # an unclosed quote in the last row, with the planted values after it
    cells = plant(good[2])
    last = ",".join(cells[:-1]) + f',"{NAME} {PHONE}\n{ADDRESS} {NICK}\n'
    return [extra], good, [short, *broken, dup], last


def _write_csv(path: Path, header, before, good, after, last, encoding="utf-8"):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in (*before, *good, *after):
        w.writerow(r)
    buf.write(last)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def _write_xlsx(path: Path, header, before, good, after):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in (*before, *good, *after):
        ws.append(r)
    wb.save(path)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A folder of hostile exports, one per demo/fixture file and format, and the formats
    they cover."""
    base = tmp_path_factory.mktemp("canary")
    demo = base / "demo"
    subprocess.run([ECOM, "demo-data", "--out", str(demo)], check=True, capture_output=True)
    out = base / "hostile"
    out.mkdir()
    shutil.copy(demo / "orders" / "ecom.yaml", out / "ecom.yaml")
    templates = [p for p in sorted(demo.rglob("*")) if p.suffix in (".csv", ".xlsx")]
    templates += sorted((ROOT / "tests" / "data" / "mini").glob("*.csv"))
    covered = set()
    for k, p in enumerate(templates):
        raw = read_file(p)[0]
        src = detect_source(raw)
        header = [str(c) for c in raw.frame.columns]
        personal, typed, required = _columns(src, header)
        if not personal:  # nowhere to put a buyer: an extra free-text column carries them
            header = header + ["买家留言"]
            personal = ["买家留言"]
        good = [[("" if v is None else str(v)) for v in raw.frame.iloc[i].tolist()] +
                ([""] if header[-1] == "买家留言" else []) for i in range(min(3, len(raw.frame)))]
        before, good, after, last = _hostile_rows(header, good, personal, typed, required)
        name = f"{p.stem}_hostile{k}"
        if p.suffix == ".xlsx":
            _write_xlsx(out / f"{name}.xlsx", header, before, good, after)
        else:
            _write_csv(out / f"{name}.csv", header, before, good, after, last)
            if src.name in ("taobao_orders", "jd_orders"):  # the same damage in GBK
                _write_csv(out / f"{name}_gbk.csv", header, before, good, after, last, "gbk")
        covered.add(src.name)
    # a buyer list dropped in by mistake: no header at all
    (out / "buyers.csv").write_text(
        "".join(f"{NAME},{PHONE},{ADDRESS},{NICK},{EMAIL}\n" for _ in range(5)), encoding="utf-8")
    return out, covered


@pytest.fixture(scope="module")
def ingested(hostile, tmp_path_factory):
    folder, covered = hostile
    d = tmp_path_factory.mktemp("wh")
    wh = d / "warehouse.duckdb"
    env = {**os.environ, "ECOMLIB_DEBUG": ""}
    printed = []
    for args in (["ingest", str(folder)], ["status", "--quarantine", "500", "--loads", "100"],
                 ["quality"]):
        r = subprocess.run([ECOM, "--warehouse", str(wh), *args], capture_output=True,
                           text=True, env=env, cwd=d)
        printed.append(r.stdout + r.stderr)
    return wh, covered, "\n".join(printed)


def _found(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


def test_every_format_is_covered(ingested):
    """Every built-in format of the registry (asked in a fresh process: other tests register
    column-mapping formats in this one)."""
    _, covered, _ = ingested
    builtin = subprocess.run([sys.executable, "-c", "from ecomlib.sources import SOURCES; "
                              "print(' '.join(SOURCES))"], capture_output=True, text=True,
                             check=True).stdout.split()
    assert len(builtin) >= 12 and set(builtin) <= covered, set(builtin) - covered


def test_broken_rows_are_quarantined_and_accounted(ingested):
    wh, _, printed = ingested
    con = duckdb.connect(str(wh), read_only=True)
    try:
        log = con.execute("SELECT file, status, rows_in, rows_loaded, rows_quarantined, message "
                          "FROM load_log").fetchall()
        q = con.execute('SELECT reason, raw FROM quarantine').fetchall()
    finally:
        con.close()
    ok = [r for r in log if r[1] == "ok"]
    assert all(r[2] == r[3] + r[4] for r in ok)
    assert sum(r[4] for r in ok) >= 5 * len({r[0] for r in ok if "hostile" in r[0]}) // 2
    # the buyer list is refused, described by its shape only
    (buyers,) = [r for r in log if r[0].endswith("buyers.csv")]
    assert buyers[1] == "failed" and "5 column(s)" in buyers[5] and not _found(buyers[5])
    # misaligned rows keep no text, and say which line to open
    unaligned = [json.loads(raw) for reason, raw in q if "fields, header has" in reason]
    assert unaligned and all(set(u) == {"line", "fields", "header_fields"} for u in unaligned)
    assert any("open line" in reason for reason, _ in q)
    assert "ecom ingest: unexpected" not in printed


def test_no_planted_value_in_any_text_of_the_warehouse(ingested):
    wh, _, _ = ingested
    con = duckdb.connect(str(wh), read_only=True)
    try:
        tables = con.execute("SELECT table_name FROM information_schema.tables "
                             "WHERE table_type = 'BASE TABLE'").fetchall()
        hits = []
        for (t,) in tables:
            cols = con.execute("SELECT column_name FROM information_schema.columns WHERE "
                               "table_name = ? AND data_type = 'VARCHAR'", [t]).fetchall()
            for (c,) in cols:
                for (v,) in con.execute(f'SELECT DISTINCT "{c}" FROM "{t}" WHERE "{c}" IS NOT NULL').fetchall():
                    if _found(v):
                        hits.append((t, c, v))
    finally:
        con.close()
    assert hits == []


def test_no_planted_value_in_the_warehouse_bytes_or_what_was_printed(ingested):
    wh, _, printed = ingested
    assert _found(printed) == []
    for f in [wh, wh.with_name(wh.name + ".wal")]:
        if f.exists():
            data = f.read_bytes()
            for c in CANARIES:
                assert c.encode("utf-8") not in data, (f.name, c)
                assert c.encode("gb18030") not in data, (f.name, c)


def test_no_planted_value_in_a_report_of_that_warehouse(ingested, tmp_path):
    """The overview shows the quarantine and load log: its HTML, notebook and manifest."""
    wh, _, _ = ingested
    res = runner.run_report("overview", warehouse=wh, out_root=tmp_path / "reports",
                            extra={"start": "2024-01-01", "end": "2025-12-31"})
    assert res.status == "ok", res.error
    for f in (tmp_path / "reports").rglob("*"):
        if f.is_file() and f.suffix in (".html", ".ipynb", ".json", ".xlsx", ".csv", ".log"):
            data = f.read_bytes()
            assert not [c for c in CANARIES if c.encode() in data], f
