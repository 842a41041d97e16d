"""Charts for reports: seaborn's whitegrid theme, a CJK font from PyPI, and the standard charts.

Call :func:`setup` once (a notebook's first cell; calling it again changes nothing; the
chart helpers call it themselves on first use if nobody did). It
registers Noto Sans CJK SC, shipped inside the ``mplfonts`` wheel, straight with
``matplotlib.font_manager.fontManager.addfont`` (no system font and no ``mplfonts.use_font``
needed), puts it first in ``font.sans-serif`` and applies a clean seaborn theme, so Chinese
titles, labels and category names render instead of boxes.

The chart helpers take tidy frames with canonical column names and return a matplotlib
:class:`~matplotlib.figure.Figure`. They are pure: no files, no pyplot state (figures are
not registered with pyplot, so nothing leaks between cells or tests; a notebook shows a
figure by ending a cell with it or calling ``display(fig)``). Conventions:

* money columns (``*_fen``) are divided by 100 and drawn in yuan; axis ticks read 50万 /
  1.5亿 in Chinese and 500k / 1.5M in English (:func:`ecomlib.fmt.short_number`);
* ratio columns (``*_rate``, 0..1) are drawn on a percent axis;
* axis titles, legend entries and platform codes go through :func:`ecomlib.i18n.label`;
* platforms keep one colour in every chart (:data:`PLATFORM_COLORS`).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Iterable, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from . import fmt, i18n

__all__ = [
    "FONT_FILE", "PLATFORM_COLORS", "cjk_font_path", "register_cjk_font", "setup", "palette",
    "reset_colors", "money_formatter", "line_by", "bar_ranked", "stacked_share",
]

#: the CJK font file inside the mplfonts wheel (SIL Open Font License)
FONT_FILE = "NotoSansCJKsc-Regular.otf"

#: one colour per platform code, the same in every chart
PLATFORM_COLORS = {
    "tmall": "#F76707",   # orange
    "taobao": "#FAB005",  # yellow
    "jd": "#C92A2A",      # red
    "pdd": "#7048E8",     # violet
    "douyin": "#1C7ED6",  # blue
    "kuaishou": "#2B8A3E",
    "xiaohongshu": "#E64980",
    "ALL": "#495057",
}
_OTHER_COLORS = ["#12B886", "#845EF7", "#FD7E14", "#228BE6", "#FA5252", "#82C91E",
                 "#BE4BDB", "#15AABF", "#FCC419", "#868E96", "#5C7CFA", "#40C057"]

_STATE: dict = {"family": None, "lang": "zh", "done": False}
_ASSIGNED: dict = {}  # non-platform value -> colour, first come first served (see palette)


# -- theme and font ----------------------------------------------------------------------------
def cjk_font_path() -> Path:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package.

    Found without importing mplfonts (its import has nothing we need). Raises a
    FileNotFoundError that says how to fix it when the package or file is missing.
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "plots: the mplfonts package is not installed, so there is no CJK font for charts; "
            "`pip install mplfonts` (it is in ecomlib's dependencies)")
    for base in spec.submodule_search_locations:
        p = Path(base) / "fonts" / FONT_FILE
        if p.exists():
            return p
    raise FileNotFoundError(f"plots: {FONT_FILE} not found in mplfonts at "
                            f"{list(spec.submodule_search_locations)}; reinstall mplfonts")


def register_cjk_font() -> str:
    """Register the CJK font with matplotlib (once) and return its family name."""
    path = cjk_font_path()
    known = {Path(f.fname).resolve() for f in font_manager.fontManager.ttflist}
    if path.resolve() not in known:
        font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


#: seaborn's ``set_theme(context="notebook", style="whitegrid")`` (seaborn 0.13: the
#: ``whitegrid`` axes style, the ``notebook`` context at font_scale 1 and the ``deep``
#: palette) written out as matplotlib rcParams, so a report kernel does not import seaborn
#: (1.3 s, most of it scipy.stats) to set them; tests/test_plots.py checks they equal what
#: seaborn sets. One difference: ``image.cmap`` stays matplotlib's (seaborn's ``rocket`` is
#: registered only by importing seaborn; the one image chart names its colour map).
SEABORN_WHITEGRID = {
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.grid": True,
    "axes.labelcolor": ".15", "axes.labelsize": 12.0, "axes.linewidth": 1.25,
    "axes.prop_cycle": mpl.cycler(color=[
        "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3",
        "#8c8c8c", "#ccb974", "#64b5cd"]),
    "axes.titlesize": 12.0, "font.family": ["sans-serif"], "font.size": 12.0,
    "grid.color": ".8", "grid.linewidth": 1.0, "grid.linestyle": "-",
    "legend.fontsize": 11.0, "legend.title_fontsize": 12.0,
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "text.color": ".15", "xtick.bottom": False, "xtick.color": ".15",
    "xtick.labelsize": 11.0, "xtick.major.size": 6.0, "xtick.major.width": 1.25,
    "xtick.minor.size": 4.0, "xtick.minor.width": 1.0, "ytick.left": False,
    "ytick.color": ".15", "ytick.labelsize": 11.0, "ytick.major.size": 6.0,
    "ytick.major.width": 1.25, "ytick.minor.size": 4.0, "ytick.minor.width": 1.0,
}


def setup(lang: str = "zh", context: str = "notebook") -> str:
    """Theme every chart: CJK font first in ``font.sans-serif``, seaborn's ``whitegrid``
    theme (:data:`SEABORN_WHITEGRID`; ``context="notebook"`` is the only context).

    Idempotent (the font is registered once, the rcParams end up the same on every call).
    ``lang`` becomes the default language of the chart helpers. Returns the CJK font's
    family name (``Noto Sans CJK SC``).
    """
    if context != "notebook":
        raise ValueError(f"plots.setup: context {context!r}: only 'notebook' is themed")
    i18n.check_lang(lang)
    family = register_cjk_font()
    fallback = [f for f in mpl.rcParamsDefault["font.sans-serif"] if f != family]
    mpl.rcParams.update(SEABORN_WHITEGRID)
    mpl.rcParams.update({
        "font.sans-serif": [family, *fallback],
        "axes.unicode_minus": False,   # the CJK font has no U+2212 minus sign
        # titles, tick labels and legends carry names from the data: a shop called "$a$" or
        # "5$ off" is text, never mathtext (which would render it as math or fail to parse)
        "text.parse_math": False,
        "axes.titlesize": "large",
        "axes.titleweight": "normal",  # the font ships one weight (Regular)
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "grid.color": "#E9ECEF",
        "legend.frameon": False,
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "savefig.bbox": "tight",
    })
    _STATE.update(family=family, lang=lang, done=True)
    return family


def _lang(lang: str | None) -> str:
    """The helpers' language; themes matplotlib first if :func:`setup` was never called
    (so a chart never comes out with boxes for Chinese)."""
    if not _STATE["done"]:
        setup(_STATE["lang"])
    return i18n.check_lang(lang or _STATE["lang"])


def palette(values: Iterable) -> dict:
    """Colour per value, the same in every chart of a session.

    Platform codes get :data:`PLATFORM_COLORS`; any other value (a category, a warehouse)
    gets the next colour of a fixed cycle the first time it is seen (new values of one call
    in sorted order) and keeps it, so 护肤 is the same colour in the top-SKU chart and the
    stock chart even when one of them lacks a category. :func:`reset_colors` forgets them.
    """
    vals = list(dict.fromkeys(v for v in values if not fmt.is_missing(v)))
    for v in sorted(vals, key=str):
        if v not in PLATFORM_COLORS and v not in _ASSIGNED:
            _ASSIGNED[v] = _OTHER_COLORS[len(_ASSIGNED) % len(_OTHER_COLORS)]
    return {v: PLATFORM_COLORS.get(v, _ASSIGNED.get(v)) for v in vals}


def reset_colors() -> None:
    """Forget the colours given to non-platform values (see :func:`palette`)."""
    _ASSIGNED.clear()


def money_formatter(lang: str = "zh") -> FuncFormatter:
    """Tick formatter for an axis in yuan: 0, 50万, 1.5亿 (zh) or 0, 500k, 1.5M (en)."""
    return FuncFormatter(lambda v, _pos: fmt.short_number(v, lang, decimals=2))


# -- helpers shared by the charts ------------------------------------------------------------
def _kind(col: str, money: bool | None) -> str:
    """money (fen: ``*_fen`` or ``*_fen_<suffix>`` such as ``paid_fen_avg``), rate or number."""
    name = str(col)
    if money or (money is None and (name.endswith("_fen") or "_fen_" in name)):
        return "money"
    if name.endswith("_rate") or "_rate_" in name:
        return "rate"
    return "number"


def _order_by_size(df: pd.DataFrame, hue: str, value: str) -> list:
    """Values of ``hue``, largest total ``value`` first (ties by name)."""
    tot = pd.to_numeric(df[value], errors="coerce").groupby(df[hue]).sum()
    return sorted(tot.index, key=lambda k: (-float(tot[k]) if pd.notna(tot[k]) else 0.0, str(k)))


def _axis_title(col: str, kind: str, lang: str, given: str | None) -> str:
    if given is not None:
        return given
    base = i18n.label(col, lang)
    return f"{base} ({i18n.label('yuan', lang)})" if kind == "money" else base


def _scaled(s: pd.Series, kind: str) -> pd.Series:
    s = pd.to_numeric(s, errors="coerce").astype("float64")
    return s / 100.0 if kind == "money" else s


def _format_value_axis(axis, kind: str, lang: str) -> None:
    if kind == "money":
        axis.set_major_formatter(money_formatter(lang))
    elif kind == "rate":
        axis.set_major_formatter(FuncFormatter(_percent_tick))
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.short_number(v, lang, decimals=2)))


def _percent_tick(v, _pos=None) -> str:
    """A 0..1 tick as a percentage without needless zeros: 0.12 -> 12%, 0.005 -> 0.5%."""
    s = f"{v * 100:.2f}".rstrip("0").rstrip(".")
    return ("0" if s in ("-0", "") else s) + "%"


def _value_text(v: float, kind: str, lang: str) -> str:
    """Text of a value already scaled for drawing (yuan for money)."""
    if kind == "money":
        return fmt.wan(v * 100, lang, decimals=1)
    if kind == "rate":
        return fmt.pct(v)
    return fmt.short_number(v, lang)


def _require(df: pd.DataFrame, cols: Sequence[str | None], fn: str) -> None:
    missing = [c for c in cols if c is not None and c not in df.columns]
    if missing:
        raise KeyError(f"plots.{fn}: column(s) {missing} not in the frame; "
                       f"columns are {list(df.columns)}")


def _date_axis(ax, lang: str) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=12)
    if lang == "zh":
        f = mdates.ConciseDateFormatter(
            loc, formats=["%Y年", "%m月", "%d日", "%H:%M", "%H:%M", "%S.%f"],
            zero_formats=["", "%Y年", "%m月", "%m-%d", "%H:%M", "%H:%M"],
            offset_formats=["", "%Y年", "%Y年%m月", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"])
    else:
        f = mdates.ConciseDateFormatter(loc)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(f)


def _new_figure(figsize) -> tuple[Figure, object]:
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


def _empty_figure(title: str | None, lang: str, figsize) -> Figure:
    """A figure that says there is nothing to draw (instead of an error or a blank axis)."""
    fig, ax = _new_figure((figsize[0], 1.8))  # a short strip, not a tall blank chart
    ax.set_axis_off()
    ax.text(0.5, 0.5, i18n.text("所选期间没有数据", "No data for the selected period", lang),
            ha="center", va="center", color="#868E96", transform=ax.transAxes)
    if title:
        ax.set_title(title)
    return fig


def _category_labels(values: Sequence, lang: str) -> list[str]:
    out = []
    for v in values:
        if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "strftime"):
            out.append(pd.Timestamp(v).strftime("%Y-%m"))
        else:
            out.append(i18n.label(v, lang))
    return out


# -- charts ------------------------------------------------------------------------------------
def line_by(df: pd.DataFrame, x: str, y: str, hue: str | None = None, title: str | None = None,
            ylabel: str | None = None, xlabel: str | None = None, lang: str | None = None,
            money: bool | None = None, events: Sequence[tuple] | None = None,
            hue_order: Sequence | None = None, figsize=(11, 4.2), marker: str | None = None
            ) -> Figure:
    """One line per ``hue`` value of ``y`` over ``x`` (daily/weekly/monthly series).

    ``df`` has one row per (x, hue); duplicates raise a ValueError (sum or average them
    first: a chart must not silently aggregate). ``events`` is a list of ``(date, text)``
    drawn as dashed vertical lines with their text (e.g. 618 and 双11); those outside the
    data's x range are skipped. ``money`` forces/forbids fen -> yuan (default: ``y`` ends in
    ``_fen``); ``*_rate`` columns get a percent axis.
    """
    lang = _lang(lang)
    _require(df, [x, y, hue], "line_by")
    keys = [x] + ([hue] if hue else [])
    if df.duplicated(subset=keys).any():
        n = int(df.duplicated(subset=keys).sum())
        raise ValueError(f"plots.line_by: {n} duplicate row(s) for ({', '.join(keys)}); "
                         f"aggregate to one row per {' and '.join(keys)} first")
    kind = _kind(y, money)
    if not len(df) or pd.to_numeric(df[y], errors="coerce").notna().sum() == 0:
        return _empty_figure(title, lang, figsize)
    fig, ax = _new_figure(figsize)
    data = df.sort_values(x)
    is_dates = pd.api.types.is_datetime64_any_dtype(data[x].dtype)
    if hue:
        groups = list(hue_order) if hue_order is not None else _order_by_size(data, hue, y)
        colors = palette(data[hue].dropna().unique())
        for g in groups:
            part = data[data[hue] == g]
            if len(part):
                ax.plot(part[x], _scaled(part[y], kind), label=i18n.label(g, lang),
                        color=colors[g], lw=1.6, marker=marker, ms=4)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title=i18n.label(hue, lang))
    else:
        ax.plot(data[x], _scaled(data[y], kind), color=PLATFORM_COLORS["ALL"], lw=1.6,
                marker=marker, ms=4)
    _format_value_axis(ax.yaxis, kind, lang)
    if data[y].min() >= 0:
        ax.set_ylim(bottom=0)
    if is_dates:
        _date_axis(ax, lang)
    ax.set_xlabel(xlabel if xlabel is not None else ("" if is_dates else i18n.label(x, lang)))
    ax.set_ylabel(_axis_title(y, kind, lang, ylabel))
    if events and len(data):
        lo, hi = data[x].min(), data[x].max()
        marked = False
        for when, text in events:
            when = pd.Timestamp(when) if is_dates else when
            if lo <= when <= hi:
                ax.axvline(when, color="#868E96", lw=0.9, ls="--", zorder=0)
                # the text sits just above the plot area, clear of the lines' peaks
                ax.text(when, 1.0, str(text), transform=ax.get_xaxis_transform(),
                        va="bottom", ha="center", fontsize="small", color="#495057",
                        clip_on=False)
                marked = True
        if title:
            ax.set_title(title, pad=18 if marked else None)
    elif title:
        ax.set_title(title)
    ax.margins(x=0.01)
    return fig


def bar_ranked(df: pd.DataFrame, label: str, value: str, title: str | None = None,
               top: int = 15, lang: str | None = None, money: bool | None = None,
               xlabel: str | None = None, hue: str | None = None, annotate: bool = True,
               figsize=None) -> Figure:
    """Horizontal bars of the ``top`` largest ``value``, largest at the top.

    ``df`` has one row per ``label`` (duplicates raise). Each bar ends with its value
    (¥123.4万 for money). ``hue`` colours bars by a column (e.g. category or platform).
    """
    lang = _lang(lang)
    _require(df, [label, value, hue], "bar_ranked")
    if df[label].duplicated().any():
        raise ValueError(f"plots.bar_ranked: {label!r} has duplicate values; "
                         f"aggregate to one row per {label} first")
    if top is not None and top < 1:
        raise ValueError(f"plots.bar_ranked: top must be at least 1; got {top}")
    kind = _kind(value, money)
    data = df.sort_values(value, ascending=False, kind="stable")
    if top is not None:
        data = data.head(top)
    data = data.iloc[::-1]  # barh draws bottom-up
    vals = _scaled(data[value], kind).to_numpy()
    n = len(data)
    if not n:
        return _empty_figure(title, lang, figsize or (9, 2.5))
    fig, ax = _new_figure(figsize or (9, 0.38 * max(n, 1) + 1.4))
    if hue:
        colors = palette(data[hue])
        bar_colors = [colors.get(h, "#868E96") for h in data[hue]]
    else:
        bar_colors = "#4C6EF5"
    ypos = np.arange(n)
    ax.barh(ypos, vals, color=bar_colors, height=0.7)
    ax.set_yticks(ypos, [str(i18n.label(v, lang)) for v in data[label]])
    ax.grid(axis="y", visible=False)
    _format_value_axis(ax.xaxis, kind, lang)
    ax.set_xlabel(_axis_title(value, kind, lang, xlabel))
    ax.set_ylabel("")
    if annotate and n:
        vmax = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
        for yy, v in zip(ypos, vals):
            if np.isfinite(v):
                ax.text(v + vmax * 0.01, yy, _value_text(v, kind, lang), va="center",
                        ha="left", fontsize="small", color="#343A40")
        ax.set_xlim(0, vmax * 1.16 if vmax > 0 else 1)
    if hue:
        from matplotlib.patches import Patch
        handles = [Patch(color=c, label=i18n.label(k, lang)) for k, c in palette(data[hue]).items()]
        ax.legend(handles=handles, loc="lower right", title=i18n.label(hue, lang))
    if title:
        ax.set_title(title)
    return fig


def stacked_share(df: pd.DataFrame, x: str, hue: str, value: str, title: str | None = None,
                  lang: str | None = None, normalize: bool = True, money: bool | None = None,
                  ylabel: str | None = None, hue_order: Sequence | None = None,
                  annotate: bool = True, min_label_share: float = 0.08, figsize=(11, 4.2)
                  ) -> Figure:
    """Stacked bars of ``value`` by ``hue`` for each ``x`` (e.g. platform share by month).

    ``value`` must be additive (money, units): rows with the same (x, hue) are summed.
    ``normalize=True`` draws each bar as 100% (shares, percent axis); ``False`` draws the
    amounts (yuan for money). Segments holding at least ``min_label_share`` of their bar
    are labelled with their share. Datetime ``x`` values are shown as ``YYYY-MM``.
    """
    lang = _lang(lang)
    _require(df, [x, hue, value], "stacked_share")
    if str(value).endswith("_rate"):
        raise ValueError(f"plots.stacked_share: {value!r} is a ratio and cannot be stacked; "
                         "pass an additive column (money, units, counts)")
    kind = "rate" if normalize else _kind(value, money)
    table = (df.assign(_v=pd.to_numeric(df[value], errors="coerce").astype("float64"))
             .pivot_table(index=x, columns=hue, values="_v", aggfunc="sum", fill_value=0.0,
                          observed=True)
             .sort_index())
    # largest series at the bottom of the stack (and last in the legend, which is reversed)
    order = list(hue_order) if hue_order is not None else sorted(
        table.columns, key=lambda c: (-float(table[c].sum()), str(c)))
    table = table.reindex(columns=[c for c in order if c in table.columns], fill_value=0.0)
    if table.empty:
        return _empty_figure(title, lang, figsize)
    totals = table.sum(axis=1)
    shares = table.div(totals.where(totals != 0), axis=0)
    drawn = shares if normalize else (table / 100.0 if kind == "money" else table)
    fig, ax = _new_figure(figsize)
    colors = palette(table.columns)
    xpos = np.arange(len(table))
    tallest = float(np.nanmax(drawn.sum(axis=1).to_numpy())) if len(table) else 0.0
    bottom = np.zeros(len(table))
    for col in table.columns:
        h = drawn[col].fillna(0.0).to_numpy()
        ax.bar(xpos, h, bottom=bottom, color=colors[col], width=0.78,
               label=i18n.label(col, lang), edgecolor="white", linewidth=0.4)
        if annotate:
            for xi, (hh, b, s) in enumerate(zip(h, bottom, shares[col].to_numpy())):
                # label only segments tall enough to hold the text
                if np.isfinite(s) and s >= min_label_share and tallest > 0 \
                        and hh / tallest >= 0.06:
                    ax.text(xi, b + hh / 2, fmt.pct(s, 0), ha="center", va="center",
                            fontsize="x-small", color="white")
        bottom = bottom + h
    labels = _category_labels(table.index, lang)
    ax.set_xticks(xpos, labels)
    if len(labels) > 12:
        for t in ax.get_xticklabels():
            t.set_rotation(45)
            t.set_ha("right")
            t.set_rotation_mode("anchor")
    ax.grid(axis="x", visible=False)
    ax.margins(x=0.01)
    _format_value_axis(ax.yaxis, kind, lang)
    if normalize:
        ax.set_ylim(0, 1)
        ax.set_ylabel(ylabel if ylabel is not None else
                      f"{i18n.label('share_rate', lang)} ({i18n.label(value, lang)})")
    else:
        ax.set_ylabel(_axis_title(value, kind, lang, ylabel))
    ax.set_xlabel("")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title=i18n.label(hue, lang),
              reverse=True)
    if title:
        ax.set_title(title)
    return fig
