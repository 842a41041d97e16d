"""The explorer app (notebooks/apps/explorer.ipynb): pick shops, platforms and a period, see
the finance numbers update. Widgets only; every number comes from
:mod:`ecomlib.metrics.dashboard` on the frames of :mod:`ecomlib.metrics.dashboard_queries`
(queries over the marts), and the warehouse is opened read-only per query
(:func:`ecomlib.apps.read`).

Filters combine with AND: a shop counts when it is selected AND its platform is selected;
an empty selection selects nothing (an honest empty result, not "everything").
"""
from __future__ import annotations

import html

import pandas as pd

from . import apps, fmt, i18n
from .metrics import catalogue
from .metrics import dashboard as db
from .metrics import dashboard_queries as dq
from .metrics import overview as ov

#: KPI cards of the explorer, in order (catalogue metrics: labels, formats, definitions)
KPIS = ("paid_fen", "gmv_fen", "refund_fen", "refund_rate", "net_sales_fen",
        "count_paid_orders", "buyer_days", "aov_fen", "order_value_fen", "gross_profit_fen",
        "gross_margin_rate")


def compute(wh, start, end, shops, platforms) -> dict:
    """Totals (one row), per platform-and-shop rows, and the daily paid by platform of the
    selection. An empty pick of shops or platforms selects nothing (zeros, no rows)."""
    if not shops or not platforms:
        days = pd.DataFrame({"sales_date": pd.Series(dtype="datetime64[ns]"),
                             "platform": pd.Series(dtype=object),
                             "shop_id": pd.Series(dtype=object),
                             **{c: pd.Series(dtype="int64") for c in db.TOTAL_COLUMNS}})
        daily = pd.DataFrame({"sales_date": pd.Series(dtype="datetime64[ns]"),
                              "platform": pd.Series(dtype=object),
                              "paid_fen": pd.Series(dtype="int64")})
    else:
        days = dq.shop_days(wh, start, end, shops, platforms)
        daily = dq.daily_by_platform(wh, start, end, shops, platforms)
    return {"total": db.with_ratios(db.totals(days)),
            "by": db.with_ratios(db.totals(days, by=["platform", "shop_id"])),
            "daily": ov.daily_by(daily, "platform", "paid_fen", window=None)}


def value_text(col: str, v, lang: str) -> str:
    """A KPI value as text in the catalogue's format: money in yuan, rates in %, counts with
    separators."""
    kind = catalogue.fmt_kind(col)
    if kind == "pct":
        return fmt.pct(v)
    if kind == "money":
        return fmt.yuan(v, lang)
    if kind == "ratio":
        return fmt.MISSING if fmt.is_missing(v) else f"{float(v):,.2f}"
    return fmt.integer(v)


def kpi_html(total: pd.DataFrame, lang: str) -> str:
    """The KPI cards (light theme); each has id ``kpi-<column>`` and ``data-value``."""
    cards = []
    for col in KPIS:
        v = total[col].iat[0]
        cards.append(
            f'<div class="ecom-kpi" id="kpi-{col}" data-value="{html.escape(str(v))}" '
            'style="min-width:150px;padding:8px 14px;margin:4px;border:1px solid #dde3ee;'
            'border-radius:8px;background:#f7f9fc">'
            f'<div style="color:#5b6b88;font-size:14px">{html.escape(catalogue.label(col, lang))}</div>'
            f'<div style="font-size:24px;font-weight:600">{html.escape(value_text(col, v, lang))}</div></div>')
    return '<div style="display:flex;flex-wrap:wrap">' + "".join(cards) + "</div>"


def table_html(by: pd.DataFrame, shop_names: dict, lang: str) -> str:
    """Per platform and shop: the same figures as the cards."""
    rows = pd.DataFrame({
        i18n.label("platform", lang): [i18n.label(p, lang) for p in by["platform"]],
        i18n.label("shop_id", lang): [shop_names.get(s, s) for s in by["shop_id"]],
    })
    for col in KPIS:
        rows[catalogue.label(col, lang)] = [value_text(col, v, lang) for v in by[col]]
    return '<div id="by-shop">' + apps.html_table(rows) + "</div>"


class Explorer:
    """Shop / platform / period pickers and the numbers they select."""

    def __init__(self, path, start=None, end=None, lang: str = "zh"):
        import ipywidgets as w

        from . import plots

        self.path, self.lang = path, i18n.check_lang(lang)
        plots.setup(self.lang)  # CJK font for the charts (idempotent)
        t = lambda zh, en: i18n.text(zh, en, self.lang)  # noqa: E731
        self.message = w.HTML()
        self.kpis = w.HTML()
        self.table = w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="1100px"))
        self.note = w.HTML()
        self.count_updates = 0
        try:
            dims = apps.read(path, dq.dimensions)
        except apps.Unavailable as e:
            self.message.value = apps.notice_html(e.message(self.lang), "warn")
            self.widget = w.VBox([self.message])
            return
        shops = dims["shops"]
        self.shop_names = {r.shop_id: (r.shop_name or r.shop_id) for r in shops.itertuples()}
        last = dims["last"] or pd.Timestamp.today().normalize()
        lo = pd.Timestamp(start) if start else last.replace(day=1)
        hi = pd.Timestamp(end) if end else last
        style = {"description_width": "initial"}
        self.platforms = w.SelectMultiple(
            options=[(i18n.label(p, self.lang), p) for p in sorted(shops["platform"].unique())],
            description=t("平台", "Platforms"), rows=5, style=style)
        self.platforms.value = tuple(v for _, v in self.platforms.options)
        self.shops = w.SelectMultiple(
            options=[(f"{i18n.label(r.platform, self.lang)} · {self.shop_names[r.shop_id]}", r.shop_id)
                     for r in shops.itertuples()],
            description=t("店铺", "Shops"), rows=5, style=style,
            layout=w.Layout(width="360px"))
        self.shops.value = tuple(v for _, v in self.shops.options)
        names = {"month": t("本月", "This month"), "last_month": t("上月", "Last month"),
                 "last_7": t("近7天", "Last 7 days"), "last_30": t("近30天", "Last 30 days"),
                 "year": t("今年", "This year"), "all": t("全部", "All"), "": t("自定义", "Custom")}
        self._first, self._last = dims["first"], last
        self.preset = w.Dropdown(options=[(names[k], k) for k in (*db.PRESETS, "")],
                                 value="" if (start or end) else "month",
                                 description=t("期间", "Period"), style=style)
        self.preset.add_class("ecom-preset")
        self.preset.observe(self._preset_changed, names="value")
        self._quiet = False
        self.start = w.DatePicker(value=lo.date(), description=t("开始", "From"), style=style)
        self.end = w.DatePicker(value=hi.date(), description=t("结束", "To"), style=style)
        for widget, cls in ((self.platforms, "ecom-platforms"), (self.shops, "ecom-shops"),
                            (self.start, "ecom-start"), (self.end, "ecom-end")):
            widget.add_class(cls)
            widget.observe(self._changed, names="value")
        span = (f"{dims['first']:%Y-%m-%d} – {dims['last']:%Y-%m-%d}" if dims["first"] is not None else "—")
        self.note.value = ('<div style="color:#5b6b88">' + html.escape(t(
            f"数据范围 {span}（北京时间，按付款日）。平台与店铺同时筛选；金额单位元，退款率 = 退款 / 实付，"
            "毛利 = 净销售额 - 保留件的商品成本，客单价 = 实付 / 支付买家(人·天)（买家按店铺按天计、逐日相加），"
            "笔单价 = 实付 / 支付订单数。",
            f"Data {span} (Beijing time, by payment day). Platform and shop filters both apply; "
            "refund rate = refunds / paid, gross profit = net sales - cost of the units kept, "
            "AOV = paid / paying buyer-days (buyers counted per shop and day, summed), spend per "
            "order = paid / paid orders.")) + "</div>")
        title = w.HTML(f'<h2 style="margin:4px 0">{html.escape(t("经营数据查询", "Sales explorer"))}</h2>')
        self.widget = w.VBox([title, self.note,
                              w.HBox([self.platforms, self.shops,
                                      w.VBox([self.preset, self.start, self.end])]),
                              w.HTML('<div style="color:#5b6b88;font-size:12px">' + html.escape(
                                  t("按住 Ctrl（Mac 为 ⌘）点击可多选平台或店铺。",
                                    "Ctrl-click (⌘-click on a Mac) to pick several platforms or shops."))
                                     + "</div>"),
                              self.message, self.kpis, self.table, self.chart])
        self.widget.add_class("ecom-explorer")
        self.update()

    def _preset_changed(self, change) -> None:
        if not change["new"] or self._first is None:
            return
        lo, hi = db.preset_period(change["new"], self._last, self._first)
        self._quiet = True  # one update for both dates
        try:
            self.start.value, self.end.value = lo.date(), hi.date()
        finally:
            self._quiet = False
        self.update()

    def _changed(self, change) -> None:
        if self._quiet:
            return
        if change["owner"] in (self.start, self.end) and self.preset.value:
            lo, hi = db.preset_period(self.preset.value, self._last, self._first)
            if (self.start.value, self.end.value) != (lo.date(), hi.date()):
                self._quiet = True
                self.preset.value = ""  # the dates were edited by hand
                self._quiet = False
        self.update()

    def update(self) -> None:
        """Re-query with the current selection and redraw (a message instead of an error)."""
        t = lambda zh, en: i18n.text(zh, en, self.lang)  # noqa: E731
        start, end = self.start.value, self.end.value
        self.count_updates += 1
        if start is None or end is None or start > end:
            self.message.value = apps.notice_html(t("请选择开始和结束日期（开始不晚于结束）。",
                                                    "Pick a start and an end date (start not after end)."), "warn")
            return
        try:
            data = apps.read(self.path, lambda wh: compute(wh, start, end, list(self.shops.value),
                                                           list(self.platforms.value)))
        except apps.Unavailable as e:
            self.message.value = apps.notice_html(e.message(self.lang), "warn")
            return
        total = data["total"]
        self.kpis.value = kpi_html(total, self.lang)
        self.kpis.add_class("ecom-kpis")
        if not len(data["by"]) or total["count_paid_orders"].iat[0] == 0:
            self.message.value = apps.notice_html(t(f"{start} 至 {end} 所选平台和店铺没有支付订单。",
                                                    f"No paid orders for this selection from {start} to {end}."))
            self.table.value = ""
            self.chart.value = b""
            return
        self.message.value = ""
        self.table.value = table_html(data["by"], self.shop_names, self.lang)
        self.chart.value = self._chart(data["daily"])

    def _chart(self, daily: pd.DataFrame) -> bytes:
        import matplotlib.pyplot as plt

        from . import plots
        fig = plots.line_by(daily, "sales_date", "paid_fen", hue="platform", lang=self.lang,
                            title=i18n.text("每日实付金额（按平台）", "Paid per day by platform", self.lang),
                            figsize=(11, 3.6))
        try:
            return apps.png(fig, tight=True)
        finally:
            plt.close(fig)
