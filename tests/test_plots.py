"""ecomlib.plots: the CJK font really renders, the theme is idempotent, charts draw what they say."""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from ecomlib import plots

CHINESE = "每日实付金额（按平台）天猫京东拼多多抖音退款率类目销量"


def _render(fig: Figure) -> list[str]:
    """Render to PNG in memory; return the messages of every warning raised meanwhile."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught]


def _glyph_warnings(messages: list[str]) -> list[str]:
    return [m for m in messages if "Glyph" in m and "missing" in m]


@pytest.fixture(autouse=True)
def _themed():
    plots.setup("zh")
    yield


# -- font and theme -------------------------------------------------------------------------------
def test_font_ships_with_mplfonts():
    path = plots.cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert "mplfonts" in path.parts


def _entries_for_the_font() -> int:
    font = plots.cjk_font_path().resolve()
    return sum(Path(f.fname).resolve() == font for f in font_manager.fontManager.ttflist)


def test_setup_is_idempotent():
    before = dict(mpl.rcParams)
    entries = _entries_for_the_font()
    family = plots.setup("zh")
    family_again = plots.setup("zh")
    assert family == family_again == "Noto Sans CJK SC"
    assert dict(mpl.rcParams) == before
    # registered once (matplotlib may list one file under more than one name)
    assert entries >= 1
    assert _entries_for_the_font() == entries
    assert mpl.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert mpl.rcParams["font.sans-serif"].count("Noto Sans CJK SC") == 1
    assert mpl.rcParams["axes.unicode_minus"] is False


def test_chinese_text_renders_with_the_noto_cjk_font():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [-1, 0, 2], label="天猫")
    title = ax.set_title(CHINESE)
    ax.set_xlabel("日期")
    ax.set_ylabel("实付金额 (元)")
    ax.legend()
    messages = _render(fig)
    assert _glyph_warnings(messages) == [], messages
    # the font matplotlib picks for the Chinese title is the Noto CJK file from mplfonts ...
    used = Path(font_manager.findfont(title.get_fontproperties(), fallback_to_default=False))
    assert used.resolve() == plots.cjk_font_path().resolve()
    assert font_manager.FontProperties(fname=str(used)).get_name() == "Noto Sans CJK SC"
    # ... and that file has a glyph for every character of it
    charmap = FT2Font(str(used)).get_charmap()
    assert all(ord(ch) in charmap for ch in CHINESE)


def test_the_glyph_check_detects_a_font_without_cjk():
    """Control for the test above: without the CJK font the same text warns (boxes)."""
    with mpl.rc_context({"font.family": "DejaVu Sans", "font.sans-serif": ["DejaVu Sans"]}):
        fig = Figure(figsize=(4, 3))
        fig.add_subplot().set_title("实付金额")
        messages = _render(fig)
    assert _glyph_warnings(messages), messages


def test_standard_charts_render_chinese_without_missing_glyphs():
    daily = pd.DataFrame({
        "sales_date": pd.to_datetime(["2025-06-17", "2025-06-18", "2025-06-19"] * 2),
        "platform": ["tmall"] * 3 + ["jd"] * 3,
        "paid_fen": [100_00, 500_00, 120_00, 80_00, 300_00, 90_00],
    })
    figs = [
        plots.line_by(daily, "sales_date", "paid_fen", "platform", title="每日实付金额",
                      events=[(pd.Timestamp("2025-06-18"), "618")]),
        plots.bar_ranked(daily.groupby("platform", as_index=False)["paid_fen"].sum(),
                         "platform", "paid_fen", title="平台排名"),
        plots.stacked_share(daily, "sales_date", "platform", "paid_fen", title="平台占比"),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        assert _glyph_warnings(_render(fig)) == []


# -- line_by ---------------------------------------------------------------------------------------
def _series():
    return pd.DataFrame({
        "month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"] * 2),
        "platform": ["tmall"] * 3 + ["jd"] * 3,
        "paid_fen": [150_000_000, 100_000_000, 200_000_000, 50_000_000, 60_000_000, 70_000_000],
        "refund_rate": [0.10, 0.12, np.nan, 0.05, 0.04, 0.06],
    })


def test_line_by_draws_yuan_with_translated_legend_and_wan_ticks():
    fig = plots.line_by(_series(), "month", "paid_fen", "platform", title="月度实付金额")
    ax = fig.axes[0]
    # largest platform first: tmall (4.5M yuan in total) before jd (1.8M yuan)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["天猫", "京东"]
    # fen are divided by 100: 150,000,000 fen = 1,500,000 yuan
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1_500_000, 1_000_000, 2_000_000])
    assert ax.get_ylabel() == "实付金额 (元)"
    assert ax.yaxis.get_major_formatter()(1_500_000, 0) == "150万"
    assert ax.get_title(loc="left") == "月度实付金额"


def test_line_by_english_axis():
    fig = plots.line_by(_series(), "month", "paid_fen", "platform", lang="en")
    ax = fig.axes[0]
    assert ax.yaxis.get_major_formatter()(1_500_000, 0) == "1.5M"
    assert ax.get_ylabel() == "Paid amount (CNY)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Tmall", "JD"]


def test_line_by_rates_on_a_percent_axis():
    ax = plots.line_by(_series(), "month", "refund_rate", "platform").axes[0]
    tick = ax.yaxis.get_major_formatter()
    assert [tick(v, 0) for v in (0, 0.12, 0.005, 0.125)] == ["0%", "12%", "0.5%", "12.5%"]
    assert ax.get_ylabel() == "退款率"


def test_line_by_marks_only_events_inside_the_range():
    fig = plots.line_by(_series(), "month", "paid_fen", "platform",
                        events=[(pd.Timestamp("2025-02-14"), "情人节"),
                                (pd.Timestamp("2025-06-18"), "618")])
    texts = [t.get_text().strip() for t in fig.axes[0].texts]
    assert texts == ["情人节"]


def test_line_by_refuses_duplicate_points():
    df = pd.concat([_series(), _series().head(1)])
    with pytest.raises(ValueError, match=r"1 duplicate row\(s\) for \(month, platform\)"):
        plots.line_by(df, "month", "paid_fen", "platform")


def test_line_by_names_a_missing_column():
    with pytest.raises(KeyError, match=r"plots.line_by: column\(s\) \['nope'\]"):
        plots.line_by(_series(), "month", "nope", "platform")


# -- bar_ranked -----------------------------------------------------------------------------------
def test_bar_ranked_keeps_the_top_n_largest_on_top():
    df = pd.DataFrame({"sku": list("ABCDE"),
                       "paid_fen": [10_000, 5_000_000, 123_456_789, 300, 2_000_000]})
    fig = plots.bar_ranked(df, "sku", "paid_fen", title="Top 3", top=3)
    ax = fig.axes[0]
    # barh draws bottom-up: the largest (C) is the last tick, i.e. at the top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["E", "B", "C"]
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [20_000, 50_000, 1_234_567.89])
    # bar-end labels: 20,000 yuan = 2.0万; 1,234,567.89 yuan = 123.5万
    assert [t.get_text() for t in ax.texts] == ["¥2.0万", "¥5.0万", "¥123.5万"]
    assert ax.get_xlabel() == "实付金额 (元)"


def test_bar_ranked_refuses_duplicate_labels_and_bad_top():
    df = pd.DataFrame({"sku": ["A", "A"], "paid_fen": [1, 2]})
    with pytest.raises(ValueError, match="duplicate"):
        plots.bar_ranked(df, "sku", "paid_fen")
    with pytest.raises(ValueError, match="top must be at least 1"):
        plots.bar_ranked(df.head(1), "sku", "paid_fen", top=0)


# -- stacked_share --------------------------------------------------------------------------------
def _shares():
    return pd.DataFrame({
        "month": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01",
                                 "2025-02-01"]),
        "platform": ["tmall", "jd", "tmall", "jd", "jd"],   # jd twice in Feb: summed
        "paid_fen": [300, 100, 200, 100, 100],
    })


def test_stacked_share_normalises_each_bar():
    fig = plots.stacked_share(_shares(), "month", "platform", "paid_fen", title="占比")
    ax = fig.axes[0]
    # totals: tmall 500 > jd 300, so tmall is at the bottom (drawn first)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, [0.75, 0.5, 0.25, 0.5])   # Jan 300/400, Feb 200/400 ...
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-01", "2025-02"]
    assert [t.get_text() for t in ax.texts] == ["75%", "50%", "25%", "50%"]
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    # the legend lists the top of the stack first
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["京东", "天猫"]


def test_stacked_share_absolute_amounts_in_yuan():
    ax = plots.stacked_share(_shares(), "month", "platform", "paid_fen",
                             normalize=False).axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [3.0, 2.0, 1.0, 2.0])
    assert ax.get_ylabel() == "实付金额 (元)"


def test_stacked_share_refuses_ratios():
    with pytest.raises(ValueError, match="ratio and cannot be stacked"):
        plots.stacked_share(_series(), "month", "platform", "refund_rate")


# -- purity and empty input --------------------------------------------------------------------
def test_charts_do_not_touch_pyplot_state():
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    plots.line_by(_series(), "month", "paid_fen", "platform")
    plots.bar_ranked(_shares().drop_duplicates("platform"), "platform", "paid_fen")
    assert plt.get_fignums() == before


@pytest.mark.parametrize("draw", [
    lambda df: plots.line_by(df, "month", "paid_fen", "platform", title="空"),
    lambda df: plots.bar_ranked(df, "platform", "paid_fen", title="空"),
    lambda df: plots.stacked_share(df, "month", "platform", "paid_fen", title="空"),
])
def test_empty_input_says_so(draw):
    empty = _series().iloc[0:0]
    fig = draw(empty)
    assert [t.get_text() for t in fig.axes[0].texts] == ["所选期间没有数据"]
    assert _glyph_warnings(_render(fig)) == []


def test_palette_is_stable_across_charts():
    assert plots.palette(["jd", "tmall"]) == {"jd": plots.PLATFORM_COLORS["jd"],
                                              "tmall": plots.PLATFORM_COLORS["tmall"]}
    plots.reset_colors()
    full = plots.palette(["女装", "家居", "男装"])
    assert len(set(full.values())) == 3
    # a chart that lacks one category keeps the others' colours
    assert plots.palette(["男装", "女装"]) == {"男装": full["男装"], "女装": full["女装"]}
    # a new category gets a colour of its own
    assert plots.palette(["鞋靴"])["鞋靴"] not in full.values()


def test_the_theme_is_seaborns_whitegrid_without_importing_seaborn():
    """plots.SEABORN_WHITEGRID equals what seaborn's set_theme(notebook, whitegrid) sets
    (image.cmap aside: seaborn's rocket exists only once seaborn is imported), and a fresh
    interpreter's setup() does not import seaborn or scipy.stats."""
    import subprocess
    import sys

    import seaborn as sns

    saved = dict(mpl.rcParams)
    try:
        mpl.rcdefaults()
        sns.set_theme(context="notebook", style="whitegrid", font="sans-serif")
        theirs = dict(mpl.rcParams)
        mpl.rcdefaults()
        mpl.rcParams.update(plots.SEABORN_WHITEGRID)
        ours = dict(mpl.rcParams)
    finally:
        mpl.rcParams.update(saved)
    rgb = lambda cyc: [tuple(round(x, 6) for x in mpl.colors.to_rgb(c))  # noqa: E731
                       for c in cyc.by_key()["color"]]
    assert rgb(ours.pop("axes.prop_cycle")) == rgb(theirs.pop("axes.prop_cycle"))
    differ = {k for k in theirs if str(theirs[k]) != str(ours[k])}
    # font.sans-serif: setup() puts the CJK font first in the defaults' list itself
    assert differ == {"image.cmap", "font.sans-serif"}, sorted(differ)
    code = ("import sys; from ecomlib import plots; plots.setup('zh'); "
            "print('seaborn' in sys.modules, 'scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
