"""`ecom run REPORT -p period=... -p as_of=...`: the period resolved against the warehouse,
recorded in the manifest and shown in the index; a period without sales in the report's
scope ends as `empty` without running the notebook."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from ecomlib import cli, runner
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow
MINI = Path(__file__).parent / "data" / "mini"


def _nb(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(
        'warehouse: str = "data/warehouse.duckdb"  # warehouse path\n'
        'period: str = ""  # yesterday, last_week, last_month ... (empty: the default)\n'
        'as_of: str = "latest"  # latest or YYYY-MM-DD\n'
        'start: str = ""  # first day (set from the period)\n'
        'end: str = ""  # last day (set from the period)\n'
        'previous_start: str = ""  # 环比\n'
        'shops: list = []  # shops')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell("print('PERIOD', period, start, end, previous_start)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    d = tmp_path_factory.mktemp("periods")
    with Warehouse(d / "w.duckdb") as w:
        w.ingest([MINI], progress=False)
        w.build()
    return d / "w.duckdb"


def test_a_period_is_resolved_recorded_and_shown(wh, tmp_path):
    nb = _nb(tmp_path / "periodic.ipynb")
    out = tmp_path / "reports"
    res = runner.run_report(nb, warehouse=wh, out_root=out,
                            extra=runner.cli_parameters([["period=last_month"],
                                                         ["as_of", "2025-07-02"]]))
    assert res.status == "ok", res.error
    man = json.loads((Path(res.out_dir) / "manifest.json").read_text(encoding="utf-8"))
    assert (man["parameters"]["period"], man["parameters"]["start"], man["parameters"]["end"]) \
        == ("last_month", "2025-06-01", "2025-06-30")
    assert man["parameters"]["previous_start"] == "2025-05-01"
    assert man["period"]["year_ago_start"] == "2024-06-01"
    executed = (Path(res.out_dir) / "periodic.ipynb").read_text(encoding="utf-8")
    assert "PERIOD last_month 2025-06-01 2025-06-30 2025-05-01" in executed
    assert "上月 2025-06-01 – 2025-06-30" in (out / "index.html").read_text(encoding="utf-8")


def test_latest_is_the_morning_after_the_last_sales_day(wh, tmp_path):
    nb = _nb(tmp_path / "periodic.ipynb")
    res = runner.run_report(nb, warehouse=wh, out_root=tmp_path / "reports",
                            extra={"period": "yesterday"})
    assert (res.parameters["start"], res.parameters["as_of"]) == ("2025-07-01", "2025-07-02")


def test_a_period_without_sales_is_empty_not_zeros(wh, tmp_path):
    nb = _nb(tmp_path / "periodic.ipynb")
    out = tmp_path / "reports"
    res = runner.run_report(nb, warehouse=wh, out_root=out,
                            extra={"period": "last_month", "as_of": "2025-03-05"})
    assert res.status == "empty" and "no sales" in res.error and res.html is None
    assert not (Path(res.out_dir) / "periodic.ipynb").exists()  # nothing was executed
    assert not (out / "periodic" / "latest.html").exists()
    assert "无数据 empty" in (out / "index.html").read_text(encoding="utf-8")


def test_the_cli_takes_papermill_style_parameters(wh, tmp_path, capsys, monkeypatch):
    nb = _nb(tmp_path / "periodic.ipynb")
    monkeypatch.setenv("ECOMLIB_NOTEBOOK_DIRS", str(tmp_path))
    code = cli.main(["--warehouse", str(wh), "run", str(nb), "-p", "period", "last_week",
                     "-p", "as_of=2025-06-23", "--out", str(tmp_path / "r")])
    assert code == 0
    out = capsys.readouterr().out
    assert "ok" in out
    (man,) = (tmp_path / "r").glob("periodic/*/*/manifest.json")
    p = json.loads(man.read_text(encoding="utf-8"))["parameters"]
    assert (p["start"], p["end"]) == ("2025-06-16", "2025-06-22")
    with pytest.raises(runner.ParameterError, match="NAME VALUE"):
        runner.cli_parameters([["a", "b", "c"]])
