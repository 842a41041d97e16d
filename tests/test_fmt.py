"""ecomlib.fmt and ecomlib.i18n: hand-computed expectations."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from ecomlib import fmt, i18n


# -- yuan ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fen, expected", [
    (123450, "¥1,234.50"),
    (0, "¥0.00"),
    (5, "¥0.05"),
    (-5, "-¥0.05"),
    (100, "¥1.00"),
    (123456789012, "¥1,234,567,890.12"),
    (np.int64(123450), "¥1,234.50"),
    (12345.5, "¥123.46"),      # half a fen rounds up
    (-12345.5, "-¥123.46"),    # half-up on the magnitude
])
def test_yuan(fen, expected):
    assert fmt.yuan(fen) == expected


def test_yuan_decimals_and_language():
    assert fmt.yuan(123450, decimals=0) == "¥1,235"   # 1234.50 -> 1235 (half up)
    assert fmt.yuan(123449, decimals=0) == "¥1,234"
    assert fmt.yuan(123450, "en") == "¥1,234.50"


@pytest.mark.parametrize("missing", [None, np.nan, float("nan"), pd.NA, pd.NaT])
def test_missing_values_show_a_dash(missing):
    assert fmt.yuan(missing) == "—"
    assert fmt.wan(missing) == "—"
    assert fmt.pct(missing) == "—"
    assert fmt.integer(missing) == "—"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang must be one of zh, en; got 'fr'"):
        fmt.yuan(1, "fr")


# -- wan / short numbers --------------------------------------------------------------------------
@pytest.mark.parametrize("fen, lang, expected", [
    (123456789, "zh", "¥123.46万"),      # 1,234,567.89 yuan = 123.456789 万
    (123456789, "en", "¥1.23M"),
    (987600, "zh", "¥9,876"),            # below 1万: whole yuan
    (1000000, "zh", "¥1.00万"),          # exactly 10,000 yuan
    (25000000000, "zh", "¥2.50亿"),      # 250,000,000 yuan
    (9999999990, "zh", "¥1.00亿"),       # 99,999,999.90 yuan rounds to 1.00亿, not 10000.00万
    (-123456789, "zh", "-¥123.46万"),
    (1234500, "en", "¥12.35k"),          # 12,345 yuan
    (250000000000, "en", "¥2.50B"),
])
def test_wan(fen, lang, expected):
    assert fmt.wan(fen, lang) == expected


@pytest.mark.parametrize("value, lang, expected", [
    (1_500_000, "zh", "150万"),
    (2.5e8, "zh", "2.5亿"),
    (12_500, "zh", "1.3万"),
    (950, "zh", "950"),
    (0, "zh", "0"),
    (0.5, "zh", "0.5"),
    (1_500_000, "en", "1.5M"),
    (2500, "en", "2.5k"),
    (-2500, "en", "-2.5k"),
])
def test_short_number(value, lang, expected):
    assert fmt.short_number(value, lang) == expected


def test_short_number_more_decimals_for_axis_ticks():
    assert fmt.short_number(12_500, "zh", decimals=2) == "1.25万"


# -- pct / integer / date ------------------------------------------------------------------------
@pytest.mark.parametrize("rate, expected", [
    (0.1234, "12.3%"),
    (0.12345, "12.3%"),
    (0.1235, "12.4%"),    # half-up on the decimal value
    (0, "0.0%"),
    (1, "100.0%"),
    (0.0005, "0.1%"),
    (float("inf"), "—"),
])
def test_pct(rate, expected):
    assert fmt.pct(rate) == expected


def test_pct_decimals():
    assert fmt.pct(0.1234, 0) == "12%"
    assert fmt.pct(0.1234, 2) == "12.34%"


def test_integer_and_date():
    assert fmt.integer(1234) == "1,234"
    assert fmt.integer(np.int64(1234567)) == "1,234,567"
    assert fmt.date(pd.Timestamp("2025-06-18")) == "2025-06-18"
    assert fmt.date(pd.Timestamp("2025-06-18 09:30:15")) == "2025-06-18 09:30"


# -- table ----------------------------------------------------------------------------------------
def _frame():
    return pd.DataFrame({
        "platform": ["tmall", "jd"],
        "paid_fen": [123450, 5],
        "refund_rate": [0.1, np.nan],
        "units": [1200, 3],
        "sales_date": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        "sku": ["A1", None],
    })


def test_table_labels_headers_and_formats_values():
    df = _frame()
    out = fmt.table(df)
    assert list(out.columns) == ["平台", "实付金额", "退款率", "销量(件)", "日期", "SKU"]
    assert out.to_dict("list") == {
        "平台": ["天猫", "京东"],
        "实付金额": ["¥1,234.50", "¥0.05"],
        "退款率": ["10.0%", "—"],
        "销量(件)": ["1,200", "3"],
        "日期": ["2025-01-01", "2025-02-01"],
        "SKU": ["A1", "—"],
    }
    # the input is untouched
    assert df["paid_fen"].tolist() == [123450, 5]


def test_table_english_big_money_and_explicit_columns():
    out = fmt.table(_frame()[["platform", "paid_fen", "units"]], "en", big_money=True,
                    int_cols=[])
    assert list(out.columns) == ["Platform", "Paid amount", "Units sold"]
    assert out["Platform"].tolist() == ["Tmall", "JD"]
    assert out["Paid amount"].tolist() == ["¥1.23k", "¥0"]
    assert out["Units sold"].tolist() == ["1200", "3"]   # not an int column: plain text


def test_table_timestamps_keep_their_time():
    df = pd.DataFrame({"finished_at": pd.to_datetime(["2025-01-01 08:47:09", None])})
    assert fmt.table(df)["完成时间"].tolist() == ["2025-01-01 08:47", "—"]


def test_table_unknown_column_names_the_problem():
    with pytest.raises(KeyError, match=r"fmt.table: column\(s\) \['nope'\] not in the frame"):
        fmt.table(_frame(), money_cols=["nope"])


def test_table_styler_html_is_readable():
    html = fmt.table(_frame(), style=True).to_html()
    assert "¥1,234.50" in html and "天猫" in html and "退款率" in html
    assert "text-align: right" in html and "text-align: left" in html
    assert ">0<" not in html  # the 0..n-1 index is hidden


def test_md_picks_the_language():
    assert fmt.md("中文", "English", "en").data == "English"
    assert fmt.md("中文", "English", "zh").data == "中文"
    assert fmt.md("只有中文", None, "en").data == "只有中文"


# -- i18n -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("key, zh, en", [
    ("paid_fen", "实付金额", "Paid amount"),
    ("gmv_fen", "GMV(拍下金额)", "GMV (ordered)"),
    ("refund_fen", "退款金额", "Refunds"),
    ("cogs_fen", "商品成本", "Cost of goods"),
    ("units", "销量(件)", "Units sold"),
    ("count_orders", "订单数", "Orders"),
    ("platform", "平台", "Platform"),
    ("shop_id", "店铺", "Shop"),
    ("sku", "SKU", "SKU"),
    ("category", "类目", "Category"),
    ("sales_date", "日期", "Date"),
    ("tmall", "天猫", "Tmall"),
    ("jd", "京东", "JD"),
    ("pdd", "拼多多", "Pinduoduo"),
    ("douyin", "抖音", "Douyin"),
    ("orders", "订单", "Orders"),
    ("order_lines", "订单明细", "Order lines"),
    ("refunds", "退款售后", "Refunds"),
    ("inventory_snapshots", "库存快照", "Stock snapshots"),
    ("purchase_orders", "采购单", "Purchase orders"),
    ("traffic", "流量", "Traffic"),
    ("ad_spend", "广告花费", "Ad spend"),
    ("other_costs", "其他费用", "Other costs"),
    ("fx_rates", "汇率", "FX rates"),
    ("shops", "店铺", "Shops"),
    ("products", "商品", "Products"),
    ("rows_quarantined", "隔离", "Quarantined"),
    ("reason", "原因", "Reason"),
])
def test_labels(key, zh, en):
    assert i18n.label(key) == zh
    assert i18n.label(key, "en") == en
    assert i18n.labels("zh")[key] == zh
    assert i18n.labels("en")[key] == en


def test_unknown_keys_fall_back_to_the_key():
    assert i18n.label("no_such_key") == "no_such_key"
    assert i18n.label("no_such_key", "en") == "no_such_key"
    assert i18n.label(42) == "42"
    assert i18n.translate(["tmall", "shop_x"], "zh") == ["天猫", "shop_x"]


def test_every_label_has_both_languages():
    for key, pair in i18n.LABELS.items():
        assert len(pair) == 2 and all(isinstance(p, str) and p for p in pair), key


def test_every_canonical_table_and_status_header_has_a_label():
    from ecomlib import schema
    zh = i18n.labels("zh")
    for name in schema.TABLES:
        assert name in zh, name
    for header in ("table", "rows", "loads", "last_load_at", "quarantined", "load_id", "file",
                   "rows_in", "rows_loaded", "rows_inserted", "rows_updated", "rows_unchanged",
                   "status", "message", "started_at", "finished_at", "row_number", "column",
                   "raw"):
        assert header in zh, header


def test_labels_is_a_copy_and_lang_is_checked():
    d = i18n.labels("zh")
    d["paid_fen"] = "changed"
    assert i18n.label("paid_fen") == "实付金额"
    with pytest.raises(ValueError):
        i18n.labels("de")
    assert i18n.text("月度", "Monthly", "en") == "Monthly"
