"""The sales big screen (销售大屏) of notebooks/apps/big_screen.ipynb, as ipywidgets.

All numbers come from :mod:`ecomlib.metrics.dashboard` on the frames of
:mod:`ecomlib.metrics.dashboard_queries` (queries over the marts); this module only lays them out
(dark, large figures, readable at 1920x1080) and refreshes them: :meth:`BigScreen.start`
sets a hidden ``ipywidgets.Play`` ticking in the browser every ``refresh_seconds``; each
tick re-queries the warehouse in the kernel and replaces the widgets' values, which Voila
pushes to the open page (no page reload, no new kernel). The page drives the clock, so a
closed tab stops querying and its kernel falls idle, where Voila's culling
(ecomlib.serve) shuts it down (Voila 0.5 does not shut kernels down on tab close:
voila-dashboards/voila#1458).
The warehouse is opened read-only for each refresh and closed right after
(:func:`ecomlib.apps.read`); a missing or locked warehouse shows a message and the next
tick tries again.
"""
from __future__ import annotations

import datetime as dt
import html
import threading
import time

import pandas as pd

from . import apps, fmt, i18n
from .apps import DARK
from .metrics import catalogue
from .metrics import dashboard as db
from .metrics import dashboard_queries as dq

#: stock-alert rows shown (the screen must fit 1920x1080)
SHOW_ALERTS = 6


def _t(zh: str, en: str, lang: str) -> str:
    return i18n.text(zh, en, lang)


def load(wh, as_of=None, top_n: int = 10, lookback_days: int = 28) -> dict | None:
    """Everything the screen shows, from one open warehouse (None when it has no sales):
    the shop-days of last month's first day .. today read once (all four periods' totals and
    this month's platforms come from them), the daily series for the trend, this month's
    SKUs and the stock."""
    day = pd.Timestamp(as_of) if as_of else dq.latest_sales_date(wh)
    if day is None:
        return None
    per = db.comparison_periods(day)
    lo = min(a for a, _ in per.values())
    days = dq.shop_days(wh, lo, day)
    tot = {k: db.with_ratios(v) for k, v in db.period_totals(days, per).items()}
    plat = db.totals(days, *per["mtd"], by=["platform"])
    prev_month_end = per["mtd"][0] - pd.Timedelta(days=1)
    daily = dq.daily_by_platform(wh, per["last_mtd"][0], day)
    stock, sold = dq.stock(wh, day, lookback_days)
    latest = day if not as_of else dq.latest_sales_date(wh)
    return {"day": day, "latest": latest, "per": per, "tot": tot, "plat": plat,
            "trend": db.daily_trend(daily, per["mtd"][0], day),
            "trend_prev": db.daily_trend(daily, per["last_mtd"][0], prev_month_end),
            "top": db.top_skus(dq.sku_sales(wh, *per["mtd"]), top_n),
            "split": db.platform_split(plat), "stock": stock, "sold": sold}


def kpi_row(cur: pd.DataFrame, prev: pd.DataFrame, prefix: str, title: str, vs: str,
            lang: str, buyers: str = "count_buyers") -> str:
    """Four KPI cards (paid, paid orders, paying buyers, refund rate) of one period vs
    another, labelled and coloured by the metric catalogue (a rise of the refund rate shows
    as bad). ``buyers``: ``count_buyers`` for one day, ``buyer_days`` for several (buyers
    counted per day and summed)."""
    metrics = ("paid_fen", "count_paid_orders", buyers, "refund_rate")
    cmp = db.compare(cur, prev, metrics).set_index("metric")
    texts = {"paid_fen": fmt.wan(cur["paid_fen"].iat[0], lang),
             "count_paid_orders": fmt.integer(cur["count_paid_orders"].iat[0]),
             buyers: fmt.integer(cur[buyers].iat[0]),
             "refund_rate": fmt.pct(cur["refund_rate"].iat[0])}
    cards = []
    for m in metrics:
        r = cmp.loc[m]
        is_rate = m.endswith("_rate")
        good = r["good_when_up"]
        delta = apps.delta_text(r["change_points"] if is_rate else r["change_rate"],
                                points=is_rate, lang=lang,
                                good_when_up=True if good is None else bool(good))
        cards.append(apps.kpi_card(f"{prefix}-{m}", f"{title}{catalogue.label(m, lang)}", texts[m],
                                   cur[m].iat[0],
                                   f'<span style="color:{DARK["muted"]}">{html.escape(vs)}</span> {delta}'))
    return '<div style="display:flex;flex-wrap:nowrap">' + "".join(cards) + "</div>"


def trend_png(trend: pd.DataFrame, trend_prev: pd.DataFrame, lang: str) -> bytes:
    """Bars: paid per day of this month; line: the previous month by day of month."""
    fig, ax = apps.dark_axes()
    x = trend["sales_date"].dt.day
    ax.bar(x, trend["paid_fen"] / 100 / 10000 if lang == "zh" else trend["paid_fen"] / 100 / 1000,
           color=DARK["accent"], edgecolor="none", label=_t("本月", "This month", lang))
    if len(trend_prev):
        ax.plot(trend_prev["sales_date"].dt.day,
                trend_prev["paid_fen"] / 100 / (10000 if lang == "zh" else 1000),
                color=DARK["warn"], lw=2, label=_t("上月同日", "Last month", lang))
    ax.set_title(_t("本月每日实付金额（万元）", "Paid per day (k¥)", lang), loc="left",
                 fontsize=15, color=DARK["text"])
    ax.set_xlabel(_t("日", "Day of month", lang), color=DARK["muted"])
    ax.set_xlim(0.4, 31.6)
    leg = ax.legend(frameon=False, fontsize=12, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                    ncols=2)
    for t in leg.get_texts():
        t.set_color(DARK["text"])
    return apps.png(fig)


def split_png(split: pd.DataFrame, lang: str) -> bytes:
    """Horizontal bars: each platform's share of this month's paid amount."""
    fig, ax = apps.dark_axes()
    if len(split) and split["paid_fen"].sum() > 0:
        s = split.iloc[::-1]
        names = [i18n.label(p, lang) for p in s["platform"]]
        from .plots import PLATFORM_COLORS
        ax.barh(names, s["share_rate"] * 100,
                color=[PLATFORM_COLORS.get(p, DARK["accent"]) for p in s["platform"]],
                edgecolor="none")
        for y, (v, fen) in enumerate(zip(s["share_rate"], s["paid_fen"])):
            ax.text(v * 100 + 1, y, f"{fmt.pct(v)}  {fmt.wan(fen, lang)}", va="center",
                    color=DARK["text"], fontsize=13)
        ax.set_xlim(0, max(100, float(s["share_rate"].max() * 100) + 35))
        ax.tick_params(axis="y", labelsize=15)
    ax.grid(False)
    ax.set_xticks([])
    ax.set_title(_t("本月平台占比（实付金额）", "Platform share this month (paid)", lang),
                 loc="left", fontsize=15, color=DARK["text"])
    return apps.png(fig)


def top_png(top: pd.DataFrame, lang: str) -> bytes:
    """Horizontal bars: this month's top SKUs by paid amount."""
    fig, ax = apps.dark_axes()
    if len(top):
        t = top.iloc[::-1]
        names = [(n if len(n) <= 20 else n[:19] + "…") for n in t["product_name"].astype(str)]
        ax.barh(range(len(t)), t["paid_fen"] / 100 / (10000 if lang == "zh" else 1000),
                color=DARK["accent"], edgecolor="none")
        ax.set_yticks(range(len(t)), names, fontsize=11)
    ax.grid(axis="x", color="#24314f")
    ax.grid(axis="y", visible=False)
    ax.set_title(_t("本月热销SKU（实付，万元）", "Top SKUs this month (paid, k¥)", lang),
                 loc="left", fontsize=15, color=DARK["text"])
    return apps.png(fig)


def stock_html(alerts: pd.DataFrame, lang: str, alert_days: float, lookback_days: int) -> str:
    """The stock-alert table (at most SHOW_ALERTS rows) with a one-line explanation."""
    head = _t(f"库存预警：已缺货或可售不足 {alert_days:g} 天的 SKU（按近 {lookback_days} 天日均销量）",
              f"Stock alerts: SKUs out of stock or lasting under {alert_days:g} days "
              f"(at the last {lookback_days} days' average sales)", lang)
    title = (f'<div style="font-size:22px;color:{DARK["text"]};margin:6px 6px 2px">'
             f"{html.escape(head)} · {len(alerts)}</div>")
    if not len(alerts):
        return title + apps.notice_html(_t("没有需要预警的 SKU。", "No SKU needs attention.", lang))
    a = alerts.head(SHOW_ALERTS)
    shown = pd.DataFrame({
        _t("SKU", "SKU", lang): a["sku"],
        _t("商品", "Product", lang): a["product_name"].fillna(a["sku"]).astype(str).str.slice(0, 22),
        _t("状态", "Status", lang): [i18n.label(f"alert_{s}", lang) for s in a["stock_status"]],
        _t("在库", "On hand", lang): [fmt.integer(v) for v in a["on_hand_units"]],
        _t("在途", "In transit", lang): [fmt.integer(v) for v in a["in_transit_units"]],
        _t("日均销量", "Avg/day", lang): [f"{v:.1f}" for v in a["avg_daily_units"]],
        _t("可售天数", "Days left", lang): [fmt.MISSING if pd.isna(v) else f"{v:.1f}"
                                          for v in a["days_of_supply"]],
    })
    more = "" if len(alerts) <= SHOW_ALERTS else (
        f'<div style="color:{DARK["muted"]};font-size:16px;margin:2px 10px">'
        + html.escape(_t(f"另有 {len(alerts) - SHOW_ALERTS} 个 SKU 未显示",
                         f"{len(alerts) - SHOW_ALERTS} more not shown", lang))
        + "</div>")
    return title + '<div id="stock-alerts">' + apps.html_table(shown) + "</div>" + more


class BigScreen:
    """The big screen's widgets and its refresh timer.

    ``refresh()`` re-queries and redraws once; ``start()`` repeats it every
    ``refresh_seconds`` (0: never) through the browser-side ticker ``self.ticker``;
    ``count_refreshes`` counts the completed refreshes (shown on the screen).
    """

    def __init__(self, path, as_of=None, lang: str = "zh", refresh_seconds: int = 60,
                 top_n: int = 10, lookback_days: int = 28, alert_days: float = 7):
        import ipywidgets as w

        from . import plots

        self.path, self.as_of, self.lang = path, as_of, i18n.check_lang(lang)
        plots.setup(self.lang)  # CJK font for the charts (idempotent)
        self.refresh_seconds = int(refresh_seconds)
        self.top_n, self.lookback_days, self.alert_days = top_n, lookback_days, alert_days
        self.count_refreshes = 0
        self._lock = threading.Lock()
        # the clock: a Play widget ticks in the browser; every new value is one refresh
        self.ticker = w.Play(value=0, min=0, max=10**9, step=1,
                             interval=max(self.refresh_seconds, 1) * 1000, repeat=False,
                             layout=w.Layout(display="none"))
        self.ticker.observe(self._tick, names="value")
        self.header = w.HTML()
        self.notice = w.HTML()
        self.today = w.HTML()
        self.month = w.HTML()
        lay = w.Layout(width="33%", height="auto", object_fit="contain")
        self.trend = w.Image(format="png", layout=lay)
        self.split = w.Image(format="png", layout=lay)
        self.top = w.Image(format="png", layout=lay)
        self.stock = w.HTML()
        self.widget = w.VBox([self.header, self.notice, self.today, self.month,
                              w.HBox([self.trend, self.split, self.top]), self.stock,
                              self.ticker],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("ecom-bigscreen")

    def _header(self, data: dict | None, ok: bool) -> str:
        lang = self.lang
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M:%S")
        sub = ""
        if data is not None:
            day = f"{data['day']:%Y-%m-%d}"
            latest = f"{data['latest']:%Y-%m-%d}" if data["latest"] is not None else "—"
            which = (_t("指定日期", "the given date", lang) if self.as_of
                     else _t("仓库中最新的销售日", "the latest sales day in the warehouse", lang))
            sub = _t(f"今日 = {day}（{which}；仓库数据截至 {latest}）",
                     f"Today = {day} ({which}; the warehouse's data ends {latest})", lang)
        n = self.refresh_seconds
        every = (_t(f"每 {n} 秒自动刷新", f"refreshes every {n} s", lang) if n > 0
                 else _t("不自动刷新", "no auto-refresh", lang))
        if ok:
            status = _t(f"刷新于 {now}（北京时间）· 第 {self.count_refreshes} 次 · {every}",
                        f"Refreshed {now} Beijing · #{self.count_refreshes} · {every}", lang)
        else:
            status = _t(f"{now} 刷新失败，稍后重试 · {every}",
                        f"{now} refresh failed, retrying · {every}", lang)
        title = html.escape(_t("销售大屏", "Sales big screen", lang))
        return (f'<div style="display:flex;justify-content:space-between;align-items:baseline;'
                f'color:{DARK["text"]};padding:4px 8px">'
                f'<div style="font-size:38px;font-weight:700">{title}'
                f'<span style="font-size:22px;font-weight:400;color:{DARK["muted"]};margin-left:24px">'
                f"{html.escape(sub)}</span></div>"
                f'<div id="refresh-status" data-count="{self.count_refreshes}" '
                f'style="font-size:18px;color:{DARK["muted"]}">{html.escape(status)}</div></div>')

    def refresh(self) -> bool:
        """Query the warehouse once and update every widget; False (with a message on the
        screen) when the warehouse cannot be read."""
        lang = self.lang
        with self._lock:
            try:
                data = apps.read(self.path, lambda wh: load(wh, self.as_of, self.top_n,
                                                            self.lookback_days))
            except apps.Unavailable as e:
                self.notice.value = apps.notice_html(e.message(lang), "warn")
                self.header.value = self._header(None, ok=False)
                return False
            self.count_refreshes += 1
            if data is None:
                self.notice.value = apps.notice_html(
                    _t("仓库里还没有销售数据。", "The warehouse has no sales yet.", lang), "warn")
                self.header.value = self._header(None, ok=True)
                return True
            tot, latest = data["tot"], data["latest"]
            self.notice.value = ""
            if self.as_of and latest is not None and data["day"] > latest:
                self.notice.value = apps.notice_html(_t(
                    f"指定日期晚于仓库最新销售日 {latest:%Y-%m-%d}，今日数据为空。",
                    f"The given date is after the latest sales day {latest:%Y-%m-%d}; "
                    "today is empty.", lang), "warn")
            self.today.value = kpi_row(tot["today"], tot["last_week"], "today",
                                       _t("今日", "Today: ", lang),
                                       _t("较上周同日", "vs same day last week", lang), lang)
            self.month.value = kpi_row(tot["mtd"], tot["last_mtd"], "mtd",
                                       _t("本月", "Month to date: ", lang),
                                       _t("较上月同期", "vs last month to date", lang), lang,
                                       buyers="buyer_days")
            self.trend.value = trend_png(data["trend"], data["trend_prev"], lang)
            self.split.value = split_png(data["split"], lang)
            self.top.value = top_png(data["top"], lang)
            alerts = db.stock_alerts(data["stock"], data["sold"], self.lookback_days,
                                     self.alert_days)
            self.stock.value = stock_html(alerts, lang, self.alert_days, self.lookback_days)
            self.header.value = self._header(data, ok=True)
            return True

    def _tick(self, _change) -> None:
        try:
            self.refresh()
        except Exception as e:  # never let one bad tick end the screen; show it, retry next tick
            self.notice.value = apps.notice_html(
                _t(f"刷新出错：{type(e).__name__}，稍后重试。",
                   f"Refresh error: {type(e).__name__}; retrying.", self.lang), "warn")

    def start(self) -> bool:
        """Start the browser-side ticker (False when ``refresh_seconds`` is 0).

        The browser only starts a Play widget's clock when it sees ``playing`` change from
        False to True in a view that is already on the page, and the page renders the view
        some time after this cell ran. So a short-lived helper thread flips ``playing``
        off and on a few times during the first 15 s (stopping early once a tick arrived);
        each flip merely restarts the clock if it was already running.
        """
        if self.refresh_seconds <= 0:
            return False
        self.ticker.playing = True

        def kick() -> None:
            for delay in (1, 2, 3, 4, 5):
                time.sleep(delay)
                if self.ticker.value > 0 or not self.ticker.playing:
                    return
                self.ticker.playing = False
                self.ticker.playing = True

        threading.Thread(target=kick, name="bigscreen-start", daemon=True).start()
        return True

    def stop(self) -> None:
        self.ticker.playing = False
