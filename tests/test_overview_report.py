"""The data overview's sentences (ecomlib.metrics.overview_report) follow the numbers: each
claim is checked on data that says one thing and on data that says the opposite."""
import numpy as np
import pandas as pd

from ecomlib.metrics import channels as ch, overview as ov, overview_report as rep

T = pd.Timestamp


def _text(s) -> str:
    return s.data


def _sales(tmall_paid, tmall_refund, jd_paid, jd_refund):
    return pd.DataFrame({"platform": ["tmall", "jd"], "gmv_fen": [tmall_paid, jd_paid],
                         "paid_fen": [tmall_paid, jd_paid], "refund_fen": [tmall_refund, jd_refund],
                         "cogs_fen": [0, 0], "units": [1, 1], "units_returned": [0, 0]})


def test_totals_sentence_names_the_largest_and_the_highest_refund_rate():
    t = _text(rep.totals_sentence(ov.totals_by(_sales(3000, 30, 1000, 100), "platform")))
    assert "实付金额最多的是天猫，占 75.0%；退款率最高的是京东（10.0%，全部平台为 3.3%）" in t
    t2 = _text(rep.totals_sentence(ov.totals_by(_sales(1000, 300, 3000, 30), "platform")))
    assert "实付金额最多的是京东，占 75.0%；退款率最高的是天猫（30.0%" in t2
    t3 = _text(rep.totals_sentence(ov.totals_by(_sales(3000, 600, 1000, 10), "platform")))
    assert "退款率最高的是它自己（20.0%" in t3
    assert "Nothing was paid" in _text(rep.totals_sentence(ov.totals_by(_sales(0, 0, 0, 0)), lang="en"))


def _days(first_level, last_level, peak_day="2025-06-18"):
    days = pd.date_range("2025-01-01", "2025-12-31")
    paid = np.where(days < T("2025-07-01"), first_level, last_level).astype("int64")
    paid[days == T(peak_day)] = 100_000
    return pd.DataFrame({"sales_date": days, "platform": "tmall", "paid_fen": paid})


CAMPS = [ch.Campaign("2025 618", T("2025-06-01"), T("2025-06-18"))]


def test_daily_sentence_names_the_peak_and_the_direction_of_the_everyday_level():
    up = _text(rep.daily_sentence(_days(1000, 1200), CAMPS))
    assert "最高的一天是 2025-06-18（¥1,000），在2025 618期间（峰值日）" in up
    assert "最近 90 天比最早 90 天上升 20.0%" in up
    down = _text(rep.daily_sentence(_days(1200, 900, peak_day="2025-09-01"), CAMPS))
    assert "最高的一天是 2025-09-01（¥1,000），不在任何大促窗口内" in down
    assert "下降 25.0%" in down


def _monthly(campaign_rate, other_rate):
    months = pd.date_range("2025-01-01", "2025-12-01", freq="MS")
    paid = np.full(12, 1000)
    refund = np.where(months.month == 6, campaign_rate * 1000, other_rate * 1000).astype(int)
    return pd.DataFrame({"month": months, "platform": "tmall", "paid_fen": paid,
                         "refund_fen": refund})


def test_refund_sentence_compares_campaign_months_with_the_others():
    hi = _text(rep.refund_sentence(_monthly(0.10, 0.05), CAMPS))
    assert "大促峰值所在月份的退款率为 10.0%，高于其他月份的 5.0%" in hi
    lo = _text(rep.refund_sentence(_monthly(0.02, 0.05), CAMPS))
    assert "为 2.0%，低于其他月份的 5.0%" in lo
    # one platform above all platforms in most months is named, otherwise nobody is
    two = pd.concat([_monthly(0.05, 0.05), _monthly(0.09, 0.09).assign(platform="jd")])
    assert "京东在 100% 的月份高于全部平台" in _text(rep.refund_sentence(two, CAMPS))
    same = pd.concat([_monthly(0.05, 0.05), _monthly(0.05, 0.05).assign(platform="jd")])
    assert "没有哪个平台在多数月份高于全部平台" in _text(rep.refund_sentence(same, CAMPS))


def test_stock_sentence_follows_the_month_ends():
    def me(first, last):
        return pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01"]),
                             "category": ["护肤", "零食"] * 2,
                             "on_hand_value_fen": [first, 1000, last, 1000]})
    up = _text(rep.stock_sentence(me(1000, 3000)))
    assert "2025-02 月末库存 ¥40，最多的是 护肤（75.0%），比 2025-01 月末高 100.0%" in up
    down = _text(rep.stock_sentence(me(3000, 500)))
    assert "最多的是 零食（66.7%），比 2025-01 月末低 62.5%" in down


def test_top_sku_sentence():
    top = pd.DataFrame({"share_rate": [0.5, 0.25]})
    assert "实付金额最高的 2 个 SKU，合计占全部实付金额的 75.0%" in _text(rep.top_sku_sentence(top))


# -- the 经营摘要 ------------------------------------------------------------------------------------
import datetime as dt  # noqa: E402

from ecomlib import fmt  # noqa: E402

LABELS = {("tmall", "t1"): "天猫·山野旗舰店", ("jd", "j1"): "京东·山野京东店"}


def _alert(metric, value, expected, lower, upper, shop=("tmall", "t1"), score=-5.0,
           day="2025-12-31", phase="normal"):
    return {"platform": shop[0], "shop_id": shop[1], "metric": metric, "date": T(day),
            "value": value, "expected": expected, "lower": lower, "upper": upper,
            "score": score, "phase": phase, "basis": "normal", "is_alert": True}


def test_bounds_are_shown_at_the_precision_of_the_decision():
    # 2 orders under a bound of 2.19: "2" would read as inside "2–34"
    assert rep.bound_text("count_paid_orders", 2.19, 2) == "2.2"
    assert rep.bound_text("count_paid_orders", 1.6, 1) == "2"
    assert rep.bound_text("count_paid_orders", 2.004, 2) == "2.004"
    # money in yuan: whole yuan unless that reads as the value
    assert rep.bound_text("paid_fen", 122_040, 110_760) == "¥1,220"
    assert rep.bound_text("paid_fen", 110_790, 110_760) == "¥1,107.90"
    # rates in percent with one decimal, more when needed
    assert rep.bound_text("refund_rate", 0.1234, 0.2) == "12.3%"
    assert rep.bound_text("refund_rate", 0.20004, 0.2) == "20.004%"
    assert rep.bound_text("paid_fen", float("inf"), 1) == "∞"


def test_alert_text_names_the_shop_and_the_side_it_left():
    low = rep.alert_text(_alert("count_paid_orders", 2, 10.4, 2.19, 34.2), LABELS)
    assert low == "天猫·山野旗舰店 支付订单数 2，低于正常范围 2.2–34（预期 10）"
    high = rep.alert_text(_alert("refund_rate", 0.30, 0.05, 0.0, 0.12, score=6, phase="peak:双11"),
                          LABELS)
    assert high == "天猫·山野旗舰店（大促峰值日） 退款率 30.0%，高于正常范围 0.0%–12.0%（预期 5.0%）"
    en = rep.alert_text(_alert("paid_fen", 110_760, 298_000, 122_040, 727_600), LABELS, "en",
                        with_date=True)
    assert en == ("12-31 天猫·山野旗舰店: Paid amount ¥1,108, below the normal range "
                  "¥1,220–¥7,276 (expected ¥2,980)")


def _stock(statuses):
    return pd.DataFrame({"sku": [f"S{i}" for i in range(len(statuses))],
                         "product_name": [f"商品{i}" for i in range(len(statuses))],
                         "stock_status": statuses})


def test_actions_follow_the_data_most_urgent_first():
    stale = pd.DataFrame({"platform": ["jd"], "shop_id": ["j1"],
                          "last_sales_date": [T("2025-12-28")], "sales_lag_days": [3],
                          "is_stale": [True]})
    alerts = pd.DataFrame([_alert("refund_rate", 0.3, 0.05, 0, 0.12, score=6),
                           _alert("paid_fen", 1000, 5000, 2000, 9000, shop=("jd", "j1"))])
    month = {"month": T("2025-12-01"), "target_fen": 100_000, "actual_fen": 40_000,
             "days_elapsed": 20, "days_in_month": 31, "attainment_rate": 0.4,
             "time_rate": 20 / 31, "projected_fen": 62_000, "projected_rate": 0.62}
    acts = rep.actions(stale, _stock(["stock_out", "low", "low", "low", "ok"]), alerts, LABELS,
                       month)
    links = [a.link for a in acts]
    assert links == ["#freshness", "#stock", "#anomalies", "#stock", "#anomalies", "#target"]
    assert [a.severity for a in acts] == ["high", "high", "high", "medium", "medium", "medium"]
    assert acts[0].text.startswith("补下载 1 家店铺的最新导出：京东·山野京东店（数据最早只到 2025-12-28）")
    assert acts[1].text == "补货：1 个畅销 SKU 已缺货：商品0（S0）"
    assert acts[3].text == "下采购单：3 个畅销 SKU 库存不足 7 天的销量：商品1（S1）、商品2（S2）等"
    assert "京东·山野京东店 实付金额" in acts[2].text          # a fall of sales comes first
    assert "退款率" in acts[4].text
    # 60,000 to go over the 11 days left: 5,454.55 yuan... in fen: 60000 / 11
    assert acts[5].text == "追目标：按本月日均，月末预计完成 62.0%；还差 ¥600，剩 11 天每天需 ¥55"
    # the opposite: nothing stale, everything in stock, no alert, the target in reach
    calm = rep.actions(stale.iloc[0:0], _stock(["ok", "ok"]), alerts.iloc[0:0], LABELS,
                       {**month, "projected_rate": 1.05})
    assert calm == []


def test_cards_compare_refunds_only_once_they_are_in():
    k = {"paid_fen": 9000.0, "count_paid_orders": 45.0, "count_buyers": 42.0, "aov_fen": 214.0,
         "order_value_fen": 200.0, "refund_rate": 0.0, "visitors": 2000.0, "conversion_rate": 0.021}
    prev = {**k, "paid_fen": 18000.0, "refund_rate": 0.07, "order_value_fen": 250.0}
    cards = rep.cards(k, prev, None, days=1, target_fen=12000.0, lang="zh", refunds_settled=False)
    by = {c.metric: c for c in cards}
    assert list(by) == ["paid_fen", "count_paid_orders", "count_buyers", "aov_fen", "refund_rate",
                        "visitors", "conversion_rate"]
    assert by["paid_fen"].target == 12000.0 and by["paid_fen"].mom == -0.5
    assert by["paid_fen"].yoy is None                      # no year-ago data: —
    assert by["refund_rate"].previous is None and "退款仍在发生" in by["refund_rate"].note
    assert by["aov_fen"].note == "笔单价 ¥2.00，环比 -20.0%"
    settled = {c.metric: c for c in rep.cards(k, prev, None, days=7, refunds_settled=True,
                                              has_traffic=False)}
    assert settled["refund_rate"].previous == 0.07 and "buyer_days" in settled
    part = {c.metric: c for c in rep.cards(k, prev, None, days=90, young_days=30)}
    assert part["refund_rate"].previous == 0.07 and "最近 30 天订单的退款仍在发生" in part["refund_rate"].note
    assert "visitors" not in settled and "conversion_rate" not in settled


def test_largest_changes_name_the_shop_and_skip_unsettled_refunds():
    days = pd.DataFrame({
        "sales_date": pd.to_datetime(["2025-12-30"] * 2 + ["2025-12-31"] * 2),
        "platform": ["tmall", "jd"] * 2, "shop_id": ["t1", "j1"] * 2,
        "count_paid_orders": [10, 10, 4, 11], "count_buyers": [10, 10, 4, 11],
        "paid_fen": [10000, 10000, 4000, 11000], "refund_fen": [1000, 0, 0, 0],
        "visitors": [500, 500, 500, 520]})
    cur, prev = days[days.sales_date == "2025-12-31"], days[days.sales_date == "2025-12-30"]
    ch = {c.metric: c for c in rep.largest_changes(cur, prev, LABELS, refunds_settled=False)}
    # paid, orders and buyers -25 %, 转化率 20/1000 -> 15/1020 (-0.53 pts); 客单价 unchanged and
    # visitors +2 % are no large change; the refund rate's fall is left out while unsettled
    assert set(ch) == {"paid_fen", "count_paid_orders", "count_buyers", "conversion_rate"}
    assert ch["paid_fen"].driver == "天猫·山野旗舰店" and ch["paid_fen"].driver_delta == -6000
    assert "refund_rate" in [c.metric for c in rep.largest_changes(cur, prev, LABELS)]


def test_period_text_marks_an_incomplete_period():
    from ecomlib.metrics import overview as ov
    w = ov.windows("2025-12-25", "2026-01-07", "2025-12-11", "2025-12-24", "2024-12-25",
                   "2025-01-07", "2024-01-01", "2025-12-31")
    t = rep.period_text("自定义 2025-12-25 至 2026-01-07", w)
    assert "数据只到 2025-12-31（7/14 天，未完整），按相同天数比较" in t
    assert "环比 2025-12-11 至 2025-12-17" in t and "同比 2024-12-25 至 2024-12-31" in t
    one = ov.windows("2025-12-31", "2025-12-31", "2025-12-30", "2025-12-30", "2024-12-31",
                     "2024-12-31", "2025-06-01", "2025-12-31")
    assert rep.period_text("昨日 2025-12-31", one) == \
        "昨日 2025-12-31（周三） · 环比 2025-12-30（周二） · 无同比数据"


def test_health_badge_and_its_link(tmp_path):
    checks = pd.DataFrame({"rule_id": ["a", "b", "c"], "severity": ["error", "warning", "error"],
                           "count_failing": [0, 3, 1]})
    assert rep.health_text(checks) == "数据质量：3 条规则中 2 条未通过（错误 1 条，警告 1 条）· 查看质量报告"
    assert rep.health_text(checks.assign(count_failing=0)) == "数据质量：3 条规则全部通过 · 查看质量报告"
    run = tmp_path / "reports" / "overview" / "2026-01-01" / "080000-ab12"
    run.mkdir(parents=True)
    assert rep.quality_link(str(run)) == ""
    q = tmp_path / "reports" / "quality"
    q.mkdir()
    for day in ("2025-12-30", "2025-12-31"):
        (q / f"quality-{day}.html").write_text("x")
    assert rep.quality_link(str(run)) == "../../../quality/quality-2025-12-31.html"


def test_section_sentences_follow_the_numbers():
    month = {"month": T("2025-12-01"), "target_fen": 100_000_00, "actual_fen": 40_000_00,
             "days_elapsed": 20, "days_in_month": 31, "attainment_rate": 0.4, "time_rate": 20 / 31,
             "projected_fen": 62_000_00, "projected_rate": 0.62}
    assert _text(rep.target_sentence(month)) == (
        "2025-12 目标 ¥10.00万，至今 ¥4.00万，达成 40.0%，时间进度 64.5%（20/31 天）；"
        "按本月日均，月末预计 ¥6.20万（62.0%）。")
    closed = {**month, "days_elapsed": 31, "actual_fen": 101_000_00, "attainment_rate": 1.01}
    assert _text(rep.target_sentence(closed)) == "2025-12 已结束：目标 ¥10.00万，完成 ¥10.10万，达成 101.0%。"
    st = _stock(["stock_out", "low", "ok"]).assign(snapshot_date=T("2025-12-31"))
    assert _text(rep.stock_check_sentence(st, 28, 7)).startswith(
        "近 28 天实付金额前 3 的 SKU 中，1 个已缺货、1 个库存不足 7 天的销量")
    fine = _text(rep.stock_check_sentence(st.assign(stock_status="ok"), 28, 7))
    assert "0 个已缺货、0 个库存不足" in fine
    by = pd.DataFrame({"platform": ["tmall", "jd"], "shop_id": ["t1", "j1"], "paid_fen": [3000, 1000],
                       "share_rate": [0.75, 0.25], "paid_mom_rate": [-0.2, 0.5]})
    s = _text(rep.shops_sentence(by, LABELS))
    assert s.startswith("实付金额最多的是 天猫·山野旗舰店（占 75.0%）。环比增长最多的是 京东·山野京东店（+50.0%），"
                        "下降最多的是 天猫·山野旗舰店（-20.0%）。")
    up = _text(rep.shops_sentence(by.assign(paid_mom_rate=[0.1, 0.3]), LABELS))
    assert "下降最多" not in up and "环比增长最多的是 京东·山野京东店（+30.0%）。" in up


def test_daily_sentence_mentions_dashed_lines_only_when_a_peak_is_shown():
    december = _days(1000, 1000).query("sales_date >= '2025-12-01'")
    assert "虚线" not in _text(rep.daily_sentence(december, CAMPS, window=None))
    assert "虚线为大促峰值日" in _text(rep.daily_sentence(_days(1000, 1200), CAMPS))


# -- shared helpers the overview relies on (headings, titles, 是/否, the Excel writer) -------------
def test_heading_is_escaped_and_gives_the_page_its_title():
    import nbformat

    from ecomlib.runner import _report_title
    h = fmt.heading("数据概览 · 昨日 <2025-12-31>", "Overview", "zh", level=1, anchor="top")
    assert h._repr_html_() == '<h1 id="top">数据概览 · 昨日 &lt;2025-12-31&gt;</h1>'
    assert fmt.heading("概览", "Overview", "en", anchor="x")._repr_html_() == '<h2 id="x">Overview</h2>'
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": h._repr_html_()})]
    nb.cells = [nbformat.v4.new_code_cell("y"), cell, nbformat.v4.new_markdown_cell("## 后面")]
    assert _report_title(nb) == "数据概览 · 昨日 <2025-12-31>"


def test_tables_and_workbooks_say_yes_and_no(tmp_path):
    import openpyxl

    from ecomlib import excel
    df = pd.DataFrame({"shop_name": ["山野", "京东店"], "is_stale": [True, False],
                       "paid_fen": [123456, 5], "share_rate": [0.25, 0.75],
                       "visitors": [1200.0, np.nan], "days_of_supply": [1.5, 2.25],
                       "count_paid_orders": [1200, 3],
                       "last_sales_date": pd.to_datetime(["2025-12-31", "2025-12-30"])})
    shown = fmt.table(df, "zh")
    assert shown["数据滞后"].tolist() == ["是", "否"]
    assert fmt.table(df, "en")["Stale"].tolist() == ["Yes", "No"]
    p = excel.write_tables({"店铺": df}, tmp_path / "t.xlsx", lang="zh")
    ws = openpyxl.load_workbook(p)["店铺"]
    assert [c.value for c in ws[1]] == ["店铺名称", "数据滞后", "实付金额 (元)", "占比", "访客数",
                                        "可售天数", "支付订单数", "最近订单日"]
    assert [c.value for c in ws[2]][:4] == ["山野", "是", 1234.56, 0.25]
    assert [c.number_format for c in ws[2]][2:] == ["#,##0.00", "0.0%", "#,##0", "#,##0.00",
                                                    "#,##0", "YYYY-MM-DD"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:H3"
    assert ws.column_dimensions["A"].width >= 8
    empty = openpyxl.load_workbook(excel.write_tables({}, tmp_path / "e.xlsx", lang="zh"))
    assert empty.sheetnames == ["无数据"]


def test_rule_failures_agree_with_run_checks(tmp_path, monkeypatch):
    """The badge's cheap per-rule "does any row fail" says what run_checks' counts say: for
    passing rules, a failing error rule and a rule whose SQL cannot run (empty count)."""
    import dataclasses

    from ecomlib import quality
    from ecomlib.warehouse import Warehouse
    base = next(iter(quality.RULES.values()))
    rules = dict(quality.RULES)
    rules["test.fails"] = dataclasses.replace(base, id="test.fails", severity="error",
                                              sql="SELECT 1 AS platform", keys=("platform",),
                                              checked_sql="SELECT 1")
    rules["test.broken"] = dataclasses.replace(base, id="test.broken", severity="warning",
                                               sql="SELECT * FROM no_such_table")
    monkeypatch.setattr(quality, "RULES", rules)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.init()
        full, cheap = quality.run_checks(wh), rep.rule_failures(wh)
    assert cheap["rule_id"].tolist() == full["rule_id"].tolist() == list(rules)
    assert cheap["severity"].tolist() == full["severity"].tolist()
    assert cheap["count_failing"].isna().tolist() == full["count_failing"].isna().tolist()
    assert (cheap["count_failing"].fillna(0) > 0).tolist() == (full["count_failing"].fillna(0) > 0).tolist()
    assert cheap.set_index("rule_id").loc["test.fails", "count_failing"] == 1
    assert rep.health_text(cheap) == rep.health_text(full)
    assert "条未通过（错误 1 条" in rep.health_text(cheap)
