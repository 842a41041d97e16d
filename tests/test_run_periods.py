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


def test_the_schedule_renders_the_period_of_the_day_it_runs(wh, tmp_path):
    """A fixed clock across a month end, a quarter and year end and 春节 2026: each pass of
    the schedule renders its own period (recorded in the manifests, empty or not)."""
    import datetime as dt
    nb = _nb(tmp_path / "periodic.ipynb")
    sf = tmp_path / "parameters" / "schedule.yaml"
    sf.parent.mkdir()
    sf.write_text(f"""
defaults: {{parallel: 1, retries: 0, notebook_dirs: ["{tmp_path}"]}}
reports:
  - {{name: daily, notebook: "{nb}", cron: "0 8 * * *", overrides: {{period: yesterday}}}}
  - {{name: monthly, notebook: "{nb}", cron: "0 9 1 * *", overrides: {{period: last_month}}}}
  - {{name: quarterly, notebook: "{nb}", cron: "0 9 1 */3 *", overrides: {{period: last_quarter}}}}
""", encoding="utf-8")
    s = runner.load_schedule(sf)
    out = tmp_path / "reports"
    got = {}
    for day in ("2025-06-30", "2025-07-01", "2026-01-01", "2026-02-17", "2026-02-18"):
        now = dt.datetime.fromisoformat(day + "T10:00:00").replace(tzinfo=runner.BEIJING)
        for r in runner.run_due(s, warehouse=wh, out_root=out, now=now):
            got[(day, r.label)] = (r.parameters.get("start"), r.parameters.get("end"), r.status)
    assert got[("2025-06-30", "daily")] == ("2025-06-29", "2025-06-29", "empty")
    assert got[("2025-07-01", "daily")][:2] == ("2025-06-30", "2025-06-30")
    assert got[("2025-07-01", "monthly")] == ("2025-06-01", "2025-06-30", "ok")   # June's sales
    assert got[("2025-07-01", "quarterly")][:2] == ("2025-04-01", "2025-06-30")
    assert got[("2026-01-01", "monthly")][:2] == ("2025-12-01", "2025-12-31")
    assert got[("2026-01-01", "quarterly")][:2] == ("2025-10-01", "2025-12-31")
    assert got[("2026-02-17", "daily")][:2] == ("2026-02-16", "2026-02-16")   # 除夕
    assert got[("2026-02-18", "daily")][:2] == ("2026-02-17", "2026-02-17")   # 春节
    assert ("2026-02-18", "monthly") not in got  # not due: ran on the 1st
