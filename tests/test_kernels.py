"""Report kernels forked from a warm process (ecomlib.kernels): a batch's reports run in
kernels forked from one zygote, with their own environment, folder, process group and random
state; the kernels go with the zygote; anything else starts the usual way. And the runner's
import of papermill skips jsonschema's IRI parsers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecomlib import kernels, runner

from test_runner import make_notebook, wh_path  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not kernels.supported(), reason="forked kernels: Linux only")]

PROBE = ("import gc, json, os, sys, numpy as np\n"
         "pathlib.Path(output_dir, 'probe.json').write_text(json.dumps({\n"
         "    'pid': os.getpid(), 'ppid': os.getppid(), 'pgid': os.getpgid(0),\n"
         "    'cwd': os.getcwd(), 'path0': sys.path[0], 'argv0': sys.argv[0],\n"
         "    'env': os.environ.get('ECOMLIB_TEST_PROBE'), 'draw': np.random.random(),\n"
         "    'preloaded': 'ecomlib.metrics.members_report' in sys.modules,\n"
         "    'frozen': gc.get_freeze_count(), 'gc_on': gc.isenabled(),\n"
         "    'parent_handle': get_ipython().kernel.parent.parent_handle\n"
         "    if hasattr(get_ipython().kernel, 'parent') else None}))\n")


def _spy(monkeypatch) -> list:
    """Record whether each kernel the runner asks the zygote for was forked."""
    got = []
    real = kernels.Zygote.spawn

    def spawn(self, *a, **k):
        r = real(self, *a, **k)
        got.append(None if r is None else (r.pid, self.proc.pid))
        return r
    monkeypatch.setattr(kernels.Zygote, "spawn", spawn)
    return got


def test_launcher_parts_accepts_only_this_kind_of_kernel_command():
    py = sys.executable
    assert kernels.launcher_parts([py, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                                   "-f", "c.json"]) == (py, ["-Xfrozen_modules=off"],
                                                        ["-f", "c.json"])
    assert kernels.launcher_parts([py, "-m", "ipykernel_launcher", "-f", "c.json"]) == \
        (py, [], ["-f", "c.json"])
    for cmd in ([py, "-m", "other_kernel", "-f", "c.json"], [py, "-c", "print()"],
                [py, "-u", "-m", "ipykernel_launcher"], ["-m", "ipykernel_launcher"]):
        assert kernels.launcher_parts(cmd) is None, cmd


def test_a_batch_runs_in_kernels_forked_from_one_zygote(tmp_path, wh_path, monkeypatch):
    monkeypatch.setenv("ECOMLIB_TEST_PROBE", "seen")
    got = _spy(monkeypatch)
    jobs = [runner.Job(n, str(make_notebook(tmp_path / f"{n}.ipynb", PROBE)), "* * * * *")
            for n in ("a", "b", "c")]
    res = runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), warehouse=wh_path,
                          out_root=tmp_path / "r")
    assert [r.status for r in res] == ["ok"] * 3, [r.error for r in res]
    assert len(got) == 3 and all(g is not None for g in got)
    zygotes = {z for _, z in got}
    assert len(zygotes) == 1  # one warm process for the batch
    probes = [json.loads((Path(r.out_dir) / "probe.json").read_text()) for r in res]
    for p, (pid, zygote) in zip(sorted(probes, key=lambda p: p["pid"]), sorted(got)):
        assert p["pid"] == pid and p["ppid"] == zygote
        assert p["pgid"] == pid  # its own process group, as a launched kernel
        assert p["parent_handle"] == zygote  # it watches the zygote
        assert p["env"] == "seen"  # this process's environment, not the zygote's
        assert p["cwd"] == str(runner.ROOT) and p["path0"] == str(runner.ROOT)
        assert p["argv0"].endswith("ipykernel_launcher.py")
        assert p["preloaded"]  # the report modules came with the fork
        # ... frozen: the kernel's collections do not walk (and copy) the zygote's objects
        assert p["frozen"] > 100_000 and p["gc_on"]
    assert len({p["draw"] for p in probes}) == 3  # numpy's global generator reseeded
    # the batch is over: the zygote and its kernels are gone, no kernel is left behind
    assert kernels.current() is None
    for pid, zygote in got:
        assert kernels._start_time(pid) is None
        assert kernels._start_time(zygote) is None


def test_a_single_report_and_a_foreign_kernel_start_the_usual_way(tmp_path, wh_path,
                                                                  monkeypatch):
    got = _spy(monkeypatch)
    res = runner.run_report(make_notebook(tmp_path / "one.ipynb"), warehouse=wh_path,
                            out_root=tmp_path / "r")
    assert res.status == "ok" and got == []  # no zygote for one report
    with kernels.warm(True, cwd=runner.ROOT) as z:
        assert z is not None and z.proc is None  # started by the first kernel asked for
        z.start()
        assert z.ready(60)
        assert z.spawn([sys.executable, "-m", "some_other_kernel", "-f", "x.json"]) is None
        assert z.spawn([sys.executable + "-elsewhere", *z.flags, "-m", "ipykernel_launcher",
                        "-f", "x.json"]) is None
    assert not z.ready()


def test_a_forked_kernel_exits_with_its_zygote(tmp_path):
    """A kernel watches its parent (the zygote), as a launched kernel watches the runner:
    a runner that dies takes the zygote (its pipe closes) and so the kernels with it."""
    from jupyter_client import BlockingKernelClient
    from jupyter_client.connect import write_connection_file
    spec = kernels.launcher_parts(
        __import__("jupyter_client.kernelspec", fromlist=["x"]).KernelSpecManager()
        .get_kernel_spec("python3").argv)
    z = kernels.Zygote(spec[0], spec[1], runner.ROOT)
    try:
        assert z.ready(60)
        cf, info = write_connection_file(str(tmp_path / "k.json"), transport="ipc",
                                         ip=str(tmp_path / "k"))
        k = z.spawn([spec[0], *spec[1], "-m", "ipykernel_launcher", "-f", cf],
                    env=dict(os.environ), cwd=str(tmp_path))
        assert k is not None and k.poll() is None
        c = BlockingKernelClient(connection_file=cf)
        c.load_connection_file()
        c.start_channels()
        c.wait_for_ready(timeout=60)
        reply = c.execute_interactive("x = 6 * 7", timeout=60)
        assert reply["content"]["status"] == "ok"
        c.stop_channels()
    finally:
        z.close()
    end = time.monotonic() + 20
    while k.poll() is None and time.monotonic() < end:
        time.sleep(0.1)
    assert k.poll() == 0, "the kernel outlived its zygote"


def test_papermill_via_the_runner_skips_the_iri_parsers():
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from ecomlib import runner\n"
            "runner.notebook_parameters(Path('notebooks/members.ipynb'))\n"
            "import nbformat\n"
            "nb = nbformat.read('notebooks/members.ipynb', as_version=4)\n"
            "nbformat.validate(nb)\n"
            "print('rfc3987_syntax' in sys.modules, 'lark' in sys.modules)\n"
            "import rfc3987_syntax\n"  # still importable by anyone who wants it
            "print('ok')\n")
    try:
        import rfc3987_syntax  # noqa: F401
    except ImportError:
        pytest.skip("rfc3987_syntax is not installed here")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=runner.ROOT, check=True).stdout.split()
    assert out == ["False", "False", "ok"]


def test_a_forked_kernel_that_hangs_or_dies_fails_its_report_only(tmp_path, wh_path,
                                                                  monkeypatch):
    """The runner stops a forked kernel as it stops a launched one: a cell past the job's
    timeout fails the report and the kernel is killed; a kernel that exits mid-run fails
    its report; the other report of the batch is unaffected."""
    got = _spy(monkeypatch)
    hang = make_notebook(tmp_path / "hang.ipynb",
                         "import os, time\n"
                         "pathlib.Path(output_dir, 'pid').write_text(str(os.getpid()))\n"
                         "time.sleep(120)\n")
    die = make_notebook(tmp_path / "die.ipynb", "import os\nos._exit(3)\n")
    good = make_notebook(tmp_path / "good.ipynb")
    jobs = [runner.Job("hang", str(hang), "* * * * *", retries=0, timeout_s=8),
            runner.Job("die", str(die), "* * * * *", retries=0),
            runner.Job("good", str(good), "* * * * *", retries=0)]
    t0 = time.monotonic()
    res = {r.label: r for r in runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2),
                                               warehouse=wh_path, out_root=tmp_path / "r")}
    assert time.monotonic() - t0 < 100  # neither the hang nor the dead kernel held it up
    assert len(got) == 3 and all(g is not None for g in got)
    assert res["good"].status == "ok"
    assert res["hang"].status == "failed" and "timed out" in (res["hang"].error or "").lower()
    assert res["die"].status == "failed" and res["die"].error
    pid = int((Path(res["hang"].out_dir) / "pid").read_text())
    assert kernels._start_time(pid) is None  # the hanging kernel was killed


def test_an_inbox_pass_warms_the_kernels_while_the_files_load(tmp_path, monkeypatch):
    """With a batch of reports due (parallel > 1), an inbox pass starts the zygote before it
    loads anything, and the runner's batch uses that zygote (no second one); with one report
    due, or no schedule, no zygote is started early."""
    import datetime as dt

    from ecomlib import inbox
    from ecomlib.warehouse import Warehouse

    seen: dict = {}
    real_ingest = Warehouse.ingest

    def ingest(self, *a, **k):  # the zygote was started (its process exists) before the load
        z = kernels.current()
        seen.setdefault("at_ingest", z is not None and z.proc is not None)
        return real_ingest(self, *a, **k)

    def run_due(schedule, warehouse=None, out_root="reports", now=None, sleep=None):
        with kernels.warm(True, cwd=runner.ROOT) as inner:  # what run_jobs does
            seen["inner"] = inner
        seen["at_reports"] = kernels.current()
        seen["ready"] = seen["at_reports"] is not None and seen["at_reports"].ready(30)
        return []
    monkeypatch.setattr(Warehouse, "ingest", ingest)
    monkeypatch.setattr(runner, "run_due", run_due)
    real_warm_html = runner.warm_html
    monkeypatch.setattr(runner, "warm_html",
                        lambda: seen.setdefault("warm_html", real_warm_html()))

    def one_pass(n_jobs: int, parallel: int, with_schedule: bool = True):
        seen.clear()
        box = tmp_path / f"inbox{n_jobs}{parallel}{with_schedule}"
        box.mkdir()
        (box / "ecom.yaml").write_text('shops: {"*": jd_a}\n', encoding="utf-8")
        (box / "jd_0618.csv").write_text(
            "订单号,商品ID,商家SKUID,订购数量,京东价,订单金额,应付金额,运费金额,订单状态,下单时间,"
            "付款确认时间\n500001,9001,SKU-1,1,10.00,10.00,10.00,0.00,完成,2025-06-18 10:00:00,"
            "2025-06-18 10:01:00\n", encoding="utf-8")
        jobs = [runner.Job(name=f"r{i}", notebook="overview", cron="0 6 * * *")
                for i in range(n_jobs)]
        schedule = runner.Schedule(jobs, parallel=parallel) if with_schedule else None
        r = inbox.run_pass(box, tmp_path / f"w{n_jobs}{parallel}.duckdb", schedule,
                           tmp_path / "reports", stable_seconds=0,
                           now=dt.datetime(2025, 6, 19, 8, 0, tzinfo=inbox.BEIJING))
        assert r.loaded == ["jd_0618.csv"]
        return dict(seen)

    got = one_pass(2, 2)
    assert got["at_ingest"] is True and got["ready"] is True
    got["warm_html"].join(60)  # and the runner's HTML exporter was made meanwhile
    assert runner._EXPORTER.get("html") is not None
    assert got["inner"] is None  # run_jobs's warm used the pass's zygote
    assert kernels.current() is None  # and it is gone after the pass
    for n_jobs, parallel, with_schedule in ((1, 2, True), (2, 1, True), (2, 2, False)):
        got = one_pass(n_jobs, parallel, with_schedule)
        assert got.get("at_ingest") is False, (n_jobs, parallel, with_schedule)
        assert "warm_html" not in got


def test_a_forked_kernel_that_lingers_after_its_report_is_stopped_soon(tmp_path, wh_path):
    """A kernel that does not exit after its shutdown request (here: an exit handler that
    sleeps a minute) is terminated half a SHUTDOWN_WAIT_S later, not after jupyter_client's
    default 2.5 s, and the report is ok."""
    import datetime as dt
    slow = "import atexit, time\natexit.register(time.sleep, 60)\n"
    jobs = [runner.Job(n, str(make_notebook(tmp_path / f"{n}.ipynb", slow)), "* * * * *")
            for n in ("a", "b")]
    res = runner.run_jobs(jobs, runner.Schedule(jobs, parallel=2), warehouse=wh_path,
                          out_root=tmp_path / "r")
    assert [r.status for r in res] == ["ok", "ok"], [r.error for r in res]
    for r in res:
        nb = json.loads((Path(r.out_dir) / f"{r.notebook}.ipynb").read_text(encoding="utf-8"))
        last_end = nb["cells"][-1]["metadata"]["papermill"]["end_time"]
        took = nb["metadata"]["papermill"]["duration"]
        start = nb["metadata"]["papermill"]["start_time"]
        after = took - (dt.datetime.fromisoformat(last_end)
                        - dt.datetime.fromisoformat(start)).total_seconds()
        assert after < kernels.SHUTDOWN_WAIT_S / 2 + 1.0, after  # default: > 2.5 s


def test_the_kernel_client_does_not_wait_for_iopub_silence(tmp_path, wh_path):
    """The runner's kernel client skips jupyter_client's 0.2 s IOPub flush after the
    readiness handshake; every cell still gets exactly its own output."""
    from jupyter_client.asynchronous import AsyncKernelClient
    km = runner._kernel_manager_class()(kernel_name="python3")
    kc = km.client()
    assert isinstance(kc, AsyncKernelClient) and type(kc).__name__ == "QuickReadyClient"
    body = "print('first')\n"
    nb = make_notebook(tmp_path / "q.ipynb", body)
    import nbformat
    n = nbformat.read(str(nb), as_version=4)
    n.cells += [nbformat.v4.new_code_cell("print('second')"),
                nbformat.v4.new_code_cell("1 + 1")]
    nbformat.write(n, str(nb))
    r = runner.run_report(nb, warehouse=wh_path, out_root=tmp_path / "r")
    assert r.status == "ok", r.error
    out = nbformat.read(str(Path(r.out_dir) / "q.ipynb"), as_version=4)
    texts = [[o.get("text") or o.get("data", {}).get("text/plain") for o in c.outputs]
             for c in out.cells if c.cell_type == "code"]
    assert texts[-3:] == [["first\n"], ["second\n"], ["2"]], texts


def test_every_preloaded_module_exists():
    """The zygote skips a module that fails to import (the kernel then imports it itself),
    so a misspelt or removed name in PRELOAD would cost every kernel its import unnoticed:
    each one imports."""
    import importlib
    for name in kernels.PRELOAD:
        assert importlib.import_module(name) is not None, name


def test_a_report_kernel_is_not_interrupted_when_it_is_shut_down(tmp_path, wh_path, monkeypatch):
    """jupyter_client sends SIGINT to every kernel it shuts down; an idle ipykernel logs it as
    "ERROR | KeyboardInterrupt caught in kernel" on the runner's console. The runner's kernel
    manager skips that interrupt (the shutdown request and the SIGTERM after it still stop
    the kernel); an interrupt asked for while the kernel runs still reaches it."""
    from jupyter_client.manager import KernelManager
    sent = []
    real = KernelManager._async_signal_kernel

    async def spy(self, signum):
        sent.append(signum)
        return await real(self, signum)
    monkeypatch.setattr(KernelManager, "_async_signal_kernel", spy)
    nb = make_notebook(tmp_path / "i.ipynb", "print('done')\n")
    for parallel in (1, 2):  # a kernel started the usual way, then forked ones
        jobs = [runner.Job(n, str(nb), "* * * * *") for n in ("a", "b")][:parallel]
        res = runner.run_jobs(jobs, runner.Schedule(jobs, parallel=parallel),
                              warehouse=wh_path, out_root=tmp_path / f"r{parallel}")
        assert [r.status for r in res] == ["ok"] * parallel, [r.error for r in res]
    assert __import__("signal").SIGINT not in sent, sent

    import asyncio
    km = runner._kernel_manager_class()(kernel_name="python3")

    async def interrupt_running():
        await km.start_kernel()
        try:
            await km.interrupt_kernel()
        finally:
            await km.shutdown_kernel(now=True)
    asyncio.run(interrupt_running())
    assert sent.count(__import__("signal").SIGINT) == 1, sent
