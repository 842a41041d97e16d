"""The 经营日报 end to end: a day of exports dropped into the inbox is loaded, the marts are
built, the due overview runs for that day, and one push reaches a local webhook server with
that day's figures and the reports' actions; the next pass the same day sends nothing, and
an alert already sent is not repeated unless it changed."""
from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from ecomlib import daily_push, demo, inbox, runner
from ecomlib.warehouse import Warehouse

pytestmark = pytest.mark.slow
BJ = runner.BEIJING
HEAD = "订单号,商品ID,商家SKUID,订购数量,京东价,订单金额,应付金额,运费金额,订单状态,下单时间,付款确认时间\n"


class Hook(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):  # noqa: N802
        Hook.got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *a):
        pass


@pytest.fixture
def hook():
    Hook.got = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/robot"
    server.shutdown()


def test_a_day_of_exports_becomes_one_push_for_that_day(tmp_path, hook):
    src = tmp_path / "demo"
    demo.write_demo(src, demo.DemoConfig(members=400, skus=30, end="2025-06-30"),
                    layout="canonical")
    wh = tmp_path / "w.duckdb"
    with Warehouse(wh) as w:
        w.ingest([src], progress=False)
        w.build()
    box = tmp_path / "inbox"
    box.mkdir()
    (box / "ecom.yaml").write_text('shops: {"*": jd_flagship}\n', encoding="utf-8")
    rows = "".join(f"70070{i},9{i},SKU-NEW-{i},1,88.00,88.00,88.00,0.00,完成,"
                   f"2025-07-01 1{i}:00:00,2025-07-01 1{i}:01:00\n" for i in range(5))
    (box / "jd_20250701.csv").write_text(HEAD + rows, encoding="utf-8")
    sf = tmp_path / "parameters" / "schedule.yaml"
    sf.parent.mkdir()
    sf.write_text(f"""
defaults: {{parallel: 1, retries: 0}}
alerts:
  notify: []
  webhooks: [{{kind: dingtalk, url: "{hook}"}}]
reports:
  - {{name: overview-daily, notebook: overview, cron: "0 8 * * *", overrides: {{period: yesterday}}}}
""", encoding="utf-8")
    schedule = runner.load_schedule(sf)
    out = tmp_path / "reports"
    now = dt.datetime(2025, 7, 2, 9, 0, tzinfo=BJ)
    r = inbox.run_pass(box, wh, schedule, out, stable_seconds=0, now=now)
    assert r.loaded == ["jd_20250701.csv"] and [x.status for x in r.reports] == ["ok"], \
        [x.error for x in r.reports]
    assert len(Hook.got) == 1
    md = Hook.got[0]["markdown"]
    assert md["title"] == "经营日报 2025-07-01"
    assert "昨日 2025-07-01" in md["text"] and "实付金额" in md["text"]
    # the overview's summary is what the push said
    summary = json.loads((Path(r.reports[0].out_dir) / "summary.json").read_text(encoding="utf-8"))
    paid = [c for c in summary["cards"] if c["metric"] == "paid_fen"][0]
    assert paid["value"] == 5 * 8800 and paid["text"] in md["text"]
    # the same day again: nothing more is sent
    assert daily_push.send(schedule, out, wh, dt.date(2025, 7, 1)) is None
    assert len(Hook.got) == 1
    # sent again (forced) with nothing changed: every open alert was already sent
    again = daily_push.send(schedule, out, wh, dt.date(2025, 7, 1), force=True)
    assert again is not None
    assert [line for line in again["lines"] if line.startswith("[")] == []  # nothing repeated
    assert any(line.startswith("没有新的提醒") for line in again["lines"])
    first = [line for line in md["text"].splitlines() if line.startswith("- ［")]
    assert first, "the first push listed the reports' actions"
