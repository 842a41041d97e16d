-- model: int_order_lines
-- grain: one row per platform, shop, order and line
-- materialized: table
-- scope: orders
-- key: platform, shop_id, order_id, line_id
-- Each order line with its order's rules (int_orders: sales day, paid, CNY rate) and the
-- rules of a line, each written here and nowhere else:
-- * SKU: the canonical SKU of the line (int_line_skus, where that rule is written);
-- * refunds: the cases that count (int_done_refunds); a case naming its line is that line's; a
--   case for the whole order is spread over its lines by paid share (money) and quantity
--   (units), FLOOR each, the remainder on the order's first line, so totals tie exactly;
--   refunds belong to the order's sales day;
-- * sold: money and units count only on lines of paid orders (gmv_fen counts every line);
-- * cost of goods: unit cost x units kept (quantity - units returned, never below 0); a
--   SKU missing from products has no cost (cogs 0, its units in units_without_cost).
-- Money in CNY fen: ROUND(native fen x the order's rate) per amount.
WITH orders_in_scope AS (
    SELECT * FROM int_orders
    WHERE EXISTS (SELECT 1 FROM build_scope_orders s
                  WHERE s.platform = int_orders.platform AND s.shop_id = int_orders.shop_id
                    AND s.order_id = int_orders.order_id)
),
lines AS (
    SELECT l.*
    FROM int_line_skus l
    JOIN orders_in_scope o
      ON o.platform = l.platform AND o.shop_id = l.shop_id AND o.order_id = l.order_id
),
done_refunds AS (
    SELECT r.*
    FROM int_done_refunds r
    JOIN orders_in_scope o
      ON o.platform = r.platform AND o.shop_id = r.shop_id AND o.order_id = r.order_id
),
line_refunds AS (
    SELECT platform, shop_id, order_id, line_id,
           SUM(refund_fen) AS refund_fen, SUM(units_returned) AS units_returned
    FROM done_refunds
    WHERE line_id IS NOT NULL
    GROUP BY platform, shop_id, order_id, line_id
),
order_refunds AS (
    SELECT platform, shop_id, order_id,
           SUM(refund_fen) AS refund_fen, SUM(units_returned) AS units_returned
    FROM done_refunds
    WHERE line_id IS NULL
    GROUP BY platform, shop_id, order_id
),
spread AS (
    -- the lines of orders with a whole-order case, with their FLOOR shares
    SELECT l.platform, l.shop_id, l.order_id, l.line_id,
           r.refund_fen AS order_refund_fen, r.units_returned AS order_units_returned,
           ROW_NUMBER() OVER (PARTITION BY l.platform, l.shop_id, l.order_id
                              ORDER BY l.line_id) AS line_rank,
           CASE WHEN SUM(l.paid_fen) OVER (PARTITION BY l.platform, l.shop_id, l.order_id) > 0
                THEN CAST(FLOOR(r.refund_fen * l.paid_fen
                     / SUM(l.paid_fen) OVER (PARTITION BY l.platform, l.shop_id, l.order_id))
                     AS BIGINT)
                ELSE 0 END AS refund_share_fen,
           CASE WHEN SUM(l.quantity) OVER (PARTITION BY l.platform, l.shop_id, l.order_id) > 0
                THEN CAST(FLOOR(r.units_returned * l.quantity
                     / SUM(l.quantity) OVER (PARTITION BY l.platform, l.shop_id, l.order_id))
                     AS BIGINT)
                ELSE 0 END AS units_share
    FROM lines l
    JOIN order_refunds r
      ON r.platform = l.platform AND r.shop_id = l.shop_id AND r.order_id = l.order_id
),
spread_fixed AS (
    SELECT platform, shop_id, order_id, line_id,
           refund_share_fen + CASE WHEN line_rank = 1 THEN order_refund_fen
               - SUM(refund_share_fen) OVER (PARTITION BY platform, shop_id, order_id)
               ELSE 0 END AS refund_fen,
           units_share + CASE WHEN line_rank = 1 THEN order_units_returned
               - SUM(units_share) OVER (PARTITION BY platform, shop_id, order_id)
               ELSE 0 END AS units_returned
    FROM spread
),
converted AS (
    SELECT r.platform, r.shop_id, r.order_id, r.line_id, r.sku,
           r.exported_sku, r.platform_sku_id,
           o.member_key, o.buyer_key, o.created_at, o.paid_at, o.sales_at, o.sales_date, o.status,
           o.is_paid, o.currency, o.cny_rate, o.streamer, o.traffic_source,
           p.category, p.unit_cost_fen, r.quantity,
           CAST(ROUND(r.list_price_fen * r.quantity * o.cny_rate) AS BIGINT) AS list_fen,
           CAST(ROUND(r.shop_discount_fen * o.cny_rate) AS BIGINT) AS shop_discount_fen,
           CAST(ROUND(r.platform_discount_fen * o.cny_rate) AS BIGINT) AS platform_discount_fen,
           CAST(ROUND(r.paid_fen * o.cny_rate) AS BIGINT) AS due_fen,
           CAST(ROUND((COALESCE(lr.refund_fen, 0) + COALESCE(sf.refund_fen, 0)) * o.cny_rate)
                AS BIGINT) AS line_refund_fen,
           COALESCE(lr.units_returned, 0) + COALESCE(sf.units_returned, 0) AS line_units_returned
    FROM lines r
    JOIN orders_in_scope o
      ON o.platform = r.platform AND o.shop_id = r.shop_id AND o.order_id = r.order_id
    LEFT JOIN line_refunds lr
           ON lr.platform = r.platform AND lr.shop_id = r.shop_id
          AND lr.order_id = r.order_id AND lr.line_id = r.line_id
    LEFT JOIN spread_fixed sf
           ON sf.platform = r.platform AND sf.shop_id = r.shop_id
          AND sf.order_id = r.order_id AND sf.line_id = r.line_id
    LEFT JOIN stg_products p ON p.sku = r.sku
)
SELECT platform, shop_id, order_id, line_id, sku, exported_sku, platform_sku_id,
       member_key, buyer_key, created_at, paid_at, sales_at, sales_date, status, is_paid,
       currency, cny_rate, streamer, traffic_source, category, unit_cost_fen,
       due_fen AS gmv_fen,
       CASE WHEN is_paid THEN quantity ELSE 0 END AS units,
       CASE WHEN is_paid THEN list_fen ELSE 0 END AS list_fen,
       CASE WHEN is_paid THEN shop_discount_fen ELSE 0 END AS shop_discount_fen,
       CASE WHEN is_paid THEN platform_discount_fen ELSE 0 END AS platform_discount_fen,
       CASE WHEN is_paid THEN due_fen ELSE 0 END AS paid_fen,
       CASE WHEN is_paid THEN line_refund_fen ELSE 0 END AS refund_fen,
       CASE WHEN is_paid THEN line_units_returned ELSE 0 END AS units_returned,
       CASE WHEN is_paid THEN quantity - LEAST(line_units_returned, quantity) ELSE 0 END
           AS units_kept,
       CASE WHEN is_paid AND unit_cost_fen IS NOT NULL
            THEN unit_cost_fen * (quantity - LEAST(line_units_returned, quantity)) ELSE 0 END
           AS cogs_fen,
       CASE WHEN is_paid AND unit_cost_fen IS NULL THEN quantity ELSE 0 END
           AS units_without_cost
FROM converted
