-- model: mart_sales_daily
-- grain: one row per sales_date, platform, shop_id and sku
-- materialized: table
-- scope: days
-- key: sales_date, platform, shop_id, sku
-- Daily sales by shop and SKU, summed from int_order_lines (money in CNY fen; the rules are
-- there: sales day, paid lines only, refunds of the same orders, cost of units kept).
-- count_orders counts orders placed (paid or not), count_paid_orders paid ones: distinct
-- counts, additive over SKUs only within one order each (sum them over SKUs and you count
-- an order once per SKU it holds: read shop-level counts from mart_shop_daily).
WITH lines_in_scope AS (
    SELECT l.*
    FROM int_order_lines l
    WHERE EXISTS (SELECT 1 FROM build_scope_days s
                  WHERE s.platform = l.platform AND s.shop_id = l.shop_id
                    AND s.sales_date = l.sales_date)
)
SELECT sales_date, platform, shop_id, sku,
       MAX(category) AS category,
       COUNT(DISTINCT order_id) AS count_orders,
       COUNT(DISTINCT CASE WHEN is_paid THEN order_id END) AS count_paid_orders,
       COUNT(*) AS count_lines,
       CAST(SUM(gmv_fen) AS BIGINT) AS gmv_fen,
       CAST(SUM(units) AS BIGINT) AS units,
       CAST(SUM(list_fen) AS BIGINT) AS list_fen,
       CAST(SUM(shop_discount_fen) AS BIGINT) AS shop_discount_fen,
       CAST(SUM(platform_discount_fen) AS BIGINT) AS platform_discount_fen,
       CAST(SUM(paid_fen) AS BIGINT) AS paid_fen,
       CAST(SUM(refund_fen) AS BIGINT) AS refund_fen,
       CAST(SUM(units_returned) AS BIGINT) AS units_returned,
       CAST(SUM(units_kept) AS BIGINT) AS units_kept,
       CAST(SUM(cogs_fen) AS BIGINT) AS cogs_fen,
       CAST(SUM(units_without_cost) AS BIGINT) AS units_without_cost
FROM lines_in_scope
GROUP BY sales_date, platform, shop_id, sku
