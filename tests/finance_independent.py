"""The finance figures recomputed straight from the canonical tables by SQL of the tests' own,
kept apart from the model layer on purpose: the finance report's tables must tie to these
to the fen (tests/test_finance.py on the hand-worked fixture, tests/test_finance_notebook.py
on a demo warehouse). If a rule of int_orders / int_order_lines / mart_sku_day_pnl changes,
these numbers do not, and the tests say so.

The rules as written here (DESIGN.md, docs/DECISIONLOG.md):

* an order's day is the Beijing date of its payment, of its creation when never paid; its
  CNY rate is the last fx_rates row of its currency on or before that day (CNY: 1);
* GMV = every line's paid_fen, paid = lines of paid orders, units = their quantity, each
  line ROUND(native x rate);
* refunds = refunded cases of paid orders, on the order's day: ROUND(native x rate) per
  refunded line, or per order for cases without a line (a non-CNY order-level case is spread
  over its lines and each line rounds: at most 1 fen per such line, counted in
  ``count_fx_spread_lines``);
* cost of goods = unit cost x (quantity - units returned, at least 0) per paid line, the
  units of a case without a line shared by quantity, FLOOR, remainder to the first line; a
  line's SKU through sku_map (platform item id, exported code, platform ALL), else as
  exported;
* shop costs = other_costs + ad_spend of shops (platform not ALL), company costs = those of
  platform ALL, each row ROUND(native x rate of its day).
"""
from __future__ import annotations

import pandas as pd

SALES_SQL = """
WITH o AS (
    SELECT platform, shop_id, order_id, currency, paid_at IS NOT NULL AS is_paid,
           CAST(COALESCE(paid_at, created_at) AS DATE) AS order_day
    FROM orders
),
rated AS (
    SELECT o.*,
           CASE WHEN o.currency = 'CNY' THEN 1.0
                ELSE (SELECT f.cny_per_unit FROM fx_rates f
                      WHERE f.currency = o.currency AND f.rate_date <= o.order_day
                      ORDER BY f.rate_date DESC LIMIT 1) END AS rate
    FROM o
    WHERE o.order_day BETWEEN $lo AND $hi
),
lines AS (
    SELECT l.*, r.is_paid, r.rate, r.order_day, r.currency,
           COALESCE((SELECT m.sku FROM sku_map m WHERE m.platform = l.platform
                     AND m.platform_sku_id = l.platform_sku_id),
                    (SELECT m.sku FROM sku_map m WHERE m.platform = l.platform
                     AND m.platform_sku_id = l.sku),
                    (SELECT m.sku FROM sku_map m WHERE m.platform = 'ALL'
                     AND m.platform_sku_id = l.sku),
                    l.sku) AS canonical_sku
    FROM order_lines l
    JOIN rated r ON r.platform = l.platform AND r.shop_id = l.shop_id AND r.order_id = l.order_id
),
cases AS (
    SELECT x.platform, x.shop_id, x.order_id, x.line_id,
           SUM(x.refund_fen) AS refund_native_fen, SUM(x.units_returned) AS units_back
    FROM refunds x
    WHERE x.status = 'refunded'
    GROUP BY x.platform, x.shop_id, x.order_id, x.line_id
),
order_cases AS (
    SELECT * FROM cases WHERE line_id IS NULL
),
line_shares AS (
    -- each line's FLOOR share (by quantity) of the units of its order's cases without a line
    SELECT l.platform, l.shop_id, l.order_id, l.line_id,
           COALESCE(own.units_back, 0) AS own_units_back, oc.units_back AS order_units_back,
           l.line_id = MIN(l.line_id) OVER (PARTITION BY l.platform, l.shop_id, l.order_id)
               AS is_first_line,
           CASE WHEN oc.units_back IS NULL THEN 0
                ELSE CAST(FLOOR(oc.units_back * l.quantity / SUM(l.quantity) OVER (
                     PARTITION BY l.platform, l.shop_id, l.order_id)) AS BIGINT) END AS share
    FROM lines l
    LEFT JOIN cases own ON own.platform = l.platform AND own.shop_id = l.shop_id
          AND own.order_id = l.order_id AND own.line_id = l.line_id
    LEFT JOIN order_cases oc ON oc.platform = l.platform AND oc.shop_id = l.shop_id
          AND oc.order_id = l.order_id
),
line_units_back AS (
    -- units back per line: its own cases plus its share, the remainder on the first line
    SELECT platform, shop_id, order_id, line_id,
           own_units_back + share
           + CASE WHEN is_first_line AND order_units_back IS NOT NULL
                  THEN order_units_back - SUM(share) OVER (
                       PARTITION BY platform, shop_id, order_id)
                  ELSE 0 END AS units_back
    FROM line_shares
),
line_sums AS (
    SELECT l.platform, l.shop_id, DATE_TRUNC('month', l.order_day) AS month,
           COUNT(*) FILTER (WHERE l.rate IS NULL) AS count_lines_without_rate,
           CAST(SUM(ROUND(l.paid_fen * l.rate)) AS BIGINT) AS gmv_fen,
           CAST(SUM(CASE WHEN l.is_paid THEN ROUND(l.paid_fen * l.rate) ELSE 0 END) AS BIGINT)
               AS paid_fen,
           CAST(SUM(CASE WHEN l.is_paid THEN l.quantity ELSE 0 END) AS BIGINT) AS units,
           CAST(SUM(CASE WHEN l.is_paid AND p.unit_cost_fen IS NOT NULL
                    THEN p.unit_cost_fen * (l.quantity - LEAST(u.units_back, l.quantity))
                    ELSE 0 END) AS BIGINT) AS cogs_fen
    FROM lines l
    JOIN line_units_back u ON u.platform = l.platform AND u.shop_id = l.shop_id
         AND u.order_id = l.order_id AND u.line_id = l.line_id
    LEFT JOIN products p ON p.sku = l.canonical_sku
    GROUP BY ALL
),
refund_sums AS (
    SELECT r.platform, r.shop_id, DATE_TRUNC('month', r.order_day) AS month,
           CAST(SUM(ROUND(c.refund_native_fen * r.rate)) AS BIGINT) AS refund_fen,
           CAST(SUM(CASE WHEN c.line_id IS NULL AND r.currency <> 'CNY'
                    THEN (SELECT COUNT(*) FROM order_lines l WHERE l.platform = c.platform
                          AND l.shop_id = c.shop_id AND l.order_id = c.order_id)
                    ELSE 0 END) AS BIGINT) AS count_fx_spread_lines
    FROM cases c
    JOIN rated r ON r.platform = c.platform AND r.shop_id = c.shop_id AND r.order_id = c.order_id
    WHERE r.is_paid
    GROUP BY ALL
),
cost_rows AS (
    SELECT cost_date, platform, shop_id, amount_fen, currency FROM other_costs
    UNION ALL
    SELECT spend_date, platform, shop_id, spend_fen, currency FROM ad_spend
),
cost_sums AS (
    SELECT c.platform, c.shop_id, DATE_TRUNC('month', c.cost_date) AS month,
           CAST(SUM(ROUND(c.amount_fen * CASE WHEN c.currency = 'CNY' THEN 1.0 ELSE
                (SELECT f.cny_per_unit FROM fx_rates f WHERE f.currency = c.currency
                 AND f.rate_date <= c.cost_date ORDER BY f.rate_date DESC LIMIT 1) END))
                AS BIGINT) AS costs_fen
    FROM cost_rows c
    WHERE c.cost_date BETWEEN $lo AND $hi
    GROUP BY ALL
),
keys AS (
    SELECT platform, shop_id, month FROM line_sums
    UNION SELECT platform, shop_id, month FROM refund_sums
    UNION SELECT platform, shop_id, month FROM cost_sums
)
SELECT k.platform, k.shop_id, CAST(k.month AS DATE) AS month,
       COALESCE(l.gmv_fen, 0) AS gmv_fen, COALESCE(l.paid_fen, 0) AS paid_fen,
       COALESCE(r.refund_fen, 0) AS refund_fen, COALESCE(l.units, 0) AS units,
       COALESCE(l.cogs_fen, 0) AS cogs_fen, COALESCE(c.costs_fen, 0) AS costs_fen,
       COALESCE(l.count_lines_without_rate, 0) AS count_lines_without_rate,
       COALESCE(r.count_fx_spread_lines, 0) AS count_fx_spread_lines
FROM keys k
LEFT JOIN line_sums l USING (platform, shop_id, month)
LEFT JOIN refund_sums r USING (platform, shop_id, month)
LEFT JOIN cost_sums c USING (platform, shop_id, month)
ORDER BY k.month, k.platform, k.shop_id
"""


def recompute(con, start, end) -> pd.DataFrame:
    """One row per platform, shop and month of ``start``..``end`` (inclusive): gmv_fen,
    paid_fen, refund_fen, units, cogs_fen and costs_fen (other_costs + ad_spend; platform
    ALL is the company), straight from the canonical tables (``con``: a DuckDB connection or
    a Warehouse)."""
    con = getattr(con, "con", con)
    out = con.execute(SALES_SQL, {"lo": pd.Timestamp(start).date(),
                                  "hi": pd.Timestamp(end).date()}).fetchdf()
    out["month"] = pd.to_datetime(out["month"])
    return out
