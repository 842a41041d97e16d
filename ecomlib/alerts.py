"""Alert delivery: webhook payloads for DingTalk, WeCom (企业微信), Feishu (飞书) and generic
JSON, and :func:`send`, a plain ``urllib`` POST with a clear error.

The payload builders are pure: they take alert rows (``ecomlib.models.anomaly.alerts``, at
least a ``message`` column; ``date``, ``platform``, ``shop_id``, ``metric``, ``value``,
``expected``, ``lower``, ``upper``, ``deviation_rate`` are passed on in the generic payload when
present) and a title, and return the dict to POST as JSON. The report runner decides when to
send (e.g. only when there are alerts). Formats (the robots' documented message types):

* DingTalk custom robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``
* WeCom group robot: ``{"msgtype": "markdown", "markdown": {"content"}}``
* Feishu custom bot: ``{"msg_type": "text", "content": {"text"}}``
* generic: ``{"title", "count_alerts", "alerts": [{...}, ...]}`` (NaN -> null, dates ISO)

Alert messages carry names from the exports (shops, SKUs, streamers), so in the two Markdown
payloads every message and the title go through :func:`ecomlib.safe_html.neutral_markdown`:
``< > [ ]`` become full-width and line breaks spaces, so no data value can add a link, an image
or HTML to the robot's message. Feishu's text and the generic JSON carry the text unchanged.

A robot that answers HTTP 200 with a non-zero ``errcode`` (DingTalk, WeCom) or ``code``
(Feishu) has refused the message; :func:`send` raises :class:`AlertDeliveryError` then too.
"""
from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request

import pandas as pd

from .safe_html import neutral_markdown

__all__ = ["AlertDeliveryError", "dingtalk_payload", "wecom_payload", "feishu_payload",
           "generic_payload", "build_payload", "send", "FORMATS", "sign_dingtalk",
           "sign_feishu", "deliver", "dedupe"]

#: characters of message text kept per payload (robots limit message size: DingTalk 20000
#: bytes, WeCom 4096 bytes for markdown); longer lists are cut with a note
MAX_TEXT = 3500
#: UTF-8 bytes of message text each robot accepts (its documented limit, less room for the
#: title and the JSON around it): a Chinese character takes 3 bytes
MAX_BYTES = {"dingtalk": 18_000, "wecom": 3_800, "feishu": 18_000}


class AlertDeliveryError(RuntimeError):
    """A webhook did not accept the alert (network error, HTTP error or robot error code)."""


def _messages(alerts) -> list[str]:
    if alerts is None:
        return []
    if isinstance(alerts, pd.DataFrame):
        if "message" not in alerts.columns:
            raise KeyError("alerts: the frame needs a 'message' column "
                           "(use ecomlib.models.anomaly.alerts(...)); got "
                           f"{list(alerts.columns)}")
        return [str(m) for m in alerts["message"]]
    return [str(a["message"]) if isinstance(a, dict) else str(a) for a in alerts]


def _text(title: str, alerts, bullet: str = "- ", limit: int = MAX_TEXT,
          markdown: bool = False, max_bytes: int | None = None) -> tuple[str, int]:
    """The alert lines under ``limit`` characters and ``max_bytes`` UTF-8 bytes (what the
    robot accepts), with a note of how many were left out."""
    msgs = _messages(alerts)
    if markdown:  # messages carry shop names, SKUs ... from the exports: never markup
        msgs = [neutral_markdown(m) for m in msgs]
    budget = (max_bytes or 10**9) - len(title.encode("utf-8")) - 64
    lines, used, used_bytes, shown = [], 0, 0, 0
    for m in msgs:
        line = bullet + m
        nb = len(line.encode("utf-8")) + 1
        if used + len(line) > limit or used_bytes + nb > budget:
            break
        lines.append(line)
        used += len(line) + 1
        used_bytes += nb
        shown += 1
    if shown < len(msgs):
        lines.append(f"… (+{len(msgs) - shown})")
    if not msgs:
        lines.append("(0)")
    return "\n".join(lines), len(msgs)


def dingtalk_payload(alerts, title: str = "ecomlib alerts") -> dict:
    """DingTalk custom robot markdown message (title + one bullet per alert)."""
    body, _ = _text(title, alerts, markdown=True, max_bytes=MAX_BYTES["dingtalk"])
    head = neutral_markdown(title)
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {head}\n\n{body}"}}


def wecom_payload(alerts, title: str = "ecomlib alerts") -> dict:
    """WeCom (企业微信) group robot markdown message."""
    body, _ = _text(title, alerts, markdown=True, max_bytes=MAX_BYTES["wecom"])
    return {"msgtype": "markdown", "markdown": {"content": f"**{neutral_markdown(title)}**\n{body}"}}


def feishu_payload(alerts, title: str = "ecomlib alerts") -> dict:
    """Feishu (飞书) custom bot text message."""
    body, _ = _text(title, alerts, max_bytes=MAX_BYTES["feishu"])
    return {"msg_type": "text", "content": {"text": f"{title}\n{body}"}}


def _jsonable(v):
    if v is None:
        return None
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return _jsonable(v.item())
    return v


_GENERIC_COLS = ("date", "platform", "shop_id", "metric", "phase", "value", "expected",
                 "lower", "upper", "deviation_rate", "score", "message")


def generic_payload(alerts, title: str = "ecomlib alerts") -> dict:
    """Generic JSON: ``{"title", "count_alerts", "alerts": [...]}``, each alert with the
    columns of :data:`_GENERIC_COLS` that are present (NaN/inf -> null, dates ISO 8601)."""
    if isinstance(alerts, pd.DataFrame):
        cols = [c for c in _GENERIC_COLS if c in alerts.columns]
        items = [{c: _jsonable(r[c]) for c in cols} for _, r in alerts.iterrows()]
    else:
        items = [({k: _jsonable(v) for k, v in a.items()} if isinstance(a, dict)
                  else {"message": str(a)}) for a in (alerts or [])]
    return {"title": title, "count_alerts": len(items), "alerts": items}


FORMATS = {"dingtalk": dingtalk_payload, "wecom": wecom_payload, "feishu": feishu_payload,
           "generic": generic_payload, "json": generic_payload}


def build_payload(kind: str, alerts, title: str = "ecomlib alerts") -> dict:
    """The payload for ``kind`` (dingtalk, wecom, feishu, generic/json)."""
    try:
        fn = FORMATS[kind]
    except KeyError:
        raise ValueError(f"alerts.build_payload: unknown webhook kind {kind!r}; "
                         f"choose one of {', '.join(FORMATS)}") from None
    return fn(alerts, title)


def _safe_url(url: str) -> str:
    """The URL without its query string (robot tokens live there) for error messages."""
    p = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((p.scheme, p.netloc, p.path, "", ""))


def send(url: str, payload: dict, timeout: float = 10.0) -> dict:
    """POST ``payload`` as UTF-8 JSON to ``url``; return the parsed JSON answer (or
    ``{"status": <http status>, "body": <text>}`` when the answer is not JSON).

    Raises :class:`AlertDeliveryError` naming the URL (without its query: tokens stay
    secret), what went wrong and what to check, for: a URL that is not http(s), a network
    error or timeout, an HTTP status >= 400, and a robot answer with ``errcode`` /
    ``code`` / ``StatusCode`` not 0.
    """
    if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise AlertDeliveryError(f"alerts.send: webhook URL must start with http:// or https://; "
                                 f"got {url!r}")
    safe = _safe_url(url)
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, body = resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace")[:300] if e.fp else ""
        raise AlertDeliveryError(f"alerts.send: {safe} answered HTTP {e.code} {e.reason}: "
                                 f"{text!r}; check the webhook URL and its token") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise AlertDeliveryError(f"alerts.send: could not reach {safe} within {timeout:g} s "
                                 f"({reason}); check the URL and the network") from None
    try:
        answer = json.loads(body) if body.strip() else {}
    except json.JSONDecodeError:
        return {"status": status, "body": body}
    if isinstance(answer, dict):
        for key in ("errcode", "code", "StatusCode"):
            if key in answer and answer[key] not in (0, "0", None):
                msg = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
                raise AlertDeliveryError(f"alerts.send: {safe} refused the message: {key}="
                                         f"{answer[key]} {msg!r}; check the robot's keyword/"
                                         "signature/IP settings and the payload kind")
    return answer


# -- signed robots, retries, de-duplication ---------------------------------------------------
def sign_dingtalk(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The URL of a DingTalk robot with 加签 (signature) on: ``&timestamp=<ms>&sign=<s>``
    added, ``s`` = urlencode(base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>"))), as
    DingTalk's documentation gives it (a signature is valid for one hour)."""
    import base64
    import hashlib
    import hmac
    import time
    ts = str(int(timestamp_ms if timestamp_ms is not None else time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{ts}\n{secret}".encode("utf-8"),
                      hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def sign_feishu(payload: dict, secret: str, timestamp_s: int | None = None) -> dict:
    """A Feishu (飞书) payload with its signature check fields: ``timestamp`` (seconds) and
    ``sign`` = base64(HMAC-SHA256(key="<timestamp>\\n<secret>", message=b"")), as Feishu's
    documentation gives it."""
    import base64
    import hashlib
    import hmac
    import time
    ts = str(int(timestamp_s if timestamp_s is not None else time.time()))
    digest = hmac.new(f"{ts}\n{secret}".encode("utf-8"), b"", hashlib.sha256).digest()
    return {"timestamp": ts, "sign": base64.b64encode(digest).decode("ascii"), **payload}


#: robot error codes worth another try (sending too fast, a busy server)
RETRY_CODES = {130101, 45009, -1, 11232, 9499}


def deliver(hook: dict, payload: dict, retries: int = 3, backoff_s: float = 1.0,
            sleep=None, env=None) -> dict:
    """Send ``payload`` to one webhook of the schedule (``{kind, url, secret_env?,
    timeout_s?}``), signing it when the hook names the environment variable holding its
    secret (``secret_env``: DingTalk 加签, Feishu 签名校验; the secret never sits in the
    schedule file), and trying again after network errors, HTTP 429/5xx and the robots'
    rate-limit codes, waiting ``backoff_s`` x 2^k between tries. Raises
    :class:`AlertDeliveryError` after the last try (or at once for a refusal no retry cures,
    e.g. a bad signature)."""
    import os
    import time
    sleep = sleep or time.sleep
    env = os.environ if env is None else env
    kind, url = hook.get("kind", "json"), hook["url"]
    secret = env.get(hook["secret_env"]) if hook.get("secret_env") else None
    if hook.get("secret_env") and not secret:
        raise AlertDeliveryError(f"alerts.deliver: the webhook {_safe_url(url)} is signed but "
                                 f"${hook['secret_env']} is not set")
    last = None
    for attempt in range(retries + 1):
        target, body = url, payload
        if secret and kind == "dingtalk":
            target = sign_dingtalk(url, secret)
        elif secret and kind == "feishu":
            body = sign_feishu(payload, secret)
        try:
            return send(target, body, timeout=float(hook.get("timeout_s", 10)))
        except AlertDeliveryError as e:
            last = e
            text = str(e)
            retryable = ("could not reach" in text or " HTTP 429" in text or " HTTP 5" in text
                         or any(f"={c} " in text for c in RETRY_CODES))
            if not retryable or attempt == retries:
                break
            sleep(backoff_s * (2 ** attempt))
    raise AlertDeliveryError(f"{last} (after {attempt + 1} attempt(s))")


ALERT_STATE_DDL = """CREATE TABLE IF NOT EXISTS alert_state (
    alert_key VARCHAR PRIMARY KEY, fingerprint VARCHAR, message VARCHAR,
    first_sent_at TIMESTAMP, last_sent_at TIMESTAMP, cleared_at TIMESTAMP)"""


def dedupe(con, alerts: list[dict], now=None) -> tuple[list[dict], list[dict]]:
    """Which alerts to send, with the state kept in the warehouse (table ``alert_state``):
    ``alerts`` are ``{key, fingerprint, message, ...}`` (the key names the thing: a SKU out of
    stock, a shop's stale exports; the fingerprint what is said of it: a level, a value
    band). Returns ``(to_send, cleared)``: alerts never sent, or whose fingerprint changed, or
    that came back after clearing; and the previously open alerts no longer raised (sent once
    as cleared). The state is updated as if both were sent."""
    import datetime as dt
    now = now or dt.datetime.now()
    con.execute(ALERT_STATE_DDL)
    known = {r[0]: r for r in con.execute(
        "SELECT alert_key, fingerprint, message, cleared_at FROM alert_state").fetchall()}
    to_send = []
    seen = set()
    for a in alerts:
        key, fp = str(a["key"]), str(a.get("fingerprint", ""))
        seen.add(key)
        row = known.get(key)
        if row is None or row[1] != fp or row[3] is not None:
            to_send.append(a)
            con.execute("INSERT OR REPLACE INTO alert_state VALUES (?, ?, ?, "
                        "COALESCE((SELECT first_sent_at FROM alert_state WHERE alert_key = ?), ?),"
                        " ?, NULL)", [key, fp, str(a.get("message", "")), key, now, now])
    cleared = []
    for key, row in known.items():
        if key not in seen and row[3] is None:
            cleared.append({"key": key, "fingerprint": row[1], "message": row[2]})
            con.execute("UPDATE alert_state SET cleared_at = ? WHERE alert_key = ?", [now, key])
    return to_send, cleared
