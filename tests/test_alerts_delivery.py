"""Webhook delivery against a real HTTP server on 127.0.0.1: DingTalk 加签 and Feishu
signatures checked the way the robots check them, retries with backoff, payloads within
the robots' size limits, and alerts de-duplicated with their state in the warehouse."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import pytest

from ecomlib import alerts

SECRET = "SECexample0123456789"


class Robot(BaseHTTPRequestHandler):
    """Answers like the robots: checks signatures, can fail the first N requests."""

    received: list = []
    fail_first = 0

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        Robot.received.append((self.path, body))
        if Robot.fail_first > 0:
            Robot.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        ok = True
        if self.path.startswith("/dingtalk"):
            want = base64.b64encode(hmac.new(SECRET.encode(), f"{q['timestamp']}\n{SECRET}"
                                             .encode(), hashlib.sha256).digest()).decode()
            ok = q.get("sign") == want
            answer = {"errcode": 0 if ok else 310000, "errmsg": "ok" if ok else "sign not match"}
        elif self.path.startswith("/feishu"):
            want = base64.b64encode(hmac.new(f"{body['timestamp']}\n{SECRET}".encode(), b"",
                                             hashlib.sha256).digest()).decode()
            ok = body.get("sign") == want
            answer = {"code": 0 if ok else 19021, "msg": "ok" if ok else "sign match fail"}
        else:
            answer = {"errcode": 0}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture
def robot():
    Robot.received, Robot.fail_first = [], 0
    server = HTTPServer(("127.0.0.1", 0), Robot)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


ALERTS = [{"message": "SKU SY-001 缺货，可售 0 天"}, {"message": "天猫旗舰店 退款率 12.0%"}]


def test_dingtalk_signed_and_feishu_signed(robot):
    env = {"DT_SECRET": SECRET}
    hook = {"kind": "dingtalk", "url": f"{robot}/dingtalk/send?access_token=abc",
            "secret_env": "DT_SECRET"}
    assert alerts.deliver(hook, alerts.build_payload("dingtalk", ALERTS, "经营日报"),
                          env=env)["errcode"] == 0
    path, body = Robot.received[-1]
    assert "timestamp=" in path and "sign=" in path and body["msgtype"] == "markdown"
    hook = {"kind": "feishu", "url": f"{robot}/feishu/hook", "secret_env": "DT_SECRET"}
    assert alerts.deliver(hook, alerts.build_payload("feishu", ALERTS, "经营日报"),
                          env=env)["code"] == 0
    # a wrong secret is refused by the robot and not retried
    with pytest.raises(alerts.AlertDeliveryError, match="refused.*after 1 attempt"):
        alerts.deliver({**hook, "kind": "dingtalk", "url": f"{robot}/dingtalk/send"},
                       {"msgtype": "text"}, env={"DT_SECRET": "wrong"}, sleep=lambda s: None)
    with pytest.raises(alerts.AlertDeliveryError, match="not set"):
        alerts.deliver(hook, {}, env={})


def test_retries_with_backoff_then_success(robot):
    Robot.fail_first = 2
    waits = []
    got = alerts.deliver({"kind": "json", "url": f"{robot}/json"}, {"x": 1}, retries=3,
                         backoff_s=0.5, sleep=waits.append)
    assert got == {"errcode": 0} and waits == [0.5, 1.0] and len(Robot.received) == 3
    Robot.fail_first = 10
    with pytest.raises(alerts.AlertDeliveryError, match="after 3 attempt"):
        alerts.deliver({"kind": "json", "url": f"{robot}/json"}, {}, retries=2,
                       sleep=lambda s: None)


def test_payloads_stay_within_the_robots_size_limits():
    many = [{"message": f"SKU 商品{i:04d} 缺货，建议补货 {i} 件，预计 {i % 9} 天后到货"}
            for i in range(2000)]
    wecom = json.dumps(alerts.wecom_payload(many, "经营日报"), ensure_ascii=False).encode()
    ding = json.dumps(alerts.dingtalk_payload(many, "经营日报"), ensure_ascii=False).encode()
    assert len(wecom) <= 4096 and len(ding) <= 20000
    assert "… (+" in alerts.wecom_payload(many, "经营日报")["markdown"]["content"]


def test_alerts_are_sent_once_until_they_change_or_clear():
    con = duckdb.connect()
    a = {"key": "stockout:SY-001", "fingerprint": "0d", "message": "SY-001 缺货"}
    b = {"key": "refund:tmall", "fingerprint": "high", "message": "退款率偏高"}
    assert alerts.dedupe(con, [a, b]) == ([a, b], [])
    assert alerts.dedupe(con, [a, b]) == ([], [])               # nothing new
    a2 = {**a, "fingerprint": "3d", "message": "SY-001 可售 3 天"}
    assert alerts.dedupe(con, [a2, b]) == ([a2], [])            # changed: sent again
    sent, cleared = alerts.dedupe(con, [a2])                    # b cleared
    assert sent == [] and [c["key"] for c in cleared] == ["refund:tmall"]
    assert alerts.dedupe(con, [a2]) == ([], [])                 # cleared once only
    assert alerts.dedupe(con, [a2, b]) == ([b], [])             # back again: sent
