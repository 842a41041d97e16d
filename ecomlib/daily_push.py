"""The 经营日报: one push a day to the seller's chat group (DingTalk, WeCom, Feishu; e-mail
optional) with yesterday's and the month's figures and every alert of every area.

It says what the reports say, computed once: each report run keeps its 经营摘要 as
``summary.json`` (:mod:`ecomlib.summary`); the push reads the newest good run of each report:

1. the overview's KPI cards: yesterday against the day before (环比), a year ago (同比) and
   its share of the month's target, and the month to date against its target;
2. every report's actions (anomalies of sales, traffic and ads; SKUs out of stock or with
   fewer days of supply than their lead time; dead stock; loss-making SKUs and ad plans; the
   week cash runs low; shops behind target; members to win back ...);
3. shops whose exports are stale (:mod:`ecomlib.freshness`), and reports that failed.

Alerts are de-duplicated across days (``alerts.dedupe``, state in the warehouse table
``alert_state``): one already sent is not sent again until its wording changes (a new
quantity, a new level) or it clears (then it is listed once as cleared). The push is sent
once a day (the state file ``reports/.push-state.json`` records the day), after the reports
of that morning ran.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

REPORTS = ("overview", "inventory", "channels", "finance", "members")
NAMES = {"overview": "数据概览", "inventory": "库存", "channels": "渠道", "finance": "财务",
         "members": "会员"}


def latest_summaries(out_root: str | Path) -> dict[str, dict]:
    """{report: its newest good run's summary.json (with ``run_dir``)} (reports without one
    are left out)."""
    out = {}
    for name in REPORTS:
        latest = Path(out_root) / name / "latest.json"
        if not latest.exists():
            continue
        try:
            run_dir = Path(json.loads(latest.read_text(encoding="utf-8"))["run_dir"])
            rec = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        except (OSError, KeyError, json.JSONDecodeError):
            continue
        rec["run_dir"] = str(run_dir)
        out[name] = rec
    return out


def _key(report: str, text: str) -> str:
    """A stable key of an alert: its report and its text with the numbers taken out (so a
    stock-out of the same SKU is the same alert when the quantity changes)."""
    skeleton = re.sub(r"[-+]?[\d,.]+%?", "#", text)
    return f"{report}:" + hashlib.sha1(skeleton.encode("utf-8")).hexdigest()[:16]


def collect(out_root, warehouse=None, as_of=None, results=None) -> tuple[list[str], list[dict]]:
    """(KPI lines, alerts) for the push: see the module docstring. ``results``: this pass's
    report runs (failed ones become alerts)."""
    sums = latest_summaries(out_root)
    kpis: list[str] = []
    ov = sums.get("overview")
    if ov:
        kpis.append(f"**{ov.get('period', '')}**")
        for c in ov["cards"]:
            parts = [f"{c['label']} {c['text']}"]
            for k, word in (("mom", "环比"), ("yoy", "同比")):
                if c.get(k) is not None:
                    parts.append(f"{word} {c[k] * 100:+.1f}%")
            if c.get("attainment") is not None:
                parts.append(f"目标达成 {c['attainment'] * 100:.1f}%")
            kpis.append("- " + "，".join(parts))
    alerts: list[dict] = []
    for name, rec in sums.items():
        for a in rec.get("actions", []):
            alerts.append({"key": _key(name, a["text"]), "fingerprint": a["text"],
                           "message": f"[{NAMES.get(name, name)}] {a['text']}",
                           "severity": a.get("severity", "medium")})
    if warehouse is not None and Path(warehouse).exists():
        from . import freshness
        from .warehouse import Warehouse
        try:
            with Warehouse(warehouse, read_only=True) as wh:
                day = pd_date(as_of) if as_of else None
                if day is None:
                    from .periods import latest_complete_day
                    last = latest_complete_day(wh)
                    day = (last + dt.timedelta(days=1)) if last else dt.date.today()
                fresh = freshness.table(wh, day)
            for r in fresh[fresh["is_stale"]].itertuples():
                name = r.shop_name if isinstance(r.shop_name, str) and r.shop_name else r.shop_id
                last = str(r.last_sales_date)[:10]
                alerts.append({"key": f"stale:{r.platform}:{r.shop_id}", "fingerprint": last,
                               "message": f"[数据] {name} 的订单只到 {last}：请下载最新导出",
                               "severity": "high"})
        except Exception as e:  # noqa: BLE001 - a push with what it has beats no push
            alerts.append({"key": "freshness:error", "fingerprint": str(e)[:80],
                           "message": f"[数据] 无法检查数据时效：{e}", "severity": "medium"})
    failed = {}
    for m in Path(out_root).glob("*/*/*/manifest.json"):  # every run of the last day
        try:
            run = json.loads(m.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        started = str(run.get("started_at", ""))[:10]
        if run.get("status") == "failed" and as_of is not None and \
                started >= (pd_date(as_of) - dt.timedelta(days=1)).isoformat():
            failed[run.get("label") or run.get("notebook")] = run.get("error") or ""
    for r in results or []:
        if r.status == "failed":
            failed[r.label or r.notebook] = r.error or ""
    for name, err in failed.items():
        alerts.append({"key": f"failed:{name}", "fingerprint": "failed",
                       "message": f"[报表] {name} 运行失败：{err[:120]}", "severity": "high"})
    order = {"high": 0, "medium": 1, "low": 2}
    alerts.sort(key=lambda a: order.get(a["severity"], 1))
    return kpis, alerts


def pd_date(v) -> dt.date:
    import pandas as pd
    return pd.Timestamp(v).date()


def compose(day: dt.date, kpis: list[str], new: list[dict], cleared: list[dict],
            total_open: int) -> tuple[str, list[str]]:
    """(title, lines) of the push: KPIs first, then the new or changed alerts, then those
    that cleared. The lines are Markdown-safe only after the payload builders neutralise them
    (alerts.build_payload does)."""
    title = f"经营日报 {day.isoformat()}"
    lines = list(kpis)
    if new:
        lines.append(f"**提醒（{len(new)} 条新的或有变化；共 {total_open} 条未解除）**")
        lines += [a["message"] for a in new]
    else:
        lines.append(f"没有新的提醒（共 {total_open} 条未解除，已提醒过）")
    if cleared:
        lines.append(f"**已解除（{len(cleared)}）**")
        lines += [c["message"] for c in cleared]
    return title, lines


def _state(out_root) -> Path:
    return Path(out_root) / ".push-state.json"


def send(schedule, out_root, warehouse=None, day: dt.date | None = None, results=None,
         force: bool = False) -> dict | None:
    """Send the 经营日报 for ``day`` (the report day: yesterday's figures) to every webhook
    (and e-mail) of the schedule, once a day; returns what was sent (None when it already
    went today or there is nowhere to send it). Alert state is kept in the warehouse."""
    from . import alerts as A
    if not (schedule.webhooks or schedule.email):
        return None
    sums = latest_summaries(out_root)
    if day is None:
        day = dt.date.today()
    state_file = _state(out_root)
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    if state.get("last_day") == day.isoformat() and not force:
        return None
    kpis, alert_list = collect(out_root, warehouse, day + dt.timedelta(days=1), results)
    new, cleared = alert_list, []
    if warehouse is not None and Path(warehouse).exists():
        from .warehouse import Warehouse
        with Warehouse(warehouse) as wh:
            new, cleared = A.dedupe(wh.con, alert_list)
    title, lines = compose(day, kpis, new, cleared, len(alert_list))
    problems = []
    for hook in schedule.webhooks:
        try:
            A.deliver(hook, A.build_payload(hook.get("kind", "json"), lines, title),
                      retries=int(hook.get("retries", 3)), backoff_s=float(hook.get("backoff_s", 1)))
        except Exception as e:  # noqa: BLE001 - one dead hook never stops the others
            problems.append(f"webhook {A._safe_url(hook.get('url', ''))}: {e}")
    if schedule.email:
        try:
            from .runner import send_email
            send_email(schedule.email, title, "\n".join(lines))
        except Exception as e:  # noqa: BLE001
            problems.append(f"e-mail: {e}")
    state = {"last_day": day.isoformat(), "sent_at": dt.datetime.now().isoformat(),
             "reports": sorted(sums), "alerts": len(alert_list), "new": len(new),
             "problems": problems}
    Path(out_root).mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"title": title, "lines": lines, "problems": problems}
