"""The metric catalogue: ratios are ratios of sums over the same rows, 客单价 and 转化率 use
buyer-days so paid = visitors x 转化率 x 客单价 over any rows, and every metric is documented
once with its label, format and good direction."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from ecomlib.metrics import catalogue as cat

# two shop-days worked by hand: paid 1000 + 2000 fen, buyers 2 + 3 (buyer-days 5),
# visitors 100 + 50, paid orders 2 + 4, refunds 100 + 0
DAYS = pd.DataFrame({
    "paid_fen": [1000, 2000], "refund_fen": [100, 0], "cogs_fen": [300, 800],
    "count_buyers": [2, 3], "count_paid_orders": [2, 4], "visitors": [100, 50],
    "units": [3, 5], "list_fen": [1500, 2500], "shop_discount_fen": [200, 100],
    "platform_discount_fen": [0, 100],
})


def test_ratios_are_ratios_of_sums():
    assert cat.value("paid_fen", DAYS) == 3000
    assert cat.value("net_sales_fen", DAYS) == 2900
    assert cat.value("gross_profit_fen", DAYS) == 1800
    assert cat.value("refund_rate", DAYS) == pytest.approx(100 / 3000)  # not mean(0.1, 0)
    assert cat.value("aov_fen", DAYS) == pytest.approx(3000 / 5)        # per buyer-day
    assert cat.value("order_value_fen", DAYS) == pytest.approx(3000 / 6)  # per paid order
    assert cat.value("conversion_rate", DAYS) == pytest.approx(5 / 150)
    assert cat.value("uv_value_fen", DAYS) == pytest.approx(3000 / 150)
    assert cat.value("gross_margin_rate", DAYS) == pytest.approx(1800 / 2900)
    assert cat.value("discount_rate", DAYS) == pytest.approx(400 / 4000)


def test_paid_is_visitors_times_conversion_times_aov_over_any_rows():
    for rows in (DAYS, DAYS.iloc[:1], DAYS.iloc[1:]):
        assert cat.check_identity(rows) == pytest.approx(0, abs=1e-9)


def test_an_undefined_ratio_is_nan_never_zero():
    empty_den = DAYS.assign(visitors=0)
    assert math.isnan(cat.value("conversion_rate", empty_den))
    assert math.isnan(cat.value("refund_rate", DAYS.iloc[:0]))
    assert cat.value("paid_fen", DAYS.iloc[:0]) == 0


def test_grouped_values():
    df = DAYS.assign(shop_id=["a", "b"])
    got = cat.values(["paid_fen", "aov_fen"], df, by="shop_id")
    assert got.values.tolist() == [["a", 1000, 500.0], ["b", 2000, 2000 / 3]]


def test_every_metric_is_complete():
    for m in cat.METRICS.values():
        assert m.zh and m.en and m.zh != m.en or m.name in ("roas",), m.name
        assert m.unit in cat.UNITS and m.fmt in cat.FORMATS, m.name
        assert m.good in ("up", "down", None), m.name
        assert m.formula.startswith("SUM("), m.name
        assert m.additive == (m.den is None)
    assert cat.good_when_up("refund_rate") is False and cat.good_when_up("paid_fen") is True
    assert cat.good_when_up("cogs_fen") is None
    assert cat.label("aov_fen") == "客单价" and cat.label("order_value_fen") == "笔单价"
    with pytest.raises(KeyError, match="no metric 'nope'"):
        cat.metric("nope")


def test_labels_cannot_be_registered_twice_with_another_wording():
    from ecomlib import i18n
    i18n.add_labels({"paid_fen": i18n.LABELS["paid_fen"]})  # the same wording: fine
    with pytest.raises(ValueError, match="import order"):
        i18n.add_labels({"paid_fen": ("付款", "Paid")})
    assert i18n.label("paid_fen") == "实付金额"
