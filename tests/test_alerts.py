"""Webhook payloads and delivery against a real http.server on 127.0.0.1."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pandas as pd
import pytest

from ecomlib import alerts

ROWS = pd.DataFrame({"date": [pd.Timestamp("2025-12-30")], "platform": ["tmall"], "shop_id": ["a"],
                     "metric": ["paid_fen"], "value": [100.0], "expected": [float("nan")],
                     "message": ["2025-12-30 天猫 a 的实付金额为 ¥1，比预期低 90%"]})


def test_payload_shapes():
    d = alerts.build_payload("dingtalk", ROWS, "告警")
    assert d["msgtype"] == "markdown" and "¥1" in d["markdown"]["text"] and d["markdown"]["title"] == "告警"
    w = alerts.build_payload("wecom", ROWS, "告警")
    assert w["msgtype"] == "markdown" and "告警" in w["markdown"]["content"]
    f = alerts.build_payload("feishu", ROWS, "告警")
    assert f["msg_type"] == "text" and "¥1" in f["content"]["text"]
    g = alerts.build_payload("generic", ROWS, "告警")
    assert g["count_alerts"] == 1 and g["alerts"][0]["expected"] is None
    assert g["alerts"][0]["date"].startswith("2025-12-30")
    json.dumps(g)
    with pytest.raises(ValueError, match="unknown webhook kind"):
        alerts.build_payload("slack", ROWS)


class _Handler(BaseHTTPRequestHandler):
    received = []
    answer = b'{"errcode": 0, "errmsg": "ok"}'
    status = 200

    def do_POST(self):
        n = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(n).decode("utf-8")))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).answer)

    def log_message(self, *a):
        pass


@pytest.fixture
def server():
    srv = HTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    _Handler.received.clear()
    _Handler.answer, _Handler.status = b'{"errcode": 0, "errmsg": "ok"}', 200
    yield f"http://127.0.0.1:{srv.server_port}/robot/send"
    srv.shutdown()
    srv.server_close()


def test_send_delivers_json(server):
    p = alerts.build_payload("dingtalk", ROWS)
    assert alerts.send(server + "?access_token=secret", p, timeout=5) == {"errcode": 0, "errmsg": "ok"}
    assert _Handler.received == [p]


def test_send_reports_robot_refusal_without_token(server):
    _Handler.answer = b'{"errcode": 310000, "errmsg": "keywords not in content"}'
    with pytest.raises(alerts.AlertDeliveryError, match="310000") as e:
        alerts.send(server + "?access_token=secret", {"msgtype": "text"}, timeout=5)
    assert "secret" not in str(e.value)


def test_send_reports_http_error_and_unreachable(server):
    _Handler.status = 500
    with pytest.raises(alerts.AlertDeliveryError, match="HTTP 500"):
        alerts.send(server, {}, timeout=5)
    with pytest.raises(alerts.AlertDeliveryError, match="could not reach"):
        alerts.send("http://127.0.0.1:1/x", {}, timeout=2)
    with pytest.raises(alerts.AlertDeliveryError, match="http"):
        alerts.send("ftp://x", {})
