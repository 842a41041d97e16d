"""Helpers of the Voila apps (notebooks/apps/): warehouse access, HTML cards, dark charts.

The apps open the warehouse read-only for each query and close it right away
(:func:`read`), so a running ingest or report is never blocked for longer than one query,
and they show a friendly message instead of a traceback when the warehouse is missing or
locked (:class:`Unavailable`). The numbers come from :mod:`ecomlib.metrics.dashboard`.
"""
from __future__ import annotations

import html
import io
import os
from pathlib import Path
from typing import Callable, TypeVar

import pandas as pd

from . import fmt, i18n

T = TypeVar("T")

#: colours of the big screen (dark, high contrast for a wall display); "up" and "down" are the
#: colours of a change for the better and for the worse (see :func:`delta_text`)
DARK = {"bg": "#0b1220", "card": "#131d33", "text": "#e8eefc", "muted": "#8ea0c4",
        "up": "#ff6b6b", "down": "#3ddc97", "accent": "#4da3ff", "warn": "#ffb020"}
#: the same roles on the explorer's light page (darker tones, readable on white)
LIGHT = {"up": "#d6336c", "down": "#2b8a3e", "muted": "#868e96", "warn": "#e8590c",
         "accent": "#1c7ed6"}
#: the environment variable that sets the apps' clock (``YYYY-MM-DD HH:MM``, Beijing) for demos
#: and tests; unset: the real clock
NOW_ENV = "ECOMLIB_APP_NOW"


class Unavailable(RuntimeError):
    """The warehouse cannot be read right now (missing, locked by a writer, damaged)."""

    def __init__(self, kind: str, path: Path, detail: str = ""):
        self.kind, self.path, self.detail = kind, Path(path), detail
        super().__init__(f"{kind}: {path} {detail}".strip())

    def message(self, lang: str = "zh") -> str:
        p = str(self.path)
        return {
            "missing": i18n.text(f"还没有找到数据仓库 {p}。请先导入数据（ecom ingest 或 make demo），"
                                 "或用 $ECOMLIB_WAREHOUSE 指定仓库文件。",
                                 f"No warehouse at {p} yet. Load data first (ecom ingest or "
                                 "make demo), or point $ECOMLIB_WAREHOUSE at the warehouse file.",
                                 lang),
            "locked": i18n.text("数据仓库正在被写入（导入进行中），稍后会自动重试。",
                                "The warehouse is busy (an import is writing to it); "
                                "it will be retried shortly.", lang),
        }.get(self.kind, i18n.text(f"暂时无法读取数据仓库 {p}，请联系管理员。",
                                   f"The warehouse {p} cannot be read right now; "
                                   "please tell the administrator.", lang))


def repo_root(start: Path | None = None) -> Path:
    """The folder holding pyproject.toml above ``start`` (default: cwd, which is
    notebooks/apps under Voila); the package's parent folder when none is found."""
    here = (start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "pyproject.toml").exists() and (p / "ecomlib").is_dir():
            return p
    return Path(__file__).resolve().parents[1]


def resolve_warehouse(given: str | None = None) -> Path:
    """The app's warehouse: ``given`` when not empty, else ``$ECOMLIB_WAREHOUSE``, else
    ``data/warehouse.duckdb`` under the repository root (relative paths are taken from the
    repository root, since Voila runs notebooks with cwd = notebooks/apps)."""
    raw = (given or "").strip() or os.environ.get("ECOMLIB_WAREHOUSE", "").strip() \
        or "data/warehouse.duckdb"
    p = Path(raw).expanduser()
    return p if p.is_absolute() else repo_root() / p


def env_int(name: str, default: int) -> int:
    """An integer setting from the environment (``default`` when unset or not a number)."""
    try:
        return int(os.environ.get(name, "").strip())
    except ValueError:
        return int(default)


def beijing_now(given=None) -> pd.Timestamp:
    """The apps' clock, Beijing wall-clock time without a zone: ``given`` (a date-time or
    its text) when not empty, else ``$ECOMLIB_APP_NOW`` when set, else the real clock."""
    import datetime as dt

    for v in (given, os.environ.get(NOW_ENV, "")):
        if v is not None and str(v).strip():
            return pd.Timestamp(str(v).strip() if isinstance(v, str) else v)
    return pd.Timestamp(dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None))


def read(path: str | Path, fn: Callable[..., T]) -> T:
    """Open the warehouse read-only, return ``fn(wh)``, close it (always).

    Raises :class:`Unavailable` (kind ``missing``, ``locked`` or ``unreadable``) instead of
    DuckDB's own errors, so an app can show :meth:`Unavailable.message`.
    """
    import duckdb

    from .warehouse import Warehouse

    path = Path(path)
    if not path.exists():
        raise Unavailable("missing", path)
    from .warehouse import WarehouseBusy
    try:  # an app refreshes on its own: a short wait, then "being updated" on screen
        wh = Warehouse(path, read_only=True, wait=2)
    except FileNotFoundError:
        raise Unavailable("missing", path) from None
    except WarehouseBusy as e:
        raise Unavailable("locked", path, str(e).splitlines()[0]) from None
    except duckdb.Error as e:
        kind = "locked" if "lock" in str(e).lower() else "unreadable"
        raise Unavailable(kind, path, str(e).splitlines()[0]) from None
    try:
        return fn(wh)
    except duckdb.CatalogException as e:
        raise Unavailable("unreadable", path, str(e).splitlines()[0]) from None
    finally:
        wh.close()


# -- HTML -------------------------------------------------------------------------------------
def notice_html(text: str, kind: str = "info", dark: bool = False) -> str:
    """A boxed message (kind info / warn) for the apps; ``dark``: the big screen's (light
    text in the warning colour's tint, compact: the screen has no room to spare)."""
    colour = DARK["warn"] if kind == "warn" else DARK["accent"]
    if dark:
        return (f'<div class="ecom-notice" style="border-left:6px solid {colour};padding:5px 14px;'
                f'margin:4px 0;font-size:21px;line-height:1.3;color:{colour};'
                f'background:rgba(255,176,32,.10)">{html.escape(text)}</div>')
    return (f'<div class="ecom-notice" style="border-left:6px solid {colour};padding:12px 18px;'
            f'margin:8px 0;font-size:20px;background:rgba(127,127,127,.12)">'
            f"{html.escape(text)}</div>")


def delta_text(change: float, points: bool = False, lang: str = "zh",
               good_when_up: bool | None = True, light: bool = False) -> str:
    """'▲ 12.3%' / '▼ 4.0%' (or '▲ 1.2 个百分点' with ``points``) as coloured HTML.

    The arrow says the direction; the colour says whether it is for the better, from the
    catalogue's good direction (``good_when_up``), as Chinese dashboards colour 正向 and
    负向 metrics: red = better (sales up, refund rate down), green = worse (sales down, ad
    spend up), grey = no change, or a metric that is neither (``None``: cost of goods).
    ``light``: the explorer's colours (:data:`LIGHT`) instead of the big screen's."""
    pal = LIGHT if light else DARK
    if fmt.is_missing(change):
        return f'<span style="color:{pal["muted"]}">{fmt.MISSING}</span>'
    if abs(change) < 0.00005:  # shows as 0.0 % / 0.00 pts: no change
        change = 0.0
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    if good_when_up is None or change == 0:
        colour = pal["muted"]
    else:
        better = (change > 0) == bool(good_when_up)
        colour = pal["up"] if better else pal["down"]
    if points:
        pts = abs(change) * 100  # under 0.05 points keeps two decimals (not "▲ 0.0")
        txt = f"{pts:.{2 if 0 < pts < 0.05 else 1}f}" + i18n.text("个百分点", " pts", lang)
    else:
        txt = fmt.pct(abs(change))
    kind = "better" if colour == pal["up"] else ("worse" if colour == pal["down"] else "neutral")
    return (f'<span class="ecom-delta" data-kind="{kind}" style="color:{colour}">'
            f"{arrow} {html.escape(txt)}</span>")


def colour_legend(lang: str = "zh", light: bool = False, short: bool = False) -> str:
    """One line saying what the colours of :func:`delta_text` mean (``short``: the three
    colours only)."""
    pal = LIGHT if light else DARK
    last = (i18n.text("持平", "no change", lang) if short else
            i18n.text("持平或无好坏之分（▲▼ 为升降；退款率、广告花费下降为向好）",
                      "no change or neither (▲▼ up/down; a lower refund rate or ad spend is "
                      "better)", lang))
    return (f'<span class="ecom-legend"><span style="color:{pal["up"]}">■</span> '
            + html.escape(i18n.text("向好", "better", lang))
            + f' <span style="color:{pal["down"]}">■</span> '
            + html.escape(i18n.text("变差", "worse", lang))
            + f' <span style="color:{pal["muted"]}">■</span> ' + html.escape(last) + "</span>")


def stale_sentence(fresh: pd.DataFrame, lang: str = "zh",
                   kinds: tuple[str, ...] = ("sales", "traffic", "ad"),
                   max_lag_days: int = 1) -> str | None:
    """A sentence naming each shop of ``fresh`` (:func:`ecomlib.freshness.table`) whose
    ``kinds`` of data (orders, visitors, ads) end more than ``max_lag_days`` before the day
    they were checked against, with the last day of each, by shop name; None when all are
    current. Only kinds a shop has at all are checked (a shop without ads is not stale for
    lack of them)."""
    words = {"sales": ("订单", "orders"), "traffic": ("访客", "visitors"), "ad": ("广告", "ads")}
    parts = []
    for r in fresh.itertuples():
        behind = []
        for k in kinds:
            lag, last = getattr(r, f"{k}_lag_days", None), getattr(r, f"last_{k}_date", None)
            if lag is None or pd.isna(lag) or last is None or pd.isna(last) \
                    or lag <= max_lag_days:
                continue
            day = pd.Timestamp(last).date().isoformat()
            w = words[k][0 if lang == "zh" else 1]
            behind.append(f"{w}只到 {day}（落后 {int(lag)} 天）" if lang == "zh"
                          else f"{w} until {day} ({int(lag)} day(s) behind)")
        if behind:
            name = r.shop_name if isinstance(getattr(r, "shop_name", None), str) \
                and r.shop_name else r.shop_id
            parts.append(f"{name}的" + "，".join(behind) if lang == "zh"
                         else f"{name}: " + ", ".join(behind))
    if not parts:
        return None
    if lang == "zh":
        return ("数据不全：" + "；".join(parts)
                + "。这些天的数字缺了这些店铺的数据（不是零）：请导入它们的最新导出文件。")
    return ("Data incomplete: " + "; ".join(parts) + ". Those days' figures miss these shops' "
            "data (it is missing, not zero): load their latest exports.")


def download_link(data: bytes, filename: str, text: str, mime: str =
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  element_id: str = "excel-download") -> str:
    """An ``<a download>`` link holding ``data`` as a ``data:`` URI: the browser saves the file
    without asking the server again (the kernel made it; Voila serves no files of its own)."""
    import base64
    href = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return (f'<a id="{html.escape(element_id)}" download="{html.escape(filename)}" '
            f'href="{href}" style="display:inline-block;padding:6px 14px;border-radius:6px;'
            f'background:{LIGHT["accent"]};color:#fff;text-decoration:none;font-size:14px">'
            f"{html.escape(text)}</a>")


def kpi_card(key: str, title: str, value_text: str, raw, sub_html: str = "",
             big: bool = True) -> str:
    """One KPI card; ``data-value`` carries the raw number (fen, count or rate) for tests."""
    size = 50 if big else 34
    return (f'<div class="ecom-kpi" id="kpi-{html.escape(key)}" data-value="{html.escape(str(raw))}" '
            f'style="flex:1;min-width:200px;background:{DARK["card"]};border-radius:10px;'
            f'padding:10px 20px;margin:5px;color:{DARK["text"]}">'
            f'<div style="font-size:22px;color:{DARK["muted"]}">{html.escape(title)}</div>'
            f'<div class="ecom-kpi-value" style="font-size:{size}px;font-weight:700;'
            f'line-height:1.2;font-variant-numeric:tabular-nums">{html.escape(value_text)}</div>'
            f'<div style="font-size:20px">{sub_html}</div></div>')


def page_style(dark: bool) -> str:
    """A <style> block for the whole Voila page (dark for the big screen)."""
    if not dark:
        return ("<style>.ecom-table td,.ecom-table th{padding:4px 10px;text-align:right}"
                ".ecom-table{font-size:14px;border-collapse:collapse}"
                ".ecom-table td:nth-child(-n+2),.ecom-table th:nth-child(-n+2){text-align:left}</style>")
    return (f"<style>body,.jp-Notebook,#rendered_cells,.jp-OutputArea-output,"
            f".jp-Cell,.jp-OutputArea{{background:{DARK['bg']} !important;"
            f"color:{DARK['text']} !important}}"
            ".jp-Notebook{padding:0 !important}"
            ".widget-html-content{color:inherit}"
            f".ecom-table{{border-collapse:collapse;width:100%;font-size:20px;color:{DARK['text']}}}"
            f".ecom-table th{{color:{DARK['muted']};font-weight:400;text-align:right;padding:4px 10px}}"
            ".ecom-table td{text-align:right;padding:4px 10px;border-top:1px solid #24314f}"
            ".ecom-table td:nth-child(-n+3),.ecom-table th:nth-child(-n+3){text-align:left}</style>")


def html_table(df: pd.DataFrame, cls: str = "ecom-table") -> str:
    """A plain HTML table of already formatted text (escaped)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# -- charts as PNG bytes (for ipywidgets.Image, so a timer can replace them) ------------------
def png(fig, tight: bool = False) -> bytes:
    """The figure as PNG bytes. ``tight=False`` keeps the figure's exact pixel size
    (figsize x dpi), so images laid side by side on a screen are not rescaled unevenly."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor=fig.get_facecolor(),
                bbox_inches="tight" if tight else None)
    return buf.getvalue()


def dark_axes(figsize=(6.3, 3.4)):
    """A dark figure and axes in the big screen's colours (CJK font set by plots.setup).

    A bare :class:`matplotlib.figure.Figure` (no pyplot), so charts drawn by the refresh
    timer's thread never reach the notebook's inline backend."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100, layout="constrained")
    ax = fig.subplots()
    fig.set_facecolor(DARK["bg"])
    ax.set_facecolor(DARK["bg"])
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    for s in ("left", "bottom"):
        ax.spines[s].set_color("#3a4a6b")
    ax.tick_params(colors=DARK["text"], labelsize=12)
    ax.title.set_color(DARK["text"])
    ax.grid(axis="y", color="#24314f")
    ax.grid(axis="x", visible=False)
    ax.xaxis.label.set_color(DARK["muted"])
    return fig, ax
