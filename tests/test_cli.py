"""The `ecom` command as a user meets it: clear messages, exit codes, no tracebacks."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from ecomlib import cli, runner

MINI = Path(__file__).parent / "data" / "mini"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "ecomlib.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for cmd in ("demo-data", "ingest", "status", "run"):
        assert cmd in out


def test_ingest_then_reingest_reports_counts(tmp_path, capsys):
    db = str(tmp_path / "wh.duckdb")
    code, out, _ = run(capsys, "--warehouse", db, "ingest", str(MINI))
    assert code == 0
    assert "total: 17 rows in = 17 inserted + 0 updated + 0 unchanged + 0 quarantined" in out
    code, out, _ = run(capsys, "--warehouse", db, "ingest", str(MINI))
    assert code == 0
    assert "total: 17 rows in = 0 inserted + 0 updated + 17 unchanged + 0 quarantined" in out
    code, out, _ = run(capsys, "--warehouse", db, "status")
    assert code == 0
    assert "order_lines" in out and "last loads" in out


def test_bad_file_among_good_ones(tmp_path, capsys):
    d = tmp_path / "in"
    shutil.copytree(MINI, d)
    (d / "orders.csv").write_text(
        (MINI / "orders.csv").read_text(encoding="utf-8") + "tmall,s1,o8,m1,浙江,杭州,yesterday,,,,paid,0,CNY,,\n",
        encoding="utf-8")
    (d / "zz_garbage.csv").write_text("foo;bar\n1;2\n", encoding="utf-8")
    db = str(tmp_path / "wh.duckdb")
    code, out, err = run(capsys, "--warehouse", db, "ingest", str(d))
    assert code == 1
    assert "FAILED" in err and "zz_garbage.csv" in err and "Traceback" not in err
    assert "1 row(s) quarantined" in out
    code, out, _ = run(capsys, "--warehouse", db, "status", "--quarantine", "5")
    assert "created_at 'yesterday' is not a date-time" in out
    assert "status says paid/shipped/finished but paid_at is empty" in out


def test_missing_paths_and_warehouse_are_clear_errors(tmp_path, capsys):
    code, _, err = run(capsys, "--warehouse", str(tmp_path / "w.duckdb"), "ingest",
                       str(tmp_path / "nope.csv"))
    assert code == 2 and "no such file or folder" in err
    code, _, err = run(capsys, "--warehouse", str(tmp_path / "none.duckdb"), "status")
    assert code == 2 and "does not exist yet" in err


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('warehouse = "data/warehouse.duckdb"  # warehouse path\n'
                                  'lang = "zh"  # zh or en')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("print('lang', lang)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))
    return path


def test_unknown_parameter_is_refused(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb")
    pf = tmp_path / "tiny.yaml"
    pf.write_text("lang: en\nlanguage: en\n", encoding="utf-8")
    with pytest.raises(runner.ParameterError, match="unknown parameter.*language"):
        runner.load_parameters(nb, pf)
    pf.write_text("lang: en\n", encoding="utf-8")
    assert runner.load_parameters(nb, pf) == {"lang": "en"}
