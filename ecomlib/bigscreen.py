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
SHOW_ALERTS = 5


def _t(zh: str, en: str, lang: str) -> str:
    return i18n.text(zh, en, lang)


WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def load(wh, as_of=None, top_n: int = 10, lookback_days: int = 28, now=None) -> dict | None:
    """Everything the screen shows, from one open warehouse (None when it has no sales).

    The screen's day is ``as_of`` or the latest sales day; :func:`dashboard.day_state`
    says whether it is whole, or cut at the last payment time of its data (``partial``: the
    day before and the last day of last month's period are then cut at the same clock
    time, so an unfinished day is never compared with whole ones), or running without
    times (no comparison). The shop-days of last month's first day .. the day are read once
    (all four periods' totals and this month's shops come from them); also the daily
    series for the trend, this month's SKUs, the stock, and each shop's freshness."""
    from . import freshness

    latest = dq.latest_sales_date(wh)
    day = pd.Timestamp(as_of).normalize() if as_of else latest
    if day is None:
        return None
    now = apps.beijing_now(now)
    per = db.comparison_periods(day)
    state = db.day_state(day, dq.last_paid_at(wh, day), now, latest)
    lo = min(a for a, _ in per.values())
    days = dq.shop_days(wh, lo, day)
    cut = None
    if state.kind == "partial":
        cut = dq.intraday(wh, [per["yesterday"][0], per["last_mtd"][1]], state.cutoff_time)
        if cut is None:  # no order lines to cut (a marts folder): no fair comparison
            state = db.DayState("running", None, state.is_today)
    tot = db.screen_totals(days, per, cut)
    shops = db.totals(days, *per["mtd"], by=["platform", "shop_id"])
    prev_month_end = per["mtd"][0] - pd.Timedelta(days=1)
    daily = dq.daily_by_platform(wh, per["last_mtd"][0], day)
    stock, sold = dq.stock(wh, day, lookback_days)
    names = dq.dimensions(wh)["shops"]
    fresh = freshness.table(wh, day + pd.Timedelta(days=1))
    return {"day": day, "latest": latest, "now": now, "state": state, "per": per, "tot": tot,
            "trend": db.daily_trend(daily, per["mtd"][0], day),
            "trend_prev": db.daily_trend(daily, per["last_mtd"][0], prev_month_end),
            "top": db.top_skus(dq.sku_sales(wh, *per["mtd"]), top_n),
            "split": db.shop_split(shops), "stock": stock, "sold": sold,
            "shop_names": {r.shop_id: (r.shop_name or r.shop_id) for r in names.itertuples()},
            "fresh": fresh}


def day_words(day, now, lang: str = "zh") -> tuple[str, str]:
    """What the screen calls its day and its month, from the clock: 今日 / 昨日 / 12月30日,
    and 本月 / 12月 (Today / Yesterday / 30 Dec; This month / Dec)."""
    d, today = pd.Timestamp(day).normalize(), pd.Timestamp(now).normalize()
    if d == today:
        first = _t("今日", "Today", lang)
    elif d == today - pd.Timedelta(days=1):
        first = _t("昨日", "Yesterday", lang)
    else:
        first = _t(f"{d.month}月{d.day}日", f"{d:%-d %b}", lang)
    same_month = (d.year, d.month) == (today.year, today.month)
    month = _t("本月", "This month", lang) if same_month else _t(f"{d.month}月", f"{d:%b}", lang)
    return first, month


#: why a KPI card shows no change (zh, en)
NO_COMPARE = {"lag": ("退款滞后数日，不比较", "refunds lag: not compared"),
              "running": ("当天未完，不比较", "day not over: not compared")}


def kpi_row(cur: pd.DataFrame, prev: pd.DataFrame, prefix: str, title: str, vs: str,
            lang: str, buyers: str = "count_buyers", running: bool = False) -> str:
    """Four KPI cards (paid, paid orders, paying buyers, refund rate) of one period vs
    another, labelled and coloured by the metric catalogue (red = better, green = worse, by
    the metric's good direction: :func:`ecomlib.apps.delta_text`). ``buyers``:
    ``count_buyers`` for one day, ``buyer_days`` for several (buyers counted per day and
    summed). The refund rate is never compared (refunds arrive days after the payment:
    :data:`ecomlib.metrics.dashboard.LAGGING`), nor is anything when ``running`` (the day is
    not over and cannot be cut at the same hours)."""
    metrics = ("paid_fen", "count_paid_orders", buyers, "refund_rate")
    cmp = db.compare(cur, prev, metrics).set_index("metric")
    texts = {"paid_fen": fmt.wan(cur["paid_fen"].iat[0], lang),
             "count_paid_orders": fmt.integer(cur["count_paid_orders"].iat[0]),
             buyers: fmt.integer(cur[buyers].iat[0]),
             "refund_rate": fmt.pct(cur["refund_rate"].iat[0])}
    cards = []
    for m in metrics:
        r = cmp.loc[m]
        why = "running" if running else ("lag" if m in db.LAGGING else None)
        if why:
            sub = (f'<span class="ecom-nocompare" style="color:{DARK["muted"]}">'
                   f'{html.escape(NO_COMPARE[why][0 if lang == "zh" else 1])}</span>')
        else:
            is_rate = m.endswith("_rate")
            good = r["good_when_up"]
            delta = apps.delta_text(r["change_points"] if is_rate else r["change_rate"],
                                    points=is_rate, lang=lang,
                                    good_when_up=None if good is None else bool(good))
            sub = f'<span style="color:{DARK["muted"]}">{html.escape(vs)}</span> {delta}'
        cards.append(apps.kpi_card(f"{prefix}-{m}", f"{title}{catalogue.label(m, lang)}", texts[m],
                                   cur[m].iat[0], sub))
    return '<div style="display:flex;flex-wrap:nowrap">' + "".join(cards) + "</div>"


def trend_png(trend: pd.DataFrame, trend_prev: pd.DataFrame, lang: str, month: str = "",
              cutoff=None) -> bytes:
    """Bars: paid per day of the screen's month; line: the previous month by day of month.
    ``month``: what the screen calls the month (本月 / 12月); ``cutoff``: the time the last
    day's data ends when that day is not over (its bar is drawn pale and says so)."""
    month = month or _t("本月", "This month", lang)
    fig, ax = apps.dark_axes()
    x = trend["sales_date"].dt.day
    unit = 10000 if lang == "zh" else 1000
    y = trend["paid_fen"] / 100 / unit
    part = cutoff is not None and len(trend) > 0
    ax.bar(x[:-1] if part else x, y[:-1] if part else y, color=DARK["accent"],
           edgecolor="none", label=month)
    if part:  # the day that is not over: pale, and says so in the legend
        ax.bar(x.iloc[-1:], y.iloc[-1:], color=DARK["accent"], alpha=0.4, edgecolor="none",
               label=_t(f"未完(至{cutoff:%H:%M})", f"so far (to {cutoff:%H:%M})", lang))
    if len(trend_prev):
        ax.plot(trend_prev["sales_date"].dt.day, trend_prev["paid_fen"] / 100 / unit,
                color=DARK["warn"], lw=2, label=_t("上月同日", "Last month", lang))
    ax.set_title(_t(f"{month}每日实付金额（万元）", f"{month}: paid per day (k¥)", lang),
                 loc="left", fontsize=15, color=DARK["text"])
    ax.set_xlabel(_t("日", "Day of month", lang), color=DARK["muted"])
    ax.set_xlim(0.4, 31.6)
    leg = ax.legend(frameon=False, fontsize=11, loc="upper right", ncols=3 if part else 2,
                    handlelength=1.2, columnspacing=0.8)
    for t in leg.get_texts():
        t.set_color(DARK["text"])
    return apps.png(fig)


def split_png(split: pd.DataFrame, lang: str, shop_names: dict | None = None,
              month: str = "") -> bytes:
    """Horizontal bars: each shop's share of the month's paid amount (by shop name, the bar
    in its platform's colour; the shops past the first few as one "other shops" bar), from
    :func:`ecomlib.metrics.dashboard.shop_split`."""
    from matplotlib.patches import Patch

    from .plots import PLATFORM_COLORS
    month = month or _t("本月", "This month", lang)
    fig, ax = apps.dark_axes()
    if len(split) and split["paid_fen"].sum() > 0:
        s = split.iloc[::-1]
        names = [(shop_names or {}).get(sh, sh) if isinstance(sh, str)
                 else _t("其他店铺", "Other shops", lang) for sh in s["shop_id"]]
        names = [n if len(n) <= 12 else n[:11] + "…" for n in names]
        colours = [PLATFORM_COLORS.get(p, DARK["muted"]) if isinstance(p, str) else DARK["muted"]
                   for p in s["platform"]]
        ax.barh(range(len(s)), s["share_rate"] * 100, color=colours, edgecolor="none")
        ax.set_yticks(range(len(s)), names)
        for y, (v, fen) in enumerate(zip(s["share_rate"], s["paid_fen"])):
            ax.text(v * 100 + 1, y, f"{fmt.pct(v)}  {fmt.wan(fen, lang)}", va="center",
                    color=DARK["text"], fontsize=12)
        ax.set_xlim(0, max(100, float(s["share_rate"].max() * 100) + 45))
        ax.tick_params(axis="y", labelsize=12)
        plats = [p for p in dict.fromkeys(split["platform"]) if isinstance(p, str)]
        leg = ax.legend(handles=[Patch(color=PLATFORM_COLORS.get(p, DARK["muted"]),
                                       label=i18n.label(p, lang)) for p in plats],
                        frameon=False, fontsize=11, loc="lower right", ncols=2,
                        handlelength=1, columnspacing=0.8)
        for t in leg.get_texts():
            t.set_color(DARK["text"])
    ax.grid(False)
    ax.set_xticks([])
    ax.set_title(_t(f"{month}各店铺实付占比", f"{month}: share of paid by shop", lang),
                 loc="left", fontsize=15, color=DARK["text"])
    return apps.png(fig)


def top_png(top: pd.DataFrame, lang: str, month: str = "") -> bytes:
    """Horizontal bars: the month's top products (SKUs, by product name) by paid amount."""
    month = month or _t("本月", "This month", lang)
    fig, ax = apps.dark_axes()
    if len(top):
        t = top.iloc[::-1]
        names = [(n if len(n) <= 20 else n[:19] + "…") for n in t["product_name"].astype(str)]
        ax.barh(range(len(t)), t["paid_fen"] / 100 / (10000 if lang == "zh" else 1000),
                color=DARK["accent"], edgecolor="none")
        ax.set_yticks(range(len(t)), names, fontsize=11)
    ax.grid(axis="x", color="#24314f")
    ax.grid(axis="y", visible=False)
    ax.set_title(_t(f"{month}热销商品（实付，万元）", f"{month}: top products (paid, k¥)", lang),
                 loc="left", fontsize=15, color=DARK["text"])
    return apps.png(fig)


def stock_html(alerts: pd.DataFrame, lang: str, alert_days: float, lookback_days: int,
               max_rows: int = SHOW_ALERTS) -> str:
    """The stock-alert table (the first ``max_rows`` alerts, stock-outs first) under a title
    with the number of alerts and, when some are not shown, how many rows are (the screen
    has no room for a line more: it must fit 1920x1080)."""
    n, rows = len(alerts), max(1, int(max_rows))
    head = _t(f"库存预警：已缺货或可售不足 {alert_days:g} 天的 SKU（按近 {lookback_days} 天日均销量）",
              f"Stock alerts: SKUs out of stock or lasting under {alert_days:g} days "
              f"(at the last {lookback_days} days' average sales)", lang)
    count = (_t(f" · {n} 个", f" · {n}", lang) if n <= rows else
             _t(f" · {n} 个，显示最急的 {rows} 个", f" · {n}, the {rows} most urgent shown", lang))
    title = (f'<div style="font-size:22px;color:{DARK["text"]};margin:6px 6px 2px">'
             f"{html.escape(head + count)}</div>")
    if not n:
        return title + apps.notice_html(_t("没有需要预警的 SKU。", "No SKU needs attention.", lang),
                                     dark=True)
    a = alerts.head(rows)
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
    return title + '<div id="stock-alerts">' + apps.html_table(shown) + "</div>"


class BigScreen:
    """The big screen's widgets and its refresh timer.

    ``refresh()`` re-queries and redraws once; ``start()`` repeats it every
    ``refresh_seconds`` (0: never) through the browser-side ticker ``self.ticker``;
    ``count_refreshes`` counts the completed refreshes (shown on the screen).
    """

    def __init__(self, path, as_of=None, lang: str = "zh", refresh_seconds: int = 60,
                 top_n: int = 10, lookback_days: int = 28, alert_days: float = 7, now=None):
        import ipywidgets as w

        from . import plots

        self.path, self.as_of, self.lang = path, as_of, i18n.check_lang(lang)
        self.now = now  # the clock (None: $ECOMLIB_APP_NOW, else the real one), per refresh
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
        self.footer = w.HTML()
        self.widget = w.VBox([self.header, self.notice, self.today, self.month,
                              w.HBox([self.trend, self.split, self.top]), self.stock,
                              self.footer, self.ticker],
                             layout=w.Layout(width="100%"))
        self.widget.add_class("ecom-bigscreen")

    def _header(self, data: dict | None, ok: bool) -> str:
        lang = self.lang
        now = apps.beijing_now(self.now)
        sub, kind = "", ""
        if data is not None:
            day, state = data["day"], data["state"]
            kind = state.kind
            wd = WEEKDAYS[lang][day.weekday()]
            first, _ = day_words(day, data["now"], lang)
            sub = f"{day:%Y-%m-%d} {wd}"
            if first in (_t("今日", "Today", lang), _t("昨日", "Yesterday", lang)):
                sub = f"{first} {sub}"
            if self.as_of:
                sub += _t("（指定日期）", " (the given date)", lang)
            if state.kind == "partial":
                until = f"{state.cutoff:%H:%M}"
                sub += (_t(f" · 未完，数据截至 {until}", f" · not over, data until {until}", lang)
                        if state.is_today else
                        _t(f" · 数据只到 {until}，可能不完整", f" · data until {until} only",
                           lang))
            elif state.kind == "running":
                sub += _t(" · 未完，不作比较", " · not over, not compared", lang)
            else:
                sub += _t(" · 全天", " · whole day", lang)
        n = self.refresh_seconds
        every = (_t(f"每 {n} 秒自动刷新", f"refreshes every {n} s", lang) if n > 0
                 else _t("不自动刷新", "no auto-refresh", lang))
        if ok:
            status = _t(f"刷新于 {now:%H:%M:%S}（北京时间）· 第 {self.count_refreshes} 次 · {every}",
                        f"Refreshed {now:%H:%M:%S} Beijing · #{self.count_refreshes} · {every}",
                        lang)
        else:
            status = _t(f"{now:%H:%M:%S} 刷新失败，稍后重试 · {every}",
                        f"{now:%H:%M:%S} refresh failed, retrying · {every}", lang)
        title = html.escape(_t("销售大屏", "Sales big screen", lang))
        return (f'<div style="display:flex;justify-content:space-between;align-items:baseline;'
                f'color:{DARK["text"]};padding:4px 8px">'
                f'<div style="font-size:36px;font-weight:700">{title}'
                f'<span id="day-state" data-kind="{kind}" style="font-size:22px;font-weight:400;'
                f'color:{DARK["warn"] if kind in ("partial", "running") else DARK["muted"]};'
                f'margin-left:24px">{html.escape(sub)}</span></div>'
                f'<div style="text-align:right"><div id="refresh-status" '
                f'data-count="{self.count_refreshes}" style="font-size:16px;color:{DARK["muted"]}">'
                f'{html.escape(status)}</div><div style="font-size:16px;color:{DARK["muted"]}">'
                f'{apps.colour_legend(lang, short=True)}</div></div></div>')

    def _warnings(self, data: dict) -> list[str]:
        """The stale-data sentences: the screen's day is behind the clock (its figures are
        not today's), a shop's orders end before the screen's day, or the given day is after
        the data."""
        lang, out = self.lang, []
        day, latest, now = data["day"], data["latest"], data["now"]
        if self.as_of and latest is not None and day > latest:
            out.append(_t(f"指定日期晚于仓库最新销售日 {latest:%Y-%m-%d}，当天数据为空。",
                          f"The given date is after the latest sales day {latest:%Y-%m-%d}; "
                          "that day is empty.", lang))
        behind = (now.normalize() - day).days
        if not self.as_of and behind > 1:
            out.append(_t(
                f"数据不是最新：仓库最新的订单在 {day:%Y-%m-%d}，已经 {behind} 天没有新订单。"
                "这块屏显示的是那一天和那个月，不是今天：请导入各店铺最新的订单导出。",
                f"Data not current: the latest orders are of {day:%Y-%m-%d}, {behind} days "
                "ago. The screen shows that day and month, not today: load the shops' latest "
                "order exports.", lang))
        shops = apps.stale_sentence(data["fresh"], lang, kinds=("sales",))
        if shops:
            out.append(shops)
        return out

    def refresh(self) -> bool:
        """Query the warehouse once and update every widget; False (with a message on the
        screen) when the warehouse cannot be read."""
        lang = self.lang
        with self._lock:
            try:
                data = apps.read(self.path, lambda wh: load(wh, self.as_of, self.top_n,
                                                            self.lookback_days, self.now))
            except apps.Unavailable as e:
                self.notice.value = apps.notice_html(e.message(lang), "warn", dark=True)
                self.header.value = self._header(None, ok=False)
                return False
            self.count_refreshes += 1
            if data is None:
                self.notice.value = apps.notice_html(
                    _t("仓库里还没有销售数据。", "The warehouse has no sales yet.", lang), "warn",
                    dark=True)
                self.header.value = self._header(None, ok=True)
                return True
            tot, state = data["tot"], data["state"]
            warnings = self._warnings(data)
            self.notice.value = "".join(apps.notice_html(w, "warn", dark=True) for w in warnings)
            first, month = day_words(data["day"], data["now"], lang)
            vs_day = (_t("较昨日", "vs yesterday", lang) if state.is_today
                      else _t("较前一日", "vs the day before", lang))
            if state.kind == "partial":
                vs_day += _t("同时段", " same hours", lang)
            running = state.kind == "running"
            self.today.value = kpi_row(tot["today"], tot["yesterday"], "today", first,
                                       vs_day, lang, running=running)
            self.month.value = kpi_row(tot["mtd"], tot["last_mtd"], "mtd", month,
                                       _t("较上月同期", "vs last month to date", lang), lang,
                                       buyers="buyer_days", running=running)
            self.trend.value = trend_png(data["trend"], data["trend_prev"], lang, month,
                                         state.cutoff if state.kind == "partial" else None)
            self.split.value = split_png(data["split"], lang, data["shop_names"], month)
            self.top.value = top_png(data["top"], lang, month)
            alerts = db.stock_alerts(data["stock"], data["sold"], self.lookback_days,
                                     self.alert_days)
            # a warning takes the room of one or two alert rows: the screen must fit 1080 px
            self.stock.value = stock_html(alerts, lang, self.alert_days, self.lookback_days,
                                          max_rows=SHOW_ALERTS - 2 * len(warnings))
            self.footer.value = (
                f'<div style="font-size:15px;color:{DARK["muted"]};margin:4px 8px;'
                'white-space:nowrap;overflow:hidden;text-overflow:ellipsis">' + html.escape(_t(
                    "北京时间，按付款日；支付买家按店铺按天计（本月为人·天）；▲▼ 为升降，红色向好、"
                    "绿色变差（退款率下降为向好）；退款率 = 退款 / 实付，不作比较：退款在付款后数天才"
                    "陆续发生，近期订单的退款率总是偏低。",
                    "Beijing time, by payment day; paying buyers counted per shop and day "
                    "(buyer-days for the month); ▲▼ up/down, red better, green worse; refund "
                    "rate = refunds / paid, never compared: refunds arrive days after the "
                    "payment.", lang)) + "</div>")
            self.header.value = self._header(data, ok=True)
            return True

    def _tick(self, _change) -> None:
        try:
            self.refresh()
        except Exception:  # never let one bad tick end the screen; say so, retry next tick
            # the screen shows no exception text (no code, no English on a zh screen); the
            # kernel's log keeps the traceback for whoever looks after the server
            import logging
            logging.getLogger(__name__).exception("big screen refresh failed")
            self.notice.value = apps.notice_html(
                _t("刷新出错，稍后自动重试；如果一直出现，请检查数据仓库。",
                   "Refresh failed; retrying. If it keeps failing, check the warehouse.",
                   self.lang), "warn", dark=True)

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
