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

#: colours of the big screen (dark, high contrast for a wall display)
DARK = {"bg": "#0b1220", "card": "#131d33", "text": "#e8eefc", "muted": "#8ea0c4",
        "up": "#ff6b6b", "down": "#3ddc97", "accent": "#4da3ff", "warn": "#ffb020"}


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
def notice_html(text: str, kind: str = "info") -> str:
    """A boxed message (kind info / warn) for the apps."""
    colour = DARK["warn"] if kind == "warn" else DARK["accent"]
    return (f'<div class="ecom-notice" style="border-left:6px solid {colour};padding:12px 18px;'
            f'margin:8px 0;font-size:20px;background:rgba(127,127,127,.12)">'
            f"{html.escape(text)}</div>")


def delta_text(change: float, points: bool = False, lang: str = "zh",
               good_when_up: bool = True) -> str:
    """'▲ 12.3%' / '▼ 4.0%' (or '▲ 1.2 个百分点' with ``points``) as coloured HTML.

    Red means up and green down, as Chinese market screens read; with
    ``good_when_up=False`` (refund rate) the colours swap so a rise shows as bad."""
    if fmt.is_missing(change):
        return f'<span style="color:{DARK["muted"]}">{fmt.MISSING}</span>'
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    up, down = (DARK["up"], DARK["down"]) if good_when_up else (DARK["down"], DARK["up"])
    colour = up if change > 0 else (down if change < 0 else DARK["muted"])
    if points:
        txt = f"{abs(change) * 100:.1f}" + i18n.text("个百分点", " pts", lang)
    else:
        txt = fmt.pct(abs(change))
    return f'<span style="color:{colour}">{arrow} {html.escape(txt)}</span>'


def kpi_card(key: str, title: str, value_text: str, raw, sub_html: str = "",
             big: bool = True) -> str:
    """One KPI card; ``data-value`` carries the raw number (fen, count or rate) for tests."""
    size = 54 if big else 34
    return (f'<div class="ecom-kpi" id="kpi-{html.escape(key)}" data-value="{html.escape(str(raw))}" '
            f'style="flex:1;min-width:200px;background:{DARK["card"]};border-radius:10px;'
            f'padding:14px 20px;margin:6px;color:{DARK["text"]}">'
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


def dark_axes(figsize=(6.3, 4.0)):
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
