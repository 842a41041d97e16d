"""The report runner: archive layout and manifest, parameter checks, failure isolation and
retries, the latest good report, the schedule, and alerts to a real HTTP server."""
from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import nbformat
import pytest

from ecomlib import runner
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow
MINI = Path(__file__).parent / "data" / "mini"
BJ = runner.BEIJING


def make_notebook(path: Path, body: str = "print('lang', lang)") -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(
        'warehouse: str = "data/warehouse.duckdb"  # warehouse path\n'
        'lang: str = "zh"  # zh or en\n'
        'start: str = "2025-06-01"  # first day\n'
        'end: str = "2025-06-30"  # last day\n'
        'shops: list = None  # shops to include\n'
        'fail: bool = False  # make the run fail (tests)\n'
        'output_dir: str = ""  # run folder')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(
        "import pathlib\n"
        "if fail:\n    raise RuntimeError('planned failure')\n"
        "if output_dir:\n    pathlib.Path(output_dir, 'tables.txt').write_text('x')\n" + body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory):
    d = tmp_path_factory.mktemp("wh")
    (d / "shops.csv").write_text("platform,shop_id,shop_name,currency,opened_on\n"
                                 "tmall,s1,天猫店,CNY,2024-01-01\njd,j1,京东店,CNY,2024-01-01\n",
                                 encoding="utf-8")
    with Warehouse(d / "wh.duckdb") as w:
        w.ingest([MINI, d / "shops.csv"], progress=False)
    return d / "wh.duckdb"


def test_archive_layout_manifest_and_latest(tmp_path, wh_path):
    nb = make_notebook(tmp_path / "tiny.ipynb")
    res = runner.run_report(nb, warehouse=wh_path, out_root=tmp_path / "reports")
    assert res.status == "ok", res.error
    out = Path(res.out_dir)
    assert out.parent.parent.name == "tiny" and out.parent.name == dt.datetime.now(BJ).strftime("%Y-%m-%d")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "tables.txt", "tiny.html",
                                                       "tiny.ipynb"]
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "ok" and m["parameters"]["warehouse"] == str(wh_path.resolve())
    assert m["parameters"]["output_dir"] == str(out.resolve())
    assert m["data"]["row_counts"]["orders"] == 5 and m["data"]["last_load_id"] >= 1
    assert m["package_version"] and m["started_at"] <= m["finished_at"]
    html = (out / "tiny.html").read_text(encoding="utf-8")
    assert "lang zh" in html and "print(" not in html  # outputs without code
    latest = json.loads((tmp_path / "reports" / "tiny" / "latest.json").read_text())
    assert latest["run_dir"] == str(out)
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "tiny" in index and "成功 ok" in index


@pytest.mark.parametrize("yaml_text, message", [
    ("language: en\n", "unknown parameter(s) language"),
    ("lang: 5\n", "lang should be str, got int 5"),
    ("start: 2025-13-01\n", "a value is not a valid date (month must be in 1..12)"),
    ("start: '1 June'\n", "start '1 June' is not a date"),
    ("start: '2025-07-01'\nend: '2025-06-01'\n", "start 2025-07-01 is after end 2025-06-01"),
    ("shops: [s1, nope]\n", "shops: nope not in the warehouse (known: j1, s1)"),
    ("fail: 'yes'\n", "fail should be bool"),
])
def test_bad_parameter_files_are_refused_before_running(tmp_path, wh_path, yaml_text, message):
    nb = make_notebook(tmp_path / "tiny.ipynb")
    pf = tmp_path / "tiny.yaml"
    pf.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(runner.ParameterError) as e:
        runner.run_report(nb, params_file=pf, warehouse=wh_path, out_root=tmp_path / "reports")
    assert str(pf) in str(e.value) and message in str(e.value)
    assert not (tmp_path / "reports").exists()  # nothing ran


def test_failure_is_isolated_retried_and_keeps_the_last_good_report(tmp_path, wh_path):
    good = make_notebook(tmp_path / "good.ipynb")
    flaky = make_notebook(tmp_path / "flaky.ipynb")
    out = tmp_path / "reports"
    first = runner.run_report(flaky, warehouse=wh_path, out_root=out)
    assert first.status == "ok"
    jobs = [runner.Job("good", str(good), "* * * * *"),
            runner.Job("flaky", str(flaky), "* * * * *", overrides={"fail": True}, retries=1,
                       retry_delay_s=0)]
    slept = []
    results = runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), warehouse=wh_path,
                              out_root=out, sleep=slept.append)
    by = {r.label: r for r in results}
    assert by["good"].status == "ok"
    assert by["flaky"].status == "failed" and by["flaky"].attempts == 2 and slept == [0]
    assert by["flaky"].error == "RuntimeError: planned failure"
    executed = json.loads((Path(by["flaky"].out_dir) / "flaky.ipynb").read_text(encoding="utf-8"))
    assert any(o.get("ename") == "RuntimeError" for c in executed["cells"] for o in c.get("outputs", []))
    latest = json.loads((out / "flaky" / "latest.json").read_text())
    assert latest["run_dir"] == first.out_dir  # the failed runs did not replace it
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "失败 failed" in index and "latest good" in index


def test_schedule_file_and_due_logic(tmp_path, wh_path):
    nb = make_notebook(tmp_path / "tiny.ipynb")
    sf = tmp_path / "schedule.yaml"
    sf.write_text(f"""
defaults: {{parallel: 2, retries: 0, notebook_dirs: ["{tmp_path}"]}}
reports:
  - {{name: morning, notebook: {nb}, cron: "0 8 * * *"}}
  - {{name: per-shop, notebook: {nb}, cron: "30 8 * * 1", per_shop: [s1, j1]}}
""", encoding="utf-8")
    s = runner.load_schedule(sf)
    assert [j.name for j in s.jobs] == ["morning", "per-shop-s1", "per-shop-j1"]
    assert s.jobs[1].overrides == {"shops": ["s1"]}
    out = tmp_path / "reports"
    mon_9 = dt.datetime(2025, 6, 16, 9, 0, tzinfo=BJ)  # a Monday
    assert [j.name for j, _ in runner.due_jobs(s, mon_9, out)] == ["morning", "per-shop-s1",
                                                                   "per-shop-j1"]
    results = runner.run_due(s, warehouse=wh_path, out_root=out, now=mon_9)
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert runner.due_jobs(s, mon_9 + dt.timedelta(hours=2), out) == []  # nothing new
    tue_8 = dt.datetime(2025, 6, 17, 8, 0, 30, tzinfo=BJ)
    assert [j.name for j, _ in runner.due_jobs(s, tue_8, out)] == ["morning"]
    sf.write_text("reports:\n  - {notebook: tiny, cron: 'every day'}\n", encoding="utf-8")
    with pytest.raises(runner.ParameterError, match="not a cron expression"):
        runner.load_schedule(sf)


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *a):
        pass


def test_failed_run_alerts_a_local_webhook(tmp_path, wh_path):
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        nb = make_notebook(tmp_path / "broken.ipynb")
        url = f"http://127.0.0.1:{server.server_port}/hook"
        jobs = [runner.Job("broken", str(nb), "* * * * *", overrides={"fail": True}, retries=0)]
        sched = runner.Schedule(jobs, parallel=1, webhooks=[{"kind": "json", "url": url},
                                                            {"kind": "dingtalk", "url": url + "/dt"}],
                                notify=("failure",))
        runner.run_jobs(jobs, sched, warehouse=wh_path, out_root=tmp_path / "reports")
    finally:
        server.shutdown()
    assert len(_Hook.received) == 2
    (p1, ct1, generic), (p2, _, ding) = sorted(_Hook.received)
    assert p1 == "/hook" and ct1.startswith("application/json")
    text = json.dumps(generic, ensure_ascii=False)
    assert "broken" in text and "RuntimeError: planned failure" in text and "失败" in text
    assert p2 == "/hook/dt" and ding["msgtype"] == "markdown"
    assert "planned failure" in ding["markdown"]["text"]


def test_reports_side_by_side_share_the_cores_in_duckdb(tmp_path, monkeypatch):
    """With parallel > 1 each report's DuckDB gets cores // parallel threads (at least 1;
    ECOMLIB_DUCKDB_THREADS in the kernels): worked by hand for 2 cores / 2 reports -> 1,
    8 / 3 -> 2, 2 / 4 -> 1; an integer is taken as given, empty leaves DuckDB's default, one
    report at a time sets nothing, a value the user set wins, the variable is gone
    afterwards, a read-only Warehouse applies it, and a bad value is an error naming the
    schedule file."""
    def sched(parallel, threads="auto"):
        return runner.Schedule([], parallel=parallel, duckdb_threads=threads)
    assert runner.duckdb_threads(sched(2), cores=2) == 1
    assert runner.duckdb_threads(sched(3), cores=8) == 2
    assert runner.duckdb_threads(sched(4), cores=2) == 1
    assert runner.duckdb_threads(sched(2, 3), cores=2) == 3
    assert runner.duckdb_threads(sched(2, ""), cores=2) is None
    assert runner.duckdb_threads(sched(2, None), cores=2) is None
    assert runner.duckdb_threads(sched(1), cores=8) is None
    for bad in (0, "many"):
        with pytest.raises(runner.ParameterError, match="duckdb_threads"):
            runner.duckdb_threads(sched(2, bad), cores=2)

    monkeypatch.delenv("ECOMLIB_DUCKDB_THREADS", raising=False)
    seen = []
    monkeypatch.setattr(runner, "_run_with_retries", lambda job, wh, out, sleep: seen.append(
        __import__("os").environ.get("ECOMLIB_DUCKDB_THREADS")) or runner.RunResult(
        job.notebook, "ok", 0.0, ""))
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    jobs = [runner.Job(name=n, notebook="overview", cron="0 6 * * *") for n in ("a", "b")]
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), out_root=tmp_path)  # 4 // 2
    runner.run_jobs(jobs[:1], runner.Schedule(jobs[:1], parallel=1), out_root=tmp_path)
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2, duckdb_threads=""), out_root=tmp_path)
    monkeypatch.setenv("ECOMLIB_DUCKDB_THREADS", "3")
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), out_root=tmp_path)
    assert seen == ["2", "2", None, None, None, "3", "3"]
    monkeypatch.delenv("ECOMLIB_DUCKDB_THREADS")
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), out_root=tmp_path)
    assert "ECOMLIB_DUCKDB_THREADS" not in __import__("os").environ

    wh_path = tmp_path / "wh.duckdb"
    Warehouse(wh_path).close()
    monkeypatch.setenv("ECOMLIB_DUCKDB_THREADS", "1")
    with Warehouse(wh_path, read_only=True) as wh:
        assert int(wh.sql("SELECT current_setting('threads') AS v")["v"][0]) == 1
    monkeypatch.setenv("ECOMLIB_DUCKDB_THREADS", "lots")
    with pytest.raises(ValueError, match="ECOMLIB_DUCKDB_THREADS='lots'"):
        Warehouse(wh_path, read_only=True)

    sf = tmp_path / "schedule.yaml"
    sf.write_text("defaults: {duckdb_threads: none}\nreports: []\n", encoding="utf-8")
    with pytest.raises(runner.ParameterError, match=r"schedule.yaml: defaults.duckdb_threads"):
        runner.load_schedule(sf)
    sf.write_text("defaults: {duckdb_threads: 2}\nreports: []\n", encoding="utf-8")
    assert runner.load_schedule(sf).duckdb_threads == 2
    assert runner.load_schedule(runner.PARAMS_DIR / "schedule.yaml").duckdb_threads == "auto"


def test_reports_side_by_side_get_a_duckdb_memory_cap(tmp_path, monkeypatch):
    """run_jobs with parallel > 1 caps each report's DuckDB memory (the kernels inherit
    ECOMLIB_DUCKDB_MEMORY_LIMIT), one at a time leaves DuckDB's default, a limit the user set
    wins, and the variable is gone afterwards; a read-only Warehouse applies it."""
    monkeypatch.delenv("ECOMLIB_DUCKDB_MEMORY_LIMIT", raising=False)
    seen = []
    monkeypatch.setattr(runner, "_run_with_retries", lambda job, wh, out, sleep: seen.append(
        __import__("os").environ.get("ECOMLIB_DUCKDB_MEMORY_LIMIT")) or runner.RunResult(
        job.notebook, "ok", 0.0, ""))
    jobs = [runner.Job(name=n, notebook="overview", cron="0 6 * * *") for n in ("a", "b")]
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), out_root=tmp_path)
    runner.run_jobs(jobs[:1], runner.Schedule(jobs[:1], parallel=1), out_root=tmp_path)
    monkeypatch.setenv("ECOMLIB_DUCKDB_MEMORY_LIMIT", "700MB")
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), out_root=tmp_path)
    assert seen == ["1GB", "1GB", None, "700MB", "700MB"]
    monkeypatch.delenv("ECOMLIB_DUCKDB_MEMORY_LIMIT")
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), out_root=tmp_path)
    assert "ECOMLIB_DUCKDB_MEMORY_LIMIT" not in __import__("os").environ

    wh_path = tmp_path / "wh.duckdb"
    Warehouse(wh_path).close()
    monkeypatch.setenv("ECOMLIB_DUCKDB_MEMORY_LIMIT", "700MB")
    with Warehouse(wh_path, read_only=True) as wh:
        limit = wh.sql("SELECT current_setting('memory_limit') AS v")["v"][0]
    assert limit in ("667.5 MiB", "700.0 MB"), limit  # DuckDB prints it in MiB
    monkeypatch.setenv("ECOMLIB_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="ECOMLIB_DUCKDB_MEMORY_LIMIT='lots'"):
        Warehouse(wh_path, read_only=True)


def test_report_kernels_use_unix_sockets_in_a_private_folder(tmp_path, wh_path):
    """No TCP port on 127.0.0.1 for a report kernel (two reports side by side raced for
    free ports: "Address already in use" in a heartbeat thread); the folder goes with it."""
    import glob
    import tempfile
    km = runner._kernel_manager_class()()
    assert km.transport == "ipc" and km.ip.startswith(tempfile.gettempdir())
    assert Path(km.ip).parent.is_dir()
    import asyncio
    asyncio.run(km._async_cleanup_resources())
    assert not Path(km.ip).parent.exists()
    before = set(glob.glob(str(Path(tempfile.gettempdir()) / "ecom-kernel-*")))
    res = runner.run_report(make_notebook(tmp_path / "tiny.ipynb"), warehouse=wh_path,
                            out_root=tmp_path / "r")
    assert res.status == "ok", res.error
    assert set(glob.glob(str(Path(tempfile.gettempdir()) / "ecom-kernel-*"))) <= before


def test_reports_side_by_side_start_longest_first(tmp_path, monkeypatch):
    """With several at once the runner starts the report whose last run here took longest
    first (a report never run here before the others), and returns results in the jobs'
    order; one at a time keeps the order given. Manifests worked by hand: finance 5.0 s,
    overview 12.5 s (its newer failed run is not counted), channels none."""
    import json

    def manifest(nb, day, run, status, secs):
        d = tmp_path / nb / day / run
        d.mkdir(parents=True)
        (d / "manifest.json").write_text(json.dumps({"status": status, "duration_s": secs}))
    manifest("finance", "2026-12-05", "060000-aaaa", "ok", 5.0)
    manifest("overview", "2026-12-05", "060000-bbbb", "ok", 12.5)
    manifest("overview", "2026-12-06", "060000-cccc", "failed", 99.0)
    assert runner.last_seconds("notebooks/overview.ipynb", tmp_path) == 12.5
    assert runner.last_seconds("channels", tmp_path) is None
    started = []
    monkeypatch.setattr(runner, "_run_with_retries", lambda job, wh, out, sleep: started.append(
        job.name) or runner.RunResult(job.notebook, "ok", 0.0, "", label=job.name))
    jobs = [runner.Job(name=n, notebook=n, cron="0 6 * * *")
            for n in ("finance", "overview", "channels")]
    res = runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), out_root=tmp_path)
    assert sorted(started) == ["channels", "finance", "overview"]
    # the order they are handed to the workers (which of two starts first is the threads')
    assert runner.longest_first(jobs, tmp_path) == [2, 1, 0]
    assert [r.label for r in res] == ["finance", "overview", "channels"]
    started.clear()
    runner.run_jobs(jobs, runner.Schedule(jobs, parallel=1), out_root=tmp_path)
    assert started == ["finance", "overview", "channels"]


def test_a_report_notebook_is_saved_sparsely_while_it_runs(tmp_path, wh_path, monkeypatch):
    """Papermill writes the running notebook before and after every cell; the runner's
    engine skips those writes while the last one is younger than SAVE_EVERY_S. The
    finished notebook has every cell's output; a cell that fails is still saved with its
    error; with SAVE_EVERY_S = 0 every write is made (papermill's behaviour)."""
    import papermill.engines as pe
    writes = []
    real = pe.write_ipynb
    monkeypatch.setattr(pe, "write_ipynb", lambda nb, path: writes.append(path) or real(nb, path))
    nb = make_notebook(tmp_path / "s.ipynb", "print('first')\n")
    n = nbformat.read(str(nb), as_version=4)
    n.cells += [nbformat.v4.new_code_cell(f"print({i})") for i in range(8)]
    nbformat.write(n, str(nb))
    r = runner.run_report(nb, warehouse=wh_path, out_root=tmp_path / "r")
    assert r.status == "ok", r.error
    out = nbformat.read(str(Path(r.out_dir) / "s.ipynb"), as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    assert [c.outputs[0]["text"] for c in code[-8:]] == [f"{i}\n" for i in range(8)]
    assert all(c.metadata.papermill["status"] == "completed" for c in code)
    sparse = len(writes)
    assert 2 <= sparse <= 4, writes  # the start and the end (a slow machine: one more)

    writes.clear()
    monkeypatch.setattr(runner, "SAVE_EVERY_S", 0.0)
    r = runner.run_report(nb, warehouse=wh_path, out_root=tmp_path / "r")
    assert r.status == "ok" and len(writes) >= 2 * len(code) + 2

    bad = make_notebook(tmp_path / "b.ipynb", "print('before')\n")
    n = nbformat.read(str(bad), as_version=4)
    n.cells += [nbformat.v4.new_code_cell("1 / 0"), nbformat.v4.new_code_cell("print('never')")]
    nbformat.write(n, str(bad))
    monkeypatch.setattr(runner, "SAVE_EVERY_S", 60.0)
    r = runner.run_report(bad, warehouse=wh_path, out_root=tmp_path / "r")
    assert r.status == "failed" and "ZeroDivisionError" in r.error
    out = nbformat.read(str(Path(r.out_dir) / "b.ipynb"), as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in out.cells if c.cell_type == "code"
               for o in c.outputs)
