"""The explorer app (notebooks/apps/explorer.ipynb): pick platforms, shops and a period, see
sales, visitors, conversion, ad spend and ROAS with 环比 and 同比, per shop and per day, and
download the view as Excel. Widgets only; every number comes from
:mod:`ecomlib.metrics.dashboard` on the frames of :mod:`ecomlib.metrics.dashboard_queries`
(queries over the marts), and the warehouse is opened read-only per query
(:func:`ecomlib.apps.read`).

* **Filters cascade**: the shop list shows only the shops of the selected platforms (by shop
  name), so a shop of an unselected platform can never be selected. Shops of a platform that
  is added come in selected; the others keep their state.
* **Periods**: 环比 is the period of the same length just before the selection, 同比 the
  same days a year earlier (:func:`ecomlib.periods.resolve` with ``custom``).
* **Honest comparisons**: a period more than half of whose days are younger than
  :data:`REFUND_SETTLE_DAYS` days on the data's last day has refunds still to come (the
  reports' rule), so refunds, refund rate, net sales and gross profit are not compared (:data:`ecomlib.metrics.dashboard.LAGGING`); a period that ends on
  a day that is not over (:func:`ecomlib.metrics.dashboard.day_state`) is not compared at
  all.
* **Empty selection**: a plain message, no cards, no table, no chart.
* **Freshness**: a warning naming the selected shops whose orders, visitors or ads end
  before the period does (:func:`ecomlib.apps.stale_sentence`).
* **Excel**: the view (summary with 环比/同比, per shop, per day, the filters) as an .xlsx
  written by :func:`ecomlib.excel.write_tables`, offered as a ``data:`` link.
"""
from __future__ import annotations

import datetime as dt
import html
import tempfile
from pathlib import Path

import pandas as pd

from . import apps, fmt, i18n
from .metrics import catalogue
from .metrics import dashboard as db
from .metrics import dashboard_queries as dq

#: the metrics of the view, compared (环比/同比) and in the Excel summary, in order (catalogue
#: metrics: labels, formats, good direction)
KPIS = ("paid_fen", "visitors", "conversion_rate", "aov_fen", "buyer_days",
        "count_paid_orders", "order_value_fen", "spend_fen", "roas", "refund_fen",
        "refund_rate", "net_sales_fen", "gross_profit_fen", "gross_margin_rate", "gmv_fen")
#: the KPI cards on the page: two rows of seven at 1280 px (GMV only in the table and Excel)
CARDS = KPIS[:-1]
#: what the seller can pick for the chart and the table's order (menu order)
CHART_METRICS = ("paid_fen", "visitors", "conversion_rate", "aov_fen", "count_paid_orders",
                 "spend_fen", "roas", "refund_rate", "gross_profit_fen", "gmv_fen")
#: past this many selected shops the chart draws one line per platform instead of per shop
MAX_SHOP_LINES = 8
#: columns of the per-shop table (after platform and shop); paid also gets 环比 and 同比
TABLE = ("paid_fen", "visitors", "conversion_rate", "aov_fen", "count_paid_orders",
         "spend_fen", "roas", "refund_rate", "gross_profit_fen", "gross_margin_rate")
#: columns of the per-day sheet of the Excel download
DAILY = ("paid_fen", "count_paid_orders", "buyer_days", "visitors", "conversion_rate",
         "aov_fen", "spend_fen", "attributed_paid_fen", "roas", "refund_fen", "gmv_fen")
#: orders younger than this many days on the data's last day are still being refunded (7-day
#: returns, disputes): the reports' rule (overview, finance, members), the same number here
REFUND_SETTLE_DAYS = 30



def _t(zh: str, en: str, lang: str) -> str:
    return i18n.text(zh, en, lang)


def header(col, lang: str = "zh") -> str:
    """The Excel header of a view column: the catalogue's label (money with (元)), else
    the label of :data:`ecomlib.i18n.LABELS`."""
    col = str(col)
    lab = catalogue.label(col, lang)
    if lab is None:
        lab = i18n.label(col, lang)
    if col.endswith("_fen"):
        lab += _t("(元)", " (CNY)", lang)
    return lab


def _period_row(name: str, lo, hi) -> dict:
    return {"view_period": name, "start_date": pd.Timestamp(lo), "end_date": pd.Timestamp(hi)}


def compute(wh, start, end, shops, platforms, latest=None, now=None) -> dict:
    """The view of one selection: the periods (:func:`ecomlib.periods.resolve`, custom),
    the totals of the period, its 环比 and 同比 periods (one row each, with
    :func:`~ecomlib.metrics.dashboard.with_view_ratios`), their comparison (``cmp``:
    :func:`~ecomlib.metrics.dashboard.compare3` of :data:`KPIS`), per platform and shop
    (``by``, with ``paid_mom_rate`` and ``paid_yoy_rate``), per day and shop (``days``),
    the shop-days the chart is drawn from (``view_days``: :func:`chart_frame`), the
    freshness of the selected shops
    (``fresh``) and ``empty`` (nothing sold, visited or spent). ``latest``: the data's last
    sales day (for the refund lag); ``now``: the clock (for an unfinished last day).
    An empty pick of shops or platforms selects nothing."""
    from . import freshness, periods

    per = periods.resolve("custom", start=start, end=end)
    view = {"period": per, "shops": list(shops), "platforms": list(platforms),
            "latest": None if latest is None else pd.Timestamp(latest)}
    cols = db.VIEW_COLUMNS
    if shops and platforms:
        lo = min(per.previous_start, per.year_ago_start)
        days = dq.view_days(wh, lo, per.end, shops, platforms)
        fresh = freshness.table(wh, per.end + dt.timedelta(days=1), platforms, shops)
        cut = None
        if latest is not None and pd.Timestamp(per.end) == pd.Timestamp(latest).normalize():
            state = db.day_state(per.end, dq.last_paid_at(wh, per.end),  # every shop's
                                 apps.beijing_now(now))
            cut = None if state.kind == "whole" else state
        view["unfinished"] = cut
    else:
        days = db.with_ads(
            pd.DataFrame({"sales_date": pd.Series(dtype="datetime64[ns]"),
                          "platform": pd.Series(dtype=object), "shop_id": pd.Series(dtype=object),
                          **{c: pd.Series(dtype="int64") for c in (*db.TOTAL_COLUMNS, "visitors")}}),
            pd.DataFrame({"spend_date": pd.Series(dtype="datetime64[ns]"),
                          "platform": pd.Series(dtype=object), "shop_id": pd.Series(dtype=object),
                          "spend_fen": pd.Series(dtype="int64"),
                          "attributed_paid_fen": pd.Series(dtype="int64")}))
        fresh = None
        view["unfinished"] = None

    def tot(lo, hi, by=()):
        return db.with_view_ratios(db.totals(days, lo, hi, by, cols))

    cur, prev, yago = (tot(per.start, per.end), tot(per.previous_start, per.previous_end),
                       tot(per.year_ago_start, per.year_ago_end))
    from .metrics.members_report import young_days
    young = 0 if latest is None else young_days(per.start, per.end, latest, REFUND_SETTLE_DAYS)
    recent = young * 2 > per.days
    lagging = KPIS if view["unfinished"] is not None else (db.LAGGING if recent else ())
    view.update(total=cur, previous=prev, year_ago=yago,
                cmp=db.compare3(cur, prev, yago, KPIS, lagging),
                refunds_pending=bool(recent), young_days=int(young), fresh=fresh)
    by = tot(per.start, per.end, ["platform", "shop_id"])
    for name, lo, hi in (("mom", per.previous_start, per.previous_end),
                         ("yoy", per.year_ago_start, per.year_ago_end)):
        other = db.totals(days, lo, hi, ["platform", "shop_id"], ["paid_fen"]) \
            .rename(columns={"paid_fen": "_other"})
        m = by[["platform", "shop_id", "paid_fen"]].merge(other, on=["platform", "shop_id"],
                                                          how="left")
        by[f"paid_{name}_rate"] = [db.change_rate(a, b) if view["unfinished"] is None
                                   else float("nan") for a, b in zip(m["paid_fen"], m["_other"])]
    view["by"] = by
    view["days"] = tot(per.start, per.end, ["sales_date", "platform", "shop_id"])
    view["view_days"] = days
    view["empty"] = not len(view["by"]) or not any(
        cur[c].iat[0] for c in ("paid_fen", "gmv_fen", "visitors", "spend_fen"))
    return view


def value_text(col: str, v, lang: str) -> str:
    """A KPI value as text in the catalogue's format: money in yuan, rates in %, counts with
    separators, ROAS with two decimals."""
    kind = catalogue.fmt_kind(col)
    if kind == "pct":
        return fmt.pct(v)
    if kind == "money":
        return fmt.yuan(v, lang)
    if kind in ("ratio", "days"):
        return fmt.MISSING if fmt.is_missing(v) else f"{float(v):,.2f}"
    return fmt.integer(v)


def _change_html(row, which: str, lang: str) -> str:
    """环比 / 同比 of one metric: points for rates, a relative change otherwise."""
    is_rate = catalogue.fmt_kind(row["metric"]) == "pct"
    change = row[f"{which}_points"] if is_rate else row[f"{which}_rate"]
    return apps.delta_text(change, points=is_rate, lang=lang, good_when_up=row["good_when_up"],
                           light=True)


def kpi_html(view_or_total, lang: str) -> str:
    """The KPI cards (light theme): the value, 环比 and 同比 of each of :data:`KPIS`; each card
    has id ``kpi-<metric>``, ``data-value`` (the raw value) and ``data-mom`` / ``data-yoy``
    (the change shown: relative, or in rate units for rates; empty when not compared).
    Takes the view of :func:`compute` (or a one-row totals frame: values only)."""
    view = view_or_total if isinstance(view_or_total, dict) else None
    total = view["total"] if view else view_or_total
    cmp = view["cmp"].set_index("metric") if view else None
    cards = []
    for col in CARDS:
        v = total[col].iat[0]
        sub, mom_v, yoy_v = "", "", ""
        if cmp is not None:
            r = cmp.loc[col].copy()
            r["metric"] = col
            is_rate = catalogue.fmt_kind(col) == "pct"
            mom, yoy = (r["mom_points"], r["yoy_points"]) if is_rate else (r["mom_rate"], r["yoy_rate"])
            mom_v = "" if pd.isna(mom) else repr(float(mom))
            yoy_v = "" if pd.isna(yoy) else repr(float(yoy))
            if r["compared"]:
                sub = (f'<div>{html.escape(_t("环比", "vs prev.", lang))} {_change_html(r, "mom", lang)}</div>'
                       f'<div>{html.escape(_t("同比", "vs last yr", lang))} {_change_html(r, "yoy", lang)}</div>')
            else:
                why = (_t("最后一天未完，不比较", "last day not over: not compared", lang)
                       if view.get("unfinished") is not None
                       else _t("退款未到齐，暂不比较", "refunds still to come: not compared", lang))
                sub = f'<div style="color:{apps.LIGHT["muted"]}">{html.escape(why)}</div>'
        cards.append(
            f'<div class="ecom-kpi" id="kpi-{col}" data-value="{html.escape(str(v))}" '
            f'data-mom="{mom_v}" data-yoy="{yoy_v}" '
            'style="flex:1 1 128px;max-width:200px;padding:8px 12px;margin:4px;'
            'border:1px solid #dde3ee;border-radius:8px;background:#f7f9fc">'
            f'<div style="color:#5b6b88;font-size:13px">{html.escape(catalogue.label(col, lang))}</div>'
            f'<div style="font-size:21px;font-weight:600;font-variant-numeric:tabular-nums">'
            f'{html.escape(value_text(col, v, lang))}</div>'
            f'<div style="font-size:12px;line-height:1.5">{sub}</div></div>')
    return '<div style="display:flex;flex-wrap:wrap">' + "".join(cards) + "</div>"


def table_html(by: pd.DataFrame, shop_names: dict, lang: str, metric: str = "paid_fen") -> str:
    """Per platform and shop (shop names, platform names), ranked by ``metric``
    (:func:`ecomlib.metrics.dashboard.rank_by`): ``metric`` first when it is not one of
    :data:`TABLE`, then the figures of :data:`TABLE`, and paid's 环比 and 同比 when ``by`` has
    them (``paid_mom_rate``, ``paid_yoy_rate``)."""
    by = db.rank_by(by, metric)
    rows = pd.DataFrame({
        i18n.label("platform", lang): [i18n.label(p, lang) for p in by["platform"]],
        i18n.label("shop", lang): [shop_names.get(s, s) for s in by["shop_id"]],
    })
    cols = [c for c in TABLE if c in by.columns]
    if metric not in cols:
        cols.insert(0, metric)
    for col in cols:
        rows[catalogue.label(col, lang)] = [value_text(col, v, lang) for v in by[col]]
        if col == "paid_fen":
            for name, zh, en in (("paid_mom_rate", "实付环比", "Paid vs prev."),
                                 ("paid_yoy_rate", "实付同比", "Paid vs last yr")):
                if name in by.columns:
                    rows[_t(zh, en, lang)] = [
                        fmt.MISSING if fmt.is_missing(v) else
                        ("+" if v > 0 else "") + fmt.pct(v) for v in by[name]]
    return (f'<div id="by-shop" data-metric="{html.escape(metric)}">' + apps.html_table(rows)
            + "</div>")


def chart_frame(view: dict, metric: str, shop_names: dict, lang: str = "zh"
                ) -> tuple[pd.DataFrame, str]:
    """The chart's data: ``metric`` per day of the period (:func:`ecomlib.metrics.dashboard.
    daily_metric`) per selected shop (column ``line``: the shop's name), or per platform
    (its name) when more than :data:`MAX_SHOP_LINES` shops are selected. Returns the frame
    and ``"shop"`` or ``"platform"``."""
    per = view["period"]
    by = "shop_id" if len(view["shops"]) <= MAX_SHOP_LINES else "platform"
    d = db.daily_metric(view["view_days"], metric, per.start, per.end, by)
    if by == "shop_id":
        names = {s: shop_names.get(s, s) for s in d["shop_id"].unique()}
        dup = {n for n in names.values() if list(names.values()).count(n) > 1}
        names = {s: (f"{n}({s})" if n in dup else n) for s, n in names.items()}
        d["line"] = d["shop_id"].map(names)
    else:
        d["line"] = [i18n.label(p, lang) for p in d["platform"]]
    return d[["sales_date", "line", metric]], ("shop" if by == "shop_id" else "platform")


def chart_note(metric: str, view: dict, lang: str = "zh") -> str:
    """The line under the chart: how to read it, from what the view holds (a ratio is per
    day and has no point on a day without its denominator; an unfinished last day is low
    because it is not over)."""
    lab = catalogue.label(metric, lang)
    kind = catalogue.fmt_kind(metric)
    m = catalogue.metric(metric)
    parts = [_t(f"怎么看：每条线是一个店铺（店铺多于 {MAX_SHOP_LINES} 个时为平台），每个点是一天的{lab}",
                f"How to read: one line per shop (per platform past {MAX_SHOP_LINES} shops), one "
                f"point per day of {lab}", lang)]
    if m.den is not None:
        den = catalogue.label(m.den, lang) or i18n.label(m.den, lang)
        parts.append(_t(f"按当天计算，当天没有{den}的日子不画点",
                        f"computed per day; no point on a day without {den}", lang))
    elif kind == "money":
        parts.append(_t("金额单位元", "money in CNY", lang))
    st = view.get("unfinished")
    if st is not None:
        until = f"{st.cutoff:%H:%M}" if st.cutoff is not None else fmt.MISSING
        parts.append(_t(f"最后一天（{view['period'].end}）的数据只到 {until}，它的点偏低不代表下滑",
                        f"the last day ({view['period'].end}) has data until {until} only: a low "
                        "last point is not a fall", lang))
    return _t("；", "; ", lang).join(parts) + _t("。", ".", lang)


def workbook_tables(view: dict, shop_names: dict, lang: str = "zh", metric: str = "paid_fen"
                    ) -> dict[str, pd.DataFrame]:
    """The sheets of the Excel download, from the view of :func:`compute`, in the seller's
    words (sheet names in ``lang``; headers by :func:`header`):

    * 汇总: the period, its 环比 period and its 同比 period, one row each, with every KPI;
    * 环比同比: per KPI the relative change (amounts and counts) or the change in percentage
      points (rates), empty where the view does not compare (refunds still to come);
    * 分店铺: per platform and shop, as the table on the page (ranked by ``metric``; paid's
      环比 and 同比 too);
    * 每日: per day, platform and shop;
    * 筛选条件: the platforms, shops and periods of the view, and when the file was made.
    """
    per = view["period"]
    names = {"cur": _t("本期", "This period", lang), "mom": _t("上期（环比）", "Previous period", lang),
             "yoy": _t("去年同期（同比）", "A year earlier", lang)}
    summary = pd.DataFrame([
        {**_period_row(names["cur"], per.start, per.end),
         **{k: view["total"][k].iat[0] for k in KPIS}},
        {**_period_row(names["mom"], per.previous_start, per.previous_end),
         **{k: view["previous"][k].iat[0] for k in KPIS}},
        {**_period_row(names["yoy"], per.year_ago_start, per.year_ago_end),
         **{k: view["year_ago"][k].iat[0] for k in KPIS}}])
    cmp = view["cmp"]
    rate = cmp["metric"].map(lambda m: catalogue.fmt_kind(m) == "pct")
    changes = pd.DataFrame({
        "metric": [catalogue.label(m, lang) for m in cmp["metric"]],
        "mom_change_rate": cmp["mom_rate"].where(~rate).astype("float64"),
        "mom_points": (cmp["mom_points"] * 100).where(rate).astype("float64"),
        "yoy_change_rate": cmp["yoy_rate"].where(~rate).astype("float64"),
        "yoy_points": (cmp["yoy_points"] * 100).where(rate).astype("float64")})
    by = db.rank_by(view["by"], metric)
    shop = pd.DataFrame({"platform": [i18n.label(p, lang) for p in by["platform"]],
                         "shop": [shop_names.get(s, s) for s in by["shop_id"]]})
    for c in (*KPIS, "paid_mom_rate", "paid_yoy_rate"):
        shop[c] = by[c].to_numpy()
    d = view["days"]
    days = pd.DataFrame({"sales_date": pd.to_datetime(d["sales_date"]).to_numpy(),
                         "platform": [i18n.label(p, lang) for p in d["platform"]],
                         "shop": [shop_names.get(s, s) for s in d["shop_id"]]})
    for c in DAILY:
        days[c] = d[c].to_numpy()
    join = "、" if lang == "zh" else ", "
    span = lambda a, b: f"{a.isoformat()}{_t(' 至 ', ' to ', lang)}{b.isoformat()}"  # noqa: E731
    filters = pd.DataFrame({"filter_item": [
        _t("本期", "Period", lang), _t("环比期", "Previous period", lang),
        _t("同比期", "A year earlier", lang), _t("平台", "Platforms", lang),
        _t("店铺", "Shops", lang), _t("排序指标", "Ranked by", lang),
        _t("数据截至", "Data until", lang), _t("导出时间", "Exported at", lang),
        _t("说明", "Notes", lang)], "filter_value": [
        span(per.start, per.end), span(per.previous_start, per.previous_end),
        span(per.year_ago_start, per.year_ago_end),
        join.join(i18n.label(p, lang) for p in view["platforms"]) or fmt.MISSING,
        join.join(shop_names.get(s, s) for s in view["shops"]) or fmt.MISSING,
        catalogue.label(metric, lang),
        view["latest"].date().isoformat() if view.get("latest") is not None else fmt.MISSING,
        apps.beijing_now().strftime("%Y-%m-%d %H:%M"),
        _t("金额单位元，北京时间，按付款日。转化率 = 支付买家(人·天) / 访客(人·天)（只算有访客数据的店铺日）；"
           "ROAS = 广告成交额 / 广告花费；客单价 = 实付 / 支付买家(人·天)；笔单价 = 实付 / 支付订单数。",
           "Money in CNY, Beijing time, by payment day. Conversion = paying buyer-days / "
           "visitor-days (shop-days with visitor data only); ROAS = attributed paid / ad "
           "spend; AOV = paid / paying buyer-days; spend per order = paid / paid orders.",
           lang)]})
    sheet = lambda zh, en: _t(zh, en, lang)  # noqa: E731
    return {sheet("汇总", "Summary"): summary, sheet("环比同比", "Changes"): changes,
            sheet("分店铺", "By shop"): shop, sheet("每日", "By day"): days,
            sheet("筛选条件", "Filters"): filters}


def excel_bytes(view: dict, shop_names: dict, lang: str = "zh", metric: str = "paid_fen"
                ) -> bytes:
    """The .xlsx of :func:`workbook_tables` (written by :func:`ecomlib.excel.write_tables`)."""
    from . import excel

    with tempfile.TemporaryDirectory(prefix="ecom-explorer-") as tmp:
        path = Path(tmp) / "view.xlsx"
        excel.write_tables(workbook_tables(view, shop_names, lang, metric), path,
                           headers=lambda c: header(c, lang), lang=lang)
        return path.read_bytes()


def excel_name(view: dict, lang: str = "zh") -> str:
    """``经营数据_2025-12-01至2025-12-31.xlsx``."""
    per = view["period"]
    return (_t("经营数据_", "sales_", lang) + per.start.isoformat() + _t("至", "_to_", lang)
            + per.end.isoformat() + ".xlsx")


class Explorer:
    """Platform / shop / period pickers and the numbers they select."""

    def __init__(self, path, start=None, end=None, lang: str = "zh", now=None):
        import ipywidgets as w

        from . import plots

        self.path, self.lang, self.now = path, i18n.check_lang(lang), now
        plots.setup(self.lang)  # CJK font for the charts (idempotent)
        t = lambda zh, en: i18n.text(zh, en, self.lang)  # noqa: E731
        self.message = w.HTML()
        self.message.add_class("ecom-message")
        self.fresh = w.HTML()
        self.fresh.add_class("ecom-fresh")
        self.period_line = w.HTML()
        self.kpis = w.HTML()
        self.kpis.add_class("ecom-kpis")
        self.notes = w.HTML()
        self.table = w.HTML()
        self.download = w.HTML()
        self.download.add_class("ecom-download")
        self.chart = w.Image(format="png", layout=w.Layout(max_width="1100px", display="none"))
        self.chart.add_class("ecom-chart")
        self.chart_note = w.HTML()
        self.note = w.HTML()
        self.count_updates = 0
        self.view = None
        try:
            dims = apps.read(path, dq.dimensions)
        except apps.Unavailable as e:
            self.message.value = apps.notice_html(e.message(self.lang), "warn")
            self.widget = w.VBox([self.message])
            return
        shops = dims["shops"]
        self.shop_table = shops
        self.shop_names = {r.shop_id: (r.shop_name or r.shop_id) for r in shops.itertuples()}
        self._first = dims["first"]
        #: the data's last sales day, and the last complete one (the presets end there: a
        #: day that is not over is shown only when picked by hand)
        self._latest = dims["last"]
        last = dims["last"] or pd.Timestamp(apps.beijing_now(now)).normalize()
        if dims["last"] is not None and dims["first"] is not None and last > dims["first"]:
            try:
                state = apps.read(path, lambda wh: db.day_state(
                    last, dq.last_paid_at(wh, last), apps.beijing_now(now)))
            except apps.Unavailable:
                state = None
            if state is not None and state.kind != "whole":
                last = last - pd.Timedelta(days=1)
        self._last = last
        lo = pd.Timestamp(start) if start else last.replace(day=1)
        hi = pd.Timestamp(end) if end else last
        style = {"description_width": "initial"}
        self.platforms = w.SelectMultiple(
            options=[(i18n.label(p, self.lang), p) for p in sorted(shops["platform"].unique())],
            description=t("平台", "Platforms"), rows=5, style=style,
            layout=w.Layout(width="200px"))
        self.platforms.value = tuple(v for _, v in self.platforms.options)
        self.shops = w.SelectMultiple(options=self._shop_options(self.platforms.value),
                                      description=t("店铺", "Shops"), rows=5, style=style,
                                      layout=w.Layout(width="330px"))
        self.shops.value = tuple(v for _, v in self.shops.options)
        names = {"month": t("本月", "This month"), "last_month": t("上月", "Last month"),
                 "last_7": t("近7天", "Last 7 days"), "last_30": t("近30天", "Last 30 days"),
                 "year": t("今年", "This year"), "all": t("全部", "All"), "": t("自定义", "Custom")}
        self.preset = w.Dropdown(options=[(names[k], k) for k in (*db.PRESETS, "")],
                                 value="" if (start or end) else "month",
                                 description=t("期间", "Period"), style=style,
                                 layout=w.Layout(width="220px"))
        self.preset.add_class("ecom-preset")
        self.preset.observe(self._preset_changed, names="value")
        self._quiet = False
        self.metric = w.Dropdown(
            options=[(catalogue.label(m, self.lang), m) for m in CHART_METRICS],
            value="paid_fen", description=t("指标", "Metric"), style=style,
            layout=w.Layout(width="220px"))
        self.metric.add_class("ecom-metric")
        self.metric.observe(self._metric_changed, names="value")
        self.start = w.DatePicker(value=lo.date(), description=t("开始", "From"), style=style)
        self.end = w.DatePicker(value=hi.date(), description=t("结束", "To"), style=style)
        self.platforms.observe(self._platforms_changed, names="value")
        for widget, cls in ((self.platforms, "ecom-platforms"), (self.shops, "ecom-shops"),
                            (self.start, "ecom-start"), (self.end, "ecom-end")):
            widget.add_class(cls)
            if widget is not self.platforms:
                widget.observe(self._changed, names="value")
        span = (f"{dims['first']:%Y-%m-%d} {t('至', 'to')} {dims['last']:%Y-%m-%d}"
                if dims["first"] is not None else fmt.MISSING)
        muted = 'style="color:#5b6b88;font-size:13px"'
        title = w.HTML(
            f'<div style="display:flex;align-items:baseline;gap:18px">'
            f'<h2 style="margin:4px 0">{html.escape(t("经营数据查询", "Sales explorer"))}</h2>'
            f'<span {muted}>{html.escape(t(f"数据范围 {span}（北京时间，按付款日）", f"Data {span} (Beijing time, by payment day)"))}</span></div>')
        hint = w.HTML(f'<div {muted}>' + html.escape(t(
            "平台和店铺可多选：按住 Ctrl（Mac 为 ⌘）点击。店铺列表只列所选平台的店铺。",
            "Pick several platforms or shops with Ctrl-click (⌘-click on a Mac). The shop list "
            "shows the shops of the selected platforms only.")) + " " + html.escape(t(
                "“指标”决定下面的图和店铺表的排序；Excel 下载的是当前选择的全部数字。",
                "'Metric' sets the chart and the order of the shop table; the Excel download "
                "holds every figure of the current selection.")) + "</div>")
        self.note.value = (f'<div {muted}>' + html.escape(t(
            "口径：金额单位元；转化率 = 支付买家(人·天) / 访客(人·天)（买家和访客都按店铺按天计、逐日相加，"
            "只算有访客数据的店铺日）；客单价 = 实付 / 支付买家(人·天)；笔单价 = 实付 / 支付订单数；"
            "ROAS = 广告平台归因的成交额 / 广告花费；退款率 = 退款 / 实付（同一批订单）；"
            "毛利 = 净销售额 - 保留件的商品成本。环比 = 紧挨本期之前、同样天数的一段；同比 = 去年的同样日期。",
            "Definitions: money in CNY; conversion = paying buyer-days / visitor-days (both "
            "counted per shop and day and summed, over shop-days with visitor data); AOV = paid / "
            "paying buyer-days; spend per order = paid / paid orders; ROAS = paid amount the ad "
            "platforms attribute to ads / ad spend; refund rate = refunds / paid (same orders); "
            "gross profit = net sales - cost of the units kept. 'vs prev.' = the same number of "
            "days just before; 'vs last yr' = the same dates a year earlier.")) + "</div>")
        pickers = w.HBox([self.platforms, self.shops,
                          w.VBox([self.preset, self.start, self.end]),
                          w.VBox([self.metric, self.download],
                                 layout=w.Layout(margin="0 0 0 16px"))])
        self.widget = w.VBox([title, pickers, hint, self.period_line, self.fresh, self.message,
                              self.kpis, self.notes, self.table, self.chart, self.chart_note,
                              self.note])
        self.widget.add_class("ecom-explorer")
        self.update()

    # -- the cascade: platforms narrow the shops --------------------------------------------
    def _shop_options(self, platforms) -> list[tuple[str, str]]:
        """(label, shop_id) of the shops of ``platforms``, by shop name; a name that two
        platforms share gets its platform in brackets."""
        s = self.shop_table[self.shop_table["platform"].isin(list(platforms))]
        labels = [self.shop_names[r.shop_id] for r in s.itertuples()]
        dup = {x for x in labels if labels.count(x) > 1}
        out = [((f"{lab}（{i18n.label(r.platform, self.lang)}）" if lab in dup else lab), r.shop_id)
               for lab, r in zip(labels, s.itertuples())]
        return sorted(out, key=lambda o: (o[0], o[1]))

    def _platforms_changed(self, change) -> None:
        old_platforms = set(change["old"] or ())
        kept = set(self.shops.value)
        options = self._shop_options(change["new"])
        platform_of = dict(zip(self.shop_table["shop_id"], self.shop_table["platform"]))
        value = tuple(v for _, v in options
                      if v in kept or platform_of.get(v) not in old_platforms)
        self._quiet = True  # one update for both widgets
        try:
            self.shops.options = options
            self.shops.value = value
        finally:
            self._quiet = False
        self.update()

    def _preset(self, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The dates of a quick period: they end at the last complete day (a day that is not
        over would be compared with whole ones), except 全部 (all), which is all the data,
        an unfinished last day included (its figures are then not compared)."""
        last = self._latest if name == "all" and self._latest is not None else self._last
        return db.preset_period(name, last, self._first)

    def _preset_changed(self, change) -> None:
        if not change["new"] or self._first is None:
            return
        lo, hi = self._preset(change["new"])
        self._quiet = True  # one update for both dates
        try:
            self.start.value, self.end.value = lo.date(), hi.date()
        finally:
            self._quiet = False
        self.update()

    def _metric_changed(self, change) -> None:
        """A new metric re-ranks the table and redraws the chart from the view in hand (no
        query); the download follows (its shop sheet is ranked the same way)."""
        if self.view is None or self.view["empty"]:
            return
        self._draw_metric()

    def _draw_metric(self) -> None:
        t = lambda zh, en: i18n.text(zh, en, self.lang)  # noqa: E731
        view, metric = self.view, self.metric.value
        self.table.value = table_html(view["by"], self.shop_names, self.lang, metric)
        self.chart.value = self._chart(view, metric)
        self.chart.layout.display = ""
        self.chart_note.value = ('<div class="ecom-chart-note" style="color:#5b6b88;font-size:12px;'
                                 'margin:0 4px 8px">' + html.escape(chart_note(metric, view, self.lang))
                                 + "</div>")
        self.download.value = apps.download_link(
            excel_bytes(view, self.shop_names, self.lang, metric), excel_name(view, self.lang),
            t("下载 Excel（当前视图）", "Download Excel (this view)"))

    def _changed(self, change) -> None:
        if self._quiet:
            return
        if change["owner"] in (self.start, self.end) and self.preset.value:
            lo, hi = self._preset(self.preset.value)
            if (self.start.value, self.end.value) != (lo.date(), hi.date()):
                self._quiet = True
                self.preset.value = ""  # the dates were edited by hand
                self._quiet = False
        self.update()

    # -- drawing ---------------------------------------------------------------------------
    def _clear(self) -> None:
        self.kpis.value = self.table.value = self.notes.value = self.download.value = ""
        self.fresh.value = self.chart_note.value = ""
        self.chart.layout.display = "none"
        self.chart.value = b""

    def update(self) -> None:
        """Re-query with the current selection and redraw (a message instead of an error)."""
        t = lambda zh, en: i18n.text(zh, en, self.lang)  # noqa: E731
        start, end = self.start.value, self.end.value
        self.count_updates += 1
        if start is None or end is None or start > end:
            self._clear()
            self.message.value = apps.notice_html(t("请选择开始和结束日期（开始不晚于结束）。",
                                                    "Pick a start and an end date (start not after end)."), "warn")
            return
        shops, platforms = list(self.shops.value), list(self.platforms.value)
        try:
            view = apps.read(self.path, lambda wh: compute(wh, start, end, shops, platforms,
                                                           self._latest, self.now))
        except apps.Unavailable as e:
            self.message.value = apps.notice_html(e.message(self.lang), "warn")
            return
        self.view = view
        per = view["period"]
        self.period_line.value = (
            '<div id="period-line" style="font-size:14px;margin:4px 0">'
            + html.escape(t(f"本期 {per.start} 至 {per.end}（{per.days} 天）· "
                            f"环比 {per.previous_start} 至 {per.previous_end} · "
                            f"同比 {per.year_ago_start} 至 {per.year_ago_end}",
                            f"{per.start} to {per.end} ({per.days} days) · previous period "
                            f"{per.previous_start} to {per.previous_end} · a year earlier "
                            f"{per.year_ago_start} to {per.year_ago_end}")) + "</div>")
        if view["empty"]:
            self._clear()
            if not platforms:
                msg = t("没有选中平台：请在左边的平台列表里选择（按住 Ctrl 可多选）。",
                        "No platform is selected: pick one or more in the platform list.")
            elif not shops:
                msg = t("没有选中店铺：请在店铺列表里选择（按住 Ctrl 可多选）。",
                        "No shop is selected: pick one or more in the shop list.")
            else:
                msg = t("所选平台和店铺在这段时间没有数据：没有订单、访客和广告花费。请换一段时间或别的店铺。",
                        "The selected platforms and shops have no data in this period: no "
                        "orders, visitors or ad spend. Pick another period or other shops.")
            self.message.value = apps.notice_html(msg)
            return
        self.message.value = ""
        warns = [apps.stale_sentence(view["fresh"], self.lang) if view["fresh"] is not None
                 else None]
        behind = None if self._latest is None else \
            (apps.beijing_now(self.now).normalize() - self._latest).days
        if behind is not None and behind > 1:
            warns.insert(0, t(
                f"数据不是最新：最新的订单在 {self._latest:%Y-%m-%d}，已经 {behind} 天没有新数据。"
                "“本月”“近7天”等都从这一天往前算。请导入各店铺最新的导出文件。",
                f"Data not current: the latest orders are of {self._latest:%Y-%m-%d}, {behind} "
                "days ago. 'This month', 'Last 7 days' ... count back from that day. Load the "
                "shops' latest exports."))
        self.fresh.value = "".join(apps.notice_html(x, "warn") for x in warns if x)
        self.kpis.value = kpi_html(view, self.lang)
        notes = [apps.colour_legend(self.lang, light=True)]
        if view["unfinished"] is not None:
            st = view["unfinished"]
            until = f"{st.cutoff:%H:%M}" if st.cutoff is not None else fmt.MISSING
            notes.append(html.escape(t(
                f"{per.end} 还没过完（数据截至 {until}）：本期不作环比、同比。把结束日期设为前一天即可比较。"
                if st.is_today else
                f"{per.end} 的数据只到 {until}（导出时这一天可能还没过完）：本期不作环比、同比。"
                "把结束日期设为前一天即可比较。",
                f"{per.end} is not over (data until {until}): no comparisons. End the period the "
                "day before to compare." if st.is_today else
                f"{per.end} has data until {until} only (exported before the day ended?): no "
                "comparisons. End the period the day before to compare.")))
        elif view["refunds_pending"]:
            notes.append(html.escape(t(
                f"本期 {per.days} 天里有 {view['young_days']} 天的订单付款不到 {REFUND_SETTLE_DAYS} 天，"
                "退款还在陆续发生：退款、退款率、净销售额、毛利暂不作环比和同比，否则会显得比以前好。",
                f"{view['young_days']} of the period's {per.days} days have orders paid less than "
                f"{REFUND_SETTLE_DAYS} days before the data's last day and are still being "
                "refunded: refunds, refund rate, net sales and gross profit are not compared, or "
                "they would look better than before.")))
        elif view["young_days"]:
            notes.append(html.escape(t(
                f"本期最近 {view['young_days']} 天的订单付款不到 {REFUND_SETTLE_DAYS} 天，退款还在发生："
                "退款率偏低、净销售额和毛利偏高。",
                f"The period's last {view['young_days']} days have orders paid less than "
                f"{REFUND_SETTLE_DAYS} days ago, still being refunded: the refund rate is low and "
                "net sales and gross profit high.")))
        self.notes.value = ('<div class="ecom-notes" style="color:#5b6b88;font-size:12px;'
                            'margin:2px 4px 8px">' + "<br>".join(notes) + "</div>")
        self._draw_metric()

    def _chart(self, view: dict, metric: str) -> bytes:
        """The daily ``metric`` of the view, one line per shop (or platform): :func:`chart_frame`."""
        import matplotlib.pyplot as plt

        from . import plots
        data, by = chart_frame(view, metric, self.shop_names, self.lang)
        lab = catalogue.label(metric, self.lang)
        per = view["period"]
        title = i18n.text(f"每日{lab}（按{'店铺' if by == 'shop' else '平台'}，{per.start} 至 {per.end}）",
                          f"{lab} per day by {by} ({per.start} to {per.end})", self.lang)
        data = data.rename(columns={"line": by})
        fig = plots.line_by(data, "sales_date", metric, hue=by, lang=self.lang, title=title,
                            figsize=(11, 3.6), marker="o" if per.days <= 31 else None)
        try:
            return apps.png(fig, tight=True)
        finally:
            plt.close(fig)
