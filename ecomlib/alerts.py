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
           "generic_payload", "build_payload", "send", "FORMATS"]

#: characters of message text kept per payload (robots limit message size: DingTalk 20000
#: bytes, WeCom 4096 bytes for markdown); longer lists are cut with a note
MAX_TEXT = 3500


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
          markdown: bool = False) -> tuple[str, int]:
    msgs = _messages(alerts)
    if markdown:  # messages carry shop names, SKUs ... from the exports: never markup
        msgs = [neutral_markdown(m) for m in msgs]
    lines, used, shown = [], 0, 0
    for m in msgs:
        line = bullet + m
        if used + len(line) > limit:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if shown < len(msgs):
        lines.append(f"… (+{len(msgs) - shown})")
    if not msgs:
        lines.append("(0)")
    return "\n".join(lines), len(msgs)


def dingtalk_payload(alerts, title: str = "ecomlib alerts") -> dict:
    """DingTalk custom robot markdown message (title + one bullet per alert)."""
    body, _ = _text(title, alerts, markdown=True)
    head = neutral_markdown(title)
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {head}\n\n{body}"}}


def wecom_payload(alerts, title: str = "ecomlib alerts") -> dict:
    """WeCom (企业微信) group robot markdown message."""
    body, _ = _text(title, alerts, markdown=True)
    return {"msgtype": "markdown", "markdown": {"content": f"**{neutral_markdown(title)}**\n{body}"}}


def feishu_payload(alerts, title: str = "ecomlib alerts") -> dict:
    """Feishu (飞书) custom bot text message."""
    body, _ = _text(title, alerts)
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
