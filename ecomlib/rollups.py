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

VIEWS["int_fx_ranges"] = """
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
       COALESCE(by_id.sku, by_code.sku, any_platform.sku, l.sku) AS sku
FROM order_lines l
LEFT JOIN sku_map by_id ON by_id.platform = l.platform
      AND by_id.platform_sku_id = l.platform_sku_id
LEFT JOIN sku_map by_code ON by_code.platform = l.platform AND by_code.platform_sku_id = l.sku
LEFT JOIN sku_map any_platform ON any_platform.platform = 'ALL'
      AND any_platform.platform_sku_id = l.sku
"""

VIEWS["int_order_lines"] = """
-- one row per order line, with its header, its refunds and amounts converted to CNY fen
WITH lines AS (
    SELECT l.platform, l.shop_id, l.order_id, l.line_id, r.sku, l.quantity,
           l.list_price_fen, l.shop_discount_fen, l.platform_discount_fen, l.paid_fen,
           o.member_key, o.created_at, o.paid_at, o.status, o.currency,
           CAST(COALESCE(o.paid_at, o.created_at) AS DATE) AS sales_date,
           o.paid_at IS NOT NULL AS is_paid,
           ROW_NUMBER() OVER (PARTITION BY l.platform, l.shop_id, l.order_id
                              ORDER BY l.line_id) AS line_rank,
           SUM(l.paid_fen) OVER (PARTITION BY l.platform, l.shop_id, l.order_id) AS order_paid_fen,
           SUM(l.quantity) OVER (PARTITION BY l.platform, l.shop_id, l.order_id) AS order_units
    FROM order_lines l
    JOIN orders o ON o.platform = l.platform AND o.shop_id = l.shop_id
                 AND o.order_id = l.order_id
    JOIN int_sku_resolved r ON r.platform = l.platform AND r.shop_id = l.shop_id
                 AND r.order_id = l.order_id AND r.line_id = l.line_id
),
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
    FROM lines li
    JOIN order_refunds r ON r.platform = li.platform AND r.shop_id = li.shop_id
                        AND r.order_id = li.order_id
),
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
),
fx AS (
    SELECT li.*,
           CASE WHEN li.currency = 'CNY' THEN 1.0 ELSE f.cny_per_unit END AS cny_rate
    FROM lines li
    LEFT JOIN int_fx_ranges f ON f.currency = li.currency
          AND li.sales_date >= f.valid_from AND li.sales_date < f.valid_to
)
SELECT fx.platform, fx.shop_id, fx.order_id, fx.line_id, fx.sku, fx.member_key,
       fx.created_at, fx.paid_at, fx.sales_date, fx.status, fx.is_paid, fx.quantity,
       fx.currency, fx.cny_rate,
       CAST(ROUND(fx.list_price_fen * fx.quantity * fx.cny_rate) AS BIGINT) AS list_fen,
       CAST(ROUND(fx.shop_discount_fen * fx.cny_rate) AS BIGINT) AS shop_discount_fen,
       CAST(ROUND(fx.platform_discount_fen * fx.cny_rate) AS BIGINT) AS platform_discount_fen,
       CAST(ROUND(fx.paid_fen * fx.cny_rate) AS BIGINT) AS paid_fen,
       CAST(ROUND((COALESCE(lr.refund_fen, 0) + COALESCE(sf.refund_fen, 0)) * fx.cny_rate)
            AS BIGINT) AS refund_fen,
       COALESCE(lr.units_returned, 0) + COALESCE(sf.units_returned, 0) AS units_returned,
       p.category, p.unit_cost_fen
FROM fx
LEFT JOIN line_refunds lr ON lr.platform = fx.platform AND lr.shop_id = fx.shop_id
      AND lr.order_id = fx.order_id AND lr.line_id = fx.line_id
LEFT JOIN spread_fixed sf ON sf.platform = fx.platform AND sf.shop_id = fx.shop_id
      AND sf.order_id = fx.order_id AND sf.line_id = fx.line_id
LEFT JOIN products p ON p.sku = fx.sku
"""

VIEWS["agg_daily_sales"] = """
-- one row per sales_date, platform, shop and SKU. Money in CNY fen.
-- gmv_fen: amount due on every line placed that day, paid or not (拍下金额)
-- paid_fen: amount paid on lines of paid orders (实付金额)
-- refund_fen / units_returned: completed refunds of those same paid lines
-- cogs_fen: unit cost x units kept (sold - returned); units_without_cost counts units of
--           SKUs missing from products, whose cost is unknown (never silently 0)
SELECT sales_date, platform, shop_id, sku,
       MAX(category) AS category,
       COUNT(DISTINCT order_id) AS count_orders,
       COUNT(DISTINCT CASE WHEN is_paid THEN order_id END) AS count_paid_orders,
       COUNT(*) AS count_lines,
       CAST(SUM(paid_fen) AS BIGINT) AS gmv_fen,
       CAST(SUM(CASE WHEN is_paid THEN quantity ELSE 0 END) AS BIGINT) AS units,
       CAST(SUM(CASE WHEN is_paid THEN list_fen ELSE 0 END) AS BIGINT) AS list_fen,
       CAST(SUM(CASE WHEN is_paid THEN shop_discount_fen ELSE 0 END) AS BIGINT) AS shop_discount_fen,
       CAST(SUM(CASE WHEN is_paid THEN platform_discount_fen ELSE 0 END) AS BIGINT) AS platform_discount_fen,
       CAST(SUM(CASE WHEN is_paid THEN paid_fen ELSE 0 END) AS BIGINT) AS paid_fen,
       CAST(SUM(CASE WHEN is_paid THEN refund_fen ELSE 0 END) AS BIGINT) AS refund_fen,
       CAST(SUM(CASE WHEN is_paid THEN units_returned ELSE 0 END) AS BIGINT) AS units_returned,
       CAST(SUM(CASE WHEN is_paid AND unit_cost_fen IS NOT NULL
                THEN unit_cost_fen * (quantity - LEAST(units_returned, quantity)) ELSE 0 END) AS BIGINT)
           AS cogs_fen,
       CAST(SUM(CASE WHEN is_paid AND unit_cost_fen IS NULL THEN quantity ELSE 0 END) AS BIGINT)
           AS units_without_cost
FROM int_order_lines
GROUP BY sales_date, platform, shop_id, sku
"""

VIEWS["agg_daily_stock"] = """
-- one row per snapshot_date, warehouse and SKU: end-of-day position valued at unit cost
SELECT s.snapshot_date, s.warehouse_id, s.sku, p.category,
       s.on_hand_units, s.in_transit_units,
       s.on_hand_units * p.unit_cost_fen AS on_hand_value_fen,
       s.on_hand_units <= 0 AS is_stock_out
FROM inventory_snapshots s
LEFT JOIN products p ON p.sku = s.sku
"""

# Parameterised rollup (not a view: it needs the as-of date). $as_of is a DATE; the
# filters are appended by the warehouse (platform / shop lists).
MEMBER_SUMMARY_SQL = """
-- one row per member: the per-member purchase summary used by RFM and CLV models.
-- A purchase is a Beijing calendar day with at least one paid order (as lifetimes counts).
-- frequency = purchase days - 1; recency_days = last - first purchase day;
-- age_days = as_of - first purchase day; monetary_value_fen = mean paid per repeat
-- purchase day (0 when frequency = 0); money in CNY fen, before refunds (paid_fen) and
-- refund_fen separately.
WITH paid_lines AS (
    SELECT member_key, platform, order_id, sales_date, paid_fen, refund_fen
    FROM int_order_lines
    WHERE is_paid AND member_key IS NOT NULL AND sales_date <= $as_of {filters}
),
days AS (
    SELECT member_key, sales_date, CAST(SUM(paid_fen) AS BIGINT) AS day_paid_fen,
           ROW_NUMBER() OVER (PARTITION BY member_key ORDER BY sales_date) AS day_rank
    FROM paid_lines
    GROUP BY member_key, sales_date
),
per_member_days AS (
    SELECT member_key,
           COUNT(*) AS count_purchase_days,
           MIN(sales_date) AS first_purchase_date,
           MAX(sales_date) AS last_purchase_date,
           CAST(SUM(CASE WHEN day_rank > 1 THEN day_paid_fen ELSE 0 END) AS BIGINT) AS repeat_paid_fen
    FROM days
    GROUP BY member_key
),
per_member_orders AS (
    SELECT member_key,
           COUNT(DISTINCT platform || '/' || order_id) AS count_orders,
           COUNT(DISTINCT platform) AS count_platforms,
           CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
           CAST(SUM(refund_fen) AS BIGINT) AS refund_fen
    FROM paid_lines
    GROUP BY member_key
)
SELECT d.member_key,
       o.count_orders,
       d.count_purchase_days,
       d.count_purchase_days - 1 AS frequency,
       date_diff('day', d.first_purchase_date, d.last_purchase_date) AS recency_days,
       date_diff('day', d.first_purchase_date, CAST($as_of AS DATE)) AS age_days,
       date_diff('day', d.last_purchase_date, CAST($as_of AS DATE)) AS days_since_last,
       d.first_purchase_date, d.last_purchase_date,
       o.paid_fen, o.refund_fen,
       CASE WHEN d.count_purchase_days > 1
            THEN d.repeat_paid_fen * 1.0 / (d.count_purchase_days - 1) ELSE 0 END
           AS monetary_value_fen,
       o.count_platforms
FROM per_member_days d
JOIN per_member_orders o ON o.member_key = d.member_key
"""


def create_views(con) -> None:
    """(Re)create every rollup view on a DuckDB connection."""
    for name, sql in VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
