"""Standard rollups, computed inside the warehouse engine, in plain SQL.

All rollup SQL lives in this one module so that the same models can later run on a
distributed SQL engine (Spark SQL, Trino, ClickHouse). Layers follow dbt's naming:
``int_*`` views prepare (join headers, allocate refunds, convert currency), ``agg_*`` views
are the rollups readers use. Every step is a named CTE read top to bottom. The only
engine-specific functions used are ``date_diff`` and ``CAST(ts AS DATE)``, which the
engines above also have.

Which day does a sale belong to? ``sales_date`` is the Beijing calendar day of the payment
(``paid_at``); orders never paid are dated by ``created_at`` so that they count in GMV on the
day they were placed. Refunds belong to their order's ``sales_date`` (so the refund rate is
over the same orders, as DESIGN.md defines it). See docs/DECISIONLOG.md.
"""
from __future__ import annotations

VIEWS: dict[str, str] = {}

# -- rules shared by legacy_order_lines and FIN_SKU_DAY_SQL (which repeats the view's steps for
# one window; see there), pasted into both so that each rule is written once --------------
# The canonical SKU of an order line ``l``: SKU_OF_LINE, with the joins SKU_MAP_JOINS.
SKU_OF_LINE = "COALESCE(by_id.sku, by_code.sku, any_platform.sku, l.sku)"
SKU_MAP_JOINS = """LEFT JOIN sku_map by_id ON by_id.platform = l.platform
      AND by_id.platform_sku_id = l.platform_sku_id
LEFT JOIN sku_map by_code ON by_code.platform = l.platform AND by_code.platform_sku_id = l.sku
LEFT JOIN sku_map any_platform ON any_platform.platform = 'ALL'
      AND any_platform.platform_sku_id = l.sku"""

# CTEs done_refunds, line_refunds (cases that name their line) and order_refunds (cases for
# the whole order): completed refunds only, in native fen
REFUND_CASES_CTES = """
done_refunds AS (
    SELECT * FROM refunds WHERE status = 'refunded'
),
line_refunds AS (
    -- cases that name their line
    SELECT platform, shop_id, order_id, line_id,
           SUM(refund_fen) AS refund_fen, SUM(units_returned) AS units_returned
    FROM done_refunds WHERE line_id IS NOT NULL
    GROUP BY platform, shop_id, order_id, line_id
),
order_refunds AS (
    -- cases for the whole order: spread over its lines by paid share (money) and units
    SELECT platform, shop_id, order_id,
           SUM(refund_fen) AS refund_fen, SUM(units_returned) AS units_returned
    FROM done_refunds WHERE line_id IS NULL
    GROUP BY platform, shop_id, order_id
)"""

# CTE spread_fixed over a CTE ``spread`` (one row per line of an order with a whole-order
# case: line_rank, order_refund_fen, order_units_returned and the FLOOR shares
# refund_share_fen, units_share)
SPREAD_FIXED_CTE = """
spread_fixed AS (
    -- the rounding remainder goes to the order's first line, so totals tie exactly
    SELECT platform, shop_id, order_id, line_id,
           refund_share_fen + CASE WHEN line_rank = 1 THEN order_refund_fen
               - SUM(refund_share_fen) OVER (PARTITION BY platform, shop_id, order_id)
               ELSE 0 END AS refund_fen,
           units_share + CASE WHEN line_rank = 1 THEN order_units_returned
               - SUM(units_share) OVER (PARTITION BY platform, shop_id, order_id)
               ELSE 0 END AS units_returned
    FROM spread
)"""

# The refunds of each line of a CTE ``fx`` (order lines with their canonical sku and
# cny_rate): its own cases plus its share of whole-order cases (line_refunds, spread_fixed),
# converted at the line's rate, and its product's category and unit cost. The columns
# (LINE_REFUND_COLUMNS, a piece of a SELECT list) and the joins they need (LINE_REFUND_JOINS).
LINE_REFUND_COLUMNS = """CAST(ROUND((COALESCE(lr.refund_fen, 0) + COALESCE(sf.refund_fen, 0)) * fx.cny_rate)
            AS BIGINT) AS refund_fen,
       COALESCE(lr.units_returned, 0) + COALESCE(sf.units_returned, 0) AS units_returned,
       p.category, p.unit_cost_fen"""
LINE_REFUND_JOINS = """LEFT JOIN line_refunds lr ON lr.platform = fx.platform AND lr.shop_id = fx.shop_id
      AND lr.order_id = fx.order_id AND lr.line_id = fx.line_id
LEFT JOIN spread_fixed sf ON sf.platform = fx.platform AND sf.shop_id = fx.shop_id
      AND sf.order_id = fx.order_id AND sf.line_id = fx.line_id
LEFT JOIN products p ON p.sku = fx.sku"""

VIEWS["legacy_fx_ranges"] = """
-- one row per currency and validity range: a rate holds from rate_date until the next one
SELECT currency,
       rate_date AS valid_from,
       COALESCE(LEAD(rate_date) OVER (PARTITION BY currency ORDER BY rate_date),
                DATE '9999-12-31') AS valid_to,
       cny_per_unit
FROM fx_rates
"""

VIEWS["int_sku_resolved"] = """
-- one row per order line: the canonical SKU of the line. Platform exports carry their own
-- item ids and the shop's merchant codes (商家编码), which need not be the canonical SKU.
-- Resolution order: sku_map on the platform item id, then sku_map on the exported code for
-- that platform, then sku_map rows valid on every platform (platform = 'ALL'), else the
-- exported code as is (reported as unmapped when it is not in products).
SELECT l.platform, l.shop_id, l.order_id, l.line_id,
       l.sku AS exported_sku,
       """ + SKU_OF_LINE + """ AS sku
FROM order_lines l
""" + SKU_MAP_JOINS + "\n"

VIEWS["legacy_order_lines"] = """
-- one row per order line, with its header, its refunds and amounts converted to CNY fen
WITH ords AS (
    SELECT platform, shop_id, order_id, member_key, created_at, paid_at, status, currency,
           CAST(COALESCE(paid_at, created_at) AS DATE) AS sales_date,
           paid_at IS NOT NULL AS is_paid
    FROM orders
),
fx_orders AS (
    -- the CNY rate of each non-CNY order on its sales date (CNY orders need none)
    SELECT o.platform, o.shop_id, o.order_id, f.cny_per_unit
    FROM ords o
    JOIN legacy_fx_ranges f ON f.currency = o.currency
         AND o.sales_date >= f.valid_from AND o.sales_date < f.valid_to
    WHERE o.currency <> 'CNY'
),""" + REFUND_CASES_CTES + """,
spread AS (
    -- the per-order windows run only over the lines of orders with a whole-order refund
    SELECT l.platform, l.shop_id, l.order_id, l.line_id,
           r.refund_fen AS order_refund_fen, r.units_returned AS order_units_returned,
           ROW_NUMBER() OVER (PARTITION BY l.platform, l.shop_id, l.order_id
                              ORDER BY l.line_id) AS line_rank,
           CASE WHEN SUM(l.paid_fen) OVER w > 0
                THEN CAST(FLOOR(r.refund_fen * l.paid_fen / SUM(l.paid_fen) OVER w) AS BIGINT)
                ELSE 0 END AS refund_share_fen,
           CASE WHEN SUM(l.quantity) OVER w > 0
                THEN CAST(FLOOR(r.units_returned * l.quantity / SUM(l.quantity) OVER w) AS BIGINT)
                ELSE 0 END AS units_share
    FROM order_lines l
    JOIN order_refunds r ON r.platform = l.platform AND r.shop_id = l.shop_id
                        AND r.order_id = l.order_id
    SEMI JOIN orders o ON o.platform = l.platform AND o.shop_id = l.shop_id
                      AND o.order_id = l.order_id
    WINDOW w AS (PARTITION BY l.platform, l.shop_id, l.order_id)
),""" + SPREAD_FIXED_CTE + """,
fx AS (
    SELECT l.platform, l.shop_id, l.order_id, l.line_id, """ + SKU_OF_LINE + """ AS sku,
           l.quantity,
           l.list_price_fen, l.shop_discount_fen, l.platform_discount_fen, l.paid_fen,
           o.member_key, o.created_at, o.paid_at, o.status, o.currency, o.sales_date, o.is_paid,
           CASE WHEN o.currency = 'CNY' THEN 1.0 ELSE x.cny_per_unit END AS cny_rate
    FROM order_lines l
    JOIN ords o ON o.platform = l.platform AND o.shop_id = l.shop_id
               AND o.order_id = l.order_id
    -- the canonical SKU as int_sku_resolved gives it (sku_map's key is platform +
    -- platform_sku_id, so each join finds at most one row), joined here on the line itself
    -- rather than joining int_sku_resolved back on the four line keys
    """ + SKU_MAP_JOINS.replace("\n", "\n    ") + """
    LEFT JOIN fx_orders x ON x.platform = l.platform AND x.shop_id = l.shop_id
               AND x.order_id = l.order_id
)
SELECT fx.platform, fx.shop_id, fx.order_id, fx.line_id, fx.sku, fx.member_key,
       fx.created_at, fx.paid_at, fx.sales_date, fx.status, fx.is_paid, fx.quantity,
       fx.currency, fx.cny_rate,
       CAST(ROUND(fx.list_price_fen * fx.quantity * fx.cny_rate) AS BIGINT) AS list_fen,
       CAST(ROUND(fx.shop_discount_fen * fx.cny_rate) AS BIGINT) AS shop_discount_fen,
       CAST(ROUND(fx.platform_discount_fen * fx.cny_rate) AS BIGINT) AS platform_discount_fen,
       CAST(ROUND(fx.paid_fen * fx.cny_rate) AS BIGINT) AS paid_fen,
       """ + LINE_REFUND_COLUMNS + """
FROM fx
""" + LINE_REFUND_JOINS + "\n"

# The additive sales measures, summed over rows with legacy_order_lines' columns, one
# definition each (money in CNY fen). agg_daily_sales and FIN_SKU_DAY_SQL take theirs
# through sales_sums().
# gmv_fen: amount due on every line placed, paid or not (拍下金额)
# paid_fen: amount paid on lines of paid orders (实付金额); units, list and discounts likewise
# refund_fen / units_returned: completed refunds of those same paid lines
# cogs_fen: unit cost x units kept (sold - returned); units_without_cost counts units of
#           SKUs missing from products, whose cost is unknown (never silently 0)
SALES_SUMS: dict[str, str] = {
    "gmv_fen": "CAST(SUM(paid_fen) AS BIGINT)",
    "units": "CAST(SUM(CASE WHEN is_paid THEN quantity ELSE 0 END) AS BIGINT)",
    **{c: f"CAST(SUM(CASE WHEN is_paid THEN {c} ELSE 0 END) AS BIGINT)"
       for c in ("list_fen", "shop_discount_fen", "platform_discount_fen", "paid_fen",
                 "refund_fen", "units_returned")},
    "cogs_fen": """CAST(SUM(CASE WHEN is_paid AND unit_cost_fen IS NOT NULL
                THEN unit_cost_fen * (quantity - LEAST(units_returned, quantity)) ELSE 0 END) AS BIGINT)""",
    "units_without_cost":
        "CAST(SUM(CASE WHEN is_paid AND unit_cost_fen IS NULL THEN quantity ELSE 0 END) AS BIGINT)",
}


def sales_sums(*cols: str) -> str:
    """A SELECT list of the measures ``cols``: ``SALES_SUMS[c] AS c``, one a line."""
    return ",\n       ".join(f"{SALES_SUMS[c]} AS {c}" for c in cols)


VIEWS["agg_daily_sales"] = """
-- one row per sales_date, platform, shop and SKU: the order counts and SALES_SUMS
SELECT sales_date, platform, shop_id, sku,
       MAX(category) AS category,
       COUNT(DISTINCT order_id) AS count_orders,
       COUNT(DISTINCT CASE WHEN is_paid THEN order_id END) AS count_paid_orders,
       COUNT(*) AS count_lines,
       """ + sales_sums("gmv_fen", "units", "list_fen", "shop_discount_fen",
                        "platform_discount_fen", "paid_fen", "refund_fen", "units_returned",
                        "cogs_fen", "units_without_cost") + """
FROM legacy_order_lines
GROUP BY sales_date, platform, shop_id, sku
"""


def create_views(con) -> None:
    """(Re)create every rollup view on a DuckDB connection."""
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")


# -- finance (issue 8): parameterised rollups for ecomlib.metrics.finance -------------------
# Named parameters: $start_d (inclusive) and $end_d (exclusive) are DATEs; {filters} is
# replaced by " AND ..." conditions on platform / shop_id built by ecomlib.metrics.finance.
# FIN_RECON_SQL deliberately does NOT use legacy_order_lines: it recomputes the sales totals
# straight from orders, order_lines, refunds and fx_rates, so the reconciliation compares two
# independent computations.
FIN_RECON_SQL = """
-- one row per currency: sales totals of the period straight from the canonical tables.
-- An order belongs to the Beijing day of its payment (of its creation if never paid); its
-- refunds (status refunded) belong to the same day. CNY fen = ROUND(native fen x rate) per
-- line (paid) and per refunded line or per order (order-level cases); the rate is the last
-- fx_rates row on or before the order's day (1 for CNY).
WITH o AS (
    SELECT platform, shop_id, order_id, currency, paid_at IS NOT NULL AS is_paid,
           CAST(COALESCE(paid_at, created_at) AS DATE) AS order_day
    FROM orders
    WHERE CAST(COALESCE(paid_at, created_at) AS DATE) >= $start_d
      AND CAST(COALESCE(paid_at, created_at) AS DATE) < $end_d {filters}
),
rate_day AS (
    SELECT o.platform, o.shop_id, o.order_id, MAX(f.rate_date) AS rate_date
    FROM o JOIN fx_rates f ON f.currency = o.currency AND f.rate_date <= o.order_day
    WHERE o.currency <> 'CNY'
    GROUP BY o.platform, o.shop_id, o.order_id
),
orate AS (
    SELECT o.*, CASE WHEN o.currency = 'CNY' THEN 1.0 ELSE f.cny_per_unit END AS rate
    FROM o
    LEFT JOIN rate_day d ON d.platform = o.platform AND d.shop_id = o.shop_id
          AND d.order_id = o.order_id
    LEFT JOIN fx_rates f ON f.currency = o.currency AND f.rate_date = d.rate_date
),
line_sums AS (
    SELECT r.currency,
           COUNT(*) AS count_lines,
           COUNT(*) FILTER (WHERE r.rate IS NULL) AS count_lines_without_rate,
           CAST(SUM(l.paid_fen) AS BIGINT) AS gmv_native_fen,
           CAST(SUM(CASE WHEN r.is_paid THEN l.paid_fen ELSE 0 END) AS BIGINT) AS paid_native_fen,
           CAST(SUM(ROUND(l.paid_fen * r.rate)) AS BIGINT) AS gmv_fen,
           CAST(SUM(CASE WHEN r.is_paid THEN ROUND(l.paid_fen * r.rate) ELSE 0 END) AS BIGINT)
               AS paid_fen,
           CAST(SUM(CASE WHEN r.is_paid THEN l.quantity ELSE 0 END) AS BIGINT) AS units
    FROM order_lines l
    JOIN orate r ON r.platform = l.platform AND r.shop_id = l.shop_id AND r.order_id = l.order_id
    GROUP BY r.currency
),
refund_groups AS (
    -- refunded cases of paid orders, summed per line (or per order for order-level cases)
    SELECT r.currency, r.rate, x.line_id IS NULL AS is_order_level,
           x.platform, x.shop_id, x.order_id, x.line_id,
           SUM(x.refund_fen) AS refund_native_fen
    FROM refunds x
    JOIN orate r ON r.platform = x.platform AND r.shop_id = x.shop_id AND r.order_id = x.order_id
    WHERE x.status = 'refunded' AND r.is_paid
    GROUP BY r.currency, r.rate, x.platform, x.shop_id, x.order_id, x.line_id
),
refund_sums AS (
    SELECT g.currency,
           CAST(SUM(g.refund_native_fen) AS BIGINT) AS refund_native_fen,
           CAST(SUM(ROUND(g.refund_native_fen * g.rate)) AS BIGINT) AS refund_fen,
           -- lines of non-CNY orders an order-level case is spread over (each may round)
           CAST(SUM(CASE WHEN g.is_order_level AND g.currency <> 'CNY'
                    THEN (SELECT COUNT(*) FROM order_lines l WHERE l.platform = g.platform
                          AND l.shop_id = g.shop_id AND l.order_id = g.order_id)
                    ELSE 0 END) AS BIGINT) AS count_fx_spread_lines
    FROM refund_groups g
    GROUP BY g.currency
)
SELECT l.currency, l.count_lines, l.count_lines_without_rate, l.units,
       l.gmv_native_fen, l.paid_native_fen, COALESCE(r.refund_native_fen, 0) AS refund_native_fen,
       l.gmv_fen, l.paid_fen, COALESCE(r.refund_fen, 0) AS refund_fen,
       COALESCE(r.count_fx_spread_lines, 0) AS count_fx_spread_lines
FROM line_sums l
LEFT JOIN refund_sums r ON r.currency = l.currency
ORDER BY l.currency
"""

FIN_COSTS_SQL = """
-- one row per day, platform, shop and cost kind: other_costs and ad_spend (kind 'ad_spend')
-- in CNY fen (ROUND(amount x rate) per row; rate = last fx_rates row on or before the day)
WITH c AS (
    SELECT cost_date AS cost_date, platform, shop_id, kind, amount_fen, currency
    FROM other_costs
    UNION ALL
    SELECT spend_date, platform, shop_id, 'ad_spend', spend_fen, currency FROM ad_spend
),
w AS (
    SELECT * FROM c WHERE cost_date >= $start_d AND cost_date < $end_d {filters}
),
rd AS (
    SELECT w.currency, w.cost_date, MAX(f.rate_date) AS rate_date
    FROM (SELECT DISTINCT currency, cost_date FROM w WHERE currency <> 'CNY') w
    JOIN fx_rates f ON f.currency = w.currency AND f.rate_date <= w.cost_date
    GROUP BY w.currency, w.cost_date
)
SELECT w.cost_date, w.platform, w.shop_id, w.kind,
       CAST(SUM(ROUND(w.amount_fen * CASE WHEN w.currency = 'CNY' THEN 1.0
                                          ELSE f.cny_per_unit END)) AS BIGINT) AS amount_fen,
       COUNT(*) FILTER (WHERE w.currency <> 'CNY' AND f.cny_per_unit IS NULL) AS count_without_rate
FROM w
LEFT JOIN rd ON rd.currency = w.currency AND rd.cost_date = w.cost_date
LEFT JOIN fx_rates f ON f.currency = w.currency AND f.rate_date = rd.rate_date
GROUP BY w.cost_date, w.platform, w.shop_id, w.kind
ORDER BY w.cost_date, w.platform, w.shop_id, w.kind
"""

FIN_SHIPPED_SQL = """
-- one row per shipped order (shipped_at in the window): what a carrier bill is matched to
SELECT o.platform, o.shop_id, o.order_id, o.province, o.shipped_at,
       CAST(SUM(l.quantity) AS BIGINT) AS units
FROM orders o
JOIN order_lines l ON l.platform = o.platform AND l.shop_id = o.shop_id AND l.order_id = o.order_id
WHERE o.shipped_at IS NOT NULL AND CAST(o.shipped_at AS DATE) >= $start_d
  AND CAST(o.shipped_at AS DATE) < $end_d {filters}
GROUP BY o.platform, o.shop_id, o.order_id, o.province, o.shipped_at
ORDER BY o.shipped_at, o.platform, o.order_id
"""

FIN_STOCK_MOVES_SQL = """
-- one row per canonical SKU: units that left stock (paid lines of orders created in the
-- window, on the created_at day, as the stock is reserved) and units that came back
-- (units_returned of cases refunded in the window). Order-level cases without a line carry
-- no SKU: their units are counted under sku NULL.
WITH outbound AS (
    SELECT r.sku, CAST(SUM(l.quantity) AS BIGINT) AS outbound_units, 0 AS returned_units
    FROM order_lines l
    JOIN orders o ON o.platform = l.platform AND o.shop_id = l.shop_id AND o.order_id = l.order_id
    JOIN int_sku_resolved r ON r.platform = l.platform AND r.shop_id = l.shop_id
         AND r.order_id = l.order_id AND r.line_id = l.line_id
    WHERE o.paid_at IS NOT NULL AND CAST(o.created_at AS DATE) >= $start_d
      AND CAST(o.created_at AS DATE) < $end_d
    GROUP BY r.sku
),
returned AS (
    SELECT COALESCE(r.sku, x.sku) AS sku, 0 AS outbound_units,
           CAST(SUM(x.units_returned) AS BIGINT) AS returned_units
    FROM refunds x
    LEFT JOIN int_sku_resolved r ON r.platform = x.platform AND r.shop_id = x.shop_id
         AND r.order_id = x.order_id AND r.line_id = x.line_id
    WHERE x.status = 'refunded' AND x.refunded_at IS NOT NULL
      AND CAST(x.refunded_at AS DATE) >= $start_d AND CAST(x.refunded_at AS DATE) < $end_d
    GROUP BY COALESCE(r.sku, x.sku)
)
SELECT sku, CAST(SUM(outbound_units) AS BIGINT) AS outbound_units,
       CAST(SUM(returned_units) AS BIGINT) AS returned_units
FROM (SELECT * FROM outbound UNION ALL SELECT * FROM returned) m
GROUP BY sku
ORDER BY sku
"""


FIN_RECON_COSTS_SQL = """
-- the cost side of the finance reconciliation: CNY rows of other_costs and ad_spend in the
-- window, summed straight from the tables
SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS amount_fen
FROM (SELECT cost_date, platform, shop_id, amount_fen, currency FROM other_costs
      UNION ALL
      SELECT spend_date, platform, shop_id, spend_fen, currency FROM ad_spend) c
WHERE currency = 'CNY' AND cost_date >= $start_d AND cost_date < $end_d {filters}
"""

FIN_SNAPSHOT_DAYS_SQL = """
-- the stock snapshot days a stock reconciliation of [$start_d, $end_d) uses: the last day
-- before the window (opening; else the first day in it) and the last day in it (closing)
SELECT COALESCE((SELECT MAX(snapshot_date) FROM inventory_snapshots WHERE snapshot_date < $start_d),
                (SELECT MIN(snapshot_date) FROM inventory_snapshots
                 WHERE snapshot_date >= $start_d AND snapshot_date < $end_d)) AS opening_date,
       (SELECT MAX(snapshot_date) FROM inventory_snapshots
        WHERE snapshot_date >= $start_d AND snapshot_date < $end_d) AS closing_date
"""

# Finance P&L at scale (issue 9): the finance report aggregates and allocates inside the
# engine and pulls only shop-day and SKU totals into pandas. FIN_SKU_DAY_SQL fills a
# temporary table ({sku_day}) once per report; the other two read it.
FIN_SKU_DAY_SQL = """
-- one row per sales_date, platform, shop and SKU: the sales measures of the finance P&L.
-- The same numbers as agg_daily_sales (legacy_order_lines' rules step by step: sales day of
-- the order, SKU through sku_map, CNY fen = ROUND(native x rate of the sales day) per line,
-- completed refunds per line plus order-level cases spread by paid share and units with the
-- remainder on the first line) but computed for the window only, with the per-order spread
-- done just for the orders that have an order-level case, and without the order counts
-- finance does not use: at 5M lines this takes less than half the time (9 s against 20 s)
-- and three quarters of the memory of going through legacy_order_lines. The SKU resolution,
-- the refund cases, the remainder step, a line's refunds and the measures are the view's
-- own text (SKU_OF_LINE, SKU_MAP_JOINS, REFUND_CASES_CTES, SPREAD_FIXED_CTE,
-- LINE_REFUND_COLUMNS, LINE_REFUND_JOINS, SALES_SUMS); the window's orders, the spread
-- shares and the FX join are this query's own. tests/test_finance.py checks that it equals
-- agg_daily_sales row for row: a change to those three steps of legacy_order_lines must be
-- made here too.
WITH o AS (
    SELECT platform, shop_id, order_id, currency,
           CAST(COALESCE(paid_at, created_at) AS DATE) AS sales_date,
           paid_at IS NOT NULL AS is_paid
    FROM orders
    WHERE CAST(COALESCE(paid_at, created_at) AS DATE) >= $start_d
      AND CAST(COALESCE(paid_at, created_at) AS DATE) < $end_d {filters}
),
lines AS (
    SELECT l.platform, l.shop_id, l.order_id, l.line_id, l.quantity, l.paid_fen,
           """ + SKU_OF_LINE + """ AS sku,
           o.currency, o.sales_date, o.is_paid
    FROM order_lines l
    JOIN o ON o.platform = l.platform AND o.shop_id = l.shop_id AND o.order_id = l.order_id
""" + SKU_MAP_JOINS + """
),""" + REFUND_CASES_CTES + """,
refunded_lines AS (
    -- lines of the window's orders with an order-level case, with their rank and order
    -- totals (read from order_lines, not from lines, so that lines is streamed once: the
    -- sku_map joins of lines cannot repeat a line, sku_map being unique per platform and id)
    SELECT li.platform, li.shop_id, li.order_id, li.line_id, li.paid_fen, li.quantity,
           ROW_NUMBER() OVER (PARTITION BY li.platform, li.shop_id, li.order_id
                              ORDER BY li.line_id) AS line_rank,
           SUM(li.paid_fen) OVER (PARTITION BY li.platform, li.shop_id, li.order_id) AS order_paid_fen,
           SUM(li.quantity) OVER (PARTITION BY li.platform, li.shop_id, li.order_id) AS order_units
    FROM order_lines li
    JOIN o ON o.platform = li.platform AND o.shop_id = li.shop_id AND o.order_id = li.order_id
    WHERE EXISTS (SELECT 1 FROM order_refunds r WHERE r.platform = li.platform
                  AND r.shop_id = li.shop_id AND r.order_id = li.order_id)
),
spread AS (
    SELECT li.platform, li.shop_id, li.order_id, li.line_id, li.line_rank,
           r.refund_fen AS order_refund_fen, r.units_returned AS order_units_returned,
           CASE WHEN li.order_paid_fen > 0
                THEN CAST(FLOOR(r.refund_fen * li.paid_fen / li.order_paid_fen) AS BIGINT)
                ELSE 0 END AS refund_share_fen,
           CASE WHEN li.order_units > 0
                THEN CAST(FLOOR(r.units_returned * li.quantity / li.order_units) AS BIGINT)
                ELSE 0 END AS units_share
    FROM refunded_lines li
    JOIN order_refunds r ON r.platform = li.platform AND r.shop_id = li.shop_id
                        AND r.order_id = li.order_id
),""" + SPREAD_FIXED_CTE + """,
fx AS (
    SELECT li.*,
           CASE WHEN li.currency = 'CNY' THEN 1.0 ELSE f.cny_per_unit END AS cny_rate
    FROM lines li
    LEFT JOIN legacy_fx_ranges f ON f.currency = li.currency
          AND li.sales_date >= f.valid_from AND li.sales_date < f.valid_to
),
converted AS (
    SELECT fx.sales_date, fx.platform, fx.shop_id, fx.sku, fx.is_paid, fx.quantity,
           CAST(ROUND(fx.paid_fen * fx.cny_rate) AS BIGINT) AS paid_fen,
           """ + LINE_REFUND_COLUMNS + """
    FROM fx
""" + LINE_REFUND_JOINS + """
)
SELECT sales_date, platform, shop_id, sku,
       MAX(category) AS category,
       """ + sales_sums("gmv_fen", "paid_fen", "refund_fen", "cogs_fen", "units",
                        "units_returned", "units_without_cost") + """
FROM converted
GROUP BY sales_date, platform, shop_id, sku
"""

FIN_SHOP_DAY_SQL = """
-- one row per sales_date, platform and shop: FIN_SKU_DAY_SQL rows ({sku_day}) summed
SELECT sales_date, platform, shop_id,
       CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen, CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen, CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units) AS BIGINT) AS units, CAST(SUM(units_returned) AS BIGINT) AS units_returned,
       CAST(SUM(units_without_cost) AS BIGINT) AS units_without_cost
FROM {sku_day}
GROUP BY sales_date, platform, shop_id
ORDER BY sales_date, platform, shop_id
"""

FIN_SKU_PNL_SQL = """
-- one row per SKU and category of the window [$start_d, $end_d): sales measures summed, and
-- the shop-day costs ({costs}: sales_date, platform, shop_id, col, amount_fen; shop level
-- only) spread over the SKU rows of their shop-day, to the fen (finance.allocate_costs):
-- share = FLOOR(cost x w / W) with w = GREATEST(weight, 0) of the column's weight (fees by
-- net sales, logistics and packaging by units, ads and other costs by paid amount) and W
-- its sum over the shop-day; the remainder goes to the row with the largest w (the
-- smallest SKU of equals). What cannot be spread (no weight, no SKU rows that day) is one
-- row with sku = category = $unallocated. Categories missing from products read $unknown.
WITH s AS (
    SELECT sales_date, platform, shop_id, sku, COALESCE(category, $unknown) AS category,
           gmv_fen, paid_fen, refund_fen, cogs_fen, units, units_returned, units_without_cost
    FROM {sku_day}
    WHERE sales_date >= $start_d AND sales_date < $end_d
),
c AS (
    SELECT sales_date, platform, shop_id,
           SUM(CASE WHEN col = 'platform_fee_fen' THEN amount_fen ELSE 0 END) AS c_fee,
           SUM(CASE WHEN col = 'streamer_commission_fen' THEN amount_fen ELSE 0 END) AS c_streamer,
           SUM(CASE WHEN col = 'logistics_fen' THEN amount_fen ELSE 0 END) AS c_logistics,
           SUM(CASE WHEN col = 'packaging_fen' THEN amount_fen ELSE 0 END) AS c_packaging,
           SUM(CASE WHEN col = 'ad_spend_fen' THEN amount_fen ELSE 0 END) AS c_ads,
           SUM(CASE WHEN col = 'other_costs_fen' THEN amount_fen ELSE 0 END) AS c_other
    FROM {costs}
    GROUP BY sales_date, platform, shop_id
),
m AS (
    -- SKU rows of the shop-days that have costs, with their weights
    SELECT s.sales_date, s.platform, s.shop_id, s.sku, s.category,
           CAST(GREATEST(s.paid_fen - s.refund_fen, 0) AS DOUBLE) AS w_net,
           CAST(GREATEST(s.units, 0) AS DOUBLE) AS w_units,
           CAST(GREATEST(s.paid_fen, 0) AS DOUBLE) AS w_paid,
           c.c_fee, c.c_streamer, c.c_logistics, c.c_packaging, c.c_ads, c.c_other
    FROM s JOIN c ON c.sales_date = s.sales_date AND c.platform = s.platform
                 AND c.shop_id = s.shop_id
    WHERE s.sku IS NOT NULL
),
mw AS (
    SELECT m.*,
           SUM(w_net) OVER (PARTITION BY sales_date, platform, shop_id) AS t_net,
           SUM(w_units) OVER (PARTITION BY sales_date, platform, shop_id) AS t_units,
           SUM(w_paid) OVER (PARTITION BY sales_date, platform, shop_id) AS t_paid,
           ROW_NUMBER() OVER (PARTITION BY sales_date, platform, shop_id
                              ORDER BY w_net DESC, sku) = 1 AS top_net,
           ROW_NUMBER() OVER (PARTITION BY sales_date, platform, shop_id
                              ORDER BY w_units DESC, sku) = 1 AS top_units,
           ROW_NUMBER() OVER (PARTITION BY sales_date, platform, shop_id
                              ORDER BY w_paid DESC, sku) = 1 AS top_paid
    FROM m
),
floors AS (
    SELECT mw.*,
           CASE WHEN t_net > 0 THEN CAST(FLOOR(c_fee * (w_net / t_net)) AS BIGINT) ELSE 0 END AS a_fee,
           CASE WHEN t_net > 0 THEN CAST(FLOOR(c_streamer * (w_net / t_net)) AS BIGINT) ELSE 0 END AS a_streamer,
           CASE WHEN t_units > 0 THEN CAST(FLOOR(c_logistics * (w_units / t_units)) AS BIGINT) ELSE 0 END AS a_logistics,
           CASE WHEN t_units > 0 THEN CAST(FLOOR(c_packaging * (w_units / t_units)) AS BIGINT) ELSE 0 END AS a_packaging,
           CASE WHEN t_paid > 0 THEN CAST(FLOOR(c_ads * (w_paid / t_paid)) AS BIGINT) ELSE 0 END AS a_ads,
           CASE WHEN t_paid > 0 THEN CAST(FLOOR(c_other * (w_paid / t_paid)) AS BIGINT) ELSE 0 END AS a_other
    FROM mw
),
shares AS (
    -- the rounding remainder of each shop-day and column to its top row
    SELECT sales_date, platform, shop_id, sku, category,
           a_fee + CASE WHEN top_net AND t_net > 0 THEN c_fee - SUM(a_fee) OVER d ELSE 0 END AS platform_fee_fen,
           a_streamer + CASE WHEN top_net AND t_net > 0 THEN c_streamer - SUM(a_streamer) OVER d ELSE 0 END
               AS streamer_commission_fen,
           a_logistics + CASE WHEN top_units AND t_units > 0 THEN c_logistics - SUM(a_logistics) OVER d ELSE 0 END
               AS logistics_fen,
           a_packaging + CASE WHEN top_units AND t_units > 0 THEN c_packaging - SUM(a_packaging) OVER d ELSE 0 END
               AS packaging_fen,
           a_ads + CASE WHEN top_paid AND t_paid > 0 THEN c_ads - SUM(a_ads) OVER d ELSE 0 END AS ad_spend_fen,
           a_other + CASE WHEN top_paid AND t_paid > 0 THEN c_other - SUM(a_other) OVER d ELSE 0 END
               AS other_costs_fen
    FROM floors
    WINDOW d AS (PARTITION BY sales_date, platform, shop_id)
),
spread_day AS (
    SELECT sales_date, platform, shop_id,
           SUM(platform_fee_fen) AS platform_fee_fen, SUM(streamer_commission_fen) AS streamer_commission_fen,
           SUM(logistics_fen) AS logistics_fen, SUM(packaging_fen) AS packaging_fen,
           SUM(ad_spend_fen) AS ad_spend_fen, SUM(other_costs_fen) AS other_costs_fen
    FROM shares
    GROUP BY sales_date, platform, shop_id
),
leftover AS (
    -- cost of each shop-day not spread over its SKU rows (no weight, or no sales that day)
    SELECT c.c_fee - COALESCE(a.platform_fee_fen, 0) AS platform_fee_fen,
           c.c_streamer - COALESCE(a.streamer_commission_fen, 0) AS streamer_commission_fen,
           c.c_logistics - COALESCE(a.logistics_fen, 0) AS logistics_fen,
           c.c_packaging - COALESCE(a.packaging_fen, 0) AS packaging_fen,
           c.c_ads - COALESCE(a.ad_spend_fen, 0) AS ad_spend_fen,
           c.c_other - COALESCE(a.other_costs_fen, 0) AS other_costs_fen
    FROM c
    LEFT JOIN spread_day a ON a.sales_date = c.sales_date AND a.platform = c.platform
          AND a.shop_id = c.shop_id
),
rows_ AS (
    SELECT sku, category, gmv_fen, paid_fen, refund_fen, cogs_fen, units, units_returned,
           units_without_cost, 0 AS platform_fee_fen, 0 AS streamer_commission_fen,
           0 AS logistics_fen, 0 AS packaging_fen, 0 AS ad_spend_fen, 0 AS other_costs_fen
    FROM s
    UNION ALL
    SELECT sku, category, 0, 0, 0, 0, 0, 0, 0, platform_fee_fen, streamer_commission_fen,
           logistics_fen, packaging_fen, ad_spend_fen, other_costs_fen
    FROM shares
    UNION ALL
    SELECT $unallocated, $unallocated, 0, 0, 0, 0, 0, 0, 0, platform_fee_fen,
           streamer_commission_fen, logistics_fen, packaging_fen, ad_spend_fen, other_costs_fen
    FROM leftover
    WHERE platform_fee_fen <> 0 OR streamer_commission_fen <> 0 OR logistics_fen <> 0
       OR packaging_fen <> 0 OR ad_spend_fen <> 0 OR other_costs_fen <> 0
)
SELECT sku, category,
       CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen, CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen, CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units) AS BIGINT) AS units, CAST(SUM(units_returned) AS BIGINT) AS units_returned,
       CAST(SUM(units_without_cost) AS BIGINT) AS units_without_cost,
       CAST(SUM(platform_fee_fen) AS BIGINT) AS platform_fee_fen,
       CAST(SUM(streamer_commission_fen) AS BIGINT) AS streamer_commission_fen,
       CAST(SUM(logistics_fen) AS BIGINT) AS logistics_fen,
       CAST(SUM(packaging_fen) AS BIGINT) AS packaging_fen,
       CAST(SUM(ad_spend_fen) AS BIGINT) AS ad_spend_fen,
       CAST(SUM(other_costs_fen) AS BIGINT) AS other_costs_fen
FROM rows_
GROUP BY sku, category
"""
