"""The 经营摘要 every report opens with: what happened in the period and what to do today,
on one first screen (1440 x 900).

Three parts, all computed from the numbers:

* **KPI cards** (:class:`Card`): the period's value, 环比 (against the previous period of the
  same kind) and 同比 (the same days a year earlier), and attainment when a target exists.
  An incomplete comparison (a period with no data) shows "—", never a fake ±100 %.
* **Largest changes** (:func:`changes`): the 3-5 biggest moves of a metric between the period
  and its 环比 period, each with what drove it (the shop, platform, SKU or channel whose own
  change explains most of it).
* **Actions** (:class:`Action`): what to do, most urgent first, each linked to the section
  of the report that gives the detail (``#anchor``).

:func:`html` renders them as a self-contained block (inline styles only: report pages carry
a Content-Security-Policy that forbids scripts and outside styles). Every value that came
from the data is escaped.
"""
from __future__ import annotations

import html as _h
import math
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from . import fmt, i18n
from .metrics import catalogue

UP, DOWN, MUTED = "#d6336c", "#2b8a3e", "#868e96"  # red up / green down, as Chinese screens


@dataclass
class Card:
    """One KPI: ``metric`` is a catalogue name (its label, format and good direction)."""

    metric: str
    value: float
    previous: float | None = None
    year_ago: float | None = None
    target: float | None = None
    note: str = ""
    #: a second metric shown in the same card, below a line (e.g. 毛利率 under 毛利): its
    #: value, 环比 and 同比 (its own target and note too, when given)
    sub: "Card | None" = None

    @property
    def mom(self) -> float | None:
        """环比: value / previous - 1 (None when undefined)."""
        return _change(self.value, self.previous)

    @property
    def yoy(self) -> float | None:
        """同比: value / year_ago - 1 (None when undefined)."""
        return _change(self.value, self.year_ago)

    @property
    def attainment(self) -> float | None:
        """Target attainment: value / target (None without a target)."""
        if self.target in (None, 0) or _missing(self.target) or _missing(self.value):
            return None
        return self.value / self.target


@dataclass
class Action:
    """One thing to do: ``text`` (already in the report's language; data values inside it
    are escaped when rendered), a ``link`` to the section (``#anchor``), ``severity``
    (high, medium, low) and the ``count`` of items behind it (SKUs, members ...)."""

    text: str
    link: str = ""
    severity: str = "medium"
    count: int | None = None


def actions_frame(acts: Sequence[Action], sections: dict[str, tuple[str, str]],
                  lang: str = "zh") -> pd.DataFrame:
    """The action list as a workbook sheet: ``severity`` (高/中/低), ``action`` (its text) and
    ``section`` (the name, in ``sections`` = anchor -> (zh, en), of the section it links to;
    a link to no named section is shown as it is)."""
    sev = {"high": i18n.text("高", "high", lang), "medium": i18n.text("中", "medium", lang),
           "low": i18n.text("低", "low", lang)}
    where = {f"#{k}": i18n.text(*v, lang) for k, v in sections.items()}
    return pd.DataFrame({"severity": [sev.get(a.severity, a.severity) for a in acts],
                         "action": [a.text for a in acts],
                         "section": [where.get(a.link, a.link) for a in acts]})


@dataclass
class Change:
    """A metric's move between two periods and what drove it."""

    metric: str
    value: float
    previous: float
    driver: str = ""            # e.g. "天猫旗舰店" (already a label)
    driver_delta: float | None = None
    driver_share: float | None = None  # driver's delta / total delta

    @property
    def delta(self) -> float:
        return self.value - self.previous


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _change(value, base) -> float | None:
    if _missing(value) or _missing(base) or not base:
        return None
    return value / base - 1


def fmt_value(metric: str, v, lang: str = "zh") -> str:
    """A metric's value as the catalogue says to show it."""
    if _missing(v):
        return fmt.MISSING
    kind = catalogue.fmt_kind(metric) or "int"
    if kind == "money":
        return fmt.wan(v, lang) if abs(v) >= 1_000_000 else fmt.yuan(v, lang)
    if kind == "pct":
        return fmt.pct(v)
    if kind == "ratio":
        return f"{v:,.2f}"
    return fmt.integer(v)


def _delta_html(change, metric: str, lang: str, points: bool = False) -> str:
    if change is None or _missing(change):
        return f'<span style="color:{MUTED}">{fmt.MISSING}</span>'
    good = catalogue.good_when_up(metric)
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    if good is None or change == 0:
        colour = MUTED
    else:
        colour = UP if change > 0 else DOWN  # red = up, green = down (market convention)
    pts = abs(change) * 100  # a move under 0.05 points keeps two decimals (not "▲ 0.0")
    txt = (f"{pts:.{2 if pts < 0.05 else 1}f}" + i18n.text(" 个百分点", " pts", lang)) if points \
        else fmt.pct(abs(change))
    return f'<span style="color:{colour}">{arrow} {_h.escape(txt)}</span>'


def _card_rows(c: Card, lang: str) -> list[str]:
    """The 环比, 同比 and target lines of a card (a rate moves in percentage points)."""
    is_rate = catalogue.fmt_kind(c.metric) == "pct"
    if is_rate:  # a rate's change is in percentage points
        mom = None if _missing(c.previous) or _missing(c.value) else c.value - c.previous
        yoy = None if _missing(c.year_ago) or _missing(c.value) else c.value - c.year_ago
    else:
        mom, yoy = c.mom, c.yoy
    rows = [f'{i18n.text("环比", "vs prev.", lang)} {_delta_html(mom, c.metric, lang, is_rate)}',
            f'{i18n.text("同比", "vs last yr", lang)} {_delta_html(yoy, c.metric, lang, is_rate)}']
    if c.attainment is not None:
        rows.append(f'{i18n.text("目标达成", "of target", lang)} '
                    f'<b>{_h.escape(fmt.pct(c.attainment))}</b>')
    return rows


def _sub_html(s: Card, lang: str) -> str:
    """A card's second metric (:attr:`Card.sub`), below a line, smaller than the first."""
    name = catalogue.label(s.metric, lang) or s.metric
    note = f'<div style="color:{MUTED}">{_h.escape(s.note)}</div>' if s.note else ""
    return (f'<div class="ecom-sub" data-metric="{_h.escape(s.metric)}" '
            f'data-value="{_h.escape(str(s.value))}" style="border-top:1px solid #e9ecef;'
            f'margin-top:6px;padding-top:4px;font-size:12px;line-height:1.5">'
            f'<div style="font-size:13px;color:#495057">{_h.escape(name)} '
            f'<b style="font-size:16px;color:#212529;font-variant-numeric:tabular-nums">'
            f'{_h.escape(fmt_value(s.metric, s.value, lang))}</b></div>'
            f'{"<br>".join(_card_rows(s, lang))}{note}</div>')


def card_html(c: Card, lang: str = "zh") -> str:
    """One card (``data-metric`` and ``data-value`` carry the raw figures for tests; a
    second metric (``sub``) carries its own in a ``div.ecom-sub`` inside the card)."""
    name = catalogue.label(c.metric, lang) or c.metric
    rows = _card_rows(c, lang)
    note = f'<div style="font-size:12px;color:{MUTED}">{_h.escape(c.note)}</div>' if c.note else ""
    if c.sub is not None:
        note += _sub_html(c.sub, lang)
    return (f'<div class="ecom-card" data-metric="{_h.escape(c.metric)}" '
            f'data-value="{_h.escape(str(c.value))}" style="flex:1 1 140px;max-width:260px;'
            f'border:1px solid #dee2e6;border-radius:8px;padding:10px 14px;margin:4px;'
            f'background:#fff">'
            f'<div style="font-size:13px;color:#495057">{_h.escape(name)}</div>'
            f'<div style="font-size:24px;font-weight:700;font-variant-numeric:tabular-nums">'
            f'{_h.escape(fmt_value(c.metric, c.value, lang))}</div>'
            f'<div style="font-size:12px;line-height:1.5">{"<br>".join(rows)}</div>{note}</div>')


def changes(current: pd.DataFrame, previous: pd.DataFrame, metrics: Sequence[str],
            by: str, labels: dict | None = None, top: int = 5) -> list[Change]:
    """The largest moves of ``metrics`` (catalogue names) from ``previous`` to ``current``
    (rows of a mart with the metrics' columns and a ``by`` column: shop, platform, SKU ...),
    ordered by the size of the move relative to its base, each with the ``by`` group whose
    own move is the largest part of it in the same direction (``labels`` maps group keys to
    display names). Only additive metrics and ratios of sums are compared as wholes."""
    out = []
    for m in metrics:
        now, before = catalogue.value(m, current), catalogue.value(m, previous)
        if _missing(now) or _missing(before) or now == before:
            continue
        c = Change(m, now, before)
        keys = sorted(set(current[by].dropna()) | set(previous[by].dropna()), key=str)
        deltas = []
        for k in keys:
            a = catalogue.value(m, current[current[by] == k])
            b = catalogue.value(m, previous[previous[by] == k])
            if _missing(a) or _missing(b):
                continue
            deltas.append((k, a - b))
        same = [(k, d) for k, d in deltas if d * c.delta > 0]
        if same and catalogue.metric(m).additive:
            k, d = max(same, key=lambda kd: abs(kd[1]))
            c.driver = str((labels or {}).get(k, k))
            c.driver_delta = d
            c.driver_share = d / c.delta if c.delta else None
        elif same:  # a ratio: the group that moved most in the same direction
            k, d = max(same, key=lambda kd: abs(kd[1]))
            c.driver = str((labels or {}).get(k, k))
            c.driver_delta = d
        out.append(c)
    out.sort(key=lambda c: abs(c.delta / c.previous) if c.previous else float("inf"),
             reverse=True)
    return out[:top]


def change_sentence(c: Change, lang: str = "zh") -> str:
    """``实付金额 ¥12.3万，环比 ▲ 8.0%，主要来自 天猫旗舰店（+¥1.2万，占 60%）``."""
    name = catalogue.label(c.metric, lang) or c.metric
    rate = catalogue.fmt_kind(c.metric) == "pct"
    move = (f"{(c.value - c.previous) * 100:+.1f}" + i18n.text(" 个百分点", " pts", lang)) if rate \
        else fmt.pct(c.delta / c.previous) if c.previous else fmt.MISSING
    if not rate and c.previous and c.delta > 0:
        move = "+" + move
    s = (f"{name} {fmt_value(c.metric, c.value, lang)}，" + i18n.text("环比 ", "vs prev. ", lang)
         + move) if lang == "zh" else (f"{name} {fmt_value(c.metric, c.value, lang)}, "
                                       f"{move} vs the previous period")
    if c.driver:
        d = fmt_value(c.metric, c.driver_delta, lang) if not rate else (
            f"{c.driver_delta * 100:+.1f}" + i18n.text(" 个百分点", " pts", lang))
        if not rate and c.driver_delta is not None and c.driver_delta > 0:
            d = "+" + d
        share = (i18n.text("，占 ", ", ", lang) + fmt.pct(c.driver_share)
                 + i18n.text("", " of it", lang)) if c.driver_share is not None and \
            0 < c.driver_share <= 1.5 else ""
        s += (f"，主要来自 {c.driver}（{d}{share}）" if lang == "zh"
              else f", mostly {c.driver} ({d}{share})")
    return s


def html(title: str, period_label: str, cards: Sequence[Card], change_list: Sequence[Change] = (),
         actions: Sequence[Action] = (), health: str = "", lang: str = "zh",
         health_link: str = "") -> str:
    """The summary block (see the module docstring). A change may also be a sentence the
    report wrote itself (a ``str``, e.g. a move between RFM tiers), shown as it is."""
    t = lambda zh, en: i18n.text(zh, en, lang)  # noqa: E731
    cards_html = "".join(card_html(c, lang) for c in cards)
    ch = "".join(f"<li>{_h.escape(c if isinstance(c, str) else change_sentence(c, lang))}</li>"
                 for c in change_list) or \
        f"<li style='color:{MUTED}'>{t('与上期相比没有明显变化。', 'No notable change on the previous period.')}</li>"
    colours = {"high": UP, "medium": "#e8590c", "low": MUTED}
    acts = "".join(
        f"<li><span style='color:{colours.get(a.severity, MUTED)}'>●</span> "
        + (f"<a href=\"{_h.escape(a.link)}\">" if a.link else "")
        + _h.escape(a.text) + ("</a>" if a.link else "") + "</li>" for a in actions) or \
        f"<li style='color:{MUTED}'>{t('今天没有需要处理的事项。', 'Nothing needs action today.')}</li>"
    badge = ""
    if health:
        inner = _h.escape(health)
        if health_link:
            inner = f"<a href=\"{_h.escape(health_link)}\">{inner}</a>"
        badge = f"<div style='font-size:12px;color:#495057;margin-top:4px'>{inner}</div>"
    out = (f"<div class='ecom-summary' style='font-family:\"Noto Sans CJK SC\",\"WenQuanYi Micro "
            f"Hei\",sans-serif'>"
            f"<div style='font-size:13px;color:{MUTED}'>{_h.escape(title)} · "
            f"{_h.escape(period_label)}</div>"
            f"<div style='display:flex;flex-wrap:wrap;margin:6px 0'>{cards_html}</div>"
            f"<div style='display:flex;flex-wrap:wrap;gap:24px'>"
            f"<div style='flex:1 1 420px' class='ecom-actions'><div style='font-weight:700'>"
            f"{t('今天要做', 'To do today')}</div><ol style='margin:4px 0 0 26px;padding:0'>"
            f"{acts}</ol></div>"
            f"<div style='flex:1 1 420px' class='ecom-changes'><div style='font-weight:700'>"
            f"{t('主要变化', 'Largest changes')}</div><ul style='margin:4px 0 0 18px;padding:0'>"
            f"{ch}</ul></div></div>{badge}</div>")
    _record(title, period_label, cards, change_list, actions, health, lang)
    return out


def display(*args, **kwargs) -> None:
    """Show :func:`html` in a notebook."""
    from IPython.display import HTML, display as show
    show(HTML(html(*args, **kwargs)))


def record(title, period_label, cards, change_list=(), actions=(), health="",
           lang: str = "zh") -> dict:
    """The summary as plain data (for ``summary.json`` and the daily push): cards with their
    values and changes, the changes and the actions as sentences."""
    def card(c: Card) -> dict:
        return {"metric": c.metric, "label": catalogue.label(c.metric, lang) or c.metric,
                "value": None if _missing(c.value) else float(c.value),
                "text": fmt_value(c.metric, c.value, lang),
                "mom": c.mom, "yoy": c.yoy, "attainment": c.attainment,
                "previous": None if _missing(c.previous) else c.previous,
                "year_ago": None if _missing(c.year_ago) else c.year_ago,
                "target": None if _missing(c.target) else c.target,
                **({"sub": card(c.sub)} if c.sub is not None else {})}
    return {"title": title, "period": period_label, "lang": lang,
            "cards": [card(c) for c in cards],
            "changes": [c if isinstance(c, str) else change_sentence(c, lang)
                        for c in change_list],
            "actions": [{"text": a.text, "severity": a.severity, "link": a.link,
                         "count": a.count} for a in actions],
            "health": health}


def _record(title, period_label, cards, change_list, actions, health, lang) -> None:
    """Inside a report run (a notebook whose parameters give ``output_dir``), keep the
    summary beside the report as ``summary.json``: the daily push (ecomlib.daily_push)
    reads it, so the push says what the reports say, computed once."""
    try:
        from IPython import get_ipython
        ip = get_ipython()
        out = ip.user_ns.get("output_dir") if ip is not None else None
    except Exception:  # noqa: BLE001 - not in IPython
        out = None
    if not out:
        return
    import json
    from pathlib import Path
    rec = record(title, period_label, cards, change_list, actions, health, lang)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "summary.json").write_text(json.dumps(rec, ensure_ascii=False, indent=1,
                                                       default=str), encoding="utf-8")
