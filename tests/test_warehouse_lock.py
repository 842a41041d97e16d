"""Two processes on one warehouse: a bounded wait with a plain message instead of DuckDB's
"Could not set lock", and a report started during an ingest waits for it and succeeds."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from ecomlib import runner
from ecomlib.warehouse import Warehouse, WarehouseBusy

pytestmark = pytest.mark.slow
ECOM = str(Path(sys.executable).with_name("ecom"))
MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture
def wh(tmp_path):
    path = tmp_path / "wh.duckdb"
    with Warehouse(path) as w:
        w.ingest([MINI / "orders.csv"], progress=False)
    return path


def _hold(path: Path, seconds: float, marker: Path) -> subprocess.Popen:
    """Another process holding the warehouse for writing (as an ingest does)."""
    code = ("import duckdb, pathlib, sys, time\n"
            f"con = duckdb.connect({str(path)!r})\n"
            f"pathlib.Path({str(marker)!r}).write_text('x')\n"
            f"time.sleep({seconds})\ncon.close()\n")
    p = subprocess.Popen([sys.executable, "-c", code])
    for _ in range(200):
        if marker.exists():
            return p
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("holder did not start")


def test_busy_warehouse_gives_a_plain_message_after_a_bounded_wait(wh, tmp_path):
    p = _hold(wh, 20, tmp_path / "held")
    try:
        t0 = time.monotonic()
        with pytest.raises(WarehouseBusy) as e:
            Warehouse(wh, read_only=True, wait=1.0)
        took = time.monotonic() - t0
        assert 0.9 <= took < 4, took
        msg = str(e.value)
        assert f"process {p.pid}" in msg and "waited 1 s" in msg and "--wait" in msg
        assert "Could not set lock" not in msg
        r = subprocess.run([ECOM, "--warehouse", str(wh), "--wait", "1", "status"],
                           capture_output=True, text=True)
        assert r.returncode == 75 and "is in use by process" in r.stderr
        assert "Traceback" not in r.stderr
        r = subprocess.run([ECOM, "--warehouse", str(wh), "--wait", "0.5", "ingest",
                            str(MINI / "refunds.csv")], capture_output=True, text=True)
        assert r.returncode == 75 and "is in use by" in r.stderr
    finally:
        p.kill()
        p.wait()


def test_a_reader_waits_for_the_writer_to_finish(wh, tmp_path):
    p = _hold(wh, 2, tmp_path / "held")
    try:
        t0 = time.monotonic()
        with Warehouse(wh, read_only=True, wait=30) as w:
            assert w.sql("SELECT COUNT(*) AS n FROM orders").n[0] > 0
        assert 1.0 < time.monotonic() - t0 < 15
    finally:
        p.wait()


def _reading_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('warehouse: str = "data/warehouse.duckdb"  # warehouse path')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(
        "from ecomlib.warehouse import Warehouse\n"
        "with Warehouse(warehouse, read_only=True) as wh:\n"
        "    print('orders', wh.sql('SELECT COUNT(*) AS n FROM orders').n[0])")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))
    return path


def test_a_report_started_during_an_ingest_waits_and_succeeds(wh, tmp_path):
    """A real `ecom ingest` paused inside its transaction for 6 s; the report starts
    meanwhile and must not fail."""
    marker = tmp_path / "in-load"
    env = {**os.environ, "ECOMLIB_TEST_PAUSE_IN_LOAD": str(marker),
           "ECOMLIB_TEST_PAUSE_SECONDS": "6"}
    ing = subprocess.Popen([ECOM, "--warehouse", str(wh), "ingest", str(MINI / "order_lines.csv")],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            if marker.exists():
                break
            time.sleep(0.05)
        assert marker.exists(), ing.communicate()
        nb = _reading_notebook(tmp_path / "reader.ipynb")
        res = runner.run_report(nb, warehouse=wh, out_root=tmp_path / "reports")
        assert res.status == "ok", res.error
        out, err = ing.communicate(timeout=60)
        assert ing.returncode == 0, err
        executed = (Path(res.out_dir) / "reader.ipynb").read_text(encoding="utf-8")
        assert "orders " in executed
    finally:
        if ing.poll() is None:
            ing.kill()
